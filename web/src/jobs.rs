//! The jobs API (`/jobs`): submit a task, read its status and result.

use actix_web::web;
use velo_config::Settings;

/// What the jobs routes share: the queue and the result store.
pub struct JobsState {}

impl JobsState {
    pub async fn new(_settings: &Settings) -> anyhow::Result<JobsState> {
        Ok(JobsState {})
    }
}

pub fn configure(_cfg: &mut web::ServiceConfig) {}
