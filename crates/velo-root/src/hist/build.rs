//! Making histograms to write: empty ones of a class, and filling them the way ROOT's `Fill`
//! does (bin contents, Sumw2 and the statistics sums move together).

use super::{Axis, BinErrorOption, ErrorMode, Histogram, Profile, Stats};

impl Axis {
    /// Variable-width axis from its nbins+1 increasing edges.
    pub fn variable(edges: Vec<f64>) -> Self {
        let nbins = edges.len().saturating_sub(1);
        Axis {
            title: String::new(),
            nbins,
            min: edges.first().copied().unwrap_or(0.0),
            max: edges.last().copied().unwrap_or(1.0),
            xbins: edges,
            labels: Vec::new(),
        }
    }

    pub fn with_title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// `TAxis::FindBin`: 0 for underflow, nbins+1 for overflow.
    pub fn find_bin(&self, x: f64) -> usize {
        if x.is_nan() {
            // ROOT puts NaN in the overflow.
            return self.nbins + 1;
        }
        if x < self.min {
            return 0;
        }
        if x >= self.max {
            return self.nbins + 1;
        }
        if self.is_variable() {
            // Last edge <= x.
            return self.xbins.partition_point(|&e| e <= x).clamp(1, self.nbins);
        }
        let b = 1 + ((x - self.min) / (self.max - self.min) * self.nbins as f64) as usize;
        b.clamp(1, self.nbins)
    }
}

impl Histogram {
    /// An empty TH1F/TH1D/TH1I (or a TProfile, see [`Histogram::new_profile`]).
    pub fn new_1d(class: &str, name: &str, title: &str, x: Axis) -> Self {
        Self::empty(class, name, title, x, None)
    }

    pub fn new_2d(class: &str, name: &str, title: &str, x: Axis, y: Axis) -> Self {
        Self::empty(class, name, title, x, Some(y))
    }

    /// A TProfile; as ROOT's constructor does, it keeps Sumw2 (the sum of w*y^2 per bin).
    pub fn new_profile(name: &str, title: &str, x: Axis) -> Self {
        let mut h = Self::empty("TProfile", name, title, x, None);
        let n = h.ncells();
        h.sumw2 = vec![0.0; n];
        h.profile = Some(Profile {
            bin_entries: vec![0.0; n],
            bin_sumw2: Vec::new(),
            error_mode: ErrorMode::Mean,
        });
        h
    }

    fn empty(class: &str, name: &str, title: &str, x: Axis, y: Option<Axis>) -> Self {
        let mut h = Histogram {
            class: class.to_string(),
            name: name.to_string(),
            title: title.to_string(),
            x,
            y_title: y.as_ref().map(|a| a.title.clone()).unwrap_or_default(),
            y,
            stats: Stats::default(),
            array: Vec::new(),
            sumw2: Vec::new(),
            profile: None,
            bin_error_option: BinErrorOption::Normal,
        };
        h.array = vec![0.0; h.ncells()];
        h
    }

    /// `TH1::Sumw2`: keep per-bin sums of squared weights from now on.
    pub fn enable_sumw2(&mut self) {
        if self.sumw2.is_empty() {
            self.sumw2 = self.array.clone();
        }
    }

    /// `TH1::Fill(x, w)` for 1D histograms.
    pub fn fill(&mut self, x: f64, w: f64) {
        let bin = self.x.find_bin(x);
        self.add(bin, w);
        if (1..=self.x.nbins).contains(&bin) {
            let s = &mut self.stats;
            s.tsumw += w;
            s.tsumw2 += w * w;
            s.tsumwx += w * x;
            s.tsumwx2 += w * x * x;
        }
    }

    /// `TH2::Fill(x, y, w)`.
    pub fn fill_2d(&mut self, x: f64, y: f64, w: f64) {
        let ya = self.y.as_ref().expect("fill_2d on a 2D histogram");
        let (ix, iy) = (self.x.find_bin(x), ya.find_bin(y));
        let in_range = (1..=self.x.nbins).contains(&ix) && (1..=ya.nbins).contains(&iy);
        let bin = self.bin(ix, iy);
        self.add(bin, w);
        if in_range {
            let s = &mut self.stats;
            s.tsumw += w;
            s.tsumw2 += w * w;
            s.tsumwx += w * x;
            s.tsumwx2 += w * x * x;
            s.tsumwy += w * y;
            s.tsumwy2 += w * y * y;
            s.tsumwxy += w * x * y;
        }
    }

    fn add(&mut self, bin: usize, w: f64) {
        self.stats.entries += 1.0;
        self.array[bin] += w;
        if !self.sumw2.is_empty() {
            self.sumw2[bin] += w * w;
        }
    }

    /// `TProfile::Fill(x, y, w)`.
    pub fn fill_profile(&mut self, x: f64, y: f64, w: f64) {
        self.fill_profile_n(x, 1.0, w, w * y, w * y * y);
    }

    /// Add `n` entries to a profile bin at once, given their summed weight, weight*y and
    /// weight*y^2 — what `n` calls of [`fill_profile`](Self::fill_profile) would add, for
    /// generators that know the sums already.
    pub fn fill_profile_n(&mut self, x: f64, n: f64, sumw: f64, sumwy: f64, sumwy2: f64) {
        let bin = self.x.find_bin(x);
        let p = self.profile.as_mut().expect("fill_profile on a TProfile");
        p.bin_entries[bin] += sumw;
        if !p.bin_sumw2.is_empty() {
            // Unit weights: the sum of w^2 equals the sum of w.
            p.bin_sumw2[bin] += sumw;
        }
        self.array[bin] += sumwy;
        self.sumw2[bin] += sumwy2;
        self.stats.entries += n;
        if (1..=self.x.nbins).contains(&bin) {
            let s = &mut self.stats;
            s.tsumw += sumw;
            s.tsumw2 += sumw;
            s.tsumwx += sumw * x;
            s.tsumwx2 += sumw * x * x;
            s.tsumwy += sumwy;
            s.tsumwy2 += sumwy2;
        }
    }

    /// `TH1::SetBinContent`: as in ROOT, each call counts one entry and drops the stored sums,
    /// so that readers recompute mean and RMS from the bins (call
    /// [`reset_stats`](Self::reset_stats) afterwards to store them instead).
    pub fn set_content(&mut self, bin: usize, v: f64) {
        self.array[bin] = v;
        self.stats = Stats {
            entries: self.stats.entries + 1.0,
            ..Stats::default()
        };
    }

    /// `TH1::ResetStats` for 1D and 2D histograms: sums from the in-range bin contents, with the
    /// entries set to the sum of contents, as ROOT does after `SetBinContent`.
    pub fn reset_stats(&mut self) {
        let mut s = Stats::default();
        let ny = self.y.as_ref().map_or(1, |a| a.nbins);
        for iy in 1..=ny {
            let (y, iyb) = match &self.y {
                Some(a) => (a.center(iy), iy),
                None => (0.0, 0),
            };
            for ix in 1..=self.x.nbins {
                let bin = self.bin(ix, iyb);
                let w = self.array[bin];
                let x = self.x.center(ix);
                s.tsumw += w;
                s.tsumw2 += if self.sumw2.is_empty() {
                    w.abs()
                } else {
                    self.sumw2[bin]
                };
                s.tsumwx += w * x;
                s.tsumwx2 += w * x * x;
                if self.y.is_some() {
                    s.tsumwy += w * y;
                    s.tsumwy2 += w * y * y;
                    s.tsumwxy += w * x * y;
                }
            }
        }
        s.entries = s.tsumw;
        self.stats = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_bin_matches_root_edges() {
        let a = Axis::uniform(4, 0.0, 4.0);
        assert_eq!(a.find_bin(-0.1), 0);
        assert_eq!(a.find_bin(0.0), 1);
        assert_eq!(a.find_bin(3.999), 4);
        assert_eq!(a.find_bin(4.0), 5);
        let v = Axis::variable(vec![0.0, 1.0, 10.0, 100.0]);
        assert_eq!(v.find_bin(1.0), 2);
        assert_eq!(v.find_bin(99.0), 3);
        assert_eq!(v.find_bin(100.0), 4);
    }

    #[test]
    fn fill_keeps_stats_as_root_does() {
        let mut h = Histogram::new_1d("TH1D", "h", "", Axis::uniform(10, 0.0, 10.0));
        h.enable_sumw2();
        h.fill(2.5, 2.0);
        h.fill(7.5, 1.0);
        h.fill(20.0, 1.0);
        assert_eq!(h.stats.entries, 3.0);
        assert_eq!(h.stats.tsumw, 3.0);
        assert_eq!(h.bin_content(3), 2.0);
        assert_eq!(h.bin_error(3), 2.0);
        assert_eq!(h.array[11], 1.0);
        assert!((h.mean(1) - (2.0 * 2.5 + 7.5) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn profile_fill_gives_mean_and_error_of_mean() {
        let mut p = Histogram::new_profile("p", "", Axis::uniform(2, 0.0, 2.0));
        for y in [1.0, 2.0, 3.0] {
            p.fill_profile(0.5, y, 1.0);
        }
        assert_eq!(p.bin_content(1), 2.0);
        let spread = (2.0f64 / 3.0).sqrt();
        assert!((p.bin_error(1) - spread / 3f64.sqrt()).abs() < 1e-12);
    }
}
