//! The page templates, compiled into the binary so that velo-web runs from any directory.
//! Autoescaping is on for every `.html` template: titles and names from ROOT files and values
//! from URLs are untrusted.

use std::collections::HashMap;
use tera::Tera;

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.html",
    "404.html",
    "velo_view/layout.html",
    "velo_view/overview.html",
    "velo_view/trends.html",
    "velo_view/detailed_trends.html",
    "partials/sensor_selection.html",
    "partials/sensor_dq.html",
    "sensor_view.html",
    "tell1_view.html",
    "special_analyses/layout.html",
    "special_analyses/page.html",
    "run_view/layout.html",
    "run_view/page.html",
    "run_view/dqs.html",
    "run_view/message.html",
    "alarms.html",
];

/// The templates, with `static_url(name="dir/file")` giving a static file's versioned URL from
/// `urls` (a name not there is a template error, not a broken link). The URLs are ours (fixed
/// names, a hex hash): templates mark them `| safe`, so that autoescaping keeps their slashes.
/// `inline_script(name="file.js")` gives the text of a script the Content-Security-Policy allows
/// inline by its hash: marked `| safe` too, as any change to it would not match the hash.
pub fn load(urls: HashMap<String, String>) -> anyhow::Result<Tera> {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied())?;
    tera.register_function(
        "static_url",
        move |args: &HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
            let name = args
                .get("name")
                .and_then(|v| v.as_str())
                .ok_or("static_url needs name=\"dir/file\"")?;
            urls.get(name)
                .map(|u| tera::Value::from(u.as_str()))
                .ok_or_else(|| format!("no static file {name}").into())
        },
    );
    tera.register_function(
        "inline_script",
        |args: &HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
            let name = args
                .get("name")
                .and_then(|v| v.as_str())
                .ok_or("inline_script needs name=\"file.js\"")?;
            crate::policy::inline_script(name)
                .map(tera::Value::from)
                .ok_or_else(|| format!("no inline script {name}").into())
        },
    );
    Ok(tera)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        load(HashMap::new()).unwrap();
    }
}
