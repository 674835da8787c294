#!/usr/bin/env bash
# Benchmark: XML-RPC SoftLayer_Ticket::getObject against nginx serving the
# same reply bytes.
#
#   bench/xmlrpc-getobject.sh            (as root on Debian; installs wrk, nginx)
#
# What it does, all on 127.0.0.1 and bounded in time:
#   1. installs wrk and nginx from Debian if missing (apt-get update first);
#   2. builds the server in release and starts it on a fresh database file;
#   3. captures the exact reply body of SoftLayer_Ticket::getObject on ticket
#      160000001 (three updates) with mask
#      mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]
#      as user demo;
#   4. starts a throw-away nginx (own prefix, config and logs in a temp dir)
#      that answers the same POST with those identical bytes (the static module
#      refuses POST with 405; `error_page 405 =200 $uri` turns that into an
#      internal GET of the same file);
#   5. runs `wrk -t2 -c32 -d10s --latency` (after a 2 s warm-up) with a Lua
#      script that POSTs the request body, against both;
#   6. prints requests/s and p99 latency of each and the ratios, as a
#      Markdown table to paste into the README.
#
# nginx runs worker_processes = nproc: the server's tokio runtime uses one
# worker thread per core by default, so both get the same number of cores.
# wrk runs on the same machine and competes with both for CPU.
#
# Tunables (environment): BENCH_DURATION (10s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_WARMUP (2s).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
WARMUP="${BENCH_WARMUP:-2s}"
MASK='mask[id,title,status[name],updates[entry,createDate,editor],assignedUser[firstName,lastName]]'
ENDPOINT_PATH='/xmlrpc/v3.1/SoftLayer_Ticket'

. bench/common.sh

# --- 1. tools ---------------------------------------------------------------
need_wrk_and_nginx
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the HTTP checks"

# --- 2. server --------------------------------------------------------------
build_server

bench_workdir sl-bench
chmod 755 "$WORK"            # nginx workers (user nobody) read the reply file

# wait_http URL SECONDS: until GET URL answers (any status).
wait_http() {
    python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request, urllib.error
url, limit = sys.argv[1], float(sys.argv[2])
deadline = time.time() + limit
while time.time() < deadline:
    try:
        urllib.request.urlopen(url, timeout=1).read()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
PY
}

# post URL BODYFILE OUTFILE: POST, write the reply body; prints status and content type.
post() {
    python3 - "$1" "$2" "$3" <<'PY'
import sys, urllib.request, urllib.error
url, body_file, out_file = sys.argv[1:4]
data = open(body_file, "rb").read()
req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "text/xml"})
try:
    resp = urllib.request.urlopen(req, timeout=10)
except urllib.error.HTTPError as e:
    resp = e
body = resp.read()
open(out_file, "wb").write(body)
print(resp.status, resp.headers.get("Content-Type", ""))
PY
}

SERVER_PORT="$(free_port)"
say "starting softlayer-ticket-server on 127.0.0.1:$SERVER_PORT"
start_server "$SERVER_PORT" "$WORK/server.log" 20 --db "$WORK/bench.sqlite3"

# The same server with its reply cache off: every request read from SQLite.
UNCACHED_PORT="$(free_port)"
start_server "$UNCACHED_PORT" "$WORK/server-uncached.log" 20 --no-reply-cache --db "$WORK/bench-uncached.sqlite3"

# --- 3. the request and its reply ---------------------------------------------
cat > "$WORK/request.xml" <<EOF
<?xml version='1.0' encoding='iso-8859-1'?>
<methodCall>
<methodName>getObject</methodName>
<params>
<param>
<value><struct>
<member>
<name>headers</name>
<value><struct>
<member>
<name>authenticate</name>
<value><struct>
<member>
<name>username</name>
<value><string>demo</string></value>
</member>
<member>
<name>apiKey</name>
<value><string>$DEMO_API_KEY</string></value>
</member>
</struct></value>
</member>
<member>
<name>SoftLayer_TicketInitParameters</name>
<value><struct>
<member>
<name>id</name>
<value><int>160000001</int></value>
</member>
</struct></value>
</member>
<member>
<name>SoftLayer_ObjectMask</name>
<value><struct>
<member>
<name>mask</name>
<value><string>$MASK</string></value>
</member>
</struct></value>
</member>
</struct></value>
</member>
</struct></value>
</param>
</params>
</methodCall>
EOF

post "http://127.0.0.1:$SERVER_PORT$ENDPOINT_PATH" "$WORK/request.xml" "$WORK/reply.xml" > "$WORK/status.txt"
read -r status ctype < "$WORK/status.txt"
[ "$status" = 200 ] || { cat "$WORK/reply.xml" >&2; die "getObject answered HTTP $status"; }
grep -q '<fault>' "$WORK/reply.xml" && { cat "$WORK/reply.xml" >&2; die "getObject answered a fault"; }
python3 - "$WORK/reply.xml" <<'PY' || die "the getObject reply is not the expected ticket"
import sys, xmlrpc.client
(ticket,), _ = xmlrpc.client.loads(open(sys.argv[1], "rb").read())
assert ticket["id"] == 160000001, ticket
assert len(ticket["updates"]) == 3, ticket
PY
chmod 644 "$WORK/reply.xml"
REPLY_BYTES="$(wc -c < "$WORK/reply.xml")"
ctype="${ctype:-text/xml}"
say "captured the reply: $REPLY_BYTES bytes, Content-Type: $ctype"

# --- 4. nginx ------------------------------------------------------------------
NGINX_PORT="$(free_port)"
WORKERS="$(nproc)"
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes $WORKERS;
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
    keepalive_timeout 60s;
    open_file_cache max=16 inactive=60s;
    open_file_cache_valid 60s;
    sendfile on;
    etag off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = $ENDPOINT_PATH {
            default_type "$ctype";
            alias $WORK/reply.xml;
            # The static module answers POST with 405; serve the file instead.
            error_page 405 =200 \$uri;
        }
    }
}
EOF
"$NGINX_BIN" -t -q -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" \
    || die "nginx rejected its configuration"
say "starting nginx on 127.0.0.1:$NGINX_PORT ($WORKERS workers)"
"$NGINX_BIN" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' \
    >"$WORK/nginx/logs/stdout.log" 2>&1 &
BENCH_PIDS+=("$!")
wait_http "http://127.0.0.1:$NGINX_PORT/" 10 || die "nginx did not start"

post "http://127.0.0.1:$NGINX_PORT$ENDPOINT_PATH" "$WORK/request.xml" "$WORK/nginx-reply.xml" > "$WORK/status.txt"
read -r nstatus _ < "$WORK/status.txt"
[ "$nstatus" = 200 ] || die "nginx answered the POST with HTTP $nstatus"
cmp -s "$WORK/reply.xml" "$WORK/nginx-reply.xml" || die "nginx does not return the same bytes"

# --- 5. wrk ----------------------------------------------------------------------
cat > "$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
local f = assert(io.open("$WORK/request.xml", "rb"))
wrk.body = f:read("*a")
f:close()
EOF

# run_wrk NAME URL: prints "RPS P99_MS NON2XX ERRORS"
run_wrk() {
    local name="$1" url="$2" out="$WORK/wrk-$1.txt"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/post.lua" "$url" >/dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "$url" > "$out"
    sed 's/^/    /' "$out" >&2
    python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
p99 = float(m.group(1)) * scale
non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
errors = re.search(r"Socket errors:.*", text)
print(f"{rps:.0f} {p99:.3f} {non2xx.group(1) if non2xx else 0} {'yes' if errors else 'no'}")
PY
}

LOAD_BEFORE="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)"
say "load average (1 min) before the runs: $LOAD_BEFORE (other work on the machine skews the numbers)"
say "wrk against softlayer-ticket-server"
run_wrk server "http://127.0.0.1:$SERVER_PORT$ENDPOINT_PATH" > "$WORK/result-server.txt"
read -r s_rps s_p99 s_bad s_err < "$WORK/result-server.txt"
say "wrk against softlayer-ticket-server --no-reply-cache"
post "http://127.0.0.1:$UNCACHED_PORT$ENDPOINT_PATH" "$WORK/request.xml" "$WORK/uncached-reply.xml" >/dev/null
cmp -s "$WORK/reply.xml" "$WORK/uncached-reply.xml" || die "the uncached server answers different bytes"
run_wrk uncached "http://127.0.0.1:$UNCACHED_PORT$ENDPOINT_PATH" > "$WORK/result-uncached.txt"
read -r u_rps u_p99 u_bad u_err < "$WORK/result-uncached.txt"
say "wrk against nginx"
run_wrk nginx "http://127.0.0.1:$NGINX_PORT$ENDPOINT_PATH" > "$WORK/result-nginx.txt"
read -r n_rps n_p99 n_bad n_err < "$WORK/result-nginx.txt"

[ "$s_bad" = 0 ] || say "warning: the server gave $s_bad non-2xx answers"
[ "$n_bad" = 0 ] || say "warning: nginx gave $n_bad non-2xx answers"
[ "$s_err" = no ] || say "warning: socket errors against the server (see wrk output above)"
[ "$n_err" = no ] || say "warning: socket errors against nginx (see wrk output above)"

# --- 6. report ---------------------------------------------------------------------
python3 - "$s_rps" "$s_p99" "$n_rps" "$n_p99" "$u_rps" "$u_p99" "$REPLY_BYTES" "$THREADS" "$CONNECTIONS" "$DURATION" "$WORKERS" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$("$NGINX_BIN" -v 2>&1 | sed 's/.*nginx\///')" \
    "$LOAD_BEFORE" <<'PY'
import sys, datetime, os
s_rps, s_p99, n_rps, n_p99, u_rps, u_p99 = map(float, sys.argv[1:7])
size, threads, conns, dur, workers, commit, nginx_v, load = sys.argv[7:15]
print()
print(f"XML-RPC SoftLayer_Ticket::getObject, ticket 160000001 (3 updates), reply {size} bytes; "
      f"wrk -t{threads} -c{conns} -d{dur} --latency, loopback, {os.cpu_count()} cores, "
      f"nginx {nginx_v} with {workers} workers; load average before {load}; "
      f"commit {commit}, {datetime.date.today()}")
print()
print("| target | requests/s | p99 latency |")
print("|---|---:|---:|")
print(f"| softlayer-ticket-server | {s_rps:.0f} | {s_p99:.2f} ms |")
print(f"| softlayer-ticket-server --no-reply-cache | {u_rps:.0f} | {u_p99:.2f} ms |")
print(f"| nginx, same reply bytes (static file) | {n_rps:.0f} | {n_p99:.2f} ms |")
print(f"| ratio server/nginx | {s_rps / n_rps:.2f} | {s_p99 / n_p99:.2f} |")
print(f"| ratio uncached server/nginx | {u_rps / n_rps:.2f} | {u_p99 / n_p99:.2f} |")
PY
