"""The audit trail: append-only, never pruned, hash-chained, in ZODB.

Design (measured in ``docs/audit.md``): one hash chain per object (and one
per login name for authentication events) instead of one global chain. Two
transactions that change different objects then touch different chain heads
and commit side by side; two that change the same object conflict anyway,
and pyramid_retry re-runs the loser. A periodic *seal* (``partnership-cms
audit-seal``) hashes every entry up to a moment into a global chain of seals,
so deleting a whole object chain is detected as well.

Entries are plain dicts (immutable once written). Each carries: seq (within
its chain), time (UTC, ISO 8601), action, actor, roles, chain, path, type,
dnr, details, state_digest (a hash of the object as the change left it),
prev (the previous entry's hash) and hash (over all the rest).
"""
from __future__ import annotations

import datetime
import hashlib
import json
from enum import StrEnum

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList

GENESIS = "0" * 64


class AuditAction(StrEnum):
    """The kinds of event the trail records."""

    CREATE = "create"
    EDIT = "edit"
    TRANSITION = "transition"
    LINK = "link"
    IMPORT = "import"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_CREATED = "user_created"
    USER_CHANGED = "user_changed"
    GROUP_CHANGED = "group_changed"
    LOCAL_ROLE_CHANGED = "local_role_changed"
    SEAL = "seal"


def canonical(obj):
    """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def entry_hash(entry):
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def state_digest(obj):
    """A hash of everything a content object holds that the trail vouches for."""
    from ..schema.loader import to_json_value

    return hashlib.sha256(canonical({
        "type": obj.type_name,
        "state": obj.state,
        "data": to_json_value(dict(obj.data)),
        "local_roles": {k: list(v) for k, v in obj.local_roles.items()},
        "links": {k: list(v) for k, v in obj.links.items()},
    })).hexdigest()


class AuditLog(Persistent):
    def __init__(self):
        self.entries = OOBTree()  # (chain, seq) -> entry
        self.heads = OOBTree()  # chain -> (seq, hash)
        self.by_time = OOBTree()  # (time, chain, seq) -> None
        self.by_actor = OOBTree()  # (actor, time, chain, seq) -> None
        self.seals = PersistentList()  # the global chain of seals

    def append(self, chain, fields):
        """Append an entry to ``chain``; returns the stored entry."""
        seq, prev = self.heads.get(chain, (0, GENESIS))
        entry = dict(fields, chain=chain, seq=seq + 1, prev=prev)
        entry["hash"] = entry_hash(entry)
        self.entries[(chain, entry["seq"])] = entry
        self.heads[chain] = (entry["seq"], entry["hash"])
        self.by_time[(entry["time"], chain, entry["seq"])] = None
        self.by_actor[(entry.get("actor") or "", entry["time"], chain, entry["seq"])] = None
        return entry

    def chain(self, chain):
        """All entries of one chain, oldest first."""
        return list(self.entries.values((chain, 0), (chain, float("inf"))))

    def find(self, *, chains=None, actor=None, action=None, since="", until=None):
        """Entries matching every filter given, newest first (a generator).

        ``chains``: the chains to read (an object's path, ``user:<login>``);
        None reads all. ``since``/``until``: inclusive UTC times (ISO 8601).
        """
        until = until or "\uffff"
        if chains is not None:
            keys = [(e["time"], e["chain"], e["seq"])
                    for c in chains for e in reversed(self.chain(c))]
            if len(chains) > 1:
                keys.sort(reverse=True)
        elif actor:
            # Keys are tuples: bound them by tuples, with ``until`` inclusive.
            last = (actor, until, "\uffff", float("inf"))
            keys = reversed([k[1:] for k in self.by_actor.keys((actor, since), last)])
        else:
            keys = reversed(self.by_time.keys((since,), (until, "\uffff", float("inf"))))
        for time, chain, seq in keys:
            if not (since <= time <= until):
                continue
            entry = self.entries.get((chain, seq))
            if entry is None:  # deleted behind the application's back: verification names it
                continue
            if action and entry["action"] != action or actor and entry.get("actor") != actor:
                continue
            yield entry

    def seal(self, actor):
        """Seal every entry so far into the global chain of seals."""
        now = utcnow_iso()
        digest, count = self.digest_until(now)
        prev = self.seals[-1]["hash"] if self.seals else GENESIS
        seal = {"seq": len(self.seals) + 1, "time": now, "actor": actor, "entries": count,
                "digest": digest, "prev": prev}
        seal["hash"] = entry_hash(seal)
        self.seals.append(seal)
        return seal

    def digest_until(self, time):
        """A hash over every entry written up to ``time`` (inclusive), in time order."""
        h = hashlib.sha256()
        count = 0
        for key in self.by_time.keys(max=(time, "\uffff", float("inf"))):
            entry = self.entries.get(key[1:])
            h.update((entry["hash"] if entry else "missing").encode())
            count += 1
        return h.hexdigest(), count


def utcnow_iso():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")
