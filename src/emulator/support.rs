//! The support desk's actions on a ticket, each one write transaction.

use super::outbox::{self, Event};
use crate::services::now;
use crate::services::ticket::updates::{EMPLOYEE_EDIT, Editor, append, stamp_edit};
use crate::services::ticket::{STATE_AWAITING_CUSTOMER, STATUS_CLOSED, STATUS_OPEN};
use crate::store::{self, Row, StoreError};
use crate::value::{PhpTrim, Struct, Value};
use rusqlite::Connection;

pub use crate::store::ticket_status::ASSIGNED as STATUS_ASSIGNED;

#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error("ticket {0} does not exist")]
    NoTicket(i64),
    #[error("no employee '{0}'; list them with GET /_emulator/employees")]
    NoEmployee(String),
    /// The group named, and the names of those there are (the desk has no list of them).
    #[error("no ticket group '{0}'; the groups are {1} (by name or id)")]
    NoGroup(String, String),
    /// An action that conflicts with the ticket as it is (a reply to a closed ticket).
    #[error("{0}")]
    Invalid(String),
    /// Text the API itself would refuse: stored, it would read back differently per
    /// transport.
    #[error("the entry holds U+{0:04X}, {not_carried}", not_carried = crate::protocol::xml::NOT_CARRIED)]
    ForbiddenCharacter(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An employee by id or username.
#[derive(Debug, Clone, PartialEq)]
pub enum EmployeeRef {
    Id(i64),
    Username(String),
}

impl EmployeeRef {
    pub fn parse(text: &str) -> EmployeeRef {
        match text.trim().parse() {
            Ok(id) => EmployeeRef::Id(id),
            Err(_) => EmployeeRef::Username(text.trim().to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SupportAction {
    /// An update written by an employee; then the ticket waits on the customer (`true`),
    /// no longer does (`false`), or is left as it was (`None`).
    Reply {
        employee: EmployeeRef,
        entry: String,
        awaiting_user_response: Option<bool>,
    },
    /// An employee takes the ticket: status Assigned.
    Assign {
        employee: EmployeeRef,
    },
    /// The ticket moves to another department (group id or name).
    MoveToGroup {
        group: String,
    },
    Close,
    Reopen,
    SetAwaitingUserResponse {
        value: bool,
    },
}

fn columns<const N: usize>(pairs: [(&str, Value); N]) -> Struct {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// `pairs` as an employee's edit at `when`, by `editor` when the action names one.
fn edited_by_support<const N: usize>(
    pairs: [(&str, Value); N],
    when: &str,
    editor: Option<i64>,
) -> Struct {
    let mut changes = columns(pairs);
    stamp_edit(&mut changes, when, EMPLOYEE_EDIT, editor);
    changes
}

fn employee(conn: &Connection, who: &EmployeeRef) -> Result<Row, SupportError> {
    let found = match who {
        EmployeeRef::Id(id) => store::get(conn, "SoftLayer_User_Employee", *id)?,
        EmployeeRef::Username(name) => store::find(
            conn,
            "SoftLayer_User_Employee",
            &columns([("username", Value::from(name.as_str()))]),
        )?
        .into_iter()
        .next(),
    };
    found.ok_or_else(|| {
        SupportError::NoEmployee(match who {
            EmployeeRef::Id(id) => id.to_string(),
            EmployeeRef::Username(n) => crate::call::quoted_name(n).into_owned(),
        })
    })
}

fn set_awaiting(conn: &Connection, ticket: i64, value: bool) -> Result<(), SupportError> {
    store::update(
        conn,
        "SoftLayer_Ticket",
        ticket,
        &columns([("awaitingUserResponse", Value::Int(value as i64))]),
    )?;
    store::set_ticket_state(conn, ticket, STATE_AWAITING_CUSTOMER, value)?;
    Ok(())
}

/// Applies one action and returns the ticket as it is afterwards.
pub fn apply(
    conn: &Connection,
    ticket_id: i64,
    action: &SupportAction,
) -> Result<Row, SupportError> {
    let ticket = store::get(conn, "SoftLayer_Ticket", ticket_id)?
        .ok_or(SupportError::NoTicket(ticket_id))?;
    let when = now();
    // The employee on the ticket makes the edits an action names no employee for.
    let on_it = ticket.get_i64("assignedEmployeeId");
    match action {
        SupportAction::Reply {
            employee: who,
            entry,
            awaiting_user_response,
        } => {
            if entry.php_trim().is_empty() {
                return Err(SupportError::Invalid("a reply needs an entry".into()));
            }
            // Refused as every transport of the API refuses it (REST included): XML
            // replies would write it as U+FFFD, JSON replies as itself.
            if let Some((_, c)) = crate::protocol::xml::forbidden_character(entry) {
                return Err(SupportError::ForbiddenCharacter(u32::from(c)));
            }
            if ticket.get_i64("statusId") == Some(STATUS_CLOSED) {
                return Err(SupportError::Invalid(format!(
                    "ticket {ticket_id} is closed; reopen it first"
                )));
            }
            let e = employee(conn, who)?;
            append(
                conn,
                ticket_id,
                None,
                entry,
                &when,
                Editor::Employee(e.id().unwrap_or_default()),
            )?;
            // A `false` given clears it: read only when true, it was accepted and did
            // nothing, and the ticket still waited on the customer.
            if let Some(value) = *awaiting_user_response {
                set_awaiting(conn, ticket_id, value)?;
            }
            outbox::ticket_event(conn, ticket_id, Event::EmployeeUpdate, Some(entry))?;
        }
        SupportAction::Assign { employee: who } => {
            let e = employee(conn, who)?;
            let mut changes = edited_by_support(
                [("assignedEmployeeId", Value::Int(e.id().unwrap_or_default()))],
                &when,
                e.id(),
            );
            if ticket.get_i64("statusId") != Some(STATUS_CLOSED) {
                changes.insert("statusId".into(), Value::Int(STATUS_ASSIGNED));
            }
            store::update(conn, "SoftLayer_Ticket", ticket_id, &changes)?;
        }
        SupportAction::MoveToGroup { group } => {
            // By id, by name, or by name in any case ("storage" was no group).
            let groups = store::find(conn, "SoftLayer_Ticket_Group", &Struct::new())?;
            let name_of = |g: &Row| g.get_str("name").unwrap_or_default().to_string();
            let wanted = group.trim();
            let found = match wanted.parse::<i64>() {
                Ok(id) => groups.iter().find(|g| g.id() == Some(id)),
                Err(_) => groups.iter().find(|g| name_of(g) == wanted).or_else(|| {
                    groups
                        .iter()
                        .find(|g| name_of(g).eq_ignore_ascii_case(wanted))
                }),
            };
            let g = found.ok_or_else(|| {
                let names: Vec<String> = groups.iter().map(name_of).collect();
                SupportError::NoGroup(
                    crate::call::quoted_name(group).into_owned(),
                    names.join(", "),
                )
            })?;
            let changes = edited_by_support(
                [("groupId", Value::Int(g.id().unwrap_or_default()))],
                &when,
                on_it,
            );
            store::update(conn, "SoftLayer_Ticket", ticket_id, &changes)?;
        }
        // A closed ticket stays as it was closed: stamping its close date again would
        // put an old ticket back among those closed today, and mail nobody anything new.
        SupportAction::Close if ticket.get_i64("statusId") == Some(STATUS_CLOSED) => {}
        SupportAction::Close => {
            let changes = edited_by_support(
                [
                    ("statusId", Value::Int(STATUS_CLOSED)),
                    ("closeDate", Value::DateTime(when.clone())),
                ],
                &when,
                on_it,
            );
            store::update(conn, "SoftLayer_Ticket", ticket_id, &changes)?;
            set_awaiting(conn, ticket_id, false)?;
            outbox::ticket_event(conn, ticket_id, Event::TicketClosed, None)?;
        }
        // An open ticket stays as it is, as a closed one does on `close`: nothing changed.
        SupportAction::Reopen if ticket.get_i64("statusId") != Some(STATUS_CLOSED) => {}
        SupportAction::Reopen => {
            let status = if on_it.is_some() {
                STATUS_ASSIGNED
            } else {
                STATUS_OPEN
            };
            let changes = edited_by_support(
                [("statusId", Value::Int(status)), ("closeDate", Value::Null)],
                &when,
                on_it,
            );
            store::update(conn, "SoftLayer_Ticket", ticket_id, &changes)?;
        }
        SupportAction::SetAwaitingUserResponse { value } => {
            // The customer could never answer it: a closed ticket takes no update (and
            // closing clears the flag).
            if *value && ticket.get_i64("statusId") == Some(STATUS_CLOSED) {
                return Err(SupportError::Invalid(format!(
                    "ticket {ticket_id} is closed; reopen it first"
                )));
            }
            set_awaiting(conn, ticket_id, *value)?
        }
    }
    store::get(conn, "SoftLayer_Ticket", ticket_id)?.ok_or(SupportError::NoTicket(ticket_id))
}

/// The seeded employees, for the control API's listing.
pub fn employees(conn: &Connection) -> Result<Vec<Row>, SupportError> {
    Ok(store::find(
        conn,
        "SoftLayer_User_Employee",
        &Struct::new(),
    )?)
}
