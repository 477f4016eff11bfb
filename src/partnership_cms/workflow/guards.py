"""The built-in guards. Each returns a list of reasons to refuse (translatable
messages, Swedish msgids); empty means pass.

Guards judge the object and the user; ``data`` (what the transition was sent)
is None when the engine only asks what to offer, and guards that judge data
pass then: the real check happens when the transition is performed. The
states, types and choices a guard looks at are its parameters, given in
``workflows/*.yaml`` and checked at start-up (``params.py``).
"""
from __future__ import annotations

import datetime
from typing import Annotated

from pyramid.traversal import find_resource, find_root, resource_path

from ..i18n import _
from ..schema import get_schemas
from ..security.policy import roles_in_context
from .params import ChoiceOf, FieldOf, RolesByChoice, StateOf, StatesOf, TypeName


def complete(context, request, data):
    """Every field marked ``complete`` (or ``required``) in the schema is filled."""
    schema = get_schemas(request.registry)[context.type_name]
    # ``field_name`` lets a page link to the field; the message uses only ``field``.
    return [_("Fältet '${field}' måste fyllas i.", mapping={"field": f.title, "field_name": f.name})
            for f in schema.incomplete_fields(context.data)]


def resolve(context, path):
    """The object at a stored path, or None if it no longer exists."""
    if not path:
        return None
    try:
        return find_resource(find_root(context), path)
    except KeyError:
        return None


def deciding_decision(proposal, decision_type, outcome):
    """The last linked decision of ``decision_type`` with ``outcome`` (the one that adopted the proposal)."""
    for path in reversed(proposal.links.get("decisions", ())):
        decision = resolve(proposal, path)
        if decision is not None and decision.type_name == decision_type and decision.data.get("outcome") == outcome:
            return decision
    return None


def deciding_decision_justified(context, request, data, *, decision_type: TypeName,
                                outcome: Annotated[str, ChoiceOf("outcome", "decision_type")],
                                states: Annotated[list, StatesOf("decision_type")]):
    """Dispatch needs the deciding decision's protocol justerat (in one of ``states``)."""
    decision = deciding_decision(context, decision_type, outcome)
    if decision is None:
        return [_("Det finns inget beslut om bifall att expediera.")]
    if decision.state not in states:
        return [_("Protokollet för beslutet ${title} (§ ${paragraph}) är inte justerat.",
                  mapping={"title": decision.title, "paragraph": str(decision.data.get("paragraph")),
                           "document": resource_path(decision)})]
    return []


def chair_of_deciding_body(context, request, data, *, chairs: Annotated[dict, RolesByChoice("body")]):
    """Only the chair of the body that took the decision justifies its protocol
    (``chairs``: the chair's role of each body)."""
    body = context.data.get("body")
    if chairs.get(body) not in roles_in_context(request, context):
        return [_("Endast ordföranden i ${body} kan justera protokollet.", mapping={"body": str(body)})]
    return []


def appeal_period_ended(context, request, data, *, field: Annotated[str, FieldOf()]):
    """A decision gains legal force only after the appeal period (KL 13:5) that ``field`` holds."""
    ends = context.data.get(field)
    if ends is None:
        return [_("Beslutet har inte anslagits.")]
    if datetime.date.today() <= ends:
        return [_("Överklagandetiden löper till och med ${date}.", mapping={"date": ends.isoformat()})]
    return []


def linked_to_adopted_decision(context, request, data, *, decision_type: TypeName,
                               outcome: Annotated[str, ChoiceOf("outcome", "decision_type")],
                               proposal_type: TypeName,
                               proposal_states: Annotated[list, StatesOf("proposal_type")]):
    """An agreement is approved by a decision with ``outcome``, directly or
    through its proposal in one of ``proposal_states``."""
    decision = resolve(context, context.data.get("decision"))
    if decision is not None and decision.type_name == decision_type and decision.data.get("outcome") == outcome:
        return []
    proposal = resolve(context, context.data.get("proposal"))
    if proposal is not None and proposal.type_name == proposal_type and proposal.state in proposal_states:
        return []
    return [_("Avtalet är inte kopplat till ett beslut om bifall.",
              mapping={"document": context.data.get("proposal") if proposal is not None else None})]


def all_parties_signed(context, request, data):
    """Both (all) parties' signatures with dates are given."""
    if data is None:
        return []
    signed = {s["party"] for s in data.get("signatures", ())}
    missing = [p for p in context.data.get("parties", ()) if p not in signed]
    return [_("Underskrift saknas för ${party}.", mapping={"party": p}) for p in missing]


def amends_agreement(context, request, data, *, target_type: TypeName,
                           target_state: Annotated[str, StateOf("target_type")]):
    """An amendment applies only to an existing ``target_type`` in ``target_state`` (a signed agreement)."""
    target = resolve(context, context.data.get("amends"))
    if target is None or target.type_name != target_type:
        return [_("Ändringen gäller inget avtal.")]
    if target.state != target_state:
        return [_("Avtalet som ändras är inte undertecknat.", mapping={"document": resource_path(target)})]
    return []


def includeme(config):
    for name, fn in [
        ("complete", complete),
        ("deciding_decision_justified", deciding_decision_justified),
        ("chair_of_deciding_body", chair_of_deciding_body),
        ("appeal_period_ended", appeal_period_ended),
        ("linked_to_adopted_decision", linked_to_adopted_decision),
        ("all_parties_signed", all_parties_signed),
        ("amends_agreement", amends_agreement),
    ]:
        config.add_workflow_guard(name, fn)
