"""``POST /@audit/seal``: seal the trail through the running server.

While a server runs on FileStorage it holds the database's lock, so
``partnership-cms audit-seal`` cannot open it to write the seal; the command
calls this endpoint instead (``--url``, with an auditor's token). The seal is
written in the request's transaction: a conflict with an append is retried by
pyramid_retry like any other write.
"""
from pyramid.view import view_config

from ..audit import get_log
from ..audit.log import SealedTimeError
from ..content.models import Root
from ..security.permissions import AUDIT
from .errors import error_response


@view_config(context=Root, name="@audit", request_method="POST", renderer="json",
             permission=AUDIT, path_info=r"^/@audit/seal/?$")
def seal_view(context, request):
    try:
        seal = get_log(context).seal(actor=request.authenticated_userid)
    except SealedTimeError:  # the clock is not after the last seal's: nothing written
        return error_response(request, 409, "Conflict",
                              "Förseglingen kunde inte göras nu. Försök igen om en stund.")
    return {name: seal[name] for name in ("seq", "time", "entries", "digest", "hash")}
