//! The bounds on what one caller may make the server do: work budgets per call, timeouts
//! and caps. One place, so that the README, the `serve` flags and the code agree.
//!
//! The values are process-wide and set once when `serve` starts ([`install`]); everything
//! else reads them with [`get`]. A global rather than a parameter: the budgets are read
//! deep inside projection and the store, where threading a configuration through every
//! handler's signature would buy nothing (there is one server per process), and code that
//! runs outside `serve` (the `load`/`support` commands, unit tests) gets the defaults.
//!
//! Every default is chosen so that it never binds for a real client's workload (a whole
//! 100,000-ticket `getTickets` with a normal mask, a ticket with thousands of updates) but
//! stops a hostile one long before memory or time runs out on a small machine.

use std::sync::OnceLock;
use std::time::Duration;

/// The default of `--max-reply-bytes`: 32 MiB of estimate is about 50 MB of memory
/// (measured: a fan-out call stopped at 64 MiB peaked at 100 MB). Lists stream item by
/// item on every transport, so in a list this binds each item alone; replies built whole
/// (one object with relational properties, a REST path into a relation) count whole.
pub const DEFAULT_MAX_REPLY_BYTES: u64 = 32 * 1024 * 1024;

/// The largest value of a seconds option (`--stall-timeout-secs`,
/// `--shutdown-grace-secs`): a day. Past it a timeout means nothing a test or a client
/// could wait for, and huge values overflowed the arithmetic of deadlines.
pub const MAX_SECS: u64 = 24 * 60 * 60;
/// The largest `--sql-time-budget-ms`: a day, as [`MAX_SECS`].
pub const MAX_SQL_TIME_BUDGET_MS: u64 = MAX_SECS * 1000;
/// The largest `--max-objects-per-call`: a thousand times the default, far past what a
/// machine could hold in one reply.
pub const MAX_OBJECTS_PER_CALL: u64 = 5_000_000_000;
/// The largest byte options (`--max-reply-bytes`, `--max-body-bytes`,
/// `--max-body-bytes-in-flight`): 64 GiB. Past the memory of any machine this runs on,
/// and small enough that sums of them cannot overflow.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024 * 1024;
/// The largest `--max-streams`: each stream holds a thread, so more than this could
/// never run at once (and a semaphore past `usize::MAX >> 3` permits panics).
pub const MAX_STREAMS: u64 = 100_000;
/// The largest `--max-connections` (the open-file limit lowers it further).
pub const MAX_CONNECTIONS: u64 = 1_000_000;

/// `--flag`'s parser for a `usize` in `range`, refused at start past it with a message
/// naming the flag and the range.
fn usize_in(range: std::ops::RangeInclusive<u64>) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(range)
}

/// The bounds, as `serve` was started with them.
#[derive(Debug, Clone, clap::Args)]
pub struct Limits {
    /// Objects one call may project by its object mask (all its nesting levels together).
    #[arg(
        long,
        default_value_t = 5_000_000,
        value_parser = clap::value_parser!(u64).range(1..=MAX_OBJECTS_PER_CALL),
        env = "SOFTLAYER_EMULATOR_MAX_OBJECTS_PER_CALL"
    )]
    pub max_objects_per_call: u64,
    /// Bytes of reply one call may hold in memory at once (estimated while projecting;
    /// items of a streamed list stop counting once they are written out).
    #[arg(
        long,
        default_value_t = DEFAULT_MAX_REPLY_BYTES,
        value_parser = clap::value_parser!(u64).range(1..=MAX_BYTES),
        env = "SOFTLAYER_EMULATOR_MAX_REPLY_BYTES"
    )]
    pub max_reply_bytes: u64,
    /// Milliseconds one call may keep SQLite working without handing a row to its reply,
    /// in CPU time, and ten times that in wall-clock time (a progress handler interrupts
    /// the statement past either).
    #[arg(
        long,
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..=MAX_SQL_TIME_BUDGET_MS),
        env = "SOFTLAYER_EMULATOR_SQL_TIME_BUDGET_MS"
    )]
    pub sql_time_budget_ms: u64,
    /// Largest request body accepted, in bytes.
    #[arg(
        long,
        default_value_t = 16 * 1024 * 1024,
        value_parser = usize_in(1..=MAX_BYTES),
        env = "SOFTLAYER_EMULATOR_MAX_BODY_BYTES"
    )]
    pub max_body_bytes: usize,
    /// Bytes of request bodies all requests together may hold while they are read and
    /// parsed; past it new bodies are answered 503 with Retry-After (bodies of 256 KiB or
    /// less, ordinary calls, may take 16 MiB more).
    #[arg(
        long,
        default_value_t = 64 * 1024 * 1024,
        value_parser = usize_in(1..=MAX_BYTES),
        env = "SOFTLAYER_EMULATOR_MAX_BODY_BYTES_IN_FLIGHT"
    )]
    pub max_body_bytes_in_flight: usize,
    /// Seconds a request body or a streamed reply may go without progress before the
    /// server gives up on it (408 for a body; a reply is cut and its resources freed).
    #[arg(
        long,
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=MAX_SECS),
        env = "SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS"
    )]
    pub stall_timeout_secs: u64,
    /// Streamed list replies that may be in progress at once; a call past them waits (on
    /// the async side, holding no thread) up to 1.25 stall timeouts + 1 s for one to end,
    /// then is answered 503 with `Retry-After: 1`. 0 streams no list at all: every list
    /// call gets that 503 (to test a client's retries).
    #[arg(
        long,
        default_value_t = 32,
        value_parser = usize_in(0..=MAX_STREAMS),
        env = "SOFTLAYER_EMULATOR_MAX_STREAMS"
    )]
    pub max_streams: usize,
    /// Client connections open at once; one past it is answered 503 with
    /// `Retry-After: 1` and closed. Kept below the process's open-file limit, so that
    /// the server always has descriptors left for its own files.
    #[arg(
        long,
        default_value_t = 4096,
        value_parser = usize_in(1..=MAX_CONNECTIONS),
        env = "SOFTLAYER_EMULATOR_MAX_CONNECTIONS"
    )]
    pub max_connections: usize,
    /// Seconds the calls in flight get to finish on SIGTERM, Ctrl-C or SIGHUP (0 cuts them at
    /// once).
    #[arg(
        long,
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(0..=MAX_SECS),
        env = "SOFTLAYER_EMULATOR_SHUTDOWN_GRACE_SECS"
    )]
    pub shutdown_grace_secs: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_objects_per_call: 5_000_000,
            max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
            sql_time_budget_ms: 10_000,
            max_body_bytes: 16 * 1024 * 1024,
            max_body_bytes_in_flight: 64 * 1024 * 1024,
            stall_timeout_secs: 30,
            max_streams: 32,
            max_connections: 4096,
            shutdown_grace_secs: 10,
        }
    }
}

impl Limits {
    pub fn sql_time_budget(&self) -> Duration {
        Duration::from_millis(self.sql_time_budget_ms)
    }

    pub fn stall_timeout(&self) -> Duration {
        Duration::from_secs(self.stall_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    /// `max_connections`, less than the open-file limit by [`RESERVED_FILES`]: past the
    /// limit `accept` fails, and the server could open neither a connection to answer
    /// nor a file (a snapshot, the journal) until clients left. The soft limit is raised
    /// first, up to the hard one, as far as the connections need (a soft limit of 256,
    /// macOS's and some containers' default, left room for one connection); what is
    /// still short is said in the log.
    pub fn connections(&self) -> usize {
        let wanted = self.max_connections.saturating_add(RESERVED_FILES);
        let open_files = raise_open_file_limit(wanted);
        let connections = self
            .max_connections
            .min(open_files.saturating_sub(reserved_files(open_files)))
            .max(1);
        if connections < self.max_connections {
            let connections = match connections {
                1 => "1 connection".to_string(),
                n => format!("{n} connections"),
            };
            tracing::warn!(
                "the open-file limit ({open_files}) leaves room for {connections} at once, \
                 not --max-connections {}: raise it (ulimit -n {wanted})",
                self.max_connections
            );
        }
        connections
    }
}

/// Raises the soft open-file limit to `wanted` (or the hard limit, if lower) when it is
/// below; the soft limit afterwards (`usize::MAX` when there is none to read).
fn raise_open_file_limit(wanted: usize) -> usize {
    let mut files = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) } != 0 {
        return usize::MAX;
    }
    let wanted = libc::rlim_t::try_from(wanted).unwrap_or(libc::rlim_t::MAX);
    if files.rlim_cur < wanted && files.rlim_cur < files.rlim_max {
        let target = wanted.min(files.rlim_max);
        // macOS refuses a soft limit past OPEN_MAX (10,240) even under an unlimited
        // hard one: that is tried next.
        for soft in [target, target.min(10_240)] {
            let raised = libc::rlimit {
                rlim_cur: soft,
                rlim_max: files.rlim_max,
            };
            // SAFETY: setrlimit reads only the struct it is given.
            if soft > files.rlim_cur
                && unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0
            {
                files.rlim_cur = soft;
                break;
            }
        }
    }
    usize::try_from(files.rlim_cur).unwrap_or(usize::MAX)
}

/// `now + wait` as a deadline; a wait past what an `Instant` can hold (the flags' ranges
/// keep it far below, but no value may panic a worker) becomes one decades away, as
/// tokio's own timers do.
pub fn deadline_after(wait: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(wait).unwrap_or_else(|| now + FAR_FUTURE)
}

/// About thirty years: "never" for a deadline.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);

/// Open files kept for the server's own use beside its connections: the database, its
/// log and shared memory per SQLite connection, snapshots, the journal file, pipes.
pub const RESERVED_FILES: usize = 256;

/// The fewest kept under a small limit: the server holds about 25 files at rest, and a
/// snapshot or a restore opens a few more.
const FEWEST_RESERVED_FILES: usize = 48;

/// The files kept for the server's own use under an open-file limit of `open_files`:
/// [`RESERVED_FILES`], or a quarter of a smaller limit than four times that (at least
/// [`FEWEST_RESERVED_FILES`]). 256 kept from any limit up to 257 left one connection: a
/// second client, or the console's several, got 503.
fn reserved_files(open_files: usize) -> usize {
    (open_files / 4).clamp(FEWEST_RESERVED_FILES, RESERVED_FILES)
}

static LIMITS: OnceLock<Limits> = OnceLock::new();

/// Sets the limits for this process (once, as `serve` starts; later calls are ignored).
pub fn install(limits: Limits) {
    let _ = LIMITS.set(limits);
}

/// The limits in force: those `serve` installed, else the defaults.
pub fn get() -> &'static Limits {
    LIMITS.get_or_init(Limits::default)
}

/// Whether this process serves API calls (the budgets then apply to its SQL; the `load`,
/// `seed` and `support` commands run their bulk work unbounded).
pub fn serving() -> bool {
    LIMITS.get().is_some()
}

/// This machine's cores (2 if it cannot tell), counted once: on Linux the count reads
/// the cgroup's CPU quota from files.
fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// Whole replies past this size hold a share of [`UNSENT_REPLY_BYTES`] until their
/// connection has taken them (`body::ReplyBody::Sliced`); a projection's reply past it is
/// heavy, built in turns (`services::projection::HEAVY_REPLY_BYTES`).
pub const BIG_REPLY: usize = 2 * 1024 * 1024;

/// Bytes of big whole replies built and not yet taken by their connections, all
/// together. A big reply past it is answered busy instead: sixty clients that asked for
/// a 10 MiB attachment and read nothing held 15 MB of memory each, 1 GB together, until
/// the stall timeout closed their connections.
pub const UNSENT_REPLY_BYTES: usize = 96 * 1024 * 1024;

fn unsent_reply_bytes() -> &'static std::sync::Arc<tokio::sync::Semaphore> {
    static BYTES: OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = OnceLock::new();
    BYTES.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(UNSENT_REPLY_BYTES)))
}

/// A whole reply of `bytes`' share of [`UNSENT_REPLY_BYTES`] (none for one up to
/// [`BIG_REPLY`]), or the busy fault when there is no room for it.
pub fn unsent_share(
    bytes: usize,
) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, crate::fault::Fault> {
    if bytes <= BIG_REPLY {
        return Ok(None);
    }
    // A reply bigger than the whole allowance takes all of it.
    let share = bytes.min(UNSENT_REPLY_BYTES) as u32;
    unsent_reply_bytes()
        .clone()
        .try_acquire_many_owned(share)
        .map(Some)
        .map_err(|_| no_room_for_unsent_replies())
}

/// Refuses a reply of about `bytes` before it is built when [`unsent_share`] could not
/// take it now: sixty unread downloads of a 10 MiB file each read and encoded the whole
/// file only for most of them to be refused, and `/health` waited behind them.
pub fn check_room_for_unsent_reply(bytes: usize) -> Result<(), crate::fault::Fault> {
    if bytes > BIG_REPLY && unsent_reply_bytes().available_permits() < bytes.min(UNSENT_REPLY_BYTES)
    {
        return Err(no_room_for_unsent_replies());
    }
    Ok(())
}

fn no_room_for_unsent_replies() -> crate::fault::Fault {
    crate::fault::Fault::busy(format!(
        "The server holds as many large replies its clients have not read yet as it \
         allows ({} MiB together); retry shortly.",
        UNSENT_REPLY_BYTES >> 20
    ))
}

/// Half this machine's cores, at least one: how many of the CPU-heavy kinds of work
/// (big request bodies, heavy replies) run at once, so that ordinary calls always find
/// a core free.
pub fn half_the_cores() -> usize {
    (cores() / 2).max(1)
}

/// Calls running on the CPU at once: three times the cores. Every call takes a
/// place (first come, first served) before its blocking thread starts, and keeps it
/// while it parses, reads and writes its reply; one that waits for something other than
/// the CPU (a heavy reply's turn, a slow client of a stream) gives it back first
/// ([`leave_cpu_place`]). Without the queue, 32 connections meant 32 runnable threads
/// sharing 2 cores: every reply finished late, and the slowest very late (issue 14:
/// random-ticket `getObject` p99 62-72 ms; with four places, 9-12 ms at the same rate).
/// More places than cores, so that a call waiting for a page from disk, or for a lock,
/// leaves its core to another: on 2 cores, 2 places gave 5,000-6,000 calls/s, 4 gave
/// 9,000-9,300, 6 gave 10,000 and 8 gave 9,800-10,500, p99 5.5-6.8 ms for 4 to 8. Big
/// request bodies take turns of their own and take no place. A call that keeps SQLite
/// busy past [`LONG_CALL`] gives its place up too ([`leave_cpu_place_if_long`]), so a
/// few slow searches cannot hold every place while short calls queue behind them.
pub fn cpu_places() -> &'static std::sync::Arc<tokio::sync::Semaphore> {
    static PLACES: OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = OnceLock::new();
    PLACES.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(3 * cores())))
}

/// How long a call may hold its place among the [`cpu_places`] while SQLite works for
/// it; past that it goes on without one, sharing the cores as every call did before
/// the places. Ordinary calls take well under a millisecond of SQL.
pub const LONG_CALL: Duration = Duration::from_millis(20);

thread_local! {
    /// The place of the call this (blocking-pool) thread runs, if it holds one, and
    /// since when.
    static CPU_PLACE: std::cell::RefCell<Option<(tokio::sync::OwnedSemaphorePermit, std::time::Instant)>> =
        const { std::cell::RefCell::new(None) };
    /// A big request body's place (`server::pipeline`), lent while its call meets the
    /// fault rules: an injected latency gives it up, as it gives up the CPU place.
    static BIG_BODY_PLACE: std::cell::RefCell<Option<tokio::sync::OwnedSemaphorePermit>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with a big body's `place` lent to this thread; the place back, unless a
/// [`wait_off_cpu`] in `f` gave it up (a rule's latency held the one place for big
/// bodies, and every other caller's big body waited behind it, or was refused).
pub fn lending_big_body_place<T>(
    place: &mut Option<tokio::sync::OwnedSemaphorePermit>,
    f: impl FnOnce() -> T,
) -> T {
    BIG_BODY_PLACE.with(|held| *held.borrow_mut() = place.take());
    let out = f();
    *place = BIG_BODY_PLACE.with(|held| held.borrow_mut().take());
    out
}

/// Keeps `place` for the call that this thread now runs, until [`leave_cpu_place`].
pub fn hold_cpu_place(place: tokio::sync::OwnedSemaphorePermit) {
    CPU_PLACE.with(|held| *held.borrow_mut() = Some((place, std::time::Instant::now())));
}

/// Gives back this thread's place among the [`cpu_places`], if it holds one: when its
/// call ends, or before it waits on anything but the CPU.
pub fn leave_cpu_place() {
    CPU_PLACE.with(|held| drop(held.borrow_mut().take()));
}

/// Keeps the calling thread's call waiting for `wait` (the harness's injected latency),
/// off the CPU: its place among the [`cpu_places`] goes to the next call first, and on an
/// async worker thread (a call is answered there when no fault rule is set; one set
/// while the call was under way can still reach it) the worker's other tasks move to
/// another thread meanwhile.
pub fn wait_off_cpu(wait: Duration) {
    leave_cpu_place();
    BIG_BODY_PLACE.with(|held| drop(held.borrow_mut().take()));
    let on_workers = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if on_workers {
        // On a blocking-pool thread this only runs the closure.
        tokio::task::block_in_place(|| std::thread::sleep(wait));
    } else {
        std::thread::sleep(wait);
    }
}

/// Gives back this thread's place if its call has held it past [`LONG_CALL`]; SQLite's
/// progress handler asks as a statement runs (`store::sql_clock`).
pub fn leave_cpu_place_if_long() {
    CPU_PLACE.with(|held| {
        let mut held = held.borrow_mut();
        if held
            .as_ref()
            .is_some_and(|(_, since)| since.elapsed() > LONG_CALL)
        {
            *held = None;
        }
    });
}

/// While alive, the calling thread runs at the lowest CPU priority (nice 19), and then
/// at its own again. Heavy work (parsing a big request body, building a heavy reply)
/// takes turns already; at the lowest priority it also yields the core to ordinary calls
/// whenever one is waiting, and still has it all when none is (issue 10: under abuse, a
/// normal `getObject` otherwise shared its core equally with the heavy work).
///
/// Nothing changes where the thread could not go back: an unprivileged process may not
/// raise its priority past its `RLIMIT_NICE`, and a pool thread left at 19 would slow
/// every later call it ran.
pub struct LowestPriority {
    /// The priority to go back to, when it was lowered.
    #[cfg(target_os = "linux")]
    before: Option<libc::c_int>,
}

impl LowestPriority {
    pub fn new() -> LowestPriority {
        // SAFETY: getpriority, setpriority (PRIO_PROCESS, id 0: the calling thread on
        // Linux), geteuid and getrlimit read or change only the calling thread's
        // scheduling values and fill the local `limit`; a failure changes nothing.
        #[cfg(target_os = "linux")]
        unsafe {
            let before = libc::getpriority(libc::PRIO_PROCESS, 0);
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            let can_return = libc::geteuid() == 0
                || (libc::getrlimit(libc::RLIMIT_NICE, &mut limit) == 0
                    && i64::from(before) >= 20 - limit.rlim_cur as i64);
            if !can_return || before >= 19 {
                return LowestPriority { before: None };
            }
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
            LowestPriority {
                before: Some(before),
            }
        }
        #[cfg(not(target_os = "linux"))]
        LowestPriority {}
    }
}

impl Default for LowestPriority {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for LowestPriority {
    fn drop(&mut self) {
        // SAFETY: as in `new`; `new` checked that going back is permitted.
        #[cfg(target_os = "linux")]
        if let Some(before) = self.before {
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, before);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        limits: Limits,
    }

    /// A call holding a place keeps it through short SQL and gives it back while SQLite
    /// runs long for it (the progress handler `store::sql_clock::spent` asks).
    #[test]
    fn a_call_long_in_sql_gives_its_place_back() {
        let places = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.progress_handler(100, Some(crate::store::sql_clock::spent));
        hold_cpu_place(places.clone().try_acquire_owned().unwrap());
        let count = |n: i64| -> i64 {
            conn.query_row(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?1) \
                 SELECT count(*) FROM c",
                [n],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(count(10), 10);
        assert_eq!(places.available_permits(), 0, "a short statement keeps it");
        let started = std::time::Instant::now();
        let mut n = 100_000;
        while started.elapsed() <= LONG_CALL * 2 {
            assert_eq!(count(n), n);
            n *= 2;
        }
        assert_eq!(places.available_permits(), 1, "a long call gave it back");
        leave_cpu_place();
    }

    #[test]
    fn flag_defaults_are_the_documented_defaults() {
        let parsed = Cli::parse_from(["serve"]).limits;
        let d = Limits::default();
        assert_eq!(parsed.max_objects_per_call, d.max_objects_per_call);
        assert_eq!(parsed.max_reply_bytes, d.max_reply_bytes);
        assert_eq!(parsed.sql_time_budget_ms, d.sql_time_budget_ms);
        assert_eq!(parsed.max_body_bytes, d.max_body_bytes);
        assert_eq!(parsed.max_body_bytes_in_flight, d.max_body_bytes_in_flight);
        assert_eq!(parsed.stall_timeout_secs, d.stall_timeout_secs);
        assert_eq!(parsed.max_streams, d.max_streams);
        assert_eq!(parsed.shutdown_grace_secs, d.shutdown_grace_secs);
    }
}
