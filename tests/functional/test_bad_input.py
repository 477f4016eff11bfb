"""Bad input never ends in 500: a clear 400/413/422 (JSON ``{"type","message"}``
for the API, the Swedish error page for browsers), and nothing is written."""
import io
import json

import pytest
import webob
import webtest

from conftest import browse, make_app
from partnership_cms.schema.loader import COMMENT_MAX_LENGTH

JSON = "application/json"
HTML = {"Accept": "text/html"}


def unchanged(api):
    """A check that nothing was written since this call: the audit trail's length and
    the documents an officer sees. The users a test uses are logged in first (a log-in
    is audited); browser log-ins must happen before the call."""
    for user in ("officer", "auditor", "ks_chair", "director", "clerk"):
        api.login(user)

    def count():
        audit = api.get("/@audit", user="auditor", b_size=1).json["items_total"]
        docs = api.get("/@search", user="officer", b_size=1).json["items_total"]
        return audit, docs
    before = count()
    return lambda: count() == before


def raw(api, method, url, body, user=None, content_type=JSON, status=400, headers=None):
    """A request with a body exactly as given; returns the JSON error."""
    all_headers = {**api._headers(user), "Content-Type": content_type, **(headers or {})}
    res = api.test.request(url, method=method, body=body if isinstance(body, bytes) else body.encode(),
                           headers=all_headers, expect_errors=True)
    assert res.status_int == status, res.text[:300]
    if res.content_type == JSON:
        assert set(res.json) >= {"type", "message"}
        assert res.json["message"]
    return res


def test_json_nested_100000_deep_is_400(api, seed_url):
    nothing_written = unchanged(api)
    deep = "[" * 100_000 + "]" * 100_000
    for method, url, user in [("POST", "/proposals", "officer"),
                              ("POST", seed_url + "/@workflow/ks_propose", "ks_chair"),
                              ("POST", "/@login", None)]:
        res = raw(api, method, url, deep, user=user)
        assert res.json["type"] == "BadRequest"
        res = raw(api, method, url, '{"title": ' + deep + "}", user=user)
        assert "nästlat för djupt" in res.json["message"]
    # Shallower than Python's own limit, deeper than any real payload: still refused.
    raw(api, "POST", "/proposals", '{"title": ' + "[" * 500 + "]" * 500 + "}", user="officer")
    assert nothing_written()


def test_a_lone_surrogate_in_any_string_is_400(api, seed_url):
    nothing_written = unchanged(api)
    lone = '"x\\ud800y"'
    raw(api, "POST", "/@login", f'{{"login": {lone}, "password": "demo"}}')
    raw(api, "POST", "/@login", f'{{"login": "officer", "password": {lone}}}')
    raw(api, "POST", "/proposals", f'{{"title": {lone}}}', user="officer")
    raw(api, "POST", "/proposals", f'{{"title": "ok", "decision_points": [{lone}]}}', user="officer")
    raw(api, "POST", "/proposals", f'{{{lone}: "a key"}}', user="officer")
    raw(api, "POST", seed_url + "/@workflow/ks_propose", f'{{"comment": {lone}}}', user="ks_chair")
    # A surrogate encoded as UTF-8 bytes is no UTF-8 at all.
    raw(api, "POST", "/proposals", b'{"title": "\xed\xa0\x80"}', user="officer")
    # In the address.
    res = api.test.get("/@search?SearchableText=%ED%A0%80", headers=api._headers("officer"), status=400)
    assert res.json["type"] == "BadRequest"
    api.test.get("/@search?SearchableText=%00", headers=api._headers("officer"), status=400)
    assert nothing_written()


def test_a_nul_byte_in_a_field_is_400_in_the_api_and_the_forms(app, api):
    browser = browse(app, "officer")
    nothing_written = unchanged(api)
    raw(api, "POST", "/proposals", json.dumps({"title": "a\u0000b"}), user="officer")
    form = browser.get("/proposals/add").forms["add-form"]
    form.set("title", "a\x00b", index=0)
    res = form.submit(headers=HTML, status=400)
    assert "otillåtet tecken" in res.text
    assert 'lang="sv"' in res.text and "Begäran kunde inte läsas" in res.text
    assert nothing_written()


@pytest.mark.parametrize("params", [
    {"b_size": "0"}, {"b_size": "-1"}, {"b_size": "101"}, {"b_size": "9" * 30}, {"b_size": "1e9"},
    {"b_size": "²"}, {"b_start": "-1"}, {"b_start": "9" * 5000}, {"b_start": "١"},
])
def test_paging_values_out_of_range_are_400(api, params):
    res = api.get("/@search", user="officer", status=400, **params)
    assert res.json["type"] == "BadRequest" and "Parametern b_" in res.json["message"]
    if params != {"b_size": "101"}:  # the audit listing pages by up to 1000
        assert api.get("/@audit", user="auditor", status=400, **params).json["type"] == "BadRequest"


def test_the_registers_page_number_never_fails(app):
    browser = webtest.TestApp(app)
    for page in ("0", "-1", "²", "9" * 5000, "1e9", "99999999999"):
        res = browser.get("/proposals", params={"page": page}, headers=HTML)
        assert res.status_int == 200


def test_multipart_without_a_boundary_is_400_on_every_post(app, api, seed_url):
    browser = browse(app, "officer")
    nothing_written = unchanged(api)
    multipart = "multipart/form-data"
    for url, user in [("/@login", None), ("/proposals", "officer"), (seed_url, "officer"),
                      (seed_url + "/@workflow/ks_propose", "ks_chair"), ("/@logout", "officer")]:
        res = raw(api, "POST", url, "--x\r\n", user=user, content_type=multipart)
        assert res.json["type"] == "BadRequest"
    raw(api, "POST", "/proposals", "--x\r\n", user="officer", content_type=multipart + "; boundary=")
    # The browser's pages: the error page itself no longer reads the body (for the language).
    for url in ("/login", "/logout", "/proposals/add", seed_url + "/edit", "/language"):
        res = browser.request(url, method="POST", body=b"--x\r\n", status=400,
                              headers={**HTML, "Content-Type": multipart})
        assert "Formuläret saknar gräns" in res.text and 'lang="sv"' in res.text
    assert nothing_written()


def test_unbalanced_deform_markers_are_400(app, api):
    browser = browse(app, "officer")
    clerk = browse(app, "clerk")
    nothing_written = unchanged(api)
    form = browser.get("/proposals/add").forms["add-form"]
    token = form["csrf_token"].value
    base = [("csrf_token", token), ("__formid__", "add-form"), ("title", "Rubrik")]
    for markers in ([("__start__", "decision_points:sequence")],
                    [("__end__", "decision_points:sequence")],
                    [("__end__", "x:sequence"), ("__start__", "x:sequence")]):
        res = browser.post("/proposals/add", base + markers, headers=HTML, status=400)
        assert "början och slut" in res.text
    # Balanced, but a list where the form has a group of fields.
    form = clerk.get("/amendments/add").forms["add-form"]
    nested = [("csrf_token", form["csrf_token"].value), ("__formid__", "add-form"), ("title", "Rubrik"),
              ("__start__", "changes:sequence"), ("__start__", "changes:sequence"), ("field", "x"),
              ("__end__", "changes:sequence"), ("__end__", "changes:sequence")]
    res = clerk.post("/amendments/add", nested, headers=HTML, status=400)
    assert "början och slut" in res.text
    assert nothing_written()


def test_dates_outside_1900_to_2200_are_422(app, api, seed_url):
    browser = browse(app, "officer")
    nothing_written = unchanged(api)
    for date in ("9999-12-31", "1899-12-31", "2201-01-01"):
        res = api.post("/proposals", {"title": "Datum", "dated": date}, user="officer", status=422)
        assert "dated" in res.json["errors"]
        res = api.transition(seed_url, "ks_propose", "ks_chair", meeting_date=date, status=422)
        assert "meeting_date" in res.json["errors"]
    form = browser.get("/proposals/add").forms["add-form"]
    form.set("title", "Datum", index=0)
    form["date"] = "9999-12-31"  # deform's date widget: a mapping with one "date" field
    res = form.submit(headers=HTML, status=422)
    assert "9999-12-31" in res.text
    assert nothing_written()
    api.post("/proposals", {"title": "Datum", "dated": "2200-12-31"}, user="officer", status=201)


def test_a_transition_comment_over_its_limit_is_422(app, api, seed_url):
    browser = browse(app, "ks_chair")
    nothing_written = unchanged(api)
    too_long = "x" * (COMMENT_MAX_LENGTH + 1)
    res = api.transition(seed_url, "ks_propose", "ks_chair", comment=too_long, status=422)
    assert "comment" in res.json["errors"]
    api.transition(seed_url, "ks_propose", "ks_chair", comment=["not", "text"], status=422)
    form = browser.get(seed_url + "/transition?name=ks_propose").forms["transition-form"]
    form["comment"] = too_long
    form.submit(headers=HTML, status=422)
    assert nothing_written()


class CountingInput:
    """A wsgi.input that remembers how much was read from it."""

    def __init__(self, size):
        self.stream, self.read_bytes = io.BytesIO(b"{" + b" " * (size - 2) + b"}"), 0

    def read(self, n=-1):
        data = self.stream.read(n)
        self.read_bytes += len(data)
        return data

    def readline(self, n=-1):
        return self.read(n)


@pytest.fixture
def small_app(tmp_path):
    app = make_app(tmp_path, **{"partnership_cms.max_body_bytes": "1000"})
    yield app
    app.registry._zodb_databases[""].close()


def test_a_body_over_the_limit_is_413_before_it_is_read(small_app):
    client = webtest.TestApp(small_app)
    res = client.post("/@login", "x" * 1001, content_type=JSON, headers={"Accept": JSON}, status=413)
    assert res.json["type"] == "RequestEntityTooLarge"
    res = client.post("/login", "x" * 1001, content_type="application/x-www-form-urlencoded",
                      headers=HTML, status=413)
    assert "Innehållet är för stort" in res.text
    client.post_json("/@login", {"login": "officer", "password": "demo"}, status=200)

    # Declared too large: not a byte is read.
    stream = CountingInput(5000)
    request = webob.Request.blank("/@login", method="POST", content_type=JSON,
                                  environ={"wsgi.input": stream, "CONTENT_LENGTH": "5000"})
    assert request.get_response(small_app).status_int == 413
    assert stream.read_bytes == 0
    # Chunked, no length given: read up to the limit and no further.
    stream = CountingInput(5000)
    request = webob.Request.blank("/@login", method="POST", content_type=JSON,
                                  environ={"wsgi.input": stream, "HTTP_TRANSFER_ENCODING": "chunked",
                                           "wsgi.input_terminated": True})
    request.environ.pop("CONTENT_LENGTH", None)
    assert request.get_response(small_app).status_int == 413
    assert stream.read_bytes == 1001
    # A small chunked body is read and used.
    body = json.dumps({"login": "officer", "password": "demo"}).encode()
    request = webob.Request.blank("/@login", method="POST", content_type=JSON,
                                  environ={"wsgi.input": io.BytesIO(body), "HTTP_TRANSFER_ENCODING": "chunked",
                                           "wsgi.input_terminated": True})
    request.environ.pop("CONTENT_LENGTH", None)
    response = request.get_response(small_app)
    assert response.status_int == 200, response.text
