//! The job record: what `GET /jobs/{id}` shows, written by velo-web when the job is queued and by
//! the worker as it starts and ends it.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// The original's status names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Started,
    Finished,
    Failed,
}

impl Status {
    pub fn is_final(self) -> bool {
        matches!(self, Status::Finished | Status::Failed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: String,
    pub task_name: String,
    pub args: Value,
    pub status: Status,
    /// The task's result once `finished`; `{"success": false, "message"}` once `failed`.
    /// Kept as JSON text: velo-web passes a large plot through without parsing it.
    pub result: Box<RawValue>,
    /// The worker that last started the job.
    #[serde(default)]
    pub worker: Option<String>,
    /// How many times a worker started it (more than one after a worker died).
    #[serde(default)]
    pub attempts: u32,
    /// Milliseconds since the Unix epoch.
    pub queued_at: u64,
    #[serde(default)]
    pub started_at: Option<u64>,
    #[serde(default)]
    pub ended_at: Option<u64>,
}

impl JobRecord {
    pub fn queued(id: String, task_name: &str, args: Value) -> JobRecord {
        JobRecord {
            id,
            task_name: task_name.to_string(),
            args,
            status: Status::Queued,
            result: raw(&Value::Null),
            worker: None,
            attempts: 0,
            queued_at: now_ms(),
            started_at: None,
            ended_at: None,
        }
    }

    pub fn start(&mut self, worker: &str) {
        self.status = Status::Started;
        self.worker = Some(worker.to_string());
        self.attempts += 1;
        self.started_at = Some(now_ms());
    }

    /// Finished with `result`, JSON text as [`crate::Task::execute`] writes it: stored as it
    /// is, not parsed again. Text that is not JSON (which no task writes) is stored as a failure.
    pub fn finish(&mut self, result: String) {
        match RawValue::from_string(result) {
            Ok(raw) => {
                self.status = Status::Finished;
                self.result = raw;
                self.ended_at = Some(now_ms());
            }
            Err(e) => self.fail(format!("Task wrote a result that is not JSON: {e}")),
        }
    }

    pub fn fail(&mut self, message: impl Into<String>) {
        self.status = Status::Failed;
        self.result = raw(&serde_json::json!({"success": false, "message": message.into()}));
        self.ended_at = Some(now_ms());
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("job records always serialise")
    }
}

fn raw(v: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(v).expect("JSON values always serialise")
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Job ids are ULIDs: 26 characters of Crockford base 32. Anything else is not one of ours, and
/// is never used to build a Redis key.
pub fn is_job_id(s: &str) -> bool {
    s.len() == 26
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
}

/// A new job id: a ULID, so ids sort by creation time.
pub fn new_job_id() -> String {
    ulid::Ulid::generate().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_are_the_originals() {
        let names: Vec<String> = [
            Status::Queued,
            Status::Started,
            Status::Finished,
            Status::Failed,
        ]
        .iter()
        .map(|s| {
            serde_json::to_value(s)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
        assert_eq!(names, ["queued", "started", "finished", "failed"]);
    }

    #[test]
    fn job_ids_are_checked() {
        assert!(is_job_id(&new_job_id()));
        assert!(is_job_id("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
        assert!(!is_job_id("01ARZ3NDEKTSV4RRFFQ69G5FA"));
        assert!(!is_job_id("01ARZ3NDEKTSV4RRFFQ69G5FA*"));
        assert!(!is_job_id("../../../../etc/passwd...."));
    }
}
