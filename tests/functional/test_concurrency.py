"""Concurrent requests against a real waitress server on a real FileStorage:
the same transition twice at once, many creations at once, many writes of
one process at once, and a conflict that outlives the retries.

One process queues its writes (``write_queue.py``); several processes do
not share that queue, so the rules that must hold between processes are
tested with the queue off as well (``write_queue=false``: the threads then
write side by side and collide like two processes)."""
import http.client
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import waitress
from pyramid_retry import IBeforeRetry
from waitress import wasyncore

from conftest import make_app

PROPOSAL = {
    "@type": "Proposal",
    "title": "Samverkan om praktikplatser",
    "unit": "Kommunstyrelsens förvaltning",
    "decision_points": ["Avtalet godkänns."],
    "summary": "Kommunen och högskolan föreslås samverka.",
    "recipients": ["Södertörns högskola"],
}


@contextmanager
def serving(app):
    """``app`` served by waitress (4 threads) on a free port; yields a client."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except OSError:  # a socket closed under the loop while it stops
            if not stopping.is_set():
                raise

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    try:
        yield Client("127.0.0.1", server.effective_port)
    finally:
        stopping.set()
        # Stop in the order of waitress' own MultiSocketServer.close(): the task
        # threads first, then the sockets. A task thread may still be finishing
        # a request whose response the client has read already; its last step
        # pulls the loop's trigger, which must still be open then. The loop keeps
        # running meanwhile, so a thread waiting for its output to be sent ends.
        dispatcher = server.task_dispatcher
        dispatcher.shutdown(timeout=60)
        # Close every socket from inside the server's own loop, which then ends.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        runner.join(60)
        app.registry._zodb_databases[""].close()
        if dispatcher.threads:
            raise RuntimeError(f"{len(dispatcher.threads)} waitress thread(s) still serving after 60 s")


class Client:
    """A minimal JSON client over http.client (one connection per request)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.tokens = {}

    def request(self, method, path, body=None, user=None):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if user:
            headers["Authorization"] = "Bearer " + self.token(user)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, json.dumps(body).encode() if body is not None else None,
                         headers)
            response = conn.getresponse()
            raw = response.read().decode("utf-8")
            return response.status, raw
        finally:
            conn.close()

    def json(self, method, path, body=None, user=None):
        status, raw = self.request(method, path, body, user)
        return status, json.loads(raw)

    def token(self, user):
        if user not in self.tokens:
            status, raw = self.request("POST", "/@login", {"login": user, "password": "demo"})
            assert status == 200, raw
            self.tokens[user] = json.loads(raw)["token"]
        return self.tokens[user]

    def create(self, user="officer", **fields):
        return self.json("POST", "/proposals", dict(PROPOSAL, **fields), user)


def at_once(count, fn):
    """Run ``fn(i)`` in ``count`` threads that start together; returns the results."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def path_of(doc):
    return "/" + doc["@id"].split("//", 1)[1].split("/", 1)[1]


def dnr_number(dnr):
    return int(dnr.rsplit("/", 1)[1])


@pytest.fixture(params=["queued", "side_by_side"])
def client(request, tmp_path):
    queue = "true" if request.param == "queued" else "false"
    app = make_app(tmp_path, **{"partnership_cms.write_queue": queue})
    with serving(app) as client:
        for user in ("officer", "director", "auditor"):
            client.token(user)  # log in before the rounds: logins write audit entries too
        client.retries = retries_of(app)
        yield client


def retries_of(app):
    """A list that grows by one each time the app retries a request after a conflict."""
    retries = []
    app.registry.registerHandler(lambda event: retries.append(event), (IBeforeRetry,))
    return retries


@pytest.mark.parametrize("transition,user", [("submit", "officer"), ("approve", "director")])
def test_same_transition_twice_at_once_succeeds_once(client, transition, user):
    for _ in range(3):
        status, doc = client.create()
        assert status == 201
        url = path_of(doc)
        if transition == "approve":
            assert client.json("POST", url + "/@workflow/submit", {}, "officer")[0] == 200

        def perform(i, url=url):
            return client.json("POST", f"{url}/@workflow/{transition}",
                               {"comment": f"försök {i}"}, user)

        results = at_once(2, perform)

        assert sorted(status for status, _ in results) == [200, 409]
        loser = next(body for status, body in results if status == 409)
        assert loser["type"] == "Conflict"
        history = client.json("GET", url + "/@history", user=user)[1]
        assert [h["action"] for h in history].count(transition) == 1
        status, trail = client.json("GET", f"/@audit?object={url}&action=transition&b_size=100",
                                    user="auditor")
        assert [e["details"]["action"] for e in trail["items"]].count(transition) == 1


def test_simultaneous_creations_get_distinct_gapless_numbers(client):
    threads, per_thread = 4, 10

    def create_many(i):
        made = []
        for n in range(per_thread):
            # The server retries conflicts itself; a client that still gets 409
            # is told to try again, and a refused creation takes no number.
            for _attempt in range(10):
                status, doc = client.create(title=f"Förslag {i}-{n}")
                if status != 409:
                    break
            assert status == 201, doc
            made.append(doc)
        return made

    created = [doc for made in at_once(threads, create_many) for doc in made]

    numbers = sorted(dnr_number(doc["dnr"]) for doc in created)
    assert numbers == list(range(2, threads * per_thread + 2))  # the seed case is number 1
    status, listing = client.json("GET", "/@search?portal_type=Proposal&b_size=100", user="officer")
    listed = sorted(dnr_number(item["dnr"]) for item in listing["items"])
    assert listed == list(range(1, threads * per_thread + 2))
    status, trail = client.json("GET", "/@audit?action=create&actor=officer&b_size=1000",
                                user="auditor")
    created_paths = {e["path"] for e in trail["items"] if e["type"] == "Proposal"}
    assert created_paths >= {path_of(doc) for doc in created}


def test_writes_of_one_process_queue_instead_of_conflicting(tmp_path):
    """Transitions and edits of different cases by one user, four at a time:
    in one process they take turns, so none of them conflicts and is retried."""
    app = make_app(tmp_path)
    with serving(app) as client:
        paths = []
        for i in range(16):
            status, doc = client.create(title=f"Förslag {i}")
            assert status == 201
            paths.append(path_of(doc))
        retries = retries_of(app)

        def work(i):
            statuses = []
            for path in paths[i::4]:
                statuses.append(client.request("PATCH", path, {"background": f"Bakgrund {i}"}, "officer")[0])
                statuses.append(client.request("POST", path + "/@workflow/submit", {}, "officer")[0])
            return statuses

        statuses = [status for batch in at_once(4, work) for status in batch]

        assert statuses == [200] * 32
        assert retries == []
        states = {client.json("GET", path, user="officer")[1]["review_state"] for path in paths}
        assert states == {"review"}


def test_conflict_on_the_last_attempt_is_a_json_409(tmp_path):
    """Two edits of the same case at once, with no retry left: one is a JSON 409.

    The queue is off: within one process writes take turns, so this is what
    two server processes writing at once meet."""
    settings = {"retry.attempts": "1", "partnership_cms.write_queue": "false"}
    with serving(make_app(tmp_path, **settings)) as client:
        client.token("officer")
        client.token("auditor")
        status, created = client.json("POST", "/proposals", PROPOSAL, user="officer")
        path = created["@id"].split("//", 1)[1].split("/", 1)[1]
        saved = 0
        for round_ in range(50):
            results = at_once(2, lambda i, r=round_: client.request(
                "PATCH", "/" + path, {"summary": f"Samtidigt {r}-{i}"}, "officer"))
            saved += sum(1 for status, _ in results if status == 200)
            conflicts = [raw for status, raw in results if status == 409]
            if conflicts:
                break
        else:
            pytest.fail("no two edits ever conflicted")

        body = json.loads(conflicts[0])
        assert body["type"] == "Conflict"
        assert body["message"]
        assert "Traceback" not in conflicts[0] and "ConflictError" not in conflicts[0]

        # The refused edit left no audit entry.
        status, trail = client.json("GET", f"/@audit?action=edit&object=/{path}&b_size=1000", user="auditor")
        assert trail["items_total"] == saved
        assert client.json("GET", "/@audit/verify", user="auditor")[1]["valid"] is True


def test_serving_stops_cleanly_while_a_task_is_still_finishing(tmp_path, monkeypatch, caplog):
    """The last thing a waitress task does, after the client has read its
    response, is pull the loop's trigger. A teardown that closes the sockets
    while a task thread is still there makes that pull write to a closed (or
    reused) pipe: ``OSError: [Errno 9] Bad file descriptor``. Here every pull
    from a task thread comes late, so the teardown must wait for the tasks."""
    pull = waitress.server.BaseWSGIServer.pull_trigger

    def late_pull(server):
        if threading.current_thread().name.startswith("waitress-"):
            time.sleep(0.3)
        pull(server)

    monkeypatch.setattr(waitress.server.BaseWSGIServer, "pull_trigger", late_pull)
    with caplog.at_level(logging.ERROR, logger="waitress"), serving(make_app(tmp_path)) as client:
        client.token("officer")  # one request served, its response read
    assert [r.getMessage() for r in caplog.records if r.name.startswith("waitress")] == []
