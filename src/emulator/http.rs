//! The control API under `/_emulator/`: JSON in, JSON out, guarded by the admin token
//! (`Authorization: Bearer TOKEN` or `X-Emulator-Token: TOKEN`), never by a SoftLayer
//! user's API key.
//!
//! - `GET  /_emulator/employees`
//! - `POST /_emulator/tickets/{id}/reply` `{"employee": "sl-support-jdoe" | 301, "entry": "…", "awaitingUserResponse": false}`
//! - `POST /_emulator/tickets/{id}/assign` `{"employee": …}`
//! - `POST /_emulator/tickets/{id}/group` `{"group": "Storage" | 7}`
//! - `POST /_emulator/tickets/{id}/close`, `…/reopen`
//! - `POST /_emulator/tickets/{id}/awaiting-response` `{"value": true}`

use super::support::{self, EmployeeRef, SupportAction, SupportError};
use crate::protocol::HttpAnswer;
use crate::store::{Row, Store};
use crate::value::Value;
use serde_json::json;

fn answer(status: u16, body: serde_json::Value) -> HttpAnswer {
    HttpAnswer {
        status,
        content_type: "application/json",
        headers: Vec::new(),
        body: body.to_string().into_bytes(),
    }
}

fn error(status: u16, message: impl std::fmt::Display) -> HttpAnswer {
    answer(status, json!({ "error": message.to_string() }))
}

fn row_json(row: &Row) -> serde_json::Value {
    serde_json::Value::from(&Value::Struct(row.values.clone()))
}

/// Whether the request carries the admin token.
fn authorised(token: &str, authorization: Option<&str>, header_token: Option<&str>) -> bool {
    let bearer = authorization
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::trim);
    !token.is_empty() && (bearer == Some(token) || header_token.map(str::trim) == Some(token))
}

pub struct ControlRequest<'a> {
    pub method: &'a str,
    /// The path after `/_emulator/`.
    pub path: &'a str,
    pub authorization: Option<&'a str>,
    pub token_header: Option<&'a str>,
    pub body: &'a [u8],
}

pub fn handle(store: &Store, admin_token: &str, req: &ControlRequest) -> HttpAnswer {
    if !authorised(admin_token, req.authorization, req.token_header) {
        return error(
            401,
            "The emulator control API needs the admin token printed at start (Authorization: Bearer TOKEN).",
        );
    }
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let body: serde_json::Value = if req.body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(req.body) {
            Ok(v) => v,
            Err(e) => return error(400, format!("The request body is not JSON: {e}")),
        }
    };
    match (req.method, segments.as_slice()) {
        ("GET", ["employees"]) => match store.read(support::employees) {
            Ok(rows) => answer(
                200,
                json!({ "employees": rows.iter().map(row_json).collect::<Vec<_>>() }),
            ),
            Err(e) => error(500, e),
        },
        ("POST", ["tickets", id, action]) => {
            let Ok(ticket) = id.parse::<i64>() else {
                return error(400, format!("'{id}' is not a ticket id"));
            };
            let action = match parse_action(action, &body) {
                Ok(a) => a,
                Err(msg) => return error(if msg.starts_with("unknown") { 404 } else { 400 }, msg),
            };
            match store.write(|conn| support::apply(conn, ticket, &action)) {
                Ok(row) => answer(200, json!({ "ticket": row_json(&row) })),
                Err(
                    e @ (SupportError::NoTicket(_)
                    | SupportError::NoEmployee(_)
                    | SupportError::NoGroup(_)),
                ) => error(404, e),
                Err(e @ SupportError::Invalid(_)) => error(409, e),
                Err(e @ SupportError::Store(_)) => error(500, e),
            }
        }
        _ => error(
            404,
            format!(
                "unknown control endpoint {} /_emulator/{}",
                req.method, req.path
            ),
        ),
    }
}

fn employee_of(body: &serde_json::Value) -> Result<EmployeeRef, String> {
    match body.get("employee") {
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .map(EmployeeRef::Id)
            .ok_or_else(|| "employee must be an id or username".into()),
        Some(serde_json::Value::String(s)) => Ok(EmployeeRef::parse(s)),
        _ => Err("this action needs \"employee\" (an employee id or username)".into()),
    }
}

pub fn parse_action(name: &str, body: &serde_json::Value) -> Result<SupportAction, String> {
    let flag = |key: &str| body.get(key).and_then(serde_json::Value::as_bool);
    Ok(match name {
        "reply" => SupportAction::Reply {
            employee: employee_of(body)?,
            entry: body
                .get("entry")
                .and_then(|e| e.as_str())
                .ok_or("a reply needs \"entry\"")?
                .to_string(),
            awaiting_user_response: flag("awaitingUserResponse").unwrap_or(false),
        },
        "assign" => SupportAction::Assign {
            employee: employee_of(body)?,
        },
        "group" => SupportAction::MoveToGroup {
            group: match body.get("group") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => return Err("moving a ticket needs \"group\" (a group id or name)".into()),
            },
        },
        "close" => SupportAction::Close,
        "reopen" => SupportAction::Reopen,
        "awaiting-response" => SupportAction::SetAwaitingUserResponse {
            value: flag("value").unwrap_or(true),
        },
        other => return Err(format!("unknown action '{other}'")),
    })
}
