"""Every error leaves as JSON ``{"type", "message"}``; no traceback reaches a client.

These views must not touch the database: some run after the transaction
was aborted (a conflict on the last retry), so they write nothing and read
only what the request already knows.
"""
import logging

from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from pyramid_retry import is_last_attempt
from ZODB.POSException import ConflictError

from ..errors import ServiceError
from ..security.policy import IDENTITY_KEY

log = logging.getLogger(__name__)


def error_response(request, status, error_type, message, errors=None):
    request.response.status = status
    body = {"type": error_type, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _logged_in(request):
    return request.environ.get(IDENTITY_KEY) is not None


@forbidden_view_config(renderer="json")
def forbidden(exc, request):
    if not _logged_in(request):
        request.response.headers["WWW-Authenticate"] = 'Bearer realm="partnership-cms"'
        return error_response(request, 401, "Unauthorized", "Du måste logga in.")
    return error_response(request, 403, "Forbidden", "Du saknar behörighet för detta.")


@notfound_view_config(renderer="json")
def notfound(exc, request):
    return error_response(request, 404, "NotFound", "Sidan eller dokumentet finns inte.")


# The HTTP answer to each code the services and the engine raise (errors.ServiceError).
STATUS_OF_CODE = {
    "unknown_transition": (404, "NotFound"),
    "not_allowed": (403, "Forbidden"),
    "not_available": (409, "Conflict"),
    "invalid_data": (422, "ValidationError"),
    "guard_failed": (422, "GuardFailed"),
    "invalid_content": (422, "ValidationError"),
    "number_taken": (409, "Conflict"),
    "invalid_file": (422, "ValidationError"),
    "file_too_large": (413, "PayloadTooLarge"),
    "file_type_refused": (415, "UnsupportedMediaType"),
    "attachment_not_found": (404, "NotFound"),
}


def status_of(exc):
    """``(status, type)`` of a ServiceError for the API and the pages alike."""
    return STATUS_OF_CODE.get(exc.code, (400, "BadRequest"))


@exception_view_config(ServiceError, renderer="json")
def service_error(exc, request):
    status, error_type = status_of(exc)
    if status == 403 and not _logged_in(request):
        return error_response(request, 401, "Unauthorized", "Du måste logga in.")
    message, errors = exc.rendered(request)
    return error_response(request, status, error_type, message, errors)


@exception_view_config(ConflictError, renderer="json")
def conflict(exc, request):
    # Earlier attempts are retried (their response is thrown away): log only the last.
    if is_last_attempt(request):
        log.warning("conflict after all retries, answered 409: %s", exc)
    return error_response(request, 409, "Conflict",
                          "Någon annan ändrade samma sak samtidigt. Läs in sidan och försök igen.")


@exception_view_config(HTTPException, renderer="json")
def http_error(exc, request):
    if isinstance(exc, (HTTPForbidden, HTTPNotFound)):  # handled above
        return forbidden(exc, request) if isinstance(exc, HTTPForbidden) else notfound(exc, request)
    if exc.code < 400:
        return exc
    error_type = "CSRFError" if "CSRF" in type(exc).__name__ else type(exc).__name__.removeprefix("HTTP")
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else exc.explanation
    if error_type == "CSRFError":
        message = "Formuläret har gått ut. Ladda om sidan och försök igen."
    return error_response(request, exc.code, error_type, message)


@exception_view_config(Exception, renderer="json")
def server_error(exc, request):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(request, 500, "InternalServerError",
                          "Ett oväntat fel inträffade. Försök igen eller kontakta systemförvaltaren.")
