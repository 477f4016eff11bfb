"""Recompute the audit trail and name every thing that does not match.

Each problem carries a ``code`` and its ``params`` (what the views and the
command line render in the reader's language) and, for compatibility, an
English ``reason`` made from them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .log import GENESIS, StoredEntry, entry_data, entry_hash, index_hash, state_digest
from .seal_heads import recorded_heads
from .signed import broken_signatures

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
    "signed_content_changed": "the signed content no longer hashes to the SHA-256 {sha256} that {signer} "
                              "signed at {signed_at} (changed outside the application)",
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
    since_seal: int | None = None  # an incremental check: the seal it started from
    since: str | None = None  # that seal's time

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
            "since_seal": self.since_seal, "since": self.since,
            "first_invalid": first.as_dict() if first else None,
            "problems": [p.as_dict() for p in sorted(self.problems, key=Problem.sort_key)],
        }


RELEASE_EVERY = 1000  # entries, index keys or objects read between two calls of ``release``


def _nothing(*_args):
    return None


def verify_log(log, content_objects=(), release=None, progress=None):
    """Check every chain, every seal, and that each object matches its last entry.

    ``content_objects`` yields ``(path, obj)`` for every stored content object.
    ``release``, if given, is called every RELEASE_EVERY entries, index keys
    and objects and at the end, to let go of what was read (see
    ``audit.verify_all``). ``progress``, if given, is called with the number
    of entries and index keys read since its last call (``verify_steps``
    estimates the total).

    Two passes, each in the order the data is stored: the entries by chain
    (hashes, links, heads) and the time index (every seal's digest, from the
    hashes the index carries). A digest over each chain's (seq, time, hash)
    computed in both ties them: when the two differ, the index no longer
    matches the entries and the seals are recomputed from the entries
    themselves (``sealed_state``, one look-up per entry: slow, but only then).
    """
    release = release or _nothing
    progress = progress or _nothing
    result = VerifyResult()
    ties = _verify_chains(log, result, release, progress)
    for missing in set(log.heads.keys()) - set(ties):
        result.problems.append(Problem("", missing, None, "chain_deleted"))
    result.chains = len(log.heads)
    _verify_content(log, result, content_objects, release)
    seals = list(log.seals)
    state, index_ties = indexed_sealed_state(log, seals, release, progress)
    if index_ties != ties:
        state = sealed_state(log, seals)
    _verify_seals(log, result, seals, state)
    release()
    return result


def verify_steps(log):
    """About how many steps ``progress`` will count: each entry twice (its chain and
    its index key), from the chains' heads (no entry read)."""
    return 2 * sum(seq for seq, _hash in log.heads.values())


def _decoded(stored):
    """``(entry dict, the hash it stores, the hash its content has)`` of what ``entries`` holds."""
    if type(stored) is StoredEntry:
        raw = stored[0]
        try:  # canonical JSON has no whitespace: the scanner alone reads it
            entry = _scan(raw.decode("utf-8"), 0)[0]
        except (ValueError, StopIteration):  # bytes changed behind the app's back: not JSON
            entry = {}
        return entry if isinstance(entry, dict) else {}, stored[1], _sha256(raw).hexdigest()
    entry = entry_data(stored)  # an older record, or one put there behind the app's back
    return entry, entry.get("hash"), entry_hash(entry)


# The decoder's C scanner (set in its __init__, unknown to the type stubs).
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_sha256 = hashlib.sha256


def _tie(tie, seq, time, hash_):
    """Add one entry's (seq, time, hash) to its chain's tie digest (a hashlib object), in time order."""
    tie.update(f"{seq}\x00{time}\x00{hash_}".encode())


class _ChainCheck:
    """The per-entry checks of one pass over consecutive entries of chains."""

    def __init__(self, log, result):
        self.log, self.result = log, result
        self.ties = {}
        self.chain = None

    def start(self, chain, expected_seq=0, prev=GENESIS, prev_time=None):
        self.chain, self.expected_seq, self.prev, self.prev_time = chain, expected_seq, prev, prev_time
        self.tie, self.last_time, self.ordered = _sha256(), "", True

    def check(self, chain, seq, stored):
        problems = self.result.problems
        entry, stored_hash, actual_hash = _decoded(stored)
        self.expected_seq += 1
        time = entry.get("time", "")
        if seq != self.expected_seq or entry.get("seq") != seq:
            # The missing entry was written after its predecessor: order it by
            # that neighbour's time (by the next one's when it was the first).
            problems.append(Problem(time, chain, seq, "entry_missing", {"expected": self.expected_seq},
                                    at=self.prev_time if self.prev_time is not None else time))
            self.expected_seq = seq
        if entry.get("chain") != chain:
            problems.append(Problem(time, chain, seq, "entry_moved",
                                    {"stored_chain": entry.get("chain")}))
        if entry.get("prev") != self.prev:
            problems.append(Problem(time, chain, seq, "link_broken"))
        if actual_hash != stored_hash:
            problems.append(Problem(time, chain, seq, "entry_altered"))
        if str(time) < self.last_time:
            self.ordered = False  # a clock set back: the index holds this chain in another order
        self.last_time = str(time)
        _tie(self.tie, seq, time, stored_hash)
        self.prev, self.prev_time = stored_hash, time

    def close(self):
        if self.chain is None:
            return
        head = self.log.heads.get(self.chain)
        if head != (self.expected_seq, self.prev):
            self.result.problems.append(Problem("", self.chain, self.expected_seq, "head_mismatch",
                                                at=self.prev_time))
        if not self.ordered:
            self.tie = _sha256()
            for time, seq, hash_ in sorted(_tie_items(self.log, self.chain)):
                _tie(self.tie, seq, time, hash_)
        self.ties[self.chain] = self.tie.digest()
        self.chain = None


def _tie_items(log, chain):
    """(time, seq, hash) of a chain's entries, for a chain whose times go back somewhere."""
    for (_chain, seq), stored in log.entries.items((chain, 0), (chain, float("inf"))):
        entry, stored_hash, _actual = _decoded(stored)
        yield str(entry.get("time", "")), seq, stored_hash


def _verify_chains(log, result, release, progress):
    """Every entry in chain order; returns each chain's tie digest."""
    checker = _ChainCheck(log, result)
    for (chain, seq), stored in log.entries.items():
        result.entries += 1
        if result.entries % RELEASE_EVERY == 0:
            release()
            progress(RELEASE_EVERY)
        if chain != checker.chain:
            checker.close()
            checker.start(chain)
        checker.check(chain, seq, stored)
    checker.close()
    progress(result.entries % RELEASE_EVERY)
    return checker.ties


def _verify_content(log, result, content_objects, release):
    problems = result.problems
    for path, obj in content_objects:
        result.objects += 1
        if result.objects % RELEASE_EVERY == 0:
            release()
        problems.extend(_check_object(log, path, obj))
    problems.extend(_check_aliases(log))


def _check_object(log, path, obj):
    chain = log.chain_of(path)  # a renamed object's chain keeps its first path
    seq_hash = log.heads.get(chain)
    if seq_hash is None:
        yield Problem("", path, None, "object_unaudited")
        return
    last = log.get(chain, seq_hash[0])
    if last is not None and last.get("state_digest") != state_digest(obj):
        yield Problem(last.get("time", ""), chain, seq_hash[0], "object_changed")
    elif last is not None and last.get("path", path) != path:
        yield Problem(last.get("time", ""), chain, seq_hash[0], "object_moved",
                      {"path": path, "recorded": last.get("path")})
    yield from _check_files(path, obj)
    yield from _check_signatures(path, obj)


def verify_since_last_seal(log, find_object=None):
    """Check what was written after the last seal: cost in proportion to that.

    Every chain with an index key (time or actor) after the last seal is
    checked from its last entry before the seal to its head (hashes, links,
    gaps, head), and each of these chains that is a stored content object
    against its last entry (``find_object(path)``: the object or None). The
    chain of seals (hashes and links, not their digests) is checked too.
    What this leaves to the full verification: the seals' digests, so any
    change to what was sealed. Without a seal it is the full verification.
    """
    seals = list(log.seals)
    if not seals:
        return None
    last = seals[-1]
    since = last["time"]
    result = VerifyResult(since_seal=last.get("seq"), since=since)
    chains = {}
    trees = (*log.time_shards, *log.actors.values())
    for tree in trees:
        for time, chain, seq in tree.keys((since,)):
            if time > since:
                chains[chain] = min(seq, chains.get(chain, seq))
    checker = _ChainCheck(log, result)
    for chain, first_new in sorted(chains.items()):
        before = first_new - 1
        previous = log.entries.get((chain, before)) if before else None
        prev = _decoded(previous)[1] if previous is not None else GENESIS
        checker.start(chain, before, prev if before == 0 or previous is not None else None)
        for (_chain, seq), stored in log.entries.items((chain, first_new), (chain, float("inf"))):
            result.entries += 1
            checker.check(chain, seq, stored)
        checker.close()
        path = _current_path(log, chain)
        obj = find_object(path) if find_object is not None and path.startswith("/") else None
        if obj is not None:
            result.objects += 1
            result.problems.extend(_check_object(log, path, obj))
    result.chains = len(chains)
    prev = GENESIS
    for seal in seals:
        result.seals += 1
        if seal.get("prev") != prev or entry_hash(seal) != seal.get("hash"):
            result.problems.append(Problem(seal.get("time", ""), "@seals", seal.get("seq"),
                                           "seal_altered"))
        prev = seal.get("hash")
    return result


FILE_CHUNK = 1024 * 1024


def _current_path(log, chain):
    """Where the object of ``chain`` is now: the path its last entry names (a
    renamed object's chain keeps its first path), else the chain's name."""
    head = log.heads.get(chain)
    last = log.get(chain, head[0]) if head is not None else None
    return (last or {}).get("path") or chain


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


def _check_signatures(path, obj):
    """Each valid signature of a signed document (a protocol) against its stored
    content (``signed.broken_signatures``): a text changed behind the application's
    back is named by the document's path and the signature it broke."""
    for signature in broken_signatures(obj):
        params = {"signer": signature.get("signer", ""), "signed_at": signature.get("time", ""),
                  "sha256": signature.get("sha256", "")}
        if signature.get("paragraph") is not None:
            params["paragraph"] = signature["paragraph"]
        yield Problem(signature.get("time", ""), path, None, "signed_content_changed", params)


def _verify_seals(log, result, seals, state):
    """Each seal's hash, link, digest and count, and which chains changed under it.

    ``state`` is what ``sealed_state`` returns: all seal digests come from one
    pass over the time index (the running hash is copied at each seal's
    time), not one pass per seal. Seals that record the chains' heads
    (``log.seal_heads``) name the chains whose entries changed; for older
    seals, the chains of the problems found before the seal's time are named instead.
    """
    digests, changed, altered = state
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
    {seal seqs whose recorded heads were altered})``, from the entries' own hashes.

    One pass over the time index, looking up each key's entry. The heads a
    seal recorded (the chains that changed since the seal before, or all
    chains in the first seal that records them) are compared with the heads
    the trail holds now as of the seal's time: a chain whose entries were
    altered, deleted or backdated has a different last (seq, hash) at that
    time, or none.
    """
    def entry_hash_at(key, _value):
        entry = log.get(key[1], key[2])
        return entry["hash"] if entry else "missing"

    return _seal_pass(log, seals, entry_hash_at, _nothing, _nothing)[0]


def indexed_sealed_state(log, seals, release=_nothing, progress=_nothing):
    """``(sealed_state, ties)`` from the hashes the time index carries, reading no
    entry: ``ties`` is each chain's digest of (seq, time, hash) over its index
    keys, equal to the one from the entries when the index matches them."""
    ties = {}

    def hash_at(key, value):
        hash_ = index_hash(value)
        tie = ties.get(key[1])
        if tie is None:
            tie = ties[key[1]] = _sha256()
        _tie(tie, key[2], key[0], hash_)
        return hash_ if hash_ is not None else "missing"

    state, _count = _seal_pass(log, seals, hash_at, release, progress, until=None)
    return state, {chain: tie.digest() for chain, tie in ties.items()}


def _seal_pass(log, seals, hash_at, release, progress, until=""):
    """The seals' state from one pass over the time index (to the last seal's
    time, or every key with ``until=None``); ``hash_at(key, value)`` gives each key's hash."""
    times = sorted({s["time"] for s in seals if "time" in s})
    digests, changed, altered = {}, {}, set()
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
    if until is not None:
        if not times:
            return (digests, changed, altered), 0
        until = times[-1]
    for key, value in log.time_items(until=until):
        while i < len(times) and key[0] > times[i]:
            close(times[i])
            i += 1
        hash_ = hash_at(key, value)
        count += 1
        if count % RELEASE_EVERY == 0:
            release()
            progress(RELEASE_EVERY)
        if i < len(times):
            h.update(hash_.encode())
            actual[key[1]] = (key[2], hash_)
            moved.add(key[1])
    progress(count % RELEASE_EVERY)
    for bound in times[i:]:
        close(bound)
    return (digests, changed, altered), count
