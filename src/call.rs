//! One API call, independent of the transport that carried it, and its two outcomes.
//!
//! Codecs build a [`Call`] from the wire; the dispatcher answers with a [`Reply`] or a
//! [`Fault`]; codecs turn either back into bytes.

pub use crate::fault::{ExceptionClass, Fault, INTERNAL_ERROR};
use crate::value::PhpTrim;
use crate::value::{Struct, Value};

/// Who the caller says it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// `authenticate {username, apiKey}`, or HTTP Basic `username:apiKey`.
    ApiKey { username: String, api_key: String },
    /// `authenticate {userId, authToken, complexType: "PortalLoginToken"}`.
    PortalToken { user_id: i64, token: String },
}

/// `resultLimit {limit, offset}`.
///
/// One meaning on every transport: `limit` and `offset` are whole numbers of 0 or more
/// (an integer, or its digits as text); anything else is a `SoftLayer_Exception_Public`
/// fault. A `limit` of 0 means no limit: SLDN's result-limit article defines the limit
/// as SQL's LIMIT without saying what 0 does, softlayer-python sends `0` as the limit
/// when it only has an offset (REST `resultLimit=OFFSET,0`), and an empty page is never
/// what a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResultLimit {
    pub offset: u64,
    pub limit: Option<u64>,
}

impl ResultLimit {
    /// How many items of a list of `total` the page holds.
    pub fn page_len(&self, total: u64) -> u64 {
        total
            .saturating_sub(self.offset)
            .min(self.limit.unwrap_or(u64::MAX))
    }
}

/// An object mask as the call carries it: the string language or the legacy nested
/// struct as sent, or already parsed (REST builds the mask of a nested path itself).
#[derive(Debug, Clone, PartialEq)]
pub enum MaskSource {
    Text(String),
    Legacy(Struct),
    /// Shared: REST's masks come from a per-thread memo ([`ObjectMask::parse_shared`]).
    ///
    /// [`ObjectMask::parse_shared`]: crate::schema::mask::ObjectMask::parse_shared
    Parsed(std::sync::Arc<crate::schema::mask::ObjectMask>),
}

impl ResultLimit {
    /// From `offset` and `limit` as numbers: a limit of 0 is no limit.
    pub fn new(offset: u64, limit: u64) -> ResultLimit {
        ResultLimit {
            offset,
            limit: (limit > 0).then_some(limit),
        }
    }

    /// The `resultLimit` header struct of XML-RPC and SOAP.
    ///
    /// A count sent as text is read by [`parse_count`].
    fn from_header(value: &Value) -> Result<ResultLimit, Fault> {
        match value {
            // A misspelt member (`Limit`) would otherwise be read as no limit.
            Value::Struct(members) if members.keys().all(|k| k == "limit" || k == "offset") => {}
            Value::Null => {}
            // PHP's encoders write a null as empty text, and an empty array, associative or
            // not, as an empty list: `{}` was no limit and `[]` was refused.
            Value::String(s) if s.php_trim().is_empty() => {}
            Value::Array(items) if items.is_empty() => {}
            // Read as no limit, a page size sent in the wrong shape would answer with
            // every object.
            other => {
                return Err(Fault::bad_argument(format!(
                    "Invalid resultLimit {}: use a struct of limit and offset.",
                    serde_json::Value::from(other)
                )));
            }
        }
        let count = |key: &str| -> Result<u64, Fault> {
            // The value as the client wrote it (`-1`, `"x"`), not as Rust sees it.
            let invalid = |v: &Value| {
                let sent = serde_json::Value::from(v);
                let hint = if key == "limit" {
                    " (0 means no limit)"
                } else {
                    ""
                };
                Fault::bad_argument(format!(
                    "Invalid resultLimit {key} {sent}: use a whole number of 0 or more{hint}."
                ))
            };
            match value.get(key) {
                None | Some(Value::Null) => Ok(0),
                Some(Value::Int(i)) if *i >= 0 => Ok(*i as u64),
                // A whole `<double>` (PHP's floor() and ceil() give floats), as an id
                // sent so names its object.
                Some(Value::Float(f)) if f.fract() == 0.0 && (0.0..9.0e15).contains(f) => {
                    Ok(*f as u64)
                }
                Some(v @ Value::String(s)) => parse_count(s).ok_or_else(|| invalid(v)),
                Some(v) => Err(invalid(v)),
            }
        };
        Ok(ResultLimit::new(count("offset")?, count("limit")?))
    }
}

/// A `resultLimit` count written as text: a whole number of 0 or more, `-0` being 0 as
/// an `<int>-0</int>` is (it was refused as text, and REST said "0 is negative").
pub fn parse_count(text: &str) -> Option<u64> {
    let text = text.php_trim();
    match text.parse::<i64>() {
        Ok(n) => u64::try_from(n).ok(),
        Err(_) => text.parse::<u64>().ok(),
    }
}

/// A request its call does not describe alone: REST's nested resource paths
/// (`SoftLayer_Account/getTickets/5/getUpdates`) are answered with a part of their call's
/// result, and that call's mask and result limit are the ones the walk needs, not the
/// caller's. The journal keeps this, so that `replay` can send the same request again.
#[derive(Debug, Clone, PartialEq)]
pub struct NestedPath {
    /// The path's segments after the API version, decoded, without the extension.
    pub segments: Vec<String>,
    /// The caller's object mask, in the mask language.
    pub mask: Option<String>,
    /// The caller's result limit.
    pub limit: Option<ResultLimit>,
    /// The HTTP verb of a request refused for its path, other than GET: sent as a GET,
    /// the path read (a `DELETE` of a path that names a method is "Service does not
    /// exist", where a GET reads; a refused `PUT …/getAttachedHardware/8001` too).
    pub verb: Option<&'static str>,
}

/// A call header the API reads (SLDN's articles on authentication, init parameters,
/// object masks, object filters and result limits). XML-RPC and SOAP carry them by
/// these names; REST carries some as query parameters ([`CallHeader::rest_parameter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallHeader {
    Authenticate,
    InitParameters,
    /// `SoftLayer_ObjectMask`: a mask of any service.
    ObjectMask,
    /// `{Service}ObjectMask`: a mask of the service's type.
    ServiceObjectMask,
    ObjectFilter,
    ResultLimit,
}

/// How a header's name is spelled.
enum HeaderName {
    Fixed(&'static str),
    /// The service's name and then this (`SoftLayer_TicketInitParameters`).
    AfterService(&'static str),
}

/// What a member of a header record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMemberKind {
    Text,
    Int,
    /// Mask text, or the legacy tree of the mask's properties.
    Mask,
}

#[derive(Debug, Clone, Copy)]
pub struct HeaderMember {
    pub name: &'static str,
    pub kind: HeaderMemberKind,
    /// Declared required in the WSDL: the numbers a header exists to carry (an init
    /// parameter's id, a limit). .NET's wsdl.exe gives an optional int an `idSpecified`
    /// flag, which SLDN's C# article never sets, so the header would go out empty.
    pub required: bool,
}

const fn member(name: &'static str, kind: HeaderMemberKind, required: bool) -> HeaderMember {
    HeaderMember {
        name,
        kind,
        required,
    }
}

const AUTHENTICATE_MEMBERS: &[HeaderMember] = &[
    member("username", HeaderMemberKind::Text, false),
    member("apiKey", HeaderMemberKind::Text, false),
    member("userId", HeaderMemberKind::Int, false),
    member("authToken", HeaderMemberKind::Text, false),
];
const INIT_PARAMETERS_MEMBERS: &[HeaderMember] = &[member("id", HeaderMemberKind::Int, true)];
const OBJECT_MASK_MEMBERS: &[HeaderMember] = &[member("mask", HeaderMemberKind::Mask, false)];
/// The offset may be left out (SLDN's result-limit article), and zeep refuses to send a
/// required one it was not given.
const RESULT_LIMIT_MEMBERS: &[HeaderMember] = &[
    member("limit", HeaderMemberKind::Int, true),
    member("offset", HeaderMemberKind::Int, false),
];

impl CallHeader {
    /// Every header, in the order the WSDL declares them.
    pub const ALL: [CallHeader; 6] = [
        CallHeader::Authenticate,
        CallHeader::InitParameters,
        CallHeader::ObjectMask,
        CallHeader::ServiceObjectMask,
        CallHeader::ObjectFilter,
        CallHeader::ResultLimit,
    ];

    fn spelling(self) -> HeaderName {
        match self {
            CallHeader::Authenticate => HeaderName::Fixed("authenticate"),
            CallHeader::InitParameters => HeaderName::AfterService("InitParameters"),
            CallHeader::ObjectMask => HeaderName::Fixed("SoftLayer_ObjectMask"),
            CallHeader::ServiceObjectMask => HeaderName::AfterService("ObjectMask"),
            CallHeader::ObjectFilter => HeaderName::AfterService("ObjectFilter"),
            CallHeader::ResultLimit => HeaderName::Fixed("resultLimit"),
        }
    }

    /// The header's name in a call to `service`.
    pub fn name(self, service: &str) -> String {
        match self.spelling() {
            HeaderName::Fixed(name) => name.to_string(),
            HeaderName::AfterService(suffix) => format!("{service}{suffix}"),
        }
    }

    /// The header `name` is in a call to `service`, if the API reads it.
    pub fn named(service: &str, name: &str) -> Option<CallHeader> {
        let fixed = Self::ALL
            .into_iter()
            .find(|h| matches!(h.spelling(), HeaderName::Fixed(f) if f == name));
        fixed.or_else(|| {
            let rest = name.strip_prefix(service)?;
            Self::ALL
                .into_iter()
                .find(|h| matches!(h.spelling(), HeaderName::AfterService(s) if s == rest))
        })
    }

    /// The members of the header's record; none for an object filter, whose members are
    /// the properties of the service's type.
    pub fn members(self) -> &'static [HeaderMember] {
        match self {
            CallHeader::Authenticate => AUTHENTICATE_MEMBERS,
            CallHeader::InitParameters => INIT_PARAMETERS_MEMBERS,
            CallHeader::ObjectMask | CallHeader::ServiceObjectMask => OBJECT_MASK_MEMBERS,
            CallHeader::ObjectFilter => &[],
            CallHeader::ResultLimit => RESULT_LIMIT_MEMBERS,
        }
    }

    /// REST's query parameter for the header (matched without regard to case), where
    /// REST takes it in the query: its init parameter is in the path and its credentials
    /// in HTTP Basic.
    pub fn rest_parameter(self) -> Option<&'static str> {
        match self {
            CallHeader::ObjectMask => Some("objectMask"),
            CallHeader::ObjectFilter => Some("objectFilter"),
            CallHeader::ResultLimit => Some("resultLimit"),
            _ => None,
        }
    }

    /// The header REST's query parameter `name` stands for.
    pub fn from_rest_parameter(name: &str) -> Option<CallHeader> {
        Self::ALL.into_iter().find(|h| {
            h.rest_parameter()
                .is_some_and(|p| p.eq_ignore_ascii_case(name))
        })
    }
}

/// The call headers every transport carries (SLDN articles on authentication, init parameters and result limits).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallHeaders {
    pub credentials: Option<Credentials>,
    /// The raw `{Service}InitParameters.id`: an int, a numeric string, or whatever a
    /// client sent (slcli 6.2.9 sends `false`); the dispatcher decides what it means.
    /// `Some(Value::Null)` when the header is there but carries no id (malformed);
    /// `None` when there is no such header.
    pub init_id: Option<Value>,
    pub mask: Option<MaskSource>,
    pub filter: Option<Value>,
    pub limit: Option<ResultLimit>,
    /// The one item of a list method's result the call asks for (REST's
    /// `SoftLayer_Account/getTickets/{id}`): an id condition the list's SQL applies, so
    /// that picking one ticket out of 200,000 reads one row. No wire header sets it.
    pub item_id: Option<i64>,
    /// Whether a template argument's members its type lacks are refused (REST) or
    /// ignored with a warning (XML-RPC, SOAP). REST maps JSON onto the type and refuses
    /// them: "The property 'contents' is not valid for 'SoftLayer_Ticket'." is its reply
    /// in softlayer-python issue 1147; over XML-RPC the same template had worked for
    /// years (softlayer-python sent `contents` in it from 2014 to 2019, as the Ruby gem
    /// still does). No wire header sets it.
    pub strict_templates: bool,
    /// Call headers that look meant for the call (a mask, filter, init parameter or
    /// limit) under a name the API does not read, which it ignores; named in the warning
    /// header. softlayer-api-php-client's XML-RPC client sends a string mask as
    /// `ObjectMask`, so its masks did nothing without a word.
    pub ignored: Vec<String>,
    /// What is wrong with an authentication header that yields no credentials (its
    /// members misnamed, `userName` for `username`): "No valid authentication headers
    /// found." alone sent people looking for a wrong key.
    pub credentials_hint: Option<String>,
    /// What the transport read past in the call's headers, said in the warning header:
    /// REST's query parameter given twice (`resultLimit=0,1&resultLimit=5,1`: the last
    /// is read, as the API's PHP reads it) or under a name REST does not read (`mask=`,
    /// which was ignored without a word).
    pub notes: Vec<String>,
}

impl CallHeaders {
    /// Says that the call header `header` (or its `member`) came twice and the last one
    /// was read, once, as REST says a parameter sent twice.
    pub fn note_repeated(&mut self, header: &str, member: Option<&str>) {
        let header = shown_warning(header);
        let note = match member {
            None => format!("call header '{header}' sent more than once: the last one read"),
            Some(member) => format!(
                "call header '{header}' member '{member}' sent more than once: the last one read"
            ),
        };
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// Reads the header struct that XML-RPC and SOAP both carry. Unknown headers are
    /// ignored, as the real API does (softlayer-go sends `User-Agent` among them).
    pub fn from_struct(service: &str, headers: &Struct) -> Result<CallHeaders, Fault> {
        let mut out = CallHeaders::default();
        for (name, value) in headers {
            match CallHeader::named(service, name) {
                Some(CallHeader::Authenticate) => {
                    out.credentials = credentials_from(value);
                    out.credentials_hint = out
                        .credentials
                        .is_none()
                        .then(|| credentials_hint(name, value));
                }
                Some(CallHeader::ResultLimit) => out.limit = Some(ResultLimit::from_header(value)?),
                Some(CallHeader::ObjectMask | CallHeader::ServiceObjectMask) => {
                    out.mask = mask_header(name, value)?.or(out.mask);
                    // Read as no mask, the call answered the whole default object without
                    // a word (suds, given its headers as a list, puts them by position:
                    // a resultLimit went under the mask header's name).
                    if let Value::Struct(members) = value
                        && !members.is_empty()
                        && !members.contains_key("mask")
                    {
                        let held: Vec<String> = members
                            .keys()
                            .take(5)
                            .map(|k| format!("'{}'", shown_warning(k)))
                            .collect();
                        out.notes.push(format!(
                            "call header '{}' has no member 'mask' (it holds {}): ignored",
                            shown_warning(name),
                            held.join(", ")
                        ));
                    }
                }
                // A header without a usable `id` is kept as nil: malformed, not absent.
                Some(CallHeader::InitParameters) => {
                    out.init_id = Some(value.get("id").cloned().unwrap_or(Value::Null));
                    if let Some(note) = init_hint(name, value) {
                        out.notes.push(note);
                    }
                }
                Some(CallHeader::ObjectFilter) => out.filter = filter_header(name, value)?,
                None => out.ignore(name),
            }
        }
        Ok(out)
    }

    /// Whether a call to `service` reads the header `name` ([`from_struct`] ignores the
    /// others): SOAP answers `SOAP-ENV:MustUnderstand` for a header the client marked
    /// `mustUnderstand` that is not one of these.
    ///
    /// [`from_struct`]: Self::from_struct
    pub fn understood(service: &str, name: &str) -> bool {
        CallHeader::named(service, name).is_some()
    }

    /// Notes a header the API does not read when its name says what it was meant for
    /// (others, such as softlayer-go's `User-Agent`, pass silently).
    fn ignore(&mut self, name: &str) {
        // `initparameter` without the `s` too: `SoftLayer_TicketInitParameter` is a
        // misspelling that otherwise reads as no id at all.
        const MEANT: [&str; 5] = ["mask", "filter", "initparameter", "limit", "auth"];
        const MAX_NAMED: usize = 10;
        let lower = name.to_ascii_lowercase();
        if self.ignored.len() < MAX_NAMED && MEANT.iter().any(|m| lower.contains(m)) {
            self.ignored.push(shown_warning(name));
        }
    }
}

/// What explains a "-32602 invalid method init parameters": the header's id is nil or
/// missing, or there under another case (`ID`, `Id`: a script's guess, or a Go struct's
/// field name), where member names are case-sensitive and only `id` is read.
fn init_hint(header: &str, value: &Value) -> Option<String> {
    let header = shown_warning(header);
    let members = match value {
        Value::Struct(members) => members,
        _ => {
            return Some(format!(
                "call header '{header}' is not a struct: send {{id: ID}}"
            ));
        }
    };
    match members.get("id") {
        Some(Value::Null) => Some(format!(
            "call header '{header}' names no object: its 'id' is nil"
        )),
        Some(_) => None,
        None => Some(
            match members.keys().find(|k| k.eq_ignore_ascii_case("id")) {
                Some(misspelt) => format!(
                    "call header '{header}' has no member 'id' ('{}' is not read: the member is 'id', in lower case)",
                    shown_warning(misspelt)
                ),
                None => {
                    format!("call header '{header}' names no object: send its id as member 'id'")
                }
            },
        ),
    }
}

/// A mask header's mask: `{mask: TEXT}` or the legacy `{mask: {…}}`, or the mask text as
/// the header itself (a script's `headers['SoftLayer_ObjectMask'] = 'mask[id]'`, which
/// would otherwise be ignored and answer without the relations it asks for). Text may
/// come as base64 ([`header_text`]). Anything else (a number, a list) is refused: read as
/// no mask, the call would answer with properties the caller did not ask for.
fn mask_header(header: &str, value: &Value) -> Result<Option<MaskSource>, Fault> {
    let mask = match value {
        Value::Struct(members) => match members.get("mask") {
            Some(mask) => mask,
            None => return Ok(None),
        },
        // Blank text as the header is no mask; PHP's encoders write a null so.
        Value::String(s) if s.php_trim().is_empty() => return Ok(None),
        other => other,
    };
    match mask {
        Value::Null => Ok(None),
        // PHP's encoders write an empty array, associative or not, as an empty list.
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Struct(legacy) => Ok(Some(MaskSource::Legacy(legacy.clone()))),
        other => match header_text(header, other)? {
            Some(text) => Ok(Some(MaskSource::Text(text.to_string()))),
            None => Err(Fault::bad_argument(
                "Unable to parse object mask: it must be text (mask[...]) or a struct holding it as mask.",
            )),
        },
    }
}

/// An object filter header: a struct, or JSON text as REST's `objectFilter` takes it
/// (from a script that pastes one in), also as base64 ([`header_text`]). Anything else is
/// refused, not ignored: an ignored filter answers with every object.
fn filter_header(header: &str, value: &Value) -> Result<Option<Value>, Fault> {
    match value {
        Value::Null => Ok(None),
        // PHP's encoders write an empty array, associative or not, as an empty list.
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Struct(_) => Ok(Some(value.clone())),
        other => match header_text(header, other)? {
            Some(text) => filter_from_json(text.php_trim()),
            None => Err(Fault::bad_argument(
                "Unable to parse object filter: it must be a JSON object.",
            )),
        },
    }
}

/// A call header's value as text: a string, or base64 of UTF-8 text (Perl's XMLRPC::Lite
/// and SOAP::Lite send every string holding a character past ASCII as base64, and PHP,
/// behind the real API, reads the decoded bytes as the string). `None` for other values;
/// bytes that are not UTF-8 are refused, naming the header.
fn header_text<'v>(header: &str, value: &'v Value) -> Result<Option<&'v str>, Fault> {
    match value {
        Value::String(text) => Ok(Some(text)),
        Value::Base64(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Some(text)),
            Err(_) => Err(Fault::invalid_value(format!(
                "Invalid value for the {header} header: its base64 is not UTF-8 text."
            ))),
        },
        _ => Ok(None),
    }
}

/// An object filter written as JSON text (REST's `objectFilter`); `None` for nothing or
/// `null`.
pub fn filter_from_json(text: &str) -> Result<Option<Value>, Fault> {
    if text.is_empty() {
        return Ok(None);
    }
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Fault::bad_argument(format!(
            "Unable to parse object filter: {}.",
            crate::value::json_error_said(&e, text.as_bytes())
        ))
    })?;
    match json {
        serde_json::Value::Null => Ok(None),
        // PHP's `json_encode([])`, as its XML-RPC and SOAP encoders' empty array is
        // (`filter_header`): no filter on every transport.
        serde_json::Value::Array(items) if items.is_empty() => Ok(None),
        serde_json::Value::Object(_) => Ok(Some(Value::from(&json))),
        _ => Err(Fault::bad_argument(
            "Unable to parse object filter: it must be a JSON object.",
        )),
    }
}

/// Why the authentication header `header` gave no credentials, naming what it holds.
fn credentials_hint(header: &str, value: &Value) -> String {
    const MAX_NAMED: usize = 10;
    let reads = "it reads username and apiKey, or userId and authToken";
    match value {
        // The names are right but a value is not text (PHP's unset variable sends nil):
        // naming the two it holds and asking for those two read as a contradiction.
        Value::Struct(members)
            if ["username", "apiKey"]
                .iter()
                .all(|k| members.contains_key(*k))
                || ["userId", "authToken"]
                    .iter()
                    .all(|k| members.contains_key(*k)) =>
        {
            let not_text: Vec<String> =
                ["username", "apiKey", "authToken"]
                    .iter()
                    .filter_map(|k| Some((k, members.get(*k)?)))
                    .filter(|(_, v)| v.as_str().is_none())
                    .map(|(k, v)| format!("'{k}' is {}, not text", kind_of(v)))
                    .chain(members.get("userId").filter(|v| v.as_i64().is_none()).map(
                        |v| match v {
                            // An id, no secret: shown (5001.5 is "a number" too).
                            Value::Float(f) if f.fract() == 0.0 => {
                                format!("'userId' is {f:e}, past a 64-bit id")
                            }
                            Value::Float(f) => format!("'userId' is {f}, not a whole number"),
                            Value::String(s) if crate::value::is_whole_number_text(s) => {
                                // The reason first: a warning is cut at 300 characters.
                                let all = s.php_trim();
                                let digits: String = all.chars().take(40).collect();
                                // Marked when cut: 40 digits alone read as the number sent.
                                let more = if all.len() > digits.len() { "..." } else { "" };
                                format!(
                                    "'userId' is past a 64-bit id: {}{more}",
                                    shown_warning(&digits)
                                )
                            }
                            v => format!("'userId' is {}, not a whole number", kind_of(v)),
                        },
                    ))
                    .collect();
            format!("call header '{header}': {}", not_text.join("; "))
        }
        Value::Struct(members) if !members.is_empty() => {
            let mut named: Vec<String> = members
                .keys()
                .take(MAX_NAMED)
                .map(|k| format!("'{k}'"))
                .collect();
            if members.len() > MAX_NAMED {
                named.push(format!("{} more", members.len() - MAX_NAMED));
            }
            format!(
                "call header '{header}' holds {}: {reads} (text, and userId a number)",
                named.join(", ")
            )
        }
        Value::Struct(_) => format!("call header '{header}' holds nothing: {reads}"),
        _ => format!("call header '{header}' is no struct of credentials: {reads}"),
    }
}

/// What kind of value a credential member holds, for a hint (never the value itself).
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nil",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Struct(_) => "a struct",
        Value::Array(_) => "a list",
        Value::Base64(_) => "base64",
        _ => "text",
    }
}

fn credentials_from(value: &Value) -> Option<Credentials> {
    let text = |k: &str| value.get(k).and_then(|v| v.as_str().map(str::to_string));
    if let (Some(username), Some(api_key)) = (text("username"), text("apiKey")) {
        return Some(Credentials::ApiKey { username, api_key });
    }
    let user_id = value.get("userId").and_then(Value::as_i64)?;
    let token = text("authToken")?;
    Some(Credentials::PortalToken { user_id, token })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: String,
    pub method: String,
    pub headers: CallHeaders,
    /// The method's own arguments, in the order its SLDN page lists them.
    pub args: Vec<Value>,
}

/// A successful result; `total` is set for list results (before the result limit) and
/// becomes `SoftLayer-Total-Items` / the SOAP `totalItems` header.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub value: Value,
    /// The SoftLayer type of the result (`SoftLayer_Ticket`, `SoftLayer_Ticket[]`,
    /// `boolean`, `void`…), for codecs that annotate types (SOAP).
    pub type_name: String,
    pub total: Option<u64>,
    /// What the emulator tells the developer about the call without failing it (an
    /// object-filter operation it ignored): the `X-SoftLayer-Emulator-Warning` header.
    pub warnings: Vec<String>,
}

/// The response header that carries [`Reply::warnings`].
pub const WARNING_HEADER: &str = "X-SoftLayer-Emulator-Warning";

/// The warnings as one header value: visible ASCII only, joined by "; ".
pub fn warning_header_value(warnings: &[String]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let shown: Vec<String> = warnings.iter().map(|w| shown_warning(w)).collect();
    Some(shown.join("; "))
}

/// A warning as the header and the log show it: visible ASCII, cut short. A warning
/// quotes what the caller sent (a property name may be a megabyte long), and clients
/// refuse long header lines (Python's http.client at 64 KiB). Any other character is
/// written as JSON escapes it (`t\u00edtle`, `\ud83d\ude00`): a header value is ASCII,
/// and the `?` each once became hid which character was wrong.
pub fn shown_warning(warning: &str) -> String {
    let mut cut = String::new();
    for c in warning.chars().take(MAX_QUOTED_CHARS) {
        if c == ' ' || c.is_ascii_graphic() {
            cut.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                cut.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    if warning.chars().nth(MAX_QUOTED_CHARS).is_some() {
        cut.push_str("...");
    }
    cut
}

/// The most characters of a caller's text that a warning or a fault repeats.
pub const MAX_QUOTED_CHARS: usize = 300;

/// A name the caller sent, as a fault repeats it: cut after [`MAX_QUOTED_CHARS`]
/// characters, as a warning is. A property or group name may be megabytes long, and
/// repeated whole it made the answer (and the journal's record of it) as long.
pub fn quoted_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}...", &name[..end]).into(),
        None => name.into(),
    }
}

/// Takes a list reply item by item, so that a long list is written out as it is read
/// and never sits in memory whole.
pub trait ItemSink {
    /// Before [`start`](Self::start): the reply's warnings, if it has any.
    fn warn(&mut self, _warnings: &[String]) {}
    /// Before the first item: the total before the result limit, and how many items
    /// follow.
    fn start(&mut self, total: u64, items: u64) -> Result<(), Fault>;
    fn item(&mut self, item: Value) -> Result<(), Fault>;
    /// Whether items stay in memory once given (a collected reply) rather than being
    /// written out: kept items go on counting against the call's work budget.
    fn keeps_items(&self) -> bool {
        true
    }
}

/// A sink that keeps the items: the reply of transports that write whole documents.
#[derive(Default)]
pub struct Collect {
    pub total: u64,
    pub items: Vec<Value>,
    pub warnings: Vec<String>,
}

impl ItemSink for Collect {
    fn warn(&mut self, warnings: &[String]) {
        self.warnings.extend_from_slice(warnings);
    }

    fn start(&mut self, total: u64, _items: u64) -> Result<(), Fault> {
        self.total = total;
        Ok(())
    }

    fn item(&mut self, item: Value) -> Result<(), Fault> {
        self.items.push(item);
        Ok(())
    }
}

/// What the pipeline tells an observer about a call (the call journal, fault
/// injection). Every method has a default that does nothing.
pub trait Observer: Send + Sync {
    /// The call is parsed and its caller authenticated, and the handler has not run:
    /// a fault returned here is the call's answer.
    fn admitted(&self, _call: &Call, _principal: &crate::store::Principal) -> Result<(), Fault> {
        Ok(())
    }

    /// The call is parsed and not yet dispatched (no transaction is open): a fault
    /// returned here is the call's answer. The harness injects faults and latency here.
    /// `caller` looks up whom the call's credentials authenticate (`None` if they do not).
    fn intercept(
        &self,
        _transport: &'static str,
        _call: &Call,
        _caller: &dyn Fn() -> Option<crate::store::Principal>,
    ) -> Result<(), Fault> {
        Ok(())
    }

    /// Whether [`Observer::intercept`] may now keep a call waiting (the harness's
    /// injected latency): such calls are answered on the blocking pool.
    fn may_hold_calls(&self) -> bool {
        false
    }

    /// Whether repeated reads may be answered from the reply cache now (a fault rule
    /// must see every call).
    fn cache_allowed(&self) -> bool {
        true
    }

    /// The call is answered (or was refused before it could be parsed: `call` is then
    /// `None`).
    fn finished(&self, _outcome: &Outcome<'_>) {}

    /// What this observer keeps about the call the current thread is answering, taken
    /// from the thread: a write's work moves to the writer thread and its answer back to
    /// the blocking pool, and what was learnt on one thread goes along with it.
    fn take_trace(&self) -> CallTrace {
        CallTrace::default()
    }

    /// Gives the current thread the call's [`CallTrace`] (replacing any left there).
    fn put_trace(&self, _trace: CallTrace) {}
}

/// What an observer learnt about one call while it ran on some thread (see
/// [`Observer::take_trace`]).
#[derive(Debug, Default)]
pub struct CallTrace {
    /// The caller, once admitted: username and account.
    pub caller: Option<(String, i64)>,
    /// The fault rule that fired on the call.
    pub injected: Option<u64>,
}

/// How one call ended, as the pipeline saw it.
#[derive(Debug)]
pub struct Outcome<'a> {
    /// `xmlrpc`, `soap` or `rest`.
    pub transport: &'static str,
    pub call: Option<&'a Call>,
    /// `None` for a reply.
    pub fault: Option<&'a Fault>,
    /// The fault's message as the transport wrote it ([`Codec::fault_message`]).
    ///
    /// [`Codec::fault_message`]: crate::protocol::codec::Codec::fault_message
    pub fault_message: Option<std::borrow::Cow<'a, str>>,
    pub status: u16,
    /// From the start of the pipeline's work on the call (after the body was read) to
    /// its last byte handed to the connection.
    pub duration: std::time::Duration,
    /// Bytes of the response body.
    pub bytes: u64,
    /// Served from the reply cache.
    pub cached: bool,
    /// The reply, when it was written whole.
    pub reply: Option<&'a Reply>,
    /// The reply's body, when the journal can keep it in place of the reply (see
    /// [`ReplyBody`]).
    pub reply_body: Option<(&'a bytes::Bytes, ReplyBody)>,
    /// The `SoftLayer-Total-Items` the answer carried: a list's total before the result
    /// limit, also when the list was streamed or came from the reply cache (`reply` is
    /// then `None`).
    pub total: Option<u64>,
    /// The request as it was sent, when its call alone does not say it.
    pub nested: Option<&'a NestedPath>,
    /// The id the call ran on when its init parameter was found as it ran
    /// ([`Codec::ran_on`]).
    ///
    /// [`Codec::ran_on`]: crate::protocol::codec::Codec::ran_on
    pub ran_on: Option<i64>,
    /// The reply cache's key of the request (the same for every repeat of it).
    pub cache_key: Option<&'a [u8]>,
    /// What the reply's `X-SoftLayer-Emulator-Warning` header said (an ignored filter
    /// operation, an unknown template property), for the journal.
    pub warnings: &'a [String],
    /// Refused before its body was read: whatever its fault names (a PUT to
    /// `/xmlrpc/v3.1/` is "Service does not exist"), no call was read to name.
    pub unread: bool,
}

/// What a whole reply's body is, for the journal: it keeps the body as sent rather than
/// writing the reply's value again. Writing every XML-RPC and SOAP reply as JSON was 6-7%
/// of an uncached getObject; most journal entries are never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyBody {
    /// The reply's value as JSON, byte for byte what `serde_json` writes of it (REST's
    /// `.json`).
    ValueJson,
    /// An XML-RPC reply: `params` with the value in its one `param`.
    XmlRpc,
    /// A SOAP envelope with the value as the `{method}Return` of its body.
    Soap,
}

/// The observer that observes nothing.
pub struct NoObserver;

impl Observer for NoObserver {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count sent as text means what the same number sent as a number means: `-0` is
    /// 0 (as text it was refused, where `<int>-0</int>` was 0).
    #[test]
    fn result_limit_counts_as_text_read_as_numbers() {
        let limit = |offset: Value, limit: Value| {
            ResultLimit::from_header(&Value::Struct(
                [("offset".to_string(), offset), ("limit".to_string(), limit)]
                    .into_iter()
                    .collect(),
            ))
        };
        assert_eq!(
            limit(Value::String("-0".into()), Value::String(" 5 ".into())).unwrap(),
            limit(Value::Int(0), Value::Int(5)).unwrap()
        );
        assert!(limit(Value::String("-1".into()), Value::Int(5)).is_err());
        assert_eq!(parse_count("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_count("+7"), Some(7));
        assert_eq!(parse_count("1.0"), None);
    }

    /// Every header is known by its own name in a call to any service, and by no other
    /// service's prefixed name.
    #[test]
    fn headers_are_known_by_their_names() {
        for header in CallHeader::ALL {
            let name = header.name("SoftLayer_Ticket");
            assert_eq!(CallHeader::named("SoftLayer_Ticket", &name), Some(header));
            assert!(CallHeaders::understood("SoftLayer_Ticket", &name));
        }
        assert_eq!(
            CallHeader::named("SoftLayer_Account", "SoftLayer_TicketObjectMask"),
            None
        );
        assert_eq!(
            CallHeader::from_rest_parameter("OBJECTMASK"),
            Some(CallHeader::ObjectMask)
        );
    }
}
