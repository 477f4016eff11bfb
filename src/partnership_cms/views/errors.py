"""Friendly error pages in Swedish for browsers; the API keeps its JSON errors.

Like the JSON error views these never read the database: some run after the
transaction was aborted.
"""
import logging

from pyramid.httpexceptions import HTTPException, HTTPSeeOther
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from ZODB.POSException import ConflictError

from ..api.errors import status_of
from ..content.services import ContentInvalid
from ..errors import ServiceError
from .base import BaseView, _

log = logging.getLogger(__name__)
TEMPLATE = "partnership_cms:templates/error.pt"


def _page(request, status, title, message, offer_login=False):
    request.response.status = status
    return {"page": BaseView(request.context, request), "status": status, "title": title,
            "message": message, "offer_login": offer_login}


@forbidden_view_config(accept="text/html", renderer=TEMPLATE)
def forbidden(exc, request):
    page = BaseView(request.context, request)
    if page.user is None:
        return HTTPSeeOther(request.application_url + "/login?came_from=" + request.path_qs)
    return _page(request, 403, _("Du saknar behörighet"),
                 _("Du är inloggad som ${name}, men den behörigheten räcker inte för den här sidan eller åtgärden.",
                   mapping={"name": page.user.fullname}), offer_login=True)


@notfound_view_config(accept="text/html", renderer=TEMPLATE)
def notfound(exc, request):
    return _page(request, 404, _("Sidan finns inte"),
                 _("Sidan eller dokumentet du sökte finns inte. Kontrollera adressen eller börja om från startsidan."))


@exception_view_config(ServiceError, accept="text/html", renderer=TEMPLATE)
def service_error(exc, request):
    status, _type = status_of(exc)
    if status == 403:
        return forbidden(exc, request)
    message, errors = exc.rendered(request)
    if isinstance(exc, ContentInvalid):
        return _page(request, status, _("Uppgifterna är inte giltiga"),
                     "; ".join(f"{k}: {v}" for k, v in errors.items()) or message)
    return _page(request, status, _("Åtgärden kunde inte utföras"), message)


@exception_view_config(ConflictError, accept="text/html", renderer=TEMPLATE)
def conflict(exc, request):
    return _page(request, 409, _("Någon annan hann före"),
                 _("Någon annan ändrade samma sak samtidigt. Läs in sidan igen och försök på nytt."))


@exception_view_config(Exception, accept="text/html", renderer=TEMPLATE)
def server_error(exc, request):
    if isinstance(exc, HTTPException) and exc.code < 500:
        if exc.code < 400:
            return exc
        message = (_("Formuläret har gått ut. Ladda om sidan och försök igen.")
                   if "CSRF" in type(exc).__name__ else exc.explanation or exc.title)
        return _page(request, exc.code, exc.title, message)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _page(request, 500, _("Något gick fel"),
                 _("Ett oväntat fel inträffade. Försök igen om en stund eller kontakta systemförvaltaren."))
