//! The one request pipeline every transport's call takes:
//!
//! ```text
//! read the body (read_body: the one place, with its size limit)
//!   → a reply-cache hit is answered here, on the async thread
//!   → on the blocking pool (work: the one place calls leave the async threads):
//!       Codec::parse → Call → credentials (the call's headers, else HTTP Basic)
//!       → services::dispatch (schema, authentication, Observer::admitted, handler,
//!         store, projection)
//!       → Codec::write_reply | Codec::write_fault, or a list streamed item by item
//!         through the codec's ListWriter (Responder: the one place replies are sent)
//!   → Observer::finished with the outcome (fault or not, duration, bytes)
//! ```
//!
//! Everything between parse and write is shared, so a fix in masks, types or faults is
//! a fix for XML-RPC, SOAP and REST at once. Nothing here runs SQL on the async worker
//! threads, so `/health` and other connections are never held up by a slow read; only
//! `/health` and reply-cache hits are answered on them.

use super::Shared;
use crate::body::{Chunk, ReplyBody};
use crate::call::{Call, Fault, ItemSink, Outcome, Reply};
use crate::protocol::HttpAnswer;
use crate::protocol::codec::{Codec, ListWriter};
use crate::services;
use crate::value::Value;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Requests larger than this are refused before they are read whole.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Chunks of about this size go to the socket when a reply streams.
const CHUNK_BYTES: usize = 64 * 1024;

/// Why a request body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("request body too large or interrupted")]
    TooLargeOrInterrupted,
}

/// Reads a request body whole: the one place bodies are read, so that its limits
/// apply to every transport and the control API alike.
pub async fn read_body(body: Incoming) -> Result<Bytes, BodyError> {
    Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|_| BodyError::TooLargeOrInterrupted)
}

/// A call whose connection a fault rule closes without an answer (README "Fault
/// injection"): the server drops the connection when its service returns this.
#[derive(Debug, thiserror::Error)]
#[error("connection closed by a fault rule")]
pub struct Dropped;

/// Answers one API call of any transport: `codec` was made by the router from the URL.
pub async fn answer<C: Codec>(
    shared: Arc<Shared>,
    codec: C,
    req: Request<Incoming>,
) -> Result<Response<ReplyBody>, Dropped> {
    Ok(match answer_or_drop(shared, codec, req).await {
        Some(r) => r,
        None => return Err(Dropped),
    })
}

async fn answer_or_drop<C: Codec>(
    shared: Arc<Shared>,
    codec: C,
    req: Request<Incoming>,
) -> Option<Response<ReplyBody>> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => {
            let fault = Fault::malformed(e.to_string());
            let mut answer = codec.write_fault(&fault);
            answer.status = StatusCode::PAYLOAD_TOO_LARGE.as_u16();
            finished(&shared, &codec, None, Some(&fault), &answer, started, None);
            return Some(response(answer, None));
        }
    };

    // Everything the reply depends on is in the key: the endpoint and query, the
    // credentials of HTTP Basic, and the body (call headers, mask, filter, arguments).
    let cache_key = shared.replies.enabled().then(|| {
        let authorization = parts
            .headers
            .get(AUTHORIZATION)
            .map(|a| a.as_bytes())
            .unwrap_or_default();
        let target = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or_default();
        crate::reply_cache::key(&[
            parts.method.as_str().as_bytes(),
            target.as_bytes(),
            authorization,
            &body,
        ])
    });
    let cache_now = shared.observer.cache_allowed();
    if let Some((bytes, total)) = cache_key
        .as_ref()
        .filter(|_| cache_now)
        .and_then(|k| shared.replies.get(&shared.store, k))
    {
        let answer = HttpAnswer {
            status: 200,
            content_type: codec.reply_content_type(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let outcome = Outcome {
            transport: codec.transport(),
            call: None,
            fault: None,
            status: 200,
            duration: started.elapsed(),
            bytes: bytes.len() as u64,
            cached: true,
            reply: None,
            cache_key: cache_key.as_deref(),
        };
        shared.observer.finished(&outcome);
        return Some(response_bytes(answer, bytes, total));
    }

    let (head_tx, head_rx) = oneshot::channel();
    let (chunk_tx, chunk_rx) = mpsc::channel(4);
    let exchange = Exchange {
        shared,
        codec,
        body,
        cache_key,
        started,
        responder: Responder {
            head: Some(head_tx),
            chunks: chunk_tx,
            bytes: 0,
        },
    };
    tokio::task::spawn_blocking(move || work(exchange));
    Some(match head_rx.await {
        Ok(Head::Whole { answer, total }) => response(answer, total),
        Ok(Head::Drop) => return None,
        Ok(Head::Streaming {
            content_type,
            total,
        }) => {
            let mut r = Response::new(ReplyBody::Streamed(chunk_rx));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut()
                .insert("SoftLayer-Total-Items", HeaderValue::from(total));
            r
        }
        // `work` answers even when a handler panics; this is the runtime shutting down.
        Err(_) => {
            let mut r = Response::new(ReplyBody::whole(Bytes::from_static(b"")));
            *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            r
        }
    })
}

/// How a reply begins: whole, or streaming (its items follow on the chunk channel).
enum Head {
    Whole {
        answer: HttpAnswer,
        total: Option<u64>,
    },
    Streaming {
        content_type: &'static str,
        total: u64,
    },
    /// Close the connection without an answer.
    Drop,
}

/// Sends the reply to the connection's task: the one place reply bytes leave the
/// blocking pool.
struct Responder {
    head: Option<oneshot::Sender<Head>>,
    chunks: mpsc::Sender<Chunk>,
    /// Body bytes sent so far.
    bytes: u64,
}

impl Responder {
    fn started(&self) -> bool {
        self.head.is_none()
    }

    fn whole(&mut self, answer: HttpAnswer, total: Option<u64>) {
        self.bytes = answer.body.len() as u64;
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Whole { answer, total });
        }
    }

    fn drop_connection(&mut self) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Drop);
        }
    }

    fn start_stream(&mut self, content_type: &'static str, total: u64) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Streaming {
                content_type,
                total,
            });
        }
    }

    /// Sends a chunk of a streaming reply, waiting while the client is slow to read.
    fn chunk(&mut self, bytes: Vec<u8>) -> Result<(), Fault> {
        self.bytes += bytes.len() as u64;
        self.chunks
            .blocking_send(Ok(Bytes::from(bytes)))
            .map_err(|_| Fault::internal("the client went away"))
    }

    /// Ends a streaming reply early: the connection is cut, so the client sees an
    /// incomplete reply rather than a well-formed short one.
    fn cut(&mut self, reason: String) {
        let _ = self
            .chunks
            .blocking_send(Err(std::io::Error::other(reason)));
    }
}

/// One call on its way through the blocking pool.
struct Exchange<C> {
    shared: Arc<Shared>,
    codec: C,
    body: Bytes,
    cache_key: Option<Vec<u8>>,
    started: Instant,
    responder: Responder,
}

/// How much less CPU priority calls get than the async threads (`nice` steps).
const BLOCKING_NICENESS: i32 = 10;

/// Lowers this blocking-pool thread's CPU priority, once per thread: on a busy machine
/// the async threads (`/health`, cache hits, accepting connections) then get the CPU
/// first, so that a few heavy reads cannot stall them. The pool's threads only ever run
/// blocking work, so the async threads keep their priority.
fn yield_to_async_threads() {
    thread_local! {
        static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    DONE.with(|done| {
        if !done.replace(true) {
            // SAFETY: setpriority with PRIO_PROCESS and id 0 changes only the calling
            // thread on Linux; it reads no memory of ours. A failure leaves the priority.
            #[cfg(target_os = "linux")]
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, BLOCKING_NICENESS);
            }
        }
    });
}

/// Runs on the blocking pool: everything from parsing to the last byte of the reply.
fn work<C: Codec>(mut x: Exchange<C>) {
    yield_to_async_threads();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| x.answer()));
    if ran.is_err() {
        let fault = Fault::internal("a handler panicked");
        if x.responder.started() {
            x.responder.cut("a handler panicked".into());
        } else {
            x.whole_fault(None, &fault);
        }
    }
}

impl<C: Codec> Exchange<C> {
    fn answer(&mut self) {
        let mut call = match self.codec.parse(&self.body) {
            Ok(call) => call,
            Err(fault) => return self.whole_fault(None, &fault),
        };
        if call.headers.credentials.is_none() {
            call.headers.credentials = self.codec.fallback_credentials().cloned();
        }
        if let Err(fault) = self
            .shared
            .observer
            .intercept(self.codec.transport(), &call)
        {
            return self.whole_fault(Some(&call), &fault);
        }
        let writes = services::writes(&call);
        if !writes
            && services::returns_list(&call)
            && let Some(list) = self.codec.list_writer(&call)
        {
            return self.stream(&call, list);
        }
        // Taken before the read, so that a write racing it makes the entry stale at once.
        let version = (self.cache_key.is_some() && !writes).then(|| self.shared.store.version());
        let shared = &self.shared;
        let result = self.codec.run(&call, &mut |c| {
            services::dispatch_whole(&shared.store, c, &*shared.observer)
        });
        match result {
            Ok(reply) => self.whole_reply(&call, &reply, version),
            Err(fault) => self.whole_fault(Some(&call), &fault),
        }
    }

    fn whole_reply(
        &mut self,
        call: &Call,
        reply: &Reply,
        version: Option<crate::reply_cache::Version>,
    ) {
        let answer = self.codec.write_reply(call, reply);
        if let (Some(key), Some(version)) = (self.cache_key.as_ref(), version) {
            let body = Bytes::copy_from_slice(&answer.body);
            self.shared
                .replies
                .put(key.clone(), version, body, reply.total);
        }
        self.shared.observer.finished(&Outcome {
            transport: self.codec.transport(),
            call: Some(call),
            fault: None,
            status: answer.status,
            duration: self.started.elapsed(),
            bytes: answer.body.len() as u64,
            cached: false,
            reply: Some(reply),
            cache_key: self.cache_key.as_deref(),
        });
        self.responder.whole(answer, reply.total);
    }

    fn whole_fault(&mut self, call: Option<&Call>, fault: &Fault) {
        if let Fault::Internal { detail } = fault {
            let (service, method) = call
                .map(|c| (c.service.as_str(), c.method.as_str()))
                .unwrap_or_default();
            tracing::error!("{service}::{method}: {detail}");
        }
        let answer = match fault {
            // A front end's error page, not an API reply.
            Fault::Interrupted {
                status: Some(status),
                ..
            } => HttpAnswer {
                status: *status,
                content_type: "text/html",
                headers: Vec::new(),
                body: format!(
                    "<html><head><title>{status} Service Unavailable</title></head>\
                     <body><h1>{status} Service Unavailable</h1></body></html>\n"
                )
                .into_bytes(),
            },
            _ => self.codec.write_fault(fault),
        };
        finished(
            &self.shared,
            &self.codec,
            call,
            Some(fault),
            &answer,
            self.started,
            self.cache_key.as_deref(),
        );
        if let Fault::Interrupted { status: None, .. } = fault {
            return self.responder.drop_connection();
        }
        self.responder.whole(answer, None);
    }

    /// A list read, written to the client as its rows are read, so that a
    /// 100,000-ticket reply never sits in memory whole.
    fn stream(&mut self, call: &Call, list: Box<dyn ListWriter>) {
        let mut sink = StreamSink {
            responder: &mut self.responder,
            list,
            content_type: self.codec.reply_content_type(),
            buffer: Vec::with_capacity(CHUNK_BYTES + 4096),
        };
        let result = services::dispatch_observed(
            &self.shared.store,
            call,
            &mut sink,
            &*self.shared.observer,
        );
        let StreamSink {
            mut list,
            mut buffer,
            ..
        } = sink;
        match result {
            Ok(None) => {
                list.end(&mut buffer);
                let _ = self.responder.chunk(buffer);
                let outcome = Outcome {
                    transport: self.codec.transport(),
                    call: Some(call),
                    fault: None,
                    status: 200,
                    duration: self.started.elapsed(),
                    bytes: self.responder.bytes,
                    cached: false,
                    reply: None,
                    cache_key: self.cache_key.as_deref(),
                };
                self.shared.observer.finished(&outcome);
            }
            Ok(Some(reply)) => self.whole_reply(call, &reply, None),
            Err(fault) if !self.responder.started() => self.whole_fault(Some(call), &fault),
            Err(fault) => {
                tracing::warn!(
                    "{}::{} stopped mid-reply: {fault:?}",
                    call.service,
                    call.method
                );
                self.responder.cut(fault.to_string());
                let outcome = Outcome {
                    transport: self.codec.transport(),
                    call: Some(call),
                    fault: Some(&fault),
                    status: 200,
                    duration: self.started.elapsed(),
                    bytes: self.responder.bytes,
                    cached: false,
                    reply: None,
                    cache_key: self.cache_key.as_deref(),
                };
                self.shared.observer.finished(&outcome);
            }
        }
    }
}

/// The items of a streaming list, through the codec's [`ListWriter`].
struct StreamSink<'a> {
    responder: &'a mut Responder,
    list: Box<dyn ListWriter>,
    content_type: &'static str,
    buffer: Vec<u8>,
}

impl ItemSink for StreamSink<'_> {
    fn start(&mut self, total: u64) -> Result<(), Fault> {
        self.responder.start_stream(self.content_type, total);
        self.list.start(&mut self.buffer, total);
        Ok(())
    }

    fn item(&mut self, item: Value) -> Result<(), Fault> {
        self.list.item(&mut self.buffer, &item);
        if self.buffer.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES + 4096));
            self.responder.chunk(full)?;
        }
        Ok(())
    }
}

fn finished<C: Codec>(
    shared: &Shared,
    codec: &C,
    call: Option<&Call>,
    fault: Option<&Fault>,
    answer: &HttpAnswer,
    started: Instant,
    cache_key: Option<&[u8]>,
) {
    shared.observer.finished(&Outcome {
        transport: codec.transport(),
        call,
        fault,
        status: answer.status,
        duration: started.elapsed(),
        bytes: answer.body.len() as u64,
        cached: false,
        reply: None,
        cache_key,
    });
}

/// An answer as an HTTP response, with `SoftLayer-Total-Items` for lists.
pub fn response(answer: HttpAnswer, total: Option<u64>) -> Response<ReplyBody> {
    let HttpAnswer {
        status,
        content_type,
        headers,
        body,
    } = answer;
    let head = HttpAnswer {
        status,
        content_type,
        headers,
        body: Vec::new(),
    };
    response_bytes(head, Bytes::from(body), total)
}

fn response_bytes(head: HttpAnswer, body: Bytes, total: Option<u64>) -> Response<ReplyBody> {
    let mut r = Response::new(ReplyBody::whole(body));
    *r.status_mut() =
        StatusCode::from_u16(head.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(head.content_type));
    for (k, v) in head.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
            r.headers_mut().insert(k, v);
        }
    }
    if let Some(total) = total {
        r.headers_mut()
            .insert("SoftLayer-Total-Items", HeaderValue::from(total));
    }
    r
}
