#!/usr/bin/env bash
# Benchmark: instructions per uncached getObject (issue 14, item 1), counted rather than
# timed. On a shared machine two timed runs of one build differ by as much as a change
# worth making; valgrind's callgrind counts the same instructions twice for the same
# build (497.1M and 495.2M for 1,000 calls, eighth session).
#
#   bash bench/getobject-instructions.sh                 (this build)
#   BENCH_BASE_BIN=/path/old-build bash bench/getobject-instructions.sh
#                                                         (and another, for the ratio)
#   BENCH_TRANSPORT=soap|rest bash bench/getobject-instructions.sh
#                                                         (another transport; XML-RPC by default)
#   BENCH_METHOD=addUpdate|createStandardTicket bash bench/getobject-instructions.sh
#                                                         (a write instead, over XML-RPC)
#
# Seeds BENCH_TICKETS (20,000) synthetic tickets; runs the server under callgrind with
# --no-reply-cache and instrumentation off; sends 200 unmeasured getObject calls, then
# BENCH_CALLS (1,000) measured ones, over XML-RPC (or BENCH_TRANSPORT), each for a random
# ticket (a fixed seed, so both builds get the same calls) with the mask of
# bench/getobject-uncached.sh; prints the
# user-space instructions per call (the kernel's share is not counted) and, with
# BENCH_BASE_BIN, the ratio of this build's count to the other's.
# With BENCH_METHOD a write is counted instead: addUpdate on a random open ticket of the
# demo account (its update, its mail to the ticket's owner) or createStandardTicket, one
# call at a time, so each is a commit of its own (under load a commit holds a batch); the
# count includes what the server's other threads do meanwhile (the checkpointer, the text
# index's queue).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TICKETS="${BENCH_TICKETS:-20000}"
CALLS="${BENCH_CALLS:-1000}"
TRANSPORT="${BENCH_TRANSPORT:-xmlrpc}"
METHOD="${BENCH_METHOD:-getObject}"
case "$METHOD" in getObject | addUpdate | createStandardTicket) ;; *) echo "BENCH_METHOD is getObject, addUpdate or createStandardTicket" >&2; exit 2 ;; esac
[ "$METHOD" = getObject ] || [ "$TRANSPORT" = xmlrpc ] || { echo "a write is counted over XML-RPC only" >&2; exit 2; }
case "$TRANSPORT" in xmlrpc | soap | rest) ;; *) echo "BENCH_TRANSPORT is xmlrpc, soap or rest" >&2; exit 2 ;; esac
. bench/common.sh

command -v valgrind >/dev/null 2>&1 || apt_install valgrind
command -v callgrind_control >/dev/null 2>&1 || die "callgrind_control (valgrind) is not installed"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

build_server
bench_workdir sl-instructions-bench

say "seeding $TICKETS synthetic tickets"
seed_database "$WORK/seed.sqlite3" "$TICKETS" 900

# calls PORT N SEED: N calls of METHOD (getObject of random tickets, or a write) over
# TRANSPORT, one connection.
calls() {
    python3 - "$@" "$TICKETS" "$TRANSPORT" "$METHOD" "$WORK/seed.sqlite3" <<'PY'
import base64, http.client, os, random, sqlite3, sys, urllib.parse
port, n, seed, tickets = (int(a) for a in sys.argv[1:5])
transport, call = sys.argv[5:7]
random.seed(seed)
key = os.environ["DEMO_API_KEY"]
mask = "mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]"
conn = http.client.HTTPConnection("127.0.0.1", port)
# addUpdate refuses closed tickets: the open ones of the demo account, from the seed.
db = sqlite3.connect(f"file:{sys.argv[7]}?mode=ro", uri=True)
open_ids = [r[0] for r in db.execute(
    "SELECT id FROM SoftLayer_Ticket WHERE accountId = 1001 AND statusId <> 1002 ORDER BY id")]
auth = ("<member><name>authenticate</name><value><struct>"
        "<member><name>username</name><value><string>demo</string></value></member>"
        f"<member><name>apiKey</name><value><string>{key}</string></value></member>"
        "</struct></value></member>")
for i in range(n):
    ticket = 160000102 + random.randrange(tickets - 1)
    method, headers = "POST", {"Content-Type": "text/xml"}
    if call != "getObject":
        path = "/xmlrpc/v3.1/SoftLayer_Ticket"
        if call == "addUpdate":
            init = ("<member><name>SoftLayer_TicketInitParameters</name><value><struct>"
                    f"<member><name>id</name><value><int>{random.choice(open_ids)}</int></value></member>"
                    "</struct></value></member>")
            args = ("<param><value><struct><member><name>entry</name><value><string>"
                    f"counted update {seed}-{i}</string></value></member></struct></value></param>")
        else:
            init = ""
            args = ("<param><value><struct><member><name>subjectId</name><value><int>1005</int></value></member>"
                    f"<member><name>title</name><value><string>counted {seed}-{i}</string></value></member>"
                    "</struct></value></param><param><value><string>Written by the bench</string></value></param>")
        body = (f"<?xml version='1.0'?><methodCall><methodName>{call}</methodName><params><param>"
                f"<value><struct><member><name>headers</name><value><struct>{auth}{init}"
                f"</struct></value></member></struct></value></param>{args}</params></methodCall>")
    elif transport == "xmlrpc":
        path = "/xmlrpc/v3.1/SoftLayer_Ticket"
        body = ("<?xml version='1.0'?><methodCall><methodName>getObject</methodName><params><param>"
                "<value><struct><member><name>headers</name><value><struct>"
                "<member><name>authenticate</name><value><struct>"
                "<member><name>username</name><value><string>demo</string></value></member>"
                f"<member><name>apiKey</name><value><string>{key}</string></value></member>"
                "</struct></value></member>"
                "<member><name>SoftLayer_TicketInitParameters</name><value><struct>"
                f"<member><name>id</name><value><int>{ticket}</int></value></member></struct></value></member>"
                "<member><name>SoftLayer_ObjectMask</name><value><struct>"
                f"<member><name>mask</name><value><string>{mask}</string></value></member>"
                "</struct></value></member></struct></value></member></struct></value></param></params></methodCall>")
    elif transport == "soap":
        path = "/soap/v3.1/SoftLayer_Ticket"
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope "
                "xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                "xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\"><SOAP-ENV:Header>"
                f"<ns1:authenticate><username>demo</username><apiKey>{key}</apiKey></ns1:authenticate>"
                f"<ns1:SoftLayer_TicketInitParameters><id>{ticket}</id></ns1:SoftLayer_TicketInitParameters>"
                f"<ns1:SoftLayer_ObjectMask><mask>{mask}</mask></ns1:SoftLayer_ObjectMask>"
                "</SOAP-ENV:Header><SOAP-ENV:Body><ns1:getObject/></SOAP-ENV:Body></SOAP-ENV:Envelope>")
    else:
        method, body = "GET", None
        path = (f"/rest/v3.1/SoftLayer_Ticket/{ticket}/getObject.json?objectMask="
                + urllib.parse.quote(mask, safe=""))
        headers = {"Authorization": "Basic " + base64.b64encode(f"demo:{key}".encode()).decode()}
    conn.request(method, path, body, headers)
    reply = conn.getresponse()
    data = reply.read()
    if reply.status != 200 or b"<fault>" in data or b"Fault>" in data:
        sys.exit(f"ticket {ticket}: HTTP {reply.status}: {data[:300]!r}")
PY
}

# count BIN NAME: prints the instructions per measured call of BIN. Called in a command
# substitution, out of the exit trap's reach: it stops its server itself.
count() {
    local bin="$1" name="$2"
    cp "$WORK/seed.sqlite3" "$WORK/$name.sqlite3"
    local port
    port=$(free_port)
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/$name.out" \
        "$bin" serve --no-reply-cache --listen "127.0.0.1:$port" --db "$WORK/$name.sqlite3" \
        >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    wait_health "$port" 120 "$SERVER_PID" "$WORK/$name.log"
    calls "$port" 200 7 || die "warm-up calls failed"
    # The text tally is built in the background after start (store/text_tally.rs); under
    # callgrind that takes long enough to fall in the measured calls (9,200 instructions
    # a call of 1,000 in the thirty-ninth session), so it is waited for.
    python3 - "$port" <<'PY' || die "the text tally was not built within 300 s"
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/metrics"
for _ in range(600):
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    # (A build older than the tally has no such line and nothing to wait for.)
    if ("\nsoftlayer_emulator_text_tally_ready 1" in "\n" + text
            or "softlayer_emulator_text_tally_ready" not in text):
        sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
PY
    callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1
    calls "$port" "$CALLS" 1 || die "measured calls failed"
    callgrind_control -i off "$SERVER_PID" >/dev/null 2>&1
    stop_server
    local total
    total=$(callgrind_annotate "$WORK/$name.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
    [ -n "$total" ] || die "no instruction count for $name"
    echo $((total / CALLS))
}

say "counting $BIN"
THIS=$(count "$BIN" this)
case "$METHOD" in getObject) WHAT="uncached $TRANSPORT getObject" ;; *) WHAT="XML-RPC $METHOD" ;; esac
printf '\nuser-space instructions per %s (%s calls, callgrind):\n' "$WHAT" "$CALLS"
printf '  this build (%s): %s\n' "$BIN" "$THIS"
if [ -n "${BENCH_BASE_BIN:-}" ]; then
    say "counting $BENCH_BASE_BIN"
    BASE=$(count "$BENCH_BASE_BIN" base)
    printf '  base build (%s): %s\n' "$BENCH_BASE_BIN" "$BASE"
    python3 -c "print(f'  ratio this/base: {$THIS/$BASE:.3f}')"
fi
