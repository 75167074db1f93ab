"""Mediation's REST API under /v1."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from onegrid_runtime.service import Session

from mediation import service
from mediation.auth import DisputeReader, Mediator
from mediation.models import AgreementIn, DisputePublic, PerformanceIn

router = APIRouter(prefix="/v1", tags=["disputes"])
ERRORS = {403: {"description": "Not your committee"}, 404: {"description": "No such dispute"},
          409: {"description": "Step not allowed in the current state"}}


@router.get("/disputes", response_model=list[DisputePublic])
async def list_disputes(principal: DisputeReader, session: Session, status: str | None = None,
                        case_id: uuid.UUID | None = None) -> list[DisputePublic]:
    """Disputes of the caller's committee (the hub sees all)."""
    rows = await service.list_disputes(session=session, reader=principal, status=status, case_id=case_id)
    return [DisputePublic.model_validate(r, from_attributes=True) for r in rows]


@router.get("/disputes/{dispute_id}", response_model=DisputePublic, responses=ERRORS)
async def get_dispute(dispute_id: uuid.UUID, principal: DisputeReader, session: Session) -> DisputePublic:
    dispute = await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal)
    return DisputePublic.model_validate(dispute, from_attributes=True)


@router.post("/disputes/{dispute_id}/agreement", response_model=DisputePublic, responses=ERRORS)
async def record_agreement(dispute_id: uuid.UUID, body: AgreementIn, principal: Mediator, session: Session) -> DisputePublic:
    """Record the parties' agreement; dispatch closes the case."""
    dispute = await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal)
    dispute = await service.record_agreement(session=session, dispute=dispute, mediator=principal, terms=body.terms)
    return DisputePublic.model_validate(dispute, from_attributes=True)


@router.post("/disputes/{dispute_id}/performance", response_model=DisputePublic, responses=ERRORS)
async def record_performance(dispute_id: uuid.UUID, body: PerformanceIn, principal: Mediator, session: Session) -> DisputePublic:
    """Record whether the agreement was honoured; an honoured agreement closes the case."""
    dispute = await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal)
    dispute = await service.record_performance(session=session, dispute=dispute, mediator=principal,
                                               honoured=body.honoured, note=body.note)
    return DisputePublic.model_validate(dispute, from_attributes=True)
