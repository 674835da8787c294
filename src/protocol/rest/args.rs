//! A REST call's arguments, from its path segments and its JSON or XML body, typed by
//! the method's parameters and the schema.

use super::path::Verb;
use super::route::Ctx;
use crate::call::Fault;
use crate::protocol::xml::{Element, is_blank, is_utf16, read_tree};
use crate::schema::types::{Scalar as ScalarKind, TypeRef};
use crate::schema::{ParameterDef, schema};
use crate::value::{Struct, Value};

/// The scalar kind of a schema type name; `None` for objects, lists and `void`.
fn scalar_kind(type_name: &str) -> Option<ScalarKind> {
    match TypeRef::parse(type_name) {
        TypeRef::Scalar(ScalarKind::Void) | TypeRef::Object(_) | TypeRef::List(_) => None,
        TypeRef::Scalar(kind) => Some(kind),
    }
}

/// A value written as text (a path segment, an XML element), typed by the schema type it
/// is for: numbers and booleans when the text is one, the text itself otherwise (the
/// handler then says what is wrong with it).
pub(super) fn scalar_from_text(text: &str, type_name: &str) -> Value {
    match scalar_kind(type_name) {
        Some(kind) => kind.from_text(text),
        None => Value::String(text.to_string()),
    }
}

/// Whether a GET's body is left unread, and if so whether that is worth a word: JSON
/// `null` (what a helper that writes whatever it is given as JSON sends for nothing)
/// silently, text that is neither JSON nor XML (a form, `curl -X GET -d a=b`) with a
/// warning. GET bodies went unread before (SLDN's REST article: the API ignores a GET's
/// data) and such calls answered; only a body that may hold parameters is read. A POST's
/// is told the shape its body must have.
pub(super) fn unread_get_body(ctx: &Ctx) -> Option<bool> {
    if ctx.verb != Verb::Get {
        return None;
    }
    let body = ctx
        .body
        .strip_prefix("\u{feff}".as_bytes())
        .unwrap_or(ctx.body);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_none() || serde_json::from_slice::<()>(body).is_ok() {
        return Some(false);
    }
    match is_utf16(body) || matches!(first, Some(b'{' | b'[' | b'<')) {
        true => None,
        false => Some(true),
    }
}

/// The `parameters` of a POST, PUT or GET body, JSON or XML; an empty body has none. What else
/// the body holds, not read, is said in `notes` (the warning header).
pub(super) fn body_args(
    body: &[u8],
    params: &[ParameterDef],
    notes: &mut Vec<String>,
) -> Result<Vec<Value>, Fault> {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    // UTF-16, which every XML reader must take (JSON is UTF-8): its mark, or a big-endian
    // `<`, was neither JSON's first byte nor XML's.
    // JSON in UTF-16 got the XML reader's "text outside the root element" (with its mark)
    // or "key must be a string" (without, as .NET's `Encoding.Unicode` sends it).
    if utf16_json(body) {
        return Err(Fault::malformed(
            "the body is JSON in UTF-16; JSON is sent as UTF-8 (RFC 8259 §8.1)",
        ));
    }
    if is_utf16(body) {
        return xml_args(body, params);
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Ok(Vec::new()),
        Some(b'{' | b'[') => json_args(body, params, notes),
        Some(b'<') => xml_args(body, params),
        // JSON that is not an object (`null`, `"text"`, `5`) was called "neither JSON nor
        // XML"; it is told the shape it must have.
        Some(_) if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() => {
            Err(Fault::malformed(PARAMETERS_SHAPE))
        }
        Some(_) => Err(Fault::malformed(
            "the body is neither JSON nor XML; send {\"parameters\": [...]}",
        )),
    }
}

/// Whether a body in UTF-16 (with its byte-order mark, or an ASCII first character and a
/// zero byte beside it) opens, past blanks, as JSON does.
fn utf16_json(body: &[u8]) -> bool {
    let (units, little_endian) = match body {
        [0xff, 0xfe, rest @ ..] => (rest, true),
        [0xfe, 0xff, rest @ ..] => (rest, false),
        [first, 0, ..] if first.is_ascii() && *first != 0 => (body, true),
        [0, second, ..] if second.is_ascii() && *second != 0 => (body, false),
        _ => return false,
    };
    units
        .chunks_exact(2)
        .map(|pair| {
            let pair = [pair[0], pair[1]];
            if little_endian {
                u16::from_le_bytes(pair)
            } else {
                u16::from_be_bytes(pair)
            }
        })
        .find(|unit| !matches!(unit, 0x20 | 0x09 | 0x0a | 0x0d))
        .is_some_and(|unit| unit == u16::from(b'{') || unit == u16::from(b'['))
}

/// Whether JSON text holds at most `max` values, counted before it is parsed: each value
/// but the first follows a `,` or opens with `[` or `{` (keys are not counted), outside
/// strings.
pub(super) fn json_values_at_most(body: &[u8], max: usize) -> bool {
    let (mut count, mut in_string, mut escaped) = (1, false, false);
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => {
                count += 1;
                if count > max {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Why a body's JSON was not read: a number past a double's range (`1e400`) is valid
/// JSON, which "not valid JSON" denied.
fn json_refusal(e: &serde_json::Error, body: &[u8]) -> String {
    if crate::value::is_past_a_double(e) {
        format!("the body holds a number past what a double holds ({e})")
    } else {
        format!(
            "the body is not valid JSON: {}",
            crate::value::json_error_said(e, body)
        )
    }
}

const PARAMETERS_SHAPE: &str = "the body must be {\"parameters\": [...]}";

fn json_args(
    body: &[u8],
    params: &[ParameterDef],
    notes: &mut Vec<String>,
) -> Result<Vec<Value>, Fault> {
    if !json_values_at_most(body, crate::protocol::MAX_VALUES) {
        return Err(Fault::malformed(format!(
            "the body holds more than {} values",
            crate::protocol::MAX_VALUES
        )));
    }
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Fault::malformed(json_refusal(&e, body)))?;
    let serde_json::Value::Object(object) = doc else {
        return Err(Fault::malformed(PARAMETERS_SHAPE));
    };
    let args: Vec<Value> = match object.get("parameters") {
        Some(serde_json::Value::Array(items)) => items.iter().map(Value::from).collect(),
        Some(serde_json::Value::Null) => Vec::new(),
        Some(single) => vec![Value::from(single)],
        None if object.is_empty() => Vec::new(),
        None => {
            // `Parameters`: the API reads the name as written.
            let misspelt = object
                .keys()
                .find(|k| k.eq_ignore_ascii_case("parameters"))
                .map(|k| {
                    format!(
                        " ('{}' is spelt \"parameters\")",
                        crate::call::shown_warning(k)
                    )
                })
                .unwrap_or_default();
            return Err(Fault::malformed(format!("{PARAMETERS_SHAPE}{misspelt}")));
        }
    };
    // A mask or filter put in the body beside the parameters (`"objectMask": "mask[id]"`)
    // is not read, as the API reads only `parameters`: said, as a query parameter REST
    // does not read is (it was dropped without a word).
    // Five named, as a journal keeps them (a member name of a key's shape redacted), and
    // the rest counted: a body of 20,000 members formatted each.
    const NAMED: usize = 5;
    let unread = object.keys().filter(|k| *k != "parameters");
    let count = unread.clone().count();
    if count > 0 {
        let named: Vec<String> = unread
            .take(NAMED)
            .map(|k| {
                format!(
                    "'{}'",
                    crate::call::shown_warning(&crate::secrets::id_without_credential_shapes(k))
                )
            })
            .collect();
        let more = match count.saturating_sub(NAMED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        notes.push(format!(
            "body member {}{more} is not one REST reads (only \"parameters\"; a mask, \
             filter or limit goes in the query: objectMask, objectFilter, resultLimit): ignored",
            named.join(", ")
        ));
    }
    // SLDN's examples send scalars as strings (`{"parameters": ["1"]}` for a boolean).
    Ok(args
        .into_iter()
        .enumerate()
        .map(|(i, arg)| match (&arg, params.get(i)) {
            (Value::String(s), Some(p)) => scalar_from_text(s, &p.type_name),
            _ => arg,
        })
        .collect())
}

fn xml_args(body: &[u8], params: &[ParameterDef]) -> Result<Vec<Value>, Fault> {
    let root = read_tree(body, "root element")?;
    let parameters = if root.local == "parameters" {
        &root
    } else {
        match root.children.iter().find(|c| c.local == "parameters") {
            Some(p) => p,
            None if root.children.is_empty() && is_blank(&root.text) => return Ok(Vec::new()),
            None => {
                return Err(Fault::malformed(
                    "the XML body must hold a <parameters> element",
                ));
            }
        }
    };
    if parameters.children.is_empty() && !is_blank(&parameters.text) {
        return Err(Fault::malformed(
            "<parameters> must hold one element per parameter",
        ));
    }
    parameters.expect_no_text()?;
    parameters
        .children
        .iter()
        .enumerate()
        .map(|(i, el)| xml_value(el, params.get(i).map(|p| p.type_name.as_str())))
        .collect()
}

/// An element of an XML body as a value of the schema type `type_name` (`None`: unknown).
fn xml_value(el: &Element, type_name: Option<&str>) -> Result<Value, Fault> {
    if is_nil(el) {
        return Ok(Value::Null);
    }
    let (base, many) = match type_name {
        Some(t) => match t.strip_suffix("[]") {
            Some(base) => (Some(base), true),
            None => (Some(t), false),
        },
        None => (None, false),
    };
    if many {
        if el.children.is_empty() {
            return Ok(if is_blank(&el.text) {
                Value::Array(Vec::new())
            } else {
                Value::Array(vec![scalar_from_text(&el.text, base.unwrap_or(""))])
            });
        }
        el.expect_no_text()?;
        return el
            .children
            .iter()
            .map(|c| xml_value(c, base))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    let type_def = base.and_then(|b| schema().type_def(b));
    if !el.children.is_empty() {
        el.expect_no_text()?;
        let scalar = base.and_then(scalar_kind).is_some();
        if type_def.is_none() && (scalar || el.children.iter().all(|c| c.local == "item")) {
            return el
                .children
                .iter()
                .map(|c| xml_value(c, None))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array);
        }
        let mut members = Struct::new();
        for child in &el.children {
            let member_type = type_def.and_then(|t| t.property(&child.local)).map(|p| {
                if p.many {
                    format!("{}[]", p.type_name)
                } else {
                    p.type_name.clone()
                }
            });
            members.insert(
                child.local.to_string(),
                xml_value(child, member_type.as_deref())?,
            );
        }
        return Ok(Value::Struct(members));
    }
    Ok(match base.and_then(scalar_kind) {
        Some(ScalarKind::String | ScalarKind::DateTime | ScalarKind::Base64) => {
            Value::String(el.text.to_string())
        }
        Some(_) if is_blank(&el.text) => Value::Null,
        Some(_) => scalar_from_text(&el.text, base.unwrap_or("")),
        None if type_def.is_some() && is_blank(&el.text) => Value::Struct(Struct::new()),
        None => Value::String(el.text.to_string()),
    })
}

/// `nil="true"`, whatever the attribute's prefix: REST clients rarely declare `xsi`.
fn is_nil(el: &Element) -> bool {
    matches!(el.any_prefix("nil"), Some(v) if matches!(v.trim(), "true" | "1"))
}
