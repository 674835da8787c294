//! Whole-database copies with SQLite's online backup: saving a snapshot while calls go
//! on, and restoring one (or a fresh seed) in a single step under the writer's lock.
//!
//! A restore copies every page into the live database in one backup step, which SQLite
//! writes as one transaction: a call reading at the time keeps the state it began with
//! (WAL readers see their snapshot; an in-memory database has one connection, which the
//! restore holds), and a call that begins afterwards sees the restored state. Writes wait
//! for the writer's lock. No call ever sees half of each.

use super::{MIGRATIONS, Result, Store, StoreError, configure, migrate, seed};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Copies everything from `src` into `dst` in one step.
pub fn copy(src: &Connection, dst: &mut Connection) -> Result<()> {
    let backup = Backup::new(src, dst)?;
    loop {
        // rusqlite takes a failed step's message from the destination's handle, which
        // holds none ("not an error" for a full disk): the code says what happened.
        let step = backup.step(-1).map_err(|e| {
            // Read before anything else can set it: SQLite keeps no errno of a step's.
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            match e {
                e if let Some(cause) = super::space_lacking_by(&e, || errno) => {
                    StoreError::Commit(super::no_space_words(&cause))
                }
                rusqlite::Error::SqliteFailure(code, Some(m)) if m == "not an error" => {
                    rusqlite::Error::SqliteFailure(code, None).into()
                }
                e => e.into(),
            }
        });
        match step? {
            StepResult::Done => return Ok(()),
            // Another connection holds a lock: SQLite asks us to try again.
            StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(std::time::Duration::from_millis(5))
            }
            StepResult::More => {}
            _ => {}
        }
    }
}

/// Why `src` cannot replace the live database, if it cannot: a file that is not a
/// database, a damaged one, or a database that is not this emulator's (an empty file opens
/// as an empty database, and restoring it left nothing to log in with). Checked before any
/// page is copied, so a bad file on disk never costs the data.
pub fn unusable_snapshot(src: &Connection) -> Option<String> {
    let checked = src.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0));
    match checked {
        Ok(ok) if ok == "ok" => {}
        Ok(problem) => return Some(format!("the file is damaged ({problem})")),
        Err(e) => return Some(format!("the file is not a database ({e})")),
    }
    not_this_emulators(src)
}

/// Why `src` is not a database of this emulator, if it is not: one without a schema
/// version or without tickets (an empty file opens as an empty database; another
/// program's has its own tables).
fn not_this_emulators(src: &Connection) -> Option<String> {
    let version = schema_version(src).unwrap_or(0);
    let tickets: i64 = src
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'SoftLayer_Ticket'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    (version == 0 || tickets == 0).then(|| "the file is not a database of this emulator".into())
}

/// Opens the database file at `path` to read it as it is: read only, never migrated,
/// seeded or written, so that a server of another build may go on using it (the
/// `snapshot` and `export` subcommands). Refuses a file that is not this emulator's.
pub fn open_as_is(path: &str) -> Result<Connection> {
    super::configure_process();
    super::refuse_uri_name(path)?;
    super::refuse_a_folder(path)?;
    let real = super::real_file(path);
    let beside = |suffix: &str| Path::new(&format!("{}{suffix}", real.display())).exists();
    let conn = if super::folder_writable(path) || (beside("-wal") && beside("-shm")) {
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?
    } else if beside("-wal") {
        // Its log holds writes the file does not, and SQLite reads a log only through
        // the index it would make beside it: read as unchanging, those writes were left
        // out; read as it is, "unable to open database file".
        // Named as the real file: through a link, the link's folder may be writable.
        let real = real.display();
        return Err(StoreError::Unreadable(format!(
            "{path}: its write-ahead log ({real}-wal) is beside it without the index \
             SQLite reads it by ({real}-shm), and that folder cannot be written to make \
             one: copy the file and its -wal to a folder that can be written, and read \
             that copy"
        )));
    } else {
        // A file in write-ahead mode in a folder no one may write to (a backup, a
        // read-only mount) has no log beside it, and SQLite, unable to make its index
        // there, refused to read it ("attempt to write a readonly database"). No other
        // process can be writing it either, so it is read as unchanging.
        Connection::open_with_flags(
            immutable_uri(&real),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )?
    };
    configure(&conn)?;
    // Said as every command says it of the database it was given (`store::open`).
    if super::is_another_programs(&conn)? {
        return Err(StoreError::NotEmulatorDatabase(format!(
            "{path}: {}",
            super::ANOTHER_PROGRAMS
        )));
    }
    match not_this_emulators(&conn) {
        Some(why) => Err(StoreError::NotEmulatorDatabase(format!("{path}: {why}"))),
        None => Ok(conn),
    }
}

/// `src` (opened by [`open_as_is`]), or when its schema is older than this build's, a
/// migrated copy of it in memory. A migration that fails leaves `src` as it was.
pub fn open_current(src: Connection) -> Result<Connection> {
    Ok(migrated_if_older(&src)?.unwrap_or(src))
}

fn schema_version(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// When `src`'s schema is older than this build's, a copy of it in memory in this
/// build's schema; `src` stays as it was.
fn migrated_if_older(src: &Connection) -> Result<Option<Connection>> {
    if schema_version(src)? >= MIGRATIONS.len() {
        return Ok(None);
    }
    let mut copy_of = Connection::open_in_memory()?;
    configure(&copy_of)?;
    copy(src, &mut copy_of)?;
    copy_of.execute_batch("BEGIN IMMEDIATE")?;
    match migrate(&copy_of) {
        Ok(_) => copy_of.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = copy_of.execute_batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(Some(copy_of))
}

/// What a reset goes back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The default seed (fixtures/seed).
    Seed,
    /// The catalogue only (statuses, subjects, groups, priorities, employees…), no accounts.
    Empty,
}

/// A new in-memory database in the current schema, holding `baseline`.
pub fn baseline_database(baseline: Baseline) -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    configure(&conn)?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    migrate(&conn)?;
    match baseline {
        Baseline::Seed => seed::load_default(&conn)?,
        Baseline::Empty => seed::load_catalog(&conn)?,
    }
    super::query::index_queued_text(&conn)?;
    conn.execute_batch("COMMIT")?;
    Ok(conn)
}

impl Store {
    /// Copies the whole database into `dst` (a file or an in-memory connection). Writes
    /// wait meanwhile, so the copy is one consistent state.
    pub fn backup_into(&self, dst: &mut Connection) -> Result<()> {
        let writer = self.writer_idle();
        copy(&writer, dst)
    }

    /// Replaces the whole database with `src`'s content, in this build's schema,
    /// atomically for calls in flight (see the module's comment).
    pub fn restore_from(&self, src: &Connection) -> Result<()> {
        // A snapshot taken by an older build is migrated in a copy before any page of the
        // live database changes: a migration that fails must not cost the data. Text it
        // holds queued for the trigram indexes stays queued: indexing it here held every
        // write up for seconds (a 20 MB snapshot's queue took 5-15 s on the blocking
        // pool's niced thread, under the writer's lock). The writer thread indexes it a
        // step at a time between writes, as after its own batches, and searches
        // meanwhile read the queue beside the index (or scan): the same answers.
        let migrated = migrated_if_older(src)?;
        let src = migrated.as_ref().unwrap_or(src);
        let mut writer = self.writer_idle();
        // Copied into a file no longer at the path, a reset or restore was undone by the
        // next start (see `DatabaseFile`).
        if let Some(why) = self.writer.file_parted() {
            return Err(StoreError::Commit(why));
        }
        let log_before = self.writer.wal_stamp();
        self.writer.bump_writes();
        let out = copy(src, &mut writer);
        self.writer.bump_writes();
        // Copied pages pass no update hook: the tally must read everything again.
        if let Some(tally) = &self.text_tally {
            tally.invalidate();
        }
        match &out {
            Ok(_) => self.writer.committed(true),
            Err(e) => {
                self.writer.rolled_back(log_before);
                // Told to `/health` and the log as an API write's want of space is.
                self.writer.failed_for_space(&writer, e);
            }
        }
        out
    }

    /// The database's size in bytes (pages in use times the page size).
    pub fn size_bytes(&self) -> Result<u64> {
        self.read(|conn| {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            Ok::<_, super::StoreError>((pages * size) as u64)
        })
    }
}

/// The size in bytes of the database behind `conn` (pages in use times the page size);
/// 0 when SQLite cannot say.
pub fn database_size(conn: &Connection) -> u64 {
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap_or(0);
    let size: i64 = conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap_or(0);
    (pages * size) as u64
}

/// Writes a database file at `path` whose content `fill` copies in (a snapshot).
pub fn write_file(path: &Path, fill: &dyn Fn(&mut Connection) -> Result<()>) -> Result<()> {
    let mut dst = Connection::open(path)?;
    fill(&mut dst)?;
    // The copy came in WAL mode (the live database's): back to one file, so no
    // `-wal`/`-shm` outlives the connection.
    dst.execute_batch("PRAGMA journal_mode = DELETE")?;
    Ok(())
}

/// A new in-memory database whose content `fill` copies in (a snapshot of an in-memory
/// database).
pub fn in_memory_copy(fill: &dyn Fn(&mut Connection) -> Result<()>) -> Result<Connection> {
    let mut dst = Connection::open_in_memory()?;
    fill(&mut dst)?;
    Ok(dst)
}

/// The SQLite URI reading the file at the absolute `path` as unchanging: `%`, `?` and
/// `#` escaped, which a URI's path cannot hold as they are.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Opens a snapshot file to restore from: read only, as it is.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    Ok(Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?)
}
