"""Events intake publishes (topic <prefix>.intake.v1)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from onegrid_contracts.events.base import Event, Location

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


class CaseRated(Event):
    """The reporter rated how the case was handled; a dissatisfied rating asks dispatch to reopen."""

    type: ClassVar[str] = "onegrid.case.rated"
    producer: ClassVar[str] = "intake"

    rating: int = Field(ge=1, le=5, description="Satisfaction, 1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None = None
    reopen_requested: bool = Field(description="Dissatisfied (rating <= 2) within the reopening window")


EVENTS: tuple[type[Event], ...] = (CaseReported, CaseRated)
