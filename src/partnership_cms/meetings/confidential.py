"""Confidential agenda items (sekretess): who may read them, and the agenda
as the caller may see it.

A meeting is readable by every logged-in user from the moment it is
convened, so its agenda is where a secret case's title would leak. An item
is confidential when the clerk marked it (``add_item``/``add_information``
with ``confidential: true``, or the act ``confidential``) or when its case
is marked confidential (the proposal's ``confidential`` field, read when the
agenda is shown, so a case marked later is covered too). Its title, case,
motions, votes, reservations and notes are shown only to the body's members
and substitutes, the clerks and the administrators; everybody else gets the
item's number and § with "Sekretessbelagt ärende" (and ``hidden: true``). Every reader of the
agenda (``summary``, the object's JSON, the document page) goes through
``readable_agenda``; the catalog leaves confidential items out of the
meeting's full text (``catalog._text_of``, asking ``meetings.confidential_entry``),
and a case's mark changed reindexes the meetings listing it
(``meetings.follow_case_confidentiality``), in the same transaction.

The case document keeps its own ACL (its workflow state's map, never public
while marked confidential): it is read only by those who prepare it and the
deciding bodies' roles already, and an ACL that depended on which meeting
lists a case would tie the permissions and catalog entries of two objects.
"""
from __future__ import annotations

from pyramid.traversal import find_resource

from ..bodies import membership
from ..content.models import Content
from ..i18n import _, translate
from ..security.policy import roles_in_context
from ..workflow.meeting_steps import body_of

PLACEHOLDER = _("Sekretessbelagt ärende")
# Staff who read every item: the clerk prepares the agenda, the administrator keeps the system.
STAFF_ROLES = frozenset({"clerk", "admin"})
# What a reader outside the body sees of a confidential item.
SHOWN_KEYS = ("item", "paragraph", "kind", "status")


def case_is_confidential(root, item):
    """Whether the item's case (if any) is marked confidential."""
    path = item.get("proposal")
    if not path:
        return False
    try:
        case = find_resource(root, path)
    except KeyError:
        return False
    return isinstance(case, Content) and bool(case.data.get("confidential"))


def is_confidential(root, item):
    """Whether an agenda item is confidential: marked so, or its case is."""
    return bool(item.get("confidential")) or case_is_confidential(root, item)


def reads_confidential(request, meeting):
    """Whether the current user may read the meeting's confidential items."""
    login = request.authenticated_userid
    if login is None:
        return False
    if roles_in_context(request, meeting) & STAFF_ROLES:
        return True
    seats = membership(request.root, body_of(request, meeting))
    return login in seats["members"] or login in seats["substitutes"] or login in (
        seats["chair"], seats["vice_chair"])


def hidden_item(request, item):
    """What a reader outside the body sees of a confidential item."""
    shown = {key: item.get(key) for key in SHOWN_KEYS}
    return dict(shown, title=translate(request, PLACEHOLDER), confidential=True, hidden=True)


def readable_agenda(request, meeting):
    """The meeting's agenda as the current user may read it (plain dicts, not to be stored)."""
    items = list(meeting.data.get("agenda") or ())
    reader = None  # asked once, and only when an item is confidential
    shown = []
    for item in items:
        if is_confidential(request.root, item):
            if reader is None:
                reader = reads_confidential(request, meeting)
            shown.append(dict(item, confidential=True) if reader else hidden_item(request, item))
        else:
            shown.append(dict(item, confidential=False))
    return shown
