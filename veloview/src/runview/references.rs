//! Reference runs (config/references.toml): the run each run's plots are compared with. The
//! original left this as a TODO (every run was its own reference); here a file maps ranges of
//! runs to their reference run, as the VELO group picks a good run per data-taking period.
//!
//! ```toml
//! [[range]]
//! first = 123900     # inclusive
//! last = 123909      # inclusive
//! reference = 123900
//! ```
//! Ranges may not overlap; a run in no range has no reference, which the pages report.

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RunRange {
    pub first: u32,
    pub last: u32,
    pub reference: u32,
}

/// Ranges, sorted by first run, not overlapping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    ranges: Vec<RunRange>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    range: Vec<RunRange>,
}

impl References {
    /// Parse and check a references document; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<References, String> {
        let doc: FileDoc = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        References::new(doc.range).map_err(|e| format!("{origin}: {e}"))
    }

    pub fn load(path: &Path) -> Result<References, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reference runs {}: {e}", path.display()))?;
        References::parse(&text, &path.display().to_string())
    }

    pub fn new(mut ranges: Vec<RunRange>) -> Result<References, String> {
        for r in &ranges {
            if r.first > r.last {
                return Err(format!(
                    "range {}-{}: first run is after last run",
                    r.first, r.last
                ));
            }
        }
        ranges.sort_by_key(|r| r.first);
        for w in ranges.windows(2) {
            if w[1].first <= w[0].last {
                return Err(format!(
                    "ranges {}-{} and {}-{} overlap",
                    w[0].first, w[0].last, w[1].first, w[1].last
                ));
            }
        }
        Ok(References { ranges })
    }

    pub fn ranges(&self) -> &[RunRange] {
        &self.ranges
    }

    /// The reference run configured for `run`, if any.
    pub fn reference_for(&self, run: u32) -> Option<u32> {
        // The last range starting at or before `run` is the only one that can hold it.
        let i = self.ranges.partition_point(|r| r.first <= run);
        let r = self.ranges[..i].last()?;
        (run <= r.last).then_some(r.reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "
[[range]]
first = 200
last = 299
reference = 150

[[range]]
first = 100
last = 199
reference = 100
";

    #[test]
    fn lookup_by_range() {
        let refs = References::parse(DOC, "refs").unwrap();
        assert_eq!(refs.ranges()[0].first, 100);
        assert_eq!(refs.reference_for(99), None);
        assert_eq!(refs.reference_for(100), Some(100));
        assert_eq!(refs.reference_for(150), Some(100));
        assert_eq!(refs.reference_for(199), Some(100));
        assert_eq!(refs.reference_for(200), Some(150));
        assert_eq!(refs.reference_for(299), Some(150));
        assert_eq!(refs.reference_for(300), None);
        assert_eq!(refs.reference_for(0), None);
        assert_eq!(refs.reference_for(u32::MAX), None);
    }

    #[test]
    fn gaps_have_no_reference() {
        let refs = References::parse(
            "[[range]]\nfirst = 1\nlast = 1\nreference = 1\n[[range]]\nfirst = 3\nlast = 3\nreference = 1\n",
            "r",
        )
        .unwrap();
        assert_eq!(refs.reference_for(1), Some(1));
        assert_eq!(refs.reference_for(2), None);
        assert_eq!(refs.reference_for(3), Some(1));
    }

    #[test]
    fn empty_file_means_no_references() {
        assert_eq!(References::parse("", "r").unwrap().reference_for(5), None);
    }

    fn refused(text: &str, needle: &str) {
        let err = References::parse(text, "references.toml").unwrap_err();
        assert!(err.starts_with("references.toml: "), "{err}");
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    }

    #[test]
    fn bad_documents_are_refused_with_reason() {
        refused(
            "[[range]]\nfirst = 5\nlast = 4\nreference = 1\n",
            "first run is after last",
        );
        refused(
            "[[range]]\nfirst = 1\nlast = 10\nreference = 1\n[[range]]\nfirst = 10\nlast = 20\nreference = 1\n",
            "overlap",
        );
        refused("[[range]]\nfirst = 1\nlast = 10\n", "reference");
        refused("[[range]]\nfirst = -1\nlast = 10\nreference = 1\n", "first");
        refused(
            "[[range]]\nfirst = 1\nlast = 10\nreference = 1\nrefrence = 2\n",
            "refrence",
        );
        refused("[[ranges]]\nfirst = 1\n", "ranges");
    }

    #[test]
    fn load_names_the_file() {
        let err = References::load(Path::new("/nonexistent/references.toml")).unwrap_err();
        assert!(err.contains("/nonexistent/references.toml"), "{err}");
    }
}
