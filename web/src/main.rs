use velo_config::Settings;
use velo_web::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let settings = Settings::load()?;
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "velo-web listening");
    app.run_until_stopped().await?;
    Ok(())
}
