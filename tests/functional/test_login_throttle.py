"""Log-in throttling per account and per client address, audited once per
burst; deactivated accounts refused as slowly as active ones (issue 10, item 7)."""
import time

import webtest

from partnership_cms.scripting import act_as, app_request
from partnership_cms.security import accounts


def from_address(app, address):
    return webtest.TestApp(app, extra_environ={"REMOTE_ADDR": address})


def api_login(client, login, password, status):
    return client.post_json("/@login", {"login": login, "password": password}, status=status)


def form_login(client, login, password, status):
    form = client.get("/login").forms[0]
    form["login"], form["password"] = login, password
    return form.submit(status=status)


def trail(api, **params):
    return api.get("/@audit", user="auditor", **params).json["items"]


def entries_count(api):
    return api.get("/@audit", user="auditor").json["items_total"]


def test_five_failures_for_an_account_lock_it_for_a_while_from_anywhere(app, api):
    api.login("auditor")
    for n in range(5):
        api_login(from_address(app, f"10.0.0.{n}"), "officer", "fel", 401)
    # The right password from a new address: refused without being checked.
    res = api_login(from_address(app, "10.0.1.1"), "officer", "demo", 429)
    assert res.json["type"] == "TooManyRequests"
    assert "För många misslyckade inloggningar" in res.json["message"]
    assert 0 < int(res.headers["Retry-After"]) <= 900
    # Other accounts are not affected.
    api_login(from_address(app, "10.0.1.1"), "clerk", "demo", 200)


def test_the_html_form_is_throttled_too_with_the_message_on_the_page(app):
    browser = from_address(app, "10.0.0.9")
    for _ in range(5):
        form_login(browser, "officer", "fel", 401)
    res = form_login(browser, "officer", "demo", 429)
    assert "För många misslyckade inloggningar. Försök igen om 15 min." in \
        res.html.select_one("#login-error").get_text()
    assert int(res.headers["Retry-After"]) > 0
    assert res.html.select_one("#login")["aria-describedby"] == "login-error"


def test_one_address_trying_many_accounts_is_throttled(app):
    client = from_address(app, "192.0.2.7")
    for n in range(20):
        api_login(client, f"gissning{n}", "fel", 401)
    res = api_login(client, "officer", "demo", 429)
    assert int(res.headers["Retry-After"]) > 0
    # Another address is not.
    api_login(from_address(app, "192.0.2.8"), "officer", "demo", 200)


def test_a_burst_is_audited_once_not_per_attempt(app, api):
    api.login("auditor")
    before = entries_count(api)
    client = from_address(app, "10.0.0.1")
    for _ in range(5):
        api_login(client, "officer", "fel", 401)
    for _ in range(20):
        api_login(client, "officer", "fel", 429)
    entries = trail(api, object="login:officer")
    assert [e["action"] for e in entries] == ["login_throttled", "login_failed"]
    assert entries[0]["details"] == {"login": "officer", "via": "api", "limit": "account",
                                     "failures": 5, "address": "10.0.0.1"}
    assert entries_count(api) == before + 2


def test_an_attacker_with_many_names_and_addresses_cannot_grow_the_trail(tmp_path):
    from conftest import Api, make_app

    app = make_app(tmp_path, **{"partnership_cms.login_failures_audited_per_window": "10"})
    api = Api(app)
    api.login("auditor")
    before = entries_count(api)
    for n in range(40):
        api_login(from_address(app, f"198.51.100.{n}"), f"namn{n}", "fel", 401)
    assert entries_count(api) == before + 10
    app.registry._zodb_databases[""].close()


def test_a_successful_log_in_clears_the_accounts_count(app):
    client = from_address(app, "10.0.0.1")
    for _ in range(4):
        api_login(client, "officer", "fel", 401)
    api_login(client, "officer", "demo", 200)
    for _ in range(4):
        api_login(client, "officer", "fel", 401)
    api_login(client, "officer", "demo", 200)


def test_the_lock_ends_after_the_window(tmp_path):
    from conftest import make_app

    app = make_app(tmp_path, **{"partnership_cms.login_failure_window_seconds": "1"})
    client = from_address(app, "10.0.0.1")
    for _ in range(5):
        api_login(client, "officer", "fel", 401)
    api_login(client, "officer", "demo", 429)
    time.sleep(1.1)
    api_login(client, "officer", "demo", 200)
    app.registry._zodb_databases[""].close()


def test_a_deactivated_account_costs_the_same_hash_check_as_an_active_one(app, monkeypatch):
    """Refusing a deactivated account verifies its password hash like any other
    refusal, so its answer takes as long (counted as hash checks, not timed)."""
    from partnership_cms.security import users

    checks = []

    class CountingHasher:
        """The real hasher, counting which hashes it verifies."""

        def __init__(self, real):
            self.real = real

        def verify(self, hash_, password):
            checks.append(hash_)
            return self.real.verify(hash_, password)

        def __getattr__(self, name):
            return getattr(self.real, name)

    with app_request(app.registry) as request:
        act_as(request, request.root.principals.users["admin"])
        accounts.set_active(request, "clerk", False)
        clerk_hash = request.root.principals.users["clerk"].password_hash
    monkeypatch.setattr(users, "_hasher", CountingHasher(users._hasher))
    api_login(from_address(app, "203.0.113.1"), "officer", "fel lösenord", 401)
    api_login(from_address(app, "203.0.113.2"), "clerk", "demo", 401)  # the right password, but deactivated
    assert len(checks) == 2 and checks[1] == clerk_hash
