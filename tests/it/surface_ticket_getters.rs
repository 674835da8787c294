//! SoftLayer_Ticket's flags and relational getters that tests/it/xmlrpc_tickets.rs does
//! not cover, with data that makes each of them non-trivial: newUpdatesFlag (per
//! viewing user, with markAsViewed), awaitingUserResponseFlag, updateRatingFlag,
//! lastActivity, lastEditor, state, attachedResources, firstAttachedResource,
//! employeeAttachments, location and the location flags, serviceProvider.
//!
//! Employee replies, assignment and closing come from the support desk's control API
//! (`/_emulator/`, README "The support desk") with the admin token the server prints at
//! start. Dates have a resolution of one second, so where the order of a view and a
//! later update matters, the test waits a little over a second between them.

use crate::common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;

const TICKET: &str = "SoftLayer_Ticket";
const STATUS_CLOSED: i64 = 1002;
/// Seed: demo's open ticket: updates by demo (5001), employee 301, demo.
const OPEN_TICKET: i64 = 160000001;
/// Seed: demo's Assigned ticket, last edited by employee 302 (sl-support-amartin).
const ASSIGNED_TICKET: i64 = 160000002;
/// Seed: other's ticket.
const OTHER_TICKET: i64 = 160000101;
/// SoftLayer_Ticket_State_Type 1 (catalog seed).
const AWAITING_CUSTOMER_RESPONSE: &str = "AWAITING_CUSTOMER_RESPONSE";

fn call(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new(TICKET, method).auth(user)
}

fn getter(server: &Server, user: &User, method: &str, ticket: i64) -> XVal {
    server.xmlrpc(&call(method, user).id(ticket)).ok().clone()
}

fn new_updates(server: &Server, user: &User, ticket: i64) -> bool {
    flag(server, user, "getNewUpdatesFlag", ticket)
}

fn mark_viewed(server: &Server, user: &User, ticket: i64) {
    server.xmlrpc(&call("markAsViewed", user).id(ticket)).ok();
}

/// addUpdate; the id of the new update.
fn add_update(server: &Server, user: &User, ticket: i64, entry: &str) -> i64 {
    common::add_update(server, user, ticket, entry).ok().array()[0]
        .member("id")
        .int()
}

fn last_update_id(server: &Server, user: &User, ticket: i64) -> i64 {
    getter(server, user, "getLastUpdate", ticket)
        .member("id")
        .int()
}

fn state_keys(server: &Server, user: &User, ticket: i64) -> Vec<String> {
    let reply = server.xmlrpc(
        &call("getState", user)
            .id(ticket)
            .mask("mask[id,ticketId,stateTypeId,stateType[keyName]]"),
    );
    reply
        .ok()
        .array()
        .iter()
        .map(|s| {
            assert_eq!(s.member("ticketId").int(), ticket, "{}", reply.exchange());
            s.member("stateType").member("keyName").str().to_string()
        })
        .collect()
}

fn username(v: &XVal) -> String {
    editor_name(v)
}

// ---------------------------------------------------------------------------
// newUpdatesFlag and markAsViewed
// ---------------------------------------------------------------------------

#[test]
fn new_updates_flag_on_a_seed_ticket_clears_with_mark_as_viewed() {
    let server = Server::start();
    // An employee answered 160000001 and nobody has viewed it since.
    assert!(new_updates(&server, &DEMO, OPEN_TICKET));
    assert!(new_updates(&server, &DEMO_OPS, OPEN_TICKET));
    mark_viewed(&server, &DEMO, OPEN_TICKET);
    assert!(!new_updates(&server, &DEMO, OPEN_TICKET));
    assert!(
        new_updates(&server, &DEMO_OPS, OPEN_TICKET),
        "viewing is per user: demo-ops has not viewed it"
    );
    // The property in a mask says the same, for each viewer.
    let masked = |user: &User| {
        let reply = server.xmlrpc(
            &call("getObject", user)
                .id(OPEN_TICKET)
                .mask("mask[id,newUpdatesFlag]"),
        );
        reply.ok().member("newUpdatesFlag").clone()
    };
    assert_eq!(masked(&DEMO), xbool(false));
    assert_eq!(masked(&DEMO_OPS), xbool(true));
    // So does SoftLayer_Account::getTickets.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(&DEMO_OPS)
            .mask("mask[id,newUpdatesFlag]"),
    );
    let seen = reply
        .ok()
        .array()
        .iter()
        .find(|t| t.member("id").int() == OPEN_TICKET)
        .map(|t| t.member("newUpdatesFlag").clone());
    assert_eq!(seen, Some(xbool(true)), "{}", reply.exchange());
}

#[test]
fn new_updates_flag_follows_updates_and_views_per_user() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "demo opens it");
    // The opener's own update is not news to the opener, but it is to demo-ops.
    assert!(!new_updates(&server, &DEMO, ticket));
    assert!(new_updates(&server, &DEMO_OPS, ticket));
    mark_viewed(&server, &DEMO_OPS, ticket);
    assert!(!new_updates(&server, &DEMO_OPS, ticket));

    tick();
    reply_as(
        &server,
        ticket,
        "sl-support-jdoe",
        "Looking into it.",
        false,
    );
    assert!(
        new_updates(&server, &DEMO, ticket),
        "an employee reply is news"
    );
    assert!(new_updates(&server, &DEMO_OPS, ticket));

    mark_viewed(&server, &DEMO, ticket);
    assert!(!new_updates(&server, &DEMO, ticket));
    assert!(new_updates(&server, &DEMO_OPS, ticket));

    tick();
    add_update(&server, &DEMO, ticket, "Thanks, standing by.");
    assert!(
        !new_updates(&server, &DEMO, ticket),
        "one's own update is not news"
    );
    assert!(new_updates(&server, &DEMO_OPS, ticket));
    mark_viewed(&server, &DEMO_OPS, ticket);
    assert!(!new_updates(&server, &DEMO_OPS, ticket));

    tick();
    add_update(&server, &DEMO_OPS, ticket, "ops here, same issue on db01");
    assert!(!new_updates(&server, &DEMO_OPS, ticket));
    assert!(
        new_updates(&server, &DEMO, ticket),
        "another user's update is news"
    );
    // Another account cannot ask.
    let reply = server.xmlrpc(&call("getNewUpdatesFlag", &OTHER).id(ticket));
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_ObjectNotFound"),
        "{}",
        reply.exchange()
    );
}

// ---------------------------------------------------------------------------
// awaitingUserResponseFlag and state
// ---------------------------------------------------------------------------

#[test]
fn awaiting_user_response_flag_and_state() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "please help");
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(state_keys(&server, &DEMO, ticket).is_empty());

    // Support answers and waits on the customer.
    reply_as(&server, ticket, "sl-support-jdoe", "Which bay?", true);
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(flag(
        &server,
        &DEMO_OPS,
        "getAwaitingUserResponseFlag",
        ticket
    ));
    assert_eq!(
        state_keys(&server, &DEMO, ticket),
        vec![AWAITING_CUSTOMER_RESPONSE]
    );
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[awaitingUserResponseFlag,stateCount,state[stateTypeId]]"),
    );
    assert_eq!(reply.ok().member("awaitingUserResponseFlag"), &xbool(true));
    assert_eq!(
        reply.ok().member("stateCount").int(),
        1,
        "{}",
        reply.exchange()
    );
    // It waits on the customer: SoftLayer_Account::getOpenTicketsWaitingOnCustomer lists it.
    let waiting = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getOpenTicketsWaitingOnCustomer")
            .auth(&DEMO)
            .mask("mask[id]"),
    );
    assert!(
        ids_of(waiting.ok()).contains(&ticket),
        "{}",
        waiting.exchange()
    );

    // The customer's answer ends the wait.
    add_update(&server, &DEMO, ticket, "Bay 2.");
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(state_keys(&server, &DEMO, ticket).is_empty());
    let waiting = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getOpenTicketsWaitingOnCustomer")
            .auth(&DEMO)
            .mask("mask[id]"),
    );
    assert!(
        !ids_of(waiting.ok()).contains(&ticket),
        "{}",
        waiting.exchange()
    );

    // The support desk can set and clear it on its own.
    support(&server, ticket, "awaiting-response", r#"{"value":true}"#);
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert_eq!(
        state_keys(&server, &DEMO, ticket),
        vec![AWAITING_CUSTOMER_RESPONSE]
    );
    support(&server, ticket, "awaiting-response", r#"{"value":false}"#);
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(state_keys(&server, &DEMO, ticket).is_empty());
    // A reply that does not wait leaves it clear.
    reply_as(&server, ticket, "sl-support-jdoe", "Replaced.", false);
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    // Closing ends any wait.
    support(&server, ticket, "awaiting-response", r#"{"value":true}"#);
    support(&server, ticket, "close", "");
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(state_keys(&server, &DEMO, ticket).is_empty());
}

// ---------------------------------------------------------------------------
// updateRatingFlag
// ---------------------------------------------------------------------------

#[test]
fn update_rating_flag_needs_an_employee_update_on_an_open_ticket() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "rate me later");
    assert!(
        !flag(&server, &DEMO, "getUpdateRatingFlag", ticket),
        "no employee update to rate"
    );
    add_update(&server, &DEMO, ticket, "more from me");
    assert!(!flag(&server, &DEMO, "getUpdateRatingFlag", ticket));
    reply_as(&server, ticket, "sl-support-amartin", "Answer.", false);
    assert!(flag(&server, &DEMO, "getUpdateRatingFlag", ticket));
    // Seed: 160000002 (Assigned) has an employee update; 160000003 is closed.
    assert!(flag(&server, &DEMO, "getUpdateRatingFlag", ASSIGNED_TICKET));
    assert!(!flag(&server, &DEMO, "getUpdateRatingFlag", 160000003));
    // "Ratings cannot be edited on a closed ticket": closing ends it.
    support(&server, ticket, "close", "");
    assert!(!flag(&server, &DEMO, "getUpdateRatingFlag", ticket));
}

// ---------------------------------------------------------------------------
// lastActivity and lastEditor
// ---------------------------------------------------------------------------

#[test]
fn last_activity_and_last_editor_follow_the_last_update() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "first words");
    let activity = |s: &Server| -> XVal {
        let reply = s.xmlrpc(
            &call("getLastActivity", &DEMO)
                .id(ticket)
                .mask("mask[id,createDate,value,ticketUpdate[id,createDate],editor]"),
        );
        reply.ok().clone()
    };
    let check_activity = |s: &Server, editor: &str| {
        let last = last_update_id(s, &DEMO, ticket);
        let a = activity(s);
        assert_eq!(
            a.member("ticketUpdate").member("id").int(),
            last,
            "lastActivity is the last update: {a:?}"
        );
        assert_eq!(
            a.member("createDate"),
            a.member("ticketUpdate").member("createDate")
        );
        assert!(!a.member("value").str().is_empty(), "{a:?}");
        assert_eq!(username(a.member("editor")), editor, "{a:?}");
    };
    let editor = |s: &Server| username(&getter(s, &DEMO, "getLastEditor", ticket));

    check_activity(&server, "demo");
    assert_eq!(editor(&server), "demo");

    reply_as(&server, ticket, "sl-support-jdoe", "On it.", false);
    check_activity(&server, "sl-support-jdoe");
    assert_eq!(editor(&server), "sl-support-jdoe");
    let reply = server.xmlrpc(&call("getLastEditor", &DEMO).id(ticket));
    assert_eq!(
        reply.ok().member("displayName").str(),
        "Jordan D.",
        "the employee as SoftLayer_User_Employee\n{}",
        reply.exchange()
    );

    add_update(&server, &DEMO_OPS, ticket, "ops adds detail");
    check_activity(&server, "demo-ops");
    assert_eq!(editor(&server), "demo-ops");
    let reply = server.xmlrpc(&call("getLastEditor", &DEMO).id(ticket));
    assert_eq!(
        reply.ok().member("id").int(),
        DEMO_OPS.id,
        "{}",
        reply.exchange()
    );

    // Seed: 160000002 was last edited by employee 302, 160000001 by demo.
    assert_eq!(
        username(&getter(&server, &DEMO, "getLastEditor", ASSIGNED_TICKET)),
        "sl-support-amartin"
    );
    assert_eq!(
        username(&getter(&server, &DEMO, "getLastEditor", OPEN_TICKET)),
        "demo"
    );
    let seed_activity = server.xmlrpc(
        &call("getLastActivity", &DEMO)
            .id(OPEN_TICKET)
            .mask("mask[createDate,ticketUpdate[id]]"),
    );
    assert_eq!(
        seed_activity.ok().member("ticketUpdate").member("id").int(),
        500000003,
        "{}",
        seed_activity.exchange()
    );
    assert_eq!(
        epoch_seconds(seed_activity.ok().member("createDate").as_str().unwrap()),
        epoch_seconds("2026-10-02T16:40:00-05:00")
    );
}

// ---------------------------------------------------------------------------
// attachedResources and firstAttachedResource
// ---------------------------------------------------------------------------

#[test]
fn attached_resources_and_the_first_of_them() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "three devices");
    assert!(
        getter(&server, &DEMO, "getAttachedResources", ticket)
            .array()
            .is_empty()
    );
    assert_eq!(
        getter(&server, &DEMO, "getFirstAttachedResource", ticket),
        XVal::Nil
    );

    server
        .xmlrpc(
            &call("addAttachedHardware", &DEMO)
                .id(ticket)
                .arg(xint(8002)),
        )
        .ok();
    tick();
    server
        .xmlrpc(
            &call("addAttachedVirtualGuest", &DEMO)
                .id(ticket)
                .arg(xint(9001)),
        )
        .ok();
    tick();
    server
        .xmlrpc(
            &call("addAttachedDedicatedHost", &DEMO)
                .id(ticket)
                .arg(xint(7001)),
        )
        .ok();

    let reply = server.xmlrpc(&call("getAttachedResources", &DEMO).id(ticket));
    let resources: Vec<(i64, i64)> = reply
        .ok()
        .array()
        .iter()
        .map(|r| (r.member("ticketId").int(), r.member("attachmentId").int()))
        .collect();
    assert_eq!(
        resources.iter().map(|(_, a)| *a).collect::<BTreeSet<_>>(),
        BTreeSet::from([8002, 9001, 7001]),
        "{}",
        reply.exchange()
    );
    assert!(resources.iter().all(|(t, _)| *t == ticket));
    assert_eq!(reply.total_items(), Some(3));

    let first = getter(&server, &DEMO, "getFirstAttachedResource", ticket);
    assert_eq!(first.member("attachmentId").int(), 8002, "{first:?}");
    assert_eq!(first.member("ticketId").int(), ticket);

    // Detach the first: the next one (the virtual guest, attached a second later).
    server
        .xmlrpc(
            &call("removeAttachedHardware", &DEMO)
                .id(ticket)
                .arg(xint(8002)),
        )
        .ok();
    let first = getter(&server, &DEMO, "getFirstAttachedResource", ticket);
    assert_eq!(first.member("attachmentId").int(), 9001, "{first:?}");
    assert_eq!(
        getter(&server, &DEMO, "getAttachedResources", ticket)
            .array()
            .len(),
        2
    );
    // SLDN: "the first physical or virtual server attached": a dedicated host, attached
    // first, is not it, and a ticket with only a host has none.
    let host_first = create_standard_ticket(&server, &DEMO, 1005, "", "a host, then a guest");
    server
        .xmlrpc(
            &call("addAttachedDedicatedHost", &DEMO)
                .id(host_first)
                .arg(xint(7001)),
        )
        .ok();
    assert_eq!(
        getter(&server, &DEMO, "getFirstAttachedResource", host_first),
        XVal::Nil
    );
    tick();
    server
        .xmlrpc(
            &call("addAttachedVirtualGuest", &DEMO)
                .id(host_first)
                .arg(xint(9002)),
        )
        .ok();
    let first = getter(&server, &DEMO, "getFirstAttachedResource", host_first);
    assert_eq!(first.member("attachmentId").int(), 9002, "{first:?}");
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(host_first)
            .mask("mask[firstAttachedResource[attachmentId]]"),
    );
    assert_eq!(
        reply
            .ok()
            .member("firstAttachedResource")
            .member("attachmentId")
            .int(),
        9002,
        "{}",
        reply.exchange()
    );

    // Seed 160000001 has web01 attached.
    let first = getter(&server, &DEMO, "getFirstAttachedResource", OPEN_TICKET);
    assert_eq!(first.member("attachmentId").int(), 8001, "{first:?}");
}

// ---------------------------------------------------------------------------
// employeeAttachments
// ---------------------------------------------------------------------------

#[test]
fn employee_attachments_are_the_employees_on_the_ticket() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "who is on it?");
    let employees = |s: &Server| -> BTreeSet<String> {
        getter(s, &DEMO, "getEmployeeAttachments", ticket)
            .array()
            .iter()
            .map(username)
            .collect()
    };
    assert!(employees(&server).is_empty());
    reply_as(&server, ticket, "sl-support-jdoe", "Hi.", false);
    assert_eq!(
        employees(&server),
        BTreeSet::from(["sl-support-jdoe".to_string()])
    );
    support(
        &server,
        ticket,
        "assign",
        r#"{"employee":"sl-support-amartin"}"#,
    );
    assert_eq!(
        employees(&server),
        BTreeSet::from([
            "sl-support-amartin".to_string(),
            "sl-support-jdoe".to_string()
        ])
    );
    // Seed 160000002: employee 302 answered.
    let seed: BTreeSet<String> = getter(&server, &DEMO, "getEmployeeAttachments", ASSIGNED_TICKET)
        .array()
        .iter()
        .map(username)
        .collect();
    assert_eq!(seed, BTreeSet::from(["sl-support-amartin".to_string()]));
}

// ---------------------------------------------------------------------------
// location, its flags, serviceProvider
// ---------------------------------------------------------------------------

#[test]
fn location_and_location_flags() {
    let server = Server::start();
    let at = |location: Option<i64>| -> i64 {
        let mut template = vec![("subjectId", xint(1005))];
        if let Some(l) = location {
            template.push(("locationId", xint(l)));
        }
        server
            .xmlrpc(
                &call("createStandardTicket", &DEMO)
                    .arg(xstruct(&template))
                    .arg(xstr("where is it?")),
            )
            .ok()
            .member("id")
            .int()
    };
    // Catalog seed: par01 is BNPP-compliant and in the EU, fra02 in the EU only,
    // dal10 neither. No emulated data centre is FSBOA-supported.
    for (location, name, bnpp, eu) in [
        (Some(1578335), Some("par01"), true, true),
        (Some(449494), Some("fra02"), false, true),
        (Some(1441195), Some("dal10"), false, false),
        (None, None, false, false),
    ] {
        let ticket = at(location);
        let reply = server.xmlrpc(&call("getLocation", &DEMO).id(ticket));
        match name {
            Some(n) => {
                assert_eq!(reply.ok().member("id").int(), location.unwrap());
                assert_eq!(reply.ok().member("name").str(), n, "{}", reply.exchange());
            }
            None => assert_eq!(reply.ok(), &XVal::Nil, "{}", reply.exchange()),
        }
        assert_eq!(
            flag(&server, &DEMO, "getBnppSupportedFlag", ticket),
            bnpp,
            "bnppSupportedFlag at {name:?}"
        );
        assert_eq!(
            flag(&server, &DEMO, "getEuSupportedFlag", ticket),
            eu,
            "euSupportedFlag at {name:?}"
        );
        assert!(!flag(&server, &DEMO, "getFsboaSupportedFlag", ticket));
    }
    // A location that is not there was stored with no `location` behind it, and the
    // account's export could not be loaded back.
    for missing in [424242, -5] {
        let reply = server.xmlrpc(
            &call("createStandardTicket", &DEMO)
                .arg(xstruct(&[
                    ("subjectId", xint(1005)),
                    ("locationId", xint(missing)),
                ]))
                .arg(xstr("where is it?")),
        );
        let fault = reply.fault();
        assert_eq!(
            fault.code,
            xstr("SoftLayer_Exception_ObjectNotFound"),
            "{}",
            reply.exchange()
        );
        assert!(
            fault.string.contains(&format!("'{missing}'")),
            "{}",
            fault.string
        );
    }
}

#[test]
fn service_provider_is_softlayer() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "who serves?");
    for t in [ticket, OPEN_TICKET] {
        let reply = server.xmlrpc(&call("getServiceProvider", &DEMO).id(t));
        let p = reply.ok();
        assert_eq!(p.member("id").int(), 1, "{}", reply.exchange());
        assert_eq!(p.member("keyName").str(), "SOFTLAYER");
        assert_eq!(p.member("name").str(), "SoftLayer");
    }
}

// ---------------------------------------------------------------------------
// Every getter: on the caller's ticket it answers; on another account's it is not
// found; none is "not implemented".
// ---------------------------------------------------------------------------

/// Every `get*` method of SoftLayer_Ticket about one ticket: no arguments, not a
/// whole-catalogue `getAll*` (getBnppSupportedFlag and getFsboaSupportedFlag list no
/// required headers in the schema but are properties of a ticket all the same).
fn ticket_getters() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/softlayer.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let methods = schema["services"][TICKET]["methods"].as_object().unwrap();
    let mut out: Vec<String> = methods
        .iter()
        .filter(|(name, m)| {
            name.starts_with("get")
                && !name.starts_with("getAll")
                && m["parameters"].as_array().is_none_or(|p| p.is_empty())
        })
        .map(|(name, _)| name.clone())
        .collect();
    out.sort();
    out
}

#[test]
fn every_getter_answers_for_the_owner_and_hides_from_others() {
    let server = Server::start();
    let getters = ticket_getters();
    assert_eq!(getters.len(), 36, "schema getters: {getters:?}");
    // A ticket with something behind most getters.
    let ticket = server
        .xmlrpc(
            &call("createAdministrativeTicket", &DEMO)
                .arg(xstruct(&[
                    ("title", xstr("Everything at once")),
                    ("subjectId", xint(1005)),
                    ("locationId", xint(1578335)),
                ]))
                .arg(xstr("full ticket")),
        )
        .ok()
        .member("id")
        .int();
    for (method, arg) in [
        ("addAttachedHardware", xint(8002)),
        ("addAttachedVirtualGuest", xint(9001)),
        ("addAttachedDedicatedHost", xint(7001)),
        ("addAssignedAgent", xint(5002)),
        ("setTags", xstr("all")),
        ("addScheduledAlert", xstr("2026-12-24T09:00:00-06:00")),
        (
            "addAttachedAdditionalEmails",
            xarray(&[xstr("all@demo.example.com")]),
        ),
        (
            "addAttachedFile",
            xstruct(&[
                ("filename", xstr("all.txt")),
                ("data", XVal::Base64("YWxs".into())),
            ]),
        ),
    ] {
        server.xmlrpc(&call(method, &DEMO).id(ticket).arg(arg)).ok();
    }
    reply_as(&server, ticket, "sl-support-jdoe", "All here.", true);

    let mut wrong = Vec::new();
    for method in &getters {
        let reply = server.xmlrpc(&call(method, &DEMO).id(ticket));
        if let Err(f) = &reply.outcome {
            wrong.push(format!(
                "{method} on {ticket}: {} {:?}",
                f.code_text(),
                f.string
            ));
        }
        let reply = server.xmlrpc(&call(method, &DEMO).id(OTHER_TICKET));
        match &reply.outcome {
            Err(f) if f.code == xstr("SoftLayer_Exception_ObjectNotFound") => {}
            other => wrong.push(format!(
                "{method} on other's {OTHER_TICKET}: expected ObjectNotFound, got {other:?}"
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Non-trivial answers where the ticket has data.
    let non_empty = [
        "getAttachedResources",
        "getAttachedDedicatedHosts",
        "getAssignedAgents",
        "getTagReferences",
        "getScheduledActions",
        "getAttachedAdditionalEmails",
        "getAttachedFiles",
        "getEmployeeAttachments",
        "getInvoiceItems",
        "getState",
        "getUpdates",
    ];
    for method in non_empty {
        let v = getter(&server, &DEMO, method, ticket);
        assert!(!v.array().is_empty(), "{method} has data: {v:?}");
    }
    for method in [
        "getNewUpdatesFlag",
        "getAwaitingUserResponseFlag",
        "getUpdateRatingFlag",
        "getBnppSupportedFlag",
        "getEuSupportedFlag",
    ] {
        assert!(
            flag(&server, &DEMO, method, ticket),
            "{method} is true here"
        );
    }
    for method in [
        "getFirstAttachedResource",
        "getLastActivity",
        "getLastEditor",
        "getLocation",
        "getServerAdministrationBillingInvoice",
        "getServiceProvider",
        "getGroup",
        "getSubject",
    ] {
        let v = getter(&server, &DEMO, method, ticket);
        assert!(
            matches!(v, XVal::Struct(_)),
            "{method} answers an object: {v:?}"
        );
    }
    assert_eq!(
        getter(&server, &DEMO, "getStatus", ticket)
            .member("id")
            .int(),
        1001
    );
    support(&server, ticket, "close", "");
    assert_eq!(
        getter(&server, &DEMO, "getStatus", ticket)
            .member("id")
            .int(),
        STATUS_CLOSED
    );
}

/// Each SoftLayer_Ticket_Attachment is an object of its own: hardware, virtual guest
/// and dedicated host attachments of a ticket never share an id.
#[test]
fn attached_resource_ids_are_unique() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "ids");
    for (method, device) in [
        ("addAttachedVirtualGuest", 9001),
        ("addAttachedDedicatedHost", 7001),
        ("addAttachedHardware", 8002),
        ("addAttachedVirtualGuest", 9002),
    ] {
        server
            .xmlrpc(&call(method, &DEMO).id(ticket).arg(xint(device)))
            .ok();
    }
    let reply = server.xmlrpc(&call("getAttachedResources", &DEMO).id(ticket));
    let ids: Vec<i64> = reply
        .ok()
        .array()
        .iter()
        .map(|r| r.member("id").int())
        .collect();
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        ids.len(),
        "attachment ids repeat: {ids:?}\n{}",
        reply.exchange()
    );
}

/// markAsViewed marks "all currently posted updates" as viewed: an update posted
/// after it, even within the same second, is news.
#[test]
fn an_update_right_after_mark_as_viewed_is_news() {
    let server = Server::start();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "quick");
    // Start just after a second boundary, so the view and the reply share a second.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_millis();
        if ms < 100 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    mark_viewed(&server, &DEMO, ticket);
    reply_as(
        &server,
        ticket,
        "sl-support-jdoe",
        "Right after your view.",
        false,
    );
    assert!(
        new_updates(&server, &DEMO, ticket),
        "the employee's reply came after markAsViewed"
    );
}
