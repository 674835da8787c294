//! SoftLayer_Ticket: creating tickets, adding updates, editing, attaching devices and
//! files. Relational getters (`getUpdates`, `getStatus`, `getNewUpdatesFlag`, …) are
//! answered generically from the store's relations; what is here has rules of its own
//! from the SLDN method pages, one concern per file.

mod create;
mod devices;
mod files;
mod notify;
pub mod updates;

use crate::value::PhpTrim;
pub use files::EXTENSION_WHITELIST;

use super::{Ctx, Entry, Output, all_of, init_object, init_object_shown, now, read, write};
use crate::call::{ExceptionClass, Fault};
use crate::store::{self, Row};
use crate::value::{Struct, Value};
use serde::Deserialize;

pub const TICKET: &str = "SoftLayer_Ticket";
pub(super) const UPDATE: &str = "SoftLayer_Ticket_Update";
pub use crate::store::ticket_status::{
    CLOSED as STATUS_CLOSED, OPEN as STATUS_OPEN, STATE_AWAITING_CUSTOMER,
};
/// A ticket update holds at most 4000 characters; addUpdate splits entries into blocks
/// of this many.
pub(super) const ENTRY_BLOCK: usize = 3900;
/// The one-time charge of an administrative ticket, in USD.
pub(super) const ADMINISTRATIVE_CHARGE: i64 = 3;

/// A new ticket's case number at its service provider (`serviceProviderResourceId`,
/// slcli's Case_Number), one per ticket as SLDN says: every digit of its id. The id's
/// last seven digits repeated another ticket's past ten million tickets, and matched a
/// seed ticket's (`CS0160001`) at 160,160,001.
pub fn case_number(id: i64) -> String {
    format!("CS{id:07}")
}

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "createStandardTicket" => write(create::create_standard_ticket),
        "createAdministrativeTicket" => write(create::create_administrative_ticket),
        "createCancelServerTicket" => write(create::create_cancel_server_ticket),
        "createCancelServiceTicket" => write(create::create_cancel_service_ticket),
        "createUpgradeTicket" => write(create::create_upgrade_ticket),
        "getObject" => read(get_object),
        "getTicketsClosedSinceDate" => read(tickets_closed_since_date),
        "edit" => write(updates::edit),
        "addUpdate" => write(updates::add_update),
        "addFinalComments" => write(updates::add_final_comments),
        "getAllTicketStatuses" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Status", "{r}.id")),
        "getAllTicketGroups" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Group", "{r}.id")),
        "markAsViewed" => write(mark_as_viewed),
        "addAttachedHardware" => write(|ctx| devices::attach(ctx, &devices::HARDWARE)),
        "removeAttachedHardware" => write(|ctx| devices::detach(ctx, &devices::HARDWARE)),
        "addAttachedVirtualGuest" => write(|ctx| devices::attach(ctx, &devices::VIRTUAL_GUEST)),
        "removeAttachedVirtualGuest" => write(|ctx| devices::detach(ctx, &devices::VIRTUAL_GUEST)),
        "addAttachedDedicatedHost" => write(|ctx| devices::attach(ctx, &devices::DEDICATED_HOST)),
        "addAssignedAgent" => write(devices::add_assigned_agent),
        "removeAssignedAgent" => write(devices::remove_assigned_agent),
        "addAttachedFile" => write(files::add_attached_file),
        "getAttachedFile" => read(files::get_attached_file),
        "addAttachedAdditionalEmails" => {
            write(|ctx| notify::change_emails(ctx, notify::EmailChange::Add))
        }
        "removeAttachedAdditionalEmails" => {
            write(|ctx| notify::change_emails(ctx, notify::EmailChange::Remove))
        }
        "updateAttachedAdditionalEmails" => {
            write(|ctx| notify::change_emails(ctx, notify::EmailChange::Replace))
        }
        "addScheduledAlert" => write(|ctx| notify::schedule(ctx, notify::ScheduleKind::Alert)),
        "addScheduledAutoClose" => {
            write(|ctx| notify::schedule(ctx, notify::ScheduleKind::AutoClose))
        }
        "removeScheduledAlert" => write(|ctx| notify::unschedule(ctx, notify::ScheduleKind::Alert)),
        "removeScheduledAutoClose" => {
            write(|ctx| notify::unschedule(ctx, notify::ScheduleKind::AutoClose))
        }
        "setTags" => write(notify::set_tags),
        "surveyEligible" => read(notify::survey_eligible),
        _ => return None,
    })
}

/// The parts of a `SoftLayer_Ticket` skeleton a customer may set.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TicketTemplate {
    #[serde(default)]
    subject_id: Option<i64>,
    title: Option<String>,
    #[serde(default)]
    assigned_user_id: Option<i64>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    notify_user_on_update_flag: Option<bool>,
    #[serde(default)]
    location_id: Option<i64>,
}

/// Names in the warning header a `statusId` or `groupId` the template of `method` sent
/// that the ticket does not have after the call (`after`): neither is the customer's to
/// set (the status is the support desk's, the group follows the subject), and each was
/// dropped without a word. `status_why` says why the status was not taken.
pub(super) fn warn_unsettable(
    ctx: &Ctx,
    method: &str,
    raw_template: Option<&serde_json::Value>,
    status_why: &str,
    after: impl Fn(&str) -> Option<i64>,
) {
    for (property, why) in [
        ("statusId", status_why),
        ("groupId", "a ticket's group follows its subject"),
    ] {
        let sent = match raw_template.and_then(|t| t.get(property)) {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::String(text)) => text.php_trim().to_string(),
            Some(other) => other.to_string(),
        };
        if sent.parse::<i64>().ok() != after(property) {
            ctx.warn(&format!("{method}: {property} {sent} ignored: {why}"));
        }
    }
}

/// `SoftLayer_Ticket_Update` as addUpdate takes it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct UpdateTemplate {
    entry: Option<String>,
}

/// A struct of columns from name/value pairs.
pub(super) fn fields<const N: usize>(pairs: [(&str, Value); N]) -> Struct {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A rule of the ticket service that SLDN documents as `SoftLayer_Exception`.
pub(super) fn exception(message: &str) -> Fault {
    Fault::documented(ExceptionClass::Exception, message)
}

/// A rule of the ticket service that SLDN documents as `SoftLayer_Exception_Public`.
pub(super) fn public(message: &str) -> Fault {
    Fault::documented(ExceptionClass::Public, message)
}

pub(super) fn get_object(ctx: &Ctx) -> Result<Output, Fault> {
    Ok(Output::Object(init_object_shown(ctx)?))
}

/// Who a ticket is for: a user of the caller's own account (the caller by default).
pub(super) fn assignee(ctx: &Ctx, requested: Option<i64>) -> Result<i64, Fault> {
    let Some(id) = requested else {
        return Ok(ctx.principal.user_id);
    };
    account_user(ctx, id, || {
        exception(
            "You may not assign a ticket to a user that your API user does not have access to.",
        )
    })
}

/// `id` when it is a user of the caller's account, else the fault `refused` makes.
pub(super) fn account_user(
    ctx: &Ctx,
    id: i64,
    refused: impl FnOnce() -> Fault,
) -> Result<i64, Fault> {
    match store::get_owned(
        ctx.conn,
        "SoftLayer_User_Customer",
        id,
        ctx.principal.account_id,
    )? {
        Some(_) => Ok(id),
        None => Err(refused()),
    }
}

pub(super) fn priority(value: Option<i64>) -> Result<Option<i64>, Fault> {
    match value {
        Some(p) if !store::TICKET_PRIORITIES.contains(&p) => Err(Fault::rule(format!(
            "Invalid ticket priority {p}: priorities are 0 (none) or 1 (critical) to 4 \
             (minimal impact)."
        ))),
        other => Ok(other),
    }
}

pub(super) fn mark_as_viewed(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    store::mark_viewed(
        ctx.conn,
        ticket.id().unwrap_or_default(),
        ctx.principal.user_id,
        &now(),
    )?;
    Ok(Output::Value(Value::Null))
}

/// Tickets of the caller's account closed since a date (ISO 8601 or `MM/DD/YYYY`).
fn tickets_closed_since_date(ctx: &Ctx) -> Result<Output, Fault> {
    let raw: Option<serde_json::Value> = ctx.arg(0)?;
    let text = raw
        .as_ref()
        .and_then(|v| v.as_str())
        .ok_or_else(|| Fault::rule("Please provide a close date."))?;
    let since = parse_date(ctx, text).ok_or_else(|| {
        let why = crate::time::refusal(
            text,
            ctx.zone,
            "use ISO 8601 (2024-01-31T00:00:00-06:00) or MM/DD/YYYY",
        );
        Fault::rule(format!("Invalid date '{text}': {why}."))
    })?;
    let source = store::ListSource::TicketsClosedSince {
        account_id: ctx.principal.account_id,
        since,
    };
    let filter = ctx.list_filter(TICKET, None)?;
    Ok(Output::Rows { source, filter })
}

/// A date as a caller sends it, as stored text; without an offset it is in the caller's
/// time zone (SLDN's date article).
pub(super) fn parse_date(ctx: &Ctx, text: &str) -> Option<String> {
    crate::time::parse_to_stored(text, ctx.zone)
}
