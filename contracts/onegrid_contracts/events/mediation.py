"""Events mediation publishes (topic <prefix>.mediation.v1).

A dispute that came from dispatch carries its case id; a dispute taken in directly (a party's
application, the committee's own initiative, a police or court referral, a letters-and-visits
transfer) has no case at dispatch and uses its dispute id as ``case_id`` (the Kafka key), so
consumers that look the case up simply find none. No event carries parties' personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from onegrid_contracts.events.base import Event

Route = Literal["court", "arbitration", "administrative", "police"]
Colour = Literal["red", "orange", "yellow", "blue"]


class MediationOpened(Event):
    type: ClassVar[str] = "onegrid.mediation.opened"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    source: Literal["dispatch", "application", "own_initiative", "police", "court", "letters_visits"] | None = Field(
        default=None, description="Where the dispute came from")
    register_number: str | None = Field(default=None, description="The committee's register number of the dispute")


class MediationConcluded(Event):
    """The dispute ended: an agreement, or termination with the route the parties were given."""

    type: ClassVar[str] = "onegrid.mediation.concluded"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    outcome: Literal["agreement", "terminated"]
    route: Route | None = None
    summary: str | None = None
    reason: Literal["not_accepted", "consent_refused", "mediation_failed"] | None = Field(
        default=None, description="Why a termination happened (absent for an agreement)")
    routes_told: list[Route] = Field(default_factory=list, description="Every route the parties were told of")


class MediationPerformed(Event):
    """The agreement's obligations were checked: honoured (the case can close) or not."""

    type: ClassVar[str] = "onegrid.mediation.performed"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    honoured: bool
    note: str | None = None


class MediationRiskWarning(Event):
    """民转刑 early warning: screening found a red risk; the police station and the Judicial Office
    are to act now, and the dispute stays on the watch list until lowered with a reason."""

    type: ClassVar[str] = "onegrid.mediation.risk_warning"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    colour: Colour = "red"
    score: int
    reasons: list[str] = Field(description="Why, one line per rule that matched (no personal data)")
    warn_departments: list[str] = Field(default_factory=lambda: ["D06", "D05"],
                                        description="Departments to warn: the police station and the Judicial Office")
    register_number: str | None = None


class MediationRiskLowered(Event):
    """A person lowered a red risk with a reason: the dispute leaves the watch list."""

    type: ClassVar[str] = "onegrid.mediation.risk_lowered"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    colour: Colour
    reason: str
    warn_departments: list[str] = Field(default_factory=lambda: ["D06", "D05"])


class MediationDeadlineWarning(Event):
    """The mediation's time limit is near."""

    type: ClassVar[str] = "onegrid.mediation.deadline_warning"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    deadline_at: datetime


class MediationOverdue(Event):
    """The time limit passed without an outcome: escalated to the hub (the Judicial Office)."""

    type: ClassVar[str] = "onegrid.mediation.overdue"
    producer: ClassVar[str] = "mediation"

    dispute_id: UUID
    committee: str
    deadline_at: datetime
    escalated_to: str = "HUB"


EVENTS: tuple[type[Event], ...] = (MediationOpened, MediationConcluded, MediationPerformed, MediationRiskWarning,
                                   MediationRiskLowered, MediationDeadlineWarning, MediationOverdue)
