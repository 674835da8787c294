//! What the three XML-speaking codecs (XML-RPC, SOAP, REST's `.xml`) share: reading a
//! request body as text by its bytes and declared encoding, refusing what XML 1.0 does
//! not allow in a document (control characters, bytes that are not UTF-8 where UTF-8 is
//! meant) as the libxml and expat parsers behind the real API refuse it, two readers (a small lexer for
//! the plain XML clients send, [`PlainLexer`], and quick-xml's strict reader for
//! everything else, which decides every malformed body), the one element tree (with its
//! limits) that SOAP and REST type afterwards, and writing character data that every
//! XML 1.0 parser reads back exactly.
//!
//! XML-RPC reads its values straight off the tokens instead of building a tree: its
//! grammar is fixed, so it needs no second pass.

use crate::call::Fault;
use quick_xml::Reader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, QName, ResolveResult};
use std::borrow::Cow;

/// Deepest element nesting accepted in a request body.
pub const MAX_DEPTH: usize = 64;
/// Most elements a request body may hold.
pub const MAX_ELEMENTS: usize = 250_000;

/// Attributes (namespace declarations included) one element may carry. quick-xml checks
/// each attribute against the ones before it for duplicates, and each name is resolved
/// against the namespaces in scope: 60,000 attributes on one element took 10 s, and the
/// 16 MiB body limit allows over a million. A real envelope declares a handful.
pub const MAX_ATTRIBUTES: usize = 256;

/// Namespace declarations in scope at once (those of an element and of its ancestors).
/// quick-xml resolves every prefixed name by looking through all of them, so 60 levels
/// of 255 declarations each made every attribute below cost 15,000 comparisons: a
/// 4.7 MB envelope took 93 s. A real envelope declares a handful, on the envelope
/// itself. (Found reviewing this reader while fuzzing it, fuzz/ target `soap`, and
/// measured with a crafted envelope.)
pub const MAX_NAMESPACES_IN_SCOPE: usize = 256;

/// A request body as text, checked for the characters XML 1.0 forbids
/// ([`check_characters`]). UTF-8 when the bytes are UTF-8, whatever the prolog says
/// (softlayer-python declares ISO-8859-1 and sends UTF-8); UTF-16 with a byte order mark,
/// or without one where it starts `<?`;
/// the encoding the XML declaration names otherwise ([`decode_declared`]: ISO-8859-1, as
/// PHP's XML-RPC extension and real Latin-1 senders declare it, byte for byte; Shift_JIS,
/// windows-1252 and the others as that encoding). Bytes that are not UTF-8
/// in a body that declares no encoding, or UTF-8 or UTF-16, are refused: XML 1.0 reads such
/// a body as UTF-8, and libxml and expat, the parsers of PHP's SOAP and XML-RPC servers
/// behind the real API, refuse it ("Input is not proper UTF-8"); read as Latin-1, the
/// text changed without a word.
///
/// Line ends are normalised as XML 1.0 (section 2.11) has every processor do before
/// parsing: a CR LF pair and a lone CR become LF ([`normalise_line_ends`]).
pub fn decode_body(body: &[u8]) -> Result<Cow<'_, str>, Fault> {
    let text = decode_bytes(body)?;
    check_characters(&text)?;
    Ok(normalise_line_ends(text))
}

/// Text with each CR LF pair and each lone CR turned into LF, as XML 1.0 (section 2.11)
/// has a processor do to the document before parsing it; a CR written as a character
/// reference (`&#13;`) is not touched, and stays a CR. softlayer-python's xmlrpc.client
/// sends Windows line ends raw: the real API, behind libxml and expat, stores LF, and
/// without this the CRs were stored and written back (as `&#13;`) to every client.
pub fn normalise_line_ends(text: Cow<'_, str>) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return text;
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for cr in memchr::memchr_iter(b'\r', &bytes[first..]).map(|i| first + i) {
        out.push_str(&text[copied..cr]);
        out.push('\n');
        copied = cr
            + if bytes.get(cr + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Whether a body is UTF-16 as an XML processor detects it (XML 1.0, appendix F): its
/// byte-order mark, or without one a declaration's `<?` in either byte order.
pub fn is_utf16(body: &[u8]) -> bool {
    matches!(
        body,
        [0xff, 0xfe, ..] | [0xfe, 0xff, ..] | [b'<', 0, b'?', 0, ..] | [0, b'<', 0, b'?', ..]
    )
}

/// [`decode_body`] without the character check.
fn decode_bytes(body: &[u8]) -> Result<Cow<'_, str>, Fault> {
    // A last byte that is half a UTF-16 code unit was dropped without a word, where
    // libxml refuses the document.
    if is_utf16(body) && !body.len().is_multiple_of(2) {
        return Err(Fault::malformed(
            "the body is UTF-16 of an odd number of bytes: its last byte is half a character",
        ));
    }
    let utf16 = |le: bool, from: usize| -> Option<String> {
        let units: Vec<u16> = body[from..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    // Without a byte order mark, a body that starts `<?` in UTF-16, as XML 1.0's appendix
    // F has a processor detect it (libxml does); its ASCII is valid UTF-8, with NULs.
    let decoded = match body {
        [b'<', 0, b'?', 0, ..] => utf16(true, 0),
        [0, b'<', 0, b'?', ..] => utf16(false, 0),
        _ => None,
    };
    if let Some(text) = decoded {
        return Ok(Cow::Owned(text));
    }
    let utf8_error = match std::str::from_utf8(body) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(e) => e,
    };
    let decoded = match body {
        [0xff, 0xfe, ..] => utf16(true, 2),
        [0xfe, 0xff, ..] => utf16(false, 2),
        _ => None,
    };
    if let Some(text) = decoded {
        return Ok(Cow::Owned(text));
    }
    match declared_encoding(body) {
        Some(name) if !is_unicode_name(name) => decode_declared(body, name).map(Cow::Owned),
        declared => Err(Fault::malformed(format!(
            "the body is not UTF-8 (at byte {}), and its XML declaration names {}",
            utf8_error.valid_up_to(),
            match declared {
                Some(name) => format!("{:?}", truncate(name)),
                None => "no other encoding".to_string(),
            }
        ))),
    }
}

/// US-ASCII's IANA names (RFC 1345's aliases), as an XML declaration may spell them.
const ASCII_NAMES: &[&str] = &[
    "us-ascii",
    "ascii",
    "ANSI_X3.4-1968",
    "ANSI_X3.4-1986",
    "iso-ir-6",
    "ISO_646.irv:1991",
    "ISO646-US",
    "us",
    "IBM367",
    "cp367",
    "csASCII",
];

/// A body that is not UTF-8 in the encoding its XML declaration names, as libxml reads
/// it: ISO-8859-1 and its aliases byte for byte (WHATWG's labels would make them
/// windows-1252), any other encoding the WHATWG Encoding Standard knows (Shift_JIS,
/// EUC-JP, GBK, KOI8-R, windows-1252, …) through `encoding_rs`. Read as Latin-1, a
/// Shift_JIS "ディスク" was stored as "\u{83}f\u{83}B…" with 200 OK. Bytes the named
/// encoding does not have, and a name no encoding has, are refused.
fn decode_declared(body: &[u8], name: &str) -> Result<String, Fault> {
    let Some(encoding) = encoding_rs::Encoding::for_label(name.as_bytes()) else {
        return Err(Fault::malformed(format!(
            "the body is not UTF-8, and its XML declaration names {:?}, an encoding \
             this server does not know",
            truncate(name)
        )));
    };
    // US-ASCII's names, which WHATWG's labels also make windows-1252: libxml's ASCII
    // decoder refuses every byte past 0x7F, and here is only a body that is not UTF-8,
    // so has one. Read as Latin-1, it was stored as such.
    if ASCII_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)) {
        return Err(Fault::malformed(
            "the body is not US-ASCII as its XML declaration says (a byte past 0x7F)",
        ));
    }
    if encoding == encoding_rs::WINDOWS_1252 && !name.contains("1252") {
        return Ok(body.iter().map(|&b| char::from(b)).collect());
    }
    let (text, malformed) = encoding.decode_without_bom_handling(body);
    if malformed {
        return Err(Fault::malformed(format!(
            "the body is not {} as its XML declaration says",
            encoding.name()
        )));
    }
    Ok(text.into_owned())
}

/// The encoding the XML declaration at the start of `body` names (`<?xml version="1.0"
/// encoding="iso-8859-1"?>`), if it names one.
pub fn declared_encoding(body: &[u8]) -> Option<&str> {
    let body = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    let rest = body.trim_ascii_start().strip_prefix(b"<?xml")?;
    let end = memchr::memmem::find(rest, b"?>")?;
    let declaration = std::str::from_utf8(&rest[..end]).ok()?;
    let (_, after) = declaration.split_once("encoding")?;
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|&c| c == '"' || c == '\'')?;
    let name = &after[1..];
    name.find(quote).map(|close| name[..close].trim())
}

/// Whether an encoding name is UTF-8's or UTF-16's, as declarations spell them.
fn is_unicode_name(name: &str) -> bool {
    ["utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// Refuses text holding a character XML 1.0 does not allow in a document (its `Char`
/// production): a control character other than tab, line feed and carriage return, and
/// U+FFFE and U+FFFF. libxml and expat refuse them, raw or as a character reference
/// (`&#1;`); taken in, they were stored, and the XML replies then wrote U+FFFD where JSON
/// replies wrote the control character.
pub fn check_characters(text: &str) -> Result<(), Fault> {
    match forbidden_character(text) {
        None => Ok(()),
        Some((i, c)) => Err(Fault::malformed(format!(
            "a character XML 1.0 does not allow, U+{:04X}, at byte {i} of the text",
            u32::from(c)
        ))),
    }
}

/// What is said of a character [`forbidden_character`] finds, where text that is not
/// XML (REST's JSON, the support desk's) is refused: "U+0007 is {NOT_CARRIED}".
pub const NOT_CARRIED: &str = "a character the API does not take (XML 1.0, which its \
     XML-RPC and SOAP transports speak, cannot carry it)";

/// The first character of `text` XML 1.0 does not allow in a document, and its byte
/// offset ([`check_characters`]). Also for the text that comes in other ways than XML
/// (REST's JSON, form and URL, the support desk's control API): taken in there, it was
/// stored, and read back differently by JSON and XML clients.
pub fn forbidden_character(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        i = next_suspect(bytes, i);
        let &b = bytes.get(i)?;
        // 0xEF starts U+FFFE and U+FFFF (EF BF BE, EF BF BF) and other characters.
        if b != 0xef
            || (bytes.get(i + 1) == Some(&0xbf) && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)))
        {
            return Some((i, text[i..].chars().next().unwrap_or_default()));
        }
        i += 1;
    }
}

/// Whether [`check_characters`] must look at a byte: a control character other than
/// tab, line feed and carriage return, or 0xEF.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn may_be_forbidden(b: u8) -> bool {
    b == 0xef || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

/// The first byte from `i` on that [`check_characters`] must look at, or the text's
/// length: every request body is checked, sixteen bytes at a time.
#[cfg(target_arch = "x86_64")]
fn next_suspect(bytes: &[u8], i: usize) -> usize {
    use crate::scan::{control, equal};
    use std::arch::x86_64::*;
    crate::scan::first_looked_at(bytes, i, |v| {
        // SAFETY: SSE2 is part of x86-64.
        unsafe {
            let allowed = _mm_or_si128(
                _mm_or_si128(equal(v, b'\t'), equal(v, b'\n')),
                equal(v, b'\r'),
            );
            _mm_or_si128(_mm_andnot_si128(allowed, control(v)), equal(v, 0xef))
        }
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn next_suspect(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && !may_be_forbidden(bytes[i]) {
        i += 1;
    }
    i
}

/// What a JSON body POSTed to an XML-RPC or SOAP endpoint is told: a REST call sent to
/// the wrong path (the README's REST example with only the path changed) otherwise got
/// only the parse error, where the other two mix-ups name the right endpoint.
pub const JSON_AT_XML_ENDPOINT: &str =
    "the body is JSON, not XML: REST is served at /rest/v3.1/{Service}[/{id}]/{method}.json";

/// Whether a body that is not XML begins as JSON does (`{` or `[`, after a byte-order
/// mark and whitespace).
pub fn starts_as_json(body: &[u8]) -> bool {
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Whether text is only XML whitespace.
pub fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A value's text as a message quotes it: cut short as [`truncate`] cuts, with anything
/// of a credential's shape left out first (cut first, the end of a key quoted past its
/// first characters was too short to be known for one, and stayed in clear).
pub fn quoted_text(text: &str) -> String {
    truncate(&crate::secrets::without_credential_shapes(text)).to_string()
}

/// At most 40 characters of `text`, for error details.
pub fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Applies the strict settings every codec reads with: end names checked, comments
/// checked, text kept exactly as sent.
pub fn configure(config: &mut quick_xml::reader::Config) {
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.check_comments = true;
    config.allow_unmatched_ends = false;
    config.trim_text(false);
}

pub fn strict_reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    configure(reader.config_mut());
    reader
}

/// An attribute of an [`Element`] (namespace declarations are left out).
#[derive(Debug, PartialEq)]
pub struct Attribute<'a> {
    /// The namespace the prefix is bound to, if any.
    pub ns: Option<Cow<'a, str>>,
    pub prefix: Cow<'a, str>,
    pub local: Cow<'a, str>,
    pub value: Cow<'a, str>,
    /// For `xsi:type`, whose value is a qualified name: the namespace the value's prefix
    /// is bound to on the element (the default namespace for a name without a prefix);
    /// `None` for other attributes and for a prefix bound to nothing.
    pub value_ns: Option<Cow<'a, str>>,
}

impl Attribute<'_> {
    fn into_owned(self) -> Attribute<'static> {
        Attribute {
            ns: self.ns.map(owned),
            prefix: owned(self.prefix),
            local: owned(self.local),
            value: owned(self.value),
            value_ns: self.value_ns.map(owned),
        }
    }

    /// Whether this is `xsi:type` (also with the 1999/2000 schema-instance namespaces,
    /// or an `xsi` prefix nobody declared), as [`Element::xsi`] finds it.
    fn is_xsi(&self, local: &str) -> bool {
        self.local == local
            && match &self.ns {
                Some(ns) => ns.ends_with("XMLSchema-instance"),
                None => self.prefix == "xsi",
            }
    }
}

/// An element of a request body: its namespace and local name, its attributes, its child
/// elements and its character data. Names and text are borrowed from the body where they
/// are written plainly in it (an allocation per name and text was 2% of an uncached
/// SOAP getObject).
#[derive(Debug, Default, PartialEq)]
pub struct Element<'a> {
    pub ns: Option<Cow<'a, str>>,
    pub local: Cow<'a, str>,
    pub attrs: Vec<Attribute<'a>>,
    pub children: Vec<Element<'a>>,
    pub text: Cow<'a, str>,
}

/// Text that owns its bytes.
fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

impl<'a> Element<'a> {
    /// An element whose start tag was read: no children or text yet.
    fn started(
        ns: Option<String>,
        start: &quick_xml::events::BytesStart<'_>,
        attrs: Vec<Attribute<'a>>,
    ) -> Element<'a> {
        Element {
            ns: ns.map(Cow::Owned),
            local: Cow::Owned(owned_text(start.local_name().as_ref())),
            attrs,
            ..Element::default()
        }
    }

    /// An element whose end tag was read, put under its parent (the innermost of
    /// `open`) or, with none, as the `root`.
    fn finished(self, open: &mut [Element<'a>], root: &mut Option<Element<'a>>) {
        match open.last_mut() {
            Some(parent) => parent.children.push(self),
            None => *root = Some(self),
        }
    }

    /// A piece of character data, after what the element holds already.
    fn add_text(&mut self, piece: Cow<'a, str>) {
        if self.text.is_empty() {
            self.text = piece;
        } else {
            self.text.to_mut().push_str(&piece);
        }
    }

    fn into_owned(self) -> Element<'static> {
        Element {
            ns: self.ns.map(owned),
            local: owned(self.local),
            attrs: self.attrs.into_iter().map(Attribute::into_owned).collect(),
            children: self.children.into_iter().map(Element::into_owned).collect(),
            text: owned(self.text),
        }
    }

    /// An `xsi:` attribute (also with the 1999/2000 schema-instance namespaces, or an
    /// `xsi` prefix nobody declared).
    pub fn xsi(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.is_xsi(local))
            .map(|a| &*a.value)
    }

    /// The namespace of the type `xsi:type` names: its prefix resolved where the element
    /// is; `None` without `xsi:type` or for a prefix bound to nothing.
    pub fn xsi_type_ns(&self) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.is_xsi("type"))
            .and_then(|a| a.value_ns.as_deref())
    }

    /// An attribute without a namespace (`href`, `id`).
    pub fn plain(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.prefix.is_empty() && a.local == local)
            .map(|a| &*a.value)
    }

    /// An attribute by local name, whatever its prefix (`SOAP-ENC:arrayType`).
    pub fn any_prefix(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.local == local)
            .map(|a| &*a.value)
    }

    /// The local part of `xsi:type`.
    pub fn xsi_type(&self) -> Option<&str> {
        self.xsi("type")
            .map(|t| t.rsplit(':').next().unwrap_or(t).trim())
    }

    /// `xsi:nil="true"` (or SOAP-ENC's older `xsi:null`).
    pub fn is_nil(&self) -> bool {
        matches!(self.xsi("nil").or_else(|| self.xsi("null")), Some(v) if matches!(v.trim(), "true" | "1"))
    }

    /// Element children with whitespace between them is fine; other text beside child
    /// elements is a malformed request.
    pub fn expect_no_text(&self) -> Result<(), Fault> {
        if self.children.is_empty() || is_blank(&self.text) {
            Ok(())
        } else {
            Err(Fault::malformed(format!(
                "<{}> holds both text and elements",
                self.local
            )))
        }
    }
}

/// A name or namespace of the body as text. The body was checked as UTF-8 text already,
/// so the quick check passes; `from_utf8_lossy` alone walks byte by byte (1% of an
/// uncached SOAP getObject).
fn owned_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Reads a whole request body into one [`Element`] tree: strict (end names, comments),
/// namespace-aware, refusing DTDs (so no entity expansion), nesting deeper than
/// [`MAX_DEPTH`] and more than [`MAX_ELEMENTS`] elements. `root_label` names the expected
/// root element in messages ("Envelope", "root element").
pub fn read_tree<'a>(body: &'a [u8], root_label: &str) -> Result<Element<'a>, Fault> {
    match decode_body(body)? {
        Cow::Borrowed(text) => read_text(text, root_label),
        // Latin-1 or UTF-16: the tree cannot borrow from text decoded here.
        Cow::Owned(text) => read_text(&text, root_label).map(Element::into_owned),
    }
}

/// [`read_tree`] of decoded text.
fn read_text<'t>(text: &'t str, root_label: &str) -> Result<Element<'t>, Fault> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match read_plain(text) {
        Some(tree) => Ok(tree),
        None => read_namespaced(text, root_label),
    }
}

/// A namespace in scope: its prefix (empty for the default namespace), its name (`None`
/// where `xmlns=""` takes the default away) and the depth of the element declaring it.
struct Binding<'a> {
    prefix: &'a [u8],
    ns: Option<&'a str>,
    depth: usize,
}

/// [`read_tree`] for ordinary bodies, with [`PlainLexer`] and the namespaces followed
/// here: quick-xml's namespace-aware reader took about three times the instructions per
/// event of its plain reader (12% of an uncached SOAP getObject), and its plain reader
/// three times the lexer's. `None` for anything else: what the lexer does not take, a
/// limit reached, a prefix bound to nothing or used unbound, the
/// reserved `xml` and `xmlns` prefixes, a namespace name with a reference in it.
/// [`read_namespaced`] then reads the body again, and its answer (or fault) stands;
/// what this one reads, that one reads to the same tree (a test compares them).
fn read_plain(text: &str) -> Option<Element<'_>> {
    let mut lexer = PlainLexer::new(text);
    let mut bindings: Vec<Binding> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    // Names are ASCII (the lexer takes no others), so this never fails.
    let name_text = |name| std::str::from_utf8(name).ok().map(Cow::Borrowed);
    fn resolve<'a>(bindings: &[Binding<'a>], prefix: &[u8]) -> Option<Option<Cow<'a, str>>> {
        if prefix == b"xml" || prefix == b"xmlns" {
            return None;
        }
        match bindings.iter().rev().find(|b| b.prefix == prefix) {
            Some(b) => Some(b.ns.map(Cow::Borrowed)),
            // A default namespace nobody declared is none; an undeclared prefix is
            // left to the namespace-aware reader.
            None if prefix.is_empty() => Some(None),
            None => None,
        }
    }
    loop {
        match lexer.token()? {
            PlainToken::Open { name, attributes } => {
                if root.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return None;
                }
                let depth = stack.len();
                let mut plain = Vec::new();
                for attribute in plain_attributes(attributes) {
                    let (key, value) = attribute?;
                    let declared = match key {
                        b"xmlns" => Some(&b""[..]),
                        _ => key.strip_prefix(b"xmlns:"),
                    };
                    let Some(prefix) = declared else {
                        plain.push((key, value));
                        continue;
                    };
                    // An entity in a namespace name is left to the other reader.
                    let Cow::Borrowed(value) = value else {
                        return None;
                    };
                    if prefix == b"xml" || prefix == b"xmlns" {
                        return None;
                    }
                    // `xmlns:p=""` and a bare `xmlns:` are not bindings the plain
                    // reader makes sense of.
                    if (value.is_empty() || key == b"xmlns:") && key != b"xmlns" {
                        return None;
                    }
                    bindings.push(Binding {
                        prefix,
                        ns: (!value.is_empty()).then_some(value),
                        depth,
                    });
                    // Left to the namespace-aware reader, which refuses it.
                    if bindings.len() > MAX_NAMESPACES_IN_SCOPE {
                        return None;
                    }
                }
                let (prefix, local) = split_name(name);
                let ns = match prefix {
                    // A name such as `:x` is left to the namespace-aware reader.
                    Some([]) => return None,
                    Some(p) => resolve(&bindings, p)?,
                    None => resolve(&bindings, b"")?,
                };
                let mut attrs = Vec::with_capacity(plain.len());
                for (key, value) in plain {
                    let (prefix, local) = split_name(key);
                    let (ns, prefix) = match prefix {
                        Some([]) => return None,
                        Some(p) => (resolve(&bindings, p)?, name_text(p)?),
                        None => (None, Cow::Borrowed("")),
                    };
                    let mut attribute = Attribute {
                        ns,
                        prefix,
                        local: name_text(local)?,
                        value,
                        value_ns: None,
                    };
                    if attribute.is_xsi("type") {
                        attribute.value_ns = value_namespace(&bindings, &attribute.value)?;
                    }
                    attrs.push(attribute);
                }
                stack.push(Element {
                    ns,
                    local: name_text(local)?,
                    attrs,
                    ..Element::default()
                });
            }
            PlainToken::Close => {
                let element = stack.pop()?;
                let depth = stack.len();
                while bindings.last().is_some_and(|b| b.depth >= depth) {
                    bindings.pop();
                }
                element.finished(&mut stack, &mut root);
            }
            PlainToken::Text(piece) => match stack.last_mut() {
                Some(element) => element.add_text(piece),
                None if is_blank(&piece) => {}
                None => return None,
            },
            PlainToken::Eof => return root,
        }
    }
}

/// In [`read_plain`], the namespace the prefix of a qualified name written as an
/// attribute value is bound to (`Some(None)`: to nothing); `None` for what the plain
/// reader leaves to quick-xml (an empty prefix, or the reserved `xml` and `xmlns`).
fn value_namespace<'a>(bindings: &[Binding<'a>], qname: &str) -> Option<Option<Cow<'a, str>>> {
    let prefix = split_name(qname.trim().as_bytes()).0.unwrap_or(b"");
    if matches!(prefix, b"xml" | b"xmlns") || qname.trim().starts_with(':') {
        return None;
    }
    Some(
        bindings
            .iter()
            .rev()
            .find(|b| b.prefix == prefix)
            .and_then(|b| b.ns)
            .map(Cow::Borrowed),
    )
}

/// [`read_tree`] with quick-xml's namespace-aware reader: every body [`read_plain`] does
/// not take, and every fault.
fn read_namespaced(text: &str, root_label: &str) -> Result<Element<'static>, Fault> {
    let malformed = |detail: String| Fault::malformed(detail);
    let namespace = |resolved: ResolveResult<'_>| match resolved {
        ResolveResult::Bound(Namespace(n)) => Some(owned_text(n)),
        _ => None,
    };

    let mut reader = quick_xml::NsReader::from_str(text);
    configure(reader.config_mut());
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut at_start = true;
    let mut elements = 0usize;
    // The namespace declarations of each open element, and their sum.
    let mut declared: Vec<usize> = Vec::new();
    let mut in_scope = 0usize;
    loop {
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(e) => {
                return Err(malformed(format!(
                    "the body is not well-formed XML (at byte {}): {e}",
                    reader.error_position()
                )));
            }
        };
        let first = std::mem::replace(&mut at_start, false);
        match event {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(malformed(format!("content after the {root_label}")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(format!(
                        "elements nested deeper than {MAX_DEPTH}"
                    )));
                }
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(malformed(format!("more than {MAX_ELEMENTS} elements")));
                }
                check_name(e.name().as_ref(), "an element")?;
                let ns = namespace(resolved);
                let mut attrs = Vec::new();
                let mut bindings = 0usize;
                for (n, attribute) in e.attributes().enumerate() {
                    if n == MAX_ATTRIBUTES {
                        return Err(malformed(format!(
                            "an element with more than {MAX_ATTRIBUTES} attributes"
                        )));
                    }
                    let a = attribute.map_err(|err| malformed(format!("bad attribute: {err}")))?;
                    check_name(a.key.as_ref(), "an attribute")?;
                    if a.key.as_namespace_binding().is_some() {
                        bindings += 1;
                        if in_scope + bindings > MAX_NAMESPACES_IN_SCOPE {
                            return Err(malformed(format!(
                                "more than {MAX_NAMESPACES_IN_SCOPE} namespace declarations in scope"
                            )));
                        }
                        continue;
                    }
                    let (ans, alocal) = reader.resolve_attribute(a.key);
                    let mut attribute = Attribute {
                        ns: namespace(ans).map(Cow::Owned),
                        prefix: Cow::Owned(
                            a.key
                                .prefix()
                                .map(|p| owned_text(p.as_ref()))
                                .unwrap_or_default(),
                        ),
                        local: Cow::Owned(owned_text(alocal.as_ref())),
                        value: Cow::Owned(attribute_value(&a.value)?),
                        value_ns: None,
                    };
                    if attribute.is_xsi("type") {
                        let qname = QName(attribute.value.trim().as_bytes());
                        attribute.value_ns =
                            namespace(reader.resolve(qname, false).0).map(Cow::Owned);
                    }
                    attrs.push(attribute);
                }
                stack.push(Element::started(ns, &e, attrs));
                declared.push(bindings);
                in_scope += bindings;
            }
            Event::End(_) => {
                let element = stack
                    .pop()
                    .ok_or_else(|| malformed("unexpected end tag".into()))?;
                in_scope -= declared.pop().unwrap_or(0);
                element.finished(&mut stack, &mut root);
            }
            Event::Empty(_) => return Err(malformed("unexpected empty element".into())),
            Event::Text(t) => {
                check_raw_text(&t)?;
                let piece = unescaped(
                    t.unescape()
                        .map_err(|e| malformed(format!("bad text: {e}")))?,
                )?;
                match stack.last_mut() {
                    Some(element) => element.add_text(Cow::Owned(piece)),
                    None if is_blank(&piece) => {}
                    None => {
                        return Err(malformed(format!(
                            "text outside the {root_label}: {:?}",
                            quoted_text(&piece)
                        )));
                    }
                }
            }
            Event::CData(c) => {
                let bytes = c.into_inner();
                let piece = std::str::from_utf8(&bytes)
                    .map_err(|_| malformed("CDATA section is not UTF-8".into()))?;
                match stack.last_mut() {
                    Some(element) => element.add_text(Cow::Owned(piece.to_string())),
                    None => return Err(malformed(format!("CDATA outside the {root_label}"))),
                }
            }
            Event::Comment(_) => {}
            Event::PI(pi) => check_pi_target(pi.target())?,
            Event::Decl(declaration) if first => check_declaration(&declaration)?,
            Event::Decl(_) => {
                return Err(malformed("XML declaration not at the start".into()));
            }
            Event::DocType(_) => {
                return Err(malformed(
                    "DOCTYPE and entity declarations are refused".into(),
                ));
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unexpected end of document".into()));
    }
    root.ok_or_else(|| malformed(format!("no {root_label}")))
}

/// Refuses a name XML 1.0 does not allow (section 2.3: `<1a/>`, `<-a/>`, `<a!b/>`), which
/// quick-xml reads as any other: libxml and expat refuse the document. node-soap writes a
/// byte buffer as `<0>…</0><1>…</1>`; it was read as properties named `0` and `1`.
fn check_name(name: &[u8], what: &str) -> Result<(), Fault> {
    fn starts(c: char) -> bool {
        matches!(c,
            ':' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
            | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
            | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
            | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
            | '\u{10000}'..='\u{EFFFF}')
    }
    fn continues(c: char) -> bool {
        starts(c)
            || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}'
                | '\u{203F}'..='\u{2040}')
    }
    let text = String::from_utf8_lossy(name);
    let mut chars = text.chars();
    let fine = chars.next().is_some_and(starts) && chars.all(continues);
    if fine {
        Ok(())
    } else {
        Err(Fault::malformed(format!(
            "{what} named {:?}, which is no XML name",
            truncate(&text)
        )))
    }
}

/// Text quick-xml unescaped, checked for what a character reference may bring in that
/// XML 1.0 does not allow (`&#1;`; the raw body was checked whole).
pub fn unescaped(text: Cow<'_, str>) -> Result<String, Fault> {
    if let Cow::Owned(text) = &text {
        check_characters(text)?;
    }
    Ok(text.into_owned())
}

/// Refuses an XML declaration that is not XML 1.0's `XMLDecl` (production 23): `xml`,
/// then `version` (`1.` and digits), an optional `encoding` (a name of letters, digits,
/// `.`, `_` and `-`, starting with a letter) and an optional `standalone` (`yes` or `no`),
/// in that order, each after whitespace, each value quoted. `content` is what `<?` and
/// `?>` enclose. libxml and expat refuse the rest (`<?xml?>`, `<?xml garbage?>`, one
/// without its version); quick-xml and the plain lexer took them.
pub fn check_declaration(content: &[u8]) -> Result<(), Fault> {
    fn pseudo_attributes(content: &[u8]) -> Option<()> {
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        let skip_space = |s: &[u8]| -> usize { s.iter().take_while(|b| is_space(b)).count() };
        let mut rest = content.strip_prefix(b"xml")?;
        let mut expected: &[&[u8]] = &[b"version", b"encoding", b"standalone"];
        loop {
            let space = skip_space(rest);
            rest = &rest[space..];
            if rest.is_empty() {
                // The version is the one pseudo-attribute that must be there.
                return (expected.len() < 3).then_some(());
            }
            if space == 0 {
                return None;
            }
            let name_len = rest.iter().take_while(|b| b.is_ascii_lowercase()).count();
            let (name, after) = rest.split_at(name_len);
            let at = expected.iter().position(|n| *n == name)?;
            if expected.len() == 3 && at != 0 {
                return None;
            }
            expected = &expected[at + 1..];
            let after = &after[skip_space(after)..];
            let after = after.strip_prefix(b"=")?;
            let after = &after[skip_space(after)..];
            let (&quote, after) = after.split_first()?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let close = memchr::memchr(quote, after)?;
            let value = &after[..close];
            let well_formed = match name {
                b"version" => value.strip_prefix(b"1.").is_some_and(|digits| {
                    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
                }),
                b"encoding" => {
                    value.first().is_some_and(u8::is_ascii_alphabetic)
                        && value
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
                }
                _ => value == b"yes" || value == b"no",
            };
            if !well_formed {
                return None;
            }
            rest = &after[close + 1..];
        }
    }
    pseudo_attributes(content).ok_or_else(|| {
        Fault::malformed(format!(
            "the body is not well-formed XML: the XML declaration <?{}?> is not \
             version, encoding and standalone as XML 1.0 has them",
            truncate(&String::from_utf8_lossy(content))
        ))
    })
}

/// Refuses a processing instruction with no target or whose target is `xml` in any
/// case but the declaration's own: XML 1.0's `PITarget` (production 17) leaves them out,
/// and expat refuses them. `target` is the name after `<?`.
pub fn check_pi_target(target: &[u8]) -> Result<(), Fault> {
    if target.is_empty() || target.eq_ignore_ascii_case(b"xml") {
        return Err(Fault::malformed(format!(
            "the body is not well-formed XML: a processing instruction named {:?}",
            String::from_utf8_lossy(target)
        )));
    }
    Ok(())
}

/// Refuses raw character data that holds `]]>`: XML 1.0's `CharData` production leaves
/// it out (it may only end a CDATA section), and libxml and expat refuse it; quick-xml
/// reads it as text.
pub fn check_raw_text(raw: &[u8]) -> Result<(), Fault> {
    if memchr::memchr(b'>', raw).is_some() && memchr::memmem::find(raw, b"]]>").is_some() {
        return Err(Fault::malformed(
            "the body is not well-formed XML: `]]>` in character data",
        ));
    }
    Ok(())
}

/// An attribute value as written (between its quotes), read as XML 1.0 has it read:
/// refused when it holds a raw `<` (section 3.1's `AttValue` leaves it out; libxml and
/// expat refuse it, quick-xml takes it), each raw tab, line feed or carriage return made
/// a space (section 3.3.3, after line ends were normalised; a character reference such
/// as `&#10;` still brings in its character), then references decoded and checked as
/// [`unescaped`] checks them.
pub fn attribute_value(raw: &[u8]) -> Result<String, Fault> {
    // The body was decoded as text already, so the value is UTF-8.
    let raw = String::from_utf8_lossy(raw);
    if raw.contains('<') {
        return Err(Fault::malformed(
            "the body is not well-formed XML: `<` in an attribute value",
        ));
    }
    let spaced = if raw.contains(['\t', '\n', '\r']) {
        Cow::Owned(raw.replace(['\t', '\n', '\r'], " "))
    } else {
        raw
    };
    let value = quick_xml::escape::unescape(&spaced)
        .map_err(|err| Fault::malformed(format!("bad attribute value: {err}")))?;
    unescaped(value)
}

/// A token of [`PlainLexer`].
#[derive(Debug, PartialEq)]
pub enum PlainToken<'a> {
    /// A start tag (or an empty tag, whose [`PlainToken::Close`] comes next): its name,
    /// and its attributes as written, checked, for [`plain_attributes`] (empty when it
    /// has none).
    Open {
        name: &'a [u8],
        attributes: &'a str,
    },
    Close,
    Text(Cow<'a, str>),
    Eof,
}

/// The XML of ordinary requests (what softlayer-python, softlayer-go, PHP, zeep, suds,
/// node-soap and the XML-RPC libraries send for ordinary text), read without quick-xml:
/// its events were about 300 instructions each, a tenth of an uncached getObject. It
/// takes a prolog (`<?xml version="1.0" ...?>` at the very start), start and empty tags
/// with ASCII names and attributes whose values hold no line breaks or tabs, end tags
/// naming the element they close, and text with the five predefined entities. On
/// anything else (comments, processing instructions, CDATA, character references, a
/// DOCTYPE, a duplicate attribute, a mismatched or unclosed element, nesting past
/// [`MAX_DEPTH`]) it gives up (`None`), and its caller reads the body again with
/// quick-xml: what it takes, quick-xml reads to the same tokens, so the answer is the
/// same (tests here and in `xmlrpc` compare the two on every truncation and on changes
/// at every byte).
pub struct PlainLexer<'a> {
    text: &'a str,
    at: usize,
    /// The names of the elements open.
    open: Vec<&'a [u8]>,
    /// An empty tag was opened: its end comes next.
    close_next: bool,
}

impl<'a> PlainLexer<'a> {
    pub fn new(text: &'a str) -> Self {
        PlainLexer {
            text,
            at: 0,
            open: Vec::new(),
            close_next: false,
        }
    }

    // Inlined into each reader's loop: a call per token was 3% of an XML-RPC getObject.
    #[inline(always)]
    pub fn token(&mut self) -> Option<PlainToken<'a>> {
        if std::mem::take(&mut self.close_next) {
            self.open.pop();
            return Some(PlainToken::Close);
        }
        if self.at == 0 && self.text.starts_with("<?") {
            self.at = self.prolog_end()?;
        }
        let bytes = self.text.as_bytes();
        let Some(&first) = bytes.get(self.at) else {
            return self.open.is_empty().then_some(PlainToken::Eof);
        };
        if first != b'<' {
            let start = self.at;
            let end = memchr::memchr(b'<', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            self.at = end;
            // Not well-formed: left to quick-xml's reader, whose caller refuses it.
            if check_raw_text(&bytes[start..end]).is_err() {
                return None;
            }
            return unescape_predefined(&self.text[start..end]).map(PlainToken::Text);
        }
        match bytes.get(self.at + 1)? {
            b'/' => {
                let name = tag_name(&bytes[self.at + 2..])?;
                let end = self.at + 2 + name.len();
                if bytes.get(end) != Some(&b'>') || self.open.pop() != Some(name) {
                    return None;
                }
                self.at = end + 1;
                Some(PlainToken::Close)
            }
            _ => {
                let name = tag_name(&bytes[self.at + 1..])?;
                let after_name = self.at + 1 + name.len();
                let (attributes, end) = match bytes.get(after_name)? {
                    b'>' | b'/' => ("", after_name),
                    _ => {
                        let end = after_name + checked_attributes(&self.text[after_name..])?;
                        (self.text[after_name..end].trim_ascii(), end)
                    }
                };
                let empty = match bytes.get(end..end + 2)? {
                    [b'>', _] => false,
                    b"/>" => true,
                    _ => return None,
                };
                if self.open.len() >= MAX_DEPTH {
                    return None;
                }
                self.open.push(name);
                self.close_next = empty;
                self.at = end + if empty { 2 } else { 1 };
                Some(PlainToken::Open { name, attributes })
            }
        }
    }

    /// Where a plain prolog at the start of the text ends.
    #[cold]
    fn prolog_end(&self) -> Option<usize> {
        /// The bytes of a plain prolog, looked up (a test per byte was 1% of a call).
        const PROLOG_BYTE: [bool; 256] = {
            let mut table = [false; 256];
            let mut b = 0;
            while b < 256 {
                let c = b as u8;
                table[b] = c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'"' | b'\'' | b'.' | b'_' | b'-'
                    );
                b += 1;
            }
            table
        };
        let bytes = self.text.as_bytes();
        let end = 2 + memchr::memchr(b'?', bytes.get(2..)?)?;
        let prolog = &bytes[2..end];
        let plain = bytes.get(end + 1) == Some(&b'>')
            && prolog.starts_with(b"xml ")
            && prolog.iter().all(|&b| PROLOG_BYTE[usize::from(b)])
            && check_declaration(prolog).is_ok();
        plain.then_some(end + 2)
    }
}

/// Most attributes [`PlainLexer`] takes on one tag (duplicates are looked for pairwise).
const MAX_PLAIN_ATTRIBUTES: usize = 16;

/// The length of the attributes at the start of `text` (what follows a tag's name, up
/// to its `>` or `/>`), when each is a plain name, `=`, and a quoted value
/// [`plain_attributes`] reads, none twice, each after whitespace.
fn checked_attributes(text: &str) -> Option<usize> {
    let mut seen: [&[u8]; MAX_PLAIN_ATTRIBUTES] = [b""; MAX_PLAIN_ATTRIBUTES];
    let mut count = 0;
    let mut rest = PlainAttributes { rest: text };
    loop {
        let before = rest.rest.len();
        let trimmed = rest.rest.trim_ascii_start();
        if trimmed.starts_with('>') || trimmed.starts_with("/>") {
            return Some(text.len() - trimmed.len());
        }
        // Attributes are separated by whitespace (and the first from the name).
        if trimmed.len() == before {
            return None;
        }
        let (name, _) = rest.next()??;
        if count == MAX_PLAIN_ATTRIBUTES || seen[..count].contains(&name) {
            return None;
        }
        seen[count] = name;
        count += 1;
    }
}

/// The attributes of a tag [`PlainLexer`] read: names and values, the values with the
/// predefined entities decoded.
fn plain_attributes(attributes: &str) -> PlainAttributes<'_> {
    PlainAttributes { rest: attributes }
}

struct PlainAttributes<'a> {
    rest: &'a str,
}

impl<'a> Iterator for PlainAttributes<'a> {
    /// `None` inside for what the lexer does not take.
    type Item = Option<(&'a [u8], Cow<'a, str>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.rest.trim_ascii_start();
        if text.is_empty() || text.starts_with('>') || text.starts_with('/') {
            return None;
        }
        Some((|| {
            let name = tag_name(text.as_bytes())?;
            let rest = text[name.len()..].trim_ascii_start();
            let rest = rest.strip_prefix('=')?.trim_ascii_start();
            let quote = rest.chars().next().filter(|&c| c == '"' || c == '\'')?;
            let close = 1 + rest[1..].find(quote)?;
            let raw = &rest[1..close];
            if raw
                .bytes()
                .any(|b| matches!(b, b'<' | b'\t' | b'\r' | b'\n'))
            {
                return None;
            }
            self.rest = &rest[close + 1..];
            Some((name, unescape_predefined(raw)?))
        })())
    }
}

/// The name at the start of `bytes`, when it is a plain ASCII XML name.
fn tag_name(bytes: &[u8]) -> Option<&[u8]> {
    /// The bytes of a plain name, looked up rather than tested in turn (a request has
    /// about ninety tags).
    const NAME_BYTE: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-');
            b += 1;
        }
        table
    };
    let len = bytes
        .iter()
        .position(|&b| !NAME_BYTE[usize::from(b)])
        .unwrap_or(bytes.len());
    let name = &bytes[..len];
    match name.first() {
        Some(b) if b.is_ascii_alphabetic() || matches!(b, b'_' | b':') => Some(name),
        _ => None,
    }
}

/// A qualified name's prefix and local part, split at its first colon (as quick-xml
/// splits them).
pub fn split_name(name: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match name.iter().position(|&b| b == b':') {
        Some(colon) => (Some(&name[..colon]), &name[colon + 1..]),
        None => (None, name),
    }
}

/// Text with `&lt;`, `&gt;`, `&amp;`, `&quot;` and `&apos;` decoded; `None` for any other
/// reference.
#[inline]
fn unescape_predefined(text: &str) -> Option<Cow<'_, str>> {
    match memchr::memchr(b'&', text.as_bytes()) {
        None => Some(Cow::Borrowed(text)),
        Some(first) => unescape_from(text, first).map(Cow::Owned),
    }
}

/// [`unescape_predefined`] of text whose first `&` is at `first`.
fn unescape_from(text: &str, first: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..first]);
    let mut rest = &text[first..];
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let (c, len) = [
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&amp;", '&'),
            ("&quot;", '"'),
            ("&apos;", '\''),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))
        .map(|(entity, c)| (c, entity.len()))?;
        out.push(c);
        rest = &rest[len..];
    }
    out.push_str(rest);
    Some(out)
}

const REPLACEMENT_CHARACTER: &[u8] = "\u{FFFD}".as_bytes();

/// Character data, escaped so that an XML 1.0 parser reads back exactly `text`: `\r` goes
/// out as a reference (parsers normalise a literal one away), and characters XML 1.0
/// cannot carry at all become U+FFFD.
pub fn write_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    loop {
        i = next_to_look_at(bytes, i);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let (replacement, len): (&[u8], usize) = match b {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'\r' => (b"&#13;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0x00..=0x1f => (REPLACEMENT_CHARACTER, 1),
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                (REPLACEMENT_CHARACTER, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[copied..i]);
        out.extend_from_slice(replacement);
        i += len;
        copied = i;
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// Whether [`write_text`] must look at a byte: `&`, `<`, `>`, a control character other
/// than tab and line feed, or 0xEF (the first byte of U+FFFE and U+FFFF).
#[cfg(any(test, not(target_arch = "x86_64")))]
fn must_look_at(b: u8) -> bool {
    matches!(b, b'&' | b'<' | b'>' | 0xef) || (b < 0x20 && b != b'\t' && b != b'\n')
}

/// The first byte from `i` on that [`write_text`] must look at, or the text's length.
/// Most text needs nothing, and replies are mostly text: sixteen bytes at a time with
/// SSE2 (always there on x86-64), elsewhere eight at a time, then one.
#[cfg(target_arch = "x86_64")]
fn next_to_look_at(bytes: &[u8], i: usize) -> usize {
    use crate::scan::{control, equal};
    use std::arch::x86_64::*;
    crate::scan::first_looked_at(bytes, i, |v| {
        // SAFETY: SSE2 is part of x86-64.
        unsafe {
            let control =
                _mm_andnot_si128(_mm_or_si128(equal(v, b'\t'), equal(v, b'\n')), control(v));
            let markup = _mm_or_si128(_mm_or_si128(equal(v, b'&'), equal(v, b'<')), equal(v, b'>'));
            _mm_or_si128(_mm_or_si128(control, markup), equal(v, 0xef))
        }
    })
}

#[cfg(not(target_arch = "x86_64"))]
fn next_to_look_at(bytes: &[u8], mut i: usize) -> usize {
    while let Some(word) = bytes.get(i..i + 8)
        && plain_word(u64::from_le_bytes(word.try_into().unwrap_or_default()))
    {
        i += 8;
    }
    while i < bytes.len() && !must_look_at(bytes[i]) {
        i += 1;
    }
    i
}

/// Whether none of eight bytes is one [`write_text`] changes: `&`, `<`, `>`, a control
/// character, or 0xEF (the first byte of U+FFFE and U+FFFF). Word-at-a-time tests for a
/// zero byte (`(v - 0x01…) & !v & 0x80…` is non-zero exactly when some byte of `v` is
/// zero) and a byte under 0x20; they may flag a word that needs nothing, which the byte
/// loop then passes over, but never pass one that needs something.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn plain_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS != 0;
    let control = w.wrapping_sub(0x20 * ONES) & !w & HIGHS != 0;
    !(control
        || has_zero(w ^ (u64::from(b'&') * ONES))
        || has_zero(w ^ (u64::from(b'<') * ONES))
        || has_zero(w ^ (u64::from(b'>') * ONES))
        || has_zero(w ^ (0xef * ONES)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SOAP request bodies of the conformance cases (PHP's, zeep's, suds', node-soap's
    /// and softlayer-ruby's shapes among them).
    fn conformance_soap_bodies() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/conformance/soap");
        let mut bodies = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let Some((_, request)) = text.split_once(">>> request\n") else {
                continue;
            };
            let request = request.split("\n<<< response").next().unwrap();
            if let Some((_, body)) = request.split_once("\n\n") {
                bodies.push(body.to_string());
            }
        }
        bodies
    }

    /// Namespaces as clients and hand-written tests use them: declared on the root or
    /// deeper, a default namespace set and taken away, a prefix declared again inside,
    /// typed and nil attributes, entities in text and attribute values.
    const NAMESPACED: &str = "<?xml version=\"1.0\"?>\n<soap:Envelope \
        xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" \
        xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soap:Header>\
        <auth xmlns=\"http://api.service.softlayer.com/soap/v3.1/\"><username>d&amp;mo</username>\
        <apiKey xmlns=\"\">k</apiKey></auth><p:x xmlns:p=\"urn:a\"><p:y xmlns:p=\"urn:b\" \
        p:z='1 &lt; 2' xsi:type=\"p:int\">7</p:y><p:w xsi:nil=\"true\"/></p:x>\
        </soap:Header><soap:Body><m:getObject xmlns:m=\"urn:m\"/></soap:Body></soap:Envelope>";

    /// What the plain reader reads it reads as the namespace-aware reader does: every
    /// conformance body and the namespaced sample, each truncated at every byte and with
    /// bytes that matter to XML put in and over every byte.
    #[test]
    fn the_plain_reader_reads_what_the_namespaced_reader_reads() {
        let mut documents = conformance_soap_bodies();
        assert!(documents.len() > 20, "{}", documents.len());
        documents.push(NAMESPACED.to_string());
        // Those that are well-formed are read plainly, the others left to the other reader.
        for doc in &documents {
            match read_namespaced(doc, "Envelope") {
                Ok(tree) => assert_eq!(read_plain(doc), Some(tree), "{doc}"),
                Err(_) => assert_eq!(read_plain(doc), None, "{doc}"),
            }
        }
        let mut plain_read = 0;
        let mut check = |text: &str| {
            if let Some(plain) = read_plain(text) {
                plain_read += 1;
                assert_eq!(
                    Ok(plain),
                    read_namespaced(text, "Envelope").map_err(|f| f.message().to_string()),
                    "{text}"
                );
            }
        };
        for doc in [&documents[0], documents.last().unwrap()] {
            let bytes = doc.as_bytes();
            for end in 0..bytes.len() {
                if doc.is_char_boundary(end) {
                    check(&doc[..end]);
                }
            }
            for i in 0..bytes.len() {
                for b in [
                    b'<', b'>', b'&', b'/', b'"', b'\'', b' ', b':', b'=', b'x', b';', b'\n',
                    b'\t', b'?', b'!',
                ] {
                    let mut copy = bytes.to_vec();
                    copy[i] = b;
                    if let Ok(text) = std::str::from_utf8(&copy) {
                        check(text);
                    }
                    copy.insert(i, b);
                    if let Ok(text) = std::str::from_utf8(&copy) {
                        check(text);
                    }
                }
            }
        }
        assert!(plain_read > 5000, "{plain_read}");
    }

    /// The word-at-a-time test agrees with the byte loop: every byte value at every
    /// position of a word, among plain neighbours and among others.
    #[test]
    fn plain_words_are_exactly_those_the_byte_loop_passes() {
        let needs = |b: u8| matches!(b, b'&' | b'<' | b'>' | 0x00..=0x1f | 0xef);
        for fill in [b'a', 0x7f, 0x80, 0xf0, 0x20, 0xbf] {
            for pos in 0..8 {
                for b in 0..=255u8 {
                    let mut word = [fill; 8];
                    word[pos] = b;
                    let plain = plain_word(u64::from_le_bytes(word));
                    let need = word.iter().any(|&x| needs(x));
                    assert!(!(plain && need), "{word:?} passed but needs escaping");
                    if !need {
                        assert!(plain, "{word:?} needs nothing but was flagged");
                    }
                }
            }
        }
    }

    /// The first byte to look at is found exactly ([`crate::scan::assert_finds_exactly`]).
    #[test]
    fn the_bytes_to_look_at_are_found_exactly() {
        crate::scan::assert_finds_exactly(
            next_to_look_at,
            must_look_at,
            &[b'a', b'\n', 0x80, 0xbf, 0xf0],
        );
    }

    /// Escaped text equals a byte-by-byte reference, on random texts of characters that
    /// need nothing, need a reference or a replacement.
    #[test]
    fn escaped_text_equals_a_byte_by_byte_escape() {
        let reference = |t: &str| {
            let mut out = String::new();
            for c in t.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '\r' => out.push_str("&#13;"),
                    '\t' | '\n' => out.push(c),
                    '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
                    c => out.push(c),
                }
            }
            out
        };
        let alphabet = [
            "a", "Z", " ", "&", "<", ">", "\r", "\n", "\t", "\u{1}", "\u{1f}", "é", "\u{fffe}",
            "\u{ffff}", "\u{fffd}", "\u{ef}", "\u{f000}", "😀", "\"", "'",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 70) as usize;
            let mut text = String::new();
            let mut r = seed;
            for _ in 0..len {
                r = r
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(alphabet[(r >> 33) as usize % alphabet.len()]);
            }
            let mut out = Vec::new();
            write_text(&mut out, &text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                reference(&text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_round_trips_and_forbidden_characters_are_replaced() {
        let mut out = Vec::new();
        write_text(&mut out, "a&b<c>d\r\ne\u{1}f\u{fffe}é");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a&amp;b&lt;c&gt;d&#13;\ne\u{fffd}f\u{fffd}é"
        );
    }

    #[test]
    fn the_tree_keeps_namespaces_attributes_and_text() {
        let tree = read_tree(
            b"<?xml version=\"1.0\"?><a xmlns:x=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><x:b xsi:type=\"x:int\" href=\"#1\">7</x:b><c xsi:nil=\"true\"/></a>",
            "root element",
        )
        .unwrap();
        assert_eq!(tree.local, "a");
        let b = &tree.children[0];
        assert_eq!((b.ns.as_deref(), &*b.local), (Some("urn:x"), "b"));
        assert_eq!(
            (b.xsi_type(), b.plain("href"), &*b.text),
            (Some("int"), Some("#1"), "7")
        );
        assert_eq!(b.xsi_type_ns(), Some("urn:x"));
        assert!(tree.children[1].is_nil());
        assert_eq!(tree.children[1].xsi_type_ns(), None);
    }

    /// Attributes as clients write them are read by the lexer; a repeated attribute, a
    /// character reference or a tab in a value is left to quick-xml, which decides (a
    /// repeat is a fault; the others read as quick-xml reads them).
    #[test]
    fn attributes_are_read_by_the_lexer_or_left_to_quick_xml() {
        let plain = "<a x=\"1\" y = '&lt;2&gt;' z=\"a>b\"><b/></a>";
        let tree = read_plain(plain).expect("read by the lexer");
        let values: Vec<_> = tree.attrs.iter().map(|a| (&*a.local, &*a.value)).collect();
        assert_eq!(values, [("x", "1"), ("y", "<2>"), ("z", "a>b")]);
        assert_eq!(Ok(tree), read_namespaced(plain, "root element"));

        for unusual in ["<a x=\"&#60;\"/>", "<a x=\"1\t2\"/>", "<a x=\"1\"y=\"2\"/>"] {
            assert_eq!(read_plain(unusual), None, "{unusual}");
            assert_eq!(
                read_tree(unusual.as_bytes(), "root element").ok(),
                read_namespaced(unusual, "root element").ok(),
                "{unusual}"
            );
        }
        let repeated = "<a x=\"1\" x=\"2\"/>";
        assert_eq!(read_plain(repeated), None);
        assert!(read_tree(repeated.as_bytes(), "root element").is_err());
    }

    /// Line ends are normalised before parsing (XML 1.0 section 2.11), in text by both
    /// readers; raw whitespace in attribute values becomes spaces (section 3.3.3);
    /// references to CR, LF and tab bring in those characters.
    #[test]
    fn line_ends_and_attribute_whitespace_are_normalised() {
        for body in [
            "<a x=\"1\r\n2\r3\t4&#13;&#10;&#9;\"><b>l1\r\nl2\rl3\r\r\n&#13;&#xD;</b></a>",
            "<a x=\"1\r\n2\r3\t4&#13;&#10;&#9;\"><b><!-- c -->l1\r\nl2\rl3\r\r\n&#13;&#xD;</b></a>",
        ] {
            let tree = read_tree(body.as_bytes(), "root element").unwrap();
            assert_eq!(tree.plain("x"), Some("1 2 3 4\r\n\t"), "{body:?}");
            assert_eq!(tree.children[0].text, "l1\nl2\nl3\n\n\r\r", "{body:?}");
        }
        let plain = "<a><b>x\r\ny</b></a>";
        assert_eq!(
            read_plain(&normalise_line_ends(Cow::Borrowed(plain)))
                .map(|t| t.children[0].text.to_string()),
            Some("x\ny".to_string())
        );
        assert!(matches!(
            normalise_line_ends(Cow::Borrowed("no carriage return\n")),
            Cow::Borrowed(_)
        ));
        assert_eq!(normalise_line_ends(Cow::Borrowed("\r")), "\n");
        assert_eq!(
            normalise_line_ends(Cow::Borrowed("a\r\n\r\nb\r")),
            "a\n\nb\n"
        );
    }

    /// A raw `]]>` in text and a raw `<` in an attribute value are not well-formed: the
    /// plain reader leaves them to quick-xml's, and that refuses them.
    #[test]
    fn a_raw_cdata_end_in_text_and_a_raw_lt_in_an_attribute_are_refused() {
        for body in [
            "<a><b>a ]]> b</b></a>",
            "<a>]]><b/></a>",
            "<a><!-- c --><b>a ]]> b</b></a>",
            "<a><b foo=\"a<b\"/></a>",
            "<a foo='<'><!-- c --></a>",
        ] {
            assert!(read_plain(body).is_none(), "{body}");
            let Err(Fault::Malformed { detail }) = read_tree(body.as_bytes(), "root element")
            else {
                panic!("{body} was not refused as malformed");
            };
            assert!(detail.contains("not well-formed"), "{body}: {detail}");
        }
        let fine = read_tree(
            b"<a x=\"&lt;\"><b>]] &gt; ]]&gt; <![CDATA[]]]]></b></a>",
            "root",
        )
        .unwrap();
        assert_eq!(
            (tree_text(&fine), fine.plain("x")),
            ("]] > ]]> ]]", Some("<"))
        );
    }

    /// UTF-16 of an odd number of bytes is refused, with its mark or without (its last
    /// byte was dropped); of an even number it is read.
    #[test]
    fn utf16_of_an_odd_number_of_bytes_is_refused() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>x</a>";
        let units: Vec<u16> = text.encode_utf16().collect();
        let little: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        let big: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        for body in [
            [&[0xFF, 0xFE][..], &little].concat(),
            [&[0xFE, 0xFF][..], &big].concat(),
            little.clone(),
            big.clone(),
        ] {
            assert_eq!(
                decode_body(&body).unwrap(),
                text.trim_start_matches('\u{feff}')
            );
            let odd = [&body[..], b"A"].concat();
            let Err(Fault::Malformed { detail }) = decode_body(&odd) else {
                panic!("{odd:?} was read");
            };
            assert!(detail.contains("odd number of bytes"), "{detail}");
        }
    }

    /// Names XML 1.0 does not allow are refused, as libxml and expat refuse them; names
    /// of letters beyond ASCII, digits after the first, `-`, `.` and `·` are read.
    #[test]
    fn names_xml_does_not_allow_are_refused() {
        for body in [
            "<a><1a/></a>",
            "<a><-a/></a>",
            "<a><.a>x</.a></a>",
            "<a><a!b/></a>",
            "<a><b 1x=\"y\"/></a>",
            "<a><data><0>0</0><1>1</1></data></a>",
            "<a><\u{B7}b/></a>",
        ] {
            let Err(Fault::Malformed { detail }) = read_tree(body.as_bytes(), "root element")
            else {
                panic!("{body} was not refused as malformed");
            };
            assert!(
                detail.contains("no XML name") || detail.contains("not well-formed"),
                "{body}: {detail}"
            );
        }
        for body in [
            "<a><b-1.x\u{B7}y/></a>",
            "<a><\u{F1}ame>x</\u{F1}ame></a>",
            "<a><_b:c xmlns:_b=\"urn:x\" d-e=\"1\"/></a>",
            "<a><\u{65E5}\u{672C}/></a>",
        ] {
            assert!(read_tree(body.as_bytes(), "root element").is_ok(), "{body}");
        }
    }

    fn tree_text<'t>(tree: &'t Element<'_>) -> &'t str {
        &tree.children[0].text
    }

    #[test]
    fn the_tree_refuses_what_could_exhaust_the_server() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        let wide = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        for (body, expected) in [
            (deep.as_str(), "nested deeper"),
            (wide.as_str(), "more than"),
            ("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", "DOCTYPE"),
            ("<a></a><b/>", "content after"),
            ("<a>", "end of document"),
            ("<a><b></a>", "not well-formed"),
        ] {
            let Err(Fault::Malformed { detail }) = read_tree(body.as_bytes(), "root element")
            else {
                panic!("{body:.40} was not refused as malformed");
            };
            assert!(detail.contains(expected), "{body:.40}: {detail}");
        }
    }

    /// Found while fuzzing the SOAP reader (fuzz/): namespace declarations piled up level by
    /// level made every prefixed name below them slow to resolve, so a 4.7 MB envelope
    /// took 93 s. More than [`MAX_NAMESPACES_IN_SCOPE`] at once are refused, by both
    /// readers; as many as that still read.
    #[test]
    fn namespace_declarations_in_scope_are_bounded() {
        let nested = |levels: usize, per_level: usize, attributes: usize| {
            let mut body = String::from("<r xmlns:q=\"urn:q\">");
            for level in 0..levels {
                body.push_str(&format!("<e{level}"));
                for i in 0..per_level {
                    body.push_str(&format!(" xmlns:p{i}=\"urn:{level}\""));
                }
                body.push('>');
            }
            body.push_str("<q:leaf");
            for i in 0..attributes {
                body.push_str(&format!(" q:a{i}=\"\""));
            }
            body.push_str("></q:leaf>");
            for level in (0..levels).rev() {
                body.push_str(&format!("</e{level}>"));
            }
            body + "</r>"
        };
        // 1 + 15 × 17 = 256 in scope at the leaf: read, by the plain reader as by the
        // namespace-aware one.
        let most = nested(17, 15, 3);
        assert!(read_plain(&most).is_some());
        assert!(read_namespaced(&most, "root element").is_ok());
        // One more (plain-reader sized), and the 60 levels of 255 the fuzzer built.
        for body in [
            nested(17, 15, 3).replacen("<e0", "<e0 xmlns:z=\"urn:z\"", 1),
            nested(60, 255, 50),
        ] {
            let started = std::time::Instant::now();
            assert!(read_plain(&body).is_none());
            let Err(Fault::Malformed { detail }) = read_tree(body.as_bytes(), "root element")
            else {
                panic!("{body:.60} was not refused as malformed");
            };
            assert!(
                detail.contains("namespace declarations in scope"),
                "{detail}"
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
        // Declarations that go out of scope do not count.
        let siblings = format!("<r>{}</r>", nested(1, 200, 1).repeat(10));
        assert!(read_tree(siblings.as_bytes(), "root element").is_ok());
    }

    /// Bytes that are not UTF-8 are read in the encoding the XML declaration names
    /// (ISO-8859-1 byte for byte), and refused where it names none, or UTF-8 (XML 1.0
    /// reads such a body as UTF-8; libxml and expat refuse it), or an encoding no one
    /// knows. UTF-8 stays UTF-8 whatever is declared.
    #[test]
    fn declarations_are_read_as_xml_1_0_has_them() {
        for good in [
            "xml version=\"1.0\"",
            "xml version='1.0' encoding='iso-8859-1'",
            "xml version = \"1.1\"  encoding=\"UTF-8\" standalone=\"yes\" ",
            "xml version=\"1.0\"\n\tstandalone='no'",
        ] {
            assert!(check_declaration(good.as_bytes()).is_ok(), "{good}");
        }
        for bad in [
            "xml",
            "xml ",
            "xml garbage",
            "xml encoding=\"UTF-8\"",
            "xml encoding=\"UTF-8\" version=\"1.0\"",
            "xml version=\"1.0\" version=\"1.0\"",
            "xml version=\"2.0\"",
            "xml version=\"1.\"",
            "xml version=\"1.0\"encoding=\"UTF-8\"",
            "xml version=\"1.0\" encoding=\"8bit\"",
            "xml version=\"1.0\" encoding=\"\"",
            "xml version=\"1.0\" standalone=\"maybe\"",
            "xml version=\"1.0' ",
            "xml version=1.0",
            "xml version=\"1.0\" other=\"x\"",
        ] {
            assert!(check_declaration(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(check_pi_target(b"xml-stylesheet").is_ok());
        for bad in [&b""[..], b"xml", b"XML", b"xMl"] {
            assert!(check_pi_target(bad).is_err());
        }
    }

    #[test]
    fn bodies_are_decoded_by_their_declared_encoding() {
        let text = |body: &[u8]| {
            decode_body(body)
                .map(Cow::into_owned)
                .map_err(|f| f.to_string())
        };
        let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>";
        assert_eq!(
            text(latin1),
            Ok("<?xml version='1.0' encoding='ISO-8859-1'?><a>café</a>".into())
        );
        let utf8_declared_latin1 = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>café</a>";
        assert_eq!(
            text(utf8_declared_latin1.as_bytes()),
            Ok(utf8_declared_latin1.into())
        );
        for refused in [
            &b"<a>caf\xe9</a>"[..],
            b"<?xml version=\"1.0\"?><a>caf\xe9</a>",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xc0\xaf</a>",
            b"\xef\xbb\xbf<a>a\xed\xa0\x80b</a>",
        ] {
            let Err(Fault::Malformed { detail }) = decode_body(refused) else {
                panic!("{refused:?} was read");
            };
            assert!(detail.contains("not UTF-8"), "{detail}");
        }
        // UTF-16 without a byte order mark, told by its `<?` (XML 1.0 appendix F).
        let utf16: Vec<u8> = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>ä</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            text(&utf16),
            Ok("<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>ä</a>".into())
        );
        let utf16be: Vec<u8> = "<?xml version=\"1.0\"?><a>ä</a>"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(text(&utf16be), Ok("<?xml version=\"1.0\"?><a>ä</a>".into()));
        // Other encodings as themselves; ISO-8859-1's C1 bytes stay C1 (not windows-1252).
        let body = |encoding: &str, inner: &[u8]| {
            let mut b = format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?><a>").into_bytes();
            b.extend_from_slice(inner);
            b.extend_from_slice(b"</a>");
            b
        };
        let inner = |encoding: &str, inner: &[u8]| {
            text(&body(encoding, inner))
                .map(|t| t[t.find("<a>").unwrap() + 3..t.len() - 4].to_string())
        };
        assert_eq!(
            inner("Shift_JIS", b"\x83f\x83B\x83X\x83N"),
            Ok("ディスク".into())
        );
        assert_eq!(
            inner("EUC-JP", b"\xa5\xc7\xa5\xa3\xa5\xb9\xa5\xaf"),
            Ok("ディスク".into())
        );
        assert_eq!(inner("KOI8-R", b"\xc4\xc9\xd3\xcb"), Ok("диск".into()));
        assert_eq!(inner("windows-1252", b"\x80 \x93x\x94"), Ok("€ “x”".into()));
        assert_eq!(inner("ISO-8859-1", b"\x80\xe9"), Ok("\u{80}é".into()));
        let Err(Fault::Malformed { detail }) = decode_body(&body("no-such-code", b"\xe9")) else {
            panic!("an unknown encoding was read");
        };
        assert!(detail.contains("does not know"), "{detail}");
        let Err(Fault::Malformed { detail }) = decode_body(&body("Shift_JIS", b"\x83")) else {
            panic!("a cut Shift_JIS character was read");
        };
        assert!(detail.contains("not Shift_JIS"), "{detail}");
        assert_eq!(
            declared_encoding(b" <?xml version='1.0' encoding = \"latin1\" ?><a/>"),
            Some("latin1")
        );
        assert_eq!(
            declared_encoding(b"<?xml version='1.0'?><a encoding='x'/>"),
            None
        );
        assert_eq!(declared_encoding(b"<a/>"), None);
    }

    /// Characters XML 1.0 does not allow are refused, raw (in any encoding) or as
    /// character references; tab, line feed, carriage return and the rest of Unicode pass.
    #[test]
    fn characters_xml_does_not_allow_are_refused() {
        for text in [
            "a\u{0}b",
            "\u{1}",
            "a\u{b}",
            "\u{c}",
            "x\u{1f}",
            "\u{fffe}",
            "a\u{ffff}",
        ] {
            assert!(check_characters(text).is_err(), "{text:?}");
        }
        for text in [
            "",
            "a\tb\nc\rd",
            "\u{7f}\u{85}\u{a0}",
            "\u{fffd}\u{ff10}\u{effff}",
            "日本語 🎫",
        ] {
            assert_eq!(check_characters(text), Ok(()), "{text:?}");
        }
        let latin1_control = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\x01\xe9</a>";
        assert!(decode_body(latin1_control).is_err());
        for refused in ["<a>x&#1;y</a>", "<a b=\"&#x1F;\"/>", "<a>&#xFFFE;</a>"] {
            assert!(read_tree(refused.as_bytes(), "root").is_err(), "{refused}");
        }
        assert!(read_tree(b"<a>&#9;&#10;&#13;&#xE9;</a>", "root").is_ok());
    }

    /// The bytes to look at are found exactly ([`crate::scan::assert_finds_exactly`]).
    #[test]
    fn the_suspect_bytes_are_found_exactly() {
        crate::scan::assert_finds_exactly(
            next_suspect,
            may_be_forbidden,
            &[b'a', b'\t', 0x80, 0xbf],
        );
    }
}
