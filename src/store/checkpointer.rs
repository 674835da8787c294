//! Checkpoints of the write-ahead log on a thread of their own.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the log past a
//! thousand pages: in the writer's critical section, with two fsyncs, while every other
//! writer waits for the connection. In issue 14's profile of `addUpdate` under load
//! that was 8% of the writer's time. Here a thread with a connection of its own copies
//! the log into the database shortly after commits (a passive checkpoint, which never
//! blocks the writer or a reader).
//!
//! The log only starts again from its beginning when a write transaction begins with
//! every frame already copied; under steady writes the next batch has always begun
//! before this thread is done, so that moment never comes by itself. Past
//! [`RESTART_PAGES`] the thread therefore asks the next write to wait a moment
//! ([`Checkpointer::make_way`]) while it copies the rest, and that write restarts the
//! log. The writer keeps SQLite's automatic checkpoint too, at [`BACKSTOP_PAGES`], for
//! when the arrangement cannot finish (a reader still using old frames).

use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Commits are checkpointed together at most this often: a checkpoint copies each
/// changed page once, however many commits changed it in between. Short, so that each
/// checkpoint's fsync has little to wait for and the writer's backstop finds the log
/// copied: with the writer thread (group_commit.rs) taking `addUpdate` past 8,000/s, a
/// 100 ms pause left 20 MB to sync at a time, and the backstop's fsync stalled every
/// write behind it (p99 28 ms at 8,300/s; at 2 ms, 14 ms at 9,000/s, and about a
/// quarter of a core for this thread while writes go on).
const PAUSE: Duration = Duration::from_millis(2);

/// The writer's own automatic checkpoint, from this many pages of log (16 MiB at 4 KiB
/// pages; SQLite's default is 1,000). Issue 10 bounds the log at 32 MB.
pub(super) const BACKSTOP_PAGES: u32 = 4_096;

/// From this many pages of log (8 MiB), the thread has the log start again from its
/// beginning (see [`Checkpointer::make_way`]).
const RESTART_PAGES: i64 = 2_048;

/// The longest writes are held for a restart of the log.
const MAX_HOLD: Duration = Duration::from_millis(50);

struct State {
    /// Commits since the last checkpoint began.
    commits: u64,
    stop: bool,
    /// A writer is holding back for a restart of the log.
    held: bool,
}

/// The checkpoint thread of one database file; stopped when dropped.
pub(super) struct Checkpointer {
    state: Arc<(Mutex<State>, Condvar)>,
    /// The thread wants a moment without writes, to copy the rest of the log: read
    /// without the lock before every write, changed only with the lock held.
    restart_wanted: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path`; `None` (and SQLite's own automatic
    /// checkpoints, as before) if it cannot.
    pub(super) fn start(path: &str) -> Option<Checkpointer> {
        // One checkpoint at once: whatever the log already holds (the seed of a new
        // database, or what a previous run left).
        let state = Arc::new((
            Mutex::new(State {
                commits: 1,
                stop: false,
                held: false,
            }),
            Condvar::new(),
        ));
        let restart_wanted = Arc::new(AtomicBool::new(false));
        let shared = (state.clone(), restart_wanted.clone());
        let started = Connection::open(path)
            .map_err(|e| e.to_string())
            .and_then(|conn| {
                std::thread::Builder::new()
                    .name("checkpointer".into())
                    .spawn(move || run(&conn, &shared.0, &shared.1))
                    .map_err(|e| e.to_string())
            });
        match started {
            Ok(thread) => Some(Checkpointer {
                state,
                restart_wanted,
                thread: Some(thread),
            }),
            Err(e) => {
                tracing::warn!("no checkpoint thread ({e}): the writer checkpoints");
                None
            }
        }
    }

    /// Called before every write transaction begins: when the thread wants the log to
    /// start again, the write waits (at most [`MAX_HOLD`]) while the thread copies the
    /// rest of the log, so that this write starts it from its beginning.
    ///
    /// SQLite starts the log again only at a write that begins with every frame copied
    /// into the database. Under steady writes this thread, copying while writes go on,
    /// rarely gets there, and its checkpoints often keep the writer's own backstop (a
    /// passive checkpoint, which gives up while another runs) from running: under
    /// `bench/writes.sh`'s load the log reached 24-30 MB, near issue 10's 32 MB. With
    /// the arrangement it stays near 12 MB.
    pub(super) fn make_way(&self) {
        if !self.restart_wanted.load(Ordering::Acquire) {
            return;
        }
        let (state, wake) = &*self.state;
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.held = true;
        wake.notify_all();
        let (mut s, _) = wake
            .wait_timeout_while(s, MAX_HOLD, |s| {
                self.restart_wanted.load(Ordering::Acquire) && !s.stop
            })
            .unwrap_or_else(|p| p.into_inner());
        s.held = false;
    }

    /// A write transaction was committed.
    pub(super) fn committed(&self) {
        let (state, wake) = &*self.state;
        state.lock().unwrap_or_else(|p| p.into_inner()).commits += 1;
        wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (state, wake) = &*self.state;
        state.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, shared: &(Mutex<State>, Condvar), restart_wanted: &AtomicBool) {
    let (state, wake) = shared;
    loop {
        {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            while s.commits == 0 && !s.stop {
                s = wake.wait(s).unwrap_or_else(|p| p.into_inner());
            }
            if s.stop {
                return;
            }
            s.commits = 0;
        }
        if checkpoint(conn) >= RESTART_PAGES {
            // Hold the next write back (`make_way`) and copy what is left meanwhile.
            let s = state.lock().unwrap_or_else(|p| p.into_inner());
            restart_wanted.store(true, Ordering::Release);
            let held = wake
                .wait_timeout_while(s, MAX_HOLD, |s| !s.held && !s.stop)
                .unwrap_or_else(|p| p.into_inner());
            drop(held);
            checkpoint(conn);
            let s = state.lock().unwrap_or_else(|p| p.into_inner());
            restart_wanted.store(false, Ordering::Release);
            drop(s);
            wake.notify_all();
        }
        std::thread::sleep(PAUSE);
    }
}

/// A passive checkpoint: the pages of log there were (0 when it failed).
fn checkpoint(conn: &Connection) -> i64 {
    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1)) {
        Ok(pages) => pages,
        Err(e) => {
            tracing::warn!("checkpoint of the write-ahead log: {e}");
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError};

    /// Commits reach the database file itself shortly after, well before the writer's
    /// backstop: a copy of the file alone (without its log) holds them.
    #[test]
    fn commits_are_copied_into_the_database_file_by_the_thread() {
        let dir = super::super::ScratchDir::new("checkpointer");
        let path = dir.join("db.sqlite3");
        let store = Store::open(path.to_str().unwrap()).unwrap();
        store
            .write(|c| -> Result<(), StoreError> {
                Ok(c.execute_batch("CREATE TABLE emulator_checkpoint_marks (n INTEGER)")?)
            })
            .unwrap();
        for n in 0..50 {
            store
                .write(|c| -> Result<(), StoreError> {
                    c.execute("INSERT INTO emulator_checkpoint_marks VALUES (?1)", [n])?;
                    Ok(())
                })
                .unwrap();
        }
        let copy = dir.join("copy.sqlite3");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let in_file = loop {
            std::fs::copy(&path, &copy).unwrap();
            let conn = rusqlite::Connection::open(&copy).unwrap();
            let n: i64 = conn
                .query_row("SELECT count(*) FROM emulator_checkpoint_marks", [], |r| {
                    r.get(0)
                })
                .unwrap_or(-1);
            drop(conn);
            let _ = std::fs::remove_file(&copy);
            if n == 50 || std::time::Instant::now() > deadline {
                break n;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(in_file, 50, "the commits are in the database file");
    }
}
