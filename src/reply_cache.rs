//! Replies to read calls, kept while the data they were read from is unchanged: client
//! automation polls the same tickets with the same request again and again, and the
//! answer only changes when something is written.
//!
//! An entry is keyed by everything the reply depends on: the endpoint path, the
//! credentials and the request body (headers, mask, filter and arguments are all in
//! it). It is valid while [`Store::version`] is what it was when the reply was read, and
//! for at most [`MAX_AGE`] on the emulator's clock ([`crate::clock`]), so that results that
//! move with the clock ("closed today", `sysdate - 1`) are at most that stale, and setting
//! or advancing the clock (by any amount: [`crate::clock::changes`]) makes every entry
//! stale at once.

use crate::store::Store;
use bytes::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub const MAX_AGE: Duration = Duration::from_secs(1);
/// Replies larger than this are not kept.
const MAX_REPLY_BYTES: usize = 256 * 1024;
/// The cache is emptied when it holds more than this.
const MAX_BYTES: usize = 64 * 1024 * 1024;

pub type Version = (u64, Option<(u64, std::time::SystemTime)>);

/// What a reply was read at: the data's version and the clock's count of changes.
pub type ReadAt = (Version, u64);

/// Now's [`ReadAt`]: taken before a read, so that a write or a clock change racing it
/// makes its entry stale at once.
pub fn read_at(store: &Store) -> ReadAt {
    (store.version(), crate::clock::changes())
}

/// Whether what was read at `at` is still young enough to answer with at `now` (both on
/// the emulator's clock, in milliseconds): at most [`MAX_AGE`], and not from the future
/// (the clock was set back).
pub fn young(at: i64, now: i64) -> bool {
    (0..MAX_AGE.as_millis() as i64).contains(&(now - at))
}

struct Entry {
    read_at: ReadAt,
    /// When it was read, on the emulator's clock (milliseconds).
    at: i64,
    body: Bytes,
    total: Option<u64>,
}

pub struct ReplyCache {
    enabled: bool,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<Vec<u8>, Entry>,
    /// The keys' and bodies' bytes.
    bytes: usize,
    /// When entries past [`MAX_AGE`] were last let go (emulator clock, milliseconds).
    pruned_at: i64,
}

impl Entries {
    /// Drops the entries too old to answer at `now`.
    fn let_go_of_old(&mut self, now: i64) {
        let Entries { by_key, bytes, .. } = self;
        by_key.retain(|key, e| {
            let keep = young(e.at, now);
            if !keep {
                *bytes = bytes.saturating_sub(key.len() + e.body.len());
            }
            keep
        });
        self.pruned_at = now;
    }
}

/// A cache key: the parts, each length-prefixed so that no two requests share one.
pub fn key(parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for p in parts {
        k.extend_from_slice(&(p.len() as u64).to_le_bytes());
        k.extend_from_slice(p);
    }
    k
}

impl ReplyCache {
    pub fn new(enabled: bool) -> ReplyCache {
        ReplyCache {
            enabled,
            entries: Mutex::new(Entries::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The stored reply (body and total) for `key`, if still valid.
    pub fn get(&self, store: &Store, key: &[u8]) -> Option<(Bytes, Option<u64>)> {
        if !self.enabled {
            return None;
        }
        let now = read_at(store);
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let e = entries.by_key.get(key)?;
        (e.read_at == now && young(e.at, crate::clock::now_millis()))
            .then(|| (e.body.clone(), e.total))
    }

    /// Keeps a reply read at `read_at` (taken before the read began, so a write or a
    /// clock change that raced the read makes the entry stale at once).
    pub fn put(&self, key: Vec<u8>, read_at: ReadAt, body: Bytes, total: Option<u64>) {
        if !self.enabled || body.len() > MAX_REPLY_BYTES {
            return;
        }
        let now = crate::clock::now_millis();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // An entry past its age answers nothing again: let go once a second, not kept
        // until the cache is full (after a soak of varied reads it held 2,400 replies
        // that could never be used, and they stayed once the load stopped).
        if !young(entries.pruned_at, now) {
            entries.let_go_of_old(now);
        }
        if entries.bytes + body.len() + key.len() > MAX_BYTES {
            entries.by_key.clear();
            entries.bytes = 0;
        }
        entries.bytes += body.len() + key.len();
        let entry = Entry {
            read_at,
            at: now,
            body,
            total,
        };
        let key_len = key.len();
        if let Some(old) = entries.by_key.insert(key, entry) {
            entries.bytes = entries.bytes.saturating_sub(key_len + old.body.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_past_their_age_are_let_go_with_their_bytes() {
        let mut entries = Entries::default();
        for (key, at) in [(&b"old"[..], 1_000), (&b"new"[..], 2_500)] {
            entries.by_key.insert(
                key.to_vec(),
                Entry {
                    read_at: ((0, None), 0),
                    at,
                    body: Bytes::from_static(b"0123456789"),
                    total: None,
                },
            );
            entries.bytes += key.len() + 10;
        }
        entries.let_go_of_old(2_900);
        assert_eq!(
            entries.by_key.keys().collect::<Vec<_>>(),
            [&b"new".to_vec()]
        );
        assert_eq!((entries.bytes, entries.pruned_at), (13, 2_900));
    }
}
