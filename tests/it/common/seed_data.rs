//! Expected values computed from the seed (fixtures/seed/*.json) and the type
//! reference (schema/softlayer.json).

use std::collections::BTreeMap;

use serde_json::Value as J;

use super::{XVal, seed};

/// Rows of one type from all seed files.
pub fn seed_rows(type_name: &str) -> Vec<J> {
    ["catalog", "demo", "other"]
        .iter()
        .flat_map(|f| {
            seed(f)
                .get(type_name)
                .and_then(J::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

/// The seed row of a type with an id.
pub fn seed_row(type_name: &str, id: i64) -> J {
    seed_rows(type_name)
        .into_iter()
        .find(|r| r["id"].as_i64() == Some(id))
        .unwrap_or_else(|| panic!("no {type_name} {id} in the seed"))
}

/// The local properties of a type (own and inherited) and their SLDN types,
/// from schema/softlayer.json.
pub fn local_properties(type_name: &str) -> BTreeMap<String, String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/softlayer.json");
    let schema: J = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    let mut current = Some(type_name.to_string());
    while let Some(t) = current {
        let Some(def) = schema["types"].get(&t) else {
            break;
        };
        if let Some(props) = def["properties"].as_object() {
            for (name, p) in props {
                if p["kind"] == "local" {
                    out.entry(name.clone())
                        .or_insert_with(|| p["type"].as_str().unwrap_or("").to_string());
                }
            }
        }
        current = def["parent"].as_str().map(str::to_string);
    }
    out
}

/// A seed JSON scalar as the API must send it.
pub fn xval_of(j: &J) -> XVal {
    match j {
        J::Bool(b) => XVal::Bool(*b),
        J::Number(n) => XVal::Int(n.as_i64().expect("integer in seed")),
        J::String(s) => XVal::Str(s.clone()),
        other => panic!("unexpected seed value {other}"),
    }
}

/// A seed value as the API sends a property of that SLDN type (the seed writes
/// some integer flags as JSON booleans).
pub fn typed(sldn_type: &str, v: &J) -> XVal {
    match (sldn_type, v) {
        ("boolean", J::Number(n)) => XVal::Bool(n.as_i64() != Some(0)),
        ("int", J::Bool(b)) => XVal::Int(i64::from(*b)),
        _ => xval_of(v),
    }
}

/// The seed row's local properties, as the API must send them by default.
pub fn expected_locals(type_name: &str, row: &J) -> BTreeMap<String, XVal> {
    let locals = local_properties(type_name);
    row.as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| {
            let sldn_type = locals.get(k)?;
            Some((k.clone(), typed(sldn_type, v)))
        })
        .collect()
}

/// The members of an XML-RPC struct, by name.
pub fn members(v: &XVal) -> BTreeMap<String, XVal> {
    match v {
        XVal::Struct(m) => m.iter().cloned().collect(),
        other => panic!("expected a struct, got {other:?}"),
    }
}
