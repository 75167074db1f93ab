"""Disputes from lead to acceptance: intake (from dispatch and directly), reading with scope and
masking, parties and their consent, acceptance or not, new facts. The caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import timedelta

from onegrid_contracts.catalog import load_catalog
from onegrid_contracts.events import Actor, CaseMediationRequested, MediationConcluded, MediationOpened
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import utcnow
from onegrid_runtime.outbox import emit
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation import assignment, risk
from mediation.access import (
    committee_of,
    handles,
    is_hub,
    is_police,
    mask_name,
    mask_number,
    may_read,
    may_work,
    redactor,
)
from mediation.config import MediationSettings
from mediation.errors import ConsentMissing, DisputeNotFound, Forbidden, IllegalStep, InvalidInput
from mediation.forms import AcceptIn, DisputeIn, DisputePublic, FactIn, NotAcceptIn, PartyIn, PartyPublic
from mediation.models import SOURCES, Committee, Dispute, DisputeEntry, Party
from mediation.registers import lookup_resident

SYSTEM = Actor(role="system", id="mediation")


def actor_of(p: Principal) -> Actor:
    return Actor(**p.actor())


def journal(session: AsyncSession, dispute: Dispute, kind: str, actor: Actor, text: str = "", **data: object) -> None:
    session.add(DisputeEntry(dispute_id=dispute.id, kind=kind, actor=actor.id, text=text, data=data))


def case_key(dispute: Dispute) -> uuid.UUID:
    """The event key: the dispatch case, or the dispute itself when it came in directly."""
    return dispute.case_id or dispute.id


def _register_number(jurisdiction: str, dispute_id: uuid.UUID) -> str:
    return f"{jurisdiction}-TJ-{utcnow().year}-{dispute_id.hex[:8].upper()}"


async def _committee_for(session: AsyncSession, community: str | None, hub: str) -> str:
    if community:
        found = (await session.exec(select(Committee).where(Committee.community == community,
                                                            col(Committee.active)))).first()
        if found is not None:
            return found.code
    return hub


async def _opened(session: AsyncSession, dispute: Dispute, actor: Actor, settings: MediationSettings) -> Dispute:
    dispute.register_number = _register_number(dispute.jurisdiction, dispute.id)
    session.add(dispute)
    await session.flush()
    journal(session, dispute, "opened", actor, f"taken in from {dispute.source}", committee=dispute.committee,
            source_ref=dispute.source_ref)
    emit(session, MediationOpened(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction, actor=actor,
                                  dispute_id=dispute.id, committee=dispute.committee, source=dispute.source,
                                  register_number=dispute.register_number))
    await risk.rescreen(session=session, dispute=dispute, actor=actor, rules_file=settings.risk_rules_file,
                        why="screened at intake")
    return dispute


async def open_from_case(*, session: AsyncSession, event: CaseMediationRequested, settings: MediationSettings) -> Dispute | None:
    """Dispatch sent a civil dispute: the committee of the case's community takes it up."""
    existing = (await session.exec(select(Dispute).where(Dispute.case_id == event.case_id))).first()
    if existing is not None:
        return None
    dispute = Dispute(
        case_id=event.case_id, case_number=event.case_number, jurisdiction=event.jurisdiction,
        committee=await _committee_for(session, event.community, settings.hub_committee), community=event.community,
        category=event.category, description=event.description, source="dispatch", status="opened",
        escalation_risk=event.escalation_risk,
    )
    return await _opened(session, dispute, SYSTEM, settings)


async def file_dispute(*, session: AsyncSession, body: DisputeIn, filer: Principal, settings: MediationSettings) -> Dispute:
    """A dispute taken in directly: a party's application, own initiative, referral, transfer."""
    if filer.role == Role.dept_staff and filer.department != settings.hub_department:
        sources = {settings.police_department: {"police"}, "D18": {"letters_visits"}}.get(filer.department or "", set())
    else:
        sources = {Role.resident: {"application"},
                   Role.system: {"application", "police", "court", "letters_visits"}}.get(filer.role, set(SOURCES))
    if body.source not in sources:
        raise Forbidden(f"a {filer.role.value}{' of ' + filer.department if filer.department else ''} may not file "
                        f"a dispute with source {body.source}; allowed: {', '.join(sorted(sources)) or 'none'}")
    if body.category is not None:
        category = load_catalog().categories.get(body.category)
        if category is None:
            raise InvalidInput(f"unknown category {body.category}", field="category")
    if body.committee:
        committee = await session.get(Committee, body.committee)
        if committee is None:
            raise InvalidInput(f"unknown committee {body.committee}", field="committee")
        code = committee.code
    elif body.community:
        code = await _committee_for(session, body.community, settings.hub_committee)
    elif filer.role == Role.mediator and filer.committee:
        code = filer.committee
    else:
        raise InvalidInput("give the community where the parties live (or the committee)", field="community")
    if filer.role == Role.mediator and not (is_hub(filer, settings) or code == filer.committee):
        raise Forbidden(f"a mediator of {filer.committee} files disputes for their own committee, not {code}")
    category = load_catalog().categories.get(body.category or "")
    dispute = Dispute(
        jurisdiction=filer.jurisdiction or settings.jurisdiction, committee=code, community=body.community,
        category=body.category, description=body.description, source=body.source, source_ref=body.source_ref,
        status="opened", escalation_risk=bool(category and category.escalation_risk),
        police_involved=body.police_involved or body.source == "police",
    )
    session.add(dispute)
    await session.flush()
    for party in body.parties:
        _add_party(session, dispute, party, settings)
    await session.flush()
    await _opened(session, dispute, actor_of(filer), settings)
    if any(p.consent is False for p in body.parties):
        await _end_for_refusal(session=session, dispute=dispute, actor=actor_of(filer), route=None, note="refused at intake")
    return dispute


async def get_dispute(*, session: AsyncSession, dispute_id: uuid.UUID, reader: Principal,
                      settings: MediationSettings, work: bool = False, lock: bool = False) -> Dispute:
    query = select(Dispute).where(Dispute.id == dispute_id)
    if lock:
        query = query.with_for_update()
    dispute = (await session.exec(query)).first()
    if dispute is None or dispute.jurisdiction != reader.jurisdiction:
        raise DisputeNotFound(f"no dispute {dispute_id}")
    allowed = may_work(reader, dispute, settings) if work else may_read(reader, dispute, settings)
    if not allowed:
        mine = committee_of(reader, settings)
        raise Forbidden(f"dispute belongs to committee {dispute.committee}"
                        + (f", not to {mine}" if mine else f"; a {reader.role.value} may not {'work' if work else 'read'} it"))
    return dispute


async def list_disputes(*, session: AsyncSession, reader: Principal, settings: MediationSettings, status: str | None,
                        case_id: uuid.UUID | None, watch: bool | None = None, limit: int = 200, offset: int = 0) -> list[Dispute]:
    query = select(Dispute).where(Dispute.jurisdiction == reader.jurisdiction)
    if reader.role in (Role.mediator, Role.dept_staff) and not is_hub(reader, settings):
        if is_police(reader, settings):
            query = query.where(col(Dispute.watch))
        elif reader.role == Role.mediator:
            query = query.where(Dispute.committee == reader.committee)
        else:
            raise Forbidden(f"department {reader.department} does not read disputes")
    if status:
        query = query.where(Dispute.status == status)
    if case_id:
        query = query.where(Dispute.case_id == case_id)
    if watch is not None:
        query = query.where(Dispute.watch == watch)
    return list((await session.exec(query.order_by(Dispute.opened_at).offset(offset).limit(limit))).all())


async def parties_of(session: AsyncSession, dispute: Dispute) -> list[Party]:
    return list((await session.exec(select(Party).where(Party.dispute_id == dispute.id)
                                    .order_by(Party.added_at, Party.role))).all())


def party_public(party: Party, personal: bool) -> PartyPublic:
    out = PartyPublic.model_validate(party, from_attributes=True)
    if not personal:
        out.name = mask_name(out.name) or ""
        out.phone = mask_number(out.phone)
        out.id_number = mask_number(out.id_number, 3, 2)
        out.resident_id = mask_number(out.resident_id, 1, 2)
    return out


async def to_public(*, session: AsyncSession, dispute: Dispute, viewer: Principal, settings: MediationSettings,
                    with_parties: bool = True) -> DisputePublic:
    personal = handles(viewer, dispute, settings)
    out = DisputePublic.model_validate(dispute, from_attributes=True)
    out.personal_data = personal
    parties = await parties_of(session, dispute)
    out.parties = [party_public(p, personal) for p in parties] if with_parties else []
    if not personal:  # free text may name the parties too
        redact = redactor(parties)
        for name in ("description", "agreement_terms", "termination_reason", "not_accepted_reason", "follow_up_note"):
            setattr(out, name, redact(getattr(out, name)))
    return out


# ----------------------------------------------------------------------------- parties and consent
def _add_party(session: AsyncSession, dispute: Dispute, body: PartyIn, settings: MediationSettings) -> Party:
    data = body.model_dump(exclude={"consent", "consent_note"})
    if body.resident_id:
        resident = lookup_resident(settings, body.resident_id)
        if resident is not None:  # the register completes what the mediator did not type
            data["household_id"] = data["household_id"] or resident.household_id
            data["phone"] = data["phone"] or resident.phone or None
            data["id_number"] = data["id_number"] or resident.id_number or None
            data["vulnerable"] = sorted(set(data["vulnerable"]) | set(resident.flags))
    party = Party(dispute_id=dispute.id, **data)
    if body.consent is not None:
        party.consent, party.consent_at, party.consent_note = body.consent, utcnow(), body.consent_note
    session.add(party)
    return party


async def add_party(*, session: AsyncSession, dispute: Dispute, body: PartyIn, mediator: Principal,
                    settings: MediationSettings) -> Party:
    if dispute.status not in ("opened", "accepted"):
        raise IllegalStep(f"parties are recorded while the dispute is open, not {dispute.status}", current_status=dispute.status)
    party = _add_party(session, dispute, body, settings)
    await session.flush()
    journal(session, dispute, "party", actor_of(mediator), f"{body.role} recorded", party_id=str(party.id),
            consent=body.consent)
    if body.consent is False:
        await _end_for_refusal(session=session, dispute=dispute, actor=actor_of(mediator), route=None,
                               note=body.consent_note or "refused mediation")
    else:
        await risk.rescreen(session=session, dispute=dispute, actor=actor_of(mediator),
                            rules_file=settings.risk_rules_file, why="party recorded")
    return party


async def record_consent(*, session: AsyncSession, dispute: Dispute, party_id: uuid.UUID, consented: bool,
                         note: str | None, route: str | None, mediator: Principal) -> Party:
    party = await session.get(Party, party_id)
    if party is None or party.dispute_id != dispute.id:
        raise DisputeNotFound(f"no party {party_id} in dispute {dispute.id}")
    if dispute.status not in ("opened", "accepted"):
        raise IllegalStep(f"consent is recorded while the dispute is open, not {dispute.status}", current_status=dispute.status)
    party.consent, party.consent_at, party.consent_note = consented, utcnow(), note
    session.add(party)
    journal(session, dispute, "consent", actor_of(mediator), note or ("consents" if consented else "refuses"),
            party_id=str(party.id), consented=consented)
    if not consented:
        await _end_for_refusal(session=session, dispute=dispute, actor=actor_of(mediator), route=route,
                               note=note or "a party refused mediation")
    return party


async def _end_for_refusal(*, session: AsyncSession, dispute: Dispute, actor: Actor, route: str | None, note: str) -> None:
    """Mediation is voluntary: one party's refusal ends it; the parties are told the other routes."""
    routes = [route] if route else ["court", "administrative"]
    dispute.status = "refused" if dispute.status == "opened" else "terminated"
    dispute.outcome, dispute.route, dispute.routes_told = "terminated", route, routes
    dispute.termination_reason, dispute.concluded_at = note, utcnow()
    session.add(dispute)
    journal(session, dispute, "refused", actor, note, routes_told=routes)
    emit(session, MediationConcluded(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction, actor=actor,
                                     dispute_id=dispute.id, committee=dispute.committee, outcome="terminated",
                                     route=route, reason="consent_refused", routes_told=routes,
                                     summary="a party refused mediation"))


# ----------------------------------------------------------------------------- acceptance
async def accept(*, session: AsyncSession, dispute: Dispute, body: AcceptIn, mediator: Principal,
                 settings: MediationSettings) -> Dispute:
    if dispute.status != "opened":
        raise IllegalStep(f"only a lead is accepted; this dispute is {dispute.status}", current_status=dispute.status)
    if not body.rights_notice_given:
        raise InvalidInput("rights_notice_given: the parties must be told their rights and duties before acceptance",
                           field="rights_notice_given")
    for party in body.parties:
        _add_party(session, dispute, party, settings)
    await session.flush()
    parties = await parties_of(session, dispute)
    roles = {p.role for p in parties}
    if not {"applicant", "respondent"} <= roles:
        raise ConsentMissing("a dispute is accepted with at least an applicant and a respondent recorded",
                             missing_roles=sorted({"applicant", "respondent"} - roles))
    if any(p.consent is False for p in parties):
        await _end_for_refusal(session=session, dispute=dispute, actor=actor_of(mediator), route=None,
                               note="a party refused mediation")
        return dispute
    pending = [p for p in parties if p.consent is not True]
    if pending:
        raise ConsentMissing(f"{len(pending)} part{'y has' if len(pending) == 1 else 'ies have'} not consented to "
                             "mediation yet", parties=[str(p.id) for p in pending])
    now = utcnow()
    dispute.status, dispute.accepted_at, dispute.accepted_by = "accepted", now, mediator.subject
    dispute.rights_notice_at = now
    dispute.deadline_at = now + timedelta(days=settings.time_limit_days)
    session.add(dispute)
    journal(session, dispute, "accepted", actor_of(mediator), "accepted; rights and duties notice given",
            deadline_at=dispute.deadline_at.isoformat())
    await assignment.assign_on_acceptance(session=session, dispute=dispute, parties=parties,
                                          requested=body.requested_mediator, actor=actor_of(mediator), settings=settings)
    await risk.rescreen(session=session, dispute=dispute, actor=actor_of(mediator), rules_file=settings.risk_rules_file,
                        why="screened at acceptance")
    return dispute


async def not_accept(*, session: AsyncSession, dispute: Dispute, body: NotAcceptIn, mediator: Principal) -> Dispute:
    if dispute.status != "opened":
        raise IllegalStep(f"only a lead can be not accepted; this dispute is {dispute.status}", current_status=dispute.status)
    dispute.status, dispute.outcome, dispute.not_accepted_reason = "not_accepted", "terminated", body.reason
    dispute.routes_told, dispute.route, dispute.concluded_at = list(body.routes), body.routes[0], utcnow()
    session.add(dispute)
    journal(session, dispute, "not_accepted", actor_of(mediator), body.reason, routes_told=list(body.routes))
    emit(session, MediationConcluded(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction,
                                     actor=actor_of(mediator), dispute_id=dispute.id, committee=dispute.committee,
                                     outcome="terminated", route=body.routes[0], reason="not_accepted",
                                     routes_told=list(body.routes), summary=body.reason[:500]))
    return dispute


async def add_fact(*, session: AsyncSession, dispute: Dispute, body: FactIn, mediator: Principal,
                   settings: MediationSettings) -> Dispute:
    if dispute.archived_at is not None:
        raise IllegalStep("the dispute is archived", current_status=dispute.status)
    journal(session, dispute, "fact", actor_of(mediator), body.text, police_involved=body.police_involved)
    if body.police_involved:
        dispute.police_involved = True
    await session.flush()
    await risk.rescreen(session=session, dispute=dispute, actor=actor_of(mediator), rules_file=settings.risk_rules_file,
                        why="new facts")
    return dispute
