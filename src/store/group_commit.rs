//! Group commit: the writes of concurrent callers share one transaction, and each caller
//! is answered only after the commit that holds its work.
//!
//! SQLite has one writer, and a commit costs more than a small write: the changed pages
//! go to the write-ahead log whole (the same index pages again and again for writes that
//! each add one row), the trigram indexes write a segment per transaction, and every
//! thousand pages of log a checkpoint runs (with fsyncs). So the writer connection runs
//! each caller's work in turn, as before, but inside a savepoint of a transaction that
//! stays open while more writers are queued for the connection: the last one in line,
//! or the one that fills the batch, commits for all. A caller returns once the commit
//! holding its work has finished, so an acknowledged write is exactly as durable as
//! before; a caller whose work fails rolls back its own savepoint only.
//!
//! `SOFTLAYER_EMULATOR_GROUP_COMMIT=off` gives one transaction per call (to measure the
//! difference); an in-memory database (one connection for reads and writes) always does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// At most this many callers' work in one transaction: the first of them waits for all
/// the others, so the batch bounds the latency it adds.
pub(super) const MAX_BATCH: usize = 24;

/// Whether group commit is on (unless `SOFTLAYER_EMULATOR_GROUP_COMMIT=off`).
pub(super) fn enabled_by_env() -> bool {
    std::env::var("SOFTLAYER_EMULATOR_GROUP_COMMIT").map_or(true, |v| v.trim() != "off")
}

/// The batches of one store.
#[derive(Default)]
pub(super) struct Batches {
    /// Writers waiting for the writer connection: while there are any, the transaction
    /// is left open for them.
    waiting: AtomicUsize,
    state: Mutex<State>,
    finished: Condvar,
}

#[derive(Default)]
struct State {
    /// The batch new work joins (batches are numbered from 1).
    open: u64,
    /// Callers whose work is in the open batch.
    members: usize,
    /// The last batch whose commit has finished (or failed).
    done: u64,
    /// The latest failed batches with the reason (kept short: a waiter looks its batch
    /// up right after the commit).
    failed: Vec<(u64, String)>,
}

impl Batches {
    /// A writer starts waiting for the connection.
    pub(super) fn queue(&self) {
        self.waiting.fetch_add(1, Ordering::SeqCst);
    }

    /// A writer got the connection.
    pub(super) fn dequeue(&self) {
        self.waiting.fetch_sub(1, Ordering::SeqCst);
    }

    /// Adds a caller's work to the open batch: its number, and whether this caller
    /// should commit now (nobody queued behind it, or the batch is full).
    pub(super) fn join(&self) -> (u64, bool) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.open == 0 {
            s.open = 1;
        }
        s.members += 1;
        let last = self.waiting.load(Ordering::SeqCst) == 0 || s.members >= MAX_BATCH;
        (s.open, last)
    }

    /// Records the end of the open batch (its commit's outcome) and wakes its members.
    pub(super) fn finish(&self, outcome: &Result<(), String>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let batch = s.open.max(1);
        s.done = batch;
        s.open = batch + 1;
        s.members = 0;
        if let Err(reason) = outcome {
            if s.failed.len() >= 64 {
                s.failed.remove(0);
            }
            s.failed.push((batch, reason.clone()));
        }
        self.finished.notify_all();
    }

    /// Waits until batch `batch` has been committed (or has failed).
    pub(super) fn wait(&self, batch: u64) -> Result<(), String> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while s.done < batch {
            s = self.finished.wait(s).unwrap_or_else(|p| p.into_inner());
        }
        match s.failed.iter().find(|(b, _)| *b == batch) {
            Some((_, reason)) => Err(reason.clone()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError};
    use std::sync::Arc;

    /// Many writers at once on a file: every acknowledged write is committed (visible to a
    /// new connection), a failing writer's work alone is rolled back, and the writes
    /// really were grouped (fewer commits than writes).
    #[test]
    fn concurrent_writes_are_grouped_and_each_acknowledged_after_its_commit() {
        let dir = super::super::ScratchDir::new("group");
        let path = dir.join("group.sqlite3");
        let store = Arc::new(Store::open(path.to_str().unwrap()).unwrap());
        store
            .write(|c| -> Result<(), StoreError> {
                Ok(c.execute_batch("CREATE TABLE emulator_bench_marks (n INTEGER)")?)
            })
            .unwrap();
        let commits = store.commits();
        let before = *commits.borrow();
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    for i in 0..50 {
                        let n = t * 1000 + i;
                        let out = store.write(|c| -> Result<(), StoreError> {
                            c.execute("INSERT INTO emulator_bench_marks VALUES (?1)", [n])?;
                            if n % 7 == 0 {
                                // Fails after writing: its row must not be committed.
                                c.execute("INSERT INTO no_such_table VALUES (1)", [])?;
                            }
                            std::thread::sleep(std::time::Duration::from_micros(200));
                            Ok(())
                        });
                        if out.is_ok() {
                            acked.push(n);
                        } else {
                            assert_eq!(n % 7, 0, "only the failing writes fail");
                        }
                    }
                    acked
                })
            })
            .collect();
        let mut acked: Vec<i64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        acked.sort();
        let commits_made = *commits.borrow() - before;
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stored: Vec<i64> = conn
            .prepare("SELECT n FROM emulator_bench_marks ORDER BY n")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        stored.sort();
        assert_eq!(stored, acked);
        let failing = (0..16i64)
            .flat_map(|t| (0..50).map(move |i| t * 1000 + i))
            .filter(|n| n % 7 == 0)
            .count();
        assert_eq!(acked.len(), 16 * 50 - failing);
        assert!(
            (commits_made as usize) < acked.len(),
            "{commits_made} commits for {} writes",
            acked.len()
        );
    }
}
