"""Posting a protocol on the anslagstavla and its legal force, carried on to its decisions.

The protocol's ``post`` transition (workflows/protocol.yaml) keeps the date
rule itself (guard ``date_within_deadline``: no later than the second weekday
after the justering, KL 8:12, lag 1930:173, else with a reason) and computes
the appeal end (``compute_appeal_end``, KL 13:5); the action here posts each
decision of the protocol with the same date and reason through the engine,
whose own guards check the same rule for the decision.
"""
from __future__ import annotations

from typing import Annotated

from pyramid.traversal import resource_path

from ..events import StateChanged
from ..interfaces import IWorkflows
from ..schema.loader import to_json_value
from ..workflow.guards import resolve
from ..workflow.params import FieldOf, TransitionOf, TypeName

# The protocol type and its justering and posting, for the subscriber (settings are not workflow steps).
PROTOCOL, JUSTIFIED, POST = "Protocol", "justified", "post"


def decisions_of(protocol):
    """The decisions the protocol's paragraphs record, in § order (those that still exist)."""
    found = []
    for item in protocol.data.get("items") or ():
        decision = resolve(protocol, item.get("decision"))
        if decision is not None:
            found.append(decision)
    return found


def _carry_on(request, protocol, decision_type, transition_id, payload, comment):
    """Perform ``transition_id`` on each decision of ``protocol`` that is in a
    state it leaves (one justerad at the meeting may be ahead), as entailed by
    the protocol's own transition."""
    workflows = request.registry.getUtility(IWorkflows)
    leaves = workflows.definition(decision_type).transitions[transition_id].from_states
    cause = resource_path(protocol)
    for decision in decisions_of(protocol):
        if decision.type_name == decision_type and decision.state in leaves:
            workflows.perform_entailed(request, decision, transition_id, cause=cause, comment=comment,
                                       data=payload)


def post_protocol_decisions(protocol, request, transition, data, *, decision_type: TypeName,
                            post: Annotated[str, TransitionOf("decision_type")],
                            date: Annotated[str, FieldOf()], reason: Annotated[str, FieldOf()]):
    """Post every justified decision of the protocol (``post``) on the day the
    protocol was posted (``date``), with the reason given for a late posting."""
    payload = {"posted_on": to_json_value(data[date])}
    if str(data.get(reason) or "").strip():
        payload[reason] = data[reason]
    _carry_on(request, protocol, decision_type, post, payload,
              f"Anslaget med protokollet {protocol.title}.")


def record_keeping_place(protocol, request, transition, data):
    """Keep on the protocol where it is kept (``partnership_cms.protocol_kept_at``) as its notice says it."""
    protocol.data["kept_at"] = request.app_settings.protocol_kept_at


def finalize_protocol_decisions(protocol, request, transition, data, *, decision_type: TypeName,
                                finalize: Annotated[str, TransitionOf("decision_type")]):
    """Every posted decision of the protocol gains legal force with it (``finalize``);
    each decision's own guard checks its appeal period again."""
    _carry_on(request, protocol, decision_type, finalize, {},
              f"Laga kraft med protokollet {protocol.title}.")


def post_on_justering(event):
    """With ``partnership_cms.post_on_justering``, a protocol that has just been
    justerat is posted the same day, as the system, through its ``post`` transition."""
    obj, request = event.obj, event.request
    if not (isinstance(event, StateChanged) and getattr(obj, "type_name", None) == PROTOCOL
            and event.details.get("to") == JUSTIFIED and request.app_settings.post_on_justering):
        return
    request.registry.getUtility(IWorkflows).perform_entailed(
        request, obj, POST, cause=resource_path(obj),
        comment="Anslaget vid justeringen (partnership_cms.post_on_justering).")
