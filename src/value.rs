//! The transport-neutral value model.
//!
//! Every codec turns its wire format into [`Value`] and back; handlers never see anything
//! else. The model is XML-RPC's (the richest of the three transports): SOAP and JSON map
//! onto it without loss.

use indexmap::IndexMap;

/// The hasher of struct members: foldhash, seeded per process. Members are looked up
/// and inserted for every column of every row read and every member parsed, and the
/// standard SipHash was 9% of an uncached getObject's instructions (callgrind); foldhash
/// keeps a random seed, so keys a client chooses cannot be made to collide on purpose.
type Members = IndexMap<String, Value, foldhash::fast::RandomState>;

/// A struct: its members, in the order they were received or built, and, for an object
/// read from the store, the SoftLayer type it is.
///
/// The type travels with the object because a relation may hold any subtype of its
/// declared type (an update's `editor` is a `SoftLayer_User_Customer` or a
/// `SoftLayer_User_Employee`), and what a mask selected cannot tell them apart: SOAP
/// writes the object's own type as its `xsi:type`. Everything else about a struct is its
/// members, which it derefs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Struct {
    members: std::sync::Arc<Members>,
    type_name: Option<&'static str>,
}

impl Struct {
    pub fn new() -> Struct {
        Struct::default()
    }

    pub fn with_capacity(n: usize) -> Struct {
        Struct {
            members: std::sync::Arc::new(Members::with_capacity_and_hasher(n, Default::default())),
            type_name: None,
        }
    }

    /// An empty object of a SoftLayer type (a schema name).
    pub fn of_type(type_name: &'static str, capacity: usize) -> Struct {
        Struct {
            members: std::sync::Arc::new(Members::with_capacity_and_hasher(
                capacity,
                Default::default(),
            )),
            type_name: Some(type_name),
        }
    }

    /// Names the object's type as a subtype of the one it was made as, whose properties
    /// it came to hold.
    pub fn retype(&mut self, type_name: &'static str) {
        self.type_name = Some(type_name);
    }

    /// The SoftLayer type of an object read from the store; `None` for a struct a client
    /// sent or a handler built, which is of the type its place declares.
    pub fn type_name(&self) -> Option<&'static str> {
        self.type_name
    }
}

impl Struct {
    /// The address of the members when another struct shares them (a copy of an object
    /// projected once and shown again, see `services::projection`): equal for copies,
    /// distinct from any other struct alive; `None` when not shared.
    fn shared_id(&self) -> Option<usize> {
        (std::sync::Arc::strong_count(&self.members) > 1)
            .then_some(std::sync::Arc::as_ptr(&self.members) as usize)
    }
}

/// The bytes a writer wrote for each shared struct of one value, so that a copy shown
/// again (an update's editor, once per update) is copied, not written again. `C` is what
/// else the bytes depend on where the struct stands (SOAP: the type it is written as);
/// nothing for XML-RPC and JSON.
pub struct WrittenShared<C = ()>(Vec<(usize, C, std::ops::Range<usize>)>);

impl<C> Default for WrittenShared<C> {
    fn default() -> Self {
        WrittenShared(Vec::new())
    }
}

impl<C: PartialEq> WrittenShared<C> {
    /// At most this many shared structs remembered per value: they are looked up in
    /// order, and a reply repeats a few (a ticket's editors, a list's statuses).
    const MAX: usize = 32;

    /// Writes `s` into `out` by `write`, or copies what `write` wrote for a struct
    /// sharing its members in the same `context` earlier into the same `out`.
    pub fn write(
        &mut self,
        out: &mut Vec<u8>,
        s: &Struct,
        context: C,
        write: impl FnOnce(&mut Vec<u8>, &mut WrittenShared<C>),
    ) {
        let Some(id) = s.shared_id() else {
            return write(out, self);
        };
        if let Some((.., range)) = self.0.iter().find(|(i, c, _)| *i == id && *c == context) {
            out.extend_from_within(range.clone());
            return;
        }
        let start = out.len();
        write(out, self);
        if self.0.len() < Self::MAX {
            self.0.push((id, context, start..out.len()));
        }
    }
}

impl std::ops::Deref for Struct {
    type Target = Members;
    fn deref(&self) -> &Self::Target {
        &self.members
    }
}

impl std::ops::DerefMut for Struct {
    fn deref_mut(&mut self) -> &mut Self::Target {
        std::sync::Arc::make_mut(&mut self.members)
    }
}

impl FromIterator<(String, Value)> for Struct {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Struct {
        Struct {
            members: std::sync::Arc::new(iter.into_iter().collect()),
            type_name: None,
        }
    }
}

impl Extend<(String, Value)> for Struct {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        std::sync::Arc::make_mut(&mut self.members).extend(iter)
    }
}

impl IntoIterator for Struct {
    type Item = (String, Value);
    type IntoIter = indexmap::map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        std::sync::Arc::unwrap_or_clone(self.members).into_iter()
    }
}

impl<'a> IntoIterator for &'a Struct {
    type Item = (&'a String, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

impl<'a> IntoIterator for &'a mut Struct {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = indexmap::map::IterMut<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        std::sync::Arc::make_mut(&mut self.members).iter_mut()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// A date as text: ISO 8601 with offset on the way out; on the way in whatever the
    /// client sent (`dateTime.iso8601` or a string), parsed where a handler needs it.
    DateTime(String),
    Base64(Vec<u8>),
    Array(Vec<Value>),
    Struct(Struct),
}

/// The estimated memory of one struct member or list item beyond its text: the map's
/// entry (hash, key `String`, an 80-byte `Value`), its index slot, and the allocations
/// of the key and the text (sizes from `size_of`, allocations rounded up). What a call
/// holds for its reply is counted in these estimates (`services::projection`).
pub const MEMBER_OVERHEAD: u64 = 160;

/// 2^63: the first whole float out of i64's range (and -2^63 the last one in it).
const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;

impl Value {
    /// The estimated memory of the value (see [`MEMBER_OVERHEAD`]).
    pub fn estimated_bytes(&self) -> u64 {
        MEMBER_OVERHEAD
            + match self {
                Value::String(s) | Value::DateTime(s) => s.len() as u64,
                Value::Base64(b) => b.len() as u64,
                Value::Array(items) => items.iter().map(Value::estimated_bytes).sum(),
                Value::Struct(members) => members
                    .iter()
                    .map(|(k, v)| k.len() as u64 + v.estimated_bytes())
                    .sum(),
                _ => 0,
            }
    }

    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::DateTime(s) => Some(s),
            _ => None,
        }
    }

    /// An integer, also from a numeric string: clients send ids either way.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            // Trimmed as an integer argument is ([`PhpTrim`]): "8001\u{3000}" was refused
            // as an argument and found ticket 8001 as an init id.
            Value::String(s) => s.php_trim().parse().ok(),
            // Only a whole number i64 holds: `as` would clamp 1e300 to i64::MAX, an id
            // the client never sent.
            // Not -2^63: JSON's -9223372036854775809, past i64, arrives rounded to it.
            Value::Float(f) if f.fract() == 0.0 && *f > -TWO_TO_63 && *f < TWO_TO_63 => {
                Some(*f as i64)
            }
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Looks a member up in a struct; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_struct().and_then(|s| s.get(key))
    }
}

/// JSON written straight from the value, as [`serde_json::Value::from`] would convert it
/// (base64 as text, a float that is not finite as `null`), without building the JSON
/// tree first: REST replies and the journal's copies of replies are written this way, and
/// the tree cost a tenth of an uncached read's CPU (issue 14's profile).
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(_) => serializer.serialize_unit(),
            Value::String(s) | Value::DateTime(s) => serializer.serialize_str(s),
            Value::Base64(b) => {
                serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Struct(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members.iter() {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Value {
    /// The value as compact JSON text, byte for byte what `serde_json` writes of it (its
    /// [`Serialize`](serde::Serialize) above). Every REST `.json` reply and the journal's
    /// copy of every other reply are written so: `serde_json` looks at each byte of a
    /// string through a table (5% of an uncached getObject's instructions); here strings
    /// are scanned sixteen bytes at a time.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        out
    }

    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.write_json_in(out, &mut WrittenShared::default())
    }

    fn write_json_in(&self, out: &mut Vec<u8>, written: &mut WrittenShared) {
        use base64::Engine;
        match self {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
            // serde_json's own digits (ryu): the same text for the same double.
            Value::Float(f) if f.is_finite() => {
                let _ = serde_json::to_writer(&mut *out, f);
            }
            Value::Float(_) => out.extend_from_slice(b"null"),
            Value::String(s) | Value::DateTime(s) => json_string(out, s),
            Value::Base64(b) => {
                json_string(out, &base64::engine::general_purpose::STANDARD.encode(b))
            }
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_json_in(out, written);
                }
                out.push(b']');
            }
            Value::Struct(members) => written.write(out, members, (), |out, written| {
                out.push(b'{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json_string(out, k);
                    out.push(b':');
                    v.write_json_in(out, written);
                }
                out.push(b'}');
            }),
        }
    }
}

/// A JSON string as `serde_json` writes it: `"` and `\` escaped, control characters as
/// `\b`, `\t`, `\n`, `\f`, `\r` or `\u00xx`, everything else as it is.
pub(crate) fn json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    let mut i = 0;
    loop {
        i = next_to_escape(bytes, i);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        out.extend_from_slice(&bytes[copied..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        i += 1;
        copied = i;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

/// Whether JSON escapes a byte: `"`, `\` and control characters.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn must_escape(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The first byte from `i` on that JSON escapes, or the text's length.
#[cfg(target_arch = "x86_64")]
fn next_to_escape(bytes: &[u8], i: usize) -> usize {
    use crate::scan::{control, equal};
    use std::arch::x86_64::*;
    crate::scan::first_looked_at(bytes, i, |v| {
        // SAFETY: SSE2 is part of x86-64.
        unsafe { _mm_or_si128(control(v), _mm_or_si128(equal(v, b'"'), equal(v, b'\\'))) }
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn next_to_escape(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| must_escape(b))
        .map_or(bytes.len(), |p| i + p)
}

/// What PHP's `trim()` strips, as the real API trims a caller's text: space, tab, line
/// feed, carriage return, NUL and vertical tab. Rust's `str::trim` also strips every other
/// Unicode blank (U+00A0, U+2028, U+3000), which the API keeps.
pub const PHP_TRIMMED: [char; 6] = [' ', '\t', '\n', '\r', '\0', '\x0B'];

/// Text trimmed as PHP's `trim()` trims it ([`PHP_TRIMMED`]).
pub trait PhpTrim {
    fn php_trim(&self) -> &str;
}

impl PhpTrim for str {
    fn php_trim(&self) -> &str {
        self.trim_matches(PHP_TRIMMED)
    }
}

/// Whether `text` is a whole number in digits (a sign, then ASCII digits, blanks around):
/// what may be called a number too large rather than no number.
pub fn is_whole_number_text(text: &str) -> bool {
    let t = text.php_trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The first invisible format character of `text` (Unicode's general category Cf: U+200B
/// ZERO WIDTH SPACE, U+200D ZERO WIDTH JOINER, U+2060 WORD JOINER, U+FEFF, U+00AD SOFT
/// HYPHEN, the bidirectional controls, …), which shows as nothing where it stands.
pub fn format_character(text: &str) -> Option<char> {
    static FORMAT: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\p{Cf}").expect("a valid expression"));
    FORMAT.find(text).and_then(|m| m.as_str().chars().next())
}

/// Whether serde_json refused a number past what a double holds (`1e400`): valid JSON,
/// which a message calling it "not JSON" denied.
pub fn is_past_a_double(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("number out of range")
}

/// What serde_json said of the JSON `text` it refused, in plain words where its own were
/// its parser's: an unpaired UTF-16 surrogate escape (`"\ud83d"` alone) read "unexpected
/// end of hex escape", or "lone leading surrogate in hex escape" for a trailing one.
pub fn json_error_said(e: &serde_json::Error, text: &[u8]) -> String {
    let said = e.to_string();
    let about_surrogates = said.starts_with("unexpected end of hex escape")
        || said.starts_with("lone leading surrogate");
    match unpaired_surrogate(text) {
        Some(escape) if about_surrogates => format!(
            "an unpaired UTF-16 surrogate ({escape}) at line {} column {}; a character past \
             U+FFFF is written as a pair of them, such as \\ud83d\\ude00",
            e.line(),
            e.column()
        ),
        _ => said,
    }
}

/// The first `\uXXXX` escape of `text` (JSON) that is half of a UTF-16 surrogate pair
/// without its other half, as written.
fn unpaired_surrogate(text: &[u8]) -> Option<String> {
    let escape_at = |i: usize| -> Option<u16> {
        let hex = text.get(i..i + 6)?.strip_prefix(b"\\u")?;
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(0xD800..=0xDBFF) if matches!(escape_at(i + 6), Some(0xDC00..=0xDFFF)) => i += 12,
            Some(0xD800..=0xDFFF) => return Some(String::from_utf8_lossy(&text[i..i + 6]).into()),
            // Any other escape: two bytes (`\\` too, so that its second is not read as one).
            _ => i += 2,
        }
    }
    None
}

impl From<&Value> for serde_json::Value {
    fn from(v: &Value) -> Self {
        use base64::Engine;
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) | Value::DateTime(s) => s.clone().into(),
            Value::Base64(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(Into::into).collect()),
            Value::Struct(s) => {
                serde_json::Value::Object(s.iter().map(|(k, v)| (k.clone(), v.into())).collect())
            }
        }
    }
}

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(Into::into).collect()),
            serde_json::Value::Object(o) => {
                Value::Struct(o.iter().map(|(k, v)| (k.clone(), v.into())).collect())
            }
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Struct> for Value {
    fn from(s: Struct) -> Self {
        Value::Struct(s)
    }
}

/// A ticket whose updates, assignee and last update show the same user (whose status
/// the ticket shows too), built with those objects shared (`true`: copies of one
/// struct, as projection makes them) or each built afresh: writers must give the same
/// bytes for both.
#[cfg(test)]
pub(crate) fn ticket_showing_one_user(shared: bool) -> Value {
    fn made(type_name: &'static str, members: Vec<(&str, Value)>) -> Struct {
        let mut s = Struct::of_type(type_name, members.len());
        s.extend(members.into_iter().map(|(k, v)| (k.to_string(), v)));
        s
    }
    let status = || {
        made(
            "SoftLayer_Ticket_Status",
            vec![("id", 1001.into()), ("name", "Open".into())],
        )
    };
    let shared_status = status();
    let status = || {
        if shared {
            shared_status.clone()
        } else {
            status()
        }
    };
    let user = |id: i64| {
        made(
            "SoftLayer_User_Customer",
            vec![
                ("id", Value::Int(id)),
                ("firstName", "Ann <&> \"Ö\"".into()),
                (
                    "createDate",
                    Value::DateTime("2020-01-15T08:00:00-06:00".into()),
                ),
                ("isMasterUserFlag", Value::Bool(false)),
                ("userStatus", Value::Struct(status())),
            ],
        )
    };
    let shared_user = user(5002);
    let ann = || {
        if shared {
            shared_user.clone()
        } else {
            user(5002)
        }
    };
    let update = |entry: &str, editor: Struct| {
        Value::Struct(made(
            "SoftLayer_Ticket_Update",
            vec![("entry", entry.into()), ("editor", Value::Struct(editor))],
        ))
    };
    let updates = vec![
        update("first", ann()),
        update("second", user(5003)),
        update("third", ann()),
        update("fourth", ann()),
    ];
    Value::Struct(made(
        "SoftLayer_Ticket",
        vec![
            ("id", 160000001.into()),
            ("status", Value::Struct(status())),
            ("updates", Value::Array(updates)),
            ("assignedUser", Value::Struct(ann())),
            ("lastUpdate", update("fourth", ann())),
        ],
    ))
}

/// A character that is not base64 where base64 belongs (see [`decode_base64`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid byte {byte:#04x} at offset {offset}")]
pub struct NotBase64 {
    pub offset: usize,
    pub byte: u8,
}

/// Base64 as clients send it, read as PHP's `base64_decode` behind the real API reads it
/// (its non-strict mode): whitespace anywhere is skipped (MIME-style encoders, Ruby's
/// `Base64.encode64` among them, wrap lines every 60 or 76 characters; a REST body may
/// carry them as `\n`), `=` is skipped wherever it is (so padding is optional), the bits
/// past the last whole byte are dropped whatever they are, and so is a lone character
/// at the end (SLDN's Python attachment example sends `gICBdDQp9`, nine characters).
/// Any other character outside the alphabet is an error, where PHP drops it silently
/// (README, "Base64").
pub fn decode_base64(text: &str) -> Result<Vec<u8>, NotBase64> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 3);
    let (mut bits, mut held) = (0u32, 0u8);
    for (offset, byte) in text.bytes().enumerate() {
        let sextet = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => continue,
            b if b.is_ascii_whitespace() => continue,
            _ => return Err(NotBase64 { offset, byte }),
        };
        bits = (bits << 6) | u32::from(sextet);
        held += 1;
        if held == 4 {
            out.extend_from_slice(&[(bits >> 16) as u8, (bits >> 8) as u8, bits as u8]);
            (bits, held) = (0, 0);
        }
    }
    match held {
        2 => out.push((bits >> 4) as u8),
        3 => out.extend_from_slice(&[(bits >> 10) as u8, (bits >> 2) as u8]),
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unpaired surrogate escape is named as such, leading or trailing; a pair, an
    /// escaped backslash before `u` and other faults are left to serde_json's words.
    #[test]
    fn unpaired_surrogates_are_named() {
        let said = |text: &str| {
            let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
            json_error_said(&e, text.as_bytes())
        };
        for (text, escape) in [
            (r#"{"a": "\ud83d lone"}"#, r"\ud83d"),
            (r#"{"a": "\uDE00 lone"}"#, r"\uDE00"),
            (r#"{"a": "\ud83d\u0041"}"#, r"\ud83d"),
            (r#"{"a": "\ud83d\ude00 \\ud83d \ude00"}"#, r"\ude00"),
        ] {
            let said = said(text);
            assert!(
                said.starts_with(&format!(
                    "an unpaired UTF-16 surrogate ({escape}) at line 1"
                )),
                "{text}: {said}"
            );
        }
        assert_eq!(unpaired_surrogate(br#""\ud83d\ude00 \\ud83d""#), None);
        assert!(said(r#"{"a": "\x"}"#).starts_with("invalid escape"));
    }

    /// What PHP's `base64_decode` (non-strict) answers, from `php -r`.
    #[test]
    fn base64_is_read_as_php_reads_it() {
        let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        for (text, php) in [
            ("gICBdDQp9", "808081743429"),
            ("QR==", "41"),
            ("QR", "41"),
            ("aGVsbG8=", "68656c6c6f"),
            ("aGVs\nbG8", "68656c6c6f"),
            ("aG=Vs bG8=", "68656c6c6f"),
            ("", ""),
            ("Q", ""),
        ] {
            assert_eq!(hex(decode_base64(text).unwrap()), php, "{text:?}");
        }
        assert_eq!(
            decode_base64("aGVs_bG8"),
            Err(NotBase64 {
                offset: 4,
                byte: b'_'
            })
        );
    }

    /// A shared struct is written as its copies would be: JSON.
    #[test]
    fn shared_structs_are_written_as_their_copies_would_be() {
        let shared = ticket_showing_one_user(true);
        let fresh = ticket_showing_one_user(false);
        assert_eq!(shared, fresh);
        let json = shared.to_json();
        assert_eq!(json, fresh.to_json());
        assert_eq!(json, serde_json::to_vec(&fresh).unwrap());
        assert_eq!(
            String::from_utf8_lossy(&json)
                .matches("\"id\":5002")
                .count(),
            5
        );
    }

    /// Struct members are shared by copies until one of them changes.
    #[test]
    fn a_changed_copy_leaves_the_original() {
        let mut original = Struct::of_type("SoftLayer_Ticket", 1);
        original.insert("id".into(), Value::Int(1));
        let mut copy = original.clone();
        assert_eq!(copy.shared_id(), original.shared_id());
        assert!(original.shared_id().is_some());
        copy.insert("title".into(), "changed".into());
        *copy.get_mut("id").unwrap() = Value::Int(2);
        assert_eq!(original.len(), 1);
        assert_eq!(original.get("id"), Some(&Value::Int(1)));
        assert_eq!(copy.get("id"), Some(&Value::Int(2)));
        assert_eq!((original.shared_id(), copy.shared_id()), (None, None));
        assert_eq!(copy.type_name(), Some("SoftLayer_Ticket"));
    }

    /// The first byte to escape is found exactly ([`crate::scan::assert_finds_exactly`]).
    #[test]
    fn the_bytes_to_escape_are_found_exactly() {
        crate::scan::assert_finds_exactly(
            next_to_escape,
            must_escape,
            &[b'a', b'/', 0x7f, 0x80, 0xef],
        );
    }

    /// Byte for byte what `serde_json` writes, on random values: every control
    /// character, quotes, backslashes, non-ASCII text, floats and integers at their
    /// edges, nested arrays and structs, base64.
    #[test]
    fn json_text_is_what_serde_json_writes() {
        let pieces: Vec<String> = (0u8..0x20)
            .map(|b| char::from(b).to_string())
            .chain(
                [
                    "a", "Z", " ", "\"", "\\", "/", "\u{7f}", "é", "\u{2028}", "\u{fffd}", "😀",
                    "</",
                ]
                .map(String::from),
            )
            .collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        fn value(next: &mut dyn FnMut() -> u64, pieces: &[String], depth: u32) -> Value {
            let text = |next: &mut dyn FnMut() -> u64| {
                let n = next() % 40;
                (0..n)
                    .map(|_| pieces[next() as usize % pieces.len()].as_str())
                    .collect::<String>()
            };
            match next() % if depth > 3 { 8 } else { 10 } {
                0 => Value::Null,
                1 => Value::Bool(next().is_multiple_of(2)),
                2 => Value::Int([0, -1, i64::MIN, i64::MAX, next() as i64][next() as usize % 5]),
                3 => Value::Float(
                    [
                        0.0,
                        -0.0,
                        1.5,
                        1e300,
                        -2.5e-300,
                        f64::NAN,
                        f64::INFINITY,
                        f64::from_bits(next()),
                    ][next() as usize % 8],
                ),
                4 | 5 => Value::String(text(next)),
                6 => Value::DateTime(text(next)),
                7 => Value::Base64((0..next() % 20).map(|_| next() as u8).collect()),
                8 => Value::Array(
                    (0..next() % 5)
                        .map(|_| value(next, pieces, depth + 1))
                        .collect(),
                ),
                _ => Value::Struct(
                    (0..next() % 5)
                        .map(|_| (text(next), value(next, pieces, depth + 1)))
                        .collect(),
                ),
            }
        }
        for _ in 0..3000 {
            let v = value(&mut next, &pieces, 0);
            let expected = serde_json::to_vec(&v).unwrap();
            assert_eq!(
                String::from_utf8(v.to_json()).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{v:?}"
            );
        }
    }
}
