"""The database's evolve step: the app refuses to serve an empty or older
database, naming the command that fixes it, and ``partnership-cms evolve``
brings an older one up to date."""
import datetime
import os
import shutil
from contextlib import contextmanager

import pytest
import transaction
import ZODB
from pyramid.traversal import find_resource

import partnership_cms
from conftest import PROJECT, Api, close_app, make_app, make_settings, write_ini
from partnership_cms import cli, configure
from partnership_cms.audit import verify_all
from partnership_cms.audit.log import AuditEntry, StoredEntry, index_action, shard_of
from partnership_cms.catalog import pending
from partnership_cms.content.models import ContentFolder, Frozen, Root
from partnership_cms.evolve import (
    APP_KEY,
    LATEST,
    STEPS,
    DatabaseNotReady,
    check_version,
    step_1_create_structure,
    step_13_catalog_values_packed,
    step_14_small_maps_inside_their_object,
    step_15_paragraph_counters_cover_every_decision,
    step_16_catalog_digests_in_kept_values,
)
from partnership_cms.scripting import app_request


@contextmanager
def stored_root(tmp_path):
    """The application root straight from Data.fs; committed when the block ends."""
    db = ZODB.DB(str(tmp_path / "Data.fs"))
    try:
        with transaction.manager:
            yield db.open().root()[APP_KEY]
    finally:
        db.close()


def start(monkeypatch, tmp_path, **overrides):
    """``main()`` as pserve calls it; returns the app (its database closed again)."""
    opened = []
    check = partnership_cms.check_database

    def checking(registry, ini_path):
        opened.append(registry)
        return check(registry, ini_path)

    monkeypatch.setattr(partnership_cms, "check_database", checking)
    try:
        global_config = {"__file__": str(tmp_path / "production.ini")}
        return partnership_cms.main(global_config, **make_settings(tmp_path, **overrides))
    finally:
        for registry in opened:
            registry._zodb_databases[""].close()


def run_cli(tmp_path, *argv):
    """``partnership-cms <command> <ini> [...]`` in this process, on the test's Data.fs."""
    return cli.main([argv[0], write_ini(tmp_path, "production.ini"), *argv[1:]])


def new_database(tmp_path, **overrides):
    """A database at the newest step (no demo data), closed again."""
    make_app(tmp_path, demo=False, **overrides).registry._zodb_databases[""].close()


def demo_database_in_its_indexes(tmp_path):
    """The demo database with every document in the value indexes, as the steps
    before the pending documents (``catalog/pending.py``) left each catalog; closed again."""
    make_app(tmp_path).registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:
        pending.move_into_indexes(root.catalog)


def test_an_empty_database_refuses_to_serve(tmp_path, monkeypatch):
    with pytest.raises(SystemExit) as refused:
        start(monkeypatch, tmp_path)
    assert "partnership-cms init production.ini" in str(refused.value)

    app = configure(make_settings(tmp_path)).make_wsgi_app()
    try:
        with pytest.raises(DatabaseNotReady, match="partnership-cms init other.ini"):
            partnership_cms.check_database(app.registry, "/etc/pcms/other.ini")
    finally:
        app.registry._zodb_databases[""].close()


def test_an_older_database_refuses_naming_evolve(tmp_path, monkeypatch):
    new_database(tmp_path)
    with stored_root(tmp_path) as root:
        root.evolve_version = 1

    with pytest.raises(SystemExit) as refused:
        start(monkeypatch, tmp_path)
    message = str(refused.value)
    assert "step 1" in message and f"needs {LATEST}" in message
    assert "partnership-cms evolve production.ini" in message


def test_evolve_brings_it_up_to_date_and_records_the_step(tmp_path, monkeypatch, capsys):
    new_database(tmp_path)
    with stored_root(tmp_path) as root:
        root.evolve_version = 1

    assert run_cli(tmp_path, "evolve") == 0
    later = [number for number, _ in STEPS if number > 1]
    assert f"Applied evolve steps {later}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        assert root.evolve_version == LATEST
    assert start(monkeypatch, tmp_path) is not None  # serves now

    assert run_cli(tmp_path, "evolve") == 0
    assert "up to date" in capsys.readouterr().out


def test_a_database_newer_than_the_code_refuses(tmp_path):
    root = Root()
    root.evolve_version = LATEST + 1
    with pytest.raises(DatabaseNotReady, match="newer than this code"):
        check_version({APP_KEY: root})
    root.evolve_version = LATEST
    check_version({APP_KEY: root})


def test_step_2_adds_the_folder_of_a_new_content_type(tmp_path, monkeypatch, capsys):
    # The database was made at step 1 by a version that had no Amendment type.
    old = {}
    for kind in ("schemas", "workflows"):
        old[kind] = tmp_path / "old" / kind
        shutil.copytree(os.path.join(PROJECT, kind), old[kind])
        (old[kind] / "amendment.yaml").unlink()
    settings = {"partnership_cms.schemas": str(old["schemas"]),
                "partnership_cms.workflows": str(old["workflows"])}
    old_app = configure(make_settings(tmp_path, **settings)).make_wsgi_app()
    try:
        with app_request(old_app.registry, root_required=False) as request:
            from pyramid_zodbconn import get_connection

            root = get_connection(request).root()[APP_KEY] = Root()
            step_1_create_structure(root, old_app.registry)
            root.evolve_version = 1
    finally:
        old_app.registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:
        assert "amendments" not in root and "agreements" in root

    assert run_cli(tmp_path, "evolve") == 0

    with stored_root(tmp_path) as root:
        assert root.evolve_version == LATEST
        folder = root["amendments"]
        assert isinstance(folder, ContentFolder) and folder.type_name == "Amendment"
        assert len(root["agreements"]) == 0  # the folders that were there are untouched
    app = start(monkeypatch, tmp_path)
    assert app is not None


def test_a_type_added_after_step_2_is_noticed_and_evolve_adds_its_folder(tmp_path):
    """A new schema type needs no new evolve step: start-up names the command, evolve adds the folder."""
    from partnership_cms import check_database
    from partnership_cms.evolve import evolve

    app = make_app(tmp_path, demo=False)
    with app_request(app.registry) as request:
        del request.root._items["amendments"]
        request.root._count.change(-1)
    with pytest.raises(DatabaseNotReady, match="partnership-cms evolve"):
        check_database(app.registry, "development.ini")
    with app_request(app.registry) as request:
        assert evolve(request.root, app.registry) == []
        assert "amendments" in request.root
    check_database(app.registry, "development.ini")
    app.registry._zodb_databases[""].close()


def steps_from(number):
    """The evolve steps from ``number`` on (numbers are reserved per helper, so they may skip)."""
    return [n for n, _step in STEPS if n >= number]


def to_old_audit_layout(log):
    """The audit log as steps 1-3 stored it: entry dicts inside the ``entries``
    buckets, one ``by_time`` tree of (time, chain, seq), one ``by_actor`` tree
    of (actor, time, chain, seq)."""
    from BTrees.OOBTree import OOBTree

    by_time, by_actor = OOBTree(), OOBTree()
    for (chain, seq), record in list(log.entries.items()):
        entry = dict(record.data)
        log.entries[(chain, seq)] = entry
        by_time[(entry["time"], chain, seq)] = None
        by_actor[(entry.get("actor") or "", entry["time"], chain, seq)] = None
    del log.time_shards, log.actors
    log.by_time, log.by_actor = by_time, by_actor


def test_step_4_moves_the_audit_log_to_its_new_layout(tmp_path, monkeypatch, capsys):
    from partnership_cms.audit import verify_all
    from partnership_cms.audit.log import TIME_SHARDS, StoredEntry
    from partnership_cms.evolve import step_4_audit_log_layout

    make_app(tmp_path).registry._zodb_databases[""].close()  # demo users and the seed case
    with stored_root(tmp_path) as root:
        log = root.audit_log
        log.seal("test")
        before = {"all": list(log.find()), "officer": list(log.find(actor="officer")),
                  "verify": verify_all(root).as_dict()}
        assert before["verify"]["valid"] and before["verify"]["seals"] == 1
        to_old_audit_layout(log)
        root.evolve_version = 3
    with stored_root(tmp_path) as root:
        log = root.audit_log
        assert isinstance(next(iter(log.entries.values())), dict) and "by_time" in log.__dict__

    assert run_cli(tmp_path, "evolve") == 0
    # Step 4 and every later step (5: catalog digests, 6: imports).
    assert f"Applied evolve steps {steps_from(4)}." in capsys.readouterr().out

    with stored_root(tmp_path) as root:
        log = root.audit_log
        assert root.evolve_version == LATEST
        assert "by_time" not in log.__dict__ and "by_actor" not in log.__dict__
        assert all(isinstance(e, StoredEntry) for e in log.entries.values())
        assert len(log.time_shards) == TIME_SHARDS
        assert sum(len(t) for t in log.time_shards) == len(log.entries)
        assert sum(len(t) for t in log.actors.values()) == len(log.entries)
        after = {"all": list(log.find()), "officer": list(log.find(actor="officer")),
                 "verify": verify_all(root).as_dict()}
        assert after == before
        step_4_audit_log_layout(root, None)  # idempotent
        assert list(log.find()) == before["all"] and verify_all(root).as_dict() == before["verify"]
    assert start(monkeypatch, tmp_path) is not None  # serves now


def test_step_4_keeps_tampering_from_before_the_migration_visible(tmp_path):
    from partnership_cms.audit import verify_all
    from partnership_cms.evolve import evolve

    make_app(tmp_path).registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:
        root.audit_log.seal("test")
        to_old_audit_layout(root.audit_log)
        root.evolve_version = 3
        key = next(iter(root.audit_log.by_time.keys()))
        del root.audit_log.by_time[key]  # an index key removed behind the app's back
    app = configure(make_settings(tmp_path)).make_wsgi_app()
    try:
        with app_request(app.registry, root_required=False) as request:
            from pyramid_zodbconn import get_connection

            root = get_connection(request).root()[APP_KEY]
            assert evolve(root, app.registry) == steps_from(4)
            result = verify_all(root).as_dict()
        assert result["valid"] is False
        assert "changed or deleted" in result["first_invalid"]["reason"]
    finally:
        app.registry._zodb_databases[""].close()


def test_step_7_names_the_type_in_the_state_index(tmp_path, capsys):
    from partnership_cms.catalog import search
    from partnership_cms.evolve import step_7_state_keys_name_their_type

    demo_database_in_its_indexes(tmp_path)  # the seed case is in `ks`
    with stored_root(tmp_path) as root:
        state_index = root.catalog.indexes["state"]
        docid = root.catalog.docid_by_path["/proposals/" + next(iter(root["proposals"].keys()))]
        state_index.reindex_doc(docid, type("Old", (), {"state": "ks"})())  # as step 6 left it
        assert state_index._rev_index[docid] == "ks"
        root.evolve_version = 6

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(7)}." in capsys.readouterr().out

    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            assert request.root.catalog.indexes["state"]._rev_index[docid] == "Proposal:ks"
            found, total = search(request, ["role:auditor"], type="Proposal", state="ks")
            assert total == 1 and found[0].state == "ks"
            assert search(request, ["role:auditor"], state=["ks", "draft"])[1] >= 1
            step_7_state_keys_name_their_type(request.root, app.registry)  # idempotent
            assert request.root.catalog.indexes["state"]._rev_index[docid] == "Proposal:ks"
    finally:
        app.registry._zodb_databases[""].close()


def make_app_on_existing(tmp_path):
    """The app on the test's Data.fs as it is (no new users or cases)."""
    return configure(make_settings(tmp_path)).make_wsgi_app()


def test_step_8_puts_the_action_on_the_audit_index_keys(tmp_path, capsys):
    make_app(tmp_path).registry._zodb_databases[""].close()  # the seed case and its trail
    with stored_root(tmp_path) as root:
        log = root.audit_log
        trees = (*log.time_shards, *log.actors.values())
        for tree in trees:  # as written before step 8
            for key in list(tree.keys()):
                tree[key] = None
        transitions = sum(1 for e in log.find() if e["action"] == "transition")
        assert transitions > 0
        root.evolve_version = 7

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(8)}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        log = root.audit_log
        for tree in (*log.time_shards, *log.actors.values()):
            for (_time, chain, seq), value in tree.items():
                assert index_action(value) == log.get(chain, seq)["action"]
        assert sum(1 for _ in log.find_keys(action="transition")) == transitions


def to_step_10_audit_layout(log):
    """The audit log as steps 4-10 stored it: each entry an ``AuditEntry`` record of
    its own, the time index's keys mapping to the bare action."""
    for (chain, seq), stored in list(log.entries.items()):
        log.entries[(chain, seq)] = AuditEntry(stored.data)
    for tree in log.time_shards:
        for key, value in list(tree.items()):
            tree[key] = index_action(value)


def test_step_11_stores_entries_as_bytes_and_keeps_tampering_visible(tmp_path, capsys):
    from partnership_cms.evolve import step_11_audit_entries_as_bytes

    make_app(tmp_path).registry._zodb_databases[""].close()  # demo users and the seed case
    seed = f"/proposals/ks-{datetime.date.today().year}-1"
    with stored_root(tmp_path) as root:
        log = root.audit_log
        log.seal("test")
        before = {"all": list(log.find()), "verify": verify_all(root).as_dict()}
        assert before["verify"]["valid"] and before["verify"]["seals"] == 1
        to_step_10_audit_layout(log)
        # Tampered with before the migration: an entry's content, its hash kept.
        stored = log.entries[(seed, 2)]
        log.entries[(seed, 2)] = AuditEntry(dict(stored.data, actor="director"))
        root.evolve_version = 10
    with stored_root(tmp_path) as root:  # as the previous step left it
        assert isinstance(root.audit_log.entries[(seed, 1)], AuditEntry)

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(11)}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        log = root.audit_log
        assert root.evolve_version == LATEST
        assert all(isinstance(e, StoredEntry) for e in log.entries.values())
        for tree in log.time_shards:
            for (_time, chain, seq), value in tree.items():
                assert value == (log.get(chain, seq)["action"], log.get(chain, seq)["hash"])
        result = verify_all(root).as_dict()
        assert result["valid"] is False
        first = result["first_invalid"]
        assert (first["chain"], first["seq"], first["code"]) == (seed, 2, "entry_altered")
        # Undo the tampering (the bytes of the entry as it was): the trail verifies
        # exactly as before the migration, entries and seal included.
        log.entries[(seed, 2)] = StoredEntry.of(before_entry(before["all"], seed, 2))
        assert verify_all(root).as_dict() == before["verify"]
        assert list(log.find()) == before["all"]
        step_11_audit_entries_as_bytes(root, None)  # idempotent
        assert verify_all(root).as_dict() == before["verify"]

        # After the migration: the newest entry of a chain deleted (its entry and index keys).
        head_seq, _hash = log.heads[seed]
        newest = log.get(seed, head_seq)
        del log.entries[(seed, head_seq)]
        key = (newest["time"], seed, head_seq)
        del log.time_shards[shard_of(seed)][key]
        del log.actors[newest["actor"]][key]
        codes = {(p["chain"], p["code"]) for p in verify_all(root).as_dict()["problems"]}
        assert (seed, "head_mismatch") in codes


def test_step_12_keeps_each_documents_indexed_values(tmp_path, capsys):
    from partnership_cms import catalog
    from partnership_cms.catalog.check import check_catalog

    demo_database_in_its_indexes(tmp_path)  # the seed case is in `ks`
    with stored_root(tmp_path) as root:
        to_step_15_catalog(root.catalog)
        del root.catalog.indexed_values  # as step 11 left the catalog
        root.evolve_version = 11

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(12)}." in capsys.readouterr().out
    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            cat = request.root.catalog
            docid = kept_values_follow_a_change(request)
            # A kept value that is not the object's is reported.
            cat.indexed_values[docid] = catalog.pack_values(("x",) * len(catalog.VALUE_INDEXES))
            assert {d.index for d in check_catalog(request)} == {"indexed_values"}
    finally:
        app.registry._zodb_databases[""].close()


def kept_values_follow_a_change(request):
    """The seed case's kept values are the object's, and a change of its state moves it in
    the state index and in its kept values, with the catalog consistent; returns its docid."""
    from partnership_cms import catalog
    from partnership_cms.catalog.check import check_catalog

    cat = request.root.catalog
    obj = next(iter(request.root["proposals"].values()))
    docid = cat.docid_by_path["/proposals/" + obj.__name__]
    assert catalog.kept_values(cat, docid) == catalog.values_of(catalog.indexable(request, obj))
    assert check_catalog(request) == []
    obj.state = "kf"
    catalog.reindex(request, obj)
    assert catalog.search(request, ["role:auditor"], type="Proposal", state="kf")[1] == 1
    assert catalog.search(request, ["role:auditor"], type="Proposal", state="ks")[1] == 0
    assert catalog.kept_values(cat, docid)[catalog.VALUE_INDEXES.index("state")] == "Proposal:kf"
    assert check_catalog(request) == []
    return docid


def test_step_13_packs_each_documents_kept_values_into_one_string(tmp_path, capsys):
    from partnership_cms import catalog
    from partnership_cms.catalog.check import check_catalog

    demo_database_in_its_indexes(tmp_path)  # the seed case is in `ks`
    with stored_root(tmp_path) as root:  # as step 12 left the catalog: tuples of tuples
        to_step_15_catalog(root.catalog)
        kept = root.catalog.indexed_values
        for docid in list(kept.keys()):
            kept[docid] = catalog.kept_values(root.catalog, docid)
        root.evolve_version = 12
    with stored_root(tmp_path) as root:
        assert all(isinstance(v, tuple) for v in root.catalog.indexed_values.values())

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(13)}." in capsys.readouterr().out
    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            cat = request.root.catalog
            assert cat.indexed_values and all(isinstance(v, str) for v in cat.indexed_values.values())
            docid = kept_values_follow_a_change(request)
            assert isinstance(cat.indexed_values[docid], str)  # one string again
            assert check_catalog(request) == []
            step_13_catalog_values_packed(request.root, None)  # idempotent
            assert check_catalog(request) == []
    finally:
        app.registry._zodb_databases[""].close()


def test_step_14_keeps_local_roles_and_links_inside_their_object(tmp_path, capsys):
    from persistent.list import PersistentList
    from persistent.mapping import PersistentMapping

    from partnership_cms.catalog.check import check_catalog

    make_app(tmp_path).registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:  # as step 13 left the objects: mappings of their own
        obj = next(iter(root["proposals"].values()))
        obj.local_roles = PersistentMapping(obj.local_roles)
        obj.links = PersistentMapping({"agreement": ("/agreements/x",)})
        obj.versions = PersistentList()
        roles = dict(obj.local_roles)
        root.evolve_version = 13
    with stored_root(tmp_path) as root:
        assert verify_all(root).as_dict()["valid"] is False  # the link was added behind its back
        obj = next(iter(root["proposals"].values()))
        obj.links = PersistentMapping()  # as it was recorded
        assert verify_all(root).as_dict()["valid"] is True

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(14)}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        obj = next(iter(root["proposals"].values()))
        assert type(obj.local_roles) is Frozen and dict(obj.local_roles) == roles
        assert type(obj.links) is Frozen and dict(obj.links) == {}
        assert "versions" not in obj.__dict__ and obj.versions == ()  # no record for no versions
        assert verify_all(root).as_dict()["valid"] is True  # the same state digests
        with pytest.raises(TypeError):
            obj.local_roles["someone"] = ("Reader",)  # replaced through the object, never changed
        step_14_small_maps_inside_their_object(root, None)  # idempotent
        assert dict(obj.local_roles) == roles
    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            assert check_catalog(request) == []
            obj = next(iter(request.root["proposals"].values()))
            obj.set_local_roles("reader", {"Reader"})
            obj.set_link("agreement", ["/agreements/a"])
        with app_request(app.registry) as request:  # replaced values reach the database
            obj = next(iter(request.root["proposals"].values()))
            assert obj.local_roles["reader"] == ("Reader",) and obj.links == {"agreement": ("/agreements/a",)}
            obj.set_local_roles("reader", ())
            assert "reader" not in obj.local_roles
    finally:
        app.registry._zodb_databases[""].close()


def register_decision(api, body="KS", meeting_date="2026-09-01"):
    """A decision a clerk registers by hand; returns its §."""
    res = api.post("/decisions", {"title": "Val av justerare", "body": body, "meeting_date": meeting_date},
                   user="clerk", status=201)
    return api.get(res.json["@id"].replace("http://localhost", ""), user="clerk").json["paragraph"]


def test_step_15_raises_each_paragraph_counter_to_the_highest_paragraph_held(tmp_path, capsys):
    app = make_app(tmp_path)
    try:
        api = Api(app)
        assert [register_decision(api) for _ in range(3)] == [1, 2, 3]
        assert register_decision(api, body="KF") == 1
        assert register_decision(api, meeting_date="2025-05-02") == 1
    finally:
        close_app(app)
    with stored_root(tmp_path) as root:  # as decisions imported before the fix left the counters
        counters = root.counters
        counters[("§KS", 2026)].value = 1  # KS § 2 and § 3 of 2026 lie above their counter
        del counters[("§KF", 2026)]  # KF § 1 has no counter at all
        counters[("§KS", 2025)].value = 5  # above every § held (numbers skipped): kept
        root.evolve_version = 14

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(15)}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        values = {key: counter.value for key, counter in root.counters.items() if key[0].startswith("§")}
        assert values == {("§KS", 2026): 3, ("§KF", 2026): 1, ("§KS", 2025): 5}
    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            step_15_paragraph_counters_cover_every_decision(request.root, app.registry)  # idempotent
            assert request.root.counters[("§KS", 2026)].value == 3
        api = Api(app)
        # The next § of each series follows every one held, through the real service.
        assert register_decision(api) == 4
        assert register_decision(api, body="KF") == 2
        assert register_decision(api, meeting_date="2025-05-02") == 6
    finally:
        close_app(app)


def to_step_15_catalog(cat):
    """The catalog as steps 5 to 15 kept the text digests: in a tree of their own
    (``text_digests``), and the kept values without them (as steps 12 and 13 packed them)."""
    from BTrees.LOBTree import LOBTree

    from partnership_cms import catalog

    pending.move_into_indexes(cat)  # no document waited beside the value indexes then
    cat.text_digests = LOBTree()
    for docid, packed in list(cat.indexed_values.items()):
        values, digest = catalog.unpack_values(packed)
        cat.text_digests[docid] = digest
        cat.indexed_values[docid] = catalog.pack_values(values)


def test_step_16_keeps_each_text_digest_with_the_documents_values(tmp_path, capsys, monkeypatch):
    from partnership_cms import catalog
    from partnership_cms.catalog.check import check_catalog

    demo_database_in_its_indexes(tmp_path)  # the seed case is in `ks`
    with stored_root(tmp_path) as root:
        before = {docid: catalog.unpack_values(packed) for docid, packed in root.catalog.indexed_values.items()}
        assert all(digest is not None for _values, digest in before.values())
        to_step_15_catalog(root.catalog)
        root.evolve_version = 15
    with stored_root(tmp_path) as root:
        assert all(catalog.unpack_values(p)[1] is None for p in root.catalog.indexed_values.values())

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(16)}." in capsys.readouterr().out
    indexed = []  # the docids whose text reindex indexes again
    index_text = catalog.index_text
    monkeypatch.setattr(catalog, "index_text", lambda cat, docid, text: (indexed.append(docid),
                                                                         index_text(cat, docid, text)))
    app = make_app_on_existing(tmp_path)
    try:
        with app_request(app.registry) as request:
            cat = request.root.catalog
            assert "text_digests" not in cat.__dict__
            assert {docid: catalog.unpack_values(p) for docid, p in cat.indexed_values.items()} == before
            docid = kept_values_follow_a_change(request)
            assert indexed == []  # the state changed, the text did not (known from the moved digest)
            obj = find_resource(request.root, cat.path_by_docid[docid])
            obj.data["title"] = "Simhall i Flemingsberg"
            catalog.reindex(request, obj)
            assert indexed == [docid]
            assert catalog.search(request, ["role:auditor"], text="simhall")[0] == [obj]
            assert check_catalog(request) == []
            step_16_catalog_digests_in_kept_values(request.root, None)  # idempotent
            assert check_catalog(request) == []
    finally:
        app.registry._zodb_databases[""].close()


def before_entry(entries, chain, seq):
    return next(e for e in entries if (e["chain"], e["seq"]) == (chain, seq))


def test_step_9_reindexes_text_with_swedish_stems(tmp_path, capsys):
    from hypatia.text import TextIndex
    from hypatia.text.lexicon import CaseNormalizer, Lexicon, Splitter

    from partnership_cms.catalog import text_query_ids

    make_app(tmp_path).registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:  # the text index as it was before step 9
        catalog = root.catalog
        catalog.indexes["text"] = TextIndex("text", lexicon=Lexicon(Splitter(), CaseNormalizer()))
        to_step_15_catalog(catalog)
        for docid in catalog.path_by_docid:
            catalog.text_digests[docid] = b"stale"
        root.evolve_version = 8
        assert not text_query_ids(catalog, '"hogskolan"')

    assert run_cli(tmp_path, "evolve") == 0
    assert f"Applied evolve steps {steps_from(9)}." in capsys.readouterr().out
    with stored_root(tmp_path) as root:
        found = {root.catalog.path_by_docid[d] for d in text_query_ids(root.catalog, '"hogskolan"')}
        assert any(path.startswith("/proposals/") for path in found)
        assert any(path.startswith("/agreements/") for path in found)


def test_pack_keeps_every_object_and_audit_entry_and_shrinks_the_file(tmp_path, capsys):
    app = make_app(tmp_path)
    api = Api(app)
    seed = f"/proposals/ks-{datetime.date.today().year}-1"
    draft = api.post("/proposals", {"@type": "Proposal", "title": "Ett utkast"}, user="officer",
                     status=201).json["@id"].replace("http://localhost", "")
    for n in range(15):  # old revisions of the draft to drop
        api.patch(draft, {"background": f"Version {n}"}, user="officer")
    api.transition(seed, "ks_propose", "ks_chair")
    app.registry._zodb_databases[""].close()
    with stored_root(tmp_path) as root:
        paths = sorted(f"/{name}/{obj}" for name, folder in root.items() for obj, _ in folder.items())
        entries = sum(1 for _ in root.audit_log.items())
    size = (tmp_path / "Data.fs").stat().st_size

    assert run_cli(tmp_path, "pack", "--days", "0") == 0
    assert "Packed: revisions older than 0.0 days are gone" in capsys.readouterr().out
    assert (tmp_path / "Data.fs").stat().st_size < size
    with stored_root(tmp_path) as root:
        assert sorted(f"/{name}/{obj}" for name, folder in root.items() for obj, _ in folder.items()) == paths
        assert sum(1 for _ in root.audit_log.items()) == entries
        assert verify_all(root).ok
