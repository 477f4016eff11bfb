"""partnership-cms: the Pyramid application factory.

One ordered include list; each feature wires itself in its ``includeme``.
"""
import datetime
import os

import transaction
from pyramid.config import Configurator
from pyramid.renderers import JSON
from pyramid_zodbconn import get_connection  # noqa: F401  (re-exported for scripts)
from ZODB.interfaces import IBlobStorage

from .evolve import DatabaseNotReady, check_version
from .memory import return_large_blocks_to_the_system
from .schema import get_schemas
from .storage import LockError, in_use

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))


def configure(settings):
    """Build the Configurator (without checking the database)."""
    settings = dict(settings)
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("pyramid.default_locale_name", "sv")
    settings.setdefault("retry.attempts", "5")
    # pyramid_tm would ask for the user before traversal has found the root;
    # the audit trail records who did what instead.
    settings.setdefault("tm.annotate_user", "false")
    config = Configurator(settings=settings)
    # Our own settings, parsed once (registry.app_settings, request.app_settings).
    config.include(".settings")
    # Transactions and retries first: every later feature writes inside them.
    config.include("pyramid_retry")
    config.include(".retry")
    config.include("pyramid_tm")
    config.include(".write_queue")
    config.include("pyramid_zodbconn")
    config.include("pyramid_chameleon")
    # Security before any view: default permission, CSRF, session, policy.
    config.include(".security")
    # Schemas and workflows define directives; load the data right after.
    config.include(".schema")
    config.load_schemas(config.registry.app_settings.schemas)
    # The catalog and the audit trail subscribe to the content events.
    config.include(".catalog")
    config.include(".audit")
    # The bodies (bodies/*.yaml) before the workflow: its guards ask them.
    config.include(".bodies")
    config.include(".workflow")
    config.load_workflows(config.registry.app_settings.workflows)
    config.include(".content")
    # Meetings add the Meeting workflow's steps and check bodies against the workflows.
    config.include(".meetings")
    # The anslagstavla's workflow actions (protocol posting, legal force) and its subscriber.
    config.include(".notices")
    config.include(".api")
    # HTML views after the API: same URLs, chosen by the Accept header.
    config.include(".views")
    # JSON with å/ä/ö as themselves, dates as ISO 8601.
    json_renderer = JSON(ensure_ascii=False)
    json_renderer.add_adapter(datetime.date, lambda value, request: value.isoformat())
    config.add_renderer("json", json_renderer)
    return config


def main(global_config, **settings):
    """The paste app factory used by ``pserve``."""
    return_large_blocks_to_the_system()  # password hashing's 19 MiB, see memory.py
    try:
        config = configure(settings)
    except LockError:  # a second server (or a writing command) on the same Data.fs
        raise SystemExit("partnership-cms will not start: " + in_use(settings)) from None
    app = config.make_wsgi_app()
    try:
        ini_path = global_config.get("__file__", "development.ini")
        check_database(app.registry, ini_path)
        check_blob_storage(app.registry, ini_path)
    except DatabaseNotReady as e:
        raise SystemExit(f"partnership-cms will not start: {e}") from None
    return app


def check_blob_storage(registry, ini_path):
    """Refuse to serve when a type takes files (bilagor) but the database has no
    blob storage: an upload would otherwise fail only when it is committed.
    (Commands store no files and need none.)"""
    takes_files = sorted(s.type_name for s in get_schemas(registry).values()
                         if s.presentation.files is not None)
    if takes_files and not IBlobStorage.providedBy(registry._zodb_databases[""].storage):
        raise DatabaseNotReady(
            f"{', '.join(takes_files)} take files (bilagor), but the database has no blob storage: "
            f"add blobstorage_dir=... to zodbconn.uri in {os.path.basename(ini_path)}")


def check_database(registry, ini_path):
    """Refuse to serve a database that is empty or older than the code."""
    db = registry._zodb_databases[""]
    manager = transaction.TransactionManager(explicit=True)
    conn = db.open(manager)
    try:
        with manager:
            check_version(conn.root(), os.path.basename(ini_path), registry)
    finally:
        conn.close()
