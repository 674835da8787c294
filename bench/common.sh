# What every benchmark script shares; sourced (`. bench/common.sh`) from the repository root.
#
# say/die: messages on stderr. build_server: a release build (or BENCH_BIN); sets BIN. need_wrk and
# need_wrk_and_nginx: install the load tools from Debian when missing (as root); the
# latter sets NGINX_BIN and keeps the package's own nginx service from starting.
# DEMO_API_KEY: the demo user's key. fetch_metrics and own_p99: the server's own latency
# (its /metrics histogram) between two moments. bench_workdir: the work directory WORK and
# the cleanup of it and of the processes in BENCH_PIDS. seed_database and bench_database:
# a synthetic database. free_port, start_server, wait_health and stop_server: a server on
# 127.0.0.1 in the background.

# The seeded demo user's API key (src/store/seed.rs), for the scripts' clients; exported
# so that their embedded Python reads it as os.environ["DEMO_API_KEY"].
export DEMO_API_KEY='0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# BENCH_BIN=path runs another build instead (to compare two commits on one machine).
build_server() {
    if [ -n "${BENCH_BIN:-}" ]; then
        BIN="$BENCH_BIN"
        say "using $BIN (BENCH_BIN)"
        return
    fi
    say "building the server (release)"
    cargo build --release --quiet
    BIN="target/release/softlayer-ticket-server"
}

# apt_install PACKAGE…: from Debian, with no service started by the packages.
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "$* needed and apt-get is not available"
    [ "$(id -u)" = 0 ] || die "$* needed: run as root, or install first"
    say "installing $* from Debian"
    local made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
}

# fetch_metrics PORT FILE: the server's /metrics into FILE (empty when it does not answer).
fetch_metrics() {
    python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
        "http://127.0.0.1:$1/metrics" > "$2" 2>/dev/null || : > "$2"
}

# own_p99 BEFORE AFTER TRANSPORT METHOD: the 99th percentile, in ms, of the server's own
# time for SoftLayer_Ticket::METHOD over TRANSPORT between two fetch_metrics files: its
# latency histogram counts from the request body read to the reply's last byte written,
# so what a client measures beyond it is the wait to be read and to reach the client.
# Interpolated within a bucket as Prometheus's histogram_quantile does; "-" without calls.
own_p99() {
    python3 - "$@" <<'PY'
import re, sys
before_file, after_file, transport, method = sys.argv[1:5]
def buckets(path):
    pattern = (r'^softlayer_emulator_call_duration_seconds_bucket\{le="([^"]+)",'
               rf'transport="{transport}",service="SoftLayer_Ticket",method="{method}"\}} (\d+)')
    return {float(le): int(n) for le, n in re.findall(pattern, open(path).read(), re.M)}
before, after = buckets(before_file), buckets(after_file)
counts = sorted((le, after[le] - before.get(le, 0)) for le in after)
total = counts[-1][1] if counts else 0
own, lower, below = "-", 0.0, 0
for le, n in counts:
    if total and n >= 0.99 * total:
        at = lower if n == below else lower + (le - lower) * (0.99 * total - below) / (n - below)
        own = f"{at * 1000:.2f}" if le != float("inf") else f">{lower * 1000:.1f}"
        break
    lower, below = le, n
print(own)
PY
}

need_wrk() {
    command -v wrk >/dev/null 2>&1 || apt_install wrk
    command -v wrk >/dev/null 2>&1 || die "wrk is not installed"
}

need_wrk_and_nginx() {
    NGINX_BIN="$(command -v nginx || true)"
    if [ -z "$NGINX_BIN" ] && [ -x /usr/sbin/nginx ]; then NGINX_BIN=/usr/sbin/nginx; fi
    if ! command -v wrk >/dev/null 2>&1 || [ -z "$NGINX_BIN" ]; then
        apt_install wrk nginx
        NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
    fi
    command -v wrk >/dev/null 2>&1 || die "wrk is not installed"
    [ -x "$NGINX_BIN" ] || die "nginx is not installed"
}

# bench_workdir NAME: makes WORK, a fresh directory /tmp/NAME.XXXXXX, and sets the cleanup
# on exit: every process whose pid is in BENCH_PIDS (start_server adds its servers; add
# others with BENCH_PIDS+=("$!")) is stopped, then WORK removed. INT and TERM exit with 130,
# so they clean up too.
bench_workdir() {
    WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
    BENCH_PIDS=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# bench_cleanup: bench_workdir's EXIT trap (SIGTERM to each of BENCH_PIDS, then wait).
bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}

# seed_database DB TICKETS TIMEOUT [SEED ARGUMENT...]: seeds DB with TICKETS synthetic
# tickets (BIN must be set: build_server first), given TIMEOUT seconds; the seed's log is
# seed.log beside DB, shown when it fails.
seed_database() {
    local db="$1" tickets="$2" limit="$3" log
    log="$(dirname "$db")/seed.log"
    shift 3
    timeout "$limit" "$BIN" seed --db "$db" --synthetic-tickets "$tickets" "$@" 2>"$log" \
        || { cat "$log" >&2; die "seeding failed"; }
}

# bench_database DIR TICKETS: sets DB to BENCH_DB when given, else seeds a fresh database
# of TICKETS synthetic tickets in DIR (BIN must be set: build_server first).
bench_database() {
    DB="${BENCH_DB:-}"
    [ -n "$DB" ] && return 0
    DB="$1/bench.sqlite3"
    say "seeding $2 synthetic tickets"
    seed_database "$DB" "$2" 1800
}

# free_port: an unused local TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server PORT LOG WAIT [SERVE ARGUMENT...]: starts `$BIN serve --listen 127.0.0.1:PORT
# SERVE ARGUMENT...` in the background, its output appended to LOG; sets SERVER_PID and
# adds it to BENCH_PIDS; then, unless WAIT is 0, waits up to WAIT seconds for it to answer
# /health (wait_health). Another build: BIN=path start_server ...; the server's environment:
# VAR=value start_server ...
start_server() {
    local port="$1" log="$2" limit="$3"
    shift 3
    "$BIN" serve --listen "127.0.0.1:$port" "$@" >>"$log" 2>&1 &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
    [ "$limit" = 0 ] || wait_health "$port" "$limit" "$SERVER_PID" "$log"
}

# wait_health PORT WAIT PID LOG: until GET /health on PORT answers; dies with LOG on stderr
# as soon as process PID has exited, or when WAIT seconds have passed.
wait_health() {
    local port="$1" deadline=$((SECONDS + $2)) pid="$3" log="$4"
    while [ "$SECONDS" -lt "$deadline" ]; do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
            2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server exited"; }
        sleep 0.1
    done
    cat "$log" >&2
    die "the server did not answer /health within $2 s"
}

# stop_server: stops the server SERVER_PID (SIGTERM; harmless when it is already exiting),
# waits for it and takes it off BENCH_PIDS; SERVER_PID is then empty.
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    local pid kept=()
    for pid in "${BENCH_PIDS[@]}"; do [ "$pid" = "$SERVER_PID" ] || kept+=("$pid"); done
    BENCH_PIDS=("${kept[@]}")
    SERVER_PID=""
}
