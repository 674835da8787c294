#!/usr/bin/env bash
# Benchmark: REST nested resource paths at 200,000 tickets (issue 9).
#
#   bench/rest-nested.sh
#
# What it does, all on 127.0.0.1 and bounded in time, cleaning up after itself:
#   1. builds the server in release;
#   2. creates a database in a temporary directory with 200,000 synthetic tickets for
#      the demo account (`seed --synthetic-tickets`);
#   3. starts the server on it with --no-reply-cache (every request is really read) and,
#      after a warm-up, sends sequentially, BENCH_REQUESTS times each:
#      a. the baseline, measured in the same run: GET SoftLayer_Ticket/{id}/getObject.json
#         (and SoftLayer_Ticket/{id}/getUpdates.json);
#      b. GET SoftLayer_Account/getTickets/{id}.json
#      c. GET SoftLayer_Account/getTickets/{id}/getUpdates.json
#      reporting p50/p99 and the ratio of each p50 to its baseline (target: within 2x);
#   4. reports the server's resident memory after the run and its peak (target: under
#      100 MB).
#
# Tunables (environment): BENCH_TICKETS (200000), BENCH_REQUESTS (100), BENCH_SEED (1),
# BENCH_TICKET (160000001: demo's seed ticket; any ticket of the account will do).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-200000}"
REQUESTS="${BENCH_REQUESTS:-100}"
SEED="${BENCH_SEED:-1}"
TICKET="${BENCH_TICKET:-160000001}"

. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed for the HTTP client"
[ -r /proc/self/status ] || die "/proc is needed to read the server's memory"

build_server

bench_workdir sl-rest-nested-bench

DB="$WORK/bench.sqlite3"
say "generating $TICKETS synthetic tickets in $DB"
seed_database "$DB" "$TICKETS" 900 --seed "$SEED"

PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 20 --db "$DB" --no-reply-cache

say "measuring ($REQUESTS requests per path)"
timeout 1200 python3 - "$PORT" "$SERVER_PID" "$REQUESTS" "$TICKETS" "$TICKET" <<'PY'
import base64, http.client, json, os, sys, time

port, pid, requests, tickets, ticket = sys.argv[1:6]
port, requests = int(port), int(requests)
KEY = os.environ["DEMO_API_KEY"]
AUTH = "Basic " + base64.b64encode(f"demo:{KEY}".encode()).decode()


def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t = time.perf_counter()
    conn.request("GET", "/rest/v3.1/" + path, headers={"Authorization": AUTH})
    r = conn.getresponse()
    body = r.read()
    dt = time.perf_counter() - t
    conn.close()
    if r.status != 200:
        raise SystemExit(f"GET {path}: HTTP {r.status}: {body[:500]!r}")
    return dt, body


def memory_kb(field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def series(path):
    for _ in range(3):
        get(path)
    times = sorted(get(path)[0] * 1000 for _ in range(requests))
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


# The nested paths answer what the direct ones do.
_, direct = get(f"SoftLayer_Ticket/{ticket}/getObject.json")
_, nested = get(f"SoftLayer_Account/getTickets/{ticket}.json")
assert json.loads(direct) == json.loads(nested), (direct[:300], nested[:300])
_, direct = get(f"SoftLayer_Ticket/{ticket}/getUpdates.json")
_, nested = get(f"SoftLayer_Account/getTickets/{ticket}/getUpdates.json")
assert json.loads(direct) == json.loads(nested), (direct[:300], nested[:300])

rows = []
base_object = series(f"SoftLayer_Ticket/{ticket}/getObject.json")
rows.append((f"SoftLayer_Ticket/{ticket}/getObject.json (baseline)", base_object, base_object))
nested_object = series(f"SoftLayer_Account/getTickets/{ticket}.json")
rows.append((f"SoftLayer_Account/getTickets/{ticket}.json", nested_object, base_object))
base_updates = series(f"SoftLayer_Ticket/{ticket}/getUpdates.json")
rows.append((f"SoftLayer_Ticket/{ticket}/getUpdates.json (baseline)", base_updates, base_updates))
nested_updates = series(f"SoftLayer_Account/getTickets/{ticket}/getUpdates.json")
rows.append((f"SoftLayer_Account/getTickets/{ticket}/getUpdates.json", nested_updates, base_object))

print()
print(f"Synthetic tickets: {int(tickets):,}; {requests} sequential requests per path, no reply cache")
print()
print("| path | p50 | p99 | p50 / getObject baseline | target |")
print("|---|---:|---:|---:|---|")
for name, (p50, p99), (b50, _) in rows:
    target = "" if "baseline" in name else "within 2x"
    print(f"| {name} | {p50:.2f} ms | {p99:.2f} ms | {p50 / b50:.2f} | {target} |")
print()
print(f"Server memory after the run: RSS {memory_kb('VmRSS') / 1024:.1f} MB, "
      f"peak {memory_kb('VmHWM') / 1024:.1f} MB (target: under 100 MB)")
PY
