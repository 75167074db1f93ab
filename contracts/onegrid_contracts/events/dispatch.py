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
    threshold: float | None = Field(default=None, description="Model decisions: the confidence needed to route without a person")
    reason: str | None = None


class CaseDispatched(Event):
    type: ClassVar[str] = "onegrid.case.dispatched"
    producer: ClassVar[str] = "dispatch"

    department: str
    co_departments: list[str] = Field(default_factory=list)
    deadline_at: datetime
    urgent: bool = False
    routing: RoutingDecision
    hop: int = Field(default=0, description="How many times the case was routed on after a return")
    previous_department: str | None = Field(default=None, description="Set on redispatch, reassignment and reopening")
    reason: str | None = Field(default=None, description="Why it went there when a person decided (manual, reassignment, ruling)")


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

    outcome: Literal["verified", "mediation_agreement", "referred", "self_handled", "void", "closed_by_dispatcher"]
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


class CaseReturned(Event):
    """A department gave the case back with a reason; ``next`` says where it went."""

    type: ClassVar[str] = "onegrid.case.returned"
    producer: ClassVar[str] = "dispatch"

    department: str
    reason: str
    hop: int
    next: Literal["next_candidate", "triage", "ruling"]


class CaseReturnRuled(Event):
    """The dispatcher ruled on a return: upheld (sent to ``department``) or overruled (back to it)."""

    type: ClassVar[str] = "onegrid.case.return_ruled"
    producer: ClassVar[str] = "dispatch"

    ruling: Literal["uphold", "overrule"]
    returned_by: str
    department: str
    note: str | None = None


class CaseProgressNoted(Event):
    type: ClassVar[str] = "onegrid.case.progress_noted"
    producer: ClassVar[str] = "dispatch"

    department: str
    note: str


class CaseExtensionRequested(Event):
    """A department asks for more time (delay) or to pause the clock (hold)."""

    type: ClassVar[str] = "onegrid.case.extension_requested"
    producer: ClassVar[str] = "dispatch"

    request_id: int
    kind: Literal["delay", "hold"]
    department: str
    reason: str
    hours: float | None = Field(default=None, description="Delay: hours added to the deadline, in the deadline's own "
                                "time (working hours; clock hours for urgent cases)")
    hold_until: datetime | None = None


class CaseExtensionDecided(Event):
    """The dispatcher approved or refused a delay or hold; the actor is the approver."""

    type: ClassVar[str] = "onegrid.case.extension_decided"
    producer: ClassVar[str] = "dispatch"

    request_id: int
    kind: Literal["delay", "hold"]
    approved: bool
    department: str
    deadline_at: datetime | None = Field(default=None, description="The deadline after the decision")
    previous_deadline_at: datetime | None = None
    note: str | None = None


class CaseResumed(Event):
    """A hold ended; the deadline moved by the working time spent on hold."""

    type: ClassVar[str] = "onegrid.case.resumed"
    producer: ClassVar[str] = "dispatch"

    department: str
    deadline_at: datetime
    previous_deadline_at: datetime


class CaseReworkRequested(Event):
    """Verification failed: the case goes back to the department."""

    type: ClassVar[str] = "onegrid.case.rework_requested"
    producer: ClassVar[str] = "dispatch"

    department: str
    note: str
    rework_count: int


class CaseReopened(Event):
    """A dissatisfied rating reopened a closed case."""

    type: ClassVar[str] = "onegrid.case.reopened"
    producer: ClassVar[str] = "dispatch"

    rating: int | None = None
    reason: str
    reopen_count: int


class CaseSelfHandled(Event):
    """The grid member resolved the case on the spot (a self-handle category)."""

    type: ClassVar[str] = "onegrid.case.self_handled"
    producer: ClassVar[str] = "dispatch"

    grid: str
    note: str
    evidence_urls: list[str] = Field(default_factory=list)


class CaseVoided(Event):
    type: ClassVar[str] = "onegrid.case.voided"
    producer: ClassVar[str] = "dispatch"

    reason: Literal["invalid", "duplicate"]
    duplicate_of: str | None = Field(default=None, description="Case id of the original, for a duplicate")
    note: str | None = None


class CaseDeadlineWarning(Event):
    """The case has used ``elapsed_fraction`` of its time (80 % by default) and is not resolved."""

    type: ClassVar[str] = "onegrid.case.deadline_warning"
    producer: ClassVar[str] = "dispatch"

    department: str
    deadline_at: datetime
    elapsed_fraction: float


class CaseEscalated(Event):
    """The case is overdue (督办): level 1 department head, 2 dispatcher, 3 town leadership."""

    type: ClassVar[str] = "onegrid.case.escalated"
    producer: ClassVar[str] = "dispatch"

    level: int = Field(ge=1, le=3)
    to: Literal["department_head", "dispatcher", "town_leadership"]
    department: str
    deadline_at: datetime
    overdue_working_hours: float


EVENTS: tuple[type[Event], ...] = (
    CaseDispatched, CaseTriaged, CaseAccepted, CaseResolved, CaseVerified, CaseClosed, CaseMediationRequested,
    CaseReturned, CaseReturnRuled, CaseProgressNoted, CaseExtensionRequested, CaseExtensionDecided, CaseResumed,
    CaseReworkRequested, CaseReopened, CaseSelfHandled, CaseVoided, CaseDeadlineWarning, CaseEscalated,
)
