"""Registers: the list of each content folder (``/proposals``, ``/decisions``,
``/agreements``, ``/amendments``), filtered, sorted and paged through the
catalog, so nobody ever sees a row they may not view.

The filters are a GET form: the page works without JavaScript and every
result is a bookmarkable address.
"""
import math
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pyramid.decorator import reify
from pyramid.traversal import resource_path
from pyramid.view import view_config

from .. import catalog, dates
from ..content.models import ContentFolder
from ..schema import get_schemas
from ..security.permissions import ADD, VIEW
from ..security.policy import search_principals
from ..workflow import get_workflows
from .base import STOCKHOLM, BaseView, _

PAGE_SIZE = 25
# Sort choice in the address -> catalog index, in the order the sort options are offered.
SORT_INDEXES = {"modified": "modified", "dnr": "dnr", "title": "title_sort"}
# The register column each sort choice belongs to.
SORT_COLUMNS = {"modified": "modified", "dnr": "number", "title": "title"}
# Headings of the built-in register columns (a schema may name its own).
COLUMN_TITLES = {"number": _("Diarienummer"), "title": _("Rubrik"), "state": _("Status"),
                 "modified": _("Senast ändrad")}
# The catalog indexes this field of any type; a register filters by it where the type has it.
BODY_FIELD = "body"


def case_number(obj, schemas):
    """The number an object is known by, as its schema's ``label`` says ("KS § 12")."""
    schema = schemas.get(obj.type_name)
    return schema.number_of(obj.data) if schema is not None else ""


def number_title(page, schema):
    """The heading of the column with the objects' numbers ("Diarienummer", "Paragraf")."""
    column = schema.presentation.number_column
    if column is not None and column.title:
        return page.title_of(column.title)
    return page.translate(COLUMN_TITLES["number"])


def summary_row(page, obj):
    """What a listing shows of one object (the registers and the start page)."""
    state = get_workflows(page.request.registry).definition(obj.type_name).states[obj.state]
    schemas = get_schemas(page.request.registry)
    schema = schemas[obj.type_name]
    modified = obj.modified.astimezone(ZoneInfo(STOCKHOLM)).date()
    return {
        "url": page.request.application_url + resource_path(obj),
        "type": page.title_of(schema.title),
        "number": case_number(obj, schemas),
        "title": obj.title or obj.__name__,
        "state": page.title_of(state.title),
        "modified": page.format_date(modified, "short"),
        "modified_iso": modified.isoformat(),
        # The register columns that show a field (``register:`` in the schema).
        "fields": {c.name: field_text(page, schema.by_name[c.name], obj.data.get(c.name))
                   for c in schema.presentation.register if c.name in schema.by_name},
    }


def field_text(page, spec, value):
    """A field's value as one line of text in a register cell."""
    if value in (None, "", []):
        return ""
    if spec.type == "list":
        if isinstance(spec.item, list):  # rows of sub-fields: each row's values
            return ", ".join("; ".join(str(v) for v in row.values() if v not in (None, ""))
                             for row in value)
        return ", ".join(field_text(page, spec.item, v) for v in value)
    if spec.type == "choice":
        return page.title_of(spec.choices.get(value, {"sv": value}))
    if spec.type == "date":
        return page.format_date(value, "short")
    if spec.type == "boolean":
        return page.translate("Ja" if value else "Nej")
    return str(value)


def text_query(text):
    """The words of a free-text search, each quoted so that words like
    'and', 'or' and 'not' are searched for, never read as operators."""
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", text or "")) or None


class RegisterView(BaseView):
    """``GET /<folder>`` in a browser: the register of one content type."""

    @view_config(context=ContentFolder, request_method="GET", accept="text/html",
                 renderer="partnership_cms:templates/register.pt", permission=VIEW)
    def __call__(self):
        """Read the filters from the address, search, and render the register."""
        self.errors = {}
        self.filters = self._read_filters(self.request.GET)
        self.rows, self.total = self._search()
        return {"page": self}

    # -- what the template reads ----------------------------------------------
    @reify
    def schema(self):
        return get_schemas(self.request.registry)[self.context.type_name]

    @property
    def heading(self):
        return self.title_of(self.schema.presentation.plural)

    @property
    def has_body(self):
        """Whether the register filters by deciding body (the type has a ``body`` choice)."""
        field = self.schema.by_name.get(BODY_FIELD)
        return field is not None and field.type == "choice"

    @property
    def add_link(self):
        """(url, label) of the add form, only for those who may add here."""
        if not self.request.has_permission(ADD, self.context):
            return None
        label = self.schema.presentation.add_label
        text = (self.title_of(label) if label else self.translate(
            "Lägg till ${type}", {"type": self.title_of(self.schema.title).lower()}))
        return (self.folder_url + "/add", text)

    @reify
    def columns(self):
        """The register's columns from the schema: (name, heading, sort key or None)."""
        sort_keys = {column: key for key, column in SORT_COLUMNS.items()}
        result = []
        for column in self.schema.presentation.register:
            if column.name == "number":
                title = number_title(self, self.schema)
            elif column.title:
                title = self.title_of(column.title)
            elif column.name in COLUMN_TITLES:
                title = self.translate(COLUMN_TITLES[column.name])
            else:
                title = self.title_of(self.schema.by_name[column.name].title)
            result.append((column.name, title, sort_keys.get(column.name)))
        return result

    def cell(self, row, name):
        """The text of one cell: a built-in column's, or a field's value."""
        return row["fields"][name] if name in row["fields"] else row.get(name, "")

    @property
    def folder_url(self):
        return self.request.application_url + resource_path(self.context)

    def state_options(self):
        """(id, title) of every state of this type, in definition order."""
        definition = get_workflows(self.request.registry).definition(self.context.type_name)
        return [(s.id, self.title_of(s.title)) for s in definition.states.values()]

    def body_options(self):
        """(value, title) of the deciding bodies (KS, KF) from the decision schema."""
        field = self.schema.by_name.get(BODY_FIELD) if self.has_body else None
        choices = field.choices if field else {}
        return [(value, self.title_of(titles)) for value, titles in choices.items()]

    def sort_options(self):
        """(key, label) of the sortable columns the register shows."""
        columns = {c.name: c for c in self.schema.presentation.register}
        titles = {name: title for name, title, _key in self.columns}
        options = []
        for key, column in SORT_COLUMNS.items():
            if column in columns:
                sort_title = columns[column].sort_title
                options.append((key, self.title_of(sort_title) if sort_title else titles[column]))
        return options

    @property
    def first_shown(self):
        return min(self.total, (self.filters["page"] - 1) * PAGE_SIZE + 1)

    @property
    def last_shown(self):
        return min(self.total, self.filters["page"] * PAGE_SIZE)

    @property
    def page_count(self):
        return max(1, math.ceil(self.total / PAGE_SIZE))

    def page_url(self, number, **changes):
        """The address of result page ``number`` with the same filters and sort
        (``changes`` replace some of them, e.g. ``sort="title"``)."""
        f = dict(self.filters, **changes)
        params = {"state": f["state"], "year": f["year_text"], "body": f["body"], "q": f["q"],
                  "sort": f["sort"], "order": f["order"], "page": number}
        params = {k: v for k, v in params.items() if v not in ("", None)}
        return self.folder_url + "?" + urlencode(params)

    def sort_url(self, key):
        """A column heading's link: sort by ``key``, or reverse the current sort."""
        if self.filters["sort"] == key:
            order = "asc" if self.filters["order"] == "desc" else "desc"
        else:
            order = "desc" if key == "modified" else "asc"
        return self.page_url(1, sort=key, order=order)

    def aria_sort(self, key):
        if self.filters["sort"] != key:
            return None
        return "ascending" if self.filters["order"] == "asc" else "descending"

    # -- reading the form and searching ------------------------------------------
    def _read_filters(self, params):
        states = {state_id for state_id, _title in self.state_options()}
        bodies = {value for value, _title in self.body_options()}
        state = params.get("state", "")
        body = params.get("body", "")
        year_text = params.get("year", "").strip()
        year = None
        if year_text:
            if re.fullmatch(r"\d{4}", year_text) and 1900 <= int(year_text) <= 2999:
                year = int(year_text)
            else:
                self.errors["year"] = _("Ange året med fyra siffror, till exempel ${year}.",
                                        mapping={"year": dates.today().year})
        sort = params.get("sort", "modified")
        sort = sort if sort in {key for key, _label in self.sort_options()} else "modified"
        order = params.get("order", "desc" if sort == "modified" else "asc")
        page = params.get("page", "1")
        return {
            "state": state if state in states else "",
            "body": body if body in bodies else "",
            "year": year,
            "year_text": year_text,
            "q": params.get("q", "").strip()[:200],
            "sort": sort,
            "order": order if order in ("asc", "desc") else "asc",
            # ASCII digits only ("²".isdigit() is true, int() refuses it); 9 of them at most
            "page": int(page) if re.fullmatch(r"[0-9]{1,9}", page) and int(page) > 0 else 1,
        }

    def _search(self):
        f = self.filters
        query = dict(type=self.context.type_name, state=f["state"] or None, year=f["year"],
                     body=f["body"] or None, text=text_query(f["q"]),
                     sort=SORT_INDEXES[f["sort"]], reverse=f["order"] == "desc", size=PAGE_SIZE)
        principals = search_principals(self.request)
        objects, total = catalog.search(self.request, principals,
                                        start=(f["page"] - 1) * PAGE_SIZE, **query)
        if not objects and total:
            # A page past the end (an old bookmark): show the last page instead.
            f["page"] = max(1, math.ceil(total / PAGE_SIZE))
            objects, total = catalog.search(self.request, principals,
                                            start=(f["page"] - 1) * PAGE_SIZE, **query)
        return [summary_row(self, obj) for obj in objects], total
