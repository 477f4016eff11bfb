"""The errors services and the engine raise: a code and translatable messages, no HTTP.

The API maps each ``code`` to a status (``api/errors.py``); the views show
``message`` and ``errors`` in the user's language (``i18n.translate``).
"""
from __future__ import annotations

from .i18n import translate, translate_all


class ServiceError(Exception):
    """A refused change. ``errors`` maps a field (or ``guards``) to messages;
    ``invalid`` is colander's Invalid, rendered by the edge in the user's language."""

    code = "invalid"

    def __init__(self, message, errors=None, invalid=None):
        super().__init__(str(message))
        self.message = message
        self.errors = dict(errors or {})
        self.invalid = invalid

    def rendered(self, request):
        """``(message, {field: message})`` as text in the request's language."""
        errors = {}
        if self.invalid is not None:
            errors.update(self.invalid.asdict(translate=request.localizer.translate))
        errors.update(translate_all(request, self.errors))
        return translate(request, self.message), errors
