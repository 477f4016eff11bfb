"""The digital anslagstavla (public), its Atom feed, and the protocol's PDF files.

``/anslagstavla`` and ``/anslagstavla/feed.atom`` need no log-in: they show
only what ``notices.board`` reads with the public's principals. A notice's
PDF is downloaded from the board itself (``/anslagstavla/<protocol>.pdf``),
which serves only a protocol that is on it, and answers 404 for anything
else, so the board reveals nothing about protocols that are not posted.
Staff download the protocol (``protocol.pdf``) and its extracts
(``extract.pdf?paragraph=3``) from the protocol with the view permission,
and expedite the extracts (``dispatch``, the clerk).
"""
from __future__ import annotations

import datetime

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from .. import dates
from ..api.attachments import content_disposition
from ..api.views import json_body
from ..content.models import Content, Root
from ..documents.feed import ATOM_TYPE, FeedEntry, atom_feed
from ..errors import ServiceError
from ..notices import board, prints
from ..notices.dispatch import CHANNELS, dispatch, recipients_of
from ..notices.posting import PROTOCOL
from ..security.permissions import DISPATCH, VIEW
from .base import BaseView

BOARD = "anslagstavla"


def _pdf_response(pdf, filename):
    response = Response(body=pdf, content_type="application/pdf", charset=None)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _protocol(context):
    if context.type_name != PROTOCOL:
        raise HTTPNotFound()
    return context


class BoardView(BaseView):
    """The public notice board."""

    def pdf_url(self, notice):
        return f"{self.request.application_url}/{BOARD}/{notice.protocol.__name__}.pdf"

    def body_name(self, notice):
        return self.title_of(notice.body_title) or notice.body

    @view_config(context=Root, name=BOARD, request_method="GET", permission=NO_PERMISSION_REQUIRED)
    def __call__(self):
        """``/anslagstavla`` (the page), ``/anslagstavla/feed.atom`` and
        ``/anslagstavla/<protocol>.pdf``: one view name, told apart by the subpath."""
        subpath = self.request.subpath
        if not subpath:
            return render_to_response("partnership_cms:templates/anslagstavla.pt", self.page(), request=self.request)
        if len(subpath) == 1 and subpath[0] == "feed.atom":
            return self.feed()
        notice = None
        if len(subpath) == 1 and subpath[0].endswith(".pdf"):
            notice = board.public_notice(self.request, subpath[0].removesuffix(".pdf"))
        if notice is None:
            raise HTTPNotFound()
        return _pdf_response(prints.protocol_pdf(self.request, notice.protocol), subpath[0])

    def page(self):
        archive = self.request.params.get("arkiv") == "1"
        try:
            start = max(0, int(self.request.params.get("start", 0)))
        except ValueError:
            start = 0
        if archive:
            notices, total = board.archived_notices(self.request, start=start)
        else:
            notices = board.current_notices(self.request)
            total = len(notices)
        return {"page": self, "notices": notices, "archive": archive, "total": total, "start": start,
                "page_size": board.ARCHIVE_PAGE}

    def feed(self):
        app = self.request.application_url
        entries = []
        for notice in board.current_notices(self.request):
            text = self.translate(
                "${body}, sammanträde ${meeting}. Justerat ${justified}, anslaget ${posted}. "
                "Sista dag att överklaga: ${appeal_end}. Protokollet förvaras: ${kept_at}.",
                mapping={"body": self.body_name(notice), "meeting": self.format_date(notice.meeting_date),
                         "justified": self.format_date(notice.justified_on),
                         "posted": self.format_date(notice.posted_on),
                         "appeal_end": self.format_date(notice.appeal_ends_on), "kept_at": notice.kept_at})
            posted = datetime.datetime.combine(notice.posted_on, datetime.time(), datetime.UTC)
            entries.append(FeedEntry(id=f"{app}/{BOARD}#{notice.protocol.__name__}", title=notice.title,
                                     link=f"{app}/{BOARD}#{notice.protocol.__name__}", updated=posted,
                                     summary=text, enclosure=self.pdf_url(notice)))
        kommun = self.request.app_settings.kommun_name
        body = atom_feed(f"{app}/{BOARD}", self.translate("Digital anslagstavla – ${kommun}",
                                                          mapping={"kommun": kommun}),
                         f"{app}/{BOARD}/feed.atom", f"{app}/{BOARD}", kommun, entries, language=self.locale)
        return Response(body=body, content_type=ATOM_TYPE, charset="utf-8")


class ProtocolFiles(BaseView):
    """The protocol's PDF and its extracts, for those who may view it; expediering."""

    @view_config(context=Content, name="protocol.pdf", request_method="GET", permission=VIEW)
    def protocol_pdf(self):
        protocol = _protocol(self.context)
        return _pdf_response(prints.protocol_pdf(self.request, protocol), f"{protocol.__name__}.pdf")

    @view_config(context=Content, name="extract.pdf", request_method="GET", permission=VIEW)
    def extract_pdf(self):
        protocol = _protocol(self.context)
        try:
            paragraph = int(self.request.params.get("paragraph", ""))
            pdf = prints.extract_pdf(self.request, protocol, paragraph)
        except (ValueError, prints.NoSuchParagraph):
            raise HTTPNotFound() from None
        return _pdf_response(pdf, f"{protocol.__name__}-paragraf-{paragraph}.pdf")

    @view_config(context=Content, name="dispatch", request_method="GET", accept="text/html",
                 renderer="partnership_cms:templates/dispatch.pt", permission=DISPATCH)
    def dispatch_form(self, error=None):
        protocol = _protocol(self.context)
        return {"page": self, "protocol": protocol, "targets": recipients_of(protocol), "channels": CHANNELS,
                "dispatches": protocol.data.get("dispatches") or (), "error": error}

    @view_config(context=Content, name="dispatch", request_method="POST", accept="text/html",
                 renderer="partnership_cms:templates/dispatch.pt", permission=DISPATCH)
    def dispatch_submit(self):
        protocol = _protocol(self.context)
        paragraph = self.request.POST.get("paragraph", "")
        body = {"channel": self.request.POST.get("channel"),
                "paragraph": int(paragraph) if paragraph.isdigit() else (None if paragraph == "" else paragraph)}
        try:
            records = dispatch(self.request, protocol, body, dates.today())
        except ServiceError as e:
            self.request.response.status = 422 if e.code == "invalid_data" else 409
            return self.dispatch_form(error=e.rendered(self.request)[0])
        self.request.session.flash(self.translate("Expedierat till ${count} mottagare.",
                                                  mapping={"count": len(records)}))
        return HTTPSeeOther(self.request.resource_url(protocol, "dispatch"))

    @view_config(context=Content, name="dispatch", request_method="GET", renderer="json",
                 accept="application/json", permission=DISPATCH)
    def dispatch_state(self):
        """The paragraphs with recipients and what has been dispatched (JSON)."""
        protocol = _protocol(self.context)
        return {"targets": [{"paragraph": p, "recipients": r} for p, r in recipients_of(protocol)],
                "dispatches": list(protocol.data.get("dispatches") or ())}

    @view_config(context=Content, name="dispatch", request_method="POST", renderer="json",
                 accept="application/json", permission=DISPATCH)
    def dispatch_api(self):
        protocol = _protocol(self.context)
        return {"dispatches": dispatch(self.request, protocol, json_body(self.request), dates.today())}

