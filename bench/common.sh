# What every benchmark script shares; sourced (`. bench/common.sh`) from the repository root.
#
# say/die: messages on stderr. build_server: a release build (or BENCH_BIN); sets BIN. need_wrk and
# need_wrk_and_nginx: install the load tools from Debian when missing (as root); the
# latter sets NGINX_BIN and keeps the package's own nginx service from starting.
# DEMO_API_KEY: the demo user's key. fetch_metrics and own_p99: the server's own latency
# (its /metrics histogram) between two moments.

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

# bench_database DIR TICKETS: sets DB to BENCH_DB when given, else seeds a fresh database
# of TICKETS synthetic tickets in DIR (BIN must be set: build_server first).
bench_database() {
    DB="${BENCH_DB:-}"
    [ -n "$DB" ] && return 0
    DB="$1/bench.sqlite3"
    say "seeding $2 synthetic tickets"
    timeout 1800 "$BIN" seed --db "$DB" --synthetic-tickets "$2" 2>"$1/seed.log" \
        || { cat "$1/seed.log" >&2; die "seeding failed"; }
}

# free_port: an unused local TCP port.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
