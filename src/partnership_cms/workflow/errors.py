"""What can go wrong when a transition is asked for; each maps to one HTTP status."""


class WorkflowError(Exception):
    status = 400
    error_type = "WorkflowError"

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class UnknownTransition(WorkflowError):
    status = 404
    error_type = "NotFound"


class NotAllowed(WorkflowError):
    status = 403
    error_type = "Forbidden"


class NotAvailable(WorkflowError):
    """Not possible from the current state (or lost to a concurrent transition)."""

    status = 409
    error_type = "Conflict"


class InvalidData(WorkflowError):
    status = 422
    error_type = "ValidationError"


class GuardFailed(WorkflowError):
    status = 422
    error_type = "GuardFailed"
