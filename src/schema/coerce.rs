//! One conversion of call arguments to the types their method declares, whatever the
//! transport produced.
//!
//! XML-RPC arguments arrive untyped (`<string>5</string>` where an int is meant), SOAP
//! ones typed by the WSDL, REST ones by the schema or as JSON. Dispatch runs every
//! argument through [`coerce`] once, against the parameter's [`TypeRef`], so handlers
//! receive the declared types and never patch transport differences: ids as ints (also
//! from numeric text), flags as booleans (also from `1`/`0`/`"true"`), numbers where text
//! is declared as text (PHP-backed SoftLayer accepts an access port of 22 for a string),
//! and file data as bytes, or a fault when text that should be base64 is not.
//! Members of a struct are converted by the property types of its SoftLayer type;
//! members the type does not have pass through for the handler to ignore.

use super::schema;
use super::types::{Scalar, TypeRef};
use crate::value::PhpTrim;
use crate::value::{Struct, Value};

/// Why a value does not convert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoerceError {
    /// Not a value of the declared type.
    #[error("not a value of the declared type")]
    Invalid,
    /// Text declared as base64 that is not base64 (`member` names where it was).
    #[error("'{member}' is not valid base64")]
    NotBase64 { member: String },
    /// Text sent as bytes (`<base64>`, `xsd:base64Binary`: Perl's clients send non-ASCII
    /// text so) whose bytes are not UTF-8, Latin-1 say: "expected a string" misled.
    #[error("'{member}' is bytes that are not UTF-8 text")]
    NotUtf8 { member: String },
    /// Text sent as bytes that holds a character XML 1.0 cannot carry: taken in, it read
    /// back one way over JSON and another (U+FFFD) over XML, as the same text sent as a
    /// string is refused for.
    #[error("'{member}' holds U+{code:04X}, {not_carried}", not_carried = crate::protocol::xml::NOT_CARRIED)]
    NotCarried { member: String, code: u32 },
    /// A struct member not of its property's type: the innermost such member, so a
    /// client sees which of a template's properties to mend rather than only the
    /// template's type.
    #[error("property '{member}' expected {expected}")]
    Member { member: String, expected: String },
    /// A whole number an int does not hold: "expected an integer" said it was none.
    #[error("'{member}' is {value}, past a 64-bit integer")]
    PastI64 { member: String, value: String },
}

/// `value` as a value of type `t` (nil stays nil).
pub fn coerce(value: &Value, t: &TypeRef) -> Result<Value, CoerceError> {
    coerce_at(value, t, "value", 0)
}

/// [`coerce`] of the argument of parameter `name`: an error names the parameter where it
/// names no member of a struct (its items', a string's bytes).
pub fn coerce_parameter(value: &Value, t: &TypeRef, name: &str) -> Result<Value, CoerceError> {
    coerce_at(value, t, name, 0)
}

/// Struct nesting beyond this is left as it is (the codecs cap nesting anyway).
const MAX_DEPTH: usize = 32;

fn coerce_at(value: &Value, t: &TypeRef, member: &str, depth: usize) -> Result<Value, CoerceError> {
    if value.is_null() || depth > MAX_DEPTH {
        return Ok(value.clone());
    }
    // PHP's XML-RPC extension writes a null as `<string/>`: for a list or a struct (an
    // `attachedFiles` left out, say) that is no value, as for an int.
    if matches!(t, TypeRef::List(_) | TypeRef::Object(_))
        && matches!(value, Value::String(s) if s.php_trim().is_empty())
    {
        return Ok(Value::Null);
    }
    // PHP, behind the real API, decodes an empty struct and an empty array alike, to one
    // empty `array()`; and its encoders write an empty PHP array as an empty list, so
    // `$client->edit(array(), 'text')` sends `<array><data/></array>` for the template.
    // Empty, each is the other.
    match t {
        TypeRef::List(item) => match value {
            Value::Array(items) => items
                .iter()
                .map(|v| coerce_at(v, item, member, depth + 1))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Struct(members) if members.is_empty() => Ok(Value::Array(Vec::new())),
            _ => Err(CoerceError::Invalid),
        },
        TypeRef::Object(type_name) => match value {
            Value::Struct(members) => Ok(Value::Struct(coerce_members(members, type_name, depth)?)),
            Value::Array(items) if items.is_empty() => Ok(Value::Struct(Struct::new())),
            _ => Err(CoerceError::Invalid),
        },
        TypeRef::Scalar(kind) => scalar(value, *kind, member),
    }
}

fn coerce_members(members: &Struct, type_name: &str, depth: usize) -> Result<Struct, CoerceError> {
    let t = schema().type_def(type_name);
    members
        .iter()
        .map(|(name, v)| {
            let converted = match t.and_then(|t| t.property(name)) {
                // softlayer-go's XML-RPC encoder writes every `datatypes.Time` as an
                // empty `<struct>` (it reads no unexported field), so a ticket read and
                // sent back to `edit` failed on its `createDate`. PHP reads an empty
                // struct as an empty array, no value: so is it here, in a scalar member,
                // as is the empty list PHP reads alike.
                Some(def)
                    if matches!(def.type_ref, TypeRef::Scalar(_))
                        && (matches!(v, Value::Struct(m) if m.is_empty())
                            || matches!(v, Value::Array(a) if a.is_empty())) =>
                {
                    Value::Null
                }
                Some(def) => coerce_at(v, &def.type_ref, name, depth + 1).map_err(|e| match e {
                    CoerceError::Invalid => CoerceError::Member {
                        member: name.clone(),
                        expected: def.type_ref.describe(&def.type_name),
                    },
                    inner => inner,
                })?,
                None => v.clone(),
            };
            Ok((name.clone(), converted))
        })
        .collect()
}

fn scalar(value: &Value, kind: Scalar, member: &str) -> Result<Value, CoerceError> {
    if matches!(value, Value::Struct(_) | Value::Array(_)) && kind != Scalar::Base64 {
        return Err(CoerceError::Invalid);
    }
    Ok(match kind {
        Scalar::Int => match value {
            Value::Int(_) => value.clone(),
            // Whole numbers only, and only those an int holds (`Value::as_i64`): `as` would
            // saturate, and a JSON 2^63 came out as 2^63-1 in the fault naming it.
            Value::Float(f) => match value.as_i64() {
                Some(i) => Value::Int(i),
                None if f.fract() == 0.0 => {
                    return Err(CoerceError::PastI64 {
                        member: member.to_string(),
                        // Not its digits: a double past i64 was rounded on its way in
                        // (JSON's -9223372036854775809 is -2^63 here).
                        value: "a whole number".into(),
                    });
                }
                None => return Err(CoerceError::Invalid),
            },
            // Clients send ids as numeric text; empty text is no id at all.
            Value::String(s) if s.php_trim().is_empty() => Value::Null,
            Value::String(s) => Value::Int(s.php_trim().parse().map_err(
                |e: std::num::ParseIntError| match e.kind() {
                    // Only digits are a number past i64: `parse` says overflow as soon as
                    // the digits pass it, before it meets the `x` of "99999999999999999999x".
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                        if crate::value::is_whole_number_text(s) =>
                    {
                        CoerceError::PastI64 {
                            member: member.to_string(),
                            value: crate::call::shown_warning(s.php_trim()),
                        }
                    }
                    _ => CoerceError::Invalid,
                },
            )?),
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::Float => match value {
            Value::Int(_) | Value::Float(_) => value.clone(),
            Value::String(s) => match s.php_trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => return Err(CoerceError::Invalid),
            },
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::Bool => match value {
            Value::Bool(_) => value.clone(),
            Value::Int(i) => Value::Bool(*i != 0),
            // Text as a flag: `1` and `true` (in its usual cases) are true, anything else
            // false. PHP, behind the real API, is looser (its SOAP decoder takes `t` and
            // `T` too, and casts other non-empty text but `0` to true); a client's `no`
            // or `off` read as true would surprise more than it would match.
            Value::String(s) => Value::Bool(matches!(s.php_trim(), "1" | "true" | "TRUE" | "True")),
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::String => match value {
            Value::String(_) => value.clone(),
            Value::DateTime(s) => Value::String(s.clone()),
            Value::Int(i) => Value::String(i.to_string()),
            Value::Float(f) => Value::String(php_float_text(*f)),
            // Perl's XMLRPC::Lite sends non-ASCII text as `<base64>`; PHP, behind the
            // real API, reads either as the same bytes.
            Value::Base64(bytes) => {
                let text = String::from_utf8(bytes.clone()).map_err(|_| CoerceError::NotUtf8 {
                    member: member.to_string(),
                })?;
                if let Some((_, c)) = crate::protocol::xml::forbidden_character(&text) {
                    return Err(CoerceError::NotCarried {
                        member: member.to_string(),
                        code: u32::from(c),
                    });
                }
                Value::String(text)
            }
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::DateTime => match value {
            Value::String(_) | Value::DateTime(_) => value.clone(),
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::Base64 => match value {
            Value::Base64(_) => value.clone(),
            Value::String(s) => Value::Base64(crate::value::decode_base64(s).map_err(|_| {
                CoerceError::NotBase64 {
                    member: member.to_string(),
                }
            })?),
            // A byte array, as JSON clients sometimes send one.
            Value::Array(items) => Value::Base64(
                items
                    .iter()
                    .map(|i| match i {
                        Value::Int(b) => u8::try_from(*b).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<u8>>>()
                    .ok_or(CoerceError::Invalid)?,
            ),
            _ => return Err(CoerceError::Invalid),
        },
        Scalar::Void => value.clone(),
    })
}

/// A float as PHP, behind the real API, turns it into text where a string is wanted
/// (`(string)` with `precision` 14: `1.2345678901235E+19`, `1.0E-7`, `0.3`): Perl's
/// SOAP::Lite sends a long run of digits as `xsd:float`, and Rust's own form
/// (`12345678901234567000`, `0.30000000000000004`) is not what the API would store.
pub(crate) fn php_float_text(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NAN"
        } else if f > 0.0 {
            "INF"
        } else {
            "-INF"
        }
        .to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Fourteen significant digits; PHP drops the trailing zeros.
    let scientific = format!("{:.13e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // Where the decimal point falls among the digits (zend_gcvt's `decpt`).
    let point = exponent + 1;
    let mut text = String::with_capacity(24);
    if f < 0.0 {
        text.push('-');
    }
    if !(-3..=14).contains(&point) {
        text.push_str(&digits[..1]);
        text.push('.');
        text.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        text.push_str(&format!(
            "E{}{}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        ));
    } else if point <= 0 {
        text.push_str("0.");
        text.extend(std::iter::repeat_n('0', (-point) as usize));
        text.push_str(digits);
    } else {
        let point = point as usize;
        if digits.len() <= point {
            text.push_str(digits);
            text.extend(std::iter::repeat_n('0', point - digits.len()));
        } else {
            text.push_str(&digits[..point]);
            text.push('.');
            text.push_str(&digits[point..]);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What PHP 8's `(string)` gives for each (checked against php -r 'echo (string)X;').
    #[test]
    fn floats_read_as_text_as_php_writes_them() {
        for (f, php) in [
            (12345678901234567890.0, "1.2345678901235E+19"),
            (0.0000001, "1.0E-7"),
            (0.1 + 0.2, "0.3"),
            (100.0, "100"),
            (1e13, "10000000000000"),
            (1e14, "1.0E+14"),
            (1.5e20, "1.5E+20"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (-2.5, "-2.5"),
            (-0.0, "-0"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (0.0, "0"),
            (1.2345678901234567, "1.2345678901235"),
            (123456.789, "123456.789"),
            (99999999999999.99, "1.0E+14"),
        ] {
            assert_eq!(php_float_text(f), php, "{f:e}");
        }
    }

    fn int() -> TypeRef {
        TypeRef::Scalar(Scalar::Int)
    }

    #[test]
    fn empty_text_is_no_list_and_no_struct() {
        let files = TypeRef::List(Box::new(TypeRef::Object(
            "SoftLayer_Container_Utility_File_Attachment".into(),
        )));
        assert_eq!(coerce(&Value::from(""), &files), Ok(Value::Null));
        let ticket = TypeRef::Object("SoftLayer_Ticket".into());
        assert_eq!(coerce(&Value::from(""), &ticket), Ok(Value::Null));
        assert_eq!(coerce(&Value::from("x"), &files), Err(CoerceError::Invalid));
    }

    #[test]
    fn base64_text_is_text() {
        let string = TypeRef::Scalar(Scalar::String);
        let text = Value::Base64("Café".as_bytes().to_vec());
        assert_eq!(coerce(&text, &string), Ok(Value::from("Café")));
        let binary = Value::Base64(vec![0xff, 0xfe]);
        assert_eq!(
            coerce(&binary, &string),
            Err(CoerceError::NotUtf8 {
                member: "value".into()
            })
        );
    }

    #[test]
    fn scalars_convert_from_what_clients_send() {
        assert_eq!(coerce(&Value::from("42"), &int()), Ok(Value::Int(42)));
        assert_eq!(coerce(&Value::from(" "), &int()), Ok(Value::Null));
        assert_eq!(coerce(&Value::from("x"), &int()), Err(CoerceError::Invalid));
        assert_eq!(
            coerce(&Value::Int(22), &TypeRef::Scalar(Scalar::String)),
            Ok(Value::from("22"))
        );
        let past = |value: &str| {
            Err(CoerceError::PastI64 {
                member: "value".into(),
                value: value.into(),
            })
        };
        assert_eq!(
            coerce(&Value::Float(2f64.powi(63)), &TypeRef::Scalar(Scalar::Int)),
            past("a whole number")
        );
        assert_eq!(
            coerce(
                &Value::Float(-(2f64.powi(63))),
                &TypeRef::Scalar(Scalar::Int)
            ),
            past("a whole number")
        );
        assert_eq!(
            coerce(&Value::from("-9223372036854775809"), &int()),
            past("-9223372036854775809")
        );
        assert_eq!(
            coerce(&Value::Float(1.5), &int()),
            Err(CoerceError::Invalid)
        );
        assert_eq!(
            coerce(&Value::from("99999999999999999999x"), &int()),
            Err(CoerceError::Invalid)
        );
        assert_eq!(
            coerce(&Value::from("1"), &TypeRef::Scalar(Scalar::Bool)),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            coerce(&Value::Struct(Struct::new()), &int()),
            Err(CoerceError::Invalid)
        );
    }

    #[test]
    fn file_data_is_bytes_or_a_fault() {
        let file = TypeRef::parse("SoftLayer_Container_Utility_File_Attachment");
        let with = |data: &str| {
            let mut s = Struct::new();
            s.insert("filename".into(), Value::from("a.txt"));
            s.insert("data".into(), Value::from(data));
            Value::Struct(s)
        };
        let Ok(Value::Struct(ok)) = coerce(&with("YWxs"), &file) else {
            panic!("valid base64 converts");
        };
        assert_eq!(ok["data"], Value::Base64(b"all".to_vec()));
        assert_eq!(
            coerce(&with("not base64!"), &file),
            Err(CoerceError::NotBase64 {
                member: "data".into()
            })
        );
    }

    #[test]
    fn template_members_follow_their_property_types() {
        let mut s = Struct::new();
        s.insert("subjectId".into(), Value::from("1005"));
        s.insert("notifyUserOnUpdateFlag".into(), Value::Int(1));
        s.insert("somethingElse".into(), Value::from("kept"));
        let Ok(Value::Struct(out)) = coerce(&Value::Struct(s), &TypeRef::parse("SoftLayer_Ticket"))
        else {
            panic!("converts");
        };
        assert_eq!(out["subjectId"], Value::Int(1005));
        assert_eq!(out["notifyUserOnUpdateFlag"], Value::Bool(true));
        assert_eq!(out["somethingElse"], Value::from("kept"));
    }

    #[test]
    fn an_empty_struct_in_a_scalar_member_is_no_value() {
        let mut s = Struct::new();
        s.insert("createDate".into(), Value::Struct(Struct::new()));
        s.insert("subjectId".into(), Value::Array(Vec::new()));
        s.insert("priority".into(), Value::Int(3));
        let Ok(Value::Struct(out)) = coerce(&Value::Struct(s), &TypeRef::parse("SoftLayer_Ticket"))
        else {
            panic!("converts");
        };
        assert_eq!(out["createDate"], Value::Null);
        assert_eq!(out["subjectId"], Value::Null);
        assert_eq!(out["priority"], Value::Int(3));
    }

    #[test]
    fn a_member_of_the_wrong_type_is_named() {
        let mut s = Struct::new();
        s.insert("title".into(), Value::from("fine"));
        let mut date = Struct::new();
        date.insert("year".into(), Value::Int(2026));
        s.insert("lastEditDate".into(), Value::Struct(date));
        assert_eq!(
            coerce(&Value::Struct(s), &TypeRef::parse("SoftLayer_Ticket")),
            Err(CoerceError::Member {
                member: "lastEditDate".into(),
                expected: "a dateTime".into()
            })
        );
        // Inside a list of templates, the innermost member is named.
        let mut file = Struct::new();
        file.insert("filename".into(), Value::Array(vec![Value::Int(1)]));
        let files = TypeRef::parse("SoftLayer_Container_Utility_File_Attachment[]");
        assert_eq!(
            coerce(&Value::Array(vec![Value::Struct(file)]), &files),
            Err(CoerceError::Member {
                member: "filename".into(),
                expected: "a string".into()
            })
        );
    }
}
