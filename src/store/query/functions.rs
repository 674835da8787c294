//! The SQL functions filters use, registered on every connection: `regexp` (within the SQL
//! time budget, [`FilterRegex`]), `sl_fold` and the `sl_text_…` searches.

use super::BoxError;
use crate::schema::filter::{MAX_REGEX_SIZE, TextMatch, build_regex};
use memchr::memmem;
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use std::sync::{Arc, Mutex, OnceLock};

/// Registers the SQL functions filters use, on every connection: `regexp(pattern, text)`
/// (so `text REGEXP pattern` works; the compiled expression is cached per statement),
/// `sl_fold(text)` (Unicode lower case) and the text searches `sl_text_contains_ascii(text,
/// needle)` and its kin ([`text_match_function`], [`text_matches`]; the needle's searcher
/// is cached per statement).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    // Innocuous: `sl_fold` runs in the trigram indexes' triggers.
    let flags = FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS;
    conn.create_scalar_function("regexp", 2, flags, |ctx| {
        let re: Arc<FilterRegex> = ctx.get_or_create_aux(0, |pattern| -> Result<_, BoxError> {
            Ok(FilterRegex::new(pattern.as_str()?)?)
        })?;
        let matched = match ctx.get_raw(1) {
            ValueRef::Null => return Ok(None),
            ValueRef::Text(t) | ValueRef::Blob(t) => re.is_match(&String::from_utf8_lossy(t)),
            ValueRef::Integer(i) => re.is_match(&i.to_string()),
            ValueRef::Real(f) => re.is_match(&f.to_string()),
        };
        // Past the budget: the statement fails as the progress handler fails it.
        matched.map(Some).ok_or_else(|| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                None,
            )
        })
    })?;
    // A stored date as a caller in the zone (IANA name, daylight saving 0/1) is shown it:
    // text filters on dates match that (schema/filter.rs, `Operation::ShownIn`).
    conn.create_scalar_function("emulator_shown_date", 3, flags, |ctx| {
        let Some(stored) = ctx.get::<Option<String>>(0)? else {
            return Ok(None);
        };
        let tz: String = ctx.get(1)?;
        let zone = crate::time::Zone {
            tz: tz.parse().unwrap_or(chrono_tz::America::Chicago),
            daylight_saving: ctx.get::<i64>(2)? != 0,
        };
        Ok(Some(zone.render_stored(&stored).unwrap_or(stored)))
    })?;
    // One function per kind of search, so that a row's call reads no more than the value
    // (taking `how` and `fold` as arguments cost a sixth more per row).
    for how in [
        TextMatch::StartsWith,
        TextMatch::EndsWith,
        TextMatch::Contains,
    ] {
        for fold in [Fold::Ascii, Fold::Unicode] {
            conn.create_scalar_function(text_match_function(how, fold), 2, flags, move |ctx| {
                let needle: Arc<SearchedNeedle> =
                    ctx.get_or_create_aux(1, |needle| -> Result<_, BoxError> {
                        let needle = needle.as_bytes()?;
                        Ok(SearchedNeedle {
                            finder: memmem::Finder::new(needle).into_owned(),
                            folded_to_ascii: fold == Fold::Ascii
                                && may_match_folded_to_ascii(needle),
                        })
                    })?;
                // The SQL casts the value to text first, as `LIKE` read it (a number as
                // SQLite writes it).
                Ok(match ctx.get_raw(0) {
                    ValueRef::Null => None,
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(text_matches(t, &needle, how, fold))
                    }
                    ValueRef::Integer(i) => {
                        Some(text_matches(i.to_string().as_bytes(), &needle, how, fold))
                    }
                    ValueRef::Real(f) => {
                        Some(text_matches(f.to_string().as_bytes(), &needle, how, fold))
                    }
                })
            })?;
        }
    }
    // An e-mail address as `services::email_key` compares it.
    conn.create_scalar_function("sl_email_key", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) => Some(crate::services::email_key(&String::from_utf8_lossy(t))),
            _ => None,
        })
    })?;
    conn.create_scalar_function("sl_fold", 1, flags, |ctx| {
        Ok(match ctx.get_raw(0) {
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(fold_case(&String::from_utf8_lossy(t))),
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(f.to_string()),
        })
    })?;
    Ok(())
}

/// Text as the case-insensitive searches compare it (`sl_fold`, the trigram indexes, the
/// text tally, the needles): the Unicode lower case, with the final sigma `ς` as `σ`.
/// Lowering alone gives `ς` for a `Σ` at the end of a word, so the needle `ΟΔΟΣ` (lowered
/// `οδος`) missed the title `ΟΔΟΣΑ` (lowered `οδοσα`); folded, each character lowers
/// alone, whatever surrounds it, so a text holding the needle holds its fold. (MySQL's
/// `_ci` collations take σ, ς and Σ as one letter too; `services::email_key` does so.)
pub(crate) fn fold_case(text: &str) -> String {
    let lower = text.to_lowercase();
    if lower.contains('ς') {
        lower.replace('ς', "σ")
    } else {
        lower
    }
}

/// The characters past ASCII whose fold ([`fold_case`]) holds ASCII letters: the Kelvin
/// sign folds to `k`, the dotted capital I to `i` and a combining dot. An ASCII needle
/// holding `i` or `k` may match where they stand, which ASCII folding alone misses.
pub(in crate::store) const FOLDED_TO_ASCII: [char; 2] = ['\u{130}', '\u{212A}'];

/// Whether a value past ASCII may hold an ASCII needle (lowered) only where a
/// character of [`FOLDED_TO_ASCII`] stands: the needle holds a letter one folds to.
pub(in crate::store) fn may_match_folded_to_ascii(needle: &[u8]) -> bool {
    needle.iter().any(|&b| {
        FOLDED_TO_ASCII
            .iter()
            .any(|c| fold_case(&c.to_string()).as_bytes().contains(&b))
    })
}

/// How a text search folds case: ASCII letters only, for an ASCII needle (as SQLite's
/// `LIKE` does, which the filters used before; a value past ASCII that may hold the
/// needle only as [`FOLDED_TO_ASCII`] fold is folded whole), or [`fold_case`] (`sl_fold`)
/// for others, so that `É` finds `é`. Either way, a needle finds what its fold finds in
/// the values' folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    Ascii,
    Unicode,
}

/// The SQL function that tells whether a text holds a needle as `how` asks, ignoring
/// case as `fold` says: `name(text, folded needle)`, by [`text_matches`].
fn text_match_function(how: TextMatch, fold: Fold) -> &'static str {
    match (how, fold) {
        (TextMatch::StartsWith, Fold::Ascii) => "sl_text_starts_ascii",
        (TextMatch::StartsWith, Fold::Unicode) => "sl_text_starts_unicode",
        (TextMatch::EndsWith, Fold::Ascii) => "sl_text_ends_ascii",
        (TextMatch::EndsWith, Fold::Unicode) => "sl_text_ends_unicode",
        (TextMatch::Contains, Fold::Ascii) => "sl_text_contains_ascii",
        (TextMatch::Contains, Fold::Unicode) => "sl_text_contains_unicode",
    }
}

/// The SQL function that searches a text for `text` as `how` asks, ignoring case, and the
/// needle to bind as its second argument: `function(CAST(column AS TEXT), needle)`. Time is
/// linear in the value ([`text_matches`]), where `LIKE` took its length times the needle's.
pub(crate) fn text_search(how: TextMatch, text: &str) -> (&'static str, String) {
    // Folded by the needle (not by what it folds to: the Kelvin sign's fold is `k`, and
    // it still finds only what Unicode folding finds).
    let (needle, fold) = if text.is_ascii() {
        (text.to_ascii_lowercase(), Fold::Ascii)
    } else {
        (fold_case(text), Fold::Unicode)
    };
    (text_match_function(how, fold), needle)
}

/// The most memory [`ASCII_LOWERED`] keeps between values: a few entries' worth, not the
/// largest title ever searched, on every thread that did.
const ASCII_LOWERED_KEPT: usize = 64 * 1024;

thread_local! {
    /// A value in ASCII lower case, for [`text_matches`] (kept: one allocation per row was
    /// a tenth of a scan).
    static ASCII_LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The needle of a text search function, as a statement keeps it for its rows.
struct SearchedNeedle {
    finder: memmem::Finder<'static>,
    /// ASCII folding, and a value past ASCII may hold the needle where a character of
    /// [`FOLDED_TO_ASCII`] stands: such a value is folded whole.
    folded_to_ascii: bool,
}

/// Whether `value` (text as stored) holds `needle` as `how` asks, ignoring case as `fold`
/// says: the needle is folded already ([`SqlBuilder::operation`]). The value is read up to
/// its first NUL, where `LIKE` stopped reading (and where the text tally stops). Time is
/// linear in the value and the needle (a prefix or suffix compare, or memchr's two-way
/// search), whatever both hold.
fn text_matches(value: &[u8], needle: &SearchedNeedle, how: TextMatch, fold: Fold) -> bool {
    let up_to_nul = |t: &[u8]| -> usize { memchr::memchr(0, t).unwrap_or(t.len()) };
    let finder = &needle.finder;
    let fold = if needle.folded_to_ascii && !value.is_ascii() {
        Fold::Unicode
    } else {
        fold
    };
    let needle = finder.needle();
    // ASCII: letters folded, other bytes as they are (an ASCII needle cannot match within
    // a multi-byte character, whose bytes are all past ASCII).
    match (fold, how) {
        // Only the start is read: a NUL there is the end of the value.
        (Fold::Ascii, TextMatch::StartsWith) => value
            .get(..needle.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(needle) && !start.contains(&0)),
        (Fold::Ascii, TextMatch::EndsWith) => {
            let value = &value[..up_to_nul(value)];
            value
                .len()
                .checked_sub(needle.len())
                .is_some_and(|at| value[at..].eq_ignore_ascii_case(needle))
        }
        (Fold::Ascii, TextMatch::Contains) => {
            // Most values hold the needle's first letter in neither case, which one pass
            // tells without copying the value.
            if let Some(&first) = needle.first()
                && memchr::memchr2(first, first.to_ascii_uppercase(), value).is_none()
            {
                return false;
            }
            ASCII_LOWERED.with_borrow_mut(|lowered| {
                lowered.clear();
                lowered.extend_from_slice(&value[..up_to_nul(value)]);
                lowered.make_ascii_lowercase();
                let found = finder.find(lowered).is_some();
                if lowered.capacity() > ASCII_LOWERED_KEPT {
                    *lowered = Vec::new();
                }
                found
            })
        }
        (Fold::Unicode, how) => {
            let folded = fold_case(&String::from_utf8_lossy(value));
            let value = &folded.as_bytes()[..up_to_nul(folded.as_bytes())];
            match how {
                TextMatch::StartsWith => value.starts_with(needle),
                TextMatch::EndsWith => value.ends_with(needle),
                TextMatch::Contains => finder.find(value).is_some(),
            }
        }
    }
}

/// A filter's regular expression (`~`, `!~`) as a row's match runs it: in time the SQL
/// time budget bounds.
///
/// The regex library guarantees time linear in the text, but with the compiled
/// expression's size as the factor when its lazy DFA gives up and it falls back to
/// simulating the NFA: `a{4000}b` (under the length cap) against a title of a million
/// `a`s took two minutes in one step of the statement, where the progress handler cannot
/// interrupt it. So a text whose length times the expression's NFA states could cost more
/// than [`FilterRegex::UNCHECKED_WORK`] walks a lazy DFA of our own byte by byte, never
/// giving up, and looks at the budget as it goes (every state it has to build costs at most
/// the NFA's size). Only what that DFA cannot run (a Unicode word boundary next to a
/// non-ASCII byte) falls back to the library, and then only within the same bound.
pub(crate) struct FilterRegex {
    pub(super) regex: regex::Regex,
    pattern: String,
    lazy: OnceLock<Option<LazyRegex>>,
}

pub(super) struct LazyRegex {
    dfa: regex_automata::hybrid::dfa::DFA,
    nfa_states: usize,
    pub(super) cache: Mutex<regex_automata::hybrid::dfa::Cache>,
}

impl FilterRegex {
    /// NFA states times text bytes the library may take on at once (about a tenth of a
    /// second where its NFA simulation runs at 10-30 ns per unit).
    const UNCHECKED_WORK: usize = 5_000_000;
    /// Texts up to this length always go to the library: with the pattern's cap
    /// (`MAX_TEXT_VALUE_CHARS`) they are within [`Self::UNCHECKED_WORK`] for any
    /// expression of a few states per character.
    const SHORT_TEXT: usize = 1024;
    /// Bytes walked between looks at the budget.
    const CHECK_EVERY: usize = 4096;

    pub(crate) fn new(pattern: &str) -> Result<FilterRegex, regex::Error> {
        Ok(FilterRegex {
            regex: build_regex(pattern)?,
            pattern: pattern.to_string(),
            lazy: OnceLock::new(),
        })
    }

    pub(super) fn lazy(&self) -> Option<&LazyRegex> {
        self.lazy
            .get_or_init(|| {
                use regex_automata::hybrid::dfa::DFA;
                use regex_automata::nfa::thompson;
                let dfa = DFA::builder()
                    .configure(
                        DFA::config()
                            .unicode_word_boundary(true)
                            .cache_capacity(2 << 20)
                            .skip_cache_capacity_check(true)
                            .minimum_cache_clear_count(None),
                    )
                    .thompson(thompson::Config::new().nfa_size_limit(Some(MAX_REGEX_SIZE)))
                    .build(&self.pattern)
                    .ok()?;
                let nfa_states = dfa.get_nfa().states().len();
                let cache = Mutex::new(dfa.create_cache());
                Some(LazyRegex {
                    dfa,
                    nfa_states,
                    cache,
                })
            })
            .as_ref()
    }

    /// Whether the expression matches somewhere in `text`; `None` when the call's SQL time
    /// budget ran out first.
    pub(crate) fn is_match(&self, text: &str) -> Option<bool> {
        if text.len() <= Self::SHORT_TEXT {
            return Some(self.regex.is_match(text));
        }
        let Some(lazy) = self.lazy() else {
            return self.library_within_bound(text, usize::MAX);
        };
        if lazy.nfa_states.saturating_mul(text.len()) <= Self::UNCHECKED_WORK {
            return Some(self.regex.is_match(text));
        }
        let mut cache = lazy.cache.lock().unwrap_or_else(|p| p.into_inner());
        match lazy.walk(&mut cache, text.as_bytes()) {
            Walked::Matched(m) => Some(m),
            Walked::OverBudget => None,
            Walked::Unable => self.library_within_bound(text, lazy.nfa_states),
        }
    }

    fn library_within_bound(&self, text: &str, nfa_states: usize) -> Option<bool> {
        if nfa_states.saturating_mul(text.len()) <= Self::UNCHECKED_WORK
            || !crate::limits::serving()
        {
            Some(self.regex.is_match(text))
        } else {
            None
        }
    }
}

pub(super) enum Walked {
    Matched(bool),
    OverBudget,
    /// The lazy DFA cannot decide this text (it quit on a byte).
    Unable,
}

impl LazyRegex {
    pub(super) fn walk(
        &self,
        cache: &mut regex_automata::hybrid::dfa::Cache,
        text: &[u8],
    ) -> Walked {
        let input = regex_automata::Input::new(text);
        let Ok(mut state) = self.dfa.start_state_forward(cache, &input) else {
            return Walked::Unable;
        };
        for (n, chunk) in text.chunks(FilterRegex::CHECK_EVERY).enumerate() {
            if n > 0 && crate::store::sql_clock::spent() {
                return Walked::OverBudget;
            }
            for &byte in chunk {
                let Ok(next) = self.dfa.next_state(cache, state, byte) else {
                    return Walked::Unable;
                };
                state = next;
                if state.is_tagged() {
                    // A match state is entered one byte after the match ends.
                    if state.is_match() {
                        return Walked::Matched(true);
                    }
                    if state.is_dead() {
                        return Walked::Matched(false);
                    }
                    if state.is_quit() {
                        return Walked::Unable;
                    }
                }
            }
        }
        match self.dfa.next_eoi_state(cache, state) {
            Ok(end) => Walked::Matched(end.is_match()),
            Err(_) => Walked::Unable,
        }
    }
}
