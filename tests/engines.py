"""The storage engines several processes share, for the tests: a ZEO server and
RelStorage on PostgreSQL, each started and removed by the test that uses it.
``bench/harness.py`` imports the same classes for ``api_bench.py --storage``.

PostgreSQL: the server at 127.0.0.1:5432 (trust authentication, user
``postgres``), as the project's machines run it. Where none answers (a fresh
machine), a throwaway cluster is made from Debian's ``postgresql`` binaries
(``/usr/lib/postgresql/*/bin/initdb`` and ``pg_ctl``) in a temporary folder,
on a free port, and stopped at the end of the session. initdb refuses to run
as root, so as root the cluster belongs to ``nobody`` and its programs run
under ``runuser -u nobody``. Each test gets a database of its own
(``pcms_test_<random>``), dropped when it ends. With neither (no server, no
binaries) the tests skip, except where ``CI=true``: there they fail, so that
RelStorage is never silently left untested.

ZEO: ``python -m ZEO.runzeo`` in a subprocess on a free port, over a
FileStorage and a blob folder in the test's folder, with this tree's code
on its path (the server resolves conflicts and may need our classes).
"""
import contextlib
import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import psycopg2
import pytest

HOST = "127.0.0.1"
PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENGINES = ("zeo", "relstorage")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason):
    """Skip the test, or fail it in CI (RelStorage must be tested there)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the engine tests may not be skipped)")
    pytest.skip(reason)


def code_env():
    """The environment of a subprocess: this tree's code first on the path."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(PROJECT, "src"),
                                                        os.environ.get("PYTHONPATH", "")]))


# -- PostgreSQL -----------------------------------------------------------------------------
def answers(port):
    try:
        psycopg2.connect(host=HOST, port=port, user="postgres", dbname="postgres", connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


def postgres_binaries():
    """The folder of the newest Debian PostgreSQL binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary folder, trust authentication, on a free port."""

    def __init__(self, bindir):
        self.bindir = bindir
        self.folder = tempfile.mkdtemp(prefix="pcms-pg-")
        self.data = os.path.join(self.folder, "data")
        self.port = free_port()
        # initdb and postgres refuse root: as root, the cluster is nobody's.
        self.prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            os.chmod(self.folder, 0o755)
            shutil.chown(self.folder, "nobody")

    def run(self, program, *args):
        return subprocess.run(self.prefix + [os.path.join(self.bindir, program), *args],
                              capture_output=True, text=True, timeout=120)

    def start(self):
        made = self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--no-sync")
        if made.returncode:
            raise RuntimeError(f"initdb failed: {made.stderr}")
        options = (f"-p {self.port} -c listen_addresses={HOST} -c unix_socket_directories={self.folder} "
                   "-c fsync=off")
        started = self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "log"),
                           "-o", options, "-w", "start")
        if started.returncode:
            raise RuntimeError(f"pg_ctl start failed: {started.stderr}{started.stdout}")
        return self

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class Postgres:
    """The PostgreSQL server the tests use; ``database()`` makes a throwaway database."""

    def __init__(self):
        self.port, self.cluster, self.reason = None, None, None
        if answers(5432):
            self.port = 5432
            return
        bindir = postgres_binaries()
        if bindir is None:
            self.reason = ("no PostgreSQL answers at 127.0.0.1:5432 and Debian's postgresql "
                           "binaries are not installed (make packages)")
            return
        try:
            self.cluster = ThrowawayCluster(bindir).start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            self.reason = f"no PostgreSQL at 127.0.0.1:5432, and a throwaway cluster did not start: {e}"
            return
        self.port = self.cluster.port

    def admin(self):
        conn = psycopg2.connect(host=HOST, port=self.port, user="postgres", dbname="postgres")
        conn.autocommit = True  # CREATE/DROP DATABASE run outside a transaction
        return conn

    def create_database(self, prefix="pcms_test_"):
        name = prefix + secrets.token_hex(6)
        with contextlib.closing(self.admin()) as conn, conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name):
        with contextlib.closing(self.admin()) as conn, conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self):
        if self.cluster is not None:
            self.cluster.stop()


def relstorage_uri(port, dbname, blob_dir, shared_blob_dir=False, connection_cache_size=20000):
    """RelStorage's zodburi URI; with ``shared_blob_dir=False`` the blobs live in the
    database and ``blob_dir`` is this process's cache of them."""
    return (f"postgres://postgres@{HOST}:{port}/{dbname}?blob_dir={blob_dir}"
            f"&shared_blob_dir={'true' if shared_blob_dir else 'false'}&cache_local_mb=32"
            f"&connection_cache_size={connection_cache_size}")


# -- ZEO ------------------------------------------------------------------------------------
class ZeoServer:
    """``runzeo`` over ``folder``/zeo/Data.fs and its blob folder, on a free port;
    with ``storages`` (names), one FileStorage and blob folder per name instead
    (``<name>.fs``, ``blobs-<name>``; a client picks one with ``storage=<name>``)."""

    def __init__(self, folder, storages=None):
        self.folder = os.path.join(str(folder), "zeo")
        os.makedirs(self.folder, exist_ok=True)
        self.storages = storages
        self.blob_dir = os.path.join(self.folder, "blobs")
        self.proc, self.port = None, None

    def blob_dir_of(self, storage):
        return os.path.join(self.folder, f"blobs-{storage}")

    def data_fs_of(self, storage):
        return os.path.join(self.folder, f"{storage}.fs")

    def storage_sections(self):
        if self.storages is None:
            return (f"<filestorage>\n  path {self.folder}/Data.fs\n"
                    f"  blob-dir {self.blob_dir}\n</filestorage>\n")
        return "".join(f"<filestorage {name}>\n  path {self.data_fs_of(name)}\n"
                       f"  blob-dir {self.blob_dir_of(name)}\n</filestorage>\n"
                       for name in self.storages)

    def start(self):
        for _attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            conf = os.path.join(self.folder, "zeo.conf")
            with open(conf, "w", encoding="utf-8") as f:
                f.write(f"<zeo>\n  address {HOST}:{self.port}\n</zeo>\n" + self.storage_sections())
            log = open(os.path.join(self.folder, "zeo.log"), "ab")  # noqa: SIM115 (kept by the child)
            self.proc = subprocess.Popen([sys.executable, "-m", "ZEO.runzeo", "-C", conf], stdout=log,
                                         stderr=subprocess.STDOUT, env=code_env(), start_new_session=True)
            log.close()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1):
                    return self
                time.sleep(0.05)
            self.stop()
        raise RuntimeError("the ZEO server did not start: " + self.log()[-2000:])

    def log(self):
        with open(os.path.join(self.folder, "zeo.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
            self.proc = None


ZEO_CLIENT_CONF = """\
%import ZEO
<zodb>
  cache-size {connection_cache_size}
  <clientstorage>
    server {host}:{port}
    storage {storage}
    cache-size 64MB
    blob-dir {blob_dir}
    shared-blob-dir {shared_blob_dir}
    server-sync true
  </clientstorage>
</zodb>
"""


def zeo_uri(port, blob_dir, shared_blob_dir=True, storage="1", connection_cache_size=20000):
    """A ``zconfig://`` URI of a ZEO client as production-zeo.ini's (zeo-client.conf):
    with ``server-sync``, which zodburi's ``zeo://`` cannot set, so that a process sees
    what another committed before its transaction began. With ``shared_blob_dir=True``
    ``blob_dir`` is the server's own blob folder, else this client's cache. The file is
    written beside ``blob_dir``."""
    path = os.path.join(os.path.dirname(os.path.abspath(blob_dir)),
                        f"zeo-client-{storage}-{connection_cache_size}-{int(shared_blob_dir)}.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(ZEO_CLIENT_CONF.format(host=HOST, port=port, storage=storage, blob_dir=blob_dir,
                                       shared_blob_dir="true" if shared_blob_dir else "false",
                                       connection_cache_size=connection_cache_size))
    return f"zconfig://{path}"


# -- one storage for a test ---------------------------------------------------------------
class Engine:
    """A running storage for one test; ``uri(client)`` is the zodbconn.uri of one
    process (``client`` names its own blob cache where blobs are not shared)."""

    def __init__(self, name, folder, postgres=None):
        self.name, self.folder, self.postgres = name, str(folder), postgres
        self.zeo, self.dbname = None, None

    def start(self):
        if self.name == "zeo":
            self.zeo = ZeoServer(self.folder).start()
        else:
            self.dbname = self.postgres.create_database()
        return self

    def uri(self, client="main"):
        if self.name == "zeo":
            return zeo_uri(self.zeo.port, self.zeo.blob_dir, shared_blob_dir=True)
        cache = os.path.join(self.folder, f"blobcache-{client}")
        return relstorage_uri(self.postgres.port, self.dbname, cache)

    def write_lock(self):
        """The ``partnership_cms.write_lock`` its processes share: a file beside the ZEO
        server (one host), an advisory lock in the database (RelStorage)."""
        if self.name == "zeo":
            return f"file:{os.path.join(self.folder, 'write.lock')}"
        return f"postgresql://postgres@{HOST}:{self.postgres.port}/{self.dbname}"

    def stop(self):
        if self.zeo is not None:
            self.zeo.stop()
        if self.dbname is not None:
            self.postgres.drop_database(self.dbname)


@pytest.fixture(scope="session")
def postgres():
    server = Postgres()
    yield server
    server.close()


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path):
    """A running ZEO server or a fresh PostgreSQL database for RelStorage."""
    postgres = None
    if request.param == "relstorage":
        postgres = request.getfixturevalue("postgres")
        if postgres.port is None:
            unavailable(postgres.reason)
    engine = Engine(request.param, tmp_path, postgres).start()
    yield engine
    engine.stop()
