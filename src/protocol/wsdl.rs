//! WSDL 1.1 documents for the SOAP transport, generated from the schema.
//!
//! One document per served service and API version, in the shape of the real API's:
//! rpc/encoded operations (one per method that dispatches here), message parts named as the
//! SLDN method pages name the parameters, SOAP-ENC arrays named `{Type}Array`, and literal
//! SOAP headers (`authenticate`, `{Service}InitParameters`, `SoftLayer_ObjectMask`,
//! `{Service}ObjectMask`, `{Service}ObjectFilter`, `resultLimit`, and `totalItems` on list
//! results). Everything comes from [`crate::schema::schema`] and
//! [`crate::services::is_dispatched`], so a method or service added there appears here with
//! no list to update; the generated files in `wsdl/` are checked against the schema by the
//! `committed_wsdl_matches_the_schema` test.
//!
//! Each document is complete, so strict stacks (zeep resolves every reference) load it
//! with nothing but this server:
//!
//! - every complex type reachable from the operations is declared: parameter and return
//!   types, the types their properties reach, their base types (as `complexContent`
//!   extensions, so an `xsi:type` naming a subtype is valid where the base is declared) and
//!   their subtypes (the reply names the concrete type of a polymorphic relation);
//! - properties whose type the schema does not describe are left out: no handler can
//!   return one (the store holds only schema types), and a declaration without properties
//!   would be a guess;
//! - a parameter or return type the schema does not describe gets an empty complex type;
//! - the SOAP-ENC declarations the arrays use are imported from `soap-encoding.xsd`
//!   beside the WSDL (see [`encoding_schema`]): zeep would otherwise fetch the encoding
//!   schema from the Internet on every load, and fail where there is none;
//! - `{Service}ObjectFilter` is a typed tree, `{Type}ObjectFilter` for the types the
//!   service type reaches through relational properties, each local and count property an
//!   operation (`operation`, `options[name, value]`), so softlayer-python's
//!   `ObjectFilterType(**filter)` and PHP's nested objects serialise into it.

use crate::call::{CallHeader, HeaderMemberKind};
use crate::protocol::ApiVersion;
use crate::schema::{MethodDef, PropertyDef, PropertyKind, schema};
use crate::value::Struct;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The type model's maps: looked up for every object and member a SOAP reply writes, so
/// hashed with foldhash rather than SipHash (2.5% of an uncached SOAP getObject). Their
/// keys are the schema's names, never a client's.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

pub(crate) const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub(crate) const SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
pub(crate) const XSD: &str = "http://www.w3.org/2001/XMLSchema";
pub(crate) const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The operation filter leaf and its option, shared by every `…ObjectFilter` type.
pub(crate) const FILTER_OPERATION: &str = "SoftLayer_ObjectFilter_Operation";
pub(crate) const FILTER_OPTION: &str = "SoftLayer_ObjectFilter_Option";

/// The SOAP-ENC declarations the WSDLs import, by a location relative to the WSDL
/// (`/soap/{version}/soap-encoding.xsd` on the server, a sibling file under `wsdl/`).
pub const ENCODING_SCHEMA_FILE: &str = "soap-encoding.xsd";

/// The part of the SOAP 1.1 encoding schema the WSDLs use: `Array` and the `arrayType`
/// attribute. Served by this server so that no client has to fetch the real one from
/// the Internet (zeep would, on every load).
///
/// `Array` holds its items through a group, as in the real schema
/// (`http://schemas.xmlsoap.org/soap/encoding/`): zeep types an array parameter only
/// then (`stringArray(['a@example.com'])`); with a plain sequence of `any` it refused
/// its own typed arrays and sent a Python list as an empty array, with no error
/// (`updateAttachedAdditionalEmails` then removed every email). The group lives in a
/// schema of its own namespace ([`encoding_group_schema`]): zeep fetches the real
/// encoding schema from the Internet whenever a document names something in that
/// namespace without importing it, and a schema cannot import its own namespace.
pub fn encoding_schema() -> &'static str {
    concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!-- The SOAP 1.1 encoding declarations that the WSDLs of softlayer-ticket-server use. -->\n",
        "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" ",
        "xmlns:group=\"urn:softlayer-ticket-server:soap-encoding\" ",
        "targetNamespace=\"http://schemas.xmlsoap.org/soap/encoding/\">\n",
        "  <xsd:import namespace=\"urn:softlayer-ticket-server:soap-encoding\" ",
        "schemaLocation=\"soap-encoding-group.xsd\"/>\n",
        "  <xsd:attribute name=\"arrayType\" type=\"xsd:string\"/>\n",
        "  <xsd:attribute name=\"offset\" type=\"xsd:string\"/>\n",
        "  <xsd:complexType name=\"Array\">\n",
        "    <xsd:group ref=\"group:Array\" minOccurs=\"0\"/>\n",
        "    <xsd:anyAttribute namespace=\"##any\" processContents=\"lax\"/>\n",
        "  </xsd:complexType>\n",
        "  <xsd:complexType name=\"Struct\">\n",
        "    <xsd:sequence>\n",
        "      <xsd:any namespace=\"##any\" processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n",
        "    </xsd:sequence>\n",
        "    <xsd:anyAttribute namespace=\"##any\" processContents=\"lax\"/>\n",
        "  </xsd:complexType>\n",
        "</xsd:schema>\n",
    )
}

/// The file [`encoding_schema`] imports its `Array` group from, beside it.
pub const ENCODING_GROUP_SCHEMA_FILE: &str = "soap-encoding-group.xsd";

/// The items of a SOAP-ENC array, as the real encoding schema's `Array` group holds them.
pub fn encoding_group_schema() -> &'static str {
    concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!-- The items of a SOAP 1.1 encoded array (soap-encoding.xsd imports them). -->\n",
        "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" ",
        "targetNamespace=\"urn:softlayer-ticket-server:soap-encoding\">\n",
        "  <xsd:group name=\"Array\">\n",
        "    <xsd:sequence>\n",
        "      <xsd:any namespace=\"##any\" processContents=\"lax\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n",
        "    </xsd:sequence>\n",
        "  </xsd:group>\n",
        "</xsd:schema>\n",
    )
}

/// The address written into the files under `wsdl/`.
pub const PLACEHOLDER_BASE: &str = "http://127.0.0.1:8080";

/// The command that rewrites `wsdl/`.
#[cfg(test)]
pub const REGENERATE_COMMAND: &str = "softlayer-ticket-server wsdl --out wsdl";

/// The target namespace of a version's WSDL and of its SOAP messages.
pub(crate) fn namespace(version: ApiVersion) -> &'static str {
    match version {
        ApiVersion::V3 => "http://api.service.softlayer.com/soap/v3/",
        ApiVersion::V3_1 => "http://api.service.softlayer.com/soap/v3.1/",
    }
}

/// The XML Schema built-in for a scalar type name of the schema; `None` for complex types
/// and `void`.
pub(crate) fn xsd_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "int" => "int",
        "integer" => "integer",
        "long" => "long",
        "short" => "short",
        "byte" => "byte",
        "unsignedInt" => "unsignedInt",
        "unsignedLong" => "unsignedLong",
        "unsignedShort" => "unsignedShort",
        "unsignedByte" => "unsignedByte",
        "nonNegativeInteger" => "nonNegativeInteger",
        "positiveInteger" => "positiveInteger",
        "negativeInteger" => "negativeInteger",
        "nonPositiveInteger" => "nonPositiveInteger",
        "string" => "string",
        "boolean" => "boolean",
        "dateTime" => "dateTime",
        "date" => "date",
        "time" => "time",
        "decimal" => "decimal",
        "float" => "float",
        "double" => "double",
        "base64Binary" => "base64Binary",
        "hexBinary" => "hexBinary",
        "anyURI" => "anyURI",
        "anyType" => "anyType",
        _ => return None,
    })
}

/// Whether a property appears in the WSDL: its type is a built-in or a schema type.
fn declared(p: &PropertyDef) -> bool {
    xsd_type(&p.type_name).is_some() || schema().type_def(&p.type_name).is_some()
}

/// The services that get a WSDL: those of the schema with at least one method that
/// dispatches, in schema order.
pub fn served_services() -> Vec<&'static str> {
    schema()
        .services
        .iter()
        .filter(|(name, service)| {
            service
                .methods
                .keys()
                .any(|m| crate::services::is_dispatched(name, m))
        })
        .map(|(name, _)| name.as_str())
        .collect()
}

/// The operations of a served service: its dispatched methods, in schema order.
fn operations(service: &str) -> Vec<(&'static str, &'static MethodDef)> {
    let Some(def) = schema().services.get(service) else {
        return Vec::new();
    };
    def.methods
        .iter()
        .filter(|(m, _)| crate::services::is_dispatched(service, m))
        .map(|(m, d)| (m.as_str(), d))
        .collect()
}

// ---------------------------------------------------------------------------------------
// The type model shared with the SOAP codec

/// How a schema type is laid out in the WSDL: its base, its own elements, and every
/// element (inherited ones first) with its place in the `xsd:sequence`.
pub(crate) struct Layout {
    pub parent: Option<&'static str>,
    pub own: Vec<&'static PropertyDef>,
    /// Found once per member a SOAP reply writes: the place and the declaration together.
    pub elements: HashMap<&'static str, Element>,
    /// The type's ancestors in the WSDL, nearest first.
    pub ancestors: Vec<&'static str>,
}

/// An element of a type's `xsd:sequence`.
#[derive(Clone, Copy)]
pub(crate) struct Element {
    pub position: usize,
    /// The type's own view of the property (a subtype may redeclare an inherited one).
    pub property: &'static PropertyDef,
    /// What its value is declared as, worked out once.
    pub declared: Declared<'static>,
}

impl Element {
    fn new(position: usize, property: &'static PropertyDef) -> Element {
        let declared = match property.many {
            true => Declared::Many(&property.type_name),
            false => declared_as(&property.type_name),
        };
        Element {
            position,
            property,
            declared,
        }
    }
}

/// What the WSDL declares for a value: anything (`anyType`), a scalar type, a complex
/// type, or an array of a type.
#[derive(Clone, Copy)]
pub(crate) enum Declared<'a> {
    Any,
    Scalar(&'static str),
    Complex(&'a str),
    Many(&'a str),
}

/// What a value of the schema's type `name` is declared as.
pub(crate) fn declared_as(name: &str) -> Declared<'_> {
    match xsd_type(name) {
        Some("anyType") => Declared::Any,
        Some(x) => Declared::Scalar(x),
        None if name.is_empty() => Declared::Any,
        None => Declared::Complex(name),
    }
}

fn layouts() -> &'static HashMap<&'static str, Layout> {
    static LAYOUTS: OnceLock<HashMap<&'static str, Layout>> = OnceLock::new();
    LAYOUTS.get_or_init(|| {
        let mut out = HashMap::default();
        for name in schema().types.keys() {
            build_layout(name, &mut out, 0);
        }
        out
    })
}

fn build_layout(name: &'static str, out: &mut HashMap<&'static str, Layout>, depth: usize) {
    if out.contains_key(name) {
        return;
    }
    let Some(t) = schema().type_def(name) else {
        return;
    };
    let parent = t
        .parent
        .as_deref()
        .filter(|p| *p != name && depth < 32 && schema().type_def(p).is_some());
    let mut elements: HashMap<&'static str, Element> = HashMap::default();
    let mut ancestors = Vec::new();
    if let Some(p) = parent {
        build_layout(p, out, depth + 1);
        if let Some(base) = out.get(p) {
            elements = base
                .elements
                .iter()
                .map(|(&k, e)| {
                    (
                        k,
                        Element::new(e.position, t.property(k).unwrap_or(e.property)),
                    )
                })
                .collect();
            ancestors.push(p);
            ancestors.extend(base.ancestors.iter().copied());
        }
    }
    let own: Vec<&'static PropertyDef> = t
        .properties
        .values()
        .filter(|p| declared(p) && !elements.contains_key(p.name.as_str()))
        .collect();
    for &property in &own {
        let position = elements.len();
        elements.insert(property.name.as_str(), Element::new(position, property));
    }
    out.insert(
        name,
        Layout {
            parent: parent.filter(|p| out.contains_key(p)),
            own,
            elements,
            ancestors,
        },
    );
}

pub(crate) fn layout(name: &str) -> Option<&'static Layout> {
    layouts().get(name)
}

/// Direct subtypes of each schema type, sorted by name.
fn subtypes() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static SUBTYPES: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    SUBTYPES.get_or_init(|| {
        let mut out: HashMap<&'static str, Vec<&'static str>> = HashMap::default();
        for (name, layout) in layouts() {
            if let Some(parent) = layout.parent {
                out.entry(parent).or_default().push(name);
            }
        }
        for children in out.values_mut() {
            children.sort_unstable();
        }
        out
    })
}

/// Every subtype of `name`, nearest first.
fn descendants(name: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut queue: Vec<&'static str> = subtypes().get(name).cloned().unwrap_or_default();
    let mut i = 0;
    while i < queue.len() {
        let t = queue[i];
        i += 1;
        if out.contains(&t) {
            continue;
        }
        out.push(t);
        if let Some(more) = subtypes().get(t) {
            queue.extend(more.iter().copied());
        }
    }
    out
}

/// The type an object is written as where `declared` is expected: its own type (carried
/// from the store through projection, [`Struct::type_name`]) when that is `declared` or
/// one of its subtypes declared in the WSDL, otherwise `declared`. A relation typed
/// `SoftLayer_User_Interface` holds a `SoftLayer_User_Customer` or a
/// `SoftLayer_User_Employee`, and the members a mask selected (`editor[id]`) cannot tell
/// which: only the object knows.
///
/// The type's layout comes with it: a SOAP reply needs both for every object it writes.
pub(crate) fn written_layout<'a>(
    declared: &'a str,
    members: &Struct,
) -> (&'a str, Option<&'static Layout>) {
    if let Some(own) = members.type_name().filter(|own| *own != declared)
        && let Some(l) = layout(own)
        && l.ancestors.contains(&declared)
    {
        return (own, Some(l));
    }
    (declared, layout(declared))
}

// ---------------------------------------------------------------------------------------
// Documents

/// The WSDL for a service, with `soap:address` = `address` and the encoding schema's
/// location beside it (absolute, so that a copy saved elsewhere, as SLDN's SOAP article
/// recommends, still loads); `None` for services this server does not serve.
pub fn document(service: &str, version: ApiVersion, address: &str) -> Option<String> {
    let folder = address
        .rsplit_once('/')
        .map_or(address, |(folder, _)| folder);
    document_with(
        service,
        version,
        address,
        &format!("{folder}/{ENCODING_SCHEMA_FILE}"),
    )
}

/// Whether a SOAP path names what the endpoint has a document for: a served service's
/// WSDL, or one of the encoding schemas the WSDL imports.
pub fn serves(name: &str) -> bool {
    name == ENCODING_SCHEMA_FILE
        || name == ENCODING_GROUP_SCHEMA_FILE
        || cached(name, ApiVersion::V3_1).is_some()
}

/// [`document`] with the encoding schema at `schema_location`.
fn document_with(
    service: &str,
    version: ApiVersion,
    address: &str,
    schema_location: &str,
) -> Option<String> {
    let [head, middle, tail] = cached(service, version)?;
    let mut out = String::with_capacity(
        head.len() + middle.len() + tail.len() + address.len() + schema_location.len() + 16,
    );
    out.push_str(head);
    escape_into(&mut out, schema_location);
    out.push_str(middle);
    escape_into(&mut out, address);
    out.push_str(tail);
    Some(out)
}

/// A generated document split around its encoding schema's location and its address
/// (in that order in the document), built once per service and version.
fn cached(service: &str, version: ApiVersion) -> Option<[&'static str; 3]> {
    static CACHE: OnceLock<HashMap<(String, &'static str), [String; 3]>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        let mut out = HashMap::default();
        for s in served_services() {
            for v in [ApiVersion::V3, ApiVersion::V3_1] {
                let doc = generate(s, v, SCHEMA_MARK, ADDRESS_MARK);
                if let Some((head, rest)) = doc.split_once(SCHEMA_MARK)
                    && let Some((middle, tail)) = rest.split_once(ADDRESS_MARK)
                {
                    out.insert(
                        (s.to_string(), v.as_str()),
                        [head.into(), middle.into(), tail.into()],
                    );
                }
            }
        }
        out
    });
    cache
        .get(&(service.to_string(), version.as_str()))
        .map(|[h, m, t]| [h.as_str(), m.as_str(), t.as_str()])
}

/// Stands for the address while a document is cached; no schema name contains it.
const ADDRESS_MARK: &str = "\u{1}ADDRESS\u{1}";
/// Stands for the encoding schema's location likewise.
const SCHEMA_MARK: &str = "\u{1}SCHEMA\u{1}";

/// Writes `{dir}/{version}/{Service}.wsdl` for every served service and both versions,
/// with the address `http://127.0.0.1:8080/soap/{version}/{Service}`, and the
/// `soap-encoding.xsd` they import beside them; returns the files written. Other `.wsdl`
/// files in those folders (services no longer served) are removed.
pub fn generate_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for version in [ApiVersion::V3, ApiVersion::V3_1] {
        let sub = dir.join(version.as_str());
        std::fs::create_dir_all(&sub)?;
        // WSDLs of services no longer served go.
        for entry in std::fs::read_dir(&sub)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "wsdl") {
                std::fs::remove_file(&path)?;
            }
        }
        for (file, text) in [
            (ENCODING_SCHEMA_FILE, encoding_schema()),
            (ENCODING_GROUP_SCHEMA_FILE, encoding_group_schema()),
        ] {
            let path = sub.join(file);
            std::fs::write(&path, text)?;
            written.push(path);
        }
        for service in served_services() {
            let address = format!("{PLACEHOLDER_BASE}/soap/{}/{service}", version.as_str());
            // Beside the files: they are read from a checkout, with or without a server.
            let text =
                document_with(service, version, &address, ENCODING_SCHEMA_FILE).unwrap_or_default();
            let path = sub.join(format!("{service}.wsdl"));
            std::fs::write(&path, text)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// A type reference as the WSDL writes it.
fn qname(type_name: &str, many: bool) -> String {
    match (xsd_type(type_name), many) {
        (Some(x), false) => format!("xsd:{x}"),
        (Some(x), true) => format!("tns:{x}Array"),
        (None, false) => format!("tns:{type_name}"),
        (None, true) => format!("tns:{type_name}Array"),
    }
}

fn split_many(type_name: &str) -> (&str, bool) {
    match type_name.strip_suffix("[]") {
        Some(base) => (base, true),
        None => (type_name, false),
    }
}

/// What one service's document declares.
#[derive(Default)]
struct Plan {
    /// Schema types.
    complex: BTreeSet<&'static str>,
    /// Types operations use that the schema does not describe.
    empty: BTreeSet<String>,
    /// Item types of `{Type}Array`s, by array name.
    arrays: BTreeMap<String, String>,
    /// Types that get a `{Type}ObjectFilter`.
    filters: BTreeSet<&'static str>,
}

impl Plan {
    fn new(service: &str, ops: &[(&'static str, &'static MethodDef)]) -> Plan {
        let mut plan = Plan::default();
        let mut queue: Vec<String> = vec![service.to_string()];
        let use_type = |plan: &mut Plan, queue: &mut Vec<String>, t: &str| {
            let (base, many) = split_many(t);
            if base == "void" {
                return;
            }
            if many {
                plan.add_array(base);
            }
            queue.push(base.to_string());
        };
        for (_, m) in ops {
            for p in &m.parameters {
                use_type(&mut plan, &mut queue, &p.type_name);
            }
            use_type(&mut plan, &mut queue, &m.returns);
        }
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(name) = queue.pop() {
            if !seen.insert(name.clone()) || xsd_type(&name).is_some() {
                continue;
            }
            let Some((key, _)) = schema().types.get_key_value(name.as_str()) else {
                plan.empty.insert(name);
                continue;
            };
            let key: &'static str = key.as_str();
            plan.complex.insert(key);
            let Some(l) = layout(key) else { continue };
            if let Some(p) = l.parent {
                queue.push(p.to_string());
            }
            queue.extend(descendants(key).into_iter().map(str::to_string));
            for p in &l.own {
                if p.many {
                    plan.add_array(&p.type_name);
                }
                queue.push(p.type_name.clone());
            }
        }
        // Filters follow relational properties from the service's type.
        let mut queue: Vec<&'static str> = schema()
            .types
            .get_key_value(service)
            .map(|(k, _)| vec![k.as_str()])
            .unwrap_or_default();
        while let Some(t) = queue.pop() {
            if !plan.filters.insert(t) {
                continue;
            }
            for p in filter_properties(t) {
                if p.kind == PropertyKind::Relational
                    && let Some((k, _)) = schema().types.get_key_value(p.type_name.as_str())
                {
                    queue.push(k.as_str());
                }
            }
        }
        plan
    }

    fn add_array(&mut self, item: &str) {
        let name = match xsd_type(item) {
            Some(x) => format!("{x}Array"),
            None => format!("{item}Array"),
        };
        self.arrays.insert(name, qname(item, false));
    }
}

/// The properties of a type an object filter may name: every declared one.
pub(crate) fn filter_properties(type_name: &str) -> impl Iterator<Item = &'static PropertyDef> {
    schema()
        .type_def(type_name)
        .into_iter()
        .flat_map(|t| t.properties.values())
        .filter(|p| declared(p))
}

/// The headers an operation's input binds: those its method page lists, plus
/// `authenticate` everywhere, and result limits and filters on list results.
fn input_headers(service: &str, method: &MethodDef) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |h: String| {
        if !names.contains(&h) {
            names.push(h);
        }
    };
    add(CallHeader::Authenticate.name(service));
    for h in method
        .required_headers
        .iter()
        .chain(&method.optional_headers)
    {
        add(h.clone());
    }
    if method.returns_list() {
        add(CallHeader::ResultLimit.name(service));
        add(CallHeader::ObjectFilter.name(service));
    }
    // Only the headers this document declares (a page may name another service's).
    let known = header_names(service);
    names.retain(|h| known.contains(h));
    names
}

/// The reply header of a list's length.
const TOTAL_ITEMS: &str = "totalItems";

/// Every header element a service's document declares.
fn header_names(service: &str) -> Vec<String> {
    CallHeader::ALL
        .iter()
        .map(|h| h.name(service))
        .chain([TOTAL_ITEMS.to_string()])
        .collect()
}

/// Builds a document; `schema_location` and `address` are written as given (the cache
/// passes markers).
fn generate(service: &str, version: ApiVersion, schema_location: &str, address: &str) -> String {
    let ns = namespace(version);
    let ops = operations(service);
    let plan = Plan::new(service, &ops);
    let mut w = String::with_capacity(256 * 1024);

    w.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        w,
        "<!-- {service} (API {}): generated from schema/softlayer.json by the wsdl \
         subcommand of softlayer-ticket-server. -->",
        version.as_str()
    );
    let _ = writeln!(
        w,
        "<definitions name=\"{service}\" targetNamespace=\"{ns}\" \
         xmlns=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:tns=\"{ns}\" \
         xmlns:soap=\"http://schemas.xmlsoap.org/wsdl/soap/\" xmlns:soapenc=\"{SOAP_ENC}\" \
         xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" xmlns:xsd=\"{XSD}\">"
    );

    // Types.
    w.push_str("  <types>\n");
    let _ = writeln!(w, "    <xsd:schema targetNamespace=\"{ns}\">");
    let _ = writeln!(
        w,
        "      <xsd:import namespace=\"{SOAP_ENC}\" schemaLocation=\"{schema_location}\"/>"
    );

    for name in &plan.complex {
        let Some(l) = layout(name) else { continue };
        let _ = writeln!(w, "      <xsd:complexType name=\"{name}\">");
        let indent = match l.parent {
            Some(parent) => {
                let _ = writeln!(
                    w,
                    "        <xsd:complexContent>\n          <xsd:extension base=\"tns:{parent}\">"
                );
                "            "
            }
            None => "        ",
        };
        if l.own.is_empty() {
            let _ = writeln!(w, "{indent}<xsd:sequence/>");
        } else {
            let _ = writeln!(w, "{indent}<xsd:sequence>");
            for p in &l.own {
                let _ = writeln!(
                    w,
                    "{indent}  <xsd:element name=\"{}\" type=\"{}\" minOccurs=\"0\"/>",
                    p.name,
                    qname(&p.type_name, p.many)
                );
            }
            let _ = writeln!(w, "{indent}</xsd:sequence>");
        }
        if l.parent.is_some() {
            w.push_str("          </xsd:extension>\n        </xsd:complexContent>\n");
        }
        w.push_str("      </xsd:complexType>\n");
    }
    for name in &plan.empty {
        let _ = writeln!(
            w,
            "      <xsd:complexType name=\"{name}\">\n        <xsd:sequence/>\n      </xsd:complexType>"
        );
    }
    for (name, item) in &plan.arrays {
        let _ = writeln!(
            w,
            "      <xsd:complexType name=\"{name}\">\n\
             \x20       <xsd:complexContent>\n\
             \x20         <xsd:restriction base=\"soapenc:Array\">\n\
             \x20           <xsd:attribute ref=\"soapenc:arrayType\" wsdl:arrayType=\"{item}[]\"/>\n\
             \x20         </xsd:restriction>\n\
             \x20       </xsd:complexContent>\n\
             \x20     </xsd:complexType>"
        );
    }

    // Header types: each call header's record (an object filter's are the filter types
    // below), and the list length a reply carries.
    let record = |w: &mut String, name: &str, members: &[(&str, String, bool)]| {
        let _ = writeln!(
            w,
            "      <xsd:complexType name=\"{name}\">\n        <xsd:sequence>"
        );
        for (member, ty, required) in members {
            let min_occurs = if *required { "" } else { " minOccurs=\"0\"" };
            let _ = writeln!(
                w,
                "          <xsd:element name=\"{member}\" type=\"{ty}\"{min_occurs}/>"
            );
        }
        w.push_str("        </xsd:sequence>\n      </xsd:complexType>\n");
    };
    for header in CallHeader::ALL {
        if header == CallHeader::ObjectFilter {
            continue;
        }
        let members: Vec<(&str, String, bool)> = header
            .members()
            .iter()
            .map(|m| {
                let ty = match m.kind {
                    HeaderMemberKind::Text => "xsd:string".to_string(),
                    HeaderMemberKind::Int => "xsd:int".to_string(),
                    // The service's own mask header is typed by the service's type
                    // (the legacy tree); `SoftLayer_ObjectMask` carries text.
                    HeaderMemberKind::Mask if header == CallHeader::ServiceObjectMask => {
                        format!("tns:{service}")
                    }
                    HeaderMemberKind::Mask => "xsd:string".to_string(),
                };
                (m.name, ty, m.required)
            })
            .collect();
        record(&mut w, &header.name(service), &members);
    }
    record(
        &mut w,
        TOTAL_ITEMS,
        &[("amount", "xsd:int".to_string(), true)],
    );

    // Object filters.
    let _ = writeln!(
        w,
        "      <xsd:complexType name=\"{FILTER_OPERATION}\">\n\
         \x20       <xsd:sequence>\n\
         \x20         <xsd:element name=\"operation\" type=\"xsd:anyType\" minOccurs=\"0\"/>\n\
         \x20         <xsd:element name=\"options\" type=\"tns:{FILTER_OPTION}\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n\
         \x20       </xsd:sequence>\n\
         \x20     </xsd:complexType>\n\
         \x20     <xsd:complexType name=\"{FILTER_OPTION}\">\n\
         \x20       <xsd:sequence>\n\
         \x20         <xsd:element name=\"name\" type=\"xsd:string\" minOccurs=\"0\"/>\n\
         \x20         <xsd:element name=\"value\" type=\"xsd:anyType\" minOccurs=\"0\" maxOccurs=\"unbounded\"/>\n\
         \x20       </xsd:sequence>\n\
         \x20     </xsd:complexType>"
    );
    if !plan.filters.contains(service) {
        // A service whose type the schema does not describe filters nothing.
        let _ = writeln!(
            w,
            "      <xsd:complexType name=\"{service}ObjectFilter\">\n        <xsd:sequence/>\n      </xsd:complexType>"
        );
    }
    for t in &plan.filters {
        let _ = writeln!(
            w,
            "      <xsd:complexType name=\"{t}ObjectFilter\">\n        <xsd:sequence>"
        );
        for p in filter_properties(t) {
            let ty = match p.kind {
                PropertyKind::Relational if schema().type_def(&p.type_name).is_some() => {
                    format!("tns:{}ObjectFilter", p.type_name)
                }
                _ => format!("tns:{FILTER_OPERATION}"),
            };
            let _ = writeln!(
                w,
                "          <xsd:element name=\"{}\" type=\"{ty}\" minOccurs=\"0\"/>",
                p.name
            );
        }
        w.push_str("        </xsd:sequence>\n      </xsd:complexType>\n");
    }
    for h in header_names(service) {
        let _ = writeln!(w, "      <xsd:element name=\"{h}\" type=\"tns:{h}\"/>");
    }
    w.push_str("    </xsd:schema>\n  </types>\n");

    // Messages.
    for h in header_names(service) {
        let _ = writeln!(
            w,
            "  <message name=\"{h}Header\">\n    <part name=\"{h}\" type=\"tns:{h}\"/>\n  </message>"
        );
    }
    for (name, m) in &ops {
        let _ = writeln!(w, "  <message name=\"{service}.{name}Request\">");
        for p in &m.parameters {
            let (base, many) = split_many(&p.type_name);
            let _ = writeln!(
                w,
                "    <part name=\"{}\" type=\"{}\"/>",
                p.name,
                qname(base, many)
            );
        }
        w.push_str("  </message>\n");
        let (base, many) = split_many(&m.returns);
        if base == "void" {
            let _ = writeln!(w, "  <message name=\"{service}.{name}Response\"/>");
        } else {
            let _ = writeln!(
                w,
                "  <message name=\"{service}.{name}Response\">\n    <part name=\"{name}Return\" type=\"{}\"/>\n  </message>",
                qname(base, many)
            );
        }
    }

    // Port type.
    let _ = writeln!(w, "  <portType name=\"{service}PortType\">");
    for (name, _) in &ops {
        let _ = writeln!(
            w,
            "    <operation name=\"{name}\">\n\
             \x20     <input message=\"tns:{service}.{name}Request\"/>\n\
             \x20     <output message=\"tns:{service}.{name}Response\"/>\n\
             \x20   </operation>"
        );
    }
    w.push_str("  </portType>\n");

    // Binding. Headers are encoded as the body is: Microsoft's WSDL importer (wsdl.exe,
    // Visual Studio's web references, PowerShell's New-WebServiceProxy) refuses a header
    // whose `use` differs from its body's, and SLDN's SOAP article shows headers typed
    // (`xsi:type="v3:SoftLayer_Hardware_ServerObjectMask"`) as the encoding writes them.
    let body =
        format!("<soap:body use=\"encoded\" namespace=\"{ns}\" encodingStyle=\"{SOAP_ENC}\"/>");
    // The call headers' namespace is SLDN's `SLTypes` one, not the service's: PHP's
    // SoapClient encodes a SoapHeader by the binding's type when its namespace and name
    // match one, and softlayer-api-php-client (every version) sends its headers in the
    // service's namespace. Typed as `SoftLayer_Ticket`, its README's ObjectMask (whose
    // `__get` makes up members) crashed inside PHP before sending, and a nested stdClass
    // mask lost its sub-masks. Sent untyped, as that client's README examples were
    // written against the real API, they arrive as written; the server reads a header by
    // its local name, whatever its namespace. The reply's `totalItems` stays in the
    // service's namespace, where the real API writes it (`<ns1:totalItems>`), so that
    // PHP reads its `amount` as the int the binding says.
    let call_headers_ns = format!("{ns}SLTypes/");
    let header_binding = |h: &str, namespace: &str| {
        format!(
            "<soap:header message=\"tns:{h}Header\" part=\"{h}\" use=\"encoded\" \
             namespace=\"{namespace}\" encodingStyle=\"{SOAP_ENC}\"/>"
        )
    };
    let _ = writeln!(
        w,
        "  <binding name=\"{service}Binding\" type=\"tns:{service}PortType\">\n\
         \x20   <soap:binding style=\"rpc\" transport=\"http://schemas.xmlsoap.org/soap/http\"/>"
    );
    for (name, m) in &ops {
        let _ = writeln!(
            w,
            "    <operation name=\"{name}\">\n\
             \x20     <soap:operation soapAction=\"{ns}{service}Action\" style=\"rpc\"/>\n\
             \x20     <input>"
        );
        for h in input_headers(service, m) {
            let _ = writeln!(w, "        {}", header_binding(&h, &call_headers_ns));
        }
        let _ = writeln!(w, "        {body}\n      </input>\n      <output>");
        if m.returns_list() {
            let _ = writeln!(w, "        {}", header_binding(TOTAL_ITEMS, ns));
        }
        let _ = writeln!(w, "        {body}\n      </output>\n    </operation>");
    }
    w.push_str("  </binding>\n");

    // Service.
    let _ = writeln!(
        w,
        "  <service name=\"{service}Service\">\n\
         \x20   <port name=\"{service}Port\" binding=\"tns:{service}Binding\">\n\
         \x20     <soap:address location=\"{address}\"/>\n\
         \x20   </port>\n\
         \x20 </service>\n\
         </definitions>"
    );
    w
}

/// Escapes text for an attribute value.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("wsdl")
    }

    /// The files under `wsdl/` are what the schema generates today. With
    /// `REGENERATE_WSDL=1` the test rewrites them instead.
    #[test]
    fn committed_wsdl_matches_the_schema() {
        let committed = committed_dir();
        if std::env::var_os("REGENERATE_WSDL").is_some_and(|v| v == "1") {
            generate_all(&committed).expect("write wsdl/");
            return;
        }
        let tmp = std::env::temp_dir().join(format!(
            "wsdl-drift-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        let written = generate_all(&tmp).expect("generate into a temp dir");
        let mut problems = Vec::new();
        let mut expected = BTreeSet::new();
        for path in &written {
            let rel = path.strip_prefix(&tmp).unwrap().to_path_buf();
            expected.insert(rel.clone());
            let fresh = std::fs::read(path).unwrap();
            match std::fs::read(committed.join(&rel)) {
                Ok(old) if old == fresh => {}
                Ok(_) => problems.push(format!("wsdl/{} differs", rel.display())),
                Err(_) => problems.push(format!("wsdl/{} is missing", rel.display())),
            }
        }
        for version in ["v3", "v3.1"] {
            if let Ok(entries) = std::fs::read_dir(committed.join(version)) {
                for e in entries.flatten() {
                    let rel = Path::new(version).join(e.file_name());
                    if !expected.contains(&rel) {
                        problems.push(format!("wsdl/{} is not generated any more", rel.display()));
                    }
                }
            }
        }
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(
            problems.is_empty(),
            "the WSDL files in wsdl/ have drifted from the schema:\n  {}\n\
             regenerate them with `{REGENERATE_COMMAND}` (or `REGENERATE_WSDL=1 cargo test \
             --bin softlayer-ticket-server committed_wsdl`) and commit the result",
            problems.join("\n  ")
        );
    }

    /// Every document is well-formed XML.
    #[test]
    fn documents_are_well_formed() {
        for service in served_services() {
            for version in [ApiVersion::V3, ApiVersion::V3_1] {
                let doc = document(service, version, "http://h/?a&b").unwrap();
                let mut reader = quick_xml::Reader::from_str(&doc);
                reader.config_mut().check_comments = true;
                reader.config_mut().check_end_names = true;
                let mut depth = 0i64;
                loop {
                    match reader.read_event() {
                        Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                        Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{service} {}: {e}", version.as_str()),
                    }
                }
                assert_eq!(depth, 0, "{service}");
            }
        }
    }

    #[test]
    fn served_services_are_those_with_handlers() {
        let served = served_services();
        for s in [
            "SoftLayer_Account",
            "SoftLayer_Ticket",
            "SoftLayer_Ticket_Subject",
            "SoftLayer_Ticket_Priority",
        ] {
            assert!(served.contains(&s), "{s} missing from {served:?}");
        }
        for s in &served {
            assert!(document(s, ApiVersion::V3_1, "http://x/").is_some());
        }
        assert!(document("SoftLayer_Nope", ApiVersion::V3_1, "http://x/").is_none());
    }

    #[test]
    fn address_and_namespace() {
        let doc = document(
            "SoftLayer_Ticket",
            ApiVersion::V3,
            "http://h:1/soap/v3/SoftLayer_Ticket?a=1&b=2",
        )
        .unwrap();
        assert!(doc.contains(
            "<soap:address location=\"http://h:1/soap/v3/SoftLayer_Ticket?a=1&amp;b=2\"/>"
        ));
        assert!(doc.contains("targetNamespace=\"http://api.service.softlayer.com/soap/v3/\""));
        let doc = document("SoftLayer_Ticket", ApiVersion::V3_1, "http://h/").unwrap();
        assert!(doc.contains("targetNamespace=\"http://api.service.softlayer.com/soap/v3.1/\""));
    }

    /// Every dispatched method is an operation, with its parameters as parts.
    #[test]
    fn operations_and_parts() {
        let doc = document("SoftLayer_Ticket", ApiVersion::V3_1, "http://h/").unwrap();
        for (name, m) in operations("SoftLayer_Ticket") {
            assert!(
                doc.contains(&format!("<operation name=\"{name}\">")),
                "{name}"
            );
            for p in &m.parameters {
                assert!(
                    doc.contains(&format!("<part name=\"{}\" ", p.name)),
                    "{name}"
                );
            }
        }
        assert!(doc.contains(
            "<message name=\"SoftLayer_Ticket.createStandardTicketRequest\">\n    \
             <part name=\"templateObject\" type=\"tns:SoftLayer_Ticket\"/>\n    \
             <part name=\"contents\" type=\"xsd:string\"/>"
        ));
        assert!(doc.contains("<part name=\"getObjectReturn\" type=\"tns:SoftLayer_Ticket\"/>"));
        // Methods without a handler are left out: a client would call them in vain.
        for name in schema().services["SoftLayer_Ticket"].methods.keys() {
            let listed = doc.contains(&format!("<operation name=\"{name}\">"));
            assert_eq!(
                listed,
                crate::services::is_dispatched("SoftLayer_Ticket", name),
                "{name}"
            );
        }
    }

    /// Every `tns:` reference resolves to a declaration in the same document.
    #[test]
    fn references_resolve() {
        for service in served_services() {
            for version in [ApiVersion::V3, ApiVersion::V3_1] {
                let doc = document(service, version, "http://h/").unwrap();
                let declared: HashSet<&str> = doc
                    .split("<xsd:complexType name=\"")
                    .skip(1)
                    .chain(doc.split("<xsd:element name=\"").skip(1))
                    .chain(doc.split("<message name=\"").skip(1))
                    .chain(doc.split("<portType name=\"").skip(1))
                    .chain(doc.split("<binding name=\"").skip(1))
                    .filter_map(|s| s.split('"').next())
                    .collect();
                for piece in doc.split("\"tns:").skip(1) {
                    let name = piece.split(['"', '[']).next().unwrap();
                    assert!(
                        declared.contains(name),
                        "{service} {}: tns:{name} is not declared",
                        version.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn header_types_and_arrays() {
        let doc = document("SoftLayer_Account", ApiVersion::V3_1, "http://h/").unwrap();
        for h in [
            "authenticate",
            "SoftLayer_AccountInitParameters",
            "SoftLayer_ObjectMask",
            "SoftLayer_AccountObjectMask",
            "SoftLayer_AccountObjectFilter",
            "resultLimit",
            "totalItems",
        ] {
            assert!(
                doc.contains(&format!("<xsd:complexType name=\"{h}\">")),
                "{h}"
            );
            assert!(doc.contains(&format!("<xsd:element name=\"{h}\" type=\"tns:{h}\"/>")));
        }
        assert!(doc.contains("<xsd:complexType name=\"SoftLayer_TicketArray\">"));
        assert!(doc.contains("wsdl:arrayType=\"tns:SoftLayer_Ticket[]\""));
        // getTickets is a list: it binds resultLimit and reports totalItems.
        let op = doc.split("<operation name=\"getTickets\">").nth(2).unwrap();
        let op = op.split("</operation>").next().unwrap();
        assert!(op.contains("part=\"resultLimit\""), "{op}");
        assert!(op.contains("part=\"totalItems\""), "{op}");
    }

    #[test]
    fn subtypes_extend_their_base() {
        let doc = document("SoftLayer_Ticket", ApiVersion::V3_1, "http://h/").unwrap();
        assert!(doc.contains(
            "<xsd:complexType name=\"SoftLayer_Ticket_Attachment_Hardware\">\n        \
             <xsd:complexContent>\n          <xsd:extension base=\"tns:SoftLayer_Ticket_Attachment\">"
        ));
        // The customer user behind a SoftLayer_User_Interface relation is declared.
        assert!(doc.contains("<xsd:complexType name=\"SoftLayer_User_Customer\">"));
    }

    #[test]
    fn objects_are_written_as_their_own_type() {
        // A customer editor with only its id is still a customer: the type is the
        // object's, whatever members the mask left.
        let mut customer = Struct::of_type("SoftLayer_User_Customer", 1);
        customer.insert("id".into(), crate::value::Value::Int(1));
        assert_eq!(
            written_layout("SoftLayer_User_Interface", &customer).0,
            "SoftLayer_User_Customer"
        );
        let mut employee = Struct::of_type("SoftLayer_User_Employee", 1);
        employee.insert("id".into(), crate::value::Value::Int(1));
        assert_eq!(
            written_layout("SoftLayer_User_Interface", &employee).0,
            "SoftLayer_User_Employee"
        );
        // A struct without a type is of the type its place declares, members or not.
        let mut built = Struct::new();
        built.insert("username".into(), "x".into());
        assert_eq!(
            written_layout("SoftLayer_User_Interface", &built).0,
            "SoftLayer_User_Interface"
        );
        // A type that is not the declared one's subtype is not written in its place.
        let ticket = Struct::of_type("SoftLayer_Ticket", 0);
        assert_eq!(
            written_layout("SoftLayer_User_Interface", &ticket).0,
            "SoftLayer_User_Interface"
        );
    }

    #[test]
    fn sequence_positions_put_inherited_elements_first() {
        let l = layout("SoftLayer_Ticket_Attachment_Hardware").unwrap();
        let base = layout("SoftLayer_Ticket_Attachment").unwrap();
        for (name, e) in &base.elements {
            assert_eq!(l.elements[name].position, e.position);
        }
        assert!(l.elements["hardwareId"].position >= base.elements.len());
    }
}
