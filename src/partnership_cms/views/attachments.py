"""Files (bilagor) on the document page: the section that lists them, with
placeholders for the numbered bilagor that have no file yet, and the forms
that upload and remove files.

``POST <doc>/attachments`` (ATTACH; multipart ``file``, optional ``number``)
and ``POST <doc>/remove-attachment`` (EDIT; ``file``: the file id) call the
same services as the API (``content/attachments.py``) and go back to the
page; a refused file gets the error page with its status (413, 415, 422).
Downloads are the API's ``<doc>/@attachments/<id>``.
"""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..api.attachments import attachment_url, uploaded_file
from ..content.attachments import (
    KIND_NAMES,
    add_attachment,
    file_rules,
    numbered_attachments,
    remove_attachment,
)
from ..content.models import Content
from ..schema.filetypes import KINDS
from ..security.permissions import ATTACH, EDIT
from .base import BaseView, _

MACRO_TEMPLATE = "partnership_cms:templates/attachments.pt"


def file_size(size):
    """'340 kB', '1,2 MB' (Swedish decimal comma)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} kB"
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",") + " MB"


class FilesSection:
    """What attachments.pt reads (``files`` in the template)."""

    def __init__(self, page, rules):
        self.page, self.request, self.context, self.rules = page, page.request, page.context, rules

    @property
    def laid_out(self):
        """Whether the type's own template shows the section (where its numbered
        field would be, as the Proposal's does); else document.pt shows it after the body."""
        schema = self.page.schema
        return bool(self.rules.numbered) and self.rules.numbered in schema.presentation.laid_out

    @property
    def can_attach(self):
        return bool(self.request.has_permission(ATTACH, self.context))

    @property
    def can_remove(self):
        return bool(self.request.has_permission(EDIT, self.context))

    @property
    def upload_url(self):
        return self.request.resource_url(self.context, "attachments")

    @property
    def remove_url(self):
        return self.request.resource_url(self.context, "remove-attachment")

    @property
    def accept(self):
        """The ``accept`` attribute: a hint for the file picker, not a check."""
        return ",".join([KINDS[k][1] for k in self.rules.types] + [KINDS[k][0] for k in self.rules.types])

    @property
    def limits(self):
        return self.request.localizer.translate(_(
            "Tillåtna filtyper: ${kinds}. Högst ${size}.",
            mapping={"kinds": ", ".join(KIND_NAMES[k] for k in self.rules.types),
                     "size": file_size(self.rules.max_bytes)}))

    def describe(self, attachment):
        return {"id": attachment.file_id, "url": attachment_url(self.request, self.context, attachment),
                "filename": attachment.filename, "kind": KIND_NAMES[attachment.kind],
                "size": file_size(attachment.size), "sha256": attachment.sha256,
                "uploader": self.page_fullname(attachment.uploader),
                "uploaded": self.page.format_datetime(attachment.uploaded.isoformat())}

    def page_fullname(self, login):
        user = self.request.root.principals.users.get(login) if login else None
        return user.fullname if user is not None and user.fullname else (login or "")

    def numbered(self):
        """The listed bilagor: {number, title, file (or None)}."""
        return [{"number": number, "title": title, "file": self.describe(f) if f else None}
                for number, title, f in numbered_attachments(self.request, self.context)]

    def others(self):
        """Files that fill no listed bilaga."""
        listed = {n for n, _t, f in numbered_attachments(self.request, self.context) if f}
        return [self.describe(a) for a in self.context.attachments()
                if a.number is None or a.number not in listed]

    @property
    def empty(self):
        return not self.numbered() and not self.context.attachments()


def files_section(page):
    """The files section of a document page, or None when its type takes no files
    (or an earlier version of an agreement is shown)."""
    rules = file_rules(page.request, page.context)
    if rules is None or getattr(page, "version", None) is not None:
        return None
    return FilesSection(page, rules)


class AttachmentForms(BaseView):
    def flash(self, message):
        self.request.session.flash(self.request.localizer.translate(message))

    @view_config(context=Content, name="attachments", request_method="POST", permission=ATTACH)
    def upload(self):
        filename, data, number = uploaded_file(self.request)
        attachment = add_attachment(self.request, self.context, filename, data, number=number)
        self.flash(_("Filen ${filename} har laddats upp.", mapping={"filename": attachment.filename}))
        return HTTPSeeOther(self.request.resource_url(self.context) + "#attachments")

    @view_config(context=Content, name="remove-attachment", request_method="POST", permission=EDIT)
    def remove(self):
        removed = remove_attachment(self.request, self.context, self.request.POST.get("file", ""))
        self.flash(_("Filen ${filename} har tagits bort.", mapping={"filename": removed.filename}))
        return HTTPSeeOther(self.request.resource_url(self.context) + "#attachments")
