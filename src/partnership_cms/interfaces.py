"""Where two layers meet: contracts found through the registry, not imports.

The workflow engine registers itself under both. The content services ask
``IWorkflows`` for a type's initial state and the security policy asks
``IACLSource`` for an object's ACL, without importing the engine that sits
above them; the catalog asks ``IConfidentialEntries`` which agenda items to
leave out of a meeting's text.
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


class IConfidentialEntries(Interface):
    """Which entries of an object's lists the catalog leaves out of its full text:
    a callable ``(root, obj, entry) -> bool``.

    The meetings register theirs (``meetings.confidential_entry``): a meeting's
    agenda item is confidential when marked so or when its case is, which the
    item itself does not record. Without one, an entry counts as confidential
    when it says so (``entry["confidential"]``).
    """
