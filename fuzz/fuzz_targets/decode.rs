//! Histogram streamers alone, on an object payload framed as `velo_root::verify::decode_framed`
//! describes (class byte, key length, object bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = velo_root::verify::decode_framed(data);
});
