"""Notify's service logic: from one event to the messages it causes, and the delivery log.

Everything here runs inside the consuming transaction: the notifications, the in-app inbox
entries, the delivery-queue rows and the ``notification.recorded`` events commit together with
the event's inbox id, so a redelivered event causes nothing twice. Nothing here sends anything.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import EVENT_TYPES, Actor, NotificationRecorded
from onegrid_runtime.db import utcnow
from onegrid_runtime.outbox import emit
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import NotifySettings
from notify.delivery import quiet_until
from notify.errors import NotificationNotFound, NotReplayable
from notify.messages import language_of, message_context, scrub, templates
from notify.models import (
    CaseContact,
    ChannelCounts,
    DeferredEvent,
    Delivery,
    DeliveryAttempt,
    DeliveryAttemptPublic,
    Notification,
    NotificationDetail,
    NotificationPage,
    NotificationPublic,
    Recipient,
)
from notify.rules import Rule, Rules, load_rules
from notify.subscriptions import matching_subscriptions, webhook_payload

# Fields of any event that tell notify about the case (learnt into case_contact).
CONTACT_FIELDS = ("case_number", "reporter_id", "grid", "department", "committee", "community", "category")


async def learn_case(session: AsyncSession, event: Event) -> tuple[CaseContact, set[str]]:
    """Learns the case's facts from the event; returns the contact and the fields it did not know before."""
    contact = await session.get(CaseContact, event.case_id) or CaseContact(case_id=event.case_id)
    before = {name: getattr(contact, name) for name in (*CONTACT_FIELDS, "mediator")}
    for name in CONTACT_FIELDS:
        value = getattr(event, name, None)
        # The reporter is the first one; later reporters of a duplicate are addressed by their own event.
        if isinstance(value, str) and value and not (name == "reporter_id" and contact.reporter_id):
            setattr(contact, name, value)
    mediator = getattr(event, "mediator_id", None) or getattr(event, "mediator", None)
    if isinstance(mediator, str) and mediator:
        contact.mediator = mediator
    if isinstance(getattr(event, "urgent", None), bool):
        contact.urgent = event.urgent  # type: ignore[attr-defined]
    elif getattr(event, "priority", None) in ("urgent", "normal"):
        contact.urgent = event.priority == "urgent"  # type: ignore[attr-defined]
    deadline = getattr(event, "deadline_at", None) or getattr(event, "new_deadline_at", None)
    if isinstance(deadline, datetime):
        contact.deadline_at = deadline
    session.add(contact)
    return contact, {name for name, old in before.items() if old is None and getattr(contact, name) is not None}


async def learn_reporter(session: AsyncSession, event: Event, contact: CaseContact) -> None:
    """Language and contact points carried by an event (optional fields) go to the directory."""
    if not contact.reporter_id:
        return
    found = {name: getattr(event, attr, None) for name, attr in
             (("language", "reporter_language"), ("email", "reporter_email"), ("phone", "reporter_phone"))}
    found = {k: v for k, v in found.items() if isinstance(v, str) and v}
    if not found:
        return
    address = f"resident:{contact.reporter_id}"
    entry = await session.get(Recipient, address) or Recipient(address=address)
    for name, value in found.items():
        setattr(entry, name, value)
    entry.updated_at = utcnow()
    session.add(entry)


def addresses(rule: Rule, contact: CaseContact, data: dict[str, Any], rules: Rules) -> list[str]:
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


def missing_for(rule: Rule, contact: CaseContact, rules: Rules, data: dict[str, Any]) -> set[str]:
    """The case facts this rule needs that notify does not know yet."""
    need = NEEDS.get(rule.to)
    if rule.to == "mediator" and contact.mediator:
        return set()
    if need and getattr(contact, need) is None:
        return {need}
    if rule.to == "supervisors" and "department_head" in rules.supervisors(data) and contact.department is None:
        return {"department"}
    return set()


def is_urgent(rule: Rule, data: dict[str, Any], contact: CaseContact) -> bool:
    if rule.urgency != "event":
        return rule.urgency == "urgent"
    return data.get("urgent") is True or data.get("priority") == "urgent" or contact.urgent


async def record_notifications(
    *, session: AsyncSession, event: Event, envelope: Envelope, settings: NotifySettings
) -> list[Notification]:
    """The handler's work: learn the case, catch up on earlier events that waited for what was just
    learnt, then record this event's notifications (one per recipient and channel, per the rules)."""
    contact, learnt = await learn_case(session, event)
    await learn_reporter(session, event, contact)
    await session.flush()
    created: list[Notification] = []
    if learnt:
        created += await catch_up(session=session, contact=contact, learnt=learnt, settings=settings)
    notes, missing = await notify_event(session=session, event=event, envelope=envelope, contact=contact,
                                        settings=settings)
    if missing:
        session.add(DeferredEvent(event_id=envelope.id, case_id=event.case_id, event_type=event.type,
                                  source=envelope.source, time=envelope.time, data=event.model_dump(mode="json"),
                                  missing=sorted(missing)))
    return created + notes


async def catch_up(*, session: AsyncSession, contact: CaseContact, learnt: set[str],
                   settings: NotifySettings) -> list[Notification]:
    """Notifies the recipients earlier events of this case could not name until now."""
    created: list[Notification] = []
    waiting = (await session.exec(select(DeferredEvent).where(DeferredEvent.case_id == contact.case_id)
                                  .order_by(col(DeferredEvent.created_at)).with_for_update())).all()
    for deferred in waiting:
        if not learnt & set(deferred.missing):
            continue
        cls = EVENT_TYPES.get(deferred.event_type)
        if cls is None:
            await session.delete(deferred)
            continue
        event = cls.model_validate(deferred.data)
        envelope = Envelope(id=deferred.event_id, type=deferred.event_type, source=deferred.source, time=deferred.time,
                            subject=str(deferred.case_id), dataschema=None, data=deferred.data)
        notes, missing = await notify_event(session=session, event=event, envelope=envelope, contact=contact,
                                            settings=settings)
        created += notes
        if missing:
            deferred.missing = sorted(missing)
            session.add(deferred)
        else:
            await session.delete(deferred)
    return created


async def notify_event(
    *, session: AsyncSession, event: Event, envelope: Envelope, contact: CaseContact, settings: NotifySettings
) -> tuple[list[Notification], set[str]]:
    """Records this event's notifications for every recipient the rules name and the case lets us address;
    returns them and the case facts still missing for the others."""
    rules = load_rules(settings.rules_file)
    words = templates(settings.templates_dir)
    data = event.model_dump(mode="json")
    done = set((await session.exec(select(Notification.recipient, Notification.channel)
                                   .where(Notification.event_id == envelope.id))).all())
    missing: set[str] = set()
    directory: dict[str, Recipient | None] = {}
    now = utcnow()
    created: list[Notification] = []

    def add(note: Notification, target: str | None, endpoint: str | None) -> None:
        session.add(note)
        created.append(note)
        done.add((note.recipient, note.channel))
        if note.status == "skipped":
            return
        if target and endpoint:
            due = now
            if note.channel == "sms" and not note.urgent:
                due = quiet_until(now, settings.timezone, settings.sms_quiet_hours) or now
            session.add(Delivery(notification_id=note.id, channel=note.channel, endpoint=endpoint, target=target,
                                 urgent=note.urgent, next_attempt_at=due))
        emit(session, NotificationRecorded(
            case_id=event.case_id, jurisdiction=event.jurisdiction, actor=Actor(role="system", id="notify"),
            notification_id=note.id, source_event_id=envelope.id, source_event_type=event.type,
            recipient=note.recipient, channel=note.channel))  # type: ignore[arg-type]

    for rule in rules.for_event(event.type):
        if not rule.applies(data):
            continue
        urgent = is_urgent(rule, data, contact)
        missing |= missing_for(rule, contact, rules, data)
        if rule.to == "subscribers":
            subs, unknown = await matching_subscriptions(session=session, event_type=event.type, contact=contact,
                                                         data=data)
            missing |= unknown
            for sub in subs:
                recipient = f"webhook:{sub.id}"
                if (recipient, "webhook") in done:
                    continue
                body = webhook_payload(envelope=envelope, event=event, data=data, contact=contact, rules=rules)
                add(Notification(event_id=envelope.id, event_type=event.type, case_id=event.case_id, recipient=recipient,
                                 channel="webhook", status="pending", subject=event.type, body=body, urgent=urgent),
                    sub.url, recipient)
            continue
        for address in addresses(rule, contact, data, rules):
            if address not in directory:
                directory[address] = await session.get(Recipient, address)
            entry = directory[address]
            language = language_of(entry.language if entry else None, settings.default_language)
            context = message_context(event_type=event.type, data=data, contact=contact, audience=rule.audience,
                                      rules=rules, language=language, link=settings.case_link,
                                      timezone=settings.timezone, words=words, urgent=urgent)
            for channel in rule.channels:
                if (address, channel) in done:
                    continue
                message = words.render(language=language, event_type=event.type, channel=channel, context=context)
                note = Notification(event_id=envelope.id, event_type=event.type, case_id=event.case_id,
                                    recipient=address, channel=channel, subject=message.subject[:300],
                                    body=message.body, language=language, urgent=urgent)
                target = {"sms": entry.phone if entry else None, "email": entry.email if entry else None}.get(channel)
                if channel == "inbox":
                    note.status, note.delivered_at = "delivered", now
                elif target:
                    note.status = "pending"
                else:
                    note.status = "skipped"
                    note.last_error = f"no {'phone number' if channel == 'sms' else 'e-mail address'} on file"
                add(note, target, channel if channel != "inbox" else None)
    return created, missing


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
    query = select(Notification.channel, Notification.status, func.count()).group_by(
        col(Notification.channel), col(Notification.status))
    if case_id is not None:
        query = query.where(Notification.case_id == case_id)
    counts: dict[str, ChannelCounts] = {c: ChannelCounts(channel=c) for c in ("inbox", "sms", "email", "webhook")}
    for channel, status, n in (await session.exec(query)).all():
        entry = counts.setdefault(channel, ChannelCounts(channel=channel))
        if status in ("delivered", "failed", "pending", "skipped"):
            setattr(entry, status, getattr(entry, status) + n)
    return list(counts.values())


async def replay(*, session: AsyncSession, notification_ids: list[uuid.UUID], strict: bool = True) -> int:
    """Puts dead-lettered deliveries back in the queue, with a fresh set of attempts."""
    now = utcnow()
    replayed = 0
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
        note.status = "pending"
        session.add_all([delivery, note])
        replayed += 1
    return replayed

