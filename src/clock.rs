//! The emulator's clock: "now" for everything the server stamps or compares.
//!
//! Tests of ticket automation need time to pass on demand (auto-close in 72 hours, "closed
//! in the last three days", `sysdate - 7` filters), so no code reads the system clock for
//! a date directly: it asks [`now`]. The clock runs in real time until the control API
//! (`POST /_emulator/clock`) sets it, which freezes it at that instant (as freezegun does:
//! a test that sets the time sees exactly that time until it advances it), or advances
//! it, which moves a frozen clock forward or puts a running one ahead by that much.
//! `{"real": true}` goes back to the system clock.
//!
//! The clock is one per process: a server serves one timeline.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// How the clock relates to the system clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The system clock.
    Real,
    /// The system clock plus this many milliseconds (after an advance in real mode).
    Offset(i64),
    /// Standing still at this instant (milliseconds since the Unix epoch).
    Fixed(i64),
}

static MODE: Mutex<Mode> = Mutex::new(Mode::Real);

fn system_millis() -> i64 {
    Utc::now().timestamp_millis()
}

fn mode() -> Mode {
    *MODE.lock().unwrap_or_else(|p| p.into_inner())
}

thread_local! {
    /// "Now" for this thread while [`as_of`] runs.
    static AS_OF: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with "now" at `at` (milliseconds) on this thread: a scheduled action the
/// clock passed over in one jump happens at its own time, and is stamped so (a ticket
/// auto-closed at 23:45 was closed "today" the next day, at the time of the jump).
pub fn as_of<T>(at: i64, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<i64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            AS_OF.with(|a| a.set(self.0));
        }
    }
    let _restore = Restore(AS_OF.with(|a| a.replace(Some(at))));
    f()
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    if let Some(at) = AS_OF.with(std::cell::Cell::get) {
        return at;
    }
    match mode() {
        Mode::Real => system_millis(),
        Mode::Offset(ms) => system_millis() + ms,
        Mode::Fixed(ms) => ms,
    }
}

/// Now, as a UTC instant.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_millis()).unwrap_or_else(Utc::now)
}

/// Now as SQLite's own `'now'` reads (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), for SQL that
/// compares against the current time through the `emulator_now()` function.
pub fn now_sql() -> String {
    sql_text(now())
}

/// An instant as [`now_sql`] writes one.
pub fn sql_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Counts the clock's changes (set, advanced, back to real time).
static CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Replaces the mode with what `f` makes of it, or leaves it as it was when `f` fails.
fn change<E>(f: impl FnOnce(Mode) -> Result<Mode, E>) -> Result<Mode, E> {
    let mut m = MODE.lock().unwrap_or_else(|p| p.into_inner());
    *m = f(*m)?;
    CHANGES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(*m)
}

/// How many times the clock was set, advanced or put back to real time: what was worked
/// out against an earlier "now" is stale once this moves.
pub fn changes() -> u64 {
    CHANGES.load(std::sync::atomic::Ordering::SeqCst)
}

/// The earliest instant the clock may show, the Unix epoch: before it SQLite's and the
/// clients' date handling gets shaky, and the time-zone database reaches back to local
/// mean time (Central time shows -05:50:36 before 1883).
pub const EARLIEST_MS: i64 = 0;
/// The latest, 9999-12-31T00:00:00Z: years keep their four digits in every zone.
pub const LATEST_MS: i64 = 253_402_214_400_000;

/// A clock change that would leave the range dates can be written in.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error(
    "that would put the clock at {0}; it stays between 1970-01-01T00:00:00Z and \
     9999-12-31T00:00:00Z"
)]
pub struct OutOfRange(String);

/// `ms` when it lies in the clock's range; `None` is an instant past `i64` arithmetic.
fn in_range(ms: Option<i64>) -> Result<i64, OutOfRange> {
    match ms {
        Some(ms) if (EARLIEST_MS..=LATEST_MS).contains(&ms) => Ok(ms),
        _ => Err(OutOfRange(
            ms.and_then(DateTime::from_timestamp_millis)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_else(|| "a date beyond any calendar".into()),
        )),
    }
}

/// Freezes the clock at `at`, if it lies in the clock's range.
pub fn set(at: DateTime<Utc>) -> Result<Mode, OutOfRange> {
    let at = in_range(Some(at.timestamp_millis()))?;
    change(|_| Ok(Mode::Fixed(at)))
}

/// Moves the clock forward (or back, for a negative amount) by `millis`, unless that
/// leaves the clock's range (then it stays as it was).
pub fn advance(millis: i64) -> Result<Mode, OutOfRange> {
    change(|m| match m {
        Mode::Fixed(t) => Ok(Mode::Fixed(in_range(t.checked_add(millis))?)),
        Mode::Real | Mode::Offset(_) => {
            let before = if let Mode::Offset(o) = m { o } else { 0 };
            let offset = before.checked_add(millis);
            in_range(offset.and_then(|o| system_millis().checked_add(o)))?;
            Ok(Mode::Offset(offset.unwrap_or_default()))
        }
    })
}

/// Back to the system clock.
pub fn real() -> Mode {
    let Ok(mode) = change(|_| Ok::<_, std::convert::Infallible>(Mode::Real));
    mode
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error(
    "'{0}' is not a duration: use a number with a unit, several in a row if you like \
     (\"2w\", \"72h\", \"1d12h\", \"90m\", \"30s\", \"1500ms\"; \"-1h\" goes back), \
     or seconds as a JSON number (60, not \"60\")"
)]
pub struct BadDuration(pub String);

/// A duration such as `72h`, `1d12h`, `90m`, `30s`, `1500ms`, `-2h`, in milliseconds.
pub fn parse_duration(text: &str) -> Result<i64, BadDuration> {
    let bad = || BadDuration(text.to_string());
    let trimmed = text.trim();
    let (sign, mut rest) = match trimmed.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms: f64 = match rest[..unit_len].trim() {
            "ms" => 1.0,
            "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
            "d" | "day" | "days" => 86_400_000.0,
            "w" | "week" | "weeks" => 604_800_000.0,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = total.saturating_add((number * unit_ms).round() as i64);
    }
    Ok(sign * total)
}

/// The clock as the control API reports it.
pub fn describe() -> serde_json::Value {
    describe_mode(mode())
}

/// The clock in `mode` as the control API reports it: a change's reply describes the
/// mode that change made, not one another change made since.
pub fn describe_mode(mode: Mode) -> serde_json::Value {
    let system = system_millis();
    let (now, mode, offset) = match mode {
        Mode::Real => (system, "real", 0),
        Mode::Offset(o) => (system + o, "offset", o),
        Mode::Fixed(t) => (t, "fixed", t - system),
    };
    let now = DateTime::from_timestamp_millis(now).unwrap_or_else(Utc::now);
    serde_json::json!({
        "now": crate::time::Zone::CENTRAL.render(now.timestamp_millis()),
        "utc": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "mode": mode,
        "offsetMs": offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_holds_four_digit_years_from_the_epoch() {
        assert_eq!(in_range(Some(0)), Ok(0));
        assert_eq!(in_range(Some(LATEST_MS)), Ok(LATEST_MS));
        assert_eq!(
            crate::time::Zone::CENTRAL.render(LATEST_MS),
            "9999-12-30T18:00:00-06:00"
        );
        assert!(in_range(Some(-1)).is_err());
        assert!(in_range(Some(LATEST_MS + 1)).is_err());
        assert!(in_range(None).is_err());
        let far = in_range(Some(-3_000_000 * 86_400_000))
            .unwrap_err()
            .to_string();
        assert!(
            far.starts_with("that would put the clock at -6244-"),
            "{far}"
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("72h"), Ok(72 * 3_600_000));
        assert_eq!(parse_duration("1d12h"), Ok(36 * 3_600_000));
        assert_eq!(parse_duration("90m"), Ok(90 * 60_000));
        assert_eq!(parse_duration("1500ms"), Ok(1500));
        assert_eq!(parse_duration("-2h"), Ok(-2 * 3_600_000));
        assert_eq!(parse_duration("1.5h"), Ok(90 * 60_000));
        assert!(parse_duration("72").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("3 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }
}
