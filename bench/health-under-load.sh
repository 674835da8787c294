#!/usr/bin/env bash
# Benchmark: /health latency while heavy reads run (issue 9).
#
#   bench/health-under-load.sh
#
# What it does, all on 127.0.0.1 and bounded in time, cleaning up after itself:
#   1. builds the server in release;
#   2. creates a database in a temporary directory with 200,000 synthetic tickets for
#      the demo account (`seed --synthetic-tickets`);
#   3. starts the server on it with --no-reply-cache (every heavy read is really read);
#   4. the baseline, measured in the same run: BENCH_PROBES sequential GET /health with
#      no other load, p50/p99;
#   5. under load: BENCH_CLIENTS clients (4) each call XML-RPC SoftLayer_Account::getObject
#      with mask[id,tickets[id,title]] (every ticket of the account, in one object)
#      back to back, while BENCH_PROBES GET /health are sent 10 ms apart; p50/p99 again
#      (target: p99 under 20 ms), with how many heavy reads completed and how long they took.
#
# Tunables (environment): BENCH_TICKETS (200000), BENCH_PROBES (300), BENCH_CLIENTS (4),
# BENCH_SEED (1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-200000}"
PROBES="${BENCH_PROBES:-300}"
CLIENTS="${BENCH_CLIENTS:-4}"
SEED="${BENCH_SEED:-1}"

. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed for the HTTP client"

build_server

bench_workdir sl-health-bench

DB="$WORK/bench.sqlite3"
say "generating $TICKETS synthetic tickets in $DB"
seed_database "$DB" "$TICKETS" 900 --seed "$SEED"

PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 20 --db "$DB" --no-reply-cache

say "measuring ($PROBES probes, $CLIENTS heavy clients)"
timeout 900 python3 - "$PORT" "$PROBES" "$CLIENTS" "$TICKETS" <<'PY'
import http.client, os, socket, sys, threading, time, xmlrpc.client

port, probes, clients, tickets = (int(a) for a in sys.argv[1:5])
KEY = os.environ["DEMO_API_KEY"]
HEAVY = xmlrpc.client.dumps(({"headers": {
    "authenticate": {"username": "demo", "apiKey": KEY},
    "SoftLayer_ObjectMask": {"mask": "mask[id,tickets[id,title]]"},
}},), "getObject").encode()


def health(conn):
    t = time.perf_counter()
    conn.request("GET", "/health")
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        raise SystemExit(f"/health: HTTP {r.status}")
    return (time.perf_counter() - t) * 1000


def percentiles(times):
    times = sorted(times)
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))], times[-1]


def probe_series(spacing):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(probes):
        times.append(health(conn))
        time.sleep(spacing)
    conn.close()
    return percentiles(times)


stop = threading.Event()
done = []


def heavy_client():
    while not stop.is_set():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        t = time.perf_counter()
        conn.request("POST", "/xmlrpc/v3.1/SoftLayer_Account", HEAVY, {"Content-Type": "text/xml"})
        r = conn.getresponse()
        size = 0
        head = b""
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            if len(head) < 512:
                head += chunk[:512]
            size += len(chunk)
        conn.close()
        if r.status != 200:
            raise SystemExit(f"heavy read: HTTP {r.status}")
        # A reply past the server's reply budget (--max-reply-bytes) is a fault: the
        # server still did the work up to the budget, but nothing big was sent.
        done.append((time.perf_counter() - t, size, b"<fault>" in head))


baseline = probe_series(0.01)
threads = [threading.Thread(target=heavy_client, daemon=True) for _ in range(clients)]
for t in threads:
    t.start()
time.sleep(1.0)  # let the heavy reads get going
loaded = probe_series(0.01)
stop.set()
for t in threads:
    t.join(timeout=300)

print()
print(f"Synthetic tickets: {tickets:,}; {probes} GET /health, 10 ms apart; "
      f"{clients} clients reading SoftLayer_Account::getObject mask[id,tickets[id,title]], no reply cache")
print()
print("| /health | p50 | p99 | max | target |")
print("|---|---:|---:|---:|---|")
print(f"| no load (baseline) | {baseline[0]:.2f} ms | {baseline[1]:.2f} ms | {baseline[2]:.2f} ms | |")
print(f"| under {clients} heavy clients | {loaded[0]:.2f} ms | {loaded[1]:.2f} ms | {loaded[2]:.2f} ms | p99 < 20 ms |")
print(f"| ratio loaded/baseline | {loaded[0] / baseline[0]:.2f} | {loaded[1] / baseline[1]:.2f} | | |")
if done:
    avg = sum(d for d, _, _ in done) / len(done)
    whole = [size for _, size, fault in done if not fault]
    print()
    print(f"Heavy reads completed during the probes: {len(done)}, {avg:.2f} s each on average; "
          f"{len(whole)} whole replies"
          + (f" of {sum(whole) / len(whole) / 1048576:.1f} MB on average" if whole else "")
          + f", {len(done) - len(whole)} refused at the reply budget (a fault)")
PY
