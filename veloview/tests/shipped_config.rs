//! The configuration files the project ships: the original run view pages, carried over
//! unchanged, and reference ranges that fit the demo dataset.

use std::path::PathBuf;
use veloview::runview::{Pages, References};

fn config(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../config")
        .join(name)
}

#[test]
fn pages_are_the_original_run_view_pages() {
    let pages = Pages::load(&config("pages.toml")).unwrap();
    let summary: Vec<(&str, &str, usize)> = pages
        .pages()
        .iter()
        .map(|p| (p.key.as_str(), p.title.as_str(), p.plots.len()))
        .collect();
    // veloview/core/run_view_config.py, in order.
    assert_eq!(
        summary,
        [
            ("dqs", "DQS", 0),
            ("pedestals", "Pedestals", 3),
            ("common_mode", "Common mode", 0),
            ("noise", "Noise", 2),
            ("clusters", "Clusters", 4),
            ("occupancy", "Occupancy", 5),
            ("tracks", "Tracks", 0),
            ("vertices", "Vertices", 0),
            ("errors", "Errors", 0),
            ("sensor_overview", "Sensor overview", 0),
        ]
    );
    // velo_monitor/config.py: DEFAULT_CHILDREN['run_view'] = 'run_view/dqs'.
    assert_eq!(pages.default_page().key, "dqs");

    let noise = pages.get("noise").unwrap();
    assert_eq!(
        noise.plots[1].name,
        "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_Strip"
    );
    assert!(noise.plots.iter().all(|p| p.sensor_dependent));
    let clusters = pages.get("clusters").unwrap();
    let c = &clusters.plots[1];
    assert_eq!(
        (c.title.as_str(), c.short.as_str(), c.name.as_str()),
        (
            "Number of strips per cluster",
            "Strips per cluster",
            "Velo/VeloClusterMonitor/Cluster size"
        )
    );
    assert_eq!(c.options["showUncertainties"], true);
    assert!(clusters.plots.iter().all(|p| !p.sensor_dependent));
    let occ = &pages.get("occupancy").unwrap().plots;
    assert_eq!(
        occ[0].name,
        "Velo/VeloOccupancyMonitor/OccPerChannelSens{0}"
    );
    assert!(occ[0].sensor_dependent && !occ[1].sensor_dependent);
    assert_eq!(occ[1].short, occ[1].title, "short defaults to the title");
}

#[test]
fn references_cover_the_demo_runs() {
    let refs = References::load(&config("references.toml")).unwrap();
    // `veloview demo-data` numbers its 20 runs from 123970 by default.
    let demo = 123970..123990;
    for run in demo.clone() {
        let r = refs.reference_for(run).unwrap();
        assert!(demo.contains(&r), "{run} -> {r}");
    }
}
