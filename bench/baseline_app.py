"""A bare Pyramid + ZODB app on the same stack as partnership-cms, for scale.

Same transaction set-up (pyramid_tm with the explicit manager, pyramid_retry,
pyramid_zodbconn with a FileStorage URI, or any zodburi URI: ZEO, RelStorage),
no security, no catalog, no audit:

- ``GET /page?start=N``: 50 rows of JSON read from an OOBTree of small
  persistent objects (the "bare page");
- ``POST /items/<key>``: changes one small persistent object and commits
  (the "bare commit"; the client picks a different key per request).

Used by ``bench/harness.py``; it can also be run by hand::

    python bench/baseline_app.py build /tmp/base/Data.fs
    python bench/baseline_app.py serve /tmp/base/Data.fs --port 6590
    python bench/baseline_app.py serve 'zeo://127.0.0.1:8100?storage=bare' --port 6590
"""
import argparse
import json
import sys

from BTrees.OOBTree import OOBTree
from persistent import Persistent

ITEMS = 10_000
PAGE = 50
APP_KEY = "baseline"


class Item(Persistent):
    def __init__(self, key, n):
        self.key = key
        self.title = f"Item {n}"
        self.n = n
        self.hits = 0
        self.note = ""


class BaseRoot(Persistent):
    def __init__(self):
        self.items = OOBTree()


# Pickles name the classes ``baseline_app.Item``, whether this file runs as a
# script (``__main__``) or is imported by harness.py.
Item.__module__ = BaseRoot.__module__ = "baseline_app"
sys.modules.setdefault("baseline_app", sys.modules[__name__])


def item_key(n):
    return f"item-{n:06d}"


def uri(db):
    """``db`` itself where it is a URI, else the FileStorage at that path with
    the same connection parameters as development.ini."""
    return db if "://" in db else f"file://{db}?connection_cache_size=20000"


def build(db_path, items=ITEMS):
    """Create the database (a path or a URI): ``items`` small persistent objects in one OOBTree."""
    import transaction
    import ZODB
    import zodburi

    storage_factory, dbkw = zodburi.resolve_uri(uri(db_path))
    db = ZODB.DB(storage_factory(), **dbkw)
    try:
        tm = transaction.TransactionManager(explicit=True)
        conn = db.open(tm)
        with tm:
            root = conn.root()[APP_KEY] = BaseRoot()
        for start in range(0, items, 2000):
            with tm:
                for n in range(start, min(items, start + 2000)):
                    root.items[item_key(n)] = Item(item_key(n), n)
        conn.close()
    finally:
        db.close()


def root_factory(request):
    from pyramid_zodbconn import get_connection

    return get_connection(request).root()[APP_KEY]


def page_view(request):
    try:
        start = int(request.GET.get("start", 0)) % ITEMS
    except ValueError:
        start = 0
    rows = []
    for item in request.root.items.values(min=item_key(start)):
        rows.append({"key": item.key, "title": item.title, "n": item.n, "hits": item.hits})
        if len(rows) == PAGE:
            break
    return {"items": rows, "start": start, "b_size": PAGE}


def commit_view(request):
    item = request.root.items.get(request.matchdict["key"])
    if item is None:
        request.response.status = 404
        return {"message": "no such item"}
    body = json.loads(request.body or b"{}")
    item.hits += 1
    item.note = str(body.get("note", ""))[:200]
    return {"key": item.key, "hits": item.hits}


def make_app(db_path):
    from pyramid.config import Configurator

    settings = {
        "zodbconn.uri": uri(db_path),
        "tm.manager_hook": "pyramid_tm.explicit_manager",
        "retry.attempts": "3",
        "tm.annotate_user": "false",
    }
    config = Configurator(settings=settings, root_factory=root_factory)
    config.include("pyramid_retry")
    config.include("pyramid_tm")
    config.include("pyramid_zodbconn")
    config.add_route("page", "/page")
    config.add_route("commit", "/items/{key}")
    config.add_view(page_view, route_name="page", request_method="GET", renderer="json")
    config.add_view(commit_view, route_name="commit", request_method="POST", renderer="json")
    return config.make_wsgi_app()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build")
    p.add_argument("db")
    p.add_argument("--items", type=int, default=ITEMS)
    p = sub.add_parser("serve")
    p.add_argument("db")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args.db, args.items)
        return 0
    import waitress

    app = make_app(args.db)
    # Only ever the loopback interface.
    waitress.serve(app, host="127.0.0.1", port=args.port, threads=args.threads, _quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
