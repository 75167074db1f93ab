"""Notify's REST API under /v1: the delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from onegrid_runtime.service import Session

from notify import service
from notify.auth import DeliveryLogReader
from notify.models import NotificationPage

router = APIRouter(prefix="/v1", tags=["notifications"])


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(
    _: DeliveryLogReader,
    session: Session,
    case_id: uuid.UUID | None = None,
    recipient: str | None = None,
    channel: Literal["inbox", "sms", "email", "webhook"] | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationPage:
    """The delivery log: what was sent (or recorded) to whom, filtered by case, recipient, channel, status."""
    return await service.list_notifications(session=session, case_id=case_id, recipient=recipient, channel=channel,
                                            status=status, limit=limit, offset=offset)
