"""The one error a broken schema file raises (its own module: the loader and
the type-level keys in typedef.py both raise it)."""


class SchemaError(Exception):
    """A schema definition is broken; the message names file, field and reason."""

    def __init__(self, source, field_name, reason, *, key=None):
        self.source, self.field_name, self.reason, self.key = source, field_name, reason, key
        where = "top level"
        if key:
            where = f"key '{key}'"
        elif field_name:
            where = f"field '{field_name}'"
        super().__init__(f"{source}: {where}: {reason}")
