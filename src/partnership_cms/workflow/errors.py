"""What can go wrong when a transition is asked for: a code each, no HTTP status.

The API maps the codes to statuses (``api/errors.py``); the views render the
messages in the user's language.
"""
from ..errors import ServiceError


class WorkflowError(ServiceError):
    code = "workflow_error"


class UnknownTransition(WorkflowError):
    code = "unknown_transition"


class NotAllowed(WorkflowError):
    code = "not_allowed"


class NotAvailable(WorkflowError):
    """Not possible from the current state (or lost to a concurrent transition)."""

    code = "not_available"


class InvalidData(WorkflowError):
    code = "invalid_data"


class GuardFailed(WorkflowError):
    code = "guard_failed"
