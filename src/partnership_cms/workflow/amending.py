"""What an amendment's changes make of the object it amends.

The guard ``changes_fit_target`` (at the amendment's submit and apply) and the
action ``apply_amendment`` compute the new values here, in one way, and both
have them checked as an edit of that object by the current user would be
(``content.services.check_edit``): a change may name only a field its schema
lets a user edit, and must give it a value that field accepts.
"""
from __future__ import annotations

from ..schema.loader import to_json_value


def amended_payload(target, changes):
    """The JSON values ``{field: value}`` the changes give ``target``, applied in order.

    ``replace`` sets the field (a list to the one item); ``insert`` adds a
    paragraph to a text or an item to a list; ``delete`` clears the field or
    removes the item that equals the change's text.
    """
    payload = {}
    for change in changes:
        field, operation, text = change.get("field"), change.get("operation"), change.get("text") or ""
        current = payload[field] if field in payload else to_json_value(target.data.get(field))
        if isinstance(current, list):
            if operation == "insert":
                payload[field] = list(current) + [text]
            elif operation == "delete":
                payload[field] = [item for item in current if item != text]
            else:
                payload[field] = [text]
        elif operation == "insert":
            payload[field] = f"{current}\n\n{text}" if current else text
        elif operation == "delete":
            payload[field] = None  # cleared: refused for a required field
        else:
            payload[field] = text
    return payload
