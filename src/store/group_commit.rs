//! Group commit: API calls' writes run one after another on the writer thread, and the
//! writes queued together share one transaction; each caller is answered only after the
//! commit that holds its work.
//!
//! SQLite has one writer, and a commit costs more than a small write: the changed pages
//! go to the write-ahead log whole (the same index pages again and again for writes that
//! each add one row), and the trigram indexes take the batch's new text at the commit.
//! So a write call is handed to the writer thread as a [`WriteJob`]. The thread runs
//! each job in an open transaction and takes the next queued job, up to [`MAX_BATCH`];
//! when the queue is empty it commits and tells every job of the batch how the commit
//! went. A job whose work fails has its own work undone only.
//!
//! Undoing one job's work alone needs a savepoint around it, and a savepoint costs: SQLite
//! copies every page the job changes, before its first change, into the savepoint's
//! journal (a ticket's insert changes a page of each of its 22 indexes: 10-20% of the
//! writer thread's time under `createStandardTicket` load). Most jobs either succeed or
//! fail before they write, so a job that can be run again ([`WriteJob::repeatable`], as
//! every API call is) runs without one. If it fails after writing, the transaction is
//! rolled back and the jobs kept so far run again, each in a savepoint, as does the rest
//! of the batch ([`run_batch`]).
//!
//! One thread owns the connection's time instead of every caller's thread taking the
//! connection in turn: handing a lock from thread to thread left the connection idle
//! while the next thread was woken (the connection was busy 37% of the time at 4,300
//! `addUpdate`s/s over 32 connections, with 7.3 context switches per call).
//!
//! `SOFTLAYER_EMULATOR_GROUP_COMMIT=off` gives one transaction per call, run by the
//! caller's own thread (to measure the difference); an in-memory database (one
//! connection for reads and writes) always does. Writes outside the API (the console,
//! the harness, seeding) use [`Store::write`](super::Store::write), a transaction of
//! their own, between batches.

use super::{StoreError, Writer, query, sql_clock};
use rusqlite::Connection;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// At most this many callers' work in one transaction: the first of them waits for all
/// the others, so the batch bounds the latency it adds. Smaller batches also let the
/// answerer reply sooner, and those clients' next calls arrive while the writer is busy:
/// at 32 connections, 16 gave 10,600-10,700 `addUpdate`s/s and 7,500-7,800
/// `createStandardTicket`s/s, against 10,000-10,300 and 6,950-7,000 with 32 or 64
/// (batches then averaged 23), but `addUpdate`'s p99 was 13-13.7 ms instead of 11.3-11.6;
/// 6 and 12 were no better than 16.
pub(super) const MAX_BATCH: usize = 16;

/// Whether group commit is on (unless `SOFTLAYER_EMULATOR_GROUP_COMMIT=off`).
pub(super) fn enabled_by_env() -> bool {
    !super::switched_off_by_env("SOFTLAYER_EMULATOR_GROUP_COMMIT")
}

/// One caller's write, run by the writer.
pub trait WriteJob: Send {
    /// The work, inside a savepoint of the batch's transaction: `true` keeps it, `false`
    /// rolls it back (the caller's fault is its own to answer).
    fn run(&mut self, conn: &Connection) -> bool;

    /// Whether [`WriteJob::run`] may run again after the transaction it ran in was rolled
    /// back: all it does beyond its own fields is in the database. Such a job runs
    /// without a savepoint (see the module's comment).
    fn repeatable(&self) -> bool {
        false
    }

    /// How the commit holding the work went; `Err` also when the work could not run.
    /// Called once, after [`WriteJob::run`] (or instead of it), off the writer's
    /// thread: answering the call does not hold up the next batch.
    fn then(self: Box<Self>, committed: Result<(), String>);
}

/// A batch's jobs with how each went, to be told.
type Ran = Vec<(Box<dyn WriteJob>, Result<(), String>)>;

/// The writer thread: jobs sent here run in batches (see the module's comment). It
/// stops once the store is dropped and the jobs already queued are done.
///
/// A second thread, the answerer, tells the jobs of each committed batch
/// ([`WriteJob::then`]), so that the writer goes on with the next batch meanwhile: one
/// hand-off per batch. Handing each job to the blocking pool from the writer cost 7% of
/// the writer's time.
pub(super) struct WriterThread {
    /// `None` once stopped: the thread finishes the queued jobs and ends.
    jobs: Mutex<Option<mpsc::Sender<Queued>>>,
    threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        self.stop();
    }
}

impl WriterThread {
    pub(super) fn start(writer: Arc<Writer>) -> std::io::Result<WriterThread> {
        let (jobs, queued) = mpsc::channel::<Queued>();
        let (batches, done) = mpsc::channel::<Ran>();
        let answerer = std::thread::Builder::new()
            .name("answerer".into())
            .spawn(move || {
                while let Ok(ran) = done.recv() {
                    tell(ran);
                }
            })?;
        let writing = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                // Text queued for the trigram indexes: maybe (this thread's batches
                // left some, or another process: looked for every `LOOK_FOR_QUEUED`),
                // or being indexed a step at a time while no write comes.
                let mut text = QueuedText::Maybe;
                // After indexing failed for want of space: when to try again, and the
                // pause that led there (see NO_SPACE_PAUSE). Clients' writes run
                // meanwhile, before it.
                let mut no_space: Option<(std::time::Instant, std::time::Duration)> = None;
                loop {
                    let wait = match text {
                        QueuedText::Maybe => IDLE,
                        QueuedText::Indexing => BETWEEN_STEPS,
                        QueuedText::No => LOOK_FOR_QUEUED,
                    };
                    let wait = match no_space {
                        Some((again, _)) => {
                            wait.max(again.saturating_duration_since(std::time::Instant::now()))
                        }
                        None => wait,
                    };
                    let first = match queued.recv_timeout(wait) {
                        Ok(first) => first,
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            if no_space.is_some_and(|(again, _)| std::time::Instant::now() < again)
                            {
                                continue;
                            }
                            text = match index_queued_text_or_no_space(
                                &writer,
                                query::TEXT_INDEX_STEP,
                            ) {
                                Ok(left) => {
                                    no_space = None;
                                    match left {
                                        true => QueuedText::Indexing,
                                        false => QueuedText::No,
                                    }
                                }
                                Err(_) => {
                                    let pause = no_space.map_or(NO_SPACE_PAUSE, |(_, p)| {
                                        (p * 2).min(NO_SPACE_PAUSE_MAX)
                                    });
                                    no_space = Some((std::time::Instant::now() + pause, pause));
                                    QueuedText::Maybe
                                }
                            };
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    // A job that waited in the queue behind another process's hold on
                    // the file waits for the lock only what is left of its own busy
                    // timeout: each waited the whole of it again, the k-th in the queue
                    // k times 10 s, past the clients' own timeouts.
                    let waited = first.since.elapsed();
                    let lock_wait = (waited > LOCK_WAIT_OF_ITS_OWN)
                        .then(|| super::BUSY_TIMEOUT.saturating_sub(waited));
                    let ran = run_batch(
                        &writer,
                        first.job,
                        || queued.try_recv().ok().map(|q| q.job),
                        LONG_QUEUE,
                        lock_wait,
                    );
                    text = QueuedText::Maybe;
                    if let Err(mpsc::SendError(ran)) = batches.send(ran) {
                        tell(ran);
                    }
                }
                // One step at most: a long queue (writes that never paused) would hold up
                // the exit for as long as it takes to index; it stays queued for the next
                // start, and searches read it meanwhile.
                index_queued_text(&writer, query::TEXT_INDEX_STEP);
            })?;
        Ok(WriterThread {
            jobs: Mutex::new(Some(jobs)),
            threads: Mutex::new(vec![writing, answerer]),
        })
    }

    /// Lets the threads finish the queued jobs (and a step of the text waiting for the
    /// trigram indexes) and waits for them, unless called on one of them; later jobs are
    /// refused. At shutdown this comes before the checkpoint that empties the log: the
    /// writer, idle, indexing queued text after it, left the log with frames the
    /// database file lacked.
    pub(super) fn stop(&self) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        let here = std::thread::current().id();
        for thread in threads {
            if thread.thread().id() != here {
                let _ = thread.join();
            }
        }
    }

    /// Queues `job`; if the thread is gone, the job is told so at once.
    pub(super) fn send(&self, job: Box<dyn WriteJob>) {
        let queued = Queued {
            since: std::time::Instant::now(),
            job,
        };
        let sent = match &*self.jobs.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(jobs) => jobs.send(queued).map_err(|mpsc::SendError(q)| q.job),
            None => Err(queued.job),
        };
        if let Err(job) = sent {
            job.then(Err("the writer thread has stopped".into()));
        }
    }
}

/// A job in the writer thread's queue, and since when.
struct Queued {
    since: std::time::Instant,
    job: Box<dyn WriteJob>,
}

/// A job that waited in the queue less than this waits for the lock the whole busy
/// timeout (the connection's own setting, left as it is on the quick path).
const LOCK_WAIT_OF_ITS_OWN: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether the writer thread has text to index (see its loop).
#[derive(Clone, Copy)]
enum QueuedText {
    Maybe,
    Indexing,
    No,
}

/// With no write for this long, the writer indexes the text its batches left queued
/// (they index only when the queue is very long: [`query::index_queued_text_when_long`]),
/// [`query::TEXT_INDEX_STEP`] rows per transaction, [`BETWEEN_STEPS`] apart while no
/// write comes. A pause, not a gap between the calls of a steady load: 10 ms let steps
/// start between `addUpdate`s at 15,000 calls/s, and a call arriving during a step whose
/// FTS5 merge took long waited for it (p99 8.7 and 13.9 ms in two runs, against 8.4-9.3
/// without indexing at all).
const IDLE: std::time::Duration = std::time::Duration::from_millis(50);

/// Between the steps of indexing, the time a write has to arrive before the next step.
const BETWEEN_STEPS: std::time::Duration = std::time::Duration::from_millis(1);

/// With nothing known queued, how often the idle writer looks at the queue anyway: other
/// processes (`support`, `load`) queue text too.
const LOOK_FOR_QUEUED: std::time::Duration = std::time::Duration::from_secs(1);

/// Indexes up to `limit` queued rows, in a transaction of its own; `true` if rows are
/// left (a failure is tried again after the next batch, or after `LOOK_FOR_QUEUED`).
/// Nothing a reader sees changes (searches read the queue too, or do without the
/// index), so the data's version stays; the log it writes is noted as this process's.
fn index_queued_text(writer: &Writer, limit: u64) -> bool {
    index_queued_text_or_no_space(writer, limit).unwrap_or(false)
}

/// [`index_queued_text`], `Err` when it failed for want of space (noted for `/health`
/// and the log, once a spell: the writer thread waits before it tries again).
fn index_queued_text_or_no_space(writer: &Writer, limit: u64) -> Result<bool, String> {
    let conn = writer.conn.lock().unwrap_or_else(|p| p.into_inner());
    match query::queued_text_rows(&conn) {
        Ok(0) => return Ok(false),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!("looking at the text index queue: {e}");
            return Ok(false);
        }
    }
    let log_before = writer.wal_stamp();
    let indexed = conn
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(StoreError::from)
        .and_then(|_| match query::index_queued_text_upto(&conn, limit) {
            Ok(left) => {
                conn.execute_batch("COMMIT")?;
                Ok(left)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        });
    let no_space = indexed
        .as_ref()
        .err()
        .and_then(|e| writer.failed_for_space(&conn, e));
    drop(conn);
    match indexed {
        Ok(left) => {
            writer.wrote_wal();
            writer.checkpoint_soon();
            writer.has_space();
            Ok(left)
        }
        Err(_) if let Some(why) = no_space => {
            writer.rolled_back(log_before);
            Err(why)
        }
        Err(e) => {
            writer.rolled_back(log_before);
            tracing::warn!("indexing queued text: {e}");
            Ok(false)
        }
    }
}

/// After the idle text indexing failed for want of space, the first wait before it is
/// tried again; each failure doubles it, up to [`NO_SPACE_PAUSE_MAX`]. Tried every
/// second, the backlog took space as soon as some was freed (a 16 MiB log in 2 s), and
/// the clients' writes failed again; the failures were logged every second.
const NO_SPACE_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);
const NO_SPACE_PAUSE_MAX: std::time::Duration = std::time::Duration::from_secs(60);

/// Tells each job of a batch how it went.
pub(super) fn tell(ran: Ran) {
    for (job, outcome) in ran {
        job.then(outcome);
    }
}

/// The writer thread's batches index queued text from this many rows (its idle loop
/// indexes the rest); callers without the thread pass [`query::TEXT_INDEX_STEP`].
const LONG_QUEUE: u64 = query::QUEUED_TEXT_ROWS;

/// Runs `first` and then the jobs `next` gives (until it gives none, or [`MAX_BATCH`])
/// in one transaction on the writer connection and commits: each job with how it went,
/// for [`tell`]. Before the commit, queued text is indexed if `index_text_from` rows
/// wait ([`query::index_queued_text_when_long`]).
pub(super) fn run_batch(
    writer: &Writer,
    first: Box<dyn WriteJob>,
    mut next: impl FnMut() -> Option<Box<dyn WriteJob>>,
    index_text_from: u64,
    lock_wait: Option<std::time::Duration>,
) -> Ran {
    writer.make_way_for_checkpoint();
    let conn = writer.conn.lock().unwrap_or_else(|p| p.into_inner());
    writer.bump_writes();
    let step = |sql: &str| step(&conn, sql);
    let began = match lock_wait {
        None => step("BEGIN IMMEDIATE"),
        Some(wait) => {
            let _ = conn.busy_timeout(wait);
            let began = step("BEGIN IMMEDIATE");
            let _ = conn.busy_timeout(super::BUSY_TIMEOUT);
            began
        }
    };
    if let Err(e) = began {
        writer.bump_writes();
        drop(conn);
        return vec![(first, Err(StoreError::from(e).to_string()))];
    }
    writer.look_for_outside_writes(&conn);
    let log_before = writer.wal_stamp();
    let changes_before = conn.total_changes();
    let mut ran: Ran = Vec::new();
    let mut job = Some(first);
    // Once the batch has started over, the rest of it runs in savepoints.
    let mut started_over = false;
    while let Some(mut this) = job.take() {
        let outcome = if writer.is_cut() {
            Err(super::CUT_AT_SHUTDOWN.to_string())
        } else if this.repeatable() && !started_over {
            let before = conn.total_changes();
            let outcome = run_bare(&conn, &mut *this);
            if outcome.is_err() && conn.total_changes() != before && !conn.is_autocommit() {
                // Its work is mixed with the batch's: undo all, and do the rest again.
                started_over = true;
                start_over(writer, &conn, &mut ran);
            }
            outcome
        } else {
            run_one(&conn, &mut *this)
        };
        // The job answers its caller itself ([`super::no_space_in`]); `/health` and the
        // log are told here.
        if outcome.is_err() {
            writer.last_statement_lacked_space(&conn);
        }
        ran.push((this, outcome));
        // A failure SQLite answers by rolling the whole transaction back ends the batch.
        if ran.len() < MAX_BATCH && !conn.is_autocommit() {
            job = next();
        }
    }
    let committed = if conn.is_autocommit() {
        Err("the transaction was rolled back".to_string())
    } else if writer.is_cut() {
        let _ = conn.execute_batch("ROLLBACK");
        Err(super::CUT_AT_SHUTDOWN.to_string())
    } else if let Some(why) = writer.file_parted() {
        let _ = conn.execute_batch("ROLLBACK");
        Err(why)
    } else {
        let done = query::index_queued_text_when_long(&conn, index_text_from)
            .and_then(|_| Ok(step("COMMIT").map(|_| ())?));
        done.map_err(|e| {
            // Before the rollback, which may set another error.
            let why = writer
                .failed_for_space(&conn, &e)
                .unwrap_or_else(|| e.to_string());
            let _ = conn.execute_batch("ROLLBACK");
            why
        })
    };
    // Bumped before and after: a read between the two sees a version that the commit
    // has already left behind.
    let wrote = conn.total_changes() != changes_before;
    writer.bump_writes();
    drop(conn);
    match committed {
        Ok(_) => writer.committed(wrote),
        Err(_) => writer.rolled_back(log_before),
    }
    ran.into_iter()
        .map(|(job, outcome)| (job, outcome.and_then(|_| committed.clone())))
        .collect()
}

/// Runs one transaction-control statement (`BEGIN`, `SAVEPOINT`, …), cached: these run
/// for every job.
fn step(conn: &Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql).and_then(|mut s| s.execute([]))
}

/// The job's [`WriteJob::run`], timed as SQL and caught if it panics: whether it keeps
/// its work, `Err` when it panicked.
fn run_caught(conn: &Connection, job: &mut dyn WriteJob) -> Result<bool, String> {
    let kept = sql_clock::timed(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(conn)))
    });
    kept.map_err(|_| "the write panicked".to_string())
}

/// Runs one job as part of the batch's transaction, with no savepoint: its failure
/// leaves whatever it wrote (see [`start_over`]).
fn run_bare(conn: &Connection, job: &mut dyn WriteJob) -> Result<(), String> {
    match run_caught(conn, job)? {
        true => Ok(()),
        false => Err("the write was refused".to_string()),
    }
}

/// A job run without a savepoint failed after writing: rolls the batch's transaction
/// back, begins another, and runs the jobs kept so far again, each in a savepoint
/// ([`run_one`]). Jobs that failed keep their outcome (they wrote nothing, or were
/// rolled back with the rest). If no transaction can begin, every kept job fails.
fn start_over(writer: &Writer, conn: &Connection, ran: &mut Ran) {
    let began = step(conn, "ROLLBACK")
        .and_then(|_| step(conn, "BEGIN IMMEDIATE"))
        .map_err(|e| StoreError::from(e).to_string());
    if began.is_ok() {
        // Another process may have written between the two.
        writer.look_for_outside_writes(conn);
    }
    for (job, outcome) in ran.iter_mut() {
        if outcome.is_ok() {
            *outcome = match &began {
                Ok(_) => run_one(conn, &mut **job),
                Err(e) => Err(e.clone()),
            };
        }
    }
}

/// Runs one job in a savepoint of its own, kept if the job says so.
fn run_one(conn: &Connection, job: &mut dyn WriteJob) -> Result<(), String> {
    let step = |sql: &str| step(conn, sql);
    step("SAVEPOINT sl_write").map_err(|e| StoreError::from(e).to_string())?;
    let kept = run_caught(conn, job);
    // A failure to roll back leaves the transaction ended by SQLite, and the batch
    // fails as a whole.
    let _ = match kept {
        Ok(true) => step("RELEASE sl_write"),
        _ => step("ROLLBACK TO sl_write").and_then(|_| step("RELEASE sl_write")),
    };
    kept.map(|_| ())
}

/// A closure as a [`WriteJob`], for tests: [`Store::submit_and_wait`](super::Store).
#[cfg(test)]
struct FnJob<F> {
    work: Option<F>,
    failed: Option<String>,
    done: mpsc::Sender<Result<(), String>>,
}

#[cfg(test)]
impl<F: FnOnce(&Connection) -> super::Result<()> + Send> WriteJob for FnJob<F> {
    fn run(&mut self, conn: &Connection) -> bool {
        let work = self.work.take().expect("run once");
        self.failed = work(conn).err().map(|e| e.to_string());
        self.failed.is_none()
    }

    fn then(self: Box<Self>, committed: Result<(), String>) {
        let FnJob { failed, done, .. } = *self;
        let _ = done.send(committed.and_then(|_| failed.map_or(Ok(()), Err)));
    }
}

#[cfg(test)]
impl super::Store {
    /// Submits `work` as an API call's write would be, and waits for its answer.
    pub(crate) fn submit_and_wait(
        &self,
        work: impl FnOnce(&Connection) -> super::Result<()> + Send + 'static,
    ) -> Result<(), String> {
        let (done, answer) = mpsc::channel();
        self.submit(Box::new(FnJob {
            work: Some(work),
            failed: None,
            done,
        }));
        answer.recv().expect("every job is answered")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError};
    use super::WriteJob;
    use rusqlite::Connection;
    use std::sync::Arc;
    use std::sync::mpsc::{Sender, channel};

    const PANICS: i64 = 1010;

    /// Inserts its number; numbers divisible by 7 fail after writing, and [`PANICS`] panics.
    struct Mark {
        n: i64,
        path: String,
        told: Sender<(i64, Result<(), String>, bool)>,
        kept: bool,
        /// Run without a savepoint (the batch starts over when it fails after writing).
        repeatable: bool,
    }

    impl WriteJob for Mark {
        fn repeatable(&self) -> bool {
            self.repeatable
        }

        fn run(&mut self, conn: &Connection) -> bool {
            conn.execute("INSERT INTO emulator_bench_marks VALUES (?1)", [self.n])
                .unwrap();
            if self.n == PANICS {
                panic!("a job panics");
            }
            std::thread::sleep(std::time::Duration::from_micros(100));
            self.kept = self.n % 7 != 0;
            self.kept
        }

        fn then(self: Box<Self>, committed: Result<(), String>) {
            // Told only once the commit is over: another connection sees the row now.
            let seen: bool = Connection::open(&self.path)
                .unwrap()
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM emulator_bench_marks WHERE n = ?1)",
                    [self.n],
                    |r| r.get(0),
                )
                .unwrap();
            let outcome = committed.and_then(|_| match self.kept {
                true => Ok(()),
                false => Err("refused".to_string()),
            });
            self.told.send((self.n, outcome, seen)).unwrap();
        }
    }

    /// Many writers at once on a file: every write is answered once, an acknowledged
    /// write is committed before it is acknowledged (visible to a new connection), a
    /// failing or panicking job's work alone is rolled back, and the writes really were
    /// grouped (fewer commits than writes).
    #[test]
    fn concurrent_writes_are_grouped_and_each_acknowledged_after_its_commit() {
        concurrent_writes(false);
    }

    /// The same with jobs that run without a savepoint: a batch whose job fails after
    /// writing starts over, and the outcome is the same.
    #[test]
    fn repeatable_jobs_undo_a_failure_by_starting_over() {
        concurrent_writes(true);
    }

    fn concurrent_writes(repeatable: bool) {
        let dir = super::super::ScratchDir::new(if repeatable { "group-bare" } else { "group" });
        let path = dir.join("group.sqlite3");
        let path = path.to_str().unwrap().to_string();
        let store = Arc::new(Store::open(&path).unwrap());
        assert!(store.writer_thread.is_some(), "a file has a writer thread");
        store
            .write(|c| -> Result<(), StoreError> {
                Ok(c.execute_batch("CREATE TABLE emulator_bench_marks (n INTEGER)")?)
            })
            .unwrap();
        let commits = store.commits();
        let before = *commits.borrow();
        let (told, answers) = channel();
        let threads: Vec<_> = (0..16i64)
            .map(|t| {
                let (store, path, told) = (store.clone(), path.clone(), told.clone());
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let n = t * 1000 + i;
                        store.submit(Box::new(Mark {
                            n,
                            path: path.clone(),
                            told: told.clone(),
                            kept: false,
                            repeatable,
                        }));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(told);
        let mut acked = Vec::new();
        let mut answered = 0;
        while let Ok((n, outcome, seen)) = answers.recv_timeout(std::time::Duration::from_secs(30))
        {
            answered += 1;
            match outcome {
                Ok(()) => {
                    assert!(seen, "{n} acknowledged before its commit was visible");
                    acked.push(n);
                }
                Err(_) => {
                    assert!(
                        n % 7 == 0 || n == PANICS,
                        "only the failing writes fail: {n}"
                    );
                    assert!(!seen, "{n} failed, yet its row was committed");
                }
            }
        }
        assert_eq!(answered, 16 * 50, "every write is answered once");
        acked.sort();
        let commits_made = *commits.borrow() - before;
        drop(store);
        let conn = Connection::open(&path).unwrap();
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
            .filter(|n| n % 7 == 0 || *n == PANICS)
            .count();
        assert_eq!(acked.len(), 16 * 50 - failing);
        assert!(
            (commits_made as usize) < acked.len(),
            "{commits_made} commits for {} writes",
            acked.len()
        );
    }
}
