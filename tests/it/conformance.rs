//! Replays the request/expected-response cases in `fixtures/conformance/`.
//!
//! The case format is described in `fixtures/conformance/README.md`. In short:
//! every directory under `fixtures/conformance/` that holds `*.case` files gets
//! one fresh server (in-memory database seeded from fixtures/seed); its cases
//! run in file-name order against that server, so a case may capture a value
//! (`{{ticket=int}}`) that later cases of the same directory use (`{{ticket}}`).
//! Every case is run even when earlier ones fail, and the test fails at the
//! end with every mismatch of every case: status, headers, and the body,
//! compared structurally (XML-RPC values, XML trees or JSON) with a line diff
//! of the canonical forms.
//!
//! `CONFORMANCE_ONLY=text` runs only the cases whose path contains `text`
//! (cases that use a variable set by a skipped case then fail on it).

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use common::{HttpResponse, Server, http_request};

const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

// ===========================================================================
// The runner
// ===========================================================================

#[test]
fn replay_conformance_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance");
    let only = std::env::var("CONFORMANCE_ONLY")
        .ok()
        .filter(|s| !s.is_empty());
    let dirs = case_directories(&root);
    assert!(
        !dirs.is_empty(),
        "no *.case files found under {}",
        root.display()
    );

    let mut failures: Vec<String> = Vec::new();
    let mut ran = 0usize;
    for (dir, entries) in &dirs {
        let server = Server::start();
        let mut vars = Vars::new();
        for entry in entries {
            let shown = entry
                .strip_prefix(&root)
                .unwrap_or(entry)
                .display()
                .to_string();
            if let Some(only) = &only
                && !shown.contains(only.as_str())
            {
                continue;
            }
            ran += 1;
            let outcome = if entry.extension().and_then(|e| e.to_str()) == Some("case") {
                run_case_file(&server, entry, &mut vars)
            } else {
                Err(format!(
                    "{} is not a .case file: case directories hold only *.case files \
                     (and README.md); rename it or move it out of {}",
                    entry.display(),
                    dir.display()
                ))
            };
            if let Err(report) = outcome {
                failures.push(format!("=== {shown}\n{report}"));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} conformance cases failed:\n\n{}",
            failures.len(),
            ran,
            failures.join("\n\n")
        );
    }
    eprintln!("{ran} conformance cases passed");
}

/// Directories under `root` (itself included) holding `*.case` files, each with
/// its case-directory entries (every file but README.md) sorted by file name.
fn case_directories(root: &Path) -> Vec<(PathBuf, Vec<PathBuf>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<PathBuf>)>) {
        let mut files = Vec::new();
        let mut subdirs = Vec::new();
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                subdirs.push(path);
            } else {
                files.push(path);
            }
        }
        files.sort();
        subdirs.sort();
        let has_cases = files
            .iter()
            .any(|f| f.extension().and_then(|e| e.to_str()) == Some("case"));
        if has_cases {
            let entries: Vec<PathBuf> = files
                .into_iter()
                .filter(|f| {
                    let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    !name.eq_ignore_ascii_case("README.md") && !name.starts_with('.')
                })
                .collect();
            out.push((dir.to_path_buf(), entries));
        }
        for sub in subdirs {
            walk(&sub, out);
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

fn run_case_file(server: &Server, path: &Path, vars: &mut Vars) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let case = parse_case(&text).map_err(|e| format!("{}: malformed case: {e}", path.display()))?;
    run_case(server, &case, vars)
}

/// Sends the case's request and compares the answer; `Err` holds the report.
fn run_case(server: &Server, case: &Case, vars: &mut Vars) -> Result<(), String> {
    let target = substitute(&case.request.target, vars).map_err(|e| format!("request: {e}"))?;
    let mut headers = Vec::new();
    for (k, v) in &case.request.headers {
        headers.push((
            k.clone(),
            substitute(v, vars).map_err(|e| format!("request header {k}: {e}"))?,
        ));
    }
    let body: Vec<u8> = match case.request_body {
        BodyEncoding::Text => substitute(&case.request.body, vars)
            .map_err(|e| format!("request body: {e}"))?
            .into_bytes(),
        BodyEncoding::Base64 => {
            let compact: String = case
                .request
                .body
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|e| format!("request body is not base64: {e}"))?
        }
    };
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let sent = describe_request(&case.request.method, &target, &headers, &body);
    let response = http_request(
        server.addr(),
        &case.request.method,
        &target,
        &header_refs,
        &body,
        HTTP_TIMEOUT,
    )
    .map_err(|e| format!("--- request ---\n{sent}\nthe exchange failed: {e}"))?;

    let mut mismatches = Vec::new();
    let mut diff = String::new();
    check_status(&case.response.status, &response, vars, &mut mismatches);
    check_headers(&case.response.headers, &response, vars, &mut mismatches);
    match check_body(case, &response, vars, &mut mismatches) {
        Ok(Some(d)) => diff = d,
        Ok(None) => {}
        Err(e) => mismatches.push(e),
    }
    if mismatches.is_empty() {
        return Ok(());
    }
    let mut report = String::new();
    let _ = writeln!(report, "transport: {}", case.transport.name());
    let _ = writeln!(report, "mismatches:");
    for m in &mismatches {
        let _ = writeln!(report, "  - {m}");
    }
    if !diff.is_empty() {
        let _ = writeln!(
            report,
            "body diff (canonical form; - expected, + actual):\n{diff}"
        );
    }
    let _ = write!(
        report,
        "--- request ---\n{sent}\n--- response ---\n{}",
        response.describe()
    );
    Err(report)
}

fn describe_request(
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let mut out = format!("{method} {target}\n");
    for (k, v) in headers {
        let _ = writeln!(out, "{k}: {v}");
    }
    out.push('\n');
    let text = String::from_utf8_lossy(body);
    if text.len() > 4000 {
        let mut end = 4000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let _ = write!(out, "{}… ({} bytes in all)", &text[..end], body.len());
    } else {
        out.push_str(&text);
    }
    out
}

fn check_status(expected: &str, response: &HttpResponse, vars: &mut Vars, out: &mut Vec<String>) {
    let actual = response.status.to_string();
    match compile(expected, vars) {
        Ok(p) => {
            if !p.matches(&actual, vars) {
                out.push(format!("HTTP status: expected {expected}, got {actual}"));
            }
        }
        Err(e) => out.push(format!("HTTP status: {e}")),
    }
}

fn check_headers(
    expected: &[(String, String)],
    response: &HttpResponse,
    vars: &mut Vars,
    out: &mut Vec<String>,
) {
    for (name, pattern) in expected {
        let actual = response.header(name);
        if pattern.trim() == "{{absent}}" {
            if let Some(v) = actual {
                out.push(format!("header {name}: expected absent, got {v:?}"));
            }
            continue;
        }
        let Some(actual) = actual else {
            out.push(format!(
                "header {name}: expected {pattern:?}, but it is absent"
            ));
            continue;
        };
        match compile(pattern, vars) {
            Ok(p) => {
                if !p.matches(actual, vars) {
                    out.push(format!(
                        "header {name}: expected {pattern:?}, got {actual:?}"
                    ));
                }
            }
            Err(e) => out.push(format!("header {name}: {e}")),
        }
    }
}

/// Compares the body; returns a diff of the canonical forms when they differ.
fn check_body(
    case: &Case,
    response: &HttpResponse,
    vars: &mut Vars,
    out: &mut Vec<String>,
) -> Result<Option<String>, String> {
    let expected = &case.response.body;
    let actual = match std::str::from_utf8(&response.body) {
        Ok(s) => s,
        Err(e) if case.compare != Compare::Ignore => {
            return Err(format!("response body is not UTF-8: {e}"));
        }
        Err(_) => return Ok(None),
    };
    let before = out.len();
    if expected.is_empty() && case.compare != Compare::Ignore {
        if !actual.is_empty() {
            out.push(format!(
                "body: expected an empty body, got {} bytes",
                response.body.len()
            ));
        }
        return Ok(None);
    }
    let (exp_canon, act_canon) = match case.compare {
        Compare::Ignore => return Ok(None),
        Compare::Text => {
            let p = compile(expected, vars).map_err(|e| format!("expected body: {e}"))?;
            if !p.matches(actual, vars) {
                out.push("body: text differs".to_string());
            }
            (expected.clone(), actual.to_string())
        }
        Compare::XmlRpc => {
            let exp = parse_xmlrpc_doc(expected, true)
                .map_err(|e| format!("expected body is not an XML-RPC document: {e}"))?;
            let act = match parse_xmlrpc_doc(actual, false) {
                Ok(a) => a,
                Err(e) => {
                    out.push(format!("response body is not an XML-RPC document: {e}"));
                    return Ok(None);
                }
            };
            compare_xmlrpc_doc(&exp, &act, vars, out);
            (render_xmlrpc_doc(&exp), render_xmlrpc_doc(&act))
        }
        Compare::Xml => {
            let exp = parse_xml(expected).map_err(|e| format!("expected body is not XML: {e}"))?;
            let act = match parse_xml(actual) {
                Ok(a) => a,
                Err(e) => {
                    out.push(format!("response body is not XML: {e}"));
                    return Ok(None);
                }
            };
            compare_xml(&exp, &act, "", vars, out);
            (render_xml(&exp), render_xml(&act))
        }
        Compare::Json => {
            let exp: serde_json::Value = serde_json::from_str(expected)
                .map_err(|e| format!("expected body is not JSON: {e}"))?;
            let act: serde_json::Value = match serde_json::from_str(actual) {
                Ok(a) => a,
                Err(e) => {
                    out.push(format!("response body is not JSON: {e}"));
                    return Ok(None);
                }
            };
            compare_json(&exp, &act, "$", vars, out);
            (render_json(&exp), render_json(&act))
        }
    };
    if out.len() == before {
        return Ok(None);
    }
    Ok(Some(line_diff(&exp_canon, &act_canon, vars)))
}

// ===========================================================================
// Case files
// ===========================================================================

#[derive(Debug, Clone, Copy, PartialEq)]
enum Transport {
    XmlRpc,
    Soap,
    Rest,
}

impl Transport {
    fn parse(name: &str) -> Result<Transport, String> {
        match name {
            "xmlrpc" => Ok(Transport::XmlRpc),
            "soap" => Ok(Transport::Soap),
            "rest" => Ok(Transport::Rest),
            other => Err(format!(
                "unknown transport {other:?}: the runner knows xmlrpc, soap and rest"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Transport::XmlRpc => "xmlrpc",
            Transport::Soap => "soap",
            Transport::Rest => "rest",
        }
    }

    fn default_compare(self) -> Compare {
        match self {
            Transport::XmlRpc => Compare::XmlRpc,
            Transport::Soap => Compare::Xml,
            Transport::Rest => Compare::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Compare {
    XmlRpc,
    Xml,
    Json,
    Text,
    Ignore,
}

impl Compare {
    fn parse(name: &str) -> Result<Compare, String> {
        match name {
            "xmlrpc" => Ok(Compare::XmlRpc),
            "xml" => Ok(Compare::Xml),
            "json" => Ok(Compare::Json),
            "text" => Ok(Compare::Text),
            "ignore" => Ok(Compare::Ignore),
            other => Err(format!(
                "unknown compare mode {other:?} (xmlrpc, xml, json, text, ignore)"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BodyEncoding {
    Text,
    Base64,
}

#[derive(Debug, Clone)]
struct RequestSpec {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Clone)]
struct ResponseSpec {
    status: String,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Clone)]
struct Case {
    transport: Transport,
    compare: Compare,
    request_body: BodyEncoding,
    request: RequestSpec,
    response: ResponseSpec,
}

const REQUEST_MARK: &str = ">>> request";
const RESPONSE_MARK: &str = "<<< response";

fn parse_case(text: &str) -> Result<Case, String> {
    let lines: Vec<&str> = text.lines().collect();
    let req_at = lines
        .iter()
        .position(|l| l.trim_end() == REQUEST_MARK)
        .ok_or(format!("no `{REQUEST_MARK}` line"))?;
    let resp_at = lines
        .iter()
        .position(|l| l.trim_end() == RESPONSE_MARK)
        .ok_or(format!("no `{RESPONSE_MARK}` line"))?;
    if resp_at < req_at {
        return Err(format!("`{RESPONSE_MARK}` comes before `{REQUEST_MARK}`"));
    }
    if lines
        .iter()
        .filter(|l| l.trim_end() == REQUEST_MARK || l.trim_end() == RESPONSE_MARK)
        .count()
        != 2
    {
        return Err("a case has exactly one request and one response section".into());
    }

    let mut transport = None;
    let mut compare = None;
    let mut request_body = BodyEncoding::Text;
    for (n, line) in lines[..req_at].iter().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(':').ok_or(format!(
            "line {}: expected `key: value`, got {line:?}",
            n + 1
        ))?;
        let value = value.trim();
        match key.trim() {
            "transport" => transport = Some(Transport::parse(value)?),
            "compare" => compare = Some(Compare::parse(value)?),
            "request-body" => {
                request_body = match value {
                    "text" => BodyEncoding::Text,
                    "base64" => BodyEncoding::Base64,
                    other => return Err(format!("unknown request-body {other:?} (text, base64)")),
                }
            }
            other => {
                return Err(format!(
                    "line {}: unknown key {other:?} (transport, compare, request-body)",
                    n + 1
                ));
            }
        }
    }
    let transport = transport.ok_or("no `transport:` line")?;
    let compare = compare.unwrap_or(transport.default_compare());

    let (start_line, req_headers, req_body) =
        parse_message(&lines[req_at + 1..resp_at]).map_err(|e| format!("request: {e}"))?;
    let (method, target) = start_line
        .split_once(' ')
        .map(|(m, t)| (m.trim().to_string(), t.trim().to_string()))
        .ok_or(format!(
            "request line must be `METHOD /path`, got {start_line:?}"
        ))?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("bad request method {method:?}"));
    }
    if !target.starts_with('/') {
        return Err(format!(
            "request target must start with '/', got {target:?}"
        ));
    }
    let (status, resp_headers, resp_body) =
        parse_message(&lines[resp_at + 1..]).map_err(|e| format!("response: {e}"))?;
    let status = status.trim().to_string();
    if !(status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit()) || status.contains("{{")) {
        return Err(format!(
            "response status must be a 3-digit code, got {status:?}"
        ));
    }
    Ok(Case {
        transport,
        compare,
        request_body,
        request: RequestSpec {
            method,
            target,
            headers: req_headers,
            body: req_body,
        },
        response: ResponseSpec {
            status,
            headers: resp_headers,
            body: resp_body,
        },
    })
}

/// A section: a first line, `Name: value` header lines up to an empty line,
/// then the body (trailing empty lines dropped, no final line break).
type Message = (String, Vec<(String, String)>, String);

fn parse_message(lines: &[&str]) -> Result<Message, String> {
    let mut iter = lines.iter().skip_while(|l| l.trim().is_empty());
    let first = iter.next().ok_or("empty section")?.trim().to_string();
    let mut headers = Vec::new();
    let mut body_lines = Vec::new();
    let mut in_body = false;
    for line in iter {
        if in_body {
            body_lines.push(*line);
        } else if line.trim().is_empty() {
            in_body = true;
        } else {
            let (k, v) = line
                .split_once(':')
                .ok_or(format!("expected `Header: value`, got {line:?}"))?;
            let k = k.trim();
            if k.is_empty() || k.contains(' ') {
                return Err(format!("bad header name {k:?}"));
            }
            headers.push((k.to_string(), v.trim().to_string()));
        }
    }
    while body_lines.last().is_some_and(|l| l.trim().is_empty()) {
        body_lines.pop();
    }
    Ok((first, headers, body_lines.join("\n")))
}

// ===========================================================================
// Patterns: {{any}}, {{int}}, {{date}}, {{name=kind}}, {{name}}
// ===========================================================================

type Vars = HashMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Any,
    Int,
    Date,
}

#[derive(Debug, Clone)]
enum Seg {
    Lit(String),
    Hole { kind: Kind, capture: Option<String> },
}

#[derive(Debug, Clone)]
struct Pattern {
    segs: Vec<Seg>,
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn kind_of(name: &str) -> Option<Kind> {
    match name {
        "any" => Some(Kind::Any),
        "int" => Some(Kind::Int),
        "date" => Some(Kind::Date),
        _ => None,
    }
}

/// What one `{{…}}` means, or `None` when it is no placeholder (kept literally).
enum Placeholder {
    Hole(Kind, Option<String>),
    Var(String),
    Absent,
}

fn placeholder(inner: &str) -> Option<Placeholder> {
    let inner = inner.trim();
    if inner == "absent" {
        return Some(Placeholder::Absent);
    }
    if let Some(kind) = kind_of(inner) {
        return Some(Placeholder::Hole(kind, None));
    }
    if let Some((name, kind)) = inner.split_once('=') {
        let (name, kind) = (name.trim(), kind.trim());
        if is_ident(name)
            && kind_of(name).is_none()
            && let Some(k) = kind_of(kind)
        {
            return Some(Placeholder::Hole(k, Some(name.to_string())));
        }
        return None;
    }
    is_ident(inner).then(|| Placeholder::Var(inner.to_string()))
}

/// Splits `text` at its placeholders: `(literal, Some(placeholder))…`.
fn scan(text: &str) -> Vec<(String, Option<Placeholder>)> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => match placeholder(&after[..end]) {
                Some(p) => {
                    lit.push_str(&rest[..start]);
                    out.push((std::mem::take(&mut lit), Some(p)));
                    rest = &after[end + 2..];
                }
                None => {
                    lit.push_str(&rest[..start + 2]);
                    rest = after;
                }
            },
            None => break,
        }
    }
    lit.push_str(rest);
    out.push((lit, None));
    out
}

/// Replaces `{{name}}` by the variable's value (requests); other placeholders
/// are an error there.
fn substitute(text: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    for (lit, p) in scan(text) {
        out.push_str(&lit);
        match p {
            None => {}
            Some(Placeholder::Var(name)) => {
                out.push_str(vars.get(&name).ok_or_else(|| unset(&name))?)
            }
            Some(_) => {
                return Err("only {{name}} variables may appear in a request".to_string());
            }
        }
    }
    Ok(out)
}

fn unset(name: &str) -> String {
    format!(
        "variable {{{{{name}}}}} is not set (an earlier case of this directory must capture it with {{{{{name}=kind}}}})"
    )
}

fn compile(text: &str, vars: &Vars) -> Result<Pattern, String> {
    let mut segs = Vec::new();
    for (lit, p) in scan(text) {
        if !lit.is_empty() {
            segs.push(Seg::Lit(lit));
        }
        match p {
            None => {}
            Some(Placeholder::Hole(kind, capture)) => segs.push(Seg::Hole { kind, capture }),
            Some(Placeholder::Var(name)) => segs.push(Seg::Lit(
                vars.get(&name).ok_or_else(|| unset(&name))?.clone(),
            )),
            Some(Placeholder::Absent) => {
                return Err("{{absent}} is only meaningful as a whole header value".to_string());
            }
        }
    }
    Ok(Pattern { segs })
}

impl Pattern {
    /// Whether `text` matches; captured variables are stored on success.
    fn matches(&self, text: &str, vars: &mut Vars) -> bool {
        let mut caps = Vec::new();
        if match_segs(&self.segs, text, &mut caps) {
            for (k, v) in caps {
                vars.insert(k, v);
            }
            true
        } else {
            false
        }
    }

    /// The single whole-text hole, if the pattern is just that (`{{any}}`).
    fn whole_hole(&self) -> Option<(Kind, Option<&str>)> {
        match self.segs.as_slice() {
            [Seg::Hole { kind, capture }] => Some((*kind, capture.as_deref())),
            _ => None,
        }
    }
}

fn match_segs(segs: &[Seg], text: &str, caps: &mut Vec<(String, String)>) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        return text.is_empty();
    };
    match first {
        Seg::Lit(l) => text
            .strip_prefix(l.as_str())
            .is_some_and(|t| match_segs(rest, t, caps)),
        Seg::Hole { kind, capture } => {
            let mut ends: Vec<usize> = match kind {
                Kind::Any => (0..=text.len())
                    .filter(|&i| text.is_char_boundary(i))
                    .collect(),
                Kind::Int => {
                    let sign = usize::from(text.starts_with('-'));
                    let digits = text[sign..].bytes().take_while(u8::is_ascii_digit).count();
                    (1..=digits).map(|d| sign + d).collect()
                }
                Kind::Date => {
                    if text.len() >= 25 && is_date(&text[..25.min(text.len())]) {
                        vec![25]
                    } else {
                        vec![]
                    }
                }
            };
            ends.reverse();
            for end in ends {
                let (head, tail) = text.split_at(end);
                let mark = caps.len();
                if let Some(name) = capture {
                    caps.push((name.clone(), head.to_string()));
                }
                if match_segs(rest, tail, caps) {
                    return true;
                }
                caps.truncate(mark);
            }
            false
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS±HH:MM`, the form SLDN articles on result limits and date handling prescribes.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 25
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 | 22 => c == b':',
            19 => c == b'+' || c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// Whether an expected line (a pattern) matches an actual line, for the diff.
fn line_matches(expected: &str, actual: &str, vars: &Vars) -> bool {
    if expected == actual {
        return true;
    }
    let mut scratch = vars.clone();
    compile(expected, vars).is_ok_and(|p| p.matches(actual, &mut scratch))
}

// ===========================================================================
// Generic XML trees
// ===========================================================================

#[derive(Debug, Clone)]
struct Elem {
    /// Namespace URI, when the name is bound to one.
    ns: Option<String>,
    /// Local name (without prefix).
    name: String,
    /// Attributes other than namespace declarations: (namespace, local name, value).
    attrs: Vec<(Option<String>, String, String)>,
    children: Vec<XNode>,
}

#[derive(Debug, Clone)]
enum XNode {
    Elem(Elem),
    Text(String),
}

impl Elem {
    fn elems(&self) -> impl Iterator<Item = &Elem> {
        self.children.iter().filter_map(|c| match c {
            XNode::Elem(e) => Some(e),
            XNode::Text(_) => None,
        })
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.children {
            if let XNode::Text(t) = c {
                out.push_str(t);
            }
        }
        out
    }

    fn display_name(&self) -> String {
        match &self.ns {
            Some(ns) => format!("{{{ns}}}{}", self.name),
            None => self.name.clone(),
        }
    }
}

fn parse_xml(text: &str) -> Result<Elem, String> {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = quick_xml::NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    reader.config_mut().expand_empty_elements = true;
    let ns_of = |r: ResolveResult| -> Option<String> {
        match r {
            ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
            _ => None,
        }
    };
    let mut stack: Vec<Elem> = Vec::new();
    let mut root = None;
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("after byte {position}: {e}"))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let ns = ns_of(resolved);
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| format!("bad attribute: {e}"))?;
                    let key = a.key;
                    let raw = key.as_ref();
                    if raw == b"xmlns" || raw.starts_with(b"xmlns:") {
                        continue;
                    }
                    let (res, local) = reader.resolve_attribute(key);
                    let value = a
                        .unescape_value()
                        .map_err(|e| format!("bad attribute value: {e}"))?
                        .into_owned();
                    attrs.push((
                        ns_of(res),
                        String::from_utf8_lossy(local.as_ref()).into_owned(),
                        value,
                    ));
                }
                stack.push(Elem {
                    ns,
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            Event::End(_) => {
                let elem = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(XNode::Elem(elem)),
                    None => {
                        if root.replace(elem).is_some() {
                            return Err("more than one root element".into());
                        }
                    }
                }
            }
            Event::Text(t) => {
                let s = t.unescape().map_err(|e| format!("bad text: {e}"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(XNode::Text(s.into_owned())),
                    None if s.trim().is_empty() => {}
                    None => return Err(format!("text outside the root element: {s:?}")),
                }
            }
            Event::CData(c) => {
                let s = String::from_utf8(c.into_inner().into_owned())
                    .map_err(|_| "CDATA is not UTF-8")?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(XNode::Text(s));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("document ends inside <{}>", open.name));
    }
    root.ok_or_else(|| "no root element".to_string())
}

/// Generic XML: names (namespace URI + local name), attributes (unordered),
/// child elements in order, text trimmed; whitespace-only text is ignored. An
/// expected element whose whole content is `{{any}}` matches any element of
/// that name.
fn compare_xml(exp: &Elem, act: &Elem, path: &str, vars: &mut Vars, out: &mut Vec<String>) {
    let here = format!("{path}/{}", exp.name);
    if exp.ns != act.ns || exp.name != act.name {
        out.push(format!(
            "{here}: expected element {}, got {}",
            exp.display_name(),
            act.display_name()
        ));
        return;
    }
    for (ns, name, value) in &exp.attrs {
        match act.attrs.iter().find(|(n2, l2, _)| n2 == ns && l2 == name) {
            None => out.push(format!(
                "{here}/@{name}: expected {value:?}, attribute absent"
            )),
            Some((_, _, got)) => match compile(value, vars) {
                Ok(p) => {
                    if !p.matches(got, vars) {
                        out.push(format!("{here}/@{name}: expected {value:?}, got {got:?}"));
                    }
                }
                Err(e) => out.push(format!("{here}/@{name}: {e}")),
            },
        }
    }
    for (ns, name, value) in &act.attrs {
        if !exp.attrs.iter().any(|(n2, l2, _)| n2 == ns && l2 == name) {
            out.push(format!("{here}/@{name}: unexpected attribute {value:?}"));
        }
    }
    let exp_kids: Vec<&Elem> = exp.elems().collect();
    let act_kids: Vec<&Elem> = act.elems().collect();
    let exp_text = exp.text();
    if exp_kids.is_empty()
        && let Ok(p) = compile(exp_text.trim(), vars)
        && p.whole_hole() == Some((Kind::Any, None))
    {
        return;
    }
    let act_text = act.text();
    if !(exp_text.trim().is_empty() && act_text.trim().is_empty()) {
        match compile(exp_text.trim(), vars) {
            Ok(p) => {
                if !p.matches(act_text.trim(), vars) {
                    out.push(format!(
                        "{here}: expected text {:?}, got {:?}",
                        exp_text.trim(),
                        act_text.trim()
                    ));
                }
            }
            Err(e) => out.push(format!("{here}: {e}")),
        }
    }
    for (i, (e, a)) in exp_kids.iter().zip(act_kids.iter()).enumerate() {
        compare_xml(e, a, &format!("{here}[{i}]"), vars, out);
    }
    if exp_kids.len() != act_kids.len() {
        out.push(format!(
            "{here}: expected {} child elements, got {}",
            exp_kids.len(),
            act_kids.len()
        ));
    }
}

fn render_xml(e: &Elem) -> String {
    fn walk(e: &Elem, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        let mut attrs: Vec<String> = e
            .attrs
            .iter()
            .map(|(ns, n, v)| match ns {
                Some(ns) => format!(" {{{ns}}}{n}={v:?}"),
                None => format!(" {n}={v:?}"),
            })
            .collect();
        attrs.sort();
        let text = e.text();
        let kids: Vec<&Elem> = e.elems().collect();
        if kids.is_empty() {
            let _ = writeln!(
                out,
                "{pad}<{}{}>{}",
                e.display_name(),
                attrs.concat(),
                text.trim()
            );
        } else {
            let _ = writeln!(out, "{pad}<{}{}>", e.display_name(), attrs.concat());
            if !text.trim().is_empty() {
                let _ = writeln!(out, "{pad}  {}", text.trim());
            }
            for k in kids {
                walk(k, depth + 1, out);
            }
        }
    }
    let mut out = String::new();
    walk(e, 0, &mut out);
    out
}

// ===========================================================================
// XML-RPC documents, compared as values
// ===========================================================================

#[derive(Debug, Clone)]
enum XV {
    /// A scalar: its type element (`int`, `string`, …; `i4`/`i8` read as `int`)
    /// and its text (trimmed, except for strings).
    Scalar(String, String),
    Nil,
    Array(Vec<XV>),
    Struct(Vec<(String, XV)>),
    /// Expected side only: `<value>{{any}}</value>` (or `{{name=any}}`).
    Any(Option<String>),
}

#[derive(Debug, Clone)]
enum XDoc {
    Result(XV),
    Fault(XV),
    Call(String, Vec<XV>),
}

fn parse_xmlrpc_doc(text: &str, expected: bool) -> Result<XDoc, String> {
    let root = parse_xml(text)?;
    let elems = |e: &Elem| -> Vec<Elem> { e.elems().cloned().collect() };
    let result = |params: &Elem| -> Result<XDoc, String> {
        let ps = elems(params);
        if ps.len() != 1 || ps[0].name != "param" {
            return Err("<params> must hold exactly one <param>".into());
        }
        let v = only_child(&ps[0], "value")?;
        Ok(XDoc::Result(xv(&v, expected, "$")?))
    };
    match root.name.as_str() {
        // A result as the real API (and so the server) sends it: a bare <params>.
        "params" => result(&root),
        "methodResponse" => {
            let kids = elems(&root);
            match kids.as_slice() {
                [fault] if fault.name == "fault" => {
                    let v = only_child(fault, "value")?;
                    Ok(XDoc::Fault(xv(&v, expected, "fault")?))
                }
                [params] if params.name == "params" => result(params),
                _ => Err("<methodResponse> must hold one <params> or one <fault>".into()),
            }
        }
        "methodCall" => {
            let name = root
                .elems()
                .find(|e| e.name == "methodName")
                .map(|e| e.text().trim().to_string())
                .ok_or("<methodCall> without <methodName>")?;
            let mut params = Vec::new();
            if let Some(ps) = root.elems().find(|e| e.name == "params") {
                for (i, p) in ps.elems().enumerate() {
                    let v = only_child(p, "value")?;
                    params.push(xv(&v, expected, &format!("param[{i}]"))?);
                }
            }
            Ok(XDoc::Call(name, params))
        }
        other => Err(format!("root element is <{other}>")),
    }
}

fn only_child(e: &Elem, name: &str) -> Result<Elem, String> {
    let kids: Vec<&Elem> = e.elems().collect();
    match kids.as_slice() {
        [k] if k.name == name => Ok((*k).clone()),
        _ => Err(format!("<{}> must hold exactly one <{name}>", e.name)),
    }
}

fn xv(value: &Elem, expected: bool, path: &str) -> Result<XV, String> {
    if value.name != "value" {
        return Err(format!("{path}: expected <value>, found <{}>", value.name));
    }
    let kids: Vec<&Elem> = value.elems().collect();
    let typed = match kids.as_slice() {
        [] => {
            let text = value.text();
            if expected
                && let Ok(p) = compile(text.trim(), &Vars::new())
                && let Some((Kind::Any, capture)) = p.whole_hole()
            {
                return Ok(XV::Any(capture.map(str::to_string)));
            }
            return Ok(XV::Scalar("string".into(), text));
        }
        [t] => *t,
        _ => return Err(format!("{path}: <value> holds more than one element")),
    };
    if !value.text().trim().is_empty() {
        return Err(format!("{path}: text next to <{}> in <value>", typed.name));
    }
    let name = match typed.name.as_str() {
        "i4" | "i8" | "i2" | "i1" => "int",
        "dateTime" => "dateTime.iso8601",
        "float" => "double",
        other => other,
    };
    Ok(match name {
        "nil" => XV::Nil,
        "string" => XV::Scalar("string".into(), typed.text()),
        "int" | "boolean" | "double" | "dateTime.iso8601" | "base64" => {
            if typed.elems().next().is_some() {
                return Err(format!("{path}: <{name}> holds elements"));
            }
            XV::Scalar(name.into(), typed.text().trim().to_string())
        }
        "array" => {
            let data = typed
                .elems()
                .find(|e| e.name == "data")
                .ok_or(format!("{path}: <array> without <data>"))?;
            let mut items = Vec::new();
            for (i, v) in data.elems().enumerate() {
                items.push(xv(v, expected, &format!("{path}[{i}]"))?);
            }
            XV::Array(items)
        }
        "struct" => {
            let mut members = Vec::new();
            for m in typed.elems() {
                if m.name != "member" {
                    return Err(format!("{path}: <struct> holds <{}>", m.name));
                }
                let n = m
                    .elems()
                    .find(|e| e.name == "name")
                    .ok_or(format!("{path}: <member> without <name>"))?
                    .text();
                let v = m
                    .elems()
                    .find(|e| e.name == "value")
                    .ok_or(format!("{path}.{n}: <member> without <value>"))?;
                members.push((n.clone(), xv(v, expected, &format!("{path}.{n}"))?));
            }
            XV::Struct(members)
        }
        other => return Err(format!("{path}: unknown XML-RPC type <{other}>")),
    })
}

fn compare_xmlrpc_doc(exp: &XDoc, act: &XDoc, vars: &mut Vars, out: &mut Vec<String>) {
    match (exp, act) {
        (XDoc::Result(e), XDoc::Result(a)) => compare_xv(e, a, "$", vars, out),
        (XDoc::Fault(e), XDoc::Fault(a)) => compare_xv(e, a, "fault", vars, out),
        (XDoc::Call(en, ep), XDoc::Call(an, ap)) => {
            if en != an {
                out.push(format!("methodName: expected {en:?}, got {an:?}"));
            }
            compare_xv(
                &XV::Array(ep.clone()),
                &XV::Array(ap.clone()),
                "params",
                vars,
                out,
            );
        }
        (XDoc::Fault(_), XDoc::Result(a)) => out.push(format!(
            "expected a fault, got a result: {}",
            first_line(&render_xv(a))
        )),
        (XDoc::Result(_), XDoc::Fault(a)) => out.push(format!(
            "expected a result, got a fault: {}",
            fault_summary(a)
        )),
        _ => out.push("expected and actual documents are of different kinds".into()),
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    if s.lines().count() > 1 {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

fn fault_summary(f: &XV) -> String {
    let get = |k: &str| match f {
        XV::Struct(m) => m
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| render_xv(v).trim().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    format!("{} / {}", get("faultCode"), get("faultString"))
}

fn type_label(v: &XV) -> &str {
    match v {
        XV::Scalar(t, _) => t,
        XV::Nil => "nil",
        XV::Array(_) => "array",
        XV::Struct(_) => "struct",
        XV::Any(_) => "any",
    }
}

fn compare_xv(exp: &XV, act: &XV, path: &str, vars: &mut Vars, out: &mut Vec<String>) {
    match (exp, act) {
        (XV::Any(capture), _) => {
            if let (Some(name), XV::Scalar(_, text)) = (capture, act) {
                vars.insert(name.clone(), text.clone());
            }
        }
        (XV::Scalar(et, etext), XV::Scalar(at, atext)) if et == at => match compile(etext, vars) {
            Ok(p) => {
                if !p.matches(atext, vars) {
                    out.push(format!(
                        "{path}: expected {et} {etext:?}, got {at} {atext:?}"
                    ));
                }
            }
            Err(e) => out.push(format!("{path}: {e}")),
        },
        (XV::Nil, XV::Nil) => {}
        (XV::Array(e), XV::Array(a)) => {
            for (i, (ei, ai)) in e.iter().zip(a.iter()).enumerate() {
                compare_xv(ei, ai, &format!("{path}[{i}]"), vars, out);
            }
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected an array of {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
        }
        (XV::Struct(e), XV::Struct(a)) => {
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (name, _) in a {
                *seen.entry(name.as_str()).or_default() += 1;
            }
            for (name, n) in &seen {
                if *n > 1 {
                    out.push(format!("{path}.{name}: member sent {n} times"));
                }
            }
            for (name, ev) in e {
                match a.iter().find(|(n, _)| n == name) {
                    Some((_, av)) => compare_xv(ev, av, &format!("{path}.{name}"), vars, out),
                    None => out.push(format!(
                        "{path}.{name}: missing (expected {})",
                        first_line(&render_xv(ev)).trim()
                    )),
                }
            }
            for (name, av) in a {
                if !e.iter().any(|(n, _)| n == name) {
                    out.push(format!(
                        "{path}.{name}: unexpected member {}",
                        first_line(&render_xv(av)).trim()
                    ));
                }
            }
        }
        _ => out.push(format!(
            "{path}: expected {} {}, got {} {}",
            type_label(exp),
            first_line(&render_xv(exp)).trim(),
            type_label(act),
            first_line(&render_xv(act)).trim()
        )),
    }
}

/// One value per line, struct members sorted by name, strings quoted with
/// escapes, so that a line diff of two renderings is readable.
fn render_xv(v: &XV) -> String {
    fn walk(v: &XV, depth: usize, label: &str, out: &mut String) {
        let pad = "  ".repeat(depth);
        match v {
            XV::Scalar(t, text) => {
                let _ = writeln!(out, "{pad}{label}{t} {text:?}");
            }
            XV::Nil => {
                let _ = writeln!(out, "{pad}{label}nil");
            }
            XV::Any(None) => {
                let _ = writeln!(out, "{pad}{label}{{{{any}}}}");
            }
            XV::Any(Some(n)) => {
                let _ = writeln!(out, "{pad}{label}{{{{{n}=any}}}}");
            }
            XV::Array(items) => {
                let _ = writeln!(out, "{pad}{label}array [");
                for item in items {
                    walk(item, depth + 1, "", out);
                }
                let _ = writeln!(out, "{pad}]");
            }
            XV::Struct(members) => {
                let _ = writeln!(out, "{pad}{label}struct {{");
                let mut sorted: Vec<&(String, XV)> = members.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                for (name, m) in sorted {
                    walk(m, depth + 1, &format!("{name}: "), out);
                }
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }
    let mut out = String::new();
    walk(v, 0, "", &mut out);
    out
}

fn render_xmlrpc_doc(d: &XDoc) -> String {
    match d {
        XDoc::Result(v) => format!("result\n{}", render_xv(v)),
        XDoc::Fault(v) => format!("fault\n{}", render_xv(v)),
        XDoc::Call(name, params) => {
            let mut out = format!("call {name}\n");
            for p in params {
                out.push_str(&render_xv(p));
            }
            out
        }
    }
}

// ===========================================================================
// JSON
// ===========================================================================

/// JSON: objects unordered, arrays in order; an expected string that is a
/// pattern matches a string, or a number or boolean whose JSON text matches
/// (`"{{id=int}}"` matches `160000004`); `"{{any}}"` matches any value.
fn compare_json(
    exp: &serde_json::Value,
    act: &serde_json::Value,
    path: &str,
    vars: &mut Vars,
    out: &mut Vec<String>,
) {
    use serde_json::Value as J;
    match (exp, act) {
        (J::String(pattern), _) if pattern.contains("{{") => {
            let p = match compile(pattern, vars) {
                Ok(p) => p,
                Err(e) => {
                    out.push(format!("{path}: {e}"));
                    return;
                }
            };
            if let Some((Kind::Any, capture)) = p.whole_hole() {
                if let Some(name) = capture {
                    let text = match act {
                        J::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    vars.insert(name.to_string(), text);
                }
                return;
            }
            let text = match act {
                J::String(s) => s.clone(),
                J::Number(_) | J::Bool(_) => act.to_string(),
                _ => {
                    out.push(format!("{path}: expected {pattern:?}, got {act}"));
                    return;
                }
            };
            if !p.matches(&text, vars) {
                out.push(format!("{path}: expected {pattern:?}, got {act}"));
            }
        }
        (J::Object(e), J::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => compare_json(ev, av, &format!("{path}.{k}"), vars, out),
                    None => out.push(format!("{path}.{k}: missing (expected {ev})")),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("{path}.{k}: unexpected member {av}"));
                }
            }
        }
        (J::Array(e), J::Array(a)) => {
            for (i, (ei, ai)) in e.iter().zip(a.iter()).enumerate() {
                compare_json(ei, ai, &format!("{path}[{i}]"), vars, out);
            }
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected an array of {} items, got {}",
                    e.len(),
                    a.len()
                ));
            }
        }
        (J::Number(e), J::Number(a)) => {
            if e.as_f64() != a.as_f64() {
                out.push(format!("{path}: expected {e}, got {a}"));
            }
        }
        _ => {
            if exp != act {
                out.push(format!("{path}: expected {exp}, got {act}"));
            }
        }
    }
}

fn render_json(v: &serde_json::Value) -> String {
    fn sorted(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                let mut out = serde_json::Map::new();
                for k in keys {
                    out.insert(k.clone(), sorted(&m[k]));
                }
                serde_json::Value::Object(out)
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string_pretty(&sorted(v)).unwrap_or_default() + "\n"
}

// ===========================================================================
// Line diff
// ===========================================================================

/// A unified-style diff (3 lines of context) of two canonical renderings;
/// expected lines are patterns, so `{{date}}` equals any date.
fn line_diff(expected: &str, actual: &str, vars: &Vars) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let (n, m) = (e.len(), a.len());
    if n * m > 4_000_000 {
        return "(too large to diff)".to_string();
    }
    // lcs[i][j]: length of the LCS of e[i..] and a[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if line_matches(e[i], a[j], vars) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && line_matches(e[i], a[j], vars) {
            ops.push((' ', a[j]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', e[i]));
            i += 1;
        } else {
            ops.push(('+', a[j]));
            j += 1;
        }
    }
    let keep: Vec<bool> = (0..ops.len())
        .map(|k| {
            let lo = k.saturating_sub(3);
            let hi = (k + 3).min(ops.len() - 1);
            (lo..=hi).any(|x| ops[x].0 != ' ')
        })
        .collect();
    let mut out = String::new();
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if keep[k] {
            if skipped {
                out.push_str("  …\n");
                skipped = false;
            }
            let _ = writeln!(out, "{op} {line}");
        } else {
            skipped = true;
        }
    }
    out
}

// ===========================================================================
// Self-tests of the runner (no server needed)
// ===========================================================================

#[test]
fn patterns_match_and_capture() {
    let mut vars = Vars::new();
    let p = compile("id {{id=int}} at {{date}}", &vars).unwrap();
    assert!(p.matches("id 160000004 at 2026-11-27T12:00:00+00:00", &mut vars));
    assert_eq!(vars["id"], "160000004");
    assert!(!compile("{{int}}", &vars).unwrap().matches("12a", &mut vars));
    assert!(
        !compile("{{date}}", &vars)
            .unwrap()
            .matches("2026-11-27", &mut vars)
    );
    assert!(
        compile("CS{{any}}", &vars)
            .unwrap()
            .matches("CS0160004", &mut vars)
    );
    assert!(
        compile("x {{id}} y", &vars)
            .unwrap()
            .matches("x 160000004 y", &mut vars)
    );
    assert!(compile("{{nope}}", &vars).is_err());
    // Not placeholders: kept literally.
    assert!(
        compile("{{ not one }} {{}}", &vars)
            .unwrap()
            .matches("{{ not one }} {{}}", &mut vars)
    );
    assert_eq!(substitute("/x/{{id}}", &vars).unwrap(), "/x/160000004");
    assert!(substitute("{{any}}", &vars).is_err());
}

#[test]
fn xmlrpc_comparison_reports_every_difference() {
    let expected = r#"<?xml version="1.0"?>
<methodResponse><params><param><value><struct>
  <member><name>id</name><value><int>{{id=int}}</int></value></member>
  <member><name>title</name><value><string>Hardware Issue</string></value></member>
  <member><name>createDate</name><value><string>{{date}}</string></value></member>
  <member><name>anything</name><value>{{any}}</value></member>
  <member><name>updates</name><value><array><data>
    <value><struct><member><name>entry</name><value>a</value></member></struct></value>
    <value><struct><member><name>entry</name><value>b</value></member></struct></value>
  </data></array></value></member>
</struct></value></param></params></methodResponse>"#;
    // Members reordered, i4 for int, bare <value> for a string: all equal.
    let same = r#"<?xml version="1.0" encoding="UTF-8"?><methodResponse><params><param><value><struct><member><name>updates</name><value><array><data><value><struct><member><name>entry</name><value><string>a</string></value></member></struct></value><value><struct><member><name>entry</name><value><string>b</string></value></member></struct></value></data></array></value></member><member><name>title</name><value>Hardware Issue</value></member><member><name>createDate</name><value><string>2026-10-01T09:15:00-05:00</string></value></member><member><name>anything</name><value><array><data/></array></value></member><member><name>id</name><value><i4>160000001</i4></value></member></struct></value></param></params></methodResponse>"#;
    let exp = parse_xmlrpc_doc(expected, true).unwrap();
    let act = parse_xmlrpc_doc(same, false).unwrap();
    let mut vars = Vars::new();
    let mut out = Vec::new();
    compare_xmlrpc_doc(&exp, &act, &mut vars, &mut out);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(vars["id"], "160000001");

    let different = r#"<methodResponse><params><param><value><struct><member><name>updates</name><value><array><data><value><struct><member><name>entry</name><value><string>b</string></value></member></struct></value></data></array></value></member><member><name>title</name><value><int>1</int></value></member><member><name>createDate</name><value><string>yesterday</string></value></member><member><name>anything</name><value><nil/></value></member><member><name>extra</name><value><boolean>1</boolean></value></member></struct></value></param></params></methodResponse>"#;
    let act = parse_xmlrpc_doc(different, false).unwrap();
    let mut out = Vec::new();
    compare_xmlrpc_doc(&exp, &act, &mut Vars::new(), &mut out);
    let all = out.join("\n");
    for needle in [
        "$.id: missing",
        "$.title: expected string",
        "$.createDate: expected string \"{{date}}\"",
        "$.updates[0].entry: expected string \"a\", got string \"b\"",
        "$.updates: expected an array of 2 items, got 1",
        "$.extra: unexpected member",
    ] {
        assert!(all.contains(needle), "{needle:?} not reported in:\n{all}");
    }
    let diff = line_diff(
        &render_xmlrpc_doc(&exp),
        &render_xmlrpc_doc(&act),
        &Vars::new(),
    );
    assert!(diff.contains("+   extra: boolean \"1\""), "{diff}");
}

#[test]
fn xmlrpc_fault_and_result_are_told_apart() {
    let fault = r#"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>-32700</int></value></member><member><name>faultString</name><value><string>parse error. not well formed</string></value></member></struct></value></fault></methodResponse>"#;
    let result = r#"<methodResponse><params><param><value><boolean>1</boolean></value></param></params></methodResponse>"#;
    let mut out = Vec::new();
    compare_xmlrpc_doc(
        &parse_xmlrpc_doc(fault, true).unwrap(),
        &parse_xmlrpc_doc(result, false).unwrap(),
        &mut Vars::new(),
        &mut out,
    );
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        out[0].starts_with("expected a fault, got a result"),
        "{out:?}"
    );
    // A string fault code is not an int fault code.
    let string_code = fault.replace("<int>-32700</int>", "<string>-32700</string>");
    let mut out = Vec::new();
    compare_xmlrpc_doc(
        &parse_xmlrpc_doc(fault, true).unwrap(),
        &parse_xmlrpc_doc(&string_code, false).unwrap(),
        &mut Vars::new(),
        &mut out,
    );
    assert!(out.iter().any(|m| m.contains("fault.faultCode")), "{out:?}");
}

#[test]
fn xml_and_json_comparisons() {
    let exp = parse_xml(
        r#"<s:Envelope xmlns:s="urn:env"><s:Body><r a="{{int}}">x {{any}}</r><t>{{any}}</t></s:Body></s:Envelope>"#,
    )
    .unwrap();
    let act = parse_xml(
        r#"<e:Envelope xmlns:e="urn:env"><e:Body>
             <r a="12">x y z</r><t><deep>1</deep></t></e:Body></e:Envelope>"#,
    )
    .unwrap();
    let mut out = Vec::new();
    compare_xml(&exp, &act, "", &mut Vars::new(), &mut out);
    assert!(out.is_empty(), "{out:?}");
    let other_ns = parse_xml(r#"<s:Envelope xmlns:s="urn:other"/>"#).unwrap();
    let mut out = Vec::new();
    compare_xml(&exp, &other_ns, "", &mut Vars::new(), &mut out);
    assert!(!out.is_empty());

    let exp: serde_json::Value =
        serde_json::from_str(r#"{"id": "{{id=int}}", "d": "{{date}}", "x": [1, "{{any}}"]}"#)
            .unwrap();
    let act: serde_json::Value =
        serde_json::from_str(r#"{"x": [1, {"a": 2}], "d": "2026-01-02T03:04:05-06:00", "id": 17}"#)
            .unwrap();
    let mut vars = Vars::new();
    let mut out = Vec::new();
    compare_json(&exp, &act, "$", &mut vars, &mut out);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(vars["id"], "17");
    let act: serde_json::Value =
        serde_json::from_str(r#"{"x": [2], "d": "soon", "id": "a", "z": 1}"#).unwrap();
    let mut out = Vec::new();
    compare_json(&exp, &act, "$", &mut Vars::new(), &mut out);
    assert_eq!(out.len(), 5, "{out:?}");
}

#[test]
fn case_files_parse_and_unknown_transports_fail() {
    let text = "# comment\ntransport: xmlrpc\n\n>>> request\nPOST /xmlrpc/v3.1/SoftLayer_Ticket\nContent-Type: text/xml\n\n<a/>\n\n<<< response\n200\nSoftLayer-Total-Items: {{absent}}\n\n<b/>\n";
    let case = parse_case(text).unwrap();
    assert_eq!(case.transport, Transport::XmlRpc);
    assert_eq!(case.compare, Compare::XmlRpc);
    assert_eq!(case.request.method, "POST");
    assert_eq!(case.request.target, "/xmlrpc/v3.1/SoftLayer_Ticket");
    assert_eq!(case.request.body, "<a/>");
    assert_eq!(case.response.status, "200");
    assert_eq!(case.response.body, "<b/>");
    let err =
        parse_case(&text.replace("transport: xmlrpc", "transport: carrier-pigeon")).unwrap_err();
    assert!(err.contains("unknown transport"), "{err}");
    assert!(parse_case(&text.replace("transport: xmlrpc", "")).is_err());
    assert!(parse_case(&text.replace("# comment", "tranport: rest")).is_err());
    assert!(parse_case(&text.replace("<<< response", "")).is_err());
}

#[test]
fn every_case_file_is_well_formed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance");
    let mut problems = Vec::new();
    let mut count = 0;
    for (_, entries) in case_directories(&root) {
        for entry in entries {
            count += 1;
            let text = std::fs::read_to_string(&entry).unwrap_or_default();
            match parse_case(&text) {
                Err(e) => problems.push(format!("{}: {e}", entry.display())),
                Ok(case) => {
                    if case.compare == Compare::XmlRpc
                        && let Err(e) = parse_xmlrpc_doc(&case.response.body, true)
                    {
                        problems.push(format!("{}: expected body: {e}", entry.display()));
                    }
                }
            }
        }
    }
    assert!(count > 0, "no cases under {}", root.display());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
