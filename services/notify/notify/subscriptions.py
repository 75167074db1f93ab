"""Webhook subscriptions of external systems: filters, signing secrets with rotation, payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Any

from onegrid_contracts import Envelope, Event
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import utcnow
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.errors import InvalidInput, SubscriptionNotFound
from notify.messages import scrub
from notify.models import (
    Case,
    Delivery,
    Notification,
    Subscription,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionSecret,
    SubscriptionUpdate,
)
from notify.rules import Rules
from notify.tally import count_changes

SIGNATURE_VERSION = "v1"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over ``<timestamp>.<body>``, hex: what a receiver recomputes to trust a delivery."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(sub: Subscription, timestamp: int, body: bytes) -> str:
    """``v1=<hex>``; during a rotation's grace period also the previous secret's ``v1=<hex>``."""
    values = [f"{SIGNATURE_VERSION}={sign(sub.secret, timestamp, body)}"]
    if sub.previous_secret and sub.previous_secret_until and sub.previous_secret_until > utcnow():
        values.append(f"{SIGNATURE_VERSION}={sign(sub.previous_secret, timestamp, body)}")
    return ", ".join(values)


def webhook_payload(*, envelope: Envelope, event: Event, data: dict[str, Any], contact: Case, rules: Rules) -> str:
    """A CloudEvents 1.0 JSON event: the source event without personal fields, phone and ID numbers masked."""
    public = {k: scrub(v) for k, v in data.items() if k not in rules.personal_fields}
    for name in ("case_number", "department", "grid", "category", "community"):
        if public.get(name) is None and getattr(contact, name):
            public[name] = getattr(contact, name)
    return json.dumps({
        "specversion": "1.0", "id": envelope.id, "source": envelope.source, "type": event.type,
        "time": envelope.time, "subject": str(event.case_id), "datacontenttype": "application/json",
        "data": public,
    }, ensure_ascii=False, separators=(",", ":"))


def matching_subscriptions(*, subscriptions: Sequence[Any], event_type: str, contact: Case,
                           data: dict[str, Any]) -> tuple[list[Any], set[str]]:
    """Of ``subscriptions`` (rows or objects of the table, oldest first; a paused one queues), those whose
    event types and filters match; and the case facts a filter needs that are not known yet (the event is
    then offered again when they arrive)."""
    departments = {d for d in [contact.department, *(data.get("co_departments") or [])] if d}
    found, unknown = [], set()
    for sub in subscriptions:
        if not any(p == event_type or fnmatchcase(event_type, p) for p in sub.event_types):
            continue
        checks = (("department", sub.departments, departments), ("grid", sub.grids, {contact.grid} - {None}),
                  ("category", sub.categories, {contact.category} - {None}))
        waiting = {name for name, wanted, known in checks if wanted and not known}
        if waiting:
            unknown |= waiting
            continue
        if all(not wanted or known & set(wanted) for _, wanted, known in checks):
            found.append(sub)
    return found, unknown


def _public(sub: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(sub, from_attributes=True)


def _check_patterns(event_types: list[str]) -> None:
    for pattern in event_types:
        if not pattern.startswith("onegrid.") or any(c.isspace() for c in pattern):
            raise InvalidInput(f"event_types: {pattern!r} is not an event type such as onegrid.case.closed or a "
                               f"pattern such as onegrid.case.*", field="event_types")


async def create_subscription(*, session: AsyncSession, body: SubscriptionCreate, principal: Principal) -> SubscriptionSecret:
    _check_patterns(body.event_types)
    sub = Subscription(name=body.name, url=str(body.url), event_types=body.event_types, departments=body.departments,
                       grids=body.grids, categories=body.categories, secret=new_secret(), created_by=principal.subject)
    session.add(sub)
    await session.flush()
    return SubscriptionSecret.model_validate({**_public(sub).model_dump(), "secret": sub.secret})


async def get_subscription(*, session: AsyncSession, subscription_id: uuid.UUID, principal: Principal,
                           lock: bool = False) -> Subscription:
    sub = await session.get(Subscription, subscription_id, with_for_update=lock)
    if sub is None or (principal.role != Role.admin and sub.created_by != principal.subject):
        raise SubscriptionNotFound(subscription_id)
    return sub


async def list_subscriptions(*, session: AsyncSession, principal: Principal) -> list[SubscriptionPublic]:
    query = select(Subscription).order_by(col(Subscription.created_at))
    if principal.role != Role.admin:
        query = query.where(Subscription.created_by == principal.subject)
    return [_public(s) for s in (await session.exec(query)).all()]


async def update_subscription(*, session: AsyncSession, subscription_id: uuid.UUID, body: SubscriptionUpdate,
                              principal: Principal) -> SubscriptionPublic:
    sub = await get_subscription(session=session, subscription_id=subscription_id, principal=principal, lock=True)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("event_types") is not None:
        _check_patterns(changes["event_types"])
    for name, value in changes.items():
        if value is None and name in ("name", "url", "event_types"):
            raise InvalidInput(f"{name}: may not be null", field=name)
        setattr(sub, name, str(value) if name == "url" else (value if value is not None else []))
    session.add(sub)
    if "url" in changes:  # queued deliveries go to the new address
        await session.exec(update(Delivery).where(col(Delivery.endpoint) == f"webhook:{sub.id}",
                                                  col(Delivery.status) == "pending").values(target=sub.url))
    return _public(sub)


async def delete_subscription(*, session: AsyncSession, subscription_id: uuid.UUID, principal: Principal) -> None:
    sub = await get_subscription(session=session, subscription_id=subscription_id, principal=principal, lock=True)
    endpoint = f"webhook:{sub.id}"
    pending = (await session.exec(select(Delivery.notification_id).where(
        Delivery.endpoint == endpoint, Delivery.status == "pending"))).all()
    now = utcnow()
    await session.exec(update(Delivery).where(col(Delivery.endpoint) == endpoint, col(Delivery.status) == "pending")
                       .values(status="failed", updated_at=now))
    if pending:
        notes = (await session.exec(select(Notification.channel, Notification.status).where(
            col(Notification.id).in_(pending)).with_for_update())).all()
        await session.exec(update(Notification).where(col(Notification.id).in_(pending))
                           .values(status="failed", last_error="subscription deleted"))
        count_changes(session, ((channel, status, "failed") for channel, status in notes))
    await session.delete(sub)


async def rotate_secret(*, session: AsyncSession, subscription_id: uuid.UUID, principal: Principal,
                        grace_seconds: float) -> SubscriptionSecret:
    """A new secret signs from now on; the previous one also signs until the grace period ends."""
    sub = await get_subscription(session=session, subscription_id=subscription_id, principal=principal, lock=True)
    sub.previous_secret, sub.secret = sub.secret, new_secret()
    sub.previous_secret_until = utcnow() + timedelta(seconds=grace_seconds)
    session.add(sub)
    return SubscriptionSecret.model_validate({**_public(sub).model_dump(), "secret": sub.secret})


async def resume_subscription(*, session: AsyncSession, subscription_id: uuid.UUID, principal: Principal) -> SubscriptionPublic:
    sub = await get_subscription(session=session, subscription_id=subscription_id, principal=principal, lock=True)
    sub.status, sub.consecutive_failures, sub.paused_at, sub.pause_reason = "active", 0, None, None
    session.add(sub)
    return _public(sub)


async def failed_deliveries(*, session: AsyncSession, subscription_id: uuid.UUID) -> list[uuid.UUID]:
    return list((await session.exec(select(Delivery.notification_id).where(
        Delivery.endpoint == f"webhook:{subscription_id}", Delivery.status == "failed"))).all())
