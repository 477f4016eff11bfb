"""The legal order of a decision's dates (KL 5:69, 6:35, 8:12, 13:5), in one place.

The meeting comes first, then the justering, then the posting, none of them
after today; a justering more than 14 days after the meeting, or a posting
later than the second weekday after the justering, is allowed only with a
recorded reason. Which dates and which deadline each check concerns are the
parameters of the guard ``date_within_deadline`` in ``workflows/*.yaml``;
``date_flags`` reads the same steps, so the page and the API flag exactly
what the guard lets through with a reason (or what an import brought in).
"""
from __future__ import annotations

from .. import dates
from ..dates import DEADLINES
from ..i18n import _
from ..interfaces import IWorkflows
from ..schema import get_schemas

GUARD = "date_within_deadline"
FUTURE, BEFORE, LATE = "future", "before", "late"


def order_problem(day, earlier, deadline, today):
    """What is wrong with ``day`` after ``earlier`` (None: nothing): FUTURE
    (after ``today``), BEFORE (before ``earlier``) or LATE (after the deadline)."""
    if day > today:
        return FUTURE
    if earlier is None:
        return None
    if day < earlier:
        return BEFORE
    if day > DEADLINES[deadline].compute(earlier):
        return LATE
    return None


def last_day(earlier, deadline):
    return DEADLINES[deadline].compute(earlier) if earlier is not None else None


def _flag_message(problem, mapping):
    if problem == FUTURE:
        return _("'${field}' ${date} ligger efter dagens datum.", mapping=mapping)
    if problem == BEFORE:
        return _("'${field}' ${date} är före '${after}' ${after_date}, i strid med ${law}.", mapping=mapping)
    return _("'${field}' ${date} är senare än ${law} medger (senast ${last_day}).", mapping=mapping)


def date_flags(request, obj):
    """The dates of ``obj`` that break the legal order, as the guards
    ``date_within_deadline`` of its workflow define it: a list of
    ``{rule, law, problem, field, date, after, after_date, last_day, reason, message}``
    (dates in ISO form, ``message`` translatable), empty when all is in order."""
    definition = request.registry.getUtility(IWorkflows).definition(obj.type_name)
    schema = get_schemas(request.registry)[obj.type_name]
    today = dates.today()
    flags = []
    for t in definition.transitions.values():
        for step in t.guards:
            if step.name != GUARD:
                continue
            p = step.params
            day, earlier = obj.data.get(p["field"]), obj.data.get(p["after"])
            if day is None:
                continue
            problem = order_problem(day, earlier, p["deadline"], today)
            if problem is None:
                continue
            deadline = DEADLINES[p["deadline"]]
            limit = last_day(earlier, p["deadline"])
            mapping = {"field": schema.by_name[p["field"]].title, "date": day.isoformat(),
                       "after": schema.by_name[p["after"]].title,
                       "after_date": earlier.isoformat() if earlier else "",
                       "law": deadline.law, "last_day": limit.isoformat() if limit else ""}
            flags.append({"rule": deadline.name, "law": deadline.law, "problem": problem,
                          "field": p["field"], "date": mapping["date"], "after": p["after"],
                          "after_date": mapping["after_date"] or None, "last_day": mapping["last_day"] or None,
                          "reason": obj.data.get(p["reason"]) or None,
                          "message": _flag_message(problem, mapping)})
    return flags
