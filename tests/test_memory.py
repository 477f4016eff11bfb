"""A server process does not keep argon2id's 19 MiB buffers after log-ins."""
import subprocess
import sys

import pytest

from partnership_cms.memory import return_large_blocks_to_the_system

CHECK_PASSWORDS_IN_FOUR_THREADS = """
import sys, threading
from partnership_cms.memory import return_large_blocks_to_the_system
from partnership_cms.security.users import User

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmRSS"))

if sys.argv[1] == "fixed":
    assert return_large_blocks_to_the_system()
user = User("officer")
user.set_password("demo")
before = rss_mb()
threads = [threading.Thread(target=lambda: [user.check_password("demo") for _ in range(3)])
           for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(rss_mb() - before)
"""


def grown_mb(mode):
    out = subprocess.run([sys.executable, "-c", CHECK_PASSWORDS_IN_FOUR_THREADS, mode],
                         capture_output=True, text=True, check=True, timeout=120)
    return int(out.stdout.split()[-1])


def test_password_checks_in_threads_leave_no_buffers_resident():
    if not return_large_blocks_to_the_system():
        pytest.skip("not glibc: its malloc threshold is what this fixes")
    assert grown_mb("fixed") < 19  # less than one argon2id buffer
    assert grown_mb("default") >= 19  # what it fixes: without it, buffers stay
