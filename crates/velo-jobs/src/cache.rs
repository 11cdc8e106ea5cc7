//! Cache keys: identical requests on an unchanged run file share one job. The key digests the task,
//! its canonical arguments and the run file's identity (path, size, modification time), so a
//! rewritten or newer run file gets a new key and stale results are never served.

use crate::task::Task;
use veloview::runview::RunData;

/// The cache digest for `task`, or `None` when the result does not depend on a run file we can
/// identify (then the request is simply run).
pub fn digest(task: &Task, data: &RunData) -> Option<String> {
    let run = task.run()?;
    let id = data.identity(run).ok()?;
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
