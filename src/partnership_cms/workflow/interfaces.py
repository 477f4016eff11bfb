from zope.interface import Interface


class IWorkflows(Interface):
    """The checked workflow definitions with their guards and actions."""
