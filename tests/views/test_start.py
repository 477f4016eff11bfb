"""The start page: each role's worklist ("Mina uppgifter"), and the public
start page for everybody else."""
import webtest
from pyramid.authorization import Everyone

from conftest import within_ks_mandate
from partnership_cms import catalog

from .test_auth import login

DRAFT = {"@type": "Proposal", "title": "Avtal om samverkan med KTH",
         "unit": "Kommunstyrelsens förvaltning", "decision_points": ["Avtalet godkänns."],
         "summary": "Kommunen och KTH samverkar.", "recipients": ["KTH"]}
XSS = '<script>alert(1)</script> "quotes"'


def create_draft(api, **overrides):
    res = api.post("/proposals", dict(DRAFT, **overrides), user="officer", status=201)
    return res.json["@id"].replace("http://localhost", "")


def worklist(res):
    """{heading: [row titles]} of the start page's worklist groups."""
    groups = {}
    for section in res.html.select("section.worklist"):
        heading = section.h2.get_text(" ", strip=True).rsplit("(", 1)[0].strip()
        groups[heading] = [a.get_text(strip=True) for a in section.select("tbody td a")]
    return groups


def test_officer_sees_her_draft_to_submit(app, api):
    create_draft(api)
    browser, _ = login(app, "officer")
    res = browser.get("/")
    assert res.html.h1.get_text() == "Mina uppgifter"
    assert worklist(res) == {"Att skicka till granskning": ["Avtal om samverkan med KTH"]}
    assert "(1)" in res.html.select_one("section.worklist h2").get_text()


def test_director_sees_a_submitted_case_to_sign(app, api):
    url = create_draft(api)
    api.transition(url, "submit", "officer")
    browser, _ = login(app, "director")
    assert worklist(browser.get("/")) == {"Att signera": ["Avtal om samverkan med KTH"]}


def test_ks_chair_sees_the_seed_case_before_ks(app, seed_url):
    browser, _ = login(app, "ks_chair")
    res = browser.get("/")
    groups = worklist(res)
    assert list(groups) == ["Inför kommunstyrelsen"]
    assert len(groups["Inför kommunstyrelsen"]) == 1
    link = res.html.select_one("section.worklist tbody a")
    assert link["href"] == "http://localhost" + seed_url
    assert "Kommunstyrelsen" in res.html.select_one("section.worklist tbody").get_text()


def test_clerk_sees_an_adopted_case_to_dispatch(app, api, seed_url):
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    browser, _ = login(app, "clerk")
    groups = worklist(browser.get("/"))
    assert list(groups) == ["Att expediera"]
    assert len(groups["Att expediera"]) == 1


def test_nothing_waiting_says_so(app):
    browser, _ = login(app, "kf_member")
    res = browser.get("/")
    assert worklist(res) == {}
    assert "Inget väntar på dig just nu." in res.text


def test_anonymous_sees_only_public_documents(app, api, seed_url):
    res = webtest.TestApp(app).get("/")
    assert "Det finns inga publicerade handlingar ännu." in res.text  # the seed case is before KS
    assert res.html.find("a", string="Logga in") is not None
    create_draft(api, title="Hemligt utkast")
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")
    links = api.get(seed_url, user="clerk").json["links"]
    decision = links["decisions"][0].replace("http://localhost", "")
    res = webtest.TestApp(app).get("/")
    titles = [a.get_text(strip=True) for a in res.html.select("main tbody a")]
    assert len(titles) == 1  # the adopted proposal; its decision is not yet justified
    assert "Hemligt utkast" not in res.text and not res.html.select("section.worklist")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-10-02")
    res = webtest.TestApp(app).get("/")
    rows = [tr.get_text(" ", strip=True) for tr in res.html.select("main tbody tr")]
    # The justified decision, and the agreement it approved (issue 10, item 1): public now.
    assert len(rows) == 3 and any("KS § 1" in row for row in rows)
    assert any(row.startswith("Avtal") and "Godkänt" in row for row in rows)
    assert "Hemligt utkast" not in res.text


def test_titles_are_escaped_on_the_start_page(app, api):
    create_draft(api, title=XSS)
    browser, _ = login(app, "officer")
    res = browser.get("/")
    assert "<script>" not in res.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.text
    assert worklist(res) == {"Att skicka till granskning": [XSS]}


def searches_made(monkeypatch):
    """The principals of every catalog search made from now on (the real search still runs)."""
    made = []
    search = catalog.search

    def recorded(request, principals, **kwargs):
        made.append(list(principals))
        return search(request, principals, **kwargs)

    monkeypatch.setattr(catalog, "search", recorded)
    return made


def test_a_logged_in_page_does_not_search_the_public_documents(app, api, seed_url, monkeypatch):
    # TAL evaluates a define before its condition: the public block's search
    # (a walk of the modified index as long as the public's share of the
    # register is thin) once ran on every officer's page and was thrown away.
    within_ks_mandate(api, seed_url)
    api.transition(seed_url, "ks_adopt", "ks_chair", meeting_date="2026-10-01")  # something public
    create_draft(api)
    browser, _ = login(app, "officer")
    made = searches_made(monkeypatch)
    res = browser.get("/")
    assert worklist(res) == {"Att skicka till granskning": ["Avtal om samverkan med KTH"]}
    assert made and [Everyone] not in made
    assert not res.html.select("#latest")
    del made[:]
    res = webtest.TestApp(app).get("/")
    assert made == [[Everyone]]  # the public page: its one search, and no worklist
    assert len(res.html.select("main tbody tr")) == 1
