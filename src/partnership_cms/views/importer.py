"""``/import``: clerks upload a tjänsteutlåtande or protokollsutdrag (text or
PDF with a text layer); it becomes a Proposal or a Decision through the same
``importer.service.import_document`` as the ``partnership-cms import`` command.
"""
from pyramid.traversal import resource_path
from pyramid.view import view_config

from ..content.models import Root
from ..content.services import ContentInvalid
from ..importer.service import ImportFailed, import_document
from ..security.permissions import IMPORT
from .base import BaseView, _

TEMPLATE = "partnership_cms:templates/import.pt"
MAX_BYTES = 20 * 1024 * 1024


class ImportView(BaseView):
    def __init__(self, context, request):
        super().__init__(context, request)
        self.error = None
        self.result = None  # {"url", "label", "created", "repairs", "suggestions", "file"}

    @view_config(context=Root, name="import", request_method="GET", accept="text/html",
                 renderer=TEMPLATE, permission=IMPORT)
    def get(self):
        return {"page": self}

    @view_config(context=Root, name="import", request_method="POST", accept="text/html",
                 renderer=TEMPLATE, permission=IMPORT)
    def post(self):
        upload = self.request.POST.get("file")
        if upload is None or not hasattr(upload, "file") or not upload.filename:
            self.error = _("Välj en fil att importera.")
            self.request.response.status = 422
            return {"page": self}
        data = upload.file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            self.error = _("Filen är för stor (högst 20 MB).")
            self.request.response.status = 422
            return {"page": self}
        try:
            obj, created = import_document(self.request, data, upload.filename)
        except (ImportFailed, ContentInvalid) as e:
            self.error = _("Filen kunde inte importeras: ${reason}", mapping={"reason": str(e)})
            self.request.response.status = 422
            return {"page": self}
        path = resource_path(obj)
        details = {}
        if created:
            entries = self.request.root.audit_log.chain(path)
            details = next((e["details"] for e in reversed(entries) if e["action"] == "import"), {})
        self.result = {
            "file": upload.filename,
            "url": self.request.application_url + path,
            "label": self.document_label(obj),
            "created": created,
            "repairs": details.get("repairs", []),
            "suggestions": details.get("suggestions", []),
        }
        return {"page": self}

    def percent(self, confidence):
        return f"{round(confidence * 100)} %"
