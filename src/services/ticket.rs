//! SoftLayer_Ticket: creating tickets, adding updates, editing, attaching devices.
//! Relational getters (`getUpdates`, `getStatus`, …) are answered generically from the
//! store's relations; what is here has rules of its own from the SLDN method pages.

use super::{Ctx, Entry, Output, all_of, init_object, lenient, now, read, write};
use crate::call::{ExceptionClass, Fault};
use crate::store::{self, Row};
use crate::value::{Struct, Value};
use serde::Deserialize;

pub const TICKET: &str = "SoftLayer_Ticket";
const UPDATE: &str = "SoftLayer_Ticket_Update";
const STATUS_OPEN: i64 = 1001;
const STATUS_CLOSED: i64 = 1002;
/// A ticket update holds at most 4000 characters; addUpdate splits entries into blocks
/// of this many.
const ENTRY_BLOCK: usize = 3900;
/// The one-time charge of an administrative ticket, in USD.
const ADMINISTRATIVE_CHARGE: i64 = 3;

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "createStandardTicket" => write(create_standard_ticket),
        "createAdministrativeTicket" => write(create_administrative_ticket),
        "getObject" => read(get_object),
        "edit" => write(edit),
        "addUpdate" => write(add_update),
        "getAllTicketStatuses" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Status", "{r}.id")),
        "getAllTicketGroups" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Group", "{r}.id")),
        "markAsViewed" => write(mark_as_viewed),
        "addAttachedHardware" => write(|ctx| attach(ctx, &HARDWARE)),
        "removeAttachedHardware" => write(|ctx| detach(ctx, &HARDWARE)),
        "addAttachedVirtualGuest" => write(|ctx| attach(ctx, &VIRTUAL_GUEST)),
        "removeAttachedVirtualGuest" => write(|ctx| detach(ctx, &VIRTUAL_GUEST)),
        _ => return None,
    })
}

/// The parts of a `SoftLayer_Ticket` skeleton a customer may set.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TicketTemplate {
    #[serde(default, deserialize_with = "lenient::int")]
    subject_id: Option<i64>,
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::int")]
    assigned_user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::int")]
    priority: Option<i64>,
    #[serde(default, deserialize_with = "lenient::flag")]
    notify_user_on_update_flag: Option<bool>,
    #[serde(default, deserialize_with = "lenient::int")]
    location_id: Option<i64>,
}

/// `SoftLayer_Ticket_Update` as addUpdate takes it.
#[derive(Debug, Default, Deserialize)]
struct UpdateTemplate {
    entry: Option<String>,
}

fn exception(message: &str) -> Fault {
    Fault::new(ExceptionClass::Exception, message)
}

fn get_object(ctx: &Ctx) -> Result<Output, Fault> {
    Ok(Output::Object(init_object(ctx)?))
}

/// Who a ticket is for: a user of the caller's own account (the caller by default).
fn assignee(ctx: &Ctx, requested: Option<i64>) -> Result<i64, Fault> {
    let Some(id) = requested else {
        return Ok(ctx.principal.user_id);
    };
    match store::get_owned(
        ctx.conn,
        "SoftLayer_User_Customer",
        id,
        ctx.principal.account_id,
    )? {
        Some(_) => Ok(id),
        None => Err(exception(
            "You may not assign a ticket to a user that your API user does not have access to.",
        )),
    }
}

fn priority(value: Option<i64>) -> Result<Option<i64>, Fault> {
    match value {
        Some(p) if !(0..=4).contains(&p) => Err(Fault::new(
            ExceptionClass::InvalidValue,
            format!(
                "Invalid ticket priority {p}: priorities are 1 (critical) to 4 (minimal impact)."
            ),
        )),
        other => Ok(other),
    }
}

/// The arguments the two create methods share, in SLDN order.
struct CreateArgs {
    template: TicketTemplate,
    contents: Option<String>,
    attachment_id: Option<i64>,
    root_password: Option<String>,
    attachment_type: Option<String>,
}

fn create_args(ctx: &Ctx) -> Result<CreateArgs, Fault> {
    let attachment_id: Option<Value> = ctx.arg::<serde_json::Value>(2)?.map(|v| (&v).into());
    Ok(CreateArgs {
        template: ctx.arg(0)?.unwrap_or_default(),
        contents: ctx.arg(1)?,
        attachment_id: attachment_id.and_then(|v| v.as_i64()).filter(|id| *id != 0),
        root_password: ctx.arg::<String>(3)?.filter(|p| !p.is_empty()),
        attachment_type: ctx.arg(7)?,
    })
}

fn create_standard_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let args = create_args(ctx)?;
    let subject_id = args
        .template
        .subject_id
        .filter(|id| *id != 0)
        .ok_or_else(|| {
            exception("Please provide a subject when creating a standard support ticket.")
        })?;
    create(ctx, args, Some(subject_id), false)
}

fn create_administrative_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let args = create_args(ctx)?;
    if args
        .template
        .title
        .as_deref()
        .is_none_or(|t| t.trim().is_empty())
    {
        return Err(exception(
            "Please provide a title when creating an administrative support ticket.",
        ));
    }
    let subject = args.template.subject_id.filter(|id| *id != 0);
    create(ctx, args, subject, true)
}

fn create(
    ctx: &Ctx,
    args: CreateArgs,
    subject_id: Option<i64>,
    administrative: bool,
) -> Result<Output, Fault> {
    let contents = args
        .contents
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| exception("Please provide ticket contents."))?;
    let subject = match subject_id {
        Some(id) => Some(
            store::get(ctx.conn, "SoftLayer_Ticket_Subject", id)?
                .ok_or_else(|| Fault::not_found(id))?,
        ),
        None => None,
    };
    let attachment = match args.attachment_id {
        Some(id) => {
            let kind = match args
                .attachment_type
                .as_deref()
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                None | Some("") | Some("HARDWARE") => &HARDWARE,
                Some("VIRTUAL_GUEST") => &VIRTUAL_GUEST,
                Some(other) => {
                    return Err(Fault::new(
                        ExceptionClass::InvalidValue,
                        format!(
                            "Invalid attachment type '{other}': use HARDWARE or VIRTUAL_GUEST."
                        ),
                    ));
                }
            };
            if std::ptr::eq(kind, &HARDWARE) && args.root_password.is_none() {
                return Err(exception("Please provide a root/admin password."));
            }
            Some((kind, id))
        }
        None => None,
    };
    let template = args.template;
    let title = template
        .title
        .filter(|t| !t.trim().is_empty())
        .or_else(|| {
            subject
                .as_ref()
                .and_then(|s| s.get_str("name").map(str::to_string))
        })
        .unwrap_or_default();
    let assigned = assignee(ctx, template.assigned_user_id)?;
    let priority = priority(template.priority)?;
    let account = store::get(ctx.conn, "SoftLayer_Account", ctx.principal.account_id)?;
    let id = store::next_id(ctx.conn, TICKET, 160_000_001)?;
    let when = now();
    let mut ticket = Struct::new();
    let mut set = |k: &str, v: Value| {
        ticket.insert(k.to_string(), v);
    };
    set("id", Value::Int(id));
    set("accountId", Value::Int(ctx.principal.account_id));
    set("assignedUserId", Value::Int(assigned));
    set("title", Value::String(title));
    if let Some(s) = subject_id {
        set("subjectId", Value::Int(s));
    }
    if let Some(g) = subject.as_ref().and_then(|s| s.get_i64("groupId")) {
        set("groupId", Value::Int(g));
    }
    set("statusId", Value::Int(STATUS_OPEN));
    if let Some(p) = priority {
        set("priority", Value::Int(p));
    }
    if let Some(l) = template.location_id {
        set("locationId", Value::Int(l));
    }
    set("createDate", Value::DateTime(when.clone()));
    set("modifyDate", Value::DateTime(when.clone()));
    set("lastEditDate", Value::DateTime(when.clone()));
    set("lastEditType", Value::from("USER"));
    set("serviceProviderId", Value::Int(1));
    set(
        "serviceProviderResourceId",
        Value::String(format!("CS{:07}", id % 10_000_000)),
    );
    set("userEditableFlag", Value::Bool(true));
    set(
        "notifyUserOnUpdateFlag",
        Value::Bool(template.notify_user_on_update_flag.unwrap_or(true)),
    );
    set("billableFlag", Value::Bool(administrative));
    set(
        "serverAdministrationFlag",
        Value::Int(administrative as i64),
    );
    if administrative {
        set(
            "serverAdministrationBillingAmount",
            Value::Int(ADMINISTRATIVE_CHARGE),
        );
    }
    if let Some(brand) = account.as_ref().and_then(|a| a.get_i64("brandId")) {
        set("responsibleBrandId", Value::Int(brand));
    }
    set("totalUpdateCount", Value::Int(0));
    store::insert(ctx.conn, TICKET, &ticket)?;
    append_updates(ctx, id, &contents, &when)?;
    if let Some((kind, device)) = attachment {
        attach_device(ctx, id, kind, Some(device))?;
    }
    let row = store::get(ctx.conn, TICKET, id)?.ok_or_else(|| Fault::not_found(id))?;
    Ok(Output::Object(row))
}

/// Splits an entry into blocks of at most [`ENTRY_BLOCK`] characters.
fn blocks(entry: &str) -> Vec<String> {
    let chars: Vec<char> = entry.chars().collect();
    chars
        .chunks(ENTRY_BLOCK)
        .map(|c| c.iter().collect())
        .collect()
}

/// Adds a customer's entry to a ticket as one or more updates; returns them.
fn append_updates(ctx: &Ctx, ticket_id: i64, entry: &str, when: &str) -> Result<Vec<Row>, Fault> {
    let mut rows = Vec::new();
    for block in blocks(entry) {
        let mut update = Struct::new();
        update.insert("ticketId".into(), Value::Int(ticket_id));
        update.insert("entry".into(), Value::String(block));
        update.insert("createDate".into(), Value::DateTime(when.to_string()));
        update.insert("editorId".into(), Value::Int(ctx.principal.user_id));
        update.insert("editorType".into(), Value::from("USER"));
        let id = store::insert(ctx.conn, UPDATE, &update)?;
        rows.push(store::get(ctx.conn, UPDATE, id)?.ok_or_else(|| Fault::not_found(id))?);
    }
    let ticket =
        store::get(ctx.conn, TICKET, ticket_id)?.ok_or_else(|| Fault::not_found(ticket_id))?;
    let mut changes = Struct::new();
    changes.insert("lastEditDate".into(), Value::DateTime(when.to_string()));
    changes.insert("modifyDate".into(), Value::DateTime(when.to_string()));
    changes.insert("lastEditType".into(), Value::from("USER"));
    changes.insert(
        "totalUpdateCount".into(),
        Value::Int(ticket.get_i64("totalUpdateCount").unwrap_or(0) + rows.len() as i64),
    );
    store::update(ctx.conn, TICKET, ticket_id, &changes)?;
    Ok(rows)
}

fn refuse_if_closed(ticket: &Row) -> Result<(), Fault> {
    if ticket.get_i64("statusId") == Some(STATUS_CLOSED) {
        return Err(Fault::public(
            "Unable to add ticket update. The ticket is closed; please contact SoftLayer to re-open it.",
        ));
    }
    Ok(())
}

fn add_update(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let template: UpdateTemplate = ctx.arg(0)?.unwrap_or_default();
    let files: Option<Vec<serde_json::Value>> = ctx.arg(1)?;
    if files.as_ref().is_some_and(|f| f.len() > 2) {
        return Err(exception(
            "You may not attach more than two files when updating a ticket.",
        ));
    }
    let entry = template
        .entry
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            Fault::public("Unable to add ticket update. Please provide ticket update contents.")
        })?;
    refuse_if_closed(&ticket)?;
    let rows = append_updates(ctx, ticket.id().unwrap_or_default(), &entry, &now())?;
    Ok(Output::List(store::Page {
        total: rows.len() as u64,
        rows,
    }))
}

fn edit(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let id = ticket.id().unwrap_or_default();
    let raw_template: Option<serde_json::Value> = ctx.arg(0)?;
    let template: TicketTemplate = ctx.arg(0)?.unwrap_or_default();
    let contents: Option<String> = ctx.arg(1)?;
    let files: Option<Vec<serde_json::Value>> = ctx.arg(2)?;
    if files.as_ref().is_some_and(|f| f.len() > 2) {
        return Err(exception(
            "You may not attach more than two files when updating a ticket.",
        ));
    }
    let administrative = ticket.get_i64("serverAdministrationFlag").unwrap_or(0) != 0;
    let names_subject = raw_template
        .as_ref()
        .is_some_and(|t| t.get("subjectId").is_some());
    let mut changes = Struct::new();
    if !administrative && names_subject {
        let subject_id = template.subject_id.filter(|s| *s != 0).ok_or_else(|| {
            exception("Please provide a subject when creating a standard support ticket.")
        })?;
        let subject = store::get(ctx.conn, "SoftLayer_Ticket_Subject", subject_id)?
            .ok_or_else(|| Fault::not_found(subject_id))?;
        changes.insert("subjectId".into(), Value::Int(subject_id));
        if let Some(name) = subject.get_str("name") {
            // A standard ticket's title is its subject's name; custom titles are refused.
            changes.insert("title".into(), Value::from(name));
        }
        if let Some(g) = subject.get_i64("groupId") {
            changes.insert("groupId".into(), Value::Int(g));
        }
    }
    if administrative {
        if let Some(title) = template.title.filter(|t| !t.trim().is_empty()) {
            changes.insert("title".into(), Value::String(title));
        }
    }
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
    let contents = contents.filter(|c| !c.trim().is_empty());
    if changes.is_empty() && contents.is_none() {
        return Err(exception("Please provide ticket update contents."));
    }
    if !changes.is_empty() {
        changes.insert("modifyDate".into(), Value::DateTime(now()));
        store::update(ctx.conn, TICKET, id, &changes)?;
    }
    if let Some(entry) = contents {
        refuse_if_closed(&ticket)?;
        append_updates(ctx, id, &entry, &now())?;
    }
    let row = store::get(ctx.conn, TICKET, id)?.ok_or_else(|| Fault::not_found(id))?;
    Ok(Output::Object(row))
}

fn mark_as_viewed(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    store::mark_viewed(
        ctx.conn,
        ticket.id().unwrap_or_default(),
        ctx.principal.user_id,
        &now(),
    )?;
    Ok(Output::Value(Value::Null))
}

/// A kind of device that can be attached to a ticket, and the messages of its rules.
pub struct DeviceKind {
    device_type: &'static str,
    link_type: &'static str,
    link_column: &'static str,
    attach_null: &'static str,
    already: &'static str,
    not_yours_attach: &'static str,
    detach_null: &'static str,
    not_attached: &'static str,
    not_yours_detach: &'static str,
}

pub static HARDWARE: DeviceKind = DeviceKind {
    device_type: "SoftLayer_Hardware",
    link_type: "SoftLayer_Ticket_Attachment_Hardware",
    link_column: "hardwareId",
    attach_null: "Unable to attach null hardware to this ticket.",
    already: "This hardware is already attached to this ticket.",
    not_yours_attach: "You may not attach this hardware to this ticket.",
    detach_null: "Unable to detach null hardware from this ticket.",
    not_attached: "This hardware is not attached to this ticket.",
    not_yours_detach: "You may not detach this hardware from this ticket.",
};

pub static VIRTUAL_GUEST: DeviceKind = DeviceKind {
    device_type: "SoftLayer_Virtual_Guest",
    link_type: "SoftLayer_Ticket_Attachment_Virtual_Guest",
    link_column: "virtualGuestId",
    attach_null: "Unable to attach a null virtual guest to this ticket.",
    already: "This virtual guest is already attached to this ticket.",
    not_yours_attach: "You may not attach this virtual guest to this ticket.",
    detach_null: "Unable to detach null virtual guest from this ticket.",
    not_attached: "This virtual guest is not attached to this ticket.",
    not_yours_detach: "You may not detach this virtual guest from this ticket.",
};

fn device_arg(ctx: &Ctx) -> Result<Option<i64>, Fault> {
    Ok(ctx
        .arg::<serde_json::Value>(0)?
        .and_then(|v| Value::from(&v).as_i64())
        .filter(|id| *id != 0))
}

fn attach(ctx: &Ctx, kind: &DeviceKind) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let device = device_arg(ctx)?;
    let link = attach_device(ctx, ticket.id().unwrap_or_default(), kind, device)?;
    Ok(Output::Object(link))
}

fn link_key(ticket_id: i64, kind: &DeviceKind, device: i64) -> Struct {
    let mut key = Struct::new();
    key.insert("ticketId".into(), Value::Int(ticket_id));
    key.insert(kind.link_column.into(), Value::Int(device));
    key
}

fn attach_device(
    ctx: &Ctx,
    ticket_id: i64,
    kind: &DeviceKind,
    device: Option<i64>,
) -> Result<Row, Fault> {
    let device = device.ok_or_else(|| exception(kind.attach_null))?;
    if store::get_owned(ctx.conn, kind.device_type, device, ctx.principal.account_id)?.is_none() {
        return Err(exception(kind.not_yours_attach));
    }
    let key = link_key(ticket_id, kind, device);
    if !store::find(ctx.conn, kind.link_type, &key)?.is_empty() {
        return Err(exception(kind.already));
    }
    let mut link = key;
    link.insert("attachmentId".into(), Value::Int(device));
    link.insert("createDate".into(), Value::DateTime(now()));
    let id = store::insert(ctx.conn, kind.link_type, &link)?;
    store::get(ctx.conn, kind.link_type, id)?
        .ok_or_else(|| exception("Unable to attach this device to this ticket."))
}

fn detach(ctx: &Ctx, kind: &DeviceKind) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let device = device_arg(ctx)?.ok_or_else(|| exception(kind.detach_null))?;
    if store::get_owned(ctx.conn, kind.device_type, device, ctx.principal.account_id)?.is_none() {
        return Err(exception(kind.not_yours_detach));
    }
    let removed = store::delete_where(
        ctx.conn,
        kind.link_type,
        &link_key(ticket.id().unwrap_or_default(), kind, device),
    )?;
    if removed == 0 {
        return Err(exception(kind.not_attached));
    }
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
