"""Import a document (a tjänsteutlåtande or a protokollsutdrag) as content.

One code path for the ``partnership-cms import`` command, the browser's
upload form and the demo's seed case: read the file (text, or a PDF's text
layer), repair the scanner's letters, recognise the kind of document, parse
it, create a Proposal or a Decision through ``content.services`` and file it
in its state through the engine (``Workflows.start_in``), which writes the
history entry and announces the import (``AuditAction.IMPORT``) with the
file, its SHA-256 and every letter repaired. A file already imported (the
same SHA-256, remembered in ``root.imports``) is not imported again.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

from pypdf import PdfReader
from pyramid.traversal import find_resource, resource_path

from ..content.numbering import NumberTaken
from ..content.services import check_content, create_content
from ..dates import appeal_end_of_protocol, find_swedish_date
from ..i18n import translate
from ..interfaces import IWorkflows
from ..workflow.deadlines import date_flags
from .officers_report import OfficersReport, parse_officers_report
from .protocol_extract import (
    ProtocolExtract,
    looks_like_extract,
    motion,
    parse_protocol_extract,
    reservation,
)
from .repair import DEFAULT_MIN_CONFIDENCE, repair_text


class ImportFailed(Exception):
    """The file could not be read or its content not filed (message in Swedish)."""


# -- reading and repairing -------------------------------------------------------------
def read_document(data: bytes, filename: str = "") -> str:
    """The text of a file: a PDF's text layer (pypdf), else UTF-8 (or Windows-1252) text."""
    if data[:5] == b"%PDF-" or filename.lower().endswith(".pdf"):
        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n\f".join(page.extract_text() or "" for page in reader.pages)
        except Exception as e:  # pypdf raises many kinds for broken files
            raise ImportFailed(f"PDF-filen kunde inte läsas: {e}") from None
        if not text.strip():
            raise ImportFailed("PDF-filen har inget textlager (inskannad bild); den kan inte importeras än.")
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def repair_letters(text: str):
    """``(repaired text, applied changes, suggested changes)`` of :func:`repair.repair_text`:
    changes with a confidence of at least DEFAULT_MIN_CONFIDENCE are applied,
    the others only suggested (for a person to judge)."""
    result = repair_text(text)
    applied = [c for c in result.changes if c.confidence >= DEFAULT_MIN_CONFIDENCE]
    suggested = [c for c in result.changes if c.confidence < DEFAULT_MIN_CONFIDENCE]
    return result.text, applied, suggested


def repaired_text(text: str) -> str:
    """The text with the confident repairs applied (the demo's ``repair`` hook)."""
    return repair_letters(text)[0]


def change_record(change) -> dict:
    return {"original": change.original, "replacement": change.replacement,
            "confidence": change.confidence, "line": change.line, "column": change.column}


# -- from parsed documents to field values ----------------------------------------------
def document_kind(text: str) -> str:
    """"Decision" for a protokollsutdrag, "Proposal" for a tjänsteutlåtande."""
    return "Decision" if looks_like_extract(text) else "Proposal"


def proposal_values(report: OfficersReport) -> dict:
    """Proposal field values from a parsed tjänsteutlåtande (the demo uses this too)."""
    values = {
        "title": report.title,
        "proposing_body_line": report.proposing_body_line,
        # "... tjänsteutlåtande daterat den 11 augusti 2021, godkänns."
        "dated": _iso(find_swedish_date(" ".join(report.decision_points))),
        "decision_points": report.decision_points,
        "summary": report.summary,
        "background": report.background,
        "administration_views": report.administration_views,
        "consequences": report.consequences,
        "signatories": report.signatories,
        "attachments": report.attachments,
        "recipients": report.recipients,
    }
    if report.unrecognised:  # never dropped: kept at the end of the background
        values["background"] = "\n\n".join([values["background"], *report.unrecognised]).strip()
    return values


def decision_values(extract: ProtocolExtract) -> dict:
    """Decision field values (system fields included) from a parsed protokollsutdrag."""
    if extract.body not in ("KS", "KF"):
        name = extract.body_name or "okänt organ"
        raise ImportFailed(f"Protokollsutdraget är från {name}; bara kommunstyrelsens och "
                           "kommunfullmäktiges beslut kan registreras.")
    if extract.meeting_date is None:
        raise ImportFailed("Protokollsutdraget saknar sammanträdesdatum.")
    summary = extract.summary
    if extract.unrecognised:
        summary = "\n\n".join([summary, *extract.unrecognised]).strip()
    values = {
        "title": extract.title or f"{extract.body} § {extract.paragraph}",
        "body": extract.body,
        "paragraph": extract.paragraph,
        "dnr": extract.case_number or None,
        "meeting_date": extract.meeting_date.isoformat(),
        "decision_text": extract.decision,
        "summary": summary,
        "proposition_order": extract.proposition_order,
        "motions": [motion(text) for text in extract.motions],
        "reservations": [reservation(text) for text in extract.reservations],
        "recipients": extract.recipients,
    }
    if extract.justified_on:
        values["justified_on"] = extract.justified_on
    if extract.posted_on:
        values["posted_on"] = extract.posted_on
        # From the latest of the dates: a posting printed before the justering
        # or the meeting (out of order, flagged) never shortens the appeal period.
        values["appeal_ends_on"] = appeal_end_of_protocol(extract.meeting_date, extract.justified_on,
                                                          extract.posted_on)
    return {k: v for k, v in values.items() if v not in (None, "", [])}


# -- importing -------------------------------------------------------------------------
def imported_object(root, sha256):
    """The object a file with this SHA-256 was imported as, or None."""
    path = root.imports.get(sha256)
    if path is None:
        return None
    try:
        return find_resource(root, path)
    except KeyError:
        return None


@dataclass
class ImportResult:
    """What one import did: the object, whether it is new, and the letters repaired
    (applied) or only suggested, as recorded in the audit entry."""

    obj: object
    created: bool
    repairs: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)


def import_document(request, text, filename, repair=True, content=None):
    """Import one document; returns ``(obj, created)`` (see ``file_document``)."""
    result = file_document(request, text, filename, repair=repair, content=content)
    return result.obj, result.created


def file_document(request, text, filename, repair=True, content=None):
    """Import one document; returns an ImportResult.

    ``text`` is the document's text (or its bytes); ``content`` the file's bytes
    for the SHA-256 (default: ``text`` in UTF-8). ``created`` is False when the
    same file was imported before: then ``obj`` is what it became.
    Raises ImportFailed or ContentInvalid (nothing is created then).
    """
    prepared = prepare_document(request, text, filename, repair=repair, content=content)
    if prepared.existing is not None:
        return ImportResult(prepared.existing, False)
    return file_prepared(request, prepared)


@dataclass
class PreparedImport:
    """A document read, repaired and recognised, not yet filed (what the upload's preview shows)."""

    filename: str
    sha256: str
    text: str  # as read from the file, before the repair: what filing it later starts from
    kind: str  # "Proposal" or "Decision"
    values: dict  # the field values it would get
    state: str | None  # the state it would be filed in (None: the type's first)
    applied: list
    suggested: list
    existing: object = None  # what the same file became when it was imported before


def prepare_document(request, text, filename, repair=True, content=None, sha256=None):
    """Read, repair and recognise a document without changing anything.

    ``sha256`` may name the original file's digest when ``text`` is its text
    already (the preview's confirmation sends the text, not the file).
    Raises ImportFailed when the document cannot be recognised, ContentInvalid
    when what it holds would not pass the type's schema.
    """
    if isinstance(text, bytes):
        content = text if content is None else content
        text = read_document(text, filename)
    if sha256 is None:
        sha256 = hashlib.sha256(content if content is not None else text.encode("utf-8")).hexdigest()
    existing = imported_object(request.root, sha256)
    if existing is not None:
        return PreparedImport(filename, sha256, text, existing.type_name, {}, None, [], [], existing)
    if not text.strip():
        raise ImportFailed("Filen är tom.")
    original = text
    applied, suggested = [], []
    if repair:
        text, applied, suggested = repair_letters(text)
    kind = document_kind(text)
    if kind == "Decision":
        extract = parse_protocol_extract(text)
        values = decision_values(extract)
        state = "posted" if extract.posted_on else "justified" if extract.justified_on else None
    else:
        report = parse_officers_report(text)
        if not report.title:
            raise ImportFailed("Hittar ingen rubrik i dokumentet.")
        values, state = proposal_values(report), None
    check_content(request, kind, values, allow_system=kind == "Decision")
    return PreparedImport(filename, sha256, original, kind, values, state, applied, suggested)


def file_prepared(request, prepared):
    """File a prepared document: the object, its state and the import's audit entry."""
    try:
        obj = create_content(request, prepared.kind, prepared.values, allow_system=prepared.kind == "Decision")
    except NumberTaken as e:
        # The § is what the signed protocol says: a second decision with
        # it is refused, never renumbered (content/numbering.py).
        raise ImportFailed(translate(request, e.message)) from None
    state = prepared.state or obj.state
    comment = f"Importerad från filen {prepared.filename}"
    if prepared.applied:
        comment += f"; {len(prepared.applied)} bokstäver rättade"
    if state != obj.state:
        comment += f"; läget {state} enligt protokollsutdragets datum för justering och anslag"
    # Dates out of their legal order are filed as the document shows them, and
    # flagged: on the page and in the API (workflow/deadlines.py), and here.
    flags = date_flags(request, obj)
    if flags:
        comment += "; datum utanför lagens ordning: " + " ".join(translate(request, f["message"]) for f in flags)
    repairs = [change_record(c) for c in prepared.applied]
    suggestions = [change_record(c) for c in prepared.suggested]
    request.registry.getUtility(IWorkflows).start_in(request, obj, state, comment=comment + ".", evidence={
        "file": prepared.filename, "sha256": prepared.sha256, "kind": prepared.kind, "repairs": repairs,
        "suggestions": suggestions,
        "history": {"file": prepared.filename, "sha256": prepared.sha256, "repaired": len(repairs)},
    })
    request.root.imports[prepared.sha256] = resource_path(obj)
    return ImportResult(obj, True, repairs, suggestions)


def _iso(day):
    return day.isoformat() if day else None
