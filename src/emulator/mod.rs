//! What is not the SoftLayer API: the support desk's side of a ticket (SoftLayer's
//! employees reply, assign, move, close and reopen; customers cannot), and what makes the
//! emulator a test harness (accounts on demand, reset and snapshots, a controllable
//! clock, scheduled actions, the notification outbox), offered as an HTTP JSON API under
//! `/_emulator/` guarded by an admin token, and as subcommands; and the support console
//! in the browser at `/_emulator/ui/` that drives it.

pub mod accounts;
pub mod console;
pub mod events;
pub mod http;
pub mod outbox;
pub mod scheduler;
pub mod snapshots;
pub mod support;

/// The harness's state that lives beside the database, one per server.
pub struct Harness {
    pub snapshots: snapshots::Snapshots,
}

impl Harness {
    pub fn new(db: &str) -> Harness {
        Harness {
            snapshots: snapshots::Snapshots::for_database(db),
        }
    }
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
