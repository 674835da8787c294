//! `softlayer-ticket-server replay FILE --against URL`: re-sends the calls of a recorded
//! journal to any endpoint (another emulator, or the real API with the user's own
//! credentials) and reports where the replies differ: the conformance check a user can
//! run against their own account.
//!
//! FILE is a journal written by `serve --journal FILE` (JSON lines) or saved from
//! `GET /_emulator/journal` (`{"calls": [...]}`). Calls go out over REST (JSON in and out,
//! so replies compare as values), oldest first, as the user given by `--username` and
//! `--api-key` (or `SL_USERNAME` and `SL_API_KEY`, as softlayer-python reads them): the
//! journal never holds keys. Compared: the outcome (a reply, or a fault and its class),
//! the total of a list, and the reply itself where the journal recorded it, leaving out
//! dates (two servers stamp different times) unless `--strict`. Calls whose arguments
//! the journal redacted or elided (passwords, file contents) are skipped and counted.
//! A REST nested path (`SoftLayer_Account/getTickets/5/getUpdates`, recorded as `path`)
//! is sent as the path it was: its call alone answers with more than the path picks.
//!
//! Against any host other than loopback only read calls are sent unless
//! `--allow-writes` is given: real tickets cost money.

use crate::call::CallHeader;
use serde_json::{Value as J, json};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The journal file could not be read, or holds no call.
    #[error("the journal file {path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Usage(String),
    /// The endpoint could not be reached, or refused the credentials: nothing was
    /// compared, and the exit status says the replay could not run (2), not that every
    /// call differed (1).
    #[error("{0}")]
    Endpoint(String),
}

/// What `replay` was asked to do.
pub struct ReplayOptions {
    pub against: String,
    pub username: String,
    pub api_key: String,
    pub allow_writes: bool,
    pub strict: bool,
}

/// What came of it.
#[derive(Debug, Default)]
pub struct ReplayReport {
    pub replayed: usize,
    pub skipped_writes: usize,
    pub skipped_redacted: usize,
    pub skipped_other: usize,
    /// Calls a fault rule answered (`injected`): a test's own fault, not the server's.
    pub skipped_injected: usize,
    /// Calls whose credentials were refused, or that had none: replay sends every call
    /// as the one user given, so each was a difference in every replay.
    pub skipped_refused: usize,
    /// (the call as the journal names it: `#id`, and its line where ids repeat;
    /// `Service::method`; what differed)
    pub differences: Vec<(String, String, String)>,
}

impl ReplayReport {
    /// The report as `replay` prints it: a line per difference, then a summary line.
    pub fn text(&self) -> String {
        let mut text: String = self
            .differences
            .iter()
            .map(|(label, call, what)| format!("DIFF {label} {call}: {what}\n"))
            .collect();
        text += &format!(
            "{} calls replayed, {} differences; skipped: {} writes, {} with redacted or elided arguments, {} not replayable, {} answered by a fault rule, {} with refused or no credentials\n",
            self.replayed,
            self.differences.len(),
            self.skipped_writes,
            self.skipped_redacted,
            self.skipped_other,
            self.skipped_injected,
            self.skipped_refused
        );
        text
    }
}

/// A journal file's recorded calls, oldest first, and the numbers of its lines that are
/// not whole calls.
pub struct Journal {
    pub calls: Vec<J>,
    /// Lines that do not read as JSON: a line cut by a crash (the server that appends to
    /// the file again starts on the next line), skipped so that the calls around it
    /// are still replayed.
    pub cut_lines: Vec<usize>,
    /// Each call's place in the file (`line 9`, or `item 9` of a saved document's
    /// `calls`), which names it where its id cannot: ids repeat (journals joined, each
    /// numbered from 1) or it has none.
    pub positions: Vec<String>,
    /// Whether the file's ids repeat: `#3` alone would name two calls.
    pub ids_repeat: bool,
}

impl Journal {
    /// How a difference names the `n`th call: `#3`; `#3 (line 9)` where ids repeat;
    /// `(line 9)` for a call without a numeric id (a raw JSON `#null` named nothing).
    pub fn label(&self, n: usize) -> String {
        let position = self.positions.get(n).map_or("", String::as_str);
        match self.calls[n]["id"].as_u64() {
            Some(id) if self.ids_repeat => format!("#{id} ({position})"),
            Some(id) => format!("#{id}"),
            None => format!("({position})"),
        }
    }
}

/// The order of a journal's calls by id: 0 for a call without one.
fn id_of(call: &J) -> u64 {
    call["id"].as_u64().unwrap_or(0)
}

/// `calls` (each with its position) in the order they ran, for a file whose ids repeat:
/// journals joined, each numbered from 1 and each written oldest first (`--journal`
/// files) or newest first (a saved `GET /_emulator/journal`, or its calls as lines).
/// Each journal is a run of ids that keep one direction; a run ends where the ids turn
/// or repeat. Runs stay in the file's order, each sent oldest first: kept as they were,
/// a saved journal's calls ran newest first (a read sent before the write it saw), and
/// sorted whole, two journals' calls were interleaved.
fn oldest_first_by_run(calls: Vec<(J, String)>) -> Vec<(J, String)> {
    let mut ordered = Vec::with_capacity(calls.len());
    let mut run: Vec<(J, String)> = Vec::new();
    let mut rising: Option<bool> = None;
    let end_run = |run: &mut Vec<(J, String)>, ordered: &mut Vec<(J, String)>| {
        run.sort_by_key(|(call, _)| id_of(call));
        ordered.append(run);
    };
    for (call, position) in calls {
        let id = id_of(&call);
        if let Some(last) = run.last().map(|(c, _)| id_of(c)) {
            let goes_on = id != last && rising.is_none_or(|r| r == (id > last));
            if goes_on {
                rising = Some(id > last);
            } else {
                end_run(&mut run, &mut ordered);
                rising = None;
            }
        }
        run.push((call, position));
    }
    end_run(&mut run, &mut ordered);
    ordered
}

/// The recorded calls of a journal file, oldest first. A file with no whole call in it
/// (empty, `{"calls": []}`, lines that are not calls) is refused: it is no journal, and a
/// recording that came out empty must not replay as a pass.
pub fn read_journal(path: &std::path::Path) -> Result<Journal, ReplayError> {
    let refused = |message: String| ReplayError::File {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| refused(e.to_string()))?;
    // A byte-order mark (an editor's) before the first line, as `serve --journal` takes
    // one: its call was skipped as cut short, or the file refused.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut calls: Vec<(J, String)> = Vec::new();
    let mut cut_lines = Vec::new();
    let mut first_error = None;
    // A saved `GET /_emulator/journal` is one document, however it is laid out (`jq .`
    // spreads it over lines); anything else is read as JSON lines.
    let document = serde_json::from_str::<J>(text)
        .ok()
        .filter(|doc| doc.get("calls").is_some());
    if let Some(mut doc) = document {
        match doc["calls"].take() {
            J::Array(items) => calls.extend(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(n, call)| (call, format!("item {}", n + 1))),
            ),
            _ => return Err(refused("\"calls\" is not an array".into())),
        };
    } else {
        for (n, line) in text.lines().enumerate() {
            // Journals joined with `cat`, each begun with a mark, have one inside.
            let line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(line) {
                Ok(call) => calls.push((call, format!("line {}", n + 1))),
                Err(e) => {
                    first_error.get_or_insert_with(|| format!("line {}: {e}", n + 1));
                    cut_lines.push(n + 1);
                }
            }
        }
    }
    let is_call = |c: &J| c["service"].is_string() && c["method"].is_string();
    if !calls.iter().any(|(c, _)| is_call(c)) {
        return Err(refused(match first_error {
            Some(error) => format!("no line is a recorded call ({error})"),
            None => "it holds no recorded call".into(),
        }));
    }
    // Oldest first by id (a saved document, and its calls as JSON lines, are newest
    // first), unless ids repeat.
    let mut seen = std::collections::HashSet::new();
    let ids_repeat = !calls.iter().all(|(c, _)| seen.insert(id_of(c)));
    let calls = match ids_repeat {
        true => oldest_first_by_run(calls),
        false => {
            let mut calls = calls;
            calls.sort_by_key(|(call, _)| id_of(call));
            calls
        }
    };
    let (calls, positions) = calls.into_iter().unzip();
    Ok(Journal {
        calls,
        cut_lines,
        positions,
        ids_repeat,
    })
}

/// Whether the URL's host is this machine.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or("");
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether a recorded value still holds something the journal took out.
fn redacted(v: &J) -> bool {
    match v {
        J::String(s) => s == "[redacted]",
        J::Object(o) => o.get("elided").is_some() || o.values().any(redacted),
        J::Array(a) => a.iter().any(redacted),
        _ => false,
    }
}

fn looks_like_date(s: &str) -> bool {
    s.len() >= 19
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[10] == b'T'
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// The first place where two replies differ, as a JSON path and the two values.
fn first_difference(path: &str, want: &J, got: &J, strict: bool) -> Option<String> {
    match (want, got) {
        (J::String(a), J::String(b)) if !strict && looks_like_date(a) && looks_like_date(b) => None,
        // A token the journal took out of a login's reply: a fresh one differs anyway.
        (J::String(a), J::String(_)) if a == "[redacted]" => None,
        (J::Object(a), J::Object(b)) => {
            for (k, v) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(&p, v, w, strict) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{p}: recorded {v}, now missing")),
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|k| format!("{path}.{k}: not recorded, now {}", b[k]))
        }
        (J::Array(a), J::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!(
                    "{path}: recorded {} items, now {}",
                    a.len(),
                    b.len()
                ));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (v, w))| first_difference(&format!("{path}[{i}]"), v, w, strict))
        }
        // 1 and 1.0, "5" and 5: the transports write numbers their own way.
        (J::Number(a), J::Number(b)) if a.as_f64() == b.as_f64() => None,
        _ if want == got => None,
        _ => Some(format!("{path}: recorded {want}, now {got}")),
    }
}

/// What the endpoint answered.
struct Answer {
    status: u16,
    body: J,
    total: Option<u64>,
}

fn encode(text: &str) -> String {
    super::percent_encode(text, b"-_.~")
}

/// Takes out of a call's template arguments the members their types lack. XML-RPC and
/// SOAP ignore them (softlayer-python and the Ruby gem sent `contents` in a ticket
/// template over XML-RPC), REST refuses them (softlayer-python issue 1147), and a replay
/// goes over REST: sent as recorded, a call that worked would now fail. The same walk
/// as `services::check_template`, over the journal's JSON.
fn leave_out_unknown_template_members(call: &J, args: &mut [J]) {
    let (Some(service), Some(method)) = (call["service"].as_str(), call["method"].as_str()) else {
        return;
    };
    let Some(def) = crate::schema::schema().method(service, method) else {
        return;
    };
    for (arg, param) in args.iter_mut().zip(&def.parameters) {
        leave_out_unknown_members(arg, &param.type_name, 0);
    }
}

fn leave_out_unknown_members(value: &mut J, type_name: &str, depth: usize) {
    if depth > 16 {
        return;
    }
    let declared = type_name.trim_end_matches("[]");
    match value {
        J::Array(items) => items
            .iter_mut()
            .for_each(|item| leave_out_unknown_members(item, declared, depth + 1)),
        J::Object(members) => {
            let schema = crate::schema::schema();
            let named = members
                .get("complexType")
                .and_then(J::as_str)
                .filter(|n| schema.is_a(n, declared))
                .and_then(|n| schema.type_def(n));
            let Some(t) = named.or_else(|| schema.type_def(declared)) else {
                return;
            };
            if t.properties.is_empty() {
                return;
            }
            members.retain(|name, _| name == "complexType" || t.property(name).is_some());
            for (name, v) in members.iter_mut() {
                if let Some(p) = t.property(name)
                    && p.type_name.starts_with("SoftLayer_")
                {
                    leave_out_unknown_members(v, &p.type_name, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// How [`send`]'s error starts when the endpoint gave no answer at all.
const NO_ANSWER: &str = "no answer";

/// How [`send`]'s error starts when the recorded call cannot be sent over REST at all.
const NOT_REPLAYABLE: &str = "not replayable";

/// The longest answer replay reads: past what the server sends in one reply.
const MAX_ANSWER_BYTES: u64 = 1 << 30;

/// Whether the recorded call was refused for its credentials (a wrong key or token), or
/// carried none: made by no user, with the fault [`crate::auth`] answers such calls with.
fn refused_credentials(call: &J) -> bool {
    let refusals = [
        crate::auth::refused_credentials(),
        crate::auth::no_credentials(),
    ];
    call["user"].is_null()
        && refusals.iter().any(|f| {
            call["fault"]["class"] == f.class_name() && call["fault"]["message"] == *f.message()
        })
}

fn send(agent: &ureq::Agent, base: &str, opts: &ReplayOptions, call: &J) -> Result<Answer, String> {
    let mut url = format!("{}/rest/v3.1", base.trim_end_matches('/'));
    match call["path"].as_array() {
        // A nested path: its call alone would answer with the whole of what the path
        // picks its answer from.
        Some(segments) => {
            for segment in segments {
                let segment = segment.as_str().ok_or_else(|| {
                    format!("{NOT_REPLAYABLE}: a path segment that is not text ({segment})")
                })?;
                url.push('/');
                url.push_str(&encode(segment));
            }
        }
        None => {
            let service = call["service"].as_str().unwrap_or_default();
            let method = call["method"].as_str().unwrap_or_default();
            url.push('/');
            url.push_str(&encode(service));
            // As XML-RPC and REST say it, and as SOAP does.
            let malformed_init = [
                crate::call::Fault::MalformedInitParameter.to_string(),
                crate::protocol::soap::malformed_init_message(service),
            ];
            match &call["initId"] {
                J::Number(n) => url.push_str(&format!("/{n}")),
                J::String(s) if !s.is_empty() => url.push_str(&format!("/{}", encode(s))),
                // Refused for an init header that held no id (a bare int, `{"ID": …}`): sent
                // without one it is another call, and its answer a difference replay made.
                J::Null
                    if malformed_init
                        .iter()
                        .any(|m| call["fault"]["message"] == m.as_str()) =>
                {
                    return Err(format!(
                        "{NOT_REPLAYABLE}: its init parameter was malformed, and REST carries none"
                    ));
                }
                J::Null => {}
                other => {
                    return Err(format!(
                        "{NOT_REPLAYABLE}: an init parameter REST cannot carry ({other})"
                    ));
                }
            }
            url.push('/');
            url.push_str(&encode(method));
        }
    }
    url.push_str(".json");
    let mut query = Vec::new();
    let mut add = |header: CallHeader, value: String| {
        let name = header
            .rest_parameter()
            .expect("a header REST takes in the query");
        query.push(format!("{name}={value}"));
    };
    if let Some(mask) = call["mask"].as_str() {
        add(CallHeader::ObjectMask, encode(mask));
    }
    if !call["filter"].is_null() {
        add(
            CallHeader::ObjectFilter,
            encode(&call["filter"].to_string()),
        );
    }
    if let Some(limit) = call["resultLimit"].as_object() {
        let offset = limit.get("offset").and_then(J::as_u64).unwrap_or(0);
        if let Some(l) = limit.get("limit").and_then(J::as_u64) {
            add(CallHeader::ResultLimit, format!("{offset},{l}"));
        }
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", opts.username, opts.api_key));
    let mut args = call["args"].as_array().cloned().unwrap_or_default();
    if call["transport"].as_str() != Some("rest") {
        leave_out_unknown_template_members(call, &mut args);
    }
    let request = match call["verb"].as_str() {
        Some("DELETE") => agent.delete(&url),
        Some("PUT") => agent.put(&url),
        Some("POST") => agent.post(&url),
        _ if args.is_empty() => agent.get(&url),
        _ => agent.post(&url),
    }
    .set("Authorization", &format!("Basic {basic}"))
    .set("Accept", "application/json");
    let result = if args.is_empty() {
        request.call()
    } else {
        request
            .set("Content-Type", "application/json")
            .send_string(&json!({ "parameters": args }).to_string())
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(format!("{NO_ANSWER}: {e}")),
    };
    let status = response.status();
    let total = response
        .header("SoftLayer-Total-Items")
        .and_then(|t| t.trim().parse().ok());
    // Not `into_string`, which stops at 10 MiB: a 10 MiB attachment's download (which the
    // server takes) or a long list was a difference in every replay.
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(response.into_reader(), MAX_ANSWER_BYTES),
        &mut text,
    )
    .map_err(|e| format!("reading the answer: {e}"))?;
    let body = serde_json::from_str(&text).unwrap_or(J::String(text));
    Ok(Answer {
        status,
        body,
        total,
    })
}

/// Whether a recorded call writes, by the schema's knowledge of its method.
fn writes(service: &str, method: &str) -> bool {
    let call = crate::call::Call {
        service: service.to_string(),
        method: method.to_string(),
        headers: Default::default(),
        args: Vec::new(),
    };
    crate::services::writes(&call)
}

/// The server's own address in `url`: an endpoint URL as clients are configured with
/// (slcli's `endpoint_url`, `…/rest/v3.1/`) names the same server, and the calls' paths
/// are added to the server's address.
fn server_base(url: &str) -> &str {
    let trimmed = url.trim_end_matches('/');
    for endpoint in [
        "/rest/v3.1",
        "/rest/v3",
        "/xmlrpc/v3.1",
        "/xmlrpc/v3",
        "/soap/v3.1",
        "/soap/v3",
    ] {
        if let Some(base) = trimmed.strip_suffix(endpoint) {
            return base;
        }
    }
    trimmed
}

/// Replays `calls` (oldest first) against `opts.against`.
pub fn replay(journal: &Journal, opts: &ReplayOptions) -> Result<ReplayReport, ReplayError> {
    if opts.username.is_empty() || opts.api_key.is_empty() {
        return Err(ReplayError::Usage(
            "replay needs --username and --api-key (or SL_USERNAME and SL_API_KEY): the journal holds no keys".into(),
        ));
    }
    // An address without a scheme (`127.0.0.1:8081`) is taken as plain HTTP, as curl
    // takes it.
    let url = match opts.against.split_once("://") {
        Some((scheme, _))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            opts.against.clone()
        }
        // Else the HTTP client's "unknown scheme" came back as the endpoint not answering.
        Some((scheme, _)) => {
            return Err(ReplayError::Usage(format!(
                "--against {}: replay sends calls over REST, so only http:// and https:// are taken, not {scheme}://",
                opts.against
            )));
        }
        None => format!("http://{}", opts.against),
    };
    let against = server_base(&url);
    let loopback = is_loopback(against);
    // A connection per call: on a kept one, ureq sent a read again, unasked, when its
    // first answer never came (a `drop_connection` or `timeout` rule on the other
    // server), and the replay said the calls agreed.
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .max_idle_connections(0)
        .build();
    let mut report = ReplayReport::default();
    for (n, call) in journal.calls.iter().enumerate() {
        let label = journal.label(n);
        // A name the journal redacted (of a key's shape) or elided (past 64 KiB) is not
        // the name called: sent, it was another call (`…/SoftLayer_Ticket/[redacted]`).
        if redacted(&call["service"]) || redacted(&call["method"]) {
            report.skipped_redacted += 1;
            continue;
        }
        let (Some(service), Some(method)) = (call["service"].as_str(), call["method"].as_str())
        else {
            report.skipped_other += 1;
            continue;
        };
        let name = format!("{service}::{method}");
        // A refused call kept with its verb: a PUT, POST or DELETE is a write's verb.
        let write_verb = call["verb"].is_string();
        if !loopback && !opts.allow_writes && (writes(service, method) || write_verb) {
            report.skipped_writes += 1;
            continue;
        }
        if redacted(&call["args"])
            || redacted(&call["mask"])
            || redacted(&call["filter"])
            || redacted(&call["path"])
            || redacted(&call["initId"])
        {
            report.skipped_redacted += 1;
            continue;
        }
        // Its fault came from a rule of the recording server, which the other lacks:
        // compared, it was a difference in every replay. A rule that only delayed the
        // call left its answer the server's own, which is compared.
        if !call["injected"].is_null() && !call["fault"].is_null() {
            report.skipped_injected += 1;
            continue;
        }
        if refused_credentials(call) {
            report.skipped_refused += 1;
            continue;
        }
        // Cut while its reply went out (its client closed, or stopped reading): what the
        // recording client did, not what the server answered, which no replay does again.
        // Compared, a list a test stopped reading early failed every later replay.
        if matches!(
            call["fault"]["class"].as_str(),
            Some(crate::fault::OUTCOME_CLIENT_CLOSED | crate::fault::OUTCOME_CUT_SHORT)
        ) {
            report.skipped_other += 1;
            continue;
        }
        let answer = match send(&agent, against, opts, call) {
            Ok(a) => a,
            Err(why) if report.replayed == 0 && why.starts_with(NO_ANSWER) => {
                return Err(ReplayError::Endpoint(format!(
                    "{} does not answer ({why})",
                    opts.against
                )));
            }
            // A call REST cannot express (slcli's init parameter `false`) is no answer
            // to compare.
            Err(why) if why.starts_with(NOT_REPLAYABLE) => {
                report.skipped_other += 1;
                continue;
            }
            // Sent, and counted so: the summary's calls and differences add up.
            Err(why) => {
                report.replayed += 1;
                report.differences.push((label, name, why));
                continue;
            }
        };
        if answer.status == 401 {
            return Err(ReplayError::Endpoint(format!(
                "{} refused the credentials of {}: {}",
                opts.against,
                opts.username,
                answer.body["error"].as_str().unwrap_or("HTTP 401")
            )));
        }
        report.replayed += 1;
        let recorded_fault = call["fault"]["class"].as_str();
        let got_fault = (answer.status >= 400).then(|| {
            answer.body["code"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {}", answer.status))
        });
        let what = match (recorded_fault, got_fault.as_deref()) {
            (None, Some(got)) => Some(format!(
                "recorded a reply, now the fault {got}: {}",
                answer.body["error"].as_str().unwrap_or_default()
            )),
            (Some(want), None) => Some(format!("recorded the fault {want}, now a reply")),
            (Some(want), Some(got)) if want != got => {
                Some(format!("recorded the fault {want}, now {got}"))
            }
            (Some(_), Some(_)) => None,
            (None, None) => {
                let total = call["total"].as_u64();
                match (total, answer.total) {
                    (Some(want), Some(got)) if want != got => {
                        Some(format!("recorded {want} items in all, now {got}"))
                    }
                    _ if call["reply"].is_null() => None,
                    _ => first_difference("reply", &call["reply"], &answer.body, opts.strict),
                }
            }
        };
        if let Some(what) = what {
            report.differences.push((label, name, what));
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_url_names_its_server() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/rest/v3.1/",
            "http://127.0.0.1:8080/rest/v3",
            "http://127.0.0.1:8080/xmlrpc/v3.1/",
        ] {
            assert_eq!(server_base(url), "http://127.0.0.1:8080", "{url}");
        }
        assert_eq!(
            server_base("https://api.softlayer.com/rest/v3.1"),
            "https://api.softlayer.com"
        );
    }

    /// A journal whose first line begins with a byte-order mark is read whole, as
    /// `serve --journal` takes it: its first call was skipped as cut short, and a
    /// one-line journal refused.
    #[test]
    fn a_journal_after_a_byte_order_mark_is_read_whole() {
        let dir = std::env::temp_dir().join(format!("replay-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calls.jsonl");
        let call = |id: u64| {
            json!({"id": id, "time": "2026-12-07T00:00:00Z", "service": "SoftLayer_Ticket",
                "method": "getObject"})
            .to_string()
        };
        std::fs::write(&path, format!("\u{FEFF}{}\n", call(7))).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(journal.calls.len(), 1);
        std::fs::write(&path, format!("\u{FEFF}{}\n{}\n", call(7), call(8))).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(journal.calls.len(), 2);
        assert!(journal.cut_lines.is_empty(), "{:?}", journal.cut_lines);
        // Two such journals joined: the second's first line begins with one too.
        std::fs::write(&path, format!("\u{FEFF}{}\n\u{FEFF}{}\n", call(7), call(8))).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(journal.calls.len(), 2);
        assert!(journal.cut_lines.is_empty(), "{:?}", journal.cut_lines);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Calls as JSON lines are sent oldest first by id (a saved journal's calls, newest
    /// first, written a line each, ran backwards when kept in file order); where ids
    /// repeat (journals joined), each journal in turn, oldest first, named by line.
    #[test]
    fn a_journal_file_is_ordered_by_id_unless_its_ids_repeat() {
        let dir = std::env::temp_dir().join(format!("replay-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calls.jsonl");
        let lines = |ids: &[u64]| -> String {
            ids.iter()
                .map(|id| {
                    json!({"id": id, "time": "2026-12-07T00:00:00Z", "service": "SoftLayer_Ticket",
                        "method": "getObject"})
                    .to_string()
                        + "\n"
                })
                .collect()
        };
        let ids = |j: &Journal| {
            j.calls
                .iter()
                .map(|c| c["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        };
        std::fs::write(&path, lines(&[3, 2, 1])).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(ids(&journal), [1, 2, 3]);
        assert!(!journal.ids_repeat);
        assert_eq!(journal.label(0), "#1");
        std::fs::write(&path, lines(&[1, 2, 1, 2])).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(ids(&journal), [1, 2, 1, 2]);
        assert_eq!(journal.label(2), "#1 (line 3)");
        // Saved journals (newest first) joined: each run sent oldest first, in turn.
        std::fs::write(&path, lines(&[3, 2, 1, 2, 1])).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(ids(&journal), [1, 2, 3, 1, 2]);
        assert_eq!(
            journal.positions,
            ["line 3", "line 2", "line 1", "line 5", "line 4"]
        );
        // A `--journal` file (oldest first) joined with saved ones.
        std::fs::write(&path, lines(&[1, 2, 3, 2, 1, 3, 2, 1])).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(ids(&journal), [1, 2, 3, 1, 2, 1, 2, 3]);
        std::fs::write(&path, lines(&[2, 1, 1, 2, 1])).unwrap();
        let journal = read_journal(&path).unwrap();
        assert_eq!(ids(&journal), [1, 2, 1, 2, 1]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn loopback_hosts_are_told_apart() {
        assert!(is_loopback("http://127.0.0.1:8080"));
        assert!(is_loopback("http://localhost/"));
        assert!(is_loopback("http://[::1]:80/x"));
        assert!(!is_loopback("https://api.softlayer.com"));
        assert!(!is_loopback("http://10.0.0.1:8080"));
    }

    #[test]
    fn replies_differ_where_they_differ_and_not_by_their_dates() {
        let a = json!({"id": 1, "createDate": "2026-01-01T00:00:00-06:00", "updates": [{"entry": "x"}]});
        let b = json!({"id": 1, "createDate": "2026-03-01T10:00:00-06:00", "updates": [{"entry": "x"}]});
        assert_eq!(first_difference("reply", &a, &b, false), None);
        assert!(first_difference("reply", &a, &b, true).is_some());
        let c = json!({"id": 1, "createDate": "2026-01-01T00:00:00-06:00", "updates": [{"entry": "y"}]});
        assert_eq!(
            first_difference("reply", &a, &c, false).unwrap(),
            "reply.updates[0].entry: recorded \"x\", now \"y\""
        );
        let token = json!({"userId": 1, "hash": "[redacted]"});
        let fresh = json!({"userId": 1, "hash": "9f2c"});
        assert_eq!(first_difference("reply", &token, &fresh, true), None);
    }
}
