//! The support desk's side (README "The support desk"): the `/_emulator/` control API
//! and the `softlayer-ticket-server support …` subcommands. Every action is checked by
//! its effect as SoftLayer clients see it, through raw XML-RPC: employee replies in
//! `updates[editor]`, status Assigned, the ticket group, the closed-ticket getters,
//! the awaiting-user-response flag; and the refusals (401 without the admin token, 404
//! for what does not exist, 409 for replying to a closed ticket).

use crate::common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use serde_json::Value as J;

const TICKET: &str = "SoftLayer_Ticket";
const STATUS_OPEN: i64 = 1001;
const STATUS_CLOSED: i64 = 1002;
const STATUS_ASSIGNED: i64 = 1004;
const OPEN_TICKET: i64 = 160000001;
const CLOSED_TICKET: i64 = 160000003;
const OTHER_TICKET: i64 = 160000101;
const TOKEN_ENV: &str = "SOFTLAYER_EMULATOR_ADMIN_TOKEN";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn call(method: &str, user: &User) -> XmlRpcCall {
    XmlRpcCall::new(TICKET, method).auth(user)
}

struct Control {
    addr: SocketAddr,
    token: String,
}

impl Control {
    fn of(server: &Server) -> Control {
        Control {
            addr: server.addr(),
            token: admin_token(server),
        }
    }

    /// A request with `headers` as given (no token unless they carry one).
    fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        http_request(
            self.addr,
            method,
            path,
            headers,
            body.as_bytes(),
            HTTP_TIMEOUT,
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn request(&self, method: &str, path: &str, body: &str) -> HttpResponse {
        let auth = format!("Bearer {}", self.token);
        self.raw(
            method,
            path,
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            body,
        )
    }

    fn action(&self, ticket: i64, action: &str, body: &str) -> HttpResponse {
        self.request(
            "POST",
            &format!("/_emulator/tickets/{ticket}/{action}"),
            body,
        )
    }

    /// An action that must succeed; the ticket it answers.
    fn ok(&self, ticket: i64, action: &str, body: &str) -> J {
        let resp = self.action(ticket, action, body);
        assert_eq!(
            resp.status,
            200,
            "POST /_emulator/tickets/{ticket}/{action} {body}\n{}",
            resp.describe()
        );
        let json = json_of(&resp);
        assert_eq!(json["ticket"]["id"].as_i64(), Some(ticket), "{json}");
        json
    }
}

fn json_of(resp: &HttpResponse) -> J {
    serde_json::from_slice(&resp.body)
        .unwrap_or_else(|e| panic!("not JSON ({e})\n{}", resp.describe()))
}

/// A refused control request: the status, a JSON body with an "error" message.
fn assert_refused(resp: &HttpResponse, status: u16, context: &str) -> String {
    assert_eq!(resp.status, status, "{context}\n{}", resp.describe());
    let body = json_of(resp);
    let msg = body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{context}: an \"error\" message\n{}", resp.describe()));
    assert!(!msg.is_empty());
    msg.to_string()
}

fn updates(server: &Server, user: &User, ticket: i64) -> Vec<XVal> {
    let reply = server.xmlrpc(
        &call("getUpdates", user)
            .id(ticket)
            .mask("mask[id,entry,editorType,editorId,editor]"),
    );
    let mut list = reply.ok().array().to_vec();
    list.sort_by_key(|u| u.member("id").int());
    list
}

fn group_name(server: &Server, user: &User, ticket: i64) -> String {
    server
        .xmlrpc(&call("getGroup", user).id(ticket))
        .ok()
        .member("name")
        .str()
        .to_string()
}

/// Yesterday's date (UTC) as MM/DD/YYYY, for getTicketsClosedSinceDate: whether the
/// server reads it as UTC or Central time, a ticket closed now was closed since.
fn yesterday_us() -> String {
    let days = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400) as i64
        - 1;
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{m:02}/{d:02}/{y}")
}

// --- a server process of our own, for the token flag and variable ---

struct OwnServer {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _dir: TempDir,
}

impl OwnServer {
    fn start(extra: &[&str], env: &[(&str, &str)]) -> OwnServer {
        let dir = TempDir::new("own-server");
        let log = dir.path().join("server.log");
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(SERVER_BIN);
        // Port 0: the server names the port it bound in its log (see `Server::start`).
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--db", ":memory:"])
            .args(extra)
            .env_remove(TOKEN_ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run the server");
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("server exited ({status}):\n{text}");
            }
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(addr) = bound_address(&text) {
                let probe = http_request(addr, "GET", "/health", &[], b"", Duration::from_secs(2));
                if probe.is_ok_and(|r| r.status == 200) {
                    return OwnServer {
                        child,
                        addr,
                        log,
                        _dir: dir,
                    };
                }
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("server did not start\n{text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn employees(&self, headers: &[(&str, &str)]) -> u16 {
        http_request(
            self.addr,
            "GET",
            "/_emulator/employees",
            headers,
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap()
        .status
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// The admin token
// ---------------------------------------------------------------------------

#[test]
fn the_control_api_takes_the_admin_token_only() {
    let server = Server::start();
    let control = Control::of(&server);
    let good = format!("Bearer {}", control.token);
    let basic_demo = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("demo:{}", DEMO.api_key))
    );
    let api_key_bearer = format!("Bearer {}", DEMO.api_key);
    let refused: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", vec![]),
        (
            "a wrong token",
            vec![("Authorization", "Bearer not-the-token")],
        ),
        ("an empty bearer", vec![("Authorization", "Bearer ")]),
        (
            "a SoftLayer API key as the token",
            vec![("Authorization", api_key_bearer.as_str())],
        ),
        (
            "a SoftLayer API key in X-Emulator-Token",
            vec![("X-Emulator-Token", DEMO.api_key)],
        ),
        (
            "SoftLayer HTTP Basic credentials",
            vec![("Authorization", basic_demo.as_str())],
        ),
        (
            "the token without the Bearer scheme",
            vec![("Authorization", control.token.as_str())],
        ),
    ];
    for (what, headers) in &refused {
        let resp = control.raw("GET", "/_emulator/employees", headers, "");
        assert_refused(&resp, 401, what);
        // Actions too, and they do nothing.
        let resp = control.raw(
            "POST",
            &format!("/_emulator/tickets/{OPEN_TICKET}/close"),
            headers,
            "",
        );
        assert_refused(&resp, 401, what);
        let resp = control.raw(
            "POST",
            &format!("/_emulator/tickets/{OPEN_TICKET}/reply"),
            headers,
            r#"{"employee":"sl-support-jdoe","entry":"sneaky"}"#,
        );
        assert_refused(&resp, 401, what);
    }
    assert_eq!(status_of(&server, &DEMO, OPEN_TICKET), STATUS_OPEN);
    assert_eq!(updates(&server, &DEMO, OPEN_TICKET).len(), 3);

    // The admin token, as a bearer token or in X-Emulator-Token.
    let resp = control.raw(
        "GET",
        "/_emulator/employees",
        &[("Authorization", good.as_str())],
        "",
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let resp = control.raw(
        "GET",
        "/_emulator/employees",
        &[("X-Emulator-Token", control.token.as_str())],
        "",
    );
    assert_eq!(resp.status, 200, "{}", resp.describe());

    // And the admin token is no SoftLayer credential.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getObject").auth_key("demo", &control.token),
    );
    reply.fault();
}

#[test]
fn the_admin_token_comes_from_the_flag_the_variable_or_chance() {
    // --admin-token.
    let flagged = OwnServer::start(&["--admin-token", "flag-token-1234"], &[]);
    assert_eq!(
        flagged.employees(&[("Authorization", "Bearer flag-token-1234")]),
        200
    );
    assert_eq!(
        flagged.employees(&[("Authorization", "Bearer env-token-5678")]),
        401
    );
    assert_eq!(token_in(&flagged.log()).as_deref(), Some("flag-token-1234"));

    // SOFTLAYER_EMULATOR_ADMIN_TOKEN.
    let from_env = OwnServer::start(&[], &[(TOKEN_ENV, "env-token-5678")]);
    assert_eq!(
        from_env.employees(&[("Authorization", "Bearer env-token-5678")]),
        200
    );
    assert_eq!(
        from_env.employees(&[("Authorization", "Bearer flag-token-1234")]),
        401
    );
    assert_eq!(token_in(&from_env.log()).as_deref(), Some("env-token-5678"));

    // Neither: a random token, printed at start, different each time.
    let a = OwnServer::start(&[], &[]);
    let b = OwnServer::start(&[], &[]);
    let ta = token_in(&a.log()).expect("printed at start");
    let tb = token_in(&b.log()).expect("printed at start");
    assert!(ta.len() >= 16, "a token worth the name: {ta:?}");
    assert_ne!(ta, tb);
    assert_eq!(
        a.employees(&[("Authorization", format!("Bearer {ta}").as_str())]),
        200
    );
    assert_eq!(
        a.employees(&[("Authorization", format!("Bearer {tb}").as_str())]),
        401
    );
    assert_eq!(
        b.employees(&[("Authorization", format!("Bearer {tb}").as_str())]),
        200
    );
    assert_eq!(a.employees(&[]), 401);
}

// ---------------------------------------------------------------------------
// The actions and their effects
// ---------------------------------------------------------------------------

#[test]
fn employees_are_the_seeded_support_staff() {
    let server = Server::start();
    let control = Control::of(&server);
    let resp = control.request("GET", "/_emulator/employees", "");
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let body = json_of(&resp);
    let mut got: Vec<(i64, String)> = body["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["username"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(i64, String)> = seed("catalog")["SoftLayer_User_Employee"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_i64().unwrap(),
                e["username"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn reply_is_an_employee_update_clients_see() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "disk noise");
    let before = updates(&server, &DEMO, ticket).len();

    // By username.
    let json = control.ok(
        ticket,
        "reply",
        r#"{"employee":"sl-support-jdoe","entry":"A technician is on the way."}"#,
    );
    assert_eq!(json["ticket"]["lastEditType"], "EMPLOYEE", "{json}");
    let list = updates(&server, &DEMO, ticket);
    assert_eq!(list.len(), before + 1);
    let last = list.last().unwrap();
    assert_eq!(last.member("entry").str(), "A technician is on the way.");
    assert_eq!(last.member("editorType").str(), "EMPLOYEE");
    assert_eq!(last.member("editorId").int(), 301);
    let editor = last.member("editor");
    // Customers see employees by display name only (SLDN SoftLayer_User_Employee).
    assert_eq!(editor_name(editor), "sl-support-jdoe", "{last:?}");
    assert!(editor.get("username").is_none(), "{last:?}");
    assert_eq!(editor.member("displayName").str(), "Jordan D.");
    // The ticket says so too.
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[lastEditType,lastResponseDate,updateCount]"),
    );
    assert_eq!(
        reply.ok().member("lastEditType").str(),
        "EMPLOYEE",
        "{}",
        reply.exchange()
    );
    assert_eq!(reply.ok().member("updateCount").int(), (before + 1) as i64);
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));

    // By id, waiting on the customer.
    control.ok(
        ticket,
        "reply",
        r#"{"employee":302,"entry":"Which bay exactly?","awaitingUserResponse":true}"#,
    );
    let list = updates(&server, &DEMO, ticket);
    let last = list.last().unwrap();
    assert_eq!(last.member("editorId").int(), 302);
    assert_eq!(editor_name(last.member("editor")), "sl-support-amartin");
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    assert!(account_ids(&server, &DEMO, "getOpenTicketsWaitingOnCustomer").contains(&ticket));
    // Through Update_Employee as well.
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket_Update_Employee", "getObject")
            .auth(&DEMO)
            .id(last.member("id").int()),
    );
    assert_eq!(
        reply.ok().member("entry").str(),
        "Which bay exactly?",
        "{}",
        reply.exchange()
    );

    // The customer's answer ends the wait.
    add_update(&server, &DEMO, ticket, "Bay 2.").ok();
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));

    // Support answers any account's ticket; only that account sees it.
    control.ok(
        OTHER_TICKET,
        "reply",
        r#"{"employee":"sl-support-amartin","entry":"Yes, one VLAN."}"#,
    );
    let theirs = updates(&server, &OTHER, OTHER_TICKET);
    assert_eq!(
        theirs.last().unwrap().member("entry").str(),
        "Yes, one VLAN."
    );
    let reply = server.xmlrpc(&call("getUpdates", &DEMO).id(OTHER_TICKET));
    assert_eq!(
        reply.fault().code,
        xstr("SoftLayer_Exception_ObjectNotFound"),
        "{}",
        reply.exchange()
    );
}

#[test]
fn assign_sets_status_assigned() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "assign me");
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_OPEN);
    let json = control.ok(ticket, "assign", r#"{"employee":"sl-support-amartin"}"#);
    assert_eq!(
        json["ticket"]["statusId"].as_i64(),
        Some(STATUS_ASSIGNED),
        "{json}"
    );
    let reply = server.xmlrpc(&call("getStatus", &DEMO).id(ticket));
    assert_eq!(reply.ok().member("id").int(), STATUS_ASSIGNED);
    assert_eq!(reply.ok().member("name").str(), "Assigned");
    let reply = server.xmlrpc(&call("getEmployeeAttachments", &DEMO).id(ticket));
    let names: Vec<String> = reply.ok().array().iter().map(editor_name).collect();
    assert_eq!(names, vec!["sl-support-amartin"], "{}", reply.exchange());
    // Assigned tickets are open, and take updates.
    assert!(account_ids(&server, &DEMO, "getOpenTickets").contains(&ticket));
    add_update(&server, &DEMO, ticket, "thanks").ok();
    // By id.
    control.ok(OPEN_TICKET, "assign", r#"{"employee":303}"#);
    assert_eq!(status_of(&server, &DEMO, OPEN_TICKET), STATUS_ASSIGNED);
}

#[test]
fn group_moves_the_ticket() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "move me");
    assert_eq!(group_name(&server, &DEMO, ticket), "Support");
    control.ok(ticket, "group", r#"{"group":"Storage"}"#);
    assert_eq!(group_name(&server, &DEMO, ticket), "Storage");
    // By id (catalog: 4 Billing).
    control.ok(ticket, "group", r#"{"group":4}"#);
    assert_eq!(group_name(&server, &DEMO, ticket), "Billing");
    assert!(account_ids(&server, &DEMO, "getOpenBillingTickets").contains(&ticket));
    assert!(!account_ids(&server, &DEMO, "getOpenSupportTickets").contains(&ticket));
    control.ok(ticket, "group", r#"{"group":"Abuse"}"#);
    assert!(account_ids(&server, &DEMO, "getOpenAbuseTickets").contains(&ticket));
    assert!(!account_ids(&server, &DEMO, "getOpenBillingTickets").contains(&ticket));
    // A name in another case is the group ("storage" was no group).
    control.ok(ticket, "group", r#"{"group":" storage "}"#);
    assert_eq!(group_name(&server, &DEMO, ticket), "Storage");
}

#[test]
fn close_and_reopen() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "close me");
    let json = control.ok(ticket, "close", "");
    assert_eq!(
        json["ticket"]["statusId"].as_i64(),
        Some(STATUS_CLOSED),
        "{json}"
    );
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);
    // The close date is what the closed-ticket getters use.
    assert!(account_ids(&server, &DEMO, "getClosedTickets").contains(&ticket));
    // The lists ordered by close date, newest first, start with it.
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
        "getLastFiveClosedTickets",
        "getLastFiveClosedSupportTickets",
    ] {
        let ids = account_ids(&server, &DEMO, method);
        assert_eq!(
            ids.first(),
            Some(&ticket),
            "{method} lists it first: {ids:?}"
        );
    }
    assert!(!account_ids(&server, &DEMO, "getOpenTickets").contains(&ticket));
    let reply = server.xmlrpc(
        &call("getTicketsClosedSinceDate", &DEMO)
            .arg(xstr(&yesterday_us()))
            .mask("mask[id]"),
    );
    assert_eq!(ids_of(reply.ok()), [ticket].into(), "{}", reply.exchange());
    // A closed ticket refuses updates (SLDN addUpdate).
    assert_update_refused(&add_update(&server, &DEMO, ticket, "one more thing"));

    // Reopen: open again, out of the closed lists, taking updates.
    let json = control.ok(ticket, "reopen", "");
    assert_eq!(
        json["ticket"]["statusId"].as_i64(),
        Some(STATUS_OPEN),
        "{json}"
    );
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_OPEN);
    for method in [
        "getClosedTickets",
        "getTicketsClosedToday",
        "getLastFiveClosedTickets",
    ] {
        assert!(
            !account_ids(&server, &DEMO, method).contains(&ticket),
            "{method}"
        );
    }
    let reply = server.xmlrpc(
        &call("getTicketsClosedSinceDate", &DEMO)
            .arg(xstr(&yesterday_us()))
            .mask("mask[id]"),
    );
    assert!(reply.ok().array().is_empty(), "{}", reply.exchange());
    add_update(&server, &DEMO, ticket, "one more thing").ok();

    // Reopening an assigned ticket that was closed keeps it open.
    control.ok(ticket, "assign", r#"{"employee":301}"#);
    control.ok(ticket, "close", "");
    control.ok(ticket, "reopen", "");
    assert_ne!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);
    add_update(&server, &DEMO, ticket, "still here").ok();

    // Seed 160000003 is closed; reopen it.
    control.ok(CLOSED_TICKET, "reopen", "");
    assert_eq!(status_of(&server, &DEMO, CLOSED_TICKET), STATUS_OPEN);

    // Reopening an open ticket changes nothing, as closing a closed one: no edit is
    // stamped (it moved lastEditDate and made the ticket the employee's last edit).
    let edited = |server: &Server| {
        let reply = server.xmlrpc(
            &call("getObject", &DEMO)
                .id(OPEN_TICKET)
                .mask("mask[statusId,lastEditDate,lastEditType,modifyDate]"),
        );
        reply.ok().clone()
    };
    let before = edited(&server);
    std::thread::sleep(Duration::from_millis(1100));
    let json = control.ok(OPEN_TICKET, "reopen", "");
    assert_eq!(json["ticket"]["statusId"].as_i64(), Some(STATUS_OPEN));
    assert_eq!(edited(&server), before);
}

/// A closed ticket keeps the devices it closed with: detaching is refused as attaching
/// is (SLDN removeAttachedHardware's "Unable to detach hardware from this ticket.", and
/// the reason), where it answered true and changed attachedResources of a closed ticket.
#[test]
fn a_closed_ticket_keeps_its_devices() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "devices stay");
    for (method, device) in [
        ("addAttachedHardware", 8001),
        ("addAttachedVirtualGuest", 9001),
    ] {
        let reply = server.xmlrpc(&call(method, &DEMO).id(ticket).arg(xint(device)));
        reply.ok();
    }
    control.ok(ticket, "close", "");
    for (method, device, kind) in [
        ("removeAttachedHardware", 8001, "hardware"),
        ("removeAttachedVirtualGuest", 9001, "virtual guest"),
    ] {
        let reply = server.xmlrpc(&call(method, &DEMO).id(ticket).arg(xint(device)));
        let fault = reply.fault();
        assert_eq!(
            fault.code_text(),
            "SoftLayer_Exception",
            "{}",
            reply.exchange()
        );
        assert_eq!(
            fault.string,
            format!(
                "Unable to detach {kind} from this ticket. The ticket is closed; please contact SoftLayer to re-open it."
            ),
            "{}",
            reply.exchange()
        );
    }
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(ticket)
            .mask("mask[attachedResourceCount]"),
    );
    assert_eq!(
        reply.ok().member("attachedResourceCount").int(),
        2,
        "{}",
        reply.exchange()
    );
}

/// A virtual guest's `activeTickets` are the open tickets it is attached to, counted by
/// `activeTicketCount`, and its `openCancellationTicket` the open ticket that asks to
/// cancel it (the one `createCancelServerTicket` refers to): they were left out as data
/// the emulator does not keep, which it does.
#[test]
fn a_guests_open_tickets_and_open_cancellation_ticket() {
    let server = Server::start();
    let control = Control::of(&server);
    let on_guest = |contents: &str| {
        server
            .xmlrpc(
                &call("createStandardTicket", &DEMO)
                    .arg(xstruct(&[("subjectId", xint(1001))]))
                    .arg(xstr(contents))
                    .arg(xint(9001))
                    .arg(XVal::Nil)
                    .arg(XVal::Nil)
                    .arg(XVal::Nil)
                    .arg(xarray(&[]))
                    .arg(xstr("VIRTUAL_GUEST")),
            )
            .ok()
            .member("id")
            .int()
    };
    let open = on_guest("The guest is slow.");
    let closed = on_guest("The guest was slow.");
    control.ok(closed, "close", "");
    let cancel = server
        .xmlrpc(
            &call("createCancelServiceTicket", &DEMO)
                .arg(xint(9001))
                .arg(xstr("No longer needed"))
                .arg(xstr("Cancel it, please."))
                .arg(xstr("VIRTUAL_GUEST")),
        )
        .ok()
        .member("id")
        .int();
    let guests = |mask: &str| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getVirtualGuests")
                .auth(&DEMO)
                .mask(mask),
        )
    };
    let reply = guests("mask[id,activeTickets[id],activeTicketCount,openCancellationTicket[id]]");
    assert!(
        reply.http.header("X-SoftLayer-Emulator-Warning").is_none(),
        "{}",
        reply.exchange()
    );
    let list = reply.ok().array();
    let guest = list
        .iter()
        .find(|g| g.member("id").int() == 9001)
        .expect("guest 9001");
    let mut active: Vec<i64> = guest
        .member("activeTickets")
        .array()
        .iter()
        .map(|t| t.member("id").int())
        .collect();
    active.sort();
    let mut expected = vec![open, cancel];
    expected.sort();
    assert_eq!(active, expected, "{}", reply.exchange());
    assert_eq!(guest.member("activeTicketCount").int(), 2);
    assert_eq!(
        guest.member("openCancellationTicket").member("id").int(),
        cancel
    );
    let other = list
        .iter()
        .find(|g| g.member("id").int() == 9002)
        .expect("guest 9002");
    assert_eq!(other.member("activeTicketCount").int(), 0);
    // A second request: the guest shows the newer, and a filter tests that one only.
    let newer = server
        .xmlrpc(
            &call("createCancelServiceTicket", &DEMO)
                .arg(xint(9001))
                .arg(xstr("No longer needed"))
                .arg(xstr("Again, please."))
                .arg(xstr("VIRTUAL_GUEST")),
        )
        .ok()
        .member("id")
        .int();
    let through = |id: i64| {
        let filter = xstruct(&[(
            "virtualGuests",
            xstruct(&[(
                "openCancellationTicket",
                xstruct(&[("id", xstruct(&[("operation", xint(id))]))]),
            )]),
        )]);
        let reply = server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getVirtualGuests")
                .auth(&DEMO)
                .mask("mask[id,openCancellationTicket[id]]")
                .filter(filter),
        );
        reply
            .ok()
            .array()
            .iter()
            .map(|g| g.member("openCancellationTicket").member("id").int())
            .collect::<Vec<i64>>()
    };
    assert_eq!(through(newer), vec![newer]);
    assert_eq!(
        through(cancel),
        Vec::<i64>::new(),
        "matched through a ticket not shown"
    );
    control.ok(newer, "close", "");
    // Closed, the cancellation ticket is neither open nor a cancellation still asked for.
    control.ok(cancel, "close", "");
    let reply = guests("mask[id,activeTicketCount,openCancellationTicket[id]]");
    let list = reply.ok().array();
    let guest = list.iter().find(|g| g.member("id").int() == 9001).unwrap();
    assert_eq!(guest.member("activeTicketCount").int(), 1);
    assert!(
        guest.get("openCancellationTicket").is_none(),
        "{}",
        reply.exchange()
    );
}

/// Hardware is kept as SoftLayer_Hardware, every piece of it a server: a cast to
/// SoftLayer_Hardware_Server reads its `activeTickets`, `activeTicketCount` and
/// `openCancellationTicket` (the ticket `createCancelServerTicket` refers to), which were
/// left out as data the emulator does not keep though it keeps them for virtual guests.
#[test]
fn a_servers_open_tickets_and_open_cancellation_ticket_through_a_cast() {
    let server = Server::start();
    let control = Control::of(&server);
    let cancel = server
        .xmlrpc(
            &call("createCancelServerTicket", &DEMO)
                .arg(xint(8002))
                .arg(xstr("No longer needed"))
                .arg(xstr("decommission"))
                .arg(xbool(true))
                .arg(xstr("HARDWARE")),
        )
        .ok()
        .member("id")
        .int();
    let hardware = |mask: &str| {
        server.xmlrpc(
            &XmlRpcCall::new("SoftLayer_Account", "getHardware")
                .auth(&DEMO)
                .mask(mask),
        )
    };
    let reply = hardware(
        "mask(SoftLayer_Hardware_Server)[id,activeTickets[id],activeTicketCount,openCancellationTicket[id]]",
    );
    assert!(
        reply.http.header("X-SoftLayer-Emulator-Warning").is_none(),
        "{}",
        reply.exchange()
    );
    let list = reply.ok().array();
    let by_id = |id: i64| {
        list.iter()
            .find(|h| h.member("id").int() == id)
            .unwrap_or_else(|| panic!("hardware {id}\n{}", reply.exchange()))
    };
    // The seed's open ticket 160000001 has 8001 attached.
    let ids = |h: &XVal| -> Vec<i64> {
        h.member("activeTickets")
            .array()
            .iter()
            .map(|t| t.member("id").int())
            .collect()
    };
    assert_eq!(ids(by_id(8001)), vec![160000001], "{}", reply.exchange());
    assert_eq!(by_id(8001).member("activeTicketCount").int(), 1);
    assert!(by_id(8001).get("openCancellationTicket").is_none());
    assert_eq!(ids(by_id(8002)), vec![cancel], "{}", reply.exchange());
    assert_eq!(
        by_id(8002)
            .member("openCancellationTicket")
            .member("id")
            .int(),
        cancel,
        "one ticket, not a list\n{}",
        reply.exchange()
    );
    // Through a ticket's attached hardware, cast where the relation is named.
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(160000001)
            .mask("mask[id,attachedHardware(SoftLayer_Hardware_Server)[id,activeTicketCount]]"),
    );
    let attached = reply.ok().member("attachedHardware").array();
    assert_eq!(attached.len(), 1, "{}", reply.exchange());
    assert_eq!(attached[0].member("activeTicketCount").int(), 1);
    // Without the cast the base type has no such property: refused, as before.
    let reply = hardware("mask[id,activeTickets[id]]");
    assert!(
        reply
            .fault()
            .string
            .contains("Property 'activeTickets' not valid for 'SoftLayer_Hardware'"),
        "{}",
        reply.exchange()
    );
    // Closed, the cancellation ticket is neither open nor a cancellation still asked for.
    control.ok(cancel, "close", "");
    let reply =
        hardware("mask(SoftLayer_Hardware_Server)[id,activeTicketCount,openCancellationTicket]");
    let list = reply.ok().array();
    let h = list.iter().find(|h| h.member("id").int() == 8002).unwrap();
    assert_eq!(h.member("activeTicketCount").int(), 0);
    assert!(
        h.get("openCancellationTicket").is_none(),
        "{}",
        reply.exchange()
    );
}

/// A scheduled action's transaction names the action (`ticketScheduledActionReference`,
/// an attachment, cast to its scheduled-action type for its `runDate`): when it runs and
/// on which ticket were kept but left out as data not kept.
#[test]
fn a_scheduled_actions_run_date_is_read_through_its_transaction() {
    let server = Server::start();
    let alert = server.xmlrpc(
        &call("addScheduledAlert", &DEMO)
            .id(160000001)
            .arg(xstr("2028-01-07T10:00:00-06:00")),
    );
    alert.ok();
    let reply = server.xmlrpc(&call("getScheduledActions", &DEMO).id(160000001).mask(
        "mask[id,ticketScheduledActionReference(SoftLayer_Ticket_Attachment_Scheduled_Action)\
         [runDate,ticketId],ticketScheduledActionReferenceCount]",
    ));
    assert!(
        reply.http.header("X-SoftLayer-Emulator-Warning").is_none(),
        "{}",
        reply.exchange()
    );
    let actions = reply.ok().array();
    assert_eq!(actions.len(), 1, "{}", reply.exchange());
    assert_eq!(
        actions[0]
            .member("ticketScheduledActionReferenceCount")
            .int(),
        1
    );
    let reference = actions[0].member("ticketScheduledActionReference").array();
    assert_eq!(reference.len(), 1, "{}", reply.exchange());
    assert_eq!(reference[0].member("ticketId").int(), 160000001);
    assert_eq!(
        reference[0].member("runDate").str(),
        "2028-01-07T10:00:00-06:00"
    );
}

/// A close stamped while the clock was set ahead is not among today's closes once the
/// clock is set back to earlier that day, as it is not among the last three days': today's
/// list took every close before tomorrow's midnight, so the two lists disagreed.
#[test]
fn a_close_after_now_is_not_closed_today() {
    let server = Server::start();
    let control = Control::of(&server);
    let set = |at: &str| {
        let resp = control.request("POST", "/_emulator/clock", &format!(r#"{{"set":"{at}"}}"#));
        assert_eq!(resp.status, 200, "{}", resp.describe());
    };
    set("2027-08-01T12:00:00-05:00");
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "closed at noon");
    control.ok(ticket, "close", "");
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
    ] {
        assert!(
            account_ids(&server, &DEMO, method).contains(&ticket),
            "{method} at noon"
        );
    }
    set("2027-08-01T09:00:00-05:00");
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
    ] {
        assert!(
            !account_ids(&server, &DEMO, method).contains(&ticket),
            "{method} at nine lists a close made at noon"
        );
    }
    let counts = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getObject")
            .auth(&DEMO)
            .mask("mask[ticketsClosedTodayCount,ticketsClosedInTheLastThreeDaysCount]"),
    );
    let counts = counts.ok();
    assert_eq!(counts.member("ticketsClosedTodayCount").int(), 0);
    assert_eq!(
        counts.member("ticketsClosedInTheLastThreeDaysCount").int(),
        0
    );
    set("2027-08-01T18:00:00-05:00");
    assert!(account_ids(&server, &DEMO, "getTicketsClosedToday").contains(&ticket));
}

/// A REST path into one of the capped lists (the last five closed, the last three days')
/// finds only what the list holds: its pick was a condition of the list's query, met
/// before the list was cut, so a ticket closed long before the last five was found, read
/// and written through it.
#[test]
fn a_rest_path_into_the_last_five_finds_only_those_five() {
    let server = Server::start();
    let control = Control::of(&server);
    let mut closed = Vec::new();
    for n in 0..5 {
        let ticket = create_standard_ticket(&server, &DEMO, 1005, "", &format!("close {n}"));
        control.ok(ticket, "close", "");
        closed.push(ticket);
    }
    let auth = basic_auth(DEMO.username, DEMO.api_key);
    let get = |path: &str| {
        http_request(
            server.addr(),
            "GET",
            &format!("/rest/v3.1/{path}"),
            &[("Authorization", &auth)],
            b"",
            HTTP_TIMEOUT,
        )
        .unwrap()
    };
    let listed: Vec<i64> = serde_json::from_slice::<J>(
        &get("SoftLayer_Account/getLastFiveClosedTickets.json?objectMask=mask[id]").body,
    )
    .unwrap()
    .as_array()
    .unwrap()
    .iter()
    .map(|t| t["id"].as_i64().unwrap())
    .collect();
    assert!(!listed.contains(&160000003), "{listed:?}");
    // From the account, and through a user's or a ticket's account (a relation's pick).
    for path in [
        "SoftLayer_Account/getLastFiveClosedTickets/160000003/getObject.json",
        "SoftLayer_Account/LastFiveClosedTickets/160000003.json",
        "SoftLayer_Account/LastFiveClosedTickets/160000003/Updates.json",
        "SoftLayer_User_Customer/5001/Account/LastFiveClosedTickets/160000003.json",
        "SoftLayer_User_Customer/5001/getAccount/LastFiveClosedTickets/160000003/Updates.json",
        "SoftLayer_Ticket/160000001/Account/getLastFiveClosedTickets/160000003/getObject.json",
    ] {
        let resp = get(path);
        assert_eq!(resp.status, 404, "{path}: {}", resp.describe());
    }
    for path in [
        format!(
            "SoftLayer_Account/getLastFiveClosedTickets/{}/getObject.json",
            closed[0]
        ),
        format!(
            "SoftLayer_Account/TicketsClosedInTheLastThreeDays/{}.json",
            closed[4]
        ),
        format!(
            "SoftLayer_User_Customer/5001/Account/LastFiveClosedTickets/{}.json",
            closed[1]
        ),
    ] {
        let resp = get(&path);
        assert_eq!(resp.status, 200, "{path}: {}", resp.describe());
    }
}

/// Closing a ticket that is already closed is answered as a no-op (200, the ticket as it
/// was): its close date is not stamped again, so a ticket closed ten days ago does not
/// come back among those closed today, and nobody is mailed twice.
#[test]
fn closing_a_closed_ticket_again_changes_nothing() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "close me once");
    // Reopening a ticket that is open has nothing to undo: no employee's edit either.
    let resp = control.request("POST", "/_emulator/clock", r#"{"advance":"1h"}"#);
    assert_eq!(resp.status, 200, "{}", resp.describe());
    let open = control.ok(ticket, "reopen", "")["ticket"].clone();
    assert_eq!(open["lastEditType"], "USER", "{open}");
    let first = control.ok(ticket, "close", "")["ticket"].clone();
    let resp = control.request("POST", "/_emulator/clock", r#"{"advance":"10d"}"#);
    assert_eq!(resp.status, 200, "{}", resp.describe());
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
    ] {
        assert!(!account_ids(&server, &DEMO, method).contains(&ticket));
    }

    let again = control.ok(ticket, "close", "")["ticket"].clone();
    assert_eq!(again, first, "the ticket is as the first close left it");
    for method in [
        "getTicketsClosedToday",
        "getTicketsClosedInTheLastThreeDays",
    ] {
        assert!(
            !account_ids(&server, &DEMO, method).contains(&ticket),
            "{method} lists a ticket closed ten days ago"
        );
    }
    assert!(account_ids(&server, &DEMO, "getClosedTickets").contains(&ticket));
    let resp = control.request(
        "GET",
        &format!("/_emulator/outbox?ticket={ticket}&event=TICKET_CLOSED"),
        "",
    );
    let mail = json_of(&resp)["messages"].as_array().unwrap().len();
    assert_eq!(mail, 1, "one close, one mail: {}", resp.describe());
    // A closed seed ticket alike: it keeps the seed's close date.
    let seed = control.ok(CLOSED_TICKET, "close", "")["ticket"].clone();
    assert_eq!(seed["closeDate"], "2026-06-05T15:00:00-05:00", "{seed}");
    let resp = control.request("POST", "/_emulator/clock", r#"{"real":true}"#);
    assert_eq!(resp.status, 200, "{}", resp.describe());
}

#[test]
fn awaiting_response_sets_and_clears_the_flag() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "wait for me");
    control.ok(ticket, "awaiting-response", r#"{"value":true}"#);
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    let reply = server.xmlrpc(
        &call("getState", &DEMO)
            .id(ticket)
            .mask("mask[stateType[keyName]]"),
    );
    let keys: Vec<&str> = reply
        .ok()
        .array()
        .iter()
        .map(|s| s.member("stateType").member("keyName").str())
        .collect();
    assert_eq!(
        keys,
        vec!["AWAITING_CUSTOMER_RESPONSE"],
        "{}",
        reply.exchange()
    );
    control.ok(ticket, "awaiting-response", r#"{"value":false}"#);
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    let reply = server.xmlrpc(&call("getState", &DEMO).id(ticket));
    assert!(reply.ok().array().is_empty(), "{}", reply.exchange());
    // A reply's flag: true sets it, left out leaves it, false clears it (false was
    // accepted and did nothing).
    for (body, after) in [
        (
            r#"{"employee":301,"entry":"Need the serial.","awaitingUserResponse":true}"#,
            true,
        ),
        (r#"{"employee":301,"entry":"Still need it."}"#, true),
        (
            r#"{"employee":301,"entry":"Found it.","awaitingUserResponse":false}"#,
            false,
        ),
        (r#"{"employee":301,"entry":"Working on it."}"#, false),
    ] {
        control.ok(ticket, "reply", body);
        assert_eq!(
            flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket),
            after,
            "{body}"
        );
    }
    // A bare value is no body of an action: `false` set the flag, and a string closed
    // the ticket. Refused, and nothing done.
    for (action, body) in [
        ("awaiting-response", "false"),
        ("awaiting-response", "[]"),
        ("close", r#""please do not""#),
        ("close", "5"),
        ("reopen", "true"),
    ] {
        let resp = control.action(ticket, action, body);
        assert_refused(&resp, 400, &format!("{action} with {body}"));
        assert!(
            resp.text().contains("is a JSON object"),
            "{action} {body}: {}",
            resp.describe()
        );
    }
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    let status = server
        .xmlrpc(&call("getObject", &DEMO).id(ticket).mask("mask[statusId]"))
        .ok()
        .member("statusId")
        .int();
    assert_ne!(status, 1002, "the ticket was closed");
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

#[test]
fn unknown_things_are_404_and_closed_tickets_refuse_replies_with_409() {
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "refusals");
    let before = updates(&server, &DEMO, ticket);

    // Unknown ticket, for every action.
    for (action, body) in [
        ("reply", r#"{"employee":"sl-support-jdoe","entry":"hi"}"#),
        ("assign", r#"{"employee":"sl-support-jdoe"}"#),
        ("group", r#"{"group":"Storage"}"#),
        ("close", ""),
        ("reopen", ""),
        ("awaiting-response", r#"{"value":true}"#),
    ] {
        let resp = control.action(999_999_999, action, body);
        assert_refused(&resp, 404, &format!("{action} on an unknown ticket"));
    }
    // Unknown employee, by name and by id.
    for body in [
        r#"{"employee":"sl-support-nobody","entry":"hi"}"#,
        r#"{"employee":999,"entry":"hi"}"#,
    ] {
        assert_refused(&control.action(ticket, "reply", body), 404, body);
    }
    assert_refused(
        &control.action(ticket, "assign", r#"{"employee":"sl-support-nobody"}"#),
        404,
        "assign to nobody",
    );
    // Unknown group, by name and by id: the refusal names the groups there are (the
    // desk has no list of them).
    for body in [r#"{"group":"Nowhere"}"#, r#"{"group":99}"#] {
        let message = assert_refused(&control.action(ticket, "group", body), 404, body);
        assert!(
            message.contains("the groups are ") && message.contains("Storage"),
            "{message}"
        );
    }
    // Unknown action and endpoints.
    assert_refused(
        &control.action(ticket, "escalate", ""),
        404,
        "unknown action",
    );
    assert_refused(
        &control.request("GET", "/_emulator/nothing", ""),
        404,
        "unknown endpoint",
    );
    assert_refused(
        &control.request("GET", &format!("/_emulator/tickets/{ticket}/close"), ""),
        405,
        "GET on an action",
    );
    // Malformed requests.
    assert_refused(
        &control.action(ticket, "reply", "{not json"),
        400,
        "bad JSON",
    );
    assert_refused(
        &control.action(ticket, "reply", r#"{"employee":"sl-support-jdoe"}"#),
        400,
        "a reply without an entry",
    );
    assert_refused(
        &control.action(ticket, "reply", r#"{"entry":"who am I?"}"#),
        400,
        "a reply without an employee",
    );
    // An empty entry is a bad request like a missing one, not a conflict.
    assert_refused(
        &control.action(
            ticket,
            "reply",
            r#"{"employee":"sl-support-jdoe","entry":"  "}"#,
        ),
        400,
        "a reply with an empty entry",
    );
    assert_refused(
        &control.request("POST", "/_emulator/tickets/abc/close", ""),
        400,
        "a ticket id that is no number",
    );
    // None of it changed the ticket.
    assert_eq!(updates(&server, &DEMO, ticket), before);
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_OPEN);
    assert_eq!(group_name(&server, &DEMO, ticket), "Support");

    // Replying to a closed ticket: 409, nothing added.
    control.ok(ticket, "close", "");
    let resp = control.action(
        ticket,
        "reply",
        r#"{"employee":"sl-support-jdoe","entry":"too late"}"#,
    );
    assert_refused(&resp, 409, "reply to a closed ticket");
    let resp = control.action(
        CLOSED_TICKET,
        "reply",
        r#"{"employee":"sl-billing-kchen","entry":"too late"}"#,
    );
    assert_refused(&resp, 409, "reply to seed's closed ticket");
    assert_eq!(updates(&server, &DEMO, ticket), before);
    assert_eq!(updates(&server, &DEMO, CLOSED_TICKET).len(), 2);
    // Awaiting the customer on a closed ticket, which the customer could never answer
    // (it was taken, and listed the ticket among those waiting on the customer); clearing
    // the flag stays harmless.
    let resp = control.action(CLOSED_TICKET, "awaiting-response", r#"{"value":true}"#);
    assert_refused(&resp, 409, "awaiting the customer on a closed ticket");
    control.ok(CLOSED_TICKET, "awaiting-response", r#"{"value":false}"#);
    let reply = server.xmlrpc(
        &call("getObject", &DEMO)
            .id(CLOSED_TICKET)
            .mask("mask[awaitingUserResponseFlag]"),
    );
    assert_eq!(
        reply.ok().member("awaitingUserResponseFlag").as_bool(),
        Some(false),
        "{}",
        reply.exchange()
    );
}

/// A reply's entry is blank as the API's `addUpdate` finds an entry blank (PHP's
/// `trim()`): one of only U+3000 is text, which a customer's update may be too, and
/// was refused "a reply needs "entry" (some text)". Spaces and line breaks are blank.
#[test]
fn a_reply_of_only_an_ideographic_space_is_text() {
    let server = Server::start();
    let control = Control::of(&server);
    let json = control.ok(OPEN_TICKET, "reply", r#"{"employee":301,"entry":"\u3000"}"#);
    assert_eq!(json["ticket"]["lastEditType"], "EMPLOYEE", "{json}");
    let last = updates(&server, &DEMO, OPEN_TICKET);
    assert_eq!(last.last().unwrap().member("entry").str(), "\u{3000}");
    let body = r#"{"employee":301,"entry":" \t\r\n"}"#;
    let message = assert_refused(&control.action(OPEN_TICKET, "reply", body), 400, body);
    assert_eq!(message, r#"a reply needs "entry" (some text)"#);
}

/// A field of the wrong type is named with the value given and what it should be, as a
/// flag's is: `{"entry": 5}` was told a reply needs an entry, `{"employee": true}` that
/// the action needs an employee.
#[test]
fn a_wrongly_typed_field_is_named_with_its_value() {
    let server = Server::start();
    let control = Control::of(&server);
    for (action, body, expected) in [
        (
            "reply",
            r#"{"employee":301,"entry":5}"#,
            r#""entry" is some text, not 5"#,
        ),
        (
            "reply",
            r#"{"employee":true,"entry":"x"}"#,
            r#""employee" is an employee id or username, not true"#,
        ),
        (
            "assign",
            r#"{"employee":1.5}"#,
            r#""employee" is an employee id or username, not 1.5"#,
        ),
        (
            "group",
            r#"{"group":{"id":6}}"#,
            r#""group" is a group id or name, not {"id":6}"#,
        ),
        // Missing, they are still said to be missing.
        (
            "reply",
            r#"{"employee":301}"#,
            r#"a reply needs "entry" (some text)"#,
        ),
        (
            "assign",
            r#"{"employee":null}"#,
            r#"this action needs "employee" (an employee id or username)"#,
        ),
    ] {
        let message = assert_refused(&control.action(OPEN_TICKET, action, body), 400, body);
        assert_eq!(message, expected, "{action} {body}");
    }
}

/// PowerShell 5's `Out-File` and `Set-Content -Encoding UTF8` write a UTF-8 byte-order
/// mark before the JSON; a REST body may start with one, and the control API refused it
/// ("expected value at line 1 column 1").
#[test]
fn a_control_body_may_start_with_a_byte_order_mark() {
    let server = Server::start();
    let control = Control::of(&server);
    control.ok(
        OPEN_TICKET,
        "reply",
        "\u{feff}{\"employee\":301,\"entry\":\"from PowerShell\"}",
    );
    let last = updates(&server, &DEMO, OPEN_TICKET).pop().unwrap();
    assert_eq!(last.member("entry").str(), "from PowerShell");
    // A mark before nothing holds nothing, where no body is read.
    let resp = control.request("GET", "/_emulator/employees", "\u{feff}");
    assert_eq!(resp.status, 200, "{}", resp.describe());
}

/// A group or employee name is repeated in a 404 cut at 300 characters, as a warning
/// cuts what it quotes: a 100 KB name made a 100 KB answer.
#[test]
fn a_refusal_repeats_at_most_300_characters_of_a_name() {
    let server = Server::start();
    let control = Control::of(&server);
    let long = "g".repeat(100_000);
    let cut = format!("{}...", "g".repeat(300));
    let resp = control.action(OPEN_TICKET, "group", &format!(r#"{{"group":"{long}"}}"#));
    let message = assert_refused(&resp, 404, "a 100 KB group name");
    assert!(
        message.starts_with(&format!("no ticket group '{cut}'; the groups are ")),
        "{message}"
    );
    assert!(resp.body.len() < 2_000, "{}", resp.body.len());
    let resp = control.action(
        OPEN_TICKET,
        "assign",
        &format!(r#"{{"employee":"{long}"}}"#),
    );
    let message = assert_refused(&resp, 404, "a 100 KB employee name");
    assert_eq!(
        message,
        format!("no employee '{cut}'; list them with GET /_emulator/employees")
    );
    // A short name stays whole.
    let resp = control.action(OPEN_TICKET, "group", r#"{"group":"Nowhere"}"#);
    let message = assert_refused(&resp, 404, "an unknown group");
    assert!(
        message.starts_with("no ticket group 'Nowhere'; "),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// The subcommands, on a database file
// ---------------------------------------------------------------------------

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `support ACTION --db DB …`: `--db` after the action, as a user types it (other
/// tests give it before the action, as the README does).
fn support_cmd(db: &str, args: &[&str]) -> Run {
    let (action, rest) = args.split_first().expect("an action");
    let out = Command::new(SERVER_BIN)
        .arg("support")
        .arg(action)
        .arg("--db")
        .arg(db)
        .args(rest)
        .env_remove("SOFTLAYER_EMULATOR_DB")
        .stdin(Stdio::null())
        .output()
        .expect("run softlayer-ticket-server support");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn support_ok(db: &str, args: &[&str]) -> J {
    let run = support_cmd(db, args);
    assert_eq!(
        run.code,
        Some(0),
        "support {args:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.stdout,
        run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "support {args:?} prints the ticket as JSON ({e}):\n{}",
            run.stdout
        )
    })
}

fn support_fails(db: &str, args: &[&str]) -> String {
    let run = support_cmd(db, args);
    assert!(
        run.code.is_some_and(|c| c != 0),
        "support {args:?} must fail\n--- stdout ---\n{}\n--- stderr ---\n{}",
        run.stdout,
        run.stderr
    );
    run.stderr
}

#[test]
fn support_subcommands_act_on_the_database_of_a_running_server() {
    let server = Server::start_with_temp_db();
    let db = server.db().to_string();
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "via the command line");
    let t = ticket.to_string();
    // Read once before each change: a change made outside the server must show at once.
    assert_eq!(updates(&server, &DEMO, ticket).len(), 1);

    let json = support_ok(
        &db,
        &[
            "reply",
            &t,
            "--employee",
            "sl-support-jdoe",
            "--entry",
            "Replaced the drive.",
            "--awaiting-response",
        ],
    );
    assert_eq!(json["id"].as_i64(), Some(ticket), "{json}");
    let list = updates(&server, &DEMO, ticket);
    assert_eq!(list.len(), 2);
    let last = list.last().unwrap();
    assert_eq!(last.member("entry").str(), "Replaced the drive.");
    assert_eq!(last.member("editorType").str(), "EMPLOYEE");
    assert_eq!(editor_name(last.member("editor")), "sl-support-jdoe");
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));

    support_ok(&db, &["awaiting-response", &t, "--clear"]);
    assert!(!flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));
    support_ok(&db, &["awaiting-response", &t]);
    assert!(flag(&server, &DEMO, "getAwaitingUserResponseFlag", ticket));

    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_OPEN);
    support_ok(&db, &["assign", &t, "--employee", "302"]);
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_ASSIGNED);

    assert_eq!(group_name(&server, &DEMO, ticket), "Support");
    support_ok(&db, &["group", &t, "--group", "Storage"]);
    assert_eq!(group_name(&server, &DEMO, ticket), "Storage");

    assert!(!account_ids(&server, &DEMO, "getClosedTickets").contains(&ticket));
    support_ok(&db, &["close", &t]);
    assert_eq!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);
    assert_eq!(
        account_ids(&server, &DEMO, "getTicketsClosedToday").first(),
        Some(&ticket)
    );
    assert_update_refused(&add_update(&server, &DEMO, ticket, "after close"));
    // A reply to the closed ticket fails and adds nothing.
    let err = support_fails(
        &db,
        &[
            "reply",
            &t,
            "--employee",
            "sl-support-jdoe",
            "--entry",
            "late",
        ],
    );
    assert!(err.contains("closed"), "{err}");
    assert_eq!(updates(&server, &DEMO, ticket).len(), 2);

    support_ok(&db, &["reopen", &t]);
    assert_ne!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);
    add_update(&server, &DEMO, ticket, "works again").ok();

    // What does not exist.
    support_fails(&db, &["close", "999999999"]);
    support_fails(
        &db,
        &[
            "reply",
            &t,
            "--employee",
            "sl-support-nobody",
            "--entry",
            "x",
        ],
    );
    support_fails(&db, &["assign", &t, "--employee", "999"]);
    support_fails(&db, &["group", &t, "--group", "Nowhere"]);
    assert_ne!(status_of(&server, &DEMO, ticket), STATUS_CLOSED);
    assert_eq!(group_name(&server, &DEMO, ticket), "Storage");
}

#[test]
fn support_subcommands_work_without_a_server_and_refuse_memory_databases() {
    let dir = TempDir::new("support-offline");
    let db = dir.path().join("offline.sqlite3");
    let db = db.to_str().unwrap().to_string();
    // A file no server has open (a missing one is refused: harness.rs).
    let reset = Command::new(SERVER_BIN)
        .args(["reset", "--db", &db])
        .output()
        .expect("run softlayer-ticket-server reset");
    assert!(reset.status.success(), "{reset:?}");
    support_ok(
        &db,
        &[
            "reply",
            &OPEN_TICKET.to_string(),
            "--employee",
            "sl-support-amartin",
            "--entry",
            "Offline answer.",
        ],
    );
    support_ok(&db, &["close", &OPEN_TICKET.to_string()]);
    let server = Server::start_with_db(&db, Some(dir));
    assert_eq!(status_of(&server, &DEMO, OPEN_TICKET), STATUS_CLOSED);
    let list = updates(&server, &DEMO, OPEN_TICKET);
    assert_eq!(
        list.last().unwrap().member("entry").str(),
        "Offline answer."
    );
    assert_eq!(
        editor_name(list.last().unwrap().member("editor")),
        "sl-support-amartin"
    );

    let err = support_fails(":memory:", &["close", &OPEN_TICKET.to_string()]);
    assert!(
        err.contains("_emulator"),
        "points to the control API: {err}"
    );
}

/// A reply holding a character the API refuses on every transport (a control character
/// other than tab, line feed and carriage return; U+FFFE, U+FFFF) is refused, 400 over
/// the control API and an error from the `support` command, storing nothing: it was
/// stored, and then read back as sent over JSON but as U+FFFD over XML.
#[test]
fn replies_with_characters_the_api_refuses_are_refused() {
    let server = Server::start_with_temp_db();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "bad text");
    let before = updates(&server, &DEMO, ticket);
    for body in [
        r#"{"employee":301,"entry":"a\u0001b"}"#,
        r#"{"employee":"sl-support-jdoe","entry":"bell\u0007"}"#,
        r#"{"employee":301,"entry":"x\uFFFF"}"#,
    ] {
        let msg = assert_refused(&control.action(ticket, "reply", body), 400, body);
        assert!(
            msg.contains("U+") && msg.contains("does not take"),
            "{body}: {msg}"
        );
    }
    let err = support_fails(
        server.db(),
        &[
            "reply",
            &ticket.to_string(),
            "--employee",
            "301",
            "--entry",
            "bell\u{7}",
        ],
    );
    assert!(err.contains("U+0007"), "{err}");
    assert_eq!(updates(&server, &DEMO, ticket), before);

    // Tab, line feed and carriage return are text.
    control.ok(
        ticket,
        "reply",
        r#"{"employee":301,"entry":"tab\there\r\nnext"}"#,
    );
    let list = updates(&server, &DEMO, ticket);
    assert_eq!(
        list.last().unwrap().member("entry").str(),
        "tab\there\r\nnext"
    );
}

#[test]
fn control_api_changes_show_at_once_in_repeated_reads() {
    // Repeated identical reads (which the server may answer from its reply cache)
    // see each support action at once.
    let server = Server::start();
    let control = Control::of(&server);
    let ticket = create_standard_ticket(&server, &DEMO, 1005, "", "cache");
    for round in 0..3 {
        assert_eq!(
            status_of(&server, &DEMO, ticket),
            STATUS_OPEN,
            "round {round}"
        );
        control.ok(ticket, "close", "");
        assert_eq!(
            status_of(&server, &DEMO, ticket),
            STATUS_CLOSED,
            "round {round}"
        );
        control.ok(ticket, "reopen", "");
    }
}
