//! Histogram streamers alone, on an object payload framed as `veloview::verify::decode_framed`
//! describes (class byte, key length, object bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = veloview::verify::decode_framed(data);
});
