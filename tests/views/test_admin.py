"""User administration at /admin: create users, change groups, reset
passwords, deactivate; every change audited; only for administrators."""
import webtest

from partnership_cms.demo import DEMO_USERS
from partnership_cms.security.roles import GLOBAL_ROLES

from .test_auth import login


def create_form(browser):
    return browser.get("/admin").forms["create-user"]


def user_form(res, name):
    """The form on a user's page whose hidden ``form`` field is ``name``."""
    return next(f for f in res.forms.values() if "form" in f.fields and f["form"].value == name)


def tick(form, group, checked=True):
    """Tick (or untick) the checkbox of ``group``."""
    form.set("groups", group if checked else None, index=list(GLOBAL_ROLES).index(group))


def ticked(form, group):
    return form.get("groups", index=list(GLOBAL_ROLES).index(group)).checked


def trail(api, **params):
    return api.get("/@audit", user="auditor", **params).json["items"]


def test_admin_lists_users_with_their_groups(app):
    browser, _ = login(app, "admin")
    res = browser.get("/admin")
    assert res.html.h1.get_text() == "Användare"
    rows = {tr.td.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in res.html.select("tbody tr")}
    assert rows["ks_chair"] == ["ks_chair", "Karin Ordförande (KS)", "Ja",
                                "Kommunstyrelsens ordförande, Kommunstyrelsens ledamot"]
    assert len(rows) == len(DEMO_USERS)  # 9 before the members of KS and KF (bodies/)
    assert res.html.select_one('nav a[aria-current="page"]').get_text() == "Administration"


def test_admin_creates_a_user_who_can_log_in(app, api):
    browser, _ = login(app, "admin")
    form = create_form(browser)
    form["login"], form["fullname"], form["password"] = "nyanstalld", "Nora Nyanställd", "hemligt-och-långt"
    tick(form, "officer")
    res = form.submit(status=303)
    assert res.location == "http://localhost/admin/nyanstalld"
    page = res.follow()
    assert "Användaren nyanstalld har skapats." in page.text
    assert page.html.select_one("#group-officer").has_attr("checked")

    new, res = login(app, "nyanstalld", "hemligt-och-långt")
    assert res.status_int == 303
    assert "Nora Nyanställd" in new.get("/").text
    new.get("/admin", status=403)

    entries = trail(api, object="user:nyanstalld")
    assert [e["action"] for e in entries][::-1][:2] == ["user_created", "group_changed"]
    assert all(e["actor"] == "admin" for e in entries if e["action"] != "login")
    assert "hemligt" not in str(entries)


def test_create_errors_are_shown_next_to_the_field_and_nothing_is_lost(app):
    browser, _ = login(app, "admin")
    form = create_form(browser)
    form["login"], form["fullname"], form["password"] = "officer", "Åsa Öberg", "hemligt-och-långt"
    tick(form, "clerk")
    res = form.submit(status=400)
    assert "Användaren officer finns redan." in res.html.select_one("#login-error").get_text()
    assert res.html.select_one("#new-login")["aria-describedby"] == "login-error"
    form = res.forms["create-user"]
    assert (form["login"].value, form["fullname"].value) == ("officer", "Åsa Öberg")
    assert ticked(form, "clerk")
    form["login"], form["password"] = "asa", "abc"
    res = form.submit(status=400)
    assert "Lösenordet är för kort" in res.html.select_one("#password-error").get_text()
    assert res.forms["create-user"]["fullname"].value == "Åsa Öberg"
    assert "asa" not in [tr.td.get_text(strip=True) for tr in res.html.select("tbody tr")]
    # The form needs its CSRF token like every other.
    browser.post("/admin", {"login": "x", "fullname": "X", "password": "hemligt"}, status=400)


def test_admin_changes_groups_password_name_and_access(app, api):
    browser, _ = login(app, "admin")
    page = browser.get("/admin/ks_member")
    form = user_form(page, "groups")
    tick(form, "ks_member", False)
    tick(form, "kf_member")
    assert "Grupperna är ändrade." in form.submit(status=303).follow().text
    roles = api.post("/@login", {"login": "ks_member", "password": "demo"}).json["roles"]
    assert roles == ["kf_member"]

    page = browser.get("/admin/ks_member")
    form = user_form(page, "password")
    form["password"] = "ab"
    res = form.submit(status=400)
    assert "Lösenordet är för kort" in res.html.select_one("#password-error").get_text()
    form = user_form(res, "password")
    form["password"] = "nytt-losenord"
    form.submit(status=303)
    assert login(app, "ks_member", "demo")[1].status_int == 401
    assert login(app, "ks_member", "nytt-losenord")[1].status_int == 303

    form = user_form(browser.get("/admin/ks_member"), "fullname")
    form["fullname"] = "Kalle Kommunfullmäktige"
    form.submit(status=303)
    form = user_form(browser.get("/admin/ks_member"), "active")
    assert "Kontot är inaktiverat" in form.submit(status=303).follow().text
    assert login(app, "ks_member", "nytt-losenord")[1].status_int == 401

    by_admin = [e for e in trail(api, object="user:ks_member")[::-1] if e["actor"] == "admin"]
    assert [e["action"] for e in by_admin] == [
        "group_changed", "user_changed", "user_changed", "user_changed"]
    assert [e["details"].get("changed") for e in by_admin[1:]] == ["password", "fullname", None]
    assert by_admin[3]["details"] == {"login": "ks_member", "active": False}
    assert "nytt-losen" not in str(by_admin)
    changed = trail(api, object="user:ks_member", action="group_changed")[0]["details"]
    assert (changed["old"], changed["new"]) == (["ks_member"], ["kf_member"])


def test_admin_decides_nothing_not_even_their_own_groups(app, api):
    browser, _ = login(app, "admin")
    page = browser.get("/admin/admin")
    assert "Du kan inte ändra dina egna grupper." in page.text
    offered = [f["form"].value for f in page.forms.values() if "form" in f.fields]
    assert offered == ["fullname", "password"]
    # Forged past the page, the service still refuses.
    token = page.html.select_one("input[name=csrf_token]")["value"]
    res = browser.post("/admin/admin", {"form": "groups", "groups": ["admin", "ks_chair"],
                                        "csrf_token": token}, status=400)
    error = res.html.select_one("#groups-error").get_text()
    assert "Du kan inte ändra grupper för dig själv" in error
    assert api.post("/@login", {"login": "admin", "password": "demo"}).json["roles"] == ["admin"]
    api.post("/proposals", {"title": "Adminens ärende"}, user="admin", status=403)


def test_others_get_403_and_anonymous_is_asked_to_log_in(app):
    for user in ("officer", "clerk", "auditor", "ks_chair"):
        browser, _ = login(app, user)
        browser.get("/admin", status=403)
        browser.get("/admin/officer", status=403)
    assert "/login?came_from=/admin" in webtest.TestApp(app).get("/admin", status=303).location
    browser, _ = login(app, "admin")
    browser.get("/admin/nobody", status=404)
    browser.get("/admin/officer/extra", status=404)
