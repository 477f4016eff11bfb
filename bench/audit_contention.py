"""Audit trail contention: one global hash chain versus one chain per object.

Directly on ZODB (a FileStorage in a temporary folder; no web stack), 1, 2,
4 and 8 writer threads, each with its own connection and transaction
manager. Every transaction changes one content object (a different one in
every thread, so the objects themselves never conflict) and appends one
audit entry. A ConflictError is counted, the transaction aborted and re-run
(as pyramid_retry would; here without a limit on attempts). Designs:

  (a) global chain: one Persistent head (seq, hash) that every write
      updates, entries in a BTree keyed by the global seq;
  (b) per-object chains as implemented: the real ``AuditLog`` class
      (``audit/log.py``): heads by chain, each entry its own record under
      (chain, seq), the time index split into 16 separate BTrees (by the
      chain) and the actor index into one BTree per actor, and the
      ``readCurrent`` of the seals that makes an append conflict with a
      concurrent seal;
  (c) (b) without the time and actor indexes: ``append`` writes only the
      entry, ``entries`` and ``heads``; shows what the two indexes still cost;
  (d) the previous layout (before evolve step 4): entry dicts inside the
      ``entries`` buckets, one ``by_time`` BTree and one ``by_actor`` BTree
      shared by all writers.

Prints commits/second and conflicts per commit. ``--work-ms`` adds CPU
work (holding the GIL, like a request's validation, indexing and JSON)
inside each transaction, which widens the window in which two
transactions overlap.

    .venv/bin/python bench/audit_contention.py [--seconds 5] [--work-ms 0,3]
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from importlib.metadata import version

import transaction
import ZODB
import ZODB.FileStorage
from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from ZODB.POSException import ConflictError

from partnership_cms.audit.log import (
    GENESIS,
    TIME_SHARDS,
    AuditEntry,
    AuditLog,
    entry_hash,
    state_digest,
    utcnow_iso,
)
from partnership_cms.content.models import Content

OBJECTS = 4000  # content objects; each writer thread walks its own share
PREFILL = 1  # audit entries per object before measuring (realistic BTree depth)
ACTORS = ("officer", "director", "clerk", "ks_chair", "ks_member", "kf_chair", "kf_member",
          "admin")
MAX_ATTEMPTS = 1000  # per transaction; a safety bound, never reached in practice


class GlobalHead(Persistent):
    """(a): the head of the one global chain."""

    def __init__(self):
        self.seq = 0
        self.hash = GENESIS


class GlobalAuditLog(Persistent):
    """(a): every append reads and updates ``head``, so any two appends conflict."""

    def __init__(self):
        self.head = GlobalHead()
        self.entries = LOBTree()  # global seq -> entry

    def append(self, chain, fields):
        head = self.head
        entry = dict(fields, chain=chain, seq=head.seq + 1, prev=head.hash)
        entry["hash"] = entry_hash(entry)
        self.entries[entry["seq"]] = entry
        head.seq, head.hash = entry["seq"], entry["hash"]
        return entry


class ChainsOnlyAuditLog(AuditLog):
    """(c): the real AuditLog with ``append`` cut down to the entry, entries and heads."""

    def append(self, chain, fields):
        self._read_seals_current()
        seq, prev = self.heads.get(chain, (0, GENESIS))
        entry = dict(fields, chain=chain, seq=seq + 1, prev=prev)
        entry["hash"] = entry_hash(entry)
        self.entries[(chain, entry["seq"])] = AuditEntry(entry)
        self.heads[chain] = (entry["seq"], entry["hash"])
        return entry


class PreviousAuditLog(Persistent):
    """(d): the AuditLog as it was before evolve step 4: entry dicts stored in
    the ``entries`` buckets (every append rewrites a bucket of up to 30), and
    one time tree and one actor tree that every writer inserts at the end of.

    A BTree insert calls ``readCurrent`` on every internal node it passes, so
    a bucket split anywhere under a shared root conflicts with every
    transaction that inserted into that tree meanwhile."""

    def __init__(self):
        self.entries = OOBTree()  # (chain, seq) -> entry dict
        self.heads = OOBTree()
        self.by_time = OOBTree()  # (time, chain, seq) -> None
        self.by_actor = OOBTree()  # (actor, time, chain, seq) -> None

    def append(self, chain, fields):
        seq, prev = self.heads.get(chain, (0, GENESIS))
        entry = dict(fields, chain=chain, seq=seq + 1, prev=prev)
        entry["hash"] = entry_hash(entry)
        self.entries[(chain, entry["seq"])] = entry
        self.heads[chain] = (entry["seq"], entry["hash"])
        self.by_time[(entry["time"], chain, entry["seq"])] = None
        self.by_actor[(entry.get("actor") or "", entry["time"], chain, entry["seq"])] = None
        return entry


DESIGNS = {
    "a": ("(a) one global chain head", GlobalAuditLog),
    "b": (f"(b) per-object chains (AuditLog as in src: entry records, {TIME_SHARDS} "
          f"time trees, one tree per actor)", AuditLog),
    "c": ("(c) = (b) without the time and actor indexes", ChainsOnlyAuditLog),
    "d": ("(d) previous AuditLog: entries in buckets, one time tree, one actor tree",
          PreviousAuditLog),
}


def path_of(n):
    return f"/proposals/ks-2026-{n + 1}"


def change(obj, actor, n):
    """Change one content object and return the audit fields ``record()`` would write."""
    old = obj.data.get("summary", "")
    new = f"Ändrad av {actor} ({n})."
    obj.data["summary"] = new
    obj.modified = datetime.datetime.now(datetime.UTC)
    return {
        "time": utcnow_iso(),
        "action": "edit",
        "actor": actor,
        "roles": [actor],
        "details": {"changes": [{"field": "summary", "old": old, "new": new}]},
        "path": obj.path,
        "type": obj.type_name,
        "dnr": obj.data.get("dnr", ""),
        "state": obj.state,
        "state_digest": state_digest(obj),
    }


def build(path, design):
    """A database with OBJECTS content objects and PREFILL audit entries each."""
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path))
    try:
        tm = transaction.TransactionManager(explicit=True)
        conn = db.open(tm)
        with tm:
            root = conn.root()
            root["objects"] = OOBTree()
            root["audit_log"] = DESIGNS[design][1]()
        for start in range(0, OBJECTS, 500):
            with tm:
                objects, log = conn.root()["objects"], conn.root()["audit_log"]
                for n in range(start, min(OBJECTS, start + 500)):
                    obj = Content("Proposal", {"title": f"Ärende {n}", "dnr": f"KS-2026/{n + 1}",
                                               "summary": ""}, "draft", "officer")
                    obj.path = path_of(n)
                    objects[path_of(n)] = obj
                    for _ in range(PREFILL):
                        log.append(obj.path, change(obj, "officer", 0))
        conn.close()
    finally:
        db.close()


def busy(ms):
    """CPU work that holds the GIL, like the rest of a request."""
    if ms <= 0:
        return
    end = time.perf_counter() + ms / 1000
    h = hashlib.sha256()
    while time.perf_counter() < end:
        for _ in range(50):
            h.update(b"x" * 64)


def run(path, threads, seconds, work_ms, one_actor=False):
    """Writers on a copy of a built database; returns (commits, conflicts, wall seconds)."""
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path), pool_size=threads + 2)
    counts = {"commits": 0, "conflicts": 0, "failed": 0}
    lock = threading.Lock()
    start_line = threading.Barrier(threads + 1)
    per_thread = OBJECTS // threads

    def writer(t):
        tm = transaction.TransactionManager(explicit=True)
        conn = db.open(tm)
        actor = "officer" if one_actor else ACTORS[t % len(ACTORS)]
        commits = conflicts = failed = 0
        i = 0
        start_line.wait()
        try:
            while time.perf_counter() < deadline:
                # Thread t only ever touches objects t*per_thread ... (t+1)*per_thread-1.
                n = t * per_thread + i % per_thread
                i += 1
                for _attempt in range(MAX_ATTEMPTS):
                    tm.begin()
                    try:
                        root = conn.root()
                        obj = root["objects"][path_of(n)]
                        fields = change(obj, actor, i)
                        busy(work_ms)
                        root["audit_log"].append(obj.path, fields)
                        tm.commit()
                        commits += 1
                        break
                    except ConflictError:
                        tm.abort()
                        conflicts += 1
                else:
                    failed += 1
        finally:
            conn.close()
            with lock:
                counts["commits"] += commits
                counts["conflicts"] += conflicts
                counts["failed"] += failed

    workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    deadline = time.perf_counter() + seconds + 0.05
    start_line.wait()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    db.close()
    return counts, wall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2,4,8")
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--work-ms", default="0,3",
                        help="CPU milliseconds inside each transaction, one table per value")
    parser.add_argument("--designs", default="abcd")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per cell; the cell shows the run with the most commits/s "
                             "(other processes on the machine only ever slow a run down)")
    parser.add_argument("--one-actor", action="store_true",
                        help="every writer acts as 'officer' (default: one demo user per thread)")
    args = parser.parse_args(argv)
    thread_counts = [int(x) for x in args.threads.split(",")]
    works = [float(x) for x in args.work_ms.split(",")]

    folder = tempfile.mkdtemp(prefix="pcms-audit-contention-")
    try:
        print(f"audit contention, {datetime.datetime.now():%Y-%m-%d %H:%M}, "
              f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"ZODB {version('ZODB')}, BTrees {version('BTrees')}")
        print(f"FileStorage in a temporary folder; {OBJECTS} content objects with {PREFILL} audit "
              f"entry each before measuring; {args.seconds:g} s per cell; every thread changes "
              f"only its own objects")
        print("actors: " + ("every writer is 'officer'" if args.one_actor else
                            "one demo user per writer thread"))
        print(f"load average before: {os.getloadavg()[0]:.2f} (other processes share the CPUs)")
        print(f"cells: commits/second, conflicts per commit (the best of {args.repeat} runs)")
        bases = {}
        for design in args.designs:
            bases[design] = os.path.join(folder, f"base-{design}.fs")
            build(bases[design], design)
        for work_ms in works:
            print(f"\nCPU work inside each transaction: {work_ms:g} ms\n")
            print("| design | " + " | ".join(f"{t} writer{'s' if t > 1 else ''}"
                                            for t in thread_counts) + " |")
            print("|---|" + "---:|" * len(thread_counts))
            for design in args.designs:
                cells = []
                for threads in thread_counts:
                    runs = []
                    for _ in range(args.repeat):
                        path = os.path.join(folder, f"run-{design}-{threads}.fs")
                        for suffix in ("", ".index"):
                            if os.path.exists(bases[design] + suffix):
                                shutil.copy(bases[design] + suffix, path + suffix)
                        counts, wall = run(path, threads, args.seconds, work_ms, args.one_actor)
                        runs.append((counts["commits"] / wall, counts))
                        for suffix in ("", ".index", ".lock", ".tmp"):
                            if os.path.exists(path + suffix):
                                os.remove(path + suffix)
                    rate, counts = max(runs, key=lambda r: r[0])
                    per = counts["conflicts"] / max(1, counts["commits"])
                    failed = f" ({counts['failed']} failed)" if counts["failed"] else ""
                    cells.append(f"{rate:.0f}/s, {per:.2f}{failed}")
                print(f"| {DESIGNS[design][0]} | " + " | ".join(cells) + " |", flush=True)
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
