"""Intake's service logic: plain async functions; the caller owns the transaction."""

from __future__ import annotations

import hashlib
import json
import uuid

from onegrid_contracts import Envelope, Event
from onegrid_contracts.catalog import Catalog
from onegrid_contracts.events import CaseReported, Location
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.errors import Conflict, Forbidden, InvalidInput, OutsideAllGrids, ReportNotFound
from intake.grids import GridIndex
from intake.models import Report, ReportAccepted, ReportCreate, ReportView, TimelineEntry, TimelineItem
from intake.status import STATUS_BY_EVENT, describe


def body_hash(body: ReportCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def create_report(
    *,
    session: AsyncSession,
    body: ReportCreate,
    reporter: Principal,
    grids: GridIndex,
    catalog: Catalog,
    idempotency_key: str | None = None,
) -> tuple[ReportAccepted, bool]:
    """Store a report and emit ``case.reported``; returns (answer, created)."""
    digest = body_hash(body)
    if idempotency_key:
        earlier = (
            await session.exec(
                select(Report).where(Report.jurisdiction == reporter.jurisdiction, Report.idempotency_key == idempotency_key)
            )
        ).first()
        if earlier is not None:
            if earlier.body_hash != digest:
                raise Conflict(f"Idempotency-Key {idempotency_key!r} was already used with a different body")
            return _accepted(earlier), False

    if body.category is not None and body.category not in catalog.categories:
        raise InvalidInput(f"unknown category code {body.category!r}", field="category")
    grid, community = _place(body, grids)

    report = Report(
        jurisdiction=reporter.jurisdiction,
        channel=body.channel,
        description=body.description.strip(),
        category=body.category,
        lat=body.location.lat if body.location else None,
        lon=body.location.lon if body.location else None,
        grid=grid,
        community=community,
        priority=body.priority,
        reporter_id=(body.reporter.resident_id if body.reporter and body.reporter.resident_id else None)
        or (reporter.subject if reporter.role == Role.resident else None),
        reporter_name=body.reporter.name if body.reporter else None,
        reporter_phone=body.reporter.phone if body.reporter else None,
        occurred_at=body.occurred_at,
        idempotency_key=idempotency_key,
        body_hash=digest,
    )
    session.add(report)
    await session.flush()  # assigns seq, the source of the human case number
    report.case_number = f"{report.jurisdiction}-{report.reported_at.year}-{report.seq:06d}"
    emit(
        session,
        CaseReported(
            case_id=report.id,
            jurisdiction=report.jurisdiction,
            actor=reporter.actor(),
            case_number=report.case_number,
            channel=body.channel,
            description=report.description,
            category=report.category,
            location=Location(lat=report.lat, lon=report.lon) if report.lat is not None else None,
            grid=grid,
            community=community,
            priority=body.priority,
            reporter_id=report.reporter_id,
            occurred_at_reported=body.occurred_at,
        ),
    )
    return _accepted(report), True


def _place(body: ReportCreate, grids: GridIndex) -> tuple[str, str]:
    if body.location is not None:
        hit = grids.locate(body.location.lat, body.location.lon)
        if hit is None:
            nearest = grids.nearest(body.location.lat, body.location.lon)
            raise OutsideAllGrids(
                f"({body.location.lat}, {body.location.lon}) is outside every grid; nearest grid is {nearest}",
                nearest_grid=nearest,
            )
        if body.grid is not None and body.grid != hit.code:
            raise InvalidInput(f"the location lies in grid {hit.code}, not in the given grid {body.grid}", field="grid")
        return hit.code, hit.community
    community = grids.community_of(body.grid or "")
    if community is None:
        raise InvalidInput(f"unknown grid code {body.grid!r}", field="grid")
    return body.grid, community  # type: ignore[return-value]


def _accepted(report: Report) -> ReportAccepted:
    return ReportAccepted(
        case_id=report.id, case_number=report.case_number or "", grid=report.grid, community=report.community,
        status=report.status,
    )


async def get_report(*, session: AsyncSession, case_id: uuid.UUID, reader: Principal) -> Report:
    report = (await session.exec(select(Report).where(Report.id == case_id))).first()
    if report is None or report.jurisdiction != reader.jurisdiction:
        raise ReportNotFound(f"no report {case_id}")
    if reader.role == Role.resident and report.reporter_id != reader.subject:
        raise Forbidden("a resident sees only their own reports")
    if reader.role == Role.grid_member and reader.grid and report.grid != reader.grid:
        raise Forbidden(f"this report is in grid {report.grid}, not in your grid {reader.grid}")
    return report


async def report_view(*, session: AsyncSession, report: Report, catalog: Catalog) -> ReportView:
    entries = (
        await session.exec(
            select(TimelineEntry).where(TimelineEntry.case_id == report.id).order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        )
    ).all()
    status_text = describe(report.status, department=catalog.department_name(report.department))
    received = TimelineItem(at=report.reported_at, type=CaseReported.type, status="received",
                            summary=describe("received", department=""))
    return ReportView(
        case_id=report.id,
        case_number=report.case_number or "",
        status=report.status,
        status_text=status_text,
        description=report.description,
        category=report.category,
        grid=report.grid,
        community=report.community,
        department=report.department,
        department_name=catalog.department_name(report.department) if report.department else None,
        expected_at=report.expected_at,
        reported_at=report.reported_at,
        timeline=[received] + [TimelineItem(at=e.occurred_at, type=e.event_type, status=e.status, summary=e.summary) for e in entries],
    )


async def record_case_event(*, session: AsyncSession, event: Event, envelope: Envelope, catalog: Catalog) -> None:
    """Add another service's event to the case's timeline and move the reporter's view on."""
    report = (await session.exec(select(Report).where(Report.id == event.case_id))).first()
    if report is None:
        return  # not a case of this intake (another jurisdiction's deployment)
    status = STATUS_BY_EVENT.get(event.type, report.status)
    department = getattr(event, "department", None) or report.department
    session.add(
        TimelineEntry(
            case_id=report.id, event_id=envelope.id, event_type=event.type, occurred_at=event.occurred_at,
            status=status, summary=describe(status, department=catalog.department_name(department), event=event),
            data=json.loads(event.model_dump_json()),
        )
    )
    if event.occurred_at >= report.status_at:
        report.status = status
        report.department = department
        report.expected_at = getattr(event, "deadline_at", None) or report.expected_at
        report.status_at = event.occurred_at
        session.add(report)
