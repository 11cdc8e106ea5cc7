//! Node key and variable patterns: `*` stands for any run of characters (dots included, so
//! `noise.*` is everything below `noise`), `?` for one character; anything else is itself.

/// A checked pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob(String);

impl Glob {
    /// Patterns name node keys and trended variables: the key characters, dots and wildcards.
    pub fn parse(text: &str) -> Result<Glob, String> {
        let ok = !text.is_empty()
            && text.len() <= 256
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.*?".contains(&b));
        if ok {
            Ok(Glob(text.to_string()))
        } else {
            Err(format!(
                "{text:?} is not a pattern: 1-256 of A-Z, a-z, 0-9, '_', '-', '.', '*' and '?'"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, s: &str) -> bool {
        // The classic two-pointer wildcard match: linear in practice, no recursion, so no
        // pattern can make it blow up.
        let (p, s) = (self.0.as_bytes(), s.as_bytes());
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
                pi += 1;
                si += 1;
            } else if pi < p.len() && p[pi] == b'*' {
                star = Some((pi, si));
                pi += 1;
            } else if let Some((sp, ss)) = star {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&b| b == b'*')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let g = |p: &str| Glob::parse(p).unwrap();
        assert!(g("noise.*").matches("noise.noise_level.TELL1_005"));
        assert!(!g("noise.*").matches("noise"));
        assert!(g("noise*").matches("noise"));
        assert!(g("*.mean_content").matches("a.b.mean_content"));
        assert!(!g("*.mean_content").matches("a.b.rms_content"));
        assert!(g("a?c").matches("abc") && !g("a?c").matches("ac"));
        assert!(g("*a*b*").matches("xxaxxbxx"));
        assert!(g("exact").matches("exact") && !g("exact").matches("exactly"));
        assert!(Glob::parse("a b").is_err() && Glob::parse("").is_err());
        assert!(Glob::parse("a/b").is_err());
    }
}
