//! Object filters and result limits as SQL: conditions become bound `WHERE` clauses
//! (paths through relations become `IN` / `EXISTS` subqueries over the store's
//! relations), `orderBy` becomes `ORDER BY`, and totals are counted before the limit.
//! Everything runs inside SQLite; nothing is filtered in memory.
//!
//! The semantics are documented in `schema/filter.rs`. In SQL:
//!
//! * dates are compared as instants through `julianday()` (expression indexes in
//!   `migrations/0002_filter_indexes.sql` serve them), with the filter's dates bound as
//!   Julian day numbers computed exactly as SQLite computes them;
//! * the case-insensitive text operations (`^=`, `$=`, `*=` and their negations) use
//!   the `sl_text_…` functions, which fold ASCII case for ASCII needles and Unicode case
//!   (`sl_fold()`) for others, and take time linear in the value: SQLite's `LIKE`, which
//!   they used before, takes time proportional to the value's length times the needle's
//!   (`%aaa…ab%` against a title of a million `a`s: 20 s of CPU for a 4,096-character
//!   needle, in one step of the statement, where the SQL time budget cannot interrupt it);
//!   `~` uses `REGEXP`; both are backed by [`register_functions`];
//! * conditions under one relation are evaluated together on each related object;
//!   a relation to one object is an `IN` over an uncorrelated subquery (evaluated once),
//!   a relation to many an `EXISTS` (stops at the first match).

use super::relations::{self, Relation};
use super::text_tally::{FirstPage, Searched, Tallied, TextTally};
use super::{ListQuery, Page, QueryError, StoreError, query_rows_within, quote_ident, used_params};
use crate::call::ResultLimit;
use crate::schema::filter::{
    Comparison, Condition, DateSpan, MAX_REGEX_SIZE, Operand, Operation, TextMatch, build_regex,
};
use crate::schema::{PropertyKind, TypeDef, counted_relation, schema};
use crate::value::Value;
use memchr::memmem;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Registers the SQL functions filters use, on every connection: `regexp(pattern, text)`
/// (so `text REGEXP pattern` works; the compiled expression is cached per statement),
/// `sl_fold(text)` (Unicode lower case) and the text searches `sl_text_contains_ascii(text,
/// needle)` and its kin ([`text_match_function`], [`text_matches`]; the needle's searcher
/// is cached per statement).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    // Innocuous: `sl_fold` runs in the trigram indexes' triggers.
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let re: Arc<FilterRegex> = ctx.get_or_create_aux(0, |pattern| -> Result<_, BoxError> {
            Ok(FilterRegex::new(pattern.as_str()?)?)
        })?;
        let matched = match ctx.get_raw(1) {
            ValueRef::Null => return Ok(None),
            ValueRef::Text(t) | ValueRef::Blob(t) => re.is_match(&String::from_utf8_lossy(t)),
            ValueRef::Integer(i) => re.is_match(&i.to_string()),
            ValueRef::Real(f) => re.is_match(&f.to_string()),
        };
        // Past the budget: the statement fails as the progress handler fails it.
        matched.map(Some).ok_or_else(|| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                None,
            )
        })
    })?;
    // A stored date as a caller in the zone (IANA name, daylight saving 0/1) is shown it:
    // text filters on dates match that (schema/filter.rs, `Operation::ShownIn`).
    conn.create_scalar_function("emulator_shown_date", 3, flags, |ctx| {
        let Some(stored) = ctx.get::<Option<String>>(0)? else {
            return Ok(None);
        };
        let tz: String = ctx.get(1)?;
        let zone = crate::time::Zone {
            tz: tz.parse().unwrap_or(chrono_tz::America::Chicago),
            daylight_saving: ctx.get::<i64>(2)? != 0,
        };
        Ok(Some(zone.render_stored(&stored).unwrap_or(stored)))
    })?;
    // One function per kind of search, so that a row's call reads no more than the value
    // (taking `how` and `fold` as arguments cost a sixth more per row).
    for how in [
        TextMatch::StartsWith,
        TextMatch::EndsWith,
        TextMatch::Contains,
    ] {
        for fold in [Fold::Ascii, Fold::Unicode] {
            conn.create_scalar_function(text_match_function(how, fold), 2, flags, move |ctx| {
                let needle: Arc<SearchedNeedle> =
                    ctx.get_or_create_aux(1, |needle| -> Result<_, BoxError> {
                        let needle = needle.as_bytes()?;
                        Ok(SearchedNeedle {
                            finder: memmem::Finder::new(needle).into_owned(),
                            folded_to_ascii: fold == Fold::Ascii
                                && may_match_folded_to_ascii(needle),
                        })
                    })?;
                // The SQL casts the value to text first, as `LIKE` read it (a number as
                // SQLite writes it).
                Ok(match ctx.get_raw(0) {
                    ValueRef::Null => None,
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(text_matches(t, &needle, how, fold))
                    }
                    ValueRef::Integer(i) => {
                        Some(text_matches(i.to_string().as_bytes(), &needle, how, fold))
                    }
                    ValueRef::Real(f) => {
                        Some(text_matches(f.to_string().as_bytes(), &needle, how, fold))
                    }
                })
            })?;
        }
    }
    // An e-mail address as `services::email_key` compares it.
    conn.create_scalar_function("sl_email_key", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => Some(crate::services::email_key(&String::from_utf8_lossy(t))),
            _ => None,
        })
    })?;
    conn.create_scalar_function("sl_fold", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(fold_case(&String::from_utf8_lossy(t))),
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(f.to_string()),
        })
    })?;
    Ok(())
}

/// Text as the case-insensitive searches compare it (`sl_fold`, the trigram indexes, the
/// text tally, the needles): the Unicode lower case, with the final sigma `ς` as `σ`.
/// Lowering alone gives `ς` for a `Σ` at the end of a word, so the needle `ΟΔΟΣ` (lowered
/// `οδος`) missed the title `ΟΔΟΣΑ` (lowered `οδοσα`); folded, each character lowers
/// alone, whatever surrounds it, so a text holding the needle holds its fold. (MySQL's
/// `_ci` collations take σ, ς and Σ as one letter too; `services::email_key` does so.)
pub(crate) fn fold_case(text: &str) -> String {
    let lower = text.to_lowercase();
    if lower.contains('ς') {
        lower.replace('ς', "σ")
    } else {
        lower
    }
}

/// The characters past ASCII whose fold ([`fold_case`]) holds ASCII letters: the Kelvin
/// sign folds to `k`, the dotted capital I to `i` and a combining dot. An ASCII needle
/// holding `i` or `k` may match where they stand, which ASCII folding alone misses.
pub(super) const FOLDED_TO_ASCII: [char; 2] = ['\u{130}', '\u{212A}'];

/// Whether a value past ASCII may hold an ASCII needle (lowered) only where a
/// character of [`FOLDED_TO_ASCII`] stands: the needle holds a letter one folds to.
pub(super) fn may_match_folded_to_ascii(needle: &[u8]) -> bool {
    needle.iter().any(|&b| {
        FOLDED_TO_ASCII
            .iter()
            .any(|c| fold_case(&c.to_string()).as_bytes().contains(&b))
    })
}

/// How a text search folds case: ASCII letters only, for an ASCII needle (as SQLite's
/// `LIKE` does, which the filters used before; a value past ASCII that may hold the
/// needle only as [`FOLDED_TO_ASCII`] fold is folded whole), or [`fold_case`] (`sl_fold`)
/// for others, so that `É` finds `é`. Either way, a needle finds what its fold finds in
/// the values' folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    Ascii,
    Unicode,
}

/// The SQL function that tells whether a text holds a needle as `how` asks, ignoring
/// case as `fold` says: `name(text, folded needle)`, by [`text_matches`].
fn text_match_function(how: TextMatch, fold: Fold) -> &'static str {
    match (how, fold) {
        (TextMatch::StartsWith, Fold::Ascii) => "sl_text_starts_ascii",
        (TextMatch::StartsWith, Fold::Unicode) => "sl_text_starts_unicode",
        (TextMatch::EndsWith, Fold::Ascii) => "sl_text_ends_ascii",
        (TextMatch::EndsWith, Fold::Unicode) => "sl_text_ends_unicode",
        (TextMatch::Contains, Fold::Ascii) => "sl_text_contains_ascii",
        (TextMatch::Contains, Fold::Unicode) => "sl_text_contains_unicode",
    }
}

/// The SQL function that searches a text for `text` as `how` asks, ignoring case, and the
/// needle to bind as its second argument: `function(CAST(column AS TEXT), needle)`. Time is
/// linear in the value ([`text_matches`]), where `LIKE` took its length times the needle's.
pub(crate) fn text_search(how: TextMatch, text: &str) -> (&'static str, String) {
    // Folded by the needle (not by what it folds to: the Kelvin sign's fold is `k`, and
    // it still finds only what Unicode folding finds).
    let (needle, fold) = if text.is_ascii() {
        (text.to_ascii_lowercase(), Fold::Ascii)
    } else {
        (fold_case(text), Fold::Unicode)
    };
    (text_match_function(how, fold), needle)
}

/// The most memory [`ASCII_LOWERED`] keeps between values: a few entries' worth, not the
/// largest title ever searched, on every thread that did.
const ASCII_LOWERED_KEPT: usize = 64 * 1024;

thread_local! {
    /// A value in ASCII lower case, for [`text_matches`] (kept: one allocation per row was
    /// a tenth of a scan).
    static ASCII_LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The needle of a text search function, as a statement keeps it for its rows.
struct SearchedNeedle {
    finder: memmem::Finder<'static>,
    /// ASCII folding, and a value past ASCII may hold the needle where a character of
    /// [`FOLDED_TO_ASCII`] stands: such a value is folded whole.
    folded_to_ascii: bool,
}

/// Whether `value` (text as stored) holds `needle` as `how` asks, ignoring case as `fold`
/// says: the needle is folded already ([`SqlBuilder::operation`]). The value is read up to
/// its first NUL, where `LIKE` stopped reading (and where the text tally stops). Time is
/// linear in the value and the needle (a prefix or suffix compare, or memchr's two-way
/// search), whatever both hold.
fn text_matches(value: &[u8], needle: &SearchedNeedle, how: TextMatch, fold: Fold) -> bool {
    let up_to_nul = |t: &[u8]| -> usize { memchr::memchr(0, t).unwrap_or(t.len()) };
    let finder = &needle.finder;
    let fold = if needle.folded_to_ascii && !value.is_ascii() {
        Fold::Unicode
    } else {
        fold
    };
    let needle = finder.needle();
    // ASCII: letters folded, other bytes as they are (an ASCII needle cannot match within
    // a multi-byte character, whose bytes are all past ASCII).
    match (fold, how) {
        // Only the start is read: a NUL there is the end of the value.
        (Fold::Ascii, TextMatch::StartsWith) => value
            .get(..needle.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(needle) && !start.contains(&0)),
        (Fold::Ascii, TextMatch::EndsWith) => {
            let value = &value[..up_to_nul(value)];
            value
                .len()
                .checked_sub(needle.len())
                .is_some_and(|at| value[at..].eq_ignore_ascii_case(needle))
        }
        (Fold::Ascii, TextMatch::Contains) => {
            // Most values hold the needle's first letter in neither case, which one pass
            // tells without copying the value.
            if let Some(&first) = needle.first()
                && memchr::memchr2(first, first.to_ascii_uppercase(), value).is_none()
            {
                return false;
            }
            ASCII_LOWERED.with_borrow_mut(|lowered| {
                lowered.clear();
                lowered.extend_from_slice(&value[..up_to_nul(value)]);
                lowered.make_ascii_lowercase();
                let found = finder.find(lowered).is_some();
                if lowered.capacity() > ASCII_LOWERED_KEPT {
                    *lowered = Vec::new();
                }
                found
            })
        }
        (Fold::Unicode, how) => {
            let folded = fold_case(&String::from_utf8_lossy(value));
            let value = &folded.as_bytes()[..up_to_nul(folded.as_bytes())];
            match how {
                TextMatch::StartsWith => value.starts_with(needle),
                TextMatch::EndsWith => value.ends_with(needle),
                TextMatch::Contains => finder.find(value).is_some(),
            }
        }
    }
}

/// A predicate: SQL text, or a constant known while building.
#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Const(bool),
    Sql(String),
}

impl Pred {
    fn sql(&self) -> String {
        match self {
            Pred::Const(true) => "1".to_string(),
            Pred::Const(false) => "0".to_string(),
            Pred::Sql(s) => s.clone(),
        }
    }

    fn and(self, other: Pred) -> Pred {
        match (self, other) {
            (Pred::Const(false), _) | (_, Pred::Const(false)) => Pred::Const(false),
            (Pred::Const(true), p) | (p, Pred::Const(true)) => p,
            (Pred::Sql(a), Pred::Sql(b)) => Pred::Sql(format!("{a} AND {b}")),
        }
    }

    fn or(self, other: Pred) -> Pred {
        match (self, other) {
            (Pred::Const(true), _) | (_, Pred::Const(true)) => Pred::Const(true),
            (Pred::Const(false), p) | (p, Pred::Const(false)) => p,
            (Pred::Sql(a), Pred::Sql(b)) => Pred::Sql(format!("({a} OR {b})")),
        }
    }

    fn not(self) -> Pred {
        match self {
            Pred::Const(b) => Pred::Const(!b),
            Pred::Sql(s) => Pred::Sql(format!("NOT ({s})")),
        }
    }
}

/// The conditions of a filter grouped by relation: the leaves on the type itself and,
/// for each relational property, the conditions below it.
#[derive(Debug, Default)]
struct Node<'a> {
    leaves: Vec<(&'a str, &'a Operation)>,
    children: Vec<(&'a str, Node<'a>)>,
}

impl<'a> Node<'a> {
    fn build(conditions: &'a [Condition]) -> Node<'a> {
        let mut root = Node::default();
        for c in conditions {
            root.insert(&c.path, &c.operation);
        }
        root
    }

    fn insert(&mut self, path: &'a [String], op: &'a Operation) {
        match path {
            [] => {}
            [leaf] => self.leaves.push((leaf, op)),
            [first, rest @ ..] => {
                let i = match self.children.iter().position(|(n, _)| *n == first) {
                    Some(i) => i,
                    None => {
                        self.children.push((first, Node::default()));
                        self.children.len() - 1
                    }
                };
                self.children[i].1.insert(rest, op);
            }
        }
    }
}

/// Columns of each table, read once: properties the schema has but the table does not
/// are never set in the emulator.
fn has_column(conn: &Connection, table: &str, column: &str) -> bool {
    static COLUMNS: OnceLock<Mutex<HashMap<String, HashSet<String>>>> = OnceLock::new();
    let mut cache = COLUMNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if !cache.contains_key(table) {
        let mut columns = HashSet::new();
        if let Ok(mut stmt) = conn.prepare(&format!("PRAGMA table_info({})", quote_ident(table)))
            && let Ok(rows) = stmt.query_map([], |r| r.get::<_, String>(1))
        {
            columns.extend(rows.flatten());
        }
        if columns.is_empty() {
            // A table that does not exist (yet): do not remember it.
            return false;
        }
        cache.insert(table.to_string(), columns);
    }
    cache[table].contains(column)
}

/// The Julian day number SQLite's `julianday()` gives for an instant, computed the way
/// SQLite computes it (integer milliseconds, then one division), so equal instants
/// compare equal.
pub(super) fn julian_day(unix_ms: i64) -> f64 {
    const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;
    (unix_ms + UNIX_EPOCH_JD_MS) as f64 / 86_400_000.0
}

/// A text property with a trigram index (migrations/0006_text_search.sql): FTS5 tables
/// holding `sl_fold(text)` under the row's id, kept in step by triggers.
pub(super) struct TextIndex {
    pub(super) type_name: &'static str,
    pub(super) property: &'static str,
    pub(super) table: &'static str,
    /// The trigger that queues inserted rows (suspended by [`with_bulk_text_index`]);
    /// `None` where the code that inserts the rows queues them ([`QUEUE_TICKET_TITLE`]).
    pub(super) insert_trigger: Option<&'static str>,
    /// The rows' `kind` in `emulator_text_index_queue` (migrations/0009).
    pub(super) queue_kind: i64,
}

// The queue's statements take the queue's rows first, then each one's row (`CROSS JOIN`
// keeps that order, `+q.kind` keeps the queue's index out): given the choice, SQLite
// planned a scan of the whole table, looking each row up in the queue's index (test
// `queue_statements_read_the_queue_first`).
impl TextIndex {
    /// Indexes the queued rows of this index whose queue rowids are from ?2 to ?3 (?1:
    /// the `queue_kind`).
    fn index_queued_sql(&self) -> String {
        format!(
            "INSERT INTO {fts} (rowid, {column}) SELECT r.id, sl_fold(r.{column}) \
             FROM emulator_text_index_queue q CROSS JOIN {table} r ON r.id = q.rowId \
             WHERE q._rowid_ BETWEEN ?2 AND ?3 AND +q.kind = ?1 AND r.{column} IS NOT NULL \
             ORDER BY r.id",
            fts = self.table,
            column = quote_ident(self.property),
            table = quote_ident(self.type_name),
        )
    }

    /// The candidates of a search: the rows the index finds for the FTS5 query ?1, and
    /// the queued rows whose folded text holds ?2; at most one more than
    /// [`INDEXED_AT_MOST`].
    fn candidates_sql(&self) -> String {
        format!(
            "SELECT rowid FROM {fts} WHERE {fts} MATCH ?1 \
             UNION ALL SELECT q.rowId FROM emulator_text_index_queue q \
             CROSS JOIN {table} r ON r.id = q.rowId \
             WHERE +q.kind = {kind} AND sl_text_contains_unicode(r.{column}, ?2) \
             LIMIT {}",
            INDEXED_AT_MOST + 1,
            fts = self.table,
            table = quote_ident(self.type_name),
            column = quote_ident(self.property),
            kind = self.queue_kind,
        )
    }

    /// The ids of this index's rows that may hold `folded` (a folded needle of three
    /// characters or more), with the queued rows that do; `None` when they are more than
    /// [`INDEXED_AT_MOST`], or when more text is queued than a search reads beside the
    /// index ([`SEARCHED_QUEUE_ROWS`]): then the plain scan answers.
    fn candidates(&self, conn: &Connection, folded: &str) -> super::Result<Option<Vec<i64>>> {
        if queued_text_rows(conn)? > SEARCHED_QUEUE_ROWS {
            return Ok(None);
        }
        let ids = conn
            .prepare_cached(&self.candidates_sql())?
            .query_map([trigram_query(folded).as_str(), folded], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok((ids.len() <= INDEXED_AT_MOST).then_some(ids))
    }
}

/// `ids` as the list of an SQL `IN (…)`: integers, written as they are.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

pub(super) const TEXT_INDEXES: &[TextIndex] = &[
    TextIndex {
        type_name: "SoftLayer_Ticket",
        property: "title",
        table: "emulator_ticket_title_search",
        insert_trigger: None,
        queue_kind: 0,
    },
    TextIndex {
        type_name: "SoftLayer_Ticket_Update",
        property: "entry",
        table: "emulator_ticket_update_entry_search",
        insert_trigger: Some("ticket_update_entry_search_insert"),
        queue_kind: 1,
    },
];

/// A new ticket's title, if it has one, queued for its trigram index ([`TEXT_INDEXES`],
/// kind 0), by [`super::ticket_added`].
pub(super) const QUEUE_TICKET_TITLE: &str = "INSERT INTO emulator_text_index_queue (kind, rowId) \
     SELECT 0, id FROM SoftLayer_Ticket WHERE id = ?1 AND title IS NOT NULL";

/// Rows of text [`with_bulk_text_index`] indexes per statement, between two reports of
/// its progress.
pub(super) const BULK_TEXT_CHUNK: i64 = 50_000;

/// Runs `bulk`, which may only insert rows with ids above every id in their tables (a
/// synthetic seed), with the trigram indexes' insert triggers dropped; then indexes
/// the new rows in rowid order and puts the triggers back, all in the caller's
/// transaction. Row by row through the triggers, a million tickets and five million
/// updates took ten times as long as the rows themselves; in bulk, in rowid order, FTS5
/// builds its segments once (in statements of [`BULK_TEXT_CHUNK`] ids, each telling
/// `progress` the rows done so far and about how many in all: the span of the new ids).
/// Tickets have no such trigger (migrations/0013): `bulk` inserts them with its own SQL,
/// which queues nothing, and they are indexed here with the rest.
pub(super) fn with_bulk_text_index<T>(
    conn: &Connection,
    bulk: impl FnOnce() -> super::Result<T>,
    progress: &mut dyn FnMut(u64, u64),
) -> super::Result<T> {
    let mut suspended = Vec::new();
    for index in TEXT_INDEXES {
        let exists: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [index.table],
            |r| r.get(0),
        )?;
        if !exists {
            continue; // A database without this index: nothing to keep in step.
        }
        let trigger = match index.insert_trigger {
            Some(name) => conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1",
                    [name],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|sql| (name, sql)),
            None => None,
        };
        let table = quote_ident(index.type_name);
        let floor: i64 = conn.query_row(
            &format!("SELECT coalesce(max(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?;
        if let Some((name, _)) = &trigger {
            conn.execute_batch(&format!("DROP TRIGGER {}", quote_ident(name)))?;
        }
        suspended.push((index, trigger.map(|(_, sql)| sql), floor));
    }
    let out = bulk()?;
    let mut spans = Vec::with_capacity(suspended.len());
    for (index, _, floor) in &suspended {
        let top: i64 = conn.query_row(
            &format!(
                "SELECT coalesce(max(id), 0) FROM {}",
                quote_ident(index.type_name)
            ),
            [],
            |r| r.get(0),
        )?;
        spans.push((*floor, top.max(*floor)));
    }
    let of: u64 = spans.iter().map(|(floor, top)| (top - floor) as u64).sum();
    let mut done = 0;
    progress(done, of);
    for ((index, trigger, _), (floor, top)) in suspended.into_iter().zip(spans) {
        let column = quote_ident(index.property);
        let mut insert = conn.prepare(&format!(
            "INSERT INTO {fts} (rowid, {column}) SELECT id, sl_fold({column}) FROM {table} \
             WHERE id > ?1 AND id <= ?2 AND {column} IS NOT NULL ORDER BY id",
            fts = index.table,
            table = quote_ident(index.type_name),
        ))?;
        let mut from = floor;
        while from < top {
            let to = from.saturating_add(BULK_TEXT_CHUNK).min(top);
            insert.execute([from, to])?;
            done += (to - from) as u64;
            progress(done, of);
            from = to;
        }
        drop(insert);
        if let Some(trigger) = trigger {
            conn.execute_batch(&trigger)?;
        }
    }
    Ok(out)
}

/// `ANALYZE`, without statistics for the trigram indexes' own tables (migrations/0008
/// says why: FTS5's lookups were planned as scans from statistics taken while they were
/// nearly empty).
pub(crate) fn analyze(conn: &Connection) -> super::Result<()> {
    conn.execute_batch("ANALYZE")?;
    for index in TEXT_INDEXES {
        for shadow in ["data", "idx", "docsize", "config"] {
            conn.execute(
                "DELETE FROM sqlite_stat1 WHERE tbl = ?1",
                [format!("{}_{shadow}", index.table)],
            )?;
        }
    }
    Ok(())
}

/// About how many rows are queued for the text indexes: the span of the queue's rowids
/// (rows an update or delete took out leave gaps, so never fewer). Two index lookups,
/// where `count(*)` would read the whole queue, and the queue can be long (see
/// [`QUEUED_TEXT_ROWS`]).
pub(crate) fn queued_text_rows(conn: &Connection) -> super::Result<u64> {
    Ok(queue_bounds(conn)?.map_or(0, |(first, last)| (last - first + 1).max(0) as u64))
}

/// The statement of [`queue_bounds`].
///
/// `_rowid_`, not `rowid`: the queue has a column named `rowId`, which a bare `rowid`
/// names instead (case does not matter in SQL names), and `max(rowId)` reads every row.
/// Two subqueries, not `min(..), max(..)` in one: SQLite looks up the end of the b-tree
/// only for a query with a single `min` or `max`, and scans the whole queue for both
/// (the writer's largest cost under sustained creates, 12% of their instructions, since
/// it runs at every batch; see the test `queue_bounds_are_two_lookups`).
const QUEUE_BOUNDS: &str = "SELECT (SELECT min(_rowid_) FROM emulator_text_index_queue), \
     (SELECT max(_rowid_) FROM emulator_text_index_queue)";

/// The queue's first and last rowids; `None` when it is empty, or missing (a database
/// from before migration 0009, as a snapshot being restored may be).
fn queue_bounds(conn: &Connection) -> super::Result<Option<(i64, i64)>> {
    let bounds = conn.prepare_cached(QUEUE_BOUNDS).and_then(|mut s| {
        s.query_row([], |r| {
            Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?))
        })
    });
    match bounds {
        Ok((Some(first), Some(last))) => Ok(Some((first, last))),
        Ok(_) => Ok(None),
        Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("no such table") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The writer thread's batches index queued text only once the queue holds this many
/// rows, and then [`TEXT_INDEX_CHUNK`] of them per batch; otherwise the writer indexes it
/// [`TEXT_INDEX_STEP`] rows at a time when it has nothing else to do
/// (store/group_commit.rs). FTS5 writes a segment per commit and merges segments as it
/// goes, in steps whose cost grows with the index: indexing inside the batches (from 300
/// rows, before the tenth session) put 1-24 ms into one commit in five, which held up
/// every call of the batch and those queued behind it: most of `addUpdate`'s p99
/// (README, Writes). Indexing 5,000 rows at a time from 50,000 was worse (p99 16-21 ms
/// against 14 ms). So under writes that never pause the index falls behind, by at most
/// this many rows (a minute of `addUpdate` at 16,000 calls/s; the queue's rows are
/// 20-odd bytes), and catches up when the writes pause. Until indexed, the rows are
/// found by the text tally, or read beside the index while there are at most
/// [`SEARCHED_QUEUE_ROWS`], or else by the plain scan: answers do not change.
pub(crate) const QUEUED_TEXT_ROWS: u64 = 1_000_000;

/// Rows indexed per batch once the queue holds [`QUEUED_TEXT_ROWS`]: the oldest first.
pub(crate) const TEXT_INDEX_CHUNK: u64 = 5_000;

/// Rows indexed per transaction otherwise: by the idle writer, and by
/// [`Store::write`](super::Store::write) before its commit (a few milliseconds' work).
pub(crate) const TEXT_INDEX_STEP: u64 = 500;

/// A text search reads at most this many queued rows beside the trigram index (each a
/// row lookup and a fold, about 1-2 µs); with more queued, the index is not used.
pub(crate) const SEARCHED_QUEUE_ROWS: u64 = 2_000;

/// [`index_queued_text_upto`] [`TEXT_INDEX_CHUNK`] rows once the queue holds `from`
/// rows; batches commit this way: the writer thread's from [`QUEUED_TEXT_ROWS`], and
/// without it (an in-memory database, or group commit off) from [`TEXT_INDEX_STEP`],
/// since then no idle writer indexes the queue.
pub(crate) fn index_queued_text_when_long(conn: &Connection, from: u64) -> super::Result<()> {
    if queued_text_rows(conn)? >= from {
        index_queued_text_upto(conn, TEXT_INDEX_CHUNK)?;
    }
    Ok(())
}

/// Indexes every queued row and empties the queue (migrations/0009 says why there is
/// one). Nothing to do, it costs one lookup of an empty table.
pub(crate) fn index_queued_text(conn: &Connection) -> super::Result<()> {
    index_queued_text_upto(conn, u64::MAX).map(|_| ())
}

/// Indexes the oldest `limit` queued rows (by when they were queued), one statement per
/// index in rowid order, and takes them off the queue; `true` if rows are left.
/// [`Store::write`](super::Store::write) calls it with [`TEXT_INDEX_STEP`] before every
/// `COMMIT`; the writer thread through [`index_queued_text_when_long`] and when idle.
pub(crate) fn index_queued_text_upto(conn: &Connection, limit: u64) -> super::Result<bool> {
    let Some((first, last)) = queue_bounds(conn)? else {
        return Ok(false);
    };
    let mut upto = first
        .saturating_add(i64::try_from(limit.max(1)).unwrap_or(i64::MAX) - 1)
        .min(last);
    if limit != u64::MAX {
        upto = within_text_budget(conn, first, upto, limit.saturating_mul(TEXT_CHARS_PER_ROW))?;
    }
    for index in TEXT_INDEXES {
        conn.prepare_cached(&index.index_queued_sql())?
            .execute(rusqlite::params![index.queue_kind, first, upto])?;
    }
    conn.prepare_cached("DELETE FROM emulator_text_index_queue WHERE _rowid_ <= ?1")?
        .execute([upto])?;
    Ok(upto < last)
}

/// Characters of text a step of indexing takes per row of its limit: a step of
/// [`TEXT_INDEX_STEP`] rows indexes at most 64,000 characters. The queue's rows are
/// 20-odd characters as a rule, but `addUpdate` takes entries of 3,900 characters (the
/// longer ones split into as many): six 8-MB entries queued 12,000 of them, and each
/// 500-row step of their 2 MB kept the writer, and every write waiting for it, 0.3-1.2 s
/// for twenty seconds.
const TEXT_CHARS_PER_ROW: u64 = 128;

/// The last queue rowid from `first` to `upto` whose rows, with those before it, hold at
/// most `budget` characters of text to index (`first` at least: one row is indexed
/// whatever its length).
fn within_text_budget(conn: &Connection, first: i64, upto: i64, budget: u64) -> super::Result<i64> {
    static SQL: OnceLock<String> = OnceLock::new();
    let sql = SQL.get_or_init(|| {
        let lengths: String = TEXT_INDEXES
            .iter()
            .map(|index| {
                format!(
                    " WHEN {kind} THEN (SELECT length(r.{column}) FROM {table} r WHERE r.id = q.rowId)",
                    kind = index.queue_kind,
                    column = quote_ident(index.property),
                    table = quote_ident(index.type_name),
                )
            })
            .collect();
        format!(
            "SELECT q._rowid_, CASE q.kind{lengths} END FROM emulator_text_index_queue q \
             WHERE q._rowid_ BETWEEN ?1 AND ?2 ORDER BY q._rowid_"
        )
    });
    let mut statement = conn.prepare_cached(sql)?;
    let mut rows = statement.query([first, upto])?;
    let (mut end, mut taken) = (first, 0u64);
    while let Some(row) = rows.next()? {
        let (rowid, chars): (i64, Option<i64>) = (row.get(0)?, row.get(1)?);
        taken = taken.saturating_add(chars.unwrap_or(0).max(0) as u64);
        if taken > budget && rowid > first {
            break;
        }
        end = rowid;
    }
    Ok(end)
}

/// Whether text searches use the trigram indexes: yes unless
/// `SOFTLAYER_EMULATOR_TEXT_INDEX=off` (for measuring the plain scan beside them).
pub(super) fn text_index_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("SOFTLAYER_EMULATOR_TEXT_INDEX").map_or(true, |v| v.trim() != "off")
    })
}

/// The needle of a text search folded as the exact predicate folds it; `None` under
/// three characters (a trigram index knows no shorter strings). A text containing the
/// needle (ignoring case) has a folded text containing the folded needle: the rows
/// [`trigram_query`] finds include every match.
fn folded_needle(needle: &str) -> Option<String> {
    let folded = fold_case(needle);
    (folded.chars().count() >= 3).then_some(folded)
}

/// A filter's regular expression (`~`, `!~`) as a row's match runs it: in time the SQL
/// time budget bounds.
///
/// The regex library guarantees time linear in the text, but with the compiled
/// expression's size as the factor when its lazy DFA gives up and it falls back to
/// simulating the NFA: `a{4000}b` (under the length cap) against a title of a million
/// `a`s took two minutes in one step of the statement, where the progress handler cannot
/// interrupt it. So a text whose length times the expression's NFA states could cost more
/// than [`FilterRegex::UNCHECKED_WORK`] walks a lazy DFA of our own byte by byte, never
/// giving up, and looks at the budget as it goes (every state it has to build costs at most
/// the NFA's size). Only what that DFA cannot run (a Unicode word boundary next to a
/// non-ASCII byte) falls back to the library, and then only within the same bound.
pub(crate) struct FilterRegex {
    regex: regex::Regex,
    pattern: String,
    lazy: OnceLock<Option<LazyRegex>>,
}

struct LazyRegex {
    dfa: regex_automata::hybrid::dfa::DFA,
    nfa_states: usize,
    cache: Mutex<regex_automata::hybrid::dfa::Cache>,
}

impl FilterRegex {
    /// NFA states times text bytes the library may take on at once (about a tenth of a
    /// second where its NFA simulation runs at 10-30 ns per unit).
    const UNCHECKED_WORK: usize = 5_000_000;
    /// Texts up to this length always go to the library: with the pattern's cap
    /// (`MAX_TEXT_VALUE_CHARS`) they are within [`Self::UNCHECKED_WORK`] for any
    /// expression of a few states per character.
    const SHORT_TEXT: usize = 1024;
    /// Bytes walked between looks at the budget.
    const CHECK_EVERY: usize = 4096;

    pub(crate) fn new(pattern: &str) -> Result<FilterRegex, regex::Error> {
        Ok(FilterRegex {
            regex: build_regex(pattern)?,
            pattern: pattern.to_string(),
            lazy: OnceLock::new(),
        })
    }

    fn lazy(&self) -> Option<&LazyRegex> {
        self.lazy
            .get_or_init(|| {
                use regex_automata::hybrid::dfa::DFA;
                use regex_automata::nfa::thompson;
                let dfa = DFA::builder()
                    .configure(
                        DFA::config()
                            .unicode_word_boundary(true)
                            .cache_capacity(2 << 20)
                            .skip_cache_capacity_check(true)
                            .minimum_cache_clear_count(None),
                    )
                    .thompson(thompson::Config::new().nfa_size_limit(Some(MAX_REGEX_SIZE)))
                    .build(&self.pattern)
                    .ok()?;
                let nfa_states = dfa.get_nfa().states().len();
                let cache = Mutex::new(dfa.create_cache());
                Some(LazyRegex {
                    dfa,
                    nfa_states,
                    cache,
                })
            })
            .as_ref()
    }

    /// Whether the expression matches somewhere in `text`; `None` when the call's SQL time
    /// budget ran out first.
    pub(crate) fn is_match(&self, text: &str) -> Option<bool> {
        if text.len() <= Self::SHORT_TEXT {
            return Some(self.regex.is_match(text));
        }
        let Some(lazy) = self.lazy() else {
            return self.library_within_bound(text, usize::MAX);
        };
        if lazy.nfa_states.saturating_mul(text.len()) <= Self::UNCHECKED_WORK {
            return Some(self.regex.is_match(text));
        }
        let mut cache = lazy.cache.lock().unwrap_or_else(|p| p.into_inner());
        match lazy.walk(&mut cache, text.as_bytes()) {
            Walked::Matched(m) => Some(m),
            Walked::OverBudget => None,
            Walked::Unable => self.library_within_bound(text, lazy.nfa_states),
        }
    }

    fn library_within_bound(&self, text: &str, nfa_states: usize) -> Option<bool> {
        if nfa_states.saturating_mul(text.len()) <= Self::UNCHECKED_WORK
            || !crate::limits::serving()
        {
            Some(self.regex.is_match(text))
        } else {
            None
        }
    }
}

enum Walked {
    Matched(bool),
    OverBudget,
    /// The lazy DFA cannot decide this text (it quit on a byte).
    Unable,
}

impl LazyRegex {
    fn walk(&self, cache: &mut regex_automata::hybrid::dfa::Cache, text: &[u8]) -> Walked {
        let input = regex_automata::Input::new(text);
        let Ok(mut state) = self.dfa.start_state_forward(cache, &input) else {
            return Walked::Unable;
        };
        for (n, chunk) in text.chunks(FilterRegex::CHECK_EVERY).enumerate() {
            if n > 0 && super::sql_clock::spent() {
                return Walked::OverBudget;
            }
            for &byte in chunk {
                let Ok(next) = self.dfa.next_state(cache, state, byte) else {
                    return Walked::Unable;
                };
                state = next;
                if state.is_tagged() {
                    // A match state is entered one byte after the match ends.
                    if state.is_match() {
                        return Walked::Matched(true);
                    }
                    if state.is_dead() {
                        return Walked::Matched(false);
                    }
                    if state.is_quit() {
                        return Walked::Unable;
                    }
                }
            }
        }
        match self.dfa.next_eoi_state(cache, state) {
            Ok(end) => Walked::Matched(end.is_match()),
            Err(_) => Walked::Unable,
        }
    }
}

/// The most characters of a needle that its trigram query holds.
///
/// FTS5 tests a phrase in a row by walking the positions of all its terms there (and
/// collects every match), within one step of the statement, where the SQL time budget
/// cannot interrupt it: time goes with the terms times the row's positions of them. A
/// needle of 4,096 `a`s against a title of a million `a`s ran for over a minute (a
/// title may be sixteen times longer); its first 64 characters took 0.6 s, 16 take 0.1 s.
/// A phrase of 16 characters is already rare in any text, and most needles are shorter.
const TRIGRAM_QUERY_CHARS: usize = 16;

/// The FTS5 query for the rows whose folded text contains `folded`: its first
/// [`TRIGRAM_QUERY_CHARS`] characters as one phrase (the trigram tokenizer makes it its
/// trigrams, and a phrase wants them consecutive), which every text containing all of it
/// contains.
fn trigram_query(folded: &str) -> String {
    let piece: String = folded.chars().take(TRIGRAM_QUERY_CHARS).collect();
    format!("\"{}\"", piece.replace('"', "\"\""))
}

/// A text search with at most this many candidates in its trigram index is answered
/// through the index; with more, by the plain scan (see [`SqlBuilder::text_candidates`]).
/// Checking a candidate costs a row lookup (about 2 µs); the scan walks the order and
/// stops after a page, so beyond a few thousand candidates the scan wins.
const INDEXED_AT_MOST: usize = 4000;

/// The tickets whose title or some update's entry may hold `word` (case ignored, as a
/// `*=` search), by the trigram indexes: a superset the caller narrows with the exact
/// search. `None` where the indexes cannot tell soon, as for
/// [`SqlBuilder::text_candidates`]: a word under three characters, a common one, or too
/// much text still queued for the index.
pub(crate) fn tickets_mentioning(conn: &Connection, word: &str) -> super::Result<Option<Vec<i64>>> {
    let Some(folded) = folded_needle(word) else {
        return Ok(None);
    };
    let mut tickets: Vec<i64> = Vec::new();
    for index in TEXT_INDEXES {
        let Some(ids) = index.candidates(conn, &folded)? else {
            return Ok(None);
        };
        if index.type_name == "SoftLayer_Ticket" {
            tickets.extend(ids);
            continue;
        }
        // An update's ticket; the ids are the index's own, written as a list.
        let sql = format!(
            "SELECT ticketId FROM SoftLayer_Ticket_Update WHERE id IN ({})",
            id_list(&ids)
        );
        let mut stmt = conn.prepare(&sql)?;
        let owners = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        for owner in owners {
            tickets.push(owner?);
        }
    }
    tickets.sort_unstable();
    tickets.dedup();
    Ok(Some(tickets))
}

/// The relational property of `type_name` called `name`, with whether it is a list.
fn relational(type_name: &str, name: &str) -> Option<(&'static TypeDef, bool)> {
    let t = schema().type_def(type_name)?;
    let p = t.property(name)?;
    (p.kind == PropertyKind::Relational).then_some((t, p.many))
}

/// How a filter is written: the connection (to see which columns exist), and whether
/// conditions through relations to many objects are uncorrelated `IN` subqueries
/// (evaluated once: best when most rows are tested) rather than `EXISTS` (stops at the
/// first match: best when few rows are tested, or a page ends early).
#[derive(Clone, Copy)]
struct Mode<'c> {
    conn: &'c Connection,
    in_many: bool,
}

/// A SQL text builder that numbers its bound parameters and its aliases.
pub(super) struct SqlBuilder {
    pub(super) params: Vec<Value>,
    pub(super) aliases: usize,
    /// Whether text searches may narrow their candidates through the trigram indexes
    /// (off only to measure or check against the plain scan).
    pub(super) text_index: bool,
    /// The trigram indexes' candidates per (index, query), asked once per list: `None`
    /// for a needle too common to be worth the index.
    candidates: HashMap<(&'static str, String), Option<Arc<Vec<i64>>>>,
    /// The listed tickets are among these (the text tally's few matches).
    tally_tickets: Option<Arc<Vec<i64>>>,
    /// The user whose view of per-viewer flags the filter compares
    /// ([`crate::schema::filter::ObjectFilter::viewer`]).
    viewer: Option<i64>,
}

impl SqlBuilder {
    pub(super) fn new(params: Vec<Value>) -> SqlBuilder {
        SqlBuilder {
            params,
            aliases: 0,
            text_index: text_index_enabled(),
            candidates: HashMap::new(),
            tally_tickets: None,
            viewer: None,
        }
    }

    fn bind(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("r{}", self.aliases)
    }

    /// `rel`'s FROM and ON with `{r}` named `alias` and `{parent}` as given.
    pub(super) fn relation_sql(
        rel: &Relation,
        alias: &str,
        parent: &str,
    ) -> (String, String, String) {
        let sub = |s: &str| s.replace("{r}", alias).replace("{parent}", parent);
        (sub(rel.from), sub(rel.on), sub(rel.order))
    }

    /// Whether the filter's viewer is shown `rel`'s rows of the parent row `alias`, when
    /// not everyone is ([`relations::viewer_condition`]); without a viewer, never.
    fn viewer_condition(&self, rel: &Relation, alias: &str) -> Option<Pred> {
        // An integer, so written into the SQL as it is.
        let viewer = self.viewer.map_or("NULL".to_string(), |v| v.to_string());
        let sql = relations::viewer_condition(rel.owner, rel.property, alias, &viewer)?;
        Some(match self.viewer {
            Some(_) => Pred::Sql(sql),
            None => Pred::Const(false),
        })
    }

    /// The predicate for all `conditions` on rows of `type_name` named `alias`.
    fn filter(
        &mut self,
        conn: &Connection,
        type_name: &str,
        alias: &str,
        conditions: &[Condition],
        in_many: bool,
    ) -> Result<Pred, String> {
        let mode = Mode { conn, in_many };
        self.node(mode, type_name, alias, &Node::build(conditions), 0)
    }

    fn node(
        &mut self,
        mode: Mode,
        type_name: &str,
        alias: &str,
        node: &Node,
        depth: usize,
    ) -> Result<Pred, String> {
        if depth > 16 {
            return Err("the filter is nested too deeply".into());
        }
        let Some(t) = schema().type_def(type_name) else {
            return Ok(Pred::Const(null_holds(type_name, node)));
        };
        let mut pred = Pred::Const(true);
        for (name, op) in &node.leaves {
            let p = match t.property(name) {
                None => Pred::Const(op.holds_for_null()),
                Some(def) => match def.kind {
                    PropertyKind::Local => {
                        if has_column(mode.conn, type_name, name) {
                            let column = self.column_as_seen(type_name, alias, name);
                            // Candidates first: when there are none, the exact predicate
                            // is not written (nor its parameters bound).
                            match self.text_candidates(mode.conn, type_name, name, alias, op) {
                                Some(Pred::Const(false)) => Pred::Const(false),
                                Some(candidates) => candidates.and(self.operation(
                                    &column,
                                    def.type_name == "dateTime",
                                    op,
                                )),
                                None => self.operation(&column, def.type_name == "dateTime", op),
                            }
                        } else {
                            Pred::Const(op.holds_for_null())
                        }
                    }
                    PropertyKind::Count => {
                        let count = self.count_expr(t, alias, name);
                        self.operation(&count, false, op)
                    }
                    // A flag the server computes (`awaitingUserResponseFlag`), compared
                    // as its getter answers it, to the filter's viewer where it depends
                    // on who asks (`newUpdatesFlag`); the filter parser kept only those.
                    PropertyKind::Relational => {
                        let id = format!("{alias}.\"id\"");
                        let viewer = self.viewer;
                        match relations::computed_for(type_name, name) {
                            // Data the emulator does not keep (`primaryIpAddress`): absent.
                            None => Pred::Const(op.holds_for_null()),
                            Some(c) => match c.of_row(&id, viewer) {
                                Some(value) => self.operation(&value, false, op),
                                None => Pred::Const(true),
                            },
                        }
                    }
                },
            };
            pred = pred.and(p);
            if pred == Pred::Const(false) {
                return Ok(pred);
            }
        }
        for (name, sub) in &node.children {
            let p = match relational(type_name, name) {
                None => Pred::Const(null_holds_missing(type_name, name, sub)),
                Some((_, many)) => self.hop(mode, type_name, alias, name, many, sub, depth)?,
            };
            pred = pred.and(p);
            if pred == Pred::Const(false) {
                return Ok(pred);
            }
        }
        Ok(pred)
    }

    /// Conditions `sub` through relational property `name` of a `type_name` row `alias`.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &mut self,
        mode: Mode,
        type_name: &str,
        alias: &str,
        name: &str,
        many: bool,
        sub: &Node,
        depth: usize,
    ) -> Result<Pred, String> {
        let rels: Vec<&'static Relation> = relations::relations_for(type_name, name).collect();
        if rels.is_empty() {
            // A relation the emulator holds no data for: an absent object, an empty list.
            return Ok(Pred::Const(null_holds_missing(type_name, name, sub)));
        }
        let to_one = !many;
        let when_absent = to_one && null_holds(rels[0].target, sub);
        let mut matched = Pred::Const(false);
        let mut present = Pred::Const(false);
        for &rel in &rels {
            let guard = match rel.guard {
                Some((column, value)) => {
                    let mark = self.bind(Value::from(value));
                    Pred::Sql(format!("{alias}.{} = {mark}", quote_ident(column)))
                }
                None => Pred::Const(true),
            };
            // Rows only some viewers are shown (a user's API key): for others, none.
            let guard = match self.viewer_condition(rel, alias) {
                Some(shown) => guard.and(shown),
                None => guard,
            };
            let inner = self.alias();
            let nested = self.node(mode, rel.target, &inner, sub, depth + 1)?;
            let m = self.through(rel, alias, &inner, nested, to_one || mode.in_many);
            matched = matched.or(guard.clone().and(m));
            if when_absent {
                let inner = self.alias();
                // `EXISTS`, not `IN`: a missing key (NULL) is no related object.
                let any = self.through(rel, alias, &inner, Pred::Const(true), false);
                present = present.or(guard.and(any));
            }
        }
        if when_absent {
            matched = matched.or(present.not());
        }
        // `subject.id = 5` is `subjectId = 5` as well: said outright, the planner can walk
        // an index on (…, subjectId, order) and stop after a page, which it cannot do
        // through the `IN` (it cannot know the subquery yields one id).
        if let ([rel], false) = (rels.as_slice(), many)
            && rel.is_by_parent_key()
            && sub.children.is_empty()
            && let Some(id) = sub.leaves.iter().find_map(|(name, op)| match op {
                Operation::Compare(Comparison::Equal, Operand::Value(v)) if *name == "id" => {
                    Some(v)
                }
                _ => None,
            })
        {
            let mark = self.bind(id.clone());
            let key = Pred::Sql(format!("{alias}.{} = {mark}", quote_ident(rel.key)));
            matched = key.and(matched);
        }
        Ok(matched)
    }

    /// "Some row of `rel` for parent `parent_alias` satisfies `nested`": an `IN` over an
    /// uncorrelated subquery when `uncorrelated` (and the relation's join allows it), an
    /// `EXISTS` otherwise.
    fn through(
        &mut self,
        rel: &Relation,
        parent_alias: &str,
        inner: &str,
        nested: Pred,
        uncorrelated: bool,
    ) -> Pred {
        if nested == Pred::Const(false) {
            return nested;
        }
        let key = format!("{parent_alias}.{}", quote_ident(rel.key));
        let (from, on, order) = Self::relation_sql(rel, inner, &key);
        let nested_sql = nested.sql();
        if let Some(cap) = rel.cap {
            return Pred::Sql(format!(
                "EXISTS (SELECT 1 FROM (SELECT {inner}.* FROM {from} WHERE {on} ORDER BY {order} LIMIT {cap}) AS {inner} WHERE {nested_sql})"
            ));
        }
        if uncorrelated {
            // `{r}.x = {parent} AND rest` → `key IN (SELECT {r}.x FROM … WHERE rest AND …)`:
            // uncorrelated, so SQLite evaluates it once and may use an index on the key.
            let (_, rel_on, _) = Self::relation_sql(rel, inner, "\u{1}");
            let marker = " = \u{1}";
            if let Some(pos) = rel_on.find(marker) {
                let lhs = &rel_on[..pos];
                let rest = rel_on[pos + marker.len()..].trim();
                let simple = !lhs.contains(' ') && !rel_on[pos + marker.len()..].contains('\u{1}');
                // Only `x = {parent} AND …` without an `OR` beside it is `x = {parent}` and
                // the rest.
                let rest = match rest.strip_prefix("AND ") {
                    Some(r) if !r.to_ascii_uppercase().contains(" OR ") => Some(r),
                    None if rest.is_empty() => Some("1"),
                    _ => None,
                };
                if let (true, Some(rest)) = (simple, rest) {
                    return Pred::Sql(format!(
                        "{key} IN (SELECT {lhs} FROM {from} WHERE ({rest}) AND {nested_sql})"
                    ));
                }
            }
        }
        Pred::Sql(format!(
            "EXISTS (SELECT 1 FROM {from} WHERE ({on}) AND {nested_sql})"
        ))
    }

    /// For a text search (`*=`, `^=`, `$=`) on a property with a trigram index: the rows
    /// whose folded text contains the folded needle, a superset of the matches that the
    /// exact predicate (ANDed by the caller) then narrows. `None` when the index cannot
    /// help: no index, a negated search, a needle under three characters (a trigram
    /// index knows no shorter strings), or a common needle.
    ///
    /// The choice goes by the needle's frequency, asked of the index itself: at most
    /// [`INDEXED_AT_MOST`] rows are read from it (cheap however common the needle). A
    /// rare needle's candidates are few, so they are written into the statement as a
    /// list of ids (the index is not asked again by each plan, page and count) and
    /// checked one by one; none at all means no match. A common needle's candidates
    /// would be checked row by row, slower than the plain scan, which walks the
    /// requested order and stops after a page: the index is left out.
    fn text_candidates(
        &mut self,
        conn: &Connection,
        type_name: &str,
        property: &str,
        alias: &str,
        op: &Operation,
    ) -> Option<Pred> {
        if !self.text_index {
            return None;
        }
        let Operation::Text {
            text,
            matches: true,
            ..
        } = op
        else {
            return None;
        };
        let index = TEXT_INDEXES
            .iter()
            .find(|i| i.type_name == type_name && i.property == property)?;
        let folded = folded_needle(text)?;
        let key = (index.table, trigram_query(&folded));
        if let Some(known) = self.candidates.get(&key) {
            return known.clone().map(|ids| Self::among(alias, ids));
        }
        // The rows still queued for the index (migrations/0009; store/group_commit.rs
        // says when the writer indexes them) are candidates when their text holds the
        // needle, as the index would find them. Too many to read, and the index is
        // behind: the plain scan answers.
        let ids = index.candidates(conn, &folded).ok().flatten();
        let ids = ids.map(|mut ids| {
            ids.sort_unstable();
            Arc::new(ids)
        });
        self.candidates.insert(key, ids.clone());
        ids.map(|ids| Self::among(alias, ids))
    }

    /// `alias.id` among `ids` (none: false).
    fn among(alias: &str, ids: Arc<Vec<i64>>) -> Pred {
        if ids.is_empty() {
            return Pred::Const(false);
        }
        Pred::Sql(format!("{alias}.id IN ({})", id_list(&ids)))
    }

    /// The value of count property `name` of a `t` row `alias`.
    fn count_expr(&mut self, t: &TypeDef, alias: &str, name: &str) -> String {
        let Some(counted) = counted_relation(t, name) else {
            return "0".into();
        };
        let mut terms = Vec::new();
        for rel in relations::relations_for(&t.name, &counted.name) {
            let inner = self.alias();
            let key = format!("{alias}.{}", quote_ident(rel.key));
            let (from, on, order) = Self::relation_sql(rel, &inner, &key);
            let count = match rel.cap {
                Some(cap) => format!(
                    "(SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {on} ORDER BY {order} LIMIT {cap}))"
                ),
                None => format!("(SELECT count(*) FROM {from} WHERE ({on}))"),
            };
            // Rows only some viewers are shown (a user's API key): for others, none.
            let count = match self.viewer_condition(rel, alias) {
                Some(Pred::Const(false)) => "0".to_string(),
                Some(shown) => format!("(CASE WHEN {} THEN {count} ELSE 0 END)", shown.sql()),
                None => count,
            };
            terms.push(match rel.guard {
                Some((column, value)) => {
                    let mark = self.bind(Value::from(value));
                    format!(
                        "(CASE WHEN {alias}.{} = {mark} THEN {count} ELSE 0 END)",
                        quote_ident(column)
                    )
                }
                None => count,
            });
        }
        if terms.is_empty() {
            // A relation the emulator keeps no data for: its count is absent, as its mask
            // property is left out (the filter's warning says so).
            "NULL".into()
        } else {
            format!("({})", terms.join(" + "))
        }
    }

    fn date_bound(&mut self, ms: i64) -> String {
        self.bind(Value::Float(julian_day(ms)))
    }

    /// The predicate of one operation on a column (or expression).
    fn operation(&mut self, column: &str, date: bool, op: &Operation) -> Pred {
        let jd = format!("julianday({column})");
        let negate = |p: Pred| match p {
            Pred::Const(b) => Pred::Const(!b),
            Pred::Sql(s) => Pred::Sql(format!("({column} IS NULL OR NOT ({s}))")),
        };
        match op {
            Operation::Compare(c, Operand::Date(span)) => {
                let lhs = if date { jd.as_str() } else { column };
                self.date_compare(lhs, column, *c, *span)
            }
            Operation::Compare(c, Operand::Value(v)) => {
                let mark = self.bind(v.clone());
                let sql = match c {
                    Comparison::Equal => format!("{column} = {mark}"),
                    Comparison::NotEqual => {
                        return Pred::Sql(format!("({column} IS NULL OR {column} <> {mark})"));
                    }
                    Comparison::Greater => format!("{column} > {mark}"),
                    Comparison::GreaterOrEqual => format!("{column} >= {mark}"),
                    Comparison::Less => format!("{column} < {mark}"),
                    Comparison::LessOrEqual => format!("{column} <= {mark}"),
                };
                Pred::Sql(sql)
            }
            Operation::Text { how, text, matches } => {
                let (function, needle) = text_search(*how, text);
                let mark = self.bind(Value::String(needle));
                let p = Pred::Sql(format!("{function}(CAST({column} AS TEXT), {mark})"));
                if *matches { p } else { negate(p) }
            }
            Operation::EqualIgnoringCase(text) => {
                if text.is_ascii() {
                    // `NOCASE`, which the title's index serves. (A value folding to ASCII
                    // only with the Kelvin sign is not found: matching it too made SQLite
                    // leave that index for a scan of the account's tickets.)
                    let mark = self.bind(Value::String(text.clone()));
                    Pred::Sql(format!("{column} = {mark} COLLATE NOCASE"))
                } else {
                    let mark = self.bind(Value::String(fold_case(text)));
                    Pred::Sql(format!("sl_fold({column}) = {mark}"))
                }
            }
            Operation::Regex { pattern, matches } => {
                let mark = self.bind(Value::String(pattern.clone()));
                let p = Pred::Sql(format!("{column} REGEXP {mark}"));
                if *matches { p } else { negate(p) }
            }
            Operation::ShownIn(zone, op) => {
                let tz = self.bind(Value::String(zone.tz.name().to_string()));
                let daylight = self.bind(Value::Int(i64::from(zone.daylight_saving)));
                let shown = format!("emulator_shown_date({column}, {tz}, {daylight})");
                self.operation(&shown, false, op)
            }
            Operation::IsNull => Pred::Sql(format!("{column} IS NULL")),
            Operation::NotNull => Pred::Sql(format!("{column} IS NOT NULL")),
            Operation::In(items, yes) => {
                let mut values = Vec::new();
                let mut any = Pred::Const(false);
                let mut null = false;
                for item in items {
                    match item {
                        Operand::Value(Value::Null) => null = true,
                        Operand::Value(v) => values.push(self.bind(v.clone())),
                        Operand::Date(span) => {
                            let lhs = if date { jd.clone() } else { column.to_string() };
                            let p = self.date_compare(&lhs, column, Comparison::Equal, *span);
                            any = any.or(p);
                        }
                    }
                }
                if !values.is_empty() {
                    any = any.or(Pred::Sql(format!("{column} IN ({})", values.join(", "))));
                }
                if !null {
                    return if *yes { any } else { negate(any) };
                }
                // The missing value is among those named: `not in` leaves it out.
                let any = any.or(Pred::Sql(format!("{column} IS NULL")));
                match (any, *yes) {
                    (any, true) => any,
                    (Pred::Const(b), false) => Pred::Const(!b),
                    (Pred::Sql(s), false) => Pred::Sql(format!("NOT ({s})")),
                }
            }
            Operation::Any(ops) => {
                let mut p = Pred::Const(false);
                for op in ops {
                    p = p.or(self.operation(column, date, op));
                }
                p
            }
            Operation::All(ops) => {
                let mut p = Pred::Const(true);
                for op in ops {
                    p = p.and(self.operation(column, date, op));
                }
                match p {
                    Pred::Sql(s) => Pred::Sql(format!("({s})")),
                    other => other,
                }
            }
        }
    }

    /// A comparison of `lhs` (a Julian day) with a date span.
    fn date_compare(&mut self, lhs: &str, column: &str, c: Comparison, span: DateSpan) -> Pred {
        if span.is_instant() {
            let t = self.date_bound(span.start);
            return Pred::Sql(match c {
                Comparison::Equal => format!("{lhs} = {t}"),
                Comparison::NotEqual => format!("({column} IS NULL OR {lhs} <> {t})"),
                Comparison::Greater => format!("{lhs} > {t}"),
                Comparison::GreaterOrEqual => format!("{lhs} >= {t}"),
                Comparison::Less => format!("{lhs} < {t}"),
                Comparison::LessOrEqual => format!("{lhs} <= {t}"),
            });
        }
        Pred::Sql(match c {
            Comparison::Equal => {
                let s = self.date_bound(span.start);
                let e = self.date_bound(span.end);
                format!("({lhs} >= {s} AND {lhs} < {e})")
            }
            Comparison::NotEqual => {
                let s = self.date_bound(span.start);
                let e = self.date_bound(span.end);
                format!("({column} IS NULL OR {lhs} < {s} OR {lhs} >= {e})")
            }
            Comparison::Greater => format!("{lhs} >= {}", self.date_bound(span.end)),
            Comparison::GreaterOrEqual => format!("{lhs} >= {}", self.date_bound(span.start)),
            Comparison::Less => format!("{lhs} < {}", self.date_bound(span.start)),
            Comparison::LessOrEqual => format!("{lhs} < {}", self.date_bound(span.end)),
        })
    }

    /// Column `name` of a `type_name` row `alias` as the filter's viewer is shown it: an
    /// employee is anonymous to customers (`services::projection`'s `employee_as_seen`),
    /// so a filter or an order through `updates.editor` must not find what the reply
    /// hides (a customer could guess an employee's username or e-mail with `^=`).
    fn column_as_seen(&self, type_name: &str, alias: &str, name: &str) -> String {
        let column = format!("{alias}.{}", quote_ident(name));
        let Some(viewer) = self
            .viewer
            .filter(|_| type_name == "SoftLayer_User_Employee")
        else {
            return column;
        };
        match name {
            "id" | "displayName" => column,
            "username" => "'Employee'".to_string(),
            // Shown to the accounts the employee represents.
            "firstName" | "lastName" | "email" => format!(
                "(CASE WHEN EXISTS (SELECT 1 FROM emulator_support_representative rep \
                 JOIN SoftLayer_User_Customer viewer ON viewer.accountId = rep.accountId \
                 WHERE viewer.id = {viewer} AND rep.employeeId = {alias}.\"id\") \
                 THEN {column} END)"
            ),
            _ => "NULL".to_string(),
        }
    }

    /// The expression a `type_name` row `alias` is ordered by for `path`.
    fn order_expr(
        &mut self,
        conn: &Connection,
        type_name: &str,
        alias: &str,
        path: &[String],
        descending: bool,
        depth: usize,
    ) -> Option<String> {
        let (name, rest) = path.split_first()?;
        let t = schema().type_def(type_name)?;
        let def = t.property(name)?;
        if rest.is_empty() {
            return match def.kind {
                PropertyKind::Local if has_column(conn, type_name, name) => {
                    let column = self.column_as_seen(type_name, alias, name);
                    Some(if def.type_name == "dateTime" {
                        format!("julianday({column})")
                    } else {
                        column
                    })
                }
                PropertyKind::Count => Some(self.count_expr(t, alias, name)),
                // A flag the server computes (`awaitingUserResponseFlag`), ordered as its
                // getter answers it, as it is filtered.
                PropertyKind::Relational => relations::computed_for(type_name, name)
                    .and_then(|c| c.of_row(&format!("{alias}.\"id\""), self.viewer)),
                _ => None,
            };
        }
        if def.kind != PropertyKind::Relational || depth > 16 {
            return None;
        }
        let rels: Vec<&'static Relation> = relations::relations_for(type_name, name).collect();
        if let Some(rel) = rels.iter().find(|r| r.guard.is_none()) {
            return self.order_through(conn, rel, alias, rest, def.many, descending, depth);
        }
        // A polymorphic relation (an update's `editor`, a customer user or an employee by
        // its `editorType`): each row ordered by the object its guard picks. Taking only
        // an unguarded relation dropped such orders without a word.
        let mut arms = String::new();
        for rel in rels {
            let Some((column, value)) = rel.guard else {
                continue;
            };
            let Some(expr) =
                self.order_through(conn, rel, alias, rest, def.many, descending, depth)
            else {
                continue;
            };
            let mark = self.bind(Value::from(value));
            arms += &format!(" WHEN {alias}.{} = {mark} THEN {expr}", quote_ident(column));
        }
        (!arms.is_empty()).then(|| format!("(CASE{arms} END)"))
    }

    /// The value `path` names through relation `rel` of a row `alias`, to order by; of a
    /// list, its least value ascending and its greatest descending.
    #[allow(clippy::too_many_arguments)]
    fn order_through(
        &mut self,
        conn: &Connection,
        rel: &Relation,
        alias: &str,
        path: &[String],
        many: bool,
        descending: bool,
        depth: usize,
    ) -> Option<String> {
        let inner = self.alias();
        let expr = self.order_expr(conn, rel.target, &inner, path, descending, depth + 1)?;
        let key = format!("{alias}.{}", quote_ident(rel.key));
        let (from, on, order) = Self::relation_sql(rel, &inner, &key);
        // Rows only some viewers are shown (a user's API key) order as missing for
        // others: sorted by, they told a sub-user the order of the account's keys.
        let on = match self.viewer_condition(rel, alias) {
            Some(Pred::Const(false)) => "0".to_string(),
            Some(shown) => format!("({on}) AND {}", shown.sql()),
            None => on,
        };
        let source = match rel.cap {
            Some(cap) => format!(
                "(SELECT {inner}.* FROM {from} WHERE {on} ORDER BY {order} LIMIT {cap}) AS {inner}"
            ),
            None => format!("{from} WHERE ({on})"),
        };
        Some(if many {
            let agg = if descending { "max" } else { "min" };
            format!("(SELECT {agg}({expr}) FROM {source})")
        } else {
            format!("(SELECT {expr} FROM {source} LIMIT 1)")
        })
    }
}

/// Whether conditions `node` hold for an absent object of `type_name` (every value
/// missing, every list empty).
fn null_holds(type_name: &str, node: &Node) -> bool {
    node.leaves.iter().all(|(name, op)| {
        let count = schema()
            .type_def(type_name)
            .and_then(|t| t.property(name))
            .is_some_and(|p| p.kind == PropertyKind::Count);
        if count {
            count_holds_for_zero(op)
        } else {
            op.holds_for_null()
        }
    }) && node
        .children
        .iter()
        .all(|(name, sub)| null_holds_missing(type_name, name, sub))
}

/// Whether conditions `sub` through relation `name` of `type_name` hold when that
/// relation is absent (an empty list never does; an absent object may).
fn null_holds_missing(type_name: &str, name: &str, sub: &Node) -> bool {
    match schema().type_def(type_name).and_then(|t| t.property(name)) {
        Some(p) if p.many => false,
        Some(p) => null_holds(&p.type_name, sub),
        None => null_holds("", sub),
    }
}

/// Whether an operation holds for a count of zero (a count property of an absent object).
fn count_holds_for_zero(op: &Operation) -> bool {
    let zero = |v: &Value| -> Option<std::cmp::Ordering> {
        match v {
            Value::Int(i) => Some(0.cmp(i)),
            Value::Float(f) => 0.0f64.partial_cmp(f),
            _ => None,
        }
    };
    match op {
        Operation::Compare(c, Operand::Value(v)) => match zero(v) {
            Some(o) => match c {
                Comparison::Equal => o.is_eq(),
                Comparison::NotEqual => o.is_ne(),
                Comparison::Greater => o.is_gt(),
                Comparison::GreaterOrEqual => o.is_ge(),
                Comparison::Less => o.is_lt(),
                Comparison::LessOrEqual => o.is_le(),
            },
            None => *c == Comparison::NotEqual,
        },
        Operation::NotNull => true,
        Operation::IsNull => false,
        Operation::In(items, yes) => {
            let has = items.iter().any(
                |i| matches!(i, Operand::Value(v) if zero(v) == Some(std::cmp::Ordering::Equal)),
            );
            has == *yes
        }
        Operation::Any(ops) => ops.iter().any(count_holds_for_zero),
        Operation::All(ops) => ops.iter().all(count_holds_for_zero),
        other => other.holds_for_null(),
    }
}

/// The ticket columns `derived_ticket_tally` counts by (migrations/0005).
const TALLY_COLUMNS: &[&str] = &[
    "accountId",
    "statusId",
    "priority",
    "subjectId",
    "groupId",
    "assignedUserId",
];

/// Whether a ticket predicate on `r0` reads no column of `r0` but the tally's, so that
/// summing the tally rows it holds for counts the tickets it holds for: each tally row
/// stands for tickets that agree on every column the predicate can see. (Subqueries
/// use other aliases; values are bound parameters, never text in the SQL.)
fn reads_only_tally_columns(predicate: &str) -> bool {
    let bytes = predicate.as_bytes();
    let mut at = 0;
    while let Some(pos) = predicate[at..].find("r0.") {
        let start = at + pos;
        at = start + 3;
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let rest = &predicate[at..];
        let column = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next().unwrap_or(""),
            None => rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap_or(""),
        };
        if !TALLY_COLUMNS.contains(&column) {
            return false;
        }
    }
    true
}

/// One way of writing a list query: the page and count statements and their parameters.
struct Plan {
    page: String,
    count: String,
    params: Vec<Value>,
}

/// How long a first plan may run before the other one is tried, in CPU time (see
/// [`within`]): 25 ms, or `SOFTLAYER_EMULATOR_PLAN_BUDGET_MS` (0 always tries the second
/// plan, as the tests do to check that both give the same answers).
fn plan_budget() -> Duration {
    static BUDGET: OnceLock<Duration> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        let ms = std::env::var("SOFTLAYER_EMULATOR_PLAN_BUDGET_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(25);
        Duration::from_millis(ms)
    })
}

/// Pages of at most this many rows are tried two ways (see [`list`]).
const SHORT_PAGE: u64 = 1000;

/// Up to this many matches, a long page sorts them rather than walk an index in order.
const FEW: u64 = 5000;

/// A page at least this deep is read from the list's end when that is nearer
/// ([`Listing::window_from_the_end`]). Past [`INDEXED_AT_MOST`], so that the text tally never
/// names only a first page's tickets for it ([`Listing::first_page`]).
const DEEP_OFFSET: u64 = 10_000;
const _: () = assert!(DEEP_OFFSET > INDEXED_AT_MOST as u64);

/// An `ORDER BY` term turned around. SQLite sorts NULL below every value in both
/// directions, so the reverse of an ascending term is the same term descending.
fn reversed(term: &str) -> String {
    if let Some(t) = term.strip_suffix(" DESC") {
        format!("{t} ASC")
    } else if let Some(t) = term.strip_suffix(" ASC") {
        format!("{t} DESC")
    } else {
        format!("{term} DESC")
    }
}

/// Runs `f` with a time budget; `None` when the budget ran out (the statement was
/// interrupted), the result otherwise.
fn within<T>(
    conn: &Connection,
    budget: Option<Duration>,
    f: impl FnOnce() -> std::result::Result<T, QueryError>,
) -> std::result::Result<Option<T>, QueryError> {
    let Some(budget) = budget else {
        return f().map(Some);
    };
    // In CPU time, as the call's budget is: on a busy machine a plan counted in wall
    // time ran out while it waited for a core, and its work was thrown away for the
    // other plan's, often more of it.
    let allowance = super::sql_clock::Allowance::new(budget);
    let every = if budget.is_zero() { 1 } else { 1000 };
    // The call's own SQL time budget still applies while the plan's shorter one runs.
    conn.progress_handler(
        every,
        Some(move || allowance.spent() || super::sql_clock::spent()),
    );
    /// Gives the call's handler back however the try ends: left on the connection after
    /// a panic (answered further up), the spent allowance would interrupt every later
    /// statement of a pooled connection.
    struct Restored<'c>(&'c Connection);
    impl Drop for Restored<'_> {
        fn drop(&mut self) {
            super::watch_sql_budget(self.0);
        }
    }
    let restored = Restored(conn);
    let out = f();
    drop(restored);
    match out {
        Err(QueryError::Store(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))))
            if e.code == rusqlite::ErrorCode::OperationInterrupted
                && !super::sql_clock::spent() =>
        {
            Ok(None)
        }
        other => other.map(Some),
    }
}

/// What a list query is over: rows of `target` in `from` matching `on` (SQL from a
/// relation or a whole table), `cap` for the capped relations, the default order.
struct Listing<'a> {
    conn: &'a Connection,
    target: &'a str,
    cap: Option<u64>,
    from: &'a str,
    on: &'a str,
    default_order: &'a str,
    query: &'a ListQuery<'a>,
    /// The text tally's answer ([`tally`]), when there is one.
    tallied: Option<Tallied>,
    /// The page as counted from the list's end, when it is read that way
    /// ([`Listing::window_from_the_end`]).
    from_the_end: Option<ResultLimit>,
}

/// A text search of a list that the text tally can answer ([`Listing::tally_search`]).
struct TallySearch<'q> {
    tally: Arc<TextTally>,
    searched: Searched,
    how: TextMatch,
    text: &'q str,
    /// The filter's only condition (the tally's total is the list's).
    alone: bool,
}

impl Listing<'_> {
    /// Asks the text tally (when text searches may use their indexes). For a list
    /// filtered by one text search, its total is then the list's, and when it names the
    /// few matching tickets, the statements look only at those; when many match, the
    /// page is found by walking the order, as the plain scan does. For a text search
    /// beside other conditions, the tally only names the tickets holding the text, when
    /// few: the statements look only at those, and SQLite counts them.
    fn ask_tally(&mut self, b: &mut SqlBuilder) {
        if !b.text_index {
            return;
        }
        let Some(TallySearch {
            tally,
            searched,
            how,
            text,
            alone,
        }) = self.tally_search()
        else {
            return;
        };
        if !alone {
            let found = tally.count(searched, how, text, INDEXED_AT_MOST, None);
            if let Some(ids) = found.and_then(|t| t.tickets) {
                // The trigram index is not asked either: the few tickets named are
                // checked against every condition, the text search's included.
                b.text_index = false;
                b.tally_tickets = Some(Arc::new(ids));
            }
            return;
        }
        let first = self.first_page(b);
        self.tallied = tally.count(searched, how, text, INDEXED_AT_MOST, first.as_ref());
        // The trigram index is not asked: the tally has told how many match, and the
        // index's candidates would be no fewer (a common needle's are thousands).
        if let Some(tallied) = &self.tallied {
            b.text_index = false;
            b.tally_tickets = tallied.tickets.clone().map(Arc::new);
        }
    }

    /// The text tally (text_tally.rs) and a search it can answer: for a ticket list
    /// whose own condition reads only the tally's columns, the first condition of the
    /// filter that is a text search (`title` or `updates.entry`, `*=`, `^=` or `$=`);
    /// `alone` when it is the filter's only condition. A filter's conditions all hold
    /// for what it selects, so the tickets holding the text include every ticket listed.
    fn tally_search(&self) -> Option<TallySearch<'_>> {
        let conditions = self.query.filter?.conditions.as_slice();
        let (searched, how, text) = conditions.iter().find_map(|condition| {
            let Operation::Text {
                how,
                text,
                matches: true,
            } = &condition.operation
            else {
                return None;
            };
            let searched = match condition.path.as_slice() {
                [p] if p == "title" => Searched::Title,
                [u, e] if u == "updates" && e == "entry" => Searched::Entry,
                _ => return None,
            };
            Some((searched, *how, text.as_str()))
        })?;
        // Only on a reader: the writer may be inside a transaction the tally has not seen.
        // Only for a page: the tally follows every committed write, so it may be newer
        // than this reader's snapshot, and a whole list's total must be its own length
        // (a list of every match costs what SQLite's count in the same snapshot costs).
        if self.query.limit.and_then(|l| l.limit).is_none()
            || self.target != "SoftLayer_Ticket"
            || self.from != "SoftLayer_Ticket r0"
            || self.cap.is_some()
            || !reads_only_tally_columns(self.on)
            || !self
                .conn
                .is_readonly(rusqlite::DatabaseName::Main)
                .unwrap_or(false)
        {
            return None;
        }
        let tally = self.conn.path().and_then(super::text_tally::for_path)?;
        Some(TallySearch {
            tally,
            searched,
            how,
            text,
            alone: conditions.len() == 1,
        })
    }

    /// For a short page in id order (the list's default, no `orderBy`): the page's
    /// tickets are the first matches in id order among the `derived_ticket_tally` rows
    /// the list's own condition holds for, which the tally can name itself. A needle of
    /// a few thousand matches otherwise has the page walk the order for long.
    fn first_page(&self, b: &SqlBuilder) -> Option<FirstPage> {
        let limit = self.query.limit?;
        let page = limit.offset.checked_add(limit.limit?)?;
        if self.default_order != "r0.id"
            || self.query.filter.is_some_and(|f| !f.order.is_empty())
            || page > INDEXED_AT_MOST as u64
        {
            return None;
        }
        let rows = self.listed_tally_rows(&b.params).ok()?;
        Some(FirstPage {
            rows,
            tickets: page as usize,
        })
    }

    /// The statements, with conditions through lists as `IN` (`in_many`) or `EXISTS`,
    /// and for a limited page the order forced to a sort (`force_sort`) or left to the
    /// planner.
    fn plan(
        &self,
        b: &mut SqlBuilder,
        in_many: bool,
        force_sort: bool,
    ) -> std::result::Result<Plan, QueryError> {
        let (conn, target, from, default_order) =
            (self.conn, self.target, self.from, self.default_order);
        let limit = self.from_the_end.or(self.query.limit).unwrap_or_default();
        let mut where_pred = Pred::Sql(format!("({})", self.on));
        if let Some(ids) = &b.tally_tickets {
            where_pred = where_pred.and(SqlBuilder::among("r0", ids.clone()));
        }
        let mut order = Vec::new();
        if let Some(filter) = self.query.filter {
            b.viewer = filter.viewer;
            let p = b
                .filter(conn, target, "r0", &filter.conditions, in_many)
                .map_err(QueryError::Filter)?;
            where_pred = where_pred.and(p);
            for o in &filter.order {
                if let Some(expr) = b.order_expr(conn, target, "r0", &o.path, o.descending, 0) {
                    let direction = if o.descending { "DESC" } else { "ASC" };
                    order.push(format!("{expr} {direction}"));
                }
            }
        }
        order.extend(default_order.split(", ").map(str::to_string));
        if self.from_the_end.is_some() {
            for term in &mut order {
                *term = reversed(term);
            }
        }
        if force_sort {
            // `+term` is no column: no index delivers the order, so all matches are found
            // by the best index for the conditions, then sorted.
            for term in &mut order {
                *term = format!("+{term}");
            }
        }
        let where_sql = where_pred.sql();
        let order_sql = order.join(", ");
        let rows = super::columns::row_select(conn, super::table(target)?, "r0.")?;
        // A capped relation (the last five) keeps the first `cap` of the filtered rows in
        // its own order; the caller's order and limit apply to those.
        let (page, count) = match self.cap {
            Some(cap) => {
                let capped = format!(
                    "SELECT {rows} FROM {from} WHERE {where_sql} ORDER BY {default_order} LIMIT {cap}"
                );
                (
                    format!("SELECT * FROM ({capped}) AS r0 ORDER BY {order_sql}"),
                    format!("SELECT count(*) FROM ({capped})"),
                )
            }
            None => (
                format!("SELECT {rows} FROM {from} WHERE {where_sql} ORDER BY {order_sql}"),
                if from == "SoftLayer_Ticket r0" && reads_only_tally_columns(&where_sql) {
                    format!(
                        "SELECT coalesce(sum(r0.n), 0) FROM derived_ticket_tally r0 WHERE {where_sql}"
                    )
                } else {
                    format!("SELECT count(*) FROM {from} WHERE {where_sql}")
                },
            ),
        };
        // The offset is bound, not written: written, every page a client asked for was a
        // statement of its own, and each reader connection kept up to 256 of them (45 MB
        // of a server's memory after a soak of paged reads). The limit stays written:
        // SQLite plans for a constant limit (its row estimate), and clients ask few.
        let offset = b.bind(Value::Int(limit.offset.min(i64::MAX as u64) as i64));
        let window = format!(
            "LIMIT {} OFFSET {offset}",
            limit
                .limit
                .map(|l| l.min(i64::MAX as u64) as i64)
                .unwrap_or(-1),
        );
        // A deep short page's skipped rows are sorted or walked as ids and order keys
        // only, and the page's own rows read after: SQLite's sort holds every column it
        // returns, so `SELECT r0.*` sorted whole rows (title order at offset 500,000 of
        // a million tickets: past the 10 s SQL budget; 0.7 s as ids). Not a long page:
        // its own rows would then be sorted again, where an index's order streams them.
        let short = limit.limit.is_some_and(|l| l <= SHORT_PAGE);
        let page = if short && limit.offset >= DEEP_OFFSET && self.is_ticket_table() {
            format!(
                "SELECT {rows} FROM {from} WHERE r0.id IN \
                 (SELECT r0.id FROM {from} WHERE {where_sql} ORDER BY {order_sql} {window}) \
                 ORDER BY {order_sql}"
            )
        } else {
            format!("{page} {window}")
        };
        Ok(Plan {
            page,
            count,
            params: std::mem::take(&mut b.params),
        })
    }

    /// The plans `(in_many, force_sort)` each from the builder's starting state.
    fn plans(
        &self,
        b: &mut SqlBuilder,
        ways: &[(bool, bool)],
    ) -> std::result::Result<Vec<Plan>, QueryError> {
        let start = (b.params.clone(), b.aliases);
        let mut out = Vec::with_capacity(ways.len());
        for (in_many, force_sort) in ways {
            b.params = start.0.clone();
            b.aliases = start.1;
            out.push(self.plan(b, *in_many, *force_sort)?);
        }
        b.params = start.0;
        b.aliases = start.1;
        Ok(out)
    }

    /// Whether the list is of the ticket table's own rows, each once, by its id (no
    /// relation's join, no cap).
    fn is_ticket_table(&self) -> bool {
        self.target == "SoftLayer_Ticket"
            && self.from == "SoftLayer_Ticket r0"
            && self.cap.is_none()
    }

    /// A deep page of a long list, read from the list's other end when that is nearer:
    /// the order turned around, the offset counted from the end, the rows reversed after.
    /// Both ways skip `offset` rows in order (an index's walk, or a sort that keeps every
    /// row up to the page): title order at offset 999,975 of a million tickets sorted
    /// them all (9 s), read from the end it keeps 25 (0.7 s). Asked only for a page at
    /// least [`DEEP_OFFSET`] deep; `None` when the list is read as asked: a page nearer
    /// the start, or an order whose reverse is not exactly the list backwards (its last
    /// term must be the rows' unique id). `total` is the list's length, counted in the
    /// call's snapshot, as the page is read.
    fn window_from_the_end(&self, total: u64) -> Option<ResultLimit> {
        let asked = self.query.limit?;
        let end = asked.offset.saturating_add(asked.limit?).min(total);
        let from_end = total.checked_sub(end)?;
        // The tally's total may be newer than the call's snapshot (`tally_search`).
        let reversible = self.is_ticket_table()
            && self.tallied.is_none()
            && self.default_order.rsplit(", ").next() == Some("r0.id");
        (reversible && from_end < asked.offset && end > asked.offset).then(|| ResultLimit {
            offset: from_end,
            limit: Some(end - asked.offset),
        })
    }

    /// The total from the text tally's answer ([`tally`]): the matching tickets per
    /// `derived_ticket_tally` row, summed over the rows the list's own condition holds
    /// for, so SQLite tests no ticket. `None` without an answer.
    fn tallied_total(&self, plan: &Plan) -> std::result::Result<Option<u64>, QueryError> {
        let Some(tallied) = &self.tallied else {
            return Ok(None);
        };
        if tallied.per_row.is_empty() {
            return Ok(Some(0));
        }
        // Summed here over the rows the list's own condition holds for: a statement
        // naming the tally's counts inline was parsed anew for every search (9% of the
        // time of `updates.entry *= The` at a million tickets).
        let rows = self.listed_tally_rows(&plan.params)?;
        Ok(Some(
            tallied
                .per_row
                .iter()
                .filter(|(row, _)| rows.contains(row))
                .map(|(_, n)| n)
                .sum(),
        ))
    }

    /// The `derived_ticket_tally` rows the list's own condition holds for (one per
    /// combination of the tally's columns: a few hundred), by a cached statement; the
    /// condition binds the parameters the builder started with.
    fn listed_tally_rows(&self, params: &[Value]) -> rusqlite::Result<HashSet<i64>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r0.rowid FROM derived_ticket_tally r0 WHERE ({})",
            self.on
        ))?;
        let params = used_params(&stmt, params);
        stmt.query_map(params, |r| r.get(0))?.collect()
    }

    fn count(&self, p: &Plan) -> std::result::Result<u64, QueryError> {
        let mut stmt = self.conn.prepare_cached(&p.count)?;
        let params = used_params(&stmt, &p.params);
        let n: i64 = stmt.query_row(params, |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The total, from the text tally when it can tell, else from the first plan within
    /// the budget, else from the second.
    fn total(&self, first: &Plan, second: &Plan) -> std::result::Result<u64, QueryError> {
        if let Some(n) = self.tallied_total(first)? {
            return Ok(n);
        }
        let differs = first.count != second.count;
        match within(self.conn, differs.then(plan_budget), || self.count(first))? {
            Some(n) => Ok(n),
            None => self.count(second),
        }
    }
}

/// Lists `target` rows of `from` matching `on` and the query's filter, in the filter's
/// order then `default_order`, limited as asked, with the total before the limit.
///
/// SQLite's planner assumes a filter's matches are spread evenly over any order, so for
/// a page it may walk an index in the requested order and stop after the limit, which is
/// slow when the matches are all at the far end (`createDate > sysdate - 7` in id order).
/// And for conditions through lists (`updates.entry`) an `EXISTS` per row is best when
/// few rows are tested and an uncorrelated `IN` when most are. So each statement is
/// written two ways: the planner's free choice with `EXISTS` first, within
/// [`plan_budget`]; if that runs out, the other (`IN`, and for a page a sort of all
/// matches, so that the most selective index finds them). Long pages are one statement.
/// Rows estimated at more than `allowance` bytes are not read on.
#[allow(clippy::too_many_arguments)]
pub(super) fn list(
    conn: &Connection,
    b: &mut SqlBuilder,
    (target, cap): (&str, Option<u64>),
    from: &str,
    on: &str,
    default_order: &str,
    query: &ListQuery,
    allowance: u64,
) -> std::result::Result<Page, QueryError> {
    let ask = |b: &mut SqlBuilder, tally: bool| {
        list_asking(
            conn,
            b,
            (target, cap),
            from,
            on,
            default_order,
            query,
            allowance,
            tally,
        )
    };
    let text_index = b.text_index;
    let page = ask(b, true)?;
    // The text tally follows every commit, so it may be newer than this reader's snapshot:
    // a ticket reopened since is in the tally's open tickets and not in the snapshot's,
    // and a page of the tickets it named came back short, empty even, beside a total of
    // hundreds (a support desk closing and reopening while a client paged); one that left
    // since made a page longer than its total allows (SOAP declared 1 item and sent 2). A
    // page of other than what its total promises is read again without the tally, all in
    // the snapshot. (The tally answered when it turned the trigram index off.)
    let tallied = text_index && !b.text_index;
    let promised = query.limit.unwrap_or_default().page_len(page.total);
    if !tallied || page.rows.len() as u64 == promised {
        return Ok(page);
    }
    b.text_index = text_index;
    b.tally_tickets = None;
    ask(b, false)
}

/// [`list`], asking the text tally or not.
#[allow(clippy::too_many_arguments)]
fn list_asking(
    conn: &Connection,
    b: &mut SqlBuilder,
    (target, cap): (&str, Option<u64>),
    from: &str,
    on: &str,
    default_order: &str,
    query: &ListQuery,
    allowance: u64,
    tally: bool,
) -> std::result::Result<Page, QueryError> {
    let mut l = Listing {
        conn,
        target,
        cap,
        from,
        on,
        default_order,
        query,
        tallied: None,
        from_the_end: None,
    };
    if tally {
        l.ask_tally(b);
    }
    let ways = [(false, false), (true, true), (true, false)];
    let mut plans = l.plans(b, &ways)?;
    let short = query
        .limit
        .and_then(|l| l.limit)
        .is_some_and(|l| l <= SHORT_PAGE);
    let mut counted = None;
    if short && query.limit.is_some_and(|l| l.offset >= DEEP_OFFSET) {
        let n = l.total(&plans[0], &plans[1])?;
        // Past the end: nothing to skip to.
        if query.limit.is_some_and(|l| l.offset >= n) {
            return Ok(Page {
                rows: Vec::new(),
                total: n,
            });
        }
        counted = Some(n);
        l.from_the_end = l.window_from_the_end(n);
        if l.from_the_end.is_some() {
            plans = l.plans(b, &ways)?;
        }
    }
    let limit = l.from_the_end.or(query.limit).unwrap_or_default();
    let (first, second) = (&plans[0], &plans[1]);
    let run_page = |p: &Plan| {
        query_rows_within(conn, target, &p.page, &p.params, allowance)?
            .ok_or(QueryError::OverAllowance)
    };
    // A long page takes its time producing rows, and every row is needed: no second
    // guess there; conditions through lists as `IN`, as a whole listing tests every
    // row. The total comes first: when the matches are few, they are found by the most
    // selective index and sorted, rather than looked for along the order.
    let mut rows = if short {
        let differs = first.page != second.page;
        // Rows skipped for the offset are work any plan does: they extend the budget, by
        // 3 µs a row. At 1 µs the index's walk to offset 999,975 of a million tickets
        // (1.3 s) ran out and was thrown away for the other plan, a sort of every match
        // (4-6 s).
        let budget =
            plan_budget().saturating_add(Duration::from_micros(limit.offset.min(10_000_000) * 3));
        match within(conn, differs.then_some(budget), || run_page(first))? {
            Some(rows) => rows,
            None => run_page(second)?,
        }
    } else if query.filter.is_some_and(|f| !f.conditions.is_empty()) {
        let n = l.total(first, second)?;
        counted = Some(n);
        run_page(if n <= FEW { second } else { &plans[2] })?
    } else {
        // Nothing narrows the rows down (a mask's nested list, a whole collection).
        run_page(&plans[2])?
    };
    if l.from_the_end.is_some() {
        rows.reverse();
    }
    // The total is the page itself when the page is not cut short by the limit.
    let cut = limit.limit.is_some_and(|l| rows.len() as u64 >= l);
    let total = if let Some(n) = counted {
        n
    } else if !cut && (!rows.is_empty() || limit.offset == 0) {
        limit.offset + rows.len() as u64
    } else {
        l.total(first, second)?
    };
    Ok(Page { rows, total })
}

/// [`list`] for a reply that is streamed rather than built whole: `total` gets the total
/// (before the limit) first, then `each` gets the page's rows one at a time, in order,
/// as SQLite produces them; nothing else holds them. The page is one statement, without
/// a time budget (rows handed out cannot be taken back): conditions through lists as
/// `IN` (a whole listing tests every row) and the order left to the planner. Nothing may
/// interrupt the connection while `each` runs; `each` may run other queries on it
/// (nested relations of a mask).
#[allow(clippy::too_many_arguments)]
pub(super) fn list_each(
    conn: &Connection,
    b: &mut SqlBuilder,
    (target, cap): (&str, Option<u64>),
    from: &str,
    on: &str,
    default_order: &str,
    query: &ListQuery,
    total: &mut dyn FnMut(u64, u64) -> std::result::Result<(), QueryError>,
    each: &mut dyn FnMut(super::Row) -> std::result::Result<(), QueryError>,
) -> std::result::Result<(), QueryError> {
    let mut l = Listing {
        conn,
        target,
        cap,
        from,
        on,
        default_order,
        query,
        tallied: None,
        from_the_end: None,
    };
    // Short pages are better found as `list` finds them, and are small to hold.
    if query
        .limit
        .unwrap_or_default()
        .limit
        .is_some_and(|l| l <= SHORT_PAGE)
    {
        let page = list(
            conn,
            b,
            (target, cap),
            from,
            on,
            default_order,
            query,
            u64::MAX,
        )?;
        total(page.total, page.rows.len() as u64)?;
        for row in page.rows {
            each(row)?;
        }
        return Ok(());
    }
    let text_index = b.text_index;
    l.ask_tally(b);
    // The tally may be newer than this snapshot ([`list`]), and streamed rows cannot be
    // taken back: when it named tickets (the few holding the text, or a first page's),
    // the trigram index finds them in the snapshot the rows stream from, and SQLite
    // counts them there, so the total is the stream's own.
    if b.tally_tickets.is_some() {
        b.text_index = text_index;
        b.tally_tickets = None;
        l.tallied = None;
    }
    let plans = l.plans(b, &[(false, false), (true, true), (true, false)])?;
    let mut n = l.total(&plans[0], &plans[1])?;
    // A total from the tally stands only when the snapshot holds the page it promises:
    // the rows are counted there first (the page's walk, not the whole list's count).
    let page_len = |n| query.limit.unwrap_or_default().page_len(n);
    if l.tallied.is_some() {
        let stream = if n <= FEW { &plans[1] } else { &plans[2] };
        let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM ({})", stream.page))?;
        let params = used_params(&stmt, &stream.params);
        let rows: i64 = stmt.query_row(params, |r| r.get(0))?;
        if rows as u64 != page_len(n) {
            l.tallied = None;
            n = l.total(&plans[0], &plans[1])?;
        }
    }
    total(n, page_len(n))?;
    let stream = if n <= FEW { &plans[1] } else { &plans[2] };
    let mut stmt = conn.prepare_cached(&stream.page)?;
    let typed = super::column_kinds(target, &stream.page, &stmt);
    let params = used_params(&stmt, &stream.params);
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        each(super::read_row(target, &typed, r)?)?;
    }
    Ok(())
}

/// The SQL `WHERE` predicate and `ORDER BY` terms a filter gives for rows of `type_name`
/// named `r0`, with its parameters (for tests and benchmarks).
#[cfg(test)]
fn explain(
    conn: &Connection,
    type_name: &str,
    filter: &crate::schema::filter::ObjectFilter,
) -> (String, Vec<Value>) {
    let mut b = SqlBuilder::new(vec![]);
    let p = b
        .filter(conn, type_name, "r0", &filter.conditions, false)
        .unwrap();
    (p.sql(), b.params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::filter::ObjectFilter;
    use crate::store::ticket_status::CLOSED;

    fn with_conn(f: impl FnOnce(&Connection)) {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), super::super::StoreError> {
                f(conn);
                Ok(())
            })
            .unwrap();
    }

    /// An open ticket of account 1001 with `id` and `title`, to insert in a test.
    fn ticket_row(id: i64, title: &str) -> crate::value::Struct {
        let mut row = crate::value::Struct::new();
        row.insert("id".into(), Value::Int(id));
        row.insert("accountId".into(), Value::Int(1001));
        row.insert("statusId".into(), Value::Int(1001));
        row.insert(
            "createDate".into(),
            Value::from("2026-01-01T00:00:00-06:00"),
        );
        row.insert("title".into(), Value::from(title));
        row
    }

    fn ids(conn: &Connection, filter: &str) -> Vec<i64> {
        let filter: serde_json::Value = serde_json::from_str(filter).unwrap();
        listed_ids(conn, &filter, text_index_enabled())
    }

    /// The ids of account 1001's tickets that `filter` selects, in id order, through the
    /// trigram indexes or (`text_index` false) the plain scan.
    fn listed_ids(conn: &Connection, filter: &serde_json::Value, text_index: bool) -> Vec<i64> {
        listed(conn, filter, text_index).0
    }

    /// [`listed_ids`], and the builder that listed them (what it asked the indexes).
    fn listed(
        conn: &Connection,
        filter: &serde_json::Value,
        text_index: bool,
    ) -> (Vec<i64>, SqlBuilder) {
        let f = ObjectFilter::parse("SoftLayer_Ticket", &filter.into()).unwrap();
        let mut b = SqlBuilder::new(vec![]);
        b.text_index = text_index;
        let q = ListQuery {
            filter: Some(&f),
            limit: None,
        };
        let ids = list(
            conn,
            &mut b,
            ("SoftLayer_Ticket", None),
            "SoftLayer_Ticket r0",
            "r0.accountId = 1001",
            "r0.id",
            &q,
            u64::MAX,
        )
        .unwrap()
        .rows
        .iter()
        .map(|r| r.id().unwrap())
        .collect();
        (ids, b)
    }

    #[test]
    fn streaming_gives_the_same_page_and_total() {
        with_conn(|conn| {
            for (filter, limit) in [
                ("{}", None),
                (
                    r#"{"updates": {"entry": {"operation": "*= e"}}}"#,
                    Some((1, 1)),
                ),
                (
                    r#"{"createDate": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]},
                        "status": {"name": {"operation": "!= Closed"}}}"#,
                    Some((5, 0)),
                ),
            ] {
                let f = ObjectFilter::parse(
                    "SoftLayer_Ticket",
                    &(&serde_json::from_str::<serde_json::Value>(filter).unwrap()).into(),
                )
                .unwrap();
                let q = ListQuery {
                    filter: Some(&f),
                    limit: limit.map(|(limit, offset)| crate::call::ResultLimit {
                        offset,
                        limit: Some(limit),
                    }),
                };
                let args = (
                    ("SoftLayer_Ticket", None),
                    "SoftLayer_Ticket r0",
                    "r0.accountId = 1001",
                    "r0.id",
                );
                let new = || SqlBuilder::new(vec![]);
                let page = list(
                    conn,
                    &mut new(),
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    &q,
                    u64::MAX,
                )
                .unwrap();
                let mut total = None;
                let mut rows = Vec::new();
                list_each(
                    conn,
                    &mut new(),
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    &q,
                    &mut |n, _| {
                        total = Some(n);
                        Ok(())
                    },
                    &mut |r| {
                        rows.push(r);
                        Ok(())
                    },
                )
                .unwrap();
                assert_eq!(total, Some(page.total), "{filter}");
                assert_eq!(rows, page.rows, "{filter}");
            }
        });
    }

    /// The lazy DFA walked under the budget answers what the regex library answers, on
    /// texts with newlines, non-ASCII letters and word boundaries.
    #[test]
    fn the_walked_lazy_dfa_matches_as_the_library_does() {
        let patterns = [
            "a{10}b",
            "(foo|bar)+baz",
            "^x",
            "x$",
            "^é",
            r"\bword\b",
            r"\Bor",
            "[0-9]{3}-[0-9]{4}",
            "(?i)HELLO",
            "é+ü",
            "^$",
            "(?m)^line$",
            "a.c",
            "[^a-z]{5}",
            r"\d+\s\w+",
            "",
        ];
        let alphabet: Vec<char> = "abcxo fhelwrdHEL0123456789-é\nüÉ".chars().collect();
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut checked = 0;
        for round in 0..120 {
            let len = [0, 1, 5, 300, 5000][round % 5];
            let mut text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            if round % 3 == 0 {
                text.push_str(["word", "foobarbaz", "123-4567", "hello", "line"][next(5)]);
            }
            for pattern in patterns {
                let re = FilterRegex::new(pattern).unwrap();
                let want = re.regex.is_match(&text);
                let lazy = re.lazy().expect("every pattern here builds a lazy DFA");
                let mut cache = lazy.cache.lock().unwrap();
                match lazy.walk(&mut cache, text.as_bytes()) {
                    Walked::Matched(got) => {
                        assert_eq!(got, want, "{pattern:?} on {text:?}");
                        checked += 1;
                    }
                    // A Unicode word boundary beside a non-ASCII byte.
                    Walked::Unable => assert!(pattern.contains('\\')),
                    Walked::OverBudget => unreachable!("no budget outside a server"),
                }
            }
        }
        assert!(checked > 1500, "{checked}");
    }

    #[test]
    fn functions_work_in_sql() {
        with_conn(|conn| {
            let yes: bool = conn
                .query_row("SELECT 'Hello' REGEXP '^H.l+o$'", [], |r| r.get(0))
                .unwrap();
            assert!(yes);
            let folded: String = conn
                .query_row("SELECT sl_fold('ÉCOLE')", [], |r| r.get(0))
                .unwrap();
            assert_eq!(folded, "école");
            let folded: String = conn
                .query_row("SELECT sl_fold('ΟΔΟΣ ΟΔΟΣΑ οδος')", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(folded, "οδοσ οδοσα οδοσ");
        });
    }

    /// [`FOLDED_TO_ASCII`] names every character past ASCII whose fold holds ASCII.
    #[test]
    fn the_characters_folding_to_ascii_are_all_named() {
        let folding_to_ascii: Vec<char> = (0x80..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| fold_case(&c.to_string()).bytes().any(|b| b.is_ascii()))
            .collect();
        assert_eq!(folding_to_ascii, FOLDED_TO_ASCII);
    }

    /// The text searches answer as `LIKE` over the folds answers (`sl_fold(value) LIKE
    /// fold(pattern)`: what the text operations were before, `value LIKE pattern` for an
    /// ASCII needle, missed the Kelvin sign for `k`, and lowering alone missed a Σ ending
    /// the needle within a word) on random texts and needles (non-ASCII, case variants,
    /// context-dependent lowering, `LIKE`'s wildcards and escape), texts holding a NUL,
    /// numbers and NULL, negated too. Needles holding a NUL are left out: `LIKE` read its pattern only up
    /// to one (`*= ab\0cd` was `$= ab`); now such a needle finds nothing, as no value is
    /// read past a NUL.
    #[test]
    fn text_match_answers_as_like_did() {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, x)")
            .unwrap();
        let mut rng = Rng(0x5EED);
        let texts: Vec<String> = (0..300).map(|_| rng.text(12)).collect();
        let mut values: Vec<rusqlite::types::Value> = texts
            .iter()
            .map(|t| rusqlite::types::Value::Text(t.clone()))
            .collect();
        for (i, t) in texts.iter().take(20).enumerate() {
            values.push(rusqlite::types::Value::Text(format!(
                "{t}\0{}",
                texts[i + 1]
            )));
        }
        values.extend([
            rusqlite::types::Value::Null,
            rusqlite::types::Value::Integer(160000001),
            rusqlite::types::Value::Integer(-12),
            rusqlite::types::Value::Real(100.0),
            rusqlite::types::Value::Real(0.1),
            rusqlite::types::Value::Real(1e20),
        ]);
        for (id, v) in values.iter().enumerate() {
            conn.execute("INSERT INTO t (id, x) VALUES (?1, ?2)", (id as i64, v))
                .unwrap();
        }
        let mut digits = vec!["160".to_string(), "0.1".into(), ".0".into(), "e+20".into()];
        digits.extend(["-1".into(), "00001".into(), "E+".into()]);
        let ids = |sql: &str, params: &[Value]| -> Vec<i64> {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let params = used_params(&stmt, params);
            stmt.query_map(params, |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let like_escape = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        };
        let mut compared = 0;
        for round in 0..2000 {
            let how = rng.below(3);
            let needle = if round < digits.len() * 3 {
                digits[round / 3].clone()
            } else {
                rng.needle(how, &texts)
            };
            let escaped = like_escape(&needle);
            let (how, pattern) = match how {
                0 => (TextMatch::Contains, format!("%{escaped}%")),
                1 => (TextMatch::StartsWith, format!("{escaped}%")),
                _ => (TextMatch::EndsWith, format!("%{escaped}")),
            };
            let (before, pattern) = (
                "sl_fold(CAST(t.x AS TEXT)) LIKE ?1 ESCAPE '\\'",
                fold_case(&pattern),
            );
            let pattern = [Value::String(pattern)];
            for matches in [true, false] {
                let mut b = SqlBuilder::new(Vec::new());
                let op = Operation::Text {
                    how,
                    text: needle.clone(),
                    matches,
                };
                let now = b.operation("t.x", false, &op).sql();
                let before = if matches {
                    before.to_string()
                } else {
                    format!("(t.x IS NULL OR NOT ({before}))")
                };
                assert_eq!(
                    ids(
                        &format!("SELECT id FROM t WHERE {now} ORDER BY id"),
                        &b.params
                    ),
                    ids(
                        &format!("SELECT id FROM t WHERE {before} ORDER BY id"),
                        &pattern
                    ),
                    "{how:?} {needle:?} matches {matches}: {now}"
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 4000);
    }

    /// A text search takes time linear in the value, where `LIKE` took the value's length
    /// times the needle's: `%aaa…ab%` against a million `a`s took 20 s at 4,096
    /// characters, in one step the SQL time budget cannot interrupt.
    #[test]
    fn text_match_is_linear_in_the_value() {
        let conn = Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        let value = "a".repeat(1_000_000);
        let needle = format!(
            "{}b",
            "a".repeat(crate::schema::filter::MAX_TEXT_VALUE_CHARS - 1)
        );
        for function in [
            "sl_text_contains_ascii",
            "sl_text_ends_ascii",
            "sl_text_contains_unicode",
            "sl_text_ends_unicode",
        ] {
            let started = std::time::Instant::now();
            let found: bool = conn
                .query_row(
                    &format!("SELECT {function}(?1, ?2)"),
                    [&value, &needle],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(!found);
            let took = started.elapsed();
            assert!(took < Duration::from_millis(500), "{function}: {took:?}");
        }
    }

    #[test]
    fn filters_run_in_sql() {
        with_conn(|conn| {
            let all = ids(conn, "{}");
            assert_eq!(all.len(), 3);
            assert_eq!(
                ids(conn, r#"{"title": {"operation": "Hardware Issue"}}"#),
                vec![160000001]
            );
            assert_eq!(
                ids(conn, r#"{"status": {"name": {"operation": "Open"}}}"#).len(),
                ids(conn, r#"{"statusId": {"operation": 1001}}"#).len()
            );
            assert_eq!(
                ids(
                    conn,
                    r#"{"attachedHardware": {"hostname": {"operation": "web01"}}}"#
                ),
                vec![160000001]
            );
            assert_eq!(
                ids(
                    conn,
                    r#"{"updates": {"entry": {"operation": "*= SMARTCTL"}}}"#
                ),
                vec![160000001]
            );
            assert!(
                ids(
                    conn,
                    r#"{"updates": {"editor": {"username": {"operation": "demo"}}}}"#
                )
                .contains(&160000001)
            );
            // A polymorphic relation whose join is a subquery (the last editor).
            assert_eq!(
                ids(
                    conn,
                    r#"{"lastEditor": {"username": {"operation": "demo"}}, "id": {"operation": 160000001}}"#
                ),
                vec![160000001]
            );
            let created = ids(
                conn,
                r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}"#,
            );
            let mut sorted = all.clone();
            sorted.reverse();
            assert_eq!(created, sorted);
        });
    }

    #[test]
    fn to_one_conditions_use_uncorrelated_subqueries() {
        with_conn(|conn| {
            let f = ObjectFilter::parse(
                "SoftLayer_Ticket",
                &(&serde_json::json!({"status": {"name": {"operation": "Open"}}})).into(),
            )
            .unwrap();
            let (sql, params) = explain(conn, "SoftLayer_Ticket", &f);
            assert_eq!(
                sql,
                "r0.\"statusId\" IN (SELECT r1.id FROM SoftLayer_Ticket_Status r1 WHERE (1) AND r1.\"name\" = ?1)"
            );
            assert_eq!(params, vec![Value::from("Open")]);
        });
    }

    /// Pieces random texts are made of: non-ASCII, case variants, `LIKE` wildcards,
    /// context-dependent lowering (the final sigma, the dotted capital I).
    const PIECES: &[&str] = &[
        "a",
        "B",
        "c",
        "D",
        "e",
        "é",
        "É",
        "ß",
        "ẞ",
        "İ",
        "ı",
        "i",
        "I",
        "Σ",
        "σ",
        "ς",
        "K",
        "\u{212A}",
        "ǅ",
        "ﬀ",
        "%",
        "_",
        "\\",
        " ",
        "x",
        "Y",
        "ö",
        "Ö",
        "日",
        "本",
        "\"",
        "'",
        "disk",
        "DISK",
        "Ünïcode",
    ];

    /// A small deterministic random source (splitmix64) for the text search tests.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }

        fn text(&mut self, max: usize) -> String {
            (0..self.below(max))
                .map(|_| PIECES[self.below(PIECES.len())])
                .collect()
        }

        /// A needle for `how` (0 `*=`, 1 `^=`, 2 `$=`): mostly a piece of one of `texts`
        /// in another case, sometimes random text.
        fn needle(&mut self, how: usize, texts: &[String]) -> String {
            if self.below(5) == 0 || texts.is_empty() {
                return self.text(6);
            }
            self.piece_of(how, texts)
        }

        /// A piece of one of `texts` as `how` finds it (its start for `^=`, its end for
        /// `$=`), each character in a random case.
        fn piece_of(&mut self, how: usize, texts: &[String]) -> String {
            let chars: Vec<char> = texts[self.below(texts.len())].chars().collect();
            let start = if how == 1 {
                0
            } else {
                self.below(chars.len() + 1)
            };
            let end = if how == 2 {
                chars.len()
            } else {
                start + self.below(chars.len() - start + 1)
            };
            chars[start..end]
                .iter()
                .map(|c| match self.below(3) {
                    0 => c.to_uppercase().collect::<String>(),
                    1 => c.to_lowercase().collect(),
                    _ => c.to_string(),
                })
                .collect()
        }
    }

    /// Account 1001's tickets under `on` filtered by `filter`, limited to `limit` from the
    /// start: the total and the page's ids, through the trigram indexes and the text tally
    /// or (`text_index` false) the plain scan.
    fn account_page(
        conn: &Connection,
        filter: &serde_json::Value,
        on: &str,
        limit: u64,
        text_index: bool,
    ) -> (u64, Vec<i64>) {
        let f = ObjectFilter::parse("SoftLayer_Ticket", &filter.into()).unwrap();
        let q = ListQuery {
            filter: Some(&f),
            limit: Some(crate::call::ResultLimit {
                offset: 0,
                limit: Some(limit),
            }),
        };
        let mut b = SqlBuilder::new(vec![Value::Int(1001)]);
        b.text_index = text_index;
        let page = list(
            conn,
            &mut b,
            ("SoftLayer_Ticket", None),
            "SoftLayer_Ticket r0",
            on,
            "r0.id",
            &q,
            u64::MAX,
        )
        .unwrap();
        (
            page.total,
            page.rows.iter().map(|r| r.id().unwrap()).collect(),
        )
    }

    /// Issue 14: totals and pages with the text tally (text_tally.rs) equal the plain
    /// scan's, on random texts, as first built and after the writes it must follow:
    /// titles edited, updates added, tickets closed and created (seen through the
    /// writer's update hook), a write by another connection (seen through the writer's
    /// `data_version`), and a restore.
    #[test]
    fn text_tally_totals_equal_the_plain_scan() {
        let dir = super::super::ScratchDir::new("text-tally");
        let path = dir.join("tally.sqlite3");
        let path = path.to_str().unwrap();
        let store = super::super::Store::open(path).unwrap();
        let mut rng = Rng(0x7A11);
        let mut titles = Vec::new();
        let mut entries = Vec::new();
        let mut next_update = 1_900_000_000i64;
        let mut add_update =
            |conn: &Connection, ticket: i64, entry: &str| -> Result<(), StoreError> {
                next_update += 1;
                let mut update = crate::value::Struct::new();
                update.insert("id".into(), Value::Int(next_update));
                update.insert("ticketId".into(), Value::Int(ticket));
                update.insert("entry".into(), Value::from(entry));
                update.insert(
                    "createDate".into(),
                    Value::from("2026-01-01T00:00:00-06:00"),
                );
                update.insert("editorType".into(), Value::from("USER"));
                super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
                Ok(())
            };
        store
            .write(|conn| -> Result<(), StoreError> {
                for i in 0..300i64 {
                    let title = rng.text(14);
                    let mut row = ticket_row(180_000_000 + i, &title);
                    if i % 4 == 0 {
                        row.insert("statusId".into(), Value::Int(CLOSED));
                    }
                    super::super::insert(conn, "SoftLayer_Ticket", &row)?;
                    titles.push(title);
                    for _ in 0..rng.below(4) {
                        let entry = rng.text(20);
                        add_update(conn, 180_000_000 + i, &entry)?;
                        entries.push(entry);
                    }
                }
                Ok(())
            })
            .unwrap();
        let ready = |store: &super::super::Store| {
            store.prepare_text_tally();
            for _ in 0..500 {
                if store.text_tally().0 {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!("the text tally was not built");
        };
        // Each way of listing an account's tickets the tally serves: all, open, closed.
        let on = [
            "r0.accountId = ?1 AND 1 = 1",
            "r0.accountId = ?1 AND r0.statusId <> 1002",
            "r0.accountId = ?1 AND r0.statusId = 1002",
        ];
        let compare = |rng: &mut Rng, titles: &[String], entries: &[String], rounds: usize| {
            let answered_before = store.text_tally().1;
            let mut with_matches = 0;
            store
                .read(|conn| -> Result<(), StoreError> {
                    for round in 0..rounds {
                        let how = rng.below(3);
                        let on_title = round % 2 == 0;
                        let needle = rng.needle(how, if on_title { titles } else { entries });
                        let op = ["*=", "^=", "$="][how];
                        let leaf = serde_json::json!({"operation": format!("{op} {needle}")});
                        let mut filter = if on_title {
                            serde_json::json!({"title": leaf})
                        } else {
                            serde_json::json!({"updates": {"entry": leaf}})
                        };
                        // One in three beside another condition: the tally names the
                        // tickets holding the text, and SQLite counts.
                        if rng.below(3) == 0 {
                            let from = 180_000_000 + rng.below(300);
                            filter["id"] = serde_json::json!({"operation": format!("> {from}")});
                        }
                        if ObjectFilter::parse("SoftLayer_Ticket", &(&filter).into()).is_err() {
                            continue;
                        }
                        let on = on[rng.below(on.len())];
                        let scan = account_page(conn, &filter, on, 2, false);
                        assert_eq!(
                            account_page(conn, &filter, on, 2, true),
                            scan,
                            "{filter} {on}"
                        );
                        with_matches += usize::from(scan.0 > 2);
                    }
                    Ok(())
                })
                .unwrap();
            // The tally answered (rather than leaving every count to SQLite), and the
            // needles found enough to count past a page.
            let answered = store.text_tally().1 - answered_before;
            assert!(answered as usize > rounds / 2, "{answered} of {rounds}");
            assert!(with_matches > rounds / 10, "{with_matches} of {rounds}");
        };
        ready(&store);
        compare(&mut rng, &titles, &entries, 300);
        // Writes through the writer: titles edited, updates added, tickets closed,
        // reopened and created. The tally reads the rows they touched again.
        store
            .write(|conn| -> Result<(), StoreError> {
                for i in (0..300i64).step_by(7) {
                    let title = rng.text(14);
                    let mut set = crate::value::Struct::new();
                    set.insert("title".into(), Value::String(title.clone()));
                    let status = if i % 2 == 0 { CLOSED } else { 1001 };
                    set.insert("statusId".into(), Value::Int(status));
                    super::super::update(conn, "SoftLayer_Ticket", 180_000_000 + i, &set)?;
                    titles[i as usize] = title;
                    let entry = rng.text(20);
                    add_update(conn, 180_000_000 + i, &entry)?;
                    entries.push(entry);
                }
                for i in 300..340i64 {
                    let title = rng.text(14);
                    super::super::insert(
                        conn,
                        "SoftLayer_Ticket",
                        &ticket_row(180_000_000 + i, &title),
                    )?;
                    titles.push(title);
                    let entry = rng.text(20);
                    add_update(conn, 180_000_000 + i, &entry)?;
                    entries.push(entry);
                }
                Ok(())
            })
            .unwrap();
        assert!(store.text_tally().0, "followed without building again");
        compare(&mut rng, &titles, &entries, 300);
        // Another connection (another process, say) writes: the writer's data_version
        // moves, and the tally is built again before it answers.
        {
            let other = Connection::open(path).unwrap();
            register_functions(&other).unwrap();
            other.busy_timeout(Duration::from_secs(5)).unwrap();
            let title = "Written by another writer".to_string();
            other
                .execute(
                    "UPDATE SoftLayer_Ticket SET title = ?1 WHERE id = 180000003",
                    [&title],
                )
                .unwrap();
            titles[3] = title;
            other
                .execute(
                    "INSERT INTO SoftLayer_Ticket_Update (id, ticketId, entry, createDate, editorType) \
                     VALUES (1999999999, 180000005, 'Also by another writer', '2026-01-01T00:00:00-06:00', 'USER')",
                    [],
                )
                .unwrap();
            entries.push("Also by another writer".to_string());
        }
        // Asked before any write of this process: the writer looks when idle.
        let total_of = |filter: serde_json::Value| {
            store
                .read(|conn| -> Result<u64, StoreError> {
                    Ok(account_page(conn, &filter, "r0.accountId = ?1 AND 1 = 1", 1, true).0)
                })
                .unwrap()
        };
        for _ in 0..2 {
            assert_eq!(
                total_of(serde_json::json!({"title": {"operation": "*= by another writer"}})),
                1
            );
            assert_eq!(
                total_of(
                    serde_json::json!({"updates": {"entry": {"operation": "$= by another writer"}}})
                ),
                1
            );
            ready(&store);
        }
        compare(&mut rng, &titles, &entries, 200);
        // A restore replaces every page: built again.
        let snapshot = dir.join("snapshot.sqlite3");
        let mut copy = Connection::open(&snapshot).unwrap();
        store.backup_into(&mut copy).unwrap();
        store
            .write(|conn| -> Result<(), StoreError> {
                let mut set = crate::value::Struct::new();
                set.insert("title".into(), Value::from("gone after the restore"));
                super::super::update(conn, "SoftLayer_Ticket", 180_000_001, &set)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(
            total_of(serde_json::json!({"title": {"operation": "*= after the restore"}})),
            1
        );
        store.restore_from(&copy).unwrap();
        ready(&store);
        assert_eq!(
            total_of(serde_json::json!({"title": {"operation": "*= after the restore"}})),
            0
        );
        compare(&mut rng, &titles, &entries, 200);
    }

    /// The text tally under writes and searches at once: whatever it answered while the
    /// writes went on, once they are over its totals are the plain scan's again (no row
    /// a write touched is left unread, whichever snapshot a catch-up saw).
    #[test]
    fn text_tally_follows_writes_made_while_it_counts() {
        let dir = super::super::ScratchDir::new("text-tally-race");
        let path = dir.join("tally.sqlite3");
        let store = Arc::new(super::super::Store::open(path.to_str().unwrap()).unwrap());
        store.prepare_text_tally();
        for _ in 0..500 {
            if store.text_tally().0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let words = ["alpha", "Beta", "gamma", "DELTA", "épsilon"];
        let writer = {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut rng = Rng(0xACE);
                for i in 0..3000i64 {
                    store
                        .write(|conn| -> Result<(), StoreError> {
                            let id = 190_000_000 + i;
                            let word = words[rng.below(words.len())];
                            super::super::insert(
                                conn,
                                "SoftLayer_Ticket",
                                &ticket_row(id, &format!("{word} {i}")),
                            )?;
                            let mut update = crate::value::Struct::new();
                            update.insert("id".into(), Value::Int(1_950_000_000 + i));
                            update.insert(
                                "ticketId".into(),
                                Value::Int(190_000_000 + rng.below(i as usize + 1) as i64),
                            );
                            update.insert(
                                "entry".into(),
                                Value::String(format!("{} note", words[rng.below(words.len())])),
                            );
                            update.insert(
                                "createDate".into(),
                                Value::from("2026-01-01T00:00:00-06:00"),
                            );
                            update.insert("editorType".into(), Value::from("USER"));
                            super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
                            if i % 3 == 0 {
                                let mut set = crate::value::Struct::new();
                                let word = words[rng.below(words.len())];
                                set.insert("title".into(), Value::String(format!("{word} again")));
                                set.insert("statusId".into(), Value::Int(CLOSED));
                                super::super::update(
                                    conn,
                                    "SoftLayer_Ticket",
                                    190_000_000 + i / 2,
                                    &set,
                                )?;
                            }
                            Ok(())
                        })
                        .unwrap();
                }
            })
        };
        let total = |filter: &serde_json::Value, text_index: bool| {
            store
                .read(|conn| -> Result<u64, StoreError> {
                    let on = "r0.accountId = ?1 AND r0.statusId <> 1002";
                    Ok(account_page(conn, filter, on, 1, text_index).0)
                })
                .unwrap()
        };
        let filters: Vec<serde_json::Value> = words
            .iter()
            .flat_map(|w| {
                [
                    serde_json::json!({"title": {"operation": format!("^= {w}")}}),
                    serde_json::json!({"updates": {"entry": {"operation": format!("*= {}", w.to_uppercase())}}}),
                ]
            })
            .collect();
        let mut during = 0;
        while !writer.is_finished() {
            for f in &filters {
                total(f, true);
                during += 1;
            }
        }
        writer.join().unwrap();
        let answered = store.text_tally().1;
        for f in &filters {
            assert_eq!(total(f, true), total(f, false), "{f}");
        }
        assert!(store.text_tally().1 >= answered + filters.len() as u64);
        assert!(during > 100, "{during}");
    }

    /// Issue 14: the trigram indexes answer text searches exactly as the plain scan does,
    /// on random titles and entries (non-ASCII, case variants, LIKE wildcards, context-
    /// dependent lowering such as the final sigma and the dotted capital I), after
    /// inserts, updates and deletes.
    #[test]
    fn trigram_search_answers_as_the_plain_scan() {
        let mut rng = Rng(0x5EED);
        let store = super::super::Store::open(":memory:").unwrap();
        let mut titles = Vec::new();
        let mut entries = Vec::new();
        store
            .write(|conn| -> Result<(), StoreError> {
                for i in 0..240i64 {
                    let id = 170_000_000 + i;
                    let title = rng.text(14);
                    super::super::insert(conn, "SoftLayer_Ticket", &ticket_row(id, &title))?;
                    titles.push(title);
                    for k in 0..2 {
                        let mut update = crate::value::Struct::new();
                        update.insert("id".into(), Value::Int(id * 10 + k));
                        update.insert("ticketId".into(), Value::Int(id));
                        let entry = rng.text(20);
                        entries.push(entry.clone());
                        update.insert("entry".into(), Value::String(entry));
                        update.insert(
                            "createDate".into(),
                            Value::from("2026-01-01T00:00:00-06:00"),
                        );
                        update.insert("editorType".into(), Value::from("USER"));
                        super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
                    }
                }
                // Writes after the fact: the triggers follow them.
                for i in (0..240i64).step_by(7) {
                    let title = rng.text(14);
                    let mut set = crate::value::Struct::new();
                    set.insert("title".into(), Value::String(title.clone()));
                    super::super::update(conn, "SoftLayer_Ticket", 170_000_000 + i, &set)?;
                    titles[i as usize] = title;
                    conn.execute(
                        "DELETE FROM SoftLayer_Ticket_Update WHERE id = ?1",
                        [(170_000_000 + i) * 10],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        let mut checked = 0;
        let mut indexed = 0;
        store
            .read(|conn| -> Result<(), StoreError> {
                for round in 0..600 {
                    let how = rng.below(3);
                    // A piece of a stored text in another case, or random text.
                    let needle: String = if round % 5 == 0 {
                        rng.text(6)
                    } else {
                        rng.piece_of(how, if round % 2 == 0 { &titles } else { &entries })
                    };
                    let op = ["*=", "^=", "$="][how];
                    let leaf = serde_json::json!({"operation": format!("{op} {needle}")});
                    let filter = if round % 2 == 0 {
                        serde_json::json!({"title": leaf})
                    } else {
                        serde_json::json!({"updates": {"entry": leaf}})
                    };
                    let Ok(f) = ObjectFilter::parse("SoftLayer_Ticket", &(&filter).into()) else {
                        continue;
                    };
                    let q = ListQuery {
                        filter: Some(&f),
                        limit: None,
                    };
                    let answer = |text_index: bool| {
                        let mut b = SqlBuilder::new(vec![]);
                        b.text_index = text_index;
                        list(
                            conn,
                            &mut b,
                            ("SoftLayer_Ticket", None),
                            "SoftLayer_Ticket r0",
                            "r0.accountId = 1001",
                            "r0.id",
                            &q,
                            u64::MAX,
                        )
                        .unwrap()
                        .rows
                        .iter()
                        .map(|r| r.id().unwrap())
                        .collect::<Vec<_>>()
                    };
                    let scan = answer(false);
                    assert_eq!(answer(true), scan, "{filter}");
                    checked += 1;
                    indexed += (needle.trim().chars().count() >= 3 && !scan.is_empty()) as usize;
                }
                Ok(())
            })
            .unwrap();
        // The comparison must have exercised the index, with matches to find.
        assert!(checked > 500 && indexed > 150, "{checked} {indexed}");
        // A needle the index knows nowhere makes the whole filter false; the parameters
        // of the conditions bound before it are left unused, without an error.
        store
            .read(|conn| -> Result<(), StoreError> {
                let f = ObjectFilter::parse(
                    "SoftLayer_Ticket",
                    &(&serde_json::json!({"id": {"operation": 170_000_001},
                        "title": {"operation": "*= qqqzzzqqq"}}))
                        .into(),
                )
                .unwrap();
                let q = ListQuery {
                    filter: Some(&f),
                    limit: Some(crate::call::ResultLimit {
                        offset: 0,
                        limit: Some(5),
                    }),
                };
                let page = list(
                    conn,
                    &mut SqlBuilder::new(vec![]),
                    ("SoftLayer_Ticket", None),
                    "SoftLayer_Ticket r0",
                    "r0.accountId = 1001",
                    "r0.id",
                    &q,
                    u64::MAX,
                )
                .unwrap();
                assert!(page.rows.is_empty() && page.total == 0);
                Ok(())
            })
            .unwrap();
    }

    /// The queue's bounds are read at every batch of writes, and the queue may hold a
    /// million rows: each bound must be one lookup at an end of the queue's b-tree,
    /// never a scan of it (`min(..), max(..)` in one query scans).
    #[test]
    fn queue_bounds_are_two_lookups() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), StoreError> {
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {QUEUE_BOUNDS}"))?
                    .query_map([], |r| r.get::<_, String>(3))?
                    .collect::<Result<_, _>>()?;
                let on_queue: Vec<&String> = plan
                    .iter()
                    .filter(|d| d.contains("emulator_text_index_queue"))
                    .collect();
                assert_eq!(on_queue.len(), 2, "{plan:?}");
                assert!(
                    on_queue.iter().all(|d| d.starts_with("SEARCH")),
                    "each bound a lookup, not a scan: {plan:?}"
                );
                // Empty, then with rows: the bounds are the first and last rowids.
                assert_eq!(queue_bounds(conn)?, None);
                for id in [5, 6, 9] {
                    conn.execute(
                        "INSERT INTO emulator_text_index_queue (kind, rowId) VALUES (0, ?1)",
                        [id],
                    )?;
                }
                conn.execute("DELETE FROM emulator_text_index_queue WHERE rowId = 5", [])?;
                let first: i64 = conn.query_row(
                    "SELECT _rowid_ FROM emulator_text_index_queue WHERE rowId = 6",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(queue_bounds(conn)?, Some((first, first + 1)));
                assert_eq!(queued_text_rows(conn)?, 2);
                Ok(())
            })
            .unwrap();
    }

    /// The rows queued for the text indexes, counted one by one.
    fn queue_count(conn: &Connection) -> u64 {
        conn.query_row("SELECT count(*) FROM emulator_text_index_queue", [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    /// Each needle's title search through the indexes, which must equal the scan's.
    fn title_answers(conn: &Connection, needles: &[&str]) -> Vec<Vec<i64>> {
        needles
            .iter()
            .map(|needle| {
                let scan = title_search(conn, needle, false);
                assert_eq!(title_search(conn, needle, true), scan, "{needle}");
                scan
            })
            .collect()
    }

    /// The ids the ticket list gives for `title *= needle`, through the trigram index or
    /// the plain scan.
    fn title_search(conn: &Connection, needle: &str, text_index: bool) -> Vec<i64> {
        let filter = serde_json::json!({"title": {"operation": format!("*= {needle}")}});
        listed_ids(conn, &filter, text_index)
    }

    /// Issue 14: with group commit (a file database, writers at once), the text the
    /// writer's batches insert is queued and indexed from time to time: every committed
    /// title is found through the index and the queue exactly as by the scan, both while
    /// rows are queued and once the idle writer has indexed them; a writer rolled back
    /// leaves nothing behind, and titles changed in later batches are found by their
    /// new text only.
    #[test]
    fn text_inserted_in_grouped_writes_is_found_before_and_after_it_is_indexed() {
        let dir = super::super::ScratchDir::new("text-queue");
        let path = dir.join("queue.sqlite3");
        let store = std::sync::Arc::new(super::super::Store::open(path.to_str().unwrap()).unwrap());
        let ticket = |conn: &Connection, id: i64, title: &str| -> Result<(), StoreError> {
            super::super::insert(conn, "SoftLayer_Ticket", &ticket_row(id, title)).map(|_| ())
        };
        let threads: Vec<_> = (0..8i64)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..30i64 {
                        let id = 171_000_000 + t * 100 + i;
                        let _ = store.submit_and_wait(move |c| {
                            ticket(c, id, &format!("qz{t}x{i}w first"))?;
                            if i % 5 == 1 {
                                // Renamed in the batch that inserted it.
                                let mut set = crate::value::Struct::new();
                                set.insert(
                                    "title".into(),
                                    Value::from(format!("qz{t}x{i}w renamed")),
                                );
                                super::super::update(c, "SoftLayer_Ticket", id, &set)?;
                            }
                            if i % 7 == 3 {
                                // Fails after writing: rolled back, queue and all.
                                c.execute("INSERT INTO no_such_table VALUES (1)", [])?;
                            }
                            Ok(())
                        });
                        if i % 6 == 2 {
                            // Renamed in a later batch.
                            let _ = store.submit_and_wait(move |c| {
                                let mut set = crate::value::Struct::new();
                                set.insert(
                                    "title".into(),
                                    Value::from(format!("qz{t}x{i}w later")),
                                );
                                super::super::update(c, "SoftLayer_Ticket", id, &set)
                            });
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let queued = || {
            store
                .read(|conn| -> Result<u64, StoreError> { Ok(queue_count(conn)) })
                .unwrap()
        };
        let searches_match_the_scan = || {
            store
                .read(|conn| -> Result<(), StoreError> {
                    let mut found = 0;
                    for t in 0..8 {
                        for i in 0..30 {
                            for word in ["first", "renamed", "later"] {
                                let needle = format!("qz{t}x{i}w {word}");
                                let scan = title_search(conn, &needle, false);
                                assert_eq!(title_search(conn, &needle, true), scan, "{needle}");
                                found += scan.len();
                            }
                        }
                    }
                    // Every committed ticket has one title; the rolled-back have none.
                    let committed = (0..8 * 30).filter(|n| n % 30 % 7 != 3).count();
                    assert_eq!(found, committed);
                    Ok(())
                })
                .unwrap()
        };
        let queued_after_writes = queued();
        searches_match_the_scan();
        let waited = std::time::Instant::now();
        while queued() > 0 {
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(10),
                "the idle writer indexes the queue ({queued_after_writes} rows after the writes)"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        searches_match_the_scan();
        drop(store);
    }

    /// Rows queued for the text index (committed, not yet indexed) are found by text
    /// searches as the scan finds them, non-ASCII and case variants included; indexing
    /// the queue changes no answer.
    #[test]
    fn queued_text_is_searched_beside_the_index() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), StoreError> {
                let titles = [
                    "Disk FAILURE on qv-host-1",
                    "ÉCOLE réseau qv lent",
                    "qv ΑΣ Β ticket",
                    "plain qv title",
                ];
                conn.execute_batch("BEGIN")?;
                for (i, title) in titles.iter().enumerate() {
                    super::super::insert(
                        conn,
                        "SoftLayer_Ticket",
                        &ticket_row(172_000_000 + i as i64, title),
                    )?;
                }
                // Committed without indexing, as a batch of the writer thread may be.
                conn.execute_batch("COMMIT")?;
                assert_eq!(queue_count(conn), titles.len() as u64);
                let needles = [
                    "disk failure",
                    "QV-HOST",
                    "école",
                    "RÉSEAU QV",
                    "ας β",
                    "qv",
                    "qv t",
                    "no such text",
                ];
                let answers = |conn: &Connection| title_answers(conn, &needles);
                let before = answers(conn);
                assert!(before.iter().filter(|ids| !ids.is_empty()).count() >= 6);
                index_queued_text(conn)?;
                assert_eq!(answers(conn), before);
                Ok(())
            })
            .unwrap();
    }

    /// Issue 14, item 4: under writes that never pause the queue grows long. A search
    /// then leaves the index and the queue alone (the plain scan answers, as found by
    /// the builder), indexing in steps takes the oldest rows first, and no answer changes
    /// on the way; the queue's length is read from its own rowids, not from its `rowId`
    /// column (the tickets' ids, here seven apart).
    #[test]
    fn a_long_text_queue_is_left_to_the_scan_and_indexed_in_steps() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), StoreError> {
                let queued = SEARCHED_QUEUE_ROWS as i64 + 500;
                conn.execute_batch("BEGIN")?;
                for i in 0..queued {
                    let title = format!(
                        "Qk{} lot {} {}",
                        i % 97,
                        i % 13,
                        ["Éa", "ça", "xy"][i as usize % 3]
                    );
                    super::super::insert(
                        conn,
                        "SoftLayer_Ticket",
                        &ticket_row(173_000_000 + 7 * i, &title),
                    )?;
                }
                // A queued title changed: out of the queue and into the index at once.
                let mut set = crate::value::Struct::new();
                set.insert("title".into(), Value::from("qk renamed ÉA"));
                super::super::update(conn, "SoftLayer_Ticket", 173_000_007, &set)?;
                conn.execute_batch("COMMIT")?;
                assert_eq!(queue_count(conn), queued as u64 - 1);
                assert_eq!(queued_text_rows(conn)?, queued as u64);
                let needles = [
                    "qk5 lot",
                    "QK96 LOT 5",
                    "lot 3 éa",
                    "ÇA",
                    "renamed éa",
                    "nothing",
                ];
                let answers = |conn: &Connection| title_answers(conn, &needles);
                let before = answers(conn);
                assert!(before.iter().filter(|ids| !ids.is_empty()).count() >= 5);
                let asked = |conn: &Connection| {
                    let filter = serde_json::json!({"title": {"operation": "*= qk5 lot"}});
                    let (_, b) = listed(conn, &filter, true);
                    b.candidates.values().next().cloned().flatten().is_some()
                };
                assert!(!asked(conn), "a long queue leaves the index out");
                // The first 1,000 queued (one of them, the renamed title, left already).
                assert!(index_queued_text_upto(conn, 1_000)?);
                assert_eq!(queue_count(conn), queued as u64 - 1_000);
                let oldest: i64 = conn.query_row(
                    "SELECT min(rowId) FROM emulator_text_index_queue",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(oldest, 173_000_000 + 7 * 1_000);
                assert_eq!(answers(conn), before);
                assert!(asked(conn), "a short queue is read beside the index");
                assert!(!index_queued_text_upto(conn, u64::MAX)?);
                assert_eq!((queue_count(conn), queued_text_rows(conn)?), (0, 0));
                assert_eq!(answers(conn), before);
                Ok(())
            })
            .unwrap();
    }

    /// A step of indexing takes at most its rows' worth of characters: 500 long texts
    /// made one step of seconds that every write waited for. At least one row goes,
    /// however long.
    #[test]
    fn a_step_of_indexing_is_bounded_by_the_text_it_takes() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .write(|conn| -> Result<(), StoreError> {
                index_queued_text(conn)?;
                let long = "x".repeat(4_000);
                for i in 0..40 {
                    super::super::insert(
                        conn,
                        "SoftLayer_Ticket",
                        &ticket_row(174_000_000 + i, &format!("{i} {long}")),
                    )?;
                }
                assert_eq!(queue_count(conn), 40);
                assert!(index_queued_text_upto(conn, TEXT_INDEX_STEP)?);
                // 64,000 characters: 15 titles of 4,003-4,004 (the 16th would pass it).
                assert_eq!(queue_count(conn), 25);
                assert!(index_queued_text_upto(conn, 1)?);
                assert_eq!(queue_count(conn), 24, "one row, however long");
                assert!(!index_queued_text_upto(conn, u64::MAX)?);
                assert_eq!(queue_count(conn), 0);
                Ok(())
            })
            .unwrap();
    }

    /// Without the writer thread (an in-memory database) no idle writer indexes the
    /// queue, so the batches do, once it holds a step's rows: it never grows past a step.
    #[test]
    fn batches_without_the_writer_thread_index_the_queue_themselves() {
        let store = super::super::Store::open(":memory:").unwrap();
        assert!(!store.has_writer_thread());
        let mut longest = 0;
        for i in 0..(3 * TEXT_INDEX_STEP as i64) {
            store
                .submit_and_wait(move |c| {
                    let row = ticket_row(174_000_000 + i, &format!("qm{i} batch"));
                    super::super::insert(c, "SoftLayer_Ticket", &row).map(|_| ())
                })
                .unwrap();
            longest = longest.max(store.queued_text_rows().unwrap());
        }
        assert!(longest >= TEXT_INDEX_STEP - 1, "{longest}");
        assert!(longest <= TEXT_INDEX_STEP, "{longest}");
        store
            .read(|conn| -> Result<(), StoreError> {
                assert_eq!(
                    title_answers(conn, &["qm7 batch", "QM1499 BATCH"]),
                    [vec![174_000_007], vec![174_001_499]]
                );
                Ok(())
            })
            .unwrap();
    }

    /// The queue's statements read the queue first, then each queued row's row, even
    /// where the statistics say the queue is long and the table short (so that SQLite
    /// would rather scan the table and look each row up in the queue's index).
    #[test]
    fn queue_statements_read_the_queue_first() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), StoreError> {
                conn.execute_batch(
                    "ANALYZE; \
                     DELETE FROM sqlite_stat1 WHERE tbl IN ('emulator_text_index_queue', \
                        'SoftLayer_Ticket', 'SoftLayer_Ticket_Update'); \
                     INSERT INTO sqlite_stat1 VALUES \
                        ('emulator_text_index_queue', 'emulator_text_index_queue_row', \
                         '300000 150000 1'), \
                        ('emulator_text_index_queue', NULL, '300000'), \
                        ('SoftLayer_Ticket', NULL, '10'), \
                        ('SoftLayer_Ticket_Update', NULL, '10'); \
                     ANALYZE sqlite_schema;",
                )?;
                for index in TEXT_INDEXES {
                    for sql in [index.index_queued_sql(), index.candidates_sql()] {
                        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                        let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
                        let plan: Vec<String> = stmt
                            .query_map(rusqlite::params_from_iter(nulls), |r| r.get(3))?
                            .collect::<rusqlite::Result<_>>()?;
                        let of = |alias: &str| {
                            let at = plan
                                .iter()
                                .position(|l| l.split_whitespace().nth(1) == Some(alias));
                            at.unwrap_or_else(|| panic!("{alias} in {plan:?}"))
                        };
                        let (queue, row) = (of("q"), of("r"));
                        assert!(queue < row, "{sql}: {plan:?}");
                        assert!(!plan[row].starts_with("SCAN"), "{sql}: {plan:?}");
                    }
                }
                Ok(())
            })
            .unwrap();
    }

    /// A long queue does not hold up a store's exit: the writer indexes at most a step as
    /// it stops, and the rest waits for the next start.
    #[test]
    fn a_long_text_queue_is_left_for_the_next_start() {
        let dir = super::super::ScratchDir::new("queue-exit");
        let path = dir.join("exit.sqlite3");
        let path = path.to_str().unwrap();
        drop(super::super::Store::open(path).unwrap());
        let queued = 30_000;
        let count = || queue_count(&Connection::open(path).unwrap());
        // Queued rows of tickets that do not exist: indexing them takes them off the
        // queue and adds nothing.
        Connection::open(path)
            .unwrap()
            .execute_batch(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {queued}) \
                 INSERT INTO emulator_text_index_queue (kind, rowId) SELECT 0, -i FROM n"
            ))
            .unwrap();
        let store = super::super::Store::open(path).unwrap();
        assert!(store.has_writer_thread());
        drop(store);
        // A slow machine may give the idle writer a few steps before the drop.
        assert!(count() > queued - 10 * TEXT_INDEX_STEP, "{}", count());
        let store = super::super::Store::open(path).unwrap();
        let waited = std::time::Instant::now();
        while store.queued_text_rows().unwrap() > 0 {
            assert!(
                waited.elapsed() < Duration::from_secs(20),
                "the idle writer indexes it"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(store);
        assert_eq!(count(), 0);
    }

    #[test]
    fn trigram_queries_fold_and_quote() {
        let query = |needle: &str| folded_needle(needle).map(|f| trigram_query(&f));
        assert_eq!(query("ab"), None);
        assert_eq!(query("DiSk"), Some("\"disk\"".into()));
        assert_eq!(query("a\"bc"), Some("\"a\"\"bc\"".into()));
        // Σ folds to σ wherever it stands, as ς does.
        assert_eq!(query("ΑΣ Β"), Some("\"ασ β\"".into()));
        assert_eq!(query("ας β"), Some("\"ασ β\"".into()));
        // A long needle's first characters.
        let long = format!("{}ZZZ", "é\"".repeat(TRIGRAM_QUERY_CHARS / 2));
        let piece = "é\"\"".repeat(TRIGRAM_QUERY_CHARS / 2);
        assert_eq!(query(&long), Some(format!("\"{piece}\"")));
    }

    #[test]
    fn tally_columns_are_recognised() {
        assert!(reads_only_tally_columns(
            "(r0.accountId = ?1 AND r0.statusId <> 1002) AND r0.\"priority\" = ?2"
        ));
        assert!(reads_only_tally_columns(
            "r0.\"statusId\" IN (SELECT r1.id FROM SoftLayer_Ticket_Status r1 WHERE r1.\"name\" = ?1)"
        ));
        assert!(!reads_only_tally_columns(
            "r0.accountId = ?1 AND r0.\"title\" LIKE ?2"
        ));
        assert!(!reads_only_tally_columns("r0.id IN (SELECT 1)"));
    }

    #[test]
    fn julian_days_match_sqlite() {
        with_conn(|conn| {
            for text in [
                "2026-10-01T09:15:00-05:00",
                "1999-12-31T23:59:59+00:00",
                "2024-02-29T12:00:00.123Z",
            ] {
                let jd: f64 = conn
                    .query_row("SELECT julianday(?1)", [text], |r| r.get(0))
                    .unwrap();
                let ms = chrono::DateTime::parse_from_rfc3339(text)
                    .unwrap()
                    .timestamp_millis();
                assert_eq!(jd, julian_day(ms), "{text}");
            }
        });
    }
}
