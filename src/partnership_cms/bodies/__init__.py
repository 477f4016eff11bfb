"""The deciding bodies (KS, KF, the nämnder): defined in ``bodies/*.yaml``,
their membership kept in the database on top of those defaults.

``includeme`` loads the folder named in the settings (``AppSettings.bodies``)
at start-up; a broken file stops it (``BodyError``: file, key, reason).
Who sits on a body is data an administrator changes (``change_membership``,
audited on the chain ``body:<id>``); the YAML gives the seats, the rules and
the membership a new database starts from. ``root.bodies`` holds only the
bodies whose membership was changed; the first change makes it (no evolve
step: a database without it simply has every body as its YAML says).
"""
from __future__ import annotations

from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping
from zope.interface import Interface

from ..audit import AuditAction, record
from ..errors import ServiceError
from ..i18n import _
from .loader import OUTCOMES, Body, BodyError, check_against_workflow, load_body_dir  # noqa: F401

MEMBERSHIP_KEYS = ("members", "substitutes", "chair", "vice_chair")


class IBodies(Interface):
    """The loaded ``{body id: Body}``."""


class BodyInvalid(ServiceError):
    code = "invalid_content"


def get_bodies(registry):
    """The loaded bodies, ``{id: Body}``."""
    return registry.getUtility(IBodies)


def seats_of(body):
    """The number of seats (ledamöter) of a body: what its quorum is counted from."""
    return body.seats


def quorum_law(body):
    return body.quorum_law


def membership(root, body):
    """``{members, substitutes, chair, vice_chair}`` of a body now: the
    administrator's last change, else the YAML defaults."""
    stored = getattr(root, "bodies", None)
    changed = stored.get(body.id) if stored is not None else None
    if changed is not None:
        return {"members": tuple(changed["members"]), "substitutes": tuple(changed["substitutes"]),
                "chair": changed["chair"], "vice_chair": changed["vice_chair"]}
    return {"members": body.members, "substitutes": body.substitutes,
            "chair": body.chair, "vice_chair": body.vice_chair}


def _problems(root, body, values):
    """Why a membership cannot be (``{key: message}``), empty if it can."""
    users = root.principals.users
    errors = {}
    for key in ("members", "substitutes"):
        logins = values[key]
        if not isinstance(logins, (list, tuple)) or not all(isinstance(v, str) for v in logins):
            errors[key] = _("Ange en lista med användarnamn.")
            continue
        unknown = [v for v in logins if v not in users]
        if unknown:
            errors[key] = _("Användaren ${login} finns inte.", mapping={"login": unknown[0]})
        elif len(set(logins)) != len(logins):
            errors[key] = _("Samma person står två gånger.")
    if errors:
        return errors
    if len(values["members"]) > seats_of(body):
        errors["members"] = _("${body} har ${seats} platser, inte ${count}.",
                              mapping={"body": body.title, "seats": seats_of(body),
                                       "count": len(values["members"])})
    if set(values["members"]) & set(values["substitutes"]):
        errors["substitutes"] = _("En ledamot kan inte samtidigt vara ersättare i samma organ.")
    for key in ("chair", "vice_chair"):
        if values[key] is not None and values[key] not in values["members"]:
            errors[key] = _("Ordföranden och vice ordföranden måste vara ledamöter.")
    if values["chair"] is None:
        errors["chair"] = _("Organet måste ha en ordförande.")
    return errors


def change_membership(request, body, changes):
    """Change who sits on ``body`` (any of members, substitutes, chair,
    vice_chair); the change is audited with the old and new values.
    Returns the new membership. Raises BodyInvalid and writes nothing."""
    unknown = sorted(set(changes) - set(MEMBERSHIP_KEYS))
    if unknown:
        raise BodyInvalid(_("Uppgifterna är inte giltiga."), {k: _("Okänt fält.") for k in unknown})
    root = request.root
    old = membership(root, body)
    new = dict(old, **changes)
    problems = _problems(root, body, new)
    if problems:
        raise BodyInvalid(_("Uppgifterna är inte giltiga."), problems)
    new = {k: (tuple(v) if k in ("members", "substitutes") else v) for k, v in new.items()}
    diff = [{"field": k, "old": _json(old[k]), "new": _json(new[k])} for k in MEMBERSHIP_KEYS if old[k] != new[k]]
    if not diff:
        return new
    if getattr(root, "bodies", None) is None:
        root.bodies = OOBTree()
    root.bodies[body.id] = PersistentMapping({k: _json(v) for k, v in new.items()})
    record(request, AuditAction.BODY_CHANGED, details={"body": body.id, "changes": diff}, chain="body:" + body.id)
    return new


def _json(value):
    return list(value) if isinstance(value, tuple) else value


def includeme(config):
    bodies = load_body_dir(config.registry.app_settings.bodies)
    config.registry.registerUtility(bodies, IBodies)
