//! A user's API key as SoftLayer_User_Customer_ApiAuthentication: the user's
//! `apiAuthenticationKeys` and `apiAuthenticationKeyCount`, and
//! `SoftLayer_User_Customer::getApiAuthenticationKeys`, on every transport and as
//! softlayer-python's `slcli user detail --keys` and `slcli user list` read them. Only
//! the user itself and its account's master user (demo, 5001) are shown a key; another
//! user of the account (demo-ops, 5002) reads none of the others'. The keys a reply
//! carries stay out of the journal (in memory and its file) and the server's log.

use crate::common::*;
use serde_json::{Value as J, json};

const TOKEN: &str = "api-keys-test-token";

/// The third seeded user of demo's account (demo-billing), not the master user.
const BILLING_ID: i64 = 5003;
const BILLING_KEY: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn start(extra: &[&str]) -> Server {
    let mut args = vec!["--admin-token", TOKEN];
    args.extend_from_slice(extra);
    Server::start_with_args(":memory:", None, &args)
}

fn journal_text(server: &Server) -> String {
    let resp = http_request(
        server.addr(),
        "GET",
        "/_emulator/journal?limit=1000",
        &[("Authorization", &format!("Bearer {TOKEN}"))],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.describe());
    resp.text()
}

/// The keys `getApiAuthenticationKeys` answers `user` for `id` over XML-RPC.
fn xmlrpc_keys(server: &Server, user: &User, id: i64) -> Vec<(i64, String)> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_User_Customer", "getApiAuthenticationKeys")
            .auth(user)
            .id(id),
    );
    reply
        .ok()
        .array()
        .iter()
        .map(|k| {
            (
                k.member("userId").int(),
                k.member("authenticationKey").str().to_string(),
            )
        })
        .collect()
}

/// A user's key count and keys read through a mask of `getObject` over XML-RPC.
fn xmlrpc_masked(server: &Server, user: &User, id: i64) -> (i64, Vec<String>) {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_User_Customer", "getObject")
            .auth(user)
            .id(id)
            .mask("mask[id,apiAuthenticationKeyCount,apiAuthenticationKeys[id,authenticationKey]]"),
    );
    let user = reply.ok();
    let keys = user
        .member("apiAuthenticationKeys")
        .array()
        .iter()
        .map(|k| k.member("authenticationKey").str().to_string())
        .collect();
    (user.member("apiAuthenticationKeyCount").int(), keys)
}

fn rest_json(server: &Server, user: &User, path: &str) -> J {
    let resp = rest_get_as(server, user, path);
    assert_eq!(resp.status, 200, "{path}: {}", resp.describe());
    serde_json::from_slice(&resp.body).unwrap()
}

fn soap_envelope(user: &User, id: i64, method: &str, mask: Option<&str>) -> String {
    let mask = mask
        .map(|m| {
            format!(
                "<ns1:SoftLayer_User_CustomerObjectMask><mask>{m}</mask></ns1:SoftLayer_User_CustomerObjectMask>"
            )
        })
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
         xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\">\
         <SOAP-ENV:Header><ns1:authenticate><username>{}</username><apiKey>{}</apiKey></ns1:authenticate>\
         <ns1:SoftLayer_User_CustomerInitParameters><id>{id}</id></ns1:SoftLayer_User_CustomerInitParameters>{mask}\
         </SOAP-ENV:Header><SOAP-ENV:Body><ns1:{method}/></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        user.username, user.api_key
    )
}

/// The body of a SOAP call to SoftLayer_User_Customer as `user`.
fn soap(server: &Server, user: &User, id: i64, method: &str, mask: Option<&str>) -> String {
    let resp = server.post(
        "/soap/v3.1/SoftLayer_User_Customer",
        &[
            ("Content-Type", "text/xml; charset=utf-8"),
            ("SOAPAction", method),
        ],
        soap_envelope(user, id, method, mask).as_bytes(),
    );
    assert_eq!(resp.status, 200, "{method}: {}", resp.describe());
    resp.text()
}

#[test]
fn the_user_and_the_master_user_read_a_key_on_every_transport() {
    let server = start(&[]);
    // XML-RPC: demo (the master user) reads its own key and demo-ops'.
    assert_eq!(
        xmlrpc_keys(&server, &DEMO, DEMO.id),
        [(DEMO.id, DEMO.api_key.to_string())]
    );
    assert_eq!(
        xmlrpc_keys(&server, &DEMO, DEMO_OPS.id),
        [(DEMO_OPS.id, DEMO_OPS.api_key.to_string())]
    );
    // demo-ops reads its own, and none of the master user's nor demo-billing's.
    assert_eq!(
        xmlrpc_keys(&server, &DEMO_OPS, DEMO_OPS.id),
        [(DEMO_OPS.id, DEMO_OPS.api_key.to_string())]
    );
    assert_eq!(xmlrpc_keys(&server, &DEMO_OPS, DEMO.id), []);
    assert_eq!(xmlrpc_keys(&server, &DEMO_OPS, BILLING_ID), []);
    // Another account's user is not found, key or not.
    let other = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_User_Customer", "getApiAuthenticationKeys")
            .auth(&OTHER)
            .id(DEMO.id),
    );
    assert_not_found(&other, DEMO.id);

    // The count and the list through a mask.
    assert_eq!(
        xmlrpc_masked(&server, &DEMO, DEMO.id),
        (1, vec![DEMO.api_key.to_string()])
    );
    assert_eq!(
        xmlrpc_masked(&server, &DEMO, BILLING_ID),
        (1, vec![BILLING_KEY.to_string()])
    );
    assert_eq!(xmlrpc_masked(&server, &DEMO_OPS, DEMO.id), (0, vec![]));
    assert_eq!(
        xmlrpc_masked(&server, &DEMO_OPS, DEMO_OPS.id),
        (1, vec![DEMO_OPS.api_key.to_string()])
    );

    // REST: the getter, and the account's users with their counts.
    let keys = rest_json(
        &server,
        &DEMO,
        "/rest/v3.1/SoftLayer_User_Customer/5001/getApiAuthenticationKeys.json",
    );
    assert_eq!(keys[0]["authenticationKey"], DEMO.api_key, "{keys}");
    assert_eq!(keys[0]["userId"], DEMO.id, "{keys}");
    assert_eq!(
        rest_json(
            &server,
            &DEMO_OPS,
            "/rest/v3.1/SoftLayer_User_Customer/5001/getApiAuthenticationKeys.json"
        ),
        json!([])
    );
    let mask = percent_encode("mask[id,apiAuthenticationKeyCount]");
    let counts = |user: &User| -> Vec<(i64, i64)> {
        let path = format!("/rest/v3.1/SoftLayer_Account/getUsers.json?objectMask={mask}");
        rest_json(&server, user, &path)
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let count = u["apiAuthenticationKeyCount"].as_i64().unwrap();
                (u["id"].as_i64().unwrap(), count)
            })
            .collect()
    };
    assert_eq!(counts(&DEMO), [(5001, 1), (5002, 1), (5003, 1)]);
    assert_eq!(counts(&DEMO_OPS), [(5001, 0), (5002, 1), (5003, 0)]);

    // A filter through the keys finds only keys its caller is shown: demo-ops cannot
    // find whose key begins with demo's first characters, nor count them.
    let filtered = |user: &User, filter: J| -> Vec<i64> {
        let path = format!(
            "/rest/v3.1/SoftLayer_Account/getUsers.json?objectMask=mask%5Bid%5D&objectFilter={}",
            percent_encode(&filter.to_string())
        );
        rest_json(&server, user, &path)
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let by_prefix = |prefix: &str| json!({"users": {"apiAuthenticationKeys": {"authenticationKey": {"operation": format!("^= {prefix}")}}}});
    assert_eq!(filtered(&DEMO, by_prefix("0123")), [5001]);
    assert_eq!(filtered(&DEMO, by_prefix("2222")), [5003]);
    assert_eq!(filtered(&DEMO_OPS, by_prefix("0123")), Vec::<i64>::new());
    assert_eq!(filtered(&DEMO_OPS, by_prefix("1111")), [5002]);
    let with_a_key = json!({"users": {"apiAuthenticationKeyCount": {"operation": 1}}});
    assert_eq!(filtered(&DEMO, with_a_key.clone()), [5001, 5002, 5003]);
    assert_eq!(filtered(&DEMO_OPS, with_a_key), [5002]);

    // SOAP: the getter and the mask.
    let body = soap(&server, &DEMO, DEMO.id, "getApiAuthenticationKeys", None);
    assert!(body.contains(DEMO.api_key), "{body}");
    assert!(
        body.contains("SoftLayer_User_Customer_ApiAuthentication"),
        "typed by the WSDL: {body}"
    );
    let body = soap(
        &server,
        &DEMO_OPS,
        DEMO.id,
        "getApiAuthenticationKeys",
        None,
    );
    assert!(!body.contains(DEMO.api_key), "{body}");
    let body = soap(
        &server,
        &DEMO_OPS,
        DEMO_OPS.id,
        "getObject",
        Some("mask[apiAuthenticationKeyCount,apiAuthenticationKeys]"),
    );
    assert!(body.contains(DEMO_OPS.api_key), "{body}");
    assert!(
        body.contains("<apiAuthenticationKeyCount xsi:type=\"xsd:unsignedInt\">1<")
            || body.contains("<apiAuthenticationKeyCount>1<"),
        "{body}"
    );
}

/// softlayer-python 6.2.9's `slcli user detail --keys` prints the key (it took the length
/// of a missing list: TypeError), its `user detail` says whether there is one, and `user
/// list` shows `classicAPIKey` from the count.
fn slcli_shows_the_key(t: Transport) {
    let server = start(&[]);
    let cli = Slcli::over(&server, DEMO.username, DEMO.api_key, t);
    let out = cli.run(&["user", "detail", "5001", "--keys"]);
    assert_not_crashed(&out);
    assert!(out.success(), "{out:?}");
    let detail: J = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(detail["APIKEY"], DEMO.api_key, "{detail:#}");
    let out = cli.run(&["user", "detail", "5002"]);
    assert!(out.success(), "{out:?}");
    let detail: J = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(detail["APIKEY"], "Yes", "{detail:#}");
    let out = cli.run(&["user", "list"]);
    assert!(out.success(), "{out:?}");
    let list: J = serde_json::from_str(&out.stdout).unwrap();
    for user in rows(&list) {
        assert_eq!(user["classicAPIKey"], "yes", "{list:#}");
    }

    // demo-ops is shown its own key, and not the master user's.
    let ops = Slcli::over(&server, DEMO_OPS.username, DEMO_OPS.api_key, t);
    let out = ops.run(&["user", "detail", "5001", "--keys"]);
    assert_not_crashed(&out);
    assert!(out.success(), "{out:?}");
    let detail: J = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(detail["APIKEY"], "No", "{detail:#}");
    assert!(!out.stdout.contains(DEMO.api_key));
    let out = ops.run(&["user", "detail", "5002", "--keys"]);
    let detail: J = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(detail["APIKEY"], DEMO_OPS.api_key, "{detail:#}");
}

#[test]
fn slcli_shows_the_key_over_xmlrpc() {
    slcli_shows_the_key(Transport::XmlRpc);
}

#[test]
fn slcli_shows_the_key_over_rest() {
    slcli_shows_the_key(Transport::Rest);
}

/// Every reply that carried a key, on every transport, directly or through a mask of
/// another call, first answered and then from the reply cache: the journal (read back and
/// in its file), and the server's log, never hold the key; the replies are recorded, with
/// `[redacted]` where the key was.
#[test]
fn keys_in_replies_stay_out_of_the_journal_and_the_log() {
    let dir = TempDir::new("api-keys-journal");
    let file = dir.path().join("calls.jsonl");
    let server = start(&["--journal", file.to_str().unwrap()]);
    let logged_before = |key: &str| server.log().matches(key).count();
    let before = [DEMO.api_key, DEMO_OPS.api_key, BILLING_KEY].map(logged_before);
    for _ in 0..2 {
        xmlrpc_keys(&server, &DEMO, DEMO.id);
        xmlrpc_masked(&server, &DEMO, BILLING_ID);
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Account", "getUsers")
                    .auth(&DEMO)
                    .mask("mask[id,apiAuthenticationKeys]"),
            )
            .ok();
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
                    .auth(&DEMO)
                    .id(160000001)
                    .mask("mask[id,assignedUser[id,apiAuthenticationKeys[authenticationKey]]]"),
            )
            .ok();
        rest_json(
            &server,
            &DEMO,
            "/rest/v3.1/SoftLayer_User_Customer/5001/getApiAuthenticationKeys.json",
        );
        rest_json(
            &server,
            &DEMO,
            "/rest/v3.1/SoftLayer_User_Customer/5002/ApiAuthenticationKeys.json",
        );
        rest_json(
            &server,
            &DEMO,
            &format!(
                "/rest/v3.1/SoftLayer_User_Customer/5001.json?objectMask={}",
                percent_encode("mask[apiAuthenticationKeys]")
            ),
        );
        rest_json(
            &server,
            &DEMO_OPS,
            &format!(
                "/rest/v3.1/SoftLayer_Account/getUsers.json?objectMask={}",
                percent_encode("mask[id,apiAuthenticationKeys]")
            ),
        );
        soap(&server, &DEMO, DEMO.id, "getApiAuthenticationKeys", None);
        soap(
            &server,
            &DEMO,
            BILLING_ID,
            "getObject",
            Some("mask[apiAuthenticationKeys]"),
        );
    }
    let journal = journal_text(&server);
    let calls: J = serde_json::from_str(&journal).unwrap();
    let calls = calls["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 20, "{journal}");
    assert!(calls.iter().all(|c| c["outcome"] == "ok"), "{journal}");
    // Replies written whole are recorded, the key in them redacted.
    let redacted = journal
        .matches("\"authenticationKey\":\"[redacted]\"")
        .count();
    assert!(redacted >= 4, "{redacted} redacted keys in {journal}");
    // The file is written as each call ends.
    let mut in_file = String::new();
    for _ in 0..50 {
        in_file = std::fs::read_to_string(&file).unwrap_or_default();
        if in_file.lines().count() >= 20 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(in_file.lines().count(), 20, "{in_file}");
    assert!(in_file.contains("[redacted]"), "{in_file}");
    for (key, before) in [DEMO.api_key, DEMO_OPS.api_key, BILLING_KEY]
        .into_iter()
        .zip(before)
    {
        assert!(!journal.contains(key), "a key in the journal: {journal}");
        assert!(
            !in_file.contains(key),
            "a key in the journal file: {in_file}"
        );
        assert_eq!(
            server.log().matches(key).count(),
            before,
            "a key in the log: {}",
            server.log()
        );
    }
}

/// An order through the keys treats another user's as missing: sorted by
/// `apiAuthenticationKeys.authenticationKey`, demo-ops's list of the account's users gave
/// the order of every key in it.
#[test]
fn another_users_key_orders_as_missing() {
    let server = start(&[]);
    let ids = |user: &User, sort: &str| -> Vec<i64> {
        let filter = json!({"users": {"apiAuthenticationKeys": {"authenticationKey": {
            "operation": "orderBy", "options": [{"name": "sort", "value": [sort]}]}}}});
        let path = format!(
            "/rest/v3.1/SoftLayer_Account/getUsers.json?objectMask=mask[id]&objectFilter={}",
            percent_encode(&filter.to_string())
        );
        rest_json(&server, user, &path)
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    // Keys 0123… (5001), 1111… (5002), 2222… (5003): the master user sees their order.
    assert_eq!(ids(&DEMO, "ASC"), [5001, 5002, BILLING_ID]);
    assert_eq!(ids(&DEMO, "DESC"), [BILLING_ID, 5002, 5001]);
    // demo-ops sees its own key only: the others sort as missing, first going up and
    // last going down.
    assert_eq!(ids(&DEMO_OPS, "DESC")[0], 5002);
    assert_eq!(ids(&DEMO_OPS, "ASC")[2], 5002);
}

/// A key the caller pasted where the request goes wrong stays out of the journal: in a
/// REST path as a relation's item or as the method, and inside `<apiKey>` of a SOAP body
/// that does not parse. The answers named it back to the caller (their own text), and
/// the journal kept it in clear: in `path`, `method` and the fault's message (40 of the
/// key's characters, the element name the SOAP parser stopped at).
#[test]
fn a_key_in_a_refused_path_or_body_stays_out_of_the_journal() {
    let dir = TempDir::new("api-keys-refused");
    let file = dir.path().join("calls.jsonl");
    let server = start(&["--journal", file.to_str().unwrap()]);
    for path in [
        format!("/rest/v3.1/SoftLayer_Ticket/160000001/Updates/{BILLING_KEY}.json"),
        format!("/rest/v3.1/SoftLayer_User_Customer/5003/{BILLING_KEY}.json"),
        format!("/rest/v3.1/SoftLayer_User_Customer/5003/ApiAuthenticationKeys/{BILLING_KEY}.json"),
    ] {
        let resp = rest_get_as(&server, &DEMO, &path);
        assert!(resp.status >= 400, "{path}: {}", resp.describe());
    }
    let envelope = soap_envelope(&DEMO, DEMO.id, "getObject", None).replace(
        &format!("<apiKey>{}", DEMO.api_key),
        &format!("<apiKey><{}", DEMO.api_key),
    );
    let resp = server.post(
        "/soap/v3.1/SoftLayer_User_Customer",
        &[("Content-Type", "text/xml; charset=utf-8")],
        envelope.as_bytes(),
    );
    assert_eq!(resp.status, 500, "{}", resp.describe());
    assert!(resp.text().contains("no XML name"), "{}", resp.describe());
    // The `<` further in: the rest of the key after it (30 characters) is what the
    // parser names.
    let envelope = soap_envelope(&DEMO_OPS, DEMO_OPS.id, "getObject", None).replace(
        &format!("<apiKey>{}", DEMO_OPS.api_key),
        &format!(
            "<apiKey>{}<{}",
            &DEMO_OPS.api_key[..34],
            &DEMO_OPS.api_key[34..]
        ),
    );
    let resp = server.post(
        "/soap/v3.1/SoftLayer_User_Customer",
        &[("Content-Type", "text/xml; charset=utf-8")],
        envelope.as_bytes(),
    );
    assert_eq!(resp.status, 500, "{}", resp.describe());
    // As an XML-RPC methodName: the record's method and the "not a valid method" fault.
    server
        .xmlrpc(&XmlRpcCall::new("SoftLayer_Ticket", BILLING_KEY).auth(&DEMO))
        .fault();
    // A call's own fault keeps what it quotes whole (the mask beside it holds it too).
    let long_name = "customProperty2026abcdefghijklmnopqrstuvwxyz";
    let resp = rest_get_as(
        &server,
        &DEMO,
        &format!(
            "/rest/v3.1/SoftLayer_Ticket/160000001/getObject.json?objectMask=mask[{long_name}]"
        ),
    );
    assert_eq!(resp.status, 500, "{}", resp.describe());
    let journal = journal_text(&server);
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 7, "{lines}");
    for (part, name) in [
        (&BILLING_KEY[..32], "demo-billing's key"),
        (&DEMO.api_key[..32], "demo's key"),
        (&DEMO_OPS.api_key[34..50], "demo-ops' key"),
    ] {
        assert!(
            !journal.contains(part),
            "{name} reached the journal: {journal}"
        );
        assert!(!lines.contains(part), "{name} reached its file: {lines}");
    }
    assert!(journal.contains("[redacted]"), "{journal}");
    assert!(
        journal.contains(&format!("Property '{long_name}' not valid")),
        "{journal}"
    );
}
