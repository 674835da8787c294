//! Devices attached to a ticket (hardware, virtual guests, dedicated hosts) and the
//! account users assigned to it as agents. Each device kind keeps the SLDN messages of
//! its own rules; the rules themselves are one set of functions.

use super::*;
use crate::schema::devices::{self, DeviceKind};

/// The rules of attaching one kind of device, with SLDN's messages for that kind.
pub struct DeviceRules {
    pub kind: &'static DeviceKind,
    attach_null: &'static str,
    /// SLDN's "unable to attach" failure, also the start of the closed-ticket refusal.
    unable_attach: &'static str,
    already: &'static str,
    not_yours_attach: &'static str,
    detach_null: &'static str,
    /// SLDN's "unable to detach" failure, the start of the closed-ticket refusal.
    unable_detach: &'static str,
    not_attached: &'static str,
    not_yours_detach: &'static str,
}

pub static HARDWARE: DeviceRules = DeviceRules {
    kind: &devices::HARDWARE,
    attach_null: "Unable to attach null hardware to this ticket.",
    unable_attach: "Unable to attach hardware to this ticket.",
    already: "This hardware is already attached to this ticket.",
    not_yours_attach: "You may not attach this hardware to this ticket.",
    detach_null: "Unable to detach null hardware from this ticket.",
    unable_detach: "Unable to detach hardware from this ticket.",
    not_attached: "This hardware is not attached to this ticket.",
    not_yours_detach: "You may not detach this hardware from this ticket.",
};

pub static VIRTUAL_GUEST: DeviceRules = DeviceRules {
    kind: &devices::VIRTUAL_GUEST,
    attach_null: "Unable to attach a null virtual guest to this ticket.",
    unable_attach: "Unable to attach virtual guest to this ticket.",
    already: "This virtual guest is already attached to this ticket.",
    not_yours_attach: "You may not attach this virtual guest to this ticket.",
    detach_null: "Unable to detach null virtual guest from this ticket.",
    unable_detach: "Unable to detach virtual guest from this ticket.",
    not_attached: "This virtual guest is not attached to this ticket.",
    not_yours_detach: "You may not detach this virtual guest from this ticket.",
};

pub static DEDICATED_HOST: DeviceRules = DeviceRules {
    kind: &devices::DEDICATED_HOST,
    attach_null: "Unable to attach a null dedicated host to this ticket.",
    unable_attach: "Unable to attach dedicated host to this ticket.",
    already: "This dedicated host is already attached to this ticket.",
    not_yours_attach: "You may not attach this dedicated host to this ticket.",
    // SoftLayer has no detach method for dedicated hosts; these serve the support desk.
    detach_null: "Unable to detach a null dedicated host from this ticket.",
    unable_detach: "Unable to detach dedicated host from this ticket.",
    not_attached: "This dedicated host is not attached to this ticket.",
    not_yours_detach: "You may not detach this dedicated host from this ticket.",
};

pub(super) fn attach(ctx: &Ctx, kind: &'static DeviceRules) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    super::updates::refuse_if_not_updatable(
        &ticket,
        ExceptionClass::Exception,
        kind.unable_attach,
    )?;
    let device = ctx.int_arg(0)?;
    let link = attach_device(ctx, ticket.id().unwrap_or_default(), kind, device)?;
    Ok(Output::Object(link))
}

fn link_key(ticket_id: i64, kind: &DeviceKind, device: i64) -> Struct {
    fields([
        ("ticketId", Value::Int(ticket_id)),
        (kind.link_column, Value::Int(device)),
    ])
}

/// Whether `device` (of `kind`) is one of the caller's account's.
fn is_callers(ctx: &Ctx, kind: &DeviceRules, device: i64) -> Result<bool, Fault> {
    let owned = store::get_owned(
        ctx.conn,
        kind.kind.device_type,
        device,
        ctx.principal.account_id,
    )?;
    Ok(owned.is_some())
}

pub(super) fn attach_device(
    ctx: &Ctx,
    ticket_id: i64,
    kind: &DeviceRules,
    device: Option<i64>,
) -> Result<Row, Fault> {
    let device = device.ok_or_else(|| exception(kind.attach_null))?;
    if !is_callers(ctx, kind, device)? {
        return Err(exception(kind.not_yours_attach));
    }
    let key = link_key(ticket_id, kind.kind, device);
    if !store::find(ctx.conn, kind.kind.link_type, &key)?.is_empty() {
        return Err(exception(kind.already));
    }
    let mut link = key;
    let id = store::next_id_among(
        ctx.conn,
        kind.kind.link_type,
        &devices::link_types(),
        700_000_001,
    )?;
    link.insert("id".into(), Value::Int(id));
    link.insert("attachmentId".into(), Value::Int(device));
    link.insert("createDate".into(), Value::DateTime(now()));
    store::insert(ctx.conn, kind.kind.link_type, &link)?;
    store::get(ctx.conn, kind.kind.link_type, id)?.ok_or_else(|| exception(kind.unable_attach))
}

pub(super) fn detach(ctx: &Ctx, kind: &DeviceRules) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    // As attaching is: a closed ticket's devices stay as they were when it closed.
    super::updates::refuse_if_not_updatable(
        &ticket,
        ExceptionClass::Exception,
        kind.unable_detach,
    )?;
    let device = ctx.int_arg(0)?.ok_or_else(|| exception(kind.detach_null))?;
    if !is_callers(ctx, kind, device)? {
        return Err(exception(kind.not_yours_detach));
    }
    let key = link_key(ticket.id().unwrap_or_default(), kind.kind, device);
    if store::delete_where(ctx.conn, kind.kind.link_type, &key)? == 0 {
        return Err(exception(kind.not_attached));
    }
    Ok(Output::Value(Value::Bool(true)))
}

/// The agent named by the first argument: a user of the caller's account.
fn agent(ctx: &Ctx) -> Result<i64, Fault> {
    let id = ctx
        .int_arg(0)?
        .ok_or_else(|| exception("Please provide an agent id."))?;
    account_user(ctx, id, || Fault::not_found(id))
}

const AGENT_LINK: &str = "SoftLayer_Ticket_Attachment_Assigned_Agent";

pub(super) fn add_assigned_agent(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    let agent = agent(ctx)?;
    let key = fields([
        ("ticketId", Value::Int(ticket)),
        ("assignedAgentId", Value::Int(agent)),
    ]);
    if store::find(ctx.conn, AGENT_LINK, &key)?.is_empty() {
        let mut link = key;
        link.insert("attachmentId".into(), Value::Int(agent));
        link.insert("createDate".into(), Value::DateTime(now()));
        store::insert_new(ctx.conn, AGENT_LINK, &link)?;
    }
    Ok(Output::Value(Value::Null))
}

pub(super) fn remove_assigned_agent(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    let agent = agent(ctx)?;
    let key = fields([
        ("ticketId", Value::Int(ticket)),
        ("assignedAgentId", Value::Int(agent)),
    ]);
    if store::delete_where(ctx.conn, AGENT_LINK, &key)? == 0 {
        return Err(exception("This agent is not assigned to this ticket."));
    }
    Ok(Output::Value(Value::Null))
}
