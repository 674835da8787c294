//! Issue 10, "Bounded work per call": no caller can stall, starve or exhaust the server.
//!
//! One test (or a few) per numbered item of the issue, each bounded in time: the work
//! budget of projection and SQL (1), stalled streams (2), body timeouts and caps (3),
//! filters, resultLimit and HTTP details (4), graceful shutdown (5). The limits are the
//! `serve` flags documented in the README's "Limits"; tests that need one to bind soon
//! set it small through its environment variable.

use crate::common;

use common::*;
use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const TICKET: i64 = 160000001;

/// Adds `n` customer updates to ticket 160000001.
fn add_updates(server: &Server, n: usize) {
    for i in 0..n {
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                    .auth(&DEMO)
                    .id(TICKET)
                    .arg(xstruct(&[("entry", xstr(&format!("update {i}")))])),
            )
            .ok();
    }
}

/// `mask[updates.ticket.updates…id]` with `levels` levels of updates: the reply
/// multiplies by the number of updates at every level.
fn fan_out_mask(levels: usize) -> String {
    let path = vec!["updates"; levels].join(".ticket.");
    format!("mask[{path}.id]")
}

fn get_ticket(server: &Server, mask: &str) -> XmlRpcReply {
    server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(TICKET)
            .mask(mask),
    )
}

/// A `SoftLayer_Exception_Public` fault whose message contains `needle` (the limit's
/// name or value).
fn assert_public_fault(reply: &XmlRpcReply, class: &str, needle: &str) {
    let f = reply.fault();
    assert_eq!(f.code, xstr(class), "{}", reply.exchange());
    assert!(
        f.string.contains(needle),
        "{needle:?} in the fault\n{}",
        reply.exchange()
    );
}

// ---------------------------------------------------------------------------
// 1. A work budget per call
// ---------------------------------------------------------------------------

/// The issue's mask: five levels of `updates.ticket` on a ticket with 10 updates made an
/// 89 MB reply and 760 MB of memory. Now the byte budget stops it with a Public fault
/// naming the limit, and `/health` stays responsive while it runs.
#[test]
fn mask_fan_out_is_stopped_by_the_reply_byte_budget() {
    let server = Server::start();
    add_updates(&server, 7);
    let addr = server.addr();
    let probing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let probe = {
        let probing = probing.clone();
        std::thread::spawn(move || {
            slowest_health_while(addr, || probing.load(std::sync::atomic::Ordering::SeqCst))
        })
    };
    let started = Instant::now();
    for levels in [5, 8] {
        let reply = get_ticket(&server, &fan_out_mask(levels));
        assert_public_fault(&reply, "SoftLayer_Exception_Public", "max-reply-bytes");
        assert!(
            reply
                .fault()
                .string
                .contains(&softlayer_ticket_server::limits::DEFAULT_MAX_REPLY_BYTES.to_string()),
            "the fault names the limit's value: {}",
            reply.fault().string
        );
    }
    let took = started.elapsed();
    probing.store(false, std::sync::atomic::Ordering::SeqCst);
    let worst_health = probe.join().unwrap();
    assert!(
        took < Duration::from_secs(20),
        "the budget binds early: {took:?}"
    );
    // Generous for a shared two-core machine; before the budget it was 1.7 s and more.
    assert!(
        worst_health < Duration::from_secs(1),
        "/health took {worst_health:?} while the fan-out ran"
    );
    // An ordinary mask on the same ticket is untouched.
    let ok = get_ticket(&server, "mask[updates[entry,editor],status]");
    assert_eq!(ok.ok().member("updates").array().len(), 10);
}

/// The object budget, set small: a mask within it works, one over it gets a Public fault
/// naming the limit and its value.
#[test]
fn the_object_budget_names_its_limit() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_OBJECTS_PER_CALL", "50")],
    );
    // 1 ticket + 3 updates + 3 tickets = 7 objects.
    let ok = get_ticket(&server, "mask[updates.ticket]");
    assert_eq!(ok.ok().member("updates").array().len(), 3);
    // 1 + 3 + 3 + 9 + 9 + 27 = 52 objects.
    let over = get_ticket(&server, &fan_out_mask(3));
    assert_public_fault(&over, "SoftLayer_Exception_Public", "max-objects-per-call");
    assert!(over.fault().string.contains("50 objects"));
    // Lists count every item: a list over the budget fails the same way on REST.
    let auth = basic_auth(&DEMO);
    let rest = http_request(
        server.addr(),
        "GET",
        &format!(
            "/rest/v3.1/SoftLayer_Ticket/{TICKET}/getObject.json?objectMask=mask%5Bupdates.ticket.updates.ticket.updates%5D"
        ),
        &[("Authorization", &auth)],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(rest.status, 400, "{}", rest.describe());
    let body: serde_json::Value = serde_json::from_slice(&rest.body).unwrap();
    assert_eq!(body["code"], "SoftLayer_Exception_Public");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("max-objects-per-call")
    );
}

/// A file's contents are no part of a reply that shows the file: a mask's default
/// `attachedFiles`, a filtered list's, the getter's and the file's own `getObject` read
/// none of them. Read with the rest of the row, four 9 MiB files put a 1.5 KB reply
/// over the 32 MiB work budget; here three 120 KB files, over a budget of 200,000 bytes.
#[test]
fn a_reply_showing_files_reads_none_of_their_contents() {
    use base64::Engine as _;
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_REPLY_BYTES", "200000")],
    );
    let content = vec![b'x'; 120_000];
    let mut files = Vec::new();
    for name in ["one.log", "two.log", "three.log"] {
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Ticket", "addAttachedFile")
                .auth(&DEMO)
                .id(TICKET)
                .arg(xstruct(&[
                    ("filename", xstr(name)),
                    (
                        "data",
                        XVal::Base64(base64::engine::general_purpose::STANDARD.encode(&content)),
                    ),
                ])),
        );
        files.push(reply.ok().member("id").int());
    }
    let file_ids =
        |list: &XVal| -> Vec<i64> { list.array().iter().map(|f| f.member("id").int()).collect() };
    let ticket = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(TICKET)
            .mask("mask[id,attachedFiles]"),
    );
    assert_eq!(file_ids(ticket.ok().member("attachedFiles")), files);
    let listed = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .mask("mask[id,attachedFiles]")
            .filter(xstruct(&[(
                "tickets",
                xstruct(&[("id", xstruct(&[("operation", xint(TICKET))]))]),
            )])),
    );
    assert_eq!(
        file_ids(listed.ok().array()[0].member("attachedFiles")),
        files
    );
    let filtered = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(TICKET)
            .mask("filteredMask[id,attachedFiles]")
            .filter(xstruct(&[(
                "attachedFiles",
                xstruct(&[("fileName", xstruct(&[("operation", xstr("$= .log"))]))]),
            )])),
    );
    assert_eq!(file_ids(filtered.ok().member("attachedFiles")), files);
    let getter = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getAttachedFiles")
            .auth(&DEMO)
            .id(TICKET),
    );
    assert_eq!(file_ids(getter.ok()), files);
    let file = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getObject")
            .auth(&DEMO)
            .id(files[0]),
    );
    assert_eq!(file.ok().member("fileSize").str(), "120000");
    // The contents are still there for the method that answers them.
    let data = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getAttachedFile")
            .auth(&DEMO)
            .id(TICKET)
            .arg(xint(files[0])),
    );
    let XVal::Base64(text) = data.ok() else {
        panic!("{data:?}")
    };
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap(),
        content
    );
}

/// A streamed list holds its status back until its first chunk (64 KiB) is ready, so an
/// item over the work budget before then gets the Public fault in the transport's own
/// format, counted as a fault, never a 200 cut short (the defect: `IncompleteRead` on
/// every transport). The budget is 200,000 bytes here: by the fan-out mask, ticket
/// 160000001 with 8 updates is about twice over it, the seed's tickets with 2 updates
/// well within.
#[test]
fn a_list_over_the_budget_before_its_first_chunk_gets_a_fault_on_every_transport() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_REPLY_BYTES", "200000")],
    );
    add_updates(&server, 5);
    let mask = fan_out_mask(3);
    let list = |filter: XVal| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask(&mask)
                .filter(xstruct(&[("tickets", xstruct(&[("id", filter)]))])),
        )
    };
    let only = |id: i64| xstruct(&[("operation", xint(id))]);
    assert_eq!(
        list(only(160000002)).ok().array().len(),
        1,
        "an item within the budget streams as ever"
    );
    let first = list(only(TICKET));
    assert_public_fault(&first, "SoftLayer_Exception_Public", "max-reply-bytes");
    // Two items within the budget written into the first chunk, then the one over it.
    let descending = xstruct(&[
        ("operation", xstr("orderBy")),
        (
            "options",
            xarray(&[xstruct(&[
                ("name", xstr("sort")),
                ("value", xarray(&[xstr("DESC")])),
            ])]),
        ),
    ]);
    assert_public_fault(
        &list(descending),
        "SoftLayer_Exception_Public",
        "max-reply-bytes",
    );

    let soap = server.post(
        "/soap/v3.1/SoftLayer_Account",
        &[("Content-Type", "text/xml")],
        soap_envelope(
            "getTickets",
            &format!(
                "<ns1:SoftLayer_ObjectMask><mask>{mask}</mask></ns1:SoftLayer_ObjectMask>\
                 <ns1:SoftLayer_AccountObjectFilter><tickets><id><operation>{TICKET}\
                 </operation></id></tickets></ns1:SoftLayer_AccountObjectFilter>"
            ),
        )
        .as_bytes(),
    );
    assert_eq!(soap.status, 500, "{}", soap.describe());
    let text = soap.text();
    assert!(
        text.contains("Fault>")
            && text.contains("SoftLayer_Exception_Public")
            && text.contains("max-reply-bytes"),
        "{}",
        soap.describe()
    );

    let filter = format!(r#"{{"tickets":{{"id":{{"operation":{TICKET}}}}}}}"#);
    let rest = http_request(
        server.addr(),
        "GET",
        &format!(
            "/rest/v3.1/SoftLayer_Account/getTickets.json?objectMask={}&objectFilter={}",
            percent_encode(&mask),
            percent_encode(&filter)
        ),
        &[("Authorization", &basic_auth(&DEMO))],
        b"",
        HTTP_TIMEOUT,
    )
    .expect("a whole REST answer, not a cut connection");
    assert_eq!(rest.status, 400, "{}", rest.describe());
    let body: serde_json::Value = serde_json::from_slice(&rest.body).unwrap();
    assert_eq!(body["code"], "SoftLayer_Exception_Public");
    assert!(
        body["error"].as_str().unwrap().contains("max-reply-bytes"),
        "{}",
        rest.describe()
    );

    let metrics = server.get("/metrics").text();
    for transport in ["xmlrpc", "soap", "rest"] {
        assert!(
            metrics.contains(&format!(
                "softlayer_emulator_calls_total{{transport=\"{transport}\",\
                 service=\"SoftLayer_Account\",method=\"getTickets\",\
                 outcome=\"SoftLayer_Exception_Public\"}}"
            )),
            "{transport}'s fault is counted as one:\n{metrics}"
        );
    }
}

/// A top-level list as REST text (`.txt`, a list's JSON) streams as `.json` does: built
/// whole, 20,000 tickets' ids and titles were refused as over a budget `.json` fits in.
#[test]
fn a_list_as_rest_text_streams_as_its_json_does() {
    let server =
        synthetic_server_with_env(20_000, &[("SOFTLAYER_EMULATOR_MAX_REPLY_BYTES", "1000000")]);
    let get = |suffix: &str| {
        http_request(
            server.addr(),
            "GET",
            &format!(
                "/rest/v3.1/SoftLayer_Account/getTickets.{suffix}?objectMask={}",
                percent_encode("mask[id,title]")
            ),
            &[("Authorization", &basic_auth(&DEMO))],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap()
    };
    let json = get("json");
    assert_eq!(json.status, 200, "{}", json.describe());
    let text = get("txt");
    assert_eq!(text.status, 200, "{}", text.describe());
    assert!(json.body.len() > 500_000, "{} bytes", json.body.len());
    assert!(text.body == json.body, "the text is the list's JSON");
    assert_eq!(
        text.header("SoftLayer-Total-Items"),
        json.header("SoftLayer-Total-Items")
    );
    assert!(
        text.header("Content-Type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{}",
        text.describe()
    );
}

fn basic_auth(user: &User) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", user.username, user.api_key));
    format!("Basic {token}")
}

/// The defaults never bind for a real workload: a whole 100,000-ticket `getTickets`
/// with the mask of the README's benchmark (about 1.3 million objects, 170 MB of XML)
/// streams completely.
#[test]
fn a_whole_100000_ticket_list_with_a_normal_mask_fits_the_default_budget() {
    let (dir, db) = synthetic_db(100_000);
    let server = Server::start_with_db(&db, Some(dir));
    let call = XmlRpcCall::new("SoftLayer_Account", "getTickets")
        .auth(&DEMO)
        .mask("mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]");
    let http = http_request(
        server.addr(),
        "POST",
        &call.path(),
        &[("Content-Type", "text/xml")],
        call.body().as_bytes(),
        Duration::from_secs(120),
    )
    .expect("the list arrives");
    assert_eq!(http.status, 200);
    let total: u64 = http
        .header("SoftLayer-Total-Items")
        .expect("a total")
        .parse()
        .unwrap();
    assert!(total >= 100_000);
    let text = http.text();
    assert!(!text.contains("<fault>"), "no fault");
    assert!(text.trim_end().ends_with("</params>"), "complete");
    assert_eq!(text.matches("<name>title</name>").count() as u64, total);
}

/// A mask's relation is read only while its rows fit what the reply may still hold: an
/// account's `tickets` (here 20,000 of them, at a million 1.5 GB) was read whole into
/// memory before the budget saw it. Over XML-RPC, REST, and through a filter (a
/// `filteredMask`), the call gets the budget's fault with the server's peak memory
/// hardly moved.
#[test]
fn a_relation_is_not_read_past_the_reply_budget() {
    let server =
        synthetic_server_with_env(20_000, &[("SOFTLAYER_EMULATOR_MAX_REPLY_BYTES", "1000000")]);
    let small = get_ticket(&server, "mask[status]");
    assert_eq!(small.ok().member("id").int(), TICKET);
    let account = |mask: &str, filter: Option<XVal>| {
        let mut call = XmlRpcCall::new("SoftLayer_Account", "getObject")
            .auth(&DEMO)
            .mask(mask);
        if let Some(filter) = filter {
            call = call.filter(filter);
        }
        server.xmlrpc(&call)
    };
    // The peak memory's growth over `call` (read whole, the 20,000 rows were about
    // 25 MB).
    let grown_by = |call: &dyn Fn()| {
        let before = server.peak_rss_bytes();
        call();
        server.peak_rss_bytes().saturating_sub(before)
    };
    let grew = grown_by(&|| {
        let whole = account("mask[id,tickets]", None);
        assert_public_fault(&whole, "SoftLayer_Exception_Public", "max-reply-bytes");
    });
    assert!(grew < 6 << 20, "peak memory grew by {grew} bytes");
    let grew = grown_by(&|| {
        let rest = http_request(
            server.addr(),
            "GET",
            &format!(
                "/rest/v3.1/SoftLayer_Ticket/{TICKET}/getObject.json?objectMask={}",
                percent_encode("mask[id,account[tickets]]")
            ),
            &[("Authorization", &basic_auth(&DEMO))],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap();
        assert_eq!(rest.status, 400, "{}", rest.describe());
        assert!(
            rest.text().contains("max-reply-bytes"),
            "{}",
            rest.describe()
        );
    });
    assert!(grew < 6 << 20, "peak memory grew by {grew} bytes");
    // Through a filter the matches are counted first, which maps the whole table's
    // pages (about 12 MB here, file-backed and shared): the rows are what must not add.
    let grew = grown_by(&|| {
        let not_x = xstruct(&[(
            "tickets",
            xstruct(&[("title", xstruct(&[("operation", xstr("!= x"))]))]),
        )]);
        let filtered = account("filteredMask[id,tickets]", Some(not_x));
        assert_public_fault(&filtered, "SoftLayer_Exception_Public", "max-reply-bytes");
    });
    assert!(grew < 24 << 20, "peak memory grew by {grew} bytes");
    // A REST path's pick into the same relation reads its one row.
    let picked = http_request(
        server.addr(),
        "GET",
        &format!("/rest/v3.1/SoftLayer_Ticket/{TICKET}/getAccount/Tickets/{TICKET}.json"),
        &[("Authorization", &basic_auth(&DEMO))],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(picked.status, 200, "{}", picked.describe());
    let ticket: serde_json::Value = serde_json::from_slice(&picked.body).unwrap();
    assert_eq!(ticket["id"], TICKET, "{}", picked.describe());
    // A relation within the budget is read as before.
    let few = account("mask[id,openTickets[id]]", None);
    assert!(!few.ok().member("openTickets").array().is_empty());
}

/// A list sorted by a property no index orders (a title), at a deep offset, is sorted by
/// SQLite in a few megabytes and spilled to a temporary file past them: kept in memory,
/// the sort of 300,000 tickets took 108 MB that no budget counted, and a million 540 MB.
/// (The page in the middle: one nearer the end is read from the end, which sorts less.)
#[test]
fn a_sort_no_index_serves_is_not_held_in_memory() {
    let (dir, db) = synthetic_db(100_000);
    let server = Server::start_with_db(&db, Some(dir));
    let by_title = r#"{"tickets":{"title":{"operation":"orderBy","options":[{"name":"sort","value":["ASC"]}]}}}"#;
    let path = format!(
        "/rest/v3.1/SoftLayer_Account/getTickets.json?objectMask=mask[id,title]&resultLimit=50000,5&objectFilter={}",
        percent_encode(by_title)
    );
    let get = || {
        http_request(
            server.addr(),
            "GET",
            &path,
            &[("Authorization", &basic_auth(&DEMO))],
            b"",
            Duration::from_secs(60),
        )
        .unwrap()
    };
    // Counting the titles first maps the table's pages (file-backed, shared, and no part
    // of the sort): the sort's own memory is what is measured.
    let not_x = r#"{"tickets":{"title":{"operation":"!= x"}}}"#;
    let counted = http_request(
        server.addr(),
        "GET",
        &format!(
            "/rest/v3.1/SoftLayer_Account/getTickets.json?objectMask=mask[id]&resultLimit=0,1&objectFilter={}",
            percent_encode(not_x)
        ),
        &[("Authorization", &basic_auth(&DEMO))],
        b"",
        Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(counted.status, 200, "{}", counted.describe());
    let before = server.peak_rss_bytes();
    let page = get();
    let grew = server.peak_rss_bytes().saturating_sub(before);
    assert_eq!(page.status, 200, "{}", page.describe());
    let items: Vec<serde_json::Value> = serde_json::from_slice(&page.body).unwrap();
    assert!(!items.is_empty() && items.len() <= 5, "{}", items.len());
    let titles: Vec<&str> = items.iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert!(titles.windows(2).all(|w| w[0] <= w[1]), "{titles:?}");
    // Sorted in memory the peak grew by about 58 MB here, spilled by about 25 (the
    // rows read through SQLite's page cache and the reply).
    assert!(grew < 40 << 20, "peak memory grew by {grew} bytes");
}

/// The SQL time budget, set to 5 ms: a filter that makes SQLite run regular expressions
/// over every update of 30,000 tickets is interrupted and answered with a Public fault
/// naming the limit; short calls under the same budget are untouched.
#[test]
fn the_sql_time_budget_interrupts_a_long_statement() {
    let server =
        synthetic_server_with_env(30_000, &[("SOFTLAYER_EMULATOR_SQL_TIME_BUDGET_MS", "5")]);
    let filter = xstruct(&[(
        "tickets",
        xstruct(&[(
            "updates",
            xstruct(&[(
                "entry",
                xstruct(&[("operation", xstr("~ (a|e|i|o|u)+.*z{2}.*q$"))]),
            )]),
        )]),
    )]);
    let slow = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .filter(filter),
    );
    assert_public_fault(&slow, "SoftLayer_Exception_Public", "sql-time-budget-ms");
    assert!(slow.fault().string.contains("5 ms"));
    let quick = get_ticket(&server, "mask[status]");
    assert_eq!(quick.ok().member("id").int(), TICKET);
}

// ---------------------------------------------------------------------------
// 4. Filters, limits and HTTP details
// ---------------------------------------------------------------------------

fn id_in(values: impl Iterator<Item = i64>) -> XVal {
    xstruct(&[(
        "tickets",
        xstruct(&[(
            "id",
            xstruct(&[
                ("operation", xstr("in")),
                (
                    "options",
                    xarray(&[xstruct(&[
                        ("name", xstr("data")),
                        ("value", xarray(&values.map(xint).collect::<Vec<_>>())),
                    ])]),
                ),
            ]),
        )]),
    )])
}

/// An `in` with more values than SQLite binds (32,766) used to be an internal error;
/// now it is a Public fault naming the limit, on XML-RPC and REST alike. A filter
/// within the limit works.
#[test]
fn filters_with_too_many_values_get_a_public_fault_naming_the_limit() {
    let server = Server::start();
    let tickets = |filter: XVal| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .filter(filter),
        )
    };
    let within = tickets(id_in((0..9_999).chain([TICKET])));
    assert_eq!(
        ids_of(within.ok()).into_iter().collect::<Vec<_>>(),
        [TICKET]
    );
    let over = tickets(id_in(0..40_000));
    assert_public_fault(&over, "SoftLayer_Exception_Public", "at most 10000");
    assert!(over.fault().string.contains("40000 values"));

    // REST: the same filter in `objectFilter`.
    let values: Vec<String> = (0..10_001).map(|i| i.to_string()).collect();
    let filter = format!(
        r#"{{"tickets":{{"id":{{"operation":"in","options":[{{"name":"data","value":[{}]}}]}}}}}}"#,
        values.join(",")
    );
    let auth = basic_auth(&DEMO);
    let rest = http_request(
        server.addr(),
        "GET",
        &format!(
            "/rest/v3.1/SoftLayer_Account/getTickets.json?objectFilter={}",
            percent_encode(&filter)
        ),
        &[("Authorization", &auth)],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(rest.status, 400, "{}", rest.describe());
    let body: serde_json::Value = serde_json::from_slice(&rest.body).unwrap();
    assert_eq!(body["code"], "SoftLayer_Exception_Public");
    assert!(body["error"].as_str().unwrap().contains("at most 10000"));

    // Dates in an `in` each nest the SQL one level deeper: capped too, with a fault.
    let dates: Vec<XVal> = (0..600)
        .map(|i| xstr(&format!("01/{:02}/2020", 1 + i % 28)))
        .collect();
    let deep = tickets(xstruct(&[(
        "tickets",
        xstruct(&[(
            "createDate",
            xstruct(&[
                ("operation", xstr("in")),
                (
                    "options",
                    xarray(&[xstruct(&[
                        ("name", xstr("data")),
                        ("value", xarray(&dates)),
                    ])]),
                ),
            ]),
        )]),
    )]));
    assert_public_fault(&deep, "SoftLayer_Exception_Public", "at most 200");
}

/// Probe s25, M2: text searches take time linear in the value searched, whatever the
/// needle. An administrative ticket's title has no limit but the body's; against a
/// title of a million `a`s, a needle of 4,095 `a`s and a `b` (the most a filter may
/// carry) took 20 s of CPU per call through `LIKE`, in one step of a statement that the
/// SQL time budget could not interrupt. Now each operation answers at once (the bound
/// here is loose for a busy machine).
#[test]
fn text_searches_at_the_cap_against_a_long_title_answer_at_once() {
    let server = Server::start();
    let long = create_titled(&server, &"a".repeat(1_000_000));
    let needle = format!("{}b", "a".repeat(4095));
    for operator in ["*=", "!*=", "$=", "!$=", "^=", "!^="] {
        let (reply, took) = search_titles(&server, &format!("{operator} {needle}"));
        let found = ids_of(reply.ok()).contains(&long);
        assert_eq!(found, operator.starts_with('!'), "{operator}");
        assert!(took < Duration::from_secs(5), "{operator}: {took:?}");
    }
}

/// Creates a ticket titled `title`; its id.
fn create_titled(server: &Server, title: &str) -> i64 {
    server
        .xmlrpc(
            &XmlRpcCall::new("SoftLayer_Ticket", "createAdministrativeTicket")
                .auth(&DEMO)
                .arg(xstruct(&[
                    ("title", xstr(title)),
                    ("subjectId", xint(1001)),
                ]))
                .arg(xstr("a long title")),
        )
        .ok()
        .member("id")
        .int()
}

/// `n` `a`s and `b`s at random (the same for the same `seed`).
fn random_a_and_b(n: usize, mut seed: u64) -> String {
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if seed >> 63 == 0 { 'a' } else { 'b' }
        })
        .collect()
}

/// The account's tickets whose title matches `operation` (ids only), and how long the
/// call took.
fn search_titles(server: &Server, operation: &str) -> (XmlRpcReply, Duration) {
    let filter = xstruct(&[(
        "tickets",
        xstruct(&[("title", xstruct(&[("operation", xstr(operation))]))]),
    )]);
    let started = Instant::now();
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .mask("mask[id]")
            .filter(filter),
    );
    (reply, started.elapsed())
}

/// Regular expressions under the length cap whose compiled size is large: against a
/// title of a million `a`s, `~ a{4000}b` took two minutes of CPU in the regex library's
/// fallback matcher, in one step of the statement the SQL time budget could not
/// interrupt. A long text is now walked by a lazy DFA that looks at the budget as it goes:
/// what it can decide in time is answered exactly, and an expression whose states change
/// at every byte (`a[ab]{2000}c` over random `a`s and `b`s) is stopped by the budget.
#[test]
fn regular_expressions_against_a_long_title_answer_or_stop_within_the_budget() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_SQL_TIME_BUDGET_MS", "4000")],
    );
    let uniform = create_titled(&server, &"a".repeat(1_000_000));
    let mixed = create_titled(&server, &random_a_and_b(1_000_000, 12345));
    let search = |operation: &str| search_titles(&server, operation);
    for (operation, uniform_found) in [
        ("~ a{4000}b", false),
        ("~ a{4000}$", true),
        ("!~ a{4000}b", true),
        ("~ ^(a|aa){3000}", true),
    ] {
        let (reply, took) = search(operation);
        let ids = ids_of(reply.ok());
        assert_eq!(ids.contains(&uniform), uniform_found, "{operation}");
        // About 0.2 s each on an idle machine. An answer (not the budget's fault) means
        // under 4 s of CPU time; on a busy machine the wall clock may show up to ten
        // times the budget (the server's calls run niced).
        assert!(took < Duration::from_secs(40), "{operation}: {took:?}");
    }
    let (reply, took) = search("~ a[ab]{2000}c");
    // Either decided in time (no `c` anywhere) or stopped by the budget with its fault.
    if reply.outcome.is_err() {
        assert_public_fault(&reply, "SoftLayer_Exception_Public", "sql-time-budget-ms");
    } else {
        let ids = ids_of(reply.ok());
        assert!(!ids.contains(&mixed) && !ids.contains(&uniform));
    }
    // The budget's wall-clock limit (ten times it), and room to answer.
    assert!(took < Duration::from_secs(45), "{took:?}");
}

/// The SQL time budget counts the CPU time a call's work takes, not time spent waiting
/// for a core: calls run niced, and on a busy machine a search of 0.2 s took 7 s of wall
/// time and ran out of a 4 s budget. Here the whole server is stopped (SIGSTOP) for
/// 3 s in the middle of a search of about 0.25 s of CPU, against a 2 s budget: the
/// search still answers, because the wall-clock limit is ten times the budget.
#[test]
fn time_waiting_for_the_cpu_does_not_spend_the_sql_budget() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_SQL_TIME_BUDGET_MS", "2000")],
    );
    create_titled(&server, &random_a_and_b(300_000, 777));
    // Walking 300,000 random `a`s and `b`s with `a[ab]{50}c` keeps the lazy DFA
    // building states: about 0.25 s of CPU, nearly all of it in the walk, which looks at
    // the budget as it goes. Each search has its own expression, so that the reply cache
    // cannot answer the second.
    let search = |operation: &str| search_titles(&server, operation);
    // The control: what a search takes without a stop (within the budget, or it would
    // fault), after one that pays whatever a first search pays once. A search over
    // before the stop would fail `took` below, never pass without the stop.
    search("~ a[ab]{49}c").0.ok();
    let (reply, alone) = search("~ a[ab]{50}c");
    assert!(ids_of(reply.ok()).is_empty());
    let (reply, took) = std::thread::scope(|s| {
        let searching = s.spawn(|| search("~ a[ab]{51}c"));
        std::thread::sleep(alone / 3);
        server.signal("STOP");
        std::thread::sleep(Duration::from_secs(3));
        server.signal("CONT");
        searching.join().unwrap()
    });
    assert!(took > Duration::from_secs(3), "{took:?}");
    assert!(ids_of(reply.ok()).is_empty());
}

// ---------------------------------------------------------------------------
// 5. Graceful shutdown
// ---------------------------------------------------------------------------

/// SIGTERM while a 20,000-ticket list is being sent: the server stops accepting, the
/// call in flight completes, the write-ahead log is checkpointed (empty) and the process
/// exits 0.
#[test]
fn sigterm_lets_the_call_in_flight_finish_then_checkpoints_and_exits_0() {
    let (dir, db) = synthetic_db(20_000);
    let mut server = Server::start_with_db(&db, Some(dir));
    // A write, so the log has something to checkpoint.
    add_updates(&server, 1);
    let call = XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO);
    let body = call.body();
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        &stream,
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        call.path(),
        body.len()
    )
    .unwrap();
    // Not reading yet: the reply fills the socket buffers and waits, in flight.
    until_the_reply_begins(&stream);
    server.signal("TERM");
    // New connections are refused once the listener is closed.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if TcpStream::connect_timeout(&server.addr(), Duration::from_millis(200)).is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let reply = read_response(&stream, "POST").expect("the call in flight completes");
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(text.trim_end().ends_with("</params>"), "complete");
    assert_eq!(text.matches("<name>title</name>").count(), 20_003);
    let status = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", server.log());
    let wal = std::fs::metadata(format!("{}-wal", server.db()))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0, "the write-ahead log was checkpointed and truncated");
    assert!(server.log().contains("checkpointed"));
}

/// `/health` asked on `n` connections held open at once, each answer read after every
/// request was sent.
fn health_on_held_connections(server: &Server, n: usize) -> Vec<HttpResponse> {
    let held: Vec<TcpStream> = (0..n)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    for stream in &held {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(&mut &*stream, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    }
    held.iter()
        .map(|stream| read_response(stream, "GET").unwrap())
        .collect()
}

/// A soft open-file limit of 256 (macOS's default, some containers') left room for one
/// connection at once: the server raises it toward the hard limit first, so that many
/// clients are served together.
#[test]
fn a_low_soft_open_file_limit_is_raised() {
    let server = Server::start_with_open_file_limit(256);
    for r in health_on_held_connections(&server, 20) {
        assert_eq!(r.status, 200, "{}", r.describe());
    }
    let status = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let open_files = status
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert!(!open_files.contains(" 256 "), "{open_files}");
}

/// A hard open-file limit of 64 (a container's `--ulimit nofile=64`): 256 files were
/// kept for the server's own use from any limit up to 257, which left room for one
/// connection, so a second client (or the console's several) got 503. A small limit
/// keeps a quarter of it now (at least 48), and several clients are served together.
#[test]
fn a_small_hard_open_file_limit_leaves_room_for_several_connections() {
    let server = Server::start_with_hard_open_file_limit(64);
    for r in health_on_held_connections(&server, 8) {
        assert_eq!(r.status, 200, "{}\n{}", r.describe(), server.log());
    }
    assert!(
        server
            .log()
            .contains("the open-file limit (64) leaves room for 16 connections at once"),
        "{}",
        server.log()
    );
}

/// Out of descriptors, every retry of `accept` (every 50 ms) logged "accept failed: Too
/// many open files": 528 lines in 30 s. Now the log says it once, then at most every 5 s
/// with a count, and the clients waiting are served once descriptors are free again.
#[test]
fn out_of_descriptors_a_failed_accept_is_logged_once_not_every_retry() {
    let server = Server::start_with_hard_open_file_limit(64);
    let pid = server.pid() as libc::pid_t;
    let set_soft = |soft: u64| {
        let limit = libc::rlimit {
            rlim_cur: soft,
            rlim_max: 64,
        };
        // SAFETY: prlimit reads only the struct it is given.
        let set = unsafe { libc::prlimit(pid, libc::RLIMIT_NOFILE, &limit, std::ptr::null_mut()) };
        assert_eq!(set, 0);
    };
    // Under the descriptors the server holds (about 25): none left for a connection.
    set_soft(8);
    let waiting = TcpStream::connect(server.addr()).unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(&mut &waiting, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_secs(2));
    set_soft(64);
    let r = read_response(&waiting, "GET").unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    // The log is read from the server's pipe by a thread of the test's.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("accepting again") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    let lines = log.matches("accept failed").count();
    assert!((1..=2).contains(&lines), "{lines} lines:\n{log}");
    assert!(log.contains("accepting again"), "{log}");
}

/// A second Ctrl-C cuts the grace period short: with a 60-second grace and a client
/// that never reads its list, the first SIGINT waits, the second ends the wait.
#[test]
fn a_second_ctrl_c_cuts_the_grace_period_short() {
    let mut server = synthetic_server_with_env(
        20_000,
        &[
            ("SOFTLAYER_EMULATOR_SHUTDOWN_GRACE_SECS", "60"),
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "60"),
        ],
    );
    let call = XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO);
    let stream = stall_on(&server, &call);
    // The call is in flight once its reply begins.
    until_the_reply_begins(&stream);
    server.signal("INT");
    assert!(
        server.wait_exit(Duration::from_secs(2)).is_none(),
        "the first Ctrl-C waits for the call in flight: {}",
        server.log()
    );
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the second Ctrl-C ends the wait");
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(server.log().contains("again"), "{}", server.log());
    drop(stream);
}

/// SIGTERM while writers keep writing: the log is emptied into the database file every
/// time, so the file alone holds every acknowledged write. The checkpoint thread, when
/// busy with a copy of its own at that moment, made the shutdown's checkpoint fail at
/// once (`busy: 1`): in 1 of 6 tries the file alone lacked 54 tickets and 159 updates,
/// in a 12 MB log left beside it.
#[test]
fn sigterm_under_writes_leaves_the_whole_database_in_its_file() {
    let mut server = Server::start_with_temp_db();
    for round in 0..4 {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let (addr, stop) = (server.addr(), stop.clone());
                std::thread::spawn(move || {
                    let entry = format!("{w} {}", "x".repeat(3_000));
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let call = XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                            .auth(&DEMO)
                            .id(TICKET)
                            .arg(xstruct(&[("entry", xstr(&entry))]));
                        let sent = post_xmlrpc(addr, &call, Duration::from_secs(10));
                        if sent.is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1_500 + 250 * round));
        server.signal("TERM");
        let status = server
            .wait_exit(Duration::from_secs(20))
            .expect("the server exits after SIGTERM");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(status.code(), Some(0), "{}", server.log());
        let wal = std::fs::metadata(format!("{}-wal", server.db()))
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(
            wal,
            0,
            "round {round}: the log was left with {wal} bytes: {}",
            server
                .log()
                .lines()
                .filter(|l| l.contains("checkpointed"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        if round < 3 {
            server = server.restart(&[]);
        }
    }
}

/// Adds the fault rule `rule` (JSON) to `server`'s harness.
fn add_fault_rule(server: &Server, rule: &str) {
    let added = http_request(
        server.addr(),
        "POST",
        "/_emulator/faults",
        &[
            ("Authorization", &format!("Bearer {}", admin_token(server))),
            ("Content-Type", "application/json"),
        ],
        rule.as_bytes(),
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(added.status, 201, "{}", added.describe());
}

/// A big body keeps its place until its call is answered (15 MiB writes held 1.2 GB
/// waiting for the writer), but not while a fault rule's latency holds the call: a rule
/// for one user held every other caller's big body behind it, and refused them after
/// the stall timeout.
#[test]
fn a_rule_s_latency_holds_no_big_body_place() {
    let server = Server::start();
    add_fault_rule(
        &server,
        &format!(r#"{{"user": "{}", "latency_ms": 6000}}"#, OTHER.username),
    );
    // Over 256 KiB: a big body (an unknown header is ignored).
    let big = |user: &User, ticket: i64| {
        XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(user)
            .id(ticket)
            .header("padding", xstr(&"x".repeat(300 * 1024)))
    };
    let addr = server.addr();
    let held = std::thread::spawn(move || {
        post_xmlrpc(addr, &big(&OTHER, 160000101), Duration::from_secs(60)).unwrap()
    });
    std::thread::sleep(Duration::from_millis(1000));
    let started = Instant::now();
    let reply = post_xmlrpc(addr, &big(&DEMO, TICKET), Duration::from_secs(60)).unwrap();
    let took = started.elapsed();
    assert_eq!(reply.status, 200, "{}", reply.describe());
    assert!(
        took < Duration::from_secs(3),
        "another user's big body waited {took:?} behind the rule's latency"
    );
    let held = held.join().unwrap();
    assert_eq!(held.status, 200, "{}", held.describe());
}

/// Writes still running when the grace period ends are cut unanswered, and roll back
/// (README, Limits). Ones held past it (by a fault rule's latency here; by another
/// process's hold on the file in the field) committed afterwards, so a client that
/// retried its unanswered call wrote twice.
#[test]
fn writes_cut_at_shutdown_do_not_land_later() {
    let dir = TempDir::new("db");
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();
    let mut server = Server::start_with_args(&db, Some(dir), &["--shutdown-grace-secs", "1"]);
    add_fault_rule(&server, r#"{"method": "addUpdate", "latency_ms": 2500}"#);
    let writers: Vec<_> = (0..5)
        .map(|i| {
            let addr = server.addr();
            std::thread::spawn(move || {
                let call = XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                    .auth(&DEMO)
                    .id(TICKET)
                    .arg(xstruct(&[("entry", xstr(&format!("cut {i}")))]));
                post_xmlrpc(addr, &call, Duration::from_secs(10)).is_ok_and(|r| r.status == 200)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server exits after SIGTERM");
    let answered = writers
        .into_iter()
        .map(|w| w.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert_eq!(answered, 0, "{}", server.log());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM SoftLayer_Ticket_Update WHERE entry LIKE 'cut %'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0, "cut writes landed: {}", server.log());
}

/// Ctrl-C (SIGINT) takes the same road.
#[test]
fn ctrl_c_stops_the_server_with_exit_code_0() {
    let mut server = Server::start_with_temp_db();
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server exits after Ctrl-C");
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

/// So does SIGHUP (the terminal it was started from closed), after the same drain and
/// checkpoint: it died at once with the default action (status 129).
#[test]
fn sighup_stops_the_server_as_sigterm_does() {
    let mut server = Server::start_with_temp_db();
    server.signal("HUP");
    let status = server
        .wait_exit(Duration::from_secs(15))
        .expect("the server exits after SIGHUP");
    assert_eq!(status.code(), Some(0), "{}", server.log());
    let log = server.log();
    assert!(log.contains("SIGHUP"), "{log}");
    assert!(log.contains("checkpointed"), "{log}");
}

// ---------------------------------------------------------------------------
// 2. Stalled streams, 3. timeouts and caps, 4. HTTP details and resultLimit
// ---------------------------------------------------------------------------

/// A client that sends the whole of a body over the limit before it reads (Python's
/// xmlrpc.client, PHP's SoapClient) gets the 413: the server reads the body away while
/// the answer goes out. It closed the connection on the unread body, and the reset broke
/// the client's send ("Broken pipe") before it could read a word.
#[test]
fn a_client_sending_an_oversized_body_whole_reads_the_413() {
    let server = Server::start();
    let size = 17 * 1024 * 1024;
    for path in [
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        "/soap/v3.1/SoftLayer_Ticket",
    ] {
        let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n");
        let s = send_raw(&server, head.as_bytes());
        let body = vec![b'a'; size];
        (&s).write_all(&body)
            .unwrap_or_else(|e| panic!("{path}: sending the body: {e}"));
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 413, "{}", r.describe());
        assert!(r.text().contains("over the limit"), "{}", r.describe());
    }
    // Chunked, with no length to refuse it by: refused once past the limit, the rest
    // read away too.
    let s = send_raw(
        &server,
        b"POST /rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json HTTP/1.1\r\nHost: x\r\n\
          Transfer-Encoding: chunked\r\n\r\n",
    );
    let chunk = [
        format!("{:x}\r\n", 1 << 20).into_bytes(),
        vec![b'a'; 1 << 20],
        b"\r\n".to_vec(),
    ]
    .concat();
    for _ in 0..20 {
        (&s).write_all(&chunk)
            .unwrap_or_else(|e| panic!("sending the chunked body: {e}"));
    }
    (&s).write_all(b"0\r\n\r\n").unwrap();
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 413, "{}", r.describe());
    assert!(r.text().contains("over the limit"), "{}", r.describe());
}

/// An answer given without reading the body (a 404 for a path nothing serves, a 405, the
/// control API's 401) reaches a client that sends the whole body first: the body is read
/// away meanwhile and the connection serves the next request. It was reset under the
/// client (Python's xmlrpc.client: a broken pipe, the answer lost).
#[test]
fn answers_given_without_reading_the_body_reach_a_client_still_sending_it() {
    let server = Server::start();
    let size = 4_000_000;
    for (method, path, status) in [
        // A call to a path under /xmlrpc/ that serves nothing: a fault its client reads.
        ("POST", "/xmlrpc/v9/SoftLayer_Ticket", 200),
        ("POST", "/nowhere", 404),
        ("PUT", "/xmlrpc/v3.1/SoftLayer_Ticket", 405),
        ("POST", "/_emulator/import", 401),
        // The console's paths too (they answered and closed with the body unread).
        ("POST", "/_emulator/session", 401),
        ("POST", "/_emulator/events", 405),
        ("POST", "/_emulator/ui/app.js", 405),
    ] {
        let head = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n");
        let s = send_raw(&server, head.as_bytes());
        (&s).write_all(&vec![b'a'; size])
            .unwrap_or_else(|e| panic!("{method} {path}: sending the body: {e}"));
        let r = read_response(&s, method).unwrap();
        assert_eq!(r.status, status, "{method} {path}: {}", r.describe());
        (&s).write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let r = read_response(&s, "GET").unwrap();
        assert_eq!(
            r.status,
            200,
            "{method} {path}, then /health: {}",
            r.describe()
        );
    }
    // A client waiting for 100 Continue sends no body: the connection closes, and the
    // answer says so.
    let s = send_raw(
        &server,
        b"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(r.header("Connection"), Some("close"), "{}", r.describe());
}

/// A `Content-Length` over the limit is refused at once, before any body is sent, with
/// an XML-RPC fault as the body; `Transfer-Encoding` with `Content-Length` is refused.
#[test]
fn oversized_and_ambiguous_bodies_are_refused_before_reading() {
    let server = Server::start();
    let started = Instant::now();
    let s = send_raw(
        &server,
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 20971520\r\n\r\n",
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 413, "{}", r.describe());
    assert!(r.text().contains("<fault>"), "{}", r.describe());
    assert!(started.elapsed() < Duration::from_secs(10));

    let s = send_raw(
        &server,
        b"POST /rest/v3.1/SoftLayer_Ticket/getObject.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.text().contains("Transfer-Encoding"), "{}", r.describe());

    // Two Content-Lengths that differ, in either order, get the transport's fault: with
    // the longer first, the rest of the body was read as a request line and the 400
    // came as plain text.
    let body = r#"{"parameters":[{"entry":"x"}]}"#;
    for (first, second) in [(30, 5), (5, 30)] {
        let s = send_raw(
            &server,
            format!(
                "POST /rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json HTTP/1.1\r\nHost: x\r\n\
                 Content-Length: {first}\r\nContent-Length: {second}\r\nConnection: close\r\n\r\n{body}"
            )
            .as_bytes(),
        );
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 400, "{}", r.describe());
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{first}, {second}: {}",
            r.describe()
        );
        assert!(
            r.text().contains("SoftLayer_Exception_Public"),
            "{}",
            r.describe()
        );
    }

    // Chunked framing that does not read is named as such, not as an interruption
    // (the whole body had arrived).
    for framing in ["zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcXY0\r\n\r\n"] {
        let s = send_raw(
            &server,
            format!(
                "POST /rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json HTTP/1.1\r\nHost: x\r\n\
                 Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{framing}"
            )
            .as_bytes(),
        );
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 400, "{}", r.describe());
        assert!(
            r.text().contains("chunked framing could not be read"),
            "{framing:?}: {}",
            r.describe()
        );
    }

    // So is it after long but valid framing on the same connection (a chunk extension
    // and a chunk size padded with zeros, 300 bytes each), which the request before it
    // had been let through after.
    let first = format!(
        "POST /rest/v3.1/SoftLayer_Ticket/getObject.json HTTP/1.1\r\nHost: x\r\n\
         Transfer-Encoding: chunked\r\n\r\n2;x={}\r\n{{}}\r\n{}0\r\n\r\n",
        "a".repeat(300),
        "0".repeat(300)
    );
    let s = send_raw(&server, first.as_bytes());
    (&s).write_all(
        b"POST /rest/v3.1/SoftLayer_Ticket/getObject.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .unwrap();
    // Both answers, read to the end (the connection closes after the refusal).
    let mut both = String::new();
    std::io::Read::read_to_string(&mut &s, &mut both).unwrap();
    let heads: Vec<&str> = both
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &both[at..at + 12])
        .collect();
    assert_eq!(heads.len(), 2, "{both}");
    assert_ne!(
        heads[0], "HTTP/1.1 400",
        "the first request is well framed: {both}"
    );
    assert_eq!(heads[1], "HTTP/1.1 400", "{both}");
    assert!(
        both.contains("Transfer-Encoding and Content-Length"),
        "{both}"
    );

    // A transfer coding the server does not decode, before `chunked`, is 501 (RFC 9112
    // §6.1); the body used to be read as if it were not coded.
    let s = send_raw(
        &server,
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 501, "{}", r.describe());
    assert!(
        r.text().contains("<fault>") && r.text().contains("'gzip, chunked'"),
        "{}",
        r.describe()
    );

    // Chunked applied twice, in one header or two, is 400: hyper would undo one and
    // hand on a body still chunked.
    for te in [
        "Transfer-Encoding: chunked, chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    ] {
        let head = format!("POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\n{te}\r\n");
        // "abc" chunked, then chunked again.
        let body = "f\r\n3\r\nabc\r\n0\r\n\r\n\r\n0\r\n\r\n";
        let s = send_raw(&server, format!("{head}{body}").as_bytes());
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 400, "{te}: {}", r.describe());
        assert!(
            r.text().contains("<fault>") && r.text().contains("chunked more than once"),
            "{}",
            r.describe()
        );
    }

    // The control API answers in its own format, JSON, as for every other refusal (to
    // a caller with its token: one without is answered 401 before the body).
    let head = format!(
        "POST /_emulator/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Length: 20971520\r\n\r\n",
        admin_token(&server)
    );
    let s = send_raw(&server, head.as_bytes());
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 413, "{}", r.describe());
    assert_eq!(
        r.header("Content-Type"),
        Some("application/json"),
        "{}",
        r.describe()
    );
    let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("over the limit"),
        "{}",
        r.describe()
    );
}

/// A body that stops arriving is answered 408 after the stall timeout (1 s here), in
/// the transport's format; while one big body holds most of the bytes-in-flight cap
/// (1 MB here), another big one gets 503 with Retry-After, but a small call (a
/// well-behaved writer's) is still read: small bodies have room of their own past the cap.
#[test]
fn stalled_bodies_get_408_and_the_in_flight_cap_503() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1"),
            ("SOFTLAYER_EMULATOR_MAX_BODY_BYTES_IN_FLIGHT", "1000000"),
        ],
    );
    let started = Instant::now();
    let xmlrpc = send_raw(
        &server,
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n<?xml",
    );
    // The first body holds its 900 KB once the server has read its head.
    until_the_metric_is(
        &server,
        "softlayer_emulator_request_body_bytes_in_flight",
        |v| v >= 900_000.0,
    );
    // Sent whole before it is read, as Python's xmlrpc.client and PHP's SoapClient send:
    // the body is read away while the 503 goes out (the connection was reset under the
    // client, which reported a broken pipe, not the answer to retry after).
    let busy = send_raw(
        &server,
        b"POST /rest/v3.1/SoftLayer_Ticket/1/addUpdate.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n",
    );
    (&busy)
        .write_all(&vec![b' '; 5_000_000])
        .unwrap_or_else(|e| panic!("sending the refused body: {e}"));
    let r = read_response(&busy, "POST").unwrap();
    assert_eq!(r.status, 503, "{}", r.describe());
    assert_eq!(r.header("Connection"), None, "{}", r.describe());
    assert!(r.header("Retry-After").is_some(), "{}", r.describe());
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("retry"),
        "{}",
        r.describe()
    );
    let small = XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
        .auth(&DEMO)
        .id(TICKET)
        .arg(xstruct(&[(
            "entry",
            // 150 KB: past the cap beside the 900 KB body, but within small bodies' room.
            xstr(&"a small write ".repeat(10_000)),
        )]));
    server.xmlrpc(&small).ok();
    let r = read_response(&xmlrpc, "POST").unwrap();
    assert_eq!(r.status, 408, "{}", r.describe());
    assert!(
        r.text().contains("<fault>"),
        "an XML-RPC fault: {}",
        r.describe()
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let rest = send_raw(
        &server,
        b"POST /rest/v3.1/SoftLayer_Ticket/1/addUpdate.json HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
    );
    let r = read_response(&rest, "POST").unwrap();
    assert_eq!(r.status, 408, "{}", r.describe());
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(body["error"].as_str().unwrap().contains("no progress"));
}

/// An HTTP/1.1 request carries exactly one `Host` (RFC 9112 §3.2: 400 otherwise), in
/// the transport's format on an API path; HTTP/1.0 may go without. A request in
/// absolute form names its host in the target, and the WSDL's address uses it.
#[test]
fn host_headers_are_checked() {
    let server = Server::start();
    let answer = |raw: &str| {
        let s = send_raw(&server, raw.as_bytes());
        read_response(
            &s,
            if raw.starts_with("HEAD") {
                "HEAD"
            } else {
                "GET"
            },
        )
        .unwrap()
    };
    let r = answer("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(r.text().contains("Host"), "{}", r.describe());
    let r = answer("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n");
    assert_eq!(r.status, 400, "{}", r.describe());
    let r = answer("GET /health HTTP/1.0\r\n\r\n");
    assert_eq!(r.status, 200, "{}", r.describe());
    // Two sets of credentials: the first was taken, silently (RFC 9110 allows a field
    // twice only as a list, which Authorization is not). A fault in REST's format.
    let r = answer(&format!(
        "GET /rest/v3.1/SoftLayer_Account/getCurrentUser.json HTTP/1.1\r\nHost: a\r\n\
         Authorization: {}\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        basic_auth(&OTHER),
        basic_auth(&DEMO)
    ));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.text().contains("one Authorization header"),
        "{}",
        r.describe()
    );
    // XML-RPC's with 200, as its other faults: softlayer-python checks the status first,
    // and a 400 reached it as a TransportError without the fault.
    let body = XmlRpcCall::new("SoftLayer_Account", "getObject").body();
    let r = answer(&format!(
        "POST /xmlrpc/v3.1/SoftLayer_Account HTTP/1.1\r\nHost: a\r\n\
         Authorization: {}\r\nAuthorization: {}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        basic_auth(&OTHER),
        basic_auth(&DEMO),
        body.len()
    ));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(
        r.text().contains("<fault>") && r.text().contains("one Authorization header"),
        "{}",
        r.describe()
    );
    // A GET (the WSDL's) is no call: 400, in SOAP's format.
    let r = answer(&format!(
        "GET /soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.1\r\nHost: a\r\n\
         Authorization: {0}\r\nAuthorization: {0}\r\nConnection: close\r\n\r\n",
        basic_auth(&DEMO)
    ));
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.text().contains("one Authorization header"),
        "{}",
        r.describe()
    );
    // Under /xmlrpc/ where nothing is served, a fault as a call there gets without them.
    let r = answer(&format!(
        "POST /xmlrpc/v9/SoftLayer_Ticket HTTP/1.1\r\nHost: a\r\n\
         Authorization: {0}\r\nAuthorization: {0}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n",
        basic_auth(&DEMO)
    ));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(
        r.text().contains("<fault>") && r.text().contains("one Authorization header"),
        "{}",
        r.describe()
    );
    // The control API's own format: JSON, as its other errors (it was plain text).
    let r = answer(&format!(
        "GET /_emulator/journal HTTP/1.1\r\nHost: a\r\n\
         Authorization: Bearer {0}\r\nAuthorization: Bearer {0}\r\nConnection: close\r\n\r\n",
        admin_token(&server)
    ));
    assert_eq!(r.status, 400, "{}", r.describe());
    let error: serde_json::Value = serde_json::from_str(&r.text()).expect("a JSON error");
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|e| e.contains("one Authorization header")),
        "{}",
        r.describe()
    );
    // Naming no host, its WSDL names the address the connection came to (`localhost`
    // alone sent clients to port 80).
    let r = answer("GET /soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.0\r\n\r\n");
    assert!(
        r.text().contains(&format!(
            "location=\"http://{}/soap/v3.1/SoftLayer_Ticket\"",
            server.addr()
        )),
        "{}",
        r.describe()
    );
    // A Host that is no host and port (the same sentence of RFC 9112 asks a 400): it
    // was taken, and the WSDL named it as its address.
    for bad in [
        "a b",
        "a\"><inj/>",
        "bad_host?q=1",
        "x:99999999",
        "x:8o",
        "[::1",
        "h/p",
        "a%zz",
        "[abc]",
        ":80",
    ] {
        let r = answer(&format!(
            "GET /soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.1\r\nHost: {bad}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(r.status, 400, "{bad}: {}", r.describe());
        assert!(r.text().contains("Host header"), "{bad}: {}", r.describe());
    }
    for good in [
        "example.test",
        "example.test:8080",
        "127.0.0.1:1",
        "[::1]:8080",
        "[fe80::1%25eth0]",
        "",
    ] {
        let r = answer(&format!(
            "GET /health HTTP/1.1\r\nHost: {good}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(r.status, 200, "{good:?}: {}", r.describe());
    }
    let body = XmlRpcCall::new("SoftLayer_Ticket", "getObject")
        .auth(&DEMO)
        .id(TICKET)
        .body();
    let s = send_raw(
        &server,
        format!(
            "POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.text().contains("<fault>"),
        "an XML-RPC fault: {}",
        r.describe()
    );
    // So is a target in absolute form whose authority is none.
    for bad in ["a@b", "h:99999"] {
        let r = answer(&format!(
            "GET http://{bad}/soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(r.status, 400, "{bad}: {}", r.describe());
    }
    // `Host` is one value: `a,b` is a name, not a list whose first is `a`.
    let r = answer(
        "GET /soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.1\r\nHost: a,b\r\nConnection: close\r\n\r\n",
    );
    assert!(
        r.text()
            .contains("location=\"http://a,b/soap/v3.1/SoftLayer_Ticket\""),
        "{}",
        r.describe()
    );
    let r = answer(
        "GET http://other.example:99/soap/v3.1/SoftLayer_Ticket?wsdl HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(
        r.text()
            .contains("location=\"http://other.example:99/soap/v3.1/SoftLayer_Ticket\""),
        "{}",
        r.describe()
    );
}

/// Connections that declare bodies and send almost nothing hold none of the
/// bytes-in-flight cap: 72 declaring 256 KiB each (exactly the 2 MiB cap and small
/// bodies' 16 MiB of room together) and two declaring big bodies leave every transport
/// answering others. Their declared lengths used to be taken up front, and the others
/// got 503 until the stall timeout.
#[test]
fn bodies_declared_but_not_sent_hold_none_of_the_in_flight_cap() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_BODY_BYTES_IN_FLIGHT", "2097152")],
    );
    let mut idle: Vec<TcpStream> = (0..72)
        .map(|_| {
            send_raw(
                &server,
                b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 262144\r\n\r\n<",
            )
        })
        .collect();
    for _ in 0..2 {
        idle.push(send_raw(
            &server,
            b"POST /soap/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n<",
        ));
    }
    std::thread::sleep(Duration::from_millis(300));
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(&DEMO)
            .id(TICKET),
    );
    assert_eq!(reply.ok().member("id").int(), TICKET);
    let update = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
            .auth(&DEMO)
            .id(TICKET)
            .arg(xstruct(&[("entry", xstr("through the idle bodies"))])),
    );
    update.ok();
    let auth = basic_auth(&DEMO);
    let rest = server.post(
        &format!("/rest/v3.1/SoftLayer_Ticket/{TICKET}/addUpdate.json"),
        &[("Authorization", &auth)],
        br#"{"parameters": [{"entry": "and over REST"}]}"#,
    );
    assert_eq!(rest.status, 200, "{}", rest.describe());
    drop(idle);
}

/// Sends a byte every 400 ms on each of `streams`: never 2 s without progress, for up to
/// 12 s.
fn drip(streams: &[&TcpStream]) -> std::thread::JoinHandle<()> {
    let streams: Vec<TcpStream> = streams.iter().map(|s| s.try_clone().unwrap()).collect();
    std::thread::spawn(move || {
        for _ in 0..30 {
            std::thread::sleep(Duration::from_millis(400));
            for s in &streams {
                let _ = (&*s).write_all(b" ");
            }
        }
    })
}

/// Asserts that `stream`'s body was answered 408 for arriving too slowly, `before` the
/// drip that began at `started` ended.
fn answered_too_slow(stream: &TcpStream, started: Instant, within: &str, before: Duration) {
    let r = read_response(stream, "POST").unwrap();
    assert_eq!(r.status, 408, "{}", r.describe());
    assert!(
        r.text()
            .contains(&format!("did not arrive within {within}")),
        "{}",
        r.describe()
    );
    assert!(started.elapsed() < before, "{:?}", started.elapsed());
}

/// A big body that keeps arriving a byte at a time never stalls, but it holds one of the
/// few places big bodies are read in: it must arrive whole within the stall timeout
/// (2 s here) of taking its place, or it is answered 408, and the next big body is read.
#[test]
fn a_big_body_sent_a_byte_at_a_time_gives_up_its_place() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "2")],
    );
    let started = Instant::now();
    let slow = send_raw(
        &server,
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n<",
    );
    let dripping = drip(&[&slow]);
    answered_too_slow(&slow, started, "2 seconds", Duration::from_secs(8));
    // The place is free again: another big body (a 300 KB update) is read and written.
    let entry = "b".repeat(300_000);
    let call = XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
        .auth(&DEMO)
        .id(TICKET)
        .arg(xstruct(&[("entry", xstr(&entry))]));
    server.xmlrpc(&call).ok();
    dripping.join().unwrap();
}

/// Big bodies sent at once, more than the bytes-in-flight cap holds together (six of
/// 14 MiB past 64 MiB), wait their turn and are all answered: a body held only as its
/// bytes arrived (tried, not kept) filled the cap halfway and some were refused 503, which
/// softlayer-python does not retry.
#[test]
fn big_bodies_past_the_cap_together_queue_and_are_all_answered() {
    let server = Server::start();
    let addr = server.addr();
    let senders: Vec<_> = (0..6)
        .map(|_| {
            std::thread::spawn(move || {
                let call = XmlRpcCall::new("SoftLayer_Ticket", "getObject")
                    .auth(&DEMO)
                    .id(TICKET)
                    .header("padding", xstr(&"x".repeat(14 << 20)));
                post_xmlrpc(addr, &call, Duration::from_secs(120)).unwrap()
            })
        })
        .collect();
    for sender in senders {
        let reply = sender.join().unwrap();
        assert_eq!(reply.status, 200, "{}", reply.describe());
        assert!(
            reply.text().contains(&TICKET.to_string()),
            "{}",
            reply.describe()
        );
    }
    assert_eq!(
        server.metric("softlayer_emulator_request_body_bytes_in_flight"),
        0.0
    );
}

/// A small body sent a byte at a time must still arrive whole within twice the stall
/// timeout (2 s here) of the server starting to read it: a hundred such bodies held every
/// connection of a server with `--max-connections 100`, `/health` included, for as long
/// as they went on.
#[test]
fn a_small_body_sent_a_byte_at_a_time_is_cut_and_frees_its_connection() {
    let server = Server::start_with_args(
        ":memory:",
        None,
        &["--stall-timeout-secs", "2", "--max-connections", "20"],
    );
    // Every place taken by a slow body: the start-up check's connection keeps its place
    // until the server has ended it, a moment after its answer, and one of the twenty was
    // then refused. So the first holds the place it reads, from the metrics, that it is
    // the only one open.
    let first = send_raw(&server, b"");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        (&first)
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let metrics = read_response(&first, "GET").unwrap().text();
        if metrics.contains("\nsoftlayer_emulator_open_connections 1\n") {
            break;
        }
        assert!(Instant::now() < deadline, "{metrics}");
        std::thread::sleep(Duration::from_millis(50));
    }
    const SLOW_HEAD: &[u8] =
        b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: 1851\r\n\r\n<";
    let started = Instant::now();
    (&first).write_all(SLOW_HEAD).unwrap();
    let slow: Vec<TcpStream> = std::iter::once(first)
        .chain((1..20).map(|_| send_raw(&server, SLOW_HEAD)))
        .collect();
    let dripping = drip(&slow.iter().collect::<Vec<_>>());
    for s in &slow {
        answered_too_slow(s, started, "4 seconds", Duration::from_secs(8));
    }
    let health = http_request(server.addr(), "GET", "/health", &[], b"", HTTP_TIMEOUT).unwrap();
    assert_eq!(health.status, 200, "{}", health.describe());
    dripping.join().unwrap();
}

/// A client that asks for a long streamed list and stops reading is cut after the stall
/// timeout (1 s here): the reply never completes, the server logs the stop, and the
/// write-ahead log checkpoints again (no read snapshot is left behind).
#[test]
fn a_stalled_stream_is_ended_and_its_snapshot_freed() {
    let server =
        synthetic_server_with_env(20_000, &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1")]);
    let call = XmlRpcCall::new("SoftLayer_Account", "getTickets")
        .auth(&DEMO)
        .mask("mask[updates[entry,createDate],status,priority]");
    let stream = stall_on(&server, &call);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("stopped mid-reply") {
        assert!(
            Instant::now() < deadline,
            "the stalled stream was not ended"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The snapshot is gone: writes go on and a checkpoint can empty the log.
    add_updates(&server, 1);
    let mut rest = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = std::io::Read::read_to_end(&mut &stream, &mut rest);
    assert!(
        !String::from_utf8_lossy(&rest).contains("</params>"),
        "the reply was cut, not completed"
    );
    // The client's slowness, not the server's failure: so the journal and /metrics say.
    let entry = journaled_list_call(&server);
    assert_eq!(entry["fault"]["class"], "cut short", "{entry:#}");
    assert!(
        entry["fault"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 seconds (the stall timeout)")),
        "{entry:#}"
    );
    let metrics = server.get("/metrics").text();
    assert!(
        metrics.contains("method=\"getTickets\",outcome=\"cut short\"")
            && !metrics.contains("method=\"getTickets\",outcome=\"SoftLayer_Exception\""),
        "{metrics}"
    );
}

/// A client that keeps reading, but slowly, never stalls a chunk for the stall timeout;
/// the stream's read snapshot still lives at most four stall timeouts (8 s here), and
/// then the reply is cut. Not at one stall timeout: the server's own time to read and
/// write a list counts in that life too, and on a busy machine a 100,000-ticket list
/// took 23-30 s instead of 1.5 s (it was cut when the snapshot lived one stall timeout).
#[test]
fn a_stream_read_slowly_is_cut_after_four_stall_timeouts() {
    let server =
        synthetic_server_with_env(20_000, &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "2")]);
    let stream = stall_on(&server, &big_list());
    // At most 32 KiB each 20 ms: the 33 MB list would take over 20 s, and by the cut at
    // 8 s at most 13 MB are read, so the kernel's socket buffers cannot take the rest of
    // the list before it.
    let (longest_gap, bytes) = read_until_cut(&server, &stream, 32768, |_, _| {
        std::thread::sleep(Duration::from_millis(20))
    });
    // The control: no chunk waited the stall timeout for the client.
    assert!(
        longest_gap < Duration::from_secs(2),
        "the client left a gap of {longest_gap:?}"
    );
    assert!(bytes < 20_000_000, "{bytes} bytes read");
    let log = server.log();
    assert!(log.contains("PastDeadline { secs: 8 }"), "{log}");
}

/// A client that reads a long list slowly but steadily is not cut as one that read
/// nothing: its stream goes on to the stream's life (four stall timeouts, 8 s here), and
/// the cut then says so. Linux wakes a writer on a full send buffer (up to 4 MB) only
/// once a third of it has drained, so a chunk waited past the stall timeout while the
/// client read all along, and a reader of 40 KB/s was cut at 30 s (stall timeout 30 s)
/// as having "read nothing for 30 seconds" (the sixty-ninth session's sweep).
#[test]
fn a_stream_read_slowly_but_steadily_is_not_cut_as_stalled() {
    let server =
        synthetic_server_with_env(20_000, &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "2")]);
    let stream = stall_on(&server, &big_list());
    // A small receive buffer, so that the client's kernel holds little of the reply and
    // the server's send buffer stays full.
    receive_buffer(&stream, 8192);
    // About 100 KB/s: a third of a 4 MB send buffer drains in some 14 s, many stall
    // timeouts, while the client acknowledges some 200 KB in each.
    let (longest_gap, bytes) = read_until_cut(&server, &stream, 4096, |started, bytes| {
        while bytes as f64 > started.elapsed().as_secs_f64() * 100_000.0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    // The control: the client read all along.
    assert!(
        longest_gap < Duration::from_secs(1),
        "the client left a gap of {longest_gap:?}"
    );
    assert!(bytes > 400_000, "{bytes} bytes read");
    let log = server.log();
    assert!(
        log.contains("PastDeadline { secs: 8 }") && !log.contains("ClientStalled"),
        "{log}"
    );
    let entry = journaled_list_call(&server);
    assert!(
        entry["fault"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("still streaming after 8 seconds")),
        "{entry:#}"
    );
}

/// Reads `stream` in pieces of `piece` bytes, calling `pace(started, bytes read)` after
/// each, until the server's log says it cut the reply (asserted after more than 7 s, the
/// stream's life being 8 s in these tests); answers the longest time the client itself
/// left between reads, and the bytes it read.
fn read_until_cut(
    server: &Server,
    stream: &TcpStream,
    piece: usize,
    pace: impl Fn(Instant, usize) + Sync,
) -> (Duration, usize) {
    let started = Instant::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reading = s.spawn(|| {
            stream
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let mut buffer = vec![0u8; piece];
            let mut longest_gap = Duration::ZERO;
            let mut bytes = 0;
            let mut last_read = Instant::now();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                // The client's own time away from reading, not the server's to send.
                longest_gap = longest_gap.max(last_read.elapsed());
                // The kernel's socket buffers hold megabytes: the client goes on reading
                // them for a while after the server has cut the reply.
                match std::io::Read::read(&mut &*stream, &mut buffer) {
                    Ok(0) => break,
                    Ok(n) => bytes += n,
                    // A server slow to send on a busy machine: read on (the reader stopped
                    // here, and the reply was cut after one stall timeout, not four).
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
                last_read = Instant::now();
                pace(started, bytes);
            }
            (longest_gap, bytes)
        });
        let cut = server.log_shows("stopped mid-reply", Duration::from_secs(30));
        let took = started.elapsed();
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(cut, "never cut: {}", server.log());
        assert!(took > Duration::from_secs(7), "cut after only {took:?}");
        reading.join().unwrap()
    })
}

/// A list whose count and rows come slowly never fills a chunk, and was answered whole
/// however long it took: its read snapshot outlived the stream's life (four stall
/// timeouts, 4 s here). Each title here is searched to its end in some 0.1 s, and a list
/// searches them all twice (its count, then its rows). With enough of them to take some
/// 20 s (five times the life, so that a search timed in a busier moment still leaves the
/// list well past it), inside the SQL time budget (60 s here), the list now ends at 4 s,
/// answered with a fault that says so, since nothing was sent: a search matching no title
/// is interrupted inside SQLite (no row ever reaches the stream), and one matching every
/// title in its count's statement or at its first row past the life.
#[test]
fn a_list_that_comes_slowly_still_ends_at_its_deadline() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1"),
            ("SOFTLAYER_EMULATOR_SQL_TIME_BUDGET_MS", "60000"),
        ],
    );
    const LONG: usize = 300_000;
    let title = |len, seed| format!("{}a{}c", random_a_and_b(len, seed), "b".repeat(50));
    // How long a title a tenth as long takes here (a tenth: on a busy machine a long one
    // alone could outlive the life), after a first search that pays what a first search
    // pays once; each search has its own expression, for the reply cache.
    create_titled(&server, &title(LONG / 10, 0));
    search_titles(&server, "~ a[ab]{49}bc").0.ok();
    let (reply, tenth) = search_titles(&server, "~ a[ab]{48}bbc");
    assert_eq!(ids_of(reply.ok()).len(), 1);
    let titles = (20.0 / (10.0 * tenth.as_secs_f64()))
        .ceil()
        .clamp(40.0, 200.0) as u64;
    for seed in 1..=titles {
        create_titled(&server, &title(LONG, seed));
    }
    for (operation, matches) in [("~ a[ab]{50}d", "none"), ("~ a[ab]{50}c", "every title")] {
        let (reply, took) = search_titles(&server, operation);
        let fault = reply.fault();
        assert_eq!(fault.code_text(), "SoftLayer_Exception_Public");
        assert!(
            fault.string.contains("took more than 4 seconds to read"),
            "matching {matches}: {fault:?} ({titles} titles, a tenth of one in {tenth:?})"
        );
        assert!(
            took >= Duration::from_secs(4) && took < Duration::from_secs(15),
            "matching {matches}: {took:?}"
        );
    }
}

/// The journal's entry for the one `SoftLayer_Account::getTickets` call, once there.
fn journaled_list_call(server: &Server) -> serde_json::Value {
    let auth = format!("Bearer {}", admin_token(server));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = http_request(
            server.addr(),
            "GET",
            "/_emulator/journal?method=getTickets",
            &[("Authorization", auth.as_str())],
            b"",
            HTTP_TIMEOUT,
        )
        .expect("journal");
        let json: serde_json::Value = serde_json::from_slice(&resp.body).expect("JSON");
        let calls = json["calls"].as_array().cloned().unwrap_or_default();
        if let [entry] = calls.as_slice() {
            return entry.clone();
        }
        assert!(Instant::now() < deadline, "{json:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A client that hangs up in the middle of a streamed list is journaled and counted as
/// `client closed`, not as the server's internal error: a test that reads a journal for
/// faults is not told the emulator failed.
#[test]
fn a_client_that_hangs_up_mid_list_is_journaled_as_such() {
    let (dir, db) = synthetic_db(20_000);
    let server = Server::start_with_env(&db, Some(dir), &[]);
    let stream = stall_on(&server, &big_list());
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut first = [0u8; 4096];
    let n = std::io::Read::read(&mut &stream, &mut first).expect("the reply begins");
    assert!(
        String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&first[..n])
    );
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("stopped mid-reply") {
        assert!(Instant::now() < deadline, "the stream did not notice");
        std::thread::sleep(Duration::from_millis(50));
    }
    let entry = journaled_list_call(&server);
    assert_eq!(entry["outcome"], "fault", "{entry:#}");
    assert_eq!(entry["fault"]["class"], "client closed", "{entry:#}");
    assert_eq!(entry["status"], 200, "{entry:#}");
    let metrics = server.get("/metrics").text();
    assert!(
        metrics.contains("method=\"getTickets\",outcome=\"client closed\"")
            && !metrics.contains("outcome=\"SoftLayer_Exception\""),
        "{metrics}"
    );
    assert!(
        !server.log().contains("ERROR"),
        "a hang-up is not logged as an error\n{}",
        server.log()
    );
}

/// resultLimit means the same on every transport: 0 is no limit, negative or
/// non-numeric values are a Public fault (XML-RPC) and a 400 (REST).
#[test]
fn result_limit_is_validated_the_same_on_every_transport() {
    let server = Server::start();
    let tickets = |limit: XVal| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .header(
                    "resultLimit",
                    xstruct(&[("limit", limit), ("offset", xint(0))]),
                ),
        )
    };
    let all = server.xmlrpc(&XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO));
    let n = all.ok().array().len();
    assert!(n >= 3);
    assert_eq!(
        tickets(xint(0)).ok().array().len(),
        n,
        "limit 0 is no limit"
    );
    assert_eq!(tickets(xint(2)).ok().array().len(), 2);
    assert_eq!(tickets(xstr("2")).ok().array().len(), 2);
    assert_public_fault(
        &tickets(xint(-5)),
        "SoftLayer_Exception_Public",
        "resultLimit",
    );
    assert_public_fault(
        &tickets(xstr("abc")),
        "SoftLayer_Exception_Public",
        "resultLimit",
    );
    let auth = basic_auth(&DEMO);
    let rest = |q: &str| {
        http_request(
            server.addr(),
            "GET",
            &format!("/rest/v3.1/SoftLayer_Account/getTickets.json?resultLimit={q}"),
            &[("Authorization", &auth)],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap()
    };
    let zero = rest("0,0");
    assert_eq!(zero.status, 200);
    let items: serde_json::Value = serde_json::from_slice(&zero.body).unwrap();
    assert_eq!(items.as_array().unwrap().len(), n, "limit 0 is no limit");
    assert_eq!(rest("0,-5").status, 400);
    assert_eq!(rest("0,abc").status, 400);
}

/// Wrong HTTP Basic credentials are refused before the body is parsed: a body that is
/// not even XML gets the authentication fault, not a parse error.
#[test]
fn http_basic_is_checked_before_the_body_is_parsed() {
    let server = Server::start();
    let wrong = basic_auth(&User {
        api_key: "not-the-key",
        ..DEMO
    });
    let r = server.post(
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        &[("Authorization", &wrong), ("Content-Type", "text/xml")],
        b"this is not XML",
    );
    let text = r.text();
    assert!(text.contains("<fault>"), "{}", r.describe());
    assert!(
        !text.contains("-32700") && text.contains("SoftLayer_Exception"),
        "an authentication fault, not a parse error: {}",
        r.describe()
    );
}

/// A SOAP envelope for `SoftLayer_Account::{method}` as demo, with extra `headers`.
fn soap_envelope(method: &str, headers: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
         xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\">\
         <SOAP-ENV:Header><ns1:authenticate><username>{}</username><apiKey>{}</apiKey>\
         </ns1:authenticate>{headers}</SOAP-ENV:Header>\
         <SOAP-ENV:Body><ns1:{method}/></SOAP-ENV:Body></SOAP-ENV:Envelope>",
        DEMO.username, DEMO.api_key
    )
}

/// The same refusals in each transport's own format: SOAP faults and REST JSON errors,
/// for a declared length over the limit (413, answered before any body byte is sent)
/// and a body that stops arriving (408 after the stall timeout, 1 s here).
#[test]
fn body_refusals_come_in_each_transports_format() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1"),
            ("SOFTLAYER_EMULATOR_MAX_BODY_BYTES", "100000"),
        ],
    );
    let soap = |head: &str| {
        let s = send_raw(
            &server,
            format!("POST /soap/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n{head}\r\n").as_bytes(),
        );
        read_response(&s, "POST").unwrap()
    };
    let r = soap("Content-Length: 100001\r\n");
    assert_eq!(r.status, 413, "{}", r.describe());
    assert!(
        r.text().contains("Fault>") && r.text().contains("100000"),
        "{}",
        r.describe()
    );
    // A client that waits to be told (Expect: 100-continue) sends no body to read away:
    // the connection closes after the answer, and the answer says so (RFC 9112 §9.6).
    let r = soap("Content-Length: 300000\r\nExpect: 100-continue\r\n");
    assert_eq!(r.status, 413, "{}", r.describe());
    assert_eq!(r.header("Connection"), Some("close"), "{}", r.describe());
    let started = Instant::now();
    let r = soap("Content-Length: 50\r\n");
    assert_eq!(r.status, 408, "{}", r.describe());
    assert!(
        r.text().contains("Fault>"),
        "a SOAP fault: {}",
        r.describe()
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let s = send_raw(
        &server,
        b"POST /rest/v3.1/SoftLayer_Ticket/1/addUpdate.json HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n",
    );
    let r = read_response(&s, "POST").unwrap();
    assert_eq!(r.status, 413, "{}", r.describe());
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("100000"),
        "{}",
        r.describe()
    );
}

/// hyper drops `Content-Length` when `Transfer-Encoding` is present, so the refusal
/// rests on the connection's own reading of the request heads (src/server/conn.rs):
/// either order of the two headers is refused, and so is the second request of a
/// keep-alive connection, while the first (whose body looks like such a head) is served.
#[test]
fn transfer_encoding_with_content_length_is_refused_in_either_order_and_position() {
    let server = Server::start();
    let auth = basic_auth(&DEMO);
    for heads in [
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "content-length: 5\r\ntransfer-encoding: chunked\r\n",
    ] {
        let s = send_raw(
            &server,
            format!(
                "POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\n{heads}\r\n0\r\n\r\n"
            )
            .as_bytes(),
        );
        let r = read_response(&s, "POST").unwrap();
        assert_eq!(r.status, 400, "{}", r.describe());
        assert!(
            r.text().contains("<fault>") && r.text().contains("Transfer-Encoding"),
            "{}",
            r.describe()
        );
    }
    let decoy = "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n";
    let first = format!(
        "POST /rest/v3.1/SoftLayer_Account/getTickets.json HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n{decoy}",
        decoy.len()
    );
    let second = "POST /rest/v3.1/SoftLayer_Account/getTickets.json HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    let s = send_raw(&server, format!("{first}{second}").as_bytes());
    // Both answers, on the one connection (closed after the second, as hyper does after
    // a request with both headers).
    let mut both = String::new();
    std::io::Read::read_to_string(&mut &s, &mut both).unwrap();
    let answers: Vec<&str> = both.split("HTTP/1.1 ").filter(|a| !a.is_empty()).collect();
    assert_eq!(answers.len(), 2, "{both}");
    // The first is served by the REST codec (its body is no JSON), not refused for framing.
    assert!(
        answers[0].contains("neither JSON nor XML") && !answers[0].contains("Transfer-Encoding"),
        "the first request is not refused for its framing: {both}"
    );
    assert!(answers[1].starts_with("400 "), "{both}");
    let body: serde_json::Value =
        serde_json::from_str(answers[1].split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Transfer-Encoding"),
        "{both}"
    );
}

/// hyper's own 414 and 431 answers came with empty bodies; they now say what is wrong, in
/// the format of the transport the request names (softlayer-python could not read a
/// plain-text 414 from REST: "Expecting value: line 1 column 1").
#[test]
fn uri_too_long_and_header_fields_too_large_have_bodies() {
    let server = Server::start();
    let long = format!(
        "GET /rest/v3.1/SoftLayer_Account/getTickets.json?objectMask={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let r = read_response(&send_raw(&server, long.as_bytes()), "GET").unwrap();
    assert_eq!(r.status, 414, "{}", r.describe());
    let error: serde_json::Value =
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.describe()));
    assert_eq!(
        error["code"],
        "SoftLayer_Exception_Public",
        "{}",
        r.describe()
    );
    assert!(
        error["error"].as_str().unwrap().contains("URI Too Long"),
        "{}",
        r.describe()
    );
    // The limit the message names holds at its boundary (it said 64 KiB, and 65,535 and
    // 65,536 bytes were refused).
    for (length, refused) in [(65_534, false), (65_535, true)] {
        let prefix = "/rest/v3.1/SoftLayer_Ticket/getAllTicketStatuses.json?x=";
        let target = format!("{prefix}{}", "a".repeat(length - prefix.len()));
        let head = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        let r = read_response(&send_raw(&server, head.as_bytes()), "GET").unwrap();
        assert_eq!(r.status == 414, refused, "{length}: {}", r.describe());
        if refused {
            assert!(r.text().contains("(65,534 bytes)"), "{}", r.describe());
        }
    }
    // After an XML-RPC call on the same connection, still REST's JSON, for a target so
    // long (500 KB) that hyper answers before the line ends: the format came from the last
    // request line the connection had ended (the XML-RPC one).
    let long = format!(
        "GET /rest/v3.1/SoftLayer_Account/getTickets.json?objectMask={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(500_000)
    );
    let call = XmlRpcCall::new("SoftLayer_Ticket", "getObject")
        .auth(&DEMO)
        .id(TICKET)
        .body();
    let both = format!(
        "POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{call}{long}",
        call.len()
    );
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may close before it has read it all: what it answered is the point.
    let _ = (&s).write_all(both.as_bytes());
    let mut answers = String::new();
    std::io::Read::read_to_string(&mut &s, &mut answers).unwrap();
    let second = answers.rfind("HTTP/1.1 ").expect("two answers");
    let second = &answers[second..];
    // hyper says 431 for a head past its buffer; all of it request line, that is 414.
    assert!(second.starts_with("HTTP/1.1 414 URI Too Long"), "{answers}");
    assert!(
        second.contains("application/json")
            && second.contains("\"code\":\"SoftLayer_Exception_Public\""),
        "{answers}"
    );
    // 150 header fields: a SOAP fault for a SOAP call, plain text for /health.
    let many: String = (0..150).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    for (request_line, says) in [
        (
            "POST /soap/v3.1/SoftLayer_Ticket",
            "<faultcode>SoftLayer_Exception_Public</faultcode>",
        ),
        ("GET /health", "Request Header Fields Too Large"),
    ] {
        let raw = format!("{request_line} HTTP/1.1\r\nHost: x\r\n{many}\r\n");
        let r = read_response(&send_raw(&server, raw.as_bytes()), "POST").unwrap();
        assert_eq!(r.status, 431, "{}", r.describe());
        let text = r.text();
        assert!(
            text.contains(says) && text.contains("Header Fields Too Large"),
            "{}",
            r.describe()
        );
    }
    assert_eq!(server.get("/health").status, 200);
}

/// hyper's own 400 for a request it cannot frame came with an empty body too; it now
/// says what is wrong, and the server goes on.
#[test]
fn requests_that_cannot_be_framed_get_a_400_with_a_body() {
    let server = Server::start();
    // The answer's text, once it is a 400 of this content type that says what is wrong.
    let framing_answer = |raw: &str, content_type: &str, what: &str| {
        let r = read_response(&send_raw(&server, raw.as_bytes()), "POST").unwrap();
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        assert!(
            r.text().contains("Bad Request: the request's framing"),
            "{what}: {}",
            r.describe()
        );
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with(content_type)),
            "{what}: {}",
            r.describe()
        );
        r.text()
    };
    for (what, content_length) in [
        ("negative", "-5"),
        ("not a number", "abc"),
        ("a list", "1,2"),
        ("twenty digits", "99999999999999999999"),
    ] {
        let raw = format!(
            "POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {content_length}\r\n\r\n<methodCall/>"
        );
        // An XML-RPC fault, as the request was an XML-RPC call.
        let text = framing_answer(&raw, "text/xml", what);
        assert!(text.contains("<fault>"), "{what}: {text}");
    }
    // Outside the transports, plain text.
    framing_answer(
        "POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "text/plain",
        "not a transport",
    );
    // An HTTP/2 client with prior knowledge (`curl --http2-prior-knowledge`): its
    // preface is made for an HTTP/1.1 server to refuse (RFC 9113 §3.4). The connection
    // was closed without a word.
    let text = framing_answer(
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0",
        "text/plain",
        "an HTTP/2 preface",
    );
    assert!(text.contains("not 1.0 or 1.1"), "{text}");
    assert_eq!(server.get("/health").status, 200);
}

/// hyper's 400 and 414 come in the format of the transport the request line names,
/// however the bytes after the head arrived: each request here is one write, head and
/// body, so the server reads them together. A body framed otherwise than hyper frames it
/// (`Content-Length: +5` read as 5; no length at all for a head hyper refuses first) was
/// taken for the next request's line, and the answer was plain text where a 4-byte body
/// got the fault.
/// After a pipelined burst of 32 requests, all answered, a refused head in the next read
/// gets its own transport's format: the kept lines were still those of the burst (the
/// full queue kept none of the new read's lines) and the 400 took the format of the
/// request after it (REST's JSON for an XML-RPC call).
#[test]
fn a_refused_head_after_a_pipelined_burst_keeps_its_format() {
    use std::io::Read;
    let server = Server::start();
    let mut stream = send_raw(
        &server,
        &b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n".repeat(40),
    );
    let mut got = Vec::new();
    let mut chunk = [0u8; 65536];
    while got.windows(3).filter(|w| w == b"ok\n").count() < 40 {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed after {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&chunk[..n]);
    }
    stream
        .write_all(
            b"POST /xmlrpc/v3.1/SoftLayer_Ticket http/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n\
              GET /rest/v3.1/SoftLayer_Account.json HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
    let r = read_response(&stream, "POST").unwrap();
    assert_eq!(r.status, 400, "{}", r.describe());
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/xml")),
        "{}",
        r.describe()
    );
    assert!(
        r.text().contains("SoftLayer_Exception_Public"),
        "{}",
        r.describe()
    );
}

#[test]
fn framing_answers_follow_the_request_line_with_the_body_in_the_same_write() {
    let server = Server::start();
    let filler = "a".repeat(100);
    let call =
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>getObject</methodName>\n</methodCall>\n";
    let envelope = "<?xml version='1.0'?>\n<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\">\n<soap-env:Body/>\n</soap-env:Envelope>\n";
    let json = "{\"parameters\":[{\"title\":\"x\"}]}\n";
    let xmlrpc = "POST /xmlrpc/v3.1/SoftLayer_Ticket";
    let soap = "POST /soap/v3.1/SoftLayer_Ticket";
    let rest = "PUT /rest/v3.1/SoftLayer_Ticket/160000001/edit.json";
    let mut cases: Vec<(String, Vec<u8>, &str)> = Vec::new();
    for length in ["+5", "0x10", "-1", "18446744073709551616", " +100"] {
        let head =
            |line: &str| format!("{line} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n");
        for (line, body, content_type) in [
            (
                "PUT /xmlrpc/v3/SoftLayer_Ticket",
                filler.as_str(),
                "text/xml",
            ),
            (xmlrpc, call, "text/xml"),
            (soap, envelope, "text/xml"),
            (rest, json, "application/json"),
        ] {
            let raw = head(line) + body;
            cases.push((
                format!("{line}, length {length:?}"),
                raw.into_bytes(),
                content_type,
            ));
        }
    }
    for (what, head) in [
        (
            "a lower-case version",
            format!("{xmlrpc} http/1.1\r\nHost: x\r\n\r\n"),
        ),
        (
            "version 1.10",
            format!(
                "{xmlrpc} HTTP/1.10\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                call.len()
            ),
        ),
        (
            "a header without a colon",
            format!("{xmlrpc} HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
        ),
        (
            "a header name with a space",
            format!("{xmlrpc} HTTP/1.1\r\nHost: x\r\nX Y: z\r\n\r\n"),
        ),
    ] {
        cases.push((
            what.to_string(),
            (head.clone() + call).into_bytes(),
            "text/xml",
        ));
        cases.push((
            format!("{what}, filler"),
            (head + &filler).into_bytes(),
            "text/xml",
        ));
    }
    // A line feed inside the target: hyper refuses the line, the rest of which (and the
    // next lines) looked like requests of their own.
    cases.push((
        "line feeds in the target".to_string(),
        format!("GET /rest/v3.1/SoftLayer_Ticket/160000001{}/getObject.json HTTP/1.1\r\nHost: x\r\n\r\n", "\n".repeat(20)).into_bytes(),
        "application/json",
    ));
    // A version that is not text: the target before it still names REST.
    cases.push((
        "bytes past UTF-8 in the version".to_string(),
        b"GET /rest/v3.1/SoftLayer_Ticket/160000001/getObject.json HTTP/\xed\xa0\x801.1\r\nHost: x\r\n\r\n".to_vec(),
        "application/json",
    ));
    // Under a transport's prefix, paths it does not serve: still its format.
    for line in [
        "POST /xmlrpc/v3.1/",
        "POST /xmlrpc/v3.1/SoftLayer_Ticket/extra",
    ] {
        cases.push((
            line.to_string(),
            format!(
                "{line} HTTP/1.10\r\nHost: x\r\nContent-Length: {}\r\n\r\n{call}",
                call.len()
            )
            .into_bytes(),
            "text/xml",
        ));
    }
    for (what, raw, content_type) in &cases {
        let r = read_response(&send_raw(&server, raw), "POST")
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(r.status, 400, "{what}: {}", r.describe());
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with(content_type)),
            "{what}: {}",
            r.describe()
        );
        let text = r.text();
        assert!(
            text.contains("SoftLayer_Exception_Public")
                && text.contains("Bad Request: the request's framing"),
            "{what}: {}",
            r.describe()
        );
    }
    // A 414 on REST with a chunked body in the same write, whose trailer section is
    // followed by a line (`0`) read as a request's: REST's JSON, not plain text.
    let raw = format!(
        "POST /rest/v3.1/SoftLayer_Ticket/createStandardTicket.json?x={} HTTP/1.1\r\nHost: x\r\n\
         Transfer-Encoding: chunked\r\n\r\n0;ext={}\r\n\r\n0\r\n\r\n",
        "a".repeat(70_000),
        "a".repeat(1000)
    );
    let r = read_response(&send_raw(&server, raw.as_bytes()), "POST").unwrap();
    assert_eq!(r.status, 414, "{}", r.describe());
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{}",
        r.describe()
    );
    let error: serde_json::Value =
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.describe()));
    assert_eq!(
        error["code"],
        "SoftLayer_Exception_Public",
        "{}",
        r.describe()
    );
    assert_eq!(server.get("/health").status, 200);
}

/// A client may shut its side of the connection down once its request is sent (`nc -N`,
/// socat, some HTTP/1.0 clients) and still read the answer; a write sent so is made and
/// acknowledged, not dropped.
#[test]
fn a_request_sent_before_the_client_half_closes_is_answered() {
    let server = Server::start();
    let half_closed = |head_and_body: &[u8], method: &str| {
        let stream = send_raw(&server, head_and_body);
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        read_response(&stream, method).unwrap()
    };
    for _ in 0..20 {
        let r = half_closed(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GET");
        assert_eq!(r.status, 200, "{}", r.describe());
    }
    let entry = "written by a client that half-closed";
    let call = XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
        .auth(&DEMO)
        .id(TICKET)
        .arg(xstruct(&[("entry", xstr(entry))]));
    let body = call.body();
    let raw = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        call.path(),
        body.len()
    );
    let r = half_closed(raw.as_bytes(), "POST");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().contains(entry), "{}", r.describe());
    assert!(
        ticket_entries(&server, &DEMO, TICKET)
            .iter()
            .any(|e| e == entry)
    );
}

/// Once the database file has been replaced under the server, a read never waits on a
/// stream the server is sending slowly: it is answered from a connection open to the
/// server's file, or refused at once. A read that found no such connection free waited
/// for the writer's, on an async thread, while a stream held it: two such reads stopped
/// every async thread, the streams could not go on, and the server answered nothing,
/// `/health` included, for minutes.
#[test]
fn reads_after_the_database_file_is_replaced_never_wait_on_a_stream() {
    let (dir, db) = synthetic_db(20_000);
    let copy = format!("{db}.copy");
    std::fs::copy(&db, &copy).unwrap();
    let server = Server::start_with_db(&db, Some(dir));
    std::fs::rename(&copy, &db).unwrap();
    let list = XmlRpcCall::new("SoftLayer_Account", "getTickets")
        .auth(&DEMO)
        .mask("mask[id,title,updates]");
    let streams: Vec<TcpStream> = (0..2).map(|_| stall_on(&server, &list)).collect();
    for stream in &streams {
        until_the_reply_begins(stream);
    }
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..8)
            .map(|i| {
                let server = &server;
                s.spawn(move || {
                    let started = Instant::now();
                    let reply = server.xmlrpc(
                        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
                            .auth(&DEMO)
                            .id(160_000_102 + i),
                    );
                    (started.elapsed(), reply)
                })
            })
            .collect();
        for reader in readers {
            let (took, reply) = reader.join().unwrap();
            assert!(
                took < Duration::from_secs(5),
                "{took:?}\n{}",
                reply.exchange()
            );
            if reply.outcome.is_err() {
                assert!(
                    reply.fault().string.contains("none is free now; try again")
                        && reply.http.status == 503
                        && reply.http.header("Retry-After") == Some("1"),
                    "{}",
                    reply.exchange()
                );
            }
        }
    });
    let started = Instant::now();
    let health = server.get("/health");
    assert_eq!(health.status, 503, "{}", health.describe());
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(streams);
}

/// Asks for `call` on a new connection and never reads the reply.
fn stall_on(server: &Server, call: &XmlRpcCall) -> TcpStream {
    let body = call.body();
    let stream = TcpStream::connect(server.addr()).unwrap();
    write!(
        &stream,
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        call.path(),
        body.len()
    )
    .unwrap();
    stream
}

/// Waits (up to 30 s, the stream's read timeout from then on) for the first bytes of
/// the reply on `stream`, without reading them: the call is then in flight, its read
/// snapshot taken. A fixed pause was not always long enough on a busy machine.
fn until_the_reply_begins(stream: &TcpStream) {
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.peek(&mut [0u8; 1]).expect("the reply begins");
}

/// Waits until the server can send no more of a reply that `stream`'s client does not
/// read: the bytes waiting in the client's socket stop growing for half a second (the
/// kernel's buffers are full). From then on the server's stall timeout runs; before,
/// the server may still be writing, for seconds on a busy machine.
fn until_the_stream_stalls(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let waiting = || {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int, the bytes readable on the socket.
        let ok = unsafe { libc::ioctl(stream.as_raw_fd(), libc::FIONREAD, &mut n) } == 0;
        assert!(ok, "FIONREAD: {}", std::io::Error::last_os_error());
        n
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut last, mut since) = (waiting(), Instant::now());
    while since.elapsed() < Duration::from_millis(500) {
        assert!(Instant::now() < deadline, "the reply never stalled");
        std::thread::sleep(Duration::from_millis(50));
        let now = waiting();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
}

/// Waits (up to 10 s) until the sample `name` of `/metrics` satisfies `wanted`.
fn until_the_metric_is(server: &Server, name: &str, wanted: impl Fn(f64) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = server.metric(name);
        if wanted(value) {
            return;
        }
        assert!(Instant::now() < deadline, "{name} stayed at {value}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A server on a database of `n` synthetic tickets, with `env`.
fn synthetic_server_with_env(n: u64, env: &[(&str, &str)]) -> Server {
    let (dir, db) = synthetic_db(n);
    Server::start_with_env(&db, Some(dir), env)
}

fn big_list() -> XmlRpcCall {
    XmlRpcCall::new("SoftLayer_Account", "getTickets")
        .auth(&DEMO)
        .mask("mask[updates[entry,createDate],status,priority]")
}

/// Concurrent streams are capped (1 here): a list call past the cap waits for a slot
/// without taking a thread, and gets it once the stalled stream ahead of it is ended
/// (stall timeout 2 s); meanwhile a well-behaved writer is answered at once.
#[test]
fn streams_past_the_cap_wait_for_a_slot_and_writes_go_on() {
    let server = synthetic_server_with_env(
        20_000,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "2"),
            ("SOFTLAYER_EMULATOR_MAX_STREAMS", "1"),
        ],
    );
    let stalled = stall_on(&server, &big_list());
    // The stalled list holds the slot once its reply begins, and it is ended one stall
    // timeout after it stalls, or a quarter more: within the 3.5 s a list waits for a slot.
    until_the_reply_begins(&stalled);
    // Held for at least one stall timeout after the socket fills.
    assert_eq!(server.metric("softlayer_emulator_streams_in_flight"), 1.0);
    until_the_stream_stalls(&stalled);
    let started = Instant::now();
    let waiting = {
        let addr = server.addr();
        std::thread::spawn(move || {
            let call = XmlRpcCall::new("SoftLayer_Account", "getTickets")
                .auth(&DEMO)
                .mask("mask[id]");
            post_xmlrpc(addr, &call, HTTP_TIMEOUT)
        })
    };
    for i in 0..5 {
        let t = Instant::now();
        let r = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                .auth(&DEMO)
                .id(TICKET)
                .arg(xstruct(&[("entry", xstr(&format!("while stalled {i}")))])),
        );
        r.ok();
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "a write waited {:?}",
            t.elapsed()
        );
    }
    let r = waiting
        .join()
        .unwrap()
        .expect("the waiting list is answered");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert!(r.text().trim_end().ends_with("</params>"), "complete");
    assert!(started.elapsed() < Duration::from_secs(15));
    drop(stalled);
    // The slot is given back as the stream's thread ends, just after its last bytes.
    until_the_metric_is(&server, "softlayer_emulator_streams_in_flight", |v| {
        v == 0.0
    });
    assert_eq!(
        server.metric("softlayer_emulator_request_body_bytes_in_flight"),
        0.0
    );
}

/// A short list needs no stream slot: it goes whole with its length, and holds no
/// thread while its client reads. With the one slot held by a client that never reads
/// its long list (stall timeout 6 s), a page of five is answered at once on XML-RPC and
/// REST; a list longer than one chunk still waits for the slot. Before, every list
/// waited, so 32 such clients held up every `slcli ticket list` for 30 s.
#[test]
fn a_short_list_needs_no_stream_slot() {
    let server = synthetic_server_with_env(
        20_000,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "6"),
            ("SOFTLAYER_EMULATOR_MAX_STREAMS", "1"),
        ],
    );
    let stalled = stall_on(&server, &big_list());
    // The stalled list holds the slot once its reply begins.
    until_the_reply_begins(&stalled);
    let started = Instant::now();
    let page = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .mask("mask[id,title]")
            .limit(5, 0),
    );
    assert_eq!(page.ok().array().len(), 5, "{}", page.exchange());
    let auth = basic_auth(&DEMO);
    let rest = http_request(
        server.addr(),
        "GET",
        "/rest/v3.1/SoftLayer_Account/getTickets.json?resultLimit=0,5",
        &[("Authorization", &auth)],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(rest.status, 200, "{}", rest.describe());
    let items: serde_json::Value = serde_json::from_slice(&rest.body).unwrap();
    assert_eq!(
        items.as_array().map(Vec::len),
        Some(5),
        "{}",
        rest.describe()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the short pages waited {:?}",
        started.elapsed()
    );
    // A long list waits for the slot, which frees when the stalled stream is ended, one
    // stall timeout after it stalls, or a quarter more (within the 8.5 s a list waits for
    // a slot: the 7 s it waited before were too few for a stream cut 7.5 s after it
    // stalled, which failed on a loaded machine).
    until_the_stream_stalls(&stalled);
    let long = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO)
            .mask("mask[id]"),
    );
    assert!(long.ok().array().len() > 5_000, "the whole list");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(stalled);
}

/// With no stream slot at all, a list call gets 503 with Retry-After in its transport's
/// format at once: no slot can free. It waited for one first (1.25 stall timeouts + 1 s,
/// 38.5 s a try by default) and was told none "finished" in that time. Calls that do
/// not stream are unaffected.
#[test]
fn a_list_that_finds_no_stream_slot_gets_503_with_retry_after() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "4"),
            ("SOFTLAYER_EMULATOR_MAX_STREAMS", "0"),
        ],
    );
    let call = XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO);
    let started = Instant::now();
    let r = server.post(
        &call.path(),
        &[("Content-Type", "text/xml")],
        call.body().as_bytes(),
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(r.status, 503, "{}", r.describe());
    assert!(r.header("Retry-After").is_some(), "{}", r.describe());
    assert!(
        r.text().contains("<fault>")
            && r.text()
                .contains("The server streams no lists (--max-streams 0)"),
        "{}",
        r.describe()
    );
    get_ticket(&server, "mask[id]").ok();
}

/// Checkpoints `db`'s write-ahead log from outside the server without waiting for
/// anyone: `(frames in the log, frames copied into the database)`.
fn passive_checkpoint(db: &str) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
    .unwrap()
}

/// A stalled reader no longer pins the write-ahead log: while its stream is stalled its
/// read snapshot keeps a checkpoint from copying the writes made since, and once the
/// stream is ended (stall timeout 3 s here) the whole log checkpoints, so 1,000 writes
/// later the log is still within the issue's 32 MB. Before, one stalled reader let the
/// log grow from 4.5 MB to 87 MB over 3,000 writes (issue 10).
#[test]
fn a_stalled_reader_and_many_writes_leave_the_wal_bounded() {
    let (dir, db) = synthetic_db(20_000);
    let server = Server::start_with_env(
        &db,
        Some(dir),
        &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "3")],
    );
    let stalled = stall_on(&server, &big_list());
    // The reply has begun, so its read snapshot is taken before the writes.
    until_the_reply_begins(&stalled);
    add_updates(&server, 20);
    let (log, copied) = passive_checkpoint(&db);
    // The control: the stalled snapshot holds the checkpoint back.
    assert!(
        !server.log().contains("stopped mid-reply"),
        "the stream ended before the control ran"
    );
    assert!(
        copied < log,
        "a stalled snapshot pins the log ({copied} of {log} frames copied)"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log().contains("stopped mid-reply") {
        assert!(
            Instant::now() < deadline,
            "the stalled stream was not ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The client still holds its connection and never reads; its snapshot is gone.
    let (log, copied) = passive_checkpoint(&db);
    assert_eq!(
        copied, log,
        "the whole log checkpoints once the stream is ended"
    );
    add_updates(&server, 1000);
    let size = std::fs::metadata(format!("{db}-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(
        size < 32 * 1024 * 1024,
        "the write-ahead log grew to {size} bytes"
    );
    drop(stalled);
}

/// While a stalled reader holds the write-ahead log, the log grows past the length at
/// which the writer copies it after each commit (20 MiB); those copies stop at the
/// reader's frames, and writes go on at their pace. Before, each commit tried again for
/// half a second, so every write took 500 ms until the stream was cut (30 s by default).
/// Once the stream is cut the log starts again and its file is cut back to 32 MiB.
#[test]
fn a_stalled_reader_does_not_slow_writes_when_the_log_is_long() {
    let (dir, db) = synthetic_db(20_000);
    let server = Server::start_with_env(
        &db,
        Some(dir),
        &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "20")],
    );
    let stalled = stall_on(&server, &big_list());
    until_the_reply_begins(&stalled);
    let wal = format!("{db}-wal");
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    // 100,000 characters make 26 updates of one call: the log passes 20 MiB fast.
    let long_entry = "0123456789".repeat(10_000);
    let write = |i: usize| {
        let started = Instant::now();
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                    .auth(&DEMO)
                    .id(TICKET)
                    .arg(xstruct(&[("entry", xstr(&format!("{i} {long_entry}")))])),
            )
            .ok();
        started.elapsed()
    };
    let mut i = 0;
    while wal_size() < 24 << 20 {
        assert!(i < 2_000, "the log stayed at {} bytes", wal_size());
        write(i);
        i += 1;
    }
    let slow: Vec<Duration> = (0..20)
        .map(|k| write(i + k))
        .filter(|t| *t >= Duration::from_millis(400))
        .collect();
    // The control: the reader still held the log all along.
    assert!(
        !server.log().contains("stopped mid-reply"),
        "the stream ended before the writes were timed"
    );
    assert!(
        slow.len() <= 2,
        "{} of 20 writes took 400 ms or more: {slow:?}",
        slow.len()
    );
    let deadline = Instant::now() + Duration::from_secs(40);
    while !server.log().contains("stopped mid-reply") {
        assert!(
            Instant::now() < deadline,
            "the stalled stream was not ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    add_updates(&server, 200);
    assert!(
        wal_size() <= 32 << 20,
        "the log's file kept {} bytes after the log started again",
        wal_size()
    );
    drop(stalled);
}

/// resultLimit over SOAP follows the same rules as XML-RPC and REST (the header of
/// SLDN's result-limit article, including its bare-text limit).
#[test]
fn soap_result_limit_is_validated_like_the_other_transports() {
    let server = Server::start();
    let soap = |limit: &str| {
        server.post(
            "/soap/v3.1/SoftLayer_Account",
            &[("Content-Type", "text/xml")],
            soap_envelope(
                "getTickets",
                &format!(
                    "<ns1:resultLimit><limit>{limit}</limit><offset>0</offset></ns1:resultLimit>"
                ),
            )
            .as_bytes(),
        )
    };
    let items = |r: &HttpResponse| r.text().matches("<item ").count();
    let all = soap("0");
    assert_eq!(all.status, 200, "{}", all.describe());
    assert!(items(&all) >= 3, "limit 0 is no limit: {}", all.describe());
    assert_eq!(items(&soap("2")), 2);
    for bad in ["-5", "abc"] {
        let r = soap(bad);
        assert!(r.text().contains("Fault>"), "{}", r.describe());
        assert!(
            r.text().contains("resultLimit") && r.text().contains("SoftLayer_Exception_Public"),
            "{}",
            r.describe()
        );
    }
}

/// Steady writes from 16 clients at once keep the write-ahead log within issue 10's
/// 32 MB: the checkpoint thread copies it as it grows, and past 8 MiB it has the next
/// write wait a moment so the log can start again from its beginning
/// (store/checkpointer.rs, `make_way`); the writer's own checkpoint at 16 MiB is the
/// backstop. Peaks measured: 11.4 MB alone (17.3 MB without the arrangement), 23.6 MB
/// while the rest of the suite ran beside it on 2 cores.
#[test]
fn steady_concurrent_writes_keep_the_wal_short() {
    let (dir, db) = synthetic_db(20_000);
    let server = Server::start_with_env(&db, Some(dir), &[]);
    let auth = basic_auth(&DEMO);
    let open = http_request(
        server.addr(),
        "GET",
        "/rest/v3.1/SoftLayer_Account/getOpenTickets.json?objectMask=mask[id]&resultLimit=0,500",
        &[("Authorization", auth.as_str())],
        b"",
        HTTP_TIMEOUT,
    )
    .expect("open tickets");
    let open: Vec<i64> = serde_json::from_str::<serde_json::Value>(&open.text())
        .expect("JSON")
        .as_array()
        .expect("a list of tickets")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(open.len() >= 100, "{} open tickets", open.len());
    let largest = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (db, largest, done) = (db.clone(), largest.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let size = std::fs::metadata(format!("{db}-wal")).map_or(0, |m| m.len());
                largest.fetch_max(size, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    // A neighbour writing and syncing on the same disk, as other tests and builds do on
    // a shared CI machine: the checkpoint thread's fsyncs then outlast its hold on the
    // writes, and there the log reached 41 MB before the writer had a backstop that
    // copies the whole log.
    let neighbour = {
        let (path, done) = (format!("{db}.neighbour"), done.clone());
        std::thread::spawn(move || {
            let block = vec![1u8; 1 << 20];
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let mut file = std::fs::File::create(&path).expect("neighbour's file");
                for _ in 0..32 {
                    file.write_all(&block).expect("neighbour's write");
                }
                file.sync_all().expect("neighbour's fsync");
            }
            let _ = std::fs::remove_file(&path);
        })
    };
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..16 {
            let (server, open) = (&server, &open);
            s.spawn(move || {
                let mut i = 0;
                while started.elapsed() < Duration::from_secs(6) {
                    server
                        .xmlrpc(
                            &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                                .auth(&DEMO)
                                .id(open[(t * 97 + i) % open.len()])
                                .arg(xstruct(&[("entry", xstr(&format!("steady {t} {i}")))])),
                        )
                        .ok();
                    i += 1;
                }
            });
        }
    });
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watcher.join().unwrap();
    neighbour.join().unwrap();
    let largest = largest.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        largest < 32 * 1024 * 1024,
        "the write-ahead log reached {largest} bytes"
    );
}

/// A body of many tiny values (`1,1,1,…`, `<value/>`s) cost the parsers 50-100 bytes of
/// memory each: 16 MiB of them took 200-800 MB. Every transport refuses more than
/// 250,000 values, as SOAP already did, in its own format, before building them.
#[test]
fn bodies_of_too_many_values_are_refused_on_every_transport() {
    let server = Server::start();
    let n = 300_000;
    let auth = basic_auth(&DEMO);
    let json = format!("{{\"parameters\":[\"a\",[{}1]]}}", "1,".repeat(n));
    let r = server.post(
        "/rest/v3.1/SoftLayer_Ticket/160000001/setTags.json",
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        json.as_bytes(),
    );
    assert!(r.status >= 400, "{}", r.describe());
    assert!(
        r.text().contains("more than 250000 values"),
        "{}",
        r.describe()
    );

    let values = "<value><int>1</int></value>".repeat(n);
    let xml = format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>getObject</methodName><params>\
         <param><value><array><data>{values}</data></array></value></param></params></methodCall>"
    );
    let r = server.post(
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "text/xml"),
        ],
        xml.as_bytes(),
    );
    // XML-RPC's own parse fault (its faultString is the specification's, without the
    // reason); read, the call would have been refused for its missing init parameter.
    assert!(
        r.text().contains("<fault>") && r.text().contains("-32700"),
        "{}",
        &r.text()[..r.text().len().min(2000)]
    );
    // Just under the line is read (and answered with the method's own fault).
    let json = format!("{{\"parameters\":[[{}1]]}}", "1,".repeat(200_000));
    let r = server.post(
        "/rest/v3.1/SoftLayer_Ticket/160000001/getObject.json",
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        json.as_bytes(),
    );
    assert!(
        !r.text().contains("more than 250000 values"),
        "{}",
        r.describe()
    );
}

/// SOAP's `href`s let one element stand for many: a 10 KB string referenced 30 times over
/// three levels is 27,000 copies, 270 MB of text from a 12 KB request without credentials,
/// which took the server to 565 MB (the value cap counted values, not bytes). What copies
/// add is charged by its bytes and refused past 16 MiB with a `Client` fault, before the
/// copies are made; a body whose elements are each referenced once is read whole.
#[test]
fn soap_href_copies_are_bounded_in_bytes() {
    let server = Server::start();
    let mut refs = format!(
        "<multiRef id=\"l0\" xsi:type=\"xsd:string\">{}</multiRef>",
        "z".repeat(10_000)
    );
    for level in 1..=3 {
        let items = format!("<item href=\"#l{}\"/>", level - 1).repeat(30);
        refs.push_str(&format!(
            "<multiRef id=\"l{level}\" xsi:type=\"SOAP-ENC:Array\">{items}</multiRef>"
        ));
    }
    let envelope = format!(
        "<?xml version=\"1.0\"?><SOAP-ENV:Envelope \
         xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\" \
         xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\"><SOAP-ENV:Body>\
         <ns1:addAttachedAdditionalEmails><emails href=\"#l3\"/></ns1:addAttachedAdditionalEmails>\
         {refs}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    );
    assert!(envelope.len() < 13_000);
    let r = server.post(
        "/soap/v3.1/SoftLayer_Ticket",
        &[("Content-Type", "text/xml")],
        envelope.as_bytes(),
    );
    assert_eq!(r.status, 500, "{}", r.describe());
    assert!(
        r.text().contains("<faultcode>SOAP-ENV:Client</faultcode>")
            && r.text().contains("copy more than 16777216 bytes"),
        "{}",
        r.describe()
    );
    let peak = server.peak_rss_bytes();
    assert!(
        peak < 150 * 1024 * 1024,
        "the server reached {} MB",
        peak / 1_000_000
    );
}

/// Connections past `--max-connections` get a 503 with `Retry-After` and are closed, so
/// idle connections cannot use up the process's descriptors (20,000 idle ones left
/// `accept` failing and `/health` unreachable); the server answers again as they leave.
#[test]
fn connections_past_the_cap_get_a_503_and_places_come_back() {
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_MAX_CONNECTIONS", "8")],
    );
    // A connection the server refused has its 503 waiting, or is closed; one holding a
    // place has nothing to read.
    let holds_a_place = |stream: &TcpStream| {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let waiting =
            matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        stream.set_nonblocking(false).unwrap();
        waiting
    };
    let mut idle: Vec<TcpStream> = Vec::new();
    // The accept loop takes connections in order, so a refused `/health` means every idle
    // one before it was taken. One may still have been refused: a connection of the
    // harness's start-up check can hold its place a moment after it is answered (under
    // load in CI it did, and the POST below then found that place). Such a one is
    // replaced until eight idle connections hold all eight places.
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        idle.retain(&holds_a_place);
        while idle.len() < 8 {
            idle.push(TcpStream::connect(server.addr()).unwrap());
        }
        let resp = http_request(server.addr(), "GET", "/health", &[], b"", HTTP_TIMEOUT).unwrap();
        if (resp.status == 503 && idle.iter().all(&holds_a_place)) || Instant::now() > deadline {
            break resp;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(refused.status, 503, "{}", refused.describe());
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert!(
        refused.text().contains("--max-connections"),
        "{}",
        refused.describe()
    );
    // A request with a body, refused before it is read, still gets the answer.
    let resp = http_request(
        server.addr(),
        "POST",
        "/xmlrpc/v3.1/SoftLayer_Ticket",
        &[],
        &vec![b'x'; 100_000],
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(resp.status, 503, "{}", resp.describe());

    idle.truncate(7);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = http_request(server.addr(), "GET", "/health", &[], b"", HTTP_TIMEOUT).unwrap();
        if resp.status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no place came back: {}",
            resp.describe()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(idle);
}

/// Big whole replies their clients have not read hold at most 96 MiB of memory
/// together: past it a big reply is answered busy (503 with `Retry-After`, in the
/// transport's format), and the room comes back as the clients go. Sixty clients that
/// asked for a 10 MiB attachment and read nothing held 15 MB of memory each, 1 GB
/// together, until the stall timeout closed them (the forty-eighth session's sweep).
#[test]
fn big_replies_their_clients_do_not_read_hold_a_bounded_share_of_memory() {
    use base64::Engine as _;
    use std::io::Read;
    let server = Server::start();
    let content: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let data = base64::engine::general_purpose::STANDARD.encode(&content);
    let data_len = data.len();
    let file = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "addAttachedFile")
            .auth(&DEMO)
            .id(TICKET)
            .arg(xstruct(&[
                ("filename", xstr("big.log")),
                ("data", XVal::Base64(data)),
            ])),
    );
    let file_id = file.ok().member("id").int();
    let call = XmlRpcCall::new("SoftLayer_Ticket", "getAttachedFile")
        .auth(&DEMO)
        .id(TICKET)
        .arg(xint(file_id));
    // Each reply is 14 MB, of which the kernel's buffers take some off the server's
    // hands: 96 MiB holds seven to eleven of them.
    let mut held = Vec::new();
    let mut statuses = Vec::new();
    for _ in 0..24 {
        let stream = stall_on(&server, &call);
        // A small receive buffer, so that the kernel takes little of a reply off the
        // server's hands whatever its tuning.
        receive_buffer(&stream, 4096);
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut status_line = [0u8; 12];
        (&stream).read_exact(&mut status_line).unwrap();
        statuses.push(String::from_utf8_lossy(&status_line[9..12]).into_owned());
        held.push(stream);
    }
    let sent = statuses.iter().filter(|s| *s == "200").count();
    let busy = statuses.iter().filter(|s| *s == "503").count();
    assert!((1..24).contains(&sent) && sent + busy == 24, "{statuses:?}");
    // A refused one is the transport's busy fault.
    let refused = statuses.iter().position(|s| s == "503").unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("</methodResponse>") {
        let n = (&held[refused]).read(&mut chunk).expect("the busy answer");
        assert!(n > 0, "{}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&chunk[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.contains("Retry-After: 1") || answer.contains("retry-after: 1"),
        "{answer}"
    );
    assert!(
        answer.contains("SoftLayer_Exception_Public")
            && answer.contains("have not read yet as it allows (96 MiB together)"),
        "{answer}"
    );
    // Gone, their clients give the room back.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = server.xmlrpc(&call);
        if reply.outcome.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "{}", reply.exchange());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Clients that read are never refused for the others' sake: a reply's share goes
    // back as the connection takes it, so ten downloads at once, 140 MB together, all
    // go through (their shares went back only with the whole body, and two of twelve
    // were refused).
    let downloads: Vec<usize> = std::thread::scope(|scope| {
        let readers: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| server.xmlrpc(&call)))
            .collect();
        readers
            .into_iter()
            .map(|r| match r.join().unwrap().outcome {
                Ok(XVal::Base64(text)) => text.len(),
                other => panic!("{other:?}"),
            })
            .collect()
    });
    assert_eq!(downloads, vec![data_len; 10]);
}

/// Sets `stream`'s receive buffer to `bytes` (the kernel doubles it for its own use).
fn receive_buffer(stream: &TcpStream, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: SO_RCVBUF reads one int through the pointer.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// A client that reads a big reply slowly but steadily gets all of it: the stall timeout
/// cuts only a connection that makes no progress. Linux wakes a writer on a full send
/// buffer only once a third of it (up to 4 MB) has drained, so the write stayed pending
/// past the stall timeout while the client read, and a 12 MB download read at 40 KB/s
/// was cut at 4 MB (the forty-ninth session's sweep).
#[test]
fn a_client_that_reads_slowly_but_steadily_gets_the_whole_reply() {
    use base64::Engine as _;
    use std::io::Read;
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1")],
    );
    let content: Vec<u8> = (0..(7 * 1024 * 1024 / 2) as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let data = base64::engine::general_purpose::STANDARD.encode(&content);
    let file = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "addAttachedFile")
            .auth(&DEMO)
            .id(TICKET)
            .arg(xstruct(&[
                ("filename", xstr("slow.log")),
                ("data", XVal::Base64(data.clone())),
            ])),
    );
    let file_id = file.ok().member("id").int();
    let call = XmlRpcCall::new("SoftLayer_Ticket", "getAttachedFile")
        .auth(&DEMO)
        .id(TICKET)
        .arg(xint(file_id));
    let stream = stall_on(&server, &call);
    // A small receive buffer, so that the client's kernel holds little of the reply and
    // the server's send buffer fills (at 4 KiB, delayed acknowledgements held a reader
    // to 40 KB/s).
    receive_buffer(&stream, 65536);
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reply = Vec::new();
    let mut chunk = [0u8; 65536];
    let started = Instant::now();
    let mut length = None;
    let mut body_at = 0;
    loop {
        let n = (&stream).read(&mut chunk).expect("the reply goes on");
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..n]);
        if length.is_none()
            && let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&reply[..end]).to_lowercase();
            let value = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .expect("a whole reply has a length");
            length = Some(value.trim().parse::<usize>().unwrap());
            body_at = end + 4;
        }
        if length.is_some_and(|l| reply.len() - body_at >= l) {
            break;
        }
        // About 600 KB/s: the server's writes stay pending for seconds at a time.
        while reply.len() as f64 > started.elapsed().as_secs_f64() * 600_000.0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let length = length.expect("a reply head");
    assert_eq!(
        reply.len() - body_at,
        length,
        "the reply was cut after {} of its {length} bytes",
        reply.len() - body_at
    );
    assert!(
        String::from_utf8_lossy(&reply[body_at..]).contains(&data[data.len() - 64..]),
        "the reply ends with the file's last bytes"
    );
}

/// So is a large journal page, which is written piece by piece as its client reads it:
/// its pieces waited the stall timeout for the client on their own, and a steady reader
/// of 40 KB/s had the page cut at 4.6 MB of 7.6 MB (the fifty-sixth session's sweep).
/// A reader that stops is still cut, by the connection's guard, so that its page and
/// task are freed.
#[test]
fn a_journal_page_read_slowly_but_steadily_arrives_whole() {
    use std::io::Read;
    let server = Server::start_with_env(
        ":memory:",
        None,
        &[
            ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", "1"),
            ("SOFTLAYER_EMULATOR_NO_REPLY_CACHE", "true"),
        ],
    );
    let token = admin_token(&server);
    for i in 0..15 {
        let entry = format!("{i} {}", "steady reader ".repeat(270));
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                    .auth(&DEMO)
                    .id(TICKET)
                    .arg(xstruct(&[("entry", xstr(&entry))])),
            )
            .ok();
    }
    // About 57 KB of reply kept per read: a page of some 8 MB.
    let reads = 150;
    for _ in 0..reads {
        server
            .xmlrpc(
                &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
                    .auth(&DEMO)
                    .id(TICKET)
                    .mask("mask[id,updates[id,entry]]"),
            )
            .ok();
    }
    let reader = || {
        let stream = TcpStream::connect(server.addr()).unwrap();
        receive_buffer(&stream, 65536);
        write!(
            &stream,
            "GET /_emulator/journal?limit=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
    };
    let stopped = reader();
    let stream = reader();
    let mut reply = Vec::new();
    let mut piece = [0u8; 65536];
    let started = Instant::now();
    loop {
        let n = (&stream).read(&mut piece).expect("the reply goes on");
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&piece[..n]);
        // About 600 KB/s, as above: the server's writes stay pending for seconds.
        while reply.len() as f64 > started.elapsed().as_secs_f64() * 600_000.0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let body = chunked_body(&reply).unwrap_or_else(|n| panic!("the reply was cut after {n} bytes"));
    assert!(body.len() > 6_000_000, "a page of {} bytes", body.len());
    let page: serde_json::Value = serde_json::from_slice(&body).expect("the page is JSON");
    assert_eq!(page["calls"].as_array().unwrap().len(), 15 + reads);
    // The reader that read nothing for many stall timeouts, read now at once: cut.
    let mut rest = Vec::new();
    let _ = (&stopped).read_to_end(&mut rest);
    assert!(
        chunked_body(&rest).is_err(),
        "a reader that stopped got the whole page"
    );
}

/// The body of a chunked HTTP reply (`reply` whole, head included), or, for a reply cut
/// before its last, empty chunk, how many bytes of body came.
fn chunked_body(reply: &[u8]) -> Result<Vec<u8>, usize> {
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&reply[..end]).to_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let mut rest = &reply[end + 4..];
    let mut body = Vec::new();
    loop {
        let Some(line) = rest.windows(2).position(|w| w == b"\r\n") else {
            return Err(body.len());
        };
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line]).unwrap().trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            return Ok(body);
        }
        let after = line + 2 + size;
        if rest.len() < after + 2 {
            return Err(body.len() + rest.len());
        }
        body.extend_from_slice(&rest[line + 2..after]);
        rest = &rest[after + 2..];
    }
}

/// A HEAD on a streamed list is answered whole by its head (hyper sends no body): it
/// was journaled and counted as a client that hung up mid-reply ("client closed"), with
/// a warning in the log, so dashboards counted proxies' HEAD checks as failures.
#[test]
fn a_head_on_a_streamed_list_is_a_whole_answer() {
    use std::io::Read;
    let server = synthetic_server_with_env(3_000, &[]);
    let stream = TcpStream::connect(server.addr()).unwrap();
    write!(
        &stream,
        "HEAD /rest/v3.1/SoftLayer_Account/getTickets.json?objectMask=mask[id,title,createDate] HTTP/1.1\r\n\
         Host: x\r\nAuthorization: {}\r\nConnection: close\r\n\r\n",
        basic_auth(&DEMO)
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut answer = String::new();
    (&stream).read_to_string(&mut answer).unwrap();
    // (As HTTP/1.0: a list streamed on `Connection: close` ends with the connection.)
    assert!(
        answer.lines().next().unwrap().ends_with(" 200 OK"),
        "{answer}"
    );
    assert!(answer.contains("3003"), "{answer}");
    // The call ends on its thread once it finds the body gone, maybe after the head
    // reached the client.
    let deadline = Instant::now() + Duration::from_secs(20);
    let metrics = loop {
        let metrics = server.get("/metrics").text();
        if metrics.contains(r#"method="getTickets",outcome="#) || Instant::now() > deadline {
            break metrics;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        metrics.contains(r#"method="getTickets",outcome="ok""#)
            && !metrics.contains("client closed"),
        "{metrics}"
    );
    assert!(
        !server.log().contains("stopped mid-reply"),
        "{}",
        server.log()
    );
}

/// An HTTP/1.0 client that asks to keep its connection is told `Connection: close` by a
/// streamed list (its end is the connection's: an HTTP/1.0 answer cannot be chunked);
/// it was told `keep-alive`, the connection closed anyway, and the request it had
/// pipelined behind went unanswered. A whole answer keeps the connection as asked.
#[test]
fn an_http_1_0_client_is_told_when_a_streamed_list_closes_its_connection() {
    use std::io::Read;
    let server = synthetic_server_with_env(3_000, &[]);
    let auth = basic_auth(&DEMO);
    let exchange = |first: &str| {
        let stream = send_raw(
            &server,
            format!(
                "GET {first} HTTP/1.0\r\nConnection: keep-alive\r\nAuthorization: {auth}\r\n\r\n\
                 GET /health HTTP/1.0\r\n\r\n"
            )
            .as_bytes(),
        );
        let mut text = Vec::new();
        (&stream).read_to_end(&mut text).unwrap();
        String::from_utf8_lossy(&text).into_owned()
    };
    let text = exchange("/rest/v3.1/SoftLayer_Account/getTickets.json");
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("connection: close") && !head.contains("keep-alive"),
        "{head}"
    );
    let tickets: serde_json::Value = serde_json::from_str(body).expect("the whole list");
    assert_eq!(tickets.as_array().unwrap().len(), 3_003);
    // A whole answer: its length is known, and the next request is answered.
    let text = exchange("/rest/v3.1/SoftLayer_Ticket/160000001/getObject.json");
    assert_eq!(text.matches("HTTP/1.0 200").count(), 2, "{text}");
}

/// Heavy replies wait for their turn holding nothing: 200 callers at once of a reply of
/// about 1 MB (an account's open tickets with their updates, heavy by its estimate) each
/// kept the part built so far and a reader connection while it waited, and the server
/// kept a reader for every one afterwards: 960 MB at the peak, 957 MB and 180 connections
/// to the database at rest. Every caller still gets the whole reply.
#[test]
fn heavy_replies_wait_for_their_turn_holding_nothing() {
    let (dir, db) = synthetic_db(30_000);
    // One heavy reply at a time on 2 cores, at the lowest priority: on a busy machine the
    // 200th waited past the default 30 s for its turn and got 503 (the wait is the stall
    // timeout). What is checked here is what waiting holds, not how long it takes.
    let server = Server::start_with_args(
        &db,
        Some(dir),
        &["--no-reply-cache", "--stall-timeout-secs", "600"],
    );
    let path = "/rest/v3.1/SoftLayer_Account/getObject.json?objectMask=\
                mask%5BopenTickets%5Bid,title,updates%5Bentry,createDate,editorType%5D%5D%5D";
    let get = || {
        http_request(
            server.addr(),
            "GET",
            path,
            &[("Authorization", &basic_auth(&DEMO))],
            b"",
            Duration::from_secs(600),
        )
        .expect("REST request")
    };
    let alone = get();
    assert_eq!(alone.status, 200, "{}", alone.describe());
    assert!(alone.body.len() > 500_000, "{} bytes", alone.body.len());
    let database_connections = || {
        std::fs::read_dir(format!("/proc/{}/fd", server.pid()))
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.to_str() == Some(db.as_str()))
            .count()
    };
    let bodies: Vec<HttpResponse> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..200).map(|_| s.spawn(get)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for resp in &bodies {
        assert_eq!(resp.status, 200, "{}", resp.describe());
        assert!(
            resp.body == alone.body,
            "a reply differs from the one alone"
        );
    }
    // 305 MB here (mostly replies being sent, and the database file's mapped pages).
    let peak = server.peak_rss_bytes();
    assert!(peak < 600 << 20, "the server reached {} MB", peak >> 20);
    // Readers kept between reads: 16 a pool, two pools, and the writer's (17-37 seen).
    // SQLite may keep a closed connection's descriptor while another holds a lock on
    // the file, so the bound is looser than that; without the cap, one per caller.
    let open = database_connections();
    assert!(open <= 100, "{open} descriptors of the database at rest");
}

/// A client that waits for `100 Continue` before it sends a body (curl past 1 MiB, .NET's
/// HttpWebRequest) and sends HTTP Basic credentials that are wrong is told so at once,
/// instead of being told to go on and then answered 401 after uploading the whole body
/// (RFC 9110 §10.1.1). Right credentials are still told to go on.
#[test]
fn wrong_basic_credentials_are_refused_before_a_waited_for_body() {
    use std::io::BufRead;
    let server = Server::start();
    let body = br#"{"parameters": [{"entry": "sent after 100 Continue"}]}"#;
    let head = |key: &str| {
        format!(
            "POST /rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json HTTP/1.1\r\nHost: x\r\n\
             Authorization: {}\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            common::basic_auth(DEMO.username, key),
            body.len()
        )
    };
    let first_line = |stream: &TcpStream| {
        let mut line = String::new();
        std::io::BufReader::new(stream)
            .read_line(&mut line)
            .unwrap();
        line
    };
    let refused = send_raw(&server, head("wrong").as_bytes());
    assert!(
        first_line(&refused).starts_with("HTTP/1.1 401"),
        "told to go on with wrong credentials"
    );
    let told = send_raw(&server, head(DEMO.api_key).as_bytes());
    assert!(first_line(&told).starts_with("HTTP/1.1 100"));
    (&told).write_all(body).unwrap();
    let r = read_response(&told, "POST").unwrap();
    assert_eq!(r.status, 200, "{}", r.describe());
    // A fault rule meets refused callers first, by the call the body names: while one is
    // set, the body is asked for and the rule answers.
    add_fault_rule(&server, r#"{"transport": "rest", "http": {"status": 503}}"#);
    let ruled = send_raw(&server, head("wrong").as_bytes());
    assert!(first_line(&ruled).starts_with("HTTP/1.1 100"));
    (&ruled).write_all(body).unwrap();
    let r = read_response(&ruled, "POST").unwrap();
    assert_eq!(r.status, 503, "{}", r.describe());
}
