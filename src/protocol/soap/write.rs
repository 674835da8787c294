//! Writing SOAP answers: reply envelopes typed by the WSDL, lists item by item, faults,
//! and the journal's reading back of a reply this server wrote.

use super::read::scalar;
use super::{
    NO_BODY, NO_FUNCTION_CALL, NOT_A_SOAP_11_ENVELOPE, NOT_UNDERSTOOD, SOAP_12_ENVELOPE,
    malformed_init_message, split_many,
};
use crate::call::{Fault, Reply};
use crate::protocol::codec::ListWriter;
use crate::protocol::wsdl::{Declared, SOAP_ENC, SOAP_ENV, XSD, XSI, declared_as};
use crate::protocol::xml::{Element, read_tree, write_text};
use crate::protocol::{ApiVersion, wsdl};
use crate::value::{Struct, Value, WrittenShared};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;
use std::io::Write as _;

/// The response envelope; the typing of nested values follows the schema from
/// `reply.type_name`.
pub fn write_reply(_service: &str, method: &str, version: ApiVersion, reply: &Reply) -> Vec<u8> {
    let mut out = crate::protocol::reply_buffer();
    let method = open_reply(&mut out, version, method, reply.total);
    let (base, many) = split_many(&reply.type_name);
    if base != "void" || !reply.value.is_null() {
        let decl = match (base, many) {
            ("void", _) => Declared::Any,
            (b, true) => Declared::Many(b),
            (b, false) => declared_as(b),
        };
        let name = format!("{method}Return");
        write_element(&mut out, &name, &reply.value, decl, 0);
    }
    close_reply(&mut out, &method);
    out
}

/// The value of a reply this server wrote ([`write_reply`]), for the journal; `None` for
/// a fault or anything else. Read back by the types the reply names: `xsi:nil`, encoded
/// arrays (`SOAP-ENC:arrayType`), objects, and scalars by their `xsi:type`. A value the
/// writer typed by its WSDL declaration reads back as written (a whole number declared
/// `double` is a double).
pub fn reply_value(body: &[u8]) -> Option<Value> {
    let envelope = read_tree(body, "Envelope").ok()?;
    let body = envelope
        .children
        .iter()
        .find(|e| e.local == "Body" && e.ns.as_deref() == Some(SOAP_ENV))?;
    let [response] = body.children.as_slice() else {
        return None;
    };
    if response.local == "Fault" {
        return None;
    }
    // A `void` method's reply has no return element.
    Some(response.children.first().map_or(Value::Null, read_back))
}

fn read_back(e: &Element) -> Value {
    if e.is_nil() {
        return Value::Null;
    }
    if e.any_prefix("arrayType").is_some() {
        return Value::Array(e.children.iter().map(read_back).collect());
    }
    match e.xsi("type") {
        // Read as a request's scalars are; text that does not convert stays text.
        Some(t) if t.starts_with("xsd:") => {
            scalar(t, &e.text).unwrap_or_else(|_| Value::String(e.text.to_string()))
        }
        None if e.children.is_empty() => Value::String(e.text.to_string()),
        _ => {
            let mut members = Struct::new();
            for child in &e.children {
                members.insert(child.local.to_string(), read_back(child));
            }
            Value::Struct(members)
        }
    }
}

/// The envelope up to the operation's response element, with the `totalItems` header
/// of a list; gives back the method name as written.
fn open_reply(out: &mut Vec<u8>, version: ApiVersion, method: &str, total: Option<u64>) -> String {
    open_envelope(out, version);
    if let Some(total) = total {
        let _ = write!(
            out,
            "<SOAP-ENV:Header><ns1:totalItems><amount>{total}</amount></ns1:totalItems></SOAP-ENV:Header>"
        );
    }
    // Only a method of the schema dispatches, so this is an XML name already; keep the
    // writer total anyway.
    let method: String = method
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let _ = write!(out, "<SOAP-ENV:Body><ns1:{method}Response>");
    method
}

fn close_reply(out: &mut Vec<u8>, method: &str) {
    let _ = write!(
        out,
        "</ns1:{method}Response></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    );
}

/// The start tag of an encoded array of `count` items of type `item`.
fn open_array(out: &mut Vec<u8>, name: &str, item: Declared<'_>, count: usize) {
    let (item_ns, item_t, array_ns, array_t, array_suffix) = match item {
        Declared::Scalar(x) => ("xsd:", x, "ns1:", x, "Array"),
        Declared::Complex(t) => ("ns1:", t, "ns1:", t, "Array"),
        _ => ("xsd:", "anyType", "SOAP-ENC:", "Array", ""),
    };
    push(
        out,
        &["<", name, " SOAP-ENC:arrayType=\"", item_ns, item_t, "["],
    );
    let mut digits = itoa::Buffer::new();
    push(
        out,
        &[
            digits.format(count),
            "]\" xsi:type=\"",
            array_ns,
            array_t,
            array_suffix,
            "\">",
        ],
    );
}

/// A list reply item by item, byte for byte what [`write_reply`] writes whole. The
/// array's start tag states its length, so the writer takes it from the store, which
/// knows the items it hands on (a length worked out from the total and the result limit
/// once declared 1 item beside 2: SOAP 1.1 §5.4.2 wants the items' own number).
pub(super) struct SoapList {
    pub(super) version: ApiVersion,
    pub(super) method: String,
    pub(super) item_type: String,
}

impl ListWriter for SoapList {
    fn start(&mut self, out: &mut Vec<u8>, total: u64, items: u64) {
        self.method = open_reply(out, self.version, &self.method, Some(total));
        open_array(
            out,
            &format!("{}Return", self.method),
            declared_as(&self.item_type),
            items as usize,
        );
    }

    fn item(&mut self, out: &mut Vec<u8>, item: &Value) {
        write_element(out, "item", item, declared_as(&self.item_type), 1);
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        let _ = write!(out, "</{}Return>", self.method);
        close_reply(out, &self.method);
    }
}

/// A SOAP fault (sent with HTTP 500 as SOAP 1.1 requires) of a call to `service`.
pub fn write_fault(version: ApiVersion, service: &str, fault: &Fault) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    open_envelope(&mut out, version);
    let (code, message) = fault_parts(service, fault);
    out.extend_from_slice(b"<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>");
    write_text(&mut out, code);
    out.extend_from_slice(b"</faultcode><faultstring>");
    write_text(&mut out, &message);
    out.extend_from_slice(b"</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>");
    out
}

/// A fault's `faultcode` and `faultstring` in a call to `service`.
pub(super) fn fault_parts<'f>(service: &str, fault: &'f Fault) -> (&'f str, Cow<'f, str>) {
    match fault {
        // "Wrong Version" is PHP's SoapServer's text for it.
        Fault::Malformed { detail }
            if [SOAP_12_ENVELOPE, NOT_A_SOAP_11_ENVELOPE].contains(&detail.as_str()) =>
        {
            (
                "SOAP-ENV:VersionMismatch",
                Cow::Owned(format!("Wrong Version: {detail}")),
            )
        }
        Fault::Malformed { detail } if [NO_FUNCTION_CALL, NO_BODY].contains(&detail.as_str()) => {
            ("SOAP-ENV:Client", Cow::Borrowed(detail.as_str()))
        }
        Fault::Malformed { detail } if detail.starts_with(NOT_UNDERSTOOD) => {
            ("SOAP-ENV:MustUnderstand", Cow::Borrowed(detail.as_str()))
        }
        Fault::Malformed { detail } => {
            ("SOAP-ENV:Client", Cow::Owned(format!("{fault}: {detail}")))
        }
        Fault::MethodNotFound { method, .. } => (
            fault.class_name(),
            Cow::Owned(format!(
                "Function (\"{method}\") is not a valid method for this service."
            )),
        ),
        Fault::MalformedInitParameter => (
            fault.class_name(),
            Cow::Owned(malformed_init_message(service)),
        ),
        _ => (fault.class_name(), fault.message()),
    }
}

fn open_envelope(out: &mut Vec<u8>, version: ApiVersion) {
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
         SOAP-ENV:encodingStyle=\"{SOAP_ENC}\" xmlns:SOAP-ENC=\"{SOAP_ENC}\" \
         xmlns:SOAP-ENV=\"{SOAP_ENV}\" xmlns:ns1=\"{}\" xmlns:xsd=\"{XSD}\" xmlns:xsi=\"{XSI}\">",
        wsdl::namespace(version)
    );
}

// ---------------------------------------------------------------------------------------
// Writing the reply

fn write_element(out: &mut Vec<u8>, name: &str, value: &Value, decl: Declared<'_>, depth: usize) {
    write_element_in(out, name, value, decl, depth, &mut WrittenShared::default())
}

/// What a shared struct's members were written for: its layout (by address) and depth.
type WrittenAs = (usize, usize);

fn write_element_in(
    out: &mut Vec<u8>,
    name: &str,
    value: &Value,
    decl: Declared<'_>,
    depth: usize,
    written: &mut WrittenShared<WrittenAs>,
) {
    // Replies are built by the server, but a cycle-free bound keeps the writer total.
    if depth > 256 {
        return;
    }
    match (value, decl) {
        (Value::Null, _) => push(out, &["<", name, " xsi:nil=\"true\"/>"]),
        (Value::Float(f), _) if !f.is_finite() => push(out, &["<", name, " xsi:nil=\"true\"/>"]),
        (Value::Array(items), Declared::Many(item) | Declared::Complex(item)) => {
            open_array(out, name, declared_as(item), items.len());
            for v in items {
                write_element_in(out, "item", v, declared_as(item), depth + 1, written);
            }
            push(out, &["</", name, ">"]);
        }
        (Value::Array(items), _) => {
            open_array(out, name, Declared::Any, items.len());
            for v in items {
                write_element_in(out, "item", v, Declared::Any, depth + 1, written);
            }
            push(out, &["</", name, ">"]);
        }
        (Value::Struct(members), Declared::Complex(t) | Declared::Many(t)) if !t.is_empty() => {
            let (t, layout) = wsdl::written_layout(t, members);
            push(out, &["<", name, " xsi:type=\"ns1:", t, "\">"]);
            let written_as = (
                layout.map_or(0, |l| l as *const wsdl::Layout as usize),
                depth,
            );
            written.write(out, members, written_as, |out, written| {
                write_members(out, layout, members, depth, written)
            });
            push(out, &["</", name, ">"]);
        }
        (Value::Struct(members), _) => {
            push(out, &["<", name, " xsi:type=\"SOAP-ENC:Struct\">"]);
            for (k, v) in members {
                write_element_in(out, k, v, Declared::Any, depth + 1, written);
            }
            push(out, &["</", name, ">"]);
        }
        (scalar, decl) => {
            let declared = match decl {
                Declared::Scalar(x) => Some(x),
                _ => None,
            };
            write_scalar(out, name, scalar, declared);
        }
    }
}

/// A struct's members in the order of the type's `xsd:sequence`; members the WSDL does
/// not declare follow, untyped.
fn write_members(
    out: &mut Vec<u8>,
    layout: Option<&wsdl::Layout>,
    members: &Struct,
    depth: usize,
    written: &mut WrittenShared<WrittenAs>,
) {
    let mut ordered: Vec<(usize, Declared<'_>, &String, &Value)> = members
        .iter()
        .map(
            |(k, v)| match layout.and_then(|l| l.elements.get(k.as_str())) {
                Some(e) => (e.position, e.declared, k, v),
                None => (usize::MAX, Declared::Any, k, v),
            },
        )
        .collect();
    // Projection mostly writes members in the sequence's order already.
    if !ordered.is_sorted_by_key(|m| m.0) {
        ordered.sort_by_key(|m| m.0);
    }
    for (_, decl, k, v) in ordered {
        write_element_in(out, k, v, decl, depth + 1, written);
    }
}

fn is_int_type(t: &str) -> bool {
    crate::schema::types::XSD_INTEGER_TYPES.contains(&t)
}

/// Whether an integer is in the value space of an integer type.
fn fits(t: &str, i: i64) -> bool {
    match t {
        "int" => i32::try_from(i).is_ok(),
        "short" => i16::try_from(i).is_ok(),
        "byte" => i8::try_from(i).is_ok(),
        "unsignedInt" => u32::try_from(i).is_ok(),
        "unsignedShort" => u16::try_from(i).is_ok(),
        "unsignedByte" => u8::try_from(i).is_ok(),
        "unsignedLong" | "nonNegativeInteger" => i >= 0,
        "positiveInteger" => i > 0,
        "negativeInteger" => i < 0,
        "nonPositiveInteger" => i <= 0,
        _ => true,
    }
}

pub(super) fn looks_like_date_time(s: &str) -> bool {
    is_written_date(s)
        || chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// Whether `s` is a date as the server writes them ([`crate::time::parse_written`]):
/// every date of a SOAP reply is checked, and chrono's parser was 1.6% of an uncached
/// getObject. Anything else is left to the parsers.
pub(super) fn is_written_date(s: &str) -> bool {
    crate::time::parse_written(s).is_some()
}

/// A scalar with the `xsi:type` the WSDL declares when the value fits it, otherwise the
/// type of the value itself, so a client never reads a value that contradicts its type.
fn write_scalar(out: &mut Vec<u8>, name: &str, value: &Value, declared: Option<&'static str>) {
    let mut digits = itoa::Buffer::new();
    let (t, text): (&str, Cow<'_, str>) = match value {
        Value::Int(i) => match declared {
            Some(d) if is_int_type(d) && fits(d, *i) => (d, Cow::Borrowed(digits.format(*i))),
            Some(d @ ("decimal" | "float" | "double")) => (d, Cow::Borrowed(digits.format(*i))),
            Some("boolean") if matches!(i, 0 | 1) => (
                "boolean",
                Cow::Borrowed(if *i == 1 { "true" } else { "false" }),
            ),
            Some("string") => ("string", Cow::Borrowed(digits.format(*i))),
            _ if i32::try_from(*i).is_ok() => ("int", Cow::Borrowed(digits.format(*i))),
            _ => ("long", Cow::Borrowed(digits.format(*i))),
        },
        Value::Bool(b) => ("boolean", Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Float(f) => match declared {
            Some(d @ ("decimal" | "float" | "double")) => (d, Cow::Owned(f.to_string())),
            _ => ("double", Cow::Owned(f.to_string())),
        },
        Value::String(s) => {
            let t = match declared {
                Some("dateTime") if looks_like_date_time(s) => "dateTime",
                Some(d) if is_int_type(d) => match s.trim().parse::<i64>() {
                    Ok(i) if fits(d, i) => d,
                    _ => "string",
                },
                Some(d @ ("decimal" | "float" | "double")) => match s.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => d,
                    _ => "string",
                },
                Some("boolean") if matches!(s.trim(), "true" | "false" | "1" | "0") => "boolean",
                _ => "string",
            };
            (t, Cow::Borrowed(s.as_str()))
        }
        Value::DateTime(s) => {
            let t = if looks_like_date_time(s) {
                "dateTime"
            } else {
                "string"
            };
            (t, Cow::Borrowed(s.as_str()))
        }
        Value::Base64(bytes) => ("base64Binary", Cow::Owned(STANDARD.encode(bytes))),
        // Handled by the caller.
        Value::Null | Value::Array(_) | Value::Struct(_) => ("anyType", Cow::Borrowed("")),
    };
    push(out, &["<", name, " xsi:type=\"xsd:", t, "\">"]);
    write_text(out, &text);
    push(out, &["</", name, ">"]);
}

/// Text pieces one after another: every element of a reply is written this way (through
/// `write!`, the formatting machinery was 12% of an uncached SOAP getObject).
fn push(out: &mut Vec<u8>, pieces: &[&str]) {
    for piece in pieces {
        out.extend_from_slice(piece.as_bytes());
    }
}
