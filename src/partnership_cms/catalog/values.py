"""The value indexes' names and the one string a document's values are kept in.

A separate module so that ``pending.py`` and the catalog both read them.
"""
from __future__ import annotations

import json

FIELD_INDEXES = ("type", "state", "dnr", "year", "body", "modified", "title_sort")
KEYWORD_INDEXES = ("allowed", "local_roles")
# The order of the values ``indexed_values`` keeps for each document.
VALUE_INDEXES = FIELD_INDEXES + KEYWORD_INDEXES


def pack_values(values, digest=None):
    """What ``indexed_values`` keeps of a document: one JSON string of ``values_of``'s
    tuple followed by the hex of ``digest`` (``text_digest`` of the text last indexed).

    One string per document rather than a tuple of tuples: the bucket holding
    it is rewritten by every change of a document near it, and its cost is the
    number of Python objects pickled (a tuple pickled ~17 per document). The
    digest in the same string, not in a tree of its own: a change then reads
    and writes one record of this document's, and a create adds one entry, not two.
    Without a digest (as evolve steps 12 and 13 kept the values) the text is
    indexed again at the next reindex.
    """
    items = [list(v) if isinstance(v, tuple) else v for v in values]
    if digest is not None:
        items.append(digest.hex())
    return json.dumps(items, ensure_ascii=False, separators=(",", ":"))


def unpack_values(packed):
    """``(values as values_of makes them, text digest or None)`` of a ``pack_values`` string."""
    items = json.loads(packed)
    values = tuple(tuple(v) if isinstance(v, list) else v for v in items[:len(VALUE_INDEXES)])
    digest = bytes.fromhex(items[len(VALUE_INDEXES)]) if len(items) > len(VALUE_INDEXES) else None
    return values, digest


def named_values(packed):
    """``{index name: value}`` of a ``pack_values`` string."""
    return dict(zip(VALUE_INDEXES, unpack_values(packed)[0], strict=True))
