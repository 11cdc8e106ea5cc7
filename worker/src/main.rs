use velo_config::Settings;
use velo_worker::Worker;

const USAGE: &str = "usage: velo-worker
Runs plot jobs from the Redis queue and evaluates runs' data quality, until SIGTERM or SIGINT
(running jobs finish first). Run as many as the machine's cores allow.
Settings: config/velo.toml, overridden by REDIS_URL, VELO_RUN_DATA_DIR, VELO_RUN_LIST_FILE and
VELO_<KEY> for every key.";

// One thread for the queue and Redis work: a job hands its decoding to a blocking thread, and
// every other step is a short wait on Redis, which one thread serves without cross-thread
// wake-ups (a multi-threaded runtime spent more CPU switching threads than working).
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => anyhow::bail!("unknown argument {other}\n{USAGE}"),
        None => {}
    }
    let settings = Settings::load()?;
    velo_log::init(&settings)?;
    let worker = Worker::build(settings)?;
    tracing::info!(id = worker.id(), "velo-worker starting");
    worker.run_until(velo_worker::signals::terminated()).await
}
