//! The end of a worker's life: SIGTERM (process managers) or SIGINT (Ctrl-C).

/// Resolves when the process is asked to stop.
pub async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: finishing running jobs, then stopping"),
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT: finishing running jobs, then stopping"),
    }
}
