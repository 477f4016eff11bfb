"""Gapless, unique numbers: diarienummer per series and year, § per body and year.

Each series-year has its own small Counter object. It deliberately has no
conflict resolution: two transactions that take the next number at once
conflict, and pyramid_retry re-runs the loser, which then takes the number
after. A ``BTrees.Length`` would instead add the two increments together and
hand out the same number twice. The counter only moves in a transaction that
commits, so numbers have no gaps. (Within one process, writes queue anyway:
``write_queue.py``.)
"""
import re

from persistent import Persistent

from ..settings import DEFAULT_DNR_FORMAT  # noqa: F401  (the format lives with the settings)


class Counter(Persistent):
    def __init__(self):
        self.value = 0


def next_number(root, series, year):
    """Take the next number of ``series`` in ``year`` (1, 2, 3, ...)."""
    key = (series, int(year))
    counter = root.counters.get(key)
    if counter is None:
        counter = root.counters[key] = Counter()
    counter.value += 1
    return counter.value


def format_case_number(fmt, series, year, number):
    """Apply the configured diarienummer format, e.g. ``KS-2021/457``."""
    return fmt.format(series=series, year=year, number=number)


def name_from_case_number(case_number):
    """A URL-safe object name for a case number: ``KS-2021/457`` -> ``ks-2021-457``."""
    return re.sub(r"[^a-z0-9]+", "-", case_number.lower()).strip("-")
