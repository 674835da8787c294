#!/usr/bin/env bash
# Benchmark: ticket lists at a million tickets, filtered by equality on each indexed
# property, for a rare and a common value, ordered every way, limited to 25 (issue 14,
# item 2: p50 < 5 ms and p99 < 15 ms for every combination).
#
#   bench/ticket-lists.sh                  (seeds a fresh database; ~2 minutes)
#   BENCH_DB=/path/1m.db bench/ticket-lists.sh   (reuses a seeded database; it is
#                                          migrated in place if older)
#
# For each of SoftLayer_Account::getTickets, getOpenTickets and getClosedTickets, each
# property (priority, subject, status, assignedUser, group, both as the local id column
# and through the relation's id), a rare and a common value (chosen from the data: the
# least and the most frequent), and orderBy createDate, lastEditDate or id, ASC and DESC,
# it sends BENCH_REQUESTS (10) XML-RPC calls with resultLimit 25 over one keep-alive
# connection to a server started with --no-reply-cache, and reports p50/p99 per property
# and list, the worst combination, and the whole distribution. The baseline is the
# server's answer to an unfiltered getTickets page in the same run (the cheapest list).
# Loopback only, bounded in time, cleans up after itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TICKETS="${BENCH_TICKETS:-1000000}"
REQUESTS="${BENCH_REQUESTS:-10}"
. bench/common.sh
command -v python3 >/dev/null || die "python3 is needed"

build_server
bench_workdir sl-lists-bench

bench_database "$WORK" "$TICKETS"
PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 600 --no-reply-cache --db "$DB"
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: other work skews the numbers)"
timeout 1800 python3 - "$PORT" "$DB" "$REQUESTS" <<'PY'
import http.client, itertools, os, sqlite3, sys, time, xmlrpc.client
port, db, requests = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
KEY = os.environ["DEMO_API_KEY"]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

def call(method, filt, limit=25):
    headers = {"authenticate": {"username": "demo", "apiKey": KEY},
               "SoftLayer_AccountObjectFilter": filt,
               "SoftLayer_ObjectMask": {"mask": "mask[id,title,priority,createDate,lastEditDate,statusId]"},
               "resultLimit": {"limit": limit, "offset": 0}}
    body = xmlrpc.client.dumps(({"headers": headers},), method).encode()
    t = time.perf_counter()
    conn.request("POST", "/xmlrpc/v3.1/SoftLayer_Account", body, {"Content-Type": "text/xml"})
    r = conn.getresponse()
    data = r.read()
    dt = (time.perf_counter() - t) * 1000
    if r.status != 200 or b"<fault>" in data[:2000]:
        raise SystemExit(f"{method} {filt}: HTTP {r.status} {data[:500]!r}")
    return dt, int(r.getheader("SoftLayer-Total-Items") or -1)

# Rare and common values, from the data (a read-only look; the server holds it open).
ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
def extremes(column):
    rows = ro.execute(f"SELECT {column}, count(*) FROM SoftLayer_Ticket WHERE accountId = 1001 "
                      f"AND {column} IS NOT NULL GROUP BY 1 ORDER BY 2").fetchall()
    return rows[0][0], rows[-1][0]
props = [("priority", None, extremes("priority")), ("subjectId", "subject", extremes("subjectId")),
         ("statusId", "status", extremes("statusId")), ("assignedUserId", "assignedUser", extremes("assignedUserId")),
         ("groupId", "group", extremes("groupId"))]
ro.close()
lists = [("getTickets", "tickets"), ("getOpenTickets", "openTickets"), ("getClosedTickets", "closedTickets")]
orders = ["createDate", "lastEditDate", "id"]

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]

# Baseline: the unfiltered first page of getTickets.
base = [call("getTickets", {})[0] for _ in range(requests * 5)]
results = []  # (list, prop form, kind, order, dir, [times], total)
for (method, key), (column, relation, (rare, common)), order, direction in itertools.product(lists, props, orders, ["ASC", "DESC"]):
    for kind, value in (("rare", rare), ("common", common)):
        forms = [(column, {column: {"operation": value}})]
        if relation:
            forms.append((f"{relation}.id", {relation: {"id": {"operation": value}}}))
        for form, cond in forms:
            filt = {key: dict(cond)}
            filt[key][order] = {"operation": "orderBy", "options": [{"name": "sort", "value": [direction]}]} \
                if order not in cond else filt[key][order]
            call(method, filt)  # warm-up
            times = []
            total = None
            for _ in range(requests):
                dt, total = call(method, filt)
                times.append(dt)
            results.append((method, form, kind, order, direction, times, total))

all_times = [t for r in results for t in r[5]]
print()
print(f"{len(results)} combinations x {requests} requests; baseline (unfiltered getTickets page): "
      f"p50 {pct(base, .5):.2f} ms, p99 {pct(base, .99):.2f} ms")
print()
print("| list | filter | p50 | p99 | worst combination p50 |")
print("|---|---|---:|---:|---:|")
for method, _ in lists:
    for form in dict.fromkeys(r[1] for r in results):
        rs = [r for r in results if r[0] == method and r[1] == form]
        ts = [t for r in rs for t in r[5]]
        worst = max(rs, key=lambda r: pct(r[5], .5))
        print(f"| {method} | {form} | {pct(ts, .5):.2f} ms | {pct(ts, .99):.2f} ms | "
              f"{pct(worst[5], .5):.2f} ms ({worst[2]}, {worst[3]} {worst[4]}, total {worst[6]}) |")
print()
p50, p99 = pct(all_times, .5), pct(all_times, .99)
print(f"All {len(all_times)} requests: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
      f"(target p50 < 5 ms, p99 < 15 ms); ratio to the unfiltered page p50: {p50 / pct(base, .5):.2f}")
worst = sorted(results, key=lambda r: -pct(r[5], .99))[:5]
print("Slowest combinations (p99):")
for r in worst:
    print(f"  {r[0]} {r[1]} {r[2]} orderBy {r[3]} {r[4]}: p50 {pct(r[5], .5):.2f} ms, p99 {pct(r[5], .99):.2f} ms, total {r[6]}")
PY
