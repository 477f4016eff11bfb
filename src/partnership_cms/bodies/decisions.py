"""A decision taken at a meeting, as the workflow sees it while the meeting performs it.

For a body that decides only at meetings, the proposal's decision
transitions are refused (guard ``decided_at_meeting``) unless the meeting
service is performing them: it sets a record on the request, for that one
proposal, for the length of the call (``at_meeting``). The record lives in
the WSGI environ under a key no client can set (headers arrive as
``HTTP_*``), so it cannot be forged through the API; it also carries what
the decision records beyond the transition's data (the § number given at
the meeting's opening, the named vote, who was present), read by the
``create_decision`` action.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from pyramid.traversal import resource_path

KEY = "partnership_cms.meeting_decision"


@dataclass(frozen=True)
class MeetingDecision:
    proposal: str  # the path of the proposal being decided
    meeting: str  # the path of the meeting
    paragraph: int  # the item's § number, given when the meeting opened
    values: dict = field(default_factory=dict)  # Decision fields: named_vote, present, motions, ...


@contextmanager
def at_meeting(request, proposal, decision):
    """Let the workflow see ``decision`` while the block performs a transition of ``proposal``."""
    if resource_path(proposal) != decision.proposal:
        raise ValueError("the record names another proposal")
    request.environ[KEY] = decision
    try:
        yield decision
    finally:
        request.environ.pop(KEY, None)


def meeting_decision(request, proposal):
    """The meeting's record if the meeting is deciding ``proposal`` now, else None."""
    decision = request.environ.get(KEY)
    if isinstance(decision, MeetingDecision) and decision.proposal == resource_path(proposal):
        return decision
    return None
