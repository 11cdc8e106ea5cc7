//! The run view: where each run's data lives, which plots each page shows, and the plot results
//! the pages draw (the original's veloview.runview).

pub mod format;
pub mod paths;
pub mod plot;

pub use plot::{get_run_plot, PlotRequest, RunData};
