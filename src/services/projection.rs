//! Shapes stored objects into API results by the object mask: local properties by
//! default (or only those the mask names), relational and count properties only when
//! asked for, to any depth the relations allow.
//!
//! Every projection spends from one [`WorkBudget`] per call: objects projected, and bytes
//! held (projected values and the related rows loaded to make them). A mask such as
//! `updates.ticket.updates.ticket.updates` multiplies the reply by the number of updates
//! at every step; the budget stops it with a `SoftLayer_Exception_Public` fault naming
//! the limit while the reply is still small, instead of after the memory is gone.

use crate::call::{Fault, quoted_name};
use crate::schema::filter::ObjectFilter;
use crate::schema::mask::{MaskMemo, MaskProperty, ObjectMask};
use crate::schema::{PropertyKind, TypeDef, counted_relation, schema};
use crate::store::{self, ListQuery, Related, Row};
use crate::value::{MEMBER_OVERHEAD, Struct, Value};
use rusqlite::Connection;
use std::cell::{Cell, RefCell};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What one call may still spend on projection (the limits of `crate::limits`).
pub struct WorkBudget {
    objects: Cell<u64>,
    held: Cell<u64>,
    max_objects: u64,
    max_bytes: u64,
    /// Held while this call's reply is heavy (see [`HEAVY_REPLY_BYTES`]).
    heavy: RefCell<Option<HeavyPermit>>,
}

/// A reply holding more than this (estimated) is heavy: a ticket with its updates is a
/// few KB, an account with a thousand tickets in its mask about this. Past it a call
/// needs a permit, one per [`crate::limits::half_the_cores`], so that however many
/// callers ask for huge replies at once, at most that many are built at a time, at the
/// lowest CPU priority, and the others wait holding little (issue 10: four fan-out
/// callers each held up to the per-call budget at once, 450 MB together, and took the
/// CPU from ordinary calls; at 8 MiB the waiting ones still cost a core between them).
pub const HEAVY_REPLY_BYTES: u64 = crate::limits::BIG_REPLY as u64;

/// Objects projected between two looks at a quick read's clock
/// ([`crate::store::sql_clock::quick_past_limit`]).
const QUICK_CHECK_EVERY: u64 = 256;

/// The count of heavy replies being built, and the wake-up of those waiting to be.
/// Projection runs on blocking threads, so a plain lock and condition variable do.
static HEAVY: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// A place among the heavy replies being built, given back when dropped; the thread
/// building it runs at the lowest priority meanwhile.
struct HeavyPermit {
    _lowered: crate::limits::LowestPriority,
}

impl HeavyPermit {
    /// Waits up to `wait` for a place; `None` if none freed.
    fn acquire(wait: Duration) -> Option<HeavyPermit> {
        let (count, freed) = &HEAVY;
        let building = count.lock().unwrap_or_else(|p| p.into_inner());
        let max = crate::limits::half_the_cores();
        let (mut building, _) = freed
            .wait_timeout_while(building, wait, |n| *n >= max)
            .unwrap_or_else(|p| p.into_inner());
        if *building >= max {
            return None;
        }
        *building += 1;
        Some(HeavyPermit {
            _lowered: crate::limits::LowestPriority::new(),
        })
    }
}

/// How long a heavy reply waits for its turn: a stream waits at most this long for its
/// client too, and a stream's reply (which waits inside its read) holds a read snapshot,
/// which must not outlive it either.
fn heavy_turn_wait() -> Duration {
    crate::limits::get().stall_timeout()
}

/// The answer of a heavy reply that got no turn within `wait`.
fn no_heavy_turn(wait: Duration) -> Fault {
    Fault::busy(format!(
        "The server is building as many large replies as it allows at once \
         and none finished within {} seconds; retry shortly, or ask for less \
         with a narrower object mask or a resultLimit.",
        wait.as_secs()
    ))
}

thread_local! {
    /// Inside [`taking_heavy_turns`]: `Some(true)` once a heavy reply found no turn free
    /// and gave its read up to wait for one.
    static TURN_OUTSIDE: Cell<Option<bool>> = const { Cell::new(None) };
    /// The turn [`taking_heavy_turns`] waited for, for the reply it builds again.
    static TURN_TAKEN: RefCell<Option<HeavyPermit>> = const { RefCell::new(None) };
    /// Whether this thread built a heavy reply since [`release_after_heavy_reply`].
    static BUILT_HEAVY: Cell<bool> = const { Cell::new(false) };
    /// Whether a quick read on this thread gave up because its reply grew heavy, since
    /// [`note_if_heavy`].
    static GAVE_UP_HEAVY: Cell<bool> = const { Cell::new(false) };
}

/// After a quick read of `call` on this thread gave up: if for its reply's size rather
/// than its time, `call` is a heavy one ([`HEAVY_CALLS`]), which waits for its turn
/// before it reads on the blocking pool (there it built the start it had built a second
/// time, only to wait then and build it all a third).
pub fn note_if_heavy(call: &crate::call::Call) {
    if GAVE_UP_HEAVY.replace(false) {
        heavy_call(call_key(call), true);
    }
}

/// Once a call's reply is sent: if the thread built a heavy reply, what its heap holds
/// free goes back to the system before the thread idles (see
/// [`crate::allocator::release_free_memory`]).
pub fn release_after_heavy_reply() {
    if BUILT_HEAVY.replace(false) {
        crate::allocator::release_free_memory();
    }
}

/// The calls whose replies grew heavy lately, by [`call_key`]: the same call again (a
/// burst of one heavy request) waits for its turn before it reads, rather than build
/// the start of its reply only to give it up (a burst of 300 took half as long again as
/// when the waiting ones kept their start, and more of them waited past the stall
/// timeout). Forgotten when one turns out light, and all of them past [`HEAVY_CALLS_KEPT`].
static HEAVY_CALLS: Mutex<Option<std::collections::HashSet<u64>>> = Mutex::new(None);

const HEAVY_CALLS_KEPT: usize = 4096;

/// What tells calls apart for [`HEAVY_CALLS`]: everything but the arguments (a heavy
/// reply is a read's, whose answer its object, mask, filter and caller decide).
fn call_key(call: &crate::call::Call) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    format!("{}::{} {:?}", call.service, call.method, call.headers).hash(&mut hasher);
    hasher.finish()
}

fn heavy_call(key: u64, heavy: bool) {
    let mut calls = HEAVY_CALLS.lock().unwrap_or_else(|p| p.into_inner());
    let calls = calls.get_or_insert_with(Default::default);
    if heavy {
        if calls.len() >= HEAVY_CALLS_KEPT {
            calls.clear();
        }
        calls.insert(key);
    } else {
        calls.remove(&key);
    }
}

fn known_heavy_call(key: u64) -> bool {
    HEAVY_CALLS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .is_some_and(|calls| calls.contains(&key))
}

/// Runs `run`, which builds `call`'s whole reply inside a read, so that a heavy reply
/// whose turn is not free waits for it outside the read: `run` gives up, the turn is
/// waited for holding nothing, and `run` builds the reply again in it. A call known to
/// be heavy ([`HEAVY_CALLS`]) waits for its turn before `run` at all. Waiting inside the
/// read held the reply built so far, a reader connection and its snapshot: 200 callers
/// of 3.5 MB replies at once took the server from 53 MB to 1.42 GB.
pub fn taking_heavy_turns<T>(
    call: &crate::call::Call,
    mut run: impl FnMut() -> Result<T, Fault>,
) -> Result<T, Fault> {
    /// Clears this thread's turn state however `run` ends (a panic is answered further
    /// up, and the thread goes on with other calls: a turn left here was never given back).
    struct Cleared;
    impl Drop for Cleared {
        fn drop(&mut self) {
            TURN_OUTSIDE.set(None);
            TURN_TAKEN.with(|t| t.borrow_mut().take());
        }
    }
    let _cleared = Cleared;
    let key = call_key(call);
    if !known_heavy_call(key) {
        TURN_OUTSIDE.set(Some(false));
        let first = run();
        if TURN_OUTSIDE.replace(None) != Some(true) {
            return first;
        }
    }
    heavy_call(key, true);
    crate::limits::leave_cpu_place();
    crate::allocator::release_free_memory();
    let wait = heavy_turn_wait();
    let permit = HeavyPermit::acquire(wait).ok_or_else(|| no_heavy_turn(wait))?;
    TURN_TAKEN.with(|t| *t.borrow_mut() = Some(permit));
    let out = run();
    // Its turn unused: light now (the data changed), and not to wait for one again.
    if TURN_TAKEN.with(|t| t.borrow().is_some()) {
        heavy_call(key, false);
    }
    out
}

impl Drop for HeavyPermit {
    fn drop(&mut self) {
        let (count, freed) = &HEAVY;
        let mut building = count.lock().unwrap_or_else(|p| p.into_inner());
        *building = building.saturating_sub(1);
        freed.notify_one();
    }
}

impl Default for WorkBudget {
    fn default() -> WorkBudget {
        let limits = crate::limits::get();
        WorkBudget::new(limits.max_objects_per_call, limits.max_reply_bytes)
    }
}

impl WorkBudget {
    pub fn new(max_objects: u64, max_bytes: u64) -> WorkBudget {
        WorkBudget {
            objects: Cell::new(0),
            held: Cell::new(0),
            max_objects,
            max_bytes,
            heavy: RefCell::new(None),
        }
    }

    /// One more object projected.
    fn object(&self) -> Result<(), Fault> {
        self.objects(1)
    }

    /// `n` more objects projected (one, or a shared object's repeat with what it holds:
    /// see [`Projector::shared_object`]).
    fn objects(&self, n: u64) -> Result<(), Fault> {
        let before = self.objects.get();
        let after = before + n;
        self.objects.set(after);
        // Projection between statements counts against a quick read's limit too (this
        // fault is not its answer: it runs again on the blocking pool). A clock read
        // every few hundred objects costs nothing measurable.
        if before / QUICK_CHECK_EVERY != after / QUICK_CHECK_EVERY
            && crate::store::sql_clock::quick_past_limit()
        {
            return Err(Fault::busy("A long read moves to the blocking pool."));
        }
        if after > self.max_objects {
            return Err(Fault::bad_argument(format!(
                "The reply is over the work budget of {} objects per call \
                 (max-objects-per-call); ask for less with a narrower object mask or a resultLimit.",
                self.max_objects
            )));
        }
        Ok(())
    }

    /// `bytes` more held in memory for the reply.
    fn hold(&self, bytes: u64) -> Result<(), Fault> {
        let n = self.held.get() + bytes;
        self.held.set(n);
        if n > self.max_bytes {
            return Err(self.over_bytes());
        }
        if n > HEAVY_REPLY_BYTES && self.heavy.borrow().is_none() {
            // Not on an async thread: there the call is given up, to run again on the
            // blocking pool, where it may wait for its turn (this fault is not its answer).
            if crate::store::sql_clock::give_up_quick() {
                GAVE_UP_HEAVY.set(true);
                return Err(Fault::busy("A heavy reply moves to the blocking pool."));
            }
            let permit = match TURN_TAKEN.with(|t| t.borrow_mut().take()) {
                Some(permit) => permit,
                None if TURN_OUTSIDE.get().is_some() => {
                    match HeavyPermit::acquire(Duration::ZERO) {
                        Some(permit) => permit,
                        None => {
                            // Given up, to wait with nothing held ([`taking_heavy_turns`]);
                            // this fault is not its answer.
                            TURN_OUTSIDE.set(Some(true));
                            return Err(Fault::busy("A heavy reply waits outside its read."));
                        }
                    }
                }
                // The writer builds a write's reply inside its transaction: waiting there
                // for a turn held every other write up (7 s, past the stall timeout,
                // behind a burst of heavy reads). It is one thread, so one reply beside
                // the turns at most, at the writer's own priority.
                None if std::thread::current().name() == Some("writer") => return Ok(()),
                None => {
                    // Heavy replies take turns of their own, at the lowest priority.
                    crate::limits::leave_cpu_place();
                    let wait = heavy_turn_wait();
                    HeavyPermit::acquire(wait).ok_or_else(|| no_heavy_turn(wait))?
                }
            };
            *self.heavy.borrow_mut() = Some(permit);
            BUILT_HEAVY.set(true);
        }
        Ok(())
    }

    /// `bytes` no longer held (written out, or dropped).
    fn release(&self, bytes: u64) {
        let n = self.held.get().saturating_sub(bytes);
        self.held.set(n);
        // A streamed list that wrote its big items out is light again.
        if n < HEAVY_REPLY_BYTES / 2 {
            self.heavy.borrow_mut().take();
        }
    }

    /// Bytes that may still be held.
    fn allowance(&self) -> u64 {
        self.max_bytes.saturating_sub(self.held.get())
    }

    /// The fault of a reply over the bytes it may hold.
    fn over_bytes(&self) -> Fault {
        Fault::bad_argument(format!(
            "The reply is over the work budget of {} bytes per call \
             (max-reply-bytes); ask for less with a narrower object mask or a resultLimit.",
            self.max_bytes
        ))
    }

    /// Bytes held now.
    pub fn held(&self) -> u64 {
        self.held.get()
    }
}

/// The filter `{"id": {"operation": id}}` on a list of `type_name`.
fn id_filter(type_name: &str, id: i64) -> Result<ObjectFilter, Fault> {
    let operation: Struct = [("operation".to_string(), Value::Int(id))]
        .into_iter()
        .collect();
    let branch: Struct = [("id".to_string(), Value::Struct(operation))]
        .into_iter()
        .collect();
    ObjectFilter::parse(type_name, &Value::Struct(branch))
}

/// The estimated memory of loaded rows.
fn rows_bytes(rows: &[Row]) -> u64 {
    rows.iter().map(Row::estimated_bytes).sum()
}

/// How deep relational properties may nest in a mask.
pub const MAX_MASK_DEPTH: usize = 17;

/// Checks a mask against a type before any work is done, so that every fault a mask can
/// cause comes before the first byte of a reply (a streamed list cannot turn into a
/// fault once it has begun) and before a write happens: unknown properties, casts to
/// types that are not the property's type or one of its subtypes, and nesting deeper
/// than [`MAX_MASK_DEPTH`]. What passes here projects without a fault.
pub fn validate(type_name: &str, mask: &ObjectMask) -> Result<(), Fault> {
    if let Some(cast) = &mask.cast {
        check_cast(cast, type_name, "mask")?;
    }
    validate_at(mask.cast.as_deref().unwrap_or(type_name), mask, 0)
}

/// A mask sent as text, parsed and [`validate`]d for `type_name`, remembered per thread
/// ([`MaskMemo`]): parsing and checking one was 3.5% of an uncached getObject's
/// instructions.
pub fn parsed_mask(type_name: &str, text: &str) -> Result<Arc<ObjectMask>, Fault> {
    thread_local! {
        static CHECKED: MaskMemo<(String, String), Arc<ObjectMask>> = MaskMemo::default();
    }
    CHECKED.with(|memo| {
        memo.get_or_make(
            text,
            || (type_name.to_string(), text.to_string()),
            || {
                let mask = ObjectMask::parse_shared(text)?;
                validate(type_name, &mask)?;
                Ok(mask)
            },
        )
    })
}

fn validate_at(type_name: &str, mask: &ObjectMask, depth: usize) -> Result<(), Fault> {
    // An abstract type (`SoftLayer_User_Interface`) has its properties in its subtypes:
    // a property is valid when one of them has it, and rows of the others leave it out.
    let candidates = concrete_types(type_name);
    if candidates.is_empty() {
        return Ok(());
    }
    for p in &mask.properties {
        let Some(def) = candidates.iter().find_map(|t| t.property(&p.name)) else {
            return Err(unknown(&p.name, type_name));
        };
        if let Some(cast) = &p.cast {
            check_cast(cast, &def.type_name, &p.name)?;
        }
        if p.repeated && def.kind == PropertyKind::Local {
            return Err(Fault::bad_mask(format!(
                "Property '{}' has already been defined.",
                quoted_name(&p.name)
            )));
        }
        // Only objects have properties to mask: `title[foo]` names nothing. A local
        // property may be an object too (a user's `authenticationToken`), masked as its
        // type says, or as anything where the reference does not describe its type.
        let is_object = def.kind != PropertyKind::Count && def.type_name.starts_with("SoftLayer_");
        if !is_object {
            if let Some(child) = p.children.properties.first() {
                return Err(Fault::bad_mask(format!(
                    "Property '{}' not valid for '{}' ({type_name}::{} is not an object).",
                    quoted_name(&child.name),
                    def.type_name,
                    p.name
                )));
            }
            continue;
        }
        if depth + 1 > MAX_MASK_DEPTH {
            return Err(too_deep());
        }
        if !p.children.is_empty() {
            let target = p.cast.as_deref().unwrap_or(&def.type_name);
            validate_at(target, &p.children, depth + 1)?;
        }
    }
    Ok(())
}

/// The type itself when it has properties, else its subtypes that have some.
fn concrete_types(type_name: &str) -> Vec<&'static TypeDef> {
    match schema().type_def(type_name) {
        Some(t) if !t.properties.is_empty() => vec![t],
        Some(_) => schema()
            .types
            .values()
            .filter(|t| !t.properties.is_empty() && schema().is_a(&t.name, type_name))
            .collect(),
        None => Vec::new(),
    }
}

/// A property of `cast`, a subtype of the row's type `t`, that the store keeps for rows of
/// `t` (relations found from `t` up): hardware is kept as `SoftLayer_Hardware`, every piece
/// of it a server, and a cast to `SoftLayer_Hardware_Server` asks for its `activeTickets`.
/// Other properties of the subtype stay out (an update's subtypes keep relations of their
/// own, which rows of another subtype never reach from their type up).
fn kept_for_cast<'a>(
    t: &TypeDef,
    cast: Option<&'a TypeDef>,
    name: &str,
) -> Option<(&'a TypeDef, &'a crate::schema::PropertyDef)> {
    let cast = cast.filter(|c| schema().is_a(&c.name, &t.name))?;
    let def = cast.property(name)?;
    let relation = match def.kind {
        PropertyKind::Local => return None,
        PropertyKind::Relational => name,
        PropertyKind::Count => counted_relation(cast, name)?.name.as_str(),
    };
    store::relations::relations_for(&t.name, relation)
        .next()
        .map(|_| (cast, def))
}

/// A cast must name the declared type, one of its subtypes, or one of its ancestors.
fn check_cast(cast: &str, declared: &str, property: &str) -> Result<(), Fault> {
    if schema().type_def(cast).is_some()
        && (schema().is_a(cast, declared) || schema().is_a(declared, cast))
    {
        return Ok(());
    }
    Err(Fault::bad_mask(format!(
        "Invalid type cast '{}' on '{property}': it is not a type of {declared}.",
        quoted_name(cast)
    )))
}

fn too_deep() -> Fault {
    Fault::bad_mask("Object mask is nested too deeply.")
}

fn unknown(property: &str, type_name: &str) -> Fault {
    Fault::bad_mask(format!(
        "Property '{}' not valid for '{type_name}'.",
        quoted_name(property)
    ))
}

/// Shapes rows into results: by the object mask, as the user `viewer` sees them (some
/// flags are per user), with nested lists narrowed by `filter` under `filteredMask`.
pub struct Projector<'a> {
    pub conn: &'a Connection,
    pub mask: &'a ObjectMask,
    pub viewer: i64,
    /// The viewer's account (employees assigned to it show their names).
    pub account: i64,
    /// The viewer's time zone: every date is rendered in it.
    pub zone: crate::time::Zone,
    /// The filter of the list being projected, when the mask is a `filteredMask`.
    pub filter: Option<&'a ObjectFilter>,
    /// What the call may still spend.
    pub budget: WorkBudget,
    /// Single related rows this call read already, and whether each employee it showed
    /// is assigned to the viewer's account (both asked again and again by lists).
    pub loaded: Loaded<'a>,
}

/// What one projection remembers of what it read (see [`store::LoadedRelations`]).
#[derive(Default)]
pub struct Loaded<'s> {
    relations: store::LoadedRelations<'s>,
    representatives: RefCell<std::collections::HashMap<i64, bool>>,
    objects: RefCell<ProjectedObjects>,
    /// How many masks merged for one object (several casts of one property) are being
    /// projected by: their entries live only meanwhile, so their addresses key nothing.
    in_merged_masks: Cell<u32>,
}

impl<'s> Loaded<'s> {
    /// Also taking related rows remembered by earlier calls, and remembering its own,
    /// while the data is as it was ([`store::AcrossCalls`]).
    pub fn across_calls(across_calls: store::AcrossCalls<'s>) -> Loaded<'s> {
        Loaded {
            relations: store::LoadedRelations::remembering(across_calls),
            ..Default::default()
        }
    }
}

/// Objects projected from a related row shared within one call, by the row and the mask
/// entry that shaped them. An update's `editor` is one of a few users across a ticket's
/// updates, and a list's tickets share statuses and assignees: projecting the same row
/// by the same entry again gave the same object, member by member (an editor's fifteen
/// members were a fifth of an uncached getObject's instructions). A repeat is a clone
/// that shares the members ([`crate::value::Struct`] is copy-on-write).
type ProjectedObjects = std::collections::HashMap<
    (usize, usize),
    std::rc::Rc<store::ProjectedObject>,
    foldhash::fast::RandomState,
>;

/// At most this many objects are remembered per call (a streamed list of many tickets
/// with distinct assignees starts again when it is reached).
const MAX_PROJECTED_OBJECTS: usize = 1024;

impl Projector<'_> {
    pub fn project(&self, row: &Row) -> Result<Value, Fault> {
        self.project_at(row, self.mask, self.mask.cast.as_deref(), self.filter, 0)
    }

    /// Projects one item of a list into `sink`. When the sink writes items out rather
    /// than keeping them, the item stops counting against the budget once it is out.
    pub fn project_into(
        &self,
        row: &Row,
        sink: &mut dyn crate::call::ItemSink,
    ) -> Result<(), Fault> {
        let before = self.budget.held();
        let item = self.project(row)?;
        let spent = self.budget.held().saturating_sub(before);
        let keeps = sink.keeps_items();
        sink.item(item)?;
        if !keeps {
            self.budget.release(spent);
        }
        Ok(())
    }

    /// One object by `mask`; `cast` is the type the mask's properties were written for
    /// (a cast in the mask), which the object may not be.
    fn project_at(
        &self,
        row: &Row,
        mask: &ObjectMask,
        cast: Option<&str>,
        filter: Option<&ObjectFilter>,
        depth: usize,
    ) -> Result<Value, Fault> {
        let conn = self.conn;
        self.budget.object()?;
        self.budget.hold(MEMBER_OVERHEAD)?;
        // A polymorphic relation answers each item as its concrete type.
        let concrete = store::concrete(conn, row).map_err(internal)?;
        let mut row = concrete.as_ref().unwrap_or(row);
        let anonymous;
        if row.type_name == EMPLOYEE {
            anonymous = self.employee_as_seen(row)?;
            row = &anonymous;
        }
        let t = schema()
            .type_def(&row.type_name)
            .ok_or_else(|| Fault::bad_argument(format!("Unknown type {}", row.type_name)))?;
        // The result carries the row's own type: SOAP names it as the `xsi:type`, which
        // the members a mask selected could not tell.
        // Naming a local property (of this type or of the type the mask casts to) asks for
        // the named ones only.
        let cast_def = cast.and_then(|c| schema().type_def(c));
        let is_local = |name: &str| {
            [Some(t), cast_def]
                .into_iter()
                .flatten()
                .any(|d| d.property(name).map(|p| p.kind) == Some(PropertyKind::Local))
        };
        let named_locals = mask.properties.iter().any(|p| is_local(&p.name));
        // Room for what the mask can select, not for every column of the row.
        let capacity = if named_locals {
            mask.properties.len()
        } else {
            row.values.columns() + mask.properties.len()
        };
        let mut out = Struct::of_type(t.name.as_str(), capacity);
        let mut show = |column: &str, value: &Value| -> Result<(), Fault> {
            let Some(def) = t.property(column) else {
                return Ok(());
            };
            if def.kind != PropertyKind::Local {
                return Ok(());
            }
            // An employee's username is the constant "Employee": shown when asked for.
            if row.type_name == EMPLOYEE && column == "username" && mask.get(column).is_none() {
                return Ok(());
            }
            let value = match value {
                Value::DateTime(stored) => match self.zone.render_stored(stored) {
                    Some(local) => Value::DateTime(local),
                    None => value.clone(),
                },
                _ => value.clone(),
            };
            self.budget
                .hold(column.len() as u64 + value.estimated_bytes())?;
            out.insert(column.to_string(), value);
            Ok(())
        };
        if named_locals {
            // The mask's few names looked up in the row, not each of the row's dozens of
            // columns in the mask (and a schema lookup per column was 3% of an uncached
            // getObject); shown in the row's order all the same.
            let names = mask.properties.iter().map(|p| p.name.as_str());
            for i in row.values.positions(names) {
                let (column, value) = row.values.at(i);
                show(column, value)?;
            }
        } else {
            for (column, value) in row.values.iter() {
                show(column, value)?;
            }
        }
        for (i, p) in mask.properties.iter().enumerate() {
            // `validate` checked the mask against the declared type; a property this
            // row's own type lacks was asked of a subtype (through a cast or an
            // abstract type), and rows of other types leave it out, but for what the
            // store keeps for rows of this type all the same (hardware's tickets).
            let Some((owner, def)) = t
                .property(&p.name)
                .map(|def| (t, def))
                .or_else(|| kept_for_cast(t, cast_def, &p.name))
            else {
                continue;
            };
            // SOAP writes it as the subtype whose members it holds (typed clients read
            // members by the `xsi:type`).
            if !std::ptr::eq(owner, t) {
                out.retype(owner.name.as_str());
            }
            // A property named again with another cast (`updates(A)[..], updates(B)[..]`)
            // was handled with its first entry, which projects by all of them.
            if mask.properties[..i].iter().any(|q| q.name == p.name) {
                continue;
            }
            // Nearly always one entry: gathered only when there are more (no allocation
            // per property per object, 2% of an uncached getObject).
            let repeats: Vec<&MaskProperty>;
            let entries: &[&MaskProperty] =
                if mask.properties[i + 1..].iter().any(|q| q.name == p.name) {
                    repeats = mask
                        .properties
                        .iter()
                        .filter(|q| q.name == p.name)
                        .collect();
                    &repeats
                } else {
                    std::slice::from_ref(&p)
                };
            match def.kind {
                PropertyKind::Local => {}
                PropertyKind::Count => {
                    let counted = counted_relation(owner, &p.name)
                        .map(|r| r.name.as_str())
                        .unwrap_or("");
                    // Rows only some viewers are shown (a user's API key): none to others.
                    if !store::shows_relation(conn, row, counted, self.viewer).map_err(internal)? {
                        out.insert(p.name.clone(), Value::Int(0));
                        continue;
                    }
                    if let Some(n) = store::count_related(conn, row, counted).map_err(internal)? {
                        out.insert(p.name.clone(), Value::Int(n as i64));
                    }
                }
                PropertyKind::Relational if !def.type_name.starts_with("SoftLayer_") => {
                    if let Some(mut v) =
                        store::computed(conn, row, &p.name, self.viewer).map_err(internal)?
                    {
                        render_dates(&mut v, self.zone);
                        out.insert(p.name.clone(), v);
                    }
                }
                PropertyKind::Relational => {
                    if depth >= MAX_MASK_DEPTH {
                        return Err(too_deep());
                    }
                    // Rows only some viewers are shown (a user's API key): to others an
                    // empty list, as for a user without one (softlayer-python's `user
                    // detail --keys` takes the list's length).
                    if !store::shows_relation(conn, row, &p.name, self.viewer).map_err(internal)? {
                        if def.many {
                            out.insert(p.name.clone(), Value::Array(Vec::new()));
                        }
                        continue;
                    }
                    let sub = filter.map(|f| f.sub_filter(&p.name));
                    let sub_filter = sub.as_ref().filter(|f| !f.is_empty());
                    // A REST path's pick (`…/Account/Tickets/123`) reads only its row: read
                    // whole, a large relation was over the budget before it was narrowed.
                    // Not in a capped list (the last five closed): as a condition it was met
                    // before the cut, finding a ticket closed long before the five; the
                    // few rows are read and the pick made among them below.
                    let picked = match entries {
                        [MaskProperty { pick: Some(id), .. }]
                            if sub_filter.is_none()
                                && !store::relations::is_capped(&row.type_name, &p.name) =>
                        {
                            Some(id_filter(&def.type_name, *id)?)
                        }
                        _ => None,
                    };
                    let query = ListQuery {
                        filter: picked.as_ref().or(sub_filter),
                        limit: None,
                    };
                    // One entry shows the rows by its own mask; several, merged per row.
                    let shown = match entries {
                        [only] => store::Shown::ByMask(&only.children, only.cast.as_deref()),
                        _ => store::Shown::Everything,
                    };
                    let loaded = Some(&self.loaded.relations);
                    // Rows past what the reply may still hold are not read on.
                    let allowance = self.budget.allowance();
                    let related =
                        store::related(conn, row, &p.name, &query, loaded, shown, allowance);
                    let related = match related {
                        Err(store::QueryError::OverAllowance) => {
                            return Err(self.budget.over_bytes());
                        }
                        other => other.map_err(query_fault)?,
                    };
                    match related {
                        Some(Related::One(Some(r))) => {
                            let v = match (entries, &sub) {
                                // A nested filter narrows lists inside: not shared.
                                ([only], None) => self.shared_object(&r, only, depth + 1)?,
                                _ => self.project_entries(&r, entries, sub.as_ref(), depth + 1)?,
                            };
                            out.insert(p.name.clone(), v);
                        }
                        Some(Related::Many(mut rows)) => {
                            if let [MaskProperty { pick: Some(id), .. }] = entries {
                                rows.retain(|r| r.id() == Some(*id));
                            }
                            // The loaded rows count while they are alive: at every level
                            // of a fan-out a whole relation is in memory at once.
                            let loaded = rows_bytes(&rows);
                            self.budget.hold(loaded)?;
                            let mut items = Vec::with_capacity(rows.len());
                            for r in &rows {
                                items.push(self.project_entries(
                                    r,
                                    entries,
                                    sub.as_ref(),
                                    depth + 1,
                                )?);
                            }
                            self.budget.release(loaded);
                            out.insert(p.name.clone(), Value::Array(items));
                        }
                        // Nothing there, or a relation the emulator holds no data for:
                        // left out, as the real API leaves out an empty relation.
                        Some(Related::One(None)) | None => {}
                    }
                }
            }
        }
        Ok(Value::Struct(out))
    }

    /// A related object by the mask entries naming its property. One entry (the usual
    /// case) projects every object, whatever its cast. Several entries differ by their
    /// casts: SLDN's object-mask article defines a property "multiple times on the same
    /// level with different types" so that each object gets the properties written for
    /// its own type, so an object is projected by the entries whose cast it is an
    /// instance of (merged); one of none of those types by all of them (what it has of
    /// them), as a lone cast entry projects objects of other types.
    fn project_entries(
        &self,
        row: &Row,
        entries: &[&MaskProperty],
        filter: Option<&ObjectFilter>,
        depth: usize,
    ) -> Result<Value, Fault> {
        if let [only] = entries {
            return self.project_at(row, &only.children, only.cast.as_deref(), filter, depth);
        }
        let concrete = store::concrete(self.conn, row).map_err(internal)?;
        let row = concrete.as_ref().unwrap_or(row);
        let of_type = |e: &&MaskProperty| {
            e.cast
                .as_deref()
                .is_none_or(|c| schema().is_a(&row.type_name, c))
        };
        // An object of none of the types gets what it has of every entry, as a lone cast
        // entry gives objects of other types.
        let chosen: Vec<&MaskProperty> = if entries.iter().any(of_type) {
            entries.iter().copied().filter(of_type).collect()
        } else {
            entries.to_vec()
        };
        let mut mask = ObjectMask::default();
        for e in chosen {
            mask.merge(e.children.clone());
        }
        let merged = &self.loaded.in_merged_masks;
        merged.set(merged.get() + 1);
        let projected = self.project_at(row, &mask, Some(row.type_name.as_str()), filter, depth);
        merged.set(merged.get() - 1);
        projected
    }

    /// A related row shared within the call, projected by one mask entry of the call's
    /// own mask: once per call (see [`ProjectedObjects`]), charging the budget every
    /// time.
    fn shared_object(
        &self,
        row: &std::rc::Rc<Row>,
        entry: &MaskProperty,
        depth: usize,
    ) -> Result<Value, Fault> {
        if self.loaded.in_merged_masks.get() > 0 {
            return self.project_entries(row, std::slice::from_ref(&entry), None, depth);
        }
        let key = (
            std::rc::Rc::as_ptr(row) as usize,
            entry as *const MaskProperty as usize,
        );
        // Across calls too, when the row and the mask are the same ones again.
        let across_calls = self.loaded.relations.across_calls();
        let viewer = (self.viewer, self.account, self.zone);
        let across_key = store::ObjectKey::new(row, entry, viewer);
        let known = self.loaded.objects.borrow().get(&key).cloned();
        let known = known.or_else(|| across_calls?.object(self.conn, &across_key));
        if let Some(known) = known {
            self.budget.objects(known.objects)?;
            self.budget.hold(known.bytes)?;
            return Ok(known.value.clone());
        }
        let (objects, held) = (self.budget.objects.get(), self.budget.held());
        let value = self.project_entries(row, std::slice::from_ref(&entry), None, depth)?;
        let object = std::rc::Rc::new(store::ProjectedObject::new(
            row,
            across_calls.and_then(|a| a.mask()),
            value.clone(),
            self.budget.objects.get() - objects,
            self.budget.held().saturating_sub(held),
        ));
        if let Some(a) = across_calls {
            a.put_object(self.conn, across_key, &object);
        }
        let mut known = self.loaded.objects.borrow_mut();
        if known.len() >= MAX_PROJECTED_OBJECTS {
            known.clear();
        }
        known.insert(key, object);
        Ok(value)
    }

    /// An employee as a customer sees one (SLDN `SoftLayer_User_Employee`: customers
    /// "cannot see individual employee names in ticket responses"; names and email are
    /// available when the employee is assigned to the account; `username` "should simply
    /// state 'Employee'"). Otherwise only the id and display name remain, as in
    /// softlayer-python's ticket fixture.
    fn employee_as_seen(&self, row: &Row) -> Result<Row, Fault> {
        let id = row.id().unwrap_or_default();
        let known = self.loaded.representatives.borrow().get(&id).copied();
        let assigned = match known {
            Some(assigned) => assigned,
            None => {
                let (conn, account) = (self.conn, self.account);
                let across_calls = self.loaded.relations.across_calls();
                let assigned = match across_calls.and_then(|a| a.representative(conn, account, id))
                {
                    Some(assigned) => assigned,
                    None => {
                        let assigned = store::is_support_representative(conn, account, id)
                            .map_err(internal)?;
                        if let Some(a) = across_calls {
                            a.put_representative(conn, account, id, assigned);
                        }
                        assigned
                    }
                };
                self.loaded
                    .representatives
                    .borrow_mut()
                    .insert(id, assigned);
                assigned
            }
        };
        let values = row.values.map(|column, v| match column {
            "id" | "displayName" => Some(v.clone()),
            "firstName" | "lastName" | "email" if assigned => Some(v.clone()),
            "username" => Some(Value::from("Employee")),
            _ => None,
        });
        Ok(Row {
            type_name: row.type_name.clone(),
            values,
        })
    }
}

const EMPLOYEE: &str = "SoftLayer_User_Employee";

/// Renders every date inside a handler's own value (containers such as the survey
/// preference) in the caller's zone.
pub fn render_dates(value: &mut Value, zone: crate::time::Zone) {
    match value {
        Value::DateTime(stored) => {
            if let Some(local) = zone.render_stored(stored) {
                *stored = local;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| render_dates(v, zone)),
        Value::Struct(members) => members.values_mut().for_each(|v| render_dates(v, zone)),
        _ => {}
    }
}

/// A store error as the caller sees it: an internal error, except the SQL time budget's
/// interruption, which is the caller's request costing too much and says so, and a
/// database another process holds past the busy timeout (a `seed`, `load` or `restore`
/// on its file) or a write that found no space, which are worth retrying: 503 with
/// `Retry-After`, as other overloads.
pub fn internal(e: store::StoreError) -> Fault {
    if store::is_locked(&e) {
        return Fault::busy(
            "The database is held by another process (a seed, load or restore of its file); \
             try again.",
        );
    }
    // The parted file's words begin a sentence ("the database file …").
    let sentence = |mut text: String| {
        text[..1].make_ascii_uppercase();
        text
    };
    // Another read frees a connection soon: as other overloads.
    if let store::StoreError::ReadersTaken(_) = &e {
        return Fault::busy(sentence(e.to_string()));
    }
    // Said as it is, and worth retrying once space is freed: 503 with `Retry-After`, as
    // other overloads (it was "An internal error occurred.", as a bug of the server).
    if let Some(why) = store::no_space_in(&e) {
        return Fault::busy(sentence(why));
    }
    // Said as it is: the client's write was refused, and only a restart helps.
    if let store::StoreError::Commit(why) = &e
        && why.starts_with(store::FILE_PARTED)
    {
        return Fault::documented(crate::call::ExceptionClass::Public, sentence(why.clone()));
    }
    if store::sql_clock::interrupted(&e) {
        let budget = crate::limits::get().sql_time_budget_ms;
        return Fault::bad_argument(format!(
            "The request is over the SQL time budget of {budget} ms per call \
             (sql-time-budget-ms: CPU time, and ten times it in wall-clock time); narrow \
             the object filter or ask for less."
        ));
    }
    Fault::internal(format!("store error: {e}"))
}

pub fn query_fault(e: store::QueryError) -> Fault {
    match e {
        store::QueryError::Store(e) => internal(e),
        store::QueryError::Filter(msg) => {
            Fault::bad_argument(format!("Invalid object filter: {msg}"))
        }
        store::QueryError::Delivery => Fault::internal("the reply could not be delivered"),
        // `related` gives this only to projection, which answers it with its budget.
        store::QueryError::OverAllowance => Fault::internal("the rows read are over the budget"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::mask::REMEMBERED_MASK_TEXT;

    /// A mask text is parsed and checked once per type on a thread; what is wrong with
    /// a mask is found every time (faults are not remembered), for the type it is sent
    /// to; a long mask is parsed afresh.
    #[test]
    fn masks_are_parsed_once_per_type_and_text() {
        let text = "mask[id,title,updates[entry,editor]]";
        let first = parsed_mask("SoftLayer_Ticket", text).unwrap();
        let again = parsed_mask("SoftLayer_Ticket", text).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(*first, ObjectMask::parse(text).unwrap());
        // The same text is not valid for another type, every time.
        for _ in 0..2 {
            let fault = parsed_mask("SoftLayer_Ticket_Update", text).unwrap_err();
            assert!(fault.message().contains("title"), "{fault:?}");
        }
        for _ in 0..2 {
            assert!(parsed_mask("SoftLayer_Ticket", "mask[id,").is_err());
        }
        let long = format!("mask[id,{}title]", " ".repeat(REMEMBERED_MASK_TEXT));
        let a = parsed_mask("SoftLayer_Ticket", &long).unwrap();
        let b = parsed_mask("SoftLayer_Ticket", &long).unwrap();
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(*a, *b);
    }

    /// Masks made from the schema for a type: each of its local properties beside a
    /// relation, each other property beside a local one, and for each related type each
    /// of its relations and some of its local properties.
    fn masks_from_schema(type_name: &str) -> Vec<String> {
        let t = schema().type_def(type_name).unwrap();
        let mut masks = Vec::new();
        for (p, def) in &t.properties {
            if def.kind == PropertyKind::Local {
                masks.push(format!("mask[{p},updates[entry]]"));
                continue;
            }
            masks.push(format!("mask[id,{p}]"));
            let Some(target) = schema().type_def(&def.type_name) else {
                continue;
            };
            if def.kind != PropertyKind::Relational {
                continue;
            }
            masks.push(format!("mask[title,{p}[id]]"));
            let mut locals = Vec::new();
            for (q, d) in &target.properties {
                match d.kind {
                    PropertyKind::Local if locals.len() < 3 => locals.push(q.as_str()),
                    PropertyKind::Local => {}
                    _ => masks.push(format!("mask[id,{p}[id,{q}]]")),
                }
            }
            if !locals.is_empty() {
                masks.push(format!("mask[id,{p}[{}]]", locals.join(",")));
            }
        }
        masks
    }

    /// Objects remembered across calls (projected from remembered rows, by the call's
    /// parsed mask, per viewer, account and time zone) are the objects each call
    /// projects afresh: every ticket of the seed by every mask made from the schema, for
    /// users of two accounts in three time zones (with and without daylight saving),
    /// twice over so that most of the second round is taken from memory.
    #[test]
    fn objects_remembered_across_calls_are_those_each_call_projects() {
        let dir = store::ScratchDir::new("remembered-objects");
        let path = dir.join("db.sqlite3");
        let store = store::Store::open(path.to_str().unwrap()).unwrap();
        let tickets: Vec<(i64, i64)> = store
            .read(|conn| {
                conn.prepare("SELECT id, accountId FROM SoftLayer_Ticket")?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()
                    .map_err(store::StoreError::from)
            })
            .unwrap();
        let mut texts = masks_from_schema("SoftLayer_Ticket");
        texts.push("mask[updates[editor[createDate,firstName]],assignedUser[createDate]]".into());
        let masks: Vec<Arc<ObjectMask>> = texts
            .iter()
            .filter_map(|t| parsed_mask("SoftLayer_Ticket", t).ok())
            .collect();
        // Users of accounts 1001 (zones 113 and 120) and 2001 (113, and 124 without
        // daylight saving); account 1001's representative is employee 302. The
        // projector's viewer, account and zone, which come from one user in a call, are
        // also varied one at a time.
        let zone_of = |user| store.read(|conn| store::user_zone(conn, user)).unwrap();
        let viewers = [
            (5001, 1001, zone_of(5001)),
            (5003, 1001, zone_of(5003)),
            (6001, 2001, zone_of(6001)),
            (6002, 2001, zone_of(6002)),
            (5001, 1001, zone_of(6002)),
            (5001, 2001, zone_of(5001)),
            (6001, 1001, zone_of(5001)),
        ];
        let taken_before = store::remembered_objects_taken();
        let mut compared = 0;
        for _ in 0..2 {
            for mask in &masks {
                for &(viewer, account, zone) in &viewers {
                    for &(id, owner) in &tickets {
                        let (kept, fresh) = store
                            .read(|conn| -> Result<_, store::StoreError> {
                                let across = store::AcrossCalls::new(
                                    &store,
                                    crate::reply_cache::read_at(&store),
                                )
                                .with_mask(Some(mask.clone()));
                                let row =
                                    store::get_owned(conn, "SoftLayer_Ticket", id, owner)?.unwrap();
                                let projector = |loaded| Projector {
                                    conn,
                                    mask,
                                    viewer,
                                    account,
                                    zone,
                                    filter: None,
                                    budget: Default::default(),
                                    loaded,
                                };
                                let project = |p: Projector| {
                                    p.project(&row).map_err(|f| f.message().to_string())
                                };
                                Ok((
                                    project(projector(Loaded::across_calls(across))),
                                    project(projector(Loaded::default())),
                                ))
                            })
                            .unwrap();
                        assert_eq!(kept, fresh, "{mask:?} of ticket {id} for {viewer}");
                        compared += 1;
                    }
                }
            }
        }
        let taken = store::remembered_objects_taken() - taken_before;
        assert!(compared > 5000, "{compared}");
        assert!(
            taken > compared as u64 / 10,
            "{taken} objects taken of {compared}"
        );
    }

    /// Reading only the columns a mask shows (and the keys its relations need) changes
    /// no reply: every ticket of the seed, by every mask made from the schema, is the
    /// same object as when every column of every row is read.
    #[test]
    fn reading_the_columns_a_mask_shows_changes_no_reply() {
        let store = store::Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<(), store::StoreError> {
                let tickets: Vec<(i64, i64, i64)> = conn
                    .prepare(
                        "SELECT t.id, t.accountId, (SELECT min(u.id) FROM SoftLayer_User_Customer u \
                         WHERE u.accountId = t.accountId) FROM SoftLayer_Ticket t",
                    )?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                let mut compared = 0;
                let mut pruned = 0;
                for text in masks_from_schema("SoftLayer_Ticket") {
                    let mask = ObjectMask::parse(&text).unwrap();
                    if validate("SoftLayer_Ticket", &mask).is_err() {
                        continue;
                    }
                    for &(id, account, viewer) in &tickets {
                        let shown = |every: bool| {
                            store::read_every_column(every);
                            let shown = store::Shown::ByMask(&mask, None);
                            let row =
                                store::get_owned_shown(conn, "SoftLayer_Ticket", id, account, shown)
                                    .unwrap()
                                    .unwrap();
                            let projector = Projector {
                                conn,
                                mask: &mask,
                                viewer,
                                account,
                                zone: store::user_zone(conn, viewer).unwrap(),
                                filter: None,
                                budget: Default::default(),
                                loaded: Default::default(),
                            };
                            let value = projector.project(&row).map_err(|f| f.message().to_string());
                            store::read_every_column(false);
                            (row.values.columns(), value)
                        };
                        let (every, from_every) = shown(true);
                        let (chosen, from_chosen) = shown(false);
                        assert_eq!(from_chosen, from_every, "{text} of ticket {id}");
                        compared += 1;
                        pruned += usize::from(chosen < every);
                    }
                }
                assert!(compared > 3000, "{compared}");
                assert!(pruned > compared / 2, "{pruned} of {compared}");
                Ok(())
            })
            .unwrap();
    }

    /// A local property named twice at one level is refused, as the real API refuses
    /// `note` in softlayer-python issue 2088's mask (whose repeated relational
    /// `children[…]` it took); relational properties named twice are merged.
    #[test]
    fn a_local_property_named_twice_is_refused() {
        for text in [
            "mask[id,title,createDate,title]",
            "id,title,title",
            "mask.title,mask.title",
            "mask[updates[entry,entry]]",
            "mask[assignedUser[firstName],assignedUser[firstName,firstName]]",
        ] {
            let fault = parsed_mask("SoftLayer_Ticket", text).unwrap_err();
            assert_eq!(
                fault.class_name(),
                "SoftLayer_Exception_WebService_ObjectMask"
            );
            assert!(
                fault.message().ends_with("has already been defined."),
                "{text}: {fault:?}"
            );
            assert!(
                fault.message().starts_with("Property 'title'")
                    || fault.message().starts_with("Property 'entry'")
                    || fault.message().starts_with("Property 'firstName'"),
                "{text}: {fault:?}"
            );
        }
        for text in [
            "mask[id,updates[entry],updates[editor],status,status[name]]",
            "mask.updates.entry,mask.updates.editor",
            "mask[id,title]",
        ] {
            assert!(parsed_mask("SoftLayer_Ticket", text).is_ok(), "{text}");
        }
    }

    /// Past [`HEAVY_REPLY_BYTES`] a budget takes one of the heavy permits; with all of
    /// them taken it waits, and gets the busy fault (503 on every transport) if none
    /// frees in time; a permit frees when its reply is light again.
    #[test]
    fn heavy_replies_are_built_a_few_at_a_time() {
        let max = crate::limits::half_the_cores();
        let budget = || WorkBudget::new(u64::MAX, u64::MAX);
        let heavy: Vec<WorkBudget> = (0..max).map(|_| budget()).collect();
        for b in &heavy {
            b.hold(HEAVY_REPLY_BYTES + 1).expect("a free permit");
            assert!(b.heavy.borrow().is_some());
        }
        // Light replies never wait.
        let light = budget();
        light.hold(HEAVY_REPLY_BYTES / 2).expect("light");
        assert!(light.heavy.borrow().is_none());
        // All permits taken: a short wait, then the busy fault.
        let waited = HeavyPermit::acquire(Duration::from_millis(50));
        assert!(
            waited.is_none(),
            "no permit while {max} heavy replies are built"
        );
        // One reply writes its items out and is light again: its permit frees.
        heavy[0].release(HEAVY_REPLY_BYTES);
        assert!(heavy[0].heavy.borrow().is_none());
        let next = std::thread::spawn(|| HeavyPermit::acquire(Duration::from_secs(5)).is_some());
        assert!(next.join().unwrap(), "the freed permit is taken");
        assert!(matches!(Fault::busy("x").status_override(), Some(503)));
    }

    /// On an async thread (a quick read) a reply that grows heavy is given up at once,
    /// to be built on the blocking pool: it neither waits for a permit there nor takes
    /// one.
    #[test]
    fn a_quick_read_gives_up_a_heavy_reply_instead_of_waiting_for_a_permit() {
        let budget = WorkBudget::new(u64::MAX, u64::MAX);
        let (held, ran_out) = crate::store::sql_clock::quick(Duration::from_secs(60), || {
            budget.hold(HEAVY_REPLY_BYTES + 1)
        });
        assert!(ran_out, "the quick read is given up");
        assert!(held.is_err());
        assert!(budget.heavy.borrow().is_none(), "no permit taken");
        // Outside a quick read the same budget goes on to take a permit (or wait).
        let (_, ran_out) = crate::store::sql_clock::quick(Duration::from_secs(60), || ());
        assert!(!ran_out, "each quick read starts afresh");
    }

    /// Projecting many objects without a statement in between (one large query's rows)
    /// still ends a quick read past its limit; within it, nothing changes.
    #[test]
    fn a_quick_read_past_its_limit_is_given_up_between_statements() {
        let project = |limit: Duration| {
            let budget = WorkBudget::new(u64::MAX, u64::MAX);
            crate::store::sql_clock::timed(|| {
                crate::store::sql_clock::quick(limit, || {
                    (0..10 * QUICK_CHECK_EVERY).try_for_each(|_| budget.object())
                })
            })
        };
        let (done, ran_out) = project(Duration::from_secs(60));
        assert!(done.is_ok() && !ran_out);
        let (done, ran_out) = project(Duration::ZERO);
        assert!(done.is_err() && ran_out);
    }
}
