//! Histograms with ROOT's semantics: the stored arrays as they are on disk, and the derived
//! quantities (bin content, bin error, mean, RMS) computed the way ROOT's TH1 and TProfile do.

mod axis;
mod build;
mod read;
mod stats;
mod write;

pub use axis::Axis;
pub use read::{decode, is_supported, CLASSES};
pub(crate) use stats::gamma_pq;
pub use stats::Stats;
pub use write::{encode, is_writable};

/// TProfile / TProfile2D error modes (`TProfile::SetErrorOption`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorMode {
    /// "" — standard error of the mean.
    Mean = 0,
    /// "s" — spread.
    Spread = 1,
    /// "i" — spread, for integer data.
    SpreadI = 2,
    /// "g" — 1/sqrt(sum of weights).
    SpreadG = 3,
}

impl ErrorMode {
    pub fn from_i32(v: i32) -> Option<Self> {
        Some(match v {
            0 => Self::Mean,
            1 => Self::Spread,
            2 => Self::SpreadI,
            3 => Self::SpreadG,
            _ => return None,
        })
    }
}

/// `TH1::fBinStatErrOpt`: how bin errors of unweighted histograms are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinErrorOption {
    Normal = 0,
    Poisson = 1,
    Poisson2 = 2,
}

/// What a profile adds to its TH1D/TH2D base.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub bin_entries: Vec<f64>,
    /// Sum of squared weights per bin; empty in files from before ROOT 5.22.
    pub bin_sumw2: Vec<f64>,
    pub error_mode: ErrorMode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub class: String,
    pub name: String,
    pub title: String,
    pub x: Axis,
    /// Present for 2D classes.
    pub y: Option<Axis>,
    /// Title of the y axis, which 1D histograms have too (it labels the bin values).
    pub y_title: String,
    pub stats: Stats,
    /// `fArray`, widened to f64, in global bin order (for a profile: sum of w*y per bin).
    pub array: Vec<f64>,
    /// `fSumw2`; empty when the histogram has none.
    pub sumw2: Vec<f64>,
    pub profile: Option<Profile>,
    pub bin_error_option: BinErrorOption,
}

impl Histogram {
    pub fn dims(&self) -> usize {
        if self.y.is_some() {
            2
        } else {
            1
        }
    }

    /// Number of cells, under- and overflow included.
    pub fn ncells(&self) -> usize {
        (self.x.nbins + 2) * self.y.as_ref().map_or(1, |y| y.nbins + 2)
    }

    /// Global bin number of (ix, iy), both counting 0 as underflow.
    pub fn bin(&self, ix: usize, iy: usize) -> usize {
        ix + (self.x.nbins + 2) * iy
    }

    /// `GetBinContent`: for a profile, the mean of y in the bin.
    pub fn bin_content(&self, bin: usize) -> f64 {
        let cont = self.array.get(bin).copied().unwrap_or(0.0);
        match &self.profile {
            None => cont,
            Some(p) => {
                let n = p.bin_entries.get(bin).copied().unwrap_or(0.0);
                if n == 0.0 {
                    0.0
                } else {
                    cont / n
                }
            }
        }
    }

    /// `GetBinError` with ROOT's default options.
    pub fn bin_error(&self, bin: usize) -> f64 {
        match &self.profile {
            Some(p) => self.profile_bin_error(p, bin),
            None => match self.sumw2.get(bin) {
                Some(&s) if !self.sumw2.is_empty() => s.sqrt(),
                _ => self.bin_content(bin).abs().sqrt(),
            },
        }
    }

    /// `TProfileHelper::GetBinEffectiveEntries`.
    fn effective_entries(&self, p: &Profile, bin: usize) -> f64 {
        let sumw = p.bin_entries.get(bin).copied().unwrap_or(0.0);
        if p.bin_sumw2.is_empty() || p.bin_sumw2.len() != self.ncells() {
            return sumw;
        }
        let sumw2 = p.bin_sumw2[bin];
        if sumw2 > 0.0 {
            sumw * sumw / sumw2
        } else {
            0.0
        }
    }

    /// `TProfileHelper::GetBinError` (with `fgApproximate` off, ROOT's default).
    fn profile_bin_error(&self, p: &Profile, bin: usize) -> f64 {
        let cont = self.array.get(bin).copied().unwrap_or(0.0);
        let sum = p.bin_entries.get(bin).copied().unwrap_or(0.0);
        let err2 = self.sumw2.get(bin).copied().unwrap_or(0.0);
        let neff = self.effective_entries(p, bin);
        if sum == 0.0 {
            return 0.0;
        }
        if p.error_mode == ErrorMode::SpreadG {
            return 1.0 / sum.sqrt();
        }
        let contsum = cont / sum;
        let eprim2 = (err2 / sum - contsum * contsum).abs();
        let eprim = eprim2.sqrt();
        match p.error_mode {
            ErrorMode::SpreadI => {
                if eprim != 0.0 {
                    eprim / neff.sqrt()
                } else {
                    1.0 / (12.0 * neff).sqrt()
                }
            }
            ErrorMode::Spread => eprim,
            _ => {
                if neff > 0.0 {
                    eprim / neff.sqrt()
                } else {
                    0.0
                }
            }
        }
    }

    /// Lower and upper error of a bin (`GetBinErrorLow`/`GetBinErrorUp`).
    pub fn bin_error_low_up(&self, bin: usize) -> (f64, f64) {
        stats::asymmetric_errors(self, bin)
    }

    /// `GetMean(axis)`, axis 1 = x, 2 = y.
    pub fn mean(&self, axis: usize) -> f64 {
        let s = self.stats.effective(self);
        let (sw, swx) = match axis {
            2 => (s.sumw, s.sumwy),
            _ => (s.sumw, s.sumwx),
        };
        if sw == 0.0 {
            0.0
        } else {
            swx / sw
        }
    }

    /// `GetRMS(axis)` (ROOT's `GetStdDev`).
    pub fn rms(&self, axis: usize) -> f64 {
        let s = self.stats.effective(self);
        let (sw, swx, swx2) = match axis {
            2 => (s.sumw, s.sumwy, s.sumwy2),
            _ => (s.sumw, s.sumwx, s.sumwx2),
        };
        if sw == 0.0 {
            return 0.0;
        }
        let mean = swx / sw;
        // Negative variance (rounding, negative weights) is reported as zero, as ROOT does.
        (swx2 / sw - mean * mean).max(0.0).sqrt()
    }
}
