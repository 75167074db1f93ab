"""Deadline arithmetic in working time (weekends, holidays, make-up working days, lunch breaks),
and the timers: warning at 80 %, escalation levels once overdue, each exactly once even with two
replicas on the same PostgreSQL database, and surviving a restart."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dispatch.calendar import WorkingCalendar
from dispatch.deadlines import DeadlinePolicy
from dispatch.main import build_app
from dispatch.models import Case, CaseAction
from dispatch_testkit import DISPATCHER, Town, settings_for, staff
from sqlalchemy import func, update
from sqlmodel import select

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar.load()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.parametrize(("start", "hours", "expected"), [
    ("2026-03-02 09:00", 2, "2026-03-02 11:00"),      # Monday morning, inside the first period
    ("2026-03-02 11:00", 2, "2026-03-02 14:30"),      # lunch 12:00-13:30 does not count
    ("2026-03-06 16:00", 4, "2026-03-09 10:30"),      # Friday afternoon -> Monday (weekend skipped)
    ("2026-03-07 10:00", 1, "2026-03-09 09:30"),      # reported on Saturday: starts Monday 08:30
    ("2026-03-02 20:00", 1, "2026-03-03 09:30"),      # evening: starts next morning
    ("2026-03-02 09:00", 40, "2026-03-09 09:00"),     # five working days
    ("2026-09-30 16:30", 1.5, "2026-09-30 18:00"),      # ends exactly at closing time
    ("2026-09-30 16:30", 2, "2026-10-08 09:00"),      # National Day week 1-7 Oct skipped
    ("2026-10-09 17:00", 2, "2026-10-10 09:30"),      # Saturday 10 Oct is a make-up working day
    ("2026-02-13 17:00", 8, "2026-02-14 17:00"),      # Saturday 14 Feb: make-up day before Spring Festival
    ("2026-02-14 17:00", 2, "2026-02-24 09:30"),      # Spring Festival 15-23 Feb skipped
    ("2026-04-03 15:30", 4, "2026-04-07 10:00"),      # Qingming Sat 4 - Mon 6 Apr
])
def test_adding_working_hours_skips_nights_lunch_weekends_and_holidays(start, hours, expected):
    assert CAL.add(at(start), hours * 60) == at(expected)
    assert CAL.between(at(start), at(expected)) == hours * 60


def test_between_is_the_inverse_of_add_over_random_starts():
    rng = random.Random(4)
    for _ in range(300):
        start = at("2026-01-01 00:00") + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        minutes = rng.randrange(0, 80 * 60)
        end = CAL.add(start, minutes)
        assert end >= start and round(CAL.between(start, end), 6) == minutes
        assert CAL.between(end, start) == -CAL.between(start, end)


def test_calendar_and_policy_data_are_checked():
    with pytest.raises(ValueError, match="25:00"):
        WorkingCalendar.from_dict({"working_hours": ["08:00-25:00"]})
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar.from_dict({"working_hours": ["08:00-12:00", "11:00-13:00"]})
    with pytest.raises(ValueError, match="2026-13-01"):
        WorkingCalendar.from_dict({"holidays": ["2026-13-01"]})
    with pytest.raises(ValueError, match="default.urgent"):
        DeadlinePolicy.from_dict({"default": {"normal": {"working_hours": 8}}})
    policy = DeadlinePolicy.load()
    assert policy.limit_for(category="C26", urgent=True).minutes == 120
    assert policy.limit_for(category="C26", urgent=False).clock == "working"
    assert policy.limit_for(category=None, urgent=True).clock == "clock"


async def test_urgent_cases_get_deadlines_in_hours_and_jump_the_queue(town: Town):
    normal = await town.report(category="C08")
    urgent = await town.report(category="C09", description="井盖没了，很危险")  # manhole missing: urgent category
    flagged = await town.report(category="C08", priority="urgent")
    for case, hours in ((urgent, 4), (flagged, 4)):
        assert case["urgent"] and case["deadline_clock"] == "clock"
        assert datetime.fromisoformat(case["deadline_at"]) - datetime.fromisoformat(case["dispatched_at"]) == timedelta(hours=hours)
    queue = (await town.client.get("/v1/cases", headers=staff("D11"))).json()
    assert [c["id"] for c in queue["items"]] == [urgent["id"], flagged["id"], normal["id"]]  # urgent first, then deadline


async def _age(app, case_ids, *, dispatched_ago: timedelta, deadline_ago: timedelta) -> None:
    """Move cases back in time: dispatched and due in the past, timers due now (clock time)."""
    now = datetime.now(UTC)
    async with app.state.db.transaction() as session:
        for case_id in case_ids:
            case = await session.get(Case, case_id)
            case.deadline_clock = "clock"
            case.dispatched_at = now - dispatched_ago
            case.deadline_at = now - deadline_ago
            app.state.clock.reschedule(case)
            session.add(case)


async def _actions(app, action: str) -> dict[str, int]:
    async with app.state.db.transaction() as session:
        rows = (await session.exec(select(CaseAction.case_id, func.count()).where(CaseAction.action == action)
                                   .group_by(CaseAction.case_id))).all()
    return {str(case_id): n for case_id, n in rows}


async def test_two_replicas_fire_each_warning_and_escalation_exactly_once(
        make_database, kafka_bootstrap, topic_prefix, start_service, producer):
    url = make_database("dispatch")
    first, second = (build_app(settings_for(url, kafka_bootstrap, topic_prefix, timer_poll_seconds=0.05)) for _ in range(2))
    client = await start_service(first)
    await start_service(second)
    town = Town(client, producer, topic_prefix, kafka_bootstrap)
    overdue = [(await town.report(category="C08"))["id"] for _ in range(12)]
    warned = [(await town.report(category="C08"))["id"] for _ in range(6)]
    # Overdue by 30 clock hours: all three levels (0, 8 and 24 hours after the deadline) are due.
    await _age(first, overdue, dispatched_ago=timedelta(hours=40), deadline_ago=timedelta(hours=30))
    # 90 % of the time used, not yet due: a warning and nothing else.
    await _age(first, warned, dispatched_ago=timedelta(hours=9), deadline_ago=-timedelta(hours=1))

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        fired = await _actions(first, "escalate")
        if fired == {c: 3 for c in overdue} and len(await _actions(first, "deadline_warning")) == len(warned):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # both loops keep running: nothing may fire again
    escalations, warnings = await _actions(first, "escalate"), await _actions(first, "deadline_warning")
    assert escalations == {c: 3 for c in overdue}
    assert warnings == {c: 1 for c in warned}
    async with first.state.db.transaction() as session:
        levels = (await session.exec(select(Case.escalation_level, Case.next_timer_at).where(Case.id.in_(overdue)))).all()
    assert set(levels) == {(3, None)}

    events = await town.events(overdue[0], until=lambda e: sum(t.endswith("escalated") for t, _ in e) >= 3)
    await asyncio.sleep(0.5)
    events = await town.events(overdue[0], until=lambda e: False, timeout=1.5)
    escalated = [d for t, d in events if t.endswith("escalated")]
    assert [(d["level"], d["to"]) for d in escalated] == [(1, "department_head"), (2, "dispatcher"), (3, "town_leadership")]
    assert escalated[0]["overdue_working_hours"] >= 30
    listed = (await client.get("/v1/overdue", headers=DISPATCHER)).json()
    assert {c["id"] for c in listed["items"]} == set(overdue)
    mine = (await client.get("/v1/overdue", headers=staff("D07"))).json()
    assert mine["total"] == 0


async def test_timers_survive_a_restart(make_database, kafka_bootstrap, topic_prefix, start_service, producer):
    url = make_database("dispatch")
    settings = settings_for(url, kafka_bootstrap, topic_prefix, timer_poll_seconds=0.05)
    before = build_app(settings)
    async with before.router.lifespan_context(before):
        import httpx
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=before), base_url="http://s") as client:
            case = await Town(client, producer, topic_prefix, kafka_bootstrap).report(category="C08")
    # While no replica runs, the deadline passes.
    async with before.state.db.transaction() as session:
        await session.exec(update(Case).where(Case.id == case["id"]).values(  # type: ignore[call-overload]
            next_timer_at=datetime.now(UTC) - timedelta(minutes=1),
            deadline_at=datetime.now(UTC) - timedelta(minutes=2), deadline_clock="clock"))
    after = build_app(settings)
    client = await start_service(after)
    town = Town(client, producer, topic_prefix, kafka_bootstrap)
    escalated = await town.wait(case["id"], lambda c: c["escalation_level"] == 1, timeout=10)
    assert escalated["overdue_at"] is not None and escalated["next_timer_at"] is not None  # level 2 is still to come
    assert [a["action"] for a in escalated["actions"]].count("escalate") == 1
