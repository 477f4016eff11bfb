"""Friendly error pages in Swedish for browsers; the API keeps its JSON errors.

Like the JSON error views these never read the database: some run after the
transaction was aborted.
"""
import logging

from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from ZODB.POSException import ConflictError

from ..api import errors as api_errors
from ..api.errors import status_of
from ..content.services import ContentInvalid
from ..errors import ServiceError
from .base import BaseView, _

log = logging.getLogger(__name__)
TEMPLATE = "partnership_cms:templates/error.pt"
# Headings of the client errors a page can meet (the rest keep webob's title).
TITLES = {
    400: _("Begäran kunde inte läsas"),
    405: _("Det går inte att göra så här"),
    413: _("Innehållet är för stort"),
}


def error_page(request, status, title, message, offer_login=False):
    """What error.pt shows: a status, a heading and the reason (also for a view's own refusal)."""
    request.response.status = status
    # An error raised before traversal (a tween) has no context yet.
    context = getattr(request, "context", None)
    return {"page": BaseView(context, request), "status": status, "title": title,
            "message": message, "offer_login": offer_login}


@forbidden_view_config(accept="text/html", renderer=TEMPLATE)
def forbidden(exc, request):
    page = BaseView(request.context, request)
    if page.user is None:
        return HTTPSeeOther(request.application_url + "/login?came_from=" + request.path_qs)
    return error_page(request, 403, _("Du saknar behörighet"),
                 _("Du är inloggad som ${name}, men den behörigheten räcker inte för den här sidan eller åtgärden.",
                   mapping={"name": page.user.fullname}), offer_login=True)


@notfound_view_config(accept="text/html", renderer=TEMPLATE)
def notfound(exc, request):
    return error_page(request, 404, _("Sidan finns inte"),
                 _("Sidan eller dokumentet du sökte finns inte. Kontrollera adressen eller börja om från startsidan."))


@exception_view_config(ServiceError, accept="text/html", renderer=TEMPLATE)
def service_error(exc, request):
    status, _type = status_of(exc)
    if status == 403:
        return forbidden(exc, request)
    message, errors = exc.rendered(request)
    if isinstance(exc, ContentInvalid):
        return error_page(request, status, _("Uppgifterna är inte giltiga"),
                     "; ".join(f"{k}: {v}" for k, v in errors.items()) or message)
    return error_page(request, status, _("Åtgärden kunde inte utföras"), message)


@exception_view_config(ConflictError, accept="text/html", renderer=TEMPLATE)
def conflict(exc, request):
    return error_page(request, 409, _("Någon annan hann före"),
                 _("Någon annan ändrade samma sak samtidigt. Läs in sidan igen och försök på nytt."))


# Registered for HTTPException itself: the API's JSON view for HTTPException
# would otherwise be found before the catch-all Exception view below. A client
# that names no type (curl, scripts) keeps getting the API's JSON, as before.
@exception_view_config(HTTPException, accept="text/html", renderer=TEMPLATE)
def http_error(exc, request):
    if exc.code < 400:
        return exc
    if "text/html" not in request.headers.get("Accept", ""):
        return render_to_response("json", api_errors.http_error(exc, request), request=request,
                                  response=request.response)
    if exc.code >= 500:
        return server_error(exc, request)
    if "CSRF" in type(exc).__name__:
        message = _("Formuläret har gått ut. Ladda om sidan och försök igen.")
    else:  # our own 4xx carry a Swedish detail; webob's own only an English explanation
        message = exc.detail if isinstance(exc.detail, str) and exc.detail else exc.explanation or exc.title
    return error_page(request, exc.code, TITLES.get(exc.code, exc.title), message)


@exception_view_config(Exception, accept="text/html", renderer=TEMPLATE)
def server_error(exc, request):
    if isinstance(exc, HTTPException) and exc.code < 500:
        return http_error(exc, request)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(request, 500, _("Något gick fel"),
                 _("Ett oväntat fel inträffade. Försök igen om en stund eller kontakta systemförvaltaren."))
