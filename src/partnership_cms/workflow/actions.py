"""The built-in workflow actions, named in ``workflows/*.yaml``.

An action runs after the state has changed and before the history and audit
entries are written, so the entry describes the object as the action left it.
"""
from typing import Annotated

from pyramid.traversal import resource_path

from .. import dates
from ..bodies.decisions import meeting_decision
from ..content.numbering import next_number
from ..content.services import create_content, edit_content
from ..events import AuditAction, ContentChanged, notify
from ..schema.loader import to_json_value
from .guards import resolve
from .params import ChoiceOf, FieldOf, TypeName

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

    The paragraph is the next of the body in the meeting's year, gapless;
    a decision taken at a meeting (``bodies.decisions``) has the § its item
    got when the meeting opened, and records the meeting, the named vote and
    who was present.
    """
    meeting_date = data["meeting_date"]
    year = meeting_date.year
    at_meeting = meeting_decision(request, proposal)
    paragraph = at_meeting.paragraph if at_meeting is not None else next_number(request.root, "§" + body, year)
    text = data.get("decision_text") or DEFAULT_DECISION_TEXT.get(outcome) or "\n".join(
        proposal.data.get("decision_points", ()))
    values = {k: data[k] for k in DECISION_DATA if k in data}
    values.update({
        "title": proposal.title,
        "body": body,
        "paragraph": paragraph,
        "dnr": proposal.data.get("dnr", ""),
        "outcome": outcome,
        "decision_text": text,
        "proposal": resource_path(proposal),
        "recipients": list(proposal.data.get("recipients", ())),
        "confidential": bool(proposal.data.get("confidential")),
    })
    if at_meeting is not None:
        values.update(at_meeting.values, meeting=at_meeting.meeting)
    # Services take JSON-shaped values, as the API sends them.
    decision = create_content(request, decision_type, to_json_value(values), allow_system=True,
                              name=f"{body.lower()}-{year}-{paragraph}")
    proposal.add_link("decisions", resource_path(decision))


def record_date(context, request, transition, data, *, field: Annotated[str, FieldOf()], source: str):
    """Copy a date the transition took (``source``) into a field."""
    context.data[field] = data[source]


def compute_appeal_end(context, request, transition, data):
    """Appeal ends three weeks after posting, moved past free days (KL 13:5, lag 1930:173)."""
    context.data["appeal_ends_on"] = dates.appeal_end_date(context.data["posted_on"])


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
    """Make the amended agreement's next version; every earlier version stays readable."""
    agreement = resolve(amendment, amendment.data.get("amends"))
    version = agreement.data.get("version") or 1
    agreement.versions.append({"version": version, "data": dict(agreement.data),
                               "replaced_by": resource_path(amendment)})
    changes = {}
    for change in amendment.data.get("changes", ()):
        field, operation, text = change["field"], change["operation"], change.get("text") or ""
        current = changes.get(field, agreement.data.get(field))
        if isinstance(current, list):
            if operation == "insert":
                changes[field] = list(current) + [text]
            elif operation == "delete":
                changes[field] = [item for item in current if item != text]
            else:
                changes[field] = [text]
        elif operation == "insert":
            changes[field] = f"{current}\n\n{text}" if current else text
        elif operation == "delete":
            changes[field] = ""
        else:
            changes[field] = text
    changes["version"] = version + 1
    edit_content(request, agreement, changes, allow_system=True,
                 reason=f"Ändring {amendment.title} tillämpad")
    amendment.data["applied_version"] = version + 1


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
        ("compute_appeal_end", compute_appeal_end),
        ("record_dispatch", record_dispatch),
        ("record_signatures", record_signatures),
        ("record_termination", record_termination),
        ("apply_amendment", apply_amendment),
        ("link_to_agreement", link_to_agreement),
    ]:
        config.add_workflow_action(name, fn)
