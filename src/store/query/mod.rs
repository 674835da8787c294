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

use super::text_tally::{FirstPage, Searched, Tallied, TextTally};
use super::{ListQuery, Page, QueryError, StoreError, query_rows_within, used_params};
use crate::call::ResultLimit;
use crate::schema::filter::{Operation, TextMatch};
use crate::value::Value;
use rusqlite::Connection;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

mod functions;
mod sql;
#[cfg(test)]
mod tests;
mod text_index;

use sql::{Pred, reads_only_tally_columns};
use text_index::INDEXED_AT_MOST;

pub use functions::register_functions;
pub(in crate::store) use functions::{FOLDED_TO_ASCII, may_match_folded_to_ascii};
pub(crate) use functions::{fold_case, text_search};
pub(in crate::store) use sql::{SqlBuilder, julian_day};
pub(in crate::store) use text_index::{
    QUEUE_TICKET_TITLE, text_index_enabled, with_bulk_text_index,
};
pub(crate) use text_index::{
    QUEUED_TEXT_ROWS, TEXT_INDEX_STEP, analyze, id_list, index_queued_text, index_queued_text_upto,
    index_queued_text_when_long, queued_text_rows, tickets_mentioning,
};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

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
        const DEFAULT_MS: u64 = 25;
        let given = std::env::var("SOFTLAYER_EMULATOR_PLAN_BUDGET_MS").unwrap_or_default();
        let ms = match given.trim() {
            "" => DEFAULT_MS,
            text => text.parse().unwrap_or_else(|_| {
                tracing::warn!(
                    "SOFTLAYER_EMULATOR_PLAN_BUDGET_MS={given:?} is not a whole number of \
                     milliseconds: {DEFAULT_MS} ms is used"
                );
                DEFAULT_MS
            }),
        };
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
