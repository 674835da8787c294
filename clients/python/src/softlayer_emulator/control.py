"""The emulator's control API (``/_emulator/``) from Python, and starting the server.

Only the standard library is used here; ``SoftLayer`` is imported when a client is made.
"""

import ctypes
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request


# Control requests go straight to the server: an HTTP_PROXY set for the machine would
# otherwise carry even loopback requests to the proxy.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _no_proxy_for(host):
    """Adds ``host`` to ``NO_PROXY``/``no_proxy`` so that clients made from the
    environment (``SoftLayer.Client``, through requests) reach the server directly too."""
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [h.strip() for h in os.environ.get(name, "").split(",") if h.strip()]
        if host not in hosts:
            os.environ[name] = ",".join(hosts + [host])


class EmulatorError(Exception):
    """A control API request answered with an error status."""

    def __init__(self, status, message):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class EmulatorUnreachable(ConnectionError):
    """No softlayer-ticket-server answered at the emulator's URL."""


# What the server prints at start names its API and control addresses: given as the
# emulator's URL, each put the control API under it ("404: Not found:
# /xmlrpc/v3.1/_emulator/journal"). The base URL is what comes before them.
_SERVER_PATH = re.compile(r"/(?:(?:xmlrpc|rest|soap)(?:/v3(?:\.1)?)?|_emulator(?:/ui)?)/*$")


def _base_url(url):
    """The server's base URL (``http://HOST:PORT``) from ``url``, which may also be one of
    the API or control addresses the server prints at start."""
    parts = urllib.parse.urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the emulator's URL {url!r} is not an http:// URL: give the server's "
                         "base URL, http://HOST:PORT")
    path = _SERVER_PATH.sub("", parts.path).rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _iso(when):
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            raise ValueError("give the clock an aware datetime (with a time zone)")
        return when.isoformat()
    return str(when)


def _duration(amount):
    if isinstance(amount, datetime.timedelta):
        return amount.total_seconds()
    return amount


class Account:
    """An account made for one test: its id, users (each with ``username`` and
    ``apiKey``) and the ids of what its document created."""

    def __init__(self, emulator, reply):
        self.emulator = emulator
        self.reply = reply
        self.id = reply["id"]
        self.users = reply["users"]
        self.username = self.users[0]["username"]
        self.api_key = self.users[0]["apiKey"]
        self.tickets = reply.get("tickets", [])
        self.hardware = reply.get("hardware", [])
        self.virtual_guests = reply.get("virtualGuests", [])
        self.dedicated_hosts = reply.get("dedicatedHosts", [])
        self.ids = reply.get("ids", {})

    def client(self, transport="xmlrpc", user=0, timeout=30):
        """A ``SoftLayer.Client`` for one of the account's users (index or username),
        speaking XML-RPC (``"xmlrpc"``) or REST (``"rest"``)."""
        import SoftLayer

        names = [u["username"] for u in self.users]
        if isinstance(user, int) and not isinstance(user, bool):
            if not -len(self.users) <= user < len(self.users):
                raise ValueError(f"account {self.id} has {len(self.users)} user(s): no user {user}")
            who = self.users[user]
        elif user in names:
            who = self.users[names.index(user)]
        else:
            # A bare StopIteration said nothing (and inside a generator fixture became
            # "generator raised StopIteration").
            raise ValueError(f"account {self.id} has no user {user!r}: its users are {names}")
        kind, endpoint = {
            "xmlrpc": (SoftLayer.XmlRpcTransport, self.emulator.xmlrpc_url),
            "rest": (SoftLayer.RestTransport, self.emulator.rest_url),
        }[transport]
        made = kind(endpoint_url=endpoint, timeout=timeout)
        # softlayer-python makes `https_proxy` an explicit proxy for http:// URLs too,
        # which NO_PROXY does not reach: behind a proxy every call went to it. Direct,
        # as the control requests go.
        made.client.trust_env = False
        return SoftLayer.create_client_from_env(
            username=who["username"],
            api_key=who["apiKey"],
            transport=made,
            config_file=os.devnull,
        )

    def delete(self):
        self.emulator.delete_account(self.id)

    def __repr__(self):
        return f"Account(id={self.id}, username={self.username!r})"


class Emulator:
    """A running softlayer-ticket-server: its URLs and its control API."""

    def __init__(self, url, admin_token, process=None):
        # What the current test changed, for the plugin's clean-up on a shared server.
        self.rules_added = []
        self.clock_moved = False
        # Whether other processes use this server too ($SOFTLAYER_EMULATOR_URL).
        self.shared = False
        # The newest journal entry when the current test began (set by the plugin's
        # `emulator` fixture): journal() shows what came after it unless told otherwise.
        self.journal_start = None
        self.url = _base_url(url)
        self.admin_token = admin_token
        self.process = process
        self.xmlrpc_url = self.url + "/xmlrpc/v3.1/"
        self.rest_url = self.url + "/rest/v3.1/"

    # -- plumbing ---------------------------------------------------------------------

    def request(self, http_method, path, body=None, **params):
        """One control request; the JSON answer. ``params`` become the query string
        (``None`` values are left out)."""
        query = {k: v for k, v in params.items() if v is not None}
        url = f"{self.url}/_emulator/{path.lstrip('/')}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=http_method)
        req.add_header("Authorization", f"Bearer {self.admin_token}")
        req.add_header("Content-Type", "application/json")
        try:
            with _DIRECT.open(req, timeout=60) as resp:
                text = resp.read()
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                message = json.loads(text).get("error", text)
            except ValueError:
                message = text.decode(errors="replace")
            raise EmulatorError(e.code, message) from None
        except OSError as e:
            raise self._unreachable(e) from None
        return json.loads(text) if text else None

    def _unreachable(self, error):
        reason = getattr(error, "reason", error)
        hint = ("it speaks plain HTTP: give http://HOST:PORT" if self.url.startswith("https:")
                else "is it running, at that address?")
        return EmulatorUnreachable(
            f"no softlayer-ticket-server answered at {self.url} ({reason}): {hint}")

    def healthy(self):
        try:
            with _DIRECT.open(self.url + "/health", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    # -- accounts ---------------------------------------------------------------------

    def create_account(self, document=None):
        """A new isolated account from a document in the seed format (all optional)."""
        return Account(self, self.request("POST", "accounts", document or {}))

    def accounts(self):
        return self.request("GET", "accounts")["accounts"]

    def delete_account(self, account_id):
        return self.request("DELETE", f"accounts/{account_id}")

    # -- the support desk -------------------------------------------------------------

    def reply(self, ticket, entry, employee="sl-support-jdoe", awaiting_response=None):
        """An employee's update on a ticket; then the ticket waits on the customer
        (``awaiting_response=True``), no longer does (``False``), or is left as it was."""
        body = {"employee": employee, "entry": entry}
        if awaiting_response is not None:
            body["awaitingUserResponse"] = awaiting_response
        return self.request("POST", f"tickets/{ticket}/reply", body)["ticket"]

    def assign(self, ticket, employee="sl-support-jdoe"):
        return self.request("POST", f"tickets/{ticket}/assign", {"employee": employee})["ticket"]

    def move_to_group(self, ticket, group):
        return self.request("POST", f"tickets/{ticket}/group", {"group": group})["ticket"]

    def close(self, ticket):
        return self.request("POST", f"tickets/{ticket}/close")["ticket"]

    def reopen(self, ticket):
        return self.request("POST", f"tickets/{ticket}/reopen")["ticket"]

    def set_awaiting_response(self, ticket, value=True):
        return self.request("POST", f"tickets/{ticket}/awaiting-response", {"value": value})["ticket"]

    # -- state ------------------------------------------------------------------------

    def reset(self, empty=False):
        return self.request("POST", "reset", empty="true" if empty else None)

    # A name is one path segment, escaped: "base/restore" restored "base" where it was
    # to save a snapshot, and "with space" or "ü" raised before any request. Escaped,
    # the server says what a name may be, as an EmulatorError.
    def snapshot(self, name):
        return self.request("POST", f"snapshots/{_segment(name)}")

    def restore(self, name):
        return self.request("POST", f"snapshots/{_segment(name)}/restore")

    def delete_snapshot(self, name):
        return self.request("DELETE", f"snapshots/{_segment(name)}")

    def snapshots(self):
        return self.request("GET", "snapshots")["snapshots"]

    def export(self, account=None):
        return self.request("GET", "export", account=account)

    def import_document(self, document):
        return self.request("POST", "import", document)

    # -- the clock --------------------------------------------------------------------

    def clock(self):
        return self.request("GET", "clock")

    def set_clock(self, when):
        """Freezes the clock at ``when`` (ISO 8601 with offset, or an aware datetime)."""
        self.clock_moved = True
        return self.request("POST", "clock", {"set": _iso(when)})

    def advance_clock(self, amount):
        """Moves the clock on by ``"72h"``, ``"1d12h"``, seconds, or a timedelta; the reply's
        ``fired`` lists the scheduled actions that ran."""
        self.clock_moved = True
        return self.request("POST", "clock", {"advance": _duration(amount)})

    def real_clock(self):
        return self.request("POST", "clock", {"real": True})

    # -- faults -----------------------------------------------------------------------

    def add_fault(self, **rule):
        """Adds a fault rule (see the README's "Fault injection"); returns it with its id."""
        added = self.request("POST", "faults", rule)
        self.rules_added.append(added["id"])
        return added

    def faults(self):
        return self.request("GET", "faults")["rules"]

    def delete_fault(self, rule_id):
        """Removes one fault rule (404 once it is used up)."""
        return self.request("DELETE", f"faults/{rule_id}")

    def clear_faults(self):
        return self.request("DELETE", "faults")

    # -- the journal ------------------------------------------------------------------

    def journal(self, **filters):
        """Recorded calls, newest first (filters: service, method, user, account,
        transport, fault, since, limit, offset). All that match unless ``limit`` is given
        (the server answers 100 at a time). In a test (the ``emulator`` fixture) only the
        calls made since the test began, unless ``since`` is given (``since=0``: all the
        journal keeps): after a reset or restore, a new account may have the id and
        username of an earlier test's, and its calls would show up too."""
        if filters.get("since") is None and self.journal_start is not None:
            filters["since"] = self.journal_start
        if filters.get("limit") is not None:
            return self.request("GET", "journal", **filters)["calls"]
        # Newest first, a page at a time: a call made meanwhile pushes the older entries
        # down, so the next page repeats some. Those, and calls newer than the first page,
        # are left out: the answer is the journal as it was when the first page came.
        calls, seen, newest = [], set(), None
        offset = filters.pop("offset", None) or 0
        while True:
            page = self.request("GET", "journal", offset=offset, limit=1000, **filters)
            for call in page["calls"]:
                if newest is None:
                    newest = call["id"]
                if call["id"] <= newest and call["id"] not in seen:
                    seen.add(call["id"])
                    calls.append(call)
            offset += len(page["calls"])
            if not page["calls"] or offset >= page["total"]:
                return calls

    def journal_mark(self):
        """The id of the newest journal entry (0 when there is none): pass it as
        ``since`` to see only the calls made afterwards."""
        newest = self.request("GET", "journal", limit=1, since=0)["calls"]
        return newest[0]["id"] if newest else 0

    def clear_journal(self, through=None):
        """Deletes the journal, or only its calls up to the id ``through`` (a
        ``journal_mark()``): the calls made after it are kept."""
        return self.request("DELETE", "journal", through=through)

    # -- the outbox -------------------------------------------------------------------

    def outbox(self, ticket=None, to=None, event=None, account=None, limit=None, offset=None):
        """Mail sent, in the order sent: every message the filters match, or a page of
        them (``limit``, ``offset``); ``outbox_total`` counts them."""
        return self.request("GET", "outbox", ticket=ticket, to=to, event=event, account=account,
                            limit=limit, offset=offset)["messages"]

    def outbox_total(self, ticket=None, to=None, event=None, account=None):
        """How many messages the filters match."""
        return self.request("GET", "outbox", ticket=ticket, to=to, event=event, account=account,
                            limit=1)["total"]

    def clear_outbox(self, ticket=None):
        """Empties the outbox, or only one ticket's mail."""
        return self.request("DELETE", "outbox", ticket=ticket)

    # -- metrics ----------------------------------------------------------------------

    def metrics(self):
        try:
            with _DIRECT.open(self.url + "/metrics", timeout=30) as resp:
                return resp.read().decode()
        except urllib.error.HTTPError:
            raise
        except OSError as e:
            raise self._unreachable(e) from None

    # -- lifetime ---------------------------------------------------------------------

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _segment(text):
    """``text`` as one URL path segment."""
    return urllib.parse.quote(str(text), safe="")


def find_binary(explicit=None):
    """The server binary: ``explicit``, ``$SOFTLAYER_EMULATOR_BIN``, or
    ``softlayer-ticket-server`` on the PATH."""
    advice = ("build it (cargo build --release) and set SOFTLAYER_EMULATOR_BIN to "
              "target/release/softlayer-ticket-server, pass --softlayer-emulator-bin, or set "
              "SOFTLAYER_EMULATOR_URL to a running server")
    for named, candidate in (("the binary {}", explicit),
                             ("SOFTLAYER_EMULATOR_BIN={}", os.environ.get("SOFTLAYER_EMULATOR_BIN"))):
        if candidate:
            # Started as it was, a typo or the repository's folder failed deep in
            # subprocess with a bare FileNotFoundError or PermissionError.
            if shutil.which(str(candidate)) is None:
                what = ("is a folder" if os.path.isdir(candidate)
                        else "is not executable" if os.path.exists(candidate) else "does not exist")
                raise RuntimeError(f"{named.format(candidate)} {what}, not the server's binary: {advice}")
            return candidate
    found = shutil.which("softlayer-ticket-server")
    if found:
        return found
    raise RuntimeError(f"softlayer-ticket-server not found: {advice}")


def _on_main_thread():
    """Linux ends a child with the *thread* that started it: a server started from a
    worker thread died with that thread."""
    return threading.current_thread() is threading.main_thread()


def _end_with_parent():
    """In the server's process before it runs: SIGTERM to it when the thread that
    started it (the main thread, so the process) ends (Linux's PR_SET_PDEATHSIG;
    elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def start_emulator(binary=None, db=":memory:", extra_args=(), startup_timeout=30):
    """Starts the server on a free loopback port; returns an :class:`Emulator` whose
    ``stop()`` ends it."""
    token = secrets.token_hex(16)
    args = [find_binary(binary), "serve", "--listen", "127.0.0.1:0", "--db", str(db),
            "--admin-token", token, *extra_args]
    _no_proxy_for("127.0.0.1")
    # The server reads its options from SOFTLAYER_EMULATOR_* too: a developer's own
    # (a journal file, limits) reached every test server, and with pytest -n the second
    # refused the journal file the first held. Options are given as extra_args.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOFTLAYER_EMULATOR_")}
    # A session of its own: Ctrl-C in a terminal reached the server with pytest, which
    # stopped at once, and the fixtures' teardowns then failed against it (a traceback,
    # exit 1). Ended with the process that started it, on Linux: pytest or an xdist
    # worker killed (SIGTERM, a crash) left its server running for good.
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, errors="replace", env=env,
                               start_new_session=True,
                               preexec_fn=_end_with_parent if _on_main_thread() else None)
    found = {}
    log = []
    ready = threading.Event()

    def drain():
        # The server logs its address once bound; keep reading so it never blocks.
        for line in process.stderr:
            log.append(line)
            if "url" not in found and "XML-RPC: http://" in line:
                found["url"] = line.split("XML-RPC: ", 1)[1].split("/xmlrpc/", 1)[0]
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    ready.wait(startup_timeout)
    if "url" not in found:
        process.kill()
        raise RuntimeError("softlayer-ticket-server did not start:\n" + "".join(log[-40:]))
    emulator = Emulator(found["url"], token, process)
    while not emulator.healthy():
        if time.monotonic() > deadline or process.poll() is not None:
            emulator.stop()
            raise RuntimeError("softlayer-ticket-server did not answer /health:\n" + "".join(log[-40:]))
        time.sleep(0.05)
    return emulator
