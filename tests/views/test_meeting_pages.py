"""The meeting pages in the browser (WebTest, no JavaScript): "Mina sammanträden",
the agenda page with the clerk's and the chair's forms, the live item page where
members move motions and vote in their own sessions, the start page's meetings;
each refusal shown beside its form with the service's reason, and nothing written.

These run on the real bodies/ (KS and KF decide only at meetings)."""
import datetime

import pytest

from conftest import Api, browse, close_app
from functional.test_meetings import KS_SEATS, act, ks_meeting_proposes, meetings_app, new_meeting, trail

TODAY = datetime.date.today()


@pytest.fixture
def app(tmp_path):
    app = meetings_app(tmp_path)
    yield app
    close_app(app)


@pytest.fixture
def api(app):
    return Api(app)


def main_text(res):
    return res.html.select_one("main").get_text(" ", strip=True)


def form_for(res, act_name, **fields):
    """The page's form that performs ``act_name`` (and whose hidden fields match ``fields``)."""
    for form in res.forms.values():
        if "act" in form.fields and form["act"].value == act_name and all(
                k in form.fields and form[k].value == str(v) for k, v in fields.items()):
            return form
    raise AssertionError(f"no form for {act_name} {fields}: {acts_offered(res)}")


def acts_offered(res):
    return sorted({f["act"].value for f in res.forms.values() if "act" in f.fields})


def alert(res):
    found = res.html.select("main .alert")
    return " ".join(a.get_text(" ", strip=True) for a in found)


def transition_button(res, name):
    return next(f for f in res.forms.values() if f.action.endswith("/transition") and f.get("name").value == name)


def seats_shown(page):
    """The attendance table: member, present or not, the substitute serving (not the forms' column)."""
    return [[td.get_text(" ", strip=True) for td in tr.select("td")[:3]]
            for tr in page.html.select("#attendance-heading ~ table tbody tr")]


def agenda_acts(api, url):
    return [e["details"].get("act") for e in reversed(trail(api, url, "agenda"))]


# -- Mina sammanträden -----------------------------------------------------------------
def test_my_meetings_lists_the_meetings_of_my_bodies_upcoming_first(app, api):
    later = new_meeting(api, "KS", days=20)
    sooner = new_meeting(api, "KS", days=10)
    kf = new_meeting(api, "KF", days=12)
    planned = new_meeting(api, "KS", days=30)
    for url in (later, sooner, kf):
        api.transition(url, "convene", "clerk")

    member = browse(app, "ks_member")
    start = member.get("/")
    nav = [a.get_text(strip=True) for a in start.html.select("header nav a")]
    assert "Mina sammanträden" in nav
    res = start.click("Mina sammanträden", href="/my-meetings", index=0)
    assert res.html.h1.get_text() == "Mina sammanträden"
    links = [a["href"].replace("http://localhost", "").rstrip("/") for a in res.html.select("main tbody a")]
    assert links == [sooner, later]  # KS only; the planned one is not yet published to members
    assert "Kallat" in main_text(res)

    clerk = browse(app, "clerk").get("/my-meetings")
    links = [a["href"].replace("http://localhost", "").rstrip("/") for a in clerk.html.select("main tbody a")]
    assert links == [sooner, kf, later, planned]

    officer = browse(app, "officer").get("/")
    assert "Mina sammanträden" not in [a.get_text(strip=True) for a in officer.html.select("header nav a")]
    assert browse(app, "officer").get("/my-meetings").html.select("main tbody a") == []


# -- the agenda page -------------------------------------------------------------------
def test_the_clerk_builds_the_agenda_and_convenes(app, api, seed_url):
    url = new_meeting(api, "KS")
    clerk = browse(app, "clerk")
    page = clerk.get(url)
    assert page.html.h1.get_text() == "KS sammanträde"
    assert "Kommunstyrelsen" in main_text(page) and "Kommunhuset" in main_text(page) and "18:00" in main_text(page)
    assert acts_offered(page) == ["add_information", "add_item"]

    # Nothing chosen: the service's reason beside the form, 422, nothing written.
    res = form_for(page, "add_item").submit(status=422)
    assert "Ange en text" in alert(res)
    assert agenda_acts(api, url) == []

    form = form_for(page, "add_item")
    assert [o[0] for o in form["proposal"].options] == ["", seed_url]
    form["proposal"] = seed_url
    page = form.submit(status=303).follow()
    assert "Ärendet är placerat på föredragningslistan." in main_text(page)
    form = form_for(page, "add_information")
    form["title"] = "Delegationsbeslut juni"
    page = form.submit(status=303).follow()
    items = [h.get_text(" ", strip=True) for h in page.html.select("li.agenda-item h3")]
    assert items[0].endswith("Strategiskt partnerskap mellan Huddinge kommun och Södertörns högskola") or \
        "Södertörns högskola" in items[0]
    assert items[1].endswith("Delegationsbeslut juni")
    # The case's documents are listed with it, and the case is linked.
    first = page.html.select("li.agenda-item")[0]
    assert any(a["href"].rstrip("/").endswith(seed_url) for a in first.select("a"))
    assert first.find(string="Handlingar:") is not None

    page = form_for(page, "order", item=2, direction="up").submit(status=303).follow()
    assert [h.get_text(" ", strip=True).endswith("Delegationsbeslut juni")
            for h in page.html.select("li.agenda-item h3")] == [True, False]
    page = form_for(page, "remove_item", item=2).submit(status=303).follow()
    assert len(page.html.select("li.agenda-item")) == 1
    assert agenda_acts(api, url) == ["add_item", "add_information", "order", "remove_item"]

    # A member sees the published agenda but none of the clerk's forms; a forged one is refused.
    page = transition_button(page, "convene").submit(status=303).follow()
    assert "Kallat" in page.html.select_one(".doc-type").get_text()
    member = browse(app, "ks_member")
    agenda = member.get(url)
    assert acts_offered(agenda) == []
    csrf = agenda.html.select_one("input[name=csrf_token]")["value"]
    res = member.post(url + "/act", {"csrf_token": csrf, "act": "add_information", "title": "Smuggel"}, status=403)
    assert "Endast registratorn kan ändra föredragningslistan." in alert(res)
    assert agenda_acts(api, url) == ["add_item", "add_information", "order", "remove_item"]


def test_forms_need_the_csrf_token(app, api, seed_url):
    url = new_meeting(api, "KS")
    clerk = browse(app, "clerk")
    clerk.get(url)
    clerk.post(url + "/act", {"act": "add_item", "proposal": seed_url}, status=400)
    csrf = clerk.get(url).html.select_one("input[name=csrf_token]")["value"]
    clerk.post(url + "/act", {"csrf_token": csrf, "act": "nonsense"}, status=404)
    assert agenda_acts(api, url) == []


def test_a_blocked_transition_shows_its_reason(app, api):
    url = new_meeting(api, "KF", days=3)  # KF needs a week's notice
    page = browse(app, "clerk").get(url)
    why = page.html.select_one(".blocked .why").get_text(" ", strip=True)
    assert "minst 7 dagar före sammanträdet (KL 5:13–15)" in why


# -- a whole KS meeting in the browser ------------------------------------------------------
def open_ks_meeting(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    chair = browse(app, "ks_chair")
    page = chair.get(url)
    page = transition_button(page, "open").submit(status=303).follow()
    assert "Pågår" in page.html.select_one(".doc-type").get_text()
    return url, chair, page


def test_roll_call_in_the_browser(app, api, seed_url):
    url, chair, page = open_ks_meeting(app, api, seed_url)
    assert "roll_call" in acts_offered(page)
    other = browse(app, "ks_member2")
    theirs = other.get(url)
    assert "roll_call" not in acts_offered(theirs)
    csrf = theirs.html.select_one("input[name=csrf_token]")["value"]
    res = other.post(url + "/act", {"csrf_token": csrf, "act": "roll_call", "present": KS_SEATS}, status=403)
    assert "Endast registratorn eller ordföranden i Kommunstyrelsen" in res.html.select_one("#why-roll_call").get_text()
    assert api.get(url + "/@meeting", user="clerk").json["roll_called"] is False
    form = form_for(page, "roll_call")
    # A present box for each member; a 'serves for' choice for each substitute.
    boxes = [f for f in form.fields.get("present")]
    boxes[2].checked = False  # ks_member2 is absent
    form["for-ks_sub1"] = "ks_member2"
    page = form.submit(status=303).follow()
    assert "Uppropet är förrättat." in main_text(page)
    assert "roll_call" not in acts_offered(page)
    assert seats_shown(page) == [["Karin Ordförande (KS)", "Närvarande", "–"],
                                 ["Kalle Ledamot (KS)", "Närvarande", "–"],
                                 ["Klara Ledamot (KS)", "Frånvarande", "Kim Ersättare (KS)"]]
    assert "Beslutfört: 3 av 3 tjänstgör." in main_text(page)
    live = api.get(url + "/@meeting", user="clerk").json
    assert live["serving"] == {"ks_chair": "ks_chair", "ks_member": "ks_member", "ks_sub1": "ks_member2"}


def test_a_ks_item_is_treated_and_voted_on_in_each_members_session(app, api, seed_url):
    url, chair, page = open_ks_meeting(app, api, seed_url)
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    item_url = url + "/item/1"
    page = chair.get(url).click("Behandling av punkten")
    assert page.request.path == item_url
    assert page.html.select_one("#live")["data-live-url"].endswith("/item/1/live")
    assert page.html.select_one("script[src$='meeting.js']") is not None

    # A member moves avslag; an ändringsyrkande without its wording is refused with the reason.
    member = browse(app, "ks_member")
    mine = member.get(item_url)
    assert "move" in acts_offered(mine) and "open_vote" not in acts_offered(mine)
    form = form_for(mine, "move")
    form["kind"] = "amend"
    res = form.submit(status=422)
    assert "Ange en text" in alert(res)
    form = form_for(mine, "move")
    form["kind"] = "reject"
    form["text"] = "Kostnaderna är oklara."
    mine = form.submit(status=303).follow()
    assert "Ditt yrkande är anmält." in main_text(mine)
    assert "Avslag – Kalle Ledamot (KS)" in mine.html.select_one(".motions").get_text(" ", strip=True)
    # ks_member2 joins the motion.
    other = browse(app, "ks_member2")
    theirs = other.get(item_url)
    theirs = form_for(theirs, "support", motion=1).submit(status=303).follow()
    assert "instämmer: Klara Ledamot (KS)" in theirs.html.select_one(".motions").get_text(" ", strip=True)

    # The chair calls a named vote.
    page = chair.get(item_url)
    assert "open_vote" in acts_offered(page) and "decide" in acts_offered(page)
    form = form_for(page, "open_vote")
    form["question"] = "Bifall mot avslag"
    form["ja"], form["nej"] = "approve", "reject"
    page = form.submit(status=303).follow()
    assert "Voteringen är öppnad." in main_text(page)
    assert {"close_vote", "vote"} <= set(acts_offered(page))
    assert not {"open_vote", "decide", "move"} & set(acts_offered(page))

    # Each serving member votes in their own session, once, and sees it counted.
    for login, choice in [("ks_chair", "ja"), ("ks_member", "nej"), ("ks_member2", "ja")]:
        session = chair if login == "ks_chair" else browse(app, login)
        mine = session.get(item_url)
        mine = form_for(mine, "vote").submit("vote", value=choice, status=303).follow()
        text = main_text(mine)
        assert f"Din röst är räknad: {choice.capitalize()}." in text
        assert f"Du har röstat {choice.capitalize()} . Din röst är räknad." in text
        assert "vote" not in acts_offered(mine)  # no second ballot offered
    # A second vote, forged: refused with the reason beside the vote, nothing counted twice.
    csrf = mine.html.select_one("input[name=csrf_token]")["value"]
    res = session.post(item_url, {"csrf_token": csrf, "act": "vote", "item": "1", "vote": "nej"}, status=422)
    assert "Du har redan röstat i den här voteringen." in res.html.select_one("#why-vote").get_text()
    # Someone who is not a member: refused too.
    stranger = browse(app, "kf_member")
    strange = stranger.get(item_url)
    assert "vote" not in acts_offered(strange)
    csrf = strange.html.select_one("input[name=csrf_token]")["value"]
    res = stranger.post(item_url, {"csrf_token": csrf, "act": "vote", "item": "1", "vote": "ja"}, status=403)
    assert "Du tjänstgör inte i Kommunstyrelsen just nu." in res.html.select_one("#why-vote").get_text()
    votes = trail(api, url, "vote")
    assert sorted((e["details"]["member"], e["details"]["choice"]) for e in votes) == [
        ("ks_chair", "ja"), ("ks_member", "nej"), ("ks_member2", "ja")]
    counts = [dd.get_text() for dd in chair.get(item_url).html.select(".vote-open .counts dd")]
    assert counts == ["2", "1", "0"]

    # The chair closes the vote and decides; a member's forged decision is refused.
    page = form_for(chair.get(item_url), "close_vote").submit(status=303).follow()
    assert "Resultat: Ja – Föreslå kommunfullmäktige" in main_text(page)
    ballots = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.html.select(".ballots tbody tr")]
    assert ballots == [["Karin Ordförande (KS)", "Ja"], ["Kalle Ledamot (KS)", "Nej"], ["Klara Ledamot (KS)", "Ja"]]
    csrf = member.get(item_url).html.select_one("input[name=csrf_token]")["value"]
    res = member.post(item_url, {"csrf_token": csrf, "act": "decide", "item": "1"}, status=403)
    assert "Endast ordföranden" in alert(res)
    form = form_for(page, "decide")
    form["outcome"] = "reject"
    res = form.submit(status=422)
    # The outcome by its title, as the page names it, not its id ("approve").
    assert "Beslutet måste följa voteringens utfall (Föreslå kommunfullmäktige)." in \
        res.html.select_one("#why-decide").get_text()
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"
    page = form_for(chair.get(item_url), "decide").submit(status=303).follow()
    assert "Beslutet är fattat." in main_text(page)
    assert api.get(seed_url, user="clerk").json["review_state"] == "kf"
    assert page.html.select_one("#decision-heading ~ p a")["href"].startswith("http://localhost/decisions/")

    # The member who voted nej reserves with a reason; once.
    mine = member.get(item_url)
    form = form_for(mine, "reserve")
    form["reason"] = "Kostnaderna är oklara."
    mine = form.submit(status=303).follow()
    assert "Kalle Ledamot (KS): Kostnaderna är oklara." in mine.html.select_one(".reservations").get_text()
    assert "reserve" not in acts_offered(mine)
    res = member.post(item_url, {"csrf_token": csrf, "act": "reserve", "item": "1"}, status=422)
    assert "Du har redan reserverat dig." in res.html.select_one("#why-reserve").get_text()
    decision = api.get(page.html.select_one("#decision-heading ~ p a")["href"], user="clerk").json
    assert decision["reservations"] == [{"member": "ks_member", "reason": "Kostnaderna är oklara."}]

    # The chair closes the meeting from its page.
    page = transition_button(chair.get(url), "close").submit(status=303).follow()
    assert "Avslutat" in page.html.select_one(".doc-type").get_text()


def test_the_live_part_alone_changes_version_when_someone_votes(app, api, seed_url):
    url, chair, _page = open_ks_meeting(app, api, seed_url)
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    member = browse(app, "ks_member")
    fragment = member.get(url + "/item/1/live")
    assert fragment.text.lstrip().startswith('<div') and "<html" not in fragment.text
    before = fragment.html.select_one("#live")["data-version"]
    act(api, url, "vote", "ks_chair", item=1, vote="ja")
    after = member.get(url + "/item/1/live").html.select_one("#live")
    assert after["data-version"] != before
    assert "Karin Ordförande (KS)" in after.get_text()
    member.get(url + "/item/9", status=404)
    member.get(url + "/item/1/other", status=404)


def test_the_start_page_shows_the_meeting_and_the_vote_that_await_me(app, api, seed_url):
    url = new_meeting(api, "KS")
    act(api, url, "add_item", "clerk", proposal=seed_url)
    member = browse(app, "ks_member")
    assert member.get("/").html.select(".meeting-tasks") == []  # planned: not published yet
    api.transition(url, "convene", "clerk")
    tasks = member.get("/").html.select(".meeting-tasks li a")
    assert [a.get_text(strip=True).startswith("Kallad till") for a in tasks] == [True]
    assert tasks[0]["href"].rstrip("/").endswith(url)
    assert browse(app, "kf_member").get("/").html.select(".meeting-tasks") == []  # not on KS

    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    start = member.get("/")
    vote = start.html.select_one(".meeting-tasks li a")
    assert vote.get_text(strip=True).startswith("Rösta nu:")
    page = start.click(href=vote["href"])
    assert page.request.path == url + "/item/1"
    form_for(page, "vote").submit("vote", value="avstar", status=303)
    texts = [a.get_text(strip=True) for a in member.get("/").html.select(".meeting-tasks li a")]
    assert not any(t.startswith("Rösta nu:") for t in texts) and any(t.startswith("Pågår nu:") for t in texts)


def test_a_kf_meeting_reaches_adopted_through_the_pages(app, api, seed_url):
    ks_meeting_proposes(api, seed_url)
    url = new_meeting(api, "KF")
    clerk = browse(app, "clerk")
    form = form_for(clerk.get(url), "add_item")
    form["proposal"] = seed_url
    form.submit(status=303)
    api.transition(url, "convene", "clerk")
    chair = browse(app, "kf_chair")
    page = transition_button(chair.get(url), "open").submit(status=303).follow()
    assert "§ 1" in page.html.select_one("li.agenda-item h3").get_text()
    form_for(page, "roll_call").submit(status=303)
    page = chair.get(url + "/item/1")
    form = form_for(page, "decide")
    assert "minority" in form.fields  # KF: minority återremiss (KL 5:50)
    form["outcome"] = "approve"
    page = form.submit(status=303).follow()
    assert api.get(seed_url, user="clerk").json["review_state"] == "adopted"


# -- justerare, the protocol, and a kallelse that cannot be side-stepped --------------------
def test_the_justerare_are_chosen_on_the_page_and_the_clerk_makes_the_protocol(app, api, seed_url):
    url, chair, page = open_ks_meeting(app, api, seed_url)
    assert "choose_adjusters" not in acts_offered(page)  # not before the roll call
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    page = chair.get(url)
    member = browse(app, "ks_member2")
    assert "choose_adjusters" not in acts_offered(member.get(url))
    form = form_for(page, "choose_adjusters")
    # Those serving, not the chair who presides.
    assert [box._value for box in form.fields["adjusters"]] == ["ks_member", "ks_member2"]
    # A refusal comes back beside the form, with the service's reason, and nothing is written.
    csrf = page.html.select_one("input[name=csrf_token]")["value"]
    res = chair.post(url + "/act", {"csrf_token": csrf, "act": "choose_adjusters", "adjusters": "ks_chair"},
                     status=422)
    assert "Ordföranden justerar redan" in res.html.select_one("#why-choose_adjusters").get_text()
    assert api.get(url + "/@meeting", user="clerk").json["justering"]["adjusters"] == []
    for box in form.fields["adjusters"]:
        box.checked = True
    form["place"] = "Kommunhuset"
    form["date"] = (TODAY + datetime.timedelta(days=12)).isoformat()
    page = form.submit(status=303).follow()
    assert "Justerarna är valda." in main_text(page)
    assert "Kalle Ledamot (KS), Klara Ledamot (KS)" in page.html.select_one("dl.facts").get_text()
    act(api, url, "decide", "ks_chair", item=1, outcome="approve")
    api.transition(url, "close", "ks_chair")

    # "Skapa protokoll": the clerk's, on the closed meeting's page, with the CSRF token.
    assert not member.get(url).html.select_one("#make-protocol-form")
    csrf = member.get(url).html.select_one("input[name=csrf_token]")["value"]
    res = member.post(url + "/make-protocol", {"csrf_token": csrf}, status=403)
    assert "registratorn" in res.html.select_one("#why-protocol").get_text()
    clerk = browse(app, "clerk")
    clerk.post(url + "/make-protocol", {}, status=400)
    assert not api.get(url, user="clerk").json["links"].get("protocol")
    page = clerk.get(url)
    protocol_page = page.forms["make-protocol-form"].submit(status=303).follow()
    protocol_url = protocol_page.request.path
    assert "Protokollet är skapat." in main_text(protocol_page)
    assert protocol_page.html.select_one("#meeting-link a")["href"] == f"http://localhost{url}/"
    protocol = api.get(protocol_url, user="clerk").json
    assert (protocol["adjusters"], protocol["justering_place"]) == (["ks_member", "ks_member2"], "Kommunhuset")
    # The meeting page now links its protocol and offers no second one.
    page = clerk.get(url)
    assert page.html.select_one("#protocol-link a")["href"].rstrip("/") == "http://localhost" + protocol_url.rstrip("/")
    assert not page.html.select_one("#make-protocol-form")


def test_a_closed_meeting_without_justerare_gets_them_from_the_protocol_form(app, api, seed_url):
    url, chair, page = open_ks_meeting(app, api, seed_url)
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "decide", "ks_chair", item=1, outcome="approve")
    api.transition(url, "close", "ks_chair")
    clerk = browse(app, "clerk")
    form = clerk.get(url).forms["make-protocol-form"]
    res = form.submit(status=422)
    assert "valde inga justerare" in res.html.select_one("#why-protocol").get_text()
    assert not api.get(url, user="clerk").json["links"].get("protocol")
    form = res.forms["make-protocol-form"]
    form.fields["adjusters"][0].checked = True  # ks_member
    form["justering_place"] = "Stadshuset"
    protocol_url = form.submit(status=303).follow().request.path
    assert api.get(protocol_url, user="clerk").json["adjusters"] == ["ks_member"]


def test_the_edit_form_refuses_to_move_a_convened_meeting_past_the_notice_rule(app, api):
    url = new_meeting(api, "KF", days=20)
    api.transition(url, "convene", "clerk")
    clerk = browse(app, "clerk")
    form = clerk.get(url + "/edit").forms["edit-form"]
    form["date"] = (TODAY + datetime.timedelta(days=1)).isoformat()
    res = form.submit(status=422)
    assert "minst 7 dagar före sammanträdet (KL 5:13–15)" in main_text(res)
    assert api.get(url, user="clerk").json["date"] == (TODAY + datetime.timedelta(days=20)).isoformat()
