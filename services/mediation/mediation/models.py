"""Mediation's tables and API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlmodel import Field, SQLModel


class Committee(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    jurisdiction: str = Field(max_length=16)
    community: str | None = Field(default=None, max_length=16, index=True)
    name_en: str
    name_zh: str


class DisputeBase(SQLModel):
    case_id: uuid.UUID | None = Field(default=None, index=True)
    case_number: str | None = Field(default=None, max_length=32)
    jurisdiction: str = Field(max_length=16)
    committee: str = Field(max_length=16, index=True)
    community: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=8)
    description: str = Field(max_length=4000)
    source: str = Field(max_length=24, description="dispatch, application, own_initiative, police, court, letters_visits")
    status: str = Field(max_length=24, index=True)
    escalation_risk: bool = False
    outcome: str | None = Field(default=None, max_length=24)
    agreement_terms: str | None = None
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    concluded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Dispute(DisputeBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)


class DisputePublic(DisputeBase):
    id: uuid.UUID


class AgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    terms: str = PField(min_length=1, max_length=8000, description="What the parties agreed")


class PerformanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    honoured: bool = PField(description="Did the parties do what they agreed?")
    note: str | None = PField(default=None, max_length=4000)
