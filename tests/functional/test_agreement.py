"""The agreement's life: approved by an adopted decision, signed by both
parties, amended into a new version (the old one stays readable), terminated
with its end date computed from its own rule."""
import datetime

from conftest import within_ks_mandate


def adopt_seed_case(api, seed_url):
    """KS adopts the seed case and its chair justifies the decision, which approves the agreement."""
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    doc = api.get(seed_url, user="clerk").json
    decision = doc["links"]["decisions"][-1].replace("http://localhost", "")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")
    return doc["links"]["agreement"].replace("http://localhost", "")


def test_agreement_needs_an_adopted_decision(api, seed_url):
    agreement = api.get(seed_url, user="clerk").json["links"]["agreement"].replace("http://localhost", "")
    res = api.transition(agreement, "approve", "clerk", status=422)
    assert "inte kopplat till ett beslut om bifall" in res.json["message"]
    adopt_seed_case(api, seed_url)
    assert api.get(agreement).json["review_state"] == "approved"  # public now


def test_sign_amend_and_terminate(api, seed_url):
    agreement = adopt_seed_case(api, seed_url)
    parties = api.get(agreement).json["parties"]
    res = api.transition(agreement, "sign", "clerk", status=422,
                         signatures=[{"party": parties[0], "signed_on": "2026-10-10"}])
    assert "Underskrift saknas" in res.json["message"]
    api.transition(agreement, "sign", "clerk", signatures=[
        {"party": p, "signed_on": f"2026-10-1{i}", "signed_by": "Firmatecknare"} for i, p in enumerate(parties)])
    assert api.get(agreement).json["review_state"] == "signed"

    # An amendment: a new case with its own workflow; applied, it makes version 2.
    old_rights = api.get(agreement).json["rights"]
    res = api.post("/amendments", {
        "title": "Tilläggsavtal 1: publicering",
        "amends": agreement,
        "changes": [{"field": "rights", "operation": "replace", "text": "Resultaten publiceras öppet."},
                    {"field": "focus_areas", "operation": "insert", "text": "Samverkan inom kultur."}],
        "motivation": "Förtydligande av rättigheterna.",
    }, user="officer", status=201)
    amendment = res.json["@id"].replace("http://localhost", "")
    api.transition(amendment, "apply", "clerk", status=409)  # not adopted yet
    api.transition(amendment, "submit", "officer")
    assert api.get(agreement).json["links"]["amendments"] == ["http://localhost" + amendment]
    api.transition(amendment, "adopt", "ks_chair")
    api.transition(amendment, "apply", "clerk")
    doc = api.get(agreement).json
    assert doc["version"] == 2
    assert doc["rights"] == "Resultaten publiceras öppet."
    assert doc["focus_areas"][-1] == "Samverkan inom kultur."
    assert doc["versions"][0]["version"] == 1
    assert doc["versions"][0]["data"]["rights"] == old_rights
    assert api.get(amendment).json["applied_version"] == 2

    entry = api.transition(agreement, "terminate", "clerk", notice_date="2027-07-01").json
    assert entry["to"] == "terminated"
    doc = api.get(agreement).json
    # Six months' notice to the nearest turn of a calendar year: 1 July is too late for 2027.
    assert (doc["notice_date"], doc["ends_on"]) == ("2027-07-01", "2028-12-31")


def test_amendment_without_a_signed_agreement_cannot_be_applied(api, seed_url):
    agreement = api.get(seed_url, user="clerk").json["links"]["agreement"].replace("http://localhost", "")
    res = api.post("/amendments", {"title": "Ändring", "amends": agreement, "motivation": "M",
                                   "changes": [{"field": "rights", "operation": "delete"}]},
                   user="officer", status=201)
    amendment = res.json["@id"].replace("http://localhost", "")
    api.transition(amendment, "submit", "officer")
    api.transition(amendment, "adopt", "clerk")
    res = api.transition(amendment, "apply", "clerk", status=422)
    assert "inte undertecknat" in res.json["message"]


def test_amendment_reference_must_exist(api):
    res = api.post("/amendments", {"title": "Ändring", "amends": "/agreements/finns-inte"},
                   user="officer", status=422)
    assert "amends" in res.json["errors"]


def test_today_is_used_when_no_date_is_given(api, seed_url):
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair")
    decision = api.get(seed_url, user="clerk").json["links"]["decisions"][0]
    assert api.get(decision.replace("http://localhost", ""), user="clerk").json["meeting_date"] == (
        datetime.date.today().isoformat())
