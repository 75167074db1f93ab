"""The case lifecycle (DESIGN.md §4): which action is allowed in which state and to whom, and the
transitions themselves. Each transition logs a ``case_action`` row and emits its event in the
caller's transaction. Delays, holds and progress notes are in ``extensions.py``.

    registered ─► dispatched ─► accepted ─► resolved ─► closed ─► (rated) ─► reopened ─► dispatched
        │             │  ▲          │  ▲        │
        ▼             ▼  │          ▼  │        └─► rework ─► accepted
      triage ◄── returned (next candidate, triage, or return_requested: dispatcher's ruling)
      void          on_hold (approved hold)   in_mediation ─► closed / referred / dispatched / triage
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from onegrid_contracts.events import (
    Actor,
    CaseAccepted,
    CaseClosed,
    CaseDispatched,
    CaseReopened,
    CaseResolved,
    CaseReworkRequested,
    CaseSelfHandled,
    CaseVerified,
    CaseVoided,
    RoutingDecision,
)
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.deadlines import Clock
from dispatch.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from dispatch.models import Case, CaseAction

SYSTEM = Actor(role="system", id="dispatch")
D, S, G, SYS = Role.dispatcher, Role.dept_staff, Role.grid_member, Role.system


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str  # the usual target; return and reopen decide at run time
    roles: frozenset[Role]


def _t(sources: set[str], target: str, *roles: Role) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles))


# action -> (states it may start from, state it leads to, roles that may take it). Admin may take any.
TRANSITIONS: dict[str, Transition] = {
    "dispatch": _t({"registered", "triage"}, "dispatched", D),
    "reassign": _t({"dispatched", "accepted", "on_hold"}, "dispatched", D),
    "accept": _t({"dispatched"}, "accepted", S),
    "return": _t({"dispatched", "accepted"}, "dispatched", S),
    "uphold_return": _t({"return_requested"}, "dispatched", D),
    "overrule_return": _t({"return_requested"}, "dispatched", D),
    "note": _t({"accepted", "on_hold"}, "accepted", S),
    "request_delay": _t({"accepted"}, "accepted", S),
    "request_hold": _t({"accepted"}, "accepted", S),
    "decide_extension": _t({"accepted"}, "accepted", D),
    "resume": _t({"on_hold"}, "accepted", S, D),
    "resolve": _t({"accepted"}, "resolved", S),
    "verify": _t({"resolved"}, "closed", G),
    "rework": _t({"resolved"}, "accepted", G),
    "close": _t({"resolved"}, "closed", D),
    "self_handle": _t({"registered", "triage", "dispatched"}, "closed", G),
    "void": _t({"registered", "triage", "dispatched", "return_requested"}, "void", D),
    "reopen": _t({"closed"}, "dispatched", D, SYS),
}


def allowed_actions(status: str, role: Role | str | None = None) -> list[str]:
    """Actions possible in ``status``; with ``role``, only those that role may take."""
    role = Role(role) if role else None
    return sorted(a for a, t in TRANSITIONS.items()
                  if status in t.sources and (role is None or role == Role.admin or role in t.roles))


def check(case: Case, action: str, role: Role | str | None = None) -> str:
    """Raise 409 naming the allowed actions when ``action`` is not possible now; return the target."""
    transition = TRANSITIONS[action]
    if case.status not in transition.sources:
        allowed = allowed_actions(case.status, role)
        raise IllegalTransition(
            f"cannot {action} a case that is {case.status}; allowed now: {', '.join(allowed) or 'nothing'}",
            current_status=case.status, allowed=allowed)
    return transition.target


def log_action(session: AsyncSession, case: Case, action: str, to_status: str, actor: Actor,
               note: str | None = None) -> None:
    session.add(CaseAction(case_id=case.id, action=action, from_status=case.status, to_status=to_status,
                           actor_role=actor.role, actor_id=actor.id, note=note))
    case.status = to_status
    case.updated_at = datetime.now(UTC)
    session.add(case)


# What records a transition: ``log_action`` (the ORM), or the arrival's batch ``ActionLog``.
ActionLogger = Callable[[AsyncSession, Any, str, str, Actor, str | None], None]


def actor_of(principal: Principal) -> Actor:
    return Actor(**principal.actor())


def own_department(case: Case, staff: Principal) -> None:
    if staff.role == Role.dept_staff and staff.department != case.department:
        raise Forbidden(f"case {case.case_number} belongs to {case.department}, not to {staff.department}")


def own_grid(case: Case, member: Principal) -> None:
    if member.role == Role.grid_member and member.grid != case.grid:
        raise Forbidden(f"only the grid member of {case.grid} may do this; you are the grid member of {member.grid}")


def require_evidence(evidence_urls: list[str], what: str) -> None:
    if not evidence_urls:
        raise InvalidInput(f"evidence_urls: {what} needs evidence (at least one photo or document URL)",
                           field="evidence_urls")


# -- dispatching -----------------------------------------------------------------------------------
def dispatch_to(*, session: AsyncSession, case: Case, department: str, co_departments: list[str],
                decision: RoutingDecision, actor: Actor, clock: Clock, action: str = "dispatch",
                reason: str | None = None, log: ActionLogger = log_action) -> None:
    """Send the case to ``department``; the deadline clock starts now. The arrival of a batch passes a
    ``CaseDraft`` and its own ``log`` (rows collected for one multi-row insert, see ``arrival.py``)."""
    now = datetime.now(UTC)
    previous = case.department if case.department != department or action in ("reopen", "overrule_return") else None
    case.department = department
    case.co_departments = co_departments
    case.routing = decision.model_dump(exclude_none=True)
    case.dispatched_at = now
    if case.first_dispatched_at is None:
        case.first_dispatched_at = now
        case.dispatched_on_time = clock.dispatched_on_time(case, now)
    if department not in case.tried_departments:
        case.tried_departments = [*case.tried_departments, department]
    case.hold_started_at = case.hold_until = None
    note = reason or decision.rule_id or (f"{decision.model_version} score {decision.confidence}"
                                          if decision.model_version else None)
    log(session, case, action, "dispatched", actor, note)
    clock.start(case, now)
    emit(session, CaseDispatched(
        case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, department=department,
        co_departments=co_departments, deadline_at=case.deadline_at, urgent=case.urgent, routing=decision,
        hop=case.hop, previous_department=previous, reason=reason))


def manual_decision(reason: str | None, case: Case) -> RoutingDecision:
    return RoutingDecision(method="manual", reason=reason, candidates=case.routing.get("candidates", []))


def dispatch_manually(*, session: AsyncSession, case: Case, dispatcher: Principal, department: str,
                      co_departments: list[str], note: str | None, clock: Clock) -> Case:
    check(case, "dispatch", dispatcher.role)
    dispatch_to(session=session, case=case, department=department, co_departments=co_departments,
                decision=manual_decision(note, case), actor=actor_of(dispatcher), clock=clock,
                reason=note or "dispatched by the dispatcher")
    return case


def reassign(*, session: AsyncSession, case: Case, dispatcher: Principal, department: str,
             co_departments: list[str], note: str, clock: Clock) -> Case:
    check(case, "reassign", dispatcher.role)
    if department == case.department:
        raise InvalidInput(f"department: the case is already with {department}", field="department")
    case.hop += 1
    dispatch_to(session=session, case=case, department=department, co_departments=co_departments,
                decision=manual_decision(note, case), actor=actor_of(dispatcher), clock=clock, action="reassign",
                reason=note)
    return case


def accept(*, session: AsyncSession, case: Case, staff: Principal) -> Case:
    target = check(case, "accept", staff.role)
    own_department(case, staff)
    case.accepted_at = case.accepted_at or datetime.now(UTC)
    actor = actor_of(staff)
    log_action(session, case, "accept", target, actor)
    emit(session, CaseAccepted(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                               department=case.department or ""))
    return case


# -- resolution and closure ------------------------------------------------------------------------
def resolve(*, session: AsyncSession, case: Case, staff: Principal, note: str, evidence_urls: list[str],
            clock: Clock) -> Case:
    target = check(case, "resolve", staff.role)
    own_department(case, staff)
    require_evidence(evidence_urls, "resolving a case")
    case.resolved_at = datetime.now(UTC)
    case.resolved_by = case.department
    actor = actor_of(staff)
    log_action(session, case, "resolve", target, actor, note)
    clock.reschedule(case)  # the clock stops: nothing to time while the grid member checks
    emit(session, CaseResolved(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                               department=case.department or "", note=note, evidence_urls=evidence_urls))
    return case


def _close(session: AsyncSession, case: Case, action: str, actor: Actor, outcome: str, note: str | None) -> None:
    case.closed_at = datetime.now(UTC)
    case.outcome = outcome
    case.next_timer_at = None
    log_action(session, case, action, "closed", actor, note)
    emit(session, CaseClosed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, outcome=outcome,  # type: ignore[arg-type]
                             department=case.resolved_by or case.department))


def verify(*, session: AsyncSession, case: Case, member: Principal, note: str | None) -> Case:
    own_grid(case, member)
    check(case, "verify", member.role)
    actor = actor_of(member)
    emit(session, CaseVerified(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, note=note))
    _close(session, case, "verify", actor, "verified", note)
    return case


def rework(*, session: AsyncSession, case: Case, member: Principal, note: str, clock: Clock) -> Case:
    own_grid(case, member)
    target = check(case, "rework", member.role)
    case.rework_count += 1
    actor = actor_of(member)
    log_action(session, case, "rework", target, actor, note)
    clock.reschedule(case)  # the department's clock runs again, against the same deadline
    emit(session, CaseReworkRequested(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                      department=case.department or "", note=note, rework_count=case.rework_count))
    return case


def close(*, session: AsyncSession, case: Case, dispatcher: Principal, note: str) -> Case:
    check(case, "close", dispatcher.role)
    _close(session, case, "close", actor_of(dispatcher), "closed_by_dispatcher", note)
    return case


def self_handle(*, session: AsyncSession, case: Case, member: Principal, note: str, evidence_urls: list[str],
                self_handle_categories: set[str]) -> Case:
    own_grid(case, member)
    check(case, "self_handle", member.role)
    if case.category not in self_handle_categories:
        raise Conflict(f"category {case.category or '(none)'} is not handled on the spot by the grid member; "
                       f"self-handle categories: {', '.join(sorted(self_handle_categories))}",
                       category=case.category)
    require_evidence(evidence_urls, "handling a case on the spot")
    now = datetime.now(UTC)
    case.self_handled = True
    case.resolved_at = now
    case.resolved_by = None  # no department handled it: not a training example
    actor = actor_of(member)
    emit(session, CaseSelfHandled(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, grid=case.grid,
                                  note=note, evidence_urls=evidence_urls))
    _close(session, case, "self_handle", actor, "self_handled", note)
    return case


async def void(*, session: AsyncSession, case: Case, dispatcher: Principal, reason: str,
               duplicate_of: Case | None, note: str | None) -> Case:
    target = check(case, "void", dispatcher.role)
    if reason == "duplicate":
        if duplicate_of is None:
            raise InvalidInput("duplicate_of: a duplicate names the case it duplicates", field="duplicate_of")
        if duplicate_of.id == case.id:
            raise InvalidInput("duplicate_of: a case cannot duplicate itself", field="duplicate_of")
    case.void_reason = reason
    case.duplicate_of = duplicate_of.id if duplicate_of else None
    case.outcome = "void"
    case.closed_at = datetime.now(UTC)
    case.next_timer_at = None
    actor = actor_of(dispatcher)
    log_action(session, case, "void", target, actor, f"{reason}: {note or ''}".strip(": "))
    common = {"case_id": case.id, "jurisdiction": case.jurisdiction, "actor": actor}
    emit(session, CaseVoided(**common, reason=reason, duplicate_of=str(case.duplicate_of) if case.duplicate_of else None,  # type: ignore[arg-type]
                             note=note))
    emit(session, CaseClosed(**common, outcome="void", department=case.department))
    return case


REOPENABLE_OUTCOMES = {"verified", "self_handled", "closed_by_dispatcher"}


def reopen(*, session: AsyncSession, case: Case, actor: Actor, role: Role | str, reason: str, rating: int | None,
           department: str, clock: Clock) -> Case:
    """A dissatisfied rating (or the dispatcher) reopens a closed case to the department that resolved it."""
    check(case, "reopen", role)
    if case.outcome not in REOPENABLE_OUTCOMES:
        raise Conflict(f"a case closed as {case.outcome} is not reopened here", outcome=case.outcome)
    case.reopen_count += 1
    case.closed_at = None
    case.outcome = None
    emit(session, CaseReopened(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, rating=rating,
                               reason=reason, reopen_count=case.reopen_count))
    dispatch_to(session=session, case=case, department=department, co_departments=list(case.co_departments),
                decision=RoutingDecision(method="rule", rule_id="reopen:resolving-department", confidence=1.0),
                actor=actor, clock=clock, action="reopen", reason=reason)
    return case
