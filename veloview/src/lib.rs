//! veloview: ROOT file access, the VELO run model and plot formatting for the VELO monitor.

pub mod demo;
pub mod dump;
pub mod hist;
pub mod rio;
pub mod runview;

pub use hist::Histogram;
pub use rio::{Error, RootFile};

impl rio::RootFile {
    /// Read the histogram at `path` (highest cycle unless `;N` is given).
    pub fn histogram(&self, path: &str) -> Result<Histogram, Error> {
        let key = self.get(path)?;
        self.histogram_of(&key)
    }

    /// Decode the histogram a key holds.
    pub fn histogram_of(&self, key: &rio::Key) -> Result<Histogram, Error> {
        if !hist::is_supported(&key.class) {
            return Err(Error::new(
                self.path(),
                rio::RootError::Unsupported(format!("{} (at \"{}\")", key.class, key.name)),
            ));
        }
        let bytes = self.object_bytes(key)?;
        hist::decode(&key.class, &bytes, key.keylen as u32).map_err(|kind| {
            Error::new(
                self.path(),
                match kind {
                    rio::RootError::Corrupt(m) => {
                        rio::RootError::Corrupt(format!("{} \"{}\": {m}", key.class, key.name))
                    }
                    rio::RootError::Truncated(m) => {
                        rio::RootError::Truncated(format!("{} \"{}\": {m}", key.class, key.name))
                    }
                    other => other,
                },
            )
        })
    }
}
