"""The benchmark database: proposals made with the project's own services
and moved through real transitions, so that the states have realistic
selectivity; and the .ini that serves it. Used by the scenario scripts.
"""
from __future__ import annotations

import collections
import os
import random
import time

import ZODB.Connection
import ZODB.serialize
from harness import PROJECT, THREADS, BenchStorages
from pyramid_zodbconn import get_connection
from tqdm import tqdm
from webtest import TestApp

from partnership_cms import configure
from partnership_cms.catalog import search
from partnership_cms.content.services import create_content
from partnership_cms.demo import create_demo_users, load_seed_case
from partnership_cms.evolve import create_root
from partnership_cms.scripting import act_as, app_request
from partnership_cms.workflow import get_workflows

BATCH = 1000  # proposals per script transaction when building (each one audited as usual)

# -- test data ------------------------------------------------------------------
WORDS = (
    "samverkan avtal högskola kommun utbildning forskning kompetensförsörjning "
    "näringsliv arbetsmarknad praktik studenter lärare förskola äldreomsorg "
    "socialtjänst stadsbyggnad trafik bostäder klimat miljö energi vatten "
    "budget upphandling digitalisering integration folkhälsa kultur idrott "
    "delregional utveckling Södertörn Flemingsberg Huddinge Stockholm region "
    "uppföljning styrgrupp avsiktsförklaring partnerskap strategisk långsiktig"
).split()
UNITS = ("Kommunstyrelsens förvaltning", "Ekonomiavdelningen", "Näringslivsenheten",
         "Utbildningsförvaltningen", "Socialförvaltningen", "Miljöförvaltningen")
RECIPIENTS = ("Södertörns högskola", "Ekonomiavdelningen", "Kommunstyrelsens förvaltning",
              "Region Stockholm", "Utbildningsförvaltningen")


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def proposal_payload(rng, i):
    """A complete proposal (every field the `complete` guard asks for)."""
    return {
        "title": f"{sentence(rng, 5)[:-1]} ({i})",
        "unit": rng.choice(UNITS),
        "case_officer": "Hanna Handläggare",
        "decision_points": [sentence(rng, 12), sentence(rng, 9)],
        "summary": " ".join(sentence(rng, 14) for _ in range(3)),
        "background": " ".join(sentence(rng, 16) for _ in range(5)),
        "recipients": rng.sample(RECIPIENTS, 2),
    }


# Where each built proposal ends up (out of 20): realistic selectivity for
# @search by state. Steps are (user, transition, payload).
PLAN = (
    [("draft", [])] * 7
    + [("review", [("officer", "submit", {})])] * 4
    + [("ks", [("officer", "submit", {}), ("director", "approve", {})])] * 4
    + [("kf", [("officer", "submit", {}), ("director", "approve", {}),
               ("ks_chair", "ks_propose", {})])] * 2
    + [("adopted", [("officer", "submit", {}), ("director", "approve", {}),
                    ("ks_chair", "ks_adopt", {})])]
    + [("withdrawn", [("officer", "withdraw", {"comment": "Inaktuellt."})])]
    + [("draft", [("officer", "submit", {}), ("director", "return", {"comment": "Komplettera."})])]
)


# -- what ZODB loads and pickles ------------------------------------------------------
class Counts:
    """What ZODB did in this process since ``count_loads()`` or the last ``clear()``:
    the records loaded, by class (what no connection's cache held), the seconds
    spent loading them, and the Python objects pickled (ZODB calls ``persistent_id``
    once for each: what a commit costs grows with them, more than with the bytes)."""

    def __init__(self):
        self.loads = collections.Counter()
        self.load_seconds = 0.0
        self.pickled = 0

    def clear(self):
        self.loads.clear()
        self.load_seconds = 0.0
        self.pickled = 0

    def loaded_per(self, n):
        """Records loaded per request, over ``n`` requests."""
        return sum(self.loads.values()) / n

    def classes_per(self, n, most=8):
        """The ``most`` classes loaded most, with their records per request: "OOBucket 1.2, ..."."""
        return ", ".join(f"{name} {count / n:.1f}" for name, count in self.loads.most_common(most))


def count_loads(clock=time.process_time):
    """Count from now on, for every ZODB connection of this process, what it loads
    and pickles; returns the ``Counts`` (``clock`` times the loading)."""
    counts = Counts()
    setstate = ZODB.Connection.Connection.setstate
    persistent_id = ZODB.serialize.ObjectWriter.persistent_id

    def counted_setstate(self, obj):
        t0 = clock()
        try:
            return setstate(self, obj)
        finally:
            counts.load_seconds += clock() - t0
            counts.loads[type(obj).__name__] += 1

    def counted_persistent_id(self, obj):
        counts.pickled += 1
        return persistent_id(self, obj)

    ZODB.Connection.Connection.setstate = counted_setstate
    ZODB.serialize.ObjectWriter.persistent_id = counted_persistent_id
    return counts


# -- our database -------------------------------------------------------------------
# The dataset moves cases through KS and KF by the chair's transition, as
# before meetings: on the bodies where KS and KF decide without them (the
# tests' copy of bodies/, which differs from it in that one key only).
BODIES = os.path.join(PROJECT, "tests", "bodies_decide_directly")


def our_settings(uri):
    return {
        "zodbconn.uri": uri,
        "partnership_cms.schemas": os.path.join(PROJECT, "schemas"),
        "partnership_cms.workflows": os.path.join(PROJECT, "workflows"),
        "partnership_cms.bodies": BODIES,
        "partnership_cms.session_secret": "bench-only-secret",
        "retry.attempts": "3",
    }


class OurDatabase:
    """Builds and grows the benchmark database with the project's own services,
    in the ``app`` storage of ``storages`` (default: FileStorage in ``folder``)."""

    def __init__(self, folder, storages=None):
        self.folder = folder
        self.storages = storages if storages is not None else BenchStorages(folder)
        self.data_fs = self.storages.data_fs("app")  # None on RelStorage
        self.built = 0  # proposals this class made
        self.names = []  # every proposal name we know of
        self.drafts = collections.deque()  # complete drafts owned by officer, not yet submitted
        self.rng = random.Random(1)

    def _app(self, cache_size=20000):
        uri = self.storages.uri("app", "build", cache_size=cache_size)
        return configure(our_settings(uri)).make_wsgi_app()

    def in_process(self, login):
        """(app, WebTest client, headers with ``login``'s bearer token) on this
        database, for figures taken in process (no server); close
        ``app.registry._zodb_databases[""]`` when done."""
        app = self._app()
        client = TestApp(app)
        token = client.post_json("/@login", {"login": login, "password": "demo"}).json["token"]
        return app, client, {"Authorization": "Bearer " + token, "Accept": "application/json"}

    def create(self):
        app = self._app()
        try:
            with app_request(app.registry, root_required=False) as request:
                root, _ = create_root(get_connection(request).root(), app.registry)
                request.root = root
                create_demo_users(request)
                proposal, _ = load_seed_case(request)
                act_as(request, None)
                self.names.append(proposal.__name__)
        finally:
            app.registry._zodb_databases[""].close()

    def grow(self, total):
        """Add proposals until this class has made ``total``, with a progress
        bar; returns seconds taken.

        The bulk loader: the content services and the workflow engine in
        script requests of BATCH proposals each, so every case is numbered,
        indexed and audited as the API would (the audit trail verifies), with
        a connection cache that holds what a batch touches.
        """
        t0 = time.perf_counter()
        app = self._app(cache_size=400_000)
        bar = tqdm(total=total - self.built, desc="  building proposals", unit=" cases",
                   mininterval=2, disable=total - self.built < BATCH)
        try:
            workflows = get_workflows(app.registry)
            while self.built < total:
                n = min(BATCH, total - self.built)
                with app_request(app.registry) as request:
                    users = request.root.principals.users
                    for _ in range(n):
                        i = self.built
                        act_as(request, users["officer"])
                        obj = create_content(request, "Proposal", proposal_payload(self.rng, i))
                        state, steps = PLAN[i % len(PLAN)]
                        for login, transition, payload in steps:
                            act_as(request, users[login])
                            workflows.perform(request, obj, transition, payload)
                        assert obj.state == state, (obj.state, state)
                        self.names.append(obj.__name__)
                        if obj.state == "draft":
                            self.drafts.append(obj.__name__)
                        self.built += 1
                    act_as(request, None)
                bar.update(n)
            return time.perf_counter() - t0
        finally:
            bar.close()
            app.registry._zodb_databases[""].close()

    def counts(self):
        """Proposals per state and the size of Data.fs (read with the app's code)."""
        app = self._app()
        try:
            with app_request(app.registry) as request:
                total = len(request.root["proposals"])
                everyone = ["role:auditor"]  # auditors may view every case
                by_state = {s: search(request, everyone, type="Proposal", state=s)[1]
                            for s in ("draft", "review", "ks", "kf", "adopted", "withdrawn")}
                entries = len(request.root.audit_log.entries)
            return total, by_state, entries
        finally:
            app.registry._zodb_databases[""].close()

    def write_ini(self, port, client="main"):
        """The .ini of one server process (``client`` names its blob cache, where it has one)."""
        path = os.path.join(self.folder, "bench.ini" if client == "main" else f"bench-{client}.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SERVER_INI.format(
                uri=self.storages.uri("app", client), port=port, threads=THREADS,
                schemas=os.path.join(PROJECT, "schemas"),
                workflows=os.path.join(PROJECT, "workflows"), bodies=BODIES,
                write_lock=self.storages.write_lock()))
        return path


SERVER_INI = """\
[app:main]
use = egg:partnership-cms
pyramid.reload_templates = false
pyramid.default_locale_name = sv
zodbconn.uri = {uri}
tm.manager_hook = pyramid_tm.explicit_manager
retry.attempts = 3
tm.annotate_user = false
partnership_cms.schemas = {schemas}
partnership_cms.workflows = {workflows}
partnership_cms.bodies = {bodies}
partnership_cms.demo = false
partnership_cms.session_secret = bench-only-secret
partnership_cms.token_hours = 12
partnership_cms.write_lock = {write_lock}

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
threads = {threads}

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(asctime)s %(levelname)-5.5s [%(name)s] %(message)s
"""
