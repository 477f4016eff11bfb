"""Security: who the user is, what they may do, CSRF and the default permission."""
import os

from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from .permissions import NOBODY
from .policy import SecurityPolicy, bearer_token, global_roles
from .throttle import LoginThrottle


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


def session_secret(settings):
    """The secret that signs sessions (and the import preview's confirmation).
    Production keeps it out of files: the environment wins."""
    secret = os.environ.get("PCMS_SESSION_SECRET") or settings.session_secret
    if not secret:
        raise ValueError("Set PCMS_SESSION_SECRET (or partnership_cms.session_secret in the .ini file).")
    return secret


def includeme(config):
    settings = config.registry.app_settings
    secret = session_secret(settings)
    config.set_session_factory(SignedCookieSessionFactory(
        secret,
        cookie_name="pcms_session",
        httponly=True,
        samesite="Lax",
        secure=settings.secure_cookies,
        timeout=settings.session_idle_seconds,
        reissue_time=60,
    ))
    # Failed log-ins are counted in memory, per process (see throttle.py).
    config.registry.login_throttle = LoginThrottle.from_settings(settings)
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    config.set_default_csrf_options(require_csrf=True, callback=csrf_applies)
    config.set_security_policy(SecurityPolicy())
    # The audit trail records the actor's roles from here, without importing the policy.
    config.add_request_method(global_roles, "global_roles", property=True)
    # A view that forgets permission= is denied to everybody, not open to all.
    config.set_default_permission(NOBODY)
    config.include(".headers")  # security headers, the public address
    config.include(".input")  # body size, bad input refused before any view
