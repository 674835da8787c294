//! The one request pipeline every transport's call takes:
//!
//! ```text
//! read the body (read_body: the one place, with its size limit)
//!   → a reply-cache hit is answered here, on the async thread
//!   → on the async thread that read it, or on the blocking pool (see `Lane`):
//!       Codec::parse → Call → credentials (the call's headers, else HTTP Basic)
//!       → services::dispatch (schema, authentication, Observer::admitted, handler,
//!         store, projection)
//!       → Codec::write_reply | Codec::write_fault, or a list streamed item by item
//!         through the codec's ListWriter (Responder: the one place replies are sent)
//!   → Observer::finished with the outcome (fault or not, duration, bytes)
//! ```
//!
//! Everything between parse and write is shared, so a fix in masks, types or faults is
//! a fix for XML-RPC, SOAP and REST at once. An ordinary call is answered on the async
//! thread that read it; anything that may take long (big bodies, streamed lists, calls
//! the harness may delay, reads past 2 ms of SQL) goes to the blocking pool, so that
//! `/health` and other connections are never held up by a slow call.

use super::Shared;
use crate::body::{Chunk, ReplyBody};
use crate::call::{
    Call, CallTrace, Fault, ItemSink, Outcome, Reply, WARNING_HEADER, warning_header_value,
};
use crate::fault::Cut;
use crate::protocol::HttpAnswer;
use crate::protocol::codec::{Codec, ListWriter};
use crate::services;
use crate::store::{self, WriteJob};
use crate::value::Value;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Requests larger than this are refused before they are read whole (the default of
/// `--max-body-bytes`).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Bytes of request bodies held by all requests together (read, and not yet parsed).
static BODY_BYTES_IN_FLIGHT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// Bodies up to this size are small: ordinary calls, whatever their transport.
const SMALL_BODY: usize = 256 * 1024;

/// Bodies past this size are never looked up in, nor kept in, the reply cache.
const MAX_CACHED_BODY: usize = 64 * 1024;

/// Room past the bytes-in-flight cap that only small bodies may take.
const SMALL_BODY_ROOM: usize = 16 * 1024 * 1024;

/// A share of [`BODY_BYTES_IN_FLIGHT`], given back when the body is dropped, and for a
/// big body its place among the [`big_body_places`].
#[derive(Default)]
pub struct InFlight(usize, Option<tokio::sync::OwnedSemaphorePermit>);

/// Bodies past [`SMALL_BODY`] read and parsed at once: half the cores, at least one.
/// Reading and parsing 16 MiB costs tens of milliseconds of CPU; callers posting them
/// back to back would otherwise take every core from ordinary calls (issue 10: four
/// such callers raised a normal `getObject`'s p99 from 7 ms to 270 ms). The others wait
/// unread, which costs nothing but their connection.
fn big_body_places() -> &'static Arc<tokio::sync::Semaphore> {
    static PLACES: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    PLACES.get_or_init(|| Arc::new(tokio::sync::Semaphore::new(crate::limits::half_the_cores())))
}

impl InFlight {
    /// Takes `more` bytes of the cap, or says the server is too busy for them. Small
    /// bodies (every ordinary call) may go [`SMALL_BODY_ROOM`] past the cap, so that a
    /// few big bodies holding it never turn a well-behaved caller away. A body alone
    /// (only its own bytes held) is never refused: with the cap set below a body's
    /// length, a compressed or chunked one got 503 "retry" on an idle server for ever.
    fn grow(&mut self, more: usize) -> Result<(), BodyError> {
        use std::sync::atomic::Ordering;
        let cap = self.cap_for(more);
        let before = BODY_BYTES_IN_FLIGHT.fetch_add(more, Ordering::SeqCst);
        if before + more > cap && before > self.0 {
            BODY_BYTES_IN_FLIGHT.fetch_sub(more, Ordering::SeqCst);
            return Err(BodyError::Busy);
        }
        self.0 += more;
        Ok(())
    }

    /// The cap that `more` bytes of this body are held to.
    fn cap_for(&self, more: usize) -> usize {
        let cap = crate::limits::get().max_body_bytes_in_flight;
        if self.0 + more <= SMALL_BODY {
            cap + SMALL_BODY_ROOM
        } else {
            cap
        }
    }

    /// Whether `more` bytes would be refused now: a big body that could not take its
    /// length once it had a place is told so at once, not after waiting for the place.
    fn would_be_busy(&self, more: usize) -> bool {
        let now = BODY_BYTES_IN_FLIGHT.load(std::sync::atomic::Ordering::SeqCst);
        now + more > self.cap_for(more) && now > self.0
    }

    /// For `more` bytes past a small body's: refused at once when the cap cannot take
    /// them, else [`InFlight::take_big_body_place`].
    async fn take_place_for(&mut self, more: usize, wait: Duration) -> Result<bool, BodyError> {
        if self.would_be_busy(more) {
            return Err(BodyError::Busy);
        }
        self.take_big_body_place(wait).await
    }

    /// Waits for a place among the big bodies, up to `wait` (busy if none frees), unless
    /// the body holds one already; `true` when it took one now.
    async fn take_big_body_place(&mut self, wait: Duration) -> Result<bool, BodyError> {
        if self.1.is_some() {
            return Ok(false);
        }
        let place = tokio::time::timeout(wait, big_body_places().clone().acquire_owned())
            .await
            .map_err(|_| BodyError::Busy)?
            .map_err(|_| BodyError::Busy)?;
        self.1 = Some(place);
        Ok(true)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        BODY_BYTES_IN_FLIGHT.fetch_sub(self.0, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Streamed replies in progress at once (`--max-streams`): each holds a blocking
/// thread and a read snapshot while its client reads. Past the cap a list call waits
/// for a slot on the async side, where waiting costs no thread, and gets 503 with
/// `Retry-After` if none frees within the stall timeout.
fn stream_slots() -> &'static Arc<tokio::sync::Semaphore> {
    static SLOTS: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        Arc::new(tokio::sync::Semaphore::new(
            crate::limits::get().max_streams,
        ))
    })
}

/// How much of the caps is held now, for `/metrics`: bytes of request bodies being read,
/// and streamed replies under way.
pub fn held_now() -> (usize, usize) {
    let bodies = BODY_BYTES_IN_FLIGHT.load(std::sync::atomic::Ordering::SeqCst);
    let streams = crate::limits::get()
        .max_streams
        .saturating_sub(stream_slots().available_permits());
    (bodies, streams)
}

/// Chunks of about this size go to the socket when a reply streams.
const CHUNK_BYTES: usize = 64 * 1024;

/// Why a request body could not be read, each with the status it is answered with.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Names the setting: two attached files of 7 MiB each, within the 10 MiB a file
    /// may be, travel base64 in a body of about 19 MiB.
    #[error("the request body is over the limit of {0} bytes (the server's --max-body-bytes)")]
    TooLarge(usize),
    #[error("the request body made no progress for {0} seconds")]
    Stalled(u64),
    /// A body must arrive whole within twice the stall timeout of the server starting to
    /// read it (a body over 256 KiB: the stall timeout of taking one of the few places big
    /// bodies are read in), so one sent a byte at a time cannot keep every other big body
    /// waiting, nor hold its connection for ever (a few thousand such held every
    /// connection).
    #[error("the request body did not arrive within {0} seconds of the server starting to read it")]
    TooSlow(u64),
    #[error("the request body was interrupted")]
    Interrupted,
    /// hyper's words for what is wrong (`Invalid chunk size line: Invalid Size`, …).
    #[error("the request body's chunked framing could not be read: {0}")]
    BadFraming(String),
    #[error("Transfer-Encoding and Content-Length together are refused")]
    Ambiguous,
    /// RFC 9112 §6.1: chunked is applied once; hyper would undo one and hand on the
    /// body still chunked.
    #[error("the request's Transfer-Encoding applies chunked more than once")]
    ChunkedTwice,
    #[error(
        "the server is reading or answering as many request bodies as it takes at once; retry shortly"
    )]
    Busy,
    #[error(
        "the request's Transfer-Encoding '{0}' is not one the server decodes (chunked alone; compress a body with Content-Encoding)"
    )]
    UnsupportedTransferCoding(String),
    #[error(
        "the request body's Content-Encoding '{0}' is not one the server takes (a single coding: gzip, deflate or identity)"
    )]
    UnsupportedCoding(String),
    #[error("the request body could not be decompressed as its Content-Encoding says ({0})")]
    BadCoding(String),
}

impl BodyError {
    /// A body hyper could not read: its chunked framing broken (hyper says so with an
    /// `InvalidInput` or `InvalidData` I/O error), or the connection ended inside it.
    /// Both were "interrupted", which sent a client whose whole body had arrived to
    /// look at its network.
    fn unreadable(e: &hyper::Error) -> BodyError {
        use std::error::Error as _;
        match e.source().and_then(|s| s.downcast_ref::<std::io::Error>()) {
            Some(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
                ) =>
            {
                BodyError::BadFraming(io.to_string())
            }
            _ => BodyError::Interrupted,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Stalled(_) | BodyError::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            BodyError::Interrupted
            | BodyError::BadFraming(_)
            | BodyError::Ambiguous
            | BodyError::ChunkedTwice
            | BodyError::BadCoding(_) => StatusCode::BAD_REQUEST,
            BodyError::UnsupportedCoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::UnsupportedTransferCoding(_) => StatusCode::NOT_IMPLEMENTED,
            BodyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The headers the answer carries besides its body: when to retry a 503
    /// (`Retry-After`), and the codings a 415 would have taken (`Accept-Encoding`, RFC
    /// 9110 §12.5.3).
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            BodyError::Busy => vec![("Retry-After", "1".to_string())],
            BodyError::UnsupportedCoding(_) => vec![(
                "Accept-Encoding",
                super::body_encoding::ACCEPTED_CODINGS.to_string(),
            )],
            _ => Vec::new(),
        }
    }
}

/// Reads a request body whole with the limits of [`read_request_body`], for the control
/// API (its answers are plain text, so the body's share of the cap is given back here).
pub async fn read_body(req: Request<Incoming>) -> Result<Bytes, Refused> {
    let (parts, body) = req.into_parts();
    read_request_body(&parts, body)
        .await
        .map(|(bytes, _)| bytes)
}

/// Reads a request body whole: the one place request bodies are read, with their limits.
/// A `Content-Length` over the limit is refused before a byte is read, and so is a
/// request that came with both `Transfer-Encoding` and `Content-Length` (a request
/// smuggling shape; hyper hides it, [`super::conn`] finds it); a body that makes no
/// progress for the stall timeout is answered 408; the bytes all bodies hold together
/// are capped (503 with `Retry-After` past it) until the body they belong to is dropped.
pub async fn read_request_body(
    parts: &hyper::http::request::Parts,
    mut body: Incoming,
) -> Result<(Bytes, InFlight), Refused> {
    let mut started = false;
    match read_whole(parts, &mut body, &mut started).await {
        Ok(read) => Ok(read),
        Err(error) => {
            let refused_whole = matches!(error, BodyError::TooLarge(_) | BodyError::Busy);
            let drained = refused_whole && read_away(&parts.headers, body, started);
            Err(Refused {
                error,
                closes: !drained,
            })
        }
    }
}

/// A body refused, and whether its connection closes after the answer (it does unless
/// the rest of the body is read away: the answer says `Connection: close`).
#[derive(Debug)]
pub struct Refused {
    pub error: BodyError,
    pub closes: bool,
}

impl Refused {
    /// The headers the answer carries: `error`'s, and `Connection: close` when it closes.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = self.error.headers();
        if self.closes {
            headers.push(("Connection", "close".to_string()));
        }
        headers
    }
}

async fn read_whole(
    parts: &hyper::http::request::Parts,
    body: &mut Incoming,
    started: &mut bool,
) -> Result<(Bytes, InFlight), BodyError> {
    let limits = crate::limits::get();
    let max = limits.max_body_bytes;
    let headers = &parts.headers;
    if parts
        .extensions
        .get::<super::conn::AmbiguousFraming>()
        .is_some()
        || (headers.contains_key(hyper::header::TRANSFER_ENCODING)
            && headers.contains_key(hyper::header::CONTENT_LENGTH))
    {
        return Err(BodyError::Ambiguous);
    }
    // hyper frames `gzip, chunked` as chunked and hands on the body still gzipped; the
    // server decodes no transfer coding but chunked (RFC 9112 §6.1: 501).
    let mut chunked = 0;
    for te in headers.get_all(hyper::header::TRANSFER_ENCODING) {
        let te = te.to_str().unwrap_or("?");
        for coding in te.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if !coding.eq_ignore_ascii_case("chunked") {
                return Err(BodyError::UnsupportedTransferCoding(te.to_string()));
            }
            chunked += 1;
        }
    }
    if chunked > 1 {
        return Err(BodyError::ChunkedTwice);
    }
    let coding = super::body_encoding::BodyCoding::of(headers)?;
    let declared = declared_length(headers);
    if declared.is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge(max));
    }
    let mut in_flight = InFlight::default();
    let declared = declared.unwrap_or(0) as usize;
    let stall = limits.stall_timeout();
    // When the body must have arrived whole: a small one from now, a big one from when
    // it takes a big-body place (waiting for one, it holds no more than its connection).
    // A small body has twice the stall timeout (a body that sends nothing is told it
    // stalled, not that it was slow).
    let mut whole_within = stall.saturating_mul(2);
    let mut deadline =
        (declared <= SMALL_BODY).then(|| crate::limits::deadline_after(whole_within));
    // A big body takes its whole declared length of the cap once it holds a place (then
    // it must arrive within the stall timeout); bodies waiting for a place, and small
    // bodies, take the cap as their bytes arrive. Taken up front by every body, the
    // declared lengths of a few dozen connections that then send a byte now and then
    // held the whole cap and turned every other caller away with 503.
    if declared > SMALL_BODY && in_flight.take_place_for(declared, stall).await? {
        (deadline, whole_within) = (Some(crate::limits::deadline_after(stall)), stall);
        in_flight.grow(declared)?;
    }
    // A big body's whole declared length at once (it is within the limits by now):
    // growing by doubling would hold up to twice a big body while it is read. A small
    // one takes room for an ordinary call (16 KiB at most) and grows as it arrives, so
    // that memory follows the cap.
    let mut bytes = Vec::with_capacity(if in_flight.0 > 0 {
        declared
    } else {
        declared.min(16 * 1024)
    });
    loop {
        *started = true;
        let next = crate::limits::deadline_after(stall);
        let frame =
            match tokio::time::timeout_at(deadline.map_or(next, |d| d.min(next)), body.frame())
                .await
            {
                Err(_) if deadline.is_some_and(|d| d <= next) => {
                    return Err(BodyError::TooSlow(whole_within.as_secs()));
                }
                Err(_) => return Err(BodyError::Stalled(stall.as_secs())),
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(BodyError::unreadable(&e)),
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
        if bytes.len() + data.len() > SMALL_BODY && in_flight.take_big_body_place(stall).await? {
            (deadline, whole_within) = (Some(crate::limits::deadline_after(stall)), stall);
        }
        bytes.extend_from_slice(&data);
    }
    // An empty body is empty whatever its coding says (a GET sent with the header).
    if coding != super::body_encoding::BodyCoding::Identity && !bytes.is_empty() {
        // Off the async threads: inflating up to the limit (16 MiB) is tens of
        // milliseconds of CPU. Measured first, then held as a plain body of its decoded
        // length would be: a big one refused at once when the cap cannot take it, else
        // inflated once it has a big body's place and its room.
        let (len, bytes) =
            tokio::task::spawn_blocking(move || (coding.decoded_len(&bytes, max), bytes))
                .await
                .map_err(|_| BodyError::Interrupted)?;
        let len = len?;
        let more = len.saturating_sub(in_flight.0);
        if in_flight.0 + more > SMALL_BODY {
            in_flight.take_place_for(more, stall).await?;
        }
        in_flight.grow(more)?;
        let decoded = tokio::task::spawn_blocking(move || coding.decode(&bytes, len, max))
            .await
            .map_err(|_| BodyError::Interrupted)??;
        return Ok((Bytes::from(decoded), in_flight));
    }
    Ok((Bytes::from(bytes), in_flight))
}

/// Most bytes of a refused body read and thrown away so that its client sees the answer.
const MAX_DRAINED_BYTES: u64 = 64 * 1024 * 1024;

/// A request's `Content-Length`, when it gives one that reads.
fn declared_length(headers: &hyper::HeaderMap) -> Option<u64> {
    headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// Whether the client waits for `100 Continue` before it sends the body.
fn expects_continue(headers: &hyper::HeaderMap) -> bool {
    headers
        .get(hyper::header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
}

/// Reads the rest of a body the server answers without ([`drain_refused_body`]), and
/// says whether it does; if not, the connection closes after the answer. A client that
/// asked to be told first (`Expect: 100-continue`) and was told before the body was
/// asked for (`asked_for` false) sends nothing more: nothing to read away.
pub(crate) fn read_away(headers: &hyper::HeaderMap, body: Incoming, asked_for: bool) -> bool {
    (asked_for || !expects_continue(headers))
        && drain_refused_body(body, declared_length(headers).unwrap_or(MAX_DRAINED_BYTES))
}

/// Reads and throws away the rest of a body refused as too large or while the server is
/// busy (`declared` bytes, as far as is known) while the answer goes out, and says
/// whether it does. Closed with the body unread, the connection was reset under a client
/// still sending it: Python's xmlrpc.client and PHP's SoapClient, which send the whole
/// body before reading, reported a broken pipe instead of the 413 or the 503 they were
/// to retry after. Bounded by [`MAX_DRAINED_BYTES`] and the stall timeout per read.
fn drain_refused_body(mut body: Incoming, declared: u64) -> bool {
    if declared > MAX_DRAINED_BYTES {
        return false;
    }
    let stall = crate::limits::get().stall_timeout();
    tokio::spawn(async move {
        let mut read = 0u64;
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(stall, body.frame()).await {
            read += frame.data_ref().map_or(0, |d| d.len() as u64);
            if read > declared {
                break;
            }
        }
    });
    true
}

/// `fault` in the codec's format, with the `Retry-After` of a busy server.
fn write_fault<C: Codec>(codec: &C, fault: &Fault) -> HttpAnswer {
    let mut answer = codec.write_fault(fault);
    if let Some(after) = fault.retry_after() {
        answer
            .headers
            .push(("Retry-After".into(), after.to_string()));
    }
    answer
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
    let closes = asks_to_close(&parts.headers);
    let http10 = parts.version == hyper::Version::HTTP_10;
    // A client that waits for `100 Continue` before it sends the body (curl past 1 MiB,
    // .NET) is told of wrong HTTP Basic credentials instead (RFC 9110 §10.1.1): it was
    // told to go on, and sent up to 16 MiB to hear 401. Its body is never asked for, so
    // the connection closes after the answer. Not while fault rules are set: they meet
    // refused callers first ([`Exchange::answer`]), by the call the body names.
    if expects_continue(&parts.headers)
        && shared.observer.cache_allowed()
        && let Some(basic) = codec.fallback_credentials()
        && let Err(fault) = known_caller(&shared.store, basic)
    {
        let mut answer = write_fault(&codec, &fault);
        answer
            .headers
            .push(("Connection".to_string(), "close".to_string()));
        refused_unread(&shared, &codec, &fault, &answer, started);
        return Some(response(answer, None));
    }
    let (body, in_flight) = match read_request_body(&parts, body).await {
        Ok(body) => body,
        Err(refused) => {
            let e = &refused.error;
            // Not a parse error (XML-RPC would hide the reason behind -32700): a Public
            // fault that says what was wrong with the request, under the status of `e`.
            let fault = match e {
                BodyError::Busy => Fault::busy(format!("{e}.")),
                BodyError::TooLarge(_) => Fault::documented(
                    crate::fault::ExceptionClass::Public,
                    format!("{e}. Attached files travel base64, a third larger than they are."),
                ),
                _ => Fault::documented(crate::fault::ExceptionClass::Public, format!("{e}.")),
            };
            let mut answer = write_fault(&codec, &fault);
            answer.status = e.status().as_u16();
            answer.headers.extend(
                refused
                    .headers()
                    .into_iter()
                    .filter(|(name, _)| *name != "Retry-After")
                    .map(|(name, value)| (name.to_string(), value)),
            );
            refused_unread(&shared, &codec, &fault, &answer, started);
            return Some(response(answer, None));
        }
    };

    // Everything the reply depends on is in the key: the endpoint and query, the
    // credentials of HTTP Basic, REST's `SoftLayer-Include-Types`, and the body (call
    // headers, mask, filter, arguments).
    // A body past `MAX_CACHED_BODY` is no read anyone repeats: keying it would copy and
    // hash up to 16 MiB on the async thread for nothing.
    let cache_key = (shared.replies.enabled() && body.len() <= MAX_CACHED_BODY).then(|| {
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
        let include_types = parts
            .headers
            .get(crate::protocol::rest::INCLUDE_TYPES_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        crate::reply_cache::key(&[
            parts.method.as_str().as_bytes(),
            target.as_bytes(),
            authorization,
            include_types,
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
            fault_message: None,
            status: 200,
            duration: started.elapsed(),
            bytes: bytes.len() as u64,
            cached: true,
            reply: None,
            reply_body: None,
            total,
            nested: None,
            ran_on: None,
            cache_key: cache_key.as_deref(),
            // A warned reply is never cached.
            warnings: &[],
            unread: false,
        };
        shared.observer.finished(&outcome);
        return Some(response_bytes(answer, ReplyBody::whole(bytes), total));
    }

    let (head_tx, head_rx) = oneshot::channel();
    // Four chunks in flight, and one room kept for a cut (see `Responder::cut`).
    let (chunk_tx, chunk_rx) = mpsc::channel(5);
    let mut exchange = Exchange {
        shared,
        codec,
        body,
        in_flight,
        cache_key,
        started,
        responder: Responder {
            head: Some(head_tx),
            pending: None,
            chunks: chunk_tx,
            bytes: 0,
            deadline: None,
            cut_room: None,
            connection: parts.extensions.get::<Arc<super::conn::Framing>>().cloned(),
        },
        head_only: parts.method == hyper::Method::HEAD,
    };
    let then = if exchange.may_answer_here() {
        exchange
            .guarded(|x| x.answer(Lane::Async))
            .unwrap_or(Then::Done)
    } else {
        Then::Answer
    };
    match then {
        Then::Done => {}
        Then::Write(call) if exchange.shared.store.has_writer_thread() => {
            submit_write(exchange, call)
        }
        Then::WaitForStream(call) => wait_for_stream(exchange, call),
        then => {
            let trace = exchange.shared.observer.take_trace();
            // Big bodies take turns of their own (`big_body_places`), at the lowest priority.
            let place = match exchange.in_flight.1 {
                Some(_) => None,
                None => crate::limits::cpu_places()
                    .clone()
                    .acquire_owned()
                    .await
                    .ok(),
            };
            tokio::task::spawn_blocking(move || {
                if let Some(place) = place {
                    crate::limits::hold_cpu_place(place);
                }
                exchange.shared.observer.put_trace(trace);
                work(exchange, then);
                crate::limits::leave_cpu_place();
            });
        }
    }
    Some(match head_rx.await {
        Ok(Head::Whole { head, body, total }) => response_bytes(head, body, total),
        Ok(Head::Drop) => return None,
        Ok(Head::Streaming {
            content_type,
            total,
            warning,
        }) => {
            let mut r = Response::new(ReplyBody::Streamed(chunk_rx));
            if closes || http10 {
                // Ended by closing the connection, which the client asked for anyway,
                // rather than chunked: clients that read the raw answer to the end of
                // the connection take everything after the head for the document, chunk
                // sizes included (softlayer-api-php-client's asynchronous calls). hyper
                // frames an HTTP/1.0 answer of unknown length that way. An HTTP/1.0
                // client's answer can only end so, whatever its `keep-alive`: as an
                // HTTP/1.1 answer hyper told it `keep-alive` and closed anyway, and a
                // request it had pipelined behind went unanswered.
                *r.version_mut() = hyper::Version::HTTP_10;
                r.headers_mut()
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            }
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

/// Whether a request's `Connection` header asks to close the connection after it.
fn asks_to_close(headers: &hyper::HeaderMap) -> bool {
    headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
}

/// How a reply begins: whole, or streaming (sent with its first chunk; the rest of its
/// items follow on the chunk channel).
enum Head {
    Whole {
        /// The answer but its body.
        head: HttpAnswer,
        body: ReplyBody,
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
    /// A streamed reply's head, held back until its first chunk goes with it: sending
    /// the head commits the status (200), so until then a fault can still be answered
    /// whole, in the transport's format (README "Limits").
    pending: Option<Head>,
    chunks: mpsc::Sender<Chunk>,
    /// Body bytes sent so far.
    bytes: u64,
    /// When a streamed reply must have ended, [`STREAM_LIFE`] stall timeouts after it
    /// began: its read snapshot does not live on, so that the write-ahead log can always
    /// checkpoint (issue 10).
    deadline: Option<Instant>,
    /// Room in the chunk channel kept for [`Responder::cut`] while a reply streams.
    cut_room: Option<mpsc::OwnedPermit<Chunk>>,
    /// What the connection says of itself: whether it closed because its client read
    /// nothing (none for a request that did not come from a connection of the server's).
    connection: Option<Arc<super::conn::Framing>>,
}

impl Responder {
    /// The connection that waits for this reply's head is gone.
    fn gone(&self) -> bool {
        self.head.as_ref().is_some_and(|h| h.is_closed())
    }

    /// Whether the status and part of the body left: past this a fault can only cut.
    fn started(&self) -> bool {
        self.head.is_none()
    }

    fn whole(&mut self, mut answer: HttpAnswer, total: Option<u64>) {
        let body = Bytes::from(std::mem::take(&mut answer.body));
        self.whole_bytes(answer, body, total, None);
    }

    /// [`Self::whole`] with the body apart (`answer`'s own is left out).
    fn whole_bytes(
        &mut self,
        answer: HttpAnswer,
        body: Bytes,
        total: Option<u64>,
        unsent: Option<tokio::sync::OwnedSemaphorePermit>,
    ) {
        self.pending = None;
        self.bytes = body.len() as u64;
        if let Some(head) = self.head.take() {
            // Sliced here, on the thread that built it, not on an async thread.
            let body = match unsent {
                Some(place) => ReplyBody::sliced(&body, place),
                None => ReplyBody::whole(body),
            };
            let _ = head.send(Head::Whole {
                head: answer,
                body,
                total,
            });
        }
    }

    fn drop_connection(&mut self) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Drop);
        }
    }

    /// Begins a streamed reply; its head goes with the first chunk ([`Self::pending`]).
    fn start_stream(&mut self, content_type: &'static str, total: u64, warning: Option<String>) {
        // Its pace is the client's from here; streams are capped on their own.
        crate::limits::leave_cpu_place();
        self.cut_room = self.chunks.clone().try_reserve_owned().ok();
        self.pending = Some(Head::Streaming {
            content_type,
            total,
            warning,
        });
    }

    /// Ends a streamed list that never needed a second chunk as one whole reply with its
    /// length, as the real API frames every reply (SLDN's REST article shows a list with
    /// `Content-Length`), and as clients that read the raw HTTP answer expect:
    /// softlayer-api-php-client's asynchronous calls take everything after the head for
    /// the document, chunk sizes included. Only while [`Self::holds_streaming_head`].
    fn whole_list(&mut self, body: Vec<u8>) {
        let Some(Head::Streaming {
            content_type,
            total,
            warning,
        }) = self.pending.take()
        else {
            return;
        };
        let headers = warning
            .map(|w| vec![(WARNING_HEADER.to_string(), w)])
            .unwrap_or_default();
        self.whole(
            HttpAnswer {
                status: 200,
                content_type,
                headers,
                body,
            },
            Some(total),
        );
    }

    /// Forgets a stream begun and given up before anything was sent, so that the call
    /// can stream again from the start.
    fn forget_stream(&mut self) {
        self.pending = None;
        self.cut_room = None;
        self.bytes = 0;
        self.deadline = None;
    }

    /// Whether a streamed reply's head is still held back (no chunk has left).
    fn holds_streaming_head(&self) -> bool {
        matches!(self.pending, Some(Head::Streaming { .. }))
    }

    /// Sends a chunk of a streaming reply (the first one after the held-back head),
    /// waiting while the client is slow to read, for as long as the connection sees it
    /// take bytes, and not past the stream's deadline: then the reply ends, and its
    /// thread and read snapshot are freed.
    fn chunk(&mut self, bytes: Vec<u8>) -> Result<(), Fault> {
        self.bytes += bytes.len() as u64;
        let stall = crate::limits::get().stall_timeout();
        let secs = stall.as_secs();
        let deadline = self.deadline;
        let life_left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        // The connection fails a write that makes no progress for the stall timeout, and
        // its clock can start before this one (as the socket's buffer fills): a client
        // that stopped reading is then told apart from one that hung up.
        let closed = |connection: &Option<Arc<super::conn::Framing>>| Fault::Cut {
            cut: match connection {
                Some(c) if c.write_stalled() => Cut::ClientStalled { secs },
                _ => Cut::ClientClosed,
            },
        };
        if life_left().is_some_and(|left| left.is_zero()) {
            return Err(Fault::Cut {
                cut: past_deadline(stall),
            });
        }
        if let Some(head) = self.pending.take()
            && let Some(tx) = self.head.take()
            && tx.send(head).is_err()
        {
            return Err(closed(&self.connection));
        }
        let mut chunk = Ok(Bytes::from(bytes));
        loop {
            let left = life_left();
            let wait = left.map_or(stall, |left| left.min(stall));
            let send = self.chunks.send_timeout(chunk, wait);
            match tokio::runtime::Handle::current().block_on(send) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                    return Err(closed(&self.connection));
                }
                Err(mpsc::error::SendTimeoutError::Timeout(unsent)) => {
                    if left.is_some_and(|left| left <= stall) {
                        return Err(Fault::Cut {
                            cut: past_deadline(stall),
                        });
                    }
                    // A chunk can wait longer than the stall timeout for a client that
                    // reads all along: Linux wakes a writer on a full send buffer (4 MB)
                    // only once a third of it has drained, and a client reading 40 KB/s
                    // was cut here at 30 s as one that read nothing. The connection
                    // judges progress by the bytes its client acknowledges, and closes
                    // (ending this wait) when there is none for the stall timeout.
                    let connection_watches =
                        self.connection.as_ref().is_some_and(|c| !c.write_stalled());
                    if !connection_watches {
                        return Err(Fault::Cut {
                            cut: Cut::ClientStalled { secs },
                        });
                    }
                    chunk = unsent;
                }
            }
        }
    }

    /// A streamed reply past its deadline, as a fault: looked at for every row, not
    /// only for every chunk, because a list whose rows come slowly (a filter that
    /// matches few of the rows it scans) could keep its read snapshot for many times its
    /// life before it fills one chunk.
    fn outlived(&self) -> Result<(), Fault> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(Fault::Cut {
                cut: past_deadline(crate::limits::get().stall_timeout()),
            }),
            _ => Ok(()),
        }
    }

    /// Ends a streaming reply early: the connection is cut, so the client sees an
    /// incomplete reply rather than a well-formed short one. Never waits: the error goes
    /// through the channel room reserved as the stream started, so a client that stopped
    /// reading does not get to hold the thread (nor the stream's slot) here.
    fn cut(&mut self, reason: String) {
        let error = Err(std::io::Error::other(reason));
        match self.cut_room.take() {
            Some(room) => drop(room.send(error)),
            None => drop(self.chunks.try_send(error)),
        }
    }
}

/// How many stall timeouts a streamed reply may last in all, its read snapshot with it.
/// More than one: the server's own time to read and write the list counts too, and on a
/// machine kept busy by other processes a 100,000-ticket list took 23-30 s instead of
/// 1.5 s (it was cut when the snapshot lived one stall timeout). A client that stops
/// reading is still cut after one stall timeout without progress.
const STREAM_LIFE: u32 = 4;
// `Cut::PastDeadline`'s message says "four times the stall timeout".
const _: () = assert!(STREAM_LIFE == 4);

/// The fault of a streamed list answered whole, none of it having left. Past its
/// deadline then, the list was slow to read, not to be taken: the cut's advice is for a
/// client reading a long list, and this is the request's cost, answered like the SQL time
/// budget's fault.
fn unsent(fault: Fault) -> Fault {
    match fault {
        Fault::Cut {
            cut: Cut::PastDeadline { secs },
        } => Fault::bad_argument(format!(
            "The list took more than {secs} seconds to read (four times the stall timeout, \
             stall-timeout-secs); narrow the object filter or ask for less."
        )),
        other => other,
    }
}

/// The cut of a streamed reply that outlived [`STREAM_LIFE`] stall timeouts.
fn past_deadline(stall: Duration) -> Cut {
    Cut::PastDeadline {
        secs: stall.as_secs().saturating_mul(STREAM_LIFE.into()),
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
    /// The request is a HEAD: its answer ends with its head (hyper sends no body).
    head_only: bool,
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

/// Where a call is being answered. Most calls are answered on the async thread that read
/// their request: handing each call to a blocking-pool thread and its reply back took a
/// third of the CPU of a small read in profiles (issue 14: random-ticket `getObject`,
/// 12,500-12,700 → 18,300-19,300 requests/s without the hand-offs). Whatever may take
/// long goes to the blocking pool instead, so that `/health` and the other connections
/// of the async thread wait for no slow call: big bodies, calls the harness may delay
/// (a fault rule is set), streamed lists, writes without the writer thread, and reads
/// still in SQLite after [`ASYNC_SQL_LIMIT`] or whose reply grows heavy
/// (`projection::HEAVY_REPLY_BYTES`), which start again there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lane {
    Async,
    Blocking,
}

/// How long a read answered on the async thread may keep SQLite working before it is
/// given up and run again on the blocking pool. An ordinary read takes a tenth of
/// this; a large reply (a ticket's hundreds of updates, a fan-out mask) is moved after
/// wasting at most this much.
const ASYNC_SQL_LIMIT: std::time::Duration = std::time::Duration::from_millis(2);

/// Bodies up to this size may be parsed on the async thread (a few tens of microseconds);
/// larger ones are parsed on the blocking pool.
const ASYNC_BODY: usize = 16 * 1024;

/// What is left of a call once [`Exchange::answer`] returns.
enum Then {
    /// Answered.
    Done,
    /// Nothing done yet: the whole call runs on the blocking pool.
    Answer,
    /// A write: it goes to the writer ([`WriteCall`]).
    Write(Call),
    /// A list to stream (from the async thread: streams run on the blocking pool).
    Stream(Call),
    /// A read given up on the async thread (past [`ASYNC_SQL_LIMIT`], or heavy), to run
    /// again.
    Whole(Call),
    /// A list to stream, past the cap of streams: it waits for a slot.
    WaitForStream(Call),
}

/// Runs on the blocking pool: what is left of the call after `then` (everything, for
/// [`Then::Answer`]), up to the last byte of the reply, or up to where the call moves
/// to the writer or waits for a stream slot.
fn work<C: Codec>(mut x: Exchange<C>, then: Then) {
    yield_to_async_threads();
    let then = match then {
        Then::Answer => x.guarded(|x| x.answer(Lane::Blocking)),
        Then::Stream(call) => x.guarded(|x| x.stream_or_wait(call)),
        Then::Whole(call) => x.guarded(|x| x.run_whole(&call, Lane::Blocking)),
        then => Some(then),
    };
    match then {
        Some(Then::Write(call)) => {
            // The writer is one connection's turn, not the CPU's: the place is the next
            // call's meanwhile.
            crate::limits::leave_cpu_place();
            submit_write(x, call);
        }
        Some(Then::WaitForStream(call)) => wait_for_stream(x, call),
        _ => {
            drop(x);
            services::projection::release_after_heavy_reply();
        }
    }
}

/// Whom `credentials` authenticate, looked up once between writes ([`store::Store::caller`]).
fn known_caller(
    store: &store::Store,
    credentials: &crate::call::Credentials,
) -> Result<(store::Principal, crate::time::Zone), Fault> {
    store.caller(credentials, || {
        store.read(|conn| crate::auth::caller(conn, credentials))
    })
}

/// Hands write `call` to the writer; its reply is written once its commit is known.
fn submit_write<C: Codec>(x: Exchange<C>, call: Call) {
    let trace = x.shared.observer.take_trace();
    let shared = x.shared.clone();
    shared.store.submit(Box::new(WriteCall {
        x,
        call,
        result: None,
        fault_warnings: Vec::new(),
        trace,
    }));
}

/// Streams `call` once one of the [`stream_slots`] frees, or answers that the server is
/// busy.
fn wait_for_stream<C: Codec>(mut x: Exchange<C>, call: Call) {
    let trace = x.shared.observer.take_trace();
    let limits = crate::limits::get();
    // With no slot at all none can free: waiting only put off the 503 (38.5 s a try by
    // default, for a setting meant to test clients' retries).
    if limits.max_streams == 0 {
        x.shared.observer.put_trace(trace);
        return x.busy(&call, None);
    }
    // A stream ahead whose client stopped reading ends within the stall timeout and a
    // quarter (the connection looks for progress four times a stall timeout), so with
    // every slot held by such clients one frees within it (and a moment) unless other
    // calls take it first. Slots held by long lists still being read may take longer
    // (a stream lives up to `STREAM_LIFE` stall timeouts): then the call is told the
    // server is busy. (It waited the stall timeout + 1 s, and a call made 0.5 s after
    // its stream ahead stalled was told busy just before that stream was cut.)
    let wait = super::conn::stall_cut_within(limits.stall_timeout())
        .saturating_add(Duration::from_secs(1));
    tokio::runtime::Handle::current().spawn(async move {
        let slot = tokio::time::timeout(wait, stream_slots().clone().acquire_owned()).await;
        match slot {
            // Its client went away while it waited (the abuse of issue 10 closes
            // hundreds at once): no list is read for no one.
            Ok(Ok(_)) if x.responder.gone() => {}
            Ok(Ok(slot)) => {
                tokio::task::spawn_blocking(move || {
                    yield_to_async_threads();
                    x.shared.observer.put_trace(trace);
                    x.guarded(|x| x.stream_in_slot(&call, slot));
                });
            }
            _ => {
                x.shared.observer.put_trace(trace);
                x.busy(&call, Some(wait))
            }
        }
    });
}

/// A write call at the writer (store/group_commit.rs): its methods run in the writer's
/// transaction, and its reply is written once the commit holding it is known, so that
/// an acknowledged write is a committed one.
struct WriteCall<C> {
    x: Exchange<C>,
    call: Call,
    /// What the dispatch gave; `None` until it ran (or when it panicked).
    result: Option<Result<Reply, Fault>>,
    /// What the call was told before its fault ([`services::take_fault_warnings`]).
    fault_warnings: Vec<String>,
    /// The observer's record of the call, carried from thread to thread.
    trace: CallTrace,
}

impl<C: Codec> WriteJob for WriteCall<C> {
    /// A call's handler writes only to the database; its result and trace are set again.
    fn repeatable(&self) -> bool {
        true
    }

    fn run(&mut self, conn: &rusqlite::Connection) -> bool {
        let shared = &self.x.shared;
        shared.observer.put_trace(std::mem::take(&mut self.trace));
        services::take_fault_warnings();
        let result = self.x.codec.run(&self.call, &mut |c| {
            services::dispatch_write_in(&shared.store, conn, c, &*shared.observer)
        });
        self.fault_warnings = services::take_fault_warnings();
        self.trace = shared.observer.take_trace();
        let keep = result.is_ok();
        self.result = Some(result);
        keep
    }

    fn then(self: Box<Self>, committed: Result<(), String>) {
        let WriteCall {
            mut x,
            call,
            result,
            fault_warnings,
            trace,
        } = *self;
        x.shared.observer.put_trace(trace);
        x.guarded(|x| match (result, committed) {
            (Some(Ok(reply)), Ok(())) => x.whole_reply(&call, &reply, None),
            (Some(Err(fault)), _) => x.whole_fault_warned(Some(&call), &fault, &fault_warnings),
            (Some(Ok(_)), Err(reason)) => {
                x.whole_fault(Some(&call), &store::StoreError::Commit(reason).into())
            }
            // The transaction did not begin (another process holds the file: 503).
            (None, Err(reason)) => {
                x.whole_fault(Some(&call), &store::StoreError::Commit(reason).into())
            }
            (None, Ok(())) => x.whole_fault(Some(&call), &Fault::internal("no result")),
        });
    }
}

/// `d` in seconds as a person says it: whole, or with the hundredths it has (the slot
/// wait, 1.25 stall timeouts + 1 s, was said rounded up: 3.5 s as "4 seconds").
fn seconds_as_said(d: Duration) -> String {
    let said = format!("{:.2}", d.as_secs_f64());
    said.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl<C: Codec> Exchange<C> {
    /// Runs `step`; a panic in it is answered (a fault, or a cut stream), not lost.
    fn guarded<T>(&mut self, step: impl FnOnce(&mut Self) -> T) -> Option<T> {
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| step(self)));
        if ran.is_err() {
            let fault = Fault::internal("a handler panicked");
            if self.responder.started() {
                self.responder.cut("a handler panicked".into());
            } else {
                self.whole_fault(None, &fault);
            }
        }
        ran.ok()
    }

    /// No stream slot freed within `waited` (`None`: the server has none): 503 with
    /// `Retry-After`, in the transport's format.
    fn busy(&mut self, call: &Call, waited: Option<std::time::Duration>) {
        let fault = Fault::busy(match waited {
            Some(waited) => format!(
                "The server is streaming as many lists as it allows (--max-streams) and \
                 none finished within {} seconds; retry shortly.",
                seconds_as_said(waited)
            ),
            None => "The server streams no lists (--max-streams 0); retry shortly.".into(),
        });
        let answer = write_fault(&self.codec, &fault);
        finished(
            &self.shared,
            &self.codec,
            Faulted::plain(Some(call), &fault),
            &answer,
            self.started,
            None,
            false,
        );
        self.responder.whole(answer, None);
    }
}

impl<C: Codec> Exchange<C> {
    fn answer(&mut self, lane: Lane) -> Then {
        // HTTP Basic, when present, is checked before the body is parsed: a caller with
        // wrong credentials costs one indexed lookup, not a parse of up to 16 MiB. A
        // caller known since the last write is not looked up again (the call's own check
        // would find it remembered too).
        if let Some(basic) = self.codec.fallback_credentials()
            && let Err(fault) = known_caller(&self.shared.store, basic)
        {
            // Named in the journal and the metrics by the call it is, as XML-RPC and SOAP
            // name a refused call: read for its names only when that is cheap. One whose
            // body does not read stays unnamed, as with good credentials: named with no
            // arguments, `replay` sent it as another call (a write with none).
            let parsed = if self.body.len() <= MAX_CACHED_BODY {
                self.codec.parse(&self.body)
            } else {
                Err(fault.clone())
            };
            let call = match parsed {
                Ok(call) => Some(call),
                // A service or method the API lacks, as it was called.
                Err(
                    Fault::ServiceNotFound { service, method }
                    | Fault::MethodNotFound { service, method },
                ) => Some(Call {
                    service,
                    method,
                    headers: Default::default(),
                    args: Vec::new(),
                }),
                Err(_) => None,
            };
            // Fault rules meet it first, as they meet XML-RPC's and SOAP's refused callers
            // (as nobody): a rule for every call let REST's wrong keys through to 401. A
            // body too big to read for its names leaves the names its address gives
            // (REST's): met by the rules by those, and journaled by them only when a rule
            // answers (an injected call is never replayed).
            let by_address = match call {
                Some(_) => None,
                None => self.codec.parse(&[]).ok(),
            };
            let named = call.as_ref().or(by_address.as_ref());
            let (shared, transport) = (&self.shared, self.codec.transport());
            let injected = named.and_then(|named| {
                crate::limits::lending_big_body_place(&mut self.in_flight.1, || {
                    shared.observer.intercept(transport, named, &|| None).err()
                })
            });
            match injected {
                Some(injected) => self.whole_fault(named, &injected),
                None => self.whole_fault(call.as_ref(), &fault),
            }
            return Then::Done;
        }
        // A big body is heavy work: parsed at the lowest priority (see LowestPriority).
        let heavy = (self.body.len() > SMALL_BODY).then(crate::limits::LowestPriority::new);
        let parsed = self.codec.parse(&self.body);
        drop(heavy);
        self.body = Bytes::new();
        // The bytes are given back; a big body's place is kept until its call is
        // answered: parsed, a 15 MiB entry waited for the writer as big as it came, and
        // 48 such calls held 1 GB (the next big body waits unread meanwhile).
        self.in_flight = InFlight(0, self.in_flight.1.take());
        let mut call = match parsed {
            Ok(call) => call,
            Err(fault) => {
                // REST names a service or method the API lacks as it routes: journaled
                // as its caller's, as XML-RPC's and SOAP's are (services::admit_unserved).
                if let Fault::ServiceNotFound { service, method }
                | Fault::MethodNotFound { service, method } = &fault
                {
                    let named = Call {
                        service: service.clone(),
                        method: method.clone(),
                        headers: crate::call::CallHeaders {
                            credentials: self.codec.fallback_credentials().cloned(),
                            ..Default::default()
                        },
                        args: Vec::new(),
                    };
                    services::admit_unserved(&self.shared.store, &named, &*self.shared.observer);
                }
                let warning: Vec<String> = self.codec.fault_warning(&fault).into_iter().collect();
                self.whole_fault_warned(None, &fault, &warning);
                return Then::Done;
            }
        };
        if call.headers.credentials.is_none() {
            call.headers.credentials = self.codec.fallback_credentials().cloned();
        }
        let caller = || {
            let credentials = call.headers.credentials.as_ref()?;
            let known = known_caller(&self.shared.store, credentials).ok();
            known.map(|(principal, _)| principal)
        };
        let (shared, transport) = (&self.shared, self.codec.transport());
        let intercepted = crate::limits::lending_big_body_place(&mut self.in_flight.1, || {
            shared.observer.intercept(transport, &call, &caller)
        });
        if let Err(fault) = intercepted {
            self.whole_fault(Some(&call), &fault);
            return Then::Done;
        }
        if services::writes(&call) {
            return Then::Write(call);
        }
        if services::returns_list(&call) && self.codec.list_writer(&call).is_some() {
            return match lane {
                Lane::Async => Then::Stream(call),
                Lane::Blocking => self.stream_or_wait(call),
            };
        }
        self.run_whole(&call, lane)
    }

    /// Whether this call may be answered on the async thread (see [`Lane`]).
    fn may_answer_here(&self) -> bool {
        self.in_flight.1.is_none()
            && self.body.len() <= ASYNC_BODY
            && !self.shared.observer.may_hold_calls()
    }

    /// Streams list `call` in a free stream slot. With none free, the list is read
    /// anyway while it fits one chunk: such a list goes whole with its length and holds
    /// no thread while its client reads, so it needs no slot (32 clients that never read
    /// their long lists had every short page, `resultLimit=0,5` included, wait for the
    /// stall timeout). A list that outgrows the chunk waits for a slot and is read again.
    fn stream_or_wait(&mut self, call: Call) -> Then {
        // A stream lives as long as its client reads: it keeps no big body's place.
        self.in_flight.1 = None;
        match stream_slots().clone().try_acquire_owned() {
            Ok(slot) => {
                self.stream_in_slot(&call, slot);
                Then::Done
            }
            Err(_) => {
                // `--max-streams 0` answers every list 503, to test clients' retries.
                let whole = match self.codec.list_writer(&call) {
                    Some(list) if crate::limits::get().max_streams > 0 => {
                        self.stream_as(&call, list, Chunks::OneOnly)
                    }
                    _ => false,
                };
                if whole {
                    return Then::Done;
                }
                self.responder.forget_stream();
                Then::WaitForStream(call)
            }
        }
    }

    /// Answers read `call` whole (a single object, or a list whose codec cannot stream);
    /// on the async thread, only if it ends within [`ASYNC_SQL_LIMIT`] without growing
    /// heavy ([`Then::Whole`] and nothing answered otherwise).
    fn run_whole(&mut self, call: &Call, lane: Lane) -> Then {
        // Taken before the read, so that a write racing it makes the entry stale at once.
        let version = self
            .cache_key
            .is_some()
            .then(|| crate::reply_cache::read_at(&self.shared.store));
        let shared = &self.shared;
        let codec = &self.codec;
        let run = || {
            services::take_fault_warnings();
            codec.run(call, &mut |c| {
                services::dispatch_whole(&shared.store, c, &*shared.observer)
            })
        };
        let result = match lane {
            Lane::Blocking => services::projection::taking_heavy_turns(call, run),
            Lane::Async => match store::sql_clock::quick(ASYNC_SQL_LIMIT, run) {
                (_, true) => {
                    // Given up for its size, it waits for its turn before it reads again.
                    services::projection::note_if_heavy(call);
                    self.shared.harness.metrics.reads_moved.inc();
                    return Then::Whole(call.clone());
                }
                (result, false) => result,
            },
        };
        match result {
            Ok(reply) => self.whole_reply(call, &reply, version),
            Err(fault) => {
                let warnings = services::take_fault_warnings();
                self.whole_fault_warned(Some(call), &fault, &warnings)
            }
        }
        Then::Done
    }

    /// Streams `call` while it holds one of the [`stream_slots`].
    fn stream_in_slot(&mut self, call: &Call, slot: tokio::sync::OwnedSemaphorePermit) {
        let Some(list) = self.codec.list_writer(call) else {
            self.run_whole(call, Lane::Blocking);
            return;
        };
        self.stream_as(call, list, Chunks::Any);
        drop(slot);
    }

    fn whole_reply(
        &mut self,
        call: &Call,
        reply: &Reply,
        version: Option<crate::reply_cache::ReadAt>,
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
        // One buffer for the wire and the journal (`Outcome::reply_body`).
        let body = Bytes::from(std::mem::take(&mut answer.body));
        let unsent = match crate::limits::unsent_share(body.len()) {
            Ok(share) => share,
            Err(fault) => {
                drop(body);
                self.whole_fault(Some(call), &fault);
                return;
            }
        };
        self.shared.observer.finished(&Outcome {
            transport: self.codec.transport(),
            call: Some(call),
            fault: None,
            fault_message: None,
            status: answer.status,
            duration: self.started.elapsed(),
            bytes: body.len() as u64,
            cached: false,
            reply: Some(reply),
            reply_body: self.codec.reply_body().map(|form| (&body, form)),
            total: reply.total,
            nested: self.codec.nested_path(),
            ran_on: self.codec.ran_on(),
            cache_key: self.cache_key.as_deref(),
            warnings: &reply.warnings,
            unread: false,
        });
        self.responder
            .whole_bytes(answer, body, reply.total, unsent);
    }

    fn whole_fault(&mut self, call: Option<&Call>, fault: &Fault) {
        self.whole_fault_warned(call, fault, &[]);
    }

    /// [`Exchange::whole_fault`] with what the call was told before it failed, in the
    /// warning header and the journal as a reply's are.
    fn whole_fault_warned(&mut self, call: Option<&Call>, fault: &Fault, warnings: &[String]) {
        if let Fault::Internal { detail } = fault {
            let (service, method) = call
                .map(|c| (c.service.as_str(), c.method.as_str()))
                .unwrap_or_default();
            tracing::error!("{service}::{method}: {detail}");
        }
        let mut answer = match fault {
            // A front end's error page, not an API reply.
            Fault::Interrupted {
                status: Some(status),
                ..
            } => HttpAnswer {
                status: *status,
                content_type: "text/html",
                headers: Vec::new(),
                body: {
                    let reason = hyper::StatusCode::from_u16(*status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Error");
                    format!(
                        "<html><head><title>{status} {reason}</title></head>\
                         <body><h1>{status} {reason}</h1></body></html>\n"
                    )
                    .into_bytes()
                },
            },
            // The connection is closed unanswered: the journal shows status 0 and no
            // bytes, not the fault the transport would have carried (200 for XML-RPC).
            Fault::Interrupted { status: None, .. } => HttpAnswer {
                status: 0,
                content_type: "text/plain",
                headers: Vec::new(),
                body: Vec::new(),
            },
            _ => write_fault(&self.codec, fault),
        };
        if let Some(warning) = warning_header_value(warnings) {
            answer.headers.push((WARNING_HEADER.to_string(), warning));
        }
        finished(
            &self.shared,
            &self.codec,
            Faulted {
                call,
                fault,
                warnings,
            },
            &answer,
            self.started,
            self.cache_key.as_deref(),
            false,
        );
        if let Fault::Interrupted { status: None, .. } = fault {
            return self.responder.drop_connection();
        }
        self.responder.whole(answer, None);
    }

    /// A list read, written to the client as its rows are read, so that a
    /// 100,000-ticket reply never sits in memory whole. With [`Chunks::OneOnly`], a list
    /// that outgrows one chunk is given up before anything is sent: `false`, and nothing
    /// answered.
    fn stream_as(&mut self, call: &Call, list: Box<dyn ListWriter>, chunks: Chunks) -> bool {
        // The read snapshot is taken as the dispatch begins.
        let stall = crate::limits::get().stall_timeout();
        let deadline = crate::limits::deadline_after(stall.saturating_mul(STREAM_LIFE)).into_std();
        self.responder.deadline = Some(deadline);
        let mut sink = StreamSink {
            responder: &mut self.responder,
            list,
            content_type: self.codec.reply_content_type(),
            buffer: Vec::with_capacity(CHUNK_BYTES + 4096),
            warnings: Vec::new(),
            total: None,
            chunks,
            outgrown: false,
        };
        // The deadline holds inside SQLite too: a list's count, or a row that takes long
        // to find, is not let run past it (the stream itself looks at it for every row).
        let (result, outlived) = store::sql_clock::until(deadline, || {
            services::dispatch_observed(&self.shared.store, call, &mut sink, &*self.shared.observer)
        });
        let StreamSink {
            mut list,
            mut buffer,
            total,
            warnings,
            outgrown,
            ..
        } = sink;
        if outgrown {
            return false;
        }
        let result = match result {
            Err(_) if outlived => Err(Fault::Cut {
                cut: past_deadline(stall),
            }),
            Ok(None) => {
                list.end(&mut buffer);
                // A list that fits one chunk goes whole, with its length; told to the
                // observer first, like every whole reply, so that the journal has the
                // call by the time its client has the answer.
                if self.responder.holds_streaming_head() {
                    self.responder.bytes = buffer.len() as u64;
                    self.streamed(call, total, None, &warnings);
                    self.responder.whole_list(buffer);
                    return true;
                }
                // Past the stream's deadline (or with the client stalled or gone) the
                // last chunk never leaves, and the list ends with the fault below, never
                // as if it were whole.
                self.responder.chunk(buffer).map(|()| None)
            }
            other => other,
        };
        match result {
            Ok(None) => self.streamed(call, total, None, &warnings),
            Ok(Some(reply)) => self.whole_reply(call, &reply, None),
            // Nothing left yet (the first chunk, with the head, never left): the status
            // is still ours to choose, and the client gets the fault like any other.
            Err(fault) if !self.responder.started() => {
                self.whole_fault_warned(Some(call), &unsent(fault), &warnings)
            }
            Err(fault) => self.cut_mid_reply(call, total, &fault, &warnings),
        }
        true
    }

    /// Ends a streamed list whose 200 and part of the list are out: HTTP/1.1 can only
    /// cut it.
    fn cut_mid_reply(
        &mut self,
        call: &Call,
        total: Option<u64>,
        fault: &Fault,
        warnings: &[String],
    ) {
        // A HEAD's answer is whole once its head is out: hyper sends no body, so the
        // list's first chunk finds the body gone. It was journaled and counted as a
        // client that hung up mid-reply, with a warning in the log.
        if self.head_only
            && matches!(
                fault,
                Fault::Cut {
                    cut: crate::fault::Cut::ClientClosed
                }
            )
        {
            self.responder.bytes = 0;
            self.streamed(call, total, None, warnings);
            return;
        }
        tracing::warn!(
            "{}::{} stopped mid-reply: {fault:?}",
            call.service,
            call.method
        );
        self.responder.cut(fault.to_string());
        self.streamed(call, total, Some(fault), warnings);
    }

    /// Tells the observer how a streamed list ended: whole, or cut by `fault` after its
    /// 200 and `total` (the head's `SoftLayer-Total-Items`) went out.
    fn streamed(
        &self,
        call: &Call,
        total: Option<u64>,
        fault: Option<&Fault>,
        warnings: &[String],
    ) {
        self.shared.observer.finished(&Outcome {
            transport: self.codec.transport(),
            call: Some(call),
            fault,
            fault_message: fault.map(|f| self.codec.fault_message(f)),
            status: 200,
            duration: self.started.elapsed(),
            bytes: self.responder.bytes,
            cached: false,
            reply: None,
            reply_body: None,
            total,
            nested: self.codec.nested_path(),
            ran_on: self.codec.ran_on(),
            cache_key: self.cache_key.as_deref(),
            warnings,
            unread: false,
        });
    }
}

/// The items of a streaming list, through the codec's [`ListWriter`].
struct StreamSink<'a> {
    responder: &'a mut Responder,
    list: Box<dyn ListWriter>,
    content_type: &'static str,
    buffer: Vec<u8>,
    warnings: Vec<String>,
    /// The total the stream's head carried, once it started.
    total: Option<u64>,
    chunks: Chunks,
    /// The list outgrew the one chunk it was allowed ([`Chunks::OneOnly`]).
    outgrown: bool,
}

/// How many chunks a list may stream.
#[derive(Clone, Copy, PartialEq)]
enum Chunks {
    Any,
    /// One: the list is read without a stream slot, so it may only go whole.
    OneOnly,
}

impl ItemSink for StreamSink<'_> {
    fn warn(&mut self, warnings: &[String]) {
        self.warnings.extend_from_slice(warnings);
    }

    fn start(&mut self, total: u64, items: u64) -> Result<(), Fault> {
        let warning = warning_header_value(&self.warnings);
        self.total = Some(total);
        self.responder
            .start_stream(self.content_type, total, warning);
        self.list.start(&mut self.buffer, total, items);
        Ok(())
    }

    fn item(&mut self, item: Value) -> Result<(), Fault> {
        self.responder.outlived()?;
        self.list.item(&mut self.buffer, &item);
        if self.buffer.len() >= CHUNK_BYTES {
            if self.chunks == Chunks::OneOnly {
                self.outgrown = true;
                // Any fault stops the read; `outgrown` says why.
                return Err(Fault::Busy {
                    message: "the list outgrew one chunk".into(),
                });
            }
            let full = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES + 4096));
            self.responder.chunk(full)?;
        }
        Ok(())
    }

    fn keeps_items(&self) -> bool {
        false
    }
}

/// A call (when it was read) that ended in a fault, with what it was told before.
struct Faulted<'a> {
    call: Option<&'a Call>,
    fault: &'a Fault,
    warnings: &'a [String],
}

impl<'a> Faulted<'a> {
    fn plain(call: Option<&'a Call>, fault: &'a Fault) -> Faulted<'a> {
        Faulted {
            call,
            fault,
            warnings: &[],
        }
    }
}

/// Journals and counts a call refused before its body was read (a method its transport
/// does not take, as REST's are: XML-RPC's and SOAP's 405s were neither; a body refused),
/// unnamed: named by its address with no arguments, `replay` would send it as another
/// call.
pub fn refused_unread<C: Codec>(
    shared: &Shared,
    codec: &C,
    fault: &Fault,
    answer: &HttpAnswer,
    started: Instant,
) {
    finished(
        shared,
        codec,
        Faulted::plain(None, fault),
        answer,
        started,
        None,
        true,
    );
}

/// Tells the observer of a fault answered whole.
fn finished<C: Codec>(
    shared: &Shared,
    codec: &C,
    faulted: Faulted<'_>,
    answer: &HttpAnswer,
    started: Instant,
    cache_key: Option<&[u8]>,
    unread: bool,
) {
    let Faulted {
        call,
        fault,
        warnings,
    } = faulted;
    shared.observer.finished(&Outcome {
        transport: codec.transport(),
        call,
        fault: Some(fault),
        fault_message: Some(codec.fault_message(fault)),
        status: answer.status,
        duration: started.elapsed(),
        bytes: answer.body.len() as u64,
        cached: false,
        reply: None,
        reply_body: None,
        total: None,
        nested: codec.nested_path(),
        ran_on: codec.ran_on(),
        cache_key,
        warnings,
        unread,
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
    response_bytes(head, ReplyBody::whole(body), total)
}

/// An answer whose body comes through `chunks` as it is written.
pub fn streamed_response(
    head: HttpAnswer,
    chunks: mpsc::Receiver<crate::body::Chunk>,
) -> Response<ReplyBody> {
    response_bytes(head, ReplyBody::Streamed(chunks), None)
}

fn response_bytes(head: HttpAnswer, body: ReplyBody, total: Option<u64>) -> Response<ReplyBody> {
    let mut r = Response::new(body);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_said_as_it_was() {
        let said = |ms| seconds_as_said(Duration::from_millis(ms));
        assert_eq!(said(3_500), "3.5");
        assert_eq!(said(38_500), "38.5");
        assert_eq!(said(4_750), "4.75");
        assert_eq!(said(10_000), "10");
        assert_eq!(said(2_250), "2.25");
    }
}
