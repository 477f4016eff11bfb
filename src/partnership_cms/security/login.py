"""Logging in and out, for the API and the browser alike; both are audited.

Failed attempts are throttled per account and per client address (see
throttle.py, which also says which failures reach the audit trail).
"""
from ..audit import AuditAction, record
from .throttle import get_throttle

MAX_LOGIN_LENGTH = 100


class LoginThrottled(Exception):
    """Too many failed log-ins: try again in ``retry_after`` seconds.

    Raised before the password is checked, and nothing is written, so a
    flood of attempts costs neither hashing time nor database space.
    """

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self):
        return max(1, -(-self.retry_after // 60))


def attempt_login(request, login, password, via):
    """The user for these credentials, or None; raises LoginThrottled.

    A failure is recorded without saying whether the user exists, once per
    burst of failures (throttle.py). The caller answers with a response (not
    an exception), so the entry is committed.
    """
    login = str(login or "").strip()[:MAX_LOGIN_LENGTH]
    throttle = get_throttle(request.registry)
    address = request.remote_addr
    wait = throttle.retry_after(login, address)
    if wait:
        raise LoginThrottled(wait)
    user = request.root.principals.authenticate(login, str(password or ""))
    if user is None:
        failure = throttle.failed(login, address)
        if failure.audit:
            record(request, AuditAction.LOGIN_FAILED, actor=None, chain="login:" + login,
                   details={"login": login, "via": via})
        if failure.tripped:
            record(request, AuditAction.LOGIN_THROTTLED, actor=None, chain="login:" + login,
                   details={"login": login, "via": via, "limit": failure.tripped,
                            "failures": failure.failures, "address": address or ""})
        return None
    throttle.succeeded(login)
    record(request, AuditAction.LOGIN, actor=user.login, chain="user:" + user.login, details={"via": via})
    return user


def record_logout(request, user, via):
    record(request, AuditAction.LOGOUT, actor=user.login, chain="user:" + user.login, details={"via": via})
