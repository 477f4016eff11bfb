"""The Pyramid 2 security policy.

Identity comes from an API bearer token (``Authorization: Bearer ...``) or,
for browsers, from the signed session cookie. Permissions come from ACLs
found along the object's lineage: a content object's ACL is computed from
its workflow state (see workflow.engine.Workflows.acl), a content folder's
from its type's ``add_roles``, the root's is fixed. Principals are the user,
their global roles (groups) and the local roles they hold on the object or
its parents.
"""
from __future__ import annotations

from pyramid.authorization import Allow, Authenticated, Everyone
from pyramid.location import lineage

from . import sessions
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
        from ..workflow import get_workflows

        workflows = get_workflows(request.registry)
        for location in lineage(context):
            for action, principal, permissions in _acl_of(location, workflows):
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
    from pyramid.authorization import ALL_PERMISSIONS

    if permissions is ALL_PERMISSIONS:
        return True
    if isinstance(permissions, str):
        return permission == permissions
    return permission in permissions


def _acl_of(location, workflows):
    from ..content.models import Content, ContentFolder

    if isinstance(location, Content):
        return workflows.acl(location)
    if isinstance(location, ContentFolder):
        return workflows.folder_acl(location.type_name)
    return getattr(location, "__acl__", ())


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
