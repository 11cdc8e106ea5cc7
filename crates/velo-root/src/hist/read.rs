//! Streamers of the histogram classes, as ROOT 5 and 6 write them. Each class chunk carries its
//! byte count, so members this reader does not model (drawing attributes, fit functions) are
//! skipped by it, and a chunk that does not end where it says is reported as corrupt.

use super::{Axis, BinErrorOption, ErrorMode, Histogram, Profile, Stats};
use crate::rio::rbytes::{corrupt, Header, RBuffer, Result};
use crate::rio::RootError;

/// Classes [`decode`] understands.
pub const CLASSES: [&str; 12] = [
    "TH1C",
    "TH1S",
    "TH1I",
    "TH1F",
    "TH1D",
    "TH2C",
    "TH2S",
    "TH2I",
    "TH2F",
    "TH2D",
    "TProfile",
    "TProfile2D",
];

pub fn is_supported(class: &str) -> bool {
    CLASSES.contains(&class)
}

/// Decode an object of `class` from its (decompressed) key payload. `origin` is the key length,
/// the offset ROOT numbers back references from.
pub fn decode(class: &str, data: &[u8], origin: u32) -> std::result::Result<Histogram, RootError> {
    if !is_supported(class) {
        return Err(RootError::Unsupported(format!(
            "{class} (veloview reads TH1C/S/I/F/D, TH2C/S/I/F/D, TProfile and TProfile2D)"
        )));
    }
    let mut r = RBuffer::new(data, origin);
    let h = match class {
        "TProfile" => profile(&mut r)?,
        "TProfile2D" => profile2d(&mut r)?,
        c if c.starts_with("TH2") => th2x(&mut r, c)?,
        c => th1x(&mut r, c)?,
    };
    Ok(h)
}

/// The typed array that follows the TH1/TH2 base in TH1F, TH2D, ...
fn bin_array(r: &mut RBuffer, class: &str) -> Result<Vec<f64>> {
    match class.as_bytes().last() {
        Some(b'C') => {
            let n = r.count(1)?;
            r.i8s_as_f64(n)
        }
        Some(b'S') => {
            let n = r.count(2)?;
            r.i16s_as_f64(n)
        }
        Some(b'I') => {
            let n = r.count(4)?;
            r.i32s_as_f64(n)
        }
        Some(b'F') => {
            let n = r.count(4)?;
            r.f32s_as_f64(n)
        }
        _ => tarray_d(r),
    }
}

fn tarray_d(r: &mut RBuffer) -> Result<Vec<f64>> {
    let n = r.count(8)?;
    r.f64s(n)
}

fn th1x(r: &mut RBuffer, class: &str) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th1(r, false)?;
    hist.class = class.to_string();
    hist.array = bin_array(r, class)?;
    r.check_end(&h, class)?;
    check_cells(&hist)?;
    Ok(hist)
}

fn th2x(r: &mut RBuffer, class: &str) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th2(r)?;
    hist.class = class.to_string();
    hist.array = bin_array(r, class)?;
    r.check_end(&h, class)?;
    check_cells(&hist)?;
    Ok(hist)
}

fn profile(r: &mut RBuffer) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th1x(r, "TH1D")?;
    hist.class = "TProfile".into();
    let bin_entries = tarray_d(r)?;
    let error_mode = r.i32()?;
    let _ymin = r.f64()?;
    let _ymax = r.f64()?;
    hist.stats.tsumwy = r.f64()?;
    hist.stats.tsumwy2 = r.f64()?;
    let bin_sumw2 = profile_bin_sumw2(r, &h)?;
    r.check_end(&h, "TProfile")?;
    hist.profile = Some(profile_part(bin_entries, bin_sumw2, error_mode, &hist)?);
    Ok(hist)
}

fn profile2d(r: &mut RBuffer) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th2x(r, "TH2D")?;
    hist.class = "TProfile2D".into();
    let bin_entries = tarray_d(r)?;
    let error_mode = r.i32()?;
    let _zmin = r.f64()?;
    let _zmax = r.f64()?;
    hist.stats.tsumwz = r.f64()?;
    hist.stats.tsumwz2 = r.f64()?;
    let bin_sumw2 = profile_bin_sumw2(r, &h)?;
    r.check_end(&h, "TProfile2D")?;
    hist.profile = Some(profile_part(bin_entries, bin_sumw2, error_mode, &hist)?);
    Ok(hist)
}

/// `fBinSumw2` arrived in ROOT 5.22; older profiles end before it.
fn profile_bin_sumw2(r: &mut RBuffer, h: &Header) -> Result<Vec<f64>> {
    match h.end {
        Some(end) if r.pos() >= end => Ok(Vec::new()),
        _ => tarray_d(r),
    }
}

fn profile_part(
    bin_entries: Vec<f64>,
    bin_sumw2: Vec<f64>,
    mode: i32,
    hist: &Histogram,
) -> Result<Profile> {
    let error_mode =
        ErrorMode::from_i32(mode).ok_or_else(|| corrupt(format!("profile error mode {mode}")))?;
    if bin_entries.len() != hist.ncells() {
        return Err(corrupt(format!(
            "profile has {} bin entries for {} cells",
            bin_entries.len(),
            hist.ncells()
        )));
    }
    Ok(Profile {
        bin_entries,
        bin_sumw2,
        error_mode,
    })
}

/// The per-cell arrays must match the axes, or every bin lookup after this would be off.
fn check_cells(h: &Histogram) -> Result<()> {
    let n = h.ncells();
    if h.array.len() != n {
        return Err(corrupt(format!(
            "{} has {} cells in its array but its axes make {n}",
            h.class,
            h.array.len()
        )));
    }
    if !h.sumw2.is_empty() && h.sumw2.len() != n {
        return Err(corrupt(format!(
            "{} has {} sumw2 entries for {n} cells",
            h.class,
            h.sumw2.len()
        )));
    }
    Ok(())
}

fn th2(r: &mut RBuffer) -> Result<Histogram> {
    let h = r.header()?;
    if h.version < 3 {
        return Err(RootError::Unsupported(format!("TH2 version {}", h.version)));
    }
    let mut hist = th1(r, true)?;
    let _scale = r.f64()?;
    hist.stats.tsumwy = r.f64()?;
    hist.stats.tsumwy2 = r.f64()?;
    hist.stats.tsumwxy = r.f64()?;
    r.check_end(&h, "TH2")?;
    Ok(hist)
}

/// The TH1 base: names, axes, statistics, Sumw2 and the error option.
fn th1(r: &mut RBuffer, two_d: bool) -> Result<Histogram> {
    let h = r.header()?;
    if h.version < 3 {
        return Err(RootError::Unsupported(format!("TH1 version {}", h.version)));
    }
    let (name, title) = r.tnamed()?;
    r.skip_object("TAttLine")?;
    r.skip_object("TAttFill")?;
    r.skip_object("TAttMarker")?;
    let ncells = r.i32()?;
    let x = taxis(r)?;
    let y = taxis(r)?;
    let _z = taxis(r)?;
    let _bar_offset = r.i16()?;
    let _bar_width = r.i16()?;
    let stats = Stats {
        entries: r.f64()?,
        tsumw: r.f64()?,
        tsumw2: r.f64()?,
        tsumwx: r.f64()?,
        tsumwx2: r.f64()?,
        ..Stats::default()
    };
    let _maximum = r.f64()?;
    let _minimum = r.f64()?;
    let _norm = r.f64()?;
    let _contour = tarray_d(r)?;
    let sumw2 = tarray_d(r)?;
    let _option = r.tstring()?;
    // fFunctions: a TList, skipped whole (fit results are not drawn by the monitor).
    r.skip_object("TH1::fFunctions")?;
    let mut bin_error_option = BinErrorOption::Normal;
    if h.version > 3 {
        let n = r.i32()?;
        // A pointer-to-array member is preceded by a byte saying whether it is set.
        let _set = r.u8()?;
        let n = r.check_count(n, 8)?;
        r.skip(n * 8)?;
        if h.version > 6 {
            bin_error_option = match r.i32()? {
                1 => BinErrorOption::Poisson,
                2 => BinErrorOption::Poisson2,
                _ => BinErrorOption::Normal,
            };
        }
        if h.version > 7 {
            let _stat_overflows = r.i32()?;
        }
    }
    r.check_end(&h, "TH1")?;
    let hist = Histogram {
        class: String::new(),
        name,
        title,
        x,
        y_title: y.title.clone(),
        y: two_d.then_some(y),
        stats,
        array: Vec::new(),
        sumw2,
        profile: None,
        bin_error_option,
    };
    if ncells < 0 || ncells as usize != hist.ncells() {
        return Err(corrupt(format!(
            "fNcells is {ncells} but the axes make {}",
            hist.ncells()
        )));
    }
    Ok(hist)
}

fn taxis(r: &mut RBuffer) -> Result<Axis> {
    let h = r.header()?;
    if h.version < 6 {
        return Err(RootError::Unsupported(format!(
            "TAxis version {}",
            h.version
        )));
    }
    let (_name, title) = r.tnamed()?;
    r.skip_object("TAttAxis")?;
    let nbins = r.i32()?;
    // Every bin costs at least one byte of the bin array still to come, which bounds nbins.
    let nbins = r.check_count(nbins, 1)?;
    if nbins == 0 {
        return Err(corrupt("axis with 0 bins".into()));
    }
    let min = r.f64()?;
    let max = r.f64()?;
    let xbins = tarray_d(r)?;
    if !xbins.is_empty() && xbins.len() != nbins + 1 {
        return Err(corrupt(format!(
            "axis of {nbins} bins has {} edges",
            xbins.len()
        )));
    }
    let _first = r.i32()?;
    let _last = r.i32()?;
    if h.version >= 9 {
        let _bits2 = r.u16()?;
    }
    let _time_display = r.bool()?;
    let _time_format = r.tstring()?;
    let mut labels = Vec::new();
    if h.version >= 9 {
        if let Some((class, end)) = r.object_tag()? {
            labels = label_list(r, &class, end, nbins)?;
        }
    }
    // fModLabs (v10) and anything newer: label attributes the monitor does not use.
    r.skip_to_end(&h, "TAxis")?;
    Ok(Axis {
        title,
        nbins,
        min,
        max,
        xbins,
        labels,
    })
}

/// `TAxis::fLabels`: a THashList of TObjString, each holding its bin number in fUniqueID.
fn label_list(r: &mut RBuffer, class: &str, end: usize, nbins: usize) -> Result<Vec<String>> {
    if class != "THashList" && class != "TList" {
        r.set_pos(end)?;
        return Ok(Vec::new());
    }
    let h = r.header()?;
    if h.version <= 3 {
        return Err(RootError::Unsupported(format!(
            "TList version {}",
            h.version
        )));
    }
    r.tobject()?;
    let _name = r.tstring()?;
    let n = r.i32()?;
    let n = r.check_count(n, 4)?;
    let mut labels = vec![String::new(); nbins];
    for _ in 0..n {
        if let Some((cls, obj_end)) = r.object_tag()? {
            if cls == "TObjString" {
                let oh = r.header()?;
                let bin = r.tobject()?;
                let s = r.tstring()?;
                r.check_end(&oh, "TObjString")?;
                if (1..=nbins).contains(&(bin as usize)) {
                    labels[bin as usize - 1] = s;
                }
            }
            r.set_pos(obj_end)?;
        }
        // The per-entry option string.
        let _opt = r.tstring()?;
    }
    r.skip_to_end(&h, "THashList")?;
    Ok(labels)
}
