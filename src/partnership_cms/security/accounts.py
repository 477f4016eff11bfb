"""Managing users and groups; every change goes to the audit trail.

Two administrators for administrators' groups: a change of the groups of an
account that holds ``admin``, or one that grants ``admin``, is not made by
the administrator who asks for it. ``change_groups`` stores it as a pending
request (one per account, in ``principals.group_requests``), and it takes
effect only when a second administrator confirms it (``confirm_group_change``):
not the one who asked, and not the account's holder (nobody changes their
own groups). So one administrator cannot raise their own groups, or another
administrator's, through a second account made for the purpose: making that
account an administrator already needs the second person. The request, the
confirmation (the group change, naming who asked) and a withdrawal are all
audited. The command line (no logged-in actor: whoever runs it holds the
database anyway) changes groups directly, which is how the first
administrator is made.
"""
import datetime

from BTrees.OOBTree import OOBTree

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
    change_groups(request, login, groups)  # an administrator's groups wait for a second one
    return user


ADMIN = "admin"


def _check_groups(request, login, groups):
    unknown = set(groups) - set(GLOBAL_ROLES)
    if unknown:
        raise AccountError(f"Okända grupper: {', '.join(sorted(unknown))}.", "groups")
    if set(groups) != request.root.principals.roles_of(login):
        _not_oneself(request, login, "grupper", "groups")


def needs_second_admin(request, login, groups):
    """Whether making ``groups`` the groups of ``login`` needs a second
    administrator: it touches an administrator's groups or grants ``admin``,
    and a person (not the command line) asks."""
    before = request.root.principals.roles_of(login)
    return (request.identity is not None and set(groups) != before
            and (ADMIN in before or ADMIN in groups))


def change_groups(request, login, groups):
    """Make ``groups`` the groups of ``login`` now, or, if that needs a second
    administrator, ask for it. Returns True if done, False if requested."""
    _check_groups(request, login, groups)
    if needs_second_admin(request, login, groups):
        request_group_change(request, login, groups)
        return False
    set_groups(request, login, groups)
    return True


def set_groups(request, login, groups):
    """Make ``groups`` exactly the groups of ``login`` (refused if that needs a
    second administrator: use ``change_groups``)."""
    _check_groups(request, login, groups)
    if needs_second_admin(request, login, groups):
        raise AccountError("Ändringen gäller en systemförvaltare och görs först när en annan "
                           "systemförvaltare har bekräftat den: begär ändringen och be en annan "
                           "systemförvaltare bekräfta den.", "groups")
    _apply_groups(request, login, groups)


def _apply_groups(request, login, groups, requested_by=None):
    principals = request.root.principals
    before = principals.roles_of(login)
    for name, group in principals.groups.items():
        if name in groups and login not in group.members:
            group.members[login] = True
        elif name not in groups and login in group.members:
            del group.members[login]
    after = principals.roles_of(login)
    if before != after:
        details = {"login": login, "old": sorted(before), "new": sorted(after)}
        if requested_by:
            details["requested_by"] = requested_by
        record(request, AuditAction.GROUP_CHANGED, chain="user:" + login, details=details)


# -- changes that need a second administrator ---------------------------------------
def _requests(principals, create=False):
    """login -> {"groups", "old", "by", "at"}; older databases get the tree
    at the first request, so reading never writes."""
    requests = getattr(principals, "group_requests", None)
    if requests is None and create:
        requests = principals.group_requests = OOBTree()
    return requests


def pending_group_change(request, login):
    """The pending request for ``login``'s groups (a dict), or None."""
    requests = _requests(request.root.principals)
    return requests.get(login) if requests is not None else None


def request_group_change(request, login, groups):
    """Ask for ``groups`` to become ``login``'s groups once a second
    administrator confirms; replaces an earlier request for the same account."""
    _check_groups(request, login, groups)
    principals = request.root.principals
    old = sorted(principals.roles_of(login))
    pending = {"groups": sorted(set(groups)), "old": old, "by": request.identity.login,
               "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
    _requests(principals, create=True)[login] = pending
    record(request, AuditAction.GROUP_CHANGE_REQUESTED, chain="user:" + login,
           details={"login": login, "old": old, "new": pending["groups"]})
    return pending


def confirm_group_change(request, login):
    """Confirm the pending request for ``login``'s groups, as a second administrator."""
    pending = pending_group_change(request, login)
    if pending is None:
        raise AccountError("Det finns ingen begärd ändring att bekräfta.", "confirm")
    actor = request.identity
    if actor is None or actor.login == pending["by"]:
        raise AccountError("Du begärde ändringen själv: en annan systemförvaltare måste bekräfta den.",
                           "confirm")
    if actor.login == login:
        raise AccountError("Du kan inte bekräfta en ändring av dina egna grupper; "
                           "be en tredje systemförvaltare.", "confirm")
    if sorted(request.root.principals.roles_of(login)) != pending["old"]:
        raise AccountError("Grupperna har ändrats sedan ändringen begärdes. Avbryt begäran och "
                           "begär ändringen på nytt.", "confirm")
    del _requests(request.root.principals)[login]
    _apply_groups(request, login, pending["groups"], requested_by=pending["by"])


def cancel_group_change(request, login):
    """Withdraw (the one who asked) or turn down (another administrator) a request."""
    pending = pending_group_change(request, login)
    if pending is None:
        raise AccountError("Det finns ingen begärd ändring att avbryta.", "confirm")
    del _requests(request.root.principals)[login]
    record(request, AuditAction.GROUP_CHANGE_CANCELLED, chain="user:" + login,
           details={"login": login, "new": pending["groups"], "requested_by": pending["by"]})


def set_password(request, login, password):
    """Give ``login`` a new password that meets the rules (passwords.py).

    Nobody sets another administrator's password from the web: whoever knew
    it could log in as that administrator and confirm their own requests,
    which would undo the rule of two administrators above. The holder sets
    their own; the command line (which holds the database anyway) sets any.
    """
    actor = request.identity
    if (actor is not None and actor.login != login
            and ADMIN in request.root.principals.roles_of(login)):
        raise AccountError("Du kan inte byta lösenord för en annan systemförvaltare: kontoinnehavaren "
                           "byter det själv, eller så görs det från kommandoraden "
                           "(partnership-cms users INI password LOGIN).", "password")
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
