"""Decisions are named by body, year and § (``/decisions/ks-2026-p1``), not like
the case they decide (``/proposals/ks-2026-1``); evolve step 10 renames those
made before, the old addresses redirect, what named them follows, and the
audit trail follows each renamed decision without letting anything hide."""
import datetime
import os

import pytest

from conftest import REAL_BODIES, Api, close_app, make_app, within_ks_mandate
from partnership_cms.audit import verify_all
from partnership_cms.audit.log import AuditEntry
from partnership_cms.catalog import search
from partnership_cms.catalog.check import check_catalog
from partnership_cms.content import numbering
from partnership_cms.evolve import LATEST, STEPS, evolve
from partnership_cms.importer.service import import_document
from partnership_cms.scripting import act_as, app_request
from test_evolve import to_step_10_audit_layout, to_step_15_catalog

from .test_audit import app_db, stored_root, verify
from .test_meetings import ks_meeting_proposes
from .test_protocol import closed_meeting, make_protocol, sign

HTML = {"Accept": "text/html"}
IMPORT_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "importer", "data")


def local(url):
    return url.replace("http://localhost", "")


def old_style_names(monkeypatch):
    """Name decisions as the code of evolve step 9 did (``ks-2026-1``)."""
    monkeypatch.setattr(numbering, "paragraph_name", lambda body, year, n: f"{body.lower()}-{year}-{n}")


def adopt_and_justify(api, seed_url):
    """KS adopts the seed case and justifies it, which approves the agreement
    (whose ``decision`` field then names the decision). Returns the decision's path."""
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    decision = local(api.get(seed_url, user="clerk").json["links"]["decisions"][-1])
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")
    return decision


def run_evolve_from_step_9(app):
    """Evolve as a database made by step 9's code, its audit entries and its catalog
    stored as then (step 11 turns the entries into bytes after step 10 has renamed;
    the catalog kept text digests apart and no values, which step 10's reindex follows)."""
    with app_request(app.registry) as request:
        to_step_10_audit_layout(request.root.audit_log)
        to_step_15_catalog(request.root.catalog)
        del request.root.catalog.indexed_values
        request.root.evolve_version = 9
    with app_request(app.registry) as request:
        assert evolve(request.root, app.registry) == [n for n, _step in STEPS if n > 9]
        assert request.root.evolve_version == LATEST
        assert check_catalog(request) == []


def test_a_new_decision_is_named_by_body_year_and_paragraph(api, seed_url):
    decision = adopt_and_justify(api, seed_url)
    assert decision == "/decisions/ks-2026-p1"
    doc = api.get(decision, user="clerk").json
    assert (doc["id"], doc["body"], doc["paragraph"]) == ("ks-2026-p1", "KS", 1)
    # The page's heading names the body and the § before the matter's title.
    page = api.test.get(decision, headers=dict(HTML, Authorization="Bearer " + api.login("clerk")))
    heading = page.html.find("h1").get_text(" ", strip=True)
    assert heading.startswith("KS § 1 ") and doc["title"] in heading
    assert page.html.find("title").get_text(strip=True).startswith("KS § 1 ")


@pytest.fixture
def evolved(app, api, seed_url, monkeypatch):
    """A database made by step 9's code (an old-style KS § 1 that approved the
    seed's agreement), then evolved by step 10. Returns (old path, new path)."""
    with monkeypatch.context() as m:
        old_style_names(m)
        old = adopt_and_justify(api, seed_url)
    assert old == "/decisions/ks-2026-1"
    with stored_root(app_db(app)) as root:  # what step 9 left is sealed: the rename must keep the seal
        root.audit_log.seal("test")
    assert verify(api)["valid"] is True
    run_evolve_from_step_9(app)
    return old, "/decisions/ks-2026-p1"


def test_evolve_renames_and_every_reference_follows(app, api, seed_url, evolved):
    old, new = evolved
    doc = api.get(new, user="clerk").json  # the API finds it under the new path
    assert (doc["id"], doc["paragraph"], doc["review_state"]) == ("ks-2026-p1", 1, "justified")
    proposal = api.get(seed_url, user="clerk").json
    assert [local(u) for u in proposal["links"]["decisions"]] == [new]
    agreement = api.get(local(proposal["links"]["agreement"]), user="clerk").json
    assert local(agreement["links"]["decision"]) == new
    with app_request(app.registry) as request:
        root = request.root
        assert "ks-2026-1" not in root["decisions"] and "ks-2026-p1" in root["decisions"]
        catalog = root.catalog
        assert old not in catalog.docid_by_path and new in catalog.docid_by_path
        found, total = search(request, ["role:auditor"], type="Decision")
        assert total == 1 and found[0].__name__ == "ks-2026-p1"
    # The decision's trail is whole under its new path: made, justified, renamed.
    items = api.get("/@audit", user="auditor", object=new, b_size=100).json["items"]
    assert [e["action"] for e in reversed(items)] == ["create", "transition", "renamed"]
    renamed = items[0]
    assert (renamed["chain"], renamed["path"]) == (old, new)
    assert (renamed["details"]["from"], renamed["details"]["to"]) == (old, new)
    assert renamed["actor"] is None  # the system, in evolve
    # Those that named it say so on their own chains.
    link = api.get("/@audit", user="auditor", object=seed_url, action="link").json["items"][0]
    assert link["details"]["renamed"] == {"from": old, "to": new} and link["details"]["links"] == ["decisions"]
    result = verify(api)
    assert result["valid"] is True and result["seals"] == 1
    # A later change lands on the same chain, and the trail still verifies.
    api.transition(new, "post", "clerk", posted_on="2026-10-06")
    items = api.get("/@audit", user="auditor", object=new, b_size=100).json["items"]
    assert (items[0]["action"], items[0]["chain"], items[0]["path"], items[0]["seq"]) == (
        "transition", old, new, 4)
    assert verify(api)["valid"] is True


def test_old_addresses_redirect_permanently(api, evolved):
    old, new = evolved
    res = api.get(old, user="clerk", status=301)
    assert res.location == "http://localhost" + new
    res = api.test.get(old + "/history", params={"x": "1"}, headers=HTML, status=301)
    assert res.location == f"http://localhost{new}/history?x=1"
    res = api.get(old + "/@workflow", user="clerk", status=301)
    assert res.location == f"http://localhost{new}/@workflow"
    assert api.get(local(res.location), user="clerk").json["state"]["id"] == "justified"
    # A transition posted to the old address keeps its method (308), and nothing is done there.
    res = api.post(old + "/@workflow/post", {"posted_on": "2026-10-06"}, user="clerk", status=308)
    assert res.location == f"http://localhost{new}/@workflow/post"
    assert api.get(new, user="clerk").json["review_state"] == "justified"
    # A name that never was stays unknown.
    api.get("/decisions/ks-2026-9", user="clerk", status=404)


def test_the_history_page_names_the_rename(api, evolved):
    old, new = evolved
    page = api.test.get(new + "/history", headers=dict(HTML, Authorization="Bearer " + api.login("clerk")))
    text = page.html.get_text(" ", strip=True)
    assert "Skapades" in text and "Fick ny adress" in text and new in text


@pytest.mark.parametrize("tamper, code", [
    ("field", "object_changed"),
    ("renamed_entry_deleted", "head_mismatch"),
    ("alias_deleted", "object_unaudited"),
    ("alias_redirected", "alias_unrecorded"),
    ("moved_back", "object_moved"),
])
def test_tampering_after_the_rename_is_found(app, api, evolved, tamper, code):
    old, new = evolved
    with stored_root(app_db(app)) as root:
        log = root.audit_log
        decision = root["decisions"]["ks-2026-p1"]
        if tamper == "field":
            decision.data["decision_text"] = "Något annat."
        elif tamper == "renamed_entry_deleted":  # the rename hidden: its entry cut out of the chain
            del log.entries[(old, 3)]
        elif tamper == "alias_deleted":
            del log.aliases[new]
        elif tamper == "alias_redirected":  # the new path said to continue another object's chain
            log.aliases[new] = next(c for c in log.heads if c.startswith("/proposals/"))
        elif tamper == "moved_back":  # renamed again behind the application's back, alias to match
            folder = root["decisions"]
            folder.rename("ks-2026-p1", "ks-2026-p9")
            log.aliases["/decisions/ks-2026-p9"] = log.aliases.pop(new)
    result = verify(api)
    assert result["valid"] is False
    assert code in {p["code"] for p in result["problems"]}


def test_an_entry_moved_between_chains_across_a_rename_is_named(app, api, evolved):
    old, _new = evolved
    with stored_root(app_db(app)) as root:
        entries = root.audit_log.entries
        entries[(old, 2)] = AuditEntry(dict(entries[(old, 2)].data, chain="/decisions/ks-2026-p1"))
    codes = {p["code"] for p in verify(api)["problems"]}
    assert {"entry_moved", "entry_altered"} <= codes


def test_a_meeting_agenda_follows_the_rename(tmp_path, seed_url, monkeypatch):
    app = make_app(tmp_path, **{"partnership_cms.bodies": REAL_BODIES})
    api = Api(app)
    try:
        with monkeypatch.context() as m:
            old_style_names(m)
            meeting = ks_meeting_proposes(api, seed_url)
        year = datetime.date.today().year
        old, new = f"/decisions/ks-{year}-1", f"/decisions/ks-{year}-p1"
        assert [i.get("decision") for i in api.get(meeting, user="clerk").json["agenda"]] == [old]
        run_evolve_from_step_9(app)
        assert [i.get("decision") for i in api.get(meeting, user="clerk").json["agenda"]] == [new]
        items = api.get("/@audit", user="auditor", object=meeting, action="link").json["items"]
        assert items[0]["details"]["fields"] == ["agenda"]
        with app_request(app.registry) as request:
            assert verify_all(request.root).ok
    finally:
        close_app(app)


def test_an_imported_protocol_is_renamed_and_the_same_file_stays_a_duplicate(app, monkeypatch):
    with open(os.path.join(IMPORT_DATA, "protokoll_ks.txt"), "rb") as f:
        extract = f.read()
    with monkeypatch.context() as m:
        old_style_names(m)
        with app_request(app.registry) as request:
            act_as(request, None)
            obj, created = import_document(request, extract, "ks-142.txt")
            assert created and obj.__name__ == "ks-2021-142"
    run_evolve_from_step_9(app)
    with app_request(app.registry) as request:
        act_as(request, None)
        assert set(request.root.imports.values()) == {"/decisions/ks-2021-p142"}
        again, created = import_document(request, extract, "ks-142.txt")
        assert not created and again.__name__ == "ks-2021-p142"
        assert verify_all(request.root).ok


def test_the_auditors_page_shows_the_whole_trail_under_the_new_path(api, evolved):
    old, new = evolved
    page = api.test.get("/audit", params={"document": new},
                        headers=dict(HTML, Authorization="Bearer " + api.login("auditor")))
    rows = [row.get_text(" ", strip=True) for row in page.html.select("main table tbody tr")]
    assert len(rows) == 3
    assert "Ny adress" in rows[0] and f"Ny adress {new} (tidigare {old})" in rows[0]
    # The entries from before the rename name the decision by type and § all the same.
    assert all("Beslut KS § 1" in row for row in rows)


def test_a_signed_protocol_keeps_its_signature_and_still_justifies_the_renamed_decisions(
        tmp_path, seed_url, monkeypatch):
    app = make_app(tmp_path, **{"partnership_cms.bodies": REAL_BODIES})
    api = Api(app)
    try:
        with monkeypatch.context() as m:
            old_style_names(m)
            meeting, _cases = closed_meeting(api, seed_url)
        protocol = make_protocol(api, meeting)
        api.transition(protocol, "send_for_signing", "clerk")
        sign(api, protocol, "ks_chair")
        old = [local(i["decision"]) for i in api.get(protocol, user="clerk").json["items"] if i["decision"]]
        assert old and all(not path.rsplit("-", 1)[1].startswith("p") for path in old)
        run_evolve_from_step_9(app)
        # What was signed is kept as signed (the old paths, which redirect); nothing is voided.
        assert [local(i["decision"]) for i in api.get(protocol, user="clerk").json["items"]
                if i["decision"]] == old
        assert verify(api)["valid"] is True
        for adjuster in ("ks_member", "ks_member2"):
            sign(api, protocol, adjuster)
        for path in old:
            new = local(api.get(path, user="clerk", status=301).location)
            assert "-p" in new and api.get(new, user="clerk").json["review_state"] != "recorded"
        assert verify(api)["valid"] is True
    finally:
        close_app(app)
