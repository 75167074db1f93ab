"""KPIs per department, grid, community and period (formulas in docs/ARCHITECTURE.md, dispatch block).

The population is the cases *reported* in the period [from, to) within the scope. Denominators:
  routed    = cases that reached a department (first dispatched at some time)
  workload  = routed cases + cases self-handled by the grid member
  resolved  = cases with a resolution by a department (not self-handled)
  closed    = workload cases now closed
  rated     = cases with a rating
A rate with an empty denominator is null, not zero.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from onegrid_runtime.auth import Principal, Role
from sqlalchemy import Float, and_, cast, or_
from sqlalchemy import case as when
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.errors import InvalidInput
from dispatch.models import Case, KpiRow, KpiTable

GroupBy = Literal["department", "grid", "community", "none"]


def _count(condition):
    return func.sum(when((condition, 1), else_=0))


async def kpis(*, session: AsyncSession, reader: Principal, group_by: GroupBy, department: str | None,
               grid: str | None, community: str | None, period_from: datetime | None,
               period_to: datetime | None) -> KpiTable:
    if period_from and period_to and period_from >= period_to:
        raise InvalidInput("from: the period must start before it ends", field="from")
    if reader.role == Role.dept_staff:
        department = reader.department
    if reader.role == Role.grid_member:
        grid = reader.grid
    now = datetime.now(UTC)
    routed = col(Case.first_dispatched_at).is_not(None)
    self_handled = col(Case.self_handled)
    workload = or_(routed, self_handled)
    resolved = and_(col(Case.resolved_at).is_not(None), ~self_handled)
    closed = and_(workload, Case.status == "closed")
    overdue = and_(routed, or_(col(Case.overdue_at).is_not(None),
                               and_(col(Case.resolved_at).is_not(None), col(Case.resolved_at) > col(Case.deadline_at)),
                               and_(col(Case.status).in_(("dispatched", "accepted", "on_hold")),
                                    col(Case.deadline_at) < now)))
    on_time_closed = and_(closed, or_(self_handled, col(Case.deadline_at).is_(None),
                                      col(Case.resolved_at) <= col(Case.deadline_at)))
    columns = {
        "reported": func.count(),
        "routed": _count(routed),
        "workload": _count(workload),
        "dispatched_on_time": _count(and_(routed, col(Case.dispatched_on_time))),
        "resolved": _count(resolved),
        "handled": _count(col(Case.resolved_at).is_not(None)),
        "closed": _count(closed),
        "closed_on_time": _count(on_time_closed),
        "reworked": _count(and_(resolved, Case.rework_count > 0)),
        "returned": _count(and_(routed, Case.return_count > 0)),
        "overdue": _count(overdue),
        "extended": _count(and_(routed, Case.extension_count > 0)),
        "self_handled": _count(self_handled),
        "rated": func.count(col(Case.rating)),
        "satisfied": _count(col(Case.rating) >= 4),
        "rating_sum": func.sum(cast(col(Case.rating), Float)),
    }
    group_column = {"department": Case.department, "grid": Case.grid, "community": Case.community}.get(group_by)
    query = select(*([group_column] if group_column is not None else []), *columns.values()).where(
        Case.jurisdiction == reader.jurisdiction)
    for column, value in ((Case.department, department), (Case.grid, grid), (Case.community, community)):
        if value:
            query = query.where(column == value)
    if period_from:
        query = query.where(col(Case.reported_at) >= period_from)
    if period_to:
        query = query.where(col(Case.reported_at) < period_to)
    if group_column is not None:
        query = query.group_by(group_column).order_by(group_column)
    rows = []
    for raw in (await session.exec(query)).all():  # type: ignore[call-overload]
        values = list(raw)
        key = values.pop(0) if group_column is not None else None
        counts = {name: int(v or 0) if name != "rating_sum" else float(v or 0) for name, v in zip(columns, values)}
        if counts["reported"] == 0:
            continue
        rows.append(_row(key, counts))
    return KpiTable(group_by=group_by, department=department, grid=grid, community=community,
                    period_from=period_from, period_to=period_to, rows=rows)


def _rate(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _row(key: str | None, c: dict[str, float]) -> KpiRow:
    return KpiRow(
        key=key, counts={k: v for k, v in c.items() if k != "rating_sum"},
        on_time_dispatch_rate=_rate(c["dispatched_on_time"], c["routed"]),
        handling_rate=_rate(c["handled"], c["workload"]),
        on_time_closure_rate=_rate(c["closed_on_time"], c["closed"]),
        closure_rate=_rate(c["closed"], c["workload"]),
        rework_rate=_rate(c["reworked"], c["resolved"]),
        return_rate=_rate(c["returned"], c["routed"]),
        overdue_rate=_rate(c["overdue"], c["routed"]),
        delay_rate=_rate(c["extended"], c["routed"]),
        satisfaction=_rate(c["rating_sum"], c["rated"]),
        satisfied_rate=_rate(c["satisfied"], c["rated"]),
        self_handled_rate=_rate(c["self_handled"], c["workload"]),
    )
