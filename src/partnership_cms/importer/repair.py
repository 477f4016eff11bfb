"""Repair Swedish letters (å, ä, ö) that the scanner's OCR broke.

The scans turn "Södertörns högskola" into "Sédertdrns hogskola", "är" into
"dr" or "&r" and the preposition "i" into "1".  We treat this as a noisy
channel: for every word we generate the Swedish words that the scanner could
have turned into what we see, and score each as

    log10(word frequency) + log10(P(what we see | word))

using the `wordfreq` Swedish list for the first term and the damage rates of
the scanner for the second (see ``repair_model``).  Words missing from the list are
tried as compounds ("kalender" + "årsskifte").  Words that are Swedish either
way ("ar" = "år"/"är", "bor"/"bör") get a small, hand-written set of
grammatical context rules (see ``repair_context``).  Only word tokens are ever
touched: separators are kept byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from partnership_cms.importer import repair_context
from partnership_cms.importer.repair_model import (
    MARKS,
    Lexicon,
    candidate_scores,
    get_lexicon,
)

# Apply a change when its confidence is at least 0.5: the confidence is the
# posterior probability of the replacement among all readings of the word, so
# at 0.5 the replacement is more likely than everything else put together.
# Changes below it are still reported so that a person can accept them.
DEFAULT_MIN_CONFIDENCE = 0.5

# Keeping a capitalised word that may be a name ("Forshage") is made this much
# more likely when only a compound reading would change it.
NAME_BONUS = 3.0
MAX_TOKEN = 40        # longer tokens are left alone
WORD_RE = re.compile(r"((?:[^\W_]|&)+)")


@dataclass
class Change:
    """One proposed replacement of a word (line and column are 1-based)."""

    line: int
    column: int
    original: str
    replacement: str
    confidence: float
    reason: str
    offset: int = 0


@dataclass
class RepairResult:
    """The repaired text and every change considered, applied or not."""

    text: str
    changes: list[Change] = field(default_factory=list)

def match_case(original: str, word: str) -> str:
    """Give `word` the capitalisation of `original` ("M4l" -> "Mål")."""
    letters = [char for char in original if char.isalpha()]
    if len(letters) > 1 and all(char.isupper() for char in letters):
        return word.upper()
    if original[0].isupper():
        return word[:1].upper() + word[1:]
    return word


def _skip(token: str, caps_line: bool) -> bool:
    """Tokens we never touch: numbers, single letters and abbreviations.

    A short word in capitals ("ULF", "KS") is an abbreviation, unless the
    whole line is in capitals ("MAL OCH BUDGET").
    """
    if len(token) < 2 or len(token) > MAX_TOKEN or token.isdigit():
        return True
    if not any(char.isalpha() for char in token):
        return True
    if token[-1].isdigit() and (len(token) > 2 or token[0].isupper()):
        return True  # an identifier such as "FIL1", "G10" or "E4"; "p4" is "på"
    if any(char.isupper() for char in token[1:]) and not token.isupper():
        return True  # "rDNS", "PowerPoint": names the dictionary cannot judge
    return len(token) <= 4 and token.isalpha() and token.isupper() and not caps_line


def _caps_lines(text: str) -> list[bool]:
    """For each line: is it a heading in capitals (at least two words)?"""
    flags = []
    for line in text.split("\n"):
        words = WORD_RE.findall(line)
        letters = [char for char in line if char.isalpha()]
        flags.append(len(words) >= 2 and all(char.isupper() for char in letters))
    return flags


def _posterior(scores: dict[str, float], word: str) -> float:
    top = max(scores.values())
    total = sum(10 ** (score - top) for score in scores.values())
    return 10 ** (scores[word] - top) / total


def _tokenize(text: str) -> list[repair_context.Token]:
    """Word tokens with their offset, 1-based line and column."""
    tokens, offset, line, line_start = [], 0, 1, 0
    parts = WORD_RE.split(text)  # even indexes: separators, odd: words
    for index, part in enumerate(parts):
        if index % 2:
            tokens.append(repair_context.Token(part, offset, parts[index - 1],
                                               line=line, column=offset - line_start + 1))
        newlines = part.count("\n")
        if newlines:
            line += newlines
            line_start = offset + part.rfind("\n") + 1
        offset += len(part)
    return tokens


def propose_changes(text: str) -> list[Change]:
    """Every change the repair would consider, with its confidence."""
    lexicon = get_lexicon()
    tokens = _tokenize(text)
    caps = _caps_lines(text)
    # Pass 1: the best reading of every word on its own.
    readings_of: dict[int, tuple[dict[str, float], set[str]]] = {}
    for position, token in enumerate(tokens):
        token.best = token.text.lower()
        if not _skip(token.text, caps[token.line - 1]):
            readings_of[position] = candidate_scores(lexicon, token.best)
            scores = readings_of[position][0]
            token.best = max(scores, key=scores.__getitem__)
    # Pass 2: decide with the neighbours' readings, left to right.
    changes: list[Change] = []
    for position, token in enumerate(tokens):
        prev = tokens[position - 1] if position else None
        nxt = tokens[position + 1] if position + 1 < len(tokens) else None
        if token.text == "1":
            decided = repair_context.lone_one(prev, token, nxt)
            if decided:
                changes.append(_change(token, *decided))
            continue
        if position not in readings_of:
            continue
        decided = _decide(lexicon, token, readings_of[position], prev, nxt)
        if decided:
            token.best = decided[0].lower()
            changes.append(_change(token, *decided))
    return changes


def _decide(lexicon: Lexicon, token: repair_context.Token,
            readings: tuple[dict[str, float], set[str]],
            prev: repair_context.Token | None,
            nxt: repair_context.Token | None) -> tuple[str, float, str] | None:
    """The replacement for one word, its confidence and why; None keeps it."""
    observed = token.text.lower()
    scores, compounds = dict(readings[0]), readings[1]
    reasons = {}
    for word in scores:
        bonus, reasons[word] = repair_context.bonus(word, prev, nxt, token)
        scores[word] += bonus
    best = max(scores, key=scores.__getitem__)
    if best in compounds and token.text[0].isupper() \
            and not MARKS.search(observed) and not token.sentence_start(prev):
        scores[observed] += NAME_BONUS  # probably a name: keep it
        best = max(scores, key=scores.__getitem__)
    if best == observed:
        return None
    reason = reasons[best] or reasons[observed]
    if not reason:
        reason = "compound" if best in compounds else \
            "not a Swedish word" if observed not in lexicon.score else \
            "more common word"
    return match_case(token.text, best), _posterior(scores, best), reason


def _change(token: repair_context.Token, replacement: str,
            confidence: float, reason: str) -> Change:
    return Change(token.line, token.column, token.text, replacement,
                  round(min(1.0, max(0.0, confidence)), 3), reason, token.index)


def apply_changes(text: str, changes: list[Change],
                  min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> str:
    """Apply the changes whose confidence is at least `min_confidence`."""
    pieces, position = [], 0
    for change in sorted(changes, key=lambda c: c.offset):
        if change.confidence < min_confidence:
            continue
        if text[change.offset:change.offset + len(change.original)] != change.original:
            raise ValueError(f"change does not match the text at {change.offset}")
        pieces.append(text[position:change.offset])
        pieces.append(change.replacement)
        position = change.offset + len(change.original)
    pieces.append(text[position:])
    return "".join(pieces)


def repair_text(text: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> RepairResult:
    """Repair OCR-damaged Swedish words; report every change considered."""
    changes = propose_changes(text)
    return RepairResult(apply_changes(text, changes, min_confidence), changes)
