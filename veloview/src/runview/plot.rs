//! One plot of one run: check the request, find the run's (or its reference run's) newest file,
//! read the histogram, format it.
//!
//! Every part of a request is untrusted. The run must be in the processed-run list and the
//! sensor a real sensor before any file is touched, and only the run number (a `u32`) ever
//! becomes part of a filesystem path; the plot name is looked up inside the ROOT file only.

use super::format::{self, PlotResult, Source};
use super::references::References;
use super::runs::{RunList, SkippedLine};
use super::stamp::{Stamp, StampedCache};
use super::template::Template;
use super::{paths, sensors};
use crate::{Histogram, RootFile};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::SystemTime;

/// Where run data lives (from the services' configuration). The files are read on each request,
/// so runs appended to the list and edited reference ranges take effect without a restart.
#[derive(Debug, Clone)]
pub struct RunData {
    pub data_dir: PathBuf,
    pub run_list: PathBuf,
    /// config/references.toml: the reference run of each run range.
    pub references: PathBuf,
}

/// The arguments of the `runview.plots.get_run_plot` task.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PlotRequest {
    /// Object path in the run file; `{0}` / `{0:03d}` are replaced by the sensor number.
    pub name: String,
    pub run: u32,
    #[serde(default)]
    pub sensor: u32,
    #[serde(default)]
    pub reference: bool,
}

/// Identifies the content of a run file, so a result computed from it can be reused until the
/// file is replaced or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    pub path: PathBuf,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// Plot names longer than this are refused: no ROOT path in a run file comes near it, and the
/// name is echoed in messages.
const MAX_NAME_BYTES: usize = 1024;

impl RunData {
    pub fn new(
        data_dir: impl Into<PathBuf>,
        run_list: impl Into<PathBuf>,
        references: impl Into<PathBuf>,
    ) -> RunData {
        RunData {
            data_dir: data_dir.into(),
            run_list: run_list.into(),
            references: references.into(),
        }
    }

    pub fn from_settings(s: &velo_config::Settings) -> RunData {
        RunData::new(&s.run_data_dir, &s.run_list_file, &s.references_file)
    }

    /// The processed runs, newest first, and the run list's lines that hold no run number.
    pub fn runs(&self) -> Result<(RunList, Vec<SkippedLine>), String> {
        RunList::load_cached(&self.run_list).map_err(|e| e.to_string())
    }

    /// The reference run ranges.
    pub fn references(&self) -> Result<References, String> {
        References::load(&self.references)
    }

    /// The reference run of `run` (itself in the run list, so it has data).
    pub fn reference_run(&self, list: &RunList, run: u32) -> Result<u32, String> {
        let refs = self.references()?;
        let reference = refs
            .reference_for(run)
            .ok_or_else(|| format!("No reference run is configured for run {run}"))?;
        if !list.contains(reference) {
            return Err(format!(
                "Reference run {reference} of run {run} is not in the processed run list"
            ));
        }
        Ok(reference)
    }

    /// The run whose file answers `req`: its run, or that run's reference run.
    pub fn source_run(&self, req: &PlotRequest) -> Result<u32, String> {
        let (list, _) = self.runs()?;
        let run = list.check(req.run)?;
        if req.reference {
            self.reference_run(&list, run)
        } else {
            Ok(run)
        }
    }

    /// The newest `*.root` file in the run's directory (names sort by their timestamp).
    /// `run` must already be checked against the run list.
    pub fn run_file(&self, run: u32) -> Result<PathBuf, String> {
        let dir = paths::run_dir(&self.data_dir, run);
        newest_run_file(&dir).ok_or_else(|| format!("Run file not found for run {run}"))
    }

    /// Identity of the file `run`'s plots are read from; an error for a run not in the list.
    pub fn identity(&self, run: u32) -> Result<FileIdentity, String> {
        let (list, _) = self.runs()?;
        let run = list.check(run)?;
        self.file_identity(run)
    }

    /// Identity of the file that answers `req`: for a reference plot, the reference run's file.
    /// A cache of results must key reference plots by this, not by [`RunData::identity`].
    pub fn identity_for(&self, req: &PlotRequest) -> Result<FileIdentity, String> {
        let run = self.source_run(req)?;
        self.file_identity(run)
    }

    fn file_identity(&self, run: u32) -> Result<FileIdentity, String> {
        let path = self.run_file(run)?;
        let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(FileIdentity {
            len: meta.len(),
            modified: meta.modified().ok(),
            path,
        })
    }
}

/// The newest run file of each run directory looked at, kept while the directory is unchanged:
/// every plot job (and, with the result cache, every request) asks, and listing a directory is
/// several system calls where its stamp is one.
static NEWEST: LazyLock<StampedCache<Option<PathBuf>>> =
    LazyLock::new(|| StampedCache::new(10_000));

/// The newest `*.root` file in `dir`, from [`NEWEST`] when it can stand for the directory.
fn newest_run_file(dir: &Path) -> Option<PathBuf> {
    newest_run_file_by(dir, SystemTime::now)
}

/// [`newest_run_file`] with the time a listing is made read from `clock`.
fn newest_run_file_by(dir: &Path, clock: impl Fn() -> SystemTime) -> Option<PathBuf> {
    let stamp = Stamp::of(&std::fs::metadata(dir).ok()?);
    NEWEST
        .get_or_load(dir, stamp, clock, || list_newest_run_file(dir).ok_or(()))
        .ok()
        .flatten()
}

/// The newest `*.root` file in `dir` as listed now; `None` inside when it holds none, `None`
/// outside when it cannot be listed.
fn list_newest_run_file(dir: &Path) -> Option<Option<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "root") && p.is_file())
        .collect();
    files.sort();
    Some(files.pop())
}

/// Replace the original's Python format fields `{0}` and `{0:03d}` with the sensor number.
/// For templates already checked (the pages configuration); one that is not a valid template
/// is returned unchanged.
pub fn format_name(template: &str, sensor: u32) -> String {
    match Template::parse(template) {
        Ok(t) => t.render(sensor),
        Err(_) => template.to_string(),
    }
}

/// The plot result for a request: `{"success": true, ...}` or `{"success": false, "message"}`.
/// A failure's message names files, not where they are on the server.
pub fn get_run_plot(data: &RunData, req: &PlotRequest) -> Value {
    match read_plot(data, req) {
        Ok(p) => format::to_value(&p.result()),
        Err(msg) => format::failure(super::redact::without_paths(&msg)),
    }
}

/// As [`get_run_plot`], as JSON text, written straight from the histogram (faster than building
/// the [`Value`] and serializing it).
pub fn get_run_plot_json(data: &RunData, req: &PlotRequest) -> String {
    match read_plot(data, req) {
        Ok(p) => format::plot_result_json(&p.result()),
        Err(msg) => format::failure_json(&super::redact::without_paths(&msg)),
    }
}

/// A histogram and where it was read from.
pub struct ReadPlot {
    pub hist: Histogram,
    pub run: u32,
    pub reference: bool,
    pub file_name: String,
}

impl ReadPlot {
    pub fn result(&self) -> PlotResult<'_> {
        PlotResult {
            hist: &self.hist,
            source: Some(Source {
                run: self.run,
                reference: self.reference,
                file: &self.file_name,
            }),
        }
    }
}

/// Check the request and read its histogram; the error is the message for the user.
pub fn read_plot(data: &RunData, req: &PlotRequest) -> Result<ReadPlot, String> {
    if req.name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "Invalid plot name provided: longer than {MAX_NAME_BYTES} bytes"
        ));
    }
    let name = Template::parse(&req.name)
        .map_err(|e| format!("Invalid plot name provided: {e}"))?
        .render(req.sensor);
    // In the original command's order: run, then sensor.
    let (list, _) = data.runs()?;
    let run = list.check(req.run)?;
    if !sensors::is_valid(req.sensor) {
        return Err(sensors::invalid_message(req.sensor));
    }
    let (run, origin) = if req.reference {
        let r = data.reference_run(&list, run)?;
        (
            r,
            format!("reference run file {r} (reference of run {run})"),
        )
    } else {
        (run, format!("run file {run}"))
    };
    let file = data.run_file(run)?;
    let hist = read_histogram(&file, &name, &origin)?;
    Ok(ReadPlot {
        hist,
        run,
        reference: req.reference,
        file_name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
}

/// `origin` says which run's file this is, for messages.
fn read_histogram(file: &Path, name: &str, origin: &str) -> Result<Histogram, String> {
    let f = RootFile::open(file).map_err(|e| e.to_string())?;
    let key = f.get(name).map_err(|e| {
        if e.is_not_found() {
            format!("Plot {name} not found in {origin}")
        } else {
            e.to_string()
        }
    })?;
    if !crate::hist::is_supported(&key.class) {
        return Err(format!(
            "Cannot format plot {name} of {origin}: unsupported class {} \
             (plots are TH1*, TH2*, TProfile or TProfile2D)",
            key.class
        ));
    }
    f.histogram_of(&key).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_name_keeps_invalid_templates() {
        assert_eq!(format_name("a/TELL1_{0:03d}", 7), "a/TELL1_007");
        assert_eq!(format_name("a/{1}", 7), "a/{1}");
    }

    #[test]
    fn a_remembered_run_file_gives_way_to_what_the_directory_holds_now() {
        let dir = std::env::temp_dir().join(format!("velo-runfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.as_path();
        // A listing read "later" is trusted at once, as one made two seconds after the last
        // change would be.
        let later = || SystemTime::now() + std::time::Duration::from_secs(3);
        let name = |f: Option<PathBuf>| f.map(|p| p.file_name().unwrap().to_owned());
        assert_eq!(newest_run_file_by(d, later), None);
        std::fs::write(d.join("run_20160101.root"), b"x").unwrap();
        assert_eq!(
            name(newest_run_file_by(d, later)),
            Some("run_20160101.root".into())
        );
        // Added, renamed over, removed: each changes the directory, so each is seen.
        std::fs::write(d.join("run_20160102.root"), b"x").unwrap();
        assert_eq!(
            name(newest_run_file_by(d, later)),
            Some("run_20160102.root".into())
        );
        std::fs::write(d.join("tmp"), b"y").unwrap();
        std::fs::rename(d.join("tmp"), d.join("run_20160103.root")).unwrap();
        assert_eq!(
            name(newest_run_file_by(d, later)),
            Some("run_20160103.root".into())
        );
        std::fs::remove_file(d.join("run_20160103.root")).unwrap();
        assert_eq!(
            name(newest_run_file_by(d, later)),
            Some("run_20160102.root".into())
        );
        assert_eq!(newest_run_file_by(&d.join("absent"), later), None);
        std::fs::remove_dir_all(d).unwrap();
    }
}
