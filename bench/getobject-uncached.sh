#!/usr/bin/env bash
# Benchmark: uncached random-ticket getObject on every transport (issue 14, item 1:
# XML-RPC >= 0.5x nginx, SOAP and REST JSON >= 0.35x, p99 < 3 ms at 32 connections).
#
#   bench/getobject-uncached.sh        (as root on Debian; installs wrk and nginx if missing)
#
# All on 127.0.0.1, bounded in time:
#   1. seeds a fresh database with BENCH_TICKETS (20,000) synthetic tickets and starts
#      the server with --no-reply-cache;
#   2. per transport (XML-RPC, SOAP, REST JSON), a wrk Lua script whose request() asks
#      SoftLayer_Ticket::getObject of a random ticket of the account with the mask
#      mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]
#      so no request repeats another and no cache can answer;
#   3. nginx (same machine, same run, same wrk script) answers every request with one
#      canned reply of that transport of median size (the median of 41 random tickets);
#   4. prints requests/s, p50, p99 and the ratio to nginx per transport, and beside wrk's
#      p99 the server's own (its /metrics histogram: from the body read to the reply
#      written), which tells the server's time apart from the wait around it.
# Tunables: BENCH_DURATION (10s), BENCH_THREADS (1), BENCH_CONNECTIONS (32),
# BENCH_TICKETS (20000), BENCH_ROUNDS (1: with more, the server and nginx are measured
# back to back that many times and the median ratio per transport is printed as well).
# The machine is shared: the load average is printed too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-1}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
TICKETS="${BENCH_TICKETS:-20000}"
ROUNDS="${BENCH_ROUNDS:-1}"
MASK='mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]'
. bench/common.sh
case "$ROUNDS" in '' | *[!0-9]* | 0) die "BENCH_ROUNDS is a whole number of rounds, 1 or more" ;; esac

need_wrk_and_nginx
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

build_server
bench_workdir sl-getobject-bench
chmod 755 "$WORK"

DB="$WORK/bench.sqlite3"
say "seeding $TICKETS synthetic tickets"
seed_database "$DB" "$TICKETS" 900
PORT=$(free_port)
start_server "$PORT" "$WORK/server.log" 60 --no-reply-cache --db "$DB"

# The request of each transport for one ticket, in Python (to capture replies) and Lua
# (for wrk): the same text with the id spliced in.
python3 - "$DB" "$WORK" "$PORT" "$DEMO_API_KEY" "$MASK" <<'PY' || die "could not prepare the requests"
import base64, http.client, json, random, sqlite3, statistics, sys, time, urllib.parse
db, work, port, key, mask = sys.argv[1:6]
ids = [r[0] for r in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(
    "SELECT id FROM SoftLayer_Ticket WHERE accountId = 1001")]
xmlrpc = ("<?xml version=\"1.0\"?><methodCall><methodName>getObject</methodName><params><param><value><struct>"
          "<member><name>headers</name><value><struct>"
          "<member><name>authenticate</name><value><struct>"
          "<member><name>username</name><value><string>demo</string></value></member>"
          f"<member><name>apiKey</name><value><string>{key}</string></value></member></struct></value></member>"
          "<member><name>SoftLayer_TicketInitParameters</name><value><struct>"
          "<member><name>id</name><value><int>@ID@</int></value></member></struct></value></member>"
          "<member><name>SoftLayer_ObjectMask</name><value><struct>"
          f"<member><name>mask</name><value><string>{mask}</string></value></member></struct></value></member>"
          "</struct></value></member></struct></value></param></params></methodCall>")
soap = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><SOAP-ENV:Envelope "
        "xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        "xmlns:ns1=\"http://api.service.softlayer.com/soap/v3.1/\"><SOAP-ENV:Header>"
        f"<ns1:authenticate><username>demo</username><apiKey>{key}</apiKey></ns1:authenticate>"
        "<ns1:SoftLayer_TicketInitParameters><id>@ID@</id></ns1:SoftLayer_TicketInitParameters>"
        f"<ns1:SoftLayer_ObjectMask><mask>{mask}</mask></ns1:SoftLayer_ObjectMask>"
        "</SOAP-ENV:Header><SOAP-ENV:Body><ns1:getObject/></SOAP-ENV:Body></SOAP-ENV:Envelope>")
rest_path = "/rest/v3.1/SoftLayer_Ticket/@ID@/getObject.json?objectMask=" + urllib.parse.quote(mask, safe="")
auth = "Basic " + base64.b64encode(f"demo:{key}".encode()).decode()
transports = {
    "xmlrpc": ("POST", "/xmlrpc/v3.1/SoftLayer_Ticket", xmlrpc, "text/xml"),
    "soap": ("POST", "/soap/v3.1/SoftLayer_Ticket", soap, "text/xml"),
    "rest": ("GET", rest_path, "", "application/json"),
}
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5); c.request("GET", "/health"); c.getresponse().read(); break
    except Exception:
        time.sleep(0.1)
rng = random.Random(14)
sample = rng.sample(ids, 41)
lua_ids = "ids = {" + ",".join(map(str, ids)) + "}\n"
for name, (method, path, body, ctype) in transports.items():
    replies = []
    for tid in sample:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        headers = {"Content-Type": ctype} if method == "POST" else {"Authorization": auth}
        c.request(method, path.replace("@ID@", str(tid)), body.replace("@ID@", str(tid)).encode(), headers)
        r = c.getresponse(); data = r.read()
        if r.status != 200 or b"fault" in data[:400].lower() or str(tid).encode() not in data:
            sys.exit(f"{name} getObject {tid}: HTTP {r.status} {data[:300]!r}")
        replies.append((len(data), data, r.getheader("Content-Type")))
    replies.sort(key=lambda x: x[0])
    size, data, served_type = replies[len(replies) // 2]
    open(f"{work}/{name}.reply", "wb").write(data)
    open(f"{work}/{name}.type", "w").write(served_type)
    head, _, tail = (path if method == "GET" else body).partition("@ID@")
    with open(f"{work}/{name}.lua", "w") as f:
        f.write(lua_ids)
        f.write(f"local method, ctype, auth = {json.dumps(method)}, {json.dumps(ctype)}, {json.dumps(auth)}\n")
        f.write(f"local head, tail, path = {json.dumps(head)}, {json.dumps(tail)}, {json.dumps(path)}\n")
        f.write("""
bad = 0
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
function request()
    local id = ids[math.random(#ids)]
    if method == "GET" then
        return wrk.format("GET", head .. id .. tail, {["Authorization"] = auth})
    end
    return wrk.format("POST", path, {["Content-Type"] = ctype}, head .. id .. tail)
end
function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end
""")
    print(f"{name}: median reply {size} bytes", file=sys.stderr)
PY

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp" "$WORK/www"
for t in xmlrpc soap rest; do cp "$WORK/$t.reply" "$WORK/www/$t.reply"; done
chmod -R a+rX "$WORK/www"
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes $(nproc);
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    keepalive_requests 1000000;
    open_file_cache max=16 inactive=60s;
    sendfile on;
    etag off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = /xmlrpc/v3.1/SoftLayer_Ticket {
            default_type "$(cat "$WORK/xmlrpc.type")";
            alias $WORK/www/xmlrpc.reply;
            error_page 405 =200 \$uri;
        }
        location = /soap/v3.1/SoftLayer_Ticket {
            default_type "$(cat "$WORK/soap.type")";
            alias $WORK/www/soap.reply;
            error_page 405 =200 \$uri;
        }
        location /rest/ {
            default_type "$(cat "$WORK/rest.type")";
            root $WORK/www;
            rewrite ^ /rest.reply break;
        }
    }
}
EOF
"$NGINX_BIN" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' \
    >"$WORK/nginx/logs/stdout.log" 2>&1 &
BENCH_PIDS+=("$!")
sleep 1

# run NAME PORT TRANSPORT: "RPS P50_MS P99_MS NON200 OWN_P99_MS". OWN_P99_MS is the server's
# own time (from the request body read to the reply's last byte written) at the 99th
# percentile, from its /metrics histogram over the measured run ("-" for nginx): what wrk
# measures beyond it is the wait to be read and to reach wrk, with 32 connections
# sharing two cores with wrk.
run() {
    local out="$WORK/wrk-$1-$3.txt"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s "$WORK/$3.lua" "http://127.0.0.1:$2" >/dev/null 2>&1 || true
    local before="$WORK/metrics-$1-$3-before.txt" after="$WORK/metrics-$1-$3-after.txt" own="-"
    if [ "$1" = server ]; then fetch_metrics "$2" "$before"; fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/$3.lua" "http://127.0.0.1:$2" > "$out" 2>&1 || true
    if [ "$1" = server ]; then
        fetch_metrics "$2" "$after"
        own=$(own_p99 "$before" "$after" "$3" getObject)
    fi
    python3 - "$out" "$own" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(p):
    m = re.search(rf"^\s*{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
own = sys.argv[2]
print(f"{rps:.0f} {ms(50):.2f} {ms(99):.2f} {bad.group(1) if bad else 0} {own}")
PY
}

LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "SoftLayer_Ticket::getObject of a random ticket of $TICKETS per request (wrk Lua request()),"
echo "server --no-reply-cache vs nginx serving one canned reply of median size, same wrk script;"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores shared, load average before: $LOAD"
echo
echo "| transport | reply bytes | server req/s | server p50 | server p99 | its own p99 | nginx req/s | nginx p99 | ratio | target |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
ROUND_RATIOS=()
for round in $(seq 1 "$ROUNDS"); do
    [ "$ROUNDS" = 1 ] || echo "| round $round of $ROUNDS | | | | | | | | | |"
    for t in xmlrpc soap rest; do
        read -r s_rps s_p50 s_p99 s_bad s_own <<<"$(run server "$PORT" "$t")"
        read -r n_rps n_p50 n_p99 n_bad _ <<<"$(run nginx "$NGINX_PORT" "$t")"
        [ "$s_bad" = 0 ] || say "warning: $s_bad non-200 answers from the server ($t)"
        [ "$n_bad" = 0 ] || say "warning: $n_bad non-200 answers from nginx ($t)"
        target=$([ "$t" = xmlrpc ] && echo "≥ 0.50, p99 < 3 ms" || echo "≥ 0.35, p99 < 3 ms")
        ratio=$(python3 -c "print(f'{$s_rps / $n_rps:.2f}')")
        ROUND_RATIOS+=("$t=$ratio")
        name=$(case $t in xmlrpc) echo XML-RPC;; soap) echo SOAP;; rest) echo "REST JSON";; esac)
        echo "| $name | $(wc -c < "$WORK/$t.reply") | $s_rps | $s_p50 ms | $s_p99 ms | $s_own ms | $n_rps | $n_p99 ms | $ratio | $target |"
    done
done
if [ "$ROUNDS" -gt 1 ]; then
    # Each round measures the server and nginx back to back, so a neighbour's load that
    # comes and goes moves both; the median of the rounds' ratios is the reading.
    echo
    python3 - "${ROUND_RATIOS[@]}" <<'PY'
import statistics, sys
by = {}
for item in sys.argv[1:]:
    t, r = item.split("=")
    by.setdefault(t, []).append(float(r))
names = {"xmlrpc": "XML-RPC", "soap": "SOAP", "rest": "REST JSON"}
for t, rs in by.items():
    print(f"{names[t]}: median ratio of {len(rs)} rounds {statistics.median(rs):.2f} "
          f"(rounds: {', '.join(f'{r:.2f}' for r in rs)})")
PY
fi
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
