//! SoftLayer_Ticket over raw XML-RPC: every method's happy path and every
//! exception its SLDN page documents, against a real server on a real socket.
//!
//! Expected values come from the seed (fixtures/seed/*.json), from the type
//! reference (schema/softlayer.json: which properties are local) and from what
//! the test itself created; messages and classes come from the method pages
//! in shared/reference/sldn/services/SoftLayer_Ticket/. Each test starts its
//! own server on an in-memory database, so tests are independent.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value as J;

const TICKET: &str = "SoftLayer_Ticket";
const STATUS_OPEN: i64 = 1001;
const STATUS_CLOSED: i64 = 1002;
/// Seed: demo's open ticket with three updates and hardware 8001 attached.
const OPEN_TICKET: i64 = 160000001;
/// Seed: demo's ticket in status Assigned.
const ASSIGNED_TICKET: i64 = 160000002;
/// Seed: demo's closed ticket.
const CLOSED_TICKET: i64 = 160000003;
/// Seed: other's ticket.
const OTHER_TICKET: i64 = 160000101;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn call(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new(TICKET, method).auth(user)
}

/// A date of the shape SLDN date-handling gives within five minutes of now.
fn assert_recent(date: &XVal, what: &str) {
    let text = date
        .as_str()
        .unwrap_or_else(|| panic!("{what}: not a date string: {date:?}"));
    // SLDN articles on result limits and date handling: `2013-08-01T14:14:04-07:00`.
    let b = text.as_bytes();
    let shape_ok = b.len() == 25
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 | 22 => c == b':',
            19 => c == b'+' || c == b'-',
            _ => c.is_ascii_digit(),
        });
    assert!(shape_ok, "{what} {text:?} is not YYYY-MM-DDTHH:MM:SS+HH:MM");
    common::assert_recent(date, what);
}

fn standard_template(subject: i64) -> XVal {
    xstruct(&[
        ("subjectId", xint(subject)),
        ("assignedUserId", xint(DEMO.id)),
    ])
}

fn file(name: &str) -> XVal {
    xstruct(&[
        ("filename", xstr(name)),
        ("data", XVal::Base64("aGVsbG8=".into())),
    ])
}

/// Entries of a ticket's updates, oldest first (SoftLayer_Ticket::getUpdates).
fn update_entries(server: &Server, user: &User, ticket: i64) -> Vec<(i64, String)> {
    let reply = server.xmlrpc(&call("getUpdates", user).id(ticket).mask("mask[id,entry]"));
    let mut out: Vec<(i64, String)> = reply
        .ok()
        .array()
        .iter()
        .map(|u| (u.member("id").int(), u.member("entry").str().to_string()))
        .collect();
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// createStandardTicket
// ---------------------------------------------------------------------------

#[test]
fn create_standard_ticket_opens_a_ticket_titled_after_its_subject() {
    let server = Server::start();
    let subject = seed_row("SoftLayer_Ticket_Subject", 1005);
    let before = account_ticket_ids(&server, &DEMO);
    let contents = "web01: disk in bay 2 failed again.\nsmartctl attached below.";
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(standard_template(1005))
            .arg(xstr(contents)),
    );
    let ticket = reply.ok();
    let id = ticket.member("id").int();
    assert!(!before.contains(&id), "new id {id} is a seed id");
    assert_eq!(ticket.member("accountId").int(), DEMO.account_id);
    assert_eq!(ticket.member("statusId").int(), STATUS_OPEN);
    assert_eq!(ticket.member("subjectId").int(), 1005);
    assert_eq!(
        ticket.member("title").str(),
        subject["name"].as_str().unwrap()
    );
    assert_eq!(
        ticket.member("groupId").int(),
        subject["groupId"].as_i64().unwrap()
    );
    assert_eq!(ticket.member("assignedUserId").int(), DEMO.id);
    assert_eq!(ticket.member("userEditableFlag"), &xbool(true));
    assert_eq!(ticket.member("billableFlag"), &xbool(false));
    assert_eq!(ticket.member("serverAdministrationFlag").int(), 0);
    // The brand responsible for it is the account's.
    assert_eq!(
        ticket.member("responsibleBrandId").int(),
        seed_row("SoftLayer_Account", DEMO.account_id)["brandId"]
            .as_i64()
            .unwrap()
    );
    assert_recent(ticket.member("createDate"), "createDate");

    // Its one update is the contents, written by the caller.
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(id)
            .mask("mask[id,updateCount,updates[entry,editorId,editorType,ticketId]]"),
    );
    let read = reply.ok();
    assert_eq!(read.member("updateCount").int(), 1, "{}", reply.exchange());
    let updates = read.member("updates").array();
    assert_eq!(updates.len(), 1, "{}", reply.exchange());
    assert_eq!(updates[0].member("entry").str(), contents);
    assert_eq!(updates[0].member("editorId").int(), DEMO.id);
    assert_eq!(updates[0].member("editorType").str(), "USER");
    assert_eq!(updates[0].member("ticketId").int(), id);

    // The account lists it, open.
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(
        the_new_ticket(&before, &after, "after createStandardTicket"),
        id
    );
    let open = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getOpenTickets")
            .auth(&DEMO)
            .mask("mask[id]"),
    );
    assert!(ids_of(open.ok()).contains(&id), "{}", open.exchange());
}

#[test]
fn create_standard_ticket_attaches_hardware_or_a_virtual_guest() {
    let server = Server::start();
    let with_hardware = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(standard_template(1005))
            .arg(xstr("db01 is beeping"))
            .arg(xint(8002))
            .arg(xstr("r00tpw"))
            .arg(XVal::Nil)
            .arg(xstr("22"))
            .arg(xarray(&[]))
            .arg(xstr("HARDWARE")),
    );
    let hw_ticket = with_hardware.ok().member("id").int();
    assert_eq!(
        attached_hardware(&server, &DEMO, hw_ticket),
        BTreeSet::from([8002])
    );
    assert!(attached_virtual_guests(&server, &DEMO, hw_ticket).is_empty());

    let with_guest = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(standard_template(1201))
            .arg(xstr("vs-app01 lost its disk"))
            .arg(xint(9001))
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(xstr("VIRTUAL_GUEST")),
    );
    let vs_ticket = with_guest.ok().member("id").int();
    assert_eq!(
        attached_virtual_guests(&server, &DEMO, vs_ticket),
        BTreeSet::from([9001])
    );
    assert!(attached_hardware(&server, &DEMO, vs_ticket).is_empty());
}

#[test]
fn create_standard_ticket_documented_exceptions() {
    let server = Server::start();
    let before = account_ticket_ids(&server, &DEMO);
    let no_subject = "Please provide a subject when creating a standard support ticket.";
    let no_contents = "Please provide ticket contents.";

    // No subjectId in the template (a title is no substitute).
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(xstruct(&[("title", xstr("Help"))]))
            .arg(xstr("contents")),
    );
    assert_fault(&reply, "SoftLayer_Exception", no_subject);
    // An empty template, and no template at all.
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(xstruct(&[]))
            .arg(xstr("contents")),
    );
    assert_fault(&reply, "SoftLayer_Exception", no_subject);
    let reply = server.xmlrpc(&call("createStandardTicket", &DEMO));
    assert_fault(&reply, "SoftLayer_Exception", no_subject);

    // No contents: missing, empty, blank.
    let reply = server.xmlrpc(&call("createStandardTicket", &DEMO).arg(standard_template(1005)));
    assert_fault(&reply, "SoftLayer_Exception", no_contents);
    for empty in ["", "   \n"] {
        let reply = server.xmlrpc(
            &call("createStandardTicket", &DEMO)
                .arg(standard_template(1005))
                .arg(xstr(empty)),
        );
        assert_fault(&reply, "SoftLayer_Exception", no_contents);
    }

    // Hardware without a root password.
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(standard_template(1005))
            .arg(xstr("contents"))
            .arg(xint(8001)),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide a root/admin password.",
    );

    assert_eq!(
        account_ticket_ids(&server, &DEMO),
        before,
        "a refused createStandardTicket must not create a ticket"
    );
}

// ---------------------------------------------------------------------------
// createAdministrativeTicket
// ---------------------------------------------------------------------------

#[test]
fn create_administrative_ticket_keeps_its_title_and_is_billable() {
    let server = Server::start();
    let before = account_ticket_ids(&server, &DEMO);
    let reply = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[
                ("title", xstr("Please install nginx on web01")),
                ("assignedUserId", xint(DEMO.id)),
            ]))
            .arg(xstr("Install nginx from Debian and enable it.")),
    );
    let t = reply.ok();
    let id = t.member("id").int();
    assert_eq!(t.member("title").str(), "Please install nginx on web01");
    assert_eq!(t.member("accountId").int(), DEMO.account_id);
    assert_eq!(t.member("statusId").int(), STATUS_OPEN);
    assert_eq!(t.member("userEditableFlag"), &xbool(true));
    // SoftLayer_Ticket type page: administrative tickets have a one-time $3
    // charge; serverAdministrationFlag tells them from standard ones.
    assert_eq!(t.member("serverAdministrationFlag").int(), 1);
    assert_eq!(t.member("billableFlag"), &xbool(true));
    assert_eq!(t.member("serverAdministrationBillingAmount").int(), 3);
    // With no subject it still has a group (SLDN getAllTicketGroups: "Every SoftLayer
    // ticket has groupId and ticketGroup properties"); it had none.
    let group = server.xmlrpc(&call("getGroup", &DEMO).id(id)).ok().clone();
    assert_eq!(group.member("name").str(), "Support", "{group:?}");
    assert_eq!(t.member("groupId").int(), group.member("id").int());
    assert_eq!(
        ticket_entries(&server, &DEMO, id),
        vec!["Install nginx from Debian and enable it.".to_string()]
    );
    let after = account_ticket_ids(&server, &DEMO);
    assert_eq!(the_new_ticket(&before, &after, "administrative"), id);
}

#[test]
fn create_administrative_ticket_documented_exceptions() {
    let server = Server::start();
    let before = account_ticket_ids(&server, &DEMO);
    let no_title = "Please provide a title when creating an administrative support ticket.";
    for template in [
        xstruct(&[("subjectId", xint(1005))]),
        xstruct(&[("title", xstr(""))]),
        xstruct(&[("title", xstr("   "))]),
    ] {
        let reply = server.xmlrpc(
            &call("createAdministrativeTicket", &DEMO)
                .arg(template)
                .arg(xstr("contents")),
        );
        assert_fault(&reply, "SoftLayer_Exception", no_title);
    }
    let reply = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO).arg(xstruct(&[("title", xstr("Admin"))])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide ticket contents.",
    );
    let reply = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[("title", xstr("Admin"))]))
            .arg(xstr("contents"))
            .arg(xint(8001)),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide a root/admin password.",
    );
    assert_eq!(account_ticket_ids(&server, &DEMO), before);
}

// ---------------------------------------------------------------------------
// getObject and the relational getters
// ---------------------------------------------------------------------------

#[test]
fn get_object_returns_each_seed_ticket_with_its_local_properties() {
    let server = Server::start();
    for (user, account) in [(&DEMO, "demo"), (&OTHER, "other")] {
        for row in seed(account)["SoftLayer_Ticket"].as_array().unwrap() {
            let id = row["id"].as_i64().unwrap();
            let reply = server.xmlrpc(&call("getObject", user).id(id));
            assert_eq!(
                members(reply.ok()),
                expected_locals(TICKET, row),
                "getObject {id} must be the seed row's local properties\n{}",
                reply.exchange()
            );
            assert_eq!(reply.total_items(), None, "{}", reply.exchange());
        }
    }
}

#[test]
fn get_object_of_an_unknown_id_is_not_found() {
    let server = Server::start();
    for id in [1, 999, 160000999] {
        assert_not_found(&server.xmlrpc(&call("getObject", &DEMO).id(id)), id);
    }
}

#[test]
fn relational_getters_follow_the_seed() {
    let server = Server::start();
    let updates = seed_rows("SoftLayer_Ticket_Update");
    let attachments = seed_rows("SoftLayer_Ticket_Attachment_Hardware");
    for row in seed("demo")["SoftLayer_Ticket"].as_array().unwrap() {
        let id = row["id"].as_i64().unwrap();
        let mut mine: Vec<&J> = updates
            .iter()
            .filter(|u| u["ticketId"].as_i64() == Some(id))
            .collect();
        mine.sort_by_key(|u| u["id"].as_i64());

        // getUpdates: every update, with its local properties, and the total.
        let reply = server.xmlrpc(&call("getUpdates", &DEMO).id(id));
        let got: Vec<BTreeMap<String, XVal>> = reply.ok().array().iter().map(members).collect();
        let want: Vec<BTreeMap<String, XVal>> = mine
            .iter()
            .map(|u| expected_locals("SoftLayer_Ticket_Update", u))
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort_by_key(|m| m["id"].int());
        assert_eq!(got_sorted, want, "getUpdates {id}\n{}", reply.exchange());
        assert_eq!(reply.total_items(), Some(mine.len() as u64));

        // getFirstUpdate / getLastUpdate.
        let first = server.xmlrpc(&call("getFirstUpdate", &DEMO).id(id));
        assert_eq!(
            first.ok().member("id").int(),
            mine[0]["id"].as_i64().unwrap(),
            "{}",
            first.exchange()
        );
        assert_eq!(
            first.ok().member("entry").str(),
            mine[0]["entry"].as_str().unwrap()
        );
        let last = server.xmlrpc(&call("getLastUpdate", &DEMO).id(id));
        assert_eq!(
            last.ok().member("id").int(),
            mine.last().unwrap()["id"].as_i64().unwrap(),
            "{}",
            last.exchange()
        );

        // getStatus / getSubject / getGroup / getAssignedUser / getAccount.
        let status = seed_row("SoftLayer_Ticket_Status", row["statusId"].as_i64().unwrap());
        let reply = server.xmlrpc(&call("getStatus", &DEMO).id(id));
        assert_eq!(
            members(reply.ok()),
            expected_locals("SoftLayer_Ticket_Status", &status),
            "{}",
            reply.exchange()
        );
        let subject = seed_row(
            "SoftLayer_Ticket_Subject",
            row["subjectId"].as_i64().unwrap(),
        );
        let reply = server.xmlrpc(&call("getSubject", &DEMO).id(id));
        assert_eq!(
            members(reply.ok()),
            expected_locals("SoftLayer_Ticket_Subject", &subject),
            "{}",
            reply.exchange()
        );
        let group = seed_row("SoftLayer_Ticket_Group", row["groupId"].as_i64().unwrap());
        let reply = server.xmlrpc(&call("getGroup", &DEMO).id(id));
        assert_eq!(
            members(reply.ok()),
            expected_locals("SoftLayer_Ticket_Group", &group),
            "{}",
            reply.exchange()
        );
        let user = seed_row(
            "SoftLayer_User_Customer",
            row["assignedUserId"].as_i64().unwrap(),
        );
        let reply = server.xmlrpc(&call("getAssignedUser", &DEMO).id(id));
        let got = reply.ok();
        assert_eq!(
            got.member("id"),
            &xval_of(&user["id"]),
            "{}",
            reply.exchange()
        );
        assert_eq!(got.member("username"), &xval_of(&user["username"]));
        assert_eq!(got.member("accountId").int(), DEMO.account_id);
        let reply = server.xmlrpc(&call("getAccount", &DEMO).id(id));
        let account = seed_row("SoftLayer_Account", DEMO.account_id);
        assert_eq!(
            members(reply.ok()),
            expected_locals("SoftLayer_Account", &account),
            "{}",
            reply.exchange()
        );

        // Attached hardware and its count; no virtual guests in the seed.
        let hw: BTreeSet<i64> = attachments
            .iter()
            .filter(|a| a["ticketId"].as_i64() == Some(id))
            .map(|a| a["hardwareId"].as_i64().unwrap())
            .collect();
        let reply = server.xmlrpc(&call("getAttachedHardware", &DEMO).id(id));
        assert_eq!(ids_of(reply.ok()), hw, "{}", reply.exchange());
        for item in reply.ok().array() {
            let hid = item.member("id").int();
            assert_eq!(
                members(item),
                expected_locals("SoftLayer_Hardware", &seed_row("SoftLayer_Hardware", hid)),
                "{}",
                reply.exchange()
            );
        }
        let reply = server.xmlrpc(&call("getAttachedHardwareCount", &DEMO).id(id));
        assert_eq!(reply.ok(), &xint(hw.len() as i64), "{}", reply.exchange());
        let reply = server.xmlrpc(&call("getAttachedVirtualGuests", &DEMO).id(id));
        assert!(reply.ok().array().is_empty(), "{}", reply.exchange());
    }
}

#[test]
fn all_ticket_statuses_and_groups_are_the_catalogue() {
    let server = Server::start();
    for (method, type_name) in [
        ("getAllTicketStatuses", "SoftLayer_Ticket_Status"),
        ("getAllTicketGroups", "SoftLayer_Ticket_Group"),
    ] {
        let reply = server.xmlrpc(&call(method, &DEMO));
        let mut got: Vec<BTreeMap<String, XVal>> = reply.ok().array().iter().map(members).collect();
        got.sort_by_key(|m| m["id"].int());
        let mut want: Vec<BTreeMap<String, XVal>> = seed_rows(type_name)
            .iter()
            .map(|r| expected_locals(type_name, r))
            .collect();
        want.sort_by_key(|m| m["id"].int());
        assert_eq!(got, want, "{method}\n{}", reply.exchange());
        assert_eq!(reply.total_items(), Some(want.len() as u64));
    }
    // Statuses named in SLDN SoftLayer_Ticket reference.
    let reply = server.xmlrpc(&call("getAllTicketStatuses", &DEMO));
    let names: BTreeMap<i64, String> = reply
        .ok()
        .array()
        .iter()
        .map(|s| (s.member("id").int(), s.member("name").str().to_string()))
        .collect();
    assert_eq!(names[&STATUS_OPEN], "Open");
    assert_eq!(names[&STATUS_CLOSED], "Closed");
    assert!(names.values().any(|n| n == "Assigned"));
}

// ---------------------------------------------------------------------------
// edit
// ---------------------------------------------------------------------------

#[test]
fn edit_adds_an_update_and_never_closes_a_ticket() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("statusId", xint(STATUS_CLOSED))]))
            .arg(xstr("We are done here, please close.")),
    );
    let t = reply.ok();
    assert_eq!(t.member("id").int(), OPEN_TICKET);
    assert_eq!(
        t.member("statusId").int(),
        STATUS_OPEN,
        "edit may not close a ticket (SLDN edit)\n{}",
        reply.exchange()
    );
    assert_eq!(status_of(&server, &DEMO, OPEN_TICKET), STATUS_OPEN);
    let after = update_entries(&server, &DEMO, OPEN_TICKET);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(after.last().unwrap().1, "We are done here, please close.");
}

#[test]
fn edit_without_update_contents_faults_and_changes_nothing() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    let message = "Please provide ticket update contents.";
    // Only a status change (which edit ignores), nothing, blank contents.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("statusId", xint(STATUS_CLOSED))])),
    );
    assert_fault(&reply, "SoftLayer_Exception", message);
    let reply = server.xmlrpc(&call("edit", &DEMO).id(OPEN_TICKET));
    assert_fault(&reply, "SoftLayer_Exception", message);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[]))
            .arg(xstr("  ")),
    );
    assert_fault(&reply, "SoftLayer_Exception", message);
    assert_eq!(status_of(&server, &DEMO, OPEN_TICKET), STATUS_OPEN);
    assert_eq!(update_entries(&server, &DEMO, OPEN_TICKET), before);
}

/// PHP's XML-RPC encoder writes an empty `array()` as `<array><data/></array>` (it cannot
/// write an empty struct), and the real API's PHP decodes both to the same empty array:
/// an empty list where a struct is declared is an empty struct, and the other way round.
/// `$client->edit(array(), 'text')` was refused "expected a SoftLayer_Ticket struct".
#[test]
fn an_empty_list_where_a_struct_is_declared_is_an_empty_struct() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xarray(&[]))
            .arg(xstr("sent by PHP with an empty template")),
    );
    reply.ok();
    let after = update_entries(&server, &DEMO, OPEN_TICKET);
    assert_eq!(after.len(), before.len() + 1, "{}", reply.exchange());
    assert_eq!(
        after.last().unwrap().1,
        "sent by PHP with an empty template"
    );
    // addUpdate's own fault, as for an empty struct, not the template's type.
    let reply = server.xmlrpc(&call("addUpdate", &DEMO).id(OPEN_TICKET).arg(xarray(&[])));
    let as_struct = server.xmlrpc(&call("addUpdate", &DEMO).id(OPEN_TICKET).arg(xstruct(&[])));
    assert_fault(
        &reply,
        "SoftLayer_Exception_Public",
        "Unable to add ticket update.. Please provide ticket update contents.",
    );
    assert_eq!(reply.fault(), as_struct.fault());
    // An empty struct where a list is declared (attachedFiles) is no files.
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(standard_template(1005))
            .arg(xstr("no files"))
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(XVal::Nil)
            .arg(xstruct(&[])),
    );
    let id = reply.ok().member("id").int();
    let reply = server.xmlrpc(&call("getAttachedFiles", &DEMO).id(id));
    assert_eq!(reply.ok(), &xarray(&[]), "{}", reply.exchange());
    // Over REST, PHP's json_decode makes `[]` and `{}` one empty array too.
    let auth = basic_auth(DEMO.username, DEMO.api_key);
    let r = http_request(
        server.addr(),
        "POST",
        &format!("/rest/v3.1/SoftLayer_Ticket/{OPEN_TICKET}/edit.json"),
        &[("Authorization", auth.as_str())],
        br#"{"parameters":[[], "sent over REST with an empty template"]}"#,
        HTTP_TIMEOUT,
    )
    .expect("REST edit");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        update_entries(&server, &DEMO, OPEN_TICKET)
            .last()
            .unwrap()
            .1,
        "sent over REST with an empty template"
    );
    // A list with items is still no struct.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xarray(&[xint(1)]))
            .arg(xstr("refused")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception_InvalidValue",
        "Invalid value for parameter 'templateObject': expected a SoftLayer_Ticket struct.",
    );
}

#[test]
fn edit_takes_two_files_but_not_three() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[]))
            .arg(xstr("three logs attached"))
            .arg(xarray(&[file("a.log"), file("b.log"), file("c.log")])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "You may not attach more than two files when updating a ticket.",
    );
    assert_eq!(update_entries(&server, &DEMO, OPEN_TICKET), before);

    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[]))
            .arg(xstr("two logs attached"))
            .arg(xarray(&[file("a.log"), file("b.log")])),
    );
    reply.ok();
    let after = update_entries(&server, &DEMO, OPEN_TICKET);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last().unwrap().1, "two logs attached");
}

#[test]
fn edit_refuses_an_empty_subject() {
    let server = Server::start();
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("subjectId", xint(0))]))
            .arg(xstr("contents")),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide a subject when creating a standard support ticket.",
    );
}

#[test]
fn edit_keeps_standard_titles_and_changes_administrative_ones() {
    let server = Server::start();
    let seed_title = seed_row(TICKET, OPEN_TICKET)["title"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("title", xstr("My own title"))]))
            .arg(xstr("retitling")),
    );
    assert_eq!(
        reply.ok().member("title").str(),
        seed_title,
        "standard tickets keep their subject's title (SLDN edit)\n{}",
        reply.exchange()
    );

    let created = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[("title", xstr("Install nginx"))]))
            .arg(xstr("please")),
    );
    let id = created.ok().member("id").int();
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(id)
            .arg(xstruct(&[("title", xstr("Install nginx and certbot"))]))
            .arg(xstr("and certbot too")),
    );
    assert_eq!(
        reply.ok().member("title").str(),
        "Install nginx and certbot"
    );
    let read = server.xmlrpc(&call("getObject", &DEMO).id(id).mask("mask[title]"));
    assert_eq!(read.ok().member("title").str(), "Install nginx and certbot");
}

/// SLDN edit: "You may either edit a ticket itself"; only a standard ticket's title, the
/// status, `userEditableFlag` and `accountId` are not the customer's. An administrative
/// ticket's subject and any ticket's location were dropped without a word, a subject or
/// location that does not exist included.
#[test]
fn edit_takes_an_administrative_subject_and_a_location_checked_as_create_checks_them() {
    let server = Server::start();
    let created = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[
                ("title", xstr("Install nginx")),
                ("subjectId", xint(1005)),
            ]))
            .arg(xstr("please")),
    );
    let admin = created.ok().member("id").int();
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(admin)
            .arg(xstruct(&[("subjectId", xint(4242))]))
            .arg(xstr("more")),
    );
    assert_not_found(&reply, 4242);
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(admin)
            .arg(xstruct(&[("subjectId", xint(1004))])),
    );
    let edited = reply.ok();
    assert_eq!(
        edited.member("subjectId").int(),
        1004,
        "{}",
        reply.exchange()
    );
    // The group follows the subject, as at creation; the title stays the customer's.
    assert_eq!(
        edited.member("groupId").int(),
        seed_row("SoftLayer_Ticket_Subject", 1004)["groupId"]
            .as_i64()
            .unwrap()
    );
    assert_eq!(edited.member("title").str(), "Install nginx");
    assert_eq!(reply.http.header("X-SoftLayer-Emulator-Warning"), None);

    let standard = create_standard_ticket(&server, &DEMO, 1005, "", "It clicks.");
    for id in [standard, admin] {
        let reply = server.xmlrpc(
            &call("edit", &DEMO)
                .id(id)
                .arg(xstruct(&[("locationId", xint(1))]))
                .arg(xstr("in the other data centre")),
        );
        assert_not_found(&reply, 1);
        let reply = server.xmlrpc(
            &call("edit", &DEMO)
                .id(id)
                .arg(xstruct(&[("locationId", xint(449494))])),
        );
        assert_eq!(
            reply.ok().member("locationId").int(),
            449494,
            "{}",
            reply.exchange()
        );
        let read = server.xmlrpc(
            &call("getObject", &DEMO)
                .id(id)
                .mask("mask[locationId,location[id]]"),
        );
        assert_eq!(read.ok().member("location").member("id").int(), 449494);
    }
    // The ticket's own location sent back is no change, and so nothing to edit.
    let reply = server.xmlrpc(
        &call("edit", &DEMO)
            .id(standard)
            .arg(xstruct(&[("locationId", xint(449494))])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Please provide ticket update contents.",
    );
}

/// SLDN createStandardTicket: "Support tickets may only be created in the open state".
/// A status or group in the template is ignored, as edit ignores them, and named in the
/// warning header as edit names them (the create methods said nothing).
#[test]
fn create_names_the_status_and_group_it_ignores() {
    let server = Server::start();
    let subject_group = seed_row("SoftLayer_Ticket_Subject", 1001)["groupId"]
        .as_i64()
        .unwrap();
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(xstruct(&[
                ("subjectId", xint(1001)),
                ("statusId", xint(STATUS_CLOSED)),
                ("groupId", xint(subject_group + 1)),
            ]))
            .arg(xstr("Opened closed, please.")),
    );
    assert_eq!(reply.ok().member("statusId").int(), STATUS_OPEN);
    assert_eq!(reply.ok().member("groupId").int(), subject_group);
    assert_eq!(
        reply.http.header("X-SoftLayer-Emulator-Warning"),
        Some(
            format!(
                "createStandardTicket: statusId 1002 ignored: a new ticket is open; \
                 createStandardTicket: groupId {} ignored: a ticket's group follows its subject",
                subject_group + 1
            )
            .as_str()
        ),
        "{}",
        reply.exchange()
    );
    let reply = server.xmlrpc(
        &call("createAdministrativeTicket", &DEMO)
            .arg(xstruct(&[
                ("title", xstr("Install nginx")),
                ("statusId", xstr("1002")),
            ]))
            .arg(xstr("please")),
    );
    assert_eq!(reply.ok().member("statusId").int(), STATUS_OPEN);
    assert_eq!(
        reply.http.header("X-SoftLayer-Emulator-Warning"),
        Some("createAdministrativeTicket: statusId 1002 ignored: a new ticket is open"),
        "{}",
        reply.exchange()
    );
    // What the ticket gets anyway is no change, and no warning.
    let reply = server.xmlrpc(
        &call("createStandardTicket", &DEMO)
            .arg(xstruct(&[
                ("subjectId", xint(1001)),
                ("statusId", xint(STATUS_OPEN)),
                ("groupId", xint(subject_group)),
            ]))
            .arg(xstr("As it comes.")),
    );
    assert_eq!(reply.ok().member("statusId").int(), STATUS_OPEN);
    assert_eq!(
        reply.http.header("X-SoftLayer-Emulator-Warning"),
        None,
        "{}",
        reply.exchange()
    );
}

/// SLDN SoftLayer_Ticket.userEditableFlag: "Whether a user is able to update a ticket."
/// A ticket imported with it false took every customer write; the customer's updates,
/// edits, files and devices are refused, and the support desk still answers it.
#[test]
fn a_ticket_users_may_not_update_refuses_the_customers_writes() {
    let server = Server::start();
    let locked = 170000001;
    let document = serde_json::json!({"SoftLayer_Ticket": [{
        "id": locked, "accountId": 1001, "assignedUserId": 5001, "title": "Locked",
        "statusId": STATUS_OPEN, "subjectId": 1005, "groupId": 1,
        "createDate": "2026-10-01T09:15:00-05:00", "modifyDate": "2026-10-01T09:15:00-05:00",
        "lastEditDate": "2026-10-01T09:15:00-05:00", "lastEditType": "USER",
        "notifyUserOnUpdateFlag": true, "userEditableFlag": false,
        "serverAdministrationFlag": 0, "totalUpdateCount": 0, "serviceProviderId": 1,
        "serviceProviderResourceId": "CS170000001"
    }]});
    let auth = format!("Bearer {}", admin_token(&server));
    let imported = server.post(
        "/_emulator/import",
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        document.to_string().as_bytes(),
    );
    assert_eq!(imported.status, 200, "{}", imported.describe());
    let refused = |reply: &XmlRpcReply, unable: &str| {
        assert_fault(
            reply,
            "SoftLayer_Exception_Public",
            &format!(
                "{unable} This ticket may not be updated by its account's users \
                 (userEditableFlag is false); please contact SoftLayer."
            ),
        )
    };
    refused(
        &server.xmlrpc(
            &call("addUpdate", &DEMO)
                .id(locked)
                .arg(xstruct(&[("entry", xstr("Let me in."))])),
        ),
        "Unable to add ticket update..",
    );
    refused(
        &server.xmlrpc(
            &call("edit", &DEMO)
                .id(locked)
                .arg(xstruct(&[("priority", xint(1))]))
                .arg(xstr("Urgent.")),
        ),
        "Unable to add ticket update..",
    );
    refused(
        &server.xmlrpc(&call("addAttachedFile", &DEMO).id(locked).arg(file("l.txt"))),
        "Unable to attach file to this ticket.",
    );
    let reply = server.xmlrpc(
        &call("addAttachedHardware", &DEMO)
            .id(locked)
            .arg(xint(8002)),
    );
    assert_eq!(reply.fault().code, xstr("SoftLayer_Exception_Public"));
    assert!(
        reply.fault().string.contains("(userEditableFlag is false)"),
        "{}",
        reply.exchange()
    );
    assert!(update_entries(&server, &DEMO, locked).is_empty());
    let read = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(locked)
            .mask("mask[priority,attachedFileCount,attachedHardwareCount]"),
    );
    assert_eq!(read.ok().get("priority"), None, "{}", read.exchange());
    assert_eq!(read.ok().member("attachedFileCount").int(), 0);
    assert_eq!(read.ok().member("attachedHardwareCount").int(), 0);
    // The support desk is SoftLayer's side: it answers as it answers any ticket.
    reply_as(&server, locked, "sl-support-jdoe", "We are on it.", false);
    let entries = update_entries(&server, &DEMO, locked);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].1, "We are on it.");
}

// ---------------------------------------------------------------------------
// addUpdate
// ---------------------------------------------------------------------------

#[test]
fn add_update_appends_and_returns_the_new_update() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, ASSIGNED_TICKET);
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(ASSIGNED_TICKET)
            .arg(xstruct(&[("entry", xstr("Any news on the PTR record?"))])),
    );
    let added = reply.ok().array();
    assert_eq!(added.len(), 1, "{}", reply.exchange());
    let u = &added[0];
    assert_eq!(u.member("entry").str(), "Any news on the PTR record?");
    assert_eq!(u.member("ticketId").int(), ASSIGNED_TICKET);
    assert_eq!(u.member("editorId").int(), DEMO.id);
    assert_eq!(u.member("editorType").str(), "USER");
    assert_recent(u.member("createDate"), "update createDate");
    let new_id = u.member("id").int();
    assert!(before.iter().all(|(id, _)| *id < new_id));

    let after = update_entries(&server, &DEMO, ASSIGNED_TICKET);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(
        after.last().unwrap(),
        &(new_id, "Any news on the PTR record?".to_string())
    );
    let last = server.xmlrpc(&call("getLastUpdate", &DEMO).id(ASSIGNED_TICKET));
    assert_eq!(last.ok().member("id").int(), new_id);
    let reply = server.xmlrpc(
        &call("getUpdates", &DEMO)
            .id(ASSIGNED_TICKET)
            .mask("mask[id]"),
    );
    assert_eq!(reply.total_items(), Some(after.len() as u64));
}

/// A ticket created with 7,801 characters of contents starts with three updates (3,900,
/// 3,900 and 1), and its `totalUpdateCount` says so from the start; one more update
/// counts on from there.
#[test]
fn long_contents_make_the_first_updates_and_are_counted() {
    let server = Server::start();
    let contents: String = (0..7801)
        .map(|i| if i % 50 == 0 { 'ü' } else { 'x' })
        .collect();
    let reply = server.xmlrpc(
        &XmlRpcCall::new(TICKET, "createStandardTicket")
            .auth(&DEMO)
            .arg(xstruct(&[
                ("subjectId", xint(1005)),
                ("title", xstr("long")),
            ]))
            .arg(xstr(&contents)),
    );
    let created = reply.ok();
    assert_eq!(
        created.member("totalUpdateCount").int(),
        3,
        "{}",
        reply.exchange()
    );
    let id = created.member("id").int();
    let lengths: Vec<usize> = update_entries(&server, &DEMO, id)
        .iter()
        .map(|(_, e)| e.chars().count())
        .collect();
    assert_eq!(lengths, [3900, 3900, 1]);
    let count = |server: &Server| {
        server
            .xmlrpc(
                &XmlRpcCall::new(TICKET, "getObject")
                    .auth(&DEMO)
                    .id(id)
                    .mask("mask[totalUpdateCount,updateCount]"),
            )
            .ok()
            .clone()
    };
    let shown = count(&server);
    assert_eq!(shown.member("totalUpdateCount").int(), 3);
    assert_eq!(shown.member("updateCount").int(), 3);
    server
        .xmlrpc(
            &call("addUpdate", &DEMO)
                .id(id)
                .arg(xstruct(&[("entry", xstr("one more"))])),
        )
        .ok();
    assert_eq!(count(&server).member("totalUpdateCount").int(), 4);
}

#[test]
fn add_update_splits_8000_characters_into_3900_3900_200() {
    let server = Server::start();
    // 8000 characters, some of them two bytes long: blocks count characters.
    let entry: String = (0..8000)
        .map(|i| {
            if i % 97 == 0 {
                'é'
            } else {
                char::from(b'a' + (i / 100 % 26) as u8)
            }
        })
        .collect();
    assert_eq!(entry.chars().count(), 8000);
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("entry", xstr(&entry))])),
    );
    let added = reply.ok().array();
    let lengths: Vec<usize> = added
        .iter()
        .map(|u| u.member("entry").str().chars().count())
        .collect();
    assert_eq!(lengths, vec![3900, 3900, 200], "{}", reply.exchange());
    let joined: String = added
        .iter()
        .map(|u| u.member("entry").str())
        .collect::<Vec<_>>()
        .concat();
    assert_eq!(joined, entry, "the blocks, in order, are the entry");
    let ids: Vec<i64> = added.iter().map(|u| u.member("id").int()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids ascend: {ids:?}");

    let after = update_entries(&server, &DEMO, OPEN_TICKET);
    assert_eq!(after.len(), before.len() + 3);
    let tail: Vec<String> = after[before.len()..]
        .iter()
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(tail.concat(), entry);
}

#[test]
fn add_update_refuses_a_closed_ticket() {
    let server = Server::start();
    assert_eq!(
        seed_row(TICKET, CLOSED_TICKET)["statusId"].as_i64(),
        Some(STATUS_CLOSED)
    );
    let before = update_entries(&server, &DEMO, CLOSED_TICKET);
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(CLOSED_TICKET)
            .arg(xstruct(&[("entry", xstr("Please reopen."))])),
    );
    // SLDN addUpdate: SoftLayer_Exception_Public "Unable to add ticket update."
    assert_update_refused(&reply);
    assert_eq!(update_entries(&server, &DEMO, CLOSED_TICKET), before);
    assert_eq!(status_of(&server, &DEMO, CLOSED_TICKET), STATUS_CLOSED);
}

#[test]
fn add_update_refuses_empty_entries_and_more_than_two_files() {
    let server = Server::start();
    let before = update_entries(&server, &DEMO, OPEN_TICKET);
    for template in [
        xstruct(&[]),
        xstruct(&[("entry", xstr(""))]),
        xstruct(&[("entry", xstr(" \n\t"))]),
    ] {
        let reply = server.xmlrpc(&call("addUpdate", &DEMO).id(OPEN_TICKET).arg(template));
        assert_update_refused(&reply);
    }
    let reply = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("entry", xstr("logs"))]))
            .arg(xarray(&[file("1.log"), file("2.log"), file("3.log")])),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "You may not attach more than two files when updating a ticket.",
    );
    assert_eq!(update_entries(&server, &DEMO, OPEN_TICKET), before);
}

// ---------------------------------------------------------------------------
// markAsViewed
// ---------------------------------------------------------------------------

#[test]
fn mark_as_viewed_succeeds_on_own_tickets_only() {
    let server = Server::start();
    for id in [OPEN_TICKET, ASSIGNED_TICKET, CLOSED_TICKET] {
        let reply = server.xmlrpc(&call("markAsViewed", &DEMO).id(id));
        // void: nothing meaningful, but no fault.
        let v = reply.ok();
        assert!(
            matches!(v, XVal::Nil | XVal::Bool(true)) || v == &xstr(""),
            "markAsViewed returns void\n{}",
            reply.exchange()
        );
    }
    assert_not_found(
        &server.xmlrpc(&call("markAsViewed", &OTHER).id(OPEN_TICKET)),
        OPEN_TICKET,
    );
    assert_not_found(
        &server.xmlrpc(&call("markAsViewed", &DEMO).id(OTHER_TICKET)),
        OTHER_TICKET,
    );
    let reply = server.xmlrpc(&call("markAsViewed", &DEMO));
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Object does not exist to execute method on. (SoftLayer_Ticket::markAsViewed)",
    );
}

// ---------------------------------------------------------------------------
// Attached hardware and virtual guests
// ---------------------------------------------------------------------------

struct DeviceRules {
    add: &'static str,
    remove: &'static str,
    list: fn(&Server, &User, i64) -> BTreeSet<i64>,
    link_column: &'static str,
    mine: [i64; 2],
    theirs: i64,
    attach_null: &'static str,
    already: &'static str,
    not_yours_attach: &'static str,
    detach_null: &'static str,
    not_attached: &'static str,
    not_yours_detach: &'static str,
}

const HARDWARE: DeviceRules = DeviceRules {
    add: "addAttachedHardware",
    remove: "removeAttachedHardware",
    list: attached_hardware,
    link_column: "hardwareId",
    mine: [8002, 8003],
    theirs: 8101,
    attach_null: "Unable to attach null hardware to this ticket.",
    already: "This hardware is already attached to this ticket.",
    not_yours_attach: "You may not attach this hardware to this ticket.",
    detach_null: "Unable to detach null hardware from this ticket.",
    not_attached: "This hardware is not attached to this ticket.",
    not_yours_detach: "You may not detach this hardware from this ticket.",
};

const VIRTUAL_GUEST: DeviceRules = DeviceRules {
    add: "addAttachedVirtualGuest",
    remove: "removeAttachedVirtualGuest",
    list: attached_virtual_guests,
    link_column: "virtualGuestId",
    mine: [9001, 9002],
    theirs: 9101,
    attach_null: "Unable to attach a null virtual guest to this ticket.",
    already: "This virtual guest is already attached to this ticket.",
    not_yours_attach: "You may not attach this virtual guest to this ticket.",
    detach_null: "Unable to detach null virtual guest from this ticket.",
    not_attached: "This virtual guest is not attached to this ticket.",
    not_yours_detach: "You may not detach this virtual guest from this ticket.",
};

fn check_device_rules(rules: &DeviceRules) {
    let server = Server::start();
    let ticket = ASSIGNED_TICKET;
    let list = |s: &Server| (rules.list)(s, &DEMO, ticket);
    let start = list(&server);
    assert!(start.is_empty(), "seed ticket {ticket} has no attachments");

    // Attach both of the account's devices.
    for (n, device) in rules.mine.iter().enumerate() {
        let reply = server.xmlrpc(&call(rules.add, &DEMO).id(ticket).arg(xint(*device)));
        let link = reply.ok();
        assert_eq!(
            link.member("ticketId").int(),
            ticket,
            "{}",
            reply.exchange()
        );
        assert_eq!(link.member(rules.link_column).int(), *device);
        assert_eq!(list(&server).len(), n + 1);
    }
    assert_eq!(list(&server), BTreeSet::from(rules.mine));
    if rules.add == "addAttachedHardware" {
        let reply = server.xmlrpc(&call("getAttachedHardwareCount", &DEMO).id(ticket));
        assert_eq!(reply.ok(), &xint(2), "{}", reply.exchange());
    }

    // Null: no argument, nil, 0.
    for arg in [None, Some(XVal::Nil), Some(xint(0))] {
        let mut c = call(rules.add, &DEMO).id(ticket);
        if let Some(a) = arg.clone() {
            c = c.arg(a);
        }
        assert_fault(&server.xmlrpc(&c), "SoftLayer_Exception", rules.attach_null);
        let mut c = call(rules.remove, &DEMO).id(ticket);
        if let Some(a) = arg {
            c = c.arg(a);
        }
        assert_fault(&server.xmlrpc(&c), "SoftLayer_Exception", rules.detach_null);
    }
    // Already attached.
    let reply = server.xmlrpc(&call(rules.add, &DEMO).id(ticket).arg(xint(rules.mine[0])));
    assert_fault(&reply, "SoftLayer_Exception", rules.already);
    // Another account's device, and one that does not exist.
    for device in [rules.theirs, 99_999_999] {
        let reply = server.xmlrpc(&call(rules.add, &DEMO).id(ticket).arg(xint(device)));
        assert_fault(&reply, "SoftLayer_Exception", rules.not_yours_attach);
        let reply = server.xmlrpc(&call(rules.remove, &DEMO).id(ticket).arg(xint(device)));
        assert_fault(&reply, "SoftLayer_Exception", rules.not_yours_detach);
    }
    assert_eq!(list(&server), BTreeSet::from(rules.mine));

    // Detach one: true; again: not attached.
    let reply = server.xmlrpc(
        &call(rules.remove, &DEMO)
            .id(ticket)
            .arg(xint(rules.mine[0])),
    );
    assert_eq!(reply.ok(), &xbool(true), "{}", reply.exchange());
    assert_eq!(list(&server), BTreeSet::from([rules.mine[1]]));
    let reply = server.xmlrpc(
        &call(rules.remove, &DEMO)
            .id(ticket)
            .arg(xint(rules.mine[0])),
    );
    assert_fault(&reply, "SoftLayer_Exception", rules.not_attached);

    // A device attached elsewhere is not attached here.
    let reply = server.xmlrpc(
        &call(rules.add, &DEMO)
            .id(OPEN_TICKET)
            .arg(xint(rules.mine[0])),
    );
    reply.ok();
    let reply = server.xmlrpc(
        &call(rules.remove, &DEMO)
            .id(ticket)
            .arg(xint(rules.mine[0])),
    );
    assert_fault(&reply, "SoftLayer_Exception", rules.not_attached);

    // Ids as numeric strings are ids too (clients send either).
    let reply = server.xmlrpc(
        &call(rules.add, &DEMO)
            .id(ticket)
            .arg(xstr(&rules.mine[0].to_string())),
    );
    reply.ok();
    assert_eq!(list(&server), BTreeSet::from(rules.mine));

    // Another account's user cannot touch demo's ticket at all.
    let reply = server.xmlrpc(&call(rules.add, &OTHER).id(ticket).arg(xint(rules.theirs)));
    assert_not_found(&reply, ticket);
    let reply = server.xmlrpc(
        &call(rules.remove, &OTHER)
            .id(ticket)
            .arg(xint(rules.mine[0])),
    );
    assert_not_found(&reply, ticket);
    // Nor attach demo's device to its own ticket.
    let reply = server.xmlrpc(
        &call(rules.add, &OTHER)
            .id(OTHER_TICKET)
            .arg(xint(rules.mine[0])),
    );
    assert_fault(&reply, "SoftLayer_Exception", rules.not_yours_attach);
    assert!((rules.list)(&server, &OTHER, OTHER_TICKET).is_empty());
    assert_eq!(list(&server), BTreeSet::from(rules.mine));
}

#[test]
fn attached_hardware_rules() {
    check_device_rules(&HARDWARE);
}

#[test]
fn attached_virtual_guest_rules() {
    check_device_rules(&VIRTUAL_GUEST);
}

#[test]
fn attachments_show_in_count_properties() {
    let server = Server::start();
    server
        .xmlrpc(
            &call("addAttachedVirtualGuest", &DEMO)
                .id(OPEN_TICKET)
                .arg(xint(9002)),
        )
        .ok();
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(OPEN_TICKET)
            .mask("mask[id,attachedHardwareCount,attachedVirtualGuestCount,attachedHardware[id],attachedVirtualGuests[id,hostname]]"),
    );
    let t = reply.ok();
    let seed_hw = seed_rows("SoftLayer_Ticket_Attachment_Hardware")
        .iter()
        .filter(|a| a["ticketId"].as_i64() == Some(OPEN_TICKET))
        .count() as i64;
    assert_eq!(
        t.member("attachedHardwareCount").int(),
        seed_hw,
        "{}",
        reply.exchange()
    );
    assert_eq!(t.member("attachedVirtualGuestCount").int(), 1);
    assert_eq!(t.member("attachedHardware").array().len() as i64, seed_hw);
    let guests = t.member("attachedVirtualGuests").array();
    assert_eq!(guests.len(), 1);
    assert_eq!(guests[0].member("id").int(), 9002);
    assert_eq!(
        guests[0].member("hostname").str(),
        seed_row("SoftLayer_Virtual_Guest", 9002)["hostname"]
            .as_str()
            .unwrap()
    );
}

/// Session 70's Unicode sweep: a caller's text was trimmed of every Unicode blank, where
/// the real API trims with PHP's `trim()` (space, tab, line ends, NUL, vertical tab). An
/// update of only U+3000 was refused as empty, and an address with a trailing no-break
/// space was stored without it; PHP keeps both characters.
#[test]
fn text_is_trimmed_as_php_trims_it() {
    let server = Server::start();
    let update = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("entry", xstr("\u{3000}"))])),
    );
    assert_eq!(
        update.ok().array()[0].member("entry").str(),
        "\u{3000}",
        "{}",
        update.exchange()
    );
    let blank = server.xmlrpc(
        &call("addUpdate", &DEMO)
            .id(OPEN_TICKET)
            .arg(xstruct(&[("entry", xstr(" \t\r\n"))])),
    );
    assert!(
        blank
            .fault()
            .string
            .contains("Please provide ticket update contents."),
        "{}",
        blank.exchange()
    );
    let emails = |address: &str| {
        server.xmlrpc(
            &call("addAttachedAdditionalEmails", &DEMO)
                .id(OPEN_TICKET)
                .arg(xarray(&[xstr(address)])),
        )
    };
    let kept = emails("nbsp@example.com\u{a0}");
    assert!(
        kept.fault()
            .string
            .starts_with("Invalid email address(es) found: nbsp@example.com\u{a0}"),
        "{}",
        kept.exchange()
    );
    let trimmed = emails(" \ttab@example.com\r\n");
    assert!(trimmed.ok().as_bool().unwrap(), "{}", trimmed.exchange());
}
