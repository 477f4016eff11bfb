"""Administrators' groups change only with a second administrator's
confirmation (issue 10, item 3)."""
import pytest

from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts

from .test_admin import create_form, tick, trail, user_form
from .test_auth import login

PASSWORD = "andra-admin-lösen"


@pytest.fixture
def admins(app):
    """Two more administrators, made from the command line's path (no actor)."""
    with app_request(app.registry) as request:
        act_as(request, None)
        for name in ("admin2", "admin3"):
            accounts.create_user(request, name, PASSWORD, fullname=name, groups=["admin"])
    return app


def roles_of(app, login):
    with app_request(app.registry) as request:
        return sorted(request.root.principals.roles_of(login))


def test_a_second_account_cannot_be_made_an_administrator_alone(app, api):
    browser, _ = login(app, "admin")
    form = create_form(browser)
    form["login"], form["fullname"], form["password"] = "admin-b", "Mitt andra konto", PASSWORD
    tick(form, "admin")
    page = form.submit(status=303).follow()
    assert "Den görs när en annan systemförvaltare har bekräftat den" in page.text
    assert roles_of(app, "admin-b") == []  # created, but not an administrator
    # The one who asked sees the request but cannot confirm it.
    assert "En annan systemförvaltare måste bekräfta ändringen." in page.text
    offered = [f["form"].value for f in page.forms.values() if "form" in f.fields]
    assert "confirm-groups" not in offered
    # Forged past the page, the service refuses too.
    token = page.html.select_one("input[name=csrf_token]")["value"]
    res = browser.post("/admin/admin-b", {"form": "confirm-groups", "csrf_token": token}, status=400)
    assert "Du begärde ändringen själv" in res.html.select_one("#confirm-error").get_text()
    assert roles_of(app, "admin-b") == []
    [requested] = trail(api, object="user:admin-b", action="group_change_requested")
    assert requested["actor"] == "admin"
    assert requested["details"] == {"login": "admin-b", "old": [], "new": ["admin"]}


def test_granting_admin_takes_effect_when_a_second_administrator_confirms(admins, api):
    app = admins
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/officer"), "groups")
    tick(form, "admin")
    assert "Den görs när en annan systemförvaltare" in form.submit(status=303).follow().text
    assert roles_of(app, "officer") == ["officer"]

    second, _ = login(app, "admin2", PASSWORD)
    page = second.get("/admin/officer")
    assert "admin begärde" in page.text and "Systemförvaltare" in page.text
    res = user_form(page, "confirm-groups").submit(status=303).follow()
    assert "Ändringen är bekräftad: grupperna är ändrade." in res.text
    assert roles_of(app, "officer") == ["admin", "officer"]
    changed = trail(api, object="user:officer", action="group_changed")[0]
    assert changed["actor"] == "admin2"
    assert changed["details"] == {"login": "officer", "old": ["officer"], "new": ["admin", "officer"],
                                  "requested_by": "admin"}


def test_an_administrator_cannot_raise_another_administrators_groups_alone(admins):
    app = admins
    browser, _ = login(app, "admin2", PASSWORD)
    form = user_form(browser.get("/admin/admin"), "groups")
    tick(form, "ks_chair")
    form.submit(status=303)
    assert roles_of(app, "admin") == ["admin"]
    # The holder of the account may not confirm a change of their own groups.
    own, _ = login(app, "admin")
    page = own.get("/admin/admin")
    assert "confirm-groups" not in [f["form"].value for f in page.forms.values() if "form" in f.fields]
    token = page.html.select_one("input[name=csrf_token]")["value"]
    res = own.post("/admin/admin", {"form": "confirm-groups", "csrf_token": token}, status=400)
    assert "Du kan inte bekräfta en ändring av dina egna grupper" in \
        res.html.select_one("#confirm-error").get_text()
    assert roles_of(app, "admin") == ["admin"]
    # A third administrator can.
    third, _ = login(app, "admin3", PASSWORD)
    user_form(third.get("/admin/admin"), "confirm-groups").submit(status=303)
    assert roles_of(app, "admin") == ["admin", "ks_chair"]


def test_a_request_can_be_cancelled_and_is_audited(admins, api):
    app = admins
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/admin2"), "groups")
    tick(form, "admin", False)
    form.submit(status=303)
    second, _ = login(app, "admin3", PASSWORD)
    res = user_form(second.get("/admin/admin2"), "cancel-groups").submit(status=303).follow()
    assert "Den begärda ändringen är avbruten." in res.text
    assert "Ändring som väntar på bekräftelse" not in res.text
    assert roles_of(app, "admin2") == ["admin"]
    [cancelled] = trail(api, object="user:admin2", action="group_change_cancelled")
    assert cancelled["actor"] == "admin3"
    assert cancelled["details"] == {"login": "admin2", "new": [], "requested_by": "admin"}


def test_a_stale_request_is_not_confirmed(admins):
    app = admins
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/admin2"), "groups")
    tick(form, "auditor")
    form.submit(status=303)
    with app_request(app.registry) as request:  # meanwhile, from the command line
        act_as(request, None)
        accounts.set_groups(request, "admin2", ["admin", "clerk"])
    second, _ = login(app, "admin3", PASSWORD)
    res = user_form(second.get("/admin/admin2"), "confirm-groups").submit(status=400)
    assert "Grupperna har ändrats sedan ändringen begärdes" in res.text
    assert roles_of(app, "admin2") == ["admin", "clerk"]


def test_other_group_changes_need_no_second_administrator(app):
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/clerk"), "groups")
    tick(form, "auditor")
    assert "Grupperna är ändrade." in form.submit(status=303).follow().text
    assert roles_of(app, "clerk") == ["auditor", "clerk"]


def test_the_service_refuses_a_direct_change_with_a_message_that_says_what_to_do(admins):
    with app_request(admins.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        with pytest.raises(accounts.AccountError, match="be en annan systemförvaltare bekräfta"):
            accounts.set_groups(request, "admin2", ["admin", "auditor"])


def test_an_administrator_cannot_set_another_administrators_password(admins, api):
    """Knowing admin2's new password, admin could log in as admin2 and confirm
    their own requests; so the web refuses it, and the holder and the command
    line still can."""
    app = admins
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/admin2"), "password")
    form["password"] = "ett-nytt-långt-lösen"
    res = form.submit(status=400)
    assert "annan systemförvaltare" in res.html.select_one("#password-error").get_text()
    login(app, "admin2", PASSWORD)  # the old password still works
    assert not trail(api, object="user:admin2", action="user_changed")
    # A non-administrator's password is still set from the web.
    form = user_form(browser.get("/admin/officer"), "password")
    form["password"] = "ett-nytt-långt-lösen"
    assert "Lösenordet är bytt." in form.submit(status=303).follow().text
    with app_request(app.registry) as request:
        act_as(request, None)  # the command line
        accounts.set_password(request, "admin2", "ett-nytt-långt-lösen")
    login(app, "admin2", "ett-nytt-långt-lösen")
