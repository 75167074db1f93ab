"""Progress notes, delay and hold requests, their approval by the dispatcher, and the end of a hold.

An approved delay moves the deadline by the hours asked (in the deadline's own time: working
hours, or clock hours for urgent cases). An approved hold stops the clock (status ``on_hold``)
until the department or the dispatcher resumes the case, or ``hold_until`` passes; the
deadline then moves by the working time spent on hold. Both are logged with the approver.
"""

from __future__ import annotations

from datetime import UTC, datetime

from onegrid_contracts.events import (
    Actor,
    CaseExtensionDecided,
    CaseExtensionRequested,
    CaseProgressNoted,
    CaseResumed,
)
from onegrid_runtime.auth import Principal
from onegrid_runtime.outbox import emit
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.deadlines import Clock
from dispatch.errors import Conflict, InvalidInput, NotFound
from dispatch.lifecycle import actor_of, check, log_action, own_department
from dispatch.models import Case, ExtensionRequest


def add_note(*, session: AsyncSession, case: Case, staff: Principal, note: str) -> Case:
    check(case, "note", staff.role)
    own_department(case, staff)
    actor = actor_of(staff)
    log_action(session, case, "note", case.status, actor, note)
    emit(session, CaseProgressNoted(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                    department=case.department or "", note=note))
    return case


async def pending_request(session: AsyncSession, case: Case) -> ExtensionRequest | None:
    return (await session.exec(select(ExtensionRequest).where(ExtensionRequest.case_id == case.id,
                                                              ExtensionRequest.status == "pending"))).first()


async def request_extension(*, session: AsyncSession, case: Case, staff: Principal, kind: str, reason: str,
                            hours: float | None, hold_until: datetime | None) -> ExtensionRequest:
    check(case, f"request_{kind}", staff.role)
    own_department(case, staff)
    if kind == "delay" and not hours:
        raise InvalidInput("hours: a delay request says how many hours it needs", field="hours")
    if kind == "hold" and hold_until is not None and hold_until <= datetime.now(UTC):
        raise InvalidInput("hold_until: must be in the future", field="hold_until")
    waiting = await pending_request(session, case)
    if waiting is not None:
        raise Conflict(f"request {waiting.id} ({waiting.kind}) is still waiting for the dispatcher",
                       pending_request=waiting.id)
    actor = actor_of(staff)
    request = ExtensionRequest(case_id=case.id, kind=kind, department=case.department or "", reason=reason,
                               hours=hours if kind == "delay" else None,
                               hold_until=hold_until if kind == "hold" else None, requested_by=staff.subject)
    session.add(request)
    await session.flush()
    log_action(session, case, f"request_{kind}", case.status, actor, reason)
    emit(session, CaseExtensionRequested(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                                         request_id=request.id or 0, kind=kind, department=request.department,  # type: ignore[arg-type]
                                         reason=reason, hours=request.hours, hold_until=request.hold_until))
    return request


async def decide_extension(*, session: AsyncSession, case: Case, dispatcher: Principal, request_id: int,
                           approve: bool, note: str | None, clock: Clock) -> ExtensionRequest:
    check(case, "decide_extension", dispatcher.role)
    request = await session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None or request.case_id != case.id:
        raise NotFound(f"case {case.case_number} has no request {request_id}")
    if request.status != "pending":
        raise Conflict(f"request {request_id} was already {request.status} by {request.decided_by}",
                       request_status=request.status)
    now = datetime.now(UTC)
    actor = actor_of(dispatcher)
    request.status = "approved" if approve else "refused"
    request.decided_by, request.decided_at, request.decision_note = dispatcher.subject, now, note
    request.previous_deadline_at = case.deadline_at
    if approve and request.kind == "delay":
        clock.move_deadline(case, (request.hours or 0) * 60)
        case.extension_count += 1
        log_action(session, case, "approve_delay", case.status, actor,
                   f"deadline {request.previous_deadline_at:%Y-%m-%d %H:%M} -> {case.deadline_at:%Y-%m-%d %H:%M} UTC")
    elif approve:
        case.extension_count += 1
        case.hold_started_at, case.hold_until = now, request.hold_until
        log_action(session, case, "approve_hold", "on_hold", actor, note or request.reason)
        case.next_timer_at = clock.next_timer(case)
    else:
        log_action(session, case, f"refuse_{request.kind}", case.status, actor, note)
    request.new_deadline_at = case.deadline_at
    session.add(request)
    emit(session, CaseExtensionDecided(
        case_id=case.id, jurisdiction=case.jurisdiction, actor=actor, request_id=request.id or 0,
        kind=request.kind, approved=approve, department=request.department, deadline_at=case.deadline_at,  # type: ignore[arg-type]
        previous_deadline_at=request.previous_deadline_at, note=note))
    return request


def resume_after_hold(*, session: AsyncSession, case: Case, clock: Clock, actor: Actor, now: datetime | None = None,
                      note: str | None = None) -> Case:
    """End a hold: status back to accepted, deadline moved by the time spent on hold."""
    now = now or datetime.now(UTC)
    started = case.hold_started_at or now
    previous = case.deadline_at
    held = max(clock.between(started, now, case.deadline_clock), 0.0)
    case.hold_started_at = case.hold_until = None
    log_action(session, case, "resume", "accepted", actor, note or f"held {held / 60:.2f} hours")
    clock.move_deadline(case, held)
    assert previous is not None and case.deadline_at is not None
    emit(session, CaseResumed(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor,
                              department=case.department or "", deadline_at=case.deadline_at,
                              previous_deadline_at=previous))
    return case


def resume(*, session: AsyncSession, case: Case, principal: Principal, clock: Clock, note: str | None) -> Case:
    check(case, "resume", principal.role)
    own_department(case, principal)
    return resume_after_hold(session=session, case=case, clock=clock, actor=actor_of(principal), note=note)
