//! The SQL of the test-harness features that are not SoftLayer's: the notification
//! outbox, and the scheduled actions whose time has come on the emulator's clock.

use super::{Result, Row, query_rows};
use crate::value::Value;
use rusqlite::{Connection, OptionalExtension};

/// One e-mail for the outbox.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub account_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub event: String,
    pub create_date: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
}

pub fn outbox_insert(conn: &Connection, m: &OutboxMessage) -> Result<i64> {
    // The id above every one the table ever held (migrations/0017).
    let id = super::next_id(conn, "emulator_outbox", 1)?;
    conn.prepare_cached(
        "INSERT INTO emulator_outbox (id, accountId, ticketId, event, createDate, sender, recipients, subject, body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(rusqlite::params![
        id,
        m.account_id,
        m.ticket_id,
        m.event,
        m.create_date,
        m.sender,
        serde_json::Value::from(m.recipients.clone()).to_string(),
        m.subject,
        m.body,
    ])?;
    Ok(id)
}

/// What an outbox read selects; every part optional.
#[derive(Debug, Default, Clone)]
pub struct OutboxQuery {
    pub ticket_id: Option<i64>,
    pub account_id: Option<i64>,
    /// A recipient address (case-insensitive, exact).
    pub to: Option<String>,
    pub event: Option<String>,
    /// A page of them (`limit`, from `offset`), rather than all: a console showing 18,000
    /// mails drew them all on every change.
    pub page: Option<(u64, u64)>,
}

/// The messages matching `q` (the page of them it asks for), in the order they were
/// sent, and how many match in all.
pub fn outbox_list(conn: &Connection, q: &OutboxQuery) -> Result<(Vec<Row>, u64)> {
    let mut sql = String::from("SELECT * FROM emulator_outbox o WHERE 1 = 1");
    let mut params = Vec::new();
    if let Some(t) = q.ticket_id {
        params.push(Value::Int(t));
        sql.push_str(&format!(" AND o.ticketId = ?{}", params.len()));
    }
    if let Some(a) = q.account_id {
        params.push(Value::Int(a));
        sql.push_str(&format!(" AND o.accountId = ?{}", params.len()));
    }
    if let Some(e) = &q.event {
        params.push(Value::String(e.clone()));
        sql.push_str(&format!(" AND o.event = ?{} COLLATE NOCASE", params.len()));
    }
    if let Some(to) = &q.to {
        // Compared as addresses are everywhere (`services::email_key`): `COLLATE
        // NOCASE` folds ASCII alone, so `Ünï@…` was not found as `ünï@…`.
        params.push(Value::String(crate::services::email_key(to)));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM json_each(o.recipients) r WHERE sl_email_key(r.value) = ?{})",
            params.len()
        ));
    }
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM ({sql})"),
        rusqlite::params_from_iter(params.iter().map(super::Param)),
        |r| r.get(0),
    )?;
    sql.push_str(" ORDER BY o.id");
    if let Some((limit, offset)) = q.page {
        sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    Ok((
        query_rows(conn, "emulator_outbox", &sql, &params)?,
        total as u64,
    ))
}

/// Empties the outbox (or one ticket's part of it); how many messages went.
pub fn outbox_clear(conn: &Connection, ticket_id: Option<i64>) -> Result<usize> {
    Ok(match ticket_id {
        Some(t) => conn.execute("DELETE FROM emulator_outbox WHERE ticketId = ?1", [t])?,
        None => conn.execute("DELETE FROM emulator_outbox", [])?,
    })
}

/// The ticket whose case number (`serviceProviderResourceId`) is `case_number`, any case.
pub fn ticket_with_case_number(conn: &Connection, case_number: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM SoftLayer_Ticket WHERE serviceProviderResourceId = ?1 COLLATE NOCASE \
         ORDER BY id LIMIT 1",
    )?;
    Ok(stmt.query_row([case_number], |r| r.get(0)).optional()?)
}

/// The e-mail address of a user, if the user is active and has one.
pub fn active_user_email(conn: &Connection, user_id: i64) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT email FROM SoftLayer_User_Customer WHERE id = ?1 AND email IS NOT NULL \
         AND email <> '' AND coalesce(userStatusId, 1001) = 1001",
    )?;
    Ok(stmt.query_row([user_id], |r| r.get(0)).optional()?)
}

/// Scheduled actions (alerts, auto-closes) whose run date the emulator's clock has
/// reached, oldest first; at the same time an alert before an auto-close (its reminder
/// goes out, then the close), whichever was scheduled first.
pub fn due_scheduled_actions(conn: &Connection, limit: usize) -> Result<Vec<Row>> {
    query_rows(
        conn,
        "SoftLayer_Ticket_Attachment_Scheduled_Action",
        "SELECT * FROM SoftLayer_Ticket_Attachment_Scheduled_Action \
         WHERE julianday(runDate) <= julianday(emulator_now()) \
         ORDER BY julianday(runDate), kind = 'AUTO_CLOSE', id LIMIT ?1",
        &[Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))],
    )
}

/// Removes a scheduled action (run, or unscheduled by the API), with its transaction
/// unless another action still names it.
pub fn remove_scheduled_action(conn: &Connection, action: &Row) -> Result<()> {
    if let Some(id) = action.id() {
        conn.execute(
            "DELETE FROM SoftLayer_Ticket_Attachment_Scheduled_Action WHERE id = ?1",
            [id],
        )?;
    }
    // An import may give two actions one transaction: it goes with the last of them (its
    // delete, while another still named it, failed the foreign key and the whole batch).
    if let Some(t) = action.get_i64("transactionId") {
        conn.execute(
            "DELETE FROM SoftLayer_Provisioning_Version1_Transaction WHERE id = ?1 \
             AND NOT EXISTS (SELECT 1 FROM SoftLayer_Ticket_Attachment_Scheduled_Action \
             WHERE transactionId = ?1)",
            [t],
        )?;
    }
    Ok(())
}
