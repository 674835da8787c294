//! What calls remember across calls while the data stays as it was: single related rows
//! (a ticket's status and assignee, an update's editor), whether an employee is an
//! account's support representative, and the objects projected from those rows.
//!
//! A call reads an update's `editor` once however many updates name it (the call's own
//! memo, [`super::LoadedRelations`]), but across calls the same few statuses, assignees
//! and editors were read again by every random-ticket `getObject`: three of its six
//! queries, with the per-statement work of SQLite and of reading the row each time
//! (issue 14, seventeenth session), and the editors projected again. Each is remembered,
//! on the thread that read it, with the version of the data it was read at; a later call
//! whose read transaction sees that same version takes it instead.
//!
//! When a transaction sees a version: its snapshot is taken by its first statement. The
//! version is read before that ([`AcrossCalls::new`], as the call's transaction begins)
//! and again after it ([`AcrossCalls::usable`]). Writers of this process bump the
//! version as each write transaction begins and again as it ends, so the two readings
//! are equal, and even, only when no write began or ended in between: the snapshot is
//! then the data at that version. Other processes' commits show in the write-ahead
//! log's size and time, as for the reply cache and the remembered callers. A write
//! transaction takes nothing and remembers nothing: it sees its own changes.
//!
//! Some relations move with the clock (an account's `ticketsClosedToday`), and an object
//! remembered may hold one: as the reply cache's entries, facts are kept for at most
//! [`crate::reply_cache::MAX_AGE`] on the emulator's clock, and forgotten as soon as the clock is set or
//! advanced.

use super::{RelationKey, Row, SharedRow, Store};
use crate::reply_cache::ReadAt;
use crate::schema::mask::{MaskProperty, ObjectMask};
use crate::value::Value;
use rusqlite::Connection;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

/// Facts remembered per thread at most: far more than the statuses, groups and users an
/// account's tickets name.
const MAX_FACTS: usize = 512;

/// The estimated memory a thread's remembered facts may take (rows hold only the columns
/// a mask shows, but a shared object can hold lists): past it they are forgotten and
/// remembering starts again, and a row or object of more than an eighth of it is not kept.
const MAX_BYTES: u64 = 256 * 1024;

thread_local! {
    static FACTS: RefCell<Facts> = RefCell::default();
}

#[cfg(test)]
thread_local! {
    static OBJECTS_TAKEN: Cell<u64> = const { Cell::new(0) };
}

/// How many remembered objects this thread's calls took.
#[cfg(test)]
pub fn remembered_objects_taken() -> u64 {
    OBJECTS_TAKEN.with(Cell::get)
}

/// One thread's remembered facts, all of one store at one version.
#[derive(Default)]
struct Facts {
    /// The store (its [`Store::id`]), and the version of the data and the clock's count
    /// of changes ([`crate::clock::changes`]) the facts were read at.
    seen: Option<Seen>,
    /// When the first of them was read, on the emulator's clock (milliseconds).
    at: i64,
    facts: std::collections::HashMap<Key, Fact, foldhash::fast::RandomState>,
    /// The estimated memory of `facts`.
    bytes: u64,
}

type Seen = (u64, ReadAt);

/// What is remembered: a relation's row by its key, or whether an employee is an
/// account's support representative (which decides what a customer sees of them, and
/// was asked for every employee an update names).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Related(RelationKey),
    Representative { account: i64, employee: i64 },
    Object(ObjectKey),
}

#[derive(Clone)]
enum Fact {
    Row(SharedRow),
    Representative(bool),
    Object(Rc<ProjectedObject>),
}

/// An object projected from a remembered row by one entry of a parsed mask (which is
/// at one depth of it), for one viewer, account and time zone: what decides its
/// members. The row and the mask are held by the [`ProjectedObject`], so that their
/// addresses name nothing else while it is kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    row: usize,
    entry: usize,
    viewer: i64,
    account: i64,
    zone: crate::time::Zone,
}

impl ObjectKey {
    pub fn new(
        row: &Rc<Row>,
        entry: &MaskProperty,
        viewer: (i64, i64, crate::time::Zone),
    ) -> ObjectKey {
        ObjectKey {
            row: Rc::as_ptr(row) as usize,
            entry: entry as *const MaskProperty as usize,
            viewer: viewer.0,
            account: viewer.1,
            zone: viewer.2,
        }
    }
}

/// An object projected from a shared row, with what making it cost the work budget
/// (charged again whenever it is shown again, as if projected again).
pub struct ProjectedObject {
    pub value: Value,
    pub objects: u64,
    pub bytes: u64,
    /// Hold what a key's addresses point at while the object is kept: its row, and the
    /// mask of its entry when it is remembered across calls.
    _row: Rc<Row>,
    mask: Option<Arc<ObjectMask>>,
}

impl ProjectedObject {
    /// `value` projected from `row`, by an entry of `mask` when that is the call's
    /// parsed mask ([`AcrossCalls::mask`]).
    pub fn new(
        row: &Rc<Row>,
        mask: Option<&Arc<ObjectMask>>,
        value: Value,
        objects: u64,
        bytes: u64,
    ) -> ProjectedObject {
        ProjectedObject {
            value,
            objects,
            bytes,
            _row: row.clone(),
            mask: mask.cloned(),
        }
    }
}

/// One call's access to the remembered facts: through the version its read began at.
pub struct AcrossCalls<'s> {
    store: &'s Store,
    /// The version and the clock's count of changes, read before the call's transaction
    /// took its snapshot.
    before: ReadAt,
    /// Whether the snapshot is the data at `before`, once known.
    usable: Cell<Option<bool>>,
    /// The emulator's clock when that was known (milliseconds).
    now: Cell<i64>,
    /// The call's mask, when it is one parsed and kept for every call that sends its
    /// text: objects projected by its entries are remembered only then.
    mask: Option<Arc<ObjectMask>>,
}

impl<'s> AcrossCalls<'s> {
    /// For a call whose transaction has begun but read nothing yet, `before` being what
    /// [`crate::reply_cache::read_at`] gave since it began.
    pub fn new(store: &'s Store, before: ReadAt) -> AcrossCalls<'s> {
        AcrossCalls {
            store,
            before,
            usable: Cell::new(None),
            now: Cell::new(0),
            mask: None,
        }
    }

    /// Also remembering objects projected by the entries of `mask`, the call's own.
    pub fn with_mask(self, mask: Option<Arc<ObjectMask>>) -> AcrossCalls<'s> {
        AcrossCalls { mask, ..self }
    }

    /// Whether remembered facts may stand in for this transaction's reads: known once its
    /// snapshot is taken (before that, no).
    fn usable(&self, conn: &Connection) -> bool {
        if let Some(known) = self.usable.get() {
            return known;
        }
        // SAFETY: the handle is this open connection's, used on this thread only; the
        // call reads the state of its transaction on the main database.
        let state = unsafe { rusqlite::ffi::sqlite3_txn_state(conn.handle(), c"main".as_ptr()) };
        let known = match state {
            rusqlite::ffi::SQLITE_TXN_NONE => return false,
            rusqlite::ffi::SQLITE_TXN_READ => {
                let (version, _) = self.before;
                version.0.is_multiple_of(2) && self.store.version() == version
            }
            _ => false,
        };
        self.now.set(crate::clock::now_millis());
        self.usable.set(Some(known));
        known
    }

    fn seen(&self) -> Seen {
        (self.store.id, self.before)
    }

    /// Whether facts first read at `at` are still young enough to take.
    fn fresh(&self, at: i64) -> bool {
        crate::reply_cache::young(at, self.now.get())
    }

    /// The row remembered for `key`, if this transaction may take it.
    pub(super) fn row(&self, conn: &Connection, key: &RelationKey) -> Option<SharedRow> {
        match self.get(conn, &Key::Related(*key))? {
            Fact::Row(row) => Some(row),
            _ => None,
        }
    }

    /// Remembers `row`, read for `key` by this transaction, if it saw the data at its
    /// version.
    pub(super) fn put_row(&self, conn: &Connection, key: RelationKey, row: &SharedRow) {
        self.put(conn, Key::Related(key), Fact::Row(row.clone()));
    }

    /// Whether `employee` is `account`'s support representative, if remembered and this
    /// transaction may take it.
    pub fn representative(&self, conn: &Connection, account: i64, employee: i64) -> Option<bool> {
        match self.get(conn, &Key::Representative { account, employee })? {
            Fact::Representative(is) => Some(is),
            _ => None,
        }
    }

    /// Remembers whether `employee` is `account`'s support representative, as this
    /// transaction read it.
    pub fn put_representative(&self, conn: &Connection, account: i64, employee: i64, is: bool) {
        let key = Key::Representative { account, employee };
        self.put(conn, key, Fact::Representative(is));
    }

    /// The object remembered for `key`, if this transaction may take it.
    pub fn object(&self, conn: &Connection, key: &ObjectKey) -> Option<Rc<ProjectedObject>> {
        self.mask.as_ref()?;
        match self.get(conn, &Key::Object(*key))? {
            Fact::Object(object) => {
                #[cfg(test)]
                OBJECTS_TAKEN.with(|n| n.set(n.get() + 1));
                Some(object)
            }
            _ => None,
        }
    }

    /// The call's mask, when objects projected by its entries may be remembered.
    pub fn mask(&self) -> Option<&Arc<ObjectMask>> {
        self.mask.as_ref()
    }

    /// Remembers `object`, projected for `key` from a row this transaction read (or
    /// took) at its version, by an entry of the call's mask, which the object holds.
    pub fn put_object(&self, conn: &Connection, key: ObjectKey, object: &Rc<ProjectedObject>) {
        let holds_mask = match (&self.mask, &object.mask) {
            (Some(call), Some(held)) => Arc::ptr_eq(call, held),
            _ => false,
        };
        if holds_mask {
            self.put(conn, Key::Object(key), Fact::Object(object.clone()));
        }
    }

    fn get(&self, conn: &Connection, key: &Key) -> Option<Fact> {
        if !self.usable(conn) {
            return None;
        }
        FACTS.with_borrow(|r| match r.seen == Some(self.seen()) && self.fresh(r.at) {
            true => r.facts.get(key).cloned(),
            false => None,
        })
    }

    fn put(&self, conn: &Connection, key: Key, fact: Fact) {
        let bytes = match &fact {
            Fact::Row(row) => row.as_deref().map_or(0, row_bytes),
            Fact::Representative(_) => 0,
            Fact::Object(object) => object.bytes,
        };
        if bytes > MAX_BYTES / 8 || !self.usable(conn) {
            return;
        }
        FACTS.with_borrow_mut(|r| {
            if r.seen != Some(self.seen())
                || !self.fresh(r.at)
                || r.facts.len() >= MAX_FACTS
                || r.bytes + bytes > MAX_BYTES
            {
                r.facts.clear();
                r.bytes = 0;
                r.seen = Some(self.seen());
                r.at = self.now.get();
            }
            if r.facts.insert(key, fact).is_none() {
                r.bytes += bytes;
            }
        });
    }
}

/// About the memory a row takes: its text and a word or two per column.
fn row_bytes(row: &Row) -> u64 {
    row.values
        .iter()
        .map(|(column, value)| {
            let text = match value {
                Value::String(s) | Value::DateTime(s) => s.len(),
                Value::Base64(b) => b.len(),
                _ => 0,
            };
            (column.len() + text + 32) as u64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::super::{
        AcrossCalls, ListQuery, LoadedRelations, Related, Result, Row, ScratchDir, Shown, Store,
        StoreError, query_rows, related,
    };
    use rusqlite::Connection;
    use std::rc::Rc;

    /// A ticket of the seed with an assignee, and that assignee's id.
    fn assigned_ticket(conn: &Connection) -> (Row, i64) {
        let sql = "SELECT * FROM SoftLayer_Ticket WHERE assignedUserId IS NOT NULL LIMIT 1";
        let ticket = query_rows(conn, "SoftLayer_Ticket", sql, &[])
            .unwrap()
            .remove(0);
        let user = ticket.get_i64("assignedUserId").unwrap();
        (ticket, user)
    }

    /// The ticket's assignee as a call reads it: `before` the version read as its
    /// transaction began, and `meanwhile` run before the transaction's first statement.
    fn assignee(store: &Store, conn: &Connection, meanwhile: impl FnOnce()) -> Rc<Row> {
        let loaded = LoadedRelations::remembering(AcrossCalls::new(
            store,
            crate::reply_cache::read_at(store),
        ));
        meanwhile();
        let (ticket, _) = assigned_ticket(conn);
        let q = ListQuery {
            filter: None,
            limit: None,
        };
        match related(
            conn,
            &ticket,
            "assignedUser",
            &q,
            Some(&loaded),
            Shown::Everything,
            u64::MAX,
        ) {
            Ok(Some(Related::One(Some(row)))) => row,
            _ => panic!("no assignee"),
        }
    }

    fn rename(store: &Store, user: i64, name: &str) {
        store
            .write(|conn| {
                conn.execute(
                    "UPDATE SoftLayer_User_Customer SET firstName = ?1 WHERE id = ?2",
                    rusqlite::params![name, user],
                )
                .map_err(StoreError::from)
            })
            .unwrap();
    }

    /// A row read by one call stands in for the next call's query while nothing is
    /// written; after a write, or when a write commits between the version's reading
    /// and the transaction's snapshot, the query runs again and shows the change; a
    /// write transaction sees its own change.
    #[test]
    fn remembered_rows_stand_in_only_for_the_data_they_were_read_at() {
        let dir = ScratchDir::new("remembered-rows");
        let path = dir.join("db.sqlite3");
        let store = Store::open(path.to_str().unwrap()).unwrap();
        let user = store
            .read(|conn| Ok::<_, StoreError>(assigned_ticket(conn).1))
            .unwrap();
        let read = |meanwhile: &dyn Fn()| {
            store
                .read(|conn| Ok::<_, StoreError>(assignee(&store, conn, meanwhile)))
                .unwrap()
        };
        let name = |row: &Row| row.get_str("firstName").map(str::to_string);

        let first = read(&|| {});
        let second = read(&|| {});
        assert!(
            Rc::ptr_eq(&first, &second),
            "the second call takes the row read by the first"
        );

        rename(&store, user, "Renamed");
        let third = read(&|| {});
        assert!(!Rc::ptr_eq(&second, &third));
        assert_eq!(name(&third).as_deref(), Some("Renamed"));
        assert!(Rc::ptr_eq(&third, &read(&|| {})));

        // Committed after the call read the version, before its snapshot: the snapshot
        // holds the change, which the row remembered at that version does not.
        let raced = read(&|| rename(&store, user, "Raced"));
        assert_eq!(name(&raced).as_deref(), Some("Raced"));
        let after = read(&|| {});
        assert_eq!(name(&after).as_deref(), Some("Raced"));

        let in_write = store
            .write(|conn| -> Result<Rc<Row>> {
                conn.execute(
                    "UPDATE SoftLayer_User_Customer SET firstName = 'Writing' WHERE id = ?1",
                    [user],
                )?;
                Ok(assignee(&store, conn, || {}))
            })
            .unwrap();
        assert_eq!(name(&in_write).as_deref(), Some("Writing"));
        assert_eq!(name(&read(&|| {})).as_deref(), Some("Writing"));
    }

    /// Whether an employee is an account's representative is remembered per account and
    /// employee, and forgotten with any write.
    #[test]
    fn representatives_are_remembered_per_account_until_a_write() {
        let dir = ScratchDir::new("remembered-representatives");
        let path = dir.join("db.sqlite3");
        let store = Store::open(path.to_str().unwrap()).unwrap();
        let recall = |remember: Option<bool>| {
            store
                .read(|conn| {
                    let across = AcrossCalls::new(&store, crate::reply_cache::read_at(&store));
                    assigned_ticket(conn);
                    if let Some(is) = remember {
                        across.put_representative(conn, 1001, 302, is);
                    }
                    Ok::<_, StoreError>((
                        across.representative(conn, 1001, 302),
                        across.representative(conn, 1002, 302),
                    ))
                })
                .unwrap()
        };
        assert_eq!(recall(None), (None, None));
        assert_eq!(recall(Some(true)), (Some(true), None));
        assert_eq!(
            recall(None),
            (Some(true), None),
            "remembered for the next call"
        );
        rename(&store, 1, "Anyone");
        assert_eq!(recall(None), (None, None), "a write forgets it");
    }
}
