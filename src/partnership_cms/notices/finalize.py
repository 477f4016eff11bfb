"""Legal force after the appeal period (KL 13:5): what ``partnership-cms finalize`` does.

Every posted protocol whose last day to appeal has passed, and every posted
decision outside such a protocol, goes through its ``finalize`` transition,
performed by the system; the transition's guard (``appeal_period_ended``)
checks the period again, so a wrong date here never makes anything final
early. Running it twice does nothing the second time.
"""
from __future__ import annotations

from pyramid.authorization import Authenticated, Everyone
from pyramid.traversal import resource_path

from .. import catalog, dates
from ..interfaces import IWorkflows
from ..security.roles import role_principal
from .posting import PROTOCOL

DECISION, POSTED, FINALIZE = "Decision", "posted", "finalize"
CAUSE = "partnership-cms finalize"
# Whoever may see a posted protocol or decision: the command acts for the kommun, not for a reader.
SYSTEM = [Everyone, Authenticated, role_principal("clerk"), role_principal("auditor")]
BATCH = 10_000


def _due(request, type_name):
    """The posted objects of ``type_name`` whose appeal period ended before today."""
    objects, _ = catalog.search(request, SYSTEM, type=type_name, state=POSTED, size=BATCH)
    today = dates.today()
    due = []
    for obj in objects:
        data = obj.data
        if data.get("posted_on") is None:
            continue
        ends = dates.appeal_end_of_protocol(data.get("meeting_date"), data.get("justified_on"), data["posted_on"])
        if today > max(ends, data.get("appeal_ends_on") or ends):
            due.append(obj)
    return due


def finalize_due(request) -> list[str]:
    """Make final what is due; one line per object made final (empty: nothing was due)."""
    workflows = request.registry.getUtility(IWorkflows)
    done = []
    # Protocols first: each carries its own decisions along (finalize_protocol_decisions).
    for protocol in _due(request, PROTOCOL):
        workflows.perform_entailed(request, protocol, FINALIZE, cause=CAUSE,
                                   comment="Överklagandetiden har gått ut (KL 13:5).")
        done.append(f"{resource_path(protocol)}: laga kraft (överklagandetiden gick ut "
                    f"{protocol.data.get('appeal_ends_on')})")
    for decision in _due(request, DECISION):
        workflows.perform_entailed(request, decision, FINALIZE, cause=CAUSE,
                                   comment="Överklagandetiden har gått ut (KL 13:5).")
        done.append(f"{resource_path(decision)}: laga kraft (överklagandetiden gick ut "
                    f"{decision.data.get('appeal_ends_on')})")
    return done
