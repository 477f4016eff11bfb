"""Declarative workflows: definitions in ``workflows/*.yaml``, enforced here.

``includeme`` adds three directives and registers the built-in guards and
actions with them:

- ``config.add_workflow_guard(name, callable)``: a guard is called as
  ``guard(context, request, data, **params)`` and returns a list of reasons
  (translatable messages) why the transition may not happen; empty = pass.
  Its parameters are checked against its signature at start-up (``params.py``).
  ``data`` is None when the engine only asks which transitions to offer.
- ``config.add_workflow_action(name, callable)``: ``action(context, request,
  transition, data, **params)`` changes things as part of the transition.
- ``config.load_workflows(directory)``: loads and checks the definitions
  once every guard and action is registered (a late config action), so a
  definition naming an unknown guard stops start-up.
"""
from ..interfaces import IACLSource, IWorkflows
from ..schema import ISchemaRegistry
from .definition import WorkflowDefinitionError, load_workflow_dir  # noqa: F401
from .engine import Workflows
from .errors import (  # noqa: F401
    GuardFailed,
    InvalidData,
    NotAllowed,
    NotAvailable,
    UnknownTransition,
    WorkflowError,
)


def get_workflows(registry):
    """The application's Workflows utility."""
    return registry.getUtility(IWorkflows)


def _check_types_match(registry, definitions):
    """Every content type needs a workflow and every workflow a schema."""
    schemas = registry.queryUtility(ISchemaRegistry) or {}
    for type_name, definition in definitions.items():
        if type_name not in schemas:
            raise WorkflowDefinitionError(definition.source, type_name, "no schema in schemas/ for this type")
    for type_name, schema in schemas.items():
        if type_name not in definitions:
            raise WorkflowDefinitionError(schema.source, type_name, "no workflow in workflows/ for this type")


def includeme(config):
    guards, actions = {}, {}

    def add_workflow_guard(config, name, fn):
        guards[name] = fn

    def add_workflow_action(config, name, fn):
        actions[name] = fn

    def load_workflows(config, directory):
        def register():
            schemas = config.registry.queryUtility(ISchemaRegistry) or {}
            definitions = load_workflow_dir(directory, guards, actions, schemas)
            _check_types_match(config.registry, definitions)
            workflows = Workflows(definitions, guards, actions)
            config.registry.registerUtility(workflows, IWorkflows)
            # The security policy and the catalog ask the workflow for each object's ACL.
            config.registry.registerUtility(workflows, IACLSource)

        # order=10: after the guards and actions that other includes register.
        config.action(("partnership_cms.workflows",), register, order=10)

    config.add_directive("add_workflow_guard", add_workflow_guard)
    config.add_directive("add_workflow_action", add_workflow_action)
    config.add_directive("load_workflows", load_workflows)
    config.include(".guards")
    config.include(".actions")
    config.include(".meeting_steps")
    config.include(".protocol_steps")
