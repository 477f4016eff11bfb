"""The audit trail: append-only, never pruned, hash-chained, in ZODB.

Design (measured in ``docs/audit.md``): one hash chain per object (and one
per login name for authentication events) instead of one global chain. Two
transactions that change different objects then touch different chain heads
and commit side by side; two that change the same object conflict anyway,
and pyramid_retry re-runs the loser. A periodic *seal* (``partnership-cms
audit-seal``) hashes every entry up to a moment into a global chain of seals,
so deleting a whole object chain is detected as well.

Entries are plain dicts (immutable once written), each stored inside the
``entries`` tree's buckets as the exact bytes its hash covers
(``StoredEntry``, evolve step 11), so verification reads about 30 entries
per object load and hashes the stored bytes; read them through
``AuditLog.get``, ``chain``, ``items`` or ``find``, which return the dicts. Each carries: seq (within
its chain), time (UTC, ISO 8601), action, actor, roles, chain, path, type,
dnr, details, state_digest (a hash of the object as the change left it),
prev (the previous entry's hash) and hash (over all the rest).
"""
from __future__ import annotations

import datetime
import hashlib
import heapq
import json
import zlib

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList

from ..events import AuditAction  # noqa: F401  (the entries' action kinds)
from ..schema.loader import to_json_value
from . import seal_heads

GENESIS = "0" * 64


def canonical(obj):
    """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def entry_hash(entry):
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def state_digest(obj):
    """A hash of everything a content object holds that the trail vouches for.

    Uploaded files count by their SHA-256 (``files``: file id -> hash). The
    key is there only when the object has files, so an object without any
    keeps the digest it had before files existed and older trails still verify.
    """
    state = {
        "type": obj.type_name,
        "state": obj.state,
        "data": to_json_value(dict(obj.data)),
        "local_roles": {k: list(v) for k, v in obj.local_roles.items()},
        "links": {k: list(v) for k, v in obj.links.items()},
    }
    files = getattr(obj, "files", None)
    if files:
        state["files"] = {file_id: f.sha256 for file_id, f in files.items()}
    return hashlib.sha256(canonical(state)).hexdigest()


class AuditEntry(Persistent):
    """One entry as its own record: the layout of evolve steps 4 to 10 (step 11
    turns them into ``StoredEntry``). Kept so that older databases load."""

    def __init__(self, data):
        self.data = data


class StoredEntry(tuple):
    """One entry as ``entries`` holds it (not persistent: pickled inside the
    tree's bucket): ``(raw, hash)``, the canonical bytes of every field but
    ``hash`` (what the hash is computed over) and the hash. A tuple, so that
    unpickling a bucket makes no Python call per entry. Never changed after writing."""

    __slots__ = ()

    @classmethod
    def of(cls, entry):
        return cls((canonical({k: v for k, v in entry.items() if k != "hash"}), entry.get("hash")))

    @property
    def raw(self):
        return self[0]

    @property
    def hash(self):
        return self[1]

    @property
    def data(self):
        entry = json.loads(self[0])
        entry["hash"] = self[1]
        return entry


def entry_data(stored):
    """The entry dict of what ``entries`` holds (a StoredEntry; an AuditEntry or a
    bare dict in a log not yet migrated by evolve steps 4 and 11, or put there
    behind the app's back)."""
    if stored is None:
        return None
    if isinstance(stored, (StoredEntry, AuditEntry)):
        return stored.data
    return stored


def index_value(action, hash):  # noqa: A002
    """What a time-index key maps to: the entry's action and hash, so that
    listings filter by action and seals hash the trail from the index alone."""
    return (action, hash)


def index_action(value):
    """The action of a time- or actor-index value (an actor tree holds the bare action)."""
    return value[0] if isinstance(value, tuple) else value


def index_hash(value):
    """The entry hash a time-index value carries (None: unknown, or a deleted entry)."""
    return value[1] if isinstance(value, tuple) else None


class SealedTimeError(ValueError):
    """An entry's time is not after the last seal's time (clocks of several servers)."""


TIME_SHARDS = 16
_KEY_MAX = ("\uffff", float("inf"))  # after every (chain, seq) of one time


def shard_of(chain):
    """The time-index tree of ``chain``: stable across processes (crc32, not hash())."""
    return zlib.crc32(chain.encode("utf-8")) % TIME_SHARDS


class AuditLog(Persistent):
    """The trail. ``entries`` maps (chain, seq) to a StoredEntry; ``heads`` maps a
    chain to its last (seq, hash); the time index is split into TIME_SHARDS
    separate OOBTrees of (time, chain, seq) (the shard from the chain), and the
    actor index into one OOBTree of (time, chain, seq) per actor. Separate trees
    keep concurrent appends from conflicting on bucket splits under a shared
    root (measured in docs/audit.md); readers merge them in time order.

    A chain is named by the object's path when it was made and keeps that
    name when the object is renamed: ``aliases`` maps a renamed object's
    current path to its chain, and the chain's ``renamed`` entries say when
    and from where to where (docs/audit.md, "Renamed objects")."""

    aliases = None  # OOBTree current path -> chain name (a log from before evolve step 10: None)

    def __init__(self):
        self.entries = OOBTree()  # (chain, seq) -> StoredEntry
        self.heads = OOBTree()  # chain -> (seq, hash)
        # TIME_SHARDS trees of (time, chain, seq) -> (action, hash), the shard from the chain
        self.time_shards = tuple(OOBTree() for _ in range(TIME_SHARDS))
        self.actors = OOBTree()  # actor -> OOBTree((time, chain, seq) -> action)
        self.seals = PersistentList()  # the global chain of seals
        self.aliases = OOBTree()

    # -- chains of renamed objects ---------------------------------------------------------
    def chain_of(self, path):
        """The chain of the object now at ``path``: its own path unless it was renamed."""
        aliases = self.aliases
        return aliases.get(path, path) if aliases is not None else path

    def trail_of(self, path):
        """All entries of the object now at ``path`` (through its renames), oldest first."""
        return self.chain(self.chain_of(path))

    def rename(self, old, new):
        """The object at ``old`` is now at ``new``: its chain follows it there.

        Nothing written before changes; the caller then appends the
        ``renamed`` entry (``audit.record``), which names ``new`` as its path.
        """
        chain = self.chain_of(old)
        if self.aliases is None:
            self.aliases = OOBTree()
        if old in self.aliases:
            del self.aliases[old]
        if new != chain:
            self.aliases[new] = chain

    # -- writing ---------------------------------------------------------------------------
    def append(self, chain, fields):
        """Append an entry to ``chain``; returns the stored entry (a dict)."""
        last_seal = self._read_seals_current()
        if last_seal is not None and fields["time"] <= last_seal["time"]:
            raise SealedTimeError(
                f"audit entry time {fields['time']} is not after the last seal "
                f"({last_seal['time']}): is this server's clock behind?")
        seq, prev = self.heads.get(chain, (0, GENESIS))
        entry = dict(fields, chain=chain, seq=seq + 1, prev=prev)
        entry["hash"] = entry_hash(entry)
        key = (entry["time"], chain, entry["seq"])
        self.entries[(chain, entry["seq"])] = StoredEntry.of(entry)
        self.heads[chain] = (entry["seq"], entry["hash"])
        # The index keys carry the entry's action, so that filtering by action
        # (and counting what matches) needs no entry record, and the time keys
        # its hash, so that a seal's digest reads the time index only.
        self.time_shards[shard_of(chain)][key] = index_value(entry["action"], entry["hash"])
        self._actor_tree(entry.get("actor") or "", create=True)[key] = entry["action"]
        return entry

    def _read_seals_current(self):
        """The last seal, and make a seal committed meanwhile conflict with this transaction.

        Without ``readCurrent`` nothing would make an append conflict with a
        concurrent seal: the seal would miss an entry older than itself that
        commits after it, and every later verification would report tampering.
        """
        seals = self.seals
        if self._p_jar is not None and seals._p_oid is not None:
            seals._p_activate()
            self._p_jar.readCurrent(seals)
        return seals[-1] if seals else None

    def _actor_tree(self, actor, create=False):
        tree = self.actors.get(actor)
        if tree is None and create:
            tree = self.actors[actor] = OOBTree()
        return tree

    # -- reading ---------------------------------------------------------------------------
    def get(self, chain, seq):
        """The entry dict ``seq`` of ``chain``, or None."""
        return entry_data(self.entries.get((chain, seq)))

    def items(self):
        """``((chain, seq), entry dict)`` for every entry, by chain and seq."""
        for key, stored in self.entries.items():
            yield key, entry_data(stored)

    def chain(self, chain):
        """All entries of one chain, oldest first."""
        return [entry_data(e) for e in self.entries.values((chain, 0), (chain, float("inf")))]

    def time_keys(self, since="", until=None):
        """``(time, chain, seq)`` of every indexed entry from ``since`` to ``until``
        (inclusive), merged over the time shards, oldest first."""
        low, high = _bounds(since, until)
        return heapq.merge(*(t.keys(low, high) for t in self.time_shards))

    def find(self, *, chains=None, actor=None, action=None, since="", until=None):
        """Entries matching every filter given, newest first (a generator).

        ``chains``: the chains to read (an object's path, ``user:<login>``);
        None reads all. ``since``/``until``: inclusive UTC times (ISO 8601).
        """
        for _time, chain, seq in self.find_keys(chains=chains, actor=actor, action=action,
                                                since=since, until=until):
            entry = self.get(chain, seq)
            if entry is not None:  # deleted behind the application's back: verification names it
                yield entry

    def find_keys(self, *, chains=None, actor=None, action=None, since="", until=None, exclude=()):
        """``(time, chain, seq)`` of the entries ``find`` yields, newest first.

        Without ``chains`` no entry record is read: actor and time come from
        the index trees and the action from their values (evolve step 8 gave
        the older keys theirs). Counting the matches of a filter therefore costs the index, not the
        trail, and ``find_page`` reads only the entries of one page.
        ``exclude``: actions to leave out (the auditor's page hides log-ins unless asked).
        """
        until = until or "\uffff"
        if chains is not None:
            # A renamed object's path names its chain through ``aliases``.
            keys = sorted(((e["time"], e["chain"], e["seq"])
                           for c in {self.chain_of(c) for c in chains} for e in self.chain(c)
                           if since <= e["time"] <= until
                           and (not action or e["action"] == action) and e["action"] not in exclude
                           and (not actor or e.get("actor") == actor)), reverse=True)
            yield from keys
            return
        if actor:
            tree = self._actor_tree(actor)
            items = _merged_items([tree] if tree is not None else [], since, until)
        else:
            items = _merged_items(self.time_shards, since, until)
        for key, value in items:
            key_action = index_action(value)
            if (not action or key_action == action) and key_action not in exclude:
                yield key

    # -- seals -----------------------------------------------------------------------------
    def seal(self, actor):
        """Seal every entry so far into the global chain of seals.

        Every bucket of the time index read is marked ``readCurrent``: an
        append that commits after this transaction began (so the digest misses
        it) makes the seal conflict and be retried. The other order, a seal
        committed before an append, is caught in ``append``.
        """
        now = utcnow_iso()
        if self.seals and now <= self.seals[-1]["time"]:
            raise SealedTimeError(f"seal time {now} is not after the last seal's")
        self._read_time_index_current()
        digest, count = self.digest_until(now)
        last = self.seals[-1] if self.seals else None
        seal = {"seq": len(self.seals) + 1, "time": now, "actor": actor, "entries": count,
                "digest": digest, "prev": last["hash"] if last else GENESIS}
        # The heads of the chains written since the last seal, so that a
        # mismatch names the chains that changed (seal_heads.py).
        seal.update(seal_heads.record(self, seal["seq"], last))
        seal["hash"] = entry_hash(seal)
        self.seals.append(seal)
        return seal

    def _read_time_index_current(self):
        jar = self._p_jar
        if jar is None:
            return
        for tree in self.time_shards:
            for ob in _tree_objects(tree):
                if ob._p_oid is not None:  # a one-bucket tree keeps its bucket inline
                    ob._p_activate()
                    jar.readCurrent(ob)

    def digest_until(self, time):
        """A hash over every entry written up to ``time`` (inclusive), in time order."""
        return self.digests_at([time])[time]

    def digests_at(self, times):
        """``{time: (digest, count)}`` for each of ``times``, in one pass over the
        time index: the running hash is copied at each time. The hashes come
        from the index values; verification checks that they are the entries'."""
        bounds = sorted(set(times))
        result = {}
        if not bounds:
            return result
        h = hashlib.sha256()
        count = 0
        i = 0
        for key, value in self.time_items(until=bounds[-1]):
            while key[0] > bounds[i]:
                result[bounds[i]] = (h.copy().hexdigest(), count)
                i += 1
            h.update((self.indexed_hash(key, value) or "missing").encode())
            count += 1
        for bound in bounds[i:]:
            result[bound] = (h.copy().hexdigest(), count)
        return result

    def time_items(self, since="", until=None):
        """``((time, chain, seq), index value)`` from ``since`` to ``until``, oldest first."""
        low, high = _bounds(since, until)
        # (key, value) pairs compare by their unique keys: no key function needed.
        return heapq.merge(*(t.items(low, high) for t in self.time_shards))

    def indexed_hash(self, key, value):
        """The hash of the entry at a time-index key: from the value, or (a value
        without one, put there behind the application's back) from the entry."""
        hash_ = index_hash(value)
        if hash_ is None:
            entry = self.get(key[1], key[2])
            hash_ = entry.get("hash") if entry is not None else None
        return hash_


def _bounds(since, until):
    """The key range of the index trees from ``since`` to ``until`` (inclusive)."""
    return (since,), (until or "\uffff",) + _KEY_MAX


def _merged_items(trees, since, until):
    """``(key, value)`` of the trees' keys from ``since`` to ``until``, newest first."""
    low, high = _bounds(since, until)
    return heapq.merge(*(reversed(t.items(low, high)) for t in trees), key=_first, reverse=True)


def _first(pair):
    return pair[0]


def _tree_objects(tree):
    """The tree and every bucket of it (leaf level, via the bucket chain)."""
    yield tree
    bucket = getattr(tree, "_firstbucket", None)
    while bucket is not None:
        yield bucket
        bucket = bucket._next


def utcnow_iso():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")
