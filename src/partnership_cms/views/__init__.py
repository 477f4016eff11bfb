"""The HTML user interface: the same services as the JSON API, rendered for
browsers in Swedish (English through the language switch)."""
from ..schema import SchemaError, get_schemas
from ..workflow import get_workflows
from .meetings import TypeNamePredicate


def check_done_messages(registry):
    """A schema's ``done_messages`` may only name transitions its workflow has
    (a renamed transition would otherwise lose its message without a word)."""
    workflows = get_workflows(registry)
    for schema in get_schemas(registry).values():
        transitions = workflows.definition(schema.type_name).transitions
        unknown = sorted(set(schema.presentation.done_messages) - set(transitions))
        if unknown:
            raise SchemaError(schema.source, None, f"no transition {', '.join(unknown)} in the "
                              f"workflow of {schema.type_name}", key="done_messages")


def includeme(config):
    config.add_translation_dirs("partnership_cms:locale/")
    config.add_static_view("static", "partnership_cms:static", cache_max_age=3600)
    config.add_static_view("deform_static", "deform:static", cache_max_age=3600)
    # order=20: after the workflows are loaded (order=10).
    config.action(("partnership_cms.done_messages",), lambda: check_done_messages(config.registry),
                  order=20)
    # Before the scan: a type's own document page (the meeting's) names its type.
    config.add_view_predicate("type_name", TypeNamePredicate)
    config.scan(".")
