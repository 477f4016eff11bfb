"""Recompute the audit trail and name every thing that does not match.

Each problem carries a ``code`` and its ``params`` (what the views and the
command line render in the reader's language) and, for compatibility, an
English ``reason`` made from them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .log import GENESIS, entry_hash, state_digest
from .seal_heads import recorded_heads

# The English text of each code (``reason``); the views translate the codes.
REASONS = {
    "entry_missing": "entry {expected} is missing",
    "entry_moved": "entry was moved from another chain",
    "link_broken": "does not link to the previous entry",
    "entry_altered": "content does not match its hash (altered)",
    "head_mismatch": "chain head does not match its last entry",
    "chain_deleted": "chain has a head but no entries (deleted)",
    "object_unaudited": "object has no audit entries",
    "object_changed": "the stored object differs from what its last audit entry recorded "
                      "(changed outside the application)",
    "object_moved": "the object is stored at a path its trail does not name (moved outside the "
                    "application; a rename records one)",
    "alias_unrecorded": "the trail is said to continue at {path}, but no rename to there is recorded",
    "file_changed": "the stored file {file} ({filename}) no longer has the SHA-256 its upload "
                    "recorded (changed outside the application)",
    "file_missing": "the stored file {file} ({filename}) cannot be read",
    "seal_altered": "seal altered",
    "sealed_entries_changed": "entries sealed at this time were changed or deleted",
    "checkpoint_signature": "the checkpoint's signature does not match (wrong key or altered file)",
    "checkpoint_seal_missing": "the trail no longer holds the checkpoint's seal",
    "checkpoint_seal_differs": "the checkpoint's seal differs from the trail's "
                               "(the trail was rewritten after the checkpoint)",
}


def reason_text(code, params):
    """The English sentence of a problem (``chains`` appended where named)."""
    text = REASONS[code].format(**params)
    if params.get("chains"):
        text += " (chains: " + ", ".join(params["chains"]) + ")"
    return text


@dataclass
class Problem:
    """One finding. ``time`` is the time shown (the entry's, "" if none);
    ``at`` orders problems (see ``sort_key``)."""

    time: str
    chain: str
    seq: int | None
    code: str
    params: dict = field(default_factory=dict)
    at: str | None = None  # when the problem arose, as far as known; None: unknown

    @property
    def reason(self):
        return reason_text(self.code, self.params)

    def sort_key(self):
        # Earliest first by the moment the problem arose; problems whose moment
        # is unknown (a deleted chain, an object without entries) come last
        # rather than first, since they cannot claim to be the earliest.
        at = self.at if self.at is not None else (self.time or None)
        return (at is None, at or "", self.chain, self.seq or 0, self.code)

    def as_dict(self):
        return {"time": self.time, "chain": self.chain, "seq": self.seq, "reason": self.reason,
                "code": self.code, "params": dict(self.params)}


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
        return min(self.problems, key=Problem.sort_key) if self.problems else None

    def as_dict(self):
        first = self.first_problem
        return {
            "valid": self.ok, "entries": self.entries, "chains": self.chains,
            "objects": self.objects, "seals": self.seals,
            "first_invalid": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in sorted(self.problems, key=Problem.sort_key)],
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
    problems = result.problems
    seen_chains = set()
    chain, expected_seq, prev, prev_time = None, 0, GENESIS, None
    for (entry_chain, seq), entry in log.items():
        result.entries += 1
        if result.entries % RELEASE_EVERY == 0:
            release()
        if entry_chain != chain:
            _close_chain(log, result, chain, expected_seq, prev, prev_time)
            chain, expected_seq, prev, prev_time = entry_chain, 0, GENESIS, None
            seen_chains.add(chain)
        expected_seq += 1
        time = entry.get("time", "")
        if seq != expected_seq or entry.get("seq") != seq:
            # The missing entry was written after its predecessor: order it by
            # that neighbour's time (by the next one's when it was the first).
            problems.append(Problem(time, chain, seq, "entry_missing", {"expected": expected_seq},
                                    at=prev_time if prev_time is not None else time))
            expected_seq = seq
        if entry.get("chain") != chain:
            problems.append(Problem(time, chain, seq, "entry_moved",
                                    {"stored_chain": entry.get("chain")}))
        if entry.get("prev") != prev:
            problems.append(Problem(time, chain, seq, "link_broken"))
        if entry_hash(entry) != entry.get("hash"):
            problems.append(Problem(time, chain, seq, "entry_altered"))
        prev, prev_time = entry.get("hash"), time
    _close_chain(log, result, chain, expected_seq, prev, prev_time)
    for missing in set(log.heads.keys()) - seen_chains:
        problems.append(Problem("", missing, None, "chain_deleted"))
    result.chains = len(log.heads)

    for path, obj in content_objects:
        result.objects += 1
        if result.objects % RELEASE_EVERY == 0:
            release()
        chain = log.chain_of(path)  # a renamed object's chain keeps its first path
        seq_hash = log.heads.get(chain)
        if seq_hash is None:
            problems.append(Problem("", path, None, "object_unaudited"))
            continue
        last = log.get(chain, seq_hash[0])
        if last is not None and last.get("state_digest") != state_digest(obj):
            problems.append(Problem(last.get("time", ""), chain, seq_hash[0], "object_changed"))
        elif last is not None and last.get("path", path) != path:
            problems.append(Problem(last.get("time", ""), chain, seq_hash[0], "object_moved",
                                    {"path": path, "recorded": last.get("path")}))
        problems.extend(_check_files(path, obj))
    problems.extend(_check_aliases(log))

    _verify_seals(log, result)
    release()
    return result


FILE_CHUNK = 1024 * 1024


def _check_aliases(log):
    """Each alias (a renamed object's path -> its chain) must be what the chain
    itself says: its last entry names that path, as the ``renamed`` entry and
    every later one do. An alias added or redirected behind the application's
    back is named; one deleted leaves the object without a chain
    (``object_unaudited``)."""
    for path, chain in (log.aliases or {}).items():
        head = log.heads.get(chain)
        last = log.get(chain, head[0]) if head is not None else None
        if last is None or last.get("path") != path:
            yield Problem(last.get("time", "") if last else "", chain, head[0] if head else None,
                          "alias_unrecorded", {"path": path})


def _check_files(path, obj):
    """Each uploaded file's bytes against the SHA-256 recorded at upload (and,
    through ``state_digest``, in the trail): a blob changed behind the
    application's back is named by its file id."""
    for file_id, attachment in sorted((getattr(obj, "files", None) or {}).items()):
        params = {"file": file_id, "filename": attachment.filename}
        digest = hashlib.sha256()
        try:
            with attachment.open() as f:
                while chunk := f.read(FILE_CHUNK):
                    digest.update(chunk)
        except (OSError, KeyError) as e:  # the blob file is gone (POSKeyError is a KeyError)
            yield Problem("", path, None, "file_missing", dict(params, error=str(e)))
            continue
        if digest.hexdigest() != attachment.sha256:
            yield Problem("", path, None, "file_changed", params)


def _verify_seals(log, result):
    """Each seal's hash, link, digest and count, and which chains changed under it.

    All seal digests come from one pass over the time index (the running hash
    is copied at each seal's time), not one pass per seal. Seals that record
    the chains' heads (``log.seal_heads``) name the chains whose entries
    changed; for older seals, the chains of the problems found before the
    seal's time are named instead.
    """
    seals = list(log.seals)
    digests, changed, altered = sealed_state(log, seals)
    prev = GENESIS
    for seal in seals:
        result.seals += 1
        time, seq = seal.get("time", ""), seal.get("seq")
        if seal.get("prev") != prev or entry_hash(seal) != seal.get("hash") or seq in altered:
            result.problems.append(Problem(time, "@seals", seq, "seal_altered"))
        elif digests.get(time) != (seal.get("digest"), seal.get("entries")):
            chains = changed.get(seq)
            if chains is None:  # a seal made before the heads were recorded
                chains = {p.chain for p in result.problems
                          if p.chain != "@seals" and (p.at or p.time) and (p.at or p.time) <= time}
            result.problems.append(Problem(time, "@seals", seq, "sealed_entries_changed",
                                           {"chains": sorted(chains)}))
        prev = seal.get("hash")


def sealed_state(log, seals):
    """``({time: (digest, count)}, {seal seq: chains whose heads differ},
    {seal seqs whose recorded heads were altered})``.

    One pass over the time index. The heads a seal recorded (the chains that
    changed since the seal before, or all chains in the first seal that
    records them) are compared with the heads the trail holds now as of the
    seal's time: a chain whose entries were altered, deleted or backdated has
    a different last (seq, hash) at that time, or none.
    """
    times = sorted({s["time"] for s in seals if "time" in s})
    digests, changed, altered = {}, {}, set()
    if not times:
        return digests, changed, altered
    by_time = {}
    for seal in seals:
        by_time.setdefault(seal.get("time"), []).append(seal)
    expected, actual, moved = {}, {}, set()

    def close(bound):
        digests[bound] = (h.copy().hexdigest(), count)
        for seal in by_time.get(bound, ()):
            try:
                heads = recorded_heads(log, seal)
            except ValueError:
                altered.add(seal.get("seq"))
                continue
            if heads is None:
                continue
            expected.update(heads)
            names = {c for c in set(heads) | moved if expected.get(c) != actual.get(c)}
            changed[seal.get("seq")] = names
        moved.clear()

    h, count, i = hashlib.sha256(), 0, 0
    for key in log.time_keys(until=times[-1]):
        while key[0] > times[i]:
            close(times[i])
            i += 1
        entry = log.get(key[1], key[2])
        entry_hash_ = entry["hash"] if entry else "missing"
        h.update(entry_hash_.encode())
        count += 1  # noqa: SIM113  (close() reads the running count between entries)
        actual[key[1]] = (key[2], entry_hash_)
        moved.add(key[1])
    for bound in times[i:]:
        close(bound)
    return digests, changed, altered


def _close_chain(log, result, chain, last_seq, last_hash, last_time):
    if chain is None:
        return
    head = log.heads.get(chain)
    if head != (last_seq, last_hash):
        result.problems.append(Problem("", chain, last_seq, "head_mismatch", at=last_time))
