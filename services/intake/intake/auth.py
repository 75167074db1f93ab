"""Who may call intake's endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from onegrid_runtime.auth import Principal, Role, authorize, public

from intake.errors import Forbidden

Reporter = Annotated[Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher, Role.system))]
ReportReader = Annotated[
    Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher, Role.dept_staff, Role.system))
]
# Unlink a duplicate or merge two cases by hand: the grid member of the grid, or the command centre.
DuplicateEditor = Annotated[Principal, Depends(authorize(Role.grid_member, Role.dispatcher))]
# The reporter rates; the command centre may record a rating given on a return call.
Rater = Annotated[Principal, Depends(authorize(Role.resident, Role.dispatcher))]
Uploader = Annotated[Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher, Role.system))]
GridReader = Annotated[Principal, Depends(authorize(*Role))]
# Households: personal data is masked for every role that does not need it (privacy.py).
RegisterReader = Annotated[Principal, Depends(authorize(*Role))]
Admin = Annotated[Principal, Depends(authorize())]


class Open311Error(Exception):
    """An error rendered as Open311's list of {code, description} (see open311.py)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def open311_api_key():
    """Dependency: an Open311 client's ``api_key`` (form field, or query) maps to a system principal."""

    async def dependency(request: Request, api_key: Annotated[str | None, Form(max_length=200)] = None) -> Principal:
        key = api_key or request.query_params.get("api_key")
        settings = request.app.state.settings
        if not key:
            raise Open311Error(403, "api_key is required to submit a service request")
        client = settings.open311_api_keys.get(key)
        if client is None:
            raise Open311Error(403, "api_key is not valid")
        return Principal(subject=f"open311:{client}", role=Role.system, jurisdiction=settings.jurisdiction)

    dependency.allowed_roles = frozenset({Role.system})  # type: ignore[attr-defined]
    return dependency


Open311Client = Annotated[Principal, Depends(open311_api_key())]
# Open311 discovery, services and requests are public by the GeoReport v2 specification; they carry
# no personal data (see open311.py).
Open311Public = Annotated[None, Depends(public())]
__all__ = ["Admin", "DuplicateEditor", "Forbidden", "GridReader", "Open311Client", "Open311Error", "Open311Public",
           "Rater", "RegisterReader", "ReportReader", "Reporter", "Uploader"]
