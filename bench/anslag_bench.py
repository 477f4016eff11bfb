"""Anslagstavla bench (issue 12's Measure): the public notice board and a
30-paragraph protocol's PDF/A, anonymous, on a database with many cases and
protocols.

The data (``AnslagDatabase``, built with the project's own services in a fresh
database, on the real bodies of ``bodies/`` where KS decides at its meetings):
the demo users and the seed case; ``cases`` proposals (``dataset.proposal_payload``)
of which enough are moved to ``ks`` (submit, approve) to fill the agendas, the
rest spread over draft, review, ks and withdrawn; ``protocols`` KS meetings,
one per weekday going back from today, each run through the meeting services as
the clerk and the chair would (agenda, convene, open, roll call, a named vote on
every third item, decide, close), its protocol made, justerat by the chair and
the justerare and posted, each on the day it happens (``dates.set_today``).
Every meeting has ``ITEMS`` items except the newest, which has ``paragraphs``
(30): its protocol is the one whose PDF is asked for. The newest meetings'
notices are within their appeal period (on the board); ``finalize`` then
makes the older ones laga kraft, as the daily scheduler would have (archived).

The scenario (``run``): served by pserve (waitress, 4 threads) like
``api_bench.py``'s, 4 anonymous keep-alive clients: ``GET /anslagstavla`` and
``GET /protocols/<id>/protocol.pdf`` (rendered by WeasyPrint on every request:
nothing caches it). Prints requests/second and p50/p95, and each as a ratio to
the bare page measured just before (``harness.run_baseline``).

    .venv/bin/python bench/api_bench.py --anslag-only [--quick] [--cases N --protocols N]
    (or a full run: after the proposal rounds)
"""
from __future__ import annotations

import datetime
import os
import random
import time

from dataset import SERVER_INI, our_settings, proposal_payload
from harness import PROJECT, THREADS, Server, bin_path, file_uri, free_port, scenario
from pyramid.traversal import resource_path
from pyramid_zodbconn import get_connection

from partnership_cms import configure, dates
from partnership_cms.content.services import create_content
from partnership_cms.demo import create_demo_users, load_seed_case
from partnership_cms.evolve import create_root
from partnership_cms.meetings import perform_act
from partnership_cms.notices.finalize import finalize_due
from partnership_cms.protocols import create_protocol, sign
from partnership_cms.scripting import act_as, app_request
from partnership_cms.workflow import get_workflows

BODIES = os.path.join(PROJECT, "bodies")  # KS decides at its meetings
SEATS = ["ks_chair", "ks_member", "ks_member2"]
ADJUSTER = "ks_member"
CASES, PROTOCOLS, PARAGRAPHS = 10_000, 200, 30
ITEMS = 2  # items of every meeting but the newest
BATCH = 200  # cases per script transaction
MEETINGS_PER_COMMIT = 10
# Where a case that no meeting needs ends up (out of 16), as dataset.PLAN does.
PLAN = ([("draft", [])] * 7 + [("review", [("officer", "submit")])] * 4
        + [("ks", [("officer", "submit"), ("director", "approve")])] * 4
        + [("withdrawn", [("officer", "withdraw")])])
TO_KS = [("officer", "submit"), ("director", "approve")]


def weekdays_back(start, n):
    """The ``n`` weekdays before ``start``, oldest first."""
    days, day = [], start
    while len(days) < n:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days[::-1]


class AnslagDatabase:
    """A database with ``cases`` proposals and ``protocols`` posted KS protocols."""

    def __init__(self, folder, cases=CASES, protocols=PROTOCOLS, paragraphs=PARAGRAPHS):
        self.folder, self.cases, self.protocols, self.paragraphs = folder, cases, protocols, paragraphs
        self.data_fs = os.path.join(folder, "Anslag.fs")
        self.rng = random.Random(12)
        self.big = None  # the path of the 30-paragraph protocol
        self.counts = {}
        self.finalized = 0  # protocols and decisions made final by the build's finalize

    def settings(self):
        return dict(our_settings(file_uri(self.data_fs)), **{"partnership_cms.bodies": BODIES})

    def app(self):
        """The WSGI app on this database; close ``app.registry._zodb_databases[""]`` when done."""
        return configure(self.settings()).make_wsgi_app()

    def create(self):
        """Build the database; returns the seconds it took."""
        t0 = time.perf_counter()
        needed = self.paragraphs + ITEMS * (self.protocols - 1)
        if self.cases < needed:
            raise ValueError(f"{self.protocols} protocols need at least {needed} cases")
        app = self.app()
        try:
            with app_request(app.registry, root_required=False) as request:
                root, _ = create_root(get_connection(request).root(), app.registry)
                request.root = root
                create_demo_users(request)
                load_seed_case(request)
                act_as(request, None)
            ks_cases = self._cases(app, needed)
            self._meetings(app, ks_cases)
            with app_request(app.registry) as request:
                # What the daily scheduler would have done: the older notices are laga kraft, archived.
                act_as(request, None)
                self.finalized = len(finalize_due(request))
            with app_request(app.registry) as request:
                self.counts = {"cases": len(request.root["proposals"]), "protocols": len(request.root["protocols"]),
                               "audit entries": len(request.root.audit_log.entries)}
        finally:
            dates.set_today(None)
            app.registry._zodb_databases[""].close()
        return time.perf_counter() - t0

    def _cases(self, app, needed):
        """Make the cases in batches; returns the paths of the first ``needed``, all in ``ks``."""
        workflows = get_workflows(app.registry)
        ks_cases, made = [], 0
        while made < self.cases:
            with app_request(app.registry) as request:
                users = request.root.principals.users
                for _ in range(min(BATCH, self.cases - made)):
                    act_as(request, users["officer"])
                    obj = create_content(request, "Proposal", proposal_payload(self.rng, made))
                    steps = TO_KS if made < needed else PLAN[made % len(PLAN)][1]
                    for login, transition in steps:
                        act_as(request, users[login])
                        payload = {"comment": "Inaktuellt."} if transition == "withdraw" else {}
                        workflows.perform(request, obj, transition, payload)
                    if made < needed:
                        ks_cases.append(resource_path(obj))
                    made += 1
                act_as(request, None)
        return ks_cases

    def _meetings(self, app, ks_cases):
        """One KS meeting per weekday back from today, each with its protocol posted."""
        workflows = get_workflows(app.registry)
        days = weekdays_back(datetime.date.today(), self.protocols)
        cases = iter(ks_cases)
        for start in range(0, len(days), MEETINGS_PER_COMMIT):
            with app_request(app.registry) as request:
                for number, day in enumerate(days[start:start + MEETINGS_PER_COMMIT], start + 1):
                    n = self.paragraphs if number == len(days) else ITEMS
                    protocol = self._meeting(request, workflows, day, [next(cases) for _ in range(n)])
                    if number == len(days):
                        self.big = resource_path(protocol)
                act_as(request, None)
                dates.set_today(None)

    def _meeting(self, request, workflows, day, cases):
        users = request.root.principals.users

        def as_(login):
            act_as(request, users[login])

        dates.set_today(day - datetime.timedelta(days=10))
        as_("clerk")
        meeting = create_content(request, "Meeting", {
            "title": f"Kommunstyrelsens sammanträde {day.isoformat()}", "body": "KS", "date": day.isoformat(),
            "time": "18:00", "place": "Kommunhuset, sal A"})
        for path in cases:
            perform_act(request, meeting, "add_item", {"proposal": path})
        workflows.perform(request, meeting, "convene", {})
        dates.set_today(day)
        as_("ks_chair")
        workflows.perform(request, meeting, "open", {})
        as_("clerk")
        perform_act(request, meeting, "roll_call", {"present": SEATS})
        for item in range(1, len(cases) + 1):
            if item % 3 == 0:  # a named vote on a motion to reject, as a real meeting has some
                as_("ks_member2")
                perform_act(request, meeting, "move", {"item": item, "kind": "reject",
                                                       "text": "Jag yrkar avslag på förslaget."})
                as_("ks_chair")
                perform_act(request, meeting, "open_vote", {"item": item, "ja": "approve", "nej": "reject"})
                for member, vote in zip(SEATS, ("ja", "ja", "nej"), strict=True):
                    as_(member)
                    perform_act(request, meeting, "vote", {"item": item, "vote": vote})
                as_("ks_chair")
                perform_act(request, meeting, "close_vote", {"item": item})
                perform_act(request, meeting, "decide", {"item": item})
            else:
                as_("ks_chair")
                perform_act(request, meeting, "decide", {"item": item, "outcome": "approve"})
        workflows.perform(request, meeting, "close", {})
        as_("clerk")
        protocol = create_protocol(request, meeting, {"adjusters": [ADJUSTER], "justering_place": "Kommunhuset"})
        workflows.perform(request, protocol, "send_for_signing", {})
        justering = day + datetime.timedelta(days=1)
        dates.set_today(justering)
        for signer in ("ks_chair", ADJUSTER):
            as_(signer)
            sign(request, protocol, {})
        as_("clerk")
        workflows.perform(request, protocol, "post", {"posted_on": justering.isoformat()})
        assert protocol.state == "posted", protocol.state
        return protocol

    def write_ini(self, port):
        path = os.path.join(self.folder, "anslag.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SERVER_INI.format(
                uri=file_uri(self.data_fs), port=port, threads=THREADS,
                schemas=os.path.join(PROJECT, "schemas"),
                workflows=os.path.join(PROJECT, "workflows"), bodies=BODIES))
        return path


# -- the scenario -----------------------------------------------------------------------
def run(db, seconds, log_dir):
    """Serve ``db`` and run the two anonymous scenarios; returns {"board": Result, "pdf": Result}."""
    port = free_port()
    server = Server([bin_path("pserve"), db.write_ini(port)], port, os.path.join(log_dir, "pserve-anslag.log"))
    html = {"Accept": "text/html"}
    try:
        server.start()
        figures = {}
        figures["board"] = scenario(server, "anslagstavla  GET /anslagstavla",
                                    lambda i, rng: ("GET", "/anslagstavla", None, html),
                                    seconds=seconds, warmup=20)
        pdf_path = f"{db.big}/protocol.pdf"
        # A PDF takes seconds: a longer run, for enough samples behind its p95.
        figures["pdf"] = scenario(server, f"protocol PDF  GET …/protocol.pdf ({db.paragraphs} §§)",
                                  lambda i, rng: ("GET", pdf_path, None, {"Accept": "application/pdf"}),
                                  seconds=max(seconds * 3, 30), warmup=2)
        return figures
    finally:
        server.stop()


def report(figures, base):
    """The two figures, as ratios to the bare page measured right before them."""
    page = base["page"] if base else None
    for label, r in (("anslagstavla", figures["board"]), ("protocol PDF", figures["pdf"])):
        line = f"  {label:<13} {r.rps:8.1f} req/s  p50 {r.pct(50):7.1f} ms  p95 {r.pct(95):7.1f} ms"
        if page is not None:
            line += (f";  {r.rps / page.rps:.3f} x the bare page's {page.rps:.1f} req/s; "
                     f"p95 {r.pct(95) / page.pct(95):.1f} x its {page.pct(95):.1f} ms")
        print(line)
