"""``/import``: clerks upload a tjänsteutlåtande or protokollsutdrag (text or
PDF with a text layer) and see what was recognised before anything is filed.

The upload shows a preview (the type, the title, the sections found, the
letters repaired with their confidence); only the clerk's confirmation files
it (``importer.service``, the same code as ``partnership-cms import``), so a
case number is used only then. The confirmation carries the document's text
and the file's SHA-256, signed with the session secret, so what is filed is
exactly what was previewed.
"""
import hashlib
import hmac

from pyramid.traversal import resource_path
from pyramid.view import view_config

from ..content.models import Root
from ..content.services import ContentInvalid
from ..importer.service import ImportFailed, file_prepared, prepare_document
from ..schema import get_schemas
from ..schema.loader import to_json_value
from ..security import session_secret
from ..security.permissions import IMPORT
from .base import BaseView, _
from .formkit import doom

TEMPLATE = "partnership_cms:templates/import.pt"
MAX_BYTES = 20 * 1024 * 1024
EXCERPT = 300  # characters of each section shown in the preview


class ImportView(BaseView):
    def __init__(self, context, request):
        super().__init__(context, request)
        self.error = None
        self.result = None  # {"url", "label", "created", "repairs", "suggestions", "file"}
        self.preview = None  # {"kind", "title", "sections", "repairs", "suggestions", "file", "confirm"}

    @view_config(context=Root, name="import", request_method="GET", accept="text/html",
                 renderer=TEMPLATE, permission=IMPORT)
    def get(self):
        return {"page": self}

    @view_config(context=Root, name="import", request_method="POST", accept="text/html",
                 renderer=TEMPLATE, permission=IMPORT)
    def post(self):
        if "confirm" in self.request.POST:
            return self._confirm()
        upload = self.request.POST.get("file")
        if upload is None or not hasattr(upload, "file") or not upload.filename:
            return self._failed(_("Välj en fil att importera."))
        data = upload.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            return self._failed(_("Filen är för stor (högst 20 MB)."))
        prepared = self._prepare(data, upload.filename)
        if prepared is None:
            return {"page": self}
        if prepared.existing is not None:
            self._show_result(prepared.filename, prepared.existing, False)
        else:
            self._show_preview(prepared)
        return {"page": self}

    def _confirm(self):
        post = self.request.POST
        filename, sha256 = post.get("filename", ""), post.get("sha256", "")
        text = _lines(post.get("text", ""))
        if not hmac.compare_digest(self._signature(filename, sha256, text), post.get("signature", "")):
            return self._failed(_("Förhandsgranskningen stämmer inte längre. Ladda upp filen igen."), 400)
        prepared = self._prepare(text, filename, sha256=sha256)
        if prepared is None:
            return {"page": self}
        if prepared.existing is None:
            try:
                result = file_prepared(self.request, prepared)
            except ImportFailed as e:
                return self._failed(_("Filen kunde inte importeras: ${reason}", mapping={"reason": str(e)}))
            except ContentInvalid as e:
                return self._invalid(e)
            self._show_result(filename, result.obj, True, result.repairs, result.suggestions)
        else:  # filed meanwhile (the same file confirmed twice)
            self._show_result(filename, prepared.existing, False)
        return {"page": self}

    def _prepare(self, data, filename, sha256=None):
        try:
            return prepare_document(self.request, data, filename, sha256=sha256)
        except ImportFailed as e:
            self._failed(_("Filen kunde inte importeras: ${reason}", mapping={"reason": str(e)}))
        except ContentInvalid as e:
            self._invalid(e)
        return None

    def _invalid(self, error):
        _message, errors = error.rendered(self.request)
        reason = "; ".join(f"{k}: {v}" for k, v in errors.items())
        return self._failed(_("Filen kunde inte importeras: ${reason}", mapping={"reason": reason}))

    def _failed(self, message, status=422):
        doom(self.request)  # whatever a refused import began is not committed
        self.error = message
        self.request.response.status = status
        return {"page": self}

    def _signature(self, filename, sha256, text):
        key = session_secret(self.request.app_settings).encode()
        return hmac.new(key, "\0".join((filename, sha256, text)).encode(), hashlib.sha256).hexdigest()

    def _show_preview(self, prepared):
        schema = get_schemas(self.request.registry)[prepared.kind]
        sections = []
        for spec in schema.fields:
            value = prepared.values.get(spec.name)
            if spec.name == "title" or value in (None, "", []):
                continue
            text = value if isinstance(value, str) else "; ".join(
                " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item)
                for item in (value if isinstance(value, list) else [to_json_value(value)]))
            sections.append((self.title_of(spec.title), text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")))
        self.preview = {
            "file": prepared.filename,
            "kind": self.title_of(schema.title),
            "title": prepared.values.get("title", ""),
            "sections": sections,
            "repairs": [_change(c) for c in prepared.applied],
            "suggestions": [_change(c) for c in prepared.suggested],
            "confirm": {"filename": prepared.filename, "sha256": prepared.sha256, "text": _lines(prepared.text),
                        "signature": self._signature(prepared.filename, prepared.sha256, _lines(prepared.text))},
        }

    def _show_result(self, filename, obj, created, repairs=(), suggestions=()):
        self.result = {
            "file": filename,
            "url": self.request.application_url + resource_path(obj),
            "label": self.document_label(obj),
            "created": created,
            "repairs": list(repairs),
            "suggestions": list(suggestions),
        }

    def percent(self, confidence):
        return f"{round(confidence * 100)} %"


def _lines(text):
    """``text`` with plain newlines: a browser sends a textarea's lines ended by CR LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _change(change):
    return {"original": change.original, "replacement": change.replacement,
            "confidence": change.confidence, "line": change.line}
