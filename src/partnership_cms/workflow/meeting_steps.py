"""The guards and actions of the meeting workflow (``workflows/meeting.yaml``).

They live with the other built-in steps, so the shipped workflows load with
the workflow package alone; the acts between opening and closing are in
``meetings/services.py``."""
from __future__ import annotations

import datetime
from typing import Annotated

from .. import dates
from ..bodies import get_bodies, membership, rules
from ..content.numbering import next_number
from ..i18n import _
from .params import FieldOf


def body_of(request, meeting, body_field="body"):
    """The Body a meeting belongs to."""
    return get_bodies(request.registry)[meeting.data[body_field]]


def presides(request, meeting, body):
    """Whether the current user leads the meeting: the body's chair, or the
    vice chair when the roll call found the chair absent (or has not yet been
    held: the vice chair may open a meeting the chair cannot come to)."""
    seats = membership(request.root, body)
    login = request.authenticated_userid
    if login is None:
        return False
    if login == seats["chair"]:
        return True
    if login != seats["vice_chair"]:
        return False
    if not meeting.data.get("roll_called"):
        return True
    present = {a["member"] for a in meeting.data.get("attendance") or () if a["status"] == "present"}
    return seats["chair"] not in present


def notice_in_time(context, request, data, *, date_field: Annotated[str, FieldOf()],
                   body_field: Annotated[str, FieldOf()]):
    """The notice goes out today at least the body's notice days before the meeting."""
    body = body_of(request, context, body_field)
    meeting_date = context.data[date_field]
    today = dates.today()
    if rules.notice_in_time(meeting_date, today, body.notice_days):
        return []
    last = meeting_date - datetime.timedelta(days=body.notice_days)
    return [_("Kallelsen kommer för sent: ${body} ska kallas minst ${days} dagar före sammanträdet "
              "(${law}); sista dag var ${last}.",
              mapping={"body": body.title, "days": body.notice_days, "law": body.notice_law,
                       "last": last.isoformat()})]


def chair_of_meeting_body(context, request, data, *, body_field: Annotated[str, FieldOf()]):
    """Only the body's chair (or vice chair) leads its meeting."""
    body = body_of(request, context, body_field)
    if presides(request, context, body):
        return []
    return [_("Endast ordföranden eller vice ordföranden i ${body} leder sammanträdet.",
              mapping={"body": body.title})]


def no_vote_open(context, request, data):
    """A meeting does not close while a vote is open."""
    if any(vote.get("open") for item in context.data.get("agenda") or () for vote in item.get("votes") or ()):
        return [_("En votering pågår: ordföranden avslutar den först.")]
    return []


def record_today(context, request, transition, data, *, field: Annotated[str, FieldOf()]):
    """Today's date in ``field`` (the day the notice went out): the server's, not the client's."""
    context.data[field] = dates.today()


def number_agenda(context, request, transition, data, *, body_field: Annotated[str, FieldOf()],
                  date_field: Annotated[str, FieldOf()]):
    """Every item gets its § in agenda order, the body's next numbers in the
    meeting's year (gapless: the counter moves only if the opening commits)."""
    body = body_of(request, context, body_field)
    year = context.data[date_field].year
    agenda = [dict(item) for item in context.data.get("agenda") or ()]
    for item in agenda:
        item["paragraph"] = next_number(request.root, body.series, year)
    context.data["agenda"] = agenda


def includeme(config):
    config.add_workflow_guard("notice_in_time", notice_in_time)
    config.add_workflow_guard("chair_of_meeting_body", chair_of_meeting_body)
    config.add_workflow_guard("no_vote_open", no_vote_open)
    config.add_workflow_action("record_today", record_today)
    config.add_workflow_action("number_agenda", number_agenda)
