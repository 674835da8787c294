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

/// `text`, a fault's or a warning's about what an object filter asks of a property
/// named like a credential (`subtree`, the filter below that property), with each value
/// the subtree holds redacted in each form a message may quote it: as sent, less its
/// operator (`'= [redacted]'` still says which operation it was), word by word, as JSON
/// (`\\` and `\"` escaped, in a quoted option) and, for base64, encoded. Words of fewer
/// than four characters and the filter language's own (`orderBy`, `sort`, `DESC`) are
/// left: replacing them would garble the text, and they keep no secret. The journal kept
/// `Unknown object filter operation '=' in '= KEY'` after redacting the filter itself.
pub fn without_values(text: String, subtree: &Value) -> String {
    let mut forms = Vec::new();
    quoted_forms(subtree, &mut forms);
    forms.retain(|w| w.chars().count() >= SHORTEST && !is_filter_word(w));
    // Longest first: a word inside a longer form would otherwise cut it in two.
    forms.sort_by_key(|w| std::cmp::Reverse(w.len()));
    forms.dedup();
    forms
        .iter()
        .fold(text, |text, w| text.replace(w.as_str(), "[redacted]"))
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

/// The forms in which a message may quote `v`'s values ([`without_values`]).
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
        Value::Int(_) | Value::Float(_) => {
            out.push(serde_json::Value::from(v).to_string());
            out.push(match v {
                Value::Float(f) => f.to_string(),
                _ => String::new(),
            });
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
