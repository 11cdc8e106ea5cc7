//! The scripts pages carry inline, and their CSP sources (`'sha256-…'`): the policy allows exactly
//! these texts, so the template must insert them unchanged (`| safe`, no whitespace added).

use base64::Engine;
use sha2::{Digest, Sha256};

/// Posts the run view's plot jobs while the page is parsed (see the file's own comment).
const SCRIPTS: &[(&str, &str)] = &[("plot_jobs.js", include_str!("../../static/plot_jobs.js"))];

pub fn inline_script(name: &str) -> Option<&'static str> {
    SCRIPTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// `'sha256-<base64>'` for every inline script, space-separated, for `script-src`.
pub fn script_sources() -> String {
    SCRIPTS
        .iter()
        .map(|(_, text)| {
            let digest = Sha256::digest(text.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_the_base64_sha256_of_the_text() {
        // echo -n "alert(1)" | openssl dgst -sha256 -binary | base64
        let digest = Sha256::digest(b"alert(1)");
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(digest),
            "bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
        assert!(script_sources().starts_with("'sha256-"));
        assert!(inline_script("plot_jobs.js")
            .unwrap()
            .contains("veloPlotJobs"));
        assert!(inline_script("nope.js").is_none());
    }
}
