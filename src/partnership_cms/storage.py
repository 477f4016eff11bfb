"""Opening the database from a second process: read-only, or a clear refusal.

FileStorage lets one process write ``Data.fs`` at a time: it holds
``Data.fs.lock`` (``zc.lockfile``) while open, and a second writer gets a
``LockError``. A read-only FileStorage takes no lock (ZODB's
``FileStorage.__init__`` only locks when not ``read_only``) and reads the file
up to its last committed transaction (it stops at a transaction still being
written), so commands that only read, such as ``audit-verify``, open it
read-only and work while the server runs. Commands that write refuse with one
line naming what to do instead (``in_use``).

ZEO (``zeo://``) and RelStorage on PostgreSQL (``postgres://``, or either in a
``zconfig://`` file) are made for several processes: every server process and
every command opens the same storage at once, so none of them is refused, and
nothing here is needed for them except the read-only open (it keeps a
command that only reads from ever writing). See docs/operations.md.
"""
from urllib.parse import urlsplit

from zc.lockfile import LockError  # noqa: F401  (what a locked Data.fs raises; callers catch it)

# The zodburi schemes whose URI takes read_only=1: FileStorage, ZEO, RelStorage on PostgreSQL.
READ_ONLY_SCHEMES = ("file", "zeo", "postgres")


def read_only_settings(settings):
    """``settings`` with the database opened read-only (file://, zeo:// and postgres://
    URIs; a zconfig:// file says ``read-only true`` itself if it wants to)."""
    settings = dict(settings)
    uri = settings.get("zodbconn.uri", "")
    if urlsplit(uri).scheme in READ_ONLY_SCHEMES:
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
