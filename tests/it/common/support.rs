//! The support desk's control API (`/_emulator/`, README "The support desk"),
//! reached with the admin token the server prints at start.

use std::time::{Duration, Instant};

use super::{HttpResponse, Server, XVal};

/// The token in a server log line "… (admin token: TOKEN)".
pub fn token_in(log: &str) -> Option<String> {
    let at = log.find("admin token: ")?;
    let rest = &log[at + "admin token: ".len()..];
    let end = rest
        .find(|c: char| c == ')' || c.is_whitespace())
        .unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

/// The admin token the server printed at start; waits up to 10 s for it.
pub fn admin_token(server: &Server) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = server.log();
        if let Some(t) = token_in(&log) {
            return t;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not print its admin token\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sets the emulator's clock (`{"set": …}` freezes it there); panics unless 200.
pub fn set_clock(server: &Server, at: &str) {
    let bearer = format!("Bearer {}", admin_token(server));
    let body = serde_json::json!({ "set": at }).to_string();
    let resp = super::http_request(
        server.addr(),
        "POST",
        "/_emulator/clock",
        &[
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
        super::HTTP_TIMEOUT,
    )
    .expect("clock");
    assert_eq!(resp.status, 200, "{}", resp.describe());
}

/// POST /_emulator/tickets/{ticket}/{action} with `token`; panics unless 200.
pub fn support_with_token(
    server: &Server,
    token: &str,
    ticket: i64,
    action: &str,
    body: &str,
) -> HttpResponse {
    let auth = format!("Bearer {token}");
    let path = format!("/_emulator/tickets/{ticket}/{action}");
    let resp = server.post(
        &path,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(resp.status, 200, "POST {path} {body}\n{}", resp.describe());
    resp
}

/// POST /_emulator/tickets/{ticket}/{action} with the server's admin token;
/// panics unless 200; the JSON it answers.
pub fn support(server: &Server, ticket: i64, action: &str, body: &str) -> serde_json::Value {
    let resp = support_with_token(server, &admin_token(server), ticket, action, body);
    serde_json::from_slice(&resp.body).expect("control API answers JSON")
}

/// An employee reply through the control API.
pub fn reply_as(server: &Server, ticket: i64, employee: &str, entry: &str, awaiting: bool) {
    let body = serde_json::json!({
        "employee": employee,
        "entry": entry,
        "awaitingUserResponse": awaiting,
    });
    support(server, ticket, "reply", &body.to_string());
}

/// A little over the one-second resolution of the stored dates.
pub fn tick() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// Who an update's editor is: a customer's username, or, for an employee (whom customers
/// see by display name only, SLDN SoftLayer_User_Employee), the seed employee's username.
pub fn editor_name(editor: &XVal) -> String {
    match editor.get("username").and_then(XVal::as_str) {
        Some(name) if name != "Employee" => name.to_string(),
        _ => {
            let shown = editor.member("displayName").str();
            crate::common::seed("catalog")["SoftLayer_User_Employee"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["displayName"] == shown)
                .and_then(|e| e["username"].as_str())
                .unwrap_or_else(|| panic!("no seed employee shows as {shown:?}"))
                .to_string()
        }
    }
}
