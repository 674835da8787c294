//! The SoftLayer_Ticket methods that tests/it/xmlrpc_tickets.rs does not cover, over raw
//! XML-RPC: files, updates with files, edit, additional emails, dedicated hosts,
//! assigned agents, scheduled actions, tags, final comments, the cancellation and
//! upgrade tickets, getTicketsClosedSinceDate, the administrative charge and
//! surveyEligible.
//!
//! Each test starts its own server on an in-memory database seeded from
//! fixtures/seed/. Expected values come from the SLDN method pages
//! (../shared/reference/sldn/services/SoftLayer_Ticket/), the seed, and what the
//! test itself sent. Where a test needs the support desk (closing a ticket), it uses
//! the `/_emulator/` control API with the admin token the server prints at start.
//!
//! The exception *classes* of the messages SLDN documents as
//! `SoftLayer_Exception_Public` are checked in one place,
//! `documented_public_exceptions_carry_their_class`, so that a wrong class does not
//! hide the rules the other tests check.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use common::*;

const TICKET: &str = "SoftLayer_Ticket";
const STATUS_OPEN: i64 = 1001;
const STATUS_CLOSED: i64 = 1002;
/// Seed: demo's closed ticket, closed 2026-06-05T15:00:00-05:00.
const CLOSED_TICKET: i64 = 160000003;
/// Seed: other's ticket.
const OTHER_TICKET: i64 = 160000101;
/// `SoftLayer_Ticket_Attachment_File` limit (README "Limits"): 10 MiB per file.
const MAX_FILE: usize = 10 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn call(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new(TICKET, method).auth(user)
}

/// The message only; the class is checked by
/// `documented_public_exceptions_carry_their_class`.
fn assert_fault_message(reply: &XmlRpcReply, message: &str) {
    let f = reply.fault();
    assert_eq!(f.string, message, "fault string\n{}", reply.exchange());
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap_or_else(|e| panic!("not base64 ({e}): {:.80}", text))
}

/// A `SoftLayer_Container_Utility_File_Attachment`.
fn file(name: &str, bytes: &[u8]) -> XVal {
    xstruct(&[("filename", xstr(name)), ("data", XVal::Base64(b64(bytes)))])
}

/// Bytes of every value, so that a text-only round trip would show.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 256) as u8).collect()
}

fn new_ticket(server: &Server, user: &User, body: &str) -> i64 {
    create_standard_ticket(server, user, 1005, "", body)
}

/// Entries of a ticket's updates, oldest first.
fn entries(server: &Server, user: &User, ticket: i64) -> Vec<String> {
    ticket_entries(server, user, ticket)
}

/// `(id, fileName, updateId)` of a ticket's files, by id.
fn files_of(server: &Server, user: &User, ticket: i64) -> Vec<(i64, String, Option<i64>)> {
    let reply = server.xmlrpc(&call("getAttachedFiles", user).id(ticket));
    let mut out: Vec<(i64, String, Option<i64>)> = reply
        .ok()
        .array()
        .iter()
        .map(|f| {
            (
                f.member("id").int(),
                f.member("fileName").str().to_string(),
                f.get("updateId").and_then(XVal::as_i64),
            )
        })
        .collect();
    out.sort();
    out
}

/// A decimal as the API sends it (a string, e.g. "3.00"; a double is accepted).
fn decimal(v: &XVal) -> f64 {
    match v {
        XVal::Str(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a decimal: {s:?}")),
        XVal::Double(d) => *d,
        XVal::Int(i) => *i as f64,
        other => panic!("not a decimal: {other:?}"),
    }
}

// --- the support desk (control API) ---

fn close(server: &Server, ticket: i64) {
    support(server, ticket, "close", "");
}

// ---------------------------------------------------------------------------
// addAttachedFile / getAttachedFile / getAttachedFiles
// ---------------------------------------------------------------------------

#[test]
fn attached_files_round_trip_their_bytes() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "logs follow");
    let bytes = binary(70_000);

    let reply = server.xmlrpc(
        &call("addAttachedFile", &DEMO)
            .id(ticket)
            .arg(file("dmesg.log", &bytes)),
    );
    let f = reply.ok();
    let file_id = f.member("id").int();
    assert_eq!(f.member("ticketId").int(), ticket, "{}", reply.exchange());
    assert_eq!(f.member("fileName").str(), "dmesg.log");
    // SoftLayer_Ticket_Attachment_File: fileSize is the size in bytes, a string.
    assert_eq!(f.member("fileSize").str(), bytes.len().to_string());
    // uploaderId "is only used when uploaderType is USER": the caller.
    assert_eq!(f.member("uploaderType").str(), "USER");
    assert_eq!(f.member("uploaderId").str(), DEMO.id.to_string());
    assert_recent(f.member("createDate"), "file createDate");
    assert!(
        f.get("data").is_none() && f.get("content").is_none(),
        "the file's metadata, not its contents\n{}",
        reply.exchange()
    );

    // getAttachedFile: the same bytes, as base64 binary.
    let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(ticket).arg(xint(file_id)));
    match reply.ok() {
        XVal::Base64(text) => assert!(unb64(text) == bytes, "bytes in = bytes out"),
        other => panic!("getAttachedFile answers base64, got {other:?}"),
    }

    // getAttachedFiles lists it (and the total says one).
    let reply = server.xmlrpc(&call("getAttachedFiles", &DEMO).id(ticket));
    let list = reply.ok().array();
    assert_eq!(list.len(), 1, "{}", reply.exchange());
    assert_eq!(list[0].member("id").int(), file_id);
    assert_eq!(list[0].member("fileName").str(), "dmesg.log");
    assert_eq!(reply.total_items(), Some(1));
    // …as does the ticket's attachedFiles property and its count.
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[id,attachedFiles[id,fileName],attachedFileCount]"),
    );
    assert_eq!(reply.ok().member("attachedFileCount").int(), 1);
    assert_eq!(
        reply.ok().member("attachedFiles").array()[0]
            .member("id")
            .int(),
        file_id
    );

    // SoftLayer_Ticket_Attachment_File: getObject, getTicket, getUpdate.
    let af = |method: &str| {
        XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", method)
            .auth(&DEMO)
            .id(file_id)
    };
    let reply = server.xmlrpc(&af("getObject"));
    assert_eq!(
        reply.ok().member("id").int(),
        file_id,
        "{}",
        reply.exchange()
    );
    assert_eq!(reply.ok().member("fileName").str(), "dmesg.log");
    assert_eq!(reply.ok().member("fileSize").str(), bytes.len().to_string());
    let reply = server.xmlrpc(&af("getTicket"));
    assert_eq!(
        reply.ok().member("id").int(),
        ticket,
        "{}",
        reply.exchange()
    );
    // A file attached on its own belongs to no update.
    let reply = server.xmlrpc(&af("getUpdate"));
    assert_eq!(reply.ok(), &XVal::Nil, "{}", reply.exchange());

    // Another account sees neither the file nor the ticket.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getObject")
            .auth(&OTHER)
            .id(file_id),
    );
    assert_not_found(&reply, file_id);
    let reply = server.xmlrpc(
        &call("getAttachedFile", &OTHER)
            .id(ticket)
            .arg(xint(file_id)),
    );
    assert_not_found(&reply, ticket);
    let reply = server.xmlrpc(
        &call("addAttachedFile", &OTHER)
            .id(ticket)
            .arg(file("x.txt", b"x")),
    );
    assert_not_found(&reply, ticket);
}

#[test]
fn add_attached_file_documented_exceptions() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "files");
    server
        .xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(ticket)
                .arg(file("report.pdf", b"%PDF-1.4")),
        )
        .ok();

    // No file at all, nil, or an empty container (SLDN: "an empty
    // SoftLayer_Container_File_Attachment"), also one whose members are all nil.
    for c in [
        call("addAttachedFile", &DEMO).id(ticket),
        call("addAttachedFile", &DEMO).id(ticket).arg(XVal::Nil),
        call("addAttachedFile", &DEMO).id(ticket).arg(xstruct(&[])),
        call("addAttachedFile", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("filename", XVal::Nil), ("data", XVal::Nil)])),
    ] {
        assert_fault(
            &server.xmlrpc(&c),
            "SoftLayer_Exception",
            "Unable to attach a null file to this ticket.",
        );
    }
    // No file name: missing, empty, blank.
    for name in [None, Some(""), Some("  ")] {
        let mut members = vec![("data", XVal::Base64(b64(b"abc")))];
        if let Some(n) = name {
            members.push(("filename", xstr(n)));
        }
        let reply = server.xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(ticket)
                .arg(xstruct(&members)),
        );
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            "Unable to attach a file with no file name to this ticket.",
        );
    }
    // No contents: missing, empty.
    for data in [None, Some(XVal::Base64(String::new()))] {
        let mut members = vec![("filename", xstr("empty.txt"))];
        if let Some(d) = data {
            members.push(("data", d));
        }
        let reply = server.xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(ticket)
                .arg(xstruct(&members)),
        );
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            "Unable to attach a file with no contents to this ticket.",
        );
    }
    // "File attachments to tickets must have a unique name."
    let reply = server.xmlrpc(
        &call("addAttachedFile", &DEMO)
            .id(ticket)
            .arg(file("report.pdf", b"other bytes")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "A file named report.pdf is already attached to this ticket.",
    );
    // The same name on another ticket is fine.
    let other_ticket = new_ticket(&server, &DEMO, "another");
    server
        .xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(other_ticket)
                .arg(file("report.pdf", b"%PDF-1.4")),
        )
        .ok();
    assert_eq!(
        files_of(&server, &DEMO, ticket)
            .iter()
            .map(|(_, n, _)| n.as_str())
            .collect::<Vec<_>>(),
        vec!["report.pdf"],
        "refused files are not stored"
    );
}

#[test]
fn get_attached_file_documented_exceptions() {
    let server = Server::start();
    let a = new_ticket(&server, &DEMO, "a");
    let b = new_ticket(&server, &DEMO, "b");
    let on_a = server
        .xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(a)
                .arg(file("a.txt", b"on a")),
        )
        .ok()
        .member("id")
        .int();
    // A file of another ticket, and an id no file has.
    for (ticket, id) in [(b, on_a), (a, 987_654)] {
        let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(ticket).arg(xint(id)));
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            &format!("File {id} is not attached to ticket {ticket}."),
        );
    }
    // A file of another account's ticket is not attached to demo's.
    let theirs = server
        .xmlrpc(
            &call("addAttachedFile", &OTHER)
                .id(OTHER_TICKET)
                .arg(file("theirs.txt", b"secret")),
        )
        .ok()
        .member("id")
        .int();
    let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(a).arg(xint(theirs)));
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        &format!("File {theirs} is not attached to ticket {a}."),
    );
    // No attachment id: no valid file attachment to load.
    let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(a));
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Unable to load a valid ticket file attachment.",
    );
    // The id as numeric text works as well.
    let reply = server.xmlrpc(
        &call("getAttachedFile", &DEMO)
            .id(a)
            .arg(xstr(&on_a.to_string())),
    );
    match reply.ok() {
        XVal::Base64(t) => assert_eq!(unb64(t), b"on a"),
        other => panic!("expected base64, got {other:?}"),
    }
}

#[test]
fn attached_files_follow_the_extension_whitelist() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "whitelist");
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getExtensionWhitelist").auth(&DEMO),
    );
    let whitelist: Vec<String> = reply
        .ok()
        .array()
        .iter()
        .map(|e| e.str().to_string())
        .collect();
    for common in ["txt", "log", "png", "jpg", "pdf", "zip", "csv"] {
        assert!(
            whitelist.iter().any(|e| e == common),
            "{common} is whitelisted\n{}",
            reply.exchange()
        );
    }
    for bad in ["exe", "sh", "bat", "php"] {
        assert!(!whitelist.iter().any(|e| e == bad), "{bad} is not");
    }
    // A result limit pages the list; the total is the whole list's.
    let page = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getExtensionWhitelist")
            .auth(&DEMO)
            .limit(5, 2),
    );
    let paged: Vec<String> = page
        .ok()
        .array()
        .iter()
        .map(|e| e.str().to_string())
        .collect();
    assert_eq!(paged, whitelist[2..7], "{}", page.exchange());
    assert_eq!(page.total_items(), Some(whitelist.len() as u64));
    // Every whitelisted extension is accepted…
    for ext in &whitelist {
        let name = format!("file-{ext}.{ext}");
        let reply = server.xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(ticket)
                .arg(file(&name, ext.as_bytes())),
        );
        assert_eq!(reply.ok().member("fileName").str(), name);
    }
    // …and others are refused with a fault that names the file.
    for name in ["setup.exe", "run.sh", "README", "archive.txt.bat"] {
        let reply = server.xmlrpc(
            &call("addAttachedFile", &DEMO)
                .id(ticket)
                .arg(file(name, b"MZ")),
        );
        let f = reply.fault();
        assert_eq!(f.code, xstr("SoftLayer_Exception"), "{}", reply.exchange());
        assert!(
            f.string.contains(name),
            "the fault names the refused file\n{}",
            reply.exchange()
        );
    }
    assert_eq!(files_of(&server, &DEMO, ticket).len(), whitelist.len());
    // The ServiceNow twin answers the same list.
    let twin = server.xmlrpc(
        &XmlRpcCall::new(
            "SoftLayer_Ticket_Attachment_File_ServiceNow",
            "getExtensionWhitelist",
        )
        .auth(&DEMO),
    );
    assert_eq!(twin.ok(), reply.ok());
}

#[test]
fn attached_files_are_limited_to_10_mib() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "big files");
    // 10 MiB + 1 byte: refused with a fault naming the file and the limit (the
    // base64 of it, ~14 MB, is within the 16 MiB body limit).
    let too_big = vec![b'a'; MAX_FILE + 1];
    let reply = server.xmlrpc(
        &call("addAttachedFile", &DEMO)
            .id(ticket)
            .arg(file("huge.log", &too_big)),
    );
    let f = reply.fault();
    assert_eq!(f.code, xstr("SoftLayer_Exception"), "{}", reply.exchange());
    assert!(
        f.string.contains("huge.log") && f.string.contains(&MAX_FILE.to_string()),
        "a clear fault: the file and the limit ({MAX_FILE} bytes)\n{}",
        reply.exchange()
    );
    assert!(files_of(&server, &DEMO, ticket).is_empty());
    drop(too_big);

    // Exactly 10 MiB is accepted and comes back byte for byte.
    let max = binary(MAX_FILE);
    let reply = server.xmlrpc(
        &call("addAttachedFile", &DEMO)
            .id(ticket)
            .arg(file("max.log", &max)),
    );
    let id = reply.ok().member("id").int();
    assert_eq!(reply.ok().member("fileSize").str(), MAX_FILE.to_string());
    let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(ticket).arg(xint(id)));
    match reply.ok() {
        XVal::Base64(t) => assert!(unb64(t) == max, "10 MiB round trip"),
        other => panic!("expected base64, got {:.200}", format!("{other:?}")),
    }
}

// ---------------------------------------------------------------------------
// addUpdate and edit with files
// ---------------------------------------------------------------------------

#[test]
fn add_update_takes_up_to_two_files() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "first");
    let one = binary(1000);
    let two = b"second file".to_vec();
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("Both logs attached."))]))
            .arg(xarray(&[file("one.log", &one), file("two.txt", &two)])),
    );
    let added = reply.ok().array();
    assert_eq!(added.len(), 1, "{}", reply.exchange());
    let update = added[0].member("id").int();
    assert_eq!(added[0].member("entry").str(), "Both logs attached.");

    // Both files are on the ticket, with the update they came with.
    let files = files_of(&server, &DEMO, ticket);
    assert_eq!(
        files
            .iter()
            .map(|(_, n, u)| (n.as_str(), *u))
            .collect::<Vec<_>>(),
        vec![("one.log", Some(update)), ("two.txt", Some(update))],
    );
    for ((id, _, _), want) in files.iter().zip([&one, &two]) {
        let reply = server.xmlrpc(&call("getAttachedFile", &DEMO).id(ticket).arg(xint(*id)));
        match reply.ok() {
            XVal::Base64(t) => assert_eq!(&unb64(t), want),
            other => panic!("expected base64, got {other:?}"),
        }
        // SoftLayer_Ticket_Attachment_File::getUpdate is that update.
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Ticket_Attachment_File", "getUpdate")
                .auth(&DEMO)
                .id(*id),
        );
        assert_eq!(
            reply.ok().member("id").int(),
            update,
            "{}",
            reply.exchange()
        );
        assert_eq!(reply.ok().member("entry").str(), "Both logs attached.");
    }
    // The update's fileAttachment relation shows them.
    let reply = server.xmlrpc(
        &call("getUpdates", &DEMO)
            .id(ticket)
            .mask("mask[id,fileAttachment[fileName]]"),
    );
    let with_files = reply
        .ok()
        .array()
        .iter()
        .find(|u| u.member("id").int() == update)
        .expect("the update is listed");
    let names: BTreeSet<&str> = with_files
        .member("fileAttachment")
        .array()
        .iter()
        .map(|f| f.member("fileName").str())
        .collect();
    assert_eq!(names, BTreeSet::from(["one.log", "two.txt"]));

    // A third file in one update is refused, and nothing of it is kept.
    let before = entries(&server, &DEMO, ticket);
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("three more"))]))
            .arg(xarray(&[
                file("a.txt", b"a"),
                file("b.txt", b"b"),
                file("c.txt", b"c"),
            ])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "You may not attach more than two files when updating a ticket.",
    );
    // A name already on the ticket refuses the whole update.
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("again"))]))
            .arg(xarray(&[file("one.log", b"again")])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "A file named one.log is already attached to this ticket.",
    );
    assert_eq!(entries(&server, &DEMO, ticket), before);
    assert_eq!(files_of(&server, &DEMO, ticket).len(), 2);
    // A third file in a later update is fine.
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr("one more"))]))
            .arg(xarray(&[file("three.txt", b"3")])),
    );
    reply.ok();
    assert_eq!(files_of(&server, &DEMO, ticket).len(), 3);
}

#[test]
fn add_update_with_files_splits_long_entries_and_keeps_the_files() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "first");
    let entry: String = (0..7900).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("entry", xstr(&entry))]))
            .arg(xarray(&[file("trace.txt", b"trace")])),
    );
    let added = reply.ok().array();
    let lengths: Vec<usize> = added
        .iter()
        .map(|u| u.member("entry").str().chars().count())
        .collect();
    assert_eq!(lengths, vec![3900, 3900, 100], "{}", reply.exchange());
    let ids: BTreeSet<i64> = added.iter().map(|u| u.member("id").int()).collect();
    let files = files_of(&server, &DEMO, ticket);
    assert_eq!(files.len(), 1);
    assert!(
        files[0].2.is_some_and(|u| ids.contains(&u)),
        "the file belongs to one of the new updates: {files:?}"
    );
}

#[test]
fn edit_changes_fields_adds_an_update_and_files_at_once() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "disk noise");
    let before = entries(&server, &DEMO, ticket);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[
                ("subjectId", xint(1141)),
                ("priority", xint(1)),
                ("notifyUserOnUpdateFlag", xbool(false)),
                ("assignedUserId", xint(DEMO_OPS.id)),
                // Ignored: edit never closes a ticket; accountId and
                // userEditableFlag are not the customer's to change.
                ("statusId", xint(STATUS_CLOSED)),
                ("accountId", xint(OTHER.account_id)),
                ("userEditableFlag", xbool(false)),
            ]))
            .arg(xstr("Moving this to storage; see both files."))
            .arg(xarray(&[
                file("smart.txt", b"smart"),
                file("iostat.log", b"io"),
            ])),
    );
    let t = reply.ok();
    assert_eq!(t.member("id").int(), ticket, "{}", reply.exchange());
    assert_eq!(
        t.member("statusId").int(),
        STATUS_OPEN,
        "{}",
        reply.exchange()
    );
    assert_eq!(t.member("accountId").int(), DEMO.account_id);
    assert_eq!(t.member("userEditableFlag"), &xbool(true));
    assert_eq!(t.member("subjectId").int(), 1141);
    // A standard ticket's title is its subject's; its group follows the subject.
    assert_eq!(t.member("title").str(), "Storage Question");
    assert_eq!(t.member("groupId").int(), 7);
    assert_eq!(t.member("priority").int(), 1);
    assert_eq!(t.member("notifyUserOnUpdateFlag"), &xbool(false));
    assert_eq!(t.member("assignedUserId").int(), DEMO_OPS.id);

    // The same through getObject.
    let reply =
        server.xmlrpc(&call("getObject", &DEMO).id(ticket).mask(
            "mask[statusId,subjectId,priority,assignedUserId,group[name],attachedFileCount]",
        ));
    let read = reply.ok();
    assert_eq!(read.member("statusId").int(), STATUS_OPEN);
    assert_eq!(read.member("subjectId").int(), 1141);
    assert_eq!(read.member("priority").int(), 1);
    assert_eq!(read.member("assignedUserId").int(), DEMO_OPS.id);
    assert_eq!(read.member("group").member("name").str(), "Storage");
    assert_eq!(read.member("attachedFileCount").int(), 2);

    // One new update, and both files hang off it.
    let after = entries(&server, &DEMO, ticket);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(
        after.last().unwrap(),
        "Moving this to storage; see both files."
    );
    let last = server
        .xmlrpc(&call("getLastUpdate", &DEMO).id(ticket))
        .ok()
        .member("id")
        .int();
    let files = files_of(&server, &DEMO, ticket);
    assert_eq!(
        files
            .iter()
            .map(|(_, n, u)| (n.as_str(), *u))
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([("smart.txt", Some(last)), ("iostat.log", Some(last))])
    );

    // Only a status change: not a change at all.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("statusId", xint(STATUS_CLOSED))])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide ticket update contents.",
    );
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_OPEN);

    // A subject of 0 is no subject (SLDN edit).
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("subjectId", xint(0))]))
            .arg(xstr("no subject")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide a subject when creating a standard support ticket.",
    );
    // Nothing to change at all.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[]))
            .arg(xstr("")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide ticket update contents.",
    );

    // Three files: refused; no update, no file kept.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("priority", xint(2))]))
            .arg(xstr("three files"))
            .arg(xarray(&[
                file("1.txt", b"1"),
                file("2.txt", b"2"),
                file("3.txt", b"3"),
            ])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "You may not attach more than two files when updating a ticket.",
    );
    assert_eq!(entries(&server, &DEMO, ticket).len(), after.len());
    assert_eq!(files_of(&server, &DEMO, ticket).len(), 2);
    let reply = server.xmlrpc(&call("getObject", &DEMO).id(ticket).mask("mask[priority]"));
    assert_eq!(
        reply.ok().member("priority").int(),
        1,
        "a refused edit changes nothing"
    );

    // Assigning to a user of another account is refused (SLDN edit).
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[("assignedUserId", xint(OTHER.id))]))
            .arg(xstr("reassign")),
    );
    reply.fault();
    let reply = server.xmlrpc(&call("getAssignedUser", &DEMO).id(ticket));
    assert_eq!(reply.ok().member("id").int(), DEMO_OPS.id);
}

#[test]
fn edit_with_only_files_adds_them() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "only files");
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(ticket)
            .arg(xstruct(&[]))
            .arg(XVal::Nil)
            .arg(xarray(&[file("only.txt", b"only")])),
    );
    assert_eq!(
        reply.ok().member("id").int(),
        ticket,
        "{}",
        reply.exchange()
    );
    let files = files_of(&server, &DEMO, ticket);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].1, "only.txt");
}

#[test]
fn edit_and_add_update_refuse_a_closed_ticket() {
    let server = Server::start();
    let before = entries(&server, &DEMO, CLOSED_TICKET);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(CLOSED_TICKET)
            .arg(xstruct(&[]))
            .arg(xstr("Please reopen"))
            .arg(xarray(&[file("late.txt", b"late")])),
    );
    assert_update_refused(&reply);
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(CLOSED_TICKET)
            .arg(xstruct(&[("entry", xstr("with a file"))]))
            .arg(xarray(&[file("late.txt", b"late")])),
    );
    assert_update_refused(&reply);
    assert_eq!(entries(&server, &DEMO, CLOSED_TICKET), before);
    assert!(files_of(&server, &DEMO, CLOSED_TICKET).is_empty());
    assert_eq!(status_of(&server, &DEMO, CLOSED_TICKET), STATUS_CLOSED);
}

// ---------------------------------------------------------------------------
// Additional emails
// ---------------------------------------------------------------------------

fn emails_of(server: &Server, user: &User, ticket: i64) -> Vec<String> {
    let reply = server.xmlrpc(&call("getAttachedAdditionalEmails", user).id(ticket));
    let mut out: Vec<String> = reply
        .ok()
        .array()
        .iter()
        .map(|e| e.member("email").str().to_string())
        .collect();
    out.sort();
    out
}

fn strings(list: &[&str]) -> XVal {
    xarray(&list.iter().map(|s| xstr(s)).collect::<Vec<_>>())
}

#[test]
fn additional_emails_add_remove_update_get() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "notify my team");
    assert!(emails_of(&server, &DEMO, ticket).is_empty());

    let reply = server.xmlrpc(
        &call("addAttachedAdditionalEmails", &DEMO)
            .id(ticket)
            .arg(strings(&[
                "noc@demo.example.com",
                "oncall@demo.example.com",
            ])),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(
        emails_of(&server, &DEMO, ticket),
        vec!["noc@demo.example.com", "oncall@demo.example.com"]
    );
    // They are additional emails of the ticket's assigned user.
    let reply = server.xmlrpc(&call("getAttachedAdditionalEmails", &DEMO).id(ticket));
    for e in reply.ok().array() {
        assert_eq!(e.member("userId").int(), DEMO.id, "{}", reply.exchange());
    }
    // Adding one that is there already does not list it twice.
    server
        .xmlrpc(
            &call("addAttachedAdditionalEmails", &DEMO)
                .id(ticket)
                .arg(strings(&[
                    "noc@demo.example.com",
                    "cto@demo.example.com",
                    // In another case: the same address, as removing and mailing read
                    // it (it was listed twice, and one remove took both).
                    "NOC@Demo.Example.com",
                ])),
        )
        .ok();
    // A label in another script is measured as DNS sends it (punycode), not in UTF-8
    // bytes: 33 `ä` are 66 bytes, 39 characters as `xn--…`. And the two lower cases of
    // one Greek letter are one address.
    let long_label = format!("a@{}.de", "\u{e4}".repeat(33));
    for (add, listed) in [
        (long_label.as_str(), long_label.as_str()),
        (
            "\u{3a3}\u{391}\u{3a3}@demo.example.com",
            "\u{3a3}\u{391}\u{3a3}@demo.example.com",
        ),
        (
            "\u{3c3}\u{3b1}\u{3c3}@demo.example.com",
            "\u{3a3}\u{391}\u{3a3}@demo.example.com",
        ),
        // Other letters, not other cases: both kept.
        (
            "stra\u{df}e@demo.example.com",
            "stra\u{df}e@demo.example.com",
        ),
        ("strasse@demo.example.com", "strasse@demo.example.com"),
    ] {
        let reply = server.xmlrpc(
            &call("addAttachedAdditionalEmails", &DEMO)
                .id(ticket)
                .arg(strings(&[add])),
        );
        assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
        assert!(emails_of(&server, &DEMO, ticket).contains(&listed.to_string()));
    }
    assert_eq!(emails_of(&server, &DEMO, ticket).len(), 7);
    server
        .xmlrpc(
            &call("removeAttachedAdditionalEmails", &DEMO)
                .id(ticket)
                .arg(strings(&[
                    &long_label,
                    "\u{3c3}\u{3b1}\u{3c3}@demo.example.com",
                    "stra\u{df}e@demo.example.com",
                    "strasse@demo.example.com",
                ])),
        )
        .ok();
    assert_eq!(
        emails_of(&server, &DEMO, ticket),
        vec![
            "cto@demo.example.com",
            "noc@demo.example.com",
            "oncall@demo.example.com"
        ]
    );

    // Invalid addresses: the fault lists them; nothing is added.
    let reply = server.xmlrpc(
        &call("addAttachedAdditionalEmails", &DEMO)
            .id(ticket)
            .arg(strings(&[
                "not-an-email",
                "ok@demo.example.com",
                "two@@x",
                "dots@demo..example.com",
                ".lead@demo.example.com",
                // RFC 5322's specials, a domain label with a hyphen at its edge, a local
                // part over RFC 5321's 64 octets.
                "<z@x.com>",
                "a@-x.com",
                &format!("{}@x.com", "x".repeat(65)),
                // Past 63 as punycode (68 and 206 characters).
                &format!("a@{}.com", "\u{e9}".repeat(62)),
                &format!("a@{}.de", "\u{fc}".repeat(200)),
            ])),
    );
    let f = reply.fault();
    assert!(
        f.string.starts_with("Invalid email address(es) found: "),
        "{}",
        reply.exchange()
    );
    for bad in [
        "not-an-email",
        "two@@x",
        "dots@demo..example.com",
        ".lead@demo.example.com",
        "<z@x.com>",
        "a@-x.com",
        &format!("{}@x.com", "x".repeat(65)),
        &format!("a@{}.com", "\u{e9}".repeat(62)),
        &format!("a@{}.de", "\u{fc}".repeat(200)),
    ] {
        assert!(f.string.contains(bad), "{bad}: {}", reply.exchange());
    }
    assert!(
        !f.string.contains("ok@demo.example.com"),
        "{}",
        reply.exchange()
    );
    assert_eq!(emails_of(&server, &DEMO, ticket).len(), 3);

    // remove: the given ones go; unknown ones are ignored; true.
    let reply = server.xmlrpc(
        &call("removeAttachedAdditionalEmails", &DEMO)
            .id(ticket)
            .arg(strings(&["cto@demo.example.com", "never@demo.example.com"])),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(
        emails_of(&server, &DEMO, ticket),
        vec!["noc@demo.example.com", "oncall@demo.example.com"]
    );

    // update: exactly the given list afterwards.
    let reply = server.xmlrpc(
        &call("updateAttachedAdditionalEmails", &DEMO)
            .id(ticket)
            .arg(strings(&[
                "oncall@demo.example.com",
                "ceo@demo.example.com",
            ])),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(
        emails_of(&server, &DEMO, ticket),
        vec!["ceo@demo.example.com", "oncall@demo.example.com"]
    );
    // update with an invalid address changes nothing.
    let reply = server.xmlrpc(
        &call("updateAttachedAdditionalEmails", &DEMO)
            .id(ticket)
            .arg(strings(&["bad address"])),
    );
    assert!(
        reply
            .fault()
            .string
            .starts_with("Invalid email address(es) found: "),
        "{}",
        reply.exchange()
    );
    assert_eq!(
        emails_of(&server, &DEMO, ticket),
        vec!["ceo@demo.example.com", "oncall@demo.example.com"]
    );
    // update with an empty list detaches them all.
    server
        .xmlrpc(
            &call("updateAttachedAdditionalEmails", &DEMO)
                .id(ticket)
                .arg(xarray(&[])),
        )
        .ok();
    assert!(emails_of(&server, &DEMO, ticket).is_empty());

    // Another ticket's list is its own.
    let second = new_ticket(&server, &DEMO, "second");
    server
        .xmlrpc(
            &call("addAttachedAdditionalEmails", &DEMO)
                .id(second)
                .arg(strings(&["second@demo.example.com"])),
        )
        .ok();
    assert!(emails_of(&server, &DEMO, ticket).is_empty());
}

#[test]
fn additional_emails_belong_to_the_assigned_user() {
    let server = Server::start();
    // Seed 160000002 is assigned to demo-ops (5002).
    let ticket = 160000002;
    server
        .xmlrpc(
            &call("addAttachedAdditionalEmails", &DEMO)
                .id(ticket)
                .arg(strings(&["dns-team@demo.example.com"])),
        )
        .ok();
    let reply = server.xmlrpc(&call("getAttachedAdditionalEmails", &DEMO).id(ticket));
    let list = reply.ok().array();
    assert_eq!(list.len(), 1, "{}", reply.exchange());
    assert_eq!(list[0].member("userId").int(), DEMO_OPS.id);
    let user_emails = |user: &User| -> Vec<String> {
        let reply = server
            .xmlrpc(&XmlRpcCall::new("SoftLayer_User_Customer", "getAdditionalEmails").auth(user));
        reply
            .ok()
            .array()
            .iter()
            .map(|e| e.member("email").str().to_string())
            .collect()
    };
    assert_eq!(user_emails(&DEMO_OPS), vec!["dns-team@demo.example.com"]);
    assert!(user_emails(&DEMO).is_empty());
}

// ---------------------------------------------------------------------------
// Dedicated hosts and assigned agents
// ---------------------------------------------------------------------------

#[test]
fn dedicated_host_attachment_rules() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "host trouble");
    let hosts = |s: &Server| {
        let reply = s.xmlrpc(&call("getAttachedDedicatedHosts", &DEMO).id(ticket));
        ids_of(reply.ok())
    };
    assert!(hosts(&server).is_empty());

    let reply = server.xmlrpc(
        &call("addAttachedDedicatedHost", &DEMO)
            .id(ticket)
            .arg(xint(7001)),
    );
    let link = reply.ok();
    assert_eq!(
        link.member("ticketId").int(),
        ticket,
        "{}",
        reply.exchange()
    );
    assert_eq!(link.member("dedicatedHostId").int(), 7001);
    assert_eq!(hosts(&server), BTreeSet::from([7001]));
    let reply = server.xmlrpc(&call("getAttachedDedicatedHosts", &DEMO).id(ticket));
    assert_eq!(
        reply.ok().array()[0].member("name").str(),
        "dh-demo-dal10",
        "{}",
        reply.exchange()
    );
    // It is one of the ticket's attached resources.
    let reply = server.xmlrpc(&call("getAttachedResources", &DEMO).id(ticket));
    let resources: Vec<i64> = reply
        .ok()
        .array()
        .iter()
        .map(|r| r.member("attachmentId").int())
        .collect();
    assert_eq!(resources, vec![7001], "{}", reply.exchange());

    // Null: no argument, nil, 0.
    for arg in [None, Some(XVal::Nil), Some(xint(0))] {
        let mut c = call("addAttachedDedicatedHost", &DEMO).id(ticket);
        if let Some(a) = arg {
            c = c.arg(a);
        }
        assert_fault(
            &server.xmlrpc(&c),
            "SoftLayer_Exception",
            "Unable to attach a null dedicated host to this ticket.",
        );
    }
    // Already attached.
    let reply = server.xmlrpc(
        &call("addAttachedDedicatedHost", &DEMO)
            .id(ticket)
            .arg(xint(7001)),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "This dedicated host is already attached to this ticket.",
    );
    // Another account's host (7101), and one that does not exist.
    for host in [7101, 99_999] {
        let reply = server.xmlrpc(
            &call("addAttachedDedicatedHost", &DEMO)
                .id(ticket)
                .arg(xint(host)),
        );
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            "You may not attach this dedicated host to this ticket.",
        );
    }
    // Other may attach its own host to its own ticket, not demo's.
    let reply = server.xmlrpc(
        &call("addAttachedDedicatedHost", &OTHER)
            .id(OTHER_TICKET)
            .arg(xint(7001)),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "You may not attach this dedicated host to this ticket.",
    );
    server
        .xmlrpc(
            &call("addAttachedDedicatedHost", &OTHER)
                .id(OTHER_TICKET)
                .arg(xint(7101)),
        )
        .ok();
    let reply = server.xmlrpc(
        &call("addAttachedDedicatedHost", &OTHER)
            .id(ticket)
            .arg(xint(7101)),
    );
    assert_not_found(&reply, ticket);
    assert_eq!(hosts(&server), BTreeSet::from([7001]));
}

#[test]
fn assigned_agents_add_and_remove() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "agents");
    let agents = |s: &Server| -> Vec<i64> {
        let reply = s.xmlrpc(&call("getAssignedAgents", &DEMO).id(ticket));
        let mut ids: Vec<i64> = reply
            .ok()
            .array()
            .iter()
            .map(|u| u.member("id").int())
            .collect();
        ids.sort();
        ids
    };
    assert!(agents(&server).is_empty());
    assert_void(&server.xmlrpc(&call("addAssignedAgent", &DEMO).id(ticket).arg(xint(5002))));
    assert_eq!(agents(&server), vec![5002]);
    // The agent is the account's user, with its properties.
    let reply = server.xmlrpc(&call("getAssignedAgents", &DEMO).id(ticket));
    assert_eq!(reply.ok().array()[0].member("username").str(), "demo-ops");
    // Adding again does not list the agent twice.
    server
        .xmlrpc(&call("addAssignedAgent", &DEMO).id(ticket).arg(xint(5002)))
        .ok();
    server
        .xmlrpc(&call("addAssignedAgent", &DEMO).id(ticket).arg(xstr("5003")))
        .ok();
    assert_eq!(agents(&server), vec![5002, 5003]);
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[assignedAgentCount]"),
    );
    assert_eq!(reply.ok().member("assignedAgentCount").int(), 2);

    // A user of another account is not found, as an id that is no user; no agent id
    // is asked for.
    for id in [OTHER.id, 424242] {
        let reply = server.xmlrpc(&call("addAssignedAgent", &DEMO).id(ticket).arg(xint(id)));
        assert_not_found(&reply, id);
    }
    let reply = server.xmlrpc(&call("addAssignedAgent", &DEMO).id(ticket));
    assert_fault(&reply, "SoftLayer_Exception", "Please provide an agent id.");
    assert_eq!(agents(&server), vec![5002, 5003]);

    assert_void(
        &server.xmlrpc(
            &call("removeAssignedAgent", &DEMO)
                .id(ticket)
                .arg(xint(5002)),
        ),
    );
    assert_eq!(agents(&server), vec![5003]);
    // Removing one that is not assigned is a fault and changes nothing.
    let reply = server.xmlrpc(
        &call("removeAssignedAgent", &DEMO)
            .id(ticket)
            .arg(xint(5002)),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "This agent is not assigned to this ticket.",
    );
    assert_eq!(agents(&server), vec![5003]);
}

// ---------------------------------------------------------------------------
// Scheduled alert and auto-close
// ---------------------------------------------------------------------------

#[test]
fn scheduled_alert_and_auto_close_add_and_remove() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "schedule");
    let actions = |s: &Server| -> BTreeSet<i64> {
        let reply = s.xmlrpc(&call("getScheduledActions", &DEMO).id(ticket));
        ids_of(reply.ok())
    };
    assert!(actions(&server).is_empty());

    assert_void(
        &server.xmlrpc(
            &call("addScheduledAlert", &DEMO)
                .id(ticket)
                .arg(xstr("2026-12-24T09:00:00-06:00")),
        ),
    );
    let alert = actions(&server);
    assert_eq!(alert.len(), 1);
    let reply = server.xmlrpc(&call("getScheduledActions", &DEMO).id(ticket));
    assert_recent(
        reply.ok().array()[0].member("createDate"),
        "transaction createDate",
    );

    assert_void(
        &server.xmlrpc(
            &call("addScheduledAutoClose", &DEMO)
                .id(ticket)
                .arg(xstr("12/31/2026 18:00:00")),
        ),
    );
    let both = actions(&server);
    assert_eq!(both.len(), 2);
    assert!(both.is_superset(&alert));
    let auto_close: BTreeSet<i64> = both.difference(&alert).copied().collect();
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[scheduledActionCount]"),
    );
    assert_eq!(reply.ok().member("scheduledActionCount").int(), 2);

    // Removing the alert leaves the auto-close, and the other way round.
    assert_void(&server.xmlrpc(&call("removeScheduledAlert", &DEMO).id(ticket)));
    assert_eq!(actions(&server), auto_close);
    assert_void(&server.xmlrpc(&call("removeScheduledAutoClose", &DEMO).id(ticket)));
    assert!(actions(&server).is_empty());
    // Removing what is not there is harmless.
    assert_void(&server.xmlrpc(&call("removeScheduledAlert", &DEMO).id(ticket)));

    // An activation time is needed, and it must be a time.
    for method in ["addScheduledAlert", "addScheduledAutoClose"] {
        assert_fault(
            &server.xmlrpc(&call(method, &DEMO).id(ticket)),
            "SoftLayer_Exception_InvalidValue",
            "Please provide an activation time.",
        );
        assert_fault(
            &server.xmlrpc(&call(method, &DEMO).id(ticket).arg(xstr("next tuesday-ish"))),
            "SoftLayer_Exception_InvalidValue",
            "Invalid activation time 'next tuesday-ish': use ISO 8601 or MM/DD/YYYY HH:MM:SS.",
        );
        // Past 9999 in UTC: it was stored as `+10000-01-01…`, which SQLite's date
        // functions cannot read, so the action never fired; year 0000 fired at once.
        for beyond in ["9999-12-31T23:59:59-12:00", "0000-06-01T00:00:00"] {
            let reply = server.xmlrpc(&call(method, &DEMO).id(ticket).arg(xstr(beyond)));
            assert_eq!(
                reply.fault().code_text(),
                "SoftLayer_Exception_InvalidValue",
                "{}",
                reply.exchange()
            );
        }
    }
    assert!(actions(&server).is_empty());
}

// ---------------------------------------------------------------------------
// setTags / getTagReferences
// ---------------------------------------------------------------------------

fn tag_names(server: &Server, user: &User, ticket: i64) -> Vec<String> {
    let reply = server.xmlrpc(
        &call("getTagReferences", user)
            .id(ticket)
            .mask("mask[id,resourceTableId,usrRecordId,tag[name]]"),
    );
    let mut names = Vec::new();
    for r in reply.ok().array() {
        assert_eq!(
            r.member("resourceTableId").int(),
            ticket,
            "{}",
            reply.exchange()
        );
        names.push(r.member("tag").member("name").str().to_string());
    }
    names.sort();
    names
}

#[test]
fn set_tags_replaces_the_tickets_tags() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "tag me");
    let other = new_ticket(&server, &DEMO, "leave me");
    assert!(tag_names(&server, &DEMO, ticket).is_empty());

    // A comma-separated list: trimmed, empty items dropped, duplicates once.
    let reply = server.xmlrpc(
        &call("setTags", &DEMO)
            .id(ticket)
            .arg(xstr("disk, web01 ,disk,,urgent")),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(
        tag_names(&server, &DEMO, ticket),
        vec!["disk", "urgent", "web01"]
    );
    let reply = server.xmlrpc(
        &call("getTagReferences", &DEMO)
            .id(ticket)
            .mask("mask[usrRecordId]"),
    );
    for r in reply.ok().array() {
        assert_eq!(
            r.member("usrRecordId").int(),
            DEMO.id,
            "{}",
            reply.exchange()
        );
    }
    server
        .xmlrpc(&call("setTags", &DEMO).id(other).arg(xstr("keep")))
        .ok();

    // SLDN (SoftLayer_Tag::setTags): "The characters permitted are A-Z, 0-9, whitespace,
    // _ (underscore), - (hypen), . (period), and : (colon). All other characters will be
    // stripped away." They were kept as sent; a tag of nothing else is none.
    server
        .xmlrpc(&call("setTags", &DEMO).id(ticket).arg(xstr(
            "bad<tag>!, ok:1.2_x-y, <script>, 日本, *, two words, no\u{a0}break\u{2028}",
        )))
        .ok();
    assert_eq!(
        tag_names(&server, &DEMO, ticket),
        vec!["badtag", "nobreak", "ok:1.2_x-y", "script", "two words"]
    );

    // Replace semantics: the new list is the list.
    server
        .xmlrpc(
            &call("setTags", &DEMO)
                .id(ticket)
                .arg(xstr("urgent,network")),
        )
        .ok();
    assert_eq!(tag_names(&server, &DEMO, ticket), vec!["network", "urgent"]);
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[tagReferenceCount]"),
    );
    assert_eq!(reply.ok().member("tagReferenceCount").int(), 2);
    // An empty list clears them.
    server
        .xmlrpc(&call("setTags", &DEMO).id(ticket).arg(xstr("")))
        .ok();
    assert!(tag_names(&server, &DEMO, ticket).is_empty());
    // Other tickets keep theirs.
    assert_eq!(tag_names(&server, &DEMO, other), vec!["keep"]);
}

// ---------------------------------------------------------------------------
// addFinalComments
// ---------------------------------------------------------------------------

#[test]
fn final_comments_only_once_on_closed_tickets() {
    let server = Server::start();
    let ticket = new_ticket(&server, &DEMO, "will be closed");
    // An open ticket refuses them.
    let reply = server.xmlrpc(
        &call("addFinalComments", &DEMO)
            .id(ticket)
            .arg(xstr("Too early")),
    );
    assert_fault_message(
        &reply,
        "You can only add final comments to a closed ticket.",
    );
    close(&server, ticket);
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);

    // None: missing, empty, blank.
    for arg in [None, Some(xstr("")), Some(xstr("  \n"))] {
        let mut c = call("addFinalComments", &DEMO).id(ticket);
        if let Some(a) = arg {
            c = c.arg(a);
        }
        assert_fault_message(&server.xmlrpc(&c), "Please provide final comments.");
    }
    // At most 4000 characters (characters, not bytes).
    let too_long: String = "é".repeat(4001);
    let reply = server.xmlrpc(
        &call("addFinalComments", &DEMO)
            .id(ticket)
            .arg(xstr(&too_long)),
    );
    assert_fault_message(
        &reply,
        "Your final comments may not exceed 4000 characters in length.",
    );
    let read = |s: &Server| {
        s.xmlrpc(
            &call("getObject", &DEMO)
                .id(ticket)
                .mask("mask[finalComments]"),
        )
        .ok()
        .get("finalComments")
        .cloned()
    };
    assert!(
        matches!(read(&server), None | Some(XVal::Nil)),
        "refused comments are not stored"
    );

    let comments: String = "é".repeat(3990) + "Thanks!!!!";
    assert_eq!(comments.chars().count(), 4000);
    let reply = server.xmlrpc(
        &call("addFinalComments", &DEMO)
            .id(ticket)
            .arg(xstr(&comments)),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(read(&server), Some(xstr(&comments)));

    // Once only.
    let reply = server.xmlrpc(
        &call("addFinalComments", &DEMO)
            .id(ticket)
            .arg(xstr("Second thoughts")),
    );
    assert_fault_message(&reply, "This ticket already has final comments set.");
    assert_eq!(read(&server), Some(xstr(&comments)));
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);

    // Seed 160000003 is closed and has none: demo-ops, a user of the account, may set them.
    let reply = server.xmlrpc(
        &call("addFinalComments", &DEMO_OPS)
            .id(CLOSED_TICKET)
            .arg(xstr("Resolved quickly.")),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
}

// ---------------------------------------------------------------------------
// createCancelServerTicket / createCancelServiceTicket
// ---------------------------------------------------------------------------

#[test]
fn cancel_server_ticket_rules() {
    let server = Server::start();
    let before = account_ticket_ids(&server, &DEMO);
    let reply = server.xmlrpc(
        &call("createCancelServerTicket", &DEMO)
            .arg(xint(8002))
            .arg(xstr("No longer needed"))
            .arg(xstr("db01 has been migrated to the new cluster."))
            .arg(xbool(true))
            .arg(xstr("HARDWARE")),
    );
    let t = reply.ok();
    let id = t.member("id").int();
    assert_eq!(
        t.member("accountId").int(),
        DEMO.account_id,
        "{}",
        reply.exchange()
    );
    assert_eq!(t.member("statusId").int(), STATUS_OPEN);
    assert_eq!(
        the_new_ticket(
            &before,
            &account_ticket_ids(&server, &DEMO),
            "cancel server"
        ),
        id
    );
    // The server is attached, the reason and content are in the ticket.
    assert_eq!(
        attached_hardware(&server, &DEMO, id),
        BTreeSet::from([8002])
    );
    let text = entries(&server, &DEMO, id).concat();
    assert!(
        text.contains("No longer needed") && text.contains("db01 has been migrated"),
        "{text}"
    );
    // …and a cancellation request names the ticket.
    let reply = server.xmlrpc(&call("getCancellationRequest", &DEMO).id(id));
    let request = reply.ok();
    assert_eq!(request.member("ticketId").int(), id, "{}", reply.exchange());
    assert_eq!(request.member("accountId").int(), DEMO.account_id);
    assert_eq!(
        request.member("notes").str(),
        "db01 has been migrated to the new cluster."
    );

    // A second cancellation of the same server names the first ticket.
    let reply = server.xmlrpc(
        &call("createCancelServerTicket", &DEMO)
            .arg(xint(8002))
            .arg(xstr("Moving to competitor"))
            .arg(xstr("again"))
            .arg(xbool(false))
            .arg(xstr("HARDWARE")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        &format!(
            "A cancellation ticket already exists for this server. Please refer to ticket {id}."
        ),
    );
    // SLDN: only an *open* cancellation ticket stands in the way. Once support closes
    // it, the server may be cancelled again, and the next attempt names the new ticket.
    close(&server, id);
    let again = |reason: &str| {
        server.xmlrpc(
            &call("createCancelServerTicket", &DEMO)
                .arg(xint(8002))
                .arg(xstr(reason))
                .arg(xstr("again"))
                .arg(xbool(false))
                .arg(xstr("HARDWARE")),
        )
    };
    let reply = again("Moving to competitor");
    let second = reply.ok().member("id").int();
    assert_ne!(second, id, "{}", reply.exchange());
    assert_fault(
        &again("Moving to competitor"),
        "SoftLayer_Exception",
        &format!(
            "A cancellation ticket already exists for this server. Please refer to ticket {second}."
        ),
    );

    // SLDN lists one attachment type, HARDWARE: a virtual guest is cancelled with
    // createCancelServiceTicket.
    let reply = server.xmlrpc(
        &call("createCancelServerTicket", &DEMO)
            .arg(xint(9002))
            .arg(xstr("Server / Upgrade Costs"))
            .arg(xstr("vs-app02 is too expensive."))
            .arg(xbool(false))
            .arg(xstr("VIRTUAL_GUEST")),
    );
    assert_invalid_value(&reply, "VIRTUAL_GUEST");

    // Required arguments, in order.
    let missing: [(Vec<XVal>, &str); 6] = [
        (vec![], "Attachment id must be provided."),
        (
            vec![xint(0), xstr("No longer needed"), xstr("x")],
            "Attachment id must be provided.",
        ),
        (vec![xint(8003)], "Cancellation reason must be provided."),
        (
            vec![xint(8003), xstr(""), xstr("x")],
            "Cancellation reason must be provided.",
        ),
        (
            vec![xint(8003), xstr("No longer needed")],
            "Cancellation content description must be provided.",
        ),
        (
            vec![xint(8003), xstr("No longer needed"), xstr("  ")],
            "Cancellation content description must be provided.",
        ),
    ];
    for (args, message) in missing {
        let mut c = call("createCancelServerTicket", &DEMO);
        for a in args {
            c = c.arg(a);
        }
        assert_fault(&server.xmlrpc(&c), "SoftLayer_Exception", message);
    }
    // Another account's server, and one that does not exist.
    for (device, kind) in [(8101, "HARDWARE"), (8999, "HARDWARE")] {
        let reply = server.xmlrpc(
            &call("createCancelServerTicket", &DEMO)
                .arg(xint(device))
                .arg(xstr("No longer needed"))
                .arg(xstr("not mine"))
                .arg(xbool(false))
                .arg(xstr(kind)),
        );
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            "You do not have permission to this service.",
        );
    }
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(
        after.len(),
        before.len() + 2,
        "only the two good calls opened tickets"
    );
    // Other's account is untouched.
    assert_eq!(
        account_ticket_ids(&server, &OTHER),
        BTreeSet::from([OTHER_TICKET])
    );
}

/// A `SoftLayer_Exception_InvalidValue` fault for the attachment type `kind`.
fn assert_invalid_value(reply: &XmlRpcReply, kind: &str) {
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_InvalidValue"),
        "{kind}: {}",
        reply.exchange()
    );
}

#[test]
fn cancel_service_ticket_rules() {
    let server = Server::start();
    let reply = server.xmlrpc(
        &call("createCancelServiceTicket", &DEMO)
            .arg(xint(9001))
            .arg(xstr("Migrating to larger server"))
            .arg(xstr("vs-app01 moves to a bigger flavour."))
            .arg(xstr("VIRTUAL_GUEST")),
    );
    let id = reply.ok().member("id").int();
    assert_eq!(reply.ok().member("accountId").int(), DEMO.account_id);
    let text = entries(&server, &DEMO, id).concat();
    assert!(
        text.contains("Migrating to larger server") && text.contains("bigger flavour"),
        "{text}"
    );
    let reply = server.xmlrpc(&call("getCancellationRequest", &DEMO).id(id));
    assert_eq!(
        reply.ok().member("ticketId").int(),
        id,
        "{}",
        reply.exchange()
    );
    assert_eq!(
        reply.ok().member("notes").str(),
        "vs-app01 moves to a bigger flavour."
    );
    // A hardware service too.
    let reply = server.xmlrpc(
        &call("createCancelServiceTicket", &DEMO)
            .arg(xint(8003))
            .arg(xstr("No longer needed"))
            .arg(xstr("gpu01 done"))
            .arg(xstr("HARDWARE")),
    );
    reply.ok();

    let missing: [(Vec<XVal>, &str); 3] = [
        (vec![], "Attachment id must be provided."),
        (vec![xint(9002)], "Cancellation reason must be provided."),
        (
            vec![xint(9002), xstr("No longer needed")],
            "Cancellation content description must be provided.",
        ),
    ];
    for (args, message) in missing {
        let mut c = call("createCancelServiceTicket", &DEMO);
        for a in args {
            c = c.arg(a);
        }
        assert_fault(&server.xmlrpc(&c), "SoftLayer_Exception", message);
    }
    // SLDN lists HARDWARE and VIRTUAL_GUEST: no type is hardware, as on
    // createCancelServerTicket, and the hardware is attached.
    let reply = server.xmlrpc(
        &call("createCancelServiceTicket", &DEMO)
            .arg(xint(8002))
            .arg(xstr("No longer needed"))
            .arg(xstr("db01 done")),
    );
    let untyped = reply.ok().member("id").int();
    assert_eq!(
        attached_hardware(&server, &DEMO, untyped),
        BTreeSet::from([8002]),
        "{}",
        reply.exchange()
    );
    let before = account_ticket_ids(&server, &DEMO);
    for kind in ["SERVICE", "DEDICATED_HOST", "bogus"] {
        let reply = server.xmlrpc(
            &call("createCancelServiceTicket", &DEMO)
                .arg(xint(8003))
                .arg(xstr("No longer needed"))
                .arg(xstr("c"))
                .arg(xstr(kind)),
        );
        assert_invalid_value(&reply, kind);
    }
    assert_eq!(account_ticket_ids(&server, &DEMO), before);
    for args in [
        vec![xint(9101), xstr("VIRTUAL_GUEST")],
        vec![xint(8102), xstr("HARDWARE")],
        // Another account's hardware with no type given.
        vec![xint(8101)],
        vec![xint(999_999)],
    ] {
        let mut c = call("createCancelServiceTicket", &DEMO).arg(args[0].clone());
        c = c.arg(xstr("No longer needed")).arg(xstr("not mine"));
        if let Some(kind) = args.get(1) {
            c = c.arg(kind.clone());
        }
        assert_fault(
            &server.xmlrpc(&c),
            "SoftLayer_Exception",
            "You do not have permission to this service.",
        );
    }
    for (device, kind) in [(9101, "VIRTUAL_GUEST"), (8102, "HARDWARE")] {
        let reply = server.xmlrpc(
            &call("createCancelServiceTicket", &DEMO)
                .arg(xint(device))
                .arg(xstr("No longer needed"))
                .arg(xstr("not mine"))
                .arg(xstr(kind)),
        );
        assert_fault(
            &reply,
            "SoftLayer_Exception",
            "You do not have permission to this service.",
        );
    }
}

/// createCancelServerTicket: "Create a sales cancel server ticket";
/// createCancelServiceTicket: "creates a sales ticket"; createUpgradeTicket: "a ticket
/// for the SoftLayer sales team". All three land in a group of the Sales category.
#[test]
fn cancellation_and_upgrade_tickets_are_sales_tickets() {
    let server = Server::start();
    let category_of = |ticket: i64| -> String {
        let reply = server.xmlrpc(
            &call("getObject", &DEMO)
                .id(ticket)
                .mask("mask[id,group[name,category[name]]]"),
        );
        reply
            .ok()
            .get("group")
            .and_then(|g| g.get("category"))
            .and_then(|c| c.get("name"))
            .and_then(XVal::as_str)
            .unwrap_or_else(|| {
                panic!(
                    "ticket {ticket} has no group category\n{}",
                    reply.exchange()
                )
            })
            .to_string()
    };
    let upgrade = server
        .xmlrpc(
            &call("createUpgradeTicket", &DEMO)
                .arg(XVal::Nil)
                .arg(xstr("PPTP VPN users"))
                .arg(XVal::Nil)
                .arg(xstr("Two more VPN users."))
                .arg(xstr("NONE")),
        )
        .ok()
        .member("id")
        .int();
    let server_cancel = server
        .xmlrpc(
            &call("createCancelServerTicket", &DEMO)
                .arg(xint(8002))
                .arg(xstr("No longer needed"))
                .arg(xstr("done"))
                .arg(xbool(false))
                .arg(xstr("HARDWARE")),
        )
        .ok()
        .member("id")
        .int();
    let service_cancel = server
        .xmlrpc(
            &call("createCancelServiceTicket", &DEMO)
                .arg(xint(9001))
                .arg(xstr("No longer needed"))
                .arg(xstr("done"))
                .arg(xstr("VIRTUAL_GUEST")),
        )
        .ok()
        .member("id")
        .int();
    let got = [
        ("createUpgradeTicket", category_of(upgrade)),
        ("createCancelServerTicket", category_of(server_cancel)),
        ("createCancelServiceTicket", category_of(service_cancel)),
    ];
    for (method, category) in &got {
        assert_eq!(
            category, "Sales",
            "{method} opens a sales ticket (SLDN); categories seen: {got:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// createUpgradeTicket
// ---------------------------------------------------------------------------

#[test]
fn upgrade_ticket_rules() {
    let server = Server::start();
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(xint(8001))
            .arg(xstr("RAM"))
            .arg(xstr("Saturday 02:00-04:00 UTC"))
            .arg(xstr("Add 64 GB of RAM to web01."))
            .arg(xstr("HARDWARE"))
            .arg(xstr("More RAM for web01")),
    );
    let t = reply.ok();
    let id = t.member("id").int();
    assert_eq!(
        t.member("title").str(),
        "More RAM for web01",
        "{}",
        reply.exchange()
    );
    assert_eq!(t.member("accountId").int(), DEMO.account_id);
    assert_eq!(t.member("statusId").int(), STATUS_OPEN);
    assert_eq!(
        attached_hardware(&server, &DEMO, id),
        BTreeSet::from([8001])
    );
    let text = entries(&server, &DEMO, id).concat();
    for part in [
        "RAM",
        "Saturday 02:00-04:00 UTC",
        "Add 64 GB of RAM to web01.",
    ] {
        assert!(text.contains(part), "the ticket says {part:?}: {text}");
    }
    // A virtual guest upgrade.
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(xint(9001))
            .arg(xstr("CPU"))
            .arg(xstr("Sunday 01:00-03:00 UTC"))
            .arg(xstr("Two more cores."))
            .arg(xstr("VIRTUAL_GUEST")),
    );
    let vs = reply.ok().member("id").int();
    assert_eq!(
        attached_virtual_guests(&server, &DEMO, vs),
        BTreeSet::from([9001])
    );
    // An account-level upgrade needs no maintenance window and attaches nothing.
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(XVal::Nil)
            .arg(xstr("PPTP VPN users"))
            .arg(XVal::Nil)
            .arg(xstr("Two more VPN users."))
            .arg(xstr("NONE")),
    );
    let account_level = reply.ok().member("id").int();
    assert_eq!(
        entries(&server, &DEMO, account_level),
        vec!["Upgrade: PPTP VPN users\n\nTwo more VPN users.".to_string()]
    );
    // With neither a kind nor a window, the details are the entry (it began with a
    // blank line).
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(xstr("more ram"))
            .arg(xstr("NONE")),
    );
    let bare = reply.ok().member("id").int();
    assert_eq!(entries(&server, &DEMO, bare), vec!["more ram".to_string()]);
    assert!(attached_hardware(&server, &DEMO, account_level).is_empty());
    assert!(attached_virtual_guests(&server, &DEMO, account_level).is_empty());

    let before = account_ticket_ids(&server, &DEMO);
    // A device upgrade without a window.
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(xint(8002))
            .arg(xstr("Disk"))
            .arg(XVal::Nil)
            .arg(xstr("Another SSD."))
            .arg(xstr("HARDWARE")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide an upgrade maintenance window.",
    );
    // No details.
    for details in [None, Some(xstr("")), Some(xstr("  "))] {
        let mut c = call("createUpgradeTicket", &DEMO)
            .arg(XVal::Nil)
            .arg(xstr("RAM"))
            .arg(XVal::Nil);
        if let Some(d) = details {
            c = c.arg(d);
        }
        assert_fault(
            &server.xmlrpc(&c),
            "SoftLayer_Exception",
            "Please provide upgrade details.",
        );
    }
    // Another account's hardware (or guest), and hardware that does not exist.
    for (device, kind) in [
        (8101, "HARDWARE"),
        (9101, "VIRTUAL_GUEST"),
        (8999, "HARDWARE"),
    ] {
        let reply = server.xmlrpc(
            &call("createUpgradeTicket", &DEMO)
                .arg(xint(device))
                .arg(xstr("RAM"))
                .arg(xstr("any time"))
                .arg(xstr("more"))
                .arg(xstr(kind)),
        );
        let f = reply.fault();
        assert_eq!(f.code, xstr("SoftLayer_Exception"), "{}", reply.exchange());
        // SLDN: "Unable to open an upgrade ticket on hardware id <$attachmentId>", its
        // placeholder filled as every other message's is.
        assert_eq!(
            f.string,
            format!("Unable to open an upgrade ticket on hardware id {device}"),
            "{}",
            reply.exchange()
        );
    }
    // The types SLDN lists: a firewall appliance is hardware; a dedicated host is not
    // listed.
    for kind in ["DEDICATED_HOST", "SERVICE"] {
        let reply = server.xmlrpc(
            &call("createUpgradeTicket", &DEMO)
                .arg(xint(8002))
                .arg(xstr("RAM"))
                .arg(xstr("any time"))
                .arg(xstr("more"))
                .arg(xstr(kind)),
        );
        assert_invalid_value(&reply, kind);
    }
    assert_eq!(account_ticket_ids(&server, &DEMO), before);
    let reply = server.xmlrpc(
        &call("createUpgradeTicket", &DEMO)
            .arg(xint(8002))
            .arg(xstr("Firewall"))
            .arg(xstr("Sunday 01:00-03:00 UTC"))
            .arg(xstr("A bigger firewall."))
            .arg(xstr("FIREWALL_APPLIANCE")),
    );
    let firewall = reply.ok().member("id").int();
    assert_eq!(
        attached_hardware(&server, &DEMO, firewall),
        BTreeSet::from([8002])
    );
}

// ---------------------------------------------------------------------------
// getTicketsClosedSinceDate
// ---------------------------------------------------------------------------

fn closed_since(server: &Server, user: &User, date: XVal) -> Vec<i64> {
    let reply = server.xmlrpc(
        &call("getTicketsClosedSinceDate", user)
            .arg(date)
            .mask("mask[id,statusId]"),
    );
    reply
        .ok()
        .array()
        .iter()
        .map(|t| {
            assert_eq!(
                t.member("statusId").int(),
                STATUS_CLOSED,
                "{}",
                reply.exchange()
            );
            t.member("id").int()
        })
        .collect()
}

#[test]
fn tickets_closed_since_a_date() {
    let server = Server::start();
    let first = new_ticket(&server, &DEMO, "first to close");
    let second = new_ticket(&server, &DEMO, "second to close");
    let still_open = new_ticket(&server, &DEMO, "stays open");
    close(&server, second);
    // A second later, so the close dates differ.
    std::thread::sleep(Duration::from_millis(1100));
    close(&server, first);

    // Seed 160000003 was closed 2026-06-05T15:00:00-05:00; newest first.
    let all = closed_since(&server, &DEMO, xstr("2026-06-01T00:00:00-05:00"));
    assert_eq!(all, vec![first, second, CLOSED_TICKET]);
    assert!(!all.contains(&still_open));
    // MM/DD/YYYY.
    assert_eq!(
        closed_since(&server, &DEMO, xstr("06/05/2026")),
        vec![first, second, CLOSED_TICKET]
    );
    assert_eq!(
        closed_since(&server, &DEMO, xstr("06/06/2026")),
        vec![first, second]
    );
    assert_eq!(
        closed_since(&server, &DEMO, xstr("2026-06-05T16:00:00-05:00")),
        vec![first, second]
    );
    // To the millisecond, as zeep sends a datetime: a close at 15:00:00 is not since
    // 15:00:00.900 (the fraction was dropped), and is since 14:59:59.900.
    for (date, closed) in [
        ("2026-06-05T15:00:00.900-05:00", vec![first, second]),
        ("2026-06-05T20:00:00.001Z", vec![first, second]),
        (
            "2026-06-05T14:59:59.900-05:00",
            vec![first, second, CLOSED_TICKET],
        ),
        (
            "2026-06-05T15:00:00.000-05:00",
            vec![first, second, CLOSED_TICKET],
        ),
        // Past the millisecond, as .NET sends one: the fraction still counts (it was
        // cut to the millisecond, and 0.0009 s was none). XML Schema's end of a day is
        // the next day's midnight (it was refused).
        ("2026-06-05T15:00:00.0009-05:00", vec![first, second]),
        ("2026-06-05T15:00:00.0000001-05:00", vec![first, second]),
        (
            "2026-06-05T15:00:00.0000-05:00",
            vec![first, second, CLOSED_TICKET],
        ),
        (
            "2026-06-04T24:00:00-05:00",
            vec![first, second, CLOSED_TICKET],
        ),
        ("2026-06-05T24:00:00-05:00", vec![first, second]),
    ] {
        assert_eq!(closed_since(&server, &DEMO, xstr(date)), closed, "{date}");
    }
    // An XML-RPC dateTime.
    assert_eq!(
        closed_since(&server, &DEMO, XVal::DateTime("20260101T00:00:00".into())),
        vec![first, second, CLOSED_TICKET]
    );
    // The future: none.
    assert!(closed_since(&server, &DEMO, xstr("01/01/2030")).is_empty());
    // Another account sees only its own (none closed).
    assert!(closed_since(&server, &OTHER, xstr("01/01/2000")).is_empty());
    // Reopened tickets are not closed.
    support(&server, second, "reopen", "");
    assert_eq!(
        closed_since(&server, &DEMO, xstr("06/06/2026")),
        vec![first]
    );
    // Year 0000 is no date a client can read back (zeep: "year 0 is out of range").
    for year_zero in [
        xstr("0000-01-01"),
        XVal::DateTime("00000101T00:00:00".into()),
    ] {
        let reply = server.xmlrpc(&call("getTicketsClosedSinceDate", &DEMO).arg(year_zero));
        assert_eq!(
            reply.fault().code_text(),
            "SoftLayer_Exception_InvalidValue",
            "{}",
            reply.exchange()
        );
    }
    // softlayer-go's zero time is written as ISO 8601: its fault names the years, not
    // the formats (it said "use ISO 8601").
    let reply =
        server.xmlrpc(&call("getTicketsClosedSinceDate", &DEMO).arg(xstr("0001-01-01T00:00:00Z")));
    assert_fault(
        &reply,
        "SoftLayer_Exception_InvalidValue",
        "Invalid date '0001-01-01T00:00:00Z': dates run from 0001-01-02T00:00:00Z to 9999-12-31T10:00:00Z.",
    );
    // Not a date: a fault that says what a date is.
    let reply = server.xmlrpc(&call("getTicketsClosedSinceDate", &DEMO).arg(xstr("yesterday-ish")));
    assert_fault(
        &reply,
        "SoftLayer_Exception_InvalidValue",
        "Invalid date 'yesterday-ish': use ISO 8601 (2024-01-31T00:00:00-06:00) or MM/DD/YYYY.",
    );
}

/// "Data in the API is centric to the Central time zone (CST/CDT). Which means that
/// unless you specify a timezone in your request, CST/CDT will be assumed." (SLDN,
/// Date Handling in the SoftLayer API). Seed 160000003 was closed at
/// 2026-06-05T15:00:00-05:00; 16:00 Central that day is after it, 14:00 before.
#[test]
fn closed_since_dates_without_a_zone_are_central_time() {
    let server = Server::start();
    for (date, included) in [
        ("06/05/2026 16:00:00", false),
        ("2026-06-05T16:00:00", false),
        ("06/05/2026 14:00:00", true),
        ("2026-06-05T14:00:00", true),
    ] {
        let got = closed_since(&server, &DEMO, xstr(date));
        assert_eq!(
            got.contains(&CLOSED_TICKET),
            included,
            "getTicketsClosedSinceDate({date:?}) read as Central time: {got:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// The administrative ticket's charge
// ---------------------------------------------------------------------------

#[test]
fn administrative_tickets_carry_a_three_dollar_charge() {
    let server = Server::start();
    let reply = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[("title", xstr("Install nginx on web01"))]))
            .arg(xstr("Please install and enable nginx.")),
    );
    let t = reply.ok();
    let id = t.member("id").int();
    assert_eq!(
        t.member("serverAdministrationFlag").int(),
        1,
        "{}",
        reply.exchange()
    );
    assert_eq!(t.member("billableFlag"), &xbool(true));
    assert_eq!(t.member("serverAdministrationBillingAmount").int(), 3);
    let invoice_id = t.member("serverAdministrationBillingInvoiceId").int();

    // getInvoiceItems: one item, a one-time fee of $3.
    let reply = server.xmlrpc(&call("getInvoiceItems", &DEMO).id(id));
    let items = reply.ok().array();
    assert_eq!(items.len(), 1, "{}", reply.exchange());
    assert_eq!(
        decimal(items[0].member("oneTimeFee")),
        3.0,
        "{}",
        reply.exchange()
    );
    assert_eq!(items[0].member("invoiceId").int(), invoice_id);
    assert_eq!(items[0].member("resourceTableId").int(), id);
    assert_recent(items[0].member("createDate"), "invoice item createDate");

    // getServerAdministrationBillingInvoice: the invoice holding that item.
    let reply = server.xmlrpc(
        &call("getServerAdministrationBillingInvoice", &DEMO)
            .id(id)
            .mask("mask[id,accountId,createDate,items[id,oneTimeFee]]"),
    );
    let invoice = reply.ok();
    assert_eq!(
        invoice.member("id").int(),
        invoice_id,
        "{}",
        reply.exchange()
    );
    assert_eq!(invoice.member("accountId").int(), DEMO.account_id);
    assert_recent(invoice.member("createDate"), "invoice createDate");
    let lines = invoice.member("items").array();
    assert_eq!(lines.len(), 1);
    assert_eq!(decimal(lines[0].member("oneTimeFee")), 3.0);
    assert_eq!(lines[0].member("id").int(), items[0].member("id").int());
    // No refund.
    let reply = server.xmlrpc(&call("getServerAdministrationRefundInvoice", &DEMO).id(id));
    assert_eq!(reply.ok(), &XVal::Nil, "{}", reply.exchange());
    // The same through getObject.
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(id)
            .mask("mask[serverAdministrationFlag,invoiceItems[oneTimeFee],serverAdministrationBillingInvoice[id]]"),
    );
    let read = reply.ok();
    assert_eq!(read.member("serverAdministrationFlag").int(), 1);
    assert_eq!(
        decimal(read.member("invoiceItems").array()[0].member("oneTimeFee")),
        3.0
    );
    assert_eq!(
        read.member("serverAdministrationBillingInvoice")
            .member("id")
            .int(),
        invoice_id
    );

    // A second administrative ticket is charged again, on its own invoice.
    let second = server
        .xmlrpc(
            &call("createAdministrativeTicket", &DEMO)
                .arg(xstruct(&[("title", xstr("Rotate logs"))]))
                .arg(xstr("logrotate weekly")),
        )
        .ok()
        .member("serverAdministrationBillingInvoiceId")
        .int();
    assert_ne!(second, invoice_id);
    // The account lists its charges, as a billing script looks for them; another
    // account's lists none of them.
    let invoices = |user: &User| -> Vec<i64> {
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getInvoices")
                .auth(user)
                .mask("mask[id,typeCode,items[oneTimeFee]]"),
        );
        let list = reply.ok().array();
        for invoice in list {
            assert_eq!(
                invoice.member("typeCode").str(),
                "ONE-TIME-CHARGE",
                "{}",
                reply.exchange()
            );
            assert_eq!(
                decimal(invoice.member("items").array()[0].member("oneTimeFee")),
                3.0
            );
        }
        list.iter().map(|i| i.member("id").int()).collect()
    };
    assert_eq!(invoices(&DEMO), [invoice_id, second]);
    assert_eq!(invoices(&OTHER), Vec::<i64>::new());

    // Standard tickets are free: no items, no invoice.
    let standard = new_ticket(&server, &DEMO, "free");
    let reply = server.xmlrpc(&call("getInvoiceItems", &DEMO).id(standard));
    assert!(reply.ok().array().is_empty(), "{}", reply.exchange());
    let reply = server.xmlrpc(&call("getServerAdministrationBillingInvoice", &DEMO).id(standard));
    assert_eq!(reply.ok(), &XVal::Nil, "{}", reply.exchange());
}

// ---------------------------------------------------------------------------
// surveyEligible
// ---------------------------------------------------------------------------

#[test]
fn survey_eligible_follows_the_survey_preference_per_user() {
    let server = Server::start();
    let eligible = |user: &User| -> XVal {
        server
            .xmlrpc(&XmlRpcCall::new(TICKET, "surveyEligible").auth(user))
            .ok()
            .clone()
    };
    let survey = |user: &User, method: &str| {
        server.xmlrpc(&XmlRpcCall::new("SoftLayer_Ticket_Survey", method).auth(user))
    };
    assert_eq!(eligible(&DEMO), xbool(true));
    assert_eq!(eligible(&DEMO_OPS), xbool(true));
    survey(&DEMO, "optOut").ok();
    assert_eq!(eligible(&DEMO), xbool(false));
    assert_eq!(
        eligible(&DEMO_OPS),
        xbool(true),
        "the preference is per user"
    );
    // SLDN getPreference returns void (issue 11, item 15).
    assert_void(&survey(&DEMO, "getPreference"));
    survey(&DEMO, "optIn").ok();
    assert_eq!(eligible(&DEMO), xbool(true));
    assert_void(&survey(&DEMO, "getPreference"));
}

// ---------------------------------------------------------------------------
// The documented SoftLayer_Exception_Public classes
// ---------------------------------------------------------------------------

/// addFinalComments, addAttachedAdditionalEmails and
/// SoftLayer_Ticket_Update_Employee::addResponseRating document their faults as
/// `SoftLayer_Exception_Public`. Every case is run; the failure lists all mismatches.
#[test]
fn documented_public_exceptions_carry_their_class() {
    let server = Server::start();
    let open = new_ticket(&server, &DEMO, "open");
    let closed = new_ticket(&server, &DEMO, "closed");
    close(&server, closed);
    server
        .xmlrpc(&call("addFinalComments", &DEMO).id(closed).arg(xstr("done")))
        .ok();
    let other_closed = new_ticket(&server, &DEMO, "closed, no comments");
    close(&server, other_closed);
    let employee_update = |ticket: i64| -> i64 {
        let reply = server.xmlrpc(
            &call("getUpdates", &DEMO)
                .id(ticket)
                .mask("mask[id,editorType]"),
        );
        reply
            .ok()
            .array()
            .iter()
            .filter(|u| u.member("editorType").str() == "EMPLOYEE")
            .map(|u| u.member("id").int())
            .next()
            .unwrap_or_else(|| panic!("ticket {ticket} has an employee update"))
    };
    let rate = |update: i64, rating: i64| {
        XmlRpcCall::new("SoftLayer_Ticket_Update_Employee", "addResponseRating")
            .auth(&DEMO)
            .id(update)
            .arg(xint(rating))
    };
    let cases: Vec<(XmlRpcCall, &str)> = vec![
        (
            call("addFinalComments", &DEMO).id(open).arg(xstr("x")),
            "You can only add final comments to a closed ticket.",
        ),
        (
            call("addFinalComments", &DEMO).id(closed).arg(xstr("x")),
            "This ticket already has final comments set.",
        ),
        (
            call("addFinalComments", &DEMO)
                .id(other_closed)
                .arg(xstr("")),
            "Please provide final comments.",
        ),
        (
            call("addFinalComments", &DEMO)
                .id(other_closed)
                .arg(xstr(&"x".repeat(4001))),
            "Your final comments may not exceed 4000 characters in length.",
        ),
        (
            call("addAttachedAdditionalEmails", &DEMO)
                .id(open)
                .arg(strings(&["nope"])),
            "Invalid email address(es) found: nope",
        ),
        (
            rate(employee_update(160000002), 9),
            "Please set a response rating between 1 and 5.",
        ),
        (
            rate(employee_update(CLOSED_TICKET), 5),
            "Ratings cannot be edited on a closed ticket.",
        ),
    ];
    let mut wrong = Vec::new();
    for (c, message) in cases {
        let reply = server.xmlrpc(&c);
        match &reply.outcome {
            Ok(v) => wrong.push(format!("{}: no fault, got {v:?}", c.method)),
            Err(f) => {
                if f.string != message {
                    wrong.push(format!(
                        "{}: message {:?}, expected {message:?}",
                        c.method, f.string
                    ));
                }
                if f.code != xstr("SoftLayer_Exception_Public") {
                    wrong.push(format!(
                        "{} (init id {:?}) {message:?}: class {}, SLDN documents SoftLayer_Exception_Public",
                        c.method,
                        c.init_id,
                        f.code_text(),
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------
// Ids are never handed out twice
// ---------------------------------------------------------------------------

/// One round of add-then-remove on demo's ticket 160000002, each thing twice: the ids
/// given out (virtual guest links, scheduled-action transactions, tag references), in
/// order. Nothing added is left behind.
fn ids_given_out(server: &Server) -> Vec<(&'static str, i64)> {
    const T: i64 = 160000002;
    let mut out = Vec::new();
    for _ in 0..2 {
        let reply = server.xmlrpc(&call("addAttachedVirtualGuest", &DEMO).id(T).arg(xint(9002)));
        out.push(("guest link", reply.ok().member("id").int()));
        let reply = server.xmlrpc(
            &call("removeAttachedVirtualGuest", &DEMO)
                .id(T)
                .arg(xint(9002)),
        );
        assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());

        let reply = server.xmlrpc(
            &call("addScheduledAutoClose", &DEMO)
                .id(T)
                .arg(xstr("2031-01-01T00:00:00-06:00")),
        );
        reply.ok();
        let reply = server.xmlrpc(&call("getScheduledActions", &DEMO).id(T));
        let actions = ids_of(reply.ok());
        assert_eq!(actions.len(), 1, "{}", reply.exchange());
        out.extend(actions.into_iter().map(|id| ("transaction", id)));
        server
            .xmlrpc(&call("removeScheduledAutoClose", &DEMO).id(T))
            .ok();

        server
            .xmlrpc(&call("setTags", &DEMO).id(T).arg(xstr("reused-or-not")))
            .ok();
        let reply = server.xmlrpc(&call("getTagReferences", &DEMO).id(T));
        out.extend(
            ids_of(reply.ok())
                .into_iter()
                .map(|id| ("tag reference", id)),
        );
        server
            .xmlrpc(&call("setTags", &DEMO).id(T).arg(xstr("")))
            .ok();
    }
    out
}

/// The ids of a ticket's scheduled-action attachments (no API lists them).
fn scheduled_action_ids(db: &str, ticket: i64) -> Vec<i64> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT id FROM SoftLayer_Ticket_Attachment_Scheduled_Action WHERE ticketId = ?1")
        .unwrap();
    stmt.query_map([ticket], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn assert_all_new(given: &[(&str, i64)], context: &str) {
    let mut seen = BTreeSet::new();
    for (kind, id) in given {
        assert!(
            seen.insert((*kind, *id)),
            "{context}: {kind} id {id} handed out twice: {given:?}"
        );
    }
}

/// SoftLayer never hands out an id twice; SQLite (and "the highest id plus one") would
/// give a removed row's id to the next one. Neither within a run, nor after a restart,
/// nor on a database made before the ids were kept (migration 0010).
#[test]
fn removed_ids_are_never_handed_out_again() {
    let dir = TempDir::new("ids");
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();

    let server = Server::start_with_db(&db, None);
    let mut given = ids_given_out(&server);
    assert_all_new(&given, "one run");
    // A scheduled action replaced by another: the new one has a new id.
    let ticket = new_ticket(&server, &DEMO, "scheduled twice");
    let mut actions = Vec::new();
    for when in ["2031-01-01T00:00:00-06:00", "2031-02-01T00:00:00-06:00"] {
        server
            .xmlrpc(&call("addScheduledAlert", &DEMO).id(ticket).arg(xstr(when)))
            .ok();
        actions.extend(scheduled_action_ids(&db, ticket));
    }
    drop(server);

    // The newest rows were removed: a restarted server still knows their ids.
    let server = Server::start_with_db(&db, None);
    given.extend(ids_given_out(&server));
    assert_all_new(&given, "across a restart");
    server
        .xmlrpc(&call("removeScheduledAlert", &DEMO).id(ticket))
        .ok();
    server
        .xmlrpc(
            &call("addScheduledAlert", &DEMO)
                .id(ticket)
                .arg(xstr("2031-03-01T00:00:00-06:00")),
        )
        .ok();
    actions.extend(scheduled_action_ids(&db, ticket));
    let distinct: BTreeSet<i64> = actions.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        actions.len(),
        "scheduled actions: {actions:?}"
    );
    drop(server);

    // A database from before migration 0010: it is migrated and keeps ids from then on.
    let latest: i64 = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let latest: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        let triggers: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'id_high_water_%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!triggers.is_empty());
        for t in triggers {
            conn.execute_batch(&format!("DROP TRIGGER {t}")).unwrap();
        }
        // Migrations after 0010 are undone too, so that they run again on top of it.
        conn.execute_batch(
            "DROP TABLE derived_id_high_water; DROP TABLE SoftLayer_Locale_Timezone; \
             DROP INDEX emulator_text_index_queue_row; DROP TABLE SoftLayer_User_Customer_Status; \
             DROP TABLE SoftLayer_Account_Status; \
             DROP VIEW SoftLayer_Container_Virtual_DedicatedHost_AllocationStatus; \
             DROP TABLE SoftLayer_Hardware_Router_Backend; \
             ALTER TABLE SoftLayer_Virtual_DedicatedHost DROP COLUMN datacenterId; \
             ALTER TABLE SoftLayer_Ticket DROP COLUMN lastEditorId; PRAGMA user_version = 9",
        )
        .unwrap();
        for c in crate::harness::USER_CONTACT_COLUMNS {
            conn.execute_batch(&format!(
                "ALTER TABLE SoftLayer_User_Customer DROP COLUMN {c}"
            ))
            .unwrap();
        }
        latest
    };
    let server = Server::start_with_db(&db, None);
    assert_all_new(&ids_given_out(&server), "a migrated database");
    drop(server);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, latest, "migrated to the latest version again");
}
