"""Messages that the services raise, rendered in the user's language at the edge.

Services and the engine know no language: their reasons are Pyramid
``TranslationString``s whose msgid is the Swedish text (``_()`` below) and
whose mapping may hold {sv, en} titles from the definitions (a state's or a
field's title). The API and the views call ``translate`` with the request.
"""
from __future__ import annotations

from pyramid.i18n import TranslationString, TranslationStringFactory

_ = TranslationStringFactory("partnership_cms")

LANGUAGES = ("sv", "en")


def locale_of(request):
    """The request's language: one of LANGUAGES (Swedish unless asked otherwise)."""
    name = getattr(request, "locale_name", "sv")
    return name if name in LANGUAGES else "sv"


def localized(titles, locale):
    """A {sv, en} title in ``locale`` (Swedish when that one is missing)."""
    return titles.get(locale) or titles.get("sv") or ""


def translate(request, message):
    """``message`` (a TranslationString, a {sv, en} title or plain text) as text in the request's language."""
    if isinstance(message, dict):
        return localized(message, locale_of(request))
    if isinstance(message, (list, tuple)):  # several reasons, said one after the other
        return " ".join(translate(request, m) for m in message)
    if not isinstance(message, TranslationString):
        return str(message)
    mapping = {key: translate(request, value) for key, value in (message.mapping or {}).items()}
    message = TranslationString(message, domain=message.domain, default=message.default, mapping=mapping)
    return request.localizer.translate(message)


def translate_all(request, value):
    """``translate`` over the messages in a dict or list of them (an error's field messages)."""
    if isinstance(value, dict) and not _is_title(value):
        return {key: translate_all(request, v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [translate_all(request, v) for v in value]
    return translate(request, value)


def _is_title(value):
    return bool(value) and set(value) <= set(LANGUAGES)
