"""The JSON API, in plone.restapi's conventions. Every view calls the same
services (content.services, the workflow engine, the catalog, the audit
trail) that the HTML views use; no rule lives only here."""
import re

from pyramid.httpexceptions import HTTPCreated
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from .. import catalog
from ..audit import find_page, get_log, verify_all
from ..content.models import Content, ContentFolder, Root
from ..content.services import create_content, edit_content, set_local_role
from ..schema.loader import COMMENT_MAX_LENGTH
from ..security import sessions
from ..security.input import int_param, read_json
from ..security.login import LoginThrottled, attempt_login, record_logout
from ..security.permissions import ADD, AUDIT, EDIT, SHARE, VIEW
from ..security.policy import bearer_token, search_principals
from ..workflow import get_workflows
from . import serialize
from .errors import error_response
from .openapi import openapi_document

MAX_BATCH = 100


def json_body(request):
    """The request's JSON object, or a 400 that says what is wrong (security.input)."""
    return read_json(request)


# -- authentication ------------------------------------------------------------
@view_config(context=Root, name="@login", request_method="POST", renderer="json",
             permission=NO_PERMISSION_REQUIRED)
def login(context, request):
    body = json_body(request)
    try:
        user = attempt_login(request, body.get("login"), body.get("password"), via="api")
    except LoginThrottled as e:
        request.response.headers["Retry-After"] = str(e.retry_after)
        return error_response(request, 429, "TooManyRequests",
                              f"För många misslyckade inloggningar. Försök igen om {e.minutes} min.")
    if user is None:
        return error_response(request, 401, "Unauthorized", "Fel användarnamn eller lösenord.")
    principals = context.principals
    hours = request.app_settings.token_hours
    token = principals.issue_token(user.login, hours)
    return {"token": token, "login": user.login, "fullname": user.fullname,
            "roles": sorted(principals.roles_of(user.login))}


@view_config(context=Root, name="@logout", request_method="POST", renderer="json",
             permission=VIEW)
def logout(context, request):
    user = request.identity
    if user is None:
        return error_response(request, 401, "Unauthorized", "Du är inte inloggad.")
    token = bearer_token(request)
    if token:
        context.principals.revoke_token(token)
    else:  # logged in by the browser's cookie: end that session on the server
        sessions.end(request, user.login)
    record_logout(request, user, via="api")
    return {"message": "Utloggad."}


# -- reading ------------------------------------------------------------------------
@view_config(context=Root, request_method="GET", renderer="json", permission=VIEW)
def root_view(context, request):
    workflows = get_workflows(request.registry)
    return {
        "@id": request.application_url,
        "@type": "Site",
        "title": "Partnerskap – ärenden och beslut",
        "items": [
            {"@id": request.application_url + "/" + name, "@type": folder.type_name, "title": folder.title}
            for name, folder in context.items()
            if folder.type_name in workflows.definitions
        ],
    }


@view_config(context=ContentFolder, request_method="GET", renderer="json", permission=VIEW)
def folder_view(context, request):
    return _search(request, {"portal_type": context.type_name})


@view_config(context=Content, request_method="GET", renderer="json", permission=VIEW)
def content_view(context, request):
    return serialize.full(request, context)


@view_config(context=Content, name="@workflow", request_method="GET", renderer="json",
             permission=VIEW)
def workflow_view(context, request):
    return serialize.workflow_state(request, context)


@view_config(context=Content, name="@history", request_method="GET", renderer="json",
             permission=VIEW)
def history_view(context, request):
    return list(context.history)


@view_config(context=Root, name="@search", request_method="GET", renderer="json", permission=VIEW)
def search_view(context, request):
    return _search(request, request.GET)


def _search(request, params):
    start = int_param(params, "b_start", 0, minimum=0)
    size = int_param(params, "b_size", 25, minimum=1, maximum=MAX_BATCH)
    words = re.findall(r"\w+", params.get("SearchableText", ""))
    year = params.get("year")
    objects, total = catalog.search(
        request, search_principals(request),
        type=params.get("portal_type") or None,
        state=params.get("review_state") or None,
        body=params.get("body") or None,
        year=int(year) if year and year.isdigit() else None,
        text=" ".join(words) or None,
        sort=params.get("sort_on", "modified"),
        reverse=params.get("sort_order", "descending") != "ascending",
        start=start, size=size,
    )
    return {
        "@id": request.url,
        "items": [serialize.summary(request, obj) for obj in objects],
        "items_total": total,
        "b_start": start,
        "b_size": size,
    }


# -- writing ------------------------------------------------------------------------
@view_config(context=ContentFolder, request_method="POST", renderer="json", permission=ADD)
def create_view(context, request):
    body = json_body(request)
    type_name = body.pop("@type", context.type_name)
    if type_name != context.type_name:
        return error_response(request, 400, "BadRequest",
                              f"Den här mappen tar emot {context.type_name}, inte {type_name}.")
    obj = create_content(request, context.type_name, body)
    request.response.status = HTTPCreated.code
    request.response.location = serialize.object_url(request, obj)
    return serialize.full(request, obj)


@view_config(context=Content, request_method="PATCH", renderer="json", permission=EDIT)
def edit_view(context, request):
    body = json_body(request)
    body.pop("@type", None)
    changes = edit_content(request, context, body)
    result = serialize.full(request, context)
    result["changes"] = changes
    return result


@view_config(context=Content, name="@workflow", request_method="POST", renderer="json",
             permission=VIEW)
def transition_view(context, request):
    if len(request.subpath) != 1:
        return error_response(request, 404, "NotFound", "Ange övergången: .../@workflow/<övergång>.")
    body = json_body(request)
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        return error_response(request, 422, "ValidationError", "Uppgifterna är inte giltiga.",
                              {"comment": "Kommentaren ska vara en text."})
    if comment is not None and len(comment) > COMMENT_MAX_LENGTH:
        return error_response(request, 422, "ValidationError", "Uppgifterna är inte giltiga.",
                              {"comment": f"Kommentaren får vara högst {COMMENT_MAX_LENGTH} tecken."})
    return get_workflows(request.registry).perform(request, context, request.subpath[0], body)


@view_config(context=Content, name="@sharing", request_method="GET", renderer="json",
             permission=VIEW)
def sharing_view(context, request):
    return {"local_roles": {login: list(roles) for login, roles in context.local_roles.items()}}


@view_config(context=Content, name="@sharing", request_method="POST", renderer="json",
             permission=SHARE)
def sharing_change(context, request):
    body = json_body(request)
    set_local_role(request, context, str(body.get("login") or ""), str(body.get("role") or ""),
                   granted=body.get("granted", True) is not False)
    return sharing_view(context, request)


# -- audit ------------------------------------------------------------------------------
@view_config(context=Root, name="@audit", request_method="GET", renderer="json", permission=AUDIT)
def audit_view(context, request):
    if tuple(request.subpath) == ("verify",):
        return verify_all(context).as_dict()
    if request.subpath:
        return error_response(request, 404, "NotFound", "Okänd granskningsfunktion.")
    params = request.GET
    start = int_param(params, "b_start", 0, minimum=0)
    size = int_param(params, "b_size", 50, minimum=1, maximum=1000)
    items, total = audit_entries(context, params, start, size)
    return {"items": items, "items_total": total, "b_start": start, "b_size": size}


def audit_entries(root, params, start, size):
    """Entries filtered by object (path), actor, action and time (ISO), newest first."""
    obj = params.get("object")
    return find_page(get_log(root), start, size, chains=[obj] if obj else None,
                     actor=params.get("actor"), action=params.get("action"),
                     since=params.get("since") or "", until=params.get("until") or None)


@view_config(context=Root, name="@openapi.json", request_method="GET", renderer="json",
             permission=NO_PERMISSION_REQUIRED)
def openapi_view(context, request):
    return openapi_document(request)
