//! The SQL time budget: how long one call may keep SQLite working without handing a row
//! to its reply, in the CPU time of the thread doing the work (with a limit in wall time
//! too, [`WALL_FACTOR`] times as long, for work held up by the disk or a
//! crowded CPU). The clock starts with the call's transaction and starts again whenever
//! a streamed list hands a row out (the time the row then spends being projected and
//! written to a slow client is not SQLite's). A progress handler, called every
//! [`CHECK_EVERY`] virtual-machine instructions, interrupts the
//! statement running past the budget; the call then fails with a fault naming the limit.
//!
//! The clock is per thread: a connection is used by one thread at a time, and the
//! progress handler runs on the thread that steps the statement.

use std::cell::Cell;
use std::thread::LocalKey;
use std::time::{Duration, Instant};

/// About 10–50 µs of work between checks: the check is a clock read.
pub const CHECK_EVERY: i32 = 1000;

thread_local! {
    /// When the clock started, and this thread's CPU time then ([`thread_cpu_time`];
    /// none outside a serving process, which has no budget).
    static STARTED: Cell<Option<(Instant, Option<Duration>)>> = const { Cell::new(None) };
    /// The last reading of this thread's CPU time, and when it was taken.
    static CPU_READ: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
    /// A shorter limit for the work running inside [`quick`], and whether it was hit.
    static LIMIT: Cell<Option<Duration>> = const { Cell::new(None) };
    static RAN_OUT: Cell<bool> = const { Cell::new(false) };
    /// When the read snapshot of the work inside [`until`] must be let go, and
    /// whether that interrupted anything.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static OUTLIVED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with a deadline in wall-clock time besides the budget (a streamed list's
/// life): SQL work on the clock ([`timed`]) still running at `deadline` is interrupted
/// the way the budget interrupts it. With `f`'s result, whether the deadline
/// interrupted anything; the call's answer is then that it outlived its deadline, not
/// the budget's fault.
pub fn until<T>(deadline: Instant, f: impl FnOnce() -> T) -> (T, bool) {
    scoped(&DEADLINE, deadline, &OUTLIVED, f)
}

/// Whether the work inside [`until`] is past its deadline. Only while the clock runs,
/// as the budget counts: a `BEGIN` interrupted after it opened the transaction would
/// leave its pooled connection in it.
fn outlived() -> bool {
    let past = STARTED.with(|s| s.get()).is_some()
        && DEADLINE
            .with(|d| d.get())
            .is_some_and(|d| Instant::now() >= d);
    if past {
        OUTLIVED.with(|o| o.set(true));
    }
    past
}

/// Runs `f` as a quick read: each of its read transactions runs on a quick reader
/// (memory-mapped, see `MAP_BYTES`), and its SQL work is limited to `limit`
/// (besides the call's budget): a statement past it is interrupted, as past the
/// budget. With `f`'s result, whether the limit interrupted anything; its result is
/// then not the call's answer (the pipeline runs such a read again on the blocking
/// pool).
pub fn quick<T>(limit: Duration, f: impl FnOnce() -> T) -> (T, bool) {
    scoped(&LIMIT, limit, &RAN_OUT, f)
}

/// Runs `f` with `slot` set to `value`, cleared however `f` ends (a panic is answered
/// further up, and the thread goes on with other calls); with `f`'s result, whether
/// `hit` was raised meanwhile.
fn scoped<T, V: Copy + 'static>(
    slot: &'static LocalKey<Cell<Option<V>>>,
    value: V,
    hit: &'static LocalKey<Cell<bool>>,
    f: impl FnOnce() -> T,
) -> (T, bool) {
    struct Cleared<V: 'static>(&'static LocalKey<Cell<Option<V>>>);
    impl<V: 'static> Drop for Cleared<V> {
        fn drop(&mut self) {
            self.0.with(|s| s.set(None));
        }
    }
    slot.with(|s| s.set(Some(value)));
    hit.with(|h| h.set(false));
    let cleared = Cleared(slot);
    let out = f();
    drop(cleared);
    (out, hit.with(|h| h.replace(false)))
}

/// Whether this thread runs a quick read ([`quick`]).
pub(super) fn quick_now() -> bool {
    LIMIT.with(|l| l.get()).is_some()
}

/// In a quick read past its limit, gives it up and returns true: for work between
/// statements (projecting the rows of one large query), which the progress handler
/// does not see.
pub fn quick_past_limit() -> bool {
    let past = LIMIT.with(|l| l.get()).is_some_and(over);
    if past {
        RAN_OUT.with(|r| r.set(true));
    }
    past
}

/// In a quick read, gives it up as if its limit had passed, and returns true: for
/// work that may wait (a heavy reply's turn), which must not wait on an async thread.
pub fn give_up_quick() -> bool {
    let quick = quick_now();
    if quick {
        RAN_OUT.with(|r| r.set(true));
    }
    quick
}

/// Runs `f` as SQL work on the clock, stopped however `f` ends: after a panic
/// (answered further up) the thread goes on with other calls, which must not be
/// timed from this one's start.
pub fn timed<T>(f: impl FnOnce() -> T) -> T {
    struct Stopped;
    impl Drop for Stopped {
        fn drop(&mut self) {
            stop();
        }
    }
    start();
    let _stopped = Stopped;
    f()
}

/// The clock starts again: a streamed row was handed out, or (from [`timed`]) a
/// call's SQL work begins.
pub fn start() {
    let now = Instant::now();
    let cpu = crate::limits::serving().then(|| cpu_time_about(now));
    STARTED.with(|s| s.set(Some((now, cpu))));
}

/// This thread's CPU time at `now`, or up to [`CPU_READ_EVERY`] less (its reading
/// then, which counts that much more against the budget): a streamed list starts the
/// clock again for every row, 60,000 times a second, and a reading is a system call
/// (0.4 µs here).
fn cpu_time_about(now: Instant) -> Duration {
    CPU_READ.with(|read| match read.get() {
        Some((at, cpu)) if now.saturating_duration_since(at) < CPU_READ_EVERY => cpu,
        _ => {
            let cpu = thread_cpu_time();
            read.set(Some((now, cpu)));
            cpu
        }
    })
}

/// See [`cpu_time_about`].
const CPU_READ_EVERY: Duration = Duration::from_millis(1);

fn stop() {
    STARTED.with(|s| s.set(None));
}

/// Whether the work running on this thread has run past `limit` on the wall clock
/// (a quick read's limit: it holds an async thread, whose time is what counts).
fn over(limit: Duration) -> bool {
    STARTED.with(|s| s.get().is_some_and(|(t, _)| t.elapsed() > limit))
}

/// How much longer than the budget the work may take on the wall clock, waiting for
/// the CPU or the disk, before it is stopped all the same. Generous: a thread at
/// nice 10 sharing a core with one busy thread at nice 0 gets a tenth of it.
const WALL_FACTOR: u32 = 10;

/// Whether the work running on this thread has spent `budget` of CPU time, or
/// [`WALL_FACTOR`] times it on the wall clock. Calls run niced (the blocking pool
/// at nice 10, heavy replies at 19), so on a busy machine most of a call's wall time
/// can be spent waiting for a core: counted in wall time, the same search answered
/// in 0.2 s on an idle machine ran out of a 4 s budget under load. The CPU clock is
/// read here only once the wall clock is past the budget (a thread's CPU time never
/// runs ahead of its wall time), so the check costs ordinary calls nothing; the
/// reading the clock starts from is [`cpu_time_about`]'s.
fn over_budget(budget: Duration) -> bool {
    let Some((wall, Some(cpu))) = STARTED.with(|s| s.get()) else {
        return false;
    };
    spent_since(wall, cpu, budget)
}

/// Whether this thread has spent `budget` of CPU time since `wall` (when its CPU
/// time was `cpu`), or [`WALL_FACTOR`] times it on the wall clock; the CPU clock is
/// read only past `budget` on the wall clock.
fn spent_since(wall: Instant, cpu: Duration, budget: Duration) -> bool {
    let waited = wall.elapsed();
    waited > budget
        && (waited > budget.saturating_mul(WALL_FACTOR)
            || thread_cpu_time().saturating_sub(cpu) > budget)
}

/// A shorter budget for part of a call's work on this thread, counted as the call's
/// is (CPU time, with the wall-clock limit): a query plan's try (`query::within`).
#[derive(Clone, Copy)]
pub(crate) struct Allowance {
    wall: Instant,
    cpu: Duration,
    budget: Duration,
}

impl Allowance {
    pub(crate) fn new(budget: Duration) -> Allowance {
        let wall = Instant::now();
        Allowance {
            wall,
            cpu: cpu_time_about(wall),
            budget,
        }
    }

    /// Whether the allowance is spent (on the thread that made it).
    pub(crate) fn spent(&self) -> bool {
        spent_since(self.wall, self.cpu, self.budget)
    }
}

/// The CPU time this thread has used (on systems without a per-thread CPU clock, the
/// time since an arbitrary instant, so that the budget is wall time there).
fn thread_cpu_time() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes only the `timespec` it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

/// Whether the call running on this thread must stop its SQL work: it has spent its
/// SQL time budget (only a serving process has one), or a quick read its limit
/// ([`quick`]), or it is past its deadline ([`until`]).
pub fn spent() -> bool {
    // Also where a long call gives up its place on the CPU (limits::cpu_places).
    crate::limits::leave_cpu_place_if_long();
    if quick_past_limit() || outlived() {
        return true;
    }
    crate::limits::serving() && over_budget(crate::limits::get().sql_time_budget())
}

/// Whether a store error is the progress handler's interruption.
pub fn interrupted(e: &super::StoreError) -> bool {
    matches!(
        e,
        super::StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::OperationInterrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_clock() {
        STARTED.with(|s| s.set(Some((Instant::now(), Some(thread_cpu_time())))));
    }

    /// Time spent off the CPU counts only past the wall-clock limit; time on it
    /// counts at once.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_budget_is_cpu_time_with_a_longer_wall_clock_limit() {
        let budget = Duration::from_millis(50);
        start_clock();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!over_budget(budget), "100 ms asleep spent a 50 ms budget");
        std::thread::sleep(Duration::from_millis(420));
        assert!(over_budget(budget), "past 10 times the budget, asleep");
        start_clock();
        let spin = thread_cpu_time();
        while thread_cpu_time() - spin < Duration::from_millis(60) {
            std::hint::black_box(0u64);
        }
        assert!(over_budget(budget), "60 ms on the CPU left a 50 ms budget");
        stop();
    }

    /// A plan's try (`query::within`) is counted so too.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_allowance_is_cpu_time_with_a_longer_wall_clock_limit() {
        let allowance = Allowance::new(Duration::from_millis(30));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!allowance.spent(), "60 ms asleep spent a 30 ms allowance");
        let spin = thread_cpu_time();
        while thread_cpu_time() - spin < Duration::from_millis(35) {
            std::hint::black_box(0u64);
        }
        assert!(allowance.spent(), "35 ms on the CPU left a 30 ms allowance");
        let asleep = Allowance::new(Duration::from_millis(30));
        std::thread::sleep(Duration::from_millis(310));
        assert!(asleep.spent(), "past 10 times the allowance, asleep");
    }

    #[test]
    fn work_past_its_deadline_is_spent_and_says_so() {
        let ((), outlived) = until(Instant::now() + Duration::from_secs(60), || {
            timed(|| assert!(!spent()));
        });
        assert!(!outlived);
        let ((), outlived) = until(Instant::now(), || {
            assert!(!spent(), "off the clock, the deadline does not count");
            timed(|| assert!(spent()));
        });
        assert!(outlived);
        assert!(!timed(spent), "the deadline ends with the work");
    }

    #[test]
    fn work_that_panics_leaves_the_clock_stopped() {
        let caught = std::panic::catch_unwind(|| timed(|| panic!("in the SQL work")));
        assert!(caught.is_err());
        assert!(STARTED.with(|s| s.get()).is_none());
        assert_eq!(timed(|| 7), 7);
        assert!(STARTED.with(|s| s.get()).is_none());
    }
}
