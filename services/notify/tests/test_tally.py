"""The counts per channel and status (``GET /v1/notifications/counts``) are kept as change rows: after every kind
of status change they equal a count over the notification log, compaction keeps them and shrinks the table, and
the migration seeds them from the notifications already recorded. On PostgreSQL and on SQLite (the embedded
default)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from notify import service, tally
from notify.config import NotifySettings
from notify.delivery import DeliveryWorker, Result
from notify.handlers import handlers
from notify.subscriptions import delete_subscription
from notify_testing import MIGRATIONS, dispatched, notify_database, reported
from onegrid_contracts import from_kafka, to_kafka
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.consumer import apply_events
from onegrid_runtime.db import Database
from onegrid_runtime.migrations import alembic_config, upgrade
from sqlalchemy import text


@pytest.fixture(params=["postgresql", "sqlite"])
async def notify_db(request, make_database, tmp_path):
    """notify_database's directory and webhook subscription (D05's dispatches), on either database."""
    if request.param == "postgresql":
        db, settings, subscription = await notify_database(make_database)
    else:
        db, settings, subscription = await notify_database(lambda _label: f"sqlite+aiosqlite:///{tmp_path / 'notify.db'}")
    settings = NotifySettings(database_url=settings.database_url, sms_quiet_hours="", max_attempts=1)
    try:
        yield db, settings, subscription
    finally:
        await db.dispose()


async def scanned(db: Database) -> dict[tuple[str, str], int]:
    """What the notification log itself says (the full scan the tally replaces)."""
    async with db.transaction() as session:
        rows = (await (await session.connection()).execute(text(
            "SELECT channel, status, count(*) FROM notification GROUP BY channel, status"))).all()
    return {(channel, status): n for channel, status, n in rows}


async def tallied(db: Database) -> dict[tuple[str, str], int]:
    async with db.transaction() as session:
        return await tally.counts(session=session)


async def tally_rows(db: Database) -> int:
    async with db.transaction() as session:
        return (await (await session.connection()).execute(text("SELECT count(*) FROM notification_tally"))).scalar_one()


async def send(worker: DeliveryWorker, *, failing: str) -> None:
    """Claims what is due and records each send's outcome: endpoints starting with ``failing`` fail."""
    claimed = await worker.claim()
    assert claimed
    now = datetime.now(UTC)
    await worker.record([Result(out=out, started=now, latency=0.01, http_status=None,
                                error="connection refused" if out.endpoint.startswith(failing) else None)
                         for out in claimed])


async def test_counts_follow_every_status_change_and_survive_compaction(notify_db):
    db, settings, subscription = notify_db
    cases = [uuid.uuid4() for _ in range(3)]
    events = [reported(case, "r-a", "G01") for case in cases] + [
        dispatched(cases[0], "D11"), dispatched(cases[1], "D05"), dispatched(cases[2], "D05")]
    await apply_events(db, handlers, [from_kafka(*to_kafka(e, source="/onegrid/YYB/test")) for e in events], settings)
    recorded = await scanned(db)
    # In-app messages delivered at once, SMS and e-mail pending, D05 has no e-mail (skipped), the webhook pending.
    assert recorded[("inbox", "delivered")] > 0 and recorded[("webhook", "pending")] == 2
    assert recorded[("sms", "pending")] > 0 and recorded[("email", "pending")] == 1
    assert recorded[("email", "skipped")] == 2
    assert await tallied(db) == recorded

    worker = DeliveryWorker(db, settings)
    await send(worker, failing="webhook:")  # e-mail and SMS delivered, webhooks dead-lettered (one attempt)
    after_sends = await scanned(db)
    assert after_sends[("webhook", "failed")] == 2 and ("webhook", "pending") not in after_sends
    assert after_sends[("email", "delivered")] == 1 and ("sms", "pending") not in after_sends
    assert await tallied(db) == after_sends

    async with db.transaction() as session:
        failed = (await (await session.connection()).execute(text(
            "SELECT id FROM notification WHERE status = 'failed' ORDER BY id"))).scalars().all()
    async with db.transaction() as session:  # replay puts one back in the queue
        assert await service.replay(session=session, notification_ids=[uuid.UUID(str(failed[0]))]) == 1
    assert (await scanned(db))[("webhook", "pending")] == 1
    assert await tallied(db) == await scanned(db)

    async with db.transaction() as session:  # deleting the subscription fails its queue
        await delete_subscription(session=session, subscription_id=subscription,
                                  principal=Principal(subject="admin", role=Role.admin, jurisdiction="YYB"))
    final = await scanned(db)
    assert final[("webhook", "failed")] == 2 and ("webhook", "pending") not in final
    assert await tallied(db) == final

    rows_before = await tally_rows(db)
    assert rows_before > len(final) + 3
    async with db.transaction() as session:  # a compaction folds at most its limit, oldest rows first
        assert await tally.compact(session=session, limit=4) == 4
    assert await tallied(db) == final
    rows_before = await tally_rows(db)
    async with db.transaction() as session:
        assert await tally.compact(session=session) == rows_before
    assert await tally_rows(db) == len(final)  # one row per channel and status
    assert await tallied(db) == final
    async with db.transaction() as session:  # nothing left to fold
        assert await tally.compact(session=session) == 0

    async with db.transaction() as session:  # the API's answer
        answer = {c.channel: c for c in await service.channel_counts(session=session)}
    assert answer["webhook"].failed == 2 and answer["email"].delivered == 1 and answer["email"].skipped == 2
    assert answer["inbox"].delivered == final[("inbox", "delivered")]


async def test_migration_seeds_the_tally_from_the_notifications_already_recorded(make_database):
    """A database that recorded notifications before the tally existed starts with the right counts."""
    url = make_database("notify")
    await upgrade(MIGRATIONS, url)
    db = Database(url)
    try:
        settings = NotifySettings(database_url=url, sms_quiet_hours="")
        await apply_events(db, handlers, [from_kafka(*to_kafka(e, source="/onegrid/YYB/test")) for e in
                                          (reported(uuid.uuid4(), "r-a", "G01"), dispatched(uuid.uuid4(), "D11"))],
                           settings)
        before = await scanned(db)
        assert sum(before.values()) >= 3
        config = alembic_config(MIGRATIONS, url)
        await db.dispose()
        await asyncio.to_thread(command.downgrade, config, "0003")
        await asyncio.to_thread(command.upgrade, config, "head")
        assert await tallied(db) == before
    finally:
        await db.dispose()
