//! The connection under hyper: what the server needs from a connection's raw bytes that
//! hyper does not offer.
//!
//! - **A write-stall timeout.** hyper has no write timeout: a client that stops reading a
//!   reply would hold its socket and buffers forever. Writes that make no progress for
//!   the stall timeout fail here, and hyper closes the connection.
//! - **Request framing hyper hides.** A request with both `Transfer-Encoding` and
//!   `Content-Length` is decoded by hyper as chunked with the `Content-Length` removed
//!   from its headers (RFC 9112 §6.3 lets a server do so), so the service cannot see it.
//!   Issue 10 wants such a request (a request-smuggling shape) refused: the scanner here
//!   follows the request heads as their bytes arrive and marks the request, and the
//!   pipeline answers it 400.
//! - **Bodies for hyper's own 400, 414 and 431 answers**, which it sends empty: a client
//!   (or its user) then reads what went wrong instead of a bare status line, as a fault
//!   in the format of the transport the request line names (softlayer-python could not
//!   read a plain-text 414 from REST).
//! - **Request targets as the real API's front end takes them.** SLDN's own curl examples
//!   put an object filter in the URL as it is (`?objectFilter={"tickets":{…}}`), and curl
//!   sends it so: raw `"`, and raw UTF-8 for a filter on non-ASCII text. The real API
//!   answers them; hyper's parser refuses `"`, `<`, `>` and bytes over 0x7F in a request
//!   line with an empty 400. The scanner knows where each request line is, so those bytes
//!   are percent-encoded there before hyper reads them (the query is percent-decoded
//!   later, so the service sees what was sent); bodies and headers are never touched.
//! - **`SoftLayer-Total-Items` spelt as the real API spells it.** hyper writes every
//!   header name in lower case (or title case, `Softlayer-…`), which HTTP allows, but
//!   softlayer-java looks the header up by its exact name in a case-sensitive map, so its
//!   `getLastResponseTotalItemCount()` was always null and its paging examples failed.
//!   The name is set right in each write that begins a reply head, before the head's
//!   blank line (same length, in a copy). A head the socket takes in two writes keeps
//!   the lower case in its second part; bodies, which escape carriage returns in every
//!   format but plain text, never hold the name after a line break.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Marks a request that came with both `Transfer-Encoding` and `Content-Length` (an
/// extension the router puts on the request; the pipeline refuses it with 400).
#[derive(Debug, Clone, Copy)]
pub struct AmbiguousFraming;

/// What the connection tells the router about its requests, shared between the two.
#[derive(Debug, Default)]
pub struct Framing {
    /// Requests handed to the service so far.
    served: AtomicU64,
    /// The 1-based number of the request that came with both framing headers; 0: none.
    /// hyper closes the connection after such a request, so there is at most one.
    ambiguous: AtomicU64,
    /// Whether a write failed for making no progress for the stall timeout (hyper then
    /// closes the connection): a streamed reply cut so was stalled by its client, which
    /// did not close it.
    write_stalled: AtomicBool,
}

impl Framing {
    /// Counts a request handed to the service, and says whether it is the ambiguous one.
    /// hyper reads a request's whole head before it calls the service, so the scanner
    /// has always seen that head by now.
    pub fn next_is_ambiguous(&self) -> bool {
        let number = self.served.fetch_add(1, Ordering::SeqCst) + 1;
        self.ambiguous.load(Ordering::SeqCst) == number
    }

    /// Whether the connection gave up a write that made no progress for the stall
    /// timeout.
    pub fn write_stalled(&self) -> bool {
        self.write_stalled.load(Ordering::SeqCst)
    }
}

/// A TCP connection as hyper sees it, with the three additions of the module doc.
pub struct Connection {
    inner: TcpStream,
    /// Running while writes are pending: it wakes to look at what the client has
    /// acknowledged, and past the stall timeout without progress the writes fail.
    stalled_since: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The bytes the client had not acknowledged when it last made progress.
    unacknowledged_at_start: Option<u64>,
    /// When the client last made progress (the writes began to wait, or it acknowledged
    /// bytes).
    progress_at: tokio::time::Instant,
    scanner: HeadScanner,
    framing: Arc<Framing>,
    /// A rewritten automatic answer (400/414/431 with a body) still to be sent, from `sent`.
    pending: Vec<u8>,
    sent: usize,
    /// Bytes read and escaped that did not fit hyper's buffer, from `inbound_at`.
    inbound: Vec<u8>,
    inbound_at: usize,
    /// Whether the client has sent anything yet (an HTTP/2 preface comes first).
    read_any: bool,
}

/// The request line an HTTP/2 client with prior knowledge opens with (RFC 9113 §3.4).
const H2_PREFACE_LINE: &[u8] = b"PRI * HTTP/2.0\r\n";

impl Connection {
    pub fn new(inner: TcpStream) -> Connection {
        Connection {
            inner,
            stalled_since: None,
            unacknowledged_at_start: None,
            progress_at: tokio::time::Instant::now(),
            scanner: HeadScanner::default(),
            framing: Arc::default(),
            pending: Vec::new(),
            sent: 0,
            inbound: Vec::new(),
            inbound_at: 0,
            read_any: false,
        }
    }

    pub fn framing(&self) -> Arc<Framing> {
        self.framing.clone()
    }

    /// `Pending` from the socket starts (or goes on) the stall clock; anything else stops it.
    ///
    /// A write stays pending while the client reads, if slowly: Linux wakes a writer on a
    /// full send buffer (autotuned to 4 MB) only once a third of it has drained, which a
    /// client reading 40 KB/s takes longer than the stall timeout to do, and its 12 MB
    /// download was cut at 4 MB. So when the clock runs out, the bytes the client has
    /// acknowledged count as progress. A client's kernel asks for more only once a
    /// segment's room is free (64 KiB on loopback), so a reader slower than that per stall
    /// timeout is still cut. The clock looks four times a stall timeout, so that a client
    /// that stops is cut about one stall timeout after its last progress (it looked once,
    /// and a client whose kernel took bytes early in a period was cut after two, which
    /// held a stream slot that long).
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.stalled_since = None;
            return polled;
        }
        let stall = crate::limits::get().stall_timeout();
        let look = stall_look(stall);
        if self.stalled_since.is_none() {
            self.unacknowledged_at_start = unacknowledged(&self.inner);
            self.progress_at = tokio::time::Instant::now();
        }
        let timer = self
            .stalled_since
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(look.min(stall))));
        while timer.as_mut().poll(cx).is_ready() {
            let now = tokio::time::Instant::now();
            if let (Some(then), Some(left)) =
                (self.unacknowledged_at_start, unacknowledged(&self.inner))
                && left < then
            {
                self.unacknowledged_at_start = Some(left);
                self.progress_at = now;
            }
            let quiet = now.saturating_duration_since(self.progress_at);
            if quiet < stall {
                timer.as_mut().reset(now + look.min(stall - quiet));
                continue;
            }
            self.framing.write_stalled.store(true, Ordering::SeqCst);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client read nothing for the stall timeout",
            )));
        }
        Poll::Pending
    }

    /// Sends what is left of a rewritten automatic answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let polled = Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]);
            match ready!(self.watch(cx, polled)) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.sent += n,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `bytes` (hyper's whole write) when it is one of hyper's empty automatic
    /// answers: the answer with a body is then sent in its place.
    fn rewrite(&mut self, cx: &mut Context<'_>, bytes: &[u8]) -> Option<Poll<io::Result<usize>>> {
        // hyper reads one head at a time and answers it itself only when it cannot hand
        // it to the service: its answer is about the head after the last one served.
        let answered = self.framing.served.load(Ordering::SeqCst) + 1;
        let answer = automatic_answer_with_body(
            bytes,
            self.scanner.request_line_of(answered),
            self.scanner.in_overlong_request_line(answered),
        )?;
        self.pending = answer;
        self.sent = 0;
        Some(match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // The rest goes out on the flush that follows.
            _ => Poll::Ready(Ok(bytes.len())),
        })
    }
}

/// How often a stalled write looks for progress: a quarter of the stall timeout.
fn stall_look(stall: Duration) -> Duration {
    (stall / 4).max(Duration::from_millis(10))
}

/// How long after its client's last progress a stalled write is failed at most: progress
/// is seen only when the clock looks, so a client that stopped just after one look is
/// cut one look later than one that stopped just before it.
pub fn stall_cut_within(stall: Duration) -> Duration {
    stall.saturating_add(stall_look(stall))
}

/// The bytes written to `stream` that its peer has not acknowledged yet (Linux's
/// `SIOCOUTQ`), or `None` where the socket cannot say.
fn unacknowledged(stream: &TcpStream) -> Option<u64> {
    use std::os::fd::AsRawFd as _;
    let mut queued: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ on a socket) writes one int through the pointer.
    let done = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
    (done == 0).then(|| u64::try_from(queued).ok()).flatten()
}

/// The largest automatic answer hyper writes (a status line, `content-length: 0` and a
/// date); anything longer is a real reply.
const AUTOMATIC_ANSWER_MAX: usize = 512;

/// hyper's automatic 400, 414 or 431 answer (`bytes`, written whole) with a body: a
/// `SoftLayer_Exception_Public` fault in the format of the transport `request_line`
/// names (the first line of the head hyper answers, as far as the scanner kept it),
/// plain text elsewhere. hyper says 431 for a head past its buffer even when that is all request
/// line (a target of about 400 KiB); `in_request_line` makes that the 414 it is.
fn automatic_answer_with_body(
    bytes: &[u8],
    request_line: &[u8],
    in_request_line: bool,
) -> Option<Vec<u8>> {
    if bytes.len() > AUTOMATIC_ANSWER_MAX || !bytes.ends_with(b"\r\n\r\n") {
        return None;
    }
    let mut head = std::str::from_utf8(bytes).ok()?.to_string();
    if !(head.starts_with("HTTP/1.1 ") || head.starts_with("HTTP/1.0 ")) {
        return None;
    }
    const TOO_LARGE: &str = "431 Request Header Fields Too Large\r\n";
    if in_request_line && head[9..].starts_with(TOO_LARGE) {
        head.replace_range(9..9 + TOO_LARGE.len(), "414 URI Too Long\r\n");
    }
    let status = &head[9..];
    let message = if status.starts_with("414 ") {
        "URI Too Long: the request target is longer than the server accepts \
         (65,534 bytes). Send long object masks and filters in the body (XML-RPC, SOAP) \
         rather than in the URL."
    } else if status.starts_with("431 ") {
        "Request Header Fields Too Large: the request's header section is larger than \
         the server accepts (100 header fields, or about 400 KiB)."
    } else if status.starts_with("400 ") {
        // A TLS ClientHello (a handshake record, 0x16, of TLS 3.x): an endpoint URL that
        // says https://, whose client shows only its own "wrong version number". Said
        // where the person running the server looks.
        if request_line.starts_with(&[0x16, 0x03]) {
            tracing::warn!(
                "a TLS handshake reached this plain-HTTP port: the client's endpoint URL \
                 says https://; use http://, or put TLS in front with a reverse proxy"
            );
        }
        // hyper's own 400: the request could not be framed (a request line, header or
        // Content-Length that does not parse, two Content-Lengths that differ, an HTTP
        // version other than 1.0 and 1.1).
        "Bad Request: the request's framing could not be read: its request line, a \
         header, or its Content-Length (one decimal length) is malformed, or the HTTP \
         version is not 1.0 or 1.1."
    } else {
        return None;
    };
    let fault = crate::call::Fault::documented(crate::fault::ExceptionClass::Public, message);
    // The target alone need be text: bytes hyper refuses after it (in the version) still
    // leave the transport it names.
    let target = request_line
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|target| std::str::from_utf8(target).ok());
    let (content_type, body) = match target.and_then(|t| super::fault_for_target(t, &fault)) {
        Some(answer) => (answer.content_type, answer.body),
        None => (
            "text/plain; charset=utf-8",
            format!("{message}\n").into_bytes(),
        ),
    };
    const EMPTY: &str = "\r\ncontent-length: 0\r\n";
    let at = head.find(EMPTY)?;
    let mut out = Vec::with_capacity(head.len() + body.len() + 64);
    out.extend_from_slice(&head.as_bytes()[..at]);
    out.extend_from_slice(format!("\r\ncontent-type: {content_type}").as_bytes());
    out.extend_from_slice(format!("\r\ncontent-length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(&head.as_bytes()[at + EMPTY.len()..]);
    out.extend_from_slice(&body);
    Some(out)
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.inbound_at < this.inbound.len() {
            let rest = &this.inbound[this.inbound_at..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.inbound_at += n;
            if this.inbound_at == this.inbound.len() {
                this.inbound.clear();
                this.inbound_at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if !this.read_any {
                this.read_any = buf.filled().len() > before;
                // hyper, speaking HTTP/1 alone, hung up on an HTTP/2 preface without a
                // word. The preface is made for an HTTP/1.1 server to answer with an
                // error (RFC 9113 §3.4): as another version, it gets the 400 that names
                // the versions spoken.
                if buf.filled()[before..].starts_with(H2_PREFACE_LINE) {
                    buf.filled_mut()[before + 11..before + 14].copy_from_slice(b"9.9");
                }
            }
            let read = &buf.filled()[before..];
            // Served lines are forgotten before the read is fed: after a burst of 32
            // answered, the full queue kept none of the new read's lines, and a refused
            // head among them got the format of the line after it.
            this.scanner
                .forget_served(this.framing.served.load(Ordering::SeqCst));
            let fed = this.scanner.feed(read);
            if let Some(number) = fed.ambiguous {
                this.framing.ambiguous.store(number, Ordering::SeqCst);
            }
            if let Some(escaped) = escape_request_lines(read, &fed.request_line) {
                buf.set_filled(before);
                let n = escaped.len().min(buf.remaining());
                buf.put_slice(&escaped[..n]);
                this.inbound = escaped[n..].to_vec();
                this.inbound_at = 0;
            }
        }
        polled
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(polled) = this.rewrite(cx, buf) {
            return polled;
        }
        let spelt = spell_header_names(buf);
        let polled = Pin::new(&mut this.inner).poll_write(cx, spelt.as_deref().unwrap_or(buf));
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        if total <= AUTOMATIC_ANSWER_MAX
            && bufs
                .iter()
                .find(|b| !b.is_empty())
                .is_some_and(|b| b.starts_with(b"HTTP/1."))
        {
            let joined: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
            if let Some(polled) = this.rewrite(cx, &joined) {
                return polled;
            }
        }
        // hyper queues each reply head as a buffer of its own, and a write may hold the
        // heads of several pipelined replies; most writes are bodies alone.
        if bufs.iter().any(|b| b.starts_with(b"HTTP/1.")) {
            let spelt: Vec<Option<Vec<u8>>> = bufs.iter().map(|b| spell_header_names(b)).collect();
            if spelt.iter().any(Option::is_some) {
                let spelt_bufs: Vec<io::IoSlice<'_>> = bufs
                    .iter()
                    .zip(&spelt)
                    .map(|(b, s)| s.as_deref().map_or(*b, io::IoSlice::new))
                    .collect();
                let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, &spelt_bufs);
                return this.watch(cx, polled);
            }
        }
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// Header names hyper writes in lower case that a client looks up by the real API's
/// exact spelling (see the module's comment).
const SPELT_HEADER_NAMES: [(&[u8], &[u8]); 1] =
    [(b"\r\nsoftlayer-total-items:", b"\r\nSoftLayer-Total-Items:")];

/// A copy of `bytes` with [`SPELT_HEADER_NAMES`] spelt right, when it starts a reply head
/// (`HTTP/1.`) that holds one of them before its blank line; `None` otherwise (most
/// writes: bodies, and heads without them). The copy has the same length, so what the
/// socket takes of it is what it took of `bytes`.
fn spell_header_names(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(b"HTTP/1.") {
        return None;
    }
    let head_end = memchr::memmem::find(bytes, b"\r\n\r\n").map_or(bytes.len(), |i| i + 2);
    let head = &bytes[..head_end];
    let mut spelt: Option<Vec<u8>> = None;
    for (written, wanted) in SPELT_HEADER_NAMES {
        if let Some(at) = memchr::memmem::find(head, written) {
            spelt.get_or_insert_with(|| bytes.to_vec())[at..at + wanted.len()]
                .copy_from_slice(wanted);
        }
    }
    spelt
}

/// Whether a request line's byte is one hyper refuses and the real API's front end takes.
fn needs_escape(b: u8) -> bool {
    matches!(b, b'"' | b'<' | b'>') || b >= 0x80
}

/// `read` with the bytes of its request-line parts (`ranges`, from the scanner) that
/// hyper would refuse percent-encoded; `None` when there are none (the usual case).
fn escape_request_lines(read: &[u8], ranges: &[(usize, usize)]) -> Option<Vec<u8>> {
    if !ranges
        .iter()
        .any(|&(from, to)| read[from..to].iter().copied().any(needs_escape))
    {
        return None;
    }
    let mut out = Vec::with_capacity(read.len() + 32);
    let mut copied = 0;
    for &(from, to) in ranges {
        out.extend_from_slice(&read[copied..from]);
        for &b in &read[from..to] {
            if needs_escape(b) {
                out.extend_from_slice(format!("%{b:02X}").as_bytes());
            } else {
                out.push(b);
            }
        }
        copied = to;
    }
    out.extend_from_slice(&read[copied..]);
    Some(out)
}

/// A `Content-Length` value: decimal digits alone (`str::parse` also took a sign, `+5`,
/// which hyper refuses: the scanner then read the body's rest as the next request line),
/// or a list of the same length (`5, 5`), which hyper refuses too, closing the
/// connection, so that framing it is harmless.
fn content_length(value: &[u8]) -> Option<u64> {
    let mut length = None;
    for part in value.split(|&b| b == b',') {
        let digits = part.trim_ascii();
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
        if length.is_some_and(|l| l != n) {
            return None;
        }
        length = Some(n);
    }
    length
}

/// What the scanner found in one read.
#[derive(Debug, Default)]
struct Fed {
    /// The number of a request head with both framing headers that ended in the read.
    ambiguous: Option<u64>,
    /// Offsets (`from..to`) of the read's bytes that are part of a request line.
    request_line: Vec<(usize, usize)>,
}

/// Where the scanner is in the stream of requests.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Scan {
    /// Before a request line (empty lines are skipped there, as hyper's parser does).
    #[default]
    Start,
    /// In the request line's header lines.
    Head,
    /// This many bytes of a `Content-Length` body still to come.
    Fixed(u64),
    /// A chunk-size line.
    ChunkSize,
    /// This many bytes of a chunk still to come.
    ChunkData(u64),
    /// The line end after a chunk's data.
    ChunkEnd,
    /// Trailer lines after the last chunk.
    Trailers,
    /// Lost track of the framing (hyper then refuses the request itself), or past the
    /// ambiguous request (hyper closes the connection after it): no more scanning.
    Off,
}

/// Longest part of a line the scanner keeps: enough for any header name it looks at
/// and for a length or encoding; longer lines are only counted.
const KEPT_LINE: usize = 256;

/// Request lines kept for hyper's answers at most: requests a client sends ahead of
/// the answers (pipelined) past these get an answer in the format of the last line seen.
const UNSERVED_LINES: usize = 32;

/// A request line this long is past what the server takes (its 414 says 64 KiB).
const OVERLONG_REQUEST_LINE: usize = 64 * 1024;

/// Follows the requests of one connection through their framing, only as far as to know
/// where each head is and which headers it has; hyper does the real parsing.
#[derive(Debug, Default)]
struct HeadScanner {
    state: Scan,
    line: Vec<u8>,
    /// The last request line seen (its first [`KEPT_LINE`] bytes).
    request_line: Vec<u8>,
    /// The request lines (as kept) of the heads hyper may not have handed to the service
    /// yet, oldest first, so that hyper's own answer to one comes in the format of the
    /// transport it names: the bytes read after it (its body, the next requests) may
    /// hold other lines, and a body the scanner framed otherwise than hyper (a
    /// `Content-Length: +5`) ones that are none. Each with its request's number; at
    /// most [`UNSERVED_LINES`] of them.
    unserved_lines: std::collections::VecDeque<(u64, Vec<u8>)>,
    /// Request lines seen so far.
    lines_seen: u64,
    /// The current line was longer than [`KEPT_LINE`].
    line_cut: bool,
    /// The current line's length so far (all of it, not only what is kept).
    line_len: usize,
    heads: u64,
    transfer_encoding: Option<bool>,
    content_length: Option<u64>,
    content_length_seen: bool,
}

impl HeadScanner {
    /// Reads the next bytes of the connection: where request lines are in them, and the
    /// number of a request head that has both framing headers when one ends in them.
    fn feed(&mut self, input: &[u8]) -> Fed {
        let mut fed = Fed::default();
        let mut bytes = input;
        while !bytes.is_empty() {
            match self.state {
                Scan::Off => return fed,
                Scan::Fixed(n) | Scan::ChunkData(n) => {
                    let take = (n as usize).min(bytes.len());
                    bytes = &bytes[take..];
                    let left = n - take as u64;
                    self.state = match (self.state, left) {
                        (Scan::Fixed(_), 0) => Scan::Start,
                        (Scan::Fixed(_), _) => Scan::Fixed(left),
                        (_, 0) => Scan::ChunkEnd,
                        _ => Scan::ChunkData(left),
                    };
                }
                _ => {
                    let end = memchr::memchr(b'\n', bytes);
                    if self.state == Scan::Start {
                        let from = input.len() - bytes.len();
                        fed.request_line
                            .push((from, from + end.unwrap_or(bytes.len())));
                    }
                    let Some(end) = end else {
                        self.keep(bytes);
                        return fed;
                    };
                    self.keep(&bytes[..end]);
                    bytes = &bytes[end + 1..];
                    if let Some(number) = self.line_done() {
                        fed.ambiguous = Some(number);
                    }
                }
            }
        }
        fed
    }

    /// The request line of the connection's `number`th request (1-based): a whole one
    /// kept, or the one still arriving (hyper answers a request line too long before
    /// its end), so that hyper's own answer is in the format of the request it answers,
    /// not of the one before or of bytes read after it. The last line seen when neither
    /// (already forgotten as served, or past a framing the scanner lost).
    fn request_line_of(&self, number: u64) -> &[u8] {
        if let Some((_, line)) = self.unserved_lines.iter().find(|(n, _)| *n == number) {
            line
        } else if number == self.lines_seen + 1 && self.in_request_line() {
            &self.line
        } else {
            &self.request_line
        }
    }

    /// Forgets the request lines of the first `served` requests, which hyper handed to
    /// the service (and so will not answer itself).
    fn forget_served(&mut self, served: u64) {
        while self
            .unserved_lines
            .front()
            .is_some_and(|(n, _)| *n <= served)
        {
            self.unserved_lines.pop_front();
        }
    }

    /// Whether the head being read has not yet ended its request line.
    fn in_request_line(&self) -> bool {
        self.state == Scan::Start && !self.line.is_empty()
    }

    /// Whether the `number`th request's head is a request line too long to end: the
    /// one hyper's 431 is about then. A pipelined request's first bytes, read with a
    /// head of too many fields, are not (that 431 is the earlier head's).
    fn in_overlong_request_line(&self, number: u64) -> bool {
        number == self.lines_seen + 1
            && self.in_request_line()
            && self.line_len >= OVERLONG_REQUEST_LINE
    }

    fn keep(&mut self, part: &[u8]) {
        self.line_len = self.line_len.saturating_add(part.len());
        let room = KEPT_LINE.saturating_sub(self.line.len());
        if part.len() <= room {
            self.line.extend_from_slice(part);
            return;
        }
        // Valid framing can be long where it means little: whitespace around a header's
        // value, leading zeros of a chunk size or a length. Past the kept length those
        // runs are kept as one byte (in what was kept too), so that a padded
        // `Content-Length` or a zero-padded chunk size is read, not lost (the scanner
        // used to stop for the rest of the connection at such a line, and with it the
        // refusal of the next request's ambiguous framing).
        let kept = std::mem::take(&mut self.line);
        for &b in kept.iter().chain(part) {
            let last = self.line.last().copied();
            let run = match b {
                b' ' | b'\t' => matches!(last, Some(b' ' | b'\t')),
                b'0' => self.leads_with_zero(),
                _ => false,
            };
            if run {
                continue;
            }
            if self.line.len() < KEPT_LINE {
                self.line.push(b);
            } else {
                self.line_cut = true;
            }
        }
    }

    /// Whether the line kept so far ends with a number's leading zero: a chunk size's,
    /// or a header value's (`Content-Length: 000…5`).
    fn leads_with_zero(&self) -> bool {
        match (self.state, self.line.as_slice()) {
            (Scan::ChunkSize, line) => line == b"0",
            (Scan::Head, [.., before, b'0']) => matches!(before, b':' | b' ' | b'\t'),
            _ => false,
        }
    }

    fn line_done(&mut self) -> Option<u64> {
        // The line's buffer is kept for the next line (a request has a dozen).
        let mut line = std::mem::take(&mut self.line);
        let cut = std::mem::take(&mut self.line_cut);
        self.line_len = 0;
        let done = self.line_read(&mut line, cut);
        line.clear();
        self.line = line;
        done
    }

    fn line_read(&mut self, line: &mut Vec<u8>, cut: bool) -> Option<u64> {
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let empty = line.is_empty() && !cut;
        match self.state {
            Scan::Start if empty => {}
            Scan::Start => {
                self.request_line.clear();
                self.request_line.extend_from_slice(line);
                self.lines_seen += 1;
                if self.unserved_lines.len() < UNSERVED_LINES {
                    self.unserved_lines
                        .push_back((self.lines_seen, line.clone()));
                }
                self.state = Scan::Head;
                self.transfer_encoding = None;
                self.content_length = None;
                self.content_length_seen = false;
            }
            Scan::Head if empty => return self.head_done(),
            Scan::Head => self.header(line, cut),
            Scan::ChunkSize => {
                // A long chunk extension is cut, but the size before it is whole.
                let whole_size = !cut || line.contains(&b';');
                let size = std::str::from_utf8(line)
                    .ok()
                    .map(|l| l.split(';').next().unwrap_or("").trim())
                    .and_then(|hex| u64::from_str_radix(hex, 16).ok());
                self.state = match size {
                    _ if !whole_size => Scan::Off,
                    Some(0) => Scan::Trailers,
                    Some(n) => Scan::ChunkData(n),
                    None => Scan::Off,
                };
            }
            Scan::ChunkEnd => self.state = if empty { Scan::ChunkSize } else { Scan::Off },
            Scan::Trailers if empty => self.state = Scan::Start,
            Scan::Trailers => {}
            Scan::Fixed(_) | Scan::ChunkData(_) | Scan::Off => {}
        }
        None
    }

    fn header(&mut self, line: &[u8], cut: bool) {
        let Some(colon) = memchr::memchr(b':', line) else {
            return;
        };
        let name = line[..colon].trim_ascii();
        let value = line[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // Chunked when `chunked` is the last coding (of the last such header).
            let last = value
                .rsplit(|&b| b == b',')
                .next()
                .unwrap_or(b"")
                .trim_ascii();
            self.transfer_encoding = Some(!cut && last.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let length = content_length(value).filter(|_| !cut);
            // Two that differ frame nothing (hyper refuses the request): framed by the
            // last, the rest of the body was read as the next request line, and hyper's
            // 400 came as plain text, not in the transport's format.
            self.content_length = match self.content_length_seen {
                true if self.content_length != length => None,
                _ => length,
            };
            self.content_length_seen = true;
        }
    }

    fn head_done(&mut self) -> Option<u64> {
        self.heads += 1;
        if self.transfer_encoding.is_some() && self.content_length_seen {
            self.state = Scan::Off;
            return Some(self.heads);
        }
        self.state = match (self.transfer_encoding, self.content_length) {
            (Some(true), _) => Scan::ChunkSize,
            (Some(false), _) => Scan::Off,
            (None, Some(0)) => Scan::Start,
            (None, Some(n)) => Scan::Fixed(n),
            (None, None) if self.content_length_seen => Scan::Off,
            (None, None) => Scan::Start,
        };
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_items_is_spelt_in_reply_heads_only() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nsoftlayer-total-items: 3\r\n\r\n[1,2,3]";
        let spelt = spell_header_names(head).expect("spelt");
        assert_eq!(spelt.len(), head.len());
        assert!(
            spelt.starts_with(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nSoftLayer-Total-Items: 3\r\n\r\n[1,2,3]")
        );
        // A body, or text past the head's blank line, is left as it is.
        assert_eq!(
            spell_header_names(b"x\r\nsoftlayer-total-items: 3\r\n"),
            None
        );
        assert_eq!(
            spell_header_names(
                b"HTTP/1.1 200 OK\r\ncontent-length: 30\r\n\r\nA\r\nsoftlayer-total-items: 1\r\n"
            ),
            None
        );
        assert_eq!(
            spell_header_names(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"),
            None
        );
    }

    fn scan(parts: &[&[u8]]) -> (Option<u64>, Scan) {
        let mut s = HeadScanner::default();
        let mut found = None;
        for p in parts {
            found = s.feed(p).ambiguous.or(found);
        }
        (found, s.state)
    }

    #[test]
    fn keep_alive_requests_are_followed_through_their_bodies() {
        let (found, state) = scan(&[
            b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel",
            b"lo\r\nPOST /b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            b"GET /c HTTP/1.1\r\n\r\n",
        ]);
        assert_eq!(found, None);
        assert_eq!(state, Scan::Start);
    }

    #[test]
    fn the_request_with_both_framing_headers_is_numbered() {
        // A body that looks like headers does not fool it: it is skipped by length.
        let (found, state) = scan(&[
            b"POST /a HTTP/1.1\r\nContent-Length: 40\r\n\r\n",
            b"Transfer-Encoding: chunked\r\nX: y\r\n\r\n\r\n\r\n",
            b"POST /b HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ]);
        assert_eq!(found, Some(2));
        assert_eq!(state, Scan::Off);
        let (found, _) =
            scan(&[b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\ncontent-length: 5\r\n\r\n"]);
        assert_eq!(found, Some(1));
    }

    #[test]
    fn long_but_valid_framing_is_followed() {
        let ext = format!("5;x={}\r\nhello\r\n0\r\n\r\n", "a".repeat(300));
        let zeros = format!(
            "{}5\r\nhello\r\n{}\r\n\r\n",
            "0".repeat(300),
            "0".repeat(300)
        );
        let padded = format!(
            "POST /c HTTP/1.1\r\nContent-Length:{}{}5{}\r\n\r\nhello",
            " ".repeat(300),
            "0".repeat(300),
            "\t".repeat(300)
        );
        let (found, state) = scan(&[
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            ext.as_bytes(),
            b"POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            zeros.as_bytes(),
            padded.as_bytes(),
            b"POST /d HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        ]);
        assert_eq!(found, Some(4), "the fourth request is still found");
        assert_eq!(state, Scan::Off);
        // Fed a byte at a time, the same.
        let all = [
            &b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            zeros.as_bytes(),
            b"POST /d HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        ]
        .concat();
        let bytes: Vec<&[u8]> = all.chunks(1).collect();
        assert_eq!(scan(&bytes).0, Some(2));
        // A chunk size that is not one is still where the scanner stops.
        assert_eq!(
            scan(&[b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]).1,
            Scan::Off
        );
    }

    #[test]
    fn two_content_lengths_that_differ_frame_nothing() {
        let mut s = HeadScanner::default();
        s.feed(b"POST /rest/v3.1/x HTTP/1.1\r\nContent-Length: 30\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(s.state, Scan::Off);
        s.feed(b"{\"parameters\":[{\"entry\":\"x\"}]}");
        assert!(s.request_line_of(1).starts_with(b"POST /rest/"));
        // The same length twice is one length.
        let (_, state) =
            scan(&[b"POST /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"]);
        assert_eq!(state, Scan::Start);
    }

    #[test]
    fn each_request_has_its_own_request_line() {
        let mut s = HeadScanner::default();
        s.feed(b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nContent-Length: 2\r\n\r\nab");
        assert!(s.request_line_of(1).starts_with(b"POST /xmlrpc/"));
        s.feed(b"GET /rest/v3.1/SoftLayer_Ticket/1/getObject.json?x=");
        s.feed("a".repeat(1000).as_bytes());
        // The second's is the one still arriving; the first's is still the first's.
        assert!(s.request_line_of(2).starts_with(b"GET /rest/"));
        assert!(s.request_line_of(1).starts_with(b"POST /xmlrpc/"));
        assert!(!s.in_overlong_request_line(2));
        s.feed("a".repeat(64 * 1024).as_bytes());
        assert!(s.in_overlong_request_line(2));
        // An answer to the first (a head of too many fields) is not about the second's
        // line, too long as it is.
        assert!(!s.in_overlong_request_line(1));
        s.feed(b" HTTP/1.1\r\n");
        assert!(!s.in_overlong_request_line(2));
        // Served, the first is forgotten; the second is kept.
        s.forget_served(1);
        assert!(s.request_line_of(2).starts_with(b"GET /rest/"));
        assert_eq!(s.unserved_lines.len(), 1);
    }

    /// The bytes read after a head hyper refuses (its body, framed or not) are not the
    /// request line its 400 is about: the answer came as plain text, not in the format
    /// of the transport the request named.
    #[test]
    fn bytes_after_a_refused_head_are_not_its_request_line() {
        let body = "a".repeat(100);
        for head in [
            "PUT /xmlrpc/v3/SoftLayer_Ticket HTTP/1.1\r\nContent-Length: +5\r\n\r\n",
            "PUT /xmlrpc/v3/SoftLayer_Ticket HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
            "PUT /xmlrpc/v3/SoftLayer_Ticket http/1.1\r\nHost: x\r\n\r\n",
            "PUT /xmlrpc/v3/SoftLayer_Ticket HTTP/1.1\r\nfoo bar\r\n\r\n",
        ] {
            let mut s = HeadScanner::default();
            s.feed(format!("{head}{body}\r\nHost: x\r\n\r\n{body}").as_bytes());
            assert!(
                s.request_line_of(1).starts_with(b"PUT /xmlrpc/"),
                "{head:?}: {:?}",
                String::from_utf8_lossy(s.request_line_of(1))
            );
        }
        // A client pipelining past the lines kept: the first still has its own.
        let mut s = HeadScanner::default();
        s.feed(b"GET /rest/v3.1/a HTTP/1.1\r\n\r\n");
        for _ in 0..2 * UNSERVED_LINES {
            s.feed(b"GET /health HTTP/1.1\r\n\r\n");
        }
        assert_eq!(s.unserved_lines.len(), UNSERVED_LINES);
        assert!(s.request_line_of(1).starts_with(b"GET /rest/"));
    }

    #[test]
    fn content_lengths_are_read_as_hyper_reads_them() {
        for (value, length) in [
            ("5", Some(5)),
            (" 007\t", Some(7)),
            ("5, 5", Some(5)),
            ("5, 6", None),
            ("+5", None),
            ("-1", None),
            ("0x10", None),
            ("", None),
            ("5,", None),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
        ] {
            assert_eq!(content_length(value.as_bytes()), length, "{value:?}");
        }
    }

    /// What hyper would read: every part fed in turn, escaped where the scanner says.
    fn escaped(parts: &[&[u8]]) -> Vec<u8> {
        let mut s = HeadScanner::default();
        let mut out = Vec::new();
        for p in parts {
            let fed = s.feed(p);
            out.extend(escape_request_lines(p, &fed.request_line).unwrap_or(p.to_vec()));
        }
        out
    }

    #[test]
    fn request_lines_are_escaped_and_nothing_else_is() {
        let filter = "GET /rest/v3.1/SoftLayer_Account/getTickets?objectFilter={\"tickets\":{\"title\":{\"operation\":\"*= caf\u{e9} <b>\"}}} HTTP/1.1\r\n";
        let body = "POST /x HTTP/1.1\r\nX-Note: \"quoted\" caf\u{e9}\r\nContent-Length: 8\r\n\r\n\"<\u{e9}>\"\r\n";
        let chunked =
            "POST /y?\"a\" HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\n\"\"\"\r\n0\r\n\r\n";
        let stream = format!("{filter}Host: x\r\n\r\n{body}{chunked}GET /z HTTP/1.1\r\n\r\n");
        let want = format!(
            "GET /rest/v3.1/SoftLayer_Account/getTickets?objectFilter={{%22tickets%22:{{%22title%22:{{%22operation%22:%22*= caf%C3%A9 %3Cb%3E%22}}}}}} HTTP/1.1\r\nHost: x\r\n\r\n{body}POST /y?%22a%22 HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\n\"\"\"\r\n0\r\n\r\nGET /z HTTP/1.1\r\n\r\n"
        );
        let bytes = stream.as_bytes();
        // Whole, and cut at every byte (a request line over two reads, a character's
        // bytes in two reads).
        assert_eq!(String::from_utf8(escaped(&[bytes])).unwrap(), want);
        for cut in 1..bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(
                String::from_utf8(escaped(&[a, b])).unwrap(),
                want,
                "cut at {cut}"
            );
        }
        // Nothing to escape: the bytes are left where they are.
        let mut s = HeadScanner::default();
        let plain = b"GET /health?a={b} HTTP/1.1\r\n\r\n";
        assert!(escape_request_lines(plain, &s.feed(plain).request_line).is_none());
    }

    #[test]
    fn automatic_answers_get_a_body_and_real_replies_do_not() {
        let auto = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Sun, 29 Nov 2026 21:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(
            automatic_answer_with_body(auto, b"GET /health HTTP/1.1", false).unwrap(),
        )
        .unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{out}"
        );
        assert!(body.starts_with("Request Header Fields Too Large"));
        // All request line (a target of about 400 KiB): the 414 it is.
        let out = automatic_answer_with_body(auto, b"GET /health?aaaa", true).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{out}");
        assert!(out.contains("\r\n\r\nURI Too Long"), "{out}");
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(automatic_answer_with_body(ok, b"GET /health HTTP/1.1", false).is_none());
    }

    /// An automatic answer to a request of one of the transports is a fault in its format.
    #[test]
    fn automatic_answers_come_in_the_format_of_the_request_target() {
        let auto = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n";
        let answer = |line: &str| {
            let out = automatic_answer_with_body(auto, line.as_bytes(), false).unwrap();
            let out = String::from_utf8(out).unwrap();
            let (head, body) = out.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with("HTTP/1.1 414 "), "{out}");
            assert!(
                head.contains(&format!("content-length: {}", body.len())),
                "{out}"
            );
            (head.to_string(), body.to_string())
        };
        let (head, body) = answer("GET /rest/v3.1/SoftLayer_Account/getTickets.json?x=1 HTTP/1.1");
        assert!(head.contains("content-type: application/json"), "{head}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["code"], "SoftLayer_Exception_Public");
        assert!(error["error"].as_str().unwrap().starts_with("URI Too Long"));
        let (head, body) = answer("POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1");
        assert!(head.contains("content-type: text/xml"), "{head}");
        assert!(
            body.contains("<fault>") && body.contains("URI Too Long"),
            "{body}"
        );
        let (_, body) = answer("POST /soap/v3.1/SoftLayer_Ticket HTTP/1.1");
        assert!(
            body.contains("<faultcode>SoftLayer_Exception_Public</faultcode>"),
            "{body}"
        );
        // A request line cut short by the scanner still names its transport.
        let (head, _) =
            answer(&format!("GET /rest/v3.1/SoftLayer_Account/{}", "a".repeat(300))[..256]);
        assert!(head.contains("application/json"), "{head}");
        // Paths under a transport's prefix it does not serve: its format still.
        for (line, content_type) in [
            ("POST /xmlrpc/v3.1/ HTTP/1.1", "text/xml"),
            (
                "POST /xmlrpc/v3.1/SoftLayer_Ticket/extra HTTP/1.1",
                "text/xml",
            ),
            ("POST /soap/v3.1/ HTTP/1.1", "text/xml"),
            (
                "GET /rest/v4/SoftLayer_Ticket.json HTTP/1.1",
                "application/json",
            ),
        ] {
            let (head, body) = answer(line);
            assert!(head.contains(content_type), "{line}: {head}");
            assert!(
                body.contains("SoftLayer_Exception_Public"),
                "{line}: {body}"
            );
        }
        // Bytes that are not text after the target (in the version) leave its transport.
        let out = automatic_answer_with_body(
            auto,
            b"GET /rest/v3.1/SoftLayer_Ticket.json HTTP/\xed\xa0\x80",
            false,
        )
        .unwrap();
        assert!(
            String::from_utf8_lossy(&out).contains("application/json"),
            "{}",
            String::from_utf8_lossy(&out)
        );
        let (head, body) = answer("GET /nowhere HTTP/1.1");
        assert!(head.contains("text/plain"), "{head}");
        assert!(body.starts_with("URI Too Long"), "{body}");
    }
}
