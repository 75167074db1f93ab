"""Intake's REST API under /v1 (and, included here, the Open311 facade under /open311/v2)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile
from onegrid_contracts.catalog import load_catalog
from onegrid_runtime.service import Session
from sqlalchemy import func
from sqlmodel import col, select

from intake import households, linking, service, view
from intake.attachments import read_attachment, store_upload
from intake.auth import Admin, DuplicateEditor, GridReader, Rater, RegisterReader, Reporter, ReportReader, Uploader
from intake.errors import NotFound
from intake.grids import GridCollectionIn, GridImportReport, import_grids, load_index
from intake.models import (
    VULNERABILITY_FLAGS,
    AttachmentPublic,
    FeedbackAccepted,
    FeedbackIn,
    Grid,
    Household,
    HouseholdPage,
    HouseholdView,
    LinkedReport,
    MergeIn,
    Report,
    ReportAccepted,
    ReportCreate,
    ReportView,
)
from intake.open311 import router as open311_router
from intake.status import OPEN_STATUSES

v1 = APIRouter(prefix="/v1", tags=["reports"])
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or invalid bearer token"},
    403: {"description": "Role or scope does not allow it"},
    409: {"description": "Idempotency-Key reused with a different body"},
    422: {"description": "Invalid report (problem details name the field)"},
}
ATTACHMENT_URL = "/v1/attachments/{id}"


@v1.post("/reports", status_code=202, response_model=ReportAccepted, responses=PROBLEMS)
async def create_report(
    body: ReportCreate,
    principal: Reporter,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportAccepted:
    """Accept a report from any channel: it becomes a case and is routed automatically, or, when it
    is about the same problem as an open case, it is linked to that case (``duplicate_of``)."""
    # The busiest endpoint opens its session itself rather than through the Session dependency (a generator
    # dependency costs FastAPI an exit stack and a cancel scope per request), and only when the report reads
    # the registers: the writer does the writing, and a report from another system naming a grid or a point
    # needs no session at all (measured: +27 % requests per second for such reports).
    options = dict(writer=request.app.state.writer, body=body, reporter=principal, grids=request.app.state.grids,
                   catalog=load_catalog(), idempotency_key=idempotency_key, attachment_url=ATTACHMENT_URL)
    if service.reads_registers(body, principal, idempotency_key):
        async with request.app.state.db.transaction() as session:
            accepted, created = await service.create_report(session=session, **options)
    else:
        accepted, created = await service.create_report(session=None, **options)
    response.headers["Location"] = f"/v1/reports/{accepted.case_id}"
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return accepted


@v1.get("/reports/{case_id}", response_model=ReportView, responses={404: {"description": "No such report"}})
async def get_report(case_id: uuid.UUID, principal: ReportReader, session: Session) -> ReportView:
    """The reporter's view: status in plain words, department, expected time and the timeline. A
    report linked as a duplicate shows the case it joined."""
    case, asked = await service.get_report(session=session, case_id=case_id, reader=principal)
    return await view.report_view(session=session, case=case, asked=asked, reader=principal, catalog=load_catalog(),
                                  attachment_url=ATTACHMENT_URL)


@v1.post("/reports/{case_id}/feedback", response_model=FeedbackAccepted, responses={**PROBLEMS, 409: {
    "description": "Not resolved yet, or already rated"}})
async def give_feedback(case_id: uuid.UUID, body: FeedbackIn, principal: Rater, request: Request,
                        session: Session) -> FeedbackAccepted:
    """Rate the handling (1-5, optional comment) once the case is resolved; a dissatisfied rating
    within the window asks dispatch to reopen the case."""
    case, _ = await service.get_report(session=session, case_id=case_id, reader=principal)
    settings = request.app.state.settings
    return await view.give_feedback(session=session, case=case, reader=principal, body=body,
                                    window_days=settings.reopen_window_days,
                                    dissatisfied_at_most=settings.dissatisfied_at_most)


@v1.get("/reports/{case_id}/linked", response_model=list[LinkedReport], tags=["duplicates"])
async def list_linked(case_id: uuid.UUID, principal: DuplicateEditor, session: Session) -> list[LinkedReport]:
    """The reports linked to a case as duplicates."""
    case, _ = await service.get_report(session=session, case_id=case_id, reader=principal)
    return [LinkedReport(report_id=r.id, channel=r.channel, reported_at=r.reported_at, description=r.description,
                         reason=r.duplicate_reason) for r in await service.linked_reports(session, case)]


@v1.post("/reports/{report_id}/unlink", status_code=202, response_model=ReportAccepted, tags=["duplicates"],
         responses={**PROBLEMS, 409: {"description": "The report is not linked"}})
async def unlink_report(report_id: uuid.UUID, principal: DuplicateEditor, session: Session) -> ReportAccepted:
    """Separate a report wrongly linked as a duplicate: it becomes a case of its own."""
    return await linking.unlink(session=session, report_id=report_id, actor=principal, attachment_url=ATTACHMENT_URL)


@v1.post("/reports/{case_id}/merge", response_model=ReportAccepted, tags=["duplicates"],
         responses={**PROBLEMS, 409: {"description": "One of the cases is not open"}})
async def merge_case(case_id: uuid.UUID, body: MergeIn, principal: DuplicateEditor, session: Session) -> ReportAccepted:
    """Merge this open case into another open case about the same problem (``case.merged``)."""
    return await linking.merge(session=session, case_id=case_id, into=body.into, actor=principal)


@v1.post("/attachments", status_code=201, response_model=AttachmentPublic, tags=["attachments"],
         responses={413: {"description": "Larger than the upload limit"}, 415: {"description": "Not an accepted photo type"}})
async def upload_attachment(principal: Uploader, request: Request, session: Session,
                            file: Annotated[UploadFile, File(description="A photo (JPEG, PNG or WebP)")]) -> AttachmentPublic:
    """Upload a photo; give its id in a report's ``attachments``."""
    settings = request.app.state.settings
    return await store_upload(session=session, upload=file, uploader=principal, storage=request.app.state.storage,
                              max_bytes=settings.upload_max_bytes, allowed=tuple(settings.upload_types),
                              url=ATTACHMENT_URL)


@v1.get("/attachments/{attachment_id}", tags=["attachments"], response_class=Response,
        responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}})
async def get_attachment(attachment_id: uuid.UUID, principal: ReportReader, request: Request, session: Session) -> Response:
    """A photo, for whoever may read its report (or its uploader before it is attached)."""
    data, content_type = await read_attachment(session=session, attachment_id=attachment_id, reader=principal,
                                               storage=request.app.state.storage)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


# --- grids ----------------------------------------------------------------------------------


def _feature(grid: Grid, **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": grid.code, "geometry": grid.geometry,
            "properties": {"code": grid.code, "community": grid.community, "name_en": grid.name_en,
                           "name_zh": grid.name_zh, "kind": grid.kind, **extra}}


@v1.get("/grids/{code}", tags=["grids"], responses={404: {"description": "No such grid"}})
async def get_grid(code: str, _: GridReader, session: Session) -> dict[str, Any]:
    """A grid as a GeoJSON Feature, with its open cases counted by status and its households."""
    grid = await session.get(Grid, code)
    if grid is None:
        raise NotFound(f"no grid {code!r}")
    rows = (await session.exec(
        select(Report.status, func.count()).where(Report.grid == code, col(Report.primary_case_id).is_(None),
                                                  col(Report.case_number).is_not(None),
                                                  col(Report.status).in_(OPEN_STATUSES)).group_by(Report.status))).all()
    by_status = {status: int(n) for status, n in rows}
    household_count = (await session.exec(select(func.count()).select_from(Household).where(Household.grid == code))).one()
    return _feature(grid, open_cases=sum(by_status.values()), open_cases_by_status=by_status, households=int(household_count))


@v1.get("/grids", tags=["grids"])
async def list_grids(_: GridReader, session: Session) -> dict[str, Any]:
    """Every grid as a GeoJSON FeatureCollection."""
    grids = (await session.exec(select(Grid).order_by(Grid.code))).all()
    return {"type": "FeatureCollection", "features": [_feature(g) for g in grids]}


@v1.post("/admin/grids/import", tags=["admin"], response_model=GridImportReport,
         responses={422: {"description": "Problems found: nothing imported (the report is in the problem's `report`)"}})
async def import_grid_file(body: GridCollectionIn, _: Admin, request: Request, session: Session,
                           dry_run: bool = False) -> GridImportReport:
    """Import (or re-import) grids from a GeoJSON FeatureCollection: codes unique, polygons valid, no
    overlaps; gaps are reported. All or nothing; ``dry_run`` only checks."""
    report = await import_grids(session, body, jurisdiction=request.app.state.settings.jurisdiction, dry_run=dry_run)
    if report.applied:
        await session.flush()
        request.app.state.grids = await load_index(session)
    return report


# --- households -----------------------------------------------------------------------------


@v1.get("/households", tags=["households"], response_model=HouseholdPage)
async def list_households(
    principal: RegisterReader, session: Session,
    grid: Annotated[str | None, Query(max_length=16)] = None,
    flag: Annotated[str | None, Query(pattern="^(" + "|".join(VULNERABILITY_FLAGS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HouseholdPage:
    """A grid's households (a grid member's own grid by default), optionally only those with a
    vulnerability flag. Names, phone and ID numbers are masked unless the role needs them."""
    return await households.list_households(session=session, reader=principal, grid=grid, flag=flag, limit=limit,
                                            offset=offset)


@v1.get("/households/{household_id}", tags=["households"], response_model=HouseholdView)
async def get_household(household_id: str, principal: RegisterReader, session: Session) -> HouseholdView:
    """A household with its residents and vulnerability flags (personal data masked by role)."""
    return await households.get_household(session=session, household_id=household_id, reader=principal)


# One router holding every route the app serves (the /v1 API and the Open311 facade), so the API
# surface checks see them all; the routes keep their prefixes, tags and route classes.
router = APIRouter()
router.routes.extend([*v1.routes, *open311_router.routes])
