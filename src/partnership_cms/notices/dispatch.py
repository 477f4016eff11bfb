"""Expediering: each recipient of a paragraph gets the extract of that paragraph.

Recorded on the protocol per recipient (paragraph, recipient, channel, date,
who, and the SHA-256 of the extract's PDF, so what was sent can be shown
later) and announced as one content event, so the audit trail has it in the
same transaction. The extract itself is made from the protocol whenever it is
asked for (``prints.extract_pdf``); sending it by mail or post is the
channel's business, outside this application.
"""
from __future__ import annotations

from ..errors import ServiceError
from ..events import AuditAction, ContentChanged, notify
from ..i18n import _
from ..workflow.guards import resolve
from . import prints

# How an extract goes out: the value stored, its Swedish title.
CHANNELS = {"email": _("E-post"), "letter": _("Brev"), "internal": _("Internpost"), "eservice": _("E-tjänst")}
# A protocol is dispatched only once it is justerat (DOMAIN: dispatch needs the protocol justerat).
DISPATCHABLE = ("justified", "posted", "final")


class DispatchRefused(ServiceError):
    code = "guard_failed"


class DispatchInvalid(ServiceError):
    code = "invalid_data"


def recipients_of(protocol):
    """``[(paragraph, [recipient, ...])]`` of the protocol's decisions that name recipients, in § order."""
    found = []
    for item in protocol.data.get("items") or ():
        decision = resolve(protocol, item.get("decision"))
        recipients = [r for r in (decision.data.get("recipients") or ()) if str(r).strip()] if decision else []
        if recipients and item.get("paragraph") is not None:
            found.append((item["paragraph"], recipients))
    return found


def dispatch(request, protocol, body, today) -> list[dict]:
    """Send each recipient of each paragraph (or of ``body["paragraph"]`` only) its extract
    by ``body["channel"]``; returns the records made. Refused, with nothing written, when
    the protocol is not justerat, the channel is unknown, or no paragraph has recipients."""
    if protocol.state not in DISPATCHABLE:
        raise DispatchRefused(_("Protokollet är inte justerat och kan inte expedieras."))
    channel = body.get("channel") if isinstance(body, dict) else None
    if channel not in CHANNELS:
        raise DispatchInvalid(_("Uppgifterna är inte giltiga."),
                              {"channel": _("Välj ett sätt att expediera: ${channels}.",
                                            mapping={"channels": ", ".join(CHANNELS)})})
    wanted = body.get("paragraph")
    if wanted not in (None, "") and not isinstance(wanted, int):
        raise DispatchInvalid(_("Uppgifterna är inte giltiga."), {"paragraph": _("Ange paragrafens nummer.")})
    targets = [(p, r) for p, r in recipients_of(protocol) if wanted in (None, "") or p == wanted]
    if not targets:
        raise DispatchRefused(_("Ingen paragraf i protokollet har mottagare att expediera till."))
    records = []
    for paragraph, recipients in targets:
        digest = prints.sha256_of(prints.extract_pdf(request, protocol, paragraph))
        records += [{"paragraph": paragraph, "recipient": r, "channel": channel, "sent_on": today.isoformat(),
                     "sent_by": request.authenticated_userid, "extract_sha256": digest} for r in recipients]
    protocol.data["dispatches"] = list(protocol.data.get("dispatches") or ()) + records
    notify(request, ContentChanged, protocol, AuditAction.DISPATCH, {"dispatches": records})
    return records
