//! Graceful shutdown, after mini-redis: on SIGTERM or Ctrl-C the server stops accepting,
//! tells every connection to finish the call it is serving and then close (hyper's
//! graceful shutdown: no new request is read on a kept-alive connection), waits for them
//! up to the grace period (`--shutdown-grace-secs`, 10 s), and then `serve` checkpoints
//! the write-ahead log into the database file and exits 0. The console's event streams
//! never finish by themselves, so they end as shutdown begins (`Shared::stopping`) rather
//! than hold the drain for the whole grace period; the page then shows it is offline.
//!
//! A second signal during the wait cuts it short. What is cut at the end of the grace
//! period was not acknowledged: a write still
//! running is rolled back by SQLite, never half-applied.

/// Completes on the first SIGTERM or Ctrl-C (SIGINT), naming it.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl-C",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!("cannot watch SIGTERM ({e}); only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl-C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
