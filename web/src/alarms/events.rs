//! The live alarm counts, as server-sent events (`GET /api/alarms/events`). One poller per
//! server reads the counts from the store (two index lookups) every [`POLL`] while anybody
//! listens, and at once after a change made here; each connection only waits on a watch channel,
//! so a connection costs a timer and a channel receiver, never a query. Connections beyond
//! [`MAX_STREAMS`] are refused (503) rather than slowing the others.

use crate::dq::{blocking, DqState};
use crate::jobs::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use velo_dqstore::AlarmCounts;

/// How often the counts are read while somebody listens.
const POLL: Duration = Duration::from_secs(1);
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Open streams at most, per server.
pub const MAX_STREAMS: usize = 256;

pub struct AlarmWatch {
    tx: watch::Sender<Option<AlarmCounts>>,
    wake: Notify,
    started: AtomicBool,
}

impl Default for AlarmWatch {
    fn default() -> Self {
        AlarmWatch {
            tx: watch::channel(None).0,
            wake: Notify::new(),
            started: AtomicBool::new(false),
        }
    }
}

impl AlarmWatch {
    /// Read the counts now (after an acknowledgement, so the pages follow at once).
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    fn subscribe(
        this: &web::Data<AlarmWatch>,
        dq: &web::Data<DqState>,
    ) -> Result<watch::Receiver<Option<AlarmCounts>>, ApiError> {
        if this.tx.receiver_count() >= MAX_STREAMS {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many live alarm streams open; try again later",
            ));
        }
        if !this.started.swap(true, Ordering::SeqCst) {
            actix_web::rt::spawn(poll(this.clone(), dq.clone()));
        }
        let rx = this.tx.subscribe();
        this.poke();
        Ok(rx)
    }
}

async fn poll(w: web::Data<AlarmWatch>, dq: web::Data<DqState>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = w.wake.notified() => {}
        }
        if w.tx.receiver_count() == 0 {
            continue;
        }
        match blocking(&dq, |_, store| store.alarm_counts()).await {
            Ok(c) => {
                w.tx.send_if_modified(|cur| {
                    let changed = *cur != Some(c);
                    *cur = Some(c);
                    changed
                });
            }
            Err(e) => tracing::debug!(error = %e.message, "alarm counts"),
        }
    }
}

/// `event: counts` with `{"open", "acknowledged", "last_event"}` whenever they change (and
/// once at the start).
pub async fn stream(
    watch: web::Data<AlarmWatch>,
    dq: web::Data<DqState>,
) -> Result<HttpResponse, ApiError> {
    let mut rx = AlarmWatch::subscribe(&watch, &dq)?;
    rx.mark_changed();
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.reset();
    let head =
        futures_util::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"retry: 2000\n\n"))]);
    let body = futures_util::stream::unfold((rx, keep_alive), |(mut rx, mut ka)| async move {
        let chunk = tokio::select! {
            r = rx.changed() => {
                r.ok()?;
                match *rx.borrow_and_update() {
                    Some(c) => format!(
                        "event: counts\ndata: {}\n\n",
                        serde_json::to_string(&c).unwrap_or_default()
                    ),
                    None => ": waiting\n\n".to_string(),
                }
            }
            _ = ka.tick() => ": keep-alive\n\n".to_string(),
        };
        Some((Ok::<_, Infallible>(Bytes::from(chunk)), (rx, ka)))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // nginx would otherwise buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::StreamExt::chain(head, body)))
}
