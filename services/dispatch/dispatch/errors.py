"""Dispatch errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = ["CaseNotFound", "Conflict", "Forbidden", "IllegalTransition", "InvalidInput", "NotFound"]


class CaseNotFound(NotFound):
    code = "case-not-found"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "This action is not allowed in the case's current state"
