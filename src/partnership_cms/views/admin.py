"""User administration for the system administrator (systemförvaltare).

``/admin`` lists the users and has the form that creates one;
``/admin/<login>`` changes one user's name, groups, password and whether
they may log in. Every change goes through security/accounts.py, which
writes the audit trail. Administrators manage users but decide nothing:
nobody changes their own groups or deactivates themselves, and a change of
an administrator's groups (or one that grants ``admin``) waits on the
user's page until a second administrator confirms it (accounts.py).
"""
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..content.models import Root
from ..security import accounts
from ..security.permissions import MANAGE_USERS
from ..security.roles import GLOBAL_ROLES
from .base import BaseView, _

LIST_TEMPLATE = "partnership_cms:templates/admin_users.pt"
USER_TEMPLATE = "partnership_cms:templates/admin_user.pt"
WAITING = _("Ändringen gäller en systemförvaltare. Den görs när en annan systemförvaltare "
            "har bekräftat den på användarens sida.")


class AdminView(BaseView):
    """The pages under ``/admin``."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}  # field -> message (Swedish)
        self.values = {"login": "", "fullname": "", "groups": []}

    # -- the list and the create form ---------------------------------------------
    @view_config(context=Root, name="admin", request_method="GET", accept="text/html",
                 renderer=LIST_TEMPLATE, permission=MANAGE_USERS)
    def get(self):
        """``GET /admin``: the users and the create form; ``GET /admin/<login>``: one user."""
        if self.request.subpath:
            return self.user_page(self._user_from_subpath())
        return {"page": self}

    @view_config(context=Root, name="admin", request_method="POST", renderer=LIST_TEMPLATE,
                 permission=MANAGE_USERS)
    def post(self):
        """``POST /admin``: create a user; ``POST /admin/<login>``: change one."""
        if self.request.subpath:
            return self.change_user(self._user_from_subpath())
        params = self.request.POST
        groups = params.getall("groups")
        self.values = {"login": params.get("login", "").strip(),
                       "fullname": params.get("fullname", "").strip(), "groups": groups}
        if not self.values["login"]:
            self.errors["login"] = _("Ange ett användarnamn.")
        if not self.values["fullname"]:
            self.errors["fullname"] = _("Ange användarens namn.")
        if not self.errors:
            try:
                user = accounts.create_user(self.request, self.values["login"],
                                            params.get("password", ""),
                                            fullname=self.values["fullname"], groups=groups)
            except accounts.AccountError as e:
                self.errors[e.field or "login"] = str(e)
            else:
                self.request.session.flash(self.translate("Användaren ${login} har skapats.",
                                                          mapping={"login": user.login}))
                if accounts.pending_group_change(self.request, user.login):
                    self.request.session.flash(self.translate(WAITING))
                return HTTPSeeOther(self.user_url(user.login))
        self.request.response.status = 400
        return {"page": self}

    # -- one user ----------------------------------------------------------------------
    def user_page(self, user):
        """Render ``/admin/<login>`` (also after a refused change, with its error)."""
        self.edited = user
        self.values = {"fullname": user.fullname, "groups": sorted(self.groups_of(user.login))}
        self.request.override_renderer = USER_TEMPLATE
        return {"page": self}

    def change_user(self, user):
        """Apply the one form that was posted to ``/admin/<login>``."""
        params = self.request.POST
        form = params.get("form")
        login = user.login
        try:
            if form == "fullname":
                accounts.set_fullname(self.request, login, params.get("fullname", ""))
                done = _("Namnet är ändrat.")
            elif form == "groups":
                done = (_("Grupperna är ändrade.")
                        if accounts.change_groups(self.request, login, params.getall("groups"))
                        else WAITING)
            elif form == "confirm-groups":
                accounts.confirm_group_change(self.request, login)
                done = _("Ändringen är bekräftad: grupperna är ändrade.")
            elif form == "cancel-groups":
                accounts.cancel_group_change(self.request, login)
                done = _("Den begärda ändringen är avbruten.")
            elif form == "password":
                accounts.set_password(self.request, login, params.get("password", ""))
                done = _("Lösenordet är bytt.")
            elif form == "active":
                active = params.get("active") == "1"
                accounts.set_active(self.request, login, active)
                done = (_("Användaren kan logga in.") if active
                        else _("Användaren kan inte längre logga in."))
            else:
                raise HTTPNotFound()
        except accounts.AccountError as e:
            result = self.user_page(user)
            self.errors[e.field or form] = str(e)
            if form == "fullname":  # keep what was typed or ticked
                self.values["fullname"] = params.get("fullname", "")
            elif form == "groups":
                self.values["groups"] = params.getall("groups")
            self.request.response.status = 400
            return result
        self.request.session.flash(self.translate(done))
        return HTTPSeeOther(self.user_url(login))

    # -- what the templates read ---------------------------------------------------------
    def users(self):
        """Every user as a dict: login, fullname, active, group titles, page address."""
        principals = self.request.root.principals
        return [{"login": login, "fullname": user.fullname, "active": user.active,
                 "groups": [self.translate(GLOBAL_ROLES[g])
                            for g in sorted(principals.roles_of(login))],
                 "url": self.user_url(login)}
                for login, user in principals.users.items()]

    def group_options(self):
        """(name, title) of every group a user can belong to."""
        return [(name, self.translate(title)) for name, title in GLOBAL_ROLES.items()]

    def groups_of(self, login):
        return self.request.root.principals.roles_of(login)

    def pending(self):
        """The pending group change of the edited user, for the page: the
        groups asked for (titles), who asked, and whether this administrator
        may confirm it (not the one who asked, not the user themselves)."""
        pending = accounts.pending_group_change(self.request, self.edited.login)
        if pending is None:
            return None
        me = self.user.login if self.user is not None else None
        return {"groups": ", ".join(self.translate(GLOBAL_ROLES[g]) for g in pending["groups"])
                or self.translate(_("inga grupper")),
                "by": pending["by"], "at": pending["at"],
                "may_confirm": me not in (pending["by"], self.edited.login)}

    @property
    def is_self(self):
        """Whether the user being edited is the administrator themselves."""
        return self.user is not None and getattr(self, "edited", None) is not None \
            and self.edited.login == self.user.login

    @property
    def min_password_length(self):
        return accounts.MIN_PASSWORD_LENGTH

    def user_url(self, login):
        return f"{self.request.application_url}/admin/{login}"

    def _user_from_subpath(self):
        if len(self.request.subpath) != 1:
            raise HTTPNotFound()
        user = self.request.root.principals.users.get(self.request.subpath[0])
        if user is None:
            raise HTTPNotFound()
        return user

