"""Intake errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import Conflict, Forbidden, InvalidInput, NotFound, OneGridError

__all__ = ["Conflict", "Forbidden", "InvalidInput", "NotFound", "OneGridError", "ReportNotFound", "OutsideAllGrids"]


class ReportNotFound(NotFound):
    code = "report-not-found"


class OutsideAllGrids(InvalidInput):
    code = "outside-all-grids"
    title = "The location is outside every grid"
