"""How the catalog's reads and writes grow with the register: prints figures.

Builds (or copies from ``--keep``, built once per size) a database of
proposals with ``bench/dataset.py``'s loader, brings it to the code's evolve
step, then in process (WebTest, one thread, no server) times in CPU the
requests whose cost should not follow the size of the register: @search by
type and state, the start page, the director's worklist, the registers, an
object's JSON, a submit and a create, with the records each loaded (what
was not in the connection's cache) and, for the writes, the records each
committed. Compare the figures at two sizes (e.g. 10,000 and 30,000).
Usage::

    .venv/bin/python bench/catalog_scale.py --proposals 10000 [--keep /tmp/catscale-bases]
"""
import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dataset import OurDatabase, count_loads, proposal_payload  # noqa: E402  (bench/ on the path first)

SEARCH_STATES = ("draft", "review", "ks", "kf")


def database(args, folder):
    """An OurDatabase in ``folder`` with ``args.proposals`` built, copied from the kept base if any."""
    db = OurDatabase(folder)
    base = os.path.join(args.keep, str(args.proposals)) if args.keep else None
    if base and os.path.exists(os.path.join(base, "names.json")):
        shutil.copytree(base, folder, dirs_exist_ok=True)
        with open(os.path.join(base, "names.json"), encoding="utf-8") as f:
            kept = json.load(f)
        db.names, db.drafts = kept["names"], collections.deque(kept["drafts"])
        return db
    db.create()
    t0 = time.perf_counter()
    db.grow(args.proposals)
    print(f"built {args.proposals} proposals in {time.perf_counter() - t0:.0f} s")
    if base:
        shutil.copytree(folder, base, dirs_exist_ok=True)
        with open(os.path.join(base, "names.json"), "w", encoding="utf-8") as f:
            json.dump({"names": db.names, "drafts": list(db.drafts)}, f)
    return db


def evolve_to_latest(db):
    from pyramid_zodbconn import get_connection

    from partnership_cms.evolve import APP_KEY, evolve
    from partnership_cms.scripting import app_request
    app = db._app(cache_size=400_000)
    try:
        with app_request(app.registry, root_required=False) as request:
            root = get_connection(request).root()[APP_KEY]
            t0 = time.process_time()
            applied = evolve(root, app.registry)
        if applied:
            print(f"evolve steps {applied} in {time.process_time() - t0:.1f} s CPU")
    finally:
        app.registry._zodb_databases[""].close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--keep", help="folder of built databases, one per size, reused")
    args = parser.parse_args(argv)

    import ZODB.FileStorage.FileStorage  # noqa: F401  (the module, named in sys.modules below)

    sys.modules["ZODB.FileStorage.FileStorage"].fsync = None  # the disk is shared

    folder = tempfile.mkdtemp(prefix="pcms-catscale-")
    try:
        db = database(args, folder)
        evolve_to_latest(db)
        app, client, headers = db.in_process("officer")
        director = client.post_json("/@login", {"login": "director", "password": "demo"}).json["token"]
        html = {"Authorization": headers["Authorization"], "Accept": "text/html"}
        director_html = {"Authorization": "Bearer " + director, "Accept": "text/html"}
        storage = app.registry._zodb_databases[""].storage
        counts = count_loads()
        names = db.names
        drafts = list(db.drafts)
        rng = random.Random(1)
        n = args.requests
        reads = {
            "object JSON": lambda i: client.get("/proposals/" + rng.choice(names), headers=headers),
            "@search type+state": lambda i: client.get(
                f"/@search?portal_type=Proposal&review_state={SEARCH_STATES[i % 4]}&b_size=25",
                headers=headers),
            "start page": lambda i: client.get("/", headers=html),
            "worklist (director)": lambda i: client.get("/", headers=director_html),
            "register ?state=draft": lambda i: client.get("/proposals?state=draft", headers=html),
            "register (all)": lambda i: client.get("/proposals", headers=html),
        }
        print(f"at {len(names)} proposals, in process, CPU per request (mean of {n}) and records loaded:")
        for label, request in reads.items():
            for i in range(10):
                request(i)
            counts.clear()
            t0 = time.process_time()
            for i in range(n):
                request(i)
            print(f"  {label:<24} {(time.process_time() - t0) * 1000 / n:7.2f} ms"
                  f"   loaded {counts.loaded_per(n):5.1f}")

        def submit(i):
            client.post_json(f"/proposals/{drafts[i]}/@workflow/submit", {}, headers=headers)

        def create(i):
            client.post_json("/proposals", proposal_payload(rng, 20_000_000 + i), headers=headers,
                             status=201)

        rng_drafts = random.Random(2)
        rng_drafts.shuffle(drafts)  # old and new drafts alike, as users submit them
        for label, request, offset in (("submit", submit, 0), ("create", create, 0)):
            for i in range(10):
                request(n + i)
            counts.clear()
            written = 0
            t0 = time.process_time()
            for i in range(offset, offset + n):
                before = storage.lastTransaction()
                request(i)
                tid = storage.lastTransaction()
                if tid != before:
                    written += sum(1 for _ in next(iter(storage.iterator(tid, tid))))
            print(f"  {label:<24} {(time.process_time() - t0) * 1000 / n:7.2f} ms"
                  f"   loaded {counts.loaded_per(n):5.1f}   written {written / n:5.1f}"
                  f"   ({counts.classes_per(n, most=4)})")
        app.registry._zodb_databases[""].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
