//! SoftLayer_Ticket_Update_Employee: support's answers, which customers may rate.

use super::{Ctx, Entry, Output, init_object, read, write};
use crate::call::{ExceptionClass, Fault};
use crate::store;
use crate::value::{Struct, Value};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        "addResponseRating" => write(add_response_rating).own_argument_faults(&["responseRating"]),
        // Relations the emulator holds no data for: an update's type and live chat, and
        // the owner change it made (support replies change no owner). Empty, as a mask
        // leaves them out, once the update is known to be the caller's.
        "getType" | "getChat" => read(|ctx| {
            init_object(ctx)?;
            Ok(Output::MaybeObject(None))
        }),
        "getChangeOwnerActivity" => read(|ctx| {
            init_object(ctx)?;
            Ok(Output::Value(Value::Null))
        }),
        _ => return None,
    })
}

/// SLDN: "Throw the exception 'Please set a response rating between 1 and 5.' if
/// ''responseRating'' is anything other than an integer from 1 to 5": text, a fraction
/// or a boolean too, not the call boundary's "expected an integer".
fn add_response_rating(ctx: &Ctx) -> Result<Output, Fault> {
    let update = init_object(ctx)?;
    let rating = ctx.args.first().and_then(Value::as_i64);
    let Some(rating @ 1..=5) = rating else {
        return Err(Fault::documented(
            ExceptionClass::Public,
            "Please set a response rating between 1 and 5.",
        ));
    };
    let ticket = update.get_i64("ticketId").unwrap_or_default();
    let closed = store::get(ctx.conn, "SoftLayer_Ticket", ticket)?
        .and_then(|t| t.get_i64("statusId"))
        == Some(super::ticket::STATUS_CLOSED);
    if closed {
        return Err(Fault::documented(
            ExceptionClass::Public,
            "Ratings cannot be edited on a closed ticket.",
        ));
    }
    let mut changes = Struct::new();
    changes.insert("responseRating".into(), Value::Int(rating));
    store::update(
        ctx.conn,
        "SoftLayer_Ticket_Update",
        update.id().unwrap_or_default(),
        &changes,
    )?;
    Ok(Output::Value(Value::Bool(true)))
}
