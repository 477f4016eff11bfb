"""Parse the plain text of a protokollsutdrag (an extract of the minutes).

An extract names the body ("Kommunstyrelsen", "Kommunfullmäktige"), the
meeting date, the paragraph ("§ 87  Title"), the case number ("Dnr
KS-2021/457"), then the standard headings: Beslut, Sammanfattning av
ärendet, Yrkanden, Propositionsordning, Reservation, Beslutet ska skickas
till; and the dates of justering and anslag. Headings are matched
OCR-tolerantly with the helpers of :mod:`officers_report`; nothing is
dropped: lines that fit no part go to ``unrecognised``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from ..dates import find_swedish_date
from .officers_report import fold, fold_headings, heading_part, similar

SECTION_HEADINGS = {
    "beslut": "decision",
    "beslutsförslag": "decision",
    "sammanfattning av ärendet": "summary",
    "sammanfattning": "summary",
    "ärendebeskrivning": "summary",
    "yrkanden": "motions",
    "yrkande": "motions",
    "propositionsordning": "proposition_order",
    "proposition": "proposition_order",
    "reservation": "reservations",
    "reservationer": "reservations",
    "beslutet ska skickas till": "recipients",
    "beslutet skickas till": "recipients",
    "expedieras till": "recipients",
}
_FOLDED = fold_headings(SECTION_HEADINGS)
BODIES = {"kommunstyrelsen": "KS", "kommunfullmaktige": "KF"}  # folded name -> code
# "KS-2021/457", "KS 2014/742.912", "MSN-2021/1123"
CASE_NUMBER = re.compile(r"\b([A-ZÅÄÖ]{1,6}[- ]?\d{4}/\d+(?:\.\d+)*)\b")
PARAGRAPH = re.compile(r"^§\s*(\d{1,4})\b\s*(.*)$")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
MARKER = "protokollsutdrag"
# Motion verbs in a "Yrkanden" paragraph -> the schema's motion kinds.
MOTION_KINDS = (("återremi", "refer_back"), ("bordl", "table"), ("avslag", "reject"),
                ("tillägg", "add"), ("även", "add"), ("bifall", "approve"))


@dataclass
class ProtocolExtract:
    """The parts of a protokollsutdrag; texts are paragraphs joined by blank lines."""

    body: str = ""  # "KS" / "KF", or "" for another body
    body_name: str = ""  # as written ("Kommunstyrelsen", "Miljö- och ...nämnden")
    meeting_date: datetime.date | None = None
    paragraph: int | None = None
    case_number: str = ""
    title: str = ""
    decision: str = ""
    summary: str = ""
    motions: list[str] = field(default_factory=list)
    proposition_order: str = ""
    reservations: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    justified_on: datetime.date | None = None
    posted_on: datetime.date | None = None
    headings: list[str] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)


def find_date(text: str) -> datetime.date | None:
    """The first ISO ("2021-09-14") or Swedish ("14 september 2021") date in ``text``."""
    match = ISO_DATE.search(text or "")
    iso = None
    if match:
        try:
            iso = datetime.date(*map(int, match.groups()))
        except ValueError:
            iso = None
    swedish = find_swedish_date(text)
    if match and iso and swedish:  # iso implies match; mypy cannot see it
        return iso if match.start() < text.find(str(swedish.year)) else swedish
    return iso or swedish


def looks_like_extract(text: str) -> bool:
    """Does the text read as a protokollsutdrag (rather than a tjänsteutlåtande)?"""
    head = [line.strip() for line in text.splitlines()[:15] if line.strip()]
    if any(similar(fold(line.split()[0]), MARKER, 0.8) for line in head):
        return True
    has_paragraph = any(PARAGRAPH.match(line) for line in head)
    return has_paragraph and any(heading_part(line.strip(), _FOLDED) == "decision"
                                 for line in text.splitlines())


def _body_of(line: str) -> tuple[str, str] | None:
    """("KS"/"KF"/"", name) if the line names the deciding body."""
    name = re.split(r"\t|\s{2,}|\s+(?=\S*[Ss]ammantr)", line.strip())[0].strip()
    first = fold(name.split()[0]) if name.split() else ""
    for folded, code in BODIES.items():
        if similar(first, folded, 0.85):
            return code, name
    if fold(name).endswith(("namnden", "namnd", "styrelsen", "fullmaktige")):
        return "", name
    return None


def _date_kind(line: str) -> str | None:
    """"justified_on" / "posted_on" / "meeting_date" for a dated header or footer line."""
    words = [fold(word) for word in re.findall(r"[^\W\d_]+", line)]
    if any(word.startswith("juster") for word in words):
        return "justified_on"
    if any(word.startswith(("anslag", "anslog")) for word in words):
        return "posted_on"
    if any(similar(word[:14], "sammantradesda", 0.8) or word.startswith("sammantr") for word in words):
        return "meeting_date"
    return None


def _paragraphs(lines: list[str]) -> list[str]:
    """Lines split at blank lines, each paragraph unwrapped."""
    paragraphs, current = [], []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    return paragraphs


def parse_protocol_extract(text: str) -> ProtocolExtract:
    """Split the text of a protokollsutdrag into a :class:`ProtocolExtract`."""
    extract = ProtocolExtract()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None  # None: the header, before the first heading
    title_pending = False
    for raw in lines:
        line = raw.strip()
        if not line:
            if current is not None:
                current.append("")
            title_pending = False
            continue
        part = heading_part(line, _FOLDED)
        if part is not None:
            extract.headings.append(line)
            current = sections.setdefault(part, [])
            if current:
                current.append("")
            title_pending = False
            continue
        date_kind = _date_kind(line)
        day = find_date(line) if date_kind else None
        if day and date_kind in ("justified_on", "posted_on") and not getattr(extract, date_kind):
            setattr(extract, date_kind, day)
            continue
        if day and date_kind == "meeting_date" and extract.meeting_date is None:
            extract.meeting_date = day
            body = _body_of(line)
            if body and not extract.body_name:
                extract.body, extract.body_name = body
            continue
        if current is not None:
            current.append(line)
            continue
        # The header.
        paragraph = PARAGRAPH.match(line)
        number = CASE_NUMBER.search(line)
        if similar(fold(line.split()[0]), MARKER, 0.8) and len(line.split()) <= 2:
            continue  # "PROTOKOLLSUTDRAG"
        if paragraph and extract.paragraph is None:
            extract.paragraph = int(paragraph[1])
            extract.title = paragraph[2].strip()
            title_pending = not extract.title
            continue
        if number and not extract.case_number and len(line.split()) <= 4:
            extract.case_number = number[1].replace(" ", "-")
            continue
        body = None if extract.body_name else _body_of(line)
        if body:
            extract.body, extract.body_name = body
            day = find_date(line)
            if day and extract.meeting_date is None:
                extract.meeting_date = day
            continue
        if title_pending or (extract.paragraph is not None and not extract.case_number
                             and extract.title and not number):
            extract.title = f"{extract.title} {line}".strip()
            title_pending = False
            continue
        extract.unrecognised.append(line)

    extract.decision = "\n\n".join(_paragraphs(_items_on_lines(sections.get("decision", []))))
    extract.summary = "\n\n".join(_paragraphs(sections.get("summary", [])))
    extract.motions = _paragraphs(_motion_lines(sections.get("motions", [])))
    extract.proposition_order = "\n\n".join(_paragraphs(sections.get("proposition_order", [])))
    extract.reservations = _paragraphs(sections.get("reservations", []))
    recipients = [line for line in sections.get("recipients", []) if line]
    # A signature footer ("Justerandes signatur  Utdragsbestyrkande") is not a recipient.
    extract.recipients = [line for line in recipients if not _is_footer(line)]
    extract.unrecognised += [line for line in recipients if _is_footer(line)]
    if not extract.case_number:
        number = CASE_NUMBER.search(text)
        extract.case_number = number[1].replace(" ", "-") if number else ""
    return extract


def _items_on_lines(lines: list[str]) -> list[str]:
    """Numbered decision points ("1. godkänna ...") each as a paragraph of its own."""
    result: list[str] = []
    for line in lines:
        if re.match(r"^\d{1,2}[.)]\s", line) and result and result[-1]:
            result.append("")
        result.append(line)
    return result


def _motion_lines(lines: list[str]) -> list[str]:
    """Each "N N (X) yrkar ..." line starts a motion of its own."""
    result: list[str] = []
    for line in lines:
        if _MOVER.match(line) and result and result[-1]:
            result.append("")
        result.append(line)
    return result


_MOVER = re.compile(r"^(.{2,80}?)\s+yrkar\b")


def _is_footer(line: str) -> bool:
    words = [fold(word) for word in line.split()]
    return any(word.startswith(("justerandes", "utdragsbestyrk", "signatur")) for word in words)


def motion(paragraph: str) -> dict:
    """A "Yrkanden" paragraph as the schema's motion: {kind, mover, text}."""
    match = _MOVER.match(paragraph)
    mover = match[1] if match else paragraph.split(".")[0][:80]
    rest = paragraph[match.end():].lower() if match else paragraph.lower()
    kind = next((k for stem, k in MOTION_KINDS if stem in rest), "amend")
    return {"kind": kind, "mover": mover, "text": paragraph}


def reservation(paragraph: str) -> dict:
    """A "Reservation" paragraph as {member, reason}."""
    match = re.match(r"^(.{2,120}?)\s+reserverar\b", paragraph)
    return {"member": match[1] if match else paragraph[:120], "reason": paragraph}
