//! Synthetic tickets for load tests and benchmarks
//! (`softlayer-ticket-server seed --db PATH --synthetic-tickets N`).
//!
//! [`generate`] adds N realistic tickets to an account: titles from the subject catalogue
//! and from varied custom titles (host names, data centres, invoice numbers, some
//! non-ASCII), priorities 1–4 or none (critical ones rare), statuses by age (old tickets
//! mostly closed, recent ones mostly open or assigned), creation dates spread over the six
//! years before the day of generation (ids ascending with the dates), two to eight
//! updates each (about five) alternating between the customer's users and support
//! employees, and hardware or virtual-guest attachments on some. Dates are written as
//! the API writes them, in US Central time with their offset.
//!
//! The output depends only on `seed`, the account's users and devices, and the day it
//! runs (the dates end on that day, so relative filters such as `> sysdate - 7` find the
//! newest tickets). Rows go in with prepared statements in one transaction; a million
//! tickets and five million updates take well under five minutes on two cores.

use super::{Result, StoreError};
use crate::schema::devices::{self, DeviceKind};
use crate::time::Zone;

/// A UTC instant (seconds) as the emulator stores dates: Central time with its offset.
fn central_iso(utc_seconds: i64) -> String {
    Zone::CENTRAL.render(utc_seconds * 1000)
}
use rusqlite::{Connection, OptionalExtension, params};

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

use super::ticket_status::{
    ASSIGNED as STATUS_ASSIGNED, CLOSED as STATUS_CLOSED, OPEN as STATUS_OPEN,
    STATE_AWAITING_CUSTOMER,
};
const YEARS: i64 = 6;
const DAY: i64 = 86_400;

const HOST_PREFIXES: &[&str] = &[
    "web", "db", "app", "cache", "lb", "gpu", "vs-app", "mq", "es", "k8s-node", "backup", "mail",
];
const DATACENTERS: &[&str] = &[
    "dal10", "dal13", "wdc07", "ams03", "fra02", "lon06", "tok02", "syd04", "par01", "mex01",
];
const TEAMS: &[&str] = &["network", "storage", "hardware", "security", "billing"];

/// Custom titles; `{h}`, `{h2}` hosts, `{d}` a data centre, `{n}` a number.
const TITLES: &[&str] = &[
    "{h} is not responding to ping",
    "Disk failure on {h} bay {n}",
    "Reboot request for {h}",
    "High latency between {h} and {h2}",
    "Cannot SSH to {h} after OS reload",
    "Question about invoice {n}",
    "Increase bandwidth allotment for {h}",
    "Firewall rule change on {h}",
    "Private network down in {d}",
    "Request PTR record for 203.0.113.{n}",
    "Backup job failed on {h}",
    "Memory errors reported on {h}",
    "Kernel panic on {h}",
    "SSL certificate renewal for {h}.example.com",
    "Storage volume {n} is read-only",
    "Upgrade RAM on {h} to {n} GB",
    "Suspicious traffic from 198.51.100.{n}",
    "Migrate {h} to {d}",
    "Cancel server {h}",
    "Latency to the Zürich office from {h}",
    "Réinstallation du système sur {h}",
    "Packet loss on the public VLAN in {d}",
];

const FIRST_ENTRIES: &[&str] = &[
    "{h} has been unreachable since this morning. Console shows nothing. Please investigate.",
    "We see {n} I/O errors per minute in the kernel log of {h}; smartctl reports reallocated sectors.",
    "Please schedule the change on {h} during our maintenance window (Sunday 02:00-04:00).",
    "Traffic between {h} and {h2} in {d} shows {n} ms latency since yesterday.",
    "Our invoice lists {n} items we do not recognise. Can you explain them?",
    "After the OS reload {h} does not accept our SSH key any more.",
    "The backup agent on {h} fails with error code {n} every night.",
];
const USER_ENTRIES: &[&str] = &[
    "Any update on this? It is affecting production.",
    "Confirmed, the window works for us.",
    "Attached the output of dmesg from {h}.",
    "Can you escalate this to the {t} team?",
    "Thanks, the issue is resolved on our side.",
    "It happened again at {n}:00 UTC on {h}.",
    "Merci — the problem is gone.",
];
const EMPLOYEE_ENTRIES: &[&str] = &[
    "Thank you for contacting support. We are looking into {h} now.",
    "A technician has been dispatched to replace the failed component in {h}.",
    "The maintenance is scheduled; please confirm the window for {h}.",
    "We have rebooted {h}; it is responding to ping again.",
    "This ticket has been escalated to the {t} team.",
    "We have not heard back from you, so we are closing this ticket. Reply to reopen it.",
    "The change has been applied in {d}. Please verify.",
];

fn host(rng: &mut Rng) -> String {
    format!("{}{:02}", rng.pick(HOST_PREFIXES), 1 + rng.below(40))
}

/// Fills a template's placeholders.
fn fill(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            break;
        };
        match &rest[i + 1..i + j] {
            "h" | "h2" => out.push_str(&host(rng)),
            "d" => out.push_str(rng.pick(DATACENTERS)),
            "t" => out.push_str(rng.pick(TEAMS)),
            "n" => out.push_str(&(1 + rng.below(250)).to_string()),
            other => out.push_str(other),
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

fn ids(conn: &Connection, sql: &str, account_id: Option<i64>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(sql)?;
    let rows: rusqlite::Result<Vec<i64>> = match account_id {
        Some(a) => stmt.query_map([a], |r| r.get(0))?.collect(),
        None => stmt.query_map([], |r| r.get(0))?.collect(),
    };
    Ok(rows?)
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(names.iter().any(|n| n == column))
}

/// Where a synthetic seed is, for its progress bar: the tickets (with their updates),
/// then the trigram indexes of their text, which take longer than the rows themselves
/// (100,000 tickets: 3.5 s of rows, then 7 s of text index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedProgress {
    /// Tickets in so far, of the seed's.
    Tickets { done: u64, of: u64 },
    /// Rows of text indexed so far, of about this many (titles and update entries).
    TextIndex { done: u64, of: u64 },
}

/// The most synthetic tickets one `generate` adds: a hundred times the largest database
/// the benchmarks use, hours of work and tens of GB on disk. Counts past `i64::MAX` were
/// once cast to negative numbers and added nothing.
pub const MAX_TICKETS: u64 = 100_000_000;

/// Adds `n` synthetic tickets (with their updates and attachments) to account
/// `account_id`, at most [`MAX_TICKETS`]; returns how many tickets were added. Runs in the caller's transaction
/// when there is one, in its own otherwise. `progress` hears where it is: every
/// [`PROGRESS_EVERY`] tickets, every [`super::query::BULK_TEXT_CHUNK`] rows of text, and
/// at the end of each.
pub fn generate(
    conn: &Connection,
    account_id: i64,
    n: u64,
    seed: u64,
    progress: &mut dyn FnMut(SeedProgress),
) -> Result<u64> {
    if n > MAX_TICKETS {
        return Err(StoreError::Seed(format!(
            "synthetic tickets: {n} is more than the {MAX_TICKETS} one seed may add"
        )));
    }
    let own_transaction = conn.is_autocommit();
    if own_transaction {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let progress = std::cell::RefCell::new(progress);
    let result = super::query::with_bulk_text_index(
        conn,
        || {
            insert_all(conn, account_id, n, seed, &mut |done| {
                (progress.borrow_mut())(SeedProgress::Tickets { done, of: n })
            })
        },
        &mut |done, of| (progress.borrow_mut())(SeedProgress::TextIndex { done, of }),
    );
    if own_transaction {
        match &result {
            Ok(_) => {
                super::query::index_queued_text(conn)?;
                conn.execute_batch("COMMIT")?
            }
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }
    result
}

struct Catalogue {
    subjects: Vec<(i64, String, Option<i64>)>,
    users: Vec<i64>,
    employees: Vec<i64>,
    hardware: Vec<i64>,
    guests: Vec<i64>,
    brand: Option<i64>,
}

fn catalogue(conn: &Connection, account_id: i64) -> Result<Catalogue> {
    let brand: Option<Option<i64>> = conn
        .query_row(
            "SELECT brandId FROM SoftLayer_Account WHERE id = ?1",
            [account_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(brand) = brand else {
        return Err(StoreError::Seed(format!(
            "synthetic tickets: there is no account {account_id}"
        )));
    };
    let subjects = {
        let mut stmt =
            conn.prepare("SELECT id, name, groupId FROM SoftLayer_Ticket_Subject ORDER BY id")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<std::result::Result<Vec<_>, _>>()?
    };
    let users = ids(
        conn,
        "SELECT id FROM SoftLayer_User_Customer WHERE accountId = ?1 ORDER BY id",
        Some(account_id),
    )?;
    if users.is_empty() || subjects.is_empty() {
        return Err(StoreError::Seed(format!(
            "synthetic tickets: account {account_id} needs users and the subject catalogue"
        )));
    }
    let mut employees = ids(
        conn,
        "SELECT id FROM SoftLayer_User_Employee ORDER BY id",
        None,
    )?;
    if employees.is_empty() {
        employees.push(0);
    }
    Ok(Catalogue {
        subjects,
        users,
        employees,
        hardware: ids(
            conn,
            &account_devices_sql(&devices::HARDWARE),
            Some(account_id),
        )?,
        guests: ids(
            conn,
            &account_devices_sql(&devices::VIRTUAL_GUEST),
            Some(account_id),
        )?,
        brand,
    })
}

/// The ids of an account's (`?1`) devices of one kind.
fn account_devices_sql(kind: &DeviceKind) -> String {
    format!(
        "SELECT id FROM {} WHERE accountId = ?1 ORDER BY id",
        kind.device_type
    )
}

/// How often [`generate`] reports progress (in tickets).
pub const PROGRESS_EVERY: u64 = 1000;

fn insert_all(
    conn: &Connection,
    account_id: i64,
    n: u64,
    seed: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<u64> {
    let cat = catalogue(conn, account_id)?;
    let mut rng = Rng(seed ^ 0x5EED_0F71_C4E7);
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA cache_size = -262144")?;

    let employee_column = has_column(conn, "SoftLayer_Ticket", "assignedEmployeeId")?;
    let awaiting_column = has_column(conn, "SoftLayer_Ticket", "awaitingUserResponse")?;
    let mut ticket_sql = String::from(
        "INSERT INTO SoftLayer_Ticket (id, accountId, assignedUserId, billableFlag, changeOwnerFlag, \
         createDate, groupId, lastEditDate, lastEditType, lastResponseDate, modifyDate, \
         notifyUserOnUpdateFlag, priority, responsibleBrandId, serverAdministrationFlag, \
         serviceProviderId, serviceProviderResourceId, statusId, subjectId, title, \
         totalUpdateCount, userEditableFlag, closeDate, assignedEmployeeId, awaitingUserResponse) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?7, 1, ?10, ?11, ?12, 1, ?13, ?14, ?15, \
         ?16, ?17, 1, ?18, ?19, ?20)",
    );
    if !employee_column {
        ticket_sql = ticket_sql
            .replace(", assignedEmployeeId", "")
            .replace(", ?19", "");
    }
    if !awaiting_column {
        ticket_sql = ticket_sql
            .replace(", awaitingUserResponse", "")
            .replace(", ?20", "");
    }
    let mut insert_ticket = conn.prepare(&ticket_sql)?;
    // The awaiting flag and the AWAITING_CUSTOMER_RESPONSE state always go together.
    let mut insert_state = conn.prepare(
        "INSERT OR IGNORE INTO SoftLayer_Ticket_State (ticketId, stateTypeId) VALUES (?1, ?2)",
    )?;
    let mut insert_update = conn.prepare(
        "INSERT INTO SoftLayer_Ticket_Update (id, ticketId, entry, createDate, editorId, editorType) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let insert_link = |kind: &DeviceKind| {
        conn.prepare(&format!(
            "INSERT INTO {} (id, ticketId, attachmentId, {}, createDate) VALUES (?1, ?2, ?3, ?3, ?4)",
            kind.link_type, kind.link_column
        ))
    };
    let mut attach_hardware = insert_link(&devices::HARDWARE)?;
    let mut attach_guest = insert_link(&devices::VIRTUAL_GUEST)?;

    // The API's next ids: past every id a table ever held (an account's deleted ticket's
    // id was given again), and within its int (checked once the rows are in).
    let first_ticket = super::next_id(conn, "SoftLayer_Ticket", 160_000_001)?;
    let mut update_id = super::next_id(conn, "SoftLayer_Ticket_Update", 500_000_001)?;
    // The device links of every kind share one id space, as the API gives them: a link
    // numbered from its own table took an id another kind's link had, and a ticket's
    // `attachedResources` showed that link (another account's too).
    let mut link_id = super::next_id_among(
        conn,
        devices::HARDWARE.link_type,
        &devices::link_types(),
        700_000_001,
    )?;

    let now = crate::clock::now().timestamp();
    let end = now - now.rem_euclid(DAY);
    let span = YEARS * 365 * DAY;
    let start = end - span;
    // Within i64: `generate` refused counts past MAX_TICKETS.
    let count = i64::try_from(n)
        .map_err(|_| StoreError::Seed(format!("synthetic tickets: {n} is too many")))?;
    let step = (span / count.max(1)).max(1);
    let mut entries: Vec<(String, i64, i64, &str)> = Vec::with_capacity(8);

    for i in 0..count {
        let ticket_id = first_ticket + i;
        let created = (start + i * step + rng.below(step as u64) as i64).min(end - 60);
        let age = end - created;
        let status = if age > 45 * DAY {
            match rng.below(100) {
                0..=96 => STATUS_CLOSED,
                97..=98 => STATUS_OPEN,
                _ => STATUS_ASSIGNED,
            }
        } else {
            match rng.below(100) {
                0..=39 => STATUS_OPEN,
                40..=64 => STATUS_ASSIGNED,
                _ => STATUS_CLOSED,
            }
        };
        let priority: Option<i64> = match rng.below(100) {
            0..=5 => Some(1),
            6..=24 => Some(2),
            25..=64 => Some(3),
            65..=89 => Some(4),
            _ => None,
        };
        let (subject_id, subject_name, group_id) = rng.pick(&cat.subjects);
        let administrative = rng.chance(45);
        let title = if administrative {
            fill(rng.pick(TITLES), &mut rng)
        } else {
            subject_name
        };
        let assigned_user = rng.pick(&cat.users);
        let customer = rng.pick(&cat.users);
        let employee = rng.pick(&cat.employees);

        // Updates: the customer's first entry, then support and customer in turn.
        let updates = 2 + rng.below(7) as i64;
        entries.clear();
        let mut when = created;
        let mut last_employee = None;
        for k in 0..updates {
            if k > 0 {
                let gap = match rng.below(10) {
                    0..=5 => 600 + rng.below(6 * 3600) as i64,
                    6..=8 => 6 * 3600 + rng.below(2 * DAY as u64) as i64,
                    _ => 2 * DAY + rng.below(10 * DAY as u64) as i64,
                };
                when = (when + gap).min(end - 1);
            }
            let employee_turn = k % 2 == 1;
            let (entry, editor, editor_type) = if k == 0 {
                (fill(rng.pick(FIRST_ENTRIES), &mut rng), customer, "USER")
            } else if employee_turn {
                (
                    fill(rng.pick(EMPLOYEE_ENTRIES), &mut rng),
                    employee,
                    "EMPLOYEE",
                )
            } else {
                (fill(rng.pick(USER_ENTRIES), &mut rng), customer, "USER")
            };
            if employee_turn {
                last_employee = Some(when);
            }
            entries.push((entry, when, editor, editor_type));
        }
        let last = entries.last().map(|e| e.1).unwrap_or(created);
        let last_type = if updates % 2 == 0 { "EMPLOYEE" } else { "USER" };
        let created_text = central_iso(created);
        let last_text = central_iso(last);
        let close = (status == STATUS_CLOSED).then(|| last_text.clone());
        let assigned_employee = (status == STATUS_ASSIGNED).then_some(employee);
        let awaiting = (status != STATUS_CLOSED && last_type == "EMPLOYEE") as i64;
        let mut values: Vec<rusqlite::types::Value> = vec![
            ticket_id.into(),
            account_id.into(),
            assigned_user.into(),
            (administrative as i64).into(),
            created_text.into(),
            group_id.into(),
            last_text.into(),
            last_type.to_string().into(),
            last_employee.map(central_iso).into(),
            priority.into(),
            cat.brand.into(),
            (administrative as i64).into(),
            crate::services::ticket::case_number(ticket_id).into(),
            status.into(),
            subject_id.into(),
            title.into(),
            updates.into(),
            close.into(),
        ];
        if employee_column {
            values.push(assigned_employee.into());
        }
        if awaiting_column {
            values.push(awaiting.into());
        }
        insert_ticket.execute(rusqlite::params_from_iter(values))?;
        // Its title is indexed with the rest, in bulk (`with_bulk_text_index`).
        super::count_new_ticket(conn, ticket_id)?;
        if awaiting_column && awaiting != 0 {
            insert_state.execute(params![ticket_id, STATE_AWAITING_CUSTOMER])?;
        }
        for (entry, when, editor, editor_type) in entries.drain(..) {
            insert_update.execute(params![
                update_id,
                ticket_id,
                entry,
                central_iso(when),
                editor,
                editor_type
            ])?;
            update_id += 1;
        }

        if !cat.hardware.is_empty() && rng.chance(12) {
            let device = rng.pick(&cat.hardware);
            attach_hardware.execute(params![link_id, ticket_id, device, central_iso(created)])?;
            link_id += 1;
        }
        if !cat.guests.is_empty() && rng.chance(6) {
            let device = rng.pick(&cat.guests);
            attach_guest.execute(params![link_id, ticket_id, device, central_iso(created)])?;
            link_id += 1;
        }
        if (i as u64 + 1).is_multiple_of(PROGRESS_EVERY) {
            progress(i as u64 + 1);
        }
    }
    progress(n);
    drop((insert_ticket, insert_update, attach_hardware, attach_guest));
    // The last ids given: past the API's int, they went out typed `xsd:long` (the seed's
    // transaction is rolled back).
    for (type_name, last) in [
        ("SoftLayer_Ticket", first_ticket + count - 1),
        ("SoftLayer_Ticket_Update", update_id - 1),
        (devices::HARDWARE.link_type, link_id - 1),
    ] {
        if i32::try_from(last).is_err() {
            return Err(StoreError::IdsExhausted(type_name.to_string()));
        }
    }
    // Statistics for the query planner: with an account holding most rows, the planner
    // needs them to tell selective indexes from the others.
    super::query::analyze(conn)?;
    conn.execute_batch(&format!("PRAGMA cache_size = {cache}"))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Summary = Vec<(i64, String, Option<i64>, i64)>;

    /// Issue 14: the seed's statistics guide the planner for the ticket tables, and say
    /// nothing of the trigram indexes' own tables, which FTS5 queries by key (with
    /// statistics taken while they were nearly empty, its lookups became scans).
    #[test]
    fn statistics_cover_the_tables_but_not_the_text_indexes() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .write(|conn| -> Result<()> {
                generate(conn, 1001, 500, 3, &mut |_| {})?;
                let count = |pattern: &str| -> Result<i64> {
                    Ok(conn.query_row(
                        "SELECT count(*) FROM sqlite_stat1 WHERE tbl LIKE ?1",
                        [pattern],
                        |r| r.get(0),
                    )?)
                };
                assert!(
                    count("SoftLayer_Ticket")? > 0,
                    "the ticket table is analysed"
                );
                assert_eq!(count("%search%")?, 0, "no statistics for the text indexes");
                Ok(())
            })
            .unwrap();
    }

    /// The seed's bar (main.rs) hears every step: the tickets up to their number, then
    /// the text index's rows up to its total, which counts the titles and the entries.
    #[test]
    fn progress_covers_the_tickets_then_the_text_index() {
        let store = super::super::Store::open(":memory:").unwrap();
        let mut heard = Vec::new();
        store
            .write(|conn| generate(conn, 1001, 2_500, 5, &mut |at| heard.push(at)))
            .unwrap();
        let tickets: Vec<u64> = heard
            .iter()
            .filter_map(|at| match at {
                SeedProgress::Tickets { done, of } => {
                    assert_eq!(*of, 2_500);
                    Some(*done)
                }
                _ => None,
            })
            .collect();
        assert_eq!(tickets, vec![1_000, 2_000, 2_500]);
        let first_text = heard
            .iter()
            .position(|at| matches!(at, SeedProgress::TextIndex { .. }))
            .expect("the text index reports");
        assert!(
            heard[first_text..]
                .iter()
                .all(|at| matches!(at, SeedProgress::TextIndex { .. })),
            "the text index comes after every ticket: {heard:?}"
        );
        let SeedProgress::TextIndex { done, of } = heard[heard.len() - 1] else {
            unreachable!()
        };
        assert_eq!(done, of, "{heard:?}");
        assert!(of > 2_500, "titles and update entries: {of}");
        assert!(matches!(
            heard[first_text],
            SeedProgress::TextIndex { done: 0, .. }
        ));
    }

    #[test]
    fn generates_realistic_deterministic_tickets() {
        let store = super::super::Store::open(":memory:").unwrap();
        let run = |seed| {
            store
                .write(|conn| -> Result<Summary> {
                    let before: i64 =
                        conn.query_row("SELECT count(*) FROM SoftLayer_Ticket", [], |r| r.get(0))?;
                    assert_eq!(generate(conn, 1001, 2000, seed, &mut |_| {})?, 2000);
                    let mut stmt = conn.prepare(
                        "SELECT id, title, priority, statusId FROM SoftLayer_Ticket ORDER BY id LIMIT 2000 OFFSET ?1",
                    )?;
                    let rows = stmt
                        .query_map([before], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                        .collect::<std::result::Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
                .unwrap()
        };
        let first = run(7);
        assert_eq!(first.len(), 2000);
        let titles: std::collections::HashSet<&str> = first.iter().map(|t| t.1.as_str()).collect();
        assert!(titles.len() > 500, "varied titles: {}", titles.len());
        assert!(first.iter().any(|t| t.2.is_none()));
        for p in 1..=4 {
            assert!(first.iter().any(|t| t.2 == Some(p)));
        }
        for s in [STATUS_OPEN, STATUS_CLOSED, STATUS_ASSIGNED] {
            assert!(first.iter().any(|t| t.3 == s), "status {s}");
        }
        store
            .read(|conn| -> Result<()> {
                let updates: f64 = conn.query_row(
                    "SELECT count(*) * 1.0 / (SELECT count(*) FROM SoftLayer_Ticket WHERE id >= 160000004) \
                     FROM SoftLayer_Ticket_Update WHERE ticketId >= 160000004",
                    [],
                    |r| r.get(0),
                )?;
                assert!((4.5..5.5).contains(&updates), "about five updates: {updates}");
                let bad: i64 = conn.query_row(
                    "SELECT count(*) FROM SoftLayer_Ticket WHERE julianday(createDate) IS NULL \
                     OR julianday(modifyDate) < julianday(createDate)",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(bad, 0);
                let attached: i64 = conn.query_row(
                    "SELECT count(*) FROM SoftLayer_Ticket_Attachment_Hardware",
                    [],
                    |r| r.get(0),
                )?;
                assert!(attached > 100);
                Ok(())
            })
            .unwrap();
        // The same seed gives the same tickets (after the first batch, ids move on).
        let second = run(7);
        let strip = |v: &[(i64, String, Option<i64>, i64)]| -> Vec<(String, Option<i64>, i64)> {
            v.iter().map(|t| (t.1.clone(), t.2, t.3)).collect()
        };
        assert_eq!(strip(&first), strip(&second));
    }

    /// The seed builds the trigram indexes in bulk: afterwards they hold every title and
    /// entry, old and new (as the triggers would have), and the updates' trigger is back
    /// (tickets have none: migrations/0013). The tally counts every seeded ticket.
    #[test]
    fn seeding_keeps_the_text_indexes_complete() {
        let store = super::super::Store::open(":memory:").unwrap();
        store
            .write(|conn| -> Result<()> {
                generate(conn, 1001, 300, 3, &mut |_| {})?;
                generate(conn, 1001, 200, 4, &mut |_| {})?;
                for (fts, table, column) in [
                    ("emulator_ticket_title_search", "SoftLayer_Ticket", "title"),
                    (
                        "emulator_ticket_update_entry_search",
                        "SoftLayer_Ticket_Update",
                        "entry",
                    ),
                ] {
                    let rows: i64 = conn.query_row(
                        &format!("SELECT count(*) FROM {table} WHERE {column} IS NOT NULL"),
                        [],
                        |r| r.get(0),
                    )?;
                    let indexed: i64 =
                        conn.query_row(&format!("SELECT count(*) FROM {fts}"), [], |r| r.get(0))?;
                    assert_eq!(indexed, rows, "{fts}");
                    for needle in ["web", "disk", "é", "ürich", "the"] {
                        let scan: Vec<i64> = conn
                            .prepare(&format!(
                                "SELECT id FROM {table} WHERE sl_fold({column}) LIKE '%' || ?1 || '%' ORDER BY id"
                            ))?
                            .query_map([needle], |r| r.get(0))?
                            .collect::<std::result::Result<_, _>>()?;
                        if needle.chars().count() < 3 {
                            continue;
                        }
                        let found: Vec<i64> = conn
                            .prepare(&format!(
                                "SELECT rowid FROM {fts} WHERE {fts} MATCH ?1 ORDER BY rowid"
                            ))?
                            .query_map([format!("\"{needle}\"")], |r| r.get(0))?
                            .collect::<std::result::Result<_, _>>()?;
                        assert_eq!(found, scan, "{fts} {needle}");
                    }
                }
                let triggers: i64 = conn.query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_search_insert'",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(triggers, 1);
                super::super::tests::assert_tally_is_a_recount(conn);
                let queued: i64 = conn.query_row(
                    "SELECT count(*) FROM emulator_text_index_queue",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(queued, 0, "seeded text is indexed in bulk, not queued");
                Ok(())
            })
            .unwrap();
    }
}
