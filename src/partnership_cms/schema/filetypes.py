"""What kind of file some bytes are, from the bytes themselves (never the name).

A type's schema lists the kinds it accepts (``files: types:``, see
``typedef.py``); an upload is accepted only when ``detect`` finds one of them.
The checks are the formats' own signatures: PDF's ``%PDF-``, PNG's and JPEG's
magic numbers, and for the ZIP-based Office formats the entries that make the
ZIP a document (``[Content_Types].xml`` with ``word/``, ``xl/`` or ``ppt/``;
ODF's uncompressed ``mimetype`` entry), read with the standard ``zipfile``.
"""
from __future__ import annotations

import io
import zipfile

# kind -> (Content-Type sent on download, the usual file name ending)
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
}

_OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ODF_TEXT = b"mimetype" + b"application/vnd.oasis.opendocument.text"


def content_type(kind):
    return KINDS[kind][0]


def detect(data: bytes) -> str | None:
    """The kind (a key of KINDS) of a file's bytes, or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def _zip_kind(data):
    # ODF stores "mimetype" first and uncompressed: its name and value follow the
    # 30-byte local header (the format's own magic, as the ODF standard intends).
    if data[30:30 + len(_ODF_TEXT)] == _ODF_TEXT:
        return "odt"
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in _OOXML_PARTS.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return None
