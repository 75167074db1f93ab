"""Statistics per committee, mediator and period (formulas in docs/ARCHITECTURE.md, mediation block).

Cohorts, for a period [from, to] of local dates in the town's time zone:
* received: disputes opened in the period;
* accepted: disputes accepted in the period — every rate below is over this cohort;
* red warnings and escalations to criminal cases: counted when they happened in the period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onegrid_runtime.auth import Principal, Role
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation.access import is_hub
from mediation.config import MediationSettings
from mediation.errors import Forbidden, InvalidInput
from mediation.forms import StatsPublic, StatsRow
from mediation.models import Dispute, DisputeEntry


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _row(key: str, disputes: list[Dispute], start: datetime, end: datetime, warnings: dict[str, int]) -> StatsRow:
    def within(value: datetime | None) -> bool:
        return value is not None and start <= value < end

    received = [d for d in disputes if within(d.opened_at)]
    cohort = [d for d in disputes if within(d.accepted_at)]
    agreements = [d for d in cohort if d.outcome == "agreement"]
    checked = [d for d in agreements if d.honoured is not None]
    honoured = [d for d in checked if d.honoured]
    concluded = [d for d in cohort if d.concluded_at is not None and d.accepted_at is not None]
    durations = [(d.concluded_at - d.accepted_at).total_seconds() / 86400 for d in concluded]  # type: ignore[operator]
    recurrences = [d for d in cohort if d.recurrence]
    followed = [d for d in agreements if d.followed_up_at is not None]
    return StatsRow(
        key=key, received=len(received), accepted=len(cohort), agreements=len(agreements),
        success_rate=_rate(len(agreements), len(cohort)),
        performance_checked=len(checked), honoured=len(honoured), performance_rate=_rate(len(honoured), len(checked)),
        judicial_confirmations=sum(1 for d in agreements if d.judicial_confirmation_at is not None),
        followed_up=len(followed), follow_up_rate=_rate(len(followed), len(agreements)),
        concluded=len(concluded),
        average_duration_days=round(sum(durations) / len(durations), 2) if durations else None,
        recurrences=len(recurrences), recurrence_rate=_rate(len(recurrences), len(cohort)),
        red_warnings=sum(warnings.get(str(d.id), 0) for d in disputes),
        escalated_to_criminal=sum(1 for d in disputes if within(d.criminal_at)),
    )


async def statistics(*, session: AsyncSession, reader: Principal, settings: MediationSettings, period_from: date,
                     period_to: date, group_by: str, committee: str | None) -> StatsPublic:
    if period_to < period_from:
        raise InvalidInput(f"to ({period_to}) is before from ({period_from})", field="to")
    if group_by not in ("committee", "mediator"):
        raise InvalidInput(f"group_by is committee or mediator, not {group_by}", field="group_by")
    if reader.role == Role.mediator and not is_hub(reader, settings):
        if committee not in (None, reader.committee):
            raise Forbidden(f"a mediator of {reader.committee} sees the statistics of their own committee")
        committee = reader.committee
    elif reader.role == Role.dept_staff and not is_hub(reader, settings):
        raise Forbidden(f"department {reader.department} does not read mediation statistics")
    tz = ZoneInfo(settings.timezone)
    start = datetime.combine(period_from, time.min, tz)
    end = datetime.combine(period_to + timedelta(days=1), time.min, tz)
    query = select(Dispute).where(Dispute.jurisdiction == reader.jurisdiction).where(or_(
        (col(Dispute.opened_at) >= start) & (col(Dispute.opened_at) < end),
        (col(Dispute.accepted_at) >= start) & (col(Dispute.accepted_at) < end),
        (col(Dispute.criminal_at) >= start) & (col(Dispute.criminal_at) < end)))
    if committee:
        query = query.where(Dispute.committee == committee)
    disputes = list((await session.exec(query)).all())
    warnings: dict[str, int] = defaultdict(int)
    if disputes:
        rows = (await session.exec(select(DisputeEntry.dispute_id).where(
            DisputeEntry.kind == "warning", col(DisputeEntry.at) >= start, col(DisputeEntry.at) < end,
            col(DisputeEntry.dispute_id).in_([d.id for d in disputes])))).all()
        for dispute_id in rows:
            warnings[str(dispute_id)] += 1
    key: Callable[[Dispute], str] = (lambda d: d.committee) if group_by == "committee" else (lambda d: d.mediator or "-")
    groups: dict[str, list[Dispute]] = defaultdict(list)
    for d in disputes:
        groups[key(d)].append(d)
    return StatsPublic(period_from=period_from, period_to=period_to, group_by=group_by,
                       total=_row("all", disputes, start, end, warnings),
                       rows=[_row(k, groups[k], start, end, warnings) for k in sorted(groups)])
