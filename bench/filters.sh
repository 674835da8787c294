#!/usr/bin/env bash
# Benchmark: object filters, ordering and limits at a million tickets.
#
#   bench/filters.sh
#
# What it does, all on 127.0.0.1 and bounded in time, cleaning up after itself:
#   1. builds the server in release;
#   2. creates a database in a temporary directory and adds 1,000,000 synthetic
#      tickets to the demo account (`softlayer-ticket-server seed --db PATH
#      --synthetic-tickets N`: about five updates each, some attachments, six years of
#      dates), timing it;
#   3. starts the server on it and, after a warm-up, sends sequentially:
#      a. SoftLayer_Account::getOpenTickets with filter
#         {openTickets: {priority: {operation: 1}, createDate: {operation: orderBy, sort DESC}}}
#         and resultLimit 25 (target: p50 under 5 ms);
#      b. SoftLayer_Account::getTickets with filter {tickets: {title: {operation: "*= disk"}}}
#         and resultLimit 25 (target: under 200 ms);
#      and reports p50/p99 of each, with the SoftLayer-Total-Items they report;
#   4. asks SoftLayer_Account::getTickets with resultLimit 100000 (default properties)
#      and reports the server's peak resident memory (VmHWM from /proc) before and
#      after, and how long the answer took (target: peak under 200 MB);
#   5. prints the results as a Markdown table for the README.
#
# Tunables (environment): BENCH_TICKETS (1000000), BENCH_REQUESTS (200 per query),
# BENCH_BIG_LIST (100000), BENCH_SEED (1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-1000000}"
REQUESTS="${BENCH_REQUESTS:-200}"
BIG_LIST="${BENCH_BIG_LIST:-100000}"
SEED="${BENCH_SEED:-1}"

. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed for the HTTP client"
[ -r /proc/self/status ] || die "/proc is needed to read the server's peak memory"

build_server
"$BIN" seed --help 2>/dev/null | grep -q -- '--synthetic-tickets' \
    || die "this build has no 'seed --synthetic-tickets' subcommand"

bench_workdir sl-filters-bench

DB="$WORK/bench.sqlite3"
say "generating $TICKETS synthetic tickets in $DB"
start=$(date +%s.%N)
seed_database "$DB" "$TICKETS" 900 --seed "$SEED"
end=$(date +%s.%N)
SEED_SECONDS=$(python3 -c "print(f'{$end - $start:.1f}')")
DB_MB=$(( $(stat -c %s "$DB") / 1048576 ))
say "seeded in ${SEED_SECONDS}s (database ${DB_MB} MB)"

PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 20 --db "$DB"

say "measuring ($REQUESTS requests per query)"
timeout 1800 python3 - "$PORT" "$SERVER_PID" "$REQUESTS" "$BIG_LIST" "$TICKETS" "$SEED_SECONDS" "$DB_MB" <<'PY'
import http.client, os, sys, time, xmlrpc.client

port, pid, requests, big, tickets, seed_seconds, db_mb = sys.argv[1:8]
port, requests, big = int(port), int(requests), int(big)
KEY = os.environ["DEMO_API_KEY"]


def call(service, method, filt=None, mask=None, limit=None):
    headers = {"authenticate": {"username": "demo", "apiKey": KEY}}
    if filt is not None:
        headers[service + "ObjectFilter"] = filt
    if mask:
        headers["SoftLayer_ObjectMask"] = {"mask": mask}
    if limit:
        headers["resultLimit"] = {"limit": limit, "offset": 0}
    body = xmlrpc.client.dumps(({"headers": headers},), method).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t = time.perf_counter()
    conn.request("POST", f"/xmlrpc/v3.1/{service}", body, {"Content-Type": "text/xml"})
    r = conn.getresponse()
    size = 0
    while True:
        chunk = r.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
        if size <= 4096 and b"<fault>" in chunk:
            raise SystemExit(f"{method} faulted: {chunk[:2000]!r}")
    dt = time.perf_counter() - t
    total = r.getheader("SoftLayer-Total-Items")
    conn.close()
    if r.status != 200:
        raise SystemExit(f"{method}: HTTP {r.status}")
    return dt, total, size


def hwm_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def series(name, n, **kw):
    for _ in range(5):
        call(**kw)
    times = []
    total = None
    for _ in range(n):
        dt, total, _ = call(**kw)
        times.append(dt * 1000)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return name, p50, p99, total


order_desc = {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}
rows = [
    series("getOpenTickets, priority 1, orderBy createDate DESC, limit 25", requests,
           service="SoftLayer_Account", method="getOpenTickets",
           filt={"openTickets": {"priority": {"operation": 1}, "createDate": order_desc}},
           mask="mask[id,title,priority,createDate,status[name]]", limit=25),
    series("getTickets, title *= disk, limit 25", requests,
           service="SoftLayer_Account", method="getTickets",
           filt={"tickets": {"title": {"operation": "*= disk"}}},
           mask="mask[id,title]", limit=25),
]
before = hwm_kb()
dt, total, size = call(service="SoftLayer_Account", method="getTickets", limit=big)
after = hwm_kb()

print()
print(f"Synthetic tickets: {int(tickets):,} (seeded in {seed_seconds} s, database {db_mb} MB)")
print()
print("| query | p50 | p99 | SoftLayer-Total-Items |")
print("|---|---|---|---|")
for name, p50, p99, total in rows:
    print(f"| {name} | {p50:.2f} ms | {p99:.2f} ms | {total} |")
print()
print(f"| {big:,}-ticket getTickets list | time | reply size | server peak RSS before | during |")
print("|---|---|---|---|---|")
print(f"| resultLimit {big} | {dt:.2f} s | {size / 1048576:.1f} MB | {before / 1024:.1f} MB | {after / 1024:.1f} MB |")
PY
