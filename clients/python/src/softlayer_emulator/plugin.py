"""The pytest plugin: fixtures that give each test its own SoftLayer account.

- ``softlayer_emulator`` (session): a server started from the built binary on a free
  port with a temporary database, or the one at ``--softlayer-emulator-url`` /
  ``$SOFTLAYER_EMULATOR_URL`` (with ``--softlayer-emulator-admin-token`` /
  ``$SOFTLAYER_EMULATOR_ADMIN_TOKEN``).
- ``emulator`` (per test): the same :class:`Emulator`; after the test the clock is real
  again and fault rules are gone, so one test's time travel never leaks into the next.
  On a server the plugin started (one per process, so one per xdist worker) that is all
  rules and the clock; on a shared one (``$SOFTLAYER_EMULATOR_URL``) only the rules this
  test added through it, and the clock only if this test moved it: the clock, the rules
  and the journal are one per server, and other processes' tests use them meanwhile.
  Its ``journal()`` shows the calls made since the test began (``since=0`` for all).
- ``softlayer_account`` (per test): a fresh account, deleted afterwards; its document
  comes from ``@pytest.mark.softlayer_account({...})`` when the test has that marker.
- ``softlayer_client`` / ``softlayer_rest_client`` (per test): ``SoftLayer.Client`` for
  the account's first user over XML-RPC / REST.
"""

import os
import shlex

import pytest

from .control import Emulator, EmulatorError, start_emulator


def pytest_addoption(parser):
    group = parser.getgroup("softlayer-emulator")
    group.addoption("--softlayer-emulator-bin", default=None,
                    help="path to softlayer-ticket-server (default: $SOFTLAYER_EMULATOR_BIN or PATH)")
    group.addoption("--softlayer-emulator-url", default=None,
                    help="use the server running at this base URL, http://HOST:PORT, instead of "
                         "starting one (default: $SOFTLAYER_EMULATOR_URL)")
    group.addoption("--softlayer-emulator-admin-token", default=None,
                    help="the running server's admin token (default: $SOFTLAYER_EMULATOR_ADMIN_TOKEN)")
    group.addoption("--softlayer-emulator-args", default=None,
                    help="options for the server the plugin starts, as one string "
                         "(\"--journal calls.jsonl --max-streams 4\"; default: the ini "
                         "setting softlayer_emulator_args)")
    parser.addini("softlayer_emulator_args", default="",
                  help="options for the server the plugin starts, as on its command line")


def _shared_server(config):
    """The running server's (URL, admin token) the options or environment name, if any."""
    url = config.getoption("--softlayer-emulator-url") or os.environ.get("SOFTLAYER_EMULATOR_URL")
    token = (config.getoption("--softlayer-emulator-admin-token")
             or os.environ.get("SOFTLAYER_EMULATOR_ADMIN_TOKEN"))
    return url, token


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "softlayer_account(document): the seed-format document softlayer_account creates the account from",
    )


def pytest_collection_modifyitems(session, config, items):
    # Said once, before any test, and only when a test uses the server (a CI job that
    # exports the URL for every run, and `pytest --help`, are not stopped): checked in
    # the fixture, every test using it failed with its own copy, naming only the
    # environment variables.
    url, token = _shared_server(config)
    if not url or token:
        return
    if any("softlayer_emulator" in getattr(item, "fixturenames", ()) for item in items):
        source = ("--softlayer-emulator-url" if config.getoption("--softlayer-emulator-url")
                  else "SOFTLAYER_EMULATOR_URL")
        raise pytest.UsageError(
            f"{source} names a running server, whose admin token is needed too: give "
            "--softlayer-emulator-admin-token TOKEN or set SOFTLAYER_EMULATOR_ADMIN_TOKEN "
            "(the server prints it at start)")


@pytest.fixture(scope="session")
def softlayer_emulator(request, tmp_path_factory):
    url, token = _shared_server(request.config)
    if url:
        shared = Emulator(url, token)
        shared.shared = True
        yield shared
        return
    db = tmp_path_factory.mktemp("softlayer-emulator") / "softlayer.db"
    # The server's own settings, given here rather than by its environment variables
    # (which the servers it starts do not read).
    args = (request.config.getoption("--softlayer-emulator-args")
            or request.config.getini("softlayer_emulator_args"))
    emulator = start_emulator(request.config.getoption("--softlayer-emulator-bin"), db=db,
                              extra_args=shlex.split(args))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def emulator(softlayer_emulator):
    em = softlayer_emulator
    em.rules_added, em.clock_moved = [], False
    em.journal_start = None
    em.journal_start = em.journal_mark()
    yield em
    em.journal_start = None
    if not em.shared:
        em.real_clock()
        _ignore_404(em.clear_faults)  # a server without fault injection
        return
    # A shared server: another process's test may be using its own rules and clock now.
    if em.clock_moved:
        em.real_clock()
    for rule in em.rules_added:
        _ignore_404(lambda: em.delete_fault(rule))  # used up already


def _ignore_404(call):
    try:
        call()
    except EmulatorError as e:
        if e.status != 404:
            raise


@pytest.fixture
def softlayer_account(request, emulator):
    marker = request.node.get_closest_marker("softlayer_account")
    document = {}
    if marker:
        # As the marker's help names it, by keyword too (which was ignored, silently
        # giving the test an empty account).
        unknown = set(marker.kwargs) - {"document"}
        if unknown or (marker.args and "document" in marker.kwargs) or len(marker.args) > 1:
            raise pytest.UsageError(
                "softlayer_account takes one document: softlayer_account({...}) or "
                f"softlayer_account(document={{...}}), not args {marker.args!r} kwargs {marker.kwargs!r}")
        document = marker.args[0] if marker.args else marker.kwargs.get("document", {})
    account = emulator.create_account(document)
    yield account
    try:
        account.delete()
    except EmulatorError as e:
        if e.status != 404:  # the test deleted it, or reset the emulator
            raise


@pytest.fixture
def softlayer_client(softlayer_account):
    return softlayer_account.client("xmlrpc")


@pytest.fixture
def softlayer_rest_client(softlayer_account):
    return softlayer_account.client("rest")
