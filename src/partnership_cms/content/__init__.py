"""Content types: persistent classes, services that create and edit them, numbering."""
from pyramid_zodbconn import get_connection

APP_KEY = "partnership_cms"  # the application root's key in the ZODB root


class DatabaseNotReady(Exception):
    """The database is empty or older than the code."""


def app_root(zodb_root):
    """The application root in a ZODB root mapping, or None."""
    return zodb_root.get(APP_KEY)


def root_factory(request):
    """The application root in ZODB (traversal starts here)."""
    root = app_root(get_connection(request).root())
    if root is None:
        raise DatabaseNotReady("The database is empty. Run: partnership-cms init <ini>")
    return root


def includeme(config):
    config.set_root_factory(root_factory)
