"""Files (bilagor) of a document over HTTP: list, upload, download, remove.

``GET <doc>/@attachments`` (VIEW): the files, as JSON.
``POST <doc>/@attachments`` (ATTACH): multipart/form-data with ``file`` and
optionally ``number`` (the bilaga it fills); 201 with the file's description.
``GET <doc>/@attachments/<id>`` (VIEW): the file itself, for the API and the
browser alike, as a download (never shown inline: an uploaded file is not
trusted to be what a browser would make of it).
``DELETE <doc>/@attachments/<id>`` (EDIT): remove it.

The rules (limits, kinds, the audit) live in ``content/attachments.py``.
"""
from urllib.parse import quote

from pyramid.httpexceptions import HTTPCreated, HTTPNotFound
from pyramid.response import FileIter, Response
from pyramid.view import view_config

from ..content.attachments import (
    AttachmentRefused,
    add_attachment,
    describe,
    get_attachment,
    remove_attachment,
)
from ..content.models import Content
from ..i18n import _
from ..schema.filetypes import content_type
from ..security.input import int_param
from ..security.permissions import ATTACH, EDIT, VIEW
from . import serialize

NAME = "@attachments"


def attachment_url(request, obj, attachment):
    return request.resource_url(obj, NAME, attachment.file_id)


def described(request, obj, attachment):
    return dict(describe(attachment), **{"@id": attachment_url(request, obj, attachment)})


def uploaded_file(request):
    """``(file name, bytes, number)`` of a multipart upload (``file``, ``number``)."""
    field = request.POST.get("file")
    if field is None or not hasattr(field, "file"):
        raise AttachmentRefused(_("Välj en fil att ladda upp."))
    number = int_param(request.POST, "number", None, minimum=1, maximum=10_000)
    request.add_finished_callback(close_spooled_files)
    return field.filename, field.file.read(), number


def close_spooled_files(request):
    """Close the temporary files webob spools a large file field to: nothing
    else does, and an open one lingers until the garbage collector finds it."""
    for value in request.POST.values():
        file = getattr(value, "file", None)
        if file is not None:
            file.close()


def content_disposition(filename):
    """``attachment`` with the name in RFC 6266/5987 form (UTF-8), and an
    ASCII fallback for old clients."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(request, obj, attachment):
    response = Response(content_type=content_type(attachment.kind), charset=None)
    response.app_iter = FileIter(attachment.open())
    response.content_length = attachment.size
    response.headers["Content-Disposition"] = content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Documents may be confidential: no shared cache keeps a copy.
    response.headers["Cache-Control"] = "private, no-cache"
    response.etag = attachment.sha256
    return response


@view_config(context=Content, name=NAME, request_method="GET", renderer="json", permission=VIEW)
def get_view(context, request):
    """The list (no subpath, JSON) or one file (a Response, which skips the renderer)."""
    if not request.subpath:
        return {"@id": request.resource_url(context, NAME),
                "items": [described(request, context, a) for a in context.attachments()]}
    if len(request.subpath) != 1:
        raise HTTPNotFound()
    return download(request, context, get_attachment(context, request.subpath[0]))


@view_config(context=Content, name=NAME, request_method="POST", renderer="json",
             permission=ATTACH)
def upload_view(context, request):
    if request.subpath:
        raise HTTPNotFound()
    filename, data, number = uploaded_file(request)
    attachment = add_attachment(request, context, filename, data, number=number)
    request.response.status = HTTPCreated.code
    request.response.location = attachment_url(request, context, attachment)
    return dict(described(request, context, attachment),
                document=serialize.object_url(request, context))


@view_config(context=Content, name=NAME, request_method="DELETE", renderer="json",
             permission=EDIT)
def delete_view(context, request):
    if len(request.subpath) != 1:
        raise HTTPNotFound()
    removed = remove_attachment(request, context, request.subpath[0])
    return {"removed": describe(removed)}
