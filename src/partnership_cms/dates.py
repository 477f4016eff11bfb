"""Legal deadlines of the decision process (Kommunallagen 2017:725, lag 1930:173).

All functions take and return plain ``datetime.date`` objects; there is no time
of day and no time zone, because every deadline here is a whole calendar day.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

# KL 13:5: an appeal must reach the authority within three weeks of the posting.
APPEAL_PERIOD = timedelta(weeks=3)
# KL 5:69 and 6:35: the minutes are approved (justeras) within two weeks of the meeting.
JUSTIFICATION_PERIOD = timedelta(days=14)
# KL 8:12: posted "senast andra dagen efter justeringen".
POSTING_PERIOD = timedelta(days=2)

TERMINATION_RULES = ("calendar_year_turn", "months")

# The day a test has set (``set_today``); None: the computer's calendar.
_today: date | None = None


def today() -> date:
    """Today's date for every rule of the app (deadlines, defaults, ``finalize``).

    One clock, so that a test can move the whole app to a day of its choice
    with ``set_today`` instead of each caller reading the system calendar."""
    return _today if _today is not None else date.today()


def set_today(day: date | None) -> None:
    """Make ``today()`` answer ``day`` (None: the computer's calendar again). For tests."""
    global _today
    _today = day


def _midsummer_eve(year: int) -> date:
    """Midsommarafton: the Friday between 19 and 25 June (lag 1989:253)."""
    june_19 = date(year, 6, 19)
    # weekday(): Monday is 0, Friday is 4.
    return june_19 + timedelta(days=(4 - june_19.weekday()) % 7)


@lru_cache(maxsize=64)
def _free_days_of_year(year: int) -> frozenset[date]:
    """The weekday-independent deadline-free days of one year.

    Public holidays come from the ``holidays`` package. Only its PUBLIC category
    is used: its DE_FACTO, BANK and OPTIONAL categories also hold half-days and
    squeeze days (trettondagsafton, skärtorsdagen, klämdag ...) that do not move a
    deadline, and what each category holds has changed between releases. So the
    three eves that lag 1930:173 names are computed here instead.
    ``include_sundays=False`` because Sundays are handled by the weekday test and
    some releases list every Sunday by default.
    """
    public = holidays.Sweden(years=year, include_sundays=False, categories=(holidays.PUBLIC,))
    eves = {_midsummer_eve(year), date(year, 12, 24), date(year, 12, 31)}
    return frozenset(public.keys()) | eves


def is_deadline_free_day(day: date) -> bool:
    """True if a deadline falling on ``day`` moves to the next day (lag 1930:173).

    That is a Saturday, a Sunday, a Swedish public holiday, midsommarafton,
    julafton or nyårsafton. Half-days and squeeze days are ordinary days.
    """
    # Saturday (5) and Sunday (6).
    if day.weekday() >= 5:
        return True
    return day in _free_days_of_year(day.year)


def next_weekday_if_free(day: date) -> date:
    """Return ``day`` itself, or the first later day that is not deadline-free."""
    while is_deadline_free_day(day):
        day += timedelta(days=1)
    return day


def appeal_end_date(posted_on: date) -> date:
    """Last day an appeal can reach the municipality (KL 13:5).

    Three weeks after the day the protocol was posted on the notice board, e.g.
    posted on a Tuesday -> the Tuesday three weeks later; if that is a
    deadline-free day, the next day that is not (lag 1930:173).
    """
    return next_weekday_if_free(posted_on + APPEAL_PERIOD)


def justification_deadline(meeting_date: date) -> date:
    """Last day to approve (justera) the minutes: meeting + 14 days (KL 5:69, 6:35).

    The law sets no moving rule for this internal deadline, so it is not moved.
    """
    return meeting_date + JUSTIFICATION_PERIOD


def posting_deadline(justified_on: date) -> date:
    """Last day to post the approved minutes: the second day after justering (KL 8:12)."""
    return justified_on + POSTING_PERIOD


def second_weekday_after(day: date) -> date:
    """The second day after ``day``, moved to the next weekday when it is
    deadline-free (KL 8:12 with lag 1930:173: "senast andra dagen efter
    justeringen"; a Saturday, Sunday, holiday or eve moves it on).

    Justerat on a Thursday -> Monday; on Wednesday 18 June 2025 -> Friday 20
    June is midsommarafton -> Monday 23 June.
    """
    return next_weekday_if_free(day + POSTING_PERIOD)


@dataclass(frozen=True)
class Deadline:
    """A legal time limit between two dates of a decision: ``compute`` gives
    the last allowed day from the earlier date; ``law`` names the rule."""

    name: str
    compute: object  # date -> date
    law: str


# The deadlines workflows/*.yaml may name (guard ``date_within_deadline``).
DEADLINES = {
    "justification": Deadline("justification", justification_deadline, "KL 5:69, 6:35"),
    "posting": Deadline("posting", second_weekday_after, "KL 8:12"),
}


def appeal_end_of_protocol(meeting_date: date | None, justified_on: date | None,
                           posted_on: date) -> date:
    """The appeal end of a posted protocol (KL 13:5).

    The period runs from the posting; a protocol cannot have been posted before
    it was justerat or before the meeting, so should the recorded dates be out
    of that order (a mistyped or misread import) the latest of them counts:
    an out-of-order posting date never makes a decision final early.
    """
    start = max(d for d in (meeting_date, justified_on, posted_on) if d is not None)
    return appeal_end_date(start)


def add_months(day: date, months: int) -> date:
    """``day`` plus a number of calendar months, clamped to the end of the month.

    2024-08-31 + 6 months -> 2025-02-28; 2023-08-31 + 6 months -> 2024-02-29.
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def termination_end_date(
    notice_date: date, notice_months: int = 6, rule: str = "calendar_year_turn"
) -> date:
    """The last day an agreement is in force after notice of termination.

    Rules:

    ``"calendar_year_turn"`` (the seed agreement: "kan sägas upp till närmaste
    kalenderårsskifte ... sex månader i förväg"): the agreement ends at the first
    turn of a calendar year that lies at least ``notice_months`` after the notice.
    "At least N months" is computed as: ``notice_date + N`` calendar months
    (clamped to the end of the month, see :func:`add_months`) must be on or before
    31 December of the ending year. The result is that 31 December, the last day
    in force. Examples with six months: notice 2024-06-30 -> 2024-12-30 is in 2024
    -> 2024-12-31; notice 2024-07-01 -> 2025-01-01 is past the turn -> 2025-12-31;
    notice 2024-01-15 -> 2024-12-31.

    ``"months"``: the agreement ends ``notice_months`` after the notice,
    ``notice_date + N`` calendar months, clamped to the end of the month.

    Any other rule raises ValueError.
    """
    if notice_months < 0:
        raise ValueError(f"notice_months must not be negative, got {notice_months}")
    earliest = add_months(notice_date, notice_months)
    if rule == "calendar_year_turn":
        # The earliest allowed end lies in some year; that year's 31 December is
        # always on or after it, and the previous turn is always before it.
        return date(earliest.year, 12, 31)
    if rule == "months":
        return earliest
    raise ValueError(
        f"unknown termination rule {rule!r}; known rules: {', '.join(TERMINATION_RULES)}"
    )


SWEDISH_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli",
                  "augusti", "september", "oktober", "november", "december")
_SWEDISH_DATE = re.compile(r"\b(\d{1,2}) (" + "|".join(SWEDISH_MONTHS) + r") (\d{4})\b", re.IGNORECASE)


def find_swedish_date(text: str) -> date | None:
    """The first date written out in Swedish ("11 augusti 2021") in ``text``, or None."""
    match = _SWEDISH_DATE.search(text or "")
    if match is None:
        return None
    day, month, year = match.groups()
    try:
        return date(int(year), SWEDISH_MONTHS.index(month.lower()) + 1, int(day))
    except ValueError:
        return None
