#!/usr/bin/env bash
# Benchmark: deep pages of a million tickets (resultLimit offsets anywhere in the list, as
# a client paging through everything reaches them), in orders an index serves and orders
# only a sort gives. Every page is compared with the first page of the same list and
# order, measured in the same run (the baseline: what a shallow page of that order costs).
#
#   bench/deep-pages.sh                        (seeds a fresh database; ~2 minutes)
#   BENCH_DB=/path/1m.db bench/deep-pages.sh   (reuses a seeded database; it is migrated
#                                               in place if older)
#   BENCH_BASE_BIN=/path/older-binary ...      (also runs every request against that build,
#                                               on a copy of the database, and compares)
#
# For getTickets and getClosedTickets, each order (title, priority, createDate,
# lastEditDate, id, assignedUser.firstName; ascending and descending) and BENCH_PAGES
# (8) offsets drawn at random over the list plus the middle and the last page, it sends
# one XML-RPC call with resultLimit 25 over a keep-alive connection to a server started
# with --no-reply-cache, and reports per order the median and the slowest page, the
# first page's time, and every answer's digest (equal across builds when a base build is
# given). Loopback only, bounded in time, cleans up after itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TICKETS="${BENCH_TICKETS:-1000000}"
PAGES="${BENCH_PAGES:-8}"
. bench/common.sh
command -v python3 >/dev/null || die "python3 is needed"

build_server
bench_workdir sl-deep-bench

# start BINARY DATABASE: a server of BINARY on DATABASE, ready; sets PORT to its port.
start() {
    PORT=$(free_port)
    BIN="$1" start_server "$PORT" "$WORK/server-$PORT.log" 600 --no-reply-cache --db "$2"
}

bench_database "$WORK" "$TICKETS"
BASE_PORT=""
if [ -n "${BENCH_BASE_BIN:-}" ]; then
    say "copying the database for the base build"
    cp "$DB" "$WORK/base.db"
    start "$BENCH_BASE_BIN" "$WORK/base.db"
    BASE_PORT=$PORT
fi
start "$BIN" "$DB"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other work skews the numbers)"
timeout 3600 python3 - "$PORT" "$PAGES" "$BASE_PORT" <<'PY'
import hashlib, http.client, os, random, sys, time, xmlrpc.client
port, pages, base_port = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
KEY = os.environ["DEMO_API_KEY"]
conns = {p: http.client.HTTPConnection("127.0.0.1", int(p), timeout=120) for p in [port, base_port] if p}

def call(p, method, filt, offset):
    headers = {"authenticate": {"username": "demo", "apiKey": KEY},
               "SoftLayer_AccountObjectFilter": filt,
               "SoftLayer_ObjectMask": {"mask": "mask[id,title,priority,createDate]"},
               "resultLimit": {"limit": 25, "offset": offset}}
    body = xmlrpc.client.dumps(({"headers": headers},), method).encode()
    t = time.perf_counter()
    conns[p].request("POST", "/xmlrpc/v3.1/SoftLayer_Account", body, {"Content-Type": "text/xml"})
    r = conns[p].getresponse()
    data = r.read()
    dt = (time.perf_counter() - t) * 1000
    fault = r.status != 200 or b"<fault>" in data[:2000]
    return dt, int(r.getheader("SoftLayer-Total-Items") or -1), hashlib.md5(data).hexdigest()[:8], fault

def by(path, direction):
    leaf = {"operation": "orderBy", "options": [{"name": "sort", "value": [direction]}]}
    for name in reversed(path):
        leaf = {name: leaf}
    return leaf

rng = random.Random(14)
lists = [("getTickets", "tickets"), ("getClosedTickets", "closedTickets")]
orders = [["title"], ["priority"], ["createDate"], ["lastEditDate"], ["id"], ["assignedUser", "firstName"]]
print("| list | order | first page | median page | slowest page (offset) | ratio median/first |"
      + (" base median | base slowest | equal answers |" if base_port else ""))
print("|---|---|---:|---:|---:|---:|" + ("---:|---:|---|" if base_port else ""))
worst_all, medians = 0.0, []
for method, key in lists:
    for path in orders:
        for direction in ["ASC", "DESC"]:
            filt = {key: by(path, direction)}
            first, total, _, fault = call(port, method, filt, 0)
            if fault or total < 1:
                print(f"| {method} | {'.'.join(path)} {direction} | FAULT ({first:.0f} ms) | | | |", flush=True)
                continue
            first = min(first, call(port, method, filt, 0)[0])
            offsets = [rng.randrange(0, total) for _ in range(pages)] + [total // 2, total - 25]
            times, base_times, equal = [], [], True
            for offset in offsets:
                dt, _, digest, fault = call(port, method, filt, offset)
                times.append((dt, offset, fault))
                if base_port:
                    bdt, _, bdigest, bfault = call(base_port, method, filt, offset)
                    base_times.append((bdt, offset, bfault))
                    equal &= digest == bdigest or bfault
            s = sorted(times)
            median, slowest = s[len(s) // 2], s[-1]
            worst_all = max(worst_all, slowest[0]); medians.append(median[0])
            faults = sum(f for _, _, f in times)
            row = (f"| {method} | {'.'.join(path)} {direction} | {first:.1f} ms | {median[0]:.1f} ms | "
                   f"{slowest[0]:.1f} ms ({slowest[1]}){' FAULTS: %d' % faults if faults else ''} | {median[0] / first:.1f} |")
            if base_port:
                b = sorted(base_times)
                bfaults = sum(f for _, _, f in base_times)
                row += (f" {b[len(b) // 2][0]:.1f} ms | {b[-1][0]:.1f} ms ({b[-1][1]})"
                        f"{' faults: %d' % bfaults if bfaults else ''} | {'yes' if equal else 'NO'} |")
            print(row, flush=True)
medians.sort()
print(f"\nslowest page of all: {worst_all:.0f} ms; median of the orders' medians: {medians[len(medians) // 2]:.1f} ms "
      f"(the SQL time budget is 10,000 ms: a page past it is a fault)")
PY
