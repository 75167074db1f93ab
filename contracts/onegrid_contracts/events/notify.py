"""Events notify publishes (topic <prefix>.notify.v1)."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from onegrid_contracts.events.base import Event

class NotificationRecorded(Event):
    """Notify recorded a message for one recipient on one channel."""

    type: ClassVar[str] = "onegrid.notification.recorded"
    producer: ClassVar[str] = "notify"

    notification_id: UUID
    source_event_id: str
    source_event_type: str
    recipient: str = Field(examples=["department:D07"])
    channel: Literal["inbox", "sms", "email", "webhook"]


EVENTS: tuple[type[Event], ...] = (NotificationRecorded,)
