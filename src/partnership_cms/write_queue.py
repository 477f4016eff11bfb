"""One writing request at a time per process, and per database where the
processes share a lock; reads never wait.

Python runs one thread at a time anyway (the GIL), so letting the threads of
a process write side by side buys almost no speed. It only makes their
transactions collide on the small objects every write touches (the case
counter, the catalog's index buckets, the audit trail's trees): each
collision is a ZODB conflict that costs a retry of the whole request, and
the colliding connections reload each other's changes. Queueing writes here,
outside the transaction (a tween over pyramid_tm), lets them begin one after
another, each after the one before has committed; measured with 4 threads,
a transition POST went from ~300 to ~500 requests/s with no retries left
(``bench/api_bench.py``).

Several server processes on one storage (ZEO, RelStorage) collide the same
way, and on two cores the retries cost more than the second process gains
(``docs/operations.md``). ``partnership_cms.write_lock`` makes them take
their turns together: ``file:/var/lib/pcms/write.lock`` (processes on one
host: an flock on that file) or ``postgresql://…`` (processes on any host: a
PostgreSQL advisory lock, on a connection of its own). The lock only saves
the work a conflict would throw away; correctness never rests on it (a write
that still meets a conflict is retried), so a lock that cannot be taken is
logged and the write goes on without it.

A write is any POST, PUT, PATCH or DELETE, except a log-in: its argon2id
hashing takes about a tenth of a second on purpose and would hold up every
other write; log-ins keep relying on the retries.

``partnership_cms.write_queue = false`` turns the queue off (the tests use it
to make two writes of one process collide, as two processes would).
"""
import contextlib
import fcntl
import logging
import threading

import psycopg2

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_VIEWS = frozenset({"@login", "login"})
# The advisory lock's key: any number, the same in every process of one database.
ADVISORY_KEY = 0x70636D73  # "pcms"
# An unreachable database, or a holder that hangs, costs a write this long before
# it goes on without the lock (then as without one: ZODB's conflicts still order it).
CONNECT_SECONDS = 5
WAIT_SECONDS = 30

log = logging.getLogger(__name__)


def is_write(request):
    return request.method in WRITE_METHODS and request.path_info.strip("/") not in LOGIN_VIEWS


class FileLock:
    """An exclusive flock on one file, for the processes of one host."""

    def __init__(self, path):
        self.path = path
        self.file = None

    def __enter__(self):
        if self.file is None:
            self.file = open(self.path, "ab")  # noqa: SIM115  (kept open for the process's life)
        fcntl.flock(self.file, fcntl.LOCK_EX)

    def __exit__(self, *_exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None


class PostgresLock:
    """A PostgreSQL advisory lock, for processes on any host. One connection per
    process, used by one thread at a time (under the process's own lock)."""

    def __init__(self, dsn, wait_seconds=WAIT_SECONDS):
        self.dsn = dsn
        self.wait_seconds = wait_seconds
        self.connection = None
        self.held = False

    def __enter__(self):
        for attempt in (1, 2):  # a connection that went away is made again once
            try:
                if self.connection is None:
                    self.connection = psycopg2.connect(self.dsn, connect_timeout=CONNECT_SECONDS)
                    self.connection.autocommit = True
                    with self.connection.cursor() as cursor:
                        # A holder that hangs holds up the others this long at most.
                        cursor.execute("SET lock_timeout = %s", (f"{self.wait_seconds}s",))
                with self.connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
                self.held = True
                return
            except psycopg2.Error as error:
                self.close()
                if attempt == 2:
                    log.warning("write lock not taken (%s); the write goes on without it", error)

    def __exit__(self, *_exc):
        if not self.held:
            return
        self.held = False
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
        except psycopg2.Error:
            self.close()  # the lock went with its connection

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(psycopg2.Error):
                self.connection.close()
        self.connection = None



def shared_lock(setting):
    """The lock the ``write_lock`` setting names (nothing shared when empty)."""
    if not setting:
        return contextlib.nullcontext()
    if setting.startswith("file:"):
        return FileLock(setting[len("file:"):])
    if setting.startswith(("postgresql://", "postgres://")):
        return PostgresLock(setting)
    raise ValueError(f"partnership_cms.write_lock must be empty, file:/path or postgresql://…, not {setting!r}")


class WriteQueue:
    """The tween: writing requests of this process take one lock in turn, then the shared one."""

    def __init__(self, handler, registry):
        self.handler = handler
        self.lock = threading.Lock()
        self.shared = shared_lock(registry.app_settings.write_lock)

    def __call__(self, request):
        if not is_write(request):
            return self.handler(request)
        with self.lock, self.shared:
            return self.handler(request)


def includeme(config):
    if config.registry.app_settings.write_queue:
        config.add_tween("partnership_cms.write_queue.WriteQueue", over="pyramid_tm.tm_tween_factory")
