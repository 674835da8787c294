//! An object filter written as SQL: conditions under each relation evaluated together,
//! with bound parameters ([`SqlBuilder`]).

use super::functions::{fold_case, text_search};
use super::text_index::{TEXT_INDEXES, folded_needle, id_list, text_index_enabled, trigram_query};
use crate::schema::filter::{Comparison, Condition, DateSpan, Operand, Operation};
use crate::schema::{PropertyKind, TypeDef, counted_relation, schema};
use crate::store::relations::Relation;
use crate::store::{quote_ident, relations};
use crate::value::Value;
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

/// A predicate: SQL text, or a constant known while building.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Pred {
    Const(bool),
    Sql(String),
}

impl Pred {
    pub(super) fn sql(&self) -> String {
        match self {
            Pred::Const(true) => "1".to_string(),
            Pred::Const(false) => "0".to_string(),
            Pred::Sql(s) => s.clone(),
        }
    }

    pub(super) fn and(self, other: Pred) -> Pred {
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
pub(in crate::store) fn julian_day(unix_ms: i64) -> f64 {
    const UNIX_EPOCH_JD_MS: i64 = 210_866_760_000_000;
    (unix_ms + UNIX_EPOCH_JD_MS) as f64 / 86_400_000.0
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
pub(in crate::store) struct SqlBuilder {
    pub(in crate::store) params: Vec<Value>,
    pub(in crate::store) aliases: usize,
    /// Whether text searches may narrow their candidates through the trigram indexes
    /// (off only to measure or check against the plain scan).
    pub(in crate::store) text_index: bool,
    /// The trigram indexes' candidates per (index, query), asked once per list: `None`
    /// for a needle too common to be worth the index.
    pub(super) candidates: HashMap<(&'static str, String), Option<Arc<Vec<i64>>>>,
    /// The listed tickets are among these (the text tally's few matches).
    pub(super) tally_tickets: Option<Arc<Vec<i64>>>,
    /// The user whose view of per-viewer flags the filter compares
    /// ([`crate::schema::filter::ObjectFilter::viewer`]).
    pub(super) viewer: Option<i64>,
}

impl SqlBuilder {
    pub(in crate::store) fn new(params: Vec<Value>) -> SqlBuilder {
        SqlBuilder {
            params,
            aliases: 0,
            text_index: text_index_enabled(),
            candidates: HashMap::new(),
            tally_tickets: None,
            viewer: None,
        }
    }

    pub(super) fn bind(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("r{}", self.aliases)
    }

    /// `rel`'s FROM and ON with `{r}` named `alias` and `{parent}` as given.
    pub(in crate::store) fn relation_sql(
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
    pub(super) fn filter(
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
    pub(super) fn among(alias: &str, ids: Arc<Vec<i64>>) -> Pred {
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
    pub(super) fn operation(&mut self, column: &str, date: bool, op: &Operation) -> Pred {
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
    pub(super) fn order_expr(
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
pub(super) fn reads_only_tally_columns(predicate: &str) -> bool {
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
