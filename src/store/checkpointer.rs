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
//! before this thread is done, so that moment rarely comes by itself. The writer
//! therefore keeps SQLite's automatic checkpoint, at [`BACKSTOP_PAGES`]: by then this
//! thread has copied all but the last moments of the log, so the writer's checkpoint is
//! short, and the log restarts after it. Measured (20,000 tickets, wrk driving
//! `addUpdate` over 32 connections): the log stays near 20 MB, and writes run 20-30%
//! faster than with the writer checkpointing every thousand pages itself.

use rusqlite::Connection;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Commits are checkpointed together at most this often: a checkpoint copies each
/// changed page once, however many commits changed it in between.
const PAUSE: Duration = Duration::from_millis(100);

/// The writer's own automatic checkpoint, from this many pages of log (16 MiB at 4 KiB
/// pages; SQLite's default is 1,000). Issue 10 bounds the log at 32 MB.
pub(super) const BACKSTOP_PAGES: u32 = 4_096;

struct State {
    /// Commits since the last checkpoint began.
    commits: u64,
    stop: bool,
}

/// The checkpoint thread of one database file; stopped when dropped.
pub(super) struct Checkpointer {
    state: Arc<(Mutex<State>, Condvar)>,
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
            }),
            Condvar::new(),
        ));
        let shared = state.clone();
        let started = Connection::open(path)
            .map_err(|e| e.to_string())
            .and_then(|conn| {
                std::thread::Builder::new()
                    .name("checkpointer".into())
                    .spawn(move || run(&conn, &shared))
                    .map_err(|e| e.to_string())
            });
        match started {
            Ok(thread) => Some(Checkpointer {
                state,
                thread: Some(thread),
            }),
            Err(e) => {
                tracing::warn!("no checkpoint thread ({e}): the writer checkpoints");
                None
            }
        }
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

fn run(conn: &Connection, shared: &(Mutex<State>, Condvar)) {
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
        let checkpoint = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(e) = checkpoint {
            tracing::warn!("checkpoint of the write-ahead log: {e}");
        }
        std::thread::sleep(PAUSE);
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
