"""Intake errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound, OneGridError

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "OneGridError",
    "OutsideAllGrids",
    "RegisterImportRejected",
    "ReportNotFound",
]


class ReportNotFound(NotFound):
    code = "report-not-found"


class OutsideAllGrids(InvalidInput):
    code = "outside-all-grids"
    title = "The location is outside every grid"


class RegisterImportRejected(InvalidInput):
    """An import (grids, households, residents) found problems: nothing was written."""

    code = "import-rejected"
    title = "The import was rejected; nothing was written"
