//! Writing XML-RPC: replies as the real API writes them (a bare `<params>` document),
//! lists item by item, and faults.

use crate::call::{Fault, Reply};
use crate::protocol::xml::write_text;
use crate::value::{Value, WrittenShared};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::io::Write as _;

const PROLOG: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// A successful reply is the bare `<params>` document, with no `<methodResponse>` around
/// it: the real API answers so (PHP's `xmlrpc_encode`; the replies recorded in
/// softlayer-python's `fixtures/xmlrpc/*.xml` and `tests/transports/xmlrpc_tests.py`), and
/// softlayer-go depends on it. Its decoder (github.com/softlayer/xmlrpc, decoder.go) takes a
/// list result for a list only when the body matches
/// `^<?xml version="1.0" encoding=".+"?>\s*<params>\s*<param>\s*<value>\s*<array>`;
/// otherwise it reads the reply as one object, and with a `<methodResponse>` wrapper every
/// list (getUpdates, getTickets, …) came out as one empty element. Faults keep their
/// `<methodResponse>` ([`write_fault`]), as the recorded real faults have it.
const REPLY_HEAD: &[u8] = b"<params><param><value>";
const REPLY_TAIL: &[u8] = b"</value></param></params>";

/// Serialises a successful reply (see [`REPLY_HEAD`] for its shape).
pub fn write_reply(reply: &Reply) -> Vec<u8> {
    let mut out = crate::protocol::reply_buffer();
    out.extend_from_slice(PROLOG);
    out.extend_from_slice(REPLY_HEAD);
    write_value(&mut out, &reply.value);
    out.extend_from_slice(REPLY_TAIL);
    out
}

/// The start of a list reply written item by item (with [`write_list_item`] and
/// [`write_list_end`]) as the items are read.
pub fn write_list_start(out: &mut Vec<u8>) {
    out.extend_from_slice(PROLOG);
    out.extend_from_slice(REPLY_HEAD);
    out.extend_from_slice(b"<array><data>");
}

pub fn write_list_item(out: &mut Vec<u8>, item: &Value) {
    out.extend_from_slice(b"<value>");
    write_value(out, item);
    out.extend_from_slice(b"</value>");
}

pub fn write_list_end(out: &mut Vec<u8>) {
    out.extend_from_slice(b"</data></array>");
    out.extend_from_slice(REPLY_TAIL);
}

/// Serialises a fault as a `methodResponse` with a `<fault>`.
pub fn write_fault(fault: &Fault) -> Vec<u8> {
    let mut out = Vec::with_capacity(384);
    out.extend_from_slice(PROLOG);
    out.extend_from_slice(
        b"<methodResponse><fault><value><struct>\
          <member><name>faultCode</name><value>",
    );
    // The real API's protocol fault codes are strings, like its exception classes:
    // softlayer-python maps them with a string-keyed table ('-32601' → MethodNotFound).
    let code = match fault {
        Fault::Malformed { .. } => "-32700",
        Fault::ServiceNotFound { .. } | Fault::MethodNotFound { .. } => "-32601",
        Fault::MalformedInitParameter => "-32602",
        _ => fault.class_name(),
    };
    out.extend_from_slice(b"<string>");
    write_text(&mut out, code);
    out.extend_from_slice(b"</string>");
    let message = fault.message();
    out.extend_from_slice(
        b"</value></member>\
          <member><name>faultString</name><value><string>",
    );
    write_text(&mut out, &message);
    out.extend_from_slice(
        b"</string></value></member>\
          </struct></value></fault></methodResponse>",
    );
    out
}

// ---------------------------------------------------------------------------------------
// Response

/// The type element for `value`; the caller writes the surrounding `<value>` tags.
pub(super) fn write_value(out: &mut Vec<u8>, value: &Value) {
    write_value_in(out, value, &mut WrittenShared::default())
}

fn write_value_in(out: &mut Vec<u8>, value: &Value, written: &mut WrittenShared) {
    match value {
        Value::Null => out.extend_from_slice(b"<nil/>"),
        Value::Bool(true) => out.extend_from_slice(b"<boolean>1</boolean>"),
        Value::Bool(false) => out.extend_from_slice(b"<boolean>0</boolean>"),
        Value::Int(i) => {
            out.extend_from_slice(b"<int>");
            write_int(out, *i);
            out.extend_from_slice(b"</int>");
        }
        Value::Float(f) if f.is_finite() => {
            // Display never uses exponents (XML-RPC allows only decimal notation) and
            // prints the shortest digits that read back as the same double.
            out.extend_from_slice(b"<double>");
            let _ = write!(out, "{f}");
            out.extend_from_slice(b"</double>");
        }
        // XML-RPC has no NaN or infinity; JSON turns them into null too.
        Value::Float(_) => out.extend_from_slice(b"<nil/>"),
        Value::String(s) | Value::DateTime(s) => {
            out.extend_from_slice(b"<string>");
            write_text(out, s);
            out.extend_from_slice(b"</string>");
        }
        Value::Base64(bytes) => {
            out.extend_from_slice(b"<base64>");
            write_base64(out, bytes);
            out.extend_from_slice(b"</base64>");
        }
        Value::Array(items) => {
            out.extend_from_slice(b"<array><data>");
            for item in items {
                out.extend_from_slice(b"<value>");
                write_value_in(out, item, written);
                out.extend_from_slice(b"</value>");
            }
            out.extend_from_slice(b"</data></array>");
        }
        Value::Struct(members) => written.write(out, members, (), |out, written| {
            out.extend_from_slice(b"<struct>");
            for (name, member) in members {
                out.extend_from_slice(b"<member><name>");
                write_text(out, name);
                out.extend_from_slice(b"</name><value>");
                write_value_in(out, member, written);
                out.extend_from_slice(b"</value></member>");
            }
            out.extend_from_slice(b"</struct>");
        }),
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    let mut digits = [0u8; 20];
    let mut pos = digits.len();
    let mut n = i.unsigned_abs();
    loop {
        pos -= 1;
        digits[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[pos..]);
}

fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    let len = base64::encoded_len(bytes.len(), true).unwrap_or(0);
    out.resize(start + len, 0);
    match STANDARD.encode_slice(bytes, &mut out[start..]) {
        Ok(written) => out.truncate(start + written),
        // Unreachable (the buffer is sized by encoded_len); fall back to allocating.
        Err(_) => {
            out.truncate(start);
            out.extend_from_slice(STANDARD.encode(bytes).as_bytes());
        }
    }
}
