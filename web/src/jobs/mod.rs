//! The jobs API (`/jobs`), the original job monitor's contract: submit a task, read its status and
//! result, list recent jobs. Data flows request → here → Redis queue → velo-worker → Redis → here.

mod answer;
pub(crate) mod error;
pub(crate) mod store;
mod waiters;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use error::ApiError;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use velo_config::Settings;
use velo_jobs::record::Ended;
use velo_jobs::{cache, is_job_id, new_job_id, JobRecord, Task};
use veloview::runview::RunData;
use waiters::{Registration, Waiters};

/// A long poll never holds a request longer than this, whatever `wait` asks.
pub const MAX_WAIT_SECS: f64 = 30.0;
/// Task names and arguments are small; a larger body is refused before it is read whole.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What the jobs routes share: the queue and the result store.
pub struct JobsState {
    store: Store,
    waiters: Arc<Waiters>,
    run_data: RunData,
    cache: bool,
    debug_tasks: bool,
    /// How long a submission waits for its job to end when it does not say (`?wait=`).
    submit_wait: Duration,
}

impl JobsState {
    /// Must be called inside the Tokio runtime: it starts following finished jobs.
    pub async fn new(settings: &Settings) -> anyhow::Result<JobsState> {
        let store = Store::new(&settings.redis_url, settings.result_ttl_secs)?;
        let waiters = Arc::new(Waiters::default());
        tokio::spawn(waiters.clone().listen(store.client().clone()));
        Ok(JobsState {
            store,
            waiters,
            run_data: RunData::from_settings(settings),
            cache: settings.job_cache,
            debug_tasks: settings.debug_tasks,
            // A submission is held no longer than a long-poll, however it is configured.
            submit_wait: Duration::from_millis(settings.job_submit_wait_ms)
                .min(Duration::from_secs_f64(MAX_WAIT_SECS)),
        })
    }
}

impl JobsState {
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn run_data(&self) -> &RunData {
        &self.run_data
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| ApiError::bad_request(format!("Invalid query: {e}")).into()),
    )
    .service(
        web::scope("/jobs")
            .service(
                web::resource("")
                    .route(web::get().to(list_jobs))
                    .route(web::post().to(create_job))
                    .default_service(web::to(error::method_not_allowed)),
            )
            .service(
                web::resource("/{id}")
                    .name("job")
                    .route(web::get().to(get_job))
                    .default_service(web::to(error::method_not_allowed)),
            )
            .default_service(web::to(error::not_found)),
    );
}

/// A job in `GET /jobs`' list: the record plus its absolute `uri`. One job alone is answered by
/// [`answer::one_job`], which splices the record's text instead.
#[derive(Serialize)]
struct JobView<'a> {
    #[serde(flatten)]
    record: &'a JobRecord,
    uri: String,
}

#[derive(Serialize)]
struct JobList<'a> {
    jobs: Vec<JobView<'a>>,
}

fn view<'a>(req: &HttpRequest, record: &'a JobRecord) -> JobView<'a> {
    JobView {
        uri: answer::job_uri(req, &record.id),
        record,
    }
}

async fn list_jobs(
    req: HttpRequest,
    state: web::Data<JobsState>,
) -> Result<HttpResponse, ApiError> {
    let records = state.store.recent().await?;
    let jobs = records.iter().map(|r| view(&req, r)).collect();
    Ok(HttpResponse::Ok().json(JobList { jobs }))
}

pub(crate) async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("Bad request body: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body larger than {MAX_BODY_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn create_job(
    req: HttpRequest,
    payload: web::Payload,
    query: web::Query<WaitQuery>,
    state: web::Data<JobsState>,
) -> Result<HttpResponse, ApiError> {
    let hold = query.duration_or(state.submit_wait)?;
    let body = read_body(payload).await?;
    let data: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("Request body is not JSON"))?;
    let Some(obj) = data.as_object() else {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    };
    let task_name = match obj.get("task_name") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(ApiError::bad_request("task_name must be a string")),
        None => return Err(ApiError::bad_request("No task name provided")),
    };
    let args = obj.get("args").unwrap_or(&Value::Null);
    let task = Task::resolve(task_name, args, state.debug_tasks)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;

    let id = new_job_id();
    // The run list is kept in memory while unchanged (a stat per request): checked here, not on
    // a blocking thread, which would cost two thread switches per job.
    if let Some(message) = unknown_run(&task, &state.run_data) {
        // Answered here: a job could only fail the same way, and would cost a worker a turn.
        return Err(ApiError::not_found(message));
    }
    // A few stats (the run's directory, its file; the newest file is remembered while the
    // directory is unchanged), and for a reference plot the small references file: done here,
    // as the run check above, not on a blocking thread.
    let digest = state
        .cache
        .then(|| cache::digest(&task, &state.run_data))
        .flatten();
    let rec = JobRecord::queued(id, task.name(), task.canonical_args());
    let gzip = answer::takes_gzip(&req);
    if let Some(digest) = &digest {
        if let Some((holder, record)) = state.store.claim_cache(digest, &rec).await? {
            return respond(&state, StatusCode::CREATED, &req, &holder, record, gzip).await;
        }
    }
    // Before queueing it: its end may be announced before `enqueue` returns.
    state.waiters.queued(&rec.id);
    state.store.enqueue(&rec).await?;
    tracing::debug!(id = %rec.id, task = task.name(), "job queued");
    // A plot usually ends within milliseconds: answered with its result, the client needs no
    // long-poll (a second request, and its round trips, issue 11). Not ended by then, it is
    // answered queued, without reading its record: the client polls as before.
    let deadline = tokio::time::Instant::now() + hold;
    let reg = state.waiters.register(&rec.id);
    if let Some(ended) = announced_end(&state, &reg, &rec.id, deadline).await {
        return respond(&state, StatusCode::CREATED, &req, &rec.id, ended, gzip).await;
    }
    let record = Ended::Json(rec.to_json().into());
    respond(&state, StatusCode::CREATED, &req, &rec.id, record, gzip).await
}

/// The answer about job `id` from its `record` (gzip when compressed and `gzip`: the client takes
/// it); read again as JSON if that was compressed and damaged.
async fn respond(
    state: &JobsState,
    status: StatusCode,
    req: &HttpRequest,
    id: &str,
    record: Ended,
    gzip: bool,
) -> Result<HttpResponse, ApiError> {
    if let Some(answer) = answer::one_job(status, req, id, &record, gzip) {
        return Ok(answer);
    }
    tracing::warn!(id, "compressed job answer damaged, reading the record");
    let stored = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("No job with id `{id}`")))?;
    answer::one_job(status, req, id, &stored, gzip)
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Job record unreadable"))
}

/// The message for a task about a run the processed-run list does not hold, if it is one. When
/// the list cannot be read the task is queued, and its job reports why.
fn unknown_run(task: &Task, data: &RunData) -> Option<String> {
    let run = task.run()?;
    let (list, _) = data.runs().ok()?;
    list.check(run).err()
}

#[derive(Deserialize)]
struct WaitQuery {
    /// Seconds to wait for the job to end before answering.
    wait: Option<f64>,
}

impl WaitQuery {
    /// How long to wait: `wait`, at most [`MAX_WAIT_SECS`]; `absent` when not given.
    fn duration_or(&self, absent: Duration) -> Result<Duration, ApiError> {
        let Some(wait) = self.wait else {
            return Ok(absent);
        };
        if !wait.is_finite() || wait < 0.0 {
            return Err(ApiError::bad_request("wait must be a number of seconds"));
        }
        Ok(Duration::from_secs_f64(wait.min(MAX_WAIT_SECS)))
    }
}

async fn get_job(
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<WaitQuery>,
    state: web::Data<JobsState>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let unknown = || ApiError::not_found(format!("No job with id `{id}`"));
    if !is_job_id(&id) {
        return Err(unknown());
    }
    let deadline = tokio::time::Instant::now() + query.duration_or(Duration::ZERO)?;
    let gzip = answer::takes_gzip(&req);
    let rec = wait_for_end(&state, &id, deadline)
        .await?
        .ok_or_else(unknown)?;
    respond(&state, StatusCode::OK, &req, &id, rec, gzip).await
}

/// The job's record as soon as it is finished or failed (compressed when large), or at
/// `deadline` as it then is. `None`: no such job (or not a record of ours).
async fn wait_for_end(
    state: &JobsState,
    id: &str,
    deadline: tokio::time::Instant,
) -> Result<Option<Ended>, ApiError> {
    let reg = state.waiters.register(id);
    // Queued here and not yet announced: it has not ended, and its end will be announced here.
    // Its record is read only to answer at the deadline, or should the subscription drop.
    if let Some(ended) = announced_end(state, &reg, id, deadline).await {
        return Ok(Some(ended));
    }
    loop {
        // Listen before reading, so an end published in between is not missed.
        let woken = reg.slot.notify.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        // A worker's announcement carries the final record, whether it came while this request
        // waited or just before it arrived: no need to read it back.
        if let Some(ended) = reg
            .slot
            .ended()
            .or_else(|| state.waiters.recently_ended(id))
        {
            return Ok(Some(ended));
        }
        let Some(rec) = state.store.get(id).await? else {
            return Ok(None);
        };
        if rec.is_final() {
            return Ok(Some(rec));
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep_until(deadline) => return Ok(Some(rec)),
        }
    }
}

/// The final record of job `id` when its end is announced here before `deadline`, without
/// reading Redis (`reg`: the caller's registration on `id`). `None` at the deadline, or at once
/// when its end might not be announced here (queued by another velo-web, or the subscription
/// dropped since).
async fn announced_end(
    state: &JobsState,
    reg: &Registration<'_>,
    id: &str,
    deadline: tokio::time::Instant,
) -> Option<Ended> {
    loop {
        let woken = reg.slot.notify.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        let ended = || {
            reg.slot
                .ended()
                .or_else(|| state.waiters.recently_ended(id))
        };
        if let Some(ended) = ended() {
            return Some(ended);
        }
        if !state.waiters.announces(id) {
            // It may have been announced since the look above.
            return ended();
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}
