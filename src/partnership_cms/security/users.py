"""Users, groups and API tokens, stored in ZODB under ``root.principals``.

A group is named by the role it gives (``officer``, ``ks_member``, ...);
a user's global roles are the groups they belong to. Passwords are hashed
with argon2id (argon2-cffi); API tokens are random and stored only as a
SHA-256 hash, so a copy of the database holds no usable token.
"""
from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from BTrees.OOBTree import OOBTree
from persistent import Persistent

from .roles import GLOBAL_ROLES

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): the
# library's default of 64 MiB per hash made each concurrent log-in cost a
# server thread 64 MiB. Old hashes keep verifying; check_needs_rehash could
# upgrade them at the next log-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@functools.cache
def _dummy_hash():
    """A hash to verify against for unknown users, so a log-in for an
    unknown user takes as long as one for a real user (made on first use,
    not at import)."""
    return _hasher.hash("not a real password")


class User(Persistent):
    def __init__(self, login, fullname="", email=""):
        self.login = login
        self.fullname = fullname or login
        self.email = email
        self.password_hash = None
        self.active = True

    def set_password(self, password):
        self.password_hash = _hasher.hash(password)

    def check_password(self, password):
        try:
            return bool(self.password_hash) and _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class Group(Persistent):
    def __init__(self, name, title):
        self.name = name
        self.title = title
        self.members = OOBTree()  # login -> True


class Principals(Persistent):
    def __init__(self):
        self.users = OOBTree()
        self.groups = OOBTree()
        self.tokens = OOBTree()  # sha256(token) -> (login, expires ISO)
        self.sessions = OOBTree()  # (login, sha256(session id)) -> created; see sessions.py
        for role, title in GLOBAL_ROLES.items():
            self.groups[role] = Group(role, title)

    def roles_of(self, login):
        """The global roles of a user: the groups they are a member of."""
        return {name for name, group in self.groups.items() if login in group.members}

    def authenticate(self, login, password):
        """The active user with this login and password, or None.

        Every refusal costs one hash verification, for an unknown user
        (against a dummy hash) and for a deactivated one alike, so the time
        taken tells nothing about which logins exist or are active.
        """
        user = self.users.get(login)
        if user is None:
            with contextlib.suppress(VerificationError):
                _hasher.verify(_dummy_hash(), password)
            return None
        matches = user.check_password(password)  # also when inactive: same time
        return user if matches and user.active else None

    def issue_token(self, login, hours):
        token = secrets.token_urlsafe(32)
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=hours)
        self.tokens[_token_key(token)] = (login, expires.isoformat())
        return token

    def login_for_token(self, token):
        found = self.tokens.get(_token_key(token))
        if found is None:
            return None
        login, expires = found
        if datetime.datetime.fromisoformat(expires) < datetime.datetime.now(datetime.UTC):
            return None
        return login

    def revoke_token(self, token):
        self.tokens.pop(_token_key(token), None)

    def revoke_tokens_of(self, login):
        """Revoke every API token of ``login`` (a password reset, a
        deactivation); expired tokens of anyone go too, on the same pass.

        Tokens are keyed by their hash, so this reads them all: it runs only
        when an administrator changes an account, never per request.
        Returns how many of ``login``'s tokens were revoked.
        """
        now = datetime.datetime.now(datetime.UTC)
        revoked = 0
        for key, (owner, expires) in list(self.tokens.items()):
            if owner == login:
                del self.tokens[key]
                revoked += 1
            elif datetime.datetime.fromisoformat(expires) < now:
                del self.tokens[key]
        return revoked


def _token_key(token):
    return hashlib.sha256(token.encode()).hexdigest()
