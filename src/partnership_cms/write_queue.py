"""One writing request at a time per process; reads never wait.

Python runs one thread at a time anyway (the GIL), so letting the threads of
a process write side by side buys almost no speed. It only makes their
transactions collide on the small objects every write touches (the case
counter, the catalog's index buckets, the audit trail's trees): each
collision is a ZODB conflict that costs a retry of the whole request, and
the colliding connections reload each other's changes. Queueing writes here,
outside the transaction (a tween over pyramid_tm), lets them begin one after
another, each after the one before has committed; measured with 4 threads,
a transition POST went from ~300 to ~500 requests/s with no retries left
(``bench/api_bench.py``). Several server processes still conflict with each
other and rely on pyramid_retry.

A write is any POST, PUT, PATCH or DELETE, except a log-in: its argon2id
hashing takes about a tenth of a second on purpose and would hold up every
other write; log-ins keep relying on the retries.

``partnership_cms.write_queue = false`` turns the queue off (the tests use it
to make two writes of one process collide, as two processes would).
"""
import threading

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_VIEWS = frozenset({"@login", "login"})


def is_write(request):
    return request.method in WRITE_METHODS and request.path_info.strip("/") not in LOGIN_VIEWS


class WriteQueue:
    """The tween: writing requests of this process take one lock in turn."""

    def __init__(self, handler, registry):
        self.handler = handler
        self.lock = threading.Lock()

    def __call__(self, request):
        if not is_write(request):
            return self.handler(request)
        with self.lock:
            return self.handler(request)


def includeme(config):
    if config.registry.app_settings.write_queue:
        config.add_tween("partnership_cms.write_queue.WriteQueue", over="pyramid_tm.tm_tween_factory")
