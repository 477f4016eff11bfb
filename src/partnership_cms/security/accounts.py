"""Managing users and groups; every change goes to the audit trail."""
from ..audit import AuditAction, record
from .roles import GLOBAL_ROLES
from .users import User


class AccountError(ValueError):
    """A user or group change that cannot be made; the message says why (Swedish)."""


def create_user(request, login, password, fullname="", email="", groups=()):
    principals = request.root.principals
    login = login.strip()
    if not login or len(login) > 100 or not login.replace("_", "").replace(".", "").replace("-", "").isalnum():
        raise AccountError("Användarnamnet får bara innehålla bokstäver, siffror, punkt, bindestreck och understreck.")
    if login in principals.users:
        raise AccountError(f"Användaren {login} finns redan.")
    if len(password) < 4:
        raise AccountError("Lösenordet är för kort.")
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
        raise AccountError(f"Okända grupper: {', '.join(sorted(unknown))}.")
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
    user = request.root.principals.users[login]
    user.set_password(password)
    record(request, AuditAction.USER_CHANGED, chain="user:" + login,
           details={"login": login, "changed": "password"})


def set_active(request, login, active):
    user = request.root.principals.users[login]
    if user.active != active:
        user.active = active
        record(request, AuditAction.USER_CHANGED, chain="user:" + login,
               details={"login": login, "active": active})
