"""The rules of a meeting, as pure functions of plain values (no database).

Kommunallagen (2017:725): quorum (5:45 for fullmäktige, 6:28 for a nämnd),
notice (5:13–15 for fullmäktige, the reglemente for a nämnd), the chair's
casting vote (5:58, as the issue names it), minority återremiss (5:50),
jäv (6:28–32: a member who is jävig takes no part in the item). The
meeting workflow's guards (``workflow/meeting_steps.py``) and the acts of a
meeting (``meetings/services.py``) apply them to a meeting's stored values;
they sit here, under the workflow, so that both can.
"""
from __future__ import annotations

import datetime
from fractions import Fraction

VOTES = ("ja", "nej", "avstar")


def has_quorum(seats, serving_count):
    """More than half the seats serve (present members and substitutes serving)."""
    return serving_count * 2 > seats


def notice_in_time(meeting_date, sent_on, notice_days):
    """The notice sent on ``sent_on`` reaches the members at least
    ``notice_days`` days before the meeting."""
    return sent_on + datetime.timedelta(days=notice_days) <= meeting_date


def serving(members, present, substitutions, recused=()):
    """``{login: the member whose seat they hold}`` of everyone who serves on an item.

    A member serves when present and not jävig on the item. A substitute
    serves only in the seat of a member who does not serve (absent, or jävig),
    one substitute per seat, and never while jävig themselves.
    ``substitutions``: ``[(substitute, member)]`` in the order they stepped in.
    """
    recused = set(recused)
    seats = {m: m for m in members if m in present and m not in recused}
    filled = set(seats)
    for substitute, member in substitutions:
        if member in members and member not in filled and substitute not in recused and substitute not in seats:
            seats[substitute] = member
            filled.add(member)
    return seats


def may_vote(login, serving_now):
    """Only a serving member (or a substitute in a seat) votes, and for themselves."""
    return login in serving_now


def tally(ballots):
    """``{ja, nej, avstar}`` counts of ``{login: vote}``."""
    counts = dict.fromkeys(VOTES, 0)
    for vote in ballots.values():
        counts[vote] += 1
    return counts


def vote_result(ballots, chair, casting=None):
    """The result of a named vote: ``("ja" | "nej", decided_by_casting_vote)``.

    More ja than nej carries; more nej fails. On a tie the chair's casting
    vote decides: the chair's own ja/nej, or ``casting`` when the chair did
    not vote either way. Raises ``TieNeedsCastingVote`` when it is missing.
    """
    counts = tally(ballots)
    if counts["ja"] != counts["nej"]:
        return ("ja" if counts["ja"] > counts["nej"] else "nej"), False
    own = ballots.get(chair)
    if own in ("ja", "nej"):
        return own, True
    if casting in ("ja", "nej"):
        return casting, True
    raise TieNeedsCastingVote()


class TieNeedsCastingVote(Exception):
    """A tied vote where the chair has not said which way the casting vote goes."""


def minority_referral_carries(supporters, present_count, used_before):
    """At least one third of those present force återremiss, once per matter (KL 5:50)."""
    return not used_before and present_count > 0 and Fraction(supporters, present_count) >= Fraction(1, 3)
