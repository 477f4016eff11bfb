"""The rules of a meeting as pure functions (bodies/rules.py)."""
import datetime

import pytest

from partnership_cms.bodies import rules

MEMBERS = ("anna", "bo", "cia", "dan", "eva")


@pytest.mark.parametrize("seats,serving,quorate", [(5, 3, True), (5, 2, False), (4, 2, False), (4, 3, True),
                                                    (61, 31, True), (61, 30, False), (1, 1, True)])
def test_quorum_is_more_than_half_the_seats(seats, serving, quorate):
    assert rules.has_quorum(seats, serving) is quorate


def test_notice_time_counts_whole_days_before_the_meeting():
    meeting = datetime.date(2026, 9, 20)
    assert rules.notice_in_time(meeting, datetime.date(2026, 9, 13), 7)
    assert not rules.notice_in_time(meeting, datetime.date(2026, 9, 14), 7)
    assert rules.notice_in_time(meeting, meeting, 0)


def test_serving_members_and_substitutes_in_absent_seats_only():
    present = {"anna", "bo", "cia"}
    seats = rules.serving(MEMBERS, present, [("sub1", "dan"), ("sub2", "anna"), ("sub3", "dan")])
    # sub2 cannot take the seat of anna, who is present; sub3 finds dan's seat taken.
    assert seats == {"anna": "anna", "bo": "bo", "cia": "cia", "sub1": "dan"}


def test_jav_takes_a_member_out_of_the_item_and_a_substitute_may_step_in():
    present = set(MEMBERS)
    seats = rules.serving(MEMBERS, present, [], recused={"bo"})
    assert "bo" not in seats and len(seats) == 4
    seats = rules.serving(MEMBERS, present, [("sub1", "bo")], recused={"bo"})
    assert seats["sub1"] == "bo"
    # A jävig substitute does not serve either.
    assert "sub1" not in rules.serving(MEMBERS, present, [("sub1", "bo")], recused={"bo", "sub1"})


def test_a_substitute_votes_only_when_serving():
    seats = rules.serving(MEMBERS, set(MEMBERS) - {"eva"}, [("sub1", "eva")])
    assert rules.may_vote("sub1", seats)
    assert not rules.may_vote("sub2", seats)
    seats = rules.serving(MEMBERS, set(MEMBERS), [("sub1", "eva")])  # eva came back
    assert not rules.may_vote("sub1", seats)


def test_one_vote_per_serving_member_is_what_the_tally_counts():
    ballots = {"anna": "ja", "bo": "nej", "cia": "avstar"}
    assert rules.tally(ballots) == {"ja": 1, "nej": 1, "avstar": 1}


def test_majority_carries_and_the_chair_casts_the_deciding_vote_on_a_tie():
    assert rules.vote_result({"anna": "ja", "bo": "ja", "cia": "nej"}, "anna") == ("ja", False)
    assert rules.vote_result({"anna": "ja", "bo": "nej", "cia": "nej"}, "anna") == ("nej", False)
    # A tie: the chair's own vote decides (KL 5:58).
    assert rules.vote_result({"anna": "nej", "bo": "ja", "cia": "avstar"}, "anna") == ("nej", True)
    # The chair abstained: the casting vote must be given.
    tie = {"anna": "avstar", "bo": "ja", "cia": "nej"}
    with pytest.raises(rules.TieNeedsCastingVote):
        rules.vote_result(tie, "anna")
    assert rules.vote_result(tie, "anna", casting="ja") == ("ja", True)


@pytest.mark.parametrize("supporters,present,used,carries", [
    (2, 6, False, True), (1, 6, False, False), (2, 5, False, True), (1, 4, False, False),
    (21, 61, False, True), (20, 61, False, False), (3, 6, True, False), (0, 0, False, False)])
def test_a_third_of_those_present_force_referral_once(supporters, present, used, carries):
    assert rules.minority_referral_carries(supporters, present, used) is carries
