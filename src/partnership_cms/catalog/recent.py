"""Texts of new documents, kept aside until a batch of them goes into the text index at once.

Indexing one new document's text rewrites one posting bucket per distinct
word (about 50 records for a proposal, two thirds of a create's cost).
Instead a new document's words (its word ids, as the text index stores
them) go into ``catalog.recent_texts`` in the transaction of the change,
and searches read that small tree beside the index; when it holds
``RECENT_LIMIT`` documents, the transaction that adds the last one moves
them all into the text index, where documents with docids close together
(``SiteCatalog.docid_for`` makes them rise with time) share their buckets.
So every document is searchable from the transaction that made it, in
exactly one of the two places.
"""
from __future__ import annotations

from BTrees.LFBTree import LFBucket
from BTrees.LOBTree import LOBTree
from hypatia.text import widcode
from persistent import Persistent

RECENT_LIMIT = 100  # documents kept aside before they move into the index in one go

# Decoded word-id sets by their encoded bytes: a search reads each recent text once per process.
_decoded: dict = {}


def _words(code):
    words = _decoded.get(code)
    if words is None:
        if len(_decoded) > 10 * RECENT_LIMIT:
            _decoded.clear()
        words = _decoded[code] = frozenset(widcode.decode(code))
    return words


class RecentText(Persistent):
    """One document's encoded word ids: a record of its own, so that adding
    one rewrites a bucket of small references, not one of a hundred texts."""

    def __init__(self, code):
        self.code = code


def recent_texts(catalog, create=False):
    """The catalog's tree docid -> RecentText, or None where none was made yet."""
    tree = getattr(catalog, "recent_texts", None)  # absent in a catalog made before it
    if tree is None and create:
        tree = catalog.recent_texts = LOBTree()
    return tree


def index_text(catalog, docid, text):
    """Index ``text`` as the text of ``docid`` (new or changed) in the current transaction."""
    okapi = catalog.indexes["text"].index
    recent = recent_texts(catalog, create=True)
    if docid in okapi._docwords:
        okapi.reindex_doc(docid, text)  # a document already in the index stays there
        return
    recent[docid] = RecentText(widcode.encode(okapi._lexicon.sourceToWordIds(text)))
    if len(recent) >= RECENT_LIMIT:
        move_into_index(catalog)


def move_into_index(catalog):
    """Move every recent text into the text index (what hypatia's ``index_doc`` does, from word ids)."""
    okapi = catalog.indexes["text"].index
    recent = recent_texts(catalog)
    if not recent:
        return
    for docid, held in recent.items():
        if docid in okapi._docwords:
            continue  # indexed meanwhile by a rebuild of the whole index (evolve)
        code = held.code
        wids = widcode.decode(code)
        wid2weight, docweight = okapi._get_frequencies(wids)
        okapi._mass_add_wordinfo(wid2weight, docid)
        okapi._docweight[docid] = docweight
        okapi._docwords[docid] = code
        okapi.indexed_count.change(1)
        okapi._change_doc_len(len(wids))
    recent.clear()


class _RecentTexts:
    """What hypatia's query parse tree asks of an index (``search``,
    ``search_glob``, ``search_phrase``, ``family``), answered from the recent texts."""

    def __init__(self, catalog, recent):
        self.family = catalog.indexes["text"].family
        self.lexicon = catalog.indexes["text"].index._lexicon
        self.recent = recent

    def _having_any(self, wids):
        wanted = set(wids) - {0}
        hits = self.family.IF.Bucket()
        for docid, held in self.recent.items():
            if wanted & _words(held.code):
                hits[docid] = 1.0
        return hits

    def search(self, term):
        wids = self.lexicon.termToWordIds(term)
        if not wids:
            return None  # as hypatia: a term of no words matches everything
        return self._having_any(wids)

    def search_glob(self, pattern):
        return self._having_any(self.lexicon.globToWordIds(pattern))

    def search_phrase(self, phrase):
        wids = self.lexicon.termToWordIds(phrase)
        hits = self.family.IF.Bucket()
        if 0 in wids:
            return hits
        code = widcode.encode(wids)
        for docid, held in self.recent.items():
            if held.code.find(code) >= 0:
                hits[docid] = 1.0
        return hits


def recent_matches(catalog, text):
    """The docids among the recent texts that match the full-text query ``text``."""
    recent = recent_texts(catalog)
    if not recent:
        return LFBucket()
    result = catalog.indexes["text"].parse_query(text).executeQuery(_RecentTexts(catalog, recent))
    return result if result is not None else LFBucket()
