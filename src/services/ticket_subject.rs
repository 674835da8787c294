//! SoftLayer_Ticket_Subject: the catalogue of subjects standard tickets are filed under.
//! Its relational getters (category, group, parent, children) are generic.

use super::{Entry, Output, all_of, init_object, read};
use crate::value::Value;

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getAllObjects" => read(|ctx| all_of(ctx, "SoftLayer_Ticket_Subject", "{r}.id")),
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        // The emulator keeps no KnowledgeLayer articles, so no subject has questions.
        "getTopFiveKnowledgeLayerQuestions" => read(|ctx| {
            init_object(ctx)?;
            Ok(Output::Value(Value::Array(Vec::new())))
        }),
        _ => return None,
    })
}
