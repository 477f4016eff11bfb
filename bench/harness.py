"""The bench harness: servers in their own processes, load from client
threads, timing and CPU figures, the bare Pyramid + ZODB baseline that every
figure is a ratio to, and the lines that print results.

The scenario scripts beside it (``api_bench.py``, ``transition_cost.py``, ...)
import it; ``dataset.py`` builds the database they serve. Everything listens
on 127.0.0.1 only; ``Server.stop`` ends the server process's whole group.
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


# -- the bare baseline ------------------------------------------------------------------
def build_baseline(folder):
    data_fs = os.path.join(folder, "Base.fs")
    t0 = time.perf_counter()
    baseline_app.build(data_fs)
    took = time.perf_counter() - t0
    print(f"  built {baseline_app.ITEMS} small persistent objects in {took:.1f} s", flush=True)
    return data_fs


def run_baseline(data_fs, args, log_dir):
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
