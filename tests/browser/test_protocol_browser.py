"""A KS protocol justerat in headless Chromium, then read by the public.

The setup, through the API as tests/functional/test_anslagstavla.py does: a KS
meeting today that proposes the seed case to KF, closed, its protocol made and
sent for signing. The chair and the justerare then each open the protocol in a
browser context of their own and sign it with the page's form; the clerk posts
it (API); a fresh context with no log-in finds the notice on /anslagstavla,
downloads the PDF, and reads the Atom feed. axe-core checks the protocol page
(signing, and public) and the anslagstavla, at desktop width and at 390 px.
"""
import datetime
import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from conftest import REAL_BODIES, Api, make_app
from functional.test_meetings import KS_SEATS, act, local
from partnership_cms import dates

from .conftest import both_widths, serving

pytestmark = pytest.mark.browser
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app on the real bodies/ (KS decides only at meetings), served by waitress."""
    app = make_app(tmp_path_factory.mktemp("protocol-browser"), **{"partnership_cms.bodies": REAL_BODIES})
    try:
        with serving(app, "waitress-protocol-tests") as url:
            yield url, app
    finally:
        dates.set_today(None)


@pytest.fixture(scope="module")
def live_server(served):
    return served[0]


def protocol_for_signing(api, seed_url):
    """A KS meeting held today that proposes the seed case to KF (a 2-1 named vote),
    its protocol sent for signing with ks_member as justerare; the protocol's path."""
    today = datetime.date.today()
    dates.set_today(today - datetime.timedelta(days=10))  # the meeting is convened ahead, as the notice asks
    try:
        res = api.post("/meetings", {"@type": "Meeting", "body": "KS", "title": "KS sammanträde",
                                     "date": today.isoformat(), "time": "18:00", "place": "Kommunhuset"},
                       user="clerk", status=201)
        meeting = local(res.json["@id"])
        act(api, meeting, "add_item", "clerk", proposal=seed_url)
        api.transition(meeting, "convene", "clerk")
    finally:
        dates.set_today(None)
    api.transition(meeting, "open", "ks_chair")
    act(api, meeting, "roll_call", "clerk", present=KS_SEATS)
    act(api, meeting, "move", "ks_chair", item=1, kind="approve")
    act(api, meeting, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    for member, vote in zip(KS_SEATS, ["ja", "nej", "ja"], strict=True):
        act(api, meeting, "vote", member, item=1, vote=vote)
    act(api, meeting, "close_vote", "ks_chair", item=1)
    act(api, meeting, "decide", "ks_chair", item=1)
    api.transition(meeting, "close", "ks_chair")
    protocol = local(api.post(f"{meeting}/@protocol", {"adjusters": ["ks_member"], "justering_place": "Kommunhuset"},
                              user="clerk", status=201).json["@id"])
    api.transition(protocol, "send_for_signing", "clerk")
    return protocol


def main(pg):
    return pg.locator("main")


def follow(locator):
    with locator.page.expect_navigation():
        locator.click()


def sign_in_browser(pg, protocol):
    pg.goto(protocol)
    form = main(pg).locator("form#sign-form")
    expect(form).to_contain_text("SHA-256")
    follow(form.get_by_role("button", name="Justera protokollet"))
    assert main(pg).locator(".flash").first.inner_text().strip() == "Du har justerat protokollet."
    expect(main(pg).locator("form#sign-form")).to_have_count(0)  # no second signature offered


def test_the_chair_and_the_justerare_sign_and_the_public_reads_the_notice(served, sessions, axe, shot, seed_url):
    _base, app = served
    api = Api(app)
    protocol = protocol_for_signing(api, seed_url)
    name = protocol.rsplit("/", 1)[1]

    # The chair signs in their own browser; the justerare is still missing.
    chair = sessions("ks_chair")
    chair.goto(protocol)
    expect(main(chair).locator("article.protocol")).to_contain_text("§")
    both_widths(chair, axe, "protocol page (chair, signing)")
    shot(chair, "protocol-signing")
    sign_in_browser(chair, protocol)
    expect(main(chair).locator("#justering")).to_contain_text("Underskrift saknas av:")
    status = api.get(f"{protocol}/@protocol", user="clerk").json
    assert status["signed"] == ["ks_chair"] and status["missing"] == ["ks_member"]
    assert api.get(protocol, user="clerk").json["review_state"] == "signing"

    # The justerare signs in theirs: the protocol and the meeting's decision are justerade.
    adjuster = sessions("ks_member")
    sign_in_browser(adjuster, protocol)
    doc = api.get(protocol, user="clerk").json
    assert doc["review_state"] == "justified"
    assert [s["signer"] for s in doc["signatures"]] == ["ks_chair", "ks_member"]
    assert all(len(s["sha256"]) == 64 for s in doc["signatures"])
    decision = local(doc["items"][0]["decision"])
    assert api.get(decision, user="clerk").json["review_state"] == "justified"

    # The clerk posts it on the anslagstavla today.
    api.transition(protocol, "post", "clerk", posted_on=datetime.date.today().isoformat())

    # Anyone, not logged in, in a fresh context: the board, the PDF, the feed, the protocol page.
    public = sessions(None)
    public.goto("/")
    follow(public.locator("footer").get_by_role("link", name="Digital anslagstavla"))
    assert public.url.endswith("/anslagstavla")
    notice = main(public).locator(f"article#{name}")
    expect(notice).to_contain_text("Kommunstyrelsen")
    appeal_ends = datetime.date.fromisoformat(api.get(protocol, user="clerk").json["appeal_ends_on"])
    assert appeal_ends > datetime.date.today()
    expect(notice.locator("dl.facts")).to_contain_text("Sista dag att överklaga")
    both_widths(public, axe, "anslagstavla (public)")
    shot(public, "anslagstavla")
    href = notice.get_by_role("link", name="Ladda ned protokollet").get_attribute("href")
    pdf = public.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body()[:5] == b"%PDF-"

    feed = public.request.get("/anslagstavla/feed.atom")
    assert feed.status == 200
    entries = list(ET.fromstring(feed.body()).iter(ATOM + "entry"))
    assert len(entries) == 1
    assert any(link.get("rel") == "enclosure" for link in entries[0].iter(ATOM + "link"))
    summary = entries[0].findtext(ATOM + "summary")
    assert f"{appeal_ends.day} " in summary and str(appeal_ends.year) in summary

    public.goto(protocol)
    expect(main(public).locator("article.protocol")).to_contain_text("§")
    assert not main(public).locator("form").count()  # nothing to sign or correct for the public
    files = main(public).locator("ul.protocol-files a")
    expect(files).to_have_count(1)  # the PDF, not the dispatch form
    both_widths(public, axe, "protocol page (public, posted)")
