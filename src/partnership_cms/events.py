"""What the content code announces: one event per change, at the bottom of the tree.

The engine, the content services, the workflow actions and the importer
change an object and then notify one of these (``request.registry.notify``);
the catalog reindexes and the audit trail records in their own subscribers
(``catalog.includeme``, ``audit.includeme``), in the same transaction. No
code that changes content calls the catalog or the audit itself.

``AuditAction`` is the typed kind of change an event carries: the audit
entry's ``action``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    """The kinds of event the trail records."""

    CREATE = "create"
    EDIT = "edit"
    TRANSITION = "transition"
    LINK = "link"
    RENAMED = "renamed"  # the object's path changed (content/rename.py); details: from, to
    ATTACHMENT_ADDED = "attachment_added"
    ATTACHMENT_REMOVED = "attachment_removed"
    IMPORT = "import"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    LOGOUT = "logout"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    GROUP_CHANGED = "group_changed"
    GROUP_CHANGE_REQUESTED = "group_change_requested"
    GROUP_CHANGE_CANCELLED = "group_change_cancelled"
    LOCAL_ROLE_CHANGED = "local_role_changed"
    SEAL = "seal"
    BODY_CHANGED = "body_changed"  # a body's members, substitutes, chair (bodies/)
    # The acts of a meeting (meetings/): each on the meeting's chain.
    AGENDA = "agenda"
    ATTENDANCE = "attendance"
    MOTION = "motion"
    VOTE = "vote"
    DECLARATION = "declaration"  # the chair's: a vote opened or closed, an item decided
    RESERVATION = "reservation"
    NOTE = "note"  # a protokollsanteckning
    DISPATCH = "dispatch"  # a protocol's extracts sent to their recipients (notices/dispatch.py)


@dataclass(frozen=True)
class ContentEvent:
    """A content object changed: ``action`` says how, ``details`` what (JSON-shaped)."""

    request: Any
    obj: Any
    action: AuditAction
    details: dict = field(default_factory=dict)


class ContentAdded(ContentEvent):
    """A new object was put in its folder."""


class ContentChanged(ContentEvent):
    """Fields, local roles or links of an object changed."""


class ContentRenamed(ContentEvent):
    """An object got a new name (path); ``details`` hold ``from`` and ``to``, the
    old and new paths. The catalog moves its docid, the audit trail keeps
    appending to the object's chain under its new path."""


class StateChanged(ContentEvent):
    """An object moved to another workflow state (a transition, or filed in a state by the importer)."""


@dataclass(frozen=True)
class ShownContentChanged:
    """What ``obj`` shows its readers changed, though ``obj`` did not: a case on a
    meeting's agenda was marked confidential, or the mark lifted, so the meeting
    shows the item differently. The catalog reindexes ``obj`` in the same
    transaction; the audit trail records nothing (it is no change of ``obj``, and
    the change that caused it has its own entry). Not a ``ContentEvent`` for that reason."""

    request: Any
    obj: Any


def notify(request, event_class, obj, action, details=None):
    """Announce a change of ``obj`` to the subscribers (catalog, audit)."""
    request.registry.notify(event_class(request, obj, action, details or {}))
