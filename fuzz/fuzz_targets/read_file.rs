//! A whole ROOT file from bytes: header, directories, keys, decompression, histogram streamers
//! and the derived values `veloview dump` prints. Anything may fail; nothing may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = velo_root::RootFile::from_bytes("fuzz.root", data.to_vec()) {
        let _ = velo_root::verify::read_everything(&f);
    }
});
