"""``/search``: one search across every type, with facets and highlighted matches.

The words are matched as the catalog indexes them (Swedish stems, å/ä/ö
folded: ``catalog/text.py``), so "södertörn" and "hogskolan" find "Södertörns
högskola"; the page shows the real text with the matching words marked.
The facets (type, state, year, body) count the matches the caller may see;
each is a link that narrows the search. A GET form: works without JavaScript.
"""
from __future__ import annotations

import math
import re
from urllib.parse import urlencode

from pyramid.decorator import reify
from pyramid.view import view_config

from .. import catalog
from ..catalog.text import normalize
from ..content.models import Root
from ..schema import get_schemas
from ..security.permissions import VIEW
from ..security.policy import search_principals
from ..workflow import get_workflows
from .base import BaseView, _
from .registers import summary_row, text_query

TEMPLATE = "partnership_cms:templates/search.pt"
PAGE_SIZE = 20
SNIPPET_BEFORE, SNIPPET_AFTER = 8, 22  # words of context around the first match
WORD = re.compile(r"\w+")


def snippet(texts, terms):
    """The first passage of ``texts`` with a word whose normalized form is in
    ``terms``, as ``[(text, is_match)]`` segments (the template marks the
    matches; nothing here is HTML). Empty when no text matches."""
    for text in texts:
        words = list(WORD.finditer(text))
        hits = [i for i, m in enumerate(words) if normalize(m.group()) in terms]
        if not hits:
            continue
        first = max(0, hits[0] - SNIPPET_BEFORE)
        last = min(len(words) - 1, hits[0] + SNIPPET_AFTER)
        # The whole text where the passage reaches its start or end, else from word to word.
        start = 0 if first == 0 else words[first].start()
        end = len(text) if last == len(words) - 1 else words[last].end()
        segments, position = [], start
        for i in range(first, last + 1):
            match = words[i]
            if i in hits:
                segments.append((text[position:match.start()], False))
                segments.append((match.group(), True))
                position = match.end()
        segments.append((text[position:end], False))
        if first > 0:
            segments.insert(0, ("… ", False))
        if last < len(words) - 1:
            segments.append((" …", False))
        return [s for s in segments if s[0]]
    return []


def texts_of(obj):
    """The texts of an object a snippet may come from, title and summary first."""
    data = obj.data
    first = [data.get(name) for name in ("title", "summary", "decision_text", "purpose")]
    rest = []
    for value in data.values():
        if isinstance(value, str):
            rest.append(value)
        elif isinstance(value, list):
            rest.extend(v for v in value if isinstance(v, str))
    return [t for t in first + rest if isinstance(t, str) and t]


class SearchView(BaseView):
    @view_config(context=Root, name="search", request_method="GET", accept="text/html",
                 renderer=TEMPLATE, permission=VIEW)
    def __call__(self):
        self.errors = {}
        self.filters = self._read_filters(self.request.GET)
        self.rows, self.total, self.facet_counts = self._search()
        return {"page": self}

    @reify
    def schemas(self):
        return get_schemas(self.request.registry)

    @property
    def search_url(self):
        return self.request.application_url + "/search"

    def _read_filters(self, params):
        type_name = params.get("type", "")
        type_name = type_name if type_name in self.schemas else ""
        states = set()
        if type_name:
            states = set(get_workflows(self.request.registry).definition(type_name).states)
        state = params.get("state", "")
        year = params.get("year", "")
        page = params.get("page", "1")
        return {
            "q": params.get("q", "").strip()[:200],
            "type": type_name,
            "state": state if state in states else "",
            "year": int(year) if re.fullmatch(r"[0-9]{4}", year) else None,
            "body": params.get("body", "")[:20] if re.fullmatch(r"\w{0,20}", params.get("body", "")) else "",
            "page": int(page) if re.fullmatch(r"[0-9]{1,9}", page) and int(page) > 0 else 1,
        }

    def _search(self):
        f = self.filters
        query = {"type": f["type"] or None, "state": f["state"] or None, "year": f["year"],
                 "body": f["body"] or None, "text": text_query(f["q"])}
        if not f["q"] and not any(query.values()):
            return [], 0, {}
        principals = search_principals(self.request)
        docids = catalog.matching(self.request, principals, **query)
        objects, total = catalog.search(self.request, principals, start=(f["page"] - 1) * PAGE_SIZE,
                                        size=PAGE_SIZE, **query)
        terms = {normalize(w) for w in WORD.findall(f["q"])}
        rows = []
        for obj in objects:
            row = summary_row(self, obj)
            row["snippet"] = snippet(texts_of(obj), terms) if terms else []
            rows.append(row)
        return rows, total, catalog.facets(self.request, docids)

    # -- what the template reads --------------------------------------------------
    def url(self, **changes):
        """This search with some filters changed (a facet link); back to page 1."""
        f = dict(self.filters, page=1, **changes)
        if "type" in changes and changes["type"] != self.filters["type"]:
            f["state"] = ""
        params = {k: v for k, v in f.items() if v not in ("", None) and not (k == "page" and v == 1)}
        return self.search_url + ("?" + urlencode(params) if params else "")

    def facet_groups(self):
        """``[(heading, [(label, count, url, current)])]`` for the facets that have values."""
        groups = []
        counts = self.facet_counts
        types = [(self.title_of(self.schemas[t].title), n, self.url(type=t), t == self.filters["type"])
                 for t, n in counts.get("type", ()) if t in self.schemas]
        if types:
            groups.append((self.translate(_("Typ")), types))
        if self.filters["type"]:
            definition = get_workflows(self.request.registry).definition(self.filters["type"])
            states = [(self.title_of(definition.states[s].title), n, self.url(state=s), s == self.filters["state"])
                      for (t, s), n in counts.get("state", ()) if t == self.filters["type"] and s in definition.states]
            if states:
                groups.append((self.translate(_("Status")), states))
        years = [(str(y), n, self.url(year=y), y == self.filters["year"])
                 for y, n in sorted(counts.get("year", ()), reverse=True)]
        if years:
            groups.append((self.translate(_("År")), years))
        bodies = [(b, n, self.url(body=b), b == self.filters["body"]) for b, n in counts.get("body", ())]
        if bodies:
            groups.append((self.translate(_("Organ")), bodies))
        return groups

    @property
    def page_count(self):
        return max(1, math.ceil(self.total / PAGE_SIZE))

    def page_url(self, number):
        f = dict(self.filters, page=number)
        return self.search_url + "?" + urlencode({k: v for k, v in f.items() if v not in ("", None)})
