"""The audit trail through the real app: what is recorded, who may read it,
how it is filtered, and that tampering behind the application's back is found
(over the API and by ``partnership-cms audit-verify``)."""
import hashlib
import json
from contextlib import contextmanager

import pytest
import transaction
import ZODB
from ZODB.POSException import ConflictError

from conftest import write_ini
from partnership_cms import cli
from partnership_cms.audit import verify_log
from partnership_cms.audit.log import (
    GENESIS,
    TIME_SHARDS,
    AuditLog,
    SealedTimeError,
    StoredEntry,
    entry_hash,
    shard_of,
    utcnow_iso,
)
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts

PROPOSAL = {
    "@type": "Proposal",
    "title": "Samverkan om forskning",
    "unit": "Kommunstyrelsens förvaltning",
    "decision_points": ["Avtalet godkänns."],
    "summary": "Kommunen och högskolan föreslås samverka.",
    "recipients": ["Södertörns högskola"],
}
USERS = ("officer", "director", "clerk", "ks_chair", "kf_chair", "auditor")


def trail(api, **params):
    """The audit entries (newest first) an auditor sees for ``params``."""
    return api.get("/@audit", user="auditor", b_size=1000, **params).json["items"]


def verify(api):
    return api.get("/@audit/verify", user="auditor").json


def create_proposal(api, **fields):
    res = api.post("/proposals", dict(PROPOSAL, **fields), user="officer", status=201)
    return res.json["@id"].replace("http://localhost", "")


@contextmanager
def stored_root(db):
    """The application root straight from ZODB, bypassing the application."""
    manager = transaction.TransactionManager(explicit=True)
    conn = db.open(manager)
    try:
        with manager:
            yield conn.root()["partnership_cms"]
    finally:
        conn.close()


def app_db(app):
    return app.registry._zodb_databases[""]


# -- what is recorded ------------------------------------------------------------------
def test_create_edit_and_transition_are_recorded(api):
    url = create_proposal(api)
    api.patch(url, {"title": "Samverkan om forskning och utbildning"}, user="officer")
    api.transition(url, "submit", "officer", comment="Klart.")

    transition, edit, create = trail(api, object=url)
    assert (create["action"], create["actor"]) == ("create", "officer")
    assert create["roles"] == ["officer"]
    assert create["path"] == url and create["type"] == "Proposal" and create["dnr"]
    assert create["details"]["fields"]["title"] == "Samverkan om forskning"
    assert edit["action"] == "edit"
    assert edit["details"]["changes"] == [{"field": "title", "old": "Samverkan om forskning",
                                           "new": "Samverkan om forskning och utbildning"}]
    assert transition["action"] == "transition" and transition["actor"] == "officer"
    assert transition["roles"] == ["officer"]  # the global roles of the actor
    details = transition["details"]
    assert (details["action"], details["from"], details["to"]) == ("submit", "draft", "review")
    assert details["comment"] == "Klart." and details["roles"] == ["Owner"]
    assert transition["state"] == "review"


def test_logins_and_logouts_are_recorded(api):
    api.login("officer")
    res = api.test.post_json("/@login", {"login": "officer", "password": "fel"}, status=401)
    assert res.json["type"] == "Unauthorized"
    api.test.post_json("/@login", {"login": "ingen-sadan", "password": "demo"}, status=401)
    api.post("/@logout", user="officer")

    logout, login = trail(api, object="user:officer")[:2]
    assert (login["action"], login["actor"]) == ("login", "officer")
    assert login["details"] == {"via": "api"}
    assert (logout["action"], logout["actor"]) == ("logout", "officer")
    # The failed logins were committed although the responses were 401.
    [failed] = trail(api, object="login:officer")
    assert failed["action"] == "login_failed" and failed["actor"] is None
    assert failed["details"] == {"login": "officer", "via": "api"}
    assert [e["details"]["login"] for e in trail(api, action="login_failed")] == [
        "ingen-sadan", "officer"]


def test_user_and_group_changes_are_recorded(app, api):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        accounts.create_user(request, "newbie", "hemligt-och-långt", fullname="Ny Person", groups=["officer"])
        accounts.set_groups(request, "newbie", ["officer", "clerk"])
        accounts.set_password(request, "newbie", "annat-hemligt")
        accounts.set_active(request, "newbie", False)

    entries = trail(api, object="user:newbie")[::-1]
    assert [e["action"] for e in entries] == [
        "user_created", "group_changed", "group_changed", "user_changed", "user_changed"]
    assert {e["actor"] for e in entries} == {"admin"}
    assert {tuple(e["roles"]) for e in entries} == {("admin",)}
    assert entries[2]["details"] == {"login": "newbie", "old": ["officer"],
                                     "new": ["clerk", "officer"]}
    assert entries[3]["details"]["changed"] == "password"
    assert "hemligt" not in json.dumps(entries)
    assert entries[4]["details"] == {"login": "newbie", "active": False}


# -- who may read it, and how it is filtered ------------------------------------------
@pytest.mark.parametrize("path", ["/@audit", "/@audit/verify"])
def test_only_auditors_read_the_trail(api, path):
    api.get(path, user="auditor")
    for user in ("officer", "clerk", "admin"):
        assert api.get(path, user=user, status=403).json["type"] == "Forbidden"
    assert api.get(path, status=401).json["type"] == "Unauthorized"


def test_filters_and_paging(api, seed_url):
    for user in USERS:
        api.login(user)
    everything = trail(api)
    assert [e["time"] for e in everything] == sorted((e["time"] for e in everything), reverse=True)
    total = api.get("/@audit", user="auditor").json["items_total"]
    assert total == len(everything)

    seed = trail(api, object=seed_url)
    assert {e["chain"] for e in seed} == {seed_url} and [e["seq"] for e in seed] == [4, 3, 2, 1]
    assert {e["actor"] for e in trail(api, actor="director")} == {"director"}
    assert len(trail(api, actor="director", action="transition")) == 1
    transitions = trail(api, action="transition")
    assert [e["details"]["action"] for e in transitions] == ["approve", "submit"]

    # since/until are inclusive ISO times, alone and combined with the other filters.
    middle = everything[len(everything) // 2]["time"]
    assert trail(api, since=middle) == [e for e in everything if e["time"] >= middle]
    assert trail(api, until=middle) == [e for e in everything if e["time"] <= middle]
    approve = trail(api, action="transition", actor="director")[0]["time"]
    assert [e["time"] for e in trail(api, actor="director", until=approve)][0] == approve
    assert trail(api, object=seed_url, since=approve) == seed[:1]
    assert trail(api, since="2999-01-01") == [] and trail(api, until="2000-01-01") == []

    page1 = api.get("/@audit", user="auditor", b_start=0, b_size=3).json
    page2 = api.get("/@audit", user="auditor", b_start=3, b_size=3).json
    assert page1["items"] + page2["items"] == everything[:6]
    assert page1["items_total"] == page2["items_total"] == total
    assert (page2["b_start"], page2["b_size"]) == (3, 3)


@pytest.mark.parametrize("transition,user,status", [
    ("ks_adopt", "officer", 403),  # only the chair decides
    ("close", "clerk", 409),  # not possible before KS has decided
    ("ks_refer_back", "ks_chair", 422),  # needs a comment
])
def test_refused_transition_writes_nothing(api, seed_url, transition, user, status):
    for name in USERS:
        api.login(name)
    before = api.get("/@audit", user="auditor").json["items_total"]
    history = api.get(seed_url + "/@history", user="clerk").json

    api.transition(seed_url, transition, user, status=status)

    assert api.get("/@audit", user="auditor").json["items_total"] == before
    assert api.get(seed_url + "/@history", user="clerk").json == history
    assert verify(api)["valid"] is True


# -- the chains and their verification --------------------------------------------------
def test_entries_are_hash_chained(api, seed_url):
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")
    for chain in (seed_url, "user:officer"):
        entries = trail(api, object=chain)[::-1]
        assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
        assert [e["prev"] for e in entries] == [GENESIS] + [e["hash"] for e in entries[:-1]]
        assert all(entry_hash(e) == e["hash"] for e in entries)


def test_demo_data_and_a_whole_case_verify(api, seed_url):
    result = verify(api)
    assert result["valid"] is True and result["first_invalid"] is None
    assert result["entries"] > 0 and result["objects"] == 2
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")
    api.transition(seed_url, "kf_adopt", "kf_chair", meeting_date="2026-09-20")
    result = verify(api)
    assert result["valid"] is True and result["objects"] == 4  # with the two decisions


def test_verification_lets_go_of_what_it_read(app, monkeypatch):
    """Verification reads every entry and object; it turns them back into
    ghosts as it goes, so a verifying server does not keep them in memory."""
    from partnership_cms.audit import verify as verify_module
    from partnership_cms.audit import verify_all

    monkeypatch.setattr(verify_module, "RELEASE_EVERY", 5)
    with app_request(app.registry) as request:
        root = request.root
        cache = root._p_jar._cache
        loaded_before = cache.ringlen()  # objects with their state in memory
        result = verify_all(root)
        assert result.ok and result.entries > 5 and result.objects >= 2
        # The entries live in the buckets of the entries tree: it is a ghost again.
        entries = root.audit_log.entries
        assert entries._p_changed is None and len(entries) == result.entries
        assert cache.ringlen() <= loaded_before + 1  # + the tree len() just loaded


def test_altered_entry_is_named(app, api, seed_url):
    with stored_root(app_db(app)) as root:
        entries = root.audit_log.entries  # an entry record replaced by another
        entries[(seed_url, 2)] = StoredEntry.of(dict(entries[(seed_url, 2)].data,
                                                 details={"changes": []}))

    result = verify(api)
    assert result["valid"] is False
    assert (result["first_invalid"]["chain"], result["first_invalid"]["seq"]) == (seed_url, 2)
    assert "altered" in result["first_invalid"]["reason"]


def test_entry_changed_inside_its_record_is_named(app, api, seed_url):
    with stored_root(app_db(app)) as root:
        log = root.audit_log  # the entry's bytes replaced inside their bucket, its hash kept
        log.entries[(seed_url, 3)] = StoredEntry.of(dict(log.get(seed_url, 3), actor="director"))

    first = verify(api)["first_invalid"]
    assert (first["chain"], first["seq"]) == (seed_url, 3)
    assert "altered" in first["reason"]


def test_rehashed_entry_breaks_the_link_to_the_next(app, api, seed_url):
    with stored_root(app_db(app)) as root:
        entries = root.audit_log.entries
        forged = dict(entries[(seed_url, 2)].data, actor="director")
        forged["hash"] = entry_hash(forged)
        entries[(seed_url, 2)] = StoredEntry.of(forged)

    first = verify(api)["first_invalid"]
    assert (first["chain"], first["seq"]) == (seed_url, 3)
    assert "previous entry" in first["reason"]


def test_field_changed_outside_the_application_is_named(app, api, seed_url):
    with stored_root(app_db(app)) as root:
        root["proposals"][seed_url.rsplit("/", 1)[1]].data["title"] = "Något helt annat"

    result = verify(api)
    assert result["valid"] is False
    assert (result["first_invalid"]["chain"], result["first_invalid"]["seq"]) == (seed_url, 4)
    assert "outside the application" in result["first_invalid"]["reason"]


def test_deleted_entry_is_detected(app, api, seed_url):
    with stored_root(app_db(app)) as root:
        del root.audit_log.entries[(seed_url, 2)]

    result = verify(api)
    assert result["valid"] is False
    assert (result["first_invalid"]["chain"], result["first_invalid"]["seq"]) == (seed_url, 3)
    assert "entry 2 is missing" in [p["reason"] for p in result["problems"]]


@pytest.mark.parametrize("chain", ["/agreements/{name}", "user:kf_member"])
def test_deleting_a_whole_chain_is_caught_by_the_seal(app, api, chain):
    with stored_root(app_db(app)) as root:
        if "{name}" in chain:
            chain = chain.format(name=next(iter(root["agreements"].keys())))
        root.audit_log.seal("test")
    assert verify(api)["seals"] == 1 and verify(api)["valid"] is True

    with stored_root(app_db(app)) as root:
        log = root.audit_log
        for entry in log.chain(chain):  # every trace: entries, head and both indexes
            key = (entry["time"], chain, entry["seq"])
            del log.entries[(chain, entry["seq"])]
            del log.time_shards[shard_of(chain)][key]
            del log.actors[entry["actor"] or ""][key]
        del log.heads[chain]

    result = verify(api)
    assert result["valid"] is False
    sealed = [p for p in result["problems"] if p["chain"] == "@seals"]
    assert sealed and sealed[0]["seq"] == 1
    assert "changed or deleted" in sealed[0]["reason"]


# -- the command line ----------------------------------------------------------------------
def test_audit_verify_command(app, api, tmp_path, monkeypatch, capsys, seed_url):
    ini = write_ini(tmp_path)
    app_db(app).close()  # the command opens Data.fs itself

    assert cli.main(["audit-verify", ini]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True

    db = ZODB.DB(str(tmp_path / "Data.fs"))
    try:
        with stored_root(db) as root:
            entries = root.audit_log.entries
            entries[(seed_url, 3)] = StoredEntry.of(dict(entries[(seed_url, 3)].data,
                                                     comment="Ändrat i efterhand."))
    finally:
        db.close()

    assert cli.main(["audit-verify", ini]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert (report["first_invalid"]["chain"], report["first_invalid"]["seq"]) == (seed_url, 3)


# -- seals and concurrent appends (two connections straight on ZODB) ------------------------
@pytest.fixture
def two_connections(tmp_path):
    """Two connections, each with its own transaction manager, to one AuditLog."""
    db = ZODB.DB(str(tmp_path / "race.fs"))
    managers = [transaction.TransactionManager(explicit=True) for _ in range(2)]
    conns = [db.open(m) for m in managers]
    with managers[0]:
        log = conns[0].root()["log"] = AuditLog()
        for n in range(40):  # some entries, so the time index has buckets of its own
            log.append(f"/proposals/ks-2026-{n % 7}", entry_fields("officer"))
    try:
        yield list(zip(managers, conns, strict=True))
    finally:
        for conn in conns:
            conn.close()
        db.close()


def entry_fields(actor):
    return {"time": utcnow_iso(), "action": "edit", "actor": actor, "roles": [actor],
            "details": {}}


def test_a_seal_committed_during_an_append_makes_the_append_retry(two_connections):
    (request_tm, request_conn), (cron_tm, cron_conn) = two_connections
    request_tm.begin()
    fields = entry_fields("director")  # record() runs: the entry's time is taken
    request_conn.root()["log"].append("/proposals/ks-2026-1", fields)

    with cron_tm:  # audit-seal runs and commits meanwhile
        seal = cron_conn.root()["log"].seal("cron")
    assert seal["entries"] == 40  # the request's entry is not committed yet

    with pytest.raises(ConflictError):
        request_tm.commit()
    request_tm.abort()
    with request_tm:  # pyramid_retry re-runs the request: a new time, after the seal
        request_conn.root()["log"].append("/proposals/ks-2026-1", entry_fields("director"))

    with cron_tm:
        log = cron_conn.root()["log"]
        assert len(log.entries) == 41
        assert verify_log(log).ok
        seal = log.seal("cron")
    assert seal["entries"] == 41
    with cron_tm:
        assert verify_log(cron_conn.root()["log"]).ok


def test_an_append_committed_during_a_seal_makes_the_seal_retry(two_connections):
    (request_tm, request_conn), (cron_tm, cron_conn) = two_connections
    cron_tm.begin()
    cron_conn.root()["log"]._p_activate()  # the seal's snapshot starts here
    with request_tm:  # a request appends and commits while the seal runs
        request_conn.root()["log"].append("/proposals/ks-2026-2", entry_fields("clerk"))
    seal = cron_conn.root()["log"].seal("cron")
    assert seal["entries"] == 40  # its snapshot misses the request's entry

    with pytest.raises(ConflictError):
        cron_tm.commit()
    cron_tm.abort()
    with cron_tm:
        assert cron_conn.root()["log"].seal("cron")["entries"] == 41
    with cron_tm:
        assert verify_log(cron_conn.root()["log"]).ok


def test_an_entry_time_not_after_the_last_seal_is_refused(two_connections):
    (tm, conn), _ = two_connections
    with tm:
        log = conn.root()["log"]
        early = entry_fields("officer")  # taken before the seal: a clock behind
        seal = log.seal("cron")
        with pytest.raises(SealedTimeError):
            log.append("/proposals/ks-2026-1", early)
        with pytest.raises(SealedTimeError):
            log.append("/proposals/ks-2026-1", dict(early, time=seal["time"]))
        assert len(log.entries) == 40
        log.append("/proposals/ks-2026-1", entry_fields("officer"))
        assert verify_log(log).ok


def test_a_page_reads_only_its_own_entries(two_connections):
    """Filtering by actor and action and counting the matches come from the
    index trees; only the entries of the page shown are read."""
    from partnership_cms.audit import find_page

    (tm, conn), _ = two_connections
    with tm:
        log = conn.root()["log"]
        for n in range(10):
            log.append(f"/proposals/ks-2026-{n % 3}", dict(entry_fields("director"), action="transition"))
        for n in range(1000):  # enough for the entries tree to have many buckets
            log.append(f"/proposals/ks-2026-{n % 7}", entry_fields("officer"))
    conn.cacheMinimize()
    with tm:
        log = conn.root()["log"]
        conn.getTransferCounts(True)
        page, total = find_page(log, 2, 3, actor="director", action="transition")
        page_loads, _stores = conn.getTransferCounts(True)
        assert total == 10 and len(page) == 3
        assert [e["action"] for e in page] == ["transition"] * 3
        conn.cacheMinimize()
        assert len(list(log.items())) == 1050
        all_loads, _stores = conn.getTransferCounts(True)
        # The page's entries sit in at most 3 buckets of the entries tree (and
        # the index buckets found them): far fewer loads than reading them all.
        assert page_loads < all_loads / 2
        assert page == list(log.find(actor="director", action="transition"))[2:5]
        assert find_page(log, 0, 100, action="edit")[1] == 1040
        assert find_page(log, 0, 100, action="transition", actor="officer")[1] == 0


def test_entries_are_records_and_the_indexes_are_sharded(two_connections):
    (tm, conn), _ = two_connections
    with tm:
        log = conn.root()["log"]
        stored = log.entries[("/proposals/ks-2026-0", 1)]
        assert isinstance(stored, StoredEntry)  # inside the bucket, not a record of its own
        entry = log.get("/proposals/ks-2026-0", 1)
        assert entry == stored.data and entry_hash(entry) == stored.hash
        assert hashlib.sha256(stored.raw).hexdigest() == stored.hash  # the bytes hashed, stored
        key = (entry["time"], "/proposals/ks-2026-0", 1)
        assert log.time_shards[shard_of(key[1])][key] == ("edit", stored.hash)
        assert len(log.time_shards) == TIME_SHARDS
        used = {shard_of(f"/proposals/ks-2026-{n}") for n in range(7)}
        assert sum(len(t) for t in log.time_shards) == 40 and len(used) > 1
        assert list(log.actors.keys()) == ["officer"] and len(log.actors["officer"]) == 40
        times = [e["time"] for e in log.find()]
        assert len(times) == 40 and times == sorted(times, reverse=True)


def test_all_seal_digests_in_one_pass_match_one_pass_per_seal(two_connections):
    (tm, conn), _ = two_connections
    for round_ in range(3):
        with tm:
            log = conn.root()["log"]
            for n in range(20):
                log.append(f"/agreements/a-{n}", entry_fields(USERS[n % len(USERS)]))
            log.seal(f"cron {round_}")
    with tm:
        log = conn.root()["log"]
        times = [s["time"] for s in log.seals]
        digests = log.digests_at(times)
        assert [digests[t] for t in times] == [log.digest_until(t) for t in times]
        assert [digests[t] for t in times] == [(s["digest"], s["entries"]) for s in log.seals]
        assert [s["entries"] for s in log.seals] == [60, 80, 100]
        assert verify_log(log).ok and verify_log(log).seals == 3


# -- verification at scale: progress and the incremental check since the last seal ---------------
def test_full_verification_reports_its_progress(two_connections):
    from partnership_cms.audit import verify as verify_module
    from partnership_cms.audit import verify_steps

    (tm, conn), _ = two_connections
    with tm:
        log = conn.root()["log"]
        steps = []
        original = verify_module.RELEASE_EVERY
        verify_module.RELEASE_EVERY = 7
        try:
            result = verify_log(log, progress=steps.append)
        finally:
            verify_module.RELEASE_EVERY = original
        assert result.ok and result.entries == 40
        assert len(steps) > 4 and sum(steps) == verify_steps(log) == 80  # each entry and its index key


def sealed_then_more(conn, tm):
    """The fixture's 40 entries sealed, then 6 more on two chains."""
    with tm:
        log = conn.root()["log"]
        log.seal("cron")
    with tm:
        for n in range(6):
            log.append(f"/proposals/ks-2026-{n % 2}", entry_fields("clerk"))
    return log


def test_incremental_verification_reads_only_what_came_after_the_seal(two_connections):
    from partnership_cms.audit.verify import verify_since_last_seal

    (tm, conn), _ = two_connections
    log = sealed_then_more(conn, tm)
    with tm:
        result = verify_since_last_seal(log)
        assert result.ok and result.entries == 6 and result.chains == 2
        assert (result.since_seal, result.since) == (1, log.seals[-1]["time"])


def test_incremental_verification_finds_tampering_after_the_seal(two_connections):
    from partnership_cms.audit.verify import verify_since_last_seal

    (tm, conn), _ = two_connections
    log = sealed_then_more(conn, tm)
    chain = "/proposals/ks-2026-0"
    with tm:
        seq, _hash = log.heads[chain]
        log.entries[(chain, seq - 1)] = StoredEntry.of(dict(log.get(chain, seq - 1), actor="director"))
    with tm:
        problems = verify_since_last_seal(log).problems
        assert [(p.chain, p.seq, p.code) for p in problems] == [(chain, seq - 1, "entry_altered")]
        assert not verify_log(log).ok


def test_incremental_verification_finds_a_deleted_newest_entry(two_connections):
    from partnership_cms.audit.verify import verify_since_last_seal

    (tm, conn), _ = two_connections
    log = sealed_then_more(conn, tm)
    chain = "/proposals/ks-2026-1"
    with tm:  # the newest entry and every index key of it, the head left as it was
        seq, _hash = log.heads[chain]
        newest = log.get(chain, seq)
        key = (newest["time"], chain, seq)
        del log.entries[(chain, seq)]
        del log.time_shards[shard_of(chain)][key]
        del log.actors["clerk"][key]
    with tm:
        problems = verify_since_last_seal(log).problems
        assert [(p.chain, p.seq, p.code) for p in problems] == [(chain, seq - 1, "head_mismatch")]


def test_an_index_that_disagrees_with_the_entries_is_checked_from_the_entries(two_connections):
    """The seals' digests come from the hashes the time index carries; a sealed
    entry rewritten with a new hash (and its head), the index left alone, must
    still break the seal: the tie between index and entries sends the seals
    back to the entries' own hashes."""
    (tm, conn), _ = two_connections
    chain = "/proposals/ks-2026-3"
    with tm:
        log = conn.root()["log"]
        log.seal("cron")
    with tm:
        seq, _hash = log.heads[chain]
        forged = dict(log.get(chain, seq), actor="director")
        forged["hash"] = entry_hash(forged)
        log.entries[(chain, seq)] = StoredEntry.of(forged)
        log.heads[chain] = (seq, forged["hash"])
    with tm:
        result = verify_log(log)
        assert [(p.chain, p.code) for p in result.problems] == [("@seals", "sealed_entries_changed")]
        assert result.problems[0].params["chains"] == [chain]
