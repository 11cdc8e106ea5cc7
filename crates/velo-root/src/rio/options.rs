//! What reading one object may cost, set by whoever opens the file.

/// Limits on one object, checked against the sizes a file claims before anything is allocated.
/// The defaults are far above any real VELO histogram (the largest are about 10⁵ cells, a few
/// MB uncompressed) and far below what would hurt a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The most bytes one object may decompress to. Its decoded cell arrays are held to the
    /// same budget: see [`ReadOptions::max_cells`].
    pub max_object_bytes: usize,
}

/// 256 MiB: a thousand times the largest histogram the monitor reads.
pub const DEFAULT_MAX_OBJECT_BYTES: usize = 256 << 20;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_object_bytes: DEFAULT_MAX_OBJECT_BYTES,
        }
    }
}

impl ReadOptions {
    /// The most cells (bins, under- and overflow included) one histogram may have. A cell costs
    /// 8 bytes in each of up to four f64 arrays (contents, Sumw2, a profile's entries and their
    /// Sumw2), a bin label slot and its share of every derived array, so 1/32 of the object
    /// budget: 8 Mi cells by default.
    pub fn max_cells(&self) -> usize {
        self.max_object_bytes / 32
    }
}
