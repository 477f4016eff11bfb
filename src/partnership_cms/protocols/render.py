"""The protocol as an HTML document: header, the paragraphs in § order, the
signature block. ``protocol_html`` returns a fragment without layout or
forms, so the page and a PDF rendering read the same text."""
from __future__ import annotations

import datetime

from babel.dates import format_date, format_datetime, get_timezone
from pyramid.renderers import render

from ..bodies import get_bodies
from ..i18n import _
from ..schema import get_schemas
from ..workflow.protocol_steps import ADJUSTER, CHAIR, required_signers, valid_signers
from .services import DECISION_TYPE, content_sha256

TEMPLATE = "partnership_cms:templates/protocol.pt"
STOCKHOLM = "Europe/Stockholm"
VOTE_TITLES = {"ja": _("Ja"), "nej": _("Nej"), "avstar": _("Avstår")}
ROLE_TITLES = {CHAIR: _("Ordförande"), ADJUSTER: _("Justerare")}


class ProtocolText:
    """What the template reads: names, Swedish dates, the titles of codes."""

    def __init__(self, request, protocol):
        self.request = request
        self.protocol = protocol
        self.data = protocol.data
        self.locale = request.localizer.locale_name or "sv"
        self.decision_schema = get_schemas(request.registry).get(DECISION_TYPE)

    def tr(self, message):
        return self.request.localizer.translate(message)

    def name(self, login):
        user = self.request.root.principals.users.get(login) if login else None
        return user.fullname if user is not None and user.fullname else (login or "")

    def names(self, logins):
        return ", ".join(self.name(login) for login in logins or ())

    def date(self, value):
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value[:10])
        return format_date(value, format="long", locale=self.locale)

    def time(self, value):
        if not value:
            return ""
        return format_datetime(datetime.datetime.fromisoformat(value), "d MMM y HH:mm",
                               tzinfo=get_timezone(STOCKHOLM), locale=self.locale)

    def body_title(self):
        body = get_bodies(self.request.registry).get(self.data.get("body"))
        return self.tr(body.title) if body is not None else self.data.get("body", "")

    def _choice(self, field, sub, value):
        spec = self.decision_schema.by_name.get(field) if self.decision_schema else None
        if spec is not None and sub and isinstance(spec.item, list):
            spec = next((s for s in spec.item if s.name == sub), None)
        if spec is None or value not in spec.choices:
            return value or ""
        titles = spec.choices[value]
        return titles.get(self.locale) or titles.get("sv") or value

    def outcome(self, value):
        if value == "approve":  # a KS item's bifall is its proposal to KF or its adoption
            value = "adopt"
        if value == "noted":
            return self.tr(_("Anmäls och läggs till handlingarna"))
        return self._choice("outcome", None, value)

    def motion_kind(self, value):
        return self._choice("motions", "kind", value)

    def vote(self, value):
        return self.tr(VOTE_TITLES.get(value, value))

    def meaning(self, value):
        """What ja or nej of a vote stands for (an outcome, or going on)."""
        if value == "continue":
            return self.tr(_("fortsatt behandling"))
        return self.outcome(value) if value != "approve" else self.motion_kind("approve")

    def counts(self, vote):
        counted = {"ja": 0, "nej": 0, "avstar": 0}
        for ballot in vote.get("ballots") or ():
            counted[ballot["vote"]] = counted.get(ballot["vote"], 0) + 1
        return counted

    def paragraphs(self, text):
        return [p for p in (text or "").split("\n") if p.strip()]

    def immediate(self, paragraph):
        return next((i for i in self.data.get("immediate") or () if i["paragraph"] == paragraph), None)

    def signature_block(self):
        """One line per signer: name, role, and the signature if valid."""
        signed = {s["signer"]: s for s in self.data.get("signatures") or () if s.get("paragraph") is None}
        valid = valid_signers(self.protocol)
        rows = []
        for login in required_signers(self.protocol):
            role = CHAIR if login == self.data.get("chair") else ADJUSTER
            signature = signed.get(login) if login in valid else None
            rows.append({"login": login, "name": self.name(login), "role": self.tr(ROLE_TITLES[role]),
                         "time": self.time(signature["time"]) if signature else "",
                         "sha256": signature["sha256"] if signature else ""})
        return rows

    def sha256(self):
        return content_sha256(self.protocol)


def protocol_html(request, protocol):
    """The protocol as an HTML fragment (``<article class="protocol">``), in the request's language."""
    return render(TEMPLATE, {"p": ProtocolText(request, protocol), "data": protocol.data}, request=request)
