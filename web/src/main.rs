use velo_config::Settings;
use velo_web::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        return new_token(&args[1..]);
    }
    let settings = Settings::load()?;
    velo_log::init(&settings)?;
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), "velo-web listening");
    app.run_until_stopped().await?;
    Ok(())
}

/// `velo-web token NAME`: a new API token for a script. The token goes to stdout (shown once,
/// never stored); the line for `api_tokens_file`, which holds only its hash, to stderr.
fn new_token(args: &[String]) -> anyhow::Result<()> {
    let [name] = args else {
        anyhow::bail!("usage: velo-web token NAME   (NAME: one word naming the script or user)");
    };
    let (token, line) = velo_web::dq::auth::new_token(name)?;
    println!("{token}");
    eprintln!("Add this line to the api_tokens_file (revoke: delete the line):\n{line}");
    Ok(())
}
