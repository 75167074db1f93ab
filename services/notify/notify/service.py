"""Notify's service logic: from one event to the messages it causes."""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import Actor, NotificationRecorded
from onegrid_runtime.outbox import emit
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.models import CaseContact, Notification, NotificationPage, NotificationPublic

DEFAULT_RULES = Path(__file__).parent / "rules.yaml"


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(Path(path or DEFAULT_RULES).read_text(encoding="utf-8")) or {}


async def _learn(session: AsyncSession, event: Event) -> CaseContact:
    contact = await session.get(CaseContact, event.case_id) or CaseContact(case_id=event.case_id)
    for field in ("case_number", "reporter_id", "grid", "department", "committee"):
        value = getattr(event, field, None)
        if value:
            setattr(contact, field, value)
    session.add(contact)
    return contact


def _address(to: str, contact: CaseContact) -> str | None:
    match to:
        case "reporter":
            return f"resident:{contact.reporter_id}" if contact.reporter_id else None
        case "grid_member":
            return f"grid:{contact.grid}" if contact.grid else None
        case "department":
            return f"department:{contact.department}" if contact.department else None
        case "committee":
            return f"committee:{contact.committee}" if contact.committee else None
        case "dispatcher":
            return "dispatcher"
    return None


async def record_notifications(
    *, session: AsyncSession, event: Event, envelope: Envelope, rules: dict[str, list[dict[str, Any]]]
) -> list[Notification]:
    contact = await _learn(session, event)
    created = []
    for rule in rules.get(event.type, []):
        recipient = _address(rule["to"], contact)
        if recipient is None:
            continue
        for channel in rule.get("channels", ["inbox"]):
            note = Notification(
                event_id=envelope.id, event_type=event.type, case_id=event.case_id, recipient=recipient,
                channel=channel, body=f"{contact.case_number or event.case_id}: {event.type.rsplit('.', 1)[-1]}",
            )
            session.add(note)
            created.append(note)
            emit(session, NotificationRecorded(
                case_id=event.case_id, jurisdiction=event.jurisdiction, actor=Actor(role="system", id="notify"),
                notification_id=note.id, source_event_id=envelope.id, source_event_type=event.type,
                recipient=recipient, channel=channel))
    return created


async def list_notifications(
    *, session: AsyncSession, case_id: uuid.UUID | None, recipient: str | None, channel: str | None,
    status: str | None, limit: int, offset: int,
) -> NotificationPage:
    query = select(Notification)
    for column, value in ((Notification.case_id, case_id), (Notification.recipient, recipient),
                          (Notification.channel, channel), (Notification.status, status)):
        if value is not None:
            query = query.where(column == value)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (await session.exec(query.order_by(Notification.created_at).offset(offset).limit(limit))).all()
    return NotificationPage(items=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows], total=total)
