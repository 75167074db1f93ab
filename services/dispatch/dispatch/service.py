"""Dispatch's service logic: routing on arrival and the case lifecycle.

Plain async functions; the request or message handler owns the transaction, so each state
change commits together with the event that announces it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from onegrid_contracts.catalog import Catalog
from onegrid_contracts.events import (
    Actor,
    CaseAccepted,
    CaseClosed,
    CaseDispatched,
    CaseMediationRequested,
    CaseReported,
    CaseResolved,
    CaseTriaged,
    CaseVerified,
    MediationConcluded,
    MediationPerformed,
    RoutingDecision,
)
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.config import DispatchSettings
from dispatch.errors import CaseNotFound, Forbidden, IllegalTransition
from dispatch.models import Case, CaseAction, CasePage, CasePublic

SYSTEM = Actor(role="system", id="dispatch")

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"dispatched"}), "accepted"),
    "resolve": (frozenset({"accepted"}), "resolved"),
    "verify": (frozenset({"resolved"}), "closed"),
}


def allowed_actions(status: str) -> list[str]:
    return sorted(action for action, (sources, _) in TRANSITIONS.items() if status in sources)


def _transition(case: Case, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        allowed = allowed_actions(case.status)
        raise IllegalTransition(
            f"cannot {action} a case that is {case.status}; allowed now: {', '.join(allowed) or 'nothing'}",
            current_status=case.status,
            allowed=allowed,
        )
    return target


def _log(session: AsyncSession, case: Case, action: str, to_status: str, actor: Actor, note: str | None = None) -> None:
    session.add(
        CaseAction(case_id=case.id, action=action, from_status=case.status, to_status=to_status,
                   actor_role=actor.role, actor_id=actor.id, note=note)
    )
    case.status = to_status
    case.updated_at = datetime.now(timezone.utc)
    session.add(case)


def deadline_for(*, start: datetime, urgent: bool, settings: DispatchSettings) -> datetime:
    if urgent:
        return start + timedelta(hours=settings.urgent_deadline_hours)
    return start + timedelta(days=settings.normal_deadline_days)


async def register_case(
    *, session: AsyncSession, event: CaseReported, catalog: Catalog, settings: DispatchSettings
) -> Case | None:
    """A reported case arrives: route it by the catalog, to mediation, or to triage."""
    if await session.get(Case, event.case_id) is not None:
        return None
    category = catalog.categories.get(event.category or "")
    case = Case(
        id=event.case_id, case_number=event.case_number, jurisdiction=event.jurisdiction, category=event.category,
        description=event.description, grid=event.grid, community=event.community, priority=event.priority,
        urgent=event.priority == "urgent" or bool(category and category.urgent), status="registered",
        reported_at=event.occurred_at,
    )
    session.add(case)
    session.add(CaseAction(case_id=case.id, action="register", to_status="registered", actor_role="system",
                           actor_id="dispatch"))
    await session.flush()
    common = dict(case_id=case.id, jurisdiction=case.jurisdiction, actor=SYSTEM)
    if category is not None and category.mediation:
        _log(session, case, "request_mediation", "in_mediation", SYSTEM, f"category {category.code} is a civil dispute")
        emit(session, CaseMediationRequested(
            **common, case_number=case.case_number, category=case.category, description=case.description,
            grid=case.grid, community=case.community, escalation_risk=category.escalation_risk))
    elif category is not None:
        decision = RoutingDecision(method="rule", rule_id=f"catalog:{category.code}", confidence=1.0)
        dispatch_to(session=session, case=case, department=category.department,
                    co_departments=list(category.co_departments), decision=decision, actor=SYSTEM, settings=settings)
    else:
        case.routing = {"method": "none", "reason": "free text without category"}
        _log(session, case, "triage", "triage", SYSTEM, "no category given")
        emit(session, CaseTriaged(**common, reason="no category given; waiting for the dispatcher"))
    return case


def dispatch_to(
    *, session: AsyncSession, case: Case, department: str, co_departments: list[str], decision: RoutingDecision,
    actor: Actor, settings: DispatchSettings,
) -> None:
    now = datetime.now(timezone.utc)
    case.department = department
    case.co_departments = co_departments
    case.routing = decision.model_dump(exclude_none=True)
    case.dispatched_at = now
    case.deadline_at = deadline_for(start=now, urgent=case.urgent, settings=settings)
    _log(session, case, "dispatch", "dispatched", actor, decision.rule_id or decision.model_version)
    emit(session, CaseDispatched(
        case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, department=department,
        co_departments=co_departments, deadline_at=case.deadline_at, urgent=case.urgent, routing=decision, hop=case.hop))


# Where a case goes when mediation ends without agreement, by the route given to the parties.
TERMINATION_ROUTES = {"police": "D06"}


async def conclude_mediation(
    *, session: AsyncSession, event: MediationConcluded, settings: DispatchSettings
) -> None:
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
                    actor=actor, settings=settings)
    elif event.route in ("court", "arbitration"):
        case.closed_at = datetime.now(timezone.utc)
        _log(session, case, "close", "closed", actor, f"referred to {event.route}")
        emit(session, CaseClosed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, outcome="referred"))
    else:
        _log(session, case, "triage", "triage", actor, f"mediation terminated, route {event.route}")
        emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                  reason=f"mediation terminated without agreement (route: {event.route})"))


async def record_mediation_performance(*, session: AsyncSession, event: MediationPerformed) -> None:
    """An honoured agreement closes the case; a broken one goes to the dispatcher."""
    case = await session.get(Case, event.case_id)
    if case is None or case.status != "in_mediation":
        return
    actor = Actor(role="system", id="mediation", committee=event.committee)
    if event.honoured:
        case.closed_at = datetime.now(timezone.utc)
        _log(session, case, "close", "closed", actor, event.note or "agreement honoured")
        emit(session, CaseClosed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                 outcome="mediation_agreement"))
    else:
        _log(session, case, "triage", "triage", actor, event.note or "agreement not honoured")
        emit(session, CaseTriaged(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                  reason=f"mediation agreement not honoured: {event.note or 'no note'}"))


async def get_case(*, session: AsyncSession, case_id: uuid.UUID, reader: Principal) -> Case:
    case = await session.get(Case, case_id)
    if case is None or case.jurisdiction != reader.jurisdiction:
        raise CaseNotFound(f"no case {case_id}")
    if reader.role == Role.dept_staff and reader.department not in {case.department, *case.co_departments}:
        raise Forbidden(f"case {case.case_number} is not in the queue of department {reader.department}")
    if reader.role == Role.grid_member and reader.grid != case.grid:
        raise Forbidden(f"case {case.case_number} is in grid {case.grid}, not in your grid {reader.grid}")
    return case


async def list_cases(
    *, session: AsyncSession, reader: Principal, status: str | None, department: str | None, limit: int, offset: int
) -> CasePage:
    query = select(Case).where(Case.jurisdiction == reader.jurisdiction)
    if reader.role == Role.dept_staff:
        department = reader.department
    if reader.role == Role.grid_member:
        query = query.where(Case.grid == reader.grid)
    if department:
        query = query.where(Case.department == department)
    if status:
        query = query.where(Case.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    # Urgent first, then by deadline: what must be done first is on top.
    rows = (await session.exec(
        query.order_by(Case.urgent.desc(), Case.deadline_at, Case.reported_at).offset(offset).limit(limit)  # type: ignore[attr-defined]
    )).all()
    return CasePage(items=[CasePublic.model_validate(r, from_attributes=True) for r in rows], total=total)


async def accept_case(*, session: AsyncSession, case: Case, staff: Principal) -> Case:
    _own_department(case, staff)
    target = _transition(case, "accept")
    case.accepted_at = datetime.now(timezone.utc)
    actor = Actor(**staff.actor())
    _log(session, case, "accept", target, actor)
    emit(session, CaseAccepted(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, department=case.department or ""))
    return case


async def resolve_case(*, session: AsyncSession, case: Case, staff: Principal, note: str, evidence_urls: list[str]) -> Case:
    _own_department(case, staff)
    target = _transition(case, "resolve")
    case.resolved_at = datetime.now(timezone.utc)
    actor = Actor(**staff.actor())
    _log(session, case, "resolve", target, actor, note)
    emit(session, CaseResolved(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                               department=case.department or "", note=note, evidence_urls=evidence_urls))
    return case


async def verify_case(*, session: AsyncSession, case: Case, member: Principal, note: str | None) -> Case:
    if member.role == Role.grid_member and member.grid != case.grid:
        raise Forbidden(f"only the grid member of {case.grid} verifies this case")
    target = _transition(case, "verify")
    actor = Actor(**member.actor())
    case.closed_at = datetime.now(timezone.utc)
    _log(session, case, "verify", target, actor, note)
    common = dict(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor)
    emit(session, CaseVerified(**common, note=note))
    emit(session, CaseClosed(**common, outcome="verified", department=case.department))
    return case


def _own_department(case: Case, staff: Principal) -> None:
    if staff.role == Role.dept_staff and staff.department != case.department:
        raise Forbidden(f"case {case.case_number} belongs to {case.department}, not to {staff.department}")
