"""Recompute the audit trail and name the first thing that does not match."""
from __future__ import annotations

from dataclasses import dataclass, field

from .log import GENESIS, entry_hash, state_digest


@dataclass
class Problem:
    time: str
    chain: str
    seq: int | None
    reason: str

    def as_dict(self):
        return {"time": self.time, "chain": self.chain, "seq": self.seq, "reason": self.reason}


@dataclass
class VerifyResult:
    entries: int = 0
    chains: int = 0
    objects: int = 0
    seals: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    @property
    def first_problem(self):
        return min(self.problems, key=lambda p: (p.time, p.chain, p.seq or 0)) if self.problems else None

    def as_dict(self):
        first = self.first_problem
        return {
            "valid": self.ok, "entries": self.entries, "chains": self.chains,
            "objects": self.objects, "seals": self.seals,
            "first_invalid": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in sorted(self.problems, key=lambda p: (p.time, p.chain, p.seq or 0))],
        }


RELEASE_EVERY = 1000  # entries or objects read between two calls of ``release``


def verify_log(log, content_objects=(), release=None):
    """Check every chain, every seal, and that each object matches its last entry.

    ``content_objects`` yields ``(path, obj)`` for every stored content object.
    ``release``, if given, is called every RELEASE_EVERY entries and objects
    and at the end, to let go of what was read (see ``audit.verify_all``).
    """
    release = release or (lambda: None)
    result = VerifyResult()
    seen_chains = set()
    chain, expected_seq, prev = None, 0, GENESIS
    for (entry_chain, seq), entry in log.items():
        result.entries += 1
        if result.entries % RELEASE_EVERY == 0:
            release()
        if entry_chain != chain:
            _close_chain(log, result, chain, expected_seq, prev)
            chain, expected_seq, prev = entry_chain, 0, GENESIS
            seen_chains.add(chain)
        expected_seq += 1
        time = entry.get("time", "")
        if seq != expected_seq or entry.get("seq") != seq:
            result.problems.append(Problem(time, chain, seq, f"entry {expected_seq} is missing"))
            expected_seq = seq
        if entry.get("chain") != chain:
            result.problems.append(Problem(time, chain, seq, "entry was moved from another chain"))
        if entry.get("prev") != prev:
            result.problems.append(Problem(time, chain, seq, "does not link to the previous entry"))
        if entry_hash(entry) != entry.get("hash"):
            result.problems.append(Problem(time, chain, seq, "content does not match its hash (altered)"))
        prev = entry.get("hash")
    _close_chain(log, result, chain, expected_seq, prev)
    for missing in set(log.heads.keys()) - seen_chains:
        result.problems.append(Problem("", missing, None, "chain has a head but no entries (deleted)"))
    result.chains = len(log.heads)

    for path, obj in content_objects:
        result.objects += 1
        if result.objects % RELEASE_EVERY == 0:
            release()
        seq_hash = log.heads.get(path)
        if seq_hash is None:
            result.problems.append(Problem("", path, None, "object has no audit entries"))
            continue
        last = log.get(path, seq_hash[0])
        if last is not None and last.get("state_digest") != state_digest(obj):
            result.problems.append(Problem(
                last.get("time", ""), path, seq_hash[0],
                "the stored object differs from what its last audit entry recorded (changed outside the application)"))

    # One pass over the time index for all seals (the running hash is copied at
    # each seal's time), not one pass per seal.
    digests = log.digests_at([s["time"] for s in log.seals if "time" in s])
    prev = GENESIS
    for seal in log.seals:
        result.seals += 1
        if seal.get("prev") != prev or entry_hash(seal) != seal.get("hash"):
            result.problems.append(Problem(seal.get("time", ""), "@seals", seal.get("seq"), "seal altered"))
        elif digests.get(seal.get("time")) != (seal.get("digest"), seal.get("entries")):
            result.problems.append(Problem(seal.get("time", ""), "@seals", seal.get("seq"),
                                           "entries sealed at this time were changed or deleted"))
        prev = seal.get("hash")
    release()
    return result


def _close_chain(log, result, chain, last_seq, last_hash):
    if chain is None:
        return
    head = log.heads.get(chain)
    if head != (last_seq, last_hash):
        result.problems.append(Problem("", chain, last_seq, "chain head does not match its last entry"))
