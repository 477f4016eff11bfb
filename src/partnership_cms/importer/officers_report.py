"""Parse the plain text of a tjänsteutlåtande (officer's report) into its parts.

The text usually comes from OCR, where å/ä/ö turn into other characters
("Forvaltningens synpunkter", "Sddertdrns hogskola"). Headings are therefore
compared in a folded form and with a similarity ratio; the text itself is kept
exactly as written (a separate repair step may run before this parser).
Nothing is dropped: text that fits no known part goes to ``unrecognised``.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Standard headings of a tjänsteutlåtande -> the part they start.
SECTION_HEADINGS = {
    "förslag till beslut": "decision",
    "sammanfattning": "summary",
    "bakgrund": "background",
    "ärendebeskrivning": "background",
    "beskrivning av ärendet": "background",
    "förvaltningens synpunkter": "administration_views",
    "ekonomiska och juridiska konsekvenser": "consequences",
    "ekonomiska konsekvenser": "consequences",
    "juridiska konsekvenser": "consequences",
    "bilagor": "attachments",
    "bilaga": "attachments",
    "beslutet ska skickas till": "recipients",
}
TEXT_SECTIONS = ("summary", "background", "administration_views", "consequences")
AGREEMENT_HEADING = "förslag till avtal"
# Labels of the bullets that describe the draft agreement -> agreement key.
AGREEMENT_LABELS = {
    "parterna": "parties",
    "parter": "parties",
    "bakgrund och syfte": "purpose",
    "syfte": "purpose",
    "organisering och ledning": "organisation",
    "organisation": "organisation",
    "rättigheter": "rights",
}
NUMBER_WORDS = {
    "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6,
    "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12,
    # Frequent OCR forms, where "ä"/"å" came out as "d".
    "tvd": 2, "dtta": 8,
}  # fmt: skip

# Characters OCR puts in place of letters inside a word (compared folded only).
_OCR_LETTERS = str.maketrans({"6": "o", "0": "o", "4": "a", "&": "a", "1": "i", "|": "l"})
_SENTENCE_END = (".", ":", "!", "?")
# Headings, names and titles end without any of these.
_PUNCTUATION = (*_SENTENCE_END, ",", ";")
_BULLET = re.compile(r"^[»«•·▪■►*=\-+]\s+")
_SUB_BULLET = re.compile(r"^[—–]\s+")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+")
# "Kommunstyrelsens förslag till kommunfullmäktige": a body in the genitive, the OCR'd
# "förslag till" and the body it goes to; a whole line, so a decision text never matches.
_PROPOSING = re.compile(r"^[^.]{2,60}s\s+f\S{0,2}rslag\s+till\s+\S+\s*:?$", re.IGNORECASE)
_MAX_HEADING_LENGTH = 60
_SIMILAR = 0.85


@dataclass
class OfficersReport:
    """The parts of a tjänsteutlåtande; section texts are paragraphs split by blank lines."""

    title: str = ""
    proposing_body_line: str = ""
    decision_points: list[str] = field(default_factory=list)
    summary: str = ""
    background: str = ""
    administration_views: str = ""
    consequences: str = ""
    signatories: list[dict] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    agreement: dict = field(default_factory=dict)
    headings: list[str] = field(default_factory=list)  # the recognised headings, as written
    unrecognised: list[str] = field(default_factory=list)


def _fold(text: str) -> str:
    """Lowercase, undo typical OCR digit/sign substitutes, strip diacritics (å -> a)."""
    words = []
    for word in text.lower().split():
        if not word.isdigit():  # "2021" stays a number, "S6dertorns" becomes "sodertorns"
            word = word.translate(_OCR_LETTERS)
        word = unicodedata.normalize("NFKD", word)
        words.append("".join(c for c in word if not unicodedata.combining(c)))
    return " ".join(words).strip(" .:")


def _similar(a: str, b: str, threshold: float = _SIMILAR) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= threshold


fold = _fold  # public names for the other parsers (protocol_extract)
similar = _similar


def fold_headings(headings: dict[str, str]) -> dict[str, str]:
    """``{heading: part}`` with each heading folded, for :func:`heading_part`."""
    return {_fold(heading): part for heading, part in headings.items()}


def heading_part(line: str, folded_headings: dict[str, str]) -> str | None:
    """The part a heading line starts (OCR-tolerant), or None if it is no such heading.

    ``folded_headings`` comes from :func:`fold_headings`; the protocol extract
    parser uses this with its own headings.
    """
    # A heading is short, and a number in it means "Bilaga 1", not the heading "Bilaga".
    if len(line) > _MAX_HEADING_LENGTH or any(word.isdigit() for word in line.split()):
        return None
    folded = _fold(line)
    ratio, part = max(
        (difflib.SequenceMatcher(None, folded, heading).ratio(), part)
        for heading, part in folded_headings.items()
    )
    return part if ratio >= _SIMILAR else None


_FOLDED_HEADINGS = fold_headings(SECTION_HEADINGS)


def _section_of(line: str) -> str | None:
    """The part a standard heading line starts, or None if the line is no such heading."""
    return heading_part(line, _FOLDED_HEADINGS)


def _split_blocks(text: str) -> list[list[str]]:
    """Split the text into blocks of stripped lines (paragraphs, headings with their text).

    A block ends at a blank line. A page break (a form feed, or in this OCR a line
    that starts with a space and has no blank line before it) starts a new block
    only if the previous line ended a sentence, since a page can break mid-paragraph.
    Standard headings, bullets and numbered items always start a new block.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    previous = ""
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for index, piece in enumerate(raw.split("\f")):
            line = piece.strip()
            if not line:
                if current:
                    blocks.append(current)
                current = []
                continue
            page_break = index > 0 or piece[:1].isspace()
            starts_block = (
                (page_break and previous.endswith(_SENTENCE_END))
                or _section_of(line) is not None
                or _BULLET.match(line)
                or _SUB_BULLET.match(line)
                or _NUMBERED.match(line)
            )
            if starts_block and current:
                blocks.append(current)
                current = []
            current.append(line)
            previous = line
    if current:
        blocks.append(current)
    return blocks


def _is_subheading(block: list[str]) -> bool:
    """A short capitalised first line without final punctuation, not a bullet,
    followed by nothing or by a line that starts a new sentence."""
    line = block[0]
    if len(line) > _MAX_HEADING_LENGTH or line.endswith(_PUNCTUATION):
        return False
    if _BULLET.match(line) or _SUB_BULLET.match(line) or not line[:1].isupper():
        return False
    return len(block) == 1 or block[1][:1].isupper()


def _items(blocks: list[list[str]]) -> list[tuple[str, str]]:
    """A text section as ("subheading" | "paragraph", text) items, paragraphs unwrapped."""
    items = []
    for block in blocks:
        if _is_subheading(block):
            items.append(("subheading", block[0]))
            block = block[1:]
        if block:
            items.append(("paragraph", " ".join(block)))
    return items


def _signatories(block: list[str]) -> list[dict]:
    """Signatories from a names line followed by a titles line.

    "Camilla Broo Patrik Forshage" / "Kommundirektor Bitrddande kommundirektor":
    a title starts at each capitalised word (titles are lowercase after their first
    word in Swedish), which gives the number of signatories; the names line is then
    cut into that many equal groups of words. If the words do not divide evenly,
    the block is kept as one signatory rather than guessed.
    """
    names, titles_line = block
    titles: list[list[str]] = []
    for word in titles_line.split():
        if word[:1].isupper() or not titles:
            titles.append([])
        titles[-1].append(word)
    words = names.split()
    if len(words) % len(titles):
        return [{"name": names, "title": titles_line}]
    size = len(words) // len(titles)
    return [
        {"name": " ".join(words[i * size : (i + 1) * size]), "title": " ".join(title)}
        for i, title in enumerate(titles)
    ]


def _looks_like_signature(block: list[str]) -> bool:
    """Two lines without punctuation; every word of the first (the names) capitalised."""
    if len(block) != 2 or any(line.endswith(_PUNCTUATION) for line in block):
        return False
    name_words = block[0].split()
    return len(name_words) >= 2 and all(w[:1].isupper() for w in name_words + block[1].split()[:1])


def _attachments(blocks: list[list[str]], unrecognised: list[str]) -> list[dict]:
    """Entries "Bilaga 1. Title" (or "1. Title"); following lines continue the title."""
    attachments: list[dict] = []
    for block in blocks:
        current = None
        for line in block:
            match = re.match(r"^(?:(\S+)\s+)?(\d{1,2})\s*[.:)]?\s+(.*)$", line)
            if match and (match[1] is None or _similar(_fold(match[1]), "bilaga", 0.8)):
                current = {"number": int(match[2]), "title": match[3]}
                attachments.append(current)
            elif current is not None:
                current["title"] = f"{current['title']} {line}"
            else:
                unrecognised.append(line)
    return attachments


def _decision(blocks: list[list[str]], report: OfficersReport) -> None:
    """Proposing-body line (e.g. "Kommunstyrelsens förslag till kommunfullmäktige")
    and the decision points, one per paragraph or numbered item."""
    blocks = [list(block) for block in blocks]
    if blocks:
        first = blocks[0][0]
        if _PROPOSING.match(first):
            report.proposing_body_line = first
            blocks[0] = blocks[0][1:]
    for block in blocks:
        if block:
            report.decision_points.append(_NUMBERED.sub("", " ".join(block), count=1))


def _agreement(items: list[tuple[str, str]]) -> dict:
    """What the bullet list under "Förslag till avtal ..." says of the draft agreement."""
    agreement: dict[str, Any] = {"parties": [], "purpose": "", "focus_areas": [], "organisation": "",
                 "rights": "", "other_terms": []}  # fmt: skip
    target = _fold(AGREEMENT_HEADING)
    inside = False
    bullets: list[dict] = []
    for kind, text in items:
        if kind != "paragraph":  # a subheading, or the start of another part
            inside = kind == "subheading" and _similar(_fold(text)[: len(target)], target)
        elif inside and _SUB_BULLET.match(text) and bullets:
            bullets[-1]["subs"].append(_SUB_BULLET.sub("", text))
        elif inside and (_BULLET.match(text) or _SUB_BULLET.match(text)):
            bullets.append({"text": _BULLET.sub("", _SUB_BULLET.sub("", text)), "subs": []})
    for bullet in bullets:
        match = re.match(r"^([^.:]{1,40})[.:]\s+(.*)$", bullet["text"])
        key, value = None, ""
        if match:
            value = match[2]
            key = next((k for label, k in AGREEMENT_LABELS.items()
                        if _similar(_fold(match[1]), _fold(label))), None)  # fmt: skip
        if key == "parties":
            names = re.split(r",\s+|(?<!-)\s+och\s+", value.rstrip(". "))
            agreement["parties"] += [name.strip() for name in names if name.strip()]
        elif key == "purpose":
            agreement["purpose"] = " ".join(filter(None, [agreement["purpose"], value]))
            agreement["focus_areas"] += bullet["subs"]
        elif key in ("organisation", "rights"):
            agreement[key] = " ".join(filter(None, [agreement[key], value, *bullet["subs"]]))
        else:
            agreement["other_terms"].append(" ".join([bullet["text"], *bullet["subs"]]))
    return agreement


def _termination(paragraphs: list[str]) -> dict | None:
    """{"rule": "calendar_year_turn", "notice_months": N} if a paragraph says the
    agreement ends at the nearest kalenderårsskifte with N months' notice."""
    for paragraph in paragraphs:
        words = re.findall(r"[^\W_]+|&", paragraph.lower())
        folded = [_fold(word) for word in words]
        if not any(_similar(word, "kalenderarsskifte", 0.8) for word in folded):
            continue
        # Look at each word with the word after it: "sex" "månader".
        for number, unit in zip(words[:-1], folded[1:], strict=True):
            if not (_similar(unit, "manader", 0.8) or _similar(unit, "manad", 0.8)):
                continue
            months = int(number) if number.isdigit() else NUMBER_WORDS.get(number)
            months = months or NUMBER_WORDS.get(_fold(number))
            if months:
                return {"rule": "calendar_year_turn", "notice_months": months}
    return None


def parse_officers_report(text: str) -> OfficersReport:
    """Split the text of a tjänsteutlåtande into an :class:`OfficersReport`.

    The first paragraph is the title; standard headings (OCR-tolerant) start the
    parts; subheadings inside a part stay in its text. Every line of the input
    ends up in some field or in ``unrecognised``.
    """
    report = OfficersReport()
    blocks = _split_blocks(text)
    if blocks and _section_of(blocks[0][0]) is None:
        report.title = " ".join(blocks.pop(0))
    preamble: list[list[str]] = []
    sections: dict[str, list[list[str]]] = {}  # in the order the headings appear
    current = preamble
    for block in blocks:
        part = _section_of(block[0])
        if part is None:
            current.append(block)
            continue
        report.headings.append(block[0])
        current = sections.setdefault(part, [])
        if block[1:]:
            current.append(block[1:])
    report.unrecognised += [" ".join(block) for block in preamble]

    # The signatures close the body: they are the last blocks before the
    # attachments / recipients (or of the last part when there are neither).
    order = list(sections)
    closing = [p for p in order if p in ("attachments", "recipients")]
    before = order[: order.index(closing[0])] if closing else order
    if before:
        body = sections[before[-1]]
        found: list[dict] = []
        while body and _looks_like_signature(body[-1]):
            found = _signatories(body.pop()) + found
        report.signatories = found

    _decision(sections.get("decision", []), report)
    report.attachments = _attachments(sections.get("attachments", []), report.unrecognised)
    report.recipients = [line for block in sections.get("recipients", []) for line in block]
    all_items = []
    for part in TEXT_SECTIONS:
        items = _items(sections.get(part, []))
        setattr(report, part, "\n\n".join(text for _kind, text in items))
        all_items += [("part", part), *items]
    report.agreement = _agreement(all_items)
    report.agreement["termination"] = _termination(
        [text for kind, text in all_items if kind == "paragraph"]
    )
    return report
