"""Two server processes on one storage, on ZEO and on RelStorage/PostgreSQL.

Each process is ``pserve`` (waitress, 4 threads) on an .ini that differs from
the other's only in its port, as production-zeo.ini and
production-relstorage.ini run them. Client threads create cases and
move them on through both processes at once for a few seconds, while another
thread contests transitions: the same case submitted through both processes
at the same moment. Each process queues its own writes (``write_queue.py``);
without a shared write lock the two queues know nothing of each other, their
transactions conflict on the shared counters and index buckets, and
pyramid_retry re-runs the loser. With one (``partnership_cms.write_lock``: a
file on ZEO's host, a PostgreSQL advisory lock for RelStorage) they take turns.

Then: every acknowledged write is there, case numbers and § numbers are
unique and gapless, each contested transition had exactly one winner, every
case has its audit entry, and both ``audit-verify`` and ``check-catalog``
pass on the storage (``test_durability.check`` and the commands).
"""
import collections
import threading
import time

from conftest import close_app, make_app, write_ini
from partnership_cms import cli

from .test_concurrency import PROPOSAL
from .test_durability import LOAD_SECONDS, Acknowledged, Load, Served, call, check, log_in, path_of

CONTESTED_ROUNDS = 8


def contest(servers, tokens, rounds, results, stop):
    """Create a case, then submit it through both processes at once; record the statuses."""
    for _round in range(rounds):
        if stop.is_set():
            return
        status, doc = call(servers[0].port, "POST", "/proposals", PROPOSAL, tokens[0]["officer"])
        if status != 201:
            continue
        path = path_of(doc["@id"])
        barrier, statuses = threading.Barrier(len(servers)), {}

        def submit(n, path=path, barrier=barrier, statuses=statuses):
            barrier.wait()
            statuses[n] = call(servers[n].port, "POST", f"{path}/@workflow/submit",
                               {"comment": f"process {n}"}, tokens[n]["officer"])[0]

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(len(servers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        results.append((path, doc["dnr"], sorted(statuses.values())))


def test_two_processes_on_one_storage(engine, tmp_path, capsys):
    servers = run_two_processes(engine, tmp_path, capsys)
    # The processes did collide, and pyramid_retry re-ran the losers.
    retries = sum(server.log().count("conflict: retrying") for server in servers)
    assert retries > 0, "the two processes never conflicted: the test tested nothing"


def test_two_processes_taking_turns_through_a_shared_write_lock(engine, tmp_path, capsys):
    run_two_processes(engine, tmp_path, capsys, write_lock=engine.write_lock())


def run_two_processes(engine, tmp_path, capsys, write_lock=""):
    """Load two processes on ``engine`` and check everything they acknowledged; returns the servers."""
    app = make_app(tmp_path, **{"zodbconn.uri": engine.uri("init")})  # demo users and the seed case
    close_app(app)

    # One host: the two processes share its blob cache (RelStorage) or the server's folder (ZEO).
    # retry.attempts as in production-zeo.ini and production-relstorage.ini: the two
    # processes' writes conflict, and on a loaded machine three attempts can all lose.
    settings = {"zodbconn.uri": engine.uri("host"), "retry.attempts": "5",
                "partnership_cms.write_lock": write_lock}
    servers = [Served(tmp_path, f"server{n}", **settings) for n in range(2)]
    try:
        for server in servers:
            server.start()
        tokens = [log_in(server.port) for server in servers]
        acknowledged = Acknowledged()
        loads = [Load(server.port, tokens[n], acknowledged) for n, server in enumerate(servers)]
        contested, stop = [], threading.Event()
        contester = threading.Thread(target=contest, args=(servers, tokens, CONTESTED_ROUNDS, contested, stop))
        started = time.monotonic()
        for load in loads:
            load.start()
        contester.start()
        for load in loads:
            load.join()
        stop.set()
        contester.join(60)
        assert time.monotonic() - started < LOAD_SECONDS + 60

        statuses = sum((load.statuses for load in loads), collections.Counter())
        assert [load.cut_off for load in loads] == [0, 0]
        assert {status for status in statuses if status >= 500} == set(), statuses
        assert all(load.statuses[201] > 0 for load in loads), "each process acknowledged creations"
        # Exactly one winner of each contested transition; the loser is told 409, not 500.
        assert contested, "no contested round ran"
        assert [statuses for _path, _dnr, statuses in contested] == [[200, 409]] * len(contested)
        for path, dnr, _statuses in contested:
            acknowledged.created(path, dnr)
            acknowledged.moved(path, "review")
            status, history = call(servers[1].port, "GET", f"{path}/@history", token=tokens[1]["officer"])
            assert [entry["action"] for entry in history].count("submit") == 1

        # Every acknowledged write, gapless numbers, audit entries, a verifying trail: seen
        # through either process.
        for n, server in enumerate(servers):
            problems, lost = check(server.port, tokens[n]["auditor"], acknowledged)
            assert (problems, lost) == ([], 0), f"through process {n}"
    finally:
        for server in servers:
            server.kill()

    ini = write_ini(tmp_path, "command.ini", **{"zodbconn.uri": engine.uri("command")})
    assert cli.main(["audit-verify", ini]) == 0, capsys.readouterr().err
    assert cli.main(["check-catalog", ini]) == 0, capsys.readouterr().out
    return servers
