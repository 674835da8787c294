#!/usr/bin/env bash
# Benchmark: text search while writes go on (issue 14, item 3, under load). Six clients
# send XML-RPC addUpdate to random open tickets of the account as fast as the server
# answers, while one client searches update entries (`*=`, `^=`, `$=`, limit 25) every
# BENCH_EVERY seconds, for BENCH_SECONDS. Run twice on copies of the same database: as
# shipped (the text tally counts the totals; it must follow every write) and with
# SOFTLAYER_EMULATOR_TEXT_INDEX=off (the plain scan, the baseline).
#
#   BENCH_DB=/path/1m.sqlite3 bench/text-search-under-writes.sh
#   bench/text-search-under-writes.sh          (seeds BENCH_TICKETS, 100,000, first)
#
# Prints writes/s, search p50/p90/max, how many totals the tally counted, and the ratio
# of the scan's p50 to the tally's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TICKETS="${BENCH_TICKETS:-100000}"
SECONDS_EACH="${BENCH_SECONDS:-20}"
EVERY="${BENCH_EVERY:-0.2}"
. bench/common.sh
build_server
bench_workdir sl-text-writes
bench_database "$WORK" "$TICKETS"
SOURCE="$DB"
PORT=$(free_port)
RESULTS="$WORK/results"
for mode in tally scan; do
    DB="$WORK/$mode.sqlite3"
    # The writes change the database: each run starts from its own copy.
    cp "$SOURCE" "$DB"
    for suffix in -wal -shm; do [ -f "$SOURCE$suffix" ] && cp "$SOURCE$suffix" "$DB$suffix"; done
    if [ "$mode" = scan ]; then
        SOFTLAYER_EMULATOR_TEXT_INDEX=off start_server "$PORT" "$WORK/$mode.log" 600 --no-reply-cache --db "$DB"
    else
        # Ready once its text tally is built.
        start_server "$PORT" "$WORK/$mode.log" 0 --no-reply-cache --db "$DB"
        for _ in $(seq 1 6000); do
            grep -q "text tally built" "$WORK/$mode.log" && break
            sleep 0.1
        done
    fi
    say "$mode: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    timeout 600 python3 - "$PORT" "$DB" "$SECONDS_EACH" "$EVERY" "$mode" >>"$RESULTS" <<'PY'
import http.client, os, random, sqlite3, sys, threading, time, urllib.request, xmlrpc.client
port, db, secs, every, mode = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
KEY = os.environ["DEMO_API_KEY"]
ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
open_ids = [r[0] for r in ro.execute(
    "SELECT id FROM SoftLayer_Ticket WHERE accountId = 1001 AND statusId <> 1002")]
entries = [r[0] for r in ro.execute(
    "SELECT entry FROM SoftLayer_Ticket_Update WHERE entry IS NOT NULL AND length(entry) >= 3 LIMIT 20000")]
ro.close()
stop = time.time() + secs
writes = [0]

def call(c, service, body):
    c.request("POST", f"/xmlrpc/v3.1/{service}", body, {"Content-Type": "text/xml"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200 or b"<fault>" in data[:2000]:
        raise SystemExit(f"HTTP {r.status} {data[:300]!r}")
    return r

def writer(seed):
    rng = random.Random(seed)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.time() < stop:
        headers = {"authenticate": {"username": "demo", "apiKey": KEY},
                   "SoftLayer_TicketInitParameters": {"id": rng.choice(open_ids)}}
        body = xmlrpc.client.dumps(({"headers": headers}, {"entry": f"load note {rng.random()}"}),
                                   "addUpdate").encode()
        call(c, "SoftLayer_Ticket", body)
        writes[0] += 1

threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
for t in threads:
    t.start()
rng = random.Random(14)
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
latencies = []
while time.time() < stop:
    text = rng.choice(entries)
    op = rng.choice(["*=", "^=", "$="])
    n = rng.randint(3, min(12, len(text)))
    start = 0 if op == "^=" else len(text) - n if op == "$=" else rng.randint(0, len(text) - n)
    needle = text[start:start + n].strip() or text[:3]
    headers = {"authenticate": {"username": "demo", "apiKey": KEY},
               "SoftLayer_AccountObjectFilter": {"tickets": {"updates": {"entry": {"operation": f"{op} {needle}"}}}},
               "SoftLayer_ObjectMask": {"mask": "mask[id]"},
               "resultLimit": {"limit": 25, "offset": 0}}
    body = xmlrpc.client.dumps(({"headers": headers},), "getTickets").encode()
    t = time.perf_counter()
    call(c, "SoftLayer_Account", body)
    latencies.append((time.perf_counter() - t) * 1000)
    time.sleep(every)
for t in threads:
    t.join()
latencies.sort()
metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
counted = next(l.split()[1] for l in metrics.splitlines()
               if l.startswith("softlayer_emulator_text_tally_counts_total "))
pct = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))]
print(f"{mode} {writes[0] / secs:.0f} {len(latencies)} {pct(.5):.1f} {pct(.9):.1f} {latencies[-1]:.1f} {counted}")
PY
    stop_server
done
echo
echo "addUpdate from 6 clients while one client searches update entries every $EVERY s, ${SECONDS_EACH} s per mode"
echo
echo "| mode | addUpdate/s | searches | search p50 | search p90 | search max | totals counted by the tally |"
echo "|---|---:|---:|---:|---:|---:|---:|"
while read -r mode wps n p50 p90 max counted; do
    echo "| $mode | $wps | $n | $p50 ms | $p90 ms | $max ms | $counted |"
done <"$RESULTS"
python3 - "$RESULTS" <<'PY'
import sys
rows = {l.split()[0]: float(l.split()[3]) for l in open(sys.argv[1])}
print(f"\nscan p50 / tally p50: {rows['scan'] / rows['tally']:.1f}x")
PY
