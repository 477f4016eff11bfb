"""The registers (/proposals, /decisions, ...): filters, sort and paging as a
GET form, and never a row the user may not see."""
import datetime

import webtest

from .test_auth import login
from .test_start import XSS, create_draft

YEAR = datetime.date.today().year


def rows(res):
    """(number, title, state) of each row of the register table."""
    return [tuple(td.get_text(" ", strip=True) for td in tr.select("td")[:3])
            for tr in res.html.select("main table tbody tr")]


def titles(res):
    return [row[1] for row in rows(res)]


def shown(res):
    """The "Visar 1–25 av N" line, whitespace collapsed."""
    return " ".join(res.html.select_one("p.result-count").get_text().split())


def test_register_lists_what_the_user_may_see(app, api, seed_url):
    create_draft(api, title="Officerens utkast")
    officer, _ = login(app, "officer")
    assert sorted(titles(officer.get("/proposals"))) == sorted(
        ["Officerens utkast", api.get(seed_url, user="officer").json["title"]])
    member, _ = login(app, "ks_member")
    res = member.get("/proposals")
    seed_title = api.get(seed_url, user="officer").json["title"]
    assert rows(res) == [(f"KS-{YEAR}/1", seed_title, "Kommunstyrelsen")]
    assert shown(res) == "Visar 1–1 av 1"
    # The public sees nothing until a case is public, and no empty table.
    res = webtest.TestApp(app).get("/proposals")
    assert rows(res) == [] and "Inget att visa med de här filtren." in res.text
    # The same address still answers JSON to the API.
    res = webtest.TestApp(app).get("/proposals", headers={"Accept": "application/json"})
    assert res.json["items"] == []


def test_filters_by_state_year_and_text(app, api, seed_url):
    first = create_draft(api, title="Avtal om cykelbanor")
    create_draft(api, title="Avtal om skolmat")
    api.transition(first, "submit", "officer")
    browser, _ = login(app, "officer")
    assert titles(browser.get("/proposals", {"state": "review"})) == ["Avtal om cykelbanor"]
    assert sorted(titles(browser.get("/proposals", {"q": "skolmat"}))) == ["Avtal om skolmat"]
    assert titles(browser.get("/proposals", {"q": "not and or"})) == []  # words, never operators
    # The year a case is dated: the seed report is dated 2021.
    assert sorted(titles(browser.get("/proposals", {"year": str(YEAR)}))) == [
        "Avtal om cykelbanor", "Avtal om skolmat"]
    assert [row[0] for row in rows(browser.get("/proposals", {"year": "2021"}))] == [f"KS-{YEAR}/1"]
    assert rows(browser.get("/proposals", {"year": "1999"})) == []
    # The form keeps what was chosen.
    form = browser.get("/proposals", {"state": "review", "q": "cykel"}).forms["filters"]
    assert (form["state"].value, form["q"].value) == ("review", "cykel")
    # The form itself is a plain GET: no JavaScript, and the result has an address.
    form["state"], form["q"] = "draft", "skolmat"
    res = form.submit()
    assert "state=draft" in res.request.url and titles(res) == ["Avtal om skolmat"]
    # An impossible year is explained next to the field, and the rest still works.
    res = browser.get("/proposals", {"year": "20x6", "state": "review"})
    field = res.html.select_one("#year").find_parent("div")
    assert "Ange året med fyra siffror" in field.get_text()
    assert res.html.select_one("#year")["aria-describedby"] == "year-error"
    assert titles(res) == ["Avtal om cykelbanor"]
    # Unknown values are ignored, never an error page.
    odd = {"state": "nope", "sort": "x", "order": "y", "page": "-3"}
    assert len(rows(browser.get("/proposals", odd))) == 3


def test_decisions_show_paragraph_and_filter_by_body(app, api, seed_url):
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-10-01")
    api.transition(seed_url, "kf_adopt", "kf_chair", meeting_date="2026-10-20")
    browser, _ = login(app, "clerk")
    res = browser.get("/decisions")
    assert sorted(row[0] for row in rows(res)) == ["KF § 1", "KS § 1"]
    assert [row[0] for row in rows(browser.get("/decisions", {"body": "KF"}))] == ["KF § 1"]
    assert [o["value"] for o in res.html.select("#body option")] == ["", "KS", "KF"]
    assert res.html.find("a", string="Nytt beslut")["href"] == "http://localhost/decisions/add"
    # The public sees neither: decisions are public from justering.
    assert rows(webtest.TestApp(app).get("/decisions")) == []


def test_sort_and_paging(app, api):
    for n in range(27):
        create_draft(api, title=f"Ärende {n:02d}")
    browser, _ = login(app, "officer")
    res = browser.get("/proposals", {"sort": "title", "order": "asc"})
    assert len(rows(res)) == 25
    assert shown(res) == "Visar 1–25 av 28"
    assert titles(res)[0].startswith("Förslag till avtal")  # the seed case: "F" < "Ä"
    assert titles(res)[1:3] == ["Ärende 00", "Ärende 01"]
    assert res.html.select_one("th[aria-sort]").get_text(strip=True) == "Rubrik"
    assert res.html.find("a", rel="prev") is None
    res = browser.get(res.html.find("a", rel="next")["href"])
    assert titles(res) == ["Ärende 24", "Ärende 25", "Ärende 26"]
    assert shown(res) == "Visar 26–28 av 28"
    assert res.html.find("a", rel="next") is None and res.html.find("a", rel="prev") is not None
    res = browser.get("/proposals", {"sort": "title", "order": "desc"})
    assert titles(res)[:2] == ["Ärende 26", "Ärende 25"]
    # Past the end (an old bookmark): the last page.
    res = browser.get("/proposals", {"sort": "dnr", "order": "desc", "page": "99"})
    assert shown(res) == "Visar 26–28 av 28"
    assert rows(res)[-1][0] == f"KS-{YEAR}/1"
    # Paging counts only what the user may see.
    member, _ = login(app, "ks_member")
    res = member.get("/proposals")
    assert len(rows(res)) == 1 and res.html.find("nav", class_="pager") is None


def test_add_link_only_for_those_who_may_add(app):
    officer, _ = login(app, "officer")
    assert officer.get("/proposals").html.find("a", string="Nytt ärende")["href"] == \
        "http://localhost/proposals/add"
    assert officer.get("/decisions").html.find("a", string="Nytt beslut") is None
    member, _ = login(app, "ks_member")
    assert member.get("/proposals").html.find("a", string="Nytt ärende") is None
    assert webtest.TestApp(app).get("/proposals").html.find("a", string="Nytt ärende") is None


def test_titles_are_escaped_in_the_register(app, api):
    create_draft(api, title=XSS)
    browser, _ = login(app, "officer")
    res = browser.get("/proposals", {"q": "script"})
    assert "<script>" not in res.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in res.text
    assert titles(res) == [XSS]
