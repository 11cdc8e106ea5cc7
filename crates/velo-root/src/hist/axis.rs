//! TAxis: binning, title and bin labels.

#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub title: String,
    pub nbins: usize,
    pub min: f64,
    pub max: f64,
    /// `fXbins`: the nbins+1 edges of a variable-width axis, empty for a uniform one.
    pub xbins: Vec<f64>,
    /// Label of each bin 1..=nbins (index 0 is bin 1); empty when the axis has none.
    pub labels: Vec<String>,
}

impl Axis {
    pub fn uniform(nbins: usize, min: f64, max: f64) -> Self {
        Axis {
            title: String::new(),
            nbins,
            min,
            max,
            xbins: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub fn is_variable(&self) -> bool {
        !self.xbins.is_empty()
    }

    /// Low edge of bin `bin` (1-based; nbins+1 gives the upper edge), as `TAxis::GetBinLowEdge`.
    pub fn low_edge(&self, bin: usize) -> f64 {
        if self.is_variable() {
            return self.xbins[bin.saturating_sub(1).min(self.xbins.len() - 1)];
        }
        if bin == self.nbins + 1 {
            return self.max;
        }
        let width = (self.max - self.min) / self.nbins as f64;
        self.min + (bin as f64 - 1.0) * width
    }

    pub fn center(&self, bin: usize) -> f64 {
        0.5 * (self.low_edge(bin) + self.low_edge(bin + 1))
    }

    /// All nbins+1 edges.
    pub fn edges(&self) -> Vec<f64> {
        if self.is_variable() {
            return self.xbins.clone();
        }
        (1..=self.nbins + 1).map(|b| self.low_edge(b)).collect()
    }
}
