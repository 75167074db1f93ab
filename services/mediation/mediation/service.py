"""Mediation's service logic: plain async functions; the caller owns the transaction."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime, timezone
from pathlib import Path

from onegrid_contracts.events import (
    Actor,
    CaseMediationRequested,
    MediationConcluded,
    MediationOpened,
    MediationPerformed,
)
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation.errors import DisputeNotFound, Forbidden, IllegalStep
from mediation.models import Committee, Dispute


async def open_from_case(*, session: AsyncSession, event: CaseMediationRequested, hub: str) -> Dispute | None:
    """Dispatch sent a civil dispute: the committee of the case's community takes it up."""
    existing = (await session.exec(select(Dispute).where(Dispute.case_id == event.case_id))).first()
    if existing is not None:
        return None
    committee = (await session.exec(select(Committee).where(Committee.community == event.community))).first()
    dispute = Dispute(
        case_id=event.case_id, case_number=event.case_number, jurisdiction=event.jurisdiction,
        committee=committee.code if committee else hub, community=event.community, category=event.category,
        description=event.description, source="dispatch", status="opened", escalation_risk=event.escalation_risk,
    )
    session.add(dispute)
    emit(session, MediationOpened(case_id=event.case_id, jurisdiction=event.jurisdiction,
                                  actor=Actor(role="system", id="mediation"), dispute_id=dispute.id,
                                  committee=dispute.committee))
    return dispute


async def get_dispute(*, session: AsyncSession, dispute_id: uuid.UUID, reader: Principal) -> Dispute:
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None or dispute.jurisdiction != reader.jurisdiction:
        raise DisputeNotFound(f"no dispute {dispute_id}")
    if reader.role == Role.mediator and reader.committee not in (dispute.committee, "HUB"):
        raise Forbidden(f"dispute belongs to committee {dispute.committee}, not to {reader.committee}")
    return dispute


async def list_disputes(*, session: AsyncSession, reader: Principal, status: str | None, case_id: uuid.UUID | None) -> list[Dispute]:
    query = select(Dispute).where(Dispute.jurisdiction == reader.jurisdiction)
    if reader.role == Role.mediator and reader.committee != "HUB":
        query = query.where(Dispute.committee == reader.committee)
    if status:
        query = query.where(Dispute.status == status)
    if case_id:
        query = query.where(Dispute.case_id == case_id)
    return list((await session.exec(query.order_by(Dispute.opened_at))).all())


async def record_agreement(*, session: AsyncSession, dispute: Dispute, mediator: Principal, terms: str) -> Dispute:
    if dispute.status != "opened":
        raise IllegalStep(f"cannot record an agreement on a dispute that is {dispute.status}", current_status=dispute.status)
    dispute.status = "agreed"
    dispute.outcome = "agreement"
    dispute.agreement_terms = terms
    dispute.concluded_at = datetime.now(timezone.utc)
    session.add(dispute)
    if dispute.case_id is not None:
        emit(session, MediationConcluded(
            case_id=dispute.case_id, jurisdiction=dispute.jurisdiction, actor=Actor(**mediator.actor()),
            dispute_id=dispute.id, committee=dispute.committee, outcome="agreement", summary=terms[:500]))
    return dispute


async def record_performance(
    *, session: AsyncSession, dispute: Dispute, mediator: Principal, honoured: bool, note: str | None
) -> Dispute:
    """The mediator checked whether the parties did what they agreed."""
    if dispute.status != "agreed":
        raise IllegalStep(f"performance is checked on an agreed dispute, not on one that is {dispute.status}",
                          current_status=dispute.status)
    dispute.status = "performed" if honoured else "breached"
    session.add(dispute)
    if dispute.case_id is not None:
        emit(session, MediationPerformed(
            case_id=dispute.case_id, jurisdiction=dispute.jurisdiction, actor=Actor(**mediator.actor()),
            dispute_id=dispute.id, committee=dispute.committee, honoured=honoured, note=note))
    return dispute


async def import_committees(*, session: AsyncSession, directory: Path, jurisdiction: str) -> int:
    """Committees from a town's committees.csv (code,name_en,name_zh,community,...)."""
    count = 0
    with open(directory / "committees.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            await session.merge(Committee(code=row["code"], jurisdiction=jurisdiction, community=row["community"],
                                          name_en=row["name_en"], name_zh=row["name_zh"]))
            count += 1
    return count
