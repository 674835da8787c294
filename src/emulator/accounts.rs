//! Accounts on demand: each test creates its own isolated account from a document in
//! the seed format, and deletes it (with everything it owns) when done.
//!
//! Ids in the document are the document's own: every object gets a fresh id, allocated
//! in the one write transaction that creates the account, and references inside the
//! document (a ticket's `accountId` and `assignedUserId`, an update's `ticketId`, an
//! attachment's device) follow. So any number of tests may create accounts from the same
//! document, in any order, at the same time, and no id ever collides. References outside
//! the document are left as they are: they name the catalogue (subjects, groups,
//! statuses, employees). Usernames must be free; left out, they are generated.

use crate::schema::devices::{self, DEVICE_KINDS, DeviceKind};
use crate::store::{self, Row, StoreError, dump};
use crate::value::{Struct, Value};
use rusqlite::Connection;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("account {0} does not exist")]
    NoAccount(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

const ACCOUNT: &str = "SoftLayer_Account";
const USER: &str = "SoftLayer_User_Customer";
const TICKET: &str = "SoftLayer_Ticket";
const UPDATE: &str = "SoftLayer_Ticket_Update";
const EMAIL: &str = "SoftLayer_User_Customer_AdditionalEmail";

/// The floor of a new account's device ids, kind by kind, in the order they are created.
static DEVICE_ID_FLOORS: [(&DeviceKind, i64); 3] = [
    (&devices::HARDWARE, 8201),
    (&devices::VIRTUAL_GUEST, 9201),
    (&devices::DEDICATED_HOST, 7201),
];

/// The floor of device-link ids, which all kinds share.
const LINK_ID_FLOOR: i64 = 700_000_001;

/// The sections a new account's document may have, in the order they are created, with
/// the floor of each type's ids.
fn sections() -> Vec<(&'static str, i64)> {
    let mut sections = vec![
        (ACCOUNT, 3001),
        (USER, 7001),
        ("credentials", 0),
        (EMAIL, 1),
    ];
    sections.extend(
        DEVICE_ID_FLOORS
            .iter()
            .map(|(k, floor)| (k.device_type, *floor)),
    );
    sections.extend([(TICKET, 160_000_001), (UPDATE, 500_000_001)]);
    sections.extend(DEVICE_KINDS.iter().map(|k| (k.link_type, LINK_ID_FLOOR)));
    sections
}

/// Columns that refer to another object of the document: (section, column, type).
fn references() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut references = vec![
        (USER, "parentId", USER),
        ("credentials", "userId", USER),
        (EMAIL, "userId", USER),
        (TICKET, "assignedUserId", USER),
        (UPDATE, "ticketId", TICKET),
    ];
    for kind in DEVICE_KINDS {
        references.extend([
            (kind.link_type, "ticketId", TICKET),
            (kind.link_type, kind.link_column, kind.device_type),
            (kind.link_type, "attachmentId", kind.device_type),
        ]);
    }
    references
}

/// A new API key: 64 hexadecimal digits, as SoftLayer's are.
/// A key a document gives a user: never empty, as no SoftLayer API key is (a test that
/// expects an empty key to be refused would pass wrongly against such a user).
fn nonempty_key(key: &str) -> Result<String, AccountError> {
    if key.trim().is_empty() {
        return Err(AccountError::Invalid(
            "apiKey may not be empty: leave it out to have one made".into(),
        ));
    }
    // As import refuses it (and no XML-RPC or SOAP header could carry it): the account's
    // export could not be loaded back.
    if let Some((_, c)) = crate::protocol::xml::forbidden_character(key) {
        return Err(AccountError::Invalid(format!(
            "apiKey: U+{:04X} is {}",
            c as u32,
            crate::protocol::xml::NOT_CARRIED
        )));
    }
    Ok(key.to_string())
}

pub fn new_api_key() -> String {
    super::random_hex(64)
}

fn columns<const N: usize>(pairs: [(&str, Value); N]) -> Struct {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Sets `key` unless the document gave it.
fn default(row: &mut Struct, key: &str, value: Value) {
    if row.get(key).is_none_or(Value::is_null) {
        row.insert(key.to_string(), value);
    }
}

/// Creates an account from `doc`; the reply lists its ids, usernames and API keys.
pub fn create(
    conn: &Connection,
    doc: &serde_json::Value,
) -> Result<serde_json::Value, AccountError> {
    let empty = serde_json::Map::new();
    let sections = match doc {
        serde_json::Value::Object(o) => o,
        serde_json::Value::Null => &empty,
        _ => {
            return Err(AccountError::Invalid(
                "an account document is a JSON object".into(),
            ));
        }
    };
    let known_sections = self::sections();
    for key in sections.keys() {
        if !known_sections.iter().any(|(s, _)| s == key) {
            return Err(AccountError::Invalid(format!(
                "a new account's document cannot hold '{key}'; it may hold {}",
                known_sections
                    .iter()
                    .map(|(s, _)| *s)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let mut rows: BTreeMap<&str, Vec<Struct>> = BTreeMap::new();
    for &(section, _) in &known_sections {
        let list = match sections.get(section) {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|item| match Value::from(item) {
                    Value::Struct(s) => Ok(s),
                    _ => Err(AccountError::Invalid(format!("{section} holds objects"))),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(AccountError::Invalid(format!("{section} must be an array"))),
        };
        rows.insert(section, list);
    }
    // A field no table has is named here, before anything is written (SQLite's own
    // "no column named" was a 500).
    for (section, list) in &rows {
        if *section == "credentials" {
            continue;
        }
        for row in list {
            // `apiKey` on a user is a shorthand for its credentials (below), not a column.
            let fields = row
                .iter()
                .filter(|(k, _)| !(*section == USER && k.as_str() == "apiKey"));
            let references = crate::store::dump::catalogue_references(section, row);
            crate::store::dump::check_document_fields(conn, section, fields)
                .and_then(|()| {
                    crate::store::dump::check_catalogue_references(conn, section, &references)
                })
                .map_err(|e| match e {
                    StoreError::Seed(m) => AccountError::Invalid(m),
                    other => AccountError::Store(other),
                })?;
        }
    }
    if rows[ACCOUNT].len() > 1 {
        return Err(AccountError::Invalid(
            "a document creates one account: SoftLayer_Account holds at most one object".into(),
        ));
    }
    // An `accountId` names the document's account, as every other reference names an
    // object of the document: one naming another account (the seed's 1001) was
    // rewritten to the new account without a word.
    let own_account = rows[ACCOUNT]
        .first()
        .and_then(|a| a.get("id"))
        .and_then(Value::as_i64);
    let owned = [USER, TICKET]
        .into_iter()
        .chain(DEVICE_KINDS.iter().map(|k| k.device_type));
    for section in owned {
        for row in &rows[section] {
            match row.get("accountId") {
                None | Some(Value::Null) => {}
                Some(named) if own_account.is_some() && named.as_i64() == own_account => {}
                Some(named) => {
                    let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
                    let named = named
                        .as_i64()
                        .map_or_else(|| format!("{named:?}"), |n| n.to_string());
                    return Err(AccountError::Invalid(format!(
                        "{section} {id}: accountId {named} names no SoftLayer_Account of this \
                         document; leave it out for the new account's"
                    )));
                }
            }
        }
    }

    if rows[USER].is_empty() {
        rows.get_mut(USER).expect("listed").push(Struct::new());
    }
    let when = crate::services::now();

    // New ids for every object that names one, type by type; ordered, so that the reply's
    // `ids` reads the same every time.
    let mut ids: BTreeMap<&str, BTreeMap<i64, i64>> = BTreeMap::new();
    let link_types = devices::link_types();
    // The three device-link types share one id space: each starts after the ids the
    // ones before it were given (rows without an id of their own in the document too).
    let mut after_links = 0;
    for &(section, floor) in &known_sections {
        if section == "credentials" {
            continue;
        }
        let linked = link_types.contains(&section);
        let next = if linked {
            store::next_id_among(conn, section, &link_types, floor)?.max(after_links)
        } else {
            store::next_id(conn, section, floor)?
        };
        if linked {
            after_links = next + rows[section].len() as i64;
        }
        let map = ids.entry(section).or_default();
        for (i, row) in rows
            .get_mut(section)
            .expect("listed")
            .iter_mut()
            .enumerate()
        {
            let new_id = next + i as i64;
            if let Some(old) = row.get("id").and_then(Value::as_i64)
                && map.insert(old, new_id).is_some()
            {
                return Err(AccountError::Invalid(format!(
                    "{section}: id {old} appears twice"
                )));
            }
            row.insert("id".into(), Value::Int(new_id));
        }
    }
    let account_id = match rows[ACCOUNT]
        .first()
        .and_then(|r| r.get("id"))
        .and_then(Value::as_i64)
    {
        Some(id) => id,
        None => store::next_id(conn, ACCOUNT, known_sections[0].1)?,
    };

    // References inside the document follow the new ids.
    for (section, column, target) in references() {
        let map = &ids[target];
        for row in rows.get_mut(section).expect("listed") {
            let Some(old) = row.get(column).and_then(Value::as_i64) else {
                continue;
            };
            let new = map.get(&old).copied().ok_or_else(|| {
                AccountError::Invalid(format!(
                    "{section}.{column} {old} names no {target} of this document"
                ))
            })?;
            row.insert(column.to_string(), Value::Int(new));
        }
    }
    // A user's update, and the last edit of a ticket a user made, name a user of this
    // document (an employee's are the catalogue's).
    for (section, kind, column) in [
        (UPDATE, "editorType", "editorId"),
        (TICKET, "lastEditType", "lastEditorId"),
    ] {
        for row in rows.get_mut(section).expect("listed") {
            // An employee must be one, as import checks: the account's export could not
            // be loaded back.
            if row.get(kind).and_then(Value::as_str) == Some("EMPLOYEE")
                && let Some(employee) = row.get(column).and_then(Value::as_i64)
                && store::get(conn, "SoftLayer_User_Employee", employee)?.is_none()
            {
                return Err(AccountError::Invalid(format!(
                    "{section}.{column} {employee} names no SoftLayer_User_Employee"
                )));
            }
            if row.get(kind).and_then(Value::as_str).unwrap_or("USER") == "USER"
                && let Some(old) = row.get(column).and_then(Value::as_i64)
            {
                let new = ids[USER].get(&old).copied().ok_or_else(|| {
                    AccountError::Invalid(format!(
                        "{section}.{column} {old} names no user of this document"
                    ))
                })?;
                row.insert(column.into(), Value::Int(new));
            }
        }
    }

    // The account.
    let mut account = rows[ACCOUNT].first().cloned().unwrap_or_default();
    account.insert("id".into(), Value::Int(account_id));
    default(
        &mut account,
        "companyName",
        Value::String(format!("Test Account {account_id}")),
    );
    default(&mut account, "accountStatusId", Value::Int(1001));
    default(&mut account, "brandId", Value::Int(2));
    default(&mut account, "isReseller", Value::Bool(false));
    default(&mut account, "createDate", Value::DateTime(when.clone()));
    let company = account.get("companyName").cloned().unwrap_or(Value::Null);
    store::insert(conn, ACCOUNT, &account)?;

    // Users, each with an API key: the document's, or a new one.
    let mut keys: HashMap<i64, String> = HashMap::new();
    let mut portal_tokens: HashMap<i64, Value> = HashMap::new();
    for c in &rows["credentials"] {
        let Some(user) = c.get("userId").and_then(Value::as_i64) else {
            return Err(AccountError::Invalid(
                "every credentials entry needs a userId".into(),
            ));
        };
        if let Some(key) = c.get("apiKey").and_then(Value::as_str) {
            keys.insert(user, nonempty_key(key)?);
        }
        if let Some(token) = c.get("portalLoginToken") {
            portal_tokens.insert(user, token.clone());
        }
    }
    let mut users_out = Vec::new();
    let master = rows[USER][0]
        .get("id")
        .and_then(Value::as_i64)
        .unwrap_or_default();
    let named: std::collections::HashSet<String> = rows[USER]
        .iter()
        .filter_map(|u| u.get("username").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    let taken = |name: &str| -> Result<bool, AccountError> {
        Ok(!store::find(conn, USER, &columns([("username", Value::from(name))]))?.is_empty())
    };
    for (i, user) in rows.get_mut(USER).expect("listed").iter_mut().enumerate() {
        let id = user.get("id").and_then(Value::as_i64).unwrap_or_default();
        // `apiKey` on the user itself is accepted as a shorthand for a credentials entry.
        if let Some(key) = user
            .shift_remove("apiKey")
            .and_then(|k| k.as_str().map(str::to_string))
        {
            keys.insert(id, nonempty_key(&key)?);
        }
        user.insert("accountId".into(), Value::Int(account_id));
        if !user.contains_key("username") {
            // `user{id}`, or the first `user{id}-N` that no user has and no other user of
            // the document names: another document may have chosen `user{id}` itself.
            let mut generated = format!("user{id}");
            for n in 2.. {
                if !named.contains(generated.as_str()) && !taken(&generated)? {
                    break;
                }
                generated = format!("user{id}-{n}");
            }
            user.insert("username".into(), Value::String(generated));
        }
        let username = user
            .get("username")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if username.trim().is_empty() {
            return Err(AccountError::Invalid("a username cannot be empty".into()));
        }
        if taken(&username)? {
            return Err(AccountError::Conflict(format!(
                "the username '{username}' is taken; leave it out to have one generated"
            )));
        }
        if i > 0 {
            default(user, "parentId", Value::Int(master));
        }
        default(user, "isMasterUserFlag", Value::Bool(i == 0));
        default(user, "userStatusId", Value::Int(1001));
        // A username that is no local part (`1234567_jane@example.com`, `john smith`)
        // made an address the import of the account's own export refused.
        let email = Some(format!("{username}@example.test"))
            .filter(|e| crate::services::valid_email(e))
            .unwrap_or_else(|| format!("user{id}@example.test"));
        default(user, "email", Value::String(email));
        default(user, "companyName", company.clone());
        default(user, "createDate", Value::DateTime(when.clone()));
        store::insert(conn, USER, user)?;
        let key = keys.remove(&id).unwrap_or_else(new_api_key);
        let key_taken = !store::find(
            conn,
            "emulator_credential",
            &columns([("apiKey", Value::from(key.as_str()))]),
        )?
        .is_empty();
        if key_taken {
            return Err(AccountError::Conflict(format!(
                "the API key given for '{username}' belongs to another user"
            )));
        }
        let portal = portal_tokens.remove(&id).unwrap_or(Value::Null);
        store::insert(
            conn,
            "emulator_credential",
            &columns([
                ("userId", Value::Int(id)),
                ("apiKey", Value::from(key.as_str())),
                ("portalLoginToken", portal),
            ]),
        )?;
        users_out.push(json!({"id": id, "username": username, "apiKey": key, "email": user.get("email").and_then(Value::as_str)}));
    }
    if !keys.is_empty() {
        return Err(AccountError::Invalid(
            "credentials name a userId that is not in SoftLayer_User_Customer".into(),
        ));
    }

    for row in rows.get_mut(EMAIL).expect("listed") {
        default(row, "userId", Value::Int(master));
        store::insert(conn, EMAIL, row)?;
    }

    // Devices. A dedicated host has a `name` where the others have a hostname and
    // domain; hardware has no `createDate`.
    let mut devices_out = serde_json::Map::new();
    for kind in DEVICE_KINDS {
        let section = kind.device_type;
        let mut made = Vec::new();
        for row in rows.get_mut(section).expect("listed") {
            row.insert("accountId".into(), Value::Int(account_id));
            let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
            if kind.has_property("hostname") {
                default(row, "hostname", Value::String(format!("host{id}")));
                default(row, "domain", Value::from("example.test"));
                let fqdn = format!(
                    "{}.{}",
                    row.get("hostname")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    row.get("domain")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                );
                default(row, "fullyQualifiedDomainName", Value::String(fqdn));
            } else {
                default(row, "name", Value::String(format!("dh{id}")));
            }
            if kind.has_property("createDate") {
                default(row, "createDate", Value::DateTime(when.clone()));
            }
            store::insert(conn, section, row)?;
            made.push(id);
        }
        devices_out.insert(kind.account_property.into(), json!(made));
    }

    // Tickets, their updates and device attachments.
    let update_counts: HashMap<i64, i64> = rows[UPDATE].iter().fold(HashMap::new(), |mut m, u| {
        if let Some(t) = u.get("ticketId").and_then(Value::as_i64) {
            *m.entry(t).or_default() += 1;
        }
        m
    });
    // Each ticket's latest update, and latest employee update, by the dates the document
    // gives them (one without a date is its ticket's): the ticket's last edit, response
    // and close follow them, as the API's own writes keep them (they were all the
    // ticket's createDate, so a document's ticket answered by an employee last week
    // sorted and filtered as untouched since it was opened).
    let date_ms = |v: Option<&Value>| match v {
        Some(Value::String(s) | Value::DateTime(s)) => crate::time::stored_date_ms(s),
        _ => None,
    };
    let mut latest: HashMap<i64, (i64, Value, String)> = HashMap::new();
    let mut latest_employee: HashMap<i64, (i64, Value)> = HashMap::new();
    for u in &rows[UPDATE] {
        let (Some(ticket), Some(ms)) = (
            u.get("ticketId").and_then(Value::as_i64),
            date_ms(u.get("createDate")),
        ) else {
            continue;
        };
        let date = u.get("createDate").cloned().unwrap_or(Value::Null);
        let kind = u
            .get("editorType")
            .and_then(Value::as_str)
            .unwrap_or("USER")
            .to_string();
        if kind == "EMPLOYEE" && latest_employee.get(&ticket).is_none_or(|(at, _)| ms >= *at) {
            latest_employee.insert(ticket, (ms, date.clone()));
        }
        if latest.get(&ticket).is_none_or(|(at, _, _)| ms >= *at) {
            latest.insert(ticket, (ms, date, kind));
        }
    }
    let mut tickets = Vec::new();
    let mut ticket_dates = HashMap::new();
    for (position, row) in rows.get_mut(TICKET).expect("listed").iter_mut().enumerate() {
        let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
        row.insert("accountId".into(), Value::Int(account_id));
        default(row, "assignedUserId", Value::Int(master));
        // As createStandardTicket names a ticket given no title: after its subject.
        let subject_name = match row.get("subjectId").and_then(Value::as_i64) {
            Some(subject) if row.get("title").is_none_or(Value::is_null) => {
                store::get(conn, "SoftLayer_Ticket_Subject", subject)?
                    .and_then(|s| s.get_str("name").map(str::to_string))
            }
            _ => None,
        };
        default(
            row,
            "title",
            Value::from(subject_name.unwrap_or_else(|| "Test ticket".into())),
        );
        default(row, "statusId", Value::Int(1001));
        default(row, "createDate", Value::DateTime(when.clone()));
        let created = row.get("createDate").cloned().unwrap_or(Value::Null);
        let created_ms = date_ms(Some(&created));
        let last = latest
            .get(&id)
            .filter(|(ms, _, _)| created_ms.is_none_or(|c| *ms > c));
        let last_edit = last.map_or(created.clone(), |(_, date, _)| date.clone());
        for k in ["modifyDate", "lastEditDate"] {
            default(row, k, last_edit.clone());
        }
        let kind = last.map_or("USER", |(_, _, kind)| kind.as_str());
        default(row, "lastEditType", Value::from(kind));
        if let Some((_, date)) = latest_employee
            .get(&id)
            .filter(|(ms, _)| created_ms.is_none_or(|c| *ms >= c))
        {
            default(row, "lastResponseDate", date.clone());
        }
        default(row, "serviceProviderId", Value::Int(1));
        default(
            row,
            "serviceProviderResourceId",
            Value::String(crate::services::ticket::case_number(id)),
        );
        default(row, "userEditableFlag", Value::Bool(true));
        default(row, "notifyUserOnUpdateFlag", Value::Bool(true));
        default(row, "billableFlag", Value::Bool(false));
        default(row, "serverAdministrationFlag", Value::Int(0));
        default(
            row,
            "totalUpdateCount",
            Value::Int(update_counts.get(&id).copied().unwrap_or(0)),
        );
        if let Some(subject) = row.get("subjectId").and_then(Value::as_i64)
            && let Some(group) = store::get(conn, "SoftLayer_Ticket_Subject", subject)?
                .and_then(|s| s.get_i64("groupId"))
        {
            default(row, "groupId", Value::Int(group));
        }
        if row.get("statusId").and_then(Value::as_i64) == Some(1002) {
            default(row, "closeDate", last_edit.clone());
        }
        store::insert(conn, TICKET, row).map_err(|e| invalid_reference(TICKET, e))?;
        // The document cannot hold the state, so it follows the flag.
        if !store::state_follows_awaiting_flag(conn, id)? {
            // Named as the document names it: the id it was given is rolled back with
            // it, and named a ticket that never was.
            let named = ids[TICKET].iter().find(|(_, new)| **new == id).map_or_else(
                || format!("#{} of the document (it gives no id)", position + 1),
                |(old, _)| old.to_string(),
            );
            return Err(AccountError::Invalid(format!(
                "{TICKET} {named}: {}",
                store::CLOSED_AND_AWAITING
            )));
        }
        ticket_dates.insert(id, created);
        tickets.push(id);
    }
    for row in rows.get_mut(UPDATE).expect("listed") {
        let Some(ticket) = row.get("ticketId").and_then(Value::as_i64) else {
            return Err(AccountError::Invalid(
                "every SoftLayer_Ticket_Update needs a ticketId".into(),
            ));
        };
        default(row, "editorType", Value::from("USER"));
        // As import refuses them: an account's export with "ROBOT" could not come back.
        let kind = row.get("editorType").cloned().unwrap_or(Value::Null);
        if !kind
            .as_str()
            .is_some_and(|k| store::dump::UPDATE_EDITOR_KINDS.contains(&k))
        {
            return Err(AccountError::Invalid(format!(
                "SoftLayer_Ticket_Update: editorType {} is none of {}",
                serde_json::Value::from(&kind),
                store::dump::UPDATE_EDITOR_KINDS.join(", ")
            )));
        }
        if kind.as_str() == Some("USER") {
            default(row, "editorId", Value::Int(master));
        }
        default(row, "entry", Value::from(""));
        default(
            row,
            "createDate",
            ticket_dates
                .get(&ticket)
                .cloned()
                .unwrap_or(Value::DateTime(when.clone())),
        );
        store::insert(conn, UPDATE, row).map_err(|e| invalid_reference(UPDATE, e))?;
    }
    for kind in DEVICE_KINDS {
        let section = kind.link_type;
        for row in rows.get_mut(section).expect("listed") {
            if let Some(d) = row.get(kind.link_column).cloned() {
                default(row, "attachmentId", d);
            }
            default(row, "createDate", Value::DateTime(when.clone()));
            store::insert(conn, section, row).map_err(|e| invalid_reference(section, e))?;
        }
    }
    // What import refuses, this refuses too: an account made here must load back from its
    // export (a ticket's lastEditType "ROBOT" was made, then refused by import).
    for (section, list) in &rows {
        if *section == "credentials" {
            continue;
        }
        for id in list
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_i64))
        {
            store::dump::check_inserted_row(conn, section, id).map_err(|e| match e {
                StoreError::Seed(m) => AccountError::Invalid(m),
                other => AccountError::Store(other),
            })?;
        }
    }

    let ids_out: serde_json::Map<String, serde_json::Value> = ids
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .map(|(t, m)| {
            let pairs: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .map(|(old, new)| (old.to_string(), json!(new)))
                .collect();
            (t.to_string(), serde_json::Value::Object(pairs))
        })
        .collect();
    let mut reply = json!({
        "id": account_id,
        "companyName": serde_json::Value::from(&company),
        "users": users_out,
    });
    let reply_members = reply.as_object_mut().expect("an object");
    reply_members.extend(devices_out);
    reply_members.insert("tickets".into(), json!(tickets));
    reply_members.insert("ids".into(), serde_json::Value::Object(ids_out));
    Ok(reply)
}

/// A row the database refused (a missing required column, a catalogue id that does not
/// exist) is the document's fault.
fn invalid_reference(section: &str, e: StoreError) -> AccountError {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            AccountError::Invalid(format!(
                "{section}: {}",
                msg.unwrap_or_else(|| "a constraint failed".into())
            ))
        }
        other => AccountError::Store(other),
    }
}

fn row_json(row: &Row) -> serde_json::Value {
    serde_json::Value::from(&Value::Struct(row.values.to_struct()))
}

/// Every account with its users and their API keys.
pub fn list(conn: &Connection) -> Result<serde_json::Value, AccountError> {
    let mut out = Vec::new();
    for account in store::find(conn, ACCOUNT, &Struct::new())? {
        let id = account.id().unwrap_or_default();
        let mut users = Vec::new();
        for u in store::find(conn, USER, &columns([("accountId", Value::Int(id))]))? {
            let uid = u.id().unwrap_or_default();
            let key = store::find(
                conn,
                "emulator_credential",
                &columns([("userId", Value::Int(uid))]),
            )?
            .first()
            .and_then(|c| c.get_str("apiKey").map(str::to_string));
            users.push(json!({"id": uid, "username": u.get_str("username"), "apiKey": key, "email": u.get_str("email")}));
        }
        out.push(json!({
            "id": id,
            "companyName": account.get_str("companyName"),
            "createDate": row_json(&account).get("createDate"),
            "users": users,
        }));
    }
    Ok(json!({ "accounts": out }))
}

/// Deletes an account and everything it owns; what went, per table.
pub fn delete(conn: &Connection, account_id: i64) -> Result<serde_json::Value, AccountError> {
    if !dump::account_exists(conn, account_id)? {
        return Err(AccountError::NoAccount(account_id));
    }
    let deleted = dump::delete_account(conn, account_id)?;
    Ok(json!({ "id": account_id, "deleted": deleted }))
}
