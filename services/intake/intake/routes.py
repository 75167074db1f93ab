"""Intake's REST API under /v1."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from onegrid_contracts.catalog import load_catalog
from onegrid_runtime.service import Session
from sqlmodel import select

from intake import service
from intake.auth import GridReader, Reporter, ReportReader
from intake.errors import NotFound
from intake.models import Grid, ReportAccepted, ReportCreate, ReportView

router = APIRouter(prefix="/v1", tags=["reports"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "Role or scope does not allow it"},
    409: {"description": "Idempotency-Key reused with a different body"},
    422: {"description": "Invalid report (problem details name the field)"},
}


@router.post("/reports", status_code=202, response_model=ReportAccepted, responses=PROBLEMS)
async def create_report(
    body: ReportCreate,
    principal: Reporter,
    request: Request,
    response: Response,
    session: Session,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportAccepted:
    """Accept a report from any channel: it becomes a case and is routed automatically."""
    accepted, created = await service.create_report(
        session=session, body=body, reporter=principal, grids=request.app.state.grids, catalog=load_catalog(),
        idempotency_key=idempotency_key,
    )
    response.headers["Location"] = f"/v1/reports/{accepted.case_id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return accepted


@router.get("/reports/{case_id}", response_model=ReportView, responses={404: {"description": "No such report"}})
async def get_report(case_id: uuid.UUID, principal: ReportReader, session: Session) -> ReportView:
    """The reporter's view: status in plain words, department, expected time and the timeline."""
    report = await service.get_report(session=session, case_id=case_id, reader=principal)
    return await service.report_view(session=session, report=report, catalog=load_catalog())


@router.get("/grids/{code}", tags=["grids"])
async def get_grid(code: str, _: GridReader, session: Session) -> dict[str, Any]:
    grid = await session.get(Grid, code)
    if grid is None:
        raise NotFound(f"no grid {code!r}")
    return {"type": "Feature", "geometry": grid.geometry,
            "properties": {"code": grid.code, "community": grid.community, "name_en": grid.name_en,
                           "name_zh": grid.name_zh, "kind": grid.kind}}


@router.get("/grids", tags=["grids"])
async def list_grids(_: GridReader, session: Session) -> dict[str, Any]:
    grids = (await session.exec(select(Grid).order_by(Grid.code))).all()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g.geometry,
         "properties": {"code": g.code, "community": g.community, "name_en": g.name_en, "kind": g.kind}}
        for g in grids]}
