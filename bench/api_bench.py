"""API benchmark: prints figures, never passes or fails on time.

What it does (``make bench`` runs it with the defaults):

1. Builds a fresh database in a temporary folder with the project's own code
   (demo users, the seed case), then 1,000 proposals made in batches inside
   script requests (``scripting.app_request`` + ``act_as`` +
   ``content.services.create_content``, a commit every 200), moved through
   real transitions so that the states have realistic selectivity.
2. Serves it with ``pserve`` (waitress, 4 threads) in a separate process and
   drives it from this process with 4 client threads on keep-alive
   connections: create, object JSON, @search by type and state, a transition
   (submit, each request on a different complete draft) and the audit verify.
   Prints requests/second and p50/p95 latency, the CPU used by the server,
   the client and every other process on the machine (the figures mean
   little when other work shares the CPUs), the conflicts the server logged,
   the start-up time and the server's resident memory.
3. Stops the server, grows the same database to 10,000 proposals, restarts
   and repeats; prints search latency at 10,000 against 1,000.
4. Right before each round, serves a bare Pyramid + ZODB app
   (``bench/baseline_app.py``) the same way; the summary prints each of our
   figures as a ratio to the matching bare figure, next to its target.

Options: ``--sizes 1000,10000``, ``--seconds N`` per scenario, ``--quick``
(a smoke run: 200 then 1,000 proposals, short scenarios), ``--keep`` (keep
the temporary folder). Everything listens on 127.0.0.1 only; every server
process is stopped in a ``finally``.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

HOST = "127.0.0.1"
THREADS = 4  # server threads and client threads
BATCH = 200  # proposals per script transaction when building

# The project's performance targets, and Plone 6 + plone.restapi on the same
# kind of machine for scale (ours should be at least PLONE_FACTOR times each).
TARGETS = {
    "transition_vs_commit": 0.5,
    "json_vs_page": 0.6,
    "search_growth": 1.3,
    "startup_s": 2.0,
    "rss_mb": 150.0,
}
PLONE = {"create": 9.0, "transition": 33.0, "get": 72.0, "search": 38.0}
PLONE_FACTOR = 10

# -- test data ------------------------------------------------------------------
WORDS = (
    "samverkan avtal högskola kommun utbildning forskning kompetensförsörjning "
    "näringsliv arbetsmarknad praktik studenter lärare förskola äldreomsorg "
    "socialtjänst stadsbyggnad trafik bostäder klimat miljö energi vatten "
    "budget upphandling digitalisering integration folkhälsa kultur idrott "
    "delregional utveckling Södertörn Flemingsberg Huddinge Stockholm region "
    "uppföljning styrgrupp avsiktsförklaring partnerskap strategisk långsiktig"
).split()
UNITS = ("Kommunstyrelsens förvaltning", "Ekonomiavdelningen", "Näringslivsenheten",
         "Utbildningsförvaltningen", "Socialförvaltningen", "Miljöförvaltningen")
RECIPIENTS = ("Södertörns högskola", "Ekonomiavdelningen", "Kommunstyrelsens förvaltning",
              "Region Stockholm", "Utbildningsförvaltningen")


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def proposal_payload(rng, i):
    """A complete proposal (every field the `complete` guard asks for)."""
    return {
        "title": f"{sentence(rng, 5)[:-1]} ({i})",
        "unit": rng.choice(UNITS),
        "case_officer": "Hanna Handläggare",
        "decision_points": [sentence(rng, 12), sentence(rng, 9)],
        "summary": " ".join(sentence(rng, 14) for _ in range(3)),
        "background": " ".join(sentence(rng, 16) for _ in range(5)),
        "recipients": rng.sample(RECIPIENTS, 2),
    }


# Where each built proposal ends up (out of 20): realistic selectivity for
# @search by state. Steps are (user, transition, payload).
PLAN = (
    [("draft", [])] * 7
    + [("review", [("officer", "submit", {})])] * 4
    + [("ks", [("officer", "submit", {}), ("director", "approve", {})])] * 4
    + [("kf", [("officer", "submit", {}), ("director", "approve", {}),
               ("ks_chair", "ks_propose", {})])] * 2
    + [("adopted", [("officer", "submit", {}), ("director", "approve", {}),
                    ("ks_chair", "ks_adopt", {})])]
    + [("withdrawn", [("officer", "withdraw", {"comment": "Inaktuellt."})])]
    + [("draft", [("officer", "submit", {}), ("director", "return", {"comment": "Komplettera."})])]
)
SEARCH_STATES = ("draft", "review", "ks", "kf")


# -- our database -------------------------------------------------------------------
def our_settings(data_fs):
    return {
        "zodbconn.uri": f"file://{data_fs}?connection_cache_size=20000",
        "partnership_cms.schemas": os.path.join(PROJECT, "schemas"),
        "partnership_cms.workflows": os.path.join(PROJECT, "workflows"),
        "partnership_cms.session_secret": "bench-only-secret",
        "retry.attempts": "3",
    }


class OurDatabase:
    """Builds and grows the benchmark database with the project's own services."""

    def __init__(self, folder):
        self.folder = folder
        self.data_fs = os.path.join(folder, "Data.fs")
        self.built = 0  # proposals this class made
        self.names = []  # every proposal name we know of
        self.drafts = collections.deque()  # complete drafts owned by officer, not yet submitted
        self.rng = random.Random(1)

    def _app(self):
        from partnership_cms import configure

        return configure(our_settings(self.data_fs)).make_wsgi_app()

    def in_process(self, login):
        """(app, WebTest client, headers with ``login``'s bearer token) on this
        database, for figures taken in process (no server); close
        ``app.registry._zodb_databases[""]`` when done."""
        from webtest import TestApp

        app = self._app()
        client = TestApp(app)
        token = client.post_json("/@login", {"login": login, "password": "demo"}).json["token"]
        return app, client, {"Authorization": "Bearer " + token, "Accept": "application/json"}

    def create(self):
        from pyramid_zodbconn import get_connection

        from partnership_cms.demo import create_demo_users, load_seed_case
        from partnership_cms.evolve import create_root
        from partnership_cms.scripting import act_as, app_request

        app = self._app()
        try:
            with app_request(app.registry, root_required=False) as request:
                root, _ = create_root(get_connection(request).root(), app.registry)
                request.root = root
                create_demo_users(request)
                proposal, _ = load_seed_case(request)
                act_as(request, None)
                self.names.append(proposal.__name__)
        finally:
            app.registry._zodb_databases[""].close()

    def grow(self, total):
        """Add proposals until this class has made ``total``; returns seconds taken."""
        from partnership_cms.content.services import create_content
        from partnership_cms.scripting import act_as, app_request
        from partnership_cms.workflow import get_workflows

        t0 = time.perf_counter()
        app = self._app()
        try:
            workflows = get_workflows(app.registry)
            while self.built < total:
                n = min(BATCH, total - self.built)
                with app_request(app.registry) as request:
                    users = request.root.principals.users
                    for _ in range(n):
                        i = self.built
                        act_as(request, users["officer"])
                        obj = create_content(request, "Proposal", proposal_payload(self.rng, i))
                        state, steps = PLAN[i % len(PLAN)]
                        for login, transition, payload in steps:
                            act_as(request, users[login])
                            workflows.perform(request, obj, transition, payload)
                        assert obj.state == state, (obj.state, state)
                        self.names.append(obj.__name__)
                        if obj.state == "draft":
                            self.drafts.append(obj.__name__)
                        self.built += 1
                    act_as(request, None)
            return time.perf_counter() - t0
        finally:
            app.registry._zodb_databases[""].close()

    def counts(self):
        """Proposals per state and the size of Data.fs (read with the app's code)."""
        from partnership_cms.scripting import app_request

        app = self._app()
        try:
            with app_request(app.registry) as request:
                from partnership_cms.catalog import search

                total = len(request.root["proposals"])
                everyone = ["role:auditor"]  # auditors may view every case
                by_state = {s: search(request, everyone, type="Proposal", state=s)[1]
                            for s in ("draft", "review", "ks", "kf", "adopted", "withdrawn")}
                entries = len(request.root.audit_log.entries)
            return total, by_state, entries
        finally:
            app.registry._zodb_databases[""].close()

    def write_ini(self, port):
        path = os.path.join(self.folder, "bench.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SERVER_INI.format(
                data_fs=self.data_fs, port=port, threads=THREADS,
                schemas=os.path.join(PROJECT, "schemas"),
                workflows=os.path.join(PROJECT, "workflows")))
        return path


SERVER_INI = """\
[app:main]
use = egg:partnership-cms
pyramid.reload_templates = false
pyramid.default_locale_name = sv
zodbconn.uri = file://{data_fs}?connection_cache_size=20000
tm.manager_hook = pyramid_tm.explicit_manager
retry.attempts = 3
tm.annotate_user = false
partnership_cms.schemas = {schemas}
partnership_cms.workflows = {workflows}
partnership_cms.demo = false
partnership_cms.session_secret = bench-only-secret
partnership_cms.token_hours = 12

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
threads = {threads}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""


# -- server processes ---------------------------------------------------------------
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def bin_path(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else shutil.which(name) or name


class Server:
    """A server subprocess on 127.0.0.1; always stopped by ``stop``."""

    def __init__(self, argv, port, log_path, ready_path="/"):
        self.argv, self.port, self.log_path, self.ready_path = argv, port, log_path, ready_path
        self.proc = None
        self.startup_s = None

    def start(self, timeout=60):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 -- open while the server runs; stop() closes it
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=PROJECT, start_new_session=True)
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; "
                                   f"see {self.log_path}:\n" + self.tail())
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", self.ready_path, headers={"Accept": "application/json"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    self.startup_s = time.perf_counter() - t0
                    return self
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"server did not answer within {timeout} s; see {self.log_path}")

    def tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def rss_mb(self):
        """(VmRSS, VmHWM) of the server process in MB."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        return values.get("VmRSS"), values.get("VmHWM")

    def cpu_seconds(self):
        """User + system CPU time of the server process so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def count_in_log(self, text):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().count(text.encode())

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # The process leads its own session: signal only that group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        self.log.close()


def time_main(ini):
    """Import time and the time of ``main()`` (get_app) in a fresh interpreter."""
    code = (
        "import json, time; t0 = time.perf_counter()\n"
        "import partnership_cms, pyramid.paster\n"
        "t1 = time.perf_counter()\n"
        f"app = pyramid.paster.get_app({ini!r})\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'main_s': t2 - t1}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the client -------------------------------------------------------------------------
class Result:
    def __init__(self, name, latencies, errors, wall, statuses, note=""):
        self.name, self.latencies, self.errors, self.wall = name, latencies, errors, wall
        self.statuses, self.note = statuses, note
        self.server_cpu = self.client_cpu = self.other_cpu = None  # fraction of one core
        self.rss_mb = None  # the server's RSS after the scenario
        self.conflicts = None  # conflicted attempts (each one logged by api/errors.py)

    @property
    def count(self):
        return len(self.latencies)

    @property
    def rps(self):
        return self.count / self.wall if self.wall else 0.0

    def pct(self, q):
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(round(q / 100 * (len(data) - 1))))] * 1000

    def line(self):
        err = f", {self.errors} errors {dict(self.statuses)}" if self.errors else ""
        extra = ""
        if self.server_cpu is not None:
            extra += (f"; CPU server {self.server_cpu:.0%} client {self.client_cpu:.0%} "
                      f"other processes {self.other_cpu:.0%}; server RSS {self.rss_mb:.0f} MB")
        if self.conflicts:
            extra += f"; {self.conflicts} conflicted attempts retried or failed"
        return (f"{self.name:<38} {self.rps:8.1f} req/s   p50 {self.pct(50):7.1f} ms   "
                f"p95 {self.pct(95):7.1f} ms   "
                f"({self.count} ok in {self.wall:.1f} s{err}{extra}){self.note}")


CONFLICT_LOG = "conflict after all retries"


def machine_busy_seconds():
    """CPU seconds all processes on the machine have used (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def scenario(server, name, *args, **kwargs):
    """``run_load`` plus the server's and the client's CPU use and the conflicts logged."""
    warmup = kwargs.pop("warmup", 0)
    if warmup:
        run_load(name, server.port, *args, **dict(kwargs, seconds=60, max_requests=warmup))
    conflicts0 = server.count_in_log(CONFLICT_LOG)
    cpu0, client0, all0 = server.cpu_seconds(), time.process_time(), machine_busy_seconds()
    r = run_load(name, server.port, *args, **kwargs)
    r.server_cpu = (server.cpu_seconds() - cpu0) / r.wall
    r.client_cpu = (time.process_time() - client0) / r.wall
    r.other_cpu = max(0.0, (machine_busy_seconds() - all0) / r.wall - r.server_cpu - r.client_cpu)
    r.conflicts = server.count_in_log(CONFLICT_LOG) - conflicts0
    r.rss_mb = server.rss_mb()[0]
    print("  " + r.line(), flush=True)
    return r


def run_load(name, port, make_request, *, seconds, max_requests=None, threads=THREADS,
             ok=(200, 201), on_response=None):
    """Drive ``threads`` keep-alive clients until ``seconds`` pass, ``max_requests``
    are done or ``make_request`` returns None (out of work).

    ``make_request(i, rng)`` returns (method, path, body_bytes_or_None, headers).
    """
    lock = threading.Lock()
    counter = [0]
    latencies, statuses = [], collections.Counter()
    errors = [0]
    stop = threading.Event()

    def next_index():
        with lock:
            if max_requests is not None and counter[0] >= max_requests:
                return None
            counter[0] += 1
            return counter[0] - 1

    def worker(tid):
        rng = random.Random(tid * 7919 + 17)
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            while not stop.is_set() and time.perf_counter() < deadline:
                i = next_index()
                if i is None:
                    break
                req = make_request(i, rng)
                if req is None:
                    break
                method, path, body, headers = req
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    if on_response is not None and status in ok:
                        on_response(resp, data)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                    status, data = "conn-error", b""
                elapsed = time.perf_counter() - t0
                with lock:
                    statuses[status] += 1
                    if status in ok:
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1
                        if errors[0] == 1:
                            print(f"    first error in {name}: {status} {data[:300]!r}", flush=True)
                        if errors[0] > 1000:
                            stop.set()
        finally:
            conn.close()

    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - start
    return Result(name, latencies, errors[0], wall, statuses)


def request_json(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                     headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def login(port, user):
    status, body = request_json(port, "POST", "/@login", {"login": user, "password": "demo"})
    if status != 200:
        raise RuntimeError(f"login as {user} failed: {status} {body}")
    return body["token"]


def json_headers(token):
    return {"Accept": "application/json", "Content-Type": "application/json",
            "Authorization": "Bearer " + token}


# -- scenarios ----------------------------------------------------------------------
def run_ours(db, size, args, log_dir):
    """Serve the database and run every scenario; returns a dict of figures."""
    port = free_port()
    ini = db.write_ini(port)
    figures = {}
    timing = time_main(ini)
    figures["import_s"], figures["main_s"] = timing["import_s"], timing["main_s"]
    server = Server([bin_path("pserve"), ini], port, os.path.join(log_dir, f"pserve-{size}.log"))
    try:
        server.start()
        figures["startup_s"] = server.startup_s
        figures["rss_start_mb"] = server.rss_mb()[0]
        print(f"  server up in {server.startup_s:.2f} s (import {timing['import_s']:.2f} s, "
              f"main() {timing['main_s']:.2f} s in a separate interpreter); "
              f"RSS after start {figures['rss_start_mb']:.0f} MB", flush=True)
        officer = login(port, "officer")
        auditor = login(port, "auditor")
        rss, hwm = server.rss_mb()
        print(f"  RSS after two log-ins {rss:.0f} MB, peak so far {hwm:.0f} MB "
              "(argon2id hashing of the password)", flush=True)
        headers = json_headers(officer)
        names = list(db.names)
        seconds = args.seconds

        def get_object(i, rng):
            return "GET", "/proposals/" + rng.choice(names), None, headers

        figures["get"] = scenario(server, "object JSON  GET /proposals/<id>", get_object,
                                  seconds=seconds, warmup=min(len(names), 2000))

        def search(i, rng):
            state = SEARCH_STATES[i % len(SEARCH_STATES)]
            return ("GET", f"/@search?portal_type=Proposal&review_state={state}&b_size=25",
                    None, headers)

        totals = {s: request_json(port, "GET", f"/@search?portal_type=Proposal&review_state={s}",
                                  token=officer)[1]["items_total"] for s in SEARCH_STATES}
        print("  search matches per state: " + ", ".join(f"{s} {n}" for s, n in totals.items()))
        figures["search"] = scenario(server, "@search type+state, 25 rows", search,
                                     seconds=seconds, warmup=40)

        # HTML pages (issue 3): what a browser asks for, rendered from the same services.
        html_headers = {"Accept": "text/html", "Authorization": "Bearer " + officer}
        page_requests = {
            "start": ("start page  GET / (Mina uppgifter)", lambda i, rng: ("GET", "/", None, html_headers)),
            "register": ("register page  GET /proposals?state=draft",
                         lambda i, rng: ("GET", "/proposals?state=draft", None, html_headers)),
            "document": ("document page  GET /proposals/<id>",
                         lambda i, rng: ("GET", "/proposals/" + rng.choice(names), None, html_headers)),
        }
        for key, (label, make) in page_requests.items():
            figures["html_" + key] = scenario(server, label, make, seconds=seconds, warmup=40)
        figures["rss_before_verify_mb"] = server.rss_mb()[0]

        created = collections.deque()
        rng_payload = random.Random(size)
        payload_lock = threading.Lock()

        def create(i, rng):
            with payload_lock:
                body = json.dumps(proposal_payload(rng_payload, 10_000_000 + size + i)).encode()
            return "POST", "/proposals", body, headers

        def created_one(resp, data):
            # The new proposals are complete drafts: the transition run uses them.
            created.append(resp.getheader("Location", "").rsplit("/", 1)[-1])

        figures["create"] = scenario(server, "create  POST /proposals", create, seconds=seconds,
                                     ok=(201,), on_response=created_one)

        # Transition: submit, a different complete draft per request: first
        # those the create run made, then the built drafts.
        pool = collections.deque(list(created) + list(db.drafts))
        pool_lock = threading.Lock()
        submitted = []

        def transition(i, rng):
            with pool_lock:
                if not pool:
                    return None
                name = pool.popleft()
                submitted.append(name)
            return "POST", f"/proposals/{name}/@workflow/submit", b"{}", headers

        pool_size = len(pool)
        figures["transition"] = scenario(server, "transition  POST .../@workflow/submit",
                                             transition, seconds=seconds)
        if len(submitted) >= pool_size:
            print(f"    (all {pool_size} prepared drafts used before the time was up)")
        used = set(submitted)
        db.drafts = collections.deque(n for n in db.drafts if n not in used)
        db.names.extend(n for n in created if n not in db.names)

        verify_n = args.verify_requests or (8 if size <= 2000 else 4)
        verify_headers = json_headers(auditor)
        verdicts = []

        def verify(i, rng):
            return "GET", "/@audit/verify", None, verify_headers

        figures["verify"] = scenario(server, "audit verify  GET /@audit/verify", verify,
                                     seconds=max(seconds * 6, 120), max_requests=verify_n)
        status, body = request_json(port, "GET", "/@audit/verify", token=auditor)
        verdicts.append(body)
        print(f"    verify: valid={body['valid']} entries={body['entries']} "
              f"chains={body['chains']} objects={body['objects']}", flush=True)
        figures["verify_valid"] = body["valid"]

        rss, hwm = server.rss_mb()
        figures["rss_mb"], figures["rss_peak_mb"] = rss, hwm
        print(f"  server RSS after the scenarios: {rss:.0f} MB (peak {hwm:.0f} MB)", flush=True)
    finally:
        server.stop()
    return figures


def build_baseline(folder):
    import baseline_app

    data_fs = os.path.join(folder, "Base.fs")
    t0 = time.perf_counter()
    baseline_app.build(data_fs)
    took = time.perf_counter() - t0
    print(f"  built {baseline_app.ITEMS} small persistent objects in {took:.1f} s", flush=True)
    return data_fs


def run_baseline(data_fs, args, log_dir):
    import baseline_app

    port = free_port()
    server = Server([sys.executable, os.path.join(HERE, "baseline_app.py"), "serve", data_fs,
                     "--port", str(port), "--threads", str(THREADS)],
                    port, os.path.join(log_dir, "baseline.log"), ready_path="/page")
    figures = {}
    try:
        server.start()
        figures["startup_s"] = server.startup_s
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        items = baseline_app.ITEMS

        def page(i, rng):
            return "GET", f"/page?start={rng.randrange(items)}", None, headers

        figures["page"] = scenario(server, "bare page  GET /page (50 rows)", page,
                                   seconds=args.seconds, warmup=400)

        def commit(i, rng):
            # A different object per request: no two requests touch the same one.
            key = baseline_app.item_key(i % items)
            return "POST", f"/items/{key}", json.dumps({"note": f"bench {i}"}).encode(), headers

        figures["commit"] = scenario(server, "bare commit  POST /items/<key>", commit,
                                     seconds=args.seconds)
        print(f"  bare server start-up {server.startup_s:.2f} s", flush=True)
    finally:
        server.stop()
    return figures


# -- report ---------------------------------------------------------------------------
def verdict(ok):
    return "meets" if ok else "MISSES"


def report(ours, base, sizes):
    """The summary: every figure with its target next to it."""
    print("\n=== Summary ===")
    for size in sizes:
        f = ours[size]
        print(f"\n-- {f['proposals']} proposals ({size} built) --")
        page = commit = None
        if size in base:
            b = base[size]
            page, commit = b["page"].rps, b["commit"].rps
            print(f"  bare Pyramid+ZODB just before: page {page:.1f} req/s "
                  f"(p50 {b['page'].pct(50):.1f} ms), commit {commit:.1f} req/s "
                  f"(p50 {b['commit'].pct(50):.1f} ms)")
        rows = [
            ("create", f["create"], commit, "bare commit", None, PLONE["create"]),
            ("object JSON", f["get"], page, "bare page", TARGETS["json_vs_page"], PLONE["get"]),
            ("search", f["search"], None, None, None, PLONE["search"]),
            ("transition", f["transition"], commit, "bare commit",
             TARGETS["transition_vs_commit"], PLONE["transition"]),
            ("audit verify", f["verify"], None, None, None, None),
            ("start page", f["html_start"], None, None, None, None),
            ("register page", f["html_register"], None, None, None, None),
            ("document page", f["html_document"], None, None, None, None),
        ]
        for label, r, ref, ref_name, target, plone in rows:
            parts = [f"{label:<13} {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  "
                     f"p95 {r.pct(95):7.1f} ms"]
            if ref:
                ratio = r.rps / ref
                t = f" (target >= {target}: {verdict(ratio >= target)})" if target else ""
                parts.append(f"{ratio:.2f} x {ref_name}{t}")
            if plone:
                x = r.rps / plone
                parts.append(f"{x:.1f} x Plone's {plone:g}/s (target >= {PLONE_FACTOR} x: "
                             f"{verdict(x >= PLONE_FACTOR)})")
            print("  " + ";  ".join(parts))
        startup_ok = verdict(f["startup_s"] < TARGETS["startup_s"])
        print(f"  start-up      {f['startup_s']:.2f} s from process start to the first response "
              f"(import {f['import_s']:.2f} s, main() {f['main_s']:.2f} s) "
              f"(target < {TARGETS['startup_s']:g} s: {startup_ok})")
        print(f"  memory        RSS {f['rss_before_verify_mb']:.0f} MB after the reads, before the "
              "create/transition/verify runs")
        memory = (f"  memory        RSS {f['rss_mb']:.0f} MB after the scenarios "
                  f"(peak {f['rss_peak_mb']:.0f} MB, {f['rss_start_mb']:.0f} MB after start)")
        if size == sizes[0]:
            memory += (f" (target < {TARGETS['rss_mb']:g} MB at 1,000 cases: "
                       f"{verdict(f['rss_mb'] < TARGETS['rss_mb'])})")
        print(memory)
        print(f"  audit trail valid after the run: {f['verify_valid']}")
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print()
        for q in (50, 95):
            a, b = ours[lo]["search"].pct(q), ours[hi]["search"].pct(q)
            print(f"search p{q} at {hi} vs {lo}: {b:.1f} / {a:.1f} ms = {b / a:.2f} x "
                  f"(target <= {TARGETS['search_growth']}: "
                  f"{verdict(b / a <= TARGETS['search_growth'])})")
        for name in ("get", "create", "transition", "verify"):
            a, b = ours[lo][name].pct(50), ours[hi][name].pct(50)
            rps = ours[hi][name].rps / ours[lo][name].rps
            print(f"{name:<10} p50 at {hi} vs {lo}: {b:.1f} / {a:.1f} ms = {b / a:.2f} x; "
                  f"req/s {rps:.2f} x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="proposals per round, e.g. 1000,10000")
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds per scenario (default 10)")
    parser.add_argument("--verify-requests", type=int, default=None,
                        help="audit verify requests per round (default 8 at 1,000, 4 above)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 200,1000 proposals, 2 s scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare Pyramid+ZODB app")
    args = parser.parse_args(argv)
    sizes = args.sizes or ("200,1000" if args.quick else "1000,10000")
    sizes = [int(s) for s in sizes.split(",")]
    if sizes != sorted(sizes):
        parser.error("--sizes must grow")
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 10.0
    if args.quick and args.verify_requests is None:
        args.verify_requests = 2

    # A plain `kill` should still stop the servers (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    folder = tempfile.mkdtemp(prefix="pcms-bench-")
    log_dir = os.path.join(folder, "logs")
    os.makedirs(log_dir)
    print(f"partnership-cms API benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, folder {folder}")
    print(f"server: waitress {THREADS} threads in a separate process; client: {THREADS} threads, "
          f"keep-alive; {args.seconds:g} s per scenario", flush=True)
    print("The bare app runs right before each round, so that each ratio compares figures "
          "taken minutes apart (other processes on the machine change the load).", flush=True)
    ours, base = {}, {}
    try:
        base_fs = None if args.no_baseline else build_baseline(folder)
        db = OurDatabase(folder)
        db.create()
        for size in sizes:
            took = db.grow(size)
            total, by_state, entries = db.counts()
            size_mb = os.path.getsize(db.data_fs) / 2**20
            if base_fs:
                print(f"\n== bare Pyramid + ZODB (bench/baseline_app.py), before the {size} "
                      "round ==", flush=True)
                base[size] = run_baseline(base_fs, args, log_dir)
            print(f"\n== partnership-cms with {total} proposals ({size} built, {took:.1f} s to "
                  f"build; Data.fs {size_mb:.0f} MB, {entries} audit entries) ==", flush=True)
            print("  states: " + ", ".join(f"{s} {n}" for s, n in by_state.items()), flush=True)
            figures = run_ours(db, size, args, log_dir)
            figures["proposals"] = total
            ours[size] = figures
        report(ours, base, sizes)
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
