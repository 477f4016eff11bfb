"""Files (bilagor) on documents: the one code path for uploading and removing them.

A type takes files when its schema says so (``files:`` in schemas/*.yaml,
``schema/typedef.py``): how large, which kinds. The kind is found from the
bytes (``schema/filetypes.py``), never from the name or the client's
Content-Type. Each file is an ``Attachment`` holding a ZODB Blob, its
SHA-256 and who uploaded it when. Uploads and removals are announced as
content events, so the audit trail records them, with the file's SHA-256,
in the same transaction; ``audit.log.state_digest`` vouches for the hashes
and verification recomputes them from the blobs. A PDF's text layer is
extracted once (pypdf) and indexed with the document's text.

Who may upload (ATTACH) or remove (EDIT) is the views' ``permission=``, as
for every other change.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata

from persistent.mapping import PersistentMapping
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ..errors import ServiceError
from ..events import AuditAction, ContentChanged, notify
from ..i18n import _
from ..schema import get_schemas
from ..schema.filetypes import KINDS, detect
from .models import Attachment

log = logging.getLogger(__name__)

MAX_FILENAME = 200
MAX_TEXT = 500_000  # characters of a PDF's text kept for search
KIND_NAMES = {"pdf": "PDF", "docx": "Word (.docx)", "xlsx": "Excel (.xlsx)",
              "pptx": "PowerPoint (.pptx)", "odt": "OpenDocument (.odt)", "png": "PNG", "jpeg": "JPEG"}


class AttachmentRefused(ServiceError):
    """The file cannot be attached: the type takes none, or the number is wrong."""

    code = "invalid_file"


class FileTooLarge(ServiceError):
    code = "file_too_large"


class FileTypeRefused(ServiceError):
    code = "file_type_refused"


class AttachmentNotFound(ServiceError):
    code = "attachment_not_found"


def file_rules(request, obj):
    """The type's ``files`` rules, or None when it takes no files."""
    schema = get_schemas(request.registry).get(obj.type_name)
    return schema.presentation.files if schema is not None else None


def numbered_attachments(request, obj):
    """``[(number, title, Attachment or None)]`` of the bilagor the document lists
    (the ``numbered`` field), each with the file that fills it, if any."""
    rules = file_rules(request, obj)
    if rules is None or rules.numbered is None:
        return []
    by_number = {a.number: a for a in obj.attachments() if a.number is not None}
    listed = [item for item in obj.data.get(rules.numbered) or () if isinstance(item, dict)]
    return [(item.get("number"), item.get("title", ""), by_number.get(item.get("number")))
            for item in listed]


def clean_filename(name, kind):
    """The name to store and send back: no folders, no control characters, not too long."""
    name = re.split(r"[\\/]", str(name or ""))[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name)
                   if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:MAX_FILENAME - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 \
            else name[:MAX_FILENAME]
    return name or "bilaga" + KINDS[kind][1]


def pdf_text(data):
    """A PDF's text layer for search ("" when it has none or cannot be read)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        text = " ".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, TypeError, KeyError, OSError) as e:
        # A PDF pypdf cannot read is still a PDF: kept, but not searchable.
        log.info("no text from an uploaded PDF: %s", e)
        return ""
    return " ".join(text.split())[:MAX_TEXT]


def add_attachment(request, obj, filename, data, number=None):
    """Attach a file to ``obj``; returns the new Attachment.

    ``number``: the bilaga (of the schema's ``numbered`` field) the file
    fills; it must be listed and not yet have a file.
    """
    rules = file_rules(request, obj)
    if rules is None:
        raise AttachmentRefused(_("Den här dokumenttypen tar inte emot filer."))
    if not data:
        raise AttachmentRefused(_("Filen är tom."))
    if len(data) > rules.max_bytes:
        raise FileTooLarge(_("Filen är för stor: den får vara högst ${size} MB.",
                             mapping={"size": _megabytes(rules.max_bytes)}))
    kind = detect(data)
    if kind not in rules.types:
        raise FileTypeRefused(_("Filens innehåll är inte av en tillåten typ (${kinds}). "
                                "Typen avgörs av innehållet, inte av filnamnet.",
                                mapping={"kinds": ", ".join(KIND_NAMES[k] for k in rules.types)}))
    if number is not None:
        listed = {n for n, _title, _file in numbered_attachments(request, obj)}
        filled = {n for n, _title, file in numbered_attachments(request, obj) if file is not None}
        if number not in listed:
            raise AttachmentRefused(_("Dokumentet har ingen bilaga ${number}.",
                                      mapping={"number": number}))
        if number in filled:
            raise AttachmentRefused(_("Bilaga ${number} har redan en fil. Ta bort den först.",
                                      mapping={"number": number}))
    if obj.files is None:
        obj.files = PersistentMapping()
    obj.files_counter += 1
    file_id = str(obj.files_counter)
    sha256 = hashlib.sha256(data).hexdigest()
    attachment = Attachment(file_id, clean_filename(filename, kind), kind, data, sha256,
                            request.authenticated_userid, number=number,
                            text=pdf_text(data) if kind == "pdf" else "")
    obj.files[file_id] = attachment
    notify(request, ContentChanged, obj, AuditAction.ATTACHMENT_ADDED, describe(attachment))
    return attachment


def get_attachment(obj, file_id):
    attachment = (obj.files or {}).get(file_id)
    if attachment is None:
        raise AttachmentNotFound(_("Filen finns inte."))
    return attachment


def remove_attachment(request, obj, file_id):
    """Remove a file from ``obj`` (its blob stays in the database's history
    until it is packed); returns the removed Attachment."""
    attachment = get_attachment(obj, file_id)
    del obj.files[file_id]
    notify(request, ContentChanged, obj, AuditAction.ATTACHMENT_REMOVED, describe(attachment))
    return attachment


def describe(attachment):
    """What the audit entry and the API say of a file (JSON-shaped)."""
    return {"id": attachment.file_id, "filename": attachment.filename, "kind": attachment.kind,
            "content_type": KINDS[attachment.kind][0], "size": attachment.size,
            "sha256": attachment.sha256, "number": attachment.number,
            "uploader": attachment.uploader, "uploaded": attachment.uploaded.isoformat()}


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")
