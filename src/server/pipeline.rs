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
use crate::call::{Call, Fault, ItemSink, Outcome, Reply, WARNING_HEADER, warning_header_value};
use crate::protocol::HttpAnswer;
use crate::protocol::codec::{Codec, ListWriter};
use crate::services;
use crate::value::Value;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// Requests larger than this are refused before they are read whole (the default of
/// `--max-body-bytes`).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Bytes of request bodies held by all requests together (read, and not yet parsed).
static BODY_BYTES_IN_FLIGHT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// A share of [`BODY_BYTES_IN_FLIGHT`], given back when the body is dropped.
#[derive(Default)]
pub struct InFlight(usize);

impl InFlight {
    /// Takes `more` bytes of the cap, or says the server is too busy for them.
    fn grow(&mut self, more: usize) -> Result<(), BodyError> {
        use std::sync::atomic::Ordering;
        let cap = crate::limits::get().max_body_bytes_in_flight;
        let before = BODY_BYTES_IN_FLIGHT.fetch_add(more, Ordering::SeqCst);
        if before + more > cap && before > 0 {
            BODY_BYTES_IN_FLIGHT.fetch_sub(more, Ordering::SeqCst);
            return Err(BodyError::Busy);
        }
        self.0 += more;
        Ok(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        BODY_BYTES_IN_FLIGHT.fetch_sub(self.0, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Streamed replies in progress (`--max-streams`); lists past it are answered whole.
static STREAMS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// One of the [`STREAMS`], given back when the stream ends.
struct StreamSlot;

impl StreamSlot {
    fn take() -> Option<StreamSlot> {
        use std::sync::atomic::Ordering;
        let cap = crate::limits::get().max_streams;
        let before = STREAMS.fetch_add(1, Ordering::SeqCst);
        if before >= cap {
            STREAMS.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(StreamSlot)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        STREAMS.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Chunks of about this size go to the socket when a reply streams.
const CHUNK_BYTES: usize = 64 * 1024;

/// Why a request body could not be read, each with the status it is answered with.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the request body is over the limit of {0} bytes")]
    TooLarge(usize),
    #[error("the request body made no progress for {0} seconds")]
    Stalled(u64),
    #[error("the request body was interrupted")]
    Interrupted,
    #[error("Transfer-Encoding and Content-Length together are refused")]
    Ambiguous,
    #[error("the server is reading too many request bodies; retry shortly")]
    Busy,
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Stalled(_) => StatusCode::REQUEST_TIMEOUT,
            BodyError::Interrupted | BodyError::Ambiguous => StatusCode::BAD_REQUEST,
            BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Reads a request body whole (the control API's; its bodies are small).
pub async fn read_body(body: Incoming) -> Result<Bytes, BodyError> {
    read_request_body(&hyper::HeaderMap::new(), body)
        .await
        .map(|(bytes, _)| bytes)
}

/// Reads a request body whole: the one place API bodies are read, with their limits. A
/// `Content-Length` over the limit is refused before a byte is read, and so is one sent
/// with `Transfer-Encoding` (a request smuggling shape); a body that makes no progress
/// for the stall timeout is answered 408; the bytes all bodies hold together are capped
/// (503 with `Retry-After` past it) until the body they belong to is dropped.
pub async fn read_request_body(
    headers: &hyper::HeaderMap,
    mut body: Incoming,
) -> Result<(Bytes, InFlight), BodyError> {
    let limits = crate::limits::get();
    let max = limits.max_body_bytes;
    if headers.contains_key(hyper::header::TRANSFER_ENCODING)
        && headers.contains_key(hyper::header::CONTENT_LENGTH)
    {
        return Err(BodyError::Ambiguous);
    }
    let declared = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge(max));
    }
    let mut in_flight = InFlight::default();
    // The declared length is taken up front, so that bodies that never arrive count too.
    let declared = declared.unwrap_or(0) as usize;
    in_flight.grow(declared)?;
    let mut bytes = Vec::with_capacity(declared.min(1 << 20));
    let stall = limits.stall_timeout();
    loop {
        let frame = match tokio::time::timeout(stall, body.frame()).await {
            Err(_) => return Err(BodyError::Stalled(stall.as_secs())),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Interrupted),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        let beyond = (bytes.len() + data.len()).saturating_sub(in_flight.0);
        if beyond > 0 {
            in_flight.grow(beyond)?;
        }
        bytes.extend_from_slice(&data);
    }
    Ok((Bytes::from(bytes), in_flight))
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
    let (body, in_flight) = match read_request_body(&parts.headers, body).await {
        Ok(body) => body,
        Err(e) => {
            let fault = Fault::malformed(e.to_string());
            let mut answer = codec.write_fault(&fault);
            answer.status = e.status().as_u16();
            if matches!(e, BodyError::Busy) {
                answer.headers.push(("Retry-After".into(), "1".into()));
            }
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
        in_flight,
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
            warning,
        }) => {
            let mut r = Response::new(ReplyBody::Streamed(chunk_rx));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut()
                .insert("SoftLayer-Total-Items", HeaderValue::from(total));
            if let Some(v) = warning.and_then(|w| HeaderValue::try_from(w).ok()) {
                r.headers_mut().insert(WARNING_HEADER, v);
            }
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
        /// [`WARNING_HEADER`]'s value.
        warning: Option<String>,
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

    fn start_stream(&mut self, content_type: &'static str, total: u64, warning: Option<String>) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Streaming {
                content_type,
                total,
                warning,
            });
        }
    }

    /// Sends a chunk of a streaming reply, waiting while the client is slow to read, but
    /// not longer than the stall timeout without progress: then the reply ends, and its
    /// thread and read snapshot are freed (the connection's own write timeout closes it).
    fn chunk(&mut self, bytes: Vec<u8>) -> Result<(), Fault> {
        self.bytes += bytes.len() as u64;
        let stall = crate::limits::get().stall_timeout();
        let send = self.chunks.send_timeout(Ok(Bytes::from(bytes)), stall);
        tokio::runtime::Handle::current()
            .block_on(send)
            .map_err(|e| match e {
                mpsc::error::SendTimeoutError::Timeout(_) => Fault::internal(format!(
                    "the client read nothing for {} seconds",
                    stall.as_secs()
                )),
                mpsc::error::SendTimeoutError::Closed(_) => {
                    Fault::internal("the client went away")
                }
            })
    }

    /// Ends a streaming reply early: the connection is cut, so the client sees an
    /// incomplete reply rather than a well-formed short one. Never waits: a client that
    /// stopped reading does not get to hold the thread here either.
    fn cut(&mut self, reason: String) {
        let _ = self.chunks.try_send(Err(std::io::Error::other(reason)));
    }
}

/// One call on its way through the blocking pool.
struct Exchange<C> {
    shared: Arc<Shared>,
    codec: C,
    body: Bytes,
    /// The body's share of the bytes-in-flight cap, given back once it is parsed.
    in_flight: InFlight,
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
        // HTTP Basic, when present, is checked before the body is parsed: a caller with
        // wrong credentials costs one indexed lookup, not a parse of up to 16 MiB.
        if let Some(basic) = self.codec.fallback_credentials() {
            let known = self
                .shared
                .store
                .read(|conn| crate::auth::authenticate(conn, Some(basic)));
            if let Err(fault) = known {
                return self.whole_fault(None, &fault);
            }
        }
        let parsed = self.codec.parse(&self.body);
        self.body = Bytes::new();
        self.in_flight = InFlight::default();
        let mut call = match parsed {
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
            && let Some(slot) = StreamSlot::take()
        {
            self.stream(&call, list);
            drop(slot);
            return;
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
        let mut answer = self.codec.write_reply(call, reply);
        if let Some(warning) = warning_header_value(&reply.warnings) {
            answer.headers.push((WARNING_HEADER.to_string(), warning));
            // The reply cache keeps bodies, not headers: a warned reply is not cached.
            self.cache_key = None;
        }
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
            warnings: Vec::new(),
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
    warnings: Vec<String>,
}

impl ItemSink for StreamSink<'_> {
    fn warn(&mut self, warnings: &[String]) {
        self.warnings.extend_from_slice(warnings);
    }

    fn start(&mut self, total: u64) -> Result<(), Fault> {
        let warning = warning_header_value(&self.warnings);
        self.responder
            .start_stream(self.content_type, total, warning);
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

    fn keeps_items(&self) -> bool {
        false
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
