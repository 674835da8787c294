//! SoftLayer_Ticket_Survey: whether the caller is asked to rate closed tickets.

use super::{Ctx, Entry, Output, now, read, write};
use crate::call::Fault;
use crate::store;
use crate::value::{Struct, Value};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getPreference" => read(preference),
        "optIn" => write(|ctx| set(ctx, false)),
        "optOut" => write(|ctx| set(ctx, true)),
        _ => return None,
    })
}

/// A `SoftLayer_Container_Ticket_Survey_Preference`.
fn preference(ctx: &Ctx) -> Result<Output, Fault> {
    let (opted_out, date) =
        store::survey_preference(ctx.conn, ctx.principal.user_id)?.unwrap_or((false, None));
    let mut out = Struct::new();
    out.insert("applicable".into(), Value::Bool(true));
    out.insert("optedOut".into(), Value::Bool(opted_out));
    if let Some(d) = date {
        out.insert("optedOutDate".into(), Value::DateTime(d));
    }
    Ok(Output::Value(Value::Struct(out)))
}

fn set(ctx: &Ctx, opted_out: bool) -> Result<Output, Fault> {
    store::set_survey_preference(ctx.conn, ctx.principal.user_id, opted_out, &now())?;
    Ok(Output::Value(Value::Null))
}
