"""Every ``partnership_cms.*`` setting, read once at start-up.

The .ini file (or the dict a test passes) gives strings; the coercers below turn
each into its value once, so no call site parses a boolean or a number its own
way. ``includeme`` puts the result on the registry as ``registry.app_settings``
and on each request as ``request.app_settings``; ``registry.settings`` keeps
the raw strings (Pyramid and the libraries read theirs there).

A ``partnership_cms.*`` key the app does not know stops the start-up: a typo
such as ``secure_cookie = true`` would otherwise leave cookies insecure, silently.
To add a setting, add a field to ``AppSettings`` (with its coercer and default)
and document it in the .ini files.
"""
import os
from dataclasses import dataclass, field, fields

from pyramid.settings import asbool, aslist

DEFAULT_DNR_FORMAT = "{series}-{year}/{number}"  # KS-2021/457

__all__ = ["AppSettings", "asbool", "asint", "asfloat", "aslist", "asstr", "read_settings"]

PREFIX = "partnership_cms."
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def asint(value):
    """``"1800"`` -> 1800; an int stays an int."""
    return int(str(value).strip())


def asfloat(value):
    """``"12"`` -> 12.0."""
    return float(str(value).strip())


def asstr(value):
    """The text without surrounding white space (an .ini value's line end)."""
    return str(value).strip()


def setting(default, coerce):
    """A field of ``AppSettings``: its default and how the .ini text becomes its value."""
    return field(default=default, metadata={"coerce": coerce})


@dataclass(frozen=True)
class AppSettings:
    # Where the content types and the workflows are defined.
    schemas: str = setting(os.path.join(PROJECT, "schemas"), asstr)
    workflows: str = setting(os.path.join(PROJECT, "workflows"), asstr)
    # The deciding bodies (KS, KF, the nämnder): seats, members, rules (bodies/*.yaml).
    bodies: str = setting(os.path.join(PROJECT, "bodies"), asstr)
    # `partnership-cms init`: load the demo users and the seed case; create the
    # first administrator from PCMS_ADMIN_LOGIN / PCMS_ADMIN_PASSWORD.
    demo: bool = setting(False, asbool)
    admin_from_env: bool = setting(False, asbool)
    # Signs the session cookie; the environment's PCMS_SESSION_SECRET wins.
    session_secret: str | None = setting(None, asstr)
    secure_cookies: bool = setting(False, asbool)
    session_idle_seconds: int = setting(1800, asint)
    # The lifetime of an API token.
    token_hours: float = setting(12.0, asfloat)
    # The diarienummer of a new case: "{series}-{year}/{number}".
    dnr_series: str = setting("KS", asstr)
    dnr_format: str = setting(DEFAULT_DNR_FORMAT, asstr)
    # One process's writes take turns (write_queue.py); off only to test what
    # several processes meet.
    write_queue: bool = setting(True, asbool)
    # Several processes on one storage take the turns together (write_queue.py):
    # "file:/path/to/lock" (one host) or a PostgreSQL URI (any host); empty: per process.
    write_lock: str = setting("", asstr)
    # The absolute lifetime of a browser session (security/sessions.py); the idle one is above.
    session_max_seconds: int = setting(12 * 3600, asint)
    # `partnership-cms pack` keeps the object revisions of this many days (undo and forensics).
    pack_days: float = setting(7.0, asfloat)
    # Log-in throttling (security/throttle.py): failures before a 429, in a window of seconds.
    login_failures_per_account: int = setting(5, asint)
    login_failures_per_address: int = setting(20, asint)
    login_failure_window_seconds: int = setting(900, asint)
    login_failures_audited_per_window: int = setting(50, asint)
    max_body_bytes: int = setting(10 * 1024 * 1024, asint)
    public_url: str | None = setting(None, asstr)
    hsts: bool = setting(False, asbool)
    # The kommun whose documents these are: the page head, and the running head of protocols and extracts.
    kommun_name: str = setting("Huddinge kommun", asstr)
    # Where the justerade protocols are kept (the notice on the anslagstavla says it, KL 8:12).
    protocol_kept_at: str = setting(
        "Kommunstyrelsens förvaltning, Huddinge kommunhus, Kommunalvägen 28, Huddinge", asstr)
    # Post a protocol on the anslagstavla by itself, on the day of its justering, instead of by the clerk.
    post_on_justering: bool = setting(False, asbool)


KNOWN = {PREFIX + f.name for f in fields(AppSettings)}


def read_settings(settings):
    """The ``AppSettings`` of a settings dict (the .ini's [app:main] section).

    A key that is missing or empty takes the default (production.ini leaves
    ``session_secret`` empty on purpose). A value that does not parse, or a
    ``partnership_cms.*`` key that is not a setting, raises ``ValueError``
    naming the key."""
    unknown = sorted(key for key in settings if key.startswith(PREFIX) and key not in KNOWN)
    if unknown:
        raise ValueError(f"Unknown setting(s) {', '.join(unknown)}; the known ones: {', '.join(sorted(KNOWN))}.")
    values = {}
    for f in fields(AppSettings):
        raw = settings.get(PREFIX + f.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[f.name] = f.metadata["coerce"](raw)
        except ValueError as e:
            raise ValueError(f"Setting {PREFIX}{f.name} = {raw!r}: {e}") from None
    return AppSettings(**values)


def includeme(config):
    app_settings = read_settings(config.registry.settings)
    config.registry.app_settings = app_settings
    config.add_request_method(lambda request: request.registry.app_settings, "app_settings", reify=True)
