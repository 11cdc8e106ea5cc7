//! Stopping work that nobody waits for any more. A caller that runs reading or formatting on a
//! thread it may give up on (a worker's job past its time limit) runs it inside [`scope`]; the
//! loops that can run long — decompression block by block, decoding, formatting cell by cell —
//! call [`check`] or [`is_cancelled`], and end with [`RootError::Cancelled`] once the flag is
//! set. Outside a scope nothing is ever cancelled, and a check costs a thread-local read.

use crate::rio::RootError;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Run `f` on this thread with `flag` as its cancellation flag: once another thread sets it,
/// the checks inside `f` fail.
pub fn scope<R>(flag: Arc<AtomicBool>, f: impl FnOnce() -> R) -> R {
    let previous = FLAG.with(|c| c.replace(Some(flag)));
    // Restored on unwinding too, so a panicking task leaves no flag on a pooled thread.
    struct Restore(Option<Arc<AtomicBool>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = FLAG.try_with(|c| c.replace(previous));
        }
    }
    let _restore = Restore(previous);
    f()
}

/// Whether the work running on this thread has been given up.
pub fn is_cancelled() -> bool {
    FLAG.try_with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    })
    .unwrap_or(false)
}

/// `Err(Cancelled)` once the work running on this thread has been given up.
pub fn check() -> Result<(), RootError> {
    if is_cancelled() {
        Err(RootError::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_scope_sees_its_flag() {
        let flag = Arc::new(AtomicBool::new(false));
        assert!(check().is_ok());
        scope(flag.clone(), || {
            assert!(check().is_ok());
            flag.store(true, Ordering::Relaxed);
            assert!(matches!(check(), Err(RootError::Cancelled)));
        });
        assert!(check().is_ok());
    }
}
