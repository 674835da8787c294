//! `GET /_emulator/events`: Server-Sent Events telling the console that the data changed,
//! so it reloads what it shows instead of asking again and again.
//!
//! Every committed write transaction of this process (API calls of every transport and
//! the support desk's actions alike) moves the store's commit counter; the stream sends
//! one `change` event per move, coalescing bursts (a watch channel keeps only the newest
//! value). Writes by another process on the same database file (the `support`
//! subcommand) are seen through the write-ahead log's size and time, looked at every
//! [`OUTSIDE_CHECK`]. The events carry no ticket data: the console fetches that with its
//! token.

use crate::body::{Chunk, ReplyBody};
use crate::server::Shared;
use bytes::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use std::sync::Arc;
use std::time::Duration;

/// How often the stream looks for writes by other processes.
const OUTSIDE_CHECK: Duration = Duration::from_secs(2);
/// A comment line this often keeps proxies from closing an idle stream and lets the
/// server notice a client that went away.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How long after seeing a log stamp not known as this process's the stream looks again
/// before it tells of another process's write.
const OWN_WRITE_NOTED: Duration = Duration::from_millis(100);

/// The event stream's response; it runs until the client goes away or the server
/// begins to shut down (a stream never finishes by itself, so the graceful drain would
/// otherwise wait out its whole grace period for every open console).
pub fn stream(shared: Arc<Shared>) -> Response<ReplyBody> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(8);
    tokio::spawn(async move {
        let mut stopping = shared.stopping.subscribe();
        if *stopping.borrow_and_update() {
            return;
        }
        let mut commits = shared.store.commits();
        let mut seq = *commits.borrow_and_update();
        let mut outside = shared.store.version().1;
        // The client reconnects after 2 s if the stream breaks.
        let hello = format!("retry: 2000\nevent: ready\ndata: {{\"seq\":{seq}}}\n\n");
        if tx.send(Ok(Bytes::from(hello))).await.is_err() {
            return;
        }
        let mut check = tokio::time::interval(OUTSIDE_CHECK);
        let mut quiet = Duration::ZERO;
        loop {
            let message = tokio::select! {
                // Ending the body ends the response; hyper then closes the connection.
                _ = stopping.changed() => return,
                changed = commits.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    seq = *commits.borrow_and_update();
                    outside = shared.store.version().1;
                    Some(format!("event: change\ndata: {{\"seq\":{seq}}}\n\n"))
                }
                _ = check.tick() => {
                    let mut now = shared.store.version().1;
                    if now != outside && !shared.store.wal_is_own(now) {
                        // This process notes the log's stamp just after it writes: a
                        // look in between would tell its own write as another's.
                        tokio::time::sleep(OWN_WRITE_NOTED).await;
                        now = shared.store.version().1;
                    }
                    if now != outside && !shared.store.wal_is_own(now) {
                        outside = now;
                        Some(format!("event: change\ndata: {{\"seq\":{seq},\"outside\":true}}\n\n"))
                    } else {
                        // The log as this process left it (text indexed after a
                        // commit): nothing to tell.
                        outside = now;
                        quiet += OUTSIDE_CHECK;
                        (quiet >= KEEP_ALIVE).then(|| ": keep-alive\n\n".to_string())
                    }
                }
            };
            if let Some(message) = message {
                quiet = Duration::ZERO;
                if tx.send(Ok(Bytes::from(message))).await.is_err() {
                    return;
                }
            }
        }
    });
    let mut r = Response::new(ReplyBody::Streamed(rx));
    *r.status_mut() = StatusCode::OK;
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}
