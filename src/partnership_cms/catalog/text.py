"""Swedish full text: word forms meet at their stem, and å/ä/ö may be typed as a/a/o.

The text index's lexicon runs every word through ``SwedishNormalizer``:
lower case, the Snowball Swedish stemmer (snowballstemmer), a second pass
for the definite form of words in -a ("högskolan" -> "högskola", which the
Snowball rules leave alone), then the letters folded to plain a-z
("högskol" -> "hogskol"). Queries pass through the same pipeline, so
"Södertörn", "södertörns", "hogskolan" and "Högskola" all find "Södertörns
högskola". Pages show the real text; ``normalize`` lets them mark matches.
"""
from __future__ import annotations

import functools
import threading
import unicodedata

import snowballstemmer
from hypatia.text.interfaces import IPipelineElement
from zope.interface import implementer

_local = threading.local()


def _stemmer():
    # A Snowball stemmer keeps the word it works on in itself: one per thread.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("swedish")
    return stemmer


def fold(word):
    """``word`` without diacritics: å/ä -> a, ö -> o, é -> e."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=200_000)
def normalize(word):
    """The form a word is indexed and searched under."""
    stemmer = _stemmer()
    stem = stemmer.stemWord(word.lower())
    if stem.endswith("an") and len(stem) >= 6:  # the definite form of an -a word: skolan -> skola
        stem = stemmer.stemWord(stem[:-1])
    return fold(stem)


@implementer(IPipelineElement)
class SwedishNormalizer:
    """A hypatia lexicon pipeline element: each word to its normalized stem."""

    def process(self, words):
        return [normalize(w) for w in words]

    def processGlob(self, words):  # noqa: N802  (hypatia's name)
        # The query parser's step: it only splits the query into terms, each of
        # which then goes through ``process`` (stemming a stem again would change
        # it: "godkan" -> "godk"). A pattern (* or ?) is matched against the
        # indexed stems as it is, so only its letters are folded.
        return [fold(w.lower()) if ("*" in w or "?" in w) else w.lower() for w in words]
