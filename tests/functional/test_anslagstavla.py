"""The digital anslagstavla: posting a justerat protocol (KL 8:12), its public
notice and Atom feed, the archive after the appeal end (KL 13:5),
``partnership-cms finalize``, the protocol's PDF/A and its extracts, and
expediering. The whole story runs on a clock the test sets (``dates.set_today``):
a KS meeting on Monday 2 March 2026, justerat on Wednesday 4 March.
"""
import datetime
import io
import re
import xml.etree.ElementTree as ET

import pypdf
import pytest
import webtest

from conftest import REAL_BODIES, Api, browse, close_app, make_app, make_settings, write_ini
from partnership_cms import cli, configure, dates

from .test_meetings import KS_SEATS, act, local, trail

MEETING = datetime.date(2026, 3, 2)  # a Monday
JUSTERING = datetime.date(2026, 3, 4)  # Wednesday: the second weekday after it is Friday 6 March
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def clock():
    """Set the app's today; back to the calendar afterwards."""
    yield dates.set_today
    dates.set_today(None)


def board_app(tmp_path, **settings):
    return make_app(tmp_path, **{"partnership_cms.bodies": REAL_BODIES, **settings})


@pytest.fixture
def api(tmp_path):
    app = board_app(tmp_path)
    yield Api(app)
    close_app(app)


def justified_protocol(api, clock, seed_url, state="justified"):
    """A KS meeting on MEETING that proposes the seed case to KF, its protocol
    signed by the chair and the justerare on JUSTERING; the protocol's path."""
    clock(MEETING - datetime.timedelta(days=10))
    res = api.post("/meetings", {"@type": "Meeting", "body": "KS", "title": "KS sammanträde",
                                 "date": MEETING.isoformat(), "time": "18:00", "place": "Kommunhuset"},
                   user="clerk", status=201)
    url = local(res.json["@id"])
    act(api, url, "add_item", "clerk", proposal=seed_url)
    api.transition(url, "convene", "clerk")
    clock(MEETING)
    api.transition(url, "open", "ks_chair")
    act(api, url, "roll_call", "clerk", present=KS_SEATS)
    act(api, url, "move", "ks_chair", item=1, kind="approve")
    act(api, url, "open_vote", "ks_chair", item=1, ja="approve", nej="reject")
    for member, vote in zip(KS_SEATS, ["ja", "nej", "ja"], strict=True):
        act(api, url, "vote", member, item=1, vote=vote)
    act(api, url, "close_vote", "ks_chair", item=1)
    act(api, url, "decide", "ks_chair", item=1)
    api.transition(url, "close", "ks_chair")
    protocol = local(api.post(f"{url}/@protocol", {"adjusters": ["ks_member"], "justering_place": "Kommunhuset"},
                              user="clerk", status=201).json["@id"])
    api.transition(protocol, "send_for_signing", "clerk")
    clock(JUSTERING)
    for signer in ("ks_chair", "ks_member"):
        api.post(f"{protocol}/@protocol/sign", {}, user=signer)
    assert api.get(protocol, user="clerk").json["review_state"] == state
    return protocol


def decisions(api, protocol):
    items = api.get(protocol, user="clerk").json["items"]
    return [local(i["decision"]) if i["decision"].startswith("http") else i["decision"] for i in items if i["decision"]]


def pdf_text(body):
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w)[-\u00ad]\n(?=\w)", "", text))


def test_posting_shows_the_notice_to_the_public_and_in_the_feed_until_the_appeal_end(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    public = webtest.TestApp(api.app)
    # Justerat but not posted: not on the board, and its board PDF does not exist.
    name = protocol.rsplit("/", 1)[1]
    assert name not in public.get("/anslagstavla").text
    public.get(f"/anslagstavla/{name}.pdf", status=404)

    clock(datetime.date(2026, 3, 5))
    api.transition(protocol, "post", "clerk", posted_on="2026-03-05")
    data = api.get(protocol, user="clerk").json
    assert data["posted_on"] == "2026-03-05"
    # Three weeks from the posting (KL 13:5): Thursday 26 March 2026.
    assert data["appeal_ends_on"] == "2026-03-26"
    # Posting the protocol posted its decision, through the engine, caused by the protocol.
    for decision in decisions(api, protocol):
        doc = api.get(decision, user="clerk").json
        assert doc["review_state"] == "posted"
        assert doc["posted_on"] == "2026-03-05" and doc["appeal_ends_on"] == "2026-03-26"
        assert [e for e in trail(api, decision, "transition") if e["details"].get("to") == "posted"]

    page = public.get("/anslagstavla")
    notice = page.html.find("article", id=name)
    text = " ".join(notice.get_text().split())
    for expected in ("Kommunstyrelsen", "2 mars 2026", "4 mars 2026", "5 mars 2026", "26 mars 2026",
                     "Huddinge kommunhus, Kommunalvägen 28"):
        assert expected in text
    # Every page links the board and its feed.
    footer = page.html.find("footer")
    assert footer.find("a", href="http://localhost/anslagstavla")
    assert footer.find("a", href="http://localhost/anslagstavla/feed.atom")
    pdf = public.get(notice.find("a")["href"].replace("http://localhost", ""))
    assert pdf.content_type == "application/pdf"
    assert "§" in pdf_text(pdf.body) and "Anslagsbevis" in pdf_text(pdf.body)

    feed = ET.fromstring(public.get("/anslagstavla/feed.atom").body)
    entries = list(feed.iter(ATOM + "entry"))
    assert len(entries) == 1
    assert "26 mars 2026" in entries[0].findtext(ATOM + "summary")
    assert any(link.get("rel") == "enclosure" for link in entries[0].iter(ATOM + "link"))

    # On the last day to appeal it is still current; the day after, it is in the archive.
    clock(datetime.date(2026, 3, 26))
    assert public.get("/anslagstavla").html.find("article", id=name)
    clock(datetime.date(2026, 3, 27))
    assert not public.get("/anslagstavla").html.find("article", id=name)
    assert public.get("/anslagstavla?arkiv=1").html.find("article", id=name)
    assert not list(ET.fromstring(public.get("/anslagstavla/feed.atom").body).iter(ATOM + "entry"))
    public.get(f"/anslagstavla/{name}.pdf", status=200)


def test_an_unposted_protocol_is_not_exposed_anonymously(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    public = webtest.TestApp(api.app)
    name = protocol.rsplit("/", 1)[1]
    for url in (f"/anslagstavla/{name}.pdf", "/anslagstavla/nothing.pdf", "/anslagstavla/x/y",
                "/anslagstavla/../protocols.pdf"):
        public.get(url, status=404)
    assert "Det finns inga anslag här" in public.get("/anslagstavla?arkiv=1").text


def test_a_late_posting_needs_a_reason_and_is_flagged_with_the_rule(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    clock(datetime.date(2026, 3, 10))
    res = api.transition(protocol, "post", "clerk", status=422, posted_on="2026-03-10")
    assert "KL 8:12" in res.json["message"] and "2026-03-06" in res.json["message"]
    assert api.get(protocol, user="clerk").json["review_state"] == "justified"
    api.transition(protocol, "post", "clerk", posted_on="2026-03-10",
                   posting_late_reason="Anslagstavlan var ur drift.")
    doc = api.get(protocol, user="clerk").json
    assert doc["posting_late_reason"] == "Anslagstavlan var ur drift."
    assert [f["rule"] for f in doc["flags"]] == ["posting"]
    for decision in decisions(api, protocol):
        data = api.get(decision, user="clerk").json
        assert data["posting_late_reason"] == "Anslagstavlan var ur drift."


def test_finalize_after_the_appeal_end_is_idempotent(api, clock, seed_url, tmp_path, capsys):
    protocol = justified_protocol(api, clock, seed_url)
    clock(datetime.date(2026, 3, 5))
    api.transition(protocol, "post", "clerk", posted_on="2026-03-05")
    ini = write_ini(tmp_path, **{"partnership_cms.bodies": REAL_BODIES})
    api.app.registry._zodb_databases[""].close()  # the command opens Data.fs itself

    clock(datetime.date(2026, 3, 26))  # the last day to appeal: nothing yet
    assert cli.main(["finalize", ini]) == 0
    assert "Inget att registrera som laga kraft" in capsys.readouterr().out
    clock(datetime.date(2026, 3, 27))
    assert cli.main(["finalize", ini]) == 0
    out = capsys.readouterr().out
    assert f"{protocol}: laga kraft" in out and "1 blev laga kraft" in out
    assert cli.main(["finalize", ini]) == 0
    assert "Inget att registrera som laga kraft" in capsys.readouterr().out

    # The same Data.fs, opened again, as the server would after the command.
    reopened = Api(configure(make_settings(tmp_path, **{"partnership_cms.bodies": REAL_BODIES})).make_wsgi_app())
    try:
        assert reopened.get(protocol, user="clerk").json["review_state"] == "final"
        for decision in decisions(reopened, protocol):
            assert reopened.get(decision, user="clerk").json["review_state"] == "final"
    finally:
        reopened.app.registry._zodb_databases[""].close()


def test_the_protocol_pdf_and_an_extract_carry_the_paragraph_and_the_decision(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    doc = api.get(protocol, user="clerk").json
    item = doc["items"][0]
    whole = api.test.get(f"{protocol}/protocol.pdf", headers={"Authorization": "Bearer " + api.login("clerk")})
    assert whole.content_type == "application/pdf"
    text = pdf_text(whole.body)
    assert f"§ {item['paragraph']}" in text and "Huddinge kommun" in text and "Sida 1 av" in text
    extract = api.test.get(f"{protocol}/extract.pdf?paragraph={item['paragraph']}",
                           headers={"Authorization": "Bearer " + api.login("clerk")})
    text = pdf_text(extract.body)
    assert "Protokollsutdrag" in text and f"§ {item['paragraph']}" in text
    assert " ".join(item["decision_text"].split())[:60] in text
    assert pypdf.PdfReader(io.BytesIO(extract.body)).xmp_metadata is not None
    api.test.get(f"{protocol}/extract.pdf?paragraph=999", headers={"Authorization": "Bearer " + api.login("clerk")},
                 status=404)


def test_dispatch_records_each_recipient_with_date_and_channel(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    clock(datetime.date(2026, 3, 5))
    res = api.post(f"{protocol}/dispatch", {"channel": "pigeon"}, user="clerk", status=422)
    assert "channel" in res.json.get("errors", {})
    api.post(f"{protocol}/dispatch", {"channel": "email"}, user="ks_member", status=403)
    records = api.post(f"{protocol}/dispatch", {"channel": "email"}, user="clerk").json["dispatches"]
    recipients = {r["recipient"] for r in records}
    assert "Södertörns högskola" in recipients
    assert {(r["channel"], r["sent_on"], r["sent_by"]) for r in records} == {("email", "2026-03-05", "clerk")}
    assert all(len(r["extract_sha256"]) == 64 for r in records)
    entries = trail(api, protocol, "dispatch")
    assert len(entries) == 1 and entries[0]["details"]["dispatches"] == records


def test_the_protocol_page_links_its_pdf_and_for_the_clerk_the_dispatch_form(api, clock, seed_url):
    protocol = justified_protocol(api, clock, seed_url)
    clerk_page = browse(api.app, "clerk").get(protocol)
    files = clerk_page.html.find("ul", class_="protocol-files")
    hrefs = [a["href"] for a in files.find_all("a")]
    assert hrefs == [f"http://localhost{protocol}/protocol.pdf", f"http://localhost{protocol}/dispatch"]
    assert clerk_page.click(href="/protocol.pdf").content_type == "application/pdf"
    assert "Expediera" in clerk_page.click(href="/dispatch$").text
    # A member, and the public once it is justerat, get the PDF but not the dispatch form.
    for browser in (browse(api.app, "ks_member"), webtest.TestApp(api.app)):
        files = browser.get(protocol).html.find("ul", class_="protocol-files")
        assert [a["href"] for a in files.find_all("a")] == [f"http://localhost{protocol}/protocol.pdf"]


def test_the_start_page_names_the_kommun_of_the_setting(tmp_path):
    app = board_app(tmp_path, **{"partnership_cms.kommun_name": "Botkyrka kommun"})
    try:
        page = webtest.TestApp(app).get("/")
        assert page.html.find("h1").get_text(" ", strip=True) == "Ärenden och beslut i Botkyrka kommun"
        assert "Huddinge" not in page.html.find("main").get_text()
    finally:
        close_app(app)



def test_with_the_setting_the_justering_posts_the_protocol_at_once(tmp_path, clock, seed_url):
    app = board_app(tmp_path, **{"partnership_cms.post_on_justering": "true"})
    try:
        api = Api(app)
        protocol = justified_protocol(api, clock, seed_url, state="posted")
        doc = api.get(protocol, user="clerk").json
        assert (doc["posted_on"], doc["appeal_ends_on"]) == ("2026-03-04", "2026-03-25")
        for decision in decisions(api, protocol):
            assert api.get(decision, user="clerk").json["review_state"] == "posted"
        assert protocol.rsplit("/", 1)[1] in webtest.TestApp(app).get("/anslagstavla").text
    finally:
        close_app(app)
