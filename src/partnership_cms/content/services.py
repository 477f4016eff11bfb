"""Creating and editing content: the one code path the API, the HTML views,
the importer and the workflow actions all use.

Each function validates against the type's schema, changes the object and
announces the change (``events``): the catalog reindexes it and the audit
trail records it in their subscribers, in the caller's transaction.
"""
from __future__ import annotations

import datetime

import colander
from pyramid.traversal import find_resource, resource_path

from ..errors import ServiceError
from ..events import AuditAction, ContentAdded, ContentChanged, notify
from ..i18n import _
from ..interfaces import IWorkflows
from ..schema import get_schemas
from ..schema.loader import from_colander_value, to_json_value
from ..security.permissions import VIEW
from ..security.roles import LOCAL_ROLES
from .models import Content
from .numbering import number_and_name


class ContentInvalid(ServiceError):
    """Validation failed; ``errors`` maps field name to a message (translatable),
    ``invalid`` holds colander's own errors."""

    code = "invalid_content"

    def __init__(self, errors=None, invalid=None):
        super().__init__(_("Uppgifterna är inte giltiga."), errors, invalid)


class SharingRefused(ServiceError):
    """A local role change that would break four eyes (see ``set_local_role``)."""

    code = "not_allowed"


def _validate(request, schema, payload, *, partial, allow_system):
    names = set(payload)
    unknown = names - set(schema.by_name)
    if unknown:
        raise ContentInvalid({n: _("Okänt fält.") for n in sorted(unknown)})
    system = {n for n in names if schema.by_name[n].system}
    if system and not allow_system:
        raise ContentInvalid({n: _("Fältet sätts av systemet och kan inte ändras.") for n in sorted(system)})
    # An edit (partial) may not touch what was fixed when the object was made.
    fixed = {n for n in names if schema.by_name[n].fixed}
    if partial and fixed and not allow_system:
        raise ContentInvalid({n: _("Fältet bestämdes när dokumentet skapades och kan inte ändras.")
                              for n in sorted(fixed)})
    # JSON null clears an optional field; a required one cannot be cleared.
    cleared = {k for k, v in payload.items() if v is None and k not in system}
    # "" too: a partial (PATCH) schema would silently drop an emptied required field.
    emptied = {k for k, v in payload.items() if v == "" and k not in system}
    required = sorted(k for k in cleared | emptied if schema.by_name[k].required)
    if required:
        raise ContentInvalid({k: _("Fältet måste fyllas i.") for k in required})
    editable = {k: v for k, v in payload.items() if k not in system and k not in cleared}
    try:
        values = from_colander_value(schema.colander_schema(partial=partial).deserialize(editable))
    except colander.Invalid as e:
        raise ContentInvalid(invalid=e) from None
    values.update({k: payload[k] for k in system})
    values.update({k: None for k in cleared})
    return values


def _check_references(request, schema, values):
    """A reference must name an existing object of the declared type that the
    user may view. A missing and a forbidden object get the same answer, so
    that nobody learns which paths exist. System fields are the system's own
    links (a decision's proposal) and need no view permission."""
    errors = {}
    for name, value in values.items():
        spec = schema.by_name[name]
        if spec.type != "reference" or not value:
            continue
        try:
            target = find_resource(request.root, value)
        except (KeyError, ValueError):
            target = None
        if (not isinstance(target, Content) or spec.target not in ("*", target.type_name)
                or not (spec.system or request.has_permission(VIEW, target))):
            errors[name] = _("Hittar inget dokument av typen ${type} på ${path}.",
                             mapping={"type": spec.target, "path": value})
    if errors:
        raise ContentInvalid(errors)


def _check_state_allows(request, obj, values):
    """The object's state may refuse an edit (a convened meeting moved earlier
    than its notice allows): its workflow's ``edit_guards`` say why, per field."""
    workflows = request.registry.queryUtility(IWorkflows)
    if workflows is None or obj.type_name not in workflows.definitions:
        return
    problems = workflows.edit_problems(request, obj, values)
    if problems:
        errors = {}
        for problem in problems:
            errors.setdefault(getattr(problem, "mapping", None) and problem.mapping.get("field_name") or "guards",
                              problem)
        raise ContentInvalid(errors)


def check_content(request, type_name, payload, *, allow_system=False):
    """Validate ``payload`` as ``create_content`` would, changing nothing (the
    import preview); raises ContentInvalid."""
    schema = get_schemas(request.registry)[type_name]
    values = _validate(request, schema, payload, partial=False, allow_system=allow_system)
    _check_references(request, schema, values)


def create_content(request, type_name, payload, *, allow_system=False, name=None):
    """Create an object of ``type_name`` from ``payload`` in its folder.

    The object gets its number and name as its schema's ``numbering`` says
    (a Proposal its diarienummer). The creator becomes Owner.
    Returns the new object.
    """
    schema = get_schemas(request.registry)[type_name]
    values = _validate(request, schema, payload, partial=False, allow_system=allow_system)
    _check_references(request, schema, values)
    root = request.root
    folder = root[schema.container]
    numbers, name = number_and_name(schema.presentation.numbering, request.app_settings,
                                    root, values, name=name, folder=folder)
    values.update(numbers)
    workflow = request.registry.getUtility(IWorkflows).definition(type_name)
    creator = request.authenticated_userid
    obj = Content(type_name, values, workflow.initial, creator)
    if creator:
        obj.add_local_role(creator, "Owner")
    folder[name] = obj
    notify(request, ContentAdded, obj, AuditAction.CREATE, {"fields": to_json_value(values)})
    return obj


def edit_content(request, obj, payload, *, allow_system=False, reason=None):
    """Change fields of ``obj``; records each change (old -> new) in the audit trail.

    Returns the list of changes ``[{field, old, new}]`` (empty if nothing changed).
    """
    schema = get_schemas(request.registry)[obj.type_name]
    values = _validate(request, schema, payload, partial=True, allow_system=allow_system)
    _check_references(request, schema, values)
    _check_state_allows(request, obj, values)
    changes = []
    for field_name, new in values.items():
        old = obj.data.get(field_name)
        if old != new:
            changes.append({"field": field_name, "old": to_json_value(old), "new": to_json_value(new)})
            obj.data[field_name] = new
    if changes:
        obj.modified = datetime.datetime.now(datetime.UTC)
        details = {"changes": changes}
        if reason:
            details["reason"] = reason
        notify(request, ContentChanged, obj, AuditAction.EDIT, details)
    return changes


def check_edit(request, obj, payload):
    """Validate ``payload`` as the current user's edit of ``obj`` (``edit_content``
    without ``allow_system``), changing nothing: raise ContentInvalid or return the values.

    An amendment's changes are checked so, at its submit and when applied.
    """
    schema = get_schemas(request.registry)[obj.type_name]
    values = _validate(request, schema, payload, partial=True, allow_system=False)
    _check_references(request, schema, values)
    return values


def object_path(obj):
    return resource_path(obj)


def set_local_role(request, obj, login, role, granted):
    """Grant or revoke a local role (Owner, Adjuster) of ``login`` on ``obj``.

    Nobody grants a role to themselves, and the creator's Owner role is never
    revoked (SharingRefused). Returns whether anything changed.
    """
    if role not in LOCAL_ROLES:
        raise ContentInvalid({"role": _("Okänd roll. Välj en av: ${roles}.",
                                        mapping={"roles": ", ".join(LOCAL_ROLES)})})
    if login not in request.root.principals.users:
        raise ContentInvalid({"login": _("Användaren ${login} finns inte.", mapping={"login": login})})
    roles = set(obj.local_roles.get(login, ()))
    if (role in roles) == granted:
        return False
    # Four eyes: a role is always given by someone else (a director who made
    # themselves Owner could submit and approve alone), and the case's creator
    # stays its Owner: it is whose work the case is.
    if granted and login == request.authenticated_userid:
        raise SharingRefused(_("Du kan inte ge dig själv en roll."))
    if not granted and role == "Owner" and login == obj.creator:
        raise SharingRefused(_("Den som skapade dokumentet är alltid dess ägare."))
    obj.set_local_roles(login, roles | {role} if granted else roles - {role})
    notify(request, ContentChanged, obj, AuditAction.LOCAL_ROLE_CHANGED,
           {"login": login, "role": role, "granted": granted})
    return True
