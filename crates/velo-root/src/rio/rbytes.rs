//! Big-endian reading of ROOT's serialised object buffers.
//!
//! Every read is bounds-checked and every length that comes from the data is checked against the
//! bytes actually left before anything is allocated, so a hostile buffer can make a read fail but
//! never panic or allocate more than the buffer could hold.

use super::RootError;
use std::collections::HashMap;

/// Set in a 32-bit word to say that it is a byte count rather than a version or a tag.
pub const BYTECOUNT_MASK: u32 = 0x4000_0000;
/// A class tag that introduces a class name the buffer has not seen yet.
pub const NEW_CLASS_TAG: u32 = 0xFFFF_FFFF;
/// Set in a tag that refers back to a class already named in this buffer.
pub const CLASS_MASK: u32 = 0x8000_0000;
/// ROOT numbers buffer offsets for references from 2, to keep 0 and 1 free for null and "new".
pub const MAP_OFFSET: u32 = 2;
/// `TObject::fBits` flag: the object was written with a process-ID word after its bits.
const IS_REFERENCED: u32 = 1 << 4;

pub type Result<T> = std::result::Result<T, RootError>;

/// The start of a versioned class chunk: its version and, when the writer stored one, where the
/// chunk ends (so readers can skip members they do not model, or check they read them all).
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub version: u16,
    pub start: usize,
    pub end: Option<usize>,
}

pub struct RBuffer<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offset of `data[0]` in the numbering ROOT uses for back references (the key length).
    origin: u32,
    /// Class names seen so far, by the reference number later tags use.
    classes: HashMap<u32, String>,
}

impl<'a> RBuffer<'a> {
    pub fn new(data: &'a [u8], origin: u32) -> Self {
        Self {
            data,
            pos: 0,
            origin,
            classes: HashMap::new(),
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn set_pos(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(truncated(format!(
                "seek to byte {pos} of a {}-byte buffer",
                self.data.len()
            )));
        }
        self.pos = pos;
        Ok(())
    }

    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(truncated(format!(
                "need {n} bytes at byte {} of a {}-byte buffer",
                self.pos,
                self.data.len()
            )));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub fn i8(&mut self) -> Result<i8> {
        Ok(self.u8()? as i8)
    }
    pub fn bool(&mut self) -> Result<bool> {
        Ok(self.u8()? != 0)
    }
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_be_bytes(self.array()?))
    }
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_be_bytes(self.array()?))
    }

    /// A TString: one length byte, or 255 followed by a 32-bit length.
    pub fn tstring(&mut self) -> Result<String> {
        let mut n = self.u8()? as usize;
        if n == 255 {
            n = self.u32()? as usize;
        }
        let bytes = self.take(n)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// A NUL-terminated C string (class names after a new-class tag).
    pub fn cstring(&mut self) -> Result<String> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| truncated("unterminated class name".into()))?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }

    /// A count read from the data, checked against what `elem` bytes per element could still fit.
    pub fn count(&mut self, elem: usize) -> Result<usize> {
        let n = self.i32()?;
        self.check_count(n, elem)
    }

    pub fn check_count(&self, n: i32, elem: usize) -> Result<usize> {
        if n < 0 {
            return Err(corrupt(format!("negative array length {n}")));
        }
        let n = n as usize;
        if n.saturating_mul(elem) > self.remaining() {
            return Err(truncated(format!(
                "array of {n} x {elem} bytes with {} bytes left",
                self.remaining()
            )));
        }
        Ok(n)
    }

    pub fn f64s(&mut self, n: usize) -> Result<Vec<f64>> {
        let raw = self.take(n.checked_mul(8).ok_or_else(too_long)?)?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| f64::from_be_bytes(c.try_into().unwrap()))
            .collect())
    }
    pub fn f32s_as_f64(&mut self, n: usize) -> Result<Vec<f64>> {
        let raw = self.take(n.checked_mul(4).ok_or_else(too_long)?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_be_bytes(c.try_into().unwrap()) as f64)
            .collect())
    }
    pub fn i32s_as_f64(&mut self, n: usize) -> Result<Vec<f64>> {
        let raw = self.take(n.checked_mul(4).ok_or_else(too_long)?)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes(c.try_into().unwrap()) as f64)
            .collect())
    }
    pub fn i16s_as_f64(&mut self, n: usize) -> Result<Vec<f64>> {
        let raw = self.take(n.checked_mul(2).ok_or_else(too_long)?)?;
        Ok(raw
            .chunks_exact(2)
            .map(|c| i16::from_be_bytes(c.try_into().unwrap()) as f64)
            .collect())
    }
    pub fn i8s_as_f64(&mut self, n: usize) -> Result<Vec<f64>> {
        Ok(self.take(n)?.iter().map(|&b| b as i8 as f64).collect())
    }

    /// The version header that opens every class chunk.
    pub fn header(&mut self) -> Result<Header> {
        let start = self.pos;
        let word = self.u32()?;
        if word & BYTECOUNT_MASK != 0 {
            let count = (word & !BYTECOUNT_MASK) as usize;
            let end = start + 4 + count;
            if end > self.data.len() {
                return Err(truncated(format!(
                    "object of {count} bytes at byte {start} overruns its {}-byte buffer",
                    self.data.len()
                )));
            }
            let version = self.u16()?;
            Ok(Header {
                version,
                start,
                end: Some(end),
            })
        } else {
            // No byte count: the first two bytes were the version itself.
            self.pos = start;
            let version = self.u16()?;
            Ok(Header {
                version,
                start,
                end: None,
            })
        }
    }

    /// Move to the end of a chunk, skipping members this reader does not model.
    pub fn skip_to_end(&mut self, h: &Header, what: &str) -> Result<()> {
        match h.end {
            Some(end) if end >= self.pos => self.set_pos(end),
            Some(end) => Err(corrupt(format!(
                "{what} read {} bytes past its declared end",
                self.pos - end
            ))),
            None => Err(corrupt(format!("{what} has no byte count to skip by"))),
        }
    }

    /// Check that a chunk was consumed exactly, the sign that its layout was understood.
    pub fn check_end(&self, h: &Header, what: &str) -> Result<()> {
        match h.end {
            Some(end) if end != self.pos => Err(corrupt(format!(
                "{what} (version {}) ends at byte {} but its byte count says {end}",
                h.version, self.pos
            ))),
            _ => Ok(()),
        }
    }

    /// `TObject`: version, unique ID, bits, and a process-ID word for referenced objects.
    /// Returns fUniqueID, which some classes use as a payload (bin numbers of axis labels).
    pub fn tobject(&mut self) -> Result<u32> {
        let version = self.u16()?;
        if version & (BYTECOUNT_MASK >> 16) as u16 != 0 {
            // Very old files stored a byte count here too.
            self.skip(2)?;
        }
        let unique_id = self.u32()?;
        let bits = self.u32()?;
        if bits & IS_REFERENCED != 0 {
            self.skip(2)?;
        }
        Ok(unique_id)
    }

    /// `TNamed`: returns (name, title).
    pub fn tnamed(&mut self) -> Result<(String, String)> {
        let h = self.header()?;
        self.tobject()?;
        let name = self.tstring()?;
        let title = self.tstring()?;
        self.check_end(&h, "TNamed")?;
        Ok((name, title))
    }

    /// Skip any self-describing class chunk (attributes and other members we do not use).
    pub fn skip_object(&mut self, what: &str) -> Result<()> {
        let h = self.header()?;
        self.skip_to_end(&h, what)
    }

    /// The class tag in front of an object written through a pointer. Returns `None` for a null
    /// pointer, or the class name and where the object's bytes end.
    pub fn object_tag(&mut self) -> Result<Option<(String, usize)>> {
        let start = self.pos;
        let word = self.u32()?;
        if word == 0 {
            return Ok(None);
        }
        if word & BYTECOUNT_MASK == 0 {
            return Err(corrupt(format!(
                "object reference {word:#x} at byte {start} where an object was expected"
            )));
        }
        let end = start + 4 + (word & !BYTECOUNT_MASK) as usize;
        if end > self.data.len() {
            return Err(truncated(format!(
                "object at byte {start} overruns its {}-byte buffer",
                self.data.len()
            )));
        }
        let tag_pos = self.pos;
        let tag = self.u32()?;
        let class = if tag == NEW_CLASS_TAG {
            let name = self.cstring()?;
            // Later tags refer to this class by the position of this tag in the key.
            let reference = (tag_pos as u32)
                .wrapping_add(self.origin)
                .wrapping_add(MAP_OFFSET);
            self.classes.insert(reference, name.clone());
            name
        } else if tag & CLASS_MASK != 0 {
            let reference = tag & !CLASS_MASK;
            self.classes
                .get(&reference)
                .cloned()
                .ok_or_else(|| corrupt(format!("unknown class reference {reference}")))?
        } else {
            return Err(corrupt(format!("bad class tag {tag:#x} at byte {tag_pos}")));
        };
        Ok(Some((class, end)))
    }
}

pub fn truncated(msg: String) -> RootError {
    RootError::Truncated(msg)
}

pub fn corrupt(msg: String) -> RootError {
    RootError::Corrupt(msg)
}

fn too_long() -> RootError {
    corrupt("array length overflows".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_and_rejects_overruns() {
        let data = [0x00, 0x01, 0x02, 0x03, 0xff];
        let mut r = RBuffer::new(&data, 0);
        assert_eq!(r.u32().unwrap(), 0x0001_0203);
        assert!(matches!(r.u16(), Err(RootError::Truncated(_))));
        assert_eq!(r.u8().unwrap(), 0xff);
    }

    #[test]
    fn long_tstring_uses_32_bit_length() {
        let mut data = vec![255, 0, 0, 1, 0];
        data.extend(std::iter::repeat_n(b'a', 256));
        let mut r = RBuffer::new(&data, 0);
        assert_eq!(r.tstring().unwrap().len(), 256);
    }

    #[test]
    fn counts_are_checked_before_allocation() {
        let data = [0x7f, 0xff, 0xff, 0xff];
        let mut r = RBuffer::new(&data, 0);
        assert!(matches!(r.count(8), Err(RootError::Truncated(_))));
    }

    #[test]
    fn header_with_byte_count_past_the_end_is_an_error() {
        let data = [0x40, 0x00, 0x00, 0x10, 0x00, 0x01];
        let mut r = RBuffer::new(&data, 0);
        assert!(r.header().is_err());
    }
}
