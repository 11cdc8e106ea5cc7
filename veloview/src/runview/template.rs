//! Plot name templates in the original configuration's syntax: Python `str.format` with the
//! sensor number as the only argument. The original configuration uses `{0}` and `{0:03d}`;
//! `{{` and `}}` stand for literal braces, as in Python. Anything else in braces is refused,
//! where Python would have failed (or silently done something else) at request time.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Sensor,
    /// Zero-padded to three digits.
    Sensor03,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(template: &str) -> Result<Template, String> {
        let bad = |what: &str| format!("plot name template {template:?}: {what}");
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            text.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(r) = tail.strip_prefix("{{") {
                text.push('{');
                rest = r;
            } else if let Some(r) = tail.strip_prefix("}}") {
                text.push('}');
                rest = r;
            } else if tail.starts_with('}') {
                return Err(bad("unmatched '}' (write '}}' for a literal brace)"));
            } else {
                let end = tail
                    .find('}')
                    .ok_or_else(|| bad("unmatched '{' (write '{{' for a literal brace)"))?;
                let part = match &tail[..=end] {
                    "{0}" => Part::Sensor,
                    "{0:03d}" => Part::Sensor03,
                    field => {
                        return Err(bad(&format!(
                        "unsupported field {field:?} (only {{0}} and {{0:03d}}, the sensor number)"
                    )))
                    }
                };
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(part);
                rest = &tail[end + 1..];
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// Whether the sensor number appears in the name.
    pub fn uses_sensor(&self) -> bool {
        self.parts.iter().any(|p| !matches!(p, Part::Text(_)))
    }

    pub fn render(&self, sensor: u32) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Sensor => out.push_str(&sensor.to_string()),
                Part::Sensor03 => out.push_str(&format!("{sensor:03}")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(t: &str, s: u32) -> String {
        Template::parse(t).unwrap().render(s)
    }

    #[test]
    fn the_original_fields() {
        assert_eq!(render("a/TELL1_{0:03d}/b", 5), "a/TELL1_005/b");
        assert_eq!(render("a/TELL1_{0:03d}/b", 105), "a/TELL1_105/b");
        assert_eq!(render("a/TELL1_{0:03d}/b", 1234), "a/TELL1_1234/b");
        assert_eq!(render("OccPerChannelSens{0}", 64), "OccPerChannelSens64");
        assert_eq!(render("{0}-{0:03d}{0}", 7), "7-0077");
        assert_eq!(render("Velo/# VELO clusters", 7), "Velo/# VELO clusters");
        assert_eq!(render("", 7), "");
    }

    #[test]
    fn braces_escape_as_in_python() {
        assert_eq!(render("a{{b}}c{0}", 3), "a{b}c3");
        assert_eq!(render("{{0}}", 3), "{0}");
    }

    #[test]
    fn sensor_use() {
        assert!(Template::parse("x{0}").unwrap().uses_sensor());
        assert!(Template::parse("x{0:03d}").unwrap().uses_sensor());
        assert!(!Template::parse("x{{0}}").unwrap().uses_sensor());
    }

    #[test]
    fn anything_else_is_refused() {
        for t in [
            "{1}", "{}", "{0:3d}", "{0!r}", "{name}", "a{0", "a}b", "{", "}", "{0}}", "{{0}",
        ] {
            let err = Template::parse(t).unwrap_err();
            assert!(err.contains(&format!("{t:?}")), "{t}: {err}");
        }
    }
}
