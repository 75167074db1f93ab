"""Pydantic models of every OneGrid event.

Each class names its CloudEvents ``type`` and the service that produces it; the Kafka topic
is ``<prefix>.<producer>.v1`` (see ``topic_for``). Events evolve by adding optional fields;
a breaking change is a new class with ``version = 2`` and a new type.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

PRODUCERS = ("intake", "dispatch", "mediation", "notify")


def topic_for(producer: str, prefix: str = "onegrid") -> str:
    return f"{prefix}.{producer}.v1"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Actor(BaseModel):
    """Who caused the event: a person with a role, or a service acting on its own."""

    role: str = Field(examples=["dept_staff"])
    id: str = Field(examples=["staff-0042"])
    department: str | None = None
    committee: str | None = None
    grid: str | None = None


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Event(BaseModel):
    """Fields every event carries. ``case_id`` is also the Kafka key and the CloudEvents subject."""

    model_config = ConfigDict(extra="ignore")

    type: ClassVar[str]
    producer: ClassVar[str]
    version: ClassVar[int] = 1

    case_id: UUID
    jurisdiction: str = Field(description="Town code; one deployment may serve several towns", examples=["YYB"])
    occurred_at: datetime = Field(default_factory=utcnow)
    actor: Actor | None = None


# --- intake -------------------------------------------------------------------------------


class CaseReported(Event):
    """A report was accepted at the front door and became a case."""

    type: ClassVar[str] = "onegrid.case.reported"
    producer: ClassVar[str] = "intake"

    case_number: str = Field(examples=["YYB-2026-000123"])
    channel: Literal["grid_app", "resident_app", "hotline", "external", "open311"]
    description: str
    category: str | None = Field(default=None, description="Catalog category code, absent for free text")
    location: Location | None = None
    grid: str
    community: str
    priority: Literal["normal", "urgent"] = "normal"
    reporter_id: str | None = None
    occurred_at_reported: datetime | None = Field(default=None, description="When the problem happened, as reported")


# --- dispatch -----------------------------------------------------------------------------


class RoutingCandidate(BaseModel):
    department: str
    score: float


class RoutingDecision(BaseModel):
    """Why a case went where it went: a rule id, or a model version and its score."""

    method: Literal["rule", "model", "manual"]
    rule_id: str | None = None
    model_version: str | None = None
    confidence: float | None = None
    candidates: list[RoutingCandidate] = Field(default_factory=list)


class CaseDispatched(Event):
    type: ClassVar[str] = "onegrid.case.dispatched"
    producer: ClassVar[str] = "dispatch"

    department: str
    co_departments: list[str] = Field(default_factory=list)
    deadline_at: datetime
    urgent: bool = False
    routing: RoutingDecision
    hop: int = Field(default=0, description="How many times the case was routed on after a return")


class CaseTriaged(Event):
    """Routing was not confident: the case waits in the dispatcher's triage queue."""

    type: ClassVar[str] = "onegrid.case.triaged"
    producer: ClassVar[str] = "dispatch"

    reason: str
    routing: RoutingDecision | None = None


class CaseAccepted(Event):
    type: ClassVar[str] = "onegrid.case.accepted"
    producer: ClassVar[str] = "dispatch"

    department: str


class CaseResolved(Event):
    type: ClassVar[str] = "onegrid.case.resolved"
    producer: ClassVar[str] = "dispatch"

    department: str
    note: str
    evidence_urls: list[str] = Field(default_factory=list)


class CaseVerified(Event):
    type: ClassVar[str] = "onegrid.case.verified"
    producer: ClassVar[str] = "dispatch"

    note: str | None = None


class CaseClosed(Event):
    type: ClassVar[str] = "onegrid.case.closed"
    producer: ClassVar[str] = "dispatch"

    outcome: Literal["verified", "mediation_agreement", "self_handled", "void"]
    department: str | None = None


class CaseMediationRequested(Event):
    """A civil dispute: the mediation network takes it over."""

    type: ClassVar[str] = "onegrid.case.mediation_requested"
    producer: ClassVar[str] = "dispatch"

    case_number: str
    category: str | None = None
    description: str
    grid: str
    community: str
    escalation_risk: bool = False


# --- mediation ----------------------------------------------------------------------------


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


# --- notify -------------------------------------------------------------------------------


class NotificationRecorded(Event):
    """Notify recorded a message for one recipient on one channel."""

    type: ClassVar[str] = "onegrid.notification.recorded"
    producer: ClassVar[str] = "notify"

    notification_id: UUID
    source_event_id: str
    source_event_type: str
    recipient: str = Field(examples=["department:D07"])
    channel: Literal["inbox", "sms", "email", "webhook"]


EVENT_CLASSES: tuple[type[Event], ...] = (
    CaseReported,
    CaseDispatched,
    CaseTriaged,
    CaseAccepted,
    CaseResolved,
    CaseVerified,
    CaseClosed,
    CaseMediationRequested,
    MediationOpened,
    MediationConcluded,
    NotificationRecorded,
)
EVENT_TYPES: dict[str, type[Event]] = {cls.type: cls for cls in EVENT_CLASSES}


def event_class(event_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise ValueError(f"unknown event type {event_type!r}") from None
