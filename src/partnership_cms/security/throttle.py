"""Log-in throttling: per account and per client address.

After ``per_account`` failed log-ins for one account, or ``per_address``
from one client address, within ``window`` seconds, further attempts are
refused (429 with ``Retry-After``) without checking the password, until the
oldest of those failures is older than the window. A successful log-in
clears the account's count (not the address's: one known password must not
buy an attacker fresh guesses at other accounts).

Where failures are counted: in memory, per server process. Counting in
ZODB would make every failed attempt a database write, which is exactly
what an unauthenticated attacker must not be able to cause; counting in
memory costs nothing to store and is lost at a restart, which only gives
an attacker one more window. With several processes each counts on its
own, so the limits are per process (this app runs as one waitress process
with threads, so they are exact). Memory is bounded: at most ``max_keys``
accounts and addresses are remembered, each with at most its limit of
times; when full, the least recently failing is forgotten.

The address is ``request.remote_addr``. Behind a reverse proxy that is the
proxy's address unless waitress' ``trusted_proxy`` settings are set (then
it is the client's): without them every client shares one address, which
is why the address limit is higher than the account limit (an office
behind one NAT address must not be locked out by five typing errors).

What is audited (security/login.py asks ``failed``): the first failure of
an account's burst (no earlier failure in the window) and the failure that
trips a limit, not every attempt; and at most ``audit_per_window`` failure
entries per window in all, so that the trail grows by a bounded amount
however many addresses and names an attacker uses. Refused (throttled)
attempts write nothing.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

ACCOUNT, ADDRESS = "account", "address"


@dataclass
class Failure:
    """What one failed attempt means for the audit trail."""

    audit: bool  # record this failure (the first of the account's burst)
    tripped: str | None  # ACCOUNT or ADDRESS if this failure reached that limit
    failures: int  # the account's failures in this burst, this one included


class _Burst:
    __slots__ = ("times", "count", "tripped")

    def __init__(self):
        self.times, self.count, self.tripped = [], 0, False


class LoginThrottle:
    def __init__(self, per_account=5, per_address=20, window=900, audit_per_window=50,
                 max_keys=50_000, clock=time.monotonic):
        self.limits = {ACCOUNT: per_account, ADDRESS: per_address}
        self.window = window
        self.audit_per_window = audit_per_window
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = OrderedDict()  # (kind, name) -> _Burst, least recently failed first
        self._audited = []  # times of audited failures, all accounts

    @classmethod
    def from_settings(cls, settings):
        """The throttle the app settings (``settings.AppSettings``) describe."""
        return cls(per_account=settings.login_failures_per_account,
                   per_address=settings.login_failures_per_address,
                   window=settings.login_failure_window_seconds,
                   audit_per_window=settings.login_failures_audited_per_window)

    @staticmethod
    def keys(login, address):
        return {ACCOUNT: (ACCOUNT, login.casefold()), ADDRESS: (ADDRESS, address or "")}

    def _burst(self, key, now):
        """The key's burst: its failures within the window (oldest first) and
        whether it has reached its limit yet; an empty burst is forgotten."""
        burst = self._failures.get(key)
        if burst is None:
            return _Burst()
        burst.times = [t for t in burst.times if now - t < self.window]
        if not burst.times:
            del self._failures[key]
            return _Burst()  # a quiet window ended the burst
        return burst

    def retry_after(self, login, address):
        """Seconds until an attempt for ``login`` from ``address`` is let
        through, or 0 if it may be tried now."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for kind, key in self.keys(login, address).items():
                times = self._burst(key, now).times
                if len(times) >= self.limits[kind]:
                    # Allowed again when enough of the failures have aged out.
                    wait = max(wait, times[-self.limits[kind]] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, login, address):
        """Count a failed attempt; say whether and why to audit it."""
        now = self.clock()
        tripped = None
        with self._lock:
            counts = {}
            for kind, key in self.keys(login, address).items():
                burst = self._burst(key, now)
                burst.times.append(now)
                del burst.times[:-self.limits[kind]]  # no more than the limit is needed
                burst.count += 1
                self._failures[key] = burst
                self._failures.move_to_end(key)
                counts[kind] = burst.count
                if len(burst.times) >= self.limits[kind] and not burst.tripped:
                    burst.tripped = True  # once per burst, however long it lasts
                    tripped = tripped or kind
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)
            first = counts[ACCOUNT] == 1
            self._audited = [t for t in self._audited if now - t < self.window]
            if (first or tripped) and len(self._audited) >= self.audit_per_window:
                first, tripped = False, None  # counted and refused, but not written
            if first or tripped:
                self._audited.append(now)
        return Failure(audit=first, tripped=tripped, failures=counts[ACCOUNT])

    def succeeded(self, login):
        with self._lock:
            self._failures.pop(self.keys(login, None)[ACCOUNT], None)


def get_throttle(registry):
    return registry.login_throttle
