"""Mediation under way and after: sessions with minutes, the time limit's extension, the
outcome (agreement or termination), judicial confirmation, performance, follow-up, archive."""

from __future__ import annotations

import uuid
from datetime import timedelta

from onegrid_contracts.events import MediationConcluded, MediationPerformed
from onegrid_runtime.auth import Principal
from onegrid_runtime.db import utcnow
from onegrid_runtime.outbox import emit
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation import risk
from mediation.config import MediationSettings
from mediation.errors import ConsentMissing, DisputeNotFound, IllegalStep, InvalidInput
from mediation.forms import (
    AgreementIn,
    CriminalIn,
    ExtensionIn,
    FollowUpIn,
    JudicialConfirmationIn,
    PerformanceIn,
    SessionHeldIn,
    SessionIn,
    TerminationIn,
)
from mediation.models import Dispute, MediationSession
from mediation.service import actor_of, case_key, journal, parties_of


def _require(dispute: Dispute, *statuses: str, doing: str) -> None:
    if dispute.status not in statuses:
        raise IllegalStep(f"cannot {doing} a dispute that is {dispute.status} (allowed when {' or '.join(statuses)})",
                          current_status=dispute.status, allowed_statuses=list(statuses))


# ----------------------------------------------------------------------------- sessions
async def schedule_session(*, session: AsyncSession, dispute: Dispute, body: SessionIn, mediator: Principal) -> MediationSession:
    _require(dispute, "accepted", doing="schedule a session for")
    meeting = MediationSession(dispute_id=dispute.id, scheduled_at=body.scheduled_at, place=body.place)
    session.add(meeting)
    await session.flush()
    journal(session, dispute, "session_scheduled", actor_of(mediator), f"session at {body.place}",
            session_id=str(meeting.id), scheduled_at=body.scheduled_at.isoformat())
    return meeting


async def hold_session(*, session: AsyncSession, dispute: Dispute, session_id: uuid.UUID, body: SessionHeldIn,
                       mediator: Principal, settings: MediationSettings) -> MediationSession:
    _require(dispute, "accepted", doing="hold a session for")
    meeting = await session.get(MediationSession, session_id)
    if meeting is None or meeting.dispute_id != dispute.id:
        raise DisputeNotFound(f"no session {session_id} in dispute {dispute.id}")
    if meeting.status != "scheduled":
        raise IllegalStep(f"session {session_id} is {meeting.status}", current_status=meeting.status)
    meeting.status, meeting.participants, meeting.minutes, meeting.held_at = "held", body.participants, body.minutes, utcnow()
    session.add(meeting)
    journal(session, dispute, "session_held", actor_of(mediator), "session held; minutes recorded",
            session_id=str(meeting.id), participants=body.participants)
    await session.flush()
    await risk.rescreen(session=session, dispute=dispute, actor=actor_of(mediator),
                        rules_file=settings.risk_rules_file, why="minutes recorded")
    return meeting


async def sessions_of(session: AsyncSession, dispute: Dispute) -> list[MediationSession]:
    return list((await session.exec(select(MediationSession).where(MediationSession.dispute_id == dispute.id)
                                    .order_by(MediationSession.scheduled_at))).all())


# ----------------------------------------------------------------------------- time limit
async def extend(*, session: AsyncSession, dispute: Dispute, body: ExtensionIn, mediator: Principal) -> Dispute:
    """The time limit moves only with every party's recorded consent."""
    _require(dispute, "accepted", doing="extend the time limit of")
    parties = await parties_of(session, dispute)
    given = {c.party_id: c.consented for c in body.consents}
    unknown = set(given) - {p.id for p in parties}
    if unknown:
        raise InvalidInput(f"consents name parties not in this dispute: {', '.join(map(str, unknown))}", field="consents")
    missing = [p for p in parties if given.get(p.id) is not True]
    if missing:
        refused = [p for p in missing if given.get(p.id) is False]
        raise ConsentMissing(
            "an extension needs every party's recorded consent: "
            + (f"{len(refused)} refused" if refused else "") + (", " if refused and len(missing) > len(refused) else "")
            + (f"{len(missing) - len(refused)} not recorded" if len(missing) > len(refused) else ""),
            parties=[str(p.id) for p in missing])
    assert dispute.deadline_at is not None
    before = dispute.deadline_at
    dispute.deadline_at = before + timedelta(days=body.days)
    dispute.extensions += 1
    dispute.deadline_warned_at = dispute.overdue_at = None  # the new limit is warned and escalated afresh
    session.add(dispute)
    journal(session, dispute, "extension", actor_of(mediator), body.reason, days=body.days,
            deadline_before=before.isoformat(), deadline_after=dispute.deadline_at.isoformat(),
            consents={str(k): v for k, v in given.items()})
    return dispute


# ----------------------------------------------------------------------------- outcome
async def record_agreement(*, session: AsyncSession, dispute: Dispute, body: AgreementIn, mediator: Principal,
                           settings: MediationSettings) -> Dispute:
    now = utcnow()
    parties = await parties_of(session, dispute)
    if dispute.status == "opened":
        # On-the-spot mediation (当场调解): an oral agreement reached when the mediator meets a lead sent by
        # dispatch; acceptance is recorded with it. Never for a dispute on the watch list or a refused party.
        if not (settings.on_the_spot_agreements and dispute.source == "dispatch" and not dispute.watch
                and all(p.consent is not False for p in parties)):
            raise IllegalStep("an agreement needs an accepted dispute: accept it with the parties' consent first"
                              + (" (a red-risk dispute is never concluded on the spot)" if dispute.watch else ""),
                              current_status=dispute.status, allowed_statuses=["accepted"])
        dispute.procedure, dispute.accepted_at, dispute.accepted_by = "on_the_spot", now, mediator.subject
        journal(session, dispute, "accepted", actor_of(mediator), "accepted on the spot with the agreement")
    elif dispute.status != "accepted":
        raise IllegalStep(f"cannot record an agreement on a dispute that is {dispute.status}",
                          current_status=dispute.status, allowed_statuses=["accepted"])
    for i, o in enumerate(body.obligations):
        if o.due_date < now.date() - timedelta(days=1):
            raise InvalidInput(f"obligations.{i}.due_date {o.due_date} is in the past", field=f"obligations.{i}.due_date")
        if o.party_id is not None and o.party_id not in {p.id for p in parties}:
            raise InvalidInput(f"obligations.{i}.party_id is not a party of this dispute", field=f"obligations.{i}.party_id")
    signed = {s.party_id for s in body.signatures}
    if signed - {p.id for p in parties}:
        raise InvalidInput("signatures name someone who is not a party of this dispute", field="signatures")
    if dispute.procedure == "standard":
        unsigned = [p for p in parties if p.id not in signed]
        if unsigned:
            raise ConsentMissing(f"a written agreement needs every party's signature; {len(unsigned)} missing",
                                 parties=[str(p.id) for p in unsigned])
    dispute.status, dispute.outcome, dispute.agreement_terms, dispute.concluded_at = "agreed", "agreement", body.terms, now
    dispute.agreement_form = "written" if parties and not [p for p in parties if p.id not in signed] else "oral"
    dispute.obligations = [{**o.model_dump(mode="json"), "done": None} for o in body.obligations]
    dispute.signatures = [{"party_id": str(s.party_id), "signed_at": (s.signed_at or now).isoformat()}
                          for s in body.signatures]
    session.add(dispute)
    journal(session, dispute, "agreement", actor_of(mediator), body.terms, form=dispute.agreement_form,
            obligations=len(body.obligations))
    emit(session, MediationConcluded(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction,
                                     actor=actor_of(mediator), dispute_id=dispute.id, committee=dispute.committee,
                                     outcome="agreement", summary=body.terms[:500]))
    return dispute


async def terminate(*, session: AsyncSession, dispute: Dispute, body: TerminationIn, mediator: Principal) -> Dispute:
    _require(dispute, "accepted", doing="terminate")
    routes = list(dict.fromkeys([body.route, *body.routes_told]))
    dispute.status, dispute.outcome, dispute.route, dispute.routes_told = "terminated", "terminated", body.route, routes
    dispute.termination_reason, dispute.concluded_at = body.reason, utcnow()
    session.add(dispute)
    journal(session, dispute, "terminated", actor_of(mediator), body.reason, route=body.route, routes_told=routes)
    emit(session, MediationConcluded(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction,
                                     actor=actor_of(mediator), dispute_id=dispute.id, committee=dispute.committee,
                                     outcome="terminated", route=body.route, reason="mediation_failed",
                                     routes_told=routes, summary=body.reason[:500]))
    return dispute


async def request_judicial_confirmation(*, session: AsyncSession, dispute: Dispute, body: JudicialConfirmationIn,
                                        mediator: Principal, settings: MediationSettings) -> Dispute:
    """The parties ask a court to confirm the agreement (司法确认), within 30 days of it."""
    _require(dispute, "agreed", "performed", "breached", doing="ask for judicial confirmation of")
    if dispute.agreement_form != "written":
        raise IllegalStep("judicial confirmation needs a written agreement signed by every party")
    if dispute.judicial_confirmation_at is not None:
        raise IllegalStep(f"judicial confirmation was already requested on {dispute.judicial_confirmation_at:%Y-%m-%d}")
    assert dispute.concluded_at is not None
    limit = dispute.concluded_at + timedelta(days=settings.judicial_confirmation_days)
    now = utcnow()
    if now > limit:
        raise IllegalStep(f"judicial confirmation is requested within {settings.judicial_confirmation_days} days of the "
                          f"agreement; the window closed on {limit:%Y-%m-%d}")
    dispute.judicial_confirmation_at, dispute.judicial_court = now, body.court
    session.add(dispute)
    journal(session, dispute, "judicial_confirmation", actor_of(mediator), f"requested at {body.court}")
    return dispute


async def record_performance(*, session: AsyncSession, dispute: Dispute, body: PerformanceIn, mediator: Principal) -> Dispute:
    """The mediator checked whether the parties did what they agreed."""
    if dispute.status != "agreed":
        raise IllegalStep(f"performance is checked on an agreed dispute, not on one that is {dispute.status}",
                          current_status=dispute.status, allowed_statuses=["agreed"])
    obligations = [dict(o) for o in dispute.obligations]
    for check in body.obligations:
        if check.index >= len(obligations):
            raise InvalidInput(f"obligations: no obligation {check.index} (the agreement has {len(obligations)})",
                               field="obligations")
        obligations[check.index]["done"] = check.done
    dispute.obligations = obligations
    dispute.status = "performed" if body.honoured else "breached"
    dispute.honoured, dispute.performance_note, dispute.performance_checked_at = body.honoured, body.note, utcnow()
    session.add(dispute)
    journal(session, dispute, "performance", actor_of(mediator), body.note or "", honoured=body.honoured)
    emit(session, MediationPerformed(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction,
                                     actor=actor_of(mediator), dispute_id=dispute.id, committee=dispute.committee,
                                     honoured=body.honoured, note=body.note))
    return dispute


async def follow_up(*, session: AsyncSession, dispute: Dispute, body: FollowUpIn, mediator: Principal) -> Dispute:
    _require(dispute, "performed", "breached", doing="record a follow-up visit on")
    dispute.followed_up_at, dispute.follow_up_note = body.visited_at or utcnow(), body.note
    session.add(dispute)
    journal(session, dispute, "follow_up", actor_of(mediator), body.note)
    return dispute


async def archive(*, session: AsyncSession, dispute: Dispute, mediator: Principal) -> Dispute:
    if dispute.status in ("performed", "breached"):
        if dispute.followed_up_at is None:
            raise IllegalStep("an agreement is archived after the follow-up visit", current_status=dispute.status)
    elif dispute.status not in ("terminated", "not_accepted", "refused"):
        raise IllegalStep(f"cannot archive a dispute that is {dispute.status}", current_status=dispute.status,
                          allowed_statuses=["performed", "breached", "terminated", "not_accepted", "refused"])
    if dispute.watch:
        raise IllegalStep("the dispute is on the watch list: lower its risk with a reason before archiving")
    dispute.status, dispute.archived_at = "archived", utcnow()
    session.add(dispute)
    journal(session, dispute, "archived", actor_of(mediator), "case file archived")
    return dispute


async def mark_criminal(*, session: AsyncSession, dispute: Dispute, body: CriminalIn, mediator: Principal) -> Dispute:
    """The dispute turned into a criminal case (counted in the statistics; the town's target is zero)."""
    if dispute.criminal_at is not None:
        raise IllegalStep("already recorded as turned criminal")
    dispute.criminal_at, dispute.criminal_note = utcnow(), body.note
    session.add(dispute)
    journal(session, dispute, "criminal", actor_of(mediator), body.note)
    return dispute
