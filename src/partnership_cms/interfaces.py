"""Where two layers meet: contracts found through the registry, not imports.

The workflow engine registers itself under both. The content services ask
``IWorkflows`` for a type's initial state and the security policy asks
``IACLSource`` for an object's ACL, without importing the engine that sits
above them.
"""
from zope.interface import Interface


class IWorkflows(Interface):
    """The checked workflow definitions with their guards and actions
    (``workflow.engine.Workflows``: ``definition(type_name)``, ``perform``, ...)."""


class IACLSource(Interface):
    """Where an object's ACL comes from (the workflow engine: the object's state).

    ``acl_for(location)`` returns the ACL of a content object or a content
    folder, or None for anything else (whose ``__acl__``, if any, counts).
    """
