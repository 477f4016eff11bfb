"""Meetings through the JSON API: a whole KS meeting and a whole KF meeting
with the seed case on the agenda, the refusals for the wrong person at each
step, and all members voting at the same instant through a served app.

These tests run on the real bodies/ (KS and KF decide only at meetings)."""
import datetime

import pytest
import transaction

from conftest import REAL_BODIES, Api, make_app

from .test_concurrency import at_once, retries_of, serving

TODAY = datetime.date.today()
KS_SEATS = ["ks_chair", "ks_member", "ks_member2"]
KF_SEATS = ["kf_chair", "kf_member", "kf_member2", "kf_member3", "kf_member4"]


def meetings_app(tmp_path, **settings):
    return make_app(tmp_path, **{"partnership_cms.bodies": REAL_BODIES, **settings})


@pytest.fixture
def api(tmp_path):
    app = meetings_app(tmp_path)
    yield Api(app)
    app.registry._zodb_databases[""].close()
    transaction.manager.free = None


def local(url):
    return url.replace("http://localhost", "")


def new_meeting(api, body, days=10, user="clerk", status=201):
    res = api.post("/meetings", {"@type": "Meeting", "body": body, "title": f"{body} sammanträde",
                                 "date": (TODAY + datetime.timedelta(days=days)).isoformat(),
                                 "time": "18:00", "place": "Kommunhuset"}, user=user, status=status)
    return local(res.json["@id"]) if status == 201 else res


def act(api, url, name, user, status=200, **body):
    return api.post(f"{url}/@meeting/{name}", body, user=user, status=status).json


def trail(api, url, action=None):
    params = {"object": url, "b_size": 500}
    if action:
        params["action"] = action
    return api.get("/@audit", user="auditor", **params).json["items"]


def ks_meeting_proposes(api, seed_url):
    """A KS meeting that proposes the seed case to KF by a named vote (2-1)."""
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_chair", item=1, kind="approve")
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    for member, vote in zip(KS_SEATS, ["ja", "nej", "ja"], strict=True):
        act(api, url, "vote", member, item=1, vote=vote)
    act(api, url, "close_vote", "ks_chair", item=1)
    act(api, url, "decide", "ks_chair", item=1)
    api.transition(url, "close", "ks_chair")
    return url


def test_a_decision_outside_a_meeting_is_refused_with_the_rule(api, seed_url):
    res = api.transition(seed_url, "ks_propose", "ks_chair", status=422)
    assert "Kommunstyrelsen beslutar bara vid sammanträde (KL 6:28)" in res.json["message"]
    # Nor is it offered.
    offered = [t["id"] for t in api.get(seed_url + "/@workflow", user="ks_chair").json["transitions"]]
    assert not {"ks_propose", "ks_adopt", "ks_reject", "ks_refer_back", "ks_table"} & set(offered)
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"
    # A client cannot pass itself off as the meeting: the marker lives in the WSGI environ.
    res = api.test.post_json(seed_url + "/@workflow/ks_propose", {},
                             headers={"Authorization": "Bearer " + api.login("ks_chair"),
                                      "partnership_cms.meeting_decision": "1", "Accept": "application/json"},
                             status=422)
    assert "KL 6:28" in res.json["message"]


def test_a_whole_ks_meeting(api, seed_url):
    # Only the clerk creates a meeting.
    new_meeting(api, "KS", user="officer", status=403)
    new_meeting(api, "KS", user="ks_chair", status=403)
    url = new_meeting(api, "KS")
    meeting = api.get(url, user="clerk").json
    assert (meeting["body"], meeting["review_state"], meeting["agenda"]) == ("KS", "planned", None)

    # The agenda: the clerk places a case that stands before KS, and an information item.
    act(api, url, "add_item", "ks_chair", status=403, proposal=seed_url)
    draft = local(api.post("/proposals", {"@type": "Proposal", "title": "Ett utkast"}, user="officer",
                           status=201).json["@id"])
    res = act(api, url, "add_item", "clerk", status=422, proposal=draft)
    assert "står inte inför Kommunstyrelsen" in res["message"]
    act(api, url, "add_information", "clerk", title="Delegationsbeslut juni")
    item = act(api, url, "add_item", "clerk", proposal=seed_url)
    assert (item["item"], item["kind"], item["proposal"]) == (2, "decision", seed_url)
    act(api, url, "add_item", "clerk", status=422, proposal=seed_url)  # already there
    act(api, url, "order", "clerk", items=[2, 1])
    act(api, url, "order", "clerk", status=422, items=[2])

    # Convening: the clerk only; notice in time.
    api.transition(url, "convene", "ks_chair", status=403)
    api.transition(url, "convene", "clerk")
    assert api.get(url, user="ks_member").json["convened_on"] == TODAY.isoformat()

    # Opening: the chair only; the items get KS § 1 and § 2 in agenda order.
    res = api.transition(url, "open", "ks_member2", status=422)  # ks_member is the vice chair
    assert "Endast ordföranden eller vice ordföranden i Kommunstyrelsen" in res.json["message"]
    api.transition(url, "open", "clerk", status=422)
    api.transition(url, "open", "ks_chair")
    agenda = api.get(url, user="ks_member").json["agenda"]
    assert [(i["item"], i["paragraph"]) for i in agenda] == [(2, 1), (1, 2)]

    # Nothing is moved before the roll call.
    act(api, url, "move", "ks_member", status=422, item=2, kind="approve")
    act(api, url, "roll_call", "ks_member2", status=403, present=KS_SEATS)
    act(api, url, "roll_call", "clerk", status=422, present=["ks_chair", "kf_member"])
    act(api, url, "roll_call", "clerk", present=["ks_chair", "ks_member"],
        substitutes=[{"substitute": "ks_sub1", "for": "ks_member2"}])
    act(api, url, "roll_call", "clerk", status=422, present=KS_SEATS)  # once; changes are acts of their own
    live = api.get(url + "/@meeting", user="ks_member").json
    assert live["serving"] == {"ks_chair": "ks_chair", "ks_member": "ks_member", "ks_sub1": "ks_member2"}
    assert live["quorum"] is True

    # Motions by serving members, in their own name.
    act(api, url, "move", "ks_sub2", status=403, item=2, kind="reject")  # a substitute not serving
    act(api, url, "move", "ks_member2", status=403, item=2, kind="reject")  # absent
    act(api, url, "move", "ks_member", status=422, item=2, kind="amend")  # an ändringsyrkande needs its wording
    act(api, url, "move", "ks_member", item=2, kind="reject")
    motion = act(api, url, "move", "ks_chair", item=2, kind="approve")
    assert (motion["number"], motion["mover"]) == (2, "ks_chair")

    # The named vote: the chair calls it, each serving member votes once, for themselves.
    act(api, url, "open_vote", "ks_member2", status=403, item=2, ja="approve", nej="reject")
    act(api, url, "open_vote", "ks_chair", item=2, question="Bifall mot avslag", ja="approve", nej="reject")
    act(api, url, "vote", "ks_member2", status=403, item=2, vote="ja")
    act(api, url, "vote", "ks_sub2", status=403, item=2, vote="ja")
    act(api, url, "vote", "ks_chair", item=2, vote="ja")
    act(api, url, "vote", "ks_member", item=2, vote="nej")
    act(api, url, "vote", "ks_member", status=422, item=2, vote="ja")  # no second vote
    counted = act(api, url, "vote", "ks_sub1", item=2, vote="ja")
    assert counted == {"item": 2, "vote": 1, "member": "ks_sub1", "choice": "ja", "counted": True}
    act(api, url, "decide", "ks_chair", status=422, item=2)  # the vote is still open
    act(api, url, "close_vote", "ks_sub1", status=403, item=2)
    closed = act(api, url, "close_vote", "ks_chair", item=2)
    assert (closed["result"], closed["casting"], closed["counts"]) == ("ja", False, {"ja": 2, "nej": 1, "avstar": 0})
    act(api, url, "vote", "ks_member", status=422, item=2, vote="ja")  # closed

    # The decision follows the vote and moves the case through the engine.
    act(api, url, "decide", "ks_sub1", status=403, item=2)
    res = act(api, url, "decide", "ks_chair", status=422, item=2, outcome="reject")
    assert "följa voteringens utfall (Föreslå kommunfullmäktige)" in res["message"]  # its title, not "approve"
    decided = act(api, url, "decide", "ks_chair", item=2)
    assert (decided["outcome"], decided["status"]) == ("approve", "decided")
    act(api, url, "decide", "ks_chair", status=422, item=2)  # once
    case = api.get(seed_url, user="clerk").json
    assert case["review_state"] == "kf"
    decision = api.get(local(decided["decision"]), user="clerk").json
    assert (decision["body"], decision["paragraph"], decision["outcome"], decision["meeting_date"]) == (
        "KS", 1, "propose", api.get(url, user="clerk").json["date"])
    assert decision["meeting"] == url
    assert decision["named_vote"] == [{"member": "ks_chair", "vote": "ja"}, {"member": "ks_member", "vote": "nej"},
                                      {"member": "ks_sub1", "vote": "ja"}]
    assert (decision["votes_yes"], decision["votes_no"], decision["votes_abstain"]) == (2, 1, 0)
    assert decision["present"] == ["ks_chair", "ks_member", "ks_sub1"]
    assert [(m["kind"], m["mover"]) for m in decision["motions"]] == [("reject", "ks_member"),
                                                                       ("approve", "ks_chair")]
    history = api.get(seed_url + "/@history", user="clerk").json
    assert (history[-1]["action"], history[-1]["actor"]) == ("ks_propose", "ks_chair")

    # Reservations: by those who took part, once, before the meeting closes.
    act(api, url, "reserve", "ks_sub2", status=422, item=2)
    act(api, url, "reserve", "ks_member", item=2, reason="Kostnaderna är oklara.")
    act(api, url, "reserve", "ks_member", status=422, item=2)
    decision = api.get(local(decided["decision"]), user="clerk").json
    assert decision["reservations"] == [{"member": "ks_member", "reason": "Kostnaderna är oklara."}]

    # The information item is noted; the meeting closes; nothing more is reserved.
    noted = act(api, url, "decide", "ks_chair", item=1)
    assert noted["outcome"] == "noted"
    api.transition(url, "close", "ks_member2", status=422)
    api.transition(url, "close", "ks_chair")
    act(api, url, "reserve", "ks_chair", status=409, item=2)

    # Every act is on the meeting's audit chain.
    entries = trail(api, url)
    acts = [e["details"].get("act") or e["details"].get("action") or e["action"] for e in reversed(entries)]
    assert acts == ["create", "add_information", "add_item", "order", "convene", "open", "roll_call", "move", "move",
                    "open_vote", "vote", "vote", "vote", "close_vote", "decide", "reserve", "decide", "close"]
    votes = [e["details"] for e in trail(api, url, "vote")]
    assert sorted((v["member"], v["choice"]) for v in votes) == [("ks_chair", "ja"), ("ks_member", "nej"),
                                                                 ("ks_sub1", "ja")]
    assert all(e["actor"] == e["details"]["member"] for e in trail(api, url, "vote"))
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True


def test_late_notice_is_refused_with_the_rule(api):
    url = new_meeting(api, "KF", days=6)
    res = api.transition(url, "convene", "clerk", status=422)
    assert "minst 7 dagar före sammanträdet (KL 5:13–15)" in res.json["message"]
    assert api.get(url, user="clerk").json["review_state"] == "planned"
    api.transition(new_meeting(api, "KF", days=7), "convene", "clerk")


def test_a_whole_kf_meeting(api, seed_url):
    ks_meeting_proposes(api, seed_url)
    assert api.get(seed_url, user="clerk").json["review_state"] == "kf"
    res = api.transition(seed_url, "kf_adopt", "kf_chair", status=422)
    assert "Kommunfullmäktige beslutar bara vid sammanträde (KL 5:45)" in res.json["message"]

    url = new_meeting(api, "KF")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "kf_member2", status=422)
    api.transition(url, "open", "kf_chair")
    assert api.get(url, user="kf_member").json["agenda"][0]["paragraph"] == 1  # KF § 1: its own series

    # Two present of five: not quorate (KL 5:45).
    act(api, url, "roll_call", "kf_chair", present=["kf_chair", "kf_member"])
    res = act(api, url, "open_vote", "kf_chair", status=422, item=1, ja="approve", nej="reject")
    assert "inte beslutfört: 2 av 5 tjänstgör" in res["message"] and "KL 5:45" in res["message"]
    act(api, url, "decide", "kf_chair", status=422, item=1, outcome="approve")
    act(api, url, "attendance", "kf_member", status=403, change="arrive", member="kf_member2")
    for member in ("kf_member2", "kf_member3", "kf_member4"):
        act(api, url, "attendance", "clerk", change="arrive", member=member)
    assert api.get(url + "/@meeting", user="kf_member").json["quorum"] is True

    # Jäv: kf_member4 declares it and takes no part in the item.
    act(api, url, "recuse", "kf_member", status=403, item=1, member="kf_member4")
    act(api, url, "recuse", "kf_member4", item=1)
    act(api, url, "move", "kf_member4", status=403, item=1, kind="approve")
    act(api, url, "attendance", "clerk", change="substitute_in", substitute="ks_sub2", **{"for": "kf_member4"})

    # A motion for återremiss, too few for a minority återremiss (1 of 5 < a third).
    act(api, url, "move", "kf_member", item=1, kind="refer_back", text="Utred kostnaderna först.")
    res = act(api, url, "decide", "kf_chair", status=422, item=1, minority=True)
    assert "1 av 5 närvarande står bakom återremissen; en tredjedel krävs (KL 5:50)" in res["message"]
    # The återremiss falls in a vote (ja: återremiss, nej: the item continues).
    act(api, url, "open_vote", "kf_chair", item=1, question="Avgörs i dag?", ja="continue", nej="refer_back")
    for member, vote in [("kf_chair", "ja"), ("kf_member", "nej"), ("kf_member2", "ja"), ("kf_member3", "ja"),
                         ("ks_sub2", "nej")]:
        act(api, url, "vote", member, item=1, vote=vote)
    act(api, url, "vote", "kf_member4", status=403, item=1, vote="ja")  # jävig
    assert act(api, url, "close_vote", "kf_chair", item=1)["result"] == "ja"
    act(api, url, "decide", "kf_chair", status=422, item=1)  # the last vote decided nothing yet

    # The main question: bifall carried 3-2 in a named vote.
    act(api, url, "move", "kf_chair", item=1, kind="approve")
    act(api, url, "open_vote", "kf_chair", item=1, question="Bifall mot avslag", ja="approve", nej="reject")
    for member, vote in [("kf_chair", "ja"), ("kf_member", "nej"), ("kf_member2", "ja"), ("kf_member3", "ja"),
                         ("ks_sub2", "nej")]:
        act(api, url, "vote", member, item=1, vote=vote)
    assert act(api, url, "close_vote", "kf_chair", item=1)["counts"] == {"ja": 3, "nej": 2, "avstar": 0}
    decided = act(api, url, "decide", "kf_chair", item=1)
    act(api, url, "reserve", "kf_member", item=1, reason="Kostnaderna är inte utredda.")
    act(api, url, "reserve", "kf_member4", status=422, item=1)  # jävig: took no part
    api.transition(url, "close", "kf_chair")

    case = api.get(seed_url, user="clerk").json
    assert case["review_state"] == "adopted"
    decision = api.get(local(decided["decision"]), user="clerk").json
    assert (decision["body"], decision["paragraph"], decision["outcome"]) == ("KF", 1, "adopt")
    assert decision["named_vote"] == [{"member": m, "vote": v} for m, v in sorted(
        [("kf_chair", "ja"), ("kf_member", "nej"), ("kf_member2", "ja"), ("kf_member3", "ja"), ("ks_sub2", "nej")])]
    assert decision["present"] == ["kf_chair", "kf_member", "kf_member2", "kf_member3", "ks_sub2"]
    assert decision["reservations"] == [{"member": "kf_member", "reason": "Kostnaderna är inte utredda."}]
    assert decision["minority_referral"] is False


def test_a_minority_of_a_third_forces_referral_back_in_kf(api, seed_url):
    ks_meeting_proposes(api, seed_url)
    url = new_meeting(api, "KF")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "kf_chair")
    act(api, url, "roll_call", "clerk", present=KF_SEATS)
    motion = act(api, url, "move", "kf_member", item=1, kind="refer_back", text="Komplettera med en budget.")
    act(api, url, "support", "kf_member", status=422, item=1, motion=motion["number"])  # the mover already is
    act(api, url, "support", "kf_member2", item=1, motion=motion["number"])
    act(api, url, "decide", "kf_member", status=403, item=1, minority=True)
    decided = act(api, url, "decide", "kf_chair", item=1, minority=True)
    assert (decided["outcome"], decided["minority_referral"]) == ("refer_back", True)
    case = api.get(seed_url, user="clerk").json
    assert case["review_state"] == "draft"
    history = api.get(seed_url + "/@history", user="clerk").json
    assert (history[-1]["action"], history[-1]["comment"]) == ("kf_refer_back", "Komplettera med en budget.")
    decision = api.get(local(decided["decision"]), user="clerk").json
    assert decision["minority_referral"] is True and decision["outcome"] == "refer_back"


def test_minority_referral_is_for_kf_only_and_a_tie_goes_the_chairs_way(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_member", item=1, kind="refer_back", text="Mer underlag.")
    act(api, url, "support", "ks_member2", item=1, motion=1)
    res = act(api, url, "decide", "ks_chair", status=422, item=1, minority=True)
    assert "bara i fullmäktige (KL 5:50)" in res["message"]
    act(api, url, "recuse", "ks_member2", item=1)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="refer_back")
    act(api, url, "vote", "ks_chair", item=1, vote="nej")
    act(api, url, "vote", "ks_member", item=1, vote="ja")
    closed = act(api, url, "close_vote", "ks_chair", item=1)
    assert (closed["result"], closed["casting"]) == ("nej", True)  # KL 5:58
    decided = act(api, url, "decide", "ks_chair", item=1)
    assert decided["outcome"] == "refer_back"
    assert api.get(seed_url, user="clerk").json["review_state"] == "draft"


def test_a_tie_with_the_chair_abstaining_needs_the_casting_vote(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="table")
    for member, vote in zip(KS_SEATS, ["avstar", "ja", "nej"], strict=True):
        act(api, url, "vote", member, item=1, vote=vote)
    res = act(api, url, "close_vote", "ks_chair", status=422, item=1)
    assert "utslagsröst (KL 5:58)" in res["message"]
    assert act(api, url, "close_vote", "ks_chair", item=1, casting="nej")["result"] == "nej"
    assert act(api, url, "decide", "ks_chair", item=1)["outcome"] == "table"
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"


def test_bad_values_get_a_4xx_and_write_nothing(api, seed_url):
    url = new_meeting(api, "KS")
    for body in ({"proposal": 7}, {"proposal": "/../x"}, {"proposal": "/proposals"}, {}):
        act(api, url, "add_item", "clerk", status=422, **body)
    act(api, url, "order", "clerk", status=422, items="1")
    act(api, url, "nonsense", "clerk", status=404)
    api.post(url + "/@meeting/add_item", None, user="clerk", status=422)
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", status=422, present="ks_chair")
    act(api, url, "roll_call", "clerk", status=422, present=KS_SEATS, substitutes=5)
    act(api, url, "roll_call", "clerk", status=422, present=["ks_chair"], substitutes=["ks_sub1"])
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_member", status=422, item="1", kind="reject")
    act(api, url, "move", "ks_member", status=422, item=9, kind="reject")
    act(api, url, "move", "ks_member", status=422, item=1, kind=["reject"])
    act(api, url, "decide", "ks_chair", status=422, item=1, outcome=["approve"])
    act(api, url, "vote", "ks_member", status=422, item=1, vote="ja")  # no vote open
    assert api.get("/proposals" + seed_url.removeprefix("/proposals"), user="clerk").json["review_state"] == "ks"
    assert [e["details"].get("act") for e in trail(api, url, "agenda")] == ["add_item"]
    assert api.get(url + "/@meeting", user="ks_member").json["items"][0]["status"] == "pending"
    api.get("/proposals" + seed_url.removeprefix("/proposals") + "/@meeting", user="clerk", status=404)


def test_membership_is_changed_by_an_administrator_and_audited(api):
    body = api.get("/@bodies/KS", user="ks_member").json
    assert (body["seats"], body["members"], body["chair"]) == (3, KS_SEATS, "ks_chair")
    api.post("/@bodies/KS", {"members": ["ks_chair", "ks_member", "ks_sub1"]}, user="clerk", status=403)
    res = api.post("/@bodies/KS", {"members": KS_SEATS + ["kf_member"]}, user="admin", status=422)
    assert "3 platser" in res.json["errors"]["members"]
    api.post("/@bodies/KS", {"members": ["ks_chair", "nobody"]}, user="admin", status=422)
    api.post("/@bodies/KS", {"chair": "ks_sub1"}, user="admin", status=422)
    api.post("/@bodies/KS", {"colour": "red"}, user="admin", status=422)
    api.get("/@bodies/XX", user="admin", status=404)
    changed = api.post("/@bodies/KS", {"members": ["ks_chair", "ks_member", "ks_sub1"],
                                       "substitutes": ["ks_member2", "ks_sub2"]}, user="admin").json
    assert changed["members"] == ["ks_chair", "ks_member", "ks_sub1"]
    listed = {b["id"]: b for b in api.get("/@bodies", user="officer").json["items"]}
    assert listed["KS"]["members"] == changed["members"] and listed["KF"]["members"] == KF_SEATS
    entries = api.get("/@audit", user="auditor", action="body_changed").json["items"]
    assert [(e["chain"], e["actor"]) for e in entries] == [("body:KS", "admin")]
    assert {c["field"]: c["new"] for c in entries[0]["details"]["changes"]} == {
        "members": ["ks_chair", "ks_member", "ks_sub1"], "substitutes": ["ks_member2", "ks_sub2"]}
    # The new member serves at the next meeting; the old one only as a substitute.
    url = new_meeting(api, "KS")
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", status=422, present=["ks_member2"])
    act(api, url, "roll_call", "clerk", present=["ks_chair", "ks_sub1"],
        substitutes=[{"substitute": "ks_member2", "for": "ks_member"}])


def test_the_meeting_api_is_in_the_openapi_document(api):
    doc = api.get("/@openapi.json").json
    assert "/meetings" in doc["paths"] and "Meeting" in doc["components"]["schemas"]
    assert "/meetings/{id}/@meeting/{act}" in doc["paths"] and "/@bodies/{id}" in doc["paths"]


@pytest.mark.parametrize("queue", ["true", "false"])
def test_all_members_voting_at_once_are_each_counted_once(tmp_path, seed_url, queue):
    app = meetings_app(tmp_path, **{"partnership_cms.write_queue": queue})
    api = Api(app)
    ks_meeting_proposes(api, seed_url)
    url = new_meeting(api, "KF")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "kf_chair")
    act(api, url, "roll_call", "clerk", present=KF_SEATS)
    act(api, url, "open_vote", "kf_chair", item=1, ja="approve", nej="reject")
    choices = ["ja", "nej", "ja", "avstar", "ja"]
    with serving(app) as client:
        retries_of(app)
        for member in KF_SEATS:
            client.token(member)

        def vote(i):
            body = {"item": 1, "vote": choices[i]}
            for _attempt in range(10):  # a 409 after the server's own retries: try again
                status, answer = client.json("POST", url + "/@meeting/vote", body, KF_SEATS[i])
                if status != 409:
                    return status, answer
            return status, answer

        results = at_once(len(KF_SEATS), vote)
        assert [status for status, _ in results] == [200] * 5, results
        # A second round at once: every one refused, nothing counted twice.
        again = at_once(len(KF_SEATS), vote)
        assert {status for status, _ in again} == {422}
        status, live = client.json("GET", url + "/@meeting", user="kf_chair")
        assert live["items"][0]["votes"][0]["counts"] == {"ja": 3, "nej": 1, "avstar": 1}
        assert live["items"][0]["votes"][0]["voted"] == sorted(KF_SEATS)
        status, entries = client.json("GET", f"/@audit?object={url}&action=vote&b_size=100", user="auditor")
        assert sorted(e["details"]["member"] for e in entries["items"]) == sorted(KF_SEATS)
