//! SoftLayer_User_Customer: the caller and the users of its account, the portal login
//! token that the token form of `authenticate` takes, and `editObject`, by which SLDN's
//! date article has a user set its time zone.

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
        "editObject" => write(edit_object),
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
                ExceptionClass::UserCustomerLoginFailed,
                "Invalid login credentials provided.",
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

/// The properties `editObject` changes; the others of a template (its id, username,
/// account, dates) are left as they are, as SLDN's page says of the username and account.
/// The status is changed: softlayer-python's `slcli user delete` cancels a user by
/// sending `{"userStatusId": 1021}` (CANCEL_PENDING) to this method and nothing else.
const EDITABLE: &[&str] = &[
    "userStatusId",
    "firstName",
    "lastName",
    "displayName",
    "email",
    "companyName",
    "address1",
    "address2",
    "city",
    "state",
    "country",
    "postalCode",
    "officePhone",
    "alternatePhone",
    "sms",
    "aim",
    "icq",
    "msn",
    "yahoo",
    "timezoneId",
    "daylightSavingsTimeFlag",
];

/// The properties a template may carry that `editObject` leaves as they are without a
/// word: SLDN's username and account, and the record's own bookkeeping.
const LEFT_AS_THEY_ARE: &[&str] = &[
    "id",
    "username",
    "accountId",
    "parentId",
    "isMasterUserFlag",
    "createDate",
    "modifyDate",
    "statusDate",
];

/// Whether `name` is a local property of the user: relations sent back with a user read
/// through a mask (`timezone`, `account`) are no change, and were named as ignored; a
/// name the type lacks is the argument check's to name.
fn is_local(name: &str) -> bool {
    crate::schema::schema()
        .type_def("SoftLayer_User_Customer")
        .and_then(|t| t.property(name))
        .is_some_and(|p| p.kind == crate::schema::PropertyKind::Local)
}

/// Changes the init parameter's user, which must be of
/// the caller's account, as the template says; `true`. Another user is the master
/// user's to edit (SLDN: "Account master users and sub-users who have the User Manage
/// permission can edit other users"; the emulator keeps no permissions, so sub-users
/// edit only themselves). As the API answers a permission it lacks: not found. A
/// sub-user disabled the master user, locking it out of every transport; the master
/// user cancelled itself (`slcli user delete` of its own id) the same way, and only a
/// reset let it back in: the account owner's status is not the API's to change, as the
/// portal offers no way to disable the account owner.
fn edit_object(ctx: &Ctx) -> Result<Output, Fault> {
    let user = init_object(ctx)?;
    let caller = ctx.principal.user_id;
    if user.id() != Some(caller) {
        let master = store::get(ctx.conn, "SoftLayer_User_Customer", caller)?
            .and_then(|me| me.get_i64("isMasterUserFlag"));
        if master != Some(1) {
            return Err(Fault::not_found(user.id().unwrap_or_default()));
        }
    }
    let template: Struct = match ctx.args.first() {
        Some(Value::Struct(members)) => members.clone(),
        _ => {
            return Err(Fault::rule(
                "Please provide a SoftLayer_User_Customer template object.",
            ));
        }
    };
    let mut changes = Struct::new();
    let mut ignored = Vec::new();
    for (name, value) in template {
        if EDITABLE.contains(&name.as_str()) {
            // Sent back as it was read: no change, and not checked again. An import keeps
            // any address an older build took (`storable_email`), and its user read,
            // changed and sent back was refused for the address it was read with.
            if user.values.get(&name) != Some(&value) {
                changes.insert(name, value);
            }
        } else if !LEFT_AS_THEY_ARE.contains(&name.as_str())
            && is_local(&name)
            && user.values.get(&name) != Some(&value)
            && !matches!(value, Value::Null)
        {
            // A user read, changed and sent back carries what it was read with: only a
            // property that would change is named.
            ignored.push(name);
        }
    }
    if !ignored.is_empty() {
        ctx.warn(&format!(
            "editObject: SoftLayer_User_Customer {} not changed by the emulator (only names, \
             e-mail, address, phones and messenger names, time zone, status): ignored",
            ignored
                .iter()
                .take(8)
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(email) = changes.get("email") {
        // The SLDN exception article's example of SoftLayer_Exception_InvalidValue.
        let email = email.as_str().unwrap_or_default();
        if email.matches('@').count() != 1 {
            return Err(Fault::rule(
                "The character @ must appear once and only once in an email address.",
            ));
        }
        if !crate::services::valid_email(email) {
            let why = crate::services::email_refused_for(email)
                .map(|why| format!(": {why}"))
                .unwrap_or_default();
            return Err(Fault::rule(format!(
                "Invalid value for property 'email': '{email}' is not an email address{why}."
            )));
        }
    }
    if let Some(id) = changes.get("timezoneId").and_then(Value::as_i64)
        && store::get(ctx.conn, "SoftLayer_Locale_Timezone", id)?.is_none()
    {
        return Err(Fault::rule(format!(
            "Invalid value for property 'timezoneId': {id} is not a SoftLayer_Locale_Timezone \
             (SoftLayer_Locale_Timezone::getAllObjects lists them)."
        )));
    }
    match changes.get("userStatusId") {
        Some(Value::Null) => {
            return Err(Fault::rule(
                "Invalid value for property 'userStatusId': a user has a status; \
                 SoftLayer_User_Customer_Status ids are 1001 (active), 1002 (disabled), \
                 1003 (inactive), 1021 (cancel pending) and 1022 (VPN only).",
            ));
        }
        Some(_) if user.get_i64("isMasterUserFlag") == Some(1) => {
            return Err(Fault::documented(
                ExceptionClass::Public,
                "The status of the account's master user cannot be changed: the master \
                 user owns the account and stays active while it is open.",
            ));
        }
        Some(status) => {
            let id = status.as_i64().unwrap_or_default();
            if store::get(ctx.conn, "SoftLayer_User_Customer_Status", id)?.is_none() {
                return Err(Fault::rule(format!(
                    "Invalid value for property 'userStatusId': {id} is not a \
                     SoftLayer_User_Customer_Status (1001 active, 1002 disabled, 1003 \
                     inactive, 1021 cancel pending, 1022 VPN only)."
                )));
            }
        }
        None => {}
    }
    if let Some(id) = user.id() {
        changes.insert("modifyDate".into(), Value::DateTime(crate::services::now()));
        store::update(ctx.conn, "SoftLayer_User_Customer", id, &changes)?;
    }
    Ok(Output::Value(Value::Bool(true)))
}
