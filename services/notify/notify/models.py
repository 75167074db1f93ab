"""Notify's tables and API shapes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from onegrid_contracts.ids import new_id
from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from pydantic import BaseModel, ConfigDict, HttpUrl
from pydantic import Field as PField
from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

Channel = Literal["inbox", "sms", "email", "webhook"]
Language = Literal["zh", "en"]


class CaseContact(SQLModel, table=True):
    """What notify knows of a case to address its messages, learnt from the events."""

    __tablename__ = "case_contact"

    case_id: uuid.UUID = Field(primary_key=True)
    case_number: str | None = Field(default=None, max_length=32)
    reporter_id: str | None = Field(default=None, max_length=64)
    grid: str | None = Field(default=None, max_length=16)
    department: str | None = Field(default=None, max_length=16)
    committee: str | None = Field(default=None, max_length=16)
    mediator: str | None = Field(default=None, max_length=64)
    community: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=16)
    urgent: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # case.reported has arrived: from then on a missing reporter_id means the report has no reporter to tell
    # (an anonymous call, another system), not that notify has yet to learn it.
    reported: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


@dataclass(slots=True)
class CaseFacts:
    """A ``case_contact`` row as a plain value: what the event path works with (building ORM objects per
    event is what made it slow)."""

    case_id: uuid.UUID
    case_number: str | None = None
    reporter_id: str | None = None
    grid: str | None = None
    department: str | None = None
    committee: str | None = None
    mediator: str | None = None
    community: str | None = None
    category: str | None = None
    urgent: bool = False
    deadline_at: datetime | None = None
    reported: bool = False


CASE_FACTS = tuple(CaseFacts.__dataclass_fields__)
Case = CaseContact | CaseFacts  # what rules and templates read a case's facts from


class Recipient(SQLModel, table=True):
    """The recipient directory: a person's or a queue's language and contact points (personal data)."""

    __tablename__ = "recipient"

    address: str = Field(primary_key=True, max_length=100)
    language: str | None = Field(default=None, max_length=8)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class NotificationBase(SQLModel):
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=100)
    case_id: uuid.UUID = Field(index=True)
    recipient: str = Field(max_length=100, index=True)
    channel: str = Field(max_length=16)
    status: str = Field(default="recorded", max_length=16, index=True,
                        description="pending | delivered | failed (dead letter) | skipped (no contact point)")
    subject: str | None = Field(default=None, max_length=300)
    body: str
    language: str | None = Field(default=None, max_length=8)
    urgent: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Notification(NotificationBase, table=True):
    # One message per event, recipient and channel, however often the event is redelivered.
    __table_args__ = (UniqueConstraint("event_id", "recipient", "channel"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)


class NotificationTally(SQLModel, table=True):
    """Notifications per channel and status, kept as changes: every transaction that records notifications or
    changes their status adds a row per (channel, status) it changed, with the difference (+n, -n). The counts
    are the sums. Rows are only ever added, so transactions never wait on one another for a counter, and a
    compaction (``notify.tally``) folds them into one row per pair every few seconds: reading the counts costs
    the same however many notifications the log holds."""

    __tablename__ = "notification_tally"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    channel: str = Field(max_length=16)
    status: str = Field(max_length=16)
    delta: int = Field(sa_type=BigInteger)


class Delivery(SQLModel, table=True):
    """The durable delivery queue: one row per message to send outside (sms, email, webhook).

    Written in the same transaction as the notification; the worker claims due rows with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` and pushes ``next_attempt_at`` forward as a lease.
    """

    __tablename__ = "delivery"
    # Only pending rows are indexed for the claim (per endpoint, by due time): the index stays
    # as small as the queue, however long the delivery log grows.
    __table_args__ = (Index("ix_delivery_pending", "endpoint", "next_attempt_at",
                            postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),)

    notification_id: uuid.UUID = Field(primary_key=True)
    channel: str = Field(max_length=16)
    endpoint: str = Field(max_length=64, index=True, description="email | sms | webhook:<subscription id>")
    target: str = Field(max_length=500, description="e-mail address, phone number or URL")
    urgent: bool = False
    status: str = Field(default="pending", max_length=16, description="pending | delivered | failed")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class DeliveryAttemptBase(SQLModel):
    notification_id: uuid.UUID = Field(index=True)
    attempt: int
    started_at: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(max_length=16, description="delivered | failed")
    latency_ms: int
    http_status: int | None = None
    error: str | None = Field(default=None, max_length=500)


class DeliveryAttempt(DeliveryAttemptBase, table=True):
    """The delivery log: every attempt, with its time, outcome, latency and error."""

    __tablename__ = "delivery_attempt"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)


class InboxRead(SQLModel, table=True):
    """Who read which in-app message (a queue's inbox is shared, read marks are per user)."""

    __tablename__ = "inbox_read"

    notification_id: uuid.UUID = Field(primary_key=True)
    reader: str = Field(primary_key=True, max_length=100)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class SubscriptionBase(SQLModel):
    name: str = Field(max_length=100)
    url: str = Field(max_length=500)
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Subscription(SubscriptionBase, table=True):
    """An external system subscribed to events (webhooks)."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    secret: str = Field(max_length=128)
    previous_secret: str | None = Field(default=None, max_length=128)
    previous_secret_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    status: str = Field(default="active", max_length=16, description="active | paused")
    consecutive_failures: int = 0
    paused_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    pause_reason: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


# ---- API shapes -------------------------------------------------------------------------

class NotificationPublic(NotificationBase):
    id: uuid.UUID


class DeliveryAttemptPublic(DeliveryAttemptBase):
    pass


class NotificationDetail(NotificationPublic):
    next_attempt_at: datetime | None = None
    log: list[DeliveryAttemptPublic]


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    total: int


class ChannelCounts(BaseModel):
    channel: str
    delivered: int = 0
    failed: int = 0
    pending: int = 0
    skipped: int = 0


class InboxItem(BaseModel):
    id: uuid.UUID
    event_type: str
    case_id: uuid.UUID
    recipient: str
    subject: str | None
    body: str
    urgent: bool
    created_at: datetime
    read: bool


class InboxPage(BaseModel):
    items: list[InboxItem]
    total: int
    unread: int


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionCreate(Filters):
    name: str = PField(min_length=1, max_length=100, examples=["county-12345-hotline"])
    url: HttpUrl = PField(examples=["https://hotline.example.gov/onegrid/events"])
    event_types: list[str] = PField(min_length=1, examples=[["onegrid.case.dispatched", "onegrid.case.closed"]],
                                   description="Event types, or patterns such as onegrid.case.*")
    departments: list[str] = PField(default_factory=list, description="Only cases of these departments (empty: all)")
    grids: list[str] = PField(default_factory=list, description="Only cases in these grids (empty: all)")
    categories: list[str] = PField(default_factory=list, description="Only cases of these categories (empty: all)")


class SubscriptionUpdate(Filters):
    name: str | None = PField(default=None, min_length=1, max_length=100)
    url: HttpUrl | None = None
    event_types: list[str] | None = PField(default=None, min_length=1)
    departments: list[str] | None = None
    grids: list[str] | None = None
    categories: list[str] | None = None


class SubscriptionPublic(SubscriptionBase):
    id: uuid.UUID
    status: str
    consecutive_failures: int
    paused_at: datetime | None
    pause_reason: str | None
    created_at: datetime
    previous_secret_until: datetime | None


class SubscriptionSecret(SubscriptionPublic):
    secret: str = Field(description="Shown once: keep it to verify the X-OneGrid-Signature header")


class RecipientIn(Filters):
    language: Language | None = None
    email: str | None = PField(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                              examples=["d11-queue@town.example.gov"])
    phone: str | None = PField(default=None, pattern=r"^\+?[0-9]{5,20}$", examples=["+8613800000000"])


class RecipientPublic(BaseModel):
    address: str
    language: str | None
    email: str | None
    phone: str | None
    updated_at: datetime


class ReplayResult(BaseModel):
    replayed: int


class DeferredEvent(SQLModel, table=True):
    """An event some of whose recipients were not known yet (events of different services arrive in
    any order): it is notified again, for those recipients only, once the case's missing facts arrive."""

    __tablename__ = "deferred_event"

    event_id: str = Field(primary_key=True, max_length=64)
    case_id: uuid.UUID = Field(index=True)
    event_type: str = Field(max_length=100)
    source: str = Field(max_length=200)
    time: str = Field(max_length=40)
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    missing: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
