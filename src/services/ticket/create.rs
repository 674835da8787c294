//! Opening tickets: standard and administrative (with the one-time charge), and the
//! cancellation and upgrade requests that are tickets too. Every one of them goes
//! through [`open`], so they all look alike once created.

use super::devices::{self, DeviceRules};
use super::*;
use crate::services::sldn_message;
use crate::value::PhpTrim;

/// What a new ticket is made of, whichever method opens it.
struct NewTicket {
    title: String,
    subject: Option<Row>,
    /// The department, when no subject names one.
    group_name: Option<&'static str>,
    assigned_user_id: i64,
    priority: Option<i64>,
    location_id: Option<i64>,
    notify: bool,
    administrative: bool,
    contents: String,
    files: Vec<files::NewFile>,
    device: Option<(&'static DeviceRules, i64)>,
}

/// The arguments the standard and administrative create methods share, in SLDN order.
struct CreateArgs {
    template: TicketTemplate,
    /// The template as sent, for the members [`TicketTemplate`] does not read.
    raw_template: Option<serde_json::Value>,
    contents: Option<String>,
    attachment_id: Option<i64>,
    root_password: Option<String>,
    files: Vec<files::NewFile>,
    attachment_type: Option<String>,
}

fn create_args(ctx: &Ctx) -> Result<CreateArgs, Fault> {
    Ok(CreateArgs {
        template: ctx.arg(0)?.unwrap_or_default(),
        raw_template: ctx.arg(0)?,
        contents: ctx.arg(1)?,
        attachment_id: ctx.int_arg(2)?,
        root_password: ctx.arg::<String>(3)?.filter(|p| !p.is_empty()),
        files: files::files_arg(ctx, 6)?,
        attachment_type: ctx.arg(7)?,
    })
}

/// An integer argument that clients may send as a number or numeric text; 0 is none.
pub(super) fn create_standard_ticket(ctx: &Ctx) -> Result<Output, Fault> {
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

pub(super) fn create_administrative_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let args = create_args(ctx)?;
    if args
        .template
        .title
        .as_deref()
        .is_none_or(|t| t.php_trim().is_empty())
    {
        return Err(exception(
            "Please provide a title when creating an administrative support ticket.",
        ));
    }
    let subject = args.template.subject_id.filter(|id| *id != 0);
    create(ctx, args, subject, true)
}

/// The `attachmentType` values a method's SLDN page lists, and the kind of device each
/// names. A firewall appliance is hardware (`SoftLayer_Account::hardwareFirewalls` is a
/// `SoftLayer_Hardware[]`).
type AttachmentTypes = [(&'static str, &'static DeviceRules)];
const STANDARD_TYPES: &AttachmentTypes = &[
    ("HARDWARE", &devices::HARDWARE),
    ("VIRTUAL_GUEST", &devices::VIRTUAL_GUEST),
];
const CANCEL_SERVER_TYPES: &AttachmentTypes = &[("HARDWARE", &devices::HARDWARE)];
/// `NONE` is also listed; the caller takes it before asking for a kind.
const UPGRADE_TYPES: &AttachmentTypes = &[
    ("HARDWARE", &devices::HARDWARE),
    ("VIRTUAL_GUEST", &devices::VIRTUAL_GUEST),
    ("FIREWALL_APPLIANCE", &devices::HARDWARE),
];

/// The kind `attachment_type` names among `allowed` (HARDWARE when not given); any other
/// value is refused, naming the values the page lists (`allowed`'s, then `also`).
fn device_kind(
    attachment_type: Option<&str>,
    allowed: &AttachmentTypes,
    also: &[&str],
) -> Result<&'static DeviceRules, Fault> {
    let wanted = attachment_type
        .map(|t| t.php_trim().to_ascii_uppercase())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "HARDWARE".to_string());
    allowed
        .iter()
        .copied()
        .find(|(name, _)| *name == wanted)
        .map(|(_, kind)| kind)
        .ok_or_else(|| {
            let names: Vec<&str> = allowed
                .iter()
                .map(|(n, _)| *n)
                .chain(also.iter().copied())
                .collect();
            Fault::rule(format!(
                "Invalid attachment type '{wanted}': use {}.",
                names.join(" or ")
            ))
        })
}

fn create(
    ctx: &Ctx,
    args: CreateArgs,
    subject_id: Option<i64>,
    administrative: bool,
) -> Result<Output, Fault> {
    let contents = args
        .contents
        .filter(|c| !c.php_trim().is_empty())
        .ok_or_else(|| exception("Please provide ticket contents."))?;
    let subject = match subject_id {
        Some(id) => Some(subject_row(ctx, id)?),
        None => None,
    };
    let device = match args.attachment_id {
        Some(id) => {
            let kind = device_kind(args.attachment_type.as_deref(), STANDARD_TYPES, &[])?;
            if std::ptr::eq(kind, &devices::HARDWARE) && args.root_password.is_none() {
                return Err(exception("Please provide a root/admin password."));
            }
            Some((kind, id))
        }
        None => None,
    };
    let template = args.template;
    let title = template
        .title
        .filter(|t| !t.php_trim().is_empty())
        .or_else(|| {
            subject
                .as_ref()
                .and_then(|s| s.get_str("name").map(str::to_string))
        })
        .unwrap_or_default();
    let ticket = NewTicket {
        title,
        subject,
        group_name: None,
        assigned_user_id: assignee(ctx, template.assigned_user_id)?,
        priority: priority(template.priority)?,
        location_id: template
            .location_id
            .map(|id| location(ctx, id))
            .transpose()?,
        notify: template.notify_user_on_update_flag.unwrap_or(true),
        administrative,
        contents,
        files: args.files,
        device,
    };
    let created = open(ctx, ticket)?;
    if let Output::Object(row) = &created {
        let method = if administrative {
            "createAdministrativeTicket"
        } else {
            "createStandardTicket"
        };
        // SLDN: "Support tickets may only be created in the open state".
        warn_unsettable(
            ctx,
            method,
            args.raw_template.as_ref(),
            "a new ticket is open",
            |property| row.get_i64(property),
        );
    }
    Ok(created)
}

/// A location the ticket may name: one that is there. Stored unchecked, a ticket had no
/// `location` behind its `locationId`, and its account's export could not be loaded.
pub(super) fn location(ctx: &Ctx, id: i64) -> Result<i64, Fault> {
    store::get(ctx.conn, "SoftLayer_Location", id)?
        .map(|_| id)
        .ok_or_else(|| Fault::not_found(id))
}

pub(super) fn subject_row(ctx: &Ctx, id: i64) -> Result<Row, Fault> {
    store::get(ctx.conn, "SoftLayer_Ticket_Subject", id)?.ok_or_else(|| Fault::not_found(id))
}

/// Inserts the ticket, its first update, files and device, and the charge of an
/// administrative ticket.
fn open(ctx: &Ctx, new: NewTicket) -> Result<Output, Fault> {
    files::check_count(&new.files, usize::MAX)?;
    // Only the brand: the whole account row (read for administrative tickets' charge
    // alone) was 5% of the writer thread's instructions per create.
    let brand_id = store::account_brand(ctx.conn, ctx.principal.account_id)?
        .ok_or_else(|| Fault::not_found(ctx.principal.account_id))?;
    // "Every SoftLayer ticket has groupId and ticketGroup properties that correspond to
    // one of the groups returned by getAllTicketGroups()" (SLDN): an administrative
    // ticket without a subject goes to the general support queue.
    let group_id = match &new.subject {
        Some(s) => s.get_i64("groupId"),
        None => store::find(
            ctx.conn,
            "SoftLayer_Ticket_Group",
            &fields([("name", Value::from(new.group_name.unwrap_or("Support")))]),
        )?
        .first()
        .and_then(Row::id),
    };
    let id = store::next_id(ctx.conn, TICKET, 160_000_001)?;
    let when = now();
    let mut ticket = fields([
        ("id", Value::Int(id)),
        ("accountId", Value::Int(ctx.principal.account_id)),
        ("assignedUserId", Value::Int(new.assigned_user_id)),
        ("title", Value::String(new.title)),
        ("statusId", Value::Int(STATUS_OPEN)),
        ("createDate", Value::DateTime(when.clone())),
        ("modifyDate", Value::DateTime(when.clone())),
        ("lastEditDate", Value::DateTime(when.clone())),
        ("lastEditType", Value::from("USER")),
        ("lastEditorId", Value::Int(ctx.principal.user_id)),
        ("serviceProviderId", Value::Int(1)),
        (
            "serviceProviderResourceId",
            Value::String(super::case_number(id)),
        ),
        ("userEditableFlag", Value::Bool(true)),
        ("notifyUserOnUpdateFlag", Value::Bool(new.notify)),
        ("billableFlag", Value::Bool(new.administrative)),
        (
            "serverAdministrationFlag",
            Value::Int(new.administrative as i64),
        ),
        (
            "totalUpdateCount",
            Value::Int(updates::update_count(&new.contents) as i64),
        ),
        ("awaitingUserResponse", Value::Int(0)),
    ]);
    let optional = [
        ("subjectId", new.subject.as_ref().and_then(Row::id)),
        ("groupId", group_id),
        ("priority", new.priority),
        ("locationId", new.location_id),
        ("responsibleBrandId", brand_id),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            ticket.insert(k.into(), Value::Int(v));
        }
    }
    store::insert(ctx.conn, TICKET, &ticket)?;
    let first = updates::insert_first_updates(ctx, id, &new.contents, &when)?;
    let update_id = first.first().copied();
    for file in &new.files {
        files::store_file(ctx, id, update_id, file)?;
    }
    if let Some((kind, device)) = new.device {
        devices::attach_device(ctx, id, kind, Some(device))?;
    }
    if new.administrative {
        let account = store::get(ctx.conn, "SoftLayer_Account", ctx.principal.account_id)?
            .ok_or_else(|| Fault::not_found(ctx.principal.account_id))?;
        charge(ctx, &account, id, &when)?;
    }
    let row = store::get(ctx.conn, TICKET, id)?.ok_or_else(|| Fault::not_found(id))?;
    crate::emulator::outbox::ticket_row_event(
        ctx.conn,
        &row,
        crate::emulator::outbox::Event::TicketCreated,
        None,
    )?;
    Ok(Output::Object(row))
}

/// The one-time charge of an administrative ticket: an invoice with one item, linked
/// from the ticket.
fn charge(ctx: &Ctx, account: &Row, ticket_id: i64, when: &str) -> Result<(), Fault> {
    let amount = format!("{ADMINISTRATIVE_CHARGE}.00");
    let mut invoice = fields([
        ("accountId", Value::Int(ctx.principal.account_id)),
        ("createDate", Value::DateTime(when.to_string())),
        ("modifyDate", Value::DateTime(when.to_string())),
        ("statusCode", Value::from("OPEN")),
        ("typeCode", Value::from("ONE-TIME-CHARGE")),
        ("startingBalance", Value::from("0.00")),
        ("endingBalance", Value::String(amount.clone())),
    ]);
    for k in [
        "companyName",
        "firstName",
        "lastName",
        "email",
        "address1",
        "city",
        "state",
        "country",
        "postalCode",
    ] {
        if let Some(v) = account.values.get(k) {
            invoice.insert(k.into(), v.clone());
        }
    }
    let invoice_id = store::insert_new(ctx.conn, "SoftLayer_Billing_Invoice", &invoice)?;
    let item = fields([
        ("invoiceId", Value::Int(invoice_id)),
        ("ticketId", Value::Int(ticket_id)),
        ("resourceTableId", Value::Int(ticket_id)),
        (
            "description",
            Value::String(format!("Administrative support ticket {ticket_id}")),
        ),
        ("categoryCode", Value::from("administrative_ticket")),
        ("createDate", Value::DateTime(when.to_string())),
        ("oneTimeFee", Value::String(amount.clone())),
        ("oneTimeAfterTaxAmount", Value::String(amount)),
        ("oneTimeTaxAmount", Value::from("0.00")),
        ("recurringFee", Value::from("0.00")),
        ("setupFee", Value::from("0.00")),
        ("laborFee", Value::from("0.00")),
    ]);
    store::insert_new(ctx.conn, "SoftLayer_Billing_Invoice_Item", &item)?;
    let changes = fields([
        (
            "serverAdministrationBillingInvoiceId",
            Value::Int(invoice_id),
        ),
        (
            "serverAdministrationBillingAmount",
            Value::Int(ADMINISTRATIVE_CHARGE),
        ),
    ]);
    store::update(ctx.conn, TICKET, ticket_id, &changes)?;
    Ok(())
}

/// The cancellation reasons SLDN lists for createCancelServerTicket.
pub const CANCELLATION_REASONS: &[&str] = &[
    "No longer needed",
    "Business closing down",
    "Server / Upgrade Costs",
    "Migrating to larger server",
    "Migrating to smaller server",
    "Migrating to a different SoftLayer datacenter",
    "Network performance / latency",
    "Support response / timing",
    "Sales process / upgrades",
    "Moving to competitor",
];

struct Cancellation {
    resource_id: i64,
    reason: String,
    content: String,
}

fn cancellation_args(ctx: &Ctx, content_index: usize) -> Result<Cancellation, Fault> {
    let resource_id = ctx
        .int_arg(0)?
        .ok_or_else(|| exception("Attachment id must be provided."))?;
    let reason = ctx
        .text_arg(1)?
        .ok_or_else(|| exception("Cancellation reason must be provided."))?;
    let content = ctx
        .text_arg(content_index)?
        .ok_or_else(|| exception("Cancellation content description must be provided."))?;
    Ok(Cancellation {
        resource_id,
        reason,
        content,
    })
}

pub(super) fn create_cancel_server_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let c = cancellation_args(ctx, 2)?;
    let kind = cancelled_device(ctx, &c, ctx.arg::<String>(4)?, CANCEL_SERVER_TYPES)?;
    let existing = store::find(
        ctx.conn,
        "SoftLayer_Billing_Item_Cancellation_Request",
        &fields([
            ("resourceType", Value::from(kind.kind.attachment_type)),
            ("resourceId", Value::Int(c.resource_id)),
        ]),
    )?;
    // SLDN: only "an open cancellation ticket" stands in the way; once support has
    // closed it, the server may be cancelled again.
    let mut open = None;
    for ticket in existing.iter().filter_map(|r| r.get_i64("ticketId")) {
        let status = store::get(ctx.conn, TICKET, ticket)?.and_then(|t| t.get_i64("statusId"));
        if status.is_some_and(|s| s != STATUS_CLOSED) {
            open = Some(ticket);
            break;
        }
    }
    if let Some(ticket) = open {
        return Err(exception(&sldn_message(
            "A cancellation ticket already exists for this server. Please refer to ticket <id>.",
            &[("id", &ticket)],
        )));
    }
    cancel(ctx, c, kind)
}

pub(super) fn create_cancel_service_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let c = cancellation_args(ctx, 2)?;
    // SLDN: "The hardware ID parameter is required to determine which server is to be
    // cancelled"; the type names a server or a computing instance, and it must be the
    // caller's.
    let kind = cancelled_device(ctx, &c, ctx.arg::<String>(3)?, STANDARD_TYPES)?;
    cancel(ctx, c, kind)
}

/// The kind of the device a cancellation names, which must be the caller's.
fn cancelled_device(
    ctx: &Ctx,
    c: &Cancellation,
    attachment_type: Option<String>,
    allowed: &AttachmentTypes,
) -> Result<&'static DeviceRules, Fault> {
    let kind = device_kind(attachment_type.as_deref(), allowed, &[])?;
    if store::get_owned(
        ctx.conn,
        kind.kind.device_type,
        c.resource_id,
        ctx.principal.account_id,
    )?
    .is_none()
    {
        return Err(exception("You do not have permission to this service."));
    }
    Ok(kind)
}

fn cancel(ctx: &Ctx, c: Cancellation, device: &'static DeviceRules) -> Result<Output, Fault> {
    let contents = format!("Cancellation reason: {}\n\n{}", c.reason, c.content);
    let ticket = NewTicket {
        title: "Cancellation Request".into(),
        subject: None,
        // SLDN: "a sales cancel server ticket".
        group_name: Some("Sales"),
        assigned_user_id: ctx.principal.user_id,
        priority: None,
        location_id: None,
        notify: true,
        administrative: false,
        contents,
        files: Vec::new(),
        device: Some((device, c.resource_id)),
    };
    let Output::Object(row) = open(ctx, ticket)? else {
        unreachable!("open returns the ticket")
    };
    let ticket_id = row.id().unwrap_or_default();
    let reason_id = CANCELLATION_REASONS
        .iter()
        .position(|r| r.eq_ignore_ascii_case(&c.reason));
    let mut request = fields([
        ("accountId", Value::Int(ctx.principal.account_id)),
        ("ticketId", Value::Int(ticket_id)),
        ("statusId", Value::Int(1)),
        ("notes", Value::String(c.content)),
        ("createDate", Value::DateTime(now())),
        ("resourceType", Value::from(device.kind.attachment_type)),
        ("resourceId", Value::Int(c.resource_id)),
    ]);
    if let Some(i) = reason_id {
        request.insert("billingCancelReasonId".into(), Value::Int(i as i64 + 1));
    }
    store::insert(
        ctx.conn,
        "SoftLayer_Billing_Item_Cancellation_Request",
        &request,
    )?;
    Ok(Output::Object(row))
}

pub(super) fn create_upgrade_ticket(ctx: &Ctx) -> Result<Output, Fault> {
    let attachment_id = ctx.int_arg(0)?;
    let generic = ctx.text_arg(1)?;
    let window = ctx.text_arg(2)?;
    let details = ctx
        .text_arg(3)?
        .ok_or_else(|| exception("Please provide upgrade details."))?;
    let attachment_type = ctx.arg::<String>(4)?.map(|t| t.to_ascii_uppercase());
    let title = ctx.text_arg(5)?;
    let device = match (attachment_id, attachment_type.as_deref()) {
        (None, _) | (_, Some("NONE")) => None,
        (Some(id), kind) => {
            let kind = device_kind(kind, UPGRADE_TYPES, &["NONE"])?;
            if store::get_owned(
                ctx.conn,
                kind.kind.device_type,
                id,
                ctx.principal.account_id,
            )?
            .is_none()
            {
                return Err(exception(&sldn_message(
                    "Unable to open an upgrade ticket on hardware id <$attachmentId>",
                    &[("$attachmentId", &id)],
                )));
            }
            Some((kind, id))
        }
    };
    // Upgrades of a server are service affecting and need a maintenance window.
    if device.is_some() && window.is_none() {
        return Err(exception("Please provide an upgrade maintenance window."));
    }
    let mut contents = String::new();
    if let Some(g) = &generic {
        contents.push_str(&format!("Upgrade: {g}\n"));
    }
    if let Some(w) = &window {
        contents.push_str(&format!("Maintenance window: {w}\n"));
    }
    // A blank line parts the header lines from the details; with none, the details
    // begin the entry (it began with an empty line).
    if !contents.is_empty() {
        contents.push('\n');
    }
    contents.push_str(&details);
    let ticket = NewTicket {
        title: title
            .or_else(|| generic.map(|g| format!("Upgrade Request: {g}")))
            .unwrap_or_else(|| "Upgrade Request".into()),
        subject: None,
        group_name: Some("Sales"),
        assigned_user_id: ctx.principal.user_id,
        priority: None,
        location_id: None,
        notify: true,
        administrative: false,
        contents,
        files: Vec::new(),
        device,
    };
    open(ctx, ticket)
}
