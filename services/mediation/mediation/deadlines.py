"""The mediation time limit: warned before, escalated to the hub after.

One loop per replica looks every ``timer_seconds``. Several replicas may run it on one
database: each due dispute is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and its
``deadline_warned_at`` / ``overdue_at`` is set in the same transaction as the event, so a
dispute's warning and escalation each fire once, whichever replica gets there first.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from fastapi import FastAPI
from onegrid_contracts.events import MediationDeadlineWarning, MediationOverdue
from onegrid_runtime.aio import stopping
from onegrid_runtime.db import Database, utcnow
from onegrid_runtime.outbox import emit
from sqlmodel import col, select

from mediation.config import MediationSettings
from mediation.models import Dispute, DisputeEntry
from mediation.service import SYSTEM, case_key

log = logging.getLogger("mediation.deadlines")
BATCH = 100


async def tick(db: Database, settings: MediationSettings, now: datetime | None = None) -> int:
    """Fire due warnings and escalations; returns how many fired in this replica."""
    now = now or utcnow()
    fired = 0
    warn_from = now + timedelta(days=settings.deadline_warn_days)
    async with db.transaction() as session:
        due = (await session.exec(
            select(Dispute).where(Dispute.status == "accepted", col(Dispute.deadline_at) <= warn_from,
                                  col(Dispute.deadline_at) > now, col(Dispute.deadline_warned_at).is_(None))
            .order_by(Dispute.deadline_at).limit(BATCH).with_for_update(skip_locked=True))).all()
        for dispute in due:
            dispute.deadline_warned_at = now
            session.add(dispute)
            session.add(DisputeEntry(dispute_id=dispute.id, kind="deadline_warning", actor=SYSTEM.id,
                                     text=f"time limit {dispute.deadline_at:%Y-%m-%d %H:%M} UTC is near"))
            assert dispute.deadline_at is not None
            emit(session, MediationDeadlineWarning(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction,
                                                   actor=SYSTEM, dispute_id=dispute.id, committee=dispute.committee,
                                                   deadline_at=dispute.deadline_at))
            fired += 1
    async with db.transaction() as session:
        overdue = (await session.exec(
            select(Dispute).where(Dispute.status == "accepted", col(Dispute.deadline_at) <= now,
                                  col(Dispute.overdue_at).is_(None))
            .order_by(Dispute.deadline_at).limit(BATCH).with_for_update(skip_locked=True))).all()
        for dispute in overdue:
            dispute.overdue_at = now
            dispute.deadline_warned_at = dispute.deadline_warned_at or now
            session.add(dispute)
            session.add(DisputeEntry(dispute_id=dispute.id, kind="overdue", actor=SYSTEM.id,
                                     text=f"time limit passed; escalated to the hub {settings.hub_committee}"))
            assert dispute.deadline_at is not None
            emit(session, MediationOverdue(case_id=case_key(dispute), jurisdiction=dispute.jurisdiction, actor=SYSTEM,
                                           dispute_id=dispute.id, committee=dispute.committee,
                                           deadline_at=dispute.deadline_at, escalated_to=settings.hub_committee))
            fired += 1
    return fired


async def deadline_loop(app: FastAPI) -> None:
    """Background loop started by create_app; survives database hiccups."""
    settings: MediationSettings = app.state.settings
    while True:
        try:
            while await tick(app.state.db, settings) >= BATCH:
                pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001  the next round tries again; state in the database keeps it exact
            if stopping():
                raise
            log.warning("deadline timer failed: %r", exc)
        await asyncio.sleep(settings.timer_seconds)
