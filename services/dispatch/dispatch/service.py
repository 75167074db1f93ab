"""Dispatch's service logic from the other services' events: mediation outcomes, ratings, merges;
``toolkit(settings)`` (the data files routing and deadlines need). The arrival of reported cases
is in ``arrival.py``; the lifecycle's transitions in ``lifecycle.py``, ``returns.py`` and
``extensions.py``; deadlines in ``deadlines.py``; queues and KPIs in ``queues.py`` and ``kpis.py``.

Plain async functions; the request or message handler owns the transaction, so each state
change commits together with the event that announces it.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from onegrid_contracts.catalog import Catalog, load_catalog
from onegrid_contracts.events import (
    Actor,
    CaseClosed,
    CaseMerged,
    CaseRated,
    CaseTriaged,
    MediationConcluded,
    MediationPerformed,
    RoutingDecision,
)
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import among, insert_rows_async, update_rows_async, utcnow
from onegrid_runtime.outbox import emit
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.calendar import WorkingCalendar
from dispatch.config import DispatchSettings
from dispatch.deadlines import Clock, DeadlinePolicy
from dispatch.errors import CaseNotFound, Forbidden
from dispatch.learning import ModelCache
from dispatch.lifecycle import REOPENABLE_OUTCOMES, TRANSITIONS, dispatch_to, log_action, reopen, void
from dispatch.models import Case, CaseAction
from dispatch.routing_rules import RoutingRules

CASE = Case.__table__
RATER = Actor(role="system", id="intake")


@dataclass(frozen=True)
class Toolkit:
    """What routing and deadlines need, loaded once per configuration from the data files."""

    catalog: Catalog
    rules: RoutingRules
    clock: Clock
    models: ModelCache

    @property
    def self_handle_categories(self) -> set[str]:
        return {c.code for c in self.catalog.categories.values() if c.self_handle}


def toolkit(settings: DispatchSettings) -> Toolkit:
    return _toolkit(settings.calendar_file, settings.deadlines_file, settings.routing_rules_file, settings.timezone,
                    os.environ.get("ONEGRID_CATALOG_DIR"))


@lru_cache(maxsize=8)
def _toolkit(calendar_file, deadlines_file, rules_file, tz, _catalog_dir) -> Toolkit:
    catalog = load_catalog()
    clock = Clock(DeadlinePolicy.load(deadlines_file), WorkingCalendar.load(calendar_file, default_timezone=tz))
    return Toolkit(catalog=catalog, rules=RoutingRules.load(rules_file, catalog), clock=clock, models=ModelCache())


# -- mediation outcomes ----------------------------------------------------------------------------
# Where a case goes when mediation ends without agreement, by the route given to the parties.
TERMINATION_ROUTES = {"police": "D06"}


async def conclude_mediation(*, session: AsyncSession, event: MediationConcluded, settings: DispatchSettings) -> None:
    """Agreement: the case waits for the obligations to be honoured. Termination: route it on."""
    case = await session.get(Case, event.case_id)
    if case is None or case.status != "in_mediation":
        return
    actor = Actor(role="system", id="mediation", committee=event.committee)
    if event.outcome == "agreement":
        session.add(CaseAction(case_id=case.id, action="mediation_agreed", from_status=case.status,
                               to_status=case.status, actor_role=actor.role, actor_id=actor.id, note=event.summary))
        return
    department = TERMINATION_ROUTES.get(event.route or "")
    if department is not None:
        decision = RoutingDecision(method="rule", rule_id=f"mediation-route:{event.route}", confidence=1.0)
        dispatch_to(session=session, case=case, department=department, co_departments=[], decision=decision,
                    actor=actor, clock=toolkit(settings).clock)
    elif event.route in ("court", "arbitration"):
        case.closed_at = datetime.now(UTC)
        case.outcome = "referred"
        log_action(session, case, "close", "closed", actor, f"referred to {event.route}")
        emit(session, CaseClosed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, outcome="referred"))
    else:
        log_action(session, case, "triage", "triage", actor, f"mediation terminated, route {event.route}")
        emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                  reason=f"mediation terminated without agreement (route: {event.route})"))


async def record_mediation_performance(*, session: AsyncSession, event: MediationPerformed) -> None:
    """An honoured agreement closes the case; a broken one goes to the dispatcher."""
    case = await session.get(Case, event.case_id)
    if case is None or case.status != "in_mediation":
        return
    actor = Actor(role="system", id="mediation", committee=event.committee)
    if event.honoured:
        case.closed_at = datetime.now(UTC)
        case.outcome = "mediation_agreement"
        log_action(session, case, "close", "closed", actor, event.note or "agreement honoured")
        emit(session, CaseClosed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                 outcome="mediation_agreement"))
    else:
        log_action(session, case, "triage", "triage", actor, event.note or "agreement not honoured")
        emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                  reason=f"mediation agreement not honoured: {event.note or 'no note'}"))


# -- ratings ---------------------------------------------------------------------------------------
async def record_ratings(*, session: AsyncSession, events: list[CaseRated], settings: DispatchSettings) -> None:
    """Store the ratings of a fetched batch (one read, one multi-row update, one multi-row insert); a
    dissatisfied rating (reopen requested) reopens the case to its department through the lifecycle."""
    await session.flush()  # what earlier events of this transaction changed through the ORM must be read below
    conn = await session.connection()
    cases = {row.id: row for row in (await conn.execute(
        select(CASE.c.id, CASE.c.status, CASE.c.outcome, CASE.c.resolved_by, CASE.c.department, CASE.c.category)
        .where(among(conn, CASE.c.id, {e.case_id for e in events})))).all()}
    kit = toolkit(settings)
    now = utcnow()
    state = {case_id: (row.status, row.outcome) for case_id, row in cases.items()}
    ratings: dict[uuid.UUID, dict] = {}
    actions: list[dict] = []
    reopening: list[tuple[CaseRated, str]] = []
    for event in events:
        row = cases.get(event.case_id)
        if row is None:
            continue
        status, outcome = state[event.case_id]
        ratings[event.case_id] = {"id": event.case_id, "rating": event.rating, "rated_at": event.occurred_at}
        actions.append({"case_id": event.case_id, "action": "rate", "from_status": status, "to_status": status,
                        "actor_role": RATER.role, "actor_id": RATER.id,
                        "note": f"rating {event.rating}: {event.comment or ''}", "at": now})
        if not event.reopen_requested or status != "closed" or outcome not in REOPENABLE_OUTCOMES:
            continue
        department = row.resolved_by or row.department
        if department is None:  # self-handled without a department: the category's department takes it over
            entry = kit.catalog.categories.get(row.category or "")
            department = entry.department if entry else None
        if department is not None:
            reopening.append((event, department))
            state[event.case_id] = ("dispatched", None)
    if not actions:
        return
    await update_rows_async(conn, CASE, list(ratings.values()), key="id")
    await insert_rows_async(conn, CaseAction.__table__, actions)
    for event, department in reopening:  # rare: the ORM lifecycle, as from the dispatcher's REST route
        case = await session.get(Case, event.case_id, populate_existing=True)
        assert case is not None
        reopen(session=session, case=case, actor=RATER, role=Role.system, rating=event.rating, department=department,
               reason=f"dissatisfied rating {event.rating}" + (f": {event.comment}" if event.comment else ""),
               clock=kit.clock)


async def void_merged(*, session: AsyncSession, event: CaseMerged) -> None:
    """Intake merged this case into another by hand: an untouched duplicate is voided; one a
    department already accepted stays with it (the merge is only noted)."""
    case = await session.get(Case, event.case_id)
    if case is None or case.status in ("closed", "void"):
        return
    into = await session.get(Case, event.into_case_id)
    if into is None or case.status not in TRANSITIONS["void"].sources:
        session.add(CaseAction(case_id=case.id, action="merged", from_status=case.status, to_status=case.status,
                               actor_role="system", actor_id="intake", note=f"merged into {event.into_case_number}"))
        return
    merger = Principal(subject=f"intake:{event.actor.id if event.actor else 'merge'}", role=Role.dispatcher,
                       jurisdiction=case.jurisdiction)
    await void(session=session, case=case, dispatcher=merger, reason="duplicate", duplicate_of=into,
               note=f"merged into {event.into_case_number}")


# -- reading -----------------------------------------------------------------------------------
async def get_case(*, session: AsyncSession, case_id: uuid.UUID, reader: Principal, lock: bool = False) -> Case:
    case = await session.get(Case, case_id, with_for_update=lock)
    if case is None or case.jurisdiction != reader.jurisdiction:
        raise CaseNotFound(f"no case {case_id}")
    if reader.role == Role.dept_staff and reader.department not in {case.department, *case.co_departments}:
        raise Forbidden(f"case {case.case_number} is not in the queue of department {reader.department}")
    if reader.role == Role.grid_member and reader.grid != case.grid:
        raise Forbidden(f"case {case.case_number} is in grid {case.grid}, not in your grid {reader.grid}")
    return case
