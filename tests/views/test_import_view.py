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
    res = form.submit(status=200)
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
