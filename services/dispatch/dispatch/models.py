"""Dispatch's tables and API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from onegrid_runtime.consumer import InboxEntry  # noqa: F401  (tables of this service's schema)
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from sqlalchemy import JSON, Column
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


class Case(CaseBase, table=True):
    id: uuid.UUID = Field(primary_key=True)
    co_departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    routing: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


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


class CasePage(BaseModel):
    items: list[CasePublic]
    total: int


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = PField(min_length=1, max_length=4000)
    evidence_urls: list[str] = PField(default_factory=list, max_length=20)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = PField(default=None, max_length=4000)
