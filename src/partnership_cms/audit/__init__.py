"""The audit trail: who did what, when, in which role, recorded in the same
transaction as the change (so a rolled-back or retried change leaves no entry).

Content changes reach it as events (``events.ContentEvent``, subscribed in
``includeme``); log-ins and account changes call ``record`` directly.
"""
from pyramid.traversal import resource_path

from ..events import ContentEvent, ContentRenamed
from .log import AuditAction, AuditEntry, AuditLog, state_digest, utcnow_iso  # noqa: F401
from .verify import verify_log, verify_since_last_seal, verify_steps  # noqa: F401


def verify_all(root, progress=None):
    """Verify the whole trail against every stored content object.

    The one place that walks every object: verification must see them all.
    What it reads is turned back into ghosts as it goes (``cacheMinimize``;
    verification only reads), so a server that verifies does not keep the
    whole trail and every case in memory afterwards. ``progress``: see ``verify_log``.
    """
    content = ((f"/{name}/{obj_name}", obj)
               for name, folder in root.items() for obj_name, obj in folder.items())
    jar = root._p_jar
    return verify_log(get_log(root), content,
                      release=jar.cacheMinimize if jar is not None else None, progress=progress)


def verify_recent(root):
    """Verify what was written since the last seal (``verify.verify_since_last_seal``),
    or, before the first seal, everything (``verify_all``)."""
    def find_object(path):
        folder, _slash, name = path.strip("/").partition("/")
        container = root.get(folder)
        return container.get(name) if container is not None and name and "/" not in name else None

    result = verify_since_last_seal(get_log(root), find_object)
    return result if result is not None else verify_all(root)


def get_log(root):
    return root.audit_log


def record(request, action, obj=None, *, details=None, actor=None, chain=None):
    """Append an audit entry for ``action`` done now by the current user.

    ``obj`` (a content object) names the chain (its path's, ``AuditLog.chain_of``)
    and is fingerprinted; events
    without an object (logins, user changes) name their ``chain`` instead.
    """
    if actor is None:
        actor = request.authenticated_userid
    fields = {
        "time": utcnow_iso(),
        "action": str(action),
        "actor": actor,
        # request.global_roles comes from security.includeme; a bare request has none.
        "roles": sorted(getattr(request, "global_roles", ())),
        "details": details or {},
    }
    log = get_log(request.root)
    if obj is not None:
        path = resource_path(obj)
        chain = log.chain_of(path)
        fields.update(path=path, type=obj.type_name, dnr=obj.data.get("dnr", ""),
                      state=obj.state, state_digest=state_digest(obj))
    return log.append(chain, fields)


def find_page(log, start, size, **filters):
    """One page of the entries matching ``filters`` (see ``AuditLog.find``),
    newest first, and how many match. Only the page's entries are read."""
    keys, total = page_of(log.find_keys(**filters), start, size)
    page = (log.get(chain, seq) for _time, chain, seq in keys)
    return [entry for entry in page if entry is not None], total


def page_of(entries, start, size):
    """``(entries[start:start + size], how many there are)`` of an iterable."""
    matched, total = [], 0
    for entry in entries:
        if start <= total < start + size:
            matched.append(entry)
        total += 1
    return matched, total


def on_content_event(event):
    """Record the change an event announces, in its transaction. A renamed
    object's chain first follows it to its new path, so the ``renamed`` entry
    and every later one land in the chain that holds its history."""
    if isinstance(event, ContentRenamed):
        get_log(event.request.root).rename(event.details["from"], event.details["to"])
    record(event.request, event.action, event.obj, details=event.details)


def includeme(config):
    config.add_subscriber(on_content_event, ContentEvent)
