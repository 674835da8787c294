//! The command line itself, run as an operator would: what it refuses at start, how it
//! writes its output when standard output fails, and what it leaves behind on error.

use crate::common::*;
use serde_json::Value as J;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Long enough for any refusal at start; a server that started instead is killed then.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the binary with `args` (and `env`), killing it past `timeout`: `None` when it was
/// still running then (a `serve` that should have refused to start).
fn run_within(args: &[&str], env: &[(&str, &str)], timeout: Duration) -> Option<Output> {
    let mut child = Command::new(SERVER_BIN)
        .args(args)
        .envs(env.iter().copied())
        // A binary without the checks makes files named by blank paths: not in the repo.
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the server binary");
    let deadline = Instant::now() + timeout;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().expect("collect the output"))
}

/// Runs `args`, which must fail at start: its stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = run_within(args, env, REFUSAL_TIMEOUT)
        .unwrap_or_else(|| panic!("{args:?} {env:?} was still running: it was not refused"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "{args:?} {env:?} succeeded\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

/// Values no option can mean anything with are refused at start, naming the flag.
#[test]
fn out_of_range_limits_are_refused_at_start() {
    let huge = u64::MAX.to_string();
    let refusals: [(&str, &str); 13] = [
        // An admin token no header can carry: printed at start, refused on every call.
        ("--admin-token", "tokén-1"),
        ("--admin-token", "tok\u{7}"),
        ("--stall-timeout-secs", &huge),
        ("--stall-timeout-secs", "86401"),
        ("--stall-timeout-secs", "0"),
        ("--shutdown-grace-secs", &huge),
        ("--sql-time-budget-ms", &huge),
        ("--sql-time-budget-ms", "0"),
        ("--max-connections", "0"),
        ("--max-objects-per-call", "0"),
        ("--max-reply-bytes", "0"),
        ("--max-body-bytes", "0"),
        ("--max-streams", &huge),
    ];
    for (flag, value) in refusals {
        let stderr = refused(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                flag,
                value,
            ],
            &[],
        );
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
}

/// The largest values accepted work: a streamed list and a call both answer.
#[test]
fn the_largest_timeouts_accepted_serve_calls() {
    let server = Server::start_with_args(
        ":memory:",
        None,
        &[
            "--stall-timeout-secs",
            "86400",
            "--shutdown-grace-secs",
            "86400",
            "--sql-time-budget-ms",
            "86400000",
        ],
    );
    let reply = server.xmlrpc(&XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO));
    assert!(!reply.ok().array().is_empty());
}

/// A setting's variable set empty (a blank entry of a compose or systemd environment
/// file) is unset: the server stopped naming a flag the user never typed ("a value is
/// required for '--journal <JOURNAL>'", "invalid value '' for '--max-streams'").
#[test]
fn settings_set_empty_in_the_environment_are_unset() {
    let blank = [
        ("SOFTLAYER_EMULATOR_JOURNAL", ""),
        ("SOFTLAYER_EMULATOR_MAX_STREAMS", ""),
        ("SOFTLAYER_EMULATOR_JOURNAL_SIZE", " "),
        ("SOFTLAYER_EMULATOR_STALL_TIMEOUT_SECS", ""),
        ("SOFTLAYER_EMULATOR_MAX_CONNECTIONS", ""),
    ];
    let server = Server::start_with_env(":memory:", None, &blank);
    let reply = server.xmlrpc(&XmlRpcCall::new("SoftLayer_Account", "getTickets").auth(&DEMO));
    assert!(!reply.ok().array().is_empty());
}

#[test]
fn a_bad_listen_address_leaves_no_database_behind() {
    let dir = TempDir::new("cli-listen");
    let db = dir.path().join("new.db");
    let stderr = refused(
        &["serve", "--listen", "bogus", "--db", db.to_str().unwrap()],
        &[],
    );
    assert!(stderr.contains("--listen bogus"), "{stderr}");
    assert!(!db.exists(), "{} was created", db.display());
}

/// `--listen 8080` (and `:8080`), as other servers take a port alone, is refused by the
/// socket-address parser in words that do not say what it wants; the refusal shows the form,
/// as it does for an address without its port.
#[test]
fn a_port_alone_as_listen_address_is_shown_the_form_it_takes() {
    let dir = TempDir::new("cli-listen-port");
    let db = dir.path().join("new.db");
    for listen in ["8080", ":8080", "+8080"] {
        let stderr = refused(
            &["serve", "--listen", listen, "--db", db.to_str().unwrap()],
            &[],
        );
        assert!(
            stderr.contains(&format!("--listen {listen}"))
                && stderr.contains("127.0.0.1:8080")
                && stderr.contains("0.0.0.0:8080"),
            "{stderr}"
        );
        assert!(!db.exists(), "{} was created", db.display());
    }
    // No hint for what is no port nor host.
    for listen in ["bogus", "70000"] {
        let stderr = refused(
            &["serve", "--listen", listen, "--db", db.to_str().unwrap()],
            &[],
        );
        assert!(!stderr.contains("give a"), "{listen}: {stderr}");
    }
    // An address or localhost alone lacks its port, and is shown one.
    for (listen, form) in [
        ("::1", "[::1]:8080"),
        ("127.0.0.1", "127.0.0.1:8080"),
        ("localhost", "localhost:8080"),
    ] {
        let stderr = refused(
            &["serve", "--listen", listen, "--db", db.to_str().unwrap()],
            &[],
        );
        assert!(
            stderr.contains(&format!("give a port too: {form}")),
            "{listen}: {stderr}"
        );
        assert!(!db.exists(), "{} was created", db.display());
    }
}

#[test]
fn a_journal_file_that_cannot_be_written_leaves_no_database_behind() {
    let dir = TempDir::new("cli-journal");
    let db = dir.path().join("new.db");
    let journal = dir.path().join("no-such-folder").join("calls.jsonl");
    let stderr = refused(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
        &[],
    );
    assert!(stderr.contains("--journal"), "{stderr}");
    assert!(!db.exists(), "{} was created", db.display());
}

/// `--journal` naming another server's database (or any file of other contents) is
/// refused and the file left as it was: every call was appended to its end.
#[test]
fn a_journal_that_names_a_file_of_other_contents_is_refused() {
    let dir = TempDir::new("cli-journal-other");
    let other = dir.path().join("other.db");
    let status = Command::new(SERVER_BIN)
        .args(["reset", "--db", other.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    // An export is JSON too, but no journal's lines; nor is a saved reply, whose object
    // begins {"id": as a journal line does.
    let export = dir.path().join("export.json");
    std::fs::write(&export, "{\n  \"SoftLayer_Account\": []\n}\n").unwrap();
    let reply = dir.path().join("ticket.json");
    std::fs::write(&reply, "{\"id\":160000001,\"title\":\"Disk\"}").unwrap();
    for (file, why) in [
        (&other, "it is a SQLite database, not a journal"),
        (&notes, "it holds no journal lines"),
        (&export, "it holds no journal lines"),
        (&reply, "it holds no journal lines"),
    ] {
        let before = std::fs::read(file).unwrap();
        let stderr = refused(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                "--journal",
                file.to_str().unwrap(),
            ],
            &[],
        );
        assert!(
            stderr.contains("--journal") && stderr.contains(why),
            "{stderr}"
        );
        assert!(
            std::fs::read(file).unwrap() == before,
            "{} changed",
            file.display()
        );
    }
    // A journal, with a byte-order mark or its first line cut short by a crash, is one.
    for (name, text) in [
        (
            "bom.jsonl",
            "\u{feff}{\"id\":7,\"time\":\"2026-12-07T00:00:00Z\"}\n",
        ),
        ("cut.jsonl", "{\"i"),
    ] {
        let journal = dir.path().join(name);
        std::fs::write(&journal, text).unwrap();
        let mut child = Command::new(SERVER_BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                ":memory:",
                "--journal",
            ])
            .arg(&journal)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // It serves (its log names the endpoints), or ends refused.
        let log = std::io::BufReader::new(child.stderr.take().unwrap());
        let serving = std::io::BufRead::lines(log)
            .map_while(Result::ok)
            .any(|line| line.contains("XML-RPC: http://"));
        let _ = child.kill();
        let _ = child.wait();
        assert!(serving, "{name}: the server did not start");
    }
}

/// A report on standard error whose reader has gone (`seed … 2>&1 | head -0`) is lost,
/// not a panic: the command finishes its work and succeeds.
#[test]
fn a_closed_standard_error_does_not_stop_a_command() {
    let dir = TempDir::new("cli-stderr");
    let db = dir.path().join("tickets.sqlite3");
    let mut child = Command::new(SERVER_BIN)
        .args([
            "seed",
            "--db",
            db.to_str().unwrap(),
            "--synthetic-tickets",
            "50",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the server binary");
    drop(child.stderr.take());
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
    let out = Command::new(SERVER_BIN)
        .args(["export", "--db", db.to_str().unwrap()])
        .output()
        .expect("export");
    let export: J = serde_json::from_slice(&out.stdout).expect("JSON");
    let tickets = export["SoftLayer_Ticket"].as_array().map_or(0, Vec::len);
    assert!(tickets >= 50, "{tickets} tickets");
}

/// `export --db` beside a server that writes is one read of the database. Read table by
/// table, the tickets stopped at one id and their updates went on past it (371-562
/// updates of tickets the document lacked, at 20,000 tickets under 20 writers), and
/// `load` refused the document.
#[test]
fn an_export_beside_a_writing_server_is_one_read() {
    let dir = TempDir::new("cli-export-live");
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();
    let seeded = run_within(
        &["seed", "--db", &db, "--synthetic-tickets", "20000"],
        &[],
        Duration::from_secs(120),
    )
    .expect("seed finishes");
    assert!(seeded.status.success(), "{seeded:?}");
    let server = Server::start_with_db(&db, None);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..6)
        .map(|_| {
            let (addr, stop) = (server.addr(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let call = XmlRpcCall::new("SoftLayer_Ticket", "createStandardTicket")
                        .auth(&DEMO)
                        .arg(xstruct(&[
                            ("subjectId", xint(1001)),
                            ("title", xstr("live")),
                        ]))
                        .arg(xstr("written during the export"));
                    let _ = post_xmlrpc(addr, &call, Duration::from_secs(10));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut orphans = Vec::new();
    for _ in 0..3 {
        // Read as it is written: `run_within` reads nothing until the exit, and the
        // export filled the pipe.
        let out = Command::new(SERVER_BIN)
            .args(["export", "--db", &db])
            .output()
            .expect("export");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: J = serde_json::from_slice(&out.stdout).expect("JSON");
        let tickets: std::collections::HashSet<i64> = doc["SoftLayer_Ticket"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["id"].as_i64())
            .collect();
        orphans.push(
            doc["SoftLayer_Ticket_Update"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| !u["ticketId"].as_i64().is_some_and(|t| tickets.contains(&t)))
                .count(),
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert_eq!(orphans, [0, 0, 0], "updates whose ticket the export lacks");
}

#[test]
fn seed_refuses_more_tickets_than_it_may_add() {
    let dir = TempDir::new("cli-seed");
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap();
    for count in ["9223372036854775808", "100000001"] {
        let stderr = refused(&["seed", "--db", db, "--synthetic-tickets", count], &[]);
        assert!(stderr.contains("--synthetic-tickets"), "{count}: {stderr}");
        assert!(stderr.contains("100000000"), "{count}: {stderr}");
    }
}

/// The ids of the calls in a journal file, once it holds `n`.
fn journal_ids(file: &std::path::Path, n: usize) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let ids: Vec<u64> = text
            .lines()
            .map(|line| {
                serde_json::from_str::<J>(line).unwrap()["id"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        if ids.len() >= n || Instant::now() >= deadline {
            return ids;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A server appending to a journal file that holds calls numbers its own after them.
#[test]
fn a_journal_file_appended_to_again_never_repeats_an_id() {
    let dir = TempDir::new("cli-journal");
    let file = dir.path().join("calls.jsonl");
    let journal = ["--journal", file.to_str().unwrap()];
    let call = XmlRpcCall::new("SoftLayer_Account", "getObject").auth(&DEMO);
    let mut server = Server::start_with_args(":memory:", None, &journal);
    server.xmlrpc(&call).ok();
    server.xmlrpc(&call).ok();
    assert_eq!(journal_ids(&file, 2), [1, 2]);
    // What a server started on `journal` says as it refuses to start.
    let refused_on = |journal: &str| {
        refused(
            &[
                "serve",
                "--db",
                ":memory:",
                "--listen",
                "127.0.0.1:0",
                "--journal",
                journal,
            ],
            &[],
        )
    };
    // A second server on the same file numbered from the same last id: the file's ids
    // repeated. It is refused at start, and the first goes on as it was.
    let stderr = refused_on(journal[1]);
    assert!(
        stderr.contains("another process is writing it") && stderr.contains("calls.jsonl"),
        "{stderr}"
    );
    server.xmlrpc(&call).ok();
    assert_eq!(journal_ids(&file, 3), [1, 2, 3]);
    // Nothing is read back from /dev/null: any number of servers may write to it (a lock
    // on the device held off every other server on the machine).
    let null = ["--journal", "/dev/null"];
    let first = Server::start_with_args(":memory:", None, &null);
    let second = Server::start_with_args(":memory:", None, &null);
    first.xmlrpc(&call).ok();
    second.xmlrpc(&call).ok();
    drop((first, second));
    // Nor from a pipe (`--journal /dev/stdout | jq`): it was sought in, and the server
    // refused to start with "Illegal seek".
    let fifo = dir.path().join("calls.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // A pipe no process reads is refused at once: opened to read as well, the server was
    // its own reader, and once the pipe was full every call waited on the journal.
    let stderr = refused_on(fifo.to_str().unwrap());
    assert!(stderr.contains("no process reads this pipe"), "{stderr}");
    let reading = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::BufRead;
            // A writer that opens the pipe and closes it again ends a read with
            // nothing: read again, from the next writer.
            for _ in 0..10 {
                let mut line = String::new();
                std::io::BufReader::new(std::fs::File::open(&fifo).unwrap())
                    .read_line(&mut line)
                    .unwrap();
                if !line.is_empty() {
                    return line;
                }
            }
            String::new()
        })
    };
    let piped = Server::start_with_args(":memory:", None, &["--journal", fifo.to_str().unwrap()]);
    piped.xmlrpc(&call).ok();
    let line: J = serde_json::from_str(&reading.join().unwrap()).unwrap();
    assert_eq!(line["id"], 1, "{line}");
    drop(piped);
    server.signal("TERM");
    let server = server.restart(&journal);
    server.xmlrpc(&call).ok();
    server.xmlrpc(&call).ok();
    assert_eq!(journal_ids(&file, 5), [1, 2, 3, 4, 5]);
}

/// `fifo` opened to read without blocking, and to write, so that opening does not wait
/// for the server.
fn fifo_reader(fifo: &std::path::Path) -> std::fs::File {
    use std::os::fd::AsRawFd;
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(fifo)
        .unwrap();
    // SAFETY: fcntl on a descriptor this function owns.
    unsafe {
        let flags = libc::fcntl(reader.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(reader.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    reader
}

/// A pipe that fills up loses whole lines, never part of one (`--journal /dev/stdout |
/// jq` behind on big lines): a line over the pipe's atomic 4 KiB was written in part, and
/// the next line was joined to the part, one line that is no JSON, where jq stopped.
#[test]
fn a_journal_pipe_that_fills_up_loses_whole_lines_only() {
    use std::io::Read;
    let dir = TempDir::new("cli-journal-pipe");
    let fifo = dir.path().join("calls.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // The server finds a reader, which reads nothing until the calls are made.
    let reader = fifo_reader(&fifo);
    let drain = || {
        let mut text = Vec::new();
        let mut chunk = [0u8; 65536];
        while let Ok(n @ 1..) = (&reader).read(&mut chunk) {
            text.extend_from_slice(&chunk[..n]);
        }
        text
    };
    let mut server =
        Server::start_with_args(":memory:", None, &["--journal", fifo.to_str().unwrap()]);
    let entry = "z".repeat(9000);
    let big_calls = |server: &Server| {
        for _ in 0..30 {
            server
                .xmlrpc(
                    &XmlRpcCall::new("SoftLayer_Ticket", "addUpdate")
                        .auth(&DEMO)
                        .id(160000001)
                        .arg(xstruct(&[("entry", xstr(&entry))])),
                )
                .ok();
        }
    };
    big_calls(&server);
    let mut text = drain();
    // Idle, the server finishes the cut line itself once the pipe has room (within a
    // second): its reader waited on half a line until the next call.
    let until = Instant::now() + Duration::from_secs(30);
    while text.last() != Some(&b'\n') && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
        text.extend(drain());
    }
    assert_eq!(
        text.last(),
        Some(&b'\n'),
        "the cut line is finished while idle"
    );
    let call = XmlRpcCall::new("SoftLayer_Account", "getObject").auth(&DEMO);
    for _ in 0..3 {
        server.xmlrpc(&call).ok();
    }
    // The three lines, as the journal's writer gets to them.
    let newlines = text.iter().filter(|b| **b == b'\n').count();
    let until = Instant::now() + Duration::from_secs(30);
    while text.iter().filter(|b| **b == b'\n').count() < newlines + 3 && Instant::now() < until {
        text.extend(drain());
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.ends_with('\n'),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
    let lines: Vec<J> = text
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{e}: a line of {} bytes, not JSON", l.len()))
        })
        .collect();
    assert!(
        lines.len() < 33,
        "the pipe filled up: some lines were dropped"
    );
    let ids: Vec<u64> = lines.iter().map(|l| l["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    // Once the reader has caught up, every call's line reaches it.
    let methods: Vec<&str> = lines
        .iter()
        .map(|l| l["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods[methods.len() - 3..], ["getObject"; 3], "{ids:?}");
    assert_eq!(ids.last(), Some(&33));
    // At exit too: the server waits a moment for the reader to take the rest.
    big_calls(&server);
    let reading = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut text = Vec::new();
            let until = Instant::now() + Duration::from_secs(6);
            while Instant::now() < until {
                text.extend(drain());
                std::thread::sleep(Duration::from_millis(50));
            }
            text
        });
        server.signal("TERM");
        assert!(server.wait_exit(Duration::from_secs(30)).is_some());
        reader.join().unwrap()
    });
    assert_eq!(
        reading.last(),
        Some(&b'\n'),
        "the cut line is finished at exit"
    );
    // A reader that goes away for good leaves the cut line to be dropped, said once:
    // tried again each second, it filled the log with "Broken pipe". (The first reader
    // goes first: open, it kept the pipe from breaking.)
    drop(reader);
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let server = Server::start_with_args(":memory:", None, &["--journal", fifo.to_str().unwrap()]);
    big_calls(&server);
    drop(reader);
    assert!(
        server.log_shows("Broken pipe", Duration::from_secs(30)),
        "{}",
        server.log()
    );
    // Long enough for the retries each second to have said it again.
    std::thread::sleep(Duration::from_millis(3500));
    let broken = server.log().matches("Broken pipe").count();
    assert_eq!(broken, 1, "{broken} warnings:\n{}", server.log());
    // A reader opening the pipe again reads first the start of the line the last one
    // left cut, a line of its own: the next whole line was joined to it.
    let reader = fifo_reader(&fifo);
    // What the pipe holds from before (the last reader's unread lines, and the start of
    // the cut one), then the lines of three more calls.
    let mut text = Vec::new();
    let mut chunk = [0u8; 65536];
    while let Ok(n @ 1..) = (&reader).read(&mut chunk) {
        text.extend_from_slice(&chunk[..n]);
    }
    let before = text.len();
    for _ in 0..3 {
        server.xmlrpc(&call).ok();
    }
    let until = Instant::now() + Duration::from_secs(10);
    while text[before..].iter().filter(|b| **b == b'\n').count() < 3 || !text.ends_with(b"\n") {
        assert!(
            Instant::now() < until,
            "{}",
            String::from_utf8_lossy(&text[before..])
        );
        match (&reader).read(&mut chunk) {
            Ok(n) => text.extend_from_slice(&chunk[..n]),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let text = String::from_utf8_lossy(&text);
    let last: Vec<&str> = text.lines().rev().take(3).collect();
    for line in last {
        let line: J = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{e}: a line of {} bytes, not JSON", line.len()));
        assert_eq!(line["method"], "getObject", "{line}");
    }
    drop(reader);
    // A socket (stdout under systemd) cannot be opened by name: said so, not that no
    // process reads it.
    let (_ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let out = Command::new(SERVER_BIN)
        .args(["serve", "--db", ":memory:", "--listen", "127.0.0.1:0"])
        .args(["--journal", "/dev/stdout"])
        .stdout(Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("it is a socket, which cannot be opened by name"),
        "{stderr}"
    );
}

/// A database file made by `reset` (seeded), in `dir`.
fn seeded_db(dir: &TempDir) -> String {
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();
    let out = Command::new(SERVER_BIN)
        .args(["reset", "--db", &db])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    db
}

/// A database in a folder the commands may not write to is refused at start, as a file
/// they may not write is: SQLite keeps its log and journal beside the file. A file in
/// rollback mode (as `snapshot` saves them) was served there without a word, and its
/// server answered health checks and reads and failed every write as an internal error;
/// one in write-ahead mode was refused with SQLite's "attempt to write a readonly
/// database". The folder is the real file's: a link to a file there is refused too, and
/// a link there to a file in a folder that can be written is not.
/// As root (CI's user), whom a folder's mode does not stop, the commands run as `nobody`.
#[test]
fn a_database_in_a_folder_that_cannot_be_written_is_refused() {
    use std::os::unix::fs::{PermissionsExt as _, chown, symlink};
    let dir = TempDir::new("cli-locked-folder");
    let db = seeded_db(&dir);
    let out = Command::new(SERVER_BIN)
        .args(["snapshot", "--db", &db, "rollback"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let root = unsafe { libc::geteuid() } == 0;
    let owned = |file: &std::path::Path| {
        if root {
            chown(file, Some(65534), Some(65534)).unwrap();
        }
    };
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let writable = open.join("t.sqlite3");
    std::fs::copy(&db, &writable).unwrap();
    owned(&writable);
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    let rollback = locked.join("w.sqlite3");
    std::fs::copy(format!("{db}.snapshots/rollback.db"), &rollback).unwrap();
    owned(&rollback);
    let wal = locked.join("wal.sqlite3");
    std::fs::copy(&db, &wal).unwrap();
    owned(&wal);
    // One with a write-ahead log beside it but no index: not readable there.
    let logged = locked.join("logged.sqlite3");
    std::fs::copy(&db, &logged).unwrap();
    std::fs::write(locked.join("logged.sqlite3-wal"), b"").unwrap();
    owned(&logged);
    let logged_link = open.join("logged-link.sqlite3");
    symlink(&logged, &logged_link).unwrap();
    let link_out = locked.join("out.sqlite3");
    symlink(&writable, &link_out).unwrap();
    let link_in = dir.path().join("in.sqlite3");
    symlink(&rollback, &link_in).unwrap();
    // Links to files not made yet: the folder checked is the one the file is made in.
    let made_out = open.join("made-by-link.sqlite3");
    let link_out_new = locked.join("out-new.sqlite3");
    symlink(&made_out, &link_out_new).unwrap();
    let link_in_new = dir.path().join("in-new.sqlite3");
    symlink(locked.join("made-by-link.sqlite3"), &link_in_new).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = |command: &[&str]| -> Output {
        let mut args: Vec<&str> = Vec::new();
        if root {
            args.extend([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                SERVER_BIN,
            ]);
        }
        args.extend(command);
        let mut child = Command::new(if root { "setpriv" } else { SERVER_BIN })
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the server binary");
        let deadline = Instant::now() + REFUSAL_TIMEOUT;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{command:?} was still running: it was not refused");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    };
    for file in [&rollback, &wal, &link_in] {
        let file = file.to_str().unwrap();
        for command in [
            vec!["serve", "--listen", "127.0.0.1:0", "--db", file],
            vec!["reset", "--db", file],
            vec!["support", "--db", file, "close", "160000001"],
        ] {
            let out = run(&command);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success() && stderr.contains("cannot be written here"),
                "{command:?}: {stderr}"
            );
        }
    }
    // A new file there, or in a folder that is not there: SQLite's "unable to open
    // database file" named neither cause.
    let new_file = locked.join("new.sqlite3");
    let nowhere = dir.path().join("no-such-folder/new.sqlite3");
    let link_to_nowhere = dir.path().join("to-nowhere.sqlite3");
    symlink(&nowhere, &link_to_nowhere).unwrap();
    let link_to_link = dir.path().join("to-link.sqlite3");
    symlink("to-nowhere.sqlite3", &link_to_link).unwrap();
    for (file, said) in [
        (&new_file, "cannot be written here"),
        (&link_in_new, "cannot be written here"),
        (&nowhere, "no such folder as"),
        (&link_to_nowhere, "no such folder as"),
        (&link_to_link, "no such folder as"),
    ] {
        let file = file.to_str().unwrap();
        for command in [
            vec!["serve", "--listen", "127.0.0.1:0", "--db", file],
            vec!["reset", "--db", file],
        ] {
            let out = run(&command);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !out.status.success() && stderr.contains(said),
                "{command:?}: {stderr}"
            );
        }
    }
    // A folder where the file goes: "disk I/O error" or "unable to open database file".
    let folder = dir.path().to_str().unwrap();
    for command in [
        vec!["serve", "--listen", "127.0.0.1:0", "--db", folder],
        vec!["reset", "--db", folder],
        vec!["export", "--db", folder],
        vec!["snapshot", "--db", folder, "x"],
    ] {
        let out = run(&command);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("is a folder; give a database file, such as"),
            "{command:?}: {stderr}"
        );
    }
    let out = run(&[
        "support",
        "--db",
        link_out.to_str().unwrap(),
        "close",
        "160000001",
    ]);
    assert!(out.status.success(), "{out:?}");
    // A link in the locked folder to a new file in the open one: made there (its own
    // folder was checked, and it was refused as unwritable).
    let out = run(&["reset", "--db", link_out_new.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(made_out.exists());
    // Its snapshots are the real file's, beside it: beside the link, saving one failed.
    let out = run(&["snapshot", "--db", link_out.to_str().unwrap(), "by-link"]);
    assert!(out.status.success(), "{out:?}");
    assert!(open.join("t.sqlite3.snapshots/by-link.db").exists());
    // `export` and `snapshot` only read: the write-ahead file there is read as it is
    // (SQLite, unable to make its index beside it, refused it as "attempt to write a
    // readonly database"); a snapshot beside it cannot be saved, and says where.
    let out = run(&["export", "--db", wal.to_str().unwrap(), "--account", "1001"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"SoftLayer_Ticket\""));
    let out = run(&["snapshot", "--db", wal.to_str().unwrap(), "s"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("wal.sqlite3.snapshots: Permission denied"),
        "{stderr}"
    );
    // Read as unchanging, its log's writes would be left out; read as it is, SQLite said
    // only "unable to open database file".
    let out = run(&["export", "--db", logged.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("without the index SQLite reads it by"),
        "{stderr}"
    );
    // Through a link in a folder that can be written, the files named are the real ones.
    let out = run(&["export", "--db", logged_link.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("locked/logged.sqlite3-wal)"),
        "{stderr}"
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Every subcommand that takes `--db`, with arguments it runs with (`doc` a document
/// `load` reads).
fn commands_taking_db(doc: &str) -> [Vec<&str>; 8] {
    [
        vec!["serve", "--listen", "127.0.0.1:0"],
        vec!["load", doc],
        vec!["seed", "--synthetic-tickets", "1"],
        vec!["support", "close", "160000001"],
        vec!["snapshot", "before"],
        vec!["restore", "before"],
        vec!["export"],
        vec!["reset"],
    ]
}

/// SQLite's URI names are refused by every subcommand: `serve` on `file::memory:` said it
/// was healthy and failed every call (each connection had its own empty database), and
/// `file:/abs/x.db` was refused as a folder that cannot be written, leaving an empty file.
#[test]
fn a_sqlite_uri_is_refused_by_every_subcommand_that_takes_a_db() {
    let dir = TempDir::new("cli-uri-db");
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, "{}").unwrap();
    let absolute = format!("file:{}", dir.path().join("uri.db").display());
    for command in commands_taking_db(doc.to_str().unwrap()) {
        for uri in ["file::memory:", "file:x?mode=memory", absolute.as_str()] {
            let mut args = vec![command[0], "--db", uri];
            args.extend(&command[1..]);
            let stderr = refused(&args, &[]);
            assert!(
                stderr.contains("SQLite's URI names (file:…) are not read"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert!(!dir.path().join("uri.db").exists());
    assert!(!std::path::Path::new("x").exists());
}

#[test]
fn an_empty_db_path_is_refused_by_every_subcommand_that_takes_one() {
    let dir = TempDir::new("cli-empty-db");
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, "{}").unwrap();
    for command in commands_taking_db(doc.to_str().unwrap()) {
        for blank in ["", "  "] {
            // `--db` right after the subcommand: `support` takes it before its own.
            let mut args = vec![command[0], "--db", blank];
            args.extend(&command[1..]);
            let stderr = refused(&args, &[]);
            assert!(stderr.contains("--db is empty"), "{args:?}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
            // The same through the environment.
            let stderr = refused(&command, &[("SOFTLAYER_EMULATOR_DB", blank)]);
            assert!(stderr.contains("--db is empty"), "{command:?}: {stderr}");
        }
    }
}

/// Another program's SQLite file is refused by every command and left as it was: `serve`
/// added this emulator's tables beside its own, `reset` dropped them. An empty file is a
/// new database, seeded as a missing one is.
#[test]
fn another_programs_database_is_refused_by_every_command_and_left_as_it_was() {
    let dir = TempDir::new("cli-foreign-db");
    let db = dir.path().join("theirs.sqlite3");
    let db = db.to_str().unwrap();
    {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("CREATE TABLE notes(text); INSERT INTO notes VALUES ('keep me');")
            .unwrap();
    }
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, "{}").unwrap();
    let before = std::fs::read(db).unwrap();
    for command in commands_taking_db(doc.to_str().unwrap()) {
        let mut args = vec![command[0], "--db", db];
        args.extend(&command[1..]);
        let stderr = refused(&args, &[]);
        assert!(
            stderr.contains("another program's SQLite database") && stderr.contains(db),
            "{args:?}: {stderr}"
        );
        // Not a byte changed: turning the write-ahead log on rewrote its header.
        assert!(
            std::fs::read(db).unwrap() == before,
            "{args:?} changed the file"
        );
        assert!(
            !std::path::Path::new(&format!("{db}-wal")).exists(),
            "{args:?} left a write-ahead log beside the file"
        );
    }
    let conn = rusqlite::Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["notes"]);
    let kept: String = conn
        .query_row("SELECT text FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, "keep me");

    // A file that is no SQLite database at all is named too ("file is not a database"
    // alone did not say which).
    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "not a database, and long enough to be read as one's header\n".repeat(20),
    )
    .unwrap();
    let text = text.to_str().unwrap();
    for command in [["serve", "--listen", "127.0.0.1:0"].as_slice(), &["reset"]] {
        let mut args = vec![command[0], "--db", text];
        args.extend(&command[1..]);
        let stderr = refused(&args, &[]);
        assert!(
            stderr.contains(text) && stderr.contains("not a SQLite database"),
            "{args:?}: {stderr}"
        );
    }
    // So by the commands that only read it, whose error is SQLite's own.
    for command in ["export", "snapshot"] {
        let mut args = vec![command, "--db", text];
        if command == "snapshot" {
            args.push("s1");
        }
        let stderr = refused(&args, &[]);
        assert!(
            stderr.contains(&format!("error: {text}: ")) && stderr.contains("not a database"),
            "{args:?}: {stderr}"
        );
    }

    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    let empty = empty.to_str().unwrap();
    // A restore from a snapshot that is not there fails without touching it (it seeded
    // the empty file first), and says where it looked.
    let stderr = refused(&["restore", "--db", empty, "nosnap"], &[]);
    assert!(
        stderr.contains(&format!("no snapshot named 'nosnap' in {empty}.snapshots/")),
        "{stderr}"
    );
    assert_eq!(std::fs::metadata(empty).unwrap().len(), 0);
    // With no database file either, the snapshot is named as what is missing ("no such
    // database file" sent the user to make one).
    let missing = dir.path().join("missing.db");
    let missing = missing.to_str().unwrap();
    let stderr = refused(&["restore", "--db", missing, "nosnap"], &[]);
    assert!(
        stderr.contains(&format!(
            "no snapshot named 'nosnap' in {missing}.snapshots/"
        )),
        "{stderr}"
    );
    assert!(!std::path::Path::new(missing).exists());
    let out = Command::new(SERVER_BIN)
        .args(["reset", "--db", empty])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let conn = rusqlite::Connection::open(empty).unwrap();
    let tickets: i64 = conn
        .query_row("SELECT count(*) FROM SoftLayer_Ticket", [], |r| r.get(0))
        .unwrap();
    assert!(tickets > 0);
}

/// Stdout whose reader has gone: the command ends quietly with status 0.
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let dir = TempDir::new("cli-pipe");
    let db = seeded_db(&dir);
    for args in [&["export", "--db", &db][..], &["coverage"]] {
        let mut child = Command::new(SERVER_BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the command writes (it is still starting up).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// Stdout that fails otherwise (a full disk): `error: writing the output: …`, status 1.
#[test]
fn output_that_cannot_be_written_is_an_error() {
    let dir = TempDir::new("cli-full");
    let db = seeded_db(&dir);
    for args in [
        &["export", "--db", &db][..],
        &["coverage"],
        &["support", "--db", &db, "close", "160000001"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(SERVER_BIN)
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: writing the output: "),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn export_to_a_file_that_cannot_be_written_names_it() {
    let dir = TempDir::new("cli-export-out");
    let db = seeded_db(&dir);
    let stderr = refused(
        &["export", "--db", &db, "--out", "/nonexistent/dir/x.json"],
        &[],
    );
    assert!(
        stderr.contains("/nonexistent/dir/x.json"),
        "the path is not named: {stderr}"
    );
}

/// `export --out` and `serve --journal` naming the database file (or SQLite's file beside
/// it) are refused, and the database is left as it was: written over, it was gone, under a
/// running server too. `seed` refuses `:memory:` as the other file commands do (it
/// reported tickets added to a database that vanished), and `support` an empty file as a
/// missing one (it seeded the file and acted on the fresh seed).
#[test]
fn commands_do_not_write_over_the_database_or_act_on_nothing() {
    let dir = TempDir::new("cli-over-db");
    let db = seeded_db(&dir);
    let before = std::fs::read(&db).unwrap();
    let wal = format!("{db}-wal");
    let relative = std::path::Path::new(&db)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for out in [db.as_str(), wal.as_str()] {
        let stderr = refused(&["export", "--db", &db, "--out", out], &[]);
        assert!(stderr.contains("is the database file"), "{out}: {stderr}");
    }
    // The same file by a hard link.
    let linked = dir.path().join("linked.sqlite3");
    std::fs::hard_link(&db, &linked).unwrap();
    let stderr = refused(
        &["export", "--db", &db, "--out", linked.to_str().unwrap()],
        &[],
    );
    assert!(stderr.contains("is the database file"), "{stderr}");
    // SQLite's journal by a symbolic link, absolute or relative, while the journal is
    // not there (between commands): the export went into the journal through it.
    for (name, target) in [
        ("journal.json", format!("{db}-journal")),
        ("wal.json", format!("{relative}-wal")),
    ] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let stderr = refused(
            &["export", "--db", &db, "--out", link.to_str().unwrap()],
            &[],
        );
        assert!(stderr.contains("is the database file"), "{name}: {stderr}");
        assert!(
            std::fs::symlink_metadata(&link).is_ok() && std::fs::metadata(&link).is_err(),
            "{name}: the link's target was made"
        );
    }
    // The same file by another path: relative to the working directory.
    let out = Command::new(SERVER_BIN)
        .args(["export", "--db", &db, "--out", &relative])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let stderr = refused(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--journal",
            &db,
        ],
        &[],
    );
    assert!(stderr.contains("--journal"), "{stderr}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
    // So before the database is made, on a first start: the server started and wrote its
    // journal into the file it made, and into SQLite's log.
    let unborn = dir.path().join("first-start.sqlite3");
    let unborn = unborn.to_str().unwrap();
    for journal in [unborn.to_string(), format!("{unborn}-wal")] {
        let stderr = refused(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                unborn,
                "--journal",
                &journal,
            ],
            &[],
        );
        assert!(
            stderr.contains("is the database file"),
            "{journal}: {stderr}"
        );
    }
    assert!(!std::path::Path::new(unborn).exists());
    // An export beside it is written.
    let beside = dir.path().join("export.json");
    let out = Command::new(SERVER_BIN)
        .args(["export", "--db", &db, "--out", beside.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let stderr = refused(
        &["seed", "--db", ":memory:", "--synthetic-tickets", "2"],
        &[],
    );
    assert!(stderr.contains("database file"), "{stderr}");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let stderr = refused(
        &[
            "support",
            "--db",
            empty.to_str().unwrap(),
            "close",
            "160000001",
        ],
        &[],
    );
    assert!(stderr.contains("is empty"), "{stderr}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

/// `seed --synthetic-tickets` gives ids within the API's int, as the API does: past it,
/// tickets went out as 2147483649 and slcli could not read them (`int exceeds XML-RPC
/// limits`). Nothing is added then.
#[test]
fn synthetic_tickets_stay_within_the_apis_int() {
    let dir = TempDir::new("cli-seed-ids");
    let db = seeded_db(&dir);
    let doc = dir.path().join("last.json");
    std::fs::write(
        &doc,
        serde_json::json!({"SoftLayer_Ticket": [{"id": 2147483646, "accountId": 1001,
            "title": "nearly the last", "subjectId": 1005, "statusId": 1001, "groupId": 1,
            "createDate": "2026-10-01T09:15:00-05:00"}]})
        .to_string(),
    )
    .unwrap();
    let loaded = Command::new(SERVER_BIN)
        .args(["load", "--db", &db, doc.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(loaded.status.success(), "{loaded:?}");
    let seeded = Command::new(SERVER_BIN)
        .args(["seed", "--db", &db, "--synthetic-tickets", "5"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&seeded.stderr);
    assert!(!seeded.status.success(), "{stderr}");
    assert!(
        stderr.contains("no id is left for a new SoftLayer_Ticket"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let highest: i64 = conn
        .query_row("SELECT max(id) FROM SoftLayer_Ticket", [], |r| r.get(0))
        .unwrap();
    assert_eq!(highest, 2147483646);
}

/// The synthetic seed's device links share one id space with the API's, across kinds:
/// numbered from their own table, a hardware link took the id of another account's
/// guest link, and that ticket's `attachedResources` showed demo's server.
#[test]
fn synthetic_device_links_take_ids_no_link_has() {
    let dir = TempDir::new("cli-seed-links");
    let db = seeded_db(&dir);
    let doc = dir.path().join("guest.json");
    std::fs::write(
        &doc,
        serde_json::json!({"SoftLayer_Ticket_Attachment_Virtual_Guest": [{"id": 700000002,
            "ticketId": 160000101, "attachmentId": 9101, "virtualGuestId": 9101,
            "createDate": "2026-01-01T00:00:00-06:00"}]})
        .to_string(),
    )
    .unwrap();
    for args in [
        vec!["load", "--db", &db, doc.to_str().unwrap()],
        vec!["seed", "--db", &db, "--synthetic-tickets", "300"],
    ] {
        let out = Command::new(SERVER_BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (links, distinct): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM SoftLayer_Ticket_Attachment_Hardware \
             UNION ALL SELECT id FROM SoftLayer_Ticket_Attachment_Virtual_Guest \
             UNION ALL SELECT id FROM SoftLayer_Ticket_Attachment_Dedicated_Host)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(links > 10, "{links} links");
    assert_eq!(links, distinct, "device links sharing an id");
}

/// An export holds data, not the store's bookkeeping: the text-index queue, which the
/// triggers fill as rows are loaded, doubled on every export and load of one, and an older
/// export's rows of it are not loaded.
#[test]
fn an_export_loads_back_without_the_store_bookkeeping() {
    let dir = TempDir::new("cli-export-bookkeeping");
    let db = seeded_db(&dir);
    let run = |args: &[&str]| {
        let out = Command::new(SERVER_BIN).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        out
    };
    // Enough that a load leaves rows queued for the text index (a small one indexes them
    // as it loads).
    run(&["seed", "--db", &db, "--synthetic-tickets", "1000"]);
    let mut exports = Vec::new();
    let mut from = db.clone();
    for round in 0..2 {
        let file = dir.path().join(format!("export{round}.json"));
        run(&["export", "--db", &from, "--out", file.to_str().unwrap()]);
        let doc: J = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert!(
            doc.get("emulator_text_index_queue").is_none(),
            "round {round}"
        );
        exports.push(doc);
        let next = dir.path().join(format!("loaded{round}.db"));
        let next = next.to_str().unwrap().to_string();
        run(&["reset", "--db", &next, "--empty"]);
        run(&["load", "--db", &next, file.to_str().unwrap()]);
        from = next;
    }
    assert_eq!(exports[0], exports[1]);
    // An older export's queue rows are skipped.
    let mut old = exports[0].clone();
    old["emulator_text_index_queue"] = serde_json::json!([{"kind": 0, "rowId": 160000001}]);
    let file = dir.path().join("old.json");
    std::fs::write(&file, old.to_string()).unwrap();
    let next = dir.path().join("old.db");
    let next = next.to_str().unwrap();
    run(&["reset", "--db", next, "--empty"]);
    let out = run(&["load", "--db", next, file.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    let objects: usize = exports[0]
        .as_object()
        .unwrap()
        .values()
        .map(|rows| rows.as_array().unwrap().len())
        .sum();
    assert!(said.contains("objects loaded"), "{said}");
    let loaded: usize = said
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(loaded <= objects, "{loaded} loaded of {objects}: {said}");
}
