//! Writing REST answers: values as JSON, XML or text, lists item by item, faults as
//! `{"error", "code"}` with the HTTP status their kind gives.

use super::route::find_service;
use super::{Format, NO_SERVICE};
use crate::call::{Fault, Reply};
use crate::protocol::HttpAnswer;
use crate::protocol::codec::ListWriter;
use crate::protocol::xml::write_text;
use crate::schema::schema;
use crate::value::{Value, WrittenShared};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::borrow::Cow;

const PROLOG: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// 200 with the value in the format asked for, and `SoftLayer-Total-Items` for lists;
/// `include_types`: JSON objects lead with their `complexType`.
pub fn write_reply(reply: &Reply, format: Format, include_types: bool) -> HttpAnswer {
    let body = match format {
        Format::Json if include_types => {
            let mut out = crate::protocol::reply_buffer();
            write_typed_json(
                &mut out,
                &reply.value,
                Some(reply.type_name.trim_end_matches("[]")),
                &mut WrittenShared::default(),
            );
            out
        }
        Format::Json => json_bytes(&reply.value),
        Format::Xml => xml_document(&reply.value),
        Format::Text => text_body(&reply.value),
    };
    let headers = reply
        .total
        .map(|total| vec![("SoftLayer-Total-Items".to_string(), total.to_string())])
        .unwrap_or_default();
    HttpAnswer {
        status: 200,
        content_type: format.content_type(),
        headers,
        body,
    }
}

/// The fault as `{"error", "code"}` (or its XML form) with the status that fits it.
pub fn write_fault(fault: &Fault, format: Format) -> HttpAnswer {
    let status = status_of(fault);
    let message = message_of(fault);
    let code = fault.class_name();
    let (content_type, body) = match format {
        Format::Xml => {
            let mut out = Vec::with_capacity(160 + message.len());
            out.extend_from_slice(PROLOG);
            out.extend_from_slice(b"<root><error>");
            write_text(&mut out, &message);
            out.extend_from_slice(b"</error><code>");
            write_text(&mut out, code);
            out.extend_from_slice(b"</code></root>");
            (Format::Xml.content_type(), out)
        }
        Format::Json | Format::Text => {
            let mut object = serde_json::Map::new();
            object.insert("error".into(), message.into_owned().into());
            object.insert("code".into(), code.into());
            (
                Format::Json.content_type(),
                serde_json::to_vec(&object).unwrap_or_else(|_| b"null".to_vec()),
            )
        }
    };
    let mut headers = Vec::new();
    match status {
        401 => headers.push((
            "WWW-Authenticate".to_string(),
            "Basic realm=\"SoftLayer API\"".to_string(),
        )),
        405 => headers.push((
            "Allow".to_string(),
            "GET, HEAD, POST, PUT, DELETE".to_string(),
        )),
        _ => {}
    }
    HttpAnswer {
        status,
        content_type,
        headers,
        body,
    }
}

/// The HTTP status of a fault: its kind says whose fault it is.
///
/// The real API answers the exceptions its methods raise with 500, whatever their
/// class, other than "not found" (404) and authentication (401): softlayer-python
/// reports them as `SoftLayerAPIError(500)` over REST (e.g. "Disk controller #1 is used
/// by storage groups but it does not have a price."), and softlayer-java users quote
/// `Got 500 … {"error":"Monitoring service is not enabled …","code":"SoftLayer_Exception"}`.
/// Requests this server cannot read as a call at all (a body that does not parse, a
/// malformed init parameter, an argument of the wrong shape) stay 400. An object mask
/// the API cannot use is one of its exceptions: `SoftLayerAPIError(500): Property
/// 'dal13' not valid for 'SoftLayer_Hardware'.` (softlayer-python issue 1525) and
/// `… Property 'note' has already been defined.` (issue 2088), both over REST.
pub fn status_of(fault: &Fault) -> u16 {
    use crate::fault::ExceptionClass;
    match fault {
        Fault::BadArgument {
            class: ExceptionClass::WebServiceObjectMask | ExceptionClass::CommonParser,
            ..
        } => 500,
        Fault::Malformed { .. } | Fault::MalformedInitParameter | Fault::BadArgument { .. } => 400,
        Fault::Unauthenticated { .. } => 401,
        Fault::ServiceNotFound { .. } | Fault::MethodNotFound { .. } | Fault::NotFound { .. } => {
            404
        }
        Fault::UnsupportedVerb { .. } => 405,
        Fault::Documented { .. }
        | Fault::Internal { .. }
        | Fault::Cut { .. }
        | Fault::Interrupted { .. } => 500,
        Fault::Busy { .. } => 503,
        Fault::Injected { status, class, .. } => status.unwrap_or_else(|| injected_status(class)),
    }
}

/// The status of an injected fault that asks for none: the one the server's own fault
/// of that class gets, so a test that injects `ObjectNotFound` sees the 404 its client
/// handles (every injected fault was 500), and a rate limit is HTTP's 429.
fn injected_status(class: &str) -> u16 {
    use crate::fault::ExceptionClass;
    if class.ends_with("RateLimitExceeded") {
        return 429;
    }
    match ExceptionClass::from_name(class) {
        Some(ExceptionClass::ObjectNotFound) => 404,
        Some(ExceptionClass::InvalidLegacyToken) => 401,
        Some(ExceptionClass::WebServiceBadRequest) => 400,
        _ => 500,
    }
}

/// The fault for a service this server does not have, called by `method`.
pub fn no_service(service: &str, method: &str) -> Fault {
    Fault::ServiceNotFound {
        service: service.to_string(),
        method: method.to_string(),
    }
}

/// The likely cause of a service named where a method or an id goes (REST takes service
/// names in any case, so this tells them so too).
pub(super) const ENDS_IN_A_SERVICE: &str = "is the endpoint URL one that ends in a service rather than \
     at the API's version (/rest/v3.1/ or /rest/v3/)?";

pub(super) fn message_of(fault: &Fault) -> Cow<'_, str> {
    match fault {
        Fault::Malformed { detail } => {
            Cow::Owned(format!("Unable to parse the request body: {detail}"))
        }
        // A service where the method goes: an endpoint URL that names a service already
        // (`…/rest/v3.1/SoftLayer_Ticket/`), to which the client adds its own.
        Fault::MethodNotFound { method, .. } if find_service(method).is_some() => {
            Cow::Owned(format!(
                "Function (\"{method}\") is not a valid method for this service. \
                 {method} is a service: {ENDS_IN_A_SERVICE}"
            ))
        }
        Fault::MethodNotFound { method, .. } => Cow::Owned(format!(
            "Function (\"{}\") is not a valid method for this service.",
            crate::call::quoted_name(method)
        )),
        Fault::ServiceNotFound { .. } => Cow::Borrowed(NO_SERVICE),
        // No REST request makes this one (the id is a path segment); said for completeness.
        Fault::MalformedInitParameter => Cow::Owned(fault.to_string()),
        Fault::BadArgument { message, .. }
        | Fault::Unauthenticated { message, .. }
        | Fault::NotFound { message, .. }
        | Fault::Documented { message, .. }
        | Fault::Busy { message }
        | Fault::Injected { message, .. } => Cow::Borrowed(message),
        Fault::UnsupportedVerb { .. }
        | Fault::Internal { .. }
        | Fault::Cut { .. }
        | Fault::Interrupted { .. } => Cow::Owned(fault.to_string()),
    }
}

/// A JSON array, item by item.
pub(super) struct JsonList {
    pub(super) first: bool,
    /// With `SoftLayer-Include-Types`, the items' declared type.
    pub(super) item_type: Option<&'static str>,
}

impl ListWriter for JsonList {
    fn start(&mut self, out: &mut Vec<u8>, _total: u64, _items: u64) {
        out.push(b'[');
    }

    fn item(&mut self, out: &mut Vec<u8>, item: &Value) {
        if !std::mem::replace(&mut self.first, false) {
            out.push(b',');
        }
        if let Some(t) = self.item_type {
            write_typed_json(out, item, Some(t), &mut WrittenShared::default());
        } else if serde_json::to_writer(&mut *out, item).is_err() {
            out.extend_from_slice(b"null");
        }
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        out.push(b']');
    }
}

/// `<root><item>…</item>…</root>`, item by item.
pub(super) struct XmlList;

impl ListWriter for XmlList {
    fn start(&mut self, out: &mut Vec<u8>, _total: u64, _items: u64) {
        out.extend_from_slice(PROLOG);
        out.extend_from_slice(b"<root>");
    }

    fn item(&mut self, out: &mut Vec<u8>, item: &Value) {
        write_element(out, "item", item);
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        close_element(out, "root");
    }
}

// ---------------------------------------------------------------------------------------
// Output

fn json_bytes(value: &Value) -> Vec<u8> {
    let mut out = crate::protocol::reply_buffer();
    value.write_json(&mut out);
    out
}

/// JSON whose objects lead with `"complexType": type` (see the module's comment): the
/// object's own type, else `declared`, the type its place declares; members take their
/// property's declared type. An object of no known type, or one that names its own
/// `complexType`, is written as it is.
fn write_typed_json(
    out: &mut Vec<u8>,
    value: &Value,
    declared: Option<&str>,
    written: &mut WrittenShared<Option<&'static str>>,
) {
    match value {
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_typed_json(out, item, declared, written);
            }
            out.push(b']');
        }
        Value::Struct(members) => {
            let own = members.type_name().or_else(|| {
                let def = schema().type_def(declared?)?;
                Some(def.name.as_str())
            });
            written.write(out, members, own, |out, written| {
                let def = own.and_then(|t| schema().type_def(t));
                out.push(b'{');
                let mut first = true;
                if let Some(t) = own
                    && !members.contains_key("complexType")
                {
                    out.extend_from_slice(b"\"complexType\":");
                    crate::value::json_string(out, t);
                    first = false;
                }
                for (k, v) in members.iter() {
                    if !std::mem::replace(&mut first, false) {
                        out.push(b',');
                    }
                    crate::value::json_string(out, k);
                    out.push(b':');
                    let member_type = def
                        .and_then(|d| d.property(k))
                        .map(|p| p.type_name.as_str());
                    write_typed_json(out, v, member_type, written);
                }
                out.push(b'}');
            });
        }
        scalar => scalar.write_json(out),
    }
}

fn text_body(value: &Value) -> Vec<u8> {
    match value {
        Value::Null => Vec::new(),
        Value::Bool(b) => b.to_string().into_bytes(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) if f.is_finite() => f.to_string().into_bytes(),
        Value::Float(_) => Vec::new(),
        Value::String(s) | Value::DateTime(s) => s.clone().into_bytes(),
        Value::Base64(bytes) => STANDARD.encode(bytes).into_bytes(),
        Value::Array(_) | Value::Struct(_) => json_bytes(value),
    }
}

fn xml_document(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(PROLOG);
    write_element(&mut out, "root", value);
    out
}

fn write_element(out: &mut Vec<u8>, name: &str, value: &Value) {
    let name = element_name(name);
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    let scalar: Cow<'_, str> = match value {
        Value::Null => {
            out.extend_from_slice(b"/>");
            return;
        }
        Value::Struct(members) => {
            out.push(b'>');
            for (member, v) in members {
                write_element(out, member, v);
            }
            return close_element(out, &name);
        }
        Value::Array(items) => {
            out.push(b'>');
            for item in items {
                write_element(out, "item", item);
            }
            return close_element(out, &name);
        }
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) if f.is_finite() => Cow::Owned(f.to_string()),
        Value::Float(_) => Cow::Borrowed(""),
        Value::String(s) | Value::DateTime(s) => Cow::Borrowed(s),
        Value::Base64(bytes) => Cow::Owned(STANDARD.encode(bytes)),
    };
    out.push(b'>');
    write_text(out, &scalar);
    close_element(out, &name);
}

fn close_element(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// A struct member name as an XML element name; characters a name cannot hold become `_`.
fn element_name(name: &str) -> Cow<'_, str> {
    let ok = |i: usize, c: char| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.'))
    };
    if !name.is_empty() && name.chars().enumerate().all(|(i, c)| ok(i, c)) {
        return Cow::Borrowed(name);
    }
    let mut fixed: String = name
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if ok(i, c) || (i == 0 && c.is_ascii_digit()) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !fixed.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        fixed.insert(0, '_');
    }
    Cow::Owned(fixed)
}
