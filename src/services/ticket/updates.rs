//! Updates: append-only entries split into 3900-character blocks, edits that never
//! close a ticket, and final comments on closed tickets.

use super::*;
use crate::emulator::outbox;
use crate::value::PhpTrim;

/// At most this many files come with one update.
const MAX_UPDATE_FILES: usize = 2;
/// Final comments hold at most this many characters.
const MAX_FINAL_COMMENTS: usize = 4000;

/// Who writes an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    User(i64),
    Employee(i64),
}

/// `lastEditType`'s two values.
pub const USER_EDIT: &str = "USER";
pub const EMPLOYEE_EDIT: &str = "EMPLOYEE";

/// Stamps `changes` to a ticket as an edit at `when` by `kind` ([`USER_EDIT`] or
/// [`EMPLOYEE_EDIT`]), made by user or employee `editor` when known: SLDN's
/// `lastEditDate` is "the date that a ticket was last modified. A modification does not
/// necessarily mean that an update was added", `lastEditType` "the type of user who last
/// edited or updated a ticket", and `lastEditor` that user. An edit need not add an
/// update, so the last update's editor is not the last editor (`lastEditorId`, behind
/// the relation; an edit by an employee the support desk does not name leaves it unset,
/// and the last employee update's editor stands in).
pub fn stamp_edit(changes: &mut Struct, when: &str, kind: &'static str, editor: Option<i64>) {
    changes.insert("lastEditDate".into(), Value::DateTime(when.to_string()));
    changes.insert("modifyDate".into(), Value::DateTime(when.to_string()));
    changes.insert("lastEditType".into(), Value::from(kind));
    changes.insert(
        "lastEditorId".into(),
        editor.map_or(Value::Null, Value::Int),
    );
}

impl Editor {
    fn kind(self) -> &'static str {
        match self {
            Editor::User(_) => USER_EDIT,
            Editor::Employee(_) => EMPLOYEE_EDIT,
        }
    }

    fn id(self) -> i64 {
        match self {
            Editor::User(id) | Editor::Employee(id) => id,
        }
    }
}

/// Splits an entry into blocks of at most [`ENTRY_BLOCK`] characters.
fn blocks(entry: &str) -> Vec<String> {
    let chars: Vec<char> = entry.chars().collect();
    chars
        .chunks(ENTRY_BLOCK)
        .map(|c| c.iter().collect())
        .collect()
}

/// How many updates `entry` makes ([`blocks`]).
pub(super) fn update_count(entry: &str) -> usize {
    entry.chars().count().div_ceil(ENTRY_BLOCK)
}

/// The first updates of a ticket just created, whose row already counts them
/// ([`update_count`]) and carries their date and editor: the update rows alone, without
/// the write to the ticket's row [`append`] makes (4% of the writer thread's instructions
/// under `createStandardTicket` load).
pub(super) fn insert_first_updates(
    ctx: &Ctx,
    ticket_id: i64,
    entry: &str,
    when: &str,
) -> Result<Vec<i64>, Fault> {
    Ok(insert_updates(
        ctx.conn,
        ticket_id,
        entry,
        when,
        Editor::User(ctx.principal.user_id),
    )?)
}

/// The update rows of `entry` by `editor`; their ids.
fn insert_updates(
    conn: &rusqlite::Connection,
    ticket_id: i64,
    entry: &str,
    when: &str,
    editor: Editor,
) -> Result<Vec<i64>, store::StoreError> {
    let mut ids = Vec::new();
    for block in blocks(entry) {
        let update = fields([
            ("ticketId", Value::Int(ticket_id)),
            ("entry", Value::String(block)),
            ("createDate", Value::DateTime(when.to_string())),
            ("editorId", Value::Int(editor.id())),
            ("editorType", Value::from(editor.kind())),
        ]);
        ids.push(store::insert_new(conn, UPDATE, &update)?);
    }
    Ok(ids)
}

/// Adds the caller's entry to a ticket as one or more updates; returns their ids.
/// `ticket` is the ticket's row as this transaction last wrote or read it, when the
/// caller has it (see [`append`]).
pub(super) fn append_updates(
    ctx: &Ctx,
    ticket_id: i64,
    ticket: Option<&dyn store::Members>,
    entry: &str,
    when: &str,
) -> Result<Vec<i64>, Fault> {
    Ok(append(
        ctx.conn,
        ticket_id,
        ticket,
        entry,
        when,
        Editor::User(ctx.principal.user_id),
    )?)
}

/// Adds an entry by `editor`; returns the new updates' ids. A customer's update answers
/// any question support asked, so the ticket no longer waits on the customer; an
/// employee's is a response.
///
/// `ticket` spares reading the ticket again when the caller holds its current row (a
/// ticket just created, or read in this transaction and not changed since): under
/// `createStandardTicket` load each row read was 3% of the writer thread.
pub fn append(
    conn: &rusqlite::Connection,
    ticket_id: i64,
    ticket: Option<&dyn store::Members>,
    entry: &str,
    when: &str,
    editor: Editor,
) -> Result<Vec<i64>, store::StoreError> {
    let ids = insert_updates(conn, ticket_id, entry, when, editor)?;
    let read;
    let ticket = match ticket {
        Some(known) => Some(known),
        None => {
            read = store::get(conn, TICKET, ticket_id)?;
            read.as_ref().map(|t| &t.values as &dyn store::Members)
        }
    };
    let total = ticket
        .and_then(|t| t.member("totalUpdateCount"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut changes = fields([("totalUpdateCount", Value::Int(total + ids.len() as i64))]);
    stamp_edit(&mut changes, when, editor.kind(), Some(editor.id()));
    match editor {
        Editor::User(_) => {
            changes.insert("awaitingUserResponse".into(), Value::Int(0));
            store::set_ticket_state(conn, ticket_id, STATE_AWAITING_CUSTOMER, false)?;
        }
        Editor::Employee(_) => {
            changes.insert("lastResponseDate".into(), Value::DateTime(when.to_string()));
        }
    }
    // Only what changes: a ticket just created already has these dates, and setting a
    // date again rewrites the entries of every list index that holds it (eight).
    if let Some(ticket) = ticket {
        changes.retain(|k, v| ticket.member(k) != Some(v));
    }
    store::update(conn, TICKET, ticket_id, &changes)?;
    Ok(ids)
}

/// The rows of updates by id, in that order.
fn update_rows(ctx: &Ctx, ids: &[i64]) -> Result<Vec<Row>, Fault> {
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        rows.extend(store::get(ctx.conn, UPDATE, *id)?);
    }
    Ok(rows)
}

/// SLDN addUpdate's documented fault, verbatim (two periods); the reason follows it.
const UNABLE_TO_ADD_UPDATE: &str = "Unable to add ticket update..";

/// A closed ticket takes no further updates (SLDN SoftLayer_Ticket overview): not an
/// update, a file, a device or an edit. Each is refused with its own method's documented
/// failure, in its class (`SoftLayer_Exception_Public` for addUpdate's "Unable to add
/// ticket update..", `SoftLayer_Exception` for addAttachedFile's "Unable to attach file
/// to this ticket."), and the reason after it.
///
/// Nor does a ticket whose `userEditableFlag` is false (SLDN: "Whether a user is able to
/// update a ticket"), an imported one: it took every customer write, so a client's
/// handling of a locked ticket could not be tested. SLDN documents no message for it; the
/// method's failure, as `SoftLayer_Exception_Public`, the class of a refusal whose text
/// is for the user. These are the customer's methods; the support desk writes anyway.
pub(super) fn refuse_if_not_updatable(
    ticket: &Row,
    class: ExceptionClass,
    unable: &str,
) -> Result<(), Fault> {
    if ticket.get_i64("statusId") == Some(STATUS_CLOSED) {
        return Err(Fault::documented(
            class,
            format!("{unable} The ticket is closed; please contact SoftLayer to re-open it."),
        ));
    }
    if ticket.get_i64("userEditableFlag") == Some(0) {
        return Err(Fault::documented(
            ExceptionClass::Public,
            format!(
                "{unable} This ticket may not be updated by its account's users \
                 (userEditableFlag is false); please contact SoftLayer."
            ),
        ));
    }
    Ok(())
}

pub(super) fn add_update(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let template: UpdateTemplate = ctx.arg(0)?.unwrap_or_default();
    let files = files::files_arg(ctx, 1)?;
    files::check_count(&files, MAX_UPDATE_FILES)?;
    let entry = template
        .entry
        .filter(|e| !e.php_trim().is_empty())
        .ok_or_else(|| {
            Fault::documented(
                ExceptionClass::Public,
                format!("{UNABLE_TO_ADD_UPDATE} Please provide ticket update contents."),
            )
        })?;
    refuse_if_not_updatable(&ticket, ExceptionClass::Public, UNABLE_TO_ADD_UPDATE)?;
    let id = ticket.id().unwrap_or_default();
    let ids = append_updates(ctx, id, Some(&ticket.values), &entry, &now())?;
    outbox::ticket_row_event(
        ctx.conn,
        &ticket,
        outbox::Event::CustomerUpdate,
        Some(&entry),
    )?;
    let rows = update_rows(ctx, &ids)?;
    let first = ids.first().copied();
    for file in &files {
        files::store_file(ctx, id, first, file)?;
    }
    Ok(Output::List(store::Page {
        total: rows.len() as u64,
        rows,
    }))
}

/// Whether a standard ticket's title is its subject's name (or none), so that it names a
/// new subject; a custom one is not.
fn title_follows_subject(ctx: &Ctx, ticket: &store::Row) -> Result<bool, Fault> {
    let Some(title) = ticket.get_str("title").filter(|t| !t.php_trim().is_empty()) else {
        return Ok(true);
    };
    let Some(subject_id) = ticket.get_i64("subjectId") else {
        return Ok(false);
    };
    let subject = store::get(ctx.conn, "SoftLayer_Ticket_Subject", subject_id)?;
    Ok(subject.as_ref().and_then(|s| s.get_str("name")) == Some(title))
}

pub(super) fn edit(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let id = ticket.id().unwrap_or_default();
    let raw_template: Option<serde_json::Value> = ctx.arg(0)?;
    let template: TicketTemplate = ctx.arg(0)?.unwrap_or_default();
    let contents: Option<String> = ctx.arg(1)?;
    let files = files::files_arg(ctx, 2)?;
    files::check_count(&files, MAX_UPDATE_FILES)?;
    let administrative = ticket.get_i64("serverAdministrationFlag").unwrap_or(0) != 0;
    refuse_if_not_updatable(&ticket, ExceptionClass::Public, UNABLE_TO_ADD_UPDATE)?;
    // The Ruby client's `ticket.update(body)` sends the whole ticket back: its own
    // subjectId again is no change of subject, and keeps the title it has.
    let same_subject =
        template.subject_id.is_some() && template.subject_id == ticket.get_i64("subjectId");
    let mut changes = Struct::new();
    // A nil, blank or empty subjectId is none given: Axis 1 stubs send every member they
    // were not set as xsi:nil, and edit was refused as a create without a subject. A 0 is
    // one given, and refused as SLDN's edit page says, on a standard ticket; an
    // administrative one needs no subject (createAdministrativeTicket reads 0 as none).
    if !same_subject
        && let Some(subject_id) = template
            .subject_id
            .filter(|id| !(administrative && *id == 0))
    {
        if subject_id == 0 {
            return Err(exception(
                "Please provide a subject when creating a standard support ticket.",
            ));
        }
        // An administrative ticket's subject was dropped without a word, a bogus one
        // included; it is checked and taken as createAdministrativeTicket takes it.
        let subject = create::subject_row(ctx, subject_id)?;
        changes.insert("subjectId".into(), Value::Int(subject_id));
        // A standard ticket's title is its subject's name, and follows a new subject; a
        // title given at creation (slcli's --title) is the customer's and stays: the edit
        // named no title.
        // Asked for by name (the new subject's, the standard title), it is taken too.
        // An administrative ticket's title is always the customer's own.
        let asked = template.title.as_deref().map(str::trim);
        if !administrative
            && let Some(name) = subject.get_str("name")
            && (asked == Some(name) || title_follows_subject(ctx, &ticket)?)
        {
            changes.insert("title".into(), Value::from(name));
        }
        if let Some(g) = subject.get_i64("groupId") {
            changes.insert("groupId".into(), Value::Int(g));
        }
    }
    // A location is set at creation (createStandardTicket's template) and is the ticket's
    // own, so edit takes a new one, checked as create checks it; it was dropped without a
    // word. The ticket's own sent back, or a 0 (value-type stubs' unset int), is no change.
    if let Some(location_id) = template
        .location_id
        .filter(|id| *id != 0 && Some(*id) != ticket.get_i64("locationId"))
    {
        changes.insert(
            "locationId".into(),
            Value::Int(create::location(ctx, location_id)?),
        );
    }
    match template.title.filter(|t| !t.php_trim().is_empty()) {
        Some(title) if administrative => {
            changes.insert("title".into(), Value::String(title));
        }
        // SLDN: "You may not enter a custom title for standard support tickets"; the
        // ticket's own title sent back (the Ruby gem's update) is no change.
        Some(title)
            if Some(title.as_str()) != ticket.get_str("title")
                && changes.get("title").and_then(Value::as_str) != Some(title.php_trim()) =>
        {
            ctx.warn(&format!(
                "edit: a standard support ticket takes no custom title: '{title}' ignored"
            ))
        }
        _ => {}
    }
    // SLDN: "you may not close a ticket using this method"; a ticket's group follows its
    // subject. Both were dropped without a word, so a script that closed tickets by edit
    // saw `true`. Sent back unchanged (a client's whole ticket) they are no change;
    // beside a new subject, the group is the one that subject brings.
    warn_unsettable(
        ctx,
        "edit",
        raw_template.as_ref(),
        "edit does not change a ticket's status",
        |property| {
            changes
                .get(property)
                .and_then(Value::as_i64)
                .or_else(|| ticket.get_i64(property))
        },
    );
    if template.assigned_user_id.is_some() {
        changes.insert(
            "assignedUserId".into(),
            Value::Int(assignee(ctx, template.assigned_user_id)?),
        );
    }
    if let Some(p) = priority(template.priority)? {
        changes.insert("priority".into(), Value::Int(p));
    }
    if let Some(flag) = template.notify_user_on_update_flag {
        changes.insert("notifyUserOnUpdateFlag".into(), Value::Bool(flag));
    }
    let contents = contents.filter(|c| !c.php_trim().is_empty());
    if changes.is_empty() && contents.is_none() && files.is_empty() {
        return Err(exception("Please provide ticket update contents."));
    }
    // statusId is never taken from the template: edit cannot close (or reopen) a ticket.
    // Files alone are an edit too (SLDN's lastEditDate: "A modification does not
    // necessarily mean that an update was added").
    if !changes.is_empty() || !files.is_empty() {
        stamp_edit(&mut changes, &now(), USER_EDIT, Some(ctx.principal.user_id));
        store::update(ctx.conn, TICKET, id, &changes)?;
    }
    let mut first = None;
    if let Some(entry) = &contents {
        first = append_updates(ctx, id, None, entry, &now())?
            .first()
            .copied();
    }
    for file in &files {
        files::store_file(ctx, id, first, file)?;
    }
    let row = store::get(ctx.conn, TICKET, id)?.ok_or_else(|| Fault::not_found(id))?;
    // Mailed as the ticket is after the edit: one that turns notifyUserOnUpdateFlag off
    // and adds an entry is not mailed.
    if let Some(entry) = &contents {
        outbox::ticket_row_event(ctx.conn, &row, outbox::Event::CustomerUpdate, Some(entry))?;
    }
    Ok(Output::Object(row))
}

pub(super) fn add_final_comments(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let comments: Option<String> = ctx.arg(0)?;
    if ticket.get_i64("statusId") != Some(STATUS_CLOSED) {
        return Err(public(
            "You can only add final comments to a closed ticket.",
        ));
    }
    if ticket
        .get_str("finalComments")
        .is_some_and(|c| !c.is_empty())
    {
        return Err(public("This ticket already has final comments set."));
    }
    let comments = comments
        .filter(|c| !c.php_trim().is_empty())
        .ok_or_else(|| public("Please provide final comments."))?;
    if comments.chars().count() > MAX_FINAL_COMMENTS {
        return Err(public(
            "Your final comments may not exceed 4000 characters in length.",
        ));
    }
    let mut changes = fields([("finalComments", Value::String(comments))]);
    stamp_edit(&mut changes, &now(), USER_EDIT, Some(ctx.principal.user_id));
    store::update(ctx.conn, TICKET, ticket.id().unwrap_or_default(), &changes)?;
    Ok(Output::Value(Value::Bool(true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split_on_characters_not_bytes() {
        let long: String = "é".repeat(ENTRY_BLOCK * 2 + 5);
        let parts = blocks(&long);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].chars().count(), ENTRY_BLOCK);
        assert_eq!(parts[2].chars().count(), 5);
    }
}
