#!/usr/bin/env bash
# Benchmark: the server under abuse (issue 10, items 1-4).
#
#   bench/abuse.sh
#
# All on 127.0.0.1, bounded in time, cleaning up after itself:
#   1. builds the server (release), seeds a database file with BENCH_TICKETS synthetic
#      tickets (20,000) and starts the server on it;
#   2. measures BENCH_PHASE seconds (10) with no abuse ("before"), the same with the abuse
#      running ("during"), and the same after it stopped ("after"). In each phase:
#        - GET /health every 20 ms: p99;
#        - a normal XML-RPC SoftLayer_Ticket::getObject (mask[id,title,status[name],
#          updates[entry,editor]]) every 50 ms: p99;
#        - a well-behaved writer: SoftLayer_Ticket::addUpdate every 200 ms: how many
#          succeeded, failed, and the slowest;
#        - the server's RSS and its write-ahead log's size, sampled every 250 ms: max;
#   3. the abuse, each part a bounded loop started at the beginning of "during":
#        1. mask fan-out: BENCH_FANOUT clients (4) calling getObject with
#           mask[updates.ticket.updates.ticket.updates.ticket.updates.ticket.updates.id] on a
#           ticket with 10 updates, back to back;
#        2. stalled readers: BENCH_STALLED connections (150) that each ask for the whole
#           ticket list (about 4 MB streamed) and never read it;
#        3. trickled bodies: BENCH_TRICKLE connections (100) sending headers with
#           Content-Length: 1000 (half of them declaring 20 MiB) and then nothing;
#        4. big bodies: BENCH_BIG clients (4) posting 16 MiB unauthenticated XML-RPC
#           bodies, back to back;
#        5. recorded replies: BENCH_RECORDED clients (2) asking getObject with
#           mask[id,updates[entry]] of 20 tickets with 15 long updates each (replies of
#           about 60 KB, each of which the request journal keeps), back to back;
#        6. unread downloads: BENCH_UNREAD connections (60) that each ask for a 10 MiB
#           attachment (getAttachedFile, a 14 MB whole reply) and never read it;
#        7. journal readers: BENCH_JOURNAL clients (8) reading the control API's request
#           journal (GET /_emulator/journal?limit=10000, the recorded replies' tens of MB),
#           back to back, as a test harness polling it in parallel would.
#
# Targets during the abuse: /health p99 < 50 ms, getObject p99 < 100 ms, RSS < 400 MB,
# WAL < 32 MB, the writer never fails nor waits more than 1 s.
#
# Tunables (environment): BENCH_TICKETS, BENCH_PHASE, BENCH_FANOUT, BENCH_STALLED,
# BENCH_TRICKLE, BENCH_BIG, BENCH_RECORDED, BENCH_UNREAD, BENCH_JOURNAL.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-20000}"
PHASE="${BENCH_PHASE:-10}"

. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed for the clients"

build_server

bench_workdir sl-abuse-bench

DB="$WORK/abuse.sqlite3"
say "generating $TICKETS synthetic tickets in $DB"
seed_database "$DB" "$TICKETS" 600

# Room for the abusive connections (the issue measured with a limit of 256).
ulimit -n 1024 2>/dev/null || true
PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 20 --db "$DB" --no-reply-cache --admin-token bench

say "measuring: ${PHASE}s before, during and after the abuse"
timeout 900 python3 - "$PORT" "$SERVER_PID" "$DB" "$PHASE" <<'PY'
import http.client, os, socket, sys, threading, time, xmlrpc.client

port, pid, db, phase = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
env = lambda k, d: int(os.environ.get(k, d))
FANOUT, STALLED, TRICKLE, BIG = env("BENCH_FANOUT", 4), env("BENCH_STALLED", 150), env("BENCH_TRICKLE", 100), env("BENCH_BIG", 4)
RECORDED = env("BENCH_RECORDED", 2)
UNREAD = env("BENCH_UNREAD", 60)
JOURNAL = env("BENCH_JOURNAL", 8)
KEY = os.environ["DEMO_API_KEY"]
AUTH = {"username": "demo", "apiKey": KEY}
TICKET = 160000001


def call_body(method, headers, *args):
    return xmlrpc.client.dumps(({"headers": headers},) + args, method).encode()


def post(conn, service, body):
    conn.request("POST", f"/xmlrpc/v3.1/{service}", body, {"Content-Type": "text/xml"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data


def init(mask=None):
    h = {"authenticate": AUTH, "SoftLayer_TicketInitParameters": {"id": TICKET}}
    if mask:
        h["SoftLayer_ObjectMask"] = {"mask": mask}
    return h


# Ten updates on the fan-out ticket.
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for i in range(7):
    post(c, "SoftLayer_Ticket", call_body("addUpdate", init(), {"entry": f"setup {i}"}))
c.close()

# Twenty open tickets with fifteen long updates each, for the recorded replies.
import sqlite3
LONG = [r[0] for r in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
    "SELECT id FROM SoftLayer_Ticket WHERE accountId = 1001 AND statusId <> 1002 "
    "AND id <> ? ORDER BY id LIMIT 20", (TICKET,))]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for t in LONG:
    for i in range(15):
        headers = {"authenticate": AUTH, "SoftLayer_TicketInitParameters": {"id": t}}
        post(c, "SoftLayer_Ticket", call_body("addUpdate", headers, {"entry": f"long {i} " * 480}))
c.close()
RECORDED_BODIES = [call_body("getObject", {"authenticate": AUTH, "SoftLayer_TicketInitParameters": {"id": t},
                                           "SoftLayer_ObjectMask": {"mask": "mask[id,updates[entry]]"}})
                   for t in LONG]

# A 10 MiB attachment, for the unread downloads.
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
BIG_FILE = bytes((i * 2654435761 >> 13) & 255 for i in range(10 * 1024 * 1024))
_, answer = post(c, "SoftLayer_Ticket", call_body(
    "addAttachedFile", init(), {"filename": "big.log", "data": xmlrpc.client.Binary(BIG_FILE)}))
c.close()
DOWNLOAD = call_body("getAttachedFile", init(), xmlrpc.client.loads(answer)[0][0]["id"])

GET_OBJECT = call_body("getObject", init("mask[id,title,status[name],updates[entry,editor]]"))
FAN_OUT = call_body("getObject", init("mask[" + ".ticket.".join(["updates"] * 5) + ".id]"))
LIST = call_body("getTickets", {"authenticate": AUTH})


def pct(xs, p=0.99):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def measure(seconds):
    """Probes, the writer and samples for `seconds`; returns the phase's numbers."""
    stop = time.monotonic() + seconds
    out = {"health": [], "get": [], "w_ok": 0, "w_fail": 0, "w_max": 0.0, "rss": 0, "wal": 0,
           "errors": []}

    def prober(key, spacing, do):
        conn = None
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                do(conn)
                out[key].append((time.perf_counter() - t) * 1000)
            except Exception as e:  # a timeout counts as the time it took
                out[key].append((time.perf_counter() - t) * 1000)
                out["errors"].append(f"{key}: {e!r}")
                conn = None
            time.sleep(spacing)

    def health(conn):
        conn.request("GET", "/health")
        r = conn.getresponse(); r.read()
        assert r.status == 200, r.status

    def get_object(conn):
        status, data = post(conn, "SoftLayer_Ticket", GET_OBJECT)
        assert status == 200 and b"<fault>" not in data, data[:200]

    def writer():
        conn = None
        n = 0
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, data = post(conn, "SoftLayer_Ticket",
                                    call_body("addUpdate", init(), {"entry": f"writer {n}"}))
                ok = status == 200 and b"<fault>" not in data
            except Exception as e:
                ok = False
                out["errors"].append(f"writer: {e!r}")
                conn = None
            took = time.perf_counter() - t
            out["w_max"] = max(out["w_max"], took)
            out["w_ok" if ok else "w_fail"] += 1
            n += 1
            time.sleep(0.2)

    def sampler():
        while time.monotonic() < stop:
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            out["rss"] = max(out["rss"], int(line.split()[1]) * 1024)
            except OSError:
                pass
            try:
                out["wal"] = max(out["wal"], os.path.getsize(db + "-wal"))
            except OSError:
                pass
            time.sleep(0.25)

    threads = [threading.Thread(target=prober, args=("health", 0.02, health)),
               threading.Thread(target=prober, args=("get", 0.05, get_object)),
               threading.Thread(target=writer), threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


abuse_stop = threading.Event()
abusers = []
held = []  # sockets the abuse keeps open until the phase ends


def fan_out():
    while not abuse_stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            post(c, "SoftLayer_Ticket", FAN_OUT)
            c.close()
        except Exception:
            time.sleep(0.1)


def stalled_readers():
    for _ in range(STALLED):
        if abuse_stop.is_set():
            return
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"POST /xmlrpc/v3.1/SoftLayer_Account HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(LIST) + LIST)
            held.append(s)  # never read
        except OSError:
            pass
        time.sleep(0.01)


def unread_downloads():
    for _ in range(UNREAD):
        if abuse_stop.is_set():
            return
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n" % len(DOWNLOAD)
                      + DOWNLOAD)
            held.append(s)  # never read
        except OSError:
            pass
        time.sleep(0.01)


def trickled_bodies():
    for i in range(TRICKLE):
        if abuse_stop.is_set():
            return
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            length = 20 * 1024 * 1024 if i % 2 else 1000
            s.sendall(b"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: text/xml\r\nContent-Length: %d\r\n\r\n<?xml" % length)
            held.append(s)  # then silence
        except OSError:
            pass
        time.sleep(0.01)


BIG_BODY = (b"<?xml version='1.0'?><methodCall><methodName>getObject</methodName><params>"
            b"<param><value><string>" + b"A" * (16 * 1024 * 1024 - 200) +
            b"</string></value></param></params></methodCall>")


def big_bodies():
    while not abuse_stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            post(c, "SoftLayer_Ticket", BIG_BODY)
            c.close()
        except Exception:
            time.sleep(0.1)


def recorded_replies():
    n = 0
    while not abuse_stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while not abuse_stop.is_set():
                post(c, "SoftLayer_Ticket", RECORDED_BODIES[n % len(RECORDED_BODIES)])
                n += 1
        except Exception:
            time.sleep(0.1)


def journal_readers():
    while not abuse_stop.is_set():
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("GET", "/_emulator/journal?limit=10000", headers={"Authorization": "Bearer bench"})
            c.getresponse().read()
            c.close()
        except Exception:
            time.sleep(0.1)


def start_abuse():
    for _ in range(FANOUT):
        abusers.append(threading.Thread(target=fan_out, daemon=True))
    abusers.append(threading.Thread(target=stalled_readers, daemon=True))
    abusers.append(threading.Thread(target=trickled_bodies, daemon=True))
    abusers.append(threading.Thread(target=unread_downloads, daemon=True))
    for _ in range(BIG):
        abusers.append(threading.Thread(target=big_bodies, daemon=True))
    for _ in range(RECORDED):
        abusers.append(threading.Thread(target=recorded_replies, daemon=True))
    for _ in range(JOURNAL):
        abusers.append(threading.Thread(target=journal_readers, daemon=True))
    for t in abusers:
        t.start()


def stop_abuse():
    abuse_stop.set()
    for s in held:
        try:
            s.close()
        except OSError:
            pass
    for t in abusers:
        t.join(timeout=60)


before = measure(phase)
start_abuse()
during = measure(phase)
stop_abuse()
after = measure(phase)

print()
print(f"Synthetic tickets: {os.environ.get('BENCH_TICKETS', '20000')}; phases of {phase:.0f} s; "
      f"abuse: {FANOUT} fan-out clients, {STALLED} stalled readers, {TRICKLE} trickled bodies, "
      f"{BIG} clients posting 16 MiB bodies, {RECORDED} clients asking for 60 KB replies, "
      f"{UNREAD} unread 14 MB downloads, {JOURNAL} journal readers")
print()
print("| | before | during | after | target during |")
print("|---|---:|---:|---:|---|")
row = lambda name, f, target: print(f"| {name} | {f(before)} | {f(during)} | {f(after)} | {target} |")
row("/health p99", lambda p: f"{pct(p['health']):.1f} ms", "< 50 ms")
row("getObject p99", lambda p: f"{pct(p['get']):.1f} ms", "< 100 ms")
row("server RSS (max)", lambda p: f"{p['rss'] / 1048576:.0f} MB", "< 400 MB")
row("WAL size (max)", lambda p: f"{p['wal'] / 1048576:.1f} MB", "< 32 MB")
row("addUpdate ok / failed", lambda p: f"{p['w_ok']} / {p['w_fail']}", "0 failed")
row("addUpdate slowest", lambda p: f"{p['w_max'] * 1000:.0f} ms", "< 1000 ms")
row("ratio to before (/health p99)", lambda p: f"{pct(p['health']) / pct(before['health']):.2f}", "")
for name, p in (("before", before), ("during", during), ("after", after)):
    if p["errors"]:
        print(f"\n{name}: {len(p['errors'])} probe errors, first: {p['errors'][0]}")
PY
