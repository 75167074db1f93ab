"""Work queues: a department's queue (its cases only), the dispatcher's triage queue, the overdue list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from onegrid_runtime.auth import Principal, Role
from sqlalchemy import case as when
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.models import Case, CaseAction, CaseActionPublic, CasePage, CasePublic

Sort = Literal["urgency", "deadline", "reported", "-reported"]
# Where a case is not (or no longer) a department's work.
NOT_DEPARTMENT_WORK = ("registered", "triage", "return_requested", "in_mediation", "void")
TRIAGE_STATES = ("triage", "return_requested")
OPEN_WITH_CLOCK = ("dispatched", "accepted", "on_hold")


def _order(sort: Sort):
    deadline_nulls_last = when((col(Case.deadline_at).is_(None), 1), else_=0)
    if sort == "deadline":
        return [deadline_nulls_last, col(Case.deadline_at), col(Case.reported_at)]
    if sort == "reported":
        return [col(Case.reported_at)]
    if sort == "-reported":
        return [col(Case.reported_at).desc()]
    # urgency: urgent first (they jump the queue), then overdue escalation level, then the earliest deadline
    return [col(Case.urgent).desc(), col(Case.escalation_level).desc(), deadline_nulls_last, col(Case.deadline_at),
            col(Case.reported_at)]


async def _page(session: AsyncSession, query, sort: Sort, limit: int, offset: int) -> CasePage:
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (await session.exec(query.order_by(*_order(sort), col(Case.id)).offset(offset).limit(limit))).all()
    return CasePage(items=[CasePublic.model_validate(r, from_attributes=True) for r in rows], total=total,
                    limit=limit, offset=offset)


async def list_cases(*, session: AsyncSession, reader: Principal, status: list[str] | None, department: str | None,
                     grid: str | None, community: str | None, category: str | None, urgent: bool | None,
                     overdue: bool | None, sort: Sort, limit: int, offset: int) -> CasePage:
    """The department's queue (staff see only their department's work), or any list for the dispatcher."""
    query = select(Case).where(Case.jurisdiction == reader.jurisdiction)
    if reader.role == Role.dept_staff:
        department = reader.department
        query = query.where(col(Case.status).not_in(NOT_DEPARTMENT_WORK))
    if reader.role == Role.grid_member:
        grid = reader.grid
    for column, value in ((Case.department, department), (Case.grid, grid), (Case.community, community),
                          (Case.category, category)):
        if value:
            query = query.where(column == value)
    if status:
        query = query.where(col(Case.status).in_(status))
    if urgent is not None:
        query = query.where(Case.urgent == urgent)
    if overdue is not None:
        now = datetime.now(UTC)
        is_overdue = (col(Case.status).in_(OPEN_WITH_CLOCK)) & (col(Case.deadline_at) < now)
        query = query.where(is_overdue if overdue else ~is_overdue)
    return await _page(session, query, sort, limit, offset)


async def triage_queue(*, session: AsyncSession, reader: Principal, limit: int, offset: int) -> CasePage:
    """Cases waiting for the dispatcher: not routed with confidence, returned, or bounced between departments."""
    query = select(Case).where(Case.jurisdiction == reader.jurisdiction, col(Case.status).in_(TRIAGE_STATES))
    return await _page(session, query, "urgency", limit, offset)


async def overdue_list(*, session: AsyncSession, reader: Principal, department: str | None, limit: int,
                       offset: int) -> CasePage:
    """Open cases past their deadline, most overdue first (staff: their department's only)."""
    now = datetime.now(UTC)
    query = select(Case).where(Case.jurisdiction == reader.jurisdiction, col(Case.status).in_(OPEN_WITH_CLOCK),
                               col(Case.deadline_at) < now)
    if reader.role == Role.dept_staff:
        department = reader.department
    if department:
        query = query.where(Case.department == department)
    return await _page(session, query, "deadline", limit, offset)


async def case_actions(*, session: AsyncSession, case_id: uuid.UUID) -> list[CaseActionPublic]:
    rows = (await session.exec(select(CaseAction).where(CaseAction.case_id == case_id)
                               .order_by(col(CaseAction.at), col(CaseAction.id)))).all()
    return [CaseActionPublic.model_validate(r, from_attributes=True) for r in rows]
