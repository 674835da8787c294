//! The SoftLayer types and services this server speaks, loaded once from
//! `schema/softlayer.json` (generated from the SLDN reference by `scripts/gen-schema.py`).
//!
//! This one description drives dispatch (which methods exist, which need an init
//! parameter), object masks (which properties are local, relational or counts), object
//! filters, the WSDL and the method-coverage table, so none of those keep a list of their own.

pub mod coerce;
pub mod devices;
pub mod filter;
pub mod mask;
pub mod types;

use types::TypeRef;

use serde::Deserialize;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: schema lookups hash short, trusted names on every row of every reply, where
/// the default SipHash showed up in profiles.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastHash = BuildHasherDefault<Fnv>;
pub type IndexMap<K, V> = indexmap::IndexMap<K, V, FastHash>;
type HashMap<K, V> = std::collections::HashMap<K, V, FastHash>;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyKind {
    /// Stored on the object itself; returned by default.
    Local,
    /// Another object (or list of them), returned only when a mask asks for it.
    Relational,
    /// The size of a relational list, computed on request.
    Count,
}

#[derive(Debug, Clone)]
pub struct PropertyDef {
    pub name: String,
    /// The property's type without the `[]` suffix.
    pub type_name: String,
    pub many: bool,
    pub kind: PropertyKind,
    /// The type, parsed once (a list when `many`).
    pub type_ref: TypeRef,
}

impl PropertyDef {
    /// What the property answers when the emulator keeps no data for it (its getter, or
    /// a REST path ending in it): an empty list, 0 for a count or a number, false for a
    /// flag, else null. softlayer-go reads a boolean or unsigned getter's REST body with
    /// ParseBool or ParseUint, which fail on `null` (its own test feeds
    /// getEvaultCapacityGB a null).
    pub fn empty_value(&self) -> crate::value::Value {
        use crate::value::Value;
        match (self.kind, self.type_name.as_str()) {
            _ if self.many => Value::Array(Vec::new()),
            (PropertyKind::Count, _) | (_, "int" | "unsignedInt" | "unsignedLong") => Value::Int(0),
            (_, "decimal" | "float" | "double") => Value::Float(0.0),
            (_, "boolean") => Value::Bool(false),
            _ => Value::Null,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub parent: Option<String>,
    /// Own and inherited properties.
    pub properties: IndexMap<String, PropertyDef>,
}

impl TypeDef {
    pub fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.properties.get(name)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ParameterDef {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// `type_name`, parsed once when the schema loads.
    #[serde(skip)]
    pub type_ref: TypeRef,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ExceptionDoc {
    pub class: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodDef {
    pub parameters: Vec<ParameterDef>,
    pub returns: String,
    pub required_headers: Vec<String>,
    pub optional_headers: Vec<String>,
    pub exceptions: Vec<ExceptionDoc>,
}

impl MethodDef {
    /// Whether the method acts on one object named by `{Service}InitParameters`.
    pub fn requires_init(&self, service: &str) -> bool {
        let header = crate::call::CallHeader::InitParameters.name(service);
        self.required_headers.contains(&header)
    }

    pub fn returns_list(&self) -> bool {
        self.returns.ends_with("[]")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServiceDef {
    pub methods: IndexMap<String, MethodDef>,
}

#[derive(Debug)]
pub struct Schema {
    pub types: HashMap<String, TypeDef>,
    pub services: IndexMap<String, ServiceDef>,
}

impl Schema {
    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    pub fn method(&self, service: &str, method: &str) -> Option<&MethodDef> {
        self.services.get(service)?.methods.get(method)
    }

    /// `name` of `type_name`, or else of a subtype of it: what a cast to the subtype asks
    /// of a row stored as the type (hardware's `activeTickets`).
    pub fn property_of_type_or_subtype(&self, type_name: &str, name: &str) -> Option<&PropertyDef> {
        let own = self.type_def(type_name).and_then(|t| t.property(name));
        own.or_else(|| {
            self.types
                .values()
                .filter(|t| self.is_a(&t.name, type_name))
                .find_map(|t| t.property(name))
        })
    }

    /// Whether `type_name` is `ancestor` or inherits from it.
    pub fn is_a(&self, type_name: &str, ancestor: &str) -> bool {
        let mut at = Some(type_name);
        // A bound, not a cycle check: no SoftLayer type is 32 levels deep.
        for _ in 0..32 {
            let Some(name) = at else {
                return false;
            };
            if name == ancestor {
                return true;
            }
            at = self.type_def(name).and_then(|t| t.parent.as_deref());
        }
        false
    }
}

#[derive(Deserialize)]
struct RawProperty {
    #[serde(rename = "type")]
    type_name: String,
    kind: PropertyKind,
}

#[derive(Deserialize)]
struct RawType {
    parent: Option<String>,
    properties: IndexMap<String, RawProperty>,
}

#[derive(Deserialize)]
struct RawSchema {
    types: HashMap<String, RawType>,
    services: IndexMap<String, ServiceDef>,
}

const SCHEMA_JSON: &str = include_str!("../../schema/softlayer.json");

/// The schema, parsed on first use.
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| load(SCHEMA_JSON).expect("schema/softlayer.json is valid"))
}

fn load(json: &str) -> Result<Schema, serde_json::Error> {
    let raw: RawSchema = serde_json::from_str(json)?;
    let mut types = HashMap::default();
    for name in raw.types.keys() {
        let mut properties = IndexMap::default();
        // Walk up the inheritance chain; a subtype's own definition wins.
        let mut current = Some(name.as_str());
        while let Some(type_name) = current {
            let Some(t) = raw.types.get(type_name) else {
                break;
            };
            for (prop, def) in &t.properties {
                if properties.contains_key(prop) {
                    continue;
                }
                let (base, many) = match def.type_name.strip_suffix("[]") {
                    Some(base) => (base.to_string(), true),
                    None => (def.type_name.clone(), false),
                };
                properties.insert(
                    prop.clone(),
                    PropertyDef {
                        name: prop.clone(),
                        type_name: base,
                        many,
                        kind: def.kind,
                        type_ref: TypeRef::parse(&def.type_name),
                    },
                );
            }
            current = t.parent.as_deref();
        }
        let parent = raw.types[name].parent.clone();
        types.insert(
            name.clone(),
            TypeDef {
                name: name.clone(),
                parent,
                properties,
            },
        );
    }
    let mut services = raw.services;
    for service in services.values_mut() {
        for method in service.methods.values_mut() {
            for p in &mut method.parameters {
                p.type_ref = TypeRef::parse(&p.type_name);
            }
        }
    }
    Ok(Schema { types, services })
}

/// The relational list a count property counts: `updateCount` → `updates`,
/// `attachedHardwareCount` → `attachedHardware`, `childrenCount` → `children`.
pub fn counted_relation<'a>(type_def: &'a TypeDef, count: &str) -> Option<&'a PropertyDef> {
    let stem = count.strip_suffix("Count")?;
    let candidates = [
        stem.to_string(),
        format!("{stem}s"),
        format!("{stem}es"),
        stem.strip_suffix('y')
            .map(|s| format!("{s}ies"))
            .unwrap_or_default(),
    ];
    candidates.iter().find_map(|c| {
        type_def
            .property(c)
            .filter(|p| p.kind == PropertyKind::Relational && p.many)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_properties_are_classified() {
        let t = schema().type_def("SoftLayer_Ticket").unwrap();
        assert_eq!(t.property("title").unwrap().kind, PropertyKind::Local);
        assert_eq!(
            t.property("updates").unwrap().kind,
            PropertyKind::Relational
        );
        assert!(t.property("updates").unwrap().many);
        assert_eq!(t.property("updateCount").unwrap().kind, PropertyKind::Count);
        assert_eq!(counted_relation(t, "updateCount").unwrap().name, "updates");
        assert_eq!(
            counted_relation(t, "attachedHardwareCount").unwrap().name,
            "attachedHardware"
        );
    }

    #[test]
    fn inherited_properties_are_present() {
        let t = schema()
            .type_def("SoftLayer_Ticket_Attachment_Hardware")
            .unwrap();
        assert!(t.property("ticketId").is_some());
        assert!(t.property("hardwareId").is_some());
    }

    #[test]
    fn account_counts_resolve() {
        let t = schema().type_def("SoftLayer_Account").unwrap();
        for (count, rel) in [
            ("openTicketCount", "openTickets"),
            ("ticketsClosedTodayCount", "ticketsClosedToday"),
            (
                "lastFiveClosedAbuseTicketCount",
                "lastFiveClosedAbuseTickets",
            ),
        ] {
            assert_eq!(counted_relation(t, count).unwrap().name, rel);
        }
    }

    #[test]
    fn init_parameters_come_from_the_method_pages() {
        let s = schema();
        assert!(
            s.method("SoftLayer_Ticket", "getObject")
                .unwrap()
                .requires_init("SoftLayer_Ticket")
        );
        assert!(
            !s.method("SoftLayer_Ticket", "createStandardTicket")
                .unwrap()
                .requires_init("SoftLayer_Ticket")
        );
    }
}
