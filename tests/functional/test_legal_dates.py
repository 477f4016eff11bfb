"""A decision's dates keep their legal order (KL 5:69, 6:35, 8:12, 13:5):
meeting <= justering <= posting <= today; a late justering or posting only
with a recorded reason, flagged on the page and in the API; final only after
the computed appeal end. Through the real app."""
import datetime
import os

import webtest

from conftest import browse

from .test_case_path import create_proposal

TODAY = datetime.date.today()
DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "importer", "data")


def decision_of(api, meeting_date):
    """A KS decision (recorded) on a new proposal, met on ``meeting_date``."""
    url = create_proposal(api)
    api.transition(url, "submit", "officer")
    api.transition(url, "approve", "director")
    api.transition(url, "ks_reject", "ks_chair", meeting_date=meeting_date)
    return api.get(url, user="clerk").json["links"]["decisions"][-1].replace("http://localhost", "")


def test_a_posting_before_the_meeting_is_refused_and_cannot_make_it_final(api):
    decision = decision_of(api, "2026-09-01")
    res = api.transition(decision, "justify", "ks_chair", justified_on="2026-08-20", status=422)
    assert "'Justerad' 2026-08-20 kan inte vara före 'Sammanträdesdatum' 2026-09-01" in res.json["message"]
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    res = api.transition(decision, "justify", "ks_chair", justified_on=tomorrow, status=422)
    assert "efter dagens datum" in res.json["message"]
    assert api.get(decision, user="clerk").json["review_state"] == "recorded"

    api.transition(decision, "justify", "ks_chair", justified_on="2026-09-03")
    res = api.transition(decision, "post", "clerk", posted_on="2026-08-25", status=422)
    assert "'Anslagen' 2026-08-25 kan inte vara före 'Justerad' 2026-09-03 (KL 8:12)" in res.json["message"]
    doc = api.get(decision, user="clerk").json
    assert doc["review_state"] == "justified" and doc["posted_on"] is None
    api.transition(decision, "post", "clerk", posted_on="2026-09-04")
    doc = api.get(decision, user="clerk").json
    assert doc["appeal_ends_on"] == "2026-09-25" and doc["flags"] == []


def test_final_only_after_the_appeal_period_of_a_posting_today(api):
    decision = decision_of(api, TODAY.isoformat())
    api.transition(decision, "justify", "ks_chair")
    api.transition(decision, "post", "clerk")
    res = api.transition(decision, "finalize", "clerk", status=422)
    assert "Överklagandetiden löper till och med" in res.json["message"]
    assert api.get(decision, user="clerk").json["review_state"] == "posted"


def test_a_late_justering_needs_a_reason_and_is_flagged(app, api):
    decision = decision_of(api, "2026-09-01")
    res = api.transition(decision, "justify", "ks_chair", justified_on="2026-09-16", status=422)
    assert res.json["message"] == ("'Justerad' 2026-09-16 är senare än KL 5:69, 6:35 medger (senast 2026-09-15); "
                                   "ange ett skäl i 'Skäl till sen justering'.")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-09-16",
                   justification_late_reason="Justeraren var sjuk.")
    doc = api.get(decision, user="clerk").json
    assert doc["justification_late_reason"] == "Justeraren var sjuk."
    [flag] = doc["flags"]
    assert (flag["rule"], flag["law"], flag["problem"], flag["date"], flag["last_day"], flag["reason"]) == (
        "justification", "KL 5:69, 6:35", "late", "2026-09-16", "2026-09-15", "Justeraren var sjuk.")
    assert "KL 5:69, 6:35" in flag["message"]
    # The public sees the note on the justerat protocol's page, naming the rule and the reason.
    page = webtest.TestApp(app).get(decision, headers={"Accept": "text/html"})
    note = page.html.select_one(".date-flags")
    assert note is not None and note.get("role") == "note"
    text = note.get_text(" ", strip=True)
    assert "KL 5:69, 6:35" in text and "Justeraren var sjuk." in text
    # The reason went into the history (and so the audit trail) with the transition.
    history = api.get(decision + "/@history", user="clerk").json
    assert history[-1]["data"]["justification_late_reason"] == "Justeraren var sjuk."


def test_the_posting_deadline_is_the_second_weekday_after_justering(api):
    # Justerat Thursday 3 September 2026: the second day is a Saturday, so Monday 7 September.
    decision = decision_of(api, "2026-09-01")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-09-03")
    res = api.transition(decision, "post", "clerk", posted_on="2026-09-08", status=422)
    assert "KL 8:12 medger (senast 2026-09-07)" in res.json["message"]
    api.transition(decision, "post", "clerk", posted_on="2026-09-07")
    assert api.get(decision, user="clerk").json["flags"] == []


def test_a_late_posting_with_a_reason_through_the_form_is_flagged_on_the_page(app, api):
    decision = decision_of(api, "2026-09-01")
    api.transition(decision, "justify", "ks_chair", justified_on="2026-09-03")
    browser = browse(app, "clerk")
    form = browser.get(decision + "/transition?name=post").forms["transition-form"]
    form["date"] = "2026-09-10"
    refused = form.submit("save", status=422)
    assert "KL 8:12" in refused.text
    form = refused.forms["transition-form"]
    form["date"] = "2026-09-10"
    form["posting_late_reason"] = "Anslagstavlan låg nere."
    form.submit("save", status=303)
    page = browser.get(decision)
    text = page.html.select_one(".date-flags").get_text(" ", strip=True)
    assert "KL 8:12" in text and "Anslagstavlan låg nere." in text
    [flag] = api.get(decision, user="clerk").json["flags"]
    assert (flag["rule"], flag["problem"], flag["reason"]) == ("posting", "late", "Anslagstavlan låg nere.")


def test_an_imported_extract_with_dates_out_of_order_is_flagged(app, api):
    with open(os.path.join(DATA, "protokoll_ks.txt"), encoding="utf-8") as f:
        text = f.read()
    # Posted (21 September) before it was justerat (now 22 September): out of order.
    text = text.replace("Justerat den 20 september 2021", "Justerat den 22 september 2021")
    browser = browse(app, "clerk")
    form = browser.get("/import").forms["import-form"]
    form["file"] = webtest.Upload("ks-142.txt", text.encode("utf-8"), "text/plain")
    res = form.submit(status=200).forms["import-confirm"].submit("confirm", status=200)
    url = res.html.find(id="import-result").find("a")["href"].replace("http://localhost", "")
    doc = api.get(url, user="clerk").json
    assert [(f["rule"], f["problem"]) for f in doc["flags"]] == [("posting", "before")]
    # The appeal period runs from the latest of the dates, not from the early posting.
    assert doc["appeal_ends_on"] == "2021-10-13"
    assert "KL 8:12" in browser.get(url).html.select_one(".date-flags").get_text(" ", strip=True)
    history = api.get(url + "/@history", user="clerk").json
    assert "lagens ordning" in history[-1]["comment"]
