"""Dispatch's REST API under /v1: department queues and the case lifecycle."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from onegrid_runtime.service import Session

from dispatch import service
from dispatch.auth import CaseReader, DeptStaff, GridMember
from dispatch.models import CasePage, CasePublic, NoteIn, ResolveIn

router = APIRouter(prefix="/v1", tags=["cases"])
TRANSITION_ERRORS = {403: {"description": "Not your department or grid"}, 404: {"description": "No such case"},
                     409: {"description": "Illegal transition; the problem names the allowed actions"}}


@router.get("/cases", response_model=CasePage)
async def list_cases(
    principal: CaseReader,
    session: Session,
    status: str | None = None,
    department: Annotated[str | None, Query(pattern=r"^D\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    """A department's queue (staff see only their own), urgent first, then by deadline."""
    return await service.list_cases(session=session, reader=principal, status=status, department=department,
                                    limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CasePublic, responses=TRANSITION_ERRORS)
async def get_case(case_id: uuid.UUID, principal: CaseReader, session: Session) -> CasePublic:
    case = await service.get_case(session=session, case_id=case_id, reader=principal)
    return CasePublic.model_validate(case, from_attributes=True)


@router.post("/cases/{case_id}/accept", response_model=CasePublic, responses=TRANSITION_ERRORS)
async def accept(case_id: uuid.UUID, principal: DeptStaff, session: Session) -> CasePublic:
    case = await service.get_case(session=session, case_id=case_id, reader=principal)
    case = await service.accept_case(session=session, case=case, staff=principal)
    return CasePublic.model_validate(case, from_attributes=True)


@router.post("/cases/{case_id}/resolve", response_model=CasePublic, responses=TRANSITION_ERRORS)
async def resolve(case_id: uuid.UUID, body: ResolveIn, principal: DeptStaff, session: Session) -> CasePublic:
    case = await service.get_case(session=session, case_id=case_id, reader=principal)
    case = await service.resolve_case(session=session, case=case, staff=principal, note=body.note,
                                      evidence_urls=body.evidence_urls)
    return CasePublic.model_validate(case, from_attributes=True)


@router.post("/cases/{case_id}/verify", response_model=CasePublic, responses=TRANSITION_ERRORS)
async def verify(case_id: uuid.UUID, body: NoteIn, principal: GridMember, session: Session) -> CasePublic:
    """The grid member checks the work on the spot; a verified case closes."""
    case = await service.get_case(session=session, case_id=case_id, reader=principal)
    case = await service.verify_case(session=session, case=case, member=principal, note=body.note)
    return CasePublic.model_validate(case, from_attributes=True)
