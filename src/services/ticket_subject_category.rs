//! SoftLayer_Ticket_Subject_Category: the groups the subjects fall into.

use super::{Entry, Output, all_of, init_object, read};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getAllObjects" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Subject_Category", "{r}.id")),
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        _ => return None,
    })
}
