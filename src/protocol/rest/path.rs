//! Reading a REST request's path, HTTP method and query string.

use super::Format;
use crate::call::{CallHeader, Fault, ResultLimit};
use crate::schema::mask::ObjectMask;
use crate::value::{PhpTrim, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub(super) fn parse(method: &str) -> Option<Verb> {
        // Case-sensitive (RFC 9110 §9.1), as every other path of the server takes them:
        // `get` read here alone.
        let is = |name: &str| method == name;
        if is("GET") || is("HEAD") {
            Some(Verb::Get)
        } else if is("POST") {
            Some(Verb::Post)
        } else if is("PUT") {
            Some(Verb::Put)
        } else if is("DELETE") {
            Some(Verb::Delete)
        } else {
            None
        }
    }

    /// The method a path without one calls.
    pub(super) fn implicit_method(self) -> &'static str {
        match self {
            Verb::Get => "getObject",
            Verb::Post => "createObject",
            Verb::Put => "editObject",
            Verb::Delete => "deleteObject",
        }
    }

    /// Whether the body carries parameters. SLDN's REST article says the API ignores a
    /// GET's data, but a body of parameters sent with GET (Java 11's HttpClient, `curl -X
    /// GET -d`, Go's `http.NewRequest`) is the caller's explicit input: dropped, the call
    /// failed "Please provide a close date." with no word of the body.
    pub(super) fn reads_body(self) -> bool {
        matches!(self, Verb::Get | Verb::Post | Verb::Put)
    }
}

/// Refuses text holding a character XML 1.0 does not allow (a control character other
/// than tab, line feed and carriage return, U+FFFE, U+FFFF), as the XML-RPC and SOAP
/// transports refuse it (with the same class, `SoftLayer_Exception_WebService_BadRequest`).
/// JSON and URLs can carry such characters; taken in, they were stored, and then read
/// back as sent by JSON clients but as U+FFFD by XML clients. `place` says where the
/// text was.
pub(super) fn refuse_forbidden_text(
    text: &str,
    place: impl FnOnce() -> String,
) -> Result<(), Fault> {
    match crate::protocol::xml::forbidden_character(text) {
        None => Ok(()),
        Some((_, c)) => Err(Fault::bad_request(format!(
            "Invalid text {}: U+{:04X} is {}.",
            place(),
            u32::from(c),
            crate::protocol::xml::NOT_CARRIED
        ))),
    }
}

/// [`refuse_forbidden_text`] for every text in a value, member names included; a text
/// inside a struct is named by its member.
pub(super) fn refuse_forbidden_value(
    value: &Value,
    place: &str,
    member: Option<&str>,
) -> Result<(), Fault> {
    let named = |member: Option<&str>| match member {
        Some(name) => format!("{place} ('{name}')"),
        None => place.to_string(),
    };
    match value {
        Value::String(text) | Value::DateTime(text) => {
            refuse_forbidden_text(text, || named(member))
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| refuse_forbidden_value(item, place, member)),
        Value::Struct(members) => members.into_iter().try_for_each(|(name, item)| {
            refuse_forbidden_text(name, || format!("{place} (a member name)"))?;
            refuse_forbidden_value(item, place, Some(name))
        }),
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Base64(_) => Ok(()),
    }
}

/// The decoded, non-empty path segments (refused if one is not UTF-8) and the format
/// named by the last one's extension.
pub(super) fn split_path(rest_path: &str) -> (Result<Vec<String>, Fault>, Format) {
    // A refused segment still counts for the format, which its fault is written in.
    let mut refused = None;
    let mut segments: Vec<String> = rest_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_decode_utf8(s, false).unwrap_or_else(|fault| {
                refused.get_or_insert(fault);
                percent_decode(s, false)
            })
        })
        .collect();
    let mut format = Format::Json;
    if let Some(last) = segments.last_mut() {
        if let Some((stem, ext)) = last.rsplit_once('.') {
            let named = if ext.eq_ignore_ascii_case("json") {
                Some(Format::Json)
            } else if ext.eq_ignore_ascii_case("xml") {
                Some(Format::Xml)
            } else if ext.eq_ignore_ascii_case("txt") {
                Some(Format::Text)
            } else {
                None
            };
            if let Some(named) = named {
                format = named;
                let stem_len = stem.len();
                last.truncate(stem_len);
            }
        }
        if last.is_empty() {
            segments.pop();
        }
    }
    (refused.map_or(Ok(segments), Err), format)
}

/// `%XX` escapes decoded (and `+` as a space in query strings); a `%` not followed by two
/// hex digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    if !text.contains(['%', '+']) {
        return text.to_string();
    }
    let out = percent_decode_bytes(text, plus_is_space);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`percent_decode`] for a request's own path and query: text that is not UTF-8 is
/// refused, as in a body, rather than read (and stored) as U+FFFD.
fn percent_decode_utf8(text: &str, plus_is_space: bool) -> Result<String, Fault> {
    if !text.contains(['%', '+']) {
        return Ok(text.to_string());
    }
    String::from_utf8(percent_decode_bytes(text, plus_is_space)).map_err(|_| {
        Fault::bad_argument(format!(
            "Invalid text in the URL: '{text}' decodes to bytes that are not UTF-8."
        ))
    })
}

fn percent_decode_bytes(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                });
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

pub(super) fn is_id(segment: &str) -> bool {
    !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
}

/// An init parameter from the path: an int when it is one, the text otherwise.
pub(super) fn id_value(segment: &str) -> Value {
    segment
        .parse::<i64>()
        .map(Value::Int)
        .unwrap_or_else(|_| Value::String(segment.to_string()))
}

// ---------------------------------------------------------------------------------------
// Query parameters

#[derive(Debug, Default)]
pub(super) struct Query {
    pub(super) mask: Option<String>,
    pub(super) filter: Option<Value>,
    pub(super) limit: Option<ResultLimit>,
    /// What was read past: a call parameter given more than once (the last one is
    /// read), one under a name REST does not read.
    pub(super) notes: Vec<String>,
}

impl Query {
    /// The `objectMask` parameter, parsed where the call is built (after the path has
    /// named a service and method that exist).
    pub(super) fn parsed_mask(&self) -> Result<Option<std::sync::Arc<ObjectMask>>, Fault> {
        self.mask
            .as_deref()
            .map(ObjectMask::parse_shared)
            .transpose()
            .map_err(Fault::from)
    }
}

pub(super) fn parse_query(query: Option<&str>) -> Result<Query, Fault> {
    let mut out = Query::default();
    let mut seen = Vec::new();
    for pair in query.unwrap_or("").split('&') {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode_utf8(name, true)?;
        let value = percent_decode_utf8(value, true)?;
        // As the other transports trim a header's text: `objectFilter=%E3%80%80` was no
        // filter here and a fault over XML-RPC.
        let text = value.php_trim();
        let header = CallHeader::from_rest_parameter(&name);
        // Named as the API spells it: `objectMask=…&objectmask=…` sends one twice.
        if let Some(h) = header
            && seen.contains(&h)
            && let Some(canonical) = h.rest_parameter()
        {
            let note =
                format!("call parameter '{canonical}' sent more than once: the last one read");
            if !out.notes.contains(&note) {
                out.notes.push(note);
            }
        }
        // A name meant for one REST reads under another (`mask=`, softlayer-python's
        // keyword; `limit=`): ignored, as the API ignores it, and said.
        const MEANT: [&str; 4] = ["mask", "filter", "limit", "offset"];
        let lower = name.to_ascii_lowercase();
        if header.is_none() && MEANT.iter().any(|m| lower.contains(m)) && out.notes.len() < 10 {
            out.notes.push(format!(
                "query parameter '{}' is not one REST reads (objectMask, objectFilter, \
                 resultLimit): ignored",
                crate::call::shown_warning(&name)
            ));
        }
        seen.extend(header);
        match header {
            // Untrimmed, as the other transports parse it: a parser fault's line and
            // column count from the mask the client sent (trimmed, "\n\nmask[id,,x]"
            // was a fault at line 1 here and line 3 over XML-RPC and SOAP).
            Some(CallHeader::ObjectMask) => out.mask = (!text.is_empty()).then(|| value.clone()),
            Some(CallHeader::ObjectFilter) => out.filter = crate::call::filter_from_json(text)?,
            Some(CallHeader::ResultLimit) => out.limit = parse_limit(text)?,
            _ => {}
        }
    }
    Ok(out)
}

/// `offset,limit` or `limit`.
fn parse_limit(text: &str) -> Result<Option<ResultLimit>, Fault> {
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || {
        Fault::bad_argument(format!(
            "Invalid resultLimit \"{text}\": use resultLimit=offset,limit or resultLimit=limit."
        ))
    };
    // A negative number is a number in the right place: said so, as XML-RPC and SOAP
    // say it of their header's member.
    let number = |s: &str| {
        crate::call::parse_count(s).ok_or_else(|| match s.php_trim().parse::<i64>() {
            Ok(negative) => Fault::bad_argument(format!(
                "Invalid resultLimit \"{text}\": {negative} is negative; use whole numbers of 0 or more."
            )),
            Err(_) => bad(),
        })
    };
    let (offset, limit) = match text.split_once(',') {
        Some((offset, limit)) => (number(offset)?, number(limit)?),
        None => (0, number(text)?),
    };
    Ok(Some(ResultLimit::new(offset, limit)))
}
