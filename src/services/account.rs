//! SoftLayer_Account: the caller's own account. Its ticket, user and device lists are
//! relational getters answered from the store's relations.

use super::{Ctx, Entry, Output, init_object, read};
use crate::call::Fault;
use crate::store;

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        "getCurrentUser" => read(current_user),
        _ => return None,
    })
}

fn current_user(ctx: &Ctx) -> Result<Output, Fault> {
    let id = ctx.principal.user_id;
    let user =
        store::get(ctx.conn, "SoftLayer_User_Customer", id)?.ok_or_else(|| Fault::not_found(id))?;
    Ok(Output::Object(user))
}
