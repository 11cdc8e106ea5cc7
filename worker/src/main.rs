use velo_config::Settings;
use velo_worker::Worker;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    velo_log::init(&settings)?;
    let worker = Worker::build(settings)?;
    tracing::info!(id = worker.id(), "velo-worker starting");
    worker.run_until(velo_worker::signals::terminated()).await
}
