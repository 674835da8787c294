use super::functions::{FilterRegex, Walked};
use super::sql::reads_only_tally_columns;
use super::text_index::{
    QUEUE_BOUNDS, SEARCHED_QUEUE_ROWS, TEXT_INDEXES, TRIGRAM_QUERY_CHARS, folded_needle,
    queue_bounds, trigram_query,
};
use super::*;
use crate::schema::filter::ObjectFilter;
use crate::store::ticket_status::CLOSED;

fn with_conn(f: impl FnOnce(&Connection)) {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .read(|conn| -> Result<(), super::super::StoreError> {
            f(conn);
            Ok(())
        })
        .unwrap();
}

/// An open ticket of account 1001 with `id` and `title`, to insert in a test.
fn ticket_row(id: i64, title: &str) -> crate::value::Struct {
    let mut row = crate::value::Struct::new();
    row.insert("id".into(), Value::Int(id));
    row.insert("accountId".into(), Value::Int(1001));
    row.insert("statusId".into(), Value::Int(1001));
    row.insert(
        "createDate".into(),
        Value::from("2026-01-01T00:00:00-06:00"),
    );
    row.insert("title".into(), Value::from(title));
    row
}

fn ids(conn: &Connection, filter: &str) -> Vec<i64> {
    let filter: serde_json::Value = serde_json::from_str(filter).unwrap();
    listed_ids(conn, &filter, text_index_enabled())
}

/// The ids of account 1001's tickets that `filter` selects, in id order, through the
/// trigram indexes or (`text_index` false) the plain scan.
fn listed_ids(conn: &Connection, filter: &serde_json::Value, text_index: bool) -> Vec<i64> {
    listed(conn, filter, text_index).0
}

/// [`listed_ids`], and the builder that listed them (what it asked the indexes).
fn listed(
    conn: &Connection,
    filter: &serde_json::Value,
    text_index: bool,
) -> (Vec<i64>, SqlBuilder) {
    let f = ObjectFilter::parse("SoftLayer_Ticket", &filter.into()).unwrap();
    let mut b = SqlBuilder::new(vec![]);
    b.text_index = text_index;
    let q = ListQuery {
        filter: Some(&f),
        limit: None,
    };
    let ids = list(
        conn,
        &mut b,
        ("SoftLayer_Ticket", None),
        "SoftLayer_Ticket r0",
        "r0.accountId = 1001",
        "r0.id",
        &q,
        u64::MAX,
    )
    .unwrap()
    .rows
    .iter()
    .map(|r| r.id().unwrap())
    .collect();
    (ids, b)
}

#[test]
fn streaming_gives_the_same_page_and_total() {
    with_conn(|conn| {
        for (filter, limit) in [
            ("{}", None),
            (
                r#"{"updates": {"entry": {"operation": "*= e"}}}"#,
                Some((1, 1)),
            ),
            (
                r#"{"createDate": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]},
                    "status": {"name": {"operation": "!= Closed"}}}"#,
                Some((5, 0)),
            ),
        ] {
            let f = ObjectFilter::parse(
                "SoftLayer_Ticket",
                &(&serde_json::from_str::<serde_json::Value>(filter).unwrap()).into(),
            )
            .unwrap();
            let q = ListQuery {
                filter: Some(&f),
                limit: limit.map(|(limit, offset)| crate::call::ResultLimit {
                    offset,
                    limit: Some(limit),
                }),
            };
            let args = (
                ("SoftLayer_Ticket", None),
                "SoftLayer_Ticket r0",
                "r0.accountId = 1001",
                "r0.id",
            );
            let new = || SqlBuilder::new(vec![]);
            let page = list(
                conn,
                &mut new(),
                args.0,
                args.1,
                args.2,
                args.3,
                &q,
                u64::MAX,
            )
            .unwrap();
            let mut total = None;
            let mut rows = Vec::new();
            list_each(
                conn,
                &mut new(),
                args.0,
                args.1,
                args.2,
                args.3,
                &q,
                &mut |n, _| {
                    total = Some(n);
                    Ok(())
                },
                &mut |r| {
                    rows.push(r);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(total, Some(page.total), "{filter}");
            assert_eq!(rows, page.rows, "{filter}");
        }
    });
}

/// The lazy DFA walked under the budget answers what the regex library answers, on
/// texts with newlines, non-ASCII letters and word boundaries.
#[test]
fn the_walked_lazy_dfa_matches_as_the_library_does() {
    let patterns = [
        "a{10}b",
        "(foo|bar)+baz",
        "^x",
        "x$",
        "^é",
        r"\bword\b",
        r"\Bor",
        "[0-9]{3}-[0-9]{4}",
        "(?i)HELLO",
        "é+ü",
        "^$",
        "(?m)^line$",
        "a.c",
        "[^a-z]{5}",
        r"\d+\s\w+",
        "",
    ];
    let alphabet: Vec<char> = "abcxo fhelwrdHEL0123456789-é\nüÉ".chars().collect();
    let mut seed = 7u64;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    let mut checked = 0;
    for round in 0..120 {
        let len = [0, 1, 5, 300, 5000][round % 5];
        let mut text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
        if round % 3 == 0 {
            text.push_str(["word", "foobarbaz", "123-4567", "hello", "line"][next(5)]);
        }
        for pattern in patterns {
            let re = FilterRegex::new(pattern).unwrap();
            let want = re.regex.is_match(&text);
            let lazy = re.lazy().expect("every pattern here builds a lazy DFA");
            let mut cache = lazy.cache.lock().unwrap();
            match lazy.walk(&mut cache, text.as_bytes()) {
                Walked::Matched(got) => {
                    assert_eq!(got, want, "{pattern:?} on {text:?}");
                    checked += 1;
                }
                // A Unicode word boundary beside a non-ASCII byte.
                Walked::Unable => assert!(pattern.contains('\\')),
                Walked::OverBudget => unreachable!("no budget outside a server"),
            }
        }
    }
    assert!(checked > 1500, "{checked}");
}

#[test]
fn functions_work_in_sql() {
    with_conn(|conn| {
        let yes: bool = conn
            .query_row("SELECT 'Hello' REGEXP '^H.l+o$'", [], |r| r.get(0))
            .unwrap();
        assert!(yes);
        let folded: String = conn
            .query_row("SELECT sl_fold('ÉCOLE')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(folded, "école");
        let folded: String = conn
            .query_row("SELECT sl_fold('ΟΔΟΣ ΟΔΟΣΑ οδος')", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(folded, "οδοσ οδοσα οδοσ");
    });
}

/// [`FOLDED_TO_ASCII`] names every character past ASCII whose fold holds ASCII.
#[test]
fn the_characters_folding_to_ascii_are_all_named() {
    let folding_to_ascii: Vec<char> = (0x80..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| fold_case(&c.to_string()).bytes().any(|b| b.is_ascii()))
        .collect();
    assert_eq!(folding_to_ascii, FOLDED_TO_ASCII);
}

/// The text searches answer as `LIKE` over the folds answers (`sl_fold(value) LIKE
/// fold(pattern)`: what the text operations were before, `value LIKE pattern` for an
/// ASCII needle, missed the Kelvin sign for `k`, and lowering alone missed a Σ ending
/// the needle within a word) on random texts and needles (non-ASCII, case variants,
/// context-dependent lowering, `LIKE`'s wildcards and escape), texts holding a NUL,
/// numbers and NULL, negated too. Needles holding a NUL are left out: `LIKE` read its pattern only up
/// to one (`*= ab\0cd` was `$= ab`); now such a needle finds nothing, as no value is
/// read past a NUL.
#[test]
fn text_match_answers_as_like_did() {
    let conn = Connection::open_in_memory().unwrap();
    register_functions(&conn).unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, x)")
        .unwrap();
    let mut rng = Rng(0x5EED);
    let texts: Vec<String> = (0..300).map(|_| rng.text(12)).collect();
    let mut values: Vec<rusqlite::types::Value> = texts
        .iter()
        .map(|t| rusqlite::types::Value::Text(t.clone()))
        .collect();
    for (i, t) in texts.iter().take(20).enumerate() {
        values.push(rusqlite::types::Value::Text(format!(
            "{t}\0{}",
            texts[i + 1]
        )));
    }
    values.extend([
        rusqlite::types::Value::Null,
        rusqlite::types::Value::Integer(160000001),
        rusqlite::types::Value::Integer(-12),
        rusqlite::types::Value::Real(100.0),
        rusqlite::types::Value::Real(0.1),
        rusqlite::types::Value::Real(1e20),
    ]);
    for (id, v) in values.iter().enumerate() {
        conn.execute("INSERT INTO t (id, x) VALUES (?1, ?2)", (id as i64, v))
            .unwrap();
    }
    let mut digits = vec!["160".to_string(), "0.1".into(), ".0".into(), "e+20".into()];
    digits.extend(["-1".into(), "00001".into(), "E+".into()]);
    let ids = |sql: &str, params: &[Value]| -> Vec<i64> {
        let mut stmt = conn.prepare_cached(sql).unwrap();
        let params = used_params(&stmt, params);
        stmt.query_map(params, |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let like_escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    };
    let mut compared = 0;
    for round in 0..2000 {
        let how = rng.below(3);
        let needle = if round < digits.len() * 3 {
            digits[round / 3].clone()
        } else {
            rng.needle(how, &texts)
        };
        let escaped = like_escape(&needle);
        let (how, pattern) = match how {
            0 => (TextMatch::Contains, format!("%{escaped}%")),
            1 => (TextMatch::StartsWith, format!("{escaped}%")),
            _ => (TextMatch::EndsWith, format!("%{escaped}")),
        };
        let (before, pattern) = (
            "sl_fold(CAST(t.x AS TEXT)) LIKE ?1 ESCAPE '\\'",
            fold_case(&pattern),
        );
        let pattern = [Value::String(pattern)];
        for matches in [true, false] {
            let mut b = SqlBuilder::new(Vec::new());
            let op = Operation::Text {
                how,
                text: needle.clone(),
                matches,
            };
            let now = b.operation("t.x", false, &op).sql();
            let before = if matches {
                before.to_string()
            } else {
                format!("(t.x IS NULL OR NOT ({before}))")
            };
            assert_eq!(
                ids(
                    &format!("SELECT id FROM t WHERE {now} ORDER BY id"),
                    &b.params
                ),
                ids(
                    &format!("SELECT id FROM t WHERE {before} ORDER BY id"),
                    &pattern
                ),
                "{how:?} {needle:?} matches {matches}: {now}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4000);
}

/// A text search takes time linear in the value, where `LIKE` took the value's length
/// times the needle's: `%aaa…ab%` against a million `a`s took 20 s at 4,096
/// characters, in one step the SQL time budget cannot interrupt.
#[test]
fn text_match_is_linear_in_the_value() {
    let conn = Connection::open_in_memory().unwrap();
    register_functions(&conn).unwrap();
    let value = "a".repeat(1_000_000);
    let needle = format!(
        "{}b",
        "a".repeat(crate::schema::filter::MAX_TEXT_VALUE_CHARS - 1)
    );
    for function in [
        "sl_text_contains_ascii",
        "sl_text_ends_ascii",
        "sl_text_contains_unicode",
        "sl_text_ends_unicode",
    ] {
        let started = std::time::Instant::now();
        let found: bool = conn
            .query_row(
                &format!("SELECT {function}(?1, ?2)"),
                [&value, &needle],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!found);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(500), "{function}: {took:?}");
    }
}

#[test]
fn filters_run_in_sql() {
    with_conn(|conn| {
        let all = ids(conn, "{}");
        assert_eq!(all.len(), 3);
        assert_eq!(
            ids(conn, r#"{"title": {"operation": "Hardware Issue"}}"#),
            vec![160000001]
        );
        assert_eq!(
            ids(conn, r#"{"status": {"name": {"operation": "Open"}}}"#).len(),
            ids(conn, r#"{"statusId": {"operation": 1001}}"#).len()
        );
        assert_eq!(
            ids(
                conn,
                r#"{"attachedHardware": {"hostname": {"operation": "web01"}}}"#
            ),
            vec![160000001]
        );
        assert_eq!(
            ids(
                conn,
                r#"{"updates": {"entry": {"operation": "*= SMARTCTL"}}}"#
            ),
            vec![160000001]
        );
        assert!(
            ids(
                conn,
                r#"{"updates": {"editor": {"username": {"operation": "demo"}}}}"#
            )
            .contains(&160000001)
        );
        // A polymorphic relation whose join is a subquery (the last editor).
        assert_eq!(
            ids(
                conn,
                r#"{"lastEditor": {"username": {"operation": "demo"}}, "id": {"operation": 160000001}}"#
            ),
            vec![160000001]
        );
        let created = ids(
            conn,
            r#"{"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}"#,
        );
        let mut sorted = all.clone();
        sorted.reverse();
        assert_eq!(created, sorted);
    });
}

#[test]
fn to_one_conditions_use_uncorrelated_subqueries() {
    with_conn(|conn| {
        let f = ObjectFilter::parse(
            "SoftLayer_Ticket",
            &(&serde_json::json!({"status": {"name": {"operation": "Open"}}})).into(),
        )
        .unwrap();
        let (sql, params) = explain(conn, "SoftLayer_Ticket", &f);
        assert_eq!(
            sql,
            "r0.\"statusId\" IN (SELECT r1.id FROM SoftLayer_Ticket_Status r1 WHERE (1) AND r1.\"name\" = ?1)"
        );
        assert_eq!(params, vec![Value::from("Open")]);
    });
}

/// Pieces random texts are made of: non-ASCII, case variants, `LIKE` wildcards,
/// context-dependent lowering (the final sigma, the dotted capital I).
const PIECES: &[&str] = &[
    "a",
    "B",
    "c",
    "D",
    "e",
    "é",
    "É",
    "ß",
    "ẞ",
    "İ",
    "ı",
    "i",
    "I",
    "Σ",
    "σ",
    "ς",
    "K",
    "\u{212A}",
    "ǅ",
    "ﬀ",
    "%",
    "_",
    "\\",
    " ",
    "x",
    "Y",
    "ö",
    "Ö",
    "日",
    "本",
    "\"",
    "'",
    "disk",
    "DISK",
    "Ünïcode",
];

/// A small deterministic random source (splitmix64) for the text search tests.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn text(&mut self, max: usize) -> String {
        (0..self.below(max))
            .map(|_| PIECES[self.below(PIECES.len())])
            .collect()
    }

    /// A needle for `how` (0 `*=`, 1 `^=`, 2 `$=`): mostly a piece of one of `texts`
    /// in another case, sometimes random text.
    fn needle(&mut self, how: usize, texts: &[String]) -> String {
        if self.below(5) == 0 || texts.is_empty() {
            return self.text(6);
        }
        self.piece_of(how, texts)
    }

    /// A piece of one of `texts` as `how` finds it (its start for `^=`, its end for
    /// `$=`), each character in a random case.
    fn piece_of(&mut self, how: usize, texts: &[String]) -> String {
        let chars: Vec<char> = texts[self.below(texts.len())].chars().collect();
        let start = if how == 1 {
            0
        } else {
            self.below(chars.len() + 1)
        };
        let end = if how == 2 {
            chars.len()
        } else {
            start + self.below(chars.len() - start + 1)
        };
        chars[start..end]
            .iter()
            .map(|c| match self.below(3) {
                0 => c.to_uppercase().collect::<String>(),
                1 => c.to_lowercase().collect(),
                _ => c.to_string(),
            })
            .collect()
    }
}

/// Account 1001's tickets under `on` filtered by `filter`, limited to `limit` from the
/// start: the total and the page's ids, through the trigram indexes and the text tally
/// or (`text_index` false) the plain scan.
fn account_page(
    conn: &Connection,
    filter: &serde_json::Value,
    on: &str,
    limit: u64,
    text_index: bool,
) -> (u64, Vec<i64>) {
    let f = ObjectFilter::parse("SoftLayer_Ticket", &filter.into()).unwrap();
    let q = ListQuery {
        filter: Some(&f),
        limit: Some(crate::call::ResultLimit {
            offset: 0,
            limit: Some(limit),
        }),
    };
    let mut b = SqlBuilder::new(vec![Value::Int(1001)]);
    b.text_index = text_index;
    let page = list(
        conn,
        &mut b,
        ("SoftLayer_Ticket", None),
        "SoftLayer_Ticket r0",
        on,
        "r0.id",
        &q,
        u64::MAX,
    )
    .unwrap();
    (
        page.total,
        page.rows.iter().map(|r| r.id().unwrap()).collect(),
    )
}

/// Issue 14: totals and pages with the text tally (text_tally.rs) equal the plain
/// scan's, on random texts, as first built and after the writes it must follow:
/// titles edited, updates added, tickets closed and created (seen through the
/// writer's update hook), a write by another connection (seen through the writer's
/// `data_version`), and a restore.
#[test]
fn text_tally_totals_equal_the_plain_scan() {
    let dir = super::super::ScratchDir::new("text-tally");
    let path = dir.join("tally.sqlite3");
    let path = path.to_str().unwrap();
    let store = super::super::Store::open(path).unwrap();
    let mut rng = Rng(0x7A11);
    let mut titles = Vec::new();
    let mut entries = Vec::new();
    let mut next_update = 1_900_000_000i64;
    let mut add_update = |conn: &Connection, ticket: i64, entry: &str| -> Result<(), StoreError> {
        next_update += 1;
        let mut update = crate::value::Struct::new();
        update.insert("id".into(), Value::Int(next_update));
        update.insert("ticketId".into(), Value::Int(ticket));
        update.insert("entry".into(), Value::from(entry));
        update.insert(
            "createDate".into(),
            Value::from("2026-01-01T00:00:00-06:00"),
        );
        update.insert("editorType".into(), Value::from("USER"));
        super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
        Ok(())
    };
    store
        .write(|conn| -> Result<(), StoreError> {
            for i in 0..300i64 {
                let title = rng.text(14);
                let mut row = ticket_row(180_000_000 + i, &title);
                if i % 4 == 0 {
                    row.insert("statusId".into(), Value::Int(CLOSED));
                }
                super::super::insert(conn, "SoftLayer_Ticket", &row)?;
                titles.push(title);
                for _ in 0..rng.below(4) {
                    let entry = rng.text(20);
                    add_update(conn, 180_000_000 + i, &entry)?;
                    entries.push(entry);
                }
            }
            Ok(())
        })
        .unwrap();
    let ready = |store: &super::super::Store| {
        store.prepare_text_tally();
        for _ in 0..500 {
            if store.text_tally().0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("the text tally was not built");
    };
    // Each way of listing an account's tickets the tally serves: all, open, closed.
    let on = [
        "r0.accountId = ?1 AND 1 = 1",
        "r0.accountId = ?1 AND r0.statusId <> 1002",
        "r0.accountId = ?1 AND r0.statusId = 1002",
    ];
    let compare = |rng: &mut Rng, titles: &[String], entries: &[String], rounds: usize| {
        let answered_before = store.text_tally().1;
        let mut with_matches = 0;
        store
            .read(|conn| -> Result<(), StoreError> {
                for round in 0..rounds {
                    let how = rng.below(3);
                    let on_title = round % 2 == 0;
                    let needle = rng.needle(how, if on_title { titles } else { entries });
                    let op = ["*=", "^=", "$="][how];
                    let leaf = serde_json::json!({"operation": format!("{op} {needle}")});
                    let mut filter = if on_title {
                        serde_json::json!({"title": leaf})
                    } else {
                        serde_json::json!({"updates": {"entry": leaf}})
                    };
                    // One in three beside another condition: the tally names the
                    // tickets holding the text, and SQLite counts.
                    if rng.below(3) == 0 {
                        let from = 180_000_000 + rng.below(300);
                        filter["id"] = serde_json::json!({"operation": format!("> {from}")});
                    }
                    if ObjectFilter::parse("SoftLayer_Ticket", &(&filter).into()).is_err() {
                        continue;
                    }
                    let on = on[rng.below(on.len())];
                    let scan = account_page(conn, &filter, on, 2, false);
                    assert_eq!(
                        account_page(conn, &filter, on, 2, true),
                        scan,
                        "{filter} {on}"
                    );
                    with_matches += usize::from(scan.0 > 2);
                }
                Ok(())
            })
            .unwrap();
        // The tally answered (rather than leaving every count to SQLite), and the
        // needles found enough to count past a page.
        let answered = store.text_tally().1 - answered_before;
        assert!(answered as usize > rounds / 2, "{answered} of {rounds}");
        assert!(with_matches > rounds / 10, "{with_matches} of {rounds}");
    };
    ready(&store);
    compare(&mut rng, &titles, &entries, 300);
    // Writes through the writer: titles edited, updates added, tickets closed,
    // reopened and created. The tally reads the rows they touched again.
    store
        .write(|conn| -> Result<(), StoreError> {
            for i in (0..300i64).step_by(7) {
                let title = rng.text(14);
                let mut set = crate::value::Struct::new();
                set.insert("title".into(), Value::String(title.clone()));
                let status = if i % 2 == 0 { CLOSED } else { 1001 };
                set.insert("statusId".into(), Value::Int(status));
                super::super::update(conn, "SoftLayer_Ticket", 180_000_000 + i, &set)?;
                titles[i as usize] = title;
                let entry = rng.text(20);
                add_update(conn, 180_000_000 + i, &entry)?;
                entries.push(entry);
            }
            for i in 300..340i64 {
                let title = rng.text(14);
                super::super::insert(
                    conn,
                    "SoftLayer_Ticket",
                    &ticket_row(180_000_000 + i, &title),
                )?;
                titles.push(title);
                let entry = rng.text(20);
                add_update(conn, 180_000_000 + i, &entry)?;
                entries.push(entry);
            }
            Ok(())
        })
        .unwrap();
    assert!(store.text_tally().0, "followed without building again");
    compare(&mut rng, &titles, &entries, 300);
    // Another connection (another process, say) writes: the writer's data_version
    // moves, and the tally is built again before it answers.
    {
        let other = Connection::open(path).unwrap();
        register_functions(&other).unwrap();
        other.busy_timeout(Duration::from_secs(5)).unwrap();
        let title = "Written by another writer".to_string();
        other
            .execute(
                "UPDATE SoftLayer_Ticket SET title = ?1 WHERE id = 180000003",
                [&title],
            )
            .unwrap();
        titles[3] = title;
        other
            .execute(
                "INSERT INTO SoftLayer_Ticket_Update (id, ticketId, entry, createDate, editorType) \
                 VALUES (1999999999, 180000005, 'Also by another writer', '2026-01-01T00:00:00-06:00', 'USER')",
                [],
            )
            .unwrap();
        entries.push("Also by another writer".to_string());
    }
    // Asked before any write of this process: the writer looks when idle.
    let total_of = |filter: serde_json::Value| {
        store
            .read(|conn| -> Result<u64, StoreError> {
                Ok(account_page(conn, &filter, "r0.accountId = ?1 AND 1 = 1", 1, true).0)
            })
            .unwrap()
    };
    for _ in 0..2 {
        assert_eq!(
            total_of(serde_json::json!({"title": {"operation": "*= by another writer"}})),
            1
        );
        assert_eq!(
            total_of(
                serde_json::json!({"updates": {"entry": {"operation": "$= by another writer"}}})
            ),
            1
        );
        ready(&store);
    }
    compare(&mut rng, &titles, &entries, 200);
    // A restore replaces every page: built again.
    let snapshot = dir.join("snapshot.sqlite3");
    let mut copy = Connection::open(&snapshot).unwrap();
    store.backup_into(&mut copy).unwrap();
    store
        .write(|conn| -> Result<(), StoreError> {
            let mut set = crate::value::Struct::new();
            set.insert("title".into(), Value::from("gone after the restore"));
            super::super::update(conn, "SoftLayer_Ticket", 180_000_001, &set)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        total_of(serde_json::json!({"title": {"operation": "*= after the restore"}})),
        1
    );
    store.restore_from(&copy).unwrap();
    ready(&store);
    assert_eq!(
        total_of(serde_json::json!({"title": {"operation": "*= after the restore"}})),
        0
    );
    compare(&mut rng, &titles, &entries, 200);
}

/// The text tally under writes and searches at once: whatever it answered while the
/// writes went on, once they are over its totals are the plain scan's again (no row
/// a write touched is left unread, whichever snapshot a catch-up saw).
#[test]
fn text_tally_follows_writes_made_while_it_counts() {
    let dir = super::super::ScratchDir::new("text-tally-race");
    let path = dir.join("tally.sqlite3");
    let store = Arc::new(super::super::Store::open(path.to_str().unwrap()).unwrap());
    store.prepare_text_tally();
    for _ in 0..500 {
        if store.text_tally().0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let words = ["alpha", "Beta", "gamma", "DELTA", "épsilon"];
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            let mut rng = Rng(0xACE);
            for i in 0..3000i64 {
                store
                    .write(|conn| -> Result<(), StoreError> {
                        let id = 190_000_000 + i;
                        let word = words[rng.below(words.len())];
                        super::super::insert(
                            conn,
                            "SoftLayer_Ticket",
                            &ticket_row(id, &format!("{word} {i}")),
                        )?;
                        let mut update = crate::value::Struct::new();
                        update.insert("id".into(), Value::Int(1_950_000_000 + i));
                        update.insert(
                            "ticketId".into(),
                            Value::Int(190_000_000 + rng.below(i as usize + 1) as i64),
                        );
                        update.insert(
                            "entry".into(),
                            Value::String(format!("{} note", words[rng.below(words.len())])),
                        );
                        update.insert(
                            "createDate".into(),
                            Value::from("2026-01-01T00:00:00-06:00"),
                        );
                        update.insert("editorType".into(), Value::from("USER"));
                        super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
                        if i % 3 == 0 {
                            let mut set = crate::value::Struct::new();
                            let word = words[rng.below(words.len())];
                            set.insert("title".into(), Value::String(format!("{word} again")));
                            set.insert("statusId".into(), Value::Int(CLOSED));
                            super::super::update(
                                conn,
                                "SoftLayer_Ticket",
                                190_000_000 + i / 2,
                                &set,
                            )?;
                        }
                        Ok(())
                    })
                    .unwrap();
            }
        })
    };
    let total = |filter: &serde_json::Value, text_index: bool| {
        store
            .read(|conn| -> Result<u64, StoreError> {
                let on = "r0.accountId = ?1 AND r0.statusId <> 1002";
                Ok(account_page(conn, filter, on, 1, text_index).0)
            })
            .unwrap()
    };
    let filters: Vec<serde_json::Value> = words
        .iter()
        .flat_map(|w| {
            [
                serde_json::json!({"title": {"operation": format!("^= {w}")}}),
                serde_json::json!({"updates": {"entry": {"operation": format!("*= {}", w.to_uppercase())}}}),
            ]
        })
        .collect();
    let mut during = 0;
    while !writer.is_finished() {
        for f in &filters {
            total(f, true);
            during += 1;
        }
    }
    writer.join().unwrap();
    let answered = store.text_tally().1;
    for f in &filters {
        assert_eq!(total(f, true), total(f, false), "{f}");
    }
    assert!(store.text_tally().1 >= answered + filters.len() as u64);
    assert!(during > 100, "{during}");
}

/// Issue 14: the trigram indexes answer text searches exactly as the plain scan does,
/// on random titles and entries (non-ASCII, case variants, LIKE wildcards, context-
/// dependent lowering such as the final sigma and the dotted capital I), after
/// inserts, updates and deletes.
#[test]
fn trigram_search_answers_as_the_plain_scan() {
    let mut rng = Rng(0x5EED);
    let store = super::super::Store::open(":memory:").unwrap();
    let mut titles = Vec::new();
    let mut entries = Vec::new();
    store
        .write(|conn| -> Result<(), StoreError> {
            for i in 0..240i64 {
                let id = 170_000_000 + i;
                let title = rng.text(14);
                super::super::insert(conn, "SoftLayer_Ticket", &ticket_row(id, &title))?;
                titles.push(title);
                for k in 0..2 {
                    let mut update = crate::value::Struct::new();
                    update.insert("id".into(), Value::Int(id * 10 + k));
                    update.insert("ticketId".into(), Value::Int(id));
                    let entry = rng.text(20);
                    entries.push(entry.clone());
                    update.insert("entry".into(), Value::String(entry));
                    update.insert(
                        "createDate".into(),
                        Value::from("2026-01-01T00:00:00-06:00"),
                    );
                    update.insert("editorType".into(), Value::from("USER"));
                    super::super::insert(conn, "SoftLayer_Ticket_Update", &update)?;
                }
            }
            // Writes after the fact: the triggers follow them.
            for i in (0..240i64).step_by(7) {
                let title = rng.text(14);
                let mut set = crate::value::Struct::new();
                set.insert("title".into(), Value::String(title.clone()));
                super::super::update(conn, "SoftLayer_Ticket", 170_000_000 + i, &set)?;
                titles[i as usize] = title;
                conn.execute(
                    "DELETE FROM SoftLayer_Ticket_Update WHERE id = ?1",
                    [(170_000_000 + i) * 10],
                )?;
            }
            Ok(())
        })
        .unwrap();
    let mut checked = 0;
    let mut indexed = 0;
    store
        .read(|conn| -> Result<(), StoreError> {
            for round in 0..600 {
                let how = rng.below(3);
                // A piece of a stored text in another case, or random text.
                let needle: String = if round % 5 == 0 {
                    rng.text(6)
                } else {
                    rng.piece_of(how, if round % 2 == 0 { &titles } else { &entries })
                };
                let op = ["*=", "^=", "$="][how];
                let leaf = serde_json::json!({"operation": format!("{op} {needle}")});
                let filter = if round % 2 == 0 {
                    serde_json::json!({"title": leaf})
                } else {
                    serde_json::json!({"updates": {"entry": leaf}})
                };
                let Ok(f) = ObjectFilter::parse("SoftLayer_Ticket", &(&filter).into()) else {
                    continue;
                };
                let q = ListQuery {
                    filter: Some(&f),
                    limit: None,
                };
                let answer = |text_index: bool| {
                    let mut b = SqlBuilder::new(vec![]);
                    b.text_index = text_index;
                    list(
                        conn,
                        &mut b,
                        ("SoftLayer_Ticket", None),
                        "SoftLayer_Ticket r0",
                        "r0.accountId = 1001",
                        "r0.id",
                        &q,
                        u64::MAX,
                    )
                    .unwrap()
                    .rows
                    .iter()
                    .map(|r| r.id().unwrap())
                    .collect::<Vec<_>>()
                };
                let scan = answer(false);
                assert_eq!(answer(true), scan, "{filter}");
                checked += 1;
                indexed += (needle.trim().chars().count() >= 3 && !scan.is_empty()) as usize;
            }
            Ok(())
        })
        .unwrap();
    // The comparison must have exercised the index, with matches to find.
    assert!(checked > 500 && indexed > 150, "{checked} {indexed}");
    // A needle the index knows nowhere makes the whole filter false; the parameters
    // of the conditions bound before it are left unused, without an error.
    store
        .read(|conn| -> Result<(), StoreError> {
            let f = ObjectFilter::parse(
                "SoftLayer_Ticket",
                &(&serde_json::json!({"id": {"operation": 170_000_001},
                    "title": {"operation": "*= qqqzzzqqq"}}))
                    .into(),
            )
            .unwrap();
            let q = ListQuery {
                filter: Some(&f),
                limit: Some(crate::call::ResultLimit {
                    offset: 0,
                    limit: Some(5),
                }),
            };
            let page = list(
                conn,
                &mut SqlBuilder::new(vec![]),
                ("SoftLayer_Ticket", None),
                "SoftLayer_Ticket r0",
                "r0.accountId = 1001",
                "r0.id",
                &q,
                u64::MAX,
            )
            .unwrap();
            assert!(page.rows.is_empty() && page.total == 0);
            Ok(())
        })
        .unwrap();
}

/// The queue's bounds are read at every batch of writes, and the queue may hold a
/// million rows: each bound must be one lookup at an end of the queue's b-tree,
/// never a scan of it (`min(..), max(..)` in one query scans).
#[test]
fn queue_bounds_are_two_lookups() {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .read(|conn| -> Result<(), StoreError> {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {QUEUE_BOUNDS}"))?
                .query_map([], |r| r.get::<_, String>(3))?
                .collect::<Result<_, _>>()?;
            let on_queue: Vec<&String> = plan
                .iter()
                .filter(|d| d.contains("emulator_text_index_queue"))
                .collect();
            assert_eq!(on_queue.len(), 2, "{plan:?}");
            assert!(
                on_queue.iter().all(|d| d.starts_with("SEARCH")),
                "each bound a lookup, not a scan: {plan:?}"
            );
            // Empty, then with rows: the bounds are the first and last rowids.
            assert_eq!(queue_bounds(conn)?, None);
            for id in [5, 6, 9] {
                conn.execute(
                    "INSERT INTO emulator_text_index_queue (kind, rowId) VALUES (0, ?1)",
                    [id],
                )?;
            }
            conn.execute("DELETE FROM emulator_text_index_queue WHERE rowId = 5", [])?;
            let first: i64 = conn.query_row(
                "SELECT _rowid_ FROM emulator_text_index_queue WHERE rowId = 6",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(queue_bounds(conn)?, Some((first, first + 1)));
            assert_eq!(queued_text_rows(conn)?, 2);
            Ok(())
        })
        .unwrap();
}

/// The rows queued for the text indexes, counted one by one.
fn queue_count(conn: &Connection) -> u64 {
    conn.query_row("SELECT count(*) FROM emulator_text_index_queue", [], |r| {
        r.get(0)
    })
    .unwrap()
}

/// Each needle's title search through the indexes, which must equal the scan's.
fn title_answers(conn: &Connection, needles: &[&str]) -> Vec<Vec<i64>> {
    needles
        .iter()
        .map(|needle| {
            let scan = title_search(conn, needle, false);
            assert_eq!(title_search(conn, needle, true), scan, "{needle}");
            scan
        })
        .collect()
}

/// The ids the ticket list gives for `title *= needle`, through the trigram index or
/// the plain scan.
fn title_search(conn: &Connection, needle: &str, text_index: bool) -> Vec<i64> {
    let filter = serde_json::json!({"title": {"operation": format!("*= {needle}")}});
    listed_ids(conn, &filter, text_index)
}

/// Issue 14: with group commit (a file database, writers at once), the text the
/// writer's batches insert is queued and indexed from time to time: every committed
/// title is found through the index and the queue exactly as by the scan, both while
/// rows are queued and once the idle writer has indexed them; a writer rolled back
/// leaves nothing behind, and titles changed in later batches are found by their
/// new text only.
#[test]
fn text_inserted_in_grouped_writes_is_found_before_and_after_it_is_indexed() {
    let dir = super::super::ScratchDir::new("text-queue");
    let path = dir.join("queue.sqlite3");
    let store = std::sync::Arc::new(super::super::Store::open(path.to_str().unwrap()).unwrap());
    let ticket = |conn: &Connection, id: i64, title: &str| -> Result<(), StoreError> {
        super::super::insert(conn, "SoftLayer_Ticket", &ticket_row(id, title)).map(|_| ())
    };
    let threads: Vec<_> = (0..8i64)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..30i64 {
                    let id = 171_000_000 + t * 100 + i;
                    let _ = store.submit_and_wait(move |c| {
                        ticket(c, id, &format!("qz{t}x{i}w first"))?;
                        if i % 5 == 1 {
                            // Renamed in the batch that inserted it.
                            let mut set = crate::value::Struct::new();
                            set.insert("title".into(), Value::from(format!("qz{t}x{i}w renamed")));
                            super::super::update(c, "SoftLayer_Ticket", id, &set)?;
                        }
                        if i % 7 == 3 {
                            // Fails after writing: rolled back, queue and all.
                            c.execute("INSERT INTO no_such_table VALUES (1)", [])?;
                        }
                        Ok(())
                    });
                    if i % 6 == 2 {
                        // Renamed in a later batch.
                        let _ = store.submit_and_wait(move |c| {
                            let mut set = crate::value::Struct::new();
                            set.insert("title".into(), Value::from(format!("qz{t}x{i}w later")));
                            super::super::update(c, "SoftLayer_Ticket", id, &set)
                        });
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let queued = || {
        store
            .read(|conn| -> Result<u64, StoreError> { Ok(queue_count(conn)) })
            .unwrap()
    };
    let searches_match_the_scan = || {
        store
            .read(|conn| -> Result<(), StoreError> {
                let mut found = 0;
                for t in 0..8 {
                    for i in 0..30 {
                        for word in ["first", "renamed", "later"] {
                            let needle = format!("qz{t}x{i}w {word}");
                            let scan = title_search(conn, &needle, false);
                            assert_eq!(title_search(conn, &needle, true), scan, "{needle}");
                            found += scan.len();
                        }
                    }
                }
                // Every committed ticket has one title; the rolled-back have none.
                let committed = (0..8 * 30).filter(|n| n % 30 % 7 != 3).count();
                assert_eq!(found, committed);
                Ok(())
            })
            .unwrap()
    };
    let queued_after_writes = queued();
    searches_match_the_scan();
    let waited = std::time::Instant::now();
    while queued() > 0 {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(10),
            "the idle writer indexes the queue ({queued_after_writes} rows after the writes)"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    searches_match_the_scan();
    drop(store);
}

/// Rows queued for the text index (committed, not yet indexed) are found by text
/// searches as the scan finds them, non-ASCII and case variants included; indexing
/// the queue changes no answer.
#[test]
fn queued_text_is_searched_beside_the_index() {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .read(|conn| -> Result<(), StoreError> {
            let titles = [
                "Disk FAILURE on qv-host-1",
                "ÉCOLE réseau qv lent",
                "qv ΑΣ Β ticket",
                "plain qv title",
            ];
            conn.execute_batch("BEGIN")?;
            for (i, title) in titles.iter().enumerate() {
                super::super::insert(
                    conn,
                    "SoftLayer_Ticket",
                    &ticket_row(172_000_000 + i as i64, title),
                )?;
            }
            // Committed without indexing, as a batch of the writer thread may be.
            conn.execute_batch("COMMIT")?;
            assert_eq!(queue_count(conn), titles.len() as u64);
            let needles = [
                "disk failure",
                "QV-HOST",
                "école",
                "RÉSEAU QV",
                "ας β",
                "qv",
                "qv t",
                "no such text",
            ];
            let answers = |conn: &Connection| title_answers(conn, &needles);
            let before = answers(conn);
            assert!(before.iter().filter(|ids| !ids.is_empty()).count() >= 6);
            index_queued_text(conn)?;
            assert_eq!(answers(conn), before);
            Ok(())
        })
        .unwrap();
}

/// Issue 14, item 4: under writes that never pause the queue grows long. A search
/// then leaves the index and the queue alone (the plain scan answers, as found by
/// the builder), indexing in steps takes the oldest rows first, and no answer changes
/// on the way; the queue's length is read from its own rowids, not from its `rowId`
/// column (the tickets' ids, here seven apart).
#[test]
fn a_long_text_queue_is_left_to_the_scan_and_indexed_in_steps() {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .read(|conn| -> Result<(), StoreError> {
            let queued = SEARCHED_QUEUE_ROWS as i64 + 500;
            conn.execute_batch("BEGIN")?;
            for i in 0..queued {
                let title = format!(
                    "Qk{} lot {} {}",
                    i % 97,
                    i % 13,
                    ["Éa", "ça", "xy"][i as usize % 3]
                );
                super::super::insert(
                    conn,
                    "SoftLayer_Ticket",
                    &ticket_row(173_000_000 + 7 * i, &title),
                )?;
            }
            // A queued title changed: out of the queue and into the index at once.
            let mut set = crate::value::Struct::new();
            set.insert("title".into(), Value::from("qk renamed ÉA"));
            super::super::update(conn, "SoftLayer_Ticket", 173_000_007, &set)?;
            conn.execute_batch("COMMIT")?;
            assert_eq!(queue_count(conn), queued as u64 - 1);
            assert_eq!(queued_text_rows(conn)?, queued as u64);
            let needles = [
                "qk5 lot",
                "QK96 LOT 5",
                "lot 3 éa",
                "ÇA",
                "renamed éa",
                "nothing",
            ];
            let answers = |conn: &Connection| title_answers(conn, &needles);
            let before = answers(conn);
            assert!(before.iter().filter(|ids| !ids.is_empty()).count() >= 5);
            let asked = |conn: &Connection| {
                let filter = serde_json::json!({"title": {"operation": "*= qk5 lot"}});
                let (_, b) = listed(conn, &filter, true);
                b.candidates.values().next().cloned().flatten().is_some()
            };
            assert!(!asked(conn), "a long queue leaves the index out");
            // The first 1,000 queued (one of them, the renamed title, left already).
            assert!(index_queued_text_upto(conn, 1_000)?);
            assert_eq!(queue_count(conn), queued as u64 - 1_000);
            let oldest: i64 = conn.query_row(
                "SELECT min(rowId) FROM emulator_text_index_queue",
                [],
                |r| r.get(0),
            )?;
            assert_eq!(oldest, 173_000_000 + 7 * 1_000);
            assert_eq!(answers(conn), before);
            assert!(asked(conn), "a short queue is read beside the index");
            assert!(!index_queued_text_upto(conn, u64::MAX)?);
            assert_eq!((queue_count(conn), queued_text_rows(conn)?), (0, 0));
            assert_eq!(answers(conn), before);
            Ok(())
        })
        .unwrap();
}

/// A step of indexing takes at most its rows' worth of characters: 500 long texts
/// made one step of seconds that every write waited for. At least one row goes,
/// however long.
#[test]
fn a_step_of_indexing_is_bounded_by_the_text_it_takes() {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .write(|conn| -> Result<(), StoreError> {
            index_queued_text(conn)?;
            let long = "x".repeat(4_000);
            for i in 0..40 {
                super::super::insert(
                    conn,
                    "SoftLayer_Ticket",
                    &ticket_row(174_000_000 + i, &format!("{i} {long}")),
                )?;
            }
            assert_eq!(queue_count(conn), 40);
            assert!(index_queued_text_upto(conn, TEXT_INDEX_STEP)?);
            // 64,000 characters: 15 titles of 4,003-4,004 (the 16th would pass it).
            assert_eq!(queue_count(conn), 25);
            assert!(index_queued_text_upto(conn, 1)?);
            assert_eq!(queue_count(conn), 24, "one row, however long");
            assert!(!index_queued_text_upto(conn, u64::MAX)?);
            assert_eq!(queue_count(conn), 0);
            Ok(())
        })
        .unwrap();
}

/// Without the writer thread (an in-memory database) no idle writer indexes the
/// queue, so the batches do, once it holds a step's rows: it never grows past a step.
#[test]
fn batches_without_the_writer_thread_index_the_queue_themselves() {
    let store = super::super::Store::open(":memory:").unwrap();
    assert!(!store.has_writer_thread());
    let mut longest = 0;
    for i in 0..(3 * TEXT_INDEX_STEP as i64) {
        store
            .submit_and_wait(move |c| {
                let row = ticket_row(174_000_000 + i, &format!("qm{i} batch"));
                super::super::insert(c, "SoftLayer_Ticket", &row).map(|_| ())
            })
            .unwrap();
        longest = longest.max(store.queued_text_rows().unwrap());
    }
    assert!(longest >= TEXT_INDEX_STEP - 1, "{longest}");
    assert!(longest <= TEXT_INDEX_STEP, "{longest}");
    store
        .read(|conn| -> Result<(), StoreError> {
            assert_eq!(
                title_answers(conn, &["qm7 batch", "QM1499 BATCH"]),
                [vec![174_000_007], vec![174_001_499]]
            );
            Ok(())
        })
        .unwrap();
}

/// The queue's statements read the queue first, then each queued row's row, even
/// where the statistics say the queue is long and the table short (so that SQLite
/// would rather scan the table and look each row up in the queue's index).
#[test]
fn queue_statements_read_the_queue_first() {
    let store = super::super::Store::open(":memory:").unwrap();
    store
        .read(|conn| -> Result<(), StoreError> {
            conn.execute_batch(
                "ANALYZE; \
                 DELETE FROM sqlite_stat1 WHERE tbl IN ('emulator_text_index_queue', \
                    'SoftLayer_Ticket', 'SoftLayer_Ticket_Update'); \
                 INSERT INTO sqlite_stat1 VALUES \
                    ('emulator_text_index_queue', 'emulator_text_index_queue_row', \
                     '300000 150000 1'), \
                    ('emulator_text_index_queue', NULL, '300000'), \
                    ('SoftLayer_Ticket', NULL, '10'), \
                    ('SoftLayer_Ticket_Update', NULL, '10'); \
                 ANALYZE sqlite_schema;",
            )?;
            for index in TEXT_INDEXES {
                for sql in [index.index_queued_sql(), index.candidates_sql()] {
                    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
                    let plan: Vec<String> = stmt
                        .query_map(rusqlite::params_from_iter(nulls), |r| r.get(3))?
                        .collect::<rusqlite::Result<_>>()?;
                    let of = |alias: &str| {
                        let at = plan
                            .iter()
                            .position(|l| l.split_whitespace().nth(1) == Some(alias));
                        at.unwrap_or_else(|| panic!("{alias} in {plan:?}"))
                    };
                    let (queue, row) = (of("q"), of("r"));
                    assert!(queue < row, "{sql}: {plan:?}");
                    assert!(!plan[row].starts_with("SCAN"), "{sql}: {plan:?}");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// A long queue does not hold up a store's exit: the writer indexes at most a step as
/// it stops, and the rest waits for the next start.
#[test]
fn a_long_text_queue_is_left_for_the_next_start() {
    let dir = super::super::ScratchDir::new("queue-exit");
    let path = dir.join("exit.sqlite3");
    let path = path.to_str().unwrap();
    drop(super::super::Store::open(path).unwrap());
    let queued = 30_000;
    let count = || queue_count(&Connection::open(path).unwrap());
    // Queued rows of tickets that do not exist: indexing them takes them off the
    // queue and adds nothing.
    Connection::open(path)
        .unwrap()
        .execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {queued}) \
             INSERT INTO emulator_text_index_queue (kind, rowId) SELECT 0, -i FROM n"
        ))
        .unwrap();
    let store = super::super::Store::open(path).unwrap();
    assert!(store.has_writer_thread());
    drop(store);
    // A slow machine may give the idle writer a few steps before the drop.
    assert!(count() > queued - 10 * TEXT_INDEX_STEP, "{}", count());
    let store = super::super::Store::open(path).unwrap();
    let waited = std::time::Instant::now();
    while store.queued_text_rows().unwrap() > 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "the idle writer indexes it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(store);
    assert_eq!(count(), 0);
}

#[test]
fn trigram_queries_fold_and_quote() {
    let query = |needle: &str| folded_needle(needle).map(|f| trigram_query(&f));
    assert_eq!(query("ab"), None);
    assert_eq!(query("DiSk"), Some("\"disk\"".into()));
    assert_eq!(query("a\"bc"), Some("\"a\"\"bc\"".into()));
    // Σ folds to σ wherever it stands, as ς does.
    assert_eq!(query("ΑΣ Β"), Some("\"ασ β\"".into()));
    assert_eq!(query("ας β"), Some("\"ασ β\"".into()));
    // A long needle's first characters.
    let long = format!("{}ZZZ", "é\"".repeat(TRIGRAM_QUERY_CHARS / 2));
    let piece = "é\"\"".repeat(TRIGRAM_QUERY_CHARS / 2);
    assert_eq!(query(&long), Some(format!("\"{piece}\"")));
}

#[test]
fn tally_columns_are_recognised() {
    assert!(reads_only_tally_columns(
        "(r0.accountId = ?1 AND r0.statusId <> 1002) AND r0.\"priority\" = ?2"
    ));
    assert!(reads_only_tally_columns(
        "r0.\"statusId\" IN (SELECT r1.id FROM SoftLayer_Ticket_Status r1 WHERE r1.\"name\" = ?1)"
    ));
    assert!(!reads_only_tally_columns(
        "r0.accountId = ?1 AND r0.\"title\" LIKE ?2"
    ));
    assert!(!reads_only_tally_columns("r0.id IN (SELECT 1)"));
}

#[test]
fn julian_days_match_sqlite() {
    with_conn(|conn| {
        for text in [
            "2026-10-01T09:15:00-05:00",
            "1999-12-31T23:59:59+00:00",
            "2024-02-29T12:00:00.123Z",
        ] {
            let jd: f64 = conn
                .query_row("SELECT julianday(?1)", [text], |r| r.get(0))
                .unwrap();
            let ms = chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis();
            assert_eq!(jd, julian_day(ms), "{text}");
        }
    });
}
