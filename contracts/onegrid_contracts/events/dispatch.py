"""Events dispatch publishes (topic <prefix>.dispatch.v1)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from onegrid_contracts.events.base import Event

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

    outcome: Literal["verified", "mediation_agreement", "referred", "self_handled", "void"]
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


EVENTS: tuple[type[Event], ...] = (CaseDispatched, CaseTriaged, CaseAccepted, CaseResolved, CaseVerified, CaseClosed, CaseMediationRequested,)
