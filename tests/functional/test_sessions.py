"""Browser sessions end on the server: log-out, an absolute lifetime, a
password reset and a deactivation (issue 10, item 6)."""
import webtest

from conftest import browse
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts

NAME = "Hanna Handläggare"


def logged_in(browser):
    return NAME in browser.get("/login").text


def copy_of(browser, app):
    """Another browser holding a copy of ``browser``'s session cookie."""
    thief = webtest.TestApp(app)
    thief.set_cookie("pcms_session", browser.cookies["pcms_session"])
    return thief


def as_admin(app, change):
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        change(request)


def test_a_copied_cookie_stops_working_at_log_out(app):
    browser = browse(app, "officer")
    thief = copy_of(browser, app)
    assert logged_in(thief)
    browser.get("/login").forms[0].submit(status=303)  # the log-out form in the header
    assert not logged_in(browser)
    assert not logged_in(thief)


def test_log_out_ends_only_that_session(app):
    first, second = browse(app, "officer"), browse(app, "officer")
    first.get("/login").forms[0].submit(status=303)
    assert logged_in(second)


def test_sessions_have_an_absolute_lifetime(app):
    browser = browse(app, "officer")
    assert logged_in(browser)
    # Twelve hours and a minute later (the record's time moved back): however
    # recently the browser was used, the session is over.
    with app_request(app.registry) as request:
        records = request.root.principals.sessions
        for key in list(records.keys()):
            records[key] -= 12 * 3600 + 60
    assert not logged_in(browser)
    assert logged_in(browse(app, "officer"))  # logging in again works


def test_the_lifetime_is_a_setting(tmp_path):
    from conftest import make_app

    app = make_app(tmp_path, **{"partnership_cms.session_max_seconds": "0"})
    browser = browse(app, "officer")
    assert not logged_in(browser)
    app.registry._zodb_databases[""].close()


def test_a_password_reset_ends_the_users_sessions_and_tokens(app, api):
    browser, other = browse(app, "officer"), browse(app, "ks_member")
    api.post("/proposals", {"title": "Före"}, user="officer", status=201)
    as_admin(app, lambda r: accounts.set_password(r, "officer", "ett långt nytt lösenord"))
    assert not logged_in(browser)
    api.post("/proposals", {"title": "Efter"}, user="officer", status=401)
    assert logged_in(browse(app, "officer", "ett långt nytt lösenord"))
    assert "Kalle Ledamot (KS)" in other.get("/login").text  # other users are left alone


def test_a_deactivation_ends_the_users_sessions_for_good(app, api):
    browser = browse(app, "officer")
    api.post("/proposals", {"title": "Före"}, user="officer", status=201)
    as_admin(app, lambda r: accounts.set_active(r, "officer", False))
    as_admin(app, lambda r: accounts.set_active(r, "officer", True))
    # Active again, but the old cookie and token were ended, not suspended.
    assert not logged_in(browser)
    api.post("/proposals", {"title": "Efter"}, user="officer", status=401)
    assert logged_in(browse(app, "officer"))


def test_an_administrator_who_changes_their_own_password_stays_logged_in(app):
    browser = browse(app, "admin")
    other = browse(app, "admin")
    page = browser.get("/admin/admin")
    form = next(f for f in page.forms.values() if "form" in f.fields and f["form"].value == "password")
    form["password"] = "ett långt nytt lösenord"
    form.submit(status=303)
    assert "Sam Systemförvaltare" in browser.get("/login").text
    assert "Sam Systemförvaltare" not in other.get("/login").text


def test_reading_pages_writes_nothing(app, seed_url):
    browser = browse(app, "officer")
    database = app.registry._zodb_databases[""]
    before = database.lastTransaction()
    for _ in range(3):
        browser.get(seed_url)
        browser.get("/")
    assert database.lastTransaction() == before


def test_a_cookie_from_before_the_upgrade_is_not_enough(app):
    """A signed session holding a login but no server-side record (what every
    session was before this change) is logged out."""
    browser = browse(app, "officer")
    with app_request(app.registry) as request:
        request.root.principals.sessions.clear()
    assert not logged_in(browser)


def test_the_api_log_out_ends_a_cookie_session_too(app):
    browser = browse(app, "officer")
    thief = copy_of(browser, app)
    token = browser.get("/login").html.select_one("input[name=csrf_token]")["value"]
    browser.post_json("/@logout", {}, headers={"X-CSRF-Token": token}, status=200)
    assert not logged_in(thief)
