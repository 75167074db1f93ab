"""Dispatch's REST API under /v1: queues, the case lifecycle, KPIs. Each route checks who may call it
(auth.py), locks the case row for a transition, and commits the change with its event."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from onegrid_runtime.service import Session

from dispatch import extensions, kpis, lifecycle, queues, returns, service
from dispatch.auth import CaseReader, DeptStaff, Dispatcher, GridMember, KpiReader, StaffOrDispatcher
from dispatch.errors import InvalidInput
from dispatch.models import (
    Case,
    CaseDetail,
    CasePage,
    CasePublic,
    DecisionIn,
    DelayIn,
    DispatchIn,
    ExtensionRequest,
    ExtensionRequestPublic,
    HoldIn,
    KpiTable,
    NoteIn,
    ReassignIn,
    RequiredNoteIn,
    ResolveIn,
    ReturnIn,
    RulingIn,
    SelfHandleIn,
    VoidIn,
)
from dispatch.routes_routing import router as routing_router

router = APIRouter(prefix="/v1", tags=["cases"])
ERRORS = {403: {"description": "Not your role, department or grid"}, 404: {"description": "No such case"},
          409: {"description": "Illegal transition; the problem names the allowed actions"}}
DEPT = r"^D\d{2}$"
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def _kit(request: Request) -> service.Toolkit:
    return service.toolkit(request.app.state.settings)


def _public(case: Case) -> CasePublic:
    return CasePublic.model_validate(case, from_attributes=True)


def _departments(kit: service.Toolkit, *codes: str) -> None:
    unknown = [c for c in codes if c not in kit.catalog.departments]
    if unknown:
        raise InvalidInput(f"department: {', '.join(unknown)} is not a department of the catalog", field="department")


# -- queues ----------------------------------------------------------------------------------------
@router.get("/cases", response_model=CasePage)
async def list_cases(
    principal: CaseReader, session: Session,
    status: Annotated[list[str] | None, Query(description="One or more statuses")] = None,
    department: Annotated[str | None, Query(pattern=DEPT)] = None,
    grid: str | None = None, community: str | None = None, category: str | None = None,
    urgent: bool | None = None, overdue: bool | None = None,
    sort: queues.Sort = "urgency", limit: Limit = 50, offset: Offset = 0,
) -> CasePage:
    """A department's queue (staff see only their department's work): filter, sort (urgency: urgent first,
    then escalation level, then deadline; or deadline, reported, -reported), paginate."""
    return await queues.list_cases(session=session, reader=principal, status=status, department=department, grid=grid,
                                   community=community, category=category, urgent=urgent, overdue=overdue, sort=sort,
                                   limit=limit, offset=offset)


@router.get("/triage", response_model=CasePage, tags=["queues"])
async def triage(principal: Dispatcher, session: Session, limit: Limit = 50, offset: Offset = 0) -> CasePage:
    """The dispatcher's triage queue: cases not routed with confidence (with the model's suggestions),
    returned without a further candidate, or bounced between departments (waiting for a ruling)."""
    return await queues.triage_queue(session=session, reader=principal, limit=limit, offset=offset)


@router.get("/overdue", response_model=CasePage, tags=["queues"])
async def overdue(principal: StaffOrDispatcher, session: Session,
                  department: Annotated[str | None, Query(pattern=DEPT)] = None,
                  limit: Limit = 50, offset: Offset = 0) -> CasePage:
    """Open cases past their deadline, most overdue first (staff: their department's)."""
    return await queues.overdue_list(session=session, reader=principal, department=department, limit=limit,
                                     offset=offset)


@router.get("/kpis", response_model=KpiTable, tags=["kpis"])
async def get_kpis(
    principal: KpiReader, session: Session,
    group_by: kpis.GroupBy = "department",
    department: Annotated[str | None, Query(pattern=DEPT)] = None,
    grid: str | None = None, community: str | None = None,
    period_from: Annotated[datetime | None, Query(alias="from", description="Reported at or after (ISO 8601)")] = None,
    period_to: Annotated[datetime | None, Query(alias="to", description="Reported before (ISO 8601)")] = None,
) -> KpiTable:
    """KPIs of the cases reported in the period, per department, grid or community (formulas in the docs)."""
    for name, value in (("from", period_from), ("to", period_to)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name}: give a time zone (for example 2026-01-01T00:00:00+08:00)", field=name)
    return await kpis.kpis(session=session, reader=principal, group_by=group_by, department=department, grid=grid,
                           community=community, period_from=period_from, period_to=period_to)


# -- one case ----------------------------------------------------------------------------------------
@router.get("/cases/{case_id}", response_model=CaseDetail, responses=ERRORS)
async def get_case(case_id: uuid.UUID, principal: CaseReader, session: Session) -> CaseDetail:
    """The case, what the caller may do with it now, and every transition and decision so far."""
    case = await service.get_case(session=session, case_id=case_id, reader=principal)
    return CaseDetail(**_public(case).model_dump(), allowed_actions=lifecycle.allowed_actions(case.status, principal.role),
                      actions=await queues.case_actions(session=session, case_id=case.id))


@router.get("/cases/{case_id}/extension-requests", response_model=list[ExtensionRequestPublic], responses=ERRORS)
async def list_extension_requests(case_id: uuid.UUID, principal: CaseReader, session: Session) -> list[ExtensionRequestPublic]:
    from sqlmodel import col, select

    await service.get_case(session=session, case_id=case_id, reader=principal)
    rows = (await session.exec(select(ExtensionRequest).where(ExtensionRequest.case_id == case_id)
                               .order_by(col(ExtensionRequest.id)))).all()
    return [ExtensionRequestPublic.model_validate(r, from_attributes=True) for r in rows]


async def _locked(session, case_id: uuid.UUID, principal) -> Case:
    return await service.get_case(session=session, case_id=case_id, reader=principal, lock=True)


# -- department ----------------------------------------------------------------------------------------
@router.post("/cases/{case_id}/accept", response_model=CasePublic, responses=ERRORS)
async def accept(case_id: uuid.UUID, principal: DeptStaff, session: Session) -> CasePublic:
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.accept(session=session, case=case, staff=principal))


@router.post("/cases/{case_id}/return", response_model=CasePublic, responses=ERRORS)
async def return_case(case_id: uuid.UUID, body: ReturnIn, principal: DeptStaff, session: Session,
                      request: Request) -> CasePublic:
    """Not ours: the case goes to the next candidate, to triage, or (bounced back) to the dispatcher's ruling."""
    kit = _kit(request)
    case = await _locked(session, case_id, principal)
    return _public(await returns.return_case(session=session, case=case, staff=principal, reason=body.reason,
                                             clock=kit.clock, models=kit.models, settings=request.app.state.settings))


@router.post("/cases/{case_id}/notes", response_model=CasePublic, responses=ERRORS)
async def add_note(case_id: uuid.UUID, body: RequiredNoteIn, principal: DeptStaff, session: Session) -> CasePublic:
    """A progress note from the department in charge."""
    case = await _locked(session, case_id, principal)
    return _public(extensions.add_note(session=session, case=case, staff=principal, note=body.note))


@router.post("/cases/{case_id}/delay-requests", response_model=ExtensionRequestPublic, status_code=201, responses=ERRORS)
async def request_delay(case_id: uuid.UUID, body: DelayIn, principal: DeptStaff, session: Session) -> ExtensionRequestPublic:
    case = await _locked(session, case_id, principal)
    req = await extensions.request_extension(session=session, case=case, staff=principal, kind="delay",
                                             reason=body.reason, hours=body.hours, hold_until=None)
    return ExtensionRequestPublic.model_validate(req, from_attributes=True)


@router.post("/cases/{case_id}/hold-requests", response_model=ExtensionRequestPublic, status_code=201, responses=ERRORS)
async def request_hold(case_id: uuid.UUID, body: HoldIn, principal: DeptStaff, session: Session) -> ExtensionRequestPublic:
    case = await _locked(session, case_id, principal)
    req = await extensions.request_extension(session=session, case=case, staff=principal, kind="hold",
                                             reason=body.reason, hours=None, hold_until=body.hold_until)
    return ExtensionRequestPublic.model_validate(req, from_attributes=True)


@router.post("/cases/{case_id}/resume", response_model=CasePublic, responses=ERRORS)
async def resume(case_id: uuid.UUID, body: NoteIn, principal: StaffOrDispatcher, session: Session,
                 request: Request) -> CasePublic:
    """End a hold: the deadline moves by the working time spent on hold."""
    case = await _locked(session, case_id, principal)
    return _public(extensions.resume(session=session, case=case, principal=principal, clock=_kit(request).clock,
                                     note=body.note))


@router.post("/cases/{case_id}/resolve", response_model=CasePublic, responses=ERRORS)
async def resolve(case_id: uuid.UUID, body: ResolveIn, principal: DeptStaff, session: Session,
                  request: Request) -> CasePublic:
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.resolve(session=session, case=case, staff=principal, note=body.note,
                                     evidence_urls=body.evidence_urls, clock=_kit(request).clock))


# -- grid member ---------------------------------------------------------------------------------------
@router.post("/cases/{case_id}/verify", response_model=CasePublic, responses=ERRORS)
async def verify(case_id: uuid.UUID, body: NoteIn, principal: GridMember, session: Session) -> CasePublic:
    """The grid member checks the work on the spot; a verified case closes."""
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.verify(session=session, case=case, member=principal, note=body.note))


@router.post("/cases/{case_id}/rework", response_model=CasePublic, responses=ERRORS)
async def rework(case_id: uuid.UUID, body: RequiredNoteIn, principal: GridMember, session: Session,
                 request: Request) -> CasePublic:
    """Verification failed: back to the department (counted)."""
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.rework(session=session, case=case, member=principal, note=body.note,
                                    clock=_kit(request).clock))


@router.post("/cases/{case_id}/self-handle", response_model=CasePublic, responses=ERRORS)
async def self_handle(case_id: uuid.UUID, body: SelfHandleIn, principal: GridMember, session: Session,
                      request: Request) -> CasePublic:
    """Resolved on the spot by the grid member (self-handle categories only), with evidence; closes the case."""
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.self_handle(session=session, case=case, member=principal, note=body.note,
                                         evidence_urls=body.evidence_urls,
                                         self_handle_categories=_kit(request).self_handle_categories))


# -- dispatcher ----------------------------------------------------------------------------------------
@router.post("/cases/{case_id}/dispatch", response_model=CasePublic, responses=ERRORS)
async def dispatch_manually(case_id: uuid.UUID, body: DispatchIn, principal: Dispatcher, session: Session,
                            request: Request) -> CasePublic:
    """Manual dispatch of a case waiting in triage."""
    kit = _kit(request)
    _departments(kit, body.department, *body.co_departments)
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.dispatch_manually(session=session, case=case, dispatcher=principal,
                                               department=body.department, co_departments=body.co_departments,
                                               note=body.note, clock=kit.clock))


@router.post("/cases/{case_id}/reassign", response_model=CasePublic, responses=ERRORS)
async def reassign(case_id: uuid.UUID, body: ReassignIn, principal: Dispatcher, session: Session,
                   request: Request) -> CasePublic:
    """Move a case to another department; its clock starts again; a pending request lapses."""
    kit = _kit(request)
    _departments(kit, body.department, *body.co_departments)
    case = await _locked(session, case_id, principal)
    lifecycle.reassign(session=session, case=case, dispatcher=principal, department=body.department,
                       co_departments=body.co_departments, note=body.note, clock=kit.clock)
    waiting = await extensions.pending_request(session, case)
    if waiting is not None:
        waiting.status, waiting.decided_by, waiting.decision_note = "lapsed", principal.subject, "case reassigned"
        session.add(waiting)
    return _public(case)


@router.post("/cases/{case_id}/uphold-return", response_model=CasePublic, responses=ERRORS)
async def uphold_return(case_id: uuid.UUID, body: RulingIn, principal: Dispatcher, session: Session,
                        request: Request) -> CasePublic:
    """The return was right: the case goes to the department named in the ruling."""
    kit = _kit(request)
    case = await _locked(session, case_id, principal)
    lifecycle.check(case, "uphold_return", principal.role)
    if body.department is None:
        raise InvalidInput("department: upholding a return names the department that takes the case",
                           field="department")
    _departments(kit, body.department, *body.co_departments)
    return _public(returns.uphold_return(session=session, case=case, dispatcher=principal, department=body.department,
                                         co_departments=body.co_departments, note=body.note, clock=kit.clock))


@router.post("/cases/{case_id}/overrule-return", response_model=CasePublic, responses=ERRORS)
async def overrule_return(case_id: uuid.UUID, body: NoteIn, principal: Dispatcher, session: Session,
                          request: Request) -> CasePublic:
    """The return was wrong: the case goes back to the department that returned it."""
    case = await _locked(session, case_id, principal)
    return _public(returns.overrule_return(session=session, case=case, dispatcher=principal, note=body.note,
                                           clock=_kit(request).clock))


@router.post("/cases/{case_id}/extension-requests/{request_id}/decision", response_model=ExtensionRequestPublic,
             responses=ERRORS)
async def decide_extension(case_id: uuid.UUID, request_id: int, body: DecisionIn, principal: Dispatcher,
                           session: Session, request: Request) -> ExtensionRequestPublic:
    """Approve or refuse a delay or hold; an approval moves the deadline (delay) or stops the clock (hold)."""
    case = await _locked(session, case_id, principal)
    req = await extensions.decide_extension(session=session, case=case, dispatcher=principal, request_id=request_id,
                                            approve=body.approve, note=body.note, clock=_kit(request).clock)
    return ExtensionRequestPublic.model_validate(req, from_attributes=True)


@router.post("/cases/{case_id}/close", response_model=CasePublic, responses=ERRORS)
async def close(case_id: uuid.UUID, body: RequiredNoteIn, principal: Dispatcher, session: Session) -> CasePublic:
    """Close a resolved case without the grid member's verification (say why)."""
    case = await _locked(session, case_id, principal)
    return _public(lifecycle.close(session=session, case=case, dispatcher=principal, note=body.note))


@router.post("/cases/{case_id}/void", response_model=CasePublic, responses=ERRORS)
async def void(case_id: uuid.UUID, body: VoidIn, principal: Dispatcher, session: Session) -> CasePublic:
    """Void a case as invalid, or as a duplicate of another case."""
    case = await _locked(session, case_id, principal)
    original = None
    if body.duplicate_of is not None:
        original = await session.get(Case, body.duplicate_of)
        if original is None or original.jurisdiction != principal.jurisdiction:
            raise InvalidInput(f"duplicate_of: no case {body.duplicate_of}", field="duplicate_of")
    return _public(await lifecycle.void(session=session, case=case, dispatcher=principal, reason=body.reason,
                                        duplicate_of=original, note=body.note))


@router.post("/cases/{case_id}/reopen", response_model=CasePublic, responses=ERRORS)
async def reopen(case_id: uuid.UUID, body: RequiredNoteIn, principal: Dispatcher, session: Session,
                 request: Request) -> CasePublic:
    """Reopen a closed case to the department that resolved it (ratings reopen by themselves)."""
    kit = _kit(request)
    case = await _locked(session, case_id, principal)
    lifecycle.check(case, "reopen", principal.role)
    entry = kit.catalog.categories.get(case.category or "")
    department = case.resolved_by or case.department or (entry.department if entry else None)
    if department is None:
        raise InvalidInput("the case never had a department: dispatch it instead")
    return _public(lifecycle.reopen(session=session, case=case, actor=lifecycle.actor_of(principal),
                                    role=principal.role, reason=body.note, rating=None, department=department,
                                    clock=kit.clock))


# The routing model's endpoints (/v1/routing/...) are served by this router too (one router per service).
router.routes.extend(routing_router.routes)
