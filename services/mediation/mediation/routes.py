"""Mediation's REST API under /v1: disputes from lead to archive, the watch list, statistics."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from onegrid_runtime.service import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation import assignment, casefile, lifecycle, risk, service, stats
from mediation.access import handles, redactor
from mediation.auth import DisputeFiler, DisputeReader, Mediator, StatsReader, WatchReader
from mediation.config import MediationSettings, Settings
from mediation.forms import (
    AcceptIn,
    AgreementIn,
    AssignIn,
    ConsentIn,
    CriminalIn,
    DisputeFile,
    DisputeIn,
    DisputePublic,
    EntryPublic,
    ExtensionIn,
    FactIn,
    FollowUpIn,
    JudicialConfirmationIn,
    LowerRiskIn,
    NotAcceptIn,
    PartyIn,
    PartyPublic,
    PerformanceIn,
    ReassignIn,
    RecusalIn,
    SessionHeldIn,
    SessionIn,
    SessionPublic,
    StatsPublic,
    TerminationIn,
)
from mediation.models import Dispute, DisputeEntry

router = APIRouter(prefix="/v1", tags=["disputes"])
ERRORS = {403: {"description": "Not your committee"}, 404: {"description": "No such dispute"},
          409: {"description": "Step not allowed in the current state, or consent missing"},
          422: {"description": "Invalid input, naming the field"}}


async def _public(session: AsyncSession, dispute: Dispute, principal, settings: MediationSettings) -> DisputePublic:  # type: ignore[no-untyped-def]
    return await service.to_public(session=session, dispute=dispute, viewer=principal, settings=settings)


async def _work(session: AsyncSession, dispute_id: uuid.UUID, principal, settings: MediationSettings) -> Dispute:  # type: ignore[no-untyped-def]
    """The dispute, locked for this transaction, if the caller may work it."""
    return await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal, settings=settings,
                                     work=True, lock=True)


# ----------------------------------------------------------------------------- reading
@router.get("/disputes", response_model=list[DisputePublic])
async def list_disputes(principal: DisputeReader, settings: Settings, session: Session, status: str | None = None,
                        case_id: uuid.UUID | None = None, watch: bool | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                        offset: Annotated[int, Query(ge=0)] = 0) -> list[DisputePublic]:
    """Disputes of the caller's committee (the hub sees all; the police station its watch list)."""
    rows = await service.list_disputes(session=session, reader=principal, settings=settings, status=status,
                                       case_id=case_id, watch=watch, limit=limit, offset=offset)
    return [await _public(session, r, principal, settings) for r in rows]


@router.get("/watchlist", response_model=list[DisputePublic], tags=["risk"])
async def watchlist(principal: WatchReader, settings: Settings, session: Session) -> list[DisputePublic]:
    """Disputes with a red risk not yet lowered (民转刑 watch list)."""
    rows = await service.list_disputes(session=session, reader=principal, settings=settings, status=None,
                                       case_id=None, watch=True)
    return [await _public(session, r, principal, settings) for r in rows]


@router.get("/disputes/{dispute_id}", response_model=DisputePublic, responses=ERRORS)
async def get_dispute(dispute_id: uuid.UUID, principal: DisputeReader, settings: Settings, session: Session) -> DisputePublic:
    dispute = await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


async def _file(session: AsyncSession, dispute_id: uuid.UUID, principal, settings: MediationSettings) -> DisputeFile:  # type: ignore[no-untyped-def]
    dispute = await service.get_dispute(session=session, dispute_id=dispute_id, reader=principal, settings=settings,
                                         work=True)
    public = await _public(session, dispute, principal, settings)
    sessions = [SessionPublic.model_validate(s, from_attributes=True)
                for s in await lifecycle.sessions_of(session, dispute)]
    entries = (await session.exec(select(DisputeEntry).where(DisputeEntry.dispute_id == dispute.id)
                                  .order_by(DisputeEntry.at, DisputeEntry.id))).all()
    journal = [EntryPublic.model_validate(e, from_attributes=True) for e in entries]
    if not handles(principal, dispute, settings):  # parties' personal data masked everywhere
        redact = redactor(await service.parties_of(session, dispute))
        for e in journal:
            e.data, e.text = {}, redact(e.text) or ""
        for s in sessions:
            s.participants = [redact(x) or "" for x in s.participants]
            s.minutes = redact(s.minutes)
    return DisputeFile(**public.model_dump(), sessions=sessions, journal=journal)


@router.get("/disputes/{dispute_id}/file", response_model=DisputeFile, responses=ERRORS, tags=["case file"])
async def case_file(dispute_id: uuid.UUID, principal: Mediator, settings: Settings, session: Session) -> DisputeFile:
    """The complete case file as data."""
    return await _file(session, dispute_id, principal, settings)


@router.get("/disputes/{dispute_id}/file.html", response_class=HTMLResponse, responses=ERRORS, tags=["case file"])
async def case_file_html(dispute_id: uuid.UUID, principal: Mediator, settings: Settings, session: Session) -> HTMLResponse:
    """The complete case file as one printable HTML document (A4 print styles)."""
    file = await _file(session, dispute_id, principal, settings)
    return HTMLResponse(casefile.render_html(file, timezone=settings.timezone))


@router.get("/disputes/{dispute_id}/file.pdf", responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
            tags=["case file"])
async def case_file_pdf(dispute_id: uuid.UUID, principal: Mediator, settings: Settings, session: Session) -> Response:
    """The complete case file as one PDF document."""
    file = await _file(session, dispute_id, principal, settings)
    name = f"{file.register_number or file.id}.pdf"
    return Response(casefile.render_pdf(file, timezone=settings.timezone), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


# ----------------------------------------------------------------------------- intake and acceptance
@router.post("/disputes", response_model=DisputePublic, status_code=201, responses=ERRORS)
async def file_dispute(body: DisputeIn, principal: DisputeFiler, settings: Settings, session: Session) -> DisputePublic:
    """Take a dispute in directly: a party's application, own initiative, police/court referral, letters and visits."""
    dispute = await service.file_dispute(session=session, body=body, filer=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/parties", response_model=PartyPublic, status_code=201, responses=ERRORS)
async def add_party(dispute_id: uuid.UUID, body: PartyIn, principal: Mediator, settings: Settings, session: Session) -> PartyPublic:
    """Record a party (and their consent when known); a refusal ends the mediation."""
    dispute = await _work(session, dispute_id, principal, settings)
    party = await service.add_party(session=session, dispute=dispute, body=body, mediator=principal, settings=settings)
    return service.party_public(party, handles(principal, dispute, settings))


@router.post("/disputes/{dispute_id}/parties/{party_id}/consent", response_model=DisputePublic, responses=ERRORS)
async def record_consent(dispute_id: uuid.UUID, party_id: uuid.UUID, body: ConsentIn, principal: Mediator,
                         settings: Settings, session: Session) -> DisputePublic:
    """Record a party's consent to mediation; a refusal ends it and the parties are told the other routes."""
    dispute = await _work(session, dispute_id, principal, settings)
    await service.record_consent(session=session, dispute=dispute, party_id=party_id, consented=body.consented,
                                 note=body.note, route=body.route, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/accept", response_model=DisputePublic, responses=ERRORS)
async def accept(dispute_id: uuid.UUID, body: AcceptIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    """Accept a lead: every party consented, rights notice given; a mediator is assigned and the risk screened."""
    dispute = await _work(session, dispute_id, principal, settings)
    await service.accept(session=session, dispute=dispute, body=body, mediator=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/not-accepted", response_model=DisputePublic, responses=ERRORS)
async def not_accept(dispute_id: uuid.UUID, body: NotAcceptIn, principal: Mediator, settings: Settings,
                     session: Session) -> DisputePublic:
    """Decline a lead with a reason and the other routes the parties were told of."""
    dispute = await _work(session, dispute_id, principal, settings)
    await service.not_accept(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/facts", response_model=DisputePublic, responses=ERRORS, tags=["risk"])
async def add_fact(dispute_id: uuid.UUID, body: FactIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    """Record new facts; the risk is screened again."""
    dispute = await _work(session, dispute_id, principal, settings)
    await service.add_fact(session=session, dispute=dispute, body=body, mediator=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/risk/lower", response_model=DisputePublic, responses=ERRORS, tags=["risk"])
async def lower_risk(dispute_id: uuid.UUID, body: LowerRiskIn, principal: Mediator, settings: Settings,
                     session: Session) -> DisputePublic:
    """Lower a red risk with a reason: the dispute leaves the watch list."""
    dispute = await _work(session, dispute_id, principal, settings)
    await risk.lower(session=session, dispute=dispute, actor=service.actor_of(principal), colour=body.colour,
                     reason=body.reason)
    return await _public(session, dispute, principal, settings)


# ----------------------------------------------------------------------------- assignment
@router.post("/disputes/{dispute_id}/recusals", response_model=DisputePublic, responses=ERRORS, tags=["assignment"])
async def recuse(dispute_id: uuid.UUID, body: RecusalIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    """A mediator related to a party steps aside; the next best mediator takes over."""
    dispute = await _work(session, dispute_id, principal, settings)
    await assignment.recuse(session=session, dispute=dispute, code=body.mediator, reason=body.reason,
                            actor=service.actor_of(principal), settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/mediator", response_model=DisputePublic, responses=ERRORS, tags=["assignment"])
async def assign(dispute_id: uuid.UUID, body: AssignIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    """Name the mediator (for example the one the parties asked for)."""
    dispute = await _work(session, dispute_id, principal, settings)
    await assignment.assign(session=session, dispute=dispute, code=body.mediator, actor=service.actor_of(principal))
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/reassignment", response_model=DisputePublic, responses=ERRORS, tags=["assignment"])
async def reassign(dispute_id: uuid.UUID, body: ReassignIn, principal: Mediator, settings: Settings,
                   session: Session) -> DisputePublic:
    """The hub moves the dispute to another committee."""
    dispute = await _work(session, dispute_id, principal, settings)
    await assignment.reassign(session=session, dispute=dispute, committee=body.committee, reason=body.reason,
                              mediator=body.mediator, principal=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


# ----------------------------------------------------------------------------- mediation
@router.post("/disputes/{dispute_id}/sessions", response_model=SessionPublic, status_code=201, responses=ERRORS)
async def schedule_session(dispute_id: uuid.UUID, body: SessionIn, principal: Mediator, settings: Settings,
                           session: Session) -> SessionPublic:
    dispute = await _work(session, dispute_id, principal, settings)
    meeting = await lifecycle.schedule_session(session=session, dispute=dispute, body=body, mediator=principal)
    return SessionPublic.model_validate(meeting, from_attributes=True)


@router.post("/disputes/{dispute_id}/sessions/{session_id}/held", response_model=SessionPublic, responses=ERRORS)
async def hold_session(dispute_id: uuid.UUID, session_id: uuid.UUID, body: SessionHeldIn, principal: Mediator,
                       settings: Settings, session: Session) -> SessionPublic:
    """The session took place: participants and minutes (the minutes are screened for risk)."""
    dispute = await _work(session, dispute_id, principal, settings)
    meeting = await lifecycle.hold_session(session=session, dispute=dispute, session_id=session_id, body=body,
                                           mediator=principal, settings=settings)
    return SessionPublic.model_validate(meeting, from_attributes=True)


@router.post("/disputes/{dispute_id}/extension", response_model=DisputePublic, responses=ERRORS)
async def extend(dispute_id: uuid.UUID, body: ExtensionIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    """Extend the time limit; needs every party's recorded consent."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.extend(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


# ----------------------------------------------------------------------------- outcome and after
@router.post("/disputes/{dispute_id}/agreement", response_model=DisputePublic, responses=ERRORS)
async def record_agreement(dispute_id: uuid.UUID, body: AgreementIn, principal: Mediator, settings: Settings,
                           session: Session) -> DisputePublic:
    """Record the parties' agreement (terms, obligations, signatures); dispatch waits for performance."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.record_agreement(session=session, dispute=dispute, body=body, mediator=principal, settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/termination", response_model=DisputePublic, responses=ERRORS)
async def terminate(dispute_id: uuid.UUID, body: TerminationIn, principal: Mediator, settings: Settings,
                    session: Session) -> DisputePublic:
    """End the mediation without agreement, with the route given (court, arbitration, administrative, police)."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.terminate(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/judicial-confirmation", response_model=DisputePublic, responses=ERRORS)
async def judicial_confirmation(dispute_id: uuid.UUID, body: JudicialConfirmationIn, principal: Mediator,
                                settings: Settings, session: Session) -> DisputePublic:
    """Ask a court to confirm the written agreement, within 30 days of it."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.request_judicial_confirmation(session=session, dispute=dispute, body=body, mediator=principal,
                                                  settings=settings)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/performance", response_model=DisputePublic, responses=ERRORS)
async def record_performance(dispute_id: uuid.UUID, body: PerformanceIn, principal: Mediator, settings: Settings,
                             session: Session) -> DisputePublic:
    """Record whether the agreement was honoured; an honoured agreement closes the case."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.record_performance(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/follow-up", response_model=DisputePublic, responses=ERRORS)
async def follow_up(dispute_id: uuid.UUID, body: FollowUpIn, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.follow_up(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/archive", response_model=DisputePublic, responses=ERRORS)
async def archive(dispute_id: uuid.UUID, principal: Mediator, settings: Settings, session: Session) -> DisputePublic:
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.archive(session=session, dispute=dispute, mediator=principal)
    return await _public(session, dispute, principal, settings)


@router.post("/disputes/{dispute_id}/criminal", response_model=DisputePublic, responses=ERRORS, tags=["risk"])
async def mark_criminal(dispute_id: uuid.UUID, body: CriminalIn, principal: Mediator, settings: Settings,
                        session: Session) -> DisputePublic:
    """Record that the dispute turned into a criminal case (counted in the statistics)."""
    dispute = await _work(session, dispute_id, principal, settings)
    await lifecycle.mark_criminal(session=session, dispute=dispute, body=body, mediator=principal)
    return await _public(session, dispute, principal, settings)


# ----------------------------------------------------------------------------- statistics
@router.get("/stats", response_model=StatsPublic, tags=["statistics"])
async def statistics(principal: StatsReader, settings: Settings, session: Session,
                     period_from: Annotated[date, Query(alias="from", description="First local date")],
                     period_to: Annotated[date, Query(alias="to", description="Last local date (inclusive)")],
                     group_by: str = "committee", committee: str | None = None) -> StatsPublic:
    """Per committee or mediator for a period of local dates; formulas in docs/ARCHITECTURE.md."""
    return await stats.statistics(session=session, reader=principal, settings=settings, period_from=period_from,
                                  period_to=period_to, group_by=group_by, committee=committee)


# The registers' endpoints (committees, mediators) are declared in register_routes.py on this router.
from mediation import register_routes  # noqa: F401
