//! Synthetic evaluations for tests and benchmarks: a top node, top-level branches and one leaf
//! per branch whose histogram path is a run-view plot of config/pages.toml.

#![allow(dead_code)]

use serde_json::json;
use velo_dqstore::{EvalOutcome, NewEvaluation, NodeRecord};

/// A top-level branch: key, title, score, level; its leaf judges `leaf_path` of `sensor`.
pub struct Branch<'a> {
    pub key: &'a str,
    pub title: &'a str,
    pub score: f64,
    pub level: &'a str,
    pub leaf_path: &'a str,
    pub sensor: Option<u32>,
}

pub fn noise(score: f64, level: &'static str) -> Branch<'static> {
    Branch {
        key: "noise",
        title: "Noise",
        score,
        level,
        leaf_path: "Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip",
        sensor: Some(5),
    }
}

pub fn clusters(score: f64, level: &'static str) -> Branch<'static> {
    Branch {
        key: "clusters",
        title: "Clusters",
        score,
        level,
        leaf_path: "Velo/VeloClusterMonitor/Cluster size",
        sensor: None,
    }
}

fn node(key: &str, parent: Option<&str>, title: &str, score: f64, level: &str) -> NodeRecord {
    let bad = u32::from(level != "OK");
    NodeRecord {
        key: key.into(),
        parent: parent.map(Into::into),
        title: title.into(),
        sensor: None,
        check: None,
        path: None,
        score,
        level: level.into(),
        warnings: bad,
        errors: u32::from(level == "ERROR"),
        weight: 1.0,
        details: json!({}),
    }
}

pub fn evaluation(run: u32, at_ms: i64, branches: &[Branch]) -> NewEvaluation {
    let worst = branches
        .iter()
        .map(|b| b.level)
        .max_by_key(|l| match *l {
            "ERROR" => 2,
            "WARNING" => 1,
            _ => 0,
        })
        .unwrap_or("OK");
    let score = branches.iter().map(|b| b.score).sum::<f64>() / branches.len().max(1) as f64;
    let mut nodes = vec![node("", None, "VELO", score, worst)];
    let mut trends = vec![("score".to_string(), score)];
    for b in branches {
        nodes.push(node(b.key, Some(""), b.title, b.score, b.level));
        let mut leaf = node(
            &format!("{}.leaf", b.key),
            Some(b.key),
            &format!("{} check", b.title),
            b.score,
            b.level,
        );
        leaf.sensor = b.sensor;
        leaf.check = Some("mean_width_diff_ref".into());
        leaf.path = Some(b.leaf_path.into());
        leaf.details = json!({
            "args": 0.1, "measured": {"mean": 2.5, "rms": 0.7},
            "thresholds": {"warning": 80, "error": 50},
            "bad_channels": [{"bin": 12, "x": 11.5, "content": 0.0, "reason": "dead"}],
        });
        nodes.push(leaf);
        trends.push((format!("{}.score", b.key), b.score));
    }
    NewEvaluation {
        run,
        file_path: format!("/data/run{run}.root"),
        file_size: 1000,
        file_mtime_ns: 1,
        config_digest: "digest-1".into(),
        reference_run: Some(run.saturating_sub(1)),
        evaluated_at_ms: at_ms,
        outcome: EvalOutcome::Evaluated {
            score,
            level: worst.into(),
            nodes,
            trends,
        },
    }
}

pub fn failed(run: u32, at_ms: i64, message: &str) -> NewEvaluation {
    NewEvaluation {
        outcome: EvalOutcome::Failed {
            message: message.into(),
        },
        ..evaluation(run, at_ms, &[])
    }
}

/// Add a per-sensor leaf to `e` as veloview records one: a branch `<branch>.<leaf>` with one
/// leaf per sensor `<branch>.<leaf>.TELL1_NNN` judging `path` (`{}` is the 3-digit sensor),
/// each at the level `level(sensor)` and trending `<sensor leaf>.mean_content` =
/// `value(sensor)`.
pub fn with_sensor_leaf(
    mut e: NewEvaluation,
    branch: &str,
    leaf: &str,
    title: &str,
    path: &str,
    sensors: &[(u32, f64, &str)],
) -> NewEvaluation {
    let EvalOutcome::Evaluated { nodes, trends, .. } = &mut e.outcome else {
        return e;
    };
    let key = format!("{branch}.{leaf}");
    nodes.push(node(&key, Some(branch), title, 100.0, "OK"));
    for &(sensor, value, level) in sensors {
        let sensor_key = format!("{key}.TELL1_{sensor:03}");
        let mut n = node(
            &sensor_key,
            Some(&key),
            &format!("{title}, sensor {sensor}"),
            if level == "OK" { 100.0 } else { 30.0 },
            level,
        );
        n.sensor = Some(sensor);
        n.check = Some("mean_ac".into());
        n.path = Some(path.replace("{}", &format!("{sensor:03}")));
        nodes.push(n);
        trends.push((format!("{sensor_key}.mean_content"), value));
        trends.push((format!("{sensor_key}.score"), 100.0));
    }
    e
}
