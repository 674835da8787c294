//! Fault injection: rules that make chosen calls misbehave on purpose, so that a client's
//! retry and error paths run against the failures SoftLayer clients are known to meet.
//!
//! `POST /_emulator/faults` adds a rule:
//! `{service?, method?, user?, transport?, after?, probability? | times?, latency_ms?,
//!   fault?: {class, message}, http?: {status}, drop_connection?, preset?}`.
//! A call matches when every field given matches (names without case); then, after
//! `latency_ms`, it is answered with the fault in the transport's own format (as the
//! server's own faults are), or with a bare HTTP error status, or its connection is
//! closed without an answer. `after` lets that many matching calls through first (a
//! fault on the third page of a list); `times` limits how often a rule fires (it is
//! removed afterwards); `probability` (0–1) fires it at random. `GET` lists the rules with how
//! often each fired; `DELETE /_emulator/faults[/{id}]` removes them. Every injection is
//! marked in the journal (`injected`: the rule's id) and counted in `/metrics`.
//!
//! Presets, as far as public clients and their issues show the real API's failures:
//! - `rate_limit`: `SoftLayer_Exception_WebService_RateLimitExceeded`, "Rate limit of 50
//!   requests for every 1 second(s) exceeded." (the fault softlayer-python issue #884
//!   quotes; an XML-RPC fault, REST 429);
//! - `unavailable`: HTTP 503 from the front end, a body that is no API reply (softlayer-
//!   python raises `TransportError(503)` over XML-RPC, `SoftLayerAPIError(503)` over REST);
//! - `timeout`: no answer for `latency_ms` (30 s unless given), then the connection is
//!   closed (the client's read timeout fires first if it is shorter).

use serde_json::{Value as J, json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Whether `name` is a transport the server speaks (`xmlrpc`, `soap`, `rest`), in any
/// case: what a fault rule or a journal query may name.
pub fn is_transport(name: &str) -> bool {
    ["xmlrpc", "soap", "rest"]
        .iter()
        .any(|known| name.eq_ignore_ascii_case(known))
}

/// A fault as the rule gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedFault {
    pub class: String,
    pub message: String,
}

/// What an injection does to the call.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Answer with this fault in the transport's format; `status` overrides the
    /// transport's status for a fault.
    Fault {
        fault: InjectedFault,
        status: Option<u16>,
    },
    /// Answer with a bare HTTP status (a front end's error page, not an API reply).
    Http { status: u16 },
    /// Close the connection without an answer.
    Drop,
    /// Only the latency: the call then runs as usual.
    Delay,
}

/// One rule firing on one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Injection {
    pub rule: u64,
    pub latency_ms: u64,
    pub action: Action,
}

#[derive(Debug, Clone)]
struct Rule {
    id: u64,
    service: Option<String>,
    method: Option<String>,
    user: Option<String>,
    transport: Option<String>,
    /// Matching calls still to let through before the rule may fire.
    after: u64,
    probability: Option<f64>,
    times: Option<u64>,
    latency_ms: u64,
    preset: Option<String>,
    action: Action,
    fired: u64,
}

impl Rule {
    fn to_json(&self) -> J {
        let (fault, http, drop) = match &self.action {
            Action::Fault { fault, status } => (
                json!({"class": fault.class, "message": fault.message}),
                status.map(|s| json!({"status": s})).unwrap_or(J::Null),
                false,
            ),
            Action::Http { status } => (J::Null, json!({"status": status}), false),
            Action::Drop => (J::Null, J::Null, true),
            Action::Delay => (J::Null, J::Null, false),
        };
        json!({
            "id": self.id,
            "service": self.service,
            "method": self.method,
            "user": self.user,
            "transport": self.transport,
            "after": self.after,
            "probability": self.probability,
            "times": self.times,
            "latency_ms": self.latency_ms,
            "preset": self.preset,
            "fault": fault,
            "http": http,
            "drop_connection": drop,
            "fired": self.fired,
        })
    }

    fn matches(&self, transport: &str, service: &str, method: &str, user: Option<&str>) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_ref()
                .is_none_or(|w| got.is_some_and(|g| g.eq_ignore_ascii_case(w)))
        };
        eq(&self.transport, Some(transport))
            && eq(&self.service, Some(service))
            && eq(&self.method, Some(method))
            // Usernames are told apart by case, as logins are: `DEMO` is another
            // account's user than `demo`, whose rule and journal it reached.
            && self.user.as_ref().is_none_or(|w| user == Some(w.as_str()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// The rules of one server.
#[derive(Default)]
pub struct Faults {
    rules: Mutex<Vec<Rule>>,
    next_id: AtomicU64,
    /// Whether any rule exists: the common case (none) costs one load per call.
    any: AtomicBool,
    /// Injections so far.
    pub injected: AtomicU64,
}

/// A number in [0, 1) from the standard library's randomly keyed hasher.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

fn text(body: &J, key: &str) -> Result<Option<String>, RuleError> {
    match body.get(key) {
        None | Some(J::Null) => Ok(None),
        Some(J::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(_) => Err(RuleError(format!("\"{key}\" is a non-empty string"))),
    }
}

/// Refuses a `service` or `method` no call can have: such a rule would never fire, and a
/// test relying on it would pass without testing anything (`"Account"` for
/// softlayer-python's `client["Account"]`, a misspelt method).
fn check_names(service: Option<&str>, method: Option<&str>) -> Result<(), RuleError> {
    let services = &crate::schema::schema().services;
    let named = |name: &str| {
        services
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
    };
    let service = match service {
        None => None,
        Some(name) => Some(named(name).ok_or_else(|| {
            RuleError(match named(&format!("SoftLayer_{name}")) {
                Some((known, _)) => {
                    format!("unknown service '{name}': the API names it '{known}'")
                }
                None => format!(
                    "unknown service '{name}': the emulator serves {}",
                    services.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
        })?),
    };
    let Some(method) = method else {
        return Ok(());
    };
    let has = |(_, def): &(&String, &crate::schema::ServiceDef)| {
        def.methods.keys().any(|m| m.eq_ignore_ascii_case(method))
    };
    match service {
        Some(found) if !has(&found) => {
            Err(RuleError(format!("{} has no method '{method}'", found.0)))
        }
        None if !services.iter().any(|entry| has(&entry)) => Err(RuleError(format!(
            "no service the emulator serves has a method '{method}'"
        ))),
        _ => Ok(()),
    }
}

impl Faults {
    pub fn any(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    /// Adds a rule from its JSON; the rule as stored. Unknown fields are refused, at the
    /// top and inside `fault` and `http`: a misspelt one would change nothing, silently.
    pub fn add(&self, body: &J) -> Result<J, RuleError> {
        if !body.is_object() {
            return Err(RuleError("a fault rule is a JSON object".into()));
        }
        const KEYS: &[&str] = &[
            "service",
            "method",
            "user",
            "transport",
            "after",
            "probability",
            "times",
            "latency_ms",
            "fault",
            "http",
            "drop_connection",
            "preset",
        ];
        if let Some(k) = super::unknown_field(body, KEYS) {
            return Err(RuleError(format!(
                "unknown field \"{k}\"; a rule takes {}",
                KEYS.join(", ")
            )));
        }
        let preset = text(body, "preset")?;
        // Effects that cannot both happen: one would be dropped without a word. (`http`
        // with `fault` is the fault with another HTTP status.)
        let given = |k: &str| {
            body.get(k)
                .is_some_and(|v| !v.is_null() && *v != J::Bool(false))
        };
        let contradicting = match (preset.is_some(), given("drop_connection")) {
            (true, _) => ["fault", "http", "drop_connection"]
                .into_iter()
                .find(|k| given(k)),
            (false, true) => ["fault", "http"].into_iter().find(|k| given(k)),
            (false, false) => None,
        };
        if let Some(other) = contradicting {
            let first = if preset.is_some() {
                "preset"
            } else {
                "drop_connection"
            };
            return Err(RuleError(format!(
                "\"{first}\" and \"{other}\" are two effects; a rule has one (\"http\" may \
                 go with \"fault\" to give its status)"
            )));
        }
        let (mut action, mut latency_ms) = match preset.as_deref() {
            None => (Action::Delay, 0),
            Some("rate_limit") => (
                Action::Fault {
                    fault: InjectedFault {
                        class: "SoftLayer_Exception_WebService_RateLimitExceeded".into(),
                        message: "Rate limit of 50 requests for every 1 second(s) exceeded.".into(),
                    },
                    status: None,
                },
                0,
            ),
            Some("unavailable") => (Action::Http { status: 503 }, 0),
            Some("timeout") => (Action::Drop, 30_000),
            Some(other) => {
                return Err(RuleError(format!(
                    "unknown preset '{other}': rate_limit, unavailable or timeout"
                )));
            }
        };
        if let Some(f) = body.get("fault").filter(|f| !f.is_null()) {
            only_keys(f, "fault", &["class", "message"])?;
            let class =
                text(f, "class")?.ok_or_else(|| RuleError("\"fault\" needs \"class\"".into()))?;
            // A class is a name: letters, digits and `_`. `"` in one broke the metrics'
            // text for good (it is an outcome label) and made a SOAP `faultcode` no QName.
            if !class.starts_with("SoftLayer_")
                || !class
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                || class.len() > 200
            {
                return Err(RuleError(format!(
                    "'{class}' is not a SoftLayer exception class (SoftLayer_Exception_…: \
                     letters, digits and _)"
                )));
            }
            let message = text(f, "message")?.unwrap_or_else(|| class.clone());
            if let Some((_, c)) = crate::protocol::xml::forbidden_character(&message) {
                return Err(RuleError(format!(
                    "\"message\": U+{:04X} is {}",
                    c as u32,
                    crate::protocol::xml::NOT_CARRIED
                )));
            }
            action = Action::Fault {
                fault: InjectedFault { class, message },
                status: None,
            };
        }
        if let Some(h) = body.get("http").filter(|h| !h.is_null()) {
            only_keys(h, "http", &["status"])?;
            let status = h
                .get("status")
                .and_then(J::as_u64)
                .filter(|s| (400..=599).contains(s))
                .ok_or_else(|| RuleError("\"http\": {\"status\": 400…599}".into()))?
                as u16;
            action = match action {
                Action::Fault { fault, .. } => Action::Fault {
                    fault,
                    status: Some(status),
                },
                _ => Action::Http { status },
            };
        }
        match body.get("drop_connection") {
            Some(J::Bool(true)) => action = Action::Drop,
            None | Some(J::Bool(false)) | Some(J::Null) => {}
            Some(_) => return Err(RuleError("\"drop_connection\" is true or false".into())),
        }
        // A number given as null is refused, not read as left out: JSON.stringify writes
        // NaN (a form's "50%", say) as null, and `times: null` read as "no limit" would
        // make a rule meant to fire once fire for ever.
        for k in ["latency_ms", "probability", "times", "after"] {
            if body.get(k).is_some_and(J::is_null) {
                return Err(RuleError(format!(
                    "\"{k}\" is null; give a number, or leave the field out"
                )));
            }
        }
        if let Some(l) = body.get("latency_ms") {
            latency_ms = l
                .as_u64()
                .filter(|l| *l <= 600_000)
                .ok_or_else(|| RuleError("\"latency_ms\" is 0…600000".into()))?;
        }
        if action == Action::Delay && latency_ms == 0 {
            return Err(RuleError(
                "a rule needs an effect: fault, http, drop_connection, latency_ms or preset".into(),
            ));
        }
        let probability = match body.get("probability") {
            None => None,
            Some(p) => Some(
                p.as_f64()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| RuleError("\"probability\" is 0…1".into()))?,
            ),
        };
        let times = match body.get("times") {
            None => None,
            Some(t) => Some(
                t.as_u64()
                    .filter(|t| *t > 0)
                    .ok_or_else(|| RuleError("\"times\" is a positive integer".into()))?,
            ),
        };
        let after = match body.get("after") {
            None => 0,
            Some(a) => a.as_u64().ok_or_else(|| {
                RuleError("\"after\" is a whole number of calls to let through first".into())
            })?,
        };
        let transport = text(body, "transport")?;
        if let Some(t) = &transport
            && !is_transport(t)
        {
            return Err(RuleError(format!(
                "unknown transport '{t}': xmlrpc, soap or rest"
            )));
        }
        let (service, method, user) = (
            text(body, "service")?,
            text(body, "method")?,
            text(body, "user")?,
        );
        check_names(service.as_deref(), method.as_deref())?;
        // Numbered only once it is taken: a refused rule uses up no id.
        let rule = Rule {
            id: self.next_id.fetch_add(1, Ordering::SeqCst) + 1,
            service,
            method,
            user,
            transport,
            after,
            probability,
            times,
            latency_ms,
            preset,
            action,
            fired: 0,
        };
        let out = rule.to_json();
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.push(rule);
        self.any.store(true, Ordering::Relaxed);
        Ok(out)
    }

    pub fn list(&self) -> J {
        let rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        json!({ "rules": rules.iter().map(Rule::to_json).collect::<Vec<_>>() })
    }

    /// Removes one rule (or all, with `None`); how many went.
    pub fn remove(&self, id: Option<u64>) -> usize {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        let before = rules.len();
        match id {
            Some(id) => rules.retain(|r| r.id != id),
            None => rules.clear(),
        }
        self.any.store(!rules.is_empty(), Ordering::Relaxed);
        before - rules.len()
    }

    /// The injection for this call, if a rule fires (the first matching rule that does).
    /// `user` gives the username the call authenticates as; it is asked only while a rule
    /// names a user (it may look the caller up).
    pub fn check(
        &self,
        transport: &str,
        service: &str,
        method: &str,
        user: &dyn Fn() -> Option<String>,
    ) -> Option<Injection> {
        if !self.any() {
            return None;
        }
        let names_users = {
            let rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
            rules.iter().any(|r| r.user.is_some())
        };
        // Looked up outside the lock: other calls meet the rules meanwhile.
        let user = if names_users { user() } else { None };
        let user = user.as_deref();
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        // A rule still letting calls through counts this one and stands aside; a later
        // rule may fire for it.
        let index = rules.iter_mut().position(|r| {
            if !r.matches(transport, service, method, user) {
                return false;
            }
            if r.after > 0 {
                r.after -= 1;
                return false;
            }
            r.probability.is_none_or(|p| random_unit() < p)
        })?;
        let rule = &mut rules[index];
        rule.fired += 1;
        let injection = Injection {
            rule: rule.id,
            latency_ms: rule.latency_ms,
            action: rule.action.clone(),
        };
        if let Some(t) = rule.times.as_mut() {
            *t -= 1;
            if *t == 0 {
                rules.remove(index);
            }
        }
        self.any.store(!rules.is_empty(), Ordering::Relaxed);
        if injection.action != Action::Delay {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        Some(injection)
    }
}

/// Refuses a member of `part` (an object) other than `known`.
fn only_keys(part: &J, name: &str, known: &[&str]) -> Result<(), RuleError> {
    if !part.is_object() {
        return Err(RuleError(format!("\"{name}\" is an object")));
    }
    match super::unknown_field(part, known) {
        None => Ok(()),
        Some(k) => Err(RuleError(format!(
            "unknown field \"{k}\" in \"{name}\"; it takes {}",
            known.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_fire_and_run_out() {
        let f = Faults::default();
        f.add(&json!({"service": "SoftLayer_Ticket", "method": "getObject", "preset": "rate_limit", "times": 2}))
            .unwrap();
        assert!(
            f.check("xmlrpc", "SoftLayer_Account", "getObject", &|| None)
                .is_none()
        );
        let i = f
            .check("rest", "softlayer_ticket", "GETOBJECT", &|| {
                Some("demo".into())
            })
            .unwrap();
        assert!(
            matches!(i.action, Action::Fault { ref fault, .. } if fault.class.ends_with("RateLimitExceeded"))
        );
        assert!(
            f.check("xmlrpc", "SoftLayer_Ticket", "getObject", &|| None)
                .is_some()
        );
        assert!(
            f.check("xmlrpc", "SoftLayer_Ticket", "getObject", &|| None)
                .is_none()
        );
        assert!(!f.any());
        assert_eq!(f.injected.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_rule_lets_its_after_calls_through_and_others_meet_them() {
        let f = Faults::default();
        let rule = f
            .add(&json!({"method": "getObject", "preset": "rate_limit", "after": 2, "times": 1}))
            .unwrap();
        assert_eq!(rule["after"], 2, "{rule}");
        f.add(&json!({"service": "SoftLayer_Ticket", "latency_ms": 5}))
            .unwrap();
        let call = || f.check("xmlrpc", "SoftLayer_Ticket", "getObject", &|| None);
        // The two let through meet the next rule; other methods count for nothing.
        assert_eq!(call().unwrap().action, Action::Delay);
        assert!(
            f.check("xmlrpc", "SoftLayer_Ticket", "getUpdates", &|| None)
                .is_some()
        );
        assert_eq!(f.list()["rules"][0]["after"], 1);
        assert_eq!(call().unwrap().action, Action::Delay);
        assert!(matches!(call().unwrap().action, Action::Fault { .. }));
        assert_eq!(call().unwrap().action, Action::Delay);
        assert_eq!(f.list()["rules"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn bad_rules_are_refused() {
        let f = Faults::default();
        for bad in [
            json!({}),
            json!({"preset": "meteor"}),
            json!({"fault": {"message": "x"}}),
            json!({"fault": {"class": "Oops"}}),
            json!({"fault": {"class": "SoftLayer_Exception_A\"B"}}),
            json!({"fault": {"class": "SoftLayer_Exception_<a>"}}),
            json!({"fault": {"class": "SoftLayer_Exception", "message": "bell\u{7}"}}),
            json!({"http": {"status": 200}}),
            json!({"probability": 2, "drop_connection": true}),
            json!({"times": 0, "drop_connection": true}),
            json!({"after": -1, "drop_connection": true}),
            json!({"after": "2", "drop_connection": true}),
            json!({"after": 1.5, "drop_connection": true}),
            json!({"after": null, "drop_connection": true}),
            json!({"colour": "red", "drop_connection": true}),
            json!({"fault": {"class": "SoftLayer_Exception", "mesage": "typo"}}),
            json!({"http": {"status": 503, "body": "x"}}),
            json!({"fault": "SoftLayer_Exception"}),
            // Two effects, one of which would be dropped without a word.
            json!({"preset": "rate_limit", "drop_connection": true}),
            json!({"preset": "unavailable", "http": {"status": 502}}),
            json!({"preset": "timeout", "fault": {"class": "SoftLayer_Exception"}}),
            json!({"drop_connection": true, "http": {"status": 502}}),
            json!({"user": "", "preset": "rate_limit"}),
        ] {
            assert!(f.add(&bad).is_err(), "{bad}");
        }
        assert!(!f.any());
        // A fault with its own HTTP status is one effect; refused rules took no id.
        let rule = f
            .add(&json!({"fault": {"class": "SoftLayer_Exception"}, "http": {"status": 502}}))
            .unwrap();
        assert_eq!(rule["id"], 1);
        assert!(
            f.add(&json!({"drop_connection": false, "latency_ms": 5}))
                .is_ok()
        );
    }
}
