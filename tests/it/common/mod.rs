//! Shared support for the integration tests.
//!
//! Every test talks to the real `softlayer-ticket-server` binary over a real
//! loopback socket:
//!
//! * [`Server`] starts the binary on a free port (`--db :memory:` unless asked
//!   for a file), waits for `GET /health`, and kills it when dropped.
//! * [`http_request`] is a minimal HTTP/1.1 client over `std::net::TcpStream`
//!   (Content-Length and chunked bodies), so the tests need no HTTP crate.
//! * [`XmlRpcCall`] builds SoftLayer XML-RPC requests (the `headers` struct
//!   with authenticate, init parameters, object mask, result limit and filter,
//!   then the method's arguments) and [`XmlRpcReply`] parses the answer.
//! * [`Slcli`] runs softlayer-python's `slcli` from the virtual environment
//!   named by `SL_TEST_VENV` (made by `./scripts/test.sh`) against the server.
//!
//! * Submodules hold helpers several test files share: [`faults`] (fault
//!   assertions), [`support`] (the `/_emulator/` control API and its admin
//!   token), [`seed_data`] (expected values from the seed and the schema),
//!   [`tickets`] (common SoftLayer_Ticket/SoftLayer_Account reads) and [`cli`]
//!   (reading `slcli --format json` output).
//!
//! Each integration test file includes this module (`mod common;`) and uses a
//! part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

mod cli;
mod faults;
mod seed_data;
mod support;
mod tickets;

#[allow(unused_imports)]
pub use cli::*;
#[allow(unused_imports)]
pub use faults::*;
#[allow(unused_imports)]
pub use seed_data::*;
#[allow(unused_imports)]
pub use support::*;
#[allow(unused_imports)]
pub use tickets::*;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The server binary cargo built for this test run.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_softlayer-ticket-server");

/// How long a server may take to answer `/health` after it was started.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// Upper bound for one HTTP exchange made by a test.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(60);

/// Upper bound for one `slcli` run (its own HTTP timeout is 30 s).
pub const SLCLI_TIMEOUT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------
// Seed users
// ---------------------------------------------------------------------------

/// An API user from the seed data (fixtures/seed).
#[derive(Clone, Copy, Debug)]
pub struct User {
    pub username: &'static str,
    pub api_key: &'static str,
    pub id: i64,
    pub account_id: i64,
}

/// Master user of account 1001 ("Demo Company").
pub const DEMO: User = User {
    username: "demo",
    api_key: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    id: 5001,
    account_id: 1001,
};

/// Master user of account 2001 ("Other Corp").
pub const OTHER: User = User {
    username: "other",
    api_key: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
    id: 6001,
    account_id: 2001,
};

// ---------------------------------------------------------------------------
// Temporary directories (under cargo's CARGO_TARGET_TMPDIR)
// ---------------------------------------------------------------------------

/// A directory removed when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{tag}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------
// Output capture for child processes
// ---------------------------------------------------------------------------

type SharedBuf = Arc<Mutex<Vec<u8>>>;

fn drain_into<R: Read + Send + 'static>(mut from: R, into: SharedBuf) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        loop {
            match from.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => into.lock().unwrap().extend_from_slice(&chunk[..n]),
            }
        }
    })
}

fn buf_text(buf: &SharedBuf) -> String {
    String::from_utf8_lossy(&buf.lock().unwrap()).into_owned()
}

/// The last `max` bytes of a text, cut at a character boundary.
fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

// ---------------------------------------------------------------------------
// The server under test
// ---------------------------------------------------------------------------

/// A running `softlayer-ticket-server serve`, killed when dropped.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    db: String,
    log: SharedBuf,
    _dir: Option<TempDir>,
}

enum Launch {
    Ready(Server),
    /// The process exited before serving; its log says why.
    Exited(ExitStatus, String),
}

impl Server {
    /// A fresh server on an in-memory database, seeded from fixtures/seed.
    pub fn start() -> Server {
        Server::start_with_db(":memory:", None)
    }

    /// A fresh server on a new database file in a temporary directory.
    pub fn start_with_temp_db() -> Server {
        let dir = TempDir::new("db");
        let db = dir.path().join("tickets.sqlite3");
        let db = db.to_str().expect("temp path is UTF-8").to_string();
        Server::start_with_db(&db, Some(dir))
    }

    /// A server on the given database path (`:memory:` or a file). `dir`, if
    /// any, is kept alive as long as the server; a relative path is taken in `dir`,
    /// where the server then runs (as a user's `--db ./softlayer.db`).
    pub fn start_with_db(db: &str, dir: Option<TempDir>) -> Server {
        Server::start_with(db, dir, &[], &[], None)
    }

    /// A server on `db` with more `serve` arguments (`--journal FILE`, …).
    pub fn start_with_args(db: &str, dir: Option<TempDir>, extra: &[&str]) -> Server {
        Server::start_with(db, dir, extra, &[], None)
    }

    /// [`start_with_db`](Self::start_with_db) with extra environment variables (the
    /// `SOFTLAYER_EMULATOR_*` limits, for instance).
    pub fn start_with_env(db: &str, dir: Option<TempDir>, env: &[(&str, &str)]) -> Server {
        Server::start_with(db, dir, &[], env, None)
    }

    /// A fresh server whose soft open-file limit starts at `soft` (`ulimit -Sn`).
    pub fn start_with_open_file_limit(soft: u64) -> Server {
        Server::start_with(":memory:", None, &[], &[], Some((soft, false)))
    }

    /// A fresh server whose open-file limit is `limit`, soft and hard (`ulimit -n`): the
    /// server cannot raise it.
    pub fn start_with_hard_open_file_limit(limit: u64) -> Server {
        Server::start_with(":memory:", None, &[], &[], Some((limit, true)))
    }

    fn start_with(
        db: &str,
        dir: Option<TempDir>,
        extra: &[&str],
        env: &[(&str, &str)],
        open_files: Option<(u64, bool)>,
    ) -> Server {
        // Port 0: the server binds a port of the kernel's choice and names it in its log.
        // A port found free here and handed over could be bound by another test's server
        // first, whose answers this test would then take for its own server's.
        match Server::launch(db, 0, dir, extra, env, open_files) {
            Launch::Ready(server) => server,
            Launch::Exited(status, log) => panic!(
                "softlayer-ticket-server exited before serving ({status}).\n\
                 command: {SERVER_BIN} serve --listen 127.0.0.1:0 --db {db}\n\
                 --- server output ---\n{}",
                tail(&log, 20_000)
            ),
        }
    }

    fn launch(
        db: &str,
        port: u16,
        dir: Option<TempDir>,
        extra: &[&str],
        env: &[(&str, &str)],
        open_files: Option<(u64, bool)>,
    ) -> Launch {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut command = Command::new(SERVER_BIN);
        if let Some((soft, hard_too)) = open_files {
            use std::os::unix::process::CommandExt;
            // SAFETY: between fork and exec only getrlimit and setrlimit run, both
            // async-signal-safe, on a struct of the child's own.
            unsafe {
                command.pre_exec(move || {
                    let mut files = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    if libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) == 0 {
                        files.rlim_cur = soft.min(files.rlim_max);
                        if hard_too {
                            files.rlim_max = files.rlim_cur;
                        }
                        libc::setrlimit(libc::RLIMIT_NOFILE, &files);
                    }
                    Ok(())
                });
            }
        }
        if let Some(dir) = &dir
            && db != ":memory:"
            && Path::new(db).is_relative()
        {
            command.current_dir(dir.path());
        }
        let mut child = command
            .envs(env.iter().copied())
            .arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--db")
            .arg(db)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {SERVER_BIN}: {e}"));
        let log: SharedBuf = Arc::new(Mutex::new(Vec::new()));
        drain_into(child.stdout.take().unwrap(), log.clone());
        drain_into(child.stderr.take().unwrap(), log.clone());

        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let mut addr = addr;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait on the server") {
                // Let the drain threads catch the last words.
                std::thread::sleep(Duration::from_millis(100));
                return Launch::Exited(status, buf_text(&log));
            }
            if addr.port() == 0
                && let Some(bound) = bound_address(&buf_text(&log))
            {
                addr = bound;
            }
            // 503: serving, with writes failing (a server started on a full disk).
            let ready = addr.port() != 0
                && http_request(addr, "GET", "/health", &[], b"", Duration::from_secs(2))
                    .is_ok_and(|resp| matches!(resp.status, 200 | 503));
            if ready {
                let server = Server {
                    child,
                    addr,
                    db: db.to_string(),
                    log,
                    _dir: dir,
                };
                return Launch::Ready(server);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "softlayer-ticket-server did not answer GET /health with 200 within {:?}.\n\
                     command: {SERVER_BIN} serve --listen {addr} --db {db}\n\
                     --- server output ---\n{}",
                    STARTUP_TIMEOUT,
                    tail(&buf_text(&log), 20_000)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A new server on this one's port and database (which it keeps), once this one has
    /// exited: a client that stays open sees its server restart. `extra` as for
    /// [`start_with_args`](Self::start_with_args).
    pub fn restart(&mut self, extra: &[&str]) -> Server {
        assert!(
            self.wait_exit(Duration::from_secs(15)).is_some(),
            "restart a server that has stopped"
        );
        match Server::launch(&self.db, self.port(), self._dir.take(), extra, &[], None) {
            Launch::Ready(server) => server,
            Launch::Exited(status, log) => {
                panic!(
                    "the restarted server exited ({status}):\n{}",
                    tail(&log, 20_000)
                )
            }
        }
    }

    /// The server's process id (to signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The most memory the server process has held so far (Linux's `VmHWM`), in bytes.
    pub fn peak_rss_bytes(&self) -> u64 {
        let path = format!("/proc/{}/status", self.pid());
        let status = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no VmHWM in {path}:\n{status}"));
        kib * 1024
    }

    /// Sends the server `kill -SIG` (`TERM`, `INT`).
    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits up to `timeout` for the server to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait on the server") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn db(&self) -> &str {
        &self.db
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the server printed so far (stdout and stderr).
    pub fn log(&self) -> String {
        buf_text(&self.log)
    }

    /// Whether the server's output shows `needle` within `within`: its pipes are read by
    /// threads of their own, so a line written before an answer may come after it.
    pub fn log_shows(&self, needle: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The value of the unlabelled sample `name` in `/metrics`.
    pub fn metric(&self, name: &str) -> f64 {
        let text = self.get("/metrics").text();
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
    }

    pub fn get(&self, path: &str) -> HttpResponse {
        http_request(self.addr, "GET", path, &[], b"", HTTP_TIMEOUT).unwrap_or_else(|e| {
            panic!(
                "GET {path} failed: {e}\n--- server output ---\n{}",
                self.log_tail()
            )
        })
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
        http_request(self.addr, "POST", path, headers, body, HTTP_TIMEOUT).unwrap_or_else(|e| {
            panic!(
                "POST {path} failed: {e}\n--- server output ---\n{}",
                self.log_tail()
            )
        })
    }

    /// Sends one XML-RPC call and parses the answer (a result or a fault).
    /// Panics, with the exchange, when the answer is not an XML-RPC response.
    pub fn xmlrpc(&self, call: &XmlRpcCall) -> XmlRpcReply {
        let body = call.body();
        let path = call.path();
        let http = self.post(&path, &[("Content-Type", "text/xml")], body.as_bytes());
        match parse_method_response(&http.body) {
            Ok(outcome) => XmlRpcReply {
                request: body,
                path,
                http,
                outcome,
            },
            Err(why) => panic!(
                "POST {path}: the answer is not an XML-RPC methodResponse ({why}).\n\
                 --- request ---\n{body}\n--- response ---\n{}",
                http.describe()
            ),
        }
    }

    fn log_tail(&self) -> String {
        tail(&self.log(), 20_000).to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            std::thread::sleep(Duration::from_millis(50));
            eprintln!(
                "--- softlayer-ticket-server output ({} --db {}) ---\n{}",
                self.addr,
                self.db,
                tail(&self.log(), 20_000)
            );
        }
    }
}

/// An HTTP Basic `Authorization` value: what REST clients and HTTP Basic over SOAP or
/// XML-RPC send.
pub fn basic_auth(username: &str, api_key: &str) -> String {
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{api_key}"));
    format!("Basic {token}")
}

/// The address in the server's `health: http://ADDR/health` line, once it has bound one.
pub fn bound_address(log: &str) -> Option<SocketAddr> {
    log.lines().find_map(|line| {
        let rest = &line[line.find("health: http://")? + "health: http://".len()..];
        rest[..rest.find("/health")?].parse().ok()
    })
}

/// A loopback port where nobody answers: bound for as long as this lives, but never
/// listening, so a connection to it is refused. A port merely found free could be
/// bound meanwhile by another test's server (they bind port 0 too).
pub struct RefusingPort {
    _socket: std::os::fd::OwnedFd,
    pub port: u16,
}

impl RefusingPort {
    pub fn new() -> RefusingPort {
        use std::os::fd::FromRawFd;
        // SAFETY: socket, bind and getsockname get a fresh descriptor (owned at once)
        // and `sockaddr_in` values of the size they are told.
        unsafe {
            // Close-on-exec: servers started meanwhile must not inherit it.
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket: {}", io::Error::last_os_error());
            let socket = std::os::fd::OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
            let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let sockaddr = &mut addr as *mut libc::sockaddr_in as *mut libc::sockaddr;
            assert_eq!(
                libc::bind(fd, sockaddr, len),
                0,
                "{}",
                io::Error::last_os_error()
            );
            assert_eq!(libc::getsockname(fd, sockaddr, &mut len), 0);
            RefusingPort {
                _socket: socket,
                port: u16::from_be(addr.sin_port),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Minimal HTTP/1.1 client
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub reason: String,
    /// Header names as received; look them up with [`HttpResponse::header`].
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Status line, headers and (the start of) the body, for failure messages.
    pub fn describe(&self) -> String {
        let mut out = format!("HTTP/1.1 {} {}\n", self.status, self.reason);
        for (k, v) in &self.headers {
            let _ = writeln!(out, "{k}: {v}");
        }
        out.push('\n');
        let text = self.text();
        if text.len() > 8000 {
            let mut end = 8000;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let _ = write!(out, "{}… ({} bytes in all)", &text[..end], self.body.len());
        } else {
            out.push_str(&text);
        }
        out
    }
}

/// A database file with `n` synthetic tickets for `demo`, made by the `seed` command.
pub fn synthetic_db(n: u64) -> (TempDir, String) {
    let dir = TempDir::new("synthetic");
    let db = dir.path().join("tickets.sqlite3");
    let db = db.to_str().unwrap().to_string();
    let out = std::process::Command::new(SERVER_BIN)
        .args(["seed", "--db", &db, "--synthetic-tickets", &n.to_string()])
        .output()
        .expect("run seed");
    assert!(
        out.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, db)
}

/// Asks `GET /health` every 5 ms while `go_on()` holds: the slowest answer (each must be
/// 200).
pub fn slowest_health_while(addr: SocketAddr, go_on: impl Fn() -> bool) -> Duration {
    let mut worst = Duration::ZERO;
    while go_on() {
        let t = std::time::Instant::now();
        let r = http_request(addr, "GET", "/health", &[], b"", Duration::from_secs(30))
            .expect("/health answers");
        assert_eq!(r.status, 200);
        worst = worst.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    worst
}

/// A REST GET as `user` (HTTP Basic `username:apiKey`); the response.
pub fn rest_get_as(server: &Server, user: &User, path: &str) -> HttpResponse {
    let auth = basic_auth(user.username, user.api_key);
    http_request(
        server.addr(),
        "GET",
        path,
        &[("Authorization", auth.as_str())],
        b"",
        HTTP_TIMEOUT,
    )
    .expect("REST request")
}

/// `text` percent-encoded for a URL's query (`objectFilter=…`): every byte but letters,
/// digits and `-_.~,:`.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP/1.1 exchange on a new connection (`Connection: close`).
/// `call` posted to the server at `addr` from a thread of its own (no `Server` to hand):
/// the raw answer.
pub fn post_xmlrpc(
    addr: SocketAddr,
    call: &XmlRpcCall,
    timeout: Duration,
) -> io::Result<HttpResponse> {
    http_request(
        addr,
        "POST",
        &call.path(),
        &[("Content-Type", "text/xml")],
        call.body().as_bytes(),
        timeout,
    )
}

/// Writes raw request bytes on a new connection (and leaves it open).
pub fn send_raw(server: &Server, head_and_body: &[u8]) -> TcpStream {
    let stream = TcpStream::connect(server.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    (&stream).write_all(head_and_body).unwrap();
    stream
}

pub fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> io::Result<HttpResponse> {
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;

    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    let mut has_length = false;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("content-length") {
            has_length = true;
        }
        let _ = write!(head, "{k}: {v}\r\n");
    }
    if !has_length && (!body.is_empty() || method != "GET") {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    let mut writer = &stream;
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    writer.write_all(&request)?;
    writer.flush()?;

    read_response(&stream, method)
}

/// Reads one HTTP/1.1 response (after any interim ones) from a stream the request was
/// written to.
pub fn read_response(stream: &TcpStream, method: &str) -> io::Result<HttpResponse> {
    let mut reader = BufReader::new(stream);
    loop {
        let response = read_response_head(&mut reader)?;
        let (status, reason, headers) = response;
        // Interim answers (100 Continue) carry no body: read the next head.
        if (100..200).contains(&status) {
            continue;
        }
        let body = read_body(&mut reader, method, status, &headers)?;
        return Ok(HttpResponse {
            status,
            reason,
            headers,
            body,
        });
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn read_line_crlf<R: BufRead>(reader: &mut R) -> io::Result<String> {
    let mut raw = Vec::new();
    let n = reader.read_until(b'\n', &mut raw)?;
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-response",
        ));
    }
    while raw.last() == Some(&b'\n') || raw.last() == Some(&b'\r') {
        raw.pop();
    }
    String::from_utf8(raw).map_err(|_| invalid("response head is not UTF-8"))
}

type Head = (u16, String, Vec<(String, String)>);

fn read_response_head<R: BufRead>(reader: &mut R) -> io::Result<Head> {
    let status_line = read_line_crlf(reader)?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(invalid(format!("bad status line {status_line:?}")));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
    let reason = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let line = read_line_crlf(reader)?;
        if line.is_empty() {
            break;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| invalid(format!("bad header line {line:?}")))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok((status, reason, headers))
}

fn read_body<R: BufRead>(
    reader: &mut R,
    method: &str,
    status: u16,
    headers: &[(String, String)],
) -> io::Result<Vec<u8>> {
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if method == "HEAD" || status == 204 || status == 304 {
        return Ok(Vec::new());
    }
    let chunked = find("transfer-encoding")
        .map(|v| {
            v.to_ascii_lowercase()
                .split(',')
                .any(|t| t.trim() == "chunked")
        })
        .unwrap_or(false);
    if chunked {
        let mut body = Vec::new();
        loop {
            let size_line = read_line_crlf(reader)?;
            let size_hex = size_line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| invalid(format!("bad chunk size line {size_line:?}")))?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    if read_line_crlf(reader)?.is_empty() {
                        break;
                    }
                }
                return Ok(body);
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            let end = read_line_crlf(reader)?;
            if !end.is_empty() {
                return Err(invalid("chunk not followed by CRLF"));
            }
        }
    }
    if let Some(len) = find("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| invalid(format!("bad Content-Length {len:?}")))?;
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        return Ok(body);
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    Ok(body)
}

// ---------------------------------------------------------------------------
// XML-RPC values
// ---------------------------------------------------------------------------

/// An XML-RPC value, as sent or received.
#[derive(Clone, Debug, PartialEq)]
pub enum XVal {
    Int(i64),
    Bool(bool),
    Str(String),
    Double(f64),
    DateTime(String),
    Base64(String),
    Nil,
    Array(Vec<XVal>),
    Struct(Vec<(String, XVal)>),
}

pub fn xint(i: i64) -> XVal {
    XVal::Int(i)
}

pub fn xstr(s: &str) -> XVal {
    XVal::Str(s.to_string())
}

pub fn xbool(b: bool) -> XVal {
    XVal::Bool(b)
}

pub fn xstruct(members: &[(&str, XVal)]) -> XVal {
    XVal::Struct(
        members
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

pub fn xarray(items: &[XVal]) -> XVal {
    XVal::Array(items.to_vec())
}

impl XVal {
    /// A struct member.
    pub fn get(&self, key: &str) -> Option<&XVal> {
        match self {
            XVal::Struct(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A struct member that must be there.
    pub fn member(&self, key: &str) -> &XVal {
        self.get(key)
            .unwrap_or_else(|| panic!("expected a struct with member {key:?}, got {self:?}"))
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            XVal::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// An `<int>` that must be there.
    pub fn int(&self) -> i64 {
        self.as_i64()
            .unwrap_or_else(|| panic!("expected an <int>, got {self:?}"))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            XVal::Str(s) | XVal::DateTime(s) | XVal::Base64(s) => Some(s),
            _ => None,
        }
    }

    /// A `<string>` (or untyped value) that must be there.
    pub fn str(&self) -> &str {
        match self {
            XVal::Str(s) => s,
            _ => panic!("expected a <string>, got {self:?}"),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            XVal::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[XVal]> {
        match self {
            XVal::Array(items) => Some(items),
            _ => None,
        }
    }

    /// An `<array>` that must be there.
    pub fn array(&self) -> &[XVal] {
        self.as_array()
            .unwrap_or_else(|| panic!("expected an <array>, got {self:?}"))
    }

    pub fn write_xml(&self, out: &mut String) {
        out.push_str("<value>");
        match self {
            XVal::Int(i) => {
                let _ = write!(out, "<int>{i}</int>");
            }
            XVal::Bool(b) => {
                let _ = write!(out, "<boolean>{}</boolean>", u8::from(*b));
            }
            XVal::Str(s) => {
                out.push_str("<string>");
                escape_into(s, out);
                out.push_str("</string>");
            }
            XVal::Double(d) => {
                let _ = write!(out, "<double>{d:?}</double>");
            }
            XVal::DateTime(s) => {
                out.push_str("<dateTime.iso8601>");
                escape_into(s, out);
                out.push_str("</dateTime.iso8601>");
            }
            XVal::Base64(s) => {
                out.push_str("<base64>");
                escape_into(s, out);
                out.push_str("</base64>");
            }
            XVal::Nil => out.push_str("<nil/>"),
            XVal::Array(items) => {
                out.push_str("<array><data>");
                for item in items {
                    item.write_xml(out);
                }
                out.push_str("</data></array>");
            }
            XVal::Struct(members) => {
                out.push_str("<struct>");
                for (k, v) in members {
                    out.push_str("<member><name>");
                    escape_into(k, out);
                    out.push_str("</name>");
                    v.write_xml(out);
                    out.push_str("</member>");
                }
                out.push_str("</struct>");
            }
        }
        out.push_str("</value>");
    }
}

pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

// ---------------------------------------------------------------------------
// XML-RPC requests
// ---------------------------------------------------------------------------

/// One SoftLayer XML-RPC call; `body()` gives the methodCall document.
#[derive(Clone, Debug)]
pub struct XmlRpcCall {
    pub service: String,
    pub method: String,
    /// `v3` or `v3.1` (the default, as softlayer-python uses).
    pub version: String,
    pub auth: Option<(String, String)>,
    pub init_id: Option<XVal>,
    /// String object mask, sent as `SoftLayer_ObjectMask {mask}`.
    pub mask: Option<String>,
    /// Object filter, sent as `{Service}ObjectFilter`.
    pub filter: Option<XVal>,
    /// `(limit, offset)`, sent as `resultLimit`.
    pub limit: Option<(i64, i64)>,
    /// Further header members, sent as given.
    pub extra_headers: Vec<(String, XVal)>,
    pub args: Vec<XVal>,
}

impl XmlRpcCall {
    /// `service` is the full name, e.g. `SoftLayer_Ticket`.
    pub fn new(service: &str, method: &str) -> XmlRpcCall {
        XmlRpcCall {
            service: service.to_string(),
            method: method.to_string(),
            version: "v3.1".to_string(),
            auth: None,
            init_id: None,
            mask: None,
            filter: None,
            limit: None,
            extra_headers: Vec::new(),
            args: Vec::new(),
        }
    }

    pub fn auth(mut self, user: &User) -> Self {
        self.auth = Some((user.username.to_string(), user.api_key.to_string()));
        self
    }

    pub fn auth_key(mut self, username: &str, api_key: &str) -> Self {
        self.auth = Some((username.to_string(), api_key.to_string()));
        self
    }

    pub fn id(mut self, id: i64) -> Self {
        self.init_id = Some(XVal::Int(id));
        self
    }

    /// An init parameter id of any shape (numeric string, boolean, …).
    pub fn init(mut self, id: XVal) -> Self {
        self.init_id = Some(id);
        self
    }

    pub fn mask(mut self, mask: &str) -> Self {
        self.mask = Some(mask.to_string());
        self
    }

    pub fn filter(mut self, filter: XVal) -> Self {
        self.filter = Some(filter);
        self
    }

    pub fn limit(mut self, limit: i64, offset: i64) -> Self {
        self.limit = Some((limit, offset));
        self
    }

    pub fn header(mut self, name: &str, value: XVal) -> Self {
        self.extra_headers.push((name.to_string(), value));
        self
    }

    pub fn arg(mut self, value: XVal) -> Self {
        self.args.push(value);
        self
    }

    pub fn version(mut self, version: &str) -> Self {
        self.version = version.to_string();
        self
    }

    pub fn path(&self) -> String {
        format!("/xmlrpc/{}/{}", self.version, self.service)
    }

    pub fn headers(&self) -> XVal {
        let mut headers = Vec::new();
        if let Some((username, api_key)) = &self.auth {
            headers.push((
                "authenticate".to_string(),
                xstruct(&[("username", xstr(username)), ("apiKey", xstr(api_key))]),
            ));
        }
        if let Some(id) = &self.init_id {
            headers.push((
                format!("{}InitParameters", self.service),
                xstruct(&[("id", id.clone())]),
            ));
        }
        if let Some(mask) = &self.mask {
            headers.push((
                "SoftLayer_ObjectMask".to_string(),
                xstruct(&[("mask", xstr(mask))]),
            ));
        }
        if let Some(filter) = &self.filter {
            headers.push((format!("{}ObjectFilter", self.service), filter.clone()));
        }
        if let Some((limit, offset)) = self.limit {
            headers.push((
                "resultLimit".to_string(),
                xstruct(&[("limit", xint(limit)), ("offset", xint(offset))]),
            ));
        }
        headers.extend(self.extra_headers.iter().cloned());
        XVal::Struct(headers)
    }

    pub fn body(&self) -> String {
        let mut out =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>");
        escape_into(&self.method, &mut out);
        out.push_str("</methodName><params>");
        let first = XVal::Struct(vec![("headers".to_string(), self.headers())]);
        for value in std::iter::once(&first).chain(self.args.iter()) {
            out.push_str("<param>");
            value.write_xml(&mut out);
            out.push_str("</param>");
        }
        out.push_str("</params></methodCall>\n");
        out
    }
}

// ---------------------------------------------------------------------------
// XML-RPC responses
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// A `<string>`: the protocol fault's number ('-32602' …) or the exception class.
    pub code: XVal,
    pub string: String,
}

impl Fault {
    /// The fault code as text: `-32602` or `SoftLayer_Exception_ObjectNotFound`.
    pub fn code_text(&self) -> String {
        match &self.code {
            XVal::Int(i) => i.to_string(),
            XVal::Str(s) => s.clone(),
            other => format!("{other:?}"),
        }
    }
}

/// An XML-RPC exchange: the request sent, the HTTP answer and its meaning.
#[derive(Debug)]
pub struct XmlRpcReply {
    pub request: String,
    pub path: String,
    pub http: HttpResponse,
    pub outcome: Result<XVal, Fault>,
}

impl XmlRpcReply {
    /// The result; panics with the whole exchange if the call faulted.
    pub fn ok(&self) -> &XVal {
        match &self.outcome {
            Ok(v) => v,
            Err(f) => panic!(
                "XML-RPC call faulted: {} / {:?}\n{}",
                f.code_text(),
                f.string,
                self.exchange()
            ),
        }
    }

    /// The fault; panics with the whole exchange if the call succeeded.
    pub fn fault(&self) -> &Fault {
        match &self.outcome {
            Err(f) => f,
            Ok(v) => panic!("expected a fault, got a result {v:?}\n{}", self.exchange()),
        }
    }

    /// The `SoftLayer-Total-Items` header, if sent.
    pub fn total_items(&self) -> Option<u64> {
        self.http.header("SoftLayer-Total-Items").map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad SoftLayer-Total-Items {v:?}"))
        })
    }

    /// Request and response, for failure messages.
    pub fn exchange(&self) -> String {
        format!(
            "--- request: POST {} ---\n{}\n--- response ---\n{}",
            self.path,
            self.request,
            self.http.describe()
        )
    }
}

/// A parsed element: name, children (elements and text, in order).
#[derive(Debug)]
struct Elem {
    name: String,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Elem(Elem),
    Text(String),
}

impl Elem {
    fn elems(&self) -> impl Iterator<Item = &Elem> {
        self.children.iter().filter_map(|n| match n {
            Node::Elem(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    fn child(&self, name: &str) -> Option<&Elem> {
        self.elems().find(|e| e.name == name)
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for n in &self.children {
            if let Node::Text(t) = n {
                out.push_str(t);
            }
        }
        out
    }
}

/// Decodes the response body: UTF-8, or ISO-8859-1 when it says so and is
/// not valid UTF-8.
fn decode_document(bytes: &[u8]) -> Result<String, String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(100)]).to_lowercase();
            if head.contains("iso-8859-1") || head.contains("latin-1") {
                Ok(bytes.iter().map(|&b| b as char).collect())
            } else {
                Err(format!("body is not UTF-8: {e}"))
            }
        }
    }
}

fn parse_tree(doc: &str) -> Result<Elem, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut stack: Vec<Elem> = Vec::new();
    let mut root: Option<Elem> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                stack.push(Elem {
                    name,
                    children: Vec::new(),
                });
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let elem = Elem {
                    name,
                    children: Vec::new(),
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Elem(elem)),
                    None => {
                        if root.replace(elem).is_some() {
                            return Err("more than one root element".into());
                        }
                    }
                }
            }
            Event::End(_) => {
                let elem = stack.pop().ok_or("unbalanced end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Elem(elem)),
                    None => {
                        if root.replace(elem).is_some() {
                            return Err("more than one root element".into());
                        }
                    }
                }
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map_err(|e| format!("bad text: {e}"))?
                    .into_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text(text));
                } else if !text.trim().is_empty() {
                    return Err(format!("text outside the root element: {text:?}"));
                }
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t.into_inner()).into_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text(text));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!(
            "document ends inside <{}>",
            stack.last().unwrap().name
        ));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn parse_value(value: &Elem) -> Result<XVal, String> {
    if value.name != "value" {
        return Err(format!("expected <value>, found <{}>", value.name));
    }
    let Some(typed) = value.elems().next() else {
        // No type element: a string.
        return Ok(XVal::Str(value.text()));
    };
    if value.elems().count() > 1 {
        return Err("<value> with more than one child element".into());
    }
    let text = typed.text();
    let number = |t: &str| -> Result<i64, String> {
        t.trim()
            .parse::<i64>()
            .map_err(|_| format!("bad <{}> {:?}", typed.name, t))
    };
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => XVal::Int(number(&text)?),
        "boolean" => match text.trim() {
            "1" => XVal::Bool(true),
            "0" => XVal::Bool(false),
            other => return Err(format!("bad <boolean> {other:?}")),
        },
        "string" => XVal::Str(text),
        "double" => XVal::Double(
            text.trim()
                .parse()
                .map_err(|_| format!("bad <double> {text:?}"))?,
        ),
        "dateTime.iso8601" => XVal::DateTime(text.trim().to_string()),
        "base64" => XVal::Base64(text.split_whitespace().collect()),
        "nil" => XVal::Nil,
        "array" => {
            let data = typed.child("data").ok_or("<array> without <data>")?;
            XVal::Array(data.elems().map(parse_value).collect::<Result<_, _>>()?)
        }
        "struct" => {
            let mut members = Vec::new();
            for member in typed.elems() {
                if member.name != "member" {
                    return Err(format!("<struct> holds <{}>", member.name));
                }
                let name = member
                    .child("name")
                    .ok_or("<member> without <name>")?
                    .text();
                let value = member.child("value").ok_or("<member> without <value>")?;
                members.push((name, parse_value(value)?));
            }
            XVal::Struct(members)
        }
        other => return Err(format!("unknown value type <{other}>")),
    })
}

/// Parses an XML-RPC response: `Ok(Ok(value))`, `Ok(Err(fault))`, or `Err` when
/// the document is not a well-formed XML-RPC response. A result is a bare `<params>`
/// document, as the real API sends it (softlayer-go's decoder relies on that shape); a
/// fault is a `<methodResponse>` holding `<fault>`. A `<methodResponse>` holding
/// `<params>` is accepted too.
pub fn parse_method_response(body: &[u8]) -> Result<Result<XVal, Fault>, String> {
    let doc = decode_document(body)?;
    let root = parse_tree(&doc)?;
    let params = match root.name.as_str() {
        "params" => Some(&root),
        "methodResponse" => root.child("params"),
        other => return Err(format!("root element is <{other}>")),
    };
    if let Some(fault) = root
        .child("fault")
        .filter(|_| root.name == "methodResponse")
    {
        let value = fault.child("value").ok_or("<fault> without <value>")?;
        let value = parse_value(value)?;
        let code = value
            .get("faultCode")
            .cloned()
            .ok_or("fault without faultCode")?;
        let string = value
            .get("faultString")
            .and_then(|s| s.as_str())
            .ok_or("fault without a faultString string")?
            .to_string();
        return Ok(Err(Fault { code, string }));
    }
    let params = params.ok_or("methodResponse without <params> or <fault>")?;
    let params: Vec<&Elem> = params.elems().collect();
    if params.len() != 1 {
        return Err(format!(
            "methodResponse has {} params, expected 1",
            params.len()
        ));
    }
    let value = params[0].child("value").ok_or("<param> without <value>")?;
    Ok(Ok(parse_value(value)?))
}

// ---------------------------------------------------------------------------
// Ticket helpers over raw XML-RPC
// ---------------------------------------------------------------------------

/// Ids of an array of structs.
pub fn ids_of(list: &XVal) -> BTreeSet<i64> {
    list.array()
        .iter()
        .map(|item| item.member("id").int())
        .collect()
}

/// Ids of all the tickets of the user's account (`SoftLayer_Account::getTickets`).
pub fn account_ticket_ids(server: &Server, user: &User) -> BTreeSet<i64> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Account", "getTickets")
            .auth(user)
            .mask("mask[id]"),
    );
    ids_of(reply.ok())
}

/// The one ticket id in `after` that is not in `before`.
pub fn the_new_ticket(before: &BTreeSet<i64>, after: &BTreeSet<i64>, context: &str) -> i64 {
    let new: Vec<i64> = after.difference(before).copied().collect();
    assert_eq!(
        new.len(),
        1,
        "expected exactly one new ticket on the account, found {new:?}\n{context}"
    );
    new[0]
}

/// Creates a standard ticket with `SoftLayer_Ticket::createStandardTicket`
/// (as softlayer-python does: subjectId, assignedUserId, title; body) and
/// returns its id.
pub fn create_standard_ticket(
    server: &Server,
    user: &User,
    subject_id: i64,
    title: &str,
    body: &str,
) -> i64 {
    let template = xstruct(&[
        ("subjectId", xint(subject_id)),
        ("assignedUserId", xint(user.id)),
        ("title", xstr(title)),
    ]);
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "createStandardTicket")
            .auth(user)
            .arg(template)
            .arg(xstr(body)),
    );
    reply.ok().member("id").int()
}

/// Ids of the hardware attached to a ticket (`SoftLayer_Ticket::getAttachedHardware`).
pub fn attached_hardware(server: &Server, user: &User, ticket: i64) -> BTreeSet<i64> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getAttachedHardware")
            .auth(user)
            .id(ticket),
    );
    ids_of(reply.ok())
}

/// Ids of the virtual guests attached to a ticket (`SoftLayer_Ticket::getAttachedVirtualGuests`).
pub fn attached_virtual_guests(server: &Server, user: &User, ticket: i64) -> BTreeSet<i64> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getAttachedVirtualGuests")
            .auth(user)
            .id(ticket),
    );
    ids_of(reply.ok())
}

/// The entries of a ticket's updates, oldest first, through
/// `SoftLayer_Ticket::getObject` with mask `mask[id,updates[id,entry]]`.
pub fn ticket_entries(server: &Server, user: &User, ticket: i64) -> Vec<String> {
    let reply = server.xmlrpc(
        &XmlRpcCall::new("SoftLayer_Ticket", "getObject")
            .auth(user)
            .id(ticket)
            .mask("mask[id,updates[id,entry]]"),
    );
    let ticket_value = reply.ok();
    assert_eq!(
        ticket_value.member("id").int(),
        ticket,
        "{}",
        reply.exchange()
    );
    let mut updates: Vec<(i64, String)> = ticket_value
        .member("updates")
        .array()
        .iter()
        .map(|u| (u.member("id").int(), u.member("entry").str().to_string()))
        .collect();
    updates.sort_by_key(|(id, _)| *id);
    updates.into_iter().map(|(_, entry)| entry).collect()
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Seconds since the epoch of a SoftLayer date, `2013-08-01T14:14:04-07:00`
/// (the offset may also be written `-0700`, or `Z`). Panics when malformed.
pub fn epoch_seconds(date: &str) -> i64 {
    let bad = || -> ! { panic!("not an ISO 8601 date with offset: {date:?}") };
    let b = date.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        bad();
    }
    let num = |r: std::ops::Range<usize>| -> i64 {
        date.get(r)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or_else(|| bad())
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let mut rest = &date[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        rest = &frac[digits..];
    }
    let offset = if rest == "Z" {
        0
    } else {
        let sign = match rest.as_bytes().first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => bad(),
        };
        let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            bad();
        }
        let h: i64 = digits[..2].parse().unwrap();
        let m: i64 = digits[2..].parse().unwrap();
        sign * (h * 3600 + m * 60)
    };
    // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hour * 3600 + minute * 60 + second - offset
}

// ---------------------------------------------------------------------------
// slcli
// ---------------------------------------------------------------------------

/// The virtual environment with softlayer-python, from `SL_TEST_VENV`.
/// Panics (the test fails) when it is not there: the client tests must run,
/// not be skipped.
pub fn test_venv() -> PathBuf {
    let hint = "run the tests with ./scripts/test.sh, which creates target/test-venv with \
                SoftLayer==6.2.9 and exports SL_TEST_VENV";
    let venv = match std::env::var_os("SL_TEST_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => panic!("SL_TEST_VENV is not set: {hint}"),
    };
    let slcli = venv.join("bin").join("slcli");
    if !slcli.is_file() {
        panic!("SL_TEST_VENV={} has no bin/slcli: {hint}", venv.display());
    }
    venv
}

/// Runs a Python script in the test venv (softlayer-python 6.2.9) with `args`; its stdout.
pub fn venv_python(script: &str, args: &[&str]) -> String {
    let py = test_venv().join("bin").join("python");
    let out = std::process::Command::new(&py)
        .arg("-c")
        .arg(script)
        .args(args)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The result of one client run.
#[derive(Debug)]
pub struct CmdOutput {
    pub cmdline: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CmdOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout then stderr.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The command, exit status and outputs, for failure messages.
    pub fn describe(&self) -> String {
        format!(
            "$ {}\nexit status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmdline, self.code, self.stdout, self.stderr
        )
    }

    /// Panics unless the command exited 0.
    pub fn assert_ok(&self) -> &Self {
        assert!(self.success(), "command failed\n{}", self.describe());
        self
    }

    /// Panics unless the command exited non-zero.
    pub fn assert_failed(&self) -> &Self {
        assert!(
            self.code.is_some() && !self.success(),
            "command should have failed\n{}",
            self.describe()
        );
        self
    }

    /// stdout parsed as JSON; the command must have exited 0.
    pub fn json(&self) -> serde_json::Value {
        self.assert_ok();
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", self.describe()))
    }
}

/// `slcli` configured for one user against one server.
pub struct Slcli {
    bin: PathBuf,
    dir: TempDir,
    config: PathBuf,
    endpoint: String,
}

/// The transport slcli speaks: softlayer-python picks `RestTransport` when the
/// endpoint URL contains `/rest`, `XmlRpcTransport` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    XmlRpc,
    Rest,
}

impl Transport {
    fn endpoint(self, server: &Server) -> String {
        match self {
            Transport::XmlRpc => format!("{}/xmlrpc/v3.1/", server.base_url()),
            Transport::Rest => format!("{}/rest/v3.1/", server.base_url()),
        }
    }
}

impl Slcli {
    pub fn new(server: &Server, user: &User) -> Slcli {
        Slcli::with_key(server, user.username, user.api_key)
    }

    /// Any username and key, e.g. a wrong key.
    pub fn with_key(server: &Server, username: &str, api_key: &str) -> Slcli {
        Slcli::over(server, username, api_key, Transport::XmlRpc)
    }

    /// slcli for `username`/`api_key` over `transport`.
    pub fn over(server: &Server, username: &str, api_key: &str, transport: Transport) -> Slcli {
        let bin = test_venv().join("bin").join("slcli");
        let dir = TempDir::new("slcli");
        let endpoint = transport.endpoint(server);
        let config = dir.path().join("softlayer.conf");
        let text = format!(
            "[softlayer]\nusername = {username}\napi_key = {api_key}\nendpoint_url = {endpoint}\ntimeout = 30\n"
        );
        std::fs::write(&config, text).expect("write slcli config");
        std::fs::create_dir_all(dir.path().join("home")).expect("create HOME for slcli");
        Slcli {
            bin,
            dir,
            config,
            endpoint,
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// `slcli --config FILE --format json ARGS…`, stdin closed.
    pub fn run(&self, args: &[&str]) -> CmdOutput {
        let config = self.config.to_str().expect("config path is UTF-8");
        let mut full: Vec<&str> = vec!["--config", config, "--format", "json"];
        full.extend_from_slice(args);
        self.run_raw(&full)
    }

    /// `slcli ARGS…` exactly as given (stdin closed).
    pub fn run_raw(&self, args: &[&str]) -> CmdOutput {
        let cmdline = std::iter::once(self.bin.display().to_string())
            .chain(args.iter().map(|a| shell_quote(a)))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("HOME", self.dir.path().join("home"))
            .env("PYTHONIOENCODING", "utf-8")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        for var in [
            "SL_USERNAME",
            "SL_API_KEY",
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "REQUESTS_CA_BUNDLE",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        let out: SharedBuf = Arc::new(Mutex::new(Vec::new()));
        let err: SharedBuf = Arc::new(Mutex::new(Vec::new()));
        let t_out = drain_into(child.stdout.take().unwrap(), out.clone());
        let t_err = drain_into(child.stderr.take().unwrap(), err.clone());
        let deadline = Instant::now() + SLCLI_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait on slcli") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let _ = t_out.join();
                let _ = t_err.join();
                panic!(
                    "slcli did not finish within {SLCLI_TIMEOUT:?}\n$ {cmdline}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    buf_text(&out),
                    buf_text(&err)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = t_out.join();
        let _ = t_err.join();
        CmdOutput {
            cmdline,
            code: status.code(),
            stdout: buf_text(&out),
            stderr: buf_text(&err),
        }
    }
}

fn shell_quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Collapses runs of whitespace to one space (slcli re-wraps long entries).
pub fn squash_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The seed file `fixtures/seed/NAME.json`, parsed.
pub fn seed(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/seed")
        .join(format!("{name}.json"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}
