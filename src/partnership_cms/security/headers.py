"""Security headers on every response, and the site's own address for links.

One tween, the first the request meets and the last its response leaves, so
HTML, JSON, error pages, redirects and static files all get the same headers:

- ``Content-Security-Policy``: only our own files (and fetches), no inline script or style
  (the templates have none; deform's scripts and script-only buttons are cut
  out by views/forms.py), no plug-ins, forms post only here, no framing;
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``;
- ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` that sends
  other sites no path (our paths name cases);
- ``Cache-Control: no-store`` on every response that depends on who asked
  (credentials sent, a user known, or a cookie set), static files excepted;
- ``Strict-Transport-Security`` when ``partnership_cms.hsts`` is true
  (production.ini), since only then is the site known to be served over HTTPS.

A view that sets its own Content-Security-Policy keeps it (the workflow
diagram, an SVG document, has a stricter one).

The Host header is a client's word. When ``partnership_cms.public_url`` (or
the environment's ``PCMS_PUBLIC_URL``) is set, every link and redirect is
made from it instead: the tween rewrites the request's scheme, host and
script name before anything reads them. Without it, put the server behind a
proxy that sets Host itself (waitress' ``trusted_proxy`` settings, see
production.ini).
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from pyramid.tweens import INGRESS

from .policy import IDENTITY_KEY

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    # meeting.js fetches the live part of a meeting item's page from this site.
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
SESSION_COOKIE = "pcms_session"


def public_url(configured):
    """The public address (``PCMS_PUBLIC_URL`` first, else ``configured``), without a trailing slash, or None."""
    url = os.environ.get("PCMS_PUBLIC_URL") or configured or ""
    url = url.strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"partnership_cms.public_url must be like https://host[:port][/path], not {url!r}")
    return url


def _environ_from_url(url):
    """The WSGI environ keys that make ``request.application_url`` equal ``url``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {
        "wsgi.url_scheme": parts.scheme,
        "HTTP_HOST": parts.netloc,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(port),
        "SCRIPT_NAME": parts.path,
    }


def _personal(request, response):
    """Whether the response depends on who asked (so no cache may keep it)."""
    return bool(
        request.authorization is not None
        or SESSION_COOKIE in request.cookies
        or request.environ.get(IDENTITY_KEY) is not None
        or "Set-Cookie" in response.headers
    )


def _static(request):
    # add_static_view's routes are named "__<name>/".
    route = getattr(request, "matched_route", None)
    return route is not None and route.name.startswith("__")


class SecurityHeaders:
    """The tween (see the module doc)."""

    def __init__(self, handler, registry):
        self.handler = handler
        settings = registry.app_settings
        url = public_url(settings.public_url)
        self.environ = _environ_from_url(url) if url else None
        self.headers = dict(FIXED_HEADERS)
        if settings.hsts:
            self.headers["Strict-Transport-Security"] = HSTS

    def __call__(self, request):
        if self.environ is not None:
            request.environ.update(self.environ)
        response = self.handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.update(self.headers)
        if not _static(request) and _personal(request, response):
            response.cache_control = "no-store"
        return response


def includeme(config):
    public_url(config.registry.app_settings.public_url)  # a malformed address stops start-up, not a request
    config.add_tween("partnership_cms.security.headers.SecurityHeaders", under=INGRESS)
