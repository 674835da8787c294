//! Which columns of a table a read takes: all of them, or only those the reply will
//! show and the few the projection needs besides (the id, the keys of the relations the
//! mask names, the column that tells a row's subtype).
//!
//! A ticket has 31 columns and a user 22; a mask such as `mask[id,title,...]` shows two.
//! Reading every column made a value (and, for text, a copy) of each, and SQLite decoded
//! each: about 7% of an uncached `getObject`'s instructions (callgrind).

use super::relations;
use super::{DISCRIMINATED, Result};
use crate::schema::mask::ObjectMask;
use crate::schema::{PropertyKind, TypeDef, counted_relation, schema};
use rusqlite::Connection;

/// A bit per column of a table, in the table's order ([`table_columns`]); every bit
/// set for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    pub const ALL: Columns = Columns(u64::MAX);

    pub fn is_all(self) -> bool {
        self == Columns::ALL
    }

    /// The chosen columns of `table`, separated by commas, each after `prefix`.
    pub(super) fn select_list(self, table: &[String], prefix: &str) -> String {
        let mut out = String::new();
        for (i, c) in table.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(prefix);
                out.push_str(&super::quote_ident(c));
            }
        }
        out
    }
}

/// What a projection will show of the rows a read loads.
#[derive(Clone, Copy)]
pub enum Shown<'a> {
    /// Every local property (no mask, or several mask entries at once).
    Everything,
    /// What one mask level names for the rows, written for the cast type if any.
    ByMask(&'a ObjectMask, Option<&'a str>),
}

#[cfg(test)]
thread_local! {
    static EVERY_COLUMN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Tests compare replies made from every column with those made from the columns
/// chosen: `true` makes this thread read every column.
#[cfg(test)]
pub fn read_every_column(every: bool) {
    EVERY_COLUMN.set(every);
}

/// The stored columns of a table, in order; the same while the process runs (every
/// database is migrated to one schema before it is read). Kept for the process: one
/// list per table.
pub(super) fn table_columns(conn: &Connection, table: &str) -> Result<&'static [String]> {
    type Known = std::collections::HashMap<String, &'static [String]>;
    static KNOWN: std::sync::Mutex<Option<Known>> = std::sync::Mutex::new(None);
    if let Some(known) = KNOWN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .and_then(|k| k.get(table).copied())
    {
        return Ok(known);
    }
    let stmt = conn.prepare(&format!(
        "SELECT * FROM {} LIMIT 0",
        super::quote_ident(table)
    ))?;
    let names: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let mut known = KNOWN.lock().unwrap_or_else(|p| p.into_inner());
    let known = known.get_or_insert_with(Default::default);
    Ok(*known
        .entry(table.to_string())
        .or_insert_with(|| Vec::leak(names)))
}

/// Columns a table keeps that no reply shows, and big: a file's contents (up to 10 MiB),
/// read only where they are the answer (getAttachedFile, the console's download) and
/// by exports. Read with the rest of a row, a mask's `attachedFiles` loaded every file
/// whole: four 9 MiB files put a 1.5 KB reply over the 32 MiB work budget.
const STORED_ONLY: &[(&str, &str)] = &[
    ("SoftLayer_Ticket_Attachment_File", "content"),
    ("SoftLayer_Ticket_Attachment_File_ServiceNow", "content"),
];

/// Every column of `table` a reply may show: all but its [`STORED_ONLY`] ones.
fn shown_columns(conn: &Connection, table: &str) -> Result<Columns> {
    if !STORED_ONLY.iter().any(|(t, _)| *t == table) {
        return Ok(Columns::ALL);
    }
    let all = table_columns(conn, table)?;
    if all.len() > 64 {
        return Ok(Columns::ALL);
    }
    let bits = all
        .iter()
        .enumerate()
        .filter(|(_, c)| !STORED_ONLY.contains(&(table, c.as_str())))
        .fold(0u64, |bits, (i, _)| bits | 1 << i);
    Ok(Columns(bits))
}

/// What `SELECT` lists for whole rows of `table` as replies read them, each column
/// after `prefix` (`r0.`): `*`, but for a table with [`STORED_ONLY`] columns.
pub(super) fn row_select(conn: &Connection, table: &str, prefix: &str) -> Result<String> {
    let shown = shown_columns(conn, table)?;
    Ok(match shown.is_all() {
        true => format!("{prefix}*"),
        false => shown.select_list(table_columns(conn, table)?, prefix),
    })
}

/// The columns of `type_name`'s table that rows shown as `shown` need, never its
/// [`STORED_ONLY`] ones.
pub fn columns_for(conn: &Connection, type_name: &str, shown: Shown<'_>) -> Result<Columns> {
    let columns = columns_named(conn, type_name, shown)?;
    match (columns.is_all(), super::table(type_name)) {
        (true, Ok(table)) => shown_columns(conn, table),
        _ => Ok(columns),
    }
}

/// [`columns_for`] as the mask decides. A mask level that names none of the type's
/// local properties shows them all (SLDN: a mask of relations only keeps the local
/// properties), and so reads them all.
fn columns_named(conn: &Connection, type_name: &str, shown: Shown<'_>) -> Result<Columns> {
    let Shown::ByMask(mask, cast) = shown else {
        return Ok(Columns::ALL);
    };
    #[cfg(test)]
    if EVERY_COLUMN.get() {
        return Ok(Columns::ALL);
    }
    let Some(t) = schema().type_def(type_name) else {
        return Ok(Columns::ALL);
    };
    // Keyed by the type's place in the schema, which lives as long as the process.
    let key = t as *const TypeDef as usize;
    if let Some(bits) = mask.remembered.columns(key) {
        return Ok(Columns(bits));
    }
    let columns = work_out(
        table_columns(conn, super::table(type_name)?)?,
        t,
        mask,
        cast,
    );
    mask.remembered.remember_columns(key, columns.0);
    Ok(columns)
}

fn work_out(columns: &[String], t: &TypeDef, mask: &ObjectMask, cast: Option<&str>) -> Columns {
    let type_name = t.name.as_str();
    if columns.len() > 64 {
        return Columns::ALL;
    }
    // As projection decides: a property local to the row's type (every row is of this
    // type or a subtype, which has its properties) or to the type the mask casts to.
    let defs = || {
        [Some(t), cast.and_then(|c| schema().type_def(c))]
            .into_iter()
            .flatten()
    };
    let is_local =
        |name: &str| defs().any(|d| d.property(name).map(|p| p.kind) == Some(PropertyKind::Local));
    if !mask.properties.iter().any(|p| is_local(&p.name)) {
        return Columns::ALL;
    }
    let mut bits = 0u64;
    let mut want = |name: &str| {
        if let Some(i) = columns.iter().position(|c| c == name) {
            bits |= 1 << i;
        }
    };
    // Computed properties and subtypes' rows are found by the id.
    want("id");
    for d in DISCRIMINATED.iter().filter(|d| d.base == type_name) {
        want(d.column);
    }
    for p in &mask.properties {
        want(&p.name);
        // The parent's key (and guard) of every relation the property may stand for,
        // or of the relation a count property counts.
        let counted: Vec<&str> = defs()
            .filter(|d| d.property(&p.name).map(|p| p.kind) == Some(PropertyKind::Count))
            .filter_map(|d| counted_relation(d, &p.name).map(|r| r.name.as_str()))
            .collect();
        for property in std::iter::once(p.name.as_str()).chain(counted) {
            for r in relations::RELATIONS
                .iter()
                .filter(|r| r.property == property)
            {
                want(r.key);
                if let Some((column, _)) = r.guard {
                    want(column);
                }
            }
        }
    }
    if bits.count_ones() as usize == columns.len() {
        Columns::ALL
    } else {
        Columns(bits)
    }
}
