//! What a call holds that authenticates, kept out of what the server writes down: the
//! journal's arguments and filters, the warnings it logs and records, the faults it
//! records. The caller's own answer is told what it sent.

use crate::value::Value;

/// Parameter, member and property names whose values are credentials.
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

/// The text an object filter asks of properties named like credentials: a fault or a
/// warning about such a filter quotes it (`Unknown object filter operation '=' in
/// '= KEY'`), and the journal kept the key in clear there after redacting the filter.
pub fn asked_of_secrets(filter: &Value) -> Vec<String> {
    fn walk(v: &Value, secret: bool, out: &mut Vec<String>) {
        match v {
            Value::Struct(members) => members
                .iter()
                .for_each(|(name, v)| walk(v, secret || named_secret(name), out)),
            Value::Array(items) => items.iter().for_each(|v| walk(v, secret, out)),
            _ if !secret => {}
            Value::String(s) | Value::DateTime(s) => out.push(s.clone()),
            Value::Base64(bytes) => out.push(String::from_utf8_lossy(bytes).into_owned()),
            Value::Int(n) => out.push(n.to_string()),
            Value::Float(f) => out.push(f.to_string()),
            Value::Null | Value::Bool(_) => {}
        }
    }
    let mut out = Vec::new();
    walk(filter, false, &mut out);
    out
}

/// `text` with each secret, and each word of one, redacted. Words of fewer than four
/// characters and the filter language's own words (`orderBy`, `sort`, `DESC`) are left:
/// replacing them would garble the text around them, and they keep no secret.
pub fn without_secrets(text: String, secrets: &[String]) -> String {
    const SHORTEST: usize = 4;
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
    if secrets.is_empty() {
        return text;
    }
    let mut words: Vec<&str> = secrets
        .iter()
        .flat_map(|s| {
            // The whole text less its operator, so that the text still says which
            // operation it was (`'= [redacted]'`).
            let operand = s.trim().trim_start_matches(|c| "=<>!~^$*_".contains(c));
            std::iter::once(operand.trim()).chain(s.split_whitespace())
        })
        .filter(|w| w.chars().count() >= SHORTEST)
        .filter(|w| !FILTER_WORDS.iter().any(|f| f.eq_ignore_ascii_case(w)))
        .collect();
    // Longest first: a word inside a longer secret would otherwise cut it in two.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words
        .iter()
        .fold(text, |text, w| text.replace(w, "[redacted]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: &str) -> Value {
        Value::from(&serde_json::from_str::<serde_json::Value>(json).unwrap())
    }

    #[test]
    fn what_a_filter_asks_of_a_credential_is_redacted_where_quoted() {
        let f = filter(
            r#"{"users": {"id": {"operation": 5001}, "apiAuthenticationKeys": {"authenticationKey":
               {"operation": "orderBy", "options": [{"name": "sort", "value": ["s3cret-key"]}]}}}}"#,
        );
        let secrets = asked_of_secrets(&f);
        assert_eq!(secrets, ["orderBy", "sort", "s3cret-key"]);
        assert_eq!(
            without_secrets(
                "'orderBy' on authenticationKey ignored: sort 's3cret-key' is neither ASC nor DESC"
                    .into(),
                &secrets
            ),
            "'orderBy' on authenticationKey ignored: sort '[redacted]' is neither ASC nor DESC"
        );
        let secrets = asked_of_secrets(&filter(r#"{"password": {"operation": "= two words"}}"#));
        assert_eq!(
            without_secrets("in '= two words' and 'two'".into(), &secrets),
            "in '= [redacted]' and 'two'"
        );
    }
}
