"""Managing users and groups; every change goes to the audit trail."""
from ..audit import AuditAction, record
from . import passwords, sessions
from .roles import GLOBAL_ROLES
from .users import User

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH


class AccountError(ValueError):
    """A user or group change that cannot be made; the message says why (Swedish).

    ``field`` names the form field at fault (login, password, groups, ...), if any.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _check_password(password, login):
    """Refuse a password that breaks the rules in passwords.py."""
    problem = passwords.problem(password, login)
    if problem:
        raise AccountError(problem, "password")


def _not_oneself(request, login, what, field):
    """Nobody changes their own groups or access: an administrator manages
    users but may not give themselves the right to decide."""
    actor = request.identity
    if actor is not None and actor.login == login:
        raise AccountError(f"Du kan inte ändra {what} för dig själv; be en annan systemförvaltare.",
                           field)


def create_user(request, login, password, fullname="", email="", groups=(), allow_weak=False):
    """Create an account. ``allow_weak`` skips the password rules: only the demo
    loader passes it (its users share the password "demo"); people cannot."""
    principals = request.root.principals
    login = login.strip()
    plain = login.replace("_", "").replace(".", "").replace("-", "")
    if not login or len(login) > 100 or not plain.isalnum():
        raise AccountError("Användarnamnet får bara innehålla bokstäver, siffror, punkt, "
                           "bindestreck och understreck.", "login")
    if login in principals.users:
        raise AccountError(f"Användaren {login} finns redan.", "login")
    if not allow_weak:
        _check_password(password, login)
    unknown = set(groups) - set(GLOBAL_ROLES)
    if unknown:
        raise AccountError(f"Okända grupper: {', '.join(sorted(unknown))}.", "groups")
    user = User(login, fullname, email)
    user.set_password(password)
    principals.users[login] = user
    record(request, AuditAction.USER_CREATED, chain="user:" + login,
           details={"login": login, "fullname": user.fullname})
    set_groups(request, login, groups)
    return user


def set_groups(request, login, groups):
    """Make ``groups`` exactly the groups of ``login``."""
    principals = request.root.principals
    unknown = set(groups) - set(GLOBAL_ROLES)
    if unknown:
        raise AccountError(f"Okända grupper: {', '.join(sorted(unknown))}.", "groups")
    if set(groups) != principals.roles_of(login):
        _not_oneself(request, login, "grupper", "groups")
    before = principals.roles_of(login)
    for name, group in principals.groups.items():
        if name in groups and login not in group.members:
            group.members[login] = True
        elif name not in groups and login in group.members:
            del group.members[login]
    after = principals.roles_of(login)
    if before != after:
        record(request, AuditAction.GROUP_CHANGED, chain="user:" + login,
               details={"login": login, "old": sorted(before), "new": sorted(after)})


def set_password(request, login, password):
    """Give ``login`` a new password that meets the rules (passwords.py)."""
    _check_password(password, login)
    user = request.root.principals.users[login]
    user.set_password(password)
    sessions.end_all(request, login)  # whoever knew the old password is logged out
    record(request, AuditAction.USER_CHANGED, chain="user:" + login,
           details={"login": login, "changed": "password"})


def set_active(request, login, active):
    """Let ``login`` log in (True) or not (False)."""
    user = request.root.principals.users[login]
    if user.active != active:
        _not_oneself(request, login, "behörigheten att logga in", "active")
        user.active = active
        if not active:
            sessions.end_all(request, login)  # reactivating must not revive them
        record(request, AuditAction.USER_CHANGED, chain="user:" + login,
               details={"login": login, "active": active})


def set_fullname(request, login, fullname):
    """Change the full name shown for ``login``."""
    fullname = (fullname or "").strip()
    if not fullname or len(fullname) > 200:
        raise AccountError("Ange ett namn (högst 200 tecken).", "fullname")
    user = request.root.principals.users[login]
    if user.fullname != fullname:
        old, user.fullname = user.fullname, fullname
        record(request, AuditAction.USER_CHANGED, chain="user:" + login,
               details={"login": login, "changed": "fullname", "old": old, "new": fullname})
