"""API benchmark: prints figures, never passes or fails on time.

What it does (``make bench`` runs it with the defaults):

1. Builds a fresh database in a temporary folder with the project's own code
   (demo users, the seed case), then 1,000 proposals with the bulk loader
   (``dataset.OurDatabase.grow``: ``scripting.app_request`` + ``act_as`` +
   ``content.services.create_content`` in transactions of 1,000, each case
   numbered, indexed and audited as usual, with a progress bar), moved
   through real transitions so that the states have realistic selectivity.
2. Serves it with ``pserve`` (waitress, 4 threads) in a separate process and
   drives it from this process with 4 client threads on keep-alive
   connections: object JSON, @search by type and state, the HTML start page,
   the director's worklist, the register (drafts, and all), a document page,
   create, a transition (submit, each request on a different complete draft)
   and the audit verify (skipped above 20,000 cases: one full verification
   outlasts the client's timeout there). Prints requests/second and p50/p95
   latency, the CPU used by the server, the client and every other process
   on the machine (the figures mean little when other work shares the
   CPUs), the conflicts the server logged, the start-up time and the
   server's resident memory.
3. Stops the server and packs the database with ``partnership-cms pack
   --days 0``, printing Data.fs bytes per case before and after.
4. Grows the same database to the next size (``--sizes 1000,10000,100000``
   runs the 100,000 round too) and repeats; prints every figure's p50 at
   each size against the first.
5. Right before each round, serves a bare Pyramid + ZODB app
   (``bench/baseline_app.py``) the same way; the summary prints each of our
   figures as a ratio to the matching bare figure, next to its target.
6. Then the cast-vote scenario (``vote_bench.py``): the 61 members of a
   large KF vote at the same instant on one item, round after round, on a
   database of its own; prints votes/second and p95 as a ratio to the bare
   commit measured right before it.
7. Last, the anslagstavla scenario (``anslag_bench.py``): the anonymous
   ``/anslagstavla`` page and a 30-paragraph protocol's PDF/A, on a database
   of its own with 10,000 cases and 200 posted protocols; prints requests per
   second and p95 as ratios to the bare page measured right before it.

7. ``--storage zeo`` or ``--storage relstorage`` runs the same rounds on that
   engine (``tests/engines.py`` starts it: one ZEO server serving two
   storages, or two throwaway PostgreSQL databases), our app and the bare
   app each on their own storage, the dataset built straight into it; no
   pack and no cast-vote scenario there. ``--processes 1,2`` serves each
   round with 1, then 2 waitress processes on the same storage (the client
   sends request i to process i mod N, with 4 client threads per process),
   the bare app likewise, and prints each figure against the bare app with
   as many processes, then the scaling from the first count to the next
   (reads at least 1.6x, writes at least 1.0x with no 5xx). A FileStorage
   is opened by one process only: ``--processes`` above 1 needs an engine.
   The CPU of the storage server (the ZEO process; every ``postgres``
   process on the machine) is printed apart from the other processes'.

Options: ``--sizes 1000,10000``, ``--seconds N`` per scenario, ``--quick``
(a smoke run: 200 then 1,000 proposals, short scenarios, 3 vote rounds),
``--vote-rounds N`` (default 10), ``--members N`` (default 61),
``--votes-only`` (the bare baseline and the vote scenario, no proposal
rounds), ``--no-votes``, ``--anslag-only`` (the bare baseline and the
anslagstavla scenario; with ``--votes-only``, both), ``--no-anslag``,
``--cases N`` and ``--protocols N`` (the anslagstavla database; ``--quick``:
1,000 and 20), ``--keep`` (keep the temporary folder),
``--storage file|zeo|relstorage``, ``--processes N`` or ``1,2``. Everything
listens on 127.0.0.1 only; every server process is stopped in a ``finally``.

This file holds the scenarios and the summary; serving, the client threads,
timing and the bare baseline are ``harness.py``, the database ``dataset.py``.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import anslag_bench
import harness  # its WRITES_TO_ONE: --writes-to-one
import vote_bench
from dataset import OurDatabase, proposal_payload
from harness import (
    PROJECT,
    STORAGES,
    THREADS,
    Server,
    Servers,
    bin_path,
    build_baseline,
    free_port,
    json_headers,
    login,
    make_storages,
    request_json,
    run_baseline,
    time_main,
    verdict,
    vs_bare,
    vs_bare_cpu,
)
from harness import scenario as harness_scenario

# The project's performance targets, and Plone 6 + plone.restapi on the same
# kind of machine for scale (ours should be at least PLONE_FACTOR times each).
TARGETS = {
    # Issue 2 asked 0.5; issue 14 re-stated 0.4 with the audit append and the reindex in the transaction.
    "transition_vs_commit": 0.4,
    "json_vs_page": 0.6,
    "search_growth": 1.3,
    "startup_s": 2.0,
    "rss_mb": 150.0,
    "create_vs_commit": 0.3,
    "packed_kb": 20.0,
}
# Figures whose p50 is compared across sizes; those in GROWTH_BOUND must stay
# within search_growth of their p50 at the smallest size (issue 14).
GROWTH = ("get", "search", "create", "transition", "html_start", "html_worklist",
          "html_register", "html_register_all", "html_document", "verify")
GROWTH_BOUND = {"get", "search", "transition", "html_start", "html_worklist", "html_register",
                "html_register_all", "html_document"}
# No target yet for a cast vote: the figure is printed as a ratio to the bare commit.
PLONE = {"create": 9.0, "transition": 33.0, "get": 72.0, "search": 38.0}
PLONE_FACTOR = 10
SEARCH_STATES = ("draft", "review", "ks", "kf")


# -- scenarios ----------------------------------------------------------------------
def run_ours(db, size, args, log_dir, processes=1):
    """Serve the database with ``processes`` servers and run every scenario; returns a dict of figures."""
    servers = []
    for n in range(processes):
        port = free_port()
        ini = db.write_ini(port, "main" if processes == 1 else f"p{n}")
        servers.append(Server([bin_path("pserve"), ini], port,
                              os.path.join(log_dir, f"pserve-{size}-{processes}p{n}.log")))
    server = Servers(servers, db.storages)
    port = server.port  # the set-up requests (log-ins, totals) go to the first server
    threads = THREADS * processes  # each server sees as many clients as a single one would

    def scenario(*a, **kw):
        return harness_scenario(server, *a, threads=threads, **kw)

    figures = {}
    timing = time_main(ini)
    figures["import_s"], figures["main_s"] = timing["import_s"], timing["main_s"]
    try:
        server.start()
        figures["startup_s"] = server.startup_s
        figures["rss_start_mb"] = server.rss_mb()[0]
        print(f"  {processes} server process{'es' if processes > 1 else ''} up in "
              f"{server.startup_s:.2f} s (import {timing['import_s']:.2f} s, "
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

        figures["get"] = scenario("object JSON  GET /proposals/<id>", get_object,
                                  seconds=seconds, warmup=min(len(names), 2000))

        def search(i, rng):
            state = SEARCH_STATES[i % len(SEARCH_STATES)]
            return ("GET", f"/@search?portal_type=Proposal&review_state={state}&b_size=25",
                    None, headers)

        totals = {s: request_json(port, "GET", f"/@search?portal_type=Proposal&review_state={s}",
                                  token=officer)[1]["items_total"] for s in SEARCH_STATES}
        print("  search matches per state: " + ", ".join(f"{s} {n}" for s, n in totals.items()))
        figures["search"] = scenario("@search type+state, 25 rows", search,
                                     seconds=seconds, warmup=40)

        # HTML pages (issue 3): what a browser asks for, rendered from the same services.
        html_headers = {"Accept": "text/html", "Authorization": "Bearer " + officer}
        director_html = {"Accept": "text/html", "Authorization": "Bearer " + login(port, "director")}
        page_requests = {
            "start": ("start page  GET / (Mina uppgifter)", lambda i, rng: ("GET", "/", None, html_headers)),
            # The director's worklist holds every case waiting for review: it grows with the register.
            "worklist": ("worklist  GET / as the director",
                         lambda i, rng: ("GET", "/", None, director_html)),
            "register": ("register page  GET /proposals?state=draft",
                         lambda i, rng: ("GET", "/proposals?state=draft", None, html_headers)),
            "register_all": ("register page  GET /proposals (all)",
                             lambda i, rng: ("GET", "/proposals", None, html_headers)),
            "document": ("document page  GET /proposals/<id>",
                         lambda i, rng: ("GET", "/proposals/" + rng.choice(names), None, html_headers)),
        }
        for key, (label, make) in page_requests.items():
            figures["html_" + key] = scenario(label, make, seconds=seconds, warmup=40)
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

        figures["create"] = scenario("create  POST /proposals", create, seconds=seconds,
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
        figures["transition"] = scenario("transition  POST .../@workflow/submit",
                                             transition, seconds=seconds)
        if len(submitted) >= pool_size:
            print(f"    (all {pool_size} prepared drafts used before the time was up)")
        used = set(submitted)
        db.drafts = collections.deque(n for n in db.drafts if n not in used)
        known = set(db.names)
        db.names.extend(n for n in created if n not in known)

        # A full verification reads every entry: above 20,000 cases one request would
        # outlast the client's timeout, so those rounds skip it (--verify-requests N forces it).
        verify_n = args.verify_requests
        if verify_n is None:
            verify_n = 8 if size <= 2000 else 4 if size <= 20000 else 0
        figures["verify"] = figures["verify_valid"] = None
        if verify_n:
            verify_headers = json_headers(auditor)

            def verify(i, rng):
                return "GET", "/@audit/verify", None, verify_headers

            figures["verify"] = scenario("audit verify  GET /@audit/verify", verify,
                                         seconds=max(seconds * 6, 120), max_requests=verify_n)
            status, body = request_json(port, "GET", "/@audit/verify", token=auditor)
            print(f"    verify: valid={body['valid']} entries={body['entries']} "
                  f"chains={body['chains']} objects={body['objects']}", flush=True)
            figures["verify_valid"] = body["valid"]
        else:
            print("  audit verify skipped at this size (a full verification would outlast "
                  "the client's timeout)", flush=True)

        rss, hwm = server.rss_mb()
        figures["rss_mb"], figures["rss_peak_mb"] = rss, hwm
        print(f"  server RSS after the scenarios: {rss:.0f} MB (peak {hwm:.0f} MB)", flush=True)
    finally:
        server.stop()
    return figures


def pack(db, log_dir):
    """Data.fs bytes per case before and after the project's ``pack --days 0``
    (every old revision gone: what is left is the cases, their history and
    audit entries, and the catalog). The server is stopped: FileStorage packs alone."""
    cases = len(db.names)
    before = os.path.getsize(db.data_fs)
    ini = db.write_ini(free_port())
    t0 = time.perf_counter()
    with open(os.path.join(log_dir, "pack.log"), "ab") as log:
        subprocess.run([bin_path("partnership-cms"), "pack", ini, "--days", "0"], cwd=PROJECT,
                       stdout=log, stderr=subprocess.STDOUT, check=True, timeout=3600)
    took = time.perf_counter() - t0
    after = os.path.getsize(db.data_fs)
    with contextlib.suppress(OSError):
        os.remove(db.data_fs + ".old")  # the copy FileStorage keeps; the next round needs the space
    print(f"  Data.fs {before / cases / 1000:.1f} KB per case, {after / cases / 1000:.1f} KB after "
          f"`partnership-cms pack --days 0` ({took:.1f} s)", flush=True)
    return {"bytes_per_case": before / cases, "packed_per_case": after / cases, "pack_s": took}


# -- report ---------------------------------------------------------------------------
READS = ("get", "search", "html_start", "html_worklist", "html_register", "html_register_all",
         "html_document")
WRITES = ("create", "transition")
LABELS = {"create": "create", "get": "object JSON", "search": "search", "transition": "transition",
          "verify": "audit verify", "html_start": "start page", "html_worklist": "worklist",
          "html_register": "register page", "html_register_all": "register all",
          "html_document": "document page"}
TARGET_OF = {"create": TARGETS["create_vs_commit"], "get": TARGETS["json_vs_page"],
             "transition": TARGETS["transition_vs_commit"]}
# Issue 14: from 1 to 2 processes on this 2-core machine, reads at least 1.6x, writes at least 1.0x.
SCALING = {"read": 1.6, "write": 1.0}


def server_errors(result):
    """Answers of 5xx or a dropped connection in ``result``."""
    return sum(n for status, n in result.statuses.items()
               if status == "conn-error" or (isinstance(status, int) and status >= 500))


def report(ours, base, sizes, processes, storage):
    """The summary: every figure with its target next to it; ``ours`` and
    ``base`` are keyed by (size, processes)."""
    print(f"\n=== Summary ({storage}) ===")
    for size in sizes:
        for n in processes:
            f = ours[(size, n)]
            print(f"\n-- {f['proposals']} proposals ({size} built), {n} process{'es' if n > 1 else ''}, "
                  f"{storage}; load average {f['load']} --")
            bare = {}
            if (size, n) in base:
                b = base[(size, n)]
                bare = {"bare page": b["page"], "bare commit": b["commit"]}
                print(f"  bare Pyramid+ZODB just before, same storage and processes: page "
                      f"{b['page'].rps:.1f} req/s (p50 {b['page'].pct(50):.1f} ms), commit "
                      f"{b['commit'].rps:.1f} req/s (p50 {b['commit'].pct(50):.1f} ms)")
            for name in ("create", "get", "search", "transition", "verify", "html_start",
                         "html_worklist", "html_register", "html_register_all", "html_document"):
                r = f[name]
                if r is None:
                    continue
                parts = [f"{LABELS[name]:<13} {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  "
                         f"p95 {r.pct(95):7.1f} ms"]
                ref_name = "bare commit" if name in WRITES else "bare page" if name in READS else None
                if ref_name in bare:
                    parts.append(vs_bare(r, bare[ref_name].rps, ref_name, TARGET_OF.get(name)))
                    by_cpu = vs_bare_cpu(r, bare[ref_name], ref_name)
                    if by_cpu:
                        parts.append(by_cpu)
                if name in PLONE:
                    x = r.rps / PLONE[name]
                    parts.append(f"{x:.1f} x Plone's {PLONE[name]:g}/s (target >= {PLONE_FACTOR} x: "
                                 f"{verdict(x >= PLONE_FACTOR)})")
                print("  " + ";  ".join(parts))
            startup_ok = verdict(f["startup_s"] < TARGETS["startup_s"])
            print(f"  start-up      {f['startup_s']:.2f} s from process start to the first response "
                  f"(import {f['import_s']:.2f} s, main() {f['main_s']:.2f} s) "
                  f"(target < {TARGETS['startup_s']:g} s: {startup_ok})")
            print(f"  memory        RSS {f['rss_before_verify_mb']:.0f} MB after the reads, before the "
                  "create/transition/verify runs" + (f" (all {n} processes)" if n > 1 else ""))
            memory = (f"  memory        RSS {f['rss_mb']:.0f} MB after the scenarios "
                      f"(peak {f['rss_peak_mb']:.0f} MB, {f['rss_start_mb']:.0f} MB after start)")
            if size == sizes[0] and n == 1:
                memory += (f" (target < {TARGETS['rss_mb']:g} MB at 1,000 cases: "
                           f"{verdict(f['rss_mb'] < TARGETS['rss_mb'])})")
            print(memory)
            if f["verify_valid"] is not None:
                print(f"  audit trail valid after the run: {f['verify_valid']}")
    print()
    for size in sizes:
        f = ours[(size, processes[0])]
        if "packed_per_case" in f:
            print(f"Data.fs at {f['proposals']} proposals: {f['bytes_per_case'] / 1000:.1f} KB per case "
                  f"before pack, {f['packed_per_case'] / 1000:.1f} KB after `pack --days 0` "
                  f"({f['pack_s']:.1f} s; target <= {TARGETS['packed_kb']:g} KB: "
                  f"{verdict(f['packed_per_case'] / 1000 <= TARGETS['packed_kb'])})")
        else:
            print(f"{storage} at {f['proposals']} proposals: {f['bytes_per_case'] / 1000:.1f} KB per "
                  "case on disk, not packed (the bench packs FileStorage only)")
    if len(processes) > 1:
        report_scaling(ours, base, sizes, processes)
    if len(sizes) > 1:
        report_growth(ours, sizes, processes[0])


def report_scaling(ours, base, sizes, processes):
    """Each figure with N processes over the same figure with the first count, on the same storage."""
    lo = processes[0]
    for size in sizes:
        for n in processes[1:]:
            a, b = ours[(size, lo)], ours[(size, n)]
            print(f"\nscaling from {lo} to {n} processes at {size} built (load average "
                  f"{a['load']} / {b['load']}):")
            if (size, lo) in base and (size, n) in base:
                for key in ("page", "commit"):
                    x, y = base[(size, lo)][key], base[(size, n)][key]
                    print(f"  bare {key:<8} {x.rps:8.1f} -> {y.rps:8.1f} req/s = {y.rps / x.rps:.2f} x")
            for name in READS + WRITES:
                x, y = a[name], b[name]
                scale = y.rps / x.rps
                kind = "read" if name in READS else "write"
                failed = server_errors(y)
                ok = scale >= SCALING[kind] and (kind == "read" or failed == 0)
                rule = f">= {SCALING[kind]}" + (" with no 5xx" if kind == "write" else "")
                # What the servers got of the 2 cores, beside what other work took: the rates follow it.
                cpu = (f"; CPU servers {x.server_cpu:.0%} -> {y.server_cpu:.0%}, other processes "
                       f"{x.other_cpu:.0%} -> {y.other_cpu:.0%}" if y.server_cpu is not None else "")
                refused = y.statuses.get(409, 0)  # conflicts that lost every retry
                print(f"  {LABELS[name]:<13} {x.rps:8.1f} -> {y.rps:8.1f} req/s = {scale:.2f} x, "
                      f"p50 {x.pct(50):.1f} -> {y.pct(50):.1f} ms, {failed} 5xx, {refused} 409 "
                      f"({kind}s {rule}: {verdict(ok)}){cpu}")


def report_growth(ours, sizes, n):
    lo = sizes[0]
    for hi in sizes[1:]:
        print()
        for q in (50, 95):
            a, b = ours[(lo, n)]["search"].pct(q), ours[(hi, n)]["search"].pct(q)
            print(f"search p{q} at {hi} vs {lo}: {b:.1f} / {a:.1f} ms = {b / a:.2f} x "
                  f"(target <= {TARGETS['search_growth']}: "
                  f"{verdict(b / a <= TARGETS['search_growth'])})")
        for name in GROWTH:
            if ours[(lo, n)][name] is None or ours[(hi, n)][name] is None:
                continue
            a, b = ours[(lo, n)][name].pct(50), ours[(hi, n)][name].pct(50)
            rps = ours[(hi, n)][name].rps / ours[(lo, n)][name].rps
            target = ""
            if name in GROWTH_BOUND:
                target = (f" (target <= {TARGETS['search_growth']}: "
                          f"{verdict(b / a <= TARGETS['search_growth'])})")
            print(f"{name:<18} p50 at {hi} vs {lo}: {b:.1f} / {a:.1f} ms = {b / a:.2f} x; "
                  f"req/s {rps:.2f} x{target}")


def run_votes(folder, args, log_dir, base_fs):
    """The cast-vote scenario with the bare baseline right before it: (votes Result, bare figures or None)."""
    db = vote_bench.VoteDatabase(folder, size=args.members)
    took = db.create()
    print(f"\n== cast vote: a KF meeting in session, {len(db.members)} members present "
          f"({took:.1f} s to build) ==", flush=True)
    base = None
    if base_fs:
        print("  bare Pyramid + ZODB just before:", flush=True)
        base = run_baseline(base_fs, args, log_dir)
    return vote_bench.run(db, args.vote_rounds, log_dir), base


def run_anslag(folder, args, log_dir, base_storages):
    """The anslagstavla scenario with the bare baseline right before it: (figures, bare figures or None)."""
    db = anslag_bench.AnslagDatabase(folder, cases=args.cases, protocols=args.protocols)
    took = db.create()
    size_mb = os.path.getsize(db.data_fs) / 2**20
    print(f"\n== anslagstavla: {db.counts['cases']} cases, {db.counts['protocols']} posted protocols "
          f"({took:.1f} s to build; Data.fs {size_mb:.0f} MB, {db.counts['audit entries']} audit entries; "
          f"{db.finalized} older protocols laga kraft by finalize, each with its decisions) ==", flush=True)
    base = None
    if base_storages:
        print("  bare Pyramid + ZODB just before:", flush=True)
        base = run_baseline(base_storages, args, log_dir)
    figures = anslag_bench.run(db, args.seconds, log_dir)
    figures["counts"] = db.counts
    return figures, base


def report_anslag(figures, base, header):
    if header:
        print("\n=== Summary ===")
    counts = figures["counts"]
    print(f"\n-- anslagstavla, anonymous ({counts['cases']} cases, {counts['protocols']} protocols) --")
    anslag_bench.report(figures, base)


def report_votes(r, base, header):
    """The cast-vote figures, as ratios to the bare commit measured right before them."""
    if header:
        print("\n=== Summary ===")
    line = f"  cast vote     {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  p95 {r.pct(95):7.1f} ms"
    if base is not None:
        commit = base["commit"]
        line += (f";  {vs_bare(r, commit.rps, 'bare commit')}; p95 {r.pct(95) / commit.pct(95):.1f} x the "
                 f"bare commit's {commit.pct(95):.1f} ms")
    print(f"\n-- {r.name} ({r.count} votes, {r.errors} refused or failed) --")
    print(line)


def parse_args(argv):
    """The options, checked: (args, sizes, processes). ``args.only``: no proposal rounds;
    ``args.run_votes`` / ``args.run_anslag``: run those scenarios; ``args.single_file``: one
    process on a FileStorage, where those scenarios can run (they build FileStorages of their own)."""
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
    parser.add_argument("--vote-rounds", type=int, default=None,
                        help="named votes in the cast-vote scenario (default 10, --quick 3)")
    parser.add_argument("--members", type=int, default=vote_bench.MEMBERS,
                        help="KF members voting at once (default 61)")
    parser.add_argument("--votes-only", action="store_true",
                        help="only the bare baseline and the cast-vote scenario")
    parser.add_argument("--no-votes", action="store_true", help="skip the cast-vote scenario")
    parser.add_argument("--anslag-only", action="store_true",
                        help="only the bare baseline and the anslagstavla scenario (with --votes-only: both)")
    parser.add_argument("--no-anslag", action="store_true", help="skip the anslagstavla scenario")
    parser.add_argument("--cases", type=int, default=None,
                        help="cases in the anslagstavla database (default 10,000, --quick 1,000)")
    parser.add_argument("--protocols", type=int, default=None,
                        help="posted protocols in it (default 200, --quick 20)")
    parser.add_argument("--storage", choices=STORAGES, default="file",
                        help="the engine of our app and of the bare app (default file)")
    parser.add_argument("--processes", default="1",
                        help="server processes on the same storage, e.g. 1,2 (default 1)")
    parser.add_argument("--writes-to-one", action="store_true",
                        help="with several processes, send every write to the first one (a proxy "
                             "routing unsafe methods to one writer); reads stay round robin")
    args = parser.parse_args(argv)
    if args.votes_only and args.no_votes:
        parser.error("--votes-only and --no-votes exclude each other")
    if args.anslag_only and args.no_anslag:
        parser.error("--anslag-only and --no-anslag exclude each other")
    if args.cases is None:
        args.cases = 1000 if args.quick else anslag_bench.CASES
    if args.protocols is None:
        args.protocols = 20 if args.quick else anslag_bench.PROTOCOLS
    # --anslag-only alone runs no vote scenario; with --votes-only both run, and no proposal rounds.
    args.only = args.votes_only or args.anslag_only
    args.run_votes = not args.no_votes and (args.votes_only or not args.only)
    args.run_anslag = not args.no_anslag and (args.anslag_only or not args.only)
    if args.vote_rounds is None:
        args.vote_rounds = 3 if args.quick else 10
    sizes = args.sizes or ("200,1000" if args.quick else "1000,10000")
    sizes = [int(s) for s in sizes.split(",")]
    if sizes != sorted(sizes):
        parser.error("--sizes must grow")
    try:
        processes = [int(n) for n in args.processes.split(",")]
    except ValueError:
        parser.error("--processes takes whole numbers, e.g. 2 or 1,2")
    if processes != sorted(set(processes)) or processes[0] < 1:
        parser.error("--processes must grow from 1 or more, e.g. 1,2")
    if args.storage == "file" and processes[-1] > 1:
        parser.error("--processes above 1 needs --storage zeo or relstorage: a FileStorage is "
                     "opened by one process only (it locks Data.fs)")
    if args.seconds is None:
        args.seconds = 2.0 if args.quick else 10.0
    if args.quick and args.verify_requests is None:
        args.verify_requests = 2
    args.single_file = args.storage == "file" and processes == [1]
    if args.only and not args.single_file:
        parser.error("--votes-only and --anslag-only run on --storage file with one process")
    return args, sizes, processes


def main(argv=None):
    args, sizes, processes = parse_args(argv)
    # A plain `kill` should still stop the servers (the finally blocks run on SystemExit).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    folder = tempfile.mkdtemp(prefix="pcms-bench-")
    log_dir = os.path.join(folder, "logs")
    os.makedirs(log_dir)
    print(f"partnership-cms API benchmark, {datetime.datetime.now():%Y-%m-%d %H:%M}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, folder {folder}; "
          f"load average {load()} at the start")
    harness.WRITES_TO_ONE = args.writes_to_one
    routing = ("reads round robin over the processes, every write to the first one"
               if args.writes_to_one else "requests round robin over the processes")
    print(f"server: waitress {THREADS} threads per process in separate processes; client: "
          f"{THREADS} threads per server process, keep-alive, {routing}; "
          f"{args.seconds:g} s per scenario", flush=True)
    print("The bare app runs right before each round, on the same storage with the same number "
          "of processes, so that each ratio compares figures taken minutes apart (other "
          "processes on the machine change the load).", flush=True)
    ours, base, votes, anslag = {}, {}, None, None
    storages = None
    try:
        storages = make_storages(args.storage, folder)
        print(f"storage: {storages.describe()}", flush=True)
        base_storages = None if args.no_baseline else build_baseline(storages)
        db = OurDatabase(folder, storages)
        if not args.only:
            db.create()
        for size in ([] if args.only else sizes):
            took = db.grow(size)
            total, by_state, entries = db.counts()
            size_mb = storages.app_bytes() / 2**20
            print(f"\n== partnership-cms with {total} proposals ({size} built, {took:.1f} s to "
                  f"build; {size_mb:.0f} MB on {args.storage}, {entries} audit entries) ==", flush=True)
            print("  states: " + ", ".join(f"{s} {n}" for s, n in by_state.items()), flush=True)
            for n in processes:
                if base_storages:
                    print(f"\n== bare Pyramid + ZODB (bench/baseline_app.py) on {args.storage}, "
                          f"{n} process{'es' if n > 1 else ''}, before the {size} round ==", flush=True)
                    base[(size, n)] = run_baseline(base_storages, args, log_dir, n)
                print(f"\n== partnership-cms, {size} built, {n} process{'es' if n > 1 else ''} on "
                      f"{args.storage}; load average {load()} ==", flush=True)
                figures = run_ours(db, size, args, log_dir, n)
                figures["proposals"] = total
                figures["load"] = load()
                ours[(size, n)] = figures
            if args.storage == "file":
                ours[(size, processes[0])].update(pack(db, log_dir))
            else:
                ours[(size, processes[0])]["bytes_per_case"] = storages.app_bytes() / len(db.names)
        # The cast-vote and anslagstavla scenarios build FileStorages of their own.
        if args.run_votes and args.single_file:
            votes = run_votes(folder, args, log_dir, base_storages)
        if args.run_anslag and args.single_file:
            anslag = run_anslag(folder, args, log_dir, base_storages)
        if (args.run_votes or args.run_anslag) and not args.single_file:
            print("\ncast-vote and anslagstavla scenarios skipped: they run on --storage file with one "
                  "process", flush=True)
        if ours:
            report(ours, base, sizes, processes, args.storage)
        if votes is not None:
            report_votes(*votes, header=not ours)
        if anslag is not None:
            report_anslag(*anslag, header=not ours and votes is None)
    finally:
        if storages is not None:
            storages.stop()
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


def load():
    """The machine's load average over 1, 5 and 15 minutes (2 cores: above 2 the CPUs are shared)."""
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())

