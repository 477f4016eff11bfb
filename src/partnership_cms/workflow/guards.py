"""The built-in guards. Each returns a list of reasons (Swedish) to refuse.

Guards judge the object and the user; ``data`` (what the transition was sent)
is None when the engine only asks what to offer, and guards that judge data
pass then: the real check happens when the transition is performed.
"""
import datetime

from pyramid.traversal import find_resource, find_root

from ..schema import get_schemas
from ..security.policy import roles_in_context


def complete(context, request, data):
    """Every field marked ``complete`` (or ``required``) in the schema is filled."""
    schema = get_schemas(request.registry)[context.type_name]
    return [f"Fältet '{f.title_sv}' måste fyllas i." for f in schema.incomplete_fields(context.data)]


def resolve(context, path):
    """The object at a stored path, or None if it no longer exists."""
    if not path:
        return None
    try:
        return find_resource(find_root(context), path)
    except KeyError:
        return None


def deciding_decision(proposal):
    """The decision that adopted the proposal (the last one with outcome adopt)."""
    for path in reversed(proposal.links.get("decisions", ())):
        decision = resolve(proposal, path)
        if decision is not None and decision.data.get("outcome") == "adopt":
            return decision
    return None


def deciding_decision_justified(context, request, data):
    """Dispatch needs the deciding decision's protocol justerat."""
    decision = deciding_decision(context)
    if decision is None:
        return ["Det finns inget beslut om bifall att expediera."]
    if decision.state not in ("justified", "posted", "final"):
        return [f"Protokollet för beslutet {decision.title} (§ {decision.data.get('paragraph')}) är inte justerat."]
    return []


def chair_of_deciding_body(context, request, data):
    """Only the chair of the body that took the decision justifies its protocol."""
    body = (context.data.get("body") or "").lower()
    if f"{body}_chair" not in roles_in_context(request, context):
        return [f"Endast ordföranden i {context.data.get('body')} kan justera protokollet."]
    return []


def appeal_period_ended(context, request, data):
    """A decision gains legal force only after the appeal period (KL 13:5)."""
    ends = context.data.get("appeal_ends_on")
    if ends is None:
        return ["Beslutet har inte anslagits."]
    if datetime.date.today() <= ends:
        return [f"Överklagandetiden löper till och med {ends.isoformat()}."]
    return []


def linked_to_adopted_decision(context, request, data):
    """An agreement is approved by an adopted decision (directly or through its proposal)."""
    decision = resolve(context, context.data.get("decision"))
    if decision is not None and decision.data.get("outcome") == "adopt":
        return []
    proposal = resolve(context, context.data.get("proposal"))
    if proposal is not None and proposal.state in ("adopted", "dispatched", "closed"):
        return []
    return ["Avtalet är inte kopplat till ett beslut om bifall."]


def all_parties_signed(context, request, data):
    """Both (all) parties' signatures with dates are given."""
    if data is None:
        return []
    signed = {s["party"] for s in data.get("signatures", ())}
    missing = [p for p in context.data.get("parties", ()) if p not in signed]
    return [f"Underskrift saknas för {p}." for p in missing]


def amends_agreement(context, request, data):
    """An amendment can only be applied to an existing, signed agreement."""
    target = resolve(context, context.data.get("amends"))
    if target is None or target.type_name != "Agreement":
        return ["Ändringen gäller inget avtal."]
    if target.state != "signed":
        return ["Avtalet som ändras är inte undertecknat."]
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
