"""Notify's REST API under /v1: the delivery log, the in-app inbox, webhook subscriptions, the directory."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request, Response
from onegrid_runtime.service import Session
from pydantic import BaseModel

from notify import inbox, service, subscriptions
from notify.auth import (
    DeliveryLogReader,
    DeliveryOperator,
    DirectoryWriter,
    InboxOwner,
    PersonalRecipient,
    SubscriptionManager,
)
from notify.models import (
    ChannelCounts,
    InboxPage,
    NotificationDetail,
    NotificationPage,
    RecipientIn,
    RecipientPublic,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionSecret,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/v1")
ADDRESS = r"^((resident|mediator|grid|department|department_head|committee):[A-Za-z0-9_.@-]{1,64}|dispatcher|leadership)$"
ChannelName = Literal["inbox", "sms", "email", "webhook"]
StatusName = Literal["pending", "delivered", "failed", "skipped", "recorded"]


def _wake(request: Request) -> None:
    worker = getattr(request.app.state, "delivery", None)
    if worker is not None:
        worker.wake()


# ---- the delivery log ---------------------------------------------------------------------

@router.get("/notifications", response_model=NotificationPage, tags=["delivery log"])
async def list_notifications(
    _: DeliveryLogReader,
    session: Session,
    case_id: uuid.UUID | None = None,
    recipient: str | None = Query(default=None, examples=["department:D11"]),
    channel: ChannelName | None = None,
    status: StatusName | None = None,
    event_type: str | None = Query(default=None, examples=["onegrid.case.dispatched"]),
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationPage:
    """What was sent (or queued) to whom, filtered by case, recipient, channel, status and event type."""
    return await service.list_notifications(session=session, case_id=case_id, recipient=recipient, channel=channel,
                                            status=status, event_type=event_type, limit=limit, offset=offset)


@router.get("/notifications/counts", response_model=list[ChannelCounts], tags=["delivery log"])
async def notification_counts(_: DeliveryLogReader, session: Session, case_id: uuid.UUID | None = None) -> list[ChannelCounts]:
    """Delivered, failed (dead letters), pending and skipped (no contact point) per channel."""
    return await service.channel_counts(session=session, case_id=case_id)


@router.get("/notifications/{notification_id}", response_model=NotificationDetail, tags=["delivery log"])
async def get_notification(_: DeliveryLogReader, session: Session, notification_id: uuid.UUID) -> NotificationDetail:
    """One notification with the log of every delivery attempt (time, status, latency, error)."""
    return await service.notification_detail(session=session, notification_id=notification_id)


@router.post("/notifications/{notification_id}/replay", response_model=ReplayResult, tags=["delivery log"])
async def replay_notification(_: DeliveryOperator, session: Session, request: Request, tasks: BackgroundTasks,
                              notification_id: uuid.UUID) -> ReplayResult:
    """Puts a dead-lettered delivery back in the queue with a fresh set of attempts (409 if not failed)."""
    replayed = await service.replay(session=session, notification_ids=[notification_id])
    tasks.add_task(_wake, request)  # after the commit
    return ReplayResult(replayed=replayed)


# ---- the in-app inbox -------------------------------------------------------------------

class ReadIn(BaseModel):
    ids: list[uuid.UUID] | None = None


@router.get("/inbox", response_model=InboxPage, tags=["inbox"])
async def my_inbox(
    principal: InboxOwner,
    session: Session,
    unread: bool = False,
    case_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> InboxPage:
    """The caller's in-app messages (their own and their queue's), newest first, with read marks per user."""
    return await inbox.list_inbox(session=session, principal=principal, unread_only=unread, case_id=case_id,
                                  limit=limit, offset=offset)


@router.post("/inbox/{notification_id}/read", status_code=204, tags=["inbox"])
async def mark_read(principal: InboxOwner, session: Session, notification_id: uuid.UUID) -> Response:
    """Marks one message read for the caller (again: no change)."""
    await inbox.mark_read(session=session, principal=principal, notification_ids=[notification_id])
    return Response(status_code=204)


@router.post("/inbox/read", tags=["inbox"])
async def mark_all_read(principal: InboxOwner, session: Session, body: ReadIn | None = None) -> dict[str, int]:
    """Marks the given messages (or all of the caller's) read."""
    count = await inbox.mark_read(session=session, principal=principal, notification_ids=body.ids if body else None)
    return {"marked": count}


@router.put("/inbox/preferences", response_model=RecipientPublic, tags=["inbox"])
async def my_preferences(principal: PersonalRecipient, session: Session, body: RecipientIn) -> RecipientPublic:
    """A resident or mediator sets their own language, e-mail address and phone number."""
    return await inbox.put_recipient(session=session, address=inbox.personal_address(principal), body=body)


# ---- the recipient directory ------------------------------------------------------------

@router.put("/recipients/{address}", response_model=RecipientPublic, tags=["directory"])
async def put_recipient(_: DirectoryWriter, session: Session, body: RecipientIn,
                        address: Annotated[str, Path(pattern=ADDRESS, examples=["department:D11"])]) -> RecipientPublic:
    """Language and contact points of a person or a queue (synced by the registers, or set by an admin)."""
    return await inbox.put_recipient(session=session, address=address, body=body)


@router.get("/recipients/{address}", response_model=RecipientPublic, tags=["directory"])
async def get_recipient(_: DirectoryWriter, session: Session,
                        address: Annotated[str, Path(pattern=ADDRESS)]) -> RecipientPublic:
    return await inbox.get_recipient(session=session, address=address)


# ---- webhook subscriptions --------------------------------------------------------------

@router.post("/subscriptions", response_model=SubscriptionSecret, status_code=201, tags=["webhooks"])
async def create_subscription(principal: SubscriptionManager, session: Session,
                              body: SubscriptionCreate) -> SubscriptionSecret:
    """Subscribes an endpoint to event types (patterns allowed), optionally only some departments, grids or
    categories. The answer carries the signing secret, shown this once."""
    return await subscriptions.create_subscription(session=session, body=body, principal=principal)


@router.get("/subscriptions", response_model=list[SubscriptionPublic], tags=["webhooks"])
async def list_subscriptions(principal: SubscriptionManager, session: Session) -> list[SubscriptionPublic]:
    return await subscriptions.list_subscriptions(session=session, principal=principal)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic, tags=["webhooks"])
async def get_subscription(principal: SubscriptionManager, session: Session,
                           subscription_id: uuid.UUID) -> SubscriptionPublic:
    sub = await subscriptions.get_subscription(session=session, subscription_id=subscription_id, principal=principal)
    return SubscriptionPublic.model_validate(sub, from_attributes=True)


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionPublic, tags=["webhooks"])
async def update_subscription(principal: SubscriptionManager, session: Session, subscription_id: uuid.UUID,
                              body: SubscriptionUpdate) -> SubscriptionPublic:
    return await subscriptions.update_subscription(session=session, subscription_id=subscription_id, body=body,
                                                   principal=principal)


@router.delete("/subscriptions/{subscription_id}", status_code=204, tags=["webhooks"])
async def delete_subscription(principal: SubscriptionManager, session: Session, subscription_id: uuid.UUID) -> Response:
    """Ends the subscription; deliveries still queued for it are dead-lettered."""
    await subscriptions.delete_subscription(session=session, subscription_id=subscription_id, principal=principal)
    return Response(status_code=204)


@router.post("/subscriptions/{subscription_id}/rotate-secret", response_model=SubscriptionSecret, tags=["webhooks"])
async def rotate_secret(principal: SubscriptionManager, session: Session, request: Request,
                        subscription_id: uuid.UUID) -> SubscriptionSecret:
    """A new secret; deliveries carry signatures by both secrets until the grace period ends."""
    return await subscriptions.rotate_secret(session=session, subscription_id=subscription_id, principal=principal,
                                             grace_seconds=request.app.state.settings.secret_rotation_grace_seconds)


@router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionPublic, tags=["webhooks"])
async def resume_subscription(principal: SubscriptionManager, session: Session, request: Request, tasks: BackgroundTasks,
                              subscription_id: uuid.UUID) -> SubscriptionPublic:
    """Resumes a paused endpoint: its queued deliveries go out again."""
    sub = await subscriptions.resume_subscription(session=session, subscription_id=subscription_id, principal=principal)
    tasks.add_task(_wake, request)  # after the commit
    return sub


@router.post("/subscriptions/{subscription_id}/replay", response_model=ReplayResult, tags=["webhooks"])
async def replay_subscription(principal: SubscriptionManager, session: Session, request: Request, tasks: BackgroundTasks,
                              subscription_id: uuid.UUID) -> ReplayResult:
    """Replays every dead-lettered delivery of the subscription."""
    await subscriptions.get_subscription(session=session, subscription_id=subscription_id, principal=principal)
    ids = await subscriptions.failed_deliveries(session=session, subscription_id=subscription_id)
    replayed = await service.replay(session=session, notification_ids=ids, strict=False)
    tasks.add_task(_wake, request)  # after the commit
    return ReplayResult(replayed=replayed)
