//! The support console's reads (`/_emulator/queue`, `/_emulator/tickets/{id}`, files):
//! tickets across every account, joined with the names a person reads (account, status,
//! group, employee), which the SoftLayer API never shows in one list.
//!
//! Every value a caller sends is a bound parameter; the only SQL built from input is the
//! choice among fixed ORDER BY and WHERE fragments.

use super::Result;
use crate::schema::devices::{self, DeviceKind};
use crate::schema::filter::TextMatch;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde::Serialize;

/// Pages hold at most this many tickets.
pub const MAX_PAGE_SIZE: u32 = 200;

/// What the queue shows: every field optional, all of them ANDed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct QueueFilter {
    pub account: Option<i64>,
    pub status: Option<i64>,
    pub group: Option<i64>,
    pub employee: Option<EmployeeFilter>,
    pub awaiting_customer: Option<bool>,
    /// Words matched (case-insensitively, as substrings) in the title or any update, or
    /// naming the ticket by its id or case number.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EmployeeFilter {
    /// Held by this employee.
    Id(i64),
    /// Held by nobody.
    Unassigned,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub enum QueueSort {
    #[default]
    Created,
    LastEdited,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueOrder {
    pub sort: QueueSort,
    pub descending: bool,
    /// Zero-based page number.
    pub page: u32,
    pub page_size: u32,
}

impl Default for QueueOrder {
    fn default() -> Self {
        QueueOrder {
            sort: QueueSort::Created,
            descending: true,
            page: 0,
            page_size: 25,
        }
    }
}

/// One ticket as a queue line.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueueTicket {
    pub id: i64,
    pub title: Option<String>,
    pub account_id: i64,
    pub account_name: Option<String>,
    pub status_id: i64,
    pub status_name: Option<String>,
    pub group_id: Option<i64>,
    pub group_name: Option<String>,
    pub priority: Option<i64>,
    pub priority_name: Option<String>,
    pub subject_name: Option<String>,
    pub assigned_employee_id: Option<i64>,
    pub assigned_employee_name: Option<String>,
    pub awaiting_user_response: bool,
    pub administrative: bool,
    pub billable: bool,
    pub create_date: Option<String>,
    pub last_edit_date: Option<String>,
    pub last_edit_type: Option<String>,
    pub update_count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    pub status_id: i64,
    pub status_name: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueuePage {
    pub tickets: Vec<QueueTicket>,
    /// Tickets matching the whole filter.
    pub total: u64,
    /// Tickets matching the filter without its status, per status: the tabs a person
    /// picks a status from.
    pub counts: Vec<StatusCount>,
    pub page: u32,
    pub page_size: u32,
}

/// The columns of [`QueueTicket`], in its order, over `t` and its joins.
const TICKET_COLUMNS: &str = "t.id, t.title, t.accountId, a.companyName, t.statusId, s.name, \
     t.groupId, g.name, t.priority, p.name, subj.name, t.assignedEmployeeId, \
     COALESCE(e.displayName, e.username), t.awaitingUserResponse, \
     COALESCE(t.serverAdministrationFlag, 0), COALESCE(t.billableFlag, 0), t.createDate, \
     t.lastEditDate, t.lastEditType, COALESCE(t.totalUpdateCount, 0)";

const TICKET_JOINS: &str = "FROM SoftLayer_Ticket t \
     LEFT JOIN SoftLayer_Account a ON a.id = t.accountId \
     LEFT JOIN SoftLayer_Ticket_Status s ON s.id = t.statusId \
     LEFT JOIN SoftLayer_Ticket_Group g ON g.id = t.groupId \
     LEFT JOIN SoftLayer_Container_Ticket_Priority p ON p.value = t.priority \
     LEFT JOIN SoftLayer_Ticket_Subject subj ON subj.id = t.subjectId \
     LEFT JOIN SoftLayer_User_Employee e ON e.id = t.assignedEmployeeId";

fn queue_ticket(r: &rusqlite::Row) -> rusqlite::Result<QueueTicket> {
    Ok(QueueTicket {
        id: r.get(0)?,
        title: r.get(1)?,
        account_id: r.get(2)?,
        account_name: r.get(3)?,
        status_id: r.get(4)?,
        status_name: r.get(5)?,
        group_id: r.get(6)?,
        group_name: r.get(7)?,
        priority: r.get(8)?,
        priority_name: r.get(9)?,
        subject_name: r.get(10)?,
        assigned_employee_id: r.get(11)?,
        assigned_employee_name: r.get(12)?,
        awaiting_user_response: r.get::<_, i64>(13)? != 0,
        administrative: r.get::<_, i64>(14)? != 0,
        billable: r.get::<_, i64>(15)? != 0,
        create_date: r.get(16)?,
        last_edit_date: r.get(17)?,
        last_edit_type: r.get(18)?,
        update_count: r.get(19)?,
    })
}

/// One word of the queue's search: the tickets the trigram indexes say may hold it
/// ([`super::query::tickets_mentioning`]; None: they cannot tell), and those it names.
struct SearchedWord {
    word: String,
    mentioning: Option<Vec<i64>>,
    named: Vec<i64>,
}

/// The words of `filter`'s text search.
fn searched_words(conn: &Connection, filter: &QueueFilter) -> Result<Vec<SearchedWord>> {
    filter
        .text
        .iter()
        .flat_map(|t| t.split_whitespace())
        .map(|word| {
            Ok(SearchedWord {
                word: word.to_string(),
                mentioning: super::query::tickets_mentioning(conn, word)?,
                named: tickets_named(conn, word)?,
            })
        })
        .collect()
}

/// The tickets `word` names: by id (`160000102`, or `#160000102` as the queue writes
/// it) or by case number (`CS160000102`, as the mails write it, any case). A support
/// agent told a ticket's number searches for it, and no title or update holds it.
fn tickets_named(conn: &Connection, word: &str) -> Result<Vec<i64>> {
    // Every id and case number has a digit: other words cost no scan of the tickets.
    if !word.chars().any(|c| c.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    let id = word.strip_prefix('#').unwrap_or(word).parse::<i64>().ok();
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM SoftLayer_Ticket \
         WHERE id = ?1 OR serviceProviderResourceId = ?2 COLLATE NOCASE",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![id, word], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

/// The WHERE clause of `filter` and its parameters; `with_status` false leaves the status
/// out (for the per-status counts).
fn where_clause(
    filter: &QueueFilter,
    words: &[SearchedWord],
    with_status: bool,
) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    let mut equals = |column: &str, value: i64, clauses: &mut Vec<String>| {
        params.push(SqlValue::Integer(value));
        clauses.push(format!("{column} = ?{}", params.len()));
    };
    if let Some(account) = filter.account {
        equals("t.accountId", account, &mut clauses);
    }
    if let (Some(status), true) = (filter.status, with_status) {
        equals("t.statusId", status, &mut clauses);
    }
    if let Some(group) = filter.group {
        equals("t.groupId", group, &mut clauses);
    }
    match filter.employee {
        Some(EmployeeFilter::Id(id)) => equals("t.assignedEmployeeId", id, &mut clauses),
        Some(EmployeeFilter::Unassigned) => clauses.push("t.assignedEmployeeId IS NULL".into()),
        None => {}
    }
    if let Some(awaiting) = filter.awaiting_customer {
        equals("t.awaitingUserResponse", awaiting as i64, &mut clauses);
    }
    // Each word must appear in the title or in some update, case ignored, searched as the
    // filters' `*=` searches (in time linear in the text, where `LIKE` took its length times
    // the word's), or name the ticket (`tickets_named`).
    for SearchedWord {
        word,
        mentioning,
        named,
    } in words
    {
        let (contains, needle) = super::query::text_search(TextMatch::Contains, word);
        params.push(SqlValue::Text(needle));
        let n = params.len();
        let mut found = format!(
            "({contains}(t.title, ?{n}) OR EXISTS (SELECT 1 FROM SoftLayer_Ticket_Update u \
             WHERE u.ticketId = t.id AND {contains}(u.entry, ?{n})))"
        );
        // The index's few candidates first, so that the exact search reads only them
        // rather than every ticket and its updates (a scan: 0.4 s at 20,000 tickets).
        if let Some(ids) = mentioning {
            found = format!("(t.id IN ({}) AND {found})", super::query::id_list(ids));
        }
        if !named.is_empty() {
            found = format!("(t.id IN ({}) OR {found})", super::query::id_list(named));
        }
        clauses.push(found);
    }
    if clauses.is_empty() {
        (String::new(), params)
    } else {
        (format!("WHERE {}", clauses.join(" AND ")), params)
    }
}

fn order_by(order: &QueueOrder) -> String {
    let direction = if order.descending { "DESC" } else { "ASC" };
    let key = match order.sort {
        QueueSort::Created => "julianday(t.createDate)",
        QueueSort::LastEdited => "julianday(COALESCE(t.lastEditDate, t.modifyDate, t.createDate))",
        // Severity 1 is the most urgent: "descending" urgency is ascending numbers, and
        // tickets without a priority come last either way.
        QueueSort::Priority => {
            let urgency = if order.descending { "ASC" } else { "DESC" };
            return format!("t.priority IS NULL, t.priority {urgency}, t.id {direction}");
        }
    };
    format!("{key} {direction}, t.id {direction}")
}

/// One page of the queue, its total and the counts per status.
pub fn queue(conn: &Connection, filter: &QueueFilter, order: &QueueOrder) -> Result<QueuePage> {
    let page_size = order.page_size.clamp(1, MAX_PAGE_SIZE);
    let words = searched_words(conn, filter)?;
    let (clause, mut params) = where_clause(filter, &words, true);
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM SoftLayer_Ticket t {clause}"),
        params_from_iter(params.iter()),
        |r| r.get(0),
    )?;
    params.push(SqlValue::Integer(page_size as i64));
    params.push(SqlValue::Integer(order.page as i64 * page_size as i64));
    let n = params.len();
    let sql = format!(
        "SELECT {TICKET_COLUMNS} {TICKET_JOINS} {clause} ORDER BY {} LIMIT ?{} OFFSET ?{n}",
        order_by(order),
        n - 1
    );
    let mut stmt = conn.prepare(&sql)?;
    let tickets = stmt
        .query_map(params_from_iter(params.iter()), queue_ticket)?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let (clause, params) = where_clause(filter, &words, false);
    let sql = format!(
        "SELECT s.id, s.name, COUNT(t.id) FROM SoftLayer_Ticket_Status s \
         LEFT JOIN (SELECT t.id, t.statusId FROM SoftLayer_Ticket t {clause}) t \
         ON t.statusId = s.id GROUP BY s.id, s.name ORDER BY s.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let counts = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            Ok(StatusCount {
                status_id: r.get(0)?,
                status_name: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(QueuePage {
        tickets,
        total: total as u64,
        counts,
        page: order.page,
        page_size,
    })
}

/// One update of the thread, with who wrote it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ThreadUpdate {
    pub id: i64,
    pub entry: String,
    pub create_date: String,
    /// `USER` (a customer), `EMPLOYEE` (support) or `AUTO`.
    pub editor_type: String,
    pub editor_id: Option<i64>,
    pub editor_name: Option<String>,
    /// The customer's rating of an employee's update (`addResponseRating`, 1 to 5).
    pub response_rating: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttachedFile {
    pub id: i64,
    pub file_name: String,
    pub file_size: String,
    pub create_date: String,
    pub update_id: Option<i64>,
    pub uploader_type: Option<String>,
}

/// A device attached to the ticket: hardware, a virtual guest or a dedicated host.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttachedDevice {
    pub id: i64,
    pub name: Option<String>,
    pub attached: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: QueueTicket,
    pub close_date: Option<String>,
    pub modify_date: Option<String>,
    pub assigned_user_name: Option<String>,
    pub updates: Vec<ThreadUpdate>,
    pub files: Vec<AttachedFile>,
    pub hardware: Vec<AttachedDevice>,
    pub virtual_guests: Vec<AttachedDevice>,
    pub dedicated_hosts: Vec<AttachedDevice>,
    /// The customer's feedback and choices: what `addFinalComments`,
    /// `addAttachedAdditionalEmails`, `addAssignedAgent` and `setTags` wrote (the queue's
    /// "last edited by user" moved, and support saw nothing changed).
    pub final_comments: Option<String>,
    pub additional_emails: Vec<String>,
    pub assigned_agents: Vec<String>,
    pub tags: Vec<String>,
    /// Whether the customer may still write to the ticket (`userEditableFlag`: the
    /// customer's addUpdate, edit and attachments are refused when it is false), and
    /// whether an update mails the customer (`notifyUserOnUpdateFlag`). A missing flag
    /// is taken as set, as the API takes it.
    pub user_editable: bool,
    pub notify_user_on_update: bool,
    /// The data centre the ticket names (`locationId`), by its long name.
    pub location_name: Option<String>,
}

fn attached_devices(
    conn: &Connection,
    kind: &DeviceKind,
    ticket: i64,
) -> Result<Vec<AttachedDevice>> {
    // A dedicated host has a `name` where the others have a hostname.
    let name = if kind.has_property("hostname") {
        "COALESCE(d.fullyQualifiedDomainName, d.hostname)"
    } else {
        "d.name"
    };
    let sql = format!(
        "SELECT d.id, {name}, a.createDate FROM {link} a JOIN {device} d ON d.id = a.{column} \
         WHERE a.ticketId = ?1 ORDER BY a.id",
        link = kind.link_type,
        device = kind.device_type,
        column = kind.link_column,
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([ticket], |r| {
            Ok(AttachedDevice {
                id: r.get(0)?,
                name: r.get(1)?,
                attached: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Everything the ticket page shows; None when there is no such ticket.
pub fn ticket_detail(conn: &Connection, id: i64) -> Result<Option<TicketDetail>> {
    let sql = format!(
        "SELECT {TICKET_COLUMNS}, t.closeDate, t.modifyDate, \
         COALESCE(c.displayName, c.username), t.finalComments, \
         coalesce(t.userEditableFlag, 1) <> 0, coalesce(t.notifyUserOnUpdateFlag, 1) <> 0, \
         CASE WHEN t.locationId IS NULL THEN NULL \
              ELSE coalesce(l.longName, l.name, '#' || t.locationId) END {TICKET_JOINS} \
         LEFT JOIN SoftLayer_User_Customer c ON c.id = t.assignedUserId \
         LEFT JOIN SoftLayer_Location l ON l.id = t.locationId WHERE t.id = ?1"
    );
    let found = conn
        .query_row(&sql, [id], |r| {
            Ok((
                queue_ticket(r)?,
                r.get::<_, Option<String>>(20)?,
                r.get::<_, Option<String>>(21)?,
                r.get::<_, Option<String>>(22)?,
                r.get::<_, Option<String>>(23)?,
                (
                    r.get::<_, bool>(24)?,
                    r.get::<_, bool>(25)?,
                    r.get::<_, Option<String>>(26)?,
                ),
            ))
        })
        .optional()?;
    let Some((
        ticket,
        close_date,
        modify_date,
        assigned_user_name,
        final_comments,
        (user_editable, notify_user_on_update, location_name),
    )) = found
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.entry, u.createDate, u.editorType, u.editorId, \
         CASE u.editorType \
           WHEN 'EMPLOYEE' THEN (SELECT COALESCE(e.displayName, e.username) \
                                 FROM SoftLayer_User_Employee e WHERE e.id = u.editorId) \
           WHEN 'USER' THEN (SELECT COALESCE(c.displayName, c.username) \
                             FROM SoftLayer_User_Customer c WHERE c.id = u.editorId) \
         END, u.responseRating \
         FROM SoftLayer_Ticket_Update u WHERE u.ticketId = ?1 ORDER BY u.id",
    )?;
    let updates = stmt
        .query_map([id], |r| {
            Ok(ThreadUpdate {
                id: r.get(0)?,
                entry: r.get(1)?,
                create_date: r.get(2)?,
                editor_type: r.get(3)?,
                editor_id: r.get(4)?,
                editor_name: r.get(5)?,
                response_rating: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, fileName, fileSize, createDate, updateId, uploaderType \
         FROM SoftLayer_Ticket_Attachment_File WHERE ticketId = ?1 ORDER BY id",
    )?;
    let files = stmt
        .query_map([id], |r| {
            Ok(AttachedFile {
                id: r.get(0)?,
                file_name: r.get(1)?,
                file_size: r.get(2)?,
                create_date: r.get(3)?,
                update_id: r.get(4)?,
                uploader_type: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(TicketDetail {
        ticket,
        close_date,
        modify_date,
        assigned_user_name,
        updates,
        files,
        hardware: attached_devices(conn, &devices::HARDWARE, id)?,
        virtual_guests: attached_devices(conn, &devices::VIRTUAL_GUEST, id)?,
        dedicated_hosts: attached_devices(conn, &devices::DEDICATED_HOST, id)?,
        final_comments,
        user_editable,
        notify_user_on_update,
        location_name,
        additional_emails: super::ticket_additional_emails(conn, id)?
            .into_iter()
            .map(|(_, email)| email)
            .collect(),
        assigned_agents: texts(
            conn,
            "SELECT COALESCE(c.displayName, c.username) || ' (' || c.username || ')' \
             FROM SoftLayer_Ticket_Attachment_Assigned_Agent a \
             JOIN SoftLayer_User_Customer c ON c.id = a.assignedAgentId \
             WHERE a.ticketId = ?1 ORDER BY a.id",
            id,
        )?,
        tags: texts(
            conn,
            &format!(
                "SELECT g.name FROM SoftLayer_Tag_Reference r JOIN SoftLayer_Tag g \
                 ON g.id = r.tagId WHERE r.tagTypeId = {} AND r.resourceTableId = ?1 \
                 ORDER BY g.name",
                super::TICKET_TAG_TYPE
            ),
            id,
        )?,
    }))
}

/// The text column `sql` selects for the ticket `id`.
fn texts(conn: &Connection, sql: &str, id: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
}

/// A file attached to a ticket: its name and bytes.
pub fn attached_file(
    conn: &Connection,
    ticket: i64,
    file: i64,
) -> Result<Option<(String, Vec<u8>)>> {
    Ok(conn
        .query_row(
            "SELECT fileName, content FROM SoftLayer_Ticket_Attachment_File \
             WHERE ticketId = ?1 AND id = ?2",
            [ticket, file],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// One choice of a filter or action: an id and what a person reads.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// What the console's filters and actions choose from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Choices {
    pub accounts: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub groups: Vec<Choice>,
    pub employees: Vec<Choice>,
    pub priorities: Vec<Choice>,
}

fn choices(conn: &Connection, sql: &str) -> Result<Vec<Choice>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Choice {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn filter_choices(conn: &Connection) -> Result<Choices> {
    Ok(Choices {
        accounts: choices(
            conn,
            // With the id, as the console's `accountNamed` names an account: names may
            // repeat (the pytest plugin makes an account per test from one document); a
            // generated name ("Test Account 3001") already ends with it.
            "SELECT id, CASE WHEN companyName IS NULL THEN 'Account ' || id \
               WHEN substr(companyName, -length(id) - 1) = ' ' || id THEN companyName \
               ELSE companyName || ' (' || id || ')' END \
             FROM SoftLayer_Account ORDER BY id",
        )?,
        statuses: choices(
            conn,
            "SELECT id, name FROM SoftLayer_Ticket_Status ORDER BY id",
        )?,
        groups: choices(
            conn,
            "SELECT id, name FROM SoftLayer_Ticket_Group ORDER BY name",
        )?,
        employees: choices(
            conn,
            "SELECT id, COALESCE(displayName, username) || ' (' || username || ')' \
             FROM SoftLayer_User_Employee ORDER BY id",
        )?,
        priorities: choices(
            conn,
            "SELECT value, name FROM SoftLayer_Container_Ticket_Priority ORDER BY value",
        )?,
    })
}
