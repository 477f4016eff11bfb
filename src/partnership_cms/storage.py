"""Opening the database from a second process: read-only, or a clear refusal.

FileStorage lets one process write ``Data.fs`` at a time: it holds
``Data.fs.lock`` (``zc.lockfile``) while open, and a second writer gets a
``LockError``. A read-only FileStorage takes no lock (ZODB's
``FileStorage.__init__`` only locks when not ``read_only``) and reads the file
up to its last committed transaction (it stops at a transaction still being
written), so commands that only read, such as ``audit-verify``, open it
read-only and work while the server runs. Commands that write refuse with one
line naming what to do instead (``in_use``).
"""
from urllib.parse import urlsplit

from zc.lockfile import LockError  # noqa: F401  (what a locked Data.fs raises; callers catch it)


def read_only_settings(settings):
    """``settings`` with the database opened read-only (file:// and zeo:// URIs)."""
    settings = dict(settings)
    uri = settings.get("zodbconn.uri", "")
    if urlsplit(uri).scheme in ("file", "zeo"):
        settings["zodbconn.uri"] = uri + ("&" if "?" in uri else "?") + "read_only=1"
    return settings


def database_path(settings):
    """The Data.fs a file:// URI names (for messages), else the URI without its query."""
    uri = settings.get("zodbconn.uri", "")
    parts = urlsplit(uri)
    return parts.path if parts.scheme == "file" else uri.split("?", 1)[0]


def in_use(settings, advice=""):
    """The one line printed when the database is locked by another process."""
    line = (f"The database {database_path(settings)} is in use by another process "
            "(a running server or command); FileStorage lets one process open it at a time.")
    return line + (" " + advice if advice else "")
