//! The REST transport: `/rest/v3/…` and `/rest/v3.1/…`, as softlayer-python's REST
//! transport, softlayer-go, terraform and the SLDN curl examples use it
//! (`shared/reference/sldn/articles/rest.md`). Like the other codecs it only turns HTTP
//! into [`Call`]s and answers back into HTTP; the handlers, masks, filters and limits are
//! the ones every transport shares.
//!
//! # Requests
//!
//! The path after the version is `{Service}[/{id}][/{method}[/{arg}…]][.json|.xml|.txt]`:
//!
//! * The extension picks the output format; without one the answer is JSON.
//! * A segment of digits right after the service is the init parameter (`{Service}InitParameters.id`).
//!   So is any other segment that is not a method but is followed by one
//!   (`SoftLayer_Ticket/False/getObject`, which slcli 6.2.9 sends after `ticket create`):
//!   the dispatcher then reports that no such object exists.
//! * A method is named as in the schema, or by its relational property
//!   (`Updates` or `updates` for `getUpdates`, only when the service has that method).
//!   Names match case-insensitively, as they do on the real API.
//! * Without a method, `GET` calls `getObject`, `POST` `createObject`, `PUT` `editObject`
//!   and `DELETE` `deleteObject`; on the ticket services most of these do not exist and
//!   answer 404 like any unknown method.
//! * Segments after a method that takes parameters are its first arguments, typed by the
//!   schema (`…/addAttachedHardware/8002` passes the int 8002).
//! * `POST`, `PUT` and `GET` bodies are `{"parameters": [...]}` in JSON, or the same shape in
//!   XML: `<root><parameters><item>…</item></parameters></root>` (any element names;
//!   `<parameters>` may be the root), values written as this module writes them, and
//!   typed by the method's parameter types and the schema's property types. Their
//!   arguments follow those of the path. `DELETE` bodies are ignored.
//! * Segments after a method that takes no parameters walk its result, as the article's
//!   "REST URL tricks" do: `SoftLayer_Account/getTickets/5` is the ticket with id 5 of that
//!   list, `SoftLayer_Account/Tickets/5/Updates` its updates, `…/Updates/77` one of them.
//!   The walk is one call to the first method with the relational properties folded into
//!   the object mask (which travels parsed), and the first id an id condition the list's
//!   SQL applies ([`crate::call::CallHeaders::item_id`]), so `getTickets/5` reads one row
//!   of 200,000; each later id narrows its relation as the call projects it
//!   ([`crate::schema::mask::MaskProperty::pick`]), so what is nested under `Updates/77`
//!   is projected for that update alone; the result is then picked apart here
//!   ([`Request::run`]); `objectFilter` still
//!   starts at the service's type, and `resultLimit` pages the final list. When an item
//!   picked from a list has a service of its own and the next segment is one of that
//!   service's methods (or the request is a `POST`, `PUT` or `DELETE` ending at the item),
//!   the call moves to that service (`SoftLayer_Account/Tickets/5/addUpdate` is
//!   `SoftLayer_Ticket/5/addUpdate`), after a first call has shown the item is in the list.
//! * Query parameters: `objectMask` (with or without `mask[...]`), `objectFilter` (JSON) and
//!   `resultLimit` (`offset,limit` or `limit`; a limit of 0, which softlayer-python sends
//!   when it only has an offset, means no limit). Others are ignored.
//! * Credentials come from HTTP Basic (the server decodes them; `apikey:KEY` is handled by
//!   authentication like any other username).
//!
//! # Answers
//!
//! JSON is the value as JSON. XML is `<root>` holding the value: struct members as
//! elements named after them, list items as `<item>` elements, `true`/`false`, null as an
//! empty element. Text (`.txt`) is a scalar as plain text (null as an empty body) and
//! anything else as JSON. List results carry `SoftLayer-Total-Items`; JSON and XML lists
//! of a direct call stream item by item (one that ends within its first 64 KiB goes whole,
//! with its length).
//!
//! With `SoftLayer-Include-Types: true` (softlayer-java sends it on every call), every
//! JSON object starts with a `complexType` member naming its SoftLayer type: the object's
//! own type when it was read from the store (an update's `editor` is a
//! `SoftLayer_User_Customer` or a `SoftLayer_User_Employee`), else the type its place
//! declares. softlayer-java's reader fails on an object whose first member is anything
//! else ("Expected 'complexType' as first property").
//!
//! Faults are `{"error": message, "code": class}` (`<root><error/><code/></root>` for
//! `.xml`, JSON for `.txt`), with a status its kind gives ([`status_of`]): 401 without valid
//! credentials, 404 for an unknown service, method or object, 405 for an HTTP method
//! REST does not use, 500 for the API's own exceptions (a method's documented rule, an
//! object mask it cannot use) as the real API answers them, and for the server's own
//! failures, and 400 for a request that cannot be read as a call at all.
//! softlayer-python raises `SoftLayerAPIError(status, error)` for any of them, and slcli
//! prints it.

use std::borrow::Cow;

use crate::call::{Call, Credentials, Fault, NestedPath, Reply};
use crate::protocol::HttpAnswer;
use crate::protocol::codec::{Codec, ListWriter};
use crate::schema::schema;
use crate::value::Value;

mod args;
mod path;
mod route;
#[cfg(test)]
mod tests;
mod write;

pub(crate) use path::percent_decode;
use path::{Verb, parse_query, refuse_forbidden_text, refuse_forbidden_value, split_path};
use route::{Ctx, Navigation, route};
use write::{JsonList, XmlList, message_of};
pub use write::{no_service, status_of, write_fault, write_reply};

/// The output format a request asks for with its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Text,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Text => "text/plain; charset=utf-8",
        }
    }
}

/// The message of the fault for a service this server does not have (rest.md's wording).
pub const NO_SERVICE: &str = "Service does not exist";

// ---------------------------------------------------------------------------------------
// The public entry points

/// One REST request, parsed: the call to dispatch and what to make of its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub call: Call,
    pub format: Format,
    /// How to find the answer inside the call's result (nested resource paths).
    nav: Navigation,
    /// A call that must succeed first: it shows that a nested item the call acts on is
    /// in the list the path took it from.
    guard: Option<Box<Request>>,
    /// A guard whose walk ends at a single relation's object, on which the guarded call
    /// acts (`SoftLayer_Ticket/5/AssignedUser/getObject`): that object's id, known once
    /// this has run, is the guarded call's init parameter.
    gives_init: bool,
    /// The path as sent, when the answer is walked out of the call's result.
    nested: Option<NestedPath>,
    /// The path as sent, when the call's object is found or checked as it runs (it has a
    /// guard): the journal's record of the call if no object was found (a relation to
    /// nothing, another account's, an item not in its list), which `replay` sends again
    /// rather than the call alone (which ran on the caller's own object, or on the item
    /// whatever list it is in).
    relation_path: Option<NestedPath>,
    /// Set once the guard found the call's object and the call itself ran, with that
    /// object's id when the guard gave it ([`Request::gives_init`]): for the journal,
    /// whose call names none.
    guard_passed: std::sync::OnceLock<Option<i64>>,
    /// How many of the path's last segments name the call's method and its arguments
    /// (`getPortalLoginToken/demo/secret`: 3); none when the verb gives the method.
    method_segments: usize,
}

impl Request {
    /// Dispatches the call (after its guard, if any) and walks the result down to what the
    /// path names.
    pub fn run(
        &self,
        dispatch: &mut dyn FnMut(&Call) -> Result<Reply, Fault>,
    ) -> Result<Reply, Fault> {
        let mut on_found = None;
        if let Some(guard) = &self.guard {
            let found = guard.run(dispatch)?;
            let mut gave = None;
            if guard.gives_init {
                // No object there (a ticket assigned to no one): as a missing init
                // parameter is answered.
                let Some(id) = found.value.get("id").and_then(Value::as_i64) else {
                    return Err(Fault::no_init_object(&self.call.service, &self.call.method));
                };
                let mut call = self.call.clone();
                call.headers.init_id = Some(Value::Int(id));
                gave = Some(id);
                on_found = Some(call);
            }
            let _ = self.guard_passed.set(gave);
        }
        let reply = dispatch(on_found.as_ref().unwrap_or(&self.call))?;
        self.nav.apply(reply)
    }

    /// Whether the reply of [`Request::call`] is the answer as it stands, so that
    /// `dispatch` then [`write_reply`] is all the request needs.
    #[cfg(test)]
    pub fn is_direct(&self) -> bool {
        self.guard.is_none() && self.nav.steps.is_empty()
    }
}

/// Answers one REST request: parse, dispatch (through `dispatch`), and write the reply
/// or fault. The server's pipeline does these steps itself (it streams); the unit tests
/// use this.
#[cfg(test)]
pub fn handle(
    http_method: &str,
    rest_path: &str,
    query: Option<&str>,
    basic: Option<Credentials>,
    body: &[u8],
    mut dispatch: impl FnMut(&Call) -> Result<Reply, Fault>,
) -> HttpAnswer {
    match parse(http_method, rest_path, query, basic, body) {
        Err((fault, format)) => write_fault(&fault, format),
        Ok(request) => match request.run(&mut dispatch) {
            Ok(reply) => write_reply(&reply, request.format, false),
            Err(fault) => write_fault(&fault, request.format),
        },
    }
}

/// Parses a request under `/rest/{version}/`: `rest_path` is what follows the version
/// segment, still percent-encoded (e.g. "SoftLayer_Ticket/5/getUpdates.json"), `query`
/// the raw query string.
pub fn parse(
    http_method: &str,
    rest_path: &str,
    query: Option<&str>,
    basic: Option<Credentials>,
    body: &[u8],
) -> Result<Request, (Fault, Format)> {
    let (segments, format) = split_path(rest_path);
    let fail = |fault: Fault| (fault, format);
    let segments = segments.map_err(fail)?;
    for segment in &segments {
        refuse_forbidden_text(segment, || "in the URL path".to_string()).map_err(fail)?;
    }
    let verb = Verb::parse(http_method).ok_or_else(|| {
        fail(Fault::UnsupportedVerb {
            verb: http_method.to_string(),
        })
    })?;
    let query = parse_query(query).map_err(fail)?;
    if let Some(mask) = &query.mask {
        refuse_forbidden_text(mask, || "in objectMask".to_string()).map_err(fail)?;
    }
    if let Some(filter) = &query.filter {
        refuse_forbidden_value(filter, "in objectFilter", None).map_err(fail)?;
    }
    let Some((service, rest)) = segments.split_first() else {
        return Err(fail(no_service("", "")));
    };
    let ctx = Ctx {
        verb,
        format,
        query: &query,
        credentials: &basic,
        body,
    };
    let mut request = route(&ctx, service, rest, None).map_err(fail)?;
    // The arguments, from the body (JSON or XML) and the path alike.
    let mut checked = Some(&request);
    while let Some(r) = checked {
        for arg in &r.call.args {
            refuse_forbidden_value(arg, "in the parameters", None).map_err(fail)?;
        }
        checked = r.guard.as_deref();
    }
    // A call moved to a nested item's own service (`…/Tickets/5/addUpdate`) is that
    // service's call as it stands; a walked result needs the path to be asked again.
    let path = || -> Result<NestedPath, (Fault, Format)> {
        Ok(NestedPath {
            segments: segments.clone(),
            mask: query.parsed_mask().map_err(fail)?.map(|m| m.to_string()),
            limit: query.limit,
            verb: None,
        })
    };
    if !request.nav.steps.is_empty() {
        request.nested = Some(path()?);
    } else if request.guard.is_some() {
        // The walk to the object, then the method by name: the arguments are the
        // journal's own (a password in the path is redacted there), and a method the
        // verb gave (`PUT …/AssignedUser`) is one `replay` could not send otherwise.
        let mut path = path()?;
        path.segments
            .truncate(path.segments.len().saturating_sub(request.method_segments));
        path.segments.push(request.call.method.clone());
        request.relation_path = Some(path);
    }
    Ok(request)
}

/// [`parse`] for the callers that dispatch themselves. The call is the whole request
/// when [`Request::is_direct`]; a nested resource path (`…/getTickets/5/Updates`) also
/// needs [`Request::run`], so [`handle`] is the entry point that serves every form.
#[cfg(test)]
pub fn parse_request(
    http_method: &str,
    rest_path: &str,
    query: Option<&str>,
    basic: Option<Credentials>,
    body: &[u8],
) -> Result<(Call, Format), (Fault, Format)> {
    parse(http_method, rest_path, query, basic, body).map(|r| (r.call, r.format))
}

/// The format a path asks for, for faults the server raises before parsing (a body too
/// large to read, a handler that panicked).
pub fn format_of(rest_path: &str) -> Format {
    split_path(rest_path).1
}

/// The request header that asks for each object's type in JSON answers.
pub const INCLUDE_TYPES_HEADER: &str = "SoftLayer-Include-Types";

/// Whether [`INCLUDE_TYPES_HEADER`]'s value asks for types (`true`, as softlayer-java
/// sends it, or `1`).
pub fn includes_types(value: Option<&[u8]>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim_ascii();
        v.eq_ignore_ascii_case(b"true") || v == b"1"
    })
}

/// REST at `/rest/v3[.1]/…`: the path, query and HTTP method name the call.
pub struct RestCodec {
    pub http_method: String,
    /// What follows the version segment, still percent-encoded.
    pub rest_path: String,
    pub query: Option<String>,
    pub basic: Option<Credentials>,
    /// Known from the path's extension before anything is parsed, so that every fault
    /// (a body too large to read, too) comes in the format asked for.
    pub format: Format,
    /// The parsed request, for [`Codec::run`].
    request: Option<Request>,
    /// A request refused for the method or service its path names, as the journal keeps
    /// it: as the call it names alone (`SoftLayer_Hardware::getObject` for
    /// `…/getAttachedHardware/8001/getObject`, a DELETE as a GET), `replay` sent another.
    refused_path: Option<NestedPath>,
    /// `SoftLayer-Include-Types`: JSON objects lead with their `complexType`.
    include_types: bool,
}

impl RestCodec {
    pub fn new(
        http_method: String,
        rest_path: String,
        query: Option<String>,
        basic: Option<Credentials>,
        include_types: bool,
    ) -> RestCodec {
        RestCodec {
            http_method,
            format: format_of(&rest_path),
            rest_path,
            query,
            basic,
            request: None,
            refused_path: None,
            include_types,
        }
    }
}

impl Codec for RestCodec {
    fn transport(&self) -> &'static str {
        "rest"
    }

    fn parse(&mut self, body: &[u8]) -> Result<Call, Fault> {
        let request = parse(
            &self.http_method,
            &self.rest_path,
            self.query.as_deref(),
            self.basic.clone(),
            body,
        )
        .map_err(|(fault, _)| {
            let unserved = matches!(
                fault,
                Fault::ServiceNotFound { .. } | Fault::MethodNotFound { .. }
            );
            if unserved {
                // Sent as a GET, a refused PUT or POST (`PUT …/getAttachedHardware/8001`)
                // read on replay, and a DELETE that names a method read too.
                let verb = match Verb::parse(&self.http_method) {
                    Some(Verb::Post) => Some("POST"),
                    Some(Verb::Put) => Some("PUT"),
                    Some(Verb::Delete) => Some("DELETE"),
                    Some(Verb::Get) | None => None,
                };
                self.refused_path = split_path(&self.rest_path)
                    .0
                    .ok()
                    .map(|segments| NestedPath {
                        segments,
                        mask: None,
                        limit: None,
                        verb,
                    });
            }
            fault
        })?;
        let call = request.call.clone();
        self.request = Some(request);
        Ok(call)
    }

    fn fallback_credentials(&self) -> Option<&Credentials> {
        self.basic.as_ref()
    }

    fn nested_path(&self) -> Option<&NestedPath> {
        let Some(request) = self.request.as_ref() else {
            return self.refused_path.as_ref();
        };
        match (&request.nested, request.guard_passed.get()) {
            (Some(nested), _) => Some(nested),
            (None, None) => request.relation_path.as_ref(),
            (None, Some(_)) => None,
        }
    }

    fn ran_on(&self) -> Option<i64> {
        *self.request.as_ref()?.guard_passed.get()?
    }

    fn run(
        &self,
        call: &Call,
        dispatch: &mut dyn FnMut(&Call) -> Result<Reply, Fault>,
    ) -> Result<Reply, Fault> {
        match &self.request {
            Some(request) => request.run(dispatch),
            None => dispatch(call),
        }
    }

    fn write_reply(&self, _call: &Call, reply: &Reply) -> HttpAnswer {
        let mut answer = write_reply(reply, self.format, self.include_types);
        answer.headers.clear();
        answer
    }

    fn write_fault(&self, fault: &Fault) -> HttpAnswer {
        write_fault(fault, self.format)
    }

    fn status_of(&self, fault: &Fault) -> u16 {
        status_of(fault)
    }

    fn fault_message<'f>(&self, fault: &'f Fault) -> Cow<'f, str> {
        message_of(fault)
    }

    fn reply_content_type(&self) -> &'static str {
        self.format.content_type()
    }

    /// The JSON body is the value as the journal keeps it, unless it carries each
    /// object's `complexType` (the journal holds values, which replays compare).
    fn reply_body(&self) -> Option<crate::call::ReplyBody> {
        (self.format == Format::Json && !self.include_types)
            .then_some(crate::call::ReplyBody::ValueJson)
    }

    /// A list read straight from its method (no nested path to walk) streams as JSON,
    /// XML or text, byte for byte what the whole reply would be.
    fn list_writer(&self, call: &Call) -> Option<Box<dyn ListWriter>> {
        let request = self.request.as_ref()?;
        if request.guard.is_some() || !request.nav.steps.is_empty() {
            return None;
        }
        // With types, the items' declared type: what the method returns a list of.
        let item_type = self
            .include_types
            .then(|| {
                schema()
                    .method(&call.service, &call.method)?
                    .returns
                    .strip_suffix("[]")
            })
            .flatten();
        match self.format {
            Format::Json => Some(Box::new(JsonList {
                first: true,
                item_type,
            })),
            Format::Xml => Some(Box::new(XmlList)),
            // A list as text is its JSON, without types; built whole, a list `.json`
            // served was over the work budget.
            Format::Text => Some(Box::new(JsonList {
                first: true,
                item_type: None,
            })),
        }
    }
}
