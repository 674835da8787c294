//! Named snapshots of the whole database, and going back to the seed.
//!
//! A snapshot is an online backup (`store::snapshot`): of a database file, a file
//! `{db}.snapshots/{name}.db` next to it (so the `snapshot` and `restore` subcommands and
//! a running server share them); of an in-memory database, an in-memory copy that lives
//! as long as the server. Restoring one, and resetting, replace the live database in one
//! step that every call sees either before or after.

use crate::store::snapshot::{self, Baseline, baseline_database};
use crate::store::{Store, StoreError};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "'{0}' is not a snapshot name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'"
    )]
    BadName(String),
    #[error("no snapshot named '{0}'")]
    Missing(String),
    #[error("snapshot '{0}' cannot be restored: {1}; the database is unchanged")]
    Unusable(String, String),
    #[error("snapshot files: {0}")]
    Io(#[from] std::io::Error),
    #[error("'{0}' cannot be saved: the snapshots' folder holds a folder named {0}.db")]
    InTheWay(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An error of the snapshots' `folder` itself, naming it (a file where the folder should
/// be said only "Not a directory").
fn in_folder(folder: &Path, e: std::io::Error) -> SnapshotError {
    SnapshotError::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", folder.display()),
    ))
}

/// A restore's failure: a snapshot whose schema cannot be brought up to date is unusable
/// (a 422 over the control API, not a server error); the live database was not touched.
fn unrestorable(name: &str, e: StoreError) -> SnapshotError {
    match e {
        StoreError::Migration { .. } => SnapshotError::Unusable(name.to_string(), e.to_string()),
        e => e.into(),
    }
}

/// Where snapshots are kept.
enum Place {
    Folder(PathBuf),
    Memory(Mutex<BTreeMap<String, (Connection, String)>>),
}

pub struct Snapshots {
    place: Place,
}

fn check_name(name: &str) -> Result<(), SnapshotError> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(SnapshotError::BadName(name.to_string()))
    }
}

/// One snapshot as the control API lists it.
#[derive(Debug, serde::Serialize)]
pub struct SnapshotInfo {
    pub name: String,
    /// When it was taken, on the emulator's clock.
    #[serde(rename = "createDate")]
    pub create_date: String,
    #[serde(rename = "sizeBytes")]
    pub size_bytes: u64,
}

/// The end of a save's file aside, `.{name}.{pid}-{n}.partial` (with `-journal`, `-wal`
/// or `-shm` beside it while SQLite writes it). The listing skips them (names may not
/// start with '.').
const PARTIAL: &str = ".partial";

/// Numbers this process's saves, for their files aside.
static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The files aside this process is writing now. A file aside named with this process's
/// pid and not among them is a crashed predecessor's (in a container every server is pid
/// 1), so it is removed like any dead process's.
static WRITING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes a file aside and whatever SQLite left beside it.
fn remove_partial(partial: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = partial.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Removes the files aside of saves that will never finish: their process is gone (a
/// crash, a kill), or, where processes cannot be looked up, they are a day old.
fn remove_dead_partials(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let procfs = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.starts_with('.') || !file_name.contains(PARTIAL) {
            continue;
        }
        // `.{name}.{pid}-{n}.partial…`; older builds wrote `.{name}.partial`.
        let pid = file_name
            .split(PARTIAL)
            .next()
            .and_then(|stem| stem.rsplit('.').next())
            .and_then(|tail| tail.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let dead = match pid {
            // A file aside being written, or its `-journal`, `-wal` or `-shm`.
            Some(pid) if pid == std::process::id() => {
                let path = entry.path();
                let path = path.to_string_lossy();
                !WRITING
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .any(|w| path.starts_with(&*w.to_string_lossy()))
            }
            Some(pid) if procfs => !Path::new(&format!("/proc/{pid}")).exists(),
            _ => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(24 * 3600)),
        };
        if dead {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Snapshots {
    /// The snapshots of the database at `db` (`:memory:` keeps them in memory).
    pub fn for_database(db: &str) -> Snapshots {
        if db == ":memory:" {
            Snapshots {
                place: Place::Memory(Mutex::new(BTreeMap::new())),
            }
        } else {
            // The real file's: through a symbolic link the database is the same file, with
            // the same snapshots (beside a link in a folder that cannot be written to,
            // saving one failed).
            let mut folder = crate::store::real_file(db).into_os_string();
            folder.push(".snapshots");
            Snapshots {
                place: Place::Folder(PathBuf::from(folder)),
            }
        }
    }

    fn file(folder: &Path, name: &str) -> PathBuf {
        folder.join(format!("{name}.db"))
    }

    /// Saves the whole database as `name`, replacing a snapshot of that name.
    pub fn save(&self, store: &Store, name: &str) -> Result<SnapshotInfo, SnapshotError> {
        self.save_copy(name, &|dst| store.backup_into(dst))
    }

    /// Saves the database `src` as it is (the `snapshot` subcommand: a file another
    /// build's server may be using, in that build's schema, which a restore migrates).
    pub fn save_as_is(&self, src: &Connection, name: &str) -> Result<SnapshotInfo, SnapshotError> {
        self.save_copy(name, &|dst| snapshot::copy(src, dst))
    }

    fn save_copy(
        &self,
        name: &str,
        backup_into: &dyn Fn(&mut Connection) -> Result<(), StoreError>,
    ) -> Result<SnapshotInfo, SnapshotError> {
        check_name(name)?;
        let taken_ms = crate::clock::now_millis();
        let when = crate::time::Zone::CENTRAL.render(taken_ms);
        match &self.place {
            Place::Folder(folder) => {
                std::fs::create_dir_all(folder).map_err(|e| in_folder(folder, e))?;
                // A folder by the snapshot's name (made by hand) cannot be replaced: the
                // rename onto it was a 500.
                if Self::file(folder, name).is_dir() {
                    return Err(SnapshotError::InTheWay(name.to_string()));
                }
                remove_dead_partials(folder);
                // Written aside and renamed: a reader never finds half a snapshot. The
                // file aside is this save's own (pid and counter): saves of one name at
                // once, from this process or another (the `snapshot` subcommand), each
                // write their own and the last rename wins, where a shared one had each
                // delete or move the other's half-written file.
                let partial = folder.join(format!(
                    ".{name}.{}-{}{PARTIAL}",
                    std::process::id(),
                    SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                ));
                // A crashed predecessor with this pid may have left this very name.
                remove_partial(&partial);
                WRITING
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(partial.clone());
                let written = (|| {
                    snapshot::write_file(&partial, backup_into)?;
                    // The listing reads when a snapshot was taken from its file's time:
                    // the emulator's clock's, as this save's answer says, not the host's.
                    if let Ok(ms) = u64::try_from(taken_ms) {
                        std::fs::File::options()
                            .write(true)
                            .open(&partial)?
                            .set_modified(
                                std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms),
                            )?;
                    }
                    std::fs::rename(&partial, Self::file(folder, name))?;
                    Ok::<_, SnapshotError>(())
                })();
                WRITING
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .retain(|p| *p != partial);
                if let Err(e) = written {
                    remove_partial(&partial);
                    return Err(e);
                }
                Ok(SnapshotInfo {
                    name: name.to_string(),
                    create_date: when,
                    // Another save of the name may have replaced it since: its size then.
                    size_bytes: std::fs::metadata(Self::file(folder, name))
                        .map(|m| m.len())
                        .unwrap_or(0),
                })
            }
            Place::Memory(map) => {
                let dst = snapshot::in_memory_copy(backup_into)?;
                let size = snapshot::database_size(&dst);
                map.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(name.to_string(), (dst, when.clone()));
                Ok(SnapshotInfo {
                    name: name.to_string(),
                    create_date: when,
                    size_bytes: size,
                })
            }
        }
    }

    /// Replaces the live database with the snapshot `name`.
    pub fn restore(&self, store: &Store, name: &str) -> Result<(), SnapshotError> {
        check_name(name)?;
        match &self.place {
            Place::Folder(folder) => {
                let path = Self::file(folder, name);
                // A folder of that name (made by hand) is no snapshot: reading it was a 500.
                if !path.is_file() {
                    return Err(SnapshotError::Missing(name.to_string()));
                }
                // A DELETE may take the file between the look and the open: then it is
                // missing, not a failure. Once open, the file stays readable to us.
                let src = snapshot::open_read_only(&path).map_err(|e| match path.exists() {
                    false => SnapshotError::Missing(name.to_string()),
                    true => e.into(),
                })?;
                if let Some(why) = snapshot::unusable_snapshot(&src) {
                    return Err(SnapshotError::Unusable(name.to_string(), why));
                }
                store
                    .restore_from(&src)
                    .map_err(|e| unrestorable(name, e))?;
            }
            Place::Memory(map) => {
                let map = map.lock().unwrap_or_else(|p| p.into_inner());
                let (src, _) = map
                    .get(name)
                    .ok_or_else(|| SnapshotError::Missing(name.to_string()))?;
                store.restore_from(src).map_err(|e| unrestorable(name, e))?;
            }
        }
        Ok(())
    }

    pub fn delete(&self, name: &str) -> Result<(), SnapshotError> {
        check_name(name)?;
        let found = match &self.place {
            // What list and restore take for a snapshot: a link to a folder or to nothing
            // is none (deleting it said "deleted" of what they said was not there).
            Place::Folder(folder) if !Self::file(folder, name).is_file() => false,
            Place::Folder(folder) => match std::fs::remove_file(Self::file(folder, name)) {
                Ok(()) => true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                Err(e) => return Err(e.into()),
            },
            Place::Memory(map) => map
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(name)
                .is_some(),
        };
        if found {
            Ok(())
        } else {
            Err(SnapshotError::Missing(name.to_string()))
        }
    }

    pub fn list(&self) -> Result<Vec<SnapshotInfo>, SnapshotError> {
        match &self.place {
            Place::Folder(folder) => {
                let mut out = Vec::new();
                let entries = match std::fs::read_dir(folder) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                    Err(e) => return Err(in_folder(folder, e)),
                };
                for entry in entries {
                    let entry = entry?;
                    let file_name = entry.file_name().to_string_lossy().into_owned();
                    let Some(name) = file_name.strip_suffix(".db") else {
                        continue;
                    };
                    if check_name(name).is_err() {
                        continue;
                    }
                    // Deleted since the folder was read: not listed (it was a 500). Through a
                    // link, what restore reads: the file it names (a dangling link, or one
                    // to a folder, was listed with the link's own size, and restore said
                    // it was not there). A link that cannot be followed at all (a loop)
                    // is none either, as restore and delete say: one made the whole
                    // list a 500.
                    let Ok(meta) = std::fs::metadata(entry.path()) else {
                        continue;
                    };
                    if !meta.is_file() {
                        continue;
                    }
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| crate::time::Zone::CENTRAL.render(d.as_millis() as i64))
                        .unwrap_or_default();
                    out.push(SnapshotInfo {
                        name: name.to_string(),
                        create_date: modified,
                        size_bytes: meta.len(),
                    });
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            }
            Place::Memory(map) => Ok(map
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .map(|(name, (conn, when))| SnapshotInfo {
                    name: name.clone(),
                    create_date: when.clone(),
                    size_bytes: snapshot::database_size(conn),
                })
                .collect()),
        }
    }
}

/// Back to the seed (or, with `empty`, to the catalogue alone), in one step.
pub fn reset(store: &Store, empty: bool) -> Result<(), SnapshotError> {
    let baseline = if empty {
        Baseline::Empty
    } else {
        Baseline::Seed
    };
    let src = baseline_database(baseline)?;
    store.restore_from(&src)?;
    Ok(())
}
