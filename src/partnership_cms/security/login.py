"""Logging in and out, for the API and the browser alike; both are audited."""
from ..audit import AuditAction, record

MAX_LOGIN_LENGTH = 100


def attempt_login(request, login, password, via):
    """The user for these credentials, or None; the attempt is audited either way.

    A failure is recorded without saying whether the user exists. The caller
    answers with a response (not an exception), so the entry is committed.
    """
    login = str(login or "").strip()[:MAX_LOGIN_LENGTH]
    user = request.root.principals.authenticate(login, str(password or ""))
    if user is None:
        record(request, AuditAction.LOGIN_FAILED, actor=None, chain="login:" + login,
               details={"login": login, "via": via})
        return None
    record(request, AuditAction.LOGIN, actor=user.login, chain="user:" + user.login, details={"via": via})
    return user


def record_logout(request, user, via):
    record(request, AuditAction.LOGOUT, actor=user.login, chain="user:" + user.login, details={"via": via})
