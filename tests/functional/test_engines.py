"""The commands on ZEO and on RelStorage/PostgreSQL, chosen by ``zodbconn.uri`` alone.

Each test runs once per engine (the ``engine`` fixture, tests/engines.py): a
ZEO server of its own, or a fresh PostgreSQL database. The app stays open on
the storage while the commands run, as a server would: on these engines a
command is a second client, never refused. Blobs: ZEO shares the server's
blob folder; RelStorage keeps them in the database, each client with a
cache folder of its own."""
import contextlib
import hashlib
import os

import zodburi

import engines
from conftest import Api, close_app, make_settings, write_ini
from partnership_cms import cli, configure
from partnership_cms.audit import verify_all
from partnership_cms.catalog.check import content_objects
from partnership_cms.demo import SEED_FILE
from partnership_cms.scripting import app_request

from .test_attachments import PDF
from .test_concurrency import PROPOSAL


def settings_on(engine, tmp_path, client="main", **overrides):
    return make_settings(tmp_path, **{"zodbconn.uri": engine.uri(client), **overrides})


@contextlib.contextmanager
def served(settings):
    """The WSGI app on the storage, as a server process holds it; closed at the end."""
    app = configure(settings).make_wsgi_app()
    try:
        yield app
    finally:
        close_app(app)


def census(app):
    """Every content path, the number of audit entries, and whether the trail verifies."""
    with app_request(app.registry) as request:
        root = request.root
        return sorted(content_objects(root)), sum(1 for _ in root.audit_log.items()), verify_all(root).ok


def test_the_uri_names_the_engine(engine, tmp_path):
    storage_factory, _dbkw = zodburi.resolve_uri(engine.uri())
    storage = storage_factory()
    try:
        assert type(storage).__name__ == {"zeo": "ClientStorage", "relstorage": "RelStorage"}[engine.name]
    finally:
        storage.close()


def test_every_command_works_on_the_engine_beside_a_running_app(engine, tmp_path, capsys):
    ini = write_ini(tmp_path, **{"zodbconn.uri": engine.uri("command"), "partnership_cms.demo": "true"})
    assert cli.main(["init", ini]) == 0
    assert "Demo users created" in capsys.readouterr().out
    assert cli.main(["init", ini]) == 0
    assert "exists already" in capsys.readouterr().out

    with served(settings_on(engine, tmp_path, "server")) as app:
        api = Api(app)
        seed = "/" + api.get("/@search?portal_type=Proposal", user="officer").json["items"][0]["@id"] \
            .split("//", 1)[1].split("/", 1)[1]
        uploaded = api.test.post(f"{seed}/@attachments", {"number": "1"},
                                 upload_files=[("file", "förstudie.pdf", PDF)],
                                 headers={"Authorization": "Bearer " + api.login("clerk"),
                                          "Accept": "application/json"}, status=201).json
        draft = api.post("/proposals", PROPOSAL, user="officer", status=201).json["@id"] \
            .replace("http://localhost", "")
        for n in range(5):  # old revisions for the pack to drop
            api.patch(draft, {"background": f"Version {n}"}, user="officer")
        api.transition(draft, "submit", "officer")

        # Commands beside the running app: evolve, import, verify, check, pack.
        assert cli.main(["evolve", ini]) == 0
        assert "up to date" in capsys.readouterr().out
        assert cli.main(["import", ini, SEED_FILE]) == 0
        imported = capsys.readouterr().out.split(" → ")[1].split(" ")[0]
        paths, entries, ok = census(app)  # the app sees the command's import
        assert ok and imported in paths and draft in paths
        assert cli.main(["audit-verify", ini]) == 0
        assert "The audit trail is intact" in capsys.readouterr().err
        assert cli.main(["check-catalog", ini]) == 0
        assert "The catalog agrees with the" in capsys.readouterr().out
        assert cli.main(["pack", ini, "--days", "0"]) == 0
        assert "Packed: revisions older than 0.0 days are gone" in capsys.readouterr().out

        # The app goes on after the pack and sees everything.
        assert census(app) == (paths, entries, True)
        file = api.get(uploaded["@id"].replace("http://localhost", ""), user="officer")
        assert hashlib.sha256(file.body).hexdigest() == hashlib.sha256(PDF).hexdigest()
        api.transition(draft, "approve", "director")

    # A new process (a fresh client, a fresh blob cache) reads the packed storage whole.
    with served(settings_on(engine, tmp_path, "after")) as app:
        paths_after, entries_after, ok = census(app)
        assert (paths_after, ok) == (paths, True)
        assert entries_after > entries  # and the approval's
        file = Api(app).get(uploaded["@id"].replace("http://localhost", ""), user="officer")
        assert file.body == PDF
    assert cli.main(["check-catalog", ini]) == 0


def zconfig_text(engine, tmp_path):
    """The same storage described in a ZConfig file (``zodbconn.uri = zconfig://FILE``)."""
    cache = os.path.join(str(tmp_path), "blobcache-zconfig")
    if engine.name == "zeo":
        return ("%import ZEO\n<zodb>\n  cache-size 20000\n  <zeoclient>\n"
                f"    server 127.0.0.1:{engine.zeo.port}\n    blob-dir {engine.zeo.blob_dir}\n"
                "    shared-blob-dir true\n  </zeoclient>\n</zodb>\n")
    return ("%import relstorage\n<zodb>\n  cache-size 20000\n  <relstorage>\n"
            f"    blob-dir {cache}\n    shared-blob-dir false\n    <postgresql>\n"
            f"      dsn host=127.0.0.1 port={engine.postgres.port} dbname={engine.dbname} user=postgres\n"
            "    </postgresql>\n  </relstorage>\n</zodb>\n")


def test_a_zconfig_file_names_the_engine(engine, tmp_path, capsys):
    conf = tmp_path / "storage.conf"
    conf.write_text(zconfig_text(engine, tmp_path), encoding="utf-8")
    ini = write_ini(tmp_path, **{"zodbconn.uri": f"zconfig://{conf}", "partnership_cms.demo": "true"})
    assert cli.main(["init", ini]) == 0
    assert cli.main(["audit-verify", ini]) == 0
    assert cli.main(["check-catalog", ini]) == 0
    # The same database, opened through its URI.
    with served(settings_on(engine, tmp_path)) as app:
        paths, entries, ok = census(app)
        assert ok and entries > 0 and any(p.startswith("/proposals/") for p in paths)


def test_a_throwaway_cluster_serves_where_no_postgresql_answers(tmp_path, capsys):
    """The fallback of a fresh machine: Debian's binaries, a free port, as nobody when root."""
    bindir = engines.postgres_binaries()
    if bindir is None:
        engines.unavailable("Debian's postgresql binaries are not installed (make packages)")
    cluster = engines.ThrowawayCluster(bindir).start()
    try:
        postgres = engines.Postgres.__new__(engines.Postgres)
        postgres.port, postgres.cluster = cluster.port, None
        dbname = postgres.create_database()
        uri = engines.relstorage_uri(cluster.port, dbname, str(tmp_path / "blobcache"))
        ini = write_ini(tmp_path, **{"zodbconn.uri": uri, "partnership_cms.demo": "true"})
        assert cli.main(["init", ini]) == 0
        assert cli.main(["audit-verify", ini]) == 0
        postgres.drop_database(dbname)
    finally:
        cluster.stop()
    assert not os.path.exists(cluster.folder)
