"""What every HTML page shares: the layout, the user, navigation, CSRF,
translation and Swedish date formatting.

Pages are Chameleon templates that use the ``layout.pt`` macro and get a
``page`` object (a BaseView) to read from.
"""
from __future__ import annotations

import datetime

from babel.dates import format_date, format_datetime, get_timezone
from pyramid.csrf import get_csrf_token
from pyramid.i18n import TranslationStringFactory
from pyramid.renderers import get_renderer

from ..bodies import get_bodies, membership
from ..schema import get_schemas
from ..security.permissions import AUDIT, IMPORT, MANAGE_USERS
from ..security.policy import IDENTITY_KEY

_ = TranslationStringFactory("partnership_cms")

LANGUAGES = {"sv": "Svenska", "en": "English"}
STOCKHOLM = "Europe/Stockholm"


class BaseView:
    """The ``page`` object templates read from."""

    def __init__(self, context, request):
        self.context = context
        self.request = request

    # -- who -----------------------------------------------------------
    @property
    def user(self):
        # Error pages may run after the transaction was aborted: use only
        # what the request already knows, never a fresh database read.
        if IDENTITY_KEY in self.request.environ:
            return self.request.environ[IDENTITY_KEY]
        return self.request.identity

    @property
    def layout(self):
        return get_renderer("partnership_cms:templates/layout.pt").implementation()

    def nav(self):
        """The main navigation: (url, label, current) for what this user may use."""
        app = self.request.application_url
        items = [(app + "/", _("Mina uppgifter") if self.user else _("Start"))]
        if self.user is not None and self._has_meetings():
            items.append((app + "/my-meetings", _("Mina sammanträden")))
        # The registers of the types whose schema gives them a place (``nav: n``).
        types = sorted((s for s in get_schemas(self.request.registry).values()
                        if s.presentation.nav is not None), key=lambda s: s.presentation.nav)
        items += [(f"{app}/{s.container}", self.title_of(s.presentation.plural)) for s in types]
        items.append((app + "/search", _("Sök")))
        root = self._root()
        if root is not None and self.user is not None:
            if self.request.has_permission(IMPORT, root):
                items.append((app + "/import", _("Importera")))
            if self.request.has_permission(AUDIT, root):
                items.append((app + "/audit", _("Granskning")))
            if self.request.has_permission(MANAGE_USERS, root):
                items.append((app + "/admin", _("Administration")))
        path = self.request.path_url
        return [(url, label, path == url or (url != app + "/" and path.startswith(url)))
                for url, label in items]

    def _root(self):
        return getattr(self.request, "root", None)

    def _has_meetings(self):
        """Whether "Mina sammanträden" has anything for the user: they sit on a body, or are a clerk."""
        root = self._root()
        if root is None:
            return False
        return "clerk" in self.request.global_roles or bool(bodies_of(self.request, self.user.login))

    # -- forms -----------------------------------------------------------
    @property
    def csrf_token(self):
        return get_csrf_token(self.request)

    # -- language and formatting --------------------------------------------
    @property
    def locale(self):
        return self.request.locale_name if self.request.locale_name in LANGUAGES else "sv"

    def translate(self, message, mapping=None):
        return self.request.localizer.translate(_(message, mapping=mapping))

    def title_of(self, titles):
        """A {sv, en} title from the definitions, in the page's language."""
        return titles.get(self.locale) or titles.get("sv") or ""

    def document_label(self, obj):
        """How a document is named in links and lists: 'KS-2026/1 Rubrik', 'KS § 3 Rubrik'
        (its number as its schema's ``label`` says, then its title)."""
        return get_schemas(self.request.registry)[obj.type_name].label_of(obj)

    def format_date(self, value, form="long"):
        """Swedish dates: '11 augusti 2021' (long) or '2021-08-11' (short)."""
        if not value:
            return ""
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value[:10])
            except ValueError:
                return value
        if form == "short":
            return value.isoformat()
        return format_date(value, format="long", locale=self.locale)

    def format_datetime(self, value):
        """Local (Stockholm) time, e.g. '27 nov. 2026 15:04'."""
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        return format_datetime(value, "d MMM y HH:mm", tzinfo=get_timezone(STOCKHOLM), locale=self.locale)

    def language_links(self):
        here = self.request.path_qs
        return [(code, label, f"{self.request.application_url}/language?lang={code}&came_from={here}")
                for code, label in LANGUAGES.items() if code != self.locale]


def bodies_of(request, login):
    """The bodies ``login`` sits on (as member, substitute or chair), ``[Body]``."""
    if login is None:
        return []
    found = []
    for body in get_bodies(request.registry).values():
        seats = membership(request.root, body)
        if login in seats["members"] or login in seats["substitutes"] or login == seats["chair"]:
            found.append(body)
    return found
