//! `veloview alarms check [--config F] [--run RUN]`: validate the alarm rules and, with a run,
//! show which would fire on its stored evaluation (a dry run: nothing is recorded).

use std::path::PathBuf;
use veloview::alarms::record::judge_stored;
use veloview::alarms::AlarmRules;

pub const USAGE: &str = "  veloview alarms check [--config F] [--run RUN]
                                check the alarm rules (default: the alarms_config_file setting);
                                with --run, print as JSON which rules fire on the run's stored
                                evaluation, recording nothing";

pub fn run(args: &[String]) -> Result<(), String> {
    if args.first().map(String::as_str) != Some("check") {
        return Err(format!("usage:\n{USAGE}"));
    }
    let (mut config, mut run) = (None, None);
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value\nusage:\n{USAGE}"))
        };
        match a.as_str() {
            "--config" => config = Some(PathBuf::from(value("--config")?)),
            "--run" => {
                let v = value("--run")?;
                run = Some(
                    v.parse::<u32>()
                        .map_err(|_| format!("--run {v:?} is not a run number"))?,
                );
            }
            other => return Err(format!("unexpected argument {other:?}\nusage:\n{USAGE}")),
        }
    }
    let settings = velo_config::Settings::load().map_err(|e| e.to_string())?;
    let path = config.unwrap_or_else(|| settings.alarms_config_file.clone());
    let rules = AlarmRules::load(&path)?;
    let Some(run) = run else {
        let mut kinds: Vec<(&str, usize)> = Vec::new();
        for r in &rules.rules {
            match kinds.iter_mut().find(|(k, _)| *k == r.kind.name()) {
                Some((_, n)) => *n += 1,
                None => kinds.push((r.kind.name(), 1)),
            }
        }
        let by_kind: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!(
            "{}: {} rules ({})",
            path.display(),
            rules.rules.len(),
            by_kind.join(", ")
        );
        return Ok(());
    };
    let store = velo_dqstore::Store::open(&settings.dq_database_url).map_err(|e| e.to_string())?;
    let fired = judge_stored(&store, &rules, run)?
        .ok_or_else(|| format!("run {run} has no evaluated result in the store"))?;
    let out = serde_json::json!({
        "run": run,
        "rules": rules.per_run().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        "firing": fired,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
    );
    Ok(())
}
