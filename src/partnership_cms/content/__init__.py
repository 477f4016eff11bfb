"""Content types: persistent classes, services that create and edit them, numbering."""
from pyramid_zodbconn import get_connection


def root_factory(request):
    """The application root in ZODB (traversal starts here)."""
    from ..evolve import DatabaseNotReady, app_root

    root = app_root(get_connection(request).root())
    if root is None:
        raise DatabaseNotReady("The database is empty. Run: partnership-cms init <ini>")
    return root


def includeme(config):
    config.set_root_factory(root_factory)
