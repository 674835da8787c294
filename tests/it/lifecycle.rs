//! The ticket lifecycle of the issue's "Done means", end to end: a customer opens a
//! ticket with a file, the support side assigns and answers, the customer replies,
//! support closes, the customer adds final comments and sees the ticket in the closed
//! getters; the closed ticket refuses updates with the documented fault.
//!
//! The customer is `demo` speaking raw XML-RPC; the support side is the `/_emulator/`
//! control API with the admin token the server prints at start.

use crate::common;

use base64::Engine as _;
use common::*;

const TICKET: &str = "SoftLayer_Ticket";
const STATUS_CLOSED: i64 = 1002;
const STATUS_ASSIGNED: i64 = 1004;

/// The demo user's `addUpdate` of `entry` on ticket 160000001.
fn add_update(server: &Server, entry: &str) -> XmlRpcReply {
    server.xmlrpc(
        &call("addUpdate")
            .auth(&DEMO)
            .id(160000001)
            .arg(xstruct(&[("entry", xstr(entry))])),
    )
}

fn call(method: &str) -> XmlRpcCall {
    XmlRpcCall::new(TICKET, method).auth(&DEMO)
}

/// `(entry, editorType, editor username)` of each update, oldest first.
fn conversation(server: &Server, ticket: i64) -> Vec<(String, String, String)> {
    let reply = server.xmlrpc(
        &call("getObject")
            .id(ticket)
            .mask("mask[id,updates[id,entry,editorType,editor[username,displayName]]]"),
    );
    let mut updates: Vec<(i64, (String, String, String))> = reply
        .ok()
        .member("updates")
        .array()
        .iter()
        .map(|u| {
            (
                u.member("id").int(),
                (
                    u.member("entry").str().to_string(),
                    u.member("editorType").str().to_string(),
                    editor_name(u.member("editor")),
                ),
            )
        })
        .collect();
    updates.sort_by_key(|(id, _)| *id);
    updates.into_iter().map(|(_, u)| u).collect()
}

#[test]
fn a_ticket_from_opening_to_final_comments() {
    let server = Server::start();
    let token = admin_token(&server);
    let log_file: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    let log_b64 = base64::engine::general_purpose::STANDARD.encode(&log_file);

    // 1. The customer opens a ticket with a file.
    let reply = server.xmlrpc(
        &call("createStandardTicket")
            .arg(xstruct(&[
                ("subjectId", xint(1005)),
                ("assignedUserId", xint(DEMO.id)),
            ]))
            .arg(xstr("db01 keeps rebooting; kernel log attached."))
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(xarray(&[xstruct(&[
                ("filename", xstr("kern.log")),
                ("data", XVal::Base64(log_b64.clone())),
            ])])),
    );
    let ticket = reply.ok().member("id").int();
    assert_eq!(reply.ok().member("title").str(), "Hardware Issue");
    let reply = server.xmlrpc(&call("getAttachedFiles").id(ticket));
    let files = reply.ok().array();
    assert_eq!(files.len(), 1, "{}", reply.exchange());
    assert_eq!(files[0].member("fileName").str(), "kern.log");
    assert_eq!(files[0].member("fileSize").str(), "4096");
    let first_update = server
        .xmlrpc(&call("getFirstUpdate").id(ticket))
        .ok()
        .member("id")
        .int();
    assert_eq!(files[0].member("updateId").int(), first_update);
    let file_id = files[0].member("id").int();
    let reply = server.xmlrpc(&call("getAttachedFile").id(ticket).arg(xint(file_id)));
    assert_eq!(
        reply.ok(),
        &XVal::Base64(log_b64),
        "the file comes back as sent"
    );
    assert!(account_ids(&server, &DEMO, "getOpenTickets").contains(&ticket));

    // 2. Support assigns it and answers, waiting on the customer.
    support_with_token(
        &server,
        &token,
        ticket,
        "assign",
        r#"{"employee":"sl-support-jdoe"}"#,
    );
    let reply = server.xmlrpc(&call("getStatus").id(ticket));
    assert_eq!(reply.ok().member("id").int(), STATUS_ASSIGNED);
    assert_eq!(reply.ok().member("name").str(), "Assigned");
    support_with_token(
        &server,
        &token,
        ticket,
        "reply",
        r#"{"employee":"sl-support-jdoe","entry":"The log shows a failing PSU. May we replace it tonight?","awaitingUserResponse":true}"#,
    );

    // The customer sees the answer, from the employee, as news, awaiting a response.
    assert_eq!(
        conversation(&server, ticket),
        vec![
            (
                "db01 keeps rebooting; kernel log attached.".to_string(),
                "USER".to_string(),
                "demo".to_string()
            ),
            (
                "The log shows a failing PSU. May we replace it tonight?".to_string(),
                "EMPLOYEE".to_string(),
                "sl-support-jdoe".to_string()
            ),
        ]
    );
    assert!(flag(&server, &DEMO, "getNewUpdatesFlag", ticket));
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(account_ids(&server, &DEMO, "getOpenTicketsWaitingOnCustomer").contains(&ticket));
    server.xmlrpc(&call("markAsViewed").id(ticket)).ok();
    assert!(!flag(&server, &DEMO, "getNewUpdatesFlag", ticket));

    // 3. The customer replies.
    let reply = server.xmlrpc(
        &call("addUpdate")
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("Yes, tonight is fine."))])),
    );
    assert_eq!(reply.ok().array().len(), 1, "{}", reply.exchange());
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(!account_ids(&server, &DEMO, "getOpenTicketsWaitingOnCustomer").contains(&ticket));
    assert_eq!(conversation(&server, ticket).len(), 3);
    assert_eq!(
        conversation(&server, ticket)[2],
        (
            "Yes, tonight is fine.".to_string(),
            "USER".to_string(),
            "demo".to_string()
        )
    );

    // 4. Support closes it.
    support_with_token(&server, &token, ticket, "close", "");
    let reply = server.xmlrpc(&call("getStatus").id(ticket));
    assert_eq!(reply.ok().member("id").int(), STATUS_CLOSED);

    // 5. The customer adds final comments.
    let reply = server.xmlrpc(
        &call("addFinalComments")
            .id(ticket)
            .arg(xstr("Quick and clear, thank you.")),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    let reply = server.xmlrpc(&call("getObject").id(ticket).mask("mask[finalComments]"));
    assert_eq!(
        reply.ok().member("finalComments").str(),
        "Quick and clear, thank you."
    );

    // 6. …and sees the ticket in the closed getters, newest first where ordered.
    assert!(account_ids(&server, &DEMO, "getClosedTickets").contains(&ticket));
    assert!(!account_ids(&server, &DEMO, "getOpenTickets").contains(&ticket));
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
        "getLastFiveClosedTickets",
        "getLastFiveClosedSupportTickets",
    ] {
        let list = account_ids(&server, &DEMO, method);
        assert_eq!(list.first(), Some(&ticket), "{method}: {list:?}");
    }
    let reply = server.xmlrpc(
        &call("getTicketsClosedSinceDate")
            .arg(xstr("2026-06-06T00:00:00-05:00"))
            .mask("mask[id]"),
    );
    assert_eq!(
        ids_of(reply.ok()),
        [ticket].into(),
        "closed since 2026-06-06 (the seed's closed ticket is older)\n{}",
        reply.exchange()
    );
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getObject")
            .auth(&DEMO)
            .mask("mask[closedTicketCount,ticketsClosedTodayCount]"),
    );
    assert_eq!(reply.ok().member("closedTicketCount").int(), 2);
    assert_eq!(reply.ok().member("ticketsClosedTodayCount").int(), 1);

    // 7. The closed ticket refuses updates with the documented fault (SLDN addUpdate:
    //    SoftLayer_Exception_Public "Unable to add ticket update.").
    let reply = server.xmlrpc(
        &call("addUpdate")
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("One more thing…"))])),
    );
    assert_update_refused(&reply);
    assert_eq!(conversation(&server, ticket).len(), 3);
    // Final comments are set once.
    let reply = server.xmlrpc(&call("addFinalComments").id(ticket).arg(xstr("Again.")));
    assert_eq!(
        reply.fault().string,
        "This ticket already has final comments set.",
        "{}",
        reply.exchange()
    );
}

/// SLDN's SoftLayer_Ticket: `lastEditDate` is "the date that a ticket was last modified.
/// A modification does not necessarily mean that an update was added", and
/// `lastEditType` "the type of user who last edited or updated a ticket". An edit without
/// contents (files alone, or fields), support's assignment and close, and final comments
/// each move them.
#[test]
fn every_modification_moves_the_last_edit() {
    let server = Server::start();
    let last_edit = |ticket: i64| -> (String, String) {
        let reply = server.xmlrpc(
            &call("getObject")
                .id(ticket)
                .mask("mask[lastEditDate,lastEditType,updateCount]"),
        );
        let t = reply.ok();
        (
            t.member("lastEditDate").str().to_string(),
            t.member("lastEditType").str().to_string(),
        )
    };
    // SLDN's lastEditor: the user or employee of the last edit, which need not add an
    // update (it was the last update's editor: an employee's close left the customer, a
    // second user's edit named the first).
    // A user by its id; an employee, anonymous to customers, by its displayName.
    let last_editor = |ticket: i64| -> Option<String> {
        let reply = server.xmlrpc(&call("getObject").id(ticket).mask("mask[lastEditor[id]]"));
        reply.ok().get("lastEditor").map(|e| match e.get("id") {
            Some(id) => id.int().to_string(),
            None => e.member("displayName").str().to_string(),
        })
    };
    set_clock(&server, "2027-01-10T10:00:00-06:00");
    let ticket = server
        .xmlrpc(
            &call("createStandardTicket")
                .arg(xstruct(&[("subjectId", xint(1005))]))
                .arg(xstr("First words.")),
        )
        .ok()
        .member("id")
        .int();
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T10:00:00-06:00".into(), "USER".into())
    );
    assert_eq!(last_editor(ticket), Some(DEMO.id.to_string()));

    set_clock(&server, "2027-01-10T11:00:00-06:00");
    reply_as(&server, ticket, "sl-support-jdoe", "Looking.", false);
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T11:00:00-06:00".into(), "EMPLOYEE".into())
    );
    assert_eq!(last_editor(ticket).as_deref(), Some("Jordan D."));

    // Files alone, the customer's answer to "please attach the logs", are an edit too.
    set_clock(&server, "2027-01-10T11:30:00-06:00");
    let reply = server.xmlrpc(
        &call("edit")
            .id(ticket)
            .arg(xstruct(&[]))
            .arg(XVal::Nil)
            .arg(xarray(&[xstruct(&[
                ("filename", xstr("logs.txt")),
                ("data", XVal::Base64("bG9ncw==".into())),
            ])])),
    );
    reply.ok();
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T11:30:00-06:00".into(), "USER".into()),
        "{}",
        reply.exchange()
    );

    assert_eq!(last_editor(ticket), Some(DEMO.id.to_string()));

    // So is the same file attached by addAttachedFile (it moved nothing), after an
    // employee's reply.
    set_clock(&server, "2027-01-10T11:40:00-06:00");
    reply_as(&server, ticket, "sl-support-jdoe", "Send the logs?", false);
    set_clock(&server, "2027-01-10T11:45:00-06:00");
    let reply = server.xmlrpc(&call("addAttachedFile").id(ticket).arg(xstruct(&[
        ("filename", xstr("more-logs.txt")),
        ("data", XVal::Base64("bG9ncw==".into())),
    ])));
    reply.ok();
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T11:45:00-06:00".into(), "USER".into()),
        "{}",
        reply.exchange()
    );
    assert_eq!(last_editor(ticket), Some(DEMO.id.to_string()));

    // The customer's edit adds no update; another user of the account makes it.
    set_clock(&server, "2027-01-10T12:00:00-06:00");
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "edit")
            .auth(&DEMO_OPS)
            .id(ticket)
            .arg(xstruct(&[("priority", xint(2))])),
    );
    reply.ok();
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T12:00:00-06:00".into(), "USER".into()),
        "{}",
        reply.exchange()
    );
    assert_eq!(last_editor(ticket), Some(DEMO_OPS.id.to_string()));
    // Priority 0 (none) is taken, so the fault for one not taken says so: it said
    // priorities run from 1.
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "edit")
            .auth(&DEMO_OPS)
            .id(ticket)
            .arg(xstruct(&[("priority", xint(9))])),
    );
    assert_eq!(
        reply.fault().string,
        "Invalid ticket priority 9: priorities are 0 (none) or 1 (critical) to 4 (minimal \
         impact).",
        "{}",
        reply.exchange()
    );

    set_clock(&server, "2027-01-10T13:00:00-06:00");
    support(
        &server,
        ticket,
        "assign",
        r#"{"employee":"sl-support-amartin"}"#,
    );
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T13:00:00-06:00".into(), "EMPLOYEE".into())
    );
    assert_eq!(last_editor(ticket).as_deref(), Some("Ana M."));

    set_clock(&server, "2027-01-10T14:00:00-06:00");
    support(&server, ticket, "close", "{}");
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T14:00:00-06:00".into(), "EMPLOYEE".into())
    );
    // Closed by the employee on the ticket, not by the customer who edited last.
    assert_eq!(last_editor(ticket).as_deref(), Some("Ana M."));

    set_clock(&server, "2027-01-10T15:00:00-06:00");
    let reply = server.xmlrpc(
        &call("addFinalComments")
            .id(ticket)
            .arg(xstr("Quick and kind.")),
    );
    reply.ok();
    assert_eq!(
        last_edit(ticket),
        ("2027-01-10T15:00:00-06:00".into(), "USER".into())
    );
    assert_eq!(last_editor(ticket), Some(DEMO.id.to_string()));
    // None of these added an update but the replies.
    let reply = server.xmlrpc(&call("getObject").id(ticket).mask("mask[updateCount]"));
    assert_eq!(reply.ok().member("updateCount").int(), 3);
}

/// A database file replaced before the server has answered any call (a test's fixture
/// copied over it right after start): reads of every kind still have a connection to
/// the file the server has (every quick read, getObject's, was refused for good: no
/// connection of their pool was open yet).
#[test]
fn reads_go_on_when_the_database_file_is_replaced_before_the_first_call() {
    let server = Server::start_with_temp_db();
    let db = server.db().to_string();
    let other = format!("{db}.other");
    std::fs::copy(&db, &other).unwrap();
    std::fs::rename(&other, &db).unwrap();
    for _ in 0..3 {
        let reply = server.xmlrpc(&call("getObject").auth(&DEMO).id(160000001));
        assert_eq!(
            reply.ok().member("id").int(),
            160000001,
            "{}",
            reply.exchange()
        );
        let r = rest_get_as(
            &server,
            &DEMO,
            "/rest/v3.1/SoftLayer_Account/getTickets.json",
        );
        assert_eq!(r.status, 200, "{}", r.describe());
    }
}

/// A database file removed, or replaced by another renamed over it, while the server
/// runs: the server still has the file it opened, and its writes were acknowledged, read
/// back and lost with that file, while `/health` said ok. Now its writes are refused,
/// saying why, and `/health` says so too (503).
#[test]
fn writes_are_refused_once_the_database_file_is_replaced_or_removed() {
    let server = Server::start_with_temp_db();
    let db = server.db().to_string();
    let update = |entry: &str| add_update(&server, entry);
    update("before").ok();
    // An alert due in an hour, which a clock moved past it runs (a write).
    server
        .xmlrpc(
            &call("addScheduledAlert")
                .auth(&DEMO)
                .id(160000001)
                .arg(xstr("2099-01-01T00:00:00Z")),
        )
        .ok();
    assert_eq!(server.get("/health").status, 200);
    // A copy of the file, to put in its place later.
    let copy = format!("{db}.copy");
    std::fs::copy(&db, &copy).unwrap();
    update("only in the file the server opened").ok();
    // Reads go on from the file the server has, on the connections open to it; one that
    // would need another is refused, saying so. A new connection opened the path, and
    // read another file or none (internal errors; the server died of SIGBUS when the old
    // file's index was reset).
    // Worth retrying, as other overloads: 503 with Retry-After.
    const NONE_FREE: &str = "reads go on only from the connections the server has open to \
                             the file it opened, and none is free now; try again";
    let reads_from_the_file_it_has = |when: &str| {
        let mut answered = 0;
        std::thread::scope(|s| {
            let readers: Vec<_> = (0..48)
                .map(|_| {
                    s.spawn(|| {
                        (0..3)
                            .map(|_| {
                                server.xmlrpc(
                                    &call("getObject")
                                        .auth(&DEMO)
                                        .id(160000001)
                                        .mask("mask[updates[entry]]"),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for reader in readers {
                for reply in reader.join().unwrap() {
                    if reply.outcome.is_err() {
                        assert!(
                            reply.fault().string.contains(NONE_FREE)
                                && reply.http.status == 503
                                && reply.http.header("Retry-After") == Some("1"),
                            "{when}: {}",
                            reply.exchange()
                        );
                        continue;
                    }
                    answered += 1;
                    let ticket = reply.ok();
                    let entries: Vec<&str> = ticket
                        .member("updates")
                        .array()
                        .iter()
                        .map(|u| u.member("entry").str())
                        .collect();
                    assert!(
                        entries.contains(&"only in the file the server opened"),
                        "{when}: {}",
                        reply.exchange()
                    );
                }
            }
        });
        assert!(answered > 0, "{when}: no read was answered");
    };
    reads_from_the_file_it_has("before");
    // The control API reads on a pool of its own, none of whose connections is open yet.
    let auth = format!("Bearer {}", admin_token(&server));
    let control_reads_from_the_file_it_has = |when: &str| {
        let r = http_request(
            server.addr(),
            "GET",
            "/_emulator/tickets/160000001",
            &[("Authorization", auth.as_str())],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap();
        assert!(
            (r.status == 200 && r.text().contains("only in the file the server opened"))
                || (r.status == 503 && r.text().contains(NONE_FREE)),
            "{when}: {}",
            r.describe()
        );
    };

    std::fs::remove_file(&db).unwrap();
    control_reads_from_the_file_it_has("removed");
    reads_from_the_file_it_has("removed");
    let reply = update("after the file was removed");
    let fault = reply.fault();
    assert_eq!(
        fault.code_text(),
        "SoftLayer_Exception_Public",
        "{}",
        reply.exchange()
    );
    assert!(
        fault.string.contains("was removed while the server ran"),
        "{}",
        reply.exchange()
    );
    let health = server.get("/health");
    assert_eq!(health.status, 503, "{}", health.describe());
    assert!(
        health.text().contains("was removed"),
        "{}",
        health.describe()
    );

    std::fs::rename(&copy, &db).unwrap();
    reads_from_the_file_it_has("replaced");
    control_reads_from_the_file_it_has("replaced");
    let reply = update("after the file was replaced");
    assert!(
        reply
            .fault()
            .string
            .contains("was replaced by another file"),
        "{}",
        reply.exchange()
    );
    // The control API's writes too, and the log says why once.
    let close = server.post(
        "/_emulator/tickets/160000001/close",
        &[("Authorization", &auth)],
        b"",
    );
    assert!(
        close.text().contains("was replaced by another file"),
        "{}",
        close.describe()
    );
    assert!(server.log().contains("was removed while the server ran"));
    // The export reads what the server still has (as a write, it was refused): the way
    // to save it.
    let export = http_request(
        server.addr(),
        "GET",
        "/_emulator/export",
        &[("Authorization", auth.as_str())],
        b"",
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(export.status, 200, "{}", export.describe());
    assert!(export.text().contains("only in the file the server opened"));
    // A reset or a restore copies into the file the server has: accepted, it was undone
    // by the next start.
    let reset = server.post("/_emulator/reset", &[("Authorization", &auth)], b"");
    assert!(
        reset.text().contains("was replaced by another file"),
        "{}",
        reset.describe()
    );
    // The clock moves, and the alert it made due cannot be written: said so, not with
    // the error's own words alone (a read's "try again" would move the clock twice).
    let clock = server.post(
        "/_emulator/clock",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        br#"{"set": "2099-01-02T00:00:00Z"}"#,
    );
    assert_eq!(clock.status, 500, "{}", clock.describe());
    assert!(
        clock
            .text()
            .contains("the clock moved, but the actions it made due did not run"),
        "{}",
        clock.describe()
    );
}

/// Sets the server's soft file size limit (`ulimit -f`, in bytes): past it a write fails
/// with EFBIG, as a full disk fails it with ENOSPC, with no root and no file system of
/// its own.
fn limit_file_size(server: &Server, bytes: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    let pid = server.pid() as libc::pid_t;
    // SAFETY: prlimit reads and writes only the structs it is given.
    unsafe {
        assert_eq!(
            libc::prlimit(pid, libc::RLIMIT_FSIZE, std::ptr::null(), &mut limit),
            0
        );
        limit.rlim_cur = bytes.min(limit.rlim_max);
        assert_eq!(
            libc::prlimit(pid, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()),
            0
        );
    }
}

/// A write that finds no space for the database was answered "An internal error
/// occurred." on every transport, as a bug of the server, while `/health` said ok. Now
/// it names the cause, worth retrying (503, Retry-After) in each transport's format;
/// `/health` answers 503 until a write succeeds again, and the log says it once.
#[test]
fn a_write_that_finds_no_space_says_so_and_health_follows() {
    let server = Server::start_with_temp_db();
    let update = |entry: &str| add_update(&server, entry);
    update("before").ok();
    // Every write of the database's files fails now (EFBIG, ignored SIGXFSZ).
    limit_file_size(&server, 1);
    for attempt in 0..3 {
        let reply = update(&format!("no room {attempt}"));
        let fault = reply.fault();
        assert_eq!(
            fault.code_text(),
            "SoftLayer_Exception_Public",
            "{}",
            reply.exchange()
        );
        assert!(
            fault
                .string
                .starts_with("No space is left for the database")
                && fault.string.contains("nothing was written"),
            "{}",
            reply.exchange()
        );
        assert_eq!(reply.http.status, 503, "{}", reply.exchange());
        assert_eq!(
            reply.http.header("Retry-After"),
            Some("1"),
            "{}",
            reply.exchange()
        );
    }
    let rest = http_request(
        server.addr(),
        "POST",
        "/rest/v3.1/SoftLayer_Ticket/160000001/addUpdate.json",
        &[("Authorization", &basic_auth(DEMO.username, DEMO.api_key))],
        br#"{"parameters": [{"entry": "no room over REST"}]}"#,
        HTTP_TIMEOUT,
    )
    .unwrap();
    assert_eq!(rest.status, 503, "{}", rest.describe());
    assert!(
        rest.text().contains("SoftLayer_Exception_Public")
            && rest.text().contains("No space is left for the database"),
        "{}",
        rest.describe()
    );
    let health = server.get("/health");
    assert_eq!(health.status, 503, "{}", health.describe());
    assert!(
        health.text().contains("no space is left for the database"),
        "{}",
        health.describe()
    );
    // Reads go on.
    let read = server.xmlrpc(&call("getObject").auth(&DEMO).id(160000001));
    assert_eq!(read.ok().member("id").int(), 160000001);

    limit_file_size(&server, u64::MAX);
    update("after").ok();
    assert_eq!(server.get("/health").status, 200);
    let log = server.log();
    assert_eq!(
        log.matches("writes fail: no space is left").count(),
        1,
        "said once a spell:\n{log}"
    );
    assert!(log.contains("writes succeed again"), "{log}");
}

/// A reset or a snapshot's restore refused for want of space answered 503, yet
/// `/health` said ok and the log nothing, where an API write refused so turns both.
/// Now they say it as for any write, until one succeeds.
#[test]
fn a_reset_that_finds_no_space_is_told_to_health_and_the_log() {
    let server = Server::start_with_temp_db();
    let bearer = format!("Bearer {}", admin_token(&server));
    let control = |path: &str| {
        http_request(
            server.addr(),
            "POST",
            path,
            &[("Authorization", bearer.as_str())],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap()
    };
    let saved = control("/_emulator/snapshots/before");
    assert!((200..300).contains(&saved.status), "{}", saved.describe());
    limit_file_size(&server, 1);
    for path in ["/_emulator/reset", "/_emulator/snapshots/before/restore"] {
        let refused = control(path);
        assert_eq!(refused.status, 503, "{path}: {}", refused.describe());
        let health = server.get("/health");
        assert_eq!(health.status, 503, "after {path}: {}", health.describe());
        assert!(
            health.text().contains("no space is left for the database"),
            "{}",
            health.describe()
        );
    }
    limit_file_size(&server, u64::MAX);
    assert_eq!(control("/_emulator/reset").status, 200);
    assert_eq!(server.get("/health").status, 200);
    let log = server.log();
    assert_eq!(
        log.matches("writes fail: no space is left").count(),
        1,
        "said once a spell:\n{log}"
    );
    assert!(log.contains("writes succeed again"), "{log}");
}

/// A tmpfs of `size` mounted on a new folder, unmounted when dropped; `None` where this
/// process may not mount one (not root).
struct SmallFileSystem {
    dir: TempDir,
}

impl SmallFileSystem {
    fn mount(size: &str) -> Option<SmallFileSystem> {
        let dir = TempDir::new("small-fs");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallFileSystem { dir })
    }

    /// Writes a file until the file system has no space left.
    fn fill(&self) {
        let mut filler = std::fs::File::create(self.dir.path().join("filler")).unwrap();
        let block = vec![0u8; 64 * 1024];
        while std::io::Write::write_all(&mut filler, &block).is_ok() {}
        let byte = [0u8; 1];
        while std::io::Write::write(&mut filler, &byte).is_ok_and(|n| n == 1) {}
    }

    fn empty(&self) {
        std::fs::remove_file(self.dir.path().join("filler")).unwrap();
    }
}

impl Drop for SmallFileSystem {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// A server started on a full file system answered `/health` 200 at once: the note of
/// its start-up check was cleared by its own start-up write, which changed nothing. It
/// holds now until a write succeeds. Needs root, for a tmpfs of its own (CI runs as
/// root); without it the test fails rather than pass unchecked.
#[test]
fn a_server_started_on_a_full_disk_says_so_until_a_write_succeeds() {
    let small = SmallFileSystem::mount("16m")
        .expect("mount a 16 MiB tmpfs for a full disk: this test needs root, as CI runs");
    let db = small.dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();
    let mut first = Server::start_with_db(&db, None);
    first.signal("TERM");
    // Filled only once the server is gone: its closing deletes its write-ahead log, which
    // freed room after a fill made meanwhile, and the restart found space.
    assert!(
        first
            .wait_exit(std::time::Duration::from_secs(15))
            .is_some()
    );
    small.fill();
    let server = first.restart(&[]);
    let health = server.get("/health");
    assert_eq!(health.status, 503, "{}", health.describe());
    assert!(
        health
            .text()
            .contains("its file system had none free at start"),
        "{}",
        health.describe()
    );
    // A write that changes nothing is no sign of space.
    let refused = server.xmlrpc(&call("addUpdate").auth(&DEMO).id(42));
    refused.fault();
    assert_eq!(server.get("/health").status, 503);
    small.empty();
    add_update(&server, "space again").ok();
    assert_eq!(server.get("/health").status, 200);
    let log = server.log();
    assert!(log.contains("writes succeed again"), "{log}");
    drop(server);
}

/// The control API's writes on a full disk answered 500 ("database error: disk I/O
/// error", "Error code 778: Error writing to disk"), as a bug of the server, where the
/// API's transports answer 503 with `Retry-After` and the cause. Now they answer so too,
/// in their JSON error body.
#[test]
fn control_api_writes_that_find_no_space_are_503_with_retry_after() {
    let server = Server::start_with_temp_db();
    let bearer = format!("Bearer {}", admin_token(&server));
    let control = |method: &str, path: &str, body: &str| {
        http_request(
            server.addr(),
            method,
            path,
            &[
                ("Authorization", bearer.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
            HTTP_TIMEOUT,
        )
        .unwrap()
    };
    let reply = "/_emulator/tickets/160000001/reply";
    let said = r#"{"employee": 301, "entry": "A reply."}"#;
    assert_eq!(control("POST", reply, said).status, 200);
    limit_file_size(&server, 1);
    for (method, path, body) in [
        ("POST", reply, said),
        ("POST", "/_emulator/tickets/160000001/close", "{}"),
        ("POST", "/_emulator/reset", ""),
        ("DELETE", "/_emulator/outbox", ""),
    ] {
        let answer = control(method, path, body);
        assert_eq!(answer.status, 503, "{method} {path}: {}", answer.describe());
        assert_eq!(
            answer.header("Retry-After"),
            Some("1"),
            "{method} {path}: {}",
            answer.describe()
        );
        let error: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert!(
            error["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("No space is left for the database")),
            "{method} {path}: {}",
            answer.describe()
        );
    }
    limit_file_size(&server, u64::MAX);
    assert_eq!(control("POST", reply, said).status, 200);
}

/// SIGTERM with writes in the log that cannot be copied into the database file for want
/// of space: nothing is lost (the log stays beside the file, and the next start reads
/// it), yet the server exited 1 with a bare "database or disk is full". Now it says so
/// and exits 0, as a graceful shutdown does.
#[test]
fn sigterm_without_space_for_the_final_checkpoint_keeps_the_log_and_exits_0() {
    let mut server = Server::start_with_temp_db();
    let db = server.db().to_string();
    // Another process reading holds the log: the server cannot copy the writes after
    // its snapshot into the file meanwhile.
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    server
        .xmlrpc(
            &call("addUpdate")
                .auth(&DEMO)
                .id(160000001)
                .arg(xstruct(&[("entry", xstr("only in the log"))])),
        )
        .ok();
    limit_file_size(&server, 1);
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    server.signal("TERM");
    let status = server
        .wait_exit(std::time::Duration::from_secs(15))
        .expect("the server exits after SIGTERM");
    let log = server.log();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(
        log.contains("the write-ahead log could not be copied into the database file")
            && log.contains("the next start reads it"),
        "{log}"
    );
    let mut again = server.restart(&[]);
    let reply = again.xmlrpc(
        &call("getObject")
            .auth(&DEMO)
            .id(160000001)
            .mask("mask[updates[entry]]"),
    );
    assert!(
        reply.exchange().contains("only in the log"),
        "{}",
        reply.exchange()
    );
    again.signal("TERM");
    assert_eq!(
        again
            .wait_exit(std::time::Duration::from_secs(15))
            .and_then(|s| s.code()),
        Some(0)
    );
}
