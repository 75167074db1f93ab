"""Events mediation publishes (topic <prefix>.mediation.v1)."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID


from onegrid_contracts.events.base import Event

class MediationOpened(Event):
    type: ClassVar[str] = "onegrid.mediation.opened"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str


class MediationConcluded(Event):
    """The dispute ended: an agreement, or termination with the route the parties were given."""

    type: ClassVar[str] = "onegrid.mediation.concluded"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    outcome: Literal["agreement", "terminated"]
    route: Literal["court", "arbitration", "administrative", "police"] | None = None
    summary: str | None = None


class MediationPerformed(Event):
    """The agreement's obligations were checked: honoured (the case can close) or not."""

    type: ClassVar[str] = "onegrid.mediation.performed"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    honoured: bool
    note: str | None = None


EVENTS: tuple[type[Event], ...] = (MediationOpened, MediationConcluded, MediationPerformed)
