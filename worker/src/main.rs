use velo_config::Settings;
use velo_worker::Worker;

// One thread for the queue and Redis work: a job hands its decoding to a blocking thread, and
// every other step is a short wait on Redis, which one thread serves without cross-thread
// wake-ups (a multi-threaded runtime spent more CPU switching threads than working).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    velo_log::init(&settings)?;
    let worker = Worker::build(settings)?;
    tracing::info!(id = worker.id(), "velo-worker starting");
    worker.run_until(velo_worker::signals::terminated()).await
}
