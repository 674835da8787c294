//! softlayer-python's `slcli ticket …` over the REST transport: the client picks
//! `RestTransport` when its `endpoint_url` contains `/rest`, so each test points it at
//! `http://127.0.0.1:PORT/rest/v3.1/` and runs the ticket workflow (subjects, create,
//! list, detail, update, attach, detach, upload).
//!
//! slcli 6.2.9 then sends `GET {Service}[/{id}]/{method}.json` with `objectMask`,
//! `objectFilter` and `resultLimit` query parameters, `POST` with `{"parameters": […]}`
//! for calls with arguments, and HTTP Basic credentials; an HTTP error becomes
//! `SoftLayerAPIError(status): error`, which it prints before exiting 1. What the server
//! wrote is checked over XML-RPC, so both transports are seen to share the store.
//!
//! The client comes from the virtual environment made by ./scripts/test.sh
//! (SoftLayer==6.2.9, `SL_TEST_VENV`); without it these tests fail, never skip.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

/// `slcli` for `user`, configured for the REST endpoint of `server`.
fn rest_cli(server: &Server, user: &User) -> Slcli {
    rest_cli_with_key(server, user.username, user.api_key)
}

fn rest_cli_with_key(server: &Server, username: &str, api_key: &str) -> Slcli {
    let cli = Slcli::with_key(server, username, api_key);
    let endpoint = format!("{}/rest/v3.1/", server.base_url());
    let config = format!(
        "[softlayer]\nusername = {username}\napi_key = {api_key}\nendpoint_url = {endpoint}\ntimeout = 30\n"
    );
    std::fs::write(cli.config_path(), config).expect("write the slcli config");
    cli
}

/// slcli failed on an API error that REST reported with an HTTP status:
/// `SoftLayerAPIError(4xx): …`, no crash.
fn assert_rest_fault(out: &CmdOutput, status: u16, message: Option<&str>) {
    out.assert_failed();
    let prefix = format!("SoftLayerAPIError({status}): ");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("expected a line starting {prefix:?}\n{}", out.describe()));
    if let Some(message) = message {
        assert_eq!(&line[prefix.len()..], message, "{}", out.describe());
    }
    assert_not_crashed(out);
}

#[test]
fn rest_subjects_lists_every_subject_of_the_catalog() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let out = cli.run(&["ticket", "subjects"]);
    let listed: BTreeMap<i64, String> = rows(&out.json())
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap(),
                r["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let catalog: BTreeMap<i64, String> = seed("catalog")["SoftLayer_Ticket_Subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_i64().unwrap(),
                s["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, catalog, "{}", out.describe());
}

#[test]
fn rest_create_then_list_and_detail() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let before = account_ticket_ids(&server, &DEMO);
    let body =
        "db01 loses its private link every night at 02:00 UTC; please check the switch port.";
    let out = cli.run(&[
        "ticket",
        "create",
        "--title",
        "db01 network drops",
        "--subject-id",
        "1005",
        "--body",
        body,
        "--priority",
        "2",
    ]);
    let id = the_new_ticket(
        &before,
        &account_ticket_ids(&server, &DEMO),
        &out.describe(),
    );
    // slcli 6.2.9 ends `ticket create` with get_ticket(False): over REST that is
    // GET SoftLayer_Ticket/False/getObject.json, which names no ticket.
    assert_rest_fault(&out, 404, Some("Unable to find object with id of 'False'."));
    assert_eq!(ticket_entries(&server, &DEMO, id), vec![body.to_string()]);

    let list_out = cli.run(&["ticket", "list"]);
    let list = list_out.json();
    assert_eq!(
        row_id_set(&list),
        BTreeSet::from([160000001, 160000002, id]),
        "{}",
        list_out.describe()
    );
    let r = row(&list, id);
    assert_eq!(r["status"], "Open", "{r}");
    assert_eq!(r["assigned_user"], "Dana Demo", "{r}");
    assert_eq!(r["updates"], 1, "{r}");
    assert_eq!(r["priority"], 2, "{r}");

    let detail_out = cli.run(&["ticket", "detail", &id.to_string()]);
    let d = detail_out.json();
    assert_eq!(d["id"], id, "{}", detail_out.describe());
    assert_eq!(d["status"], "Open", "{d:#}");
    assert_eq!(d["user"], "Dana Demo", "{d:#}");
    assert_eq!(d["title"], r["title"], "{d:#}");
    let update = detail_update(&d, 1);
    assert!(update.ends_with(&squash_ws(body)), "{update:?}");
    assert!(d.get("update 2").is_none(), "{d:#}");
}

#[test]
fn rest_create_with_hardware_attaches_it() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let before = account_ticket_ids(&server, &DEMO);
    let out = cli.run(&[
        "ticket",
        "create",
        "--title",
        "gpu01 fan",
        "--subject-id",
        "1005",
        "--body",
        "Fan 3 of gpu01 reports 0 RPM.",
        "--hardware",
        "8003",
    ]);
    let id = the_new_ticket(
        &before,
        &account_ticket_ids(&server, &DEMO),
        &out.describe(),
    );
    assert_rest_fault(&out, 404, None);
    assert_eq!(
        attached_hardware(&server, &DEMO, id),
        BTreeSet::from([8003])
    );
}

#[test]
fn rest_list_detail_and_summary_of_the_seed() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let open = cli.run(&["ticket", "list"]).json();
    assert_eq!(row_id_set(&open), BTreeSet::from([160000001, 160000002]));
    let closed = cli.run(&["ticket", "list", "--closed"]).json();
    assert_eq!(row_id_set(&closed), BTreeSet::from([160000003]));
    // --all pages with resultLimit and stops on SoftLayer-Total-Items.
    let all = cli.run(&["ticket", "list", "--all"]).json();
    assert_eq!(row_id_set(&all), row_id_set(&open));
    // --limit is resultLimit=0,N.
    let one = cli.run(&["ticket", "list", "--limit", "1"]).json();
    assert_eq!(rows(&one).len(), 1, "{one:#}");
    assert!(row_id_set(&open).is_superset(&row_id_set(&one)), "{one:#}");
    let r = row(&open, 160000001);
    assert_eq!(r["title"], "Hardware Issue", "{r}");
    assert_eq!(r["updates"], 3, "{r}");

    let d = cli
        .run(&["ticket", "detail", "160000001", "--count", "3"])
        .json();
    assert_eq!(d["title"], "Hardware Issue", "{d:#}");
    assert_eq!(d["status"], "Open", "{d:#}");
    assert_eq!(d["Case_Number"], "CS0160001", "{d:#}");
    assert!(
        detail_update(&d, 1).contains("failed disk in bay 2"),
        "{d:#}"
    );
    assert!(detail_update(&d, 3).contains("Merci"), "{d:#}");

    let summary = cli.run(&["ticket", "summary"]);
    let value = summary.json();
    let closed_row = rows(&value)
        .iter()
        .find(|r| r["Status"] == "Closed")
        .unwrap_or_else(|| panic!("no Closed row\n{}", summary.describe()));
    assert_eq!(closed_row["count"], 1, "{}", summary.describe());
}

#[test]
fn rest_update_adds_an_entry() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let body = "Drive replaced — smartctl is clean now. Danke schön!";
    let out = cli.run(&["ticket", "update", "160000001", "--body", body]);
    out.assert_ok();
    assert!(out.stdout.contains("Ticket Updated!"), "{}", out.describe());
    assert_eq!(
        ticket_entries(&server, &DEMO, 160000001)
            .last()
            .map(String::as_str),
        Some(body)
    );
    let d = cli.run(&["ticket", "detail", "160000001"]).json();
    assert!(detail_update(&d, 4).ends_with(&squash_ws(body)), "{d:#}");

    // Closed tickets take no updates: a 4xx slcli reports.
    let out = cli.run(&["ticket", "update", "160000003", "--body", "One more thing."]);
    assert_rest_fault(&out, 400, None);
    assert_eq!(ticket_entries(&server, &DEMO, 160000003).len(), 2);
}

#[test]
fn rest_attach_and_detach_hardware_and_virtual_guest() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let (t, id) = ("160000002", 160000002);
    cli.run(&["ticket", "attach", t, "--hardware", "8002"])
        .assert_ok();
    assert_eq!(
        attached_hardware(&server, &DEMO, id),
        BTreeSet::from([8002])
    );
    cli.run(&["ticket", "attach", t, "--virtual", "9002"])
        .assert_ok();
    assert_eq!(
        attached_virtual_guests(&server, &DEMO, id),
        BTreeSet::from([9002])
    );
    // Twice is a documented fault.
    assert_rest_fault(
        &cli.run(&["ticket", "attach", t, "--hardware", "8002"]),
        400,
        Some("This hardware is already attached to this ticket."),
    );
    cli.run(&["ticket", "detach", t, "--hardware", "8002"])
        .assert_ok();
    assert_eq!(attached_hardware(&server, &DEMO, id), BTreeSet::new());
    cli.run(&["ticket", "detach", t, "--virtual", "9002"])
        .assert_ok();
    assert_eq!(attached_virtual_guests(&server, &DEMO, id), BTreeSet::new());

    // Another account's hardware cannot be attached; nothing changes.
    let out = cli.run(&["ticket", "attach", t, "--hardware", "8101"]);
    out.assert_failed();
    assert!(
        out.stdout.starts_with("SoftLayerAPIError(4"),
        "{}",
        out.describe()
    );
    assert_eq!(attached_hardware(&server, &DEMO, id), BTreeSet::new());
}

#[test]
fn rest_upload_attaches_a_file() {
    let server = Server::start();
    let cli = rest_cli(&server, &DEMO);
    let dir = TempDir::new("rest-upload");
    let file = dir.path().join("dmesg.txt");
    std::fs::write(&file, "sd 0:0:2:0: [sdc] tag#12 FAILED Result\n").unwrap();
    let out = cli.run(&[
        "ticket",
        "upload",
        "160000001",
        "--path",
        file.to_str().unwrap(),
        "--name",
        "dmesg.txt",
    ]);
    out.assert_ok();
    assert!(out.stdout.contains("dmesg.txt"), "{}", out.describe());
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getAttachedFiles")
            .auth(&DEMO)
            .id(160000001),
    );
    let names: Vec<&str> = reply
        .ok()
        .array()
        .iter()
        .map(|f| f.member("fileName").str())
        .collect();
    assert!(names.contains(&"dmesg.txt"), "{}", reply.exchange());
}

#[test]
fn rest_other_accounts_tickets_are_not_found() {
    let server = Server::start();
    let other = rest_cli(&server, &OTHER);
    assert_rest_fault(
        &other.run(&["ticket", "detail", "160000001"]),
        404,
        Some("Unable to find object with id of '160000001'."),
    );
    assert_rest_fault(
        &other.run(&["ticket", "update", "160000001", "--body", "hello"]),
        404,
        None,
    );
    assert_eq!(ticket_entries(&server, &DEMO, 160000001).len(), 3);
    let mine = other.run(&["ticket", "list"]).json();
    assert_eq!(row_id_set(&mine), BTreeSet::from([160000101]));
}

#[test]
fn rest_a_wrong_api_key_is_refused() {
    let server = Server::start();
    let cli = rest_cli_with_key(&server, DEMO.username, "not-the-right-key");
    let out = cli.run(&["ticket", "list"]);
    out.assert_failed();
    // "Invalid API token." (401) is what slcli recognises as an authentication failure.
    assert!(
        out.stdout.contains("Authentication Failed"),
        "{}",
        out.describe()
    );
}
