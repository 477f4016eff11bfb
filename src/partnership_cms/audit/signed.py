"""The exact content a signature binds, and the check that it still does.

A signed document (a protocol, ``protocols/``) keeps its valid signatures in
``data["signatures"]``: each names the fields it covers (``fields``) and, for
an omedelbar justering, the one paragraph (``paragraph``), with the SHA-256
of ``signed_content`` over them at the moment of signing. The content is
canonical JSON (sorted keys, no spaces, UTF-8, dates as ISO 8601), so the same
stored values always give the same bytes. Verification (``verify.verify_log``)
recomputes each hash: a signed text changed behind the application's back is
named by its path, even if the audit entry was rewritten to match.
"""
from __future__ import annotations

import hashlib
import json

from ..schema.loader import to_json_value

ITEMS = "items"  # the list field whose entries are the paragraphs (``paragraph``: the § number)


def signed_content(data, fields, paragraph=None):
    """The canonical bytes of ``fields`` of ``data``; with ``paragraph``, the
    ``items`` field holds only that paragraph's entry."""
    content = {}
    for name in fields:
        value = to_json_value(data.get(name))
        if name == ITEMS and paragraph is not None:
            value = [item for item in value or () if item.get("paragraph") == paragraph]
        content[name] = value
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_sha256(data, fields, paragraph=None):
    return hashlib.sha256(signed_content(data, fields, paragraph)).hexdigest()


def broken_signatures(obj):
    """The stored signatures of ``obj`` whose content no longer hashes to what was signed."""
    data = getattr(obj, "data", None) or {}
    broken = []
    for signature in data.get("signatures") or ():
        if not isinstance(signature, dict) or "sha256" not in signature:
            continue
        fields = signature.get("fields") or ()
        if content_sha256(data, fields, signature.get("paragraph")) != signature["sha256"]:
            broken.append(signature)
    return broken
