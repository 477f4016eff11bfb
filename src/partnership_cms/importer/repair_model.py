"""The noisy-channel model behind the OCR repair: damage rates and lexicon.

A word is scored as log10(frequency) + log10(P(OCR output | word)).  The
frequencies come from the `wordfreq` Swedish list; the damage rates were
counted on the hand-corrected seed scan.  Words missing from the list are
read as compounds ("kalender" + "årsskifte").
"""

from __future__ import annotations

import bisect
import itertools
import math
import re

# P(OCR output | true letter), counted on the hand-corrected seed scan.  Every
# å/ä/ö of the seed was damaged; KEEP gives them a small chance to survive.
CONFUSIONS = {
    "ö": {"o": 0.79, "d": 0.08, "é": 0.07, "6": 0.04, "0": 0.01, "oé": 0.01,
          "éo": 0.005, "16": 0.01},
    "ä": {"é": 0.25, "d": 0.25, "i": 0.21, "a": 0.17, "id": 0.03, "&": 0.02,
          "di": 0.01, "dé": 0.01, "éd": 0.01, "éi": 0.01, "ié": 0.005,
          "da": 0.01, "e": 0.01},
    "å": {"a": 0.58, "é": 0.15, "d": 0.12, "4": 0.03, "i": 0.03, "ad": 0.01,
          "éd": 0.01, "éa": 0.01, "aé": 0.005, "0": 0.003},
    "i": {"1": 0.05, "i1": 0.01, "1i": 0.005},
    "l": {"1": 0.01},
}
KEEP = {"å": 0.05, "ä": 0.05, "ö": 0.05}
# Dictionary words are indexed by a key in which å/ä/ö become a/a/o, so the
# most common damage (plain vowel) needs no search at all.
KEY_OF = str.maketrans({"å": "a", "ä": "a", "ö": "o"})

# log10 frequency given to a token that is neither in the list nor a
# compound: a little below the rarest listed words.  A token with a letter the
# scanner invents ("é" inside a word, a digit, "&") is much less likely to be
# written that way on purpose.
UNKNOWN_SCORE = -13.0
UNKNOWN_MARKED_SCORE = -16.0
MARKS = re.compile(r"[é&\d]")
# A compound is scored as the product of its parts' frequencies, each capped
# at PART_CAP (log10), times COMPOUND_BONUS per joint.  The cap stops common
# short words from making junk compounds ("ska|liga" for "skäliga") and makes
# "for" and "för" equal as parts of a name ("Forshage"); the bonus says that
# Swedish builds compounds freely ("nyckel|frågor").
PART_CAP = -4.5
COMPOUND_BONUS = 2.0
PART_FLOOR = -7.5     # rarer listed words are mostly typos: no parts
DOUBLE_ACCENT = re.compile("[åäö]{2}")
MIN_FIRST_PART = 3    # shortest compound part: "mål|strukturen", "avtals|tid"
MIN_PART = 4          # shortest part that may be repaired: no "ska|låg"
MAX_PARTS = 3
MAX_CHANGES = 3       # at most this many damaged letters per word
MAX_PART_CHANGES = 1  # ... and per compound part (keeps the split search fast)
MAX_READINGS = 300    # bound on the search per word
MAX_CACHE = 200_000   # remembered readings before the cache starts afresh


def _log(probability: float) -> float:
    return math.log10(probability)


LOG_CONFUSIONS = {true: {seg: _log(p) for seg, p in table.items()}
                  for true, table in CONFUSIONS.items()}
LOG_KEEP = {letter: _log(p) for letter, p in KEEP.items()}
# OCR segment -> the key letters it may stand for.
REVERSE: dict[str, set[str]] = {}
for _true, _table in CONFUSIONS.items():
    for _seg in _table:
        REVERSE.setdefault(_seg, set()).add(_true.translate(KEY_OF))


def channel_score(segments: tuple[str, ...], word: str) -> float | None:
    """log10 P(OCR segments | word), or None if the word cannot produce them."""
    total = 0.0
    for seg, true in zip(segments, word, strict=True):
        if seg == true:
            total += LOG_KEEP.get(true, 0.0)
        else:
            cost = LOG_CONFUSIONS.get(true, {}).get(seg)
            if cost is None:
                return None
            total += cost
    return total


class Lexicon:
    """Swedish word frequencies with a lookup by damage-insensitive key."""

    def __init__(self, frequencies: dict[str, float]):
        self.score: dict[str, float] = {}
        self.by_key: dict[str, list[str]] = {}
        for word, freq in frequencies.items():
            # "bläää", "äär": spellings that no repair should produce
            if freq > 0 and word.isalpha() and not DOUBLE_ACCENT.search(word):
                self.score[word] = math.log10(freq)
                self.by_key.setdefault(word.translate(KEY_OF), []).append(word)
        # Sorted keys: a reading is abandoned as soon as no key starts with it.
        self.keys = sorted(self.by_key)
        self._words_cache: dict[tuple[str, int], list[tuple[str, float]]] = {}
        self._part_cache: dict[tuple, tuple[str, float, float] | None] = {}

    def _is_prefix(self, prefix: str) -> bool:
        index = bisect.bisect_left(self.keys, prefix)
        return index < len(self.keys) and self.keys[index].startswith(prefix)

    def readings(self, observed: str, max_changes: int) -> list[tuple[str, tuple[str, ...]]]:
        """Ways to read an OCR word as (dictionary key, OCR segment per letter).

        At most `max_changes` segments are read as something else than they
        show; only readings that may lead to a listed word are followed.
        """
        found: list[tuple[str, tuple[str, ...]]] = []

        def walk(pos: int, key: str, segs: tuple[str, ...], changes: int) -> None:
            if len(found) >= MAX_READINGS:
                return
            if pos == len(observed):
                found.append((key, segs))
                return
            char = observed[pos]
            options = [(char, char.translate(KEY_OF), 0)]
            if changes < max_changes:
                for seg in (char, observed[pos:pos + 2]) if pos + 1 < len(observed) else (char,):
                    options += [(seg, key_char, 1) for key_char in REVERSE.get(seg, ())
                                if not (seg == char and key_char == char)]
            for seg, key_char, cost in options:
                if self._is_prefix(key + key_char):
                    walk(pos + len(seg), key + key_char, segs + (seg,), changes + cost)

        walk(0, "", (), 0)
        return found

    def clear_cache(self) -> None:
        """Forget the readings computed so far (for fair speed figures)."""
        self._words_cache.clear()
        self._part_cache.clear()

    def words_for(self, observed: str, max_changes: int = MAX_CHANGES) -> list[tuple[str, float]]:
        """Dictionary words that could have become `observed`, best first."""
        cached = self._words_cache.get((observed, max_changes))
        if cached is not None:
            return cached
        best: dict[str, float] = {}
        for key, segs in self.readings(observed, max_changes):
            for word in self.by_key.get(key, ()):
                channel = channel_score(segs, word)
                if channel is not None:
                    score = self.score[word] + channel
                    if score > best.get(word, -math.inf):
                        best[word] = score
        result = sorted(best.items(), key=lambda item: -item[1])[:8]
        if len(self._words_cache) > MAX_CACHE:  # a long-running server
            self.clear_cache()
        self._words_cache[(observed, max_changes)] = result
        return result

    def part(self, observed: str, exact: bool, final: bool) -> tuple[str, float, float] | None:
        """Best reading of a compound part as (word, log frequency, channel).

        A part may end in a linking or genitive "s" ("hållbarhets"), and a
        first part as written may have lost its final -a/-e ("behållar");
        both are free.  exact=True reads the part as written, without repairs.
        """
        cache_key = (observed, exact, final)
        if cache_key in self._part_cache:
            return self._part_cache[cache_key]
        forms = [(observed, "")]
        if observed.endswith("s"):
            forms.append((observed[:-1], "s"))
        if not final and exact:  # repairs through "-a"/"-e" invent odd words
            forms += [(observed + "e", "-"), (observed + "a", "-")]
        best = None
        for piece, change in forms:
            if exact:
                found = [(piece, self.score[piece])] if piece in self.score else []
            else:
                found = self.words_for(piece, MAX_PART_CHANGES)[:1]
            if not found or self.score[found[0][0]] < PART_FLOOR:
                continue
            word, score = found[0]
            shown = word + "s" if change == "s" else word[:-1] if change else word
            if best is None or score > best[1] + best[2]:
                best = (shown, self.score[word], score - self.score[word])
        self._part_cache[cache_key] = best
        return best

    def compound(self, observed: str, exact: bool) -> tuple[str, float] | None:
        """Best split of `observed` into 2 or 3 listed words.

        exact=True reads the parts as written, without repairs.
        """
        size = len(observed)
        best: tuple[str, float] | None = None
        for cuts in _compound_cuts(size):
            bounds = (0, *cuts, size)
            words, score = [], COMPOUND_BONUS * len(cuts)
            for start, end in itertools.pairwise(bounds):
                found = self.part(observed[start:end], exact, end == size)
                if found is None or (start and found[2] < 0 and end - start < MIN_PART):
                    break  # short changed parts make junk ("ska|låg")
                words.append(found[0])
                score += min(found[1], PART_CAP) + found[2]
            else:
                if best is None or score > best[1]:
                    best = ("".join(words), score)
        return best


def _compound_cuts(size: int) -> list[tuple[int, ...]]:
    """Cut positions for 2 and 3 parts of at least MIN_FIRST_PART letters."""
    low = MIN_FIRST_PART
    cuts: list[tuple[int, ...]] = [(i,) for i in range(low, size - low + 1)]
    if MAX_PARTS >= 3:
        cuts += [(i, j) for i in range(low, size - 2 * low + 1)
                 for j in range(i + low, size - low + 1)]
    return cuts


_LEXICON: Lexicon | None = None


def get_lexicon() -> Lexicon:
    """The Swedish lexicon, loaded once from wordfreq (about a second)."""
    global _LEXICON
    if _LEXICON is None:
        import wordfreq

        _LEXICON = Lexicon(wordfreq.get_frequency_dict("sv"))
    return _LEXICON


def candidate_scores(lexicon: Lexicon, observed: str) -> tuple[dict[str, float], set[str]]:
    """Score every reading of a lower-case token, the token itself included.

    Returns the scores and the set of readings that only exist as compounds.
    """
    scores = dict(lexicon.words_for(observed))
    if observed.endswith("s") and len(observed) > MIN_PART:
        # genitive or linking form of a listed word: "nämnds", "handläggarnas"
        for word, score in lexicon.words_for(observed[:-1])[:3]:
            if len(word) >= MIN_PART:
                scores.setdefault(word + "s", score - 1.0)
    marked = bool(MARKS.search(observed))
    if observed not in scores:
        as_written = None if marked else lexicon.compound(observed, exact=True)
        scores[observed] = as_written[1] if as_written else \
            UNKNOWN_MARKED_SCORE if marked else UNKNOWN_SCORE
    compounds: set[str] = set()
    # Compounds are only a fallback: a listed word always reads better than
    # a split, and splitting every word would invent odd compounds.
    if len(scores) == 1 and len(observed) >= MIN_FIRST_PART + MIN_PART:
        found = lexicon.compound(observed, exact=False)
        if found and found[0] != observed:
            scores[found[0]] = found[1]
            compounds.add(found[0])
    return scores, compounds
