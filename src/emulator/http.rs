//! The control API under `/_emulator/`: JSON in, JSON out, guarded by the admin token
//! (`Authorization: Bearer TOKEN` or `X-Emulator-Token: TOKEN`), never by a SoftLayer
//! user's API key.
//!
//! - `GET  /_emulator/employees`
//! - `POST /_emulator/tickets/{id}/reply` `{"employee": "sl-support-jdoe" | 301, "entry": "…", "awaitingUserResponse": false}`
//! - `POST /_emulator/tickets/{id}/assign` `{"employee": …}`
//! - `POST /_emulator/tickets/{id}/group` `{"group": "Storage" | 7}`
//! - `POST /_emulator/tickets/{id}/close`, `…/reopen`
//! - `POST /_emulator/tickets/{id}/awaiting-response` `{"value": true}`
//!
//! The test harness (README "Using it in tests"):
//!
//! - `GET|POST /_emulator/accounts`, `DELETE /_emulator/accounts/{id}`
//! - `POST /_emulator/reset[?empty=true]`
//! - `GET /_emulator/snapshots`, `POST|DELETE /_emulator/snapshots/{name}`,
//!   `POST /_emulator/snapshots/{name}/restore`
//! - `GET /_emulator/export[?account=ID]`, `POST /_emulator/import`
//! - `GET|POST /_emulator/clock` (`{"set": "…"}`, `{"advance": "72h"}`, `{"real": true}`)
//! - `GET|DELETE /_emulator/outbox?ticket=&to=&account=&event=&limit=&offset=`
//! - `GET|DELETE /_emulator/journal?service=&method=&user=&account=&fault=&since=&transport=&limit=&offset=`
//!   (`DELETE …/journal?through=ID` keeps the calls after that one)
//! - `GET|POST|DELETE /_emulator/faults`, `DELETE /_emulator/faults/{id}`

use super::accounts::{self, AccountError};
use super::snapshots::{self, SnapshotError};
use super::support::{self, EmployeeRef, SupportAction, SupportError};
use super::{Harness, journal, outbox, scheduler};
use crate::protocol::HttpAnswer;
use crate::store::dump::{self, ImportError};
use crate::store::{Row, Store, StoreError};
use crate::value::{PhpTrim, Value};
use serde_json::json;

pub(crate) fn answer(status: u16, body: serde_json::Value) -> HttpAnswer {
    HttpAnswer {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}

pub(crate) fn error(status: u16, message: impl std::fmt::Display) -> HttpAnswer {
    answer(status, json!({ "error": message.to_string() }))
}

/// A store error of the control API: 503 with `Retry-After` where another moment would do
/// (a read that found every connection to a parted file busy, a write that found no
/// space: as the API's transports answer them), else the server's own.
pub(crate) fn store_failure(e: &StoreError) -> HttpAnswer {
    let retry_later = |message: String| HttpAnswer {
        headers: vec![("Retry-After".into(), "1".into())],
        ..error(503, message)
    };
    if let Some(mut why) = crate::store::no_space_in(e) {
        why[..1].make_ascii_uppercase();
        return retry_later(why);
    }
    match e {
        StoreError::ReadersTaken(_) => retry_later(e.to_string()),
        _ => error(500, e),
    }
}

fn row_json(row: &Row) -> serde_json::Value {
    serde_json::Value::from(&Value::Struct(row.values.to_struct()))
}

/// Whether a request body holds nothing: no bytes but blanks, `{}` or `null` (what
/// `requests.post(url, json={})` sends).
pub(crate) fn holds_nothing(body: &[u8]) -> bool {
    let body = without_bom(body);
    body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice(body).is_ok_and(|value| is_nothing(&value))
}

/// A JSON body without the UTF-8 byte-order mark it may start with, which REST bodies may
/// carry too: PowerShell 5's `Out-File` and `Set-Content -Encoding UTF8` write one, and
/// serde_json read it as "expected value at line 1 column 1".
fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body)
}

/// Whether a body read as JSON holds nothing: `{}` or `null`.
fn is_nothing(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Whether the request carries the admin token.
pub(crate) fn authorised(
    token: &str,
    authorization: Option<&str>,
    header_token: Option<&str>,
) -> bool {
    // The scheme's name is case-insensitive (RFC 7235 §2.1): `bearer` is Bearer too.
    let bearer = authorization
        .and_then(|a| a.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim());
    let matches = |given: Option<&str>| given.is_some_and(|g| same_secret(g, token));
    // Both compared, always: which header carried the token must not show in the timing.
    let (by_bearer, by_header) = (matches(bearer), matches(header_token.map(str::trim)));
    !token.is_empty() && (by_bearer | by_header)
}

/// Compares a secret in time that depends only on the lengths, not on where the first
/// difference is, so the token cannot be guessed byte by byte from response times.
fn same_secret(given: &str, secret: &str) -> bool {
    let (given, secret) = (given.as_bytes(), secret.as_bytes());
    let mut diff = (given.len() != secret.len()) as u8;
    for (i, s) in secret.iter().enumerate() {
        diff |= s ^ given.get(i).copied().unwrap_or(!s);
    }
    std::hint::black_box(diff) == 0
}

pub struct ControlRequest<'a> {
    pub method: &'a str,
    /// The path after `/_emulator/`.
    pub path: &'a str,
    /// The query string, still percent-encoded.
    pub query: Option<&'a str>,
    pub authorization: Option<&'a str>,
    pub token_header: Option<&'a str>,
    pub body: &'a [u8],
}

/// The value of `name` in a query string, percent-decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    crate::protocol::rest::percent_decode(text, true)
}

/// A name in the path (a snapshot's), its `%XX` escapes decoded; `+` is itself there.
fn path_name(segment: &str) -> String {
    crate::protocol::rest::percent_decode(segment, false)
}

/// A query parameter that must be an integer when present: `?account=` with no value
/// named no account and exported all of them.
fn int_param(query: Option<&str>, name: &str) -> Result<Option<i64>, HttpAnswer> {
    match query_param(query, name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Err(error(400, format!("{name}= needs a value"))),
        Some(v) => v.parse().map(Some).map_err(|e: std::num::ParseIntError| {
            use std::num::IntErrorKind::{NegOverflow, PosOverflow};
            match e.kind() {
                // Blanks around it make text no integer, as they do a small number.
                PosOverflow | NegOverflow
                    if v.trim() == v && crate::value::is_whole_number_text(&v) =>
                {
                    error(400, format!("{name}={v} is past a 64-bit integer"))
                }
                // `+` in a query is a space: `limit=+1` arrives as " 1".
                _ if v.starts_with(' ') => error(
                    400,
                    format!("{name}={v} is not an integer ('+' in a query is a space: send %2B)"),
                ),
                _ => error(400, format!("{name}={v} is not an integer")),
            }
        }),
    }
}

/// The ticket `?ticket=` names: its id, `#ID` as the console writes it, or its case
/// number (`CS160000102`, any case) as every mail the outbox holds writes it.
fn ticket_param(store: &Store, query: Option<&str>) -> Result<Option<i64>, HttpAnswer> {
    let Some(v) = query_param(query, "ticket") else {
        return Ok(None);
    };
    if let Some(id) = v.strip_prefix('#').and_then(|n| n.parse().ok()) {
        return Ok(Some(id));
    }
    let case_number = v.chars().all(|c| c.is_ascii_alphanumeric())
        && v.chars().any(|c| c.is_ascii_alphabetic())
        && v.chars().any(|c| c.is_ascii_digit());
    if !case_number {
        return int_param(query, "ticket");
    }
    match store.read(|conn| crate::store::harness::ticket_with_case_number(conn, &v)) {
        Ok(Some(id)) => Ok(Some(id)),
        Ok(None) => Err(error(
            400,
            format!("ticket={v} is neither a ticket id nor a ticket's case number"),
        )),
        Err(e) => Err(store_failure(&e)),
    }
}

/// A yes-or-no query parameter: absent is no; present bare, or as true/yes/1 or
/// false/no/0 in any case. Anything else is refused rather than read as no: `?empty=True`
/// from a client that capitalises booleans once reset to the seed instead of empty.
fn flag_param(query: Option<&str>, name: &str) -> Result<bool, HttpAnswer> {
    let Some(v) = query_param(query, name) else {
        return Ok(false);
    };
    match v.to_ascii_lowercase().as_str() {
        "" | "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(error(
            400,
            format!("{name}={v}: give true or false (or 1/0, yes/no)"),
        )),
    }
}

/// The query parameters an endpoint reads; any other is refused. A misspelt filter was
/// ignored without a word, and on a DELETE that widened it: `DELETE
/// /_emulator/outbox?account=1001` (only `ticket` narrows it) cleared every account's mail.
fn known_params(method: &str, segments: &[&str]) -> &'static [&'static str] {
    match (method, segments) {
        ("POST", ["reset"]) => &["empty"],
        ("GET", ["export"]) => &["account"],
        ("GET", ["journal"]) => &[
            "transport",
            "service",
            "method",
            "user",
            "account",
            "fault",
            "since",
            "offset",
            "limit",
        ],
        ("GET", ["outbox"]) => &["ticket", "account", "to", "event", "limit", "offset"],
        ("DELETE", ["outbox"]) => &["ticket"],
        ("DELETE", ["journal"]) => &["through"],
        _ => &[],
    }
}

/// The yes-or-no query parameters ([`flag_param`]), which may be given bare.
const FLAG_PARAMS: &[&str] = &["empty"];

/// Whether an endpoint reads a JSON body. The others refuse one that holds anything: a
/// body's `{"empty": true}` to `POST /_emulator/reset` (whose options are query
/// parameters) reset to the seed rather than empty, and said nothing.
fn takes_body(method: &str, segments: &[&str]) -> bool {
    matches!(
        (method, segments),
        ("POST", ["accounts" | "import" | "faults" | "clock"]) | ("POST", ["tickets", _, _])
    )
}

fn only_params(req: &ControlRequest, segments: &[&str]) -> Result<(), HttpAnswer> {
    let known = known_params(req.method, segments);
    // Each parameter's name, and its value when it has an `=`.
    let pairs: Vec<(String, Option<&str>)> = req
        .query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), Some(v)),
            None => (percent_decode(pair), None),
        })
        .collect();
    let names: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
    let unknown = names.iter().find(|k| !known.contains(&k.as_str()));
    if unknown.is_none() {
        // A value for each: `?empty=` from a harness whose variable was unset emptied
        // every account, and `?to=` read every account's mail. A bare yes-or-no
        // parameter (`?empty`) is yes.
        let blank = pairs.iter().find(|(k, v)| match v {
            Some(v) => percent_decode(v).trim().is_empty(),
            None => !FLAG_PARAMS.contains(&k.as_str()),
        });
        if let Some((k, _)) = blank {
            return Err(error(400, format!("{k}= needs a value")));
        }
        // Each parameter once: `?account=1001&account=2001` exported 1001 alone.
        let mut seen = std::collections::HashSet::new();
        if let Some(k) = names.iter().find(|k| !seen.insert(k.as_str())) {
            return Err(error(
                400,
                format!(
                    "'{k}' is given twice; {} /_emulator/{} reads it once",
                    req.method, req.path
                ),
            ));
        }
    }
    match unknown {
        None => Ok(()),
        Some(k) if known.is_empty() => Err(error(
            400,
            format!(
                "'{k}' is not a query parameter of {} /_emulator/{}; it takes none",
                req.method, req.path
            ),
        )),
        Some(k) => Err(error(
            400,
            format!(
                "'{k}' is not a query parameter of {} /_emulator/{}; it takes {}",
                req.method,
                req.path,
                known.join(", ")
            ),
        )),
    }
}

fn account_error(e: AccountError) -> HttpAnswer {
    match e {
        AccountError::Invalid(_) => error(400, e),
        AccountError::Conflict(_) => error(409, e),
        AccountError::NoAccount(_) => error(404, e),
        AccountError::Store(StoreError::IdsExhausted(_)) => error(409, e),
        AccountError::Store(e) => store_failure(&e),
    }
}

fn snapshot_error(e: SnapshotError) -> HttpAnswer {
    match e {
        SnapshotError::BadName(_) => error(400, e),
        SnapshotError::Missing(_) => error(404, e),
        SnapshotError::InTheWay(_) => error(409, e),
        SnapshotError::Unusable(..) => error(422, e),
        SnapshotError::Store(e) => store_failure(&e),
        _ => error(500, e),
    }
}

fn import_error(e: ImportError) -> HttpAnswer {
    match e {
        ImportError::Invalid(_) => error(400, e),
        ImportError::Conflict(_) => error(409, e),
        ImportError::Store(crate::store::StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            f,
            m,
        ))) if f.code == rusqlite::ErrorCode::ConstraintViolation => error(
            409,
            format!(
                "the document refers to objects it does not hold and the database lacks ({})",
                m.unwrap_or_default()
            ),
        ),
        ImportError::Store(e) => store_failure(&e),
    }
}

/// The harness's endpoints; `None` when the path is not one of them.
/// Runs the scheduled actions that are due (in `turn`, taken before the change that made
/// them due) and answers `reply` with what ran in `fired`.
fn with_fired(
    store: &Store,
    turn: &scheduler::Turn,
    budget: scheduler::Budget,
    mut reply: serde_json::Value,
    done: &str,
) -> HttpAnswer {
    let listed = |fired: &scheduler::Fired| {
        json!(
            fired
                .iter()
                .map(|(ticket, kind, ran)| match ran {
                    scheduler::Ran::Done => json!({ "ticketId": ticket, "kind": kind }),
                    scheduler::Ran::Skipped(why) => {
                        json!({ "ticketId": ticket, "kind": kind, "skipped": why })
                    }
                    scheduler::Ran::Failed(e) => {
                        json!({ "ticketId": ticket, "kind": kind, "error": e })
                    }
                })
                .collect::<Vec<_>>()
        )
    };
    match scheduler::run_due(store, turn, budget) {
        Ok(fired) => {
            reply["fired"] = listed(&fired);
            answer(200, reply)
        }
        // Said so: the error's own words ("try again", for a read) would have a client
        // make the change twice. What ran before the failing batch stands, and is listed.
        Err(unfinished) => {
            let error = unfinished.why();
            let fired = unfinished.fired;
            let message = match fired.len() {
                0 => format!("{done}, but the actions it made due did not run: {error}"),
                n => format!(
                    "{done}, and {n} of the actions it made due ran (in \"fired\"), but the \
                     rest did not: {error}"
                ),
            };
            // With what the change itself answers (the clock's time, what was restored).
            reply["error"] = json!(message);
            reply["fired"] = listed(&fired);
            answer(500, reply)
        }
    }
}

fn harness(
    store: &Store,
    harness: &Harness,
    req: &ControlRequest,
    segments: &[&str],
    body: &serde_json::Value,
    streamed: &mut Option<JournalPage>,
) -> Option<HttpAnswer> {
    let query = req.query;
    Some(match (req.method, segments) {
        ("GET", ["accounts"]) => match store.read(accounts::list) {
            Ok(v) => answer(200, v),
            Err(e) => account_error(e),
        },
        // Creating or deleting an account is one transaction the admin asked for, as an
        // import is: not cut by the API's SQL budget (a 1,500-ticket account under a 50 ms
        // budget answered "database error: interrupted", a 500).
        ("POST", ["accounts"]) => match store.write_unbudgeted(|conn| accounts::create(conn, body))
        {
            Ok(v) => answer(201, v),
            Err(e) => account_error(e),
        },
        ("DELETE", ["accounts", id]) => {
            let Ok(id) = id.parse::<i64>() else {
                return Some(error(400, format!("'{id}' is not an account id")));
            };
            match store.write_unbudgeted(|conn| accounts::delete(conn, id)) {
                Ok(v) => answer(200, v),
                Err(e) => account_error(e),
            }
        }
        ("POST", ["reset"]) => {
            let empty = match flag_param(query, "empty") {
                Ok(e) => e,
                Err(e) => return Some(e),
            };
            match snapshots::reset(store, empty) {
                Ok(()) => answer(
                    200,
                    json!({ "reset": if empty { "empty" } else { "seed" } }),
                ),
                Err(e) => snapshot_error(e),
            }
        }
        ("GET", ["snapshots"]) => match harness.snapshots.list() {
            Ok(list) => answer(200, json!({ "snapshots": list })),
            Err(e) => snapshot_error(e),
        },
        ("POST", ["snapshots", name]) => match harness.snapshots.save(store, &path_name(name)) {
            Ok(info) => answer(201, json!(info)),
            Err(e) => snapshot_error(e),
        },
        ("POST", ["snapshots", name, "restore"]) => {
            let name = path_name(name);
            // What the snapshot holds that the clock has passed runs before the reply, as
            // a clock change's does: it ran about a second later, out of sight.
            let turn = scheduler::turn();
            match harness.snapshots.restore(store, &name) {
                Ok(()) => with_fired(
                    store,
                    &turn,
                    scheduler::Budget::Unbudgeted,
                    json!({ "restored": name }),
                    "restored",
                ),
                Err(e) => snapshot_error(e),
            }
        }
        ("DELETE", ["snapshots", name]) => {
            let name = path_name(name);
            match harness.snapshots.delete(&name) {
                Ok(()) => answer(200, json!({ "deleted": name })),
                Err(e) => snapshot_error(e),
            }
        }
        ("GET", ["export"]) => {
            let account = match int_param(query, "account") {
                Ok(a) => a,
                Err(e) => return Some(e),
            };
            if let Some(id) = account {
                match store.read(|conn| crate::store::dump::account_exists(conn, id)) {
                    Ok(true) => {}
                    Ok(false) => return Some(error(404, format!("account {id} does not exist"))),
                    Err(e) => return Some(store_failure(&e)),
                }
            }
            match store.export(account) {
                Ok(doc) => answer(200, doc),
                Err(e) => error(500, e),
            }
        }
        ("POST", ["import"]) => {
            let turn = scheduler::turn();
            match store.write_unbudgeted(|conn| dump::import(conn, body)) {
                Ok(n) => with_fired(
                    store,
                    &turn,
                    scheduler::Budget::Unbudgeted,
                    json!({ "imported": n }),
                    "imported",
                ),
                Err(e) => import_error(e),
            }
        }
        ("GET", ["journal"]) => {
            let q = match journal_query(query) {
                Ok(q) => q,
                Err(e) => return Some(e),
            };
            let (entries, total) = harness.journal.query(&q);
            let page = JournalPage {
                entries,
                tail: format!(
                    "],{}",
                    &json!({"total": total, "offset": q.offset, "limit": q.limit}).to_string()[1..]
                ),
            };
            let held: usize = page.entries.iter().map(|e| journal::held_bytes(e)).sum();
            let body = if held as u64 > crate::services::projection::HEAVY_REPLY_BYTES {
                // Written as its client reads it (`ControlAnswer::Streamed`): held whole,
                // 32 readers of a full journal at once took the server to 3.4 GB.
                *streamed = Some(page);
                Vec::new()
            } else {
                page.piece(0, usize::MAX).0
            };
            HttpAnswer {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body,
            }
        }
        ("DELETE", ["journal"]) => {
            let through = match int_param(query, "through") {
                Ok(t) => t,
                Err(e) => return Some(e),
            };
            match through {
                Some(t) if t < 0 => error(400, format!("through={t}: an entry id, 0 or more")),
                t => answer(
                    200,
                    json!({ "deleted": harness.journal.clear(t.map(|t| t as u64)) }),
                ),
            }
        }
        ("GET", ["faults"]) => answer(200, harness.faults.list()),
        ("POST", ["faults"]) => match harness.faults.add(body) {
            Ok(rule) => answer(201, rule),
            Err(e) => error(400, e),
        },
        ("DELETE", ["faults"]) => answer(200, json!({ "deleted": harness.faults.remove(None) })),
        ("DELETE", ["faults", id]) => {
            let Ok(id) = id.parse::<u64>() else {
                return Some(error(400, format!("'{id}' is not a rule id")));
            };
            match harness.faults.remove(Some(id)) {
                0 => error(404, format!("no fault rule {id}")),
                n => answer(200, json!({ "deleted": n })),
            }
        }
        ("GET", ["clock"]) => answer(200, crate::clock::describe()),
        ("POST", ["clock"]) => {
            let turn = scheduler::turn();
            let mode = match change_clock(body) {
                Ok(mode) => mode,
                Err(msg) => return Some(error(400, msg)),
            };
            // The clock as this change left it: another change may have come since.
            with_fired(
                store,
                &turn,
                scheduler::Budget::Budgeted,
                crate::clock::describe_mode(mode),
                "the clock moved",
            )
        }
        ("GET", ["outbox"]) => {
            let q = match outbox_query(store, query) {
                Ok(q) => q,
                Err(e) => return Some(e),
            };
            match store.read(|conn| outbox::list(conn, &q)) {
                Ok(v) => answer(200, v),
                Err(e) => store_failure(&e),
            }
        }
        ("DELETE", ["outbox"]) => {
            let ticket = match ticket_param(store, query) {
                Ok(t) => t,
                Err(e) => return Some(e),
            };
            match store.write(|conn| crate::store::harness::outbox_clear(conn, ticket)) {
                Ok(n) => answer(200, json!({ "deleted": n })),
                Err(e) => store_failure(&e),
            }
        }
        _ => return None,
    })
}

fn journal_query(query: Option<&str>) -> Result<super::journal::Query, HttpAnswer> {
    let text = |k: &str| query_param(query, k).filter(|v| !v.is_empty());
    let (since_id, since_ms) = match text("since") {
        None => (None, None),
        Some(s) => match s.parse::<u64>() {
            Ok(id) => (Some(id), None),
            Err(_) => match crate::time::parse_instant(&s) {
                Some(ms) => (None, Some(ms)),
                None => {
                    return Err(error(
                        400,
                        format!("since={s}: give an entry id or an ISO 8601 date with offset"),
                    ));
                }
            },
        },
    };
    // Refused rather than read as matching nothing, as fault rules refuse them.
    let transport = text("transport");
    if let Some(t) = &transport
        && !super::faults::is_transport(t)
    {
        return Err(error(
            400,
            format!("transport={t}: unknown transport: xmlrpc, soap or rest"),
        ));
    }
    let fault = match text("fault") {
        None => None,
        Some(f) => Some(super::journal::FaultFilter::parse(&f).ok_or_else(|| {
            error(
                400,
                format!(
                    "fault={f}: true, false or a class the journal gives faults \
                     (SoftLayer_Exception_…, HTTP 503, connection closed, client closed or \
                     cut short)"
                ),
            )
        })?),
    };
    let (limit, offset) = page_params(query, "entries")?;
    Ok(super::journal::Query {
        transport,
        service: text("service"),
        method: text("method"),
        user: text("user"),
        account: int_param(query, "account")?,
        fault,
        since_id,
        since_ms,
        offset: offset.unwrap_or(0) as usize,
        limit: limit.map_or(100, |l| l as usize),
    })
}

/// A page's `limit` (1 to 10,000 `items`) and `offset` (0 or more), as given.
fn page_params(query: Option<&str>, items: &str) -> Result<(Option<u64>, Option<u64>), HttpAnswer> {
    let limit = match int_param(query, "limit")? {
        None => None,
        Some(l @ 1..=10_000) => Some(l as u64),
        Some(l) => return Err(error(400, format!("limit={l}: a page is 1…10000 {items}"))),
    };
    let offset = match int_param(query, "offset")? {
        None => None,
        Some(o) if o >= 0 => Some(o as u64),
        Some(o) => return Err(error(400, format!("offset={o}: a whole number, 0 or more"))),
    };
    Ok((limit, offset))
}

fn outbox_query(
    store: &Store,
    query: Option<&str>,
) -> Result<crate::store::harness::OutboxQuery, HttpAnswer> {
    Ok(crate::store::harness::OutboxQuery {
        ticket_id: ticket_param(store, query)?,
        account_id: int_param(query, "account")?,
        to: query_param(query, "to").filter(|t| !t.is_empty()),
        event: match query_param(query, "event").filter(|t| !t.is_empty()) {
            // A misspelt event matched nothing, as if no mail had gone.
            Some(e)
                if !outbox::Event::ALL
                    .iter()
                    .any(|k| k.name().eq_ignore_ascii_case(&e)) =>
            {
                let names: Vec<&str> = outbox::Event::ALL.iter().map(|k| k.name()).collect();
                return Err(error(
                    400,
                    format!("event={e}: one of {}", names.join(", ")),
                ));
            }
            e => e,
        },
        // All of them unless a page is asked for (a harness reads every message); from
        // an offset without a limit, all the rest.
        page: match page_params(query, "messages")? {
            (None, None) => None,
            (limit, offset) => Some((limit.unwrap_or(i64::MAX as u64), offset.unwrap_or(0))),
        },
    })
}

/// Applies `{"set": DATE}`, `{"advance": DURATION}` or `{"real": true}`; the clock's
/// mode it made.
fn change_clock(body: &serde_json::Value) -> Result<crate::clock::Mode, String> {
    // One change at a time: a second one would be silently dropped.
    only_fields(body, &["set", "advance", "real"])?;
    // As fault rules refuse it: `{"set": X, "advance": null}` was a set, while
    // `{"advance": null}` was refused.
    if let Some(k) = ["set", "advance", "real"]
        .iter()
        .find(|k| body.get(**k).is_some_and(serde_json::Value::is_null))
    {
        return Err(format!("\"{k}\" is null: leave it out or give it a value"));
    }
    let changes = ["set", "advance", "real"]
        .iter()
        .filter(|k| body.get(**k).is_some())
        .count();
    if changes > 1 {
        return Err("POST /_emulator/clock takes one of \"set\", \"advance\" or \"real\"".into());
    }
    if body.get("real").and_then(serde_json::Value::as_bool) == Some(true) {
        return Ok(crate::clock::real());
    }
    if let Some(set) = body.get("set") {
        let text = set
            .as_str()
            .ok_or("\"set\" takes an ISO 8601 date with offset")?;
        let at = crate::time::parse_instant(text)
            .and_then(chrono::DateTime::from_timestamp_millis)
            .ok_or_else(|| {
                format!("'{text}' is not an ISO 8601 date with offset (2027-01-10T09:00:00-06:00)")
            })?;
        return crate::clock::set(at).map_err(|e| e.to_string());
    }
    if let Some(advance) = body.get("advance") {
        let ms = match advance {
            serde_json::Value::String(s) => {
                crate::clock::parse_duration(s).map_err(|e| e.to_string())?
            }
            serde_json::Value::Number(n) => n
                .as_f64()
                .map(|s| (s * 1000.0).round() as i64)
                .ok_or("\"advance\" is a duration such as \"72h\", or seconds")?,
            _ => return Err("\"advance\" is a duration such as \"72h\", or seconds".into()),
        };
        return crate::clock::advance(ms).map_err(|e| e.to_string());
    }
    Err(
        "POST /_emulator/clock takes {\"set\": DATE}, {\"advance\": \"72h\"} or {\"real\": true}"
            .into(),
    )
}

/// The answer to a control request without the admin token.
pub fn unauthorised() -> HttpAnswer {
    let mut answer = error(
        401,
        "The emulator control API needs the admin token printed at start (Authorization: Bearer TOKEN).",
    );
    // A 401 names the scheme it wants (RFC 9110 §11.6.1).
    answer.headers.push((
        "WWW-Authenticate".to_string(),
        "Bearer realm=\"SoftLayer emulator control API\"".to_string(),
    ));
    answer
}

/// What the control API answers: whole, or a head whose body (a page of the journal too
/// large to hold whole) is written as its client reads it.
pub enum ControlAnswer {
    Whole(HttpAnswer),
    Streamed(HttpAnswer, JournalPage),
}

/// A page of the request journal, written as JSON entry by entry: held as JSON values a
/// page cost six times its text.
pub struct JournalPage {
    entries: Vec<std::sync::Arc<journal::Entry>>,
    /// What follows the calls: `],"total":…}`.
    tail: String,
}

impl JournalPage {
    /// The page's text from entry `from` on, of about `size` bytes (whole entries, at least
    /// one), and the entry the next piece starts at; `None` once the page is all written.
    pub fn piece(&self, from: usize, size: usize) -> (Vec<u8>, Option<usize>) {
        let mut out = Vec::new();
        if from == 0 {
            out.extend_from_slice(b"{\"calls\":[");
        }
        let mut next = from;
        while let Some(entry) = self.entries.get(next) {
            if next > 0 {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &entry.to_json()).expect("JSON values write to a Vec");
            next += 1;
            if out.len() >= size && next < self.entries.len() {
                return (out, Some(next));
            }
        }
        out.extend_from_slice(self.tail.as_bytes());
        (out, None)
    }
}

pub fn handle(
    store: &Store,
    admin_token: &str,
    hx: &Harness,
    req: &ControlRequest,
) -> ControlAnswer {
    let mut streamed = None;
    let head = handle_whole(store, admin_token, hx, req, &mut streamed);
    match streamed {
        Some(page) => ControlAnswer::Streamed(head, page),
        None => ControlAnswer::Whole(head),
    }
}

fn handle_whole(
    store: &Store,
    admin_token: &str,
    hx: &Harness,
    req: &ControlRequest,
    streamed: &mut Option<JournalPage>,
) -> HttpAnswer {
    if !authorised(admin_token, req.authorization, req.token_header) {
        return unauthorised();
    }
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    // The method first: `PUT /_emulator/clock` with a body was told to drop the body,
    // and learnt only then that PUT is no method of the path.
    let allowed = allowed_methods(&segments);
    let head_of_get = req.method == "HEAD" && allowed.contains(&"GET");
    if !allowed.is_empty() && !allowed.contains(&req.method) && !head_of_get {
        return method_not_allowed(req, allowed);
    }
    // So is the path: a mistyped one (`/_emulator/acounts`, `…/tickets/1/replyy`) was
    // told its right body or query was wrong.
    if let ["tickets", _, action] = segments.as_slice()
        && !SUPPORT_ACTIONS.contains(action)
    {
        return error(404, format!("unknown action '{action}'"));
    }
    if allowed.is_empty() {
        return unknown_endpoint(req);
    }
    if let Err(refused) = only_params(req, &segments) {
        return refused;
    }
    let raw_body = without_bom(req.body);
    let body: Result<serde_json::Value, String> = if raw_body.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        serde_json::from_slice(raw_body).map_err(|e| match crate::value::is_past_a_double(&e) {
            true => format!("The request body holds a number past what a double holds ({e})"),
            false => format!(
                "The request body is not JSON: {}",
                crate::value::json_error_said(&e, raw_body)
            ),
        })
    };
    // Nothing: no bytes, `{}` or `null` (what `requests.post(url, json={})` sends).
    let empty = body.as_ref().is_ok_and(is_nothing);
    // A body where none is read is refused as such, JSON or not: its options were meant
    // for the query.
    if !empty && !takes_body(req.method, &segments) {
        let known = known_params(req.method, &segments);
        let options = if known.is_empty() {
            String::new()
        } else {
            format!(": its options are query parameters ({})", known.join(", "))
        };
        return error(
            400,
            format!(
                "{} /_emulator/{} takes no body{options}",
                req.method, req.path
            ),
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(message) => return error(400, message),
    };
    if let Some(answer) = harness(store, hx, req, &segments, &body, streamed) {
        return answer;
    }
    match (req.method, segments.as_slice()) {
        ("GET", ["employees"]) => match store.read(support::employees) {
            Ok(rows) => answer(
                200,
                json!({ "employees": rows.iter().map(row_json).collect::<Vec<_>>() }),
            ),
            Err(SupportError::Store(e)) => store_failure(&e),
            Err(e) => error(500, e),
        },
        ("POST", ["tickets", id, action]) => {
            let Ok(ticket) = id.parse::<i64>() else {
                return error(400, format!("'{id}' is not a ticket id"));
            };
            let action = match parse_action(action, &body) {
                Ok(a) => a,
                Err(msg) => return error(if msg.starts_with("unknown") { 404 } else { 400 }, msg),
            };
            match store.write(|conn| support::apply(conn, ticket, &action)) {
                Ok(row) => answer(200, json!({ "ticket": row_json(&row) })),
                Err(
                    e @ (SupportError::NoTicket(_)
                    | SupportError::NoEmployee(_)
                    | SupportError::NoGroup(..)),
                ) => error(404, e),
                Err(e @ SupportError::ForbiddenCharacter(_)) => error(400, e),
                Err(e @ SupportError::Invalid(_)) => error(409, e),
                // As `POST /_emulator/accounts` answers it.
                Err(e @ SupportError::Store(StoreError::IdsExhausted(_))) => error(409, e),
                Err(SupportError::Store(e)) => store_failure(&e),
            }
        }
        _ => match allowed_methods(&segments) {
            [] => unknown_endpoint(req),
            allowed => method_not_allowed(req, allowed),
        },
    }
}

fn unknown_endpoint(req: &ControlRequest) -> HttpAnswer {
    error(
        404,
        format!(
            "unknown control endpoint {} /_emulator/{}",
            req.method, req.path
        ),
    )
}

/// The support desk's actions, `POST /_emulator/tickets/{id}/{action}`.
const SUPPORT_ACTIONS: &[&str] = &[
    "reply",
    "assign",
    "group",
    "close",
    "reopen",
    "awaiting-response",
];

fn method_not_allowed(req: &ControlRequest, allowed: &[&str]) -> HttpAnswer {
    let mut answer = error(
        405,
        format!(
            "/_emulator/{} answers {}, not {}",
            req.path,
            allowed.join(", "),
            req.method
        ),
    );
    answer.headers.push(("Allow".into(), allowed.join(", ")));
    answer
}

/// The methods a control path answers (none for a path it does not have): another
/// method on one of them is 405, as `/health` answers it, rather than "unknown endpoint".
fn allowed_methods(segments: &[&str]) -> &'static [&'static str] {
    match segments {
        // HEAD wherever GET is: it is answered so (RFC 9110 §9.3.2), and `Allow` says it.
        ["accounts"] | ["clock"] => &["GET", "HEAD", "POST"],
        ["accounts", _] | ["faults", _] => &["DELETE"],
        ["reset"] | ["import"] | ["snapshots", _, "restore"] => &["POST"],
        // An action it does not have is no path it has (404), whatever the method.
        ["tickets", _, action] if SUPPORT_ACTIONS.contains(action) => &["POST"],
        ["snapshots"] | ["export"] | ["employees"] => &["GET", "HEAD"],
        ["snapshots", _] => &["POST", "DELETE"],
        ["journal"] | ["outbox"] => &["GET", "HEAD", "DELETE"],
        ["faults"] => &["GET", "HEAD", "POST", "DELETE"],
        ["queue"] | ["choices"] | ["tickets", _] | ["tickets", _, "files", _] => &["GET", "HEAD"],
        _ => &[],
    }
}

fn employee_of(body: &serde_json::Value) -> Result<EmployeeRef, String> {
    match body.get("employee") {
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .map(EmployeeRef::Id)
            .ok_or_else(|| wrong_type("employee", "an employee id or username", &body["employee"])),
        Some(serde_json::Value::String(s)) => Ok(EmployeeRef::parse(s)),
        None | Some(serde_json::Value::Null) => {
            Err("this action needs \"employee\" (an employee id or username)".into())
        }
        Some(other) => Err(wrong_type("employee", "an employee id or username", other)),
    }
}

/// A field given with a value of the wrong type, said so: it was told it was missing
/// (`{"employee": true}`: 'this action needs "employee"'), as `awaitingUserResponse`'s
/// message already names what it was given.
fn wrong_type(field: &str, expected: &str, given: &serde_json::Value) -> String {
    format!(
        "\"{field}\" is {expected}, not {}",
        crate::call::quoted_name(&given.to_string())
    )
}

/// Refuses a body with a field other than `known`: a misspelt option (such as
/// `awaitingUserResponce`) would otherwise be ignored without a word.
fn only_fields(body: &serde_json::Value, known: &[&str]) -> Result<(), String> {
    match super::unknown_field(body, known) {
        // Not "unknown …": the control API answers an unknown action with 404.
        Some(k) if known.is_empty() => Err(format!("\"{k}\" is not a field here; this takes none")),
        Some(k) => Err(format!(
            "\"{k}\" is not a field here; this takes {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

pub fn parse_action(name: &str, body: &serde_json::Value) -> Result<SupportAction, String> {
    let known: &[&str] = match name {
        "reply" => &["employee", "entry", "awaitingUserResponse"],
        "assign" => &["employee"],
        "group" => &["group"],
        "awaiting-response" => &["value"],
        _ => &[],
    };
    // A bare value is not read as the fields it may mean: `false` set the flag to true,
    // and `"please do not"` closed the ticket.
    if !matches!(body, serde_json::Value::Object(_) | serde_json::Value::Null) {
        let example = match name {
            "awaiting-response" => " such as {\"value\": false}",
            "close" | "reopen" => " ({} or none)",
            _ => "",
        };
        return Err(format!(
            "the body of '{name}' is a JSON object{example}, not {body}"
        ));
    }
    only_fields(body, known)?;
    // A flag given must be a JSON boolean: `"false"` or `0` set it before.
    let flag = |key: &str| match body.get(key) {
        None => Ok(None),
        Some(serde_json::Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(format!("\"{key}\" is true or false, not {other}")),
    };
    Ok(match name {
        "reply" => SupportAction::Reply {
            employee: employee_of(body)?,
            entry: match body.get("entry") {
                // Blank as the API's addUpdate finds an entry blank: U+3000 is text.
                Some(serde_json::Value::String(e)) if !e.php_trim().is_empty() => e.clone(),
                None | Some(serde_json::Value::Null | serde_json::Value::String(_)) => {
                    return Err("a reply needs \"entry\" (some text)".into());
                }
                Some(other) => return Err(wrong_type("entry", "some text", other)),
            },
            awaiting_user_response: flag("awaitingUserResponse")?,
        },
        "assign" => SupportAction::Assign {
            employee: employee_of(body)?,
        },
        "group" => SupportAction::MoveToGroup {
            group: match body.get("group") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                None | Some(serde_json::Value::Null) => {
                    return Err("moving a ticket needs \"group\" (a group id or name)".into());
                }
                Some(other) => return Err(wrong_type("group", "a group id or name", other)),
            },
        },
        "close" => SupportAction::Close,
        "reopen" => SupportAction::Reopen,
        "awaiting-response" => SupportAction::SetAwaitingUserResponse {
            value: flag("value")?.unwrap_or(true),
        },
        other => return Err(format!("unknown action '{other}'")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_token_comparison() {
        assert!(same_secret("abc123", "abc123"));
        assert!(!same_secret("abc124", "abc123"));
        assert!(!same_secret("abc12", "abc123"));
        assert!(!same_secret("abc1234", "abc123"));
        assert!(!same_secret("", "abc123"));
        assert!(authorised("t0k", Some("Bearer t0k"), None));
        assert!(authorised("t0k", None, Some(" t0k ")));
        assert!(!authorised("t0k", Some("Bearer t0x"), Some("t0y")));
        assert!(!authorised("", Some("Bearer "), Some("")));
    }
}
