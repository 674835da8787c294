//! The SoftLayer services: typed handlers, one file per service, that never see the wire.
//!
//! `dispatch_in` is the one road every call takes whatever its transport: find the
//! method in the schema, authenticate, resolve the init parameter, run the handler in a
//! read or write transaction, and shape the result by the object mask. Its three
//! entries differ only in where the reply goes and which transaction it runs in:
//! [`dispatch_observed`] streams lists into a sink, [`dispatch_whole`] collects them
//! (the REST navigation and the reply cache need the whole value), and
//! [`dispatch_write_in`] runs inside the writer thread's open batch.

mod account;
mod locale_timezone;
pub mod projection;
pub mod ticket;
mod ticket_attachment_file;
mod ticket_priority;
mod ticket_subject;
mod ticket_subject_category;
mod ticket_survey;
mod ticket_update_employee;
mod user_customer;

use crate::call::{Call, Collect, Fault, ItemSink, MaskSource, Observer, Reply};
use crate::schema::coerce::{CoerceError, coerce_parameter};
use crate::schema::filter::ObjectFilter;
use crate::schema::mask::ObjectMask;
use crate::schema::{MethodDef, PropertyKind, schema};
use crate::store::{self, ListQuery, Page, Principal, Related, Row, Store};
use crate::value::PhpTrim;
use crate::value::{Struct, Value};
use projection::{Loaded, Projector, internal, query_fault};
use rusqlite::Connection;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// What a handler produces, before the mask shapes it.
pub enum Output {
    Object(Row),
    /// A single relation that may be empty (`getAssignedUser` on an unassigned ticket).
    MaybeObject(Option<Row>),
    List(Page),
    /// A list read row by row as it is written out (relational lists, whole types).
    Rows {
        source: store::ListSource,
        filter: Option<ObjectFilter>,
    },
    Value(Value),
}

/// Everything a handler may use.
pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub call: &'a Call,
    /// The call's arguments converted to the types the method declares
    /// ([`crate::schema::coerce`]): what handlers read instead of `call.args`.
    pub args: &'a [Value],
    pub principal: &'a Principal,
    pub method: &'a MethodDef,
    /// The init parameter as an id, when the method takes one.
    pub init_id: Option<i64>,
    pub filter: Option<&'a Value>,
    /// Whether a list of the call read `filter` ([`Ctx::list_filter`]): one nothing read
    /// (a getObject's, where only a filteredMask applies one) is said to be ignored.
    pub filter_read: std::cell::Cell<bool>,
    /// The caller's time zone: dates in and out are in it (SLDN's date article).
    pub zone: crate::time::Zone,
    /// Object-filter operations ignored so far, for the reply's warning header.
    pub warnings: std::cell::RefCell<Vec<String>>,
    /// The call's object mask (validated), by which the reply will be shown.
    pub mask: &'a ObjectMask,
}

impl Ctx<'_> {
    /// The method's argument at `index`, deserialised into the handler's type; `None` when
    /// absent or nil.
    pub fn arg<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>, Fault> {
        let Some(v) = self.args.get(index).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        serde_json::from_value(serde_json::Value::from(v))
            .map(Some)
            .map_err(|_| invalid_argument(self.method, index, None))
    }

    /// An id argument; nil and 0 are no id.
    pub fn int_arg(&self, index: usize) -> Result<Option<i64>, Fault> {
        Ok(self
            .args
            .get(index)
            .and_then(Value::as_i64)
            .filter(|id| *id != 0))
    }

    /// A text argument; nil and blank text are none.
    pub fn text_arg(&self, index: usize) -> Result<Option<String>, Fault> {
        Ok(self
            .arg::<String>(index)?
            .filter(|s| !s.php_trim().is_empty()))
    }

    /// The filter for a collection of `type_name` found under `branch` of the call's
    /// object filter (the root for `getAllObjects`-style lists).
    pub fn list_filter(
        &self,
        type_name: &str,
        branch: Option<&str>,
    ) -> Result<Option<ObjectFilter>, Fault> {
        self.filter_read.set(true);
        let node = match (self.filter, branch) {
            (Some(root), Some(b)) => {
                self.warn_other_roots(root, b);
                root.get(b)
            }
            (root, None) => root,
            (None, _) => None,
        };
        // A capped list's item is picked by the transport from the list as it is capped:
        // as a condition, it was found among every row, the last five closed tickets'
        // pick finding a ticket closed long before them.
        let capped = branch.is_some_and(|b| store::relations::is_capped(&self.call.service, b));
        let Some(id) = self.call.headers.item_id.filter(|_| !capped) else {
            return node.map(|n| self.parse_filter(type_name, n)).transpose();
        };
        // The item the call asks for, as one more condition of the list's filter (a
        // condition the caller's filter already puts on `id` stays as it is; the
        // transport still picks the item from what that leaves).
        let mut members = node.and_then(Value::as_struct).cloned().unwrap_or_default();
        if !members.contains_key("id") {
            let mut condition = crate::value::Struct::new();
            condition.insert("operation".into(), Value::Int(id));
            members.insert("id".into(), Value::Struct(condition));
        }
        self.parse_filter(type_name, &Value::Struct(members))
            .map(Some)
    }

    /// Names the root keys of a list method's filter other than its list's (`tickets` on
    /// `getOpenTickets`, whose list is `openTickets`): the API ignores them, so the list
    /// comes back unfiltered, the commonest object-filter mistake.
    fn warn_other_roots(&self, root: &Value, list: &str) {
        let Some(members) = root.as_struct() else {
            return;
        };
        // softlayer-python's paging (`iter_call`) adds `{"id": {"operation": "orderBy"}}`,
        // sorting `ASC`, at the root of every filter without an order: ignored alike, but
        // the client's doing, not the developer's. A `DESC` there is the developer's.
        let paging_order = |key: &str, value: &Value| {
            let Some(m) = value.as_struct().filter(|_| key == "id") else {
                return false;
            };
            let order_by = m
                .get("operation")
                .and_then(Value::as_str)
                .is_some_and(|op| op.php_trim().eq_ignore_ascii_case("orderBy"));
            let is_desc = |v: &Value| {
                v.as_str()
                    .is_some_and(|s| s.php_trim().eq_ignore_ascii_case("DESC"))
            };
            let descending = match m.get("options") {
                Some(Value::Array(options)) => options.iter().any(|o| match o.get("value") {
                    Some(Value::Array(values)) => values.iter().any(is_desc),
                    Some(value) => is_desc(value),
                    None => false,
                }),
                _ => false,
            };
            order_by && !descending
        };
        let others = members
            .iter()
            .filter(|(k, v)| k.as_str() != list && !paging_order(k, v));
        for (key, _) in others {
            self.warn(&format!(
                "object filter: '{key}' is not the list {}::{} answers ('{list}'): ignored",
                self.call.service, self.call.method
            ));
        }
    }

    /// Parses a filter branch with dates in the caller's zone. The operations it ignores
    /// (SLDN: "the API tends to just ignore the filter") go to the server log and the
    /// reply's warning header, so that the developer sees the mistake.
    fn parse_filter(&self, type_name: &str, node: &Value) -> Result<ObjectFilter, Fault> {
        let filter = ObjectFilter::parse_for(type_name, node, self.zone, self.principal.user_id)?;
        let more =
            (filter.ignored_more > 0).then(|| format!("and {} more left out", filter.ignored_more));
        for why in filter.ignored.iter().chain(&more) {
            self.warn(&format!("object filter: {why}"));
        }
        let paths = filter.conditions.iter().map(|c| &c.path);
        for path in paths.chain(filter.order.iter().map(|o| &o.path)) {
            if let Some(at) = unkept_step(type_name, path) {
                self.warn(&format!(
                    "object filter: {} goes through data the emulator does not keep: \
                     read as absent",
                    path[..=at].join(".")
                ));
            }
        }
        Ok(filter)
    }

    /// Tells the developer something about the call without failing it ([`add_warning`]).
    pub fn warn(&self, text: &str) {
        add_warning(&mut self.warnings.borrow_mut(), self.call, text);
    }
}

/// Names what a call's object filter asked that its method did not read: the whole filter,
/// or under a `filteredMask`, which applies it to the lists the mask names, its conditions
/// and orders on the object itself. A getObject's filter (`title` not matching, a misspelt
/// `stauts`, even an operation the language does not have) answered the object as if there
/// were none, without a word, and a plain `mask[updates]` left its `updates` unfiltered.
fn warn_unapplied_filter(ctx: &Ctx, returns: &str, read: Option<&ObjectFilter>) {
    let given = match ctx.filter {
        None | Some(Value::Null) => false,
        Some(Value::Struct(members)) => !members.is_empty(),
        Some(_) => true,
    };
    if !given {
        return;
    }
    let (service, method) = (&ctx.call.service, &ctx.call.method);
    // A getter of data not kept already says it answered empty; the real method filters
    // its list (slcli's `user detail --logins` sends one on every call).
    if answers_empty(service, method) {
        return;
    }
    let why = if ctx.method.returns.ends_with("[]") {
        format!("{service}::{method} does not filter the list it answers")
    } else if !returns.starts_with("SoftLayer_") {
        format!("{service}::{method} answers no list")
    } else if read.is_some() {
        format!(
            "{service}::{method} answers one object, not a list, and a filteredMask \
             filters only the lists it names"
        )
    } else {
        format!(
            "{service}::{method} answers one object, not a list; a filteredMask applies \
             the filter to the lists the mask names"
        )
    };
    let Some(read) = read else {
        ctx.warn(&format!("object filter ignored: {why}"));
        return;
    };
    let on_the_object = read.conditions.iter().map(|c| &c.path);
    let on_the_object = on_the_object.chain(read.order.iter().map(|o| &o.path));
    for path in on_the_object.filter(|path| path.len() == 1) {
        ctx.warn(&format!("object filter: {} ignored: {why}", path[0]));
    }
}

/// Adds `text` to a reply's warnings (the `X-SoftLayer-Emulator-Warning` header), once,
/// as the header shows it (visible ASCII, cut short), and logs it.
/// The warnings naming the call headers it sent under names the API does not read.
fn ignored_headers(call: &Call) -> Vec<String> {
    let mut warnings = Vec::new();
    for name in &call.headers.ignored {
        let text = format!(
            "call header '{name}' is not one {} reads: ignored",
            call.service
        );
        add_warning(&mut warnings, call, &text);
    }
    for note in &call.headers.notes {
        add_warning(&mut warnings, call, note);
    }
    warnings
}

fn add_warning(warnings: &mut Vec<String>, call: &Call, text: &str) {
    let text = crate::call::shown_warning(text);
    tracing::warn!("{}::{}: {text}", call.service, call.method);
    if !warnings.contains(&text) {
        warnings.push(text);
    }
}

/// "Invalid value for parameter 'name': expected an integer." (with what is wrong inside
/// a struct, when that is more than its type).
fn invalid_argument(method: &MethodDef, index: usize, detail: Option<&CoerceError>) -> Fault {
    let (name, expected) = method
        .parameters
        .get(index)
        .map(|p| (p.name.as_str(), p.type_ref.describe(&p.type_name)))
        .unwrap_or(("parameter", "a value".into()));
    match detail {
        Some(
            e @ (CoerceError::NotBase64 { .. }
            | CoerceError::NotUtf8 { .. }
            | CoerceError::NotCarried { .. }
            | CoerceError::Member { .. }
            | CoerceError::PastI64 { .. }),
        ) => Fault::invalid_value(format!("Invalid value for parameter '{name}': {e}.")),
        _ => Fault::invalid_value(format!(
            "Invalid value for parameter '{name}': expected {expected}."
        )),
    }
}

/// The arguments sent past a method's `takes` parameters, nulls and blanks (a client's
/// padding: softlayer-go pads its calls with nulls, PHP's XML-RPC writes null blank)
/// aside.
pub fn args_past(takes: usize, args: &[Value]) -> usize {
    args.iter()
        .skip(takes)
        .filter(|v| !v.is_null() && !matches!(v, Value::String(s) if s.is_empty()))
        .count()
}

/// The call's arguments as the method's parameter types: the one conversion every
/// transport's arguments go through. Arguments past the declared ones pass as they are,
/// and so do those of the wrong type when the method refuses them itself (`as_sent`).
/// Template members their type lacks are refused ([`CallHeaders::strict_templates`]) or
/// named in `warnings`.
///
/// [`CallHeaders::strict_templates`]: crate::call::CallHeaders::strict_templates
fn coerce_args(
    call: &Call,
    method: &MethodDef,
    as_sent: &[&str],
    warnings: &mut Vec<String>,
) -> Result<Vec<Value>, Fault> {
    let (mut unknown, mut misnamed) = (Vec::new(), Vec::new());
    let args = call
        .args
        .iter()
        .enumerate()
        .map(|(i, v)| match method.parameters.get(i) {
            Some(p) => {
                check_template(v, &p.type_name, 0, &mut unknown, &mut misnamed);
                match coerce_parameter(v, &p.type_ref, &p.name) {
                    Err(_) if as_sent.contains(&p.name.as_str()) => Ok(v.clone()),
                    coerced => coerced.map_err(|e| invalid_argument(method, i, Some(&e))),
                }
            }
            None => Ok(v.clone()),
        })
        .collect::<Result<Vec<Value>, Fault>>()?;
    // Ignored, as the API ignores them; said, as a URL's extra argument is refused (a
    // client's null padding aside).
    let takes = method.parameters.len();
    let extra = args_past(takes, &call.args);
    if extra > 0 {
        add_warning(
            warnings,
            call,
            &format!(
                "{} takes {takes} argument{}: the {} more sent ignored",
                call.method,
                if takes == 1 { "" } else { "s" },
                extra
            ),
        );
    }
    if let Some((name, type_name)) = unknown.first()
        && call.headers.strict_templates
    {
        return Err(Fault::documented(
            crate::call::ExceptionClass::Exception,
            format!(
                "The property '{}' is not valid for '{type_name}'.",
                crate::call::quoted_name(name)
            ),
        ));
    }
    for (name, type_name) in unknown {
        add_warning(
            warnings,
            call,
            &format!("template property '{name}' is not a property of {type_name}: ignored"),
        );
    }
    for (named, declared) in misnamed {
        add_warning(
            warnings,
            call,
            &format!(
                "template complexType '{named}' is not {declared} or a type derived from it: \
                 read as {declared}"
            ),
        );
    }
    Ok(args)
}

/// At most this many of a template's unknown members are named.
const MAX_UNKNOWN_TEMPLATE_MEMBERS: usize = 20;

/// Collects into `unknown` (member, type) for each member of a template object that its
/// type does not have, for every template argument and the templates nested in it whose
/// type is known (an update's, an attachment's). A `complexType` member names the type
/// (SLDN XML-RPC article, "Specifying Complex Types"). Properties that exist but are not
/// writable pass here; the handlers ignore them, as SLDN says.
fn check_template(
    value: &Value,
    type_name: &str,
    depth: usize,
    unknown: &mut Vec<(String, String)>,
    misnamed: &mut Vec<(String, String)>,
) {
    if depth > 16 || unknown.len() + misnamed.len() >= MAX_UNKNOWN_TEMPLATE_MEMBERS {
        return;
    }
    let declared = type_name.trim_end_matches("[]");
    match value {
        Value::Array(items) => items
            .iter()
            .for_each(|item| check_template(item, declared, depth + 1, unknown, misnamed)),
        Value::Struct(members) => {
            // Only a subtype of the declared type: the handlers read the template as
            // the declared type whatever it names (another is said to be ignored, as an
            // unknown member is: `Bogus_Type` passed unremarked).
            let complex_type = members.get("complexType").and_then(Value::as_str);
            let named = complex_type.filter(|n| schema().is_a(n, declared));
            if let Some(other) = complex_type.filter(|_| named.is_none())
                && schema().type_def(declared).is_some()
            {
                misnamed.push((other.chars().take(200).collect(), declared.to_string()));
            }
            let type_name = named.unwrap_or(declared);
            let Some(t) = schema().type_def(type_name) else {
                return;
            };
            if t.properties.is_empty() {
                return;
            }
            for (name, v) in members {
                if name == "complexType" {
                    continue;
                }
                match t.property(name) {
                    None if unknown.len() < MAX_UNKNOWN_TEMPLATE_MEMBERS => {
                        unknown.push((name.clone(), type_name.to_string()))
                    }
                    None => return,
                    Some(def) if def.type_name.starts_with("SoftLayer_") => {
                        check_template(v, &def.type_name, depth + 1, unknown, misnamed)
                    }
                    Some(_) => {}
                }
            }
        }
        _ => {}
    }
}

pub type Handler = fn(&Ctx) -> Result<Output, Fault>;

/// A handler, whether it writes (and so runs in the write transaction), whether it
/// is called before authentication (logging in), and which members of its reply are
/// credentials.
pub struct Entry {
    pub handler: Handler,
    pub writes: bool,
    pub anonymous: bool,
    pub secret_reply: &'static [&'static str],
    /// Parameters whose arguments reach the handler as sent when they are not of their
    /// type, for a method whose page documents its own fault for them; the others are
    /// refused at the call boundary as everywhere.
    pub own_argument_faults: &'static [&'static str],
}

const fn read(handler: Handler) -> Entry {
    Entry {
        handler,
        writes: false,
        anonymous: false,
        secret_reply: &[],
        own_argument_faults: &[],
    }
}

const fn write(handler: Handler) -> Entry {
    Entry {
        handler,
        writes: true,
        anonymous: false,
        secret_reply: &[],
        own_argument_faults: &[],
    }
}

const fn anonymous(handler: Handler) -> Entry {
    Entry {
        handler,
        writes: true,
        anonymous: true,
        secret_reply: &[],
        own_argument_faults: &[],
    }
}

impl Entry {
    /// Marks reply members that authenticate whoever holds them (a login token), so
    /// that records of the call (the journal) leave them out.
    const fn secret_reply(self, members: &'static [&'static str]) -> Entry {
        Entry {
            secret_reply: members,
            ..self
        }
    }

    /// See [`Entry::own_argument_faults`].
    const fn own_argument_faults(self, parameters: &'static [&'static str]) -> Entry {
        Entry {
            own_argument_faults: parameters,
            ..self
        }
    }
}

/// The hand-written handlers; any other `get{Property}` of a relation the store knows is
/// answered by [`relational_getter`].
fn handler(service: &str, method: &str) -> Option<Entry> {
    match service {
        "SoftLayer_Ticket" => ticket::handler(method),
        "SoftLayer_Account" => account::handler(method),
        "SoftLayer_Ticket_Subject" => ticket_subject::handler(method),
        "SoftLayer_Ticket_Priority" => ticket_priority::handler(method),
        "SoftLayer_Ticket_Subject_Category" => ticket_subject_category::handler(method),
        "SoftLayer_Ticket_Attachment_File" | "SoftLayer_Ticket_Attachment_File_ServiceNow" => {
            ticket_attachment_file::handler(method)
        }
        "SoftLayer_Ticket_Survey" => ticket_survey::handler(method),
        "SoftLayer_Ticket_Update_Employee" => ticket_update_employee::handler(method),
        "SoftLayer_User_Customer" => user_customer::handler(method),
        "SoftLayer_Locale_Timezone" => locale_timezone::handler(method),
        _ => None,
    }
}

/// Whether a call may change data (and so must run in the write transaction).
pub fn writes(call: &Call) -> bool {
    handler(&call.service, &call.method).is_some_and(|e| e.writes)
}

/// The members of a call's reply that are credentials (none for most methods).
pub fn secret_reply_members(service: &str, method: &str) -> &'static [&'static str] {
    handler(service, method).map_or(&[], |e| e.secret_reply)
}

/// Whether a call's method answers with a list (which transports may stream).
pub fn returns_list(call: &Call) -> bool {
    schema()
        .method(&call.service, &call.method)
        .is_some_and(|m| m.returns_list())
}

/// Whether a method of the schema has a handler here (for the coverage table and its test).
pub fn is_dispatched(service: &str, method: &str) -> bool {
    handler(service, method).is_some() || getter_of(service, method).is_some()
}

/// Whether a method is the getter of a relation the emulator keeps no data for, and so
/// always answers empty (for the coverage table).
pub fn answers_empty(service: &str, method: &str) -> bool {
    handler(service, method).is_none() && getter_of(service, method).is_some_and(|g| !g.kept)
}

/// The property a `get{Property}` method of a service reads.
struct Getter {
    property: String,
    /// Whether the store keeps the relation; the getter of one it does not answers empty.
    kept: bool,
}

/// `getUpdates` → `updates`, when the service's type has such a relational or count
/// property.
fn getter_of(service: &str, method: &str) -> Option<Getter> {
    let rest = method.strip_prefix("get")?;
    let mut chars = rest.chars();
    let first = chars.next()?;
    let name: String = first.to_lowercase().chain(chars).collect();
    let t = schema().type_def(service)?;
    let def = t.property(&name)?;
    let relation = match def.kind {
        PropertyKind::Local => return None,
        PropertyKind::Relational => name.clone(),
        PropertyKind::Count => crate::schema::counted_relation(t, &name)?.name.clone(),
    };
    Some(Getter {
        kept: store::has_relation(service, &relation),
        property: name,
    })
}

/// [`getter_of`] for a relation the store keeps.
fn getter_property(service: &str, method: &str) -> Option<String> {
    getter_of(service, method)
        .filter(|g| g.kept)
        .map(|g| g.property)
}

/// Answers a call whole (lists collected in memory), telling `observer` when the call
/// is admitted.
pub fn dispatch_whole(store: &Store, call: &Call, observer: &dyn Observer) -> Result<Reply, Fault> {
    dispatch_whole_in(store, None, call, observer)
}

/// [`dispatch_whole`] for a write, inside the write transaction already open on `conn`
/// (the writer thread's batch, store/group_commit.rs) instead of one of its own.
pub fn dispatch_write_in(
    store: &Store,
    conn: &Connection,
    call: &Call,
    observer: &dyn Observer,
) -> Result<Reply, Fault> {
    dispatch_whole_in(store, Some(conn), call, observer)
}

thread_local! {
    /// The warnings of the calls [`dispatch_whole`] answered with a fault on this thread.
    /// A fault goes through the codecs as a [`Fault`] alone; the pipeline that writes it
    /// takes them from here ([`take_fault_warnings`]) for the header and the journal.
    static FAULT_WARNINGS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The warnings of the faults [`dispatch_whole`] and [`dispatch_write_in`] gave on this
/// thread since the last take (none are left for the next call).
pub fn take_fault_warnings() -> Vec<String> {
    FAULT_WARNINGS.with(std::cell::RefCell::take)
}

fn dispatch_whole_in(
    store: &Store,
    open: Option<&Connection>,
    call: &Call,
    observer: &dyn Observer,
) -> Result<Reply, Fault> {
    let mut collected = Collect::default();
    let dispatched = dispatch_in(store, open, call, &mut collected, observer);
    if dispatched.is_err() {
        FAULT_WARNINGS.with(|w| w.borrow_mut().append(&mut collected.warnings));
    }
    match dispatched? {
        Some(reply) => Ok(reply),
        None => Ok(Reply {
            value: Value::Array(collected.items),
            type_name: schema()
                .method(&call.service, &call.method)
                .map(|m| m.returns.clone())
                .unwrap_or_default(),
            total: Some(collected.total),
            warnings: collected.warnings,
        }),
    }
}

/// Answers a call: a whole reply, or `None` when the answer was a list streamed into
/// `sink` (with its total first). `observer` is told when the call is admitted (its
/// caller known, its handler not yet run).
pub fn dispatch_observed(
    store: &Store,
    call: &Call,
    sink: &mut dyn ItemSink,
    observer: &dyn Observer,
) -> Result<Option<Reply>, Fault> {
    dispatch_in(store, None, call, sink, observer)
}

/// Tells `observer` whom a call to a service or method the API lacks came from, when its
/// credentials are good: the answer stays "not a valid method" whoever asks (the real API
/// names it before it authenticates), but a test that scopes the journal to its account
/// (`journal(account=…)`, README) must find its own misspelt call there.
pub fn admit_unserved(store: &Store, call: &Call, observer: &dyn Observer) {
    let Some(credentials) = &call.headers.credentials else {
        return;
    };
    let known = store.caller(credentials, || {
        store.read(|conn| crate::auth::caller(conn, credentials))
    });
    if let Ok((principal, _)) = known {
        let _ = observer.admitted(call, &principal);
    }
}

/// [`dispatch_observed`] in the transaction open on `open`, if any; otherwise in a read
/// or write transaction of its own, as the method needs.
fn dispatch_in(
    store: &Store,
    open: Option<&Connection>,
    call: &Call,
    sink: &mut dyn ItemSink,
    observer: &dyn Observer,
) -> Result<Option<Reply>, Fault> {
    if !schema().services.contains_key(&call.service) {
        admit_unserved(store, call, observer);
        return Err(Fault::ServiceNotFound {
            service: call.service.clone(),
            method: call.method.clone(),
        });
    }
    let not_found = || {
        admit_unserved(store, call, observer);
        Fault::MethodNotFound {
            service: call.service.clone(),
            method: call.method.clone(),
        }
    };
    let method = schema()
        .method(&call.service, &call.method)
        .ok_or_else(not_found)?;
    let entry = match handler(&call.service, &call.method) {
        Some(e) => e,
        None => match getter_of(&call.service, &call.method) {
            Some(Getter { kept: true, .. }) => read(relational_getter),
            Some(Getter { kept: false, .. }) => read(unkept_getter),
            None => return Err(not_found()),
        },
    };
    // A malformed init parameter is refused before anything else, as the real API's
    // XML-RPC layer does (-32602); a missing or unknown object only once the caller is
    // known, as any other answer about objects.
    let init_id = match init_id(call, method) {
        Err(Fault::MalformedInitParameter) => {
            // What explains it (a misnamed member, `ID`), told without the caller known:
            // it is about the call's own headers.
            sink.warn(&ignored_headers(call));
            return Err(Fault::MalformedInitParameter);
        }
        other => other,
    };
    // Every mask is validated against what the method returns before any work is done,
    // and refused once the caller is known: a bad mask is the caller's mistake, and
    // its fault is journaled under the caller's account (bad credentials still answer
    // as bad credentials, as the real API authenticates before it reads a mask).
    let returns = method.returns.trim_end_matches("[]");
    // Parsed and validated once per thread for the masks clients repeat, and then
    // shared by every call that sends the same text.
    let shared_mask = match &call.headers.mask {
        Some(MaskSource::Text(text)) => projection::parsed_mask(returns, text).map(Some),
        Some(MaskSource::Parsed(mask)) => {
            projection::validate(returns, mask).map(|()| Some(mask.clone()))
        }
        None | Some(MaskSource::Legacy(_)) => Ok(None),
    };
    let mut mask_ignored = None;
    let mask = match (&shared_mask, &call.headers.mask) {
        (Err(fault), _) => Err(fault.clone()),
        (Ok(Some(shared)), _) => Ok(Cow::Borrowed(&**shared)),
        (Ok(None), Some(MaskSource::Legacy(s))) => {
            let mask = ObjectMask::from_legacy(&legacy_mask_of_getter(call, returns, s));
            match projection::validate(returns, &mask) {
                Ok(()) => Ok(Cow::Owned(mask)),
                // A client sets a legacy mask once and it goes with every later call:
                // the PHP, Perl and Python clients' README examples mask getObject, then
                // call addUpdate with the mask still set, and the real API answered. On
                // a method that returns another type, a mask written for the service's
                // own type is ignored, as on that API; on the service's own type it is
                // still refused, and so is one that fits neither (`{editor, foo}` on
                // getUpdates: read as it stands, 'foo' is no property of the update).
                Err(_)
                    if !schema().is_a(returns, &call.service)
                        && fits_the_service(&call.service, s) =>
                {
                    mask_ignored = Some(format!(
                        "legacy object mask names properties of {}, not of the {returns} \
                         {} returns: ignored",
                        call.service, call.method
                    ));
                    Ok(Cow::Owned(ObjectMask::default()))
                }
                Err(fault) => Err(fault),
            }
        }
        (Ok(None), _) => Ok(Cow::Owned(ObjectMask::default())),
    };

    let mut run = |conn: &Connection| -> Result<Option<Reply>, Fault> {
        // Read before any statement of the call's transaction (it takes its snapshot
        // then): the remembered callers and facts are those of this version and clock.
        let read_at = crate::reply_cache::read_at(store);
        let looked_up = std::cell::Cell::new(false);
        let (principal, zone) = match &call.headers.credentials {
            _ if entry.anonymous => {
                let nobody = Principal {
                    user_id: 0,
                    account_id: 0,
                    username: String::new(),
                };
                (nobody, store::user_zone(conn, 0)?)
            }
            Some(credentials) => store.caller_at(read_at.0, credentials, || {
                looked_up.set(true);
                crate::auth::caller(conn, credentials)
            })?,
            None => {
                // What explains the fault: a misnamed header, or a header's misnamed members.
                let mut warnings = ignored_headers(call);
                if let Some(hint) = &call.headers.credentials_hint {
                    add_warning(&mut warnings, call, hint);
                }
                sink.warn(&warnings);
                return Err(crate::auth::no_credentials());
            }
        };
        // Admitted first: a call refused for its init parameter is still the caller's
        // (journaled with its account, which `journal(account=…)` finds).
        observer.admitted(call, &principal)?;
        // Told before anything can fail: a misnamed init-parameter header is what
        // explains the "Object does not exist" that follows.
        let mut warnings = ignored_headers(call);
        if let Some(text) = &mask_ignored {
            add_warning(&mut warnings, call, text);
        }
        // The refusals before the arguments are read; each keeps the warnings above.
        let checked = init_id.clone().and_then(|init_id| {
            // SLDN SoftLayer_Account::getObject: "You can only retrieve the account that
            // your portal user is assigned to". The id may be left out; any other is not
            // found, as another account's objects are.
            if call.service == "SoftLayer_Account"
                && let Some(given) = &call.headers.init_id
                && id_of(given) != Some(principal.account_id)
            {
                // The id it names, as every other service says it (`2001.0` is 2001).
                return Err(Fault::not_found(
                    id_of(given).map_or_else(|| as_sent(given), |id| id.to_string()),
                ));
            }
            let mask: &ObjectMask = mask.as_ref().map_err(Clone::clone)?;
            Ok((init_id, mask))
        });
        let (init_id, mask) = match checked {
            Ok(checked) => checked,
            Err(fault) => {
                sink.warn(&warnings);
                return Err(fault);
            }
        };
        let root = mask.cast.as_deref().unwrap_or(returns);
        let unkept = mask.remembered.unkept(root, || {
            let (mut names, mut more) = (Vec::new(), 0);
            unkept_relations(root, mask, &mut names, &mut more);
            if more > 0 {
                names.push(format!(
                    "and {more} more mask properties of data the emulator does not keep: left out"
                ));
            }
            names
        });
        for name in unkept.iter() {
            add_warning(&mut warnings, call, name);
        }
        let args = match coerce_args(call, method, entry.own_argument_faults, &mut warnings) {
            Ok(args) => args,
            Err(fault) => {
                sink.warn(&warnings);
                return Err(fault);
            }
        };
        let ctx = Ctx {
            conn,
            call,
            args: &args,
            principal: &principal,
            method,
            init_id,
            filter: call.headers.filter.as_ref(),
            filter_read: Default::default(),
            zone,
            warnings: std::cell::RefCell::new(warnings),
            mask,
        };
        // A fault keeps what the call was told before it failed: the ignored template
        // property is what explains "Please provide ticket contents.".
        let answered = (|| -> Result<Option<Reply>, Fault> {
            // filteredMask: the list's own filter also narrows the nested lists it names.
            let items_filter = if mask.filtered {
                let branch = getter_property(&call.service, &call.method);
                ctx.list_filter(returns, branch.as_deref())?
            } else {
                None
            };
            let projector = Projector {
                conn,
                mask,
                viewer: principal.user_id,
                account: principal.account_id,
                zone,
                filter: items_filter.as_ref(),
                budget: Default::default(),
                loaded: Loaded::across_calls(
                    store::AcrossCalls::new(store, read_at)
                        .with_mask(shared_mask.clone().ok().flatten()),
                ),
            };
            // Read again by the handler if it answers a list it filters.
            ctx.filter_read.set(false);
            let output = (entry.handler)(&ctx)?;
            if !ctx.filter_read.get() {
                warn_unapplied_filter(&ctx, returns, items_filter.as_ref());
            }
            let (value, total) = match output {
                Output::Object(row) => (projector.project(&row)?, None),
                Output::MaybeObject(None) => (Value::Null, None),
                Output::MaybeObject(Some(row)) => (projector.project(&row)?, None),
                Output::List(page) => {
                    let mut items = Vec::with_capacity(page.rows.len());
                    for row in &page.rows {
                        items.push(projector.project(row)?);
                    }
                    (Value::Array(items), Some(page.total))
                }
                Output::Rows { source, filter } => {
                    sink.warn(&ctx.warnings.take());
                    let query = ListQuery {
                        filter: filter.as_ref(),
                        limit: call.headers.limit,
                    };
                    // The sink's and the projection's faults travel around the store.
                    let sink = std::cell::RefCell::new(&mut *sink);
                    let failed = std::cell::RefCell::new(None);
                    let stop = |f: Fault| {
                        *failed.borrow_mut() = Some(f);
                        store::QueryError::Delivery
                    };
                    let streamed = store::list_each(
                        conn,
                        &source,
                        &query,
                        &mut |total, items| sink.borrow_mut().start(total, items).map_err(stop),
                        &mut |row| {
                            projector
                                .project_into(&row, &mut **sink.borrow_mut())
                                .map_err(stop)
                        },
                    );
                    if let Some(fault) = failed.into_inner() {
                        return Err(fault);
                    }
                    streamed.map_err(query_fault)?;
                    return Ok(None);
                }
                Output::Value(mut v) => {
                    projection::render_dates(&mut v, zone);
                    let total = match &mut v {
                        // A list a handler computed whole (getExtensionWhitelist) is paged
                        // here, as the store pages the lists it reads.
                        Value::Array(items) => {
                            let total = items.len() as u64;
                            if let Some(limit) = &call.headers.limit {
                                let offset = (limit.offset.min(total)) as usize;
                                let len = limit.page_len(total) as usize;
                                items.drain(..offset);
                                items.truncate(len);
                            }
                            Some(total)
                        }
                        _ => None,
                    };
                    (v, total)
                }
            };
            Ok(Some(Reply {
                value,
                type_name: method.returns.clone(),
                total,
                warnings: ctx.warnings.take(),
            }))
        })();
        if answered.is_err() {
            sink.warn(&ctx.warnings.take());
        }
        // A caller remembered at `read_at` holds only if the transaction read that data:
        // one remembered from before a reset or restore met the database that replaced
        // it, and the call answered that account 1001 does not exist. Checked after the
        // call, for the transaction has its snapshot only once it has read something
        // (taking it first cost every call a statement); a write in between is rare.
        if let Some(credentials) = &call.headers.credentials
            && !entry.anonymous
            && !looked_up.get()
            && !store.reads_at(conn, read_at.0)
            && crate::auth::caller(conn, credentials)? != (principal.clone(), zone)
        {
            return Err(Fault::busy(
                "the caller's user changed while the call ran (a reset, restore or import); \
                 call again",
            ));
        }
        answered
    };
    match open {
        Some(conn) => run(conn),
        None if entry.writes => store.write(run),
        None => store.read(run),
    }
}

impl From<store::StoreError> for Fault {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::IdsExhausted(_) => {
                Fault::documented(crate::call::ExceptionClass::Exception, e.to_string())
            }
            e => internal(e),
        }
    }
}

/// The init parameter: required ones must be there (absent: SoftLayer_Exception "Object
/// does not exist to execute method on."; present without an id: -32602) and name an
/// object (an id that is not a number names none, as slcli 6.2.9's `false` does).
fn init_id(call: &Call, method: &MethodDef) -> Result<Option<i64>, Fault> {
    let given = call.headers.init_id.as_ref();
    let required = method.requires_init(&call.service);
    if !required && !defaults_to_caller(&call.service, &call.method) {
        return Ok(given.and_then(id_of));
    }
    let raw = match given {
        None if required => return Err(Fault::no_init_object(&call.service, &call.method)),
        None => return Ok(None),
        Some(Value::Null) => return Err(Fault::MalformedInitParameter),
        Some(raw) => raw,
    };
    match id_of(raw) {
        Some(id) => Ok(Some(id)),
        None => Err(Fault::not_found(as_sent(raw))),
    }
}

/// An init parameter's id: a number, or text or base64 that spells one (Perl's clients
/// send text as base64, and SOAP's `xsd:base64Binary` id was already read as its text).
pub fn id_of(raw: &Value) -> Option<i64> {
    match raw {
        Value::Base64(bytes) => std::str::from_utf8(bytes).ok()?.php_trim().parse().ok(),
        other => other.as_i64(),
    }
}

/// Whether the service's methods act on the caller's own account or user when no init
/// parameter is sent. An id sent to them is still read as one: `abc` is not found (not
/// the caller), and a header without an id is malformed, as on every other service.
fn defaults_to_caller(service: &str, method: &str) -> bool {
    match service {
        "SoftLayer_Account" => true,
        // A login, and the caller's own token: no user of the init parameter's.
        "SoftLayer_User_Customer" => {
            !matches!(method, "getPortalLoginToken" | "getAuthenticationToken")
        }
        _ => false,
    }
}

/// An init parameter named as the client sent it: `abc`, `false`, `1.5`, `[1]`, a date
/// or base64's text as written, not in JSON's quotes.
fn as_sent(raw: &Value) -> String {
    match raw {
        Value::String(s) | Value::DateTime(s) => s.clone(),
        Value::Base64(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_string(),
            Err(_) => serde_json::Value::from(raw)
                .as_str()
                .unwrap_or_default()
                .to_string(),
        },
        other => serde_json::Value::from(other).to_string(),
    }
}

/// [`init_object`] for a handler whose reply is the object itself, shown by the call's
/// mask: of a type kept by account, only the columns the mask shows (and the projection
/// needs) are read.
pub fn init_object_shown(ctx: &Ctx) -> Result<Row, Fault> {
    init_object_as(
        ctx,
        store::Shown::ByMask(ctx.mask, ctx.mask.cast.as_deref()),
    )
}

/// The object a method's init parameter names, if the caller's account may see it. Objects
/// of another account are "not found", exactly like ids that do not exist.
pub fn init_object(ctx: &Ctx) -> Result<Row, Fault> {
    init_object_as(ctx, store::Shown::Everything)
}

/// [`init_object`], reading of an object kept by account what `shown` needs.
fn init_object_as(ctx: &Ctx, shown: store::Shown<'_>) -> Result<Row, Fault> {
    let service = ctx.call.service.as_str();
    let caller = ctx.principal;
    if service == "SoftLayer_Account" {
        return store::get(ctx.conn, service, caller.account_id)?
            .ok_or_else(|| Fault::not_found(caller.account_id));
    }
    if service == "SoftLayer_User_Customer" && ctx.init_id.is_none() {
        return store::get(ctx.conn, service, caller.user_id)?
            .ok_or_else(|| Fault::not_found(caller.user_id));
    }
    let id = ctx
        .init_id
        .ok_or_else(|| Fault::no_init_object(service, &ctx.call.method))?;
    let t = schema().type_def(service);
    let has = |p: &str| t.and_then(|t| t.property(p)).is_some();
    let row = if has("accountId") {
        store::get_owned_shown(ctx.conn, service, id, caller.account_id, shown)?
    } else if has("ticketId") {
        // Things on a ticket (files, updates) belong to the ticket's account.
        match store::get(ctx.conn, service, id)? {
            Some(row) => match row.get_i64("ticketId") {
                Some(ticket) => {
                    store::get_owned(ctx.conn, "SoftLayer_Ticket", ticket, caller.account_id)?
                        .map(|_| row)
                }
                None => None,
            },
            None => None,
        }
    } else {
        store::get(ctx.conn, service, id)?
    };
    row.ok_or_else(|| Fault::not_found(id))
}
/// `get{Property}` for any relational or count property the store can load.
fn relational_getter(ctx: &Ctx) -> Result<Output, Fault> {
    let property = getter_property(&ctx.call.service, &ctx.call.method).ok_or_else(|| {
        Fault::MethodNotFound {
            service: ctx.call.service.clone(),
            method: ctx.call.method.clone(),
        }
    })?;
    let parent = init_object(ctx)?;
    let t = schema()
        .type_def(&parent.type_name)
        .expect("service types are in the schema");
    let def = t.property(&property).expect("getter_property checked it");
    // Rows only some viewers are shown (a user's API key): to others none, as for a
    // user without one.
    let shown = match def.kind {
        PropertyKind::Count => crate::schema::counted_relation(t, &property).map(|r| &r.name),
        _ => Some(&property),
    };
    if let Some(shown) = shown
        && !store::shows_relation(ctx.conn, &parent, shown, ctx.principal.user_id)?
    {
        return Ok(match (def.kind, def.many) {
            (PropertyKind::Count, _) => Output::Value(Value::Int(0)),
            (_, true) => Output::Value(Value::Array(Vec::new())),
            (_, false) => Output::MaybeObject(None),
        });
    }
    if def.kind == PropertyKind::Relational && !def.type_name.starts_with("SoftLayer_") {
        let v = store::computed(ctx.conn, &parent, &property, ctx.principal.user_id)?;
        return Ok(Output::Value(v.unwrap_or(Value::Null)));
    }
    if def.kind == PropertyKind::Count {
        let counted = crate::schema::counted_relation(t, &property).expect("checked");
        let n = store::count_related(ctx.conn, &parent, &counted.name)?.unwrap_or(0);
        return Ok(Output::Value(Value::Int(n as i64)));
    }
    if def.many {
        let filter = ctx.list_filter(&def.type_name, Some(&property))?;
        let source = store::ListSource::Related { parent, property };
        return Ok(Output::Rows { source, filter });
    }
    let query = ListQuery {
        filter: None,
        limit: None,
    };
    let shown = store::Shown::Everything;
    // One row at most: a single relation.
    let related = store::related(ctx.conn, &parent, &property, &query, None, shown, u64::MAX);
    match related.map_err(query_fault)? {
        Some(Related::One(row)) => Ok(Output::MaybeObject(row.map(std::rc::Rc::unwrap_or_clone))),
        Some(Related::Many(_)) | None => Ok(Output::MaybeObject(None)),
    }
}

/// The getter of a relation the emulator keeps no data for (an account's
/// `getHardwarePools`). The API has it, so it is not "not a valid method": it answers as
/// a mask naming the relation does, with nothing (an empty list, null, a count of 0) and a
/// warning that says why. The object must still be the caller's to ask about.
fn unkept_getter(ctx: &Ctx) -> Result<Output, Fault> {
    let getter =
        getter_of(&ctx.call.service, &ctx.call.method).ok_or_else(|| Fault::MethodNotFound {
            service: ctx.call.service.clone(),
            method: ctx.call.method.clone(),
        })?;
    let parent = init_object(ctx)?;
    ctx.warn(&format!(
        "{} reads {} of {}, data the emulator does not keep: answered empty",
        ctx.call.method, getter.property, parent.type_name
    ));
    let def = schema()
        .type_def(&parent.type_name)
        .and_then(|t| t.property(&getter.property))
        .expect("getter_of checked it");
    // A flag or a number answers false or 0, as the API does for an account without the
    // thing (`PropertyDef::empty_value`).
    Ok(match def.empty_value() {
        Value::Null => Output::MaybeObject(None),
        empty => Output::Value(empty),
    })
}

/// Every object of the service's type (`getAllObjects`, `getAllTicketStatuses`, …).
pub fn all_of(ctx: &Ctx, type_name: &str, order: &str) -> Result<Output, Fault> {
    let filter = ctx.list_filter(type_name, None)?;
    let source = store::ListSource::All {
        type_name: type_name.to_string(),
        order: order.to_string(),
    };
    Ok(Output::Rows { source, filter })
}

/// One address, as the ticket's notification e-mails and a user's `email` take it: a
/// [`storable_email`], without RFC 5322's specials (`<z@x.com>`) or an invisible format
/// character (`a\u{200B}@x.com` showed as `a@x.com` everywhere, was kept beside it as
/// another address, and named no mailbox; [`email_refused_for`] says which), and within
/// RFC 5321's and RFC 1035's lengths.
pub(crate) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let special = |c: char| c.is_control() || "()<>[]\\:\"".contains(c);
    // RFC 5321 §4.5.3.1: a local part of at most 64 octets, a domain of at most 255;
    // RFC 1035: labels of at most 63 that neither start nor end with a hyphen. The
    // lengths are those of the ASCII form: a label in another script is sent as its
    // punycode (`xn--…`), of another length than its UTF-8.
    let ascii_len = |label: &str| {
        if label.is_ascii() {
            Some(label.len())
        } else {
            idna::punycode::encode_str(label).map(|p| "xn--".len() + p.len())
        }
    };
    let labels: Option<Vec<usize>> = domain.split('.').map(ascii_len).collect();
    let lengths_ok = labels.is_some_and(|labels| {
        labels.iter().all(|&n| n <= 63) && labels.iter().sum::<usize>() + labels.len() - 1 <= 255
    });
    storable_email(email)
        && local.len() <= 64
        && lengths_ok
        && domain
            .split('.')
            .all(|label| !label.starts_with('-') && !label.ends_with('-'))
        && !email.chars().any(special)
        && crate::value::format_character(email).is_none()
}

/// Why [`valid_email`] refused `email`, where the address does not show it: the invisible
/// format character it holds, by code point.
pub(crate) fn email_refused_for(email: &str) -> Option<String> {
    crate::value::format_character(email).map(|c| {
        format!(
            "it holds U+{:04X}, an invisible format character",
            u32::from(c)
        )
    })
}

/// An address as every build of the emulator has taken one, and an import still does (an
/// older build's export loads back): one `@`, every dot-separated part of either side
/// with something in it (`x@y..com`, `.x@y.com` and `x.@y.com` name no mailbox), a
/// dotted domain, and no space, line break or list separator, which would make a mail
/// header of its own (`a@b.test\r\nBcc: …`) or two addresses.
pub(crate) fn storable_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let parts_whole = |side: &str| side.split('.').all(|part| !part.is_empty());
    parts_whole(local)
        && domain.contains('.')
        && parts_whole(domain)
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';')
        && !domain.contains('@')
}

/// What tells two e-mail addresses apart: not their case, in any script, wherever an
/// address is compared (a ticket's additional addresses, the outbox's recipients and its
/// `to` filter, which is `sl_email_key` in SQL). The final sigma is a sigma: `ΣΑΣ`
/// lowers to `σας`, which `σασ` is in another case. No other letter changes (`ß` is not
/// `ss`, nor `ı` an `i`).
pub(crate) fn email_key(email: &str) -> String {
    email.to_lowercase().replace('ς', "σ")
}

/// An SLDN message template with its placeholders filled in: `<id>` and `{filename}` alike
/// ("Please refer to ticket <id>.", "A file named {filename} is already attached…"), so
/// every documented message is written from its page's text the same way.
pub fn sldn_message(template: &str, values: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        let value = value.to_string();
        out = out
            .replace(&format!("<{name}>"), &value)
            .replace(&format!("{{{name}}}"), &value);
    }
    out
}

/// The current time as the emulator stores dates (see `crate::time`).
pub fn now() -> String {
    crate::time::stamp()
}

/// Masked relational properties the emulator keeps no data for (most of
/// `SoftLayer_Account`'s 195, a user's `permissions`, hardware's `datacenter`): valid, so
/// not refused, but left out of the reply as an empty relation is, so the caller is told
/// which (an SLDN example reads `masterUser.id` of the reply and sends on a null). The
/// first eight are named in `out` and the rest counted in `more` (the warning header is
/// cut short). The mask was validated first, so its depth is bounded.
fn unkept_relations(type_name: &str, mask: &ObjectMask, out: &mut Vec<String>, more: &mut usize) {
    const AT_MOST: usize = 8;
    let Some(t) = schema().type_def(type_name) else {
        return;
    };
    for p in &mask.properties {
        let Some(def) = t.property(&p.name) else {
            continue;
        };
        let kept = match def.kind {
            // An object the API holds as a local property (a user's
            // `authenticationToken`) has no column here: answered absent.
            PropertyKind::Local if def.type_name.starts_with("SoftLayer_") => false,
            PropertyKind::Local => continue,
            // A relational flag or number (`scaledFlag`) too: the API computes it from
            // data the emulator does not keep, unless the store computes it as well.
            PropertyKind::Relational => kept_by_type_or_subtype(type_name, &def.name),
            PropertyKind::Count => match crate::schema::counted_relation(t, &p.name) {
                Some(counted) => kept_by_type_or_subtype(type_name, &counted.name),
                None => continue,
            },
        };
        if !kept {
            if out.len() == AT_MOST {
                *more += 1;
            } else {
                out.push(format!(
                    "mask property '{}' of {type_name} is data the emulator does not keep: left out",
                    p.name
                ));
            }
        } else if def.kind == PropertyKind::Relational {
            let inner = p.cast.as_deref().unwrap_or(&def.type_name);
            unkept_relations(inner, &p.children, out, more);
        }
    }
}

/// Where a filter's path from `type_name` first crosses a relation the emulator keeps no
/// data for (`users.userStatus.keyName` of an account: `userStatus`), or ends in the count
/// of one (`assignedUser.permissionCount`), by index.
fn unkept_step(type_name: &str, path: &[String]) -> Option<usize> {
    let mut at = schema().type_def(type_name)?;
    for (i, name) in path.iter().enumerate() {
        let def = at.property(name)?;
        if def.kind == PropertyKind::Count {
            let counted = crate::schema::counted_relation(at, name)?;
            return (counted.type_name.starts_with("SoftLayer_")
                && !kept_by_type_or_subtype(&at.name, &counted.name))
            .then_some(i);
        }
        if def.kind != PropertyKind::Relational {
            return None;
        }
        // A relational flag, number or text (`primaryIpAddress`): kept only if computed.
        if !def.type_name.starts_with("SoftLayer_") {
            return crate::store::relations::computed_for(&at.name, name)
                .is_none()
                .then_some(i);
        }
        if !kept_by_type_or_subtype(&at.name, name) {
            return Some(i);
        }
        at = schema().type_def(&def.type_name)?;
    }
    None
}

/// Whether the store loads `type_name.property`, or does for a subtype of it (an update's
/// `editor` is kept per kind of update).
fn kept_by_type_or_subtype(type_name: &str, property: &str) -> bool {
    // Worked out once: filters ask on every call, and a type's subtypes are found by
    // walking every type of the schema.
    static KEPT: std::sync::OnceLock<std::collections::HashSet<(&'static str, &'static str)>> =
        std::sync::OnceLock::new();
    let kept = KEPT.get_or_init(|| {
        let s = schema();
        let mut kept = std::collections::HashSet::new();
        for (sub, sub_def) in &s.types {
            for name in sub_def.properties.keys() {
                if !store::has_relation(sub, name) {
                    continue;
                }
                for (ancestor, ancestor_def) in &s.types {
                    if ancestor_def.property(name).is_some() && s.is_a(sub, ancestor) {
                        kept.insert((ancestor.as_str(), name.as_str()));
                    }
                }
            }
        }
        kept
    });
    kept.contains(&(type_name, property))
}

/// Whether a legacy mask is one of the service's own type: set for its getObject and
/// carried to a call that returns another type. A service that is no type has none.
fn fits_the_service(service: &str, legacy: &Struct) -> bool {
    schema().type_def(service).is_none()
        || projection::validate(service, &ObjectMask::from_legacy(legacy)).is_ok()
}

/// A legacy mask is an object of the service's own type (SLDN's C# article:
/// "SoftLayer_AccountObjectMask.mask is a SoftLayer_Account object", and before
/// `getHardware` it sets `mask.hardware`; the WSDL types `mask` so): on the getter of a
/// relational property, what it holds under that property's name is the mask of what the
/// getter returns. A mask written for the returned type itself, as XML-RPC scripts send
/// it, is read as it stands.
pub(crate) fn legacy_mask_of_getter<'m>(
    call: &Call,
    returns: &str,
    legacy: &'m Struct,
) -> Cow<'m, Struct> {
    let Some(property) = getter_property(&call.service, &call.method) else {
        return Cow::Borrowed(legacy);
    };
    let returned_has = schema()
        .type_def(returns)
        .is_some_and(|t| t.property(&property).is_some());
    match legacy.get(&property) {
        _ if returned_has => Cow::Borrowed(legacy),
        Some(Value::Struct(inner)) => Cow::Owned(inner.clone()),
        // A one-item array of the item type, as SLDN's C# article writes array relations.
        Some(Value::Array(items)) => match items.first() {
            Some(Value::Struct(inner)) => Cow::Owned(inner.clone()),
            _ => Cow::Owned(Struct::new()),
        },
        Some(_) => Cow::Owned(Struct::new()),
        None => Cow::Borrowed(legacy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::ExceptionClass;

    /// Whether `message` is an SLDN message template filled in: the template's text between
    /// its placeholders (`{filename}`, `<id>`) appears in order, the first part at the start.
    fn matches_template(template: &str, message: &str) -> bool {
        let mut literals = Vec::new();
        let mut rest = template.trim_end_matches('.');
        while let Some(open) = rest.find(['{', '<']) {
            let close = if rest[open..].starts_with('{') {
                '}'
            } else {
                '>'
            };
            literals.push(&rest[..open]);
            rest = rest[open..]
                .find(close)
                .map(|c| &rest[open + c + 1..])
                .unwrap_or("");
        }
        literals.push(rest);
        let mut at = 0;
        for (i, literal) in literals.iter().enumerate() {
            match message[at..].find(literal) {
                Some(0) => at += literal.len(),
                Some(p) if i > 0 => at += p + literal.len(),
                _ => return false,
            }
        }
        true
    }

    #[test]
    fn sldn_templates_match_filled_in_messages() {
        assert!(matches_template(
            "A file named {filename} is already attached to this ticket.",
            "A file named log.txt is already attached to this ticket."
        ));
        assert!(matches_template(
            "Invalid email address(es) found: {list of invalid email addresses}",
            "Invalid email address(es) found: a, b"
        ));
        assert!(matches_template(
            "You can only add final comments to a closed ticket.",
            "You can only add final comments to a closed ticket."
        ));
        assert!(!matches_template(
            "Please provide final comments.",
            "Please provide ticket contents."
        ));
    }

    #[test]
    fn placeholders_are_filled_the_same_way() {
        assert_eq!(
            sldn_message(
                "A cancellation ticket already exists for this server. Please refer to ticket <id>.",
                &[("id", &160000009)]
            ),
            "A cancellation ticket already exists for this server. Please refer to ticket 160000009."
        );
        assert_eq!(
            sldn_message(
                "A file named {filename} is already attached to this ticket.",
                &[("filename", &"log.txt")]
            ),
            "A file named log.txt is already attached to this ticket."
        );
        assert_eq!(
            sldn_message(
                "Unable to open an upgrade ticket on hardware id <$attachmentId>",
                &[("$attachmentId", &8101)]
            ),
            "Unable to open an upgrade ticket on hardware id 8101"
        );
    }

    /// Handlers name the class of each rule they raise; this checks every message a
    /// handler raises (the literal text of `exception(…)`, `public(…)` and
    /// `Fault::documented(ExceptionClass::…, …)` in the service sources) against the
    /// SLDN pages: where a page documents that message, the class is the page's.
    #[test]
    fn documented_faults_carry_the_class_sldn_gives_their_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
        let mut files = vec![];
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let raise = regex::Regex::new(
            r#"(?s)\b(exception|public|Fault::documented\(\s*ExceptionClass::(\w+),)\s*\(?\s*(?:&(?:format!|sldn_message)\(\s*)?"((?:[^"\\]|\\.)*)""#,
        )
        .unwrap();
        let templates: Vec<(&str, &str)> = schema()
            .services
            .values()
            .flat_map(|s| s.methods.values())
            .flat_map(|m| &m.exceptions)
            .filter(|e| !e.message.trim().is_empty())
            .map(|e| (e.class.as_str(), e.message.as_str()))
            .collect();
        let (mut checked, mut wrong) = (0, vec![]);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for c in raise.captures_iter(&text) {
                let class = match (&c[1], c.get(2)) {
                    ("exception", _) => "SoftLayer_Exception".to_string(),
                    ("public", _) => "SoftLayer_Exception_Public".to_string(),
                    (_, Some(class)) => ExceptionClass::from_name(&format!(
                        "SoftLayer_Exception_{}",
                        class.as_str()
                    ))
                    .or(ExceptionClass::from_name(&format!(
                        "SoftLayer_{}",
                        class.as_str()
                    )))
                    .map(|c| c.name().to_string())
                    .unwrap_or_default(),
                    _ => continue,
                };
                // The literal with its format! placeholders, as a filled-in message.
                let message = c[3].replace("{}", "x");
                for (documented, template) in &templates {
                    if matches_template(template, &message) {
                        checked += 1;
                        if *documented != class {
                            wrong.push(format!(
                                "{}: {message:?} is {class}, SLDN says {documented} ({template:?})",
                                file.display()
                            ));
                        }
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert!(
            checked > 30,
            "only {checked} messages matched an SLDN template"
        );
    }
}
