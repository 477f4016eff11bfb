"""Records a request loads on cases no request read before (a cold ZODB cache), as a
register of N cases makes every case but the newest: object JSON, the document page
and a submit, in process (WebTest). Prints the records loaded per request by class,
and the CPU time with the time of Python's cyclic garbage collection apart (one full
collection over the loader's objects can fall into any batch).

    .venv/bin/python bench/cold_loads.py [--proposals 30000] [--requests 300]
"""
import argparse
import gc
import os
import random
import shutil
import sys
import tempfile
import time

import ZODB.FileStorage.FileStorage  # noqa: F401  (the module, named in sys.modules below)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dataset import OurDatabase, count_loads  # noqa: E402  (bench/ on the path first)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    sys.modules["ZODB.FileStorage.FileStorage"].fsync = None  # the disk is shared; loads are measured

    folder = tempfile.mkdtemp(prefix="pcms-cold-loads-")
    try:
        db = OurDatabase(folder)
        db.create()
        db.grow(args.proposals)
        drafts = list(db.drafts)
        random.Random(2).shuffle(drafts)
        app, client, headers = db.in_process("officer")
        counts, collecting = count_loads(), {"seconds": 0.0, "start": 0.0}

        def gc_time(phase, _info):
            if phase == "start":
                collecting["start"] = time.process_time()
            else:
                collecting["seconds"] += time.process_time() - collecting["start"]

        gc.callbacks.append(gc_time)
        json_headers = dict(headers, Accept="application/json")
        html_headers = dict(headers, Accept="text/html")
        requests = (
            ("object JSON", lambda name: client.get(f"/proposals/{name}", headers=json_headers)),
            ("document page", lambda name: client.get(f"/proposals/{name}", headers=html_headers)),
            ("submit", lambda name: client.post_json(f"/proposals/{name}/@workflow/submit", {},
                                                     headers=headers)),
        )
        n = min(args.requests, len(drafts) // len(requests))
        print(f"{n} requests each on cases not read before, {args.proposals} proposals, in process:")
        for label, request in requests:
            batch, drafts = drafts[:n], drafts[n:]
            counts.clear()
            collecting["seconds"] = 0.0
            t0 = time.process_time()
            for name in batch:
                request(name)
            per = 1000 / n
            cpu = (time.process_time() - t0) * per
            print(f"  {label:14s} {counts.loaded_per(n):5.1f} records loaded, CPU {cpu:.2f} ms "
                  f"(of it garbage collection {collecting['seconds'] * per:.2f} ms): {counts.classes_per(n)}")
        app.registry._zodb_databases[""].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
