//! The job record: what `GET /jobs/{id}` shows, written by velo-web when the job is queued and by
//! the worker as it starts and ends it.

use crate::compressed::Compressed;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;
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

/// `status` is the first field written, so that [`status_of`] reads it from the record's first
/// bytes: velo-web can tell whether a job has ended without parsing a large result. `result` is
/// the last, so that [`JobRecord::to_json`] appends a task's result text as it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    pub status: Status,
    pub id: String,
    pub task_name: String,
    pub args: Value,
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
    /// The task's result once `finished`; `{"success": false, "message"}` once `failed`.
    /// Kept as JSON text: velo-web passes a large plot through without parsing it.
    pub result: Box<RawValue>,
    /// A result as the task wrote it, not yet stored: written out by `to_json` in place of
    /// `result` (null meanwhile) without being parsed again.
    #[serde(skip)]
    result_text: Option<String>,
}

impl JobRecord {
    pub fn queued(id: String, task_name: &str, args: Value) -> JobRecord {
        JobRecord {
            id,
            task_name: task_name.to_string(),
            args,
            status: Status::Queued,
            worker: None,
            attempts: 0,
            queued_at: now_ms(),
            started_at: None,
            ended_at: None,
            result: raw(&Value::Null),
            result_text: None,
        }
    }

    pub fn start(&mut self, worker: &str) {
        self.status = Status::Started;
        self.worker = Some(worker.to_string());
        self.attempts += 1;
        self.started_at = Some(now_ms());
    }

    /// The record's JSON without its attempt count: the text before the count and after it (the
    /// worker's start script puts the count it keeps between them).
    pub fn json_around_attempts(&self) -> (String, String) {
        let mut marked = self.clone();
        marked.attempts = u32::MAX;
        let json = marked.to_json();
        // The last one: `args`, which come earlier, may hold anything.
        let mark = format!("\"attempts\":{}", u32::MAX);
        let at = json.rfind(&mark).expect("a record has an attempt count");
        let count = at + mark.len() - u32::MAX.to_string().len();
        (
            json[..count].to_string(),
            json[at + mark.len()..].to_string(),
        )
    }

    /// Finished with `result`, JSON text as [`crate::Task::execute`] writes it with serde_json:
    /// stored as it is, neither parsed nor copied through serde (a plot is tens of kB).
    pub fn finish(&mut self, result: String) {
        debug_assert!(
            serde_json::from_str::<&RawValue>(&result).is_ok(),
            "{result}"
        );
        self.status = Status::Finished;
        self.result = raw(&Value::Null);
        self.result_text = Some(result);
        self.ended_at = Some(now_ms());
    }

    pub fn fail(&mut self, message: impl Into<String>) {
        self.status = Status::Failed;
        self.result = raw(&serde_json::json!({"success": false, "message": message.into()}));
        self.result_text = None;
        self.ended_at = Some(now_ms());
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    /// Append the record's JSON to `out`.
    fn write_json(&self, out: &mut String) {
        let json = serde_json::to_string(self).expect("job records always serialise");
        match &self.result_text {
            None => out.push_str(&json),
            Some(text) => {
                // `result` is the last field, written as null: put the text in its place.
                let head = json
                    .strip_suffix("null}")
                    .expect("a record ends with its result");
                out.reserve(head.len() + text.len() + 1);
                out.push_str(head);
                out.push_str(text);
                out.push('}');
            }
        }
    }
}

/// The status of the job record `json`, read from its first field without parsing the rest
/// (records written before `status` came first are parsed whole). `None`: not a job record.
pub fn status_of(json: &str) -> Option<Status> {
    // `rest` starts with the status' opening quote; the name holds no escapes.
    let head = json.strip_prefix(r#"{"status":"#).and_then(|rest| {
        let close = rest.get(1..)?.find('"')? + 1;
        serde_json::from_str(&rest[..=close]).ok()
    });
    head.or_else(|| {
        #[derive(Deserialize)]
        struct StatusOnly {
            status: Status,
        }
        serde_json::from_str::<StatusOnly>(json)
            .ok()
            .map(|r| r.status)
    })
}

/// A job's record as a worker announces and stores it: its JSON, or for a large final one only
/// its compressed tail (see [`crate::compressed`]), which is what most clients are sent anyway.
#[derive(Debug, Clone)]
pub enum Ended {
    Json(Arc<str>),
    Compressed(Arc<Compressed>),
}

impl Ended {
    /// A job's record as Redis holds it ([`crate::keys::job`]): its JSON or, for a large final
    /// one, its compressed tail. `None`: neither, or no job record (not one of ours).
    pub fn from_stored(bytes: Vec<u8>) -> Option<Ended> {
        if Compressed::is_compressed(&bytes) {
            return Compressed::from_bytes(&bytes).map(|c| Ended::Compressed(Arc::new(c)));
        }
        let json = String::from_utf8(bytes).ok()?;
        status_of(&json)?;
        Some(Ended::Json(json.into()))
    }

    /// Whether the job has ended: only a final record is ever compressed.
    pub fn is_final(&self) -> bool {
        match self {
            Ended::Json(json) => status_of(json).is_some_and(Status::is_final),
            Ended::Compressed(_) => true,
        }
    }

    /// The record's JSON, decompressed if need be; `None` when compressed data is damaged.
    pub fn json(&self) -> Option<Arc<str>> {
        match self {
            Ended::Json(json) => Some(json.clone()),
            Ended::Compressed(c) => c.record().map(Arc::from),
        }
    }

    /// The bytes it holds in memory.
    pub fn size(&self) -> usize {
        match self {
            Ended::Json(json) => json.len(),
            Ended::Compressed(c) => c.size(),
        }
    }
}

/// The message a worker publishes on [`crate::keys::DONE_CHANNEL`] when a job ends: the job id,
/// a space, and the final record `json` or, when given, its compressed tail
/// ([`Compressed::to_bytes`]), so that a waiting request answers without reading it back.
pub fn done_message(id: &str, json: &str, compressed: Option<&[u8]>) -> Vec<u8> {
    let body = compressed.unwrap_or(json.as_bytes());
    let mut msg = Vec::with_capacity(id.len() + 1 + body.len());
    msg.extend_from_slice(id.as_bytes());
    msg.push(b' ');
    msg.extend_from_slice(body);
    msg
}

/// The job id and final record of a [`done_message`].
pub fn parse_done_message(msg: &[u8]) -> Option<(&str, Ended)> {
    let space = msg.iter().position(|&b| b == b' ')?;
    let id = std::str::from_utf8(&msg[..space]).ok()?;
    let rest = &msg[space + 1..];
    let ended = if Compressed::is_compressed(rest) {
        Ended::Compressed(Arc::new(Compressed::from_bytes(rest)?))
    } else {
        Ended::Json(Arc::from(std::str::from_utf8(rest).ok()?))
    };
    is_job_id(id).then_some((id, ended))
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
    fn status_is_read_from_the_first_bytes_and_old_records_still_parse() {
        let mut rec = JobRecord::queued(new_job_id(), "t", serde_json::json!({"status": "x"}));
        assert_eq!(status_of(&rec.to_json()), Some(Status::Queued));
        rec.finish(r#"{"success": true, "status": "failed"}"#.into());
        assert!(rec.to_json().starts_with(r#"{"status":"finished","#));
        assert_eq!(status_of(&rec.to_json()), Some(Status::Finished));
        let old = r#"{"id":"a","task_name":"t","args":null,"status":"failed","result":null,"queued_at":1}"#;
        assert_eq!(status_of(old), Some(Status::Failed));
        assert_eq!(status_of(r#"{"status":"bogus"}"#), None);
        assert_eq!(status_of("not json"), None);
    }

    #[test]
    fn a_result_is_stored_as_written_and_reads_back() {
        let mut rec = JobRecord::queued(new_job_id(), "t", serde_json::json!({"n": 1}));
        rec.start("w");
        rec.finish(r#"{"success":true,"data":[1.5,"x}"]}"#.into());
        let json = rec.to_json();
        assert!(
            json.ends_with(r#","result":{"success":true,"data":[1.5,"x}"]}}"#),
            "{json}"
        );
        let back: JobRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back.status, Status::Finished);
        assert_eq!(back.result.get(), r#"{"success":true,"data":[1.5,"x}"]}"#);
        assert_eq!(back.to_json(), json);
        rec.fail("later");
        assert!(rec
            .to_json()
            .ends_with(r#""result":{"message":"later","success":false}}"#));
    }

    #[test]
    fn done_messages_carry_id_and_record_or_its_compressed_tail() {
        let mut rec = JobRecord::queued(new_job_id(), "t", Value::Null);
        rec.fail("it broke");
        let json = rec.to_json();
        let msg = done_message(&rec.id, &json, None);
        let (id, ended) = parse_done_message(&msg).unwrap();
        assert_eq!(id, rec.id);
        assert!(matches!(ended, Ended::Json(j) if *j == *json));
        rec.finish(format!("[{}0]", "1.5,".repeat(1000)));
        let json = rec.to_json();
        let c = Compressed::of_record(&json).unwrap();
        let msg = done_message(&rec.id, &json, Some(&c.to_bytes()));
        assert!(msg.len() < json.len() / 3);
        match parse_done_message(&msg).unwrap() {
            (id, Ended::Compressed(back)) => {
                assert_eq!(id, rec.id);
                assert_eq!(back.record().unwrap(), json);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_done_message(b"../x {}").is_none());
        assert!(parse_done_message(rec.id.as_bytes()).is_none());
        assert!(parse_done_message(format!("{} vgz1xx", rec.id).as_bytes()).is_none());
    }

    #[test]
    fn a_record_splits_around_its_attempt_count() {
        let args = serde_json::json!({"x": "\"attempts\":4294967295,"});
        let mut rec = JobRecord::queued(new_job_id(), "t", args);
        rec.start("w");
        let (before, after) = rec.json_around_attempts();
        rec.attempts = 7;
        assert_eq!(format!("{before}7{after}"), rec.to_json());
        assert!(before.ends_with(r#""attempts":"#), "{before}");
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
