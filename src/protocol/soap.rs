//! The SOAP 1.1 transport: rpc/encoded envelopes, as the real API and its WSDL
//! ([`super::wsdl`]) describe them.
//!
//! A request is read into a small element tree first (SOAP encoding lets one part of a
//! message refer to another with `href`, so a single pass cannot type it), with the same
//! defences as the XML-RPC reader: DTDs are refused, nesting and element count are capped,
//! and a multi-reference graph may not expand past a fixed number of values, nor copy more
//! than [`MAX_COPIED_BYTES`] (an element read again through another `href`). The tree is
//! then read *per the WSDL*: every header and argument has a declared type, taken from the
//! same schema that generates the WSDL, so a value means the same whether the client
//! annotated it with `xsi:type` (PHP, suds) or not (zeep, node-soap), whether its elements
//! are namespaced or not, and whether an array arrives as a SOAP-ENC array
//! (`SOAP-ENC:arrayType`, `<item>` or type-named children) or as repeated elements, and
//! whether a struct arrives as members or as PHP's Apache `Map`. An `xsi:type` naming
//! a schema type or an array overrides a declared complex type (a subtype, or an untyped
//! header); one naming a simple type or an array overrides a declared scalar, as PHP's
//! SoapServer reads it, so a typed value means what it means over XML-RPC. A simple type
//! counts only where the `xsi:type` prefix is bound to XML Schema
//! or the SOAP encoding (`SCHEMA_NAMESPACES`). A value that does not convert to its
//! declared scalar type is passed on as text for the handler to reject with its own
//! message.
//!
//! Arguments are matched to the method's parameters by name (the part names of the WSDL,
//! which are the SLDN parameter names); elements with other names fill the remaining
//! parameters in order, as positional SOAP stacks send them.
//!
//! Replies are written straight into a buffer, shaped like the captured production
//! responses: `ns1:{method}Response` holding `{method}Return`, `xsi:type` on every value,
//! SOAP-ENC arrays typed `ns1:{Type}Array`, a `totalItems` header on list results, and
//! struct members in the order of the WSDL's `xsd:sequence` (zeep drops members that come
//! out of order). A struct whose members only a subtype of the declared type has is
//! written as that subtype. Faults carry the SoftLayer exception class as `faultcode`
//! (`SOAP-ENV:Client` for a request that is not a well-formed SOAP envelope,
//! `SOAP-ENV:MustUnderstand` for a header marked so that no call reads).

use super::xml::{
    Element, JSON_AT_XML_ENDPOINT, is_blank, read_tree, starts_as_json, truncate, write_text,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::ApiVersion;
use super::HttpAnswer;
use super::codec::{Codec, ListWriter};
use super::wsdl::{self, Declared, SOAP_ENC, SOAP_ENV, XSD, XSI, declared_as, xsd_type};
use crate::call::{
    Call, CallHeader, CallHeaders, Credentials, Fault, HeaderMember, HeaderMemberKind, Reply,
};
use crate::schema::types::{Scalar as ScalarKind, TypeRef};
use crate::schema::{PropertyKind, schema};
use crate::value::{Struct, Value, WrittenShared};

/// Deepest `href` expansion (the tree itself is bounded by [`super::xml::MAX_DEPTH`]).
const MAX_DEPTH: usize = super::xml::MAX_DEPTH;
// The most values a request may expand to (shared `href` targets count each time).
use super::MAX_VALUES;

/// The most bytes of values that `href`s may copy in one request: an element read once
/// costs what the body holds already, but each further `href` to it copies its whole
/// subtree again. Counted in values alone, a 12 KB request of a 10 KB string referenced
/// 30 times over three levels expanded to 27,000 copies (270 MB of text) and took the
/// server to 565 MB before credentials were checked. The bound is the default body limit:
/// copies may add as much as one more body, and no client shares more than a few objects.
pub const MAX_COPIED_BYTES: usize = 16 * 1024 * 1024;

/// What one value read from the tree is charged besides its text and name: the size of a
/// [`Value`] and of its place in a struct (key, value, hash), rounded up.
const VALUE_BYTES: usize = 64;

const SOAP_12_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The refusals of an envelope in another namespace: SOAP 1.1's `VersionMismatch`
/// (section 4.4.1), not a client's malformed request.
const SOAP_12_ENVELOPE: &str = "a SOAP 1.2 envelope; this endpoint speaks SOAP 1.1";
const NOT_A_SOAP_11_ENVELOPE: &str =
    "the Envelope is not in the SOAP 1.1 namespace http://schemas.xmlsoap.org/soap/envelope/";

/// The start of the refusal of a header marked `mustUnderstand` that this server does not
/// process: SOAP 1.1's `MustUnderstand` fault (section 4.2.3), in PHP's SoapServer's words.
const NOT_UNDERSTOOD: &str = "Header not understood";

/// The refusal of a Body that names no operation, in PHP's SoapServer's words (a Client
/// fault of its own, not a parse error).
const NO_FUNCTION_CALL: &str = "looks like we got \"Body\" without function call";

/// The refusal of an envelope without a Body, in PHP's SoapServer's words (a Client fault
/// of its own, not a parse error).
const NO_BODY: &str = "Body must be present in a SOAP envelope";

/// The actor SOAP 1.1 names for the first recipient, which this server is; a header for
/// any other actor is not for it (section 4.2.2).
const ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";

/// What an XML-RPC call POSTed to a SOAP endpoint is told.
const XMLRPC_AT_SOAP: &str = "the root element is <methodCall>, not a SOAP Envelope: XML-RPC is served at /xmlrpc/v3.1/{Service}";

/// Parses a SOAP 1.1 envelope POSTed to /soap/{version}/{service}.
pub fn parse_call(service: &str, body: &[u8]) -> Result<Call, Fault> {
    let root = read_tree(body, "Envelope").map_err(|fault| {
        if starts_as_json(body) {
            malformed(JSON_AT_XML_ENDPOINT)
        } else {
            fault
        }
    })?;

    if root.local == "methodCall" {
        return Err(malformed(XMLRPC_AT_SOAP));
    }
    if root.local != "Envelope" {
        return Err(malformed(format!(
            "the root element is <{}>, not a SOAP Envelope",
            root.local
        )));
    }
    match root.ns.as_deref() {
        Some(SOAP_ENV) => {}
        Some(SOAP_12_ENV) => return Err(malformed(SOAP_12_ENVELOPE)),
        _ => return Err(malformed(NOT_A_SOAP_11_ENVELOPE)),
    }
    let mut header = None;
    let mut body = None;
    for child in &root.children {
        // SOAP 1.1 §4: the Envelope "MAY contain additional immediate child elements",
        // which "MUST be namespace-qualified and MUST follow the SOAP Body element". PHP's
        // SoapServer, behind the real API, reads past them; they were refused.
        let qualified_elsewhere = child
            .ns
            .as_deref()
            .is_some_and(|ns| !ns.is_empty() && ns != SOAP_ENV);
        if body.is_some() && qualified_elsewhere {
            continue;
        }
        // Header and Body are SOAP 1.1's own elements only in its namespace (a SOAP 1.2
        // `Body` in a 1.1 envelope is no Body; PHP's SoapServer answers "Body must be
        // present in a SOAP envelope").
        if child.ns.as_deref() != Some(SOAP_ENV) {
            return Err(malformed(format!(
                "unexpected element <{}> in the Envelope: its Header and Body are in the \
                 namespace {SOAP_ENV}",
                child.local
            )));
        }
        match &*child.local {
            "Header" if header.is_none() && body.is_none() => header = Some(child),
            "Body" if body.is_none() => body = Some(child),
            other => {
                return Err(malformed(format!(
                    "unexpected element <{other}> in the Envelope"
                )));
            }
        }
    }
    let body = body.ok_or_else(|| malformed(NO_BODY))?;
    let operation = body
        .children
        .first()
        .ok_or_else(|| malformed(NO_FUNCTION_CALL))?;

    let mut ids = HashMap::new();
    collect_ids(&root, &mut ids);
    let mut reader = Interp {
        ids,
        budget: MAX_VALUES,
        referenced: HashSet::new(),
        copy_budget: MAX_COPIED_BYTES,
        copying: false,
        referred: None,
    };

    let mut header_struct = Struct::new();
    // A result limit given twice is read last-wins, and said, as REST says its parameters
    // sent twice.
    let mut repeated = Vec::new();
    if let Some(header) = header {
        for h in &header.children {
            if must_understand(h)? && !CallHeaders::understood(service, &h.local) {
                return Err(malformed(format!(
                    "{NOT_UNDERSTOOD}: <{}> is marked mustUnderstand, and this server \
                     does not process it",
                    truncate(&h.local)
                )));
            }
            let mut value = reader.value(h, header_expect(service, &h.local), 1)?;
            // gSOAP built with SOAP_XML_NIL writes every unset header pointer as a nil
            // element: no header given, not one of the wrong kind or without an id.
            if value.is_null() {
                continue;
            }
            if CallHeader::named(service, &h.local) == Some(CallHeader::ResultLimit) {
                if header_struct.contains_key(&*h.local) {
                    repeated.push((h.local.to_string(), None));
                }
                for member in ["limit", "offset"] {
                    if h.children.iter().filter(|c| c.local == member).count() > 1 {
                        repeated.push((h.local.to_string(), Some(member)));
                    }
                }
                // SLDN's SOAP article shows the limit as bare text before <offset>.
                if let Value::Struct(members) = &mut value {
                    let text = h.text.trim();
                    if !members.contains_key("limit") && !text.is_empty() {
                        members.insert("limit".into(), scalar("int", text)?);
                    }
                }
            }
            header_struct.insert(h.local.to_string(), value);
        }
    }
    let mut headers = CallHeaders::from_struct(service, &header_struct)?;
    for (header, member) in repeated {
        headers.note_repeated(&header, member);
    }

    let method = operation.local.to_string();
    let args = reader.arguments(service, &method, operation)?;
    Ok(Call {
        service: service.to_string(),
        method,
        headers,
        args,
    })
}

/// Whether a header entry must be understood by this server: `SOAP-ENV:mustUnderstand`
/// of `1` (or `true`, as PHP's SoapServer also reads it), unless the entry names an actor
/// other than the first recipient. A value that is not a boolean is refused, as PHP
/// refuses it.
fn must_understand(entry: &Element<'_>) -> Result<bool, Fault> {
    let envelope_attribute = |local: &str| {
        entry
            .attrs
            .iter()
            .find(|a| a.ns.as_deref() == Some(SOAP_ENV) && a.local == local)
            .map(|a| a.value.trim())
    };
    if envelope_attribute("actor").is_some_and(|actor| actor != ACTOR_NEXT) {
        return Ok(false);
    }
    match envelope_attribute("mustUnderstand") {
        None | Some("0" | "false") => Ok(false),
        Some("1" | "true") => Ok(true),
        Some(_) => Err(malformed("mustUnderstand value is not boolean")),
    }
}

/// The response envelope; the typing of nested values follows the schema from
/// `reply.type_name`.
pub fn write_reply(_service: &str, method: &str, version: ApiVersion, reply: &Reply) -> Vec<u8> {
    let mut out = super::reply_buffer();
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
struct SoapList {
    version: ApiVersion,
    method: String,
    item_type: String,
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
fn fault_parts<'f>(service: &str, fault: &'f Fault) -> (&'f str, Cow<'f, str>) {
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

/// SOAP's message for [`Fault::MalformedInitParameter`] on `service` (replay tells such a
/// recorded call by it).
pub fn malformed_init_message(service: &str) -> String {
    format!(
        "The {} header names no object: send its id as <id>.",
        CallHeader::InitParameters.name(service)
    )
}

/// SOAP 1.1 at `/soap/v3[.1]/{service}`.
pub struct SoapCodec {
    pub version: ApiVersion,
    pub service: String,
    pub basic: Option<Credentials>,
}

const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

impl Codec for SoapCodec {
    fn transport(&self) -> &'static str {
        "soap"
    }

    fn parse(&mut self, body: &[u8]) -> Result<Call, Fault> {
        parse_call(&self.service, body)
    }

    fn fallback_credentials(&self) -> Option<&Credentials> {
        self.basic.as_ref()
    }

    fn write_reply(&self, call: &Call, reply: &Reply) -> HttpAnswer {
        HttpAnswer {
            status: 200,
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_reply(&call.service, &call.method, self.version, reply),
        }
    }

    fn write_fault(&self, fault: &Fault) -> HttpAnswer {
        HttpAnswer {
            status: self.status_of(fault),
            content_type: CONTENT_TYPE,
            headers: Vec::new(),
            body: write_fault(self.version, &self.service, fault),
        }
    }

    /// SOAP 1.1 sends every fault with HTTP 500.
    fn status_of(&self, fault: &Fault) -> u16 {
        fault.status_override().unwrap_or(500)
    }

    fn fault_message<'f>(&self, fault: &'f Fault) -> Cow<'f, str> {
        fault_parts(&self.service, fault).1
    }

    fn reply_content_type(&self) -> &'static str {
        CONTENT_TYPE
    }

    fn reply_body(&self) -> Option<crate::call::ReplyBody> {
        Some(crate::call::ReplyBody::Soap)
    }

    fn list_writer(&self, call: &Call) -> Option<Box<dyn ListWriter>> {
        let returns = &schema().method(&call.service, &call.method)?.returns;
        let (item_type, true) = split_many(returns) else {
            return None;
        };
        Some(Box::new(SoapList {
            version: self.version,
            method: call.method.clone(),
            item_type: item_type.to_string(),
        }))
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

fn split_many(type_name: &str) -> (&str, bool) {
    match type_name.strip_suffix("[]") {
        Some(base) => (base, true),
        None => (type_name, false),
    }
}

// ---------------------------------------------------------------------------------------
// Reading the document

fn malformed(detail: impl Into<String>) -> Fault {
    Fault::malformed(detail)
}

/// Every element with an `id` attribute, for `href="#id"` references.
fn collect_ids<'d>(node: &'d Element<'d>, ids: &mut HashMap<&'d str, &'d Element<'d>>) {
    if let Some(id) = node.plain("id") {
        ids.entry(id).or_insert(node);
    }
    for child in &node.children {
        collect_ids(child, ids);
    }
}

// ---------------------------------------------------------------------------------------
// Typing the request by the WSDL

/// What the WSDL declares for an element.
#[derive(Clone, Copy, Debug)]
enum Expect<'a> {
    /// Nothing: typed by `xsi:type`, else read as text, struct or `item` array.
    Any,
    /// A schema scalar (`int`, `string`, `dateTime`…).
    Scalar(&'a str),
    /// A schema type (or one the schema does not describe).
    Complex(&'a str),
    /// An array of a schema type or scalar (`""`: of anything).
    Many(&'a str),
    /// The legacy object mask: a tree of empty elements.
    LegacyMask,
    /// The `mask` of a mask header: a string, or a legacy tree.
    MaskField,
    /// An object filter node over a schema type.
    Filter(&'a str),
    FilterOperation,
    FilterOptions,
    FilterOption,
    /// A header record with these members.
    Record(&'static [HeaderMember]),
}

/// The declared type of a header element.
fn header_expect(service: &str, name: &str) -> Expect<'static> {
    match CallHeader::named(service, name) {
        Some(CallHeader::ObjectFilter) => match schema().types.get_key_value(service) {
            Some((key, _)) => Expect::Filter(key.as_str()),
            None => Expect::Any,
        },
        Some(header) => Expect::Record(header.members()),
        None => Expect::Any,
    }
}

/// The expectation for a type name as the schema writes it (`string[]`, `SoftLayer_Ticket`).
fn type_expect(type_name: &str) -> Expect<'_> {
    match split_many(type_name) {
        (base, true) => Expect::Many(base),
        (base, false) => item_expect(base),
    }
}

fn item_expect(name: &str) -> Expect<'_> {
    match name {
        "" | "anyType" => Expect::Any,
        n if xsd_type(n).is_some() => Expect::Scalar(n),
        n => Expect::Complex(n),
    }
}

/// The item type of a `SOAP-ENC:arrayType` value: `ns1:SoftLayer_Ticket[2]` →
/// `SoftLayer_Ticket`; nested arrays are read as arrays of anything.
fn array_item(array_type: &str) -> &str {
    let base = array_type.split('[').next().unwrap_or("");
    let local = base.rsplit(':').next().unwrap_or(base).trim();
    if array_type.matches('[').count() > 1 {
        ""
    } else {
        local
    }
}

struct Interp<'d> {
    ids: HashMap<&'d str, &'d Element<'d>>,
    /// Values that may still be read ([`MAX_VALUES`] in all).
    budget: usize,
    /// The elements read through an `href` so far, by address: reading one of them
    /// through another `href` copies it.
    referenced: HashSet<*const Element<'d>>,
    /// Bytes copies may still add ([`MAX_COPIED_BYTES`] in all).
    copy_budget: usize,
    /// Whether the value being read is (inside) such a copy.
    copying: bool,
    /// The element last read through an `href` and the name of the element that
    /// referred to it: a fault names the parameter (`emails`), not the `multiRef`.
    referred: Option<(&'d Element<'d>, &'d str)>,
}

impl<'d> Interp<'d> {
    /// The method's arguments: by parameter name, then the rest in order.
    fn arguments(
        &mut self,
        service: &str,
        method: &str,
        operation: &'d Element<'d>,
    ) -> Result<Vec<Value>, Fault> {
        let params: &'static [crate::schema::ParameterDef] = schema()
            .method(service, method)
            .map(|m| m.parameters.as_slice())
            .unwrap_or(&[]);
        let mut slots: Vec<Option<Value>> = vec![None; params.len()];
        let mut unnamed = Vec::new();
        for child in &operation.children {
            match params.iter().position(|p| p.name == child.local) {
                Some(i) => {
                    let expect = type_expect(&params[i].type_name);
                    let value = self.value(child, expect, 1)?;
                    slots[i] = Some(match (slots[i].take(), value) {
                        // Repeated elements of an array parameter.
                        (Some(Value::Array(mut a)), Value::Array(b))
                            if matches!(expect, Expect::Many(_)) =>
                        {
                            a.extend(b);
                            Value::Array(a)
                        }
                        (_, value) => value,
                    });
                }
                None => unnamed.push(child),
            }
        }
        let free: Vec<usize> = (0..params.len()).filter(|&i| slots[i].is_none()).collect();
        let mut free = free.into_iter();
        let mut extra = Vec::new();
        for child in unnamed {
            match free.next() {
                Some(i) => {
                    slots[i] = Some(self.value(child, type_expect(&params[i].type_name), 1)?)
                }
                None => extra.push(self.value(child, Expect::Any, 1)?),
            }
        }
        let used = slots.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        let mut args: Vec<Value> = slots
            .into_iter()
            .take(used)
            .map(|v| v.unwrap_or(Value::Null))
            .collect();
        if !extra.is_empty() {
            args.resize(params.len(), Value::Null);
            args.extend(extra);
        }
        Ok(args)
    }

    /// The name a fault gives `node`: that of the element referring to it when it was
    /// reached through an `href` (a `multiRef`'s own name means nothing to the caller).
    fn name_of(&self, node: &'d Element<'d>) -> &'d str {
        match self.referred {
            Some((target, name)) if std::ptr::eq(target, node) => name,
            _ => &node.local,
        }
    }

    /// Follows `href="#id"` to the element it names.
    fn deref(&self, mut node: &'d Element<'d>) -> Result<&'d Element<'d>, Fault> {
        for _ in 0..8 {
            let Some(href) = node.plain("href") else {
                return Ok(node);
            };
            // SOAP 1.1 section 5.4.1: an href is a URI, and only a fragment (`#id`)
            // names an element of this message; `a` was taken for `#a`.
            let Some(id) = href.strip_prefix('#') else {
                return Err(malformed(format!(
                    "href {:?} does not refer within this message: only href=\"#id\" does \
                     (SOAP 1.1 section 5.4.1)",
                    truncate(href)
                )));
            };
            node =
                self.ids.get(id).copied().ok_or_else(|| {
                    malformed(format!("href {:?} names no element", truncate(href)))
                })?;
        }
        Err(malformed("href chain too long"))
    }

    /// The value `node` stands for (through its `href`, if it has one), typed by
    /// `expect`; a copy of an element read before is charged against [`MAX_COPIED_BYTES`].
    fn value(
        &mut self,
        node: &'d Element<'d>,
        expect: Expect<'d>,
        depth: usize,
    ) -> Result<Value, Fault> {
        if depth > MAX_DEPTH {
            return Err(malformed(format!("values nested deeper than {MAX_DEPTH}")));
        }
        if self.budget == 0 {
            return Err(malformed(format!("more than {MAX_VALUES} values")));
        }
        self.budget -= 1;
        let target = self.deref(node)?;
        let through_href = !std::ptr::eq(target, node);
        if through_href {
            self.referred = Some((target, &node.local));
        }
        let copy = through_href && !self.referenced.insert(target);
        if copy && !self.copying {
            self.copying = true;
            let value = self.read(target, expect, depth);
            self.copying = false;
            value
        } else {
            self.read(target, expect, depth)
        }
    }

    /// [`value`](Self::value) of an element whose `href`s are followed.
    fn read(
        &mut self,
        node: &'d Element<'d>,
        expect: Expect<'d>,
        depth: usize,
    ) -> Result<Value, Fault> {
        if self.copying {
            let cost = VALUE_BYTES + node.local.len() + node.text.len();
            self.copy_budget = self.copy_budget.checked_sub(cost).ok_or_else(|| {
                malformed(format!(
                    "href references that copy more than {MAX_COPIED_BYTES} bytes of values"
                ))
            })?;
        }
        if node.is_nil() {
            return Ok(Value::Null);
        }
        match refine(expect, node) {
            Expect::Any => self.any(node, depth),
            Expect::Scalar(_) if !node.children.is_empty() => self.any(node, depth),
            // SOAP::Lite (Perl) types every string holding a character past ASCII
            // `xsd:base64Binary`; PHP's SoapServer, behind the real API, decodes a value by
            // its `xsi:type`, so a string property gets the text those bytes spell.
            Expect::Scalar(t) if t != "base64Binary" && is_binary_typed(node) => {
                match String::from_utf8(binary_bytes(node, self.name_of(node))?) {
                    // Refused as the same text sent as a string is (README "REST"): taken
                    // in, it read back one way over JSON and another over XML.
                    Ok(text) => match super::xml::forbidden_character(&text) {
                        Some((_, c)) => Err(Fault::invalid_value(format!(
                            "Invalid value for '{}': U+{:04X} is {}",
                            self.name_of(node),
                            u32::from(c),
                            super::xml::NOT_CARRIED
                        ))),
                        None => scalar(t, &text),
                    },
                    // Not text: the argument check refuses it where a string belongs.
                    Err(e) => Ok(Value::Base64(e.into_bytes())),
                }
            }
            // Typed base64 where base64 is declared: refused as it is read, naming the
            // element, as XML-RPC's `<base64>` is (README "Base64").
            Expect::Scalar("base64Binary") if is_binary_typed(node) => {
                Ok(Value::Base64(binary_bytes(node, self.name_of(node))?))
            }
            Expect::Scalar(t) if schema_builtin(node) == Some(t) => {
                typed_scalar(t, &node.text, self.name_of(node))
            }
            Expect::Scalar(t) => scalar(t, &node.text),
            // Text where a struct is declared (`xsi:type="xsd:string"`, or none): the text,
            // not an empty struct, for call.rs and the argument check to read or refuse as
            // they do on XML-RPC: an argument's text is refused, a filter's is JSON (as
            // REST's objectFilter), a mask header's is the mask.
            // Text typed base64 is its bytes, as XML-RPC's `<base64>` is: a mask or filter
            // header's text from SOAP::Lite (call.rs reads them as the text they spell).
            Expect::Complex(_) | Expect::Filter(_) | Expect::Record(_) | Expect::MaskField
                if node.children.is_empty() && !is_blank(&node.text) && is_binary_typed(node) =>
            {
                Ok(Value::Base64(binary_bytes(node, self.name_of(node))?))
            }
            Expect::Complex(_) | Expect::Filter(_) | Expect::Record(_)
                if node.children.is_empty() && !is_blank(&node.text) =>
            {
                Ok(Value::String(node.text.to_string()))
            }
            Expect::Complex(t) => {
                let def = schema().type_def(t);
                self.members(node, depth, |name| {
                    match def.and_then(|d| d.property(name)) {
                        Some(p) if p.many => Expect::Many(p.type_name.as_str()),
                        Some(p) => item_expect(p.type_name.as_str()),
                        None => Expect::Any,
                    }
                })
            }
            expect @ (Expect::Many(_) | Expect::FilterOptions) => self.array(node, expect, depth),
            Expect::LegacyMask | Expect::MaskField if !node.children.is_empty() => {
                if is_encoded_array(node) {
                    return self.legacy_mask_array(node, depth);
                }
                let members = self.members(node, depth, |_| Expect::LegacyMask)?;
                Ok(Value::Struct(legacy_mask_items(members)))
            }
            Expect::MaskField => Ok(Value::String(node.text.to_string())),
            Expect::LegacyMask => {
                let text = node.text.trim();
                Ok(if text.is_empty() {
                    Value::Struct(Struct::new())
                } else {
                    Value::String(text.to_string())
                })
            }
            // An encoded array where a filter belongs: read as the list it is, for the filter
            // to refuse as XML-RPC and REST do (read as members named `item`, the filter
            // was dropped without a word and every object answered).
            Expect::Filter(_) if is_encoded_array(node) => {
                self.array(node, Expect::Many(""), depth)
            }
            Expect::Filter(t) => {
                let def = schema().type_def(t);
                self.members(node, depth, |name| {
                    match def.and_then(|d| d.property(name)) {
                        Some(p)
                            if p.kind == PropertyKind::Relational
                                && schema().type_def(&p.type_name).is_some() =>
                        {
                            Expect::Filter(p.type_name.as_str())
                        }
                        Some(_) => Expect::FilterOperation,
                        None => Expect::Any,
                    }
                })
            }
            // A bare value where `{"operation": …}` belongs: kept, for the filter to
            // ignore and name in its warning as it does on XML-RPC and REST (read as an
            // empty struct, it was dropped without a word).
            Expect::FilterOperation if node.children.is_empty() && !is_blank(&node.text) => {
                self.value(node, Expect::Any, depth)
            }
            // An empty element is what zeep writes for `{"operation": None}` (and `{}`):
            // read as the null operation, for the filter to say it filters nothing as it
            // does over XML-RPC (read as an empty struct, it was dropped without a word).
            Expect::FilterOperation if node.children.is_empty() => {
                let mut leaf = Struct::new();
                leaf.insert("operation".to_string(), Value::Null);
                Ok(Value::Struct(leaf))
            }
            Expect::FilterOperation => self.members(node, depth, |name| match name {
                "options" => Expect::FilterOptions,
                _ => Expect::Any,
            }),
            // No `<value>` is none of the sequence the WSDL declares (`minOccurs="0"`): an
            // empty list, as zeep writes `'value': []`. Read as no value, an `in` of nothing
            // answered every row here and none over XML-RPC and REST.
            Expect::FilterOption => {
                let mut option = self.members(node, depth, |name| match name {
                    "name" => Expect::Scalar("string"),
                    "value" => Expect::Many(""),
                    _ => Expect::Any,
                })?;
                if let Value::Struct(members) = &mut option
                    && !members.contains_key("value")
                {
                    members.insert("value".to_string(), Value::Array(Vec::new()));
                }
                Ok(option)
            }
            Expect::Record(members) => self.members(node, depth, |name| {
                match members.iter().find(|m| m.name == name).map(|m| m.kind) {
                    Some(HeaderMemberKind::Text) => Expect::Scalar("string"),
                    Some(HeaderMemberKind::Int) => Expect::Scalar("int"),
                    Some(HeaderMemberKind::Mask) => Expect::MaskField,
                    None => Expect::Any,
                }
            }),
        }
    }

    /// A struct from the element's children, each typed by `field`. Repeated elements of
    /// an array member are gathered; other repeats keep the last, except where nothing is
    /// declared, where they become an array. An element shaped as a map (see
    /// [`map_entries`]) gives its keys as the members' names.
    fn members(
        &mut self,
        node: &'d Element<'d>,
        depth: usize,
        field: impl Fn(&str) -> Expect<'d>,
    ) -> Result<Value, Fault> {
        let entries = map_entries(node)
            .unwrap_or_else(|| node.children.iter().map(|c| (&*c.local, c)).collect());
        let mut out = Struct::new();
        let mut repeated: Vec<&str> = Vec::new();
        for (name, child) in entries {
            let expect = field(name);
            let value = self.value(child, expect, depth + 1)?;
            match (out.get_mut(name), value, expect) {
                // A repeated element of an array member, gathered whether or not each
                // carries an `xsi:type` (a typed one reads as its value, not as an array
                // of one): suds and zeep type each `value` of a filter option, and of
                // `in [1, 2]` the last alone was kept.
                (Some(existing), value, Expect::Many(_) | Expect::FilterOptions) => {
                    let mut items = match std::mem::replace(existing, Value::Null) {
                        Value::Array(items) => items,
                        first => vec![first],
                    };
                    match value {
                        Value::Array(more) => items.extend(more),
                        one => items.push(one),
                    }
                    *existing = Value::Array(items);
                }
                (Some(existing), value, Expect::Any) => {
                    if repeated.contains(&name) {
                        if let Value::Array(items) = existing {
                            items.push(value);
                        }
                    } else {
                        let first = std::mem::replace(existing, Value::Null);
                        *existing = Value::Array(vec![first, value]);
                        repeated.push(name);
                    }
                }
                (_, value, _) => {
                    out.insert(name.to_string(), value);
                }
            }
        }
        Ok(Value::Struct(out))
    }

    /// An array: a SOAP-ENC array (or any wrapper of `item`s), or one element of a
    /// repeated sequence.
    fn array(
        &mut self,
        node: &'d Element<'d>,
        expect: Expect<'d>,
        depth: usize,
    ) -> Result<Value, Fault> {
        let item = match expect {
            Expect::FilterOptions => Expect::FilterOption,
            Expect::Many(name) => match (
                node.any_prefix("arrayType").map(array_item),
                item_expect(name),
            ) {
                (Some(t), Expect::Any | Expect::Complex(_)) if !t.is_empty() => item_expect(t),
                (_, e) => e,
            },
            other => other,
        };
        if is_wrapper(node, item) {
            // Typed as an array but holding text (suds writes a lone string for a
            // `stringArray` so): read as the empty array it has no items of, the text was
            // lost and the call answered true.
            if node.children.is_empty() && !is_blank(&node.text) {
                return Err(Fault::invalid_value(format!(
                    "Invalid value for '{}': it is typed {} (an array) but holds text, not \
                     items; send each value in an <item>.",
                    self.name_of(node),
                    node.xsi_type().unwrap_or("SOAP-ENC:Array")
                )));
            }
            let mut items = Vec::with_capacity(node.children.len());
            for child in &node.children {
                items.push(self.value(child, item, depth + 1)?);
            }
            Ok(Value::Array(items))
        } else {
            Ok(Value::Array(vec![self.value(node, item, depth + 1)?]))
        }
    }

    /// A legacy mask node typed as an encoded array (`SOAP-ENC:arrayType`, or an
    /// `xsi:type` of an array): every child is an item, whatever its name (SOAP 1.1
    /// section 5.4.2 gives array members' names no meaning), and the items' members
    /// together are the property's sub-mask.
    fn legacy_mask_array(&mut self, node: &'d Element<'d>, depth: usize) -> Result<Value, Fault> {
        let mut out = Struct::new();
        for child in &node.children {
            if let Value::Struct(item) = self.value(child, Expect::LegacyMask, depth + 1)? {
                for (name, sub_mask) in item {
                    merge_mask(&mut out, name, sub_mask);
                }
            }
        }
        Ok(Value::Struct(out))
    }

    /// A value nothing declares: typed by the element's shape.
    fn any(&mut self, node: &'d Element<'d>, depth: usize) -> Result<Value, Fault> {
        if node.children.is_empty() {
            return Ok(Value::String(node.text.to_string()));
        }
        if map_entries(node).is_none() && node.children.iter().all(is_item) {
            let mut items = Vec::with_capacity(node.children.len());
            for child in &node.children {
                items.push(self.value(child, Expect::Any, depth + 1)?);
            }
            return Ok(Value::Array(items));
        }
        self.members(node, depth, |_| Expect::Any)
    }
}

/// A legacy mask node whose array items are folded into it. Typed by the WSDL (the mask
/// is a `SoftLayer_Ticket`, `updates` a `SoftLayer_Ticket_UpdateArray`), PHP's SoapClient
/// writes a sub-mask under a relational array as the array's items, named by their type:
/// `<updates><ns1:SoftLayer_Ticket_Update><editor/></ns1:SoftLayer_Ticket_Update></updates>`
/// (an `<item>` in SOAP-ENC arrays). The items' members are the property's sub-mask; no
/// property is named `item` or like a type. (An array typed as one is read by
/// [`Interp::legacy_mask_array`], whatever its members' names.)
fn legacy_mask_items(members: Value) -> Struct {
    let Value::Struct(members) = members else {
        return Struct::new();
    };
    let mut out = Struct::new();
    for (name, value) in members {
        // Array items: `item` from most stacks, `Item` from .NET (SOAP 1.1 5.4.2: the
        // names of an array's members carry no meaning).
        if name == "item" || name == "Item" || schema().type_def(&name).is_some() {
            if let Value::Struct(inner) = value {
                for (k, v) in inner {
                    merge_mask(&mut out, k, v);
                }
            }
        } else {
            merge_mask(&mut out, name, value);
        }
    }
    out
}

/// Adds a property to a legacy mask node, uniting sub-masks named twice.
fn merge_mask(node: &mut Struct, name: String, value: Value) {
    match (node.get_mut(&name), value) {
        (Some(Value::Struct(existing)), Value::Struct(more)) => {
            for (k, v) in more {
                merge_mask(existing, k, v);
            }
        }
        (Some(_), _) => {}
        (None, value) => {
            node.insert(name, value);
        }
    }
}

/// Apache SOAP's namespace, whose `Map` type PHP's SoapClient uses for associative arrays.
const APACHE_SOAP: &str = "http://xml.apache.org/xml-soap";

/// Whether an element is an array item by its name: `<item>`, or an accessor named by its
/// type (`<SOAP-ENC:Struct>`, `<xsd:int>`, `<ns3:Map>`), as SOAP encoding allows and as
/// PHP's SoapClient writes the arrays of a header the WSDL does not type for it. That
/// happens with softlayer-api-php-client pointed at SLDN's `/soap/v3/` URL: the library
/// puts its headers in the v3.1 namespace, which the v3 WSDL does not declare.
fn is_item(e: &Element) -> bool {
    e.local == "item" || matches!(e.ns.as_deref(), Some(SOAP_ENC | XSD | APACHE_SOAP))
}

/// The entries of a map: PHP's SoapClient writes an associative array it has no declared
/// type for (an untyped header, as above) as Apache SOAP's `Map`,
/// `<item><key>tickets</key><value>…</value></item>…`, with or without `xsi:type`.
fn map_entries<'d>(node: &'d Element<'d>) -> Option<Vec<(&'d str, &'d Element<'d>)>> {
    if node.children.is_empty() {
        return None;
    }
    node.children
        .iter()
        .map(|item| {
            let [key, value] = item.children.as_slice() else {
                return None;
            };
            (item.local == "item"
                && key.local == "key"
                && key.children.is_empty()
                && value.local == "value")
                .then_some((key.text.trim(), value))
        })
        .collect()
}

/// Whether an element says it is an encoded array: `SOAP-ENC:arrayType`, or an `xsi:type`
/// of `SOAP-ENC:Array` or of a WSDL array type (`ns1:SoftLayer_Ticket_UpdateArray`).
fn is_encoded_array(node: &Element) -> bool {
    node.any_prefix("arrayType").is_some()
        || node
            .xsi_type()
            .is_some_and(|t| t == "Array" || t.ends_with("Array"))
}

/// Whether an element holding an array is a wrapper of items, rather than one item of a
/// repeated sequence.
fn is_wrapper(node: &Element, item: Expect<'_>) -> bool {
    if is_encoded_array(node) {
        return true;
    }
    if node.children.is_empty() {
        // An empty element is an empty array; text is one scalar item.
        return is_blank(&node.text);
    }
    if matches!(item, Expect::FilterOption) && map_entries(node).is_some() {
        // One option written as a map, not a list of them.
        return false;
    }
    if node.children.iter().all(is_item) {
        return true;
    }
    match item {
        Expect::Scalar(_) | Expect::Any | Expect::Many(_) => true,
        Expect::Complex(t) => {
            // Children that are not members of the item type are items.
            let first = &node.children[0].local;
            node.children.iter().all(|c| c.local == *first)
                && schema()
                    .type_def(t)
                    .is_none_or(|d| d.property(first).is_none())
        }
        _ => false,
    }
}

/// The expectation after the element's own annotations: `xsi:type` or
/// `SOAP-ENC:arrayType` refine what nothing or a complex type declares. Where a scalar is
/// declared, an `xsi:type` naming another XML Schema scalar or an array counts too: PHP's
/// SoapServer, behind the real API, decodes a value by its `xsi:type`, so a double sent
/// where an int is declared reaches the method as XML-RPC's `<double>` does, and is taken
/// or refused the same way (`schema::coerce`).
fn refine<'d>(expect: Expect<'d>, node: &'d Element<'d>) -> Expect<'d> {
    match expect {
        Expect::Any | Expect::Complex(_) | Expect::Scalar(_) => {}
        // Text typed as a simple type where an array is declared is that value, refused
        // as XML-RPC's `<string>` is there ("expected an array of string"); untyped text
        // stays one item, as node-soap writes a lone string for an array.
        Expect::Many(_) if node.children.is_empty() => {
            let simple = match schema_builtin(node) {
                Some("base64") => Some("base64Binary"),
                other => other.filter(|t| *t != "anyType" && xsd_type(t).is_some()),
            };
            return simple.map_or(expect, Expect::Scalar);
        }
        // A value typed as a struct where an array of scalars is declared is that struct,
        // refused as XML-RPC's `<struct>` is there ("expected an array of string"): read
        // as a wrapper of items, its members were taken as the array (SOAP 1.1 gives
        // array members' names no meaning, but their wrapper is no struct). An item
        // type's struct stays one item of a repeated element.
        Expect::Many(item)
            if matches!(item_expect(item), Expect::Scalar(_))
                && node.any_prefix("arrayType").is_none()
                && node
                    .xsi_type()
                    .is_some_and(|t| t == "Struct" || schema().type_def(t).is_some()) =>
        {
            return Expect::Any;
        }
        other => return other,
    }
    if let Some(t) = node.xsi_type() {
        if t == "Array" || (t.ends_with("Array") && node.any_prefix("arrayType").is_some()) {
            return Expect::Many(node.any_prefix("arrayType").map(array_item).unwrap_or(""));
        }
        if let Some(base) = t.strip_suffix("Array")
            && (xsd_type(base).is_some() || schema().type_def(base).is_some())
        {
            return Expect::Many(base);
        }
        let t = if t == "base64" { "base64Binary" } else { t };
        if xsd_type(t).is_some() && schema_builtin(node).is_some() {
            return match expect {
                Expect::Complex(_) => expect,
                // Base64 where other text is declared is read as the text it spells
                // (`Interp::value`).
                Expect::Scalar(_) if matches!(t, "base64Binary" | "hexBinary" | "anyType") => {
                    expect
                }
                _ => item_expect(t),
            };
        }
        if matches!(expect, Expect::Scalar(_)) {
            return expect;
        }
        if schema().type_def(t).is_some() {
            return Expect::Complex(t);
        }
        return expect;
    }
    if let Some(array_type) = node.any_prefix("arrayType") {
        return Expect::Many(array_item(array_type));
    }
    expect
}

/// The namespaces whose simple types a value's `xsi:type` may name: XML Schema's (2001,
/// and the 2000 and 1999 drafts older stacks write) and the SOAP encoding's, which
/// declares the same types and its own `base64`.
const SCHEMA_NAMESPACES: [&str; 4] = [
    XSD,
    "http://www.w3.org/2000/10/XMLSchema",
    "http://www.w3.org/1999/XMLSchema",
    SOAP_ENC,
];

/// The local name of `xsi:type` when its prefix is bound to one of [`SCHEMA_NAMESPACES`]
/// (as PHP's SoapServer resolves it): a client's own type named `base64Binary`, or a
/// prefix declared nowhere, names no simple type, and the declared type stands.
/// SoftLayer's types are matched by local name whatever their namespace (SLDN's own
/// example types a `resultLimit` in an `SLTypes` namespace).
fn schema_builtin<'e>(node: &'e Element<'_>) -> Option<&'e str> {
    node.xsi_type().filter(|_| {
        node.xsi_type_ns()
            .is_some_and(|ns| SCHEMA_NAMESPACES.contains(&ns))
    })
}

/// `xsi:type="xsd:base64Binary"`, the SOAP encoding's own `SOAP-ENC:base64`, or
/// `xsd:hexBinary`: bytes, which PHP's SoapServer decodes by that type. Read as text, hex
/// digits where a file's base64 `data` is declared were stored as other bytes.
fn is_binary_typed(node: &Element<'_>) -> bool {
    matches!(
        schema_builtin(node),
        Some("base64Binary" | "base64" | "hexBinary")
    )
}

/// The bytes of an element typed base64 or hex; text that is neither is refused, naming
/// the element, as REST and XML-RPC name the member.
/// `name` is the element's as the fault names it ([`Interp::name_of`]).
fn binary_bytes(node: &Element<'_>, name: &str) -> Result<Vec<u8>, Fault> {
    if schema_builtin(node) == Some("hexBinary") {
        return hex_bytes(node.text.trim_ascii()).ok_or_else(|| {
            Fault::invalid_value(format!(
                "Invalid value for '{name}': it is typed hexBinary but is not pairs of \
                 hexadecimal digits."
            ))
        });
    }
    crate::value::decode_base64(&node.text).map_err(|e| {
        Fault::invalid_value(format!(
            "Invalid value for '{name}': it is typed base64Binary but is not base64 ({e})."
        ))
    })
}

/// XML Schema's `hexBinary`: two hexadecimal digits a byte, in either case.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    digits
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// Text as the scalar type declares it; text that does not convert stays text.
fn scalar(type_name: &str, text: &str) -> Result<Value, Fault> {
    match TypeRef::parse(type_name) {
        // Text that is not base64 stays text, for the argument check to refuse by name.
        TypeRef::Scalar(ScalarKind::Base64) => Ok(crate::value::decode_base64(text)
            .map_or_else(|_| Value::String(text.to_string()), Value::Base64)),
        TypeRef::Scalar(kind) => Ok(kind.from_text(text)),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// Text whose own `xsi:type` names a number or a boolean, as that value. A number that is
/// not one is refused, as XML-RPC refuses `<int>abc</int>` and PHP's SoapServer, behind
/// the real API, refuses it ("Violation of encoding rules"): taken as text, it was stored
/// where text is declared, where the same type well formed is refused. Boolean text is
/// read as PHP reads it. Blank text is left as [`scalar`] reads it (PHP's SoapServer reads
/// it as null, not as a violation).
fn typed_scalar(type_name: &str, text: &str, name: &str) -> Result<Value, Fault> {
    let value = scalar(type_name, text)?;
    if !matches!(value, Value::String(_)) || is_blank(text) {
        return Ok(value);
    }
    let why = match TypeRef::parse(type_name) {
        TypeRef::Scalar(ScalarKind::Int) if crate::value::is_whole_number_text(text) => {
            ": past a 64-bit integer"
        }
        // PHP's SoapServer (`to_zval_bool`) refuses no boolean text: `t` and `f` in any
        // case are true and false, and other text is true unless it is `0`.
        TypeRef::Scalar(ScalarKind::Bool) => {
            let t = text.trim();
            let false_ = t.eq_ignore_ascii_case("f") || t.eq_ignore_ascii_case("false") || t == "0";
            return Ok(Value::Bool(!false_));
        }
        TypeRef::Scalar(ScalarKind::Int | ScalarKind::Float) => "",
        _ => return Ok(value),
    };
    Err(malformed(format!(
        "bad {type_name} {:?} in <{}>{why}",
        super::xml::quoted_text(text),
        truncate(name)
    )))
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

fn looks_like_date_time(s: &str) -> bool {
    is_written_date(s)
        || chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// Whether `s` is a date as the server writes them ([`crate::time::parse_written`]):
/// every date of a SOAP reply is checked, and chrono's parser was 1.6% of an uncached
/// getObject. Anything else is left to the parsers.
fn is_written_date(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::{Credentials, MaskSource, ResultLimit};
    use std::fmt::Write as _;

    /// A shared struct is written as its copies would be, also where the WSDL declares
    /// it as another type (an update's `editor` is a `SoftLayer_User_Interface`, a
    /// ticket's `assignedUser` a `SoftLayer_User_Customer`).
    #[test]
    fn shared_structs_are_written_as_their_copies_would_be() {
        // A getObject reply holding the ticket `value`.
        let reply_with = |value: Value| {
            let reply = Reply {
                value,
                type_name: "SoftLayer_Ticket".into(),
                total: None,
                warnings: Vec::new(),
            };
            let body = write_reply("SoftLayer_Ticket", "getObject", ApiVersion::V3_1, &reply);
            String::from_utf8(body).unwrap()
        };
        let write = |shared: bool| reply_with(crate::value::ticket_showing_one_user(shared));
        let shared = write(true);
        assert_eq!(shared, write(false));
        assert_eq!(shared.matches(">5002</id>").count(), 5, "{shared}");
        assert!(shared.contains("<assignedUser xsi:type=\"ns1:SoftLayer_User_Customer\">"));
        assert!(shared.contains("<editor xsi:type=\"ns1:SoftLayer_User_Customer\">"));

        // A struct of no type of its own is written as the type its place declares, in
        // that type's order: shared, it is copied only where it is written the same way.
        let untyped = || {
            let mut s = Struct::new();
            s.insert("name".into(), "n".into());
            s.insert("firstName".into(), "f".into());
            s
        };
        let write = |shared: bool| {
            let one = untyped();
            let of = |s: &Struct| Value::Struct(if shared { s.clone() } else { untyped() });
            let mut ticket = Struct::of_type("SoftLayer_Ticket", 3);
            ticket.insert("assignedUser".into(), of(&one));
            ticket.insert("status".into(), of(&one));
            let mut other = Struct::of_type("SoftLayer_Ticket", 2);
            other.insert("status".into(), of(&one));
            other.insert("assignedUser".into(), of(&one));
            ticket.insert("lastTicket".into(), Value::Struct(other));
            reply_with(Value::Struct(ticket))
        };
        let shared = write(true);
        assert_eq!(shared, write(false));
        assert!(shared.contains("<status xsi:type=\"ns1:SoftLayer_Ticket_Status\"><name xsi:type=\"xsd:string\">n</name><firstName"), "{shared}");
        assert!(shared.contains("<assignedUser xsi:type=\"ns1:SoftLayer_User_Customer\"><firstName xsi:type=\"xsd:string\">f</firstName><name"), "{shared}");
    }

    const KEY: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// The quick check of written dates agrees with chrono's parser on what it accepts,
    /// and leaves everything else to it.
    #[test]
    fn written_dates_are_told_as_chrono_tells_them() {
        for s in [
            "2026-11-30T14:05:09-06:00",
            "1999-01-01T00:00:00+00:00",
            "2024-02-29T23:59:59+05:30",
        ] {
            assert!(is_written_date(s), "{s}");
            assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00-06:00",
            "2026-13-01T00:00:00-06:00",
            "2026-11-30T24:00:00-06:00",
            "2026-11-30T14:05:09Z",
            "2026-11-30T14:05:09.5-06:00",
            "2026-11-30 14:05:09-06:00",
            "2026-11-3aT14:05:09-06:00",
            "2026-11-30T14:05:09-0600",
            "",
            "Ticket 2026-11-30T14:05:09-06:00",
        ] {
            assert!(!is_written_date(s), "{s}");
        }
        // What the quick check leaves out, the parsers still accept.
        assert!(looks_like_date_time("2026-11-30T14:05:09Z"));
        assert!(looks_like_date_time("2026-11-30T14:05:09.5"));
        assert!(!looks_like_date_time("2023-02-29T00:00:00-06:00"));
    }

    /// An envelope in the shape PHP's SoapClient sends.
    fn envelope(header: &str, body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
             xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
             xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\" \
             xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" \
             SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">\
             <SOAP-ENV:Header>{header}</SOAP-ENV:Header><SOAP-ENV:Body>{body}</SOAP-ENV:Body>\
             </SOAP-ENV:Envelope>"
        )
    }

    fn auth() -> String {
        format!(
            "<ns1:authenticate><username>demo</username><apiKey>{KEY}</apiKey></ns1:authenticate>"
        )
    }

    fn parse(service: &str, text: &str) -> Call {
        parse_call(service, text.as_bytes()).unwrap_or_else(|f| panic!("{f:?}\n{text}"))
    }

    fn ticket(header: &str, body: &str) -> Call {
        parse("SoftLayer_Ticket", &envelope(header, body))
    }

    fn assert_malformed(text: &[u8]) -> String {
        match parse_call("SoftLayer_Ticket", text) {
            Err(Fault::Malformed { detail }) => detail,
            other => panic!("{:?} parsed as {other:?}", String::from_utf8_lossy(text)),
        }
    }

    fn demo() -> Option<Credentials> {
        Some(Credentials::ApiKey {
            username: "demo".into(),
            api_key: KEY.into(),
        })
    }

    fn strings(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| Value::from(*s)).collect())
    }

    // --- requests --------------------------------------------------------------------

    /// The raw example of SLDN's SOAP article, with its `https://api.softlayer.com/soap/v3/`
    /// namespace.
    #[test]
    fn sldn_article_example() {
        let text = format!(
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="https://api.softlayer.com/soap/v3/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
    <SOAP-ENV:Header>
        <ns1:authenticate>
            <username>demo</username>
            <apiKey>{KEY}</apiKey>
        </ns1:authenticate>
    </SOAP-ENV:Header>
    <SOAP-ENV:Body>
        <ns1:getObject/>
    </SOAP-ENV:Body>
</SOAP-ENV:Envelope>"#
        );
        let call = parse("SoftLayer_Account", &text);
        assert_eq!(call.service, "SoftLayer_Account");
        assert_eq!(call.method, "getObject");
        assert_eq!(call.headers.credentials, demo());
        assert!(call.args.is_empty());
    }

    /// PHP's SoapClient: every value annotated, SOAP-ENC arrays, base64Binary.
    #[test]
    fn php_encoded_request() {
        let call = ticket(
            &format!(
                "{}<ns1:SoftLayer_TicketInitParameters><id>160000001</id></ns1:SoftLayer_TicketInitParameters>",
                auth()
            ),
            "<ns1:addUpdate><templateObject xsi:type=\"ns1:SoftLayer_Ticket_Update\">\
             <entry xsi:type=\"xsd:string\">hi</entry></templateObject>\
             <attachedFiles SOAP-ENC:arrayType=\"ns1:SoftLayer_Container_Utility_File_Attachment[1]\" \
             xsi:type=\"ns1:SoftLayer_Container_Utility_File_AttachmentArray\">\
             <item xsi:type=\"ns1:SoftLayer_Container_Utility_File_Attachment\">\
             <data xsi:type=\"xsd:base64Binary\">aGVsbG8=</data>\
             <filename xsi:type=\"xsd:string\">a.txt</filename></item></attachedFiles></ns1:addUpdate>",
        );
        assert_eq!(call.method, "addUpdate");
        assert_eq!(call.headers.credentials, demo());
        assert_eq!(call.headers.init_id, Some(Value::Int(160000001)));
        assert_eq!(call.args.len(), 2);
        assert_eq!(call.args[0].get("entry"), Some(&Value::from("hi")));
        let Value::Array(files) = &call.args[1] else {
            panic!("{:?}", call.args[1])
        };
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].get("data"),
            Some(&Value::Base64(b"hello".to_vec()))
        );
        assert_eq!(files[0].get("filename"), Some(&Value::from("a.txt")));
    }

    /// zeep and node-soap send no `xsi:type`: the WSDL types the values.
    #[test]
    fn untyped_values_are_typed_by_the_schema() {
        let call = ticket(
            &auth(),
            "<ns0:createStandardTicket xmlns:ns0=\"http://api.service.softlayer.com/soap/v3.1/\">\
             <templateObject><subjectId>1001</subjectId><title>t</title><priority>2</priority>\
             <billableFlag>false</billableFlag></templateObject>\
             <contents>body</contents><attachmentId>7</attachmentId></ns0:createStandardTicket>",
        );
        assert_eq!(call.method, "createStandardTicket");
        let t = &call.args[0];
        assert_eq!(t.get("subjectId"), Some(&Value::Int(1001)));
        assert_eq!(t.get("title"), Some(&Value::from("t")));
        assert_eq!(t.get("priority"), Some(&Value::Int(2)));
        assert_eq!(t.get("billableFlag"), Some(&Value::Bool(false)));
        assert_eq!(call.args[1], Value::from("body"));
        assert_eq!(call.args[2], Value::Int(7));
        assert_eq!(call.args.len(), 3);
    }

    /// Headers and the operation without any namespace, and in a default namespace.
    #[test]
    fn unnamespaced_and_default_namespace() {
        let text = format!(
            "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header>\
             <authenticate><username>demo</username><apiKey>{KEY}</apiKey></authenticate>\
             <SoftLayer_TicketInitParameters><id>5</id></SoftLayer_TicketInitParameters>\
             </e:Header><e:Body><getObject/></e:Body></e:Envelope>"
        );
        let call = parse("SoftLayer_Ticket", &text);
        assert_eq!(call.headers.credentials, demo());
        assert_eq!(call.headers.init_id, Some(Value::Int(5)));
        assert_eq!(call.method, "getObject");

        let text = format!(
            "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Header>\
             <authenticate xmlns=\"urn:whatever\"><username>demo</username><apiKey>{KEY}</apiKey></authenticate>\
             </Header><Body><getObject xmlns=\"http://api.service.softlayer.com/soap/v3/\"/></Body></Envelope>"
        );
        let call = parse("SoftLayer_Account", &text);
        assert_eq!(call.headers.credentials, demo());
        assert_eq!(call.method, "getObject");
    }

    /// `string[]` arguments: a SOAP-ENC array, a wrapper of `item`s, node-soap's wrapper
    /// of same-named elements, repeated elements, a single element, an empty element.
    #[test]
    fn arrays_both_ways() {
        let cases = [
            (
                "<emails SOAP-ENC:arrayType=\"xsd:string[2]\" xsi:type=\"ns1:stringArray\">\
                 <item xsi:type=\"xsd:string\">a@x.com</item><item xsi:type=\"xsd:string\">b@x.com</item></emails>",
                vec!["a@x.com", "b@x.com"],
            ),
            (
                "<emails><item>a@x.com</item><item>b@x.com</item></emails>",
                vec!["a@x.com", "b@x.com"],
            ),
            (
                "<emails><emails>a@x.com</emails><emails>b@x.com</emails></emails>",
                vec!["a@x.com", "b@x.com"],
            ),
            (
                "<emails>a@x.com</emails><emails>b@x.com</emails>",
                vec!["a@x.com", "b@x.com"],
            ),
            ("<emails>a@x.com</emails>", vec!["a@x.com"]),
            ("<emails/>", vec![]),
            ("<emails xsi:type=\"SOAP-ENC:Array\"/>", vec![]),
        ];
        for (xml, expected) in cases {
            let call = ticket(
                &auth(),
                &format!(
                    "<ns1:addAttachedAdditionalEmails>{xml}</ns1:addAttachedAdditionalEmails>"
                ),
            );
            assert_eq!(call.args, vec![strings(&expected)], "{xml}");
        }
    }

    /// A value typed with another XML Schema scalar, or as an array, than the WSDL declares
    /// is read by its `xsi:type`, as PHP's SoapServer reads it: it then means what the
    /// same typed value means over XML-RPC (taken, or refused by the argument check).
    #[test]
    fn a_typed_value_is_read_by_its_type_where_another_scalar_is_declared() {
        let arg = |body: &str| ticket(&auth(), body).args;
        let cases = [
            (
                "<ns1:addAttachedHardware><hardwareId xsi:type=\"xsd:double\">8002.0</hardwareId></ns1:addAttachedHardware>",
                Value::Float(8002.0),
            ),
            (
                "<ns1:addAttachedHardware><hardwareId xsi:type=\"xsd:int\">8002</hardwareId></ns1:addAttachedHardware>",
                Value::Int(8002),
            ),
            (
                "<ns1:addAttachedHardware><hardwareId>8002</hardwareId></ns1:addAttachedHardware>",
                Value::Int(8002),
            ),
            // A prefix bound to no schema namespace names no simple type.
            (
                "<ns1:addAttachedHardware><hardwareId xsi:type=\"ns1:double\">8002</hardwareId></ns1:addAttachedHardware>",
                Value::Int(8002),
            ),
            (
                "<ns1:setTags><tags xsi:type=\"xsd:boolean\">true</tags></ns1:setTags>",
                Value::Bool(true),
            ),
            (
                "<ns1:setTags><tags xsi:type=\"xsd:double\">5.0</tags></ns1:setTags>",
                Value::Float(5.0),
            ),
            (
                "<ns1:setTags><tags xsi:type=\"ns1:stringArray\" SOAP-ENC:arrayType=\"xsd:string[0]\"/></ns1:setTags>",
                Value::Array(vec![]),
            ),
            // Base64 where text is declared is still the text it spells (SOAP::Lite).
            (
                "<ns1:setTags><tags xsi:type=\"xsd:base64Binary\">YSxi</tags></ns1:setTags>",
                Value::from("a,b"),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(arg(body), vec![expected], "{body}");
        }
        let header = format!(
            "{}<ns1:SoftLayer_TicketInitParameters><id xsi:type=\"xsd:double\">160000001.0</id>\
             </ns1:SoftLayer_TicketInitParameters>",
            auth()
        );
        let call = ticket(&header, "<ns1:getObject/>");
        assert_eq!(call.headers.init_id, Some(Value::Float(160000001.0)));
    }

    /// Arrays of structs: node-soap's same-named wrapper, zeep's bare struct, repeated.
    #[test]
    fn arrays_of_structs() {
        let one = "<filename>a.txt</filename><data>aGVsbG8=</data>";
        for xml in [
            format!("<attachedFiles><attachedFiles>{one}</attachedFiles></attachedFiles>"),
            format!("<attachedFiles>{one}</attachedFiles>"),
            format!("<attachedFiles><item>{one}</item></attachedFiles>"),
        ] {
            let call = ticket(
                &auth(),
                &format!(
                    "<ns1:addUpdate><templateObject><entry>x</entry></templateObject>{xml}</ns1:addUpdate>"
                ),
            );
            let Value::Array(files) = &call.args[1] else {
                panic!("{xml}: {:?}", call.args)
            };
            assert_eq!(files.len(), 1, "{xml}");
            assert_eq!(
                files[0].get("data"),
                Some(&Value::Base64(b"hello".to_vec()))
            );
        }
        let call = ticket(
            &auth(),
            &format!(
                "<ns1:addUpdate><templateObject/><attachedFiles>{one}</attachedFiles>\
                 <attachedFiles>{one}</attachedFiles></ns1:addUpdate>"
            ),
        );
        let Value::Array(files) = &call.args[1] else {
            panic!("{:?}", call.args)
        };
        assert_eq!(files.len(), 2);
        assert!(
            files
                .iter()
                .all(|f| f.get("filename") == Some(&Value::from("a.txt")))
        );
    }

    /// Every header of SLDN articles on authentication, init parameters and result limits, typed and untyped.
    #[test]
    fn call_headers() {
        let header = format!(
            "{}<ns1:SoftLayer_TicketInitParameters xsi:type=\"ns1:SoftLayer_TicketInitParameters\">\
             <id xsi:type=\"xsd:int\">160000001</id></ns1:SoftLayer_TicketInitParameters>\
             <ns1:SoftLayer_ObjectMask><mask>mask[id,updates[entry]]</mask></ns1:SoftLayer_ObjectMask>\
             <ns1:resultLimit><limit>2</limit><offset>4</offset></ns1:resultLimit>\
             <ns1:User-Agent>tests</ns1:User-Agent>",
            auth()
        );
        let call = ticket(&header, "<ns1:getUpdates/>");
        assert_eq!(call.headers.credentials, demo());
        assert_eq!(call.headers.init_id, Some(Value::Int(160000001)));
        assert_eq!(
            call.headers.mask,
            Some(MaskSource::Text("mask[id,updates[entry]]".into()))
        );
        assert_eq!(
            call.headers.limit,
            Some(ResultLimit {
                offset: 4,
                limit: Some(2)
            })
        );

        // The portal token form, and a string init id.
        let call = ticket(
            "<ns1:authenticate><userId>5001</userId><authToken>tok</authToken></ns1:authenticate>\
             <ns1:SoftLayer_TicketInitParameters><id>abc</id></ns1:SoftLayer_TicketInitParameters>",
            "<ns1:getObject/>",
        );
        assert_eq!(
            call.headers.credentials,
            Some(Credentials::PortalToken {
                user_id: 5001,
                token: "tok".into()
            })
        );
        assert_eq!(call.headers.init_id, Some(Value::from("abc")));
    }

    /// SLDN's SOAP article writes the limit as bare text before `<offset>`.
    #[test]
    fn result_limit_as_in_the_sldn_article() {
        let call = ticket(
            "<resultLimit xsi:type=\"slt:resultLimit\" xmlns:slt=\"http://api.service.softlayer.com/soap/v3/SLTypes/\">\n    2\n    <offset xsi:type=\"xsd:int\">0</offset>\n</resultLimit>",
            "<ns1:getUpdates/>",
        );
        assert_eq!(
            call.headers.limit,
            Some(ResultLimit {
                offset: 0,
                limit: Some(2)
            })
        );
    }

    /// `{Service}ObjectMask` carries a legacy mask: a tree of empty elements.
    #[test]
    fn legacy_object_mask() {
        let call = ticket(
            "<ns1:SoftLayer_TicketObjectMask xsi:type=\"ns1:SoftLayer_TicketObjectMask\">\
             <mask xsi:type=\"ns1:SoftLayer_Ticket\"><updates><editor/></updates><status/></mask>\
             </ns1:SoftLayer_TicketObjectMask>",
            "<ns1:getObject/>",
        );
        let Some(MaskSource::Legacy(mask)) = &call.headers.mask else {
            panic!("{:?}", call.headers.mask)
        };
        assert_eq!(mask.keys().collect::<Vec<_>>(), ["updates", "status"]);
        assert_eq!(
            mask["updates"].get("editor"),
            Some(&Value::Struct(Struct::new()))
        );
    }

    /// A legacy mask array typed as one (`SOAP-ENC:arrayType`, `xsi:type` of an array)
    /// may name its members anything (SOAP 1.1 section 5.4.2), and several items' sub-masks
    /// are united; an untyped one folds only `item`, `Item` and type-named members.
    #[test]
    fn legacy_mask_arrays_name_their_members_anything() {
        let mask_of = |updates: &str| {
            let call = ticket(
                &format!(
                    "<ns1:SoftLayer_TicketObjectMask><mask><id/>{updates}</mask>\
                     </ns1:SoftLayer_TicketObjectMask>"
                ),
                "<ns1:getObject/>",
            );
            let Some(MaskSource::Legacy(mask)) = call.headers.mask else {
                panic!("{:?}", call.headers.mask)
            };
            mask
        };
        for typed in [
            "SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[2]\" xsi:type=\"SOAP-ENC:Array\"",
            "SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[2]\"",
            "xsi:type=\"ns1:SoftLayer_Ticket_UpdateArray\"",
        ] {
            let mask = mask_of(&format!(
                "<updates {typed}><foo><entry/></foo><ITEM><editor/></ITEM></updates>"
            ));
            let updates = mask["updates"].as_struct().expect("a sub-mask");
            assert_eq!(
                updates.keys().collect::<Vec<_>>(),
                ["entry", "editor"],
                "{typed}"
            );
        }
        let mask = mask_of("<updates><foo><entry/></foo></updates>");
        assert!(mask["updates"].get("foo").is_some(), "{mask:?}");
    }

    /// The filter tree is typed by `{Service}ObjectFilter`: `options` and `value` are
    /// arrays however many there are, `operation` keeps an `xsi:type`.
    #[test]
    fn object_filter() {
        let call = parse(
            "SoftLayer_Account",
            &envelope(
                "<ns1:SoftLayer_AccountObjectFilter><tickets>\
                 <id><operation>orderBy</operation><options><name>sort</name><value>DESC</value></options></id>\
                 <statusId><operation xsi:type=\"xsd:int\">1001</operation></statusId>\
                 <status><name><operation>in</operation><options><name>data</name>\
                 <value>Open</value><value>Assigned</value></options></name></status>\
                 </tickets></ns1:SoftLayer_AccountObjectFilter>",
                "<ns1:getTickets/>",
            ),
        );
        let filter = call.headers.filter.expect("filter");
        let tickets = filter.get("tickets").unwrap();
        let options = tickets.get("id").unwrap().get("options").unwrap();
        let Value::Array(options) = options else {
            panic!("{options:?}")
        };
        assert_eq!(options[0].get("name"), Some(&Value::from("sort")));
        assert_eq!(options[0].get("value"), Some(&strings(&["DESC"])));
        assert_eq!(
            tickets.get("statusId").unwrap().get("operation"),
            Some(&Value::Int(1001))
        );
        let name = tickets.get("status").unwrap().get("name").unwrap();
        let Some(Value::Array(options)) = name.get("options") else {
            panic!("{name:?}")
        };
        assert_eq!(
            options[0].get("value"),
            Some(&strings(&["Open", "Assigned"]))
        );
    }

    /// Multi-reference values (Axis, .NET): `href="#id"` to an element elsewhere.
    #[test]
    fn multi_reference_values() {
        let call = ticket(
            &auth(),
            "<ns1:createStandardTicket><templateObject href=\"#id0\"/><contents href=\"#id1\"/>\
             </ns1:createStandardTicket>\
             <multiRef id=\"id0\" xsi:type=\"ns1:SoftLayer_Ticket\"><subjectId xsi:type=\"xsd:int\">1001</subjectId></multiRef>\
             <multiRef id=\"id1\" xsi:type=\"xsd:string\">body</multiRef>",
        );
        assert_eq!(call.args[0].get("subjectId"), Some(&Value::Int(1001)));
        assert_eq!(call.args[1], Value::from("body"));
    }

    #[test]
    fn nil_and_positional_arguments() {
        let call = ticket(
            &auth(),
            "<ns1:createStandardTicket><param0><subjectId>1001</subjectId></param0>\
             <param1>body</param1><param2 xsi:nil=\"true\"/><param3>pw</param3></ns1:createStandardTicket>",
        );
        assert_eq!(call.args[0].get("subjectId"), Some(&Value::Int(1001)));
        assert_eq!(call.args[1], Value::from("body"));
        assert_eq!(call.args[2], Value::Null);
        assert_eq!(call.args[3], Value::from("pw"));
        // Named arguments in any order; the gap before the last is nil.
        let call = ticket(
            &auth(),
            "<ns1:createStandardTicket><contents>c</contents><templateObject/>\
             <rootPassword>r</rootPassword></ns1:createStandardTicket>",
        );
        assert_eq!(call.args.len(), 4);
        assert_eq!(call.args[0], Value::Struct(Struct::new()));
        assert_eq!(call.args[1], Value::from("c"));
        assert_eq!(call.args[2], Value::Null);
        assert_eq!(call.args[3], Value::from("r"));
    }

    #[test]
    fn non_ascii_text_and_encodings() {
        let body = "Grüße — 日本語 🎫 <&> \"q\"\r\nend";
        let escaped = body
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\r', "&#13;");
        let text = envelope(
            &auth(),
            &format!(
                "<ns1:createStandardTicket><templateObject/><contents>{escaped}</contents></ns1:createStandardTicket>"
            ),
        );
        let call = parse("SoftLayer_Ticket", &text);
        assert_eq!(call.args[1], Value::from(body));
        // A CDATA section.
        let call = ticket(
            &auth(),
            "<ns1:createStandardTicket><templateObject/><contents><![CDATA[a <b> & c]]></contents></ns1:createStandardTicket>",
        );
        assert_eq!(call.args[1], Value::from("a <b> & c"));
        // Latin-1 bytes (not UTF-8) are Latin-1 where the declaration says so, and
        // refused where it says UTF-8.
        let latin1 = envelope(
            &auth(),
            "<ns1:createStandardTicket><templateObject/><contents>caf\u{e9}</contents></ns1:createStandardTicket>",
        );
        let bytes: Vec<u8> = latin1.chars().map(|c| c as u32 as u8).collect();
        assert!(assert_malformed(&bytes).contains("not UTF-8"));
        let declared: Vec<u8> = latin1
            .replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1)
            .chars()
            .map(|c| c as u32 as u8)
            .collect();
        let call = parse_call("SoftLayer_Ticket", &declared).unwrap();
        assert_eq!(call.args[1], Value::from("café"));
        // UTF-16 with a byte order mark (.NET).
        let mut utf16 = vec![0xff, 0xfe];
        for unit in latin1.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let call = parse_call("SoftLayer_Ticket", &utf16).unwrap();
        assert_eq!(call.args[1], Value::from("café"));
    }

    #[test]
    fn malformed_requests() {
        let ok = envelope(&auth(), "<ns1:getObject/>");
        assert!(assert_malformed(b"").contains("no Envelope"));
        assert!(assert_malformed(b"<a/>").contains("not a SOAP Envelope"));
        assert!(assert_malformed(&ok.as_bytes()[..ok.len() - 5]).contains("end"));
        assert!(
            assert_malformed(b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x/>")
                .contains("DOCTYPE")
        );
        let v12 = ok.replace(
            "http://schemas.xmlsoap.org/soap/envelope/",
            "http://www.w3.org/2003/05/soap-envelope",
        );
        assert!(assert_malformed(v12.as_bytes()).contains("SOAP 1.2"));
        let no_body = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/></e:Envelope>";
        assert!(assert_malformed(no_body.as_bytes()).contains("Body must be present"));
        let empty_body = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body/></e:Envelope>";
        assert!(assert_malformed(empty_body.as_bytes()).contains("without function call"));
        let trailing = format!("{ok}<x/>");
        assert!(assert_malformed(trailing.as_bytes()).contains("after"));
        let text_after = format!("{ok}junk");
        assert!(assert_malformed(text_after.as_bytes()).contains("text outside"));
        let deep = envelope(
            "",
            &format!(
                "<ns1:getObject>{}{}</ns1:getObject>",
                "<a>".repeat(80),
                "</a>".repeat(80)
            ),
        );
        assert!(assert_malformed(deep.as_bytes()).contains("nested"));
        let bad_href = envelope(
            "",
            "<ns1:createStandardTicket><templateObject href=\"#nope\"/></ns1:createStandardTicket>",
        );
        assert!(assert_malformed(bad_href.as_bytes()).contains("names no element"));
        let bad_b64 = envelope(
            "",
            "<ns1:addUpdate><templateObject/><attachedFiles><item><data>@@@</data></item></attachedFiles></ns1:addUpdate>",
        );
        // Not base64 where base64 is declared: the text, for the argument check to refuse
        // by the member's name.
        let call = parse("SoftLayer_Ticket", &bad_b64);
        let Value::Array(files) = &call.args[1] else {
            panic!("{:?}", call.args[1])
        };
        assert_eq!(files[0].get("data"), Some(&Value::from("@@@")));
        let mismatched = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body><a></b></e:Body></e:Envelope>";
        assert_malformed(mismatched.as_bytes());
    }

    /// SOAP 1.1 section 4.2.3: a header marked `mustUnderstand` that the server does not
    /// process is a `MustUnderstand` fault; the headers it reads, a header for another
    /// actor and `mustUnderstand="0"` are not. A value that is not a boolean is a
    /// `Client` fault, as PHP's SoapServer answers.
    #[test]
    fn headers_marked_must_understand() {
        let with = |header: &str| {
            parse_call(
                "SoftLayer_Ticket",
                envelope(&format!("{}{header}", auth()), "<ns1:getObject/>").as_bytes(),
            )
        };
        for understood in [
            "<ns1:SoftLayer_TicketInitParameters SOAP-ENV:mustUnderstand=\"1\"><id>5</id>\
             </ns1:SoftLayer_TicketInitParameters>",
            "<ns1:SoftLayer_ObjectMask SOAP-ENV:mustUnderstand=\"true\"><mask>mask[id]</mask>\
             </ns1:SoftLayer_ObjectMask>",
            "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"0\">x</foo:Bar>",
            "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"1\" \
             SOAP-ENV:actor=\"urn:someone-else\">x</foo:Bar>",
            // Not the envelope's attribute: no meaning here.
            "<foo:Bar xmlns:foo=\"urn:x\" mustUnderstand=\"1\">x</foo:Bar>",
        ] {
            assert!(with(understood).is_ok(), "{understood}");
        }
        for refused in [
            "<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"1\">x</foo:Bar>",
            "<ns1:Bar SOAP-ENV:mustUnderstand=\"true\" \
             SOAP-ENV:actor=\"http://schemas.xmlsoap.org/soap/actor/next\">x</ns1:Bar>",
            "<ns1:SoftLayer_AccountObjectFilter SOAP-ENV:mustUnderstand=\"1\"/>",
        ] {
            let fault = with(refused).unwrap_err();
            let text = String::from_utf8(write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", &fault))
                .unwrap();
            assert!(
                text.contains("<faultcode>SOAP-ENV:MustUnderstand</faultcode><faultstring>Header not understood: &lt;"),
                "{refused}: {text}"
            );
        }
        let Err(Fault::Malformed { detail }) =
            with("<foo:Bar xmlns:foo=\"urn:x\" SOAP-ENV:mustUnderstand=\"yes\">x</foo:Bar>")
        else {
            panic!("not refused")
        };
        assert_eq!(detail, "mustUnderstand value is not boolean");
    }

    /// A Header or Body in another namespace (SOAP 1.2's) is not the 1.1 envelope's.
    #[test]
    fn header_and_body_are_in_the_envelope_namespace() {
        let v12 = "http://www.w3.org/2003/05/soap-envelope";
        let body = envelope(&auth(), "<ns1:getObject/>")
            .replace("<SOAP-ENV:Body>", &format!("<B:Body xmlns:B=\"{v12}\">"))
            .replace("</SOAP-ENV:Body>", "</B:Body>");
        assert!(assert_malformed(body.as_bytes()).contains("unexpected element <Body>"));
        let header = envelope(&auth(), "<ns1:getObject/>")
            .replace(
                "<SOAP-ENV:Header>",
                &format!("<H:Header xmlns:H=\"{v12}\">"),
            )
            .replace("</SOAP-ENV:Header>", "</H:Header>");
        assert!(assert_malformed(header.as_bytes()).contains("unexpected element <Header>"));
    }

    /// SOAP 1.1 §4: namespace-qualified elements may follow the Body (PHP's SoapServer
    /// reads past them; they were refused). Before the Body, or unqualified, they are not
    /// the Envelope's.
    #[test]
    fn qualified_elements_after_the_body_are_passed_over() {
        let trailer = "<x:trailer xmlns:x=\"urn:x\"/>";
        let after = envelope(&auth(), "<ns1:getObject/>").replace(
            "</SOAP-ENV:Envelope>",
            &format!("{trailer}</SOAP-ENV:Envelope>"),
        );
        assert_eq!(parse("SoftLayer_Ticket", &after).method, "getObject");
        let before = envelope(&auth(), "<ns1:getObject/>")
            .replace("<SOAP-ENV:Body>", &format!("{trailer}<SOAP-ENV:Body>"));
        assert!(assert_malformed(before.as_bytes()).contains("unexpected element <trailer>"));
        let unqualified = envelope(&auth(), "<ns1:getObject/>")
            .replace("</SOAP-ENV:Envelope>", "<trailer/></SOAP-ENV:Envelope>");
        assert!(assert_malformed(unqualified.as_bytes()).contains("unexpected element <trailer>"));
    }

    /// A multi-reference graph that doubles at every level may not expand without bound.
    #[test]
    fn reference_expansion_is_bounded() {
        let mut refs = String::new();
        for i in 0..40 {
            let _ = write!(
                refs,
                "<multiRef id=\"r{i}\"><a href=\"#r{n}\"/><b href=\"#r{n}\"/></multiRef>",
                n = i + 1
            );
        }
        refs.push_str("<multiRef id=\"r40\">x</multiRef>");
        let text = envelope(
            "",
            &format!(
                "<ns1:createStandardTicket><templateObject href=\"#r0\"/></ns1:createStandardTicket>{refs}"
            ),
        );
        let detail = assert_malformed(text.as_bytes());
        assert!(
            detail.contains("more than 250000 values") || detail.contains("copy more than"),
            "{detail}"
        );
        // A reference cycle ends at the depth limit.
        let cycle = envelope(
            "",
            "<ns1:createStandardTicket><templateObject href=\"#c\"/></ns1:createStandardTicket>\
             <multiRef id=\"c\"><account href=\"#c\"/></multiRef>",
        );
        assert_malformed(cycle.as_bytes());
    }

    /// An element referenced again is a copy, charged by its bytes: a string of 10 KB
    /// referenced 30 times over three levels (270 MB of text from 12 KB) is refused after
    /// [`MAX_COPIED_BYTES`]; the same graph of short strings, within the budget, is read.
    #[test]
    fn references_copy_a_bounded_number_of_bytes() {
        let laughs = |text: &str, fan: usize| {
            let mut refs = format!("<multiRef id=\"l0\" xsi:type=\"xsd:string\">{text}</multiRef>");
            for level in 1..=3 {
                let items = format!("<item href=\"#l{}\"/>", level - 1).repeat(fan);
                let _ = write!(
                    refs,
                    "<multiRef id=\"l{level}\" xsi:type=\"SOAP-ENC:Array\">{items}</multiRef>"
                );
            }
            envelope(
                "",
                &format!(
                    "<ns1:addAttachedAdditionalEmails><emails href=\"#l3\"/></ns1:addAttachedAdditionalEmails>{refs}"
                ),
            )
        };
        let detail = assert_malformed(laughs(&"z".repeat(10_000), 30).as_bytes());
        assert!(
            detail.contains(&format!("copy more than {MAX_COPIED_BYTES} bytes")),
            "{detail}"
        );
        let call = parse("SoftLayer_Ticket", &laughs("a@example.com", 10));
        let Value::Array(emails) = &call.args[0] else {
            panic!("{:?}", call.args)
        };
        assert_eq!(emails.len(), 10);
        // A multi-reference graph with each element referenced once copies nothing,
        // however large: Axis and .NET send every object so.
        let big = "y".repeat(MAX_COPIED_BYTES + 1);
        let call = ticket(
            "",
            &format!(
                "<ns1:createStandardTicket><templateObject href=\"#t\"/><contents href=\"#c\"/>\
                 </ns1:createStandardTicket><multiRef id=\"t\"><title>x</title></multiRef>\
                 <multiRef id=\"c\" xsi:type=\"xsd:string\">{big}</multiRef>"
            ),
        );
        assert_eq!(call.args[1].as_str().map(str::len), Some(big.len()));
    }

    /// Whatever the bytes, the parser answers without panicking.
    #[test]
    fn never_panics_on_truncated_or_mangled_input() {
        let text = envelope(
            &format!(
                "{}<ns1:SoftLayer_TicketObjectMask><mask><updates/></mask></ns1:SoftLayer_TicketObjectMask>",
                auth()
            ),
            "<ns1:addUpdate><templateObject href=\"#a\"/><attachedFiles SOAP-ENC:arrayType=\"x[1]\">\
             <item><data>aGk=</data></item></attachedFiles></ns1:addUpdate>\
             <multiRef id=\"a\"><entry>é</entry></multiRef>",
        );
        let bytes = text.as_bytes();
        for end in 0..bytes.len() {
            let _ = parse_call("SoftLayer_Ticket", &bytes[..end]);
        }
        let mut mangled = bytes.to_vec();
        for i in (0..mangled.len()).step_by(7) {
            mangled[i] = mangled[i].wrapping_add(13);
            let _ = parse_call("SoftLayer_Ticket", &mangled);
        }
        assert!(parse_call("SoftLayer_Ticket", bytes).is_ok());
    }

    // --- replies ---------------------------------------------------------------------

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope \
        SOAP-ENV:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\" \
        xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" \
        xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" \
        xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\" \
        xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
        xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">";

    fn reply(method: &str, type_name: &str, value: Value, total: Option<u64>) -> String {
        let r = Reply {
            value,
            type_name: type_name.into(),
            total,
            warnings: Vec::new(),
        };
        let bytes = write_reply("SoftLayer_Account", method, ApiVersion::V3_1, &r);
        let text = String::from_utf8(bytes).unwrap();
        well_formed(&text);
        text
    }

    #[test]
    fn a_streamed_list_is_byte_for_byte_the_whole_reply() {
        let ticket = |id: i64| {
            let mut m = Struct::new();
            m.insert("id".into(), Value::Int(id));
            m.insert("title".into(), Value::from(format!("t{id}")));
            Value::Struct(m)
        };
        let all: Vec<Value> = (1..=5).map(ticket).collect();
        for (offset, limit) in [(0, None), (1, Some(2)), (4, Some(3)), (9, Some(3))] {
            let page: Vec<Value> = all
                .iter()
                .skip(offset as usize)
                .take(limit.unwrap_or(usize::MAX as u64) as usize)
                .cloned()
                .collect();
            let whole = reply(
                "getTickets",
                "SoftLayer_Ticket[]",
                Value::Array(page.clone()),
                Some(5),
            );
            let mut list = SoapList {
                version: ApiVersion::V3_1,
                method: "getTickets".into(),
                item_type: "SoftLayer_Ticket".into(),
            };
            let mut out = Vec::new();
            list.start(&mut out, 5, page.len() as u64);
            for item in &page {
                list.item(&mut out, item);
            }
            list.end(&mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                whole,
                "offset {offset}, limit {limit:?}"
            );
        }
    }

    fn well_formed(text: &str) {
        let mut reader = quick_xml::Reader::from_str(text);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}\n{text}"),
            }
        }
    }

    fn object(members: &[(&str, Value)]) -> Value {
        Value::Struct(
            members
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// The shape of captures/soap-response-SoftLayer_Account_getObject.xml.
    #[test]
    fn object_reply_like_the_capture() {
        let text = reply(
            "getObject",
            "SoftLayer_Account",
            object(&[
                ("id", Value::Int(307608)),
                (
                    "companyName",
                    Value::from("SoftLayer Internal - Development Community"),
                ),
            ]),
            None,
        );
        assert_eq!(
            text,
            format!(
                "{HEAD}<SOAP-ENV:Body><ns1:getObjectResponse><getObjectReturn xsi:type=\"ns1:SoftLayer_Account\">\
                 <companyName xsi:type=\"xsd:string\">SoftLayer Internal - Development Community</companyName>\
                 <id xsi:type=\"xsd:int\">307608</id></getObjectReturn></ns1:getObjectResponse>\
                 </SOAP-ENV:Body></SOAP-ENV:Envelope>"
            )
        );
        let v3 = write_reply(
            "SoftLayer_Account",
            "getObject",
            ApiVersion::V3,
            &Reply {
                value: Value::Null,
                type_name: "SoftLayer_Account".into(),
                total: None,
                warnings: Vec::new(),
            },
        );
        let v3 = String::from_utf8(v3).unwrap();
        assert!(v3.contains("xmlns:ns1=\"http://api.service.softlayer.com/soap/v3/\""));
        assert!(v3.contains("<getObjectReturn xsi:nil=\"true\"/>"));
    }

    /// The shape of captures/soap-response-SoftLayer_Account_getVirtualGuests.xml.
    #[test]
    fn list_reply_with_total_items() {
        let text = reply(
            "getTickets",
            "SoftLayer_Ticket[]",
            Value::Array(vec![object(&[
                ("title", Value::from("t")),
                ("id", Value::Int(5)),
                (
                    "updates",
                    Value::Array(vec![object(&[("entry", Value::from("e"))])]),
                ),
            ])]),
            Some(9),
        );
        assert_eq!(
            text,
            format!(
                "{HEAD}<SOAP-ENV:Header><ns1:totalItems><amount>9</amount></ns1:totalItems></SOAP-ENV:Header>\
                 <SOAP-ENV:Body><ns1:getTicketsResponse>\
                 <getTicketsReturn SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket[1]\" xsi:type=\"ns1:SoftLayer_TicketArray\">\
                 <item xsi:type=\"ns1:SoftLayer_Ticket\"><id xsi:type=\"xsd:int\">5</id>\
                 <title xsi:type=\"xsd:string\">t</title>\
                 <updates SOAP-ENC:arrayType=\"ns1:SoftLayer_Ticket_Update[1]\" xsi:type=\"ns1:SoftLayer_Ticket_UpdateArray\">\
                 <item xsi:type=\"ns1:SoftLayer_Ticket_Update\"><entry xsi:type=\"xsd:string\">e</entry></item>\
                 </updates></item></getTicketsReturn></ns1:getTicketsResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
            )
        );
    }

    /// Members follow the WSDL's sequence, inherited ones first.
    #[test]
    fn members_in_sequence_order() {
        let layout = wsdl::layout("SoftLayer_Ticket").unwrap();
        let names = ["updates", "title", "id", "statusId", "createDate"];
        let value = object(&names.map(|n| {
            (
                n,
                if n == "updates" {
                    Value::Array(vec![])
                } else {
                    Value::Int(1)
                },
            )
        }));
        let text = reply("getObject", "SoftLayer_Ticket", value, None);
        let mut positions: Vec<(usize, usize)> = names
            .iter()
            .map(|n| {
                (
                    text.find(&format!("<{n} ")).unwrap(),
                    layout.elements[n].position,
                )
            })
            .collect();
        positions.sort();
        assert!(positions.windows(2).all(|w| w[0].1 < w[1].1), "{text}");
    }

    /// An object read from the store, of type `type_name`.
    fn typed(type_name: &'static str, members: &[(&str, Value)]) -> Value {
        let mut s = Struct::of_type(type_name, members.len());
        s.extend(members.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Value::Struct(s)
    }

    /// A relation typed by an abstract type is written as the object's own type, whatever
    /// members the mask left it: an employee and a customer with only an id differ.
    #[test]
    fn objects_carry_their_own_type() {
        for own in ["SoftLayer_User_Customer", "SoftLayer_User_Employee"] {
            let text = reply(
                "getObject",
                "SoftLayer_Ticket",
                object(&[("lastEditor", typed(own, &[("id", Value::Int(1))]))]),
                None,
            );
            assert!(
                text.contains(&format!("<lastEditor xsi:type=\"ns1:{own}\">")),
                "{text}"
            );
        }
        // Without a type of its own, an object is what its place declares.
        let text = reply(
            "getObject",
            "SoftLayer_Ticket",
            object(&[(
                "lastEditor",
                object(&[("id", Value::Int(1)), ("username", Value::from("demo"))]),
            )]),
            None,
        );
        assert!(
            text.contains("<lastEditor xsi:type=\"ns1:SoftLayer_User_Interface\">"),
            "{text}"
        );
    }

    #[test]
    fn scalars_are_typed_by_the_schema_and_the_value() {
        let value = object(&[
            ("id", Value::Int(1)),
            ("createDate", Value::from("2013-08-01T14:14:04-07:00")),
            ("modifyDate", Value::from("not a date")),
            ("billableFlag", Value::Bool(true)),
            ("userEditableFlag", Value::Int(0)),
            ("priority", Value::from("high")),
            ("title", Value::from("a\r\n<b> & \u{1} \u{fffe}")),
            ("totalUpdateCount", Value::Int(3)),
            ("extra", Value::Float(1.5)),
            ("nan", Value::Float(f64::NAN)),
            ("blob", Value::Base64(b"hi".to_vec())),
        ]);
        let text = reply("getObject", "SoftLayer_Ticket", value, None);
        for expected in [
            "<id xsi:type=\"xsd:int\">1</id>",
            "<createDate xsi:type=\"xsd:dateTime\">2013-08-01T14:14:04-07:00</createDate>",
            "<modifyDate xsi:type=\"xsd:string\">not a date</modifyDate>",
            "<billableFlag xsi:type=\"xsd:boolean\">true</billableFlag>",
            "<userEditableFlag xsi:type=\"xsd:boolean\">false</userEditableFlag>",
            "<priority xsi:type=\"xsd:string\">high</priority>",
            "<title xsi:type=\"xsd:string\">a&#13;\n&lt;b&gt; &amp; \u{fffd} \u{fffd}</title>",
            "<extra xsi:type=\"xsd:double\">1.5</extra>",
            "<nan xsi:nil=\"true\"/>",
            "<blob xsi:type=\"xsd:base64Binary\">aGk=</blob>",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        // Members the WSDL does not declare come last.
        assert!(text.find("<extra").unwrap() > text.find("<totalUpdateCount").unwrap());
    }

    #[test]
    fn scalar_and_void_replies() {
        let text = reply(
            "getAttachedHardwareCount",
            "unsignedInt",
            Value::Int(2),
            None,
        );
        assert!(text.contains(
            "<ns1:getAttachedHardwareCountResponse><getAttachedHardwareCountReturn xsi:type=\"xsd:unsignedInt\">2</getAttachedHardwareCountReturn>"
        ));
        let text = reply("markAsViewed", "void", Value::Null, None);
        assert!(text.contains("<ns1:markAsViewedResponse></ns1:markAsViewedResponse>"));
        let text = reply(
            "addAttachedAdditionalEmails",
            "string[]",
            strings(&["a"]),
            Some(1),
        );
        assert!(text.contains(
            "SOAP-ENC:arrayType=\"xsd:string[1]\" xsi:type=\"ns1:stringArray\"><item xsi:type=\"xsd:string\">a</item>"
        ));
    }

    #[test]
    fn faults() {
        let text = |f: &Fault| {
            String::from_utf8(write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", f)).unwrap()
        };
        let t = text(&Fault::not_found(5));
        well_formed(&t);
        assert_eq!(
            t,
            format!(
                "{HEAD}<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SoftLayer_Exception_ObjectNotFound</faultcode>\
                 <faultstring>Unable to find object with id of '5'.</faultstring></SOAP-ENV:Fault>\
                 </SOAP-ENV:Body></SOAP-ENV:Envelope>"
            )
        );
        let t = text(&Fault::malformed("at byte 3: <oops> & more"));
        assert!(t.contains("<faultcode>SOAP-ENV:Client</faultcode>"));
        assert!(t.contains("&lt;oops&gt; &amp; more</faultstring>"));
        let t = text(&Fault::MethodNotFound {
            service: "SoftLayer_Ticket".into(),
            method: "nope".into(),
        });
        assert!(t.contains("<faultcode>SoftLayer_Exception_Public</faultcode>"));
        assert!(t.contains("Function (\"nope\") is not a valid method for this service."));
        let t = text(&Fault::MalformedInitParameter);
        assert!(t.contains("<faultcode>SoftLayer_Exception_WebService_BadRequest</faultcode>"));
        assert!(t.contains("The SoftLayer_TicketInitParameters header names no object"));
        let t = text(&Fault::invalid_value("x"));
        assert!(t.contains("<faultcode>SoftLayer_Exception_InvalidValue</faultcode>"));
        // An envelope of another SOAP version (SOAP 1.1, 4.4.1).
        let v12 = envelope("", "<ns1:getObject/>").replace(
            "http://schemas.xmlsoap.org/soap/envelope/",
            "http://www.w3.org/2003/05/soap-envelope",
        );
        let t = text(&parse_call("SoftLayer_Ticket", v12.as_bytes()).unwrap_err());
        assert!(
            t.contains("<faultcode>SOAP-ENV:VersionMismatch</faultcode>"),
            "{t}"
        );
        assert!(
            t.contains("<faultstring>Wrong Version: a SOAP 1.2 envelope"),
            "{t}"
        );
    }

    /// SOAP::Lite (Perl) types every string holding a character past ASCII
    /// `xsd:base64Binary`: where the schema declares a string, the value is the text.
    #[test]
    fn base64_typed_strings_are_their_text() {
        let call = ticket(
            "",
            "<ns1:addUpdate><templateObject>\
             <entry xsi:type=\"xsd:base64Binary\">Z3LDvMOfZQ==</entry></templateObject>\
             </ns1:addUpdate>",
        );
        assert_eq!(call.args[0].get("entry"), Some(&Value::from("grüße")));
        // The SOAP encoding's own base64 type, wrapped as MIME encoders wrap it.
        let call = ticket(
            "",
            "<ns1:addUpdate><templateObject>\
             <entry xsi:type=\"SOAP-ENC:base64\">Z3LD\nvMOfZQ</entry></templateObject>\
             </ns1:addUpdate>",
        );
        assert_eq!(call.args[0].get("entry"), Some(&Value::from("grüße")));
        // Bytes that are not UTF-8 stay bytes, for the argument check to refuse.
        let call = ticket(
            "",
            "<ns1:addUpdate><templateObject>\
             <entry xsi:type=\"xsd:base64Binary\">Y2Fm6Q==</entry></templateObject>\
             </ns1:addUpdate>",
        );
        assert_eq!(
            call.args[0].get("entry"),
            Some(&Value::Base64(b"caf\xe9".to_vec()))
        );
        // Not base64 at all: named.
        let bad = envelope(
            "",
            "<ns1:addUpdate><templateObject>\
             <entry xsi:type=\"xsd:base64Binary\">@@@</entry></templateObject>\
             </ns1:addUpdate>",
        );
        let fault = parse_call("SoftLayer_Ticket", bad.as_bytes()).unwrap_err();
        assert!(
            fault.message().contains("Invalid value for 'entry'"),
            "{fault:?}"
        );
    }

    /// An `xsi:type` names a simple type only where its prefix is bound to XML Schema's
    /// or the SOAP encoding's namespace, as PHP's SoapServer resolves it: a client's own
    /// `base64Binary`, an undeclared prefix, or no prefix without a default namespace
    /// leave the text as written.
    #[test]
    fn xsi_type_prefixes_are_resolved() {
        let entry = |attributes: &str| {
            let call = ticket(
                "",
                &format!(
                    "<ns1:addUpdate><templateObject><entry {attributes}>Z3LDvMOfZQ==</entry>\
                     </templateObject></ns1:addUpdate>"
                ),
            );
            call.args[0].get("entry").cloned()
        };
        let text = Some(Value::from("grüße"));
        let as_written = Some(Value::from("Z3LDvMOfZQ=="));
        for (attributes, expected) in [
            ("xsi:type=\"xsd:base64Binary\"", &text),
            (
                "xmlns:x=\"http://www.w3.org/1999/XMLSchema\" xsi:type=\"x:base64Binary\"",
                &text,
            ),
            ("xsi:type=\"SOAP-ENC:base64\"", &text),
            (
                "xmlns=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"base64Binary\"",
                &text,
            ),
            (
                "xmlns:b=\"urn:bogus\" xsi:type=\"b:base64Binary\"",
                &as_written,
            ),
            ("xsi:type=\"undeclared:base64Binary\"", &as_written),
            ("xsi:type=\"base64Binary\"", &as_written),
        ] {
            assert_eq!(&entry(attributes), expected, "{attributes}");
        }
        // A prefix bound again inside is resolved where the element is.
        let call = ticket(
            "",
            "<ns1:addUpdate xmlns:t=\"http://www.w3.org/2001/XMLSchema\"><templateObject \
             xmlns:t=\"urn:bogus\"><entry xsi:type=\"t:base64Binary\">Z3LDvMOfZQ==</entry>\
             </templateObject></ns1:addUpdate>",
        );
        assert_eq!(call.args[0].get("entry"), as_written.as_ref());
    }

    /// The journal reads a reply back from its body: objects of their own types, arrays,
    /// nil, and scalars by their `xsi:type` come back as they were written; a fault
    /// gives nothing.
    #[test]
    fn replies_read_back_as_written() {
        let editor = typed(
            "SoftLayer_User_Employee",
            &[
                ("id", Value::Int(301)),
                ("displayName", Value::from("Jordan D.")),
            ],
        );
        let update = typed(
            "SoftLayer_Ticket_Update_Employee",
            &[
                ("entry", Value::from("a <b> & \"c\" \t\n\r ünïcode")),
                (
                    "createDate",
                    Value::DateTime("2026-11-30T14:05:09-06:00".into()),
                ),
                ("editor", editor),
            ],
        );
        let ticket = typed(
            "SoftLayer_Ticket",
            &[
                ("id", Value::Int(160000001)),
                ("title", Value::from("")),
                ("assignedUserId", Value::Null),
                ("billableFlag", Value::Bool(true)),
                ("updates", Value::Array(vec![update])),
                ("attachedHardware", Value::Array(vec![])),
                ("notDeclared", Value::Float(0.25)),
                ("file", Value::Base64(vec![0, 1, 250])),
            ],
        );
        let body = reply("getObject", "SoftLayer_Ticket", ticket.clone(), None);
        let read = reply_value(body.as_bytes()).expect(&body);
        let json = |v: &Value| serde_json::from_slice::<serde_json::Value>(&v.to_json()).unwrap();
        assert_eq!(json(&read), json(&ticket), "{body}");

        let list = Value::Array(vec![Value::Int(1), Value::Int(2)]);
        let body = reply("getIds", "int[]", list.clone(), Some(2));
        assert_eq!(
            reply_value(body.as_bytes()).map(|v| json(&v)),
            Some(json(&list))
        );
        let body = reply("deleteThing", "void", Value::Null, None);
        assert_eq!(
            reply_value(body.as_bytes()).map(|v| json(&v)),
            Some(serde_json::Value::Null)
        );
        let body = reply("getFlag", "boolean", Value::Bool(false), None);
        assert_eq!(
            reply_value(body.as_bytes()).map(|v| json(&v)),
            Some(serde_json::json!(false))
        );

        let fault = write_fault(ApiVersion::V3_1, "SoftLayer_Ticket", &Fault::not_found(5));
        assert!(reply_value(&fault).is_none());
        assert!(reply_value(b"<not-soap/>").is_none());
    }
}
