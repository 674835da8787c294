//! Reading `slcli --format json` output, for both transports.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{CmdOutput, squash_ws};

/// The rows of `slcli --format json ticket list` (or another table).
pub fn rows(list: &Value) -> &Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a JSON array: {list}"))
}

/// The row with an id.
pub fn row(list: &Value, id: i64) -> &Value {
    rows(list)
        .iter()
        .find(|r| r["id"].as_i64() == Some(id))
        .unwrap_or_else(|| panic!("ticket {id} is not in the list: {list:#}"))
}

/// The ids of the rows, in order.
pub fn row_ids(list: &Value) -> Vec<i64> {
    rows(list)
        .iter()
        .map(|r| {
            r["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("row without integer id: {r}"))
        })
        .collect()
}

/// The ids of the rows, as a set.
pub fn row_id_set(list: &Value) -> BTreeSet<i64> {
    row_ids(list).into_iter().collect()
}

/// An `update N` entry of `slcli --format json ticket detail`, whitespace-squashed.
pub fn detail_update(detail: &Value, n: usize) -> String {
    let key = format!("update {n}");
    let text = detail[&key]
        .as_str()
        .unwrap_or_else(|| panic!("ticket detail has no {key:?}: {detail:#}"));
    squash_ws(text)
}

/// slcli reported an API fault rather than crashing.
pub fn assert_not_crashed(out: &CmdOutput) {
    let all = out.combined();
    assert!(
        !all.contains("unexpected error") && !all.contains("Traceback"),
        "slcli crashed instead of reporting an API fault\n{}",
        out.describe()
    );
}
