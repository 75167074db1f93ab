"""Dispatch's tables and API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlalchemy import JSON, Column, Index, LargeBinary, text
from sqlmodel import Field, SQLModel


class CaseBase(SQLModel):
    case_number: str = Field(max_length=32, index=True)
    jurisdiction: str = Field(max_length=16)
    category: str | None = Field(default=None, max_length=8)
    description: str = Field(max_length=4000)
    grid: str = Field(max_length=16, index=True)
    community: str = Field(max_length=16, index=True)
    priority: str = Field(default="normal", max_length=8)
    urgent: bool = False
    status: str = Field(max_length=24, index=True)
    department: str | None = Field(default=None, max_length=16, index=True)
    hop: int = 0
    reported_at: datetime = Field(sa_type=UtcDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # lifecycle bookkeeping (what the KPIs count)
    first_dispatched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    dispatched_on_time: bool | None = Field(default=None, description="First dispatch within the dispatch target")
    resolved_by: str | None = Field(default=None, max_length=16, description="Department that really resolved it")
    outcome: str | None = Field(default=None, max_length=24, description="How it closed (verified, self_handled...)")
    self_handled: bool = False
    return_count: int = 0
    rework_count: int = 0
    reopen_count: int = 0
    extension_count: int = Field(default=0, description="Approved delays and holds")
    void_reason: str | None = Field(default=None, max_length=16)
    duplicate_of: uuid.UUID | None = None
    rating: int | None = None
    rated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # deadline and timers
    deadline_clock: str = Field(default="working", max_length=8, description="working | clock")
    warn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    warned_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    escalation_level: int = 0
    overdue_at: datetime | None = Field(default=None, sa_type=UtcDateTime, description="When it first went overdue")
    hold_started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    hold_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Case(CaseBase, table=True):
    id: uuid.UUID = Field(primary_key=True)
    co_departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    routing: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    returned_by: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False),
                                   description="Departments that returned the case, in order")
    tried_departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    next_timer_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class ExtensionRequest(SQLModel, table=True):
    """A department's request for a delay (more time) or a hold (clock paused), and its decision."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=8)
    department: str = Field(max_length=16)
    reason: str = Field(max_length=2000)
    hours: float | None = None
    hold_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    status: str = Field(default="pending", max_length=12)  # pending | approved | refused
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_note: str | None = Field(default=None, max_length=2000)
    previous_deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    new_deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class RoutingModelRecord(SQLModel, table=True):
    """A stored routing model version; exactly one is active (swapped in one transaction)."""

    __tablename__ = "routing_model"
    __table_args__ = (Index("uq_routing_model_one_active", "active", unique=True, postgresql_where=text("active"),
                            sqlite_where=text("active")),)

    version: str = Field(primary_key=True, max_length=80)
    kind: str = Field(max_length=16)  # cold | learned
    source: str = Field(max_length=32)  # descriptions | closed_cases | csv | closed_cases+csv
    n_examples: int = 0
    active: bool = False
    blob: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_by: str = Field(max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CaseAction(SQLModel, table=True):
    """Every transition of a case: who did what, when, and why."""

    __tablename__ = "case_action"

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(foreign_key="case.id", index=True)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str = Field(max_length=24)
    actor_role: str = Field(max_length=16)
    actor_id: str = Field(max_length=64)
    note: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CasePublic(CaseBase):
    id: uuid.UUID
    co_departments: list[str]
    routing: dict[str, Any]
    returned_by: list[str]
    next_timer_at: datetime | None = None


class CasePage(BaseModel):
    items: list[CasePublic]
    total: int
    limit: int | None = None
    offset: int | None = None


class CaseActionPublic(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor_role: str
    actor_id: str
    note: str | None
    at: datetime


class CaseDetail(CasePublic):
    allowed_actions: list[str] = PField(description="What the caller's role may do with the case now")
    actions: list[CaseActionPublic] = PField(description="Every transition and decision, oldest first")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolveIn(_In):
    note: str = PField(min_length=1, max_length=4000, examples=["lamps replaced"])
    evidence_urls: list[str] = PField(default_factory=list, max_length=20,
                                      description="Photos or documents proving the work; at least one is needed")


class NoteIn(_In):
    note: str | None = PField(default=None, max_length=4000)


class RequiredNoteIn(_In):
    note: str = PField(min_length=1, max_length=4000)


class ReturnIn(_In):
    reason: str = PField(min_length=3, max_length=2000, examples=["not ours: the road belongs to the county"])


class DispatchIn(_In):
    department: str = PField(pattern=r"^D\d{2}$", examples=["D11"])
    co_departments: list[str] = PField(default_factory=list, max_length=10)
    note: str | None = PField(default=None, max_length=2000)


class ReassignIn(DispatchIn):
    note: str = PField(min_length=3, max_length=2000)


class RulingIn(_In):
    department: str | None = PField(default=None, pattern=r"^D\d{2}$",
                                    description="Uphold: the department that takes the case instead")
    co_departments: list[str] = PField(default_factory=list, max_length=10)
    note: str | None = PField(default=None, max_length=2000)


class DelayIn(_In):
    hours: float = PField(gt=0, le=2000, description="Hours added to the deadline, in the deadline's own time "
                          "(working hours; clock hours for urgent cases)")
    reason: str = PField(min_length=3, max_length=2000)


class HoldIn(_In):
    reason: str = PField(min_length=3, max_length=2000)
    hold_until: datetime | None = PField(default=None, description="When the hold ends by itself (optional)")


class DecisionIn(_In):
    approve: bool
    note: str | None = PField(default=None, max_length=2000)


class SelfHandleIn(_In):
    note: str = PField(min_length=1, max_length=4000)
    evidence_urls: list[str] = PField(default_factory=list, max_length=20)


class VoidIn(_In):
    reason: Literal["invalid", "duplicate"]
    duplicate_of: uuid.UUID | None = None
    note: str | None = PField(default=None, max_length=2000)


class ExtensionRequestPublic(BaseModel):
    id: int
    case_id: uuid.UUID
    kind: str
    department: str
    reason: str
    hours: float | None
    hold_until: datetime | None
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    previous_deadline_at: datetime | None
    new_deadline_at: datetime | None


class RoutingModelPublic(BaseModel):
    version: str
    kind: str
    source: str
    n_examples: int
    active: bool
    created_at: datetime
    activated_at: datetime | None
    created_by: str
    details: dict[str, Any]


class PredictionPublic(BaseModel):
    department: str
    confidence: float
    candidates: list[dict[str, Any]]
    model_version: str
    would_route: bool = PField(description="Confidence at or above the threshold: routed without a person")
    threshold: float


class KpiRow(BaseModel):
    key: str | None = PField(description="The department, grid or community of this row (null without grouping)")
    counts: dict[str, int]
    on_time_dispatch_rate: float | None
    handling_rate: float | None
    on_time_closure_rate: float | None
    closure_rate: float | None
    rework_rate: float | None
    return_rate: float | None
    overdue_rate: float | None
    delay_rate: float | None
    satisfaction: float | None = PField(description="Mean rating, 1-5")
    satisfied_rate: float | None = PField(description="Share of ratings of 4 or 5")
    self_handled_rate: float | None


class KpiTable(BaseModel):
    group_by: str
    department: str | None
    grid: str | None
    community: str | None
    period_from: datetime | None
    period_to: datetime | None
    rows: list[KpiRow]
