"""Content schemas: declared as data in ``schemas/*.yaml``, enforced here.

``includeme`` adds the ``load_schemas`` directive; ``main()`` calls it with
the folder named in the settings. Loading fails loudly (SchemaError with the
file, the field and the reason) so a broken file stops start-up.
"""
from .interfaces import ISchemaRegistry  # noqa: F401
from .loader import FieldSpec, SchemaError, TypeSchema, load_schema_dir  # noqa: F401


def get_schemas(registry):
    """The loaded ``{type name: TypeSchema}`` of an application registry."""
    return registry.getUtility(ISchemaRegistry)


def validation_errors(request, invalid):
    """colander's errors as ``{field: message}`` in the request's language (Swedish by default)."""
    return invalid.asdict(translate=request.localizer.translate)


def includeme(config):
    # colander ships Swedish messages ("Obligatoriskt", "Ogiltigt datum", ...).
    config.add_translation_dirs("colander:locale/", "deform:locale/")
    def load_schemas(config, directory):
        schemas = load_schema_dir(directory)
        config.registry.registerUtility(schemas, ISchemaRegistry)

    config.add_directive("load_schemas", load_schemas)
