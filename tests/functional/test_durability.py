"""Durability under ``kill -9``: a real server process on a real FileStorage,
a bounded write load from a few client threads, SIGKILL at a random moment,
a restart on the same ``Data.fs``, and then every write the server
acknowledged must be there.

A write is acknowledged when its whole 2xx response has been read: the
server sends it only after ``pyramid_tm`` has committed, and FileStorage's
commit writes the transaction, clears its checkpoint flag and fsyncs
(``FileStorage._finish``) before it returns. A request cut off by the kill
was never acknowledged: it may or may not be there. A transaction cut off
halfway is still marked as being written (status ``c``) or is short; the
next writable open truncates it and saves the cut bytes beside the file as
``Data.fs.tr0``, ``.tr1``... (``FileStorage.read_index``), so restarting
needs no repair step; a read-only open (``audit-verify`` with no server)
stops before it without writing. The trials count those files as kills that
landed inside a commit.

What is checked after each restart, cumulatively over the trials: each
acknowledged case exists with its case number, in the acknowledged state or a
later one; the case numbers are unique and gapless per year (the seed case is
number 1) and so are the decisions' § numbers per body and year; each case
acknowledged as adopted has its decision; every case has its ``create``
entry in the audit trail; and the trail verifies. After the last kill the
trail is verified once more with ``partnership-cms audit-verify`` on the
killed file, before any restart.

``run_trials`` does the work; ``bench/durability.py`` runs more trials of it
and prints the counts. Everything listens on 127.0.0.1; every server process
leads its own process group and is killed in a ``finally``.
"""
import collections
import contextlib
import datetime
import glob
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import transaction
from ZODB.utils import p64, u64

from conftest import PROJECT, make_app, make_settings

from .test_concurrency import PROPOSAL, serving

HOST = "127.0.0.1"
TRIALS = 5
CLIENT_THREADS = 3
# A trial's load: each client thread stops after this many requests or
# seconds, whichever comes first; the kill comes well before either.
MAX_REQUESTS_PER_THREAD = 300
LOAD_SECONDS = 5.0
KILL_AFTER = (0.05, 1.2)  # seconds after the load starts, uniformly at random
START_TIMEOUT = 60
REQUEST_TIMEOUT = 15

# The path each case of the load takes, and who moves it on.
STATES = ("draft", "review", "ks", "adopted")
STEPS = (("submit", "officer"), ("approve", "director"), ("ks_adopt", "ks_chair"))
USERS = ("officer", "director", "ks_chair", "auditor")


# -- the server process -------------------------------------------------------------------
def pserve_path():
    return os.path.join(os.path.dirname(sys.executable), "pserve")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# The app's INFO lines (the retries after a conflict among them) in the server's log.
LOGGING = ["[loggers]", "keys = root, partnership_cms", "[handlers]", "keys = console",
           "[formatters]", "keys = generic", "[logger_root]", "level = WARNING", "handlers = console",
           "[logger_partnership_cms]", "level = INFO", "handlers =", "qualname = partnership_cms",
           "[handler_console]", "class = StreamHandler", "args = (sys.stderr,)", "level = NOTSET",
           "formatter = generic", "[formatter_generic]", "format = %(levelname)s [%(name)s] %(message)s", ""]


def write_server_ini(folder, port, name="server", **overrides):
    """An .ini for pserve on the same app settings as conftest's make_app (with ``overrides``)."""
    lines = ["[app:main]", "use = egg:partnership-cms"]
    lines += [f"{key} = {value}" for key, value in make_settings(folder, **overrides).items()]
    lines += ["", "[server:main]", "use = egg:waitress#main", f"listen = {HOST}:{port}", "threads = 4", ""]
    lines += LOGGING
    path = os.path.join(str(folder), f"{name}.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


def server_env():
    """The environment of a server or command process: this tree's code first."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(PROJECT, "src"),
                                                        os.environ.get("PYTHONPATH", "")]))


class Served:
    """``pserve`` on the database in ``folder``, in its own process group; ``kill``
    sends SIGKILL to that group only. ``name`` names its .ini and log; ``overrides``
    change its settings (another storage's ``zodbconn.uri``)."""

    def __init__(self, folder, name="server", **overrides):
        self.folder, self.name, self.overrides = folder, name, overrides
        self.log_path = os.path.join(str(folder), f"{name}.log")
        self.proc = None
        self.port = None

    def start(self):
        for _attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            ini = write_server_ini(self.folder, self.port, self.name, **self.overrides)
            offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([sys.executable, pserve_path(), ini], stdout=log,
                                             stderr=subprocess.STDOUT, cwd=PROJECT, env=server_env(),
                                             start_new_session=True)
            if self.wait_until_ready():
                return self
            if "address already in use" not in self.log()[offset:].lower():
                break
        raise RuntimeError(f"the server did not start:\n{self.log()[offset:][-3000:]}")

    def wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                call(self.port, "GET", "/@openapi.json")
                return True
            time.sleep(0.05)
        self.kill()
        return False

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill(self):
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None


# -- the client ---------------------------------------------------------------------------
class Connection:
    """One keep-alive JSON connection to the server."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)

    def request(self, method, path, body=None, token=None):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        self.conn.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
        response = self.conn.getresponse()
        raw = response.read()  # the write is acknowledged only once all of it is read
        return response.status, json.loads(raw) if raw else None

    def close(self):
        self.conn.close()


def call(port, method, path, body=None, token=None):
    conn = Connection(port)
    try:
        return conn.request(method, path, body, token)
    finally:
        conn.close()


def log_in(port):
    tokens = {}
    for user in USERS:
        status, body = call(port, "POST", "/@login", {"login": user, "password": "demo"})
        assert status == 200, (user, status, body)
        tokens[user] = body["token"]
    return tokens


def path_of(url):
    return "/" + url.split("//", 1)[1].split("/", 1)[1]


class Acknowledged:
    """What the server acknowledged, over all trials: case path -> [dnr, state]."""

    def __init__(self):
        self.lock = threading.Lock()
        self.cases = {}
        self.writes = 0

    def created(self, path, dnr):
        with self.lock:
            self.cases[path] = [dnr, "draft"]
            self.writes += 1

    def moved(self, path, state):
        with self.lock:
            self.cases[path][1] = state
            self.writes += 1


class Load:
    """Client threads that create cases and move each along STATES until the
    server dies or their bound is reached; they record each acknowledged write."""

    def __init__(self, port, tokens, acknowledged):
        self.port, self.tokens, self.acknowledged = port, tokens, acknowledged
        self.statuses = collections.Counter()
        self.cut_off = 0  # requests the kill cut off: never acknowledged
        self.lock = threading.Lock()
        self.threads = []

    def start(self):
        deadline = time.monotonic() + LOAD_SECONDS
        self.threads = [threading.Thread(target=self.run, args=(deadline,), daemon=True)
                        for _ in range(CLIENT_THREADS)]
        for thread in self.threads:
            thread.start()

    def running(self):
        return any(thread.is_alive() for thread in self.threads)

    def join(self):
        for thread in self.threads:
            thread.join(LOAD_SECONDS + 2 * REQUEST_TIMEOUT)
        assert not any(thread.is_alive() for thread in self.threads), "a client thread did not end"

    def run(self, deadline):
        conn = Connection(self.port)
        requests = 0

        def send(method, path, body, user):
            nonlocal requests
            requests += 1
            status, doc = conn.request(method, path, body, self.tokens[user])
            with self.lock:
                self.statuses[status] += 1
            return status, doc

        try:
            while requests < MAX_REQUESTS_PER_THREAD and time.monotonic() < deadline:
                status, doc = send("POST", "/proposals", PROPOSAL, "officer")
                if status != 201:
                    continue
                path = path_of(doc["@id"])
                self.acknowledged.created(path, doc["dnr"])
                for transition, user in STEPS:
                    if requests >= MAX_REQUESTS_PER_THREAD or time.monotonic() >= deadline:
                        break
                    status, entry = send("POST", f"{path}/@workflow/{transition}", {}, user)
                    if status != 200:
                        break
                    self.acknowledged.moved(path, entry["to"])
        except (OSError, http.client.HTTPException, ValueError):
            # The server died under this request (reset, refused, a cut-off
            # body): not acknowledged, and this thread's load is over.
            with self.lock:
                self.cut_off += 1
        finally:
            conn.close()


# -- the checks ---------------------------------------------------------------------------
MAX_PAGES = 1000  # a bound on the paging loops below, far above what a run makes


def listing(port, token, portal_type):
    """Every object of a type, through the catalog, 100 at a time."""
    items = []
    for start in range(0, 100 * MAX_PAGES, 100):
        status, page = call(port, "GET", f"/@search?portal_type={portal_type}&b_size=100&b_start={start}"
                            "&sort_on=created&sort_order=ascending", token=token)
        assert status == 200, page
        items += page["items"]
        if start + 100 >= page["items_total"] or not page["items"]:
            break
    return items


def audit_created_paths(port, token):
    """The paths of the proposals whose creation the audit trail records."""
    paths = set()
    for start in range(0, 1000 * MAX_PAGES, 1000):
        status, page = call(port, "GET", f"/@audit?action=create&b_size=1000&b_start={start}", token=token)
        assert status == 200, page
        paths |= {entry["path"] for entry in page["items"] if entry["type"] == "Proposal"}
        if start + 1000 >= page["items_total"] or not page["items"]:
            break
    return paths


def gaps(numbers_by_series):
    """The series whose numbers are not exactly 1..n."""
    return {series: sorted(numbers) for series, numbers in numbers_by_series.items()
            if sorted(numbers) != list(range(1, len(numbers) + 1))}


def check(port, token, acknowledged):
    """The problems found on the restarted server (an empty list when all is well)
    and the number of acknowledged writes lost."""
    problems, lost, present = [], 0, set()
    for path, (dnr, state) in sorted(acknowledged.cases.items()):
        acked = STATES.index(state)  # the creation was write 0, each transition one more
        status, doc = call(port, "GET", path, token=token)
        if status == 200:
            present.add(path)
        if status != 200:
            problems.append(f"{path} ({dnr}, acknowledged in {state}): {status}")
            lost += acked + 1
        elif doc["dnr"] != dnr:
            problems.append(f"{path}: acknowledged as {dnr}, found as {doc['dnr']}")
            lost += acked + 1
        elif doc["review_state"] not in STATES[acked:]:
            problems.append(f"{path} ({dnr}): acknowledged in {state}, found in {doc['review_state']}")
            now = STATES.index(doc["review_state"]) if doc["review_state"] in STATES else -1
            lost += acked - now

    cases = listing(port, token, "Proposal")
    numbers = collections.defaultdict(list)
    for item in cases:
        series, number = item["dnr"].rsplit("/", 1)
        numbers[series].append(int(number))
    problems += [f"case numbers of {series} are not 1..n: {found}" for series, found in gaps(numbers).items()]
    listed = {path_of(item["@id"]) for item in cases}
    problems += [f"{path} exists but is not in the catalog" for path in sorted(present - listed)]

    decisions = listing(port, token, "Decision")
    paragraphs, decided = collections.defaultdict(list), set()
    for item in decisions:
        status, doc = call(port, "GET", path_of(item["@id"]), token=token)
        assert status == 200, doc
        paragraphs[doc["body"], doc["meeting_date"][:4]].append(doc["paragraph"])
        decided.add(doc["dnr"])
    problems += [f"§ numbers of {series} are not 1..n: {found}" for series, found in gaps(paragraphs).items()]
    problems += [f"{path} ({dnr}) adopted without its decision"
                 for path, (dnr, state) in acknowledged.cases.items() if state == "adopted" and dnr not in decided]

    # The audit entry is written in the object's own transaction: both or neither survive.
    audited = audit_created_paths(port, token)
    problems += [f"{path} has no create entry in the audit trail" for path in sorted(listed - audited)]
    problems += [f"{path} has a create entry in the audit trail but no object" for path in sorted(audited - listed)]
    status, verdict = call(port, "GET", "/@audit/verify", token=token)
    if not (status == 200 and verdict["valid"]):
        problems.append(f"the audit trail does not verify: {status} {verdict}")
    return problems, lost


# -- the trials ---------------------------------------------------------------------------
def create_database(folder):
    """The database with the demo users and the seed case, made as the tests make it, then closed."""
    app = make_app(folder)
    app.registry._zodb_databases[""].close()
    transaction.manager.free = None


def audit_verify(folder):
    """``partnership-cms audit-verify`` on the database, in its own process."""
    return subprocess.run([sys.executable, "-m", "partnership_cms.cli", "audit-verify",
                           os.path.join(str(folder), "server.ini")],
                          capture_output=True, text=True, cwd=PROJECT, env=server_env(), timeout=120)


def truncations(folder):
    return len(glob.glob(os.path.join(str(folder), "Data.fs.tr*")))


def run_trials(folder, trials, seed, progress=None):
    """``trials`` rounds of load, kill -9 and restart on one database in ``folder``.

    Returns a dict of counts and the problems found (a list of strings, empty
    when every acknowledged write survived and the checks pass)."""
    rng = random.Random(seed)
    create_database(folder)
    server = Served(folder)
    acknowledged = Acknowledged()
    figures = {"seed": seed, "trials": 0, "acknowledged": 0, "lost": 0, "cut_off": 0,
               "truncated": 0, "idle_kills": 0, "statuses": collections.Counter(), "problems": []}
    try:
        for trial in range(trials + 1):
            server.start()
            truncated = truncations(folder)
            tokens = log_in(server.port)
            if trial:  # the server was killed under load: check everything acknowledged so far
                problems, lost = check(server.port, tokens["auditor"], acknowledged)
                figures["lost"] += lost
                figures["problems"] += [f"trial {trial} (seed {seed}): {p}" for p in problems]
                figures["truncated"] = truncated
                figures["acknowledged"] = acknowledged.writes
                if progress:
                    progress(trial, figures, lost, problems)
            if trial == trials:
                break
            load = Load(server.port, tokens, acknowledged)
            load.start()
            time.sleep(rng.uniform(*KILL_AFTER))
            figures["idle_kills"] += not load.running()
            server.kill()
            load.join()
            figures["trials"] += 1
            figures["cut_off"] += load.cut_off
            figures["statuses"].update(load.statuses)
            if trial == trials - 1:
                # The killed file as it is, read-only, before a restart truncates anything.
                verified = audit_verify(folder)
                if verified.returncode != 0:
                    figures["problems"].append(f"audit-verify on the killed file (seed {seed}) exits "
                                               f"{verified.returncode}: {verified.stderr[-2000:]}")
    finally:
        server.kill()
    figures["acknowledged"] = acknowledged.writes
    figures["cases"] = len(acknowledged.cases)
    return figures


def test_every_acknowledged_write_survives_kill_9(tmp_path):
    seed = int(os.environ.get("DURABILITY_SEED", random.randrange(1 << 30)))
    figures = run_trials(tmp_path, TRIALS, seed)

    assert figures["problems"] == []
    assert figures["trials"] == TRIALS
    assert figures["lost"] == 0
    assert figures["acknowledged"] > 0
    # Under load a write is refused only by the kill, never by the server.
    assert {status for status in figures["statuses"] if status >= 500} == set(), figures["statuses"]


def cut_off_commit(data_fs, kind):
    """Append what a kill inside a commit leaves: a copy of the last transaction,
    either ``unfinished`` (written through ``tpc_vote``, checkpoint flag still
    set: killed before ``tpc_finish``) or ``half-written`` (killed while
    ``tpc_vote`` was writing it). Returns the number of bytes appended."""
    with open(data_fs, "rb") as f:
        f.seek(-8, os.SEEK_END)
        length = u64(f.read(8))  # the redundant length that ends each transaction
        f.seek(-(length + 8), os.SEEK_END)
        record = bytearray(f.read(length + 8))
    record[:8] = p64(u64(record[:8]) + 1)  # a later transaction id
    if kind == "unfinished":
        record[16:17] = b"c"  # the status byte of the transaction header
    else:
        record = record[:len(record) // 2]
    with open(data_fs, "ab") as f:
        f.write(record)
    return len(record)


def write_a_little(port, tokens, acknowledged):
    """Two cases, one of them submitted: acknowledged writes, one at a time."""
    for submit in (True, False):
        status, doc = call(port, "POST", "/proposals", PROPOSAL, tokens["officer"])
        assert status == 201, doc
        path = path_of(doc["@id"])
        acknowledged.created(path, doc["dnr"])
        if submit:
            status, entry = call(port, "POST", path + "/@workflow/submit", {}, tokens["officer"])
            assert status == 200, entry
            acknowledged.moved(path, entry["to"])


def test_a_commit_cut_off_by_the_kill_is_dropped_on_restart(tmp_path):
    """The two ways a kill inside a commit leaves Data.fs, made on purpose (the
    random trials seldom hit that window): verifying beside it reads up to the
    last whole transaction and writes nothing; the restart truncates the cut-off
    transaction into Data.fs.trN by itself, and everything acknowledged is there."""
    create_database(tmp_path)
    data_fs = str(tmp_path / "Data.fs")
    server = Served(tmp_path)
    acknowledged = Acknowledged()
    try:
        for n, kind in enumerate(("half-written", "unfinished")):
            server.start()
            write_a_little(server.port, log_in(server.port), acknowledged)
            server.kill()
            size = os.path.getsize(data_fs)
            appended = cut_off_commit(data_fs, kind)

            verified = audit_verify(tmp_path)
            assert verified.returncode == 0, verified.stderr
            assert os.path.getsize(data_fs) == size + appended  # read-only: nothing truncated

            server.start()
            assert os.path.getsize(str(tmp_path / f"Data.fs.tr{n}")) == appended
            problems, lost = check(server.port, log_in(server.port)["auditor"], acknowledged)
            assert (problems, lost) == ([], 0), kind
            server.kill()
        # The numbers go on after the truncated commits without a gap.
        server.start()
        tokens = log_in(server.port)
        write_a_little(server.port, tokens, acknowledged)
        assert check(server.port, tokens["auditor"], acknowledged) == ([], 0)
        assert sorted(dnr for dnr, _ in acknowledged.cases.values())[-1].endswith("/7")  # seed + 3 x 2
    finally:
        server.kill()


def test_the_check_finds_what_was_lost(tmp_path):
    """The check itself: an acknowledged case that is not there, and a state
    older than the acknowledged one, are both found and counted."""
    app = make_app(tmp_path)
    with serving(app) as client:
        tokens = {user: client.token(user) for user in USERS}
        acknowledged = Acknowledged()
        write_a_little(client.port, tokens, acknowledged)
        assert check(client.port, tokens["auditor"], acknowledged) == ([], 0)

        year = datetime.date.today().year
        acknowledged.cases[f"/proposals/ks-{year}-99"] = [f"KS-{year}/99", "review"]  # 2 writes lost
        submitted = next(path for path, (_, state) in acknowledged.cases.items() if state == "review")
        acknowledged.cases[submitted][1] = "adopted"  # found in review: 2 transitions lost
        problems, lost = check(client.port, tokens["auditor"], acknowledged)
        assert lost == 4
        assert len(problems) == 3  # the missing case, the older state, an adopted case without a decision


def test_the_year_series_check_finds_a_gap_and_a_duplicate():
    assert gaps({"KS-2026": [1, 2, 3], "KS-2025": [2, 1]}) == {}
    assert gaps({"KS-2026": [1, 3], "KS-2025": [1, 1, 2]}) == {"KS-2026": [1, 3], "KS-2025": [1, 1, 2]}

