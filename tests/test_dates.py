"""Legal deadlines: every expected date below was checked by hand against
``python3 -c 'import calendar; print(calendar.month(Y, M))'``."""

from datetime import date

import holidays
import pytest

from partnership_cms.dates import (
    add_months,
    appeal_end_date,
    appeal_end_of_protocol,
    is_deadline_free_day,
    justification_deadline,
    next_weekday_if_free,
    posting_deadline,
    second_weekday_after,
    termination_end_date,
)

# --- deadline-free days -------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 6, 14),  # Saturday
        date(2025, 6, 15),  # Sunday
        date(2025, 1, 1),  # nyårsdagen, Wednesday
        date(2025, 1, 6),  # trettondedag jul, Monday
        date(2025, 4, 18),  # långfredagen
        date(2025, 4, 21),  # annandag påsk
        date(2025, 5, 1),  # första maj, Thursday
        date(2025, 5, 29),  # Kristi himmelsfärdsdag, Thursday
        date(2024, 6, 6),  # nationaldagen, Thursday
        date(2025, 6, 20),  # midsommarafton
        date(2021, 6, 25),  # midsommarafton on the last possible date
        date(2026, 6, 19),  # midsommarafton on the first possible date
        date(2024, 12, 24),  # julafton, Tuesday
        date(2024, 12, 25),  # juldagen
        date(2024, 12, 26),  # annandag jul
        date(2025, 12, 31),  # nyårsafton, Wednesday
    ],
)
def test_free_days(day):
    assert is_deadline_free_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 6, 16),  # an ordinary Monday
        date(2026, 1, 5),  # trettondagsafton (half-day), Monday
        date(2025, 4, 17),  # skärtorsdagen (half-day)
        date(2025, 4, 30),  # valborgsmässoafton (half-day)
        date(2025, 5, 30),  # klämdag, the Friday after Ascension Day
        date(2025, 6, 19),  # the day before midsommarafton
        date(2024, 12, 23),  # the day before julafton
        date(2025, 10, 31),  # allahelgonsafton (half-day)
        date(2025, 6, 9),  # annandag pingst: no longer a holiday since 2005
    ],
)
def test_half_days_and_squeeze_days_are_ordinary(day):
    assert not is_deadline_free_day(day)


def test_library_lists_the_half_days_we_must_not_count():
    """The library does list these days (optional/bank categories): if they are
    not free for us, it is because we filter, not because they are missing."""
    extra = holidays.Sweden(years=2026, categories=("optional", "bank"), language="sv")
    names = {extra.get(date(2026, 1, 5)), extra.get(date(2026, 5, 15))}
    assert names == {"Trettondagsafton (från kl. 14.00)", "Klämdag"}
    assert not is_deadline_free_day(date(2026, 1, 5))
    assert not is_deadline_free_day(date(2026, 5, 15))


@pytest.mark.parametrize("year", range(1995, 2061))
def test_the_three_eves_agree_with_the_library(year):
    de_facto = holidays.Sweden(years=year, categories=("de_facto",), language="sv")
    eves = {
        day
        for day, name in de_facto.items()
        if name in ("Midsommarafton", "Julafton", "Nyårsafton")
    }
    assert len(eves) == 3
    assert all(is_deadline_free_day(day) for day in eves)


def test_next_weekday_if_free():
    assert next_weekday_if_free(date(2025, 6, 16)) == date(2025, 6, 16)  # Monday stays
    assert next_weekday_if_free(date(2025, 6, 14)) == date(2025, 6, 16)  # Sat -> Mon
    # Good Friday, Sat, Easter Sunday, Easter Monday -> Tuesday.
    assert next_weekday_if_free(date(2024, 3, 29)) == date(2024, 4, 2)


# --- appeal period (KL 13:5) ------------------------------------------------


@pytest.mark.parametrize(
    "posted_on, expected",
    [
        # Plain weekday: Tuesday + 3 weeks = Tuesday.
        (date(2025, 9, 2), date(2025, 9, 23)),
        # Ends on a Saturday -> Monday.
        (date(2025, 5, 24), date(2025, 6, 16)),
        # Ends on a Sunday -> Monday.
        (date(2025, 5, 25), date(2025, 6, 16)),
        # Ends on midsommarafton 2025-06-20 (Fri); midsommardagen, Sunday -> Mon 23.
        (date(2025, 5, 30), date(2025, 6, 23)),
        # Ends on julafton 2024-12-24 (Tue); 25, 26 holidays -> Fri 27.
        (date(2024, 12, 3), date(2024, 12, 27)),
        # Ends on nyårsafton 2025-12-31 (Wed); nyårsdagen -> Fri 2026-01-02.
        (date(2025, 12, 10), date(2026, 1, 2)),
        # Ends on annandag påsk 2025-04-21 (Mon) -> Tue 22.
        (date(2025, 3, 31), date(2025, 4, 22)),
        # Ends on långfredagen 2024-03-29: Fri, Sat, Easter Sun, Easter Mon -> Tue 2 April.
        (date(2024, 3, 8), date(2024, 4, 2)),
        # Ends on Kristi himmelsfärdsdag 2025-05-29 (Thu) -> the klämdag Fri 30, not Monday.
        (date(2025, 5, 8), date(2025, 5, 30)),
        # Ends on nationaldagen 2024-06-06 (Thu) -> Fri 7.
        (date(2024, 5, 16), date(2024, 6, 7)),
        # Ends on trettondagsafton 2026-01-05 (Mon, a half-day): not moved.
        (date(2025, 12, 15), date(2026, 1, 5)),
        # Ends on valborgsmässoafton 2025-04-30 (Wed, a half-day): not moved.
        (date(2025, 4, 9), date(2025, 4, 30)),
        # Posting date itself on a holiday does not matter, only the end.
        (date(2025, 12, 24), date(2026, 1, 14)),
    ],
)
def test_appeal_end_date(posted_on, expected):
    assert appeal_end_date(posted_on) == expected


# --- justering and posting ----------------------------------------------------


def test_justification_deadline_is_not_moved():
    # 2025-06-06 + 14 = Friday 2025-06-20, midsommarafton: still the deadline.
    assert justification_deadline(date(2025, 6, 6)) == date(2025, 6, 20)
    assert justification_deadline(date(2024, 12, 20)) == date(2025, 1, 3)


def test_posting_deadline():
    assert posting_deadline(date(2025, 6, 18)) == date(2025, 6, 20)
    assert posting_deadline(date(2024, 2, 28)) == date(2024, 3, 1)  # leap year
    assert posting_deadline(date(2025, 2, 28)) == date(2025, 3, 2)


# --- termination ---------------------------------------------------------------


@pytest.mark.parametrize(
    "notice, expected",
    [
        (date(2024, 6, 30), date(2024, 12, 31)),  # + 6 months = 2024-12-30
        (date(2024, 7, 1), date(2025, 12, 31)),  # + 6 months = 2025-01-01, too late
        (date(2024, 1, 15), date(2024, 12, 31)),
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2024, 12, 31), date(2025, 12, 31)),
        # Clamping: 2023-08-31 + 6 months = 2024-02-29 (leap year), lies in 2024.
        (date(2023, 8, 31), date(2024, 12, 31)),
        # Leap day notice: 2024-02-29 + 6 months = 2024-08-29.
        (date(2024, 2, 29), date(2024, 12, 31)),
    ],
)
def test_termination_calendar_year_turn(notice, expected):
    assert termination_end_date(notice) == expected
    assert termination_end_date(notice, 6, "calendar_year_turn") == expected


def test_termination_calendar_year_turn_other_notice_periods():
    # 12 months: 2024-01-01 + 12 = 2025-01-01 -> end of 2025.
    assert termination_end_date(date(2024, 1, 1), 12) == date(2025, 12, 31)
    # 12 months: 2023-12-31 + 12 = 2024-12-31, exactly the turn -> end of 2024.
    assert termination_end_date(date(2023, 12, 31), 12) == date(2024, 12, 31)
    # 3 months: 2024-09-30 + 3 = 2024-12-30 -> end of 2024; 2024-10-01 -> 2025-01-01.
    assert termination_end_date(date(2024, 9, 30), 3) == date(2024, 12, 31)
    assert termination_end_date(date(2024, 10, 1), 3) == date(2025, 12, 31)
    # No notice period: the current year.
    assert termination_end_date(date(2024, 12, 31), 0) == date(2024, 12, 31)


@pytest.mark.parametrize(
    "notice, months, expected",
    [
        (date(2024, 3, 15), 6, date(2024, 9, 15)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),  # clamped, 2025 is no leap year
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # clamped to the leap day
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 10, 31), 1, date(2024, 11, 30)),
        (date(2024, 11, 15), 3, date(2025, 2, 15)),  # over the turn of the year
    ],
)
def test_termination_months(notice, months, expected):
    assert termination_end_date(notice, months, rule="months") == expected
    assert add_months(notice, months) == expected


def test_termination_unknown_rule_and_bad_period():
    with pytest.raises(ValueError, match="quarter_turn"):
        termination_end_date(date(2024, 1, 1), 3, rule="quarter_turn")
    with pytest.raises(ValueError, match="negative"):
        termination_end_date(date(2024, 1, 1), -1)


def test_find_swedish_date():
    from partnership_cms.dates import find_swedish_date

    assert find_swedish_date("tjänsteutlåtande daterat den 11 augusti 2021, godkänns.") == date(2021, 8, 11)
    assert find_swedish_date("Den 1 Maj 2020 och 2 juni 2021") == date(2020, 5, 1)
    assert find_swedish_date("den 31 februari 2021") is None
    assert find_swedish_date("inget datum här") is None


@pytest.mark.parametrize("justified_on, expected", [
    (date(2025, 9, 23), date(2025, 9, 25)),  # Tuesday -> Thursday
    (date(2025, 6, 12), date(2025, 6, 16)),  # Thursday -> Saturday -> Monday
    (date(2025, 6, 18), date(2025, 6, 23)),  # Wednesday -> midsommarafton -> Monday
    (date(2024, 12, 22), date(2024, 12, 27)),  # Sunday -> julafton, juldagen, annandag -> Friday
    (date(2025, 12, 29), date(2026, 1, 2)),  # Monday -> nyårsafton, nyårsdagen -> Friday
])
def test_second_weekday_after(justified_on, expected):
    assert second_weekday_after(justified_on) == expected


def test_appeal_end_of_protocol_counts_from_the_latest_date():
    # In order: from the posting.
    assert appeal_end_of_protocol(date(2021, 9, 13), date(2021, 9, 20), date(2021, 9, 21)) == \
        appeal_end_date(date(2021, 9, 21))
    # A posting dated before the meeting never ends the appeal period early.
    assert appeal_end_of_protocol(date(2021, 9, 13), None, date(2021, 9, 1)) == \
        appeal_end_date(date(2021, 9, 13))
