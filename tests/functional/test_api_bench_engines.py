"""The API bench's engine setup (bench/api_bench.py --storage, --processes) at a
tiny size: our database and the bare one built into their own storages of the
same engine, two server processes on one storage, requests round robin over
them, everything stopped and dropped at the end. No timing here: the bench
prints figures, tests never do."""
import argparse
import contextlib
import http.server
import os
import sys
import threading

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")
sys.path.insert(0, BENCH)
import api_bench  # noqa: E402  (the bench's modules import each other by their own names)
import dataset  # noqa: E402
import harness  # noqa: E402

import engines  # noqa: E402


@pytest.mark.parametrize("name", engines.ENGINES)
def test_the_bench_builds_both_databases_on_one_engine_and_serves_them_from_two_processes(
        name, tmp_path, postgres):
    if name == "relstorage" and postgres.port is None:
        engines.unavailable(postgres.reason)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    storages = harness.make_storages(name, str(tmp_path))
    try:
        assert storages.uri("app") != storages.uri("bare")
        harness.build_baseline(storages)
        db = dataset.OurDatabase(str(tmp_path), storages)
        db.create()
        db.grow(3)
        total, by_state, entries = db.counts()
        assert total == 4 and sum(by_state.values()) == 4 and entries > 4
        assert storages.app_bytes() > 0
        figures = harness.run_baseline(storages, argparse.Namespace(seconds=0.2), str(log_dir),
                                       processes=2)
        for key in ("page", "commit"):
            assert figures[key].count > 0 and figures[key].errors == 0, figures[key].statuses
            assert figures[key].engine_cpu is not None
    finally:
        storages.stop()
    if name == "zeo":
        assert storages.zeo.proc is None
    else:
        with contextlib.closing(postgres.admin()) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = ANY(%s)",
                           (list(storages.dbnames.values()),))
            assert cursor.fetchone()[0] == 0


def test_the_client_spreads_requests_over_the_processes_round_robin():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as waitress

        def do_GET(self):
            hits.append(self.server.server_address[1])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    servers = [http.server.ThreadingHTTPServer((harness.HOST, 0), Handler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ports = [server.server_address[1] for server in servers]
        result = harness.run_load("rr", ports, lambda i, rng: ("GET", "/", None, {}), seconds=30,
                                  max_requests=40, threads=2)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert result.count == 40 and result.errors == 0
    assert hits.count(ports[0]) == hits.count(ports[1]) == 20


def test_several_processes_on_a_filestorage_are_refused_with_a_reason(capsys):
    with pytest.raises(SystemExit) as refused:
        api_bench.main(["--processes", "1,2"])
    assert refused.value.code == 2
    assert "FileStorage is opened by one process only" in capsys.readouterr().err
