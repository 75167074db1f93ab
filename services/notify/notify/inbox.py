"""The in-app inbox (per user, read marks per user) and the recipient directory."""

from __future__ import annotations

import uuid

from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import utcnow
from sqlalchemy import and_, exists
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.errors import NotFound, NotificationNotFound
from notify.models import InboxItem, InboxPage, InboxRead, Notification, Recipient, RecipientIn, RecipientPublic


def inbox_addresses(principal: Principal) -> list[str]:
    """The addresses whose in-app messages this person reads: their own, and their queue's."""
    match principal.role:
        case Role.resident:
            return [f"resident:{principal.subject}"]
        case Role.grid_member:
            return [f"grid:{principal.grid}"] if principal.grid else []
        case Role.dept_staff:
            return [f"department:{principal.department}", f"department_head:{principal.department}"] \
                if principal.department else []
        case Role.mediator:
            own = [f"mediator:{principal.subject}"]
            return own + ([f"committee:{principal.committee}"] if principal.committee else [])
        case Role.dispatcher:
            return ["dispatcher"]
        case Role.admin:
            return ["leadership"]
    return []


def personal_address(principal: Principal) -> str:
    """The address a resident's or mediator's own preferences are kept under."""
    return f"{principal.role.value}:{principal.subject}"


async def list_inbox(*, session: AsyncSession, principal: Principal, unread_only: bool, case_id: uuid.UUID | None,
                     limit: int, offset: int) -> InboxPage:
    addresses = inbox_addresses(principal)
    read = exists().where(and_(InboxRead.notification_id == Notification.id, InboxRead.reader == principal.subject))
    base = select(Notification).where(Notification.channel == "inbox", col(Notification.recipient).in_(addresses))
    if case_id is not None:
        base = base.where(Notification.case_id == case_id)
    unread = (await session.exec(select(func.count()).select_from(base.where(~read).subquery()))).one()
    query = base.where(~read) if unread_only else base
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (await session.exec(select(Notification, read.label("read")).where(
        col(Notification.id).in_(select(query.subquery().c.id)))
        .order_by(col(Notification.created_at).desc(), col(Notification.id)).offset(offset).limit(limit))).all()
    items = [InboxItem(id=n.id, event_type=n.event_type, case_id=n.case_id, recipient=n.recipient, subject=n.subject,
                       body=n.body, urgent=n.urgent, created_at=n.created_at, read=bool(is_read)) for n, is_read in rows]
    return InboxPage(items=items, total=total, unread=unread)


async def mark_read(*, session: AsyncSession, principal: Principal, notification_ids: list[uuid.UUID] | None) -> int:
    """Marks messages read for this user (all of theirs when no ids are given); marking twice is harmless."""
    addresses = inbox_addresses(principal)
    query = select(Notification.id).where(Notification.channel == "inbox", col(Notification.recipient).in_(addresses))
    if notification_ids is not None:
        query = query.where(col(Notification.id).in_(notification_ids))
    mine = set((await session.exec(query)).all())
    if notification_ids is not None:
        for notification_id in notification_ids:
            if notification_id not in mine:
                raise NotificationNotFound(notification_id)
    done = set((await session.exec(select(InboxRead.notification_id).where(
        InboxRead.reader == principal.subject, col(InboxRead.notification_id).in_(mine)))).all())
    now = utcnow()
    for notification_id in mine - done:
        session.add(InboxRead(notification_id=notification_id, reader=principal.subject, read_at=now))
    return len(mine - done)


def _public(entry: Recipient) -> RecipientPublic:
    return RecipientPublic.model_validate(entry, from_attributes=True)


async def put_recipient(*, session: AsyncSession, address: str, body: RecipientIn) -> RecipientPublic:
    entry = await session.get(Recipient, address, with_for_update=True) or Recipient(address=address)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    session.add(entry)
    return _public(entry)


async def get_recipient(*, session: AsyncSession, address: str) -> RecipientPublic:
    entry = await session.get(Recipient, address)
    if entry is None:
        raise NotFound(f"recipient {address} is not in the directory")
    return _public(entry)
