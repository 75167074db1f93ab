"""Returns: a department gives a case back with a reason. It goes to the next candidate of the
routing decision, or to the dispatcher's triage queue with suggestions, or, when it bounces
back to a department that already returned it (ping-pong), to the dispatcher for a ruling:
uphold (the return was right: the dispatcher names the department) or overrule (back to the
department that returned it)."""

from __future__ import annotations

from onegrid_contracts.events import CaseReturned, CaseReturnRuled, CaseTriaged, RoutingCandidate, RoutingDecision
from onegrid_runtime.auth import Principal
from onegrid_runtime.outbox import emit
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.config import DispatchSettings
from dispatch.deadlines import Clock
from dispatch.errors import InvalidInput
from dispatch.learning import ModelCache
from dispatch.lifecycle import actor_of, check, dispatch_to, log_action, own_department
from dispatch.models import Case


async def suggestions(*, session: AsyncSession, models: ModelCache, case: Case,
                      exclude: set[str]) -> RoutingDecision | None:
    """The learned model's ranking for the dispatcher, without the departments in ``exclude``."""
    model = await models.active(session)
    if model is None:
        return None
    scores = model.scores(case.description)
    ranked = sorted(((float(s), code) for code, s in zip(model.classes, scores) if code not in exclude), reverse=True)
    candidates = [RoutingCandidate(department=code, score=round(score, 6)) for score, code in ranked[:3]]
    return RoutingDecision(method="model", model_version=model.version,
                           confidence=candidates[0].score if candidates else None, candidates=candidates,
                           reason="suggestions for the dispatcher")


async def return_case(*, session: AsyncSession, case: Case, staff: Principal, reason: str, clock: Clock,
                      models: ModelCache, settings: DispatchSettings) -> Case:
    check(case, "return", staff.role)
    own_department(case, staff)
    department = case.department or ""
    actor = actor_of(staff)
    ping_pong = department in case.returned_by
    case.return_count += 1
    case.hop += 1
    case.returned_by = [*case.returned_by, department]
    refused = set(case.returned_by)
    common = {"case_id": case.id, "jurisdiction": case.jurisdiction, "actor": actor}

    if ping_pong:
        log_action(session, case, "return", "return_requested", actor, reason)
        case.next_timer_at = None
        emit(session, CaseReturned(**common, department=department, reason=reason, hop=case.hop, next="ruling"))
        return case

    candidate = None
    if case.hop <= settings.max_hops:
        for c in case.routing.get("candidates", []):
            if (c["department"] not in refused and c["department"] not in case.tried_departments
                    and c["score"] >= settings.next_candidate_min_score):
                candidate = c
                break
    if candidate is not None:
        emit(session, CaseReturned(**common, department=department, reason=reason, hop=case.hop,
                                   next="next_candidate"))
        decision = RoutingDecision(**{**case.routing, "confidence": candidate["score"],
                                      "reason": f"next candidate after {department} returned the case"})
        dispatch_to(session=session, case=case, department=candidate["department"], co_departments=[],
                    decision=decision, actor=actor, clock=clock, action="return",
                    reason=f"returned by {department}: {reason}")
        return case

    log_action(session, case, "return", "triage", actor, reason)
    case.next_timer_at = None
    emit(session, CaseReturned(**common, department=department, reason=reason, hop=case.hop, next="triage"))
    routing = await suggestions(session=session, models=models, case=case, exclude=refused)
    why = (f"{department} returned the case ({reason}); "
           + ("too many hops" if case.hop > settings.max_hops else "no further candidate"))
    emit(session, CaseTriaged(**common, reason=why, routing=routing))
    if routing is not None:
        case.routing = {**case.routing, "suggestions": routing.model_dump(exclude_none=True)}
    return case


def uphold_return(*, session: AsyncSession, case: Case, dispatcher: Principal, department: str,
                  co_departments: list[str], note: str | None, clock: Clock) -> Case:
    """The return was right: the case goes to ``department`` (not the one that returned it)."""
    check(case, "uphold_return", dispatcher.role)
    returned_by = case.returned_by[-1]
    if department == returned_by:
        raise InvalidInput(f"department: upholding the return of {returned_by} means sending the case elsewhere; "
                           "to send it back, overrule the return", field="department")
    actor = actor_of(dispatcher)
    emit(session, CaseReturnRuled(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, ruling="uphold",
                                  returned_by=returned_by, department=department, note=note))
    dispatch_to(session=session, case=case, department=department, co_departments=co_departments,
                decision=RoutingDecision(method="manual", reason=f"return by {returned_by} upheld"), actor=actor,
                clock=clock, action="uphold_return", reason=note or f"return by {returned_by} upheld")
    return case


def overrule_return(*, session: AsyncSession, case: Case, dispatcher: Principal, note: str | None,
                    clock: Clock) -> Case:
    """The return was wrong: the case goes back to the department that returned it."""
    check(case, "overrule_return", dispatcher.role)
    returned_by = case.returned_by[-1]
    actor = actor_of(dispatcher)
    emit(session, CaseReturnRuled(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, ruling="overrule",
                                  returned_by=returned_by, department=returned_by, note=note))
    dispatch_to(session=session, case=case, department=returned_by, co_departments=list(case.co_departments),
                decision=RoutingDecision(method="manual", reason=f"return by {returned_by} overruled"), actor=actor,
                clock=clock, action="overrule_return", reason=note or f"return by {returned_by} overruled")
    return case
