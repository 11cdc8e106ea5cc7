//! The page templates, compiled into the binary so that velo-web runs from any directory.
//! Autoescaping is on for every `.html` template: titles and names from ROOT files and values
//! from URLs are untrusted.

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
    "partials/run_range_form.html",
    "partials/sensor_selection.html",
    "sensor_view.html",
    "tell1_view.html",
    "special_analyses/layout.html",
    "special_analyses/page.html",
    "run_view/layout.html",
    "run_view/page.html",
    "run_view/dqs.html",
    "run_view/message.html",
];

pub fn load() -> anyhow::Result<Tera> {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied())?;
    Ok(tera)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        load().unwrap();
    }
}
