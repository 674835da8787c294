//! Graceful shutdown, after mini-redis: on SIGTERM, Ctrl-C or SIGHUP the server stops accepting,
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

/// Completes on the first SIGTERM, Ctrl-C (SIGINT) or SIGHUP, naming it. SIGHUP (the
/// terminal the server was started from closed) stopped the server at once, with the
/// default action: no drain, no checkpoint.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        /// The next `kind`, or never when it cannot be watched.
        async fn next(kind: SignalKind, name: &str) {
            match signal(kind) {
                Ok(mut watched) => {
                    watched.recv().await;
                }
                Err(e) => {
                    tracing::warn!("cannot watch {name} ({e}); it does not stop the server");
                    std::future::pending::<()>().await;
                }
            }
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "Ctrl-C",
            _ = next(SignalKind::terminate(), "SIGTERM") => "SIGTERM",
            _ = next(SignalKind::hangup(), "SIGHUP") => "SIGHUP",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
