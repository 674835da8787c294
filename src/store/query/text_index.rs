//! The trigram indexes of text properties (FTS5): their queue, kept in step with every
//! write, and the candidates they give a text search.

use super::functions::fold_case;
use crate::store::quote_ident;
use rusqlite::{Connection, OptionalExtension};
use std::sync::OnceLock;

/// A text property with a trigram index (migrations/0006_text_search.sql): FTS5 tables
/// holding `sl_fold(text)` under the row's id, kept in step by triggers.
pub(in crate::store) struct TextIndex {
    pub(in crate::store) type_name: &'static str,
    pub(in crate::store) property: &'static str,
    pub(in crate::store) table: &'static str,
    /// The trigger that queues inserted rows (suspended by [`with_bulk_text_index`]);
    /// `None` where the code that inserts the rows queues them ([`QUEUE_TICKET_TITLE`]).
    pub(in crate::store) insert_trigger: Option<&'static str>,
    /// The rows' `kind` in `emulator_text_index_queue` (migrations/0009).
    pub(in crate::store) queue_kind: i64,
}

// The queue's statements take the queue's rows first, then each one's row (`CROSS JOIN`
// keeps that order, `+q.kind` keeps the queue's index out): given the choice, SQLite
// planned a scan of the whole table, looking each row up in the queue's index (test
// `queue_statements_read_the_queue_first`).
impl TextIndex {
    /// Indexes the queued rows of this index whose queue rowids are from ?2 to ?3 (?1:
    /// the `queue_kind`).
    pub(super) fn index_queued_sql(&self) -> String {
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
    pub(super) fn candidates_sql(&self) -> String {
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
    pub(super) fn candidates(
        &self,
        conn: &Connection,
        folded: &str,
    ) -> crate::store::Result<Option<Vec<i64>>> {
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

pub(in crate::store) const TEXT_INDEXES: &[TextIndex] = &[
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
/// kind 0), by [`crate::store::ticket_added`].
pub(in crate::store) const QUEUE_TICKET_TITLE: &str = "INSERT INTO emulator_text_index_queue (kind, rowId) \
     SELECT 0, id FROM SoftLayer_Ticket WHERE id = ?1 AND title IS NOT NULL";

/// Rows of text [`with_bulk_text_index`] indexes per statement, between two reports of
/// its progress.
pub(in crate::store) const BULK_TEXT_CHUNK: i64 = 50_000;

/// Runs `bulk`, which may only insert rows with ids above every id in their tables (a
/// synthetic seed), with the trigram indexes' insert triggers dropped; then indexes
/// the new rows in rowid order and puts the triggers back, all in the caller's
/// transaction. Row by row through the triggers, a million tickets and five million
/// updates took ten times as long as the rows themselves; in bulk, in rowid order, FTS5
/// builds its segments once (in statements of [`BULK_TEXT_CHUNK`] ids, each telling
/// `progress` the rows done so far and about how many in all: the span of the new ids).
/// Tickets have no such trigger (migrations/0013): `bulk` inserts them with its own SQL,
/// which queues nothing, and they are indexed here with the rest.
pub(in crate::store) fn with_bulk_text_index<T>(
    conn: &Connection,
    bulk: impl FnOnce() -> crate::store::Result<T>,
    progress: &mut dyn FnMut(u64, u64),
) -> crate::store::Result<T> {
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
pub(crate) fn analyze(conn: &Connection) -> crate::store::Result<()> {
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
pub(crate) fn queued_text_rows(conn: &Connection) -> crate::store::Result<u64> {
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
pub(super) const QUEUE_BOUNDS: &str = "SELECT (SELECT min(_rowid_) FROM emulator_text_index_queue), \
     (SELECT max(_rowid_) FROM emulator_text_index_queue)";

/// The queue's first and last rowids; `None` when it is empty, or missing (a database
/// from before migration 0009, as a snapshot being restored may be).
pub(super) fn queue_bounds(conn: &Connection) -> crate::store::Result<Option<(i64, i64)>> {
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
/// [`Store::write`](crate::store::Store::write) before its commit (a few milliseconds' work).
pub(crate) const TEXT_INDEX_STEP: u64 = 500;

/// A text search reads at most this many queued rows beside the trigram index (each a
/// row lookup and a fold, about 1-2 µs); with more queued, the index is not used.
pub(crate) const SEARCHED_QUEUE_ROWS: u64 = 2_000;

/// [`index_queued_text_upto`] [`TEXT_INDEX_CHUNK`] rows once the queue holds `from`
/// rows; batches commit this way: the writer thread's from [`QUEUED_TEXT_ROWS`], and
/// without it (an in-memory database, or group commit off) from [`TEXT_INDEX_STEP`],
/// since then no idle writer indexes the queue.
pub(crate) fn index_queued_text_when_long(
    conn: &Connection,
    from: u64,
) -> crate::store::Result<()> {
    if queued_text_rows(conn)? >= from {
        index_queued_text_upto(conn, TEXT_INDEX_CHUNK)?;
    }
    Ok(())
}

/// Indexes every queued row and empties the queue (migrations/0009 says why there is
/// one). Nothing to do, it costs one lookup of an empty table.
pub(crate) fn index_queued_text(conn: &Connection) -> crate::store::Result<()> {
    index_queued_text_upto(conn, u64::MAX).map(|_| ())
}

/// Indexes the oldest `limit` queued rows (by when they were queued), one statement per
/// index in rowid order, and takes them off the queue; `true` if rows are left.
/// [`Store::write`](crate::store::Store::write) calls it with [`TEXT_INDEX_STEP`] before every
/// `COMMIT`; the writer thread through [`index_queued_text_when_long`] and when idle.
pub(crate) fn index_queued_text_upto(conn: &Connection, limit: u64) -> crate::store::Result<bool> {
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
fn within_text_budget(
    conn: &Connection,
    first: i64,
    upto: i64,
    budget: u64,
) -> crate::store::Result<i64> {
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
pub(in crate::store) fn text_index_enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| !crate::store::switched_off_by_env("SOFTLAYER_EMULATOR_TEXT_INDEX"))
}

/// The needle of a text search folded as the exact predicate folds it; `None` under
/// three characters (a trigram index knows no shorter strings). A text containing the
/// needle (ignoring case) has a folded text containing the folded needle: the rows
/// [`trigram_query`] finds include every match.
pub(super) fn folded_needle(needle: &str) -> Option<String> {
    let folded = fold_case(needle);
    (folded.chars().count() >= 3).then_some(folded)
}

/// The most characters of a needle that its trigram query holds.
///
/// FTS5 tests a phrase in a row by walking the positions of all its terms there (and
/// collects every match), within one step of the statement, where the SQL time budget
/// cannot interrupt it: time goes with the terms times the row's positions of them. A
/// needle of 4,096 `a`s against a title of a million `a`s ran for over a minute (a
/// title may be sixteen times longer); its first 64 characters took 0.6 s, 16 take 0.1 s.
/// A phrase of 16 characters is already rare in any text, and most needles are shorter.
pub(super) const TRIGRAM_QUERY_CHARS: usize = 16;

/// The FTS5 query for the rows whose folded text contains `folded`: its first
/// [`TRIGRAM_QUERY_CHARS`] characters as one phrase (the trigram tokenizer makes it its
/// trigrams, and a phrase wants them consecutive), which every text containing all of it
/// contains.
pub(super) fn trigram_query(folded: &str) -> String {
    let piece: String = folded.chars().take(TRIGRAM_QUERY_CHARS).collect();
    format!("\"{}\"", piece.replace('"', "\"\""))
}

/// A text search with at most this many candidates in its trigram index is answered
/// through the index; with more, by the plain scan (see [`SqlBuilder::text_candidates`]).
/// Checking a candidate costs a row lookup (about 2 µs); the scan walks the order and
/// stops after a page, so beyond a few thousand candidates the scan wins.
pub(super) const INDEXED_AT_MOST: usize = 4000;

/// The tickets whose title or some update's entry may hold `word` (case ignored, as a
/// `*=` search), by the trigram indexes: a superset the caller narrows with the exact
/// search. `None` where the indexes cannot tell soon, as for
/// [`SqlBuilder::text_candidates`]: a word under three characters, a common one, or too
/// much text still queued for the index.
pub(crate) fn tickets_mentioning(
    conn: &Connection,
    word: &str,
) -> crate::store::Result<Option<Vec<i64>>> {
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
