"""Does the catalog agree with the objects? (``partnership-cms check-catalog``)

The indexes are kept current in the transaction of every change, so they
should always agree; this check is how to know after a crash, a restore, a
bug, or several processes writing at once. It computes what each index should
hold for every content object (``indexable``, as ``reindex`` does) and
compares it with what is stored, both ways:

* per object: its path has a docid (and back), each field index's value is
  the expected one and the value's docid set holds it, each keyword index
  holds exactly the expected keywords, the text index holds exactly the
  expected words;
* the values kept per document for reindex (``indexed_values``) are the expected ones,
  and the text digest kept with them is that of the object's text (or none);
  so are those of the documents not yet in the value indexes (``pending.py``),
  which are then in no value index;
* per index entry: every docid found under a value (a field's value, a
  keyword, a word) belongs to an object that should be found there, so a
  stale entry that a search would still return is reported too.

It reads every object and every index entry once: minutes at 100,000 cases,
for a command beside the server, never for a web request. It changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypatia.text import widcode
from hypatia.text.lexicon import _text2list

from . import FIELD_INDEXES, KEYWORD_INDEXES, indexable, pack_values, text_digest, unpack_values, values_of
from .pending import pending_values
from .recent import recent_texts


@dataclass(frozen=True)
class Difference:
    index: str  # an index's name, or "paths" for the docid <-> path maps
    path: str
    problem: str

    def as_dict(self):
        return {"index": self.index, "path": self.path, "problem": self.problem}


def content_objects(root):
    """``{path: object}`` of every content object under the root's folders
    (an object with ``data`` and ``state``; folders are walked, not indexed)."""
    found = {}
    stack = [("", folder) for folder in root.values()]
    while stack:
        prefix, obj = stack.pop()
        path = f"{prefix}/{obj.__name__}"
        if hasattr(obj, "data") and hasattr(obj, "state"):
            found[path] = obj
        elif hasattr(obj, "values"):
            stack.extend((path, child) for child in obj.values())
    return found


def words_of(lexicon, text):
    """The words the text index's lexicon makes of ``text`` (adding none to it)."""
    words = _text2list(text)
    for element in lexicon._pipeline:
        words = element.process(words)
    return list(words)


def check_catalog(request, progress=None):
    """The differences between the catalog of ``request.root`` and its objects
    (an empty list when they agree). ``progress(n)`` is called per object."""
    root = request.root
    catalog = root.catalog
    differences = []
    objects = content_objects(root)
    expected = _check_paths(request, catalog, objects, differences, progress)

    def path_of(docid):
        return catalog.path_by_docid.get(docid, f"(docid {docid})")

    def differ(index, docid, problem):
        differences.append(Difference(index, path_of(docid), problem))

    waiting = pending_values(catalog) or {}
    indexed = {docid: record for docid, record in expected.items() if docid not in waiting}
    for name in FIELD_INDEXES:
        _check_field(name, catalog.indexes[name], indexed, waiting, differ)
    for name in KEYWORD_INDEXES:
        _check_keywords(name, catalog.indexes[name], indexed, waiting, differ)
    _check_text(catalog, expected, differ)
    _check_kept_values("indexed_values", catalog.indexed_values, expected, differ)
    _check_kept_values("pending_values", waiting, expected, differ)
    return differences


def _check_kept_values(name, kept, expected, differ):
    """``indexed_values`` (what reindex compares with to skip unchanged indexes and
    text) holds each document's values as the objects have them, and the digest of
    its text, or nothing; ``pending_values`` holds them for documents of objects only."""
    for docid, packed in kept.items():
        record = expected.get(docid)
        if record is None:
            if name == "pending_values":
                differ(name, docid, "waits to be indexed, but no object has that docid")
            continue
        values, digest = unpack_values(packed)
        if values != values_of(record):
            differ(name, docid, f"keeps {pack_values(values)}, the object has {pack_values(values_of(record))}")
        if digest not in (None, text_digest(record.text)):
            differ("text", docid, "the remembered digest is not that of the object's text")


def _check_paths(request, catalog, objects, differences, progress):
    """The docid <-> path maps against the objects; returns ``{docid: expected record}``."""
    expected = {}
    for path, obj in sorted(objects.items()):
        docid = catalog.docid_by_path.get(path)
        if docid is None:
            differences.append(Difference("paths", path, "the object is not in the catalog"))
        elif catalog.path_by_docid.get(docid) != path:
            differences.append(Difference("paths", path, f"docid {docid} leads to "
                                                          f"{catalog.path_by_docid.get(docid)!r}"))
        else:
            expected[docid] = indexable(request, obj)
        if progress:
            progress(1)
    for docid, path in catalog.path_by_docid.items():
        if path not in objects:
            differences.append(Difference("paths", path, f"docid {docid} is in the catalog, "
                                                          "but no object is there"))
        elif catalog.docid_by_path.get(path) != docid:
            differences.append(Difference("paths", path, f"docid {docid} is not the path's docid "
                                                          f"{catalog.docid_by_path.get(path)}"))
    return expected


def _check_field(name, index, expected, waiting, differ):
    for docid, record in expected.items():
        want, stored = getattr(record, name), index._rev_index.get(docid)
        if stored != want:
            differ(name, docid, f"holds {stored!r}, the object has {want!r}")
        docids = index._fwd_index.get(want)
        if docids is None or docid not in docids:
            differ(name, docid, f"is not found under {want!r}")
    for value, docids in index._fwd_index.items():
        for docid in docids:
            if docid in waiting:
                differ(name, docid, f"waits to be indexed, but is already found under {value!r}")
            elif docid not in expected:
                differ(name, docid, f"a docid of no object is found under {value!r}")
            elif getattr(expected[docid], name) != value:
                differ(name, docid, f"is also found under {value!r}")


def _check_keywords(name, index, expected, waiting, differ):
    for docid, record in expected.items():
        want, stored = set(getattr(record, name)), set(index._rev_index.get(docid, ()))
        if stored != want:
            differ(name, docid, f"holds {sorted(stored)}, the object has {sorted(want)}")
        missing = sorted(k for k in want if docid not in index._fwd_index.get(k, ()))
        if missing:
            differ(name, docid, f"is not found under {missing}")
    for keyword, docids in index._fwd_index.items():
        for docid in docids:
            if docid in waiting:
                differ(name, docid, f"waits to be indexed, but is already found under {keyword!r}")
            elif docid not in expected or keyword not in getattr(expected[docid], name):
                differ(name, docid, f"is found under {keyword!r}, which it does not have")


def _check_text(catalog, expected, differ):
    text = catalog.indexes["text"]
    okapi, lexicon = text.index, text.lexicon
    recent = recent_texts(catalog) or {}  # new documents' words, not yet in the index (recent.py)
    expected_words = {docid: words_of(lexicon, record.text) for docid, record in expected.items()}
    for docid, words in expected_words.items():
        if docid in recent:
            if docid in okapi._docwords:
                differ("text", docid, "is both among the recent texts and in the text index")
            stored = [lexicon._words.get(wid, f"(word id {wid})") for wid in widcode.decode(recent[docid].code)]
            if stored != words:
                differ("text", docid, f"holds other words among the recent texts than the object's text "
                                      f"({len(set(words) - set(stored))} missing, "
                                      f"{len(set(stored) - set(words))} extra)")
            continue
        if docid not in okapi._docwords:
            if words:
                differ("text", docid, "the object's text is not indexed")
            continue
        stored = [lexicon._words.get(wid, f"(word id {wid})") for wid in okapi.get_words(docid)]
        if stored != words:
            differ("text", docid, f"holds other words than the object's text "
                                  f"({len(set(words) - set(stored))} missing, "
                                  f"{len(set(stored) - set(words))} extra)")
        missing = sorted(w for w in set(words) if docid not in okapi._wordinfo.get(lexicon.get_wid(w), ()))
        if missing:
            differ("text", docid, f"is not found under the words {missing[:10]}")
    for docid in recent:
        if docid not in expected_words:
            differ("text", docid, "is among the recent texts, but no object has that docid")
    for wid, postings in okapi._wordinfo.items():
        word = lexicon._words.get(wid)
        for docid in postings:
            if docid not in expected_words or word not in expected_words[docid]:
                differ("text", docid, f"is found under the word {word!r}, which its text lacks")
