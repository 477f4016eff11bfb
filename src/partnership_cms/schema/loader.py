"""Read ``schemas/<type>.yaml`` into TypeSchema objects and colander schemas.

A schema file looks like::

    type: Proposal
    title: {sv: Ärende, en: Proposal}
    container: proposals
    fields:
      - name: title
        type: string
        title: {sv: Rubrik, en: Title}
        required: true          # may never be empty
      - name: summary
        type: text
        complete: true          # must be filled before the case leaves draft
      - name: dnr
        type: string
        system: true            # set by the system, never by a client
      - name: outcome
        type: string
        fixed: true             # given when the object is made, never changed after

Field types: string, text, date, integer, boolean, choice (with ``choices``),
list (with ``item``: a scalar type name or a list of sub-fields), reference
(with ``target``: the type it points to; stores the target's path).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

import colander
import yaml

from ..i18n import _
from .errors import SchemaError
from .typedef import PRESENTATION_KEYS, Presentation, default_presentation, parse_presentation

SCALAR_TYPES = {"string", "text", "date", "integer", "boolean", "choice", "reference"}
FIELD_TYPES = SCALAR_TYPES | {"list"}
FIELD_KEYS = {
    "name", "type", "title", "required", "complete", "system", "fixed", "max_length",
    "choices", "item", "target", "min", "max", "default", "description",
}
DEFAULT_MAX_LENGTH = {"string": 300, "text": 50_000, "reference": 300}
# A length error in characters, the unit people count in (colander says only "maximum length").
TOO_LONG = _("Högst ${max} tecken.")
BASE_KEYS = {"type", "title", "container", "fields"}
# Every date a case can carry lies here; outside it a date is a typo (20211 for
# 2021), and date arithmetic near year 9999 overflows (an appeal end, a notice).
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)
# A transition's comment is kept in the case's history for ever: long enough for a
# reasoned återremiss, short enough that history stays small (the engine enforces it).
COMMENT_MAX_LENGTH = 10_000



@dataclass
class FieldSpec:
    name: str
    type: str
    title: dict
    required: bool = False
    complete: bool = False
    system: bool = False
    # Given when the object is made and never edited after: what a meeting
    # decided (a decision's body, outcome, votes) is not a clerk's to change.
    fixed: bool = False
    max_length: int | None = None
    choices: dict = field(default_factory=dict)  # value -> {sv, en}
    item: FieldSpec | list[FieldSpec] | None = None
    target: str | None = None
    min: int | None = None
    max: int | None = None
    description: dict = field(default_factory=dict)
    default: object = None  # only 'today' for dates in transition data

    @property
    def max_length_or_default(self):
        """The most characters a string, text or reference may hold."""
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type)

    @property
    def title_sv(self):
        return self.title.get("sv") or self.name

    def colander_node(self, *, optional=False):
        """A colander node validating one value of this field.

        ``optional`` drops the required-ness (PATCH sends only what changes).
        """
        node = colander.SchemaNode(
            self._colander_type(),
            name=self.name,
            title=self.title_sv,
            validator=self._validator(),
        )
        if self.type == "list":
            node = colander.SchemaNode(colander.Sequence(), self._item_node(), name=self.name,
                                       title=self.title_sv)
        if optional or not self.required:
            node.missing = colander.drop
        return node

    def _colander_type(self):
        return {
            "string": lambda: colander.String(allow_empty=not self.required),
            "text": lambda: colander.String(allow_empty=not self.required),
            "reference": lambda: colander.String(allow_empty=not self.required),
            "choice": lambda: colander.String(allow_empty=not self.required),
            "date": colander.Date,
            "integer": colander.Integer,
            "boolean": colander.Boolean,
            "list": colander.Sequence,
        }[self.type]()

    def _validator(self):
        if self.type in ("string", "text", "reference"):
            return colander.Length(max=self.max_length_or_default, max_err=TOO_LONG)
        if self.type == "choice":
            return colander.OneOf(list(self.choices) + ([] if self.required else [""]))
        if self.type == "date":
            return colander.Range(min=EARLIEST_DATE, max=LATEST_DATE)
        if self.type == "integer" and (self.min is not None or self.max is not None):
            return colander.Range(min=self.min, max=self.max)
        return None

    def _item_node(self):
        if isinstance(self.item, list):
            mapping = colander.SchemaNode(colander.Mapping(unknown="raise"), name="item")
            for sub in self.item:
                mapping.add(sub.colander_node())
            return mapping
        node = self.item.colander_node()
        node.name = "item"
        node.missing = colander.required
        return node

    def empty(self, value):
        """Whether a stored value counts as not filled in."""
        return value is None or value == "" or value == [] or value is colander.null


@dataclass
class TypeSchema:
    type_name: str
    title: dict
    container: str
    fields: list[FieldSpec]
    source: str
    # How the type appears in the UI and gets its number (schema/typedef.py).
    presentation: Presentation = None  # type: ignore[assignment]  # filled in by __post_init__

    def __post_init__(self):
        if self.presentation is None:
            self.presentation = default_presentation(self)

    def number_of(self, data):
        """The number an object is known by ("KS-2026/1", "KS § 3"), or ""."""
        return self.presentation.number_of(data)

    def label_of(self, obj):
        """How an object is named in links and lists: its number and title."""
        number = self.number_of(obj.data)
        return f"{number} {obj.title}" if number else obj.title

    @property
    def by_name(self):
        return {f.name: f for f in self.fields}

    def editable_fields(self, *, editing=False):
        """The fields a client may give: when creating, all but the system
        fields; when ``editing`` an existing object, not the ``fixed`` ones either."""
        return [f for f in self.fields if not f.system and not (editing and f.fixed)]

    def colander_schema(self, names=None, *, partial=False):
        """A colander mapping over the editable fields (or the named ones).

        The one over all fields is built once per type and kept: building it
        cost a create a tenth of its time, and colander nodes keep nothing of
        a call, so threads may share them."""
        if names is not None:
            return self._colander_schema(names, partial)
        kept = self.__dict__.setdefault("_colander_schemas", {})
        if partial not in kept:
            kept[partial] = self._colander_schema(None, partial)
        return kept[partial]

    def _colander_schema(self, names, partial):
        schema = colander.SchemaNode(colander.Mapping(unknown="raise"))
        for spec in self.editable_fields():
            if names is None or spec.name in names:
                schema.add(spec.colander_node(optional=partial))
        return schema

    def incomplete_fields(self, data):
        """The fields marked ``complete`` that are still empty in ``data``."""
        return [f for f in self.fields if (f.complete or f.required) and f.empty(data.get(f.name))]


def _parse_title(source, name, raw):
    if isinstance(raw, str):
        return {"sv": raw, "en": raw}
    if not isinstance(raw, dict) or "sv" not in raw:
        raise SchemaError(source, name, "title must be a text or {sv: ..., en: ...}")
    return dict(raw)


def parse_field(source, raw, *, prefix=""):
    """Validate one raw field mapping and turn it into a FieldSpec."""
    if not isinstance(raw, dict) or "name" not in raw:
        raise SchemaError(source, prefix or None, "every field needs a 'name'")
    name = prefix + str(raw["name"])
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise SchemaError(source, name, f"unknown keys {sorted(unknown)}")
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES:
        raise SchemaError(source, name, f"unknown type {ftype!r}; use one of {sorted(FIELD_TYPES)}")
    spec = FieldSpec(
        name=str(raw["name"]),
        type=ftype,
        title=_parse_title(source, name, raw.get("title", raw["name"])),
        required=bool(raw.get("required", False)),
        complete=bool(raw.get("complete", False)),
        system=bool(raw.get("system", False)),
        fixed=bool(raw.get("fixed", False)),
        max_length=raw.get("max_length"),
        target=raw.get("target"),
        min=raw.get("min"),
        max=raw.get("max"),
        description=raw.get("description") or {},
        default=raw.get("default"),
    )
    if spec.max_length is not None and (not _whole(spec.max_length) or spec.max_length < 1):
        raise SchemaError(source, name, "max_length must be a positive whole number")
    for bound in ("min", "max"):
        # colander.Range would compare a value with a text and fail on every request.
        if getattr(spec, bound) is not None and not _whole(getattr(spec, bound)):
            raise SchemaError(source, name, f"{bound} must be a whole number")
    if ftype == "choice":
        choices = raw.get("choices")
        if not isinstance(choices, dict) or not choices:
            raise SchemaError(source, name, "a choice field needs 'choices': {value: title}")
        spec.choices = {str(k): _parse_title(source, name, v) for k, v in choices.items()}
    elif "choices" in raw:
        raise SchemaError(source, name, "'choices' only fits type choice")
    if ftype == "list":
        item = raw.get("item")
        if isinstance(item, str):
            if item not in SCALAR_TYPES - {"choice", "reference"}:
                raise SchemaError(source, name, f"unknown item type {item!r}")
            spec.item = FieldSpec(name="item", type=item, title=spec.title, required=True)
        elif isinstance(item, list) and item:
            spec.item = [parse_field(source, sub, prefix=name + ".") for sub in item]
        else:
            raise SchemaError(source, name, "a list field needs 'item': a type or a list of fields")
    elif "item" in raw:
        raise SchemaError(source, name, "'item' only fits type list")
    if spec.default is not None and (ftype, spec.default) != ("date", "today"):
        raise SchemaError(source, name, "the only default supported is 'today' on a date")
    if ftype == "reference" and not spec.target:
        raise SchemaError(source, name, "a reference field needs 'target': the type it points to")
    return spec


def _whole(value):
    """An int that is not a bool (YAML's ``yes`` is True, which is an int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def load_schema_file(path):
    """Read and validate one schema file."""
    source = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
    except yaml.YAMLError as e:
        raise SchemaError(source, None, f"not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise SchemaError(source, None, "expected a mapping with type, title, container, fields")
    for key in ("type", "container", "fields"):
        if key not in raw:
            raise SchemaError(source, None, f"missing '{key}'")
    if not isinstance(raw["fields"], list) or not raw["fields"]:
        raise SchemaError(source, None, "'fields' must be a non-empty list")
    fields = [parse_field(source, f) for f in raw["fields"]]
    seen = set()
    for f in fields:
        if f.name in seen:
            raise SchemaError(source, f.name, "declared twice")
        seen.add(f.name)
    if "title" not in seen:
        raise SchemaError(source, "title", "every type needs a 'title' field")
    unknown = set(raw) - BASE_KEYS - PRESENTATION_KEYS
    if unknown:
        raise SchemaError(source, None, f"unknown keys {sorted(unknown)}")
    schema = TypeSchema(raw["type"], _parse_title(source, None, raw.get("title", raw["type"])),
                        raw["container"], fields, source)
    schema.presentation = parse_presentation(source, raw, schema)
    return schema


def load_schema_dir(directory):
    """Load every ``*.yaml`` in a folder; check references between types."""
    if not os.path.isdir(directory):
        raise SchemaError(directory, None, "schema folder not found")
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            schema = load_schema_file(os.path.join(directory, name))
            if schema.type_name in schemas:
                raise SchemaError(schema.source, None, f"type {schema.type_name} declared twice")
            schemas[schema.type_name] = schema
    for schema in schemas.values():
        for f in schema.fields:
            if f.type == "reference" and f.target not in schemas and f.target != "*":
                raise SchemaError(schema.source, f.name, f"reference to unknown type {f.target!r}")
    return schemas


def to_json_value(value):
    """Stored value -> JSON-able value (dates as ISO 8601)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    return value


def from_colander_value(value):
    """colander's deserialized value -> what we store (plain lists/dicts)."""
    if isinstance(value, (list, tuple)):
        return [from_colander_value(v) for v in value]
    if isinstance(value, dict):
        return {k: from_colander_value(v) for k, v in value.items()}
    return value
