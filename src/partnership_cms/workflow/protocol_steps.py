"""The guard and the action of the protocol workflow (``workflows/protocol.yaml``).

``protocol_signed`` passes when the chair and every justerare hold a valid
signature of the whole protocol (its SHA-256 still matches the content).
``justify_meeting_decisions`` justifies each decision of the meeting through
the engine (``perform_entailed``: guards, history and audit as usual, caused
by the protocol), in the transaction of the last signature; a justering past
the deadline (KL 5:69, 6:35) is done, with the rule recorded as its reason.

While the protocol justifies its decisions it marks the request
(``by_protocol``), so the decision's guard ``chair_of_deciding_body`` knows
that the chair has signed (a justerare's signature may be the last one). The
mark lives in the WSGI environ under a key no client can set.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from pyramid.traversal import find_resource, find_root, resource_path

from .. import dates
from ..audit.signed import content_sha256
from ..content.models import Moved
from ..dates import DEADLINES
from ..i18n import _
from ..interfaces import IWorkflows
from .params import TransitionOf, TypeName

CHAIR, ADJUSTER = "chair", "adjuster"
KEY = "partnership_cms.protocol_justering"
DEADLINE = "justification"


def meeting_chair(meeting):
    """Who presided: whoever opened the meeting (the guard ``chair_of_meeting_body`` let them)."""
    return next((e.get("actor") for e in reversed(meeting.history) if e.get("action") == "open"), None)


def required_signers(protocol):
    """The chair first, then the justerare, as the signature block lists them."""
    return [login for login in (protocol.data.get("chair"), *(protocol.data.get("adjusters") or ())) if login]


def valid_signers(protocol, paragraph=None):
    """Who holds a signature (of the whole protocol, or of ``paragraph``) that the content still matches."""
    found = set()
    for signature in protocol.data.get("signatures") or ():
        if signature.get("paragraph") != paragraph:
            continue
        if content_sha256(protocol.data, signature.get("fields") or (), paragraph) == signature.get("sha256"):
            found.add(signature["signer"])
    return found


@dataclass(frozen=True)
class ProtocolJustering:
    protocol: str  # the protocol's path
    decisions: frozenset  # the paths of the decisions it justifies now


@contextmanager
def by_protocol(request, protocol, decisions):
    """Let the decisions' guards see that ``protocol`` justifies ``decisions`` during the block."""
    request.environ[KEY] = ProtocolJustering(resource_path(protocol), frozenset(decisions))
    try:
        yield
    finally:
        request.environ.pop(KEY, None)


def justified_by_protocol(request, decision):
    """Whether a protocol the chair signed is justifying ``decision`` now."""
    mark = request.environ.get(KEY)
    return isinstance(mark, ProtocolJustering) and resource_path(decision) in mark.decisions


def protocol_signed(context, request, data):
    """Every one of the chair and the justerare has signed the protocol as it reads now."""
    if not context.data.get("chair") or not context.data.get("adjusters"):
        return [_("Protokollet anger inte ordförande och justerare.")]
    missing = [s for s in required_signers(context) if s not in valid_signers(context)]
    if missing:
        return [_("Underskrift saknas av: ${names}.", mapping={"names": ", ".join(missing)})]
    return []


def late_justering(meeting_date, day):
    """The rule a justering on ``day`` breaks (a translatable message), or None."""
    deadline = DEADLINES[DEADLINE]
    last = deadline.compute(meeting_date)
    if day <= last:
        return None
    return _("Justeringen skedde ${date}, senare än ${law} medger (senast ${last_day}).",
             mapping={"date": day.isoformat(), "law": deadline.law, "last_day": last.isoformat()})


def justify_meeting_decisions(context, request, transition, data, *, decision_type: TypeName,
                              justify: Annotated[str, TransitionOf("decision_type")]):
    """Each decision of the protocol's paragraphs that waits for justering is
    justified now, through the engine, caused by the protocol."""
    root = find_root(context)
    today = dates.today()
    late = late_justering(context.data["meeting_date"], today)
    if late is not None:
        context.data["justification_late"] = request.localizer.translate(late)
    workflows = request.registry.getUtility(IWorkflows)
    from_states = workflows.definition(decision_type).transitions[justify].from_states
    decisions = []
    for item in context.data.get("items") or ():
        try:
            decision = find_resource(root, item["decision"]) if item.get("decision") else None
        except KeyError:
            decision = None
        if isinstance(decision, Moved):  # a decision renamed since the protocol was signed
            decision = decision.target
        if decision is not None and decision.type_name == decision_type and decision.state in from_states:
            decisions.append(decision)
    payload = {"justified_on": today.isoformat()}
    if late is not None:
        payload["justification_late_reason"] = context.data["justification_late"]
    label = context.data.get("title") or resource_path(context)
    with by_protocol(request, context, [resource_path(d) for d in decisions]):
        for decision in decisions:
            workflows.perform_entailed(request, decision, justify, cause=resource_path(context),
                                       comment=f"Justerad i {label}", data=payload)


def includeme(config):
    config.add_workflow_guard("protocol_signed", protocol_signed)
    config.add_workflow_action("justify_meeting_decisions", justify_meeting_decisions)
