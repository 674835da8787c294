//! The support console: its pages at `/_emulator/ui/` (plain HTML, CSS and JavaScript
//! compiled into the binary) and the reads it makes, all behind the admin token:
//!
//! - `GET  /_emulator/queue?account=&status=&group=&employee=&awaiting=&q=&sort=&order=&page=&pageSize=`
//!   tickets across all accounts with the total and the counts per status;
//!   `employee=none` is the unassigned tickets, `sort` is `created`, `lastEdited` or
//!   `priority`, `order` is `asc` or `desc`.
//! - `GET  /_emulator/choices` the accounts, statuses, groups, employees and priorities.
//! - `GET  /_emulator/tickets/{id}` the whole ticket: thread (with ratings), files, devices,
//!   flags, final comments, notification e-mails, assigned agents and tags.
//! - `GET  /_emulator/tickets/{id}/files/{fileId}` the file's bytes.
//! - `POST /_emulator/session` (with the token) answers with a short-lived cookie that
//!   opens `GET /_emulator/events` (see `events.rs`): `EventSource` cannot send an
//!   `Authorization` header, and the token must never travel in a URL.
//!
//! Why pages get a strict Content-Security-Policy and why every reply says `no-store`:
//! ticket text is written by whoever can open a ticket, and the console shows it to
//! someone holding the admin token. The scripts insert values as text only; the policy
//! is the second wall (no inline script, no inline style, nothing from elsewhere).

use super::http::authorised;
use crate::body::ReplyBody;
use crate::server::Shared;
use crate::store::console::{self, EmployeeFilter, QueueFilter, QueueOrder, QueueSort};
use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The console's pages, as served from `/_emulator/ui/{name}`.
const ASSETS: &[(&str, &str, &str)] = &[
    ("", HTML, include_str!("ui/index.html")),
    ("console.css", CSS, include_str!("ui/console.css")),
    ("api.js", JS, include_str!("ui/api.js")),
    ("dom.js", JS, include_str!("ui/dom.js")),
    ("queue.js", JS, include_str!("ui/queue.js")),
    ("ticket.js", JS, include_str!("ui/ticket.js")),
    ("harness.js", JS, include_str!("ui/harness.js")),
    ("journal.js", JS, include_str!("ui/journal.js")),
    ("app.js", JS, include_str!("ui/app.js")),
    ("events-worker.js", JS, include_str!("ui/events-worker.js")),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("ui/favicon.svg"),
    ),
];

/// Scripts and styles from this origin only; images also from `blob:` (previews of
/// attached files, fetched with the token); no frames, no plugins, no inline anything.
pub const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The cookie that opens the event stream, and how long a new one lasts.
pub const SESSION_COOKIE: &str = "sl_console_events";
const SESSION_TTL: Duration = Duration::from_secs(600);

/// Event-stream sessions handed out by `POST /_emulator/session`.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Instant>>,
}

impl Sessions {
    /// A new session id, valid for [`SESSION_TTL`].
    fn open(&self) -> String {
        let id = super::random_hex(32);
        let now = Instant::now();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, until| *until > now);
        open.insert(id.clone(), now + SESSION_TTL);
        id
    }

    /// Whether a `Cookie` header carries a session that has not expired.
    pub fn admits(&self, cookie_header: Option<&str>) -> bool {
        let Some(id) = cookie_header.and_then(session_in) else {
            return false;
        };
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(id).is_some_and(|until| *until > Instant::now())
    }
}

fn session_in(cookie_header: &str) -> Option<&str> {
    cookie_header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == SESSION_COOKIE).then_some(value)
    })
}

/// Whether the console's path is one whose request body is read, to be refused unless it
/// holds nothing: its JSON reads and session (not the pages nor the event stream).
pub fn refuses_a_body(path: &str) -> bool {
    !path.starts_with("ui") && path.trim_end_matches('/') != "events"
}

/// Whether a path under `/_emulator/` is the console's.
pub fn owns(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["ui", ..] => true,
        ["session"] | ["events"] => true,
        ["queue"] | ["choices"] | ["tickets", _] | ["tickets", _, "files", _] => {
            method == Method::GET || method == Method::HEAD
        }
        _ => false,
    }
}

/// Answers a console path under `/_emulator/`. No console path reads a body: the
/// caller reads it away as the answer goes out.
/// `body` is the request's, read, where [`refuses_a_body`] (else it is read away after).
pub async fn serve<B>(
    req: &Request<B>,
    shared: Arc<Shared>,
    path: String,
    body: Option<&[u8]>,
) -> Response<ReplyBody> {
    let bearer = header(req, "authorization");
    let token_header = header(req, "x-emulator-token");
    let with_token = authorised(
        &shared.admin_token,
        bearer.as_deref(),
        token_header.as_deref(),
    );
    // The pages and the event stream are read; a session is opened. Another method is
    // 405 with `Allow`, as on the control API (a 2xx to CONNECT reads as a tunnel).
    let allow = if path == "session" {
        "POST"
    } else {
        "GET, HEAD"
    };
    if !allow.split(", ").any(|m| m == req.method().as_str()) {
        let mut r = json_reply(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": format!("/_emulator/{path} answers {allow}")}),
        );
        if let Ok(v) = HeaderValue::try_from(allow) {
            r.headers_mut().insert(hyper::header::ALLOW, v);
        }
        return r;
    }
    if let Some(asset) = path.strip_prefix("ui") {
        return page(asset);
    }
    // Only the queue reads a query; elsewhere one is a mistake to say, as the control
    // API says it (http.rs `only_params`).
    if let Some(query) = req
        .uri()
        .query()
        .filter(|q| !q.is_empty() && path != "queue")
    {
        let key = query.split(['&', '=']).next().unwrap_or_default();
        let key = crate::protocol::rest::percent_decode(key, true);
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": format!(
                "'{key}' is not a query parameter of {} /_emulator/{path}; it takes none",
                req.method()
            )}),
        );
    }
    if path == "events" {
        let cookie = header(req, "cookie");
        if !with_token && !shared.console_sessions.admits(cookie.as_deref()) {
            return unauthorised();
        }
        return super::events::stream(shared);
    }
    if !with_token {
        return unauthorised();
    }
    // No console path reads a body: one sent is refused, as the control API refuses one
    // where it reads none (its meaning was dropped without a word).
    if let Some(body) = body
        && !super::http::holds_nothing(body)
    {
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("{} /_emulator/{path} takes no body", req.method())}),
        );
    }
    if path == "session" {
        let id = shared.console_sessions.open();
        let mut r = json_reply(StatusCode::OK, json!({"expiresIn": SESSION_TTL.as_secs()}));
        let cookie = format!(
            "{SESSION_COOKIE}={id}; Path=/_emulator/events; HttpOnly; SameSite=Strict; Max-Age={}",
            SESSION_TTL.as_secs()
        );
        if let Ok(v) = HeaderValue::try_from(cookie) {
            r.headers_mut().insert(hyper::header::SET_COOKIE, v);
        }
        return r;
    }
    let query = req.uri().query().unwrap_or_default().to_string();
    let answer = tokio::task::spawn_blocking(move || read(&shared, &path, &query)).await;
    answer.unwrap_or_else(|e| {
        tracing::error!("console read panicked: {e}");
        json_reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal error"}),
        )
    })
}

fn header<B>(req: &Request<B>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The JSON reads, on the blocking pool.
fn read(shared: &Shared, path: &str, query: &str) -> Response<ReplyBody> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let store_error = |e: crate::store::StoreError| {
        let mut reply = crate::server::pipeline::response(super::http::store_failure(&e), None);
        protective_headers(reply.headers_mut());
        reply
    };
    match segments.as_slice() {
        ["queue"] => {
            let (filter, order) = match queue_request(query) {
                Ok(q) => q,
                Err(message) => {
                    return json_reply(StatusCode::BAD_REQUEST, json!({"error": message}));
                }
            };
            match shared
                .store
                .read(|conn| console::queue(conn, &filter, &order))
            {
                Ok(page) => json_reply(StatusCode::OK, json!(page)),
                Err(e) => store_error(e),
            }
        }
        ["choices"] => match shared.store.read(console::filter_choices) {
            Ok(choices) => json_reply(StatusCode::OK, json!(choices)),
            Err(e) => store_error(e),
        },
        ["tickets", id] => {
            let Ok(id) = id.parse::<i64>() else {
                return not_found(format!("'{id}' is not a ticket id"));
            };
            match shared.store.read(|conn| console::ticket_detail(conn, id)) {
                Ok(Some(detail)) => json_reply(StatusCode::OK, json!(detail)),
                Ok(None) => not_found(format!("ticket {id} does not exist")),
                Err(e) => store_error(e),
            }
        }
        ["tickets", ticket, "files", file] => {
            let (Ok(ticket), Ok(file)) = (ticket.parse::<i64>(), file.parse::<i64>()) else {
                return not_found("no such file".to_string());
            };
            match shared
                .store
                .read(|conn| console::attached_file(conn, ticket, file))
            {
                Ok(Some((name, content))) => file_reply(&name, content),
                Ok(None) => not_found(format!("ticket {ticket} has no file {file}")),
                Err(e) => store_error(e),
            }
        }
        _ => not_found(format!("unknown console endpoint /_emulator/{path}")),
    }
}

/// The longest search the queue takes: words, and characters in all.
const MAX_QUERY_WORDS: usize = 32;
const MAX_QUERY_CHARS: usize = 1_000;

/// The queue's filter and order from a query string.
pub fn queue_request(query: &str) -> Result<(QueueFilter, QueueOrder), String> {
    let mut filter = QueueFilter::default();
    let mut order = QueueOrder::default();
    let number = |key: &str, value: &str| {
        value
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{key} must be a whole number, not '{value}'"))
    };
    let mut seen = std::collections::HashSet::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = crate::protocol::rest::percent_decode(value, true);
        const KEYS: [&str; 10] = [
            "account", "status", "group", "employee", "awaiting", "q", "sort", "order", "page",
            "pageSize",
        ];
        if !KEYS.contains(&key) {
            return Err(format!("unknown queue parameter '{key}'"));
        }
        // As the control API's: `?status=1001&status=1002` read the last alone.
        if !seen.insert(key) {
            return Err(format!("'{key}' is given twice; the queue reads it once"));
        }
        // The console's form sends its empty fields: an empty value is no filter.
        if value.trim().is_empty() {
            continue;
        }
        match key {
            "account" => filter.account = Some(number(key, &value)?),
            "status" => filter.status = Some(number(key, &value)?),
            "group" => filter.group = Some(number(key, &value)?),
            "employee" if value == "none" => filter.employee = Some(EmployeeFilter::Unassigned),
            "employee" => filter.employee = Some(EmployeeFilter::Id(number(key, &value)?)),
            "awaiting" => {
                filter.awaiting_customer = Some(match value.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    other => return Err(format!("awaiting must be true or false, not '{other}'")),
                })
            }
            // Each word is a search of its own: SQLite refuses an expression past 1,000
            // levels (a 500), and each word is a scan of the titles and entries.
            "q" if value.chars().count() > MAX_QUERY_CHARS
                || value.split_whitespace().count() > MAX_QUERY_WORDS =>
            {
                return Err(format!(
                    "q takes at most {MAX_QUERY_WORDS} words and {MAX_QUERY_CHARS} characters"
                ));
            }
            "q" => filter.text = Some(value),
            "sort" => {
                order.sort = match value.as_str() {
                    "created" => QueueSort::Created,
                    "lastEdited" => QueueSort::LastEdited,
                    "priority" => QueueSort::Priority,
                    other => {
                        return Err(format!(
                            "sort must be created, lastEdited or priority, not '{other}'"
                        ));
                    }
                }
            }
            "order" => {
                order.descending = match value.to_ascii_lowercase().as_str() {
                    "desc" => true,
                    "asc" => false,
                    other => return Err(format!("order must be asc or desc, not '{other}'")),
                }
            }
            "page" => order.page = number(key, &value)?.clamp(0, u32::MAX as i64) as u32,
            "pageSize" => {
                order.page_size =
                    number(key, &value)?.clamp(1, console::MAX_PAGE_SIZE as i64) as u32
            }
            other => return Err(format!("unknown queue parameter '{other}'")),
        }
    }
    Ok((filter, order))
}

/// A console page or script; `asset` is what follows `/_emulator/ui`.
fn page(asset: &str) -> Response<ReplyBody> {
    // `/_emulator/ui` without the slash: the pages' relative links need it.
    if asset.is_empty() {
        let mut r = Response::new(ReplyBody::whole(Bytes::new()));
        *r.status_mut() = StatusCode::PERMANENT_REDIRECT;
        r.headers_mut().insert(
            hyper::header::LOCATION,
            HeaderValue::from_static("/_emulator/ui/"),
        );
        return r;
    }
    // The page is also at its file's own name: a bookmark or a typed address with it was
    // a JSON 404, though the README names the page's files.
    let name = match asset.trim_start_matches('/') {
        "index.html" => "",
        name => name,
    };
    let Some((_, content_type, text)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return not_found(format!("no console file '{name}'"));
    };
    let mut r = Response::new(ReplyBody::whole(Bytes::from_static(text.as_bytes())));
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(PAGE_POLICY),
    );
    protective_headers(headers);
    r
}

fn protective_headers(headers: &mut hyper::HeaderMap) {
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
}

/// The content type a file is served with, by its extension. Only types a browser shows
/// without running anything are named; everything else is a download.
fn file_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("bmp") => "image/bmp",
        Some("txt" | "log" | "csv" | "conf" | "cfg" | "ini" | "json" | "xml" | "yaml" | "yml") => {
            "text/plain; charset=utf-8"
        }
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn file_reply(name: &str, content: Vec<u8>) -> Response<ReplyBody> {
    let mut r = Response::new(ReplyBody::whole(content));
    let headers = r.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(file_type(name)));
    // A file opened directly must not run as a page of this origin.
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // A name's last 255 characters (its extension among them): the API takes names of
    // any length, and a header line of megabytes is refused by browsers and clients.
    let ascii = &ascii[ascii.len().saturating_sub(255)..];
    // And the name itself (RFC 6266's `filename*`), which browsers prefer: `résumé.txt`
    // was saved as `r_sum_.txt`.
    let chars: Vec<char> = name.chars().collect();
    let last: String = chars[chars.len().saturating_sub(255)..].iter().collect();
    let encoded = super::percent_encode(&last, b"!#$&+-.^_`|~");
    if let Ok(v) = HeaderValue::try_from(format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(hyper::header::CONTENT_DISPOSITION, v);
    }
    protective_headers(headers);
    r
}

pub(super) fn json_reply(status: StatusCode, body: serde_json::Value) -> Response<ReplyBody> {
    let mut r = Response::new(ReplyBody::whole(body.to_string().into_bytes()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    protective_headers(r.headers_mut());
    r
}

fn not_found(message: String) -> Response<ReplyBody> {
    json_reply(StatusCode::NOT_FOUND, json!({ "error": message }))
}

fn unauthorised() -> Response<ReplyBody> {
    let mut reply = json_reply(
        StatusCode::UNAUTHORIZED,
        json!({"error": "The console needs the admin token printed at start (Authorization: Bearer TOKEN)."}),
    );
    // A 401 names the scheme it wants (RFC 9110 §11.6.1).
    reply.headers_mut().insert(
        hyper::header::WWW_AUTHENTICATE,
        hyper::header::HeaderValue::from_static("Bearer realm=\"SoftLayer emulator console\""),
    );
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_parameters_become_a_filter() {
        let (filter, order) =
            queue_request("account=1001&status=1002&employee=none&awaiting=true&q=disk+bay%202&sort=priority&order=asc&page=2&pageSize=500")
                .unwrap();
        assert_eq!(filter.account, Some(1001));
        assert_eq!(filter.status, Some(1002));
        assert_eq!(filter.employee, Some(EmployeeFilter::Unassigned));
        assert_eq!(filter.awaiting_customer, Some(true));
        assert_eq!(filter.text.as_deref(), Some("disk bay 2"));
        assert_eq!(order.sort, QueueSort::Priority);
        assert!(!order.descending);
        assert_eq!(order.page, 2);
        assert_eq!(order.page_size, console::MAX_PAGE_SIZE);
        assert!(queue_request("status=open").is_err());
        assert!(queue_request("sort=title").is_err());
        assert!(queue_request("bogus=1").is_err());
        assert!(queue_request("status=1001&status=1002").is_err());
        assert!(queue_request("q=disk&q=").is_err());
        // Empty values are no filter (an unset <select>).
        assert_eq!(
            queue_request("account=&q=").unwrap().0,
            QueueFilter::default()
        );
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        assert_eq!(session_in("a=1; sl_console_events=abc; b=2"), Some("abc"));
        assert_eq!(session_in("a=1"), None);
        let sessions = Sessions::default();
        let id = sessions.open();
        assert!(sessions.admits(Some(&format!("{SESSION_COOKIE}={id}"))));
        assert!(!sessions.admits(Some(&format!("{SESSION_COOKIE}=x{id}"))));
        assert!(!sessions.admits(None));
    }

    #[test]
    fn files_that_could_run_are_downloads() {
        assert_eq!(file_type("shot.PNG"), "image/png");
        assert_eq!(file_type("notes.txt"), "text/plain; charset=utf-8");
        assert_eq!(file_type("page.html"), "application/octet-stream");
        assert_eq!(file_type("image.svg"), "application/octet-stream");
    }
}
