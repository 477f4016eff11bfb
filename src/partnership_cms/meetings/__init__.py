"""Meetings (sammanträden): a body decides its cases at them.

The Meeting type is data (``schemas/meeting.yaml``, ``workflows/meeting.yaml``);
its workflow steps are built in (``workflow/meeting_steps.py``), the rules
pure functions (``bodies/rules.py``); this package holds the acts of a
meeting (``services.py``). ``includeme`` checks, once the workflows are
loaded, that the bodies, the Meeting schema and the proposal workflow agree.
"""
from ..bodies import BodyError, get_bodies
from ..bodies.loader import check_against_workflow
from ..schema import get_schemas
from ..workflow import get_workflows
from .confidential import readable_agenda  # noqa: F401
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


def includeme(config):
    # order=20: after load_workflows registers the definitions (order=10).
    config.action(("partnership_cms.meetings.check",), lambda: check_bodies(config.registry), order=20)
