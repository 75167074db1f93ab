"""Dispatch's service logic on arrival and from the other services' events: routing a reported
case (rules, then the learned model, else triage), mediation outcomes, ratings. The lifecycle's
transitions are in ``lifecycle.py``, ``returns.py`` and ``extensions.py``; deadlines in
``deadlines.py``; queues and KPIs in ``queues.py`` and ``kpis.py``.

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
    CaseMerged,
    Actor,
    CaseClosed,
    CaseMediationRequested,
    CaseRated,
    CaseReported,
    CaseTriaged,
    MediationConcluded,
    MediationPerformed,
    RoutingCandidate,
    RoutingDecision,
)
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.calendar import WorkingCalendar
from dispatch.config import DispatchSettings
from dispatch.deadlines import Clock, DeadlinePolicy
from dispatch.errors import CaseNotFound, Forbidden
from dispatch.learning import ModelCache
from dispatch.lifecycle import SYSTEM, TRANSITIONS, dispatch_to, log_action, reopen, void
from dispatch.models import Case, CaseAction
from dispatch.routing_rules import RoutingRules


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


# -- arrival -------------------------------------------------------------------------------------
async def register_case(*, session: AsyncSession, event: CaseReported, settings: DispatchSettings) -> Case | None:
    """A reported case arrives: to mediation, by the rules, by the learned model, or to triage."""
    if await session.get(Case, event.case_id) is not None:
        return None
    kit = toolkit(settings)
    category = kit.catalog.categories.get(event.category or "")
    case = Case(
        id=event.case_id, case_number=event.case_number, jurisdiction=event.jurisdiction, category=event.category,
        description=event.description, grid=event.grid, community=event.community, priority=event.priority,
        urgent=event.priority == "urgent" or bool(category and category.urgent), status="registered",
        reported_at=event.occurred_at,
    )
    session.add(case)
    session.add(CaseAction(case_id=case.id, action="register", to_status="registered", actor_role="system",
                           actor_id="dispatch"))
    # No flush here: the consumer applies a fetched batch in one transaction, and leaving the rows to
    # the commit lets the unit of work insert the whole batch's cases, actions and events in a few
    # multi-row statements instead of several round trips per case.
    if category is not None and category.mediation:
        log_action(session, case, "request_mediation", "in_mediation", SYSTEM,
                   f"category {category.code} is a civil dispute")
        emit(session, CaseMediationRequested(
            case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM, case_number=case.case_number,
            category=case.category, description=case.description, grid=case.grid, community=case.community,
            escalation_risk=category.escalation_risk))
        return case
    await route(session=session, case=case, kit=kit, settings=settings)
    return case


async def route(*, session: AsyncSession, case: Case, kit: Toolkit, settings: DispatchSettings) -> None:
    """Rules first (overrides, then the catalog); free text by the model when it is confident enough."""
    rule = kit.rules.decide(catalog=kit.catalog, category=case.category, community=case.community, grid=case.grid,
                            text=case.description)
    if rule.department is not None:
        case.urgent = case.urgent or rule.urgent
        decision = RoutingDecision(method="rule", rule_id=rule.rule_id, confidence=1.0)
        dispatch_to(session=session, case=case, department=rule.department, co_departments=list(rule.co_departments),
                    decision=decision, actor=SYSTEM, clock=kit.clock)
        return
    model = await kit.models.active(session)
    if model is None:  # no model stored yet (the cold-start one is trained when the service starts)
        case.routing = {"method": "none", "reason": "no routing model available"}
        log_action(session, case, "triage", "triage", SYSTEM, "no routing model")
        emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM,
                                  reason="no routing rule applies and no routing model is available"))
        return
    prediction = model.predict(case.description)
    threshold = settings.routing_confidence_threshold
    decision = RoutingDecision(
        method="model", model_version=prediction.model_version, confidence=prediction.confidence,
        candidates=[RoutingCandidate(department=c.department, score=c.score) for c in prediction.candidates],
        threshold=threshold, rule_id=rule.rule_id,
        reason=f"{'rule ' + rule.rule_id + ' leaves it to the model; ' if rule.rule_id else ''}"
               f"confidence {prediction.confidence:.3f} {'>=' if prediction.confidence >= threshold else '<'} "
               f"threshold {threshold:.3f}")
    if prediction.confidence >= threshold:
        dispatch_to(session=session, case=case, department=prediction.department, co_departments=[],
                    decision=decision, actor=SYSTEM, clock=kit.clock)
        return
    case.routing = decision.model_dump(exclude_none=True)
    log_action(session, case, "triage", "triage", SYSTEM, decision.reason)
    emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM, routing=decision,
                              reason=f"not confident enough to route: {decision.reason}"))


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
async def record_rating(*, session: AsyncSession, event: CaseRated, settings: DispatchSettings) -> None:
    """Store the rating; a dissatisfied one (reopen requested) reopens the case to its department."""
    case = await session.get(Case, event.case_id)
    if case is None:
        return
    case.rating, case.rated_at = event.rating, event.occurred_at
    session.add(case)
    actor = Actor(role="system", id="intake")
    session.add(CaseAction(case_id=case.id, action="rate", from_status=case.status, to_status=case.status,
                           actor_role=actor.role, actor_id=actor.id, note=f"rating {event.rating}: {event.comment or ''}"))
    if not event.reopen_requested or case.status != "closed" or case.outcome not in ("verified", "self_handled",
                                                                                        "closed_by_dispatcher"):
        return
    kit = toolkit(settings)
    department = case.resolved_by or case.department
    if department is None:  # self-handled without a department: the category's department takes it over
        entry = kit.catalog.categories.get(case.category or "")
        department = entry.department if entry else None
    if department is None:
        return
    reopen(session=session, case=case, actor=actor, role=Role.system, rating=event.rating, department=department,
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
