"""The JSON API of meetings and bodies.

``GET /meetings/<id>/@meeting``: who serves, the quorum, each item and its
votes. ``POST /meetings/<id>/@meeting/<act>`` performs one act of the meeting
(``meetings.services.ACTS``); the service decides who may, so the view asks
only that the caller can see the meeting. ``GET /@bodies`` lists the bodies
and their members; ``POST /@bodies/<id>`` lets an administrator change who
sits on one (audited).
"""
from pyramid.view import view_config

from ..bodies import change_membership as change_body_membership
from ..bodies import get_bodies, membership, seats_of
from ..content.models import Content, Root
from ..meetings import perform_act, summary
from ..security.permissions import MANAGE_USERS, VIEW
from .errors import error_response
from .views import json_body

MEETING_TYPE = "Meeting"


def _not_a_meeting(request):
    return error_response(request, 404, "NotFound", "Det här är inget sammanträde.")


@view_config(context=Content, name="@meeting", request_method="GET", renderer="json", permission=VIEW)
def meeting_view(context, request):
    if context.type_name != MEETING_TYPE or request.subpath:
        return _not_a_meeting(request)
    return summary(request, context)


@view_config(context=Content, name="@meeting", request_method="POST", renderer="json", permission=VIEW)
def meeting_act(context, request):
    if context.type_name != MEETING_TYPE:
        return _not_a_meeting(request)
    if len(request.subpath) != 1:
        return error_response(request, 404, "NotFound", "Ange åtgärden: .../@meeting/<åtgärd>.")
    return perform_act(request, context, request.subpath[0], json_body(request))


def body_json(request, body):
    seats = membership(request.root, body)
    return {"id": body.id, "title": body.title, "seats": seats_of(body),
            "members": list(seats["members"]), "substitutes": list(seats["substitutes"]),
            "chair": seats["chair"], "vice_chair": seats["vice_chair"],
            "quorum": {"rule": body.quorum_rule, "law": body.quorum_law},
            "notice": {"days": body.notice_days, "law": body.notice_law},
            "series": body.series, "decides_without_meetings": body.decides_without_meetings}


def _body(request):
    bodies = get_bodies(request.registry)
    if len(request.subpath) != 1 or request.subpath[0] not in bodies:
        return None
    return bodies[request.subpath[0]]


@view_config(context=Root, name="@bodies", request_method="GET", renderer="json", permission=VIEW)
def bodies_view(context, request):
    if not request.subpath:
        return {"items": [body_json(request, b) for b in get_bodies(request.registry).values()]}
    body = _body(request)
    if body is None:
        return error_response(request, 404, "NotFound", "Organet finns inte.")
    return body_json(request, body)


@view_config(context=Root, name="@bodies", request_method="POST", renderer="json", permission=MANAGE_USERS)
def body_change(context, request):
    body = _body(request)
    if body is None:
        return error_response(request, 404, "NotFound", "Organet finns inte.")
    change_body_membership(request, body, json_body(request))
    return body_json(request, body)
