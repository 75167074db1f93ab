"""Notify's service logic: whom a rule names for a case, and the delivery log.

The event path itself (learning cases, recording notifications a fetched batch at a time) is in
``recording.py``; it uses the recipient functions below.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from onegrid_runtime.db import utcnow
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify import tally
from notify.errors import NotificationNotFound, NotReplayable
from notify.messages import scrub
from notify.models import (
    Case,
    ChannelCounts,
    Delivery,
    DeliveryAttempt,
    DeliveryAttemptPublic,
    Notification,
    NotificationDetail,
    NotificationPage,
    NotificationPublic,
)
from notify.rules import Rule, Rules

# Fields of any event that tell notify about the case (learnt into case_contact).
CONTACT_FIELDS = ("case_number", "reporter_id", "grid", "department", "committee", "community", "category")


def addresses(rule: Rule, contact: Case, data: dict[str, Any], rules: Rules) -> list[str]:
    """The recipient addresses a rule names for this case (none when the case lacks what is needed)."""
    match rule.to:
        case "reporter":
            return [f"resident:{contact.reporter_id}"] if contact.reporter_id else []
        case "grid_member":
            return [f"grid:{contact.grid}"] if contact.grid else []
        case "department":
            departments = [contact.department] if contact.department else []
            if rule.co_departments:
                departments += [d for d in data.get("co_departments") or [] if isinstance(d, str)]
            return [f"department:{d}" for d in dict.fromkeys(departments)]
        case "committee":
            return [f"committee:{contact.committee}"] if contact.committee else []
        case "mediator":
            if contact.mediator:
                return [f"mediator:{contact.mediator}"]
            return [f"committee:{contact.committee}"] if contact.committee else []
        case "dispatcher":
            return ["dispatcher"]
        case "address":
            return [rule.address] if rule.address else []
        case "listed":
            value = data.get(rule.field or "")
            values = value if isinstance(value, list) else [value]
            return [f"{rule.listed_as}:{v}" for v in dict.fromkeys(values) if isinstance(v, str) and v]
        case "supervisors":
            found = []
            for kind in rules.supervisors(data):
                if kind == "department_head" and contact.department:
                    found.append(f"department_head:{contact.department}")
                elif kind in ("dispatcher", "leadership"):
                    found.append(kind)
            return found
    return []


NEEDS = {"reporter": "reporter_id", "grid_member": "grid", "department": "department", "committee": "committee",
         "mediator": "committee"}


def missing_for(rule: Rule, contact: Case, rules: Rules, data: dict[str, Any]) -> set[str]:
    """The case facts this rule needs that notify does not know yet."""
    need = NEEDS.get(rule.to)
    if rule.to == "mediator" and contact.mediator:
        return set()
    if need == "reporter_id" and contact.reported:
        return set()  # the report has arrived: a case without a reporter_id has nobody to tell
    if need and getattr(contact, need) is None:
        return {need}
    if rule.to == "supervisors" and "department_head" in rules.supervisors(data) and contact.department is None:
        return {"department"}
    return set()


def is_urgent(rule: Rule, data: dict[str, Any], contact: Case) -> bool:
    if rule.urgency != "event":
        return rule.urgency == "urgent"
    return data.get("urgent") is True or data.get("priority") == "urgent" or contact.urgent


# ---- the delivery log --------------------------------------------------------------------

async def list_notifications(
    *, session: AsyncSession, case_id: uuid.UUID | None, recipient: str | None, channel: str | None,
    status: str | None, event_type: str | None = None, limit: int, offset: int,
) -> NotificationPage:
    query = select(Notification)
    for column, value in ((Notification.case_id, case_id), (Notification.recipient, recipient),
                          (Notification.channel, channel), (Notification.status, status),
                          (Notification.event_type, event_type)):
        if value is not None:
            query = query.where(column == value)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = (await session.exec(query.order_by(col(Notification.created_at), col(Notification.id))
                               .offset(offset).limit(limit))).all()
    return NotificationPage(items=[NotificationPublic.model_validate(r, from_attributes=True) for r in rows], total=total)


async def notification_detail(*, session: AsyncSession, notification_id: uuid.UUID) -> NotificationDetail:
    note = await session.get(Notification, notification_id)
    if note is None:
        raise NotificationNotFound(notification_id)
    delivery = await session.get(Delivery, notification_id)
    attempts = (await session.exec(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == notification_id)
                                   .order_by(col(DeliveryAttempt.attempt), col(DeliveryAttempt.started_at)))).all()
    detail = NotificationDetail.model_validate(
        {**NotificationPublic.model_validate(note, from_attributes=True).model_dump(),
         "next_attempt_at": delivery.next_attempt_at if delivery and delivery.status == "pending" else None,
         "log": [DeliveryAttemptPublic.model_validate(a, from_attributes=True) for a in attempts]})
    if detail.channel == "webhook":
        detail.body = json.dumps(scrub(json.loads(detail.body)), ensure_ascii=False)
    return detail


async def channel_counts(*, session: AsyncSession, case_id: uuid.UUID | None = None) -> list[ChannelCounts]:
    """For one case, counted from its notifications (by the ``case_id`` index); for all, from the tally (its cost
    does not grow with the log, see ``notify.tally``)."""
    if case_id is None:
        found = await tally.counts(session=session)
    else:
        query = select(Notification.channel, Notification.status, func.count()).where(
            Notification.case_id == case_id).group_by(col(Notification.channel), col(Notification.status))
        found = {(channel, status): n for channel, status, n in (await session.exec(query)).all()}
    counts: dict[str, ChannelCounts] = {c: ChannelCounts(channel=c) for c in ("inbox", "sms", "email", "webhook")}
    for (channel, status), n in found.items():
        entry = counts.setdefault(channel, ChannelCounts(channel=channel))
        if status in tally.STATUSES:
            setattr(entry, status, getattr(entry, status) + n)
    return list(counts.values())


async def replay(*, session: AsyncSession, notification_ids: list[uuid.UUID], strict: bool = True) -> int:
    """Puts dead-lettered deliveries back in the queue, with a fresh set of attempts."""
    now = utcnow()
    replayed = 0
    changes: list[tuple[str, str | None, str | None]] = []
    for notification_id in notification_ids:
        note = await session.get(Notification, notification_id, with_for_update=True)
        delivery = await session.get(Delivery, notification_id, with_for_update=True)
        if note is None:
            raise NotificationNotFound(notification_id)
        if delivery is None or note.status != "failed":
            if strict:
                raise NotReplayable(notification_id, note.status)
            continue
        delivery.status, delivery.attempts, delivery.next_attempt_at, delivery.updated_at = "pending", 0, now, now
        changes.append((note.channel, note.status, "pending"))
        note.status = "pending"
        session.add_all([delivery, note])
        replayed += 1
    tally.count_changes(session, changes)
    return replayed

