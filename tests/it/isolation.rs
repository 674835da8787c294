//! Isolation, table-driven from the schema: every method of every account-owned service
//! that acts on one object (its SLDN page requires `{Service}InitParameters`), called by
//! another account on demo's object, must answer exactly as for an object that does not
//! exist, over XML-RPC and over REST, and must change nothing.
//!
//! SLDN's exception-handling article: `SoftLayer_Exception_ObjectNotFound`, "Unable to
//! find object with id of '{id}'."; the real API never tells a foreign object from a
//! missing one. A method added to the schema is checked here without a new test.

use crate::common;

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};

const DEMO_TICKET: i64 = 160000001;
/// Demo's closed ticket in the seed: a method that refuses closed tickets must still not
/// tell another account that the ticket exists.
const DEMO_CLOSED_TICKET: i64 = 160000003;
/// Ids no object of the seed has.
const MISSING: i64 = 160_000_999;

/// The services whose objects belong to an account, with the demo object to probe (the
/// file is made by the test).
fn services(file_id: i64) -> [(&'static str, i64); 4] {
    [
        ("SoftLayer_Ticket", DEMO_TICKET),
        ("SoftLayer_Ticket", DEMO_CLOSED_TICKET),
        ("SoftLayer_Ticket_Attachment_File", file_id),
        // Demo's employee update of ticket 160000001 in the seed.
        ("SoftLayer_Ticket_Update_Employee", 500000002),
    ]
}

/// Arguments a method would accept on one's own object: demo's own devices and users,
/// well-formed templates. Isolation must hold before any of them is looked at.
fn arguments(service: &str, method: &str, params: &[Value], file_id: i64) -> Vec<Value> {
    let file =
        json!({"filename": "x.txt", "data": base64::engine::general_purpose::STANDARD.encode("x")});
    params
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let type_name = p["type"].as_str().unwrap();
            match (service, method, name) {
                (_, _, "hardwareId") => json!(8001),
                (_, _, "guestId") => json!(9001),
                (_, _, "dedicatedHostId") => json!(7001),
                (_, _, "agentId") => json!(DEMO.id),
                (_, _, "attachmentId") => json!(file_id),
                (_, "edit", "templateObject") => json!({"title": "mine now"}),
                (_, "addUpdate", "templateObject") => json!({"entry": "hello from Other Corp"}),
                (_, _, "fileAttachment") => file.clone(),
                (_, _, "activationTime") => json!("2030-01-01T00:00:00-06:00"),
                _ => match type_name {
                    "int" => json!(1),
                    "boolean" => json!(true),
                    "string" => json!("x"),
                    "string[]" => json!(["a@example.com"]),
                    t if t.ends_with("[]") => json!([]),
                    _ => json!({}),
                },
            }
        })
        .collect()
}

fn xval(v: &Value) -> XVal {
    match v {
        Value::Null => XVal::Nil,
        Value::Bool(b) => xbool(*b),
        Value::Number(n) => xint(n.as_i64().unwrap()),
        Value::String(s) => xstr(s),
        Value::Array(items) => XVal::Array(items.iter().map(xval).collect()),
        Value::Object(members) => {
            XVal::Struct(members.iter().map(|(k, v)| (k.clone(), xval(v))).collect())
        }
    }
}

/// One call of `service::method` on object `id` as the other account, over a transport.
type Probe = fn(&Server, &str, &str, i64, &[Value]) -> Seen;

/// What a caller sees of a fault, with the id asked for replaced by `N`.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    code: String,
    message: String,
}

fn over_xmlrpc(server: &Server, service: &str, method: &str, id: i64, args: &[Value]) -> Seen {
    let mut call = XmlRpcCall::new(service, method).auth(&OTHER).id(id);
    for a in args {
        call = call.arg(xval(a));
    }
    let reply = server.xmlrpc(&call);
    assert_not_found(&reply, id);
    let fault = reply.fault();
    Seen {
        status: reply.http.status,
        code: fault.code_text(),
        message: fault.string.replace(&id.to_string(), "N"),
    }
}

fn over_rest(server: &Server, service: &str, method: &str, id: i64, args: &[Value]) -> Seen {
    let auth = basic_auth(OTHER.username, OTHER.api_key);
    let body = json!({ "parameters": args }).to_string();
    let (verb, body) = if args.is_empty() {
        ("GET", "")
    } else {
        ("POST", body.as_str())
    };
    let mut headers = vec![("Authorization", auth.as_str())];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    let path = format!("/rest/v3.1/{service}/{id}/{method}.json");
    let resp = http_request(
        server.addr(),
        verb,
        &path,
        &headers,
        body.as_bytes(),
        HTTP_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("{verb} {path}: {e}"));
    let json: Value = serde_json::from_slice(&resp.body)
        .unwrap_or_else(|e| panic!("{verb} {path}: not JSON ({e})\n{}", resp.describe()));
    let seen = Seen {
        status: resp.status,
        code: json["code"].as_str().unwrap_or_default().to_string(),
        message: json["error"]
            .as_str()
            .unwrap_or_default()
            .replace(&id.to_string(), "N"),
    };
    assert_eq!(
        (seen.status, seen.code.as_str(), seen.message.as_str()),
        (
            404,
            "SoftLayer_Exception_ObjectNotFound",
            "Unable to find object with id of 'N'."
        ),
        "{verb} {path} {body}\n{}",
        resp.describe()
    );
    seen
}

/// Demo's view of its ticket and file, to show that nothing changed.
fn demo_state(server: &Server, file_id: i64) -> (XVal, XVal) {
    let ticket = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .mask(
                "mask[id,title,statusId,priority,assignedUserId,lastEditDate,\
                 updates[id,entry],attachedHardware[id],attachedVirtualGuests[id],\
                 attachedDedicatedHosts[id],attachedFiles[id],attachedAdditionalEmails,\
                 tagReferences,scheduledActions,assignedAgents]",
            ),
    );
    let file = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getObject")
            .auth(&DEMO)
            .id(file_id),
    );
    (ticket.ok().clone(), file.ok().clone())
}

#[test]
fn another_accounts_object_is_exactly_as_absent_as_a_missing_one_for_every_method() {
    let server = Server::start();
    let upload = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "addAttachedFile")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xval(&json!({"filename": "mine.txt", "data": "bWluZQ=="}))),
    );
    let file_id = upload.ok().member("id").int();
    let before = demo_state(&server, file_id);

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/softlayer.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut probed = 0;
    for (service, demo_id) in services(file_id) {
        let init = format!("{service}InitParameters");
        let methods = schema["services"][service]["methods"].as_object().unwrap();
        for (method, def) in methods {
            let headers = def["requiredHeaders"].as_array().unwrap();
            if !headers.iter().any(|h| h == init.as_str()) {
                continue;
            }
            let args = arguments(
                service,
                method,
                def["parameters"].as_array().unwrap(),
                file_id,
            );
            let transports: [(&str, Probe); 2] = [("XML-RPC", over_xmlrpc), ("REST", over_rest)];
            for (transport, ask) in transports {
                let theirs = ask(&server, service, method, demo_id, &args);
                let absent = ask(&server, service, method, MISSING, &args);
                assert_eq!(
                    theirs, absent,
                    "{transport} {service}::{method}: another account's object must look exactly like a missing one"
                );
                probed += 1;
            }
        }
    }
    // 55 ticket methods twice, 3 file methods, 2 employee-update methods, on two
    // transports.
    assert!(
        probed >= 2 * 115,
        "only {probed} probes: is the schema read?"
    );
    assert_eq!(
        demo_state(&server, file_id),
        before,
        "nothing of demo's changed"
    );
}
