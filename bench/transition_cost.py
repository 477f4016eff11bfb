"""What the audit trail and the catalog cost a transition POST, served as in ``make bench``.

Issue #2 asks for both in the transaction of the change itself. This
script measures the same submit (4 clients, waitress with 4 threads, each
request on a different old draft) four ways: as the application does it,
without the audit append, without the catalog reindex, and without both,
each as a ratio to the bare Pyramid + ZODB commit measured just before.
First it takes the same four variants in process, without a server, as CPU
time per submit: a steadier figure than served rates on a shared machine.
The parts are switched off only inside this script's own processes
(``switch_off`` below); the application has no such switch.

    .venv/bin/python bench/transition_cost.py [--proposals 3000] [--rounds 2]

3,000 proposals give 1,200 drafts per variant (the database is copied for
each), enough for a few seconds of submits. Prints figures; passes or fails
nothing.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

from dataset import OurDatabase
from harness import (
    THREADS,
    BenchStorages,
    Server,
    build_baseline,
    free_port,
    json_headers,
    login,
    run_baseline,
    scenario,
)

VARIANTS = {
    "as built": "",
    "without the audit append": "audit",
    "without the catalog reindex": "catalog",
    "without both": "audit,catalog",
}


def switch_off(skip):
    """Replace the parts named in ``skip`` ("audit", "catalog") with no-ops in this process."""
    import partnership_cms.audit
    import partnership_cms.catalog

    parts = set(filter(None, skip.split(",")))
    if "audit" in parts:  # the event subscribers look both up at each call, so this reaches them
        partnership_cms.audit.record = lambda *args, **kwargs: None
    if "catalog" in parts:
        partnership_cms.catalog.reindex = lambda *args, **kwargs: None


def serve(ini, port, skip):
    """The application served like pserve does, with ``skip``'s parts switched off."""
    import pyramid.paster
    import waitress

    switch_off(skip)
    pyramid.paster.setup_logging(ini)
    app = pyramid.paster.get_app(ini)
    waitress.serve(app, host="127.0.0.1", port=int(port), threads=THREADS)


def read_drafts(folder):
    """The names of the drafts ``main`` wrote beside the built database."""
    with open(os.path.join(folder, "drafts.json"), encoding="utf-8") as f:
        return json.load(f)


WARM_UP = 100  # submits before the measured ones (caches, first bucket splits)


def in_process(folder, skip):
    """Print the CPU time per submit of the drafts in ``folder``, in process (WebTest)."""
    import time

    switch_off(skip)
    drafts = read_drafts(folder)
    app, client, headers = OurDatabase(folder).in_process("officer")
    try:
        for name in drafts:  # read once, as a browsing user would have
            client.get(f"/proposals/{name}", headers=headers)
        for name in drafts[:WARM_UP]:
            client.post_json(f"/proposals/{name}/@workflow/submit", {}, headers=headers)
        measured = drafts[WARM_UP:]
        t0 = time.process_time()
        for name in measured:
            client.post_json(f"/proposals/{name}/@workflow/submit", {}, headers=headers)
        print(f"{(time.process_time() - t0) / len(measured) * 1000:.3f}")
    finally:
        app.registry._zodb_databases[""].close()


def cpu_per_submit(built, folder, skip):
    """``in_process`` in a separate interpreter (the switches stay there), on a copy."""
    copy = os.path.join(folder, f"in-process-{skip or 'all'}")
    shutil.copytree(built, copy)
    try:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "in-process", copy, skip],
                             check=True, capture_output=True, text=True).stdout
        return float(out.strip().splitlines()[-1])
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def submits(folder, skip, seconds, log_dir):
    """Serve a copy of the built database and submit its drafts; returns the Result."""
    db = OurDatabase(folder)
    drafts = collections.deque(read_drafts(folder))
    port = free_port()
    ini = db.write_ini(port)
    server = Server([sys.executable, os.path.abspath(__file__), "serve", ini, str(port), skip],
                    port, os.path.join(log_dir, f"serve-{skip or 'all'}.log"))
    lock = threading.Lock()
    try:
        server.start()
        headers = json_headers(login(port, "officer"))

        def submit(i, rng):
            with lock:
                if not drafts:
                    return None
                name = drafts.popleft()
            return "POST", f"/proposals/{name}/@workflow/submit", b"{}", headers

        return scenario(server, f"submit, {skip or 'nothing'} switched off", submit,
                                  seconds=seconds)
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="pcms-transition-cost-")
    log_dir = os.path.join(folder, "logs")
    os.makedirs(log_dir)
    try:
        base_fs = build_baseline(BenchStorages(folder))
        built = os.path.join(folder, "built")
        db = OurDatabase(built)
        os.makedirs(built)
        db.create()
        db.grow(args.proposals)
        with open(os.path.join(built, "drafts.json"), "w", encoding="utf-8") as f:
            json.dump(list(db.drafts), f)
        print(f"{args.proposals} proposals, {len(db.drafts)} drafts submitted per variant", flush=True)
        print("\n== in process, CPU time per submit (WebTest, no server) ==", flush=True)
        for label, skip in VARIANTS.items():
            print(f"  {label:<30} {cpu_per_submit(built, folder, skip):.3f} ms", flush=True)
        ratios = collections.defaultdict(list)
        for round_number in range(1, args.rounds + 1):
            print(f"\n== round {round_number} ==", flush=True)
            bare = run_baseline(base_fs, args, log_dir)["commit"]
            for label, skip in VARIANTS.items():
                copy = os.path.join(folder, f"copy-{round_number}-{skip or 'all'}")
                shutil.copytree(built, copy)
                result = submits(copy, skip, args.seconds, log_dir)
                shutil.rmtree(copy, ignore_errors=True)
                ratios[label].append(result.rps / bare.rps)
        print("\n=== transition POST as a ratio to the bare commit, per round ===")
        for label, values in ratios.items():
            print(f"  {label:<30} " + "  ".join(f"{v:.2f}x" for v in values))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(*sys.argv[2:5])
    elif sys.argv[1:2] == ["in-process"]:
        in_process(*sys.argv[2:4])
    else:
        sys.exit(main())
