//! The command line of softlayer-ticket-server; everything it runs lives in the library
//! (`src/lib.rs`).

use clap::{Parser, Subcommand};
use std::io::Write as _;

/// mimalloc (see `allocator.rs`).
#[global_allocator]
static ALLOCATOR: softlayer_ticket_server::allocator::Allocator =
    softlayer_ticket_server::allocator::Allocator;
use softlayer_ticket_server::emulator::support::{EmployeeRef, SupportAction};
use softlayer_ticket_server::{coverage, emulator, limits, protocol, server, store, tell, value};

#[derive(Parser)]
#[command(version, about = "A local SoftLayer_Ticket-compatible API endpoint")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creating and seeding the database on first start).
    Serve {
        #[arg(
            long,
            default_value = "127.0.0.1:8080",
            env = "SOFTLAYER_EMULATOR_LISTEN"
        )]
        listen: String,
        /// SQLite file, or `:memory:`.
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        /// The token of the /_emulator/ control API (random when not given); printable
        /// ASCII, as an HTTP header carries it.
        #[arg(long, env = "SOFTLAYER_EMULATOR_ADMIN_TOKEN", value_parser = admin_token)]
        admin_token: Option<String>,
        /// Answer every read from the database, never from the reply cache (the
        /// variable takes true/false, 1/0, yes/no, on/off; set empty, it is unset).
        #[arg(long, env = "SOFTLAYER_EMULATOR_NO_REPLY_CACHE", value_parser = yes_or_no)]
        no_reply_cache: bool,
        /// Work budgets, timeouts and caps (see README "Limits").
        #[command(flatten)]
        limits: limits::Limits,
        /// Also append every call to this file, as JSON lines (what `replay` reads).
        #[arg(long, env = "SOFTLAYER_EMULATOR_JOURNAL")]
        journal: Option<std::path::PathBuf>,
        /// How many calls the in-memory journal keeps (0 keeps none).
        #[arg(
            long,
            default_value_t = emulator::journal::DEFAULT_CAPACITY,
            env = "SOFTLAYER_EMULATOR_JOURNAL_SIZE"
        )]
        journal_size: usize,
    },
    /// Re-send a recorded journal to an endpoint (another emulator, or the real API with
    /// your own credentials) and report where its replies differ.
    Replay {
        /// A journal: JSON lines from `serve --journal`, or a saved GET /_emulator/journal.
        file: std::path::PathBuf,
        /// The endpoint's base URL (`http://127.0.0.1:8080`, `https://api.softlayer.com`).
        #[arg(long)]
        against: String,
        #[arg(long, env = "SL_USERNAME")]
        username: Option<String>,
        #[arg(long, env = "SL_API_KEY")]
        api_key: Option<String>,
        /// Send write calls to a host other than this machine too (real tickets cost money).
        #[arg(long)]
        allow_writes: bool,
        /// Compare dates too.
        #[arg(long)]
        strict: bool,
    },
    /// Load SoftLayer objects from JSON documents (the format of fixtures/seed/ and of
    /// `export`) into a database, as `POST /_emulator/import` does: ids as they are, a
    /// document whose ids are taken refused whole. A new file is seeded first; for an
    /// export of a seeded database, `reset --empty` the file before.
    Load {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Add synthetic tickets to the `demo` account (load tests and benchmarks).
    Seed {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        /// How many tickets to add to account 1001 (at most 100,000,000).
        #[arg(
            long,
            value_parser = clap::value_parser!(u64).range(0..=store::synthetic::MAX_TICKETS)
        )]
        synthetic_tickets: u64,
        /// The generator's seed: the same seed gives the same tickets.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Act as SoftLayer's support desk on a ticket (works on the database directly).
    Support {
        // Global, so that `support reply --db X …` reads as `support --db X reply …` does.
        #[arg(
            long,
            global = true,
            default_value = "./softlayer.db",
            env = "SOFTLAYER_EMULATOR_DB"
        )]
        db: String,
        #[command(subcommand)]
        action: SupportCommand,
    },
    /// Save the whole database as a named snapshot (`{db}.snapshots/{name}.db`, where a
    /// server on the same file keeps its snapshots too).
    Snapshot {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        name: String,
    },
    /// Replace the whole database with a named snapshot.
    Restore {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        name: String,
    },
    /// Print the database (or one account) as JSON in the seed format (`load` reads it back).
    Export {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        /// Only this account and what it owns.
        #[arg(long)]
        account: Option<i64>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Put the database back to the seed (or, with --empty, to the catalogue alone).
    Reset {
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
        #[arg(long)]
        empty: bool,
    },
    /// Print the method-coverage table (Markdown) generated from the schema.
    Coverage,
    /// Write the WSDL of every served service, for both API versions, under a folder
    /// (`{out}/v3/{Service}.wsdl`, `{out}/v3.1/…`, and the soap-encoding.xsd and
    /// soap-encoding-group.xsd they import).
    Wsdl {
        #[arg(long, default_value = "wsdl")]
        out: std::path::PathBuf,
    },
}

impl Command {
    /// The `--db` the command works on, if it takes one.
    fn database(&self) -> Option<&str> {
        match self {
            Command::Serve { db, .. }
            | Command::Load { db, .. }
            | Command::Seed { db, .. }
            | Command::Support { db, .. }
            | Command::Snapshot { db, .. }
            | Command::Restore { db, .. }
            | Command::Export { db, .. }
            | Command::Reset { db, .. } => Some(db),
            Command::Replay { .. } | Command::Coverage | Command::Wsdl { .. } => None,
        }
    }
}

/// Why a command failed, where the failure is the command line's own.
#[derive(Debug, thiserror::Error)]
enum CliError {
    /// SQLite opens an empty path as a private temporary database: a server on it
    /// answered health checks and failed every call, and what was written vanished.
    #[error("--db is empty: give a database file (or, to serve, :memory:)")]
    EmptyDatabasePath,
    #[error("writing the output: {0}")]
    Output(std::io::Error),
    /// Written over, the database was gone (under a running server too).
    #[error("{flag} {path} is the database file --db names (or SQLite's file beside it): writing it would destroy the database", path = path.display())]
    WouldOverwriteDatabase {
        flag: &'static str,
        path: std::path::PathBuf,
    },
    #[error("export --out {path}: {source}", path = path.display())]
    ExportFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Writes `bytes` to `path`, a regular file whole or not at all: into a file beside it
/// with the old one's permissions and owner, synced, then renamed over it. Written in
/// place, an export cut short (Ctrl-C, a full disk) left the file it replaced truncated.
/// Anything else is written in place as before: a FIFO or `/dev/stdout` (its reader
/// gets the bytes), a file with other hard links (they keep seeing it), a dangling
/// symbolic link (its target is made).
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::MetadataExt as _;
    let existing = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() || m.nlink() > 1 => return std::fs::write(path, bytes),
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                return std::fs::write(path, bytes);
            }
            None
        }
        Err(e) => return Err(e),
    };
    // Through a symbolic link to the file it names.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let mut partial = name.to_os_string();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = path.with_file_name(partial);
    let written = (|| {
        let mut file = std::fs::File::create(&partial)?;
        if let Some(old) = &existing {
            // An export holds every user's API key: a file kept private stays so.
            file.set_permissions(old.permissions())?;
            std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid())).ok();
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, &path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Refuses `path` for `flag` when it names the database file `db` or one SQLite keeps
/// beside it (`-wal`, `-shm`, `-journal`), existing or not.
fn not_the_database(flag: &'static str, path: &std::path::Path, db: &str) -> Result<(), CliError> {
    if db == ":memory:" {
        return Ok(());
    }
    // A database not made yet is where it will be (`serve` makes it): checked only once
    // it was there, a first start wrote its journal into the file and its log.
    let Some(db) = resolve_unborn(std::path::Path::new(db)) else {
        return Ok(());
    };
    let resolved = resolve_unborn(path);
    // By path, and by the file itself for one that is there (a hard link to it).
    let same_file = |a: &std::path::Path, b: &std::path::Path| {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    };
    let is_db = ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut beside = db.clone().into_os_string();
        beside.push(suffix);
        let beside = std::path::Path::new(&beside);
        resolved.as_deref() == Some(beside) || same_file(path, beside)
    });
    if is_db {
        return Err(CliError::WouldOverwriteDatabase {
            flag,
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// An admin token that can be sent: the headers that carry it hold printable ASCII only
/// (hyper reads no other as text), so a token such as `tokén-1` was printed at start and
/// refused on every request.
fn admin_token(given: &str) -> Result<String, String> {
    match given.chars().find(|c| !(' '..='~').contains(c)) {
        Some(c) => Err(format!(
            "{c:?} cannot be sent in the Authorization header that carries the token: \
             use printable ASCII"
        )),
        None => Ok(given.to_string()),
    }
}

/// A yes or no as people write it; empty is no, as a variable set empty
/// (`SOFTLAYER_EMULATOR_NO_REPLY_CACHE= cmd`, or `VAR=${VAR:-}` in a CI file) means it
/// unset: it kept the server from starting ("value was not a boolean").
fn yes_or_no(given: &str) -> Result<bool, String> {
    if given.trim().is_empty() {
        return Ok(false);
    }
    clap::builder::TypedValueParser::parse_ref(
        &clap::builder::BoolishValueParser::new(),
        &clap::Command::new("serve"),
        None,
        std::ffi::OsStr::new(given.trim()),
    )
    .map_err(|_| format!("{given:?} is not a yes or no: use true/false, 1/0, yes/no or on/off"))
}

/// Where writing to `path` would land: the file itself when it is there; otherwise its
/// folder resolved and its name, after following the symbolic links that lead to it. A
/// dangling link to the database's `-journal` or `-wal` (not there between commands) was
/// taken for a file of the link's own name, and the export was written through it into
/// SQLite's journal.
fn resolve_unborn(path: &std::path::Path) -> Option<std::path::PathBuf> {
    let mut path = path.to_path_buf();
    // As many links as Linux follows (ELOOP past 40).
    for _ in 0..40 {
        if let Ok(there) = std::fs::canonicalize(&path) {
            return Some(there);
        }
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        // A relative target is read from the link's folder; join keeps an absolute one.
        path = path
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join(target);
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

/// Writes a command's output to standard output. A reader that closed the pipe
/// (`export | head`) took what it wanted: the command ends quietly with status 0, as if
/// its output had been read whole, so that a `set -o pipefail` script does not fail for
/// it (Rust ignores SIGPIPE, so the 141 of a process killed by it is not ours to give).
/// Any other failure (a full disk) is an error.
fn write_output(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(e)),
        _ => Ok(()),
    }
}

#[derive(Subcommand)]
enum SupportCommand {
    /// Reply as an employee.
    Reply {
        ticket: i64,
        #[arg(long)]
        employee: String,
        #[arg(long)]
        entry: String,
        /// Then wait on the customer's response.
        #[arg(long)]
        awaiting_response: bool,
    },
    /// Assign to an employee (status Assigned).
    Assign {
        ticket: i64,
        #[arg(long)]
        employee: String,
    },
    /// Move to a ticket group (id or name).
    Group {
        ticket: i64,
        #[arg(long)]
        group: String,
    },
    /// Close (status Closed, with its close date; mailed to the ticket's assigned user and
    /// additional addresses unless its notifyUserOnUpdateFlag is off).
    Close { ticket: i64 },
    /// Reopen a closed ticket (status Assigned if an employee has it, else Open).
    Reopen { ticket: i64 },
    /// Set (or with --clear, clear) the awaiting-customer-response flag.
    AwaitingResponse {
        ticket: i64,
        #[arg(long)]
        clear: bool,
    },
}

/// Large allocations (request bodies, reply buffers) are mapped and unmapped on their own
/// rather than carved from malloc's arenas: glibc otherwise raises its mapping threshold
/// after the first big free, and the arenas of the blocking pool's threads then keep
/// hundreds of MB of freed bodies resident (issue 10's RSS target under big bodies).
fn return_big_allocations_to_the_system() {
    // SAFETY: mallopt only sets allocator parameters; called first thing in main, before
    // any other thread exists.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 * 1024 * 1024);
    }
}

/// mimalloc 3 keeps freed memory for a second (its purge delay, arenas ten times that)
/// before it returns it to the system, and returns it only when the freeing thread
/// allocates again: after a burst of heavy replies, the blocking pool's threads went idle
/// and kept hundreds of MB resident (issue 10's RSS target). 10 ms is mimalloc 2's
/// default. The option has no Rust binding, so it is set by its index in mimalloc.h,
/// after checking that the index reads mimalloc 3's documented default.
fn return_freed_memory_promptly() {
    use std::ffi::{c_int, c_long};
    unsafe extern "C" {
        fn mi_option_get(option: c_int) -> c_long;
        fn mi_option_set(option: c_int, value: c_long);
    }
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    // SAFETY: both functions only read or write mimalloc's option table.
    unsafe {
        if mi_option_get(MI_OPTION_PURGE_DELAY) == 1000 {
            mi_option_set(MI_OPTION_PURGE_DELAY, 10);
        }
    }
}

/// Takes every `SOFTLAYER_EMULATOR_*` variable set empty (or to blanks) for unset, as a
/// blank entry of a compose or systemd environment file means: clap read one as the flag
/// given with no value, and the server stopped naming a flag the user never typed
/// ("a value is required for '--journal <JOURNAL>'"). An empty database path stays
/// refused: read as unset, a path that went missing would put the data in the default
/// file.
fn unset_empty_settings() {
    let empty: Vec<std::ffi::OsString> = std::env::vars_os()
        .filter(|(name, value)| {
            name.to_str().is_some_and(|n| {
                n.starts_with("SOFTLAYER_EMULATOR_") && n != "SOFTLAYER_EMULATOR_DB"
            }) && value.to_str().is_some_and(|v| v.trim().is_empty())
        })
        .map(|(name, _)| name)
        .collect();
    for name in empty {
        // SAFETY: called first thing in `main`, before any thread starts.
        unsafe { std::env::remove_var(name) };
    }
}

fn main() -> std::process::ExitCode {
    return_big_allocations_to_the_system();
    return_freed_memory_promptly();
    // A write past the file size limit (`ulimit -f`) then fails with EFBIG, answered as a
    // want of space; by default the signal killed the server without a word.
    // SAFETY: sets a signal's disposition to ignore, before any thread starts.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    unset_empty_settings();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: a log redirected to a file held escape codes around
        // the admin token and the slcli block it prints.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let command = Cli::parse().command;
    let database = command.database().map(str::to_string);
    if command.database().is_some_and(|db| db.trim().is_empty()) {
        tell!("error: {}", CliError::EmptyDatabasePath);
        return std::process::ExitCode::FAILURE;
    }
    let result = match command {
        Command::Serve {
            listen,
            db,
            admin_token,
            no_reply_cache,
            journal,
            journal_size,
            limits,
        } => match journal
            .as_deref()
            .map(|j| not_the_database("--journal", j, &db))
        {
            Some(Err(e)) => Err(e.into()),
            _ => server::run(&server::Options {
                limits,
                listen,
                db,
                admin_token,
                reply_cache: !no_reply_cache,
                journal: emulator::JournalOptions {
                    capacity: journal_size,
                    file: journal,
                },
            }),
        },
        Command::Replay {
            file,
            against,
            username,
            api_key,
            allow_writes,
            strict,
        } => {
            return replay(file, against, username, api_key, allow_writes, strict);
        }
        Command::Load { db, files } => load(&db, &files),
        Command::Support { db, action } => support(&db, action),
        Command::Seed {
            db,
            synthetic_tickets,
            seed,
        } => seed_synthetic(&db, synthetic_tickets, seed),
        // Read as it is, never migrated: the file may be in use by the server of an
        // older build, and the snapshot is the point to go back to before an upgrade.
        Command::Snapshot { db, name } => db_as_is(&db).and_then(|conn| {
            let info =
                emulator::snapshots::Snapshots::for_database(&db).save_as_is(&conn, &name)?;
            tell!("snapshot '{}' saved ({} bytes)", info.name, info.size_bytes);
            Ok(())
        }),
        // A deleted database may be brought back from its snapshot; a missing one
        // with no such snapshot is refused before opening would seed it.
        Command::Restore { db, name } => {
            let snapshot_there = emulator::snapshots::Snapshots::for_database(&db)
                .list()
                .is_ok_and(|all| all.iter().any(|s| s.name == name));
            if snapshot_there {
                offline_db(&db)
            } else if std::fs::metadata(&db).is_ok_and(|m| m.len() == 0) {
                // Refused before an empty file is opened: opening it seeded it, and a
                // failed restore changed the database.
                Err(format!("no snapshot named '{name}' in {db}.snapshots/").into())
            } else if a_file(&db).is_ok() && !std::path::Path::new(&db).exists() {
                // Both are missing: "no such database file" alone sent the user to make
                // one, though a restore makes it from a snapshot that is there.
                Err(format!(
                    "--db {db}: no such database file, and no snapshot named '{name}' in \
                     {db}.snapshots/ (restore makes the file from a snapshot that is there)"
                )
                .into())
            } else {
                existing_db(&db)
            }
        }
        .and_then(|store| {
            emulator::snapshots::Snapshots::for_database(&db).restore(&store, &name)?;
            tell!("{db} restored from snapshot '{name}'");
            Ok(())
        }),
        // Read without writing: the file may be read only, or in use by the server of an
        // older build (whose schema is migrated in a copy in memory).
        Command::Export { db, account, out } => out
            .as_deref()
            .map_or(Ok(()), |out| not_the_database("export --out", out, &db))
            .map_err(Into::into)
            .and_then(|()| db_as_is(&db))
            .and_then(|conn| Ok(store::snapshot::open_current(conn)?))
            .and_then(|conn| {
                // As `GET /_emulator/export?account=` answers 404: an empty export of an
                // account that is not there would look like one with nothing in it.
                if let Some(id) = account
                    && !store::dump::account_exists(&conn, id)?
                {
                    return Err(format!("account {id} does not exist").into());
                }
                let doc = store::dump::export(&conn, account)?;
                let text = serde_json::to_string_pretty(&doc)? + "\n";
                match out {
                    Some(path) => write_whole(&path, text.as_bytes())
                        .map_err(|source| CliError::ExportFile { path, source })?,
                    None => write_output(&text)?,
                }
                Ok(())
            }),
        Command::Reset { db, empty } => offline_db(&db).and_then(|store| {
            emulator::snapshots::reset(&store, empty)?;
            tell!(
                "{db} reset to {}",
                if empty {
                    "the catalogue alone"
                } else {
                    "the seed"
                }
            );
            Ok(())
        }),
        Command::Coverage => write_output(&coverage::markdown()).map_err(Into::into),
        Command::Wsdl { out } => protocol::wsdl::generate_all(&out)
            .map(|files| tell!("{} files written under {}", files.len(), out.display()))
            .map_err(|e| format!("wsdl --out {}: {e}", out.display()).into()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tell!("error: {}", named_failure(database.as_deref(), e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}

/// A command's failure, naming the database file when SQLite's words do not ("database
/// is locked", "database or disk is full", "file is not a database" said nothing of
/// which file), and who may hold a locked one.
fn named_failure(database: Option<&str>, e: &(dyn std::error::Error + 'static)) -> String {
    let text = e.to_string();
    // Named already when a word of the text is the path ("--db x.db: …"); "base" is in
    // "database" without naming the file.
    let names = |db: &str| {
        text.split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .any(|word| word.trim_end_matches([':', ',', '.']) == db)
    };
    let Some(db) = database.filter(|db| !names(db)) else {
        return text;
    };
    if !matches!(
        e.downcast_ref::<store::StoreError>(),
        Some(store::StoreError::Sqlite(_))
    ) {
        return text;
    }
    let held = if text.contains("database is locked") {
        " (another process holds it: a seed, load, restore or support command, or a server \
         in a long write; try again when it is done)"
    } else {
        ""
    };
    format!("{db}: {text}{held}")
}

/// Opens a database file for an offline subcommand (an in-memory one would vanish).
fn offline_db(db: &str) -> Result<store::Store, Box<dyn std::error::Error>> {
    a_file(db)?;
    Ok(store::Store::open(db)?)
}

/// Refuses `:memory:`: an offline subcommand's in-memory database would vanish with it.
fn a_file(db: &str) -> Result<(), Box<dyn std::error::Error>> {
    // `file:` names (`file::memory:` among them) are refused by `Store::open`.
    store::refuse_uri_name(db)?;
    if db == ":memory:" {
        return Err("this subcommand works on a database file; for a server on :memory: use the /_emulator/ API".into());
    }
    Ok(())
}

/// [`a_file`], and one that is there: opening creates and seeds a missing file.
fn a_file_there(db: &str) -> Result<(), Box<dyn std::error::Error>> {
    a_file(db)?;
    if !std::path::Path::new(db).exists() {
        return Err(format!(
            "--db {db}: no such database file (serve, seed, load and reset create one)"
        )
        .into());
    }
    Ok(())
}

/// As `offline_db`, for the subcommands that read or change a database that is there:
/// opening creates and seeds a missing file, so a mistyped `--db` would otherwise
/// export, snapshot or act on a fresh seed and look as if it worked.
fn existing_db(db: &str) -> Result<store::Store, Box<dyn std::error::Error>> {
    a_file_there(db)?;
    Ok(store::Store::open(db)?)
}

/// The database file `db` opened read only as it is ([`store::snapshot::open_as_is`]),
/// for the subcommands that only read it.
fn db_as_is(db: &str) -> Result<rusqlite::Connection, Box<dyn std::error::Error>> {
    a_file_there(db)?;
    Ok(store::snapshot::open_as_is(db)?)
}

fn load(db: &str, files: &[std::path::PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let store = offline_db(db)?;
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let doc: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not JSON: {e}", file.display()))?;
        let n = store
            .write(|conn| store::dump::import(conn, &doc))
            .map_err(|e| format!("{}: {e}", file.display()))?;
        tell!("{}: {n} objects loaded", file.display());
    }
    Ok(())
}

fn seed_synthetic(db: &str, n: u64, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    use store::synthetic::SeedProgress;
    a_file(db)?;
    let store = store::Store::open(db)?;
    let started = std::time::Instant::now();
    // A bar only on a terminal (indicatif draws nothing where stderr is not one): a
    // million tickets take minutes, and logs and pipes get the one summary line below.
    // One bar per step, each with its own time left: the text index takes longer than
    // the tickets, at a rate of its own.
    let step_bar = |length: u64, unit: &str, message: &'static str| {
        let bar = indicatif::ProgressBar::new(length);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{msg}} [{{wide_bar}}] {{human_pos}}/{{human_len}} {unit}, {{rate}}, {{eta}} left"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            // indicatif's own `{per_sec}` prints four decimals ("21,171.8581/s").
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
                },
            )
            .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    };
    let mut bar = step_bar(n, "tickets", "1/3 seeding");
    let mut step = 1;
    let added = store.write(|conn| {
        store::synthetic::generate(conn, 1001, n, seed, &mut |at| match at {
            SeedProgress::Tickets { done, .. } => bar.set_position(done),
            SeedProgress::TextIndex { done, of } => {
                if step == 1 {
                    step = 2;
                    // Each step's last line stays on the terminal; the next draws below.
                    bar.finish();
                    bar = step_bar(of, "rows of text", "2/3 indexing");
                }
                bar.set_position(done);
                if done >= of {
                    // What is left is the commit: written at once, no count to show.
                    bar.finish();
                    bar = indicatif::ProgressBar::new_spinner();
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{msg} {spinner} {elapsed}")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    bar.set_message("3/3 writing the database file");
                    bar.enable_steady_tick(std::time::Duration::from_millis(200));
                }
            }
        })
    })?;
    bar.finish_and_clear();
    tell!(
        "{added} synthetic tickets added to account 1001 in {:.1?}",
        started.elapsed()
    );
    Ok(())
}

fn support(db: &str, command: SupportCommand) -> Result<(), Box<dyn std::error::Error>> {
    if db == ":memory:" {
        return Err("the support commands act on a database file; for a server on :memory: use the /_emulator/ API".into());
    }
    let (ticket, action) = match command {
        SupportCommand::Reply {
            ticket,
            employee,
            entry,
            awaiting_response,
        } => (
            ticket,
            SupportAction::Reply {
                employee: EmployeeRef::parse(&employee),
                entry,
                awaiting_user_response: awaiting_response.then_some(true),
            },
        ),
        SupportCommand::Assign { ticket, employee } => (
            ticket,
            SupportAction::Assign {
                employee: EmployeeRef::parse(&employee),
            },
        ),
        SupportCommand::Group { ticket, group } => (ticket, SupportAction::MoveToGroup { group }),
        SupportCommand::Close { ticket } => (ticket, SupportAction::Close),
        SupportCommand::Reopen { ticket } => (ticket, SupportAction::Reopen),
        SupportCommand::AwaitingResponse { ticket, clear } => (
            ticket,
            SupportAction::SetAwaitingUserResponse { value: !clear },
        ),
    };
    // An empty file would be seeded and acted on, as a missing one would.
    if std::fs::metadata(db).is_ok_and(|m| m.len() == 0) {
        return Err(
            format!("--db {db}: the file is empty (serve, seed, load and reset seed one)").into(),
        );
    }
    let store = existing_db(db)?;
    let row = store.write(|conn| emulator::support::apply(conn, ticket, &action))?;
    let json = serde_json::Value::from(&value::Value::Struct(row.values.into_struct()));
    write_output(&(serde_json::to_string_pretty(&json)? + "\n"))?;
    Ok(())
}

/// `replay`: exit status 0 when the endpoint answered as recorded, 1 when it differed,
/// 2 when the replay could not run.
fn replay(
    file: std::path::PathBuf,
    against: String,
    username: Option<String>,
    api_key: Option<String>,
    allow_writes: bool,
    strict: bool,
) -> std::process::ExitCode {
    use emulator::replay;
    let run = || -> Result<replay::ReplayReport, replay::ReplayError> {
        let journal = replay::read_journal(&file)?;
        for line in &journal.cut_lines {
            tell!(
                "warning: {} line {line} is not a whole call (cut by a crash?): skipped",
                file.display()
            );
        }
        replay::replay(
            &journal,
            &replay::ReplayOptions {
                against,
                username: username.unwrap_or_default(),
                api_key: api_key.unwrap_or_default(),
                allow_writes,
                strict,
            },
        )
    };
    match run() {
        Ok(report) => {
            // Status 1 already means "differed": output that could not be written is
            // the replay not running.
            if let Err(e) = write_output(&report.text()) {
                tell!("error: {e}");
                return std::process::ExitCode::from(2);
            }
            if report.differences.is_empty() {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            }
        }
        Err(e) => {
            tell!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command says what it does in `--help` (`support close` and `reopen` said
    /// nothing).
    #[test]
    fn every_command_is_described_in_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(path.clone());
                }
                walk(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&<Cli as clap::CommandFactory>::command(), "", &mut missing);
        assert!(missing.is_empty(), "no help line: {missing:?}");
    }

    /// A write that fails leaves the file it was to replace as it was, and nothing beside
    /// it; one that succeeds replaces it whole, through a symbolic link to it too.
    #[test]
    fn an_export_file_is_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("write-whole-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("export.json");
        std::fs::write(&out, b"the earlier export").unwrap();
        // The partial file cannot be made (a directory is in its place).
        let partial = dir.join(format!("export.json.partial-{}", std::process::id()));
        std::fs::create_dir(&partial).unwrap();
        assert!(write_whole(&out, b"the new export").is_err());
        assert_eq!(std::fs::read(&out).unwrap(), b"the earlier export");
        std::fs::remove_dir(&partial).unwrap();
        write_whole(&out, b"the new export").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"the new export");
        let link = dir.join("link.json");
        std::os::unix::fs::symlink(&out, &link).unwrap();
        write_whole(&link, b"through the link").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"through the link");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left.len(), 2, "{left:?}");
        // A private file stays private.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_whole(&out, b"private").unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A dangling link makes its target; a file with another hard link is written in
        // place, so the link sees it.
        let dangling = dir.join("dangling.json");
        std::os::unix::fs::symlink(dir.join("target.json"), &dangling).unwrap();
        write_whole(&dangling, b"made").unwrap();
        assert_eq!(std::fs::read(dir.join("target.json")).unwrap(), b"made");
        let hard = dir.join("hard.json");
        std::fs::hard_link(&out, &hard).unwrap();
        write_whole(&out, b"both see it").unwrap();
        assert_eq!(std::fs::read(&hard).unwrap(), b"both see it");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
