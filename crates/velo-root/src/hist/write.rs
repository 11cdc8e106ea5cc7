//! Streamers of the histogram classes, writing: the mirror of [`super::read`], member for member,
//! in the versions ROOT 6 writes (TH1 v8, TH2 v5, TAxis v10, TProfile v7, TH1x v3, TH2x v4), so
//! that ROOT and its other readers take the objects as ROOT's own. Members the model does not
//! hold (drawing attributes, plot limits) get ROOT's defaults.

use super::{Axis, Histogram};
use crate::rio::wbytes::WBuffer;
use crate::rio::RootError;

/// Classes [`encode`] writes.
pub fn is_writable(class: &str) -> bool {
    matches!(
        class,
        "TH1F" | "TH1D" | "TH1I" | "TH2F" | "TH2D" | "TH2I" | "TProfile"
    )
}

/// Serialise `h` as its class's streamer would, into a buffer whose offsets start at `origin`
/// (the length of the key that will hold it).
pub fn encode(h: &Histogram, origin: u32) -> Result<Vec<u8>, RootError> {
    check(h)?;
    let mut w = WBuffer::with_capacity(origin, 1024 + h.ncells() * 8 * 4);
    match h.class.as_str() {
        "TProfile" => profile(&mut w, h),
        c if c.starts_with("TH2") => {
            let v = w.begin(4);
            th2(&mut w, h);
            bin_array(&mut w, c, &h.array);
            w.end(v);
        }
        c => th1x(&mut w, h, c),
    }
    Ok(w.into_inner())
}

/// What a reader would reject, caught before writing it.
fn check(h: &Histogram) -> Result<(), RootError> {
    let bad = |m: String| {
        Err(RootError::Corrupt(format!(
            "cannot write \"{}\": {m}",
            h.name
        )))
    };
    if !is_writable(&h.class) {
        return Err(RootError::Unsupported(format!(
            "writing {} (veloview writes TH1F/D/I, TH2F/D/I and TProfile)",
            h.class
        )));
    }
    let two_d = h.class.starts_with("TH2");
    if two_d != h.y.is_some() {
        return bad(format!("class {} with {} axes", h.class, h.dims()));
    }
    for a in std::iter::once(&h.x).chain(h.y.as_ref()) {
        if a.nbins == 0 || a.nbins > i32::MAX as usize {
            return bad(format!("axis with {} bins", a.nbins));
        }
        if a.is_variable() && a.xbins.len() != a.nbins + 1 {
            return bad(format!(
                "axis of {} bins with {} edges",
                a.nbins,
                a.xbins.len()
            ));
        }
        if !a.labels.is_empty() && a.labels.len() != a.nbins {
            return bad(format!(
                "axis of {} bins with {} labels",
                a.nbins,
                a.labels.len()
            ));
        }
    }
    let n = h.ncells();
    if h.array.len() != n || (!h.sumw2.is_empty() && h.sumw2.len() != n) {
        return bad(format!(
            "{} cells but {} contents and {} sumw2",
            n,
            h.array.len(),
            h.sumw2.len()
        ));
    }
    match (&h.profile, h.class == "TProfile") {
        (Some(p), true)
            if p.bin_entries.len() == n && (p.bin_sumw2.is_empty() || p.bin_sumw2.len() == n) =>
        {
            Ok(())
        }
        (None, false) => Ok(()),
        _ => bad("profile arrays do not match the class or the axes".into()),
    }
}

fn bin_array(w: &mut WBuffer, class: &str, a: &[f64]) {
    match class.as_bytes().last() {
        Some(b'F') => w.f64s_as_f32(a),
        Some(b'I') => w.f64s_as_i32(a),
        _ => w.f64s(a),
    }
}

fn th1x(w: &mut WBuffer, h: &Histogram, class: &str) {
    let v = w.begin(3);
    th1(w, h);
    bin_array(w, class, &h.array);
    w.end(v);
}

fn profile(w: &mut WBuffer, h: &Histogram) {
    let p = h
        .profile
        .as_ref()
        .expect("checked: a TProfile has its profile part");
    let v = w.begin(7);
    th1x(w, h, "TH1D");
    w.f64s(&p.bin_entries);
    w.i32(p.error_mode as i32);
    // fYmin, fYmax: no limits set.
    w.f64(0.0);
    w.f64(0.0);
    w.f64(h.stats.tsumwy);
    w.f64(h.stats.tsumwy2);
    w.f64s(&p.bin_sumw2);
    w.end(v);
}

fn th2(w: &mut WBuffer, h: &Histogram) {
    let v = w.begin(5);
    th1(w, h);
    // fScalefactor
    w.f64(1.0);
    w.f64(h.stats.tsumwy);
    w.f64(h.stats.tsumwy2);
    w.f64(h.stats.tsumwxy);
    w.end(v);
}

/// The TH1 base, version 8.
fn th1(w: &mut WBuffer, h: &Histogram) {
    let v = w.begin(8);
    w.tnamed(&h.name, &h.title);
    // TAttLine: colour 602 (ROOT's default histogram blue), style 1, width 1.
    let c = w.begin(2);
    w.i16(602);
    w.i16(1);
    w.i16(1);
    w.end(c);
    // TAttFill: colour 0, style 1001 (solid).
    let c = w.begin(2);
    w.i16(0);
    w.i16(1001);
    w.end(c);
    // TAttMarker: colour 1, style 1, size 1.
    let c = w.begin(2);
    w.i16(1);
    w.i16(1);
    w.f32(1.0);
    w.end(c);
    w.i32(h.ncells() as i32);
    taxis(w, "xaxis", &h.x);
    let unit = Axis::uniform(1, 0.0, 1.0);
    // A 1D histogram keeps the title of its values on the otherwise unused y axis.
    let y_of_1d = Axis {
        title: h.y_title.clone(),
        ..unit.clone()
    };
    taxis(w, "yaxis", h.y.as_ref().unwrap_or(&y_of_1d));
    taxis(w, "zaxis", &unit);
    // fBarOffset, fBarWidth
    w.i16(0);
    w.i16(1000);
    let s = &h.stats;
    for x in [s.entries, s.tsumw, s.tsumw2, s.tsumwx, s.tsumwx2] {
        w.f64(x);
    }
    // fMaximum, fMinimum: ROOT's "not set" value; fNormFactor.
    w.f64(-1111.0);
    w.f64(-1111.0);
    w.f64(0.0);
    // fContour
    w.f64s(&[]);
    w.f64s(&h.sumw2);
    // fOption
    w.tstring("");
    // fFunctions: a `->` pointer, never null, so ROOT streams the (empty) list in place, without
    // a class tag.
    tlist_body(w, &[]);
    // fBufferSize, then fBuffer: a null pointer-to-array is a single 0 byte.
    w.i32(0);
    w.u8(0);
    w.i32(h.bin_error_option as i32);
    // fStatOverflows: kNeutral, follow the global setting.
    w.i32(2);
    w.end(v);
}

fn taxis(w: &mut WBuffer, name: &str, a: &Axis) {
    let v = w.begin(10);
    w.tnamed(name, &a.title);
    // TAttAxis with ROOT's (gStyle default) values.
    let c = w.begin(4);
    w.i32(510);
    w.i16(1);
    w.i16(1);
    w.i16(42);
    w.f32(0.005);
    w.f32(0.035);
    w.f32(0.03);
    w.f32(1.0);
    w.f32(0.035);
    w.i16(1);
    w.i16(42);
    w.end(c);
    w.i32(a.nbins as i32);
    w.f64(a.min);
    w.f64(a.max);
    w.f64s(&a.xbins);
    // fFirst, fLast (full range), fBits2, fTimeDisplay, fTimeFormat
    w.i32(0);
    w.i32(0);
    w.u16(0);
    w.bool(false);
    w.tstring("");
    let labels: Vec<(u32, &str)> = a
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i as u32 + 1, l.as_str()))
        .collect();
    if labels.is_empty() {
        w.null_pointer();
    } else {
        tlist(w, "THashList", &labels);
    }
    // fModLabs
    w.null_pointer();
    w.end(v);
}

/// A TList (or THashList, streamed the same) of TObjString written through a pointer; each
/// string's fUniqueID carries its number, as ROOT does for axis labels.
fn tlist(w: &mut WBuffer, class: &str, items: &[(u32, &str)]) {
    let o = w.begin_object(class);
    tlist_body(w, items);
    w.end(o);
}

fn tlist_body(w: &mut WBuffer, items: &[(u32, &str)]) {
    let v = w.begin(5);
    w.tobject(0);
    w.tstring("");
    w.i32(items.len() as i32);
    for (id, s) in items {
        let so = w.begin_object("TObjString");
        let sv = w.begin(1);
        w.tobject(*id);
        w.tstring(s);
        w.end(sv);
        w.end(so);
        // The per-entry option.
        w.tstring("");
    }
    w.end(v);
}
