"""Events intake publishes (topic <prefix>.intake.v1)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

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
    # Added in the complete intake (all optional, so older consumers and events stay valid).
    danger_to_life: bool = Field(default=False, description="The reporter says lives are in danger")
    danger_to_property: bool = Field(default=False, description="The reporter says property is in danger")
    household_id: str | None = Field(default=None, description="Registered household the report is about")
    address: str | None = Field(default=None, description="Registered address the report is about")
    vulnerability_flags: list[str] = Field(
        default_factory=list,
        description="Vulnerability flags of the household or registered reporter involved "
        "(aged_80_plus, disabled, living_alone, low_income); no personal data",
    )
    attachments: list[str] = Field(default_factory=list, description="URLs of photos and media attached to the report")


class CaseRated(Event):
    """The reporter rated how the case was handled; a dissatisfied rating asks dispatch to reopen."""

    type: ClassVar[str] = "onegrid.case.rated"
    producer: ClassVar[str] = "intake"

    rating: int = Field(ge=1, le=5, description="Satisfaction, 1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None = None
    reopen_requested: bool = Field(description="Dissatisfied (rating <= 2) within the reopening window")


class CaseDuplicateLinked(Event):
    """Another report about the same problem was linked to this open case instead of opening a new one.

    ``case_id`` is the primary case; its reporter follows it from now on."""

    type: ClassVar[str] = "onegrid.case.duplicate_linked"
    producer: ClassVar[str] = "intake"

    report_id: UUID = Field(description="The report that was linked (it is not a case of its own)")
    reporter_id: str | None = Field(default=None, description="Registered reporter who now follows the case")
    channel: str | None = None
    reporters: int = Field(ge=1, description="How many reports (reporters) the primary case now counts")
    how: Literal["automatic", "manual", "merge"] = "automatic"
    reason: str = Field(description="Why it is a duplicate (category, text similarity, distance, time)")


class CaseDuplicateUnlinked(Event):
    """A grid member or dispatcher unlinked a report from this case: it became a case of its own
    (a ``case.reported`` for ``report_id`` follows in the same transaction)."""

    type: ClassVar[str] = "onegrid.case.duplicate_unlinked"
    producer: ClassVar[str] = "intake"

    report_id: UUID = Field(description="The unlinked report, now a case with this id")
    reporters: int = Field(ge=1, description="How many reports the primary case still counts")


class CaseMerged(Event):
    """This case was merged by hand into another open case: it is a duplicate and should be voided;
    its reporters follow ``into_case_id``."""

    type: ClassVar[str] = "onegrid.case.merged"
    producer: ClassVar[str] = "intake"

    into_case_id: UUID
    into_case_number: str
    reporters: int = Field(ge=1, description="How many reports the surviving case now counts")


EVENTS: tuple[type[Event], ...] = (CaseReported, CaseRated, CaseDuplicateLinked, CaseDuplicateUnlinked, CaseMerged)
