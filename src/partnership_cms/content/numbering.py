"""Gapless, unique numbers: diarienummer per series and year, § per body and year.

Each series-year has its own small Counter object. It deliberately has no
conflict resolution: two transactions that take the next number at once
conflict, and pyramid_retry re-runs the loser, which then takes the number
after. A ``BTrees.Length`` would instead add the two increments together and
hand out the same number twice. The counter only moves in a transaction that
commits, so numbers have no gaps. (Within one process, writes queue anyway:
``write_queue.py``.)
"""
import datetime
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


def number_and_name(numbering, settings, root, values, *, name=None, year=None):
    """The number values and the URL name a new object gets, by its type's
    ``numbering`` declaration (``schema.typedef.Numbering``).

    ``case_number``: a diarienummer of the series and format in the settings
    (``AppSettings.dnr_series``, ``dnr_format``) goes into
    the declared field, unless ``values`` bring one; the name comes from it.
    ``sequence``: no number field; the name is ``<prefix>-<year>-<n>``.
    A ``name`` given by the caller is kept, and then takes no number of a sequence.
    Returns ``({field: number}, name)``.
    """
    year = year or datetime.date.today().year
    numbers = {}
    if numbering.kind == "case_number":
        if numbering.field not in values:
            series, fmt = settings.dnr_series, settings.dnr_format
            numbers[numbering.field] = format_case_number(fmt, series, year,
                                                          next_number(root, series, year))
        if name is None:
            name = name_from_case_number(numbers.get(numbering.field) or values[numbering.field])
    elif name is None:
        name = f"{numbering.prefix}-{year}-{next_number(root, numbering.prefix, year)}"
    return numbers, name
