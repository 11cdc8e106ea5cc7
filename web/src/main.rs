use velo_config::Settings;
use velo_web::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    velo_log::init(&settings)?;
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "velo-web listening");
    app.run_until_stopped().await?;
    Ok(())
}
