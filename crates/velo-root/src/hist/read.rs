//! Streamers of the histogram classes, as ROOT 5 and 6 write them. Each class chunk carries its
//! byte count, so members this reader does not model (drawing attributes, fit functions) are
//! skipped by it, and a chunk that does not end where it says is reported as corrupt.

use super::{Axis, BinErrorOption, ErrorMode, Histogram, Profile, Stats};
use crate::rio::rbytes::{corrupt, Header, RBuffer, Result};
use crate::rio::{ReadOptions, RootError};

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
    decode_with(class, data, origin, &ReadOptions::default())
}

/// As [`decode`], held to `options` (how many cells a histogram may have).
///
/// Every size the object claims is checked before it is allocated for: the cell count against
/// the bytes left and the cell limit, each axis against the cell count, each array's length
/// against the cell count, the label count against the bins; labels are collected as they are
/// read. So memory follows the bytes actually there, never a number written in them.
pub fn decode_with(
    class: &str,
    data: &[u8],
    origin: u32,
    options: &ReadOptions,
) -> std::result::Result<Histogram, RootError> {
    if !is_supported(class) {
        return Err(RootError::Unsupported(format!(
            "{class} (veloview reads TH1C/S/I/F/D, TH2C/S/I/F/D, TProfile and TProfile2D)"
        )));
    }
    let mut r = RBuffer::new(data, origin);
    let max_cells = options.max_cells();
    let h = match class {
        "TProfile" => profile(&mut r, max_cells)?,
        "TProfile2D" => profile2d(&mut r, max_cells)?,
        c if c.starts_with("TH2") => th2x(&mut r, c, max_cells)?,
        c => th1x(&mut r, c, max_cells)?,
    };
    Ok(h)
}

/// Bytes one cell takes in the stored array of `class`.
fn cell_bytes(class: &str) -> usize {
    match class.as_bytes().last() {
        Some(b'C') => 1,
        Some(b'S') => 2,
        Some(b'I' | b'F') => 4,
        _ => 8,
    }
}

/// The typed array that follows the TH1/TH2 base in TH1F, TH2D, ...: one value per cell.
fn bin_array(r: &mut RBuffer, class: &str, ncells: usize) -> Result<Vec<f64>> {
    let n = r.count(cell_bytes(class))?;
    if n != ncells {
        return Err(corrupt(format!(
            "{class} has {n} cells in its array but its axes make {ncells}"
        )));
    }
    match class.as_bytes().last() {
        Some(b'C') => r.i8s_as_f64(n),
        Some(b'S') => r.i16s_as_f64(n),
        Some(b'I') => r.i32s_as_f64(n),
        Some(b'F') => r.f32s_as_f64(n),
        _ => r.f64s(n),
    }
}

fn tarray_d(r: &mut RBuffer) -> Result<Vec<f64>> {
    let n = r.count(8)?;
    r.f64s(n)
}

/// A per-cell TArrayD that is either absent (length 0) or one value per cell, checked before
/// it is read.
fn cell_array_d(r: &mut RBuffer, ncells: usize, what: &str) -> Result<Vec<f64>> {
    let n = r.count(8)?;
    if n != 0 && n != ncells {
        return Err(corrupt(format!("{n} {what} for {ncells} cells")));
    }
    r.f64s(n)
}

fn th1x(r: &mut RBuffer, class: &str, max_cells: usize) -> Result<Histogram> {
    let h = r.header()?;
    let (mut hist, labels) = th1(r, false, cell_bytes(class), max_cells)?;
    hist.class = class.to_string();
    hist.array = bin_array(r, class, hist.ncells())?;
    r.check_end(&h, class)?;
    check_cells(&hist)?;
    labels.apply(&mut hist);
    Ok(hist)
}

fn th2x(r: &mut RBuffer, class: &str, max_cells: usize) -> Result<Histogram> {
    let h = r.header()?;
    let (mut hist, labels) = th2(r, cell_bytes(class), max_cells)?;
    hist.class = class.to_string();
    hist.array = bin_array(r, class, hist.ncells())?;
    r.check_end(&h, class)?;
    check_cells(&hist)?;
    labels.apply(&mut hist);
    Ok(hist)
}

fn profile(r: &mut RBuffer, max_cells: usize) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th1x(r, "TH1D", max_cells)?;
    hist.class = "TProfile".into();
    let bin_entries = cell_array_d(r, hist.ncells(), "bin entries")?;
    let error_mode = r.i32()?;
    let _ymin = r.f64()?;
    let _ymax = r.f64()?;
    hist.stats.tsumwy = r.f64()?;
    hist.stats.tsumwy2 = r.f64()?;
    let bin_sumw2 = profile_bin_sumw2(r, &h, hist.ncells())?;
    r.check_end(&h, "TProfile")?;
    hist.profile = Some(profile_part(bin_entries, bin_sumw2, error_mode, &hist)?);
    Ok(hist)
}

fn profile2d(r: &mut RBuffer, max_cells: usize) -> Result<Histogram> {
    let h = r.header()?;
    let mut hist = th2x(r, "TH2D", max_cells)?;
    hist.class = "TProfile2D".into();
    let bin_entries = cell_array_d(r, hist.ncells(), "bin entries")?;
    let error_mode = r.i32()?;
    let _zmin = r.f64()?;
    let _zmax = r.f64()?;
    hist.stats.tsumwz = r.f64()?;
    hist.stats.tsumwz2 = r.f64()?;
    let bin_sumw2 = profile_bin_sumw2(r, &h, hist.ncells())?;
    r.check_end(&h, "TProfile2D")?;
    hist.profile = Some(profile_part(bin_entries, bin_sumw2, error_mode, &hist)?);
    Ok(hist)
}

/// `fBinSumw2` arrived in ROOT 5.22; older profiles end before it.
fn profile_bin_sumw2(r: &mut RBuffer, h: &Header, ncells: usize) -> Result<Vec<f64>> {
    match h.end {
        Some(end) if r.pos() >= end => Ok(Vec::new()),
        _ => cell_array_d(r, ncells, "bin sumw2 entries"),
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

fn th2(r: &mut RBuffer, cell_bytes: usize, max_cells: usize) -> Result<(Histogram, Labels)> {
    let h = r.header()?;
    if h.version < 3 {
        return Err(RootError::Unsupported(format!("TH2 version {}", h.version)));
    }
    let (mut hist, labels) = th1(r, true, cell_bytes, max_cells)?;
    let _scale = r.f64()?;
    hist.stats.tsumwy = r.f64()?;
    hist.stats.tsumwy2 = r.f64()?;
    hist.stats.tsumwxy = r.f64()?;
    r.check_end(&h, "TH2")?;
    Ok((hist, labels))
}

/// The TH1 base: names, axes, statistics, Sumw2 and the error option. `cell_bytes` is what
/// one cell of the derived class's array takes, which bounds the cell count by the bytes left.
fn th1(
    r: &mut RBuffer,
    two_d: bool,
    cell_bytes: usize,
    max_cells: usize,
) -> Result<(Histogram, Labels)> {
    let h = r.header()?;
    if h.version < 3 {
        return Err(RootError::Unsupported(format!("TH1 version {}", h.version)));
    }
    let (name, title) = r.tnamed()?;
    r.skip_object("TAttLine")?;
    r.skip_object("TAttFill")?;
    r.skip_object("TAttMarker")?;
    // Checked before the axes, whose bins and labels it bounds: every cell is still to come in
    // the array after this base, and no histogram may exceed the cell limit.
    let ncells = r.count(cell_bytes)?;
    if ncells > max_cells {
        return Err(corrupt(format!(
            "fNcells is {ncells}, over the limit of {max_cells} cells"
        )));
    }
    let (x, x_labels) = taxis(r, ncells)?;
    let (y, y_labels) = taxis(r, ncells)?;
    let _z = taxis(r, ncells)?;
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
    let sumw2 = cell_array_d(r, ncells, "sumw2 entries")?;
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
    if ncells != hist.ncells() {
        return Err(corrupt(format!(
            "fNcells is {ncells} but the axes make {}",
            hist.ncells()
        )));
    }
    let labels = Labels {
        x: x_labels,
        y: if two_d { y_labels } else { Vec::new() },
    };
    Ok((hist, labels))
}

/// A TAxis of a histogram with `ncells` cells: its bins and their under- and overflow must fit.
/// Its labels come back apart, as read, for [`Labels::apply`].
fn taxis(r: &mut RBuffer, ncells: usize) -> Result<(Axis, Vec<(usize, String)>)> {
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
    let nbins = r.check_count(nbins, 1)?;
    if nbins == 0 {
        return Err(corrupt("axis with 0 bins".into()));
    }
    if nbins + 2 > ncells {
        return Err(corrupt(format!(
            "axis of {nbins} bins in a histogram of {ncells} cells"
        )));
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
    Ok((
        Axis {
            title,
            nbins,
            min,
            max,
            xbins,
            labels: Vec::new(),
        },
        labels,
    ))
}

/// Bin labels as read, (bin, label) pairs, set on the axes only once the whole histogram has
/// been read: one slot per bin is then paid for by the cells actually in the buffer, never by
/// an axis's claim alone.
struct Labels {
    x: Vec<(usize, String)>,
    y: Vec<(usize, String)>,
}

impl Labels {
    fn apply(self, h: &mut Histogram) {
        fill(&mut h.x, self.x);
        if let Some(y) = h.y.as_mut() {
            fill(y, self.y);
        }
    }
}

fn fill(axis: &mut Axis, found: Vec<(usize, String)>) {
    if found.is_empty() {
        return;
    }
    axis.labels.resize(axis.nbins, String::new());
    for (bin, s) in found {
        axis.labels[bin - 1] = s;
    }
}

/// `TAxis::fLabels`: a THashList of TObjString, each holding its bin number in fUniqueID.
/// Returns (bin, label) pairs, bins in 1..=nbins.
fn label_list(
    r: &mut RBuffer,
    class: &str,
    end: usize,
    nbins: usize,
) -> Result<Vec<(usize, String)>> {
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
    if n > nbins {
        return Err(corrupt(format!("{n} labels for an axis of {nbins} bins")));
    }
    // Collected as read, so memory follows the labels really there, whatever the count says.
    let mut found = Vec::new();
    for _ in 0..n {
        if let Some((cls, obj_end)) = r.object_tag()? {
            if cls == "TObjString" {
                let oh = r.header()?;
                let bin = r.tobject()? as usize;
                let s = r.tstring()?;
                r.check_end(&oh, "TObjString")?;
                if (1..=nbins).contains(&bin) {
                    found.push((bin, s));
                }
            }
            r.set_pos(obj_end)?;
        }
        // The per-entry option string.
        let _opt = r.tstring()?;
    }
    r.skip_to_end(&h, "THashList")?;
    Ok(found)
}
