//! Type names of the schema, parsed once into typed references.
//!
//! SLDN names a type as text (`int`, `dateTime`, `SoftLayer_Ticket`,
//! `SoftLayer_Container_Utility_File_Attachment[]`). The schema parses each property and
//! parameter type once, at load, into a [`TypeRef`], so that coercion
//! ([`super::coerce`]) and the codecs match on a kind instead of comparing strings.

/// A scalar type of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// `int`, `integer`, `unsignedInt`, `long`, `unsignedLong`, `short`, `byte`, …
    Int,
    /// `decimal`, `float`, `double`.
    Float,
    /// `boolean`.
    Bool,
    /// `string` and any other text type.
    String,
    /// `dateTime`.
    DateTime,
    /// `base64Binary`.
    Base64,
    /// `void`.
    Void,
}

impl Scalar {
    /// Text (an XML element's content, a REST path segment) as a value of this kind.
    /// Text that does not convert stays text, so that coercion names what is wrong with
    /// it rather than the codec guessing.
    pub fn from_text(self, text: &str) -> crate::value::Value {
        use crate::value::Value;
        let trimmed = crate::value::PhpTrim::php_trim(text);
        match self {
            Scalar::Int => trimmed
                .parse::<i64>()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::String(text.to_string())),
            Scalar::Bool => match trimmed {
                "1" => Value::Bool(true),
                "0" => Value::Bool(false),
                t if t.eq_ignore_ascii_case("true") => Value::Bool(true),
                t if t.eq_ignore_ascii_case("false") => Value::Bool(false),
                _ => Value::String(text.to_string()),
            },
            Scalar::Float => match trimmed.parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => Value::String(text.to_string()),
            },
            Scalar::DateTime => Value::DateTime(trimmed.to_string()),
            Scalar::String | Scalar::Base64 | Scalar::Void => Value::String(text.to_string()),
        }
    }
}

/// A property's or parameter's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Scalar(Scalar),
    /// A SoftLayer complex type (`SoftLayer_Ticket`).
    Object(String),
    /// `T[]`.
    List(Box<TypeRef>),
}

impl Default for TypeRef {
    fn default() -> Self {
        TypeRef::Scalar(Scalar::String)
    }
}

/// The XSD integer types SLDN uses.
pub const XSD_INTEGER_TYPES: &[&str] = &[
    "int",
    "integer",
    "long",
    "short",
    "byte",
    "unsignedInt",
    "unsignedLong",
    "unsignedShort",
    "unsignedByte",
    "nonNegativeInteger",
    "positiveInteger",
    "negativeInteger",
    "nonPositiveInteger",
];

impl TypeRef {
    pub fn parse(name: &str) -> TypeRef {
        let name = name.trim();
        if let Some(item) = name.strip_suffix("[]") {
            return TypeRef::List(Box::new(TypeRef::parse(item)));
        }
        if name.starts_with("SoftLayer_") {
            return TypeRef::Object(name.to_string());
        }
        let bare = name.rsplit(':').next().unwrap_or(name);
        TypeRef::Scalar(match bare {
            t if XSD_INTEGER_TYPES.contains(&t) => Scalar::Int,
            "decimal" | "float" | "double" => Scalar::Float,
            "boolean" => Scalar::Bool,
            "dateTime" | "date" | "time" => Scalar::DateTime,
            "base64Binary" => Scalar::Base64,
            "void" => Scalar::Void,
            _ => Scalar::String,
        })
    }

    /// The type as users read it: `a SoftLayer_Ticket_Update struct`, `an array of string`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            TypeRef::List(_) => format!("an array of {}", name.trim_end_matches("[]")),
            TypeRef::Object(t) => format!("a {t} struct"),
            TypeRef::Scalar(Scalar::Int) => "an integer".into(),
            TypeRef::Scalar(_) => format!("a {name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_once_into_kinds() {
        assert_eq!(TypeRef::parse("int"), TypeRef::Scalar(Scalar::Int));
        assert_eq!(TypeRef::parse("unsignedInt"), TypeRef::Scalar(Scalar::Int));
        assert_eq!(TypeRef::parse("xsd:boolean"), TypeRef::Scalar(Scalar::Bool));
        assert_eq!(
            TypeRef::parse("SoftLayer_Container_Utility_File_Attachment[]"),
            TypeRef::List(Box::new(TypeRef::Object(
                "SoftLayer_Container_Utility_File_Attachment".into()
            )))
        );
        assert_eq!(
            TypeRef::parse("string[]"),
            TypeRef::List(Box::new(TypeRef::Scalar(Scalar::String)))
        );
    }
}
