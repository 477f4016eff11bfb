"""Server-side records of browser sessions, so that log-out really ends one.

The browser's session is still Pyramid's signed cookie (security.includeme),
and the cookie still carries the idle timeout: Pyramid re-signs its
"accessed" time at most once a minute (``reissue_time``), in the cookie, so
reading a page writes nothing to the database. What a signed cookie cannot
do is be withdrawn: a copy of it keeps working after log-out. So a log-in
also stores a small record in ZODB, ``principals.sessions``, an OOBTree
keyed by ``(login, sha256(session id))`` whose value is the creation time
(epoch seconds); the cookie holds the login and the random session id. A
request is logged in only while its cookie's id has a record:

- log-out deletes the record, so a copied cookie no longer works;
- the absolute lifetime (``partnership_cms.session_max_seconds``, 12 hours)
  is counted from the record's creation time, which no client can change;
- a password reset or a deactivation deletes every record of that user: a
  range of the tree, since the keys begin with the login.

Why this design rather than a record per session with a "last seen" time:
"last seen" would be a database write on every page (or a rule for when to
skip it); the idle time already lives in the signed cookie, so the only
writes are one small bucket change per log-in and per log-out. Why keys that
begin with the login rather than a per-user "valid after" stamp: log-out must
end one session and leave the user's other browsers alone, which a stamp
cannot do. Expired records of a user are purged at that user's next log-in,
so nobody has more records than log-ins within one lifetime, and only
someone who knows a password can add one. The id is stored hashed, like the
API tokens (users.Principals.tokens), so a copy of the database holds
nothing a cookie could be made from.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from BTrees.OOBTree import OOBTree

# Where the hashed id of the request's valid session is kept (so that a
# password change by the user themselves can keep the session it came from).
SESSION_KEY = "partnership_cms.session_key"


def max_seconds(registry):
    """The absolute lifetime of a browser session, from the settings."""
    return registry.app_settings.session_max_seconds


def _hash(session_id):
    return hashlib.sha256(session_id.encode()).hexdigest()


def _records(principals, create=False):
    """The tree of session records (databases made before it had none: the
    first log-in adds it, so reading never writes)."""
    records = getattr(principals, "sessions", None)
    if records is None and create:
        records = principals.sessions = OOBTree()
    return records


def _range_of(records, login):
    # Hex digests sort between "" and "g": every key of this login.
    return list(records.keys(min=(login, ""), max=(login, "g")))


def start(request, login):
    """Record a new session for ``login`` in the request's (fresh) session.

    Call after ``remember`` (which renews the cookie session): the cookie
    gets the random id, the database its hash and the time.
    """
    records = _records(request.root.principals, create=True)
    now = time.time()
    lifetime = max_seconds(request.registry)
    for key in _range_of(records, login):  # this user's expired records
        if now - records[key] > lifetime:
            del records[key]
    session_id = secrets.token_urlsafe(32)
    records[(login, _hash(session_id))] = now
    request.session["sid"] = session_id
    request.environ[SESSION_KEY] = _hash(session_id)


def login_for_request(request, principals):
    """The login of the request's browser session, if its record is still there
    and younger than the absolute lifetime; otherwise None. Only reads."""
    session = request.session
    login, session_id = session.get("login"), session.get("sid")
    if not login or not isinstance(session_id, str):
        return None
    records = _records(principals)
    key = _hash(session_id)
    created = records.get((login, key)) if records is not None else None
    if created is None or time.time() - created > max_seconds(request.registry):
        return None
    request.environ[SESSION_KEY] = key
    return login


def end(request, login):
    """End the request's own session (log-out): its record goes."""
    records = _records(request.root.principals)
    key = request.environ.get(SESSION_KEY)
    if records is not None and key is not None:
        records.pop((login, key), None)


def end_all(request, login):
    """End every browser session of ``login`` and revoke all their API tokens.

    When the user changes their own password, the browser session they do
    it from stays (the others end). Returns how many sessions and tokens ended.
    """
    principals = request.root.principals
    records = _records(principals)
    actor = request.identity
    keep = request.environ.get(SESSION_KEY) if actor is not None and actor.login == login else None
    ended = 0
    if records is not None:
        for key in _range_of(records, login):
            if key[1] != keep:
                del records[key]
                ended += 1
    return ended + principals.revoke_tokens_of(login)
