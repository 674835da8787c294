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
    entries: Mutex<(HashMap<Vec<u8>, Entry>, usize)>,
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
            entries: Mutex::new((HashMap::new(), 0)),
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
        let e = entries.0.get(key)?;
        (e.read_at == now && young(e.at, crate::clock::now_millis()))
            .then(|| (e.body.clone(), e.total))
    }

    /// Keeps a reply read at `read_at` (taken before the read began, so a write or a
    /// clock change that raced the read makes the entry stale at once).
    pub fn put(&self, key: Vec<u8>, read_at: ReadAt, body: Bytes, total: Option<u64>) {
        if !self.enabled || body.len() > MAX_REPLY_BYTES {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.1 + body.len() + key.len() > MAX_BYTES {
            entries.0.clear();
            entries.1 = 0;
        }
        entries.1 += body.len() + key.len();
        let entry = Entry {
            read_at,
            at: crate::clock::now_millis(),
            body,
            total,
        };
        if let Some(old) = entries.0.insert(key, entry) {
            entries.1 = entries.1.saturating_sub(old.body.len());
        }
    }
}
