//! velo-root: reading and writing ROOT files — buffers, compression, files, directories and keys
//! ([`rio`]) and the histogram classes with ROOT's semantics ([`hist`]). It knows nothing of the
//! VELO run model or the service configuration; `veloview` builds those on it.

pub mod cancel;
pub mod dump;
pub mod hist;
pub mod rio;
pub mod verify;

pub use hist::Histogram;
pub use rio::{Error, ReadOptions, RootFile};

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
        let bytes = self
            .payload(key)
            .map_err(|kind| Error::new(self.path(), kind))?;
        hist::decode_with(&key.class, &bytes, key.keylen as u32, &self.options()).map_err(|kind| {
            Error::new(
                self.path(),
                kind.context(format!("{} \"{}\"", key.class, key.name)),
            )
        })
    }
}
