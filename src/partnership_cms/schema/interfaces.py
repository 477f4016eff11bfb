from zope.interface import Interface


class ISchemaRegistry(Interface):
    """A mapping of content type name to its TypeSchema."""
