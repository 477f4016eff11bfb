"""Creating and editing content: the one code path the API, the HTML views,
the importer and the workflow actions all use.

Each function validates against the type's schema, changes the object,
reindexes it and appends the audit entry, in the caller's transaction.
"""
from __future__ import annotations

import datetime

import colander
from pyramid.traversal import find_resource, resource_path

from ..audit import AuditAction, record
from ..catalog import reindex
from ..schema import get_schemas, validation_errors
from ..schema.loader import from_colander_value, to_json_value
from ..workflow import get_workflows
from .models import Content
from .numbering import number_and_name


class ContentInvalid(Exception):
    """Validation failed; ``errors`` maps field name to a message (Swedish)."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _validate(request, schema, payload, *, partial, allow_system):
    names = set(payload)
    unknown = names - set(schema.by_name)
    if unknown:
        raise ContentInvalid({n: "Okänt fält." for n in sorted(unknown)})
    system = {n for n in names if schema.by_name[n].system}
    if system and not allow_system:
        raise ContentInvalid({n: "Fältet sätts av systemet och kan inte ändras." for n in sorted(system)})
    # JSON null clears an optional field; a required one cannot be cleared.
    cleared = {k for k, v in payload.items() if v is None and k not in system}
    # "" too: a partial (PATCH) schema would silently drop an emptied required field.
    emptied = {k for k, v in payload.items() if v == "" and k not in system}
    required = sorted(k for k in cleared | emptied if schema.by_name[k].required)
    if required:
        raise ContentInvalid({k: "Fältet måste fyllas i." for k in required})
    editable = {k: v for k, v in payload.items() if k not in system and k not in cleared}
    try:
        values = from_colander_value(schema.colander_schema(partial=partial).deserialize(editable))
    except colander.Invalid as e:
        raise ContentInvalid(validation_errors(request, e)) from None
    values.update({k: payload[k] for k in system})
    values.update({k: None for k in cleared})
    return values


def _check_references(request, schema, values):
    """A reference must name an existing object of the declared type."""
    errors = {}
    for name, value in values.items():
        spec = schema.by_name[name]
        if spec.type != "reference" or not value:
            continue
        try:
            target = find_resource(request.root, value)
        except (KeyError, ValueError):
            target = None
        if not isinstance(target, Content) or spec.target not in ("*", target.type_name):
            errors[name] = f"Hittar inget dokument av typen {spec.target} på {value}."
    if errors:
        raise ContentInvalid(errors)


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
    numbers, name = number_and_name(schema.presentation.numbering, request.registry.settings,
                                    root, values, name=name)
    values.update(numbers)
    workflow = get_workflows(request.registry).definition(type_name)
    creator = request.authenticated_userid
    obj = Content(type_name, values, workflow.initial, creator)
    if creator:
        obj.add_local_role(creator, "Owner")
    folder[name] = obj
    reindex(request, obj)
    record(request, AuditAction.CREATE, obj, details={"fields": to_json_value(values)})
    return obj


def edit_content(request, obj, payload, *, allow_system=False, reason=None):
    """Change fields of ``obj``; records each change (old -> new) in the audit trail.

    Returns the list of changes ``[{field, old, new}]`` (empty if nothing changed).
    """
    schema = get_schemas(request.registry)[obj.type_name]
    values = _validate(request, schema, payload, partial=True, allow_system=allow_system)
    _check_references(request, schema, values)
    changes = []
    for field_name, new in values.items():
        old = obj.data.get(field_name)
        if old != new:
            changes.append({"field": field_name, "old": to_json_value(old), "new": to_json_value(new)})
            obj.data[field_name] = new
    if changes:
        obj.modified = datetime.datetime.now(datetime.UTC)
        reindex(request, obj)
        details = {"changes": changes}
        if reason:
            details["reason"] = reason
        record(request, AuditAction.EDIT, obj, details=details)
    return changes


def object_path(obj):
    return resource_path(obj)


def set_local_role(request, obj, login, role, granted):
    """Grant or revoke a local role (Owner, Adjuster) of ``login`` on ``obj``."""
    from ..security.roles import LOCAL_ROLES

    if role not in LOCAL_ROLES:
        raise ContentInvalid({"role": f"Okänd roll. Välj en av: {', '.join(LOCAL_ROLES)}."})
    if login not in request.root.principals.users:
        raise ContentInvalid({"login": f"Användaren {login} finns inte."})
    roles = set(obj.local_roles.get(login, ()))
    if (role in roles) == granted:
        return False
    roles = roles | {role} if granted else roles - {role}
    if roles:
        obj.local_roles[login] = tuple(sorted(roles))
    else:
        del obj.local_roles[login]
    reindex(request, obj)
    record(request, AuditAction.LOCAL_ROLE_CHANGED, obj,
           details={"login": login, "role": role, "granted": granted})
    return True
