"""The plugin's own tests: its fixtures against a real softlayer-ticket-server."""

import os
import pathlib
import re

import pytest
import SoftLayer

from softlayer_emulator import EmulatorError

HERE = pathlib.Path(__file__).resolve().parent
PROJECT = HERE.parents[2]


def _pytest(cwd, *args, env=None):
    """pytest run as its own process in ``cwd``, as a user runs it."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def _without_server_variables():
    return {k: v for k, v in os.environ.items()
            if k not in ("SOFTLAYER_EMULATOR_URL", "SOFTLAYER_EMULATOR_ADMIN_TOKEN")}


def test_each_test_gets_a_fresh_account_with_a_working_client(softlayer_client, softlayer_account):
    me = softlayer_client["Account"].getObject()
    assert me["id"] == softlayer_account.id
    assert softlayer_client["Account"].getTickets() == []
    user = softlayer_client["Account"].getCurrentUser()
    assert user["username"] == softlayer_account.username


def test_accounts_do_not_see_each_other(emulator, softlayer_client, softlayer_account):
    other = emulator.create_account({"SoftLayer_Ticket": [{"id": 1, "title": "theirs", "subjectId": 1001}]})
    try:
        theirs = other.tickets[0]
        with pytest.raises(SoftLayer.SoftLayerAPIError) as e:
            softlayer_client["Ticket"].getObject(id=theirs)
        assert e.value.faultCode == "SoftLayer_Exception_ObjectNotFound"
        assert other.client()["Ticket"].getObject(id=theirs)["title"] == "theirs"
    finally:
        other.delete()
    assert other.id not in [a["id"] for a in emulator.accounts()]


@pytest.mark.softlayer_account({
    "SoftLayer_User_Customer": [{"id": 1}, {"id": 2, "firstName": "Second"}],
    "SoftLayer_Hardware": [{"id": 1, "hostname": "web01"}],
})
def test_the_marker_gives_the_account_document(softlayer_account, softlayer_rest_client):
    assert len(softlayer_account.users) == 2
    hardware = softlayer_rest_client["Account"].getHardware(mask="mask[id,hostname]")
    assert [(h["id"], h["hostname"]) for h in hardware] == [(softlayer_account.hardware[0], "web01")]
    second = softlayer_account.client(user=1)
    assert second["Account"].getCurrentUser()["firstName"] == "Second"


# What the tests that leave something behind did, for the tests after them to check:
# run alone (`-k`), those would check nothing, so they fail instead.
_LEFT_BEHIND = set()


def test_the_clock_is_real_again_after_a_test_that_set_it(emulator):
    emulator.set_clock("2030-06-01T00:00:00+00:00")
    assert emulator.clock()["mode"] == "fixed"
    _LEFT_BEHIND.add("clock")


def test_the_clock_was_put_back(emulator):
    # Runs after the test above (pytest keeps file order): the fixture undid its clock.
    assert "clock" in _LEFT_BEHIND, "run with the test before it, which sets the clock"
    assert emulator.clock()["mode"] == "real"


def test_snapshots_and_restore(emulator, softlayer_client):
    tickets = SoftLayer.TicketManager(softlayer_client)
    emulator.snapshot("plugin-before")
    made = tickets.create_ticket(title="ephemeral", body="x", subject=1001)
    emulator.restore("plugin-before")
    with pytest.raises(SoftLayer.SoftLayerAPIError):
        softlayer_client["Ticket"].getObject(id=made["id"])
    assert "plugin-before" in [s["name"] for s in emulator.snapshots()]
    emulator.delete_snapshot("plugin-before")


def test_faults_and_the_journal(emulator, softlayer_client, softlayer_account):
    emulator.add_fault(service="SoftLayer_Account", method="getObject",
                       fault={"class": "SoftLayer_Exception_Public", "message": "Not now."}, times=1)
    with pytest.raises(SoftLayer.SoftLayerAPIError) as e:
        softlayer_client["Account"].getObject()
    assert (e.value.faultCode, e.value.faultString) == ("SoftLayer_Exception_Public", "Not now.")
    assert softlayer_client["Account"].getObject()["id"] == softlayer_account.id
    calls = emulator.journal(service="SoftLayer_Account", method="getObject", user=softlayer_account.username)
    assert [c["outcome"] for c in calls[:2]] == ["ok", "fault"]
    assert calls[1]["injected"] is not None


def test_fault_rules_left_behind(emulator):
    emulator.add_fault(method="getObject", drop_connection=True)
    assert len(emulator.faults()) == 1
    _LEFT_BEHIND.add("fault rule")


def test_are_removed_after_the_test(emulator):
    # Runs after the test above: the fixture removed its rule.
    assert "fault rule" in _LEFT_BEHIND, "run with the test before it, which adds a rule"
    assert emulator.faults() == []


def test_metrics_count_the_calls(emulator, softlayer_client):
    softlayer_client["Account"].getObject()
    assert 'softlayer_emulator_calls_total{transport="xmlrpc",service="SoftLayer_Account",method="getObject",outcome="ok"}' in emulator.metrics()


def test_control_errors_raise_with_the_status(emulator):
    with pytest.raises(EmulatorError) as e:
        emulator.restore("no-such-snapshot")
    assert e.value.status == 404


def test_the_readme_example_is_the_one_ci_runs():
    """README "Using it in tests" shows examples/test_ticket_automation.py verbatim."""
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## Using it in tests", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    example = (HERE.parent / "examples" / "test_ticket_automation.py").read_text()
    assert example in blocks


def test_the_journal_shows_this_tests_calls_only_after_a_reset(emulator):
    # A reset puts the account and user numbering back: the next account made has the
    # id and username of one an earlier test used, and journal(account=) showed its calls.
    emulator.reset()
    earlier = emulator.create_account()
    earlier.client()["Account"].getObject()
    emulator.reset()
    emulator.journal_start = emulator.journal_mark()  # as the next test's fixture does
    again = emulator.create_account()
    assert (again.id, again.username) == (earlier.id, earlier.username)
    assert emulator.journal(account=again.id) == []
    assert emulator.journal(account=again.id, since=0) != []
    again.client()["Account"].getObject()
    assert [c["method"] for c in emulator.journal(account=again.id)] == ["getObject"]


def test_the_journal_gives_every_matching_call(emulator, softlayer_client):
    for _ in range(130):
        softlayer_client["Account"].getCurrentUser()
    assert len(emulator.journal(method="getCurrentUser")) == 130
    assert len(emulator.journal(method="getCurrentUser", limit=5)) == 5


def test_the_journal_pages_past_calls_made_while_it_reads(emulator, softlayer_client, monkeypatch):
    # Each call made between two pages pushed an entry already read onto the next page:
    # a code under test with a poller saw its calls counted twice.
    for _ in range(1003):
        softlayer_client["Account"].getCurrentUser()
    read = emulator.request

    def calls_meanwhile(http_method, path, body=None, **params):
        answer = read(http_method, path, body, **params)
        if path == "journal":
            for _ in range(5):
                softlayer_client["Account"].getCurrentUser()
        return answer

    monkeypatch.setattr(emulator, "request", calls_meanwhile)
    ids = [c["id"] for c in emulator.journal(method="getCurrentUser")]
    monkeypatch.undo()
    assert len(ids) == len(set(ids)) == 1003
    assert len(emulator.journal(method="getCurrentUser")) == 1013


def test_a_fault_rule_for_a_service_no_call_has_is_refused(emulator):
    with pytest.raises(EmulatorError) as e:
        emulator.add_fault(service="Account", method="getObject", preset="rate_limit")
    assert e.value.status == 400 and "SoftLayer_Account" in e.value.message
    rule = emulator.add_fault(service="SoftLayer_Account", method="getObject", preset="rate_limit")
    emulator.delete_fault(rule["id"])
    assert emulator.faults() == []


def test_a_proxy_in_the_environment_is_not_used_for_the_emulator(emulator, softlayer_account, monkeypatch):
    # Nothing listens on port 9: a request sent through this proxy would fail.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert emulator.healthy()
    assert emulator.accounts()
    assert softlayer_account.client()["Account"].getObject()["id"] == softlayer_account.id


def test_one_tickets_mail_can_be_cleared(emulator, softlayer_account):
    client = softlayer_account.client()
    first = SoftLayer.TicketManager(client).create_ticket(title="a", body="x", subject=1001)
    second = SoftLayer.TicketManager(client).create_ticket(title="b", body="y", subject=1001)
    for ticket in (first, second):
        emulator.reply(ticket["id"], "answered")
    emulator.clear_outbox(ticket=first["id"])
    assert emulator.outbox(ticket=first["id"]) == []
    assert emulator.outbox(ticket=second["id"]) != []


def test_the_outbox_pages_and_counts(emulator, softlayer_account):
    client = softlayer_account.client()
    ticket = SoftLayer.TicketManager(client).create_ticket(title="a", body="x", subject=1001)
    for n in range(3):
        emulator.reply(ticket["id"], f"answer {n}")
    every = emulator.outbox(ticket=ticket["id"])
    assert emulator.outbox_total(ticket=ticket["id"]) == len(every) >= 3
    assert emulator.outbox(ticket=ticket["id"], limit=2, offset=1) == every[1:3]


def test_the_journal_clears_through_a_mark(emulator, softlayer_client):
    softlayer_client["Account"].getObject()
    mark = emulator.journal_mark()
    softlayer_client["Account"].getTickets()
    emulator.clear_journal(through=mark)
    kept = emulator.journal(since=0)
    assert [c["method"] for c in kept] == ["getTickets"]


@pytest.mark.softlayer_account(document={"SoftLayer_User_Customer": [{"id": 1}, {"id": 2}]})
def test_the_marker_takes_its_document_by_keyword_too(softlayer_account):
    # As the marker's help names it: by keyword it was ignored, for an empty account.
    assert len(softlayer_account.users) == 2


def test_an_unknown_user_of_an_account_is_named(softlayer_account):
    # A bare StopIteration (and an IndexError) said nothing of what was asked for.
    with pytest.raises(ValueError, match="no user 'nobody'"):
        softlayer_account.client(user="nobody")
    with pytest.raises(ValueError, match="no user 5"):
        softlayer_account.client(user=5)


def test_a_snapshot_name_is_one_path_segment(emulator):
    # "base/restore" restored "base" where a snapshot was to be saved; "with space" and
    # "ü" raised before any request. Each is now the server's 400.
    emulator.snapshot("segment-base")
    try:
        for bad in ["segment-base/restore", "with space", "ü", "segment-base?x=1"]:
            with pytest.raises(EmulatorError) as e:
                emulator.snapshot(bad)
            assert e.value.status == 400, bad
            assert "is not a snapshot name" in str(e.value), bad
    finally:
        emulator.delete_snapshot("segment-base")


def test_started_servers_do_not_take_the_callers_server_settings(tmp_path, monkeypatch):
    # A developer's SOFTLAYER_EMULATOR_JOURNAL reached every server started: the first
    # wrote the test's calls into it, and the second refused the file the first held.
    from softlayer_emulator import start_emulator

    mine = tmp_path / "mine.jsonl"
    monkeypatch.setenv("SOFTLAYER_EMULATOR_JOURNAL", str(mine))
    first = start_emulator()
    try:
        second = start_emulator()
        try:
            assert first.healthy() and second.healthy()
            first.accounts()
        finally:
            second.stop()
    finally:
        first.stop()
    assert not mine.exists() or mine.read_text() == ""


def test_a_started_server_ends_with_its_starter_and_not_with_its_terminal():
    # The server was in pytest's process group, so Ctrl-C in a terminal stopped it with
    # pytest and the fixtures' teardowns failed against it; and a pytest (or xdist
    # worker) killed without its teardown left the server running for good.
    import os
    import signal
    import subprocess
    import sys
    import time

    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from softlayer_emulator import start_emulator\n"
         "em = start_emulator()\n"
         "print(em.process.pid, flush=True)\n"
         "time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        server = int(starter.stdout.readline())
        # A session of its own: a terminal's signal to pytest's group misses it.
        assert os.getpgid(server) == server != os.getpgid(0)
        starter.kill()
        starter.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(server, signal.SIGKILL)
            raise AssertionError("the server outlived the process that started it")
    finally:
        starter.kill()


def test_a_server_started_from_a_thread_outlives_the_thread():
    # Linux ends a child with the thread that started it, not the process: a server
    # started from a worker thread died as the thread ended.
    import threading
    import time

    from softlayer_emulator import start_emulator

    box = {}
    worker = threading.Thread(target=lambda: box.setdefault("emulator", start_emulator()))
    worker.start()
    worker.join()
    emulator = box["emulator"]
    try:
        time.sleep(0.5)
        assert emulator.process.poll() is None
        assert emulator.healthy()
    finally:
        emulator.stop()


def test_a_running_server_without_its_token_stops_pytest_once_naming_the_option(tmp_path, monkeypatch):
    # Each test using the fixture failed on its own, naming only SOFTLAYER_EMULATOR_URL
    # and the token's variable, though the URL was given as an option (which had no token
    # option beside it).
    (tmp_path / "test_two.py").write_text(
        "def test_one(softlayer_emulator):\n    pass\n\n"
        "def test_two(softlayer_emulator):\n    pass\n")
    monkeypatch.delenv("SOFTLAYER_EMULATOR_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("SOFTLAYER_EMULATOR_URL", raising=False)
    run = _pytest(tmp_path, str(tmp_path), "--softlayer-emulator-url", "http://127.0.0.1:9")
    out = run.stdout + run.stderr
    assert run.returncode == 4, out
    assert out.count("--softlayer-emulator-admin-token") == 1, out
    assert "--softlayer-emulator-url names a running server" in out, out


def test_the_started_server_takes_its_options_from_the_option_or_the_ini_file(tmp_path):
    # The README said to give a started server's settings as start_emulator(extra_args=…),
    # which the plugin's own fixture had no way to pass.
    (tmp_path / "test_options.py").write_text(
        "def test_journal(softlayer_account, softlayer_client):\n"
        "    softlayer_client.call('SoftLayer_Account', 'getObject')\n")
    env = _without_server_variables()
    journal = tmp_path / "calls.jsonl"
    run = _pytest(tmp_path, str(tmp_path), "--softlayer-emulator-args",
                  f"--journal {journal} --max-streams 4", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SoftLayer_Account" in journal.read_text()
    ini_journal = tmp_path / "ini-calls.jsonl"
    (tmp_path / "pytest.ini").write_text(
        f"[pytest]\nsoftlayer_emulator_args = --journal {ini_journal}\n")
    run = _pytest(tmp_path, str(tmp_path), env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SoftLayer_Account" in ini_journal.read_text()


def test_a_url_without_a_token_stops_only_runs_that_use_the_server(tmp_path, monkeypatch):
    # Checked as pytest started, it stopped `pytest --help` (where the token's option is
    # looked up) and every run in a CI job that exports the URL for all of them.
    (tmp_path / "test_plain.py").write_text("def test_nothing():\n    assert True\n")
    monkeypatch.delenv("SOFTLAYER_EMULATOR_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("SOFTLAYER_EMULATOR_URL", "http://127.0.0.1:9")
    for args in (["--help"], [str(tmp_path)]):
        run = _pytest(tmp_path, *args)
        assert run.returncode == 0, run.stdout + run.stderr
    assert "--softlayer-emulator-admin-token" in _pytest(tmp_path, "--help").stdout


def test_a_running_server_takes_its_token_as_an_option(emulator, tmp_path):
    (tmp_path / "test_shared.py").write_text(
        "def test_accounts(softlayer_emulator):\n"
        "    assert softlayer_emulator.shared\n"
        "    softlayer_emulator.accounts()\n")
    env = _without_server_variables()
    run = _pytest(tmp_path, str(tmp_path), "--softlayer-emulator-url", emulator.url,
                  "--softlayer-emulator-admin-token", emulator.admin_token, env=env)
    assert run.returncode == 0, run.stdout + run.stderr


def test_https_proxy_in_the_environment_is_not_used_for_the_emulator(softlayer_account, monkeypatch):
    # softlayer-python makes https_proxy an explicit proxy for http:// URLs too, which
    # NO_PROXY does not reach: behind a proxy every client's call went to it. Nothing
    # listens on port 9.
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for transport in ("xmlrpc", "rest"):
        assert softlayer_account.client(transport)["Account"].getObject()["id"] == softlayer_account.id


def test_a_server_address_the_server_prints_is_taken_for_its_base_url(emulator, tmp_path):
    # The API address the server prints put the control API under it: every test failed
    # with "404: Not found: /xmlrpc/v3.1/_emulator/journal".
    from softlayer_emulator import Emulator

    for printed in (emulator.xmlrpc_url, emulator.rest_url, emulator.url + "/soap/v3",
                    emulator.url + "/_emulator/", emulator.url + "/"):
        assert Emulator(printed, emulator.admin_token).url == emulator.url, printed
    (tmp_path / "test_shared.py").write_text(
        "def test_accounts(softlayer_account, softlayer_client):\n"
        "    assert softlayer_client['Account'].getObject()['id'] == softlayer_account.id\n")
    env = _without_server_variables()
    run = _pytest(tmp_path, str(tmp_path), "--softlayer-emulator-url", emulator.xmlrpc_url,
                  "--softlayer-emulator-admin-token", emulator.admin_token, env=env)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_server_that_does_not_answer_is_named_without_a_urllib_traceback(emulator, tmp_path):
    from softlayer_emulator import Emulator, EmulatorUnreachable

    with pytest.raises(EmulatorUnreachable, match=r"at https://127\.0\.0\.1:\d+ .*plain HTTP: give http://"):
        Emulator(emulator.url.replace("http://", "https://"), emulator.admin_token).accounts()
    with pytest.raises(ValueError, match="not an http:// URL"):
        Emulator(emulator.url.replace("http://", ""), emulator.admin_token)
    (tmp_path / "test_shared.py").write_text("def test_accounts(softlayer_account):\n    pass\n")
    env = _without_server_variables()
    run = _pytest(tmp_path, str(tmp_path), "--softlayer-emulator-url", "http://127.0.0.1:9",
                  "--softlayer-emulator-admin-token", "x", env=env)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "no softlayer-ticket-server answered at http://127.0.0.1:9 (" in out, out
    assert "URLError" not in out, out


def test_a_wrong_binary_path_is_named_with_the_advice(tmp_path, monkeypatch):
    # A typo, or the repository's folder, was a bare FileNotFoundError or PermissionError
    # from deep in subprocess.
    from softlayer_emulator import start_emulator

    not_executable = tmp_path / "softlayer-ticket-server"
    not_executable.write_text("")
    for path, what in ((tmp_path / "nope", "does not exist"), (tmp_path, "is a folder"),
                       (not_executable, "is not executable")):
        monkeypatch.setenv("SOFTLAYER_EMULATOR_BIN", str(path))
        with pytest.raises(RuntimeError) as e:
            start_emulator()
        assert f"SOFTLAYER_EMULATOR_BIN={path} {what}" in str(e.value)
        assert "cargo build --release" in str(e.value)
    with pytest.raises(RuntimeError, match=r"the binary .*nope does not exist.*cargo build"):
        start_emulator(tmp_path / "nope")
