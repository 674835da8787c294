//! Object masks, parsed into a tree.
//!
//! A SoftLayer call says which properties it wants back with an object mask: either the
//! string language (`mask[id, updates[entry]]`, `mask.status`, `filteredMask[...]`) or the
//! legacy nested struct (`{updates: {entry: ""}}`). This module turns both into the same
//! [`ObjectMask`] tree so that the rest of the server never looks at mask text.
//!
//! The tree is independent of the type schema: whether `updates` exists on
//! `SoftLayer_Ticket`, or whether a cast names a real type, is checked elsewhere. This module
//! only knows the grammar, and it rejects malformed text with a [`MaskError`] whose message
//! is shown to the API user, so it never panics and bounds its nesting depth.
//!
//! Grammar accepted (whitespace and newlines are allowed between any two tokens):
//!
//! ```text
//! input   := ε | top ((';' | ',') top)*
//! top     := ('mask' | 'filteredMask') cast? tail   -- the root object
//!          | '[' set ']' ('.' item)?                -- a bare set: the root object
//!          | item                                   -- a bare property of the root
//! item    := ident cast? tail
//! tail    := '[' set ']' ('.' item)? | '.' item | ε
//! set     := ε | item ((',' | ';') item)*
//! cast    := '(' ident ')'
//! ident   := [A-Za-z_][A-Za-z0-9_]*
//! ```
//!
//! `mask` and `filteredMask` are keywords only at the top level (and directly inside a
//! top-level mask's set, where softlayer-go's XML-RPC wrapping puts them: see
//! [`Parser::root_tail`]) and only when followed by `[`, `.` or `(`; elsewhere they are
//! ordinary property names. A `.item` after a set adds
//! to the same object: `mask[id].updates.entry` is `mask[id, updates[entry]]`.

use crate::value::{Struct, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// How many property levels a mask may nest; deeper input is refused (text) or cut off
/// (legacy struct) so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 32;

/// The most properties one level of a mask may name, and a whole mask. Merging a
/// property into its level looks among those named before it, so a level of 50,000
/// names took 8.6 s to parse (and a 16 MiB body holds millions). No SoftLayer type has
/// more than a few hundred properties (SoftLayer_Account 477), so a longer level names
/// properties that do not exist.
pub const MAX_LEVEL_PROPERTIES: usize = 1_000;
pub const MAX_MASK_PROPERTIES: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectMask {
    /// The properties the mask names at this level, in first-seen order, merged by name.
    pub properties: Vec<MaskProperty>,
    /// True when the mask was written `filteredMask[...]`.
    pub filtered: bool,
    /// A type cast on the root object: `mask(SoftLayer_Hardware_Server)[...]`.
    pub cast: Option<String>,
    /// What was worked out from this level once and is asked again: the columns the
    /// store reads per table, the text the mask prints as. Not part of what the mask says.
    pub remembered: Remembered,
}

/// What a mask level remembers of what was worked out from it: masks are parsed once per
/// thread and text (`services::projection::parsed_mask`, [`ObjectMask::parse_shared`])
/// and used by many calls. Working out the columns to read looks every property up in
/// the schema and the relations; printing a REST mask for the journal was 1% of an
/// uncached REST getObject. Equal to any other and cloned empty, being no part of what
/// the mask says; forgotten when the level gains properties.
#[derive(Default)]
pub struct Remembered {
    columns: std::sync::Mutex<Vec<(usize, u64)>>,
    printed: std::sync::OnceLock<Arc<str>>,
    /// Per type the mask is read as: what it names that the emulator keeps no data for
    /// (`services::unkept_relations`), worked out once rather than on every call.
    unkept: std::sync::Mutex<Vec<(String, Arc<[String]>)>>,
}

impl Remembered {
    /// The columns remembered for `table` (a key the store chooses, `store::columns_for`).
    pub fn columns(&self, table: usize) -> Option<u64> {
        let known = self.columns.lock().unwrap_or_else(|p| p.into_inner());
        known.iter().find(|(t, _)| *t == table).map(|(_, v)| *v)
    }

    pub fn remember_columns(&self, table: usize, value: u64) {
        let mut known = self.columns.lock().unwrap_or_else(|p| p.into_inner());
        if !known.iter().any(|(t, _)| *t == table) {
            known.push((table, value));
        }
    }

    /// What the mask, read as `type_name`, names that the emulator does not keep, worked
    /// out by `work_out` the first time.
    pub fn unkept(&self, type_name: &str, work_out: impl FnOnce() -> Vec<String>) -> Arc<[String]> {
        let mut known = self.unkept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, names)) = known.iter().find(|(t, _)| t == type_name) {
            return names.clone();
        }
        let names: Arc<[String]> = work_out().into();
        known.push((type_name.to_string(), names.clone()));
        names
    }

    fn forget(&mut self) {
        self.columns
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.printed.take();
        self.unkept
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl Clone for Remembered {
    fn clone(&self) -> Remembered {
        Remembered::default()
    }
}

impl PartialEq for Remembered {
    fn eq(&self, _: &Remembered) -> bool {
        true
    }
}

impl std::fmt::Debug for Remembered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Remembered")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MaskProperty {
    pub name: String,
    /// `hardware(SoftLayer_Hardware_Server)[...]` or `mask(Type).prop` style casts.
    pub cast: Option<String>,
    /// What the mask asks of this property's own properties (empty: its defaults).
    pub children: ObjectMask,
    /// The mask's text names the property more than once at this level. The real API
    /// refuses that for a local property ("Property 'note' has already been defined.",
    /// softlayer-python issue 2088) and merges a relational one, which validation,
    /// knowing which is which, does too.
    pub repeated: bool,
    /// Only the related object with this id: a REST path's pick after a relation
    /// (`…/Updates/77/Ticket`), so that what is nested under it is projected for that
    /// one object rather than for each of the list's. Not part of the mask language.
    pub pick: Option<i64>,
}

/// The mask in the string language, as [`ObjectMask::parse`] reads it back:
/// `mask(Cast)[id,updates[entry],assignedUser(SoftLayer_User_Customer)[username]]`.
impl std::fmt::Display for ObjectMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.filtered {
            "filteredMask"
        } else {
            "mask"
        })?;
        if let Some(cast) = &self.cast {
            write!(f, "({cast})")?;
        }
        // A root property named `mask` or `filteredMask` with a set or a cast would read
        // back as a root mask (`mask[mask[id]]` is `mask[id]`); inside a wrapping
        // `mask[…]` the parser reads properties only (fuzz/ target `mask` found it).
        let wrap = self.properties.iter().any(|p| {
            matches!(p.name.as_str(), "mask" | "filteredMask")
                && (p.cast.is_some() || !p.children.is_empty() || p.children.cast.is_some())
        });
        f.write_str(if wrap { "[mask[" } else { "[" })?;
        write_set(f, &self.properties)?;
        f.write_str(if wrap { "]]" } else { "]" })
    }
}

fn write_set(f: &mut std::fmt::Formatter<'_>, properties: &[MaskProperty]) -> std::fmt::Result {
    for (i, p) in properties.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        f.write_str(&p.name)?;
        if let Some(cast) = &p.cast {
            write!(f, "({cast})")?;
        }
        if !p.children.is_empty() || p.children.cast.is_some() {
            f.write_str("[")?;
            write_set(f, &p.children.properties)?;
            f.write_str("]")?;
        }
        // Named twice, as the text did: read back, it is refused or merged as the
        // original was (a journaled mask replays to the same answer).
        if p.repeated {
            write!(f, ",{}", p.name)?;
            if let Some(cast) = &p.cast {
                write!(f, "({cast})")?;
            }
        }
    }
    Ok(())
}

/// Why a mask string could not be parsed. Positions count characters from 0; `line` and
/// `column` (from 1) say the same for the message, which takes the real API's form
/// (`SoftLayer_Exception_Common_Parser` "Error on line 1 at column 254: Expected PROPERTY,
/// got '''", quoted in softlayer-python pull request 345).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MaskError {
    #[error("Error on line {line} at column {column}: Expected {expected}, got {}", shown(*found))]
    Unexpected {
        found: char,
        position: usize,
        line: usize,
        column: usize,
        expected: &'static str,
    },
    #[error("Error on line {line} at column {column}: Expected {expected}, got ''")]
    UnexpectedEnd {
        position: usize,
        line: usize,
        column: usize,
        expected: &'static str,
    },
    #[error(
        "Error on line {line} at column {column}: properties are nested more than {limit} levels deep"
    )]
    TooDeep {
        position: usize,
        line: usize,
        column: usize,
        limit: usize,
    },
    #[error(
        "Error on line {line} at column {column}: the mask names more than {limit} properties {scope}"
    )]
    TooMany {
        position: usize,
        line: usize,
        column: usize,
        limit: usize,
        /// "at one level" or "in all".
        scope: &'static str,
    },
    #[error(
        "Error on line {line} at column {column}: the root object is cast to both {first} and {second}"
    )]
    ConflictingRootCast {
        first: String,
        second: String,
        position: usize,
        line: usize,
        column: usize,
    },
}

/// A character as a message shows it: quoted as it is (a stray quote reads `got '''`, as
/// on the real API), or by its code point where it shows as nothing: a control character
/// or an invisible format character (a mask saved with a byte-order mark read `got ''`).
fn shown(c: char) -> String {
    let mut one = [0; 4];
    if c.is_control() || crate::value::format_character(c.encode_utf8(&mut one)).is_some() {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

impl From<MaskError> for crate::fault::Fault {
    /// A mask that does not parse: `SoftLayer_Exception_Common_Parser`. One nested past
    /// the parser's bound is well formed but asks too much: a mask fault, like the
    /// schema's depth limit (`projection::validate`).
    fn from(e: MaskError) -> Self {
        use crate::fault::ExceptionClass;
        let class = match e {
            MaskError::TooDeep { .. } | MaskError::TooMany { .. } => {
                ExceptionClass::WebServiceObjectMask
            }
            _ => ExceptionClass::CommonParser,
        };
        crate::fault::Fault::BadArgument {
            class,
            message: e.to_string(),
        }
    }
}

impl ObjectMask {
    /// Parses the string mask language. Empty or all-whitespace text is the empty mask
    /// (defaults), like `mask[]`.
    pub fn parse(text: &str) -> Result<ObjectMask, MaskError> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            pos: 0,
            properties: 0,
        };
        let mut root = ObjectMask::default();
        parser.skip_ws();
        if parser.peek().is_none() {
            return Ok(root);
        }
        loop {
            parser.top(&mut root)?;
            parser.skip_ws();
            match parser.peek() {
                None => return Ok(root),
                Some(';' | ',') => parser.pos += 1,
                Some(c) => return Err(parser.unexpected(c, "',', ';' or END")),
            }
        }
    }

    /// [`ObjectMask::parse`], remembered per thread by text ([`MaskMemo`]): REST parses
    /// `objectMask` as it routes every request, clients repeat theirs, and parsing one
    /// was 3% of an uncached REST getObject.
    pub fn parse_shared(text: &str) -> Result<Arc<ObjectMask>, MaskError> {
        thread_local! {
            static PARSED: MaskMemo<String, Arc<ObjectMask>> = MaskMemo::default();
        }
        PARSED.with(|memo| {
            memo.get_or_make(
                text,
                || text.to_string(),
                || ObjectMask::parse(text).map(Arc::new),
            )
        })
    }

    /// The legacy mask: a nested struct of empty values, e.g. {updates: {entry: ""}, status: {}}.
    pub fn from_legacy(mask: &Struct) -> ObjectMask {
        legacy_level(mask, 1)
    }

    /// The mask as it prints ([`std::fmt::Display`]), printed once.
    pub fn printed(&self) -> Arc<str> {
        self.remembered
            .printed
            .get_or_init(|| self.to_string().into())
            .clone()
    }

    /// The first property of that name at this level.
    pub fn get(&self, name: &str) -> Option<&MaskProperty> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// True when the mask names no properties (`mask[]`): the object's defaults. A cast or
    /// the `filteredMask` flag alone does not change what is returned, so they are ignored.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// Adds a property, merging it into an existing one of the same name and cast. Entries
    /// with different casts stay apart (`resource(A)[..], resource(B)[..]`, as
    /// SoftLayer_Search masks do), and so do a cast entry and an uncast one: each is checked
    /// against its own type (`editor[id], editor(SoftLayer_User_Employee)[email]` names
    /// `id` of the declared type, which the employee type may lack), and an object gets
    /// the uncast entry's properties and those of the casts it is an instance of.
    fn add(&mut self, prop: MaskProperty) {
        self.add_marking(prop, false);
    }

    /// [`ObjectMask::add`] for a property the text names: merging one marks it
    /// [`MaskProperty::repeated`].
    fn add_named(&mut self, prop: MaskProperty) {
        self.add_marking(prop, true);
    }

    fn add_marking(&mut self, prop: MaskProperty, mark: bool) {
        self.remembered.forget();
        let existing = self
            .properties
            .iter_mut()
            .find(|p| p.name == prop.name && p.cast == prop.cast);
        match existing {
            Some(p) => {
                p.repeated |= mark || prop.repeated;
                p.children.merge(prop.children);
            }
            None => self.properties.push(prop),
        }
    }

    /// Adds `other`'s properties to this mask, merging those of the same name.
    pub fn merge(&mut self, other: ObjectMask) {
        self.filtered |= other.filtered;
        if self.cast.is_none() {
            self.cast = other.cast;
        }
        for prop in other.properties {
            self.add(prop);
        }
    }
}

/// One level of a legacy mask; `depth` is the level of `mask`'s own members.
fn legacy_level(mask: &Struct, depth: usize) -> ObjectMask {
    let mut out = ObjectMask::default();
    for (name, value) in mask {
        let children = match value {
            Value::Struct(inner) if !inner.is_empty() && depth < MAX_DEPTH => {
                legacy_level(inner, depth + 1)
            }
            // A one-item array of the item type, as SLDN's C# article writes array
            // relations (`updates: [{editor: {}}]`); SOAP's `<item>` reads the same.
            Value::Array(items) if depth < MAX_DEPTH => match items.first() {
                Some(Value::Struct(inner)) if !inner.is_empty() => legacy_level(inner, depth + 1),
                _ => ObjectMask::default(),
            },
            _ => ObjectMask::default(),
        };
        // A struct's members have distinct names: nothing to merge, so no search of the
        // level's earlier properties (which made a level of many members quadratic).
        out.properties.push(MaskProperty {
            name: name.clone(),
            cast: None,
            children,
            repeated: false,
            pick: None,
        });
    }
    out
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Properties read so far (see [`MAX_MASK_PROPERTIES`]).
    properties: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// The next character after any whitespace, without consuming anything.
    fn peek_past_ws(&self) -> Option<char> {
        self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .copied()
            .find(|c| !c.is_whitespace())
    }

    /// The line and column (from 1) of a character position.
    fn line_column(&self, position: usize) -> (usize, usize) {
        let before = &self.chars[..position.min(self.chars.len())];
        let line = 1 + before.iter().filter(|&&c| c == '\n').count();
        let column = 1 + before.iter().rev().take_while(|&&c| c != '\n').count();
        (line, column)
    }

    fn unexpected(&self, found: char, expected: &'static str) -> MaskError {
        let (line, column) = self.line_column(self.pos);
        MaskError::Unexpected {
            found,
            position: self.pos,
            line,
            column,
            expected,
        }
    }

    /// An error for whatever is at the current position (a character or the end).
    fn error_here(&self, expected: &'static str) -> MaskError {
        match self.peek() {
            Some(c) => self.unexpected(c, expected),
            None => {
                let (line, column) = self.line_column(self.pos);
                MaskError::UnexpectedEnd {
                    position: self.pos,
                    line,
                    column,
                    expected,
                }
            }
        }
    }

    fn expect(&mut self, want: char, expected: &'static str) -> Result<(), MaskError> {
        self.skip_ws();
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(expected))
        }
    }

    fn ident(&mut self, expected: &'static str) -> Result<String, MaskError> {
        self.skip_ws();
        match self.peek() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
            _ => return Err(self.error_here(expected)),
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    /// `(Type)` if one follows.
    fn cast(&mut self) -> Result<Option<String>, MaskError> {
        self.skip_ws();
        if self.peek() != Some('(') {
            return Ok(None);
        }
        self.pos += 1;
        let name = self.ident("TYPE")?;
        self.expect(')', "')'")?;
        Ok(Some(name))
    }

    /// One top-level mask, merged into `root`.
    fn top(&mut self, root: &mut ObjectMask) -> Result<(), MaskError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            return self.root_tail(root);
        }
        self.root_mask(root, false)
    }

    /// A root mask (`mask[...]`, `filteredMask(T).x`) or a bare property of the root;
    /// `wrapped` when it stands inside another root mask's set.
    fn root_mask(&mut self, root: &mut ObjectMask, wrapped: bool) -> Result<(), MaskError> {
        self.skip_ws();
        let start = self.pos;
        let name = self.ident("PROPERTY")?;
        let keyword = (name == "mask" || name == "filteredMask")
            && matches!(self.peek_past_ws(), Some('[' | '.' | '('));
        if !keyword {
            self.pos = start;
            let prop = self.item(1)?;
            self.add(root, prop)?;
            return Ok(());
        }
        root.filtered |= name == "filteredMask";
        let cast_at = self.pos;
        if let Some(cast) = self.cast()? {
            match &root.cast {
                Some(first) if *first != cast => {
                    let (line, column) = self.line_column(cast_at);
                    return Err(MaskError::ConflictingRootCast {
                        first: first.clone(),
                        second: cast,
                        position: cast_at,
                        line,
                        column,
                    });
                }
                _ => root.cast = Some(cast),
            }
        }
        if wrapped {
            self.tail(root, 0)
        } else {
            self.root_tail(root)
        }
    }

    /// What follows a root mask, and a set at the top: as [`Parser::tail`], except that a
    /// member of the set may itself be a root mask, one level deep.
    ///
    /// - softlayer-go's XML-RPC transport wraps every mask that does not start with
    ///   `mask[` in one (session/xmlrpc.go), so a program's `mask.id` arrives as
    ///   `mask[mask.id]` and its `filteredMask[id,updates[id]]` as
    ///   `mask[filteredMask[id,updates[id]]]`; no SoftLayer type has a property named
    ///   `mask` or `filteredMask` for these to mean instead.
    /// - softlayer-ruby sends the masks it cannot merge as a "root property set"
    ///   (ObjectMaskParser.rb, "a property set containing root properties";
    ///   APIParameterFilter#server_object_mask), e.g. for `Account#virtual_servers`:
    ///   `[mask[id],mask(SoftLayer_Virtual_Guest)[maxCpu]]`, or `[id,title]`.
    ///
    /// Such members' own sets hold properties only, so the depth stays bounded.
    fn root_tail(&mut self, root: &mut ObjectMask) -> Result<(), MaskError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            self.pos += 1;
            self.skip_ws();
            if self.peek() == Some(']') {
                self.pos += 1;
            } else {
                loop {
                    self.root_mask(root, true)?;
                    self.skip_ws();
                    match self.peek() {
                        Some(',' | ';') => self.pos += 1,
                        Some(']') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.error_here("',' or ']'")),
                    }
                }
            }
            self.skip_ws();
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            let prop = self.item(1)?;
            self.add(root, prop)?;
        }
        Ok(())
    }

    /// Adds a property the text names to `node`'s level, within [`MAX_LEVEL_PROPERTIES`].
    fn add(&self, node: &mut ObjectMask, prop: MaskProperty) -> Result<(), MaskError> {
        node.add_named(prop);
        if node.properties.len() > MAX_LEVEL_PROPERTIES {
            return Err(self.too_many(MAX_LEVEL_PROPERTIES, "at one level"));
        }
        Ok(())
    }

    fn too_many(&self, limit: usize, scope: &'static str) -> MaskError {
        let (line, column) = self.line_column(self.pos);
        MaskError::TooMany {
            position: self.pos,
            line,
            column,
            limit,
            scope,
        }
    }

    /// A property at nesting level `depth` (the root's own properties are level 1).
    fn item(&mut self, depth: usize) -> Result<MaskProperty, MaskError> {
        self.skip_ws();
        if depth > MAX_DEPTH {
            let (line, column) = self.line_column(self.pos);
            return Err(MaskError::TooDeep {
                position: self.pos,
                line,
                column,
                limit: MAX_DEPTH,
            });
        }
        self.properties += 1;
        if self.properties > MAX_MASK_PROPERTIES {
            return Err(self.too_many(MAX_MASK_PROPERTIES, "in all"));
        }
        let name = self.ident("PROPERTY")?;
        let cast = self.cast()?;
        let mut children = ObjectMask::default();
        self.tail(&mut children, depth)?;
        Ok(MaskProperty {
            name,
            cast,
            children,
            repeated: false,
            pick: None,
        })
    }

    /// What follows a property (or the root) at level `depth`: a set, a dotted path, both
    /// (set first), or nothing. Everything found is added to `node`.
    fn tail(&mut self, node: &mut ObjectMask, depth: usize) -> Result<(), MaskError> {
        self.skip_ws();
        if self.peek() == Some('[') {
            self.pos += 1;
            self.set(node, depth)?;
            self.skip_ws();
        }
        if self.peek() == Some('.') {
            self.pos += 1;
            let prop = self.item(depth + 1)?;
            self.add(node, prop)?;
        }
        Ok(())
    }

    /// The inside of `[...]`, after the `[`, through the closing `]`.
    fn set(&mut self, node: &mut ObjectMask, depth: usize) -> Result<(), MaskError> {
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let prop = self.item(depth + 1)?;
            self.add(node, prop)?;
            self.skip_ws();
            match self.peek() {
                // ';' separates too: softlayer-go's Mask() wraps "id;hostname;billingItem[x,y]"
                // as mask[id;hostname;billingItem[x,y]] (services/*.go, since 2016; its XML-RPC
                // transport wraps any mask so), and programs send that to the real API (e.g.
                // openshift/ofcir's ibmcloud provider, getHardware).
                Some(',' | ';') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.error_here("',' or ']'")),
            }
        }
    }
}

/// How many masks a [`MaskMemo`] keeps, and the longest text it keeps one for.
pub const REMEMBERED_MASKS: usize = 256;
pub const REMEMBERED_MASK_TEXT: usize = 2048;

/// What was made of mask texts (parsed, or parsed and checked for a type), kept per
/// thread: clients send the same few masks again and again. At most
/// [`REMEMBERED_MASKS`] are kept (the memo is emptied when full), only for texts of up
/// to [`REMEMBERED_MASK_TEXT`] bytes, and never a failure.
pub struct MaskMemo<K, V>(RefCell<HashMap<K, V, foldhash::fast::RandomState>>);

impl<K, V> Default for MaskMemo<K, V> {
    fn default() -> Self {
        MaskMemo(RefCell::new(HashMap::default()))
    }
}

impl<K: Eq + Hash, V: Clone> MaskMemo<K, V> {
    /// What is kept under `key` (made from `text`), or what `make` makes, kept if it
    /// succeeds.
    pub fn get_or_make<E>(
        &self,
        text: &str,
        key: impl FnOnce() -> K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if text.len() > REMEMBERED_MASK_TEXT {
            return make();
        }
        let key = key();
        if let Some(made) = self.0.borrow().get(&key).cloned() {
            return Ok(made);
        }
        let made = make()?;
        let mut kept = self.0.borrow_mut();
        if kept.len() >= REMEMBERED_MASKS {
            kept.clear();
        }
        kept.insert(key, made.clone());
        Ok(made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a mask level remembers of the columns it reads is no part of the mask: equal
    /// masks stay equal, a copy starts empty, and a level that gains properties forgets.
    #[test]
    fn remembered_columns_are_forgotten_when_the_mask_grows() {
        let mut mask = ObjectMask::parse("mask[id,title]").unwrap();
        mask.remembered.remember_columns(1, 0b11);
        mask.remembered.remember_columns(1, 0b111);
        assert_eq!(mask.remembered.columns(1), Some(0b11));
        assert_eq!(mask.remembered.columns(2), None);
        assert_eq!(&*mask.printed(), "mask[id,title]");
        assert_eq!(mask, ObjectMask::parse("mask[id,title]").unwrap());
        assert_eq!(mask.clone().remembered.columns(1), None);
        mask.merge(ObjectMask::parse("mask[status]").unwrap());
        assert_eq!(mask.remembered.columns(1), None);
        assert_eq!(&*mask.printed(), "mask[id,title,status]");
    }

    /// A mask prints as it reads back, a property named twice included (the journal
    /// records REST masks printed, and replay must get the same refusal or merge).
    #[test]
    fn printed_masks_read_back_the_same() {
        for text in [
            "mask[title,title]",
            "mask[id,updates[entry],updates[editor]]",
            "mask(SoftLayer_Ticket)[assignedUser(SoftLayer_User_Customer)[id],id,id]",
            "filteredMask[updates[entry]]",
            // Properties named as the root masks are: found by fuzz/ target `mask`.
            "mask[mask[mask[id]]]",
            "filteredMask(SoftLayer_Ticket)[mask[filteredMask[id],mask(T),mask,id]]",
            "[mask[mask[id]],mask(SoftLayer_Ticket)[title]]",
        ] {
            let mask = ObjectMask::parse(text).unwrap();
            let printed = mask.printed();
            assert_eq!(
                ObjectMask::parse(&printed).unwrap(),
                mask,
                "{text} → {printed}"
            );
        }
        assert_eq!(
            &*ObjectMask::parse("mask[title,title]").unwrap().printed(),
            "mask[title,title]"
        );
    }

    /// A compact rendering for assertions: `id,updates[entry,editor],hardware(T)[x]`.
    fn render(mask: &ObjectMask) -> String {
        mask.properties
            .iter()
            .map(|p| {
                let mut s = p.name.clone();
                if let Some(cast) = &p.cast {
                    s.push_str(&format!("({cast})"));
                }
                if !p.children.properties.is_empty() {
                    s.push_str(&format!("[{}]", render(&p.children)));
                }
                s
            })
            .collect::<Vec<_>>()
            .join(",")
    }

    fn parsed(text: &str) -> String {
        render(&ObjectMask::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}")))
    }

    fn err(text: &str) -> MaskError {
        match ObjectMask::parse(text) {
            Ok(m) => panic!("{text:?} parsed as {:?}", render(&m)),
            Err(e) => e,
        }
    }

    fn position(e: &MaskError) -> usize {
        match e {
            MaskError::Unexpected { position, .. }
            | MaskError::UnexpectedEnd { position, .. }
            | MaskError::TooDeep { position, .. }
            | MaskError::TooMany { position, .. }
            | MaskError::ConflictingRootCast { position, .. } => *position,
        }
    }

    /// A text is parsed once per thread and shared after; a malformed one is refused every
    /// time; a long one is parsed afresh.
    #[test]
    fn shared_masks_are_parsed_once_per_text() {
        let a = ObjectMask::parse_shared("mask[id,updates[entry]]").unwrap();
        let b = ObjectMask::parse_shared("mask[id,updates[entry]]").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*a, ObjectMask::parse("mask[id,updates[entry]]").unwrap());
        let id = ObjectMask::parse_shared("id").unwrap();
        assert_eq!(id.to_string(), "mask[id]");
        for _ in 0..2 {
            assert!(ObjectMask::parse_shared("mask[id,").is_err());
        }
        let long = format!("mask[id,{}title]", " ".repeat(REMEMBERED_MASK_TEXT));
        let x = ObjectMask::parse_shared(&long).unwrap();
        let y = ObjectMask::parse_shared(&long).unwrap();
        assert!(!Arc::ptr_eq(&x, &y));
        assert_eq!(*x, *y);
    }

    #[test]
    fn softlayer_python_ticket_list_mask() {
        let text = "mask[id, serviceProviderResourceId, title, assignedUser[firstName, lastName], priority,
                  createDate, lastEditDate, accountId, status, updateCount]";
        let mask = ObjectMask::parse(text).unwrap();
        assert_eq!(
            render(&mask),
            "id,serviceProviderResourceId,title,assignedUser[firstName,lastName],priority,\
             createDate,lastEditDate,accountId,status,updateCount"
        );
        assert!(!mask.filtered);
        assert_eq!(mask.cast, None);
        let user = mask.get("assignedUser").unwrap();
        assert_eq!(user.children.properties.len(), 2);
        assert!(user.children.get("lastName").unwrap().children.is_empty());
        assert!(mask.get("status").unwrap().children.is_empty());
    }

    #[test]
    fn softlayer_python_ticket_detail_mask() {
        let text = "mask[id, serviceProviderResourceId, title, assignedUser[firstName, lastName],status,\n createDate,lastEditDate,updates[entry,editor],updateCount, priority]";
        assert_eq!(
            parsed(text),
            "id,serviceProviderResourceId,title,assignedUser[firstName,lastName],status,\
             createDate,lastEditDate,updates[entry,editor],updateCount,priority"
        );
    }

    #[test]
    fn softlayer_python_summary_mask_without_prefix() {
        let text = "openTicketCount, closedTicketCount, openBillingTicketCount";
        assert_eq!(
            parsed(text),
            "openTicketCount,closedTicketCount,openBillingTicketCount"
        );
        // What softlayer-python actually sends after wrapping it.
        assert_eq!(parsed(&format!("mask[{text}]")), parsed(text));
    }

    /// softlayer-go's XML-RPC transport sends `mask[` + the program's mask + `]` for any
    /// mask that does not start with `mask[`.
    #[test]
    fn softlayer_go_wrapped_masks() {
        for (program, meant) in [
            ("mask.id", "mask[id]"),
            ("mask.updates.entry", "mask[updates[entry]]"),
            ("mask(SoftLayer_Ticket).id", "mask(SoftLayer_Ticket)[id]"),
            ("mask[id,title]", "mask[id,title]"),
            ("id;mask.updates[entry]", "mask[id,updates[entry]]"),
            (
                "filteredMask[id,updates[id]]",
                "filteredMask[id,updates[id]]",
            ),
        ] {
            let wrapped = ObjectMask::parse(&format!("mask[{program}]"))
                .unwrap_or_else(|e| panic!("{program}: {e}"));
            assert_eq!(wrapped, ObjectMask::parse(meant).unwrap(), "{program}");
        }
        assert!(
            ObjectMask::parse("mask[filteredMask[id]]")
                .unwrap()
                .filtered
        );
        // One level only: deeper, `mask` is a property name again.
        assert_eq!(parsed("mask[mask[mask[id]]]"), "mask[id]");
        assert_eq!(parsed("mask[id].mask"), "id,mask");
    }

    #[test]
    fn bare_lists() {
        assert_eq!(
            parsed("id, title, updates[entry]"),
            "id,title,updates[entry]"
        );
        assert_eq!(parsed("id,title"), "id,title");
        assert_eq!(parsed("id"), "id");
        assert_eq!(parsed("  id  "), "id");
        assert_eq!(parsed("[id, title]"), "id,title");
        assert_eq!(parsed("updates.entry"), "updates[entry]");
        assert_eq!(
            parsed("hardware(SoftLayer_Hardware_Server)[x]"),
            "hardware(SoftLayer_Hardware_Server)[x]"
        );
    }

    #[test]
    fn nested_sets() {
        assert_eq!(
            parsed("mask[id, title, updates[entry, editor], status]"),
            "id,title,updates[entry,editor],status"
        );
        assert_eq!(parsed("mask[a[b[c[d[e]]]]]"), "a[b[c[d[e]]]]");
        assert_eq!(
            parsed(
                "mask [\n    id, fullyQualifiedDomainName,\n    networkComponents[networkHardware, uplinkComponent]\n]"
            ),
            "id,fullyQualifiedDomainName,networkComponents[networkHardware,uplinkComponent]"
        );
        assert_eq!(parsed("\tmask\n[\n id \n, \r\n title\n]\n"), "id,title");
    }

    #[test]
    fn dotted_form() {
        assert_eq!(parsed("mask.updates.entry"), "updates[entry]");
        assert_eq!(parsed("mask.status"), "status");
        assert_eq!(
            parsed("mask.updates.entry;mask.status"),
            "updates[entry],status"
        );
        assert_eq!(
            parsed("mask.updates.entry, mask.status"),
            "updates[entry],status"
        );
        assert_eq!(parsed("mask.a[b,c]"), "a[b,c]");
        assert_eq!(parsed("mask . a . b"), "a[b]");
        assert_eq!(
            parsed("mask.networkComponents.networkVlans.primarySubnet"),
            "networkComponents[networkVlans[primarySubnet]]"
        );
        assert_eq!(
            parsed(
                "mask.id,mask.fullyQualifiedDomainName,mask.networkComponents.networkHardware,mask.networkComponents.uplinkComponent"
            ),
            "id,fullyQualifiedDomainName,networkComponents[networkHardware,uplinkComponent]"
        );
    }

    #[test]
    fn dotted_paths_inside_sets_merge() {
        assert_eq!(
            parsed("mask[id, updates.entry, updates.editor]"),
            "id,updates[entry,editor]"
        );
        let mask = ObjectMask::parse("mask[id, updates.entry, updates.editor]").unwrap();
        assert_eq!(mask.properties.len(), 2);
        assert_eq!(parsed("mask[a.b[c], a.b.d, a[e]]"), "a[b[c,d],e]");
    }

    #[test]
    fn dotted_path_after_a_set() {
        assert_eq!(parsed("mask[id].updates.entry"), "id,updates[entry]");
        assert_eq!(
            parsed("mask[updates[entry].editor]"),
            "updates[entry,editor]"
        );
    }

    #[test]
    fn empty_sets() {
        let mask = ObjectMask::parse("mask[]").unwrap();
        assert!(mask.is_empty());
        assert_eq!(mask, ObjectMask::default());
        assert!(ObjectMask::parse("mask[ \n ]").unwrap().is_empty());
        assert!(ObjectMask::parse("[]").unwrap().is_empty());
        assert!(ObjectMask::parse("").unwrap().is_empty());
        assert!(ObjectMask::parse("  \n").unwrap().is_empty());
        let mask = ObjectMask::parse("mask[id, updates[]]").unwrap();
        assert!(!mask.is_empty());
        assert!(mask.get("updates").unwrap().children.is_empty());
        assert_eq!(render(&mask), "id,updates");
    }

    #[test]
    fn root_casts() {
        let mask = ObjectMask::parse("mask(SoftLayer_Hardware_Server)[controlPanel]").unwrap();
        assert_eq!(mask.cast.as_deref(), Some("SoftLayer_Hardware_Server"));
        assert_eq!(render(&mask), "controlPanel");
        let mask = ObjectMask::parse("mask ( SoftLayer_Hardware_Server ) . controlPanel").unwrap();
        assert_eq!(mask.cast.as_deref(), Some("SoftLayer_Hardware_Server"));
        assert_eq!(render(&mask), "controlPanel");
        let mask =
            ObjectMask::parse("mask(SoftLayer_Ticket)[id];mask(SoftLayer_Ticket).status").unwrap();
        assert_eq!(mask.cast.as_deref(), Some("SoftLayer_Ticket"));
        assert_eq!(render(&mask), "id,status");
        let mask = ObjectMask::parse("mask[id];mask(SoftLayer_Ticket).status").unwrap();
        assert_eq!(mask.cast.as_deref(), Some("SoftLayer_Ticket"));
        let mask = ObjectMask::parse("mask(SoftLayer_Ticket)").unwrap();
        assert_eq!(mask.cast.as_deref(), Some("SoftLayer_Ticket"));
        assert!(mask.is_empty());
    }

    #[test]
    fn property_casts() {
        let mask = ObjectMask::parse("mask[hardware(SoftLayer_Hardware_Server)[x, y]]").unwrap();
        let hw = mask.get("hardware").unwrap();
        assert_eq!(hw.cast.as_deref(), Some("SoftLayer_Hardware_Server"));
        assert_eq!(render(&hw.children), "x,y");
        assert_eq!(mask.cast, None);

        let mask = ObjectMask::parse("mask.hardware(SoftLayer_Hardware_Server).x").unwrap();
        let hw = mask.get("hardware").unwrap();
        assert_eq!(hw.cast.as_deref(), Some("SoftLayer_Hardware_Server"));
        assert_eq!(render(&hw.children), "x");

        // An uncast mention stays apart from a cast one, in either order; mentions with
        // the same cast merge.
        assert_eq!(
            parsed("mask[hardware(T)[x], hardware[y]]"),
            "hardware(T)[x],hardware[y]"
        );
        assert_eq!(
            parsed("mask[hardware[y], hardware(T).x, hardware(T)[z], hardware.w]"),
            "hardware[y,w],hardware(T)[x,z]"
        );
    }

    #[test]
    fn same_property_with_different_casts_stays_apart() {
        let text = "mask[
            resource(SoftLayer_Hardware)
            [
                id,
                fullyQualifiedDomainName,
                datacenter[longName],
                networkComponents[primaryIpAddress]
            ],
            resource(SoftLayer_Virtual_Guest)
            [
                id,
                fullyQualifiedDomainName,
                datacenter[longName],
                networkComponents[primaryIpAddress]
            ]
        ]";
        let mask = ObjectMask::parse(text).unwrap();
        assert_eq!(mask.properties.len(), 2);
        assert_eq!(
            mask.get("resource").unwrap().cast.as_deref(),
            Some("SoftLayer_Hardware")
        );
        assert_eq!(
            mask.properties[1].cast.as_deref(),
            Some("SoftLayer_Virtual_Guest")
        );
        assert_eq!(
            render(&mask.properties[1].children),
            "id,fullyQualifiedDomainName,datacenter[longName],networkComponents[primaryIpAddress]"
        );
    }

    #[test]
    fn filtered_mask() {
        let mask = ObjectMask::parse(
            "filteredMask[id,hostname,components[id,serialNumber,hardwareComponentModel[description]]]",
        )
        .unwrap();
        assert!(mask.filtered);
        assert_eq!(
            render(&mask),
            "id,hostname,components[id,serialNumber,hardwareComponentModel[description]]"
        );
        assert!(ObjectMask::parse("filteredMask[]").unwrap().filtered);
        assert!(
            ObjectMask::parse("filteredMask.updates.entry")
                .unwrap()
                .filtered
        );
        assert!(
            ObjectMask::parse("mask[id];filteredMask[status]")
                .unwrap()
                .filtered
        );
        assert!(!ObjectMask::parse("mask[filteredMask]").unwrap().filtered);
    }

    #[test]
    fn keywords_are_property_names_elsewhere() {
        assert_eq!(parsed("mask[mask, filteredMask]"), "mask,filteredMask");
        assert_eq!(parsed("id, mask"), "id,mask");
        assert_eq!(parsed("maskedThing[id]"), "maskedThing[id]");
    }

    #[test]
    fn top_level_masks_concatenate_and_merge() {
        assert_eq!(parsed("mask[id];mask.status"), "id,status");
        assert_eq!(parsed("mask[id], mask[title]"), "id,title");
        assert_eq!(
            parsed("mask[updates[entry]] ; mask.updates.editor"),
            "updates[entry,editor]"
        );
        assert_eq!(parsed("id; mask.status"), "id,status");
    }

    #[test]
    fn repeated_properties_merge() {
        let mask = ObjectMask::parse("mask[updates[entry], updates[editor]]").unwrap();
        assert_eq!(mask.properties.len(), 1);
        assert_eq!(render(&mask), "updates[entry,editor]");
        assert_eq!(parsed("mask[id, title, id]"), "id,title");
        assert_eq!(parsed("mask[a[x, y], b, a[y[z], w]]"), "a[x,y[z],w],b");
    }

    #[test]
    fn get_and_is_empty() {
        let mask = ObjectMask::parse("mask[id, updates[entry]]").unwrap();
        assert_eq!(mask.get("id").unwrap().name, "id");
        assert!(mask.get("title").is_none());
        assert!(mask.get("entry").is_none());
        assert!(!mask.is_empty());
        assert!(ObjectMask::default().is_empty());
        // Flags alone ask for nothing beyond the defaults.
        assert!(ObjectMask::parse("filteredMask[]").unwrap().is_empty());
    }

    #[test]
    fn identifiers() {
        assert_eq!(parsed("mask[_private, a1_b2, ID]"), "_private,a1_b2,ID");
        assert!(matches!(
            err("mask[1abc]"),
            MaskError::Unexpected {
                found: '1',
                position: 5,
                ..
            }
        ));
        assert!(matches!(
            err("mask[ab-c]"),
            MaskError::Unexpected {
                found: '-',
                position: 7,
                ..
            }
        ));
        assert!(matches!(
            err("mask[tïtle]"),
            MaskError::Unexpected {
                found: 'ï',
                position: 6,
                ..
            }
        ));
        assert!(matches!(
            err("mask[assigned User]"),
            MaskError::Unexpected {
                found: 'U',
                position: 14,
                ..
            }
        ));
    }

    #[test]
    fn unbalanced_brackets() {
        let e = err("mask[id, title]]");
        assert!(matches!(
            e,
            MaskError::Unexpected {
                found: ']',
                position: 15,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "Error on line 1 at column 16: Expected ',', ';' or END, got ']'"
        );
        let e = err("mask[id, updates[entry]");
        assert_eq!(
            e,
            MaskError::UnexpectedEnd {
                position: 23,
                line: 1,
                column: 24,
                expected: "',' or ']'"
            }
        );
        assert_eq!(
            e.to_string(),
            "Error on line 1 at column 24: Expected ',' or ']', got ''"
        );
        assert!(matches!(
            err("mask["),
            MaskError::UnexpectedEnd { position: 5, .. }
        ));
        assert!(matches!(
            err("]"),
            MaskError::Unexpected {
                found: ']',
                position: 0,
                ..
            }
        ));
        assert!(matches!(
            err("mask]"),
            MaskError::Unexpected {
                found: ']',
                position: 4,
                ..
            }
        ));
        assert!(matches!(
            err("mask[id]["),
            MaskError::Unexpected {
                found: '[',
                position: 8,
                ..
            }
        ));
    }

    #[test]
    fn empty_items_are_errors() {
        let e = err("mask[id,,title]");
        assert!(matches!(
            e,
            MaskError::Unexpected {
                found: ',',
                position: 8,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "Error on line 1 at column 9: Expected PROPERTY, got ','"
        );
        assert!(matches!(
            err("mask[,id]"),
            MaskError::Unexpected {
                found: ',',
                position: 5,
                ..
            }
        ));
        assert!(matches!(
            err("mask[id,]"),
            MaskError::Unexpected {
                found: ']',
                position: 8,
                ..
            }
        ));
        assert!(matches!(
            err("mask[id];"),
            MaskError::UnexpectedEnd { position: 9, .. }
        ));
        assert!(matches!(
            err(";mask[id]"),
            MaskError::Unexpected {
                found: ';',
                position: 0,
                ..
            }
        ));
        assert!(matches!(
            err("id,,title"),
            MaskError::Unexpected {
                found: ',',
                position: 3,
                ..
            }
        ));
        assert!(matches!(
            err("mask."),
            MaskError::UnexpectedEnd { position: 5, .. }
        ));
        assert!(matches!(
            err("mask.a..b"),
            MaskError::Unexpected {
                found: '.',
                position: 7,
                ..
            }
        ));
        assert!(matches!(
            err("mask.[id]"),
            MaskError::Unexpected {
                found: '[',
                position: 5,
                ..
            }
        ));
    }

    #[test]
    fn a_root_set_holds_root_masks_or_root_properties() {
        assert_eq!(
            ObjectMask::parse("[mask[id,title],mask(SoftLayer_Ticket)[status[name]]]").unwrap(),
            ObjectMask::parse("mask(SoftLayer_Ticket)[id,title,status[name]]").unwrap()
        );
        assert_eq!(
            ObjectMask::parse("[id, updates[entry]].status").unwrap(),
            ObjectMask::parse("mask[id,updates[entry],status]").unwrap()
        );
        assert!(
            ObjectMask::parse("[filteredMask[updates]]")
                .unwrap()
                .filtered
        );
        assert!(ObjectMask::parse("[]").unwrap().is_empty());
        assert!(matches!(
            err("[mask[id],[title]]"),
            MaskError::Unexpected {
                found: '[',
                position: 10,
                ..
            }
        ));
        assert!(matches!(
            err("[mask[id] x]"),
            MaskError::Unexpected {
                found: 'x',
                position: 10,
                ..
            }
        ));
    }

    #[test]
    fn semicolons_separate_inside_sets() {
        assert_eq!(
            ObjectMask::parse("mask[id; title;status[name;id],updates[entry]]").unwrap(),
            ObjectMask::parse("mask[id,title,status[name,id],updates[entry]]").unwrap()
        );
        assert!(matches!(
            err("mask[id;;title]"),
            MaskError::Unexpected {
                found: ';',
                position: 8,
                ..
            }
        ));
    }

    #[test]
    fn stray_characters() {
        assert!(matches!(
            err("mask[id title]"),
            MaskError::Unexpected {
                found: 't',
                position: 8,
                ..
            }
        ));
        assert!(matches!(
            err("mask[id] x"),
            MaskError::Unexpected {
                found: 'x',
                position: 9,
                ..
            }
        ));
        assert!(matches!(
            err("mask{id}"),
            MaskError::Unexpected {
                found: '{',
                position: 4,
                ..
            }
        ));
        assert!(matches!(
            err("mask[\"id\"]"),
            MaskError::Unexpected {
                found: '"',
                position: 5,
                ..
            }
        ));
        assert!(matches!(
            err("mask[id]\0"),
            MaskError::Unexpected {
                found: '\0',
                position: 8,
                ..
            }
        ));
        assert_eq!(
            err("mask[id]\0").to_string(),
            "Error on line 1 at column 9: Expected ',', ';' or END, got U+0000"
        );
    }

    /// softlayer-python pull request 345 quotes the real API's fault for a stray quote in
    /// a mask: "Error on line 1 at column 254: Expected PROPERTY, got '''". Lines and
    /// columns count from 1.
    #[test]
    fn errors_name_line_and_column_like_the_real_parser() {
        assert_eq!(
            err("mask[id, name,'\n macAddress]").to_string(),
            "Error on line 1 at column 15: Expected PROPERTY, got '''"
        );
        assert_eq!(
            err("mask[id,\n  title,\n  updates[entry,]]").to_string(),
            "Error on line 3 at column 17: Expected PROPERTY, got ']'"
        );
        assert_eq!(
            err("mask[id,").to_string(),
            "Error on line 1 at column 9: Expected PROPERTY, got ''"
        );
    }

    #[test]
    fn bad_casts() {
        let e = err("mask(SoftLayer_Hardware_Server[controlPanel]");
        assert!(matches!(
            e,
            MaskError::Unexpected {
                found: '[',
                position: 30,
                expected: "')'",
                ..
            }
        ));
        assert!(matches!(
            err("mask(SoftLayer_Hardware"),
            MaskError::UnexpectedEnd {
                position: 23,
                expected: "')'",
                ..
            }
        ));
        assert!(matches!(
            err("mask()[id]"),
            MaskError::Unexpected {
                found: ')',
                position: 5,
                expected: "TYPE",
                ..
            }
        ));
        assert!(matches!(
            err("mask[hardware(]"),
            MaskError::Unexpected {
                found: ']',
                position: 14,
                ..
            }
        ));
        assert!(matches!(
            err("mask[hardware(A B)]"),
            MaskError::Unexpected {
                found: 'B',
                position: 16,
                ..
            }
        ));
        assert!(matches!(
            err("mask[hardware(A)(B)]"),
            MaskError::Unexpected {
                found: '(',
                position: 16,
                ..
            }
        ));
        let e = err("mask(A)[id];mask(B)[title]");
        assert_eq!(
            e,
            MaskError::ConflictingRootCast {
                first: "A".into(),
                second: "B".into(),
                position: 16,
                line: 1,
                column: 17
            }
        );
        assert_eq!(
            e.to_string(),
            "Error on line 1 at column 17: the root object is cast to both A and B"
        );
    }

    #[test]
    fn properties_per_level_and_in_all_are_bounded() {
        let level = |n: usize| {
            let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
            format!("mask[{}]", names.join(","))
        };
        let mask = ObjectMask::parse(&level(MAX_LEVEL_PROPERTIES)).unwrap();
        assert_eq!(mask.properties.len(), MAX_LEVEL_PROPERTIES);
        // Repeats merge and do not count twice.
        let repeated = format!(
            "mask[{},p0,p1]",
            &level(MAX_LEVEL_PROPERTIES)[5..].trim_end_matches(']')
        );
        assert!(ObjectMask::parse(&repeated).is_ok());
        assert!(matches!(
            err(&level(MAX_LEVEL_PROPERTIES + 1)),
            MaskError::TooMany {
                scope: "at one level",
                limit: MAX_LEVEL_PROPERTIES,
                ..
            }
        ));
        // Fifty thousand names are refused at the first level's bound, at once.
        let started = std::time::Instant::now();
        assert!(matches!(err(&level(50_000)), MaskError::TooMany { .. }));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        // Eleven levels of 1,000 are more than a mask may name in all.
        let wide: Vec<String> = (0..11)
            .map(|l| format!("r{l}{}", &level(MAX_LEVEL_PROPERTIES)[4..]))
            .collect();
        let e = err(&format!("mask[{}]", wide.join(",")));
        assert!(
            matches!(
                e,
                MaskError::TooMany {
                    scope: "in all",
                    limit: MAX_MASK_PROPERTIES,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(
            crate::fault::Fault::from(e).class_name(),
            "SoftLayer_Exception_WebService_ObjectMask"
        );
    }

    #[test]
    fn a_legacy_mask_of_many_members_reads_in_linear_time() {
        let mut level = Struct::new();
        for i in 0..50_000 {
            level.insert(format!("p{i}"), Value::Struct(Struct::new()));
        }
        let started = std::time::Instant::now();
        let mask = legacy_level(&level, 1);
        assert_eq!(mask.properties.len(), 50_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn depth_limit() {
        let nested = |levels: usize| {
            let mut s = "mask".to_string();
            for _ in 0..levels {
                s.push_str("[a");
            }
            s.push_str(&"]".repeat(levels));
            s
        };
        let mask = ObjectMask::parse(&nested(MAX_DEPTH)).unwrap();
        let mut node = &mask;
        let mut levels = 0;
        while let Some(p) = node.get("a") {
            levels += 1;
            node = &p.children;
        }
        assert_eq!(levels, MAX_DEPTH);
        let e = err(&nested(MAX_DEPTH + 1));
        assert_eq!(
            e,
            MaskError::TooDeep {
                position: 5 + 2 * MAX_DEPTH,
                line: 1,
                column: 6 + 2 * MAX_DEPTH,
                limit: MAX_DEPTH
            }
        );
        assert_eq!(
            e.to_string(),
            "Error on line 1 at column 70: properties are nested more than 32 levels deep"
        );

        let dotted = |levels: usize| format!("mask{}", ".a".repeat(levels));
        assert!(ObjectMask::parse(&dotted(MAX_DEPTH)).is_ok());
        assert!(matches!(
            err(&dotted(MAX_DEPTH + 1)),
            MaskError::TooDeep { .. }
        ));
        // Dotted paths inside sets count from where the set is.
        let mixed = format!("mask[{}]", vec!["a"; MAX_DEPTH].join("."));
        assert!(ObjectMask::parse(&mixed).is_ok());
        let mixed = format!("mask[b[{}]]", vec!["a"; MAX_DEPTH].join("."));
        assert!(matches!(err(&mixed), MaskError::TooDeep { .. }));

        // Hostile input is refused without exhausting the stack.
        assert!(matches!(err(&nested(200_000)), MaskError::TooDeep { .. }));
        assert!(matches!(err(&dotted(200_000)), MaskError::TooDeep { .. }));
        assert!(matches!(
            err(&"[".repeat(200_000)),
            MaskError::Unexpected {
                found: '[',
                position: 1,
                ..
            }
        ));
    }

    #[test]
    fn legacy_masks() {
        let mut updates = Struct::new();
        updates.insert("entry".into(), Value::String(String::new()));
        updates.insert("editor".into(), Value::Struct(Struct::new()));
        let mut legacy = Struct::new();
        legacy.insert("updates".into(), Value::Struct(updates));
        legacy.insert("status".into(), Value::Struct(Struct::new()));
        legacy.insert("assignedUser".into(), Value::Null);
        legacy.insert("attachedHardware".into(), Value::Array(vec![]));
        legacy.insert("updateCount".into(), Value::String(String::new()));
        let mask = ObjectMask::from_legacy(&legacy);
        assert_eq!(
            render(&mask),
            "updates[entry,editor],status,assignedUser,attachedHardware,updateCount"
        );
        assert!(!mask.filtered);
        assert_eq!(mask.cast, None);
        assert!(mask.get("status").unwrap().children.is_empty());
        assert_eq!(
            mask,
            ObjectMask::parse(
                "mask[updates[entry,editor],status,assignedUser,attachedHardware,updateCount]"
            )
            .unwrap()
        );
        assert!(ObjectMask::from_legacy(&Struct::new()).is_empty());
    }

    #[test]
    fn legacy_masks_stop_at_the_depth_limit() {
        let mut inner = Struct::new();
        inner.insert("leaf".into(), Value::String(String::new()));
        for _ in 0..100 {
            let mut outer = Struct::new();
            outer.insert("a".into(), Value::Struct(inner));
            inner = outer;
        }
        let mask = ObjectMask::from_legacy(&inner);
        let mut node = &mask;
        let mut levels = 0;
        while let Some(p) = node.properties.first() {
            levels += 1;
            node = &p.children;
        }
        assert_eq!(levels, MAX_DEPTH);
    }

    /// A small deterministic generator, so the fuzz tests need no extra crates.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const VALID: &[&str] = &[
        "mask[id, serviceProviderResourceId, title, assignedUser[firstName, lastName], priority,\n                  createDate, lastEditDate, accountId, status, updateCount]",
        "mask[id, updates.entry, updates.editor]",
        "mask(SoftLayer_Hardware_Server)[controlPanel];mask.hardware(SoftLayer_Hardware_Server).x",
        "filteredMask[id,components[hardwareComponentModel[description]]]",
        "mask[id].updates.entry, openTicketCount",
    ];

    #[test]
    fn truncations_never_panic() {
        for text in VALID {
            let chars: Vec<char> = text.chars().collect();
            for end in 0..=chars.len() {
                let prefix: String = chars[..end].iter().collect();
                let _ = ObjectMask::parse(&prefix);
                let suffix: String = chars[end..].iter().collect();
                let _ = ObjectMask::parse(&suffix);
            }
        }
    }

    #[test]
    fn random_input_never_panics() {
        let mut rng = Lcg(0x5eed);
        // Raw bytes, made into text the way a codec would.
        for _ in 0..2000 {
            let len = rng.below(64);
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = ObjectMask::parse(&text) {
                assert!(position(&e) <= text.chars().count());
                assert!(e.to_string().starts_with("Error on line "));
            }
        }
        // Tokens of the language in random order, to reach deep into the parser.
        const PIECES: &[&str] = &[
            "mask",
            "filteredMask",
            "id",
            "a",
            "_b",
            "[",
            "]",
            "(",
            ")",
            ".",
            ",",
            ";",
            " ",
            "\n",
            "T",
            "é",
            "1",
            "",
        ];
        for _ in 0..20_000 {
            let len = rng.below(40);
            let text: String = (0..len).map(|_| PIECES[rng.below(PIECES.len())]).collect();
            match ObjectMask::parse(&text) {
                Ok(mask) => {
                    // Whatever parses renders back into something that parses the same.
                    let again = ObjectMask::parse(&format!("mask[{}]", render(&mask))).unwrap();
                    assert_eq!(render(&again), render(&mask), "{text:?}");
                }
                Err(e) => assert!(position(&e) <= text.chars().count(), "{text:?}: {e}"),
            }
        }
        // Mutations of valid masks: one character replaced, dropped or doubled.
        for _ in 0..5000 {
            let chars: Vec<char> = VALID[rng.below(VALID.len())].chars().collect();
            let at = rng.below(chars.len());
            let mut mutated = chars.clone();
            match rng.below(3) {
                0 => mutated[at] = "[](),.; a\0".chars().nth(rng.below(10)).unwrap(),
                1 => {
                    mutated.remove(at);
                }
                _ => mutated.insert(at, chars[at]),
            }
            let text: String = mutated.into_iter().collect();
            let _ = ObjectMask::parse(&text);
        }
    }
}
