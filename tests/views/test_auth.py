"""Log-in and log-out in the browser, error pages, the language switch."""
import webtest


def login(app, user, password="demo"):
    browser = webtest.TestApp(app)
    form = browser.get("/login").forms[0]
    form["login"], form["password"] = user, password
    return browser, form.submit(status="*")


def test_login_renews_the_session_and_logout_drops_it(app):
    browser = webtest.TestApp(app)
    browser.get("/login")
    before = browser.cookies.get("pcms_session")
    form = browser.get("/login").forms[0]
    form["login"], form["password"] = "officer", "demo"
    res = form.submit(status=303)
    assert res.location == "http://localhost/"
    assert browser.cookies["pcms_session"] != before
    page = browser.get("/login")
    assert "Hanna Handläggare" in page.text
    res = page.forms[0].submit(status=303)  # the log-out form in the header
    assert "Hanna Handläggare" not in browser.get("/login").text


def test_failed_login_does_not_tell_whether_the_user_exists(app):
    _, wrong_password = login(app, "officer", "fel")
    _, no_such_user = login(app, "nobody", "fel")
    for res in (wrong_password, no_such_user):
        assert res.status_int == 401
        assert "Fel användarnamn eller lösenord." in res.text


def test_login_form_needs_its_csrf_token(app):
    browser = webtest.TestApp(app)
    browser.get("/login")
    res = browser.post("/login", {"login": "officer", "password": "demo"}, status=400)
    assert "Formuläret har gått ut" in res.text
    assert "Traceback" not in res.text


def test_came_from_never_leaves_the_site(app):
    browser = webtest.TestApp(app)
    form = browser.get("/login?came_from=https://evil.example/").forms[0]
    form["login"], form["password"] = "officer", "demo"
    assert form.submit(status=303).location == "http://localhost/"


def test_error_pages_are_swedish_and_friendly(app, seed_url):
    browser = webtest.TestApp(app)
    res = browser.get("/finns-inte", status=404)
    assert "Sidan finns inte" in res.text and "<!DOCTYPE html>" in res.text
    # Anonymous: sent to log in. Logged in without the right: told so, offered another log-in.
    assert "/login?came_from=" in browser.get("/@audit", status=303).location
    browser, _ = login(app, "ks_member")
    res = browser.get("/@audit", status=403)
    assert "Du saknar behörighet" in res.text
    assert "Logga in som en annan användare" in res.text


def test_language_switch(app):
    browser = webtest.TestApp(app)
    res = browser.get("/language?lang=en&came_from=/login", status=303)
    assert res.location == "http://localhost/login"
    assert browser.cookies["_LOCALE_"] == "en"
    assert 'lang="en"' in browser.get("/login").text


def test_session_expires_after_the_configured_idle_time(tmp_path):
    import time

    from conftest import browse, make_app

    app = make_app(tmp_path, **{"partnership_cms.session_idle_seconds": "1"})
    browser = browse(app, "officer")
    assert "Hanna Handläggare" in browser.get("/login").text
    time.sleep(2.1)  # longer than the idle time set above
    assert "Hanna Handläggare" not in browser.get("/login").text
    app.registry._zodb_databases[""].close()
