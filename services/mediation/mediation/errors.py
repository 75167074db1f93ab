"""Mediation errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = ["Conflict", "DisputeNotFound", "Forbidden", "IllegalStep", "InvalidInput", "NotFound", "RegisterNotFound"]


class DisputeNotFound(NotFound):
    code = "dispute-not-found"


class RegisterNotFound(NotFound):
    code = "register-entry-not-found"


class IllegalStep(Conflict):
    code = "illegal-step"
    title = "This step is not allowed in the dispute's current state"


class ConsentMissing(Conflict):
    code = "consent-missing"
    title = "Mediation is voluntary: the parties' consent is not all recorded"


class RegisterRule(InvalidInput):
    code = "register-rule"
    title = "The register's rules are not met"
