//! Big-endian writing of ROOT's serialised object buffers: the mirror of [`super::rbytes`].
//!
//! Chunks are opened with a placeholder byte count that is patched when they close, and class
//! names written through pointers are numbered the way ROOT numbers them, so that a later object
//! of the same class refers back to the first instead of naming it again.

use super::rbytes::{BYTECOUNT_MASK, CLASS_MASK, MAP_OFFSET, NEW_CLASS_TAG};
use std::collections::HashMap;

/// `TObject::fBits` as ROOT writes it for an object that lives on the heap (kNotDeleted and
/// kIsOnHeap); readers ignore these bits.
pub const OBJECT_BITS: u32 = 0x0300_0000;

/// Where an open chunk's byte count sits, so [`WBuffer::end`] can fill it in.
#[derive(Debug, Clone, Copy)]
#[must_use = "a chunk must be closed with WBuffer::end"]
pub struct Chunk(usize);

#[derive(Debug, Default)]
pub struct WBuffer {
    buf: Vec<u8>,
    /// Offset of `buf[0]` in the numbering ROOT uses for back references (the key length).
    origin: u32,
    classes: HashMap<String, u32>,
}

impl WBuffer {
    pub fn new(origin: u32) -> Self {
        Self {
            buf: Vec::new(),
            origin,
            classes: HashMap::new(),
        }
    }

    pub fn with_capacity(origin: u32, cap: usize) -> Self {
        Self {
            buf: Vec::with_capacity(cap),
            ..Self::new(origin)
        }
    }

    pub fn pos(&self) -> usize {
        self.buf.len()
    }

    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }
    pub fn i16(&mut self, v: i16) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn f32(&mut self, v: f32) {
        self.bytes(&v.to_be_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.bytes(&v.to_be_bytes());
    }

    /// Overwrite four bytes already written (sizes and seeks known only later).
    pub fn patch_i32(&mut self, at: usize, v: i32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    /// A TString: one length byte, or 255 followed by a 32-bit length.
    pub fn tstring(&mut self, s: &str) {
        let b = s.as_bytes();
        if b.len() < 255 {
            self.u8(b.len() as u8);
        } else {
            self.u8(255);
            self.u32(b.len() as u32);
        }
        self.bytes(b);
    }

    /// NUL-terminated (class names after a new-class tag).
    pub fn cstring(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.u8(0);
    }

    /// A TArrayD-style array: its length, then the elements.
    pub fn f64s(&mut self, v: &[f64]) {
        self.i32(v.len() as i32);
        self.buf.reserve(v.len() * 8);
        for x in v {
            self.f64(*x);
        }
    }

    /// TArrayF: the values are narrowed to f32, as the class stores them.
    pub fn f64s_as_f32(&mut self, v: &[f64]) {
        self.i32(v.len() as i32);
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.f32(*x as f32);
        }
    }

    /// TArrayI: the values are truncated to i32 as ROOT's `TArrayI::AddAt` would.
    pub fn f64s_as_i32(&mut self, v: &[f64]) {
        self.i32(v.len() as i32);
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.i32(*x as i32);
        }
    }

    /// Open a versioned class chunk: a byte count to patch, then the version.
    pub fn begin(&mut self, version: u16) -> Chunk {
        let at = self.pos();
        self.u32(0);
        self.u16(version);
        Chunk(at)
    }

    /// Close a chunk opened with [`begin`](Self::begin) or [`begin_object`](Self::begin_object).
    pub fn end(&mut self, chunk: Chunk) {
        let count = (self.pos() - chunk.0 - 4) as u32;
        self.buf[chunk.0..chunk.0 + 4].copy_from_slice(&(count | BYTECOUNT_MASK).to_be_bytes());
    }

    /// `TObject`: version 1, unique ID, bits.
    pub fn tobject(&mut self, unique_id: u32) {
        self.u16(1);
        self.u32(unique_id);
        self.u32(OBJECT_BITS);
    }

    /// `TNamed` version 1.
    pub fn tnamed(&mut self, name: &str, title: &str) {
        let c = self.begin(1);
        self.tobject(0);
        self.tstring(name);
        self.tstring(title);
        self.end(c);
    }

    /// A null object pointer.
    pub fn null_pointer(&mut self) {
        self.u32(0);
    }

    /// Open an object written through a pointer: a byte count to patch, then the class, named in
    /// full the first time and by reference after. Close it with [`end`](Self::end).
    pub fn begin_object(&mut self, class: &str) -> Chunk {
        let at = self.pos();
        self.u32(0);
        let tag_pos = self.pos() as u32;
        match self.classes.get(class) {
            Some(&reference) => self.u32(reference | CLASS_MASK),
            None => {
                let reference = tag_pos + self.origin + MAP_OFFSET;
                self.classes.insert(class.to_string(), reference);
                self.u32(NEW_CLASS_TAG);
                self.cstring(class);
            }
        }
        Chunk(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rio::rbytes::RBuffer;

    #[test]
    fn reads_back_what_it_writes() {
        let mut w = WBuffer::new(0);
        w.i16(-2);
        w.u32(7);
        w.f64(1.5);
        w.tstring("short");
        w.tstring(&"x".repeat(300));
        w.f64s(&[1.0, 2.0]);
        let data = w.into_inner();
        let mut r = RBuffer::new(&data, 0);
        assert_eq!(r.i16().unwrap(), -2);
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.f64().unwrap(), 1.5);
        assert_eq!(r.tstring().unwrap(), "short");
        assert_eq!(r.tstring().unwrap(), "x".repeat(300));
        assert_eq!(r.count(8).unwrap(), 2);
        assert_eq!(r.f64s(2).unwrap(), vec![1.0, 2.0]);
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn chunks_and_class_references_read_back() {
        let origin = 60;
        let mut w = WBuffer::new(origin);
        for _ in 0..2 {
            let c = w.begin_object("TObjString");
            let v = w.begin(1);
            w.tobject(3);
            w.tstring("label");
            w.end(v);
            w.end(c);
        }
        let data = w.into_inner();
        let mut r = RBuffer::new(&data, origin);
        for _ in 0..2 {
            let (class, end) = r.object_tag().unwrap().unwrap();
            assert_eq!(class, "TObjString");
            let h = r.header().unwrap();
            assert_eq!(r.tobject().unwrap(), 3);
            assert_eq!(r.tstring().unwrap(), "label");
            r.check_end(&h, "TObjString").unwrap();
            assert_eq!(r.pos(), end);
        }
        // The second object names its class by reference, so it is shorter than the first.
        assert!(data.len() < 2 * (4 + 4 + "TObjString".len() + 1 + 6 + 10 + 6));
    }
}
