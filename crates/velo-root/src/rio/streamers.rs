//! The StreamerInfo record: a TList of TStreamerInfo describing, member by member, every class a
//! file holds, so that readers which build their decoders from the file (ROOT for classes it does
//! not know, uproot for versions it has no model of) can read it.
//!
//! The descriptions are the ones ROOT 6 itself writes for the versions [`crate::hist::write`]
//! streams (checked against ROOT-written files of the corpus by tests/uproot_check.py); the
//! checksums are ROOT's, so ROOT accepts them as its own classes without a warning.

use super::wbytes::WBuffer;
use std::collections::BTreeSet;

/// One member of a class, as a TStreamerElement subclass.
enum Elem {
    /// A base class: name, version, checksum (ROOT stores it in fMaxIndex[1]).
    Base(&'static str, i32, u32),
    /// A basic type: name, title, ROOT type code, size, C++ type name.
    Basic(&'static str, &'static str, i32, i32, &'static str),
    /// A TString member.
    Str(&'static str, &'static str),
    /// An object member streamed with its own header (TAxis).
    Object(&'static str, &'static str, &'static str),
    /// An object member streamed without a header of its own (TArrayD).
    ObjectAny(&'static str, &'static str, &'static str),
    /// An object pointer: name, title, type name, type code (63 `->` never null, 64 may be).
    ObjectPtr(&'static str, &'static str, &'static str, i32),
    /// A pointer to a basic array with its count member: name, title, type code, type name,
    /// count member, count class, count class version.
    BasicPtr(
        &'static str,
        &'static str,
        i32,
        &'static str,
        &'static str,
        &'static str,
        i32,
    ),
}

struct Class {
    name: &'static str,
    version: i32,
    checksum: u32,
    elems: &'static [Elem],
}

// ROOT's type codes (TVirtualStreamerInfo::EReadWrite).
const INT: i32 = 3;
const SHORT: i32 = 2;
const FLOAT: i32 = 5;
const DOUBLE: i32 = 8;
const COUNTER: i32 = 6;
const UINT: i32 = 13;
const BITS: i32 = 15;
const USHORT: i32 = 12;
const BOOL: i32 = 18;
const OFFSET_P_DOUBLE: i32 = 48;
const TOBJECT: i32 = 66;
const TNAMED: i32 = 67;
const OBJECT: i32 = 61;
const ANY: i32 = 62;
const OBJECT_PTR_NOT_NULL: i32 = 63;
const OBJECT_PTR: i32 = 64;
const TSTRING: i32 = 65;

const fn class(name: &'static str, version: i32, checksum: u32, elems: &'static [Elem]) -> Class {
    Class {
        name,
        version,
        checksum,
        elems,
    }
}

use Elem::*;

const TOBJECT_SUM: u32 = 0x901b_c02d;
const TNAMED_SUM: u32 = 0xdfb7_4a3c;
const TH1_SUM: u32 = 0x1c37_40c4;
const TH2_SUM: u32 = 0x0182_347f;
const TH1D_SUM: u32 = 0xf9b1_569f;
const TARRAYD_SUM: u32 = 0x7139_ef34;
const TARRAYF_SUM: u32 = 0x5a0b_f6f1;
const TARRAYI_SUM: u32 = 0xd9d5_71c7;
const TLIST_SUM: u32 = 0x69c5_c3bb;
const TSEQ_SUM: u32 = 0xfc6c_3bc6;
const TCOLLECTION_SUM: u32 = 0x57e3_cb9c;
const TATTAXIS_SUM: u32 = 0x5c6f_ff3e;

static CLASSES: &[Class] = &[
    class(
        "TObject",
        1,
        TOBJECT_SUM,
        &[
            Basic(
                "fUniqueID",
                "object unique identifier",
                UINT,
                4,
                "unsigned int",
            ),
            Basic("fBits", "bit field status word", BITS, 4, "unsigned int"),
        ],
    ),
    class(
        "TNamed",
        1,
        TNAMED_SUM,
        &[
            Base("TObject", 1, TOBJECT_SUM),
            Str("fName", "object identifier"),
            Str("fTitle", "object title"),
        ],
    ),
    class("TString", 2, 0x0001_7419, &[]),
    class(
        "TObjString",
        1,
        0x9c8e_4800,
        &[
            Base("TObject", 1, TOBJECT_SUM),
            Str("fString", "wrapped TString"),
        ],
    ),
    class(
        "TCollection",
        3,
        TCOLLECTION_SUM,
        &[
            Base("TObject", 1, TOBJECT_SUM),
            Str("fName", "name of the collection"),
            Basic("fSize", "number of elements in collection", INT, 4, "int"),
        ],
    ),
    class(
        "TSeqCollection",
        0,
        TSEQ_SUM,
        &[Base("TCollection", 3, TCOLLECTION_SUM)],
    ),
    class(
        "TList",
        5,
        TLIST_SUM,
        &[Base("TSeqCollection", 0, TSEQ_SUM)],
    ),
    class("THashList", 0, 0xcc7e_49c1, &[Base("TList", 5, TLIST_SUM)]),
    class(
        "TAttLine",
        2,
        0x9407_4549,
        &[
            Basic("fLineColor", "Line color", SHORT, 2, "short"),
            Basic("fLineStyle", "Line style", SHORT, 2, "short"),
            Basic("fLineWidth", "Line width", SHORT, 2, "short"),
        ],
    ),
    class(
        "TAttFill",
        2,
        0xffd9_2a92,
        &[
            Basic("fFillColor", "Fill area color", SHORT, 2, "short"),
            Basic("fFillStyle", "Fill area style", SHORT, 2, "short"),
        ],
    ),
    class(
        "TAttMarker",
        2,
        0x291d_8bec,
        &[
            Basic("fMarkerColor", "Marker color", SHORT, 2, "short"),
            Basic("fMarkerStyle", "Marker style", SHORT, 2, "short"),
            Basic("fMarkerSize", "Marker size", FLOAT, 4, "float"),
        ],
    ),
    class(
        "TAttAxis",
        4,
        TATTAXIS_SUM,
        &[
            Basic(
                "fNdivisions",
                "Number of divisions(10000*n3 + 100*n2 + n1)",
                INT,
                4,
                "int",
            ),
            Basic("fAxisColor", "Color of the line axis", SHORT, 2, "short"),
            Basic("fLabelColor", "Color of labels", SHORT, 2, "short"),
            Basic("fLabelFont", "Font for labels", SHORT, 2, "short"),
            Basic("fLabelOffset", "Offset of labels", FLOAT, 4, "float"),
            Basic("fLabelSize", "Size of labels", FLOAT, 4, "float"),
            Basic("fTickLength", "Length of tick marks", FLOAT, 4, "float"),
            Basic("fTitleOffset", "Offset of axis title", FLOAT, 4, "float"),
            Basic("fTitleSize", "Size of axis title", FLOAT, 4, "float"),
            Basic("fTitleColor", "Color of axis title", SHORT, 2, "short"),
            Basic("fTitleFont", "Font for axis title", SHORT, 2, "short"),
        ],
    ),
    class(
        "TAxis",
        10,
        0x5a49_6e70,
        &[
            Base("TNamed", 1, TNAMED_SUM),
            Base("TAttAxis", 4, TATTAXIS_SUM),
            Basic("fNbins", "Number of bins", INT, 4, "int"),
            Basic("fXmin", "Low edge of first bin", DOUBLE, 8, "double"),
            Basic("fXmax", "Upper edge of last bin", DOUBLE, 8, "double"),
            ObjectAny("fXbins", "Bin edges array in X", "TArrayD"),
            Basic("fFirst", "First bin to display", INT, 4, "int"),
            Basic("fLast", "Last bin to display", INT, 4, "int"),
            Basic(
                "fBits2",
                "Second bit status word",
                USHORT,
                2,
                "unsigned short",
            ),
            Basic(
                "fTimeDisplay",
                "On/off displaying time values instead of numerics",
                BOOL,
                1,
                "bool",
            ),
            Str("fTimeFormat", "Date&time format, ex: 09/12/99 12:34:00"),
            ObjectPtr("fLabels", "List of labels", "THashList*", OBJECT_PTR),
            ObjectPtr("fModLabs", "List of modified labels", "TList*", OBJECT_PTR),
        ],
    ),
    class(
        "TH1",
        8,
        TH1_SUM,
        &[
            Base("TNamed", 1, TNAMED_SUM),
            Base("TAttLine", 2, 0x9407_4549),
            Base("TAttFill", 2, 0xffd9_2a92),
            Base("TAttMarker", 2, 0x291d_8bec),
            Basic(
                "fNcells",
                "Number of bins(1D), cells (2D) +U/Overflows",
                INT,
                4,
                "int",
            ),
            Object("fXaxis", "X axis descriptor", "TAxis"),
            Object("fYaxis", "Y axis descriptor", "TAxis"),
            Object("fZaxis", "Z axis descriptor", "TAxis"),
            Basic(
                "fBarOffset",
                "(1000*offset) for bar charts or legos",
                SHORT,
                2,
                "short",
            ),
            Basic(
                "fBarWidth",
                "(1000*width) for bar charts or legos",
                SHORT,
                2,
                "short",
            ),
            Basic("fEntries", "Number of entries", DOUBLE, 8, "double"),
            Basic("fTsumw", "Total Sum of weights", DOUBLE, 8, "double"),
            Basic(
                "fTsumw2",
                "Total Sum of squares of weights",
                DOUBLE,
                8,
                "double",
            ),
            Basic("fTsumwx", "Total Sum of weight*X", DOUBLE, 8, "double"),
            Basic("fTsumwx2", "Total Sum of weight*X*X", DOUBLE, 8, "double"),
            Basic(
                "fMaximum",
                "Maximum value for plotting",
                DOUBLE,
                8,
                "double",
            ),
            Basic(
                "fMinimum",
                "Minimum value for plotting",
                DOUBLE,
                8,
                "double",
            ),
            Basic("fNormFactor", "Normalization factor", DOUBLE, 8, "double"),
            ObjectAny("fContour", "Array to display contour levels", "TArrayD"),
            ObjectAny("fSumw2", "Array of sum of squares of weights", "TArrayD"),
            Str("fOption", "Histogram options"),
            ObjectPtr(
                "fFunctions",
                "->Pointer to list of functions (fits and user)",
                "TList*",
                OBJECT_PTR_NOT_NULL,
            ),
            Basic("fBufferSize", "fBuffer size", COUNTER, 4, "int"),
            BasicPtr(
                "fBuffer",
                "[fBufferSize] entry buffer",
                OFFSET_P_DOUBLE,
                "double*",
                "fBufferSize",
                "TH1",
                8,
            ),
            Basic(
                "fBinStatErrOpt",
                "Option for bin statistical errors",
                INT,
                4,
                "TH1::EBinErrorOpt",
            ),
            Basic(
                "fStatOverflows",
                "Per object flag to use under/overflows in statistics",
                INT,
                4,
                "TH1::EStatOverflows",
            ),
        ],
    ),
    class(
        "TH1D",
        3,
        TH1D_SUM,
        &[Base("TH1", 8, TH1_SUM), Base("TArrayD", 1, TARRAYD_SUM)],
    ),
    class(
        "TH1F",
        3,
        0xe293_9644,
        &[Base("TH1", 8, TH1_SUM), Base("TArrayF", 1, TARRAYF_SUM)],
    ),
    class(
        "TH1I",
        3,
        0x6275_64f6,
        &[Base("TH1", 8, TH1_SUM), Base("TArrayI", 1, TARRAYI_SUM)],
    ),
    class(
        "TH2",
        5,
        TH2_SUM,
        &[
            Base("TH1", 8, TH1_SUM),
            Basic("fScalefactor", "Scale factor", DOUBLE, 8, "double"),
            Basic("fTsumwy", "Total Sum of weight*Y", DOUBLE, 8, "double"),
            Basic("fTsumwy2", "Total Sum of weight*Y*Y", DOUBLE, 8, "double"),
            Basic("fTsumwxy", "Total Sum of weight*X*Y", DOUBLE, 8, "double"),
        ],
    ),
    class(
        "TH2D",
        4,
        0x7fba_82f0,
        &[Base("TH2", 5, TH2_SUM), Base("TArrayD", 1, TARRAYD_SUM)],
    ),
    class(
        "TH2F",
        4,
        0x689c_c295,
        &[Base("TH2", 5, TH2_SUM), Base("TArrayF", 1, TARRAYF_SUM)],
    ),
    class(
        "TH2I",
        4,
        0xe87e_9147,
        &[Base("TH2", 5, TH2_SUM), Base("TArrayI", 1, TARRAYI_SUM)],
    ),
    class(
        "TProfile",
        7,
        0x4bed_ee54,
        &[
            Base("TH1D", 3, TH1D_SUM),
            ObjectAny("fBinEntries", "number of entries per bin", "TArrayD"),
            Basic(
                "fErrorMode",
                "Option to compute errors",
                INT,
                4,
                "EErrorType",
            ),
            Basic("fYmin", "Lower limit in Y (if set)", DOUBLE, 8, "double"),
            Basic("fYmax", "Upper limit in Y (if set)", DOUBLE, 8, "double"),
            Basic("fTsumwy", "Total Sum of weight*Y", DOUBLE, 8, "double"),
            Basic("fTsumwy2", "Total Sum of weight*Y*Y", DOUBLE, 8, "double"),
            ObjectAny(
                "fBinSumw2",
                "Array of sum of squares of weights per bin",
                "TArrayD",
            ),
        ],
    ),
];

/// Class titles, for the base-class elements that name them.
fn title_of(class: &str) -> &'static str {
    match class {
        "TObject" => "Basic ROOT object",
        "TNamed" => "The basis for a named object (name, title)",
        "TCollection" => "Collection abstract base class",
        "TSeqCollection" => "Sequenceable collection ABC",
        "TList" => "Doubly linked list",
        "TAttLine" => "Line attributes",
        "TAttFill" => "Fill area attributes",
        "TAttMarker" => "Marker attributes",
        "TAttAxis" => "Axis attributes",
        "TH1" => "1-Dim histogram base class",
        "TH2" => "2-Dim histogram base class",
        "TH1D" => "1-Dim histograms (one double per channel)",
        "TArrayD" => "Array of doubles",
        "TArrayF" => "Array of floats",
        "TArrayI" => "Array of ints",
        _ => "",
    }
}

fn find(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

/// The classes to describe for objects of `classes`: those, every class their members and bases
/// use, and the collections every histogram carries (fFunctions, axis labels), in the order of
/// [`CLASSES`], which lists bases before the classes built on them.
fn closure<'a>(classes: impl IntoIterator<Item = &'a str>) -> Vec<&'static Class> {
    let mut want: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&str> = classes.into_iter().collect();
    todo.extend(["TString", "TList", "THashList", "TObjString"]);
    while let Some(c) = todo.pop() {
        let Some(info) = find(c) else { continue };
        if !want.insert(info.name) {
            continue;
        }
        for e in info.elems {
            match e {
                Base(b, ..) => todo.push(b),
                Object(_, _, t) => todo.push(t),
                _ => {}
            }
        }
    }
    CLASSES.iter().filter(|c| want.contains(c.name)).collect()
}

/// The StreamerInfo TList for a file holding objects of `classes`, as the object bytes of its key
/// (buffer offsets starting at `origin`, the key's length).
pub fn streamer_info_list<'a>(classes: impl IntoIterator<Item = &'a str>, origin: u32) -> Vec<u8> {
    let infos = closure(classes);
    let mut w = WBuffer::with_capacity(origin, 16 * 1024);
    let list = w.begin(5);
    w.tobject(0);
    w.tstring("");
    w.i32(infos.len() as i32);
    for info in infos {
        let o = w.begin_object("TStreamerInfo");
        streamer_info(&mut w, info);
        w.end(o);
        // The per-entry option.
        w.tstring("");
    }
    w.end(list);
    w.into_inner()
}

fn streamer_info(w: &mut WBuffer, info: &Class) {
    let v = w.begin(9);
    w.tnamed(info.name, "");
    w.u32(info.checksum);
    w.i32(info.version);
    let arr = w.begin_object("TObjArray");
    let av = w.begin(3);
    w.tobject(0);
    w.tstring("");
    w.i32(info.elems.len() as i32);
    // fLowerBound
    w.i32(0);
    for e in info.elems {
        element(w, e);
    }
    w.end(av);
    w.end(arr);
    w.end(v);
}

fn element(w: &mut WBuffer, e: &Elem) {
    let (class, version) = match e {
        Base(..) => ("TStreamerBase", 3),
        Basic(..) => ("TStreamerBasicType", 2),
        Str(..) => ("TStreamerString", 2),
        Object(..) => ("TStreamerObject", 2),
        ObjectAny(..) => ("TStreamerObjectAny", 2),
        ObjectPtr(..) => ("TStreamerObjectPointer", 2),
        BasicPtr(..) => ("TStreamerBasicPointer", 2),
    };
    let o = w.begin_object(class);
    let v = w.begin(version);
    match *e {
        Base(name, base_version, checksum) => {
            let kind = match name {
                "TObject" => TOBJECT,
                "TNamed" => TNAMED,
                _ => 0,
            };
            element_base(w, name, title_of(name), kind, 0, "BASE", checksum);
            w.i32(base_version);
        }
        Basic(name, title, kind, size, type_name) => {
            element_base(w, name, title, kind, size, type_name, 0);
        }
        Str(name, title) => element_base(w, name, title, TSTRING, 24, "TString", 0),
        // sizeof(TAxis) on 64-bit ROOT.
        Object(name, title, type_name) => element_base(w, name, title, OBJECT, 216, type_name, 0),
        ObjectAny(name, title, type_name) => element_base(w, name, title, ANY, 24, type_name, 0),
        ObjectPtr(name, title, type_name, kind) => {
            element_base(w, name, title, kind, 8, type_name, 0);
        }
        BasicPtr(name, title, kind, type_name, count, count_class, count_version) => {
            element_base(w, name, title, kind, 8, type_name, 0);
            w.i32(count_version);
            w.tstring(count);
            w.tstring(count_class);
        }
    }
    w.end(v);
    w.end(o);
}

/// TStreamerElement version 4.
fn element_base(
    w: &mut WBuffer,
    name: &str,
    title: &str,
    kind: i32,
    size: i32,
    type_name: &str,
    checksum: u32,
) {
    let v = w.begin(4);
    w.tnamed(name, title);
    w.i32(kind);
    w.i32(size);
    // fArrayLength, fArrayDim
    w.i32(0);
    w.i32(0);
    // fMaxIndex[5]; a base element keeps its class checksum in the second slot.
    w.i32(0);
    w.u32(checksum);
    w.i32(0);
    w.i32(0);
    w.i32(0);
    w.tstring(type_name);
    w.end(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_brings_bases_before_derived_classes() {
        let names: Vec<&str> = closure(["TProfile"]).iter().map(|c| c.name).collect();
        for needed in [
            "TObject", "TNamed", "TAxis", "TAttAxis", "TH1", "TH1D", "TProfile",
        ] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
        let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(at("TH1") < at("TH1D") && at("TH1D") < at("TProfile"));
        assert!(!names.contains(&"TH2"));
    }
}
