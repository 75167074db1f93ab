"""Deadlines, warnings and escalation (督办), and the timer loop that fires them.

The policy is data (``deadlines.yaml``): a time limit per category and priority, in working
hours (counted on the working calendar) or, for urgent cases, clock hours. The clock starts at
dispatch. At ``warning_fraction`` of the time a warning is emitted; once overdue the case is
escalated level by level (department head, dispatcher, town leadership), each an event.

Timers are rows, not memory: every case keeps ``next_timer_at``, the moment its next timer is
due. The loop of every replica claims due cases with ``SELECT ... FOR UPDATE SKIP LOCKED`` and
fires only what the case's own state says has not fired yet (``warned_at``,
``escalation_level``), in the same transaction as the events. Two replicas therefore never
fire the same timer twice, and a restart resumes from the table.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from fastapi import FastAPI
from onegrid_contracts.events import Actor, CaseDeadlineWarning, CaseEscalated
from onegrid_runtime.aio import stopping
from onegrid_runtime.outbox import emit
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.calendar import WorkingCalendar
from dispatch.models import Case, CaseAction

log = logging.getLogger("dispatch.deadlines")
DEFAULT_FILE = Path(__file__).with_name("deadlines.yaml")
TIMER = Actor(role="system", id="dispatch-timer")
# States in which the department's clock runs (on_hold: only the hold's own end is timed).
CLOCK_RUNNING = frozenset({"dispatched", "accepted"})


@dataclass(frozen=True)
class Limit:
    minutes: float
    clock: str  # "working" | "clock"


@dataclass(frozen=True)
class EscalationLevel:
    level: int
    to: str
    after_minutes: float


@dataclass(frozen=True)
class DeadlinePolicy:
    default: dict[str, Limit]
    categories: dict[str, dict[str, Limit]] = field(default_factory=dict)
    warning_fraction: float = 0.8
    escalation: tuple[EscalationLevel, ...] = ()
    dispatch_target: dict[str, Limit] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str | None = None) -> DeadlinePolicy:
        with open(path or DEFAULT_FILE, encoding="utf-8") as f:
            return cls.from_dict(yaml.safe_load(f) or {})

    @classmethod
    def from_dict(cls, data: dict) -> DeadlinePolicy:
        default = {p: _limit(v, f"default.{p}") for p, v in (data.get("default") or {}).items()}
        for priority in ("normal", "urgent"):
            if priority not in default:
                raise ValueError(f"deadlines: default.{priority} is missing")
        categories = {code: {p: _limit(v, f"categories.{code}.{p}") for p, v in (rules or {}).items()}
                      for code, rules in (data.get("categories") or {}).items()}
        levels = tuple(sorted((EscalationLevel(int(e["level"]), str(e["to"]), float(e.get("after_hours", 0)) * 60)
                               for e in data.get("escalation") or []), key=lambda e: e.level))
        fraction = float(data.get("warning_fraction", 0.8))
        if not 0 < fraction < 1:
            raise ValueError("deadlines: warning_fraction must be between 0 and 1")
        target = {p: _limit(v, f"dispatch_target.{p}") for p, v in (data.get("dispatch_target") or {}).items()}
        return cls(default=default, categories=categories, warning_fraction=fraction, escalation=levels,
                   dispatch_target=target)

    def limit_for(self, *, category: str | None, urgent: bool) -> Limit:
        priority = "urgent" if urgent else "normal"
        return self.categories.get(category or "", {}).get(priority) or self.default[priority]


def _limit(value: dict, where: str) -> Limit:
    if not isinstance(value, dict) or not ({"working_hours", "clock_hours"} & value.keys()):
        raise ValueError(f"deadlines: {where} needs working_hours or clock_hours")
    if "clock_hours" in value:
        return Limit(float(value["clock_hours"]) * 60, "clock")
    return Limit(float(value["working_hours"]) * 60, "working")


@dataclass(frozen=True)
class Clock:
    """The policy and the calendar together: all deadline arithmetic of a case."""

    policy: DeadlinePolicy
    calendar: WorkingCalendar

    def add(self, start: datetime, minutes: float, kind: str) -> datetime:
        return start + timedelta(minutes=minutes) if kind == "clock" else self.calendar.add(start, minutes)

    def between(self, start: datetime, end: datetime, kind: str) -> float:
        return (end - start).total_seconds() / 60 if kind == "clock" else self.calendar.between(start, end)

    def start(self, case: Case, now: datetime) -> None:
        """The clock starts at dispatch: set the deadline, the warning and the timers."""
        limit = self.policy.limit_for(category=case.category, urgent=case.urgent)
        case.deadline_clock = limit.clock
        case.deadline_at = self.add(now, limit.minutes, limit.clock)
        case.warned_at = None
        case.escalation_level = 0
        self.reschedule(case)

    def dispatched_on_time(self, case: Case, at: datetime) -> bool:
        """Was the first dispatch within the dispatch target (KPI on-time dispatch)?"""
        target = self.policy.dispatch_target.get("urgent" if case.urgent else "normal")
        if target is None:
            return True
        return at <= self.add(case.reported_at, target.minutes, target.clock)

    def move_deadline(self, case: Case, minutes: float) -> None:
        """An approved delay or the end of a hold moves the deadline by ``minutes`` of its kind of time."""
        assert case.deadline_at is not None
        case.deadline_at = self.add(case.deadline_at, minutes, case.deadline_clock)
        self.reschedule(case)

    def reschedule(self, case: Case) -> None:
        """Recompute the warning moment and ``next_timer_at`` from the case's state."""
        if case.deadline_at is not None and case.dispatched_at is not None:
            total = self.between(case.dispatched_at, case.deadline_at, case.deadline_clock)
            case.warn_at = self.add(case.dispatched_at, max(total, 0) * self.policy.warning_fraction, case.deadline_clock)
        case.next_timer_at = self.next_timer(case)

    def escalation_due(self, case: Case, level: EscalationLevel) -> datetime:
        assert case.deadline_at is not None
        return self.add(case.deadline_at, level.after_minutes, case.deadline_clock) + (
            timedelta(microseconds=1) if level.after_minutes == 0 else timedelta(0))

    def next_timer(self, case: Case) -> datetime | None:
        if case.status == "on_hold":
            return case.hold_until
        if case.status not in CLOCK_RUNNING or case.deadline_at is None:
            return None
        due = []
        if case.warned_at is None and case.warn_at is not None and case.escalation_level == 0:
            due.append(case.warn_at)
        pending = [lvl for lvl in self.policy.escalation if lvl.level > case.escalation_level]
        if pending:
            due.append(self.escalation_due(case, pending[0]))
        return min(due) if due else None

    def fire(self, session: AsyncSession, case: Case, now: datetime) -> list[str]:
        """Fire every timer of ``case`` that is due at ``now`` and has not fired; return what fired."""
        fired: list[str] = []
        if case.status in CLOCK_RUNNING and case.deadline_at is not None:
            department = case.department or ""
            common = {"case_id": case.id, "jurisdiction": case.jurisdiction, "actor": TIMER}
            if (case.warned_at is None and case.escalation_level == 0 and case.warn_at is not None
                    and case.warn_at <= now < case.deadline_at):
                case.warned_at = now
                _log(session, case, "deadline_warning", f"{self.policy.warning_fraction:.0%} of the time used")
                emit(session, CaseDeadlineWarning(**common, department=department, deadline_at=case.deadline_at,
                                                  elapsed_fraction=self.policy.warning_fraction))
                fired.append("warning")
            for level in self.policy.escalation:
                if level.level <= case.escalation_level or self.escalation_due(case, level) > now:
                    continue
                case.escalation_level = level.level
                case.overdue_at = case.overdue_at or case.deadline_at
                overdue = round(self.between(case.deadline_at, now, case.deadline_clock) / 60, 2)
                _log(session, case, "escalate", f"level {level.level}: {level.to}")
                emit(session, CaseEscalated(**common, level=level.level, to=level.to, department=department,  # type: ignore[arg-type]
                                            deadline_at=case.deadline_at, overdue_working_hours=overdue))
                fired.append(f"escalation:{level.level}")
        case.next_timer_at = self.next_timer(case)
        session.add(case)
        return fired


def _log(session: AsyncSession, case: Case, action: str, note: str) -> None:
    session.add(CaseAction(case_id=case.id, action=action, from_status=case.status, to_status=case.status,
                           actor_role=TIMER.role, actor_id=TIMER.id, note=note))


async def fire_due_timers(*, session: AsyncSession, clock: Clock, now: datetime | None = None,
                          batch: int = 100) -> dict[str, list[str]]:
    """Claim the cases whose timers are due (rows locked, others' claims skipped) and fire them."""
    from dispatch.extensions import resume_after_hold  # the end of a hold is a lifecycle transition

    now = now or datetime.now(UTC)
    query = (select(Case).where(col(Case.next_timer_at).is_not(None), col(Case.next_timer_at) <= now)
             .order_by(col(Case.next_timer_at)).limit(batch).with_for_update(skip_locked=True))
    fired: dict[str, list[str]] = {}
    for case in (await session.exec(query)).all():
        if case.status == "on_hold":
            if case.hold_until is not None and case.hold_until <= now:
                resume_after_hold(session=session, case=case, clock=clock, actor=TIMER, now=now,
                                  note="hold period ended")
                fired[str(case.id)] = ["resume"]
            else:
                case.next_timer_at = clock.next_timer(case)
                session.add(case)
            continue
        what = clock.fire(session, case, now)
        if what:
            fired[str(case.id)] = what
    return fired


async def deadline_timer(app: FastAPI) -> None:
    """Background loop (one per replica): fire due timers every ``timer_poll_seconds``."""
    settings = app.state.settings
    clock: Clock = app.state.clock
    while True:
        try:
            while True:
                async with app.state.db.transaction() as session:
                    fired = await fire_due_timers(session=session, clock=clock)
                if len(fired) < 100:
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            if stopping():
                raise
            log.exception("deadline timer pass failed; retrying")
        await asyncio.sleep(settings.timer_poll_seconds)
