"""A protocol's page and its browser forms: the document (``protocol_html``),
the justering's state, the signing form for the chair and the justerare and
the clerk's correction form, each a POST with the CSRF token.

``POST <protocol>/sign`` and ``POST <protocol>/correct`` call the same
services as the API (``protocols.sign``, ``protocols.correct``); a refusal
is the service's error with its reason.
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..content.models import Content
from ..notices.dispatch import DISPATCHABLE
from ..protocols import PROTOCOL_TYPE, correct, protocol_html, sign, status
from ..protocols.services import HEADER_WORDING, ITEM_WORDING, VOIDED
from ..security.permissions import DISPATCH, VIEW
from ..security.policy import roles_in_context
from .base import BaseView, _


class ProtocolSection:
    """What document_protocol.pt shows around the document."""

    def __init__(self, page):
        self.page = page
        self.request = page.request
        self.context = page.context
        self.status = status(self.request, self.context)

    def html(self):
        return protocol_html(self.request, self.context)

    @property
    def voided_message(self):
        return self.request.localizer.translate(VOIDED) if self.status["voided"] else ""

    @property
    def login(self):
        return self.request.authenticated_userid

    def may_sign(self):
        return (self.context.state == "signing" and self.login in self.status["required"]
                and self.login not in self.status["signed"])

    def may_correct(self):
        return self.context.state in ("draft", "signing") and "clerk" in roles_in_context(self.request, self.context)

    def missing_names(self):
        return ", ".join(self.page.fullname(login) for login in self.status["missing"])

    def header_fields(self):
        return HEADER_WORDING

    def item_fields(self):
        return ITEM_WORDING

    @property
    def sign_url(self):
        return self.request.resource_url(self.context, "sign")

    @property
    def correct_url(self):
        return self.request.resource_url(self.context, "correct")

    @property
    def pdf_url(self):
        return self.request.resource_url(self.context, "protocol.pdf")

    @property
    def dispatch_url(self):
        """The expediering form, for whoever may dispatch once the protocol is justerat; else None."""
        if self.context.state in DISPATCHABLE and self.request.has_permission(DISPATCH, self.context):
            return self.request.resource_url(self.context, "dispatch")
        return None


def protocol_section(page):
    return ProtocolSection(page) if page.context.type_name == PROTOCOL_TYPE else None


class ProtocolForms(BaseView):
    def _require_protocol(self):
        if self.context.type_name != PROTOCOL_TYPE:
            raise HTTPNotFound()

    def _done(self, message):
        self.request.session.flash(self.request.localizer.translate(message))
        return HTTPSeeOther(self.request.resource_url(self.context))

    @view_config(context=Content, name="sign", request_method="POST", permission=VIEW)
    def sign(self):
        self._require_protocol()
        body = {"sha256": self.request.POST.get("sha256") or None}
        sign(self.request, self.context, body)
        return self._done(_("Du har justerat protokollet."))

    @view_config(context=Content, name="correct", request_method="POST", permission=VIEW)
    def correct(self):
        self._require_protocol()
        post = self.request.POST
        paragraph = post.get("paragraph", "").strip()
        field = post.get("field", "")
        text = post.get("text", "")
        body = {"field": field, "text": [line for line in text.splitlines() if line.strip()]
                if field == "others_present" else text}
        if paragraph:
            body["paragraph"] = int(paragraph) if paragraph.isdigit() else paragraph
        result = correct(self.request, self.context, body)
        if result["voided"]:
            return self._done(VOIDED)
        return self._done(_("Rättelsen har sparats."))
