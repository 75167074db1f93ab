"""Intake's tables and API shapes (SQLModel families: XBase, X(table=True), XCreate, XPublic)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from onegrid_contracts.ids import new_id
from onegrid_runtime.consumer import InboxEntry  # noqa: F401
from onegrid_runtime.db import UtcDateTime, utcnow
from onegrid_runtime.outbox import OutboxMessage  # noqa: F401  (table of this service's schema)
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, HttpUrl, StrictBool, model_validator
from pydantic import Field as PField
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, UniqueConstraint, text
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


class GridRegister(SQLModel, table=True):
    """One row: the grid register's revision, raised by every import, so that every replica can tell
    that its in-memory grid index is out of date and reload it."""

    __tablename__ = "grid_register"

    id: int = Field(default=1, primary_key=True)
    revision: int = 0
    changed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


VULNERABILITY_FLAGS = ("aged_80_plus", "disabled", "living_alone", "low_income")


class Household(SQLModel, table=True):
    """A registered household (house or flat) with its location; imported from the town's CSV."""

    id: str = Field(primary_key=True, max_length=32)
    jurisdiction: str = Field(max_length=16, index=True)
    grid: str = Field(max_length=16, index=True)
    community: str = Field(max_length=16)
    address: str = Field(max_length=300, index=True)
    lat: float
    lon: float
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Resident(SQLModel, table=True):
    """A registered resident. Name, phone and ID number are personal data (see privacy.py)."""

    id: str = Field(primary_key=True, max_length=32)
    jurisdiction: str = Field(max_length=16, index=True)
    household_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=100)
    gender: str = Field(max_length=1)
    birth_date: date
    phone: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=32)
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str = Field(default="zh", max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


# --- reports ------------------------------------------------------------------------------

Channel = Literal["grid_app", "resident_app", "hotline", "external", "open311"]


def _number(value: Any) -> Any:
    # JSON true or "30.1" is not a coordinate, even though Python would convert it.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    return value


Coordinate = Annotated[float, BeforeValidator(_number)]

# A report that is a case (not linked to another): the predicate of duplicate detection's partial indexes.
IS_CASE = "primary_case_id IS NULL AND case_number IS NOT NULL"


class Report(SQLModel, table=True):
    """A report as it came in; its id is the case id every service uses.

    A report linked as a duplicate (``primary_case_id`` set) is not a case of its own: it has no
    case number and its reporter follows the primary case."""

    __table_args__ = (
        UniqueConstraint("jurisdiction", "idempotency_key"),
        # Duplicate detection's candidates: the recent cases of a grid (migration 0004); with a point, of the
        # grids within the rule's radius (GridIndex.near).
        Index("ix_report_case_by_grid", "grid", "reported_at", postgresql_where=text(IS_CASE), sqlite_where=text(IS_CASE)),
    )

    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    id: uuid.UUID = Field(default_factory=new_id, unique=True)
    case_number: str | None = Field(default=None, max_length=32, unique=True)
    jurisdiction: str = Field(max_length=16)
    channel: str = Field(max_length=16)
    description: str = Field(max_length=4000)
    category: str | None = Field(default=None, max_length=8)
    lat: float | None = None
    lon: float | None = None
    grid: str = Field(max_length=16, index=True)
    community: str = Field(max_length=16)
    household_id: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    priority: str = Field(default="normal", max_length=8)
    danger_to_life: bool = False
    danger_to_property: bool = False
    vulnerability_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    reporter_id: str | None = Field(default=None, max_length=64, index=True)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)
    idempotency_key: str | None = Field(default=None, max_length=200)
    body_hash: str | None = Field(default=None, max_length=64)
    open311_token: str | None = Field(default=None, max_length=64, unique=True)
    # Duplicates: a linked report points at its primary case; the primary counts its reporters.
    primary_case_id: uuid.UUID | None = Field(default=None, index=True)
    duplicate_reason: str | None = Field(default=None, max_length=300)
    reporters: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The reporter's view, kept current from the other services' events.
    status: str = Field(default="received", max_length=32)
    department: str | None = Field(default=None, max_length=16)
    expected_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)  # latest resolution or closure
    # occurred_at of the latest event applied: events from different topics may arrive out of order
    status_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Attachment(SQLModel, table=True):
    """A photo uploaded to intake's storage, or a media URL given with a report."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    jurisdiction: str = Field(max_length=16)
    case_id: uuid.UUID | None = Field(default=None, index=True)  # the report it belongs to, once attached
    kind: str = Field(max_length=8)  # photo | url
    url: str | None = Field(default=None, max_length=2000)
    storage_key: str | None = Field(default=None, max_length=200)
    content_type: str | None = Field(default=None, max_length=64)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    uploaded_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CaseFeedback(SQLModel, table=True):
    """A reporter's rating of how a case was handled: once per reporter and resolution."""

    __tablename__ = "case_feedback"
    __table_args__ = (UniqueConstraint("case_id", "rater", "resolution_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID = Field(index=True)
    rater: str = Field(max_length=64)
    rating: int
    comment: str | None = Field(default=None, max_length=1000)
    resolution_at: datetime = Field(sa_type=UtcDateTime)
    reopen_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


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


# --- API shapes -----------------------------------------------------------------------------

PHONE_PATTERN = r"^\+?[0-9][0-9 -]{5,19}$"
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class ReporterIn(BaseModel):
    """Who reports: a registered resident (``resident_id``), or a name and phone number."""

    model_config = ConfigDict(extra="forbid")
    resident_id: str | None = PField(default=None, pattern=CODE_PATTERN)
    name: str | None = PField(default=None, min_length=1, max_length=100)
    phone: str | None = PField(default=None, pattern=PHONE_PATTERN)

    @model_validator(mode="after")
    def _one_kind(self) -> ReporterIn:
        if self.resident_id is not None and (self.name is not None or self.phone is not None):
            raise ValueError("give either resident_id (a registered resident) or name and phone, not both")
        if self.resident_id is None and (self.name is None or self.phone is None):
            raise ValueError("a reporter who is not a registered resident needs both name and phone")
        if self.name is not None and not self.name.strip():
            raise ValueError("name must not be blank")
        return self


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Annotated[Coordinate, PField(ge=-90, le=90)]
    lon: Annotated[Coordinate, PField(ge=-180, le=180)]


class ReportCreate(BaseModel):
    """A new report from any channel. Give at least one place: a location (lat/lon), a grid code, a
    registered household or a registered address; several places must agree."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "channel": "resident_app",
                    "description": "村口垃圾堆三天没人拉 / Garbage at the village entrance for three days",
                    "category": "C01",
                    "location": {"lat": 30.2512, "lon": 120.1013},
                    "occurred_at": "2026-12-01T08:30:00+08:00",
                    "danger_to_life": False,
                    "media_urls": ["https://example.org/photo.jpg"],
                }
            ]
        },
    )

    channel: Channel | None = PField(default=None, description="Defaults to the caller's channel (resident_app, "
                                     "grid_app, hotline for dispatchers, external for systems)")
    description: str = PField(min_length=1, max_length=4000)
    category: str | None = PField(default=None, pattern=r"^[A-Z][A-Z0-9]{1,7}$", description="Catalog category code")
    location: LocationIn | None = None
    grid: str | None = PField(default=None, max_length=16, description="Grid code, e.g. G001")
    household_id: str | None = PField(default=None, pattern=CODE_PATTERN, description="Registered household, e.g. H000123")
    address: str | None = PField(default=None, min_length=1, max_length=300, description="A registered address, exactly")
    occurred_at: AwareDatetime | None = PField(default=None, description="When it happened (with a time zone)")
    priority: Literal["normal", "urgent"] = "normal"
    danger_to_life: StrictBool = False
    danger_to_property: StrictBool = False
    reporter: ReporterIn | None = None
    attachments: list[uuid.UUID] = PField(default_factory=list, max_length=9,
                                          description="Ids of photos uploaded with POST /v1/attachments")
    media_urls: list[HttpUrl] = PField(default_factory=list, max_length=5, description="http(s) links to photos or videos")

    @model_validator(mode="after")
    def _has_place(self) -> ReportCreate:
        if self.location is None and self.grid is None and self.household_id is None and self.address is None:
            raise ValueError("give a location (lat/lon), a grid code, a household_id or an address")
        if not self.description.strip():
            raise ValueError("description must not be blank")
        if len(set(self.attachments)) != len(self.attachments):
            raise ValueError("attachments lists the same id twice")
        for url in self.media_urls:
            if url.scheme not in ("http", "https"):
                raise ValueError(f"media_urls: only http and https links are accepted, not {url.scheme}")
            if len(str(url)) > 2000:
                raise ValueError("media_urls: a link is longer than 2000 characters")
        return self


class ReportAccepted(BaseModel):
    case_id: uuid.UUID = PField(description="The case the reporter follows (the primary case for a duplicate)")
    case_number: str
    grid: str
    community: str
    status: str
    report_id: uuid.UUID = PField(description="This report's id (equals case_id unless linked as a duplicate)")
    duplicate_of: uuid.UUID | None = PField(default=None, description="Set when the report was linked to an open case")
    reporters: int = PField(default=1, description="How many reports the case counts")


class TimelineItem(BaseModel):
    at: datetime
    type: str
    status: str
    summary: str


class ReporterView(BaseModel):
    resident_id: str | None = None
    name: str | None = None
    phone: str | None = None


class AttachmentPublic(BaseModel):
    id: uuid.UUID
    kind: str
    url: str
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None


class FeedbackView(BaseModel):
    rating: int
    comment: str | None
    at: datetime
    reopen_requested: bool


class ReportView(BaseModel):
    case_id: uuid.UUID
    case_number: str
    status: str
    status_text: str
    description: str
    category: str | None
    grid: str
    community: str
    household_id: str | None = None
    address: str | None = None
    priority: str = "normal"
    danger_to_life: bool = False
    danger_to_property: bool = False
    department: str | None
    department_name: str | None
    expected_at: datetime | None
    reported_at: datetime
    reporters: int = 1
    your_report_id: uuid.UUID | None = PField(default=None, description="The reader's own report when it was linked here")
    reporter: ReporterView | None = PField(default=None, description="Personal data, masked for roles that do not need it")
    attachments: list[AttachmentPublic] = []
    can_rate: bool = False
    feedback: list[FeedbackView] = []
    timeline: list[TimelineItem]


class LinkedReport(BaseModel):
    report_id: uuid.UUID
    channel: str
    reported_at: datetime
    description: str
    reason: str | None


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Annotated[int, PField(ge=1, le=5, strict=True)]
    comment: str | None = PField(default=None, max_length=1000)


class FeedbackAccepted(BaseModel):
    case_id: uuid.UUID
    rating: int
    reopen_requested: bool
    message: str


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: uuid.UUID = PField(description="The open case this case duplicates")


class HouseholdResidentView(BaseModel):
    id: str
    name: str
    gender: str
    birth_date: date | None
    phone: str | None
    id_number: str | None
    flags: list[str]
    language: str


class HouseholdView(BaseModel):
    id: str
    grid: str
    community: str
    address: str
    lat: float
    lon: float
    vulnerability_flags: list[str]
    residents: list[HouseholdResidentView] = []


class HouseholdPage(BaseModel):
    total: int
    items: list[HouseholdView]
