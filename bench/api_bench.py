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
6. Last, the cast-vote scenario (``vote_bench.py``): the 61 members of a
   large KF vote at the same instant on one item, round after round, on a
   database of its own; prints votes/second and p95 as a ratio to the bare
   commit measured right before it.

Options: ``--sizes 1000,10000``, ``--seconds N`` per scenario, ``--quick``
(a smoke run: 200 then 1,000 proposals, short scenarios, 3 vote rounds),
``--vote-rounds N`` (default 10), ``--members N`` (default 61),
``--votes-only`` (the bare baseline and the vote scenario, no proposal
rounds), ``--no-votes``, ``--keep`` (keep the temporary folder). Everything
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

import vote_bench
from dataset import OurDatabase, proposal_payload
from harness import (
    PROJECT,
    THREADS,
    Server,
    bin_path,
    build_baseline,
    free_port,
    json_headers,
    login,
    request_json,
    run_baseline,
    scenario,
    time_main,
    verdict,
    vs_bare,
    vs_bare_cpu,
)

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

            figures["verify"] = scenario(server, "audit verify  GET /@audit/verify", verify,
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
def report(ours, base, sizes):
    """The summary: every figure with its target next to it."""
    print("\n=== Summary ===")
    for size in sizes:
        f = ours[size]
        print(f"\n-- {f['proposals']} proposals ({size} built) --")
        page = commit = None
        bare = {}
        if size in base:
            b = base[size]
            page, commit = b["page"].rps, b["commit"].rps
            bare = {"bare page": b["page"], "bare commit": b["commit"]}
            print(f"  bare Pyramid+ZODB just before: page {page:.1f} req/s "
                  f"(p50 {b['page'].pct(50):.1f} ms), commit {commit:.1f} req/s "
                  f"(p50 {b['commit'].pct(50):.1f} ms)")
        rows = [
            ("create", f["create"], commit, "bare commit", TARGETS["create_vs_commit"], PLONE["create"]),
            ("object JSON", f["get"], page, "bare page", TARGETS["json_vs_page"], PLONE["get"]),
            ("search", f["search"], None, None, None, PLONE["search"]),
            ("transition", f["transition"], commit, "bare commit",
             TARGETS["transition_vs_commit"], PLONE["transition"]),
            ("audit verify", f["verify"], None, None, None, None),
            ("start page", f["html_start"], None, None, None, None),
            ("worklist", f["html_worklist"], None, None, None, None),
            ("register page", f["html_register"], None, None, None, None),
            ("register all", f["html_register_all"], None, None, None, None),
            ("document page", f["html_document"], None, None, None, None),
        ]
        for label, r, ref, ref_name, target, plone in rows:
            if r is None:
                continue
            parts = [f"{label:<13} {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  "
                     f"p95 {r.pct(95):7.1f} ms"]
            if ref:
                parts.append(vs_bare(r, ref, ref_name, target))
                by_cpu = vs_bare_cpu(r, bare[ref_name], ref_name)
                if by_cpu:
                    parts.append(by_cpu)
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
        if f["verify_valid"] is not None:
            print(f"  audit trail valid after the run: {f['verify_valid']}")
    print()
    for size in sizes:
        f = ours[size]
        print(f"Data.fs at {f['proposals']} proposals: {f['bytes_per_case'] / 1000:.1f} KB per case "
              f"before pack, {f['packed_per_case'] / 1000:.1f} KB after `pack --days 0` "
              f"({f['pack_s']:.1f} s; target <= {TARGETS['packed_kb']:g} KB: "
              f"{verdict(f['packed_per_case'] / 1000 <= TARGETS['packed_kb'])})")
    if len(sizes) > 1:
        lo = sizes[0]
        for hi in sizes[1:]:
            print()
            for q in (50, 95):
                a, b = ours[lo]["search"].pct(q), ours[hi]["search"].pct(q)
                print(f"search p{q} at {hi} vs {lo}: {b:.1f} / {a:.1f} ms = {b / a:.2f} x "
                      f"(target <= {TARGETS['search_growth']}: "
                      f"{verdict(b / a <= TARGETS['search_growth'])})")
            for name in GROWTH:
                if ours[lo][name] is None or ours[hi][name] is None:
                    continue
                a, b = ours[lo][name].pct(50), ours[hi][name].pct(50)
                rps = ours[hi][name].rps / ours[lo][name].rps
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
    parser.add_argument("--vote-rounds", type=int, default=None,
                        help="named votes in the cast-vote scenario (default 10, --quick 3)")
    parser.add_argument("--members", type=int, default=vote_bench.MEMBERS,
                        help="KF members voting at once (default 61)")
    parser.add_argument("--votes-only", action="store_true",
                        help="only the bare baseline and the cast-vote scenario")
    parser.add_argument("--no-votes", action="store_true", help="skip the cast-vote scenario")
    args = parser.parse_args(argv)
    if args.votes_only and args.no_votes:
        parser.error("--votes-only and --no-votes exclude each other")
    if args.vote_rounds is None:
        args.vote_rounds = 3 if args.quick else 10
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
    ours, base, votes = {}, {}, None
    try:
        base_fs = None if args.no_baseline else build_baseline(folder)
        db = OurDatabase(folder)
        if not args.votes_only:
            db.create()
        for size in ([] if args.votes_only else sizes):
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
            figures.update(pack(db, log_dir))
            ours[size] = figures
        if not args.no_votes:
            votes = run_votes(folder, args, log_dir, base_fs)
        if ours:
            report(ours, base, sizes)
        if votes is not None:
            report_votes(*votes, header=not ours)
    finally:
        if args.keep:
            print(f"\nkept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

