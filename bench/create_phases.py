"""Where the time of a create and of a transition goes: prints figures.

Builds proposals with ``bench/dataset.py``'s loader, then makes new
proposals (POST /proposals) and submits complete drafts through the app in
process (WebTest, one thread, no server), timing the phases in CPU time by
wrapping the functions that do them: the content service, its validation,
the catalog's ``reindex`` (and the recent texts' ``index_text`` and
``move_into_index`` inside it), the audit ``record``, the engine's
``perform``, the ZODB commit and its storing of records, and the loading of
records (counted by class: what was not in the connection's cache), and the
Python objects pickled (ZODB's ``persistent_id`` runs once for each: what
a commit costs grows with them, more than with the bytes). The
FileStorage's fsync is left out (it waits for the disk, which other
processes share). Last it lists the records one create and one submit wrote.
Usage::

    .venv/bin/python bench/create_phases.py [--proposals 1000] [--requests 150]
"""
import argparse
import collections
import functools
import io
import os
import pickle
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dataset import OurDatabase, count_loads, proposal_payload  # noqa: E402  (bench/ on the path first)


def timed(owner, name, label, totals):
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t0 = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.process_time() - t0

    setattr(owner, name, wrapper)


def records_of_last_transaction(storage):
    tid = storage.lastTransaction()
    records = next(list(txn) for txn in storage.iterator(tid, tid))
    count, size = collections.Counter(), collections.Counter()
    for record in records:
        cls = pickle.Unpickler(io.BytesIO(record.data)).load()
        cls = cls[0] if isinstance(cls, tuple) else cls
        name = f"{cls.__module__}.{cls.__name__}"
        count[name] += 1
        size[name] += len(record.data)
    print(f"  {len(records)} records, {sum(size.values())} bytes:")
    for name in sorted(size, key=size.get, reverse=True):
        print(f"    {count[name]:3d} {size[name]:7d} B  {name}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=150)
    args = parser.parse_args(argv)

    import transaction._transaction
    import ZODB.Connection
    import ZODB.FileStorage.FileStorage

    sys.modules["ZODB.FileStorage.FileStorage"].fsync = None  # the disk is shared: see the doc

    from partnership_cms import audit, catalog
    from partnership_cms.api import serialize
    from partnership_cms.content import services
    from partnership_cms.workflow import engine

    folder = tempfile.mkdtemp(prefix="pcms-create-phases-")
    try:
        db = OurDatabase(folder)
        db.create()
        db.grow(args.proposals)
        drafts = list(db.drafts)
        app, client, headers = db.in_process("officer")
        for name in drafts:  # read them once, as a browsing user would have
            client.get(f"/proposals/{name}", headers=headers)
        storage = app.registry._zodb_databases[""].storage
        rng = random.Random(1)

        totals = collections.Counter()
        timed(services, "create_content", "create_content (service)", totals)
        timed(services, "_validate", "  validate (colander)", totals)
        timed(engine.Workflows, "perform", "perform (engine)", totals)
        timed(catalog, "reindex", "  catalog reindex", totals)
        recent = getattr(catalog, "recent", None)  # absent before the recent texts: compare with them
        if recent is not None:
            timed(recent, "index_text", "    recent text", totals)
            timed(recent, "move_into_index", "    move into text index", totals)
        timed(audit, "record", "  audit record", totals)
        timed(serialize, "full", "serialize the response", totals)
        timed(transaction._transaction.Transaction, "commit", "commit", totals)
        timed(ZODB.Connection.Connection, "_store_objects", "  pickle and store records", totals)
        counts = count_loads()
        # The view module imported the service before it was wrapped.
        from partnership_cms.api import views
        views.create_content = services.create_content

        def create(i):
            client.post_json("/proposals", proposal_payload(rng, 20_000_000 + i), headers=headers,
                             status=201)

        def submit(i):
            client.post_json(f"/proposals/{drafts[i]}/@workflow/submit", {}, headers=headers)

        n = min(args.requests, len(drafts) // 2)
        for label, request in (("submit", submit), ("create", create)):
            for i in range(20):  # warm up
                request(n + i if label == "submit" else i)
            totals.clear()
            counts.clear()
            t0 = time.process_time()
            for i in range(n):
                request(i if label == "submit" else 100 + i)
            per = 1000 / n
            print(f"{n} requests '{label}' at {args.proposals} proposals, in process, CPU time:")
            print(f"  whole request              {(time.process_time() - t0) * per:6.3f} ms")
            for name, seconds in (*totals.items(), ("loading records", counts.load_seconds)):
                print(f"  {name:<26} {seconds * per:6.3f} ms")
            print(f"  records loaded per request {counts.loaded_per(n):.1f}: {counts.classes_per(n, most=6)}")
            print(f"  objects pickled per request {counts.pickled / n:.0f}")
            print(f"the last '{label}' wrote")
            records_of_last_transaction(storage)
        app.registry._zodb_databases[""].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
