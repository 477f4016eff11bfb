"""Running the application's services outside a web request (CLI, demo, tests).

``app_request`` gives a request bound to the app's registry, a ZODB
connection and an explicit transaction: committed when the block ends,
aborted on error. ``act_as`` makes the services see a given user, so
scripted steps are recorded in the audit trail under a real name.
"""
from contextlib import contextmanager

from pyramid.paster import get_app, get_appsettings, setup_logging
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import manager

from . import configure
from .content import root_factory
from .security.policy import IDENTITY_KEY


@contextmanager
def app_request(registry, *, root_required=True):
    """A request with its own transaction; commits when the block ends."""
    request = Request.blank("/", base_url="http://127.0.0.1:6543")
    request.registry = registry
    apply_request_extensions(request)
    manager.push({"registry": registry, "request": request})
    try:
        request.tm.begin()
        if root_required:
            request.root = root_factory(request)
        try:
            yield request
        except BaseException:
            request.tm.abort()
            raise
        else:
            request.tm.commit()
    finally:
        request._process_finished_callbacks()
        manager.pop()


def load_app(ini_path, check=True):
    """The WSGI app of an .ini file, with logging set up as it says."""
    setup_logging(ini_path)
    if check:
        return get_app(ini_path)
    return configure(get_appsettings(ini_path)).make_wsgi_app()


def act_as(request, user):
    """Let the following service calls on ``request`` act as ``user`` (None: anonymous)."""
    request.environ[IDENTITY_KEY] = user
