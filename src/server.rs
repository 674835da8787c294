//! The HTTP side: routing by path prefix (`/xmlrpc`, `/soap`, `/rest`, `/_emulator`,
//! `/health`), request limits, and where each call runs: short reads on the connection's
//! own thread, writes and long lists on the blocking pool, so that waiting for SQLite's
//! writer or streaming 100,000 tickets never holds up other connections.

use crate::body::{Chunk, ReplyBody};
use crate::call::{Call, Credentials, Fault, Reply};
use crate::protocol::{HttpAnswer, xmlrpc};
use crate::services;
use crate::store::Store;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Requests larger than this are refused before they are read whole.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

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
}

pub async fn serve(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<()> {
    let shutdown = tokio::signal::ctrl_c();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                return Ok(());
            }
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            // Out of file descriptors and the like: keep serving the connections we have.
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, shared.clone()));
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Body>, hyper::Error> {
    let path = req.uri().path().to_string();
    if path == "/health" {
        return Ok(plain(StatusCode::OK, "ok\n"));
    }
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        if crate::emulator::console::owns(req.method(), rest) {
            let rest = rest.to_string();
            return Ok(crate::emulator::console::serve(req, shared, rest).await);
        }
        return Ok(control(req, shared, rest.to_string()).await);
    }
    if let Some(rest_path) = rest_path(&path) {
        return Ok(rest(req, shared, rest_path).await);
    }
    if let Some((version, service)) = soap_route(&path) {
        let service = service.to_string();
        return Ok(soap(req, shared, version, service).await);
    }
    let Some(service) = xmlrpc_service(&path) else {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            "Not found. XML-RPC lives at /xmlrpc/v3.1/{Service}.\n",
        ));
    };
    if req.method() != Method::POST {
        return Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "XML-RPC calls are POSTed.\n",
        ));
    }
    let authorization = req.headers().get(AUTHORIZATION).cloned();
    let basic = basic_credentials(authorization.as_ref());
    let Some(body) = read_body(req.into_body()).await else {
        let fault = Fault::not_well_formed("request body too large or interrupted");
        return Ok(xml(
            StatusCode::PAYLOAD_TOO_LARGE,
            xmlrpc::write_fault(&fault),
            None,
        ));
    };
    let cache_key = shared.replies.enabled().then(|| {
        let auth = authorization
            .as_ref()
            .map(|a| a.as_bytes())
            .unwrap_or_default();
        crate::reply_cache::key(&[path.as_bytes(), auth, &body])
    });
    if let Some(hit) = cache_key
        .as_ref()
        .and_then(|k| shared.replies.get(&shared.store, k))
    {
        return Ok(xml_bytes(StatusCode::OK, hit.0, hit.1));
    }
    let answer = xmlrpc::parse_call(service, &body).map(|mut call| {
        if call.headers.credentials.is_none() {
            call.headers.credentials = basic;
        }
        call
    });
    let call = match answer {
        Ok(call) => call,
        Err(fault) => return Ok(xml(StatusCode::OK, xmlrpc::write_fault(&fault), None)),
    };
    if !services::writes(&call) && services::returns_list(&call) {
        return Ok(xmlrpc_list(shared, call).await);
    }
    let cacheable = cache_key.is_some() && !services::writes(&call);
    let version = cacheable.then(|| shared.store.version());
    let answer = run(shared.clone(), call).await;
    Ok(match answer {
        Ok(reply) => {
            let body = Bytes::from(xmlrpc::write_reply(&reply));
            if let (Some(key), Some(version)) = (cache_key, version) {
                shared.replies.put(key, version, body.clone(), reply.total);
            }
            xml_bytes(StatusCode::OK, body, reply.total)
        }
        // XML-RPC reports faults in a 200 response: clients raise HTTP errors before
        // they read a body, and would lose the fault.
        Err(fault) => xml(StatusCode::OK, xmlrpc::write_fault(&fault), None),
    })
}

/// How a streamed XML-RPC list begins: streaming (with its total), or a whole body
/// after all (a fault, or a method that answered with something else).
enum Head {
    Streaming(u64),
    Whole(Vec<u8>, Option<u64>),
}

/// Writes list items into chunks for the response body as they come.
struct XmlRpcListWriter {
    head: Option<tokio::sync::oneshot::Sender<Head>>,
    chunks: tokio::sync::mpsc::Sender<Chunk>,
    buffer: Vec<u8>,
}

/// Chunks of about this size go to the socket.
const CHUNK_BYTES: usize = 64 * 1024;

impl XmlRpcListWriter {
    fn send(&mut self) -> Result<(), Fault> {
        let bytes = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK_BYTES + 4096),
        ));
        self.chunks.blocking_send(Ok(bytes)).map_err(|_| {
            Fault::new(
                crate::call::ExceptionClass::Exception,
                "The client went away.",
            )
        })
    }

    fn answer_whole(&mut self, body: Vec<u8>, total: Option<u64>) {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Whole(body, total));
        }
    }
}

impl crate::call::ItemSink for XmlRpcListWriter {
    fn start(&mut self, total: u64) -> Result<(), Fault> {
        if let Some(head) = self.head.take() {
            let _ = head.send(Head::Streaming(total));
        }
        xmlrpc::write_list_start(&mut self.buffer);
        Ok(())
    }

    fn item(&mut self, item: crate::value::Value) -> Result<(), Fault> {
        xmlrpc::write_list_item(&mut self.buffer, &item);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(())
    }
}

/// A list read: run on the blocking pool, streamed to the client as rows are read, so a
/// 100,000-ticket reply never sits in memory whole.
async fn xmlrpc_list(shared: Arc<Shared>, call: Call) -> Response<Body> {
    let name = format!("{}::{}", call.service, call.method);
    let (head_tx, head_rx) = tokio::sync::oneshot::channel();
    let (chunk_tx, chunk_rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut writer = XmlRpcListWriter {
            head: Some(head_tx),
            chunks: chunk_tx,
            buffer: Vec::with_capacity(CHUNK_BYTES + 4096),
        };
        match services::dispatch_into(&shared.store, &call, &mut writer) {
            Ok(None) => {
                xmlrpc::write_list_end(&mut writer.buffer);
                let _ = writer.send();
            }
            Ok(Some(reply)) => writer.answer_whole(xmlrpc::write_reply(&reply), reply.total),
            Err(fault) if writer.head.is_some() => {
                writer.answer_whole(xmlrpc::write_fault(&fault), None)
            }
            Err(fault) => {
                tracing::warn!(
                    "{}::{} stopped mid-reply: {fault}",
                    call.service,
                    call.method
                );
                let _ = writer
                    .chunks
                    .blocking_send(Err(std::io::Error::other(fault.to_string())));
            }
        }
    });
    match head_rx.await {
        Ok(Head::Streaming(total)) => {
            let mut r = Response::new(ReplyBody::Streamed(chunk_rx));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            r.headers_mut()
                .insert("SoftLayer-Total-Items", HeaderValue::from(total));
            r
        }
        Ok(Head::Whole(body, total)) => xml(StatusCode::OK, body, total),
        Err(_) => {
            tracing::error!("handler panicked on {name}");
            xml(StatusCode::OK, xmlrpc::write_fault(&internal_fault()), None)
        }
    }
}

fn internal_fault() -> Fault {
    Fault::new(
        crate::call::ExceptionClass::Exception,
        "An internal error occurred.",
    )
}

/// Runs one call. Reads run on this thread: they take microseconds, less than the hop
/// to the blocking pool would. Writes may queue for SQLite's single writer, so they run
/// on the blocking pool and never hold up the connections this thread serves.
async fn run(shared: Arc<Shared>, call: Call) -> Result<Reply, Fault> {
    if services::writes(&call) {
        return tokio::task::spawn_blocking(move || services::dispatch(&shared.store, &call))
            .await
            .unwrap_or_else(|e| {
                tracing::error!("handler panicked: {e}");
                Err(internal_fault())
            });
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        services::dispatch(&shared.store, &call)
    }))
    .unwrap_or_else(|_| {
        tracing::error!("handler panicked on {}::{}", call.service, call.method);
        Err(internal_fault())
    })
}

async fn read_body(body: Incoming) -> Option<Bytes> {
    Some(
        Limited::new(body, MAX_BODY_BYTES)
            .collect()
            .await
            .ok()?
            .to_bytes(),
    )
}

fn header_text(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn control(req: Request<Incoming>, shared: Arc<Shared>, path: String) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let query = req.uri().query().map(str::to_string);
    let authorization = header_text(&req, "authorization");
    let token_header = header_text(&req, "x-emulator-token");
    let Some(body) = read_body(req.into_body()).await else {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.\n");
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
        Ok(a) => http_answer(a),
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The control request failed.\n",
        ),
    }
}

fn http_answer(a: HttpAnswer) -> Response<Body> {
    let mut r = Response::new(ReplyBody::whole(a.body));
    *r.status_mut() = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    for (k, v) in a.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::try_from(k),
            HeaderValue::try_from(v),
        ) {
            r.headers_mut().insert(k, v);
        }
    }
    r
}

/// `/xmlrpc/v3/{Service}` or `/xmlrpc/v3.1/{Service}` → the service name.
fn xmlrpc_service(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/xmlrpc/v3.1/")
        .or_else(|| path.strip_prefix("/xmlrpc/v3/"))?;
    let service = rest.trim_end_matches('/');
    (!service.is_empty() && !service.contains('/')).then_some(service)
}

fn basic_credentials(header: Option<&HeaderValue>) -> Option<Credentials> {
    let text = header?.to_str().ok()?.strip_prefix("Basic ")?;
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

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut r = Response::new(ReplyBody::whole(Bytes::from_static(text.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn xml(status: StatusCode, body: Vec<u8>, total: Option<u64>) -> Response<Body> {
    xml_bytes(status, Bytes::from(body), total)
}

fn xml_bytes(status: StatusCode, body: Bytes, total: Option<u64>) -> Response<Body> {
    let mut r = Response::new(ReplyBody::whole(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    if let Some(total) = total {
        r.headers_mut()
            .insert("SoftLayer-Total-Items", HeaderValue::from(total));
    }
    r
}

/// `/rest/v3/…` or `/rest/v3.1/…` → what follows the version, still percent-encoded.
fn rest_path(path: &str) -> Option<String> {
    let after = path.strip_prefix("/rest/")?;
    let (version, tail) = after.split_once('/').unwrap_or((after, ""));
    crate::protocol::ApiVersion::from_segment(version)?;
    Some(tail.to_string())
}

/// A REST call: any HTTP method; the codec answers with the status that fits.
async fn rest(req: Request<Incoming>, shared: Arc<Shared>, rest_path: String) -> Response<Body> {
    use crate::protocol::rest;
    let method = req.method().as_str().to_string();
    let query = req.uri().query().map(str::to_string);
    let basic = basic_credentials(req.headers().get(AUTHORIZATION));
    let format = rest::format_of(&rest_path);
    let Some(body) = read_body(req.into_body()).await else {
        let fault = Fault::not_well_formed("request body too large or interrupted");
        let mut answer = rest::write_fault(&fault, format);
        answer.status = StatusCode::PAYLOAD_TOO_LARGE.as_u16();
        return http_answer(answer);
    };
    let answer = tokio::task::spawn_blocking(move || {
        rest::handle(
            &method,
            &rest_path,
            query.as_deref(),
            basic,
            &body,
            |call| services::dispatch(&shared.store, call),
        )
    })
    .await;
    http_answer(answer.unwrap_or_else(|e| {
        tracing::error!("handler panicked: {e}");
        let fault = Fault::new(
            crate::call::ExceptionClass::Exception,
            "An internal error occurred.",
        );
        rest::write_fault(&fault, format)
    }))
}

/// `/soap/v3/{Service}` or `/soap/v3.1/{Service}` → the version and the service name.
fn soap_route(path: &str) -> Option<(crate::protocol::ApiVersion, &str)> {
    let (version, service) = path.strip_prefix("/soap/")?.split_once('/')?;
    let version = crate::protocol::ApiVersion::from_segment(version)?;
    let service = service.trim_end_matches('/');
    (!service.is_empty() && !service.contains('/')).then_some((version, service))
}

/// SOAP: `GET …/{Service}?wsdl` serves the service's WSDL (and `GET …/soap-encoding.xsd`
/// the schema it imports); `POST …/{Service}` is a call.
async fn soap(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    version: crate::protocol::ApiVersion,
    service: String,
) -> Response<Body> {
    use crate::protocol::{soap, wsdl};
    if req.method() == Method::GET || req.method() == Method::HEAD {
        if service == wsdl::ENCODING_SCHEMA_FILE {
            return xml(
                StatusCode::OK,
                wsdl::encoding_schema().as_bytes().to_vec(),
                None,
            );
        }
        let wants_wsdl = req.uri().query().is_some_and(|q| {
            q.split('&').any(|p| {
                let key = p.split('=').next().unwrap_or(p);
                key.eq_ignore_ascii_case("wsdl")
            })
        });
        if !wants_wsdl {
            return plain(
                StatusCode::NOT_FOUND,
                "Not found. The WSDL is at /soap/{version}/{Service}?wsdl; calls are POSTed.\n",
            );
        }
        // soap:address is the URL the WSDL was fetched from.
        let host = req
            .headers()
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let address = format!("http://{host}{}", req.uri().path());
        return match wsdl::document(&service, version, &address) {
            Some(doc) => xml(StatusCode::OK, doc.into_bytes(), None),
            None => plain(StatusCode::NOT_FOUND, "No such service.\n"),
        };
    }
    if req.method() != Method::POST {
        return plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "SOAP calls are POSTed; GET ?wsdl for the WSDL.\n",
        );
    }
    let basic = basic_credentials(req.headers().get(AUTHORIZATION));
    let Some(body) = read_body(req.into_body()).await else {
        let fault = Fault::not_well_formed("request body too large or interrupted");
        return xml(
            StatusCode::PAYLOAD_TOO_LARGE,
            soap::write_fault(version, &fault),
            None,
        );
    };
    let answer = tokio::task::spawn_blocking(move || {
        let mut call = soap::parse_call(&service, &body)?;
        if call.headers.credentials.is_none() {
            call.headers.credentials = basic;
        }
        let reply = services::dispatch(&shared.store, &call)?;
        Ok::<_, Fault>((call, reply))
    })
    .await;
    match answer {
        Ok(Ok((call, reply))) => xml(
            StatusCode::OK,
            soap::write_reply(&call.service, &call.method, version, &reply),
            reply.total,
        ),
        // SOAP 1.1 sends faults with HTTP 500.
        Ok(Err(fault)) => xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            soap::write_fault(version, &fault),
            None,
        ),
        Err(e) => {
            tracing::error!("handler panicked: {e}");
            let fault = Fault::new(
                crate::call::ExceptionClass::Exception,
                "An internal error occurred.",
            );
            xml(
                StatusCode::INTERNAL_SERVER_ERROR,
                soap::write_fault(version, &fault),
                None,
            )
        }
    }
}
