//! The HTML pages: VELO view, sensor view, run view, TELL1 view, special analyses.

use actix_web::web;
use velo_config::Settings;

/// What the page routes share: templates and the run view configuration.
pub struct PagesState {}

impl PagesState {
    pub fn new(_settings: &Settings) -> anyhow::Result<PagesState> {
        Ok(PagesState {})
    }
}

pub fn configure(_cfg: &mut web::ServiceConfig) {}
