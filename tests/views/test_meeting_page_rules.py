"""The meeting rules on the pages (WebTest, no JavaScript): confidential items
read only through ``readable_agenda`` on every page, the clerk's sekretess mark,
protokollsanteckningar, attendance after the roll call and jäv, the live
summary screen readers hear. Each refusal with its reason, nothing written.

These run on the real bodies/ (KS and KF decide only at meetings)."""
import pytest

from conftest import Api, browse, close_app
from functional.test_meeting_rules import (
    INSIDE,
    OPEN,
    OUTSIDE,
    PLACEHOLDER,
    SECRET,
    convened_ks_meeting,
    mark_case_confidential,
)
from functional.test_meetings import KS_SEATS, act, meetings_app, new_meeting, trail

from .test_meeting_pages import acts_offered, alert, form_for, main_text, seats_shown

MOTION = "Zebulonssons avtal ska sägas upp."
NOTE = "Jag vill se Zebulonssons avtal först."


@pytest.fixture
def app(tmp_path):
    app = meetings_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def api(app):
    return Api(app)


def csrf_of(page):
    return page.html.select_one("input[name=csrf_token]")["value"]


def forms_for(page, act_name):
    return [f for f in page.forms.values() if "act" in f.fields and f["act"].value == act_name]


def meeting_acts(api, url, action):
    return [e["details"].get("act") for e in reversed(trail(api, url, action))]


def open_confidential_meeting(api, seed_url):
    """A KS meeting under way: item 1 the seed case (confidential) with a motion, a note and an
    open vote the chair has cast a ballot in; 2 an open item; 3 a secret information item."""
    url = convened_ks_meeting(api, seed_url)
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_member", item=1, kind="amend", text=MOTION)
    act(api, url, "note", "ks_member", item=1, text=NOTE)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject", question="Bifall mot avslag")
    act(api, url, "vote", "ks_chair", item=1, vote="ja")
    return url


# -- confidential items on every page ---------------------------------------------------------
def test_every_page_shows_a_confidential_item_only_to_the_body_and_staff(app, api, seed_url):
    url = open_confidential_meeting(api, seed_url)
    case_title = api.get(seed_url, user="clerk").json["title"]
    secrets = (SECRET, case_title, MOTION, NOTE)

    for user in INSIDE:
        session = browse(app, user)
        agenda = main_text(session.get(url))
        assert SECRET in agenda and case_title in agenda and OPEN in agenda, user
        assert PLACEHOLDER not in agenda, user
        item = session.get(url + "/item/1")
        assert case_title in item.html.h1.get_text() and MOTION in main_text(item) and NOTE in main_text(item), user
        fragment = session.get(url + "/item/1/live").text
        assert MOTION in fragment and NOTE in fragment, user
        assert SECRET in session.get(url + "/item/3").html.h1.get_text(), user

    for user in OUTSIDE:
        session = browse(app, user)
        agenda = session.get(url)
        text = main_text(agenda)
        assert OPEN in text and text.count(PLACEHOLDER) == 2, user
        assert not any(s in agenda.text for s in secrets), user
        # The hidden items keep their number (item 1 its §) but link to nothing of theirs.
        headings = [" ".join(h.get_text(" ").split()) for h in agenda.html.select("li.agenda-item h3")]
        assert headings[0] == f"§ 1 {PLACEHOLDER}" and headings[2].endswith(PLACEHOLDER), user
        links = [a["href"] for a in agenda.html.select("li.agenda-item a")]
        assert not any(h.endswith(("/item/1", "/item/3")) for h in links) and seed_url not in " ".join(links), user
        # The item page, its live part and a form posted to it: 403 with the reason, nothing shown.
        for path in ("/item/1", "/item/1/live", "/item/3"):
            res = session.get(url + path, status=403)
            assert "är sekretessbelagd" in main_text(res) and "ledamöter och ersättare i Kommunstyrelsen" in \
                main_text(res), (user, path)
            assert not any(s in res.text for s in secrets), (user, path)
        res = session.post(url + "/item/1", {"csrf_token": csrf_of(agenda), "act": "vote", "item": "1",
                                             "vote": "nej"}, status=403)
        assert "är sekretessbelagd" in main_text(res) and MOTION not in res.text
        # "Mina sammanträden" and the start page name nothing of the hidden items either.
        for path in ("/my-meetings", "/"):
            page = session.get(path).text
            assert not any(s in page for s in secrets), (user, path)
    # The open item's page is open to them as before.
    assert OPEN in browse(app, "officer").get(url + "/item/2").html.h1.get_text()
    assert [e["details"]["member"] for e in trail(api, url, "vote")] == ["ks_chair"]  # the forged vote: not counted

    # What awaits the members who serve: the secret case's vote, by its title, on the start page.
    member = browse(app, "ks_member")
    tasks = [a.get_text(" ", strip=True) for a in member.get("/").html.select(".meeting-tasks li a")]
    assert any(t.startswith("Rösta nu:") and case_title in t for t in tasks), tasks
    assert "Rösta nu i § 1" in main_text(member.get("/my-meetings"))


def test_the_clerk_marks_and_lifts_sekretess_on_the_agenda_page(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    act(api, url, "add_information", "clerk", title=SECRET)
    api.transition(url, "convene", "clerk")
    clerk = browse(app, "clerk")
    page = clerk.get(url)
    assert [f["confidential"].value for f in forms_for(page, "confidential")] == ["1", "1"]
    page = form_for(page, "confidential", item=2).submit(status=303).follow()
    assert "Sekretessmarkeringen är ändrad." in main_text(page)
    assert "Sekretess: visas bara för organets ledamöter och ersättare" in main_text(page)
    assert SECRET not in browse(app, "officer").get(url).text
    assert SECRET in browse(app, "ks_member2").get(url).text

    # Who and what: a member may not; a value that is not 1 or 0 is refused; nothing written.
    member = browse(app, "ks_member")
    res = member.post(url + "/act", {"csrf_token": csrf_of(member.get(url)), "act": "confidential", "item": "2",
                                     "confidential": "0"}, status=403)
    assert "Endast registratorn kan ändra föredragningslistan." in res.html.select_one("#why-agenda").get_text()
    res = clerk.post(url + "/act", {"csrf_token": csrf_of(page), "act": "confidential", "item": "2",
                                    "confidential": "ja"}, status=422)
    assert "Ange true eller false." in alert(res)
    assert meeting_acts(api, url, "agenda").count("confidential") == 1

    page = form_for(clerk.get(url), "confidential", item=2).submit(status=303).follow()
    assert form_for(page, "confidential", item=2)["confidential"].value == "1"
    assert SECRET in browse(app, "officer").get(url).text

    # A case marked confidential by its own officer: no lifting it here, and the reason says why.
    mark_case_confidential(api, seed_url)
    page = clerk.get(url)
    assert "Ärendet är sekretessmarkerat; punkten förblir sekretessbelagd." in main_text(page)
    assert [f["item"].value for f in forms_for(page, "confidential")] == ["2"]
    res = clerk.post(url + "/act", {"csrf_token": csrf_of(page), "act": "confidential", "item": "1",
                                    "confidential": "0"}, status=422)
    assert "Ärendet i punkt 1 är sekretessmarkerat" in res.html.select_one("#why-agenda").get_text()
    assert [e["details"]["confidential"] for e in reversed(trail(api, url, "agenda"))
            if e["details"]["act"] == "confidential"] == [True, False]


# -- protokollsanteckningar ---------------------------------------------------------------
def test_a_serving_member_enters_a_protokollsanteckning_from_the_item_page(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    item_url = url + "/item/1"
    member = browse(app, "ks_member")
    page = member.get(item_url)
    form = form_for(page, "note")
    assert page.html.select_one("#note-text")["maxlength"] == "2000"

    # Empty, or longer than 2 000 characters: the reason beside the form, nothing written.
    res = form.submit(status=422)
    assert "Ange en text (högst 2000 tecken)." in res.html.select_one("#why-note").get_text()
    res = member.post(item_url, {"csrf_token": csrf_of(page), "act": "note", "item": "1", "text": "x" * 2001},
                      status=422)
    assert "högst 2000 tecken" in res.html.select_one("#why-note").get_text()
    assert trail(api, url, "note") == []

    form["text"] = "Samrådet med högskolan var för kort."
    page = form.submit(status=303).follow()
    assert "Din protokollsanteckning är anmäld." in main_text(page)
    notes = [li.get_text(" ", strip=True) for li in page.html.select("#live .notes li")]
    assert notes == ["Kalle Ledamot (KS): Samrådet med högskolan var för kort."]
    assert "note" not in acts_offered(page)  # one per member and item
    res = member.post(item_url, {"csrf_token": csrf_of(page), "act": "note", "item": "1", "text": "En till."},
                      status=422)
    assert "Du har redan lämnat en protokollsanteckning i punkt 1." in res.html.select_one("#why-note").get_text()

    # Only those serving: a substitute not serving sees no form, and a forged one is refused.
    sub = browse(app, "ks_sub2")
    theirs = sub.get(item_url)
    assert "note" not in acts_offered(theirs)
    res = sub.post(item_url, {"csrf_token": csrf_of(theirs), "act": "note", "item": "1", "text": "Får jag?"},
                   status=403)
    assert "Du tjänstgör inte i Kommunstyrelsen just nu." in res.html.select_one("#why-note").get_text()
    assert [e["details"]["member"] for e in trail(api, url, "note")] == ["ks_member"]
    # The others see it in the item's live part.
    assert "Samrådet med högskolan var för kort." in browse(app, "ks_member2").get(item_url + "/live").text


# -- attendance after the roll call, and jäv --------------------------------------------------
def test_arrivals_departures_and_substitutes_after_the_roll_call(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    chair = browse(app, "ks_chair")
    page = chair.get(url)
    assert "Beslutfört: 3 av 3 tjänstgör." in main_text(page)

    # Two members leave: the quorum is lost, and the item page says so too.
    page = form_for(page, "attendance", member="ks_member2", change="leave").submit(status=303).follow()
    assert "Närvaron är ändrad." in main_text(page)
    assert "Beslutfört: 2 av 3 tjänstgör." in main_text(page)
    page = form_for(page, "attendance", member="ks_member", change="leave").submit(status=303).follow()
    assert "Inte beslutfört: 1 av 3 tjänstgör." in main_text(page)
    assert seats_shown(page)[1:] == [["Kalle Ledamot (KS)", "Frånvarande", "–"],
                                     ["Klara Ledamot (KS)", "Frånvarande", "–"]]
    summary = chair.get(url + "/item/1/live").html.select_one("#live-summary").get_text(strip=True)
    assert summary == "Inte beslutfört: 1 av 3 tjänstgör i punkten."

    # A substitute steps in for a named member; only one per seat, only for an absent member.
    form = form_for(page, "attendance", change="substitute_in")
    form["substitute"], form["for"] = "ks_sub1", "ks_member2"
    page = form.submit(status=303).follow()
    assert "Beslutfört: 2 av 3 tjänstgör." in main_text(page)
    assert seats_shown(page)[2] == ["Klara Ledamot (KS)", "Frånvarande", "Kim Ersättare (KS)"]
    form = form_for(page, "attendance", change="substitute_in")
    form["substitute"], form["for"] = "ks_sub2", "ks_chair"  # present
    res = form.submit(status=422)
    assert "En ersättare tjänstgör bara för en frånvarande ledamot" in res.html.select_one("#why-attendance").get_text()

    # A member may not change the attendance; the forged form is refused with the reason.
    member = browse(app, "ks_member2")
    theirs = member.get(url)
    assert "attendance" not in acts_offered(theirs)
    res = member.post(url + "/act", {"csrf_token": csrf_of(theirs), "act": "attendance", "change": "arrive",
                                     "member": "ks_member2"}, status=403)
    assert "Endast registratorn eller ordföranden i Kommunstyrelsen" in \
        res.html.select_one("#why-attendance").get_text()

    # The substitute steps out; the member arrives and takes back the seat.
    page = form_for(chair.get(url), "attendance", substitute="ks_sub1", change="substitute_out").submit(
        status=303).follow()
    assert "Inte beslutfört: 1 av 3 tjänstgör." in main_text(page)
    page = form_for(page, "attendance", member="ks_member", change="arrive").submit(status=303).follow()
    assert "Beslutfört: 2 av 3 tjänstgör." in main_text(page)
    assert meeting_acts(api, url, "attendance") == ["roll_call", "leave", "leave", "substitute_in",
                                                    "substitute_out", "arrive"]


def test_a_member_declares_jav_and_the_chair_records_one(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    item_url = url + "/item/1"
    member = browse(app, "ks_member")
    page = member.get(item_url)
    assert ["member" in f.fields for f in forms_for(page, "recuse")] == [False]  # for themselves only
    page = form_for(page, "recuse").submit(status=303).follow()
    assert "Jävet är anmält." in main_text(page)
    assert page.html.select_one("#live-summary").get_text(strip=True) == "Beslutfört: 2 av 3 tjänstgör i punkten."
    assert "Jäv anmält: Kalle Ledamot (KS)." in main_text(page)
    assert not {"recuse", "move", "note"} & set(acts_offered(page))  # takes no part in the item
    res = member.post(item_url, {"csrf_token": csrf_of(page), "act": "recuse", "item": "1"}, status=422)
    assert "Jäv är redan anmält." in res.html.select_one("#why-recuse").get_text()
    # Not for someone else: only the clerk or the chair records a named member's jäv.
    res = member.post(item_url, {"csrf_token": csrf_of(page), "act": "recuse", "item": "1",
                                 "member": "ks_member2"}, status=403)
    assert "Endast registratorn eller ordföranden" in res.html.select_one("#why-recuse").get_text()

    chair = browse(app, "ks_chair")
    form = next(f for f in forms_for(chair.get(item_url), "recuse") if "member" in f.fields)
    assert [o[0] for o in form["member"].options] == ["ks_chair", "ks_member2", "ks_sub1", "ks_sub2"]
    form["member"] = "ks_member2"
    page = form.submit(status=303).follow()
    assert page.html.select_one("#live-summary").get_text(strip=True) == \
        "Inte beslutfört: 1 av 3 tjänstgör i punkten."
    assert "Jäv anmält: Kalle Ledamot (KS), Klara Ledamot (KS)." in main_text(page)
    recusals = [e["details"] for e in reversed(trail(api, url, "attendance")) if e["details"]["act"] == "recuse"]
    assert [(r["member"], r["item"]) for r in recusals] == [("ks_member", 1), ("ks_member2", 1)]
    # Without a quorum on the item the chair cannot call a vote: the reason, nothing written.
    form = form_for(page, "open_vote")
    form["ja"], form["nej"] = "approve", "reject"
    res = form.submit(status=422)
    assert "Kommunstyrelsen är inte beslutfört: 1 av 3 tjänstgör" in res.html.select_one("#why-open_vote").get_text()


# -- the live summary -------------------------------------------------------------------------
def test_the_live_summary_is_a_polite_live_region_with_the_count(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    act(api, url, "vote", "ks_member", item=1, vote="nej")
    fragment = browse(app, "ks_chair").get(url + "/item/1/live").html
    live = fragment.select("[aria-live]")
    assert [(e["id"], e["aria-live"]) for e in live] == [("live-summary", "polite")]  # not the whole fragment
    assert fragment.select_one("#live").get("aria-live") is None
    assert live[0].get_text(strip=True) == ("Beslutfört: 3 av 3 tjänstgör i punkten. Votering 1 pågår: 1 av 3 har "
                                            "röstat (ja 0, nej 1, avstår 0).")
