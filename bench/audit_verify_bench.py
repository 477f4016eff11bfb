"""How fast the audit trail verifies: a full verification and the incremental
one since the last seal, on a trail of N entries, as entries per second and
as a ratio to a bare baseline measured in the same run (SHA-256 of the same
stored bytes with hashlib alone, no ZODB).

    .venv/bin/python bench/audit_verify_bench.py [--entries 1000000] [--since 10000]
                                                  [--chain-length 15] [--keep DIR]

It builds the trail quickly in a FileStorage in a temporary folder (or
``--keep DIR``, reused when it exists) through ``AuditLog.append`` itself, in
transactions of 10,000 entries, with a progress bar: chains of about
``--chain-length`` entries (cases) plus one chain per user (log-ins), then a
seal, then ``--since`` entries more (the part the incremental check reads).
Verification opens the database read-only in a fresh process state (a cold
ZODB cache; the operating system's file cache is warm from the build), as
``partnership-cms audit-verify`` does. Content objects are not part of this
trail (their check is one object per case, unchanged). Prints figures;
passes or fails nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import sys
import tempfile
import time

import transaction
import ZODB
import ZODB.FileStorage
from tqdm import tqdm

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from partnership_cms.audit.log import AuditLog, utcnow_iso  # noqa: E402
from partnership_cms.audit.verify import verify_log, verify_since_last_seal, verify_steps  # noqa: E402

BATCH = 50_000
USERS = 40


def fields(n, chain):
    """An entry like a case's edit or transition (about 500 bytes hashed)."""
    return {"time": utcnow_iso(), "action": "transition" if n % 3 else "edit",
            "actor": f"user{n % USERS}", "roles": ["officer"],
            "details": {"transition": "submit", "comment": "Förslaget lämnas till beredning.",
                        "changes": [{"field": "title", "old": "Samverkan", "new": "Samverkan om forskning"}]},
            "path": chain, "type": "Proposal", "dnr": f"KS 2026/{n}", "state": "submitted",
            "state_digest": hashlib.sha256(str(n).encode()).hexdigest()}


ACTIVE = 2000  # cases being worked on at any time


def chain_of(n, chain_length):
    """Cases are worked on ACTIVE at a time, each for about ``chain_length`` entries,
    then the next ones (so a batch touches the buckets of the active cases only)."""
    if n % 10 == 0:  # one entry in ten is a log-in
        return f"user:user{n % USERS}"
    window = n // (ACTIVE * chain_length)
    return f"/proposals/ks-2026-{window * ACTIVE + (n * 7919) % ACTIVE}"


def append(log, conn, start, count, chain_length, desc):
    with tqdm(total=count, desc=desc, unit=" entries", file=sys.stderr, mininterval=2) as bar:
        for n in range(start, start + count):
            chain = chain_of(n, chain_length)
            log.append(chain, fields(n, chain))
            if (n + 1 - start) % BATCH == 0:
                transaction.commit()
                conn.cacheMinimize()
                bar.update(BATCH)
        transaction.commit()
        bar.update(count % BATCH)


def build(path, entries, since, chain_length):
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path))
    conn = db.open()
    log = conn.root()["log"] = AuditLog()
    transaction.commit()
    started = time.perf_counter()
    append(log, conn, 0, entries - since, chain_length, "building")
    log.seal("bench")
    transaction.commit()
    append(log, conn, entries - since, since, chain_length, "after the seal")
    built = time.perf_counter() - started
    db.close()
    return built


def open_read_only(path):
    db = ZODB.DB(ZODB.FileStorage.FileStorage(path, read_only=True))
    conn = db.open()
    return db, conn, conn.root()["log"]


def baseline(path, sample_size=20_000):
    """SHA-256 (hexdigest) per second over the trail's own stored bytes, in memory."""
    db, _conn, log = open_read_only(path)
    sample = [stored.raw for _key, stored in zip(range(sample_size), log.entries.values(), strict=False)]
    db.close()
    best = 0.0
    for _round in range(3):
        started = time.perf_counter()
        for raw in sample:
            hashlib.sha256(raw).hexdigest()
        best = max(best, len(sample) / (time.perf_counter() - started))
    return best, sum(map(len, sample)) / len(sample)


def timed_full(path):
    db, conn, log = open_read_only(path)
    total = verify_steps(log)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tqdm(total=total, desc="full verification", unit=" steps", file=sys.stderr,
              mininterval=2) as bar:
        started = time.perf_counter()
        result = verify_log(log, release=conn.cacheMinimize, progress=bar.update)
        elapsed = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.close()
    return result, elapsed, rss_before, rss_after


def timed_incremental(path):
    db, _conn, log = open_read_only(path)
    started = time.perf_counter()
    result = verify_since_last_seal(log)
    elapsed = time.perf_counter() - started
    db.close()
    return result, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--since", type=int, default=10_000, help="entries after the last seal")
    parser.add_argument("--chain-length", type=int, default=15)
    parser.add_argument("--keep", help="folder for Data.fs (kept, and reused if present)")
    args = parser.parse_args(argv)
    folder = args.keep or tempfile.mkdtemp(prefix="audit-verify-bench-")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "Data.fs")
    built = None
    if not os.path.exists(path):
        built = build(path, args.entries, args.since, args.chain_length)

    print(f"audit verification, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    print(f"trail: {args.entries:,} entries ({args.since:,} after the last seal), chains of "
          f"~{args.chain_length} entries and {USERS} user chains; Data.fs "
          f"{os.path.getsize(path) / 1e6:,.0f} MB" + (f", built in {built:.0f} s" if built else ""))
    rate, size = baseline(path)
    print(f"baseline: hashlib.sha256(stored bytes).hexdigest(): {rate:,.0f}/s (mean {size:.0f} bytes)")
    result, elapsed, rss_before, rss_after = timed_full(path)
    full_rate = result.entries / elapsed
    print(f"full verification: {result.entries:,} entries, {result.chains:,} chains, "
          f"{result.seals} seal, valid={result.ok}: {elapsed:.1f} s, {full_rate:,.0f} entries/s "
          f"= {full_rate / rate:.3f}x baseline; peak RSS {rss_before / 1024:.0f} -> "
          f"{rss_after / 1024:.0f} MB")
    inc, inc_elapsed = timed_incremental(path)
    print(f"incremental since seal {inc.since_seal}: {inc.entries:,} entries in {inc.chains:,} "
          f"chains, valid={inc.ok}: {inc_elapsed:.2f} s, {inc.entries / inc_elapsed:,.0f} entries/s "
          f"= {inc.entries / inc_elapsed / rate:.3f}x baseline "
          f"({elapsed / inc_elapsed:.0f}x faster than the full one)")


if __name__ == "__main__":
    main()
