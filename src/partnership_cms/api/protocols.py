"""The JSON API of protocols.

``POST /meetings/<id>/@protocol`` makes the protocol of a closed meeting (the
clerk). ``GET /protocols/<id>/@protocol`` answers the justering's state: the
content's SHA-256, who has signed, who is missing, what was voided.
``POST /protocols/<id>/@protocol/<act>`` corrects (``correct``) or signs
(``sign``). The services decide who may; the views ask only that the caller
can see the object.
"""
from pyramid.httpexceptions import HTTPCreated
from pyramid.view import view_config

from ..content.models import Content
from ..protocols import PROTOCOL_TYPE, correct, create_protocol, sign, status
from ..security.permissions import VIEW
from .errors import error_response
from .serialize import full, object_url
from .views import json_body

MEETING_TYPE = "Meeting"
ACTS = {"correct": correct, "sign": sign}


@view_config(context=Content, name="@protocol", request_method="GET", renderer="json", permission=VIEW)
def protocol_status(context, request):
    if context.type_name != PROTOCOL_TYPE or request.subpath:
        return error_response(request, 404, "NotFound", "Det här är inget protokoll.")
    return status(request, context)


@view_config(context=Content, name="@protocol", request_method="POST", renderer="json", permission=VIEW)
def protocol_post(context, request):
    if context.type_name == MEETING_TYPE and not request.subpath:
        protocol = create_protocol(request, context, json_body(request))
        request.response.status = HTTPCreated.code
        request.response.headers["Location"] = object_url(request, protocol)
        return full(request, protocol)
    if context.type_name != PROTOCOL_TYPE:
        return error_response(request, 404, "NotFound", "Det här är inget protokoll.")
    if len(request.subpath) != 1 or request.subpath[0] not in ACTS:
        return error_response(request, 404, "NotFound", "Ange åtgärden: .../@protocol/correct eller /sign.")
    result = ACTS[request.subpath[0]](request, context, json_body(request))
    return result
