//! ROOT's compressed block framing and the four decompressors: bytes 0-3 give the object length
//! the key would claim, the rest is the key payload.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let objlen = u32::from_be_bytes([data[0], data[1], data[2], data[3]]) as usize;
    if let Ok(out) = veloview::rio::compress::decompress(&data[4..], objlen) {
        assert_eq!(out.len(), objlen);
    }
});
