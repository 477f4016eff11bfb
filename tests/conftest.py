"""Shared fixtures: a real app on a real FileStorage in a temporary folder.

Functional tests drive the WSGI app through WebTest, without mocks. The
database is created through the same ``init`` path a new user runs (demo
users and the seed case included), once per test function, in ``tmp_path``.
"""
import os

import pytest
import transaction
import webtest
from pyramid.traversal import find_resource

from partnership_cms import configure
from partnership_cms.content.services import edit_content
from partnership_cms.evolve import create_root
from partnership_cms.scripting import act_as, app_request
from units import Unit

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# The tests written before meetings let the KS and KF chairs decide by one
# transition; those of meetings pass bodies=REAL_BODIES (tests/meetings/).
DIRECT_BODIES = os.path.join(PROJECT, "tests", "bodies_decide_directly")
REAL_BODIES = os.path.join(PROJECT, "bodies")


def make_settings(tmp_path, **overrides):
    settings = {
        # Blob storage as in development.ini: the files (bilagor) live there.
        "zodbconn.uri": f"file://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
        "partnership_cms.schemas": os.path.join(PROJECT, "schemas"),
        "partnership_cms.workflows": os.path.join(PROJECT, "workflows"),
        "partnership_cms.bodies": DIRECT_BODIES,
        "partnership_cms.session_secret": "test-secret",
    }
    settings.update(overrides)
    return settings


def make_app(tmp_path, demo=True, **overrides):
    """A fresh WSGI app whose database holds the demo users (and seed case)."""
    app = configure(make_settings(tmp_path, **overrides)).make_wsgi_app()
    from pyramid_zodbconn import get_connection

    from partnership_cms.demo import create_demo_users, load_seed_case

    with app_request(app.registry, root_required=False) as request:
        root, _ = create_root(get_connection(request).root(), app.registry)
        request.root = root
        if demo:
            create_demo_users(request)
            load_seed_case(request)
            act_as(request, None)
    return app


def close_app(app):
    """Close ``app``'s database and let the thread's transaction manager forget it."""
    app.registry._zodb_databases[""].close()
    transaction.manager.free = None


def write_ini(tmp_path, name="test.ini", **overrides):
    """An .ini file for the command line, on the same settings as make_app."""
    settings = make_settings(tmp_path, **overrides)
    ini = tmp_path / name
    ini.write_text("[app:main]\nuse = egg:partnership-cms\n"
                   + "".join(f"{k} = {v}\n" for k, v in settings.items()), encoding="utf-8")
    return str(ini)


def browse(app, user, password="demo"):
    """A WebTest browser logged in as ``user`` through the log-in form."""
    browser = webtest.TestApp(app)
    form = browser.get("/login").forms[0]
    form["login"], form["password"] = user, password
    form.submit(status=303)
    return browser


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    close_app(app)


class Api:
    """A WebTest client that speaks JSON and can log in as a demo user."""

    def __init__(self, app):
        self.app = app
        self.test = webtest.TestApp(app)
        self.tokens = {}

    def login(self, login, password="demo"):
        if login not in self.tokens:
            res = self.test.post_json("/@login", {"login": login, "password": password})
            self.tokens[login] = res.json["token"]
        return self.tokens[login]

    def _headers(self, user):
        headers = {"Accept": "application/json"}
        if user:
            headers["Authorization"] = "Bearer " + self.login(user)
        return headers

    def get(self, url, user=None, status=200, **params):
        return self.test.get(url, params=params or None, headers=self._headers(user), status=status)

    def post(self, url, body=None, user=None, status=200):
        return self.test.post_json(url, body or {}, headers=self._headers(user), status=status)

    def patch(self, url, body, user=None, status=200):
        return self.test.patch_json(url, body, headers=self._headers(user), status=status)

    def transition(self, url, transition, user, status=200, **data):
        return self.post(f"{url}/@workflow/{transition}", data, user=user, status=status)


@pytest.fixture
def api(app):
    return Api(app)


def within_ks_mandate(api, url):
    """Mark a proposal as within KS's own mandate (``ks_mandate``), as its officer
    would have in the draft, so that KS may adopt it itself: the seed case is
    "Kommunstyrelsens förslag till kommunfullmäktige", which KS may not adopt
    otherwise (guard ``within_mandate``)."""
    with app_request(api.app.registry) as request:
        act_as(request, None)
        edit_content(request, find_resource(request.root, url), {"ks_mandate": True})


SEED_URL = "/proposals/ks-{year}-1"


@pytest.fixture
def seed_url():
    import datetime

    return SEED_URL.format(year=datetime.date.today().year)


@pytest.fixture
def unit(tmp_path):
    """The engine, ACL and catalog on a tiny YAML type, without the demo app (tests/units.py)."""
    unit = Unit(tmp_path)
    yield unit
    unit.close()


# The ZEO and RelStorage engines (tests/engines.py): `engine` runs either, `postgres` the server.
from engines import engine, postgres  # noqa: E402, F401
