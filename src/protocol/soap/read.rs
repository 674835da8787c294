//! Reading a SOAP request: the envelope, its headers and the `href` graph of its values,
//! each header and argument typed by its WSDL declaration.

use super::{
    NO_BODY, NO_FUNCTION_CALL, NOT_A_SOAP_11_ENVELOPE, NOT_UNDERSTOOD, SOAP_12_ENVELOPE, split_many,
};
use crate::call::{Call, CallHeader, CallHeaders, Fault, HeaderMember, HeaderMemberKind};
use crate::protocol::MAX_VALUES;
use crate::protocol::wsdl::{SOAP_ENC, SOAP_ENV, XSD, xsd_type};
use crate::protocol::xml::{
    Element, JSON_AT_XML_ENDPOINT, is_blank, read_tree, starts_as_json, truncate,
};
use crate::schema::types::{Scalar as ScalarKind, TypeRef};
use crate::schema::{PropertyKind, schema};
use crate::value::{PhpTrim, Struct, Value};
use std::collections::{HashMap, HashSet};

/// Deepest `href` expansion (the tree itself is bounded by [`crate::protocol::xml::MAX_DEPTH`]).
const MAX_DEPTH: usize = crate::protocol::xml::MAX_DEPTH;
// The most values a request may expand to (shared `href` targets count each time).

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
    // Read as PHP's SoapServer, behind the real API, reads a SOAP 1.1 envelope
    // (ext/soap/soap.c): its first element may be the Header, the next must be the Body,
    // else "Body must be present in a SOAP envelope" (a SOAP 1.2 or unqualified Body, an
    // element before it); whatever follows the Body is passed over (SOAP 1.1 §4 lets
    // qualified elements follow it; PHP takes a second Body or a Header there too). They
    // were refused, as "unexpected element <Body> in the Envelope".
    let in_envelope =
        |e: &&Element, name: &str| e.ns.as_deref() == Some(SOAP_ENV) && e.local == name;
    let mut elements = root.children.iter().peekable();
    let header = elements.next_if(|e| in_envelope(e, "Header"));
    let body = elements.next_if(|e| in_envelope(e, "Body"));
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
                    Ok(text) => match crate::protocol::xml::forbidden_character(&text) {
                        Some((_, c)) => Err(Fault::invalid_value(format!(
                            "Invalid value for '{}': U+{:04X} is {}",
                            self.name_of(node),
                            u32::from(c),
                            crate::protocol::xml::NOT_CARRIED
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
pub(super) fn scalar(type_name: &str, text: &str) -> Result<Value, Fault> {
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
            let t = text.php_trim();
            let false_ = t.eq_ignore_ascii_case("f") || t.eq_ignore_ascii_case("false") || t == "0";
            return Ok(Value::Bool(!false_));
        }
        TypeRef::Scalar(ScalarKind::Int | ScalarKind::Float) => "",
        _ => return Ok(value),
    };
    Err(malformed(format!(
        "bad {type_name} {:?} in <{}>{why}",
        crate::protocol::xml::quoted_text(text),
        truncate(name)
    )))
}
