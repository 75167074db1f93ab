"""Helpers shared by notify's tests: event builders and a migrated notify database with a directory and a
webhook subscription."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from notify.config import NotifySettings
from notify.models import Recipient, Subscription
from onegrid_contracts.events import CaseDispatched, CaseReported, RoutingDecision
from onegrid_runtime.db import Database
from onegrid_runtime.migrations import upgrade
from sqlalchemy import insert

MIGRATIONS = Path(__file__).parents[1] / "notify" / "migrations"
DEADLINE = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)


def reported(case_id: uuid.UUID, reporter: str, grid: str, priority: str = "normal") -> CaseReported:
    return CaseReported(case_id=case_id, jurisdiction="YYB", case_number=f"YYB-2026-{case_id.int % 10**6:06d}",
                        channel="resident_app", description="路灯坏了", category="C08", grid=grid, community="CM01",
                        reporter_id=reporter, priority=priority)


def dispatched(case_id: uuid.UUID, department: str) -> CaseDispatched:
    return CaseDispatched(case_id=case_id, jurisdiction="YYB", department=department, deadline_at=DEADLINE,
                          routing=RoutingDecision(method="rule", rule_id="catalog:C08"))


async def notify_database(make_database) -> tuple[Database, NotifySettings, uuid.UUID]:
    url = make_database("notify")
    await upgrade(MIGRATIONS, url)
    db = Database(url)
    now = datetime.now(UTC)
    subscription = uuid.uuid4()
    async with db.transaction() as session:
        conn = await session.connection()
        await conn.execute(insert(Recipient.__table__), [  # type: ignore[attr-defined]
            {"address": "resident:r-a", "language": "en", "email": None, "phone": "+8613800000001", "updated_at": now},
            {"address": "department:D11", "language": None, "email": "d11@town.example.gov", "phone": None,
             "updated_at": now}])
        await conn.execute(insert(Subscription.__table__), [{  # type: ignore[attr-defined]
            "id": subscription, "name": "police", "url": "http://127.0.0.1:9/hook",
            "event_types": ["onegrid.case.dispatched"], "departments": ["D05"], "grids": [], "categories": [],
            "secret": "s", "previous_secret": None, "previous_secret_until": None, "status": "active",
            "consecutive_failures": 0, "paused_at": None, "pause_reason": None, "created_by": "test",
            "created_at": now}])
    return db, NotifySettings(database_url=url, sms_quiet_hours=""), subscription
