//! The harness's view of every API call, as the request pipeline reports it
//! ([`crate::call::Observer`]): fault rules are checked before the call is dispatched,
//! and each answered call goes to the journal and the metrics.
//!
//! The caller's account is known only once the call is authenticated, inside dispatch;
//! `admitted` leaves it in a thread-local that `finished` takes: the pipeline runs a call
//! on one thread at a time, and a call that moves to another thread takes its
//! [`CallTrace`] along (`take_trace`, `put_trace`). A call
//! answered from the reply cache is not parsed again: its journal record is the one
//! made when the reply was first read, found by the cache key.

use super::faults::{Action, Faults};
use super::journal::{self, CallRecord, Entry, Journal, RecordedReply};
use super::metrics::{InjectionLabels, Metrics};
use crate::call::{Call, CallTrace, Fault, MaskSource, NestedPath, Observer, Outcome, ReplyBody};
use crate::store::Principal;
use serde_json::{Value as J, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Records kept for calls answered from the reply cache; emptied when full.
const MAX_CACHED_RECORDS: usize = 4096;

thread_local! {
    /// The caller of the call this thread is answering: (username, account).
    static CALLER: RefCell<Option<(String, i64)>> = const { RefCell::new(None) };
    /// The fault rule that fired on the call this thread is answering.
    static INJECTED: RefCell<Option<u64>> = const { RefCell::new(None) };
}

pub struct Recorder {
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    pub metrics: Arc<Metrics>,
    by_cache_key: Mutex<HashMap<Vec<u8>, Arc<CallRecord>>>,
}

impl Recorder {
    pub fn new(journal: Arc<Journal>, faults: Arc<Faults>, metrics: Arc<Metrics>) -> Recorder {
        Recorder {
            journal,
            faults,
            metrics,
            by_cache_key: Mutex::new(HashMap::new()),
        }
    }
}

/// A call to a service or method the API does not have, which never became a [`Call`]:
/// a REST call keeps the path it was refused for, and a verb other than GET.
fn unserved_record(
    service: &str,
    method: &str,
    nested: Option<&NestedPath>,
    caller: Option<(String, i64)>,
) -> CallRecord {
    let (user, account) = caller.map_or((None, None), |(u, a)| (Some(u), Some(a)));
    CallRecord {
        user,
        account,
        service: unkeyed(&one_segment(service)).into(),
        method: unkeyed(&one_segment(method)).into(),
        path: nested.map(|n| {
            redacted_path(service, method, &n.segments)
                .into_iter()
                .map(journal::Text::from)
                .collect()
        }),
        verb: nested.and_then(|n| n.verb),
        args: J::Array(Vec::new()),
        ..CallRecord::default()
    }
}

/// A refused REST path's segments, its arguments redacted as a call's are: those after
/// the method named like passwords, keys and tokens, and all of them when the method is
/// not one the service has (which argument is which cannot be told).
/// `DELETE …/SoftLayer_User_Customer/getPortalLoginToken/demo/KEY` kept the key in clear.
fn redacted_path(service: &str, method: &str, segments: &[String]) -> Vec<String> {
    let segments: Vec<String> = segments.iter().map(|s| unkeyed(&one_segment(s))).collect();
    let method = unkeyed(&one_segment(method));
    let Some(at) = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case(&method))
    else {
        return segments;
    };
    let parameters = crate::schema::schema()
        .method(service, &method)
        .map(|m| &m.parameters);
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            let hidden = i > at
                && parameters.is_none_or(|p| {
                    p.get(i - at - 1)
                        .is_none_or(|p| crate::secrets::named_secret(&p.name))
                });
            match hidden {
                true => "[redacted]".to_string(),
                false => segment.clone(),
            }
        })
        .collect()
}

/// A name or path segment as the journal keeps it: text of an API key's shape (a key
/// pasted where an id or method goes, `…/Updates/KEY.json`) redacted, as the "not found"
/// answer redacts it; the path and the method kept it in clear.
fn unkeyed(text: &str) -> String {
    crate::secrets::id_without_credential_shapes(text)
}

/// A fault's `message` as the journal keeps it: one naming a service or method the API
/// lacks names it as its record does ([`one_segment`]); the answer names it as sent.
fn named_as_recorded(fault: &Fault, message: String) -> String {
    match fault {
        // A name of a key's shape too (an XML-RPC methodName, a REST path segment read as
        // the method): kept in clear, as the record's `method` was.
        Fault::MethodNotFound { service, method } | Fault::ServiceNotFound { service, method } => {
            unkeyed(
                &[method, service]
                    .iter()
                    .filter(|name| name.contains('/'))
                    .fold(message, |m, name| {
                        m.replace(name.as_str(), &one_segment(name))
                    }),
            )
        }
        _ => message,
    }
}

/// A path segment as one: one that held a `/` (sent as `%2F`) held several, which cannot
/// be told apart, so all but the first are redacted. `…/getPortalLoginToken/demo%2FKEY`
/// kept the key in clear, in the username's place.
fn one_segment(segment: &str) -> String {
    match segment.split_once('/') {
        Some((first, _)) => format!("{first}/[redacted]"),
        None => segment.to_string(),
    }
}

/// What `call` asked; for a nested REST path, the path with the caller's mask and result
/// limit rather than those of the call that fetched its answer (`replay` sends the path).
fn record_of(
    call: &Call,
    caller: Option<(String, i64)>,
    nested: Option<&NestedPath>,
    ran_on: Option<i64>,
    faulted: bool,
) -> CallRecord {
    let method = crate::schema::schema().method(&call.service, &call.method);
    // A credential is known by its place in the signature: sent out of place (after an
    // empty first struct, inside a list, past the last parameter) it was kept in clear.
    // Such a call to a method that takes one has all its text redacted, and so has a call
    // to a method there is no signature of (`getPortalLoginTokn`). Arguments that did not
    // fail the call fit (dispatch converted them), but for those past the last one:
    // checked again, a file's base64 was decoded twice.
    let out_of_place = match method {
        None => true,
        Some(m) => {
            m.parameters
                .iter()
                .any(|p| crate::secrets::named_secret(&p.name))
                && (crate::services::args_past(m.parameters.len(), &call.args) > 0
                    || (faulted && !journal::args_fit(&m.parameters, &call.args)))
        }
    };
    let args = call
        .args
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if out_of_place {
                return journal::redact_text(v);
            }
            let parameter = method.and_then(|m| m.parameters.get(i));
            let name = parameter.map_or("", |p| p.name.as_str());
            journal::redact(name, v, parameter.map(|p| p.type_name.as_str()))
        })
        .collect();
    // Refused credentials are nobody's call, on every transport, whatever username they
    // claim.
    let (user, account) = match caller {
        Some((user, account)) if !user.is_empty() => (Some(user), Some(account)),
        _ => (None, None),
    };
    let (mask, limit) = match nested {
        Some(n) => (n.mask.clone(), n.limit),
        None => (
            call.headers.mask.as_ref().map(|m| match m {
                MaskSource::Text(t) => t.clone(),
                // In the mask language, rooted where the call applies it, so that
                // `replay` can send it as REST's `objectMask`.
                MaskSource::Legacy(s) => {
                    let returns = method.map_or("", |m| m.returns.trim_end_matches("[]"));
                    let legacy = crate::services::legacy_mask_of_getter(call, returns, s);
                    crate::schema::mask::ObjectMask::from_legacy(&legacy)
                        .printed()
                        .to_string()
                }
                // REST parses `objectMask` as it routes (`id` and `mask[id]` alike): the
                // mask language reads back what it prints.
                MaskSource::Parsed(m) => m.printed().to_string(),
            }),
            call.headers.limit,
        ),
    };
    // Names the schema knows are no key: only another is looked at (on every call's way).
    let named = |name: &str| match method {
        Some(_) => name.to_string(),
        None => unkeyed(name),
    };
    CallRecord {
        service: named(&call.service).into(),
        method: named(&call.method).into(),
        path: nested.map(|n| n.segments.iter().map(|s| unkeyed(s).into()).collect()),
        verb: nested.and_then(|n| n.verb),
        user,
        account,
        // The id the call named, however it was written (`<base64>`, `160000101.0`), so
        // that `replay` sends what the server read; an id that names nothing as sent, but
        // for text of a key's shape (an API key sent where the id goes, also inside a
        // struct or list, or as `<base64>` of it).
        init_id: call
            .headers
            .init_id
            .as_ref()
            .map(|v| {
                crate::services::id_of(v).map_or_else(
                    || crate::secrets::json_without_credential_shapes(J::from(v)),
                    J::from,
                )
            })
            .or_else(|| ran_on.map(J::from)),
        mask: mask.map(journal::Text::from),
        // Base64 in a filter is the text it encodes, as the filter reads it.
        filter: call.headers.filter.as_ref().map(|f| {
            journal::recorded_filter(crate::secrets::redacted_filter(J::from(
                crate::schema::filter::base64_as_text(f)
                    .as_ref()
                    .unwrap_or(f),
            )))
        }),
        result_limit: limit.map(|l| json!({"offset": l.offset, "limit": l.limit})),
        args: J::Array(args),
    }
}

impl Observer for Recorder {
    fn admitted(&self, _call: &Call, principal: &Principal) -> Result<(), Fault> {
        CALLER.with(|c| *c.borrow_mut() = Some((principal.username.clone(), principal.account_id)));
        Ok(())
    }

    fn intercept(
        &self,
        transport: &'static str,
        call: &Call,
        caller: &dyn Fn() -> Option<Principal>,
    ) -> Result<(), Fault> {
        // A method the service does not have is answered as missing, whatever the rules:
        // REST finds that out before this point, and a rule whose service was misnamed
        // fired on XML-RPC and SOAP, hiding the mistake from the test that made it.
        // (Asked only while there are rules: calls pay nothing for it otherwise.)
        if !self.faults.any() || !crate::services::is_dispatched(&call.service, &call.method) {
            return Ok(());
        }
        // A rule's `user` is the user the call authenticates as: the key's owner for
        // `apikey:KEY`, the token's user for `userId:authToken`, and nobody for refused
        // credentials (the name a call claims with a wrong key is no one's call).
        let known = std::cell::OnceCell::new();
        let principal = || known.get_or_init(caller).as_ref();
        let user = || principal().map(|p| p.username.clone());
        let Some(injection) = self
            .faults
            .check(transport, &call.service, &call.method, &user)
        else {
            return Ok(());
        };
        if let Some(p) = principal() {
            CALLER.with(|c| *c.borrow_mut() = Some((p.username.clone(), p.account_id)));
        }
        INJECTED.with(|i| *i.borrow_mut() = Some(injection.rule));
        if injection.latency_ms > 0 {
            // Before any transaction: only this call waits.
            crate::limits::wait_off_cpu(std::time::Duration::from_millis(injection.latency_ms));
        }
        let rule = injection.rule;
        let (kind, fault) = match injection.action {
            Action::Delay => return Ok(()),
            Action::Fault { fault, status } => (
                "fault",
                Fault::Injected {
                    class: fault.class,
                    message: fault.message,
                    status,
                    rule,
                },
            ),
            Action::Http { status } => (
                "http",
                Fault::Interrupted {
                    status: Some(status),
                    rule,
                },
            ),
            Action::Drop => ("drop", Fault::Interrupted { status: None, rule }),
        };
        self.metrics
            .injected
            .get_or_create(&InjectionLabels {
                kind: kind.to_string(),
            })
            .inc();
        Err(fault)
    }

    fn may_hold_calls(&self) -> bool {
        self.faults.any()
    }

    fn cache_allowed(&self) -> bool {
        !self.faults.any()
    }

    fn take_trace(&self) -> CallTrace {
        CallTrace {
            caller: CALLER.with(|c| c.borrow_mut().take()),
            injected: INJECTED.with(|i| i.borrow_mut().take()),
        }
    }

    fn put_trace(&self, trace: CallTrace) {
        CALLER.with(|c| *c.borrow_mut() = trace.caller);
        INJECTED.with(|i| *i.borrow_mut() = trace.injected);
    }

    fn finished(&self, o: &Outcome<'_>) {
        let CallTrace {
            mut caller,
            injected,
        } = self.take_trace();
        let record = match (o.call, o.cache_key) {
            (Some(call), key) => {
                let faulted = o.fault.is_some();
                let record = Arc::new(record_of(call, caller.take(), o.nested, o.ran_on, faulted));
                if let (Some(key), None) = (key, o.fault) {
                    let mut map = self.by_cache_key.lock().unwrap_or_else(|p| p.into_inner());
                    if map.len() >= MAX_CACHED_RECORDS {
                        map.clear();
                    }
                    map.insert(key.to_vec(), record.clone());
                }
                Some(record)
            }
            (None, Some(key)) => self
                .by_cache_key
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(key)
                .cloned(),
            (None, None) => None,
        };
        // Named by a REST path or a SOAP operation the API does not have: what it named,
        // as the answer does. Not a request refused unread (a PUT to `/xmlrpc/v3.1/`):
        // named `""`, it was replayed as a GET of no service.
        let record = record.or_else(|| match o.fault {
            _ if o.unread => None,
            Some(
                Fault::MethodNotFound { service, method }
                | Fault::ServiceNotFound { service, method },
            ) => Some(Arc::new(unserved_record(
                service,
                method,
                o.nested,
                caller.take(),
            ))),
            _ => None,
        });
        let fault = o.fault.map(|f| match f {
            Fault::Interrupted {
                status: Some(s), ..
            } => (
                format!("HTTP {s}"),
                "the front end answered with an error".into(),
            ),
            Fault::Interrupted { status: None, .. } => (
                crate::fault::OUTCOME_CONNECTION_CLOSED.to_string(),
                "closed without an answer".into(),
            ),
            Fault::Cut { cut } => (cut.outcome().to_string(), cut.to_string().into()),
            _ => {
                let message = o
                    .fault_message
                    .as_deref()
                    .map_or_else(|| f.message().into_owned(), str::to_string);
                let message = named_as_recorded(f, message);
                // A request not read as a call may be quoted with a key in it (a SOAP
                // body that did not parse names the element it stopped at: 40 of the
                // key's characters when a `<` fell inside `<apiKey>`). A call's own
                // messages are kept whole: what they quote (a mask's property, a
                // filter's value) the entry holds beside them, and a rule's message is
                // the admin's. So is a missing method's or service's, which names it as
                // its record does (`getPrimaryIpv6Address` was `[redacted]` beside it).
                let message = match (o.call, f) {
                    (
                        None,
                        Fault::Injected { .. }
                        | Fault::MethodNotFound { .. }
                        | Fault::ServiceNotFound { .. },
                    ) => message,
                    (None, _) => crate::secrets::fragment_without_credential_shapes(&message),
                    _ => message,
                };
                (f.class_name().to_string(), message.into())
            }
        });
        let injected = injected.or(match o.fault {
            Some(Fault::Injected { rule, .. } | Fault::Interrupted { rule, .. }) => Some(*rule),
            _ => None,
        });
        let (service, method) = record
            .as_deref()
            .map(|r| (r.service.as_str(), r.method.as_str()))
            .unwrap_or(("", ""));
        let seconds = o.duration.as_secs_f64();
        let outcome = fault.as_ref().map(|(c, _)| c.as_str()).unwrap_or("ok");
        self.metrics
            .call(o.transport, service, method, outcome, seconds);
        // A miss is a read answered from the database: a call refused (bad credentials,
        // no such method) or failed by a fault rule was none, and counted on XML-RPC and
        // SOAP, which know the call they refuse, but not on REST.
        if o.cached {
            self.metrics.cache_hits.inc();
        } else if let Some(call) = o.call
            && o.fault.is_none()
            && !crate::services::writes(call)
        {
            self.metrics.cache_misses.inc();
        }
        let reply = o
            .reply
            .filter(|_| o.bytes as usize <= 4 * journal::MAX_RECORDED_REPLY)
            .and_then(|r| {
                // A body the journal can read the value back from is kept as sent
                // (shared, not copied; XML-RPC and SOAP read back only when the journal
                // is read); other replies as JSON text. A JSON text is checked against
                // the limit as written, not guessed.
                let secrets = record
                    .as_deref()
                    .map(|c| {
                        crate::services::secret_reply_members(c.service.as_str(), c.method.as_str())
                    })
                    .unwrap_or_default();
                // Credentials a mask reaches (a user's API key) anywhere in the reply.
                // A mask kept by its size only may name them: taken to.
                let deep = record.as_deref().is_some_and(|c| {
                    let returns = crate::schema::schema()
                        .method(c.service.as_str(), c.method.as_str())
                        .map_or("", |m| m.returns.as_str());
                    c.mask.as_ref().is_some_and(journal::Text::is_elided)
                        || crate::secrets::reply_may_hold_secrets(
                            returns,
                            c.mask.as_ref().map(journal::Text::as_str),
                            c.path.as_deref(),
                        )
                });
                // A journal file takes each reply as JSON at once: written from the value
                // then, not read back from an XML body.
                let read_later = !self.journal.writes_file();
                let text: Arc<str> = if secrets.is_empty() && !deep {
                    match o.reply_body {
                        // Never 64 KB of JSON or less (XML is at most some sixteen times
                        // its JSON: an array of small numbers in SOAP), so not recorded;
                        // kept, the body outlived its sending (a 10 MiB file's 14 MB).
                        Some((body, ReplyBody::XmlRpc | ReplyBody::Soap))
                            if body.len() > crate::limits::BIG_REPLY =>
                        {
                            return None;
                        }
                        Some((body, ReplyBody::XmlRpc)) if read_later => {
                            return Some(RecordedReply::XmlRpc(body.clone()));
                        }
                        Some((body, ReplyBody::Soap)) if read_later => {
                            return Some(RecordedReply::Soap(body.clone()));
                        }
                        Some((body, ReplyBody::ValueJson)) => {
                            return (body.len() <= journal::MAX_RECORDED_REPLY)
                                .then(|| RecordedReply::JsonBody(body.clone()));
                        }
                        _ => String::from_utf8(r.value.to_json()).ok()?.into(),
                    }
                } else {
                    let mut value = serde_json::to_value(&r.value).ok()?;
                    journal::redact_members(&mut value, secrets);
                    if deep {
                        journal::redact_members_deep(
                            &mut value,
                            crate::secrets::SECRET_REPLY_PROPERTIES,
                        );
                    }
                    value.to_string().into()
                };
                (text.len() <= journal::MAX_RECORDED_REPLY).then_some(RecordedReply::Json(text))
            });
        self.journal.record(Entry {
            // Numbered as it is placed (Journal::record).
            id: 0,
            at_ms: crate::clock::now_millis(),
            transport: o.transport,
            call: record,
            fault,
            injected,
            status: o.status,
            duration_ms: seconds * 1000.0,
            reply_bytes: o.bytes,
            cached: o.cached,
            total: o.total,
            warnings: o.warnings.to_vec(),
            reply,
        });
    }
}
