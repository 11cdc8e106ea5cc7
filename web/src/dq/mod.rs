//! Data quality on the web: the JSON API (`/api/dq/...`, `/api/runs`) over the results store,
//! who may write (sign-offs), and what the overview and the run's DQ page read.
//!
//! Every store call blocks (see `velo_dqstore`): they run through `web::block`. The store is
//! opened on first use and again after a failed open, so that velo-web starts (and serves its
//! plots) while the database is still down.

pub(crate) mod api;
pub mod auth;
pub(crate) mod listing;
pub(crate) mod plots;
pub(crate) mod ranges;
pub(crate) mod tree;

use crate::jobs::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::web;
use auth::Auth;
use std::path::PathBuf;
use std::sync::Mutex;
use velo_config::Settings;
use velo_dqstore::{Store, StoreError};
use veloview::runview::{Pages, RunList};

/// What the data-quality routes and pages share.
pub struct DqState {
    url: String,
    store: Mutex<Option<Store>>,
    run_list_file: PathBuf,
    pub(crate) auth: Auth,
    pub(crate) plots: plots::PlotIndex,
}

impl DqState {
    pub fn new(settings: &Settings) -> anyhow::Result<DqState> {
        let pages = Pages::load(&settings.pages_file).map_err(anyhow::Error::msg)?;
        Ok(DqState {
            url: settings.dq_database_url.clone(),
            store: Mutex::new(None),
            run_list_file: settings.run_list_file.clone(),
            auth: Auth::new(settings)?,
            plots: plots::PlotIndex::new(&pages),
        })
    }

    /// The store, opened now if it is not yet. Blocks.
    fn store(&self) -> Result<Store, StoreError> {
        let mut slot = self.store.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = &*slot {
            return Ok(s.clone());
        }
        let s = Store::open(&self.url)?;
        *slot = Some(s.clone());
        Ok(s)
    }

    /// The processed runs; an unreadable list is an empty one (the pages say so). Blocks.
    pub(crate) fn run_list(&self) -> RunList {
        match RunList::load_cached(&self.run_list_file) {
            Ok((runs, _)) => runs,
            Err(e) => {
                tracing::warn!(error = %e, "run list unreadable");
                RunList::new(Vec::new())
            }
        }
    }
}

/// Run `f` with the store and the run list on a blocking thread.
pub(crate) async fn blocking<R: Send + 'static>(
    state: &web::Data<DqState>,
    f: impl FnOnce(&DqState, &Store) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, ApiError> {
    let state = state.clone();
    web::block(move || {
        let store = state.store()?;
        f(&state, &store)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(store_error)
}

/// The caller's fault (400) or the store's (503, logged: the message may name the database).
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(m) => ApiError::bad_request(m),
        e => {
            tracing::warn!(error = %e, "data-quality store unavailable");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The data-quality store is unavailable, try again shortly",
            )
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    api::configure(cfg);
}
