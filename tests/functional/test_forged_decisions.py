"""Only a decision the case's own transitions made, justified, adopting the
agreement, approves it; what a meeting decided is never a client's to write
(issue 10, item 1)."""
from .test_case_path import create_proposal

HAND_DECISION = {"title": "Godkännande av avtalet", "body": "KS", "meeting_date": "2026-10-01",
                 "outcome": "adopt", "decision_text": "Avtalet godkänns."}


def path_of(url):
    return url.replace("http://localhost", "")


def agreement_of(api, seed_url):
    return path_of(api.get(seed_url, user="clerk").json["links"]["agreement"])


def last_decision(api, proposal):
    return path_of(api.get(proposal, user="clerk").json["links"]["decisions"][-1])


def test_a_decision_registered_by_hand_cannot_approve_an_agreement(api, seed_url):
    agreement = agreement_of(api, seed_url)
    res = api.post("/decisions", HAND_DECISION, user="clerk", status=201)  # hand registration stays
    decision = path_of(res.json["@id"])
    assert res.json["outcome"] == "adopt" and not res.json.get("made_by")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")
    api.patch(agreement, {"decision": decision}, user="clerk")
    res = api.transition(agreement, "approve", "clerk", status=422)
    assert "inte fattat i ärendets behandling" in res.json["message"]
    api.transition(agreement, "sign", "clerk", status=409, signatures=[])
    assert api.get(agreement, user="clerk").json["review_state"] == "draft"


def test_a_client_cannot_give_made_by(api):
    res = api.post("/decisions", dict(HAND_DECISION, made_by="ks_adopt"), user="clerk", status=422)
    assert "made_by" in res.json["errors"]


def test_what_the_meeting_decided_cannot_be_edited(api, seed_url):
    api.transition(seed_url, "ks_reject", "ks_chair", meeting_date="2026-10-01", votes_yes=3)
    decision = last_decision(api, seed_url)
    before = api.get(decision, user="clerk").json
    assert before["outcome"] == "reject" and before["made_by"] == "ks_reject"
    for change in ({"outcome": "adopt"}, {"body": "KF"}, {"votes_yes": 9}, {"meeting_date": "2026-09-01"},
                   {"decision_text": "Bifall."}, {"motions": []}, {"reservations": []}, {"adjusters": []},
                   {"paragraph": 7}, {"made_by": "ks_adopt"}, {"title": "Ny rubrik", "outcome": "adopt"}):
        res = api.patch(decision, change, user="clerk", status=422)
        assert set(res.json["errors"]) == set(change) - {"title"}, change
    after = api.get(decision, user="clerk").json
    assert {k: after[k] for k in before if k != "modified"} == {k: before[k] for k in before if k != "modified"}
    api.patch(decision, {"title": "Ny rubrik", "recipients": ["Kommunstyrelsen"]}, user="clerk")  # clerical

    # Nor on a decision registered by hand, whose fields the clerk typed in.
    hand = path_of(api.post("/decisions", HAND_DECISION, user="clerk", status=201).json["@id"])
    api.patch(hand, {"outcome": "reject"}, user="clerk", status=422)


def test_a_rejecting_decision_does_not_approve(api, seed_url):
    api.transition(seed_url, "ks_reject", "ks_chair", meeting_date="2026-10-01")
    decision = last_decision(api, seed_url)
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")
    agreement = agreement_of(api, seed_url)
    assert api.get(agreement, user="clerk").json["review_state"] == "draft"
    api.patch(agreement, {"decision": decision}, user="clerk")
    res = api.transition(agreement, "approve", "clerk", status=422)
    assert "inte kopplat till ett beslut om bifall" in res.json["message"]


def test_a_decision_on_another_case_does_not_approve(api, seed_url):
    other = create_proposal(api)
    api.transition(other, "submit", "officer")
    api.transition(other, "approve", "director")
    api.transition(other, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    decision = last_decision(api, other)
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-05")
    agreement = agreement_of(api, seed_url)
    api.patch(agreement, {"decision": decision}, user="clerk")
    res = api.transition(agreement, "approve", "clerk", status=422)
    assert "gäller inte detta avtal" in res.json["message"]


def test_the_adopting_decision_approves_the_agreement_once_justified(api, seed_url):
    agreement = agreement_of(api, seed_url)
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-10")
    api.transition(seed_url, "kf_adopt", "kf_chair", meeting_date="2026-10-01")
    decision = last_decision(api, seed_url)
    assert api.get(agreement, user="clerk").json["review_state"] == "draft"
    # Not before justering: not by the system, not by the clerk.
    res = api.transition(agreement, "approve", "clerk", status=422)
    assert "inte justerat" in res.json["message"]

    api.transition(decision, "justify", "kf_chair", justified_on="2026-10-05")
    doc = api.get(agreement).json  # approved: public
    assert doc["review_state"] == "approved"
    assert path_of(doc["decision"]) == decision
    entry = api.get(agreement + "/@history", user="clerk").json[-1]
    assert (entry["action"], entry["actor"], entry["roles"]) == ("approve", "kf_chair", [])
    assert entry["caused_by"] == decision
    audit = api.get("/@audit", user="auditor", object=agreement).json["items"]
    transition = next(e for e in audit if e["action"] == "transition")
    assert transition["details"]["caused_by"] == decision and transition["details"]["to"] == "approved"
    api.transition(agreement, "approve", "clerk", status=409)  # done already
