"""Registers: the list of each content folder (``/proposals``, ``/decisions``,
``/agreements``, ``/amendments``), filtered, sorted and paged through the
catalog, so nobody ever sees a row they may not view.

The filters are a GET form: the page works without JavaScript and every
result is a bookmarkable address.
"""
import datetime
import math
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pyramid.traversal import resource_path
from pyramid.view import view_config

from .. import catalog
from ..content.models import ContentFolder
from ..schema import get_schemas
from ..security.permissions import ADD, VIEW
from ..security.policy import search_principals
from ..workflow import get_workflows
from .base import STOCKHOLM, BaseView, _

PAGE_SIZE = 25
# Sort choice in the address -> catalog index.
SORT_INDEXES = {"dnr": "dnr", "title": "title_sort", "modified": "modified"}
HEADINGS = {"Proposal": _("Ärenden"), "Decision": _("Beslut"),
            "Agreement": _("Avtal"), "Amendment": _("Ändringar")}
ADD_LABELS = {"Proposal": _("Nytt ärende"), "Decision": _("Nytt beslut"),
              "Agreement": _("Nytt avtal"), "Amendment": _("Ny ändring")}


def case_number(obj):
    """The number an object is known by: its dnr, or "KS § 12" for a decision."""
    if obj.type_name == "Decision" and obj.data.get("paragraph"):
        return f"{obj.data.get('body') or ''} § {obj.data['paragraph']}".strip()
    return obj.data.get("dnr") or ""


def summary_row(page, obj):
    """What a listing shows of one object (the registers and the start page)."""
    state = get_workflows(page.request.registry).definition(obj.type_name).states[obj.state]
    schema = get_schemas(page.request.registry)[obj.type_name]
    modified = obj.modified.astimezone(ZoneInfo(STOCKHOLM)).date()
    return {
        "url": page.request.application_url + resource_path(obj),
        "type": page.title_of(schema.title),
        "number": case_number(obj),
        "title": obj.title or obj.__name__,
        "state": page.title_of(state.title),
        "modified": page.format_date(modified, "short"),
        "modified_iso": modified.isoformat(),
    }


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
    @property
    def heading(self):
        return HEADINGS.get(self.context.type_name, self.context.title)

    @property
    def is_decisions(self):
        return self.context.type_name == "Decision"

    @property
    def add_link(self):
        """(url, label) of the add form, only for those who may add here."""
        if not self.request.has_permission(ADD, self.context):
            return None
        return (self.folder_url + "/add", ADD_LABELS.get(self.context.type_name, _("Nytt ärende")))

    @property
    def folder_url(self):
        return self.request.application_url + resource_path(self.context)

    def state_options(self):
        """(id, title) of every state of this type, in definition order."""
        definition = get_workflows(self.request.registry).definition(self.context.type_name)
        return [(s.id, self.title_of(s.title)) for s in definition.states.values()]

    def body_options(self):
        """(value, title) of the deciding bodies (KS, KF) from the decision schema."""
        field = get_schemas(self.request.registry)[self.context.type_name].by_name.get("body")
        choices = field.choices if field else {}
        return [(value, self.title_of(titles)) for value, titles in choices.items()]

    def sort_options(self):
        number = _("Paragraf/diarienummer") if self.is_decisions else _("Diarienummer")
        return [("modified", _("Senast ändrad")), ("dnr", number), ("title", _("Rubrik"))]

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
        bodies = {value for value, _title in self.body_options()} if self.is_decisions else set()
        state = params.get("state", "")
        body = params.get("body", "")
        year_text = params.get("year", "").strip()
        year = None
        if year_text:
            if re.fullmatch(r"\d{4}", year_text) and 1900 <= int(year_text) <= 2999:
                year = int(year_text)
            else:
                self.errors["year"] = _("Ange året med fyra siffror, till exempel ${year}.",
                                        mapping={"year": datetime.date.today().year})
        sort = params.get("sort", "modified")
        sort = sort if sort in SORT_INDEXES else "modified"
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
