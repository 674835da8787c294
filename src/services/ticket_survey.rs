//! SoftLayer_Ticket_Survey: whether the caller is asked to rate closed tickets (the
//! preference `SoftLayer_Ticket::surveyEligible` reads).

use super::{Ctx, Entry, Output, now, read, write};
use crate::call::Fault;
use crate::store;
use crate::value::Value;

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getPreference" => read(preference),
        "optIn" => write(|ctx| set(ctx, false)),
        "optOut" => write(|ctx| set(ctx, true)),
        _ => return None,
    })
}

/// Nothing: SLDN's getPreference page (deprecated) returns `void`, and softlayer-go's
/// generated method returns no value; the preference shows in `surveyEligible`.
fn preference(_ctx: &Ctx) -> Result<Output, Fault> {
    Ok(Output::Value(Value::Null))
}

fn set(ctx: &Ctx, opted_out: bool) -> Result<Output, Fault> {
    store::set_survey_preference(ctx.conn, ctx.principal.user_id, opted_out, &now())?;
    Ok(Output::Value(Value::Null))
}
