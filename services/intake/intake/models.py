"""Intake's tables and API shapes (SQLModel families: XBase, X(table=True), XCreate, XPublic)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from onegrid_runtime.consumer import InboxEntry  # noqa: F401
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401  (table of this service's schema)
from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic import Field as PField
from sqlalchemy import JSON, BigInteger, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

# --- registers ----------------------------------------------------------------------------


class Community(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    jurisdiction: str = Field(max_length=16, index=True)
    name_en: str
    name_zh: str
    kind: str = Field(max_length=16)
    committee: str | None = Field(default=None, max_length=16)


class Grid(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=16)
    jurisdiction: str = Field(max_length=16, index=True)
    community: str = Field(foreign_key="community.code", max_length=16, index=True)
    name_en: str
    name_zh: str
    kind: str = Field(max_length=16)
    geometry: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # GeoJSON Polygon, lon/lat


# --- reports ------------------------------------------------------------------------------

Channel = Literal["grid_app", "resident_app", "hotline", "external", "open311"]


def _number(value: Any) -> Any:
    # JSON true or "30.1" is not a coordinate, even though Python would convert it.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    return value


Coordinate = Annotated[float, BeforeValidator(_number)]


class Report(SQLModel, table=True):
    """A report as it came in; its id is the case id every service uses."""

    __table_args__ = (UniqueConstraint("jurisdiction", "idempotency_key"),)

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    case_number: str | None = Field(default=None, max_length=32, unique=True)
    jurisdiction: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    description: str = Field(max_length=4000)
    category: str | None = Field(default=None, max_length=8)
    lat: float | None = None
    lon: float | None = None
    grid: str = Field(max_length=16, index=True)
    community: str = Field(max_length=16)
    priority: str = Field(default="normal", max_length=8)
    reporter_id: str | None = Field(default=None, max_length=64, index=True)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    idempotency_key: str | None = Field(default=None, max_length=200)
    body_hash: str | None = Field(default=None, max_length=64)
    # The reporter's view, kept current from the other services' events.
    status: str = Field(default="received", max_length=32)
    department: str | None = Field(default=None, max_length=16)
    expected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # occurred_at of the latest event applied: events from different topics may arrive out of order
    status_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class TimelineEntry(SQLModel, table=True):
    __tablename__ = "timeline_entry"

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(index=True)
    event_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=100)
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(max_length=32)
    summary: str
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_id: str | None = PField(default=None, max_length=64)
    name: str | None = PField(default=None, max_length=100)
    phone: str | None = PField(default=None, pattern=r"^\+?[0-9][0-9 -]{5,19}$")


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Annotated[Coordinate, PField(ge=-90, le=90)]
    lon: Annotated[Coordinate, PField(ge=-180, le=180)]


class ReportCreate(BaseModel):
    """A new report from any channel. Give a location, a grid code, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "resident_app",
                    "description": "村口垃圾堆三天没人拉 / Garbage at the village entrance for three days",
                    "category": "C01",
                    "location": {"lat": 30.2512, "lon": 120.1013},
                }
            ]
        },
    )

    channel: Channel = "resident_app"
    description: str = PField(min_length=1, max_length=4000)
    category: str | None = PField(default=None, pattern=r"^[A-Z][A-Z0-9]{1,7}$", description="Catalog category code")
    location: LocationIn | None = None
    grid: str | None = PField(default=None, max_length=16, description="Grid code, e.g. G001")
    occurred_at: datetime | None = None
    priority: Literal["normal", "urgent"] = "normal"
    reporter: ReporterIn | None = None

    @model_validator(mode="after")
    def _has_place(self) -> "ReportCreate":
        if self.location is None and self.grid is None:
            raise ValueError("give a location (lat/lon) or a grid code")
        if not self.description.strip():
            raise ValueError("description must not be blank")
        return self


class ReportAccepted(BaseModel):
    case_id: uuid.UUID
    case_number: str
    grid: str
    community: str
    status: str


class TimelineItem(BaseModel):
    at: datetime
    type: str
    status: str
    summary: str


class ReportView(BaseModel):
    case_id: uuid.UUID
    case_number: str
    status: str
    status_text: str
    description: str
    category: str | None
    grid: str
    community: str
    department: str | None
    department_name: str | None
    expected_at: datetime | None
    reported_at: datetime
    timeline: list[TimelineItem]
