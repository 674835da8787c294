//! SoftLayer_Ticket_Priority: the four support priorities.

use super::{Entry, all_of, read};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getPriorities" => {
            read(|ctx| all_of(ctx, "SoftLayer_Container_Ticket_Priority", "{r}.value"))
        }
        _ => return None,
    })
}
