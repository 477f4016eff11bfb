"""Security: who the user is, what they may do, CSRF and the default permission."""
import os

from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from .permissions import NOBODY
from .policy import SecurityPolicy, bearer_token


def csrf_applies(request):
    """Whether an unsafe request must carry a CSRF token.

    CSRF is an attack through the browser's cookies. A request that
    authenticates with a bearer token, or a JSON request that carries no
    cookie at all (the API log-in), cannot be forged by another site: a
    cross-site form can send neither that header nor that content type
    without a CORS preflight, which we never grant.
    """
    if bearer_token(request):
        return False
    if request.content_type == "application/json" and not request.cookies:
        return False
    return True


def includeme(config):
    settings = config.registry.settings
    # Production keeps the secret out of files: the environment wins.
    secret = os.environ.get("PCMS_SESSION_SECRET") or settings.get("partnership_cms.session_secret")
    if not secret:
        raise ValueError("Set PCMS_SESSION_SECRET (or partnership_cms.session_secret in the .ini file).")
    config.set_session_factory(SignedCookieSessionFactory(
        secret,
        cookie_name="pcms_session",
        httponly=True,
        samesite="Lax",
        secure=settings.get("partnership_cms.secure_cookies", "false").lower() == "true",
        timeout=int(settings.get("partnership_cms.session_idle_seconds", 1800)),
        reissue_time=60,
    ))
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True, callback=csrf_applies)
    config.set_security_policy(SecurityPolicy())
    # A view that forgets permission= is denied to everybody, not open to all.
    config.set_default_permission(NOBODY)
    config.include(".headers")  # security headers, the public address
    config.include(".input")  # body size, bad input refused before any view
