"""The bench harness: servers in their own processes, load from client
threads, timing and CPU figures, the bare Pyramid + ZODB baseline that every
figure is a ratio to, and the lines that print results.

The scenario scripts beside it (``api_bench.py``, ``transition_cost.py``, ...)
import it; ``dataset.py`` builds the database they serve. Everything listens
on 127.0.0.1 only; ``Server.stop`` ends the server process's whole group.

The storages (``BenchStorages``): FileStorage in the bench's folder, or the
engines of ``tests/engines.py`` (a ZEO server, throwaway PostgreSQL databases),
each with one storage for our app and one for the bare app.
"""
from __future__ import annotations

import collections
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import baseline_app

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
# The engine harness of the tests, one copy for both (it starts ZEO and makes the databases).
sys.path.insert(0, os.path.join(PROJECT, "tests"))
import engines  # noqa: E402

HOST = "127.0.0.1"
THREADS = 4  # server threads and client threads


# -- server processes ---------------------------------------------------------------
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def bin_path(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else shutil.which(name) or name


def proc_cpu_seconds(pid):
    """User + system CPU time of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds():
    """CPU time of every ``postgres`` process on the machine (every cluster, every client's backend)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{entry}/comm") as f:
                if f.read().strip() != "postgres":
                    continue
            total += proc_cpu_seconds(int(entry))
    return total


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
        return proc_cpu_seconds(self.proc.pid)

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



class Servers:
    """Several servers on one storage, seen as one: the client spreads requests
    over ``ports`` round robin; CPU, conflicts and memory are their sums."""

    def __init__(self, servers, storages=None):
        self.servers, self.storages = servers, storages
        self.ports = [s.port for s in servers]
        self.port = self.ports[0]  # for the set-up requests (log-ins, counts)

    def start(self):
        for server in self.servers:
            server.start()
        self.startup_s = max(s.startup_s for s in self.servers)
        return self

    def rss_mb(self):
        both = [s.rss_mb() for s in self.servers]
        return sum(r for r, _ in both), sum(h for _, h in both)

    def cpu_seconds(self):
        return sum(s.cpu_seconds() for s in self.servers)

    def count_in_log(self, text):
        return sum(s.count_in_log(text) for s in self.servers)

    def engine_cpu_seconds(self):
        """The storage server's CPU time (ZEO, PostgreSQL), or None for FileStorage."""
        return self.storages.cpu_seconds() if self.storages is not None else None

    def stop(self):
        for server in self.servers:
            server.stop()


# -- storages ---------------------------------------------------------------------------
STORAGES = ("file", "zeo", "relstorage")


def file_uri(data_fs, cache_size=20000):
    # Blob storage beside Data.fs: the server refuses to start without it (bilagor are files).
    return f"file://{data_fs}?connection_cache_size={cache_size}&blobstorage_dir={data_fs}.blobs"


class BenchStorages:
    """Two storages on one engine: ``app`` for partnership-cms, ``bare`` for the bare
    app, so that each ratio compares like with like. ``uri(which, client)`` is the
    zodbconn.uri of one process (``client`` names its blob cache where it has one)."""

    name = "file"

    def __init__(self, folder):
        self.folder = folder

    def start(self):
        return self

    def data_fs(self, which):
        """The FileStorage file that holds ``which``, where there is one on this machine."""
        return os.path.join(self.folder, "Data.fs" if which == "app" else "Base.fs")

    def uri(self, which, client="main", cache_size=20000):
        if which == "app":
            return file_uri(self.data_fs(which), cache_size)
        return f"file://{self.data_fs(which)}?connection_cache_size={cache_size}"

    def app_bytes(self):
        """What our app's database takes on disk."""
        return os.path.getsize(self.data_fs("app"))

    def write_lock(self):
        """The ``partnership_cms.write_lock`` the app's processes share, as production's .ini
        sets it (none for FileStorage, which one process opens)."""
        return ""

    def describe(self):
        return f"FileStorage in {self.folder}"

    def cpu_seconds(self):
        return None  # FileStorage runs in the app's process

    def stop(self):
        pass


class ZeoStorages(BenchStorages):
    """One ZEO server (``tests/engines.py``) serving the storages ``app`` and ``bare``."""

    name = "zeo"

    def start(self):
        self.zeo = engines.ZeoServer(self.folder, storages=("app", "bare")).start()
        return self

    def data_fs(self, which):
        return self.zeo.data_fs_of(which)

    def uri(self, which, client="main", cache_size=20000):
        return engines.zeo_uri(self.zeo.port, self.zeo.blob_dir_of(which), storage=which,
                               connection_cache_size=cache_size)

    def write_lock(self):
        return f"file:{os.path.join(self.folder, 'write.lock')}"  # as production-zeo.ini

    def describe(self):
        return f"one ZEO server on port {self.zeo.port} (runzeo), storages app and bare"

    def cpu_seconds(self):
        return proc_cpu_seconds(self.zeo.proc.pid)

    def stop(self):
        if getattr(self, "zeo", None) is not None:  # None where it did not start
            self.zeo.stop()


class RelStorages(BenchStorages):
    """RelStorage on two throwaway PostgreSQL databases (``tests/engines.py``)."""

    name = "relstorage"

    def start(self):
        self.postgres = engines.Postgres()
        if self.postgres.port is None:
            raise RuntimeError(self.postgres.reason)
        self.dbnames = {}
        for which in ("app", "bare"):
            self.dbnames[which] = self.postgres.create_database(prefix=f"pcms_bench_{which}_")
        return self

    def data_fs(self, which):
        return None

    def uri(self, which, client="main", cache_size=20000):
        cache = os.path.join(self.folder, f"blobcache-{which}-{client}")
        return engines.relstorage_uri(self.postgres.port, self.dbnames[which], cache,
                                      connection_cache_size=cache_size)

    def write_lock(self):  # as production-relstorage.ini: an advisory lock in the app's database
        return f"postgresql://postgres@{engines.HOST}:{self.postgres.port}/{self.dbnames['app']}"

    def app_bytes(self):
        with contextlib.closing(self.postgres.admin()) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(%s)", (self.dbnames["app"],))
            return cursor.fetchone()[0]

    def describe(self):
        where = "a throwaway cluster" if self.postgres.cluster else "the server"
        return (f"RelStorage on PostgreSQL ({where} at 127.0.0.1:{self.postgres.port}), "
                f"databases {self.dbnames['app']} and {self.dbnames['bare']}")

    def cpu_seconds(self):
        return postgres_cpu_seconds()  # also other sessions' backends on a shared server

    def stop(self):
        for name in getattr(self, "dbnames", {}).values():
            self.postgres.drop_database(name)
        if getattr(self, "postgres", None) is not None:
            self.postgres.close()


def make_storages(name, folder):
    """The started storages of engine ``name``; stop them in a ``finally``."""
    kind = {"file": BenchStorages, "zeo": ZeoStorages, "relstorage": RelStorages}[name]
    storages = kind(folder)
    try:
        return storages.start()
    except BaseException:
        storages.stop()
        raise


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
        self.engine_cpu = None  # the storage server's (ZEO, PostgreSQL), fraction of one core
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
            engine = f" storage {self.engine_cpu:.0%}" if self.engine_cpu is not None else ""
            extra += (f"; CPU server {self.server_cpu:.0%} client {self.client_cpu:.0%}{engine} "
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
        run_load(name, getattr(server, "ports", server.port), *args,
                 **dict(kwargs, seconds=60, max_requests=warmup))
    conflicts0 = server.count_in_log(CONFLICT_LOG)
    engine_cpu = getattr(server, "engine_cpu_seconds", lambda: None)
    cpu0, client0, all0 = server.cpu_seconds(), time.process_time(), machine_busy_seconds()
    engine0 = engine_cpu()
    r = run_load(name, getattr(server, "ports", server.port), *args, **kwargs)
    r.server_cpu = (server.cpu_seconds() - cpu0) / r.wall
    r.client_cpu = (time.process_time() - client0) / r.wall
    if engine0 is not None:
        r.engine_cpu = (engine_cpu() - engine0) / r.wall
    r.other_cpu = max(0.0, (machine_busy_seconds() - all0) / r.wall - r.server_cpu - r.client_cpu
                      - (r.engine_cpu or 0.0))
    r.conflicts = server.count_in_log(CONFLICT_LOG) - conflicts0
    r.rss_mb = server.rss_mb()[0]
    print("  " + r.line(), flush=True)
    return r


# api_bench --writes-to-one: every POST goes to the first process (a proxy that sends
# unsafe methods to one writer, docs/operations.md); reads stay round robin.
WRITES_TO_ONE = False
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def run_load(name, port, make_request, *, seconds, max_requests=None, threads=THREADS,
             ok=(200, 201), on_response=None):
    """Drive ``threads`` keep-alive clients until ``seconds`` pass, ``max_requests``
    are done or ``make_request`` returns None (out of work).

    ``make_request(i, rng)`` returns (method, path, body_bytes_or_None, headers).
    ``port`` may be a list: request ``i`` then goes to ``port[i % len(port)]``
    (round robin; with WRITES_TO_ONE, a write to the first), each client thread
    keeping one connection to each.
    """
    ports = port if isinstance(port, list) else [port]
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
        conns = [http.client.HTTPConnection(HOST, p, timeout=120) for p in ports]
        try:
            while not stop.is_set() and time.perf_counter() < deadline:
                i = next_index()
                if i is None:
                    break
                req = make_request(i, rng)
                if req is None:
                    break
                method, path, body, headers = req
                which = 0 if WRITES_TO_ONE and method in UNSAFE_METHODS else i % len(ports)
                conn = conns[which]
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
                    conns[which] = http.client.HTTPConnection(HOST, ports[which], timeout=120)
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
            for conn in conns:
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


# -- the bare baseline ------------------------------------------------------------------
def build_baseline(storages):
    """The bare app's database in ``storages`` (``BenchStorages`` or an engine's); returns them."""
    t0 = time.perf_counter()
    baseline_app.build(storages.uri("bare", "build"))
    took = time.perf_counter() - t0
    print(f"  built {baseline_app.ITEMS} small persistent objects in {took:.1f} s", flush=True)
    return storages


def run_baseline(storages, args, log_dir, processes=1):
    """The bare page and commit, served by ``processes`` servers on the bare storage."""
    servers = []
    for n in range(processes):
        port = free_port()
        servers.append(Server([sys.executable, os.path.join(HERE, "baseline_app.py"), "serve",
                               storages.uri("bare", f"p{n}"), "--port", str(port),
                               "--threads", str(THREADS)],
                              port, os.path.join(log_dir, f"baseline-{n}.log"), ready_path="/page"))
    server = Servers(servers, storages)
    figures = {}
    try:
        server.start()
        figures["startup_s"] = server.startup_s
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        items = baseline_app.ITEMS

        def page(i, rng):
            return "GET", f"/page?start={rng.randrange(items)}", None, headers

        figures["page"] = scenario(server, "bare page  GET /page (50 rows)", page,
                                   seconds=args.seconds, warmup=400, threads=THREADS * processes)

        def commit(i, rng):
            # A different object per request: no two requests touch the same one.
            key = baseline_app.item_key(i % items)
            return "POST", f"/items/{key}", json.dumps({"note": f"bench {i}"}).encode(), headers

        figures["commit"] = scenario(server, "bare commit  POST /items/<key>", commit,
                                     seconds=args.seconds, threads=THREADS * processes)
        print(f"  bare server start-up {server.startup_s:.2f} s", flush=True)
    finally:
        server.stop()
    return figures


# -- results ----------------------------------------------------------------------------
def verdict(ok):
    return "meets" if ok else "MISSES"


def vs_bare(result, bare_rps, bare_name, target=None):
    """``result``'s rate as a ratio to a bare figure, with its target's verdict."""
    ratio = result.rps / bare_rps
    met = f" (target >= {target}: {verdict(ratio >= target)})" if target else ""
    return f"{ratio:.2f} x {bare_name}{met}"


def cpu_ms(result):
    """The server's CPU milliseconds per request in ``result`` (None where not measured)."""
    if result.server_cpu is None or not result.count:
        return None
    return result.server_cpu * result.wall / result.count * 1000


def vs_bare_cpu(result, bare, bare_name):
    """The bare figure's server CPU per request over ``result``'s: the ratio of
    rates the two would have on an idle machine. On a shared one the other
    processes change each wall-clock rate by the minute; the CPU each request
    costs changes far less (fsync waits are in neither)."""
    ours, theirs = cpu_ms(result), cpu_ms(bare)
    if not ours or not theirs:
        return ""
    return f"by server CPU {theirs:.2f} / {ours:.2f} ms per request = {theirs / ours:.2f} x {bare_name}"
