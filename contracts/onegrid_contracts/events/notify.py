"""Events notify publishes (topic <prefix>.notify.v1)."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from onegrid_contracts.events.base import Event


class RecordedMessage(BaseModel):
    """One message notify recorded: one recipient on one channel."""

    notification_id: UUID
    recipient: str = Field(examples=["department:D07"])
    channel: Literal["inbox", "sms", "email", "webhook"]


class NotificationsRecorded(Event):
    """Notify recorded messages one event caused, one per recipient and channel (messages skipped for want of a
    phone number or e-mail address are not listed). One per source event, and one more when recipients that
    had to wait for facts of the case (an event that came before the case's report) are told later. It
    replaced ``notification.recorded`` (one per message: a Kafka record and an outbox row each)."""

    type: ClassVar[str] = "onegrid.notifications.recorded"
    producer: ClassVar[str] = "notify"

    source_event_id: str
    source_event_type: str
    messages: list[RecordedMessage] = Field(min_length=1)


EVENTS: tuple[type[Event], ...] = (NotificationsRecorded,)
