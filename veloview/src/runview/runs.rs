//! The processed-run list: which runs have data, newest first.
//!
//! The processing appends one run number per line as it finishes a run, so the file is ascending
//! and may carry what appending leaves behind: blank lines, a run processed twice, a half-written
//! last line. Blank lines and repeats are harmless and dropped; any other line that is not a run
//! number is skipped and reported (with its line number), so one bad line never hides every run.

use super::stamp::{Stamp, StampedCache};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::SystemTime;

/// How many runs either side of the displayed one the run view sidebar offers.
pub const NEARBY_DISTANCE: usize = 3;

/// A run list file larger than this is refused rather than read: 16 MiB is two million runs,
/// far beyond any real list, so a bigger file is a wrong path or a corrupt file.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// Longest excerpt of a skipped line kept for its message.
const MAX_EXCERPT_CHARS: usize = 40;

/// Run numbers, newest (highest) first, each once. Shared, not copied: every plot job and page
/// takes the cached list, which at 50,000 runs is 200 kB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunList {
    runs: Arc<[u32]>,
}

/// A line of the run list that holds no run number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLine {
    /// 1-based.
    pub line: usize,
    /// The start of the line, for the message.
    pub excerpt: String,
}

impl std::fmt::Display for SkippedLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {:?} is not a run number (skipped)",
            self.line, self.excerpt
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunListError {
    #[error("run list {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("run list {}: larger than {} bytes, refusing to read it", path.display(), MAX_FILE_BYTES)]
    TooLarge { path: PathBuf },
}

/// Parsed run lists (every plot job and page checks its run against the list). One path in
/// practice; the bound only keeps a misconfiguration from growing it.
static CACHE: LazyLock<StampedCache<(RunList, Vec<SkippedLine>)>> =
    LazyLock::new(|| StampedCache::new(16));

/// Runs either side of a displayed run, as the sidebar groups them. Both groups are in list
/// order (newest first), as the original showed them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Nearby {
    pub newer: Vec<u32>,
    pub run: u32,
    pub older: Vec<u32>,
}

impl RunList {
    /// Runs from `runs` in any order, duplicates allowed.
    pub fn new(mut runs: Vec<u32>) -> RunList {
        runs.sort_unstable_by(|a, b| b.cmp(a));
        runs.dedup();
        RunList { runs: runs.into() }
    }

    /// The runs of a run list file's text, and the lines that were skipped.
    pub fn parse(text: &str) -> (RunList, Vec<SkippedLine>) {
        let mut runs = Vec::new();
        let mut skipped = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            // Digits only: `u32::from_str` would also take "+5".
            match t
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| t.parse::<u32>())
            {
                Some(Ok(run)) => runs.push(run),
                _ => skipped.push(SkippedLine {
                    line: i + 1,
                    excerpt: t.chars().take(MAX_EXCERPT_CHARS).collect(),
                }),
            }
        }
        (RunList::new(runs), skipped)
    }

    /// Read and parse a run list file. Bytes that are not UTF-8 only spoil their own line.
    pub fn load(path: &Path) -> Result<(RunList, Vec<SkippedLine>), RunListError> {
        let bytes = read_capped(path, MAX_FILE_BYTES)
            .map_err(|source| RunListError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .ok_or_else(|| RunListError::TooLarge {
                path: path.to_path_buf(),
            })?;
        Ok(RunList::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// [`RunList::load`], from a copy kept while the file is unchanged: every plot job and page
    /// checks its run against the list, which at 50,000 runs is a 300 kB file to parse.
    pub fn load_cached(path: &Path) -> Result<(RunList, Vec<SkippedLine>), RunListError> {
        let meta = std::fs::metadata(path).map_err(|source| RunListError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        CACHE.get_or_load(path, Stamp::of(&meta), SystemTime::now, || {
            RunList::load(path)
        })
    }

    /// Newest first.
    pub fn runs(&self) -> &[u32] {
        &self.runs
    }

    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Index of `run` in [`RunList::runs`].
    fn position(&self, run: u32) -> Option<usize> {
        self.runs.binary_search_by(|r| run.cmp(r)).ok()
    }

    /// A run is valid when it has been processed, i.e. it is in the list.
    pub fn contains(&self, run: u32) -> bool {
        self.position(run).is_some()
    }

    /// `run` if it is valid, else the message saying it is not.
    pub fn check(&self, run: u32) -> Result<u32, String> {
        if self.contains(run) {
            Ok(run)
        } else {
            Err(invalid_message(run))
        }
    }

    /// The run shown when none is asked for: the newest.
    pub fn default_run(&self) -> Option<u32> {
        self.runs.first().copied()
    }

    /// Up to `distance` runs either side of `run`; `None` if `run` is not in the list.
    pub fn nearby(&self, run: u32, distance: usize) -> Option<Nearby> {
        let i = self.position(run)?;
        let lo = i.saturating_sub(distance);
        let hi = (i + 1).saturating_add(distance).min(self.runs.len());
        Some(Nearby {
            newer: self.runs[lo..i].to_vec(),
            run,
            older: self.runs[i + 1..hi].to_vec(),
        })
    }
}

/// A file's bytes, or `None` if it is larger than `max` (read no further than that, so a huge
/// file costs nothing).
pub(crate) fn read_capped(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// The message for a run that is not in the run list.
pub fn invalid_message(run: u32) -> String {
    format!("Invalid run number provided: {run} (not in the processed run list)")
}

/// The message for text that is not a run number at all.
pub fn not_a_number_message(text: &str) -> String {
    format!("Invalid run number provided: {text:?} (not a run number)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original velo-monitor tests' run list.
    fn original_runs() -> Vec<u32> {
        (123987..123995).chain(123960..123975).collect()
    }

    #[test]
    fn the_cached_list_follows_every_change_of_the_file() {
        let dir = std::env::temp_dir().join(format!("velo-runlist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("RunList.txt");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("100\n101\n");
        assert_eq!(RunList::load_cached(&path).unwrap().0.runs(), [101, 100]);
        assert_eq!(RunList::load_cached(&path).unwrap().0.runs(), [101, 100]);
        write("100\n101\n102\n");
        assert_eq!(
            RunList::load_cached(&path).unwrap().0.runs(),
            [102, 101, 100]
        );
        // Same length, written within the file system's time tick.
        write("100\n101\n103\n");
        assert_eq!(
            RunList::load_cached(&path).unwrap().0.runs(),
            [103, 101, 100]
        );
        std::fs::remove_file(&path).unwrap();
        assert!(RunList::load_cached(&path).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn newest_first_whatever_the_file_order() {
        let text: String = original_runs().iter().map(|r| format!("{r}\n")).collect();
        let (list, skipped) = RunList::parse(&text);
        assert!(skipped.is_empty());
        let mut expected = original_runs();
        expected.sort_by(|a, b| b.cmp(a));
        assert_eq!(list.runs(), expected.as_slice());
        assert_eq!(list.default_run(), Some(123994));
    }

    #[test]
    fn blank_lines_repeats_crlf_and_spaces_are_harmless() {
        let (list, skipped) = RunList::parse("\n123987\r\n  123998 \n\n123987\n\t\n123990");
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(list.runs(), &[123998, 123990, 123987]);
    }

    #[test]
    fn junk_lines_are_skipped_and_reported() {
        let text = "123987\nrun 123988\n+123989\n-5\n99999999999\n1.5e5\n12x\n123990\n";
        let (list, skipped) = RunList::parse(text);
        assert_eq!(list.runs(), &[123990, 123987]);
        let lines: Vec<usize> = skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
        assert_eq!(
            skipped[0].to_string(),
            "line 2: \"run 123988\" is not a run number (skipped)"
        );
    }

    #[test]
    fn long_junk_is_cut_in_messages() {
        let (_, skipped) = RunList::parse(&"x".repeat(100_000));
        assert_eq!(skipped[0].excerpt.len(), MAX_EXCERPT_CHARS);
    }

    #[test]
    fn empty_list_has_no_default() {
        let (list, _) = RunList::parse("");
        assert!(list.is_empty());
        assert_eq!(list.default_run(), None);
        assert_eq!(list.nearby(1, 3), None);
    }

    #[test]
    fn validity() {
        let list = RunList::new(vec![123987, 123998]);
        assert!(list.contains(123987));
        assert!(list.contains(123998));
        assert!(!list.contains(123321));
        assert!(!list.contains(0));
        assert!(!list.contains(u32::MAX));
    }

    #[test]
    fn nearby_as_the_original_sidebar() {
        let list = RunList::new(original_runs());
        let runs = list.runs().to_vec();
        // The original test: the run at index 5 has three newer and three older neighbours.
        let n = list.nearby(runs[5], NEARBY_DISTANCE).unwrap();
        assert_eq!(n.newer, runs[2..5]);
        assert_eq!(n.run, runs[5]);
        assert_eq!(n.older, runs[6..9]);
        // At the ends, the groups are shorter.
        let newest = list.nearby(runs[0], 3).unwrap();
        assert!(newest.newer.is_empty());
        assert_eq!(newest.older, runs[1..4]);
        let second = list.nearby(runs[1], 3).unwrap();
        assert_eq!(second.newer, runs[..1]);
        let last = list.nearby(*runs.last().unwrap(), 3).unwrap();
        assert_eq!(last.newer, runs[runs.len() - 4..runs.len() - 1]);
        assert!(last.older.is_empty());
        assert_eq!(list.nearby(1, 3), None);
        let all = list.nearby(runs[5], usize::MAX).unwrap();
        assert_eq!((all.newer.len(), all.older.len()), (5, runs.len() - 6));
        // A single run.
        let one = RunList::new(vec![7]);
        assert_eq!(
            one.nearby(7, 3),
            Some(Nearby {
                newer: vec![],
                run: 7,
                older: vec![]
            })
        );
    }

    #[test]
    fn load_names_the_file_on_error() {
        let err = RunList::load(Path::new("/nonexistent/RunList.txt")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/RunList.txt"),
            "{err}"
        );
    }
}
