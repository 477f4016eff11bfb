"""Old addresses of renamed objects (``content.models.Moved``) redirect to the
same place under the new name, for browsers and API clients alike."""
from pyramid.httpexceptions import HTTPMovedPermanently, HTTPPermanentRedirect
from pyramid.traversal import resource_path
from pyramid.view import view_config

from ..content.models import Moved
from ..security.permissions import VIEW


# No CSRF check: the redirect changes nothing, and the request it leads to is checked there.
@view_config(context=Moved, permission=VIEW, require_csrf=False)
def moved(context, request):
    """301 to the new address (``.../ks-2026-1/history`` -> ``.../ks-2026-p1/history``),
    keeping the query; 308 for other methods than GET and HEAD, which a 301 would
    let clients turn into a GET."""
    location = request.application_url + resource_path(context.target, *context.rest)
    if request.path.endswith("/") and not location.endswith("/"):
        location += "/"
    if request.query_string:
        location += "?" + request.query_string
    redirect = HTTPMovedPermanently if request.method in ("GET", "HEAD") else HTTPPermanentRedirect
    return redirect(location=location)
