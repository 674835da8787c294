//! The object-filter language (SLDN article object-filters, SLDN "Object Filters") parsed into
//! typed conditions and an ordering, checked against the schema. Turning them into SQL is
//! the store's job (`store/query.rs`).
//!
//! A filter is a tree of property names, starting at the type of the returned collection,
//! that ends in `{operation, options}`. Branches naming properties the type does not have
//! are ignored, as the real API ignores branches that do not lead into the collection.
//!
//! Semantics this emulator settles where the SLDN pages are silent:
//!
//! * Equality (a bare value), `!=`, `>`, `>=`, `<`, `<=` compare exactly; `_=` is equality
//!   ignoring case. `^=`, `!^=`, `$=`, `!$=`, `*=`, `!*=` (prefix, suffix, substring) ignore
//!   case; the regular expressions `~`, `!~` are case-sensitive, as softlayer-python's
//!   `utils.query_filter` documents (a pattern may ignore case with `(?i)`). Regular
//!   expressions use Rust's `regex` syntax and match anywhere in the value unless anchored.
//! * A missing value (`null`) satisfies the negative operations (`!=`, `!^=`, `!$=`, `!*=`,
//!   `!~`, `not in`) and `is null`, and nothing else. A `null` among an `in` list's values
//!   names the missing value: `in [1, null]` is 1 or missing, `not in [1, null]` neither.
//! * Dates. Values are `MM/DD/YYYY` or `MM/DD/YYYY HH:MM[:SS]` (also `M/D/YY`), ISO 8601
//!   (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`), or relative: `sysdate ± N`
//!   (now, N days — fractions allowed) and `currentDate ± N` (the day N whole days from
//!   today). A date without an offset is in the caller's time zone (`timezoneId`), US
//!   Central time (CST/CDT) for a user without one, as SLDN's date-handling article says;
//!   "today" is the caller's today. The parser is `crate::time::parse`. A date stands for the whole of its
//!   granule: a date without a time is that whole day, a time to the second is that
//!   second, `sysdate` is an instant. So `isDate` (and equality) matches within the
//!   granule; `greaterThanDate` (`>`) is after it ends, `>=` from its start, `lessThanDate`
//!   (`<`) before it starts, `<=` before it ends, `betweenDate` from the start of
//!   `startDate` to the end of `endDate`, both included. Stored dates are compared as
//!   instants, whatever their offsets.
//! * A condition through a relation to one object (`status.name`) holds when the related
//!   object satisfies it, or, when there is no related object, when the condition holds
//!   for a missing value (so `assignedUser.id is null` finds unassigned tickets). Through
//!   a relation to many (`updates.entry`) it holds when some related object satisfies all
//!   the conditions given under that relation. Relations the emulator holds no data for
//!   are absent objects or empty lists.
//! * `orderBy` follows `sortOrder` (lower first; equal ones in the order given), then the
//!   collection's own order. Ordering by a property of a to-many relation uses its lowest
//!   value ascending and its highest descending.
//!
//! An operation the language does not have, a bad regular expression, or a date operation
//! on a property that is not a date is a `SoftLayer_Exception_Public` fault saying so. An
//! advanced operation that is not properly defined (`in`/`or`/`and` without `data`,
//! `betweenDate` without `endDate`, a date that does not parse, a `sort` other than
//! ASC/DESC) is ignored, as SLDN's filter article warns the API does ("the API tends to just
//! ignore the filter and return the normal results"); [`ObjectFilter::ignored`] says which,
//! so that the server can log it and tell the developer in a response header. It names an
//! option the operation taken does not read too (a `sort` beside a search), a member beside
//! an `operation` other than `options`, and an equality of a number or a flag with text that
//! is none (`priority` equal to `isNull`), which is kept: no value equals it.
//!
//! A filter too big to run is a fault as well: more than [`MAX_FILTER_VALUES`] values in all (each is
//! a bound SQL parameter, and SQLite refuses statements with more than 32,766), more
//! than [`MAX_FILTER_TERMS`] conditions and alternatives (`or`/`and` entries, dates in an
//! `in`), each of which nests the SQL expression one level deeper (SQLite stops at 1,000),
//! or a text operation (`^=`, `!^=`, `$=`, `!$=`, `*=`, `!*=`, `_=`, `~`, `!~`) whose
//! value is longer than [`MAX_TEXT_VALUE_CHARS`].

use crate::call::Fault;
use crate::schema::{PropertyDef, PropertyKind, TypeDef, schema};
use crate::value::PhpTrim;
use crate::value::{Struct, Value};

/// How a value is compared with the operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// Where in the value a text match must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMatch {
    StartsWith,
    EndsWith,
    Contains,
}

pub use crate::time::{DATE_FORMATS, DateSpan, Zone};

/// Values one filter may carry (`in` lists included): well under SQLite's 32,766 bound
/// parameters per statement, and far above any real client's filter.
pub const MAX_FILTER_VALUES: usize = 10_000;

/// Conditions and alternatives one filter may combine: each nests the SQL expression one
/// level deeper (or two, for a date), and SQLite refuses expressions over 1,000 deep.
pub const MAX_FILTER_TERMS: usize = 200;

/// What a property is compared with: a value typed by the property, or a date.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Value(Value),
    Date(DateSpan),
}

/// A condition on one property's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    Compare(Comparison, Operand),
    /// `^=`, `$=`, `*=` (and negated with `matches: false`), ignoring case.
    Text {
        how: TextMatch,
        text: String,
        matches: bool,
    },
    /// `_=`: equality ignoring case.
    EqualIgnoringCase(String),
    /// `~` / `!~`: a regular expression (already checked), ignoring case.
    Regex {
        pattern: String,
        matches: bool,
    },
    IsNull,
    NotNull,
    /// `in` (true) / `not in` (false); a null among the operands is the missing value.
    In(Vec<Operand>, bool),
    /// A text operation (`^=`, `_=`, `~`, …) on a date as the caller is shown it, in
    /// their time zone, not as it is stored (in Central time): SLDN's filter article
    /// has callers match "the format returned by the API".
    ShownIn(Zone, Box<Operation>),
    /// `or`: any of the operations.
    Any(Vec<Operation>),
    /// `and`: all of the operations.
    All(Vec<Operation>),
}

impl Operation {
    /// Whether a missing value (SQL NULL: an unset column, an absent related object)
    /// satisfies the operation.
    pub fn holds_for_null(&self) -> bool {
        match self {
            Operation::Compare(c, _) => *c == Comparison::NotEqual,
            Operation::Text { matches, .. } | Operation::Regex { matches, .. } => !matches,
            Operation::EqualIgnoringCase(_) => false,
            Operation::IsNull => true,
            Operation::NotNull => false,
            Operation::In(items, yes) => items.contains(&Operand::Value(Value::Null)) == *yes,
            Operation::ShownIn(_, op) => op.holds_for_null(),
            Operation::Any(ops) => ops.iter().any(Operation::holds_for_null),
            Operation::All(ops) => ops.iter().all(Operation::holds_for_null),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Property names from the filtered collection's type down to a local or count property.
    pub path: Vec<String>,
    pub operation: Operation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub path: Vec<String>,
    pub descending: bool,
    pub sort_order: i64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectFilter {
    pub conditions: Vec<Condition>,
    pub order: Vec<OrderBy>,
    /// Operations left out because they were not properly defined (an `in` without
    /// `data`, a `betweenDate` without `endDate`, a date that does not parse, a bad
    /// `sort`), each described for the developer: the real API ignores them silently.
    pub ignored: Vec<String>,
    /// How many more were left out than [`MAX_NAMED_IGNORED`] name: a filter of a
    /// million misspelt keys costs a count, not a million messages.
    pub ignored_more: u64,
    /// The user whose view of per-viewer flags (`newUpdatesFlag`) the filter compares.
    pub viewer: Option<i64>,
}

/// The most left-out operations one filter describes in [`ObjectFilter::ignored`].
pub const MAX_NAMED_IGNORED: usize = 20;

impl ObjectFilter {
    /// Parses the filter branch for a collection of `type_name`. Properties the type does
    /// not have are ignored, as the real API ignores branches that do not lead into the
    /// returned collection.
    /// Dates without an offset are read in US Central time.
    pub fn parse(type_name: &str, branch: &Value) -> Result<ObjectFilter, Fault> {
        Self::parse_in(type_name, branch, Zone::CENTRAL)
    }

    /// [`parse`](Self::parse) with dates without an offset read in `zone`, the caller's.
    pub fn parse_in(type_name: &str, branch: &Value, zone: Zone) -> Result<ObjectFilter, Fault> {
        Self::parse_at(type_name, branch, zone, crate::time::now_ms())
    }

    /// [`parse_in`](Self::parse_in) for the user `viewer`, whose view of per-viewer flags
    /// (`newUpdatesFlag`) the filter then compares.
    pub fn parse_for(
        type_name: &str,
        branch: &Value,
        zone: Zone,
        viewer: i64,
    ) -> Result<ObjectFilter, Fault> {
        Self::parse_with(type_name, branch, zone, crate::time::now_ms(), Some(viewer))
    }

    /// [`parse`](Self::parse) with "now" (for `sysdate`, `currentDate`) given, in
    /// milliseconds since the Unix epoch.
    pub fn parse_at(
        type_name: &str,
        branch: &Value,
        zone: Zone,
        now_ms: i64,
    ) -> Result<ObjectFilter, Fault> {
        Self::parse_with(type_name, branch, zone, now_ms, None)
    }

    fn parse_with(
        type_name: &str,
        branch: &Value,
        zone: Zone,
        now_ms: i64,
        viewer: Option<i64>,
    ) -> Result<ObjectFilter, Fault> {
        let mut filter = ObjectFilter {
            viewer,
            ..ObjectFilter::default()
        };
        let decoded = base64_as_text(branch);
        let branch = decoded.as_ref().unwrap_or(branch);
        if branch.as_struct().is_none() && !branch.is_null() {
            // `{"tickets": "x"}`: the list's branch filters nothing, said as a bare value
            // one level down is.
            let note = format!(
                "{} ignored: the filter of a list is an object of {type_name} properties",
                describe(branch)
            );
            let redaction = crate::secrets::Redaction::of_member("", branch);
            filter.ignored.push(redaction.apply(note));
        }
        if let (Some(t), Some(_)) = (schema().type_def(type_name), branch.as_struct()) {
            let regex_bytes = std::cell::Cell::new(0);
            let mut walker = Walker {
                zone,
                now_ms,
                viewer,
                out: &mut filter,
                path: Vec::new(),
                terms: 0,
                regex_bytes: &regex_bytes,
                in_secret: false,
            };
            walker.walk(&[t], branch, 0)?;
        }
        filter.order.sort_by_key(|o| o.sort_order);
        filter.check_size()?;
        Ok(filter)
    }

    /// Refuses a filter over [`MAX_FILTER_VALUES`] values or [`MAX_FILTER_TERMS`] terms.
    fn check_size(&self) -> Result<(), Fault> {
        fn count(op: &Operation, values: &mut usize, terms: &mut usize) {
            *terms += 1;
            match op {
                Operation::In(items, _) => {
                    *values += items.len();
                    *terms += items
                        .iter()
                        .filter(|o| matches!(o, Operand::Date(_)))
                        .count();
                }
                Operation::Any(ops) | Operation::All(ops) => {
                    for op in ops {
                        count(op, values, terms);
                    }
                }
                _ => *values += 1,
            }
        }
        let (mut values, mut terms) = (0, 0);
        for c in &self.conditions {
            count(&c.operation, &mut values, &mut terms);
        }
        if values > MAX_FILTER_VALUES {
            return Err(Fault::bad_argument(format!(
                "Invalid object filter: it has {values} values; at most {MAX_FILTER_VALUES} are allowed in one filter."
            )));
        }
        if terms > MAX_FILTER_TERMS {
            return Err(Fault::bad_argument(format!(
                "Invalid object filter: it has {terms} conditions and alternatives; at most {MAX_FILTER_TERMS} are allowed in one filter."
            )));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.order.is_empty()
    }

    /// The part of the filter that applies to the objects of relational property
    /// `property` (conditions and orderings below it, relative to its type): how a
    /// `filteredMask` restricts and orders a nested collection.
    pub fn sub_filter(&self, property: &str) -> ObjectFilter {
        let below = |path: &[String]| match path.split_first() {
            Some((first, rest)) if first == property && !rest.is_empty() => Some(rest.to_vec()),
            _ => None,
        };
        ObjectFilter {
            conditions: self
                .conditions
                .iter()
                .filter_map(|c| {
                    below(&c.path).map(|path| Condition {
                        path,
                        operation: c.operation.clone(),
                    })
                })
                .collect(),
            order: self
                .order
                .iter()
                .filter_map(|o| {
                    below(&o.path).map(|path| OrderBy {
                        path,
                        descending: o.descending,
                        sort_order: o.sort_order,
                    })
                })
                .collect(),
            ignored: Vec::new(),
            ignored_more: 0,
            viewer: self.viewer,
        }
    }
}

const MAX_DEPTH: usize = 16;

/// The concrete types that may stand behind a relational property: its schema type, or,
/// for an abstract one (`SoftLayer_User_Interface`), the targets of the store's relations.
pub fn relation_targets(owner: &TypeDef, property: &PropertyDef) -> Vec<&'static TypeDef> {
    match schema().type_def(&property.type_name) {
        Some(t) if !t.properties.is_empty() => vec![t],
        _ => {
            let mut out: Vec<&'static TypeDef> = Vec::new();
            for r in crate::store::relations::relations_for(&owner.name, &property.name) {
                if let Some(t) = schema().type_def(r.target)
                    && !out.iter().any(|o| o.name == t.name)
                {
                    out.push(t);
                }
            }
            out
        }
    }
}

struct Walker<'a> {
    zone: Zone,
    now_ms: i64,
    viewer: Option<i64>,
    out: &'a mut ObjectFilter,
    path: Vec<String>,
    /// Terms of the conditions pushed so far, as [`ObjectFilter::check_size`] counts
    /// them (less the dates of `in` lists): once past [`MAX_FILTER_TERMS`] the filter is
    /// refused whatever follows, so no more regular expressions are compiled for it.
    terms: usize,
    /// Bytes the filter's regular expressions compiled to so far ([`MAX_REGEX_BYTES`]);
    /// each leaf's [`Prop`] adds to it while the walker goes on.
    regex_bytes: &'a std::cell::Cell<usize>,
    /// Below a property named like a credential ([`Walker::guarded`]).
    in_secret: bool,
}

impl Walker<'_> {
    fn walk(&mut self, types: &[&TypeDef], node: &Value, depth: usize) -> Result<(), Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::bad_argument("Object filter is nested too deeply."));
        }
        let Some(members) = node.as_struct() else {
            return Ok(());
        };
        for (name, child) in members {
            self.guarded(name, child, |w| w.member(types, name, child, depth))?;
        }
        Ok(())
    }

    /// One member of a filter's object: `name` (a property of one of `types`) and what
    /// it asks of it, `child`.
    fn member(
        &mut self,
        types: &[&TypeDef],
        name: &str,
        child: &Value,
        depth: usize,
    ) -> Result<(), Fault> {
        let Some((owner, prop)) = types.iter().find_map(|t| t.property(name).map(|p| (*t, p)))
        else {
            // Left out as the real API leaves it; an operation right under the name
            // is said to be, as a likely slip of the caller's.
            if name == "operation" && depth == 0 {
                // `{"tickets": {"operation": "x"}}`: no property to filter.
                if !self.counted_only() {
                    self.out.ignored.push(format!(
                        "{} ignored: an operation at the top of the filter filters \
                         no property; put it under one (as {{\"id\": {{\"operation\": …}}}})",
                        describe(child)
                    ));
                }
                return Ok(());
            }
            if name == "operation" || name == "options" {
                // Under a relation: said of the relation itself (below).
                return Ok(());
            }
            self.path.push(name.to_string());
            let owner = types.first().map_or("", |t| t.name.as_str());
            let why = format!("{owner} has no property '{name}'");
            match child.get("operation") {
                Some(op) => self.ignore(op, &why),
                None => self.note(&why),
            }
            self.path.pop();
            return Ok(());
        };
        self.path.push(name.to_string());
        if child.as_struct().is_none() && !matches!(child, Value::Null) {
            // `id: 160000105` for `id: {operation: 160000105}`.
            self.note(&format!(
                "{} is a bare value; a filter is {{\"operation\": …}}",
                describe(child)
            ));
            self.path.pop();
            return Ok(());
        }
        match prop.kind {
            PropertyKind::Local | PropertyKind::Count => match child.get("operation") {
                Some(op) => {
                    self.leaf_or_ignore(prop, op, child.get("options"))?;
                    self.note_unread_members(child);
                }
                None if child.as_struct().is_some_and(|m| !m.is_empty()) => {
                    self.note("a local property's filter needs an 'operation'")
                }
                None => {}
            },
            PropertyKind::Relational => {
                let targets = relation_targets(owner, prop);
                if !targets.is_empty() {
                    if let Some(op) = child.get("operation") {
                        // `status: {operation: "Closed"}` for `status.name`: a
                        // relation is not a value to compare.
                        // Named by a property its types have: not every one has a
                        // `name` (a hardware's is its hostname).
                        let example = ["name", "keyName", "hostname"]
                            .into_iter()
                            .find(|p| targets.iter().all(|t| t.property(p).is_some()))
                            .map_or_else(String::new, |p| format!("{name}.{p} or "));
                        self.ignore(
                            op,
                            &format!(
                                "{name} is a relational property; filter one of its \
                                 properties (as {example}{name}.id)"
                            ),
                        );
                    }
                    self.walk(&targets, child, depth + 1)?;
                } else if let Some(op) = child.get("operation") {
                    // A flag the server computes: compared as its getter answers it
                    // (`awaitingUserResponseFlag`; left out, an automation's "tickets
                    // waiting on us" was every ticket), for the caller where it
                    // depends on who asks (`newUpdatesFlag`); without a caller (the
                    // store's own tests) such a flag is left out, and said so. One
                    // the emulator keeps no data for (`primaryIpAddress`) is read as
                    // absent, as a relation it does not keep is: left out, slcli's
                    // lookup of a server by its address found every server.
                    let computed = crate::store::relations::computed_for(&owner.name, name);
                    if computed.is_some_and(|c| c.of_row("id", self.viewer).is_none()) {
                        self.ignore(
                            op,
                            "the emulator does not filter on a property computed for each viewer",
                        );
                    } else {
                        self.leaf_or_ignore(prop, op, child.get("options"))?;
                    }
                    self.note_unread_members(child);
                } else if child.as_struct().is_some_and(|m| !m.is_empty()) {
                    // `permissions.keyName`, `billingItem.orderItem.order.userRecordId`:
                    // a type the reference does not describe, whose data the emulator
                    // does not keep. Read as absent, as an unkept relation of a
                    // described type is: ignored, slcli's `hw list --owner` and a
                    // script's "users with TICKET_VIEW" found every row.
                    self.walk_undescribed(child, depth + 1)?;
                }
            }
        }
        self.path.pop();
        Ok(())
    }

    /// Runs `f` on the member `name` of the filter, `child` below it, redacting from
    /// `f`'s notes and fault what `child` asks of a credential
    /// ([`crate::secrets::Redaction`]): the warning header, the server log and the
    /// journal kept `Unknown object filter operation '=' in '= KEY'` on
    /// `authenticationKey`.
    fn guarded(
        &mut self,
        name: &str,
        child: &Value,
        f: impl FnOnce(&mut Self) -> Result<(), Fault>,
    ) -> Result<(), Fault> {
        if self.in_secret {
            return f(self);
        }
        let redaction = crate::secrets::Redaction::of_member(name, child);
        if redaction.is_empty() {
            return f(self);
        }
        let before = self.out.ignored.len();
        // Below a credential, every value is one: no member there needs its own look.
        self.in_secret = redaction.covers_all_below();
        let result = f(self);
        self.in_secret = false;
        for note in &mut self.out.ignored[before..] {
            *note = redaction.apply(std::mem::take(note));
        }
        result.map_err(|fault| match fault {
            Fault::BadArgument { class, message } => Fault::BadArgument {
                class,
                message: redaction.apply(message),
            },
            other => other,
        })
    }

    /// The conditions under a property of a type the reference does not describe: each
    /// operation on the path to it, read as text (nothing says what the properties are),
    /// and compared with an absent object by the store.
    fn walk_undescribed(&mut self, node: &Value, depth: usize) -> Result<(), Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::bad_argument("Object filter is nested too deeply."));
        }
        let Some(members) = node.as_struct() else {
            return Ok(());
        };
        for (name, child) in members {
            if name == "operation" || name == "options" {
                continue;
            }
            self.guarded(name, child, |w| {
                w.path.push(name.clone());
                match child.get("operation") {
                    Some(op) => {
                        let prop = PropertyDef {
                            name: name.clone(),
                            type_name: "string".into(),
                            many: false,
                            kind: PropertyKind::Local,
                            type_ref: crate::schema::types::TypeRef::parse("string"),
                        };
                        w.leaf_or_ignore(&prop, op, child.get("options"))?;
                        w.note_unread_members(child);
                    }
                    None => w.walk_undescribed(child, depth + 1)?,
                }
                w.path.pop();
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Notes the members of a property's filter beside its `operation` other than
    /// `options`: an `option` (for `options`) left an orderBy ascending, and a property
    /// under a local one (`title.lenght`) filtered nothing, without a word.
    fn note_unread_members(&mut self, child: &Value) {
        let Some(members) = child.as_struct() else {
            return;
        };
        for name in members.keys() {
            if name != "operation" && name != "options" {
                self.path.push(name.clone());
                self.note("beside an 'operation' only 'options' is read");
                self.path.pop();
            }
        }
    }

    /// Notes the branch at the current path as left out, and `why`.
    fn note(&mut self, why: &str) {
        if self.counted_only() {
            return;
        }
        let at = self.path.join(".");
        self.out.ignored.push(format!("{at} ignored: {why}"));
    }

    /// Whether [`MAX_NAMED_IGNORED`] are described already; counts this one if so.
    fn counted_only(&mut self) -> bool {
        let full = self.out.ignored.len() >= MAX_NAMED_IGNORED;
        if full {
            self.out.ignored_more += 1;
        }
        full
    }

    /// Notes operation `op` at the current path as left out, and `why`.
    fn ignore(&mut self, op: &Value, why: &str) {
        if self.counted_only() {
            return;
        }
        let operation = match op {
            Value::String(s) => s.php_trim().to_string(),
            other => describe(other),
        };
        let at = self.path.join(".");
        self.out
            .ignored
            .push(format!("'{operation}' on {at} ignored: {why}"));
    }

    /// [`Walker::leaf`], noting an operation it leaves out; a fault stops the walk.
    fn leaf_or_ignore(
        &mut self,
        prop: &PropertyDef,
        op: &Value,
        options: Option<&Value>,
    ) -> Result<(), Fault> {
        match self.leaf(prop, op, options) {
            Ok(()) => {
                self.note_unused_options(op, options);
                Ok(())
            }
            Err(Bad::Fault(f)) => Err(f),
            Err(Bad::Ignored(why)) => {
                self.ignore(op, &why);
                Ok(())
            }
        }
    }

    /// Notes the options an operation taken does not read: a `sort` beside `>= 5` (SLDN:
    /// "It is not possible to SORT and SEARCH on the same property") left the order the
    /// caller asked for out without a word.
    fn note_unused_options(&mut self, op: &Value, options: Option<&Value>) {
        let given = match options {
            Some(Value::Array(given)) => given.as_slice(),
            Some(single @ Value::Struct(_)) => std::slice::from_ref(single),
            _ => return,
        };
        let keyword = op.as_str().map(keyword);
        let takes: &[&str] = match keyword.as_deref() {
            Some("orderby") => &["sort", "sortOrder"],
            Some("in" | "not in" | "or" | "and") => &["data"],
            Some("isdate" | "lessthandate" | "greaterthandate") => &["date"],
            Some("betweendate") => &["startDate", "endDate"],
            _ => &[],
        };
        let operation = op
            .as_str()
            .map_or_else(|| describe(op), |s| s.php_trim().to_string());
        let at = self.path.join(".");
        let mut read: Vec<&str> = Vec::new();
        for item in given {
            let name = item.get("name").and_then(Value::as_str);
            // What is taken but not read: a second option of one name (only the first is
            // read), and values after the first of an option of one value (`date`,
            // `sort`): two dates to `isDate` found the first day's tickets only.
            let (what, why) = match name {
                Some(n) if takes.contains(&n) && read.contains(&n) => (
                    format!("option '{n}'"),
                    "it is given again, and only the first is read".to_string(),
                ),
                Some(n) if takes.contains(&n) => {
                    read.push(n);
                    // How many values an option of one value was given (`data` takes a
                    // list): none, one, or more.
                    let given = match item.get("value") {
                        None | Some(Value::Null) => Some(0),
                        Some(Value::Array(values)) if n != "data" => Some(values.len()),
                        _ => None,
                    };
                    match given {
                        Some(2..) => (
                            format!("values after the first of option '{n}'"),
                            "the option takes one".to_string(),
                        ),
                        // Only `orderBy` gets here without a value (the others need
                        // theirs): its order fell back to ascending without a word.
                        Some(0) => (format!("option '{n}'"), "it has no value".to_string()),
                        _ => continue,
                    }
                }
                _ => {
                    let name = name.map_or_else(|| describe(item), |n| format!("'{n}'"));
                    let takes = match takes {
                        [] => "no options".to_string(),
                        names => names.join(" and "),
                    };
                    (
                        format!("option {name}"),
                        format!("the operation takes {takes}"),
                    )
                }
            };
            if !self.counted_only() {
                self.out
                    .ignored
                    .push(format!("{what} of '{operation}' on {at} ignored: {why}"));
            }
        }
    }

    fn leaf(&mut self, prop: &PropertyDef, op: &Value, options: Option<&Value>) -> Result<(), Bad> {
        let mut p = Prop {
            name: &prop.name,
            type_name: &prop.type_name,
            zone: self.zone,
            now_ms: self.now_ms,
            regex_bytes: (self.terms < MAX_FILTER_TERMS).then_some(self.regex_bytes),
        };
        // PHP's `trim()` (the API's) takes ASCII blanks only: a search for U+3000 or
        // U+00A0 trimmed to nothing matched every ticket.
        let text = match op {
            Value::String(s) => s.php_trim(),
            Value::Null => {
                // The Ruby gem's `is(nil)` sends it, meaning a missing value.
                self.note(
                    "the operation is null and filters nothing (a missing value is \"is null\")",
                );
                return Ok(());
            }
            Value::Array(_) | Value::Struct(_) | Value::Base64(_) => {
                return Err(Bad::Fault(Fault::bad_argument(format!(
                    "Invalid object filter operation on '{}': the operation must be a string or a value.",
                    prop.name
                ))));
            }
            other => {
                let operand = p.operand(other)?;
                return Ok(self.push(Operation::Compare(Comparison::Equal, operand))?);
            }
        };
        let keyword = keyword(text);
        let operation = match keyword.as_str() {
            "orderby" => {
                let descending = match option_first(options, "sort") {
                    None => false,
                    Some(v) => match v.as_str().map(|s| s.php_trim().to_ascii_uppercase()) {
                        Some(s) if s == "ASC" => false,
                        Some(s) if s == "DESC" => true,
                        _ => {
                            return Err(Bad::Ignored(format!(
                                "sort {} is neither ASC nor DESC",
                                describe(&v)
                            )));
                        }
                    },
                };
                let sort_order = match option_first(options, "sortOrder") {
                    None => 0,
                    Some(v) => v.as_i64().ok_or_else(|| {
                        Bad::Ignored(format!("sortOrder {} is not an integer", describe(&v)))
                    })?,
                };
                self.out.order.push(OrderBy {
                    path: self.path.clone(),
                    descending,
                    sort_order,
                });
                return Ok(());
            }
            "in" | "not in" => {
                let data = option_list(options, "data").ok_or_else(|| p.needs(options, "data"))?;
                // A null among the values (a list built from data with gaps) is the missing
                // value, as a value of its own: bound into SQL's `NOT IN (2, NULL)` it made
                // `not in` false for every row that has one.
                let items = data
                    .iter()
                    .map(|v| match v {
                        Value::Null => Ok(Operand::Value(Value::Null)),
                        v => p.operand(v),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Operation::In(items, keyword == "in")
            }
            "or" | "and" => {
                let data = option_list(options, "data").ok_or_else(|| p.needs(options, "data"))?;
                // A list that takes the filter past the bound on terms is refused by
                // `check_size`: compiling its expressions first made one call of
                // 250,000 `~ \w{20}` cost twenty minutes of CPU.
                if self.terms + 1 + data.len() > MAX_FILTER_TERMS {
                    p.regex_bytes = None;
                }
                let mut ops = Vec::with_capacity(data.len());
                for item in &data {
                    ops.push(match item {
                        Value::String(s) => {
                            let s = s.php_trim();
                            if is_named_operation(s) {
                                return Err(Bad::Fault(Fault::bad_argument(format!(
                                    "Invalid object filter operation '{s}' inside '{text}' on '{}': only literal operations may be combined.",
                                    prop.name
                                ))));
                            }
                            p.literal_operation(s)?
                        }
                        Value::Null | Value::Array(_) | Value::Struct(_) => {
                            return Err(Bad::Fault(Fault::bad_argument(format!(
                                "Invalid value {} inside '{text}' on '{}': give literal operations as strings.",
                                describe(item),
                                prop.name
                            ))));
                        }
                        other => Operation::Compare(Comparison::Equal, p.operand(other)?),
                    });
                }
                if keyword == "or" {
                    Operation::Any(ops)
                } else {
                    Operation::All(ops)
                }
            }
            "isdate" | "lessthandate" | "greaterthandate" => {
                p.require_date(text)?;
                let date = option_first(options, "date").ok_or_else(|| p.needs(options, "date"))?;
                let span = p.date_value(&date, text)?;
                let cmp = match keyword.as_str() {
                    "isdate" => Comparison::Equal,
                    "lessthandate" => Comparison::Less,
                    _ => Comparison::Greater,
                };
                Operation::Compare(cmp, Operand::Date(span))
            }
            "betweendate" => {
                p.require_date(text)?;
                let start = option_first(options, "startDate")
                    .ok_or_else(|| p.needs(options, "startDate"))?;
                let end =
                    option_first(options, "endDate").ok_or_else(|| p.needs(options, "endDate"))?;
                let start = p.date_value(&start, text)?;
                let end = p.date_value(&end, text)?;
                // From the start's first instant through the end's last: a day, minute,
                // second or millisecond ends just before `end.end`; `sysdate` (one
                // instant) is itself included.
                let end_ms = if end.is_instant() {
                    end.end + 1
                } else {
                    end.end
                };
                if end_ms <= start.start {
                    // A start after the end is an empty range: in no dates, matching
                    // nothing (not the one instant at its start).
                    Operation::In(Vec::new(), true)
                } else {
                    Operation::Compare(
                        Comparison::Equal,
                        Operand::Date(DateSpan {
                            start: start.start,
                            end: end_ms,
                        }),
                    )
                }
            }
            _ => p.literal_operation(text)?,
        };
        self.note_never_equal(prop, text, &operation);
        Ok(self.push(operation)?)
    }

    /// Notes a comparison with a value no number or flag equals: `priority` equal to
    /// `isNull` (the spelling people guess for `is null`) or in `["> 2"]` matched nothing
    /// without a word, where `> abc` is said to be ignored.
    fn note_never_equal(&mut self, prop: &PropertyDef, text: &str, operation: &Operation) {
        use super::types::{Scalar, TypeRef};
        let kind = match TypeRef::parse(&prop.type_name) {
            TypeRef::Scalar(Scalar::Int | Scalar::Float) => "a number",
            TypeRef::Scalar(Scalar::Bool) => "true or false",
            _ => return,
        };
        let Some(value) = never_equal(operation) else {
            return;
        };
        if self.counted_only() {
            return;
        }
        let shown = match value {
            Value::String(s) => format!("'{}'", s.php_trim()),
            other => describe(other),
        };
        let spelt: String = value
            .as_str()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphabetic)
            .collect::<String>()
            .to_ascii_lowercase();
        let hint = match spelt.as_str() {
            "null" | "isnull" | "notnull" | "isnotnull" => {
                " (a missing value is \"is null\", a present one \"not null\")"
            }
            _ => "",
        };
        let (at, name) = (self.path.join("."), &prop.name);
        self.out.ignored.push(format!(
            "'{text}' on {at}: {shown} is not {kind}, which {name} is, so no {name} \
             equals it{hint}"
        ));
    }

    fn push(&mut self, operation: Operation) -> Result<(), Fault> {
        self.terms += 1 + match &operation {
            Operation::Any(ops) | Operation::All(ops) => ops.len(),
            _ => 0,
        };
        self.out.conditions.push(Condition {
            path: self.path.clone(),
            operation,
        });
        Ok(())
    }
}

/// The first value an equality (a bare value, `!=`, `in`, `not in`, in `or` and `and`
/// too) compares with that is not of the property's scalar type: text left as text by
/// [`Prop::typed_value`], or a list or an object.
fn never_equal(operation: &Operation) -> Option<&Value> {
    fn untyped(operand: &Operand) -> Option<&Value> {
        match operand {
            Operand::Value(v @ (Value::String(_) | Value::Array(_) | Value::Struct(_))) => Some(v),
            _ => None,
        }
    }
    match operation {
        Operation::Compare(Comparison::Equal | Comparison::NotEqual, operand) => untyped(operand),
        Operation::In(items, _) => items.iter().find_map(untyped),
        Operation::Any(ops) | Operation::All(ops) => ops.iter().find_map(never_equal),
        _ => None,
    }
}

/// An operation's words without case, one blank apart: `not  in` and `NOT\tIN` are
/// `not in` (read as text they compared a title with the words, matching nothing).
fn keyword(text: &str) -> String {
    let mut words = text.split_ascii_whitespace();
    let mut out = words.next().unwrap_or_default().to_ascii_lowercase();
    for word in words {
        out.push(' ');
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

fn is_named_operation(text: &str) -> bool {
    matches!(
        keyword(text).as_str(),
        "orderby"
            | "in"
            | "not in"
            | "or"
            | "and"
            | "isdate"
            | "lessthandate"
            | "greaterthandate"
            | "betweendate"
    )
}

/// `value` with its base64 values that are UTF-8 read as that text, or `None` when it has
/// none. Perl's SOAP::Lite and XMLRPC::Lite send every string holding a character past
/// ASCII as base64 (`xsd:base64Binary`, `<base64>`), and PHP, behind the real API, hands
/// on the decoded bytes as the string; a filter has no binary values.
pub(crate) fn base64_as_text(value: &Value) -> Option<Value> {
    match value {
        Value::Base64(bytes) => std::str::from_utf8(bytes)
            .ok()
            .map(|text| Value::String(text.to_string())),
        Value::Array(items) => {
            let decoded: Vec<Option<Value>> = items.iter().map(base64_as_text).collect();
            decoded.iter().any(Option::is_some).then(|| {
                let pairs = items.iter().zip(decoded);
                Value::Array(
                    pairs
                        .map(|(item, d)| d.unwrap_or_else(|| item.clone()))
                        .collect(),
                )
            })
        }
        Value::Struct(members) => {
            let decoded: Vec<Option<Value>> = members.values().map(base64_as_text).collect();
            decoded.iter().any(Option::is_some).then(|| {
                let mut out = Struct::with_capacity(members.len());
                for ((name, member), d) in members.iter().zip(decoded) {
                    out.insert(name.clone(), d.unwrap_or_else(|| member.clone()));
                }
                Value::Struct(out)
            })
        }
        _ => None,
    }
}

/// The options entry named `name` (`[{name, value}, …]`).
///
/// A lone option struct counts as a list of one: SOAP reads one `<options>`
/// element that way, and the other transports must answer alike.
fn option<'v>(options: Option<&'v Value>, name: &str) -> Option<&'v Value> {
    let named = |o: &&'v Value| o.get("name").and_then(Value::as_str) == Some(name);
    match options? {
        Value::Array(items) => items.iter().find(named).and_then(|o| o.get("value")),
        single @ Value::Struct(_) => Some(single).filter(named).and_then(|o| o.get("value")),
        _ => None,
    }
}

/// An option's value as a list (a single value counts as a list of one).
fn option_list(options: Option<&Value>, name: &str) -> Option<Vec<Value>> {
    match option(options, name)? {
        Value::Array(a) => Some(a.clone()),
        Value::Null => None,
        other => Some(vec![other.clone()]),
    }
}

/// An option's first value (`["DESC"]` or `"DESC"`).
fn option_first(options: Option<&Value>, name: &str) -> Option<Value> {
    match option(options, name)? {
        Value::Array(a) => a.first().cloned(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) | Value::DateTime(s) => format!("'{s}'"),
        other => serde_json::Value::from(other).to_string(),
    }
}

/// The property a leaf filters, for typing values and for messages.
struct Prop<'a> {
    name: &'a str,
    type_name: &'a str,
    zone: Zone,
    now_ms: i64,
    /// The filter's regular expressions' compiled bytes so far ([`MAX_REGEX_BYTES`]), to
    /// which a regular expression here adds as it is compiled to check it; `None` where
    /// only its length is checked (a filter already past [`MAX_FILTER_TERMS`], refused
    /// anyway).
    regex_bytes: Option<&'a std::cell::Cell<usize>>,
}

/// Why a leaf of the filter was not used: a fault for what the language does not have,
/// or an operation SLDN's filter article says the API "tends to just ignore" when it is
/// not properly defined (missing options, dates that do not parse, a bad sort).
enum Bad {
    Fault(Fault),
    Ignored(String),
}

impl From<Fault> for Bad {
    fn from(f: Fault) -> Bad {
        Bad::Fault(f)
    }
}

/// The operators of the literal operations, longest first so that `!=` is not read as
/// `!` and `>=` not as `>`.
const OPERATORS: [&str; 14] = [
    "!^=", "!$=", "!*=", "!=", ">=", "<=", "^=", "$=", "*=", "_=", "!~", ">", "<", "~",
];

/// Characters that begin an operator; a value starting with a run of them that is not an
/// operator is an operation the language does not have.
fn is_operator_char(c: char) -> bool {
    matches!(c, '!' | '=' | '<' | '>' | '^' | '$' | '*' | '~')
}

impl Prop<'_> {
    fn is_date(&self) -> bool {
        self.type_name == "dateTime"
    }

    /// Why an operation needing `option` is ignored: the option is missing, or is there
    /// with no value (`{"name": "date"}`, `"value": null`), which was said to be missing.
    fn needs(&self, options: Option<&Value>, option: &str) -> Bad {
        let named = |o: &Value| o.get("name").and_then(Value::as_str) == Some(option);
        let given = match options {
            Some(Value::Array(items)) => items.iter().any(named),
            Some(single @ Value::Struct(_)) => named(single),
            _ => false,
        };
        if given {
            Bad::Ignored(format!("its option '{option}' has no value"))
        } else {
            Bad::Ignored(format!("it needs the option '{option}'"))
        }
    }

    fn require_date(&self, operation: &str) -> Result<(), Fault> {
        if self.is_date() {
            Ok(())
        } else {
            Err(Fault::bad_argument(format!(
                "The object filter operation '{operation}' needs a date property; '{}' is of type {}.",
                self.name, self.type_name
            )))
        }
    }

    /// A value as the property's type stores it (booleans as 0/1, numbers as numbers).
    fn typed_value(&self, v: &Value) -> Value {
        use super::types::{Scalar, TypeRef};
        let number = |s: &String| match s.php_trim().parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => match s.php_trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Value::Float(f),
                _ => Value::String(s.clone()),
            },
        };
        match (TypeRef::parse(self.type_name), v) {
            (_, Value::Bool(b)) => Value::Int(*b as i64),
            (TypeRef::Scalar(Scalar::Bool), Value::String(s)) => match Scalar::Bool.from_text(s) {
                Value::Bool(b) => Value::Int(b as i64),
                other => other,
            },
            (TypeRef::Scalar(Scalar::Int | Scalar::Float), Value::String(s)) => number(s),
            (TypeRef::Scalar(Scalar::String | Scalar::Base64), Value::Int(i)) => {
                Value::String(i.to_string())
            }
            // As a stored value coerced from a float reads (`1.0E+20`).
            (TypeRef::Scalar(Scalar::String), Value::Float(f)) => {
                Value::String(crate::schema::coerce::php_float_text(*f))
            }
            (_, Value::DateTime(s)) => Value::String(s.clone()),
            (_, other) => other.clone(),
        }
    }

    /// An operand for equality-like operations: a date for date properties.
    fn operand(&self, v: &Value) -> Result<Operand, Bad> {
        if self.is_date() {
            // A number (a Unix time, `20260308`) compared as date text matched nothing
            // and said nothing: it is a date that does not parse, ignored and named.
            return match v.as_str() {
                Some(s) => Ok(Operand::Date(self.date(s)?)),
                None => Err(Bad::Ignored(format!(
                    "{} is not a date ({DATE_FORMATS})",
                    describe(v)
                ))),
            };
        }
        Ok(Operand::Value(self.typed_value(v)))
    }

    fn text_operand(&self, text: &str) -> Result<Operand, Bad> {
        self.operand(&Value::String(text.to_string()))
    }

    /// A date option's value.
    fn date_value(&self, v: &Value, operation: &str) -> Result<DateSpan, Bad> {
        match v.as_str() {
            Some(s) => self.date(s),
            None => Err(Bad::Ignored(format!(
                "{} is not a date for '{operation}' ({DATE_FORMATS})",
                describe(v)
            ))),
        }
    }

    fn date(&self, text: &str) -> Result<DateSpan, Bad> {
        crate::time::parse(text, self.zone, self.now_ms).ok_or_else(|| {
            // A URL query reads `+` as a space: an offset (`…T00:00:00+09:00`) or
            // `sysdate+1` written raw in REST's objectFilter arrived as `… 09:00` and
            // was said to be no date, with no word of why. Not read as the date it
            // would be: a space is what the caller sent.
            let why = if crate::time::parses_with_plus_for_a_space(text, self.zone, self.now_ms) {
                "with '+' for its space it would be one: '+' in a URL query is a space, \
                 send %2B"
                    .to_string()
            } else {
                crate::time::refusal(text, self.zone, DATE_FORMATS)
            };
            Bad::Ignored(format!("'{}' is not a date ({why})", text.php_trim()))
        })
    }

    /// A literal operation: a bare value, an operator and its argument, `is null`, `not null`.
    fn literal_operation(&self, text: &str) -> Result<Operation, Bad> {
        // The two words may stand apart by any blanks (`is  null`, `not\tnull`), as the
        // operators may from their operands; read as text they would match a literal title.
        match keyword(text).as_str() {
            "is null" => return Ok(Operation::IsNull),
            "not null" => return Ok(Operation::NotNull),
            _ => {}
        }
        let run: String = text.chars().take_while(|c| is_operator_char(*c)).collect();
        let operator = OPERATORS.iter().find(|o| text.starts_with(**o));
        let known = OPERATORS.contains(&run.as_str());
        // `<>`, `==`, `=~`, `!==`: a run of operator characters that is no operator (what
        // follows an operator directly may start with `*`, `^`, `$`, as in `^=*x`).
        let unknown = !run.is_empty()
            && !known
            && match operator {
                None => true,
                Some(o) => run[o.len()..].starts_with(['=', '<', '>', '~', '!']),
            };
        if unknown {
            return Err(Bad::Fault(Fault::bad_argument(format!(
                "Unknown object filter operation '{run}' in '{text}' on '{}'. Operations are a bare value \
                 (equality), !=, >, >=, <, <=, ^=, !^=, $=, !$=, *=, !*=, _=, ~, !~, is null, not null, \
                 in, not in, or, and, isDate, lessThanDate, greaterThanDate, betweenDate and orderBy.",
                self.name
            ))));
        }
        let Some(operator) = operator else {
            return Ok(Operation::Compare(
                Comparison::Equal,
                self.text_operand(text)?,
            ));
        };
        let arg = text[operator.len()..].php_trim();
        use super::types::{Scalar, TypeRef};
        // A boolean is kept as 0 or 1, so it orders against text as a number does.
        let kind = match TypeRef::parse(self.type_name) {
            TypeRef::Scalar(Scalar::Int | Scalar::Float) => Some("a number"),
            TypeRef::Scalar(Scalar::Bool) => Some("true or false"),
            _ => None,
        };
        let compare = |c| -> Result<Operation, Bad> {
            let operand = self.text_operand(arg)?;
            // A number ordered against text (`priority < abc`, `> -inf`, `id >= 11/07/2027`)
            // went by SQLite's order of types, every number before any text: all rows or
            // none, without a word.
            if let Some(kind) = kind
                && c != Comparison::NotEqual
                && matches!(operand, Operand::Value(Value::String(_)))
            {
                return Err(Bad::Ignored(format!(
                    "'{arg}' is not {kind}, which {} is",
                    self.name
                )));
            }
            Ok(Operation::Compare(c, operand))
        };
        let text_match = |how, matches| Operation::Text {
            how,
            text: arg.to_string(),
            matches,
        };
        if is_text_operator(operator) && is_too_long(arg) {
            return Err(Bad::Fault(Fault::bad_argument(format!(
                "Invalid '{operator}' value in the object filter on '{}': longer than \
                 {MAX_TEXT_VALUE_CHARS} characters.",
                self.name
            ))));
        }
        let operation = match *operator {
            "!=" => compare(Comparison::NotEqual)?,
            ">=" => compare(Comparison::GreaterOrEqual)?,
            "<=" => compare(Comparison::LessOrEqual)?,
            ">" => compare(Comparison::Greater)?,
            "<" => compare(Comparison::Less)?,
            "^=" => text_match(TextMatch::StartsWith, true),
            "!^=" => text_match(TextMatch::StartsWith, false),
            "$=" => text_match(TextMatch::EndsWith, true),
            "!$=" => text_match(TextMatch::EndsWith, false),
            "*=" => text_match(TextMatch::Contains, true),
            "!*=" => text_match(TextMatch::Contains, false),
            "_=" => Operation::EqualIgnoringCase(arg.to_string()),
            "~" | "!~" => {
                check_regex(arg, self.name, self.regex_bytes)?;
                Operation::Regex {
                    pattern: arg.to_string(),
                    matches: *operator == "~",
                }
            }
            _ => unreachable!("every operator is handled"),
        };
        let on_text = matches!(
            operation,
            Operation::Text { .. } | Operation::EqualIgnoringCase(_) | Operation::Regex { .. }
        );
        Ok(if on_text && self.is_date() {
            Operation::ShownIn(self.zone, Box::new(operation))
        } else {
            operation
        })
    }
}

/// The most bytes one regular expression may compile to (the regex library's size limits;
/// the store's lazy DFA and the filter's size check build their NFAs with it too).
pub const MAX_REGEX_SIZE: usize = 1 << 20;

/// Builds a filter regular expression as the store runs it: case-sensitive (softlayer-python's
/// `utils.query_filter` documents `~` as the one case-sensitive match), bounded in size.
pub fn build_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(false)
        .size_limit(MAX_REGEX_SIZE)
        .dfa_size_limit(MAX_REGEX_SIZE)
        .build()
}

/// The longest value a text operation (`^=`, `!^=`, `$=`, `!$=`, `*=`, `!*=`, `_=`, and
/// the regular expressions `~`, `!~`) may carry, in characters. Longer values are refused
/// before anything is built from them:
///
/// * a regular expression's parser holds a tree of about a hundred bytes per character
///   before the compiled size is checked (an 8 MiB pattern took a gigabyte to refuse);
/// * a `*=`, `^=` or `$=` needle becomes an FTS5 phrase of one trigram per character, and
///   FTS5 parses a phrase in time quadratic in its length, inside one step of the
///   statement where the SQL time budget cannot interrupt it (a 15 MB needle took 18 s);
///   the match itself takes time linear in the value (`store::query::text_matches`);
/// * the longest text the API itself writes is an update's entry, split into blocks of
///   3,900 characters (`services::ticket::ENTRY_BLOCK`), or final comments of at most
///   4,000: a search for a whole one still fits, and no real filter comes near.
///
/// Exact comparisons (a bare value, `!=`, `<`, `in`, …) are not capped: SQLite compares
/// them in one linear pass per row, and they may name a whole title, whose length the
/// API does not bound.
pub const MAX_TEXT_VALUE_CHARS: usize = 4096;

/// The operators whose value [`MAX_TEXT_VALUE_CHARS`] bounds (the regular expressions'
/// own check says so in their words).
fn is_text_operator(operator: &str) -> bool {
    matches!(operator, "^=" | "!^=" | "$=" | "!$=" | "*=" | "!*=" | "_=")
}

/// Whether `value` is longer than [`MAX_TEXT_VALUE_CHARS`] (counting no further).
fn is_too_long(value: &str) -> bool {
    value.chars().nth(MAX_TEXT_VALUE_CHARS).is_some()
}

/// The most bytes one filter's regular expressions may compile to together (their
/// Thompson NFAs, as regex-automata counts them). Compiling costs time in proportion: a
/// `\w{20}` (Unicode word characters) is 350 KB and 10 ms, so 199 of them, a 2 KB filter
/// under the bound on terms, took 3.7 s to check and as long again in every statement
/// that ran them, where the SQL time budget cannot interrupt. Ordinary expressions are
/// 1-40 KB; one may be 1 MiB ([`MAX_REGEX_SIZE`]).
pub const MAX_REGEX_BYTES: usize = 2 << 20;

/// Checks a filter's regular expression: its length, then (with `compiled`, the bytes the
/// filter's expressions compiled to so far) its compiled size against
/// [`MAX_REGEX_BYTES`] and its syntax.
fn check_regex(
    pattern: &str,
    property: &str,
    compiled: Option<&std::cell::Cell<usize>>,
) -> Result<(), Fault> {
    if is_too_long(pattern) {
        return Err(Fault::bad_argument(format!(
            "Invalid regular expression in the object filter on '{property}': longer than \
             {MAX_TEXT_VALUE_CHARS} characters."
        )));
    }
    let Some(compiled) = compiled else {
        return Ok(());
    };
    // The NFA alone first (a third of the whole expression's work); what it cannot
    // build, the library's own build below names.
    use regex_automata::nfa::thompson;
    if let Ok(nfa) = thompson::NFA::compiler()
        .configure(
            thompson::Config::new()
                .nfa_size_limit(Some(MAX_REGEX_SIZE))
                .which_captures(thompson::WhichCaptures::None),
        )
        .build(pattern)
    {
        let total = compiled.get() + nfa.memory_usage();
        compiled.set(total);
        if total > MAX_REGEX_BYTES {
            return Err(Fault::bad_argument(format!(
                "Invalid object filter: its regular expressions compile to more than {} MiB \
                 together (at '{property}'); use fewer or simpler expressions.",
                MAX_REGEX_BYTES >> 20
            )));
        }
    }
    build_regex(pattern).map(|_| ()).map_err(|e| {
        let detail = match &e {
            regex::Error::Syntax(text) => text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or("syntax error")
                .to_string(),
            regex::Error::CompiledTooBig(_) => format!(
                "the expression is too big (one expression may compile to {} MiB, as the \
                 regex library counts it)",
                MAX_REGEX_SIZE >> 20
            ),
            other => other.to_string(),
        };
        Fault::bad_argument(format!(
            "Invalid regular expression '{pattern}' in the object filter on '{property}': {detail}."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        (&serde_json::from_str::<serde_json::Value>(text).unwrap()).into()
    }

    fn parse(text: &str) -> Result<ObjectFilter, Fault> {
        ObjectFilter::parse_at("SoftLayer_Ticket", &json(text), Zone::CENTRAL, NOW)
    }

    fn one(text: &str) -> Operation {
        let f = parse(text).unwrap();
        assert_eq!(f.conditions.len(), 1, "{text}: {f:?}");
        f.conditions[0].operation.clone()
    }

    fn fault(text: &str) -> String {
        match parse(text) {
            Err(f) => format!("{f:?}"),
            Ok(f) => panic!("expected a fault for {text}, got {f:?}"),
        }
    }

    /// 2026-03-15T17:30:00Z (12:30 CDT).
    const NOW: i64 = 1_773_595_800_000;

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn equality_and_order() {
        let f = parse(
            r#"{"statusId": {"operation": 1001}, "title": {"operation": "_= hardware issue"},
                "id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}"#,
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 2);
        assert_eq!(
            f.conditions[0].operation,
            Operation::Compare(Comparison::Equal, Operand::Value(Value::Int(1001)))
        );
        assert_eq!(
            f.conditions[1].operation,
            Operation::EqualIgnoringCase("hardware issue".into())
        );
        assert!(f.order[0].descending);
    }

    #[test]
    fn branches_outside_the_type_are_ignored() {
        let f = parse(r#"{"nope": {"operation": 1}, "status": {"name": {"operation": "Open"}}}"#)
            .unwrap();
        assert_eq!(f.conditions.len(), 1);
        assert_eq!(f.conditions[0].path, vec!["status", "name"]);
    }

    /// A number ordered against text went by SQLite's order of types (every number before
    /// any text): `priority < abc` held for every row, `> -inf` for none. It is left out
    /// and named; a number, and inequality, are kept.
    #[test]
    fn a_number_ordered_against_text_is_named_and_left_out() {
        let f = parse(
            r#"{"priority": {"operation": "< abc"}, "id": {"operation": ">= 11/07/2027"},
                "updateCount": {"operation": "> -inf"}, "awaitingUserResponseFlag": {"operation": "< abc"}}"#,
        )
        .unwrap();
        assert!(f.conditions.is_empty(), "{:?}", f.conditions);
        assert_eq!(
            f.ignored,
            vec![
                "'< abc' on priority ignored: 'abc' is not a number, which priority is",
                "'>= 11/07/2027' on id ignored: '11/07/2027' is not a number, which id is",
                "'> -inf' on updateCount ignored: '-inf' is not a number, which updateCount is",
                "'< abc' on awaitingUserResponseFlag ignored: 'abc' is not true or false, which awaitingUserResponseFlag is",
            ]
        );
        let f = parse(
            r#"{"priority": {"operation": "<= 2"}, "title": {"operation": "!= x"},
                "awaitingUserResponseFlag": {"operation": "> false"}}"#,
        )
        .unwrap();
        assert_eq!(
            (f.conditions.len(), f.ignored.len()),
            (3, 0),
            "{:?}",
            f.ignored
        );
    }

    /// A null among an `in` list's values is one more value, not more terms: 199 dates
    /// and a null are the 200 terms 199 dates are (the null was an `or` of two more).
    #[test]
    fn a_null_in_an_in_list_is_a_value_of_its_own() {
        let dates: Vec<String> = (1..=199)
            .map(|d| format!("\"2026-01-01T00:00:{:02}-06:00\"", d % 60))
            .collect();
        let text = format!(
            r#"{{"lastResponseDate": {{"operation": "in", "options": [{{"name": "data", "value": [{}, null]}}]}}}}"#,
            dates.join(", ")
        );
        let f = parse(&text).expect("199 dates and a null are 200 terms");
        let Operation::In(items, true) = &f.conditions[0].operation else {
            panic!("{:?}", f.conditions);
        };
        assert_eq!(items.len(), 200);
        assert!(f.conditions[0].operation.holds_for_null());
        let f = parse(r#"{"priority": {"operation": "not in", "options": [{"name": "data", "value": [2, null]}]}}"#)
            .unwrap();
        assert!(!f.conditions[0].operation.holds_for_null());
        // The words apart by any blanks, in any case: they were compared as a title's.
        for spelt in ["not  in", "NOT\tIN", " not\nin ", "In"] {
            let f = parse(&format!(
                r#"{{"priority": {{"operation": {spelt:?}, "options": [{{"name": "data", "value": [2]}}]}}}}"#
            ))
            .unwrap();
            assert!(
                matches!(&f.conditions[0].operation, Operation::In(items, yes) if items.len() == 1 && *yes == (spelt == "In")),
                "{spelt}: {:?}",
                f.conditions[0].operation
            );
            assert!(f.ignored.is_empty(), "{spelt}: {:?}", f.ignored);
        }
    }

    /// An option the operation does not read is named: the search is kept, and the
    /// order the `sort` beside it asked for is said to be left out (SLDN: "It is not
    /// possible to SORT and SEARCH on the same property").
    #[test]
    fn options_an_operation_does_not_read_are_named() {
        let f = parse(
            r#"{"id": {"operation": ">= 160000002", "options": [{"name": "sort", "value": ["DESC"]}]},
                "priority": {"operation": "in", "options": [{"name": "data", "value": [1]}, {"name": "sort", "value": ["DESC"]}]},
                "createDate": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}, {"name": "bogus", "value": [1]}, {"name": "sortOrder", "value": [1]}]}}"#,
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 2);
        assert_eq!(f.order.len(), 1);
        assert!(f.order[0].descending);
        assert_eq!(
            f.ignored,
            vec![
                "option 'sort' of '>= 160000002' on id ignored: the operation takes no options",
                "option 'sort' of 'in' on priority ignored: the operation takes data",
                "option 'bogus' of 'orderBy' on createDate ignored: the operation takes sort and sortOrder",
            ]
        );
    }

    /// SOAP reads one `<options>` element as a list of one; a lone option struct from
    /// XML-RPC or REST JSON must mean the same (it was dropped: ascending, no word).
    #[test]
    fn a_lone_option_struct_is_a_list_of_one() {
        let f = parse(
            r#"{"id": {"operation": "orderBy", "options": {"name": "sort", "value": ["DESC"]}},
                "priority": {"operation": "in", "options": {"name": "data", "value": [1, 2]}},
                "title": {"operation": "orderBy", "options": {"name": "bogus", "value": [1]}}}"#,
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 1);
        assert!(f.order[0].descending);
        assert_eq!(
            f.ignored,
            vec![
                "option 'bogus' of 'orderBy' on title ignored: the operation takes sort and sortOrder"
            ]
        );
        let f = parse(
            r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": []}]},
                "title": {"operation": "orderBy", "options": [{"name": "sort"}]}}"#,
        )
        .unwrap();
        assert_eq!(
            f.ignored,
            vec![
                "option 'sort' of 'orderBy' on id ignored: it has no value",
                "option 'sort' of 'orderBy' on title ignored: it has no value",
            ]
        );
    }

    /// Branches that filter nothing are left out and named, so that the developer
    /// learns why everything came back.
    #[test]
    fn branches_that_filter_nothing_are_named() {
        let f = parse(
            r#"{"nosuch": {"name": {"operation": "x"}}, "title": {"x": {"operation": "y"}},
                "id": 160000105, "status": "Open", "statusId": {}, "accountId": null,
                "priority": {"operation": 1}, "subjectId": {"operation": null}}"#,
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 1);
        assert_eq!(f.conditions[0].path, vec!["priority"]);
        let said = f.ignored.join("\n");
        for part in [
            "nosuch ignored: SoftLayer_Ticket has no property 'nosuch'",
            "title ignored: a local property's filter needs an 'operation'",
            "id ignored: 160000105 is a bare value",
            "status ignored: 'Open' is a bare value",
            "subjectId ignored: the operation is null and filters nothing",
        ] {
            assert!(said.contains(part), "{part:?} in {said}");
        }
        assert_eq!(f.ignored.len(), 5, "{said}");
        // Through a relation to a type the reference does not describe: a condition on
        // its path, which the store compares with an absent object (ignored, it matched
        // every row).
        let value = Value::from(
            &serde_json::json!({"abuseEmails": {"email": {"operation": "x"}, "x": {"y": {"operation": "^= z"}}}}),
        );
        let f = ObjectFilter::parse("SoftLayer_Account", &value).unwrap();
        assert!(f.ignored.is_empty(), "{:?}", f.ignored);
        let paths: Vec<Vec<String>> = f.conditions.iter().map(|c| c.path.clone()).collect();
        assert_eq!(
            paths,
            [vec!["abuseEmails", "email"], vec!["abuseEmails", "x", "y"]]
        );
    }

    #[test]
    fn every_literal_operator() {
        let v = |s: &str| Operand::Value(Value::from(s));
        let int = |i| Operand::Value(Value::Int(i));
        let cases: Vec<(&str, Operation)> = vec![
            ("Open", Operation::Compare(Comparison::Equal, v("Open"))),
            ("!= x", Operation::Compare(Comparison::NotEqual, v("x"))),
            ("!=x", Operation::Compare(Comparison::NotEqual, v("x"))),
            ("> b", Operation::Compare(Comparison::Greater, v("b"))),
            (
                ">= b",
                Operation::Compare(Comparison::GreaterOrEqual, v("b")),
            ),
            ("< b", Operation::Compare(Comparison::Less, v("b"))),
            ("<= b", Operation::Compare(Comparison::LessOrEqual, v("b"))),
            (
                "^= ab",
                Operation::Text {
                    how: TextMatch::StartsWith,
                    text: "ab".into(),
                    matches: true,
                },
            ),
            (
                "!^= ab",
                Operation::Text {
                    how: TextMatch::StartsWith,
                    text: "ab".into(),
                    matches: false,
                },
            ),
            (
                "$= ab",
                Operation::Text {
                    how: TextMatch::EndsWith,
                    text: "ab".into(),
                    matches: true,
                },
            ),
            (
                "!$= ab",
                Operation::Text {
                    how: TextMatch::EndsWith,
                    text: "ab".into(),
                    matches: false,
                },
            ),
            (
                "*= a b",
                Operation::Text {
                    how: TextMatch::Contains,
                    text: "a b".into(),
                    matches: true,
                },
            ),
            (
                "!*= ab",
                Operation::Text {
                    how: TextMatch::Contains,
                    text: "ab".into(),
                    matches: false,
                },
            ),
            ("_= AB", Operation::EqualIgnoringCase("AB".into())),
            (
                "~ ^a.c$",
                Operation::Regex {
                    pattern: "^a.c$".into(),
                    matches: true,
                },
            ),
            (
                "!~ a+",
                Operation::Regex {
                    pattern: "a+".into(),
                    matches: false,
                },
            ),
            ("is null", Operation::IsNull),
            ("NOT NULL", Operation::NotNull),
            ("is  null", Operation::IsNull),
            ("Not\tNull", Operation::NotNull),
        ];
        for (text, expected) in cases {
            let op = one(&format!(r#"{{"title": {{"operation": {text:?}}}}}"#));
            assert_eq!(op, expected, "{text}");
        }
        assert_eq!(
            one(r#"{"priority": {"operation": "> 2"}}"#),
            Operation::Compare(Comparison::Greater, int(2))
        );
        assert_eq!(
            one(r#"{"title": {"operation": 42}}"#),
            Operation::Compare(Comparison::Equal, v("42"))
        );
        assert_eq!(
            one(r#"{"userEditableFlag": {"operation": "true"}}"#),
            Operation::Compare(Comparison::Equal, int(1))
        );
    }

    #[test]
    fn options_operations() {
        assert_eq!(
            one(
                r#"{"priority": {"operation": "in", "options": [{"name": "data", "value": [1, "2"]}]}}"#
            ),
            Operation::In(
                vec![Operand::Value(Value::Int(1)), Operand::Value(Value::Int(2))],
                true
            )
        );
        assert!(matches!(
            one(
                r#"{"title": {"operation": "NOT IN", "options": [{"name": "data", "value": ["a"]}]}}"#
            ),
            Operation::In(_, false)
        ));
        assert_eq!(
            one(
                r#"{"title": {"operation": "or", "options": [{"name": "data", "value": ["^= a", "$= b"]}]}}"#
            ),
            Operation::Any(vec![
                Operation::Text {
                    how: TextMatch::StartsWith,
                    text: "a".into(),
                    matches: true
                },
                Operation::Text {
                    how: TextMatch::EndsWith,
                    text: "b".into(),
                    matches: true
                },
            ])
        );
        assert!(matches!(
            one(r#"{"priority": {"operation": "and", "options": [{"name": "data", "value": [">= 1", "<= 3"]}]}}"#),
            Operation::All(ref ops) if ops.len() == 2
        ));
    }

    #[test]
    fn dates_in_every_form() {
        let day = |t: &str| {
            let f = one(&format!(
                r#"{{"createDate": {{"operation": "isDate", "options": [{{"name": "date", "value": [{t:?}]}}]}}}}"#
            ));
            match f {
                Operation::Compare(Comparison::Equal, Operand::Date(span)) => span,
                other => panic!("{other:?}"),
            }
        };
        // Winter: CST, UTC-6; a whole day.
        assert_eq!(
            day("01/15/2024"),
            DateSpan {
                start: ms("2024-01-15T06:00:00Z"),
                end: ms("2024-01-16T06:00:00Z")
            }
        );
        assert_eq!(day("1/15/24"), day("01/15/2024"));
        assert_eq!(day("2024-01-15"), day("01/15/2024"));
        // Summer: CDT, UTC-5; a second.
        assert_eq!(
            day("07/04/2025 13:05:09"),
            DateSpan {
                start: ms("2025-07-04T18:05:09Z"),
                end: ms("2025-07-04T18:05:10Z")
            }
        );
        assert_eq!(day("2025-07-04T13:05:09-05:00"), day("07/04/2025 13:05:09"));
        assert_eq!(day("2025-07-04T18:05:09Z"), day("07/04/2025 13:05:09"));
        assert_eq!(
            day("2025-07-04T18:05:09.000000+00:00"),
            DateSpan {
                start: ms("2025-07-04T18:05:09Z"),
                end: ms("2025-07-04T18:05:09Z") + 1
            }
        );
        // The day daylight saving time starts has 23 hours.
        let dst = day("03/09/2025");
        assert_eq!(dst.end - dst.start, 23 * 3_600_000);
        // between: start of the first to the end of the last.
        let f = one(r#"{"createDate": {"operation": "betweenDate", "options": [
                {"name": "startDate", "value": ["01/01/2015"]}, {"name": "endDate", "value": ["01/31/2015"]}]}}"#);
        assert_eq!(
            f,
            Operation::Compare(
                Comparison::Equal,
                Operand::Date(DateSpan {
                    start: ms("2015-01-01T06:00:00Z"),
                    end: ms("2015-02-01T06:00:00Z")
                })
            )
        );
        // An end a whole granule before the start is empty too, not the start's instant.
        for (start, end) in [
            ("01/01/2027", "12/31/2026"),
            ("01/01/2027 00:00:00", "12/31/2026 23:59:59"),
            (
                "2027-01-01T00:00:00.000-06:00",
                "2026-12-31T23:59:59.999-06:00",
            ),
        ] {
            let f = one(&format!(
                r#"{{"createDate": {{"operation": "betweenDate", "options": [
                {{"name": "startDate", "value": ["{start}"]}}, {{"name": "endDate", "value": ["{end}"]}}]}}}}"#
            ));
            assert_eq!(f, Operation::In(Vec::new(), true), "{start} .. {end}");
        }
        assert!(matches!(
            one(
                r#"{"createDate": {"operation": "lessThanDate", "options": [{"name": "date", "value": ["01/01/2020"]}]}}"#
            ),
            Operation::Compare(Comparison::Less, Operand::Date(_))
        ));
        assert!(matches!(
            one(r#"{"createDate": {"operation": ">= 2020-01-01T00:00:00-06:00"}}"#),
            Operation::Compare(Comparison::GreaterOrEqual, Operand::Date(_))
        ));
    }

    #[test]
    fn relative_dates() {
        assert_eq!(
            one(r#"{"createDate": {"operation": "> sysdate - 30"}}"#),
            Operation::Compare(
                Comparison::Greater,
                Operand::Date(DateSpan::instant(NOW - 30 * 86_400_000))
            )
        );
        assert_eq!(
            one(r#"{"createDate": {"operation": ">sysdate-1.5"}}"#),
            Operation::Compare(
                Comparison::Greater,
                Operand::Date(DateSpan::instant(NOW - 36 * 3_600_000))
            )
        );
        // Now is 2026-03-15 12:30 CDT: currentDate - 7 is the whole of 2026-03-08 (CST
        // until 2:00, the day DST starts).
        assert_eq!(
            one(r#"{"createDate": {"operation": ">= currentDate - 7"}}"#),
            Operation::Compare(
                Comparison::GreaterOrEqual,
                Operand::Date(DateSpan {
                    start: ms("2026-03-08T06:00:00Z"),
                    end: ms("2026-03-09T05:00:00Z")
                })
            )
        );
    }

    #[test]
    fn long_regular_expressions_are_refused_before_they_are_parsed() {
        let at_limit = "a".repeat(MAX_TEXT_VALUE_CHARS);
        assert!(parse(&format!(r#"{{"title": {{"operation": "~ {at_limit}"}}}}"#)).is_ok());
        let over = format!("{at_limit}a");
        let message = fault(&format!(r#"{{"title": {{"operation": "~ {over}"}}}}"#));
        assert!(message.contains("longer than 4096 characters"), "{message}");
        assert!(
            message.len() < 200,
            "the pattern is not echoed: {}",
            message.len()
        );
    }

    /// Every text operation's value is capped at [`MAX_TEXT_VALUE_CHARS`] characters (not
    /// bytes: 4,096 four-byte characters pass), inside `or`/`and` too and on dates; the
    /// fault names the operator, the property and the limit, and does not echo the value.
    #[test]
    fn long_text_values_are_refused_before_any_sql() {
        let filter = |property: &str, operation: &str| {
            serde_json::json!({property: {"operation": operation}}).to_string()
        };
        for operator in ["^=", "!^=", "$=", "!$=", "*=", "!*=", "_=", "~", "!~"] {
            for (property, at_limit) in [
                ("title", "q".repeat(MAX_TEXT_VALUE_CHARS)),
                ("title", "\u{1D538}".repeat(MAX_TEXT_VALUE_CHARS)),
                ("createDate", "7".repeat(MAX_TEXT_VALUE_CHARS)),
            ] {
                let within = filter(property, &format!("{operator} {at_limit}"));
                assert!(parse(&within).is_ok(), "{operator} on {property}");
                let over = filter(property, &format!("{operator} {at_limit}q"));
                let message = fault(&over);
                let says = if operator.ends_with('~') {
                    format!("Invalid regular expression in the object filter on '{property}'")
                } else {
                    format!("Invalid '{operator}' value in the object filter on '{property}'")
                };
                assert!(message.contains(&says), "{message}");
                assert!(message.contains("longer than 4096 characters"), "{message}");
                assert!(message.len() < 200, "not echoed: {}", message.len());
            }
        }
        // Spaces around the operator's value are not counted, as they are not searched.
        let padded = format!("*=   {}   ", "q".repeat(MAX_TEXT_VALUE_CHARS));
        assert!(parse(&filter("title", &padded)).is_ok());
        // Inside `or` and `and`.
        for combined in ["or", "and"] {
            let text = serde_json::json!({"title": {"operation": combined, "options": [
                {"name": "data", "value": ["^= a", format!("*= {}", "q".repeat(MAX_TEXT_VALUE_CHARS + 1))]}
            ]}});
            let message = fault(&text.to_string());
            assert!(message.contains("Invalid '*=' value"), "{message}");
        }
        // Exact comparisons are not capped: they may name a whole long title.
        let long = "q".repeat(3 * MAX_TEXT_VALUE_CHARS);
        for operation in [long.clone(), format!("!= {long}"), format!("> {long}")] {
            assert!(parse(&filter("title", &operation)).is_ok());
        }
    }

    #[test]
    fn faults_say_what_is_wrong() {
        assert!(
            fault(r#"{"title": {"operation": "=~ x"}}"#)
                .contains("Unknown object filter operation '=~'")
        );
        assert!(fault(r#"{"title": {"operation": "<> x"}}"#).contains("'<>'"));
        assert!(
            fault(r#"{"title": {"operation": "~ a(b"}}"#)
                .contains("Invalid regular expression 'a(b'")
        );
        assert!(fault(r#"{"title": {"operation": "isDate", "options": [{"name": "date", "value": ["01/01/2020"]}]}}"#)
            .contains("needs a date property"));
        assert!(
            fault(
                r#"{"title": {"operation": "or", "options": [{"name": "data", "value": ["in"]}]}}"#
            )
            .contains("only literal operations")
        );
    }

    #[test]
    fn operations_on_relations_and_unknown_names_are_ignored_and_named() {
        for (text, says) in [
            (
                r#"{"status": {"operation": "Closed"}}"#,
                "'Closed' on status ignored: status is a relational property",
            ),
            (
                r#"{"titel": {"operation": "x"}}"#,
                "'x' on titel ignored: SoftLayer_Ticket has no property 'titel'",
            ),
            (
                r#"{"stauts": {"name": {"operation": "Closed"}}}"#,
                "stauts ignored: SoftLayer_Ticket has no property 'stauts'",
            ),
        ] {
            let f = parse(text).unwrap();
            assert!(f.conditions.is_empty(), "{text}: {f:?}");
            assert_eq!(f.ignored.len(), 1, "{text}: {:?}", f.ignored);
            assert!(f.ignored[0].starts_with(says), "{text}: {:?}", f.ignored);
        }
        // A relation's own properties still filter.
        let f = parse(r#"{"status": {"name": {"operation": "Closed"}}}"#).unwrap();
        assert!(f.ignored.is_empty(), "{:?}", f.ignored);
        assert!(!f.conditions.is_empty());
    }

    /// SLDN's object-filter article: "If you don't properly define these operators, the
    /// API tends to just ignore the filter and return the normal results."
    #[test]
    fn improperly_defined_operations_are_ignored_and_named() {
        for (text, says) in [
            (
                r#"{"createDate": {"operation": "> 13/45/2020"}}"#,
                "'13/45/2020' is not a date",
            ),
            (
                r#"{"createDate": {"operation": "isDate", "options": [{"name": "date", "value": ["yesterday"]}]}}"#,
                "'yesterday' is not a date",
            ),
            (
                r#"{"createDate": {"operation": "betweenDate", "options": [{"name": "startDate", "value": ["01/01/2020"]}]}}"#,
                "'betweenDate' on createDate ignored: it needs the option 'endDate'",
            ),
            (
                r#"{"title": {"operation": "in"}}"#,
                "'in' on title ignored: it needs the option 'data'",
            ),
            // Given with no value: said so, not said to be missing.
            (
                r#"{"title": {"operation": "in", "options": [{"name": "data"}]}}"#,
                "'in' on title ignored: its option 'data' has no value",
            ),
            (
                r#"{"createDate": {"operation": "isDate", "options": {"name": "date", "value": null}}}"#,
                "'isDate' on createDate ignored: its option 'date' has no value",
            ),
            (
                r#"{"createDate": {"operation": "> 2026-06-15T00:00:00 09:00"}}"#,
                "with '+' for its space it would be one: '+' in a URL query is a space, send %2B",
            ),
            (
                r#"{"createDate": {"operation": "isDate", "options": [{"name": "date", "value": ["sysdate 1"]}]}}"#,
                "'sysdate 1' is not a date (with '+' for its space it would be one",
            ),
            (
                r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["UP"]}]}}"#,
                "sort 'UP' is neither ASC nor DESC",
            ),
        ] {
            let f = parse(text).unwrap();
            assert!(f.conditions.is_empty() && f.order.is_empty(), "{text}");
            assert_eq!(f.ignored.len(), 1, "{text}");
            assert!(f.ignored[0].contains(says), "{text}: {:?}", f.ignored);
            // The hint is for a space that stands where a `+` makes a date only.
            let hinted = f.ignored[0].contains("send %2B");
            assert_eq!(hinted, says.contains("'+'"), "{text}: {:?}", f.ignored);
        }
        // The other operations of the same filter still apply.
        let f = parse(r#"{"id": {"operation": 5}, "title": {"operation": "in"}}"#).unwrap();
        assert_eq!(f.conditions.len(), 1);
        assert!(f.ignored[0].starts_with("'in' on title ignored"));
    }

    /// softlayer-python `utils.query_filter`: `~` is a case-sensitive regular expression.
    #[test]
    fn regular_expressions_are_case_sensitive() {
        assert!(build_regex("^Disk").unwrap().is_match("Disk failing"));
        assert!(!build_regex("^Disk").unwrap().is_match("disk failing"));
        assert!(build_regex("(?i)^Disk").unwrap().is_match("disk failing"));
    }

    #[test]
    fn nested_paths_and_abstract_targets() {
        let f = ObjectFilter::parse_at(
            "SoftLayer_Account",
            &json(
                r#"{"tickets": {"updates": {"editor": {"username": {"operation": "demo"}}},
                    "subject": {"category": {"name": {"operation": "^= Hard"}}},
                    "updateCount": {"operation": "> 2"}}}"#,
            ),
            Zone::CENTRAL,
            NOW,
        )
        .unwrap();
        let paths: Vec<Vec<String>> = f.conditions.iter().map(|c| c.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                vec!["tickets", "updates", "editor", "username"],
                vec!["tickets", "subject", "category", "name"],
                vec!["tickets", "updateCount"],
            ]
        );
        let sub = f.sub_filter("tickets").sub_filter("updates");
        assert_eq!(sub.conditions[0].path, vec!["editor", "username"]);
    }

    #[test]
    fn order_by_sort_order() {
        let f = parse(
            r#"{"createDate": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}, {"name": "sortOrder", "value": [1]}]},
                "priority": {"operation": "orderBy", "options": [{"name": "sort", "value": ["asc"]}, {"name": "sortOrder", "value": [0]}]}}"#,
        )
        .unwrap();
        assert_eq!(f.order[0].path, vec!["priority"]);
        assert!(!f.order[0].descending);
        assert_eq!(f.order[1].path, vec!["createDate"]);
        assert!(f.order[1].descending);
    }

    /// Found writing the `filter` fuzz target (fuzz/): an `or` of thousands of regular expressions
    /// compiled each one before the bound on terms refused the filter, 5 ms apiece for
    /// `\w{20}`, so one 16 MiB body cost minutes of CPU. Past the bound they are refused
    /// without being compiled, with the same fault.
    #[test]
    fn a_filter_past_the_bound_on_terms_compiles_no_more_regular_expressions() {
        let many_of = |filler: &str, n: usize, last: &str| {
            let mut items = vec![filler.to_string(); n];
            items.push(last.to_string());
            format!(
                r#"{{"title": {{"operation": "or", "options": [{{"name": "data", "value": ["{}"]}}]}}}}"#,
                items.join(r#"", ""#)
            )
        };
        let many = |n: usize, last: &str| many_of(r"~ \\w{20}", n, last);
        let started = std::time::Instant::now();
        let text = many(5_000, "~ \\\\w{20}");
        assert!(
            fault(&text).contains("it has 5002 conditions and alternatives"),
            "{}",
            fault(&text)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Within the bound every expression is still compiled and checked.
        let small = |n: usize, last: &str| many_of(r"~ [a-z]{20}", n, last);
        let bad = small(10, "~ (");
        assert!(
            fault(&bad).contains("Invalid regular expression '('"),
            "{}",
            fault(&bad)
        );
        let big = small(10, r"~ \\w{500}\\w{500}");
        assert!(
            fault(&big).contains("too big (one expression may compile to 1 MiB"),
            "{}",
            fault(&big)
        );
        assert!(parse(&small(198, "~ a")).is_ok());
        // Past it, the bound is the answer.
        let past = many(300, "~ (");
        assert!(
            fault(&past).contains("it has 302 conditions"),
            "{}",
            fault(&past)
        );
    }

    /// Found by the fuzz work (fuzz/): 199 `~ \w{20}` (a 2 KB filter, under the bound on
    /// terms) took 3.7 s to compile, and again in each statement. The expressions of one
    /// filter compile to at most [`MAX_REGEX_BYTES`] together: a few such are fine, 199
    /// are refused after the seventh, at once.
    #[test]
    fn a_filters_regular_expressions_are_bounded_in_compiled_size_together() {
        let of = |n: usize| {
            let items = vec![r"~ \\w{20}"; n];
            format!(
                r#"{{"title": {{"operation": "or", "options": [{{"name": "data", "value": ["{}"]}}]}}}}"#,
                items.join(r#"", ""#)
            )
        };
        assert!(parse(&of(5)).is_ok());
        let started = std::time::Instant::now();
        let refused = fault(&of(199));
        assert!(
            refused.contains("regular expressions compile to more than 2 MiB together"),
            "{refused}"
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(1500));
        // Ordinary expressions are far from it.
        let ordinary = vec![r"~ ^(disk|drive) [0-9]+ (failed|degraded)$"; 150].join(r#"", ""#);
        let text = format!(
            r#"{{"title": {{"operation": "or", "options": [{{"name": "data", "value": ["{ordinary}"]}}]}}}}"#
        );
        assert!(parse(&text).is_ok());
    }
}
