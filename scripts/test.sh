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

SL_TEST_VENV="$(cd "$VENV" && pwd)"
export SL_TEST_VENV

# --no-fail-fast: every test binary runs and reports, the exit status still fails.
cargo test --release --no-fail-fast "$@"
