//! Counts of an account's tickets, for SoftLayer_Account's ticket graphs
//! (`getCurrentTicketStatisticsGraph`, `getHistoricalTicketGraph`).
//!
//! "Open" is every status but Closed, as in `getOpenTickets`; "waiting on the customer" is
//! the one flag `getOpenTicketsWaitingOnCustomer` reads (issue 11, item 14).

use super::Result;
use super::query::julian_day;
use super::ticket_status::CLOSED;
use rusqlite::{Connection, OptionalExtension};

/// The account's tickets as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentTickets {
    /// Open tickets waiting on the customer (the awaiting-response flag set).
    pub awaiting_customer: u64,
    /// Open tickets waiting on SoftLayer.
    pub awaiting_employee: u64,
    pub closed: u64,
    /// The stored creation date of the account's oldest ticket.
    pub first_created: Option<String>,
}

impl CurrentTickets {
    pub fn open(&self) -> u64 {
        self.awaiting_customer + self.awaiting_employee
    }
}

pub fn current(conn: &Connection, account_id: i64) -> Result<CurrentTickets> {
    let (awaiting_customer, awaiting_employee, closed) = conn
        .prepare_cached(
            "SELECT coalesce(sum(statusId <> ?2 AND awaitingUserResponse <> 0), 0), \
                    coalesce(sum(statusId <> ?2 AND awaitingUserResponse = 0), 0), \
                    coalesce(sum(statusId = ?2), 0) \
             FROM SoftLayer_Ticket WHERE accountId = ?1",
        )?
        .query_row([account_id, CLOSED], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
    let first_created = conn
        .prepare_cached(
            "SELECT createDate FROM SoftLayer_Ticket WHERE accountId = ?1 \
             ORDER BY julianday(createDate), id LIMIT 1",
        )?
        .query_row([account_id], |r| r.get(0))
        .optional()?;
    Ok(CurrentTickets {
        awaiting_customer: awaiting_customer as u64,
        awaiting_employee: awaiting_employee as u64,
        closed: closed as u64,
        first_created,
    })
}

/// What happened to the account's tickets between two instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketHistory {
    /// Tickets created in the period.
    pub opened: u64,
    /// Tickets closed in the period (and closed still).
    pub closed: u64,
}

/// Tickets opened and closed from `start_ms` (included) to `end_ms` (excluded),
/// milliseconds since the Unix epoch.
pub fn history(
    conn: &Connection,
    account_id: i64,
    start_ms: i64,
    end_ms: i64,
) -> Result<TicketHistory> {
    let (start, end) = (julian_day(start_ms), julian_day(end_ms));
    let (opened, closed) = conn
        .prepare_cached(
            "SELECT coalesce(sum(julianday(createDate) >= ?2 AND julianday(createDate) < ?3), 0), \
                    coalesce(sum(statusId = ?4 AND julianday(closeDate) >= ?2 \
                                 AND julianday(closeDate) < ?3), 0) \
             FROM SoftLayer_Ticket WHERE accountId = ?1",
        )?
        .query_row(rusqlite::params![account_id, start, end, CLOSED], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
    Ok(TicketHistory {
        opened: opened as u64,
        closed: closed as u64,
    })
}
