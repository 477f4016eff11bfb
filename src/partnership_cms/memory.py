"""Large temporary buffers go back to the operating system.

argon2id hashes a password in 19 MiB of memory (``security/users.py``).
glibc's malloc serves blocks that large with mmap and unmaps them when they
are freed, but after the first such free it raises its threshold to that
size, so every later hash is served from the calling thread's heap arena and
stays resident: measured, four waitress threads that each checked a password
kept 76 MB. Fixing the threshold at 1 MiB keeps every large block on mmap.
"""
import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # from glibc's <malloc.h>
THRESHOLD_BYTES = 1024 * 1024


def return_large_blocks_to_the_system():
    """Fix glibc's mmap threshold; True when set (elsewhere nothing happens)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES) == 1
