//! Scheduled alerts and auto-closes (`SoftLayer_Ticket::addScheduledAlert`,
//! `addScheduledAutoClose`) run when the emulator's clock reaches their time: an
//! auto-close closes the ticket as the support desk would, an alert sends its reminder
//! to the outbox (none for a ticket closed by then), and either is then removed from the
//! ticket.
//!
//! The server checks once a second (a read; it writes only when something is due), and
//! at once whenever the control API sets or advances the clock (or restores a snapshot or
//! imports a document holding actions it has passed), so a test that advances the clock
//! past an auto-close sees the ticket closed in the clock call's reply.

use super::outbox::{self, Event};
use super::support::{self, SupportAction, SupportError};
use crate::services::ticket::STATUS_CLOSED;
use crate::store::{Store, harness};

/// What ran: (ticket id, "AUTO_CLOSE" | "ALERT", how it ended).
pub type Fired = Vec<(i64, String, Ran)>;

/// How a due action ended.
pub enum Ran {
    Done,
    /// It had nothing to do, and says why (a reminder for a ticket closed by then).
    Skipped(&'static str),
    /// It failed, was undone, and was removed.
    Failed(String),
}

/// The one turn to run what is due. A clock change holds it from the change until its
/// own run is done: the once-a-second check, running between the two, took actions the
/// `POST /_emulator/clock` reply should have listed in `fired`.
pub struct Turn {
    _held: std::sync::MutexGuard<'static, ()>,
}

pub fn turn() -> Turn {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    Turn {
        _held: TURN.lock().unwrap_or_else(|p| p.into_inner()),
    }
}

/// Due actions run per write transaction. All at once, 17,000 (a clock moved past an
/// imported month) outran the 10 s SQL budget: interrupted and undone, they were tried
/// again every second for good, and every API write waited behind them. A batch takes
/// about 25 ms (bench/scheduled-actions.sh), and the writer is free between batches.
pub const BATCH: usize = 200;

/// Due actions that ran before a batch failed, and its error: the batches before it are
/// committed, and their mail sent.
pub struct Unfinished {
    pub fired: Fired,
    pub error: SupportError,
}

impl Unfinished {
    /// The error as the clock's reply and the server's log say it: an interrupt by the
    /// SQL time budget recurs at every tick while the budget stays, so the option to
    /// raise is named ("database error: interrupted" alone said nothing).
    pub fn why(&self) -> String {
        let error = &self.error;
        if interrupted(error) {
            format!(
                "{error} (a batch of due actions, up to {BATCH}, outran the SQL time budget \
                 of {} ms: raise --sql-time-budget-ms)",
                crate::limits::get().sql_time_budget_ms
            )
        } else {
            error.to_string()
        }
    }
}

fn interrupted(error: &SupportError) -> bool {
    matches!(error, SupportError::Store(e) if crate::store::sql_clock::interrupted(e))
}

/// How the due actions' SQL is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Within the SQL time budget, as calls are: the clock's own moves.
    Budgeted,
    /// Without it: the actions an import or a restore made due are part of that
    /// unbudgeted work (under a 1 ms budget the search for them among thousands of
    /// imported actions was cut, and the import answered 500).
    Unbudgeted,
}

/// Runs every scheduled action that is due, in batches of write transactions, in its
/// `turn`.
pub fn run_due(store: &Store, _turn: &Turn, budget: Budget) -> Result<Fired, Unfinished> {
    // Most seconds nothing is due: find out with a read, and leave the writer (and the
    // reply cache, which any write invalidates) alone. An import or a restore has just
    // written: the batch's own search tells.
    if budget == Budget::Budgeted {
        let due = store
            .read(|conn| harness::due_scheduled_actions(conn, 1))
            .map_err(|e| Unfinished {
                fired: Vec::new(),
                error: e.into(),
            })?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
    }
    let mut fired = Vec::new();
    loop {
        // Every action a batch reads is removed by it, run or not, so each batch moves on.
        let batch = match budget {
            Budget::Budgeted => store.write(run_batch),
            Budget::Unbudgeted => store.write_unbudgeted(run_batch),
        };
        let (batch, read) = match batch {
            Ok(done) => done,
            Err(error) => return Err(Unfinished { fired, error }),
        };
        fired.extend(batch);
        if read < BATCH {
            return Ok(fired);
        }
        // The writer's lock is no queue: taken again at once, it went to the next batch
        // ahead of a call that waited (an addUpdate waited 4.4 s behind 12 of them).
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Runs up to [`BATCH`] due actions; says what ran and how many were read.
fn run_batch(conn: &rusqlite::Connection) -> Result<(Fired, usize), SupportError> {
    let due = harness::due_scheduled_actions(conn, BATCH)?;
    let read = due.len();
    let mut fired = Vec::new();
    for action in due {
        harness::remove_scheduled_action(conn, &action)?;
        let Some(ticket) = action.get_i64("ticketId") else {
            continue;
        };
        let kind = action.get_str("kind").unwrap_or("ALERT").to_string();
        // Each on its own: one that fails (no id left for its mail) is undone and
        // reported, and removed, rather than failing the others, and the clock
        // change with them, every second for good.
        let step = |sql: &str| {
            conn.execute_batch(sql)
                .map_err(crate::store::StoreError::from)
        };
        step("SAVEPOINT due_action")?;
        // At its own time, which a jump of the clock may have passed by hours; not
        // before it was scheduled (a time already past then runs as it is scheduled).
        let stamped = |column: &str| {
            action
                .get_str(column)
                .and_then(crate::time::parse_written)
                .map(|(ms, _)| ms)
        };
        let now = crate::time::now_ms();
        let at = stamped("runDate")
            .unwrap_or(now)
            .max(stamped("createDate").unwrap_or(i64::MIN))
            .min(now);
        let ran = crate::clock::as_of(at, || -> Result<Ran, SupportError> {
            // Either kind is about an open ticket: one closed by then (by support,
            // or by its own auto-close) was mailed "closed" already, and a reminder
            // after it, or a second close, did nothing the reply should list as run.
            let row = match crate::store::get(conn, "SoftLayer_Ticket", ticket)? {
                None => return Ok(Ran::Skipped("the ticket no longer exists")),
                Some(row) if row.get_i64("statusId") == Some(STATUS_CLOSED) => {
                    return Ok(Ran::Skipped(if kind == "AUTO_CLOSE" {
                        "the ticket was closed already"
                    } else {
                        "the ticket was closed: no reminder sent"
                    }));
                }
                Some(row) => row,
            };
            if kind == "AUTO_CLOSE" {
                support::apply(conn, ticket, &SupportAction::Close)?;
            } else {
                outbox::ticket_row_event(conn, &row, Event::ScheduledAlert, None)?;
            }
            Ok(Ran::Done)
        });
        let ran = match ran {
            Ok(ran) => {
                step("RELEASE due_action")?;
                ran
            }
            Err(e) => {
                // An interrupt (the SQL time budget) is no failure of this action: the
                // batch is undone and tried again, the action with it. (Taken as the
                // action's own failure when it fell on a read, which leaves the
                // savepoint, the action was removed for good: an auto-close never
                // closed.) It may also have rolled the whole transaction back, and the
                // savepoint with it, whose own error ("no such savepoint") hid why.
                if interrupted(&e) || step("ROLLBACK TO due_action; RELEASE due_action").is_err() {
                    return Err(e);
                }
                Ran::Failed(e.to_string())
            }
        };
        fired.push((ticket, kind, ran));
    }
    Ok((fired, read))
}
