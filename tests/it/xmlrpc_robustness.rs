//! Hostile and unusual input over raw XML-RPC: DTDs and entities, deep
//! nesting, oversized, garbage and truncated bodies, values of the wrong type,
//! abrupt disconnects (after each, the server still answers /health and real
//! calls); text encoding (softlayer-python declares ISO-8859-1 and sends
//! UTF-8); and concurrent writers on a file database.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use common::*;

const TICKET: &str = "SoftLayer_Ticket";
const PATH: &str = "/xmlrpc/v3.1/SoftLayer_Ticket";
/// Seed: demo's open ticket with three updates.
const DEMO_TICKET: i64 = 160000001;
const NOT_WELL_FORMED: &str = "parse error. not well formed";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn raw(server: &Server, body: &[u8]) -> XmlRpcReply {
    let http = server.post(PATH, &[("Content-Type", "text/xml")], body);
    let request = String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned();
    match parse_method_response(&http.body) {
        Ok(outcome) => XmlRpcReply {
            request,
            path: PATH.to_string(),
            http,
            outcome,
        },
        Err(why) => panic!(
            "not an XML-RPC methodResponse ({why})\n--- request (start) ---\n{request}\n--- response ---\n{}",
            http.describe()
        ),
    }
}

/// The server is still there: /health, then a real call.
fn still_serving(server: &Server, after: &str) {
    let health = http_request(
        server.addr(),
        "GET",
        "/health",
        &[],
        b"",
        Duration::from_secs(10),
    )
    .unwrap_or_else(|e| panic!("GET /health failed after {after}: {e}\n{}", server.log()));
    assert_eq!(health.status, 200, "after {after}: {}", health.describe());
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .mask("mask[id]"),
    );
    assert_eq!(reply.ok().member("id").int(), DEMO_TICKET, "after {after}");
}

fn assert_not_well_formed(reply: &XmlRpcReply) {
    let f = reply.fault();
    assert_eq!(f.code, xstr("-32700"), "{}", reply.exchange());
    assert_eq!(f.string, NOT_WELL_FORMED, "{}", reply.exchange());
}

/// A fault, and a deliberate one: not the catch-all of a failed handler.
fn assert_clean_fault(reply: &XmlRpcReply, what: &str) {
    let f = reply.fault();
    assert!(
        !f.string.to_lowercase().contains("internal error"),
        "{what}: wrong input must be refused with a proper fault, not an internal error\n{}",
        reply.exchange()
    );
}

/// A methodCall for SoftLayer_Ticket with a raw header struct body and raw params.
fn call_xml(method: &str, headers: &str, params: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>\
         <param><value><struct><member><name>headers</name><value><struct>{headers}</struct></value></member></struct></value></param>\
         {params}</params></methodCall>"
    )
}

fn auth_xml() -> String {
    format!(
        "<member><name>authenticate</name><value><struct>\
         <member><name>username</name><value><string>demo</string></value></member>\
         <member><name>apiKey</name><value><string>{}</string></value></member>\
         </struct></value></member>",
        DEMO.api_key
    )
}

fn init_xml(id_value: &str) -> String {
    format!(
        "<member><name>SoftLayer_TicketInitParameters</name><value><struct>\
         <member><name>id</name><value>{id_value}</value></member></struct></value></member>"
    )
}

// ---------------------------------------------------------------------------
// DTDs, entities, nesting
// ---------------------------------------------------------------------------

#[test]
fn doctypes_and_entities_are_refused() {
    let server = Server::start();
    let tail = "<methodCall><methodName>getObject</methodName><params><param><value><string>&x;</string></value></param></params></methodCall>";
    let mut lol = String::from("<!ENTITY x0 \"lol\">");
    for i in 1..10 {
        lol.push_str(&format!(
            "<!ENTITY x{i} \"{}\">",
            format!("&x{};", i - 1).repeat(10)
        ));
    }
    lol.push_str("<!ENTITY x \"&x9;\">");
    for doctype in [
        format!("<!DOCTYPE bomb [{lol}]>"),
        "<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>".to_string(),
        "<!DOCTYPE m [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/evil.dtd\"> %p;]>".to_string(),
        "<!DOCTYPE methodCall SYSTEM \"http://127.0.0.1:1/x.dtd\">".to_string(),
        "<!DOCTYPE methodCall>".to_string(),
    ] {
        let body = format!("<?xml version=\"1.0\"?>\n{doctype}\n{tail}");
        let reply = raw(&server, body.as_bytes());
        assert_not_well_formed(&reply);
        let text = reply.http.text();
        assert!(
            !text.contains("root:") && !text.contains("lollol"),
            "{}",
            reply.exchange()
        );
    }
    still_serving(&server, "DOCTYPEs");
}

fn nested_arrays(depth: usize) -> String {
    let mut v = String::from("<value><int>1</int></value>");
    for _ in 0..depth {
        v = format!("<value><array><data>{v}</data></array></value>");
    }
    v
}

fn nested_structs(depth: usize) -> String {
    let mut v = String::from("<value><string>x</string></value>");
    for _ in 0..depth {
        v = format!("<value><struct><member><name>a</name>{v}</member></struct></value>");
    }
    v
}

#[test]
fn deep_nesting_is_a_fault_not_a_crash() {
    let server = Server::start();
    let headers = format!("{}{}", auth_xml(), init_xml("<int>160000001</int>"));
    for depth in [100, 1000, 20_000] {
        for (what, nested) in [
            ("arrays", nested_arrays(depth)),
            ("structs", nested_structs(depth)),
        ] {
            // As an argument, as a header, and as the filter.
            for body in [
                call_xml("addUpdate", &headers, &format!("<param>{nested}</param>")),
                call_xml(
                    "getObject",
                    &format!("{headers}<member><name>deep</name>{nested}</member>"),
                    "",
                ),
                call_xml(
                    "getUpdates",
                    &format!(
                        "{headers}<member><name>SoftLayer_TicketObjectFilter</name>{nested}</member>"
                    ),
                    "",
                ),
            ] {
                let reply = raw(&server, body.as_bytes());
                assert!(
                    reply.outcome.is_err(),
                    "{depth} nested {what} must be refused\n{}",
                    reply.exchange()
                );
                assert_clean_fault(&reply, what);
            }
        }
        still_serving(&server, &format!("{depth}-deep nesting"));
    }
    // Deep object masks and filters that stay within the XML limits.
    let deep_mask = format!(
        "mask[{}id{}]",
        "updates[ticket[".repeat(50),
        "]]".repeat(50)
    );
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .mask(&deep_mask),
    );
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_WebService_ObjectMask"),
        "{}",
        reply.exchange()
    );
    let mut filter = xstruct(&[("operation", xstr("x"))]);
    for _ in 0..18 {
        filter = xstruct(&[("ticket", xstruct(&[("updates", filter)]))]);
    }
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getUpdates")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .filter(filter),
    );
    if reply.outcome.is_err() {
        assert_clean_fault(&reply, "deep filter");
    }
    still_serving(&server, "deep masks and filters");
}

// ---------------------------------------------------------------------------
// Oversized, garbage, truncated
// ---------------------------------------------------------------------------

#[test]
fn a_20_megabyte_body_is_refused_without_crashing() {
    let server = Server::start();
    let head = call_xml(
        "addUpdate",
        &format!("{}{}", auth_xml(), init_xml("<int>160000001</int>")),
        "<param><value><struct><member><name>entry</name><value><string>",
    );
    let mut body = head.into_bytes();
    body.resize(body.len() + 20 * 1024 * 1024, b'A');
    body.extend_from_slice(
        b"</string></value></member></struct></value></param></params></methodCall>",
    );
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET);
    match http_request(
        server.addr(),
        "POST",
        PATH,
        &[("Content-Type", "text/xml")],
        &body,
        Duration::from_secs(60),
    ) {
        Ok(resp) => {
            assert_ne!(resp.status, 500, "{}", resp.describe());
            if resp.status == 200 {
                // Then it must be a fault, not an accepted update.
                let outcome = parse_method_response(&resp.body)
                    .unwrap_or_else(|e| panic!("{e}\n{}", resp.describe()));
                assert!(outcome.is_err(), "20 MB accepted\n{}", resp.describe());
            } else {
                assert!(
                    (400..500).contains(&resp.status),
                    "refused with a client error\n{}",
                    resp.describe()
                );
            }
        }
        // Refusing early may close the connection while the body is sent.
        Err(e) => assert!(
            matches!(
                e.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
            ),
            "unexpected error sending 20 MB: {e}"
        ),
    }
    still_serving(&server, "a 20 MB body");
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), before);

    // A Content-Length that promises 10 GB, then a hang-up.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.write_all(
        format!(
            "POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 10000000000\r\n\r\n<methodCall>"
        )
        .as_bytes(),
    );
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink);
    let answer = String::from_utf8_lossy(&sink);
    assert!(
        answer.is_empty() || !answer.starts_with("HTTP/1.1 200") || answer.contains("<fault>"),
        "a 10 GB promise must not be answered as a success:\n{answer}"
    );
    still_serving(&server, "a 10 GB Content-Length");
}

/// Deterministic pseudo-random bytes.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn garbage_bytes_are_fault_32700() {
    let server = Server::start();
    for (n, len) in [1usize, 7, 512, 65_536].iter().enumerate() {
        let reply = raw(&server, &garbage(*len, 0x9e37_79b9_7f4a_7c15 + n as u64));
        assert_not_well_formed(&reply);
    }
    for body in [
        vec![0u8; 1024],
        b"\xff\xfe<\x00m\x00".to_vec(),
        b"<?xml version=\"1.0\"?>\x00<methodCall/>".to_vec(),
        b"<methodCall><methodName>getObject\x01</methodName></methodCall>\x00".to_vec(),
    ] {
        let reply = raw(&server, &body);
        assert!(reply.outcome.is_err(), "{}", reply.exchange());
    }
    still_serving(&server, "garbage");
}

#[test]
fn truncated_bodies_are_fault_32700() {
    let server = Server::start();
    let body = XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .arg(xstruct(&[("entry", xstr("truncated?"))]))
        .body();
    let body = body.trim_end();
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET);
    // Every cut that leaves the document unfinished (the last tag incomplete).
    let cuts: BTreeSet<usize> = (1..20)
        .map(|k| body.len() * k / 20)
        .chain([body.len() - 1, body.len() - "</methodCall>".len()])
        .collect();
    for cut in cuts {
        let reply = raw(&server, &body.as_bytes()[..cut]);
        assert_not_well_formed(&reply);
    }
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), before);

    // An HTTP body shorter than its Content-Length, then a hang-up.
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]);
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink);
    let answer = String::from_utf8_lossy(&sink);
    assert!(
        !answer.contains("<params>"),
        "half a body must not be executed:\n{answer}"
    );
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), before);
    still_serving(&server, "truncated bodies");
}

#[test]
fn abrupt_disconnects_do_not_hurt() {
    let server = Server::start();
    for bytes in [
        &b""[..],
        b"POST",
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost",
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nContent-Length: 50\r\n\r\n<meth",
        b"GARBAGE\r\n\r\n",
    ] {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        let _ = s.write_all(bytes);
        drop(s);
    }
    still_serving(&server, "abrupt disconnects");
}

// ---------------------------------------------------------------------------
// Values of the wrong type
// ---------------------------------------------------------------------------

#[test]
fn values_of_the_wrong_type_are_faults_not_crashes() {
    let server = Server::start();
    let auth = auth_xml();
    let init = init_xml("<int>160000001</int>");
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET);
    let template = |inner: &str| format!("<param><value>{inner}</value></param>");
    // (what, body, must it be a fault?)
    let cases: Vec<(&str, String, bool)> = vec![
        (
            "struct as the init id",
            call_xml("getObject", &format!("{auth}{}", init_xml("<struct><member><name>id</name><value><int>1</int></value></member></struct>")), ""),
            true,
        ),
        (
            "array as the init id",
            call_xml("getObject", &format!("{auth}{}", init_xml("<array><data><value><int>160000001</int></value></data></array>")), ""),
            true,
        ),
        (
            "double as the init id",
            call_xml("getObject", &format!("{auth}{}", init_xml("<double>1.6e8</double>")), ""),
            true,
        ),
        // Base64 of an id's digits is that id, as PHP (behind the real API) and SOAP's
        // `xsd:base64Binary` read it (what_php_perl_and_java_clients_send_is_read).
        (
            "base64 as the init id",
            call_xml("getObject", &format!("{auth}{}", init_xml("<base64>MTYwMDAwMDAx</base64>")), ""),
            false,
        ),
        (
            "init parameters as a string",
            call_xml("getObject", &format!("{auth}<member><name>SoftLayer_TicketInitParameters</name><value><string>160000001</string></value></member>"), ""),
            true,
        ),
        (
            "an integer too large for 64 bits",
            call_xml("getObject", &format!("{auth}{}", init_xml("<int>99999999999999999999999</int>")), ""),
            true,
        ),
        (
            "headers as a string",
            "<?xml version=\"1.0\"?><methodCall><methodName>getObject</methodName><params><param><value><struct><member><name>headers</name><value><string>x</string></value></member></struct></value></param></params></methodCall>".to_string(),
            true,
        ),
        (
            "first param an array",
            "<?xml version=\"1.0\"?><methodCall><methodName>getObject</methodName><params><param><value><array><data><value><int>1</int></value></data></array></value></param></params></methodCall>".to_string(),
            true,
        ),
        (
            "authenticate as a string",
            call_xml("getObject", &format!("<member><name>authenticate</name><value><string>demo</string></value></member>{init}"), ""),
            true,
        ),
        (
            "authenticate with an int apiKey",
            call_xml("getObject", &format!("<member><name>authenticate</name><value><struct><member><name>username</name><value>demo</value></member><member><name>apiKey</name><value><int>5</int></value></member></struct></value></member>{init}"), ""),
            true,
        ),
        (
            "createStandardTicket template as a string",
            call_xml("createStandardTicket", &auth, &format!("{}{}", template("<string>subject 1005</string>"), template("<string>x</string>"))),
            true,
        ),
        (
            "createStandardTicket subjectId as a struct",
            call_xml("createStandardTicket", &auth, &format!("{}{}", template("<struct><member><name>subjectId</name><value><struct></struct></value></member></struct>"), template("<string>x</string>"))),
            true,
        ),
        (
            "createStandardTicket contents as a struct",
            call_xml("createStandardTicket", &auth, &format!("{}{}", template("<struct><member><name>subjectId</name><value><int>1005</int></value></member></struct>"), template("<struct></struct>"))),
            true,
        ),
        (
            "addUpdate entry as an array",
            call_xml("addUpdate", &format!("{auth}{init}"), &template("<struct><member><name>entry</name><value><array><data></data></array></value></member></struct>")),
            true,
        ),
        (
            "addUpdate files as a string",
            call_xml("addUpdate", &format!("{auth}{init}"), &format!("{}{}", template("<struct><member><name>entry</name><value>x</value></member></struct>"), template("<string>file</string>"))),
            true,
        ),
        (
            "edit template as an int",
            call_xml("edit", &format!("{auth}{init}"), &format!("{}{}", template("<int>5</int>"), template("<string>x</string>"))),
            true,
        ),
        (
            "addAttachedHardware id as a struct",
            call_xml("addAttachedHardware", &format!("{auth}{init}"), &template("<struct><member><name>id</name><value><int>8002</int></value></member></struct>")),
            true,
        ),
        (
            "removeAttachedVirtualGuest id as an array",
            call_xml("removeAttachedVirtualGuest", &format!("{auth}{init}"), &template("<array><data><value><int>9001</int></value></data></array>")),
            true,
        ),
        (
            "resultLimit with strings",
            call_xml("getUpdates", &format!("{auth}{init}<member><name>resultLimit</name><value><struct><member><name>limit</name><value>a</value></member><member><name>offset</name><value>b</value></member></struct></value></member>"), ""),
            false,
        ),
        (
            "resultLimit as an int",
            call_xml("getUpdates", &format!("{auth}{init}<member><name>resultLimit</name><value><int>2</int></value></member>"), ""),
            false,
        ),
        (
            "a negative resultLimit",
            call_xml("getUpdates", &format!("{auth}{init}<member><name>resultLimit</name><value><struct><member><name>limit</name><value><int>-5</int></value></member><member><name>offset</name><value><int>-7</int></value></member></struct></value></member>"), ""),
            false,
        ),
        (
            "object mask as an int",
            call_xml("getObject", &format!("{auth}{init}<member><name>SoftLayer_ObjectMask</name><value><struct><member><name>mask</name><value><int>7</int></value></member></struct></value></member>"), ""),
            false,
        ),
        (
            "object filter as a string",
            call_xml("getUpdates", &format!("{auth}{init}<member><name>SoftLayer_TicketObjectFilter</name><value><string>{{\"id\":1}}</string></value></member>"), ""),
            false,
        ),
        (
            "object filter operation as a struct",
            call_xml("getUpdates", &format!("{auth}{init}<member><name>SoftLayer_TicketObjectFilter</name><value><struct><member><name>updates</name><value><struct><member><name>id</name><value><struct><member><name>operation</name><value><struct></struct></value></member></struct></value></member></struct></value></member></struct></value></member>"), ""),
            false,
        ),
    ];
    for (what, body, must_fault) in cases {
        let reply = raw(&server, body.as_bytes());
        if must_fault {
            assert!(
                reply.outcome.is_err(),
                "{what}: expected a fault\n{}",
                reply.exchange()
            );
        }
        if reply.outcome.is_err() {
            assert_clean_fault(&reply, what);
        }
        still_serving(&server, what);
    }
    assert_eq!(
        ticket_entries(&server, &DEMO, DEMO_TICKET),
        before,
        "no wrong-typed call may have written an update"
    );
}

/// SLDN types these parameters as SoftLayer_Ticket / SoftLayer_Ticket_Update
/// (structs): an array in their place is a wrong value, however its items
/// line up with the struct's fields.
#[test]
fn templates_must_be_structs_not_arrays() {
    let server = Server::start();
    let tickets = account_ticket_ids(&server, &DEMO);
    let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "addUpdate")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xarray(&[xstr("an entry in an array")])),
    );
    assert!(
        reply.outcome.is_err(),
        "addUpdate with an array as templateObject must be refused\n{}",
        reply.exchange()
    );
    assert_clean_fault(&reply, "addUpdate template as an array");
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "createStandardTicket")
            .auth(&DEMO)
            .arg(xarray(&[xint(1005)]))
            .arg(xstr("a template in an array")),
    );
    assert!(
        reply.outcome.is_err(),
        "createStandardTicket with an array as templateObject must be refused\n{}",
        reply.exchange()
    );
    assert_clean_fault(&reply, "createStandardTicket template as an array");
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), entries);
    assert_eq!(account_ticket_ids(&server, &DEMO), tickets);
}

/// Work a body can ask of the parsers is bounded: an element with 60,000 attributes, or
/// a mask naming 50,000 properties at one level, was seconds of CPU each (quadratic in
/// their number); both are refused at once now, and the server goes on.
#[test]
fn many_attributes_and_wide_masks_are_refused_at_once() {
    let server = Server::start();
    let call = XmlRpcCall::new(TICKET, "getObject")
        .auth(&DEMO)
        .id(DEMO_TICKET);
    let attributes: Vec<String> = (0..60_000).map(|i| format!("a{i}=\"x\"")).collect();
    let body = call.body().replacen(
        "<methodCall>",
        &format!("<methodCall {}>", attributes.join(" ")),
        1,
    );
    let started = std::time::Instant::now();
    let reply = raw(&server, body.as_bytes());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The protocol's own fault, as for any body that does not parse (PROTOCOL.md §6).
    assert_eq!(reply.fault().code, xstr("-32700"), "{}", reply.exchange());
    still_serving(&server, "an element with 60,000 attributes");

    let names: Vec<String> = (0..50_000).map(|i| format!("nope{i}")).collect();
    let started = std::time::Instant::now();
    let reply = server.xmlrpc(&call.clone().mask(&format!("mask[{}]", names.join(","))));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_WebService_ObjectMask"),
        "{}",
        reply.exchange()
    );
    assert!(
        reply
            .fault()
            .string
            .contains("more than 1000 properties at one level"),
        "{}",
        reply.exchange()
    );
    still_serving(&server, "a mask of 50,000 properties");
}

/// A template whose member is of the wrong type is refused naming that member, so a
/// client sees what to mend. An empty struct is no value: softlayer-go's XML-RPC encoder
/// writes every date so, and a ticket read and sent back to `edit` was refused for dates
/// `edit` does not read.
#[test]
fn a_template_member_of_the_wrong_type_is_named() {
    let server = Server::start();
    let edited = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "edit")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xstruct(&[
                ("createDate", xstruct(&[])),
                ("lastEditDate", xstruct(&[])),
                ("modifyDate", xstruct(&[])),
                ("priority", xint(3)),
            ]))
            .arg(xstr("an edit as softlayer-go sends it")),
    );
    assert_eq!(
        edited.ok().member("priority"),
        &xint(3),
        "{}",
        edited.exchange()
    );
    let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "edit")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xstruct(&[
                ("title", xstr("renamed")),
                ("lastEditDate", xstruct(&[("year", xint(2026))])),
            ]))
            .arg(xstr("an edit")),
    );
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_InvalidValue"),
        "{}",
        reply.exchange()
    );
    assert_eq!(
        reply.fault().string,
        "Invalid value for parameter 'templateObject': property 'lastEditDate' expected a dateTime.",
        "{}",
        reply.exchange()
    );
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), entries);
}

// ---------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------

/// What softlayer-python sends: an ISO-8859-1 declaration on UTF-8 bytes.
fn latin1_declared(call: &XmlRpcCall) -> Vec<u8> {
    call.body()
        .replacen(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version='1.0' encoding='iso-8859-1'?>",
            1,
        )
        .into_bytes()
}

/// A body in the multi-byte or single-byte encoding its XML declaration names is read in
/// that encoding, as libxml reads it behind the real API: Shift_JIS, EUC-JP and KOI8-R
/// were read as Latin-1 and stored garbled ("\u{83}f\u{83}B…") with a success; windows-1252's
/// quotes became C1 controls. A name no encoding has is refused.
#[test]
fn bodies_in_the_encoding_their_declaration_names_are_read_in_it() {
    let server = Server::start();
    let add = |encoding: &str, entry: &[u8]| {
        let call = XmlRpcCall::new(TICKET, "addUpdate")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xstruct(&[("entry", xstr("ENTRY"))]));
        let text = call.body().replacen(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            &format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>"),
            1,
        );
        let mut body = text.into_bytes();
        let at = body.windows(5).position(|w| w == b"ENTRY").unwrap();
        body.splice(at..at + 5, entry.iter().copied());
        raw(&server, &body)
    };
    for (encoding, bytes, stored) in [
        (
            "Shift_JIS",
            &b"\x83f\x83B\x83X\x83N\x8c\xcc\x8f\xe1"[..],
            "ディスク故障",
        ),
        ("EUC-JP", b"\xa5\xc7\xa5\xa3\xa5\xb9\xa5\xaf", "ディスク"),
        ("KOI8-R", b"\xc4\xc9\xd3\xcb", "диск"),
        ("windows-1252", b"\x93quoted\x94 \x80", "“quoted” €"),
        ("ISO-8859-1", b"caf\xe9", "café"),
    ] {
        let reply = add(encoding, bytes);
        reply.ok();
        let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
        assert_eq!(
            entries.last().map(String::as_str),
            Some(stored),
            "{encoding}"
        );
    }
    let reply = add("no-such-encoding", b"caf\xe9");
    assert_eq!(reply.fault().code_text(), "-32700", "{}", reply.exchange());
    // A byte US-ASCII does not have, as libxml refuses it (it was read as Latin-1); the
    // UTF-8 Perl's RPC::XML sends under that name is UTF-8.
    for encoding in ["us-ascii", "ASCII", "ANSI_X3.4-1968"] {
        let reply = add(encoding, b"a\x80\xe9\xff");
        assert_eq!(reply.fault().code_text(), "-32700", "{}", reply.exchange());
    }
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET).len();
    add("us-ascii", "grüße".as_bytes()).ok();
    let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
    assert_eq!(
        (entries.len(), entries.last().map(String::as_str)),
        (before + 1, Some("grüße"))
    );

    // UTF-16 with a byte order mark, and without one: told by its `<?` as XML 1.0's
    // appendix F has libxml tell it (it was refused for its NULs).
    for bom in [true, false] {
        let entry = format!("UTF-16 ünïcode {bom}");
        let call = XmlRpcCall::new(TICKET, "addUpdate")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xstruct(&[("entry", xstr(&entry))]));
        let text = call
            .body()
            .replacen("encoding=\"UTF-8\"", "encoding=\"UTF-16\"", 1);
        let mut body: Vec<u8> = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let reply = raw(&server, &body);
        reply.ok();
        let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
        assert_eq!(entries.last(), Some(&entry));
    }
}

#[test]
fn utf8_text_declared_iso_8859_1_round_trips_unchanged() {
    let server = Server::start();
    let text =
        "Café crème, Grüße aus München — 日本語のテキスト 🎉🚀\r\nsecond line\r\n\tthird\r\n";
    let title = "Überprüfung 日本 ✓";
    // Sent raw, CR LF reaches the API as LF (XML 1.0 section 2.11), as at the real API.
    let stored = text.replace("\r\n", "\n");

    let create = XmlRpcCall::new(TICKET, "createAdministrativeTicket")
        .auth(&DEMO)
        .arg(xstruct(&[("title", xstr(title))]))
        .arg(xstr(text));
    let body = latin1_declared(&create);
    assert!(String::from_utf8_lossy(&body).contains("encoding='iso-8859-1'"));
    let reply = raw(&server, &body);
    let created = reply.ok();
    let id = created.member("id").int();
    assert_eq!(created.member("title").str(), title, "{}", reply.exchange());

    let add = XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(id)
        .arg(xstruct(&[("entry", xstr(text))]));
    let reply = raw(&server, &latin1_declared(&add));
    assert_eq!(
        reply.ok().array()[0].member("entry").str(),
        stored,
        "{}",
        reply.exchange()
    );

    // Read back in a plain UTF-8 request: identical.
    assert_eq!(
        ticket_entries(&server, &DEMO, id),
        vec![stored.clone(), stored.clone()]
    );
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(id)
            .mask("mask[title]"),
    );
    assert_eq!(reply.ok().member("title").str(), title);
    // The answer is UTF-8 and says so.
    let raw_bytes = &reply.http.body;
    assert!(
        std::str::from_utf8(raw_bytes).is_ok(),
        "{}",
        reply.exchange()
    );
    assert!(
        raw_bytes
            .windows("日本".len())
            .any(|w| w == "日本".as_bytes()),
        "{}",
        reply.exchange()
    );
    let head = String::from_utf8_lossy(&raw_bytes[..raw_bytes.len().min(60)]).to_lowercase();
    assert!(
        !head.contains("iso-8859-1"),
        "a UTF-8 answer must not declare ISO-8859-1\n{}",
        reply.exchange()
    );

    // The same through a title search: the stored text is the text.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .mask("mask[id]")
            .filter(xstruct(&[(
                "tickets",
                xstruct(&[("title", xstruct(&[("operation", xstr(title))]))]),
            )])),
    );
    assert_eq!(
        ids_of(reply.ok()),
        BTreeSet::from([id]),
        "{}",
        reply.exchange()
    );

    // Text whose characters, taken as bytes, are UTF-8 ("Ã©" is the bytes of "é") is
    // still the text as sent: only PHP's bodies, all ASCII, are read that way. It was
    // stored as "é and °", and left alone once a character past U+00FF came with it.
    for text in ["Ã© and Â°", "Ã© and Â° plus €"] {
        let add = XmlRpcCall::new(TICKET, "addUpdate")
            .auth(&DEMO)
            .id(id)
            .arg(xstruct(&[("entry", xstr(text))]));
        let reply = raw(&server, &latin1_declared(&add));
        assert_eq!(
            reply.ok().array()[0].member("entry").str(),
            text,
            "{}",
            reply.exchange()
        );
        let entries = ticket_entries(&server, &DEMO, id);
        assert_eq!(entries.last().map(String::as_str), Some(text));
    }
}

/// XML 1.0 section 2.11: a raw CR LF pair and a lone CR reach the application as LF (the
/// real API, behind libxml and expat, stores LF); a CR sent as `&#13;` stays a CR, and
/// is written back as `&#13;` so that it survives the client's parser too. Python's
/// xmlrpc.client sends CR raw; the server stored it.
#[test]
fn raw_line_ends_are_normalised_and_referenced_carriage_returns_kept() {
    let server = Server::start();
    let literal = XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .arg(xstruct(&[("entry", xstr("line1\r\nline2\rline3"))]))
        .body();
    assert!(literal.contains("line1\r\nline2\rline3"));
    let reply = raw(&server, literal.as_bytes());
    assert_eq!(
        reply.ok().array()[0].member("entry").str(),
        "line1\nline2\nline3",
        "{}",
        reply.exchange()
    );
    let referenced = literal.replace("line1\r\nline2\rline3", "c&#13;\nd&#xD;e\r\n");
    let reply = raw(&server, referenced.as_bytes());
    assert!(
        String::from_utf8_lossy(&reply.http.body).contains("c&#13;\nd&#13;e\n"),
        "{}",
        reply.exchange()
    );
    // The same text through the quick-xml reader (a comment sends the body to it).
    let commented = literal.replace("line1\r\n", "<!-- \r\n -->line1\r\n");
    raw(&server, commented.as_bytes()).ok();
    let entries = ticket_entries(&server, &DEMO, DEMO_TICKET);
    assert_eq!(
        &entries[entries.len() - 3..],
        &[
            "line1\nline2\nline3".to_string(),
            "c\r\nd\re\n".to_string(),
            "line1\nline2\nline3".to_string()
        ]
    );
}

#[test]
fn real_latin1_bytes_are_read_as_latin1() {
    let server = Server::start();
    // "Café Müller" in ISO-8859-1 bytes: not UTF-8, and declared as Latin-1.
    let call = XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .arg(xstruct(&[("entry", xstr("CAFE_MUELLER"))]));
    let mut body = latin1_declared(&call);
    let at = body.windows(12).position(|w| w == b"CAFE_MUELLER").unwrap();
    body.splice(at..at + 12, b"Caf\xe9 M\xfcller".iter().copied());
    let reply = raw(&server, &body);
    assert_eq!(
        reply.ok().array()[0].member("entry").str(),
        "Café Müller",
        "{}",
        reply.exchange()
    );
}

/// XML 1.0 allows no control characters but tab, line feed and carriage return, raw or
/// as references, and a body that declares no other encoding is UTF-8: libxml and expat
/// (PHP's parsers, behind the real API) refuse the others, and so does this server, with
/// `-32700`, storing nothing. The controls were stored (and written back as U+FFFD to XML
/// clients only), and bytes that are not UTF-8 read as Latin-1 ("café ÿþ").
#[test]
fn characters_xml_does_not_allow_and_bytes_that_are_not_utf8_are_refused() {
    let server = Server::start();
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET);
    let add = |prolog: &str, entry: &[u8]| {
        let call = XmlRpcCall::new(TICKET, "addUpdate")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .arg(xstruct(&[("entry", xstr("ENTRY_HERE"))]));
        let body = call.body();
        let body = match body.split_once("?>") {
            Some((_, rest)) if body.starts_with("<?xml") => format!("{prolog}{rest}"),
            _ => format!("{prolog}{body}"),
        };
        let mut bytes = body.into_bytes();
        let at = bytes.windows(10).position(|w| w == b"ENTRY_HERE").unwrap();
        bytes.splice(at..at + 10, entry.iter().copied());
        raw(&server, &bytes)
    };
    let utf8 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    for (prolog, entry) in [
        ("", &b"a\x00b"[..]),
        ("", b"a\x01b"),
        (utf8, b"a\x1bb"),
        ("", b"a&#1;b"),
        ("", b"a&#x1F;b"),
        ("", b"caf\xe9 \xff\xfe"),
        (utf8, b"a\xc0\xafb"),
        ("", b"a\xed\xa0\x80b"),
    ] {
        let reply = add(prolog, entry);
        assert_not_well_formed(&reply);
    }
    assert_eq!(ticket_entries(&server, &DEMO, DEMO_TICKET), before);

    // Tab, line feed and carriage return (as a reference) are text; Latin-1 is read
    // where the declaration names it.
    let reply = add(utf8, b"a\tb\n&#13;c");
    assert_eq!(
        reply.ok().array()[0].member("entry").str(),
        "a\tb\n\rc",
        "{}",
        reply.exchange()
    );
    let reply = add(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
        b"caf\xe9",
    );
    assert_eq!(reply.ok().array()[0].member("entry").str(), "café");
}

// ---------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------

const THREADS: usize = 8;
const PER_THREAD: usize = 25;

/// The demo account's ticket total as `getTickets` reports it (`SoftLayer-Total-Items`,
/// summed from the tally).
fn account_ticket_total(server: &Server) -> Option<u64> {
    server
        .xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .limit(1, 0),
        )
        .total_items()
}

/// Runs `each(thread, i)` for `i` in `0..PER_THREAD` on each of `THREADS` threads at
/// once; what the calls gave, thread by thread.
fn on_every_thread<T: Send>(each: impl Fn(usize, usize) -> Option<T> + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let each = &each;
                scope.spawn(move || {
                    (0..PER_THREAD)
                        .filter_map(|i| each(t, i))
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn concurrent_creates_and_updates_lose_nothing() {
    let server = Server::start_with_temp_db();
    let before = account_ticket_ids(&server, &DEMO);
    let all = on_every_thread(|t, i| {
        let first = format!("thread {t} ticket {i}: first words ü");
        let second = format!("thread {t} ticket {i}: follow-up 日本");
        let id = create_standard_ticket(&server, &DEMO, 1005, "", &first);
        let reply = server.xmlrpc(
            &XmlRpcCall::new(TICKET, "addUpdate")
                .auth(&DEMO)
                .id(id)
                .arg(xstruct(&[("entry", xstr(&second))])),
        );
        assert_eq!(reply.ok().array().len(), 1, "{}", reply.exchange());
        Some((id, first, second))
    });
    let ids: BTreeSet<i64> = all.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(
        ids.len(),
        THREADS * PER_THREAD,
        "every ticket has its own id"
    );
    assert!(ids.is_disjoint(&before));
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(after, before.union(&ids).copied().collect::<BTreeSet<_>>());
    assert_eq!(account_ticket_total(&server), Some(after.len() as u64));
    for (id, first, second) in all {
        assert_eq!(
            ticket_entries(&server, &DEMO, id),
            vec![first, second],
            "ticket {id} must have exactly its two updates"
        );
    }
}

/// Creates that fail after their ticket is written (hardware that is not the caller's is
/// attached after the insert), among creates that succeed, all at once: the writer runs
/// calls without savepoints and starts a batch over when one fails after writing
/// (store/group_commit.rs). Every created ticket is there once with its update, nothing
/// of a failed create is, and the total (summed from the tally) agrees.
#[test]
fn creates_failing_after_their_insert_leave_nothing_among_others() {
    let server = Server::start_with_temp_db();
    let before = account_ticket_ids(&server, &DEMO);
    let created = on_every_thread(|t, i| {
        let fails = i % 5 == 3;
        let mut call = XmlRpcCall::new(TICKET, "createStandardTicket")
            .auth(&DEMO)
            .arg(xstruct(&[
                ("subjectId", xint(1005)),
                ("title", xstr(&format!("after-write {t} {i}"))),
            ]))
            .arg(xstr("contents"));
        if fails {
            call = call.arg(xint(999_999)).arg(xstr("root password"));
        }
        let reply = server.xmlrpc(&call);
        if fails {
            assert_eq!(
                reply.fault().string,
                "You may not attach this hardware to this ticket.",
                "{}",
                reply.exchange()
            );
            return None;
        }
        Some(reply.ok().member("id").int())
    });
    let ids: BTreeSet<i64> = created.iter().copied().collect();
    assert_eq!(ids.len(), THREADS * PER_THREAD * 4 / 5);
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(after, before.union(&ids).copied().collect::<BTreeSet<_>>());
    assert_eq!(account_ticket_total(&server), Some(after.len() as u64));
    for id in ids {
        assert_eq!(ticket_entries(&server, &DEMO, id), ["contents"]);
    }
}

#[test]
fn concurrent_updates_to_one_ticket_are_all_kept() {
    let server = Server::start_with_temp_db();
    let before = ticket_entries(&server, &DEMO, DEMO_TICKET);
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let server = &server;
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    // Readers run alongside the writers.
                    if i % 5 == 0 {
                        server
                            .xmlrpc(
                                &XmlRpcCall::new(TICKET, "getObject")
                                    .auth(&OTHER)
                                    .id(160000101)
                                    .mask("mask[id,updates[entry]]"),
                            )
                            .ok();
                    }
                    let reply = server.xmlrpc(
                        &XmlRpcCall::new(TICKET, "addUpdate")
                            .auth(&DEMO)
                            .id(DEMO_TICKET)
                            .arg(xstruct(&[("entry", xstr(&format!("t{t} u{i}")))])),
                    );
                    reply.ok();
                }
            });
        }
    });
    let after = ticket_entries(&server, &DEMO, DEMO_TICKET);
    assert_eq!(after[..before.len()], before[..]);
    let added: Vec<&String> = after[before.len()..].iter().collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &added {
        *counts.entry(e.as_str()).or_default() += 1;
    }
    assert_eq!(
        added.len(),
        THREADS * PER_THREAD,
        "no update lost or doubled"
    );
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    for t in 0..THREADS {
        // Each thread's updates keep their order.
        let mine: Vec<&str> = added
            .iter()
            .map(|s| s.as_str())
            .filter(|s| s.starts_with(&format!("t{t} ")))
            .collect();
        let want: Vec<String> = (0..PER_THREAD).map(|i| format!("t{t} u{i}")).collect();
        assert_eq!(mine, want.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .mask("mask[updateCount,totalUpdateCount]"),
    );
    let t = reply.ok();
    assert_eq!(
        t.member("updateCount").int() as usize,
        after.len(),
        "{}",
        reply.exchange()
    );
    // The seed keeps totalUpdateCount equal to the number of updates; a lost
    // read-modify-write would leave it behind.
    assert_eq!(
        t.member("totalUpdateCount").int() as usize,
        after.len(),
        "{}",
        reply.exchange()
    );
}

/// What XML-RPC stacks other than Python's send where softlayer-python sends something
/// else: PHP's `xmlrpc_encode_request` writes a null as `<string/>` (here for the
/// optional `attachedFiles` list), Perl's XMLRPC::Lite non-ASCII text as `<base64>`, and
/// Java's aXMLRPC dates in ISO 8601's basic form. PHP, behind the real API, reads all three.
#[test]
fn what_php_perl_and_java_clients_send_is_read() {
    let server = Server::start();
    let php_null = XmlRpcCall::new(TICKET, "addUpdate")
        .auth(&DEMO)
        .id(DEMO_TICKET)
        .arg(xstruct(&[("entry", xstr("from PHP"))]))
        .arg(xstr(""))
        .body();
    assert!(php_null.contains("<string></string>") || php_null.contains("<string/>"));
    let reply = raw(&server, php_null.as_bytes());
    assert_eq!(
        reply.ok().array()[0].member("entry").str(),
        "from PHP",
        "{}",
        reply.exchange()
    );

    let perl_title = XmlRpcCall::new(TICKET, "createStandardTicket")
        .auth(&DEMO)
        .arg(xstruct(&[
            ("subjectId", xint(1001)),
            ("title", XVal::Base64("Q2Fmw6kgZGVzayDigJQgw7x0ZjgK".into())),
        ]))
        .arg(xstr("contents"))
        .body();
    let reply = raw(&server, perl_title.as_bytes());
    assert_eq!(
        reply.ok().member("title").str(),
        "Café desk — ütf8\n",
        "{}",
        reply.exchange()
    );
    let not_text = perl_title.replace("Q2Fmw6kgZGVzayDigJQgw7x0ZjgK", "//79");
    let fault = raw(&server, not_text.as_bytes());
    assert!(
        fault
            .fault()
            .string
            .contains("'title' is bytes that are not UTF-8 text"),
        "{}",
        fault.exchange()
    );
    // Text XML 1.0 cannot carry is refused as bytes as it is as a string (`&#7;` is
    // -32700): taken in, it read back one way over JSON and another (U+FFFD) over XML.
    for (encoded, code) in [
        ("YmVsbAc=", "U+0007"),
        ("aGkAdGhlcmU=", "U+0000"),
        ("eO+/vw==", "U+FFFF"),
    ] {
        let control = perl_title.replace("Q2Fmw6kgZGVzayDigJQgw7x0ZjgK", encoded);
        let fault = raw(&server, control.as_bytes());
        assert_eq!(
            fault.fault().code_text(),
            "SoftLayer_Exception_InvalidValue",
            "{}",
            fault.exchange()
        );
        assert!(
            fault.fault().string.contains(&format!(
                "'title' holds {code}, a character the API does not take"
            )),
            "{}",
            fault.exchange()
        );
    }

    // A parameter that is the text itself is named as the parameter.
    let contents = perl_title.replace("<string>contents</string>", "<base64>YmVsbAc=</base64>");
    assert_ne!(contents, perl_title);
    let fault = raw(&server, contents.as_bytes());
    assert!(
        fault
            .fault()
            .string
            .contains("parameter 'contents': 'contents' holds U+0007"),
        "{}",
        fault.exchange()
    );

    // An init id as base64 of its digits is the id it spells, as SOAP's
    // `xsd:base64Binary` id is: it was "not found" with that very id in the message.
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .init(XVal::Base64("MTYwMDAwMDAx".into()))
            .mask("mask[id]"),
    );
    assert_eq!(
        reply.ok().member("id"),
        &xint(160000001),
        "{}",
        reply.exchange()
    );

    let java_date = XmlRpcCall::new(TICKET, "getTicketsClosedSinceDate")
        .auth(&DEMO)
        .arg(XVal::DateTime("19700101T000000".into()))
        .body();
    let reply = raw(&server, java_date.as_bytes());
    let closed = reply.ok().array();
    assert!(!closed.is_empty(), "{}", reply.exchange());
}

/// An object filter header sent as JSON text (REST's form, pasted into an XML-RPC
/// script) is read as that filter; it was ignored, and the call answered with every
/// ticket. Text that is not a JSON object is refused as REST refuses it.
#[test]
fn an_object_filter_header_as_json_text_is_read() {
    let server = Server::start();
    let tickets = |filter: XVal| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .filter(filter),
        )
    };
    let reply = tickets(xstr(&format!(
        r#"{{"tickets":{{"id":{{"operation":{DEMO_TICKET}}}}}}}"#
    )));
    assert_eq!(
        ids_of(reply.ok()),
        BTreeSet::from([DEMO_TICKET]),
        "{}",
        reply.exchange()
    );
    let bad = tickets(xstr("{tickets"));
    assert!(
        bad.fault().string.contains("Unable to parse object filter"),
        "{}",
        bad.exchange()
    );
}

/// Perl's XMLRPC::Lite sends every string holding a character past ASCII as `<base64>`,
/// and PHP, behind the real API, reads the bytes as the string: a base64 mask or JSON-text
/// filter header is its text. Both were dropped without a word, and the call answered
/// with every ticket and every default property. A filter header that is neither a
/// struct nor text (a number, a list) is refused as SOAP refuses it, and so is such a
/// mask; bytes that are not UTF-8 are refused naming the header.
#[test]
fn base64_masks_and_filters_are_their_text_and_other_shapes_are_refused() {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| XVal::Base64(base64::engine::general_purpose::STANDARD.encode(bytes));
    let server = Server::start();
    let tickets = |call: XmlRpcCall| server.xmlrpc(&call.auth(&DEMO));
    let account = || XmlRpcCall::new("SoftLayer_Account", "getTickets");
    let by_id = format!(r#"{{"tickets":{{"id":{{"operation":{DEMO_TICKET}}}}}}}"#);

    let reply = tickets(account().mask("mask[id]").filter(b64(by_id.as_bytes())));
    assert_eq!(
        ids_of(reply.ok()),
        BTreeSet::from([DEMO_TICKET]),
        "{}",
        reply.exchange()
    );
    for (filter, needle) in [
        (b64(b"not json"), "Unable to parse object filter"),
        (
            xint(5),
            "Unable to parse object filter: it must be a JSON object.",
        ),
        (
            xarray(&[xint(5)]),
            "Unable to parse object filter: it must be a JSON object.",
        ),
        (
            b64(b"{\"tickets\":\"\xff\"}"),
            "SoftLayer_AccountObjectFilter header",
        ),
    ] {
        let reply = tickets(account().mask("mask[id]").filter(filter));
        assert!(
            reply.fault().string.contains(needle),
            "{}",
            reply.exchange()
        );
    }

    // The mask as the header itself and as its `mask` member.
    for header in [b64(b"mask[id]"), xstruct(&[("mask", b64(b"mask[id]"))])] {
        let reply = tickets(account().header("SoftLayer_ObjectMask", header));
        let first = &reply.ok().array()[0];
        assert!(first.get("id").is_some(), "{}", reply.exchange());
        assert!(first.get("title").is_none(), "{}", reply.exchange());
    }
    let reply = tickets(account().header("SoftLayer_ObjectMask", b64(b"mask[bogus]")));
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_WebService_ObjectMask"),
        "{}",
        reply.exchange()
    );
    for header in [xint(5), xstruct(&[("mask", xint(5))])] {
        let reply = tickets(account().header("SoftLayer_ObjectMask", header));
        assert!(
            reply.fault().string.contains("Unable to parse object mask"),
            "{}",
            reply.exchange()
        );
    }
}

/// `<base64>` that is not base64 is refused naming the member, as REST ("'data' is not
/// valid base64.") and SOAP refuse it: it was `-32700` "parse error. not well formed", as
/// if the document were broken.
#[test]
fn base64_that_is_not_base64_is_refused_naming_the_member() {
    let server = Server::start();
    // (A lone last character, `A`, is no error: PHP's base64_decode drops it.)
    for data in ["aGVs*bG8=", "A!", "Z3L-DvMOf_ZQ"] {
        let reply = server.xmlrpc(
            &XmlRpcCall::new(TICKET, "addAttachedFile")
                .auth(&DEMO)
                .id(DEMO_TICKET)
                .arg(xstruct(&[
                    ("filename", xstr("a.txt")),
                    ("data", XVal::Base64(data.into())),
                ])),
        );
        let fault = reply.fault();
        assert_eq!(
            fault.code,
            xstr("SoftLayer_Exception_InvalidValue"),
            "{}",
            reply.exchange()
        );
        assert!(
            fault.string.starts_with("Invalid value for 'data':"),
            "{}",
            reply.exchange()
        );
    }
}

/// A header in a shape the documented one is not: a mask header that is the mask text
/// itself is read as that mask (ignored, the call would answer without the relations it
/// asks for); a resultLimit that is not a struct is refused (ignored, it would answer
/// with every object).
/// A call header the API does not read is ignored, as the real API ignores it; one whose
/// name says it was meant as a mask, filter, init parameter or limit
/// (softlayer-api-php-client's XML-RPC client sends a string mask as `ObjectMask`) is also
/// named in the warning header, and others (softlayer-go's `User-Agent`) pass silently.
#[test]
fn misnamed_call_headers_are_ignored_with_a_warning() {
    let server = Server::start();
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .header("ObjectMask", xstruct(&[("mask", xstr("mask[id]"))]))
            .header("SoftLayer_AccountObjectFilter", xstruct(&[]))
            .header("User-Agent", xstr("softlayer-go/1.1.7")),
    );
    let ticket = reply.ok();
    assert!(ticket.get("title").is_some(), "{}", reply.exchange());
    assert_eq!(
        reply.http.header("X-SoftLayer-Emulator-Warning"),
        Some(
            "call header 'ObjectMask' is not one SoftLayer_Ticket reads: ignored; \
             call header 'SoftLayer_AccountObjectFilter' is not one SoftLayer_Ticket reads: ignored"
        ),
        "{}",
        reply.exchange()
    );
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "getObject")
            .auth(&DEMO)
            .id(DEMO_TICKET)
            .header("User-Agent", xstr("softlayer-go/1.1.7")),
    );
    reply.ok();
    assert_eq!(reply.http.header("X-SoftLayer-Emulator-Warning"), None);
    // A misnamed init parameter leaves the call without its object: the fault that
    // follows keeps the warning that explains it (it was lost with the fault), and the
    // name without its `s` is warned about too.
    for header in [
        "SoftLayer_AccountInitParameters",
        "SoftLayer_TicketInitParameter",
    ] {
        let reply = server.xmlrpc(
            &XmlRpcCall::new(TICKET, "getObject")
                .auth(&DEMO)
                .header(header, xstruct(&[("id", xint(DEMO_TICKET))]))
                .header(
                    "SoftLayer_ObjectMask",
                    xstruct(&[("mask", xstr("mask[id]"))]),
                ),
        );
        assert!(
            reply.fault().string.contains("Object does not exist"),
            "{}",
            reply.exchange()
        );
        assert_eq!(
            reply.http.header("X-SoftLayer-Emulator-Warning"),
            Some(
                format!("call header '{header}' is not one SoftLayer_Ticket reads: ignored")
                    .as_str()
            ),
            "{}",
            reply.exchange()
        );
    }
}

#[test]
fn headers_in_another_shape_are_read_or_refused() {
    let server = Server::start();
    for header in ["SoftLayer_ObjectMask", "SoftLayer_TicketObjectMask"] {
        let reply = server.xmlrpc(
            &XmlRpcCall::new(TICKET, "getObject")
                .auth(&DEMO)
                .id(DEMO_TICKET)
                .header(header, xstr("mask[id,status[name]]")),
        );
        let t = reply.ok();
        let XVal::Struct(members) = t else {
            panic!("not a struct\n{}", reply.exchange())
        };
        let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["id", "status"], "{header}\n{}", reply.exchange());
        assert_eq!(t.member("status").member("name").str(), "Open");
    }
    // Misspelt members (`Limit`) would read as no limit: every object.
    let misspelt = xstruct(&[("Limit", xint(1)), ("Offset", xint(1))]);
    let half = xstruct(&[("limit", xint(1)), ("ofset", xint(1))]);
    for limit in [
        xstr("garbage"),
        xint(2),
        xarray(&[xint(2), xint(0)]),
        misspelt,
        half,
    ] {
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .header("resultLimit", limit),
        );
        let f = reply.fault();
        assert_eq!(
            f.code,
            xstr("SoftLayer_Exception_Public"),
            "{}",
            reply.exchange()
        );
        assert!(
            f.string.contains("Invalid resultLimit") && f.string.contains("struct"),
            "{}",
            reply.exchange()
        );
    }
    // An empty list is the empty struct PHP's encoders write: no limit, as `{}` is.
    let every = |limit: XVal| {
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .header("resultLimit", limit),
        );
        reply.ok().array().len()
    };
    assert_eq!(every(xarray(&[])), every(xstruct(&[])));
    assert!(every(xarray(&[])) > 1);
    // A whole `<double>` (PHP's floor() and ceil() give floats) is the number it is, as an
    // id sent so is; a fraction or a negative is refused.
    let page = |offset: XVal, limit: XVal| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .header(
                    "resultLimit",
                    xstruct(&[("offset", offset), ("limit", limit)]),
                ),
        )
    };
    let ints = page(xint(1), xint(1));
    let doubles = page(XVal::Double(1.0), XVal::Double(1.0));
    assert_eq!(ints.ok(), doubles.ok(), "{}", doubles.exchange());
    assert_eq!(ints.ok().array().len(), 1, "{}", ints.exchange());
    for (offset, limit) in [(1.5, 1.0), (0.0, -2.0)] {
        let reply = page(XVal::Double(offset), XVal::Double(limit));
        assert!(
            reply
                .fault()
                .string
                .contains("use a whole number of 0 or more"),
            "{}",
            reply.exchange()
        );
    }
}

/// A filter of many names the type does not have, or of one very long name, is answered
/// at once with the normal results and a short warning: the names left out are counted
/// past the first few, and each warning is cut short (a header line of megabytes would
/// be refused by clients; Python's http.client stops at 64 KiB).
#[test]
fn a_filter_of_many_unknown_names_gets_a_short_warning() {
    let server = Server::start();
    let many: Vec<(String, XVal)> = (0..50_000)
        .map(|i| (format!("nosuch{i}"), xstruct(&[("operation", xint(1))])))
        .collect();
    let long = "x".repeat(1 << 20);
    for (what, branch) in [
        ("50,000 unknown names", XVal::Struct(many)),
        (
            "a name of a mebibyte",
            XVal::Struct(vec![(long.clone(), xstruct(&[("operation", xint(1))]))]),
        ),
    ] {
        let started = std::time::Instant::now();
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]")
                .filter(xstruct(&[("tickets", branch)])),
        );
        let ids = ids_of(reply.ok());
        assert!(ids.contains(&DEMO_TICKET), "{what}: the normal results");
        let warning = reply
            .http
            .header("X-SoftLayer-Emulator-Warning")
            .unwrap_or_else(|| panic!("{what}: no warning"));
        assert!(warning.len() < 16 * 1024, "{what}: {} bytes", warning.len());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{what}: {:?}",
            started.elapsed()
        );
        if what.starts_with("50,000") {
            assert!(
                warning.contains("and 49980 more left out"),
                "{what}: {warning}"
            );
        }
    }
}
