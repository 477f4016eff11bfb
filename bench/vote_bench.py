"""Cast-vote bench: the 61 members of a large KF vote at the same instant on one item.

The data (``VoteDatabase``, built with the project's own services in a fresh
database): the demo users and the seed case; the bench's own bodies
(``bench/bodies_vote/``: KF with 61 seats held by the users kf01..kf61,
created through ``security.accounts.create_user``; KS decides by its chair's
transition, so the seed case reaches KF by ``ks_propose``); a KF meeting with
the case on its agenda, convened, opened by the chair (kf01), the roll call
with all 61 present. Each member's API token is issued in the setup, as a
log-in would (61 argon2id log-ins would measure the hashing).

The scenario (``run``): the database is served by pserve (waitress, 4
threads) like ``api_bench.py``'s. Each round the chair opens a named vote
(``POST .../@meeting/open_vote``), 61 client threads, one per member, each
on its own connection, wait at a barrier and cast their vote at once
(``POST .../@meeting/vote``, trying again after a 409 as a browser would), the
chair closes the vote and the tally is checked: every vote counted once.
Prints the cast-vote requests per second (votes / the time from the barrier
to the last answer, over all rounds), the p50/p95 latency of a cast (its
tries included), the conflicts the server logged, and the rate as a ratio to
the bare one-object commit measured just before (``harness.run_baseline``).

    .venv/bin/python bench/api_bench.py --votes-only [--quick]   (or a full run: after the rounds)
"""
from __future__ import annotations

import collections
import datetime
import http.client
import json
import os
import threading
import time

import yaml
from dataset import SERVER_INI, our_settings
from harness import CONFLICT_LOG, HOST, PROJECT, THREADS, Result, Server, bin_path, file_uri, free_port, json_headers
from pyramid.traversal import resource_path
from pyramid_zodbconn import get_connection

from partnership_cms import configure
from partnership_cms.content.services import create_content
from partnership_cms.demo import create_demo_users, load_seed_case
from partnership_cms.evolve import create_root
from partnership_cms.meetings import perform_act
from partnership_cms.scripting import act_as, app_request
from partnership_cms.security.accounts import create_user
from partnership_cms.workflow import get_workflows

BODIES = os.path.join(PROJECT, "bench", "bodies_vote")
MEMBERS = 61
PASSWORD = "bench-only-password"  # nobody logs in with it: the tokens are issued in the setup
CHOICES = ("ja", "nej", "avstar")
MAX_TRIES = 20  # per vote; a 409 is the server's answer after its own retries


def bodies_for(size, folder):
    """The bodies directory for ``size`` KF members: the bench's own for 61, else
    a copy in ``folder`` whose KF has ``size`` seats (a small run, e.g. the test's)."""
    if size == MEMBERS:
        return BODIES
    target = os.path.join(folder, f"bodies-{size}")
    os.makedirs(target, exist_ok=True)
    for name in os.listdir(BODIES):
        with open(os.path.join(BODIES, name), encoding="utf-8") as f:
            data = yaml.safe_load(f)
        if data["id"] == "KF":
            data.update(seats=size, members=data["members"][:size])
        with open(os.path.join(target, name), "w", encoding="utf-8") as f:
            yaml.safe_dump(data, f, allow_unicode=True)
    return target


class VoteDatabase:
    """A database with a KF meeting in session, all ``size`` members present."""

    def __init__(self, folder, size=MEMBERS):
        self.folder, self.size = folder, size
        self.data_fs = os.path.join(folder, "Votes.fs")
        self.bodies = bodies_for(size, folder)
        with open(os.path.join(self.bodies, "kf.yaml"), encoding="utf-8") as f:
            kf = yaml.safe_load(f)
        self.members, self.chair = kf["members"], kf["chair"]
        self.tokens = {}  # login -> bearer token
        self.meeting = None  # the meeting's path

    def settings(self):
        return dict(our_settings(file_uri(self.data_fs)), **{"partnership_cms.bodies": self.bodies})

    def app(self):
        """The WSGI app on this database; close ``app.registry._zodb_databases[""]`` when done."""
        return configure(self.settings()).make_wsgi_app()

    def create(self):
        """Build the database; returns the seconds it took."""
        t0 = time.perf_counter()
        app = self.app()
        try:
            with app_request(app.registry, root_required=False) as request:
                root, _ = create_root(get_connection(request).root(), app.registry)
                request.root = root
                create_demo_users(request)
                for number, login in enumerate(self.members, 1):
                    groups = ["kf_chair", "kf_member"] if login == self.chair else ["kf_member"]
                    create_user(request, login, PASSWORD, fullname=f"Ledamot {number} (KF)", groups=groups)
                proposal, _ = load_seed_case(request)
                users = root.principals.users
                workflows = get_workflows(app.registry)
                act_as(request, users["ks_chair"])
                workflows.perform(request, proposal, "ks_propose", {})
                act_as(request, users["clerk"])
                date = datetime.date.today() + datetime.timedelta(days=10)
                meeting = create_content(request, "Meeting", {
                    "title": "Kommunfullmäktiges sammanträde", "body": "KF", "date": date.isoformat(),
                    "time": "18:00", "place": "Fullmäktigesalen"})
                perform_act(request, meeting, "add_item", {"proposal": resource_path(proposal)})
                workflows.perform(request, meeting, "convene", {})
                act_as(request, users[self.chair])
                workflows.perform(request, meeting, "open", {})
                act_as(request, users["clerk"])
                perform_act(request, meeting, "roll_call", {"present": list(self.members)})
                act_as(request, None)
                self.meeting = resource_path(meeting)
                hours = 12
                self.tokens = {login: root.principals.issue_token(login, hours) for login in self.members}
        finally:
            app.registry._zodb_databases[""].close()
        return time.perf_counter() - t0

    def write_ini(self, port):
        path = os.path.join(self.folder, "votes.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(SERVER_INI.format(
                uri=file_uri(self.data_fs), port=port, threads=THREADS,
                schemas=os.path.join(PROJECT, "schemas"),
                workflows=os.path.join(PROJECT, "workflows"), bodies=self.bodies))
        return path


# -- the scenario -----------------------------------------------------------------------
def post(port, path, body, token):
    """One JSON POST on its own connection: (status, answer)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("POST", path, body=json.dumps(body).encode(), headers=json_headers(token))
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"null")
    finally:
        conn.close()


def vote_round(port, db, number):
    """One named vote: opened by the chair, every member at once, closed; returns
    (latencies, statuses, wall seconds of the burst, tries beyond the first)."""
    url = db.meeting + "/@meeting/"
    chair = db.tokens[db.chair]
    status, answer = post(port, url + "open_vote", {"item": 1, "ja": "approve", "nej": "reject",
                                                    "question": f"Votering {number}"}, chair)
    if status != 200:
        raise RuntimeError(f"open_vote: {status} {answer}")
    expected = {login: CHOICES[i % len(CHOICES)] for i, login in enumerate(db.members)}
    barrier = threading.Barrier(len(db.members) + 1)
    latencies, statuses, retries, ends = [], collections.Counter(), [0], []
    lock = threading.Lock()

    def cast(login):
        barrier.wait()
        t0 = time.perf_counter()
        tries = 0
        while True:
            tries += 1
            status, answer = post(port, url + "vote", {"item": 1, "vote": expected[login]}, db.tokens[login])
            if status != 409 or tries == MAX_TRIES:
                break
        elapsed = time.perf_counter() - t0
        with lock:
            statuses[status] += 1
            retries[0] += tries - 1
            if status == 200 and answer.get("counted"):
                latencies.append(elapsed)
            elif sum(statuses.values()) - len(latencies) == 1:  # the first failure of the round
                print(f"    first error in round {number}: {status} {str(answer)[:300]}", flush=True)
            ends.append(time.perf_counter())

    threads = [threading.Thread(target=cast, args=(login,)) for login in db.members]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = max(ends) - start
    status, closed = post(port, url + "close_vote", {"item": 1, "casting": "ja"}, chair)
    if status != 200:
        raise RuntimeError(f"close_vote: {status} {closed}")
    counts = collections.Counter(expected.values())
    if closed["counts"] != {c: counts.get(c, 0) for c in CHOICES}:
        raise RuntimeError(f"round {number}: the tally {closed['counts']} is not the votes cast {dict(counts)}")
    return latencies, statuses, wall, retries[0]


def run(db, rounds, log_dir):
    """Serve ``db`` and run ``rounds`` votes; returns a harness Result (rate over the bursts)."""
    port = free_port()
    server = Server([bin_path("pserve"), db.write_ini(port)], port, os.path.join(log_dir, "pserve-votes.log"))
    try:
        server.start()
        conflicts0 = server.count_in_log(CONFLICT_LOG)
        cpu0 = server.cpu_seconds()
        latencies, statuses, walls, retries = [], collections.Counter(), [], 0
        for number in range(1, rounds + 1):
            lat, st, wall, tried = vote_round(port, db, number)
            latencies += lat
            statuses.update(st)
            walls.append(wall)
            retries += tried
            print(f"    round {number}: {len(lat)} votes in {wall * 1000:.0f} ms "
                  f"({len(lat) / wall:.1f} votes/s, p95 {sorted(lat)[int(0.95 * (len(lat) - 1))] * 1000:.0f} ms)",
                  flush=True)
        wall = sum(walls)
        errors = sum(n for s, n in statuses.items() if s != 200)
        # The server's CPU over the bursts, the chair's openings and closings included.
        cpu = (server.cpu_seconds() - cpu0) / wall
        result = Result(f"cast vote  {len(db.members)} members at once", latencies, errors, wall, statuses,
                        note=f"; {rounds} rounds, {retries} tries after a 409; server CPU {cpu:.0%}")
        result.conflicts = server.count_in_log(CONFLICT_LOG) - conflicts0
        print("  " + result.line(), flush=True)
        return result
    finally:
        server.stop()
