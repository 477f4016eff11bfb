"""The protocol of a closed meeting: made from the meeting's data, corrected
by the clerk while unsigned, justerat by the chair and the justerare.

Every change is one ``ContentChanged`` event on the protocol's chain (a
correction with its old and new text, a signature with its SHA-256, the
signatures a change voided), so the audit trail records it in the same
transaction. A signature binds the SHA-256 of ``canonical_content`` (or, for
an omedelbar justering, of ``paragraph_content``); any change afterwards
voids the signatures it no longer matches. The last signature performs the
protocol's ``justify`` transition through the engine, whose action
``justify_meeting_decisions`` (``workflow/protocol_steps.py``) justifies every
decision of the meeting in the same transaction.
"""
from __future__ import annotations

import datetime

from pyramid.traversal import find_resource, resource_path

from .. import dates
from ..audit.signed import content_sha256 as _sha256
from ..audit.signed import signed_content
from ..content.models import Moved
from ..content.services import create_content
from ..errors import ServiceError
from ..events import AuditAction, ContentChanged, notify
from ..i18n import _
from ..security.policy import roles_in_context
from ..workflow import NotAllowed, NotAvailable, get_workflows
from ..workflow.protocol_steps import (
    ADJUSTER,
    CHAIR,
    by_protocol,
    meeting_chair,
    required_signers,
    valid_signers,
)

PROTOCOL_TYPE = "Protocol"
MEETING_TYPE = "Meeting"
DECISION_TYPE = "Decision"
# What a justering signs: the header and every paragraph, in this order.
SIGNED_FIELDS = ("title", "meeting", "body", "meeting_date", "meeting_time", "meeting_place", "present",
                 "substitutes", "others_present", "chair", "secretary", "adjusters", "justering_place",
                 "justering_date", "items")
# What an omedelbar justering of one paragraph signs: the meeting and that paragraph.
PARAGRAPH_FIELDS = ("title", "meeting", "body", "meeting_date", "items")
# The wording the clerk may correct before justering.
HEADER_WORDING = ("title", "meeting_place", "justering_place", "others_present")
ITEM_WORDING = ("title", "decision_text", "propositions")
MAX_TEXT = 10_000
MAX_ADJUSTERS = 3
VOIDED = _("Protokollet har ändrats efter signering; underskrifterna är ogiltiga")


class ProtocolInvalid(ServiceError):
    """A request's values are not valid; ``errors`` maps each field to why."""

    code = "invalid_data"

    def __init__(self, errors):
        super().__init__(_("Uppgifterna är inte giltiga."), errors)


class ProtocolRefused(NotAvailable):
    """What the protocol's state or signatures refuse now (409), with the reason."""


# -- the content signed --------------------------------------------------------
def canonical_content(protocol):
    """The exact bytes a justering of the whole protocol hashes (canonical JSON of SIGNED_FIELDS)."""
    return signed_content(protocol.data, SIGNED_FIELDS)


def content_sha256(protocol):
    return _sha256(protocol.data, SIGNED_FIELDS)


def paragraph_content(protocol, paragraph):
    """The exact bytes an omedelbar justering of ``paragraph`` hashes."""
    return signed_content(protocol.data, PARAGRAPH_FIELDS, paragraph)


# -- helpers -----------------------------------------------------------------------
def _now():
    return datetime.datetime.now(datetime.UTC)


def _login(request):
    login = request.authenticated_userid
    if login is None:
        raise NotAllowed(_("Du måste logga in."))
    return login


def _require_clerk(request, context):
    if "clerk" not in roles_in_context(request, context):
        raise NotAllowed(_("Endast registratorn (sekreteraren) kan göra detta."))


def _text(value, name, *, required=False):
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        raise ProtocolInvalid({name: _("Ange en text (högst ${max} tecken).", mapping={"max": MAX_TEXT})})
    return value.strip()


def _strings(value, name):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v.strip()) <= 300 for v in value):
        raise ProtocolInvalid({name: _("Ange en lista av namn.")})
    return [v.strip() for v in value]


def _date(value, name):
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolInvalid({name: _("Ange ett datum (ÅÅÅÅ-MM-DD).")}) from None


def _resolve(root, path):
    """The object at a stored path (a renamed one at its new name), or None."""
    if not path:
        return None
    try:
        found = find_resource(root, path)
    except KeyError:
        return None
    return found.target if isinstance(found, Moved) else found


def item_of(protocol, paragraph):
    for item in protocol.data.get("items") or ():
        if item.get("paragraph") == paragraph:
            return item
    raise ProtocolInvalid({"paragraph": _("Protokollet har ingen § ${paragraph}.",
                                          mapping={"paragraph": str(paragraph)})})


def _store(request, protocol, details, **fields):
    for name, value in fields.items():
        protocol.data[name] = value
    protocol.modified = _now()
    notify(request, ContentChanged, protocol, AuditAction.EDIT, details)


# -- making it from the meeting ----------------------------------------------------------
def _decision_text(decision, item):
    if decision is not None and decision.data.get("decision_text"):
        return decision.data["decision_text"]
    return ""


def _propositions(item):
    """The order of putting the question, in words, from the meeting's votes."""
    lines = []
    for vote in item.get("votes") or ():
        if vote.get("open"):
            continue
        question = vote.get("question") or ""
        lines.append(f"Omröstning {vote['number']}: {question}".strip().rstrip(":")
                     + f" (ja: {vote.get('ja')}, nej: {vote.get('nej')}).")
    return "\n".join(lines)


def _notes(item):
    """Protokollsanteckningar, if the meeting records them on the item (``notes`` or ``note``)."""
    notes = item.get("notes")
    if notes is None and item.get("note"):
        notes = item["note"] if isinstance(item["note"], list) else [item["note"]]
    found = []
    for note in notes or ():
        if isinstance(note, dict):
            found.append({"member": str(note.get("member", "")), "text": str(note.get("text", ""))})
        elif isinstance(note, str):
            found.append({"member": "", "text": note})
    return found


def _items(request, meeting):
    items = []
    for entry in meeting.data.get("agenda") or ():
        decision = _resolve(request.root, entry.get("decision"))
        proposal = _resolve(request.root, entry.get("proposal"))
        dnr = (decision.data.get("dnr") if decision is not None else None) or (
            proposal.data.get("dnr") if proposal is not None else None) or ""
        items.append({
            "paragraph": entry.get("paragraph"), "item": entry["item"], "kind": entry["kind"],
            "dnr": dnr, "title": entry["title"], "proposal": entry.get("proposal") or "",
            "decision": entry.get("decision") or "", "outcome": entry.get("outcome") or "",
            "decision_text": _decision_text(decision, entry), "propositions": _propositions(entry),
            "recused": list(entry.get("recused") or ()),
            "motions": [dict(m, supporters=list(m.get("supporters") or ())) for m in entry.get("motions") or ()],
            "votes": [{"number": v["number"], "question": v.get("question") or "", "ja": v.get("ja"),
                       "nej": v.get("nej"), "result": v.get("result"), "casting": bool(v.get("casting")),
                       "ballots": [dict(b) for b in v.get("ballots") or ()]}
                      for v in entry.get("votes") or () if not v.get("open")],
            "minority_referral": bool(entry.get("minority_referral")),
            "reservations": [dict(r) for r in entry.get("reservations") or ()],
            "notes": _notes(entry),
        })
    items.sort(key=lambda i: (i["paragraph"] is None, i["paragraph"] or 0, i["item"]))
    return items


def create_protocol(request, meeting, body):
    """The protocol of the closed ``meeting``, from its data; the clerk chooses nothing
    but the justerare chosen at the meeting, the justering's place and day and who
    else was present. Returns the new Protocol (in ``draft``)."""
    if meeting.type_name != MEETING_TYPE:
        raise ProtocolInvalid({"meeting": _("Det här är inget sammanträde.")})
    _require_clerk(request, meeting)
    if meeting.state != "closed":
        raise ProtocolRefused(_("Protokollet skrivs när sammanträdet är avslutat."))
    if meeting.links.get("protocol"):
        raise ProtocolRefused(_("Sammanträdet har redan ett protokoll."))
    chair = meeting_chair(meeting)
    present = sorted(a["member"] for a in meeting.data.get("attendance") or () if a["status"] == "present")
    substitutes = [dict(s) for s in meeting.data.get("substitutions") or ()]
    serving = set(present) | {s["substitute"] for s in substitutes}
    adjusters = _strings(meeting.data.get("adjusters") or body.get("adjusters"), "adjusters")
    errors = {}
    if not adjusters:
        errors["adjusters"] = _("Ange minst en justerare.")
    elif len(adjusters) > MAX_ADJUSTERS or len(set(adjusters)) != len(adjusters):
        errors["adjusters"] = _("Ange högst ${max} olika justerare.", mapping={"max": MAX_ADJUSTERS})
    elif chair in adjusters:
        errors["adjusters"] = _("Ordföranden justerar redan; välj någon annan som justerare.")
    else:
        absent = [a for a in adjusters if a not in serving]
        if absent:
            errors["adjusters"] = _("Justerare väljs bland dem som tjänstgjorde: ${names}.",
                                    mapping={"names": ", ".join(absent)})
    justering_date = _date(body.get("justering_date"), "justering_date")
    if justering_date is not None and justering_date < meeting.data["date"]:
        errors["justering_date"] = _("Justeringen kan inte ske före sammanträdet.")
    if errors:
        raise ProtocolInvalid(errors)
    values = {
        "title": _text(body.get("title"), "title") or f"Protokoll {meeting.title}",
        "meeting": resource_path(meeting), "body": meeting.data["body"],
        "meeting_date": meeting.data["date"], "meeting_time": meeting.data.get("time") or "",
        "meeting_place": meeting.data.get("place") or "", "present": present, "substitutes": substitutes,
        "others_present": _strings(body.get("others_present"), "others_present"),
        "chair": chair, "secretary": _login(request), "adjusters": adjusters,
        "justering_place": _text(body.get("justering_place"), "justering_place"),
        "justering_date": justering_date, "items": _items(request, meeting),
        "signatures": [], "voided_signatures": [], "immediate": [], "justified_on": None,
        "justification_late": "",
    }
    protocol = create_content(request, PROTOCOL_TYPE, values, allow_system=True)
    path = resource_path(protocol)
    meeting.add_link("protocol", path)
    notify(request, ContentChanged, meeting, AuditAction.LINK, {"relation": "protocol", "path": path})
    return protocol


def protocol_of(meeting):
    """The path of the meeting's protocol, or None."""
    paths = meeting.links.get("protocol") or ()
    return paths[-1] if paths else None


# -- corrections -------------------------------------------------------------------
def _void_broken(protocol, reason):
    """Move the signatures the content no longer matches to ``voided_signatures``."""
    kept, voided = [], list(protocol.data.get("voided_signatures") or ())
    now = _now().isoformat()
    newly = []
    for signature in protocol.data.get("signatures") or ():
        fields = signature.get("fields") or ()
        if _sha256(protocol.data, fields, signature.get("paragraph")) == signature["sha256"]:
            kept.append(signature)
        else:
            entry = {k: signature.get(k) for k in ("signer", "role", "time", "sha256")}
            entry.update(voided=now, reason=reason, paragraph=signature.get("paragraph"))
            voided.append(entry)
            newly.append(entry)
    return kept, voided, newly


def correct(request, protocol, body):
    """The clerk corrects a wording field while the protocol is not justerat.

    A paragraph already justerad (omedelbar justering) is not changed. Any
    signature the change no longer matches is voided, and the audit entry says so.
    Returns ``{field, paragraph, old, new, voided}``.
    """
    _require_clerk(request, protocol)
    if protocol.state not in ("draft", "signing"):
        raise ProtocolRefused(_("Ett justerat protokoll ändras inte."))
    name = body.get("field")
    paragraph = body.get("paragraph")
    if paragraph is None:
        if name not in HEADER_WORDING:
            raise ProtocolInvalid({"field": _("Välj en av: ${choices}.",
                                              mapping={"choices": ", ".join(HEADER_WORDING)})})
        old = protocol.data.get(name)
        new = (_strings(body.get("text"), "text") if name == "others_present"
               else _text(body.get("text"), "text", required=name == "title"))
        label = name
    else:
        if not isinstance(paragraph, int) or isinstance(paragraph, bool):
            raise ProtocolInvalid({"paragraph": _("Ange ett heltal.")})
        if name not in ITEM_WORDING:
            raise ProtocolInvalid({"field": _("Välj en av: ${choices}.",
                                              mapping={"choices": ", ".join(ITEM_WORDING)})})
        if any(i["paragraph"] == paragraph for i in protocol.data.get("immediate") or ()):
            raise ProtocolRefused(_("§ ${paragraph} är redan justerad (omedelbar justering) och ändras inte.",
                                    mapping={"paragraph": str(paragraph)}))
        old = item_of(protocol, paragraph).get(name)
        new = _text(body.get("text"), "text", required=name == "title")
        label = f"items.§{paragraph}.{name}"
    if old == new:
        return {"field": label, "paragraph": paragraph, "old": old, "new": new, "voided": []}
    if paragraph is None:
        protocol.data[name] = new
    else:
        items = [dict(i) for i in protocol.data["items"]]
        next(i for i in items if i["paragraph"] == paragraph)[name] = new
        protocol.data["items"] = items
    kept, voided, newly = _void_broken(protocol, protocol_voided_reason(request))
    details = {"act": "correct", "changes": [{"field": label, "old": old, "new": new}],
               "reason": "Rättelse före justering"}
    if newly:
        details["voided"] = [{"signer": s["signer"], "sha256": s["sha256"], "paragraph": s.get("paragraph")}
                             for s in newly]
    _store(request, protocol, details, signatures=kept, voided_signatures=voided)
    return {"field": label, "paragraph": paragraph, "old": old, "new": new,
            "voided": [s["signer"] for s in newly]}


def protocol_voided_reason(request):
    return request.localizer.translate(VOIDED)


# -- justering -------------------------------------------------------------------------
def _signer_role(protocol, login):
    if login == protocol.data.get("chair"):
        return CHAIR
    if login in (protocol.data.get("adjusters") or ()):
        return ADJUSTER
    raise NotAllowed(_("Endast ordföranden och de valda justerarna (${names}) justerar protokollet.",
                       mapping={"names": ", ".join(required_signers(protocol))}))


def sign(request, protocol, body):
    """The chair or a justerare signs the protocol (or, with ``paragraph``, one
    paragraph at the meeting: omedelbar justering). ``sha256``, if sent, is what
    the signer saw: a protocol changed since is refused. Returns ``status``."""
    login = _login(request)
    role = _signer_role(protocol, login)
    paragraph = body.get("paragraph")
    if paragraph is not None:
        return _sign_paragraph(request, protocol, login, role, paragraph, body)
    if protocol.state == "draft":
        raise ProtocolRefused(_("Protokollet är inte skickat för justering än."))
    if protocol.state != "signing":
        raise ProtocolRefused(_("Protokollet är redan justerat."))
    current = content_sha256(protocol)
    _check_seen(body, current)
    if login in valid_signers(protocol):
        raise ProtocolRefused(_("Du har redan justerat protokollet."))
    signature = {"signer": login, "role": role, "time": _now().isoformat(), "sha256": current,
                 "fields": list(SIGNED_FIELDS), "paragraph": None}
    signatures = [*list(protocol.data.get("signatures") or ()), signature]
    _store(request, protocol, {"act": "sign", "signer": login, "role": role, "sha256": current},
           signatures=signatures)
    if not set(required_signers(protocol)) - valid_signers(protocol):
        get_workflows(request.registry).perform(request, protocol, "justify", {})
    return status(request, protocol)


def _check_seen(body, current):
    seen = body.get("sha256")
    if seen is not None and seen != current:
        raise ProtocolRefused(_("Protokollet har ändrats sedan du öppnade det; läs det igen innan du justerar."))


def _sign_paragraph(request, protocol, login, role, paragraph, body):
    if not isinstance(paragraph, int) or isinstance(paragraph, bool):
        raise ProtocolInvalid({"paragraph": _("Ange ett heltal.")})
    if protocol.state not in ("draft", "signing"):
        raise ProtocolRefused(_("Protokollet är redan justerat."))
    item = item_of(protocol, paragraph)
    decision = _resolve(request.root, item.get("decision"))
    if decision is None:
        raise ProtocolRefused(_("§ ${paragraph} har inget beslut att justera.",
                                mapping={"paragraph": str(paragraph)}))
    if dates.today() != protocol.data["meeting_date"]:
        raise ProtocolRefused(_("Omedelbar justering sker vid sammanträdet (${date}).",
                                mapping={"date": protocol.data["meeting_date"].isoformat()}))
    if any(i["paragraph"] == paragraph for i in protocol.data.get("immediate") or ()):
        raise ProtocolRefused(_("§ ${paragraph} är redan justerad.", mapping={"paragraph": str(paragraph)}))
    current = _sha256(protocol.data, PARAGRAPH_FIELDS, paragraph)
    _check_seen(body, current)
    if login in valid_signers(protocol, paragraph):
        raise ProtocolRefused(_("Du har redan justerat § ${paragraph}.", mapping={"paragraph": str(paragraph)}))
    signature = {"signer": login, "role": role, "time": _now().isoformat(), "sha256": current,
                 "fields": list(PARAGRAPH_FIELDS), "paragraph": paragraph}
    signatures = [*list(protocol.data.get("signatures") or ()), signature]
    _store(request, protocol, {"act": "sign", "signer": login, "role": role, "sha256": current,
                               "paragraph": paragraph}, signatures=signatures)
    if set(required_signers(protocol)) - valid_signers(protocol, paragraph):
        return status(request, protocol)
    today = dates.today()
    with by_protocol(request, protocol, [resource_path(decision)]):  # its path now, if renamed since
        get_workflows(request.registry).perform_entailed(
            request, decision, "justify", cause=resource_path(protocol),
            comment=f"Omedelbart justerad (§ {paragraph})", data={"justified_on": today.isoformat()})
    immediate = [*list(protocol.data.get("immediate") or ()),
                 {"paragraph": paragraph, "justified_on": today, "signers": sorted(valid_signers(protocol, paragraph))}]
    _store(request, protocol, {"act": "immediate_justering", "paragraph": paragraph,
                               "decision": item["decision"]}, immediate=immediate)
    return status(request, protocol)


def status(request, protocol):
    """The justering as JSON: what is signed, by whom, what is missing, what was voided."""
    data = protocol.data
    required = required_signers(protocol)
    signed = valid_signers(protocol)
    return {
        "state": protocol.state, "sha256": content_sha256(protocol),
        "required": required, "signed": sorted(signed), "missing": [s for s in required if s not in signed],
        "signatures": [dict(s) for s in data.get("signatures") or ()],
        "voided_signatures": [dict(s) for s in data.get("voided_signatures") or ()],
        "voided": bool(data.get("voided_signatures")) and protocol.state == "signing",
        "immediate": [dict(i, justified_on=i["justified_on"].isoformat()) for i in data.get("immediate") or ()],
        "justified_on": data["justified_on"].isoformat() if data.get("justified_on") else None,
        "justification_late": data.get("justification_late") or None,
    }
