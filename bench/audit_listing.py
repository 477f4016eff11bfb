"""The auditor's listing (``GET /@audit``) at growing trail sizes: prints figures.

Builds a database with ``bench/dataset.py``'s builder (1,000 then 10,000
proposals moved through real transitions), then asks the app in process
(WebTest, no server) for the first page of the trail newest first, by
actor and by action, and prints the median time of each. Usage::

    .venv/bin/python bench/audit_listing.py [--sizes 1000,10000] [--repeat 20]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dataset import OurDatabase  # noqa: E402  (bench/ on the path first)

QUERIES = ("", "actor=officer", "actor=director", "action=transition",
           "actor=director&action=transition", "action=login")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="pcms-audit-listing-")
    try:
        db = OurDatabase(folder)
        db.create()
        for size in (int(s) for s in args.sizes.split(",")):
            db.grow(size)
            app, client, headers = db.in_process("auditor")
            try:
                print(f"\n== {size} proposals built ==")
                for query in QUERIES:
                    client.get("/@audit?" + query, headers=headers)  # warm the cache
                    times = []
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        res = client.get("/@audit?" + query, headers=headers)
                        times.append(time.perf_counter() - t0)
                    print(f"  /@audit?{query:<32} p50 {statistics.median(times) * 1000:7.1f} ms  "
                          f"({res.json['items_total']} match, {len(res.json['items'])} shown)")
            finally:
                app.registry._zodb_databases[""].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
