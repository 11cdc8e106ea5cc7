//! Plot name templates keep the original configuration's Python `str.format` syntax. Every
//! template veloview accepts must render exactly as Python renders it; what Python refuses,
//! veloview refuses too (veloview also refuses forms the configuration never used, like `{}`).
//! Needs python3.

use std::process::Command;
use veloview::runview::template::Template;

/// Deterministic strings over the characters that matter to the format syntax.
fn samples(n: usize) -> Vec<String> {
    const ALPHABET: &[char] = &['{', '}', '0', ':', '3', 'd', 'x', '/', '1'];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out: Vec<String> = ["{0}", "{0:03d}", "a{{0}}b", "TELL1_{0:03d}/x{0}"]
        .map(String::from)
        .to_vec();
    while out.len() < n {
        let len = (next() % 9) as usize;
        out.push(
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect(),
        );
    }
    out
}

#[test]
fn accepted_templates_render_as_python_does() {
    let cases = samples(3000);
    let script = r#"
import json, sys
out = []
for t in json.load(sys.stdin):
    r = []
    for s in (0, 7, 64, 105):
        try:
            r.append(t.format(s))
        except Exception:
            r = None
            break
    out.append(r)
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    serde_json::to_writer(child.stdin.take().unwrap(), &cases).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let python: Vec<Option<Vec<String>>> = serde_json::from_slice(&out.stdout).unwrap();
    let mut accepted = 0;
    for (t, py) in cases.iter().zip(python) {
        match (Template::parse(t), py) {
            (Ok(tpl), Some(py)) => {
                let ours: Vec<String> = [0, 7, 64, 105].map(|s| tpl.render(s)).to_vec();
                assert_eq!(ours, py, "template {t:?}");
                accepted += 1;
            }
            (Ok(_), None) => panic!("{t:?}: accepted, but Python refuses it"),
            (Err(_), _) => {}
        }
    }
    assert!(
        accepted > 500,
        "only {accepted} samples were valid templates"
    );
}
