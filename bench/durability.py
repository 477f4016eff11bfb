"""Durability bench: ``kill -9`` trials under write load; prints counts, never timings.

Runs the trials of ``tests/functional/test_durability.py`` (``run_trials``)
many times on one database in a temporary folder: each trial serves the
database with ``pserve``, drives creations and transitions from client threads,
kills the server with SIGKILL at a random moment, restarts it on the same
``Data.fs`` and checks that every acknowledged write is there, case and §
numbers gapless, and the audit trail valid. Prints, per trial and in total:
the writes acknowledged, the acknowledged writes lost, the requests cut off by
the kill (never acknowledged), and how many kills landed inside a commit (the
restart truncated a half-written transaction and left ``Data.fs.trN``).

Options: ``--trials N`` (default 20), ``--seed S`` (default random; printed, so
a run can be repeated), ``--keep`` (keep the temporary folder: server.log,
Data.fs and the truncated tails). Exits 1 when anything was lost or a check
failed. Everything listens on 127.0.0.1 only; the server process is killed in
a ``finally``.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile

from harness import PROJECT

# The trials live with the test that runs five of them (tests/ holds conftest).
sys.path.insert(0, os.path.join(PROJECT, "tests"))
from functional.test_durability import run_trials  # noqa: E402  (tests/ on the path first)


def progress(trial, figures, lost, problems):
    print(f"  trial {trial:3d}: {figures['acknowledged']:6d} writes acknowledged so far, "
          f"{lost} lost, {figures['truncated']} kills inside a commit so far"
          + (f", {len(problems)} problems" if problems else ""), flush=True)
    for problem in problems[:10]:
        print("      " + problem, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)

    folder = tempfile.mkdtemp(prefix="pcms-durability-")
    print(f"durability: {args.trials} kill -9 trials, seed {seed}, in {folder}", flush=True)
    try:
        figures = run_trials(folder, args.trials, seed, progress=progress)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(figures["statuses"].items()))
    print("\n=== Summary ===")
    print(f"trials                       {figures['trials']}")
    print(f"writes acknowledged          {figures['acknowledged']} "
          f"({figures['cases']} cases created, the rest transitions)")
    print(f"acknowledged writes lost     {figures['lost']}")
    print(f"requests cut off by the kill {figures['cut_off']} (never acknowledged)")
    print(f"kills inside a commit        {figures['truncated']} (half-written transaction truncated on restart)")
    print(f"kills after the load ended   {figures['idle_kills']} (the server was idle)")
    print(f"responses by status          {statuses}")
    print(f"problems                     {len(figures['problems'])}")
    for problem in figures["problems"]:
        print("  " + problem)
    return 1 if figures["problems"] or figures["lost"] else 0


if __name__ == "__main__":
    sys.exit(main())
