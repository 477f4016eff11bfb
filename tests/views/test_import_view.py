"""The upload form ``/import`` for clerks."""
import os

import pytest
import webtest

from .test_document import browse

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "importer", "data")


def upload(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return webtest.Upload(name, f.read(), "text/plain")


def test_clerk_imports_a_report_and_sees_the_repairs(app):
    browser = browse(app, "clerk")
    page = browser.get("/import")
    form = page.forms["import-form"]
    form["file"] = upload("utlatande_ocr.txt")
    preview = form.submit(status=200)  # what was recognised, before anything is filed
    res = preview.forms["import-confirm"].submit("confirm", status=200)
    result = res.html.find(id="import-result")
    link = result.find("a")
    assert "/proposals/" in link["href"]
    assert res.html.find(id="repairs").find("td") is not None
    assert "%" in res.html.find(id="repairs").text
    # The same file again: no duplicate, a link to the first import.
    form = res.forms["import-form"]
    form["file"] = upload("utlatande_ocr.txt")
    again = form.submit(status=200)
    assert "redan importerad" in again.html.find(id="import-result").text
    assert again.html.find(id="import-result").find("a")["href"] == link["href"]
    history = browser.get(link["href"].replace("http://localhost", "") + "/history")
    assert "Importerades från filen utlatande_ocr.txt" in history.text


@pytest.mark.parametrize("user", ["officer", "ks_chair", "auditor", "admin"])
def test_others_may_not_import(app, user):
    browse(app, user).get("/import", status=403)


def test_anonymous_may_not_import(app):
    res = webtest.TestApp(app).get("/import", status="*")
    assert res.status_int in (302, 303, 403)


def test_import_needs_the_csrf_token(app):
    browser = browse(app, "clerk")
    form = browser.get("/import").forms["import-form"]
    form["file"] = upload("protokoll_ks.txt")
    form["csrf_token"].force_value("fel")
    form.submit(status=400)


def test_the_upload_shows_a_preview_and_files_nothing_until_confirmed(app, api):
    before = api.get("/@search", user="clerk", portal_type="Proposal").json["items_total"]
    browser = browse(app, "clerk")
    form = browser.get("/import").forms["import-form"]
    form["file"] = upload("utlatande_ocr.txt")
    preview = form.submit(status=200)
    section = preview.html.find(id="import-preview")
    assert "Ärende" in section.text and "Inget är registrerat ännu" in section.text
    assert section.find(id="preview-repairs").find("td") is not None
    assert "Sammanfattning" in section.text  # the sections found
    assert api.get("/@search", user="clerk", portal_type="Proposal").json["items_total"] == before
    filed = preview.forms["import-confirm"].submit("confirm", status=200)
    assert "/proposals/" in filed.html.find(id="import-result").find("a")["href"]
    assert api.get("/@search", user="clerk", portal_type="Proposal").json["items_total"] == before + 1
    # The case number was taken only now: the next one in the series.
    label = filed.html.find(id="import-result").find("a").text
    assert f"/{before + 1}" in label


def test_a_changed_preview_is_refused(app, api):
    browser = browse(app, "clerk")
    form = browser.get("/import").forms["import-form"]
    form["file"] = upload("utlatande_ocr.txt")
    confirm = form.submit(status=200).forms["import-confirm"]
    confirm["text"] = "TJÄNSTEUTLÅTANDE\nNågot helt annat"
    res = confirm.submit("confirm", status=400)
    assert "Ladda upp filen igen" in res.text
