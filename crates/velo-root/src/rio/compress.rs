//! ROOT's compressed payloads, in one place: a key's bytes are a series of blocks, each with a
//! 9-byte header — two letters naming the algorithm, a method byte, then the compressed and the
//! uncompressed size as 24-bit little-endian numbers. LZ4 blocks carry an extra 8-byte xxHash64
//! checksum of the compressed data in front of it.

use super::{RootError, DEFAULT_MAX_OBJECT_BYTES};

pub const HEADER_LEN: usize = 9;
/// ROOT does not compress objects this small.
const MIN_COMPRESS: usize = 256;
/// The most one compressed block holds (24-bit sizes in its header).
const MAX_BLOCK: usize = 0xff_ffff;
const LZ4_CHECKSUM_LEN: usize = 8;
/// The most a zlib (deflate) stream expands: 258 bytes from 2 bits, 1032:1, plus its framing.
const ZLIB_MAX_RATIO: usize = 1032;
/// The most an LZ4 block expands: about 255 bytes of match from one byte.
const LZ4_MAX_RATIO: usize = 255;
/// The most a ZSTD frame expands: every block has a 3-byte header, and the largest expansion is an
/// RLE block, one byte repeated up to the 128 KiB block maximum.
const ZSTD_MAX_RATIO: usize = (128 << 10) / 4;
/// Headroom for the fixed costs of a tiny stream (headers, a last literal run).
const RATIO_SLACK: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Zlib,
    Lzma,
    Lz4,
    Zstd,
}

impl Algorithm {
    fn from_magic(m: [u8; 2]) -> Result<Self, RootError> {
        match &m {
            b"ZL" => Ok(Self::Zlib),
            b"XZ" => Ok(Self::Lzma),
            b"L4" => Ok(Self::Lz4),
            b"ZS" => Ok(Self::Zstd),
            b"CS" => Err(RootError::Decompress(
                "ROOT's old \"CS\" algorithm (files before ROOT 5.x compression) is not supported"
                    .into(),
            )),
            other => Err(RootError::Decompress(format!(
                "unknown compression header {:?}",
                String::from_utf8_lossy(other)
            ))),
        }
    }
}

impl Algorithm {
    /// The most one stored byte can expand to, where the format bounds it. LZMA has no useful
    /// bound, but its output is grown as it is produced instead of reserved up front.
    fn max_ratio(self) -> Option<usize> {
        match self {
            Self::Zlib => Some(ZLIB_MAX_RATIO),
            Self::Lz4 => Some(LZ4_MAX_RATIO),
            Self::Zstd => Some(ZSTD_MAX_RATIO),
            Self::Lzma => None,
        }
    }
}

fn u24(b: &[u8]) -> usize {
    b[0] as usize | (b[1] as usize) << 8 | (b[2] as usize) << 16
}

/// An object's bytes as stored: ROOT's zlib blocks ("ZL", method 8, 24-bit little-endian
/// compressed and uncompressed sizes, then a zlib stream), or the bytes themselves when they are
/// small, when compression is off or when it would not save anything.
pub fn compress(data: &[u8], level: u32) -> Vec<u8> {
    if level == 0 || data.len() <= MIN_COMPRESS {
        return data.to_vec();
    }
    let mut out = Vec::with_capacity(data.len() / 2);
    for block in data.chunks(MAX_BLOCK) {
        let c = miniz_oxide::deflate::compress_to_vec_zlib(block, level.min(9) as u8);
        if c.len() > MAX_BLOCK || out.len() + c.len() + 9 >= data.len() {
            return data.to_vec();
        }
        out.extend_from_slice(b"ZL\x08");
        out.extend_from_slice(&(c.len() as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&(block.len() as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&c);
    }
    out
}

/// Decompress a key's payload of `src` into exactly `objlen` bytes, refusing objects over
/// [`DEFAULT_MAX_OBJECT_BYTES`].
pub fn decompress(src: &[u8], objlen: usize) -> Result<Vec<u8>, RootError> {
    decompress_limited(src, objlen, DEFAULT_MAX_OBJECT_BYTES)
}

/// As [`decompress`], refusing objects that claim more than `max_object_bytes`.
pub fn decompress_limited(
    src: &[u8],
    objlen: usize,
    max_object_bytes: usize,
) -> Result<Vec<u8>, RootError> {
    if objlen > max_object_bytes {
        return Err(RootError::Corrupt(format!(
            "object claims {objlen} bytes uncompressed, over the {max_object_bytes}-byte limit"
        )));
    }
    // Memory is reserved block by block, each block at most 16 MiB by its 24-bit header and no
    // more than its algorithm can expand its stored bytes to, so a hostile `objlen` or block
    // header cannot make us allocate much more than the data really expands to.
    let mut out = Vec::new();
    let mut rest = src;
    while out.len() < objlen {
        crate::cancel::check()?;
        if rest.len() < HEADER_LEN {
            return Err(RootError::Truncated(format!(
                "compressed block header needs {HEADER_LEN} bytes, {} left",
                rest.len()
            )));
        }
        let algo = Algorithm::from_magic([rest[0], rest[1]])?;
        let clen = u24(&rest[3..6]);
        let ulen = u24(&rest[6..9]);
        if rest.len() - HEADER_LEN < clen {
            return Err(RootError::Truncated(format!(
                "compressed block of {clen} bytes with {} left",
                rest.len() - HEADER_LEN
            )));
        }
        if ulen > objlen - out.len() {
            return Err(RootError::Corrupt(format!(
                "compressed block expands to {ulen} bytes, more than the {} the object has left",
                objlen - out.len()
            )));
        }
        if let Some(ratio) = algo.max_ratio() {
            if ulen > clen.saturating_mul(ratio) + RATIO_SLACK {
                return Err(RootError::Corrupt(format!(
                    "{algo:?} block of {clen} bytes claims to expand to {ulen}, more than {algo:?} can"
                )));
            }
        }
        let block = &rest[HEADER_LEN..HEADER_LEN + clen];
        let before = out.len();
        if algo.max_ratio().is_some() {
            out.reserve_exact(ulen);
        }
        decompress_block(algo, block, ulen, &mut out)?;
        if out.len() - before != ulen {
            return Err(RootError::Decompress(format!(
                "{algo:?} block gave {} bytes, its header says {ulen}",
                out.len() - before
            )));
        }
        rest = &rest[HEADER_LEN + clen..];
    }
    Ok(out)
}

fn decompress_block(
    algo: Algorithm,
    block: &[u8],
    ulen: usize,
    out: &mut Vec<u8>,
) -> Result<(), RootError> {
    let err = |e: &dyn std::fmt::Display| RootError::Decompress(format!("{algo:?}: {e}"));
    let longer = || err(&"stream is longer than its header says");
    match algo {
        Algorithm::Zlib => {
            use libdeflater::{DecompressionError, Decompressor};
            // Straight into the output: the block header gives the exact size, so a stream that
            // needs more room than that is longer than declared.
            let start = out.len();
            out.resize(start + ulen, 0);
            let n = Decompressor::new()
                .zlib_decompress(block, &mut out[start..])
                .map_err(|e| match e {
                    DecompressionError::InsufficientSpace => longer(),
                    DecompressionError::BadData => err(&"corrupt or truncated stream"),
                })?;
            out.truncate(start + n);
        }
        Algorithm::Zstd => {
            use zstd_safe::{get_error_name, DCtx, DParameter};
            // One-shot decoding writes into the output itself, which serves as the window, so
            // memory is the fixed context plus the declared size; the window limit still refuses
            // frames that claim more than a block can need (ROOT writes each block's size).
            let start = out.len();
            out.resize(start + ulen, 0);
            let mut z = DCtx::create();
            let window_log = ulen.next_power_of_two().max(1 << 20).trailing_zeros();
            z.set_parameter(DParameter::WindowLogMax(window_log))
                .map_err(|c| err(&get_error_name(c)))?;
            let n =
                z.decompress(&mut out[start..], block)
                    .map_err(|c| match get_error_name(c) {
                        "Destination buffer is too small" => longer(),
                        name => err(&name),
                    })?;
            out.truncate(start + n);
        }
        Algorithm::Lzma => {
            let mut input = block;
            let mut sink = LimitedSink {
                out,
                left: ulen,
                overflow: false,
            };
            let res = lzma_rs::xz_decompress(&mut input, &mut sink);
            if sink.overflow {
                return Err(longer());
            }
            res.map_err(|e| err(&e))?;
        }
        Algorithm::Lz4 => {
            if block.len() < LZ4_CHECKSUM_LEN {
                return Err(RootError::Truncated(
                    "LZ4 block shorter than its checksum".into(),
                ));
            }
            let (checksum, data) = block.split_at(LZ4_CHECKSUM_LEN);
            let expected = u64::from_be_bytes(checksum.try_into().unwrap());
            let actual = twox_hash::XxHash64::oneshot(0, data);
            if expected != actual {
                return Err(err(&format!(
                    "checksum mismatch (stored {expected:#018x}, computed {actual:#018x})"
                )));
            }
            let start = out.len();
            out.resize(start + ulen, 0);
            let n =
                lz4_flex::block::decompress_into(data, &mut out[start..]).map_err(|e| err(&e))?;
            out.truncate(start + n);
        }
    }
    Ok(())
}

/// An `io::Write` that refuses to grow past a limit, for decoders that push their output.
struct LimitedSink<'a> {
    out: &'a mut Vec<u8>,
    left: usize,
    overflow: bool,
}

impl std::io::Write for LimitedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.left {
            self.overflow = true;
            return Err(std::io::Error::other("output over declared size"));
        }
        self.left -= buf.len();
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(magic: &[u8; 3], c: &[u8], ulen: usize) -> Vec<u8> {
        let mut out = magic.to_vec();
        out.extend_from_slice(&(c.len() as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&(ulen as u32).to_le_bytes()[..3]);
        out.extend_from_slice(c);
        out
    }

    fn zlib_block(data: &[u8]) -> Vec<u8> {
        let c = miniz_oxide::deflate::compress_to_vec_zlib(data, 1);
        block(b"ZL\x08", &c, data.len())
    }

    fn zstd_block(data: &[u8]) -> Vec<u8> {
        let mut c = vec![0; zstd_safe::compress_bound(data.len())];
        let n = zstd_safe::compress(&mut c[..], data, 3).unwrap();
        block(b"ZS\x01", &c[..n], data.len())
    }

    #[test]
    fn zstd_round_trips() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(decompress(&zstd_block(&data), data.len()).unwrap(), data);
    }

    #[test]
    fn stream_longer_than_its_header_is_caught() {
        let data = vec![3u8; 1000];
        for src in [zlib_block(&data), zstd_block(&data)] {
            // The same stream, with a header declaring half of what it expands to.
            let mut lying = src.clone();
            lying[6..9].copy_from_slice(&500u32.to_le_bytes()[..3]);
            let err = decompress(&lying, 500).unwrap_err().to_string();
            assert!(err.contains("longer than its header says"), "{err}");
        }
    }

    #[test]
    fn several_blocks_concatenate() {
        let a = vec![1u8; 1000];
        let b = vec![2u8; 500];
        let mut src = zlib_block(&a);
        src.extend(zlib_block(&b));
        let out = decompress(&src, 1500).unwrap();
        assert_eq!(&out[..1000], &a[..]);
        assert_eq!(&out[1000..], &b[..]);
    }

    #[test]
    fn block_larger_than_object_is_rejected() {
        let src = zlib_block(&[7u8; 100]);
        assert!(decompress(&src, 50).is_err());
    }

    #[test]
    fn truncated_block_is_an_error_not_a_panic() {
        let src = zlib_block(&[7u8; 100]);
        for cut in 0..src.len() {
            assert!(decompress(&src[..cut], 100).is_err());
        }
    }

    #[test]
    fn unknown_algorithm_is_named() {
        let err = decompress(b"QQ\x01\x00\x00\x00\x00\x00\x00", 10).unwrap_err();
        assert!(err.to_string().contains("QQ"));
    }
}
