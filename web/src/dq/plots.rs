//! Where the run view shows a histogram: a leaf's path (e.g. `.../TELL1_005/RMSNoise_vs_Strip`)
//! mapped to the page, tab and sensor of config/pages.toml that draw it with its reference.

use serde::Serialize;
use veloview::runview::template::Template;
use veloview::runview::Pages;

/// The run-view place of one plot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlotPlace {
    pub page: String,
    /// The tab's anchor: the run view keeps it in the URL hash (`#/anchor`).
    pub tab: String,
    pub sensor_dependent: bool,
}

struct Entry {
    template: Template,
    place: PlotPlace,
}

/// Every plot of the run view, with its path template.
pub struct PlotIndex {
    entries: Vec<Entry>,
}

impl PlotIndex {
    pub fn new(pages: &Pages) -> PlotIndex {
        let mut entries = Vec::new();
        for page in pages.pages() {
            for (anchor, plot) in crate::pages::plot_anchors(page)
                .into_iter()
                .zip(&page.plots)
            {
                let Ok(template) = Template::parse(&plot.name) else {
                    continue;
                };
                entries.push(Entry {
                    template,
                    place: PlotPlace {
                        page: page.key.clone(),
                        tab: anchor,
                        sensor_dependent: plot.sensor_dependent,
                    },
                });
            }
        }
        PlotIndex { entries }
    }

    /// The run-view page and tab showing `path` (of `sensor`, if per sensor).
    pub fn place(&self, path: &str, sensor: Option<u32>) -> Option<PlotPlace> {
        let path = path.trim_start_matches('/');
        let s = sensor.unwrap_or(0);
        self.entries
            .iter()
            .find(|e| {
                if e.place.sensor_dependent {
                    sensor.is_some() && e.template.render(s) == path
                } else {
                    e.template.render(0) == path
                }
            })
            .map(|e| e.place.clone())
    }

    /// The URL of the run view showing `path` (of `sensor`, if per sensor) for `run`.
    pub fn url(&self, run: u32, path: &str, sensor: Option<u32>) -> Option<String> {
        let place = self.place(path, sensor)?;
        let sensor = if place.sensor_dependent {
            sensor.unwrap_or(0)
        } else {
            0
        };
        Some(format!(
            "/run_view/{run}/{}/{sensor}#/{}",
            place.page, place.tab
        ))
    }
}
