//! One plot of one run: find the run's newest file, read the histogram, format it.

use super::{format, paths};
use crate::RootFile;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where run data lives (from the services' configuration).
#[derive(Debug, Clone)]
pub struct RunData {
    pub data_dir: PathBuf,
    pub run_list: PathBuf,
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

impl RunData {
    /// The newest `*.root` file in the run's directory (names sort by their timestamp).
    pub fn run_file(&self, run: u32) -> Result<PathBuf, String> {
        let dir = paths::run_dir(&self.data_dir, run);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|_| format!("Run file not found for run {run}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "root"))
            .collect();
        files.sort();
        files
            .pop()
            .ok_or_else(|| format!("Run file not found for run {run}"))
    }

    pub fn identity(&self, run: u32) -> Result<FileIdentity, String> {
        let path = self.run_file(run)?;
        let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(FileIdentity {
            len: meta.len(),
            modified: meta.modified().ok(),
            path,
        })
    }
}

/// Replace the original's Python format fields `{0}` and `{0:03d}` with the sensor number.
pub fn format_name(template: &str, sensor: u32) -> String {
    template
        .replace("{0:03d}", &format!("{sensor:03}"))
        .replace("{0}", &sensor.to_string())
}

/// The plot result for a request: `{"success": true, ...}` or `{"success": false, "message"}`.
pub fn get_run_plot(data: &RunData, req: &PlotRequest) -> Value {
    match read_plot(data, req) {
        Ok(v) => v,
        Err(msg) => format::failure(msg),
    }
}

fn read_plot(data: &RunData, req: &PlotRequest) -> Result<Value, String> {
    let name = format_name(&req.name, req.sensor);
    let file = data.run_file(req.run)?;
    let h = open_and_read(&file, &name).map_err(|e| {
        if e.is_not_found() {
            format!("Plot {name} not found in run file {}", req.run)
        } else {
            e.to_string()
        }
    })?;
    Ok(format::plot_result(&h))
}

fn open_and_read(file: &Path, name: &str) -> Result<crate::Histogram, crate::Error> {
    RootFile::open(file)?.histogram(name)
}
