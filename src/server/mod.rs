//! The HTTP side: routing by path prefix (`/xmlrpc`, `/soap`, `/rest`, `/_emulator`,
//! `/health`) and the accept loop. Every API call, whatever its transport, then goes
//! through the one [`pipeline`]: the router only picks the codec from the URL.

pub mod body_encoding;
pub mod conn;
mod host;
pub mod pipeline;

use crate::body::ReplyBody;
use crate::call::{Credentials, Observer};
use crate::protocol::rest::RestCodec;
use crate::protocol::soap::SoapCodec;
use crate::protocol::xmlrpc::XmlRpcCodec;
use crate::protocol::{ApiVersion, HttpAnswer};
use crate::store::Store;
use base64::Engine;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use pipeline::{read_body, response};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub use pipeline::MAX_BODY_BYTES;

type Body = ReplyBody;

/// What the server shares with every request.
pub struct Shared {
    pub store: Store,
    /// Replies to repeated reads, while the data is unchanged.
    pub replies: crate::reply_cache::ReplyCache,
    /// Guards the `/_emulator/` control API.
    pub admin_token: String,
    /// The test harness's state beside the database (snapshots, …).
    pub harness: crate::emulator::Harness,
    /// Sessions of the support console's event stream.
    pub console_sessions: crate::emulator::console::Sessions,
    /// Told about every call the pipeline answers.
    pub observer: Box<dyn Observer>,
    /// Turns true when shutdown begins: long-lived responses (the console's event
    /// stream) end then instead of holding the drain for the whole grace period.
    pub stopping: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    /// `db` is the database's path, beside which the harness keeps its snapshots.
    pub fn new(
        store: Store,
        db: &str,
        reply_cache: bool,
        admin_token: String,
        journal: &crate::emulator::JournalOptions,
    ) -> std::io::Result<Shared> {
        let harness = crate::emulator::Harness::new(db, journal)?;
        Ok(Shared {
            store,
            replies: crate::reply_cache::ReplyCache::new(reply_cache),
            admin_token,
            console_sessions: Default::default(),
            observer: Box::new(harness.recorder()),
            harness,
            stopping: tokio::sync::watch::Sender::new(false),
        })
    }
}

/// How `serve` runs.
pub struct Options {
    pub listen: String,
    /// SQLite file, or `:memory:`.
    pub db: String,
    /// The token of the `/_emulator/` control API (random when not given).
    pub admin_token: Option<String>,
    pub reply_cache: bool,
    /// The request journal's size and file.
    pub journal: crate::emulator::JournalOptions,
    /// Work budgets, timeouts and caps; installed for the whole process by [`run`].
    pub limits: crate::limits::Limits,
}

fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    (0..2)
        .map(|i| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(i);
            format!("{:016x}", h.finish())
        })
        .collect()
}

/// What to add when `--listen` is refused and looks like a port alone (`8080`, `:8080`,
/// as other servers take it): the form it takes.
fn listen_hint(listen: &str) -> String {
    // One colon at most (`::1` is an address), and the port as read (`+8080` is 8080).
    let port = listen.trim();
    let port = port.strip_prefix(':').unwrap_or(port);
    if let Ok(port) = port.parse::<u16>() {
        format!(
            " (give a host and a port: 127.0.0.1:{port}, or 0.0.0.0:{port} for every interface)"
        )
    } else if let Ok(ip) = listen.trim().parse::<std::net::IpAddr>() {
        // An address alone (`127.0.0.1`, `::1`) lacks its port.
        format!(
            " (give a port too: {})",
            std::net::SocketAddr::new(ip, 8080)
        )
    } else if listen.trim().eq_ignore_ascii_case("localhost") {
        " (give a port too: localhost:8080)".to_string()
    } else {
        String::new()
    }
}

/// Opens the store and serves until SIGTERM or Ctrl-C (see [`crate::shutdown`]).
pub fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    crate::limits::install(options.limits.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(crate::allocator::release_free_memory_when_parking)
        .build()?;
    // Bound before the database is opened: a mistyped --listen must not leave a newly
    // created and seeded file behind.
    let listener = runtime
        .block_on(TcpListener::bind(&options.listen))
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "--listen {}: {e}{}",
                    options.listen,
                    listen_hint(&options.listen)
                ),
            )
        })?;
    // So is a --journal file that cannot be written (the journal opens it again; a pipe
    // only once, see `journal::reads_back`).
    if let Some(path) = options
        .journal
        .file
        .as_ref()
        .filter(|p| crate::emulator::journal::reads_back(p))
    {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("--journal {}: {e}", path.display()))
            })?;
    }
    let store = Store::open(&options.db)?;
    store.prepare_text_tally();
    // HTTP trims a header's value, so a token's own blanks could never be sent: trimmed,
    // and one of blanks alone is no token (a random one, as for none).
    let admin_token = options
        .admin_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map_or_else(random_token, str::to_string);
    let shared = Arc::new(Shared::new(
        store,
        &options.db,
        options.reply_cache,
        admin_token,
        &options.journal,
    )?);
    let db = &options.db;
    runtime.block_on(async {
        let addr = listener.local_addr()?;
        tracing::info!("database: {db}");
        tracing::info!("XML-RPC: http://{addr}/xmlrpc/v3.1/{{Service}} (also /xmlrpc/v3/)");
        tracing::info!(
            "support-desk control API: http://{addr}/_emulator/ (admin token: {})",
            shared.admin_token
        );
        tracing::info!(
            "SOAP: http://{addr}/soap/v3.1/{{Service}}?wsdl; REST: http://{addr}/rest/v3.1/"
        );
        tracing::info!("health: http://{addr}/health; metrics: http://{addr}/metrics");
        tracing::info!("support console: http://{addr}/_emulator/ui/");
        crate::tell!(
            "\nslcli configuration (save as ./softlayer-local.cfg and pass it with --config; ~/.softlayer holds your real one):\n\n\
             [softlayer]\nusername = demo\n\
             api_key = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
             endpoint_url = http://{addr}/xmlrpc/v3.1/\ntimeout = 30\n"
        );
        // Scheduled alerts and auto-closes run when the clock reaches them.
        let scheduled = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                scheduled.harness.journal.finish_cut_line();
                let shared = scheduled.clone();
                let ran = tokio::task::spawn_blocking(move || {
                    // Refused once the file has parted (logged once, there): tried, the
                    // refusal was logged again every second.
                    if shared.store.file_parted().is_some() {
                        return Ok(Vec::new());
                    }
                    let turn = crate::emulator::scheduler::turn();
                    crate::emulator::scheduler::run_due(
                        &shared.store,
                        &turn,
                        crate::emulator::scheduler::Budget::Budgeted,
                    )
                })
                .await;
                let (fired, failed) = match ran {
                    Ok(Ok(fired)) => (fired, None),
                    Ok(Err(unfinished)) => {
                        let why = unfinished.why();
                        (unfinished.fired, Some(why))
                    }
                    Err(_) => (Vec::new(), None),
                };
                use crate::emulator::scheduler::Ran;
                for (ticket, kind, ran) in fired {
                    match ran {
                        Ran::Done => tracing::info!("scheduled {kind} ran on ticket {ticket}"),
                        Ran::Skipped(why) => {
                            tracing::info!("scheduled {kind} on ticket {ticket}: {why}")
                        }
                        Ran::Failed(e) => tracing::warn!(
                            "scheduled {kind} on ticket {ticket} failed and was removed: {e}"
                        ),
                    }
                }
                if let Some(why) = failed {
                    tracing::warn!("scheduled actions: {why}");
                }
            }
        });
        serve(listener, shared.clone(), crate::shutdown::signal()).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    // Whatever is still running after the grace period is cut here; its clients never
    // got an answer, and a write among it rolls back.
    runtime.shutdown_timeout(Duration::from_secs(1));
    shared
        .harness
        .journal
        .finish_cut_line_before_exit(Duration::from_secs(2));
    shared.store.shut_down()?;
    tracing::info!("stopped");
    Ok(())
}

/// Serves until `shutdown` completes, then lets the calls in flight finish (see
/// [`crate::shutdown`]).
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = &'static str>,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    let connections = hyper_util::server::graceful::GracefulShutdown::new();
    let places = Arc::new(tokio::sync::Semaphore::new(
        crate::limits::get().connections(),
    ));
    let mut accept_failures = AcceptFailures::default();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            signal = &mut shutdown => {
                drop(listener);
                shared.stopping.send_replace(true);
                let grace = crate::limits::get().shutdown_grace();
                tracing::info!(
                    "{signal}: shutting down; {} connections get {grace:?} to finish",
                    connections.count()
                );
                tokio::select! {
                    _ = connections.shutdown() => {
                        tracing::info!("every call in flight finished");
                        return Ok(());
                    }
                    _ = tokio::time::sleep(grace) => {
                        tracing::warn!("calls still running after {grace:?} are cut")
                    }
                    // A second Ctrl-C is someone who will not wait for the grace period.
                    again = crate::shutdown::signal() => {
                        tracing::warn!("{again} again: the calls still running are cut now")
                    }
                }
                // Cut unanswered, their writes must not land later (README, Limits).
                shared.store.cut_writes();
                return Ok(());
            }
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                accept_failures.over();
                a
            }
            // Out of file descriptors and the like: keep serving the connections we have.
            Err(e) => {
                accept_failures.failed(&e);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(place) = places.clone().try_acquire_owned() else {
            refuse_connection(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let served_at = stream.local_addr().ok().map(ServedAt);
        let shared = shared.clone();
        let open = crate::emulator::metrics::ConnectionGuard::new(
            &shared.harness.metrics.open_connections,
        );
        let watcher = connections.watcher();
        tokio::spawn(async move {
            let _open = (open, place);
            let io = conn::Connection::new(stream);
            let framing = io.framing();
            let service = service_fn(move |mut req: Request<Incoming>| {
                if framing.next_is_ambiguous() {
                    req.extensions_mut().insert(conn::AmbiguousFraming);
                }
                req.extensions_mut().insert(framing.clone());
                if let Some(at) = served_at {
                    req.extensions_mut().insert(at);
                }
                handle(req, shared.clone())
            });
            // half_close: a client may shut its side down once its request is sent
            // (`nc -N`, socat, some HTTP/1.0 clients) and still read the answer;
            // without it hyper closed such a connection unanswered, writes included.
            let conn = http1::Builder::new()
                .half_close(true)
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(io), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
}

/// Answers a connection past `--max-connections` with a 503 and closes it. Its request
/// is not read, so it cannot be answered in its transport's format; the reply is short
/// enough for the socket's buffer, so writing it never waits.
/// Failed accepts, said once and then at most every [`AcceptFailures::EVERY`] with a
/// count: out of descriptors, each retry (every 50 ms) logged a line, 528 in 30 s.
#[derive(Default)]
struct AcceptFailures {
    /// Since when accepts fail, and when the log last said so.
    since: Option<(std::time::Instant, std::time::Instant)>,
    /// Failures since the log last said so.
    untold: u64,
}

impl AcceptFailures {
    const EVERY: Duration = Duration::from_secs(5);

    fn failed(&mut self, e: &std::io::Error) {
        let now = std::time::Instant::now();
        match &mut self.since {
            None => {
                tracing::warn!(
                    "accept failed: {e}; new connections wait until it succeeds (the \
                     connections open are served)"
                );
                self.since = Some((now, now));
            }
            Some((_, told)) => {
                self.untold += 1;
                if now.duration_since(*told) >= Self::EVERY {
                    tracing::warn!("accept failed {} more times: {e}", self.untold);
                    *told = now;
                    self.untold = 0;
                }
            }
        }
    }

    fn over(&mut self) {
        if let Some((since, _)) = self.since.take() {
            tracing::info!("accepting again after {:?}", since.elapsed());
            self.untold = 0;
        }
    }
}

fn refuse_connection(stream: tokio::net::TcpStream) {
    const BODY: &str = "The server has as many connections open as it allows \
                        (--max-connections); try again in a second.\n";
    let reply = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let _ = stream.try_write(reply.as_bytes());
    // Closed once the client has sent its request (200 ms at most), so that unread bytes
    // do not make the close a reset, which can discard the reply before the client
    // reads it. A few at a time: under a flood the rest close at once, to keep the
    // descriptors.
    static LINGERING: std::sync::OnceLock<Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    let lingering = LINGERING.get_or_init(|| Arc::new(tokio::sync::Semaphore::new(64)));
    let Ok(lingers) = lingering.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _lingers = lingers;
        let _ = tokio::time::timeout(Duration::from_millis(200), async {
            let mut sink = [0u8; 4096];
            loop {
                if stream.readable().await.is_err() {
                    return;
                }
                match stream.try_read(&mut sink) {
                    Ok(0) => return,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        })
        .await;
    });
}

/// `answer`, given without reading the request's body (a 404, 405, 401, a WSDL): the body
/// is read away while it goes out, as a refused body is
/// ([`pipeline::read_away`]), or, when it is not (too long, or its client waits for
/// `100 Continue`), the answer says `Connection: close`. Closed with the body unread,
/// the connection was reset under Python's xmlrpc.client, still sending, which lost the
/// answer to a broken pipe.
fn unread_body(req: Request<Incoming>, mut answer: Response<Body>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    if hyper::body::Body::is_end_stream(&body) {
        return answer;
    }
    if !pipeline::read_away(&parts.headers, body, false) {
        answer
            .headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    answer
}

/// Answers a request; an `Err` closes the connection unanswered (a fault rule's
/// `drop_connection`).
async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Body>, pipeline::Dropped> {
    let path = req.uri().path().to_string();
    if let Some(problem) = host_problem(&req) {
        let answer = bad_request(&path, req.method() == Method::POST, problem, true);
        return Ok(unread_body(req, answer));
    }
    if let Some(problem) = authorization_problem(&req) {
        // A fault as the transport gives its others (XML-RPC's with 200): softlayer-python
        // checks the HTTP status before it reads a fault, and told a 400 only "Bad Request".
        let answer = bad_request(&path, req.method() == Method::POST, problem, false);
        return Ok(unread_body(req, answer));
    }
    if (path == "/health" || path == "/metrics")
        && req.method() != Method::GET
        && req.method() != Method::HEAD
    {
        let mut answer = plain(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{path} answers GET (and HEAD).\n"),
        );
        answer
            .headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Ok(unread_body(req, answer));
    }
    if path == "/health" {
        return Ok(match shared.store.writes_failing() {
            None => plain(StatusCode::OK, "ok\n"),
            Some(why) => plain(StatusCode::SERVICE_UNAVAILABLE, format!("{why}.\n")),
        });
    }
    if path == "/metrics" {
        return Ok(metrics(shared).await);
    }
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        if crate::emulator::console::owns(req.method(), rest) {
            let rest = rest.to_string();
            // The console's reads and its session refuse a body, as the control API does:
            // read (with the token; without it the 401 waits for no upload) to tell an
            // empty one (`{}`, what `requests.post(url, json={})` sends) from one that is not.
            let token = header_text(&req, "authorization");
            let token_header = header_text(&req, "x-emulator-token");
            if crate::emulator::console::refuses_a_body(&rest)
                && crate::emulator::http::authorised(
                    &shared.admin_token,
                    token.as_deref(),
                    token_header.as_deref(),
                )
            {
                let (parts, body) = req.into_parts();
                let body = match pipeline::read_request_body(&parts, body).await {
                    Ok((body, _)) => body,
                    Err(refused) => return Ok(refused_json(&refused, "")),
                };
                let req = Request::from_parts(parts, ());
                return Ok(crate::emulator::console::serve(&req, shared, rest, Some(&body)).await);
            }
            let answer = crate::emulator::console::serve(&req, shared, rest, None).await;
            return Ok(unread_body(req, answer));
        }
        return Ok(control(req, shared, rest.to_string()).await);
    }
    let basic = basic_credentials(req.headers().get(AUTHORIZATION));
    if let Some(rest_path) = rest_path(&path) {
        let codec = RestCodec::new(
            req.method().as_str().to_string(),
            rest_path,
            req.uri().query().map(str::to_string),
            basic,
            crate::protocol::rest::includes_types(
                req.headers()
                    .get(crate::protocol::rest::INCLUDE_TYPES_HEADER)
                    .map(|v| v.as_bytes()),
            ),
        );
        return pipeline::answer(shared, codec, req).await;
    }
    // A call POSTed to a transport's endpoint with no service after it (`/xmlrpc/v3.1/`):
    // a call to a service that does not exist, answered, journaled and counted as one in
    // the transport's own format (plain text made xmlrpc.client raise a ProtocolError).
    // Another method but GET and HEAD (a page) is refused with the same fault, 404.
    if let Some((transport, version)) = unnamed_service_endpoint(&path)
        && !is_page_fetch(req.method())
    {
        let call = req.method() == Method::POST;
        return match transport {
            "soap" => {
                let codec = SoapCodec {
                    version,
                    service: String::new(),
                    basic,
                };
                if !call {
                    let answer = no_such_service_fault(&shared, &codec, "");
                    return Ok(unread_body(req, answer));
                }
                pipeline::answer(shared, codec, req).await
            }
            _ => {
                let codec = XmlRpcCodec {
                    service: String::new(),
                    basic,
                };
                if !call {
                    let answer = no_such_service_fault(&shared, &codec, "");
                    return Ok(unread_body(req, answer));
                }
                pipeline::answer(shared, codec, req).await
            }
        };
    }
    if let Some((version, service)) = soap_route(&path) {
        // A service not served has no WSDL, and a method but POST (whose fault says so)
        // has nothing to point to: not found, in plain text for a WSDL fetch, else as the
        // SOAP fault a POST gets (a plain-text 404 is no answer a SOAP client reads).
        if req.method() != Method::POST && !crate::protocol::wsdl::serves(service) {
            if is_page_fetch(req.method()) {
                return Ok(unread_body(req, no_such_service(version, service)));
            }
            let codec = SoapCodec {
                version,
                service: service.to_string(),
                basic,
            };
            let answer = no_such_service_fault(&shared, &codec, service);
            return Ok(unread_body(req, answer));
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let answer = wsdl(&req, version, service);
            return Ok(unread_body(req, answer));
        }
        let codec = SoapCodec {
            version,
            service: service.to_string(),
            basic,
        };
        if req.method() != Method::POST {
            let answer = method_not_allowed(
                &shared,
                &codec,
                "GET, HEAD, POST",
                "SOAP calls are POSTed; GET ?wsdl for the WSDL.",
            );
            return Ok(unread_body(req, answer));
        }
        return pipeline::answer(shared, codec, req).await;
    }
    let Some(service) = xmlrpc_service(&path) else {
        let answer = not_found(&path, req.method());
        return Ok(unread_body(req, answer));
    };
    let codec = XmlRpcCodec {
        service: service.to_string(),
        basic,
    };
    if req.method() != Method::POST {
        let answer = method_not_allowed(&shared, &codec, "POST", "XML-RPC calls are POSTed.");
        return Ok(unread_body(req, answer));
    }
    pipeline::answer(shared, codec, req).await
}

/// A path no transport serves, answered with the hint for the transport it looks like:
/// REST's as REST answers a service that does not exist (JSON), a call POSTed (or sent
/// by another method but GET and HEAD) under `/xmlrpc/` or `/soap/` as a fault of that
/// transport (404 but for POST, whose status is the transport's for a fault), the rest
/// in plain text.
fn not_found(path: &str, method: &Method) -> Response<Body> {
    const HINT: &str = "v3 or v3.1, as /rest/v3.1/SoftLayer_Ticket/{id}/getObject.json, \
                        /soap/v3.1/SoftLayer_Ticket (POST; GET ?wsdl) or \
                        /xmlrpc/v3.1/SoftLayer_Ticket (POST)";
    if path == "/rest" || path.starts_with("/rest/") {
        // The refused path first, named as such: after the form it read as its example.
        let mut message = format!(
            "Not found: {path}. REST lives at /rest/{{v3 or v3.1}}/{{Service}}[/{{id}}]/{{method}}.json"
        );
        if let Some(corrected) = rest_path_with_version(path) {
            message.push_str(&format!(", as {corrected}"));
        }
        message.push('.');
        let fault = crate::call::Fault::documented(crate::fault::ExceptionClass::Public, message);
        // In the format the path asks for, as every other REST error (`.xml`: XML).
        let mut answer =
            crate::protocol::rest::write_fault(&fault, crate::protocol::rest::format_of(path));
        answer.status = StatusCode::NOT_FOUND.as_u16();
        return pipeline::response(answer, None);
    }
    // An endpoint URL that names a service already, to which the client added its own.
    let services_named = path
        .split('/')
        .filter(|s| crate::schema::schema().services.contains_key(*s))
        .count();
    let text = if services_named > 1 {
        format!(
            "Not found: {path} names two services: is the endpoint URL one that ends in a \
             service rather than at the version? The API is served under {HINT}."
        )
    } else if path == "/" {
        // Where a person opening the port in a browser lands.
        format!(
            "Not found: /. The API is served under {HINT}. The support console is at \
             /_emulator/ui/, the server's health at /health."
        )
    } else {
        format!("Not found: {path}. The API is served under {HINT}.")
    };
    // A call POSTed under the other transports' prefixes (a wrong version, a service after
    // the endpoint's) gets a fault its client reads: in plain text xmlrpc.client raised a
    // bare ProtocolError and softlayer-python a TransportError, neither with this hint.
    let fault = crate::call::Fault::documented(crate::fault::ExceptionClass::Public, &text);
    if !is_page_fetch(method)
        && let Some(mut answer) = fault_by_prefix(path, &fault)
    {
        if method != Method::POST {
            answer.status = StatusCode::NOT_FOUND.as_u16();
        }
        return pipeline::response(answer, None);
    }
    plain(StatusCode::NOT_FOUND, format!("{text}\n"))
}

/// `GET /metrics`: the Prometheus exposition (README "Metrics"). Not guarded: it holds
/// counts, never data.
async fn metrics(shared: Arc<Shared>) -> Response<Body> {
    let text = tokio::task::spawn_blocking(move || {
        let h = &shared.harness;
        h.metrics.journal_entries.set(h.journal.len() as i64);
        let (bodies, streams) = pipeline::held_now();
        h.metrics.request_body_bytes_in_flight.set(bodies as i64);
        h.metrics.streams_in_flight.set(streams as i64);
        if let Ok(size) = shared.store.size_bytes() {
            h.metrics.database_bytes.set(size as i64);
        }
        if let Ok(queued) = shared.store.queued_text_rows() {
            h.metrics.text_index_queued_rows.set(queued as i64);
        }
        let (ready, counts) = shared.store.text_tally();
        h.metrics.text_tally_ready.set(i64::from(ready));
        let counted = h.metrics.text_tally_counts.get();
        h.metrics
            .text_tally_counts
            .inc_by(counts.saturating_sub(counted));
        if let Some(bytes) = shared.store.text_tally_bytes() {
            h.metrics.text_tally_bytes.set(bytes as i64);
        }
        h.metrics.encode()
    })
    .await
    .unwrap_or_default();
    let mut r = Response::new(ReplyBody::whole(Bytes::from(text)));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(crate::emulator::metrics::CONTENT_TYPE),
    );
    r
}

/// A body refused as it was read (too large, stalled, malformed), in JSON like every
/// other answer of the control API.
fn refused_json(refused: &pipeline::Refused, hint: &str) -> Response<Body> {
    let e = &refused.error;
    let text = serde_json::json!({ "error": format!("{e}.{hint}") }).to_string();
    let mut r = plain(e.status(), text);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in refused.headers() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            r.headers_mut().insert(name, value);
        }
    }
    r
}

fn header_text(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn control(req: Request<Incoming>, shared: Arc<Shared>, path: String) -> Response<Body> {
    // HEAD is GET without the body, which hyper leaves out of an answer to HEAD.
    let method = match req.method() {
        &Method::HEAD => "GET".to_string(),
        m => m.as_str().to_string(),
    };
    let query = req.uri().query().map(str::to_string);
    let authorization = header_text(&req, "authorization");
    let token_header = header_text(&req, "x-emulator-token");
    // Before the body: a caller without the token waits for no upload (a stalled or
    // 10 MB body was read whole before its 401).
    if !crate::emulator::http::authorised(
        &shared.admin_token,
        authorization.as_deref(),
        token_header.as_deref(),
    ) {
        return unread_body(req, response(crate::emulator::http::unauthorised(), None));
    }
    let body = match read_body(req).await {
        Ok(body) => body,
        Err(refused) => {
            // A whole export of a large database is over the body limit; say how it
            // loads all the same.
            let hint =
                if refused.error.status() == StatusCode::PAYLOAD_TOO_LARGE && path == "import" {
                    " A larger document loads with `softlayer-ticket-server load --db FILE \
                 DOCUMENT` (no server needed), or through a server started with a larger \
                 limit."
                } else {
                    ""
                };
            return refused_json(&refused, hint);
        }
    };
    let answer = tokio::task::spawn_blocking(move || {
        let request = crate::emulator::http::ControlRequest {
            method: &method,
            path: &path,
            query: query.as_deref(),
            authorization: authorization.as_deref(),
            token_header: token_header.as_deref(),
            body: &body,
        };
        crate::emulator::http::handle(
            &shared.store,
            &shared.admin_token,
            &shared.harness,
            &request,
        )
    })
    .await;
    match answer {
        Ok(crate::emulator::http::ControlAnswer::Whole(a)) => response(a, None),
        Ok(crate::emulator::http::ControlAnswer::Streamed(head, page)) => {
            pipeline::streamed_response(head, stream_journal(page))
        }
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The control request failed.\n",
        ),
    }
}

/// A page of the journal written as its client reads it: each piece is built on a
/// blocking thread, at the lowest priority, and handed over from an async task, so a few
/// pieces are in flight, not the page, and a client that reads slowly holds no thread
/// (500 readers that stopped held every blocking thread, and the control API, the console
/// and streamed lists waited behind them). A client that reads nothing for the stall
/// timeout, or hangs up, ends the writing: the connection's own guard (conn.rs) tells it
/// from one that reads slowly, by the bytes it acknowledges, and cuts it, so the reply
/// ends cut, not well-formed and short. (A timeout here of its own cut a client reading
/// 40 KB/s: Linux wakes a writer only once a third of the send buffer has drained.)
fn stream_journal(
    page: crate::emulator::http::JournalPage,
) -> tokio::sync::mpsc::Receiver<crate::body::Chunk> {
    /// Pieces built at once, however many readers: a few hundred readers at once took as
    /// many blocking threads.
    static BUILDERS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let page = Arc::new(page);
    tokio::spawn(async move {
        let Ok(cut_room) = tx.clone().try_reserve_owned() else {
            return;
        };
        let mut from = Some(0);
        while let Some(start) = from {
            let page = Arc::clone(&page);
            let builders = BUILDERS
                .get_or_init(|| tokio::sync::Semaphore::new(crate::limits::half_the_cores()));
            let Ok(turn) = builders.acquire().await else {
                return;
            };
            // Small pieces: what a reader that stops holds is the channel's two and the one
            // being sent.
            let built = tokio::task::spawn_blocking(move || {
                let _lowered = crate::limits::LowestPriority::new();
                page.piece(start, 64 * 1024)
            })
            .await;
            drop(turn);
            let Ok((piece, next)) = built else {
                cut_room.send(Err(std::io::Error::other("the journal page failed")));
                return;
            };
            from = next;
            if tx.send(Ok(Bytes::from(piece))).await.is_err() {
                return;
            }
        }
    });
    rx
}

/// `fault` in the format of the transport the request target `target` names (as it is
/// in a request line, query included), or `None` outside the three transports: for
/// hyper's own answers (conn.rs), which it sends before any request reaches [`handle`].
/// Only the body and its type; the status stays the one hyper answers with.
pub(crate) fn fault_for_target(target: &str, fault: &crate::call::Fault) -> Option<HttpAnswer> {
    use crate::protocol::codec::Codec;
    let path = target.split('?').next().unwrap_or(target);
    if let Some(rest_path) = rest_path(path) {
        let codec = RestCodec::new(String::new(), rest_path, None, None, false);
        return Some(codec.write_fault(fault));
    }
    if let Some((version, service)) = soap_route(path) {
        let codec = SoapCodec {
            version,
            service: service.to_string(),
            basic: None,
        };
        return Some(codec.write_fault(fault));
    }
    if let Some(service) = xmlrpc_service(path) {
        let codec = XmlRpcCodec {
            service: service.to_string(),
            basic: None,
        };
        return Some(codec.write_fault(fault));
    }
    // Under a transport's prefix, a path it does not serve (`/xmlrpc/v3.1/`, a service
    // with more after it, another version): its format still, as its own 404 is.
    if path == "/rest" || path.starts_with("/rest/") {
        return Some(crate::protocol::rest::write_fault(
            fault,
            crate::protocol::rest::format_of(path),
        ));
    }
    fault_by_prefix(path, fault)
}

/// `/xmlrpc/v3/{Service}` or `/xmlrpc/v3.1/{Service}` → the service name.
fn xmlrpc_service(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/xmlrpc/v3.1/")
        .or_else(|| path.strip_prefix("/xmlrpc/v3/"))?;
    let service = rest.trim_end_matches('/');
    (!service.is_empty() && !service.contains('/')).then_some(service)
}

/// HTTP Basic credentials; the scheme's name is case-insensitive (RFC 7235 §2.1), so
/// `basic` and `BASIC` are Basic too.
fn basic_credentials(header: Option<&HeaderValue>) -> Option<Credentials> {
    let (scheme, text) = header?.to_str().ok()?.trim_start().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (username, api_key) = decoded.split_once(':')?;
    Some(Credentials::ApiKey {
        username: username.to_string(),
        api_key: api_key.to_string(),
    })
}

/// What is wrong with a request's `Host`: an HTTP/1.1 request carries exactly one (RFC
/// 9112 §3.2: a server MUST answer 400 to one with none or more than one). HTTP/1.0
/// requests may go without.
fn host_problem(req: &Request<Incoming>) -> Option<&'static str> {
    // A target in absolute form names the host the request is for (RFC 9112 §3.2.2):
    // `http://a@b/…` or a port past 65535 there were taken, and the WSDL named them.
    if let Some(authority) = req.uri().authority()
        && !host::is_host_and_port(authority.as_str().as_bytes())
    {
        return Some(
            "Bad Request: the request target's authority is not a host with an optional port \
             (RFC 9110 §7.2).",
        );
    }
    let mut hosts = req.headers().get_all(hyper::header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (None, _) if req.version() == hyper::Version::HTTP_10 => None,
        (None, _) => Some("Bad Request: an HTTP/1.1 request must carry a Host header."),
        // The same sentence of RFC 9112 §3.2 asks a 400 for a Host "with an invalid field
        // value": `a b` or `x?q=1` were taken, and the WSDL named them as its address.
        (Some(host), None) if !host::is_host_and_port(host.as_bytes()) => Some(
            "Bad Request: the Host header is not a host with an optional port \
             (RFC 9110 §7.2).",
        ),
        (Some(_), None) => None,
        (Some(_), Some(_)) => Some("Bad Request: a request carries one Host header, not several."),
    }
}

/// Two `Authorization` headers: which credentials to take is anyone's guess (the first
/// was, silently; a request as one user could run as another). RFC 9110 §5.3 allows a
/// field twice only when it is a list, which `Authorization` is not.
fn authorization_problem(req: &Request<Incoming>) -> Option<&'static str> {
    let mut fields = req.headers().get_all(AUTHORIZATION).iter();
    fields.next()?;
    fields
        .next()
        .map(|_| "Bad Request: a request carries one Authorization header, not several.")
}

/// 400 with `message`: a `SoftLayer_Exception_Public` fault in the format of the
/// transport `path` names (a call, `post`, not `status_400`: with the status that
/// transport's clients read a fault from, XML-RPC's 200, SOAP's 500), JSON on the control
/// API, plain text elsewhere.
fn bad_request(path: &str, post: bool, message: &str, status_400: bool) -> Response<Body> {
    let fault = crate::call::Fault::documented(crate::fault::ExceptionClass::Public, message);
    // A GET (a WSDL's) is no call: its fault goes with 400.
    let status_400 = status_400 || !post;
    let answer = fault_for_target(path, &fault).or_else(|| {
        // Under /xmlrpc/ or /soap/ where nothing is served, as `not_found` answers there.
        post.then(|| fault_by_prefix(path, &fault)).flatten()
    });
    match answer {
        Some(mut answer) => {
            // REST's own status for a request it cannot take is 400.
            if status_400 || rest_path(path).is_some() {
                answer.status = 400;
            }
            response(answer, None)
        }
        // The control API answers every error as `{"error": …}`, which harnesses read.
        None if path.starts_with("/_emulator/") => {
            response(crate::emulator::http::error(400, message), None)
        }
        None => plain(StatusCode::BAD_REQUEST, format!("{message}\n")),
    }
}

/// A fault in the format of the transport whose prefix `path` is under (`/xmlrpc`,
/// `/soap`), with that transport's status, for a path it does not serve.
fn fault_by_prefix(path: &str, fault: &crate::call::Fault) -> Option<HttpAnswer> {
    use crate::protocol::codec::Codec;
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if under("/xmlrpc") {
        let codec = XmlRpcCodec {
            service: String::new(),
            basic: None,
        };
        return Some(codec.write_fault(fault));
    }
    under("/soap").then(|| {
        let codec = SoapCodec {
            version: ApiVersion::V3_1,
            service: String::new(),
            basic: None,
        };
        codec.write_fault(fault)
    })
}

/// An HTTP method a transport does not take: 405 with `Allow` (RFC 9110 §15.5.6), and a
/// fault in the transport's own format, which its clients read.
fn method_not_allowed(
    shared: &Shared,
    codec: &impl crate::protocol::codec::Codec,
    allow: &'static str,
    message: &str,
) -> Response<Body> {
    let fault = crate::call::Fault::bad_argument(message);
    let mut answer = codec.write_fault(&fault);
    answer.status = 405;
    answer
        .headers
        .push(("Allow".to_string(), allow.to_string()));
    pipeline::refused_unread(shared, codec, &fault, &answer, std::time::Instant::now());
    response(answer, None)
}

fn plain(status: StatusCode, text: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(ReplyBody::whole(text.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn xml(body: Vec<u8>) -> Response<Body> {
    response(
        HttpAnswer {
            status: 200,
            content_type: "text/xml; charset=utf-8",
            headers: Vec::new(),
            body,
        },
        None,
    )
}

/// A REST path without a version, or with one REST does not serve, as it would be found:
/// `/rest/SoftLayer_Account/getOpenTickets.json` → `/rest/v3.1/SoftLayer_Account/…`.
fn rest_path_with_version(path: &str) -> Option<String> {
    let after = path.strip_prefix("/rest/")?;
    let (first, tail) = after.split_once('/').unwrap_or((after, ""));
    let names_a_version = first.len() > 1
        && first.starts_with(['v', 'V'])
        && first[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let service_on = if names_a_version { tail } else { after };
    (!service_on.is_empty()).then(|| format!("/rest/v3.1/{service_on}"))
}

/// `/rest/v3/…` or `/rest/v3.1/…` → what follows the version, still percent-encoded.
fn rest_path(path: &str) -> Option<String> {
    let after = path.strip_prefix("/rest/")?;
    let (version, tail) = after.split_once('/').unwrap_or((after, ""));
    crate::protocol::ApiVersion::from_segment(version)?;
    Some(tail.to_string())
}

/// `/xmlrpc/v3.1/` or `/soap/v3/` (with or without the last slash): the transport and
/// version of an endpoint whose service is missing.
fn unnamed_service_endpoint(path: &str) -> Option<(&'static str, ApiVersion)> {
    let (transport, version) = path.trim_end_matches('/').rsplit_once('/')?;
    let version = ApiVersion::from_segment(version)?;
    match transport {
        "/xmlrpc" => Some(("xmlrpc", version)),
        "/soap" => Some(("soap", version)),
        _ => None,
    }
}

/// `/soap/v3/{Service}` or `/soap/v3.1/{Service}` → the version and the service name.
fn soap_route(path: &str) -> Option<(ApiVersion, &str)> {
    let (version, service) = path.strip_prefix("/soap/")?.split_once('/')?;
    let version = crate::protocol::ApiVersion::from_segment(version)?;
    let service = service.trim_end_matches('/');
    (!service.is_empty() && !service.contains('/')).then_some((version, service))
}

/// The address a connection reached the server at, for a request that names no host
/// (HTTP/1.0 without `Host`).
#[derive(Debug, Clone, Copy)]
struct ServedAt(std::net::SocketAddr);

/// A WSDL fetch for a service this endpoint does not serve: told where the WSDL is when
/// the name is a served one's file name (`SoftLayer_Ticket.wsdl`, as `wsdl/` names them),
/// else which services are served.
fn no_such_service(version: ApiVersion, service: &str) -> Response<Body> {
    let version = version.as_str();
    let text = match service.strip_suffix(".wsdl") {
        Some(base) if crate::protocol::wsdl::served_services().contains(&base) => format!(
            "No such service: {service}. The WSDL of {base} is at /soap/{version}/{base}?wsdl.\n"
        ),
        _ => format!(
            "No such service: {}. SOAP serves {}, each one's WSDL at \
             /soap/{version}/{{Service}}?wsdl.\n",
            crate::protocol::xml::truncate(service),
            crate::protocol::wsdl::served_services().join(", ")
        ),
    };
    plain(StatusCode::NOT_FOUND, text)
}

/// GET or HEAD: a page (a WSDL, a browser's visit), which a plain-text 404 answers.
fn is_page_fetch(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}

/// A request by another method than POST to a service that does not exist (or to an
/// endpoint with none named): the fault a call to it gets ("Service does not exist",
/// XML-RPC `-32601`), 404, journaled and counted as that call is. Its body is not read,
/// so the method it would call is not known.
fn no_such_service_fault(
    shared: &Shared,
    codec: &impl crate::protocol::codec::Codec,
    service: &str,
) -> Response<Body> {
    let fault = crate::call::Fault::ServiceNotFound {
        service: service.to_string(),
        method: String::new(),
    };
    let mut answer = codec.write_fault(&fault);
    answer.status = StatusCode::NOT_FOUND.as_u16();
    pipeline::refused_unread(shared, codec, &fault, &answer, std::time::Instant::now());
    response(answer, None)
}

/// `GET …/{Service}?wsdl` serves the service's WSDL (and `GET …/soap-encoding.xsd` the
/// schema it imports, with the `soap-encoding-group.xsd` that one imports).
fn wsdl(req: &Request<Incoming>, version: ApiVersion, service: &str) -> Response<Body> {
    use crate::protocol::wsdl;
    if service == wsdl::ENCODING_SCHEMA_FILE {
        return xml(wsdl::encoding_schema().as_bytes().to_vec());
    }
    if service == wsdl::ENCODING_GROUP_SCHEMA_FILE {
        return xml(wsdl::encoding_group_schema().as_bytes().to_vec());
    }
    let wants_wsdl = req.uri().query().is_some_and(|q| {
        q.split('&').any(|p| {
            let key = p.split('=').next().unwrap_or(p);
            key.eq_ignore_ascii_case("wsdl")
        })
    });
    // A GET without `?wsdl` is no call (PHP's SoapServer, behind the real API, answers a
    // fault: "Bad Request. Can't find HTTP_RAW_POST_DATA"): a fault in SOAP's format, as
    // every other refusal on this path, under 400 (GET is a method the path takes).
    if !wants_wsdl {
        let codec = SoapCodec {
            version,
            service: service.to_string(),
            basic: None,
        };
        let mut answer = crate::protocol::codec::Codec::write_fault(
            &codec,
            &crate::call::Fault::bad_argument(format!(
                "Bad Request. SOAP calls are POSTed; the WSDL is at /soap/{}/{service}?wsdl.",
                version.as_str()
            )),
        );
        answer.status = 400;
        return response(answer, None);
    }
    // soap:address is the URL the WSDL was fetched from: as the client sent it to a
    // reverse proxy in front, when one says so (X-Forwarded-Proto and -Host, the first
    // of a list), else as it reached the server.
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    // A proxy's header may list one value per proxy: the first is the client's.
    // An empty first item (`, proxy.test`) is none: the WSDL named `http:///…`.
    let forwarded = |name: &str| {
        header(name)
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let scheme = match forwarded("x-forwarded-proto").or(req.uri().scheme_str()) {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    // A request in absolute form names its host in the target, which wins over `Host`
    // (RFC 9112 §3.2.2).
    let authority = req.uri().authority().map(|a| a.as_str());
    // A forwarded host that is no host (`a b`, `x?q=1`) is not used: the request's own
    // is (checked on arrival), as it is without a proxy. `Host` is one value, commas and
    // all (`a,b` named `a`).
    // With no host named at all (HTTP/1.0 may send none), the address the connection
    // came to: `localhost` alone sent clients to port 80.
    let served_at = req
        .extensions()
        .get::<ServedAt>()
        .map(|at| at.0.to_string());
    let host = forwarded("x-forwarded-host")
        .filter(|h| host::is_host_and_port(h.as_bytes()))
        .or(authority)
        .or_else(|| header("host"))
        .or(served_at.as_deref())
        .unwrap_or("localhost");
    // Without a slash after the service's name: the encoding schema is imported from
    // beside the address, and `…/SoftLayer_Account/soap-encoding.xsd` is served by no one.
    let address = format!(
        "{scheme}://{host}{}",
        req.uri().path().trim_end_matches('/')
    );
    match wsdl::document(service, version, &address) {
        Some(doc) => xml(doc.into_bytes()),
        None => no_such_service(version, service),
    }
}
