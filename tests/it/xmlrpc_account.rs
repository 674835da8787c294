//! SoftLayer_Account, SoftLayer_Ticket_Subject and SoftLayer_Ticket_Priority
//! over raw XML-RPC: the account object and its count properties, its users,
//! tickets and devices, result limits with `SoftLayer-Total-Items`, object
//! filters on `SoftLayer_AccountObjectFilter`, and the ticket catalogues.
//!
//! Expected values are computed from fixtures/seed/*.json (and from the
//! tickets a test creates), with the list semantics of the SoftLayer_Account
//! type page (e.g. `openOtherTickets`: "open tickets that do not belong to the
//! abuse, accounting, sales, or support groups").

use crate::common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value as J;

const ACCOUNT: &str = "SoftLayer_Account";
const STATUS_CLOSED: i64 = 1002;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Seed rows of a type that belong to an account.
fn owned(type_name: &str, account: i64) -> Vec<J> {
    let mut rows: Vec<J> = seed_rows(type_name)
        .into_iter()
        .filter(|r| r["accountId"].as_i64() == Some(account))
        .collect();
    rows.sort_by_key(|r| r["id"].as_i64());
    rows
}

fn ids(list: &XVal) -> Vec<i64> {
    list.array().iter().map(|i| i.member("id").int()).collect()
}

fn account(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new(ACCOUNT, method).auth(user)
}

/// `{operation: "orderBy", options: [{name: "sort", value: [dir]}]}`, as
/// softlayer-python's `utils.query_filter_orderby` writes it.
fn order_by(dir: &str) -> XVal {
    xstruct(&[
        ("operation", xstr("orderBy")),
        (
            "options",
            xarray(&[xstruct(&[
                ("name", xstr("sort")),
                ("value", xarray(&[xstr(dir)])),
            ])]),
        ),
    ])
}

fn op(value: XVal) -> XVal {
    xstruct(&[("operation", value)])
}

// ---------------------------------------------------------------------------
// getObject, getCurrentUser, getUsers
// ---------------------------------------------------------------------------

#[test]
fn get_object_is_the_callers_own_account() {
    let server = Server::start();
    for user in [&DEMO, &OTHER] {
        let reply = server.xmlrpc(&account("getObject", user));
        assert_eq!(
            members(reply.ok()),
            expected_locals(ACCOUNT, &seed_row(ACCOUNT, user.account_id)),
            "{}",
            reply.exchange()
        );
    }
    // Naming another account's id does not reach it.
    let reply = server.xmlrpc(&account("getObject", &DEMO).id(OTHER.account_id));
    match &reply.outcome {
        Ok(v) => assert_eq!(
            v.member("id").int(),
            DEMO.account_id,
            "demo must never see account {}\n{}",
            OTHER.account_id,
            reply.exchange()
        ),
        Err(f) => assert!(
            matches!(&f.code, XVal::Str(c) if c.starts_with("SoftLayer_Exception")),
            "{}",
            reply.exchange()
        ),
    }
}

#[test]
fn get_current_user_is_the_caller_without_secrets() {
    let server = Server::start();
    for user in [&DEMO, &OTHER] {
        let reply = server.xmlrpc(&account("getCurrentUser", user));
        assert_eq!(
            members(reply.ok()),
            expected_locals(
                "SoftLayer_User_Customer",
                &seed_row("SoftLayer_User_Customer", user.id)
            ),
            "{}",
            reply.exchange()
        );
        let text = reply.http.text();
        assert!(
            !text.contains(user.api_key) && !text.contains("portal-token"),
            "credentials leak into getCurrentUser\n{}",
            reply.exchange()
        );
    }
}

#[test]
fn get_users_lists_the_accounts_users() {
    let server = Server::start();
    for user in [&DEMO, &OTHER] {
        let reply = server.xmlrpc(&account("getUsers", user));
        let rows = owned("SoftLayer_User_Customer", user.account_id);
        let mut got: Vec<BTreeMap<String, XVal>> = reply.ok().array().iter().map(members).collect();
        got.sort_by_key(|m| m["id"].int());
        let want: Vec<BTreeMap<String, XVal>> = rows
            .iter()
            .map(|r| expected_locals("SoftLayer_User_Customer", r))
            .collect();
        assert_eq!(got, want, "{}", reply.exchange());
        assert_eq!(reply.total_items(), Some(rows.len() as u64));
    }
}

// ---------------------------------------------------------------------------
// Ticket lists and count properties
// ---------------------------------------------------------------------------

/// A ticket as far as the account's lists care.
#[derive(Clone, Debug)]
struct Model {
    id: i64,
    status: i64,
    group: i64,
}

fn group_categories() -> BTreeMap<i64, String> {
    let categories: BTreeMap<i64, String> = seed_rows("SoftLayer_Ticket_Group_Category")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seed_rows("SoftLayer_Ticket_Group")
        .iter()
        .map(|g| {
            (
                g["id"].as_i64().unwrap(),
                categories[&g["ticketGroupCategoryId"].as_i64().unwrap()].clone(),
            )
        })
        .collect()
}

fn expected_counts(tickets: &[Model]) -> BTreeMap<&'static str, i64> {
    let cat = group_categories();
    let open: Vec<&Model> = tickets
        .iter()
        .filter(|t| t.status != STATUS_CLOSED)
        .collect();
    let open_in = |c: &str| open.iter().filter(|t| cat[&t.group] == c).count() as i64;
    let main = ["Abuse", "Accounting", "Sales", "Support"];
    BTreeMap::from([
        ("openTicketCount", open.len() as i64),
        (
            "closedTicketCount",
            tickets.iter().filter(|t| t.status == STATUS_CLOSED).count() as i64,
        ),
        ("openBillingTicketCount", open_in("Billing")),
        ("openSalesTicketCount", open_in("Sales")),
        ("openSupportTicketCount", open_in("Support")),
        ("openAccountingTicketCount", open_in("Accounting")),
        (
            "openOtherTicketCount",
            open.iter()
                .filter(|t| !main.contains(&cat[&t.group].as_str()))
                .count() as i64,
        ),
    ])
}

fn check_counts_and_lists(server: &Server, user: &User, model: &[Model], context: &str) {
    let want = expected_counts(model);
    let mask = format!(
        "mask[id,{}]",
        want.keys().copied().collect::<Vec<_>>().join(",")
    );
    let reply = server.xmlrpc(&account("getObject", user).mask(&mask));
    let got = reply.ok();
    for (name, n) in &want {
        assert_eq!(
            got.member(name).int(),
            *n,
            "{name} {context}\n{}",
            reply.exchange()
        );
    }
    let all: Vec<i64> = model.iter().map(|t| t.id).collect();
    let open: Vec<i64> = model
        .iter()
        .filter(|t| t.status != STATUS_CLOSED)
        .map(|t| t.id)
        .collect();
    let closed: Vec<i64> = model
        .iter()
        .filter(|t| t.status == STATUS_CLOSED)
        .map(|t| t.id)
        .collect();
    for (method, expected) in [
        ("getTickets", all),
        ("getOpenTickets", open),
        ("getClosedTickets", closed),
    ] {
        let reply = server.xmlrpc(&account(method, user).mask("mask[id,statusId]"));
        let mut got = ids(reply.ok());
        got.sort();
        assert_eq!(got, expected, "{method} {context}\n{}", reply.exchange());
        assert_eq!(
            reply.total_items(),
            Some(expected.len() as u64),
            "{method} total {context}\n{}",
            reply.exchange()
        );
    }
}

fn seed_model(account_id: i64) -> Vec<Model> {
    owned("SoftLayer_Ticket", account_id)
        .iter()
        .map(|t| Model {
            id: t["id"].as_i64().unwrap(),
            status: t["statusId"].as_i64().unwrap(),
            group: t["groupId"].as_i64().unwrap(),
        })
        .collect()
}

#[test]
fn ticket_lists_and_counts_follow_the_tickets() {
    let server = Server::start();
    let mut demo = seed_model(DEMO.account_id);
    let other = seed_model(OTHER.account_id);
    check_counts_and_lists(&server, &DEMO, &demo, "on the seed");
    check_counts_and_lists(&server, &OTHER, &other, "on the seed");

    // One new ticket per subject category; each moves exactly its counts.
    for subject_id in [1041, 1202, 1002, 1001, 1003] {
        let subject = seed_row("SoftLayer_Ticket_Subject", subject_id);
        let id = create_standard_ticket(&server, &DEMO, subject_id, "", "counting tickets");
        demo.push(Model {
            id,
            status: 1001,
            group: subject["groupId"].as_i64().unwrap(),
        });
        let context = format!("after creating ticket {id} on subject {subject_id}");
        check_counts_and_lists(&server, &DEMO, &demo, &context);
        check_counts_and_lists(&server, &OTHER, &other, &context);
    }
}

#[test]
fn device_lists_are_the_accounts_devices() {
    let server = Server::start();
    for (method, type_name) in [
        ("getHardware", "SoftLayer_Hardware"),
        ("getVirtualGuests", "SoftLayer_Virtual_Guest"),
        ("getDedicatedHosts", "SoftLayer_Virtual_DedicatedHost"),
    ] {
        for user in [&DEMO, &OTHER] {
            let reply = server.xmlrpc(&account(method, user));
            let mut got: Vec<BTreeMap<String, XVal>> =
                reply.ok().array().iter().map(members).collect();
            got.sort_by_key(|m| m["id"].int());
            let rows = owned(type_name, user.account_id);
            let want: Vec<BTreeMap<String, XVal>> =
                rows.iter().map(|r| expected_locals(type_name, r)).collect();
            assert_eq!(
                got,
                want,
                "{method} as {}\n{}",
                user.username,
                reply.exchange()
            );
            assert_eq!(reply.total_items(), Some(rows.len() as u64));
        }
    }
}

// ---------------------------------------------------------------------------
// Result limits
// ---------------------------------------------------------------------------

#[test]
fn result_limits_slice_the_list_and_the_total_counts_all() {
    let server = Server::start();
    let all: Vec<i64> = owned("SoftLayer_Ticket", DEMO.account_id)
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let reply = server.xmlrpc(&account("getTickets", &DEMO).mask("mask[id]"));
    assert_eq!(
        ids(reply.ok()),
        all,
        "default order is by id\n{}",
        reply.exchange()
    );
    assert_eq!(reply.total_items(), Some(all.len() as u64));
    for (limit, offset) in [(1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (5, 0), (2, 10)] {
        let reply = server.xmlrpc(
            &account("getTickets", &DEMO)
                .mask("mask[id]")
                .limit(limit, offset),
        );
        let want: Vec<i64> = all
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .copied()
            .collect();
        assert_eq!(
            ids(reply.ok()),
            want,
            "limit {limit} offset {offset}\n{}",
            reply.exchange()
        );
        assert_eq!(
            reply.total_items(),
            Some(all.len() as u64),
            "SoftLayer-Total-Items is the total before the limit\n{}",
            reply.exchange()
        );
    }

    // The same on a ticket's updates and on a catalogue.
    let updates: Vec<i64> = seed_rows("SoftLayer_Ticket_Update")
        .iter()
        .filter(|u| u["ticketId"].as_i64() == Some(160000001))
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getUpdates")
            .auth(&DEMO)
            .id(160000001)
            .mask("mask[id]")
            .limit(2, 1),
    );
    assert_eq!(
        ids(reply.ok()),
        updates[1..3].to_vec(),
        "{}",
        reply.exchange()
    );
    assert_eq!(reply.total_items(), Some(updates.len() as u64));

    let mut subjects: Vec<i64> = seed_rows("SoftLayer_Ticket_Subject")
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    subjects.sort();
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Subject", "getAllObjects")
            .auth(&DEMO)
            .limit(5, 10),
    );
    assert_eq!(
        ids(reply.ok()),
        subjects[10..].to_vec(),
        "{}",
        reply.exchange()
    );
    assert_eq!(reply.total_items(), Some(subjects.len() as u64));
}

// ---------------------------------------------------------------------------
// Object filters
// ---------------------------------------------------------------------------

fn filtered(server: &Server, filter: XVal) -> XmlRpcReply {
    server.xmlrpc(
        &account("getTickets", &DEMO)
            .mask("mask[id,title,statusId,createDate]")
            .filter(filter),
    )
}

#[test]
fn equality_filters_and_order_by_on_account_tickets() {
    let server = Server::start();
    let tickets = owned("SoftLayer_Ticket", DEMO.account_id);
    let where_ = |f: &dyn Fn(&J) -> bool| -> Vec<i64> {
        tickets
            .iter()
            .filter(|t| f(t))
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };

    // statusId equality (an int operation).
    let reply = filtered(
        &server,
        xstruct(&[("tickets", xstruct(&[("statusId", op(xint(1001)))]))]),
    );
    assert_eq!(
        ids(reply.ok()),
        where_(&|t| t["statusId"] == 1001),
        "{}",
        reply.exchange()
    );
    assert_eq!(
        reply.total_items(),
        Some(where_(&|t| t["statusId"] == 1001).len() as u64)
    );

    // title equality (a string operation).
    let reply = filtered(
        &server,
        xstruct(&[("tickets", xstruct(&[("title", op(xstr("DNS Request")))]))]),
    );
    assert_eq!(
        ids(reply.ok()),
        where_(&|t| t["title"] == "DNS Request"),
        "{}",
        reply.exchange()
    );

    // Through a relational property (SLDN article object-filters's example).
    let closed_id = seed_rows("SoftLayer_Ticket_Status")
        .iter()
        .find(|s| s["name"] == "Closed")
        .unwrap()["id"]
        .clone();
    let reply = filtered(
        &server,
        xstruct(&[(
            "tickets",
            xstruct(&[("status", xstruct(&[("name", op(xstr("Closed")))]))]),
        )]),
    );
    assert_eq!(
        ids(reply.ok()),
        where_(&|t| t["statusId"] == closed_id),
        "{}",
        reply.exchange()
    );

    // orderBy id DESC.
    let mut desc = where_(&|_| true);
    desc.reverse();
    let reply = filtered(
        &server,
        xstruct(&[("tickets", xstruct(&[("id", order_by("DESC"))]))]),
    );
    assert_eq!(ids(reply.ok()), desc, "{}", reply.exchange());

    // orderBy createDate ASC (seed dates, compared as instants).
    let mut by_date: Vec<(i64, i64)> = tickets
        .iter()
        .map(|t| {
            (
                epoch_seconds(t["createDate"].as_str().unwrap()),
                t["id"].as_i64().unwrap(),
            )
        })
        .collect();
    by_date.sort();
    let reply = filtered(
        &server,
        xstruct(&[("tickets", xstruct(&[("createDate", order_by("ASC"))]))]),
    );
    assert_eq!(
        ids(reply.ok()),
        by_date.iter().map(|(_, id)| *id).collect::<Vec<_>>(),
        "{}",
        reply.exchange()
    );

    // Equality + orderBy + limit: the total counts the filtered tickets.
    let open: Vec<i64> = {
        let mut v = where_(&|t| t["statusId"] != STATUS_CLOSED);
        v.reverse();
        v
    };
    let reply = server.xmlrpc(
        &account("getTickets", &DEMO)
            .mask("mask[id]")
            .filter(xstruct(&[(
                "tickets",
                xstruct(&[
                    ("statusId", op(xstr(&format!("!= {STATUS_CLOSED}")))),
                    ("id", order_by("DESC")),
                ]),
            )]))
            .limit(1, 0),
    );
    assert_eq!(ids(reply.ok()), open[..1].to_vec(), "{}", reply.exchange());
    assert_eq!(reply.total_items(), Some(open.len() as u64));
}

#[test]
fn filter_branches_that_do_not_lead_into_the_collection_are_ignored() {
    let server = Server::start();
    let all: Vec<i64> = owned("SoftLayer_Ticket", DEMO.account_id)
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();

    // softlayer-python's paging adds {"id": {"operation": "orderBy", ...}} at
    // the top level; it is about the account, not its tickets.
    for dir in ["ASC", "DESC"] {
        let reply = filtered(&server, xstruct(&[("id", order_by(dir))]));
        assert_eq!(
            ids(reply.ok()),
            all,
            "top-level {dir}\n{}",
            reply.exchange()
        );
        assert_eq!(reply.total_items(), Some(all.len() as u64));
    }
    // Next to a real tickets branch it changes nothing either.
    let with = filtered(
        &server,
        xstruct(&[
            ("tickets", xstruct(&[("title", op(xstr("Hardware Issue")))])),
            ("id", order_by("DESC")),
        ]),
    );
    let without = filtered(
        &server,
        xstruct(&[("tickets", xstruct(&[("title", op(xstr("Hardware Issue")))]))]),
    );
    assert_eq!(ids(with.ok()), ids(without.ok()), "{}", with.exchange());
    assert_eq!(with.total_items(), without.total_items());
    // Branches for other collections of the account.
    let reply = filtered(
        &server,
        xstruct(&[
            ("hardware", xstruct(&[("hostname", op(xstr("web01")))])),
            ("users", xstruct(&[("id", op(xint(5001)))])),
        ]),
    );
    assert_eq!(ids(reply.ok()), all, "{}", reply.exchange());
}

// ---------------------------------------------------------------------------
// SoftLayer_Ticket_Subject and SoftLayer_Ticket_Priority
// ---------------------------------------------------------------------------

#[test]
fn ticket_subjects_are_the_catalogue() {
    let server = Server::start();
    let rows = seed_rows("SoftLayer_Ticket_Subject");
    let reply =
        server.xmlrpc(&XmlRpcCall::new("SoftLayer_Ticket_Subject", "getAllObjects").auth(&DEMO));
    let mut got: Vec<BTreeMap<String, XVal>> = reply.ok().array().iter().map(members).collect();
    got.sort_by_key(|m| m["id"].int());
    let mut want: Vec<BTreeMap<String, XVal>> = rows
        .iter()
        .map(|r| expected_locals("SoftLayer_Ticket_Subject", r))
        .collect();
    want.sort_by_key(|m| m["id"].int());
    assert_eq!(got, want, "{}", reply.exchange());
    assert_eq!(reply.total_items(), Some(rows.len() as u64));

    for row in &rows {
        let id = row["id"].as_i64().unwrap();
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Ticket_Subject", "getObject")
                .auth(&OTHER)
                .id(id),
        );
        assert_eq!(
            members(reply.ok()),
            expected_locals("SoftLayer_Ticket_Subject", row),
            "{}",
            reply.exchange()
        );
    }
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Subject", "getObject")
            .auth(&DEMO)
            .id(42),
    );
    assert_fault(
        &reply,
        "SoftLayer_Exception_ObjectNotFound",
        "Unable to find object with id of '42'.",
    );
    let reply =
        server.xmlrpc(&XmlRpcCall::new("SoftLayer_Ticket_Subject", "getObject").auth(&DEMO));
    assert_fault(
        &reply,
        "SoftLayer_Exception",
        "Object does not exist to execute method on. (SoftLayer_Ticket_Subject::getObject)",
    );
}

#[test]
fn ticket_priorities_are_the_four_severities() {
    let server = Server::start();
    let mut rows = seed_rows("SoftLayer_Container_Ticket_Priority");
    rows.sort_by_key(|r| r["value"].as_i64());
    let reply =
        server.xmlrpc(&XmlRpcCall::new("SoftLayer_Ticket_Priority", "getPriorities").auth(&DEMO));
    let got: Vec<BTreeMap<String, XVal>> = reply.ok().array().iter().map(members).collect();
    let want: Vec<BTreeMap<String, XVal>> = rows
        .iter()
        .map(|r| {
            BTreeMap::from([
                ("value".to_string(), xval_of(&r["value"])),
                ("name".to_string(), xval_of(&r["name"])),
            ])
        })
        .collect();
    assert_eq!(got, want, "{}", reply.exchange());
    assert_eq!(want.len(), 4);
    assert_eq!(reply.total_items(), Some(4));
}
