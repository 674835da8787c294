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
//!   ignoring case. `^=`, `!^=`, `$=`, `!$=`, `*=`, `!*=` (prefix, suffix, substring) and the
//!   regular expressions `~`, `!~` ignore case (as softlayer-python documents for them; a
//!   pattern may turn that off with `(?-i)`). Regular expressions use Rust's `regex` syntax
//!   and match anywhere in the value unless anchored.
//! * A missing value (`null`) satisfies the negative operations (`!=`, `!^=`, `!$=`, `!*=`,
//!   `!~`, `not in`) and `is null`, and nothing else.
//! * Dates. Values are `MM/DD/YYYY` or `MM/DD/YYYY HH:MM[:SS]` (also `M/D/YY`), ISO 8601
//!   (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`), or relative: `sysdate ± N`
//!   (now, N days — fractions allowed) and `currentDate ± N` (the day N whole days from
//!   today). A date without an offset is in US Central time (CST/CDT), which the SLDN
//!   date-handling article says the API assumes. A date stands for the whole of its
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
//! An operation the language does not have, options it needs but lacks, a bad regular
//! expression or a malformed date is a `SoftLayer_Exception_Public` fault saying so.
//!
//! So is a filter too big to run: more than [`MAX_FILTER_VALUES`] values in all (each is
//! a bound SQL parameter, and SQLite refuses statements with more than 32,766), or more
//! than [`MAX_FILTER_TERMS`] conditions and alternatives (`or`/`and` entries, dates in an
//! `in`), each of which nests the SQL expression one level deeper (SQLite stops at 1,000).

use crate::call::Fault;
use crate::schema::{PropertyDef, PropertyKind, TypeDef, schema};
use crate::value::Value;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

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

/// A span of time in milliseconds since the Unix epoch, `start` included and `end`
/// excluded; `start == end` is an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    pub start: i64,
    pub end: i64,
}

impl DateSpan {
    pub fn instant(ms: i64) -> DateSpan {
        DateSpan { start: ms, end: ms }
    }

    pub fn is_instant(&self) -> bool {
        self.start == self.end
    }
}

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
    /// `in` (true) / `not in` (false).
    In(Vec<Operand>, bool),
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
            Operation::In(_, yes) => !yes,
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
}

impl ObjectFilter {
    /// Parses the filter branch for a collection of `type_name`. Properties the type does
    /// not have are ignored, as the real API ignores branches that do not lead into the
    /// returned collection.
    pub fn parse(type_name: &str, branch: &Value) -> Result<ObjectFilter, Fault> {
        Self::parse_at(type_name, branch, crate::clock::now_millis())
    }

    /// [`parse`](Self::parse) with "now" (for `sysdate`, `currentDate`) given, in
    /// milliseconds since the Unix epoch.
    pub fn parse_at(type_name: &str, branch: &Value, now_ms: i64) -> Result<ObjectFilter, Fault> {
        let mut filter = ObjectFilter::default();
        if let (Some(t), Some(_)) = (schema().type_def(type_name), branch.as_struct()) {
            let mut walker = Walker {
                now_ms,
                out: &mut filter,
                path: Vec::new(),
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
    now_ms: i64,
    out: &'a mut ObjectFilter,
    path: Vec<String>,
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
            let Some((owner, prop)) = types.iter().find_map(|t| t.property(name).map(|p| (*t, p)))
            else {
                continue;
            };
            self.path.push(name.clone());
            match prop.kind {
                PropertyKind::Local | PropertyKind::Count => {
                    if let Some(op) = child.get("operation") {
                        self.leaf(prop, op, child.get("options"))?;
                    }
                }
                PropertyKind::Relational => {
                    let targets = relation_targets(owner, prop);
                    if !targets.is_empty() {
                        self.walk(&targets, child, depth + 1)?;
                    }
                }
            }
            self.path.pop();
        }
        Ok(())
    }

    fn leaf(
        &mut self,
        prop: &PropertyDef,
        op: &Value,
        options: Option<&Value>,
    ) -> Result<(), Fault> {
        let p = Prop {
            name: &prop.name,
            type_name: &prop.type_name,
            now_ms: self.now_ms,
        };
        let text = match op {
            Value::String(s) => s.trim(),
            Value::Null => return Ok(()),
            Value::Array(_) | Value::Struct(_) | Value::Base64(_) => {
                return Err(Fault::bad_argument(format!(
                    "Invalid object filter operation on '{}': the operation must be a string or a value.",
                    prop.name
                )));
            }
            Value::DateTime(s) if p.is_date() => {
                let span = p.date(s)?;
                return self.push(Operation::Compare(Comparison::Equal, Operand::Date(span)));
            }
            other => {
                let v = p.typed_value(other);
                return self.push(Operation::Compare(Comparison::Equal, Operand::Value(v)));
            }
        };
        let keyword = text.to_ascii_lowercase();
        let operation = match keyword.as_str() {
            "orderby" => {
                let descending = match option_first(options, "sort") {
                    None => false,
                    Some(v) => match v.as_str().map(|s| s.trim().to_ascii_uppercase()) {
                        Some(s) if s == "ASC" => false,
                        Some(s) if s == "DESC" => true,
                        _ => {
                            return Err(Fault::bad_argument(format!(
                                "Invalid sort {} for orderBy on '{}': use ASC or DESC.",
                                describe(&v),
                                prop.name
                            )));
                        }
                    },
                };
                let sort_order = match option_first(options, "sortOrder") {
                    None => 0,
                    Some(v) => v.as_i64().ok_or_else(|| {
                        Fault::bad_argument(format!(
                            "Invalid sortOrder {} for orderBy on '{}': use an integer.",
                            describe(&v),
                            prop.name
                        ))
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
                let data = option_list(options, "data").ok_or_else(|| p.needs(text, "data"))?;
                let items = data
                    .iter()
                    .map(|v| p.operand(v))
                    .collect::<Result<Vec<_>, _>>()?;
                Operation::In(items, keyword == "in")
            }
            "or" | "and" => {
                let data = option_list(options, "data").ok_or_else(|| p.needs(text, "data"))?;
                let mut ops = Vec::with_capacity(data.len());
                for item in &data {
                    ops.push(match item {
                        Value::String(s) => {
                            let s = s.trim();
                            if is_named_operation(s) {
                                return Err(Fault::bad_argument(format!(
                                    "Invalid object filter operation '{s}' inside '{text}' on '{}': only literal operations may be combined.",
                                    prop.name
                                )));
                            }
                            p.literal_operation(s)?
                        }
                        Value::Null | Value::Array(_) | Value::Struct(_) => {
                            return Err(Fault::bad_argument(format!(
                                "Invalid value {} inside '{text}' on '{}': give literal operations as strings.",
                                describe(item),
                                prop.name
                            )));
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
                let date = option_first(options, "date").ok_or_else(|| p.needs(text, "date"))?;
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
                let start =
                    option_first(options, "startDate").ok_or_else(|| p.needs(text, "startDate"))?;
                let end =
                    option_first(options, "endDate").ok_or_else(|| p.needs(text, "endDate"))?;
                let start = p.date_value(&start, text)?;
                let end = p.date_value(&end, text)?;
                Operation::Compare(
                    Comparison::Equal,
                    Operand::Date(DateSpan {
                        start: start.start,
                        end: end.end.max(start.start),
                    }),
                )
            }
            _ => p.literal_operation(text)?,
        };
        self.push(operation)
    }

    fn push(&mut self, operation: Operation) -> Result<(), Fault> {
        self.out.conditions.push(Condition {
            path: self.path.clone(),
            operation,
        });
        Ok(())
    }
}

fn is_named_operation(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
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

/// The options entry named `name` (`[{name, value}, …]`).
fn option<'v>(options: Option<&'v Value>, name: &str) -> Option<&'v Value> {
    match options? {
        Value::Array(items) => items
            .iter()
            .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|o| o.get("value")),
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
    now_ms: i64,
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

    fn needs(&self, operation: &str, option: &str) -> Fault {
        Fault::bad_argument(format!(
            "The object filter operation '{operation}' on '{}' needs the option '{option}'.",
            self.name
        ))
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
        match (self.type_name, v) {
            (_, Value::Bool(b)) => Value::Int(*b as i64),
            ("boolean", Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Int(1),
                "false" | "0" => Value::Int(0),
                _ => Value::String(s.clone()),
            },
            (
                "int" | "unsignedInt" | "integer" | "long" | "unsignedLong" | "short"
                | "unsignedShort" | "byte",
                Value::String(s),
            ) => match s.trim().parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => Value::Float(f),
                    _ => Value::String(s.clone()),
                },
            },
            ("decimal" | "float" | "double", Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => Value::Float(f),
                    _ => Value::String(s.clone()),
                },
            },
            ("string" | "base64Binary", Value::Int(i)) => Value::String(i.to_string()),
            ("string", Value::Float(f)) => Value::String(f.to_string()),
            (_, Value::DateTime(s)) => Value::String(s.clone()),
            (_, other) => other.clone(),
        }
    }

    /// An operand for equality-like operations: a date for date properties.
    fn operand(&self, v: &Value) -> Result<Operand, Fault> {
        if self.is_date()
            && let Some(s) = v.as_str()
        {
            return Ok(Operand::Date(self.date(s)?));
        }
        Ok(Operand::Value(self.typed_value(v)))
    }

    fn text_operand(&self, text: &str) -> Result<Operand, Fault> {
        self.operand(&Value::String(text.to_string()))
    }

    /// A date option's value.
    fn date_value(&self, v: &Value, operation: &str) -> Result<DateSpan, Fault> {
        match v.as_str() {
            Some(s) => self.date(s),
            None => Err(Fault::bad_argument(format!(
                "Invalid date {} for '{operation}' on '{}': {DATE_FORMATS}",
                describe(v),
                self.name
            ))),
        }
    }

    fn date(&self, text: &str) -> Result<DateSpan, Fault> {
        parse_date(text, self.now_ms).ok_or_else(|| {
            Fault::bad_argument(format!(
                "Invalid date '{}' in the object filter on '{}': {DATE_FORMATS}",
                text.trim(),
                self.name
            ))
        })
    }

    /// A literal operation: a bare value, an operator and its argument, `is null`, `not null`.
    fn literal_operation(&self, text: &str) -> Result<Operation, Fault> {
        let lower = text.to_ascii_lowercase();
        if lower == "is null" {
            return Ok(Operation::IsNull);
        }
        if lower == "not null" {
            return Ok(Operation::NotNull);
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
            return Err(Fault::bad_argument(format!(
                "Unknown object filter operation '{run}' in '{text}' on '{}'. Operations are a bare value \
                 (equality), !=, >, >=, <, <=, ^=, !^=, $=, !$=, *=, !*=, _=, ~, !~, is null, not null, \
                 in, not in, or, and, isDate, lessThanDate, greaterThanDate, betweenDate and orderBy.",
                self.name
            )));
        }
        let Some(operator) = operator else {
            return Ok(Operation::Compare(
                Comparison::Equal,
                self.text_operand(text)?,
            ));
        };
        let arg = text[operator.len()..].trim();
        let compare =
            |c| -> Result<Operation, Fault> { Ok(Operation::Compare(c, self.text_operand(arg)?)) };
        let text_match = |how, matches| Operation::Text {
            how,
            text: arg.to_string(),
            matches,
        };
        Ok(match *operator {
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
                check_regex(arg, self.name)?;
                Operation::Regex {
                    pattern: arg.to_string(),
                    matches: *operator == "~",
                }
            }
            _ => unreachable!("every operator is handled"),
        })
    }
}

/// Builds a filter regular expression as the store runs it: ignoring case, bounded in size.
pub fn build_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
}

fn check_regex(pattern: &str, property: &str) -> Result<(), Fault> {
    build_regex(pattern).map(|_| ()).map_err(|e| {
        let detail = match &e {
            regex::Error::Syntax(text) => text
                .lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or("syntax error")
                .to_string(),
            regex::Error::CompiledTooBig(_) => "the expression is too big".to_string(),
            other => other.to_string(),
        };
        Fault::bad_argument(format!(
            "Invalid regular expression '{pattern}' in the object filter on '{property}': {detail}."
        ))
    })
}

const DATE_FORMATS: &str = "dates are MM/DD/YYYY, MM/DD/YYYY HH:MM:SS, ISO 8601 \
    (YYYY-MM-DDTHH:MM:SS-06:00), or sysdate/currentDate minus a number of days.";

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

const MS_PER_DAY: i64 = 86_400_000;

/// Parses a filter date (see the module documentation) into the span it stands for.
pub fn parse_date(text: &str, now_ms: i64) -> Option<DateSpan> {
    let text = text.trim();
    if let Some(span) = relative_date(text, now_ms) {
        return Some(span);
    }
    let (date_part, rest) = match text.find([' ', 'T', 't']) {
        Some(i) => (&text[..i], text[i + 1..].trim()),
        None => (text, ""),
    };
    let date = if date_part.contains('/') {
        us_date(date_part)?
    } else {
        iso_date(date_part)?
    };
    if rest.is_empty() {
        let start = central_to_utc_ms(date.and_time(NaiveTime::MIN));
        let next = date.succ_opt()?;
        let end = central_to_utc_ms(next.and_time(NaiveTime::MIN));
        return Some(DateSpan { start, end });
    }
    let (time_text, offset) = split_offset(rest)?;
    let (time, granule_ms) = time_of_day(time_text.trim())?;
    let local = date.and_time(time);
    let start = match offset {
        Some(seconds) => local.and_utc().timestamp_millis() - seconds * 1000,
        None => central_to_utc_ms(local),
    };
    Some(DateSpan {
        start,
        end: start + granule_ms,
    })
}

/// `sysdate`, `sysdate - 30`, `currentDate - 7`, `currentDate + 1` (any case, spaces optional).
fn relative_date(text: &str, now_ms: i64) -> Option<DateSpan> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let (base, rest) = if let Some(rest) = compact.strip_prefix("sysdate") {
        ("sysdate", rest)
    } else if let Some(rest) = compact.strip_prefix("currentdate") {
        ("currentdate", rest)
    } else {
        return None;
    };
    let days: f64 = if rest.is_empty() {
        0.0
    } else {
        let (sign, number) = match rest.as_bytes()[0] {
            b'-' => (-1.0, &rest[1..]),
            b'+' => (1.0, &rest[1..]),
            _ => return None,
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        sign * number.parse::<f64>().ok()?
    };
    if !days.is_finite() || days.abs() > 1_000_000.0 {
        return None;
    }
    if base == "sysdate" {
        return Some(DateSpan::instant(
            now_ms + (days * MS_PER_DAY as f64) as i64,
        ));
    }
    if days.fract() != 0.0 {
        return None;
    }
    let today = utc_ms_to_central(now_ms).date();
    let day = today.checked_add_signed(chrono::Duration::days(days as i64))?;
    let start = central_to_utc_ms(day.and_time(NaiveTime::MIN));
    let end = central_to_utc_ms(day.succ_opt()?.and_time(NaiveTime::MIN));
    Some(DateSpan { start, end })
}

/// `MM/DD/YYYY`, `M/D/YYYY`, `MM/DD/YY` (20YY).
fn us_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (month, day) = (num(m, 2)?, num(d, 2)?);
    let year = match y.len() {
        2 => 2000 + num(y, 2)? as i32,
        4 => num(y, 4)? as i32,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// `YYYY-MM-DD` or the compact `YYYYMMDD` (XML-RPC's dateTime.iso8601).
fn iso_date(text: &str) -> Option<NaiveDate> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = if text.len() == 8 && digits(text) {
        (&text[..4], &text[4..6], &text[6..])
    } else {
        let mut parts = text.split('-');
        let parts = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        if parts.3.is_some() {
            return None;
        }
        (parts.0, parts.1, parts.2)
    };
    if y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
        return None;
    }
    if !(digits(y) && digits(m) && digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Splits a trailing UTC offset (`Z`, `+HH:MM`, `-HHMM`, `-HH`) from a time; the offset in
/// seconds east of UTC.
fn split_offset(text: &str) -> Option<(&str, Option<i64>)> {
    if let Some(time) = text.strip_suffix(['Z', 'z']) {
        return Some((time, Some(0)));
    }
    let Some(i) = text.rfind(['+', '-']) else {
        return Some((text, None));
    };
    let sign = if text.as_bytes()[i] == b'-' { -1 } else { 1 };
    let digits: String = text[i + 1..].trim().chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i64, i64) = match digits.len() {
        2 => (digits.parse().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some((&text[..i], Some(sign * (h * 3600 + m * 60))))
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fff` (one or two digit fields); the time and the length
/// of the granule it names in milliseconds.
fn time_of_day(text: &str) -> Option<(NaiveTime, i64)> {
    let (main, fraction) = match text.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (text, None),
    };
    let fields: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&fields.len()) {
        return None;
    }
    let mut nums = [0u32; 3];
    for (i, f) in fields.iter().enumerate() {
        if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        nums[i] = f.parse().ok()?;
    }
    let mut granule = if fields.len() == 2 { 60_000 } else { 1000 };
    let mut millis = 0;
    if let Some(f) = fraction {
        if fields.len() != 3 || f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let padded: String = f.chars().chain(std::iter::repeat('0')).take(3).collect();
        millis = padded.parse().ok()?;
        granule = 1;
    }
    let time = NaiveTime::from_hms_milli_opt(nums[0], nums[1], nums[2], millis)?;
    Some((time, granule))
}

// ---------------------------------------------------------------------------------------
// US Central time (America/Chicago), the API's zone for dates given without an offset
// ---------------------------------------------------------------------------------------

/// Day of month of the `n`th Sunday (1-based) of a month.
fn nth_sunday(year: i32, month: u32, n: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    1 + to_sunday + 7 * (n - 1)
}

/// Day of month of the last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid month");
    let last = next.pred_opt().expect("a day before");
    last.day() - last.weekday().num_days_from_sunday()
}

/// The UTC instants (seconds) daylight saving time starts and ends in a year, by the US
/// rules (2007 on: second Sunday of March to first Sunday of November; before: first
/// Sunday of April to last Sunday of October), both at 2:00 local time.
fn dst_bounds(year: i32) -> (i64, i64) {
    let (start_month, start_day, end_month, end_day) = if year >= 2007 {
        (3, nth_sunday(year, 3, 2), 11, nth_sunday(year, 11, 1))
    } else {
        (4, nth_sunday(year, 4, 1), 10, last_sunday(year, 10))
    };
    let at = |m, d, utc_hour| {
        NaiveDate::from_ymd_opt(year, m, d)
            .expect("valid day")
            .and_hms_opt(utc_hour, 0, 0)
            .expect("valid time")
            .and_utc()
            .timestamp()
    };
    // 2:00 CST is 08:00 UTC; 2:00 CDT is 07:00 UTC.
    (at(start_month, start_day, 8), at(end_month, end_day, 7))
}

/// US Central's offset from UTC in seconds (-18000 in CDT, -21600 in CST) at a UTC instant.
pub fn central_offset_seconds(utc_seconds: i64) -> i64 {
    let year = chrono::DateTime::from_timestamp(utc_seconds - 6 * 3600, 0)
        .map(|d| d.year())
        .unwrap_or(1970);
    let (start, end) = dst_bounds(year);
    if (start..end).contains(&utc_seconds) {
        -5 * 3600
    } else {
        -6 * 3600
    }
}

/// A Central local time as a UTC instant in milliseconds. In the autumn's repeated hour
/// the earlier (daylight) instant is taken; a time in the spring's skipped hour is read
/// as standard time.
pub fn central_to_utc_ms(local: NaiveDateTime) -> i64 {
    let naive_ms = local.and_utc().timestamp_millis();
    let daylight = naive_ms + 5 * 3_600_000;
    if central_offset_seconds(daylight.div_euclid(1000)) == -5 * 3600 {
        return daylight;
    }
    naive_ms + 6 * 3_600_000
}

/// A UTC instant in milliseconds as Central local time.
pub fn utc_ms_to_central(utc_ms: i64) -> NaiveDateTime {
    let offset = central_offset_seconds(utc_ms.div_euclid(1000));
    chrono::DateTime::from_timestamp_millis(utc_ms + offset * 1000)
        .unwrap_or_default()
        .naive_utc()
}

/// A UTC instant (seconds) written as SoftLayer writes dates, in Central time with its
/// offset: `2026-10-01T09:15:00-05:00`.
pub fn central_iso(utc_seconds: i64) -> String {
    let offset = central_offset_seconds(utc_seconds);
    let local = utc_ms_to_central(utc_seconds * 1000);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}-{:02}:00",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        -offset / 3600
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value {
        (&serde_json::from_str::<serde_json::Value>(text).unwrap()).into()
    }

    fn parse(text: &str) -> Result<ObjectFilter, Fault> {
        ObjectFilter::parse_at("SoftLayer_Ticket", &json(text), NOW)
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
                Operand::Date(DateSpan::instant(NOW - 30 * MS_PER_DAY))
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
        assert!(
            fault(r#"{"createDate": {"operation": "> 13/45/2020"}}"#)
                .contains("Invalid date '13/45/2020'")
        );
        assert!(
            fault(r#"{"createDate": {"operation": "isDate", "options": [{"name": "date", "value": ["yesterday"]}]}}"#)
                .contains("Invalid date 'yesterday'")
        );
        assert!(fault(r#"{"createDate": {"operation": "betweenDate", "options": [{"name": "startDate", "value": ["01/01/2020"]}]}}"#)
            .contains("needs the option 'endDate'"));
        assert!(fault(r#"{"title": {"operation": "isDate", "options": [{"name": "date", "value": ["01/01/2020"]}]}}"#)
            .contains("needs a date property"));
        assert!(fault(r#"{"title": {"operation": "in"}}"#).contains("needs the option 'data'"));
        assert!(
            fault(
                r#"{"title": {"operation": "or", "options": [{"name": "data", "value": ["in"]}]}}"#
            )
            .contains("only literal operations")
        );
        assert!(fault(r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["UP"]}]}}"#)
            .contains("use ASC or DESC"));
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

    #[test]
    fn central_time() {
        assert_eq!(
            central_iso(ms("2026-10-01T14:15:00Z") / 1000),
            "2026-10-01T09:15:00-05:00"
        );
        assert_eq!(
            central_iso(ms("2026-12-01T14:15:00Z") / 1000),
            "2026-12-01T08:15:00-06:00"
        );
        // 2025-11-02 01:30 happens twice; the daylight one is taken.
        let local = NaiveDate::from_ymd_opt(2025, 11, 2)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(central_to_utc_ms(local), ms("2025-11-02T06:30:00Z"));
        // Before 2007: DST began the first Sunday of April.
        assert_eq!(
            central_offset_seconds(ms("2006-03-20T12:00:00Z") / 1000),
            -21600
        );
        assert_eq!(
            central_offset_seconds(ms("2006-04-03T12:00:00Z") / 1000),
            -18000
        );
    }
}
