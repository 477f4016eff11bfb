"""The workflow of a document as a picture (``<object>/workflow.svg``) and as
a page with a text alternative (``<object>/workflow``).

The picture is drawn from the type's definition in ``workflows/`` by the pure
``workflow.diagram``; the current state is highlighted and the transitions
the current user may perform now (the same ``Workflows.available`` the API
offers) are marked.
"""
from pyramid.response import Response
from pyramid.view import view_config

from ..content.models import Content
from ..schema import get_schemas
from ..security.permissions import VIEW
from ..security.roles import GLOBAL_ROLES, LOCAL_ROLES
from ..workflow import get_workflows
from ..workflow.diagram import describe, render_svg
from .base import BaseView, _

# The diagram's fixed texts, as msgids (see workflow.diagram.TEXTS).
TEXTS = {
    "current": _("nuvarande läge"),
    "initial": _("startläge"),
    "final": _("slutläge"),
    "offered": _("du kan utföra den nu"),
    "loop": _("stannar i samma läge"),
    "can_do": _("Du kan utföra nu:"),
    "can_do_nothing": _("Du kan inte utföra någon åtgärd i det här läget just nu."),
    "legend_offered": _("Tjock heldragen pil: en åtgärd du kan utföra nu."),
    "legend_other": _("Tunn streckad pil: övriga åtgärder."),
    "legend_shapes": _(
        "Gul ruta med tjock ram: nuvarande läge. Dubbel ram: slutläge. Överst: startläget."
    ),
}
# Opened on its own the picture is a document: it may run nothing and load nothing.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
PUBLIC_ROLE_LABELS = {"Anonymous": _("Allmänheten"), "Authenticated": _("Inloggade användare")}


class WorkflowDiagramView(BaseView):
    def _workflow(self):
        """The type's definition and the ids of the transitions offered to this user now."""
        workflows = get_workflows(self.request.registry)
        offered = [t.id for t in workflows.available(self.request, self.context)]
        return workflows.definition(self.context.type_name), offered

    @property
    def type_title(self):
        schema = get_schemas(self.request.registry).get(self.context.type_name)
        return self.title_of(schema.title) if schema else self.context.type_name

    def role_label(self, role):
        if role in PUBLIC_ROLE_LABELS:
            return self.request.localizer.translate(PUBLIC_ROLE_LABELS[role])
        return GLOBAL_ROLES.get(role) or LOCAL_ROLES.get(role) or role

    @view_config(context=Content, name="workflow.svg", request_method="GET", permission=VIEW)
    def svg(self):
        definition, offered = self._workflow()
        translate = self.request.localizer.translate
        dnr = self.context.data.get("dnr")
        title = translate(_("Arbetsflöde för ${type}", mapping={"type": self.type_title}))
        if dnr:
            title += f" ({dnr})"
        body = render_svg(definition, lang=self.locale, title=title, current=self.context.state,
                          offered=offered, texts={k: translate(v) for k, v in TEXTS.items()})
        response = Response(body=body.encode("utf-8"), content_type="image/svg+xml",
                            charset="utf-8")
        # What is marked depends on the user and the state: never from a shared cache.
        response.cache_control = "private, no-cache"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @view_config(context=Content, name="workflow", request_method="GET", accept="text/html",
                 renderer="partnership_cms:templates/workflow.pt", permission=VIEW)
    def html(self):
        definition, offered = self._workflow()
        states = describe(definition, self.locale, self.context.state, offered)
        current = next(s for s in states if s.current)
        return {
            "page": self,
            "states": states,
            "current": current,
            "offered": [t for t in current.transitions if t.offered],
            "document_url": self.request.resource_url(self.context),
            "svg_url": self.request.resource_url(self.context, "workflow.svg"),
        }
