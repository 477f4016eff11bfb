"""The built-in guards. Each returns a list of reasons to refuse (translatable
messages, Swedish msgids); empty means pass.

Guards judge the object and the user; ``data`` (what the transition was sent)
is None when the engine only asks what to offer, and guards that judge data
pass then: the real check happens when the transition is performed. The
states, types and choices a guard looks at are its parameters, given in
``workflows/*.yaml`` and checked at start-up (``params.py``).
"""
from __future__ import annotations

from typing import Annotated

from pyramid.traversal import find_resource, find_root, resource_path

from .. import dates
from ..bodies import get_bodies, seats_of
from ..bodies.decisions import meeting_decision
from ..content.models import Moved
from ..content.services import ContentInvalid, check_edit
from ..dates import DEADLINES, appeal_end_of_protocol
from ..i18n import _
from ..schema import get_schemas
from ..security.policy import roles_in_context
from .amending import amended_payload
from .deadlines import BEFORE, FUTURE, LATE, last_day, order_problem
from .params import ChoiceOf, DeadlineOf, FieldOf, FieldsOf, RolesByChoice, StateOf, StatesOf, TypeName
from .protocol_steps import justified_by_protocol


def complete(context, request, data):
    """Every field marked ``complete`` (or ``required``) in the schema is filled."""
    schema = get_schemas(request.registry)[context.type_name]
    # ``field_name`` lets a page link to the field; the message uses only ``field``.
    return [_("Fältet '${field}' måste fyllas i.", mapping={"field": f.title, "field_name": f.name})
            for f in schema.incomplete_fields(context.data)]


def resolve(context, path):
    """The object at a stored path (a renamed one at its new name), or None if it no longer exists."""
    if not path:
        return None
    try:
        found = find_resource(find_root(context), path)
    except KeyError:
        return None
    return found.target if isinstance(found, Moved) else found


def deciding_decision(proposal, decision_type, outcome):
    """The last linked decision of ``decision_type`` with ``outcome`` (the one that adopted the proposal)."""
    for path in reversed(proposal.links.get("decisions", ())):
        decision = resolve(proposal, path)
        if decision is not None and decision.type_name == decision_type and decision.data.get("outcome") == outcome:
            return decision
    return None


def _not_justified(decision):
    """The reason a step waits for ``decision``'s protocol, with a link to it."""
    return _("Protokollet för beslutet ${title} (§ ${paragraph}) är inte justerat.",
             mapping={"title": decision.title, "paragraph": str(decision.data.get("paragraph")),
                      "document": resource_path(decision)})


def deciding_decision_justified(context, request, data, *, decision_type: TypeName,
                                outcome: Annotated[str, ChoiceOf("outcome", "decision_type")],
                                states: Annotated[list, StatesOf("decision_type")]):
    """Dispatch needs the deciding decision's protocol justerat (in one of ``states``)."""
    decision = deciding_decision(context, decision_type, outcome)
    if decision is None:
        return [_("Det finns inget beslut om bifall att expediera.")]
    if decision.state not in states:
        return [_not_justified(decision)]
    return []


def chair_of_deciding_body(context, request, data, *, chairs: Annotated[dict, RolesByChoice("body")]):
    """Only the chair of the body that took the decision justifies its protocol
    (``chairs``: the chair's role of each body), or the protocol the chair
    signed, when its last signature justifies the decision (``protocol_steps``)."""
    body = context.data.get("body")
    if justified_by_protocol(request, context):
        return []
    if chairs.get(body) not in roles_in_context(request, context):
        return [_("Endast ordföranden i ${body} kan justera protokollet.", mapping={"body": str(body)})]
    return []


def date_within_deadline(context, request, data, *, field: Annotated[str, FieldOf()],
                         after: Annotated[str, FieldOf()], deadline: Annotated[str, DeadlineOf()],
                         reason: Annotated[str, FieldOf()]):
    """The date the transition records (``field``, sent under the same name)
    keeps the legal order: not after today, not before the object's ``after``
    date, and later than ``deadline`` from it only with a reason (the
    transition's ``reason`` data, which an action records in that field).
    ``deadlines.date_flags`` flags what this lets through."""
    if data is None or data.get(field) is None:
        return []
    schema = get_schemas(request.registry)[context.type_name]
    day, earlier = data[field], context.data.get(after)
    problem = order_problem(day, earlier, deadline, dates.today())
    mapping = {"field": schema.by_name[field].title, "date": day.isoformat(),
               "after": schema.by_name[after].title, "law": DEADLINES[deadline].law,
               "after_date": earlier.isoformat() if earlier else "",
               "reason": schema.by_name[reason].title}
    if problem == FUTURE:
        return [_("'${field}' ${date} kan inte ligga efter dagens datum.", mapping=mapping)]
    if problem == BEFORE:
        return [_("'${field}' ${date} kan inte vara före '${after}' ${after_date} (${law}).", mapping=mapping)]
    if problem == LATE and not str(data.get(reason) or "").strip():
        mapping["last_day"] = last_day(earlier, deadline).isoformat()
        return [_("'${field}' ${date} är senare än ${law} medger (senast ${last_day}); "
                  "ange ett skäl i '${reason}'.", mapping=mapping)]
    return []


def appeal_period_ended(context, request, data, *, field: Annotated[str, FieldOf()],
                        posted: Annotated[str, FieldOf()], justified: Annotated[str, FieldOf()],
                        meeting: Annotated[str, FieldOf()]):
    """A decision gains legal force only after the appeal period (KL 13:5):
    the later of what ``field`` holds and what the dates ``meeting``,
    ``justified`` and ``posted`` give (``dates.appeal_end_of_protocol``), so
    that a stored end or a posting dated out of order never ends it early."""
    posted_on = context.data.get(posted)
    if posted_on is None:
        return [_("Beslutet har inte anslagits.")]
    computed = appeal_end_of_protocol(context.data.get(meeting), context.data.get(justified), posted_on)
    ends = max(computed, context.data.get(field) or computed)
    if dates.today() <= ends:
        return [_("Överklagandetiden löper till och med ${date}.", mapping={"date": ends.isoformat()})]
    return []


def approving_decision(agreement, decision_type, outcome, proposal_type):
    """The decision that would approve ``agreement``: the one it names, else the
    one that adopted (``outcome``) the proposal it names; None if neither."""
    decision = resolve(agreement, agreement.data.get("decision"))
    if decision is not None and decision.type_name == decision_type:
        return decision
    proposal = resolve(agreement, agreement.data.get("proposal"))
    if proposal is not None and proposal.type_name == proposal_type:
        return deciding_decision(proposal, decision_type, outcome)
    return None


def linked_to_adopted_decision(context, request, data, *, decision_type: TypeName,
                               outcome: Annotated[str, ChoiceOf("outcome", "decision_type")],
                               states: Annotated[list, StatesOf("decision_type")],
                               proposal_type: TypeName,
                               agreement_field: Annotated[str, FieldOf("proposal_type")]):
    """An agreement is approved only by a decision that a proposal's transition
    made (``made_by``: no client can set it, so a decision registered by hand
    never approves), with ``outcome``, whose protocol is justified (in one of
    ``states``), on a proposal whose ``agreement_field`` names this agreement.
    The decision is the one the agreement names, or its proposal's deciding one."""
    decision = approving_decision(context, decision_type, outcome, proposal_type)
    if decision is None or decision.data.get("outcome") != outcome:
        return [_("Avtalet är inte kopplat till ett beslut om bifall.",
                  mapping={"document": context.data.get("proposal") or None})]
    if not decision.data.get("made_by"):
        return [_("Beslutet är inte fattat i ärendets behandling och kan inte godkänna avtalet.")]
    proposal = resolve(decision, decision.data.get("proposal"))
    if proposal is None or proposal.data.get(agreement_field) != resource_path(context):
        return [_("Beslutet gäller inte detta avtal.")]
    if decision.state not in states:
        return [_not_justified(decision)]
    return []


def within_mandate(context, request, data, *, field: Annotated[str, FieldOf()], proposes_to: list,
                   mandate: Annotated[str, FieldOf()]):
    """A body decides a matter itself only when the proposal does not send it
    on: if ``field`` (the proposal's "Kommunstyrelsens förslag till
    kommunfullmäktige") contains one of ``proposes_to``, only when the
    proposal is marked ``mandate`` (within the body's own mandate, KL 5:1, 6:1)."""
    if context.data.get(mandate):
        return []
    line = " ".join(str(context.data.get(field) or "").split())
    if any(" ".join(words.split()).casefold() in line.casefold() for words in proposes_to):
        schema = get_schemas(request.registry)[context.type_name]
        return [_("Förslaget lyder '${line}': ärendet kan beslutas här bara om det är markerat '${mandate}'.",
                  mapping={"line": line, "mandate": schema.by_name[mandate].title})]
    return []


def votes_within_seats(context, request, data, *, decision_type: TypeName,
                       body: Annotated[str, ChoiceOf("body", "decision_type")],
                       votes: Annotated[list, FieldsOf("decision_type")]):
    """The counts of a vote (``votes``: yes, no, abstain) add up to no more
    than the ``body``'s seats (``bodies/*.yaml``)."""
    if data is None:
        return []
    deciding = get_bodies(request.registry).get(body)
    seats = seats_of(deciding) if deciding is not None else None
    total = sum(data.get(name) or 0 for name in votes)
    if seats is not None and total > seats:
        return [_("Rösterna är ${total} men ${body} har ${seats} ledamöter.",
                  mapping={"total": str(total), "body": body, "seats": str(seats)})]
    return []


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


def changes_fit_target(context, request, data, *, target: Annotated[str, FieldOf()],
                       changes: Annotated[str, FieldOf()]):
    """The ``changes`` an amendment makes to the object its ``target`` field
    names are an edit the user could make to it: each names a field its
    schema lets a user edit and gives it a value that field accepts."""
    obj = resolve(context, context.data.get(target))
    if obj is None:
        return []  # nothing amended: `complete` and `amends_agreement` say so
    try:
        check_edit(request, obj, amended_payload(obj, context.data.get(changes) or ()))
    except ContentInvalid as e:
        fields = get_schemas(request.registry)[obj.type_name].by_name
        problems = []
        for name, message in sorted(e.rendered(request)[1].items()):
            spec = fields.get(name.split(".")[0])
            problems.append(_("Ändringen av ${field} går inte att göra: ${problem}",
                              mapping={"field": spec.title if spec else name, "problem": message}))
        return problems
    return []


def decided_at_meeting(context, request, data, *, body: str):
    """A body that decides only at meetings (``decides_without_meetings: false``
    in ``bodies/``) takes this decision through a meeting's item, never by one
    person's transition: the meeting service lets its own call through
    (``bodies.decisions.at_meeting``), everyone else is refused with the rule.
    ``body``: the body's id; start-up checks it names a body."""
    deciding = get_bodies(request.registry)[body]
    if deciding.decides_without_meetings or meeting_decision(request, context) is not None:
        return []
    return [_("${body} beslutar bara vid sammanträde (${law}): ärendet avgörs när det behandlas "
              "på ett sammanträdes föredragningslista.",
              mapping={"body": deciding.title, "law": deciding.quorum_law})]


def includeme(config):
    for name, fn in [
        ("complete", complete),
        ("deciding_decision_justified", deciding_decision_justified),
        ("chair_of_deciding_body", chair_of_deciding_body),
        ("appeal_period_ended", appeal_period_ended),
        ("date_within_deadline", date_within_deadline),
        ("within_mandate", within_mandate),
        ("votes_within_seats", votes_within_seats),
        ("linked_to_adopted_decision", linked_to_adopted_decision),
        ("all_parties_signed", all_parties_signed),
        ("amends_agreement", amends_agreement),
        ("changes_fit_target", changes_fit_target),
        ("decided_at_meeting", decided_at_meeting),
    ]:
        config.add_workflow_guard(name, fn)
