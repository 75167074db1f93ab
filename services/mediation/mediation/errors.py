"""Mediation errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = ["Conflict", "DisputeNotFound", "Forbidden", "IllegalStep", "InvalidInput", "NotFound"]


class DisputeNotFound(NotFound):
    code = "dispute-not-found"


class IllegalStep(Conflict):
    code = "illegal-step"
    title = "This step is not allowed in the dispute's current state"
