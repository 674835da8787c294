#!/usr/bin/env bash
# Benchmark: scheduled actions coming due by the thousand (bounded work).
#
#   bash bench/scheduled-actions.sh                        (this build)
#   BENCH_BASE_BIN=/path/old-build bash bench/scheduled-actions.sh   (and another)
#
# Imports BENCH_TICKETS (11,000) open tickets of a new account, each with a scheduled
# alert and auto-close (22,000 actions), sets the emulated clock before them and moves it
# 30 days past, while one client writes addUpdate calls on another ticket back to back.
# Prints the clock move's time and what it fired, the time per action, and the writer's
# slowest and median call while it ran; then the same for a tenth of the tickets, as the
# baseline: time per action at the full size over the tenth's is about 1 when the work is
# linear (it was about 10 before migration 0021: each action's run read the whole action
# table). With BENCH_BASE_BIN, the full size again with that build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-11000}"
. bench/common.sh

command -v python3 >/dev/null 2>&1 || die "python3 is needed"
build_server
bench_workdir sl-scheduled-actions-bench
TOKEN=bench-token

# measure BIN NAME TICKETS: prints "status fired seconds writer_max_s writer_p50_s writes".
measure() {
    local bin="$1" name="$2" tickets="$3" port result
    port=$(free_port)
    BIN="$bin" start_server "$port" "$WORK/$name.log" 60 --db "$WORK/$name.sqlite3" \
        --admin-token "$TOKEN"
    result=$(python3 - "$port" "$tickets" "$TOKEN" <<'PY'
import json, os, sys, threading, time, urllib.error, urllib.request, xmlrpc.client
port, tickets, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
def control(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}/_emulator/{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
at = "2030-12-31T18:00:00-06:00"
doc = {"SoftLayer_Account": [{"id": 40000, "companyName": "Bench", "brandId": 2,
                              "accountStatusId": 1001, "isReseller": 0, "createDate": at}],
       "SoftLayer_User_Customer": [{"id": 40000, "accountId": 40000, "username": "bench",
                                    "email": "bench@example.test", "isMasterUserFlag": True,
                                    "userStatusId": 1001, "createDate": at}],
       "SoftLayer_Ticket": [], "SoftLayer_Ticket_Update": [],
       "SoftLayer_Provisioning_Version1_Transaction": [],
       "SoftLayer_Ticket_Attachment_Scheduled_Action": []}
for i in range(tickets):
    ticket = 170000000 + i
    doc["SoftLayer_Ticket"].append({"id": ticket, "accountId": 40000, "assignedUserId": 40000,
        "createDate": at, "groupId": 3, "notifyUserOnUpdateFlag": True, "statusId": 1001,
        "subjectId": 1001, "title": f"bench {i}"})
    doc["SoftLayer_Ticket_Update"].append({"id": 600000000 + i, "ticketId": ticket,
        "entry": "x", "createDate": at, "editorId": 40000, "editorType": "USER"})
    for k, kind in enumerate(["ALERT", "AUTO_CLOSE"]):
        action = 50000 + 2 * i + k
        doc["SoftLayer_Provisioning_Version1_Transaction"].append(
            {"id": action, "createDate": at, "modifyDate": at})
        doc["SoftLayer_Ticket_Attachment_Scheduled_Action"].append({"id": action,
            "ticketId": ticket, "attachmentId": action, "transactionId": action, "kind": kind,
            "createDate": at, "runDate": f"2031-01-{2 + i % 20:02d}T12:00:00-06:00"})
status, answer = control("POST", "import", doc)
if status != 200:
    sys.exit(f"import: {status} {answer}")
control("POST", "clock", {"set": "2031-01-01T00:00:00Z"})
took, stop, faults = [], threading.Event(), []
def writer():
    proxy = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/v3.1/SoftLayer_Ticket")
    headers = {"headers": {"authenticate": {"username": "demo",
                                            "apiKey": os.environ["DEMO_API_KEY"]},
                           "SoftLayer_TicketInitParameters": {"id": 160000001}}}
    while not stop.is_set():
        started = time.monotonic()
        try:
            proxy.addUpdate(headers, {"entry": "while actions run"})
        except xmlrpc.client.Fault as f:
            faults.append(f.faultString)
        took.append(time.monotonic() - started)
thread = threading.Thread(target=writer)
thread.start()
time.sleep(0.5)
started = time.monotonic()
status, answer = control("POST", "clock", {"advance": "30d"})
elapsed = time.monotonic() - started
time.sleep(0.5)
stop.set()
thread.join()
if faults:
    sys.exit(f"addUpdate faulted: {faults[0]}")
fired = len(answer.get("fired", [])) if isinstance(answer, dict) else 0
took.sort()
print(f"{status} {fired} {elapsed:.2f} {took[-1]:.3f} {took[len(took) // 2]:.4f} {len(took)}")
PY
) || { stop_server; die "$name: the run failed"; }
    stop_server
    echo "$result"
}

report() {
    local name="$1" tickets="$2" status fired seconds max p50 writes
    read -r status fired seconds max p50 writes <<<"$3"
    printf '  %s, %s actions due: clock move %s in %s s, %s fired (%s); addUpdate meanwhile: slowest %s s, median %s s (%s calls)\n' \
        "$name" "$((tickets * 2))" "$status" "$seconds" "$fired" \
        "$(python3 -c "print(f'{$seconds * 1000 / $fired:.3f} ms per action' if $fired else 'none ran')")" \
        "$max" "$p50" "$writes"
}

BIN_BUILT="$BIN"
TENTH=$((TICKETS / 10))
say "measuring $BIN_BUILT with $TICKETS tickets"
THIS=$(measure "$BIN_BUILT" this "$TICKETS")
say "measuring $BIN_BUILT with $TENTH tickets (the baseline)"
SMALL=$(measure "$BIN_BUILT" small "$TENTH")
printf '\nA clock move past every scheduled action (an alert and an auto-close per ticket):\n'
report "this build" "$TICKETS" "$THIS"
report "this build, a tenth (baseline)" "$TENTH" "$SMALL"
python3 -c "
this, small = '$THIS'.split(), '$SMALL'.split()
per = lambda r: float(r[2]) / max(1, int(r[1]))
print(f'  time per action, full size over a tenth: {per(this) / per(small):.2f} (1 is linear)')"
if [ -n "${BENCH_BASE_BIN:-}" ]; then
    say "measuring $BENCH_BASE_BIN with $TICKETS tickets"
    BASE=$(measure "$BENCH_BASE_BIN" base "$TICKETS")
    report "base build" "$TICKETS" "$BASE"
    python3 -c "
this, base = '$THIS'.split(), '$BASE'.split()
print(f'  ratio this/base: clock move time {float(this[2]) / float(base[2]):.2f}, slowest addUpdate {float(this[3]) / float(base[3]):.2f}')"
fi
