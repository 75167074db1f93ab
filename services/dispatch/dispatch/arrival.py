"""Arrival of reported cases, a fetched batch at a time: dispatch's hot path.

The consumer hands over every consecutive ``case.reported`` of a fetched batch at once
(``handlers.on(CaseReported, batch=True)``). For the whole batch: one query for the case ids
already known, the active routing model resolved once, each new case routed in plain Python
(mediation, the rules, the learned model, else triage: the same decisions as one at a time),
then one multi-row insert for the cases and one for their ``case_action`` rows. Each case's
events go through ``emit`` in the same order as before (``case.mediation_requested``, or
``case.dispatched``, or ``case.triaged``).

No SQLModel table object is built here (their construction, with pydantic's default-factory
handling, was a large share of the CPU): a case being registered is a ``CaseDraft``, plain
attributes named after the columns of ``case``, which the lifecycle's ``dispatch_to`` and the
deadline ``Clock`` read and set exactly as they do a ``Case``; its actions are collected by an
``ActionLog`` instead of ``lifecycle.log_action``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onegrid_contracts.catalog import Category
from onegrid_contracts.events import (
    Actor,
    CaseMediationRequested,
    CaseReported,
    CaseTriaged,
    RoutingCandidate,
    RoutingDecision,
)
from onegrid_runtime.db import among_parameter, select_rows, utcnow
from onegrid_runtime.outbox import emit, insert_at_commit
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.config import DispatchSettings
from dispatch.lifecycle import SYSTEM, dispatch_to
from dispatch.models import Case, CaseAction
from dispatch.routing import RoutingModel
from dispatch.routing_rules import RuleDecision
from dispatch.service import Toolkit, toolkit

CASE = Case.__table__
CASE_ACTION = CaseAction.__table__


def _column_defaults() -> dict[str, Any]:
    """Every column of ``case`` with its Python default (None where the event must give the value)."""
    defaults: dict[str, Any] = {}
    for column in CASE.columns:
        field = Case.model_fields[column.name]
        defaults[column.name] = None if field.is_required() else field.get_default(call_default_factory=True)
    return defaults


_DEFAULTS = _column_defaults()
_CONTAINERS = tuple(name for name, value in _DEFAULTS.items() if isinstance(value, (list, dict)))


class CaseDraft:
    """A case being registered: one plain attribute per column of ``case`` (``row()`` is the insert's dict)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(_DEFAULTS)
        for name in _CONTAINERS:  # a fresh list / dict per case, never the shared default
            self.__dict__[name] = type(_DEFAULTS[name])()
        self.__dict__.update(values)

    def row(self) -> dict[str, Any]:
        return self.__dict__


class ActionLog:
    """Collects a batch's ``case_action`` rows; called like ``lifecycle.log_action``."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.rows: list[dict[str, Any]] = []

    def __call__(self, session: AsyncSession, case: Any, action: str, to_status: str, actor: Actor,
                 note: str | None = None) -> None:
        self.rows.append({"case_id": case.id, "action": action, "from_status": case.status, "to_status": to_status,
                          "actor_role": actor.role, "actor_id": actor.id, "note": note, "at": self.now})
        case.status = to_status
        case.updated_at = self.now


KNOWN_CASES = select(CASE.c.id).where(among_parameter(CASE.c.id, "ids"))


async def register_cases(*, session: AsyncSession, events: list[CaseReported],
                         settings: DispatchSettings) -> list[CaseDraft]:
    """Register and route the new cases among ``events``; returns them in arrival order. A case already
    known, or repeated within ``events``, is registered once (its first report counts)."""
    reported: dict[uuid.UUID, CaseReported] = {}
    for event in events:
        reported.setdefault(event.case_id, event)
    if not reported:
        return []
    conn = await session.connection()
    known = {row.id for row in await select_rows(conn, KNOWN_CASES, ids=list(reported))}
    kit = toolkit(settings)
    log = ActionLog(utcnow())
    model: RoutingModel | None = None
    model_resolved = False
    cases: list[CaseDraft] = []
    for event in reported.values():
        if event.case_id in known:
            continue
        category = kit.catalog.categories.get(event.category or "")
        case = CaseDraft(
            id=event.case_id, case_number=event.case_number, jurisdiction=event.jurisdiction, category=event.category,
            description=event.description, grid=event.grid, community=event.community, priority=event.priority,
            urgent=event.priority == "urgent" or bool(category and category.urgent), status=None,
            reported_at=event.occurred_at, updated_at=log.now)
        log(session, case, "register", "registered", SYSTEM)
        cases.append(case)
        if category is not None and category.mediation:
            request_mediation(session=session, case=case, category=category, log=log)
            continue
        rule = kit.rules.decide(catalog=kit.catalog, category=case.category, community=case.community,
                                grid=case.grid, text=case.description)
        if rule.department is None and not model_resolved:  # once per batch, and only when the text decides
            model, model_resolved = await kit.models.active(session), True
        route(session=session, case=case, rule=rule, model=model, kit=kit, settings=settings, log=log)
    # Written with the batch's events as it commits (one statement): nothing reads them back before.
    insert_at_commit(session, CASE, [case.row() for case in cases])
    insert_at_commit(session, CASE_ACTION, log.rows)
    return cases


def request_mediation(*, session: AsyncSession, case: CaseDraft, category: Category, log: ActionLog) -> None:
    """A civil dispute: the mediation network takes it over."""
    log(session, case, "request_mediation", "in_mediation", SYSTEM, f"category {category.code} is a civil dispute")
    emit(session, CaseMediationRequested(
        case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM, case_number=case.case_number,
        category=case.category, description=case.description, grid=case.grid, community=case.community,
        escalation_risk=category.escalation_risk))


def route(*, session: AsyncSession, case: CaseDraft, rule: RuleDecision, model: RoutingModel | None, kit: Toolkit,
          settings: DispatchSettings, log: ActionLog) -> None:
    """The rules' decision first (overrides, then the catalog); free text by the model when it is confident
    enough; otherwise triage."""
    if rule.department is not None:
        case.urgent = case.urgent or rule.urgent
        decision = RoutingDecision(method="rule", rule_id=rule.rule_id, confidence=1.0)
        dispatch_to(session=session, case=case, department=rule.department, co_departments=list(rule.co_departments),
                    decision=decision, actor=SYSTEM, clock=kit.clock, log=log)
        return
    if model is None:  # no model stored yet (the cold-start one is trained when the service starts)
        case.routing = {"method": "none", "reason": "no routing model available"}
        log(session, case, "triage", "triage", SYSTEM, "no routing model")
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
                    decision=decision, actor=SYSTEM, clock=kit.clock, log=log)
        return
    case.routing = decision.model_dump(exclude_none=True)
    log(session, case, "triage", "triage", SYSTEM, decision.reason)
    emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM, routing=decision,
                              reason=f"not confident enough to route: {decision.reason}"))
