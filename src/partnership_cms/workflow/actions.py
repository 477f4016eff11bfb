"""The built-in workflow actions, named in ``workflows/*.yaml``.

An action runs after the state has changed and before the history and audit
entries are written, so the entry describes the object as the action left it.
"""
import contextlib
from typing import Annotated

from pyramid.traversal import resource_path

from .. import dates
from ..bodies.decisions import meeting_decision
from ..content.services import check_edit, create_content, edit_content
from ..events import AuditAction, ContentChanged, notify
from ..interfaces import IWorkflows
from ..schema.loader import to_json_value
from .amending import amended_payload
from .errors import GuardFailed
from .guards import resolve
from .params import ChoiceOf, FieldOf, TransitionOf, TypeName

DEFAULT_DECISION_TEXT = {
    "refer_back": "Ärendet återremitteras.",
    "table": "Ärendet bordläggs.",
    "reject": "Förslaget avslås.",
}
DECISION_DATA = ("meeting_date", "decision_text", "motions", "votes_yes", "votes_no",
                 "votes_abstain", "reservations", "adjusters")


def create_decision(proposal, request, transition, data, *, decision_type: TypeName,
                    body: Annotated[str, ChoiceOf("body", "decision_type")],
                    outcome: Annotated[str, ChoiceOf("outcome", "decision_type")]):
    """Record the body's decision (KS § n, KF § m) on the proposal.

    The paragraph is the next of the body in the meeting's year, gapless
    (the Decision type's ``numbering``, content/numbering.py); a decision
    taken at a meeting (``bodies.decisions``) has the § its item got when the
    meeting opened, and records the meeting, the named vote and who was present.
    """
    at_meeting = meeting_decision(request, proposal)
    text = data.get("decision_text") or DEFAULT_DECISION_TEXT.get(outcome) or "\n".join(
        proposal.data.get("decision_points", ()))
    values = {k: data[k] for k in DECISION_DATA if k in data}
    values.update({
        "title": proposal.title,
        "body": body,
        "dnr": proposal.data.get("dnr", ""),
        "outcome": outcome,
        "decision_text": text,
        "proposal": resource_path(proposal),
        # Only a decision made here (or by a meeting) can approve an agreement: no client sets this.
        "made_by": transition.id,
        "recipients": list(proposal.data.get("recipients", ())),
        "confidential": bool(proposal.data.get("confidential")),
    })
    if at_meeting is not None:  # the § of its item: content/numbering.py checks nobody holds it
        values.update(at_meeting.values, meeting=at_meeting.meeting, paragraph=at_meeting.paragraph)
    # Services take JSON-shaped values, as the API sends them.
    decision = create_content(request, decision_type, to_json_value(values), allow_system=True)
    proposal.add_link("decisions", resource_path(decision))


def record_date(context, request, transition, data, *, field: Annotated[str, FieldOf()], source: str):
    """Copy a date the transition took (``source``) into a field."""
    context.data[field] = data[source]


def record_reason(context, request, transition, data, *, field: Annotated[str, FieldOf()]):
    """Keep the reason the transition was given under ``field`` (e.g. why the
    minutes were justerade late), if one was given."""
    reason = str(data.get(field) or "").strip()
    if reason:
        context.data[field] = reason


def compute_appeal_end(context, request, transition, data):
    """Appeal ends three weeks after posting, moved past free days (KL 13:5, lag 1930:173)."""
    context.data["appeal_ends_on"] = dates.appeal_end_of_protocol(
        context.data.get("meeting_date"), context.data.get("justified_on"), context.data["posted_on"])


def record_dispatch(proposal, request, transition, data):
    """Record who the decision went to, when and by whom."""
    sent_on = data["dispatched_on"]
    proposal.data["dispatched_on"] = sent_on
    proposal.data["dispatches"] = [
        {"recipient": r, "sent_on": sent_on, "sent_by": request.authenticated_userid}
        for r in proposal.data.get("recipients", ())
    ]


def record_signatures(agreement, request, transition, data):
    agreement.data["signatures"] = list(data["signatures"])


def record_termination(agreement, request, transition, data):
    """Record the notice and compute the end date from the agreement's own rule."""
    notice = data["notice_date"]
    agreement.data["notice_date"] = notice
    agreement.data["ends_on"] = dates.termination_end_date(
        notice,
        notice_months=agreement.data.get("notice_months") or 0,
        rule=agreement.data.get("termination_rule") or "months",
    )


def apply_amendment(amendment, request, transition, data):
    """Make the amended agreement's next version; every earlier version stays readable.

    The changes are checked again as the clerk's edit of the agreement
    (``check_edit``): the agreement may have changed since the submit. A
    refusal (ContentInvalid, 422) aborts the whole transition.
    """
    agreement = resolve(amendment, amendment.data.get("amends"))
    changes = amended_payload(agreement, amendment.data.get("changes", ()))
    check_edit(request, agreement, changes)
    version = agreement.data.get("version") or 1
    agreement.add_version({"version": version, "data": dict(agreement.data),
                           "replaced_by": resource_path(amendment)})
    changes["version"] = version + 1
    edit_content(request, agreement, changes, allow_system=True,
                 reason=f"Ändring {amendment.title} tillämpad")
    amendment.data["applied_version"] = version + 1


def approve_adopted_agreement(decision, request, transition, data, *,
                              outcome: Annotated[str, ChoiceOf("outcome")],
                              proposal_type: TypeName,
                              agreement_field: Annotated[str, FieldOf("proposal_type")],
                              agreement_type: TypeName,
                              approve: Annotated[str, TransitionOf("agreement_type")]):
    """A justified decision that adopted (``outcome``) a proposal whose
    ``agreement_field`` names an agreement approves that agreement, in the same
    transaction: the agreement names the decision and goes through its own
    ``approve`` transition, performed by the system (``perform_entailed``), so
    its guards, history and audit are the usual ones.

    Approval waits for justering, not the meeting itself: a decision is not
    carried out before its protocol is justified, and the guard
    ``linked_to_adopted_decision`` holds the clerk's approval to the same rule.
    An agreement that its guards still refuse (parties missing, say) stays a
    draft: the clerk completes and approves it; the justering is not refused.
    """
    if decision.data.get("outcome") != outcome or not decision.data.get("made_by"):
        return
    proposal = resolve(decision, decision.data.get("proposal"))
    if proposal is None or proposal.type_name != proposal_type:
        return
    agreement = resolve(decision, proposal.data.get(agreement_field))
    workflows = request.registry.getUtility(IWorkflows)
    if (agreement is None or agreement.type_name != agreement_type
            or agreement.state not in workflows.definition(agreement_type).transitions[approve].from_states):
        return  # no agreement, or approved already
    path = resource_path(decision)
    label = f"{decision.data.get('body')} § {decision.data.get('paragraph')}"
    if agreement.data.get("decision") != path:
        edit_content(request, agreement, {"decision": path}, allow_system=True,
                     reason=f"Godkänt genom beslut {label}")
    with contextlib.suppress(GuardFailed):  # the clerk approves it by hand once it is complete
        workflows.perform_entailed(request, agreement, approve, cause=path,
                                   comment=f"Godkänt genom beslut {label}, justerat.")


def link_to_agreement(amendment, request, transition, data):
    """Record on the amended object that this amendment exists."""
    target = resolve(amendment, amendment.data.get("amends"))
    if target is not None:
        target.add_link("amendments", resource_path(amendment))
        notify(request, ContentChanged, target, AuditAction.LINK, {"amendments": resource_path(amendment)})


def includeme(config):
    for name, fn in [
        ("create_decision", create_decision),
        ("record_date", record_date),
        ("record_reason", record_reason),
        ("compute_appeal_end", compute_appeal_end),
        ("record_dispatch", record_dispatch),
        ("record_signatures", record_signatures),
        ("record_termination", record_termination),
        ("apply_amendment", apply_amendment),
        ("link_to_agreement", link_to_agreement),
        ("approve_adopted_agreement", approve_adopted_agreement),
    ]:
        config.add_workflow_action(name, fn)
