"""The form toolkit: deform forms generated from the definitions.

``build_form`` makes a deform Form from FieldSpecs (a type's schema or a
transition's data) on a base schema that carries the CSRF token. Each
field's colander node is the one the services validate with
(``FieldSpec.colander_node``); the form only adds widgets, titles in the
page's language and the CSRF token, so the form and the services agree on
every rule.

The forms work without JavaScript: deform's scripts are left out, each list
gets empty rows to fill in, and rows left empty are dropped on submit.

``FormPage`` is what the pages (``forms.py``) share: validate a submission
or show the form with its errors, place the services' errors next to the
fields, and the message after success.
"""
import re
from importlib.resources import files

import colander
import deform
import peppercorn
from babel.numbers import format_decimal
from pyramid.httpexceptions import HTTPBadRequest
from pyramid.i18n import get_localizer
from pyramid.threadlocal import get_current_request
from pyramid.traversal import resource_path

from .. import catalog, dates
from ..schema import get_schemas
from ..security.input import MALFORMED_FORM
from ..security.policy import search_principals
from .base import BaseView, _

FORM_PAGE = "partnership_cms:templates/form.pt"
BLANK_ROWS = 2  # empty rows offered in each list (no JavaScript needed to add one)
MAX_OPTIONS = 200  # documents offered in a reference's drop-down
ROWS_HINT = _("Fyll i en rad per post. Töm en rad för att ta bort den; "
              "spara för att få fler tomma rader.")
LENGTH_HINT = _("Högst ${max} tecken.")
# Fields the add and edit forms fold away in "Fler uppgifter": who marks secrecy is rare.
RARE_FIELDS = frozenset({"confidential", "confidentiality_reference"})
INVALID = _("Uppgifterna är inte giltiga. Rätta felen och försök igen.")


def _translate(term):
    request = get_current_request()
    return get_localizer(request).translate(term) if request is not None else term


# One renderer for all forms (templates compile once); translated per request.
# Our few overrides (templates/deform: labels, lists, no inline script) come first.
RENDERER = deform.ZPTRendererFactory((str(files("partnership_cms") / "templates" / "deform"),
                                      str(files("deform") / "templates")), translator=_translate)


# -- building ---------------------------------------------------------------------
def build_form(page, specs, *, action, button, formid="form", extra_nodes=(), current=None,
               button_class=""):
    """A deform Form over ``specs`` (system fields left out) plus the CSRF token.

    ``current``: the stored values, so a drop-down always offers the one chosen.
    """
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="csrf_token", missing=colander.drop,
                                   widget=deform.widget.HiddenWidget(), default=page.csrf_token))
    rare_open = False
    for spec in specs:
        if not spec.system:
            node = spec.colander_node()
            _dress(page, node, spec, (current or {}).get(spec.name))
            node.rare = rare(spec)
            rare_open = rare_open or (node.rare and not spec.empty((current or {}).get(spec.name)))
            schema.add(node)
    for node in extra_nodes:
        schema.add(node)
    form = deform.Form(schema, action=action, formid=formid, renderer=RENDERER, focus="off",
                       buttons=(deform.Button("save", page.request.localizer.translate(button),
                                              css_class=button_class or None),))
    # The server validates and says what is wrong next to each field; the
    # browser must not block a submit because of an empty spare row.
    form.widget.attributes = {"novalidate": "novalidate"}
    form.rare_open = rare_open  # a folded field with a value is shown open
    # Stable ids, so a page can link to a field (a guard's "fill in the field" link).
    for child in form.children:
        child.oid = "field-" + child.name
        described = ([f"mark-{child.oid}"] if _marked(child.schema) else []) + \
            ([f"help-{child.oid}"] if child.schema.description else [])
        if described and not isinstance(child.schema.typ, colander.Sequence) and not child.widget.hidden:
            # Screen readers read the mark ("behövs senare") and the hint with the input.
            child.widget.attributes = dict(getattr(child.widget, "attributes", None) or {},
                                           **{"aria-describedby": " ".join(described)})
    return form


def _marked(node):
    return node.required or getattr(node, "complete", False)


def rare(spec):
    """Whether a field goes in the form's folded "Fler uppgifter" part: optional
    lists nothing checks, and confidentiality."""
    if spec.name in RARE_FIELDS:
        return True
    return spec.type == "list" and not (spec.required or spec.complete)


def _dress(page, node, spec, value=None):
    """Title, description and widget of one node (and its items) from its FieldSpec."""
    node.title = page.title_of(spec.title)
    node.complete = spec.complete  # marked "behövs senare" (templates/deform/mapping_item.pt)
    hints = [page.title_of(spec.description)] if spec.description else []
    if spec.default == "today":
        node.default = dates.today()
    if spec.type != "list":
        node.widget = _widget(page, spec, value)
        hints.extend(_attributes(page, node.widget, spec))
        node.description = " ".join(hints)
        return
    node.widget = deform.widget.SequenceWidget()
    hints.append(page.request.localizer.translate(ROWS_HINT))
    item = node.children[0]
    if isinstance(spec.item, list):
        # A row of several fields: no title of its own (the list's legend names it).
        item.title = ""
        item.widget = deform.widget.MappingWidget(template="list_row")
        for sub_node, sub_spec in zip(item.children, spec.item, strict=True):
            _dress(page, sub_node, sub_spec)
    else:
        item.title = node.title
        item.widget = _widget(page, spec.item)
        hints.extend(_attributes(page, item.widget, spec.item, required=False))
        # A list item has no label of its own: name it for screen readers.
        item.widget.attributes = dict(item.widget.attributes, **{"aria-label": node.title})
    node.description = " ".join(hints)


def _attributes(page, widget, spec, required=None):
    """aria-required and maxlength on the input; returns the hints they add ("Högst 300 tecken.")."""
    attributes = dict(getattr(widget, "attributes", None) or {})
    if spec.required if required is None else required:
        attributes["aria-required"] = "true"
    hints = []
    if spec.type in ("string", "text"):
        attributes["maxlength"] = str(spec.max_length_or_default)
        hints.append(page.request.localizer.translate(
            _(LENGTH_HINT, mapping={"max": format_decimal(spec.max_length_or_default, locale=page.locale)})))
    widget.attributes = attributes
    return hints


def _widget(page, spec, value=None):
    if spec.type == "text":
        return deform.widget.TextAreaWidget(rows=6)
    if spec.type == "date":
        return deform.widget.DateInputWidget()
    if spec.type == "boolean":
        return deform.widget.CheckboxWidget()
    if spec.type == "integer":
        return deform.widget.TextInputWidget(attributes={"inputmode": "numeric"})
    if spec.type == "choice":
        choose = ("", page.request.localizer.translate(_("– Välj –")))
        choices = [(value, page.title_of(title)) for value, title in spec.choices.items()]
        return deform.widget.SelectWidget(values=[choose, *choices])
    if spec.type == "reference":
        return deform.widget.SelectWidget(values=reference_options(page, spec, value))
    return deform.widget.TextInputWidget()


def reference_options(page, spec, current=None):
    """The documents of the target type the user may see, from the catalog,
    and always the one chosen now (saving the form must not drop it)."""
    request = page.request
    types = sorted(get_schemas(request.registry)) if spec.target == "*" else spec.target
    objects, _total = catalog.search(request, search_principals(request), type=types,
                                     sort="title_sort", reverse=False, size=MAX_OPTIONS)
    options = [("", page.request.localizer.translate(_("– Inget –")))]
    options += [(resource_path(obj), page.document_label(obj)) for obj in objects]
    if current and current not in {value for value, _label in options}:
        options.insert(1, (current, current))
    return options


# -- reading a submission ---------------------------------------------------------
def validate(form, request):
    """The submitted values (appstruct without the CSRF token); ValidationFailure if invalid."""
    pstruct = _drop_empty_rows(peppercorn.parse(list(request.POST.items())))
    try:
        appstruct = form.validate_pstruct(pstruct)
    except (TypeError, AttributeError):  # a list where a group belongs: no form of ours sent it
        raise HTTPBadRequest(MALFORMED_FORM) from None
    appstruct.pop("csrf_token", None)
    return appstruct


def _drop_empty_rows(value):
    """Rows of lists left empty are dropped; browsers' CRLF line ends become LF."""
    if isinstance(value, list):
        return [_drop_empty_rows(v) for v in value if not _blank(v)]
    if isinstance(value, dict):
        return {k: _drop_empty_rows(v) for k, v in value.items()}
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _blank(value):
    if isinstance(value, dict):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list):
        return all(_blank(v) for v in value)
    return value is None or not str(value).strip()


# -- rendering ----------------------------------------------------------------------
def render(form, appstruct=colander.null):
    """The form's HTML for a first view, with empty rows in every list."""
    cstruct = form.schema.serialize(appstruct)
    for child in form.children:
        if isinstance(child.schema.typ, colander.Sequence):
            cstruct[child.name] = list(cstruct.get(child.name) or []) + [colander.null] * BLANK_ROWS
    form.cstruct = cstruct  # sets each child's value too
    return _clean(form.serialize())


def render_failure(form, error=None):
    """The form's HTML after a failed submission: entered values, errors next to the fields."""
    cstruct = form.cstruct
    if error is not None:
        form.widget.handle_error(form, error)
    for child in form.children:
        if isinstance(child.schema.typ, colander.Sequence):
            rows = getattr(child, "sequence_fields", [])
            rows.extend(child.children[0].clone() for _ in range(BLANK_ROWS))
            child.sequence_fields = rows
            cstruct[child.name] = list(cstruct.get(child.name) or []) + [colander.null] * BLANK_ROWS
        if child.error is not None and not child.widget.hidden:
            # Tie the message to the input for screen readers.
            child.widget.attributes = dict(getattr(child.widget, "attributes", None) or {},
                                           **{"aria-invalid": "true",
                                              "aria-describedby": "error-" + child.oid})
    form.cstruct = cstruct
    return _clean(form.serialize())


# deform's scripts and its script-only controls (add, remove, reorder a row),
# and the one style attribute left on their emptied box (the CSP allows none).
SCRIPT_ONLY = re.compile(
    r"<script\b.*?</script>|<style\b.*?</style>| style=\"padding:0\""
    r"|<button class=\"deform-(?:order|close)-button.*?</button>"
    r"|<a href=\"#\"\s+class=\"btn deform-seq-add\".*?</a>", re.S)


def _clean(html):
    """Leave out what needs deform's JavaScript (and jQuery), which we do not
    ship. This only sees deform's template output, where user text is escaped."""
    return SCRIPT_ONLY.sub("", html)


def place_errors(form, errors):
    """Service errors ``{"field.0.sub": message}`` as a colander.Invalid over
    the form's schema; returns (invalid or None, messages that fit no field)."""
    top = colander.Invalid(form.schema)
    unplaced = []
    for key, message in errors.items():
        if not _place(top, form.schema, key.split("."), message):
            unplaced.append(message if isinstance(message, str) else "; ".join(map(str, message)))
    return (top if top.children else None), unplaced


def _place(exc, node, parts, message):
    name, rest = parts[0], parts[1:]
    if isinstance(node.typ, colander.Sequence):
        if not name.isdigit():
            return False
        pos, child = int(name), node.children[0]
    else:
        names = [c.name for c in node.children]
        if name not in names:
            return False
        pos = names.index(name)
        child = node.children[pos]
    sub = next((c for c in exc.children if c.pos == pos), None)
    if sub is None:
        sub = colander.Invalid(child)
        exc.add(sub, pos)
    if rest:
        return _place(sub, child, rest, message)
    sub.msg = message
    return True


def doom(request):
    """Nothing of a failed attempt may be committed (an action may have begun)."""
    request.tm.doom()


def from_form(request):
    """Whether a POST came from a form page (deform names its form) rather than
    a bare button elsewhere, such as a transition's on the document page."""
    return "__formid__" in request.POST


# -- what the pages share ----------------------------------------------------------
class FormPage(BaseView):
    def values(self, heading, form_html, *, intro="", alert=None, alerts=(), back_url=None,
               status=200, confirm=None):
        """What form.pt reads; ``alert`` heads a list of ``alerts`` (both translated here)."""
        self.request.response.status = status
        tr = self.request.localizer.translate
        return {"page": self, "heading": tr(heading), "form": form_html, "intro": tr(intro),
                "alert": tr(alert) if alert else None, "alerts": [tr(a) for a in alerts],
                "back_url": back_url or self.request.resource_url(self.context),
                "confirm": tr(confirm) if confirm else None,
                # The form marks a field "behövs senare" (mapping_item.pt): explain the mark once.
                "has_complete": "mark-complete" in form_html}

    def flash(self, message):
        self.request.session.flash(self.request.localizer.translate(message))

    def url(self, obj, *elements, **kw):
        return self.request.resource_url(obj, *elements, **kw)

    def validated(self, form):
        """``(values, None)``, or ``(None, the page showing the form's errors)``."""
        try:
            return validate(form, self.request), None
        except deform.ValidationFailure:
            return None, self.values(self._heading(), render_failure(form), status=422)

    def failed(self, heading, form, error, unplaced, **kw):
        doom(self.request)
        return self.values(heading, render_failure(form, error), alerts=unplaced, status=422,
                           alert=INVALID, **kw)
