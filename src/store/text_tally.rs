//! Totals of text searches without testing every row (issue 14, item 3).
//!
//! A limited ticket list reports its total (`SoftLayer-Total-Items`), and for a common
//! needle SQLite can only count by testing every title (a million) or every update entry
//! (five million): 100-600 ms, while the page itself takes a few. This keeps
//! each distinct title and entry once, in memory, folded as the filters fold them, and
//! for every ticket the numbers of its title and entries and its row of
//! `derived_ticket_tally` (its account, status, priority, subject, group and assignee).
//! A count searches the distinct texts once (memchr's `memmem` over one buffer), tallies
//! the matching tickets by tally row, and SQLite then applies the list's own condition
//! (the account, open or closed, ...) to those rows, as it does for counts without text.
//!
//! It follows SQLite, the only source of truth: the writer connection's update hook notes
//! every ticket and update row a write touches, with the write's number, and a count first
//! reads those rows again on its own connection, after the write has committed. Writes by
//! another process (the `support` subcommand) move the writer connection's
//! `data_version`. Those, a restore, a removed update or too many notes unread make it
//! build itself again, in the background; until it is ready, totals are counted by SQLite
//! as before.
//!
//! Memory: each distinct text once, folded, in its buffer, and beside it its separator,
//! its start and its entry in the table of numbers (about 10 bytes); the postings; per
//! ticket its slot, id, tally row and table entry. At a million tickets and five million
//! updates of synthetic data (68,736 distinct titles, 418,620 distinct entries) that is
//! 139 MB (`softlayer_emulator_text_tally_bytes`), and the server's resident size grows
//! by about the figure the README gives; text that repeats less takes more, about its
//! size. The table was keyed by a copy of each text, which held every text twice: 181 MB
//! there, and twice the text where no text repeats.

use hashbrown::HashTable;
use memchr::memmem;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::schema::filter::TextMatch;

/// The two searched texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Searched {
    /// `SoftLayer_Ticket.title`
    Title,
    /// `SoftLayer_Ticket_Update.entry`, through a ticket's `updates`
    Entry,
}

/// Notes of rows written since the tally last read them; more than this unread and the
/// tally is built again instead (a write notes two or three rows).
const MAX_NOTES: usize = 1_000_000;

/// Up to this many notes are read again within a count; more, in the background, while
/// counts go to SQLite.
const INLINE_NOTES: usize = 20_000;

/// Every this many notes, the writes that are over are read again in the background, so
/// that a count after a burst of writes has few to read (and none go to SQLite).
const CATCH_UP_EVERY: usize = 5_000;

/// Texts in buffers this large are searched by two threads.
const PARALLEL_BYTES: usize = 4 << 20;

/// Postings this many or more are followed by two threads.
const PARALLEL_POSTINGS: usize = 200_000;

/// No text, no ticket, no tally row.
const NONE: u32 = u32::MAX;

/// A row a write touched.
#[derive(Debug, Clone, Copy)]
enum Touched {
    Ticket(i64),
    /// An update inserted: its entry joins its ticket's.
    NewUpdate(i64),
    /// An update changed or removed: its ticket's entries are read again.
    Update(i64),
    /// A row of `derived_ticket_tally` removed: the tally's row numbers may be reused.
    TallyRow,
}

#[derive(Debug, Clone, Copy)]
struct Note {
    /// The writer's transaction counter while the row was written: the write is over
    /// (committed or rolled back) once the counter has moved past it.
    write: u64,
    touched: Touched,
}

/// What a count finds in the notes.
enum Due {
    /// Notes were lost: build again.
    Void,
    /// Too many to read within a count.
    Many,
    Rows(Vec<Note>),
}

#[derive(Default)]
struct Notes {
    list: Vec<Note>,
    /// Moves whenever notes were lost (overflow, a restore): what was built before is void.
    generation: u64,
    /// The write under way when its notes were lost (overflow): a build must read after
    /// it is over, as nothing else will tell the tally what it wrote.
    lost_during: Option<u64>,
}

/// Whether the writer's transaction counter stands for a write under way (it is bumped
/// as each write begins and as it ends).
fn under_way(write: u64) -> bool {
    write % 2 == 1
}

/// The text tally of one database file.
pub struct TextTally {
    path: String,
    /// The writer's transaction counter (`Writer::writes`).
    writes: Arc<AtomicU64>,
    /// The writer, to look for writes by other processes (its update hook sees only
    /// its own).
    writer: Weak<super::Writer>,
    /// The writer connection's `PRAGMA data_version` when last looked at: it moves only
    /// with commits of other connections (another process; a reader never writes).
    data_version: Mutex<Option<i64>>,
    /// Set once building first began: until then nothing is noted.
    recording: AtomicBool,
    notes: Mutex<Notes>,
    /// A build or a long catch-up runs in the background: counts go to SQLite.
    busy: AtomicBool,
    state: Mutex<Option<Built>>,
    /// Counts answered here.
    answered: AtomicU64,
    /// Set when the texts outgrew it: never built again.
    refused: AtomicBool,
    /// A catch-up runs in the background (holding `state`: counts wait for it).
    catching_up: AtomicBool,
    /// Itself, for the update hook to start a catch-up.
    me: Weak<TextTally>,
}

/// Distinct texts, folded, in one buffer: `\0t0\0t1\0…\0` (a separator at each end,
/// so that a match of a needle without NUL lies within one text).
#[derive(Default)]
struct Texts {
    /// Each text's number, found by hashing the text where it lies in `buf`: a map keyed
    /// by a copy of each text held every text twice (half the tally's memory when texts
    /// seldom repeat).
    number: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    buf: Vec<u8>,
    /// Where each text starts in `buf`; one more at the end, as if a text followed.
    starts: Vec<u32>,
    /// Texts whose fold (what `sl_fold` gives, for non-ASCII needles) is not their ASCII
    /// lower case (what the filters' text searches compare for ASCII needles).
    unicode: HashMap<u32, String>,
    /// Those of `unicode` holding a character whose fold holds ASCII letters (the Kelvin
    /// sign): an ASCII needle with such a letter is compared with their fold.
    folded_to_ascii: Vec<u32>,
}

#[derive(Clone, Copy)]
struct Slot {
    title: u32,
    entries_start: u32,
    entries_len: u32,
}

/// For each text number, the slots of the tickets holding it: built in one piece, then
/// added to. A slot stays listed after its ticket lost the text (a title edited): a count
/// checks each against the ticket as it is.
#[derive(Default)]
struct Postings {
    start: Vec<u32>,
    slots: Vec<u32>,
    added: HashMap<u32, Vec<u32>>,
    /// One bit per text number: whether `added` holds the text. A count asks for each
    /// matching text (hundreds of thousands for a common needle), and hashing every
    /// number was a third of following the postings while writes went on.
    with_added: Vec<u64>,
}

impl Postings {
    /// From `(text, slot)` pairs, `texts` numbers in all.
    fn build(texts: usize, pairs: impl Iterator<Item = (u32, u32)> + Clone) -> Postings {
        let mut start = vec![0u32; texts + 1];
        for (text, _) in pairs.clone() {
            start[text as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut slots = vec![0u32; start[texts] as usize];
        let mut fill = start.clone();
        for (text, slot) in pairs {
            slots[fill[text as usize] as usize] = slot;
            fill[text as usize] += 1;
        }
        Postings {
            start,
            slots,
            added: HashMap::new(),
            with_added: Vec::new(),
        }
    }

    /// The postings `added` holds for `text`.
    fn added_to(&self, text: u32) -> &[u32] {
        let (word, bit) = (text as usize / 64, 1u64 << (text % 64));
        if self.with_added.get(word).is_none_or(|w| w & bit == 0) {
            return &[];
        }
        self.added.get(&text).map_or(&[], Vec::as_slice)
    }

    /// How many postings `texts` have.
    fn len_of(&self, texts: &[u32]) -> usize {
        texts
            .iter()
            .map(|&text| {
                let t = text as usize;
                let base = if t + 1 < self.start.len() {
                    (self.start[t + 1] - self.start[t]) as usize
                } else {
                    0
                };
                base + self.added_to(text).len()
            })
            .sum()
    }

    fn add(&mut self, text: u32, slot: u32) {
        self.added.entry(text).or_default().push(slot);
        let word = text as usize / 64;
        if self.with_added.len() <= word {
            self.with_added.resize(word + 1, 0);
        }
        self.with_added[word] |= 1 << (text % 64);
    }

    fn each(&self, text: u32, mut f: impl FnMut(u32)) {
        let t = text as usize;
        if t + 1 < self.start.len() {
            for &slot in &self.slots[self.start[t] as usize..self.start[t + 1] as usize] {
                f(slot);
            }
        }
        for &slot in self.added_to(text) {
            f(slot);
        }
    }
}

struct Built {
    generation: u64,
    titles: Texts,
    entries: Texts,
    title_postings: Postings,
    entry_postings: Postings,
    slots: Vec<Slot>,
    /// The ticket id of each slot.
    ids: Vec<i64>,
    /// Each slot's index into `groups`, or [`NONE`] for a ticket no longer there: apart
    /// from the slots, as a count reads it for every matching ticket.
    slot_groups: Vec<u32>,
    /// Whether the slots are in id order (so the first matches in slot order are the
    /// first in id order): built in rowid order, and new tickets have had higher ids.
    ascending: bool,
    slot_of: HashMap<i64, u32>,
    /// Every ticket's distinct entry numbers, at `entries_start..+entries_len`.
    entry_numbers: Vec<u32>,
    /// Numbers in `entry_numbers` no slot points at any more.
    garbage: usize,
    /// `derived_ticket_tally` row ids.
    groups: Vec<i64>,
    group_of: HashMap<i64, u32>,
    /// For the catch-up: a read-only connection of the tally's own.
    conn: Connection,
}

/// The tallies of the databases open in this process, by SQLite's name for the file
/// (`Connection::path`): list queries see only their connection, and find their
/// database's tally by its file.
fn registry() -> &'static Mutex<HashMap<String, Weak<TextTally>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<TextTally>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The tally of the database SQLite names `path`, if one is registered.
pub fn for_path(path: &str) -> Option<Arc<TextTally>> {
    let registry = registry().lock().unwrap_or_else(|p| p.into_inner());
    registry.get(path).and_then(Weak::upgrade)
}

/// Folds `raw` as the filters' text searches compare it with an ASCII needle (ASCII
/// letters lowered), cut at the first NUL (where they stop reading, as `LIKE` did).
fn ascii_folded(raw: &[u8], out: &mut Vec<u8>) {
    let end = memchr::memchr(0, raw).unwrap_or(raw.len());
    out.clear();
    out.extend(raw[..end].iter().map(u8::to_ascii_lowercase));
}

/// Text `n` of a buffer and its starts (as [`Texts`] keeps them), without its separator.
fn text_at<'a>(buf: &'a [u8], starts: &[u32], n: u32) -> &'a [u8] {
    &buf[starts[n as usize] as usize..starts[n as usize + 1] as usize - 1]
}

impl Texts {
    /// The number of `raw` (a text as stored), adding it when new.
    fn number(&mut self, raw: &[u8], scratch: &mut Vec<u8>) -> u32 {
        ascii_folded(raw, scratch);
        let hash = self.hasher.hash_one(scratch.as_slice());
        let (buf, starts) = (&self.buf, &self.starts);
        if let Some(&n) = self
            .number
            .find(hash, |&n| text_at(buf, starts, n) == scratch.as_slice())
        {
            return n;
        }
        let n = self.starts.len().saturating_sub(1) as u32;
        if self.buf.is_empty() {
            self.buf.push(0);
            self.starts.push(1);
        }
        self.buf.extend_from_slice(scratch);
        self.buf.push(0);
        self.starts.push(self.buf.len() as u32);
        if !raw.is_ascii() {
            let end = memchr::memchr(0, raw).unwrap_or(raw.len());
            let text = String::from_utf8_lossy(&raw[..end]);
            let lower = super::query::fold_case(&text);
            if lower.as_bytes() != scratch.as_slice() {
                if text.contains(super::query::FOLDED_TO_ASCII) {
                    self.folded_to_ascii.push(n);
                }
                self.unicode.insert(n, lower);
            }
        }
        let (buf, starts, hasher) = (&self.buf, &self.starts, &self.hasher);
        self.number
            .insert_unique(hash, n, |&n| hasher.hash_one(text_at(buf, starts, n)));
        n
    }

    /// Gives back the room the buffers grew into beyond their texts (up to as much
    /// again), once built.
    fn shrink_to_fit(&mut self) {
        self.buf.shrink_to_fit();
        self.starts.shrink_to_fit();
    }

    /// The bytes it holds on the heap, about (what its buffers and tables allocated).
    fn held_bytes(&self) -> usize {
        self.buf.capacity()
            + self.starts.capacity() * size_of::<u32>()
            + self.number.allocation_size()
            + self.unicode.capacity() * (size_of::<(u32, String)>() + 1)
            + self.unicode.values().map(String::capacity).sum::<usize>()
            + self.folded_to_ascii.capacity() * size_of::<u32>()
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Whether the buffer outgrew the `u32` offsets.
    fn too_large(&self) -> bool {
        self.buf.len() >= u32::MAX as usize
    }

    /// Marks in `bits` (bit 0 for text `texts.start`, a multiple of 64) the texts of
    /// `texts` that hold `needle` as `how` asks.
    fn find(&self, needle: &[u8], how: TextMatch, texts: std::ops::Range<usize>, bits: &mut [u64]) {
        let (buf, starts) = (&self.buf, &self.starts);
        let mut mark = |text: usize| {
            let i = text - texts.start;
            bits[i / 64] |= 1 << (i % 64);
        };
        if how != TextMatch::Contains {
            // A prefix or a suffix: each text's own start or end compared, one after
            // another (a search through the buffer would stop at every separator).
            for text in texts.clone() {
                let (start, end) = (starts[text] as usize, starts[text + 1] as usize - 1);
                // The needle's first byte compared before the rest: most texts differ
                // there, and a call to `memcmp` per text was an eighth of a search.
                let hit = end - start >= needle.len()
                    && match how {
                        TextMatch::StartsWith => {
                            let text = &buf[start..start + needle.len()];
                            text[0] == needle[0] && text == needle
                        }
                        _ => {
                            let text = &buf[end - needle.len()..end];
                            text[0] == needle[0] && text == needle
                        }
                    };
                if hit {
                    mark(text);
                }
            }
            return;
        }
        let finder = memmem::Finder::new(needle);
        // From the first text to the separator after the last: the needle holds no NUL,
        // so a match lies within one text.
        let end = starts[texts.end] as usize;
        let (mut from, mut text) = (starts[texts.start] as usize, texts.start);
        while let Some(found) = finder.find(&buf[from..end]) {
            let at = from + found;
            while starts[text + 1] as usize <= at {
                text += 1;
            }
            mark(text);
            // On to the next text.
            text += 1;
            if text >= texts.end {
                break;
            }
            from = starts[text] as usize;
        }
    }

    /// The texts holding `needle` (folded as the filter folds it) as `how` asks: one bit
    /// per text number.
    fn matching(&self, how: TextMatch, needle: &Needle) -> Vec<u64> {
        let (needle, unicode, folded_to_ascii) = (
            needle.folded.as_str(),
            needle.unicode,
            needle.folded_to_ascii,
        );
        let n = self.len();
        let mut bits = vec![0u64; n.div_ceil(64)];
        if n == 0 {
            return bits;
        }
        let needle_bytes = needle.as_bytes();
        // Large buffers are searched in two halves at once (the machine has the cores;
        // a search is a few milliseconds of memory reading).
        let half = (n / 2) & !63;
        if self.buf.len() < PARALLEL_BYTES || half == 0 {
            self.find(needle_bytes, how, 0..n, &mut bits);
        } else {
            let (low, high) = bits.split_at_mut(half / 64);
            std::thread::scope(|scope| {
                scope.spawn(|| self.find(needle_bytes, how, 0..half, low));
                self.find(needle_bytes, how, half..n, high);
            });
        }
        // A non-ASCII needle is compared with the Unicode lower case (`sl_fold`); for
        // these texts that differs from the buffer's. (Lowered, the needle may well be
        // ASCII: the Kelvin sign's lower case is `k`.)
        let mut folded = |n: u32, lower: &str| {
            let hit = match how {
                TextMatch::Contains => lower.contains(needle),
                TextMatch::StartsWith => lower.starts_with(needle),
                TextMatch::EndsWith => lower.ends_with(needle),
            };
            let (word, bit) = (n as usize / 64, 1u64 << (n % 64));
            if hit {
                bits[word] |= bit;
            } else {
                bits[word] &= !bit;
            }
        };
        if unicode {
            for (&n, lower) in &self.unicode {
                folded(n, lower);
            }
        } else if folded_to_ascii {
            for n in &self.folded_to_ascii {
                folded(*n, &self.unicode[n]);
            }
        }
        bits
    }
}

/// A needle as the filter's predicate compares it (`store::query`'s `operation`).
pub(crate) struct Needle {
    /// ASCII lowered for an ASCII needle, else folded, as the filters' text searches
    /// compare it (`store::query::fold_case`).
    folded: String,
    /// Compared with the texts' folds (`sl_fold`): the needle is not ASCII.
    unicode: bool,
    /// An ASCII needle that may match in a text only where a character folding to ASCII
    /// letters stands (`store::query::FOLDED_TO_ASCII`).
    folded_to_ascii: bool,
}

impl Needle {
    /// `None` for what the tally does not answer: an empty needle, or one holding a NUL.
    fn new(text: &str) -> Option<Needle> {
        if text.is_empty() || text.contains('\0') {
            return None;
        }
        if text.is_ascii() {
            let folded = text.to_ascii_lowercase();
            return Some(Needle {
                folded_to_ascii: super::query::may_match_folded_to_ascii(folded.as_bytes()),
                folded,
                unicode: false,
            });
        }
        Some(Needle {
            folded: super::query::fold_case(text),
            unicode: true,
            folded_to_ascii: false,
        })
    }
}

const TICKET_GROUP: &str = "(SELECT g.rowid FROM derived_ticket_tally g \
     WHERE g.accountId IS t.accountId AND g.statusId IS t.statusId \
     AND g.priority IS t.priority AND g.subjectId IS t.subjectId \
     AND g.groupId IS t.groupId AND g.assignedUserId IS t.assignedUserId)";

fn open_reader(path: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn text_bytes(v: ValueRef<'_>) -> Option<&[u8]> {
    match v {
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(t),
        _ => None,
    }
}

impl Built {
    /// Reads everything, on a connection of its own, in one read transaction.
    fn read(path: &str, generation: u64) -> rusqlite::Result<Built> {
        let conn = open_reader(path)?;
        conn.execute_batch("BEGIN")?;
        let mut b = Built {
            generation,
            titles: Texts::default(),
            entries: Texts::default(),
            title_postings: Postings::default(),
            entry_postings: Postings::default(),
            slots: Vec::new(),
            ids: Vec::new(),
            slot_groups: Vec::new(),
            ascending: true,
            slot_of: HashMap::new(),
            entry_numbers: Vec::new(),
            garbage: 0,
            groups: Vec::new(),
            group_of: HashMap::new(),
            conn,
        };
        let out = b.read_all();
        let _ = b.conn.execute_batch("ROLLBACK");
        b.titles.shrink_to_fit();
        b.entries.shrink_to_fit();
        out.map(|_| b)
    }

    /// The bytes it holds on the heap, about.
    fn held_bytes(&self) -> usize {
        fn map<K, V>(map: &HashMap<K, V>) -> usize {
            map.capacity() * (size_of::<(K, V)>() + 1)
        }
        fn vec<T>(vec: &Vec<T>) -> usize {
            vec.capacity() * size_of::<T>()
        }
        let postings = |p: &Postings| {
            vec(&p.start)
                + vec(&p.slots)
                + map(&p.added)
                + p.added.values().map(vec).sum::<usize>()
                + vec(&p.with_added)
        };
        self.titles.held_bytes()
            + self.entries.held_bytes()
            + postings(&self.title_postings)
            + postings(&self.entry_postings)
            + vec(&self.slots)
            + vec(&self.ids)
            + vec(&self.slot_groups)
            + map(&self.slot_of)
            + vec(&self.entry_numbers)
            + vec(&self.groups)
            + map(&self.group_of)
    }

    fn read_all(&mut self) -> rusqlite::Result<()> {
        let mut scratch = Vec::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT t.id, CAST(t.title AS TEXT), {TICKET_GROUP} FROM SoftLayer_Ticket t"
            ))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let title = match text_bytes(r.get_ref(1)?) {
                    Some(t) => self.titles.number(t, &mut scratch),
                    None => NONE,
                };
                let group = match r.get::<_, Option<i64>>(2)? {
                    Some(rowid) => group_number(&mut self.groups, &mut self.group_of, rowid),
                    None => NONE,
                };
                self.slot_of.insert(id, self.slots.len() as u32);
                self.ascending &= self.ids.last().is_none_or(|&last| last < id);
                self.ids.push(id);
                self.slot_groups.push(group);
                self.slots.push(Slot {
                    title,
                    entries_start: 0,
                    entries_len: 0,
                });
            }
        }
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT ticketId, CAST(entry AS TEXT) FROM SoftLayer_Ticket_Update")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let Some(ticket) = r.get::<_, Option<i64>>(0)? else {
                    continue;
                };
                let (Some(&slot), Some(entry)) =
                    (self.slot_of.get(&ticket), text_bytes(r.get_ref(1)?))
                else {
                    continue;
                };
                pairs.push((slot, self.entries.number(entry, &mut scratch)));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        self.entry_numbers.reserve_exact(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let slot = pairs[i].0;
            let start = self.entry_numbers.len();
            while i < pairs.len() && pairs[i].0 == slot {
                self.entry_numbers.push(pairs[i].1);
                i += 1;
            }
            let s = &mut self.slots[slot as usize];
            s.entries_start = start as u32;
            s.entries_len = (self.entry_numbers.len() - start) as u32;
        }
        drop(pairs);
        let slots = &self.slots;
        self.title_postings = Postings::build(
            self.titles.len(),
            (0..slots.len() as u32)
                .filter(|&i| slots[i as usize].title != NONE)
                .map(|i| (slots[i as usize].title, i)),
        );
        let numbers = &self.entry_numbers;
        self.entry_postings = Postings::build(
            self.entries.len(),
            (0..slots.len() as u32).flat_map(|i| {
                let s = slots[i as usize];
                let start = s.entries_start as usize;
                numbers[start..start + s.entries_len as usize]
                    .iter()
                    .map(move |&n| (n, i))
            }),
        );
        Ok(())
    }

    /// Reads the rows `due` names again. `false` when the tally cannot follow them (an
    /// update gone: its ticket is unknown) and must be built again.
    fn catch_up(&mut self, due: &[Note]) -> rusqlite::Result<bool> {
        self.conn.execute_batch("BEGIN")?;
        let out = self.catch_up_within(due);
        let _ = self.conn.execute_batch("ROLLBACK");
        out
    }

    fn catch_up_within(&mut self, due: &[Note]) -> rusqlite::Result<bool> {
        let mut tickets = Vec::new();
        let mut entries_of = Vec::new();
        let mut new_updates = Vec::new();
        for note in due {
            match note.touched {
                Touched::TallyRow => return Ok(false),
                Touched::Ticket(id) => tickets.push(id),
                Touched::NewUpdate(id) => new_updates.push(id),
                Touched::Update(id) => {
                    let ticket: Option<Option<i64>> = self
                        .conn
                        .prepare_cached(
                            "SELECT ticketId FROM SoftLayer_Ticket_Update WHERE id = ?1",
                        )?
                        .query_row([id], |r| r.get(0))
                        .optional()?;
                    match ticket {
                        None => return Ok(false),
                        Some(Some(t)) => entries_of.push(t),
                        Some(None) => {}
                    }
                }
            }
        }
        tickets.sort_unstable();
        tickets.dedup();
        let mut scratch = Vec::new();
        for id in tickets {
            let row: Option<(Option<Vec<u8>>, Option<i64>)> = self
                .conn
                .prepare_cached(&format!(
                    "SELECT CAST(t.title AS TEXT), {TICKET_GROUP} FROM SoftLayer_Ticket t WHERE t.id = ?1"
                ))?
                .query_row([id], |r| {
                    Ok((text_bytes(r.get_ref(0)?).map(<[u8]>::to_vec), r.get(1)?))
                })
                .optional()?;
            let (title, group) = match row {
                Some((title, group)) => (
                    title.map_or(NONE, |t| self.titles.number(&t, &mut scratch)),
                    group.map_or(NONE, |g| {
                        group_number(&mut self.groups, &mut self.group_of, g)
                    }),
                ),
                None => (NONE, NONE),
            };
            let slot = self.slot(id);
            let s = &mut self.slots[slot as usize];
            if title != NONE && title != s.title {
                self.title_postings.add(title, slot);
            }
            s.title = title;
            self.slot_groups[slot as usize] = group;
        }
        entries_of.sort_unstable();
        entries_of.dedup();
        for &ticket in &entries_of {
            let mut numbers: Vec<u32> = Vec::new();
            {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT CAST(entry AS TEXT) FROM SoftLayer_Ticket_Update WHERE ticketId = ?1",
                )?;
                let mut rows = stmt.query([ticket])?;
                while let Some(r) = rows.next()? {
                    if let Some(entry) = text_bytes(r.get_ref(0)?) {
                        numbers.push(self.entries.number(entry, &mut scratch));
                    }
                }
            }
            numbers.sort_unstable();
            numbers.dedup();
            let slot = self.slot(ticket);
            // A ticket's entries only accrue through the API; one changed or gone (the
            // console, a restore) leaves postings the count does not check: build again.
            if self
                .entries_of(slot)
                .iter()
                .any(|n| numbers.binary_search(n).is_err())
            {
                return Ok(false);
            }
            self.set_entries(slot, &numbers);
        }
        // A new update's entry joins its ticket's (unless the ticket's were all read
        // again above). One gone already was rolled back, or its removal is noted too.
        for id in new_updates {
            let row: Option<(Option<i64>, Option<Vec<u8>>)> = self
                .conn
                .prepare_cached(
                    "SELECT ticketId, CAST(entry AS TEXT) FROM SoftLayer_Ticket_Update WHERE id = ?1",
                )?
                .query_row([id], |r| {
                    Ok((r.get(0)?, text_bytes(r.get_ref(1)?).map(<[u8]>::to_vec)))
                })
                .optional()?;
            let Some((Some(ticket), Some(entry))) = row else {
                continue;
            };
            if entries_of.binary_search(&ticket).is_ok() {
                continue;
            }
            let number = self.entries.number(&entry, &mut scratch);
            let slot = self.slot(ticket);
            self.add_entry(slot, number);
        }
        if self.titles.too_large() || self.entries.too_large() {
            return Ok(false);
        }
        if self.garbage > 1_000_000 && self.garbage * 2 > self.entry_numbers.len() {
            self.compact();
        }
        Ok(true)
    }

    /// The entry numbers of `slot`'s ticket.
    fn entries_of(&self, slot: u32) -> &[u32] {
        let s = self.slots[slot as usize];
        &self.entry_numbers[s.entries_start as usize..(s.entries_start + s.entries_len) as usize]
    }

    /// Gives `slot`'s ticket the entry numbers `numbers` (a superset of those it had):
    /// listed at the end of `entry_numbers`, the new ones added to their postings.
    fn set_entries(&mut self, slot: u32, numbers: &[u32]) {
        // Sorted to be searched: a ticket's list in the order its entries came was
        // scanned once per number, quadratic in its updates.
        let mut old = self.entries_of(slot).to_vec();
        old.sort_unstable();
        for &n in numbers {
            if old.binary_search(&n).is_err() {
                self.entry_postings.add(n, slot);
            }
        }
        let s = &mut self.slots[slot as usize];
        self.garbage += s.entries_len as usize;
        s.entries_start = self.entry_numbers.len() as u32;
        s.entries_len = numbers.len() as u32;
        self.entry_numbers.extend_from_slice(numbers);
    }

    /// Gives `slot`'s ticket one more entry number, unless it has it. The list grows
    /// where it lies when it is the last in `entry_numbers` (a ticket taking update
    /// after update), and moves to the end otherwise. Rewriting the whole list for each
    /// new update, as `set_entries` does, made a ticket's thousands of updates cost
    /// time quadratic in their number: with six clients adding updates to one ticket,
    /// the tally's catch-up ran for seconds at a time and text searches waited for it.
    fn add_entry(&mut self, slot: u32, number: u32) {
        if self.entries_of(slot).contains(&number) {
            return;
        }
        self.entry_postings.add(number, slot);
        let s = self.slots[slot as usize];
        let (start, len) = (s.entries_start as usize, s.entries_len as usize);
        if start + len != self.entry_numbers.len() {
            let moved_to = self.entry_numbers.len();
            self.entry_numbers.extend_from_within(start..start + len);
            self.garbage += len;
            self.slots[slot as usize].entries_start = moved_to as u32;
        }
        self.entry_numbers.push(number);
        self.slots[slot as usize].entries_len += 1;
    }

    /// The slot of ticket `id`, added (as no ticket yet) when new.
    fn slot(&mut self, id: i64) -> u32 {
        *self.slot_of.entry(id).or_insert_with(|| {
            self.ascending &= self.ids.last().is_none_or(|&last| last < id);
            self.ids.push(id);
            self.slot_groups.push(NONE);
            self.slots.push(Slot {
                title: NONE,
                entries_start: 0,
                entries_len: 0,
            });
            (self.slots.len() - 1) as u32
        })
    }

    fn compact(&mut self) {
        let mut numbers = Vec::with_capacity(self.entry_numbers.len() - self.garbage);
        for slot in 0..self.slots.len() as u32 {
            let start = numbers.len() as u32;
            numbers.extend_from_slice(self.entries_of(slot));
            self.slots[slot as usize].entries_start = start;
        }
        self.entry_numbers = numbers;
        self.garbage = 0;
    }

    /// The tickets whose `searched` text matches: per tally row, and their ids, those
    /// of the page `first` asks for (when the slots are in id order), else all of them
    /// when there are at most `list_at_most`.
    fn count(
        &self,
        searched: Searched,
        how: TextMatch,
        needle: &Needle,
        list_at_most: usize,
        first: Option<&FirstPage>,
    ) -> Tallied {
        let (texts, postings) = match searched {
            Searched::Title => (&self.titles, &self.title_postings),
            Searched::Entry => (&self.entries, &self.entry_postings),
        };
        let matching = texts.matching(how, needle);
        let mut matched = Vec::new();
        for (w, &word) in matching.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                matched.push((w * 64 + word.trailing_zeros() as usize) as u32);
                word &= word - 1;
            }
        }
        let words = self.slots.len().div_ceil(64);
        let mark = |texts: &[u32]| {
            let mut tickets = vec![0u64; words];
            for &text in texts {
                postings.each(text, |slot| {
                    tickets[slot as usize / 64] |= 1 << (slot % 64);
                });
            }
            tickets
        };
        // Many postings are followed by two threads, each over about half of them.
        let total = postings.len_of(&matched);
        let mut tickets = if total < PARALLEL_POSTINGS {
            mark(&matched)
        } else {
            let mut seen = 0;
            let split = matched
                .iter()
                .position(|&t| {
                    seen += postings.len_of(&[t]);
                    seen * 2 >= total
                })
                .unwrap_or(matched.len());
            let (first, second) = matched.split_at(split);
            let (mut a, b) = std::thread::scope(|scope| {
                let other = scope.spawn(|| mark(second));
                let a = mark(first);
                (a, other.join().unwrap_or_else(|_| mark(second)))
            });
            for (x, y) in a.iter_mut().zip(b) {
                *x |= y;
            }
            a
        };
        // In slot order, each ticket once. A title posting may be stale (see
        // `Postings`): the ticket counts if its title now is one that matches. Entries
        // only accrue (`Built::catch_up_within`).
        let mut per_group = vec![0u64; self.groups.len()];
        let mut found = 0usize;
        for (w, word) in tickets.iter_mut().enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let slot = w * 64 + bits.trailing_zeros() as usize;
                let bit = bits & bits.wrapping_neg();
                bits &= bits - 1;
                let group = self.slot_groups[slot];
                let title_holds = searched == Searched::Entry || {
                    let title = self.slots[slot].title;
                    title != NONE && matching[title as usize / 64] & (1 << (title % 64)) != 0
                };
                if group != NONE && title_holds {
                    per_group[group as usize] += 1;
                    found += 1;
                } else {
                    *word &= !bit;
                }
            }
        }
        let per_row: Vec<(i64, u64)> = per_group
            .into_iter()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .map(|(g, n)| (self.groups[g], n))
            .collect();
        if let Some(first) = first.filter(|_| self.ascending) {
            let listed: Vec<bool> = self.groups.iter().map(|g| first.rows.contains(g)).collect();
            let mut ids = Vec::with_capacity(first.tickets);
            'words: for (w, &word) in tickets.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    let slot = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    if ids.len() == first.tickets {
                        break 'words;
                    }
                    if listed[self.slot_groups[slot] as usize] {
                        ids.push(self.ids[slot]);
                    }
                }
            }
            return Tallied {
                per_row,
                tickets: Some(ids),
            };
        }
        let ids = (found <= list_at_most).then(|| {
            let mut ids = Vec::with_capacity(found);
            for (w, &word) in tickets.iter().enumerate() {
                let mut word = word;
                while word != 0 {
                    ids.push(self.ids[w * 64 + word.trailing_zeros() as usize]);
                    word &= word - 1;
                }
            }
            ids.sort_unstable();
            ids
        });
        Tallied {
            per_row,
            tickets: ids,
        }
    }
}

/// A page in id order the tally is to name: the first `tickets` matches among the
/// tickets of these `derived_ticket_tally` rows.
pub struct FirstPage {
    pub rows: std::collections::HashSet<i64>,
    pub tickets: usize,
}

/// What the tally found for one search.
#[derive(Debug, Clone)]
pub struct Tallied {
    /// Matching tickets per `derived_ticket_tally` row: `(row id, tickets)`.
    pub per_row: Vec<(i64, u64)>,
    /// Their ids when few, or the first page's (see [`FirstPage`]); in id order.
    pub tickets: Option<Vec<i64>>,
}

fn group_number(groups: &mut Vec<i64>, group_of: &mut HashMap<i64, u32>, rowid: i64) -> u32 {
    *group_of.entry(rowid).or_insert_with(|| {
        groups.push(rowid);
        (groups.len() - 1) as u32
    })
}

impl TextTally {
    /// A tally for the database at `path`, registered for its list queries under `name`,
    /// SQLite's name for the file ([`for_path`]). It is empty until [`TextTally::prepare`].
    pub(super) fn register(path: &str, name: &str, writer: &Arc<super::Writer>) -> Arc<TextTally> {
        let tally = Arc::new_cyclic(|me| TextTally {
            path: path.to_string(),
            writes: writer.writes.clone(),
            writer: Arc::downgrade(writer),
            data_version: Mutex::new(None),
            recording: AtomicBool::new(false),
            notes: Mutex::default(),
            busy: AtomicBool::new(false),
            state: Mutex::new(None),
            answered: AtomicU64::new(0),
            refused: AtomicBool::new(false),
            catching_up: AtomicBool::new(false),
            me: me.clone(),
        });
        let mut registry = registry().lock().unwrap_or_else(|p| p.into_inner());
        registry.retain(|_, t| t.strong_count() > 0);
        registry.insert(name.to_string(), Arc::downgrade(&tally));
        tally
    }

    /// The writer connection's update hook: notes a ticket or update row written.
    pub fn note(&self, table: &str, rowid: i64, action: rusqlite::hooks::Action) {
        use rusqlite::hooks::Action;
        let touched = match (table, action) {
            ("SoftLayer_Ticket", _) => Touched::Ticket(rowid),
            ("SoftLayer_Ticket_Update", Action::SQLITE_INSERT) => Touched::NewUpdate(rowid),
            ("SoftLayer_Ticket_Update", _) => Touched::Update(rowid),
            ("derived_ticket_tally", Action::SQLITE_DELETE) => Touched::TallyRow,
            _ => return,
        };
        if !self.recording.load(Ordering::Relaxed) {
            return;
        }
        let write = self.writes.load(Ordering::SeqCst);
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if notes.list.len() >= MAX_NOTES {
            notes.list = Vec::new();
            notes.generation += 1;
            notes.lost_during = Some(write);
        }
        notes.list.push(Note { write, touched });
        let catch_up = notes.list.len().is_multiple_of(CATCH_UP_EVERY);
        drop(notes);
        if catch_up && let Some(me) = self.me.upgrade() {
            me.catch_up_in_background();
        }
    }

    /// Forgets everything when another process wrote since the last look (`conn` is the
    /// writer connection, between or at the start of its transactions).
    pub(super) fn look_for_outside_writes(&self, conn: &Connection) {
        let Ok(now) = conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
        else {
            return;
        };
        let mut seen = self.data_version.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_some_and(|v| v != now) {
            tracing::info!("another process wrote to the database: the text tally is built again");
            self.invalidate();
        }
        *seen = Some(now);
    }

    /// Forgets what was built (the database was replaced, or the tally lost track):
    /// built again when next asked. The notes of a write under way are kept: a build
    /// begun meanwhile reads without that write, and reads its rows again once it is over
    /// (a catch-up during a reset's or an import's long write had forgotten them, and
    /// the tally never counted the rows written before it).
    pub fn invalidate(&self) {
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.writes.load(Ordering::SeqCst);
        let kept = if under_way(now) { Some(now) } else { None };
        notes.list.retain(|n| Some(n.write) == kept);
        notes.generation += 1;
        drop(notes);
        // What was built is let go now, not at the next count, which may be long in
        // coming (after a reset it held tens of MB of texts no longer there). A count or
        // a catch-up holding it lets it go itself: the generation has moved.
        match self.state.try_lock() {
            Ok(mut state) => *state = None,
            Err(std::sync::TryLockError::Poisoned(p)) => *p.into_inner() = None,
            Err(std::sync::TryLockError::WouldBlock) => {}
        }
    }

    /// Starts building in the background, unless built or building.
    pub fn prepare(self: &Arc<Self>) {
        if self.refused.load(Ordering::SeqCst) || self.busy.swap(true, Ordering::SeqCst) {
            return;
        }
        self.recording.store(true, Ordering::SeqCst);
        let tally = self.clone();
        let spawned = std::thread::Builder::new()
            .name("text-tally".into())
            .spawn(move || {
                tally.build();
                tally.busy.store(false, Ordering::SeqCst);
            });
        if spawned.is_err() {
            self.busy.store(false, Ordering::SeqCst);
        }
    }

    fn build(&self) {
        // The path names another file now, or none (`Store::read`): SQLite counts.
        if self
            .writer
            .upgrade()
            .is_some_and(|w| w.file_parted().is_some())
        {
            return;
        }
        let started = std::time::Instant::now();
        if !self.wait_for_lost_write() {
            return;
        }
        let (generation, since) = {
            let notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
            (notes.generation, self.writes.load(Ordering::SeqCst))
        };
        // The read begins after `since` was read: every write before it is in it.
        let built = match Built::read(&self.path, generation) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!("text tally not built: {e}");
                return;
            }
        };
        if built.titles.too_large() || built.entries.too_large() {
            tracing::warn!("text tally: over 4 GB of distinct text; SQLite counts text searches");
            self.refused.store(true, Ordering::SeqCst);
            return;
        }
        // `state` before `notes`, as counts take them: an `invalidate` between the look
        // at the generation and the storing would have kept what it voids.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if notes.generation != generation {
            return;
        }
        notes.list.retain(|n| n.write >= since);
        drop(notes);
        tracing::info!(
            "text tally built in {:.1} s: {} tickets, {} distinct titles, {} distinct entries",
            started.elapsed().as_secs_f64(),
            built.slots.len(),
            built.titles.len(),
            built.entries.len()
        );
        *state = Some(built);
    }

    /// Waits until the write whose notes were lost, if any, is over (a build's read then
    /// holds it); `false` if it has not ended within a minute (built when next asked).
    fn wait_for_lost_write(&self) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
            match notes.lost_during {
                Some(w) if self.writes.load(Ordering::SeqCst) == w => {}
                _ => {
                    notes.lost_during = None;
                    return true;
                }
            }
            drop(notes);
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// How many counts were answered here.
    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// The bytes what was built holds on the heap, about; 0 when nothing is. `None`
    /// while a count or a catch-up holds it (a catch-up may take seconds).
    pub fn held_bytes(&self) -> Option<usize> {
        let state = match self.state.try_lock() {
            Ok(state) => state,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        Some(state.as_ref().map_or(0, Built::held_bytes))
    }

    /// Whether counts are answered here now.
    pub fn ready(&self) -> bool {
        !self.busy.load(Ordering::SeqCst)
            && self
                .state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some()
    }

    /// The tickets whose `searched` text matches `text` as `how` asks (see [`Tallied`]),
    /// after reading again the rows of writes that are over. `None` when the tally
    /// cannot answer now (not built yet, catching up in the background) or not this
    /// needle (empty, or holding a NUL).
    pub fn count(
        self: &Arc<Self>,
        searched: Searched,
        how: TextMatch,
        text: &str,
        list_at_most: usize,
        first: Option<&FirstPage>,
    ) -> Option<Tallied> {
        let needle = Needle::new(text)?;
        if self.busy.load(Ordering::SeqCst) {
            return None;
        }
        // Another process's writes: looked for on the writer when it is idle; when it is
        // not, it looked as its transaction began, and nothing else writes meanwhile.
        if let Some(writer) = self.writer.upgrade()
            && let Ok(conn) = writer.conn.try_lock()
        {
            self.look_for_outside_writes(&conn);
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(built) = state.as_mut() else {
            drop(state);
            self.prepare();
            return None;
        };
        match self.due(built, INLINE_NOTES) {
            Due::Void => {
                *state = None;
                drop(state);
                self.prepare();
                None
            }
            Due::Many => {
                drop(state);
                self.catch_up_in_background();
                None
            }
            Due::Rows(due) => match built.catch_up(&due) {
                Ok(true) => {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                    let tallied = built.count(searched, how, &needle, list_at_most, first);
                    // Replaced meanwhile (`invalidate` found it held): let go now.
                    if !self.current(built) {
                        *state = None;
                    }
                    Some(tallied)
                }
                Ok(false) | Err(_) => {
                    *state = None;
                    drop(state);
                    self.invalidate();
                    self.prepare();
                    None
                }
            },
        }
    }

    /// Whether `built` is of the data there now (no `invalidate` since it was begun).
    fn current(&self, built: &Built) -> bool {
        let notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        notes.generation == built.generation
    }

    /// The notes of writes that are over (their counter has moved on): taken out, unless
    /// there are more than a count should read again (`Many`) or notes were lost (`Void`).
    fn due(&self, built: &Built, at_most: usize) -> Due {
        let now = self.writes.load(Ordering::SeqCst);
        let mut notes = self.notes.lock().unwrap_or_else(|p| p.into_inner());
        if notes.generation != built.generation {
            return Due::Void;
        }
        let due = notes.list.iter().filter(|n| n.write < now).count();
        if due > at_most {
            return Due::Many;
        }
        let (due, later) = notes.list.iter().partition(|n| n.write < now);
        notes.list = later;
        Due::Rows(due)
    }

    /// Reads again, on a thread of its own, the rows of the writes that are over: all of
    /// them, however many (counts wait for it).
    fn catch_up_in_background(self: &Arc<Self>) {
        if self.catching_up.swap(true, Ordering::SeqCst) {
            return;
        }
        let tally = self.clone();
        let spawned = std::thread::Builder::new()
            .name("text-tally".into())
            .spawn(move || {
                let mut state = tally.state.lock().unwrap_or_else(|p| p.into_inner());
                // Nothing built (or being built): nothing to catch up with.
                let ok = match state.as_mut() {
                    Some(built) => match tally.due(built, usize::MAX) {
                        Due::Rows(due) => {
                            matches!(built.catch_up(&due), Ok(true)) && tally.current(built)
                        }
                        Due::Void | Due::Many => false,
                    },
                    None => true,
                };
                if !ok {
                    *state = None;
                }
                drop(state);
                tally.catching_up.store(false, Ordering::SeqCst);
                if !ok {
                    tally.invalidate();
                    tally.prepare();
                }
            });
        if spawned.is_err() {
            self.catching_up.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each distinct text is held once, in the buffer: the table finding a text's number
    /// holds numbers only (keyed by a copy of each text it held every text twice).
    #[test]
    fn texts_hold_each_distinct_text_once() {
        let (count, len) = (20_000usize, 300usize);
        let mut texts = Texts::default();
        let mut scratch = Vec::new();
        let text = |i: usize| {
            format!("{i:x} {}", "Disk failed in bay ".repeat(len / 19 + 1))[..len].to_string()
        };
        for i in 0..count {
            assert_eq!(texts.number(text(i).as_bytes(), &mut scratch), i as u32);
        }
        texts.shrink_to_fit();
        // Found again, in another case (folded as the searches fold it).
        for i in [0, 1, count / 2, count - 1] {
            let upper = text(i).to_ascii_uppercase();
            assert_eq!(texts.number(upper.as_bytes(), &mut scratch), i as u32);
        }
        assert_eq!(texts.len(), count);
        let (held, text_bytes) = (texts.held_bytes(), count * len);
        // The texts themselves, then their separators, starts and table: 1 + 4 + about
        // 10 bytes each.
        assert!(
            held <= text_bytes + count * 24,
            "{held} bytes held for {count} texts of {len} bytes ({} a text)",
            held / count
        );
    }

    /// The search over the buffer, in one piece and in two halves (over 4 MB of text),
    /// marks exactly the texts a plain comparison of each text finds.
    #[test]
    fn matching_marks_the_texts_that_hold_the_needle() {
        let words = [
            "disk",
            "Failed",
            "in",
            "bay",
            "",
            "ok",
            "Ünïcode",
            "diskdisk",
            "k",
            "\u{212A}",
            "İn",
            "ΟΔΟΣ",
            "οδος",
        ];
        let mut state = 0x51u64;
        let mut below = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % n as u64) as usize
        };
        for count in [10usize, 400_000] {
            let mut texts = Texts::default();
            let mut scratch = Vec::new();
            let mut raw = Vec::new();
            for i in 0..count {
                let text: Vec<&str> = (0..below(6)).map(|_| words[below(words.len())]).collect();
                let text = text.join(if below(2) == 0 { " " } else { "" });
                // Digits (in no needle) keep the texts distinct, at either end.
                let text = match below(3) {
                    0 => format!("{i} {text}"),
                    1 => format!("{text} {i}"),
                    _ => text,
                };
                texts.number(text.as_bytes(), &mut scratch);
                raw.push(text);
            }
            assert_eq!(
                count > 1000,
                texts.buf.len() >= PARALLEL_BYTES,
                "{}",
                texts.buf.len()
            );
            // Each distinct text once, folded.
            let mut seen = std::collections::HashSet::new();
            let distinct: Vec<(usize, String)> = raw
                .iter()
                .filter_map(|text| {
                    let n = texts.number(text.as_bytes(), &mut scratch) as usize;
                    seen.insert(n)
                        .then(|| (n, super::super::query::fold_case(text)))
                })
                .collect();
            for needle in [
                "disk",
                "k",
                "kd",
                "failed in",
                "bay",
                "ok",
                "ünïcode",
                "zzz",
                "kdisk",
                "in",
                "ΟΔΟΣ",
                "δος",
            ] {
                for how in [
                    TextMatch::Contains,
                    TextMatch::StartsWith,
                    TextMatch::EndsWith,
                ] {
                    let bits = texts.matching(how, &Needle::new(needle).unwrap());
                    let needle = &super::super::query::fold_case(needle);
                    for (n, lower) in &distinct {
                        let want = match how {
                            TextMatch::Contains => lower.contains(needle),
                            TextMatch::StartsWith => lower.starts_with(needle),
                            TextMatch::EndsWith => lower.ends_with(needle),
                        };
                        let got = bits[n / 64] & (1 << (n % 64)) != 0;
                        assert_eq!(got, want, "{how:?} {needle:?} in {lower:?}");
                    }
                }
            }
        }
    }
}
