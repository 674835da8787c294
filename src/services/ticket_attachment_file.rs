//! SoftLayer_Ticket_Attachment_File (and its ServiceNow twin, over the same files): the
//! files attached to the caller's tickets. `getTicket` and `getUpdate` are generic.

use super::{Entry, Output, init_object, read};
use crate::value::Value;

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        "getExtensionWhitelist" => read(|_| {
            let list = super::ticket::EXTENSION_WHITELIST
                .iter()
                .map(|e| Value::from(*e))
                .collect();
            Ok(Output::Value(Value::Array(list)))
        }),
        _ => return None,
    })
}
