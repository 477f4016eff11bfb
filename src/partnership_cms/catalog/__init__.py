"""The catalog: every listing and search goes through hypatia indexes,
updated in the same transaction as the change. No request walks all objects.

Indexes: type, state (as "Type:state"), dnr, year, body, modified, title (for sorting), local
roles ("login:Role", for the worklist), text
(full text over titles and text fields, Swedish word forms meeting at their
stem and å/ä/ö matching a/a/o: ``text.py``) and allowed (the principals that may view
the object, from its workflow state, local roles and confidentiality), so a
search never returns what the caller may not see.
"""
from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import random
import re
import time
import weakref
from types import SimpleNamespace

from BTrees.LFBTree import LFSet, difference, intersection, multiunion, union
from BTrees.LOBTree import LOBTree
from BTrees.OLBTree import OLBTree
from hypatia.catalog import Catalog
from hypatia.field import FieldIndex
from hypatia.keyword import KeywordIndex
from hypatia.query import Contains
from hypatia.text import TextIndex
from hypatia.text.lexicon import Lexicon, Splitter
from persistent import Persistent
from pyramid.traversal import find_resource, resource_path

from ..events import ContentEvent, ContentRenamed, ShownContentChanged
from ..interfaces import IConfidentialEntries
from ..schema import get_schemas
from ..security.policy import view_principals
from . import pending
from .recent import index_text, recent_matches
from .text import SwedishNormalizer
from .values import FIELD_INDEXES, KEYWORD_INDEXES, VALUE_INDEXES, pack_values, unpack_values

__all__ = ["FIELD_INDEXES", "KEYWORD_INDEXES", "VALUE_INDEXES", "pack_values", "unpack_values"]
_MISSING = object()


def text_index():
    """The full-text index: Swedish stems, diacritics folded (no stop words: every word counts)."""
    return TextIndex("text", lexicon=Lexicon(Splitter(), SwedishNormalizer()))


class SiteCatalog(Persistent):
    """The hypatia catalog plus the map between docids and object paths."""

    def __init__(self):
        self.indexes = Catalog()
        for name in FIELD_INDEXES:
            self.indexes[name] = FieldIndex(name)
        self.indexes["allowed"] = KeywordIndex("allowed")
        self.indexes["local_roles"] = KeywordIndex("local_roles")
        self.indexes["text"] = text_index()
        self.docid_by_path = OLBTree()
        self.path_by_docid = LOBTree()
        # docid -> its values in VALUE_INDEXES and its text's digest, as last indexed (pack_values)
        self.indexed_values = LOBTree()

    def docid_for(self, path, create=False):
        docid = self.docid_by_path.get(path)
        if docid is None and create:
            docid = new_docid()
            while docid in self.path_by_docid:
                docid = new_docid()
            self.docid_by_path[path] = docid
            self.path_by_docid[docid] = path
        return docid

    def move(self, old, new):
        """The object indexed at path ``old`` is now at ``new``: same docid, so
        no index changes."""
        docid = self.docid_by_path.get(old)
        if docid is None:
            return
        del self.docid_by_path[old]
        self.docid_by_path[new] = docid
        self.path_by_docid[docid] = new


def new_docid():
    """A docid that rises with time (the milliseconds) with 20 random bits below:
    the postings of documents made close in time then share index buckets, so
    a batch of them is indexed in few records (``recent.py``), and two
    processes that make documents at once still draw different ids."""
    return (time.time_ns() // 1_000_000) << 20 | random.getrandbits(20)


def _marked_confidential(root, obj, entry):
    """An entry is confidential when it says so (without an ``IConfidentialEntries``)."""
    return bool(entry.get("confidential"))


def _text_of(root, obj, confidential):
    """The full text of ``obj``; ``confidential(root, obj, entry)`` says which list entries to leave out."""
    parts = [obj.data.get("dnr", "")]
    for value in obj.data.values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    parts.append(item)
                elif isinstance(item, dict) and not confidential(root, obj, item):
                    # A confidential entry (a meeting's secret agenda item, or one whose
                    # case is marked confidential) stays out of the text: the meeting's
                    # allowed principals are wider than its readers.
                    parts.extend(v for v in item.values() if isinstance(v, str))
    # The text of uploaded files (a PDF's), extracted once at upload (content/attachments.py).
    attachment_text = getattr(obj, "attachment_text", None)
    if attachment_text is not None:
        parts.append(attachment_text())
    return " ".join(p for p in parts if p)


def state_key(type_name, state):
    """What the state index holds: the state with its type ("Proposal:draft"),
    since several workflows name a state alike. A search by type and state
    then reads one set instead of intersecting two large ones."""
    return f"{type_name}:{state}"


def indexable(request, obj):
    """The flat record the indexes read for ``obj``."""
    data = obj.data
    # The year comes from the field the type's schema names (date_field), else the creation.
    schema = get_schemas(request.registry).get(obj.type_name)
    date_field = schema.presentation.date_field if schema is not None else None
    dated = data.get(date_field) if date_field else None
    return SimpleNamespace(
        type=obj.type_name,
        state=state_key(obj.type_name, obj.state),
        dnr=data.get("dnr") or "",
        year=(dated.year if dated else obj.created.year),
        body=data.get("body") or "",
        # To the minute: concurrent changes then share one key of the index
        # (merged by BTrees) instead of all appending new keys at its end,
        # which split buckets and made unrelated transactions conflict.
        modified=obj.modified.isoformat(timespec="minutes"),
        title_sort=(obj.title or "").lower(),
        text=_text_of(request.root, obj, request.registry.queryUtility(
            IConfidentialEntries, default=_marked_confidential)),
        allowed=sorted(view_principals(request.registry, obj)),
        local_roles=[f"{login}:{role}" for login, roles in obj.local_roles.items() for role in roles],
    )


def indexed_value(name, value):
    """What ``indexed_values`` keeps of one index's value: a keyword index's as a sorted tuple."""
    return tuple(sorted(set(value))) if name in KEYWORD_INDEXES else value


def values_of(record):
    """A document's values in VALUE_INDEXES, from the flat record ``indexable`` made."""
    return tuple(indexed_value(name, getattr(record, name)) for name in VALUE_INDEXES)


def kept_values(catalog, docid):
    """The values ``indexed_values`` keeps for ``docid``, as ``values_of`` makes them, or None."""
    packed = catalog.indexed_values.get(docid)
    return unpack_values(packed)[0] if packed is not None else None


def text_digest(text):
    """What ``indexed_values`` remembers of an indexed text (unchanged text is not reindexed)."""
    return hashlib.sha256(text.encode()).digest()


def reindex(request, obj):
    """(Re)index one object in the current transaction.

    What was last indexed of the document is one string (``indexed_values``):
    when it equals the new one nothing is done; otherwise only the indexes
    whose value changed are written, and the text index only when the text
    really changed (a workflow transition usually changes none of it), since it
    would rewrite the document's word list every time. A new document's string
    waits beside the value indexes instead (``pending.py``), and so does a
    change of one still waiting.
    """
    catalog = request.root.catalog
    docid = catalog.docid_for(resource_path(obj), create=True)
    record = indexable(request, obj)
    new_values, digest = values_of(record), text_digest(record.text)
    packed = pack_values(new_values, digest)
    # Before evolve step 12 the catalog kept no values, and before step 16 the digests
    # apart: step 10 renames decisions, through this reindex, in such a catalog.
    kept = getattr(catalog, "indexed_values", None)
    digests = getattr(catalog, "text_digests", None)
    if kept is not None and digests is None and docid not in kept:
        _reindex_waiting(catalog, docid, record, packed, digest)
        return
    held = kept.get(docid) if kept is not None else None
    if held == packed:
        return  # neither a value nor the text changed
    old_values, old_digest = unpack_values(held) if held is not None else (None, None)
    if digests is not None:
        old_digest = digests.get(docid)
    if old_digest != digest:
        index_text(catalog, docid, record.text)
        if digests is not None:
            digests[docid] = digest
    _reindex_values(catalog, docid, record, old_values, new_values)
    if kept is not None:
        kept[docid] = packed


def _reindex_waiting(catalog, docid, record, packed, digest):
    """(Re)index a document not in the value indexes (new, or waiting): its string
    waits in ``pending_values``, until the bucket is full and all move in at once."""
    waiting = pending.waiting(catalog, docid)
    if waiting == packed:
        return
    if waiting is None or unpack_values(waiting)[1] != digest:
        index_text(catalog, docid, record.text)
    if pending.hold(catalog, docid, packed):
        pending.move_into_indexes(catalog)


def _reindex_values(catalog, docid, record, old_values, new_values):
    """Write the field and keyword indexes whose value changed from ``old_values``
    (None: not known, so each index's own reverse map tells)."""
    for position, name in enumerate(VALUE_INDEXES):
        if old_values is not None and old_values[position] == new_values[position]:
            continue  # unchanged, known without reading the index's reverse map (a record per index)
        index = catalog.indexes[name]
        if name in FIELD_INDEXES:
            old, new = index._rev_index.get(docid, _MISSING), getattr(record, name)
            if old == new:
                # Unchanged. (hypatia would find that out too, but only after loading
                # the value's own docid set, which for a case number or a title is a
                # record of its own.)
                continue
            if old is not _MISSING:
                _move(index, docid, old, new)
                continue
        index.reindex_doc(docid, record)


def _move(index, docid, old, new):
    """Move ``docid`` from ``old``'s docid set to ``new``'s in a hypatia
    FieldIndex. hypatia's own reindex unindexes and indexes again, which also
    counts the document out and back in: a change to one shared counter that
    every transition would then write (and that concurrent ones conflict on)."""
    fwd = index._fwd_index
    docids = fwd.get(old)
    if docids is not None and docid in docids:
        docids.remove(docid)
        if not docids:
            del fwd[old]
    docids = fwd.get(new)
    if docids is None:
        docids = fwd[new] = index.family.IF.TreeSet()
    docids.insert(docid)
    index._rev_index[docid] = new


# Above this many matches, pages in modified order come from walking the
# modified index from its end, which stops after one page, instead of sorting
# every match (whose cost grows with the size of the register).
SCAN_THRESHOLD = 200


def _walk(catalog, visible, stop, reverse, budget):
    """The first ``stop`` docids for which ``visible`` is true, in the order of the
    modified index (newest first when ``reverse``), as ``[(minute key, docid)]``; the
    minute at the end is given whole (up to TIE_LIMIT more), so its ties can be ordered.
    The pending documents' minutes are walked with the index's own. None when
    ``budget`` docids were tested before ``stop`` were found: the matches are
    sparse at this end (the oldest drafts were submitted long ago), and sorting
    them costs less than walking on."""
    found = []
    tested = 0
    fwd = catalog.indexes["modified"]._fwd_index  # hypatia's value -> docids; no public API walks it backwards
    keys = reversed(fwd.keys()) if reverse else iter(fwd.keys())
    held = pending.held(catalog)
    if held is not None:
        keys = _distinct(heapq.merge(keys, sorted(held.sets["modified"], reverse=reverse), reverse=reverse))
    for key in keys:
        if len(found) >= stop:
            return found
        own, extra = _own_and_waiting(catalog, "modified", key, held)
        # In docid order, without joining the two sets (a bulk load's minute holds thousands).
        for docid in (heapq.merge(own, extra) if extra else own):
            if visible(docid):
                found.append((key, docid))
                if len(found) >= stop + TIE_LIMIT:
                    return found
            tested += 1
            if tested > budget and len(found) < stop:
                return None
    return found


# The modified index holds minutes; changes within one minute are ordered by
# their exact time, read from the objects of that minute when the minute has
# at most this many (a page's own objects are read for the page anyway). A
# bulk load of hundreds in one minute keeps docid order: reading them all
# for every page cost a register at 1,000 cases two thirds of its speed.
TIE_LIMIT = 50


def _exact_order(catalog, root, keyed, start, size):
    """The page ``[start:start + size]`` of ``keyed`` (``[(minute, docid)]``, newest
    minute first), with the changes of each minute on the page newest first."""
    page_minutes = {key for key, _docid in keyed[start:start + size]}
    ordered = []
    for key, pairs in itertools.groupby(keyed, key=lambda pair: pair[0]):
        group = [docid for _key, docid in pairs]
        if key in page_minutes and 1 < len(group) <= TIE_LIMIT:
            group.sort(key=lambda d: find_resource(root, catalog.path_by_docid[d]).modified, reverse=True)
        ordered.extend(group)
    return ordered[start:start + size]


def _distinct(keys):
    """``keys`` (in order) without the repeats that merging two orders makes."""
    last = _MISSING
    for key in keys:
        if key != last:
            yield key
            last = key


def _own(catalog, name, value):
    """The docids the field or keyword index ``name`` holds for ``value``: its own
    set, not a copy (hypatia's query objects copy every set they read, which costs
    as much as the set is large). Never change what this returns."""
    return catalog.indexes[name]._fwd_index.get(value) or _EMPTY


def _own_and_waiting(catalog, name, value, held):
    """The index's own docids for ``value`` and those of the pending documents it
    will hold (``held``: ``pending.held``), apart: joining them would copy the own set."""
    return _own(catalog, name, value), held.docids_for(name, value) if held is not None else _EMPTY


def _docids(catalog, name, value):
    """Every docid the index ``name`` holds or will hold for ``value`` (a copy when some wait)."""
    own, extra = _own_and_waiting(catalog, name, value, pending.held(catalog))
    return union(own, extra) if extra else own


def _value_of(catalog, name, docid, held):
    """The value the field index ``name`` holds (or will hold) for ``docid``."""
    if held is not None and docid in held.values:
        return held.value_of(name, docid)
    return catalog.indexes[name]._rev_index.get(docid)


def _sort(catalog, name, docids, reverse, limit=None):
    """``docids`` in the order of the field index ``name`` (hypatia's sort), the
    pending documents merged in by their values."""
    index = catalog.indexes[name]
    held = pending.held(catalog)
    waiting = intersection(docids, held.docids) if held is not None else None
    if not waiting:
        return list(index.sort(docids, reverse=reverse, limit=limit)) if docids else []
    rest = difference(docids, waiting)
    indexed = index.sort(rest, reverse=reverse, limit=limit) if rest else []
    new = sorted(waiting, key=lambda docid: held.value_of(name, docid), reverse=reverse)
    merged = heapq.merge(indexed, new, key=lambda docid: _value_of(catalog, name, docid, held), reverse=reverse)
    return list(itertools.islice(merged, limit))


def indexed_count(catalog, name):
    """How many documents the value index ``name`` holds or will hold."""
    held = pending.held(catalog)
    return catalog.indexes[name].indexed_count() + (len(held) if held is not None else 0)


_EMPTY = LFSet()


def paths_with_case_number(catalog, dnr):
    """Paths of every object indexed under case number ``dnr``, with no
    permission filter (the auditor's trail, who may read everything)."""
    return sorted(catalog.path_by_docid[docid] for docid in _docids(catalog, "dnr", dnr))


def paths_of_type(catalog, type_name):
    """Paths of every object indexed as ``type_name``, with no permission filter."""
    return [catalog.path_by_docid[docid] for docid in _docids(catalog, "type", type_name)]


def case_number_key(dnr):
    """Sorts case numbers with their numbers as numbers: KS-2026/2 before KS-2026/10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", dnr)]


def _by_case_number(catalog, docids, reverse):
    """``docids`` in case-number order (the index's own order is the text's)."""
    held = pending.held(catalog)
    return sorted(docids, key=lambda docid: case_number_key(_value_of(catalog, "dnr", docid, held) or ""),
                  reverse=reverse)


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _one_of(docids_of, name, values):
    """The docids ``docids_of(name, value)`` gives for any of ``values``."""
    if isinstance(values, (list, tuple)):
        if len(values) == 1:
            return docids_of(name, values[0])  # a union of one set would copy it
        return multiunion([docids_of(name, v) for v in values])
    return docids_of(name, values)


def text_query_ids(catalog, text):
    """The docids whose text matches the full-text query ``text`` (no permission filter):
    those of the text index and those of the recent texts not yet in it (``recent.py``)."""
    found = Contains(catalog.indexes["text"], text).execute().ids
    recent = recent_matches(catalog, text)
    return multiunion([found, recent]) if recent else found


def _filter_sets(docids_of, filters, text_ids):
    """One docid set per filter (from ``docids_of(name, value)``), and the text's
    matches, smallest first (an object must be in each)."""
    sets = [_one_of(docids_of, name, value) for name, value in filters]
    if text_ids is not None:
        sets.append(text_ids)
    sets.sort(key=len)
    return sets


def _allowed_sets(docids_of, principals):
    """The non-empty docid sets of the principals in the allowed index (an object must be in one)."""
    sets = (docids_of("allowed", p) for p in dict.fromkeys(principals))
    return [s for s in sets if s]


def _indexed_matches(docids_of, principals, filters, text_ids):
    """The docids that pass every filter and that one of ``principals`` may view,
    from the sets ``docids_of`` gives (possibly one of them: never change what this returns).

    Intersections cost the sizes of both sides, so the filters are met
    smallest first, and the allowed-principal sets, which are the largest
    (a director may view everything), are met last, each by the small
    candidate set.
    """
    allowed = _allowed_sets(docids_of, principals)
    sets = _filter_sets(docids_of, filters, text_ids)
    if not allowed:
        return _EMPTY
    if not sets:
        return allowed[0] if len(allowed) == 1 else multiunion(allowed)
    candidates = sets[0]
    for other in sets[1:]:
        if not candidates:
            return _EMPTY
        candidates = intersection(candidates, other)
    parts = [part for part in (intersection(candidates, a) for a in allowed) if part]
    return parts[0] if len(parts) == 1 else multiunion(parts)


def _waiting_matches(held, principals, filters, text_ids):
    """The pending documents (``pending.held``) that ``_indexed_matches`` would find
    were they indexed: a small set, met with the text's matches by membership
    (an intersection would cost as much as the text's matches are many)."""
    found = _indexed_matches(held.docids_for, principals, filters, None)
    if text_ids is None or not found:
        return found
    return LFSet([docid for docid in found if docid in text_ids])


def _text_ids(catalog, text):
    return text_query_ids(catalog, text) if text else None


def _matches(catalog, principals, filters, text):
    """The docids of the objects that pass every filter and that one of ``principals``
    may view, indexed or pending (possibly an index's own set: never change what this returns).
    The index's own sets are read as they are; the pending documents are met
    apart, and joined to the result (a copy) only when some of them match."""
    text_ids = _text_ids(catalog, text)
    found = _indexed_matches(functools.partial(_own, catalog), principals, filters, text_ids)
    held = pending.held(catalog)
    waiting = _waiting_matches(held, principals, filters, text_ids) if held is not None else None
    return union(found, waiting) if waiting else found


def _visible(catalog, principals, filters, text):
    """A test of one docid that answers as membership in ``_matches`` would,
    without computing the whole set: for walking a sort index page by page."""
    text_ids = _text_ids(catalog, text)
    sets = _filter_sets(functools.partial(_own, catalog), filters, text_ids)
    allowed = _allowed_sets(functools.partial(_own, catalog), principals)
    held = pending.held(catalog)
    waiting = _waiting_matches(held, principals, filters, text_ids) if held is not None else _EMPTY

    def visible(docid):
        if held is not None and docid in held.values:
            return docid in waiting
        return all(docid in s for s in sets) and any(docid in a for a in allowed)

    return visible


def _filters(request, *, type=None, state=None, year=None, body=None, local_role=None):
    """The ``(index name, value)`` pairs of a query (see ``matching``)."""
    if state not in (None, ""):
        # The state keys name their type, which then needs no filter of its own.
        types = _as_list(type) if type not in (None, "") else sorted(get_schemas(request.registry))
        state = [state_key(t, s) for t in types for s in _as_list(state)]
        type = None
    return [(name, value) for name, value in
            (("type", type), ("state", state), ("year", year), ("body", body), ("local_roles", local_role))
            if value not in (None, "")]


def matching(request, principals, *, text=None, **filters):
    """The docids of the objects the principals may view that match every filter
    (possibly an index's own set: never change what this returns).

    ``type``, ``state``, ``year``, ``body``: a value or a list of values.
    ``local_role`` ("login:Role") keeps only objects where that user holds that role.
    """
    return _matches(request.root.catalog, principals, _filters(request, **filters), text)


# Totals of searches, per database, for the newest committed state a request
# read: that state never changes, so its totals hold until the next commit.
_TOTALS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _snapshot(catalog):
    """(database, MVCC start tid) of the committed state this transaction reads, or
    None when the transaction changed objects itself or the storage does not name it."""
    jar = catalog._p_jar
    if jar is None or jar._registered_objects or jar._added:
        return None
    start = getattr(jar._storage, "_start", None)  # ZODB's MVCCAdapter (FileStorage, ZEO)
    return (jar.db(), start) if start else None


def _cached_total(snapshot, key):
    if snapshot is None:
        return None
    tid, totals = _TOTALS.get(snapshot[0], (None, None))
    return totals.get(key) if tid == snapshot[1] else None


def _remember_total(snapshot, key, total):
    if snapshot is None:
        return
    db, start = snapshot
    tid, totals = _TOTALS.get(db, (None, None))
    if tid != start:
        totals = {}
        _TOTALS[db] = (start, totals)
    if len(totals) < TOTALS_KEPT:
        totals[key] = total


TOTALS_KEPT = 1000  # distinct searches whose totals one committed state keeps

# Walk the modified index (test each docid) rather than compute every match when
# at least one in this many indexed objects matches: the walk then stops soon.
WALK_DENSITY = 50


def search(request, principals, *, sort="modified", reverse=True, start=0, size=25, text=None, **filters):
    """Objects the principals may view that match ``filters`` (see ``matching``);
    returns (one page of objects, total).

    The total of a large result costs as much as the result is large, so it
    is kept for the committed state it counted (``_TOTALS``), and a page
    newest or oldest first walks the modified index testing each docid,
    which stops after the page: neither then grows with the register. A walk
    that meets too few matches at its end gives up after WALK_DENSITY tests per
    row of the page, or as many tests as there are matches if more, and sorts
    the matches instead, so a long run of other documents there (the oldest
    drafts submitted long ago) costs at most what sorting them would.
    """
    catalog = request.root.catalog
    query = _filters(request, **filters)
    key = (tuple((name, tuple(_as_list(value))) for name, value in query), text, tuple(principals))
    snapshot = _snapshot(catalog)
    total = _cached_total(snapshot, key)
    docids = None
    if total is None:
        docids = _matches(catalog, principals, query, text)
        total = len(docids)
        _remember_total(snapshot, key, total)
    if sort not in FIELD_INDEXES:
        sort = "modified"
    ids = None
    if sort == "modified" and total > SCAN_THRESHOLD:
        if docids is None and total * WALK_DENSITY < indexed_count(catalog, "modified"):
            docids = _matches(catalog, principals, query, text)  # few matches: a walk would test many
        visible = docids.__contains__ if docids is not None else _visible(catalog, principals, query, text)
        # Walking on costs less than sorting every match until as many were tested.
        keyed = _walk(catalog, visible, start + size, reverse, budget=max((start + size) * WALK_DENSITY, total))
        if keyed is not None and reverse:
            ids = _exact_order(catalog, request.root, keyed, start, size)
        elif keyed is not None:
            ids = [docid for _key, docid in keyed][start:start + size]
    if ids is None:  # few matches, or too few of them at the walked end: sort them
        if docids is None:
            docids = _matches(catalog, principals, query, text)
        if sort == "modified" and reverse:
            held = pending.held(catalog)
            keyed = [(_value_of(catalog, "modified", d, held), d) for d in _sort(catalog, "modified", docids, True)]
            ids = _exact_order(catalog, request.root, keyed, start, size)
        elif sort == "dnr":
            ids = _by_case_number(catalog, docids, reverse)[start:start + size]
        else:
            ids = _sort(catalog, sort, docids, reverse, limit=start + size)[start:start + size]
    root = request.root
    objects = [find_resource(root, catalog.path_by_docid[docid]) for docid in ids]
    return objects, total


FACETS = ("type", "state", "year", "body")


def _count_in(docids, catalog, name, value, held):
    """How many of ``docids`` the index ``name`` holds (or will hold) under ``value``,
    without joining its own set and the pending documents' (a copy)."""
    own, extra = _own_and_waiting(catalog, name, value, held)
    return len(intersection(docids, own)) + (len(intersection(docids, extra)) if extra else 0)


def facets(request, docids):
    """How many of ``docids`` each value of the type, state, year and body
    indexes holds: ``{name: [(value, count)]}``, values with no match left out.
    A state is ``(type, state)``. Costs one intersection per indexed value
    (a few dozen), not one per match."""
    catalog = request.root.catalog
    held = pending.held(catalog)
    result = {}
    for name in FACETS:
        fwd = catalog.indexes[name]._fwd_index
        values = fwd.keys()
        if held is not None:
            values = _distinct(heapq.merge(values, sorted(held.sets[name])))
        counts = []
        for value in values:
            count = _count_in(docids, catalog, name, value, held) if docids else 0
            if count and value not in ("", None):
                counts.append((tuple(value.split(":", 1)) if name == "state" else value, count))
        result[name] = counts
    return result


def on_content_event(event):
    """Keep the indexes of the object an event announces current, in its transaction."""
    if isinstance(event, ContentRenamed):
        event.request.root.catalog.move(event.details["from"], event.details["to"])
    reindex(event.request, event.obj)


def on_shown_content_changed(event):
    """Reindex an object whose text or readers changed with another object (a meeting
    whose agenda's case was marked confidential), in the same transaction."""
    reindex(event.request, event.obj)


def includeme(config):
    config.add_subscriber(on_content_event, ContentEvent)
    config.add_subscriber(on_shown_content_changed, ShownContentChanged)
