//! The notification outbox: the e-mails SoftLayer would send on ticket events (a new
//! ticket, an update by the customer or by an employee, a closed ticket, a scheduled
//! alert coming due), captured
//! instead of sent, as LocalStack's SES outbox captures mail. Each goes to the ticket's
//! owner (its assigned user, while active) and its additional notification e-mails, as
//! SLDN's `addUpdate` says, and is written in the transaction of its event. Updates and
//! closes are mailed only while the ticket's `notifyUserOnUpdateFlag` is set.
//!
//! `GET /_emulator/outbox?ticket=&to=&account=&event=` lists them in the order sent as
//! `{"messages": [{id, ticketId, accountId, event, createDate, from, to: [...], subject,
//! body}]}`; `DELETE /_emulator/outbox[?ticket=]` clears them.

use crate::store::harness::{self, OutboxMessage, OutboxQuery};
use crate::store::{self, Row, StoreError};
use crate::value::Value;
use rusqlite::Connection;

/// The address the messages come from.
pub const SENDER: &str = "IBM Cloud Support <no-reply@support.softlayer.com>";

/// A ticket event that notifies people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    TicketCreated,
    /// The customer's own `addUpdate` (or `edit` with contents): SLDN's addUpdate page
    /// says it "emails the ticket's owner and additional email addresses".
    CustomerUpdate,
    EmployeeUpdate,
    TicketClosed,
    ScheduledAlert,
}

impl Event {
    pub const ALL: [Event; 5] = [
        Event::TicketCreated,
        Event::CustomerUpdate,
        Event::EmployeeUpdate,
        Event::TicketClosed,
        Event::ScheduledAlert,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Event::TicketCreated => "TICKET_CREATED",
            Event::CustomerUpdate => "CUSTOMER_UPDATE",
            Event::EmployeeUpdate => "EMPLOYEE_UPDATE",
            Event::TicketClosed => "TICKET_CLOSED",
            Event::ScheduledAlert => "SCHEDULED_ALERT",
        }
    }
}

/// Who hears about a ticket: SLDN's `addUpdate` mails "the ticket's owner and additional
/// email addresses". The owner is the assigned user, while active; the other users of the
/// account are not mailed. Each address once.
fn recipients(conn: &Connection, ticket: &Row) -> Result<Vec<String>, StoreError> {
    let mut to = match ticket.get_i64("assignedUserId") {
        Some(user) => harness::active_user_email(conn, user)?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    if let Some(id) = ticket.id() {
        to.extend(
            store::ticket_additional_emails(conn, id)?
                .into_iter()
                .map(|(_, e)| e),
        );
    }
    let mut seen = std::collections::HashSet::new();
    to.retain(|e| seen.insert(crate::services::email_key(e)));
    Ok(to)
}

/// Records the e-mail for `event` on `ticket_id`; `detail` is the update's text for an
/// update. Nothing is recorded when nobody would receive it.
pub fn ticket_event(
    conn: &Connection,
    ticket_id: i64,
    event: Event,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    match store::get(conn, "SoftLayer_Ticket", ticket_id)? {
        Some(ticket) => ticket_row_event(conn, &ticket, event, detail),
        None => Ok(()),
    }
}

/// [`ticket_event`] for a ticket whose current row the caller holds.
pub fn ticket_row_event(
    conn: &Connection,
    ticket: &Row,
    event: Event,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    let ticket_id = ticket.id().unwrap_or_default();
    // SLDN's addUpdate mails the owner and the additional addresses only "if the
    // ticket's notifyUserOnUpdateFlag is set"; a close is an update too. A missing flag
    // (NULL) notifies, as new tickets default to it.
    let is_update = matches!(
        event,
        Event::CustomerUpdate | Event::EmployeeUpdate | Event::TicketClosed
    );
    if is_update && ticket.get_i64("notifyUserOnUpdateFlag") == Some(0) {
        return Ok(());
    }
    let to = recipients(conn, ticket)?;
    if to.is_empty() {
        return Ok(());
    }
    let title = ticket.get_str("title").unwrap_or("(no title)");
    let reference = ticket
        .get_str("serviceProviderResourceId")
        .map(str::to_string)
        .unwrap_or_else(|| ticket_id.to_string());
    let (subject, mut body) = match event {
        Event::TicketCreated => (
            format!("New ticket {ticket_id} ({reference}): {title}"),
            format!(
                "A new support ticket was opened on your account.\n\nTicket {ticket_id}: {title}\n"
            ),
        ),
        Event::CustomerUpdate => (
            format!("Ticket {ticket_id} ({reference}) was updated: {title}"),
            format!(
                "Ticket {ticket_id}: {title} was updated on your account.\n\n{}\n",
                detail.unwrap_or_default()
            ),
        ),
        Event::EmployeeUpdate => (
            format!("Ticket {ticket_id} ({reference}) was updated: {title}"),
            format!(
                "Support updated ticket {ticket_id}: {title}\n\n{}\n",
                detail.unwrap_or_default()
            ),
        ),
        Event::TicketClosed => (
            format!("Ticket {ticket_id} ({reference}) was closed: {title}"),
            format!("Ticket {ticket_id}: {title} is now closed.\n"),
        ),
        Event::ScheduledAlert => (
            format!("Reminder for ticket {ticket_id} ({reference}): {title}"),
            format!("This is the alert scheduled on ticket {ticket_id}: {title}\n"),
        ),
    };
    body.push_str(&format!(
        "\nView the ticket: https://cloud.ibm.com/unifiedsupport/cases?number={reference}\n"
    ));
    // A header field holds no line break (RFC 5322 §2.2): a title's CR LF put a line of
    // its own (`Bcc: …`) into the subject. Each run of them is one space, as folding
    // and unfolding would leave it.
    let subject = subject
        .split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    harness::outbox_insert(
        conn,
        &OutboxMessage {
            account_id: ticket.get_i64("accountId"),
            ticket_id: Some(ticket_id),
            event: event.name().to_string(),
            create_date: crate::services::now(),
            sender: SENDER.to_string(),
            recipients: to,
            subject,
            body,
        },
    )?;
    Ok(())
}

/// A stored message as the control API shows it.
pub fn message_json(row: &Row) -> serde_json::Value {
    let to: serde_json::Value = row
        .get_str("recipients")
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| serde_json::json!([]));
    let text = |k: &str| row.get_str(k).map(str::to_string);
    let date = match row.values.get("createDate") {
        Some(Value::String(s)) | Some(Value::DateTime(s)) => Some(s.clone()),
        _ => None,
    };
    serde_json::json!({
        "id": row.id(),
        "ticketId": row.get_i64("ticketId"),
        "accountId": row.get_i64("accountId"),
        "event": text("event"),
        "createDate": date,
        "from": text("sender"),
        "to": to,
        "subject": text("subject"),
        "body": text("body"),
    })
}

pub fn list(conn: &Connection, q: &OutboxQuery) -> Result<serde_json::Value, StoreError> {
    let (rows, total) = harness::outbox_list(conn, q)?;
    Ok(serde_json::json!({
        "messages": rows.iter().map(message_json).collect::<Vec<_>>(),
        "total": total,
    }))
}

#[cfg(test)]
mod tests {
    /// An import refuses other events than these; the two lists are one.
    #[test]
    fn an_import_takes_every_event_the_outbox_records() {
        let names: Vec<&str> = super::Event::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(names, crate::store::dump::OUTBOX_EVENTS);
    }
}
