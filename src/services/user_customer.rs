//! SoftLayer_User_Customer: the caller and the users of its account, and the portal
//! login token that the token form of `authenticate` takes.

use super::{Ctx, Entry, Output, anonymous, init_object, read, write};
use crate::call::{ExceptionClass, Fault};
use crate::store;
use crate::value::{Struct, Value};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        // The hash is the token that logs in.
        "getPortalLoginToken" => anonymous(portal_login_token).secret_reply(&["hash"]),
        "getAuthenticationToken" => write(authentication_token).secret_reply(&["hash"]),
        _ => return None,
    })
}

fn token_container(user_id: i64, token: String) -> Output {
    let mut out = Struct::new();
    out.insert("userId".into(), Value::Int(user_id));
    out.insert("hash".into(), Value::String(token));
    Output::Value(Value::Struct(out))
}

/// Logs in with a username and password. Emulated users have no passwords: the
/// password is the user's API key. Answers `{userId, hash}`; the hash is the
/// `authToken` of a PortalLoginToken `authenticate` header.
fn portal_login_token(ctx: &Ctx) -> Result<Output, Fault> {
    let username: String = ctx.arg(0)?.unwrap_or_default();
    let password: String = ctx.arg(1)?.unwrap_or_default();
    let principal =
        store::principal_by_api_key(ctx.conn, &username, &password)?.ok_or_else(|| {
            Fault::documented(
                ExceptionClass::Public,
                "Invalid username/password combination.",
            )
        })?;
    let token = store::issue_portal_token(ctx.conn, principal.user_id)?;
    Ok(token_container(principal.user_id, token))
}

/// A fresh portal token for the authenticated caller.
fn authentication_token(ctx: &Ctx) -> Result<Output, Fault> {
    let token = store::issue_portal_token(ctx.conn, ctx.principal.user_id)?;
    Ok(token_container(ctx.principal.user_id, token))
}
