"""A document's page, laid out like the Swedish original (a Proposal like a
tjänsteutlåtande, a Decision like a protokollsutdrag, ...), and its history.

``GET <object>`` (VIEW): every field, the state, linked documents, the
transitions the user may perform now (``Workflows.available``), links to the
edit form, the history and the workflow diagram (``<object>/workflow.svg``).
``GET <object>/history`` (VIEW): transitions and field changes from the
object's audit chain, edits as a word-level diff.
"""
import difflib
import re

from pyramid.decorator import reify
from pyramid.renderers import get_renderer
from pyramid.traversal import find_resource, resource_path
from pyramid.view import view_config

from ..audit import get_log
from ..content.models import Content, Moved
from ..i18n import translate
from ..meetings import MEETING_TYPE, readable_agenda
from ..schema import get_schemas
from ..schema.loader import to_json_value
from ..security.permissions import EDIT, VIEW
from ..workflow import get_workflows
from ..workflow.deadlines import date_flags
from .attachments import MACRO_TEMPLATE, files_section
from .base import BaseView, _
from .protocol import protocol_section

TEMPLATES = "partnership_cms:templates/"
# The body of a type whose schema names no template (``document: template:``).
GENERIC_TEMPLATE = TEMPLATES + "document_generic.pt"
RELATIONS = {"decisions": _("Beslut"), "amendments": _("Ändringar")}


def resolve(context, path):
    """The object at a stored path (a renamed one at its new name), or None if it is gone."""
    try:
        target = find_resource(context, path) if path else None
    except (KeyError, ValueError):
        return None
    return target.target if isinstance(target, Moved) else target


def paragraphs(text):
    """Text as paragraphs (split on blank lines), each a list of lines."""
    text = str(text or "").replace("\r\n", "\n").strip()
    if not text:
        return []
    return [block.split("\n") for block in re.split(r"\n\s*\n", text) if block.strip()]


class DocumentPage(BaseView):
    """What the document and history pages read (``page`` in the templates)."""

    @reify
    def schema(self):
        return get_schemas(self.request.registry)[self.context.type_name]

    @reify
    def workflow(self):
        return get_workflows(self.request.registry)

    @reify
    def version(self):
        """An earlier version of an agreement asked for with ``?version=N``, or None."""
        wanted = self.request.params.get("version", "")
        return next((v for v in self.context.versions if str(v["version"]) == wanted), None)

    @reify
    def data(self):
        if self.version:
            return self.version["data"]
        if self.context.type_name == MEETING_TYPE and self.context.data.get("agenda"):
            # Confidential items only to the body's members (meetings/confidential.py).
            return dict(self.context.data, agenda=readable_agenda(self.request, self.context))
        return self.context.data

    @property
    def macros(self):
        return get_renderer(TEMPLATES + "document.pt").implementation().macros

    @reify
    def files(self):
        """The files (bilagor) section, or None when the type takes no files."""
        return files_section(self)

    @reify
    def protocol(self):
        """A protocol's document, justering and forms, or None for other types."""
        return protocol_section(self)

    @property
    def files_macros(self):
        return get_renderer(MACRO_TEMPLATE).implementation().macros

    def value(self, name):
        return self.data.get(name)

    def has(self, name):
        value = self.data.get(name)
        return value not in (None, "", [], ()) and value is not False

    def label(self, name):
        spec = self.schema.by_name.get(name)
        return self.title_of(spec.title) if spec else name

    def date(self, name):
        return self.format_date(self.data.get(name))

    def choice(self, name, value=None, item=None):
        """The title of a choice value (``item``: a sub-field of a list of mappings)."""
        spec = self.schema.by_name.get(name)
        if item and spec is not None and isinstance(spec.item, list):
            spec = next((s for s in spec.item if s.name == item), None)
        if value is None and not item:
            value = self.data.get(name)
        if spec is None or not isinstance(value, str) or value not in spec.choices:
            return value or ""
        return self.title_of(spec.choices[value])

    def item_label(self, name, item):
        """The title of a sub-field of a list of mappings."""
        spec = self.schema.by_name.get(name)
        subs = spec.item if spec is not None and isinstance(spec.item, list) else []
        sub = next((s for s in subs if s.name == item), None)
        return self.title_of(sub.title) if sub else item

    def paragraphs(self, value):
        return paragraphs(value)

    def text_section(self, name):
        """A text field as a section; None when it is empty and may be."""
        spec = self.schema.by_name.get(name)
        if spec is None:
            return None
        missing = not self.has(name)
        if missing and not (spec.complete or spec.required):
            return None
        return {"title": self.title_of(spec.title), "paragraphs": paragraphs(self.value(name)),
                "missing": missing}

    def required_missing(self, name):
        """An empty field that must be filled before the case moves on."""
        spec = self.schema.by_name.get(name)
        return spec is not None and (spec.complete or spec.required) and not self.has(name)

    def fact(self, name):
        """A field's value as one line of text (for the facts at the head of a document)."""
        spec = self.schema.by_name.get(name)
        value = self.value(name)
        if spec is None or not self.has(name):
            return ""
        if name == "paragraph":
            return f"§ {value}"
        if spec.type == "reference":
            found = self.link(value)
            return found[1] if found else ""
        return ", ".join(self.display_lines(spec, value))

    def fullname(self, login):
        if not login:
            return self.request.localizer.translate(_("Systemet"))
        user = self.request.root.principals.users.get(login)
        return user.fullname if user is not None and user.fullname else login

    def other_fields(self):
        """Fields this type's template does not lay out itself, as (label, lines)."""
        laid_out = self.laid_out
        return [(self.title_of(spec.title), self.display_lines(spec, self.value(spec.name)))
                for spec in self.schema.fields if spec.name not in laid_out and self.has(spec.name)]

    @reify
    def laid_out(self):
        """The fields the type's template lays out itself (``document: laid_out:``
        in the schema); the generic template lays out every field that is not a list."""
        if self.schema.presentation.template:
            return self.schema.presentation.laid_out
        return frozenset(self.generic_fields())

    def generic_fields(self):
        """The fields the generic template shows: the title and every non-list field."""
        return [s.name for s in self.schema.fields if s.type != "list"]

    def generic_facts(self):
        """The generic template's facts: the fields other than the title and texts."""
        return [s.name for s in self.schema.fields if s.type not in ("list", "text")
                and s.name != "title"]

    def generic_texts(self):
        return [s.name for s in self.schema.fields if s.type == "text"]

    def display_lines(self, spec, value):
        if spec.type == "list":
            return [self._display_item(spec, v) for v in value or ()]
        if spec.type == "choice":
            return [self.choice(spec.name, value)]
        if spec.type == "date":
            return [self.format_date(value)]
        if spec.type == "boolean":
            return [self.request.localizer.translate(_("Ja") if value else _("Nej"))]
        return [str(value)]

    def _display_item(self, spec, item):
        if isinstance(item, dict) and isinstance(spec.item, list):
            return "; ".join(f"{self.title_of(s.title)}: {self._scalar(s, item[s.name])}"
                             for s in spec.item if item.get(s.name) not in (None, ""))
        return self._scalar(spec.item, item)

    def _scalar(self, spec, value):
        return self.format_date(value) if getattr(spec, "type", "") == "date" else str(value)

    def date_flags(self):
        """The dates that break their legal order, as notes: (text naming the
        rule, the recorded reason or None). Only for the current version."""
        if self.version is not None:
            return []
        return [(translate(self.request, flag["message"]), flag["reason"])
                for flag in date_flags(self.request, self.context)]

    # -- state, actions, links --------------------------------------------------------
    @property
    def url(self):
        return self.request.resource_url(self.context)

    @property
    def type_title(self):
        return self.title_of(self.schema.title)

    @reify
    def number(self):
        """What the document is known by ("KS § 1", "KS-2026/6"), shown before its
        title in the heading, so that a case and its decisions, which share
        the matter's title, are told apart at a glance."""
        return self.schema.number_of(self.context.data)

    def state_title(self, state_id=None):
        states = self.workflow.definition(self.context.type_name).states
        state = states.get(state_id or self.context.state)
        return self.title_of(state.title) if state else (state_id or "")

    @property
    def diagram_alt(self):
        return self.request.localizer.translate(_(
            "Diagram över arbetsflödet för ${type}; nuvarande läge: ${state}.",
            mapping={"type": self.type_title.lower(), "state": self.state_title()}))

    @property
    def can_edit(self):
        return self.version is None and bool(self.request.has_permission(EDIT, self.context))

    def transitions(self):
        """Every transition the user holds the permission for from this state:
        {id, title, form (needs a form page), enabled, reasons [{text, url}],
        confirm (the question to ask, or ""), destructive}. A disabled one
        carries its guards' reasons, each with a link to the field to fill or
        the document to act on first when the reason names one."""
        if self.version is not None:
            return []
        return [{"id": t.id, "title": self.title_of(t.title),
                 "form": bool(t.data_fields) or t.comment == "required",
                 "enabled": not reasons, "reasons": [self.reason(r) for r in reasons],
                 "confirm": self.confirm_question(t),
                 "destructive": t.destructive}
                for t, reasons in self.workflow.candidates(self.request, self.context)]

    def confirm_question(self, t):
        """What confirm.js asks before an irreversible step, or "" for the others."""
        if not t.confirm:
            return ""
        return f"{self.request.localizer.translate(_('Är du säker?'))} {self.title_of(t.confirm)}"

    def reason(self, message):
        """A guard's reason as {text, url, link}: the text in the page's language and
        where to act on it (the field on the edit form, or another document), if anywhere."""
        mapping = getattr(message, "mapping", None) or {}
        url = link = None
        if mapping.get("field_name") and self.can_edit:
            url = f"{self.url}edit#field-{mapping['field_name']}"
            link = _("Fyll i ${field}", mapping={"field": mapping.get("field", mapping["field_name"])})
        elif mapping.get("document"):
            found = self.link(mapping["document"])
            if found:
                url, link = found[0], _("Gå till ${document}", mapping={"document": found[1]})
        return {"text": translate(self.request, message), "url": url,
                "link": translate(self.request, link) if link else None}

    def link(self, path):
        """(url, label) of a document the user may see, else None."""
        target = resolve(self.context, path)
        if not isinstance(target, Content) or not self.request.has_permission(VIEW, target):
            return None
        return self.request.resource_url(target), self.document_label(target)

    def links(self):
        """Linked documents as (label, [(url, title)]) from references and relations."""
        groups = []
        for spec in self.schema.fields:
            if spec.type == "reference" and self.value(spec.name):
                found = self.link(self.value(spec.name))
                if found:
                    groups.append((self.title_of(spec.title), [found]))
        for relation, paths in self.context.links.items():
            found = [f for f in (self.link(p) for p in paths) if f]
            if found:
                label = RELATIONS.get(relation, relation)
                groups.append((self.request.localizer.translate(label), found))
        return groups

    def versions(self):
        """Earlier versions of an agreement: (number, url, replaced-by link or None)."""
        return [(v["version"], f"{self.url}?version={v['version']}",
                 self.link(v.get("replaced_by"))) for v in self.context.versions]

    def target_field_title(self, field):
        """An amendment's clause: the title of the field in the amended document's schema."""
        target = resolve(self.context, self.context.data.get("amends"))
        schemas = get_schemas(self.request.registry)
        spec = schemas[target.type_name].by_name.get(field) if target is not None else None
        return self.title_of(spec.title) if spec else field


class DocumentView(DocumentPage):
    @view_config(context=Content, request_method="GET", accept="text/html",
                 renderer=TEMPLATES + "document.pt", permission=VIEW)
    def show(self):
        body = self.schema.presentation.template or GENERIC_TEMPLATE
        body_macro = get_renderer(body).implementation().macros["body"]
        return {"page": self, "doc": self.context, "body_macro": body_macro}


class HistoryView(DocumentPage):
    @view_config(context=Content, name="history", request_method="GET", accept="text/html",
                 renderer=TEMPLATES + "history.pt", permission=VIEW)
    def history(self):
        entries = get_log(self.request.root).trail_of(resource_path(self.context))
        return {"page": self, "doc": self.context, "entries": [self.describe(e) for e in entries]}

    def describe(self, entry):
        """One audit entry as what the history page shows."""
        details = entry.get("details") or {}
        tr = self.request.localizer.translate
        item = {"time": self.format_datetime(entry["time"]), "action": entry["action"],
                "who": self.fullname(entry.get("actor")), "what": "", "from": "", "to": "",
                "comment": "", "changes": [], "reason": details.get("reason", "")}
        if entry["action"] == "create":
            item["what"] = tr(_("Skapades"))
        elif entry["action"] == "edit":
            item["what"] = tr(_("Ändrade uppgifter"))
            item["changes"] = [self.change(c) for c in details.get("changes", ())]
        elif entry["action"] == "transition":
            definition = self.workflow.definition(self.context.type_name)
            t = definition.transitions.get(details.get("action"))
            item["what"] = self.title_of(t.title) if t else details.get("action", "")
            item["from"] = self.state_title(details.get("from"))
            item["to"] = self.state_title(details.get("to"))
            item["comment"] = details.get("comment", "")
        elif entry["action"] == "import":
            item["what"] = tr(_("Importerades från filen ${file}", mapping={"file": details.get("file", "")}))
            item["comment"] = ", ".join(f"{r['original']} → {r['replacement']}"
                                        for r in details.get("repairs", ()))
        elif entry["action"] == "renamed":
            item["what"] = tr(_("Fick ny adress: ${new} (tidigare ${old})",
                                mapping={"new": details.get("to", ""), "old": details.get("from", "")}))
        elif entry["action"] == "link" and details.get("renamed"):
            item["what"] = tr(_("Ett kopplat dokument fick ny adress: ${new}",
                                mapping={"new": details["renamed"].get("to", "")}))
        elif entry["action"] == "link":
            item["what"] = tr(_("Kopplades till ett annat dokument"))
        elif entry["action"] == "local_role_changed":
            item["what"] = tr(_("Roll ${role} för ${name}: ${change}", mapping={
                "role": details.get("role", ""), "name": self.fullname(details.get("login")),
                "change": tr(_("tilldelad") if details.get("granted") else _("borttagen"))}))
        else:
            item["what"] = entry["action"]
        return item

    def change(self, change):
        """A field change as {title, segments}: segments are (op, text), op one of
        'equal', 'delete', 'insert'; the template escapes the text."""
        spec = self.schema.by_name.get(change["field"])
        title = self.title_of(spec.title) if spec else change["field"]
        old, new = self.as_text(spec, change.get("old")), self.as_text(spec, change.get("new"))
        return {"title": title, "segments": word_diff(old, new)}

    def as_text(self, spec, value):
        if value in (None, "", []):
            return ""
        if spec is not None and spec.type in ("list", "choice", "date", "boolean"):
            return "\n".join(self.display_lines(spec, value))
        return str(to_json_value(value))


def word_diff(old, new, context=12):
    """A word-level diff as (op, text) segments; long unchanged stretches are
    shortened to ``context`` words at each end."""
    a, b = re.findall(r"\s+|\S+", old), re.findall(r"\s+|\S+", new)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            words = a[i1:i2]
            if len(words) > 4 * context:
                words = words[:context] + [" … "] + words[-context:]
            segments.append(("equal", "".join(words)))
        if op in ("delete", "replace"):
            segments.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", "".join(b[j1:j2])))
    return segments
