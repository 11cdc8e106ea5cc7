//! Our shortcuts through apalis-redis' queue leave it as apalis itself would: velo-jobs pushes a
//! task with plain commands in the submission's pipeline, and a worker runs apalis' fetch script
//! pipelined behind its wait for a token. Checked against apalis' own push and fetch, on a real
//! Redis.

use apalis_core::backend::TaskSink;
use apalis_core::worker::context::WorkerContext;
use apalis_redis::RedisStorage;
use redis::AsyncCommands;
use std::collections::HashMap;
use velo_jobs::{new_job_id, JobRecord, QueueMessage};
use velo_testkit::RedisServer;

async fn connect(redis: &RedisServer) -> redis::aio::ConnectionManager {
    let client = redis::Client::open(redis.url()).unwrap();
    velo_jobs::connection_manager(&client).await.unwrap()
}

#[tokio::test]
async fn a_task_is_queued_as_apalis_queues_it() {
    let redis = RedisServer::start();
    let mut conn = connect(&redis).await;
    let config = velo_jobs::queue::config();

    let theirs = QueueMessage {
        job_id: new_job_id(),
        task_name: "debug.sleep".into(),
        args: serde_json::json!({"ms": 1}),
        queued_at: Some(5),
    };
    let mut storage = RedisStorage::<QueueMessage>::new(conn.clone()).with_config(config.clone());
    storage.push(theirs.clone()).await.unwrap();
    let rec = JobRecord::queued(new_job_id(), "debug.sleep", serde_json::json!({"ms": 2}));
    velo_jobs::queue::enqueue(&mut conn, &rec, 60)
        .await
        .unwrap();

    // apalis' push files every task as scheduled, due now (`run_at` is never before now), for its
    // fetch to move to the active list; ours takes the script's branch for a task due now.
    let active: Vec<String> = conn.lrange(config.active_jobs_list(), 0, -1).await.unwrap();
    assert_eq!(
        active,
        std::slice::from_ref(&rec.id),
        "our task id is the job id"
    );
    let scheduled: Vec<String> = conn
        .zrange(config.scheduled_jobs_set(), 0, -1)
        .await
        .unwrap();
    assert_eq!(scheduled.len(), 1);
    let meta = |id: &str| format!("{}:{id}", config.job_meta_hash());
    let their_meta: HashMap<String, String> = conn.hgetall(meta(&scheduled[0])).await.unwrap();
    let our_meta: HashMap<String, String> = conn.hgetall(meta(&rec.id)).await.unwrap();
    assert_eq!(our_meta, their_meta);
    assert_eq!(our_meta["status"], "Pending");
    let signal: Vec<String> = conn.lrange(config.signal_list(), 0, -1).await.unwrap();
    assert_eq!(signal, ["1"], "apalis' signal, as its push leaves it");
    let data: HashMap<String, Vec<u8>> = conn.hgetall(config.job_data_hash()).await.unwrap();
    assert_eq!(data.len(), 2);
    let ours: QueueMessage = serde_json::from_slice(&data[&rec.id]).unwrap();
    assert_eq!(ours.job_id, rec.id);
    let token: Vec<String> = conn.lrange(velo_jobs::keys::WAKE, 0, -1).await.unwrap();
    assert_eq!(token.len(), 1, "one token, for our job");

    // apalis' own fetch hands both out alike.
    let worker = WorkerContext::new("layout-test");
    let _: () = conn
        .zadd(config.workers_set(), worker.name(), 1)
        .await
        .unwrap();
    let tasks = apalis_redis::queries::fetch_next(&mut conn, &worker, &config)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 2);
    let messages: Vec<QueueMessage> = tasks
        .iter()
        .map(|t| serde_json::from_slice(&t.args).unwrap())
        .collect();
    // Promoted from the scheduled set behind ours.
    assert_eq!(messages[1], theirs);
    assert_eq!(
        messages[0],
        QueueMessage {
            job_id: rec.id.clone(),
            task_name: rec.task_name.clone(),
            args: rec.args.clone(),
            queued_at: Some(rec.queued_at),
        }
    );
    assert_eq!(tasks[0].task_id().unwrap().to_string(), rec.id);
    assert_eq!(tasks[0].attempt(), 0);
    let queued: Option<String> = conn.get(velo_jobs::keys::job(&rec.id)).await.unwrap();
    assert_eq!(queued.unwrap(), rec.to_json());
}

/// The worker's copy of apalis' fetch script is apalis' own, byte for byte: once apalis' fetch
/// has loaded its script, ours runs by its SHA-1 without being loaded, and takes a task queued
/// after it with the keys and arguments apalis passes.
#[tokio::test]
async fn the_fetch_script_is_apalis_own() {
    let redis = RedisServer::start();
    let mut conn = connect(&redis).await;
    let config = velo_jobs::queue::config().batch_size(1);
    let worker = WorkerContext::new("fetch-test");
    let _: () = conn
        .zadd(config.workers_set(), worker.name(), 1)
        .await
        .unwrap();
    let none = apalis_redis::queries::fetch_next(&mut conn, &worker, &config)
        .await
        .unwrap();
    assert!(none.is_empty());

    let rec = JobRecord::queued(new_job_id(), "debug.sleep", serde_json::json!({"ms": 3}));
    velo_jobs::queue::enqueue(&mut conn, &rec, 60)
        .await
        .unwrap();
    let fetched: Vec<redis::Value> = velo_worker::fetch::fetch_command(&config, &worker)
        .query_async(&mut conn)
        .await
        .expect("our script is loaded already: it is apalis'");
    let tasks = apalis_redis::queries::deserialize_with_meta(fetched).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].task_id.to_string(), rec.id);
    let inflight: Vec<String> = conn
        .smembers(config.inflight_set_for(&worker))
        .await
        .unwrap();
    assert_eq!(inflight, std::slice::from_ref(&rec.id));
}
