"""The auditor's pages (/audit, its exports and verification) and the
workflow picture of a document (<object>/workflow, <object>/workflow.svg),
through the real app in a browser's shoes."""

import csv
import datetime
import io
import os
import shutil
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import webtest
import yaml

from conftest import PROJECT, Api, browse, make_app, within_ks_mandate
from partnership_cms.audit.log import StoredEntry
from partnership_cms.scripting import app_request

NASTY = '<script>alert(1)</script> "quotes"'
HTML = {"Accept": "text/html"}
PROPOSAL = {"@type": "Proposal", "title": NASTY, "unit": "Kommunstyrelsens förvaltning"}




@pytest.fixture
def auditor(app):
    return browse(app, "auditor")


def rows(page):
    return page.html.select("table.audit-trail tbody tr")


def today():
    return datetime.datetime.now(ZoneInfo("Europe/Stockholm")).date()


def read_csv(res):
    assert res.body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(res.body.decode("utf-8-sig")), delimiter=";"))


# -- the listing and its filters ------------------------------------------------------------------
def test_auditor_sees_the_trail_newest_first(auditor, api):
    total = api.get("/@audit", user="auditor").json["items_total"]
    page = auditor.get("/audit", {"logins": "1"}, headers=HTML)  # log-ins are hidden unless asked
    assert page.html.h1.text == "Granskningslogg" and len(page.html.find_all("h1")) == 1
    assert f"Visar 1–{total} av {total}" in page.text
    times = [r.time["datetime"] for r in rows(page)]
    assert times == sorted(times, reverse=True) and len(times) == total
    assert page.html.select("table.audit-trail caption") and page.html.select("th[scope=col]")
    text = page.html.select_one("table.audit-trail").text
    assert "Signera tjänsteutlåtandet: från Granskning till Kommunstyrelsen" in text
    assert "Kommentar: Tjänsteutlåtandet signerat." in text and "Förvaltningschef" in text


def test_filters_by_document_user_action_and_dates(auditor, api, seed_url):
    by_path = auditor.get("/audit", {"document": seed_url}, headers=HTML)
    by_dnr = auditor.get("/audit", {"document": f"ks-{today().year}/1"}, headers=HTML)  # any case
    assert len(rows(by_path)) == len(rows(by_dnr)) == 4
    assert all(seed_url in str(r.a["href"]) for r in rows(by_dnr))
    assert f"KS-{today().year}/1" in rows(by_dnr)[0].text

    director = rows(auditor.get("/audit", {"user": "director"}, headers=HTML))
    assert director and all("Camilla Broo (director)" in r.text for r in director)
    transitions = rows(auditor.get("/audit", {"action": "transition"}, headers=HTML))
    assert [r.find_all("td")[3].text for r in transitions] == ["Steg i arbetsflödet"] * 2
    selected = auditor.get("/audit", {"action": "transition"}, headers=HTML).html
    assert selected.select_one("#action option[selected]")["value"] == "transition"

    tomorrow, yesterday = today() + datetime.timedelta(days=1), today() - datetime.timedelta(days=1)
    everything = len(rows(auditor.get("/audit", headers=HTML)))
    assert (
        len(rows(auditor.get("/audit", {"from": str(today()), "to": str(today())}, headers=HTML)))
        == everything
    )
    assert "Inga händelser i urvalet." in auditor.get(
        "/audit", {"from": str(tomorrow)}, headers=HTML
    )
    assert "Inga händelser i urvalet." in auditor.get(
        "/audit", {"to": str(yesterday)}, headers=HTML
    )


def test_unusable_filters_are_explained(auditor):
    page = auditor.get("/audit", {"from": "31/3", "document": "KS-1999/99"}, headers=HTML)
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in page.text
    assert page.html.select_one("#from")["aria-invalid"] == "true"
    assert "Inget dokument har diarienumret KS-1999/99." in page.text
    assert not rows(page)


def test_failed_logins_show_the_name_tried(app, auditor):
    webtest.TestApp(app).post_json("/@login", {"login": "mallory", "password": "x"}, status=401)
    page = auditor.get("/audit", {"action": "login_failed"}, headers=HTML)
    assert [r.find_all("td")[3].text for r in rows(page)] == ["Misslyckad inloggning"]
    assert "Försök med användarnamnet ”mallory” via API:et" in rows(page)[0].text


def test_pages_of_fifty(app, auditor, api):
    for n in range(30):  # each from its own address: one address is throttled after 20
        anonymous = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": f"10.0.0.{n}"})
        anonymous.post_json("/@login", {"login": f"guess{n}", "password": "x"}, status=401)
    total = api.get("/@audit", user="auditor").json["items_total"]
    assert 50 < total < 100
    first = auditor.get("/audit", {"logins": "1"}, headers=HTML)  # log-ins are hidden unless asked
    assert f"Visar 1–50 av {total}" in first.text and len(rows(first)) == 50
    assert first.html.select_one("a[rel=prev]") is None
    second = first.click(href="b_start=50", index=0)
    assert f"Visar 51–{total} av {total}" in second.text and len(rows(second)) == total - 50
    assert second.html.select_one("a[rel=next]") is None
    assert rows(second)[0].time["datetime"] < rows(first)[-1].time["datetime"]
    # Paging keeps the filters.
    filtered = auditor.get("/audit", {"from": str(today()), "logins": "1"}, headers=HTML)
    assert f"from={today()}" in filtered.html.select_one("a[rel=next]")["href"]


@pytest.mark.parametrize(
    "path", ["/audit", "/audit/verify", "/audit/export.csv", "/audit/export.json"]
)
def test_only_auditors(app, path):
    for user in ("officer", "clerk", "admin"):
        res = browse(app, user).get(path, headers=HTML, status=403)
        assert "Du saknar behörighet" in res.text
    res = webtest.TestApp(app).get(path, headers=HTML, status=303)
    assert "/login?came_from=" + path in res.location


# -- exports --------------------------------------------------------------------------------------
def test_csv_export_holds_the_filtered_selection(auditor, api):
    res = auditor.get("/audit/export.csv", {"action": "transition"})
    assert res.content_type == "text/csv" and res.charset == "utf-8"
    assert res.headers["Content-Disposition"].startswith('attachment; filename="granskningslogg-')
    header, *lines = read_csv(res)
    assert header[:6] == [
        "Tid (UTC)",
        "Tid (svensk tid)",
        "Användare",
        "Roller",
        "Händelse",
        "Händelsekod",
    ]
    expected = api.get("/@audit", user="auditor", action="transition").json["items"]
    assert [line[0] for line in lines] == [e["time"] for e in expected]
    assert {line[5] for line in lines} == {"transition"}
    assert "från Granskning till Kommunstyrelsen" in lines[0][header.index("Beskrivning")]
    assert [line[header.index("Kontrollsumma")] for line in lines] == [e["hash"] for e in expected]


def test_csv_cells_never_become_formulas(auditor, api):
    api.post(
        "/proposals",
        dict(PROPOSAL, title='=HYPERLINK("http://evil.example","klicka")'),
        user="officer",
        status=201,
    )
    header, *lines = read_csv(auditor.get("/audit/export.csv", {"action": "create"}))
    description = lines[0][header.index("Beskrivning")]
    assert description.startswith("Rubrik: =HYPERLINK(")  # text, behind "Rubrik: "
    assert not any(cell.startswith("=") for line in lines for cell in line)


def test_json_export_holds_the_filtered_selection(auditor, api, seed_url):
    res = auditor.get("/audit/export.json", {"document": seed_url, "user": "officer"})
    assert res.content_type == "application/json"
    assert res.headers["Content-Disposition"].endswith('.json"')
    expected = [
        e
        for e in api.get("/@audit", user="auditor", object=seed_url).json["items"]
        if e["actor"] == "officer"
    ]
    assert res.json["items"] == expected and res.json["items_total"] == 3
    assert res.json["filters"] == {"document": seed_url, "user": "officer"}


# -- verification ---------------------------------------------------------------------------------
def test_verify_on_demo_data_and_after_tampering(app, auditor, seed_url):
    page = auditor.get("/audit", headers=HTML)
    res = page.forms[1].submit(headers=HTML)  # "Verifiera kedjan": a GET form
    assert res.request.path == "/audit/verify" and res.request.method == "GET"
    assert page.html.select("form")[1].find("button").text == "Verifiera kedjan"
    assert "Kedjan är hel." in res.text and "Kedjan är bruten." not in res.text

    with app_request(app.registry) as request:  # behind the application's back
        entries = request.root.audit_log.entries
        entries[(seed_url, 2)] = StoredEntry.of(dict(entries[(seed_url, 2)].data,
                                                 details={"changes": []}))

    res = auditor.get("/audit/verify", headers=HTML)
    assert "Kedjan är bruten." in res.text
    terms, values = res.html.select(".first-invalid dt"), res.html.select(".first-invalid dd")
    first = {dt.text: dd.text for dt, dd in zip(terms, values, strict=True)}
    assert (first["Kedja"], first["Nummer i kedjan"]) == (seed_url, "2")
    assert first["Orsak"] == "innehållet stämmer inte med kontrollsumman (ändrat)"
    assert str(today().year) in first["Tid"]
    assert seed_url in res.html.select_one("#verification table").text


# -- user text is escaped -------------------------------------------------------------------------
def test_the_button_checks_what_came_after_the_last_seal(app, auditor, api, seed_url):
    """After a seal the page verifies in the request only what was written since
    (the full check is the nightly command's), and still finds tampering there."""
    with app_request(app.registry) as request:
        request.root.audit_log.seal("test")
    api.transition(seed_url, "ks_propose", "ks_chair", meeting_date="2026-09-01")
    res = auditor.get("/audit/verify", headers=HTML)
    assert "Kedjan är hel." in res.text
    scope = res.html.select_one("#verify-scope").text
    assert "efter försegling 1" in scope and "audit-verify" in scope
    checked = api.get("/@audit/verify", user="auditor").json
    assert checked["since_seal"] is None and checked["valid"] is True  # the API's is the full one

    with app_request(app.registry) as request:  # the entry after the seal, behind the app's back
        log = request.root.audit_log
        seq, _hash = log.heads[seed_url]
        log.entries[(seed_url, seq)] = StoredEntry.of(dict(log.get(seed_url, seq), actor="director"))
    res = auditor.get("/audit/verify", headers=HTML)
    assert "Kedjan är bruten." in res.text
    terms, values = res.html.select(".first-invalid dt"), res.html.select(".first-invalid dd")
    first = {dt.text: dd.text for dt, dd in zip(terms, values, strict=True)}
    assert (first["Kedja"], first["Nummer i kedjan"]) == (seed_url, str(seq))


def test_a_nasty_title_is_escaped_in_the_audit_view_and_the_workflow_page(app, auditor, api):
    url = api.post("/proposals", PROPOSAL, user="officer", status=201).json["@id"]
    path = url.replace("http://localhost", "")
    page = auditor.get("/audit", {"document": path}, headers=HTML)
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert NASTY in [a.text for a in page.html.select("table.audit-trail a")]

    officer = browse(app, "officer")
    workflow = officer.get(path + "/workflow", headers=HTML)
    assert (
        "<script>alert(1)" not in workflow.text
        and workflow.html.h1.text == "Arbetsflöde för " + NASTY
    )


def nasty_workflows(tmp_path):
    """The shipped workflows with a state and a transition retitled by a careless administrator."""
    folder = tmp_path / "workflows"
    shutil.copytree(os.path.join(PROJECT, "workflows"), folder)
    raw = yaml.safe_load((folder / "proposal.yaml").read_text(encoding="utf-8"))
    next(s for s in raw["states"] if s["id"] == "ks")["title"]["sv"] = NASTY
    next(t for t in raw["transitions"] if t["id"] == "ks_table")["title"]["sv"] = (
        "Bordlägg " + NASTY
    )
    (folder / "proposal.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(folder)


def test_a_nasty_title_in_a_definition_is_escaped_in_the_diagram(tmp_path, seed_url):
    app = make_app(tmp_path, **{"partnership_cms.workflows": nasty_workflows(tmp_path)})
    try:
        chair = browse(app, "ks_chair")
        svg = chair.get(seed_url + "/workflow.svg")
        assert svg.content_type == "image/svg+xml" and "<script" not in svg.text
        root = ET.fromstring(svg.body)
        assert NASTY in " ".join(root.itertext())
        page = chair.get(seed_url + "/workflow", headers=HTML)
        assert "<script>alert(1)" not in page.text
        assert NASTY in page.html.select_one("ol.workflow-states li[aria-current=step]").text
        assert "Bordlägg " + NASTY in page.html.select_one("ol.workflow-states").text
    finally:
        app.registry._zodb_databases[""].close()


# -- the workflow picture -------------------------------------------------------------------------
def test_workflow_page_marks_the_current_state_and_what_the_user_may_do(app, seed_url):
    within_ks_mandate(Api(app), seed_url)  # so that KS may adopt the seed case itself
    chair = browse(app, "ks_chair")
    page = chair.get(seed_url + "/workflow", headers=HTML)
    current = page.html.select_one("ol.workflow-states li[aria-current=step]")
    assert current.strong.text == "Kommunstyrelsen" and "nuvarande läge" in current.text
    offered = [li.text for li in current.select("li") if "Du kan utföra den nu." in li.text]
    assert len(offered) == 5 and not any(
        "Återta" in li for li in offered
    )  # withdraw: Owner/director only
    img = page.html.select_one("figure.workflow-diagram img")
    assert img["src"].endswith(seed_url + "/workflow.svg") and img["alt"]

    svg = chair.get(seed_url + "/workflow.svg")
    assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")
    root = ET.fromstring(svg.body)
    marked = {
        g.get("data-transition")
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("data-transition") and "offered" in g.get("class")
    }
    assert marked == {"ks_propose", "ks_adopt", "ks_refer_back", "ks_table", "ks_reject"}
    director = ET.fromstring(browse(app, "director").get(seed_url + "/workflow.svg").body)
    assert {
        g.get("data-transition")
        for g in director.iter("{http://www.w3.org/2000/svg}g")
        if g.get("data-transition") and "offered" in g.get("class")
    } == {"withdraw"}


def test_workflow_picture_needs_view_permission(app, seed_url):
    anonymous = webtest.TestApp(app)
    assert (
        "/login?came_from="
        in anonymous.get(seed_url + "/workflow", headers=HTML, status=303).location
    )
    anonymous.get(seed_url + "/workflow.svg", headers={"Accept": "image/svg+xml"}, status=401)
    browse(app, "kf_member").get(
        seed_url + "/workflow", headers=HTML, status=403
    )  # not yet before KF


def test_log_ins_are_hidden_unless_asked(app, auditor):
    webtest.TestApp(app).post_json("/@login", {"login": "mallory", "password": "x"}, status=401)
    hidden = auditor.get("/audit", headers=HTML)
    assert not any("mallory" in r.text for r in rows(hidden))
    shown = auditor.get("/audit", {"logins": "1"}, headers=HTML)
    assert any("mallory" in r.text for r in rows(shown))
    assert shown.html.select_one("input#logins")["checked"] == "checked"


def test_rows_name_the_document_type_and_number_and_people_by_name(app, auditor, api, seed_url):
    api.transition(seed_url, "ks_propose", "ks_chair")
    page = auditor.get("/audit", {"logins": "1"}, headers=HTML)
    texts = [" ".join(r.text.split()) for r in rows(page)]
    assert any("Beslut KS § 1: " in t for t in texts)
    assert any("Ärende KS-" in t for t in texts)
    # A chain without a document names the person, not "user:ks_chair".
    assert any("Användare: " in t for t in texts) and not any("user:ks_chair" in t for t in texts)
