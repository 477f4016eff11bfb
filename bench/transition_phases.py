"""Where the time of one workflow transition goes: prints figures.

Builds 1,000 proposals with ``bench/dataset.py``'s builder, then submits
the complete drafts through the app in process (WebTest, one thread, no
server), timing the phases by wrapping the functions that do them: the
engine's ``perform`` (with the catalog's ``reindex`` and the audit
``record`` inside it) and the ZODB commit (storing the records, and the
FileStorage's ``tpc_finish`` with its fsync), and counting the records loaded
and the objects pickled (``dataset.count_loads``). Last it lists the records
a typical transaction wrote. Usage::

    .venv/bin/python bench/transition_phases.py [--proposals 1000]
"""
import argparse
import collections
import functools
import io
import os
import pickle
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dataset import OurDatabase, count_loads  # noqa: E402  (bench/ on the path first)

LABELS = ("perform (engine)", "  catalog reindex", "  audit record", "commit",
          "  pickle and store records", "  finish (fsync)", "loading records")


def timed(owner, name, label, totals):
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - t0

    setattr(owner, name, wrapper)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=1000)
    args = parser.parse_args(argv)

    import transaction._transaction
    import ZODB.Connection
    from ZODB.FileStorage import FileStorage

    from partnership_cms import audit, catalog
    from partnership_cms.workflow import engine

    folder = tempfile.mkdtemp(prefix="pcms-transition-phases-")
    try:
        db = OurDatabase(folder)
        db.create()
        db.grow(args.proposals)
        drafts = list(db.drafts)
        app, client, headers = db.in_process("officer")
        for name in drafts:  # read them once, as a browsing user would have
            client.get(f"/proposals/{name}", headers=headers)

        totals = collections.Counter()
        timed(engine.Workflows, "perform", "perform (engine)", totals)
        timed(catalog, "reindex", "  catalog reindex", totals)
        timed(audit, "record", "  audit record", totals)
        timed(transaction._transaction.Transaction, "commit", "commit", totals)
        timed(ZODB.Connection.Connection, "_store_objects", "  pickle and store records", totals)
        timed(FileStorage, "tpc_finish", "  finish (fsync)", totals)
        counts = count_loads(clock=time.perf_counter)

        warm, measured = drafts[:50], drafts[50:]
        for name in warm:
            client.post_json(f"/proposals/{name}/@workflow/submit", {}, headers=headers)
        storage = app.registry._zodb_databases[""].storage
        totals.clear()
        counts.clear()
        t0 = time.perf_counter()
        for i, name in enumerate(measured):
            client.post_json(f"/proposals/{name}/@workflow/submit", {}, headers=headers)
            if i == len(measured) // 2:
                typical = storage.lastTransaction()  # not the last: it empties the draft set
        per = 1000 / len(measured)
        print(f"{len(measured)} submits of different drafts at {args.proposals} proposals, in process:")
        print(f"  whole request              {(time.perf_counter() - t0) * per:6.3f} ms")
        totals["loading records"] = counts.load_seconds
        for label in LABELS:
            print(f"  {label:<26} {totals[label] * per:6.3f} ms")
        print(f"  records loaded per submit  {counts.loaded_per(len(measured)):.1f}, "
              f"objects pickled {counts.pickled / len(measured):.0f}")

        records = next(list(txn) for txn in storage.iterator(typical, typical))
        print(f"a submit (the middle one) wrote {len(records)} records, "
              f"{sum(len(r.data) for r in records)} bytes:")
        for record in records:
            cls = pickle.Unpickler(io.BytesIO(record.data)).load()
            cls = cls[0] if isinstance(cls, tuple) else cls
            print(f"  {len(record.data):6d} B  {cls.__module__}.{cls.__name__}")
        app.registry._zodb_databases[""].close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
