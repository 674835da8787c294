//! What a call holds that authenticates, kept out of what the server writes down: the
//! journal's arguments and filters, and what the messages about a filter quote of it
//! (the warning header, the server log, the journal's warnings and faults).

use crate::value::Value;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Parameter, member and property names whose values are credentials.
/// `text` with every run of 32 or more ASCII letters and digits (an API key is 64 hex
/// digits) as `[redacted]`: for messages that quote a body whose credentials were never
/// read (one that did not parse), so are not known to be redacted by name.
pub fn without_key_shapes(text: &str) -> String {
    redact_runs(text, |c| c.is_ascii_alphanumeric(), |_| false, |_| true)
}

/// As [`without_key_shapes`], with `-` and `_` inside a run too (an IBM Cloud API key,
/// which softlayer-python sends as the `apiKey` of the user `apikey`, is 44 of them): for
/// a value's text quoted whole, where no type or member name stands.
/// A SoftLayer type or service name (`SoftLayer_Virtual_Guest_Block_Device_Template_Group`,
/// a script's type where a value goes) and a UUID (a `globalIdentifier`) are of that shape
/// too, and are what the developer needs to see: kept.
pub fn without_credential_shapes(text: &str) -> String {
    redact_runs(
        text,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        |run| is_type_name(run) || is_uuid(run),
        |_| true,
    )
}

/// As [`without_credential_shapes`], for an id that names nothing, which its "not found"
/// message names back to the caller: a run of one kind is a method or property name
/// (`getOpenTicketsWaitingOnCustomerCount`, a misplaced path segment) or a number, and
/// is shown, but for one of an API key's 64 characters. A key holds letters and digits
/// both: 64 hex digits, or an IBM Cloud key's 44 characters, all but never without one or
/// the other. So does a method name with a digit (`getHasR1softBareMetalRestorePluginFlag`),
/// which is shown too ([`is_identifier`]).
pub fn id_without_credential_shapes(text: &str) -> String {
    let mixed = |run: &str| {
        run.bytes().any(|b| b.is_ascii_digit()) && run.bytes().any(|b| b.is_ascii_alphabetic())
    };
    redact_runs(
        text,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        |run| is_type_name(run) || is_uuid(run) || is_identifier(run),
        |run| mixed(run) || run.len() == 64,
    )
}

/// A camelCase name (`getPrimaryBackendNetworkComponentIpv6Address`): letters and a few
/// digits, in words of four characters or more on average, never all hex digits. A key
/// is none: 64 hex digits; or an IBM Cloud key's 44 random characters of 64 kinds, which
/// hold seven digits and eighteen capitals on average, and a `-` or `_` three times in
/// four (one in some thousands has the few digits and capitals of a name).
fn is_identifier(run: &str) -> bool {
    let count = |of: fn(&u8) -> bool| run.bytes().filter(of).count();
    run.starts_with(|c: char| c.is_ascii_alphabetic())
        && run.bytes().all(|b| b.is_ascii_alphanumeric())
        && !run.bytes().all(|b| b.is_ascii_hexdigit())
        && count(u8::is_ascii_digit) * 12 <= run.len()
        && count(u8::is_ascii_uppercase) * 4 <= run.len()
}

/// As [`id_without_credential_shapes`], down to runs of 16 with a digit in them: for a
/// message quoting a request that was not read as a call (a SOAP body that did not parse
/// names the element it stopped at, `<` put inside `<apiKey>`: the rest of the key, a
/// part of any length, is what stands there). Words of letters alone, as element names
/// are, are kept below 32.
pub fn fragment_without_credential_shapes(text: &str) -> String {
    redact_runs_from(
        16,
        text,
        |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
        |run| is_type_name(run) || is_uuid(run),
        |run| run.bytes().any(|b| b.is_ascii_digit()) || run.len() >= 32,
    )
}

/// [`id_without_credential_shapes`] through a JSON value: its texts and member names
/// (an init id sent as a struct or list, or base64 text of a key).
pub fn json_without_credential_shapes(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        J::String(s) => J::String(id_without_credential_shapes(&s)),
        J::Array(items) => J::Array(
            items
                .into_iter()
                .map(json_without_credential_shapes)
                .collect(),
        ),
        J::Object(members) => J::Object(
            members
                .into_iter()
                .map(|(k, v)| {
                    (
                        id_without_credential_shapes(&k),
                        json_without_credential_shapes(v),
                    )
                })
                .collect(),
        ),
        other => other,
    }
}

/// `SoftLayer_` and a name of letters, digits (`…_Version1_…`) and `_`, not starting
/// with a digit: a key's run of hex digits after the prefix still reads as a key (a word
/// of hex letters alone, `Ad`, `Feed`, is a name's).
fn is_type_name(run: &str) -> bool {
    let key_like = |word: &str| {
        word.bytes().all(|b| b.is_ascii_hexdigit()) && word.bytes().any(|b| b.is_ascii_digit())
    };
    run.strip_prefix("SoftLayer_").is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_alphabetic())
            && rest
                .split('_')
                .all(|word| !word.is_empty() && !key_like(word))
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

fn is_uuid(run: &str) -> bool {
    let groups: Vec<&str> = run.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn redact_runs(
    text: &str,
    in_run: impl Fn(char) -> bool,
    kept: impl Fn(&str) -> bool,
    key_like: impl Fn(&str) -> bool,
) -> String {
    redact_runs_from(32, text, in_run, kept, key_like)
}

/// `text` with its runs of `in_run` characters, `shortest` or longer, that are
/// `key_like` and not `kept`, as `[redacted]`.
fn redact_runs_from(
    shortest: usize,
    text: &str,
    in_run: impl Fn(char) -> bool,
    kept: impl Fn(&str) -> bool,
    key_like: impl Fn(&str) -> bool,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= shortest && key_like(run) && !kept(run) {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if in_run(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

pub fn named_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "apikey",
        "api_key",
        "authtoken",
        "secret",
        "token",
        // getPortalLoginToken's `securityQuestionAnswer`: a second password.
        "answer",
        // SoftLayer_User_Customer_ApiAuthentication's: an API key by another name.
        "authenticationkey",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// The reply members that are credentials wherever a reply holds them, at any depth: a
/// user's API key as SoftLayer_User_Customer_ApiAuthentication's `authenticationKey`
/// (a user's `apiAuthenticationKeys`, through a mask of any call that reaches users).
pub const SECRET_REPLY_PROPERTIES: &[&str] = &["authenticationKey"];

/// Whether the reply of a call may hold [`SECRET_REPLY_PROPERTIES`]: its method answers
/// the key's type (`getApiAuthenticationKeys`), or its mask or REST path names a user's
/// keys (`mask[users[apiAuthenticationKeys]]`, `…/User_Customer/5001/ApiAuthenticationKeys`).
/// Masks and paths are read without regard to case: a false yes costs only the reply's
/// redaction. Asked of every recorded reply, so a mask (up to megabytes) is searched
/// where it lies, not copied in lower case first.
pub fn reply_may_hold_secrets(
    returns: &str,
    mask: Option<&str>,
    path: Option<&[impl AsRef<str>]>,
) -> bool {
    const KEY_TYPE: &str = "SoftLayer_User_Customer_ApiAuthentication";
    const RELATION: &[u8] = b"apiauthenticationkey";
    let names = |text: &str| {
        text.as_bytes()
            .windows(RELATION.len())
            .any(|w| w.eq_ignore_ascii_case(RELATION))
    };
    returns.trim_end_matches("[]") == KEY_TYPE
        || mask.is_some_and(names)
        || path.is_some_and(|segments| segments.iter().any(|s| names(s.as_ref())))
}

/// A filter for the journal: what it asks of a property named like a credential is
/// redacted, as such an argument is (a filter on `authenticationKey`, the way to find
/// whose API key one is, kept the key in clear).
pub fn redacted_filter(filter: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match filter {
        J::Object(members) => J::Object(
            members
                .into_iter()
                .map(|(name, value)| match named_secret(&name) {
                    true => (name, J::from("[redacted]")),
                    false => (name, redacted_filter(value)),
                })
                .collect(),
        ),
        J::Array(items) => J::Array(items.into_iter().map(redacted_filter).collect()),
        other => other,
    }
}

/// What the messages about one member of an object filter must not quote: the values
/// it asks of a credential, in every form a message may quote them (as sent, less its
/// operator, word by word, as JSON with `\\` and `\"` escaped, and base64 as encoded).
/// The journal kept `Unknown object filter operation '=' in '= KEY'` after redacting the
/// filter itself. Words of fewer than four characters and the filter language's own
/// (`orderBy`, `sort`, `DESC`) are left: replacing them would garble the text, and they
/// keep no secret. Found in one pass whatever their number (a 180,000-value list under a
/// password took 75 s of CPU replaced form by form), by a matcher built only when a
/// message is redacted: most filters make none, and building it cost time quadratic in a
/// long repetitive value (`'x' * 40,000` under `password`: 6 s of CPU, however valid
/// the filter), less in its non-contiguous form.
pub struct Redaction {
    forms: Vec<String>,
    matcher: std::cell::OnceCell<Option<AhoCorasick>>,
    /// The member is a credential's: every value below it is one.
    whole: bool,
}

/// The most bytes of forms one matcher is built for: past it, a message about the member
/// is redacted whole (a million words under a password held 430 MB of automaton).
const MAX_FORM_BYTES: usize = 1 << 20;

impl Redaction {
    /// For the member `name` of a filter, `child` below it: every value of `child` when
    /// `name` is a credential's; else the values under credential-named keys inside its
    /// `operation` and `options` (a nested property is a member of its own, and
    /// redacting its values here garbled its neighbours' messages).
    pub fn of_member(name: &str, child: &Value) -> Redaction {
        let mut forms = Vec::new();
        let whole = named_secret(name);
        match whole {
            true => quoted_forms(child, &mut forms),
            false => {
                secrets_in_operation(child, name == "operation" || name == "options", &mut forms)
            }
        }
        forms.retain(|w| w.chars().count() >= SHORTEST && !is_filter_word(w));
        Redaction {
            forms,
            matcher: std::cell::OnceCell::new(),
            whole,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Whether this redaction covers every member below its own (a credential's).
    pub fn covers_all_below(&self) -> bool {
        self.whole
    }

    /// `text` with the secrets' forms redacted (all of it, should they be too many to
    /// find).
    pub fn apply(&self, text: String) -> String {
        if self.forms.is_empty() {
            return text;
        }
        let matcher = self.matcher.get_or_init(|| {
            let mut forms: Vec<&str> = self.forms.iter().map(String::as_str).collect();
            forms.sort_unstable();
            forms.dedup();
            let bytes: usize = forms.iter().map(|f| f.len()).sum();
            (bytes <= MAX_FORM_BYTES)
                .then(|| {
                    AhoCorasick::builder()
                        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                        .match_kind(MatchKind::LeftmostLongest)
                        .build(&forms)
                        .ok()
                })
                .flatten()
        });
        match matcher {
            Some(matcher) => {
                matcher.replace_all(&text, &vec!["[redacted]"; matcher.patterns_len()])
            }
            None => "[redacted]".to_string(),
        }
    }
}

const SHORTEST: usize = 4;

fn is_filter_word(word: &str) -> bool {
    const FILTER_WORDS: [&str; 16] = [
        "orderBy",
        "sort",
        "sortOrder",
        "DESC",
        "data",
        "date",
        "startDate",
        "endDate",
        "isDate",
        "lessThanDate",
        "greaterThanDate",
        "betweenDate",
        "null",
        "is null",
        "not null",
        "not in",
    ];
    FILTER_WORDS.iter().any(|f| f.eq_ignore_ascii_case(word))
}

/// The forms of the values under credential-named keys in what `v` holds for an
/// operation (`in_operation`: `v` is an `operation` or `options` value, or inside one)
/// or in a list.
fn secrets_in_operation(v: &Value, in_operation: bool, out: &mut Vec<String>) {
    match v {
        Value::Struct(members) => {
            for (key, v) in members {
                if in_operation && named_secret(key) {
                    quoted_forms(v, out);
                } else if in_operation || key == "operation" || key == "options" {
                    secrets_in_operation(v, true, out);
                }
            }
        }
        // A list where an object belongs is no member of its own: a message quotes it
        // whole (`[{"password": …}] is a bare value`).
        Value::Array(items) => items
            .iter()
            .for_each(|v| secrets_in_operation(v, true, out)),
        _ => {}
    }
}

/// The forms in which a message may quote `v`'s values ([`Redaction`]).
fn quoted_forms(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Struct(members) => members.values().for_each(|v| quoted_forms(v, out)),
        Value::Array(items) => items.iter().for_each(|v| quoted_forms(v, out)),
        Value::String(s) | Value::DateTime(s) => text_forms(s, out),
        Value::Base64(bytes) => {
            text_forms(&String::from_utf8_lossy(bytes), out);
            if let serde_json::Value::String(encoded) = serde_json::Value::from(v) {
                out.push(encoded);
            }
        }
        Value::Int(_) => out.push(serde_json::Value::from(v).to_string()),
        Value::Float(f) => {
            out.push(serde_json::Value::from(v).to_string());
            out.push(f.to_string());
        }
        Value::Null | Value::Bool(_) => {}
    }
}

fn text_forms(s: &str, out: &mut Vec<String>) {
    let operand = s
        .trim()
        .trim_start_matches(|c| "=<>!~^$*_".contains(c))
        .trim();
    out.push(operand.to_string());
    out.extend(s.split_whitespace().map(str::to_string));
    // As JSON writes it, without its quotes, where that differs: `{"x":"a\\b"}` quotes
    // `a\b` so. (The whole text's form only then: as it is, it would take the operator
    // along.)
    for text in [s, operand] {
        let json = serde_json::Value::from(text).to_string();
        let inner = &json[1..json.len() - 1];
        if inner != text {
            out.push(inner.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parse error's quote of part of a key is redacted down to 16 characters with a
    /// digit; element names (words, SoftLayer types) are kept.
    #[test]
    fn a_fragment_of_a_key_is_redacted_and_element_names_kept() {
        let quoted = |name: &str| format!("an element named \"{name}\", which is no XML name");
        for fragment in [
            "23456789abcdef0123456789abcdef",
            "1111111111111111",
            "89abcdef0123456789abcdef0123",
        ] {
            assert_eq!(
                fragment_without_credential_shapes(&quoted(fragment)),
                quoted("[redacted]")
            );
        }
        for name in [
            "authenticationKey",
            "SoftLayer_TicketInitParameters",
            "abc123",
            "ns1",
        ] {
            assert_eq!(
                fragment_without_credential_shapes(&quoted(name)),
                quoted(name)
            );
        }
    }

    /// A reply may hold an API key when its method answers the key's type, or its mask
    /// or REST path names a user's keys, in any case; not otherwise.
    #[test]
    fn replies_that_may_hold_an_api_key_are_told_apart() {
        let key_type = "SoftLayer_User_Customer_ApiAuthentication[]";
        assert!(reply_may_hold_secrets(key_type, None, None::<&[&str]>));
        let mask = "mask[users[id,apiAuthenticationKeys[authenticationKey]]]";
        assert!(reply_may_hold_secrets(
            "SoftLayer_Account",
            Some(mask),
            None::<&[&str]>
        ));
        let path = ["SoftLayer_User_Customer", "5001", "ApiAuthenticationKeys"];
        assert!(reply_may_hold_secrets(
            "SoftLayer_User_Customer",
            None,
            Some(&path)
        ));
        assert!(!reply_may_hold_secrets(
            "SoftLayer_User_Customer",
            Some("mask[id,userStatus]"),
            Some(&["SoftLayer_User_Customer", "5001"]),
        ));
    }

    #[test]
    fn credential_shapes_spare_type_names_and_uuids() {
        let ibm_key = "Xq3_Z9kLmN0pQrStUv-WxYz12345aBcDeFgHiJ_kLmN";
        let text = format!(
            "bad integer \"SoftLayer_Virtual_Guest_Block_Device_Template_Group\", \
             \"0f8e4c2a-1b3d-4e5f-9a8b-7c6d5e4f3a2b\", \"{ibm_key}\", \"{}\"",
            "ab12".repeat(16)
        );
        assert_eq!(
            without_credential_shapes(&text),
            "bad integer \"SoftLayer_Virtual_Guest_Block_Device_Template_Group\", \
             \"0f8e4c2a-1b3d-4e5f-9a8b-7c6d5e4f3a2b\", \"[redacted]\", \"[redacted]\""
        );
        // Digits inside a name's words are a name's too, as are words of hex letters.
        for name in [
            "SoftLayer_Network_Bandwidth_Version1_Allotment_Detail",
            "SoftLayer_Network_Cdn_Ad_Feed_Detail_Version1",
        ] {
            assert_eq!(without_credential_shapes(name), name);
        }
        // Quoted from a body, a run of one kind may be a password or the seeded key of
        // 64 digits; as an id that names nothing, a method name or a number is shown.
        for (run, as_id) in [
            ("getOpenTicketsWaitingOnCustomerCount", true),
            ("1234567890123456789012345678901234567890", true),
            (&*"1".repeat(64), false),
            ("0123456789abcdef0123456789abcdef", false),
        ] {
            assert_eq!(without_credential_shapes(run), "[redacted]", "{run}");
            let shown = id_without_credential_shapes(run);
            assert_eq!(shown == run, as_id, "{run}: {shown}");
        }
        // Method names with a digit are names, keys of their length are not.
        for name in [
            "getHasR1softBareMetalRestorePluginFlag",
            "getFrontendNetworkComponentsIpv6",
            "getPrimaryBackendNetworkComponentIpv6Address12",
        ] {
            assert_eq!(id_without_credential_shapes(name), name);
        }
        for key in [
            ibm_key,
            "Xq3Z9kLmN0pQrStUvWxYz12345aBcDeFgHiJkLmNoPq",
            "abcdef0123456789abcdef0123456789",
            "deadbeefcafe0deadbeefcafe0deadbeefcafe0deadbeefcafe0deadbeefcaf",
        ] {
            assert_eq!(id_without_credential_shapes(key), "[redacted]", "{key}");
        }
        // A key after the prefix is no type name.
        assert_eq!(
            without_credential_shapes(&format!("SoftLayer_{}", "ab12".repeat(16))),
            "[redacted]"
        );
    }

    /// As the messages under a `password` member of a filter are.
    fn without_values(text: String, child: &Value) -> String {
        Redaction::of_member("password", child).apply(text)
    }

    /// Under an ordinary member, only what its operation holds under a credential's name,
    /// not what a nested property (a member of its own) asks.
    #[test]
    fn an_ordinary_member_redacts_only_the_credentials_in_its_operation() {
        let id = filter(
            r#"{"operation": "in", "options": [{"name": "data", "value": [1]}, {"password": "s3cret"}]}"#,
        );
        assert_eq!(
            Redaction::of_member("id", &id).apply(r#"option {"password":"s3cret"} ignored"#.into()),
            r#"option {"password":"[redacted]"} ignored"#
        );
        let top = filter(r#"{"password": "s3cret"}"#);
        assert!(!Redaction::of_member("operation", &top).is_empty());
        let users = filter(
            r#"{"passwordExpireDate": {"operation": "2026-12-31"}, "createDate": {"operation": "2026-12-31x"}}"#,
        );
        assert!(Redaction::of_member("users", &users).is_empty());
        let listed = filter(r#"[{"forumPasswordHash": {"operation": "= hunter2secret"}}]"#);
        assert_eq!(
            Redaction::of_member("", &listed).apply("[{\"operation\":\"= hunter2secret\"}]".into()),
            "[{\"operation\":\"= [redacted]\"}]"
        );
    }

    fn filter(json: &str) -> Value {
        Value::from(&serde_json::from_str::<serde_json::Value>(json).unwrap())
    }

    #[test]
    fn what_a_filter_asks_of_a_credential_is_redacted_where_quoted() {
        let sort = filter(
            r#"{"operation": "orderBy", "options": [{"name": "sort", "value": ["s3cret-key"]}]}"#,
        );
        assert_eq!(
            without_values(
                "'orderBy' on authenticationKey ignored: sort 's3cret-key' is neither ASC nor DESC"
                    .into(),
                &sort
            ),
            "'orderBy' on authenticationKey ignored: sort '[redacted]' is neither ASC nor DESC"
        );
        let words = filter(r#"{"operation": "= two words"}"#);
        assert_eq!(
            without_values("in '= two words' and 'two'".into(), &words),
            "in '= [redacted]' and 'two'"
        );
        // As JSON quotes it, and as base64.
        let escaped =
            filter(r#"{"operation": "in", "options": [{"name": "data", "value": ["a\\b\"c"]}]}"#);
        assert_eq!(
            without_values(r#"option {"value":["a\\b\"c"]} ignored"#.into(), &escaped),
            r#"option {"value":["[redacted]"]} ignored"#
        );
        let latin1 = Value::Base64(b"hunter2\xe9secret".to_vec());
        let encoded = serde_json::Value::from(&latin1).to_string();
        assert_eq!(
            without_values(format!("'{encoded}' on password ignored"), &latin1),
            "'\"[redacted]\"' on password ignored"
        );
    }
}
