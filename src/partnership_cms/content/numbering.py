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

from .. import dates
from ..errors import ServiceError
from ..i18n import _
from ..settings import DEFAULT_DNR_FORMAT  # noqa: F401  (the format lives with the settings)


class NumberTaken(ServiceError):
    """A number given from outside (an imported protocol's §) is held by another object."""

    code = "number_taken"


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


def raise_number(root, series, year, number):
    """Make the series-year's next number come after ``number``, one given
    from outside (an imported protocol's §). The numbers between the counter
    and it are those the paper protocols used before they reached the system."""
    key = (series, int(year))
    counter = root.counters.get(key)
    if counter is None:
        counter = root.counters[key] = Counter()
    if counter.value < number:
        counter.value = number


def current_number(root, series, year):
    """The last number taken in a series-year (0: none yet)."""
    counter = root.counters.get((series, int(year)))
    return counter.value if counter is not None else 0


def paragraph_series(body):
    """The counter series of a body's § numbers: ``"§KS"``."""
    return "§" + body


def paragraph_name(body, year, number):
    """The URL name of a decision: ``ks-2026-p3`` for KS § 3 of 2026.

    The ``p`` (paragraf) keeps it apart from the case ``ks-2026-3`` (KS-2026/3),
    which the name without it was mistaken for; plain ASCII rather than ``§``
    so that the name reads the same in the address bar, a pasted link, the
    audit trail's chain names and the logs (``§`` would be ``%C2%A7`` there).
    """
    return f"{body.lower()}-{year}-p{number}"


def holder_of_number(numbering, folder, series_value, year, number):
    """The object in ``folder`` that holds § ``number`` of ``series_value`` in ``year``, or None."""
    for obj in folder.values():
        data = obj.data
        day = data.get(numbering.year_from)
        if (data.get(numbering.field) == number and data.get(numbering.per) == series_value
                and day is not None and day.year == year):
            return obj
    return None


def _paragraph(numbering, root, folder, values):
    """§ numbering: ``({field: n}, name)``, or ``({}, None)`` without a body or a date.

    A § the values bring (an imported protocol's) raises the counter so that
    the next decision follows it; one another object holds is refused
    (NumberTaken): the § is what the signed protocol says, so it is never
    renumbered. Every number the system hands out raises the counter, so only
    a number at or below the counter can be held, and only then is the
    folder searched.
    """
    body, day = values.get(numbering.per), values.get(numbering.year_from)
    if not body or day is None:
        return {}, None
    series, year = paragraph_series(body), day.year
    given = values.get(numbering.field)
    if given is None:
        number = next_number(root, series, year)
        return {numbering.field: number}, paragraph_name(body, year, number)
    if given <= current_number(root, series, year):
        holder = holder_of_number(numbering, folder, body, year, given)
        if holder is not None:
            raise NumberTaken(_("${body} § ${number} år ${year} finns redan (${name}).",
                                mapping={"body": body, "number": str(given), "year": str(year),
                                         "name": holder.__name__}),
                              {numbering.field: _("Paragrafnumret är redan använt.")})
    raise_number(root, series, year, given)
    return {}, paragraph_name(body, year, given)


def format_case_number(fmt, series, year, number):
    """Apply the configured diarienummer format, e.g. ``KS-2021/457``."""
    return fmt.format(series=series, year=year, number=number)


def name_from_case_number(case_number):
    """A URL-safe object name for a case number: ``KS-2021/457`` -> ``ks-2021-457``."""
    return re.sub(r"[^a-z0-9]+", "-", case_number.lower()).strip("-")


def number_and_name(numbering, settings, root, values, *, name=None, year=None, folder=()):
    """The number values and the URL name a new object gets, by its type's
    ``numbering`` declaration (``schema.typedef.Numbering``).

    ``case_number``: a diarienummer of the series and format in the settings
    (``AppSettings.dnr_series``, ``dnr_format``) goes into
    the declared field, unless ``values`` bring one; the name comes from it.
    ``sequence``: no number field; the name is ``<prefix>-<year>-<n>``.
    ``paragraph``: the § of the body in the year of the date (``_paragraph``),
    among the objects of ``folder``; the name is ``<body>-<year>-p<n>`` (``paragraph_name``).
    A ``name`` given by the caller is kept, and then takes no number of a sequence.
    Returns ``({field: number}, name)``.
    """
    year = year or dates.today().year
    numbers = {}
    if numbering.kind == "case_number":
        if numbering.field not in values:
            series, fmt = settings.dnr_series, settings.dnr_format
            numbers[numbering.field] = format_case_number(fmt, series, year,
                                                          next_number(root, series, year))
        if name is None:
            name = name_from_case_number(numbers.get(numbering.field) or values[numbering.field])
        return numbers, name
    if numbering.kind == "paragraph":
        numbers, paragraph_name = _paragraph(numbering, root, folder, values)
        name = name or paragraph_name
    if name is None:
        name = f"{numbering.prefix}-{year}-{next_number(root, numbering.prefix, year)}"
    return numbers, name
