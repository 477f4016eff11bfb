"""The whole path of a case, draft to closed, each role doing its part,
through the real app and a real FileStorage."""
import datetime

import pytest

from conftest import within_ks_mandate

TODAY = datetime.date.today()
COMPLETE = {
    "@type": "Proposal",
    "title": "Nytt avtal om samverkan med Karolinska institutet",
    "unit": "Kommunstyrelsens förvaltning",
    "decision_points": ["Avtalet godkänns."],
    "summary": "Kommunen och KI föreslås samverka.",
    "recipients": ["Karolinska institutet", "Samtliga nämnder och bolag"],
}


def create_proposal(api, **overrides):
    res = api.post("/proposals", dict(COMPLETE, **overrides), user="officer", status=201)
    return res.json["@id"].replace("http://localhost", "")


def test_seed_case_is_before_ks_with_real_history(api, seed_url):
    res = api.get(seed_url + "/@workflow", user="ks_chair")
    assert res.json["state"]["id"] == "ks"
    assert [h["action"] for h in res.json["history"]] == ["submit", "approve"]
    assert [h["actor"] for h in res.json["history"]] == ["officer", "director"]
    doc = api.get(seed_url, user="ks_chair").json
    assert doc["dnr"] == f"KS-{TODAY.year}/1"
    # The demo's seed goes through the importer's letter repair.
    assert doc["recipients"] == ["Södertörns högskola", "Samtliga nämnder och bolag"]
    assert doc["decision_points"][0].endswith("godkänns.")
    agreement = api.get(doc["links"]["agreement"].replace("http://localhost", ""), user="ks_chair").json
    assert agreement["termination_rule"] == "calendar_year_turn"
    assert agreement["notice_months"] == 6
    assert len(agreement["parties"]) == 2


def test_whole_path_draft_to_closed(api):
    url = create_proposal(api)
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director", comment="Signerat.")
    api.transition(url, "ks_propose", "ks_chair", meeting_date="2026-09-01",
                   votes_yes=9, votes_no=4, votes_abstain=0,
                   reservations=[{"member": "Anna Andersson (M)", "reason": "Kostnaderna är oklara."}])
    api.transition(url, "kf_adopt", "kf_chair", meeting_date="2026-09-20")
    doc = api.get(url, user="clerk").json
    assert doc["review_state"] == "adopted"
    ks_decision, kf_decision = [u.replace("http://localhost", "") for u in doc["links"]["decisions"]]
    ks = api.get(ks_decision, user="clerk").json
    assert (ks["body"], ks["outcome"], ks["votes_yes"], ks["reservations"][0]["member"]) == (
        "KS", "propose", 9, "Anna Andersson (M)")
    kf = api.get(kf_decision, user="clerk").json
    assert (kf["body"], kf["outcome"], kf["paragraph"], kf["dnr"]) == ("KF", "adopt", 1, doc["dnr"])

    # Dispatch needs the protocol justerat.
    res = api.transition(url, "dispatch", "clerk", status=422)
    assert "inte justerat" in res.json["message"]
    api.transition(kf_decision, "justify", "ks_chair", status=422)  # not the deciding body's chair
    api.transition(kf_decision, "justify", "kf_chair", justified_on="2026-09-25")
    api.transition(kf_decision, "post", "clerk", posted_on="2026-09-26")
    assert api.get(kf_decision, user="clerk").json["appeal_ends_on"] == "2026-10-19"

    entry = api.transition(url, "dispatch", "clerk", dispatched_on="2026-09-28").json
    assert entry["to"] == "dispatched" and entry["actor"] == "clerk"
    doc = api.get(url).json  # public once adopted
    assert [d["recipient"] for d in doc["dispatches"]] == COMPLETE["recipients"]
    assert {d["sent_on"] for d in doc["dispatches"]} == {"2026-09-28"}
    api.transition(url, "close", "clerk")
    assert api.get(url).json["review_state"] == "closed"

    # The decision becomes final once the appeal period is over.
    api.transition(kf_decision, "finalize", "clerk")
    assert api.get(kf_decision).json["review_state"] == "final"


def test_incomplete_draft_saves_but_cannot_be_submitted(api):
    url = create_proposal(api, summary="", recipients=[])
    res = api.transition(url, "submit", "officer", status=422)
    assert res.json["type"] == "GuardFailed"
    assert "Fältet 'Sammanfattning' måste fyllas i." in res.json["errors"]["guards"]
    assert "Fältet 'Beslutet ska skickas till' måste fyllas i." in res.json["errors"]["guards"]
    api.patch(url, {"summary": "Nu ifyllt.", "recipients": ["KI"]}, user="officer")
    api.transition(url, "submit", "officer")


@pytest.mark.parametrize("transition,end_state", [
    ("ks_reject", "rejected"), ("ks_adopt", "adopted"), ("ks_table", "ks"), ("ks_refer_back", "draft"),
])
def test_ks_outcomes(api, seed_url, transition, end_state):
    data = {"comment": "Mer underlag behövs."} if transition == "ks_refer_back" else {}
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, transition, "ks_chair", meeting_date="2026-10-01", **data)
    doc = api.get(seed_url, user="clerk").json
    assert doc["review_state"] == end_state
    decision = api.get(doc["links"]["decisions"][-1].replace("http://localhost", ""), user="clerk").json
    assert decision["body"] == "KS" and decision["paragraph"] == 1


@pytest.mark.parametrize("transition,end_state", [
    ("kf_reject", "rejected"), ("kf_table", "kf"), ("kf_refer_back", "draft"),
])
def test_kf_outcomes(api, seed_url, transition, end_state):
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-10-01")
    data = {"comment": "Återremiss."} if transition == "kf_refer_back" else {}
    api.transition(seed_url, transition, "kf_chair", meeting_date="2026-10-15", **data)
    assert api.get(seed_url, user="clerk").json["review_state"] == end_state


def test_return_and_withdraw_need_a_comment(api):
    url = create_proposal(api)
    api.transition(url, "submit", "officer")
    res = api.transition(url, "return", "director", status=422)
    assert res.json["errors"]["comment"]
    api.transition(url, "return", "director", comment="Komplettera bakgrunden.")
    assert api.get(url + "/@history", user="officer").json[-1]["comment"] == "Komplettera bakgrunden."
    api.transition(url, "withdraw", "officer", comment="Ärendet utgår.")
    assert api.get(url, user="officer").json["review_state"] == "withdrawn"


def test_refusals_have_the_right_status(api, seed_url):
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair")  # the chair may; now adopted
    res = api.transition(seed_url, "close", "clerk", status=409)  # adopted -> close needs dispatched
    assert res.json["type"] == "Conflict"
    res = api.post(seed_url + "/@workflow/dispatch", {}, status=401)
    assert res.json["type"] == "Unauthorized"
    res = api.transition(seed_url, "dispatch", "officer", status=403)
    assert res.json["type"] == "Forbidden"
    res = api.transition(seed_url, "no_such_thing", "clerk", status=404)
    assert res.json["type"] == "NotFound"


def test_sharing_makes_a_colleague_owner(api):
    url = create_proposal(api)
    api.post(url + "/@sharing", {"login": "ks_member", "role": "Owner"}, user="officer", status=403)
    api.get(url, user="ks_member", status=403)
    res = api.post(url + "/@sharing", {"login": "ks_member", "role": "Owner"}, user="clerk")
    assert res.json["local_roles"]["ks_member"] == ["Owner"]
    assert api.get(url, user="ks_member").json["title"] == COMPLETE["title"]
    found = api.get("/@search", user="ks_member", SearchableText="Karolinska").json
    assert [i["@id"] for i in found["items"]] == ["http://localhost" + url]
    api.post(url + "/@sharing", {"login": "nobody", "role": "Owner"}, user="clerk", status=422)
    api.post(url + "/@sharing", {"login": "ks_member", "role": "Owner", "granted": False}, user="clerk")
    api.get(url, user="ks_member", status=403)


def test_confidential_case_stays_hidden_from_the_public_but_not_from_its_people(api):
    url = create_proposal(api, confidential=True, confidentiality_reference="OSL 19:1")
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    # Met today: justerat and posted today keep the legal order of dates.
    api.transition(url, "ks_adopt", "ks_chair", meeting_date=TODAY.isoformat())
    api.get(url, status=401)
    assert api.get(url, user="clerk").json["review_state"] == "adopted"
    decision = api.get(url, user="clerk").json["links"]["decisions"][0].replace("http://localhost", "")
    api.transition(decision, "justify", "ks_chair")
    api.get(decision, status=401)
    api.transition(decision, "post", "clerk")
    api.transition(url, "dispatch", "clerk")
    api.transition(url, "close", "clerk")
    assert api.get(url, user="auditor").json["review_state"] == "closed"
    assert api.get("/@search", SearchableText="Karolinska").json["items_total"] == 0
