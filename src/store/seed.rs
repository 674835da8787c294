//! Loading SoftLayer objects from readable JSON documents: the default seed in
//! `fixtures/seed/` (embedded in the binary) and any file a user loads with
//! `softlayer-ticket-server load`, through the same code.
//!
//! A document is a JSON object whose keys are SoftLayer type names, each holding an array
//! of objects with that type's properties (plus the emulator's own columns, such as a
//! subject's `groupId`); the key `credentials` holds `{userId, apiKey, portalLoginToken}`.

use super::{Result, StoreError, insert};
use crate::value::Value;
use rusqlite::Connection;

const DEFAULT_SEED: &[(&str, &str)] = &[
    (
        "catalog.json",
        include_str!("../../fixtures/seed/catalog.json"),
    ),
    ("demo.json", include_str!("../../fixtures/seed/demo.json")),
    ("other.json", include_str!("../../fixtures/seed/other.json")),
];

pub fn load_default(conn: &Connection) -> Result<()> {
    for (name, text) in DEFAULT_SEED {
        load_document(conn, text).map_err(|e| StoreError::Seed(format!("{name}: {e}")))?;
    }
    Ok(())
}

/// The catalogue alone (statuses, groups, subjects, priorities, employees, locations):
/// what an empty database holds.
pub fn load_catalog(conn: &Connection) -> Result<()> {
    let (name, text) = DEFAULT_SEED[0];
    load_document(conn, text).map_err(|e| StoreError::Seed(format!("{name}: {e}")))?;
    Ok(())
}

/// The types every database holds, even one reset empty: the catalogue's sections
/// (`fixtures/seed/catalog.json`), the time zones migration 0011 writes, the
/// statuses of 0015 and the backend routers of 0023.
pub fn catalog_sections() -> &'static [String] {
    static SECTIONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SECTIONS.get_or_init(|| {
        let mut sections: Vec<String> =
            serde_json::from_str::<serde_json::Value>(DEFAULT_SEED[0].1)
                .ok()
                .and_then(|doc| doc.as_object().map(|o| o.keys().cloned().collect()))
                .unwrap_or_default();
        sections.push("SoftLayer_Locale_Timezone".into());
        sections.push("SoftLayer_User_Customer_Status".into());
        sections.push("SoftLayer_Account_Status".into());
        sections.push("SoftLayer_Hardware_Router_Backend".into());
        sections
    })
}

/// Loads one document; returns how many objects it inserted.
pub fn load_document(conn: &Connection, text: &str) -> Result<usize> {
    let doc: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StoreError::Seed(e.to_string()))?;
    let Some(sections) = doc.as_object() else {
        return Err(StoreError::Seed("a seed document is a JSON object".into()));
    };
    let mut count = 0;
    for (type_name, rows) in sections {
        let Some(rows) = rows.as_array() else {
            return Err(StoreError::Seed(format!("{type_name} must be an array")));
        };
        for row in rows {
            let Value::Struct(values) = Value::from(row) else {
                return Err(StoreError::Seed(format!("{type_name} holds objects")));
            };
            if type_name == "credentials" {
                conn.prepare_cached(
                    "INSERT INTO emulator_credential (userId, apiKey, portalLoginToken) VALUES (?1, ?2, ?3)",
                )?
                .execute(rusqlite::params![
                    values.get("userId").and_then(Value::as_i64),
                    values.get("apiKey").and_then(Value::as_str),
                    values.get("portalLoginToken").and_then(Value::as_str),
                ])?;
            } else {
                insert(conn, type_name, &values)
                    .map_err(|e| StoreError::Seed(format!("{type_name}: {e}")))?;
            }
            count += 1;
        }
    }
    Ok(count)
}
