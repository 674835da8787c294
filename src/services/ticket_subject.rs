//! SoftLayer_Ticket_Subject: the catalogue of subjects standard tickets are filed under.

use super::{Entry, Output, all_of, init_object, read};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getAllObjects" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Subject", "{r}.id")),
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        _ => return None,
    })
}
