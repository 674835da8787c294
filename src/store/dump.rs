//! The database as documents in the seed format, and accounts as the rows they own:
//! the SQL behind the control API's export, import, account deletion and reset.
//!
//! Which rows an account owns is read from the schema itself: its `SoftLayer_Account`
//! row, then, until nothing new turns up, every row whose foreign key points at an owned
//! row. So a table added later (with its `REFERENCES`) is exported and deleted with its
//! account without anyone remembering to list it here.

use super::{Result, StoreError, insert, query_rows, quote_ident, table};
use crate::schema::devices::DEVICE_KINDS;
use crate::value::{Struct, Value};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{BTreeMap, BTreeSet};

/// Rows that belong to whoever points at them although they point at nothing owned:
/// the transaction behind a scheduled action is the action's own.
const OWNED_BY_REFERRER: &[&str] = &["SoftLayer_Provisioning_Version1_Transaction"];

/// The store's own bookkeeping, kept by triggers as rows are written: not data, so not in
/// an export (each export and load of one doubled the text-index queue), and an older
/// export's rows of it are not loaded.
const BOOKKEEPING: &[&str] = &["emulator_text_index_queue"];

/// The key a table has in a seed document (`credentials` for the API keys).
pub fn document_key(table: &str) -> &str {
    if table == "emulator_credential" {
        "credentials"
    } else {
        table
    }
}

/// The table of a seed document's key: [`document_key`] the other way, checked.
fn document_table(key: &str) -> Result<&str> {
    table(if key == "credentials" {
        "emulator_credential"
    } else {
        key
    })
}

/// A foreign key: `column` of the referring table holds `target_column` of `target`.
#[derive(Debug, Clone)]
struct ForeignKey {
    column: String,
    target: String,
    target_column: String,
}

/// The data tables (SoftLayer types and the emulator's own), parents before children,
/// each with its foreign keys. Views, virtual tables and their shadow tables (full-text
/// indexes keep themselves up to date through triggers) are left out.
fn data_tables(conn: &Connection) -> Result<Vec<(String, Vec<ForeignKey>)>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )?;
    let all: Vec<(String, String)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let virtual_tables: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| {
            sql.trim_start()
                .to_ascii_uppercase()
                .starts_with("CREATE VIRTUAL")
        })
        .map(|(n, _)| n.as_str())
        .collect();
    let mut tables = BTreeMap::new();
    for (name, _) in &all {
        let shadow = virtual_tables
            .iter()
            .any(|v| name == v || name.starts_with(&format!("{v}_")));
        if shadow || !(name.starts_with("SoftLayer_") || name.starts_with("emulator_")) {
            continue;
        }
        let mut fk = conn.prepare(&format!("PRAGMA foreign_key_list({})", quote_ident(name)))?;
        let keys = fk
            .query_map([], |r| {
                Ok(ForeignKey {
                    target: r.get(2)?,
                    column: r.get(3)?,
                    target_column: r
                        .get::<_, Option<String>>(4)?
                        .unwrap_or_else(|| "id".into()),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tables.insert(name.clone(), keys);
    }
    // Parents first: a table comes after every table it refers to.
    let mut ordered: Vec<(String, Vec<ForeignKey>)> = Vec::new();
    let mut placed = BTreeSet::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .iter()
            .filter(|(name, keys)| {
                keys.iter().all(|k| {
                    &k.target == *name
                        || placed.contains(&k.target)
                        || !tables.contains_key(&k.target)
                })
            })
            .map(|(n, _)| n.clone())
            .collect();
        // A cycle would leave nothing ready: take the rest in name order.
        let ready = if ready.is_empty() {
            tables.keys().cloned().collect()
        } else {
            ready
        };
        for name in ready {
            let keys = tables.remove(&name).unwrap_or_default();
            placed.insert(name.clone());
            ordered.push((name, keys));
        }
    }
    Ok(ordered)
}

/// Every row `account_id` owns, as rowids per table, in a temporary table `doomed`.
fn mark_owned(
    conn: &Connection,
    account_id: i64,
    tables: &[(String, Vec<ForeignKey>)],
) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS doomed (tbl TEXT NOT NULL, rid INTEGER NOT NULL, \
         PRIMARY KEY (tbl, rid)) WITHOUT ROWID; DELETE FROM temp.doomed;",
    )?;
    conn.execute(
        "INSERT INTO temp.doomed SELECT 'SoftLayer_Account', rowid FROM SoftLayer_Account WHERE id = ?1",
        [account_id],
    )?;
    loop {
        let mut added = 0;
        for (name, keys) in tables {
            for k in keys {
                // A row that names a doomed one is doomed, but a row its referrers own
                // (the transaction) is theirs, not they its: it goes with them. (An import
                // may give one transaction to actions of two accounts, and the other
                // account's action went with it: deleted, and exported with this account.)
                let child = (name.as_str(), k.column.as_str());
                let parent = (k.target.as_str(), k.target_column.as_str());
                let ((goes, goes_col), (with, with_col)) =
                    if OWNED_BY_REFERRER.contains(&k.target.as_str()) {
                        (parent, child)
                    } else {
                        (child, parent)
                    };
                let sql = format!(
                    "INSERT OR IGNORE INTO temp.doomed SELECT ?1, g.rowid FROM {goes} g \
                     WHERE g.{goes_col} IN (SELECT w.{with_col} FROM {with} w JOIN temp.doomed d \
                     ON d.tbl = ?2 AND d.rid = w.rowid)",
                    goes = quote_ident(goes),
                    goes_col = quote_ident(goes_col),
                    with = quote_ident(with),
                    with_col = quote_ident(with_col),
                );
                added += conn.execute(&sql, rusqlite::params![goes, with])?;
            }
        }
        if added == 0 {
            return Ok(());
        }
    }
}

/// Whether an account exists.
pub fn account_exists(conn: &Connection, account_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM SoftLayer_Account WHERE id = ?1")?
        .exists([account_id])?)
}

/// Deletes an account and every row it owns; how many rows went, per table.
pub fn delete_account(conn: &Connection, account_id: i64) -> Result<BTreeMap<String, usize>> {
    let tables = data_tables(conn)?;
    mark_owned(conn, account_id, &tables)?;
    // Children are deleted before their parents, so foreign keys hold at every step.
    let mut deleted = BTreeMap::new();
    for (name, _) in tables.iter().rev() {
        // A row its referrers own stays while another account's row still names it (an
        // export of either account carries it, and an import takes it again as it is).
        let still_named: String = tables
            .iter()
            .flat_map(|(child, keys)| keys.iter().map(move |k| (child, k)))
            .filter(|(_, k)| &k.target == name && OWNED_BY_REFERRER.contains(&name.as_str()))
            .map(|(child, k)| {
                format!(
                    " AND {pcol} NOT IN (SELECT {col} FROM {child} WHERE {col} IS NOT NULL)",
                    pcol = quote_ident(&k.target_column),
                    col = quote_ident(&k.column),
                    child = quote_ident(child),
                )
            })
            .collect();
        let n = conn.execute(
            &format!(
                "DELETE FROM {} WHERE rowid IN (SELECT rid FROM temp.doomed WHERE tbl = ?1){still_named}",
                quote_ident(name)
            ),
            [name],
        )?;
        if n > 0 {
            deleted.insert(name.clone(), n);
        }
    }
    conn.execute_batch("DELETE FROM temp.doomed")?;
    Ok(deleted)
}

/// The database (or one account's rows) as one seed document: table name to rows,
/// parents first, so loading it back inserts every row after the rows it refers to.
/// Blobs (attached files) are base64 text.
pub fn export(conn: &Connection, account_id: Option<i64>) -> Result<serde_json::Value> {
    // One read of the whole database: table by table, in autocommit beside a server's
    // writes, the tickets stopped at one id and their updates went on past it, and
    // `load` refused the document. A savepoint, as the control API's export runs within
    // a transaction already.
    conn.execute_batch("SAVEPOINT export_read")?;
    let doc = export_within(conn, account_id);
    let ended = match doc {
        Ok(_) => conn.execute_batch("RELEASE export_read"),
        Err(_) => conn.execute_batch("ROLLBACK TO export_read; RELEASE export_read"),
    };
    let doc = doc?;
    ended?;
    Ok(doc)
}

fn export_within(conn: &Connection, account_id: Option<i64>) -> Result<serde_json::Value> {
    let tables = data_tables(conn)?;
    if let Some(id) = account_id {
        mark_owned(conn, id, &tables)?;
    }
    let mut doc = serde_json::Map::new();
    for (name, _) in &tables {
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let where_clause = if account_id.is_some() {
            " WHERE rowid IN (SELECT rid FROM temp.doomed WHERE tbl = ?1)"
        } else {
            " WHERE ?1 IS NOT NULL"
        };
        let sql = format!(
            "SELECT * FROM {}{where_clause} ORDER BY rowid",
            quote_ident(name)
        );
        let rows = query_rows(conn, name, &sql, &[Value::from(name.as_str())])?;
        if rows.is_empty() {
            continue;
        }
        let rows: Vec<serde_json::Value> = rows
            .into_iter()
            .map(|r| serde_json::Value::from(&Value::Struct(r.values.into_struct())))
            .collect();
        doc.insert(
            document_key(name).to_string(),
            serde_json::Value::Array(rows),
        );
    }
    if account_id.is_some() {
        conn.execute_batch("DELETE FROM temp.doomed")?;
    }
    Ok(serde_json::Value::Object(doc))
}

/// A table's columns as `PRAGMA table_info` gives them: name, declared type, and
/// position in the primary key (0 when not part of it).
fn table_info(conn: &Connection, table_name: &str) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quote_ident(table_name)))?;
    let cols = stmt
        .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(5)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

/// The BLOB columns of a table (their values travel as base64 text in documents).
fn blob_columns(conn: &Connection, table_name: &str) -> Result<Vec<String>> {
    Ok(table_info(conn, table_name)?
        .into_iter()
        .filter(|(_, t, _)| t.eq_ignore_ascii_case("BLOB"))
        .map(|(n, _, _)| n)
        .collect())
}

/// The stored row of a document's section with `row`'s key (the table's one-column
/// primary key: `id`, or a priority's `value`), written as [`export`] writes it; `None`
/// when the row does not name its key or no such row is stored.
pub fn stored_as_exported(
    conn: &Connection,
    key: &str,
    row: &serde_json::Value,
) -> Result<Option<serde_json::Value>> {
    let table_name = document_table(key)?;
    let mut keys: Vec<String> = table_info(conn, table_name)?
        .into_iter()
        .filter(|(_, _, pk)| *pk > 0)
        .map(|(name, _, _)| name)
        .collect();
    let (Some(pk), None) = (keys.pop(), keys.pop()) else {
        return Ok(None);
    };
    let Some(value) = row.get(&pk).and_then(serde_json::Value::as_i64) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT * FROM {} WHERE {} = ?1",
        quote_ident(table_name),
        quote_ident(&pk)
    );
    Ok(query_rows(conn, table_name, &sql, &[Value::Int(value)])?
        .pop()
        .map(|r| serde_json::Value::from(&Value::Struct(r.values.into_struct()))))
}

/// Refuses a document's row with a field its table does not have, or with text in a
/// number column, naming it (a `Seed` error, which imports and new accounts answer 400).
/// SQLite's own "table … has no column named …" came back as a database error, 500; and
/// SQLite keeps text in an INTEGER column as text, so every read expecting a number then
/// failed: a user loaded with `"timezoneId": "abc"` got 500 on every call.
pub fn check_document_fields<'a>(
    conn: &Connection,
    table_name: &str,
    mut fields: impl Iterator<Item = (&'a String, &'a Value)>,
) -> Result<()> {
    let columns = table_info(conn, table_name)?;
    fields.try_for_each(|(name, value)| {
        let Some((_, declared, _)) = columns.iter().find(|(c, _, _)| c == name) else {
            return Err(StoreError::Seed(format!(
                "{table_name} has no field '{name}'"
            )));
        };
        let whole = declared.eq_ignore_ascii_case("INTEGER");
        let numeric = whole || declared.eq_ignore_ascii_case("REAL");
        // Stored as given, a date no client can read would reach every transport (SOAP
        // typed it `xsd:string`, softlayer-python's parser raised).
        let property = crate::schema::schema()
            .type_def(table_name)
            .and_then(|t| t.property(name));
        // The emulator's own date columns too (a ticket's `closeDate`, which the API's
        // schema does not list, is read by the closed-since lists' date functions).
        let date = match property {
            Some(p) => p.type_name == "dateTime",
            None => name.ends_with("Date"),
        };
        // The API's `int` (ids among them) is XML Schema's 32-bit `xsd:int`. So are the
        // ids of the emulator's own tables (the outbox's, a ticket's additional e-mail
        // link), which the API's schema does not type: an outbox id of 2^63 - 1 left the
        // next mail no id, and every create and support reply failed.
        let int32 = property.is_some_and(|p| p.type_name == "int")
            || (whole && property.is_none() && (name == "id" || name.ends_with("Id")));
        // As the API refuses it: a title with U+0001 was read back as `\u0001` by JSON
        // clients and as U+FFFD by XML ones.
        if let Value::String(text) = value
            && let Some((_, c)) = crate::protocol::xml::forbidden_character(text)
        {
            return Err(StoreError::Seed(format!(
                "{table_name}.{name}: U+{:04X} is {}",
                c as u32,
                crate::protocol::xml::NOT_CARRIED
            )));
        }
        // HTTP Basic, which REST clients sign in with, splits at the first `:` (RFC 7617
        // forbids one in a user-id): such a user was loaded and could never call REST.
        if let Value::String(text) = value
            && table_name == "SoftLayer_User_Customer"
            && name == "username"
            && text.contains(':')
        {
            return Err(StoreError::Seed(format!(
                "{table_name}.username {text:?}: a username holds no ':' (HTTP Basic, which \
                 REST clients sign in with, splits at the first one)"
            )));
        }
        match value {
            // Stored as their JSON text (an object) or as 1 (true for an id), served so.
            Value::Struct(_) => Err(StoreError::Seed(format!(
                "{table_name}.{name} is one value, not an object"
            ))),
            Value::Array(_) => Err(StoreError::Seed(format!(
                "{table_name}.{name} is one value, not a list"
            ))),
            Value::Bool(b) if name == "id" || name.ends_with("Id") => Err(StoreError::Seed(
                format!("{table_name}.{name} is an id, not {b}"),
            )),
            // A flag is kept as a number too, but was refused as "a number", and whoever
            // wrote `"true"` was not told to write `true`.
            Value::String(text)
                if numeric
                    && text.trim().parse::<f64>().is_err()
                    && property.is_some_and(|p| p.type_name == "boolean") =>
            {
                Err(StoreError::Seed(format!(
                    "{table_name}.{name} is a boolean (true or false, or 1 or 0), not {text:?}"
                )))
            }
            Value::String(text) if numeric && text.trim().parse::<f64>().is_err() => Err(
                StoreError::Seed(format!("{table_name}.{name} is a number, not {text:?}")),
            ),
            // SQLite keeps 1.5 in an INTEGER column as a REAL: an id naming no row (a
            // subject of 1.5), served as a double on every transport.
            // 1e20 too: past i64, SQLite keeps it as a REAL as well.
            Value::Float(d) if whole && (d.fract() != 0.0 || !(-9.0e18..=9.0e18).contains(d)) => {
                Err(StoreError::Seed(format!(
                    "{table_name}.{name} is a whole number, not {d}"
                )))
            }
            Value::String(text) if whole && text.trim().parse::<i64>().is_err() => {
                Err(StoreError::Seed(format!(
                    "{table_name}.{name} is a whole number, not {text:?}"
                )))
            }
            // Read by SQLite's date functions too, which filters and orders go through: a
            // blank before the date, or an offset past 14:59 (`+23:59`), was stored as
            // given, and the ticket dropped out of every date filter and sorted first.
            Value::String(text)
                if date
                    && !(crate::time::is_stored_date(text) && sqlite_reads_date(conn, text)?) =>
            {
                Err(StoreError::Seed(
                    match crate::time::outside_stored_range(text) {
                        Some(utc) => format!(
                            "{table_name}.{name} {text:?} is {utc}, outside the dates every time \
                         zone writes in the years 0001 to 9999 ({})",
                            crate::time::WRITABLE_RANGE
                        ),
                        None => format!(
                            "{table_name}.{name} is a date with its offset \
                         (2026-11-30T14:05:09-06:00) in the years 0001 to 9999, not {text:?}"
                        ),
                    },
                ))
            }
            // A number or a flag was stored as given and came back as the text "1577836800"
            // or "1" (SOAP typed it `xsd:string`); SQLite's date functions read a number as
            // a Julian day, so filters matched it as some date all the same.
            Value::Int(_) | Value::Float(_) | Value::Bool(_) if date => {
                Err(StoreError::Seed(format!(
                    "{table_name}.{name} is a date with its offset \
                     (2026-11-30T14:05:09-06:00) in the years 0001 to 9999, not {}",
                    serde_json::Value::from(value)
                )))
            }
            // As every build took them (`services::storable_email`): the outbox mailed
            // an address with no `@`, or one with a line break, a header of its own
            // (`a@b.test\r\nBcc: …`). No stricter, so that an older build's export loads.
            Value::String(text)
                if matches!(
                    table_name,
                    "SoftLayer_User_Customer" | "SoftLayer_User_Customer_AdditionalEmail"
                ) && name == "email"
                    && !crate::services::storable_email(text) =>
            {
                Err(StoreError::Seed(format!(
                    "{table_name}.email {} is not an email address",
                    quoted_start(text)
                )))
            }
            _ => Ok(()),
        }?;
        // As `createStandardTicket` and `edit` take them: another number shows as a
        // priority no client can name. SQLite stores 7.0 and "7" as 7, so they are 7 here.
        let stored_whole = match value {
            Value::Int(p) => Some(*p),
            Value::Float(d) => Some(*d as i64),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        };
        match stored_whole {
            // Larger, it went out typed `xsd:long` where the WSDL says `xsd:int`, and an
            // id of 2^63 - 1 left no next id: every create and update on the server then
            // failed.
            Some(n) if int32 && i32::try_from(n).is_err() => Err(StoreError::Seed(format!(
                "{table_name}.{name} {n} is past the API's int (xsd:int, up to {})",
                i32::MAX
            ))),
            Some(p)
                if table_name == "SoftLayer_Ticket"
                    && name == "priority"
                    && !super::TICKET_PRIORITIES.contains(&p) =>
            {
                Err(StoreError::Seed(format!(
                    "{table_name}.priority {p} is no priority: 0 (none) or 1 (critical) \
                     to 4 (minimal impact)"
                )))
            }
            _ => Ok(()),
        }
    })
}

/// `text` quoted for a refusal, named by its start when long (a 4 KB value filled the
/// message).
fn quoted_start(text: &str) -> String {
    let shown: String = text.chars().take(64).collect();
    let more = if shown.len() < text.len() { "…" } else { "" };
    format!("{shown:?}{more}")
}

/// Whether SQLite's date functions read `text` as a date.
fn sqlite_reads_date(conn: &Connection, text: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT julianday(?1) IS NOT NULL")?
        .query_row([text], |r| r.get(0))?)
}

/// What a row of `table_name` names in the catalogue (its status, group, subject,
/// location, time zone…): `(column, catalogue type, id)` for each such column holding a
/// number. The tables keep no foreign keys to the catalogue, so a document naming a
/// status that is not there made a ticket without a status that still counted as open.
pub fn catalogue_references(
    table_name: &str,
    values: &Struct,
) -> Vec<(&'static str, &'static str, i64)> {
    /// Catalogue columns no relation reads by its key: a ticket's employee is shown
    /// through `assignedUser` and the support desk, not a relation of its own, and
    /// SQLite's "FOREIGN KEY constraint failed" was all a document naming none heard.
    const UNRELATED: &[(&str, &str, &str)] = &[(
        "SoftLayer_Ticket",
        "assignedEmployeeId",
        "SoftLayer_User_Employee",
    )];
    let catalogue = super::seed::catalog_sections();
    super::relations::RELATIONS
        .iter()
        .filter(|r| {
            r.owner == table_name && r.is_by_parent_key() && catalogue.iter().any(|c| c == r.target)
        })
        .map(|r| (r.key, r.target))
        .chain(
            UNRELATED
                .iter()
                .filter(|(owner, _, _)| *owner == table_name)
                .map(|&(_, key, target)| (key, target)),
        )
        .filter_map(|(key, target)| Some((key, target, values.get(key)?.as_i64()?)))
        .collect()
}

/// Refuses references (as [`catalogue_references`] finds them) to catalogue rows that
/// are not there.
pub fn check_catalogue_references(
    conn: &Connection,
    table_name: &str,
    references: &[(&str, &str, i64)],
) -> Result<()> {
    for (column, target, id) in references {
        let there = conn
            .prepare_cached(&format!(
                "SELECT 1 FROM {} WHERE id = ?1",
                quote_ident(target)
            ))?
            .exists([id])?;
        if !there {
            return Err(StoreError::Seed(format!(
                "{table_name}.{column} {id} names no {target}"
            )));
        }
    }
    Ok(())
}

/// A link from a ticket's row to an object that must be the ticket's own: its
/// account's user or device, or an update of the ticket itself.
struct OwnLink {
    table: &'static str,
    /// The row's ticket.
    ticket: &'static str,
    column: &'static str,
    target: &'static str,
    /// A condition on the row (`r`) for the link to count.
    applies: &'static str,
    /// True when the linked object (`x`) is not the ticket's (`t`) own.
    foreign: &'static str,
    /// Why such a link is refused, for the message.
    rule: &'static str,
}

const OTHER_ACCOUNT: &str = "x.accountId <> t.accountId";
const ACCOUNT_RULE: &str = "is another account's (an account's tickets link only to its own \
                            users, devices, tags and e-mail addresses)";

/// The ticket a row of `table` belongs to.
fn ticket_of(table: &str) -> &'static str {
    match table {
        "SoftLayer_Ticket" => "r.id",
        "SoftLayer_Tag_Reference" => "r.resourceTableId",
        _ => "r.ticketId",
    }
}

/// The kinds of editor of an update the API writes.
pub const UPDATE_EDITOR_KINDS: &[&str] = &["USER", "EMPLOYEE", "AUTO"];

/// The kinds of editor the API writes, for the columns that name one: the checks of
/// [`own_links`] apply to `USER`, and a `User` (or any other word) passed them by.
const EDITOR_KINDS: &[(&str, &str, &[&str])] = &[
    (
        "SoftLayer_Ticket_Attachment_File",
        "uploaderType",
        &["USER", "EMPLOYEE"],
    ),
    ("SoftLayer_Ticket_Update", "editorType", UPDATE_EDITOR_KINDS),
    ("SoftLayer_Ticket", "lastEditType", UPDATE_EDITOR_KINDS),
    // What `addScheduledAlert` and `addScheduledAutoClose` write; the scheduler ran any
    // other word (`auto_close` too) as an alert.
    (
        "SoftLayer_Ticket_Attachment_Scheduled_Action",
        "kind",
        &["ALERT", "AUTO_CLOSE"],
    ),
    // What the outbox records (`emulator::outbox::Event`): a mail of another event could
    // never be listed by its event (`?event=` refuses the word).
    ("emulator_outbox", "event", OUTBOX_EVENTS),
];

/// The events the outbox records mail for, as `emulator::outbox::Event::name` writes them.
pub const OUTBOX_EVENTS: &[&str] = &[
    "TICKET_CREATED",
    "CUSTOMER_UPDATE",
    "EMPLOYEE_UPDATE",
    "TICKET_CLOSED",
    "SCHEDULED_ALERT",
];

/// The links of a ticket's rows that the API only ever makes to the ticket's own
/// objects. Its reads trust them: a document that makes another (an import written by
/// hand) would show one account's users, devices or update text to another.
fn own_links() -> impl Iterator<Item = OwnLink> {
    let account = |table, column, target, applies| OwnLink {
        table,
        ticket: ticket_of(table),
        column,
        target,
        applies,
        foreign: OTHER_ACCOUNT,
        rule: ACCOUNT_RULE,
    };
    let users = [
        account(
            "SoftLayer_Ticket",
            "assignedUserId",
            "SoftLayer_User_Customer",
            "1",
        ),
        account(
            "SoftLayer_Ticket_Update",
            "editorId",
            "SoftLayer_User_Customer",
            "r.editorType = 'USER'",
        ),
        account(
            "SoftLayer_Ticket",
            "lastEditorId",
            "SoftLayer_User_Customer",
            "coalesce(r.lastEditType, 'USER') = 'USER'",
        ),
        account(
            "SoftLayer_Ticket_Attachment_Assigned_Agent",
            "assignedAgentId",
            "SoftLayer_User_Customer",
            "1",
        ),
        account(
            "SoftLayer_Ticket_Attachment_File",
            "uploaderId",
            "SoftLayer_User_Customer",
            "coalesce(r.uploaderType, 'USER') = 'USER'",
        ),
    ];
    let devices = DEVICE_KINDS
        .iter()
        .map(move |k| account(k.link_type, k.link_column, k.device_type, "1"));
    // Tags of ticket tag references (type 9) and a ticket's additional e-mail addresses
    // (its own users', through the user): made by hand across accounts, the customer
    // read another account's user through a tag's references, and support's replies
    // were mailed to another account's address.
    let tags = [
        account(
            "SoftLayer_Tag_Reference",
            "usrRecordId",
            "SoftLayer_User_Customer",
            "r.tagTypeId = 9",
        ),
        account(
            "SoftLayer_Tag_Reference",
            "tagId",
            "SoftLayer_Tag",
            "r.tagTypeId = 9",
        ),
        OwnLink {
            foreign: "(SELECT u.accountId FROM SoftLayer_User_Customer u WHERE u.id = x.userId) \
                      IS NOT t.accountId",
            ..account(
                "emulator_ticket_additional_email",
                "additionalEmailId",
                "SoftLayer_User_Customer_AdditionalEmail",
                "1",
            )
        },
    ];
    // Employees are no account's: their links only need to name one. An `EMPLOYEE`
    // update by no employee was shown with no editor.
    let employee = |table, column, applies| OwnLink {
        foreign: "0",
        ..account(table, column, "SoftLayer_User_Employee", applies)
    };
    let employees = [
        employee(
            "SoftLayer_Ticket_Update",
            "editorId",
            "r.editorType = 'EMPLOYEE'",
        ),
        employee(
            "SoftLayer_Ticket",
            "lastEditorId",
            "r.lastEditType = 'EMPLOYEE'",
        ),
        employee(
            "SoftLayer_Ticket_Attachment_File",
            "uploaderId",
            "r.uploaderType = 'EMPLOYEE'",
        ),
    ];
    let update = |table, column, rule| OwnLink {
        table,
        ticket: ticket_of(table),
        column,
        target: "SoftLayer_Ticket_Update",
        applies: "1",
        foreign: "x.ticketId <> t.id",
        rule,
    };
    // What the outbox and the "new updates" flag read by account and by user: a mail
    // filed under one account about another's ticket was listed by `outbox?account=` to
    // the wrong account and removed with the other account's delete.
    let views_and_mail = [
        update(
            "SoftLayer_Ticket_Attachment_File",
            "updateId",
            "is another ticket's (a file is attached to an update of its own ticket)",
        ),
        account(
            "emulator_ticket_view",
            "userId",
            "SoftLayer_User_Customer",
            "1",
        ),
        update(
            "emulator_ticket_view",
            "lastViewedUpdateId",
            "is another ticket's (a view records the last update of its own ticket)",
        ),
        OwnLink {
            foreign: "x.id <> t.accountId",
            rule: "is not its ticket's account (a mail is filed under its ticket's account)",
            ..account(
                "emulator_outbox",
                "accountId",
                "SoftLayer_Account",
                "r.ticketId IS NOT NULL",
            )
        },
    ];
    users
        .into_iter()
        .chain(devices)
        .chain(tags)
        .chain(employees)
        .chain(views_and_mail)
}

/// Refuses a row of a document's section `key` (inserted with `id`) that the API could
/// not have made: one linking to an object that is not its own ticket's ([`own_links`]),
/// or a file whose `fileSize` is not the size of its content (which the API always
/// writes from the content, and clients show beside the file).
pub fn check_inserted_row(conn: &Connection, key: &str, id: i64) -> Result<()> {
    let table_name = document_table(key)?;
    // A mail's recipients are a JSON list of addresses, which the outbox's `to=` reads
    // with SQLite's JSON functions: other text made every such query a 500 ("malformed
    // JSON"), and was listed as no recipient at all.
    if table_name == "emulator_outbox" {
        let recipients: Option<String> = conn
            .prepare_cached(
                "SELECT recipients FROM emulator_outbox WHERE id = ?1 AND NOT ( \
                 json_valid(recipients) AND json_type(recipients) = 'array' AND NOT EXISTS ( \
                 SELECT 1 FROM json_each(recipients) WHERE type <> 'text'))",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(given) = recipients {
            return Err(StoreError::Seed(format!(
                "emulator_outbox {id}: recipients {} is not a JSON list of addresses \
                 ([\"a@example.test\"])",
                quoted_start(&given)
            )));
        }
        // Filed under no account, a ticket's mail was listed by no `outbox?account=`
        // (a wrong account is refused by `own_links`).
        let unfiled: Option<i64> = conn
            .prepare_cached(
                "SELECT t.accountId FROM emulator_outbox o JOIN SoftLayer_Ticket t \
                 ON t.id = o.ticketId WHERE o.id = ?1 AND o.accountId IS NULL",
            )?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(account) = unfiled {
            return Err(StoreError::Seed(format!(
                "emulator_outbox {id}: accountId null is not its ticket's account ({account}: \
                 a mail is filed under its ticket's account)"
            )));
        }
    }
    if table_name == "SoftLayer_Ticket_Attachment_File" {
        let sizes: Option<(String, i64)> = conn
            .prepare_cached(
                "SELECT fileSize, length(content) FROM SoftLayer_Ticket_Attachment_File \
                 WHERE id = ?1 AND fileSize IS NOT CAST(length(content) AS TEXT)",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((given, size)) = sizes {
            return Err(StoreError::Seed(format!(
                "SoftLayer_Ticket_Attachment_File {id}: fileSize {given:?} is not the size \
                 of its content ({size} bytes)"
            )));
        }
    }
    if table_name == "SoftLayer_Tag_Reference" {
        let kind: i64 = conn
            .prepare_cached("SELECT tagTypeId FROM SoftLayer_Tag_Reference WHERE rowid = ?1")?
            .query_row([id], |r| r.get(0))?;
        // Only tickets' references are read; another type's was kept and never shown.
        if kind != super::TICKET_TAG_TYPE {
            return Err(StoreError::Seed(format!(
                "SoftLayer_Tag_Reference {id}: tagTypeId {kind} is not tickets' \
                 ({}), the only kind of tag reference kept",
                super::TICKET_TAG_TYPE
            )));
        }
    }
    check_parent_keys(conn, table_name, id)?;
    for (table, column, kinds) in EDITOR_KINDS.iter().filter(|k| k.0 == table_name) {
        let kind: rusqlite::types::Value = conn
            .prepare_cached(&format!("SELECT {column} FROM {table} WHERE rowid = ?1"))?
            .query_row([id], |r| r.get(0))?;
        let shown = match kind {
            rusqlite::types::Value::Null => continue,
            rusqlite::types::Value::Text(k) if kinds.contains(&k.as_str()) => continue,
            other => shown_value(other),
        };
        return Err(StoreError::Seed(format!(
            "{table} {id}: {column} {shown} is none of {}",
            kinds.join(", ")
        )));
    }
    for link in own_links().filter(|l| l.table == table_name) {
        let OwnLink {
            table,
            ticket,
            column,
            target,
            applies,
            foreign,
            rule,
        } = link;
        // `rowid`: a link table has no id of its own.
        let sql = format!(
            "SELECT x.id FROM {table} r JOIN SoftLayer_Ticket t ON t.id = {ticket} \
             JOIN {target} x ON x.id = r.{column} \
             WHERE r.rowid = ?1 AND {applies} AND {foreign}"
        );
        let other: Option<i64> = conn
            .prepare_cached(&sql)?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(other) = other {
            return Err(StoreError::Seed(format!(
                "{table} {id}: {column} {other} {rule}"
            )));
        }
        // A link to nothing passed the join above: a tag reference to a ticket not there
        // yet was taken, and the account a later import gave that ticket id read the
        // first account's tag and removed its reference with `setTags`.
        let sql = format!(
            "SELECT r.{column}, {ticket} FROM {table} r \
             WHERE r.rowid = ?1 AND {applies} AND r.{column} IS NOT NULL AND ( \
             NOT EXISTS (SELECT 1 FROM SoftLayer_Ticket t WHERE t.id = {ticket}) \
             OR NOT EXISTS (SELECT 1 FROM {target} x WHERE x.id = r.{column}))"
        );
        // The link as stored: a file's `uploaderId` is text, as SLDN types it.
        let dangling: Option<(rusqlite::types::Value, i64)> = conn
            .prepare_cached(&sql)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((named, ticket_id)) = dangling {
            return Err(StoreError::Seed(format!(
                "{table} {id}: {column} {} of ticket {ticket_id}: the document and the \
                 database hold no such {target}, or no such SoftLayer_Ticket",
                shown_value(named)
            )));
        }
    }
    Ok(())
}

/// A stored value as a refusal names it: a number as it is, text quoted.
fn shown_value(value: rusqlite::types::Value) -> String {
    match value {
        rusqlite::types::Value::Integer(n) => n.to_string(),
        rusqlite::types::Value::Text(t) => format!("{t:?}"),
        other => format!("{other:?}"),
    }
}

/// Refuses a row whose foreign key names a parent that neither the document nor the
/// database holds. SQLite checks them only at commit, where "FOREIGN KEY constraint
/// failed" named neither the row nor the parent.
fn check_parent_keys(conn: &Connection, table_name: &str, rowid: i64) -> Result<()> {
    let keys: Vec<(String, String, Option<String>)> = conn
        .prepare_cached(r#"SELECT "from", "table", "to" FROM pragma_foreign_key_list(?1)"#)?
        .query_map([table_name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (column, parent, parent_column) in keys {
        // No parent column: the parent's primary key, its rowid in these tables.
        let parent_column = parent_column.unwrap_or_else(|| "rowid".into());
        let sql = format!(
            "SELECT r.{column} FROM {table_name} r \
             WHERE r.rowid = ?1 AND r.{column} IS NOT NULL AND NOT EXISTS ( \
             SELECT 1 FROM {parent} p WHERE p.{parent_column} = r.{column})",
            column = quote_ident(&column),
            table_name = quote_ident(table_name),
            parent = quote_ident(&parent),
            parent_column = quote_ident(&parent_column),
        );
        let missing: Option<rusqlite::types::Value> = conn
            .prepare_cached(&sql)?
            .query_row([rowid], |r| r.get(0))
            .optional()?;
        if let Some(missing) = missing {
            let missing = shown_value(missing);
            return Err(StoreError::Seed(format!(
                "{table_name} {rowid}: {column} {missing} names no {parent} the document or \
                 the database holds"
            )));
        }
    }
    Ok(())
}

/// Inserts one row of a document's section (`credentials` or a table name); base64 text
/// in a BLOB column becomes the bytes it stands for.
pub fn insert_document_row(conn: &Connection, key: &str, mut values: Struct) -> Result<i64> {
    let table_name = document_table(key)?;
    check_document_fields(conn, table_name, values.iter())?;
    for column in blob_columns(conn, table_name)? {
        if let Some(Value::String(text)) = values.get(&column) {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|e| StoreError::Seed(format!("{table_name}.{column}: not base64: {e}")))?;
            values.insert(column, Value::Base64(bytes));
        }
    }
    insert(conn, table_name, &values)
}

/// Loads a document in the seed format (an export) into the live database, in the
/// caller's transaction; how many objects it inserted. Ids are kept as they are, so a
/// document whose ids are taken is refused whole.
pub fn import(
    conn: &Connection,
    doc: &serde_json::Value,
) -> std::result::Result<usize, ImportError> {
    let Some(sections) = doc.as_object() else {
        return Err(ImportError::Invalid(
            "an import is a JSON object in the seed format".into(),
        ));
    };
    // Parents and children may come in any order; the keys are checked at commit.
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")
        .map_err(StoreError::from)?;
    // The tables an export writes: a full-text index's own tables (kept by triggers) took
    // rows too, and a row put there by hand is one no search reads right.
    let importable: BTreeSet<String> = data_tables(conn)?.into_iter().map(|(n, _)| n).collect();
    let mut count = 0;
    // Checked once every row is in: the document may bring catalogue rows of its own.
    let mut references = Vec::new();
    // Checked once every row is in, as the references are.
    let mut inserted = Vec::new();
    for (key, rows) in sections {
        let Some(rows) = rows.as_array() else {
            return Err(ImportError::Invalid(format!("{key} must be an array")));
        };
        if BOOKKEEPING.contains(&key.as_str()) {
            continue;
        }
        // Named even when its list is empty: a misspelt section is a mistake either way.
        // A type the schema knows but no table keeps (a container) is no section either.
        let table_name = document_table(key).map_err(invalid_document)?;
        if !importable.contains(table_name) {
            return Err(ImportError::Invalid(format!(
                "unknown type {key}: no table keeps it"
            )));
        }
        let catalogue = super::seed::catalog_sections().contains(key);
        let shared = OWNED_BY_REFERRER.contains(&table_name);
        for row in rows {
            let Value::Struct(values) = Value::from(row) else {
                return Err(ImportError::Invalid(format!("{key} holds objects")));
            };
            // The catalogue is in every database, even one reset empty, and a whole export
            // holds it: a catalogue row already stored exactly so is no clash. So is a
            // transaction two accounts' actions share, which each one's export carries.
            if (catalogue || shared) && stored_as_exported(conn, key, row)?.as_ref() == Some(row) {
                continue;
            }
            let named = catalogue_references(key, &values);
            if !named.is_empty() {
                references.push((key.as_str(), named));
            }
            let id = insert_document_row(conn, key, values).map_err(|e| match e {
                // A field left out that the table needs, or a value of the wrong kind: the
                // document's fault, not a clash with what the database holds.
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_NOTNULL
                        || f.code == rusqlite::ErrorCode::TypeMismatch =>
                {
                    ImportError::Invalid(format!(
                        "{key}: {}",
                        msg.unwrap_or_else(|| "a value is missing or of the wrong kind".into())
                    ))
                }
                StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    // Only a clash on the id is one with an object already there: a new
                    // file named as one its ticket has was asked about its id.
                    let hint = if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY {
                        "is an object with this id already there?"
                    } else {
                        "another object already has these values"
                    };
                    ImportError::Conflict(format!(
                        "{key}: {} ({hint})",
                        msg.unwrap_or_else(|| "a constraint failed".into())
                    ))
                }
                other => invalid_document(other),
            })?;
            inserted.push((key.as_str(), id));
            count += 1;
        }
    }
    for (key, id) in inserted {
        check_inserted_row(conn, key, id).map_err(invalid_document)?;
        if document_table(key)? == "SoftLayer_Ticket"
            && !super::state_follows_awaiting_flag(conn, id)?
        {
            return Err(ImportError::Invalid(format!(
                "SoftLayer_Ticket {id}: {}",
                super::CLOSED_AND_AWAITING
            )));
        }
    }
    for (key, named) in references {
        check_catalogue_references(conn, key, &named).map_err(invalid_document)?;
    }
    Ok(count)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A document the store refused for what it holds (`StoreError::Seed`) is the caller's
/// mistake; anything else is the store's.
fn invalid_document(e: StoreError) -> ImportError {
    match e {
        StoreError::Seed(m) => ImportError::Invalid(m),
        other => ImportError::Store(other),
    }
}
