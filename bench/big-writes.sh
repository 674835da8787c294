#!/usr/bin/env bash
# Benchmark: peak memory of many big authenticated writes at once (bounded work).
#
#   bash bench/big-writes.sh                          (this build)
#   BENCH_BASE_BIN=/path/old-build bash bench/big-writes.sh
#                                                     (and another, for the ratio)
#
# Starts the server on a fresh seeded database and sends BENCH_CLIENTS (16) XML-RPC
# SoftLayer_Ticket::addUpdate calls at once, each on its own connection, each with an
# entry of BENCH_ENTRY_BYTES (15 MiB; SLDN: split into 3,900-character updates, about
# 4,000 of them, and a reply of about 16 MB). Prints the server's peak resident memory
# (VmHWM), the time until the last answer, the slowest and median call, and how many
# answered 200 without a fault; with BENCH_BASE_BIN, the same for that build and the
# ratios. Each call is checked: a fault or another status fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CLIENTS="${BENCH_CLIENTS:-16}"
ENTRY_BYTES="${BENCH_ENTRY_BYTES:-15728640}"
. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed"
build_server
bench_workdir sl-big-writes-bench

# measure BIN NAME: prints "peak_kB elapsed_s slowest_s median_s".
measure() {
    local bin="$1" name="$2" port
    port=$(free_port)
    BIN="$bin" start_server "$port" "$WORK/$name.log" 60 --db "$WORK/$name.sqlite3"
    local result
    result=$(python3 - "$port" "$CLIENTS" "$ENTRY_BYTES" <<'PY'
import os, socket, sys, threading, time
port, clients, size = (int(a) for a in sys.argv[1:4])
key = os.environ["DEMO_API_KEY"]
body = ("<?xml version='1.0'?><methodCall><methodName>addUpdate</methodName><params><param>"
        "<value><struct><member><name>headers</name><value><struct>"
        "<member><name>authenticate</name><value><struct>"
        "<member><name>username</name><value><string>demo</string></value></member>"
        f"<member><name>apiKey</name><value><string>{key}</string></value></member>"
        "</struct></value></member>"
        "<member><name>SoftLayer_TicketInitParameters</name><value><struct>"
        "<member><name>id</name><value><int>160000002</int></value></member>"
        "</struct></value></member></struct></value></member></struct></value></param>"
        "<param><value><struct><member><name>entry</name><value><string>"
        + "x" * size +
        "</string></value></member></struct></value></param></params></methodCall>").encode()
head = (f"POST /xmlrpc/v3.1/SoftLayer_Ticket HTTP/1.1\r\nHost: bench\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
took, bad = [], []
def call():
    started = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(300)
    s.sendall(head + body)
    chunks = []
    while True:
        data = s.recv(1 << 20)
        if not data:
            break
        chunks.append(data)
    s.close()
    reply = b"".join(chunks)
    took.append(time.monotonic() - started)
    if not reply.startswith(b"HTTP/1.1 200") or b"<name>faultCode</name>" in reply[:4096]:
        bad.append(reply[:300])
threads = [threading.Thread(target=call) for _ in range(clients)]
started = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started
if bad:
    sys.exit(f"{len(bad)} of {clients} calls failed, the first: {bad[0]!r}")
took.sort()
print(f"{elapsed:.1f} {took[-1]:.1f} {took[len(took) // 2]:.1f}")
PY
) || { stop_server; die "$name: the calls failed"; }
    local peak
    peak=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
    stop_server
    echo "$peak $result"
}

say "seeding the database"
BIN_BUILT="$BIN"
seed_database "$WORK/this.sqlite3" 0 120
cp "$WORK/this.sqlite3" "$WORK/base.sqlite3"

report() {
    local name="$1" bin="$2" peak elapsed slowest median
    read -r peak elapsed slowest median <<<"$3"
    printf '  %s (%s): peak RSS %s MB; all %s answered 200 in %s s (slowest %s s, median %s s)\n' \
        "$name" "$bin" "$((peak / 1024))" "$CLIENTS" "$elapsed" "$slowest" "$median"
}

say "measuring $BIN_BUILT"
THIS=$(measure "$BIN_BUILT" this)
printf '\n%s addUpdate calls at once, each with a %s-byte entry:\n' "$CLIENTS" "$ENTRY_BYTES"
report "this build" "$BIN_BUILT" "$THIS"
if [ -n "${BENCH_BASE_BIN:-}" ]; then
    say "measuring $BENCH_BASE_BIN"
    BASE=$(measure "$BENCH_BASE_BIN" base)
    report "base build" "$BENCH_BASE_BIN" "$BASE"
    python3 -c "
this, base = '$THIS'.split(), '$BASE'.split()
print(f'  ratio this/base: peak RSS {int(this[0]) / int(base[0]):.2f}, time to the last answer {float(this[1]) / float(base[1]):.2f}')"
fi
