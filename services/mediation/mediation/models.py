"""Mediation's tables: the registers (committees, mediators) and the disputes with their
parties, sessions and journal. API shapes live in ``forms.py``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onegrid_contracts.ids import new_id
from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

SOURCES = ("dispatch", "application", "own_initiative", "police", "court", "letters_visits")
ROUTES = ("court", "arbitration", "administrative", "police")
COLOURS = ("blue", "yellow", "orange", "red")  # in rising order
EXPERTISE = ("family", "land", "debt", "labour", "neighbourhood", "property", "consumer")
VULNERABILITY = ("aged_80_plus", "disabled", "living_alone", "low_income", "minor", "pregnant")

# Statuses of a dispute. "opened" is a lead (not yet accepted); terminal ones end the mediation.
OPEN_STATUSES = ("opened", "accepted")
OUTCOME_STATUSES = ("agreed", "performed", "breached", "terminated", "not_accepted", "refused")


def _json(**kw: Any) -> Any:
    return Field(sa_column=Column(JSON, nullable=False), **kw)


class Committee(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    jurisdiction: str = Field(max_length=16)
    community: str | None = Field(default=None, max_length=16, index=True)
    name_en: str
    name_zh: str
    kind: str = Field(default="committee", max_length=16, description="committee | hub (the Judicial Office)")
    members: int = Field(default=3, description="Members of the committee (3 to 9)")
    women_members: int = Field(default=1, description="Women among the members (at least one)")
    active: bool = True


class Mediator(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    jurisdiction: str = Field(max_length=16)
    committee: str = Field(max_length=16, index=True)
    name: str = Field(max_length=64)
    gender: str = Field(max_length=1)
    expertise: list[str] = _json(default_factory=list)
    languages: list[str] = _json(default_factory=list)
    phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class Dispute(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    register_number: str | None = Field(default=None, max_length=40, index=True)
    case_id: uuid.UUID | None = Field(default=None, index=True)
    case_number: str | None = Field(default=None, max_length=32)
    jurisdiction: str = Field(max_length=16)
    committee: str = Field(max_length=16, index=True)
    community: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=8)
    description: str = Field(max_length=4000)
    source: str = Field(max_length=24, description="dispatch, application, own_initiative, police, court, letters_visits")
    source_ref: str | None = Field(default=None, max_length=64, description="The referring body's own reference")
    status: str = Field(max_length=24, index=True)
    procedure: str = Field(default="standard", max_length=16, description="standard | on_the_spot")
    escalation_risk: bool = False
    # acceptance
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accepted_by: str | None = Field(default=None, max_length=64)
    rights_notice_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    not_accepted_reason: str | None = Field(default=None, max_length=2000)
    routes_told: list[str] = _json(default_factory=list)
    # assignment
    mediator: str | None = Field(default=None, max_length=64, index=True)
    requested_mediator: str | None = Field(default=None, max_length=16)
    recused: list[str] = _json(default_factory=list)
    # risk
    risk_colour: str = Field(default="blue", max_length=8)
    risk_score: int = 0
    risk_reasons: list[dict[str, Any]] = _json(default_factory=list)
    risk_screened_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    watch: bool = Field(default=False, index=True)
    watch_since: datetime | None = Field(default=None, sa_type=UtcDateTime)
    risk_lowered_codes: list[str] = _json(default_factory=list)
    recurrence: bool = False
    police_involved: bool = False
    # time limit
    deadline_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    extensions: int = 0
    deadline_warned_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    overdue_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # outcome
    outcome: str | None = Field(default=None, max_length=24)
    route: str | None = Field(default=None, max_length=16)
    termination_reason: str | None = Field(default=None, max_length=2000)
    agreement_terms: str | None = None
    agreement_form: str | None = Field(default=None, max_length=8, description="written | oral")
    obligations: list[dict[str, Any]] = _json(default_factory=list)
    signatures: list[dict[str, Any]] = _json(default_factory=list)
    judicial_confirmation_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    judicial_court: str | None = Field(default=None, max_length=200)
    honoured: bool | None = None
    performance_note: str | None = Field(default=None, max_length=4000)
    performance_checked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    followed_up_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    follow_up_note: str | None = Field(default=None, max_length=4000)
    archived_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    criminal_at: datetime | None = Field(default=None, sa_type=UtcDateTime,
                                         description="When the dispute was found to have turned into a criminal case")
    criminal_note: str | None = Field(default=None, max_length=2000)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    concluded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Party(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    dispute_id: uuid.UUID = Field(foreign_key="dispute.id", index=True)
    role: str = Field(max_length=16, description="applicant | respondent | third_party")
    name: str = Field(max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=32)
    resident_id: str | None = Field(default=None, max_length=16, index=True)
    household_id: str | None = Field(default=None, max_length=16, index=True)
    language: str = Field(default="zh", max_length=8)
    vulnerable: list[str] = _json(default_factory=list)
    consent: bool | None = None
    consent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    consent_note: str | None = Field(default=None, max_length=1000)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class MediationSession(SQLModel, table=True):
    __tablename__ = "mediation_session"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    dispute_id: uuid.UUID = Field(foreign_key="dispute.id", index=True)
    scheduled_at: datetime = Field(sa_type=UtcDateTime)
    place: str = Field(max_length=200)
    status: str = Field(default="scheduled", max_length=16, description="scheduled | held | cancelled")
    participants: list[str] = _json(default_factory=list)
    minutes: str | None = None
    held_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class DisputeEntry(SQLModel, table=True):
    """The dispute's journal: every step, who took it, when, with its data."""

    __tablename__ = "dispute_entry"

    id: int | None = Field(default=None, primary_key=True)
    dispute_id: uuid.UUID = Field(foreign_key="dispute.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    kind: str = Field(max_length=32)
    actor: str = Field(max_length=64)
    text: str = Field(default="", max_length=8000)
    data: dict[str, Any] = _json(default_factory=dict)
