"""Check a ROOT file veloview wrote with uproot, an independent reader.

usage: python3 uproot_check.py FILE.root EXPECTED.json CORPUS_REAL_DIR

EXPECTED.json is a `veloview dump` document of what was written. Every histogram in it is read
twice — with uproot's built-in models and with models uproot builds from the file's own
StreamerInfo record — and must come back equal. The StreamerInfo record must also describe each
class exactly as ROOT itself does in the ROOT-written files of the corpus. Prints what differs and
exits 1 on any mismatch.
"""

import glob
import json
import math
import sys

import numpy
import uproot

problems = []


def fail(msg):
    problems.append(msg)


def num(v):
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[v]
    return v


def close(a, b, rel=1e-9):
    a, b = num(a), num(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b))


def same_array(where, got, want):
    got = numpy.asarray(got, dtype=float).ravel()
    if len(got) != len(want):
        fail(f"{where}: {len(got)} values, expected {len(want)}")
        return
    for i, (g, w) in enumerate(zip(got, want)):
        if not close(g, w):
            fail(f"{where}[{i}]: {g!r} != {num(w)!r}")
            return


def global_order(values, dims):
    """uproot gives 2D arrays as [ix][iy]; ROOT's global bin order runs x fastest."""
    a = numpy.asarray(values, dtype=float)
    return a.T.ravel() if dims == 2 else a.ravel()


def check_axis(where, axis, want):
    if axis.member("fTitle") != want["title"]:
        fail(f"{where} title {axis.member('fTitle')!r} != {want['title']!r}")
    same_array(f"{where} edges", axis.edges(), want["edges"])
    labels = axis.member("fLabels", none_if_missing=True)
    got = {}
    for s in labels or []:
        got[s.member("@fUniqueID")] = str(s)
    expect = {i + 1: l for i, l in enumerate(want["labels"]) if l}
    if got != expect:
        fail(f"{where} labels {got} != {expect}")


def check_histogram(f, h, how):
    where = f"{how} {h['path']}"
    try:
        obj = f[h["path"]]
    except Exception as e:  # noqa: BLE001 — report any reader failure as a mismatch
        fail(f"{where}: uproot could not read it: {e}")
        return
    if obj.classname != h["class"]:
        fail(f"{where}: class {obj.classname} != {h['class']}")
    if obj.member("fName") != h["name"] or obj.member("fTitle") != h["title"]:
        fail(f"{where}: name/title {obj.member('fName')!r}/{obj.member('fTitle')!r}")
    check_axis(f"{where} x", obj.member("fXaxis"), h["x"])
    if h["dims"] == 2:
        check_axis(f"{where} y", obj.member("fYaxis"), h["y"])
    elif "y_title" in h and obj.member("fYaxis").member("fTitle") != h["y_title"]:
        fail(f"{where} y title {obj.member('fYaxis').member('fTitle')!r} != {h['y_title']!r}")
    for k, v in h["stats"].items():
        if k.startswith("f") and not close(obj.member(k), v):
            fail(f"{where} {k}: {obj.member(k)!r} != {v!r}")
    sumw = obj.member("fTsumw")
    if sumw != 0 and not close(obj.member("fTsumwx") / sumw, h["stats"]["mean_x"]):
        fail(f"{where} mean_x")
    is_profile = h["class"].startswith("TProfile")
    if is_profile:
        # The TH1D base's TArrayD base holds the per-bin sums of w*y.
        same_array(f"{where} array", obj.bases[0].bases[-1], h["array"])
        same_array(f"{where} bin_entries", obj.member("fBinEntries"), h["bin_entries"])
        same_array(f"{where} bin_sumw2", obj.member("fBinSumw2"), h["bin_sumw2"])
        if int(obj.member("fErrorMode")) != h["error_mode"]:
            fail(f"{where} error mode")
    same_array(f"{where} values", global_order(obj.values(flow=True), h["dims"]), h["values"])
    same_array(f"{where} errors", global_order(obj.errors(flow=True), h["dims"]), h["errors"])
    same_array(f"{where} sumw2", obj.member("fSumw2"), h["sumw2"])


def element_facts(e):
    """What a TStreamerElement says, whatever its subclass."""
    out = {"kind": type(e).__name__}
    # Titles are comments, reworded between ROOT releases (ours are 6.28's); not compared.
    for k in ("fName", "fType", "fSize", "fArrayLength", "fArrayDim", "fTypeName",
              "fBaseVersion", "fCountVersion", "fCountName", "fCountClass"):
        try:
            out[k] = e.member(k)
        except Exception:  # noqa: BLE001 — the subclass has no such member
            pass
    try:
        out["fMaxIndex"] = [int(x) for x in e.member("fMaxIndex")]
    except Exception:  # noqa: BLE001
        pass
    return out


def check_streamers(ours, corpus_dir):
    reference = {}
    files = []
    for path in glob.glob(f"{corpus_dir}/*.root"):
        files.append((uproot.open(path).file.fVersion % 1000000, path))
    # The newest ROOT release first: older ones left some fields (base checksums) empty.
    for _, path in sorted(files, reverse=True):
        try:
            for name, versions in uproot.open(path).file.streamers.items():
                for v, s in versions.items():
                    reference.setdefault((name, v), s)
        except Exception:  # noqa: BLE001 — a corpus file uproot cannot fully parse
            continue
    compared = 0
    for name, versions in ours.file.streamers.items():
        for v, s in versions.items():
            ref = reference.get((name, v))
            if ref is None:
                continue
            compared += 1
            if s.member("fCheckSum") != ref.member("fCheckSum"):
                fail(f"streamer {name} v{v}: checksum {s.member('fCheckSum'):#x}")
            a = [element_facts(e) for e in s.elements]
            b = [element_facts(e) for e in ref.elements]
            if a != b:
                fail(f"streamer {name} v{v} differs from ROOT's:\n  ours {a}\n  ROOT {b}")
    if compared < 10:
        fail(f"only {compared} streamers could be compared with ROOT-written ones")


def main():
    path, expected, corpus_dir = sys.argv[1:4]
    want = json.load(open(expected))
    builtin = uproot.open(path)
    check_streamers(builtin, corpus_dir)
    # Drop uproot's own histogram models so that it builds them from our StreamerInfo.
    ours = {
        k: v
        for k, v in uproot.classes.items()
        if not (k in ("TAxis", "TProfile") or k.startswith("TAtt")
                or (k.startswith("TH") and k != "THashList"))
    }
    from_streamers = uproot.open(path, custom_classes=ours)
    for h in want["histograms"]:
        check_histogram(builtin, h, "uproot")
        check_histogram(from_streamers, h, "uproot+StreamerInfo")
    for p in problems[:40]:
        print(p)
    if problems:
        print(f"{len(problems)} mismatches")
        sys.exit(1)
    print(f"ok: {len(want['histograms'])} histograms read back equal, twice")


if __name__ == "__main__":
    main()
