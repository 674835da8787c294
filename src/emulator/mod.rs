//! What is not the SoftLayer API: the support desk's side of a ticket (SoftLayer's
//! employees reply, assign, move, close and reopen; customers cannot), and what makes the
//! emulator a test harness (accounts on demand, reset and snapshots, a controllable
//! clock, scheduled actions, the notification outbox), offered as an HTTP JSON API under
//! `/_emulator/` guarded by an admin token, and as subcommands; and the support console
//! in the browser at `/_emulator/ui/` that drives it.

pub mod accounts;
pub mod console;
pub mod events;
pub mod faults;
pub mod http;
pub mod journal;
pub mod metrics;
pub mod observer;
pub mod outbox;
pub mod replay;
pub mod scheduler;
pub mod snapshots;
pub mod support;

use std::sync::Arc;

/// The first member of a JSON object not among `known` (`None` for anything but an
/// object, which callers check on their own terms): control bodies and fault rules refuse
/// it, since a misspelt field would otherwise change nothing, silently.
pub(crate) fn unknown_field<'a>(object: &'a serde_json::Value, known: &[&str]) -> Option<&'a str> {
    object
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|k| !known.contains(k))
}

/// How the journal is kept (`serve --journal-size N --journal FILE`).
#[derive(Debug, Clone)]
pub struct JournalOptions {
    pub capacity: usize,
    pub file: Option<std::path::PathBuf>,
}

impl Default for JournalOptions {
    fn default() -> Self {
        JournalOptions {
            capacity: journal::DEFAULT_CAPACITY,
            file: None,
        }
    }
}

/// The harness's state that lives beside the database, one per server.
pub struct Harness {
    pub snapshots: snapshots::Snapshots,
    pub journal: Arc<journal::Journal>,
    pub faults: Arc<faults::Faults>,
    pub metrics: Arc<metrics::Metrics>,
}

impl Harness {
    pub fn new(db: &str, journal: &JournalOptions) -> std::io::Result<Harness> {
        Ok(Harness {
            snapshots: snapshots::Snapshots::for_database(db),
            journal: Arc::new(journal::Journal::new(
                journal.capacity,
                journal.file.as_deref(),
            )?),
            faults: Arc::default(),
            metrics: Arc::default(),
        })
    }

    /// What the request pipeline tells about every call.
    pub fn recorder(&self) -> observer::Recorder {
        observer::Recorder::new(
            self.journal.clone(),
            self.faults.clone(),
            self.metrics.clone(),
        )
    }
}

/// `text`'s UTF-8 bytes, each percent-encoded but ASCII letters, digits and `keep`: a
/// URL's unreserved characters (`-_.~`), or RFC 5987's `attr-char`s for a header.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `len` random hexadecimal digits (API keys, tokens), from the standard library's
/// randomly keyed hasher: the emulator needs unguessable, not cryptographic.
pub fn random_hex(len: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(len);
    out
}
