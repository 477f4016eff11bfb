"""Renaming content: an object gets a new name, and what names it follows.

A path is how everything refers to an object: a proposal's ``decisions``
links, an agreement's ``decision`` field, a meeting's agenda items, the
importer's ``root.imports``, the catalog's docid map and the audit trail's
chains. ``rename_content`` changes the name in the folder (the old name
stays a redirect: ``ContentFolder.moved``), announces the rename once
(``events.ContentRenamed``: the catalog moves the docid, the audit trail
appends a ``renamed`` entry to the object's chain and follows it to the new
path) and then changes every reference to the old path, each referring
object announcing its own change (a ``link`` entry on its chain). Entries
and history already written keep the path they recorded: they say what was.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pyramid.traversal import resource_path

from ..errors import ServiceError
from ..events import AuditAction, ContentChanged, ContentRenamed, notify
from ..i18n import _


class NameTaken(ServiceError):
    """The new name is held by another object (or was one's before it was renamed)."""

    code = "number_taken"


@dataclass
class References:
    """Which objects and imported files name each of some paths: found in
    one pass over the content (``references_to``), so that renaming many
    objects reads every object once rather than once per rename."""

    objects: dict = field(default_factory=dict)  # path -> [objects whose data or links name it]
    imports: dict = field(default_factory=dict)  # path -> [SHA-256 keys of root.imports]


def _mentions(value, paths, found):
    """Add to ``found`` each of ``paths`` that a string somewhere in ``value`` equals."""
    if isinstance(value, str):
        if value in paths:
            found.add(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _mentions(item, paths, found)
    elif isinstance(value, dict) or hasattr(value, "items"):
        for item in value.values():
            _mentions(item, paths, found)


def references_to(root, paths):
    """The References to ``paths`` in every content object and in ``root.imports``.

    Walks everything: a rename is a migration's or an administrator's act,
    not a request's."""
    paths = set(paths)
    refs = References()
    for folder in root.values():
        for obj in folder.values():
            found = set()
            _mentions(obj.data, paths, found)
            _mentions(obj.links, paths, found)
            for path in found:
                refs.objects.setdefault(path, []).append(obj)
    for sha256, path in (getattr(root, "imports", None) or {}).items():
        if path in paths:
            refs.imports.setdefault(path, []).append(sha256)
    return refs


def _replaced(value, old, new):
    """``value`` with every string equal to ``old`` replaced by ``new``."""
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, tuple):
        return tuple(_replaced(item, old, new) for item in value)
    if isinstance(value, list):
        return [_replaced(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, old, new) for key, item in value.items()}
    return value


def rename_content(request, obj, new_name, references=None, *, reason=None):
    """Give ``obj`` the name ``new_name`` in its folder; returns its new path.

    ``references``: what ``references_to`` found for the object's current
    path (found here when not given). Raises NameTaken if the name is held.
    """
    folder = obj.__parent__
    old = resource_path(obj)
    if references is None:
        references = references_to(request.root, [old])
    try:
        folder.rename(obj.__name__, new_name)
    except KeyError:
        raise NameTaken(_("Namnet ${name} används redan.", mapping={"name": new_name})) from None
    new = resource_path(obj)
    details = {"from": old, "to": new}
    if reason:
        details["reason"] = reason
    notify(request, ContentRenamed, obj, AuditAction.RENAMED, details)
    for other in references.objects.get(old, ()):
        _follow(request, other, old, new)
    for sha256 in references.imports.get(old, ()):
        request.root.imports[sha256] = new
    return new


def signed_fields(data):
    """The fields a signature of the object covers (``audit/signed.py``: a protocol's)."""
    return {name for signature in data.get("signatures") or () if isinstance(signature, dict)
            for name in signature.get("fields") or ()}


def _follow(request, obj, old, new):
    """Make ``obj``'s fields and links that name ``old`` name ``new``, and announce it.

    A signed field keeps the path it was signed with (the signature's SHA-256
    covers it); readers follow the old name to the new one (``Moved``)."""
    fields, relations = [], []
    signed = signed_fields(obj.data)
    for name, value in list(obj.data.items()):
        if name in signed:
            continue
        replaced = _replaced(value, old, new)
        if replaced != value:
            obj.data[name] = replaced
            fields.append(name)
    for relation, paths in list(obj.links.items()):
        if old in paths:
            obj.set_link(relation, [new if p == old else p for p in paths])
            relations.append(relation)
    if fields or relations:
        notify(request, ContentChanged, obj, AuditAction.LINK,
               {"renamed": {"from": old, "to": new}, "fields": fields, "links": relations})
