#!/usr/bin/env bash
# Benchmark: writes (issue 14, item 4: addUpdate and createStandardTicket >= 10,000
# calls/s with p99 < 10 ms at 32 connections), and their durability: every acknowledged
# write survives kill -9.
#
#   bench/writes.sh          (as root on Debian; installs wrk if missing)
#
# All on 127.0.0.1, bounded in time:
#   1. seeds a fresh database with BENCH_TICKETS (20,000) synthetic tickets;
#   2. for each mode (group commit on, as shipped; and off, the baseline:
#      SOFTLAYER_EMULATOR_GROUP_COMMIT=off), starts the server with --no-reply-cache and
#      runs wrk (-t2 -c32, BENCH_DURATION) with a Lua request() that sends XML-RPC
#      addUpdate to a random open ticket, then createStandardTicket, each call carrying
#      a unique marker (the update's entry, the new ticket's title);
#   3. wrk's Lua response() writes down the marker of every acknowledged call (HTTP 200,
#      no fault, marker echoed in the reply);
#   4. durability: addUpdate under load again, the server killed with SIGKILL halfway,
#      restarted on the same file; every marker acknowledged in any phase must be in
#      the database.
# Prints calls/s, p50/p99 (and the server's own p99, from its /metrics histogram: unlike a
# read's, a write's wait for the writer is inside the server), faults, the ratio to the
# baseline, and the durability check.
# The machine is shared: the load average is printed beside the numbers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-20000}"
DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
. bench/common.sh

need_wrk
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

build_server
bench_workdir sl-writes-bench

DB="$WORK/writes.sqlite3"
say "seeding $TICKETS synthetic tickets"
seed_database "$DB" "$TICKETS" 900

PORT=$(free_port)
# serve: the server on $DB and PORT, in the background, until it answers (bench/common.sh:
# start_server; VAR=value serve for its environment, stop_server to stop it).
serve() { start_server "$PORT" "$WORK/server.log" 60 --no-reply-cache --db "$DB"; }

# Open tickets of the demo account (addUpdate refuses closed ones), as a Lua table.
python3 - "$DB" > "$WORK/ids.lua" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
ids = [r[0] for r in c.execute("SELECT id FROM SoftLayer_Ticket WHERE accountId = 1001 AND statusId <> 1002")]
print("ids = {" + ",".join(map(str, ids)) + "}")
PY

# write_lua METHOD LABEL: a wrk script for METHOD whose markers start with LABEL.
write_lua() {
    local method="$1" label="$2"
    {
        cat "$WORK/ids.lua"
        cat <<EOF
local method, label, dir = "$method", "$label", "$WORK"
local key = "$DEMO_API_KEY"
EOF
        cat <<'EOF'
local threads, n = {}, 0
function setup(thread)
    n = n + 1
    thread:set("tid", n)
    table.insert(threads, thread)
end
local counter, out = 0, nil
faults, acks = 0, 0
function init(args)
    math.randomseed(tid * 7919 + os.time())
    out = io.open(dir .. "/ack-" .. label .. "-" .. tid .. ".txt", "w")
    -- Buffered whole: a write per acknowledgement cost wrk more than the server took;
    -- the buffer is flushed when wrk exits (only the server is ever killed).
    out:setvbuf("full")
end
local function member(name, value)
    return "<member><name>" .. name .. "</name><value>" .. value .. "</value></member>"
end
local auth = member("authenticate", "<struct>" .. member("username", "<string>demo</string>")
    .. member("apiKey", "<string>" .. key .. "</string>") .. "</struct>")
function request()
    counter = counter + 1
    local marker = string.format("%sx%dx%d", label, tid, counter)
    local headers, args
    if method == "addUpdate" then
        local id = ids[math.random(#ids)]
        headers = auth .. member("SoftLayer_TicketInitParameters",
            "<struct>" .. member("id", "<int>" .. id .. "</int>") .. "</struct>")
        args = "<param><value><struct>" .. member("entry", "<string>" .. marker .. "</string>")
            .. "</struct></value></param>"
    else
        headers = auth
        args = "<param><value><struct>" .. member("subjectId", "<int>1005</int>")
            .. member("title", "<string>" .. marker .. "</string>") .. "</struct></value></param>"
            .. "<param><value><string>Written by bench/writes.sh</string></value></param>"
    end
    local body = "<?xml version=\"1.0\"?><methodCall><methodName>" .. method
        .. "</methodName><params><param><value><struct><member><name>headers</name><value><struct>"
        .. headers .. "</struct></value></member></struct></value></param>" .. args
        .. "</params></methodCall>"
    return wrk.format("POST", "/xmlrpc/v3.1/SoftLayer_Ticket",
        {["Content-Type"] = "text/xml"}, body)
end
function response(status, headers, body)
    if status ~= 200 or string.find(body, "<fault>", 1, true) then
        faults = faults + 1
        return
    end
    local m = string.match(body, label .. "x%d+x%d+")
    if m then
        out:write(m, "\n")
        acks = acks + 1
    else
        faults = faults + 1
    end
end
function done(summary, latency, requests)
    local f, a = 0, 0
    for _, t in ipairs(threads) do
        f = f + (t:get("faults") or 0)
        a = a + (t:get("acks") or 0)
    end
    io.write(string.format("RESULT %.0f %.2f %.2f %d %d %d\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, a, f, summary.errors.connect + summary.errors.read
        + summary.errors.write + summary.errors.timeout))
end
EOF
    } > "$WORK/$label.lua"
}

# run METHOD LABEL DURATION: wrk against the running server; prints its RESULT line, and
# after it the server's own p99 for METHOD in the run (bench/common.sh, own_p99).
run() {
    write_lua "$1" "$2"
    fetch_metrics "$PORT" "$WORK/$2.before"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency -s "$WORK/$2.lua" \
        "http://127.0.0.1:$PORT/" > "$WORK/$2.wrk" 2>&1 || true
    fetch_metrics "$PORT" "$WORK/$2.after"
    local result
    result=$(grep '^RESULT' "$WORK/$2.wrk") || { cat "$WORK/$2.wrk" >&2; die "wrk gave no result"; }
    echo "$result $(own_p99 "$WORK/$2.before" "$WORK/$2.after" xmlrpc "$1")"
}

declare -A RESULTS
for mode in on off; do
    SOFTLAYER_EMULATOR_GROUP_COMMIT="$mode" serve
    say "group commit $mode: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    # A short warm-up (statement caches, page cache), not counted.
    run addUpdate "warm$mode" 2s >/dev/null
    RESULTS[addUpdate-$mode]="$(run addUpdate "au$mode" "$DURATION")"
    RESULTS[createStandardTicket-$mode]="$(run createStandardTicket "ct$mode" "$DURATION")"
    stop_server
done

say "durability: addUpdate under load, the server killed with SIGKILL after 3 s"
serve
write_lua addUpdate kill
wrk -t"$THREADS" -c"$CONNECTIONS" -d6s -s "$WORK/kill.lua" "http://127.0.0.1:$PORT/" \
    > "$WORK/kill.wrk" 2>&1 &
WRK_PID=$!
sleep 3
kill -9 "$SERVER_PID"
stop_server
wait "$WRK_PID" || true
serve
stop_server

echo
echo "XML-RPC writes, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, random open ticket of $TICKETS,"
echo "--no-reply-cache; load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)"
echo
echo "| method | group commit | calls/s | p50 | p99 | its own p99 | acknowledged | faults | ratio to off |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for method in addUpdate createStandardTicket; do
    read -r _ off_rps _ _ _ _ _ _ <<<"${RESULTS[$method-off]}"
    for mode in on off; do
        read -r _ rps p50 p99 acks faults errors own <<<"${RESULTS[$method-$mode]}"
        ratio=$(python3 -c "print(f'{$rps / max($off_rps, 1):.2f}x')")
        echo "| $method | $mode | $rps | $p50 ms | $p99 ms | $own ms | $acks | $faults | $ratio |"
    done
done
echo
python3 - "$DB" "$WORK" <<'PY'
import glob, os, sqlite3, sys
db, work = sys.argv[1:3]
acked = set()
for f in glob.glob(os.path.join(work, "ack-*.txt")):
    if "warm" in os.path.basename(f):
        continue
    acked.update(l.strip() for l in open(f) if l.strip())
killed = {m for m in acked if m.startswith("kill")}
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
present = {r[0] for r in c.execute("SELECT entry FROM SoftLayer_Ticket_Update WHERE entry GLOB '*x*x*'")}
present |= {r[0] for r in c.execute("SELECT title FROM SoftLayer_Ticket WHERE title GLOB '*x*x*'")}
missing = sorted(acked - present)
print(f"Durability: {len(acked)} acknowledged writes ({len(killed)} in the run killed with SIGKILL); "
      f"{len(missing)} missing after the restart.")
if not killed:
    sys.exit("the killed run acknowledged nothing: the check did not run")
if missing:
    sys.exit(f"LOST acknowledged writes: {missing[:10]}")
PY
