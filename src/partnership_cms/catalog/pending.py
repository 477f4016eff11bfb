"""New documents kept out of the value indexes until a batch of them goes in at once.

Indexing one new document writes, in each of the nine value indexes, a bucket
of its docid sets, a bucket of its reverse map and a counter: 32 of a create's
57 records, a third of its time. Instead a new document's values (the string
``pack_values`` makes) go into ``catalog.pending_values`` in the transaction of
the create, and every read of a value index reads that one small record beside
it (``held``); a change of a pending document changes only its entry there.
When it holds ``PENDING_LIMIT`` documents, the transaction that adds the last
one moves them all into the indexes, where documents with docids close together
(``new_docid`` makes them rise with time) share their buckets. So every
document's values are in exactly one of the two places, from the transaction
that made it. (The text index does the same with ``recent.py``.)
"""
from __future__ import annotations

import weakref
from types import SimpleNamespace

from BTrees.LFBTree import LFSet
from BTrees.LOBTree import LOBucket

from .values import KEYWORD_INDEXES, VALUE_INDEXES, named_values

PENDING_LIMIT = 100  # documents kept aside before they move into the value indexes in one go
_EMPTY = LFSet()


def pending_values(catalog, create=False):
    """The catalog's bucket docid -> packed values of the documents not yet in
    the value indexes, or None where none was made yet.

    One bucket, not a tree, so that it stays one record; BTrees resolve two
    transactions adding different documents to it at once.
    """
    bucket = getattr(catalog, "pending_values", None)  # absent in a catalog made before it
    if bucket is None and create:
        bucket = catalog.pending_values = LOBucket()
    return bucket


class Held:
    """What the pending documents hold, decoded once: their docids, and per
    index and value the docids found under it (as the index's own sets would)."""

    def __init__(self, bucket):
        self.values = {docid: named_values(packed) for docid, packed in bucket.items()}
        self.docids = LFSet(self.values)
        found: dict = {name: {} for name in VALUE_INDEXES}
        for docid, values in self.values.items():
            for name in VALUE_INDEXES:
                keys = values[name] if name in KEYWORD_INDEXES else (values[name],)
                for key in keys:
                    found[name].setdefault(key, []).append(docid)
        self.sets = {name: {key: LFSet(ids) for key, ids in by_key.items()}
                     for name, by_key in found.items()}

    def __len__(self):
        return len(self.values)

    def docids_for(self, name, value):
        """The pending docids the index ``name`` would hold under ``value`` (an empty set for none)."""
        return self.sets[name].get(value) or _EMPTY

    def value_of(self, name, docid):
        return self.values[docid][name]


# The decoded pending documents, per connection (each reads its own snapshot),
# valid while the bucket is the same committed state: (oid, serial, Held).
_HELD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def held(catalog):
    """The pending documents of ``catalog``, decoded (None when there are none).

    Decoded once per committed state and connection, and anew on every read
    in a transaction that changed them (a create that then searches).
    """
    bucket = pending_values(catalog)
    if not bucket:
        return None
    jar, oid = bucket._p_jar, bucket._p_oid
    if jar is None or oid is None or bucket._p_changed:
        return Held(bucket)
    cached = _HELD.get(jar)
    if cached is not None and cached[0] == oid and cached[1] == bucket._p_serial:
        return cached[2]
    decoded = Held(bucket)
    _HELD[jar] = (oid, bucket._p_serial, decoded)
    return decoded


def hold(catalog, docid, packed):
    """Keep a new or pending document's values aside; True when the bucket is
    then full and its documents should move into the indexes."""
    bucket = pending_values(catalog, create=True)
    if bucket.get(docid) != packed:
        bucket[docid] = packed
    return len(bucket) >= PENDING_LIMIT


def waiting(catalog, docid):
    """The packed values ``docid`` waits with, or None (new, or in the indexes)."""
    bucket = pending_values(catalog)
    return bucket.get(docid) if bucket is not None else None


def move_into_indexes(catalog):
    """Move every pending document into the value indexes, and its values into
    ``indexed_values`` (what reindex compares with from then on)."""
    bucket = pending_values(catalog)
    if not bucket:
        return
    kept = catalog.indexed_values
    for docid, packed in list(bucket.items()):
        record = SimpleNamespace(**named_values(packed))
        for name in VALUE_INDEXES:
            catalog.indexes[name].index_doc(docid, record)
        kept[docid] = packed
    bucket.clear()
