//! The only place with SQL: connections, migrations, transactions, and the generic
//! reading and writing of SoftLayer objects as rows of the table named after their type.

mod checkpointer;
mod columns;
pub mod console;
pub mod dump;
mod group_commit;
pub mod harness;
mod query;
pub mod relations;
mod remembered_rows;
mod row;
pub mod seed;
pub mod snapshot;
pub mod sql_clock;
mod sqlite_alloc;
pub mod synthetic;
mod text_tally;
pub mod ticket_statistics;
pub mod ticket_status;

use crate::call::ResultLimit;
use crate::schema::filter::ObjectFilter;
use crate::schema::schema;
use crate::value::{Struct, Value};
use relations::Relation;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, ToSql, params_from_iter};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("seed data: {0}")]
    Seed(String),
    /// The shared transaction holding this write failed to commit (group_commit.rs).
    #[error("database error: the commit failed: {0}")]
    Commit(String),
    /// A read once the database file has parted ([`DatabaseFile::parted`]: the event is
    /// held) found every connection to the file the server opened busy; none can be
    /// opened again, so it is refused at once, and worth retrying.
    #[error(
        "{0}: reads go on only from the connections the server has open to the file it \
         opened, and none is free now; try again"
    )]
    ReadersTaken(String),
    /// A file that is not one of this emulator's databases (empty, another program's).
    #[error("{0}")]
    NotEmulatorDatabase(String),
    #[error(
        "{0}: the database file cannot be written here (its mode, its folder's, or a \
         read-only file system); serve, seed, load, support, restore and reset write it \
         (export and snapshot only read)"
    )]
    ReadOnly(String),
    /// A file that cannot be read where it is, and what to do about it.
    #[error("{0}")]
    Unreadable(String),
    /// A SQLite URI (`file:…`) for the database: SQLite reads it, the checks of the file
    /// and its folder, the snapshots' folder and the reading connections would not.
    #[error(
        "{0}: give the database as a file's path or :memory:; SQLite's URI names \
         (file:…) are not read here"
    )]
    UriName(String),
    /// Every id the API's `int` can carry is taken, or past the last one given out: a
    /// larger id went out typed `xsd:long` where the WSDL says `xsd:int`, and
    /// softlayer-python could not send it back (`int exceeds XML-RPC limits`).
    #[error(
        "no id is left for a new {0}: ids are the API's int (xsd:int), and {max} is taken",
        max = i32::MAX
    )]
    IdsExhausted(String),
    /// A migration failed: the database was left as it was.
    #[error(
        "the database's schema (version {version}) cannot be brought up to this build's \
         ({latest}): {cause}. It was left as it was. A database made by a development build \
         loads into a new file with that build's `export` and this one's `load`"
    )]
    Migration {
        version: usize,
        latest: usize,
        cause: Box<StoreError>,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Whether `e` is SQLite's "database is locked" or "busy" past the busy timeout: another
/// process holds the file.
/// Whether the benchmark setting `name` turns its feature off: `off`, `false`, `no` or `0`
/// in any case, as people write a switch (only the exact `off` counted, and `OFF` was
/// silently ignored).
pub(crate) fn switched_off_by_env(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| says_off(&v))
}

fn says_off(setting: &str) -> bool {
    let setting = setting.trim();
    ["off", "false", "no", "0"]
        .iter()
        .any(|word| setting.eq_ignore_ascii_case(word))
}

pub fn is_locked(e: &StoreError) -> bool {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            matches!(f.code, DatabaseBusy | DatabaseLocked)
        }
        StoreError::Commit(text) => text.contains("database is locked"),
        _ => false,
    }
}

/// Refuses a file this process may not write: SQLite opens it read only without a word,
/// and a server on it answered health checks and reads and failed every write as an
/// internal error.
fn refuse_read_only(conn: &Connection, path: &str) -> Result<()> {
    if conn.is_readonly(rusqlite::DatabaseName::Main)? {
        return Err(StoreError::ReadOnly(path.to_string()));
    }
    Ok(())
}

/// The file a database path names, symbolic links followed as SQLite follows them: the
/// folder its log and journal go in, and its snapshots beside it. A path to nothing yet
/// is the file it will be.
pub fn real_file(path: &str) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| file_to_be_made(path))
}

/// Where SQLite makes the file `path` names when there is none yet: behind links to
/// nothing, where the last one points (as many as the kernel follows). A link in a
/// read-only folder to a new file in a writable one was refused as unwritable, its own
/// folder checked.
fn file_to_be_made(path: &str) -> std::path::PathBuf {
    let mut made = Path::new(path).to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&made) {
            Ok(target) => made = made.parent().unwrap_or(Path::new(".")).join(target),
            Err(_) => break,
        }
    }
    made
}

/// Refuses a SQLite URI for the database ([`StoreError::UriName`]). `file::memory:`
/// gave each connection its own empty database: the server said it was healthy and
/// failed every call; `file:/abs/x.db` was refused as a folder it could not write to.
pub fn refuse_uri_name(path: &str) -> Result<()> {
    if path.starts_with("file:") {
        return Err(StoreError::UriName(path.to_string()));
    }
    Ok(())
}

/// Whether this process may write to the folder of the real file `path` names.
pub fn folder_writable(path: &str) -> bool {
    use std::os::unix::ffi::OsStrExt as _;
    let real = real_file(path);
    let folder = real
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(folder_c) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return true;
    };
    // SAFETY: access(2) reads the NUL-terminated path and nothing else.
    unsafe { libc::access(folder_c.as_ptr(), libc::W_OK) == 0 }
}

/// Refuses a file in a folder this process may not write to: SQLite keeps its
/// write-ahead log, its shared-memory index and its rollback journal beside the file. A
/// file in rollback mode (as `snapshot` writes them) opened there without a word, could
/// not be put in write-ahead mode, and its server answered health checks and reads and
/// failed every write as an internal error.
///
/// The folder is the real file's ([`real_file`]).
fn refuse_unwritable_folder(path: &str) -> Result<()> {
    if !folder_writable(path) {
        return Err(StoreError::ReadOnly(path.to_string()));
    }
    Ok(())
}

/// Refuses a folder where the database file goes: SQLite said "disk I/O error" or
/// "unable to open database file".
pub(crate) fn refuse_a_folder(path: &str) -> Result<()> {
    if Path::new(path).is_dir() {
        return Err(StoreError::Unreadable(format!(
            "{path} is a folder; give a database file, such as {}",
            Path::new(path).join("softlayer.db").display()
        )));
    }
    Ok(())
}

/// Refuses a new file (`path` names none yet) in a folder that is not there: SQLite
/// answered "unable to open database file", which named no cause. (A folder this process
/// may not write to is [`refuse_unwritable_folder`]'s.)
fn refuse_a_missing_folder(path: &str) -> Result<()> {
    refuse_a_folder(path)?;
    if Path::new(path).exists() {
        return Ok(());
    }
    let made = file_to_be_made(path);
    let folder = made
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(StoreError::Unreadable(format!(
            "{path}: no such folder as {} to make the database file in",
            folder.display()
        )));
    }
    Ok(())
}

/// Process-wide SQLite settings, made before the first connection opens (afterwards
/// SQLite refuses them and nothing changes).
///
/// The bundled build keeps allocation statistics (`SQLITE_DEFAULT_MEMSTATUS`): every
/// allocation and free takes one process-wide mutex to count itself. Nothing here reads
/// those counts, and under `createStandardTicket` load the mutex was 6% of the writer
/// thread's time (the statement journal allocates for every page a write changes).
/// Those allocations also go through mimalloc rather than glibc's `malloc`
/// (`sqlite_alloc.rs`).
pub fn configure_process() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with an int argument, as SQLITE_CONFIG_MEMSTATUS takes;
        // before initialisation it only sets a flag, after it returns SQLITE_MISUSE.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            );
        }
        sqlite_alloc::install();
    });
}

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_filter_indexes.sql"),
    include_str!("migrations/0003_ticket_surface.sql"),
    include_str!("migrations/0004_emulator_outbox.sql"),
    include_str!("migrations/0005_ticket_list_indexes.sql"),
    include_str!("migrations/0006_text_search.sql"),
    include_str!("migrations/0007_fidelity.sql"),
    include_str!("migrations/0008_text_index_statistics.sql"),
    include_str!("migrations/0009_text_index_queue.sql"),
    include_str!("migrations/0010_ids_never_reused.sql"),
    include_str!("migrations/0011_locale_timezones.sql"),
    include_str!("migrations/0012_text_index_queue_lookup.sql"),
    include_str!("migrations/0013_ticket_insert_bookkeeping_in_code.sql"),
    include_str!("migrations/0014_account_ids_never_reused.sql"),
    include_str!("migrations/0015_statuses.sql"),
    include_str!("migrations/0016_more_ids_never_reused.sql"),
    include_str!("migrations/0017_outbox_and_state_ids_never_reused.sql"),
    include_str!("migrations/0018_closed_tickets_by_instant.sql"),
    include_str!("migrations/0019_last_editor.sql"),
    include_str!("migrations/0020_user_contact.sql"),
    include_str!("migrations/0021_foreign_key_indexes.sql"),
    include_str!("migrations/0022_api_authentication_keys.sql"),
    include_str!("migrations/0023_dedicated_host_placement.sql"),
    include_str!("migrations/0024_greek_sigma_folded.sql"),
];

/// One SoftLayer object as stored: its concrete type and its columns, including
/// columns that are not local properties (they serve relations).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub type_name: String,
    pub values: RowValues,
}

impl Row {
    /// The estimated memory of the row (see [`crate::value::MEMBER_OVERHEAD`]).
    pub fn estimated_bytes(&self) -> u64 {
        crate::value::MEMBER_OVERHEAD
            + self
                .values
                .iter()
                .map(|(k, v)| k.len() as u64 + v.estimated_bytes())
                .sum::<u64>()
    }

    pub fn id(&self) -> Option<i64> {
        self.get_i64("id")
    }

    pub fn get_i64(&self, column: &str) -> Option<i64> {
        match self.values.get(column)? {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    pub fn get_str(&self, column: &str) -> Option<&str> {
        self.values.get(column).and_then(Value::as_str)
    }
}

/// What a relational property holds for one parent.
#[derive(Debug)]
pub enum Related {
    /// Shared with the call's [`LoadedRelations`]: most updates of a ticket name the same
    /// few editors, and copying the editor's row for each was 3% of a `getObject`.
    One(Option<std::rc::Rc<Row>>),
    Many(Vec<Row>),
}

/// The part of a list the caller asked for, and how many there are in all.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    pub total: u64,
}

/// The caller of an API method, once authenticated.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: i64,
    pub account_id: i64,
    pub username: String,
}

/// SQLite behind a pool of readers and one writer (SQLite allows a single writer; WAL
/// lets readers go on while it writes).
pub struct Store {
    writer: Arc<Writer>,
    readers: Mutex<Vec<Connection>>,
    /// Readers for quick reads only ([`sql_clock::quick`]): they read the file through a
    /// memory map. Quick reads run on the async threads, one at a time each, so there are
    /// about as many of these as cores.
    mapped_readers: Mutex<Vec<Connection>>,
    path: Option<String>,
    /// Runs API calls' writes in shared transactions (group_commit.rs); `None` for one
    /// transaction per write, on the caller's thread.
    writer_thread: Option<group_commit::WriterThread>,
    /// Who each credential is, as of one version of the data (see [`Store::caller`]).
    callers: Mutex<(Option<crate::reply_cache::Version>, CallerMemo)>,
    /// Totals of text searches (text_tally.rs); files only, and not with the text
    /// indexes turned off (`SOFTLAYER_EMULATOR_TEXT_INDEX=off`, the plain scan).
    text_tally: Option<Arc<text_tally::TextTally>>,
    /// Tells this store from any other of the process (rows remembered across calls are
    /// the store's own, [`AcrossCalls`]).
    id: u64,
}

#[cfg(test)]
pub use columns::read_every_column;
pub use columns::{Columns, Shown, columns_for};
pub use group_commit::WriteJob;
#[cfg(test)]
pub use remembered_rows::remembered_objects_taken;
pub use remembered_rows::{AcrossCalls, ObjectKey, ProjectedObject};
pub use row::{Members, RowValues};

/// The writer connection and what follows its commits, shared with the writer thread.
pub(crate) struct Writer {
    conn: Mutex<Connection>,
    /// Bumped as every write transaction begins and ends (shared with the text tally,
    /// which tells by it when a write it noted is over).
    writes: Arc<std::sync::atomic::AtomicU64>,
    /// Counts committed write transactions, for whoever watches the data change (the
    /// console's live updates).
    commits: tokio::sync::watch::Sender<u64>,
    /// Checkpoints the write-ahead log off the writer's path (files only).
    checkpointer: std::sync::OnceLock<checkpointer::Checkpointer>,
    /// Told of writes by other processes, which its update hook does not see.
    text_tally: std::sync::OnceLock<Arc<text_tally::TextTally>>,
    /// Set at shutdown past the grace period ([`Store::cut_writes`]): no more work is
    /// committed.
    cut: std::sync::atomic::AtomicBool,
    /// The database file as it was opened (files only).
    file: Option<DatabaseFile>,
    /// Why writes fail for want of space ([`space_lacking`]), from a write that failed
    /// so to the next that succeeds: `/health` says it. The flag spares each commit the
    /// lock.
    short_of_space: Mutex<Option<String>>,
    short_of_space_flag: std::sync::atomic::AtomicBool,
    /// The write-ahead log, held open from the first [`Writer::wal_stamp`] on (files
    /// only): looking its path up for every call was 3% of an uncached `getObject`'s CPU.
    wal: std::sync::OnceLock<Option<std::fs::File>>,
    /// The log's [`Writer::wal_stamp`] after this process last wrote it: a stamp other
    /// than it is another process's write. The writer's text indexing writes the log
    /// without a commit to announce, and the console was told of each as another
    /// process's write.
    own_wal: Mutex<Option<WalStamp>>,
}

/// The write-ahead log's size and modification time, which every commit moves.
pub type WalStamp = (u64, std::time::SystemTime);

/// A database file by its device and inode, to tell when its path stops naming it while
/// the server runs: a file renamed over it (`cp fixture tmp && mv tmp softlayer.db`) or
/// the file removed. The server's connections keep the file they opened, so its writes
/// were acknowledged, read back, and lost with that file.
struct DatabaseFile {
    path: std::path::PathBuf,
    id: (u64, u64),
}

/// Starts the commit error of a write refused because [`DatabaseFile::parted`].
pub(crate) const FILE_PARTED: &str = "the database file ";

impl DatabaseFile {
    fn of(path: &str) -> Option<DatabaseFile> {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).ok()?;
        Some(DatabaseFile {
            path: path.into(),
            id: (meta.dev(), meta.ino()),
        })
    }

    /// What became of the file opened, if its path no longer names it ("the database file
    /// … was removed while the server ran"); `None` also when that cannot be told (the
    /// folder unreadable).
    fn parted(&self) -> Option<String> {
        use std::os::unix::fs::MetadataExt as _;
        let what = match std::fs::metadata(&self.path) {
            Ok(meta) if (meta.dev(), meta.ino()) == self.id => return None,
            Ok(_) => "was replaced by another file",
            // A folder on the way replaced by a file: as gone.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                "was removed"
            }
            Err(_) => return None,
        };
        Some(format!(
            "{FILE_PARTED}{} {what} while the server ran",
            self.path.display()
        ))
    }
}

/// Why a write is refused once [`DatabaseFile::parted`] says `event`.
fn writes_refused(event: &str) -> String {
    format!(
        "{event}: the server still has the file it opened, so writes to it would be lost; \
         they are refused until the server is restarted on the file at that path"
    )
}

/// Starts the words of a write that failed for want of space ([`space_lacking`]).
pub(crate) const NO_SPACE: &str = "no space is left for the database";

/// What a client is told of a write that failed for want of space, `cause` SQLite's or
/// the system's words.
fn no_space_words(cause: &str) -> String {
    format!(
        "{NO_SPACE} ({cause}): nothing was written; writes work again once space is freed \
         on its file system"
    )
}

/// The cause, if `e`, just returned by a statement on `conn`, is a want of space:
/// SQLITE_FULL (SQLite's answer to a write() short of room), or an I/O error whose errno
/// is one (an fsync's or a truncate's ENOSPC, a quota's EDQUOT, EFBIG past the process's
/// file size limit).
pub(crate) fn space_lacking(conn: &Connection, e: &rusqlite::Error) -> Option<String> {
    // SAFETY: reads the connection's last errno, on the thread that holds it.
    space_lacking_by(e, || unsafe {
        rusqlite::ffi::sqlite3_system_errno(conn.handle())
    })
}

/// [`space_lacking`] with the errno behind an I/O error read by `errno` (a backup's step
/// fails on a connection it holds, so its errno is the thread's).
pub(crate) fn space_lacking_by(e: &rusqlite::Error, errno: impl FnOnce() -> i32) -> Option<String> {
    let rusqlite::Error::SqliteFailure(failure, _) = e else {
        return None;
    };
    match failure.code {
        rusqlite::ErrorCode::DiskFull => Some("database or disk is full".to_string()),
        rusqlite::ErrorCode::SystemIoFailure => {
            let errno = errno();
            matches!(errno, libc::ENOSPC | libc::EDQUOT | libc::EFBIG)
                .then(|| std::io::Error::from_raw_os_error(errno).to_string())
        }
        _ => None,
    }
}

/// The words of a write refused for want of space, if `e` is one: a commit that failed
/// so ([`Writer::failed_for_space`]), or SQLITE_FULL from the work itself (the file at
/// its page limit, a page cache spilled onto a full disk).
pub fn no_space_in(e: &StoreError) -> Option<String> {
    match e {
        StoreError::Commit(why) if why.starts_with(NO_SPACE) => Some(why.clone()),
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::DiskFull =>
        {
            Some(no_space_words("database or disk is full"))
        }
        _ => None,
    }
}

/// Whether the file system holding `path` has no space left for this process (a server
/// started on a full disk: its first write would fail).
fn no_space_at(path: &str) -> bool {
    let Ok(c_path) = std::ffi::CString::new(path) else {
        return false;
    };
    // SAFETY: statvfs writes only the struct it is given, and reads the path.
    let mut fs: libc::statvfs = unsafe { std::mem::zeroed() };
    unsafe { libc::statvfs(c_path.as_ptr(), &mut fs) == 0 && fs.f_bavail == 0 }
}

/// Why a write was not committed after [`Store::cut_writes`].
pub(crate) const CUT_AT_SHUTDOWN: &str =
    "the server is shutting down: the call was cut and its write rolled back";

impl Writer {
    fn is_cut(&self) -> bool {
        self.cut.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Why a commit now would be lost ([`DatabaseFile::parted`]), if it would.
    fn file_parted(&self) -> Option<String> {
        self.parted_event().map(|event| writes_refused(&event))
    }

    /// What became of the file opened, if its path no longer names it (logged once).
    fn parted_event(&self) -> Option<String> {
        let parted = self.file.as_ref()?.parted();
        if let Some(event) = &parted {
            static TOLD: std::sync::Once = std::sync::Once::new();
            TOLD.call_once(|| tracing::error!("{}", writes_refused(event)));
        }
        parted
    }

    /// The write-ahead log's [`WalStamp`] now (files only).
    fn wal_stamp(&self) -> Option<WalStamp> {
        use std::os::unix::fs::MetadataExt;
        let db = &self.file.as_ref()?.path;
        let path = || {
            let mut p = db.clone().into_os_string();
            p.push("-wal");
            p
        };
        let held = self.wal.get_or_init(|| std::fs::File::open(path()).ok());
        // SQLite keeps the log while any connection is open (this process holds some);
        // should it be gone all the same, the path tells of its successor.
        let wal = match held.as_ref().map(std::fs::File::metadata) {
            Some(Ok(m)) if m.nlink() > 0 => m,
            _ => std::fs::metadata(path()).ok()?,
        };
        Some((wal.len(), wal.modified().ok()?))
    }

    /// Notes the log as this process left it after writing it.
    pub(super) fn wrote_wal(&self) {
        if self.file.is_some() {
            let stamp = self.wal_stamp();
            *self.own_wal.lock().unwrap_or_else(|p| p.into_inner()) = stamp;
        }
    }

    fn bump_writes(&self) {
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// A write transaction was committed; `wrote` whether it changed anything. Only
    /// such a commit shows that writes have space again: one that changed nothing
    /// (the start-up migration of a current database, a call refused after it began)
    /// writes no page, and cleared the note of a server started on a full disk at once.
    fn committed(&self, wrote: bool) {
        self.wrote_wal();
        self.commits.send_modify(|n| *n += 1);
        self.checkpoint_soon();
        if wrote {
            self.has_space();
        }
    }

    /// A write transaction that began with the log at `before` (taken holding the
    /// write lock) was rolled back. It may have written the log all the same (pages
    /// spilled from a large one, a commit that failed part way): if no other process
    /// had written before it, the log is noted as this process's, or the event stream
    /// told consoles of another process's write.
    fn rolled_back(&self, before: Option<WalStamp>) {
        if self.file.is_some() && self.wal_is_own(before) {
            self.wrote_wal();
        }
    }

    /// Whether `stamp` is the log as this process last left it.
    fn wal_is_own(&self, stamp: Option<WalStamp>) -> bool {
        stamp == *self.own_wal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why writes fail for want of space, from a write that failed so until one succeeds.
    fn short_of_space(&self) -> Option<String> {
        if !self
            .short_of_space_flag
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return None;
        }
        self.short_of_space
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A write failed for want of space (`why`, a client's words): said in the log once
    /// a spell, and by `/health` until a write succeeds. Every failed call logged it
    /// (once a second the idle text indexing too), and `/health` said "ok".
    fn lacks_space(&self, why: &str) {
        let mut short = self
            .short_of_space
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if short.is_none() {
            tracing::error!("writes fail: {why} (/health answers 503 until a write succeeds)");
        }
        *short = Some(why.to_string());
        self.short_of_space_flag
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// A write was committed: writes no longer fail for want of space.
    fn has_space(&self) {
        if !self
            .short_of_space_flag
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let was = self
            .short_of_space
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if was.is_some() {
            tracing::info!("writes succeed again: the database has space");
        }
    }

    /// The words of a want of space, if the last statement run on `conn` failed for one
    /// (noted for `/health` and the log): a write's work may end in an error of its own
    /// type that holds SQLite's only as text (the control API's support replies answered
    /// 500 "disk I/O error"), or be answered by its job itself.
    pub(super) fn last_statement_lacked_space(&self, conn: &Connection) -> Option<String> {
        // SAFETY: reads the connection's last result code, on the thread that holds it.
        let code = unsafe { rusqlite::ffi::sqlite3_extended_errcode(conn.handle()) };
        let failure = rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let why = no_space_words(&space_lacking(conn, &failure)?);
        self.lacks_space(&why);
        Some(why)
    }

    /// The words for `e`, just returned on `conn`, if it is a want of space (noted for
    /// `/health` and the log).
    fn failed_for_space(&self, conn: &Connection, e: &StoreError) -> Option<String> {
        let why = match e {
            StoreError::Sqlite(e) => no_space_words(&space_lacking(conn, e)?),
            e => no_space_in(e)?,
        };
        self.lacks_space(&why);
        Some(why)
    }

    /// At the start of a write transaction (holding the database's write lock): whether
    /// another process wrote since the last look.
    fn look_for_outside_writes(&self, conn: &Connection) {
        if let Some(tally) = self.text_tally.get() {
            tally.look_for_outside_writes(conn);
        }
    }

    /// Before a write transaction: gives the checkpoint thread its moment when it wants
    /// one ([`checkpointer::Checkpointer::make_way`]).
    fn make_way_for_checkpoint(&self) {
        if let Some(checkpointer) = self.checkpointer.get() {
            checkpointer.make_way();
        }
    }

    /// Something was committed that the checkpoint thread should copy.
    fn checkpoint_soon(&self) {
        if let Some(checkpointer) = self.checkpointer.get() {
            checkpointer.committed();
        }
    }
}

/// Credentials and the callers they were found to be, with their time zones.
type CallerMemo = std::collections::HashMap<
    crate::call::Credentials,
    (Principal, crate::time::Zone),
    foldhash::fast::RandomState,
>;

/// More distinct credentials than this in use between two writes empty the memo.
const MAX_REMEMBERED_CALLERS: usize = 10_000;

impl Store {
    /// Opens (creating and seeding when new) the database at `path`; `:memory:` keeps it
    /// in memory with one connection.
    pub fn open(path: &str) -> Result<Store> {
        configure_process();
        refuse_uri_name(path)?;
        let in_memory = path == ":memory:";
        // First: SQLite opens no new file there ("unable to open database file"), and
        // reading a file in write-ahead mode there fails with its own "attempt to write a
        // readonly database".
        if !in_memory {
            refuse_a_missing_folder(path)?;
            refuse_unwritable_folder(path)?;
        }
        let conn = if in_memory {
            Connection::open_in_memory()?
        } else {
            Connection::open(Path::new(path))?
        };
        // Before `configure`, which turns the write-ahead log on: that rewrites the
        // file's header, and another program's file is to be left as it was.
        refuse_another_programs(&conn).map_err(|e| in_file(path, e))?;
        refuse_read_only(&conn, path)?;
        configure(&conn)?;
        let writer = Arc::new(Writer {
            conn: Mutex::new(conn),
            writes: Default::default(),
            commits: tokio::sync::watch::Sender::new(0),
            checkpointer: Default::default(),
            text_tally: Default::default(),
            cut: Default::default(),
            file: if in_memory {
                None
            } else {
                DatabaseFile::of(path)
            },
            short_of_space: Default::default(),
            short_of_space_flag: Default::default(),
            wal: Default::default(),
            own_wal: Default::default(),
        });
        let mut store = Store {
            writer: writer.clone(),
            readers: Mutex::new(Vec::new()),
            mapped_readers: Mutex::new(Vec::new()),
            path: (!in_memory).then(|| path.to_string()),
            writer_thread: None,
            callers: Default::default(),
            text_tally: None,
            id: {
                static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        };
        // Not a call's work, so not on a call's SQL time budget: with the 1 ms the tests
        // give it, migration 0023 pushed opening a new database over it, and the
        // server did not start ("interrupted").
        store.write_unbudgeted(|conn| migrate_and_seed(conn, seed::load_default))?;
        // After the start-up write, which may fill what space was left (a new file's seed).
        if !in_memory && no_space_at(path) {
            writer.lacks_space(&no_space_words("its file system had none free at start"));
        }
        if let Some(path) = store.path.clone().filter(|_| query::text_index_enabled()) {
            let conn = store.writer_idle();
            // Registered under SQLite's name for the file, the one list queries look it up
            // by (`Connection::path`, made absolute): under the path as typed, a relative
            // `--db` left every text search counted by SQLite.
            let name = conn.path().unwrap_or(&path).to_string();
            let tally = text_tally::TextTally::register(&path, &name, &writer);
            let _ = writer.text_tally.set(tally.clone());
            let noted = tally.clone();
            tally.look_for_outside_writes(&conn);
            conn.update_hook(Some(
                move |action: rusqlite::hooks::Action, _: &str, table: &str, rowid: i64| {
                    noted.note(table, rowid, action);
                },
            ));
            drop(conn);
            store.text_tally = Some(tally);
        }
        if let Some(path) = &store.path {
            if let Some(checkpointer) = checkpointer::Checkpointer::start(path) {
                let _ = writer.checkpointer.set(checkpointer);
                checkpointer::install_backstop(&store.writer_idle());
            }
            if group_commit::enabled_by_env() {
                match group_commit::WriterThread::start(writer) {
                    Ok(thread) => store.writer_thread = Some(thread),
                    Err(e) => tracing::warn!("no writer thread ({e}): one commit per write"),
                }
            }
            // A reader in each pool from the start: a file that parts before the first
            // read of a kind leaves that kind a connection to read on (every quick read
            // was refused for good when the file was replaced before the first).
            for (pool, mapped) in [(&store.readers, false), (&store.mapped_readers, true)] {
                if let Ok(reader) = open_reader(path, mapped) {
                    pool.lock().unwrap_or_else(|p| p.into_inner()).push(reader);
                }
            }
        }
        Ok(store)
    }

    /// Why this store's writes are refused because its path no longer names the file it
    /// opened ([`DatabaseFile`]), if they are: `/health` says so.
    pub fn file_parted(&self) -> Option<String> {
        self.writer.file_parted()
    }

    /// Why writes are refused or failing, if they are: the file parted, or the last
    /// write failed for want of space. `/health` says it.
    pub fn writes_failing(&self) -> Option<String> {
        self.file_parted().or_else(|| self.writer.short_of_space())
    }

    /// Runs `f` in one write transaction: all of it is committed or none of it, and it is
    /// committed when this returns `Ok`. API calls' writes go through [`Store::submit`]
    /// instead, which groups them.
    pub fn write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.write_within(true, f)
    }

    /// [`Store::write`] without the SQL time budget, as `load` and `export` run: an import
    /// or export the admin asked for (a 159 MB document was cut at 10 s and answered
    /// "database error: interrupted", a 500).
    pub fn write_unbudgeted<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.write_within(false, f)
    }

    fn write_within<T, E: From<StoreError>>(
        &self,
        budgeted: bool,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.writer.make_way_for_checkpoint();
        let mut conn = self.writer.conn.lock().unwrap_or_else(|p| p.into_inner());
        self.writer.bump_writes();
        let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                // Ended as it began: an odd version would stand for a write under way.
                self.writer.bump_writes();
                return Err(StoreError::from(e).into());
            }
        };
        self.writer.look_for_outside_writes(&tx);
        let log_before = self.writer.wal_stamp();
        let changes_before = tx.total_changes();
        let out = match budgeted {
            true => sql_clock::timed(|| f(&tx)),
            false => f(&tx),
        };
        let out = match out {
            // Its caller was cut at shutdown, unanswered: dropped, the transaction rolls
            // back.
            Ok(_) if self.writer.is_cut() => {
                Err(StoreError::Commit(CUT_AT_SHUTDOWN.to_string()).into())
            }
            Ok(_) if let Some(why) = self.writer.file_parted() => {
                Err(StoreError::Commit(why).into())
            }
            // A step: the text that the writer thread's batches left queued may be long.
            // Not while writes fail for want of space: this write goes first.
            Ok(out) => (match self.writer.short_of_space() {
                None => query::index_queued_text_upto(&tx, query::TEXT_INDEX_STEP).map(|_| ()),
                Some(_) => Ok(()),
            })
            // COMMIT run on the transaction, not `tx.commit()`: the transaction's drop
            // rolls back a failed commit, and the cause is read before it (a full disk's
            // EFBIG or ENOSPC was answered "disk I/O error").
            .and_then(|_| tx.execute_batch("COMMIT").map_err(StoreError::from))
            .map(|_| out)
            .map_err(|e| match self.writer.failed_for_space(&tx, &e) {
                Some(why) => E::from(StoreError::Commit(why)),
                None => E::from(e),
            }),
            Err(e) => match self.writer.last_statement_lacked_space(&tx) {
                Some(why) => Err(E::from(StoreError::Commit(why))),
                None => Err(e),
            },
        };
        // Bumped before and after: a read between the two sees a version that the
        // commit has already left behind.
        let wrote = tx.total_changes() != changes_before;
        self.writer.bump_writes();
        match &out {
            Ok(_) => self.writer.committed(wrote),
            Err(_) => self.writer.rolled_back(log_before),
        }
        out
    }

    /// At shutdown, once the grace period is over: the calls still running were cut
    /// without an answer, so their writes must not land. Work not yet committed is
    /// rolled back, and queued work is not run (a write waiting for another process's
    /// lock committed after its client had been cut, and a retry made it twice).
    pub fn cut_writes(&self) {
        self.writer
            .cut
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs `job` on the writer: queued for the writer thread, which may group it with
    /// others into one transaction (group_commit.rs), or (without the thread) at once on
    /// this thread in a transaction of its own. Either way the job is told how its
    /// commit went.
    pub fn submit(&self, job: Box<dyn WriteJob>) {
        match &self.writer_thread {
            Some(thread) => thread.send(job),
            // No idle writer to index the queued text: the batch indexes it when long.
            None => group_commit::tell(group_commit::run_batch(
                &self.writer,
                job,
                || None,
                query::TEXT_INDEX_STEP,
                None,
            )),
        }
    }

    /// Whether [`Store::submit`] hands jobs to the writer thread (and never waits).
    pub fn has_writer_thread(&self) -> bool {
        self.writer_thread.is_some()
    }

    /// The control API's export: on the writer connection between writes, as it marks an
    /// account's rows in a temporary table, but committing nothing to the file. As a
    /// write it was refused once the file had parted, when it is the way to save what
    /// the server still holds.
    pub fn export(&self, account: Option<i64>) -> Result<serde_json::Value> {
        self.writer.make_way_for_checkpoint();
        dump::export(&self.writer_idle(), account)
    }

    /// The writer connection between transactions: for work outside [`Store::write`]
    /// (checkpoints, backups, restores).
    pub(super) fn writer_idle(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The caller behind `credentials` and its time zone: `find` asks the database, and
    /// its answer is remembered until anything is written (by this process or, for a
    /// file, another), so a changed key, user or zone is seen by the next call. Finding
    /// the caller and its zone were two of the six queries of an uncached `getObject`
    /// (issue 14's profile). Only callers found are remembered; a refusal asks again.
    pub fn caller<E>(
        &self,
        credentials: &crate::call::Credentials,
        find: impl FnOnce() -> std::result::Result<(Principal, crate::time::Zone), E>,
    ) -> std::result::Result<(Principal, crate::time::Zone), E> {
        // Read before the lookup, as the reply cache does: a write racing it makes the
        // entry stale at once rather than keeping what it changed.
        self.caller_at(self.version(), credentials, find)
    }

    /// Whether the transaction on `conn` sees the data at `version` ([`Store::version`]
    /// taken before it began), once it has read something: a reader's snapshot taken with
    /// no write begun or committed since, or the writer's own transaction begun by the
    /// first write since (writes bump the version as they begin and again as they
    /// commit). Facts remembered at `version` (the callers of [`Store::caller_at`]) hold
    /// for it then; otherwise they must be read again. An in-memory database is read on
    /// the writer's connection under its lock, as a snapshot of its own.
    pub fn reads_at(&self, conn: &Connection, version: crate::reply_cache::Version) -> bool {
        if !version.0.is_multiple_of(2) {
            return false;
        }
        // SAFETY: the handle is this open connection's, used on this thread only.
        let state = unsafe { rusqlite::ffi::sqlite3_txn_state(conn.handle(), c"main".as_ptr()) };
        let now = self.version();
        match state {
            rusqlite::ffi::SQLITE_TXN_READ => now == version,
            rusqlite::ffi::SQLITE_TXN_WRITE => now == (version.0 + 1, version.1),
            _ => self.path.is_none() && now == version,
        }
    }

    /// [`Store::caller`] with the store's version read before `find` could run.
    pub fn caller_at<E>(
        &self,
        version: crate::reply_cache::Version,
        credentials: &crate::call::Credentials,
        find: impl FnOnce() -> std::result::Result<(Principal, crate::time::Zone), E>,
    ) -> std::result::Result<(Principal, crate::time::Zone), E> {
        {
            let memo = self.callers.lock().unwrap_or_else(|p| p.into_inner());
            if memo.0 == Some(version)
                && let Some(known) = memo.1.get(credentials)
            {
                return Ok(known.clone());
            }
        }
        let found = find()?;
        let mut memo = self.callers.lock().unwrap_or_else(|p| p.into_inner());
        if memo.0 != Some(version) || memo.1.len() >= MAX_REMEMBERED_CALLERS {
            memo.1.clear();
            memo.0 = Some(version);
        }
        memo.1.insert(credentials.clone(), found.clone());
        Ok(found)
    }

    /// Starts building the totals of text searches in the background (a server does, so
    /// that its first searches need not wait; a million tickets take seconds).
    pub fn prepare_text_tally(&self) {
        if let Some(tally) = &self.text_tally {
            tally.prepare();
        }
    }

    /// Whether text searches are counted by the text tally now, and how many it counted.
    pub fn text_tally(&self) -> (bool, u64) {
        self.text_tally
            .as_ref()
            .map_or((false, 0), |t| (t.ready(), t.answered()))
    }

    /// The bytes the text tally holds, about (0 when none is built); `None` while it is
    /// busy counting or catching up.
    pub fn text_tally_bytes(&self) -> Option<usize> {
        self.text_tally.as_ref().map_or(Some(0), |t| t.held_bytes())
    }

    /// About how many written rows wait for the trigram indexes ([`query::QUEUED_TEXT_ROWS`]).
    pub fn queued_text_rows(&self) -> Result<u64> {
        self.read(query::queued_text_rows)
    }

    /// Changes with every committed write transaction of this process.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.writer.commits.subscribe()
    }

    /// A value that changes whenever the data may have changed: with every write
    /// transaction of this process, and (for files) with every commit of another process,
    /// which moves the write-ahead log's size or time.
    pub fn version(&self) -> (u64, Option<WalStamp>) {
        let writes = self.writer.writes.load(std::sync::atomic::Ordering::SeqCst);
        (writes, self.writer.wal_stamp())
    }

    /// Whether `stamp` (of [`Store::version`]) is how this process last left the log:
    /// if not, another process wrote since.
    pub fn wal_is_own(&self, stamp: Option<WalStamp>) -> bool {
        self.writer.wal_is_own(stamp)
    }

    /// At shutdown: stops the writer and checkpoint threads, then copies the write-ahead
    /// log into the database file and empties it, so that the file alone is the whole
    /// database. Later writes are refused. Nothing to do in memory.
    pub fn shut_down(&self) -> Result<()> {
        if self.path.is_none() {
            return Ok(());
        }
        if let Some(thread) = &self.writer_thread {
            thread.stop();
        }
        if let Some(checkpointer) = self.writer.checkpointer.get() {
            checkpointer.stop();
        }
        let conn = self.writer_idle();
        // A reader still streaming would make TRUNCATE wait; its reply is being cut
        // anyway, so wait briefly and let the log be truncated by the next start if not.
        // A checkpoint under way on another connection (another process's) makes this
        // one busy at once, without waiting, so it is tried again within a bound; giving
        // up at once left the file without the last writes, whole only with its log.
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let checkpoint = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            });
            let (busy, log, done): (i64, i64, i64) = match checkpoint {
                Ok(pages) => pages,
                // Nothing is lost: the log holds every write and the next start reads it.
                // An error exit (1, "database or disk is full") read as a failure of the
                // data.
                Err(e) if let Some(cause) = space_lacking(&conn, &e) => {
                    tracing::warn!(
                        "the write-ahead log could not be copied into the database file \
                         ({cause}): it stays beside the file ({}-wal) with every write, and \
                         the next start reads it",
                        self.path.as_deref().unwrap_or_default()
                    );
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            if busy == 0 || std::time::Instant::now() >= deadline {
                tracing::info!(
                    "write-ahead log checkpointed ({done} of {log} pages; busy: {busy})"
                );
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Runs `f` on a reader connection (the writer itself for an in-memory database).
    pub fn read<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let Some(path) = &self.path else {
            let conn = self.writer.conn.lock().unwrap_or_else(|p| p.into_inner());
            return sql_clock::timed(|| f(&conn));
        };
        let mapped = sql_clock::quick_now();
        let (pool, other) = match mapped {
            true => (&self.mapped_readers, &self.readers),
            false => (&self.readers, &self.mapped_readers),
        };
        let pooled = pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        // Once the path names another file, or none, a new reader would open that (and
        // the old file's log and index beside it: SQLite read the old log's pages into
        // the new file, and the server died of SIGBUS when it reset the index under the
        // others' mapping). Reads go on from the connections the server has to its file,
        // in either pool, which it keeps from now on; one that finds none free is
        // refused. (Waiting for the writer's connection instead held the async threads
        // while a stream held it: the server stopped answering.)
        let (conn, pool) = match pooled {
            Some(c) => (c, pool),
            None => match self.writer.parted_event() {
                Some(event) => match other.lock().unwrap_or_else(|p| p.into_inner()).pop() {
                    Some(c) => (c, other),
                    None => return Err(StoreError::ReadersTaken(event).into()),
                },
                None => {
                    let c = open_reader(path, mapped)?;
                    // Parted while it opened: it may be a connection to the new file.
                    if let Some(event) = self.writer.parted_event() {
                        return Err(StoreError::ReadersTaken(event).into());
                    }
                    (c, pool)
                }
            },
        };
        let out = in_read_transaction(&conn, f);
        let mut idle = pool.lock().unwrap_or_else(|p| p.into_inner());
        // Once the file has parted, no reader of it is closed: none could be opened again.
        if idle.len() < IDLE_READERS || self.writer.parted_event().is_some() {
            idle.push(conn);
        } else {
            // Closed outside the lock: past what ordinary work keeps busy.
            drop(idle);
            drop(conn);
        }
        out
    }
}

/// A reader connection of the file at `path`; `mapped` for the quick reads' pool
/// (memory-mapped, see `MAP_BYTES`).
fn open_reader(path: &str, mapped: bool) -> Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&c)?;
    if mapped {
        c.pragma_update(None, "mmap_size", MAP_BYTES)?;
    }
    Ok(c)
}

/// `f` in a read transaction of its own on `conn`, within the SQL time budget: one
/// snapshot for every query of the reply, and one lock instead of one per statement.
fn in_read_transaction<T, E: From<StoreError>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    // BEGIN and its end as cached statements: this runs on every read.
    let begin = conn.prepare_cached("BEGIN").and_then(|mut s| s.execute([]));
    match begin {
        Ok(_) => {
            let out = sql_clock::timed(|| f(conn));
            let _ = conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut s| s.execute([]));
            out
        }
        Err(e) => Err(StoreError::from(e).into()),
    }
}

/// Readers each pool keeps open between reads; one returning to a pool that holds as many
/// is closed. Ordinary work keeps a few busy (the async threads' quick reads, the streams
/// and blocking reads of the moment); a burst of 200 heavy reads left 206 open for good,
/// each with its page cache and prepared statements: 855 MB of a server at rest.
const IDLE_READERS: usize = 16;

/// Puts the SQL time budget's progress handler on `conn` (SQLite has one handler per
/// connection: code that borrows it for a shorter deadline gives it back with this, and
/// checks [`sql_clock::spent`] in its own).
pub(crate) fn watch_sql_budget(conn: &Connection) {
    if crate::limits::serving() {
        conn.progress_handler(sql_clock::CHECK_EVERY, Some(sql_clock::spent));
    } else {
        conn.progress_handler(0, None::<fn() -> bool>);
    }
}

/// The size the write-ahead log's file is cut back to when the log starts again.
const LOG_FILE_LIMIT: i64 = 32 << 20;

/// How long a connection waits for a lock another process holds (a seed, load or
/// restore of the file) before its statement fails "database is locked".
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    watch_sql_budget(conn);
    query::register_functions(conn)?;
    // The current time as the emulator's clock has it, for SQL that compares with "now"
    // (SQLite's own 'now' is the system clock). Not deterministic: it moves.
    conn.create_scalar_function(
        "emulator_now",
        0,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        |_| Ok(crate::clock::now_sql()),
    )?;
    conn.create_scalar_function(
        "emulator_central_midnight",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8,
        |ctx| Ok(crate::time::central_midnight_sql(ctx.get(0)?)),
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    without_stat4_estimates(conn);
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")?;
    // WAL only applies to files; read-only readers cannot change it and need not.
    let _ = conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()));
    // A reader may hold the log for up to four stall timeouts (a streamed list read
    // slowly), and under heavy writes the log grows meanwhile: 600 MB in 20 s of six
    // clients' `addUpdate`s. When the log next starts again its file is cut back to issue
    // 10's bound rather than keeping that size on disk for good.
    let _ = conn.query_row(
        &format!("PRAGMA journal_size_limit = {LOG_FILE_LIMIT}"),
        [],
        |_| Ok(()),
    );
    Ok(())
}

/// How much of the database file a quick reader reads through a memory map, instead of
/// copying each page into the connection's own cache (`pread`): random-ticket `getObject`
/// went from 15,000 to 19,000 requests/s (issue 14). The mapped pages are the system's
/// file cache, but they count in the server's RSS for every connection that touched
/// them, which is why only the few quick readers map the file (issue 10's bound: with
/// every reader mapped, RSS under `bench/abuse.sh` went from 249 to 383 MB).
const MAP_BYTES: i64 = 64 << 20;

/// Turns off the planner's use of `sqlite_stat4` samples on `conn` (`ANALYZE` writes
/// them; the bundled SQLite is built with STAT4). With samples, a statement comparing an
/// indexed column with a bound parameter is planned for the parameter's value, and
/// SQLite prepares it again whenever the value changes: in practice on every call
/// (another ticket id), which cost 6% of a write and more of a read in profiles (issue
/// 14). The plans that matter do not depend on how common a value is: the list indexes
/// (migrations/0005) serve rare and common values alike, and `store::query` times out
/// a bad plan and tries the other; `sqlite_stat1` (average counts) still guides them.
fn without_stat4_estimates(conn: &Connection) {
    /// SQLite's `SQLITE_Stat4` bit in the mask of disabled optimisations.
    const SQLITE_STAT4: std::ffi::c_uint = 0x0800;
    // SAFETY: the handle is this open connection's, used on this thread only; the call
    // sets its mask of disabled planner optimisations (every other one stays enabled).
    unsafe {
        rusqlite::ffi::sqlite3_test_control(
            rusqlite::ffi::SQLITE_TESTCTRL_OPTIMIZATIONS,
            conn.handle(),
            SQLITE_STAT4,
        );
    }
}

/// Applies pending migrations; true when the database was new.
/// [`migrate`], and a new database seeded by `seed`, in the caller's one transaction: a
/// start that failed while seeding (a full disk) used to leave a migrated database with
/// no users, which every later start took as seeded, answering every call "Invalid API
/// token".
fn migrate_and_seed(conn: &Connection, seed: impl FnOnce(&Connection) -> Result<()>) -> Result<()> {
    if migrate(conn)? {
        seed(conn)?;
    }
    Ok(())
}

/// The tag type of a ticket's tag references (the SQL of `relations.rs` and `dump.rs`
/// writes it as `9`).
pub const TICKET_TAG_TYPE: i64 = 9;

/// The ticket priorities the API takes: 0 (none), 1 (critical) to 4 (minimal impact).
pub const TICKET_PRIORITIES: std::ops::RangeInclusive<i64> = 0..=4;

/// Why a file is refused when it is another program's SQLite database.
pub(crate) const ANOTHER_PROGRAMS: &str = "the file is another program's SQLite database (its \
     tables are none of this emulator's): it was left as it was; give --db a new file";

/// Whether the database holds tables and none of them is this emulator's: another
/// program's. (A new or empty file has no tables and is seeded.)
pub(crate) fn is_another_programs(conn: &Connection) -> Result<bool> {
    let (tables, ours): (i64, i64) = conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE name = 'SoftLayer_Ticket') FROM sqlite_master \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(tables > 0 && ours == 0)
}

/// `e`, naming the file it is about where it is the file's fault ("file is not a database"
/// alone did not say which).
fn in_file(path: &str, e: StoreError) -> StoreError {
    match e {
        StoreError::NotEmulatorDatabase(why) => {
            StoreError::NotEmulatorDatabase(format!("{path}: {why}"))
        }
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            StoreError::NotEmulatorDatabase(format!("{path}: the file is not a SQLite database"))
        }
        other => other,
    }
}

/// Refuses another program's database: `serve` would add this emulator's tables beside
/// its own, `reset` drop them.
fn refuse_another_programs(conn: &Connection) -> Result<()> {
    match is_another_programs(conn)? {
        true => Err(StoreError::NotEmulatorDatabase(ANOTHER_PROGRAMS.into())),
        false => Ok(()),
    }
}

fn migrate(conn: &Connection) -> Result<bool> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    refuse_another_programs(conn)?;
    for sql in &MIGRATIONS[version.min(MIGRATIONS.len())..] {
        conn.execute_batch(sql).map_err(|e| StoreError::Migration {
            version,
            latest: MIGRATIONS.len(),
            cause: Box::new(e.into()),
        })?;
    }
    // Never lowered: a database a newer build migrated keeps its number, so that the newer
    // build does not apply its migrations again when it opens the file after this one.
    // Written only when it changes: a start on a full disk need not write at all.
    let latest = version.max(MIGRATIONS.len());
    if latest != version {
        conn.execute_batch(&format!("PRAGMA user_version = {latest}"))?;
    }
    Ok(version == 0)
}

/// A SoftLayer type name used as a table name. Only names the schema knows reach SQL,
/// so nothing a client sends can become an identifier.
fn table(type_name: &str) -> Result<&str> {
    if (schema().type_def(type_name).is_some() || type_name.starts_with("emulator_"))
        && type_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(type_name)
    } else {
        Err(StoreError::Seed(format!("unknown type {type_name}")))
    }
}

pub(crate) fn quote_ident(name: &str) -> String {
    let mut quoted = String::with_capacity(name.len() + 2);
    push_ident(&mut quoted, name);
    quoted
}

/// Appends `name` quoted as an SQL identifier.
fn push_ident(sql: &mut String, name: &str) {
    sql.push('"');
    for part in name.split_inclusive('"') {
        sql.push_str(part);
        if part.ends_with('"') {
            sql.push('"');
        }
    }
    sql.push('"');
}

/// Appends each of `items` with `push`, separated by commas.
fn push_list<T>(
    sql: &mut String,
    items: impl IntoIterator<Item = T>,
    mut push: impl FnMut(&mut String, T),
) {
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        push(sql, item);
    }
}

/// Appends the parameter `?n`.
fn push_param(sql: &mut String, n: usize) {
    use std::fmt::Write;
    sql.push('?');
    let _ = write!(sql, "{n}");
}

pub(crate) struct Param<'a>(&'a Value);

/// The first of `params` that `stmt` uses, to bind: parameters past the statement's last
/// are those of conditions a filter found always false and left out of the SQL
/// (store/query.rs).
pub(crate) fn used_params<'a>(
    stmt: &rusqlite::Statement<'_>,
    params: &'a [Value],
) -> impl rusqlite::Params + use<'a> {
    params_from_iter(params.iter().take(stmt.parameter_count()).map(Param))
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Owned(SqlValue::Null),
            Value::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(*b as i64)),
            Value::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
            Value::Float(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
            Value::String(s) | Value::DateTime(s) => {
                ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
            }
            Value::Base64(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Array(_) | Value::Struct(_) => {
                ToSqlOutput::Owned(SqlValue::Text(serde_json::Value::from(self.0).to_string()))
            }
        })
    }
}

/// How a column's SQLite value becomes an API value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ColumnKind {
    Boolean,
    Date,
    Plain,
}

/// A statement's result columns, typed by the schema's property types.
pub(crate) type ColumnKinds = std::rc::Rc<[(String, ColumnKind)]>;

/// The columns of `sql`'s result (`stmt`, prepared from it) for rows of `type_name`.
/// Remembered per thread by statement text: working them out for every statement was 4%
/// of an uncached read and of a `createStandardTicket` (issue 14's profiles), and a
/// statement's columns stay the same while the process runs (every database is migrated
/// to the same schema before it is read).
pub(crate) fn column_kinds(type_name: &str, sql: &str, stmt: &rusqlite::Statement) -> ColumnKinds {
    /// Distinct statements remembered per thread before starting again (filters make
    /// statements of many shapes).
    const MAX_REMEMBERED: usize = 1024;
    // foldhash, as for struct members: SipHash over the statement's text on every query
    // was 1% of an uncached getObject, with the two maps below.
    type Known =
        std::collections::HashMap<String, Vec<(String, ColumnKinds)>, foldhash::fast::RandomState>;
    thread_local! {
        static KNOWN: std::cell::RefCell<Known> = Default::default();
    }
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if let Some(kinds) = known
            .get(sql)
            .and_then(|by_type| by_type.iter().find(|(t, _)| t == type_name))
        {
            return kinds.1.clone();
        }
        if known.len() >= MAX_REMEMBERED {
            known.clear();
        }
        let kinds: ColumnKinds = work_out_column_kinds(type_name, stmt).into();
        known
            .entry(sql.to_string())
            .or_default()
            .push((type_name.to_string(), kinds.clone()));
        kinds
    })
}

fn work_out_column_kinds(type_name: &str, stmt: &rusqlite::Statement) -> Vec<(String, ColumnKind)> {
    let t = schema().type_def(type_name);
    stmt.column_names()
        .iter()
        .map(|c| {
            let kind = match t.and_then(|t| t.property(c)).map(|p| p.type_name.as_str()) {
                Some("boolean") => ColumnKind::Boolean,
                Some("dateTime") => ColumnKind::Date,
                _ => ColumnKind::Plain,
            };
            (c.to_string(), kind)
        })
        .collect()
}

/// One row: NULL columns left out, booleans and dates typed by the schema.
pub(crate) fn read_row(
    type_name: &str,
    columns: &ColumnKinds,
    r: &rusqlite::Row,
) -> rusqlite::Result<Row> {
    let mut values = Vec::with_capacity(columns.len());
    for (i, (_, kind)) in columns.iter().enumerate() {
        values.push(match (r.get_ref(i)?, kind) {
            (ValueRef::Null, _) => Value::Null,
            (ValueRef::Integer(n), ColumnKind::Boolean) => Value::Bool(n != 0),
            (ValueRef::Integer(n), _) => Value::Int(n),
            (ValueRef::Real(f), _) => Value::Float(f),
            (ValueRef::Text(s), kind) => {
                // Checked the standard library's fast way first: `from_utf8_lossy` walks
                // byte by byte (2% of an uncached getObject's instructions).
                let s = match std::str::from_utf8(s) {
                    Ok(s) => s.to_owned(),
                    Err(_) => String::from_utf8_lossy(s).into_owned(),
                };
                if *kind == ColumnKind::Date {
                    Value::DateTime(s)
                } else {
                    Value::String(s)
                }
            }
            (ValueRef::Blob(b), _) => Value::Base64(b.to_vec()),
        });
    }
    let values = RowValues::new(columns.clone(), values);
    Ok(Row {
        type_name: discriminated(type_name, &values).to_string(),
        values,
    })
}

/// Types stored in one table whose rows are of different subtypes, told apart by a
/// column: an update is `SoftLayer_Ticket_Update_Employee` when an employee wrote it,
/// `SoftLayer_Ticket_Update_Customer` when a customer's user did (SLDN: "a single update
/// made by a customer to a ticket"), and the base type when SoftLayer's systems did
/// (`AUTO`), for which SLDN documents no subtype.
const DISCRIMINATED: &[Discriminated] = &[Discriminated {
    base: "SoftLayer_Ticket_Update",
    column: "editorType",
    subtypes: &[
        ("EMPLOYEE", "SoftLayer_Ticket_Update_Employee"),
        ("USER", "SoftLayer_Ticket_Update_Customer"),
    ],
}];

/// A type whose rows are of the subtype named by a column's value.
struct Discriminated {
    base: &'static str,
    column: &'static str,
    /// (value, subtype); other values are the base type.
    subtypes: &'static [(&'static str, &'static str)],
}

/// The concrete type of a row read as `type_name`.
fn discriminated<'a>(type_name: &'a str, values: &RowValues) -> &'a str {
    for d in DISCRIMINATED {
        if d.base != type_name {
            continue;
        }
        let value = values.get(d.column).and_then(Value::as_str);
        if let Some((_, subtype)) = d.subtypes.iter().find(|(v, _)| Some(*v) == value) {
            return subtype;
        }
    }
    type_name
}

/// Reads rows of `type_name`, typing each column by the schema's property type.
pub(crate) fn query_rows(
    conn: &Connection,
    type_name: &str,
    sql: &str,
    params: &[Value],
) -> Result<Vec<Row>> {
    query_rows_within(conn, type_name, sql, params, u64::MAX).map(Option::unwrap_or_default)
}

/// [`query_rows`], giving up (`None`) once the rows read are estimated at more than
/// `allowance` bytes ([`Row::estimated_bytes`]): a mask's relation of a million rows
/// was read whole, 1.5 GB, before the reply's budget could see it.
pub(crate) fn query_rows_within(
    conn: &Connection,
    type_name: &str,
    sql: &str,
    params: &[Value],
    allowance: u64,
) -> Result<Option<Vec<Row>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = column_kinds(type_name, sql, &stmt);
    let bound = used_params(&stmt, params);
    let mut rows = stmt.query(bound)?;
    let mut out = Vec::new();
    let mut held = 0u64;
    while let Some(r) = rows.next()? {
        let row = read_row(type_name, &columns, r)?;
        if allowance != u64::MAX {
            held = held.saturating_add(row.estimated_bytes());
            if held > allowance {
                return Ok(None);
            }
        }
        out.push(row);
    }
    Ok(Some(out))
}

/// One object by id.
pub fn get(conn: &Connection, type_name: &str, id: i64) -> Result<Option<Row>> {
    let table = table(type_name)?;
    let sql = format!(
        "SELECT {} FROM {table} WHERE id = ?1",
        columns::row_select(conn, table, "")?
    );
    Ok(query_rows(conn, type_name, &sql, &[Value::Int(id)])?.pop())
}

/// An account's brand (`brandId`, which may be unset); `None` when there is no such
/// account.
pub fn account_brand(conn: &Connection, account_id: i64) -> Result<Option<Option<i64>>> {
    Ok(conn
        .prepare_cached("SELECT brandId FROM SoftLayer_Account WHERE id = ?1")?
        .query_row([account_id], |r| r.get::<_, Option<i64>>(0))
        .optional()?)
}

/// [`get_owned`], reading only the columns that the rows' projection as `shown` needs.
pub fn get_owned_shown(
    conn: &Connection,
    type_name: &str,
    id: i64,
    account_id: i64,
    shown: Shown<'_>,
) -> Result<Option<Row>> {
    let columns = columns_for(conn, type_name, shown)?;
    if columns.is_all() {
        return get_owned(conn, type_name, id, account_id);
    }
    let table = table(type_name)?;
    let all = columns::table_columns(conn, table)?;
    let sql = built_sql((all.as_ptr() as usize, columns), || {
        format!(
            "SELECT {} FROM {table} WHERE id = ?1 AND accountId = ?2",
            columns.select_list(all, "")
        )
    });
    owned_row(conn, type_name, &sql, id, account_id)
}

/// The row `sql` reads for `?1` = `id` and `?2` = `account_id`, if any.
fn owned_row(
    conn: &Connection,
    type_name: &str,
    sql: &str,
    id: i64,
    account_id: i64,
) -> Result<Option<Row>> {
    let params = [Value::Int(id), Value::Int(account_id)];
    Ok(query_rows(conn, type_name, sql, &params)?.pop())
}

/// SQL text built once per thread for a key (at most 1,024 kept): a table or relation
/// and the columns chosen of it, whose SQL is the same every time.
fn built_sql(key: (usize, Columns), build: impl FnOnce() -> String) -> std::rc::Rc<str> {
    type Built =
        std::collections::HashMap<(usize, Columns), std::rc::Rc<str>, foldhash::fast::RandomState>;
    thread_local! {
        static BUILT: std::cell::RefCell<Built> = Default::default();
    }
    if let Some(sql) = BUILT.with(|b| b.borrow().get(&key).cloned()) {
        return sql;
    }
    let sql: std::rc::Rc<str> = build().into();
    BUILT.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() >= 1024 {
            b.clear();
        }
        b.insert(key, sql.clone());
    });
    sql
}

/// One object by id, only if it belongs to `account_id` (its `accountId` column).
pub fn get_owned(
    conn: &Connection,
    type_name: &str,
    id: i64,
    account_id: i64,
) -> Result<Option<Row>> {
    let sql = format!(
        "SELECT * FROM {} WHERE id = ?1 AND accountId = ?2",
        table(type_name)?
    );
    owned_row(conn, type_name, &sql, id, account_id)
}

/// Inserts an object; unknown columns are an error, so seed files cannot drift silently.
pub fn insert(conn: &Connection, type_name: &str, values: &Struct) -> Result<i64> {
    let table = table(type_name)?;
    // Built in one string: a `format!` per column was 7% of the writer thread's
    // instructions under `createStandardTicket` load.
    let mut sql = String::with_capacity(32 + table.len() + values.len() * 24);
    sql.push_str("INSERT INTO ");
    sql.push_str(table);
    sql.push_str(" (");
    push_list(&mut sql, values.keys(), |sql, k| push_ident(sql, k));
    sql.push_str(") VALUES (");
    push_list(&mut sql, 1..=values.len(), push_param);
    sql.push(')');
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(values.values().map(Param)))?;
    let rowid = conn.last_insert_rowid();
    // An id SQLite picked (the row came without one, as a cancellation request does)
    // is the API's int too: past it, it went out typed `xsd:long`. The caller's
    // transaction undoes the row.
    if rowid > i64::from(i32::MAX)
        && !values.contains_key("id")
        && crate::schema::schema()
            .type_def(type_name)
            .is_some_and(|t| t.property("id").is_some())
    {
        return Err(StoreError::IdsExhausted(type_name.to_string()));
    }
    if table == "SoftLayer_Ticket" {
        ticket_added(conn, rowid)?;
    }
    Ok(rowid)
}

/// The bookkeeping of a ticket just inserted, which triggers did until migration 0013
/// (it says why they no longer do): its combination of the columns lists are narrowed by
/// counted in `derived_ticket_tally` (migrations/0005), and its title queued for the
/// trigram index (migrations/0009). Every ticket insert comes here: the API's, the
/// harness's, imports and seeds ([`insert`]); the synthetic seeder, which indexes titles
/// in bulk, counts its tickets with [`count_new_ticket`]. Statements rather than the
/// triggers' programs: the tally's row is found from the ticket's row by their index.
pub(crate) fn ticket_added(conn: &Connection, id: i64) -> Result<()> {
    count_new_ticket(conn, id)?;
    conn.prepare_cached(query::QUEUE_TICKET_TITLE)?
        .execute([id])?;
    Ok(())
}

/// Counts the new ticket `id` in `derived_ticket_tally`: one more for its combination
/// (`IS`: the columns may be NULL), or the combination's first row. One statement for a
/// combination already counted, as nearly all are.
pub(crate) fn count_new_ticket(conn: &Connection, id: i64) -> Result<()> {
    const COUNTED: &str = "UPDATE derived_ticket_tally SET n = n + 1 WHERE rowid = \
        (SELECT g.rowid FROM SoftLayer_Ticket t JOIN derived_ticket_tally g \
        ON g.accountId IS t.accountId AND g.statusId IS t.statusId \
        AND g.priority IS t.priority AND g.subjectId IS t.subjectId \
        AND g.groupId IS t.groupId AND g.assignedUserId IS t.assignedUserId WHERE t.id = ?1)";
    const FIRST_OF_ITS_KIND: &str = "INSERT INTO derived_ticket_tally \
        SELECT accountId, statusId, priority, subjectId, groupId, assignedUserId, 1 \
        FROM SoftLayer_Ticket WHERE id = ?1";
    if conn.prepare_cached(COUNTED)?.execute([id])? == 0 {
        conn.prepare_cached(FIRST_OF_ITS_KIND)?.execute([id])?;
    }
    Ok(())
}

/// Inserts a new object under an id never handed out before (see [`next_id`]); SQLite's
/// own choice of rowid would hand out a removed row's id again. Its id.
pub fn insert_new(conn: &Connection, type_name: &str, values: &Struct) -> Result<i64> {
    let mut row = values.clone();
    row.insert("id".into(), Value::Int(next_id(conn, type_name, 1)?));
    insert(conn, type_name, &row)
}

/// Sets some columns of one object.
pub fn update(conn: &Connection, type_name: &str, id: i64, values: &Struct) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let table = table(type_name)?;
    let mut sql = String::with_capacity(32 + table.len() + values.len() * 28);
    sql.push_str("UPDATE ");
    sql.push_str(table);
    sql.push_str(" SET ");
    push_list(&mut sql, values.keys().zip(2..), |sql, (k, n)| {
        push_ident(sql, k);
        sql.push_str(" = ");
        push_param(sql, n);
    });
    sql.push_str(" WHERE id = ?1");
    let id = Value::Int(id);
    let params = std::iter::once(&id).chain(values.values()).map(Param);
    conn.prepare_cached(&sql)?
        .execute(params_from_iter(params))?;
    Ok(())
}

/// Deletes link rows such as a hardware attachment: returns how many went.
pub fn delete_where(conn: &Connection, type_name: &str, matching: &Struct) -> Result<usize> {
    let table = table(type_name)?;
    let conds: Vec<String> = matching
        .keys()
        .enumerate()
        .map(|(i, k)| format!("{} = ?{}", quote_ident(k), i + 1))
        .collect();
    let sql = format!("DELETE FROM {table} WHERE {}", conds.join(" AND "));
    Ok(conn
        .prepare_cached(&sql)?
        .execute(params_from_iter(matching.values().map(Param)))?)
}

/// Rows of a type matching all of `matching` (equality), ordered by id.
/// The size of file `file_id`'s content if it is attached to ticket `ticket_id`, read
/// without reading the content (SQLite keeps a BLOB's length in its row's header).
pub fn attached_file_size(conn: &Connection, ticket_id: i64, file_id: i64) -> Result<Option<u64>> {
    Ok(conn
        .prepare_cached(
            "SELECT length(content) FROM SoftLayer_Ticket_Attachment_File \
             WHERE id = ?1 AND ticketId = ?2",
        )?
        .query_row([file_id, ticket_id], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .map(|n| n as u64))
}

pub fn find(conn: &Connection, type_name: &str, matching: &Struct) -> Result<Vec<Row>> {
    let table = table(type_name)?;
    let mut sql = format!("SELECT * FROM {table}");
    for (i, k) in matching.keys().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        sql.push_str(&format!("{} = ?{}", quote_ident(k), i + 1));
    }
    sql.push_str(" ORDER BY 1");
    let params: Vec<Value> = matching.values().cloned().collect();
    query_rows(conn, type_name, &sql, &params)
}

/// The next id free in all of `types`, which share one id space (SoftLayer keeps its
/// ticket attachments of every kind in one table), for a new `new_type` (named when no
/// id is left: the first full table of `types` was named, a guest's link for hardware).
pub fn next_id_among(conn: &Connection, new_type: &str, types: &[&str], floor: i64) -> Result<i64> {
    let mut next = floor;
    for t in types {
        next = next.max(next_free_id(conn, t, floor)?);
    }
    within_int(new_type, next)
}

/// The next free id for a type whose ids the emulator assigns: above every id the
/// table holds and, for the tables whose rows the API removes, every id it ever held
/// (migrations/0010, 0014, 0016, 0017), so that no id is handed out twice.
pub fn next_id(conn: &Connection, type_name: &str, floor: i64) -> Result<i64> {
    within_int(type_name, next_free_id(conn, type_name, floor)?)
}

/// `next`, if it is the API's int (xsd:int).
fn within_int(type_name: &str, next: i64) -> Result<i64> {
    match i32::try_from(next) {
        Ok(_) => Ok(next),
        Err(_) => Err(StoreError::IdsExhausted(type_name.to_string())),
    }
}

/// [`next_id`] whatever its size.
fn next_free_id(conn: &Connection, type_name: &str, floor: i64) -> Result<i64> {
    let table = table(type_name)?;
    let sql = format!(
        "SELECT max(coalesce(max(id), 0), coalesce((SELECT lastId FROM derived_id_high_water \
         WHERE tableName = '{table}'), 0)) + 1 FROM {table}"
    );
    // Cached: `createStandardTicket` asks this on every call (prepared each time, 6% of
    // the writer's time).
    let next: i64 = conn.prepare_cached(&sql)?.query_row([], |r| r.get(0))?;
    Ok(next.max(floor))
}

pub fn principal_by_api_key(
    conn: &Connection,
    username: &str,
    api_key: &str,
) -> Result<Option<Principal>> {
    principal(
        conn,
        "SELECT u.id, u.accountId, u.username FROM SoftLayer_User_Customer u \
         JOIN emulator_credential c ON c.userId = u.id WHERE u.username = ?1 AND c.apiKey = ?2 \
         AND coalesce(u.userStatusId, 1001) = 1001",
        &[Value::from(username), Value::from(api_key)],
    )
}

/// The IBM Cloud form: username `apikey` and the key alone identifies the user.
pub fn principal_by_key_alone(conn: &Connection, api_key: &str) -> Result<Option<Principal>> {
    principal(
        conn,
        "SELECT u.id, u.accountId, u.username FROM SoftLayer_User_Customer u \
         JOIN emulator_credential c ON c.userId = u.id WHERE c.apiKey = ?1 \
         AND coalesce(u.userStatusId, 1001) = 1001",
        &[Value::from(api_key)],
    )
}

pub fn principal_by_token(
    conn: &Connection,
    user_id: i64,
    token: &str,
) -> Result<Option<Principal>> {
    principal(
        conn,
        "SELECT u.id, u.accountId, u.username FROM SoftLayer_User_Customer u \
         JOIN emulator_credential c ON c.userId = u.id WHERE u.id = ?1 AND c.portalLoginToken = ?2 \
         AND coalesce(u.userStatusId, 1001) = 1001",
        &[Value::Int(user_id), Value::from(token)],
    )
}

/// The user a credential names. Each lookup takes active users only (`userStatusId` 1001,
/// or none): a disabled, inactive, cancel-pending or VPN-only user logs in as nobody,
/// however it authenticates.
fn principal(conn: &Connection, sql: &str, params: &[Value]) -> Result<Option<Principal>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params_from_iter(params.iter().map(Param)), |r| {
            Ok(Principal {
                user_id: r.get(0)?,
                account_id: r.get(1)?,
                username: r.get(2)?,
            })
        })
        .optional()?)
}

/// Records that a user has seen a ticket as it is now: every update posted so far.
pub fn mark_viewed(conn: &Connection, ticket_id: i64, user_id: i64, when: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO emulator_ticket_view (ticketId, userId, lastViewedDate, lastViewedUpdateId) \
         VALUES (?1, ?2, ?3, (SELECT max(id) FROM SoftLayer_Ticket_Update WHERE ticketId = ?1)) \
         ON CONFLICT (ticketId, userId) DO UPDATE SET lastViewedDate = excluded.lastViewedDate, \
         lastViewedUpdateId = excluded.lastViewedUpdateId",
    )?
    .execute(rusqlite::params![ticket_id, user_id, when])?;
    Ok(())
}

/// The relation standing behind `parent.property` for this parent row, if any.
fn relation_for(parent: &Row, property: &str) -> Option<&'static Relation> {
    relations::relations_for(&parent.type_name, property).find(|r| match r.guard {
        Some((column, value)) => parent.get_str(column) == Some(value),
        None => true,
    })
}

/// Whether the user `viewer` is shown `parent`'s relation `property` (a user's API key
/// only to the user and its account's master user, `relations::viewer_condition`); to
/// others it is empty.
pub fn shows_relation(
    conn: &Connection,
    parent: &Row,
    property: &str,
    viewer: i64,
) -> Result<bool> {
    if !relations::may_be_viewer_bound(property) {
        return Ok(true);
    }
    let Some(rel) = relation_for(parent, property) else {
        return Ok(true);
    };
    let Some(condition) = relations::viewer_condition(rel.owner, property, "p", "?2") else {
        return Ok(true);
    };
    let Some(id) = parent.id() else {
        return Ok(false);
    };
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} p WHERE p.id = ?1 AND {condition})",
        quote_ident(table(rel.owner)?)
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id, viewer], |r| r.get(0))?)
}

/// Whether the emulator knows how to load `type_name.property`.
pub fn has_relation(type_name: &str, property: &str) -> bool {
    relations::relations_for(type_name, property)
        .next()
        .is_some()
        || relations::computed_for(type_name, property).is_some()
}

/// A computed scalar property of `row` as `viewer` sees it, typed by the schema.
pub fn computed(
    conn: &Connection,
    row: &Row,
    property: &str,
    viewer: i64,
) -> Result<Option<Value>> {
    let Some(c) = relations::computed_for(&row.type_name, property) else {
        return Ok(None);
    };
    let Some(id) = row.id() else { return Ok(None) };
    let mut stmt = conn.prepare_cached(c.sql)?;
    let params = [id, viewer];
    let used = &params[..stmt.parameter_count().min(2)];
    let value: Option<SqlValue> = stmt
        .query_row(params_from_iter(used), |r| r.get(0))
        .optional()?;
    let is_bool = schema()
        .type_def(&row.type_name)
        .and_then(|t| t.property(property))
        .is_some_and(|p| p.type_name == "boolean");
    Ok(value.map(|v| match v {
        SqlValue::Integer(i) if is_bool => Value::Bool(i != 0),
        SqlValue::Integer(i) => Value::Int(i),
        SqlValue::Real(f) => Value::Float(f),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(b) => Value::Base64(b),
        SqlValue::Null => Value::Null,
    }))
}

/// A list query over a relation (or a whole type when `parent` is `None`).
pub struct ListQuery<'a> {
    pub filter: Option<&'a ObjectFilter>,
    pub limit: Option<ResultLimit>,
}

/// Single rows of relations already loaded during one call, by relation and key. An
/// update's `editor` is one of a few users for all the updates of a ticket, and a list's
/// tickets share their statuses and assignees: each is read once per call rather than
/// once per object that names it. Data cannot change under one call's snapshot. At most
/// [`MAX_LOADED_RELATIONS`] are kept, so a long streamed list holds no more than that.
/// With [`AcrossCalls`], rows read by earlier calls at the same version stand in too.
#[derive(Default)]
pub struct LoadedRelations<'s> {
    rows: std::cell::RefCell<
        std::collections::HashMap<RelationKey, SharedRow, foldhash::fast::RandomState>,
    >,
    across_calls: Option<AcrossCalls<'s>>,
}

impl<'s> LoadedRelations<'s> {
    /// Also taking and remembering rows across calls.
    pub fn remembering(across_calls: AcrossCalls<'s>) -> LoadedRelations<'s> {
        LoadedRelations {
            rows: Default::default(),
            across_calls: Some(across_calls),
        }
    }

    /// What earlier calls remembered, when this call may take it.
    pub fn across_calls(&self) -> Option<&AcrossCalls<'s>> {
        self.across_calls.as_ref()
    }

    fn get(&self, conn: &Connection, key: &RelationKey) -> Option<SharedRow> {
        if let Some(row) = self.rows.borrow().get(key) {
            return Some(row.clone());
        }
        self.across_calls.as_ref()?.row(conn, key)
    }

    fn put(&self, conn: &Connection, key: RelationKey, row: &SharedRow) {
        let mut rows = self.rows.borrow_mut();
        if rows.len() >= MAX_LOADED_RELATIONS {
            rows.clear();
        }
        rows.insert(key, row.clone());
        if let Some(across_calls) = &self.across_calls {
            across_calls.put_row(conn, key, row);
        }
    }
}

/// A relation (by address), the key it was read for and the columns read.
type RelationKey = (usize, i64, Columns);

/// A row read once per call and shared by every object that names it.
type SharedRow = Option<std::rc::Rc<Row>>;

const MAX_LOADED_RELATIONS: usize = 1024;

/// Loads a relational list or single for `parent`, with filter, order and limit; `None`
/// when the store holds no such relation. A single relation without filter or limit is
/// taken from `loaded` when this call read it already. Rows estimated at more than
/// `allowance` bytes are not read on: [`QueryError::OverAllowance`].
pub fn related(
    conn: &Connection,
    parent: &Row,
    property: &str,
    query: &ListQuery,
    loaded: Option<&LoadedRelations>,
    shown: Shown<'_>,
    allowance: u64,
) -> std::result::Result<Option<Related>, QueryError> {
    let Some(rel) = relation_for(parent, property) else {
        return Ok(None);
    };
    let many = schema()
        .property_of_type_or_subtype(&parent.type_name, property)
        .is_none_or(|p| p.many);
    let plain = query.filter.is_none() && query.limit.is_none();
    // Filtered and limited lists read every column.
    let columns = match plain {
        true => columns_for(conn, rel.target, shown)?,
        false => Columns::ALL,
    };
    let memo_key = match (parent.values.get(rel.key), loaded) {
        (Some(Value::Int(key)), Some(_)) if !many && plain => {
            Some((rel as *const Relation as usize, *key, columns))
        }
        _ => None,
    };
    if let (Some(k), Some(loaded)) = (memo_key, loaded)
        && let Some(row) = loaded.get(conn, &k)
    {
        return Ok(Some(Related::One(row)));
    }
    let rows = match (query.filter, query.limit) {
        (None, None) => match parent.values.get(rel.key) {
            // The mask's everyday case: the whole relation, by SQL built once.
            Some(key) => {
                let some;
                let sql = match columns.is_all() {
                    true => plain_sql(rel).rows.as_str(),
                    false => {
                        some = some_columns_sql(conn, rel, columns)?;
                        &*some
                    }
                };
                query_rows_within(conn, rel.target, sql, std::slice::from_ref(key), allowance)?
                    .ok_or(QueryError::OverAllowance)?
            }
            None => Vec::new(),
        },
        _ => match relation_list_sql(parent, rel) {
            Some(mut l) => {
                query::list(
                    conn,
                    &mut l.b,
                    (&l.target, l.cap),
                    &l.from,
                    &l.on,
                    &l.order,
                    query,
                    allowance,
                )?
                .rows
            }
            None => Vec::new(),
        },
    };
    Ok(Some(if many {
        Related::Many(rows)
    } else {
        let row = rows.into_iter().next().map(std::rc::Rc::new);
        if let (Some(k), Some(loaded)) = (memo_key, loaded) {
            loaded.put(conn, k, &row);
        }
        Related::One(row)
    }))
}

/// Counts a relational list for `parent` (a count property).
pub fn count_related(conn: &Connection, parent: &Row, property: &str) -> Result<Option<u64>> {
    let Some(rel) = relation_for(parent, property) else {
        return Ok(None);
    };
    let Some(key) = parent.values.get(rel.key).cloned() else {
        return Ok(Some(0));
    };
    let n: i64 = conn
        .prepare_cached(&plain_sql(rel).count)?
        .query_row([Param(&key)], |r| r.get(0))?;
    Ok(Some(n as u64))
}

/// A relation's whole rows and its count, for a parent key bound to `?1`.
struct PlainSql {
    rows: String,
    count: String,
    /// What follows the selected columns in `rows`: `FROM … WHERE … ORDER BY …`.
    tail: String,
}

/// A relation's rows with only `columns` of them, for a parent key bound to `?1`.
fn some_columns_sql(
    conn: &Connection,
    rel: &'static Relation,
    columns: Columns,
) -> Result<std::rc::Rc<str>> {
    let all = columns::table_columns(conn, table(rel.target)?)?;
    // Keyed by the relation's entry in the table of relations.
    let key = (rel as *const Relation as usize, columns);
    Ok(built_sql(key, || {
        format!(
            "SELECT {} {}",
            columns.select_list(all, "r0."),
            plain_sql(rel).tail
        )
    }))
}

/// The plain SQL of every relation, built on first use (masks load relations on
/// every reply; building their SQL text each time showed in profiles).
fn plain_sql(rel: &'static Relation) -> &'static PlainSql {
    static PLAIN: std::sync::OnceLock<Vec<PlainSql>> = std::sync::OnceLock::new();
    let all = PLAIN.get_or_init(|| {
        relations::RELATIONS
            .iter()
            .map(|r| {
                let (from, on, order) = query::SqlBuilder::relation_sql(r, "r0", "?1");
                let cap = r.cap.map(|c| format!(" LIMIT {c}")).unwrap_or_default();
                let tail = format!("FROM {from} WHERE {on} ORDER BY {order}{cap}");
                PlainSql {
                    rows: format!("SELECT r0.* {tail}"),
                    count: match r.cap {
                        Some(_) => format!("SELECT count(*) FROM (SELECT 1 FROM {from} WHERE {on} ORDER BY {order}{cap})"),
                        None => format!("SELECT count(*) FROM {from} WHERE {on}"),
                    },
                    tail,
                }
            })
            .collect()
    });
    &all[relations::index_of(rel)]
}

/// Where a list comes from: a relational list of one parent, or every object of a type
/// (the `getAllObjects` lists, ordered by `order`, written against `{r}`).
#[derive(Debug, Clone)]
pub enum ListSource {
    Related {
        parent: Row,
        property: String,
    },
    All {
        type_name: String,
        order: String,
    },
    /// An account's tickets closed at or after `since` (ISO 8601), newest first.
    TicketsClosedSince {
        account_id: i64,
        since: String,
    },
}

/// A list's SQL, ready for `query::list` or `query::list_each`.
struct ListSql {
    b: query::SqlBuilder,
    target: String,
    cap: Option<u64>,
    from: String,
    on: String,
    order: String,
}

/// The SQL of one parent's relation; `None` when the parent has no key to follow.
fn relation_list_sql(parent: &Row, rel: &'static Relation) -> Option<ListSql> {
    let key = parent.values.get(rel.key)?.clone();
    let (from, on, order) = query::SqlBuilder::relation_sql(rel, "r0", "?1");
    Some(ListSql {
        b: query::SqlBuilder::new(vec![key]),
        target: rel.target.to_string(),
        cap: rel.cap,
        from,
        on,
        order,
    })
}

impl ListSource {
    /// `None` when there is nothing to list (no such relation, or no key to follow).
    fn sql(&self) -> Result<Option<ListSql>> {
        match self {
            ListSource::Related { parent, property } => {
                Ok(relation_for(parent, property).and_then(|rel| relation_list_sql(parent, rel)))
            }
            ListSource::TicketsClosedSince { account_id, since } => Ok(Some(ListSql {
                b: query::SqlBuilder::new(vec![
                    Value::Int(*account_id),
                    Value::String(since.clone()),
                    Value::Int(ticket_status::CLOSED),
                ]),
                target: "SoftLayer_Ticket".to_string(),
                cap: None,
                from: "SoftLayer_Ticket r0".to_string(),
                on: "r0.accountId = ?1 AND r0.statusId = ?3 AND julianday(r0.closeDate) >= julianday(?2)".to_string(),
                order: "julianday(r0.closeDate) DESC, r0.id DESC".to_string(),
            })),
            ListSource::All { type_name, order } => Ok(Some(ListSql {
                b: query::SqlBuilder::new(vec![]),
                target: type_name.clone(),
                cap: None,
                from: format!("{} r0", table(type_name)?),
                on: "1 = 1".to_string(),
                order: order.replace("{r}", "r0"),
            })),
        }
    }
}

/// A list row by row: `total` first (the list's length, then how many rows follow), then
/// `each` for every row, never all in memory.
pub fn list_each(
    conn: &Connection,
    source: &ListSource,
    query: &ListQuery,
    total: &mut dyn FnMut(u64, u64) -> std::result::Result<(), QueryError>,
    each: &mut dyn FnMut(Row) -> std::result::Result<(), QueryError>,
) -> std::result::Result<(), QueryError> {
    let Some(mut l) = source.sql()? else {
        return total(0, 0);
    };
    query::list_each(
        conn,
        &mut l.b,
        (&l.target, l.cap),
        &l.from,
        &l.on,
        &l.order,
        query,
        total,
        &mut |row| {
            let handed = each(row);
            // Handing the row to the reply took the client's time, not SQLite's.
            sql_clock::start();
            handed
        },
    )
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Filter(String),
    /// The consumer of a streamed list stopped (the client went away).
    #[error("the reply could not be delivered")]
    Delivery,
    /// The rows read were more than the caller's allowance (`related`'s).
    #[error("the rows read are over the reply's budget")]
    OverAllowance,
}

impl From<rusqlite::Error> for QueryError {
    fn from(e: rusqlite::Error) -> Self {
        QueryError::Store(e.into())
    }
}

/// Adds or removes one state (such as "awaiting customer response") of a ticket.
pub fn set_ticket_state(
    conn: &Connection,
    ticket_id: i64,
    state_type: i64,
    on: bool,
) -> Result<()> {
    if on {
        // The id above every one the table ever held (migrations/0017).
        let id = next_id(conn, "SoftLayer_Ticket_State", 1)?;
        conn.prepare_cached(
            "INSERT OR IGNORE INTO SoftLayer_Ticket_State (id, ticketId, stateTypeId) \
             VALUES (?1, ?2, ?3)",
        )?
        .execute(rusqlite::params![id, ticket_id, state_type])?;
    } else {
        conn.prepare_cached(
            "DELETE FROM SoftLayer_Ticket_State WHERE ticketId = ?1 AND stateTypeId = ?2",
        )?
        .execute(rusqlite::params![ticket_id, state_type])?;
    }
    Ok(())
}

/// What is said of a document's closed ticket flagged awaitingUserResponse, which
/// [`state_follows_awaiting_flag`] refuses.
pub const CLOSED_AND_AWAITING: &str = "a closed ticket waits on no one (awaitingUserResponse \
     with statusId 1002); the API clears the flag when it closes a ticket";

/// Gives a ticket a document brought in (an import, an account made on demand) the
/// AWAITING_CUSTOMER_RESPONSE state its awaiting flag goes with everywhere else (issue 11,
/// item 14): a document may give the flag alone. `false` for a closed ticket with the
/// flag, which the API never makes: the caller refuses the document
/// ([`CLOSED_AND_AWAITING`]).
pub fn state_follows_awaiting_flag(conn: &Connection, ticket_id: i64) -> Result<bool> {
    let (awaiting, closed): (bool, bool) = conn
        .prepare_cached(
            "SELECT coalesce(awaitingUserResponse, 0) <> 0, statusId IS ?2 \
             FROM SoftLayer_Ticket WHERE id = ?1",
        )?
        .query_row([ticket_id, ticket_status::CLOSED], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if awaiting && closed {
        return Ok(false);
    }
    if awaiting {
        set_ticket_state(
            conn,
            ticket_id,
            ticket_status::STATE_AWAITING_CUSTOMER,
            true,
        )?;
    }
    Ok(true)
}

/// The additional emails a ticket notifies, as (id, address).
pub fn ticket_additional_emails(conn: &Connection, ticket_id: i64) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.email FROM SoftLayer_User_Customer_AdditionalEmail e \
         JOIN emulator_ticket_additional_email l ON l.additionalEmailId = e.id WHERE l.ticketId = ?1",
    )?;
    let rows = stmt.query_map([ticket_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn link_additional_email(conn: &Connection, ticket_id: i64, email_id: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO emulator_ticket_additional_email (ticketId, additionalEmailId) VALUES (?1, ?2)",
    )?
    .execute(rusqlite::params![ticket_id, email_id])?;
    Ok(())
}

/// `SoftLayer_Ticket_Attachment` is read through a view over the tables of its device
/// link subtypes, which share one id space (types stored in one table are told apart as
/// they are read: [`DISCRIMINATED`]).
const DEVICE_ATTACHMENT: &str = "SoftLayer_Ticket_Attachment";

/// A row read as a polymorphic base type, re-read as its concrete type; `None` when the
/// row's type is already concrete.
pub fn concrete(conn: &Connection, row: &Row) -> Result<Option<Row>> {
    if row.type_name != DEVICE_ATTACHMENT {
        return Ok(None);
    }
    let Some(id) = row.id() else {
        return Ok(None);
    };
    for kind in crate::schema::devices::DEVICE_KINDS {
        if let Some(found) = get(conn, kind.link_type, id)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Whether an employee is assigned to an account as its support representative.
pub fn is_support_representative(
    conn: &Connection,
    account_id: i64,
    employee_id: i64,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM emulator_support_representative WHERE accountId = ?1 AND employeeId = ?2",
        )?
        .query_row([account_id, employee_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A customer user's time-zone setting (`timezoneId`, `daylightSavingsTimeFlag`), Central
/// time for anyone else (the anonymous caller of a login method).
pub fn user_zone(conn: &Connection, user_id: i64) -> Result<crate::time::Zone> {
    // Read leniently: a setting that is not a number (a database written by another
    // tool) is no setting, rather than a fault on every call of that user.
    let setting: Option<(Option<i64>, Option<bool>)> = conn
        .prepare_cached(
            "SELECT timezoneId, daylightSavingsTimeFlag FROM SoftLayer_User_Customer WHERE id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok((
                r.get(0).unwrap_or(None),
                r.get::<_, Option<i64>>(1).unwrap_or(None).map(|f| f != 0),
            ))
        })
        .optional()?;
    let (id, daylight) = setting.unwrap_or((None, None));
    Ok(crate::time::Zone::of_user(id, daylight))
}

/// A user's survey choice: (opted out, when).
pub fn survey_preference(
    conn: &Connection,
    user_id: i64,
) -> Result<Option<(bool, Option<String>)>> {
    Ok(conn
        .prepare_cached(
            "SELECT optedOut, optedOutDate FROM emulator_survey_preference WHERE userId = ?1",
        )?
        .query_row([user_id], |r| Ok((r.get::<_, i64>(0)? != 0, r.get(1)?)))
        .optional()?)
}

pub fn set_survey_preference(
    conn: &Connection,
    user_id: i64,
    opted_out: bool,
    when: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO emulator_survey_preference (userId, optedOut, optedOutDate) VALUES (?1, ?2, ?3) \
         ON CONFLICT (userId) DO UPDATE SET optedOut = excluded.optedOut, optedOutDate = excluded.optedOutDate",
    )?
    .execute(rusqlite::params![user_id, opted_out, opted_out.then_some(when)])?;
    Ok(())
}

/// A fresh portal login token for a user (replacing any earlier one).
pub fn issue_portal_token(conn: &Connection, user_id: i64) -> Result<String> {
    use std::hash::{BuildHasher, Hasher};
    let mut token = String::new();
    for round in 0..4u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(round);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        token.push_str(&format!("{:016x}", h.finish()));
    }
    conn.prepare_cached("UPDATE emulator_credential SET portalLoginToken = ?2 WHERE userId = ?1")?
        .execute(rusqlite::params![user_id, token])?;
    Ok(token)
}

/// A directory of its own for a test's database file, removed when dropped (so declare
/// it before the store that uses it).
#[cfg(test)]
pub(crate) struct ScratchDir(std::path::PathBuf);

#[cfg(test)]
impl ScratchDir {
    pub(crate) fn new(name: &str) -> ScratchDir {
        let dir = std::env::temp_dir().join(format!("sl-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ScratchDir(dir)
    }

    /// The path of `name` inside it.
    pub(crate) fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

#[cfg(test)]
impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Credentials;

    /// A benchmark switch is off as people write it; only the exact `off` counted.
    #[test]
    fn a_switch_is_off_as_people_write_it() {
        for off in ["off", "OFF", " Off ", "false", "FALSE", "no", "0"] {
            assert!(says_off(off), "{off:?}");
        }
        for on in ["on", "", "true", "1", "yes", "offline"] {
            assert!(!says_off(on), "{on:?}");
        }
    }

    /// A file another process holds past the busy timeout is told apart from other store
    /// errors (it is answered 503 with `Retry-After`, not as an internal error).
    #[test]
    fn a_database_held_by_another_process_is_told_apart() {
        let dir = ScratchDir::new("locked");
        let path = dir.join("db.sqlite3");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
            .unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let e = StoreError::from(other.execute("INSERT INTO t VALUES (2)", []).unwrap_err());
        assert!(is_locked(&e), "{e}");
        let free = Connection::open_in_memory().unwrap();
        let e = StoreError::from(
            free.execute("INSERT INTO nowhere VALUES (2)", [])
                .unwrap_err(),
        );
        assert!(!is_locked(&e), "{e}");
    }

    /// A database this process may not write is refused where the writing commands open
    /// it (a server on it had failed every write as an internal error). Opened with the
    /// read-only flag here: the file's mode stops no one when the tests run as root.
    #[test]
    fn a_database_that_cannot_be_written_is_refused() {
        let dir = ScratchDir::new("read-only");
        let path = dir.join("db.sqlite3");
        let path = path.to_str().unwrap();
        drop(Store::open(path).unwrap());
        let writable = Connection::open(path).unwrap();
        assert!(refuse_read_only(&writable, path).is_ok());
        let read_only =
            Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let refused = refuse_read_only(&read_only, path).unwrap_err().to_string();
        assert!(refused.contains("cannot be written"), "{refused}");
    }

    /// A first start that fails while seeding leaves the file as new, and the next start
    /// seeds it (it used to find it migrated and take it as seeded, with no users).
    #[test]
    fn a_seed_that_fails_leaves_the_database_new() {
        let dir = ScratchDir::new("seed-fails");
        let path = dir.join("db.sqlite3");
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        let failed = migrate_and_seed(&tx, |_| Err(StoreError::Seed("disk is full".into())));
        assert!(failed.is_err());
        drop(tx);
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 0);
        drop(conn);
        let path = path.to_str().unwrap();
        drop(Store::open(path).unwrap());
        let conn = Connection::open(path).unwrap();
        let users: i64 = conn
            .query_row("SELECT count(*) FROM SoftLayer_User_Customer", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(users > 0);
    }

    /// `derived_ticket_tally` (less its emptied combinations) is what counting the
    /// tickets gives.
    pub(crate) fn assert_tally_is_a_recount(conn: &Connection) {
        const COMBINATIONS: &str =
            "SELECT accountId, statusId, priority, subjectId, groupId, assignedUserId";
        let rows = |sql: &str| -> Vec<String> {
            let mut stmt = conn.prepare(sql).unwrap();
            let mut out: Vec<String> = stmt
                .query_map([], |r| {
                    let parts: Vec<String> = (0..7)
                        .map(|i| format!("{:?}", r.get::<_, SqlValue>(i).unwrap()))
                        .collect();
                    Ok(parts.join(" "))
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            out.sort();
            out
        };
        let tally = rows(&format!(
            "{COMBINATIONS}, n FROM derived_ticket_tally WHERE n <> 0"
        ));
        let recount = rows(&format!(
            "{COMBINATIONS}, count(*) FROM SoftLayer_Ticket GROUP BY 1, 2, 3, 4, 5, 6"
        ));
        assert_eq!(tally, recount);
    }

    /// A ticket inserted through `insert` (the API's, the harness's, imports' and seeds'
    /// way) is counted in the tally under its combination, NULLs included, once per
    /// combination row, and its title, if it has one, is queued for the trigram index;
    /// deleting and changing tickets still goes through the triggers.
    #[test]
    fn inserted_tickets_are_counted_and_their_titles_queued() {
        let store = Store::open(":memory:").unwrap();
        store
            .write(|conn| -> Result<()> {
                let before: i64 = conn.query_row(
                    "SELECT count(*) FROM emulator_text_index_queue WHERE kind = 0",
                    [],
                    |r| r.get(0),
                )?;
                let mut ids = Vec::new();
                for (n, (priority, title)) in [
                    (Some(2), Some("Disk failure")),
                    (Some(2), Some("Disk failure again")),
                    (None, Some("No priority")),
                    (None, None),
                    (Some(4), None),
                ]
                .into_iter()
                .enumerate()
                {
                    let id = 190_000_000 + n as i64;
                    let mut row = Struct::default();
                    row.insert("id".into(), Value::Int(id));
                    row.insert("accountId".into(), Value::Int(1001));
                    row.insert("statusId".into(), Value::Int(1001));
                    row.insert(
                        "createDate".into(),
                        Value::from("2026-12-01T00:00:00-06:00"),
                    );
                    if let Some(p) = priority {
                        row.insert("priority".into(), Value::Int(p));
                    }
                    if let Some(t) = title {
                        row.insert("title".into(), Value::from(t));
                    }
                    assert_eq!(insert(conn, "SoftLayer_Ticket", &row)?, id);
                    ids.push((id, title.is_some()));
                }
                assert_tally_is_a_recount(conn);
                let queued: Vec<i64> = conn
                    .prepare(
                        "SELECT rowId FROM emulator_text_index_queue WHERE kind = 0 \
                         AND rowId >= 190000000 ORDER BY rowId",
                    )?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let titled: Vec<i64> = ids.iter().filter(|(_, t)| *t).map(|(i, _)| *i).collect();
                assert_eq!(queued, titled);
                let after: i64 = conn.query_row(
                    "SELECT count(*) FROM emulator_text_index_queue WHERE kind = 0",
                    [],
                    |r| r.get(0),
                )?;
                assert_eq!(after - before, titled.len() as i64);
                conn.execute("DELETE FROM SoftLayer_Ticket WHERE id = 190000000", [])?;
                conn.execute(
                    "UPDATE SoftLayer_Ticket SET priority = 3 WHERE id = 190000003",
                    [],
                )?;
                assert_tally_is_a_recount(conn);
                Ok(())
            })
            .unwrap();
    }

    /// Migration 0013 takes the ticket insert triggers away, and only them.
    #[test]
    fn tickets_have_no_insert_triggers() {
        let store = Store::open(":memory:").unwrap();
        let names: Vec<String> = store
            .read(|conn| -> Result<Vec<String>> {
                Ok(conn
                    .prepare(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' \
                         AND tbl_name = 'SoftLayer_Ticket' ORDER BY name",
                    )?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
        assert_eq!(
            names,
            [
                // Migration 0014: a delete trigger, for ids never handed out twice.
                "id_high_water_ticket",
                "ticket_tally_delete",
                "ticket_tally_update",
                "ticket_title_search_delete",
                "ticket_title_search_update"
            ]
        );
    }

    /// A database migrated by a newer build keeps its migration number when this one
    /// opens it: lowered, the newer build applied its own migrations again on its next
    /// start and stopped there (migration 0012's index already existed).
    #[test]
    fn opening_a_newer_database_keeps_its_migration_number() {
        let dir = ScratchDir::new("newer-db");
        let path = dir.join("newer.sqlite3");
        let path = path.to_str().unwrap();
        drop(Store::open(path).unwrap());
        let newer = MIGRATIONS.len() + 3;
        let version = || -> usize {
            let conn = Connection::open(path).unwrap();
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap()
        };
        Connection::open(path)
            .unwrap()
            .execute_batch(&format!("PRAGMA user_version = {newer}"))
            .unwrap();
        drop(Store::open(path).unwrap());
        assert_eq!(version(), newer);
    }

    /// The `SoftLayer_Locale_Timezone` rows (migrations/0011) are the zones dates are
    /// written in (`time::TIMEZONES`), and each offset is its zone's standard offset.
    #[test]
    fn timezone_objects_are_the_zones_dates_are_written_in() {
        use chrono::{Offset, TimeZone};
        let store = Store::open(":memory:").unwrap();
        let rows: Vec<(i64, String, String)> = store
            .read(|conn| -> Result<_> {
                let mut stmt = conn.prepare(
                    r#"SELECT id, name, "offset" FROM SoftLayer_Locale_Timezone ORDER BY id"#,
                )?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .unwrap();
        let names: Vec<(i64, String)> = rows.iter().map(|(i, n, _)| (*i, n.clone())).collect();
        let expected: Vec<(i64, String)> = crate::time::TIMEZONES
            .iter()
            .map(|(i, n)| (*i, n.to_string()))
            .collect();
        assert_eq!(names, expected);
        for (_, name, offset) in rows {
            let tz: chrono_tz::Tz = name.parse().unwrap();
            // January in the northern hemisphere, July in the southern: standard time.
            let month = if name.starts_with("Australia/") { 7 } else { 1 };
            let seconds = tz
                .with_ymd_and_hms(2026, month, 15, 12, 0, 0)
                .unwrap()
                .offset()
                .fix()
                .local_minus_utc();
            let sign = if seconds < 0 { '-' } else { '+' };
            let standard = format!(
                "{sign}{:02}{:02}",
                seconds.abs() / 3600,
                seconds.abs() % 3600 / 60
            );
            assert_eq!(offset, standard, "{name}");
        }
    }

    /// Single relations read through a call's memo are the rows read without it, for
    /// every update's editor (customers and employees, whose ids may coincide) and
    /// every ticket's status and assignee of the seed.
    #[test]
    fn relations_loaded_once_per_call_are_the_rows_read_each_time() {
        let store = Store::open(":memory:").unwrap();
        store
            .read(|conn| -> Result<()> {
                let loaded = LoadedRelations::default();
                let q = ListQuery {
                    filter: None,
                    limit: None,
                };
                let one = |r: Option<Related>| match r {
                    Some(Related::One(row)) => row,
                    _ => panic!("a single relation"),
                };
                let mut compared = 0;
                for (table, properties) in [
                    ("SoftLayer_Ticket_Update", &["editor", "ticket"][..]),
                    ("SoftLayer_Ticket", &["status", "assignedUser", "group"][..]),
                ] {
                    let rows = query_rows(conn, table, &format!("SELECT * FROM {table}"), &[])?;
                    // Twice over, so the second pass is answered from the memo.
                    for _ in 0..2 {
                        for row in &rows {
                            for property in properties {
                                let fresh = one(related(
                                    conn,
                                    row,
                                    property,
                                    &q,
                                    None,
                                    Shown::Everything,
                                    u64::MAX,
                                )
                                .unwrap());
                                let remembered = one(related(
                                    conn,
                                    row,
                                    property,
                                    &q,
                                    Some(&loaded),
                                    Shown::Everything,
                                    u64::MAX,
                                )
                                .unwrap());
                                assert_eq!(fresh, remembered, "{table} {property}");
                                compared += 1;
                            }
                        }
                    }
                }
                assert!(compared > 20, "{compared}");
                assert!(!loaded.rows.borrow().is_empty());
                Ok(())
            })
            .unwrap();
    }

    /// Identifiers are quoted as SQL reads them: an embedded quote doubled.
    #[test]
    fn identifiers_are_quoted_with_their_quotes_doubled() {
        assert_eq!(quote_ident("title"), "\"title\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("\"\""), "\"\"\"\"\"\"");
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (\"we\"\"ird\" INTEGER)")
            .unwrap();
        let mut sql = String::from("SELECT ");
        push_ident(&mut sql, "we\"ird");
        sql.push_str(" FROM t");
        conn.prepare(&sql).unwrap();
    }

    /// A caller is found once and then remembered, until anything is written; a refusal
    /// is never remembered.
    #[test]
    fn callers_are_remembered_until_a_write() {
        let store = Store::open(":memory:").unwrap();
        let demo = Credentials::ApiKey {
            username: "demo".into(),
            api_key: "key".into(),
        };
        let caller = |user_id| Principal {
            user_id,
            account_id: 1001,
            username: "demo".into(),
        };
        let zone = crate::time::Zone::of_user(None, None);
        let lookups = std::cell::Cell::new(0);
        let find = |user_id| {
            lookups.set(lookups.get() + 1);
            Ok::<_, StoreError>((caller(user_id), zone))
        };
        assert_eq!(store.caller(&demo, || find(1)).unwrap().0, caller(1));
        assert_eq!(store.caller(&demo, || find(2)).unwrap().0, caller(1));
        assert_eq!(lookups.get(), 1, "the second call is answered from memory");

        store
            .write(|conn| conn.execute_batch("SELECT 1").map_err(StoreError::from))
            .unwrap();
        assert_eq!(store.caller(&demo, || find(2)).unwrap().0, caller(2));
        assert_eq!(lookups.get(), 2, "a write forgets what was remembered");

        let stranger = Credentials::ApiKey {
            username: "x".into(),
            api_key: "y".into(),
        };
        let refused = || Err::<(Principal, crate::time::Zone), _>("refused");
        assert!(store.caller(&stranger, refused).is_err());
        assert!(
            store.caller(&stranger, || find(3)).is_ok(),
            "a refusal is not kept"
        );
    }
}
