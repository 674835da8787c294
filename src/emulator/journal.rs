//! The request journal: every API call on every transport, newest first, kept in a
//! bounded ring in memory (the last 10,000 by default, `serve --journal-size N`) and, with
//! `serve --journal FILE`, appended to a file as JSON lines (the input of `replay`).
//!
//! An entry: `id`, `time` (the emulator's clock), `transport`, `service`, `method`,
//! `user`, `account`, `initId`, `mask`, `filter`, `resultLimit`, `args` (file data elided
//! to name and size, API keys, passwords and tokens redacted; so are the tokens in the
//! reply of a login, as the method's table entry names them), `outcome` (`ok` or
//! `fault`), `fault` (`{class, message}`), `injected` (the fault rule that answered, if
//! any), `status`, `durationMs`, `replyBytes`, `cached` (answered from the reply cache),
//! `total` (items in a list reply) and `reply` (the result, when it was written whole and
//! is at most 64 KiB as JSON: what `replay` compares). `path` is null except for a REST
//! nested path, answered with a part of its call's result: it holds the path's segments,
//! and `mask` and `resultLimit` are then the caller's, not the call's. `verb` is the verb
//! (`POST`, `PUT`, `DELETE`) of a REST call refused for what its path names, which is
//! kept with it (sent as a GET, the path reads); otherwise null.
//!
//! `GET /_emulator/journal?service=&method=&user=&account=&fault=&since=&limit=&offset=`
//! returns `{"calls": [...], "total": N}`; `DELETE /_emulator/journal` clears it.

use serde_json::{Value as J, json};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How many calls the journal keeps unless told otherwise.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// Argument texts longer than this are recorded by their size only.
pub const MAX_RECORDED_TEXT: usize = 64 * 1024;
/// Replies larger than this (as JSON) are recorded by their size only.
pub const MAX_RECORDED_REPLY: usize = 64 * 1024;
/// The most the kept calls may hold (their replies, arguments, masks and filters, as
/// text) before the oldest are let go, however few they are: 10,000 calls with replies of
/// 50 KB each took the server's RSS to 550 MB in four seconds, past issue 10's 400 MB.
pub const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;

/// A name or text of a call as the journal keeps it: whole up to [`MAX_RECORDED_TEXT`],
/// else its size, as an argument's text is (`{"elided": "long text", "bytes": N}`). A 5 MB
/// mask, quoted again by its fault, made a 10 MB entry: seven such calls pushed a test's
/// hundred calls out of the 64 MiB ring.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Whole(String),
    Elided { bytes: usize },
}

impl Text {
    /// The text, or `""` for one elided.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Whole(text) => text,
            Text::Elided { .. } => "",
        }
    }

    pub fn is_elided(&self) -> bool {
        matches!(self, Text::Elided { .. })
    }

    fn held_bytes(&self) -> usize {
        self.as_str().len()
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::Whole(String::new())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        match text.len() > MAX_RECORDED_TEXT {
            true => Text::Elided { bytes: text.len() },
            false => Text::Whole(text),
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        match text.len() > MAX_RECORDED_TEXT {
            true => Text::Elided { bytes: text.len() },
            false => Text::Whole(text.to_string()),
        }
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Whole(text) => serializer.serialize_str(text),
            Text::Elided { bytes } => serde::Serialize::serialize(&elided_text(*bytes), serializer),
        }
    }
}

/// What stands for a text the journal keeps by its size only.
fn elided_text(bytes: usize) -> J {
    json!({"elided": "long text", "bytes": bytes})
}

/// A filter as the journal keeps it: by its size only past [`MAX_RECORDED_TEXT`] of
/// JSON, as a text is.
pub fn recorded_filter(filter: J) -> J {
    let bytes = filter.to_string().len();
    match bytes > MAX_RECORDED_TEXT {
        true => elided_text(bytes),
        false => filter,
    }
}

/// What a call asked, shared by the entries of repeated calls answered from the cache.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    pub service: Text,
    pub method: Text,
    /// A REST nested path's segments (`["SoftLayer_Account", "getTickets", "5"]`): the
    /// call fetched what the path picks its answer from, so `replay` sends the path.
    pub path: Option<Vec<Text>>,
    /// `POST`, `PUT` or `DELETE` for a REST call of that verb refused for the method or
    /// service its path names (a GET of the path reads); otherwise null.
    pub verb: Option<&'static str>,
    pub user: Option<String>,
    pub account: Option<i64>,
    pub init_id: Option<J>,
    pub mask: Option<Text>,
    pub filter: Option<J>,
    pub result_limit: Option<J>,
    pub args: J,
}

/// One journal entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: u64,
    /// The emulator's clock, milliseconds since the epoch.
    pub at_ms: i64,
    pub transport: &'static str,
    pub call: Option<Arc<CallRecord>>,
    /// `(class, message)` for a fault.
    pub fault: Option<(String, Text)>,
    pub injected: Option<u64>,
    pub status: u16,
    pub duration_ms: f64,
    pub reply_bytes: u64,
    pub cached: bool,
    pub total: Option<u64>,
    /// The reply's `X-SoftLayer-Emulator-Warning`s: what the emulator ignored in the call.
    pub warnings: Vec<String>,
    /// The reply, when it was small enough to keep.
    pub reply: Option<RecordedReply>,
}

/// A reply as the journal keeps it: JSON text, or the body that was sent, read back into
/// JSON only when the journal is read. Writing every XML-RPC and SOAP reply as JSON when
/// it was sent was 6-7% of an uncached getObject, and most entries are never read. A
/// body is the buffer that was sent (shared, not copied).
#[derive(Debug, Clone)]
pub enum RecordedReply {
    /// JSON text written for the journal (a reply with secrets redacted, REST's `.xml`
    /// and `.txt`).
    Json(Arc<str>),
    /// A whole REST `.json` body: the value as JSON.
    JsonBody(bytes::Bytes),
    /// A whole XML-RPC reply (`params` with one `param`).
    XmlRpc(bytes::Bytes),
    /// A whole SOAP envelope.
    Soap(bytes::Bytes),
}

impl RecordedReply {
    /// The reply as JSON; `None` past [`MAX_RECORDED_REPLY`] bytes of JSON text.
    pub fn json(&self) -> Option<J> {
        let value = match self {
            RecordedReply::Json(text) => return serde_json::from_str(text).ok(),
            RecordedReply::JsonBody(body) => return serde_json::from_slice(body).ok(),
            RecordedReply::XmlRpc(body) => crate::protocol::xmlrpc::reply_value(body)?,
            RecordedReply::Soap(body) => crate::protocol::soap::reply_value(body)?,
        };
        let text = value.to_json();
        if text.len() > MAX_RECORDED_REPLY {
            return None;
        }
        serde_json::from_slice(&text).ok()
    }

    fn held_bytes(&self) -> usize {
        match self {
            RecordedReply::Json(text) => text.len(),
            // The buffer the body was written into, grown by doubling: up to twice its
            // length (the allocator gives back nothing when it is shrunk by half or less).
            RecordedReply::JsonBody(body)
            | RecordedReply::XmlRpc(body)
            | RecordedReply::Soap(body) => 2 * body.len(),
        }
    }
}

impl Entry {
    pub fn to_json(&self) -> J {
        let mut out = json!({
            "id": self.id,
            "time": chrono::DateTime::from_timestamp_millis(self.at_ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            "transport": self.transport,
        });
        let o = out.as_object_mut().expect("an object");
        match &self.call {
            Some(call) => {
                if let J::Object(fields) = serde_json::to_value(&**call).unwrap_or(J::Null) {
                    o.extend(fields);
                }
            }
            // A call refused before it was read whole: every part of a call, null, so
            // that an entry always has the same keys (`entry["user"]` never fails).
            None => {
                if let J::Object(fields) =
                    serde_json::to_value(CallRecord::default()).unwrap_or(J::Null)
                {
                    o.extend(fields.into_iter().map(|(key, _)| (key, J::Null)));
                }
            }
        }
        o.insert(
            "outcome".into(),
            json!(if self.fault.is_some() { "fault" } else { "ok" }),
        );
        o.insert(
            "fault".into(),
            match &self.fault {
                Some((class, message)) => json!({"class": class, "message": message}),
                None => J::Null,
            },
        );
        o.insert("injected".into(), json!(self.injected));
        o.insert("status".into(), json!(self.status));
        o.insert("durationMs".into(), json!(self.duration_ms));
        o.insert("replyBytes".into(), json!(self.reply_bytes));
        o.insert("cached".into(), json!(self.cached));
        o.insert("total".into(), json!(self.total));
        o.insert("warnings".into(), json!(self.warnings));
        o.insert(
            "reply".into(),
            self.reply
                .as_ref()
                .and_then(RecordedReply::json)
                .unwrap_or(J::Null),
        );
        out
    }

    fn user(&self) -> Option<&str> {
        self.call.as_ref()?.user.as_deref()
    }
}

/// What a journal read selects.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub transport: Option<String>,
    pub service: Option<String>,
    pub method: Option<String>,
    pub user: Option<String>,
    pub account: Option<i64>,
    pub fault: Option<FaultFilter>,
    /// Entries after this id, or at or after this time (ISO 8601).
    pub since_id: Option<u64>,
    pub since_ms: Option<i64>,
    pub offset: usize,
    pub limit: usize,
}

/// The `fault=` of a journal query, read once from its text.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultFilter {
    /// `true`: faults only; `false`: successes only.
    Faulted(bool),
    /// Faults of this class (matched in any case).
    Class(String),
}

impl FaultFilter {
    /// `true`/`false` (or 1/0, yes/no) or a class the journal gives faults (`SoftLayer_…`,
    /// or an outcome that is no exception: `HTTP 503`, `connection closed` …), in any
    /// case; `None` for anything else, which matched nothing (a misspelt `true`, so that
    /// a test asserting no fault passed).
    pub fn parse(text: &str) -> Option<FaultFilter> {
        use crate::fault::{OUTCOME_CLIENT_CLOSED, OUTCOME_CONNECTION_CLOSED, OUTCOME_CUT_SHORT};
        let lower = text.to_ascii_lowercase();
        let http_status =
            |status: &str| status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit());
        match lower.as_str() {
            "true" | "1" | "yes" => Some(FaultFilter::Faulted(true)),
            "false" | "0" | "no" => Some(FaultFilter::Faulted(false)),
            class
                if class.starts_with("softlayer_")
                    || class.strip_prefix("http ").is_some_and(http_status)
                    || [
                        OUTCOME_CLIENT_CLOSED,
                        OUTCOME_CONNECTION_CLOSED,
                        OUTCOME_CUT_SHORT,
                    ]
                    .contains(&class) =>
            {
                Some(FaultFilter::Class(text.into()))
            }
            _ => None,
        }
    }

    fn matches(&self, fault: Option<&(String, Text)>) -> bool {
        match self {
            FaultFilter::Faulted(faulted) => fault.is_some() == *faulted,
            FaultFilter::Class(class) => fault.is_some_and(|(c, _)| c.eq_ignore_ascii_case(class)),
        }
    }
}

impl Query {
    fn matches(&self, e: &Entry) -> bool {
        let call = e.call.as_deref();
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_ref()
                .is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        eq(&self.transport, Some(e.transport))
            && eq(&self.service, call.map(|c| c.service.as_str()))
            && eq(&self.method, call.map(|c| c.method.as_str()))
            // Usernames are told apart by case, as logins are: `DEMO` is another
            // account's user than `demo`, whose rule and journal it reached.
            && self.user.as_ref().is_none_or(|w| e.user() == Some(w.as_str()))
            && self
                .account
                .is_none_or(|a| call.and_then(|c| c.account) == Some(a))
            && self
                .fault
                .as_ref()
                .is_none_or(|f| f.matches(e.fault.as_ref()))
            && self.since_id.is_none_or(|id| e.id > id)
            && self.since_ms.is_none_or(|t| e.at_ms >= t)
    }
}

/// The kept calls, oldest first, each with what it holds, and the sum of those.
struct Kept {
    entries: VecDeque<(Arc<Entry>, usize)>,
    bytes: usize,
}

/// What an entry holds beyond its fixed fields: the text of its reply, fault, mask and
/// filter, and of its arguments (strings by their length, other values by a few bytes).
/// An estimate, close enough to bound the journal by.
pub(crate) fn held_bytes(e: &Entry) -> usize {
    // Measured against the allocator's live bytes (10,000 entries of a mixed soak held
    // 17.2 MB where a text-length count said 6.8): a JSON value is 32 bytes before what
    // it points to, and each allocation rounds up.
    fn json_bytes(v: &J) -> usize {
        48 + match v {
            J::String(s) => s.len(),
            J::Array(items) => items.iter().map(json_bytes).sum(),
            J::Object(members) => members.iter().map(|(k, v)| k.len() + json_bytes(v)).sum(),
            _ => 0,
        }
    }
    let call = e.call.as_deref().map_or(0, |c| {
        c.service.held_bytes()
            + c.method.held_bytes()
            + c.mask.as_ref().map_or(0, Text::held_bytes)
            + c.path.iter().flatten().map(Text::held_bytes).sum::<usize>()
            + [&c.init_id, &c.filter, &c.result_limit]
                .into_iter()
                .flatten()
                .map(json_bytes)
                .sum::<usize>()
            + json_bytes(&c.args)
    });
    let fault = e
        .fault
        .as_ref()
        .map_or(0, |(c, m)| c.len() + m.held_bytes())
        + e.warnings.iter().map(String::len).sum::<usize>();
    768 + call + fault + e.reply.as_ref().map_or(0, RecordedReply::held_bytes)
}

pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    entries: Mutex<Kept>,
    next_id: AtomicU64,
    file: Option<Mutex<JournalFile>>,
}

/// Where `--journal` appends its lines.
struct JournalFile {
    file: std::fs::File,
    /// A pipe or device ([`reads_back`] false): written without blocking, never cut back.
    pipe: bool,
    /// The rest of a line a pipe took only part of (a line over the pipe's atomic 4 KiB
    /// meeting a full pipe), written before any other line: dropped, or followed by the
    /// next line, it joined two lines into one that is no JSON, and `| jq` stopped there.
    unfinished: Vec<u8>,
    /// The pipe holds the start of a line whose rest was dropped (its reader went away
    /// mid-line). The next line written begins with a line break: a reader opening the
    /// pipe again reads that start first, and it was joined to the next whole line.
    ends_mid_line: bool,
}

impl JournalFile {
    /// Appends `line`, whole or not at all as far as a reader can tell.
    fn append(&mut self, line: &[u8]) {
        if !self.pipe {
            let before = self.file.metadata().map(|m| m.len());
            if let Err(e) = self.file.write_all(line) {
                // Part of a line (a full disk) is taken back, so the lines appended once
                // there is room again are not joined to it: `replay` refused the file.
                if let Ok(len) = before {
                    let _ = self.file.set_len(len);
                }
                tracing::warn!("journal file: {e}");
            }
            return;
        }
        if !self.finish_cut_line() {
            tracing::warn!(
                "journal file: the pipe is full, still finishing an earlier line; a line \
                 was dropped"
            );
            return;
        }
        let broken_line;
        let line = if self.ends_mid_line {
            broken_line = [b"\n", line].concat();
            &broken_line[..]
        } else {
            line
        };
        let (written, open) = self.write_some(line);
        if written > 0 {
            self.ends_mid_line = !open && written < line.len() && self.holds_unread_bytes();
        }
        if !open {
            return;
        }
        if written == 0 {
            tracing::warn!("journal file: the pipe is full; a line was dropped");
        } else if written < line.len() {
            self.unfinished = line[written..].to_vec();
        }
    }

    /// Writes what the pipe takes now of the rest of a line it took only part of;
    /// whether none is left.
    fn finish_cut_line(&mut self) -> bool {
        if !self.unfinished.is_empty() {
            let rest = std::mem::take(&mut self.unfinished);
            let (written, open) = self.write_some(&rest);
            // A pipe whose reader has gone takes no more of it, ever: tried again once a
            // second, it filled the log with "Broken pipe".
            if open {
                self.unfinished = rest[written..].to_vec();
            } else {
                self.ends_mid_line = self.holds_unread_bytes();
            }
        }
        self.unfinished.is_empty()
    }

    /// Whether the pipe, its reader gone, still holds bytes no reader took: the start of
    /// the line left cut. A reader that took it before it went left nothing to end, and
    /// the next reader's first line was empty.
    fn holds_unread_bytes(&self) -> bool {
        unread_in_pipe(&self.file) != Some(0)
    }

    /// Writes as much of `bytes` as the pipe takes now: how much that was, and whether
    /// the pipe may take more later (it is full, not broken).
    fn write_some(&mut self, bytes: &[u8]) -> (usize, bool) {
        let mut written = 0;
        while written < bytes.len() {
            match self.file.write(&bytes[written..]) {
                Ok(0) => break,
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    tracing::warn!("journal file: {e}");
                    return (written, false);
                }
            }
        }
        (written, true)
    }
}

impl Journal {
    /// A journal keeping `capacity` calls, also appending them to `file` when given.
    /// Calls appended to a file that has some already are numbered after the last of
    /// them ([`last_recorded_id`]).
    pub fn new(capacity: usize, file: Option<&std::path::Path>) -> std::io::Result<Journal> {
        let mut first_id = 1;
        let file = match file {
            Some(path) => {
                let in_path = |e: std::io::Error| {
                    std::io::Error::new(e.kind(), format!("--journal {}: {e}", path.display()))
                };
                let regular = reads_back(path);
                let file = if regular {
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .read(true)
                        .open(path)
                        .map_err(in_path)?
                } else {
                    open_pipe(path).map_err(in_path)?
                };
                if regular {
                    // Two servers appending to one file each numbered from the same last
                    // id, and the file's ids repeated. The lock is the operating system's
                    // and goes with the process, so a killed server leaves none behind.
                    file.try_lock().map_err(|e| match e {
                        std::fs::TryLockError::WouldBlock => in_path(std::io::Error::new(
                            std::io::ErrorKind::ResourceBusy,
                            "another process is writing it (a server started with the same \
                             --journal); give each server a file of its own",
                        )),
                        std::fs::TryLockError::Error(e) => in_path(e),
                    })?;
                    is_a_journal(&file).map_err(in_path)?;
                    first_id = last_recorded_id(&file).map_err(in_path)? + 1;
                    end_a_cut_line(&file).map_err(in_path)?;
                }
                Some(Mutex::new(JournalFile {
                    file,
                    pipe: !regular,
                    unfinished: Vec::new(),
                    ends_mid_line: false,
                }))
            }
            None => None,
        };
        Ok(Journal {
            capacity,
            max_bytes: MAX_HELD_BYTES,
            entries: Mutex::new(Kept {
                entries: VecDeque::with_capacity(capacity.min(DEFAULT_CAPACITY)),
                bytes: 0,
            }),
            next_id: AtomicU64::new(first_id),
            file,
        })
    }

    /// Finishes a line a pipe took only part of, if the pipe has room now: the next
    /// line would, but an idle server wrote none, and its reader waited on half a line.
    pub fn finish_cut_line(&self) {
        if let Some(file) = &self.file {
            file.lock()
                .unwrap_or_else(|p| p.into_inner())
                .finish_cut_line();
        }
    }

    /// At exit: waits up to `wait` for the pipe's reader to take the rest of a line it
    /// took only part of (`| jq` stopped at the cut line).
    pub fn finish_cut_line_before_exit(&self, wait: std::time::Duration) {
        let Some(file) = &self.file else {
            return;
        };
        let until = std::time::Instant::now() + wait;
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        while !file.finish_cut_line() {
            if std::time::Instant::now() >= until {
                tracing::warn!(
                    "journal file: the pipe's reader took no more for {wait:?}; its last line \
                     is left cut"
                );
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Whether calls are appended to a file too: each line needs its reply as JSON at once.
    pub fn writes_file(&self) -> bool {
        self.file.is_some()
    }

    /// Records `entry` under the next id (its own `id` is replaced). The id is taken under
    /// the lock that places the entry (the file's, else the ring's), so the file and the
    /// ring hold entries in id order: taken before, two calls ending together were placed
    /// out of order, and a reader of the newest entries (`since`, the pytest plugin's
    /// `journal()`) missed one that had finished.
    pub fn record(&self, mut entry: Entry) {
        let mut file = self
            .file
            .as_ref()
            .map(|f| f.lock().unwrap_or_else(|p| p.into_inner()));
        let kept = match file {
            Some(_) => None,
            None => Some(self.entries.lock().unwrap_or_else(|p| p.into_inner())),
        };
        entry.id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let entry = Arc::new(entry);
        if let Some(file) = &mut file {
            // A line per call, in one write: a crashed server still leaves its journal.
            let line = format!("{}\n", entry.to_json());
            file.append(line.as_bytes());
        }
        if self.capacity == 0 {
            return;
        }
        let bytes = held_bytes(&entry);
        // With a file, its lock is still held: the ring takes entries in the same order.
        let mut kept =
            kept.unwrap_or_else(|| self.entries.lock().unwrap_or_else(|p| p.into_inner()));
        while !kept.entries.is_empty()
            && (kept.entries.len() >= self.capacity || kept.bytes + bytes > self.max_bytes)
        {
            if let Some((_, gone)) = kept.entries.pop_front() {
                kept.bytes -= gone;
            }
        }
        kept.bytes += bytes;
        kept.entries.push_back((entry, bytes));
    }

    /// The same journal keeping at most `max_bytes` (see [`MAX_HELD_BYTES`]).
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Journal {
        self.max_bytes = max_bytes;
        self
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entries
            .len()
    }

    /// What the kept calls hold, as [`held_bytes`] counts it.
    pub fn held(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes the kept calls, or those up to the id `through` (what a person was asked
    /// about: calls that came in after the question are kept); how many went.
    pub fn clear(&self, through: Option<u64>) -> usize {
        let mut kept = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let before = kept.entries.len();
        match through {
            None => {
                kept.entries.clear();
                kept.bytes = 0;
            }
            Some(last) => {
                // Kept in the order they came, ids rising.
                while kept.entries.front().is_some_and(|(e, _)| e.id <= last) {
                    if let Some((_, bytes)) = kept.entries.pop_front() {
                        kept.bytes -= bytes;
                    }
                }
            }
        }
        before - kept.entries.len()
    }

    /// The entries matching `q`, newest first, paged; and how many match in all.
    pub fn query(&self, q: &Query) -> (Vec<Arc<Entry>>, usize) {
        let kept = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let matching: Vec<&Arc<Entry>> = kept
            .entries
            .iter()
            .rev()
            .map(|(e, _)| e)
            .filter(|e| q.matches(e))
            .collect();
        let total = matching.len();
        let page = matching
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .cloned()
            .collect();
        (page, total)
    }
}

/// How much of a journal file's end [`last_recorded_id`] reads first: a few dozen lines
/// of calls with replies of the largest recorded size, hundreds of ordinary ones.
const TAIL_BYTES: u64 = 1024 * 1024;
/// How much it reads at most, looking for one whole line (arguments are recorded up to
/// 64 KiB each, so a line may be longer than [`TAIL_BYTES`]).
const MAX_TAIL_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses a file that holds something other than journal lines: a typo naming another
/// server's database, a snapshot, an export or a saved reply (whose objects begin
/// `{"id":` too) had every call appended to the end of it. A journal's first line begins
/// `{"id":N,"time":` (blanks anywhere in that, a byte-order mark before it, or the line
/// cut short there by a crash, still make one).
fn is_a_journal(file: &std::fs::File) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    const READ: u64 = 64 * 1024;
    let mut head = Vec::new();
    let mut reader = file;
    reader.seek(std::io::SeekFrom::Start(0))?;
    reader.take(READ).read_to_end(&mut head)?;
    let whole = (head.len() as u64) < READ;
    let text = head.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&head);
    let start: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .take(64)
        .collect();
    if journal_line_start(&start, whole) {
        return Ok(());
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        if head.starts_with(b"SQLite format 3\0") {
            "it is a SQLite database, not a journal: name a new file or an earlier journal"
        } else {
            "it holds no journal lines (JSON objects, one per line, each beginning \
             {\"id\":N,\"time\":): name a new file or an earlier journal"
        },
    ))
}

/// Whether `start` (a first line's bytes, blanks taken out) begins `{"id":N,"time":`, or,
/// for a file read `whole`, is that cut short (an empty file too).
fn journal_line_start(start: &[u8], whole: bool) -> bool {
    let cut = |rest: &[u8], expected: &[u8]| whole && expected.starts_with(rest);
    let Some(rest) = start.strip_prefix(b"{\"id\":") else {
        return cut(start, b"{\"id\":");
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = &rest[digits..];
    if digits == 0 {
        return after.is_empty() && whole;
    }
    after.starts_with(b",\"time\":") || cut(after, b",\"time\":")
}

/// Whether `--journal` names a regular file (or one still to be made), which is locked
/// and read back for its last id. `/dev/null` or a pipe (`--journal /dev/stdout | jq`)
/// holds no calls and cannot be sought in ("Illegal seek"), a lock on a device would hold
/// off every other server on the machine, and a pipe opened and closed again (to check
/// it) ends its reader's read.
pub fn reads_back(path: &std::path::Path) -> bool {
    std::fs::metadata(path).map_or(true, |m| m.is_file())
}

/// A pipe or device named by `--journal` (`/dev/stdout`, a FIFO), opened for writing
/// only and without blocking: a FIFO no process reads is refused at once (opened to read
/// as well, the server was its own reader, and once the pipe's buffer was full every
/// call waited on the journal), and a line the pipe has no room for is not written
/// (logged) rather than holding the calls up.
fn open_pipe(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ENXIO) {
            use std::os::unix::fs::FileTypeExt;
            // A socket (stdout under systemd, a socketpair) cannot be opened by name at
            // all, reader or not.
            if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                return std::io::Error::new(
                    e.kind(),
                    "it is a socket, which cannot be opened by name; give a file, or a \
                     pipe (serve … --journal /dev/stdout | cat)",
                );
            }
            return std::io::Error::new(
                e.kind(),
                "no process reads this pipe; start its reader first",
            );
        }
        e
    })
}

/// UTF-8's byte-order mark, which an editor may put before a journal's first line.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// The highest call id among the whole lines at the end of a journal file, 0 when there
/// is none (an empty file, or one whose end holds no line that reads as a call). Only the
/// end is read: a server appending to a file of millions of calls starts at once. The
/// highest, not the last: earlier versions wrote ids near the end a little out of order.
fn last_recorded_id(file: &std::fs::File) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    #[derive(serde::Deserialize)]
    struct Recorded {
        id: u64,
    }
    let len = file.metadata()?.len();
    let mut tail_bytes = TAIL_BYTES;
    loop {
        let start = len.saturating_sub(tail_bytes);
        let mut reader = file;
        reader.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        reader.take(len - start).read_to_end(&mut tail)?;
        let mut lines = tail.split(|&b| b == b'\n');
        if start > 0 {
            // The end of a line that begins before the tail.
            lines.next();
        }
        let highest = lines
            // The file's first line may begin with a byte-order mark (`is_a_journal` takes
            // it): a one-line journal so begun restarted the ids at 1.
            .map(|line| line.strip_prefix(BYTE_ORDER_MARK).unwrap_or(line))
            .filter_map(|line| serde_json::from_slice::<Recorded>(line).ok())
            .map(|call| call.id)
            .max();
        match highest {
            Some(id) => return Ok(id),
            None if start == 0 || tail_bytes >= MAX_TAIL_BYTES => return Ok(0),
            None => tail_bytes *= 4,
        }
    }
}

/// The bytes written to the pipe `file` that no reader has taken yet (`FIONREAD`).
fn unread_in_pipe(file: &std::fs::File) -> Option<usize> {
    use std::os::fd::AsRawFd as _;
    let mut unread: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the pointer.
    let done = unsafe { libc::ioctl(file.as_raw_fd(), libc::FIONREAD, &mut unread) };
    (done == 0).then(|| usize::try_from(unread).ok()).flatten()
}

/// Ends the file's last line when a crash cut it (it does not end in a line feed), so
/// that the calls appended next begin lines of their own: joined to the fragment, the
/// first of them would be lost too, and `replay` skips the fragment alone.
fn end_a_cut_line(file: &std::fs::File) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom, Write};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut reader = file;
    reader.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8];
    reader.read_exact(&mut last)?;
    if last[0] != b'\n' {
        // Appending: the line feed goes at the end whatever the position.
        let mut writer = file;
        writer.write_all(b"\n")?;
    }
    Ok(())
}

/// A value for the journal: secrets redacted, file contents elided to their size, and
/// base64 where the schema declares text recorded as the text it is (Perl's clients send
/// every non-ASCII string as base64, and the call means the text, as its reply shows).
/// `name` is the parameter or member name the value sits under; `declared` its type in
/// the schema (`string`, `base64Binary`, `SoftLayer_Ticket_Update[]`), when known.
pub fn redact(name: &str, value: &crate::value::Value, declared: Option<&str>) -> J {
    use crate::value::Value;
    // A blank one (PHP's null) keeps nothing: left as it is, the call can be replayed.
    let blank = value.is_null() || matches!(value, Value::String(s) if s.is_empty());
    if crate::secrets::named_secret(name) && !blank {
        return json!("[redacted]");
    }
    // softlayer-go sends a file's `[]byte` as an array of byte values (README, clients),
    // and REST takes that form too: it is the file's contents, elided as base64 is.
    if declared == Some("base64Binary")
        && let Value::Array(items) = value
    {
        return json!({"elided": "file data", "bytes": items.len()});
    }
    let declared = declared.map(|t| t.trim_end_matches("[]"));
    match value {
        Value::Base64(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) if declared == Some("string") => recorded_text(text),
            _ => json!({"elided": "file data", "bytes": bytes.len()}),
        },
        // A file's contents travel as base64 text over REST, and as text from some
        // XML-RPC clients: elided by what the schema says they are, whatever the wire.
        Value::String(s) if declared == Some("base64Binary") => {
            let bytes = crate::value::decode_base64(s).map_or(s.len() * 3 / 4, |b| b.len());
            json!({"elided": "file data", "bytes": bytes})
        }
        Value::String(s) => recorded_text(s),
        Value::Struct(members) => {
            let t = declared.and_then(|t| crate::schema::schema().type_def(t));
            let mut out = serde_json::Map::new();
            for (k, v) in members {
                let member_type = t.and_then(|t| t.property(k)).map(|p| p.type_name.as_str());
                out.insert(k.clone(), redact(k, v, member_type));
            }
            J::Object(out)
        }
        Value::Array(items) => J::Array(items.iter().map(|v| redact(name, v, declared)).collect()),
        other => J::from(other),
    }
}

/// Whether every argument reads as its parameter's type, as dispatch converts it (blank
/// text and an empty struct stand for a missing list or object, PHP's nulls), with none
/// past the last parameter: a password given where `attachmentId` goes is not one.
pub fn args_fit(parameters: &[crate::schema::ParameterDef], args: &[crate::value::Value]) -> bool {
    crate::services::args_past(parameters.len(), args) == 0
        && parameters
            .iter()
            .zip(args)
            .all(|(p, v)| crate::schema::coerce::coerce(v, &p.type_ref).is_ok())
}

/// An argument with every text in it redacted (and file contents elided): a credential
/// sent where the signature does not put one cannot be told from the text beside it.
pub fn redact_text(value: &crate::value::Value) -> J {
    use crate::value::Value;
    match value {
        Value::String(_) | Value::DateTime(_) => json!("[redacted]"),
        Value::Base64(bytes) => json!({"elided": "file data", "bytes": bytes.len()}),
        Value::Struct(members) => J::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), redact_text(v)))
                .collect(),
        ),
        Value::Array(items) => J::Array(items.iter().map(redact_text).collect()),
        other => J::from(other),
    }
}

/// Text as the journal keeps it: whole up to [`MAX_RECORDED_TEXT`], else its size. The
/// journal keeps 10,000 calls: whole 16 MiB arguments would make it hold gigabytes (issue
/// 10); replay skips elided calls as it does file data.
fn recorded_text(text: &str) -> J {
    if text.len() > MAX_RECORDED_TEXT {
        json!({"elided": "long text", "bytes": text.len()})
    } else {
        json!(text)
    }
}

/// Replaces `members` of a reply (an object, or each object of a list) with
/// `"[redacted]"`: the reply of a login carries a token that authenticates.
pub fn redact_members(reply: &mut J, members: &[&str]) {
    match reply {
        J::Object(o) => {
            for m in members {
                if let Some(v) = o.get_mut(*m)
                    && !v.is_null()
                {
                    *v = json!("[redacted]");
                }
            }
        }
        J::Array(items) => items.iter_mut().for_each(|v| redact_members(v, members)),
        _ => {}
    }
}

/// Replaces `members` with `"[redacted]"` wherever they are in a reply, however deep:
/// a user's API key reached through a mask (`users.apiAuthenticationKeys`).
pub fn redact_members_deep(reply: &mut J, members: &[&str]) {
    match reply {
        J::Object(o) => {
            for (name, v) in o.iter_mut() {
                if members.contains(&name.as_str()) && !v.is_null() {
                    *v = json!("[redacted]");
                } else {
                    redact_members_deep(v, members);
                }
            }
        }
        J::Array(items) => items
            .iter_mut()
            .for_each(|v| redact_members_deep(v, members)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key is redacted at any depth, in objects and lists; a null stays null and other
    /// members are left.
    #[test]
    fn members_are_redacted_however_deep() {
        let mut reply = json!([{"id": 1, "users": [{"apiAuthenticationKeys": [
            {"id": 5001, "authenticationKey": "0123abcd"},
            {"id": 5002, "authenticationKey": null}
        ]}], "assignedUser": {"apiAuthenticationKeys": [{"authenticationKey": "k"}]}}]);
        redact_members_deep(&mut reply, &["authenticationKey"]);
        assert_eq!(
            reply,
            json!([{"id": 1, "users": [{"apiAuthenticationKeys": [
                {"id": 5001, "authenticationKey": "[redacted]"},
                {"id": 5002, "authenticationKey": null}
            ]}], "assignedUser": {"apiAuthenticationKeys": [{"authenticationKey": "[redacted]"}]}}])
        );
    }

    /// A reader that goes away mid-line leaves the next line to begin with a line break
    /// only when the pipe still holds the cut start: a reader that took the start before
    /// it went left nothing to end, and the next reader's first line was empty.
    #[test]
    fn a_cut_line_is_ended_only_while_the_pipe_holds_it() {
        use std::io::Read as _;
        use std::os::fd::FromRawFd as _;
        let cut_journal = || {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: pipe writes two descriptors, owned by the files made of them.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            let (reader, mut writer) = unsafe {
                (
                    std::fs::File::from_raw_fd(fds[0]),
                    std::fs::File::from_raw_fd(fds[1]),
                )
            };
            writer.write_all(b"{\"id\":3,").unwrap();
            let journal = JournalFile {
                file: writer,
                pipe: true,
                unfinished: b"\"t\":1}\n".to_vec(),
                ends_mid_line: false,
            };
            (reader, journal)
        };
        // The reader took the start, then went.
        let (mut reader, mut journal) = cut_journal();
        let mut start = [0u8; 8];
        reader.read_exact(&mut start).unwrap();
        drop(reader);
        journal.finish_cut_line();
        assert!(!journal.ends_mid_line);
        // It went without taking it: the start is there for the next reader to read.
        let (reader, mut journal) = cut_journal();
        drop(reader);
        journal.finish_cut_line();
        assert!(journal.ends_mid_line);
    }

    /// The highest id among the whole lines at a file's end; a line cut by a crash, or a
    /// file with none, counts nothing.
    #[test]
    fn a_journal_file_is_numbered_on_from_its_last_lines() {
        let dir = std::env::temp_dir().join(format!("journal-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calls.jsonl");
        let last_id = |text: &str| {
            std::fs::write(&path, text).unwrap();
            last_recorded_id(&std::fs::File::open(&path).unwrap()).unwrap()
        };
        assert_eq!(last_id(""), 0);
        assert_eq!(last_id("{\"id\": 1}\n{\"id\": 3}\n{\"id\": 2}\n"), 3);
        assert_eq!(last_id("{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, \"tr"), 2);
        assert_eq!(last_id("not a call\n"), 0);
        // Other contents are no journal to append to.
        assert!(Journal::new(0, Some(&path)).is_err());
        // A byte-order mark before the first line, its only one.
        assert_eq!(last_id("\u{FEFF}{\"id\":7,\"time\":\"a\"}\n"), 7);
        // A saved reply's object begins {"id": too.
        assert_eq!(last_id("{\"id\":160000001,\"title\":\"x\"}"), 160000001);
        assert!(Journal::new(0, Some(&path)).is_err());
        assert_eq!(last_id("{ \"id\" : 4, \"ti"), 0);
        let journal = Journal::new(0, Some(&path)).unwrap();
        assert_eq!(journal.next_id.load(Ordering::Relaxed), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    use crate::value::Value;

    /// What the schema declares decides, not the wire: a file's base64 text (REST, or an
    /// XML-RPC string) is elided as its bytes are, and base64 where text is declared (Perl's
    /// clients) is the text.
    #[test]
    fn file_data_and_text_are_recorded_by_their_declared_type() {
        let file: crate::value::Struct = [
            ("filename".to_string(), Value::from("a.txt")),
            ("data".to_string(), Value::from("aGVsbG8g\nd29ybGQ")),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            redact(
                "attachedFiles",
                &Value::Array(vec![Value::Struct(file)]),
                Some("SoftLayer_Container_Utility_File_Attachment[]")
            ),
            json!([{"filename": "a.txt", "data": {"elided": "file data", "bytes": 11}}])
        );
        let update: crate::value::Struct = [(
            "entry".to_string(),
            Value::Base64("grüße".as_bytes().to_vec()),
        )]
        .into_iter()
        .collect();
        assert_eq!(
            redact(
                "templateObject",
                &Value::Struct(update),
                Some("SoftLayer_Ticket_Update")
            ),
            json!({"entry": "grüße"})
        );
        // Bytes that are not text stay elided even where text is declared.
        assert_eq!(
            redact("title", &Value::Base64(vec![0xff, 0xfe]), Some("string")),
            json!({"elided": "file data", "bytes": 2})
        );
        // softlayer-go's []byte: an array of byte values is the file's contents too.
        let bytes: crate::value::Struct = [
            ("filename".to_string(), Value::from("go.txt")),
            (
                "data".to_string(),
                Value::Array((0..300).map(|i| Value::Int(i % 256)).collect()),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            redact(
                "file",
                &Value::Struct(bytes),
                Some("SoftLayer_Container_Utility_File_Attachment")
            ),
            json!({"filename": "go.txt", "data": {"elided": "file data", "bytes": 300}})
        );
    }

    #[test]
    fn secrets_and_file_data_stay_out_of_the_journal() {
        let file: crate::value::Struct = [
            ("filename".to_string(), Value::from("log.txt")),
            ("data".to_string(), Value::Base64(vec![0; 300])),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            redact(
                "attachedFiles",
                &Value::Array(vec![Value::Struct(file)]),
                None
            ),
            json!([{"filename": "log.txt", "data": {"elided": "file data", "bytes": 300}}])
        );
        assert_eq!(
            redact("password", &Value::from("hunter2"), Some("string")),
            json!("[redacted]")
        );
        assert_eq!(
            redact("securityQuestionAnswer", &Value::from("Rex"), None),
            json!("[redacted]")
        );
        let auth: crate::value::Struct = [("apiKey".to_string(), Value::from("k"))]
            .into_iter()
            .collect();
        assert_eq!(
            redact("x", &Value::Struct(auth), None),
            json!({"apiKey": "[redacted]"})
        );
    }

    /// Calls recorded at once from many threads are numbered in the order they are placed,
    /// in the ring and in the file alike: numbered first, two calls ending together were
    /// placed out of order, and a reader of the newest (`since`, the pytest plugin's
    /// `journal()`, which stops at the first page's newest id) missed one that had ended.
    #[test]
    fn calls_are_numbered_in_the_order_they_are_kept() {
        let dir = std::env::temp_dir().join(format!("journal-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("calls.jsonl");
        for file in [None, Some(path.as_path())] {
            let j = Journal::new(100_000, file).unwrap();
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        for _ in 0..2_000 {
                            j.record(entry("SoftLayer_Ticket", None));
                        }
                    });
                }
            });
            let (newest, total) = j.query(&Query {
                limit: 100_000,
                ..Query::default()
            });
            assert_eq!(total, 16_000);
            let ids: Vec<u64> = newest.iter().map(|e| e.id).collect();
            assert!(
                ids.windows(2).all(|w| w[0] == w[1] + 1),
                "ring out of order"
            );
            if file.is_some() {
                let text = std::fs::read_to_string(&path).unwrap();
                let ids: Vec<u64> = text
                    .lines()
                    .map(|l| {
                        serde_json::from_str::<J>(l).unwrap()["id"]
                            .as_u64()
                            .unwrap()
                    })
                    .collect();
                assert!(
                    ids.windows(2).all(|w| w[0] + 1 == w[1]),
                    "file out of order"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Calls are let go, oldest first, once the kept ones would hold more than the byte
    /// bound, however few they are; the newest is always kept, and clearing frees all.
    #[test]
    fn the_journal_is_bounded_in_bytes_as_well_as_in_calls() {
        let j = Journal::new(10_000, None)
            .unwrap()
            .with_max_bytes(1024 * 1024);
        let reply: Arc<str> = Arc::from("x".repeat(50_000));
        for _ in 0..100 {
            let mut e = entry("SoftLayer_Ticket", None);
            e.reply = Some(RecordedReply::Json(reply.clone()));
            j.record(e);
        }
        let last = 100;
        assert!(j.held() <= 1024 * 1024, "{}", j.held());
        assert!((15..=20).contains(&j.len()), "{} kept", j.len());
        let (newest, total) = j.query(&Query {
            limit: 1_000,
            ..Query::default()
        });
        assert_eq!(total, j.len());
        assert_eq!(newest[0].id, last);
        // Ids run without gaps from the oldest kept to the newest.
        assert_eq!(newest.last().unwrap().id, last + 1 - j.len() as u64);
        // One call larger than the bound is kept alone.
        let mut huge = entry("SoftLayer_Ticket", None);
        huge.reply = Some(RecordedReply::Json(Arc::from("y".repeat(2 * 1024 * 1024))));
        j.record(huge);
        assert_eq!(j.len(), 1);
        assert_eq!(j.clear(None), 1);
        assert_eq!(j.held(), 0);
        // Small calls are bounded by their count, as before.
        let j = Journal::new(3, None).unwrap();
        for _ in 0..5 {
            j.record(entry("SoftLayer_Ticket", None));
        }
        assert_eq!(j.len(), 3);
    }

    fn entry(service: &str, fault: Option<&str>) -> Entry {
        Entry {
            id: 0,
            at_ms: 0,
            transport: "xmlrpc",
            call: Some(Arc::new(CallRecord {
                service: service.into(),
                method: "getObject".into(),
                path: None,
                verb: None,
                user: Some("demo".into()),
                account: Some(1001),
                init_id: None,
                mask: None,
                filter: None,
                result_limit: None,
                args: json!([]),
            })),
            fault: fault.map(|c| (c.to_string(), "m".into())),
            injected: None,
            status: 200,
            duration_ms: 0.1,
            reply_bytes: 10,
            cached: false,
            total: None,
            warnings: Vec::new(),
            reply: None,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_and_filters() {
        let j = Journal::new(3, None).unwrap();
        for s in ["A", "B", "C", "D"] {
            let f = (s == "C").then_some("SoftLayer_Exception_Public");
            j.record(entry(s, f));
        }
        let all = Query {
            limit: 10,
            ..Query::default()
        };
        let (page, total) = j.query(&all);
        assert_eq!(total, 3);
        let services: Vec<_> = page
            .iter()
            .map(|e| e.call.as_ref().unwrap().service.as_str())
            .collect();
        assert_eq!(services, ["D", "C", "B"]);
        let faults = Query {
            fault: FaultFilter::parse("true"),
            ..all.clone()
        };
        assert_eq!(j.query(&faults).1, 1);
        let since = Query {
            since_id: Some(3),
            ..all
        };
        assert_eq!(j.query(&since).1, 1);
    }
}
