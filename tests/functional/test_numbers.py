"""§ numbers per body and year, KS's mandate and vote counts (issue 10, item 12).
Through the real app."""
import os
import re
import shutil

import transaction
import webtest

from conftest import PROJECT, Api, browse, make_app

from .test_case_path import create_proposal

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "importer", "data")


def extract(paragraph=1, title_suffix=""):
    """The KS protokollsutdrag of the tests, as KS § ``paragraph`` of a meeting on 1 September 2026."""
    with open(os.path.join(DATA, "protokoll_ks.txt"), encoding="utf-8") as f:
        text = f.read()
    return (text.replace("§ 142", f"§ {paragraph}").replace("2021-09-13", "2026-09-01")
            .replace("Justerat den 20 september 2021", "Justerat den 3 september 2026")
            .replace("Anslaget 2021-09-21", "Anslaget 2026-09-04")
            .replace("Huddinge kommun\nDnr", f"Huddinge kommun{title_suffix}\nDnr"))


def import_text(app, text, name="ks.txt", status=200):
    browser = browse(app, "clerk")
    form = browser.get("/import").forms["import-form"]
    form["file"] = webtest.Upload(name, text.encode("utf-8"), "text/plain")
    preview = form.submit(status=200)  # what was recognised; filed only on confirmation
    return preview.forms["import-confirm"].submit("confirm", status=status)


def ks_decision(api, meeting_date="2026-09-01", **data):
    url = create_proposal(api)
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    api.transition(url, "ks_reject", "ks_chair", meeting_date=meeting_date, **data)
    return api.get(api.get(url, user="clerk").json["links"]["decisions"][-1].replace("http://localhost", ""),
                   user="clerk").json


def test_an_imported_paragraph_raises_the_bodys_counter(app, api):
    res = import_text(app, extract(1))
    url = res.html.find(id="import-result").find("a")["href"].replace("http://localhost", "")
    imported = api.get(url, user="clerk").json
    assert (imported["body"], imported["paragraph"], imported["id"]) == ("KS", 1, "ks-2026-p1")
    decision = ks_decision(api)
    assert (decision["body"], decision["paragraph"]) == ("KS", 2)
    # Another year and another body have their own series.
    assert ks_decision(api, meeting_date="2025-09-02")["paragraph"] == 1


def test_a_protocol_with_a_paragraph_already_held_is_refused(app, api):
    import_text(app, extract(7))
    before = api.get("/decisions", user="clerk").json["items_total"]
    res = import_text(app, extract(7, title_suffix=" (andra utdraget)"), name="other.txt", status=422)
    message = res.html.find(class_="alert") or res.html
    assert "KS § 7 år 2026 finns redan (ks-2026-p7)" in message.get_text(" ", strip=True)
    assert api.get("/decisions", user="clerk").json["items_total"] == before
    # A lower § than the counter that nobody holds is fine: protocols may come in any order.
    import_text(app, extract(3), name="three.txt")
    assert ks_decision(api)["paragraph"] == 8


def test_a_decision_registered_by_hand_takes_the_next_paragraph(api):
    assert ks_decision(api)["paragraph"] == 1
    res = api.post("/decisions", {"title": "Val av justerare", "body": "KS", "meeting_date": "2026-09-01"},
                   user="clerk", status=201)
    doc = api.get(res.json["@id"].replace("http://localhost", ""), user="clerk").json
    assert (doc["paragraph"], doc["id"]) == (2, "ks-2026-p2")
    assert ks_decision(api)["paragraph"] == 3
    # The paragraph stays the system's: a client cannot give one.
    api.post("/decisions", {"title": "Egen paragraf", "body": "KS", "meeting_date": "2026-09-01",
                            "paragraph": 1}, user="clerk", status=422)


def test_ks_cannot_adopt_its_own_proposal_to_kf_unless_within_its_mandate(app, api, seed_url):
    # The seed case: "Kommunstyrelsens förslag till kommunfullmäktige".
    assert api.get(seed_url, user="ks_chair").json["proposing_body_line"] == (
        "Kommunstyrelsens förslag till kommunfullmäktige")
    offered = {t["id"] for t in api.get(seed_url + "/@workflow", user="ks_chair").json["transitions"]}
    assert "ks_adopt" not in offered and "ks_propose" in offered
    res = api.transition(seed_url, "ks_adopt", "ks_chair", status=422)
    assert "Inom kommunstyrelsens beslutanderätt" in res.json["message"]
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"
    assert api.get("/decisions", user="clerk").json["items_total"] == 0
    # A proposal its officer marks as within KS's mandate, from the draft on, KS may adopt.
    url = create_proposal(api, proposing_body_line="Kommunstyrelsens förslag till kommunfullmäktige",
                          ks_mandate=True)
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    api.transition(url, "ks_adopt", "ks_chair")
    assert api.get(url, user="clerk").json["review_state"] == "adopted"


def test_votes_are_counted_against_the_bodys_seats(api, seed_url):
    # KS has 15 seats, KF 61 (the bodies of these tests: tests/bodies_decide_directly/).
    res = api.transition(seed_url, "ks_propose", "ks_chair", votes_yes=10, votes_no=5, votes_abstain=1,
                         status=422)
    assert res.json["message"] == "Rösterna är 16 men KS har 15 ledamöter."
    assert api.get(seed_url, user="clerk").json["review_state"] == "ks"
    api.transition(seed_url, "ks_propose", "ks_chair", votes_yes=10, votes_no=4, votes_abstain=1)
    api.transition(seed_url, "kf_adopt", "kf_chair", votes_yes=50, votes_no=12, status=422)
    api.transition(seed_url, "kf_adopt", "kf_chair", votes_yes=49, votes_no=12)
    assert api.get(seed_url, user="clerk").json["review_state"] == "adopted"


def test_the_seats_come_from_the_bodies(tmp_path):
    bodies = tmp_path / "bodies"
    shutil.copytree(os.path.join(PROJECT, "tests", "bodies_decide_directly"), bodies)
    ks = bodies / "ks.yaml"
    ks.write_text(re.sub(r"(?m)^seats: \d+", "seats: 9", ks.read_text(encoding="utf-8")), encoding="utf-8")
    app = make_app(tmp_path, **{"partnership_cms.bodies": str(bodies)})
    try:
        api = Api(app)
        url = "/proposals/" + api.get("/proposals", user="clerk").json["items"][0]["id"]
        res = api.transition(url, "ks_propose", "ks_chair", votes_yes=6, votes_no=4, status=422)
        assert res.json["message"] == "Rösterna är 10 men KS har 9 ledamöter."
    finally:
        app.registry._zodb_databases[""].close()
        transaction.manager.free = None
