//! Routing: from a REST path's segments to the call to make, and the walk of its result.

use super::args::{body_args, scalar_from_text, unread_get_body};
use super::path::{Query, Verb, id_value, is_id};
use super::write::{ENDS_IN_A_SERVICE, no_service};
use super::{Format, Request};
use crate::call::{Call, CallHeaders, Credentials, Fault, MaskSource, Reply, ResultLimit};
use crate::schema::mask::{MaskProperty, ObjectMask};
use crate::schema::{MethodDef, ParameterDef, PropertyDef, PropertyKind, ServiceDef, schema};
use crate::value::Value;

/// What every step of routing needs from the request.
pub(super) struct Ctx<'a> {
    pub(super) verb: Verb,
    pub(super) format: Format,
    pub(super) query: &'a Query,
    pub(super) credentials: &'a Option<Credentials>,
    pub(super) body: &'a [u8],
}

fn method_not_found(service: &str, method: &str) -> Fault {
    Fault::MethodNotFound {
        service: service.to_string(),
        method: method.to_string(),
    }
}

/// The service of that name, matched exactly or else case-insensitively.
pub(super) fn find_service(name: &str) -> Option<(&'static str, &'static ServiceDef)> {
    let services = &schema().services;
    services
        .get_key_value(name)
        .or_else(|| services.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(k, v)| (k.as_str(), v))
}

/// The method a segment names: itself, or the getter of the property it names
/// (`Updates` → `getUpdates`) when the service has one.
fn find_method(def: &'static ServiceDef, segment: &str) -> Option<&'static str> {
    let lookup = |name: &str| {
        def.methods
            .get_key_value(name)
            .or_else(|| {
                def.methods
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
            })
            .map(|(k, _)| k.as_str())
    };
    if segment.is_empty() {
        return None;
    }
    lookup(segment).or_else(|| lookup(&format!("get{segment}")))
}

/// The relational (or count) property of `type_name` a nested segment names: `Updates`,
/// `updates` or `getUpdates`.
fn find_property(type_name: &str, segment: &str) -> Option<&'static PropertyDef> {
    let t = schema().type_def(type_name)?;
    let name = segment
        .strip_prefix("get")
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or(segment);
    let property = t.property(name).or_else(|| {
        t.properties
            .values()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    })?;
    matches!(
        property.kind,
        PropertyKind::Relational | PropertyKind::Count
    )
    .then_some(property)
}

/// `{Service}[/{id}][/{method}[/…]]` with `segs` the segments after the service.
pub(super) fn route(
    ctx: &Ctx,
    service_segment: &str,
    segs: &[String],
    guard: Option<Box<Request>>,
) -> Result<Request, Fault> {
    let Some((service, def)) = find_service(service_segment) else {
        // Named by the method the path calls (after an id), or the verb's own, for the
        // journal and the metrics, as an unknown service's XML-RPC call is.
        let mut called = segs.iter().skip_while(|s| is_id(s)).take(1);
        let method = called
            .next()
            .map_or(ctx.verb.implicit_method(), String::as_str);
        return Err(no_service(service_segment, method));
    };
    let mut rest = segs;

    let mut init_id = None;
    if let Some(first) = rest.first() {
        let next_is_method = rest.get(1).is_some_and(|s| find_method(def, s).is_some());
        if is_id(first) || (next_is_method && find_method(def, first).is_none()) {
            // A service where the id goes: an endpoint URL that names a service already
            // (`…/rest/v3.1/SoftLayer_Account/`), to which the client adds its own. Still
            // the API's not-found, with the likely cause (it was the bare not-found).
            if !is_id(first) && find_service(first).is_some() {
                return Err(Fault::NotFound {
                    class: crate::call::ExceptionClass::ObjectNotFound,
                    message: format!(
                        "Unable to find object with id of '{first}'. {first} is a service: \
                         {ENDS_IN_A_SERVICE}"
                    ),
                });
            }
            init_id = Some(id_value(first));
            rest = &rest[1..];
        }
    }

    // A method named in the path, rather than the verb's own (`DELETE` is deleteObject).
    let named = !rest.is_empty();
    // Named by a relational property (`…/AssignedUser`) rather than as a method: not by
    // a method's name without its `get` (`…/AttachedFile`, as softlayer-java names every
    // method), whose POST body is its parameters.
    let by_property = rest.first().is_some_and(|segment| {
        find_method(def, segment).is_some_and(|m| !m.eq_ignore_ascii_case(segment))
            && find_property(service, segment).is_some()
    });
    let method = match rest.first() {
        Some(segment) => {
            let method = find_method(def, segment).ok_or_else(|| match ctx.verb {
                // A method the service lacks is no better under DELETE (below).
                Verb::Delete => no_service(service_segment, segment),
                _ => method_not_found(service, segment),
            })?;
            rest = &rest[1..];
            method.to_string()
        }
        None => ctx.verb.implicit_method().to_string(),
    };
    let method_def = def.methods.get(&method);
    let params: &[ParameterDef] = method_def.map(|m| m.parameters.as_slice()).unwrap_or(&[]);
    // The real API deletes by `DELETE /{Service}/{id}` alone: a path that ends in a call
    // of a named method answers 404 "Service does not exist" (softlayer-python issue 962,
    // which is why that client sends deleteObject as GET). A path walked on to a nested
    // item (`…/Subjects/1005`) deletes that item.
    let walks_on = params.is_empty() && !rest.is_empty();
    if ctx.verb == Verb::Delete && named && !walks_on {
        return Err(no_service(service_segment, &method));
    }

    let headers = CallHeaders {
        credentials: ctx.credentials.clone(),
        init_id,
        mask: None,
        filter: ctx.query.filter.clone(),
        limit: ctx.query.limit,
        item_id: None,
        strict_templates: true,
        ignored: Vec::new(),
        credentials_hint: None,
        notes: ctx.query.notes.clone(),
    };

    match method_def {
        Some(method_def) if !rest.is_empty() && params.is_empty() => {
            navigate(ctx, service, method, headers, method_def, rest, guard)
        }
        // PUT or POST on a single relation (`…/AssignedUser`): a walk of no step, whose
        // end [`navigate`] hands to the verb's own method of the object it names.
        Some(method_def)
            if rest.is_empty()
                && by_property
                && params.is_empty()
                && matches!(ctx.verb, Verb::Put | Verb::Post) =>
        {
            navigate(ctx, service, method, headers, method_def, rest, guard)
        }
        _ => {
            if rest.len() > params.len() {
                return Err(Fault::bad_argument(format!(
                    "Too many parameters in the URL: {method} takes {}, the URL gives {}.",
                    params.len(),
                    rest.len()
                )));
            }
            let mut args: Vec<Value> = rest
                .iter()
                .zip(params)
                .map(|(raw, p)| scalar_from_text(raw, &p.type_name))
                .collect();
            let mut headers = headers;
            // An unknown implicit method (createObject…) answers 404 whatever the body.
            let unread = unread_get_body(ctx);
            if unread == Some(true) {
                headers.notes.push(
                    "the GET's body is neither JSON nor XML and was not read; send \
                     {\"parameters\": [...]}"
                        .to_string(),
                );
            }
            if ctx.verb.reads_body() && method_def.is_some() && unread.is_none() {
                let remaining = &params[args.len()..];
                args.extend(body_args(ctx.body, remaining, &mut headers.notes)?);
            }
            headers.mask = ctx.query.parsed_mask()?.map(MaskSource::Parsed);
            Ok(Request {
                call: Call {
                    service: service.to_string(),
                    method,
                    headers,
                    args,
                },
                format: ctx.format,
                nav: Navigation::default(),
                guard,
                gives_init: false,
                nested: None,
                relation_path: None,
                guard_passed: Default::default(),
                method_segments: usize::from(named) + rest.len(),
            })
        }
    }
}

/// One step down a nested resource path.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Step {
    /// The item with this id, from a list (or the single object, if it has that id).
    Pick(String),
    /// A relational property of the current object.
    Property(String),
}

/// What to do with a call's result to answer a nested resource path.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Navigation {
    pub(super) steps: Vec<Step>,
    /// The caller's result limit, for the final list.
    pub(super) limit: Option<ResultLimit>,
    /// Drop the `id` added to the caller's mask only to pick the final item by it.
    pub(super) strip_id: bool,
    /// The type of the final value, as [`Reply::type_name`] gives it.
    pub(super) type_name: String,
    /// What a path ending in a relational property answers when the result leaves it
    /// out (data the emulator does not keep): what the property's getter answers, an
    /// empty list or 0 rather than null.
    absent: Option<Value>,
}

/// The walk after a method without parameters: `rest` alternates ids and relational
/// properties.
fn navigate(
    ctx: &Ctx,
    service: &str,
    method: String,
    headers: CallHeaders,
    method_def: &MethodDef,
    rest: &[String],
    guard: Option<Box<Request>>,
) -> Result<Request, Fault> {
    let mut walk = Walk {
        service,
        method,
        headers,
        type_name: method_def.returns.trim_end_matches("[]").to_string(),
        many: method_def.returns_list(),
        steps: Vec::new(),
        properties: Vec::new(),
        picked: false,
        last_property: None,
    };
    for (i, segment) in rest.iter().enumerate() {
        if is_id(segment) && !walk.picked {
            walk.steps.push(Step::Pick(segment.clone()));
            // A pick after a relation narrows that relation as it is projected.
            if let Some((_, pick)) = walk.properties.last_mut() {
                *pick = segment.parse().ok();
            }
            walk.picked = true;
            walk.many = false;
            continue;
        }
        // A count of an object some service serves is that service's method or nothing
        // (`…/Tickets/5/getUpdateCount` answered what `SoftLayer_Ticket/5/getUpdateCount`
        // calls "not a valid method", and `getAttachedHardwareCount` applied the mask to
        // its number): it is looked up as one below.
        let served = schema().services.contains_key(&walk.type_name);
        if let Some(property) = find_property(&walk.type_name, segment)
            .filter(|p| !(served && p.kind == PropertyKind::Count))
        {
            if walk.many {
                return Err(Fault::bad_argument(format!(
                    "{segment} is a property of one {}: put the id of one before it \
                     (…/{{id}}/{segment}).",
                    walk.type_name
                )));
            }
            walk.steps.push(Step::Property(property.name.clone()));
            walk.properties.push((property.name.clone(), None));
            walk.last_property = Some(property);
            walk.type_name = property.type_name.clone();
            walk.many = property.many;
            walk.picked = false;
            continue;
        }
        if walk.picked && schema().services.contains_key(&walk.type_name) {
            // A method of the picked item's own service: call it there.
            let item_service = walk.type_name.clone();
            let guard = Box::new(walk.request(ctx, true, guard)?);
            return route(ctx, &item_service, &rest[i - 1..], Some(guard));
        }
        if !walk.many && schema().services.contains_key(&walk.type_name) {
            // A method of a single object's own service, the object a relation (or a
            // getter: `…/getAssignedUser/getObject`) names: called on it, found first
            // (it was "not a valid method for this service").
            let item_service = walk.type_name.clone();
            // The object is the relation's: a segment before the method is no id of it
            // (`…/AssignedUser/foo/getObject` acted on the assigned user, and a write on
            // another object than the one typed), as `SoftLayer_User_Customer/foo/…`
            // finds no object.
            if let Some((_, def)) = find_service(&item_service)
                && find_method(def, segment).is_none()
                && rest.get(i + 1).is_some()
            {
                return Err(Fault::not_found(segment));
            }
            let mut guard = Box::new(walk.request(ctx, true, guard)?);
            guard.gives_init = true;
            return route(ctx, &item_service, &rest[i..], Some(guard));
        }
        return Err(method_not_found(&walk.type_name, segment));
    }
    if walk.picked && ctx.verb != Verb::Get {
        // POST, PUT or DELETE on a nested item: createObject, editObject or deleteObject
        // of the item's own service.
        if schema().services.contains_key(&walk.type_name) {
            let item_service = walk.type_name.clone();
            has_implicit_method(ctx, &item_service)?;
            let guard = Box::new(walk.request(ctx, true, guard)?);
            return route(ctx, &item_service, &rest[rest.len() - 1..], Some(guard));
        }
        return Err(method_not_found(
            &walk.type_name,
            ctx.verb.implicit_method(),
        ));
    }
    // DELETE at the end of a walk past an item (`…/Tickets/5/Updates`, `…/AssignedUser`)
    // names a method, as `DELETE …/5/getObject` does, and is answered so (it was answered
    // as a GET, and the client told its delete went through).
    if ctx.verb == Verb::Delete {
        return Err(no_service(service, ctx.verb.implicit_method()));
    }
    // A getter named as such (`…/Tickets/5/getAssignedUser`) is a method, read whatever
    // the verb, as it is right after an id; only a relation's own name is the object.
    let ends_in_relation = match (rest.last(), walk.last_property) {
        (None, _) => true,
        (Some(segment), Some(property)) => segment.eq_ignore_ascii_case(&property.name),
        (Some(_), None) => false,
    };
    if matches!(ctx.verb, Verb::Put | Verb::Post)
        && ends_in_relation
        && matches!(walk.steps.last(), Some(Step::Property(_)) | None)
    {
        // PUT or POST on a single relation (`…/Tickets/5/AssignedUser`, or the getter a
        // path ends in, `…/File/2/Ticket`): the verb's own method of the object it names,
        // as on `…/Tickets/5` (it was answered as a GET, its body dropped, and the client
        // told its write went through). On a list (`…/Updates`), or an object no service
        // serves (`…/Status`), there is no such method: it answered as a GET too.
        let item_service = walk.type_name.clone();
        if walk.many {
            return Err(method_not_found(&item_service, ctx.verb.implicit_method()));
        }
        has_implicit_method(ctx, &item_service)?;
        let mut guard = Box::new(walk.request(ctx, true, guard)?);
        guard.gives_init = true;
        return route(ctx, &item_service, &[], Some(guard));
    }
    walk.request(ctx, false, guard)
}

/// That the verb's own method (`editObject` for PUT…) is one `service` has, checked
/// before the object it would act on is looked for: a relation to nothing answered "Object
/// does not exist to execute method on" naming a method the service lacks, where a found
/// one answered "not a valid method".
fn has_implicit_method(ctx: &Ctx, service: &str) -> Result<(), Fault> {
    let method = ctx.verb.implicit_method();
    match find_service(service) {
        Some((_, def)) if def.methods.contains_key(method) => Ok(()),
        _ => Err(method_not_found(service, method)),
    }
}

/// A nested resource path walked so far.
struct Walk<'a> {
    service: &'a str,
    method: String,
    headers: CallHeaders,
    type_name: String,
    many: bool,
    steps: Vec<Step>,
    /// The relations walked, each with the id picked from it next, if one is.
    properties: Vec<(String, Option<i64>)>,
    picked: bool,
    /// The relational property the walk ends in, if it ends in one.
    last_property: Option<&'static PropertyDef>,
}

impl Walk<'_> {
    /// The call that fetches the walk's end in one go, with the properties on the way folded
    /// into the object mask. A guard asks for ids only and ignores the caller's mask, filter
    /// and limit.
    fn request(
        &self,
        ctx: &Ctx,
        guard_only: bool,
        guard: Option<Box<Request>>,
    ) -> Result<Request, Fault> {
        let mut mask = ObjectMask::default();
        let mut strip_id = false;
        if guard_only {
            mask.properties.push(id_property());
        } else if let Some(parsed) = ctx.query.parsed_mask()? {
            mask = (*parsed).clone();
            if self.picked && !mask.is_empty() && mask.get("id").is_none() {
                strip_id = names_local_property(&self.type_name, &mask);
                mask.properties.push(id_property());
            }
        }
        let mut headers = self.headers.clone();
        headers.mask = Some(MaskSource::Parsed(std::sync::Arc::new(nested_mask(
            &self.properties,
            mask,
        ))));
        headers.limit = None;
        // The first pick of the walk is an id condition on the list, so the list's SQL
        // reads that one row (and its nested relations) instead of the whole list.
        if let Some(Step::Pick(id)) = self.steps.first() {
            headers.item_id = id.parse().ok();
        }
        if guard_only {
            headers.filter = None;
        }
        let type_name = if self.many {
            format!("{}[]", self.type_name)
        } else {
            self.type_name.clone()
        };
        Ok(Request {
            call: Call {
                service: self.service.to_string(),
                method: self.method.clone(),
                headers,
                args: Vec::new(),
            },
            format: ctx.format,
            nav: Navigation {
                steps: self.steps.clone(),
                limit: if guard_only { None } else { ctx.query.limit },
                strip_id,
                type_name,
                absent: match (self.steps.last(), self.last_property) {
                    (Some(Step::Property(_)), Some(property)) => Some(property.empty_value()),
                    _ => None,
                },
            },
            guard,
            gives_init: false,
            nested: None,
            relation_path: None,
            guard_passed: Default::default(),
            method_segments: 0,
        })
    }
}

fn id_property() -> MaskProperty {
    MaskProperty {
        name: "id".to_string(),
        cast: None,
        children: ObjectMask::default(),
        repeated: false,
        pick: None,
    }
}

/// Whether the mask names a local property of the type, so that it restricts the type's
/// local properties to the ones it names.
fn names_local_property(type_name: &str, mask: &ObjectMask) -> bool {
    let Some(t) = schema().type_def(type_name) else {
        return false;
    };
    mask.properties.iter().any(|p| {
        t.property(&p.name)
            .is_some_and(|def| def.kind == PropertyKind::Local)
    })
}

/// `mask[p1[p2[…user mask…]]]`: the caller's mask moved under the properties of the
/// walk (its root cast onto the last of them), each narrowed to the id picked from it.
fn nested_mask(properties: &[(String, Option<i64>)], mut mask: ObjectMask) -> ObjectMask {
    if properties.is_empty() {
        return mask;
    }
    let filtered = std::mem::take(&mut mask.filtered);
    let mut cast = mask.cast.take();
    let mut inner = mask;
    for (name, pick) in properties.iter().rev() {
        let property = MaskProperty {
            name: name.clone(),
            cast: cast.take(),
            children: inner,
            repeated: false,
            pick: *pick,
        };
        inner = ObjectMask {
            properties: vec![property],
            ..ObjectMask::default()
        };
    }
    inner.filtered = filtered;
    inner
}

impl Navigation {
    pub(super) fn apply(&self, reply: Reply) -> Result<Reply, Fault> {
        if self.steps.is_empty() {
            return Ok(reply);
        }
        let mut value = reply.value;
        let last = self.steps.len() - 1;
        for (i, step) in self.steps.iter().enumerate() {
            value = match step {
                Step::Pick(id) => pick(value, id)?,
                Step::Property(name) => match value {
                    Value::Struct(mut members) => match members.shift_remove(name) {
                        Some(v) => v,
                        None if i == last => self.absent.clone().unwrap_or(Value::Null),
                        None => Value::Null,
                    },
                    _ => Value::Null,
                },
            };
        }
        if self.strip_id
            && let Value::Struct(members) = &mut value
        {
            members.shift_remove("id");
        }
        let mut total = None;
        if let Value::Array(items) = &mut value {
            total = Some(items.len() as u64);
            if let Some(limit) = self.limit {
                let offset = usize::try_from(limit.offset).unwrap_or(usize::MAX);
                items.drain(..offset.min(items.len()));
                if let Some(n) = limit.limit {
                    items.truncate(usize::try_from(n).unwrap_or(usize::MAX));
                }
            }
        }
        Ok(Reply {
            value,
            type_name: self.type_name.clone(),
            total,
            warnings: reply.warnings,
        })
    }
}

/// The item with that id: from a list, or the object itself when it has it.
pub(super) fn pick(value: Value, id: &str) -> Result<Value, Fault> {
    let has_id = |v: &Value| match v.get("id") {
        Some(Value::Int(i)) => id.parse::<i64>() == Ok(*i),
        Some(Value::String(s)) => s == id,
        _ => false,
    };
    match value {
        Value::Array(items) => items.into_iter().find(has_id),
        v @ Value::Struct(_) if has_id(&v) => Some(v),
        _ => None,
    }
    .ok_or_else(|| Fault::not_found(id))
}
