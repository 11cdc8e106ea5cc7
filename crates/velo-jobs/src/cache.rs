//! Cache keys: identical requests on an unchanged run file share one job. The key digests the task,
//! its canonical arguments and the run file's identity (path, size, modification time), so a
//! rewritten or newer run file gets a new key and stale results are never served.

use crate::task::Task;
use veloview::runview::RunData;

/// The cache digest for `task`, or `None` when the result does not depend on a run file we can
/// identify (then the request is simply run).
pub fn digest(task: &Task, data: &RunData) -> Option<String> {
    // The identity of the file the plot is read from: for a reference plot, the reference
    // run's file, so that a new reference file is never hidden behind a cached result.
    let id = match task {
        Task::GetRunPlot(a) => data.identity_for(&a.to_request()).ok()?,
        // An evaluation's result depends on the configuration and it writes to the store: it is
        // always run (the worker skips a run whose stored evaluation is current).
        Task::EvaluateRun(_) => return None,
        _ => data.identity(task.run()?).ok()?,
    };
    let modified = id
        .modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        task.name(),
        task.canonical_args(),
        id.path.display(),
        id.len,
        modified
    );
    Some(format!(
        "{:032x}",
        twox_hash::XxHash3_128::oneshot(text.as_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::{Path, PathBuf};

    fn data_with_run(dir: &Path, run: u32) -> RunData {
        let run_dir = veloview::runview::paths::run_dir(dir, run);
        std::fs::create_dir_all(&run_dir).unwrap();
        std::fs::write(run_dir.join("a.root"), b"x").unwrap();
        std::fs::write(dir.join("RunList.txt"), format!("{run}\n")).unwrap();
        std::fs::write(
            dir.join("references.toml"),
            format!("[[range]]\nfirst = {run}\nlast = {run}\nreference = {run}\n"),
        )
        .unwrap();
        RunData::new(dir, dir.join("RunList.txt"), dir.join("references.toml"))
    }

    fn plot(args: serde_json::Value) -> Task {
        Task::resolve(crate::task::GET_RUN_PLOT, &args, false).unwrap()
    }

    #[test]
    fn same_request_same_key_and_the_file_changes_it() {
        let dir: PathBuf = std::env::temp_dir().join(format!("velo-cache-{}", std::process::id()));
        let data = data_with_run(&dir, 42);
        let a = digest(&plot(json!({"name": "h", "run": 42})), &data).unwrap();
        let b = digest(&plot(json!({"run": 42, "name": "h"})), &data).unwrap();
        assert_eq!(a, b);
        assert_ne!(
            a,
            digest(&plot(json!({"name": "h", "run": 42, "sensor": 1})), &data).unwrap()
        );
        let file = veloview::runview::paths::run_dir(&dir, 42).join("a.root");
        std::fs::write(file, b"longer").unwrap();
        assert_ne!(
            a,
            digest(&plot(json!({"name": "h", "run": 42})), &data).unwrap()
        );
        assert_eq!(digest(&plot(json!({"name": "h", "run": 43})), &data), None);
        // A reference plot is keyed by the reference run's file, and apart from the plain plot.
        let reference = plot(json!({"name": "h", "run": 42, "reference": true}));
        let r = digest(&reference, &data).unwrap();
        assert_ne!(
            r,
            digest(&plot(json!({"name": "h", "run": 42})), &data).unwrap()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
