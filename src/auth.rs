//! Who is calling: the `authenticate` header (API key or portal login token) or HTTP
//! Basic credentials, checked against the store.

use crate::call::{Credentials, ExceptionClass, Fault};
use crate::store::{self, Principal};
use rusqlite::Connection;

/// The caller `credentials` name, with the time zone its dates are shown in (what
/// [`store::Store::caller`] remembers).
pub fn caller(
    conn: &Connection,
    credentials: &Credentials,
) -> Result<(Principal, crate::time::Zone), Fault> {
    let principal = authenticate(conn, Some(credentials))?;
    let zone = store::user_zone(conn, principal.user_id)?;
    Ok((principal, zone))
}

pub fn authenticate(
    conn: &Connection,
    credentials: Option<&Credentials>,
) -> Result<Principal, Fault> {
    let found = match credentials {
        None => return Err(no_credentials()),
        // No key is empty: a user stored with one (an older document) never logs in by it.
        Some(Credentials::ApiKey { api_key, .. }) if api_key.is_empty() => None,
        // IBM Cloud API keys arrive as username `apikey` (HTTP Basic from softlayer-python).
        Some(Credentials::ApiKey { username, api_key }) if username == "apikey" => {
            store::principal_by_key_alone(conn, api_key)?
        }
        // softlayer-go's token sessions send HTTP Basic `userId:authToken` (session/rest.go)
        // where others send `username:apiKey`: a numeric name that is no user's API key
        // login is tried as a portal login token.
        Some(Credentials::ApiKey { username, api_key }) => {
            match store::principal_by_api_key(conn, username, api_key)? {
                Some(found) => Some(found),
                None => match username.parse::<i64>() {
                    Ok(user_id) => store::principal_by_token(conn, user_id, api_key)?,
                    Err(_) => None,
                },
            }
        }
        Some(Credentials::PortalToken { user_id, token }) => {
            store::principal_by_token(conn, *user_id, token)?
        }
    };
    found.ok_or_else(refused_credentials)
}

/// The fault for a call whose credentials name no user.
pub fn refused_credentials() -> Fault {
    Fault::unauthenticated(ExceptionClass::InvalidLegacyToken, "Invalid API token.")
}

/// The fault for a call that carries no credentials at all.
pub fn no_credentials() -> Fault {
    Fault::unauthenticated(
        ExceptionClass::Public,
        "No valid authentication headers found.",
    )
}
