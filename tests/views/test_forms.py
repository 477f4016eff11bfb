"""Edit and add forms generated from schemas/, and CSRF on every form."""
import datetime
import re

import pytest

from .test_document import XSS, browse, button, new_draft


def test_add_form_creates_a_proposal_with_a_case_number(app, api):
    browser = browse(app, "officer")
    page = browser.get("/proposals/add")
    assert page.html.find("h1").text == "Lägg till ärende"
    form = page.forms["add-form"]
    assert "dnr" not in form.fields and "dispatched_on" not in form.fields  # system fields
    # Labels from the schema, tied to their inputs.
    label = page.html.find("label", string=re.compile("Sammanfattning"))
    assert page.html.find(id=label["for"]).name == "textarea"
    assert page.html.find("input", {"name": "date"})["type"] == "date"
    assert page.html.find("input", {"name": "confidential"})["type"] == "checkbox"
    form.set("title", "Avtal om skolskjuts", index=0)
    form["unit"] = "Kommunstyrelsens förvaltning"
    form["date"] = "2026-09-01"
    form.set("item", "Avtalet godkänns.", index=0)
    res = form.submit("save", status=303)
    year = datetime.date.today().year
    assert res.location == f"http://localhost/proposals/ks-{year}-2/"
    page = res.follow()
    assert f"KS-{year}/2 Avtal om skolskjuts har skapats." in page.text
    assert f"<dd>KS-{year}/2</dd>" in page.text and "1 september 2026" in page.text
    doc = api.get(f"/proposals/ks-{year}-2", user="officer").json
    assert doc["decision_points"] == ["Avtalet godkänns."]  # the empty spare row was dropped
    assert doc["creator"] == "officer" and doc["review_state"] == "draft"


def test_add_form_errors_are_swedish_and_keep_the_values(app):
    browser = browse(app, "officer")
    form = browser.get("/proposals/add").forms["add-form"]
    form["summary"] = "Sparas inte än."
    form["date"] = "1 maj"
    res = form.submit("save", status=422)
    title = res.html.find("input", {"name": "title"})
    assert title["aria-invalid"] == "true"
    assert res.html.find(id=title["aria-describedby"]).text.strip() == "Krävd"
    assert "Ogiltigt datum" in res.text
    form = res.forms["add-form"]
    assert form["summary"].value == "Sparas inte än."
    assert form["date"].value == "1 maj"


def test_service_errors_are_shown_next_to_the_field(app):
    """A reference the catalog did not offer is refused by create_content (ContentInvalid)."""
    browser = browse(app, "officer")
    form = browser.get("/proposals/add").forms["add-form"]
    form.set("title", "Med felaktig bilaga", index=0)
    form["agreement"].force_value("/agreements/finns-inte")
    res = form.submit("save", status=422)
    select = res.html.find("select", {"name": "agreement"})
    assert "Hittar inget dokument" in res.html.find(id=select["aria-describedby"]).text
    assert res.forms["add-form"]["summary"].value == ""
    browser.get(f"/proposals/ks-{datetime.date.today().year}-2", status=404)  # nothing created


def test_edit_form_for_the_owner_in_draft(app, api):
    browser = browse(app, "officer")
    path = new_draft(browser, summary="Första versionen.")
    page = browser.get(path)
    edit = page.click(href=r"/edit$")
    form = edit.forms["edit-form"]
    assert form["summary"].value == "Första versionen."
    form["summary"] = "Andra versionen.\r\n\r\nMed två stycken."  # as browsers send it
    form.set("name", "Camilla Broo", index=0)  # a signatory in the spare row
    form.set("title", "Kommundirektör", index=1)
    res = form.submit("save", status=303)
    page = res.follow()
    assert "Ändringarna är sparade." in page.text
    assert "<p>Andra versionen.</p>" in page.text and "<p>Med två stycken.</p>" in page.text
    assert api.get(path, user="officer").json["summary"] == "Andra versionen.\n\nMed två stycken."
    signatories = api.get(path, user="officer").json["signatories"]
    assert signatories == [{"name": "Camilla Broo", "title": "Kommundirektör"}]
    # Saving again unchanged changes nothing and records nothing.
    res = browser.get(path + "/edit").forms["edit-form"].submit("save", status=303)
    assert "Inget ändrades." in res.follow().text
    # The stored row comes back, with spare rows after it; emptying it removes it.
    form = browser.get(path + "/edit").forms["edit-form"]
    assert form.get("name", index=0).value == "Camilla Broo"
    form.set("name", "", index=0)
    form.set("title", "", index=1)
    form.submit("save", status=303)
    assert api.get(path, user="officer").json["signatories"] == []


def test_edit_is_forbidden_to_others_and_in_other_states(app, seed_url):
    path = new_draft(browse(app, "officer"))
    director = browse(app, "director")  # may read the draft, not edit it
    assert "/edit" not in director.get(path).text
    director.get(path + "/edit", status=403)
    token = director.get(path).html.find("input", {"name": "csrf_token"})["value"]
    director.post(path + "/edit", {"csrf_token": token, "title": "Kapat"}, status=403)
    # The seed case is before KS: its owner may no longer edit it.
    officer = browse(app, "officer")
    officer.get(seed_url + "/edit", status=403)
    browse(app, "ks_member").get("/proposals/add", status=403)


def test_a_required_field_cannot_be_emptied(app):
    browser = browse(app, "officer")
    path = new_draft(browser, title="Behåll rubriken")
    form = browser.get(path + "/edit").forms["edit-form"]
    form.set("title", "", index=0)
    res = form.submit("save", status=422)
    assert "Krävd" in res.text
    assert "Behåll rubriken" in browser.get(path).text


def test_user_text_is_escaped_in_forms(app):
    browser = browse(app, "officer")
    path = new_draft(browser, title=XSS)
    page = browser.get(path + "/edit")
    assert "<script>alert(1)" not in page.text
    assert page.forms["edit-form"].get("title", index=0).value == XSS
    form = page.forms["edit-form"]
    form["date"] = "inte ett datum"
    form["summary"] = XSS
    res = form.submit("save", status=422)
    assert "<script>alert(1)" not in res.text
    assert res.forms["edit-form"]["summary"].value == XSS


CSRF_FORMS = [  # (user, page, form id; None: the submit button on the document page)
    ("officer", "/proposals/add", "add-form"),
    ("officer", "{draft}/edit", "edit-form"),
    ("ks_chair", "{seed}/transition?name=ks_propose", "transition-form"),
    ("officer", "{draft}", None),
]


@pytest.mark.parametrize("user, url, formid", CSRF_FORMS)
def test_every_form_needs_its_csrf_token(app, api, seed_url, user, url, formid):
    draft = new_draft(browse(app, "officer"), unit="Enheten", summary="S")
    api.patch(draft, {"decision_points": ["Punkt"], "recipients": ["Mottagare"]}, user="officer")
    browser = browse(app, user)
    url = url.format(draft=draft, seed=seed_url)

    def the_form():
        page = browser.get(url)
        return button(page, "submit") if formid is None else page.forms[formid]

    form = the_form()
    form["csrf_token"].force_value("fel")
    assert "Formuläret har gått ut" in form.submit(status=400).text
    del form.fields["csrf_token"]
    form.field_order = [(name, field) for name, field in form.field_order if name != "csrf_token"]
    form.submit(status=400)
    # The same form with its own token goes through.
    assert the_form().submit(status="*").status_int in (303, 422)


def test_every_type_has_an_add_form(app):
    clerk = browse(app, "clerk")
    for folder in ("proposals", "decisions", "agreements", "amendments"):
        page = clerk.get(f"/{folder}/add")
        assert page.forms["add-form"].action == f"http://localhost/{folder}/add"
        assert page.text.count("<h1") == 1


def test_an_amendment_is_added_with_its_clause_changes(app, api, seed_url):
    agreement = api.get(seed_url, user="clerk").json["links"]["agreement"]
    browser = browse(app, "officer")
    form = browser.get("/amendments/add").forms["add-form"]
    form.set("title", "Tilläggsavtal om publicering", index=0)
    form["amends"] = agreement.replace("http://localhost", "")  # offered from the catalog
    form.set("field", "rights", index=0)
    form.set("operation", "replace", index=0)
    form.set("text", "Resultaten publiceras öppet.", index=0)
    form["motivation"] = "Förtydligande."
    page = form.submit("save", status=303).follow()
    assert "<h3>Rättigheter</h3>" in page.text and "Ersätt" in page.text
    assert page.html.find("a", href=agreement + "/") is not None
