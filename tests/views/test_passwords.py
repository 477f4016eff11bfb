"""Password rules: at least 12 characters, not a common password; the demo
users are the one explicit exception (issue 10, item 7; ASVS 2.1.1, 2.1.7)."""
import pytest

from partnership_cms.demo import DEMO_PASSWORD
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts

from .test_admin import create_form, user_form
from .test_auth import login


@pytest.mark.parametrize("password, message", [
    ("kort-lösen1", "Lösenordet är för kort: minst 12 tecken."),  # 11 characters
    ("demo", "Lösenordet är för kort: minst 12 tecken."),
    ("123456789012", "Lösenordet är för vanligt"),
    ("Sommar2024!!", "Lösenordet är för vanligt"),
    ("LÖSENORD1234", "Lösenordet är för vanligt"),
    ("qwertyuiopå", "Lösenordet är för kort"),
    ("aaaaaaaaaaaaaaaa", "Lösenordet är för vanligt"),
    ("nyanstalld2024", "Lösenordet är för vanligt"),  # the login with digits
    ("x" * 121 + "hemligt!", "Lösenordet är för långt: högst 128 tecken."),
])
def test_a_weak_password_is_refused_next_to_the_field(app, password, message):
    browser, _ = login(app, "admin")
    form = create_form(browser)
    form["login"], form["fullname"], form["password"] = "nyanstalld", "Nora Nyanställd", password
    res = form.submit(status=400)
    assert message in res.html.select_one("#password-error").get_text()
    assert "nyanstalld" not in [tr.td.get_text(strip=True) for tr in res.html.select("tbody tr")]


def test_a_long_uncommon_password_is_accepted_and_counts_letters_not_bytes(app):
    browser, _ = login(app, "admin")
    form = create_form(browser)
    # 12 characters, 15 bytes in UTF-8: enough.
    form["login"], form["fullname"], form["password"] = "nyanstalld", "Nora", "ålögårdsväg7"
    form.submit(status=303)
    assert login(app, "nyanstalld", "ålögårdsväg7")[1].status_int == 303


def test_a_reset_to_a_common_password_is_refused(app):
    browser, _ = login(app, "admin")
    form = user_form(browser.get("/admin/officer"), "password")
    form["password"] = "Password1234"
    res = form.submit(status=400)
    assert "Lösenordet är för vanligt" in res.html.select_one("#password-error").get_text()
    assert login(app, "officer", "demo")[1].status_int == 303  # unchanged
    assert "Minst 12 tecken." in browser.get("/admin/officer").text


def test_only_the_demo_loader_may_set_the_demo_password(app):
    # The demo users log in with "demo" (the loader says allow_weak=True) ...
    assert login(app, "ks_chair", DEMO_PASSWORD)[1].status_int == 303
    # ... but nobody else gets it, through the service or the command line's path.
    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        with pytest.raises(accounts.AccountError, match="för kort"):
            accounts.create_user(request, "ny", DEMO_PASSWORD, groups=["officer"])
        with pytest.raises(accounts.AccountError, match="för kort"):
            accounts.set_password(request, "officer", DEMO_PASSWORD)
