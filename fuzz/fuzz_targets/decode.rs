//! Histogram streamers alone, on an object payload: byte 0 picks the class, bytes 1-2 give the
//! key length (back references count from it), the rest is the decompressed object.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let class = veloview::hist::CLASSES[data[0] as usize % veloview::hist::CLASSES.len()];
    let origin = u16::from_be_bytes([data[1], data[2]]) as u32;
    if let Ok(h) = veloview::hist::decode(class, &data[3..], origin) {
        let _ = veloview::dump::histogram("fuzz", &h);
    }
});
