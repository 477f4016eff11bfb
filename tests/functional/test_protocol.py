"""The protocol of a closed meeting through the API and the browser: made from
the meeting's data, corrected (audited, old and new text), justerat by the
chair and two justerare (a change after a signature voids it), the meeting's
decisions justified in the same transaction, late justering flagged, omedelbar
justering of one paragraph, and a signed text changed behind the
application's back named by verification.

On the real bodies/: KS is ks_chair (chair), ks_member (vice chair), ks_member2."""
import datetime

import pytest

from conftest import Api, browse, close_app
from partnership_cms import dates

from .test_audit import app_db, stored_root
from .test_case_path import create_proposal
from .test_meetings import KS_SEATS, act, local, meetings_app, new_meeting, trail

TODAY = datetime.date.today()
VOIDED = "Protokollet har ändrats efter signering; underskrifterna är ogiltiga"


@pytest.fixture
def app(tmp_path):
    app = meetings_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture(autouse=True)
def calendar():
    """The app's clock back to the calendar after each test, even a failed one."""
    yield
    dates.set_today(None)


@pytest.fixture
def api(app):
    return Api(app)


def case_before_ks(api, title):
    url = create_proposal(api, title=title)
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    return url


def closed_meeting(api, seed_url, held=TODAY):
    """A KS meeting held on ``held`` with three cases: a named vote (2-1) with a
    reservation, a proposal to KF, and a tabled case."""
    cases = [seed_url, case_before_ks(api, "Ny förskola i Flemingsberg"),
             case_before_ks(api, "Taxor för bygglov")]
    # The app's clock travels: the kallelse goes out ten days before ``held``, the meeting is held on it.
    dates.set_today(held - datetime.timedelta(days=10))
    url = new_meeting(api, "KS", days=(held - TODAY).days)
    for case in cases:
        act(api, url, "add_item", "clerk", proposal=case)
    api.transition(url, "convene", "clerk")
    dates.set_today(held)
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_member", item=1, kind="reject")
    act(api, url, "move", "ks_chair", item=1, kind="approve")
    act(api, url, "open_vote", "ks_chair", item=1, question="Bifall mot avslag", ja="approve", nej="reject")
    for member, vote in zip(KS_SEATS, ["ja", "nej", "ja"], strict=True):
        act(api, url, "vote", member, item=1, vote=vote)
    act(api, url, "close_vote", "ks_chair", item=1)
    act(api, url, "decide", "ks_chair", item=1, decision_text="Kommunfullmäktige föreslås godkänna avtalet.")
    act(api, url, "reserve", "ks_member", item=1, reason="Kostnaderna är oklara.")
    act(api, url, "decide", "ks_chair", item=2, outcome="approve", decision_text="Förskolan byggs.")
    act(api, url, "decide", "ks_chair", item=3, outcome="table", decision_text="Ärendet bordläggs.")
    api.transition(url, "close", "ks_chair")
    dates.set_today(None)
    return url, cases


def open_meeting(api, seed_url):
    """A KS meeting today, convened ten days ago, opened, the roll call held:
    ks_member2 absent, ks_sub1 serving in that seat."""
    dates.set_today(TODAY - datetime.timedelta(days=10))
    url = new_meeting(api, "KS", days=0)
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    dates.set_today(None)
    api.transition(url, "open", "ks_chair")
    return url


def test_the_justerare_are_chosen_at_the_meeting_and_named_in_its_protocol(api, seed_url):
    url = open_meeting(api, seed_url)
    choose = {"adjusters": ["ks_member", "ks_sub1"], "place": "Kommunhuset, rum 3",
              "date": (TODAY + datetime.timedelta(days=2)).isoformat()}
    res = act(api, url, "choose_adjusters", "clerk", status=422, **choose)
    assert "Förrätta upprop först" in res["message"]
    act(api, url, "roll_call", "clerk", present=["ks_chair", "ks_member"],
        substitutes=[{"substitute": "ks_sub1", "for": "ks_member2"}])
    declarations = len(trail(api, url, "declaration"))
    # Refusals, each with its reason, and nothing written.
    res = act(api, url, "choose_adjusters", "ks_member2", status=403, **choose)
    assert "registratorn eller ordföranden" in res["message"]
    for adjusters, reason in ((["ks_chair"], "Ordföranden justerar redan"),
                              (["ks_member2"], "bland dem som tjänstgör: ks_member2"),
                              (["ks_sub2"], "bland dem som tjänstgör: ks_sub2"),
                              ([], "en till 3 olika justerare"),
                              (["ks_member", "ks_member"], "en till 3 olika justerare")):
        res = act(api, url, "choose_adjusters", "ks_chair", status=422, **dict(choose, adjusters=adjusters))
        assert reason in res["errors"]["adjusters"]
    res = act(api, url, "choose_adjusters", "ks_chair", status=422,
              **dict(choose, date=(TODAY - datetime.timedelta(days=1)).isoformat()))
    assert "före sammanträdet" in res["errors"]["date"]
    res = act(api, url, "choose_adjusters", "ks_chair", status=422, **dict(choose, date="i morgon"))
    assert "ÅÅÅÅ-MM-DD" in res["errors"]["date"]
    assert api.get(url + "/@meeting", user="ks_member").json["justering"] == {
        "adjusters": [], "place": "", "date": None}
    assert len(trail(api, url, "declaration")) == declarations

    # The chair (or the clerk) records the meeting's choice: audited, in the summary.
    assert act(api, url, "choose_adjusters", "ks_chair", **choose) == {
        "adjusters": ["ks_member", "ks_sub1"], "place": "Kommunhuset, rum 3", "date": choose["date"]}
    assert api.get(url + "/@meeting", user="ks_member").json["justering"]["adjusters"] == ["ks_member", "ks_sub1"]
    entry = trail(api, url, "declaration")[0]
    assert (entry["actor"], entry["details"]["act"], entry["details"]["adjusters"]) == (
        "ks_chair", "choose_adjusters", ["ks_member", "ks_sub1"])

    act(api, url, "decide", "ks_chair", item=1, outcome="approve")
    api.transition(url, "close", "ks_chair")
    res = act(api, url, "choose_adjusters", "ks_chair", status=409, **choose)
    assert "nuvarande läge" in res["message"]

    # The protocol names them, with the place and the day; a request naming others is refused.
    res = api.post(url + "/@protocol", {"adjusters": ["ks_member"]}, user="clerk", status=422).json
    assert "valde justerarna (ks_member, ks_sub1)" in res["errors"]["adjusters"]
    assert not api.get(url, user="clerk").json["links"].get("protocol")
    protocol = api.get(local(api.post(url + "/@protocol", {}, user="clerk", status=201).json["@id"]),
                       user="clerk").json
    assert (protocol["adjusters"], protocol["justering_place"], protocol["justering_date"]) == (
        ["ks_member", "ks_sub1"], "Kommunhuset, rum 3", choose["date"])


def make_protocol(api, meeting_url, status=201, **body):
    body = {"adjusters": ["ks_member", "ks_member2"], "justering_place": "Kommunhuset",
            "justering_date": TODAY.isoformat(), **body}
    res = api.post(meeting_url + "/@protocol", body, user="clerk", status=status)
    return local(res.json["@id"]) if status == 201 else res.json


def sign(api, url, user, status=200, **body):
    return api.post(url + "/@protocol/sign", body, user=user, status=status).json


def correct(api, url, status=200, user="clerk", **body):
    return api.post(url + "/@protocol/correct", body, user=user, status=status).json


def decision_states(api, protocol):
    return [api.get(local(i["decision"]), user="clerk").json["review_state"] for i in protocol["items"]]


def test_the_protocol_is_made_from_the_meeting(api, app, seed_url):
    meeting_url, cases = closed_meeting(api, seed_url)
    # Not by anyone but the clerk; not of an open meeting; the justerare serve at it.
    api.post(meeting_url + "/@protocol", {"adjusters": ["ks_member"]}, user="ks_chair", status=403)
    res = make_protocol(api, meeting_url, status=422, adjusters=["ks_sub1"])
    assert "bland dem som tjänstgjorde" in res["errors"]["adjusters"]
    res = make_protocol(api, meeting_url, status=422, adjusters=["ks_chair"])
    assert "Ordföranden" in res["errors"]["adjusters"]
    # The meeting chose none and the request names none: refused, with the reason.
    res = make_protocol(api, meeting_url, status=422, adjusters=[])
    assert "valde inga justerare" in res["errors"]["adjusters"]
    url = make_protocol(api, meeting_url)
    make_protocol(api, meeting_url, status=409)  # once per meeting

    protocol = api.get(url, user="ks_member2").json
    meeting = api.get(meeting_url, user="clerk").json
    assert (protocol["@type"], protocol["review_state"]) == ("Protocol", "draft")
    assert (protocol["body"], protocol["meeting"], protocol["meeting_date"], protocol["meeting_place"]) == (
        "KS", meeting_url, TODAY.isoformat(), "Kommunhuset")
    assert (protocol["chair"], protocol["secretary"], protocol["adjusters"]) == (
        "ks_chair", "clerk", ["ks_member", "ks_member2"])
    assert protocol["present"] == sorted(KS_SEATS)
    items = protocol["items"]
    assert [i["paragraph"] for i in items] == [i["paragraph"] for i in meeting["agenda"]]
    assert [i["paragraph"] for i in items] == sorted(i["paragraph"] for i in items)
    assert [i["proposal"] for i in items] == cases
    first = items[0]
    assert first["dnr"] == api.get(seed_url, user="clerk").json["dnr"]
    assert first["decision_text"] == "Kommunfullmäktige föreslås godkänna avtalet."
    assert [(m["kind"], m["mover"]) for m in first["motions"]] == [("reject", "ks_member"), ("approve", "ks_chair")]
    assert first["votes"][0]["ballots"] == [{"member": "ks_chair", "vote": "ja"},
                                            {"member": "ks_member", "vote": "nej"},
                                            {"member": "ks_member2", "vote": "ja"}]
    assert "Bifall mot avslag" in first["propositions"]
    assert first["reservations"] == [{"member": "ks_member", "reason": "Kostnaderna är oklara."}]
    assert [i["outcome"] for i in items] == ["approve", "approve", "table"]
    assert meeting["links"]["protocol"] == ["http://localhost" + url]

    # The page: header, each § with the named vote as a table, the signature block.
    page = browse(app, "ks_member2").get(url)
    for paragraph in (i["paragraph"] for i in items):
        assert f"§ {paragraph} " in page.text
    table = page.html.select_one("table.named-vote")
    rows = [[c.get_text() for c in row.find_all("td")] for row in table.tbody.find_all("tr")]
    assert rows == [["Karin Ordförande (KS)", "Ja"], ["Kalle Ledamot (KS)", "Nej"], ["Klara Ledamot (KS)", "Ja"]]
    assert "Reservationer" in page.text and "Kostnaderna är oklara." in page.text
    assert "Underskrifter" in page.text
    assert api.get(url + "/@protocol", user="ks_member").json["missing"] == ["ks_chair", "ks_member", "ks_member2"]
    # Not public before justering.
    api.get(url, status=401)
    paths = api.get("/@openapi.json").json["paths"]
    assert {"/meetings/{id}/@protocol", "/protocols/{id}/@protocol", "/protocols/{id}/@protocol/{act}",
            "/protocols", "/protocols/{id}"} <= set(paths)


def test_corrections_signing_voiding_and_justering(api, app, seed_url):
    meeting_url, _cases = closed_meeting(api, seed_url)
    url = make_protocol(api, meeting_url)
    paragraph = api.get(url, user="clerk").json["items"][1]["paragraph"]

    # The clerk corrects the wording; others may not; what was decided is not a wording field.
    correct(api, url, status=403, user="ks_chair", field="decision_text", paragraph=paragraph, text="X")
    correct(api, url, status=422, field="outcome", paragraph=paragraph, text="reject")
    done = correct(api, url, field="decision_text", paragraph=paragraph, text="Förskolan byggs 2027.")
    assert (done["old"], done["new"], done["voided"]) == ("Förskolan byggs.", "Förskolan byggs 2027.", [])
    edits = [e for e in trail(api, url, "edit") if e["details"].get("act") == "correct"]
    assert edits[0]["details"]["changes"] == [{"field": f"items.§{paragraph}.decision_text",
                                              "old": "Förskolan byggs.", "new": "Förskolan byggs 2027."}]
    assert edits[0]["actor"] == "clerk"

    # Signing waits for the clerk to send it for justering.
    res = sign(api, url, "ks_chair", status=409)
    assert "inte skickat för justering" in res["message"]
    api.transition(url, "send_for_signing", "ks_chair", status=403)
    api.transition(url, "send_for_signing", "clerk")

    # Only the chair and the chosen justerare, each once.
    res = sign(api, url, "ks_sub1", status=403)
    assert "Endast ordföranden och de valda justerarna" in res["message"]
    sign(api, url, "clerk", status=403)
    first = sign(api, url, "ks_chair")
    assert first["signed"] == ["ks_chair"] and first["missing"] == ["ks_member", "ks_member2"]
    signature = first["signatures"][0]
    assert (signature["signer"], signature["role"], signature["sha256"]) == ("ks_chair", "chair", first["sha256"])
    assert sign(api, url, "ks_chair", status=409)["message"] == "Du har redan justerat protokollet."

    # A change after the first signature voids it, and says so.
    done = correct(api, url, field="justering_place", text="Stadshuset, rum 3")
    assert done["voided"] == ["ks_chair"]
    state = api.get(url + "/@protocol", user="ks_member").json
    assert state["signed"] == [] and state["voided"] is True
    assert state["voided_signatures"][0]["signer"] == "ks_chair"
    assert VOIDED in state["voided_signatures"][0]["reason"]
    assert VOIDED in browse(app, "ks_member").get(url).text
    entry = [e for e in trail(api, url, "edit") if e["details"].get("act") == "correct"][0]
    assert entry["details"]["voided"][0]["signer"] == "ks_chair"
    # A signer who read the protocol before the change is refused.
    res = sign(api, url, "ks_member", status=409, sha256=first["sha256"])
    assert "har ändrats sedan du öppnade det" in res["message"]

    # All three sign again (the chair in the browser, with CSRF); the last signature justifies.
    browser = browse(app, "ks_chair")
    form = browser.get(url).forms["sign-form"]
    assert form.action.endswith("/sign")
    browser.post(url + "/sign", {"sha256": state["sha256"]}, status=400)  # no CSRF token
    form.submit(status=303)
    sign(api, url, "ks_member", sha256=state["sha256"])
    protocol = api.get(url, user="clerk").json
    assert protocol["review_state"] == "signing"
    assert decision_states(api, protocol) == ["recorded"] * 3
    done = sign(api, url, "ks_member2")
    assert (done["state"], done["justified_on"], done["justification_late"]) == ("justified", TODAY.isoformat(), None)
    assert sorted(done["signed"]) == ["ks_chair", "ks_member", "ks_member2"]
    assert len({s["sha256"] for s in done["signatures"]}) == 1

    # Every decision of the meeting is justified, through the engine, caused by the protocol.
    protocol = api.get(url, user="clerk").json
    assert decision_states(api, protocol) == ["justified"] * 3
    for item in protocol["items"]:
        decision = api.get(local(item["decision"]), user="clerk").json
        assert (decision["justified_on"], decision["flags"]) == (TODAY.isoformat(), [])
        history = api.get(local(item["decision"]) + "/@history", user="clerk").json
        assert (history[-1]["action"], history[-1]["caused_by"], history[-1]["actor"]) == (
            "justify", url, "ks_member2")
    # Justerat: public, closed to corrections and further signatures.
    assert api.get(url).json["review_state"] == "justified"
    correct(api, url, status=409, field="title", text="Något annat")
    sign(api, url, "ks_chair", status=409)
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True


def test_a_late_justering_is_flagged_with_the_rule(api, seed_url):
    meeting_url, _cases = closed_meeting(api, seed_url, held=TODAY - datetime.timedelta(days=20))
    url = make_protocol(api, meeting_url)
    api.transition(url, "send_for_signing", "clerk")
    for signer in ("ks_member", "ks_member2", "ks_chair"):
        done = sign(api, url, signer)
    assert done["state"] == "justified"
    assert "KL 5:69, 6:35" in done["justification_late"]
    protocol = api.get(url, user="clerk").json
    assert decision_states(api, protocol) == ["justified"] * 3
    decision = api.get(local(protocol["items"][0]["decision"]), user="clerk").json
    assert [(f["rule"], f["problem"]) for f in decision["flags"]] == [("justification", "late")]
    assert "KL 5:69, 6:35" in decision["justification_late_reason"]


def test_omedelbar_justering_of_one_paragraph(api, seed_url):
    meeting_url, _cases = closed_meeting(api, seed_url)
    url = make_protocol(api, meeting_url)
    items = api.get(url, user="clerk").json["items"]
    paragraph = items[1]["paragraph"]
    sign(api, url, "ks_sub1", status=403, paragraph=paragraph)
    sign(api, url, "ks_chair", paragraph=paragraph)
    sign(api, url, "ks_chair", status=409, paragraph=paragraph)
    sign(api, url, "ks_member", paragraph=paragraph)
    protocol = api.get(url, user="clerk").json
    assert decision_states(api, protocol) == ["recorded"] * 3
    done = sign(api, url, "ks_member2", paragraph=paragraph)
    assert done["immediate"] == [{"paragraph": paragraph, "justified_on": TODAY.isoformat(),
                                  "signers": ["ks_chair", "ks_member", "ks_member2"]}]
    assert decision_states(api, protocol) == ["recorded", "justified", "recorded"]
    # That paragraph is justerad and is not corrected; the rest of the protocol still is.
    res = correct(api, url, status=409, field="decision_text", paragraph=paragraph, text="Annat.")
    assert "redan justerad" in res["message"]
    correct(api, url, field="decision_text", paragraph=items[0]["paragraph"], text="Rättad lydelse.")
    # The whole protocol's justering leaves the paragraph's decision as it is.
    api.transition(url, "send_for_signing", "clerk")
    for signer in ("ks_chair", "ks_member", "ks_member2"):
        done = sign(api, url, signer)
    assert done["state"] == "justified"
    assert decision_states(api, protocol) == ["justified"] * 3
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True


def test_a_signed_text_changed_behind_the_applications_back_is_named(api, app, seed_url):
    meeting_url, _cases = closed_meeting(api, seed_url)
    url = make_protocol(api, meeting_url)
    api.transition(url, "send_for_signing", "clerk")
    for signer in ("ks_chair", "ks_member", "ks_member2"):
        sign(api, url, signer)
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True

    with stored_root(app_db(app)) as root:
        protocol = root["protocols"][url.rsplit("/", 1)[1]]
        items = [dict(i) for i in protocol.data["items"]]
        items[0]["decision_text"] = "Kommunfullmäktige föreslås avslå avtalet."
        protocol.data["items"] = items

    result = api.get("/@audit/verify", user="auditor").json
    assert result["valid"] is False
    signed = [p for p in result["problems"] if p["code"] == "signed_content_changed"]
    assert [(p["chain"], p["params"]["signer"]) for p in signed] == [
        (url, "ks_chair"), (url, "ks_member"), (url, "ks_member2")]
    assert "no longer hashes" in signed[0]["reason"]
    # The auditor's page names the protocol too.
    page = browse(app, "auditor").get("/audit/verify")
    assert url in page.text and "det signerade innehållet" in page.text
