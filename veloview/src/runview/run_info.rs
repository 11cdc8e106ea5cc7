//! The run-info file: what the run database knows of each run — start and end time, LHC fill,
//! magnet polarity — for the data-quality overview and trends (a trend against time, a mark
//! where the polarity flips). A site exports it from its run database; `veloview demo-data`
//! writes one for the demo runs. Format (docs/RUN_MODEL.md): CSV with a header,
//!
//! ```text
//! run,start,end,fill,magnet
//! 123970,2015-06-01T00:00:00Z,2015-06-01T00:55:00Z,4000,down
//! ```
//!
//! times in ISO 8601 (UTC unless an offset is given), any field but `run` empty when unknown.
//! Like the run list, one bad line never hides the others: it is skipped and reported with its
//! line number. Only a missing or unusable header spoils the whole file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// 64 MiB is a million runs with room to spare: a bigger file is a wrong path.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Longest excerpt of a bad field kept for its message.
const MAX_EXCERPT_CHARS: usize = 40;

pub const COLUMNS: [&str; 5] = ["run", "start", "end", "fill", "magnet"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    Up,
    Down,
}

impl Polarity {
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Up => "up",
            Polarity::Down => "down",
        }
    }

    /// `up`/`down`, or LHCb's `MagUp`/`MagDown`, in any case.
    fn parse(s: &str) -> Option<Polarity> {
        match s.to_ascii_lowercase().as_str() {
            "up" | "magup" => Some(Polarity::Up),
            "down" | "magdown" => Some(Polarity::Down),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunInfo {
    pub run: u32,
    /// Milliseconds since 1970-01-01 UTC.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub fill: Option<u32>,
    pub magnet: Option<Polarity>,
}

/// A line that was skipped (or a column that was ignored), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunInfoError {
    #[error("run info file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("run info file {}: larger than {} bytes, refusing to read it", path.display(), MAX_FILE_BYTES)]
    TooLarge { path: PathBuf },
    #[error("run info file: {0}")]
    Header(String),
}

/// What a run-info file holds: each run once (sorted by run; the last line of a run repeated
/// wins), and what was skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInfoFile {
    pub runs: Vec<RunInfo>,
    pub problems: Vec<LineProblem>,
}

fn excerpt(s: &str) -> String {
    s.chars().take(MAX_EXCERPT_CHARS).collect()
}

/// Which field of a row each known column is.
struct Header {
    index: [Option<usize>; 5],
    width: usize,
}

fn header(
    line: &str,
    line_no: usize,
    problems: &mut Vec<LineProblem>,
) -> Result<Header, RunInfoError> {
    let mut index = [None; 5];
    let names: Vec<String> = line
        .split(',')
        .map(|f| unquote(f).to_ascii_lowercase())
        .collect();
    for (i, name) in names.iter().enumerate() {
        match COLUMNS.iter().position(|c| c == name) {
            Some(k) if index[k].is_some() => {
                return Err(RunInfoError::Header(format!(
                    "line {line_no}: column {name:?} appears twice"
                )))
            }
            Some(k) => index[k] = Some(i),
            None => problems.push(LineProblem {
                line: line_no,
                message: format!(
                    "column {:?} is not one of {} (ignored)",
                    excerpt(name),
                    COLUMNS.join(", ")
                ),
            }),
        }
    }
    if index[0].is_none() {
        return Err(RunInfoError::Header(format!(
            "line {line_no}: the header {:?} has no \"run\" column (expected {})",
            excerpt(line),
            COLUMNS.join(",")
        )));
    }
    Ok(Header {
        index,
        width: names.len(),
    })
}

fn unquote(f: &str) -> &str {
    let t = f.trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(t)
        .trim()
}

fn row(fields: &[&str], h: &Header) -> Result<RunInfo, String> {
    let get = |k: usize| {
        h.index[k]
            .map(|i| unquote(fields[i]))
            .filter(|v| !v.is_empty())
    };
    let run_text = get(0).ok_or("no run number")?;
    let run = run_text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| run_text.parse::<u32>().ok())
        .flatten()
        .ok_or_else(|| format!("run {:?} is not a run number", excerpt(run_text)))?;
    let time = |k: usize, name: &str| {
        get(k)
            .map(|v| parse_time(v).map_err(|e| format!("{name} {:?}: {e}", excerpt(v))))
            .transpose()
    };
    let start_ms = time(1, "start")?;
    let end_ms = time(2, "end")?;
    if let (Some(s), Some(e)) = (start_ms, end_ms) {
        if e < s {
            return Err("end is before start".into());
        }
    }
    let fill = get(3)
        .map(|v| {
            v.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| v.parse::<u32>().ok())
                .flatten()
                .ok_or_else(|| format!("fill {:?} is not a fill number", excerpt(v)))
        })
        .transpose()?;
    let magnet = get(4)
        .map(|v| {
            Polarity::parse(v).ok_or_else(|| format!("magnet {:?} is not up or down", excerpt(v)))
        })
        .transpose()?;
    Ok(RunInfo {
        run,
        start_ms,
        end_ms,
        fill,
        magnet,
    })
}

impl RunInfoFile {
    /// The runs of a run-info file's text. Blank lines and `#` comments are skipped silently.
    pub fn parse(text: &str) -> Result<RunInfoFile, RunInfoError> {
        let mut problems = Vec::new();
        let mut runs = BTreeMap::new();
        let mut h = None;
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let Some(h) = &h else {
                h = Some(header(t, line_no, &mut problems)?);
                continue;
            };
            let fields: Vec<&str> = t.split(',').collect();
            let parsed = if fields.len() != h.width {
                Err(format!(
                    "{} fields where the header has {}",
                    fields.len(),
                    h.width
                ))
            } else {
                row(&fields, h)
            };
            match parsed {
                Ok(info) => {
                    if runs.insert(info.run, info.clone()).is_some() {
                        problems.push(LineProblem {
                            line: line_no,
                            message: format!("run {} repeated: this line wins", info.run),
                        });
                    }
                }
                Err(why) => problems.push(LineProblem {
                    line: line_no,
                    message: format!("{why} (skipped)"),
                }),
            }
        }
        if h.is_none() {
            return Err(RunInfoError::Header(format!(
                "no header line (expected {})",
                COLUMNS.join(",")
            )));
        }
        Ok(RunInfoFile {
            runs: runs.into_values().collect(),
            problems,
        })
    }

    /// Read and parse a run-info file. Bytes that are not UTF-8 only spoil their own line.
    pub fn load(path: &Path) -> Result<RunInfoFile, RunInfoError> {
        let bytes = super::runs::read_capped(path, MAX_FILE_BYTES)
            .map_err(|source| RunInfoError::Io {
                path: path.to_path_buf(),
                source,
            })?
            .ok_or_else(|| RunInfoError::TooLarge {
                path: path.to_path_buf(),
            })?;
        RunInfoFile::parse(&String::from_utf8_lossy(&bytes)).map_err(|e| match e {
            RunInfoError::Header(m) => RunInfoError::Header(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}

/// The file's text for `runs`, as [`RunInfoFile::parse`] reads it.
pub fn to_csv(runs: &[RunInfo]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in runs {
        let t = |ms: Option<i64>| ms.map(format_time).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            r.run,
            t(r.start_ms),
            t(r.end_ms),
            r.fill.map(|f| f.to_string()).unwrap_or_default(),
            r.magnet.map_or("", Polarity::as_str)
        ));
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` of milliseconds since 1970-01-01 UTC.
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if frac == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{frac:03}Z")
    }
}

/// Milliseconds since 1970-01-01 UTC of an ISO 8601 date and time:
/// `YYYY-MM-DD(T| )HH:MM[:SS[.fraction]]` then `Z`, `+HH:MM`, `-HH:MM` or nothing (UTC).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || "not an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ)".to_string();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let part = s.get(r).ok_or_else(bad)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    if b.len() < 16
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
    {
        return Err(bad());
    }
    let (y, mo, d, h, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    let mut i = 16;
    let mut sec = 0;
    let mut ms = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
            if end == start {
                return Err(bad());
            }
            // Milliseconds: the first three digits, the rest truncated.
            let digits = &s[start..end.min(start + 3)];
            ms = digits.parse::<i64>().map_err(|_| bad())? * 10_i64.pow(3 - digits.len() as u32);
            i = end;
        }
    }
    let offset_min = match &s[i..] {
        "" | "Z" | "z" => 0,
        zone if zone.len() == 6
            && matches!(zone.as_bytes()[0], b'+' | b'-')
            && zone.as_bytes()[3] == b':' =>
        {
            let m = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if m >= 24 * 60 {
                return Err("offset out of range".into());
            }
            if zone.starts_with('-') {
                -m
            } else {
                m
            }
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return Err("no such date".into());
    }
    if h > 23 || mi > 59 || sec > 59 {
        return Err("no such time of day".into());
    }
    let days = days_from_civil(y, mo, d);
    Ok(((days * 86400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The inverse of [`days_from_civil`]: (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_433_116_800_000; // 2015-06-01T00:00:00Z

    #[test]
    fn times() {
        assert_eq!(parse_time("2015-06-01T00:00:00Z"), Ok(T0));
        assert_eq!(parse_time("2015-06-01 01:30:00"), Ok(T0 + 5_400_000));
        assert_eq!(parse_time("2015-06-01T01:30Z"), Ok(T0 + 5_400_000));
        assert_eq!(parse_time("2015-06-01T02:30:00+01:00"), Ok(T0 + 5_400_000));
        assert_eq!(parse_time("2015-05-31T23:00:00.25-01:00"), Ok(T0 + 250));
        assert_eq!(parse_time("2015-06-01T00:00:00.123456Z"), Ok(T0 + 123));
        assert_eq!(
            parse_time("2016-02-29T00:00:00Z")
                .map(format_time)
                .as_deref(),
            Ok("2016-02-29T00:00:00Z")
        );
        for bad in [
            "",
            "2015-06-01",
            "2015-6-01T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2015-06-01T24:00:00Z",
            "2015-06-01T00:00:00 UTC",
            "2015-06-01T00:00:00+0100",
            "2015-06-01T00:00:00.Z",
            "２015-06-01T00:00:00Z",
            "2015-06-01T00:00:00é:abc",
            "2015-06-01T00:00:00+é:bc",
            "2015-13-01T00:00:00Z",
            "+015-06-01T00:00:00Z",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format_time(T0), "2015-06-01T00:00:00Z");
        assert_eq!(format_time(T0 + 5_400_007), "2015-06-01T01:30:00.007Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn a_file_round_trips() {
        let runs = vec![
            RunInfo {
                run: 5,
                start_ms: Some(T0),
                end_ms: Some(T0 + 1000),
                fill: Some(4001),
                magnet: Some(Polarity::Down),
            },
            RunInfo {
                run: 6,
                start_ms: None,
                end_ms: None,
                fill: None,
                magnet: None,
            },
        ];
        let parsed = RunInfoFile::parse(&to_csv(&runs)).unwrap();
        assert_eq!(
            parsed,
            RunInfoFile {
                runs,
                problems: vec![]
            }
        );
    }

    #[test]
    fn bad_lines_are_skipped_and_reported() {
        let text = "# exported 2015-06-02\n\
            Run, Magnet ,start,end,Fill,partition\n\
            7,MagUp,2015-06-01T00:00:00Z,2015-06-01T01:00:00Z,4000,LHCb\n\
            \n\
            8,down,yesterday,,,LHCb\n\
            9,up,2015-06-01T02:00:00Z,2015-06-01T01:00:00Z,,LHCb\n\
            x10,up,,,,LHCb\n\
            11,sideways,,,,LHCb\n\
            12,up,,,-3,LHCb\n\
            13,up,,\n\
            7,\"DOWN\",,,,LHCb\r\n";
        let f = RunInfoFile::parse(text).unwrap();
        let runs: Vec<(u32, Option<Polarity>, Option<i64>)> = f
            .runs
            .iter()
            .map(|r| (r.run, r.magnet, r.start_ms))
            .collect();
        assert_eq!(runs, vec![(7, Some(Polarity::Down), None)]);
        let lines: Vec<String> = f.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            lines,
            vec![
                "line 2: column \"partition\" is not one of run, start, end, fill, magnet (ignored)",
                "line 5: start \"yesterday\": not an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ) (skipped)",
                "line 6: end is before start (skipped)",
                "line 7: run \"x10\" is not a run number (skipped)",
                "line 8: magnet \"sideways\" is not up or down (skipped)",
                "line 9: fill \"-3\" is not a fill number (skipped)",
                "line 10: 4 fields where the header has 6 (skipped)",
                "line 11: run 7 repeated: this line wins",
            ]
        );
    }

    #[test]
    fn the_header_is_required() {
        for (text, says) in [
            ("", "no header line"),
            ("# only a comment\n", "no header line"),
            ("123970,2015-06-01T00:00:00Z,,,\n", "has no \"run\" column"),
            ("run,start,run\n", "column \"run\" appears twice"),
        ] {
            let err = RunInfoFile::parse(text).unwrap_err().to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
        // Only the run column: the rest unknown.
        let f = RunInfoFile::parse("run\n1\n2\n").unwrap();
        assert_eq!(f.runs.len(), 2);
        assert_eq!(f.runs[1].start_ms, None);
    }

    #[test]
    fn load_names_the_file_and_caps_the_size() {
        let err = RunInfoFile::load(Path::new("/nonexistent/RunInfo.csv")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/RunInfo.csv"),
            "{err}"
        );
        let dir = std::env::temp_dir().join(format!("velo-runinfo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.csv");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap();
        let err = RunInfoFile::load(&big).unwrap_err();
        assert!(matches!(err, RunInfoError::TooLarge { .. }), "{err}");
        let empty = dir.join("empty.csv");
        std::fs::write(&empty, "").unwrap();
        let err = RunInfoFile::load(&empty).unwrap_err().to_string();
        assert!(
            err.contains("empty.csv") && err.contains("no header"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
