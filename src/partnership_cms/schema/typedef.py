"""What a content type is beyond its fields: how the UI names it, where it
sits in the navigation, how its objects get their numbers and how its
register and document page look. All of it is data, read from the type-level
keys of ``schemas/<type>.yaml``, so a new type costs a YAML file::

    plural: {sv: Ärenden, en: Cases}        # register heading and nav label
    add_label: {sv: Nytt ärende, en: New case}
    nav: 1                                  # order in the main navigation; absent: not there
    numbering:                              # how an object gets its number and URL name
      kind: case_number                     # diarienummer (settings dnr_series, dnr_format)
      field: dnr                            # stored in this field; the name comes from it
    # or: {kind: sequence, prefix: decision} -> names decision-2026-1 (the default,
    #     with the container's name less its final s as the prefix)
    # or: {kind: paragraph, field: paragraph, per: body, year_from: meeting_date,
    #      prefix: decision} -> § numbers per body and year: the next of the
    #     series "§" + body in the meeting's year, names ks-2026-p3 (without a
    #     body or a meeting date: the prefix's sequence, and no §)
    label: "{body} § {paragraph}"           # the number in lists; a list: the first
                                            # whose fields are all filled in
    date_field: meeting_date                # gives the year the registers filter by
    register:                               # the register's columns, in order
      - {column: number, title: {sv: Paragraf, en: Section},
         sort_title: {sv: Paragraf/diarienummer, en: Section/case number}}
      - title
      - state
      - modified                            # built-ins, or a field's name
    document:
      template: document_decision.pt        # in partnership_cms:templates/, or an asset spec
      laid_out: [title, body, ...]          # fields the template shows itself
    done_messages:                          # the message after a transition (else a generic one)
      submit: {sv: Ärendet har skickats till granskning., en: ...}
    files:                                  # the type takes files (bilagor); absent: it does not
      max_bytes: 5242880                    # the largest file accepted
      types: [pdf, docx, xlsx, pptx, odt, png, jpeg]   # kinds from schema/filetypes.py
      numbered: attachments                 # optional: a list field of {number, title}; a file
                                            # may fill one of its numbers (bilaga 1, 2, ...)

A broken key raises SchemaError naming the file, the key and the reason.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from pyramid.path import AssetResolver

from .errors import SchemaError
from .filetypes import KINDS as FILE_KINDS

PRESENTATION_KEYS = {"plural", "add_label", "nav", "numbering", "label", "date_field", "register",
                     "document", "done_messages", "files"}
# Register columns that are not fields: what the catalog sorts by, or None.
BUILTIN_COLUMNS = {"number": "dnr", "title": "title_sort", "state": None, "modified": "modified"}
DEFAULT_COLUMNS = ("number", "title", "state", "modified")
NUMBERING_KINDS = ("case_number", "sequence", "paragraph")
TEMPLATES = "partnership_cms:templates/"


@dataclass(frozen=True)
class Column:
    name: str  # a built-in column or a field name
    title: dict | None = None  # None: the built-in's own heading, or the field's title
    sort_title: dict | None = None  # the sort option's label, if other than the title

    @property
    def sort_index(self):
        return BUILTIN_COLUMNS.get(self.name)


@dataclass(frozen=True)
class Numbering:
    kind: str  # case_number, sequence or paragraph
    field: str | None = None  # case_number, paragraph: the field holding the number
    prefix: str | None = None  # sequence, paragraph: the name's prefix (and the counter's series)
    per: str | None = None  # paragraph: the choice field naming the series (the body)
    year_from: str | None = None  # paragraph: the date field whose year the number belongs to


@dataclass(frozen=True)
class FileRules:
    """What files a type takes (the ``files`` key)."""

    max_bytes: int
    types: tuple  # kinds of schema/filetypes.py
    numbered: str | None = None  # a list field whose items' numbers files may fill


@dataclass
class Presentation:
    plural: dict
    add_label: dict | None = None
    nav: int | None = None
    numbering: Numbering = field(default_factory=lambda: Numbering("sequence"))
    labels: tuple = ()
    date_field: str | None = None
    register: tuple = tuple(Column(name) for name in DEFAULT_COLUMNS)
    template: str | None = None  # asset spec of the document body, None: the generic one
    laid_out: frozenset = frozenset()
    done_messages: dict = field(default_factory=dict)
    files: FileRules | None = None  # None: the type takes no files

    def number_of(self, data):
        """The first label whose fields are all filled in, formatted; else ""."""
        for fmt in self.labels:
            names = format_fields(fmt)
            if all(data.get(n) not in (None, "") for n in names):
                return fmt.format(**{n: data[n] for n in names}).strip()
        return ""

    @property
    def number_column(self):
        return next((c for c in self.register if c.name == "number"), None)


def default_presentation(schema):
    """What a type that declares nothing beyond its fields gets."""
    return Presentation(plural=schema.title, numbering=Numbering("sequence", prefix=_prefix(schema)))


def _prefix(schema):
    return schema.container.rstrip("s")


def format_fields(fmt):
    """The field names a label format uses: ``"{body} § {paragraph}"`` -> [body, paragraph]."""
    return [name for _text, name, _spec, _conv in string.Formatter().parse(fmt) if name is not None]


def _title(source, key, raw):
    if not isinstance(raw, dict) or not isinstance(raw.get("sv"), str) or not raw["sv"]:
        raise SchemaError(source, None, "must be {sv: ..., en: ...}", key=key)
    if not all(isinstance(v, str) for v in raw.values()):
        raise SchemaError(source, None, "every translation must be a text", key=key)
    return dict(raw)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _field_names(source, key, schema, names, *, types=None):
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise SchemaError(source, None, "must be a list of field names", key=key)
    for name in names:
        spec = schema.by_name.get(name)
        if spec is None:
            raise SchemaError(source, None, f"{name!r} is no field of this type", key=key)
        if types and spec.type not in types:
            raise SchemaError(source, None, f"{name!r} must be a field of type {' or '.join(types)}",
                              key=key)
    return names


def _numbering(source, raw, schema):
    key = "numbering"
    if not isinstance(raw, dict):
        raise SchemaError(source, None, "must be {kind: case_number, field: ...} or {kind: sequence}",
                          key=key)
    unknown = set(raw) - {"kind", "field", "prefix", "per", "year_from"}
    if unknown:
        raise SchemaError(source, None, f"unknown keys {sorted(unknown)}", key=key)
    kind = raw.get("kind")
    if kind not in NUMBERING_KINDS:
        raise SchemaError(source, None, f"kind must be one of {list(NUMBERING_KINDS)}, not {kind!r}",
                          key=key)
    if kind == "case_number":
        if "prefix" in raw:
            raise SchemaError(source, None, "'prefix' only fits kind sequence (a case number's "
                              "series comes from the setting partnership_cms.dnr_series)", key=key)
        _field_names(source, key, schema, [raw.get("field")], types=("string",))
        return Numbering(kind, field=raw["field"])
    if kind == "sequence" and "field" in raw:
        raise SchemaError(source, None, "'field' only fits kind case_number or paragraph", key=key)
    if kind == "sequence" and set(raw) & {"per", "year_from"}:
        raise SchemaError(source, None, "'per' and 'year_from' only fit kind paragraph", key=key)
    prefix = raw.get("prefix", _prefix(schema))
    if not isinstance(prefix, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", prefix):
        raise SchemaError(source, None, "prefix must be lower-case letters and digits "
                          "(it begins the objects' URL names)", key=key)
    if kind == "paragraph":
        _field_names(source, key, schema, [raw.get("field")], types=("integer",))
        _field_names(source, key, schema, [raw.get("per")], types=("choice",))
        _field_names(source, key, schema, [raw.get("year_from")], types=("date",))
        return Numbering(kind, field=raw["field"], prefix=prefix, per=raw["per"], year_from=raw["year_from"])
    return Numbering(kind, prefix=prefix)


def _labels(source, raw, schema):
    formats = [raw] if isinstance(raw, str) else raw
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) for f in formats):
        raise SchemaError(source, None, "must be a format such as '{body} § {paragraph}', "
                          "or a list of them", key="label")
    for fmt in formats:
        try:
            names = format_fields(fmt)
        except ValueError as e:
            raise SchemaError(source, None, f"{fmt!r} is no valid format: {e}", key="label") from None
        if not names or any(not n.isidentifier() for n in names):
            raise SchemaError(source, None, f"{fmt!r} must name fields as {{field}}", key="label")
        _field_names(source, "label", schema, names)
    return tuple(formats)


def _register(source, raw, schema):
    key = "register"
    if not isinstance(raw, list) or not raw:
        raise SchemaError(source, None, "must be a non-empty list of columns", key=key)
    columns = []
    for entry in raw:
        if isinstance(entry, str):
            entry = {"column": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("column"), str):
            raise SchemaError(source, None, "a column is a name or {column: name, title: ...}",
                              key=key)
        unknown = set(entry) - {"column", "title", "sort_title"}
        if unknown:
            raise SchemaError(source, None, f"unknown keys {sorted(unknown)}", key=key)
        name = entry["column"]
        if name not in BUILTIN_COLUMNS and name not in schema.by_name:
            raise SchemaError(source, None, f"column {name!r} is neither a field of this type nor "
                              f"one of {sorted(BUILTIN_COLUMNS)}", key=key)
        if "sort_title" in entry and not BUILTIN_COLUMNS.get(name):
            raise SchemaError(source, None, f"column {name!r} cannot be sorted by", key=key)
        if name in {c.name for c in columns}:
            raise SchemaError(source, None, f"column {name!r} listed twice", key=key)
        columns.append(Column(
            name,
            _title(source, key, entry["title"]) if "title" in entry else None,
            _title(source, key, entry["sort_title"]) if "sort_title" in entry else None))
    return tuple(columns)


def _document(source, raw, schema):
    key = "document"
    if not isinstance(raw, dict) or set(raw) - {"template", "laid_out"}:
        raise SchemaError(source, None, "must be {template: file.pt, laid_out: [fields]}", key=key)
    template = raw.get("template")
    if template is not None:
        if not isinstance(template, str) or not template.endswith(".pt"):
            raise SchemaError(source, None, "template must name a .pt file", key=key)
        template = template if ":" in template else TEMPLATES + template
        if not AssetResolver().resolve(template).exists():
            raise SchemaError(source, None, f"template {template} not found", key=key)
    laid_out = raw.get("laid_out", [])
    if laid_out and template is None:
        raise SchemaError(source, None, "laid_out needs the template that lays them out", key=key)
    return template, frozenset(_field_names(source, key, schema, laid_out))


def _files(source, raw, schema):
    key = "files"
    if not isinstance(raw, dict) or set(raw) - {"max_bytes", "types", "numbered"}:
        raise SchemaError(source, None, "must be {max_bytes: n, types: [pdf, ...], numbered: field}",
                          key=key)
    max_bytes = raw.get("max_bytes")
    if not _whole(max_bytes) or max_bytes < 1:
        raise SchemaError(source, None, "max_bytes must be a positive whole number", key=key)
    types = raw.get("types")
    if not isinstance(types, list) or not types or any(t not in FILE_KINDS for t in types):
        raise SchemaError(source, None, f"types must be a list of {sorted(FILE_KINDS)}", key=key)
    numbered = raw.get("numbered")
    if numbered is not None:
        _field_names(source, key, schema, [numbered], types=("list",))
        item = schema.by_name[numbered].item
        number = next((s for s in item if s.name == "number"), None) if isinstance(item, list) else None
        if number is None or number.type != "integer":
            raise SchemaError(source, None, f"{numbered!r} must be a list of items with an integer "
                              "'number'", key=key)
    return FileRules(max_bytes, tuple(types), numbered)


def parse_presentation(source, raw, schema):
    """The type-level keys of one schema file (``raw``), checked against its fields."""
    p = default_presentation(schema)
    if "plural" in raw:
        p.plural = _title(source, "plural", raw["plural"])
    if "add_label" in raw:
        p.add_label = _title(source, "add_label", raw["add_label"])
    if "nav" in raw:
        if not _whole(raw["nav"]):
            raise SchemaError(source, None, "must be a whole number (the order in the navigation)",
                              key="nav")
        p.nav = raw["nav"]
    if "numbering" in raw:
        p.numbering = _numbering(source, raw["numbering"], schema)
    if p.numbering.kind == "case_number":
        p.labels = ("{" + p.numbering.field + "}",)
    if "label" in raw:
        p.labels = _labels(source, raw["label"], schema)
    if "date_field" in raw:
        p.date_field = _field_names(source, "date_field", schema, [raw["date_field"]],
                                    types=("date",))[0]
    if "register" in raw:
        p.register = _register(source, raw["register"], schema)
    if "document" in raw:
        p.template, p.laid_out = _document(source, raw["document"], schema)
    if "done_messages" in raw:
        messages = raw["done_messages"]
        if not isinstance(messages, dict) or not all(isinstance(k, str) for k in messages):
            raise SchemaError(source, None, "must map a transition id to {sv: ..., en: ...}",
                              key="done_messages")
        p.done_messages = {k: _title(source, "done_messages", v) for k, v in messages.items()}
    if "files" in raw:
        p.files = _files(source, raw["files"], schema)
    return p
