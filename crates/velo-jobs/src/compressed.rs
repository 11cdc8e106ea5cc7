//! A finished job's answer, compressed once by the worker that made it.
//!
//! A plot's record is tens of kB of JSON that compresses about five times. Compressed where it
//! is made, it crosses Redis and velo-web at a fifth of the size, and goes to the browser as it
//! is (`Content-Encoding: gzip`): before, nginx compressed every answer again for every request
//! (1.4 ms of CPU per 2048-bin plot at its level 5, more than velo-web and a worker spent on
//! the whole job; docs/PERFORMANCE.md, "Compressed answers").
//!
//! The answer to `GET /jobs/{id}` is `{"job":{"uri":"…",` + the record without its opening
//! brace + `}`. Only the URI depends on the request (its host), and it comes first: the worker
//! compresses the rest (the *tail*) as one raw deflate stream, and velo-web puts a gzip header
//! and the URI (as a stored deflate block, which leaves the stream on a byte boundary) in front
//! of it, and the CRC-32 of the whole, combined from the two parts', behind. Nothing is
//! compressed or decompressed per request.

use std::io::Write;

/// Records shorter than this go as they are: gzip's headers and a worker's time would cost more
/// than they save (nginx's `gzip_min_length` is the same).
pub const MIN_RECORD_BYTES: usize = 1024;

/// Larger records are not inflated: the bound of a result velo-web will hold in memory.
const MAX_TAIL_BYTES: u32 = 1 << 30;

/// How a compressed tail starts in Redis and in a done message, where a record's JSON starts
/// with `{`.
const MAGIC: &[u8; 4] = b"vgz1";

thread_local! {
    /// Level 1: the worker pays it on the job's path (0.24 ms for a 66 kB record here); higher
    /// levels gain 10-15 % of size for two to five times the time. One per thread, kept: a new
    /// one's tables were allocated, faulted in and freed again for every record.
    static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> = std::cell::RefCell::new(
        libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).expect("a valid level")),
    );
}

/// The compressed tail of one record: raw deflate, with the CRC-32 and length of what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compressed {
    crc: u32,
    len: u32,
    deflate: Vec<u8>,
}

impl Compressed {
    /// The tail of the record `json` compressed, or `None` for a short record (or not an
    /// object).
    pub fn of_record(json: &str) -> Option<Compressed> {
        if json.len() < MIN_RECORD_BYTES || json.len() >= MAX_TAIL_BYTES as usize {
            return None;
        }
        let fields = json.strip_prefix('{')?;
        let mut tail = Vec::with_capacity(fields.len() + 1);
        tail.extend_from_slice(fields.as_bytes());
        tail.push(b'}');
        let mut deflate = Vec::new();
        COMPRESSOR.with_borrow_mut(|c| {
            deflate.resize(c.deflate_compress_bound(tail.len()), 0);
            let n = c.deflate_compress(&tail, &mut deflate).ok()?;
            deflate.truncate(n);
            Some(())
        })?;
        Some(Compressed {
            crc: crc32fast::hash(&tail),
            len: tail.len() as u32,
            deflate,
        })
    }

    /// As kept in Redis and sent in a done message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.deflate.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&self.deflate);
        out
    }

    /// Read back [`Compressed::to_bytes`]; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Compressed> {
        let rest = bytes.strip_prefix(MAGIC)?;
        if rest.len() < 8 {
            return None;
        }
        let (crc, rest) = rest.split_at(4);
        let (len, deflate) = rest.split_at(4);
        let len = u32::from_le_bytes(len.try_into().ok()?);
        // Deflate expands at most 1032 times: a larger length is damage, not to be allocated.
        let possible = deflate.len().saturating_mul(1032) as u64;
        (len <= MAX_TAIL_BYTES && u64::from(len) <= possible).then(|| Compressed {
            crc: u32::from_le_bytes(crc.try_into().expect("four bytes")),
            len,
            deflate: deflate.to_vec(),
        })
    }

    /// Whether `bytes` are a compressed tail rather than a record's JSON.
    pub fn is_compressed(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// The size it takes in memory.
    pub fn size(&self) -> usize {
        self.deflate.len() + 12
    }

    /// The record's JSON, decompressed, for a client that does not take gzip. `None` when the
    /// data is damaged.
    pub fn record(&self) -> Option<String> {
        let mut tail = vec![0; self.len as usize];
        let n = libdeflater::Decompressor::new()
            .deflate_decompress(&self.deflate, &mut tail)
            .ok()?;
        if n != tail.len() || crc32fast::hash(&tail) != self.crc || tail.last() != Some(&b'}') {
            return None;
        }
        tail.pop();
        let mut json = String::from_utf8(tail).ok()?;
        json.insert(0, '{');
        Some(json)
    }

    /// The gzip member of `head` followed by the tail. `head` is everything before the record's
    /// fields (`{"job":{"uri":"…",`), at most 65,535 bytes (one stored block); `None` if longer.
    pub fn gzip_with_head(&self, head: &str) -> Option<Vec<u8>> {
        let head_len = u16::try_from(head.len()).ok()?;
        let mut out = Vec::with_capacity(10 + 5 + head.len() + self.deflate.len() + 8);
        // ID1 ID2, deflate, no flags, no time, no extra flags, unknown OS.
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
        // A stored block, not the last: BFINAL 0, BTYPE 00, padded to the byte.
        out.push(0);
        out.extend_from_slice(&head_len.to_le_bytes());
        out.extend_from_slice(&(!head_len).to_le_bytes());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&self.deflate);
        let mut crc = crc32fast::Hasher::new();
        crc.update(head.as_bytes());
        crc.combine(&crc32fast::Hasher::new_with_initial_len(
            self.crc,
            u64::from(self.len),
        ));
        out.write_all(&crc.finalize().to_le_bytes())
            .expect("writes to a Vec");
        let total = u32::from(head_len).wrapping_add(self.len);
        out.extend_from_slice(&total.to_le_bytes());
        Some(out)
    }
}

/// Whether a request's `Accept-Encoding` takes gzip (`gzip` or `x-gzip`, or `*`, with a
/// non-zero quality).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let named = ["gzip", "x-gzip", "*"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n));
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .or_else(|| p.trim().strip_prefix("Q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        named && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize) -> String {
        let values: Vec<String> = (0..n).map(|i| format!("{}.5", i * 7 % 13)).collect();
        format!(
            r#"{{"status":"finished","id":"x","result":{{"values":[{}]}}}}"#,
            values.join(",")
        )
    }

    fn gunzip(body: &[u8]) -> String {
        String::from_utf8(velo_testkit::http::gunzip(body)).unwrap()
    }

    #[test]
    fn head_and_tail_make_one_gzip_member_of_the_answer() {
        let json = record(2000);
        let c = Compressed::of_record(&json).expect("large enough");
        assert!(c.size() * 3 < json.len(), "{} of {}", c.size(), json.len());
        for head in [
            r#"{"job":{"uri":"http://h:1/jobs/x","#.to_string(),
            String::new(),
            "é".repeat(30_000),
        ] {
            let body = c.gzip_with_head(&head).unwrap();
            let plain = format!("{head}{}}}", &json[1..]);
            assert_eq!(gunzip(&body), plain);
        }
        assert!(c.gzip_with_head(&"x".repeat(65_536)).is_none());
    }

    #[test]
    fn bytes_read_back_and_the_record_comes_back_whole() {
        let json = record(2000);
        let c = Compressed::of_record(&json).unwrap();
        let bytes = c.to_bytes();
        assert!(Compressed::is_compressed(&bytes));
        assert!(!Compressed::is_compressed(json.as_bytes()));
        let back = Compressed::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.record().unwrap(), json);
        // Damage is found, not passed on.
        let mut bad = bytes.clone();
        let last = bad.len() - 5;
        bad[last] ^= 0x55;
        assert_eq!(Compressed::from_bytes(&bad).and_then(|c| c.record()), None);
        assert_eq!(Compressed::from_bytes(&bytes[..10]), None);
        let mut huge = bytes[..12].to_vec();
        huge[8..12].copy_from_slice(&(512u32 << 20).to_le_bytes());
        huge.extend_from_slice(&[0; 16]);
        assert_eq!(Compressed::from_bytes(&huge), None);
        assert_eq!(Compressed::from_bytes(json.as_bytes()), None);
    }

    #[test]
    fn short_records_are_left_alone() {
        assert_eq!(Compressed::of_record(&record(3)), None);
        assert_eq!(Compressed::of_record(&"[1]".repeat(1000)), None);
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "br;q=1.0, GZIP;q=0.5",
            "x-gzip",
            "*",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "br",
            "gzip;q=0",
            "gzip; q=0.0, br",
            "gzipped",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }
}
