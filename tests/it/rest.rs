//! The REST transport (`/rest/v3/…`, `/rest/v3.1/…`) against the real server.
//!
//! Every URL form of `shared/reference/sldn/articles/rest.md` and SLDN articles rest, xml-rpc and soap, both
//! output formats (and `.txt`), the query parameters, bodies in JSON and XML, and every
//! error row: what status, `code` and `error` a client gets. Writes made over REST are
//! checked over XML-RPC, so the two transports are seen to share one store and one set of
//! handlers. Each test starts its own server on an in-memory database seeded from
//! fixtures/seed.

use crate::common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const TICKET: i64 = 160000001;
/// Updates of ticket 160000001 in the seed, oldest first.
const TICKET_UPDATES: [i64; 3] = [500000001, 500000002, 500000003];
/// A ticket of the other account.
const OTHER_TICKET: i64 = 160000101;

/// One REST exchange: `path` is what follows `/rest/v3.1/` (query included).
fn rest(
    server: &Server,
    method: &str,
    path: &str,
    user: Option<&User>,
    body: &[u8],
) -> HttpResponse {
    let auth = user.map(|u| basic_auth(u.username, u.api_key));
    rest_with(
        server,
        method,
        &format!("/rest/v3.1/{path}"),
        auth.as_deref(),
        body,
    )
}

/// One exchange on a full path with an optional Authorization header.
fn rest_with(
    server: &Server,
    method: &str,
    full_path: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> HttpResponse {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(a) = authorization {
        headers.push(("Authorization", a));
    }
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    http_request(
        server.addr(),
        method,
        full_path,
        &headers,
        body,
        HTTP_TIMEOUT,
    )
    .unwrap_or_else(|e| {
        panic!(
            "{method} {full_path} failed: {e}\n--- server output ---\n{}",
            server.log()
        )
    })
}

fn get(server: &Server, path: &str) -> HttpResponse {
    rest(server, "GET", path, Some(&DEMO), b"")
}

fn post(server: &Server, path: &str, body: &str) -> HttpResponse {
    rest(server, "POST", path, Some(&DEMO), body.as_bytes())
}

fn put(server: &Server, path: &str, body: &str) -> HttpResponse {
    rest(server, "PUT", path, Some(&DEMO), body.as_bytes())
}

/// The JSON body of a 200 answer with `Content-Type: application/json`.
fn ok_json(resp: &HttpResponse) -> Value {
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert_eq!(
        resp.header("Content-Type"),
        Some("application/json"),
        "{}",
        resp.describe()
    );
    json_body(resp)
}

fn json_body(resp: &HttpResponse) -> Value {
    serde_json::from_slice(&resp.body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e})\n{}", resp.describe()))
}

/// Asserts a JSON fault: status, `code`, and `error` (exactly, when given).
fn assert_fault(resp: &HttpResponse, status: u16, code: &str, error: Option<&str>) {
    assert_eq!(resp.status, status, "{}", resp.describe());
    assert_eq!(
        resp.header("Content-Type"),
        Some("application/json"),
        "{}",
        resp.describe()
    );
    let body = json_body(resp);
    assert_eq!(body["code"], code, "{}", resp.describe());
    let message = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message\n{}", resp.describe()));
    assert!(!message.is_empty(), "{}", resp.describe());
    if let Some(error) = error {
        assert_eq!(message, error, "{}", resp.describe());
    }
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error", "code"], "{}", resp.describe());
}

/// Asserts an XML fault: `<root><error>…</error><code>…</code></root>`.
fn assert_xml_fault(resp: &HttpResponse, status: u16, code: &str, error: Option<&str>) {
    assert_eq!(resp.status, status, "{}", resp.describe());
    assert!(
        resp.header("Content-Type")
            .is_some_and(|c| c.starts_with("application/xml")),
        "{}",
        resp.describe()
    );
    let root = xml_tree(resp);
    assert_eq!(root.name, "root", "{}", resp.describe());
    let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["error", "code"], "{}", resp.describe());
    assert_eq!(root.child("code").text, code, "{}", resp.describe());
    if let Some(error) = error {
        assert_eq!(root.child("error").text, error, "{}", resp.describe());
    }
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {list}"))
        .iter()
        .map(|item| {
            item["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("item without an integer id: {item}"))
        })
        .collect()
}

fn total(resp: &HttpResponse) -> Option<u64> {
    resp.header("SoftLayer-Total-Items").map(|t| {
        t.parse()
            .unwrap_or_else(|_| panic!("bad SoftLayer-Total-Items\n{}", resp.describe()))
    })
}

/// A `?objectMask=` / `objectFilter=` value, percent-encoded.
fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An element of an XML answer.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:#?}", self.name))
    }

    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

fn xml_tree(resp: &HttpResponse) -> Node {
    use quick_xml::events::Event;
    let text = String::from_utf8(resp.body.clone())
        .unwrap_or_else(|_| panic!("XML answer is not UTF-8\n{}", resp.describe()));
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{}",
        resp.describe()
    );
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = Vec::new();
    let mut root = None;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("answer is not well-formed XML ({e})\n{}", resp.describe()));
        match event {
            Event::Start(e) => stack.push(Node {
                name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                ..Node::default()
            }),
            Event::Empty(e) => {
                let node = Node {
                    name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = stack.pop().unwrap();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(node) = stack.last_mut() {
                    node.text.push_str(&t.unescape().unwrap());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.unwrap_or_else(|| panic!("no root element\n{}", resp.describe()))
}

fn create_ticket_over_rest(server: &Server, title: &str, body: &str) -> i64 {
    let request = json!({"parameters": [
        {"subjectId": 1005, "assignedUserId": DEMO.id, "title": title},
        body,
    ]});
    let resp = post(
        server,
        "SoftLayer_Ticket/createStandardTicket.json",
        &request.to_string(),
    );
    let ticket = ok_json(&resp);
    ticket["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("created ticket without id\n{}", resp.describe()))
}

// ---------------------------------------------------------------------------
// URL forms
// ---------------------------------------------------------------------------

#[test]
fn get_with_an_id_and_no_method_is_get_object() {
    let server = Server::start();
    for path in [
        format!("SoftLayer_Ticket/{TICKET}.json"),
        format!("SoftLayer_Ticket/{TICKET}"),
        format!("SoftLayer_Ticket/{TICKET}/"),
        format!("SoftLayer_Ticket/{TICKET}/getObject.json"),
        format!("SoftLayer_Ticket/{TICKET}/getObject"),
    ] {
        let resp = get(&server, &path);
        let ticket = ok_json(&resp);
        assert_eq!(ticket["id"], TICKET, "{path}");
        assert_eq!(ticket["title"], "Hardware Issue", "{path}");
        assert_eq!(ticket["accountId"], DEMO.account_id, "{path}");
        // Relational properties only come with a mask.
        assert!(ticket.get("updates").is_none(), "{path}: {ticket}");
        assert_eq!(total(&resp), None, "a single object has no total");
    }
}

#[test]
fn get_without_an_id_is_get_object_of_a_service_that_needs_none() {
    let server = Server::start();
    for path in [
        "SoftLayer_Account.json",
        "SoftLayer_Account",
        "SoftLayer_Account/getObject.json",
    ] {
        let account = ok_json(&get(&server, path));
        assert_eq!(account["id"], DEMO.account_id, "{path}");
        assert_eq!(account["companyName"], "Demo Company", "{path}");
    }
}

#[test]
fn v3_and_v3_1_answer_alike() {
    let server = Server::start();
    let auth = basic_auth(DEMO.username, DEMO.api_key);
    let path = format!("SoftLayer_Ticket/{TICKET}/getUpdates.json?objectMask=mask%5Bid%5D");
    let v3 = rest_with(
        &server,
        "GET",
        &format!("/rest/v3/{path}"),
        Some(&auth),
        b"",
    );
    let v31 = rest_with(
        &server,
        "GET",
        &format!("/rest/v3.1/{path}"),
        Some(&auth),
        b"",
    );
    assert_eq!(ok_json(&v3), ok_json(&v31));
    assert_eq!(total(&v3), Some(3));
    assert_eq!(total(&v31), Some(3));
}

#[test]
fn a_method_is_named_directly_or_by_its_relational_property() {
    let server = Server::start();
    let expected: Vec<i64> = TICKET_UPDATES.to_vec();
    for method in ["getUpdates", "Updates", "updates"] {
        let resp = get(&server, &format!("SoftLayer_Ticket/{TICKET}/{method}.json"));
        let updates = ok_json(&resp);
        let mut got = ids(&updates);
        got.sort();
        assert_eq!(got, expected, "{method}\n{}", resp.describe());
        assert_eq!(total(&resp), Some(3), "{method}");
        assert!(updates[0]["entry"].is_string(), "{updates}");
    }
    // Methods of a service without an init parameter, and count getters.
    let subjects = ok_json(&get(&server, "SoftLayer_Ticket_Subject/getAllObjects.json"));
    assert!(ids(&subjects).contains(&1005), "{subjects}");
    let count = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/AttachedHardwareCount.json"),
    ));
    assert_eq!(count, json!(1));
}

#[test]
fn simple_arguments_follow_the_method_in_the_path() {
    let server = Server::start();
    // GET, as SLDN's curl examples do: hardware 8002 goes on, then comes off.
    let attached = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware/8002.json"),
    ));
    assert_eq!(attached["hardwareId"], 8002, "{attached}");
    assert_eq!(
        attached_hardware(&server, &DEMO, TICKET),
        BTreeSet::from([8001, 8002])
    );
    let removed = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/removeAttachedHardware/8002.json"),
    ));
    assert_eq!(removed, json!(true));
    assert_eq!(
        attached_hardware(&server, &DEMO, TICKET),
        BTreeSet::from([8001])
    );

    // POST with the argument in the path and none in the body works the same.
    let resp = rest(
        &server,
        "POST",
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedVirtualGuest/9001.json"),
        Some(&DEMO),
        b"",
    );
    assert_eq!(
        ok_json(&resp)["virtualGuestId"],
        9001,
        "{}",
        resp.describe()
    );
    assert_eq!(
        attached_virtual_guests(&server, &DEMO, TICKET),
        BTreeSet::from([9001])
    );
}

/// softlayer-java names every method but getObject without its `get`
/// (`RestApiClient.getFullUrl`) and sends the arguments as a POST body: those of a method
/// with parameters were dropped, as if the name were a relation's.
#[test]
fn a_method_named_without_get_takes_its_parameters_from_the_body() {
    let server = Server::start();
    for path in [
        "SoftLayer_Ticket/TicketsClosedSinceDate.json?objectMask=id",
        "SoftLayer_Ticket/ticketsClosedSinceDate.json?objectMask=id",
        "SoftLayer_Ticket/getTicketsClosedSinceDate.json?objectMask=id",
    ] {
        let resp = post(&server, path, r#"{"parameters": ["2020-01-01"]}"#);
        assert_eq!(ids(&ok_json(&resp)), vec![160000003], "{path}");
    }
    let resp = rest(
        &server,
        "POST",
        "SoftLayer_User_Customer/PortalLoginToken.json",
        None,
        format!(
            r#"{{"parameters": ["{}", "{}"]}}"#,
            DEMO.username, DEMO.api_key
        )
        .as_bytes(),
    );
    assert_eq!(ok_json(&resp)["userId"], 5001, "{}", resp.describe());
}

#[test]
fn post_bodies_carry_parameters_in_json() {
    let server = Server::start();
    let before = account_ticket_ids(&server, &DEMO);
    let body = "Disk in bay 3 is clicking; please check.";
    let id = create_ticket_over_rest(&server, "disk noise", body);
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(the_new_ticket(&before, &after, ""), id);
    // Seen over XML-RPC: same store, same handlers.
    assert_eq!(ticket_entries(&server, &DEMO, id), vec![body.to_string()]);

    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{id}/addUpdate.json"),
        r#"{"parameters": [{"entry": "Second entry."}]}"#,
    );
    let updates = ok_json(&resp);
    assert_eq!(updates[0]["entry"], "Second entry.", "{updates}");
    assert_eq!(total(&resp), Some(1), "addUpdate returns a list");
    assert_eq!(
        ticket_entries(&server, &DEMO, id),
        vec![body.to_string(), "Second entry.".to_string()]
    );

    // SLDN sends simple parameters as strings; they are typed by the method.
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{id}/addAttachedHardware.json"),
        r#"{"parameters": ["8003"]}"#,
    );
    assert_eq!(ok_json(&resp)["hardwareId"], 8003, "{}", resp.describe());
}

#[test]
fn post_bodies_carry_parameters_in_xml() {
    let server = Server::start();
    let entry = "Kernel log: <err> & \"quotes\"\nline two";
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n  <parameters>\n    <item>\n      \
         <entry>{}</entry>\n    </item>\n  </parameters>\n</root>\n",
        entry
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    let resp = rest(
        &server,
        "POST",
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.xml"),
        Some(&DEMO),
        body.as_bytes(),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let root = xml_tree(&resp);
    assert_eq!(root.names(), ["item"], "{}", resp.describe());
    assert_eq!(root.child("item").child("entry").text, entry);
    assert_eq!(total(&resp), Some(1));
    assert_eq!(
        ticket_entries(&server, &DEMO, TICKET).last().unwrap(),
        entry
    );

    // In UTF-16, with its byte-order mark either way round and big endian without one, as
    // XML-RPC and SOAP read it (the mark's first byte was taken for neither JSON nor XML).
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><root><parameters><item>\
                <entry>Grüße in UTF-16</entry></item></parameters></root>";
    let units: Vec<u16> = text.encode_utf16().collect();
    let little: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
    let big: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    for (how, body) in [
        (
            "little endian with a mark",
            [&[0xFF, 0xFE][..], &little].concat(),
        ),
        ("big endian with a mark", [&[0xFE, 0xFF][..], &big].concat()),
        ("big endian without one", big.clone()),
    ] {
        let resp = rest(
            &server,
            "POST",
            &format!("SoftLayer_Ticket/{TICKET}/addUpdate.json"),
            Some(&DEMO),
            &body,
        );
        assert_eq!(resp.status, 200, "{how}: {}", resp.describe());
        assert_eq!(
            ticket_entries(&server, &DEMO, TICKET).last().unwrap(),
            "Grüße in UTF-16",
            "{how}"
        );
    }

    // An XML template typed by the schema: subjectId and assignedUserId are ints.
    let before = account_ticket_ids(&server, &DEMO);
    let body = format!(
        "<root><parameters><item><subjectId>1004</subjectId><assignedUserId>{}</assignedUserId>\
         <title>dns</title></item><item>Please add a CNAME.</item></parameters></root>",
        DEMO.id
    );
    let resp = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/createStandardTicket.json",
        Some(&DEMO),
        body.as_bytes(),
    );
    let ticket = ok_json(&resp);
    assert_eq!(ticket["subjectId"], 1004, "{ticket}");
    let id = the_new_ticket(&before, &account_ticket_ids(&server, &DEMO), "");
    assert_eq!(ticket["id"], id);
    assert_eq!(
        ticket_entries(&server, &DEMO, id),
        vec!["Please add a CNAME.".to_string()]
    );
}

/// The SLDN exception article's example of `SoftLayer_Exception_InvalidValue`: a user's
/// e-mail with other than one `@` is refused, as is one that is no address, and the
/// user keeps the address it had.
/// The values methods refuse by their own rules are `SoftLayer_Exception_InvalidValue`
/// (or the class their page names) with 500 over REST, like every exception a method
/// raises; only a call that cannot be read (a bad `resultLimit`, an argument of the wrong
/// type) is 400.
#[test]
fn a_methods_own_refusals_are_500_over_rest() {
    let server = Server::start();
    let post = |path: &str, body: serde_json::Value| {
        rest(
            &server,
            "POST",
            path,
            Some(&DEMO),
            body.to_string().as_bytes(),
        )
    };
    let ticket = format!("SoftLayer_Ticket/{TICKET}");
    for (resp, class) in [
        (
            post(
                &format!("{ticket}/edit.json"),
                json!({"parameters": [{"priority": 9}, "x"]}),
            ),
            "SoftLayer_Exception_InvalidValue",
        ),
        (
            get(&server, "SoftLayer_Ticket/getTicketsClosedSinceDate.json"),
            "SoftLayer_Exception_InvalidValue",
        ),
        (
            post(
                &format!("{ticket}/addScheduledAlert.json"),
                json!({"parameters": ["garbage"]}),
            ),
            "SoftLayer_Exception_InvalidValue",
        ),
        (
            get(
                &server,
                "SoftLayer_Account/getHistoricalTicketGraph/garbage/2026-01-01.json",
            ),
            "SoftLayer_Exception_Public",
        ),
    ] {
        assert_fault(&resp, 500, class, None);
    }
    // An argument that is not of its type is still a request that cannot be read.
    let resp = post(
        &format!("{ticket}/addAttachedHardware.json"),
        json!({"parameters": ["abc"]}),
    );
    assert_fault(&resp, 400, "SoftLayer_Exception_InvalidValue", None);
}

#[test]
fn a_user_email_that_is_no_address_is_refused() {
    let server = Server::start();
    let put = |email: &str| {
        rest(
            &server,
            "PUT",
            "SoftLayer_User_Customer/5001.json",
            Some(&DEMO),
            json!({"parameters": [{"email": email}]})
                .to_string()
                .as_bytes(),
        )
    };
    // A method's own refusal is 500 over REST, as SLDN's exception-handling article shows
    // this very one (and softlayer-go pull request 136: validation errors are 500).
    for email in ["a@b@c.com", "bad-email", ""] {
        assert_fault(
            &put(email),
            500,
            "SoftLayer_Exception_InvalidValue",
            Some("The character @ must appear once and only once in an email address."),
        );
    }
    for email in ["dana@localhost", "dana @example.com", "@example.com"] {
        assert_fault(&put(email), 500, "SoftLayer_Exception_InvalidValue", None);
    }
    let user = ok_json(&get(&server, "SoftLayer_User_Customer/5001.json"));
    assert_eq!(user["email"], "dana@demo.example.com");
    assert_eq!(ok_json(&put("dana@new.example.com")), json!(true));
    let user = ok_json(&get(&server, "SoftLayer_User_Customer/5001.json"));
    assert_eq!(user["email"], "dana@new.example.com");
}

/// What `GET SoftLayer_Ticket/{TICKET}/{rest}` answers (200 and JSON).
fn of_the_ticket(server: &Server, rest: &str) -> Value {
    ok_json(&get(server, &format!("SoftLayer_Ticket/{TICKET}/{rest}")))
}

/// Percent escapes that decode to bytes that are not UTF-8 (in a path argument or a
/// query value) are refused with 400, as the same bytes in a body are, rather than
/// stored as U+FFFD; escaped UTF-8 is text like any other.
#[test]
fn percent_escapes_that_are_not_utf8_are_refused() {
    let server = Server::start();
    let tags = |server: &Server| {
        of_the_ticket(server, "getTagReferences.json?objectMask=mask[tag.name]").to_string()
    };
    let before = tags(&server);
    for path in [
        format!("SoftLayer_Ticket/{TICKET}/setTags/%FF%FEzz.json"),
        format!("SoftLayer_Ticket/{TICKET}.json?objectMask=mask[id,title%FF]"),
        format!("SoftLayer_Ticket/{TICKET}.json?objectFilter=%C3"),
    ] {
        let resp = rest(&server, "GET", &path, Some(&DEMO), b"");
        assert_eq!(resp.status, 400, "{path}\n{}", resp.describe());
        assert!(
            json_body(&resp)["error"]
                .as_str()
                .is_some_and(|e| e.contains("not UTF-8")),
            "{}",
            resp.describe()
        );
    }
    assert_eq!(tags(&server), before, "nothing was stored");
    // Escaped UTF-8 is text (a tag keeps no letter past Z, so a closed ticket's final
    // comments show it).
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000003/addFinalComments/caf%C3%A9.json",
    );
    assert_eq!(ok_json(&resp), json!(true));
    let comments = ok_json(&get(
        &server,
        "SoftLayer_Ticket/160000003.json?objectMask=mask[finalComments]",
    ));
    assert_eq!(comments["finalComments"], "café", "{comments}");
}

/// Characters XML 1.0 cannot carry (controls other than tab, line feed and carriage
/// return; U+FFFE, U+FFFF) are refused over REST as XML-RPC and SOAP refuse them, with
/// 400 and the class of their refusal: JSON took them, and the text was stored, then
/// read back as sent over JSON but as U+FFFD over XML.
#[test]
fn characters_xml_cannot_carry_are_refused_as_xml_transports_refuse_them() {
    let server = Server::start();
    let before = ticket_entries(&server, &DEMO, TICKET);
    let add = format!("SoftLayer_Ticket/{TICKET}/addUpdate.json");
    for (method, path, body, place) in [
        (
            "POST",
            add.as_str(),
            r#"{"parameters":[{"entry":"bell\u0007"}]}"#,
            "in the parameters ('entry')",
        ),
        (
            "POST",
            add.as_str(),
            r#"{"parameters":[{"entry":"a\u0000b"}]}"#,
            "in the parameters ('entry')",
        ),
        (
            "POST",
            add.as_str(),
            r#"{"parameters":[{"entry":"x\uFFFE"}]}"#,
            "in the parameters ('entry')",
        ),
        (
            "POST",
            add.as_str(),
            r#"{"parameters":[{"entry":"ok","attachedFiles":[{"filename":"\uffff"}]}]}"#,
            "in the parameters ('filename')",
        ),
        (
            "POST",
            add.as_str(),
            r#"{"parameters":[{"entry\u0001":"ok"}]}"#,
            "in the parameters (a member name)",
        ),
        (
            "GET",
            &format!("SoftLayer_Ticket/{TICKET}/setTags/a%07b.json"),
            "",
            "in the URL path",
        ),
        (
            "GET",
            &format!(
                "SoftLayer_Ticket/{TICKET}/getUpdates.json?objectFilter={}",
                enc(r#"{"updates":{"entry":{"operation":"\u0002"}}}"#)
            ),
            "",
            "in objectFilter ('operation')",
        ),
        (
            "GET",
            &format!("SoftLayer_Ticket/{TICKET}.json?objectMask=mask[id%01]"),
            "",
            "in objectMask",
        ),
    ] {
        let resp = rest(&server, method, path, Some(&DEMO), body.as_bytes());
        assert_fault(
            &resp,
            400,
            "SoftLayer_Exception_WebService_BadRequest",
            None,
        );
        let error = json_body(&resp)["error"].as_str().unwrap().to_string();
        assert!(
            error.starts_with(&format!("Invalid text {place}: U+")) && error.contains("XML 1.0"),
            "{path} {body}: {error}"
        );
    }
    assert_eq!(
        ticket_entries(&server, &DEMO, TICKET),
        before,
        "nothing was stored"
    );

    // Tab, line feed and carriage return are text on every transport.
    let entry = "tab\there\r\nnext\u{7f}\u{85}";
    let resp = post(
        &server,
        &add,
        &json!({"parameters": [{"entry": entry}]}).to_string(),
    );
    assert_eq!(ok_json(&resp)[0]["entry"], entry);
    assert_eq!(
        ticket_entries(&server, &DEMO, TICKET).last().unwrap(),
        entry
    );
}

/// `DELETE` with a method in the path is not a call: the real API answers 404 "Service
/// does not exist" (softlayer-python issue 962, `DELETE …/deleteObject.json` → 404 of 70
/// bytes, this very body), and runs nothing, not even a getter or a detach.
#[test]
fn delete_with_a_method_in_the_path_is_404_and_runs_nothing() {
    let server = Server::start();
    let attached = |server: &Server| {
        of_the_ticket(server, "getAttachedHardware.json")
            .as_array()
            .map(Vec::len)
    };
    let before = attached(&server);
    assert!(before.is_some_and(|n| n > 0), "{before:?}");
    for path in [
        format!("SoftLayer_Ticket/{TICKET}/getObject.json"),
        format!("SoftLayer_Ticket/{TICKET}/deleteObject.json"),
        format!("SoftLayer_Ticket/{TICKET}/removeAttachedHardware/8001.json"),
        format!("SoftLayer_Ticket/{TICKET}/addUpdate"),
    ] {
        let resp = rest(&server, "DELETE", &path, Some(&DEMO), b"");
        assert_fault(
            &resp,
            404,
            "SoftLayer_Exception_Public",
            Some("Service does not exist"),
        );
        assert_eq!(resp.body.len(), 70, "{path}: {}", resp.describe());
    }
    assert_eq!(attached(&server), before, "nothing was detached");
    // The same paths by GET and POST are calls, as ever.
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getObject.json"),
    );
    assert_eq!(ok_json(&resp)["id"], TICKET);
}

#[test]
fn post_put_and_delete_without_a_method_are_create_edit_and_delete_object() {
    let server = Server::start();
    // None of them exists on SoftLayer_Ticket: each is an unknown method, not a crash.
    for (verb, path, method) in [
        ("POST", "SoftLayer_Ticket.json".to_string(), "createObject"),
        (
            "PUT",
            format!("SoftLayer_Ticket/{TICKET}.json"),
            "editObject",
        ),
        (
            "DELETE",
            format!("SoftLayer_Ticket/{TICKET}.json"),
            "deleteObject",
        ),
        (
            "DELETE",
            format!("SoftLayer_Ticket/{TICKET}"),
            "deleteObject",
        ),
    ] {
        let resp = rest(
            &server,
            verb,
            &path,
            Some(&DEMO),
            br#"{"parameters": [{"title": "x"}]}"#,
        );
        assert_fault(
            &resp,
            404,
            "SoftLayer_Exception_Public",
            Some(&format!(
                "Function (\"{method}\") is not a valid method for this service."
            )),
        );
    }
    let resp = rest(
        &server,
        "PUT",
        &format!("SoftLayer_Ticket/{TICKET}.xml"),
        Some(&DEMO),
        b"",
    );
    assert_xml_fault(
        &resp,
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"editObject\") is not a valid method for this service."),
    );
    // The ticket is untouched.
    assert_eq!(
        ok_json(&get(&server, &format!("SoftLayer_Ticket/{TICKET}.json")))["title"],
        "Hardware Issue"
    );
}

#[test]
fn nested_resources_walk_relational_properties() {
    let server = Server::start();
    // A specific item of a list method.
    let ticket = ok_json(&get(
        &server,
        &format!("SoftLayer_Account/getTickets/{TICKET}.json"),
    ));
    assert_eq!(ticket["id"], TICKET);
    assert_eq!(ticket["title"], "Hardware Issue");
    let ticket = ok_json(&get(
        &server,
        &format!("SoftLayer_Account/Tickets/{TICKET}/"),
    ));
    assert_eq!(ticket["id"], TICKET);

    // Its relational properties, as lists with totals and limits.
    let resp = get(
        &server,
        &format!("SoftLayer_Account/getTickets/{TICKET}/getUpdates.json"),
    );
    let mut got = ids(&ok_json(&resp));
    got.sort();
    assert_eq!(got, TICKET_UPDATES.to_vec());
    assert_eq!(total(&resp), Some(3));
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Account/Tickets/{TICKET}/Updates.json?resultLimit=1,1&objectMask=mask%5Bid%5D"
        ),
    );
    assert_eq!(
        ok_json(&resp).as_array().unwrap().len(),
        1,
        "{}",
        resp.describe()
    );
    assert_eq!(total(&resp), Some(3));

    // One update, with a mask of its own.
    let update = TICKET_UPDATES[1];
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Account/Tickets/{TICKET}/Updates/{update}.json?objectMask=mask%5Bentry%5D"
        ),
    );
    let value = ok_json(&resp);
    assert_eq!(
        value.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["entry"],
        "{}",
        resp.describe()
    );
    assert!(value["entry"].as_str().unwrap().contains("technician"));
    let value = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/Updates/{update}"),
    ));
    assert_eq!(value["id"], update);
    assert_eq!(value["ticketId"], TICKET);

    // …and deeper: the update's ticket.
    let value = ok_json(&get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}/Updates/{update}/Ticket.json?objectMask=mask%5Bid,title%5D"
        ),
    ));
    assert_eq!(value, json!({"id": TICKET, "title": "Hardware Issue"}));

    // XML works the same.
    let resp = get(
        &server,
        &format!("SoftLayer_Account/Tickets/{TICKET}/Updates/{update}.xml"),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert_eq!(xml_tree(&resp).child("id").text, update.to_string());

    // A path ending in a relation the emulator keeps no data for answers as its getter
    // does (SLDN REST's own `getHardware/{id}/getNetworkComponents`): an empty list with
    // its total, 0 for a count, rather than null.
    let resp = get(
        &server,
        "SoftLayer_Account/getHardware/8001/getNetworkComponents.json",
    );
    assert_eq!(ok_json(&resp), json!([]), "{}", resp.describe());
    assert_eq!(total(&resp), Some(0), "{}", resp.describe());
    let resp = get(
        &server,
        "SoftLayer_Account/getUsers/5001/getPermissions.json",
    );
    assert_eq!(ok_json(&resp), json!([]), "{}", resp.describe());
    let resp = get(
        &server,
        "SoftLayer_Account/getHardware/8001/getProcessorCount.json",
    );
    assert_eq!(ok_json(&resp), json!(0), "{}", resp.describe());
    // A relation to one answers null, as its getter does.
    let resp = get(
        &server,
        "SoftLayer_Account/getHardware/8001/getDatacenter.json",
    );
    assert_eq!(ok_json(&resp), json!(null), "{}", resp.describe());
}

#[test]
fn nested_items_must_be_in_their_list() {
    let server = Server::start();
    for path in [
        // Another ticket's update, another account's ticket, a ticket that does not exist.
        format!("SoftLayer_Ticket/{TICKET}/Updates/500000004.json"),
        format!("SoftLayer_Account/getTickets/{OTHER_TICKET}.json"),
        "SoftLayer_Account/Tickets/999.json".to_string(),
    ] {
        assert_fault(
            &get(&server, &path),
            404,
            "SoftLayer_Exception_ObjectNotFound",
            None,
        );
    }
    // Closed tickets are not open tickets.
    assert_fault(
        &get(&server, "SoftLayer_Account/OpenTickets/160000003.json"),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        Some("Unable to find object with id of '160000003'."),
    );
    // A property of a list needs an id before it.
    assert_fault(
        &get(&server, "SoftLayer_Account/Tickets/Updates.json"),
        400,
        "SoftLayer_Exception_Public",
        None,
    );
}

#[test]
fn methods_of_a_nested_item_run_on_its_own_service() {
    let server = Server::start();
    let resp = post(
        &server,
        &format!("SoftLayer_Account/Tickets/{TICKET}/addUpdate.json"),
        r#"{"parameters": [{"entry": "Nested update."}]}"#,
    );
    assert_eq!(ok_json(&resp)[0]["entry"], "Nested update.");
    assert_eq!(
        ticket_entries(&server, &DEMO, TICKET).last().unwrap(),
        "Nested update."
    );
    // Only on items of the list: a closed ticket is not among the open ones.
    let resp = post(
        &server,
        "SoftLayer_Account/OpenTickets/160000003/addUpdate.json",
        r#"{"parameters": [{"entry": "Nope."}]}"#,
    );
    assert_fault(&resp, 404, "SoftLayer_Exception_ObjectNotFound", None);
    // PUT on a nested item is its service's editObject: not one of SoftLayer_Ticket's.
    let resp = rest(
        &server,
        "PUT",
        &format!("SoftLayer_Account/Tickets/{TICKET}.json"),
        Some(&DEMO),
        br#"{"parameters": [{"title": "x"}]}"#,
    );
    assert_fault(
        &resp,
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"editObject\") is not a valid method for this service."),
    );
}

/// A method of a single relation's object, named after the relation (SLDN rest.md's
/// walks down relational properties): called on that object. It was "not a valid method
/// for this service" unless the object's id was repeated, and a method that defaults to
/// the caller (`getOpenTickets` of a user) ran on the caller instead.
#[test]
fn methods_of_a_single_relations_object_run_on_it() {
    let server = Server::start();
    // 160000002 is assigned to demo-ops (5002), not to the caller.
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000002/AssignedUser/getObject.json?objectMask=id",
    );
    assert_eq!(ok_json(&resp), json!({"id": 5002}));
    // The journal names the object it ran on (`replay` sent it to the caller's own).
    // The user service's calls in the journal, newest first.
    let journal = || -> Value {
        let resp = http_request(
            server.addr(),
            "GET",
            "/_emulator/journal?service=SoftLayer_User_Customer",
            &[("Authorization", &format!("Bearer {}", admin_token(&server)))],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap();
        serde_json::from_str(&resp.text()).unwrap()
    };
    let journal_now = journal();
    assert_eq!(journal_now["calls"][0]["initId"], 5002, "{journal_now:#}");
    // One that found no object is recorded as its path, which `replay` sends again: the
    // call alone ran on the caller's own user.
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000101/AssignedUser/getObject.json",
    );
    assert_fault(&resp, 404, "SoftLayer_Exception_ObjectNotFound", None);
    let journal_now = journal();
    assert_eq!(
        journal_now["calls"][0]["path"],
        json!(["SoftLayer_Ticket", "160000101", "AssignedUser", "getObject"]),
        "{journal_now:#}"
    );
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000002/AssignedUser/getOpenTickets.json?objectMask=id",
    );
    assert_eq!(ids(&ok_json(&resp)), vec![160000002]);
    let resp = get(
        &server,
        "SoftLayer_Account/CurrentUser/getObject.json?objectMask=username",
    );
    assert_eq!(ok_json(&resp), json!({"username": "demo"}));
    // From a file to its ticket, and a method of the ticket's with a path argument.
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedFile.json"),
        r#"{"parameters": [{"filename": "note.txt", "data": "aGVsbG8="}]}"#,
    );
    let file = ok_json(&resp)["id"].as_i64().unwrap();
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket_Attachment_File/{file}/Ticket/getAttachedFile/{file}.json"),
    );
    assert_eq!(ok_json(&resp), json!("aGVsbG8="));
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket_Attachment_File/{file}/Ticket/getObject.json?objectMask=id"),
    );
    assert_eq!(ok_json(&resp), json!({"id": TICKET}));
    // Another account's ticket is not found, whatever follows it.
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000101/AssignedUser/getObject.json",
    );
    assert_fault(&resp, 404, "SoftLayer_Exception_ObjectNotFound", None);
    // PUT on a single relation is its object's editObject, as on `…/Tickets/5`: it was
    // answered as a GET, the body dropped, and the client told its write went through.
    let resp = put(
        &server,
        &format!("SoftLayer_Ticket_Attachment_File/{file}/Ticket.json"),
        r#"{"parameters": [{"title": "via PUT"}]}"#,
    );
    assert_fault(
        &resp,
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"editObject\") is not a valid method for this service."),
    );
    let resp = put(
        &server,
        "SoftLayer_Ticket/160000002/AssignedUser.json",
        r#"{"parameters": [{"firstName": "Xena"}]}"#,
    );
    assert_eq!(ok_json(&resp), json!(true));
    let resp = get(
        &server,
        "SoftLayer_Ticket/160000002/AssignedUser.json?objectMask=id,firstName",
    );
    assert_eq!(ok_json(&resp), json!({"id": 5002, "firstName": "Xena"}));
    // At the end of a longer walk too.
    let resp = put(
        &server,
        "SoftLayer_Account/Tickets/160000002/AssignedUser.json",
        r#"{"parameters": [{"firstName": "Yara"}]}"#,
    );
    assert_eq!(ok_json(&resp), json!(true));
    let resp = get(
        &server,
        "SoftLayer_User_Customer/5002/getObject.json?objectMask=firstName",
    );
    assert_eq!(ok_json(&resp), json!({"firstName": "Yara"}));
    // A getter named as such is a method, read whatever the verb, at any depth (at the
    // end of a longer walk a PUT edited the user).
    for path in [
        "SoftLayer_Ticket/160000002/getAssignedUser.json?objectMask=id,firstName",
        "SoftLayer_Account/Tickets/160000002/getAssignedUser.json?objectMask=id,firstName",
        "SoftLayer_Account/getTickets/160000002/getAssignedUser.json?objectMask=id,firstName",
    ] {
        let resp = put(&server, path, r#"{"parameters": [{"firstName": "Gil"}]}"#);
        assert_eq!(
            ok_json(&resp),
            json!({"id": 5002, "firstName": "Yara"}),
            "{path}"
        );
    }
    // The verb's own method of a relation's service that lacks it is not a method there,
    // whether the relation names an object (5002 has a parent) or not (demo has none):
    // the second answered "Object does not exist to execute method on" naming it.
    for path in [
        "SoftLayer_User_Customer/5002/Parent.json",
        "SoftLayer_User_Customer/5001/Parent.json",
    ] {
        assert_fault(
            &post(&server, path, r#"{"parameters": [{"firstName": "Q"}]}"#),
            404,
            "SoftLayer_Exception_Public",
            Some("Function (\"createObject\") is not a valid method for this service."),
        );
    }
    // DELETE at the end of a walk past an item names a method, as `DELETE …/getObject`
    // does: it was answered as a GET, and the client told its delete went through.
    for path in [
        format!("SoftLayer_Account/Tickets/{TICKET}/Updates.json"),
        format!("SoftLayer_Account/OpenTickets/{TICKET}/AssignedUser.json"),
        format!("SoftLayer_Ticket/{TICKET}/LastUpdate/Ticket.json"),
    ] {
        let resp = rest(&server, "DELETE", &path, Some(&DEMO), b"");
        assert_fault(
            &resp,
            404,
            "SoftLayer_Exception_Public",
            Some("Service does not exist"),
        );
    }
    // Nor on a list, nor on an object no service serves: each answered as a GET, its
    // body dropped.
    for (verb, path, method) in [
        (
            "POST",
            format!("SoftLayer_Ticket/{TICKET}/Updates.json"),
            "createObject",
        ),
        (
            "POST",
            "SoftLayer_Account/Users.json".to_string(),
            "createObject",
        ),
        (
            "PUT",
            "SoftLayer_Account/Tickets.json".to_string(),
            "editObject",
        ),
        (
            "PUT",
            format!("SoftLayer_Ticket/{TICKET}/Status.json"),
            "editObject",
        ),
        (
            "PUT",
            format!("SoftLayer_Ticket/{TICKET}/FirstUpdate.json"),
            "editObject",
        ),
    ] {
        let resp = rest(
            &server,
            verb,
            &path,
            Some(&DEMO),
            br#"{"parameters": [{"entry": "new", "name": "Q"}]}"#,
        );
        assert_fault(
            &resp,
            404,
            "SoftLayer_Exception_Public",
            Some(&format!(
                "Function (\"{method}\") is not a valid method for this service."
            )),
        );
    }
    // A segment before the method is no id of the relation's object: not found, as
    // `SoftLayer_User_Customer/foo/getObject` is (it acted on the assigned user, and a
    // write on the object the relation named rather than the one typed).
    for path in [
        "SoftLayer_Ticket/160000001/AssignedUser/foo/getObject.json".to_string(),
        format!("SoftLayer_Ticket_Attachment_File/{file}/Ticket/160000001x/getObject.json"),
    ] {
        assert_fault(
            &get(&server, &path),
            404,
            "SoftLayer_Exception_ObjectNotFound",
            None,
        );
    }
}

// ---------------------------------------------------------------------------
// Query parameters
// ---------------------------------------------------------------------------

#[test]
fn object_masks_with_or_without_the_mask_prefix() {
    let server = Server::start();
    for mask in [
        "mask[id,title,status[name]]",
        "id,title,status[name]",
        "mask.id;mask.title;mask.status.name",
    ] {
        let resp = get(
            &server,
            &format!("SoftLayer_Ticket/{TICKET}.json?objectMask={}", enc(mask)),
        );
        let ticket = ok_json(&resp);
        let mut keys: Vec<&String> = ticket.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["id", "status", "title"],
            "{mask}\n{}",
            resp.describe()
        );
        assert_eq!(ticket["status"], json!({"name": "Open"}), "{mask}");
    }
    // As softlayer-python sends it: spaces and newlines, encoded with `+`.
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}.json?objectMask=mask%5Bid,+updates%5Bid,%0A++entry%5D%5D"
        ),
    );
    let ticket = ok_json(&resp);
    assert_eq!(ticket["updates"].as_array().unwrap().len(), 3, "{ticket}");
    // `mask[]` is the default properties.
    let ticket = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}.json?objectMask=mask%5B%5D"),
    ));
    assert_eq!(ticket["title"], "Hardware Issue");
}

/// SLDN's curl examples put masks and filters in the URL as they are, and curl sends
/// them so: raw `[`, `{`, `"`, and raw UTF-8 for non-ASCII text
/// (sldn/articles/using-result-limits-softlayer-api.md, object-filters.md). The answers
/// are those of the same URL percent-encoded, as a client library sends it.
#[test]
fn sldn_curl_urls_with_raw_quotes_and_utf8_are_answered() {
    let server = Server::start();
    let cases = [
        // The result-limits article's example, on tickets.
        (
            r#"objectMask=mask[id,title]&objectFilter={"tickets":{"id":{"operation":"orderBy","options":[{"name":"sort","value":["DESC"]}]}}}&resultLimit=0,2"#,
            vec![160000003, 160000002],
        ),
        // Non-ASCII text in a filter (the seed's third update says "Merci — Dana"). A
        // raw space would end the request line, here as at any HTTP server.
        (
            r#"objectMask=mask[id]&objectFilter={"tickets":{"updates":{"entry":{"operation":"*=—"}}}}"#,
            vec![TICKET],
        ),
        // `<` and `>` in a value.
        (
            r#"objectMask=mask[id]&objectFilter={"tickets":{"title":{"operation":"*=a<b>"}}}"#,
            vec![],
        ),
    ];
    for (query, expected) in cases {
        let raw = get(
            &server,
            &format!("SoftLayer_Account/getTickets.json?{query}"),
        );
        assert_eq!(ids(&ok_json(&raw)), expected, "{query}\n{}", raw.describe());
        let encoded: String = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                format!("{name}={}", enc(value))
            })
            .collect::<Vec<_>>()
            .join("&");
        let enc_resp = get(
            &server,
            &format!("SoftLayer_Account/getTickets.json?{encoded}"),
        );
        assert_eq!(raw.body, enc_resp.body, "{query}");
        assert_eq!(total(&raw), total(&enc_resp), "{query}");
    }
    // A body is never rewritten: a quote and UTF-8 in a JSON body arrive as they were.
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate"),
        r#"{"parameters": [{"entry": "say \"<caf\u00e9>\" — ok"}]}"#,
    );
    let update = ok_json(&resp);
    assert_eq!(
        update[0]["entry"],
        "say \"<café>\" — ok",
        "{}",
        resp.describe()
    );
}

#[test]
fn object_filters_and_result_limits() {
    let server = Server::start();
    let filter = json!({"tickets": {"status": {"name": {"operation": "Closed"}}}});
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Account/getTickets.json?objectMask=mask%5Bid%5D&objectFilter={}",
            enc(&filter.to_string())
        ),
    );
    assert_eq!(ids(&ok_json(&resp)), vec![160000003], "{}", resp.describe());
    assert_eq!(total(&resp), Some(1));

    let order = json!({"tickets": {"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}}});
    let base = format!(
        "SoftLayer_Account/getTickets.json?objectMask=mask%5Bid%5D&objectFilter={}",
        enc(&order.to_string())
    );
    let all = ok_json(&get(&server, &base));
    assert_eq!(ids(&all), vec![160000001, 160000002, 160000003]);
    for (limit, expected) in [
        ("0,2", vec![160000001, 160000002]),
        ("2", vec![160000001, 160000002]),
        ("1,1", vec![160000002]),
        ("2,5", vec![160000003]),
        ("5,5", vec![]),
    ] {
        let resp = get(&server, &format!("{base}&resultLimit={limit}"));
        assert_eq!(ids(&ok_json(&resp)), expected, "resultLimit={limit}");
        assert_eq!(
            total(&resp),
            Some(3),
            "the total is before the limit: {limit}"
        );
    }
}

// ---------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------

#[test]
fn xml_output() {
    let server = Server::start();
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}.xml?objectMask={}",
            enc("mask[id,title,status[name],updates[id],assignedUser[firstName]]")
        ),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert_eq!(
        resp.header("Content-Type"),
        Some("application/xml; charset=utf-8")
    );
    let root = xml_tree(&resp);
    assert_eq!(root.name, "root");
    assert_eq!(root.child("id").text, TICKET.to_string());
    assert_eq!(root.child("title").text, "Hardware Issue");
    assert_eq!(root.child("status").child("name").text, "Open");
    assert_eq!(root.child("assignedUser").child("firstName").text, "Dana");
    let updates = root.child("updates");
    assert_eq!(updates.names(), ["item", "item", "item"]);

    // Lists: <root><item>…</item>…</root>, with the total header.
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getUpdates.xml"),
    );
    assert_eq!(total(&resp), Some(3));
    let root = xml_tree(&resp);
    assert_eq!(root.names(), ["item", "item", "item"]);
    let mut got: Vec<i64> = root
        .children
        .iter()
        .map(|i| i.child("id").text.parse().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, TICKET_UPDATES.to_vec());

    // Scalars and booleans.
    let root = xml_tree(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getAttachedHardwareCount.xml"),
    ));
    assert_eq!(root.text, "1");
    let root = xml_tree(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/removeAttachedHardware/8001.xml"),
    ));
    assert_eq!(root.text, "true");
    // An empty relation: <root/>.
    let root = xml_tree(&get(
        &server,
        "SoftLayer_Ticket/160000002/getAttachedHardware.xml",
    ));
    assert!(root.children.is_empty() && root.text.is_empty(), "{root:?}");
}

#[test]
fn text_output() {
    let server = Server::start();
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getAttachedHardwareCount.txt"),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert_eq!(
        resp.header("Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(resp.text(), "1");
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}/Updates/{}/getEntry.txt",
            TICKET_UPDATES[0]
        ),
    );
    // `entry` is a local property: not a getter, so an unknown method.
    assert_eq!(resp.status, 404, "{}", resp.describe());
    // Objects come as JSON text.
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}.txt?objectMask=mask%5Bid%5D"),
    );
    assert_eq!(resp.text(), format!("{{\"id\":{TICKET}}}"));
    // Faults of a .txt request are JSON.
    assert_fault(
        &get(&server, "SoftLayer_Ticket/999.txt"),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        Some("Unable to find object with id of '999'."),
    );
}

#[test]
fn non_ascii_text_round_trips() {
    let server = Server::start();
    let entry = "Grüße aus Köln — 東京 🚀\r\nZeile 2";
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.json"),
        &json!({"parameters": [{"entry": entry}]}).to_string(),
    );
    assert_eq!(ok_json(&resp)[0]["entry"], entry);
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getLastUpdate.json"),
    );
    assert_eq!(ok_json(&resp)["entry"], entry);
    let root = xml_tree(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getLastUpdate.xml"),
    ));
    assert_eq!(root.child("entry").text, entry);
    assert_eq!(
        ticket_entries(&server, &DEMO, TICKET).last().unwrap(),
        entry
    );
}

// ---------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------

#[test]
fn without_credentials_the_answer_is_401() {
    let server = Server::start();
    let path = format!("SoftLayer_Ticket/{TICKET}");
    let resp = rest(&server, "GET", &format!("{path}.json"), None, b"");
    assert_fault(
        &resp,
        401,
        "SoftLayer_Exception_Public",
        Some("No valid authentication headers found."),
    );
    assert!(
        resp.header("WWW-Authenticate").is_some(),
        "{}",
        resp.describe()
    );
    let resp = rest(&server, "GET", &format!("{path}.xml"), None, b"");
    assert_xml_fault(
        &resp,
        401,
        "SoftLayer_Exception_Public",
        Some("No valid authentication headers found."),
    );
    // A header that is not Basic is no credentials either.
    let resp = rest_with(
        &server,
        "GET",
        &format!("/rest/v3.1/{path}.json"),
        Some("Bearer abc"),
        b"",
    );
    assert_eq!(resp.status, 401, "{}", resp.describe());
}

#[test]
fn a_wrong_key_or_user_is_401() {
    let server = Server::start();
    let path = format!("/rest/v3.1/SoftLayer_Ticket/{TICKET}.json");
    for auth in [
        basic_auth(DEMO.username, "not-the-key"),
        basic_auth("nobody", DEMO.api_key),
        basic_auth(DEMO.username, OTHER.api_key),
        "Basic !!!not-base64".to_string(),
    ] {
        let resp = rest_with(&server, "GET", &path, Some(&auth), b"");
        assert_eq!(resp.status, 401, "{auth}\n{}", resp.describe());
    }
    let resp = rest_with(
        &server,
        "GET",
        &path,
        Some(&basic_auth(DEMO.username, "wrong")),
        b"",
    );
    assert_fault(
        &resp,
        401,
        "SoftLayer_Exception_InvalidLegacyToken",
        Some("Invalid API token."),
    );
    // A wrong portal token over REST (softlayer-go's `userId:authToken`) says so.
    let resp = rest_with(
        &server,
        "GET",
        &path,
        Some(&basic_auth(&DEMO.id.to_string(), "not-a-token")),
        b"",
    );
    assert_fault(
        &resp,
        401,
        "SoftLayer_Exception_InvalidLegacyToken",
        Some("Invalid API token."),
    );
}

#[test]
fn the_apikey_username_form_authenticates() {
    let server = Server::start();
    let auth = basic_auth("apikey", DEMO.api_key);
    let resp = rest_with(
        &server,
        "GET",
        "/rest/v3.1/SoftLayer_Account.json",
        Some(&auth),
        b"",
    );
    assert_eq!(ok_json(&resp)["id"], DEMO.account_id);
    let auth = basic_auth("apikey", OTHER.api_key);
    let resp = rest_with(
        &server,
        "GET",
        "/rest/v3.1/SoftLayer_Account.json",
        Some(&auth),
        b"",
    );
    assert_eq!(ok_json(&resp)["id"], OTHER.account_id);
}

/// RFC 7235 §2.1: the scheme's name is case-insensitive. Other schemes are no
/// credentials at all.
#[test]
fn the_basic_scheme_is_read_in_any_case() {
    let server = Server::start();
    let account = |authorization: &str| {
        rest_with(
            &server,
            "GET",
            "/rest/v3.1/SoftLayer_Account.json",
            Some(authorization),
            b"",
        )
    };
    let encoded = basic_auth(DEMO.username, DEMO.api_key);
    let token = encoded.strip_prefix("Basic ").unwrap();
    for scheme in ["Basic", "basic", "BASIC"] {
        let resp = account(&format!("{scheme} {token}"));
        assert_eq!(ok_json(&resp)["id"], DEMO.account_id, "{scheme}");
    }
    assert_fault(
        &account(&format!("Digest {token}")),
        401,
        "SoftLayer_Exception_Public",
        Some("No valid authentication headers found."),
    );
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[test]
fn a_missing_object_is_404() {
    let server = Server::start();
    assert_fault(
        &get(&server, "SoftLayer_Ticket/999.json"),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        Some("Unable to find object with id of '999'."),
    );
    assert_xml_fault(
        &get(&server, "SoftLayer_Ticket/999/getUpdates.xml"),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        Some("Unable to find object with id of '999'."),
    );
    // Another account's ticket is not found, for reading or writing.
    assert_fault(
        &get(&server, &format!("SoftLayer_Ticket/{OTHER_TICKET}.json")),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        None,
    );
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{OTHER_TICKET}/addUpdate.json"),
        r#"{"parameters": [{"entry": "intrusion"}]}"#,
    );
    assert_fault(&resp, 404, "SoftLayer_Exception_ObjectNotFound", None);
    // slcli 6.2.9 asks for SoftLayer_Ticket/False/getObject after `ticket create`.
    assert_fault(
        &get(&server, "SoftLayer_Ticket/False/getObject.json"),
        404,
        "SoftLayer_Exception_ObjectNotFound",
        Some("Unable to find object with id of 'False'."),
    );
}

#[test]
fn an_unknown_method_is_404_with_the_sldn_message() {
    let server = Server::start();
    assert_fault(
        &get(&server, "SoftLayer_Account/BlockDeviceTemplateGroups1.json"),
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"BlockDeviceTemplateGroups1\") is not a valid method for this service."),
    );
    assert_xml_fault(
        &get(&server, "SoftLayer_Account/BlockDeviceTemplateGroups1.xml"),
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"BlockDeviceTemplateGroups1\") is not a valid method for this service."),
    );
    assert_fault(
        &get(
            &server,
            &format!("SoftLayer_Ticket/{TICKET}/getNothing.json"),
        ),
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"getNothing\") is not a valid method for this service."),
    );
    // A service where the method goes (an endpoint URL ending in a service, to which
    // the client adds its own): the SLDN message, and what is likely wrong.
    assert_fault(
        &get(
            &server,
            "SoftLayer_Ticket/SoftLayer_Account/getTickets.json",
        ),
        404,
        "SoftLayer_Exception_Public",
        Some(
            "Function (\"SoftLayer_Account\") is not a valid method for this service. \
             SoftLayer_Account is a service: is the endpoint URL one that ends in a service \
             rather than at the API's version (/rest/v3.1/ or /rest/v3/)?",
        ),
    );
    // The same service twice (the likeliest form of that mistake): the id slot holds a
    // service; still the API's not-found, with the same hint.
    for path in [
        "SoftLayer_Account/SoftLayer_Account/getTickets.json",
        "SoftLayer_Ticket/SoftLayer_Ticket/getObject.json",
        // REST reads service names in any case: so does the hint.
        "SoftLayer_Ticket/softlayer_ticket/getObject.json",
    ] {
        let service = path.split('/').nth(1).unwrap_or_default();
        assert_fault(
            &get(&server, path),
            404,
            "SoftLayer_Exception_ObjectNotFound",
            Some(&format!(
                "Unable to find object with id of '{service}'. {service} is a service: is the \
                 endpoint URL one that ends in a service rather than at the API's version \
                 (/rest/v3.1/ or /rest/v3/)?"
            )),
        );
    }
    // Unknown methods are 404 before credentials are looked at.
    let resp = rest(
        &server,
        "GET",
        "SoftLayer_Ticket/1/frobnicate.json",
        None,
        b"",
    );
    assert_fault(
        &resp,
        404,
        "SoftLayer_Exception_Public",
        Some("Function (\"frobnicate\") is not a valid method for this service."),
    );
}

#[test]
fn an_unknown_service_is_404() {
    let server = Server::start();
    for path in ["Nonexistent.json", "Nonexistent/5/getObject.json", ""] {
        assert_fault(
            &get(&server, path),
            404,
            "SoftLayer_Exception_Public",
            Some("Service does not exist"),
        );
    }
    assert_xml_fault(
        &get(&server, "Nonexistent.xml"),
        404,
        "SoftLayer_Exception_Public",
        Some("Service does not exist"),
    );
}

/// No id in the path: the real API's `SoftLayer_Exception` "Object does not exist to
/// execute method on. (Service::method)" (softlayer-python issue 564), answered with 500
/// as the real API answers the exceptions its methods raise (`rest::status_of`).
#[test]
fn a_missing_init_parameter_is_500() {
    let server = Server::start();
    let resp = get(&server, "SoftLayer_Ticket/getObject.json");
    assert_fault(
        &resp,
        500,
        "SoftLayer_Exception",
        Some("Object does not exist to execute method on. (SoftLayer_Ticket::getObject)"),
    );
    let resp = get(&server, "SoftLayer_Ticket/getUpdates.xml");
    assert_xml_fault(
        &resp,
        500,
        "SoftLayer_Exception",
        Some("Object does not exist to execute method on. (SoftLayer_Ticket::getUpdates)"),
    );
}

#[test]
fn bad_bodies_are_400() {
    let server = Server::start();
    let path = format!("SoftLayer_Ticket/{TICKET}/addUpdate.json");
    for body in [
        &b"{\"parameters\": [{\"entry\": \"x\"}"[..],
        b"{\"params\": [1]}",
        b"[1]",
        b"entry=hello",
        b"<root><parameters><item><entry>x</entry></item></parameters>",
        b"<!DOCTYPE root [<!ENTITY x \"boom\">]><root><parameters><item>&x;</item></parameters></root>",
    ] {
        let resp = rest(&server, "POST", &path, Some(&DEMO), body);
        assert_fault(&resp, 400, "SoftLayer_Exception_WebService_BadRequest", None);
    }
    // JSON, not an object: told the shape (it was called "neither JSON nor XML").
    for body in [&b"null"[..], b"\"text\"", b" 5", b"true"] {
        let resp = rest(&server, "POST", &path, Some(&DEMO), body);
        assert_fault(
            &resp,
            400,
            "SoftLayer_Exception_WebService_BadRequest",
            Some("Unable to parse the request body: the body must be {\"parameters\": [...]}"),
        );
    }
    // JSON in UTF-16 (either order): told so, where the XML reader's "text outside the
    // root element" answered it.
    let json = "{\"parameters\": [{\"entry\": \"x\"}]}";
    for (little_endian, marked) in [(true, true), (false, true), (true, false), (false, false)] {
        let mut body = match (marked, little_endian) {
            (false, _) => Vec::new(),
            (true, true) => vec![0xff, 0xfe],
            (true, false) => vec![0xfe, 0xff],
        };
        for unit in format!(" {json}").encode_utf16() {
            body.extend(if little_endian {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        let resp = rest(&server, "POST", &path, Some(&DEMO), &body);
        assert_fault(
            &resp,
            400,
            "SoftLayer_Exception_WebService_BadRequest",
            Some(
                "Unable to parse the request body: the body is JSON in UTF-16; JSON is sent \
                 as UTF-8 (RFC 8259 §8.1)",
            ),
        );
    }
    // 1e400 is valid JSON, past what a double holds: it was called "not valid JSON".
    let resp = rest(
        &server,
        "POST",
        &path,
        Some(&DEMO),
        b"{\"parameters\": [{\"entry\": \"x\", \"editorId\": 1e400}]}",
    );
    assert_fault(
        &resp,
        400,
        "SoftLayer_Exception_WebService_BadRequest",
        None,
    );
    let message = json_body(&resp)["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.starts_with("Unable to parse the request body: the body holds a number past what a double holds (number out of range"),
        "{message}"
    );
    // An id past i64 at either end is refused alike: -9223372036854775809 arrived rounded
    // to -2^63 and was taken as i64::MIN ("You may not attach this hardware").
    for id in ["-9223372036854775809", "18446744073709551616", "-1e19"] {
        let resp = rest(
            &server,
            "POST",
            &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware.json"),
            Some(&DEMO),
            format!("{{\"parameters\": [{id}]}}").as_bytes(),
        );
        assert_fault(
            &resp,
            400,
            "SoftLayer_Exception_InvalidValue",
            Some(
                "Invalid value for parameter 'hardwareId': 'hardwareId' is a whole number, past \
                 a 64-bit integer.",
            ),
        );
    }
    // As a path argument, text: its digits are shown.
    let resp = rest(
        &server,
        "GET",
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware/9223372036854775808.json"),
        Some(&DEMO),
        b"",
    );
    assert_fault(
        &resp,
        400,
        "SoftLayer_Exception_InvalidValue",
        Some(
            "Invalid value for parameter 'hardwareId': 'hardwareId' is 9223372036854775808, \
             past a 64-bit integer.",
        ),
    );
    // A fraction is still no integer.
    let resp = rest(
        &server,
        "POST",
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware.json"),
        Some(&DEMO),
        b"{\"parameters\": [8001.5]}",
    );
    assert_fault(
        &resp,
        400,
        "SoftLayer_Exception_InvalidValue",
        Some("Invalid value for parameter 'hardwareId': expected an integer."),
    );
    let resp = rest(
        &server,
        "POST",
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.xml"),
        Some(&DEMO),
        b"<root><parameters>",
    );
    assert_xml_fault(
        &resp,
        400,
        "SoftLayer_Exception_WebService_BadRequest",
        None,
    );
    // Nothing was added.
    assert_eq!(ticket_entries(&server, &DEMO, TICKET).len(), 3);
}

/// A call parameter given twice: the last is read, as the API's PHP reads it, and the
/// warning header says so (the first was dropped without a word).
#[test]
fn a_call_parameter_given_twice_is_read_last_and_said() {
    let server = Server::start();
    let resp = rest(
        &server,
        "GET",
        "SoftLayer_Account/getTickets.json?resultLimit=0,1&objectMask=id&resultLimit=1,1&OBJECTMASK=mask[id]&objectmask=mask[id]",
        Some(&DEMO),
        b"",
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let all = json_body(&rest(
        &server,
        "GET",
        "SoftLayer_Account/getTickets.json?objectMask=id",
        Some(&DEMO),
        b"",
    ));
    assert_eq!(
        json_body(&resp),
        serde_json::json!([all[1].clone()]),
        "{}",
        resp.describe()
    );
    let warning = resp
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_default();
    for name in ["resultLimit", "objectMask"] {
        assert!(
            warning.contains(&format!(
                "call parameter '{name}' sent more than once: the last one read"
            )),
            "{}",
            resp.describe()
        );
    }
    let once = rest(
        &server,
        "GET",
        "SoftLayer_Account/getTickets.json?resultLimit=1,1&objectMask=id",
        Some(&DEMO),
        b"",
    );
    assert_eq!(
        once.header("X-SoftLayer-Emulator-Warning"),
        None,
        "{}",
        once.describe()
    );
    // A name meant for one REST reads under another: ignored, as the API ignores it, and
    // said (the whole object came back without a word).
    let meant = rest(
        &server,
        "GET",
        "SoftLayer_Ticket/160000001/getObject.json?mask=mask[id]&limit=1",
        Some(&DEMO),
        b"",
    );
    assert_eq!(meant.status, 200, "{}", meant.describe());
    let warning = meant
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_default();
    for name in ["mask", "limit"] {
        assert!(
            warning.contains(&format!(
                "query parameter '{name}' is not one REST reads (objectMask, objectFilter, resultLimit): ignored"
            )),
            "{}",
            meant.describe()
        );
    }
}

/// A mask put in a POST body beside `parameters` is not read, as the API reads only
/// `parameters`, and the warning header says so (it was dropped without a word); the
/// parameters are read as ever.
#[test]
fn a_body_member_rest_does_not_read_is_named() {
    let server = Server::start();
    let resp = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/160000001/addUpdate.json",
        Some(&DEMO),
        br#"{"parameters": [{"entry": "with a mask beside"}], "objectMask": "mask[id]"}"#,
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let reply: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!(reply[0]["entry"], "with a mask beside", "{reply}");
    let warning = resp
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_default();
    assert!(
        warning.contains("body member 'objectMask' is not one REST reads (only \"parameters\""),
        "{}",
        resp.describe()
    );
    // Many members are one sentence; a member named like a key is redacted, as the
    // journal (which keeps warnings) must not hold a key.
    let body = format!(
        r#"{{"parameters": [{{"entry": "many"}}], "a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "{}": 7}}"#,
        DEMO.api_key
    );
    let many = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/160000001/addUpdate.json",
        Some(&DEMO),
        body.as_bytes(),
    );
    assert_eq!(many.status, 200, "{}", many.describe());
    let warning = many
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_default();
    assert_eq!(warning.matches("body member").count(), 1, "{warning}");
    assert!(
        warning.contains("'a', 'b', 'c', 'd', 'e' and 2 more is not one REST reads"),
        "{warning}"
    );
    let named = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/160000001/addUpdate.json",
        Some(&DEMO),
        format!(
            r#"{{"parameters": [{{"entry": "keyed"}}], "{}": 7}}"#,
            DEMO.api_key
        )
        .as_bytes(),
    );
    let warning = named
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_default();
    assert!(
        warning.contains("body member '[redacted]'") && !warning.contains(&DEMO.api_key[..32]),
        "{warning}"
    );
    let misspelt = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/160000001/addUpdate.json",
        Some(&DEMO),
        br#"{"Parameters": [{"entry": "x"}]}"#,
    );
    assert_eq!(misspelt.status, 400, "{}", misspelt.describe());
    assert!(
        misspelt
            .text()
            .contains("('Parameters' is spelt \\\"parameters\\\")"),
        "{}",
        misspelt.describe()
    );
    let plain = rest(
        &server,
        "POST",
        "SoftLayer_Ticket/160000001/addUpdate.json",
        Some(&DEMO),
        br#"{"parameters": [{"entry": "alone"}]}"#,
    );
    assert_eq!(plain.status, 200, "{}", plain.describe());
    assert_eq!(
        plain.header("X-SoftLayer-Emulator-Warning"),
        None,
        "{}",
        plain.describe()
    );
}

#[test]
fn bad_query_parameters_are_400() {
    let server = Server::start();
    let base = "SoftLayer_Account/getTickets.json";
    for query in [
        "objectFilter=%7Bnot-json",
        "objectFilter=%5B1%5D",
        "resultLimit=a,b",
        "resultLimit=-1",
        "objectFilter=%7B%22tickets%22%3A%7B%22id%22%3A%7B%22operation%22%3A%5B1%5D%7D%7D%7D",
    ] {
        let resp = get(&server, &format!("{base}?{query}"));
        assert_eq!(resp.status, 400, "{query}\n{}", resp.describe());
        assert!(
            json_body(&resp)["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("SoftLayer_Exception")),
            "{query}\n{}",
            resp.describe()
        );
    }
    // An empty list (PHP's `json_encode([])`) is no filter, as PHP's empty array is over
    // XML-RPC and SOAP: it was refused here alone.
    let all = get(&server, base);
    let empty = get(&server, &format!("{base}?objectFilter=%5B%5D"));
    assert_eq!(empty.status, 200, "{}", empty.describe());
    assert_eq!(json_body(&empty), json_body(&all), "{}", empty.describe());
    // A negative offset or limit is named, as XML-RPC and SOAP name it.
    for query in ["resultLimit=-1,2", "resultLimit=0,-2"] {
        let resp = get(&server, &format!("{base}?{query}"));
        let error = json_body(&resp)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(error.contains("is negative"), "{query}: {error}");
    }
}

/// Query values and path ids are trimmed as PHP's `trim()` trims a caller's text, as
/// the other transports trim the same text: U+3000 and the no-break space are text.
/// Rust's trim took them away in places: `resultLimit=0%E3%80%80,2` was "0 is negative",
/// `objectFilter=%E3%80%80` no filter (a fault over XML-RPC), and a ticket id ending
/// in U+3000 found the ticket (a fault as an integer argument).
#[test]
fn query_values_and_ids_are_trimmed_as_php_trims_them() {
    let server = Server::start();
    let base = "SoftLayer_Account/getTickets.json?objectMask=mask%5Bid%5D";
    for limit in [
        "0%E3%80%80,2",
        "1%C2%A0,2",
        "%E3%80%801,2%E3%80%80",
        "2%E3%80%80",
    ] {
        let resp = get(&server, &format!("{base}&resultLimit={limit}"));
        assert_eq!(resp.status, 400, "{limit}\n{}", resp.describe());
        let error = json_body(&resp)["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            error.starts_with("Invalid resultLimit") && !error.contains("is negative"),
            "{limit}: {error}"
        );
    }
    // ASCII blanks are trimmed as before.
    let padded = get(&server, &format!("{base}&resultLimit=%20%091,2%0A"));
    assert_eq!(json_body(&padded).as_array().map(Vec::len), Some(2));
    let filter = get(&server, &format!("{base}&objectFilter=%E3%80%80"));
    assert_eq!(filter.status, 400, "{}", filter.describe());
    assert!(
        json_body(&filter)["error"]
            .as_str()
            .is_some_and(|e| e.contains("Unable to parse object filter")),
        "{}",
        filter.describe()
    );
    let id = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}%E3%80%80/getObject.json?objectMask=mask%5Bid%5D"),
    );
    assert_ne!(id.status, 200, "{}", id.describe());
}

/// A mask the API refuses is one of its exceptions, 500 over REST as the real API
/// answers it (softlayer-python issues 1525 and 2088), with the mask classes.
#[test]
fn mask_faults_are_500() {
    let server = Server::start();
    let base = "SoftLayer_Account/getTickets.json";
    for (query, class) in [
        ("objectMask=mask%5Bid", "SoftLayer_Exception_Common_Parser"),
        (
            "objectMask=mask%5BnoSuchProperty%5D",
            "SoftLayer_Exception_WebService_ObjectMask",
        ),
        (
            "objectMask=mask%5Bid%2Cid%5D",
            "SoftLayer_Exception_WebService_ObjectMask",
        ),
    ] {
        let resp = get(&server, &format!("{base}?{query}"));
        assert_eq!(resp.status, 500, "{query}\n{}", resp.describe());
        assert_eq!(
            json_body(&resp)["code"],
            class,
            "{query}\n{}",
            resp.describe()
        );
    }
}

#[test]
fn validation_faults_are_500() {
    let server = Server::start();
    // Documented SoftLayer_Exception faults of the method pages: 500, as the real API
    // answers them (`rest::status_of`).
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware/8001.json"),
    );
    assert_fault(
        &resp,
        500,
        "SoftLayer_Exception",
        Some("This hardware is already attached to this ticket."),
    );
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.json"),
        r#"{"parameters": [{"entry": ""}]}"#,
    );
    assert_eq!(resp.status, 500, "{}", resp.describe());
    // Closed tickets take no updates.
    let resp = post(
        &server,
        "SoftLayer_Ticket/160000003/addUpdate.xml",
        r#"{"parameters": [{"entry": "reopen?"}]}"#,
    );
    assert_eq!(resp.status, 500, "{}", resp.describe());
    xml_tree(&resp).child("error");
    // Too many arguments in the path.
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addAttachedHardware/8002/8003.json"),
    );
    assert_fault(&resp, 400, "SoftLayer_Exception_Public", None);
}

/// Every id on a walk narrows its relation as the call projects it: a walk back into the
/// ticket through one of 400 updates projects that update's ticket once, not each
/// update's (which went over the work budget), rooted at the account or at the ticket.
#[test]
fn each_id_on_a_walk_narrows_its_level() {
    let server = Server::start();
    for i in 0..400 {
        add_update(&server, &DEMO, TICKET, &format!("update {i}")).ok();
    }
    let ids = |path: &str| {
        let resp = rest(&server, "GET", path, Some(&DEMO), b"");
        assert_eq!(resp.status, 200, "{path}: {}", resp.describe());
        json_body(&resp)
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {}", resp.describe()))
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let all = ids(&format!(
        "SoftLayer_Ticket/{TICKET}/getUpdates.json?objectMask=mask%5Bid%5D"
    ));
    assert!(all.len() > 400, "{}", all.len());
    let (u, v) = (all[3], all[all.len() - 2]);
    let back = format!("getUpdates/{u}/getTicket/getUpdates");
    for path in [
        format!("SoftLayer_Account/getTickets/{TICKET}/{back}.json?objectMask=mask%5Bid%5D"),
        format!("SoftLayer_Ticket/{TICKET}/{back}.json?objectMask=mask%5Bid%5D"),
        format!(
            "SoftLayer_Account/Tickets/{TICKET}/Updates/{u}/Ticket/Updates/{v}/Ticket/Updates/{u}/Ticket/Updates.json?objectMask=mask%5Bid%5D"
        ),
    ] {
        assert_eq!(ids(&path), all, "{path}");
    }
    // A picked id the relation does not hold is still not found.
    let resp = rest(
        &server,
        "GET",
        &format!("SoftLayer_Account/Tickets/{TICKET}/Updates/1/Ticket/Updates.json"),
        Some(&DEMO),
        b"",
    );
    assert_eq!(resp.status, 404, "{}", resp.describe());
}

/// A path under `/rest/` that REST does not serve (another API version, none at all)
/// is answered in REST's JSON with REST's address; other unknown paths name every
/// transport's.
#[test]
fn unknown_paths_get_the_hint_of_their_transport() {
    let server = Server::start();
    for path in ["/rest/v4/SoftLayer_Ticket.json", "/rest/", "/rest"] {
        let resp = server.get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.describe());
        let body = json_body(&resp);
        assert_eq!(body["code"], "SoftLayer_Exception_Public", "{path}: {body}");
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .contains("/rest/{v3 or v3.1}/{Service}"),
            "{path}: {body}"
        );
    }
    // `.xml` asks for REST's XML, as every other REST error gives it (this one was JSON).
    for path in [
        "/rest/v3.2/SoftLayer_Ticket/160000001.xml",
        "/rest/SoftLayer_Ticket/160000001.xml",
    ] {
        let resp = server.get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.describe());
        let text = resp.text();
        assert!(
            text.contains(&format!(
                "<root><error>Not found: {path}. REST lives at /rest/{{v3 or v3.1}}/"
            )) && text.contains("<code>SoftLayer_Exception_Public</code></root>"),
            "{path}: {}",
            resp.describe()
        );
    }
    for path in [
        "/",
        "/soap/v4/SoftLayer_Ticket",
        "/xmlrpc/v2/SoftLayer_Ticket",
    ] {
        let resp = server.get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.describe());
        let text = resp.text();
        for address in ["/rest/v3.1/", "/soap/v3.1/", "/xmlrpc/v3.1/"] {
            assert!(text.contains(address), "{path}: {text}");
        }
    }
}

#[test]
fn an_http_method_rest_does_not_use_is_405() {
    let server = Server::start();
    let resp = rest(
        &server,
        "PATCH",
        &format!("SoftLayer_Ticket/{TICKET}.json"),
        Some(&DEMO),
        b"{}",
    );
    assert_fault(
        &resp,
        405,
        "SoftLayer_Exception_WebService_BadRequest",
        None,
    );
    assert!(resp.header("Allow").is_some(), "{}", resp.describe());
    // Method names are case-sensitive (RFC 9110 §9.1): `get` was read as GET here alone.
    let resp = rest(
        &server,
        "get",
        &format!("SoftLayer_Ticket/{TICKET}/getObject.json"),
        Some(&DEMO),
        b"",
    );
    assert_fault(
        &resp,
        405,
        "SoftLayer_Exception_WebService_BadRequest",
        None,
    );
}

/// Hostile paths and bodies are answered as the client's mistake: a 4xx, or the 500 the
/// real API answers an exception of a method with (`rest::status_of`), never the
/// server's own failure nor a 5xx of another kind.
#[test]
fn no_client_mistake_is_a_server_failure() {
    let server = Server::start();
    let paths = [
        "",
        ".json",
        "%",
        "SoftLayer_Ticket/%ZZ",
        "SoftLayer_Ticket/%FF%FE.json",
        "SoftLayer_Ticket//160000001//getObject",
        "SoftLayer_Ticket/-1.json",
        "SoftLayer_Ticket/99999999999999999999999.json",
        "SoftLayer_Ticket/160000001/addAttachedHardware/x.json",
        "SoftLayer_Ticket/160000001/addAttachedVirtualGuest/9001/maybe.json",
        "SoftLayer_Account/Tickets/160000001/Updates/500000001/Ticket/160000001/Updates.json",
        "SoftLayer_Account/Tickets/160000001/AssignedUser/5001/Account.xml",
        "SoftLayer_Ticket/160000001/getAttachedFile/1.json",
        "SoftLayer_User_Customer/5001/getObject.json",
        "SoftLayer_Ticket/160000001.json?objectMask=mask%5B%5B%5B&resultLimit=1,2,3",
        "SoftLayer_Ticket/160000001.json?objectFilter=%7B%7D&resultLimit=18446744073709551615,18446744073709551615",
        "SoftLayer_Account/getTickets.json?resultLimit=18446744073709551615,18446744073709551615",
    ];
    let bodies: [&[u8]; 4] = [
        b"",
        b"{\"parameters\": [null, null, null, null, null, null, null, null, null]}",
        b"{\"parameters\": [[[[[[[[[]]]]]]]]]}",
        b"<root><parameters><item><a><b>1</b></a></item><item/></parameters></root>",
    ];
    for verb in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        for path in paths {
            for body in bodies {
                let resp = rest(&server, verb, path, Some(&DEMO), body);
                let text = String::from_utf8_lossy(&resp.body);
                assert!(
                    resp.status < 500
                        || (resp.status == 500
                            && text.contains("SoftLayer_Exception")
                            && !text.contains("An internal error occurred.")),
                    "{verb} {path} {}\n{}",
                    String::from_utf8_lossy(body),
                    resp.describe()
                );
                if resp.status != 200 && !resp.body.starts_with(b"<?xml") {
                    assert!(json_body(&resp)["error"].is_string(), "{}", resp.describe());
                }
            }
        }
    }
    // The server is still answering.
    assert_eq!(
        ok_json(&get(&server, "SoftLayer_Account.json"))["id"],
        DEMO.account_id
    );
}

// ---------------------------------------------------------------------------
// SoftLayer-Include-Types (softlayer-java sends it on every call)
// ---------------------------------------------------------------------------

/// A REST GET as demo with `SoftLayer-Include-Types: true`.
fn get_with_types(server: &Server, path: &str) -> HttpResponse {
    let auth = basic_auth(DEMO.username, DEMO.api_key);
    http_request(
        server.addr(),
        "GET",
        &format!("/rest/v3.1/{path}"),
        &[
            ("Authorization", auth.as_str()),
            ("SoftLayer-Include-Types", "true"),
        ],
        b"",
        HTTP_TIMEOUT,
    )
    .expect("REST request")
}

/// Every object in `v` has `complexType` as its first member, as softlayer-java's
/// reader requires ("Expected 'complexType' as first property"); the types seen, by
/// where they stand (`$.updates[].editor`).
fn types_lead(v: &Value, at: &str, seen: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(members) => {
            let (first, t) = members
                .iter()
                .next()
                .unwrap_or_else(|| panic!("{at}: an empty object"));
            assert_eq!(first, "complexType", "{at}: {v}");
            let t = t.as_str().unwrap_or_else(|| panic!("{at}: {t}"));
            assert!(t.starts_with("SoftLayer_"), "{at}: {t}");
            seen.insert((at.to_string(), t.to_string()));
            for (k, m) in members.iter().skip(1) {
                types_lead(m, &format!("{at}.{k}"), seen);
            }
        }
        Value::Array(items) => {
            for item in items {
                types_lead(item, &format!("{at}[]"), seen);
            }
        }
        _ => {}
    }
}

fn has_complex_type(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("complexType") || m.values().any(has_complex_type),
        Value::Array(items) => items.iter().any(has_complex_type),
        _ => false,
    }
}

#[test]
fn include_types_puts_each_objects_complex_type_first() {
    let server = Server::start();
    let mask = enc("mask[id,status,updates[id,editor],assignedUser[id],attachedHardware[id]]");
    let path = format!("SoftLayer_Ticket/{TICKET}/getObject.json?objectMask={mask}");

    // Twice: the second is answered from the reply cache, which must tell the requests
    // with the header from those without it.
    for round in 0..2 {
        let ticket = ok_json(&get_with_types(&server, &path));
        let mut seen = BTreeSet::new();
        types_lead(&ticket, "$", &mut seen);
        let expected = [
            ("$", "SoftLayer_Ticket"),
            ("$.status", "SoftLayer_Ticket_Status"),
            ("$.assignedUser", "SoftLayer_User_Customer"),
            ("$.attachedHardware[]", "SoftLayer_Hardware"),
            // Each object's own type, not the declared SoftLayer_Ticket_Update / editor.
            ("$.updates[]", "SoftLayer_Ticket_Update_Customer"),
            ("$.updates[]", "SoftLayer_Ticket_Update_Employee"),
            ("$.updates[].editor", "SoftLayer_User_Customer"),
            ("$.updates[].editor", "SoftLayer_User_Employee"),
        ];
        for (at, t) in expected {
            assert!(
                seen.contains(&(at.to_string(), t.to_string())),
                "round {round}: no {t} at {at} in {seen:?}"
            );
        }
        let plain = ok_json(&get(&server, &path));
        assert!(!has_complex_type(&plain), "round {round}: {plain}");
        assert_eq!(
            plain["status"],
            ticket["status"]
                .as_object()
                .map(|s| {
                    let mut s = s.clone();
                    s.shift_remove("complexType");
                    Value::Object(s)
                })
                .unwrap()
        );
    }

    // A list, a nested path, a container and a scalar.
    let mut seen = BTreeSet::new();
    let resp = get_with_types(
        &server,
        "SoftLayer_Account/getTickets.json?objectMask=mask[id,status]",
    );
    let list = ok_json(&resp);
    assert!(ids(&list).contains(&TICKET), "{list}");
    types_lead(&list, "$", &mut seen);
    assert!(
        seen.contains(&("$[]".into(), "SoftLayer_Ticket".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("$[].status".into(), "SoftLayer_Ticket_Status".into())),
        "{seen:?}"
    );

    let mut seen = BTreeSet::new();
    let updates = ok_json(&get_with_types(
        &server,
        &format!("SoftLayer_Account/Tickets/{TICKET}/Updates.json"),
    ));
    assert_eq!(ids(&updates), TICKET_UPDATES.to_vec());
    types_lead(&updates, "$", &mut seen);

    let mut seen = BTreeSet::new();
    let graph = ok_json(&get_with_types(
        &server,
        "SoftLayer_Account/getCurrentTicketStatisticsGraph.json",
    ));
    types_lead(&graph, "$", &mut seen);
    assert!(
        seen.contains(&(
            "$".into(),
            "SoftLayer_Container_Account_Graph_Outputs".into()
        )),
        "{seen:?}"
    );

    let count = ok_json(&get_with_types(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getAttachedHardwareCount.json"),
    ));
    assert_eq!(count, json!(1));
}

#[test]
fn include_types_reaches_every_item_of_a_streamed_list() {
    // Past the first 64 KiB a list streams item by item.
    let (dir, db) = synthetic_db(600);
    let server = Server::start_with_db(&db, Some(dir));
    let resp = get_with_types(
        &server,
        "SoftLayer_Account/getTickets.json?objectMask=mask[id,title,status,assignedUser[id]]",
    );
    assert!(resp.body.len() > 64 * 1024, "{} bytes", resp.body.len());
    let list = ok_json(&resp);
    assert!(
        list.as_array().map_or(0, Vec::len) >= 600,
        "{}",
        resp.body.len()
    );
    let mut seen = BTreeSet::new();
    types_lead(&list, "$", &mut seen);
    assert!(
        seen.contains(&("$[].status".into(), "SoftLayer_Ticket_Status".into())),
        "{seen:?}"
    );
}

/// `SoftLayer-Total-Items` goes out spelt as SLDN's REST article writes it: softlayer-java
/// looks it up by that exact name (`getLastResponseTotalItemCount()` was null while the
/// server wrote it in lower case).
#[test]
fn total_items_header_is_spelt_as_the_real_api_spells_it() {
    use std::io::{Read, Write};
    let server = Server::start();
    let auth = basic_auth(DEMO.username, DEMO.api_key);
    let xmlrpc = format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>getOpenTickets</methodName><params>\
         <param><value><struct><member><name>headers</name><value><struct>\
         <member><name>authenticate</name><value><struct>\
         <member><name>username</name><value><string>{}</string></value></member>\
         <member><name>apiKey</name><value><string>{}</string></value></member>\
         </struct></value></member></struct></value></member></struct></value></param>\
         </params></methodCall>",
        DEMO.username, DEMO.api_key
    );
    // REST, then XML-RPC: two replies on one keep-alive connection, the second head
    // written behind the first reply.
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(HTTP_TIMEOUT)).unwrap();
    write!(
        stream,
        "GET /rest/v3.1/SoftLayer_Account/getOpenTickets.json?resultLimit=0,1 HTTP/1.1\r\n\
         Host: x\r\nAuthorization: {auth}\r\n\r\n\
         POST /xmlrpc/v3.1/SoftLayer_Account HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{xmlrpc}",
        xmlrpc.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let heads: Vec<&str> = text
        .split("HTTP/1.1 ")
        .skip(1)
        .map(|r| r.split("\r\n\r\n").next().unwrap_or_default())
        .collect();
    assert_eq!(heads.len(), 2, "{text}");
    for head in heads {
        assert!(head.contains("\r\nSoftLayer-Total-Items: "), "{head}");
        assert!(!head.contains("softlayer-total-items"), "{head}");
    }
}

/// A count after an item some service serves is that service's method, or no method:
/// `…/Tickets/{id}/getUpdateCount` answered 3 where `SoftLayer_Ticket/{id}/getUpdateCount`
/// is "not a valid method", and `getAttachedHardwareCount` faulted on a mask its direct
/// call ignores.
#[test]
fn a_count_after_an_item_is_its_services_method_or_none() {
    let server = Server::start();
    for path in [
        format!("SoftLayer_Ticket/{TICKET}/getUpdateCount.json"),
        format!("SoftLayer_Account/Tickets/{TICKET}/getUpdateCount.json"),
        format!("SoftLayer_Account/Tickets/{TICKET}/updateCount.json"),
        format!("SoftLayer_Account/Tickets/{TICKET}/getAttachedFileCount.json"),
        format!("SoftLayer_User_Customer/5001/OpenTickets/{TICKET}/getUpdateCount.json"),
        "SoftLayer_Ticket/160000002/AssignedUser/getOpenTicketsCount.json".to_string(),
    ] {
        let resp = get(&server, &path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.describe());
        assert!(
            json_body(&resp)["error"]
                .as_str()
                .is_some_and(|e| e.contains("is not a valid method")),
            "{path}: {}",
            resp.describe()
        );
    }
    let direct = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getAttachedHardwareCount.json?objectMask=mask%5Bid%5D"),
    ));
    for path in [
        format!(
            "SoftLayer_Account/Tickets/{TICKET}/getAttachedHardwareCount.json?objectMask=mask%5Bid%5D"
        ),
        format!("SoftLayer_Account/Tickets/{TICKET}/AttachedHardwareCount.json"),
        format!("SoftLayer_User_Customer/5001/OpenTickets/{TICKET}/getAttachedHardwareCount.json"),
    ] {
        assert_eq!(ok_json(&get(&server, &path)), direct, "{path}");
    }
    // A type no service serves keeps its counts as properties (SLDN's
    // `getHardware/{id}/getProcessorCount`).
    assert_eq!(
        ok_json(&get(
            &server,
            "SoftLayer_Account/getHardware/8001/getProcessorCount.json"
        )),
        json!(0)
    );
}

/// Java 11's HttpClient, `curl -X GET -d` and Go's `http.NewRequest` send a GET with a
/// body of parameters: they were dropped without a word, and the call failed "Please
/// provide a close date." where the same body POSTed worked.
#[test]
fn a_get_with_a_body_of_parameters_reads_them_as_a_post_does() {
    let server = Server::start();
    for path in [
        "SoftLayer_Ticket/TicketsClosedSinceDate.json?objectMask=id",
        "SoftLayer_Ticket/getTicketsClosedSinceDate.json?objectMask=id",
    ] {
        let resp = rest(
            &server,
            "GET",
            path,
            Some(&DEMO),
            br#"{"parameters": ["2020-01-01T00:00:00-06:00"]}"#,
        );
        assert_eq!(ids(&ok_json(&resp)), vec![160000003], "{path}");
    }
    let resp = rest(
        &server,
        "GET",
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.json"),
        Some(&DEMO),
        br#"{"parameters": [{"entry": "Sent with GET."}]}"#,
    );
    assert_eq!(
        ok_json(&resp)[0]["entry"],
        "Sent with GET.",
        "{}",
        resp.describe()
    );
    // A body that is neither JSON nor XML (a form) is not read, as GET bodies were not
    // (SLDN: the API ignores a GET's data), and the warning says so: a stray body on a
    // GET of getObject answered before and still does.
    let resp = rest(
        &server,
        "GET",
        &format!("SoftLayer_Ticket/{TICKET}.json?objectMask=id"),
        Some(&DEMO),
        b"closeDate=2020-01-01",
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    assert!(
        resp.header("x-softlayer-emulator-warning")
            .is_some_and(|w| w.contains("neither JSON nor XML and was not read")),
        "{}",
        resp.describe()
    );
    // A body holding no parameters leaves a GET of getObject as it was; so does `null`,
    // what a helper that writes whatever it is given as JSON sends for nothing.
    for body in [&br#"{"parameters": []}"#[..], b"null"] {
        let resp = rest(
            &server,
            "GET",
            &format!("SoftLayer_Ticket/{TICKET}.json?objectMask=id"),
            Some(&DEMO),
            body,
        );
        assert_eq!(ok_json(&resp)["id"], TICKET, "{}", resp.describe());
    }
}

/// A path without a version (or with one REST does not serve) is named as the one not
/// found, and the path it meant is suggested: the refused path, after the form, read as
/// its example.
#[test]
fn a_rest_path_without_a_version_is_told_the_path_it_meant() {
    let server = Server::start();
    const FORM: &str = "REST lives at /rest/{v3 or v3.1}/{Service}[/{id}]/{method}.json";
    for (path, message) in [
        (
            "/rest/SoftLayer_Account/getOpenTickets.json",
            format!(
                "Not found: /rest/SoftLayer_Account/getOpenTickets.json. {FORM}, as \
                 /rest/v3.1/SoftLayer_Account/getOpenTickets.json."
            ),
        ),
        (
            "/rest/v4/SoftLayer_Ticket/160000001/getObject.json",
            format!(
                "Not found: /rest/v4/SoftLayer_Ticket/160000001/getObject.json. {FORM}, as \
                 /rest/v3.1/SoftLayer_Ticket/160000001/getObject.json."
            ),
        ),
        ("/rest/", format!("Not found: /rest/. {FORM}.")),
    ] {
        let resp = rest_with(&server, "GET", path, None, b"");
        assert_fault(&resp, 404, "SoftLayer_Exception_Public", Some(&message));
    }
}

/// A name the caller sent is repeated in a fault cut at 300 characters, as a warning
/// cuts it: a megabyte-long template member, mask property or method name made a
/// megabyte-long answer. Short names stay whole (see the tests of those faults).
#[test]
fn a_fault_repeats_at_most_300_characters_of_a_callers_name() {
    let server = Server::start();
    let long = "k".repeat(1_000_000);
    let cut = format!("{}...", "k".repeat(300));
    let resp = post(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/addUpdate.json"),
        &format!(r#"{{"parameters": [{{"{long}": 1, "entry": "x"}}]}}"#),
    );
    assert_fault(
        &resp,
        500,
        "SoftLayer_Exception",
        Some(&format!(
            "The property '{cut}' is not valid for 'SoftLayer_Ticket_Update'."
        )),
    );
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}/getObject.json?objectMask=mask[{}]",
            &long[..50_000]
        ),
    );
    assert_fault(
        &resp,
        500,
        "SoftLayer_Exception_WebService_ObjectMask",
        Some(&format!(
            "Property '{cut}' not valid for 'SoftLayer_Ticket'."
        )),
    );
    let resp = get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/{}.json", &long[..50_000]),
    );
    assert_fault(
        &resp,
        404,
        "SoftLayer_Exception_Public",
        Some(&format!(
            "Function (\"{cut}\") is not a valid method for this service."
        )),
    );
    // Over XML-RPC too: the fault of a mask is the handlers', whatever the transport.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(TICKET)
            .mask(&format!("mask[{long}]")),
    );
    assert_eq!(
        reply.fault().string,
        format!("Property '{cut}' not valid for 'SoftLayer_Ticket'.")
    );
}

/// Session 70, F3: a lone UTF-16 surrogate escape, leading or trailing, in a body or an
/// objectFilter, is refused in words that say so (they were serde_json's: "unexpected end
/// of hex escape", "lone leading surrogate in hex escape"), with the class each place uses.
#[test]
fn an_unpaired_surrogate_escape_is_named_as_such() {
    let server = Server::start();
    for escape in [r"\ud83d", r"\ude00"] {
        let body =
            format!(r#"{{"parameters": [{{"title": "{escape} lone", "subjectId": 1001}}, "x"]}}"#);
        let resp = post(&server, "SoftLayer_Ticket/createStandardTicket.json", &body);
        assert_fault(
            &resp,
            400,
            "SoftLayer_Exception_WebService_BadRequest",
            None,
        );
        let message = json_body(&resp)["error"].as_str().unwrap().to_string();
        assert!(
            message.contains(&format!("the body is not valid JSON: an unpaired UTF-16 surrogate ({escape}) at line 1 column"))
                && message.contains(r"such as \ud83d\ude00"),
            "{message}"
        );
        let filter = format!(r#"{{"tickets": {{"title": {{"operation": "*= {escape}"}}}}}}"#);
        let resp = get(
            &server,
            &format!(
                "SoftLayer_Account/getTickets.json?objectFilter={}",
                enc(&filter)
            ),
        );
        assert_fault(&resp, 400, "SoftLayer_Exception_Public", None);
        let message = json_body(&resp)["error"].as_str().unwrap().to_string();
        assert!(
            message.starts_with(&format!(
                "Unable to parse object filter: an unpaired UTF-16 surrogate ({escape}) at line 1 column"
            )),
            "{message}"
        );
    }
    // A pair is a character like any other.
    let body = r#"{"parameters": [{"title": "\ud83d\ude00 pair", "subjectId": 1001}, "x"]}"#;
    let created = ok_json(&post(
        &server,
        "SoftLayer_Ticket/createStandardTicket.json",
        body,
    ));
    assert_eq!(created["title"], "\u{1F600} pair");
}

/// Session 70, F5: an e-mail address holding an invisible format character (it shows as
/// the plain address everywhere, and names no mailbox) is refused, naming the character's
/// code point: a ticket's additional addresses and a user's `email`.
#[test]
fn email_addresses_with_invisible_format_characters_are_refused() {
    let server = Server::start();
    let path = format!("SoftLayer_Ticket/{TICKET}/addAttachedAdditionalEmails.json");
    for (email, code_point) in [
        ("a\u{200B}@example.com", "U+200B"),
        ("noc@example.com\u{FEFF}", "U+FEFF"),
        ("so\u{AD}c@example.com", "U+00AD"),
        ("x\u{2060}@example.com", "U+2060"),
        ("y@exam\u{200D}ple.com", "U+200D"),
    ] {
        let body = json!({"parameters": [[email]]}).to_string();
        let resp = post(&server, &path, &body);
        assert_fault(
            &resp,
            500,
            "SoftLayer_Exception_Public",
            Some(&format!(
                "Invalid email address(es) found: {email} (it holds {code_point}, an invisible \
                 format character)"
            )),
        );
        let body = json!({"parameters": [{"email": email}]}).to_string();
        let resp = put(&server, "SoftLayer_User_Customer/5001.json", &body);
        assert_fault(
            &resp,
            500,
            "SoftLayer_Exception_InvalidValue",
            Some(&format!(
                "Invalid value for property 'email': '{email}' is not an email address: it \
                 holds {code_point}, an invisible format character."
            )),
        );
    }
    let listed = ok_json(&get(
        &server,
        &format!("SoftLayer_Ticket/{TICKET}/getAttachedAdditionalEmails.json"),
    ));
    assert!(
        !listed.to_string().contains("example.com"),
        "nothing was added: {listed}"
    );
    let user = ok_json(&get(&server, "SoftLayer_User_Customer/5001.json"));
    assert_eq!(user["email"], "dana@demo.example.com");
}

/// Session 70, F6: a mask that does not parse at an invisible character names it by code
/// point (quoted as itself it read "got ''", as if nothing were there).
#[test]
fn a_mask_fault_names_an_invisible_character_by_code_point() {
    let server = Server::start();
    for (mask, column, code_point) in [
        ("mask[id,\u{FEFF}title]", 9, "U+FEFF"),
        ("mask[id,\u{200B}title]", 9, "U+200B"),
        ("\u{FEFF}mask[id,title]", 1, "U+FEFF"),
    ] {
        let resp = get(
            &server,
            &format!("SoftLayer_Ticket/{TICKET}.json?objectMask={}", enc(mask)),
        );
        assert_fault(
            &resp,
            500,
            "SoftLayer_Exception_Common_Parser",
            Some(&format!(
                "Error on line 1 at column {column}: Expected PROPERTY, got {code_point}"
            )),
        );
    }
    // A visible character is quoted, as the real API quotes it.
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Ticket/{TICKET}.json?objectMask={}",
            enc("mask[id,'title]")
        ),
    );
    assert_fault(
        &resp,
        500,
        "SoftLayer_Exception_Common_Parser",
        Some("Error on line 1 at column 9: Expected PROPERTY, got '''"),
    );
}

/// Session 70, F4: the warning header keeps a non-ASCII character the caller sent, as a
/// JSON escape (it was `?`, so a `í` typed for `i` read `t?tle`).
#[test]
fn the_warning_header_escapes_characters_past_ascii() {
    let server = Server::start();
    let filter = json!({"tickets": {"t\u{ed}tle": {"operation": "x"},
                                    "priority": {"operation": "\u{1F600}"}}});
    let resp = get(
        &server,
        &format!(
            "SoftLayer_Account/getTickets.json?objectFilter={}",
            enc(&filter.to_string())
        ),
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let warning = resp
        .header("X-SoftLayer-Emulator-Warning")
        .unwrap_or_else(|| panic!("a warning\n{}", resp.describe()));
    assert!(warning.contains(r"t\u00edtle"), "{warning}");
    assert!(warning.contains(r"'\ud83d\ude00'"), "{warning}");
    assert!(!warning.contains('?'), "{warning}");
}
