"""Operations through the real app and the real command: verification
problems as codes, verifying and sealing beside a running server, a second
server refused, signed checkpoints against a forger who recomputes every hash,
and a repozo backup and restore drill (docs/operations.md)."""
import json
import shutil
import time

import pytest
import transaction
import webtest.http
import ZODB
from pyramid_zodbconn import get_connection
from ZODB.blob import Blob
from ZODB.scripts import repozo

import partnership_cms
from conftest import Api, browse, make_app, make_settings, write_ini
from partnership_cms import cli
from partnership_cms.audit.log import GENESIS, StoredEntry, entry_hash, index_value, shard_of
from partnership_cms.audit.seal_heads import SealHeads, heads_digest
from partnership_cms.scripting import app_request

KEY = "a checkpoint key kept off the server"


def verify(api, **params):
    return api.get("/@audit/verify", user="auditor", **params).json


def app_db(app):
    return app.registry._zodb_databases[""]


def seal(app):
    with app_request(app.registry) as request:
        return request.root.audit_log.seal("test")


def tamper(app, change):
    """Run ``change(audit_log, root)`` behind the application's back."""
    with app_request(app.registry) as request:
        change(request.root.audit_log, request.root)


# -- problems are codes -----------------------------------------------------------------------
def test_each_problem_carries_a_code_and_its_parameters(app, api, seed_url):
    def change(log, root):
        del log.entries[(seed_url, 2)]
        log.entries[(seed_url, 3)] = StoredEntry.of(dict(log.get(seed_url, 3), actor="director"))
        root["proposals"][seed_url.rsplit("/", 1)[1]].data["title"] = "Något annat"
    tamper(app, change)

    problems = verify(api)["problems"]
    by_code = {p["code"]: p for p in problems}
    assert set(by_code) == {"entry_missing", "link_broken", "entry_altered", "object_changed"}
    missing = by_code["entry_missing"]
    assert (missing["seq"], missing["params"], missing["reason"]) == (3, {"expected": 2},
                                                                       "entry 2 is missing")
    assert all(p["reason"] and isinstance(p["params"], dict) for p in problems)


def test_the_page_renders_the_codes_in_the_readers_language(app, seed_url):
    tamper(app, lambda log, root: log.entries.__delitem__((seed_url, 2)))
    auditor = browse(app, "auditor")
    sv = auditor.get("/audit/verify", headers={"Accept": "text/html"})
    reasons = [row.select("td")[3].text for row in sv.html.select("#verification tbody tr")]
    assert "post 2 saknas" in reasons and "posten pekar inte på föregående post" in reasons
    en = auditor.get("/audit/verify", {"_LOCALE_": "en"}, headers={"Accept": "text/html"})
    reasons = [row.select("td")[3].text for row in en.html.select("#verification tbody tr")]
    assert "entry 2 is missing" in reasons


def test_first_invalid_is_the_earliest_problem_not_one_without_a_time(app, api, seed_url):
    """A deleted chain (no time known) and an object without entries used to
    sort first, their time being ""; the earliest altered entry comes first now."""
    def change(log, root):
        log.heads["/proposals/nothing-left"] = (1, GENESIS)  # a head whose entries are gone
        log.entries[(seed_url, 2)] = StoredEntry.of(dict(log.get(seed_url, 2), actor="director"))
    tamper(app, change)

    result = verify(api)
    first = result["first_invalid"]
    assert (first["chain"], first["seq"], first["code"]) == (seed_url, 2, "entry_altered")
    assert result["problems"][-1]["code"] == "chain_deleted"  # time unknown: last


def test_a_missing_entry_is_ordered_by_its_neighbours_time(app, api, seed_url):
    """Entry 2 of the seed case is missing: it was written after entry 1, so it
    comes before an alteration of another chain's entry written between
    entries 1 and 3 (ordering by entry 3's time, as before, put it after)."""
    def change(log, root):
        first, third = log.get(seed_url, 1)["time"], log.get(seed_url, 3)["time"]
        between = next(k for k in log.time_keys(since=first, until=third) if k[1] != seed_url)
        del log.entries[(seed_url, 2)]
        log.entries[between[1:]] = StoredEntry.of(dict(log.get(*between[1:]), actor="director"))
    tamper(app, change)

    result = verify(api)
    first = result["first_invalid"]
    assert (first["chain"], first["code"]) == (seed_url, "entry_missing")
    altered = next(p for p in result["problems"] if p["code"] == "entry_altered")
    assert altered["time"] < first["time"]  # shown times: the later entry 3's


@pytest.mark.parametrize("chain", ["/agreements/{name}", "user:kf_member"])
def test_a_seal_mismatch_names_the_chains_that_changed(app, api, chain):
    """A chain deleted with every trace (entries, head, index keys): only the
    seal sees it, and it names the chain from the heads it recorded."""
    with app_request(app.registry) as request:
        if "{name}" in chain:
            chain = chain.format(name=next(iter(request.root["agreements"].keys())))
    seal(app)

    def change(log, root):
        for entry in log.chain(chain):
            key = (entry["time"], chain, entry["seq"])
            del log.entries[(chain, entry["seq"])]
            del log.time_shards[shard_of(chain)][key]
            del log.actors[entry["actor"] or ""][key]
        del log.heads[chain]
    tamper(app, change)

    sealed = [p for p in verify(api)["problems"] if p["chain"] == "@seals"]
    assert [(p["code"], p["params"]) for p in sealed] == [
        ("sealed_entries_changed", {"chains": [chain]})]
    assert "changed or deleted" in sealed[0]["reason"] and chain in sealed[0]["reason"]


def test_later_seals_record_only_the_chains_written_since(app, api, seed_url):
    seal(app)
    with app_request(app.registry) as request:
        chains_then = len(request.root.audit_log.heads)
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")
    second = seal(app)
    with app_request(app.registry) as request:
        log = request.root.audit_log
        assert len(log.seal_heads[1].heads) == chains_then  # the first: every chain
        recorded = set(log.seal_heads[2].heads)
        chains_now = len(log.heads)
    assert seed_url in recorded and "user:ks_chair" in recorded
    assert len(recorded) == second["heads_count"] < chains_now
    assert verify(api)["valid"] is True


def test_a_seal_from_before_recorded_heads_names_the_chains_of_the_other_problems(
        app, api, seed_url):
    """Old seals (no ``heads``) still verify; on a mismatch they name the
    chains of the problems found before them."""
    def make_old(log, root):
        log.seal("test")
        old = {k: v for k, v in log.seals[0].items() if k not in ("heads", "heads_count", "hash")}
        old["hash"] = entry_hash(old)
        log.seals[0] = old
        del log.seal_heads
    tamper(app, make_old)
    assert verify(api)["valid"] is True

    def change(log, root):  # rehashed, so the sealed digest changes too
        forged = dict(log.get(seed_url, 2), actor="director")
        forged["hash"] = entry_hash(forged)
        log.entries[(seed_url, 2)] = StoredEntry.of(forged)
    tamper(app, change)
    sealed = [p for p in verify(api)["problems"] if p["chain"] == "@seals"]
    assert sealed[0]["params"] == {"chains": [seed_url]}


def test_altered_recorded_heads_are_an_altered_seal(app, api, seed_url):
    seal(app)

    def change(log, root):
        heads = dict(log.seal_heads[1].heads)
        del heads[seed_url]
        log.seal_heads[1] = SealHeads(heads)
    tamper(app, change)
    codes = [p["code"] for p in verify(api)["problems"]]
    assert codes == ["seal_altered"]


# -- the command line beside a running server -------------------------------------------------
def test_audit_verify_runs_while_the_server_holds_the_database(app, api, tmp_path, capsys,
                                                              seed_url):
    ini = write_ini(tmp_path)  # the app (the "server") keeps Data.fs open and locked
    assert cli.main(["audit-verify", ini]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["valid"] is True
    assert captured.err.startswith("The audit trail is intact (")

    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")  # still writes
    tamper(app, lambda log, root: log.entries.__delitem__((seed_url, 2)))
    assert cli.main(["audit-verify", ini]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["first_invalid"]["code"] == "entry_missing"
    assert f"{seed_url} #3: entry 2 is missing [entry_missing]" in captured.err


def test_audit_seal_beside_the_server_says_how_in_one_line(app, tmp_path):
    ini = write_ini(tmp_path)
    with pytest.raises(SystemExit) as raised:
        cli.main(["audit-seal", ini])
    message = str(raised.value)
    assert "\n" not in message and "is in use by another process" in message
    assert "--url" in message and "PCMS_TOKEN" in message


def test_audit_seal_through_the_running_server(app, api, tmp_path, monkeypatch, capsys):
    ini = write_ini(tmp_path)
    server = webtest.http.StopableWSGIServer.create(app)
    try:
        monkeypatch.setenv("PCMS_TOKEN", api.login("auditor"))
        assert cli.main(["audit-seal", ini, "--url", server.application_url]) == 0
        assert capsys.readouterr().out.startswith("Sealed ")

        monkeypatch.setenv("PCMS_TOKEN", api.login("officer"))
        with pytest.raises(SystemExit, match=r"refused to seal \(403\)"):
            cli.main(["audit-seal", ini, "--url", server.application_url])
    finally:
        server.shutdown()
    result = verify(api)
    assert result["seals"] == 1 and result["valid"] is True


def test_the_seal_endpoint_is_for_auditors(api):
    sealed = api.post("/@audit/seal", user="auditor").json
    assert sealed["seq"] == 1 and sealed["entries"] > 0
    api.post("/@audit/seal", user="officer", status=403)
    api.post("/@audit/seal", status=401)
    assert api.get("/@audit/verify", user="auditor").json["seals"] == 1


def test_a_second_server_on_the_same_data_fs_is_refused_in_one_line(app, tmp_path):
    with pytest.raises(SystemExit) as raised:
        partnership_cms.main({"__file__": "test.ini"}, **make_settings(tmp_path))
    message = str(raised.value)
    assert message.startswith("partnership-cms will not start: The database ")
    assert str(tmp_path / "Data.fs") in message and "\n" not in message


# -- signed checkpoints ------------------------------------------------------------------------
def forge(log, chain, seq, **changes):
    """What a forger with write access to Data.fs does: change an entry and
    recompute every hash after it, the head, the recorded heads and every seal."""
    entries = list(log.chain(chain))
    prev = entries[seq - 2]["hash"] if seq > 1 else GENESIS
    for entry in entries[seq - 1:]:
        entry = dict(entry, prev=prev, **(changes if entry["seq"] == seq else {}))
        entry["hash"] = entry_hash(entry)
        log.entries[(chain, entry["seq"])] = StoredEntry.of(entry)
        # The hash the time index carries, which the seals' digests read.
        log.time_shards[shard_of(chain)][(entry["time"], chain, entry["seq"])] = index_value(
            entry["action"], entry["hash"])
        prev = entry["hash"]
    log.heads[chain] = (entries[-1]["seq"], prev)
    prev_seal = GENESIS
    for n, old in enumerate(list(log.seals)):
        heads = {c: (log.heads[c] if c == chain else h)
                 for c, h in log.seal_heads[old["seq"]].heads.items()}
        log.seal_heads[old["seq"]] = SealHeads(heads)
        digest, count = log.digest_until(old["time"])
        new = dict(old, digest=digest, entries=count, prev=prev_seal, heads=heads_digest(heads))
        new["hash"] = entry_hash(new)
        log.seals[n] = new
        prev_seal = new["hash"]


def test_a_checkpoint_catches_a_forger_who_recomputes_every_hash(app, api, tmp_path,
                                                                 monkeypatch, capsys, seed_url):
    seal(app)
    ini = write_ini(tmp_path)
    checkpoint = tmp_path / "checkpoint.json"
    monkeypatch.setenv("PCMS_CHECKPOINT_KEY", KEY)
    assert cli.main(["audit-checkpoint", ini, "--output", str(checkpoint)]) == 0
    assert "seal 1" in capsys.readouterr().out
    stored = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert stored["algorithm"] == "hmac-sha256" and stored["checkpoint"]["seq"] == 1
    assert cli.main(["audit-verify", ini, "--checkpoint", str(checkpoint)]) == 0
    capsys.readouterr()

    tamper(app, lambda log, root: forge(log, seed_url, 2, actor="director"))
    assert cli.main(["audit-verify", ini]) == 0  # inside the database all is consistent
    capsys.readouterr()
    assert cli.main(["audit-verify", ini, "--checkpoint", str(checkpoint)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in report["problems"]] == ["checkpoint_seal_differs"]


def test_a_checkpoint_with_a_wrong_key_or_altered_fields_is_refused(app, tmp_path,
                                                                   monkeypatch, capsys):
    seal(app)
    ini = write_ini(tmp_path)
    checkpoint = tmp_path / "checkpoint.json"
    monkeypatch.setenv("PCMS_CHECKPOINT_KEY", KEY)
    cli.main(["audit-checkpoint", ini, "--output", str(checkpoint)])
    capsys.readouterr()

    monkeypatch.setenv("PCMS_CHECKPOINT_KEY", "another key")
    assert cli.main(["audit-verify", ini, "--checkpoint", str(checkpoint)]) == 1
    assert json.loads(capsys.readouterr().out)["first_invalid"]["code"] == "checkpoint_signature"

    monkeypatch.delenv("PCMS_CHECKPOINT_KEY")
    with pytest.raises(SystemExit, match="PCMS_CHECKPOINT_KEY"):
        cli.main(["audit-verify", ini, "--checkpoint", str(checkpoint)])


def test_no_checkpoint_before_the_first_seal(app, tmp_path, monkeypatch):
    monkeypatch.setenv("PCMS_CHECKPOINT_KEY", KEY)
    with pytest.raises(SystemExit, match="no seal yet"):
        cli.main(["audit-checkpoint", write_ini(tmp_path)])


# -- backup and restore (repozo, blobs) --------------------------------------------------------
def test_restore_drill(tmp_path, capsys, seed_url):
    """Write, full backup, write more, incremental backup, restore into a new
    file: it opens, verifies, and holds the later writes (docs/operations.md)."""
    live, blobs, repository = tmp_path / "live", tmp_path / "live" / "blobs", tmp_path / "backup"
    live.mkdir()
    repository.mkdir()
    uri = f"file://{live}/Data.fs?blobstorage_dir={blobs}"
    app = make_app(live, **{"zodbconn.uri": uri})
    api = Api(app)
    try:
        with app_request(app.registry, root_required=False) as request:  # a blob, as uploads will be
            blob = Blob()
            with blob.open("w") as f:
                f.write(b"bilaga 1")
            get_connection(request).root()["drill_blob"] = blob
        seal(app)
        # While the server runs: repozo reads Data.fs without its lock.
        repozo.main(["-B", "-F", "-r", str(repository), "-f", str(live / "Data.fs")])
        shutil.copytree(blobs, tmp_path / "blobs-backup", dirs_exist_ok=True)
        with app_request(app.registry) as request:
            state_before = request.root["proposals"][seed_url.rsplit("/", 1)[1]].state
        api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")
        with app_request(app.registry) as request:
            state_after = request.root["proposals"][seed_url.rsplit("/", 1)[1]].state
        time.sleep(1.1)  # repozo names its files by the second
        repozo.main(["-B", "-r", str(repository), "-f", str(live / "Data.fs")])
        shutil.copytree(blobs, tmp_path / "blobs-backup", dirs_exist_ok=True)
    finally:
        app_db(app).close()
        transaction.manager.free = None
    assert sorted(p.suffix for p in repository.iterdir()).count(".deltafs") == 1

    restored = tmp_path / "restored"
    restored.mkdir()
    repozo.main(["-R", "-r", str(repository), "-o", str(restored / "Data.fs")])
    shutil.copytree(tmp_path / "blobs-backup", restored / "blobs")
    ini = write_ini(restored, **{
        "zodbconn.uri": f"file://{restored}/Data.fs?blobstorage_dir={restored / 'blobs'}"})
    assert cli.main(["audit-verify", ini]) == 0
    assert json.loads(capsys.readouterr().out)["seals"] == 1

    db = ZODB.DB(ZODB.FileStorage.FileStorage(str(restored / "Data.fs"), read_only=True,
                                              blob_dir=str(restored / "blobs")))
    try:
        conn = db.open()
        root = conn.root()
        proposal = root["partnership_cms"]["proposals"][seed_url.rsplit("/", 1)[1]]
        assert proposal.state == state_after != state_before  # the write after the full backup is there
        with root["drill_blob"].open() as f:
            assert f.read() == b"bilaga 1"
        conn.close()
    finally:
        db.close()
