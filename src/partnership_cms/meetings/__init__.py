"""Meetings (sammanträden): a body decides its cases at them.

The Meeting type is data (``schemas/meeting.yaml``, ``workflows/meeting.yaml``);
its workflow steps are built in (``workflow/meeting_steps.py``), the rules
pure functions (``bodies/rules.py``); this package holds the acts of a
meeting (``services.py``). ``includeme`` checks, once the workflows are
loaded, that the bodies, the Meeting schema and the proposal workflow agree.
"""
from pyramid.traversal import find_resource, resource_path

from ..bodies import BodyError, get_bodies
from ..bodies.loader import check_against_workflow
from ..catalog import paths_of_type
from ..events import ContentChanged, ShownContentChanged
from ..interfaces import IConfidentialEntries
from ..schema import get_schemas
from ..workflow import get_workflows
from .confidential import is_confidential, readable_agenda  # noqa: F401
from .services import ACTS, perform_act, summary  # noqa: F401

MEETING_TYPE = "Meeting"
PROPOSAL_TYPE = "Proposal"


def check_bodies(registry):
    """The bodies, the Meeting schema's body choices and the proposal workflow agree."""
    bodies = get_bodies(registry)
    workflows = get_workflows(registry)
    schema = get_schemas(registry).get(MEETING_TYPE)
    if schema is not None:
        choices = set(schema.by_name["body"].choices)
        if choices != set(bodies):
            raise BodyError(schema.source, "body", f"the choices {sorted(choices)} are not the bodies "
                            f"{sorted(bodies)} of bodies/")
    if PROPOSAL_TYPE in workflows.definitions:
        check_against_workflow(bodies, workflows.definition(PROPOSAL_TYPE))
    for definition in workflows.definitions.values():
        for t in definition.transitions.values():
            for step in t.guards:
                if step.name == "decided_at_meeting" and step.params.get("body") not in bodies:
                    raise BodyError(definition.source, t.id, f"decided_at_meeting: body "
                                    f"{step.params.get('body')!r} is not in bodies/")


def confidential_entry(root, obj, entry):
    """The ``IConfidentialEntries`` of the catalog: a meeting's agenda item is
    confidential when marked so or when its case is (``is_confidential``, as
    ``readable_agenda`` shows it); any other entry when it says so."""
    if obj.type_name == MEETING_TYPE:
        return is_confidential(root, entry)
    return bool(entry.get("confidential"))


def meetings_listing(root, case):
    """The meetings whose agenda holds ``case``.

    Reads every meeting (the catalog's type index), since nothing records on
    a case the agendas it stands on; a meeting is one record, a kommun holds
    some tens of them a year, and only a change of a case's mark asks.
    """
    path = resource_path(case)
    for meeting_path in paths_of_type(root.catalog, MEETING_TYPE):
        try:
            meeting = find_resource(root, meeting_path)
        except KeyError:
            continue
        if any(item.get("proposal") == path for item in meeting.data.get("agenda") or ()):
            yield meeting


def follow_case_confidentiality(event):
    """A case marked confidential, or its mark lifted, changes what the meetings
    whose agenda holds it show of its item (``readable_agenda`` reads the mark
    when shown): announce it, so the catalog reindexes their text in the same
    transaction. The meetings themselves do not change (no audit entry)."""
    changes = event.details.get("changes") or ()
    if event.obj.type_name != PROPOSAL_TYPE or not any(c.get("field") == "confidential" for c in changes):
        return
    request = event.request
    for meeting in list(meetings_listing(request.root, event.obj)):
        request.registry.notify(ShownContentChanged(request, meeting))


def includeme(config):
    config.registry.registerUtility(confidential_entry, IConfidentialEntries)
    config.add_subscriber(follow_case_confidentiality, ContentChanged)
    # order=20: after load_workflows registers the definitions (order=10).
    config.action(("partnership_cms.meetings.check",), lambda: check_bodies(config.registry), order=20)
