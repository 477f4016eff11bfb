"""The Pyramid 2 security policy.

Identity comes from an API bearer token (``Authorization: Bearer ...``) or,
for browsers, from the signed session cookie. Permissions come from ACLs
found along the object's lineage through one lookup, ``acl_of``, that the
policy, the catalog's allowed index and the views share: a content object's
ACL comes from its workflow state and a content folder's from its type's
``add_roles`` (the workflow engine registers itself as the ``IACLSource``),
the root's is its own ``__acl__``. Principals are the user, their global
roles (groups) and the local roles they hold on the object or its parents.
"""
from __future__ import annotations

from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Everyone
from pyramid.location import lineage

from ..interfaces import IACLSource
from . import sessions
from .permissions import VIEW
from .roles import role_principal, user_principal

# Where the identity of a request is cached (and set by scripting.act_as).
IDENTITY_KEY = "partnership_cms.identity"


class SecurityPolicy:
    def identity(self, request):
        """The User of this request, or None (cached on the request)."""
        cached = request.environ.get(IDENTITY_KEY, _MISSING)
        if cached is not _MISSING:
            return cached
        user = None
        principals = getattr(request.root, "principals", None)
        if principals is not None:
            login = _login_from_request(request, principals)
            user = principals.users.get(login) if login else None
            if user is not None and not user.active:
                user = None
        request.environ[IDENTITY_KEY] = user
        return user

    def authenticated_userid(self, request):
        user = self.identity(request)
        return user.login if user is not None else None

    def permits(self, request, context, permission):
        principals = set(effective_principals(request, context))
        for location in lineage(context):
            for action, principal, permissions in acl_of(request.registry, location):
                if principal in principals and _matches(permission, permissions):
                    return action == Allow
        return False

    def remember(self, request, userid, **kw):
        # Browser log-in: a fresh session (new id) holding only the login.
        request.session.invalidate()
        request.session["login"] = userid
        request.environ.pop(IDENTITY_KEY, None)
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        request.environ.pop(IDENTITY_KEY, None)
        return []


_MISSING = object()


def _matches(permission, permissions):
    if permissions is ALL_PERMISSIONS:
        return True
    if isinstance(permissions, str):
        return permission == permissions
    return permission in permissions


def acl_of(registry, location):
    """The ACL of one location: from its workflow state (content and content
    folders, through the registered IACLSource), else its own ``__acl__``."""
    source = registry.queryUtility(IACLSource)
    acl = source.acl_for(location) if source is not None else None
    if acl is None:
        acl = getattr(location, "__acl__", ())
    return acl() if callable(acl) else acl


def view_principals(registry, context):
    """Principals allowed to view ``context`` (for the catalog's allowed index):
    roles as ``role:x``, local roles resolved to the users holding them."""
    allowed = set()
    local_holders = {}
    for login, roles in context.local_roles.items():
        for role in roles:
            local_holders.setdefault(role_principal(role), set()).add(user_principal(login))
    for action, principal, permission in acl_of(registry, context):
        if action == Allow and permission == VIEW:
            allowed |= local_holders.get(principal, {principal})
    return allowed


def bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _login_from_request(request, principals):
    token = bearer_token(request)
    if token:
        return principals.login_for_token(token)
    # The browser's signed session, valid while its server-side record lasts.
    return sessions.login_for_request(request, principals)


def global_roles(request):
    """The roles the current user holds through groups."""
    user = request.identity
    if user is None:
        return set()
    return request.root.principals.roles_of(user.login)


def local_roles(request, context):
    """The local roles the current user holds on ``context`` or its parents."""
    user = request.identity
    roles = set()
    if user is None:
        return roles
    for location in lineage(context):
        held = getattr(location, "local_roles", None)
        if held:
            roles.update(held.get(user.login, ()))
    return roles


def roles_in_context(request, context):
    """Every role the current user acts in on ``context``."""
    return global_roles(request) | local_roles(request, context)


def effective_principals(request, context):
    """Principals of the current user on ``context``."""
    principals = [Everyone]
    user = request.identity
    if user is not None:
        principals += [Authenticated, user_principal(user.login)]
        principals += [role_principal(r) for r in roles_in_context(request, context)]
    return principals


def search_principals(request):
    """Principals for the catalog's allowed index (local roles are indexed
    per user, so the user's own principal covers them)."""
    principals = [Everyone]
    user = request.identity
    if user is not None:
        principals += [Authenticated, user_principal(user.login)]
        principals += [role_principal(r) for r in global_roles(request)]
    return principals
