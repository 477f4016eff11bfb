"""The form pages: ``<object>/edit`` (EDIT), ``<folder>/add`` (ADD) and
``<object>/transition?name=<id>`` (the transition's own permission, checked
by the engine). The forms themselves come from the toolkit in ``formkit.py``.
"""
import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..api.errors import status_of
from ..content.models import Content, ContentFolder
from ..content.services import ContentInvalid, create_content, edit_content
from ..schema import get_schemas
from ..schema.loader import COMMENT_MAX_LENGTH, to_json_value
from ..security.permissions import ADD, EDIT, VIEW, transition_permission
from ..workflow import GuardFailed, InvalidData, NotAvailable, get_workflows
from .base import _
from .formkit import (
    FORM_PAGE,
    INVALID,
    FormPage,
    build_form,
    doom,
    from_form,
    place_errors,
    render,
    render_failure,
    validate,
)

CONFIRMED = "confirmed"  # the field an irreversible transition's POST must carry


class EditView(FormPage):
    def _form(self):
        schema = get_schemas(self.request.registry)[self.context.type_name]
        self.specs = schema.editable_fields(editing=True)
        return build_form(self, self.specs, action=self.url(self.context, "edit"),
                          button=_("Spara"), formid="edit-form", current=self.context.data)

    def _heading(self):
        return _("Redigera: ${title}", mapping={"title": self.context.title})

    @view_config(context=Content, name="edit", request_method="GET", accept="text/html",
                 renderer=FORM_PAGE, permission=EDIT)
    def form(self):
        form = self._form()
        data = self.context.data
        appstruct = {s.name: data[s.name] for s in self.specs if data.get(s.name) is not None}
        return self.values(self._heading(), render(form, appstruct))

    @view_config(context=Content, name="edit", request_method="POST", accept="text/html",
                 renderer=FORM_PAGE, permission=EDIT)
    def submit(self):
        form = self._form()
        appstruct, failure = self.validated(form)
        if failure:
            return failure
        data = self.context.data
        payload = {}
        for spec in self.specs:
            old, new = data.get(spec.name), appstruct.get(spec.name)
            if spec.empty(old) and spec.empty(new) or to_json_value(old) == to_json_value(new):
                continue  # unchanged, or empty before and after
            if spec.type == "boolean" and bool(old) == bool(new):
                continue
            # A field left empty arrives as None and is cleared; the service
            # refuses to clear a required one.
            payload[spec.name] = new
        try:
            changes = edit_content(self.request, self.context, to_json_value(payload))
        except ContentInvalid as e:
            return self.failed(self._heading(), form, *place_errors(form, e.rendered(self.request)[1]))
        self.flash(_("Ändringarna är sparade.") if changes else _("Inget ändrades."))
        return HTTPSeeOther(self.url(self.context))


class AddView(FormPage):
    def _form(self):
        self.schema = get_schemas(self.request.registry)[self.context.type_name]
        return build_form(self, self.schema.editable_fields(), action=self.url(self.context, "add"),
                          button=_("Skapa"), formid="add-form")

    def _heading(self):
        return _("Lägg till ${type}", mapping={"type": self.title_of(self.schema.title).lower()})

    @view_config(context=ContentFolder, name="add", request_method="GET", accept="text/html",
                 renderer=FORM_PAGE, permission=ADD)
    def form(self):
        form = self._form()
        return self.values(self._heading(), render(form), back_url=self.url(self.context))

    @view_config(context=ContentFolder, name="add", request_method="POST", accept="text/html",
                 renderer=FORM_PAGE, permission=ADD)
    def submit(self):
        form = self._form()
        appstruct, failure = self.validated(form)
        if failure:
            return failure
        payload = {k: v for k, v in appstruct.items()
                   if not self.schema.by_name[k].empty(v) and v is not False}
        try:
            obj = create_content(self.request, self.context.type_name, to_json_value(payload))
        except ContentInvalid as e:
            return self.failed(self._heading(), form, *place_errors(form, e.rendered(self.request)[1]))
        self.flash(_("${name} har skapats.", mapping={"name": self.document_label(obj)}))
        return HTTPSeeOther(self.url(obj))


class TransitionView(FormPage):
    """A transition without data or required comment is a button on the
    document page that posts here; one that takes data has a form page."""

    def _transition(self):
        name = self.request.params.get("name", "")
        definition = get_workflows(self.request.registry).definition(self.context.type_name)
        t = definition.transitions.get(name)
        if t is None:
            raise HTTPNotFound()
        if not self.request.has_permission(transition_permission(t.id), self.context):
            raise HTTPForbidden()
        return t

    def _form(self, t):
        comment = colander.SchemaNode(
            colander.String(), name="comment",
            title=self.request.localizer.translate(_("Kommentar")),
            widget=deform.widget.TextAreaWidget(rows=4),
            validator=colander.Length(max=COMMENT_MAX_LENGTH),
            missing=colander.required if t.comment == "required" else colander.drop)
        extra = [comment]
        if t.confirm:
            # Sent only by this page, which asks the question: the server performs
            # an irreversible step only with it (confirm.js adds it after a dialog).
            extra.append(colander.SchemaNode(colander.String(), name=CONFIRMED, missing=colander.drop,
                                             default="1", widget=deform.widget.HiddenWidget()))
        action = self.url(self.context, "transition", query={"name": t.id})
        return build_form(self, t.data_fields, action=action, button=self.title_of(t.title),
                          formid="transition-form", extra_nodes=extra,
                          button_class="destructive" if t.destructive else "")

    def _page(self, t, form_html, **kw):
        intro = _("Gäller: ${title}", mapping={"title": self.document_label(self.context)})
        confirm = self.title_of(t.confirm) if t.confirm else None
        return self.values(self.title_of(t.title), form_html, intro=intro, confirm=confirm, **kw)

    @view_config(context=Content, name="transition", request_method="GET", accept="text/html",
                 renderer=FORM_PAGE, permission=VIEW)
    def form(self):
        t = self._transition()
        return self._page(t, render(self._form(t)))

    @view_config(context=Content, name="transition", request_method="POST", accept="text/html",
                 renderer=FORM_PAGE, permission=VIEW)
    def submit(self):
        t = self._transition()
        form = self._form(t)
        if t.confirm and CONFIRMED not in self.request.POST:
            # Not yet confirmed (the document page's button without JavaScript):
            # this page asks first, and nothing is done.
            return self._page(t, render(form))
        if from_form(self.request):
            try:
                payload = validate(form, self.request)
            except deform.ValidationFailure:
                return self._page(t, render_failure(form), status=422)
            payload.pop(CONFIRMED, None)
        else:  # the button on the document page: no data, no comment
            payload = {}
            form.cstruct = form.schema.serialize(colander.null)
        try:
            get_workflows(self.request.registry).perform(self.request, self.context, t.id,
                                                         to_json_value(payload))
        except (GuardFailed, NotAvailable) as e:
            doom(self.request)
            message, errors = e.rendered(self.request)
            reasons = errors.get("guards") or [message]
            return self._page(t, render_failure(form), alert=_("Åtgärden kan inte utföras:"),
                              alerts=reasons, status=status_of(e)[0])
        except (InvalidData, ContentInvalid) as e:
            error, unplaced = place_errors(form, e.rendered(self.request)[1])
            doom(self.request)
            return self._page(t, render_failure(form, error), alerts=unplaced, status=422,
                              alert=INVALID)
        # The type's own message for this transition (``done_messages`` in its schema), else a generic one.
        done = get_schemas(self.request.registry)[self.context.type_name].presentation.done_messages
        if t.id in done:
            self.request.session.flash(self.title_of(done[t.id]))
        else:
            self.flash(_("Åtgärden ”${title}” är utförd.", mapping={"title": self.title_of(t.title)}))
        if self.request.has_permission(VIEW, self.context):
            return HTTPSeeOther(self.url(self.context))
        return HTTPSeeOther(self.request.application_url + "/")
