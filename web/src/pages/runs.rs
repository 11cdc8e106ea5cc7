//! Stand-ins for the run model (`veloview::runview`, branch `runmodel`): the run list, valid
//! sensors, nearby runs and the run view page configuration. Replace with the library's API when
//! it lands on main; the pages only use the functions below.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Processed runs, newest first. A missing or unreadable list is an empty one: the pages say so
/// rather than fail.
pub fn run_list(file: &Path) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let mut runs: Vec<u32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    runs.sort_unstable_by(|a, b| b.cmp(a));
    runs.dedup();
    runs
}

/// R sensors 0–41, Φ sensors 64–105, pile-up sensors 128–131.
pub fn valid_sensor(sensor: u32) -> bool {
    matches!(sensor, 0..=41 | 64..=105 | 128..=131)
}

/// Every valid sensor, in order, with its kind, for the sensor datalist.
pub fn sensors() -> impl Iterator<Item = (u32, &'static str)> {
    (0..=131).filter(|&s| valid_sensor(s)).map(|s| {
        let kind = match s {
            0..=41 => "R sensor",
            64..=105 => "Φ sensor",
            _ => "Pile-up sensor",
        };
        (s, kind)
    })
}

/// The R sensor facing a Φ sensor and vice versa (±64), as the original's selector computed it.
pub fn corresponding_sensor(sensor: u32) -> Option<(u32, &'static str)> {
    match sensor {
        0..=41 => Some((sensor + 64, "Φ")),
        64..=105 => Some((sensor - 64, "R")),
        _ => None,
    }
}

/// The VELO layout dialog's columns, as the original drew it: each half of the detector as an R
/// and a Φ column, then the pile-up sensors.
pub fn velo_layout() -> Vec<(&'static str, Vec<u32>)> {
    vec![
        ("R", (0..21).collect()),
        ("Φ", (64..85).collect()),
        ("R", (21..42).collect()),
        ("Φ", (85..106).collect()),
        ("Pile-up", (128..132).collect()),
    ]
}

/// Up to `distance` runs either side of `run` in `runs` (newest first), `run` included.
pub fn nearby_runs(run: u32, runs: &[u32], distance: usize) -> &[u32] {
    match runs.iter().position(|&r| r == run) {
        Some(i) => &runs[i.saturating_sub(distance)..(i + distance + 1).min(runs.len())],
        None => &[],
    }
}

/// One page of the run view, as `config/pages.toml` describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RunViewPage {
    pub key: String,
    pub title: String,
    #[serde(default, rename = "plot")]
    pub plots: Vec<PlotConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PlotConfig {
    pub title: String,
    pub name: String,
    #[serde(default)]
    pub short: Option<String>,
    #[serde(default)]
    pub sensor_dependent: bool,
    #[serde(default)]
    pub options: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct PagesFile {
    #[serde(default)]
    page: Vec<RunViewPage>,
}

/// The run view pages, in sidebar order.
pub fn load_pages(file: &Path) -> anyhow::Result<Vec<RunViewPage>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("run view pages {}: {e}", file.display()))?;
    let parsed: PagesFile = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("run view pages {}: {e}", file.display()))?;
    Ok(parsed.page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearby_runs_are_clipped_at_both_ends() {
        let runs = [9, 8, 7, 6, 5, 4, 3, 2, 1];
        assert_eq!(nearby_runs(5, &runs, 3), &[8, 7, 6, 5, 4, 3, 2]);
        assert_eq!(nearby_runs(9, &runs, 3), &[9, 8, 7, 6]);
        assert_eq!(nearby_runs(1, &runs, 3), &[4, 3, 2, 1]);
        assert!(nearby_runs(10, &runs, 3).is_empty());
    }

    #[test]
    fn sensors_and_their_partners() {
        assert!(valid_sensor(0) && valid_sensor(41) && valid_sensor(64) && valid_sensor(131));
        assert!(!valid_sensor(42) && !valid_sensor(63) && !valid_sensor(106) && !valid_sensor(132));
        assert_eq!(sensors().count(), 42 + 42 + 4);
        assert_eq!(corresponding_sensor(3), Some((67, "Φ")));
        assert_eq!(corresponding_sensor(105), Some((41, "R")));
        assert_eq!(corresponding_sensor(128), None);
    }

    #[test]
    fn the_bundled_page_configuration_parses() {
        let pages = load_pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/pages.toml"))
            .unwrap();
        let occupancy = pages.iter().find(|p| p.key == "occupancy").unwrap();
        assert_eq!(occupancy.plots.len(), 5);
        assert!(occupancy.plots[0].sensor_dependent);
        assert_eq!(pages[0].key, "dqs");
    }
}
