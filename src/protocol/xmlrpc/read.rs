//! Reading XML-RPC: a `methodCall` into a call (its `headers` struct first, then the
//! method's arguments), with the bounds every request is read under, and the journal's
//! reading back of a reply this server wrote.

use crate::call::{Call, CallHeader, CallHeaders, Fault};
use crate::protocol::xml::{
    JSON_AT_XML_ENDPOINT, PlainLexer, PlainToken, attribute_value, check_declaration,
    check_pi_target, check_raw_text, declared_encoding, decode_body, is_blank, quoted_text,
    split_name, starts_as_json, unescaped,
};
use crate::value::{PhpTrim, Struct, Value};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;

/// Deepest element nesting accepted in a request. Each level of a struct is three
/// elements (`value`, `struct`, `member`), so the 64 of SOAP's bound held a filter of only
/// 14 levels under its header: one 15 deep, which REST and SOAP answered, was "not well
/// formed" here, and the filter's own bound (16) and the mask's (32) were never reached.
const MAX_DEPTH: usize = 128;

/// Parses a `methodCall` body sent to `/xmlrpc/v3[.1]/{service}`.
pub fn parse_call(service: &str, body: &[u8]) -> Result<Call, Fault> {
    let text = decode_body(body)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Ordinary requests are read by the quick lexer; anything it does not take (and
    // every malformed request) is read again by quick-xml, whose answer stands.
    let (method, mut params, repeated) = match Parser::quick(text).call() {
        Ok(read) => read,
        Err(_) => match Parser::new(text).call() {
            Ok(read) => read,
            Err(_) if starts_as_json(text.as_bytes()) => {
                return Err(malformed(JSON_AT_XML_ENDPOINT));
            }
            Err(fault) => return Err(fault),
        },
    };
    // SLDN's XML-RPC article: -32601 when "your call is missing a <methodName> entity".
    if method.is_empty() {
        return Err(Fault::MethodNotFound {
            service: service.to_string(),
            method,
        });
    }
    // PHP escapes every byte past ASCII, so its bodies are ASCII; a body with raw
    // non-ASCII text (softlayer-python's UTF-8) is taken as sent: "Ã©" stays "Ã©".
    if declares_latin1(text) && text.is_ascii() {
        params.iter_mut().for_each(repair_php_utf8);
    }

    // The header struct is `{headers: {...}}` in the first param; take it out in place.
    let header_struct = match params.first_mut() {
        Some(Value::Struct(first)) => match first.get_mut("headers") {
            Some(Value::Struct(headers)) => Some(std::mem::take(headers)),
            _ => None,
        },
        _ => None,
    };
    let headers = match header_struct {
        Some(headers) => {
            params.remove(0);
            let mut read = CallHeaders::from_struct(service, &headers)?;
            for (header, member) in repeated_limits(service, &repeated) {
                read.note_repeated(header, member);
            }
            read
        }
        None => CallHeaders::default(),
    };

    Ok(Call {
        service: service.to_string(),
        method,
        headers,
        args: params,
    })
}

/// The value of a reply this server wrote ([`write_reply`]), for the journal; `None` for
/// a fault or anything else. Nesting is not bounded as in requests: a reply is as deep
/// as the mask asked for (three elements per level).
pub fn reply_value(body: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(body).ok()?;
    let mut parser = Parser::new(text);
    parser.max_depth = usize::MAX;
    parser.response().ok()
}

/// Whether the prolog declares ISO-8859-1 (`<?xml version="1.0" encoding="iso-8859-1"?>`).
fn declares_latin1(text: &str) -> bool {
    declared_encoding(text.as_bytes()).is_some_and(|name| {
        ["iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1"]
            .iter()
            .any(|n| name.eq_ignore_ascii_case(n))
    })
}

/// In an ASCII body under a Latin-1 prolog, a string made only of characters up to
/// U+00FF that, taken as bytes, are valid UTF-8 (with at least one multi-byte sequence)
/// is that UTF-8 text: what PHP's `xmlrpc_encode_request` sends for non-ASCII text, one
/// character reference a byte. Anything else (real Latin-1 text, `&#233;` for "é") is
/// left as it is: "é" read as Latin-1 is the lone byte 0xE9, which is not UTF-8. UTF-8
/// sent raw, as softlayer-python sends it, never comes here: "Ã©" so sent is meant.
fn repair_php_utf8(value: &mut Value) {
    match value {
        Value::String(s)
            if s.chars().any(|c| c as u32 >= 0x80) && s.chars().all(|c| c as u32 <= 0xFF) =>
        {
            let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
            if let Ok(text) = String::from_utf8(bytes) {
                *s = text;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(repair_php_utf8),
        Value::Struct(members) => members.values_mut().for_each(repair_php_utf8),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// Request

/// What a SOAP envelope POSTed to an XML-RPC endpoint is told.
const SOAP_AT_XMLRPC: &str =
    "the root element is a SOAP Envelope, not <methodCall>: SOAP is served at /soap/v3.1/{Service}";

fn malformed(detail: impl Into<String>) -> Fault {
    Fault::malformed(detail)
}

fn unexpected_element(e: &Tag<'_>) -> Fault {
    malformed(format!(
        "unexpected element <{}>",
        String::from_utf8_lossy(e.name())
    ))
}

/// Text between elements must be whitespace.
fn expect_blank(text: &str) -> Result<(), Fault> {
    if is_blank(text) {
        Ok(())
    } else {
        Err(malformed(format!(
            "unexpected text {:?}",
            quoted_text(text)
        )))
    }
}

/// Adds a piece of character data to what a text node has collected so far; allocates
/// only when a node arrives in more than one piece (around a comment or CDATA section).
fn append<'a>(acc: &mut Option<Cow<'a, str>>, piece: Cow<'a, str>) {
    match acc {
        None => *acc = Some(piece),
        Some(text) => text.to_mut().push_str(&piece),
    }
}

/// What the grammar sees of the event stream: comments and processing instructions are
/// gone, entity references are decoded, CDATA is plain text.
enum Token<'a> {
    Open(Tag<'a>),
    Close,
    Text(Cow<'a, str>),
    Eof,
}

/// A start tag's qualified name.
struct Tag<'a> {
    name: Cow<'a, [u8]>,
}

impl<'a> Tag<'a> {
    /// A copy of a quick-xml start tag's name (quick-xml lends it for the event only).
    fn of(e: BytesStart<'_>) -> Self {
        Tag {
            name: Cow::Owned(e.name().as_ref().to_vec()),
        }
    }

    fn name(&self) -> &[u8] {
        &self.name
    }

    /// The name after its prefix (`ex:i8` is `i8`), as quick-xml splits it: at the first
    /// colon.
    fn local_name(&self) -> &[u8] {
        split_name(&self.name).1
    }
}

/// Where the tokens come from.
enum Source<'a> {
    /// quick-xml: every construct of XML 1.0 a request may use, every check.
    Full(Reader<&'a [u8]>),
    /// The plain XML clients send; a tag with attributes is left to quick-xml (clients
    /// send none, and the grammar ignores them once quick-xml has checked them).
    Quick(PlainLexer<'a>),
}

pub(super) struct Parser<'a> {
    source: Source<'a>,
    depth: usize,
    max_depth: usize,
    at_start: bool,
    /// Values read so far, within [`crate::protocol::MAX_VALUES`].
    values: usize,
    /// The name of the innermost struct member whose value is being read, for faults
    /// that name it.
    member: Option<String>,
    /// Members a struct held twice (the last one is read), by the name of the member
    /// holding the struct: a result limit's said in the warning header, as REST says its
    /// parameters sent twice.
    repeated: Repeated,
}

/// Members held twice in a struct: (the member holding the struct, the member's name).
type Repeated = Vec<(Option<String>, String)>;

/// At most this many members held twice are kept ([`Parser::repeated`]).
const MAX_REPEATED: usize = 8;

/// A `resultLimit` header, or its `limit` or `offset`, given twice in the `headers`
/// struct, as (header, member): the last one is read without a word otherwise.
fn repeated_limits<'r>(
    service: &'r str,
    repeated: &'r Repeated,
) -> impl Iterator<Item = (&'r str, Option<&'r str>)> + 'r {
    let is_limit =
        move |name: &str| CallHeader::named(service, name) == Some(CallHeader::ResultLimit);
    repeated
        .iter()
        .filter_map(move |(holder, name)| match holder.as_deref() {
            Some("headers") if is_limit(name) => Some((name.as_str(), None)),
            Some(holder) if is_limit(holder) && (name == "limit" || name == "offset") => {
                Some((holder, Some(name.as_str())))
            }
            _ => None,
        })
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Parser {
            source: Source::Full(crate::protocol::xml::strict_reader(text)),
            depth: 0,
            max_depth: MAX_DEPTH,
            at_start: true,
            values: 0,
            member: None,
            repeated: Vec::new(),
        }
    }

    /// A parser over [`PlainLexer`]: fails on anything the lexer does not take.
    pub(super) fn quick(text: &'a str) -> Self {
        Parser {
            source: Source::Quick(PlainLexer::new(text)),
            depth: 0,
            max_depth: MAX_DEPTH,
            at_start: true,
            values: 0,
            member: None,
            repeated: Vec::new(),
        }
    }

    fn next(&mut self) -> Result<Token<'a>, Fault> {
        let reader = match &mut self.source {
            Source::Quick(lexer) => {
                return lexer
                    .token()
                    .and_then(plain_token)
                    .ok_or_else(|| malformed("not read by the quick lexer"));
            }
            Source::Full(reader) => reader,
        };
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    return Err(malformed(format!(
                        "at byte {}: {e}",
                        reader.error_position()
                    )));
                }
            };
            let at_start = std::mem::replace(&mut self.at_start, false);
            match event {
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(malformed(format!(
                            "elements nested deeper than {}",
                            self.max_depth
                        )));
                    }
                    for (n, attribute) in e.attributes().enumerate() {
                        if n == crate::protocol::xml::MAX_ATTRIBUTES {
                            return Err(malformed(format!(
                                "an element with more than {} attributes",
                                crate::protocol::xml::MAX_ATTRIBUTES
                            )));
                        }
                        // Attributes mean nothing to XML-RPC, but one may still be
                        // malformed (a raw `<`), or bring in by reference a character
                        // XML does not allow.
                        let attribute =
                            attribute.map_err(|err| malformed(format!("bad attribute: {err}")))?;
                        attribute_value(&attribute.value)?;
                    }
                    return Ok(Token::Open(Tag::of(e)));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Token::Close);
                }
                // Not produced: empty elements are expanded into Start and End.
                Event::Empty(e) => return Err(unexpected_element(&Tag::of(e))),
                Event::Text(t) => {
                    check_raw_text(&t)?;
                    return match t.unescape() {
                        Ok(Cow::Borrowed(text)) => Ok(Token::Text(Cow::Borrowed(text))),
                        Ok(owned) => unescaped(owned).map(|text| Token::Text(Cow::Owned(text))),
                        Err(e) => Err(malformed(format!("bad reference: {e}"))),
                    };
                }
                Event::CData(c) => {
                    let text = match c.into_inner() {
                        Cow::Borrowed(b) => std::str::from_utf8(b).ok().map(Cow::Borrowed),
                        Cow::Owned(v) => String::from_utf8(v).ok().map(Cow::Owned),
                    };
                    return text
                        .map(Token::Text)
                        .ok_or_else(|| malformed("CDATA section is not UTF-8"));
                }
                Event::Comment(_) => {}
                Event::PI(pi) => check_pi_target(pi.target())?,
                Event::Decl(declaration) if at_start => check_declaration(&declaration)?,
                Event::Decl(_) => return Err(malformed("XML declaration not at the start")),
                Event::DocType(_) => {
                    return Err(malformed("DOCTYPE and entity declarations are refused"));
                }
                Event::Eof => return Ok(Token::Eof),
            }
        }
    }

    /// `methodCall` with its `methodName` and optional `params`, and nothing after it.
    #[cfg(test)]
    pub(super) fn document(self) -> Result<(String, Vec<Value>), Fault> {
        self.call().map(|(method, params, _)| (method, params))
    }

    /// [`document`](Self::document), with the members structs held twice.
    fn call(mut self) -> Result<(String, Vec<Value>, Repeated), Fault> {
        let root = loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) => break e,
                Token::Close => return Err(malformed("unexpected end tag")),
                Token::Eof => return Err(malformed("no methodCall element")),
            }
        };
        if root.name() != b"methodCall" {
            let name = root.name();
            let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
            if local == b"Envelope" {
                return Err(malformed(SOAP_AT_XMLRPC));
            }
            return Err(unexpected_element(&root));
        }

        let mut method = None;
        let mut params = None;
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) => match e.name() {
                    b"methodName" if method.is_none() => method = Some(self.text()?),
                    b"params" if params.is_none() => params = Some(self.params()?),
                    _ => return Err(unexpected_element(&e)),
                },
                Token::Close => break,
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }

        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Eof => break,
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Err(malformed("unexpected end tag")),
            }
        }

        // Empty when the call names no method: not a parse error but the method fault
        // (see `parse_call`). Not trimmed: PHP's xmlrpc-epi looks the name up as sent, so
        // `&#x3000;getObject` or a padded name is no method.
        let method = method.map(|name| name.to_string()).unwrap_or_default();
        Ok((method, params.unwrap_or_default(), self.repeated))
    }

    /// A reply as [`write_reply`] writes it (a bare `params`) holding one `param`, and
    /// nothing after it: its value.
    fn response(mut self) -> Result<Value, Fault> {
        let mut value = None;
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if value.is_none() && e.name() == b"params" => {
                    let mut params = self.params()?;
                    if params.len() != 1 {
                        return Err(malformed("a reply has one param"));
                    }
                    value = params.pop();
                }
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Err(malformed("unexpected end tag")),
                Token::Eof => break,
            }
        }
        value.ok_or_else(|| malformed("no reply value"))
    }

    /// The character data of an element that may hold nothing else, up to its end tag.
    fn text(&mut self) -> Result<Cow<'a, str>, Fault> {
        let mut acc = None;
        loop {
            match self.next()? {
                Token::Text(t) => append(&mut acc, t),
                Token::Close => return Ok(acc.unwrap_or(Cow::Borrowed(""))),
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    /// Whitespace up to the end tag of the current element.
    fn close(&mut self) -> Result<(), Fault> {
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Close => return Ok(()),
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    fn params(&mut self) -> Result<Vec<Value>, Fault> {
        let mut params = Vec::new();
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if e.name() == b"param" => params.push(self.param()?),
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Ok(params),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    fn param(&mut self) -> Result<Value, Fault> {
        let mut value = None;
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if e.name() == b"value" && value.is_none() => {
                    value = Some(self.value()?)
                }
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return value.ok_or_else(|| malformed("param without a value")),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    /// The content of a `<value>` whose start tag has been read: bare text (a string) or
    /// one type element surrounded by whitespace.
    fn value(&mut self) -> Result<Value, Fault> {
        self.values += 1;
        if self.values > crate::protocol::MAX_VALUES {
            return Err(malformed(format!(
                "more than {} values",
                crate::protocol::MAX_VALUES
            )));
        }
        let mut acc: Option<Cow<'a, str>> = None;
        loop {
            match self.next()? {
                Token::Text(t) => append(&mut acc, t),
                Token::Close => {
                    return Ok(Value::String(acc.map(Cow::into_owned).unwrap_or_default()));
                }
                Token::Open(e) => {
                    if let Some(text) = &acc {
                        expect_blank(text)?;
                    }
                    let value = self.typed(&e)?;
                    self.close()?;
                    return Ok(value);
                }
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    /// A type element whose start tag has been read, through its end tag. Namespace
    /// prefixes are ignored, so Apache's `ex:i8` and `ex:nil` read as `i8` and `nil`.
    fn typed(&mut self, e: &Tag<'_>) -> Result<Value, Fault> {
        match e.local_name() {
            b"string" => Ok(Value::String(self.text()?.into_owned())),
            b"int" | b"i4" | b"i8" | b"i2" | b"i1" => {
                let text = self.text()?;
                match text.php_trim().parse::<i64>() {
                    Ok(i) => Ok(Value::Int(i)),
                    // The real API's parser refuses it too; the message says why.
                    Err(_) if crate::value::is_whole_number_text(&text) => Err(malformed(format!(
                        "bad integer {:?}: past a 64-bit integer",
                        quoted_text(&text)
                    ))),
                    Err(_) => Err(malformed(format!("bad integer {:?}", quoted_text(&text)))),
                }
            }
            b"boolean" => {
                let text = self.text()?;
                match text.php_trim() {
                    "1" => Ok(Value::Bool(true)),
                    "0" => Ok(Value::Bool(false)),
                    t if t.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
                    t if t.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
                    _ => Err(malformed(format!("bad boolean {:?}", quoted_text(&text)))),
                }
            }
            b"double" | b"float" => {
                let text = self.text()?;
                match text.php_trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                    _ => Err(malformed(format!("bad double {:?}", quoted_text(&text)))),
                }
            }
            b"dateTime.iso8601" | b"dateTime" => {
                let text = self.text()?;
                Ok(Value::DateTime(text.trim().to_string()))
            }
            b"base64" => {
                let text = self.text()?;
                crate::value::decode_base64(&text)
                    .map(Value::Base64)
                    .map_err(|e| self.not_base64(e))
            }
            b"nil" => {
                let text = self.text()?;
                expect_blank(&text)?;
                Ok(Value::Null)
            }
            b"struct" => self.structure().map(Value::Struct),
            b"array" => self.array().map(Value::Array),
            _ => Err(malformed(format!(
                "unknown type <{}>",
                String::from_utf8_lossy(e.name())
            ))),
        }
    }

    /// A `<base64>` that is not base64: refused naming the member it was in, as REST and
    /// SOAP name it (the README's "Other characters are refused, naming the member").
    fn not_base64(&self, error: crate::value::NotBase64) -> Fault {
        match &self.member {
            Some(name) => Fault::invalid_value(format!(
                "Invalid value for '{name}': it is typed base64 but is not base64 ({error})."
            )),
            None => Fault::invalid_value(format!(
                "Invalid value: a parameter typed base64 is not base64 ({error})."
            )),
        }
    }

    fn structure(&mut self) -> Result<Struct, Fault> {
        let mut members = Struct::new();
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if e.name() == b"member" => {
                    let (name, value) = self.member()?;
                    match members.entry(name) {
                        indexmap::map::Entry::Occupied(mut given) => {
                            if self.repeated.len() < MAX_REPEATED {
                                self.repeated
                                    .push((self.member.clone(), given.key().clone()));
                            }
                            given.insert(value);
                        }
                        indexmap::map::Entry::Vacant(first) => {
                            first.insert(value);
                        }
                    }
                }
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Ok(members),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    /// A struct member: a `name` and a `value` (Null when absent), in either order.
    fn member(&mut self) -> Result<(String, Value), Fault> {
        let mut name = None;
        let mut value = None;
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) => match e.name() {
                    // Not trimmed: `<name> title</name>` names no property, as the same
                    // key does in REST's JSON and SOAP's element names.
                    b"name" if name.is_none() => name = Some(self.text()?.into_owned()),
                    b"value" if value.is_none() => {
                        // The name is lent to the parser while the value is read (a
                        // copy per member was measurable), and taken back.
                        let outer = std::mem::replace(&mut self.member, name.take());
                        let read = self.value();
                        name = std::mem::replace(&mut self.member, outer);
                        value = Some(read?);
                    }
                    _ => return Err(unexpected_element(&e)),
                },
                Token::Close => {
                    let name = name.ok_or_else(|| malformed("struct member without a name"))?;
                    return Ok((name, value.unwrap_or(Value::Null)));
                }
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    /// `<array><data>values</data></array>`; a bare `<array/>` is empty too.
    fn array(&mut self) -> Result<Vec<Value>, Fault> {
        let mut items = None;
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if e.name() == b"data" && items.is_none() => {
                    items = Some(self.data()?)
                }
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Ok(items.unwrap_or_default()),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }

    fn data(&mut self) -> Result<Vec<Value>, Fault> {
        let mut items = Vec::new();
        loop {
            match self.next()? {
                Token::Text(t) => expect_blank(&t)?,
                Token::Open(e) if e.name() == b"value" => items.push(self.value()?),
                Token::Open(e) => return Err(unexpected_element(&e)),
                Token::Close => return Ok(items),
                Token::Eof => return Err(malformed("unexpected end of document")),
            }
        }
    }
}

/// A token of [`PlainLexer`] as the grammar's; `None` for a tag with attributes.
fn plain_token(token: PlainToken<'_>) -> Option<Token<'_>> {
    Some(match token {
        PlainToken::Open {
            name,
            attributes: "",
        } => Token::Open(Tag {
            name: Cow::Borrowed(name),
        }),
        PlainToken::Open { .. } => return None,
        PlainToken::Close => Token::Close,
        PlainToken::Text(text) => Token::Text(text),
        PlainToken::Eof => Token::Eof,
    })
}
