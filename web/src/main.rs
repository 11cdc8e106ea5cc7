use velo_config::Settings;
use velo_web::Application;

const USAGE: &str = "usage:
  velo-web                  serve the pages and the jobs and data-quality APIs
  velo-web token NAME       print a new API token for a script (and, on stderr, its line for
                            api_tokens_file)
  velo-web import-dq FILE   record evaluations and run info given as JSON in the results store
Settings: config/velo.toml, overridden by REDIS_URL, PORT, VELO_RUN_DATA_DIR, VELO_RUN_LIST_FILE
and VELO_<KEY> for every key.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("token") => return new_token(&args[1..]),
        Some("import-dq") => return import_dq(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return Ok(());
        }
        // Settings come from config/velo.toml and the environment, not from arguments: one
        // given here would be ignored, and the server started as the user did not mean.
        Some(other) => anyhow::bail!("unknown argument {other}\n{USAGE}"),
        None => {}
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
    // A comment line first: `2>>api_tokens.txt` appends a valid block.
    eprintln!(
        "# {name}: added {} UTC; revoke by deleting the next line\n{line}",
        velo_web::pages::utc(now_ms())
    );
    Ok(())
}

/// `velo-web import-dq FILE`: record evaluations and run info given as JSON
/// (`{"evaluations": [...], "run_info": [...]}`, the store's own records) into
/// `dq_database_url`: results made elsewhere, and the fixtures of the browser tests.
fn import_dq(args: &[String]) -> anyhow::Result<()> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Import {
        #[serde(default)]
        evaluations: Vec<velo_dqstore::NewEvaluation>,
        #[serde(default)]
        run_info: Vec<velo_dqstore::RunInfo>,
    }
    let [file] = args else {
        anyhow::bail!("usage: velo-web import-dq FILE.json");
    };
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let data: Import = serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let settings = Settings::load()?;
    let store = velo_dqstore::Store::open(&settings.dq_database_url)?;
    store.put_run_info(&data.run_info)?;
    for e in &data.evaluations {
        store.record(e)?;
    }
    eprintln!(
        "imported {} evaluations and {} run infos",
        data.evaluations.len(),
        data.run_info.len()
    );
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
