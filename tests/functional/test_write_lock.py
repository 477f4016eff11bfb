"""The write lock several processes share (``partnership_cms.write_lock``): two
holders of the same lock, as two processes hold it, never write at once, on a
file (one host) and on PostgreSQL (any host), and a lock that cannot be
taken lets the write go on (correctness rests on ZODB's conflicts, not on it)."""
import threading
import time

import pytest

from engines import HOST
from partnership_cms.write_queue import FileLock, PostgresLock, shared_lock


def overlapping(lock_a, lock_b, rounds=20):
    """How often the holders of ``lock_a`` and ``lock_b`` (one lock, two holders) were inside at once."""
    inside, overlaps, guard = [0], [0], threading.Lock()

    def hold(lock):
        for _ in range(rounds):
            with lock:
                with guard:
                    inside[0] += 1
                    overlaps[0] += inside[0] > 1
                time.sleep(0.002)  # a write's work, for the other holder to run into
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=hold, args=(lock,)) for lock in (lock_a, lock_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return overlaps[0]


def test_two_holders_of_one_file_lock_take_turns(tmp_path):
    path = str(tmp_path / "write.lock")
    a, b, other = FileLock(path), FileLock(path), FileLock(str(tmp_path / "other.lock"))
    try:
        assert overlapping(a, b) == 0
        # Two different files are two locks: their holders do meet (the test can fail).
        assert overlapping(a, other) > 0
    finally:
        for lock in (a, b, other):
            lock.close()


def test_two_holders_of_one_advisory_lock_take_turns(postgres, caplog):
    if postgres.port is None:
        pytest.skip(postgres.reason)
    dbname = postgres.create_database()
    try:
        dsn = f"postgresql://postgres@{HOST}:{postgres.port}/{dbname}"
        a, b = PostgresLock(dsn), PostgresLock(dsn)
        assert overlapping(a, b) == 0
        assert overlapping(a, shared_lock("")) > 0  # no shared lock: the holders meet
        # The connection went away (a restarted database): the next write takes a new one.
        a.connection.close()
        with a:
            assert a.held
        a.close()
        b.close()
        # A holder that hangs holds the others up for the wait at most; then they go on.
        held, waiting = PostgresLock(dsn), PostgresLock(dsn, wait_seconds=1)
        with held, waiting:
            assert not waiting.held and held.held
        assert "lock timeout" in caplog.text  # it waited for the holder, then went on
        held.close()
        waiting.close()
    finally:
        postgres.drop_database(dbname)


def test_a_lock_that_cannot_be_taken_lets_the_write_go_on(caplog):
    lock = PostgresLock(f"postgresql://nobody@{HOST}:1/none")  # nothing listens on port 1
    with lock:
        assert not lock.held
    assert "write lock not taken" in caplog.text


def test_an_unknown_lock_stops_the_start_up():
    with pytest.raises(ValueError, match="write_lock"):
        shared_lock("redis://127.0.0.1")
