//! SoftLayer_Ticket and SoftLayer_Account reads over raw XML-RPC shared by the
//! test files.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Server, User, XVal, XmlRpcCall, XmlRpcReply, epoch_seconds, xstr, xstruct};

/// Seed: demo-ops, a second user of demo's account 1001.
pub const DEMO_OPS: User = User {
    username: "demo-ops",
    api_key: "1111111111111111111111111111111111111111111111111111111111111111",
    id: 5002,
    account_id: 1001,
};

fn ticket_call(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new("SoftLayer_Ticket", method).auth(user)
}

/// Status id of a ticket through SoftLayer_Ticket::getStatus.
pub fn status_of(server: &Server, user: &User, ticket: i64) -> i64 {
    server
        .xmlrpc(&ticket_call("getStatus", user).id(ticket))
        .ok()
        .member("id")
        .int()
}

/// A boolean SoftLayer_Ticket getter (`getNewUpdatesFlag`, …).
pub fn flag(server: &Server, user: &User, method: &str, ticket: i64) -> bool {
    let reply = server.xmlrpc(&ticket_call(method, user).id(ticket));
    reply
        .ok()
        .as_bool()
        .unwrap_or_else(|| panic!("{method} answers a boolean\n{}", reply.exchange()))
}

/// SoftLayer_Ticket::addUpdate with an entry.
pub fn add_update(server: &Server, user: &User, ticket: i64, entry: &str) -> XmlRpcReply {
    server.xmlrpc(
        &ticket_call("addUpdate", user)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr(entry))])),
    )
}

/// The ids of a SoftLayer_Account ticket list (`getOpenTickets`, …).
pub fn account_ids(server: &Server, user: &User, method: &str) -> Vec<i64> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", method)
            .auth(user)
            .mask("mask[id]"),
    );
    ids_of(&reply)
}

/// The ids of the objects of a list reply.
pub fn ids_of(reply: &XmlRpcReply) -> Vec<i64> {
    reply
        .ok()
        .array()
        .iter()
        .map(|t| t.member("id").int())
        .collect()
}

/// The ids of `SoftLayer_Account::getTickets` under an object filter (JSON).
pub fn filtered_ticket_ids(server: &Server, user: &User, filter: &serde_json::Value) -> Vec<i64> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(user)
            .mask("mask[id]")
            .filter(crate::filters::to_xval(filter)),
    );
    ids_of(&reply)
}

/// Seconds since the Unix epoch, now.
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A date within five minutes of now.
pub fn assert_recent(date: &XVal, what: &str) {
    let text = date
        .as_str()
        .unwrap_or_else(|| panic!("{what}: not a date: {date:?}"));
    let when = epoch_seconds(text);
    let now = now_epoch();
    assert!(
        (now - when).abs() < 300,
        "{what} {text} is not the time of the call (now is {now}, the date is {when})"
    );
}
