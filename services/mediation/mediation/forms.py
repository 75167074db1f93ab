"""Mediation's API shapes: what callers send (…In) and what they get back (…Public)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Source = Literal["application", "own_initiative", "police", "court", "letters_visits"]
RouteName = Literal["court", "arbitration", "administrative", "police"]
Expertise = Literal["family", "land", "debt", "labour", "neighbourhood", "property", "consumer"]
Vulnerability = Literal["aged_80_plus", "disabled", "living_alone", "low_income", "minor", "pregnant"]
Colour = Literal["red", "orange", "yellow", "blue"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- registers
class CommitteeIn(_In):
    code: str = Field(pattern=r"^[A-Z0-9]{2,16}$", examples=["M13"])
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(min_length=1, max_length=200)
    community: str | None = Field(default=None, max_length=16, examples=["CM13"])
    members: int = Field(ge=3, le=9, description="A committee has 3 to 9 members")
    women_members: int = Field(ge=1, description="At least one member is a woman")
    active: bool = True


class CommitteePatch(_In):
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    community: str | None = Field(default=None, max_length=16)
    members: int | None = Field(default=None, ge=3, le=9)
    women_members: int | None = Field(default=None, ge=1)
    active: bool | None = None


class CommitteePublic(BaseModel):
    code: str
    name_en: str
    name_zh: str
    community: str | None
    kind: str
    members: int
    women_members: int
    active: bool
    mediators_active: int = 0


class MediatorIn(_In):
    code: str = Field(pattern=r"^[A-Z0-9]{2,16}$", examples=["MD061"])
    committee: str = Field(max_length=16)
    name: str = Field(min_length=1, max_length=64)
    gender: Literal["F", "M"]
    expertise: list[Expertise] = Field(min_length=1)
    languages: list[str] = Field(default_factory=lambda: ["zh"], min_length=1)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,32}$")
    active: bool = True


class MediatorPatch(_In):
    committee: str | None = Field(default=None, max_length=16)
    name: str | None = Field(default=None, min_length=1, max_length=64)
    expertise: list[Expertise] | None = Field(default=None, min_length=1)
    languages: list[str] | None = Field(default=None, min_length=1)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,32}$")
    active: bool | None = None


class MediatorPublic(BaseModel):
    code: str
    committee: str
    name: str
    gender: str
    expertise: list[str]
    languages: list[str]
    phone: str | None
    active: bool
    load: int = Field(default=0, description="Disputes under mediation assigned to this mediator now")


class ImportResult(BaseModel):
    imported: int


# ----------------------------------------------------------------------------- parties
class PartyIn(_In):
    role: Literal["applicant", "respondent", "third_party"]
    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,32}$")
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$")
    resident_id: str | None = Field(default=None, max_length=16, description="From the town's residents register")
    household_id: str | None = Field(default=None, max_length=16)
    language: str = Field(default="zh", max_length=8)
    vulnerable: list[Vulnerability] = Field(default_factory=list)
    consent: bool | None = Field(default=None, description="Consent to mediation, when already given or refused")
    consent_note: str | None = Field(default=None, max_length=1000)


class PartyPublic(BaseModel):
    id: uuid.UUID
    role: str
    name: str
    phone: str | None
    id_number: str | None
    resident_id: str | None
    household_id: str | None
    language: str
    vulnerable: list[str]
    consent: bool | None
    consent_at: datetime | None
    consent_note: str | None


class ConsentIn(_In):
    consented: bool
    note: str | None = Field(default=None, max_length=1000)
    route: RouteName | None = Field(default=None, description="On refusal: the route the parties were told of first")


# ----------------------------------------------------------------------------- disputes
class DisputeIn(_In):
    """A dispute taken in directly (not through dispatch)."""

    source: Source
    source_ref: str | None = Field(default=None, max_length=64, description="The referring body's reference")
    community: str | None = Field(default=None, max_length=16, description="Where the parties live; picks the committee")
    committee: str | None = Field(default=None, max_length=16, description="Instead of community: the committee itself")
    category: str | None = Field(default=None, pattern=r"^C[0-9]{2}$")
    description: str = Field(min_length=1, max_length=4000)
    parties: list[PartyIn] = Field(default_factory=list)
    police_involved: bool = False


class AcceptIn(_In):
    rights_notice_given: bool = Field(description="The parties were told their rights and duties (must be true)")
    requested_mediator: str | None = Field(default=None, max_length=16, description="A mediator the parties asked for")
    parties: list[PartyIn] = Field(default_factory=list, description="Parties to add before accepting")


class NotAcceptIn(_In):
    reason: str = Field(min_length=1, max_length=2000)
    routes: list[RouteName] = Field(min_length=1, description="Other routes the parties were told of")


class FactIn(_In):
    text: str = Field(min_length=1, max_length=4000)
    police_involved: bool = False


class RecusalIn(_In):
    mediator: str = Field(max_length=16)
    reason: str = Field(min_length=1, max_length=1000, description="e.g. related to a party")


class AssignIn(_In):
    mediator: str = Field(max_length=16)


class ReassignIn(_In):
    committee: str = Field(max_length=16)
    reason: str = Field(min_length=1, max_length=1000)
    mediator: str | None = Field(default=None, max_length=16)


class LowerRiskIn(_In):
    colour: Literal["orange", "yellow", "blue"]
    reason: str = Field(min_length=1, max_length=2000)


class SessionIn(_In):
    scheduled_at: datetime
    place: str = Field(min_length=1, max_length=200)

    @field_validator("scheduled_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("scheduled_at needs a time zone offset, e.g. 2026-05-01T09:00:00+08:00")
        return v


class SessionHeldIn(_In):
    participants: list[str] = Field(min_length=1, description="Who took part (names or roles)")
    minutes: str = Field(min_length=1, max_length=20000)


class SessionPublic(BaseModel):
    id: uuid.UUID
    scheduled_at: datetime
    place: str
    status: str
    participants: list[str]
    minutes: str | None
    held_at: datetime | None


class PartyConsentIn(_In):
    party_id: uuid.UUID
    consented: bool


class ExtensionIn(_In):
    days: int = Field(ge=1, le=90)
    reason: str = Field(min_length=1, max_length=2000)
    consents: list[PartyConsentIn] = Field(description="Each party's recorded consent to the extension")


class ObligationIn(_In):
    party_id: uuid.UUID | None = None
    description: str = Field(min_length=1, max_length=2000)
    due_date: date


class SignatureIn(_In):
    party_id: uuid.UUID
    signed_at: datetime | None = None


class AgreementIn(_In):
    terms: str = Field(min_length=1, max_length=8000, description="What the parties agreed")
    obligations: list[ObligationIn] = Field(default_factory=list)
    signatures: list[SignatureIn] = Field(default_factory=list, description="Every party signs a written agreement")


class TerminationIn(_In):
    route: RouteName
    reason: str = Field(min_length=1, max_length=2000)
    routes_told: list[RouteName] = Field(default_factory=list)


class JudicialConfirmationIn(_In):
    court: str = Field(min_length=1, max_length=200)


class ObligationCheckIn(_In):
    index: int = Field(ge=0)
    done: bool


class PerformanceIn(_In):
    honoured: bool = Field(description="Did the parties do what they agreed?")
    note: str | None = Field(default=None, max_length=4000)
    obligations: list[ObligationCheckIn] = Field(default_factory=list)


class FollowUpIn(_In):
    note: str = Field(min_length=1, max_length=4000)
    visited_at: datetime | None = None


class CriminalIn(_In):
    note: str = Field(min_length=1, max_length=2000)


class EntryPublic(BaseModel):
    at: datetime
    kind: str
    actor: str
    text: str
    data: dict[str, Any]


class DisputePublic(BaseModel):
    id: uuid.UUID
    register_number: str | None
    case_id: uuid.UUID | None
    case_number: str | None
    jurisdiction: str
    committee: str
    community: str | None
    category: str | None
    description: str
    source: str
    source_ref: str | None
    status: str
    procedure: str
    escalation_risk: bool
    accepted_at: datetime | None
    rights_notice_at: datetime | None
    not_accepted_reason: str | None
    routes_told: list[str]
    mediator: str | None
    requested_mediator: str | None
    recused: list[str]
    risk_colour: str
    risk_score: int
    risk_reasons: list[dict[str, Any]]
    watch: bool
    recurrence: bool
    police_involved: bool
    deadline_at: datetime | None
    extensions: int
    outcome: str | None
    route: str | None
    termination_reason: str | None
    agreement_terms: str | None
    agreement_form: str | None
    obligations: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    judicial_confirmation_at: datetime | None
    judicial_court: str | None
    honoured: bool | None
    performance_checked_at: datetime | None
    followed_up_at: datetime | None
    follow_up_note: str | None
    archived_at: datetime | None
    criminal_at: datetime | None
    opened_at: datetime
    concluded_at: datetime | None
    personal_data: bool = Field(default=False, description="False: parties' names, phones and ID numbers are masked")
    parties: list[PartyPublic] = Field(default_factory=list)


class DisputeFile(DisputePublic):
    sessions: list[SessionPublic] = Field(default_factory=list)
    journal: list[EntryPublic] = Field(default_factory=list)


class StatsRow(BaseModel):
    key: str = Field(description="The committee code or mediator code (\"all\" for the town)")
    received: int
    accepted: int
    agreements: int
    success_rate: float | None
    performance_checked: int
    honoured: int
    performance_rate: float | None
    judicial_confirmations: int
    followed_up: int
    follow_up_rate: float | None
    concluded: int
    average_duration_days: float | None
    recurrences: int
    recurrence_rate: float | None
    red_warnings: int
    escalated_to_criminal: int


class StatsPublic(BaseModel):
    period_from: date
    period_to: date
    group_by: str
    total: StatsRow
    rows: list[StatsRow]
