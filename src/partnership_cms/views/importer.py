"""``/import``: clerks upload a tjänsteutlåtande or protokollsutdrag (text or
PDF with a text layer); it becomes a Proposal or a Decision through the same
``importer.service.import_document`` as the ``partnership-cms import`` command.
"""
from pyramid.traversal import resource_path
from pyramid.view import view_config

from ..content.models import Root
from ..content.services import ContentInvalid
from ..importer.service import ImportFailed, file_document
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
            result = file_document(self.request, data, upload.filename)
        except ImportFailed as e:
            self.error = _("Filen kunde inte importeras: ${reason}", mapping={"reason": str(e)})
            self.request.response.status = 422
            return {"page": self}
        except ContentInvalid as e:
            _message, errors = e.rendered(self.request)
            reason = "; ".join(f"{k}: {v}" for k, v in errors.items())
            self.error = _("Filen kunde inte importeras: ${reason}", mapping={"reason": reason})
            self.request.response.status = 422
            return {"page": self}
        self.result = {
            "file": upload.filename,
            "url": self.request.application_url + resource_path(result.obj),
            "label": self.document_label(result.obj),
            "created": result.created,
            "repairs": result.repairs,
            "suggestions": result.suggestions,
        }
        return {"page": self}

    def percent(self, confidence):
        return f"{round(confidence * 100)} %"
