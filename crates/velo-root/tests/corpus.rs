//! Every key and every histogram of the shared corpus, read as an independent reader read them.

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use velo_root::{dump, RootFile};

#[test]
fn every_key_is_listed_with_its_class() {
    for (file, doc) in common::corpus() {
        let f = RootFile::open(&file).unwrap();
        let listed: BTreeMap<String, String> = f
            .walk()
            .unwrap()
            .into_iter()
            .map(|e| (format!("{};{}", e.path, e.key.cycle), e.key.class))
            .collect();
        let expected: BTreeMap<String, String> = doc["keys"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert_eq!(listed, expected, "{}", file.display());
    }
}

#[test]
fn every_histogram_matches_the_independent_reader() {
    let mut checked = 0;
    for (file, doc) in common::corpus() {
        let f = RootFile::open(&file).unwrap();
        for exp in doc["histograms"].as_array().unwrap() {
            let path = exp["path"].as_str().unwrap();
            if exp.get("supported") == Some(&Value::Bool(false)) {
                let err = f.histogram(path).unwrap_err();
                assert!(err.is_unsupported(), "{}: {err}", file.display());
                let msg = err.to_string();
                assert!(msg.contains(exp["class"].as_str().unwrap()), "{msg}");
                assert!(msg.contains(&*file.to_string_lossy()), "{msg}");
                continue;
            }
            let h = f
                .histogram(path)
                .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
            let mut exp = exp.clone();
            exp.as_object_mut().unwrap().remove("layout");
            common::compare(&exp, &dump::histogram(path, &h), path)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            checked += 1;
        }
    }
    // 16 histograms in each of the five peer files, 23 in the ROOT-written ones.
    assert!(checked >= 100, "only {checked} histograms checked");
}
