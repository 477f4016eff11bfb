"""Log in and out with a form; choose the language."""
from urllib.parse import urlparse

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember
from pyramid.view import view_config

from ..content.models import Root
from ..security import sessions
from ..security.login import LoginThrottled, attempt_login, record_logout
from .base import LANGUAGES, BaseView, _


def safe_came_from(request, came_from):
    """Only same-site paths: never redirect a user to another site after log-in."""
    parsed = urlparse(came_from or "")
    if parsed.scheme or parsed.netloc or not (came_from or "").startswith("/"):
        return request.application_url + "/"
    return request.application_url + came_from


class LoginView(BaseView):
    @view_config(context=Root, name="login", request_method="GET", accept="text/html",
                 renderer="partnership_cms:templates/login.pt", permission=NO_PERMISSION_REQUIRED)
    def form(self):
        return {"page": self, "error": None, "login": "",
                "came_from": self.request.params.get("came_from", "/")}

    @view_config(context=Root, name="login", request_method="POST", accept="text/html",
                 renderer="partnership_cms:templates/login.pt", permission=NO_PERMISSION_REQUIRED)
    def submit(self):
        params = self.request.POST
        came_from = params.get("came_from", "/")
        try:
            user = attempt_login(self.request, params.get("login"), params.get("password"),
                                 via="browser")
        except LoginThrottled as e:
            self.request.response.status = 429
            self.request.response.headers["Retry-After"] = str(e.retry_after)
            return {"page": self, "login": params.get("login", ""), "came_from": came_from,
                    "error": _("För många misslyckade inloggningar. Försök igen om ${minutes} min.",
                               mapping={"minutes": e.minutes})}
        if user is None:
            # Same words whether the user exists or not.
            self.request.response.status = 401
            return {"page": self, "error": _("Fel användarnamn eller lösenord."),
                    "login": params.get("login", ""), "came_from": came_from}
        headers = remember(self.request, user.login)  # a new session: the id is renewed
        sessions.start(self.request, user.login)  # ... and recorded on the server
        return HTTPSeeOther(safe_came_from(self.request, came_from), headers=headers)


@view_config(context=Root, name="logout", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def logout(context, request):
    user = request.identity
    if user is not None:
        sessions.end(request, user.login)  # a copy of the cookie stops working too
        record_logout(request, user, via="browser")
    headers = forget(request)
    return HTTPSeeOther(request.application_url + "/", headers=headers)


@view_config(context=Root, name="language", request_method="GET", permission=NO_PERMISSION_REQUIRED)
def language(context, request):
    """Remember the chosen language in a cookie (Pyramid's ``_LOCALE_``)."""
    lang = request.params.get("lang")
    response = HTTPSeeOther(safe_came_from(request, request.params.get("came_from", "/")))
    if lang in LANGUAGES:
        response.set_cookie("_LOCALE_", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
