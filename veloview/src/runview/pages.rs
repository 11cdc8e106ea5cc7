//! The run view pages (config/pages.toml): in sidebar order, each with the plots it shows.
//! Carried over from the original's run_view_config.py, keys and templates unchanged.
//!
//! Unknown fields are refused, so a misspelt `sensor_dependant` fails at start-up instead of
//! silently dropping the sensor selector.

use super::template::Template;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plot {
    pub title: String,
    /// Tab label; the title when the configuration gives none.
    pub short: String,
    /// Object path template in the run file (`{0}` / `{0:03d}` = sensor number).
    pub name: String,
    pub sensor_dependent: bool,
    /// Passed through to the page's plotting code (e.g. `showUncertainties`).
    pub options: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Page {
    /// Used in URLs: `/run_view/RUN/KEY/SENSOR`.
    pub key: String,
    pub title: String,
    pub plots: Vec<Plot>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pages {
    pages: Vec<Page>,
    default: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    default_page: Option<String>,
    #[serde(default)]
    page: Vec<PageDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageDoc {
    key: String,
    title: String,
    #[serde(default)]
    plot: Vec<PlotDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlotDoc {
    title: String,
    short: Option<String>,
    name: String,
    #[serde(default)]
    sensor_dependent: bool,
    #[serde(default)]
    options: Map<String, Value>,
}

/// Keys go into URLs unescaped, so they are kept to characters that need no escaping.
fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Pages {
    /// Parse and check a pages document. `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Pages, String> {
        let doc: FileDoc = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let err = |m: String| format!("{origin}: {m}");
        if doc.page.is_empty() {
            return Err(err("no [[page]] defined".into()));
        }
        let mut seen = HashSet::new();
        let mut pages = Vec::with_capacity(doc.page.len());
        for p in doc.page {
            if !valid_key(&p.key) {
                return Err(err(format!(
                    "page key {:?}: use 1-64 letters, digits, '_' or '-'",
                    p.key
                )));
            }
            if !seen.insert(p.key.clone()) {
                return Err(err(format!("page key {:?} is used twice", p.key)));
            }
            let mut plots = Vec::with_capacity(p.plot.len());
            for plot in p.plot {
                let template =
                    Template::parse(&plot.name).map_err(|e| err(format!("page {}: {e}", p.key)))?;
                if template.uses_sensor() && !plot.sensor_dependent {
                    // The page would ask for sensor 0 whatever sensor the shifter chose.
                    return Err(err(format!(
                        "page {}: plot {:?} uses the sensor number but is not sensor_dependent",
                        p.key, plot.name
                    )));
                }
                plots.push(Plot {
                    short: plot.short.unwrap_or_else(|| plot.title.clone()),
                    title: plot.title,
                    name: plot.name,
                    sensor_dependent: plot.sensor_dependent,
                    options: plot.options,
                });
            }
            pages.push(Page {
                key: p.key,
                title: p.title,
                plots,
            });
        }
        let default = match doc.default_page {
            None => 0,
            Some(key) => pages
                .iter()
                .position(|p| p.key == key)
                .ok_or_else(|| err(format!("default_page {key:?} is not a page key")))?,
        };
        Ok(Pages { pages, default })
    }

    /// Read and check a pages file.
    pub fn load(path: &Path) -> Result<Pages, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Pages::parse(&text, &path.display().to_string())
    }

    /// In sidebar order.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page shown when the URL names none (`default_page`, else the first).
    pub fn default_page(&self) -> &Page {
        &self.pages[self.default]
    }

    pub fn get(&self, key: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original velo-monitor tests' fixture, in TOML.
    const FIXTURE: &str = r#"
default_page = "start_page"

[[page]]
key = "start_page"
title = "Start Page"
[[page.plot]]
title = "Plot one"
name = "plot_one"

[[page]]
key = "other_page"
title = "Other Page"
[[page.plot]]
title = "Sensor plot one"
name = "sensor_plot_one_{0:03d}"
sensor_dependent = true
[[page.plot]]
title = "Sensor plot two"
short = "Snsr plot 2"
name = "sensor_plot_two_{0}"
sensor_dependent = true
options = { showUncertainties = true, yAxisZeroed = false, range = [0, 5], label = "x" }
[[page.plot]]
title = "General plot"
name = "general_plot"

[[page]]
key = "extra_page"
title = "Extra page"
"#;

    #[test]
    fn fixture_in_order() {
        let pages = Pages::parse(FIXTURE, "fixture").unwrap();
        let keys: Vec<&str> = pages.pages().iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["start_page", "other_page", "extra_page"]);
        assert_eq!(pages.default_page().key, "start_page");
        let other = pages.get("other_page").unwrap();
        assert_eq!(other.plots.len(), 3);
        let p0 = &other.plots[0];
        assert_eq!(p0.short, "Sensor plot one");
        assert!(p0.sensor_dependent);
        assert!(p0.options.is_empty());
        let p1 = &other.plots[1];
        assert_eq!(p1.short, "Snsr plot 2");
        assert_eq!(
            Value::Object(p1.options.clone()),
            serde_json::json!({"showUncertainties": true, "yAxisZeroed": false, "range": [0, 5], "label": "x"})
        );
        assert!(!other.plots[2].sensor_dependent);
        assert!(pages.get("extra_page").unwrap().plots.is_empty());
        assert!(pages.get("nope").is_none());
        assert!(pages.get("").is_none());
    }

    #[test]
    fn default_page_falls_back_to_the_first() {
        let text = FIXTURE.replace("default_page = \"start_page\"", "");
        let pages = Pages::parse(&text, "f").unwrap();
        assert_eq!(pages.default_page().key, "start_page");
        let text = FIXTURE.replace("\"start_page\"\n\n", "\"extra_page\"\n\n");
        assert_eq!(
            Pages::parse(&text, "f").unwrap().default_page().key,
            "extra_page"
        );
    }

    fn refused(text: &str, needle: &str) {
        let err = Pages::parse(text, "pages.toml").unwrap_err();
        assert!(err.starts_with("pages.toml: "), "{err}");
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    }

    #[test]
    fn bad_documents_are_refused_with_reason() {
        refused("", "no [[page]]");
        refused("[[page]]\nkey = \"a\"\n", "title");
        refused(
            "[[page]]\nkey = \"a\"\ntitle = \"A\"\n[[page]]\nkey = \"a\"\ntitle = \"B\"\n",
            "used twice",
        );
        refused(
            "[[page]]\nkey = \"a b\"\ntitle = \"A\"\n",
            "page key \"a b\"",
        );
        refused("[[page]]\nkey = \"<x>\"\ntitle = \"A\"\n", "page key");
        refused("[[page]]\nkey = \"\"\ntitle = \"A\"\n", "page key");
        refused(
            "default_page = \"zz\"\n[[page]]\nkey = \"a\"\ntitle = \"A\"\n",
            "default_page \"zz\"",
        );
        refused(
            "[[page]]\nkey = \"a\"\ntitle = \"A\"\n[[page.plot]]\ntitle = \"t\"\nname = \"x{1}\"\nsensor_dependent = true\n",
            "unsupported field \"{1}\"",
        );
        refused(
            "[[page]]\nkey = \"a\"\ntitle = \"A\"\n[[page.plot]]\ntitle = \"t\"\nname = \"x{0}\"\n",
            "not sensor_dependent",
        );
        refused(
            "[[page]]\nkey = \"a\"\ntitle = \"A\"\n[[page.plot]]\ntitle = \"t\"\nname = \"x\"\nsensor_dependant = true\n",
            "sensor_dependant",
        );
        refused(
            "[[page]]\nkey = \"a\"\ntitle = \"A\"\n[[page.plot]]\ntitle = \"t\"\nname = \"x\"\noptions = 3\n",
            "options",
        );
        refused("[[page]\n", "pages.toml");
    }

    #[test]
    fn load_names_the_file() {
        let err = Pages::load(Path::new("/nonexistent/pages.toml")).unwrap_err();
        assert!(err.contains("/nonexistent/pages.toml"), "{err}");
    }
}
