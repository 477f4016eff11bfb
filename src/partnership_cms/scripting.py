"""Running the application's services outside a web request (CLI, demo, tests).

``app_request`` gives a request bound to the app's registry, a ZODB
connection and an explicit transaction: committed when the block ends,
aborted on error. ``act_as`` makes the services see a given user, so
scripted steps are recorded in the audit trail under a real name.
"""
from contextlib import contextmanager

from pyramid.paster import get_appsettings, setup_logging
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import manager

from . import check_database, configure
from .content import root_factory
from .memory import return_large_blocks_to_the_system
from .security.policy import IDENTITY_KEY
from .storage import read_only_settings


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


def load_app(ini_path, check=True, read_only=False):
    """The WSGI app of an .ini file, with logging set up as it says.

    ``check`` refuses a database that is empty or older than the code
    (``evolve.DatabaseNotReady``). ``read_only`` opens the database read-only
    (``storage.read_only_settings``): for commands that only read, so that
    they work while a server holds the FileStorage's lock. A database locked
    by another process raises ``storage.LockError`` for the caller to word.
    """
    setup_logging(ini_path)
    return_large_blocks_to_the_system()  # as main() does: password hashing's 19 MiB
    settings = get_appsettings(ini_path)
    if read_only:
        settings = read_only_settings(settings)
    app = configure(settings).make_wsgi_app()
    if check:
        try:
            check_database(app.registry, ini_path)
        except BaseException:
            for db in app.registry._zodb_databases.values():
                db.close()
            raise
    return app


def act_as(request, user):
    """Let the following service calls on ``request`` act as ``user`` (None: anonymous)."""
    request.environ[IDENTITY_KEY] = user
