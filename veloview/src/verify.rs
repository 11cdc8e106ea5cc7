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
