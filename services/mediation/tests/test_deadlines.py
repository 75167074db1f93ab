"""The time limit: warned before, escalated after, each exactly once with two app instances
(two timer loops) on one PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mediation.deadlines import tick
from mediation.main import build_app
from mediation.models import Dispute, DisputeEntry
from mediation_testkit import accepted, eventually, read_events
from onegrid_runtime.db import utcnow
from sqlmodel import func, select


async def _set_deadline(app, dispute_id: str, when) -> None:
    async with app.state.db.transaction() as s:
        row = (await s.exec(select(Dispute).where(Dispute.id == dispute_id))).one()
        row.deadline_at = when
        s.add(row)


async def _entries(app, dispute_id: str, kind: str) -> int:
    async with app.state.db.transaction() as s:
        return (await s.exec(select(func.count()).select_from(DisputeEntry).where(
            DisputeEntry.dispute_id == dispute_id, DisputeEntry.kind == kind))).one()


async def test_two_instances_warn_and_escalate_each_dispute_exactly_once(settings_for, make_database, start_service,
                                                                         kafka_bootstrap, topic_prefix):
    url = make_database("mediation")
    first = build_app(settings_for(url, timer_seconds=0.05))
    one = await start_service(first)
    second = build_app(settings_for(url, timer_seconds=0.05))
    await start_service(second)
    disputes = [await accepted(one) for _ in range(3)]
    far = disputes[2]["id"]  # 30 days away: neither warned nor escalated

    for d in disputes[:2]:
        await _set_deadline(first, d["id"], utcnow() + timedelta(days=2))
    # Both background loops run; hammer tick() from both instances at once as well.
    await asyncio.gather(*(tick(app.state.db, app.state.settings) for app in (first, second) for _ in range(5)))
    for d in disputes[:2]:
        await eventually(lambda d=d: _entries(first, d["id"], "deadline_warning"), lambda n: n >= 1, "the warning")
        await _set_deadline(first, d["id"], utcnow() - timedelta(minutes=1))
    await asyncio.gather(*(tick(app.state.db, app.state.settings) for app in (first, second) for _ in range(5)))
    for d in disputes[:2]:
        await eventually(lambda d=d: _entries(first, d["id"], "overdue"), lambda n: n >= 1, "the escalation")
    await asyncio.sleep(0.5)  # let both loops run a few more rounds

    for d in disputes[:2]:
        assert await _entries(first, d["id"], "deadline_warning") == 1
        assert await _entries(first, d["id"], "overdue") == 1
    assert await _entries(first, far, "deadline_warning") == 0

    def counted(events) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for t, e in events:
            if t.endswith(("deadline_warning", "overdue")):
                key = (str(e.dispute_id), t.rsplit(".", 1)[-1])
                out[key] = out.get(key, 0) + 1
        return out

    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: len(counted(e)) >= 4, timeout=10)
    await asyncio.sleep(0)
    assert counted(events) == {(d["id"], kind): 1 for d in disputes[:2] for kind in ("deadline_warning", "overdue")}
    overdue = next(e for t, e in events if t.endswith("overdue"))
    assert overdue.escalated_to == "HUB"
