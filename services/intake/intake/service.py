"""Intake's service logic: taking reports in. Plain async functions; the caller owns the transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from onegrid_contracts import Envelope, Event
from onegrid_contracts.catalog import Catalog
from onegrid_contracts.events import CaseDuplicateLinked
from onegrid_contracts.ids import new_id
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import among, insert_rows_async, update_rows_async, utcnow
from onegrid_runtime.outbox import emit
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.errors import Conflict, Forbidden, InvalidInput, OutsideAllGrids, ReportNotFound
from intake.grids import GridIndex
from intake.households import household_flags
from intake.models import Attachment, Household, Report, ReportAccepted, ReportCreate, Resident, TimelineEntry
from intake.status import STATUS_BY_EVENT, describe
from intake.writer import REPORT, CaseWriter, NewCase, case_number, case_reported, joined_summary, timeline_row

# The channel each kind of caller reports through, and the channels it may name.
DEFAULT_CHANNEL = {Role.resident: "resident_app", Role.grid_member: "grid_app", Role.dispatcher: "hotline",
                   Role.system: "external", Role.admin: "external"}
ALLOWED_CHANNELS = {Role.resident: {"resident_app"}, Role.grid_member: {"grid_app"}, Role.dispatcher: {"hotline"},
                    Role.system: {"external"}, Role.admin: {"resident_app", "grid_app", "hotline", "external"}}


def body_hash(body: ReportCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class Place:
    grid: str
    community: str
    lat: float | None = None
    lon: float | None = None
    household: Household | None = None


def reads_registers(body: ReportCreate, reporter: Principal, idempotency_key: str | None) -> bool:
    """Whether taking this report in reads the database before the writer: an earlier answer under its
    Idempotency-Key, the household register (household or address), the resident register (a resident's own
    report, or a named resident) or uploaded photos. A report naming only a grid or a point, with a name and
    phone or no reporter, reads nothing: its request need not open a session."""
    return bool(idempotency_key or body.household_id is not None or body.address is not None or body.attachments
                or reporter.role == Role.resident or (body.reporter is not None and body.reporter.resident_id))


async def create_report(
    *,
    session: AsyncSession | None,
    writer: CaseWriter,
    body: ReportCreate,
    reporter: Principal,
    grids: GridIndex,
    catalog: Catalog,
    idempotency_key: str | None = None,
    channel: str | None = None,
    attachment_url: str = "/v1/attachments/{id}",
    open311_token: str | None = None,
) -> tuple[ReportAccepted, bool]:
    """Store a report through the group-committing ``writer``: a new case emits ``case.reported``, a duplicate
    of an open case is linked to it (``case.duplicate_linked``; the writer decides, when detection is on).
    ``session`` serves the reads only (the writer writes): None is allowed when ``reads_registers`` is False.
    Returns (answer, created)."""
    if session is None and reads_registers(body, reporter, idempotency_key):
        raise RuntimeError("this report reads the registers: create_report needs a session")
    if idempotency_key:
        earlier = await _replay(session, reporter, idempotency_key, body)
        if earlier is not None:
            return earlier, False

    channel = channel or _channel(body, reporter)
    occurred_at = body.occurred_at.astimezone(UTC) if body.occurred_at else None
    if occurred_at is not None and occurred_at > utcnow() + timedelta(minutes=5):
        raise InvalidInput(f"occurred_at {body.occurred_at.isoformat()} is in the future", field="occurred_at")
    if body.category is not None and body.category not in catalog.categories:
        raise InvalidInput(f"unknown category code {body.category!r}", field="category")
    place = await _place(session, body, grids, jurisdiction=reporter.jurisdiction)
    reporter_id, resident = await _reporter(session, body, reporter)
    attachments = await _attachments(session, body, reporter)

    flags: set[str] = set(resident.flags) if resident else set()
    if place.household is not None:
        members = list((await session.exec(select(Resident).where(Resident.household_id == place.household.id))).all())
        flags.update(household_flags(members))
    urgent = body.priority == "urgent" or body.danger_to_life or body.danger_to_property
    now = utcnow()
    row: dict[str, Any] = dict(
        id=new_id(), jurisdiction=reporter.jurisdiction, channel=channel, description=body.description.strip(),
        category=body.category, lat=place.lat, lon=place.lon, grid=place.grid, community=place.community,
        household_id=place.household.id if place.household else None,
        address=place.household.address if place.household else None,
        priority="urgent" if urgent else "normal", danger_to_life=body.danger_to_life,
        danger_to_property=body.danger_to_property, vulnerability_flags=sorted(flags), reporter_id=reporter_id,
        reporter_name=body.reporter.name.strip() if body.reporter and body.reporter.name else None,
        reporter_phone=body.reporter.phone if body.reporter else None, occurred_at=occurred_at, reported_at=now,
        idempotency_key=idempotency_key, body_hash=body_hash(body) if idempotency_key else None,  # for _replay
        open311_token=open311_token, primary_case_id=None, duplicate_reason=None, reporters=1, status="received",
        department=None, expected_at=None, resolved_at=None, status_at=now,
    )

    new_case = NewCase(row=row, actor=reporter.actor(), photo_ids=[a.id for a in attachments],
                       media_urls=[str(u) for u in body.media_urls],
                       attachment_urls=[attachment_url.format(id=a.id) for a in attachments] +
                                       [str(u) for u in body.media_urls])
    try:
        accepted = await writer.open(new_case)  # a new case, or linked to the open case it duplicates
    except IntegrityError:
        # The same key raced in from another request: answer as that one was answered.
        if idempotency_key and (earlier := await _replay(session, reporter, idempotency_key, body)):
            return earlier, False
        raise
    return accepted, True


async def _replay(session: AsyncSession, reporter: Principal, idempotency_key: str, body: ReportCreate
                  ) -> ReportAccepted | None:
    """The answer already given for this Idempotency-Key, if any (409 when the body differs: only then is the
    body hashed, and only reports with a key store their hash)."""
    earlier = (
        await session.exec(
            select(Report).where(Report.jurisdiction == reporter.jurisdiction, Report.idempotency_key == idempotency_key)
        )
    ).first()
    if earlier is None:
        return None
    if earlier.body_hash != body_hash(body):
        raise Conflict(f"Idempotency-Key {idempotency_key!r} was already used with a different body")
    return await accepted_answer(session, earlier)


def open_case(session: AsyncSession, report: Report, *, actor: Principal, attachments: list[str]) -> None:
    """Give a stored report (a linked one becoming a case of its own) its case number and announce the case."""
    report.case_number = case_number(report.jurisdiction, report.reported_at, report.seq)  # type: ignore[arg-type]
    session.add(report)
    emit(session, case_reported(report.model_dump(), actor=actor.actor(), attachments=attachments))


async def link_duplicate(
    *, session: AsyncSession, report: Report, primary: Report, reason: str, how: str, actor: Principal
) -> None:
    """Link ``report`` (and the reports already linked to it) to the open case ``primary``."""
    moved = 1
    if how == "merge":
        followers = (await session.exec(select(Report).where(Report.primary_case_id == report.id))).all()
        for follower in followers:
            follower.primary_case_id = primary.id
            session.add(follower)
        moved = report.reporters
        report.status = "merged"
    else:
        report.status = "linked"
    report.primary_case_id = primary.id
    report.duplicate_reason = reason[:300]
    report.reporters = 1
    session.add(report)
    await session.exec(update(Report).where(Report.id == primary.id).values(reporters=Report.reporters + moved))
    await session.refresh(primary, ["reporters"])
    event = CaseDuplicateLinked(
        case_id=primary.id, jurisdiction=primary.jurisdiction, actor=actor.actor(), report_id=report.id,
        reporter_id=report.reporter_id, channel=report.channel, reporters=primary.reporters, how=how, reason=reason,  # type: ignore[arg-type]
    )
    event_id = emit(session, event)
    add_own_timeline(session, primary, event, event_id, status=primary.status,
                     summary=joined_summary(reason, primary.reporters))


def add_own_timeline(session: AsyncSession, report: Report, event: Event, event_id: str, *, status: str, summary: str) -> None:
    session.add(TimelineEntry(**timeline_row(report.id, event, event_id, status=status, summary=summary)))


def _channel(body: ReportCreate, reporter: Principal) -> str:
    allowed = ALLOWED_CHANNELS.get(reporter.role, set())
    if body.channel is None:
        return DEFAULT_CHANNEL.get(reporter.role, "external")
    if body.channel not in allowed:
        names = ", ".join(sorted(allowed)) or "none"
        raise InvalidInput(f"role {reporter.role.value} may not report through channel {body.channel!r} "
                           f"(allowed: {names})", field="channel")
    return body.channel


async def _place(session: AsyncSession, body: ReportCreate, grids: GridIndex, *, jurisdiction: str) -> Place:
    """Resolve the report's place: household, address, point or grid (several given must agree)."""
    household = None
    if body.household_id is not None:
        household = await session.get(Household, body.household_id)
        if household is None or household.jurisdiction != jurisdiction:
            raise InvalidInput(f"unknown household {body.household_id!r}", field="household_id")
    if body.address is not None:
        address = " ".join(body.address.split())
        found = (await session.exec(select(Household).where(Household.jurisdiction == jurisdiction,
                                                            Household.address == address).limit(2))).all()
        if not found:
            raise InvalidInput(f"unknown address {address!r}: give a registered address exactly, or a location",
                               field="address")
        if household is not None and household.id != found[0].id:
            raise InvalidInput(f"address {address!r} is not the address of household {household.id}", field="address")
        household = household or found[0]
    if household is not None:
        if body.location is not None:
            raise InvalidInput("give a household or address, or a location, not both", field="location")
        if body.grid is not None and body.grid != household.grid:
            raise InvalidInput(f"household {household.id} is in grid {household.grid}, not in the given grid {body.grid}",
                               field="grid")
        return Place(household.grid, household.community, household.lat, household.lon, household)
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
        return Place(hit.code, hit.community, body.location.lat, body.location.lon)
    community = grids.community_of(body.grid or "")
    if community is None:
        raise InvalidInput(f"unknown grid code {body.grid!r}", field="grid")
    return Place(body.grid, community)  # type: ignore[arg-type]


async def _reporter(session: AsyncSession, body: ReportCreate, reporter: Principal) -> tuple[str | None, Resident | None]:
    """Who reported: a resident reports as themselves; others name a registered resident or a name and phone."""
    given = body.reporter.resident_id if body.reporter else None
    if reporter.role == Role.resident:
        if given is not None and given != reporter.subject:
            raise InvalidInput(f"a resident reports as themselves ({reporter.subject}), not as {given!r}",
                               field="reporter.resident_id")
        resident = await session.get(Resident, reporter.subject)
        return reporter.subject, resident
    if given is None:
        return None, None
    resident = await session.get(Resident, given)
    if resident is None or resident.jurisdiction != reporter.jurisdiction:
        raise InvalidInput(f"unknown resident {given!r}", field="reporter.resident_id")
    return resident.id, resident


async def _attachments(session: AsyncSession, body: ReportCreate, reporter: Principal) -> list[Attachment]:
    found: list[Attachment] = []
    for attachment_id in body.attachments:
        attachment = await session.get(Attachment, attachment_id)
        if attachment is None or attachment.jurisdiction != reporter.jurisdiction or attachment.kind != "photo":
            raise InvalidInput(f"unknown attachment {attachment_id}", field="attachments")
        if attachment.uploaded_by != reporter.subject:
            raise InvalidInput(f"attachment {attachment_id} was uploaded by someone else", field="attachments")
        if attachment.case_id is not None:
            raise InvalidInput(f"attachment {attachment_id} already belongs to another report", field="attachments")
        found.append(attachment)
    return found


async def accepted_answer(session: AsyncSession, report: Report) -> ReportAccepted:
    case = report
    if report.primary_case_id is not None:
        case = (await session.exec(select(Report).where(Report.id == report.primary_case_id))).one()
    return ReportAccepted(
        case_id=case.id, case_number=case.case_number or "", grid=case.grid, community=case.community,
        status=case.status, report_id=report.id,
        duplicate_of=case.id if report.primary_case_id is not None else None, reporters=case.reporters,
    )


async def find_report(session: AsyncSession, report_id: uuid.UUID, jurisdiction: str) -> Report:
    report = (await session.exec(select(Report).where(Report.id == report_id))).first()
    if report is None or report.jurisdiction != jurisdiction:
        raise ReportNotFound(f"no report {report_id}")
    return report


async def get_report(*, session: AsyncSession, case_id: uuid.UUID, reader: Principal) -> tuple[Report, Report]:
    """The case a reader may see through ``case_id`` and the reader's own report (a linked one
    leads to its primary case). Returns (case, report asked for)."""
    asked = await find_report(session, case_id, reader.jurisdiction)
    case = asked
    if asked.primary_case_id is not None:
        case = await find_report(session, asked.primary_case_id, reader.jurisdiction)
    if reader.role == Role.resident:
        reporters = {asked.reporter_id, case.reporter_id}
        if reader.subject not in reporters:
            follower = (await session.exec(select(Report.id).where(Report.primary_case_id == case.id,
                                                                   Report.reporter_id == reader.subject))).first()
            if follower is None:
                raise Forbidden("a resident sees only their own reports")
    if reader.role == Role.grid_member and reader.grid and case.grid != reader.grid:
        raise Forbidden(f"this report is in grid {case.grid}, not in your grid {reader.grid}")
    if reader.role == Role.dept_staff and case.department != reader.department:
        raise Forbidden(f"this case is handled by department {case.department or '(none yet)'}, "
                        f"not by your department {reader.department}")
    if reader.role == Role.mediator:
        raise Forbidden("mediators see disputes through mediation")
    return case, asked


async def linked_reports(session: AsyncSession, case: Report) -> list[Report]:
    return list((await session.exec(select(Report).where(Report.primary_case_id == case.id)
                                    .order_by(col(Report.reported_at)))).all())


async def record_case_events(*, session: AsyncSession, events: list[Event], envelopes: list[Envelope],
                             catalog: Catalog) -> None:
    """Add other services' events to their cases' timelines and move each reporter's view on: one
    read of the batch's cases, one multi-row insert, one update of the changed cases."""
    connection = await session.connection()
    cases = {row.id: dict(row._mapping) for row in await connection.execute(
        select(REPORT.c.id, REPORT.c.status, REPORT.c.department, REPORT.c.expected_at, REPORT.c.resolved_at,
               REPORT.c.status_at).where(among(connection, REPORT.c.id, {e.case_id for e in events})))}
    timeline: list[dict[str, Any]] = []
    changed: dict[uuid.UUID, dict[str, Any]] = {}
    for event, envelope in zip(events, envelopes):
        case = cases.get(event.case_id)
        if case is None:
            continue  # not a case of this intake (another jurisdiction's deployment)
        status = STATUS_BY_EVENT.get(event.type, case["status"])
        department = event.value_of("department") or case["department"]
        timeline.append({"case_id": case["id"], "event_id": envelope.id, "event_type": event.type,
                         "occurred_at": event.occurred_at, "status": status,
                         "summary": describe(status, department=catalog.department_name(department), event=event),
                         "data": json.loads(event.model_dump_json())})
        # The feedback window counts from the latest resolution (or the closure, when nothing was resolved).
        if status == "resolved" or (status == "closed" and case["resolved_at"] is None):
            case["resolved_at"] = event.occurred_at
            changed[case["id"]] = case
        # Events from different topics may arrive out of order: the latest one sets the status.
        if event.occurred_at >= case["status_at"] and case["status"] != "merged":
            case.update(status=status, department=department, status_at=event.occurred_at,
                        expected_at=event.value_of("deadline_at") or case["expected_at"])
            changed[case["id"]] = case
    if timeline:
        await insert_rows_async(connection, TimelineEntry.__table__, timeline)  # type: ignore[arg-type]
    await update_rows_async(connection, REPORT, list(changed.values()), key="id")
