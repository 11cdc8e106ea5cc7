//! Alarms on the web: the JSON API (`/api/alarms`: list with filters and pages, one alarm with
//! its history, acknowledge and resolve — writes authenticated exactly as sign-offs are) and the
//! live stream (`/api/alarms/events`, server-sent events) that the navigation badge and the
//! alarms page listen to.

mod api;
pub mod duty;
mod events;

pub use events::AlarmWatch;

use actix_web::web;

/// Before `crate::dq::configure`, whose `/api` scope answers 404 for anything it does not know.
pub fn configure(cfg: &mut web::ServiceConfig) {
    api::configure(cfg);
}
