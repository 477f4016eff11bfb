"""The start page: "Mina uppgifter" for a logged-in user, the latest public
documents for everybody else."""
from pyramid.authorization import Everyone
from pyramid.traversal import resource_path
from pyramid.view import view_config

from .. import catalog
from ..content.models import Root
from ..schema import get_schemas
from ..security.permissions import VIEW
from ..workflow.worklist import worklist
from .base import BaseView
from .meetings import what_awaits
from .registers import number_title, summary_row

WORKLIST_ROWS = 10
PUBLIC_ROWS = 10


class StartView(BaseView):
    """``GET /`` in a browser."""

    @view_config(context=Root, request_method="GET", accept="text/html",
                 renderer="partnership_cms:templates/start.pt", permission=VIEW)
    def __call__(self):
        """The template asks for the worklist or the public documents itself."""
        return {"page": self}

    def task_groups(self):
        """The worklist groups as dicts: heading, count, the first rows and the register address."""
        groups = []
        schemas = get_schemas(self.request.registry)
        for group in worklist(self.request, size=WORKLIST_ROWS):
            folder = self._folder_of(group.type_name)
            more = folder is not None and group.total > len(group.items)
            groups.append({
                "id": f"tasks-{group.type_name.lower()}-{group.state}",
                "heading": self.title_of(group.title),
                "number_label": number_title(self, schemas[group.type_name]),
                "total": group.total,
                "rows": [summary_row(self, obj) for obj in group.items],
                "more_url": (self.request.application_url + resource_path(folder)
                             + "?state=" + group.state) if more else None,
            })
        return groups

    def meeting_tasks(self):
        """The meetings convened or open for the user's bodies and the votes they may still cast."""
        return what_awaits(self)

    def public_documents(self):
        """The latest documents anyone may read: searched with the public's principals only."""
        objects, _total = catalog.search(self.request, [Everyone], sort="modified", reverse=True,
                                         size=PUBLIC_ROWS)
        return [summary_row(self, obj) for obj in objects]

    def _folder_of(self, type_name):
        for folder in self.context.values():
            if getattr(folder, "type_name", None) == type_name:
                return folder
        return None
