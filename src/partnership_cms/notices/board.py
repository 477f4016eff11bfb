"""What the anslagstavla shows: the notice of each posted protocol (KL 8:12).

Read with the public's principals only, whoever asks: the board shows what
a protocol's notice publishes and nothing a signed-in user could see beside
it. A notice stays on the board up to and including the last day to appeal
(KL 13:5, ``dates.appeal_end_of_protocol``); after that it is in the archive,
whether or not ``partnership-cms finalize`` has run yet.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from pyramid.authorization import Allow, Everyone

from .. import catalog, dates
from ..interfaces import IACLSource
from ..schema import get_schemas
from ..security.permissions import VIEW
from .posting import PROTOCOL

POSTED, FINAL = "posted", "final"
# The public's principals: the board never shows more than an anonymous reader may see.
PUBLIC = [Everyone]
ARCHIVE_PAGE = 50
# More than a kommun's bodies post within three weeks (about 3 protocols a week each).
ALL_POSTED = 10_000


@dataclass(frozen=True)
class Notice:
    """One protocol's notice, as the page and the feed show it."""

    protocol: object
    body: str  # the body's code (KS); ``body_title`` its {sv, en} name
    body_title: dict
    title: str
    meeting_date: datetime.date | None
    justified_on: datetime.date | None
    posted_on: datetime.date
    appeal_ends_on: datetime.date
    kept_at: str

    @property
    def current(self) -> bool:
        """Still within the appeal period (the last day included)."""
        return dates.today() <= self.appeal_ends_on


def notice_of(request, protocol) -> Notice:
    """The notice of a posted protocol; its appeal end is computed from its dates
    (never only the stored one: a posting dated out of order never shortens it)."""
    data = protocol.data
    computed = dates.appeal_end_of_protocol(data.get("meeting_date"), data.get("justified_on"), data["posted_on"])
    body_field = get_schemas(request.registry)[protocol.type_name].by_name["body"]
    return Notice(protocol=protocol, body=data.get("body") or "",
                  body_title=body_field.choices.get(data.get("body") or "", {}),
                  title=protocol.title, meeting_date=data.get("meeting_date"),
                  justified_on=data.get("justified_on"), posted_on=data["posted_on"],
                  appeal_ends_on=max(computed, data.get("appeal_ends_on") or computed),
                  kept_at=data.get("kept_at") or request.app_settings.protocol_kept_at)


def _posted(request, state, start=0, size=ALL_POSTED):
    objects, total = catalog.search(request, PUBLIC, type=PROTOCOL, state=state, start=start, size=size)
    return [notice_of(request, p) for p in objects if p.data.get("posted_on")], total


def current_notices(request) -> list[Notice]:
    """The notices within their appeal period, latest posting first."""
    notices, _ = _posted(request, POSTED)
    return sorted((n for n in notices if n.current), key=lambda n: n.posted_on, reverse=True)


def archived_notices(request, start=0, size=ARCHIVE_PAGE) -> tuple[list[Notice], int]:
    """The notices whose appeal period is over: those still waiting for
    ``finalize`` (on the first page), then the final ones, newest first, one page of them."""
    waiting = []
    if start == 0:
        posted, _ = _posted(request, POSTED)
        waiting = [n for n in posted if not n.current]
    final, total = _posted(request, FINAL, start=start, size=size)
    notices = sorted(waiting, key=lambda n: n.posted_on, reverse=True) + final
    return notices, total + len(waiting)


def public_notice(request, name) -> Notice | None:
    """The notice of the protocol named ``name`` if it is on the board or in its
    archive (posted or final, and public); None for any other name."""
    container = get_schemas(request.registry)[PROTOCOL].container
    folder = request.root.get(container)
    protocol = folder.get(name) if folder is not None else None
    if (protocol is None or getattr(protocol, "type_name", None) != PROTOCOL
            or protocol.state not in (POSTED, FINAL) or not protocol.data.get("posted_on")):
        return None
    if (Allow, Everyone, VIEW) not in request.registry.getUtility(IACLSource).acl_for(protocol):
        return None  # confidential: never on the public board
    return notice_of(request, protocol)
