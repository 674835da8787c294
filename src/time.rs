//! Time: the one place that reads the clock, knows time zones and SoftLayer's date formats.
//!
//! SLDN's date article: "Data in the API is centric to the Central time zone (CST/CDT).
//! Which means that unless you specify a timezone in your request, CST/CDT will be
//! assumed", and dates are shown in the calling user's time-zone setting (`timezoneId`,
//! with `daylightSavingsTimeFlag`; daylight saving is on unless the flag says 0). So:
//!
//! * stored dates are ISO 8601 with their offset (the emulator stamps new ones in Central
//!   time, as the real API's own records are);
//! * a reply renders every date in the caller's [`Zone`] ([`Zone::render_stored`]);
//! * a date a caller sends without an offset is read in the caller's zone ([`parse`]).
//!
//! Zone rules come from the IANA database (`chrono-tz`), never from hand-written rules.

use crate::value::PhpTrim;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike,
};
use chrono_tz::{OffsetComponents, Tz};

/// The `SoftLayer_Locale_Timezone` catalogue entries the emulator knows: id → IANA name.
///
/// 113 is America/Chicago in softlayer-python's `SoftLayer_User_Customer` fixture
/// (`'timezone': {'id': 113, 'name': 'America/Chicago', 'offset': '-0600', …}`). The
/// references at hand publish no other id, so the others are the emulator's own choice,
/// kept apart from 113 and stable so that seed files can name them.
pub const TIMEZONES: &[(i64, &str)] = &[
    (113, "America/Chicago"),
    (114, "America/New_York"),
    (115, "America/Denver"),
    (116, "America/Los_Angeles"),
    (117, "UTC"),
    (118, "Europe/London"),
    (119, "Europe/Berlin"),
    (120, "Europe/Stockholm"),
    (121, "Asia/Tokyo"),
    (122, "Asia/Kolkata"),
    (123, "Australia/Sydney"),
    (124, "Europe/Amsterdam"),
];

/// The current instant in milliseconds since the Unix epoch, from the emulator's clock
/// (`crate::clock`, which tests can set).
pub fn now_ms() -> i64 {
    crate::clock::now_millis()
}

/// Now, as the emulator stamps dates it stores: Central time with its offset.
pub fn stamp() -> String {
    Zone::CENTRAL.render(now_ms())
}

/// A time zone as a SoftLayer user sets it: a zone, and whether daylight saving applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Zone {
    pub tz: Tz,
    pub daylight_saving: bool,
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::CENTRAL
    }
}

impl Zone {
    /// US Central time with daylight saving: the API's zone where the user has none.
    pub const CENTRAL: Zone = Zone {
        tz: chrono_tz::America::Chicago,
        daylight_saving: true,
    };

    /// A user's zone from `timezoneId` and `daylightSavingsTimeFlag` (Central time when
    /// the id is unset or unknown; daylight saving unless the flag is false).
    pub fn of_user(timezone_id: Option<i64>, daylight_saving: Option<bool>) -> Zone {
        let tz = timezone_id
            .and_then(|id| TIMEZONES.iter().find(|(i, _)| *i == id))
            .and_then(|(_, name)| name.parse::<Tz>().ok())
            .unwrap_or(chrono_tz::America::Chicago);
        Zone {
            tz,
            daylight_saving: daylight_saving.unwrap_or(true),
        }
    }

    /// The offset east of UTC in seconds at a UTC instant, in whole minutes: dates are
    /// written with `±HH:MM`, so a zone's local mean time before standard time (Chicago's
    /// -05:50:36 until 1883) is cut to its minutes, or the written date would name another
    /// instant than the one computed.
    pub fn offset_seconds(&self, utc_ms: i64) -> i64 {
        let utc = DateTime::from_timestamp_millis(utc_ms)
            .unwrap_or_default()
            .naive_utc();
        let offset = self.tz.offset_from_utc_datetime(&utc);
        let seconds = if self.daylight_saving {
            offset.fix().local_minus_utc()
        } else {
            offset.base_utc_offset().num_seconds() as i32
        };
        i64::from(seconds / 60 * 60)
    }

    /// A UTC instant as this zone's local time.
    pub fn local(&self, utc_ms: i64) -> NaiveDateTime {
        DateTime::from_timestamp_millis(utc_ms + self.offset_seconds(utc_ms) * 1000)
            .unwrap_or_default()
            .naive_utc()
    }

    /// A local time of this zone as a UTC instant. In the autumn's repeated hour the
    /// earlier (daylight) instant is taken; a time in the spring's skipped hour is read
    /// with the offset in force before it (standard time).
    pub fn utc_ms_of(&self, local: NaiveDateTime) -> i64 {
        let naive_ms = local.and_utc().timestamp_millis();
        if !self.daylight_saving {
            return naive_ms - self.offset_seconds(naive_ms) * 1000;
        }
        // The period in force is chrono's; its offset is `offset_seconds`' (whole minutes).
        let in_force = match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t.timestamp_millis(),
            chrono::LocalResult::Ambiguous(early, _) => early.timestamp_millis(),
            chrono::LocalResult::None => naive_ms - 86_400_000,
        };
        naive_ms - self.offset_seconds(in_force) * 1000
    }

    /// An instant as SoftLayer writes dates: `2007-07-19T15:21:48-05:00`.
    pub fn render(&self, utc_ms: i64) -> String {
        let offset = self.offset_seconds(utc_ms);
        let local = DateTime::from_timestamp_millis(utc_ms + offset * 1000)
            .unwrap_or_default()
            .naive_utc();
        let sign = if offset < 0 { '-' } else { '+' };
        let offset = offset.abs();
        let (hours, minutes) = (offset / 3600, offset % 3600 / 60);
        // Every date of every reply comes through here: written digit by digit rather
        // than through a strftime pattern parsed per call (4% of a getObject's CPU) or
        // `write!` with padded fields (another 4% of its instructions, callgrind).
        // Years outside 0-9999 need chrono's signed form.
        if !(0..=9999).contains(&local.year()) {
            return format!(
                "{}{sign}{hours:02}:{minutes:02}",
                local.format("%Y-%m-%dT%H:%M:%S")
            );
        }
        let mut out = String::with_capacity(25);
        push_digits(&mut out, local.year() as u32, 4);
        out.push('-');
        push_digits(&mut out, local.month(), 2);
        out.push('-');
        push_digits(&mut out, local.day(), 2);
        out.push('T');
        push_digits(&mut out, local.hour(), 2);
        out.push(':');
        push_digits(&mut out, local.minute(), 2);
        out.push(':');
        push_digits(&mut out, local.second(), 2);
        out.push(sign);
        push_digits(&mut out, hours as u32, 2);
        out.push(':');
        push_digits(&mut out, minutes as u32, 2);
        out
    }

    /// A stored date (ISO 8601 with offset) rendered in this zone; text that is not such
    /// a date is returned as it is.
    pub fn render_stored(&self, stored: &str) -> Option<String> {
        let stored = stored.trim();
        // Stored dates are mostly written in the server's own form and in the zone most
        // callers have: then the rendering is the text itself (parsing and rendering
        // every date of a reply was 3.5% of an uncached getObject's instructions).
        // In another offset, the instant is rendered again without parsing it twice.
        if let Some((utc_ms, offset)) = parse_written(stored) {
            if self.offset_seconds(utc_ms) == offset {
                return Some(stored.to_string());
            }
            return Some(self.render(utc_ms));
        }
        let instant = DateTime::parse_from_rfc3339(stored).ok()?;
        Some(self.render(millis_as_sqlite_reads(&instant)))
    }
}

/// The instant in milliseconds as SQLite's date functions read it, which filters, orders
/// and the scheduler compare: its fraction rounded to the nearest millisecond. Cut
/// instead, an imported `10:00:00.9996` showed as 10:00:00 and was found as 10:00:01.
fn millis_as_sqlite_reads<Tz: chrono::TimeZone>(instant: &DateTime<Tz>) -> i64 {
    let below_a_milli = instant.timestamp_subsec_nanos() % 1_000_000;
    instant.timestamp_millis() + i64::from(below_a_milli >= 500_000)
}

/// Whether `text` is a date [`Zone::render_stored`] can render: ISO 8601 with its offset,
/// in the server's own form or any other RFC 3339 form, in the years [`parse`] reads, but
/// not a leap second
/// (`23:59:60`) or a lower-case `t`, which RFC 3339 allows and SQLite's date functions do
/// not read: such a date would drop out of every filter and order.
pub fn is_stored_date(text: &str) -> bool {
    stored_date_ms(text).is_some_and(|ms| (FIRST_WRITABLE_MS..=LAST_WRITABLE_MS).contains(&ms))
}

/// The instant in UTC of a date written in one of [`is_stored_date`]'s forms but outside
/// the years it takes (`9999-12-31T12:00:00-06:00` is `9999-12-31T18:00:00Z`), for a
/// message: told only "the years 0001 to 9999", a date in 9999 read as refused for nothing.
pub fn outside_stored_range(text: &str) -> Option<String> {
    let ms = stored_date_ms(text)?;
    if (FIRST_WRITABLE_MS..=LAST_WRITABLE_MS).contains(&ms) {
        return None;
    }
    let utc = DateTime::from_timestamp_millis(ms)?;
    Some(utc.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The instants a date may name, in UTC.
pub const WRITABLE_RANGE: &str = "0001-01-02T00:00:00Z to 9999-12-31T10:00:00Z";

/// The instant of a date a document may store ([`is_stored_date`]'s forms), in
/// milliseconds since the epoch.
pub fn stored_date_ms(text: &str) -> Option<i64> {
    let text = text.php_trim();
    parse_written(text).map(|(ms, _)| ms).or_else(|| {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .filter(|date| {
                date.nanosecond() < 1_000_000_000 && text.as_bytes().get(10) != Some(&b't')
            })
            .map(|date| millis_as_sqlite_reads(&date))
    })
}

/// An ISO 8601 date and time with its offset (`2026-11-30T14:05:09-06:00`, `…Z`), the
/// instant the control API's clock and journal take: read as the API reads dates
/// ([`parse`]: `24:00:00` is the next day's midnight, a leap second is no time), where
/// chrono's RFC 3339 parser refused the one and took the other.
pub fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim_ascii();
    let iso_date = text.len() > 10
        && text.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && text.as_bytes()[4] == b'-';
    let time = text.get(10..)?;
    let with_offset = time.ends_with(['Z', 'z']) || time.contains(['+', '-']);
    if !(iso_date && with_offset) {
        return None;
    }
    parse(text, Zone::CENTRAL, 0)
        .map(|span| span.start)
        .or_else(|| {
            // RFC 3339's other forms (a space for the `T`), which `parse` does not read.
            DateTime::parse_from_rfc3339(text)
                .ok()
                .filter(|date| date.nanosecond() < 1_000_000_000)
                .map(|date| date.timestamp_millis())
        })
}

/// A date as [`Zone::render`] writes them (`2026-11-30T14:05:09-06:00`; a zero offset as
/// `+00:00`): its instant (milliseconds since the epoch) and offset in seconds. Read
/// without chrono's parser; anything else, even another valid ISO 8601 form, is `None`.
pub fn parse_written(s: &str) -> Option<(i64, i64)> {
    let b = s.as_bytes();
    let shape = b.len() == 25
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && matches!(b[19], b'+' | b'-')
        && b[22] == b':';
    if !shape {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (y, mo, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (h, mi, sec) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let (oh, om) = (digits(20..22)?, digits(23..25)?);
    if oh >= 24 || om >= 60 || (b[19] == b'-' && oh == 0 && om == 0) {
        return None;
    }
    let local = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_opt(h, mi, sec)?;
    let offset = i64::from(oh * 3600 + om * 60) * if b[19] == b'-' { -1 } else { 1 };
    Some((local.and_utc().timestamp_millis() - offset * 1000, offset))
}

/// `n` as exactly `width` decimal digits, zero-padded (`n` fits: dates only).
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
    }
}

/// A span of time in milliseconds since the Unix epoch, `start` included and `end`
/// excluded; `start == end` is an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub start: i64,
    pub end: i64,
}

impl DateSpan {
    pub fn instant(ms: i64) -> DateSpan {
        DateSpan { start: ms, end: ms }
    }

    pub fn is_instant(&self) -> bool {
        self.start == self.end
    }
}

const MS_PER_DAY: i64 = 86_400_000;

/// The date formats [`parse`] reads, for fault messages.
pub const DATE_FORMATS: &str = "dates are MM/DD/YYYY, MM/DD/YYYY HH:MM:SS, ISO 8601 \
    (YYYY-MM-DDTHH:MM:SS-06:00), or sysdate/currentDate minus a number of days.";

/// The one date parser: what callers send (filters, date arguments) into the span it
/// stands for. `MM/DD/YYYY[ HH:MM[:SS]]` (also `M/D/YY`), ISO 8601 (`YYYY-MM-DD`,
/// `YYYYMMDD`, `…THH:MM:SS[.fff][Z|±HH:MM]`), or relative (`sysdate ± N` days,
/// `currentDate ± N` whole days). Without an offset a date is in `zone`. A date without a
/// time is its whole day; a time to the minute or second is that minute or second.
/// A fraction past the millisecond is cut: filters compare to the millisecond, and the
/// millisecond named is the one the instant sent is in.
pub fn parse(text: &str, zone: Zone, now_ms: i64) -> Option<DateSpan> {
    parse_within_years(text, zone, now_ms).map(|(span, _)| span)
}

/// [`parse`], and whether a fraction past the span's millisecond was cut.
fn parse_within_years(text: &str, zone: Zone, now_ms: i64) -> Option<(DateSpan, bool)> {
    parse_any_year(text, zone, now_ms)
        .filter(|(span, _)| (FIRST_WRITABLE_MS..=LAST_WRITABLE_MS).contains(&span.start))
}

/// 0001-01-02T00:00:00Z: from here on a date has a year of four digits, 0001 or later, in
/// every zone. Year 0000 is no `xsd:dateTime` (zeep: "year 0 is out of range").
const FIRST_WRITABLE_MS: i64 = -62_135_510_400_000;
/// 9999-12-31T10:00:00Z: up to here it has four digits in every zone (the clock stops
/// earlier still). `12/31/9999`, a "never" sentinel, is still a date west of UTC+14;
/// `9999-12-31T23:59:59-12:00` is not: it was written back as `+10000-01-01…`, typed
/// `xsd:string` over SOAP, and a scheduled action at it never fired.
const LAST_WRITABLE_MS: i64 = 253_402_250_400_000;

/// Why `text` is no date [`parse`] reads, for a fault: `formats` (how dates are written),
/// unless it is written so and only its year is out of reach (softlayer-go's zero time,
/// `0001-01-01T00:00:00Z`, was told to use ISO 8601).
pub fn refusal(text: &str, zone: Zone, formats: &str) -> String {
    if parse_any_year(text, zone, now_ms()).is_some() {
        format!("dates run from {WRITABLE_RANGE}")
    } else {
        formats.to_string()
    }
}

/// Whether `text`, no date [`parse`] reads, would be one with one of its spaces a `+`
/// (`2026-06-15T00:00:00 09:00`, `sysdate 1`): a `+` sent raw in a URL query.
pub fn parses_with_plus_for_a_space(text: &str, zone: Zone, now_ms: i64) -> bool {
    let text = text.trim_ascii();
    // Each space is one more parse of the whole text: a date is far shorter, and a long
    // value (exact comparisons take any length) is no date with a lost `+`.
    if text.len() > 64 {
        return false;
    }
    text.match_indices(' ').any(|(i, _)| {
        let mut with_plus = text.to_string();
        with_plus.replace_range(i..=i, "+");
        parse(&with_plus, zone, now_ms).is_some()
    })
}

/// [`parse_within_years`] without the bounds on the year.
fn parse_any_year(text: &str, zone: Zone, now_ms: i64) -> Option<(DateSpan, bool)> {
    // PHP's `trim()` (the API's), the time's too: "…00:00:00Z\u{3000}" was a date
    // while "\u{a0}2027-01-03…" was not.
    let text = text.php_trim();
    if let Some(span) = relative_date(text, zone, now_ms) {
        return Some((span, false));
    }
    let (date_part, rest) = match text.find([' ', 'T', 't']) {
        Some(i) => (&text[..i], text[i + 1..].php_trim()),
        None => (text, ""),
    };
    let date = if date_part.contains('/') {
        us_date(date_part)?
    } else {
        iso_date(date_part)?
    };
    if rest.is_empty() {
        return day_span(date, zone).map(|span| (span, false));
    }
    let (time_text, offset) = split_offset(rest)?;
    let time = time_of_day(time_text.php_trim())?;
    let date = if time.next_day {
        date.succ_opt()?
    } else {
        date
    };
    let local = date.and_time(time.second);
    let start = match offset {
        Some(seconds) => local.and_utc().timestamp_millis() - seconds * 1000,
        None => zone.utc_ms_of(local),
    } + time.millis;
    let span = DateSpan {
        start,
        end: start + time.granule_ms,
    };
    Some((span, time.past_millisecond))
}

/// Midnight in US Central time `days` after today's on the emulator's clock, written as
/// `emulator_now()` writes instants (UTC): SQL's bounds of "today", the API's day being
/// Central's (SLDN's date article: "Data in the API is centric to the Central time zone").
pub fn central_midnight_sql(days: i64) -> Option<String> {
    let today = Zone::CENTRAL.local(crate::clock::now_millis()).date();
    let day = today.checked_add_signed(Duration::days(days))?;
    let ms = Zone::CENTRAL.utc_ms_of(day.and_time(NaiveTime::MIN));
    DateTime::from_timestamp_millis(ms).map(crate::clock::sql_text)
}

/// A date a caller sends, as stored text (Central time, ISO 8601 with offset): its start,
/// a fraction of a second rounded up to the next whole one. Stored dates are whole
/// seconds and every use is "at or after": a close at 10:00:00 is not since 10:00:00.900
/// (the fraction was dropped, and it was), and an alert asked for at 12:00:00.999 does not
/// run 999 ms early.
pub fn parse_to_stored(text: &str, zone: Zone) -> Option<String> {
    let (span, past_millisecond) = parse_within_years(text, zone, now_ms())?;
    // 10:00:00.0004 is after 10:00:00 all the same (it was cut to 10:00:00.000, and an
    // alert asked for then ran 0.4 ms early).
    let after = span.start + i64::from(past_millisecond);
    Some(Zone::CENTRAL.render((after + 999).div_euclid(1000) * 1000))
}

fn day_span(day: NaiveDate, zone: Zone) -> Option<DateSpan> {
    let start = zone.utc_ms_of(day.and_time(NaiveTime::MIN));
    let end = zone.utc_ms_of(day.succ_opt()?.and_time(NaiveTime::MIN));
    Some(DateSpan { start, end })
}

/// `sysdate`, `sysdate - 30`, `currentDate - 7`, `currentDate + 1` (any case, spaces optional).
fn relative_date(text: &str, zone: Zone, now_ms: i64) -> Option<DateSpan> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let (base, rest) = if let Some(rest) = compact.strip_prefix("sysdate") {
        ("sysdate", rest)
    } else if let Some(rest) = compact.strip_prefix("currentdate") {
        ("currentdate", rest)
    } else {
        return None;
    };
    let days: f64 = if rest.is_empty() {
        0.0
    } else {
        let (sign, number) = match rest.as_bytes()[0] {
            b'-' => (-1.0, &rest[1..]),
            b'+' => (1.0, &rest[1..]),
            _ => return None,
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        sign * number.parse::<f64>().ok()?
    };
    if !days.is_finite() || days.abs() > 1_000_000.0 {
        return None;
    }
    if base == "sysdate" {
        return Some(DateSpan::instant(
            now_ms + (days * MS_PER_DAY as f64) as i64,
        ));
    }
    if days.fract() != 0.0 {
        return None;
    }
    let today = zone.local(now_ms).date();
    let day = today.checked_add_signed(Duration::days(days as i64))?;
    day_span(day, zone)
}

/// `MM/DD/YYYY`, `M/D/YYYY`, `MM/DD/YY` (20YY).
fn us_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (month, day) = (num(m, 2)?, num(d, 2)?);
    let year = match y.len() {
        2 => 2000 + num(y, 2)? as i32,
        4 => num(y, 4)? as i32,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `YYYY-MM-DD` or the compact `YYYYMMDD` (XML-RPC's dateTime.iso8601).
fn iso_date(text: &str) -> Option<NaiveDate> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = if text.len() == 8 && digits(text) {
        (&text[..4], &text[4..6], &text[6..])
    } else {
        let mut parts = text.split('-');
        let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        if parts.3.is_some() {
            return None;
        }
        (parts.0, parts.1, parts.2)
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    if !(digits(y) && digits(m) && digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Splits a trailing UTC offset (`Z`, `+HH:MM`, `-HHMM`, `-HH`) from a time; the offset in
/// seconds east of UTC.
fn split_offset(text: &str) -> Option<(&str, Option<i64>)> {
    if let Some(time) = text.strip_suffix(['Z', 'z']) {
        return Some((time, Some(0)));
    }
    let Some(i) = text.rfind(['+', '-']) else {
        return Some((text, None));
    };
    let sign = if text.as_bytes()[i] == b'-' { -1 } else { 1 };
    let digits: String = text[i + 1..]
        .php_trim()
        .chars()
        .filter(|c| *c != ':')
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = match digits.len() {
        2 => (digits.parse().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some((&text[..i], Some(sign * (h * 3600 + m * 60))))
}

/// A time of day as [`time_of_day`] reads it.
struct TimeOfDay {
    /// The whole second.
    second: NaiveTime,
    /// `24:00:00`, XML Schema's and ISO 8601's end of the day: the next day's midnight.
    next_day: bool,
    /// Milliseconds after `second` (0 to 999).
    millis: i64,
    /// Digits past the millisecond that are not all zero, cut from `millis`.
    past_millisecond: bool,
    /// The length of time the text names: a minute, a second or a millisecond.
    granule_ms: i64,
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff…` (one or two digit fields), or `HHMM[SS[.fff]]`,
/// and `24:00[:00]` as the end of the day.
fn time_of_day(text: &str) -> Option<TimeOfDay> {
    let (main, fraction) = match text.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (text, None),
    };
    let basic = !main.contains(':')
        && matches!(main.len(), 4 | 6)
        && main.bytes().all(|b| b.is_ascii_digit());
    let fields: Vec<&str> = if basic {
        // ISO 8601's basic form, `HHMM[SS]`: Java's aXMLRPC sends `19700101T000000`.
        (0..main.len())
            .step_by(2)
            .map(|i| &main[i..i + 2])
            .collect()
    } else {
        main.split(':').collect()
    };
    if !(2..=3).contains(&fields.len()) {
        return None;
    }
    let mut nums = [0u32; 3];
    for (i, f) in fields.iter().enumerate() {
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        nums[i] = f.parse().ok()?;
    }
    let mut granule_ms = if fields.len() == 2 { 60_000 } else { 1000 };
    let mut millis = 0;
    let mut past_millisecond = false;
    if let Some(f) = fraction {
        if fields.len() != 3 || f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (first, rest) = f.split_at(f.len().min(3));
        millis = first.parse::<i64>().ok()? * 10_i64.pow(3 - first.len() as u32);
        past_millisecond = rest.bytes().any(|b| b != b'0');
        granule_ms = 1;
    }
    let next_day = nums == [24, 0, 0] && millis == 0 && !past_millisecond;
    let second = if next_day {
        NaiveTime::MIN
    } else {
        NaiveTime::from_hms_opt(nums[0], nums[1], nums[2])?
    };
    Some(TimeOfDay {
        second,
        next_day,
        millis,
        past_millisecond,
        granule_ms,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_instants_are_read_as_the_api_reads_dates() {
        let at = |t: &str| parse_instant(t);
        assert_eq!(
            at("2031-02-01T24:00:00-06:00"),
            at("2031-02-02T00:00:00-06:00")
        );
        assert!(at("2031-02-02T00:00:00-06:00").is_some());
        assert_eq!(at("2031-02-02T06:00:00Z"), at("2031-02-02T00:00:00-06:00"));
        assert_eq!(at("2031-02-02 06:00:00Z"), at("2031-02-02T06:00:00Z"));
        assert_eq!(at("2031-02-02T06:00:00.250Z").unwrap() % 1000, 250);
        for refused in [
            "2031-02-01T23:59:60-06:00",
            "2031-02-01T24:00:00.5-06:00",
            "2031-02-01T10:00:00",
            "2031-02-01",
            "02/01/2031 10:00",
            "sysdate - 30",
            "currentDate - 1",
            "é2031-02-01T10:00:00Z",
            "",
        ] {
            assert_eq!(at(refused), None, "{refused}");
        }
    }

    use super::*;

    fn ms(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    /// Stored dates are whole seconds, and a date sent is "at or after": its fraction
    /// rounds up, never down (a close at 10:00:00 was "since" 10:00:00.900).
    #[test]
    fn a_date_sent_with_a_fraction_is_stored_as_the_next_whole_second() {
        let c = Zone::CENTRAL;
        assert_eq!(
            parse_to_stored("2027-02-01T10:00:00.900-06:00", c).as_deref(),
            Some("2027-02-01T10:00:01-06:00")
        );
        assert_eq!(
            parse_to_stored("2027-02-01T16:00:00.001Z", c).as_deref(),
            Some("2027-02-01T10:00:01-06:00")
        );
        assert_eq!(
            parse_to_stored("2027-02-01T10:00:00.000-06:00", c).as_deref(),
            Some("2027-02-01T10:00:00-06:00")
        );
        // Before 1970 too (the instant is negative).
        assert_eq!(
            parse_to_stored("1969-12-31T18:00:00.500-06:00", c).as_deref(),
            Some("1969-12-31T18:00:01-06:00")
        );
        // A fraction under a millisecond is a fraction all the same (it was dropped).
        for fraction in ["0004", "0000001", "000000000000000001"] {
            assert_eq!(
                parse_to_stored(&format!("2027-02-01T10:00:00.{fraction}-06:00"), c).as_deref(),
                Some("2027-02-01T10:00:01-06:00"),
                "{fraction}"
            );
        }
        assert_eq!(
            parse_to_stored("2027-02-01T10:00:59.9999-06:00", c).as_deref(),
            Some("2027-02-01T10:01:00-06:00")
        );
        assert_eq!(
            parse_to_stored("2027-02-01T10:00:00.0000-06:00", c).as_deref(),
            Some("2027-02-01T10:00:00-06:00")
        );
    }

    /// XML Schema's `24:00:00` (section 3.2.7) is the next day's midnight.
    #[test]
    fn the_end_of_a_day_is_the_next_days_midnight() {
        let c = Zone::CENTRAL;
        for (sent, stored) in [
            (
                "2028-02-29T24:00:00-06:00",
                Some("2028-03-01T00:00:00-06:00"),
            ),
            ("2027-12-31T24:00:00Z", Some("2027-12-31T18:00:00-06:00")),
            ("2027-12-31 24:00", Some("2028-01-01T00:00:00-06:00")),
            // Across daylight saving's start in the caller's zone: midnight, not 23 h on.
            ("2027-03-13T24:00:00", Some("2027-03-14T00:00:00-06:00")),
            ("2027-02-01T24:00:01-06:00", None),
            ("2027-02-01T24:01:00-06:00", None),
            ("2027-02-01T24:00:00.5-06:00", None),
            ("2027-02-01T25:00:00-06:00", None),
        ] {
            assert_eq!(parse_to_stored(sent, c).as_deref(), stored, "{sent}");
        }
        let span = parse("2028-02-29T24:00:00-06:00", c, 0).unwrap();
        assert_eq!(span.end - span.start, 1000);
    }

    #[test]
    fn central_time_follows_us_daylight_saving() {
        let c = Zone::CENTRAL;
        assert_eq!(
            c.render(ms("2026-10-01T14:15:00Z")),
            "2026-10-01T09:15:00-05:00"
        );
        assert_eq!(
            c.render(ms("2026-12-01T14:15:00Z")),
            "2026-12-01T08:15:00-06:00"
        );
        // The repeated autumn hour reads as the earlier (daylight) instant.
        let local = NaiveDate::from_ymd_opt(2025, 11, 2)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(c.utc_ms_of(local), ms("2025-11-02T06:30:00Z"));
        // Before 2007, US daylight saving began on the first Sunday of April.
        assert_eq!(c.offset_seconds(ms("2006-03-20T12:00:00Z")), -6 * 3600);
        assert_eq!(c.offset_seconds(ms("2006-04-03T12:00:00Z")), -5 * 3600);
        // The skipped spring hour reads as standard time.
        let skipped = NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(c.utc_ms_of(skipped), ms("2026-03-08T08:30:00Z"));
    }

    /// `render` writes its fields by hand; chrono's strftime is the reference, over
    /// instants a prime number of seconds apart (every hour, minute and second, both
    /// sides of each daylight-saving change), in zones east and west of UTC and one
    /// without daylight saving, and years past 9999.
    #[test]
    fn render_writes_what_strftime_writes() {
        let zones = [
            Zone::CENTRAL,
            Zone {
                tz: chrono_tz::Asia::Kolkata,
                daylight_saving: true,
            },
            Zone {
                tz: chrono_tz::Europe::Berlin,
                daylight_saving: false,
            },
        ];
        let reference = |zone: &Zone, utc_ms: i64| {
            let offset = zone.offset_seconds(utc_ms);
            let sign = if offset < 0 { '-' } else { '+' };
            format!(
                "{}{sign}{:02}:{:02}",
                zone.local(utc_ms).format("%Y-%m-%dT%H:%M:%S"),
                offset.abs() / 3600,
                offset.abs() % 3600 / 60
            )
        };
        for zone in &zones {
            let mut t = ms("1999-12-31T20:00:00Z");
            while t < ms("2027-01-01T00:00:00Z") {
                assert_eq!(zone.render(t), reference(zone, t));
                t += 7_919_993;
            }
            let far = ms("9999-12-31T23:00:00Z") + 86_400_000 * 400;
            assert_eq!(zone.render(far), reference(zone, far));
            let early = ms("0042-03-01T12:00:00Z");
            assert_eq!(zone.render(early), reference(zone, early));
        }
    }

    /// A stored date rendered through the shortcut (its text, when the zone's offset is
    /// the one written) equals chrono's parse and `render`, for dates stored in several
    /// zones and rendered in several, both sides of daylight-saving changes, with `Z`,
    /// `-00:00`, fractions and impossible dates among them.
    #[test]
    fn stored_dates_render_as_parsed_and_rendered() {
        let zones = [
            Zone::CENTRAL,
            Zone::of_user(Some(113), Some(false)),
            Zone::of_user(Some(119), Some(true)),
            Zone {
                tz: chrono_tz::UTC,
                daylight_saving: true,
            },
            Zone {
                tz: chrono_tz::Asia::Kolkata,
                daylight_saving: true,
            },
        ];
        let slow = |zone: &Zone, stored: &str| {
            let instant = DateTime::parse_from_rfc3339(stored.trim()).ok()?;
            Some(zone.render(instant.timestamp_millis()))
        };
        let mut stored = vec![
            "2026-03-08T01:59:59-06:00".to_string(),
            "2026-03-08T03:00:00-05:00".to_string(),
            "2026-11-01T01:30:00-05:00".to_string(),
            "2026-11-01T01:30:00-06:00".to_string(),
            "2026-07-01T09:00:00+00:00".to_string(),
            "2026-07-01T09:00:00-00:00".to_string(),
            "2026-07-01T09:00:00Z".to_string(),
            "2026-07-01T09:00:00.250-05:00".to_string(),
            " 2026-07-01T09:00:00-05:00 ".to_string(),
            "2026-02-29T09:00:00-06:00".to_string(),
            "2024-02-29T24:00:00-06:00".to_string(),
            "2026-07-01T09:00:00-0500".to_string(),
            "not a date".to_string(),
        ];
        let mut t = ms("2019-01-01T00:00:00Z");
        while t < ms("2027-01-01T00:00:00Z") {
            for zone in &zones {
                stored.push(zone.render(t));
            }
            t += 3_600_000 * 97 + 61_000;
        }
        for zone in &zones {
            for s in &stored {
                assert_eq!(zone.render_stored(s), slow(zone, s), "{s:?} in {zone:?}");
            }
        }
        assert_eq!(
            parse_written("2026-07-01T09:00:00-05:00"),
            Some((ms("2026-07-01T14:00:00Z"), -5 * 3600))
        );
        assert_eq!(parse_written("2026-07-01T09:00:00-00:00"), None);
    }

    #[test]
    fn user_zones_and_the_daylight_saving_flag() {
        assert_eq!(Zone::of_user(Some(113), None), Zone::CENTRAL);
        assert_eq!(Zone::of_user(None, None), Zone::CENTRAL);
        let berlin = Zone::of_user(Some(119), Some(true));
        assert_eq!(
            berlin.render_stored("2026-07-01T09:00:00-05:00").unwrap(),
            "2026-07-01T16:00:00+02:00"
        );
        // Daylight saving off: the zone's standard offset all year.
        let no_dst = Zone::of_user(Some(113), Some(false));
        assert_eq!(
            no_dst.render_stored("2026-07-01T09:00:00-05:00").unwrap(),
            "2026-07-01T08:00:00-06:00"
        );
        let kolkata = Zone::of_user(Some(122), None);
        assert_eq!(
            kolkata.render(ms("2026-01-01T00:00:00Z")),
            "2026-01-01T05:30:00+05:30"
        );
    }

    #[test]
    fn iso_basic_times_are_read() {
        let now = ms("2026-07-15T12:00:00Z");
        let second = parse("19700101T000000", Zone::CENTRAL, now).unwrap();
        assert_eq!(second.start, ms("1970-01-01T00:00:00-06:00"));
        assert_eq!(second.end - second.start, 1000);
        let minute = parse("20260701T0930Z", Zone::CENTRAL, now).unwrap();
        assert_eq!(minute.start, ms("2026-07-01T09:30:00Z"));
        assert_eq!(minute.end - minute.start, 60_000);
        assert_eq!(parse("20260701T093", Zone::CENTRAL, now), None);
    }

    /// An imported fraction shows in the second SQLite's date functions (filters, orders,
    /// the scheduler) read it in: they round to the millisecond, and a cut `.9996` showed
    /// a second before the one a filter found it in.
    #[test]
    fn a_stored_fraction_shows_in_the_second_sqlite_reads() {
        let shown = |s: &str| Zone::CENTRAL.render_stored(s).unwrap();
        assert_eq!(
            shown("2027-01-01T10:00:00.9996-06:00"),
            "2027-01-01T10:00:01-06:00"
        );
        assert_eq!(
            shown("2027-01-01T10:00:00.9994-06:00"),
            "2027-01-01T10:00:00-06:00"
        );
        assert_eq!(
            shown("2027-01-01T16:00:00.9999999999Z"),
            "2027-01-01T10:00:01-06:00"
        );
        assert_eq!(
            stored_date_ms("2027-01-01T16:00:00.0005Z").unwrap() % 1000,
            1
        );
    }

    #[test]
    fn stored_dates_are_those_sqlite_reads() {
        for good in [
            "2016-12-31T23:59:59-06:00",
            "2016-12-31T23:59:59Z",
            "2016-12-31 23:59:59z",
            "2016-12-31T23:59:59.123456789+05:30",
        ] {
            assert!(is_stored_date(good), "{good}");
        }
        for bad in [
            "2016-12-31T23:59:60Z",
            "2016-12-31t23:59:59Z",
            "2016-12-31",
            "12/31/2016",
            "0000-01-01T00:00:00-06:00",
            "9999-12-31T23:59:59-12:00",
        ] {
            assert!(!is_stored_date(bad), "{bad}");
        }
    }

    /// Before 1883 Chicago kept local mean time, -05:50:36: a date is written with
    /// -05:50 and names the instant it was computed for, both ways.
    #[test]
    fn local_mean_time_is_written_to_the_minute() {
        let z = Zone::CENTRAL;
        for t in [ms("1850-06-01T05:50:00Z"), ms("0000-06-01T06:00:00Z")] {
            let written = z.render(t);
            assert!(written.ends_with("-05:50"), "{written}");
            assert_eq!(parse_written(&written), Some((t, -21_000)), "{written}");
        }
        let span = parse("1850-06-01 00:00:00", z, 0).unwrap();
        assert_eq!(z.render(span.start), "1850-06-01T00:00:00-05:50");
    }

    /// A date is read when every zone writes its year in four digits, 0001 to 9999.
    #[test]
    fn dates_are_read_within_the_years_every_zone_can_write() {
        let now = ms("2026-07-15T12:00:00Z");
        for refused in [
            "0000-01-01",
            "00000101T00:00:00",
            "0000-06-01T00:00:00Z",
            "0001-01-01T12:00:00Z",
            "9999-12-31T23:59:59-12:00",
            "9999-12-31T12:00:00Z",
            "sysdate - 800000",
        ] {
            assert_eq!(parse(refused, Zone::CENTRAL, now), None, "{refused}");
        }
        for (read, zone) in [
            ("0001-01-02", Zone::CENTRAL),
            ("12/31/9999", Zone::CENTRAL),
            ("12/31/9999", Zone::of_user(Some(122), None)),
            ("9999-12-31T09:59:59Z", Zone::CENTRAL),
            ("1850-06-01", Zone::CENTRAL),
        ] {
            let span = parse(read, zone, now).unwrap_or_else(|| panic!("{read}"));
            for writer in [Zone::CENTRAL, Zone::of_user(Some(123), None)] {
                let written = writer.render(span.start);
                assert!(
                    parse_written(&written).is_some(),
                    "{read} written as {written}"
                );
            }
        }
    }

    #[test]
    fn dates_without_offset_are_in_the_zone() {
        let now = ms("2026-07-15T12:00:00Z");
        let day = parse("07/01/2026", Zone::CENTRAL, now).unwrap();
        assert_eq!(day.start, ms("2026-07-01T00:00:00-05:00"));
        assert_eq!(day.end, ms("2026-07-02T00:00:00-05:00"));
        let tokyo = Zone::of_user(Some(121), None);
        let day = parse("2026-07-01", tokyo, now).unwrap();
        assert_eq!(day.start, ms("2026-07-01T00:00:00+09:00"));
        let explicit = parse("2026-07-01T10:00:00Z", tokyo, now).unwrap();
        assert_eq!(explicit.start, ms("2026-07-01T10:00:00Z"));
        // "Today" is the caller's today: at 12:00 UTC it is already the 15th in Tokyo.
        let today = parse("currentDate", tokyo, now).unwrap();
        assert_eq!(today.start, ms("2026-07-15T00:00:00+09:00"));
        assert_eq!(
            parse("sysdate - 1", tokyo, now).unwrap().start,
            now - MS_PER_DAY
        );
        assert!(parse("yesterday", tokyo, now).is_none());
    }
}
