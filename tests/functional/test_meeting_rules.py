"""Confidential agenda items and protokollsanteckningar, through the JSON API
and the pages, on the real bodies/ (KS and KF decide only at meetings).

A confidential item (sekretess) is read whole only by the body's members
and substitutes, the clerks and the administrators; every other reader of
the meeting (it is open to every logged-in user once convened) sees its
number with "Sekretessbelagt ärende", in ``GET @meeting``, the object's JSON,
the document page and the search."""
import json

import pytest
from pyramid.traversal import find_resource

from conftest import Api, browse, close_app
from partnership_cms.catalog import text_query_ids
from partnership_cms.content.services import edit_content
from partnership_cms.scripting import act_as, app_request

from .test_meetings import KS_SEATS, act, local, meetings_app, new_meeting, trail

PLACEHOLDER = "Sekretessbelagt ärende"
SECRET = "Vårdnadsutredning Zebulonsson"  # a word no other document holds
OPEN = "Delegationsbeslut Quorndalen"

# Readers of a KS meeting: the body's (members, the chair, a substitute), the staff who read
# everything, and those outside it (another unit's officer, another body's member, the auditor).
INSIDE = ["ks_chair", "ks_member", "ks_member2", "ks_sub1", "clerk", "admin"]
OUTSIDE = ["officer", "kf_member", "auditor", "director"]


@pytest.fixture
def api(tmp_path):
    app = meetings_app(tmp_path)
    yield Api(app)
    close_app(app)


def everything(res):
    """A JSON answer as one text with its letters as they are (the renderer escapes å, ä, ö)."""
    return json.dumps(res.json, ensure_ascii=False)


def mark_case_confidential(api, url):
    """The case's own sekretess mark, as its officer sets it (the field is the case's)."""
    with app_request(api.app.registry) as request:
        act_as(request, None)
        edit_content(request, find_resource(request.root, url), {"confidential": True,
                                                                 "confidentiality_reference": "OSL 26:1"})


def convened_ks_meeting(api, seed_url):
    """A convened KS meeting: 1 the seed case (confidential), 2 an open item, 3 a secret one."""
    url = new_meeting(api, "KS")
    item = act(api, url, "add_item", "clerk", proposal=seed_url, confidential=True)
    assert item["confidential"] is True
    assert act(api, url, "add_information", "clerk", title=OPEN)["confidential"] is False
    act(api, url, "add_information", "clerk", title=SECRET, confidential=True)
    api.transition(url, "convene", "clerk")
    return url


def test_a_confidential_item_is_read_only_by_the_body_and_staff(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url, confidential=True)
    act(api, url, "add_information", "clerk", title=OPEN)
    act(api, url, "add_information", "clerk", title=SECRET)
    # The clerk marks item 3 afterwards; only the clerk may, with a boolean.
    act(api, url, "confidential", "ks_chair", status=403, item=3)
    act(api, url, "confidential", "clerk", status=422, item=3, confidential="ja")
    act(api, url, "confidential", "clerk", status=422, item=9)
    assert act(api, url, "confidential", "clerk", item=3)["confidential"] is True
    api.transition(url, "convene", "clerk")
    case_title = api.get(seed_url, user="clerk").json["title"]

    for user in INSIDE:
        live = api.get(url + "/@meeting", user=user).json["items"]
        assert [(i["item"], i["title"], i["confidential"]) for i in live] == [
            (1, case_title, True), (2, OPEN, False), (3, SECRET, True)], user
        agenda = api.get(url, user=user).json["agenda"]
        assert [i["title"] for i in agenda] == [case_title, OPEN, SECRET], user
        assert agenda[0]["proposal"] == seed_url
    for user in OUTSIDE:
        live = api.get(url + "/@meeting", user=user).json["items"]
        assert [(i["item"], i["title"]) for i in live] == [(1, PLACEHOLDER), (2, OPEN), (3, PLACEHOLDER)], user
        hidden = live[0]
        assert hidden == {"item": 1, "paragraph": None, "kind": "decision", "status": "pending",
                          "title": PLACEHOLDER, "confidential": True, "hidden": True}
        agenda = api.get(url, user=user).json["agenda"]
        assert [i["title"] for i in agenda] == [PLACEHOLDER, OPEN, PLACEHOLDER], user
        assert "proposal" not in agenda[0] and "dnr" not in agenda[0]
        whole = everything(api.get(url, user=user)) + everything(api.get(url + "/@meeting", user=user))
        assert SECRET not in whole and case_title not in whole and seed_url not in whole, user

    # The document page: the same agenda as the JSON.
    member_page = browse(api.app, "ks_member2").get(url).text
    assert SECRET in member_page and case_title in member_page
    officer_page = browse(api.app, "officer").get(url).text
    assert SECRET not in officer_page and case_title not in officer_page and PLACEHOLDER in officer_page
    assert OPEN in officer_page

    # The search: the meeting is found by its open item's words, not by the secret one's.
    def found(user, words):
        items = api.get("/@search", user=user, SearchableText=words, portal_type="Meeting").json["items"]
        return [local(i["@id"]) for i in items]

    assert found("officer", "Quorndalen") == [url]
    assert found("officer", "Zebulonsson") == []

    # Lifting the mark: the item is shown to all again; the audit trail has both acts.
    act(api, url, "confidential", "clerk", item=3, confidential=False)
    assert api.get(url + "/@meeting", user="officer").json["items"][2]["title"] == SECRET
    assert found("officer", "Zebulonsson") == [url]  # the search would have found it
    marks = [e["details"] for e in trail(api, url, "agenda") if e["details"]["act"] == "confidential"]
    assert [(m["item"], m["confidential"]) for m in reversed(marks)] == [(3, True), (3, False)]


def test_a_case_marked_confidential_makes_its_item_confidential(api, seed_url):
    mark_case_confidential(api, seed_url)
    url = new_meeting(api, "KS")
    assert act(api, url, "add_item", "clerk", proposal=seed_url)["confidential"] is True
    api.transition(url, "convene", "clerk")
    res = act(api, url, "confidential", "clerk", status=422, item=1, confidential=False)
    assert "sekretessmarkerat" in res["message"]
    assert api.get(url + "/@meeting", user="kf_member").json["items"][0]["title"] == PLACEHOLDER
    assert api.get(url + "/@meeting", user="ks_sub2").json["items"][0]["title"] != PLACEHOLDER  # a substitute


def test_a_case_marked_after_it_was_placed_is_hidden_too(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    assert api.get(url + "/@meeting", user="officer").json["items"][0]["title"] != PLACEHOLDER
    mark_case_confidential(api, seed_url)
    assert api.get(url + "/@meeting", user="officer").json["items"][0]["title"] == PLACEHOLDER
    assert api.get(url, user="officer").json["agenda"][0]["title"] == PLACEHOLDER
    assert api.get(url + "/@meeting", user="ks_member").json["items"][0]["title"] != PLACEHOLDER


def set_case_confidential(api, url, confidential):
    with app_request(api.app.registry) as request:
        act_as(request, None)
        edit_content(request, find_resource(request.root, url), {"confidential": confidential})


def test_a_case_marked_after_it_was_placed_leaves_the_meetings_search_text(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    word = max(api.get(seed_url, user="clerk").json["title"].split(), key=len)
    entries = len(trail(api, url))

    def found(user):
        items = api.get("/@search", user=user, SearchableText=word, portal_type="Meeting").json["items"]
        return [local(i["@id"]) for i in items]

    def indexed():
        """Whether the meeting's text in the catalog holds the word (for no one in particular)."""
        with app_request(api.app.registry) as request:
            catalog = request.root.catalog
            return catalog.docid_by_path[url] in text_query_ids(catalog, word)

    assert found("officer") == [url] and indexed()
    mark_case_confidential(api, seed_url)
    # The meeting itself did not change, yet its text follows in the same transaction.
    assert found("officer") == [] and found("kf_member") == [] and not indexed()
    assert api.get(url + "/@meeting", user="officer").json["items"][0]["title"] == PLACEHOLDER
    # Lifting the case's mark shows the item again, in the search too.
    set_case_confidential(api, seed_url, False)
    assert found("officer") == [url] and indexed()
    assert len(trail(api, url)) == entries  # nothing was recorded on the meeting's chain
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True


def test_the_treatment_of_a_confidential_item_is_hidden_and_the_mark_ends_with_the_meeting(api, seed_url):
    url = convened_ks_meeting(api, seed_url)
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_member", item=1, kind="amend", text="Avtalet gäller Zebulonsson.")
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    act(api, url, "note", "ks_member", item=1, text="Jag vill se avtalet först.")
    hidden = api.get(url + "/@meeting", user="officer").json["items"][0]
    assert set(hidden) == {"item", "paragraph", "kind", "status", "title", "confidential", "hidden"}
    assert hidden["paragraph"] == 1
    text = everything(api.get(url, user="officer")) + everything(api.get(url + "/@meeting", user="officer"))
    assert "Zebulonsson" not in text and "avtalet först" not in text
    shown = api.get(url + "/@meeting", user="ks_member2").json["items"][0]
    assert shown["votes"][0]["open"] and shown["notes"][0]["member"] == "ks_member"
    for votes, member in zip(["ja", "ja", "nej"], KS_SEATS, strict=True):
        act(api, url, "vote", member, item=1, vote=votes)
    act(api, url, "close_vote", "ks_chair", item=1)
    act(api, url, "decide", "ks_chair", item=1)
    api.transition(url, "close", "ks_chair")
    act(api, url, "confidential", "clerk", status=409, item=2)  # the minutes are the protocol's now


def test_protokollsanteckningar_by_serving_members_before_the_meeting_closes(api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    act(api, url, "note", "ks_member", status=409, item=1, text="För tidigt.")  # not open yet
    api.transition(url, "open", "ks_chair")
    act(api, url, "note", "ks_member", status=403, item=1, text="Före uppropet.")  # nobody serves yet
    act(api, url, "roll_call", "clerk", present=["ks_chair", "ks_member"],
        substitutes=[{"substitute": "ks_sub1", "for": "ks_member2"}])

    # Who: a serving member or substitute; not an absent member, a substitute not serving, an officer.
    for user in ("ks_member2", "ks_sub2", "officer", "kf_member"):
        res = act(api, url, "note", user, status=403, item=1, text="Får jag?")
        assert "tjänstgör inte" in res["message"], user
    # What: a text, not empty, not too long, on an item that exists.
    for bad in ({}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": "x" * 2001}):
        act(api, url, "note", "ks_member", status=422, item=1, **bad)
    act(api, url, "note", "ks_member", status=422, item=7, text="Ingen sådan punkt.")
    entry = act(api, url, "note", "ks_member", item=1, text="  Jag anser att samrådet var för kort.  ")
    assert entry == {"member": "ks_member", "text": "Jag anser att samrådet var för kort."}
    act(api, url, "note", "ks_member", status=422, item=1, text="En till.")  # one per member and item
    act(api, url, "note", "ks_sub1", item=1, text="x" * 2000)  # the substitute serving, at the limit

    # A member who declared jäv takes no part in the item, its minutes included.
    act(api, url, "recuse", "ks_chair", item=1)
    res = act(api, url, "note", "ks_chair", status=403, item=1, text="Jävig.")
    assert "jäv" in res["message"]

    live = api.get(url + "/@meeting", user="officer").json["items"][0]
    assert [(n["member"], len(n["text"])) for n in live["notes"]] == [("ks_member", 36), ("ks_sub1", 2000)]
    assert [n["member"] for n in api.get(url, user="clerk").json["agenda"][0]["notes"]] == ["ks_member", "ks_sub1"]

    # Audited, in the member's own name; and nothing after the meeting closes.
    notes = trail(api, url, "note")
    assert sorted((e["actor"], e["details"]["member"], e["details"]["item"]) for e in notes) == [
        ("ks_member", "ks_member", 1), ("ks_sub1", "ks_sub1", 1)]
    api.transition(url, "close", "ks_chair")
    res = act(api, url, "note", "ks_member", status=409, item=1, text="Efteråt.")
    assert "nuvarande läge" in res["message"]
    act(api, url, "reserve", "ks_member", status=409, item=1)  # reservations end with the meeting too
    assert api.get("/@audit/verify", user="auditor").json["valid"] is True
