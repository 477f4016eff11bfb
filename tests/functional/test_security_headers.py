"""Security headers on every response (issue 10 item 8), a strict CSP the pages
keep to, and links made from the configured public address, not the Host header."""
import re

import pytest
import webtest

from conftest import browse, make_app, make_settings
from partnership_cms import configure
from partnership_cms.security.headers import public_url

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def assert_secure(res):
    csp = res.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'none'"
    for kind in ("script-src", "style-src"):
        assert "unsafe" not in directives[kind] and "'self'" in directives[kind]
    assert res.headers["X-Frame-Options"] == "DENY"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in res.headers  # only when a setting says so


def test_every_kind_of_response_has_the_headers(app, api, seed_url):
    browser = webtest.TestApp(app)
    anonymous = [
        browser.get("/", headers=HTML),  # HTML
        browser.get("/login", headers=HTML),
        browser.get("/@openapi.json", headers=JSON),  # JSON
        browser.get("/nowhere", headers=HTML, status=404),  # errors, both ways
        browser.get("/nowhere", headers=JSON, status=404),
        browser.get("/@audit", headers=JSON, status=401),
        browser.get("/@search?b_size=0", headers=JSON, status=400),
        browser.post("/login", {"login": "x"}, headers=HTML, status=400),  # CSRF
        browser.get("/static/style.css"),  # static
        browser.get("/language?lang=en", status=303),  # redirect
    ]
    for res in anonymous:
        assert_secure(res)
    static = anonymous[8]
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_authenticated_responses_are_never_stored(app, api, seed_url):
    browser = browse(app, "officer")
    for res in [browser.get("/", headers=HTML), browser.get(seed_url, headers=HTML),
                browser.get("/nowhere", headers=HTML, status=404),
                api.get("/@search", user="officer"), api.get(seed_url, user="officer"),
                api.get("/@search", user="officer", status=400, b_size="0")]:
        assert_secure(res)
        assert res.headers["Cache-Control"] == "no-store"
    # Static files stay cacheable for everybody.
    css = browser.get("/static/style.css")
    assert "no-store" not in css.headers.get("Cache-Control", "")
    assert_secure(css)
    # The log-in answer sets the session cookie: not for a cache either.
    login = webtest.TestApp(app).get("/login", headers=HTML)
    form = login.forms[0]
    form["login"], form["password"] = "officer", "demo"
    assert form.submit(status=303).headers["Cache-Control"] == "no-store"


@pytest.fixture
def make(tmp_path):
    apps = []

    def _make(**settings):
        folder = tmp_path / str(len(apps))
        folder.mkdir()
        apps.append(make_app(folder, **settings))
        return apps[-1]
    yield _make
    for app in apps:
        app.registry._zodb_databases[""].close()


def test_hsts_when_the_setting_says_so(make):
    app = make(**{"partnership_cms.hsts": "true"})
    res = webtest.TestApp(app).get("/", headers=HTML)
    assert res.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_links_and_redirects_come_from_the_public_url_not_the_host_header(make, seed_url):
    app = make(**{"partnership_cms.public_url": "https://diarium.example.se/partnerskap/"})
    client = webtest.TestApp(app)
    evil = {"Host": "evil.example"}
    res = client.get("/proposals", headers={**HTML, **evil})
    assert "evil.example" not in res.text
    assert 'href="https://diarium.example.se/partnerskap/proposals/add"' in res.text or \
        "https://diarium.example.se/partnerskap/proposals" in res.text
    res = client.get(seed_url + "/edit", headers={**HTML, **evil}, status=303)
    assert res.location.startswith("https://diarium.example.se/partnerskap/login?came_from=")
    res = client.get("/@openapi.json", headers={**JSON, **evil})
    assert res.json["servers"] == [{"url": "https://diarium.example.se/partnerskap"}]
    # Without the setting the Host header is used (development behind no proxy).
    plain = webtest.TestApp(make())
    assert plain.get("/@openapi.json", headers={**JSON, **evil}).json["servers"] == [
        {"url": "http://evil.example"}]


def test_a_malformed_public_url_stops_start_up(tmp_path):
    for url in ("diarium.example.se", "ftp://diarium.example.se", "https://diarium.example.se/?a=1"):
        config = None
        with pytest.raises(ValueError, match="public_url"):
            config = configure(make_settings(tmp_path, **{"zodbconn.uri": "memory://",
                                                          "partnership_cms.public_url": url}))
        assert config is None
    assert public_url("https://d.example.se/x/") == "https://d.example.se/x"
    assert public_url(None) is None


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)


def test_no_page_needs_inline_script_or_style(app, api, seed_url):
    """What the CSP would block: no inline script, event handler or style attribute,
    on every kind of page, the forms of each type and transition included."""
    pages = {None: ["/", "/login", "/proposals", seed_url]}
    pages["officer"] = ["/", "/proposals", "/decisions", "/agreements", "/amendments"]
    pages["clerk"] = ["/proposals/add", "/decisions/add", "/agreements/add", "/amendments/add", "/import"]
    pages["ks_chair"] = [seed_url, seed_url + "/transition?name=ks_propose", seed_url + "/workflow",
                         seed_url + "/history"]
    pages["auditor"] = ["/audit"]
    pages["admin"] = ["/admin"]
    draft = api.post("/proposals", {"title": "Utkast"}, user="officer", status=201).json["@id"]
    pages["officer"].append(draft.replace("http://localhost", "") + "/edit")
    for user, urls in pages.items():
        browser = browse(app, user) if user else webtest.TestApp(app)
        for url in urls:
            res = browser.get(url, headers=HTML)
            assert_secure(res)
            found = INLINE.findall(res.text)
            assert not found, (user, url, found)
