//! The object-filter language (PROTOCOL.md section 5) parsed into conditions and an
//! ordering, checked against the schema. Turning them into SQL is the store's job.

use crate::call::Fault;
use crate::schema::{PropertyKind, TypeDef, schema};
use crate::value::Value;

/// A comparison on one property.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    Equal(Value),
    NotEqual(Value),
    Greater(Value),
    GreaterOrEqual(Value),
    Less(Value),
    LessOrEqual(Value),
    StartsWith(String, bool),
    EndsWith(String, bool),
    Contains(String, bool),
    /// `_=`: equality ignoring case.
    EqualIgnoringCase(String),
    IsNull,
    NotNull,
    In(Vec<Value>, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Property names from the filtered collection's type down to a local property.
    pub path: Vec<String>,
    pub operation: Operation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub path: Vec<String>,
    pub descending: bool,
    pub sort_order: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectFilter {
    pub conditions: Vec<Condition>,
    pub order: Vec<OrderBy>,
}

impl ObjectFilter {
    /// Parses the filter branch for a collection of `type_name`. Properties the type does
    /// not have are ignored, as the real API ignores branches that do not lead into the
    /// returned collection.
    pub fn parse(type_name: &str, branch: &Value) -> Result<ObjectFilter, Fault> {
        let mut filter = ObjectFilter::default();
        if let (Some(t), Some(_)) = (schema().type_def(type_name), branch.as_struct()) {
            walk(t, branch, &mut Vec::new(), &mut filter, 0)?;
        }
        filter.order.sort_by_key(|o| o.sort_order);
        Ok(filter)
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.order.is_empty()
    }
}

const MAX_DEPTH: usize = 16;

fn walk(
    t: &TypeDef,
    node: &Value,
    path: &mut Vec<String>,
    out: &mut ObjectFilter,
    depth: usize,
) -> Result<(), Fault> {
    if depth > MAX_DEPTH {
        return Err(Fault::public("Object filter is nested too deeply."));
    }
    let Some(members) = node.as_struct() else {
        return Ok(());
    };
    for (name, child) in members {
        let Some(prop) = t.property(name) else {
            continue;
        };
        path.push(name.clone());
        match prop.kind {
            PropertyKind::Local | PropertyKind::Count => {
                if let Some(op) = child.get("operation") {
                    leaf(path, op, child.get("options"), out)?;
                }
            }
            PropertyKind::Relational => {
                if let Some(target) = schema().type_def(&prop.type_name) {
                    walk(target, child, path, out, depth + 1)?;
                }
            }
        }
        path.pop();
    }
    Ok(())
}

fn leaf(
    path: &[String],
    op: &Value,
    options: Option<&Value>,
    out: &mut ObjectFilter,
) -> Result<(), Fault> {
    let path = path.to_vec();
    let text = match op {
        Value::String(s) => s.trim().to_string(),
        Value::Null => return Ok(()),
        other => {
            out.conditions.push(Condition {
                path,
                operation: Operation::Equal(other.clone()),
            });
            return Ok(());
        }
    };
    if text == "orderBy" {
        let option = |name: &str| {
            options
                .and_then(|o| match o {
                    Value::Array(items) => items
                        .iter()
                        .find(|i| i.get("name").and_then(Value::as_str) == Some(name)),
                    _ => None,
                })
                .and_then(|o| o.get("value"))
                .map(|v| match v {
                    Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                    other => other.clone(),
                })
        };
        let descending = option("sort")
            .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case("DESC")))
            .unwrap_or(false);
        let sort_order = option("sortOrder").and_then(|v| v.as_i64()).unwrap_or(0);
        out.order.push(OrderBy {
            path,
            descending,
            sort_order,
        });
        return Ok(());
    }
    let operation = parse_operation(&text, options)?;
    out.conditions.push(Condition { path, operation });
    Ok(())
}

fn literal(text: &str) -> Value {
    match text.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::String(text.to_string()),
    }
}

fn parse_operation(text: &str, options: Option<&Value>) -> Result<Operation, Fault> {
    let lower = text.to_ascii_lowercase();
    if lower == "is null" {
        return Ok(Operation::IsNull);
    }
    if lower == "not null" {
        return Ok(Operation::NotNull);
    }
    if lower == "in" || lower == "not in" {
        let data = options
            .and_then(|o| match o {
                Value::Array(items) => items
                    .iter()
                    .find(|i| i.get("name").and_then(Value::as_str) == Some("data")),
                _ => None,
            })
            .and_then(|o| o.get("value"))
            .and_then(|v| match v {
                Value::Array(a) => Some(a.clone()),
                _ => None,
            })
            .ok_or_else(|| Fault::public(format!("The '{text}' operation needs options data.")))?;
        return Ok(Operation::In(data, lower == "in"));
    }
    // Longest operators first, so `!=` is not read as `!` and `>=` not as `>`.
    const OPERATORS: [&str; 13] = [
        "!^=", "!$=", "!*=", "!=", ">=", "<=", "^=", "$=", "*=", "_=", ">", "<", "!~",
    ];
    for operator in OPERATORS {
        if let Some(rest) = text.strip_prefix(operator) {
            let arg = rest.trim();
            return Ok(match operator {
                "!=" => Operation::NotEqual(literal(arg)),
                ">=" => Operation::GreaterOrEqual(literal(arg)),
                "<=" => Operation::LessOrEqual(literal(arg)),
                ">" => Operation::Greater(literal(arg)),
                "<" => Operation::Less(literal(arg)),
                "^=" => Operation::StartsWith(arg.to_string(), true),
                "!^=" => Operation::StartsWith(arg.to_string(), false),
                "$=" => Operation::EndsWith(arg.to_string(), true),
                "!$=" => Operation::EndsWith(arg.to_string(), false),
                "*=" => Operation::Contains(arg.to_string(), true),
                "!*=" => Operation::Contains(arg.to_string(), false),
                "_=" => Operation::EqualIgnoringCase(arg.to_string()),
                _ => {
                    return Err(Fault::public(format!(
                        "The object filter operation '{operator}' is not supported on this property."
                    )));
                }
            });
        }
    }
    Ok(Operation::Equal(literal(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        (&serde_json::from_str::<serde_json::Value>(text).unwrap()).into()
    }

    #[test]
    fn equality_and_order() {
        let f = ObjectFilter::parse(
            "SoftLayer_Ticket",
            &json(
                r#"{"statusId": {"operation": 1001}, "title": {"operation": "_= hardware issue"},
                    "id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}"#,
            ),
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 2);
        assert_eq!(
            f.conditions[0].operation,
            Operation::Equal(Value::Int(1001))
        );
        assert_eq!(
            f.conditions[1].operation,
            Operation::EqualIgnoringCase("hardware issue".into())
        );
        assert!(f.order[0].descending);
    }

    #[test]
    fn branches_outside_the_type_are_ignored() {
        let f = ObjectFilter::parse(
            "SoftLayer_Ticket",
            &json(r#"{"nope": {"operation": 1}, "status": {"name": {"operation": "Open"}}}"#),
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 1);
        assert_eq!(f.conditions[0].path, vec!["status", "name"]);
    }
}
