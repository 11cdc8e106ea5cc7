//! Running one job: mark it started, run its task on a blocking thread with a time limit, store
//! the result, tell velo-web it ended.

use crate::dq::Dq;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use velo_config::Settings;
use velo_jobs::compressed::Compressed;
use velo_jobs::record::Ended;
use velo_jobs::{keys, metrics, JobRecord, QueueMessage, Status, Task};
use veloview::runview::RunData;

/// What every job of a worker needs.
#[derive(Clone)]
pub struct Runner {
    pub conn: ConnectionManager,
    pub run_data: RunData,
    pub ttl_secs: u64,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub debug_tasks: bool,
    /// Data quality, when this worker evaluates runs.
    pub dq: Option<Arc<Dq>>,
}

impl Runner {
    pub fn new(settings: &Settings, conn: ConnectionManager) -> Runner {
        Runner {
            conn,
            run_data: RunData::from_settings(settings),
            ttl_secs: settings.result_ttl_secs.max(1),
            timeout: Duration::from_secs(settings.job_timeout_secs.max(1)),
            max_attempts: settings.job_max_attempts.max(1),
            debug_tasks: settings.debug_tasks,
            dq: None,
        }
    }

    /// Run the job `msg`, apalis task `task_id`, as worker `worker`. An error means the outcome
    /// could not be stored (Redis lost): the task stays in the worker's in-flight set, and the
    /// queue hands it out again once the worker's heartbeat has lapsed.
    pub async fn run(
        &self,
        msg: QueueMessage,
        worker: &str,
        task_id: &str,
    ) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let taken = Taken { worker, task_id };
        let mut rec = match self.begin(&mut conn, &msg, worker).await? {
            Begin::Gone => {
                tracing::warn!(id = %msg.job_id, "job record gone (expired?), skipping");
                return self.ack(&mut conn, taken).await;
            }
            // Handed out again after its worker looked dead, but it did finish.
            Begin::Ended => return self.ack(&mut conn, taken).await,
            Begin::Abandoned(mut rec) => {
                rec.fail(format!(
                    "Job abandoned: its worker stopped {} times while running it",
                    rec.attempts
                ));
                return self.end(&mut conn, &rec, taken).await;
            }
            Begin::Started(rec) => rec,
        };
        tracing::debug!(id = %rec.id, task = %rec.task_name, "job started");

        match Task::resolve(&msg.task_name, &msg.args, self.debug_tasks) {
            Err(e) => rec.fail(e.to_string()),
            Ok(Task::EvaluateRun(a)) => match &self.dq {
                None => rec.fail("This worker does not evaluate data quality"),
                Some(dq) => {
                    let work = dq.evaluate(&mut conn, a.run, a.force, worker);
                    match tokio::time::timeout(self.timeout, work).await {
                        Ok(Ok(result)) => rec.finish(result.to_string()),
                        Ok(Err(e)) => rec.fail(format!("Evaluation failed: {e}")),
                        Err(_) => rec.fail(format!(
                            "Evaluation timed out after {} s",
                            self.timeout.as_secs()
                        )),
                    }
                }
            },
            Ok(task) => {
                let data = self.run_data.clone();
                // Set at the time limit: the reader and formatter look at it in their loops, so
                // the work itself stops rather than running on after the job is failed.
                let cancel = Arc::new(AtomicBool::new(false));
                let flag = cancel.clone();
                let work = tokio::task::spawn_blocking(move || {
                    veloview::cancel::scope(flag, || task.execute(&data))
                });
                match tokio::time::timeout(self.timeout, work).await {
                    Ok(Ok(result)) => rec.finish(result),
                    Ok(Err(e)) => rec.fail(format!("Task crashed: {}", panic_message(e))),
                    Err(_) => {
                        cancel.store(true, Ordering::Relaxed);
                        rec.fail(format!("Task timed out after {} s", self.timeout.as_secs()))
                    }
                }
            }
        }
        self.end(&mut conn, &rec, taken).await
    }

    /// Count the attempt and mark the job started, in Redis before the task can crash the
    /// process: the count is what stops a job that kills its worker from running for ever.
    async fn begin(
        &self,
        conn: &mut ConnectionManager,
        msg: &QueueMessage,
        worker: &str,
    ) -> redis::RedisResult<Begin> {
        let Some(queued_at) = msg.queued_at else {
            return self.begin_by_hand(conn, &msg.job_id, worker).await;
        };
        let mut started = JobRecord::queued(msg.job_id.clone(), &msg.task_name, msg.args.clone());
        started.queued_at = queued_at;
        started.start(worker);
        let (before, after) = started.json_around_attempts();
        let attempt: i64 = START_SCRIPT
            .key(keys::job(&msg.job_id))
            .key(keys::job_attempts(&msg.job_id))
            .arg(self.ttl_secs)
            .arg(self.max_attempts)
            .arg(before)
            .arg(after)
            .invoke_async(conn)
            .await?;
        Ok(match attempt {
            -2 => Begin::Gone,
            0 => Begin::Ended,
            // Not laid out as the script reads records: nothing done yet.
            ..0 => return self.begin_by_hand(conn, &msg.job_id, worker).await,
            n => {
                // The attempts made before this one.
                let made = u32::try_from(n - 1).unwrap_or(u32::MAX);
                if made >= self.max_attempts {
                    started.attempts = made;
                    Begin::Abandoned(started)
                } else {
                    started.attempts = made + 1;
                    Begin::Started(started)
                }
            }
        })
    }

    /// [`Self::begin`] for a job queued by an earlier velo-web (no queue time in its message) or
    /// recorded in an earlier layout: read the record, decide, write it.
    async fn begin_by_hand(
        &self,
        conn: &mut ConnectionManager,
        id: &str,
        worker: &str,
    ) -> redis::RedisResult<Begin> {
        let raw: Option<Vec<u8>> = conn.get(keys::job(id)).await?;
        let Some(stored) = raw.and_then(Ended::from_stored) else {
            return Ok(Begin::Gone);
        };
        if stored.is_final() {
            return Ok(Begin::Ended);
        }
        let Some(mut rec) = stored
            .json()
            .and_then(|json| serde_json::from_str::<JobRecord>(&json).ok())
        else {
            return Ok(Begin::Gone);
        };
        if rec.attempts >= self.max_attempts {
            return Ok(Begin::Abandoned(rec));
        }
        rec.start(worker);
        self.save(conn, &rec).await?;
        Ok(Begin::Started(rec))
    }

    /// Acknowledge the queue's task of a job that needs no run.
    async fn ack(&self, conn: &mut ConnectionManager, taken: Taken<'_>) -> redis::RedisResult<()> {
        let mut pipe = redis::pipe();
        velo_jobs::queue::ack(&mut pipe, taken.worker, taken.task_id);
        pipe.query_async(conn).await
    }

    async fn save(&self, conn: &mut ConnectionManager, rec: &JobRecord) -> redis::RedisResult<()> {
        conn.set_ex(keys::job(&rec.id), rec.to_json(), self.ttl_secs)
            .await
    }

    /// Store the outcome, count it (counters shared by every worker, see `velo_jobs::metrics`),
    /// acknowledge the queue's task and announce the outcome with the record itself (or, a large
    /// one, its compressed tail), in one round trip.
    async fn end(
        &self,
        conn: &mut ConnectionManager,
        rec: &JobRecord,
        taken: Taken<'_>,
    ) -> redis::RedisResult<()> {
        let task = rec.task_name.as_str();
        let json = Arc::new(rec.to_json());
        let compressed = compress(json.clone()).await.map(|c| c.to_bytes());
        let message = velo_jobs::record::done_message(&rec.id, &json, compressed.as_deref());
        let mut pipe = redis::pipe();
        // A large record only compressed: a sixth of the memory, of the bytes sent, and what
        // most clients are sent anyway.
        match &compressed {
            Some(c) => pipe.set_ex(keys::job(&rec.id), c, self.ttl_secs),
            None => pipe.set_ex(keys::job(&rec.id), json.as_str(), self.ttl_secs),
        }
        .ignore();
        velo_jobs::queue::ack(&mut pipe, taken.worker, taken.task_id);
        let outcome = match rec.status {
            Status::Failed => metrics::failed(task),
            _ => metrics::finished(task),
        };
        pipe.hincr(metrics::COUNTERS, outcome, 1).ignore();
        if let Some(ended) = rec.ended_at {
            let ms = ended.saturating_sub(rec.queued_at);
            pipe.hincr(metrics::LATENCY, metrics::latency_bucket(task, ms), 1)
                .ignore()
                .hincr(metrics::LATENCY, metrics::latency_sum_ms(task), ms)
                .ignore()
                .hincr(metrics::LATENCY, metrics::latency_count(task), 1)
                .ignore();
        }
        let _: () = pipe
            .publish(keys::DONE_CHANNEL, &message)
            .ignore()
            .query_async(conn)
            .await?;
        tracing::debug!(id = %rec.id, status = ?rec.status, "job ended");
        Ok(())
    }
}

/// How a job's start went (see [`Runner::begin`]).
enum Begin {
    /// Its record is gone (expired).
    Gone,
    /// It had ended: handed out again after its worker looked dead, but it did finish.
    Ended,
    /// Its workers stopped as many times as its record's attempts while running it: it is
    /// failed, not run again.
    Abandoned(JobRecord),
    /// Started, as recorded in Redis.
    Started(JobRecord),
}

/// See `lua/start_job.lua`.
static START_SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("lua/start_job.lua")));

/// Records up to this size are compressed on the runtime's thread (0.24 ms for 66 kB here), larger
/// ones on a blocking thread, so that other jobs' Redis traffic is not held up meanwhile.
const COMPRESS_INLINE_BYTES: usize = 128 << 10;

/// The record's compressed tail, when large: made once here rather than by nginx
/// for every request (see `velo_jobs::compressed`).
async fn compress(json: Arc<String>) -> Option<Compressed> {
    if json.len() <= COMPRESS_INLINE_BYTES {
        return Compressed::of_record(&json);
    }
    // Failing (a panic in libdeflate), the answer goes uncompressed.
    tokio::task::spawn_blocking(move || Compressed::of_record(&json))
        .await
        .ok()
        .flatten()
}

/// The queue's task of a job and the worker that took it, to acknowledge it.
#[derive(Clone, Copy)]
struct Taken<'a> {
    worker: &'a str,
    task_id: &'a str,
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into()),
        Err(e) => e.to_string(),
    }
}
