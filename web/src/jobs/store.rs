//! velo-web's side of Redis: job records, the recent-jobs index, the request cache and the apalis
//! queue. The connection is made on first use and re-made by redis' ConnectionManager after a
//! Redis restart, so velo-web starts and keeps serving whether or not Redis is up.

use super::error::ApiError;
use redis::aio::ConnectionManager;
use redis::AsyncCommands;
use std::sync::LazyLock;
use tokio::sync::OnceCell;
use velo_jobs::record::Ended;
use velo_jobs::{is_job_id, keys, metrics, JobRecord};

/// See `lua/claim_cache.lua`.
static CLAIM_SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("lua/claim_cache.lua")));

/// `GET /jobs` lists at most this many of the newest jobs.
const RECENT_LIMIT: isize = 100;

pub struct Store {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    ttl_secs: u64,
}

impl Store {
    pub fn new(redis_url: &str, ttl_secs: u64) -> anyhow::Result<Store> {
        Ok(Store {
            client: redis::Client::open(redis_url)?,
            conn: OnceCell::new(),
            ttl_secs: ttl_secs.max(1),
        })
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    pub async fn conn(&self) -> Result<ConnectionManager, ApiError> {
        self.connect().await.map_err(ApiError::unavailable)
    }

    /// As [`Store::conn`], with Redis' own error (what `/healthz` tells an operator).
    pub async fn connect(&self) -> redis::RedisResult<ConnectionManager> {
        self.conn
            .get_or_try_init(|| velo_jobs::connection_manager(&self.client))
            .await
            .cloned()
    }

    /// The job's record as stored: JSON, not parsed (a plot's result passes through), or a
    /// large final one's compressed tail. `None`: no such record (or not one of ours).
    pub async fn get(&self, id: &str) -> Result<Option<Ended>, ApiError> {
        let stored: Option<Vec<u8>> = self
            .conn()
            .await?
            .get(keys::job(id))
            .await
            .map_err(ApiError::unavailable)?;
        Ok(stored.and_then(Ended::from_stored))
    }

    /// The newest jobs whose records have not yet expired, newest first.
    pub async fn recent(&self) -> Result<Vec<JobRecord>, ApiError> {
        let mut conn = self.conn().await?;
        let ids: Vec<String> = conn
            .zrevrange(keys::RECENT, 0, RECENT_LIMIT - 1)
            .await
            .map_err(ApiError::unavailable)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let job_keys: Vec<String> = ids.iter().map(|id| keys::job(id)).collect();
        let stored: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
            .arg(&job_keys)
            .query_async(&mut conn)
            .await
            .map_err(ApiError::unavailable)?;
        Ok(stored
            .into_iter()
            .flatten()
            .filter_map(Ended::from_stored)
            .filter_map(|r| serde_json::from_str(&r.json()?).ok())
            .collect())
    }

    /// Claim the cache entry `digest` for the job `rec`. Returns the job already holding it,
    /// failed or not: the digest names the run file's identity, so a plot that failed on this
    /// file (timed out, crashed or killed its workers) would only fail again, and every page view
    /// would cost a worker another turn. A new or rewritten file has a new digest and is tried
    /// afresh.
    ///
    /// One script (`lua/claim_cache.lua`), so the claim is atomic: a request that finds the entry
    /// taken finds the holder's record (ten shifters opening one page at once share one job),
    /// and a holder whose record is gone has expired, so the entry is taken over.
    ///
    /// The holder comes back as its id and record as stored.
    pub async fn claim_cache(
        &self,
        digest: &str,
        rec: &JobRecord,
    ) -> Result<Option<(String, Ended)>, ApiError> {
        let mut conn = self.conn().await?;
        let found: Option<(String, Vec<u8>)> = CLAIM_SCRIPT
            .key(keys::cache(digest))
            .key(keys::job(&rec.id))
            .key(metrics::COUNTERS)
            .arg(&rec.id)
            .arg(rec.to_json())
            .arg(self.ttl_secs)
            .arg(metrics::cache_hit(&rec.task_name))
            .arg(keys::job(""))
            .invoke_async(&mut conn)
            .await
            .map_err(ApiError::unavailable)?;
        let Some((holder, stored)) = found else {
            return Ok(None);
        };
        if let Some(existing) = Ended::from_stored(stored).filter(|_| is_job_id(&holder)) {
            return Ok(Some((holder, existing)));
        }
        // Not a record of ours: the entry is taken over.
        let _: () = redis::pipe()
            .set_ex(keys::job(&rec.id), rec.to_json(), self.ttl_secs)
            .ignore()
            .set_ex(keys::cache(digest), &rec.id, self.ttl_secs)
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(ApiError::unavailable)?;
        Ok(None)
    }

    /// Record the job as queued, then hand it to the workers.
    pub async fn enqueue(&self, rec: &JobRecord) -> Result<(), ApiError> {
        let mut conn = self.conn().await?;
        velo_jobs::queue::enqueue(&mut conn, rec, self.ttl_secs)
            .await
            .map_err(ApiError::unavailable)
    }
}
