//! The test binaries' global allocator: it measures, per thread, the largest request and the
//! peak of bytes held, so a test can bound what reading an input costs ([`measure`]); and it
//! refuses outright any request over [`REFUSE_OVER`], so that a reader that trusts a claimed
//! size aborts its test binary (failing it) instead of taking the machine's memory.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Far above anything a test input may justify, below what would hurt a shared machine.
pub const REFUSE_OVER: usize = 1 << 30;

pub struct Bounded;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

/// The largest request of any thread since the binary started.
static LARGEST_EVER: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    LARGEST_EVER.fetch_max(size, Ordering::Relaxed);
    // `try_with`: the allocator also runs while thread-locals are being torn down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
    let _ = LIVE.try_with(|live| {
        let now = live.get() + size as isize;
        live.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

fn shrank(size: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get() - size as isize));
}

// SAFETY: forwards to the system allocator unchanged, or returns null (refusal), which callers
// of `GlobalAlloc` must handle; only records sizes otherwise.
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        grew(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        grew(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > REFUSE_OVER {
            return std::ptr::null_mut();
        }
        shrank(layout.size());
        grew(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Bounded = Bounded;

/// What a piece of work allocated on its thread.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// The most bytes it held at once, beyond what the thread held when it started.
    pub peak: usize,
    /// Its largest single request.
    pub largest: usize,
}

/// Run `f` on this thread and report what it allocated.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Usage) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    LARGEST.with(|l| l.set(0));
    let r = f();
    let usage = Usage {
        peak: (PEAK.with(Cell::get) - base).max(0) as usize,
        largest: LARGEST.with(Cell::get),
    };
    (r, usage)
}

/// The largest request any thread made since the binary started.
pub fn largest_ever() -> usize {
    LARGEST_EVER.load(Ordering::Relaxed)
}
