//! The run view: which runs exist, where each run's data lives, which plots each page shows,
//! and the plot results the pages draw (the original's veloview.runview). See docs/RUN_MODEL.md.

pub mod format;
pub mod pages;
pub mod paths;
pub mod plot;
pub mod redact;
pub mod references;
pub mod run_info;
pub mod runs;
pub mod sensors;
mod stamp;
pub mod template;

pub use pages::{Page, Pages, Plot};
pub use plot::{get_run_plot, get_run_plot_json, PlotRequest, RunData};
pub use references::References;
pub use runs::{Nearby, RunList};
pub use sensors::SensorType;
