//! Read everything a file holds, the way `veloview dump` would, and stop at the first error.
//! The robustness test and the fuzz targets drive the reader through this, so that what they
//! prove holds for the paths the CLI and the workers take.

use crate::{dump, hist, Error, RootFile};

/// What a file held, once all of it was read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub keys: usize,
    pub histograms: usize,
    pub unsupported: usize,
}

/// Walk the file, look every key up again by path, and decode every supported histogram into
/// its dump document (which computes every derived value).
pub fn read_everything(f: &RootFile) -> Result<Summary, Error> {
    let mut s = Summary::default();
    for e in f.walk()? {
        s.keys += 1;
        f.get(&e.path)?;
        if e.key.is_directory() {
            continue;
        }
        if !hist::is_supported(&e.key.class) {
            s.unsupported += 1;
            continue;
        }
        let h = f.histogram_of(&e.key)?;
        dump::histogram(&e.path, &h);
        s.histograms += 1;
    }
    Ok(s)
}

/// The `decode` fuzz target's input: byte 0 picks one of [`hist::CLASSES`], bytes 1-2 give the
/// key length (back references count from it), the rest is a decompressed object.
pub fn decode_framed(data: &[u8]) -> Option<Result<hist::Histogram, crate::rio::RootError>> {
    let (&class, rest) = data.split_first()?;
    let (origin, object) = rest.split_first_chunk::<2>()?;
    let class = hist::CLASSES[class as usize % hist::CLASSES.len()];
    let h = hist::decode(class, object, u16::from_be_bytes(*origin) as u32);
    if let Ok(h) = &h {
        dump::histogram("fuzz", h);
    }
    Some(h)
}

/// The `decompress` fuzz target's input: bytes 0-3 give the object length a key would claim
/// (big-endian), the rest is the key's stored payload. A success must have exactly that length.
pub fn decompress_framed(data: &[u8]) -> Option<Result<Vec<u8>, crate::rio::RootError>> {
    let (objlen, payload) = data.split_first_chunk::<4>()?;
    let objlen = u32::from_be_bytes(*objlen) as usize;
    let out = crate::rio::compress::decompress(payload, objlen);
    if let Ok(out) = &out {
        assert_eq!(out.len(), objlen, "decompressed to the wrong length");
    }
    Some(out)
}
