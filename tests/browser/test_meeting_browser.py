"""A KF meeting in headless Chromium: the clerk and the five KF members (the
chair among them), each in their own browser context. The roll call, a motion
for återremiss that falls in a vote, the main question carried 3–2 in a named
vote, a reservation with a reason; the seed case ends adopted with the vote
recorded per member. axe-core checks each meeting page type, desktop and 390 px.
"""
import datetime
import time

import pytest
from playwright.sync_api import expect

from conftest import REAL_BODIES, Api, make_app
from functional.test_meetings import KF_SEATS, ks_meeting_proposes, local

from .conftest import both_widths, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on the real bodies/ (KS and KF decide only at meetings), served by waitress."""
    app = make_app(tmp_path_factory.mktemp("meeting-browser"), **{"partnership_cms.bodies": REAL_BODIES})
    with serving(app, "waitress-meeting-tests") as url:
        yield url, app


@pytest.fixture(scope="module")
def live_server(served):
    return served[0]


def follow(locator):
    with locator.page.expect_navigation():
        locator.click()


def main(pg):
    return pg.locator("main")


def flash(pg):
    return main(pg).locator(".flash").first.inner_text().strip()


def no_alert(pg):
    alerts = main(pg).locator(".alert")
    assert not alerts.count(), alerts.all_inner_texts()


def transition(pg, title):
    follow(main(pg).locator("section.transitions").get_by_role("button", name=title, exact=True))


def vote(pg, choice):
    follow(main(pg).locator("form.vote-form").get_by_role("button", name=choice, exact=True))
    assert f"Din röst är räknad: {choice}." in flash(pg)
    own = main(pg).locator(".vote-open .own-vote")
    expect(own).to_contain_text(f"Du har röstat {choice}")
    assert not main(pg).locator("form.vote-form").count()  # no second ballot offered


def test_a_kf_meeting_with_each_member_in_their_own_browser(served, sessions, axe, shot, seed_url):
    _base, app = served
    api = Api(app)
    ks_meeting_proposes(api, seed_url)  # through the API: a KS meeting proposes the case to KF
    date = datetime.date.today() + datetime.timedelta(days=10)
    meeting = local(api.post("/meetings", {"@type": "Meeting", "body": "KF", "title": "Kommunfullmäktige oktober",
                                           "date": date.isoformat(), "time": "18:00",
                                           "place": "Huddinge kommunhus, sessionssalen"},
                             user="clerk", status=201).json["@id"])

    # The clerk places the seed case on the agenda and convenes.
    clerk = sessions("clerk")
    clerk.goto(meeting)
    both_widths(clerk, axe, "meeting page (clerk, planned)")
    main(clerk).get_by_label("Ärende inför Kommunfullmäktige").select_option(value=seed_url)
    follow(main(clerk).get_by_role("button", name="Placera ärendet på listan"))
    assert flash(clerk) == "Ärendet är placerat på föredragningslistan."
    transition(clerk, "Skicka kallelse")
    assert "Kallat" in main(clerk).locator(".doc-type").inner_text()

    # The members see it waiting on their start page and in "Mina sammanträden".
    members = {login: sessions(login) for login in KF_SEATS}
    chair = members["kf_chair"]
    start = members["kf_member"]
    start.goto("/")
    expect(main(start).locator(".meeting-tasks")).to_contain_text("Kallad till")
    both_widths(start, axe, "start page with a meeting (member)")
    follow(start.locator("header nav").get_by_role("link", name="Mina sammanträden"))
    both_widths(start, axe, "Mina sammanträden")
    shot(start, "my-meetings")

    # The chair opens the meeting and calls the roll: all five present.
    follow(main(chair).locator(".meeting-tasks").get_by_role("link").first)
    transition(chair, "Öppna sammanträdet")
    follow(main(chair).get_by_role("button", name="Förrätta upprop"))
    assert flash(chair) == "Uppropet är förrättat."
    expect(main(chair)).to_contain_text("Beslutfört: 5 av 5 tjänstgör.")
    both_widths(chair, axe, "meeting page (chair, open)")
    shot(chair, "meeting-open")
    # A member leaves and comes back: the quorum shown follows.
    seat = main(chair).locator("form:has(input[name=member][value=kf_member4]) button")
    expect(seat).to_contain_text("Lämnar")
    follow(seat)
    expect(main(chair).locator("#quorum")).to_have_text("Beslutfört: 4 av 5 tjänstgör.")
    expect(seat).to_contain_text("Anländer")
    follow(seat)
    expect(main(chair).locator("#quorum")).to_have_text("Beslutfört: 5 av 5 tjänstgör.")
    polls = []  # when the chair's browser asked for the live part
    chair.on("request", lambda r: polls.append(time.monotonic()) if r.url.endswith("/live") else None)
    follow(main(chair).get_by_role("link", name="Behandling av punkten"))
    item_url = chair.url

    # A member moves återremiss; the chair puts it to a named vote (ja: decided today).
    mover = members["kf_member"]
    mover.goto(item_url)
    main(mover).get_by_label("Yrkande", exact=True).select_option(label="Återremiss")
    main(mover).get_by_label("Lydelse eller motivering").fill("Utred kostnaderna först.")
    follow(main(mover).get_by_role("button", name="Anmäl yrkandet"))
    assert flash(mover) == "Ditt yrkande är anmält."
    chair.reload()
    expect(main(chair).locator(".motions")).to_contain_text("Återremiss – Frida Ledamot (KF)")
    main(chair).get_by_label("Proposition").fill("Ska ärendet avgöras i dag?")
    main(chair).get_by_label("Ja betyder").select_option(value="continue")
    main(chair).get_by_label("Nej betyder").select_option(value="refer_back")
    follow(main(chair).get_by_role("button", name="Öppna voteringen"))
    no_alert(chair)
    both_widths(chair, axe, "item page (chair, vote open)")

    # Each member votes in their own browser; the chair's page counts them by itself (JavaScript).
    summary = chair.locator("#live-summary")
    expect(summary).to_have_attribute("aria-live", "polite")
    for login, choice in [("kf_chair", "Ja"), ("kf_member", "Nej"), ("kf_member2", "Ja"), ("kf_member3", "Ja"),
                          ("kf_member4", "Nej")]:
        pg = members[login]
        if login != "kf_chair":
            pg.goto(item_url)
        vote(pg, choice)
        if login == "kf_chair":  # the chair's page stays from here on: its summary node must too
            chair.evaluate("window.kept = document.getElementById('live-summary')")
    both_widths(members["kf_member4"], axe, "item page (member, has voted)")
    counts = main(chair).locator(".vote-open .counts dd")
    expect(counts).to_have_text(["3", "2", "0"])  # updated in place, without a reload
    # The live region screen readers listen to is the same node, its text changed.
    expect(summary).to_contain_text("5 av 5 har röstat (ja 3, nej 2, avstår 0)")
    assert chair.evaluate("window.kept === document.getElementById('live-summary') && window.kept.isConnected")
    follow(main(chair).get_by_role("button", name="Avsluta voteringen"))
    expect(main(chair)).to_contain_text("Resultat: Ja – Ärendet behandlas vidare")
    gaps = [b - a for a, b in zip(polls, polls[1:], strict=False)]
    assert polls and min(gaps, default=2) >= 1.9, gaps  # at most one request every 2 s

    # The main question: bifall against avslag, carried 3–2.
    main(chair).get_by_label("Proposition").fill("Bifall mot avslag")
    main(chair).get_by_label("Ja betyder").select_option(value="approve")
    main(chair).get_by_label("Nej betyder").select_option(value="reject")
    follow(main(chair).get_by_role("button", name="Öppna voteringen"))
    for login, choice in [("kf_chair", "Ja"), ("kf_member", "Nej"), ("kf_member2", "Ja"), ("kf_member3", "Ja"),
                          ("kf_member4", "Nej")]:
        pg = members[login]
        if login != "kf_chair":
            pg.goto(item_url)
        vote(pg, choice)
    chair.reload()
    follow(main(chair).get_by_role("button", name="Avsluta voteringen"))
    follow(main(chair).get_by_role("button", name="Fatta beslutet"))
    assert flash(chair) == "Beslutet är fattat."
    expect(main(chair).locator("#live")).to_contain_text("Bifall (kommunfullmäktige)")

    # kf_member reserves with a reason; the others see it on their pages.
    mover.goto(item_url)
    main(mover).get_by_label("Motivering (valfri)").fill("Kostnaderna är inte utredda.")
    follow(main(mover).get_by_role("button", name="Reservera mig"))
    assert flash(mover) == "Din reservation är anmäld."
    expect(main(mover).locator(".reservations")).to_contain_text("Frida Ledamot (KF): Kostnaderna är inte utredda.")
    main(mover).get_by_label("Din anteckning till protokollet").fill("Jag vill att utredningen redovisas.")
    follow(main(mover).get_by_role("button", name="Anmäl protokollsanteckningen"))
    assert flash(mover) == "Din protokollsanteckning är anmäld."
    expect(main(mover).locator("#live .notes")).to_contain_text("Frida Ledamot (KF): Jag vill att utredningen")
    both_widths(mover, axe, "item page (member, decided)")
    shot(mover, "item-decided")

    chair.goto(meeting)
    transition(chair, "Avsluta sammanträdet")
    assert "Avslutat" in main(chair).locator(".doc-type").inner_text()

    # The case is adopted; the decision records the vote per member and the reservation.
    assert api.get(seed_url, user="clerk").json["review_state"] == "adopted"
    decisions = api.get(seed_url, user="clerk").json["links"]["decisions"]
    decision = api.get(local(decisions[-1]), user="clerk").json
    assert (decision["body"], decision["outcome"], decision["votes_yes"], decision["votes_no"]) == ("KF", "adopt", 3, 2)
    assert decision["named_vote"] == [{"member": "kf_chair", "vote": "ja"}, {"member": "kf_member", "vote": "nej"},
                                      {"member": "kf_member2", "vote": "ja"}, {"member": "kf_member3", "vote": "ja"},
                                      {"member": "kf_member4", "vote": "nej"}]
    assert decision["reservations"] == [{"member": "kf_member", "reason": "Kostnaderna är inte utredda."}]
