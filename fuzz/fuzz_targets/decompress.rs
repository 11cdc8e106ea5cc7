//! ROOT's compressed block framing and the four decompressors, on a key payload framed as
//! `velo_root::verify::decompress_framed` describes (claimed object length, stored bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = velo_root::verify::decompress_framed(data);
});
