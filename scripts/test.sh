#!/usr/bin/env bash
# The test command: ./scripts/test.sh [extra cargo test arguments]
#
# Integration tests drive the real server binary with real clients. The Python
# client (softlayer-python's slcli) lives in a virtual environment under
# target/test-venv, created on first use and reused afterwards; its path reaches
# the tests through SL_TEST_VENV. Tests run against the release build, the same
# optimised binary the benchmark measures.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SOFTLAYER_VERSION="6.2.9"
VENV="target/test-venv"
PYTHON="${PYTHON:-python3}"

say() { printf 'test.sh: %s\n' "$*" >&2; }

venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

client_ok() {
    [ -x "$VENV/bin/slcli" ] && "$VENV/bin/python" - "$SOFTLAYER_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if version("SoftLayer") == sys.argv[1] else 1)
PY
}

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "error: $PYTHON not found; the client tests need Python 3 (3.11)"
    exit 1
fi

if ! venv_ok; then
    say "creating Python virtual environment in $VENV"
    rm -rf "$VENV"
    mkdir -p target
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        # Debian's python3 comes without ensurepip; its python3-venv package
        # brings it. Install it when we may (root with apt-get), else say so.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            say "'$PYTHON -m venv' failed; installing python3-venv with apt-get"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >/dev/null || true
            apt-get install -y -qq python3-venv >/dev/null || true
        fi
        if ! "$PYTHON" -m venv "$VENV" >/dev/null; then
            rm -rf "$VENV"
            say "error: '$PYTHON -m venv' failed. On Debian, install the venv module"
            say "       (apt-get install python3-venv) and run ./scripts/test.sh again."
            exit 1
        fi
    fi
fi

if ! client_ok; then
    say "installing SoftLayer==$SOFTLAYER_VERSION into $VENV"
    PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input "SoftLayer==$SOFTLAYER_VERSION"
    if ! client_ok; then
        say "error: SoftLayer==$SOFTLAYER_VERSION did not install a working slcli in $VENV"
        exit 1
    fi
fi

# SOAP client stacks (tests/it/soap_clients.rs): PHP's SoapClient (php-cli and
# php-soap from Debian), zeep and suds in the same virtual environment, and
# node-soap in a project-local folder whose node_modules reaches the tests
# through SL_TEST_NODE_MODULES.
ZEEP_VERSION="4.3.3"
SUDS_VERSION="1.2.0"
NODE_SOAP_VERSION="1.13.0"
NODE_CLIENTS="target/node-clients"

apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "error: $* missing; install them (apt-get install $*) and run ./scripts/test.sh again."
        exit 1
    fi
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# util-linux's `script` gives the seed's progress-bar test (tests/it/harness.rs) a
# terminal; Debian marks its package essential, but a trimmed image may lack it.
if ! command -v script >/dev/null 2>&1; then
    apt_install bsdutils
fi

if ! command -v php >/dev/null 2>&1 || ! php -m 2>/dev/null | grep -qix soap; then
    apt_install php-cli php-soap
fi

soap_clients_ok() {
    "$VENV/bin/python" - "$ZEEP_VERSION" "$SUDS_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if (version("zeep"), version("suds")) == (sys.argv[1], sys.argv[2]) else 1)
PY
}

if ! soap_clients_ok; then
    say "installing zeep==$ZEEP_VERSION and suds==$SUDS_VERSION into $VENV"
    PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input "zeep==$ZEEP_VERSION" "suds==$SUDS_VERSION"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi

node_soap_ok() {
    [ "$(node -p "require('./$NODE_CLIENTS/node_modules/soap/package.json').version" 2>/dev/null)" \
        = "$NODE_SOAP_VERSION" ]
}

if ! node_soap_ok; then
    say "installing soap@$NODE_SOAP_VERSION (node-soap) into $NODE_CLIENTS"
    mkdir -p "$NODE_CLIENTS"
    [ -f "$NODE_CLIENTS/package.json" ] || printf '{"private": true}\n' >"$NODE_CLIENTS/package.json"
    npm install --prefix "$NODE_CLIENTS" --silent --no-audit --no-fund \
        "soap@$NODE_SOAP_VERSION" >/dev/null
    if ! node_soap_ok; then
        say "error: soap@$NODE_SOAP_VERSION did not install into $NODE_CLIENTS"
        exit 1
    fi
fi

# The pytest plugin (clients/python) and what its tests and the Rust tests of the
# harness use: pytest, and prometheus_client's parser of the Prometheus text format.
PYTEST_VERSION="8.3.4"
PROMETHEUS_CLIENT_VERSION="0.21.1"

harness_tools_ok() {
    "$VENV/bin/python" - "$PYTEST_VERSION" "$PROMETHEUS_CLIENT_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if (version("pytest"), version("prometheus_client")) == (sys.argv[1], sys.argv[2]) else 1)
PY
}

if ! harness_tools_ok; then
    say "installing pytest==$PYTEST_VERSION and prometheus-client==$PROMETHEUS_CLIENT_VERSION into $VENV"
    PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input "pytest==$PYTEST_VERSION" "prometheus-client==$PROMETHEUS_CLIENT_VERSION"
fi

# Reinstalled every run, so the venv always holds this checkout's plugin. The venv's own
# setuptools builds it (no download); a venv without one falls back to pip's isolated build.
say "installing the pytest plugin (clients/python) into $VENV"
PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-input --no-deps --force-reinstall --no-build-isolation ./clients/python 2>/dev/null \
    || PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-input --no-deps --force-reinstall ./clients/python

# The support console's browser tests (tests/it/console.rs): Debian's chromium, driven
# by playwright-core from npm (no browser download of its own) in the same folder.
PLAYWRIGHT_CORE_VERSION="1.65.1"

if ! command -v chromium >/dev/null 2>&1; then
    apt_install chromium
fi
CHROMIUM="$(command -v chromium)"
export CHROMIUM

playwright_ok() {
    [ "$(node -p "require('./$NODE_CLIENTS/node_modules/playwright-core/package.json').version" 2>/dev/null)" \
        = "$PLAYWRIGHT_CORE_VERSION" ]
}

if ! playwright_ok; then
    say "installing playwright-core@$PLAYWRIGHT_CORE_VERSION into $NODE_CLIENTS"
    mkdir -p "$NODE_CLIENTS"
    [ -f "$NODE_CLIENTS/package.json" ] || printf '{"private": true}\n' >"$NODE_CLIENTS/package.json"
    npm install --prefix "$NODE_CLIENTS" --silent --no-audit --no-fund \
        "playwright-core@$PLAYWRIGHT_CORE_VERSION" >/dev/null
    if ! playwright_ok; then
        say "error: playwright-core@$PLAYWRIGHT_CORE_VERSION did not install into $NODE_CLIENTS"
        exit 1
    fi
fi

SL_TEST_NODE_MODULES="$(cd "$NODE_CLIENTS/node_modules" && pwd)"
export SL_TEST_NODE_MODULES

SL_TEST_VENV="$(cd "$VENV" && pwd)"
export SL_TEST_VENV

# --no-fail-fast: every test binary runs and reports, the exit status still fails.
# The output is kept in a file so that, on failure, each failing test's message can be
# printed again at the end, where a log viewer that shows only the tail still sees it.
cargo_status=0
cargo_log=target/test-output.log
mkdir -p target
cargo test --release --no-fail-fast "$@" 2>&1 | tee "$cargo_log" || cargo_status=$?

# The pytest plugin's own tests and the README's example ("Using it in tests"), against
# the binary cargo just built. Exit status 5 means pytest collected no tests: the tests
# went missing, which must not pass as success.
pytest_status=0
SOFTLAYER_EMULATOR_BIN="$(pwd)/target/release/softlayer-ticket-server" \
    "$VENV/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests clients/python/examples \
    || pytest_status=$?
if [ "$pytest_status" = 5 ]; then
    say "error: pytest collected no tests under clients/python"
elif [ "$pytest_status" != 0 ]; then
    say "error: the pytest plugin's tests failed (status $pytest_status)"
fi

if [ "$cargo_status" != 0 ]; then
    say "failing tests, the start of each message (all of it is in $cargo_log):"
    awk '/^---- .* ----$/ { n = 30 } /^stack backtrace:/ { n = 0 } n > 0 { print; n-- }' "$cargo_log" >&2
fi

if [ "$cargo_status" != 0 ] || [ "$pytest_status" != 0 ]; then
    exit 1
fi
