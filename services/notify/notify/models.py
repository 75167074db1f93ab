"""Notify's tables and API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from pydantic import BaseModel
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class CaseContact(SQLModel, table=True):
    """What notify knows of a case to address its messages, learnt from the events."""

    __tablename__ = "case_contact"

    case_id: uuid.UUID = Field(primary_key=True)
    case_number: str | None = Field(default=None, max_length=32)
    reporter_id: str | None = Field(default=None, max_length=64)
    grid: str | None = Field(default=None, max_length=16)
    department: str | None = Field(default=None, max_length=16)
    committee: str | None = Field(default=None, max_length=16)


class NotificationBase(SQLModel):
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=100)
    case_id: uuid.UUID = Field(index=True)
    recipient: str = Field(max_length=100, index=True)
    channel: str = Field(max_length=16)
    status: str = Field(default="recorded", max_length=16, index=True)
    body: str
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Notification(NotificationBase, table=True):
    # One message per event, recipient and channel, however often the event is redelivered.
    __table_args__ = (UniqueConstraint("event_id", "recipient", "channel"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


class NotificationPublic(NotificationBase):
    id: uuid.UUID


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    total: int
