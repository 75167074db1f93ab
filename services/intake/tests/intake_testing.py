"""Helpers shared by intake's tests."""

from __future__ import annotations

from sqlmodel import func, select

OPEN311_KEY = "test-open311-key"


async def count(app, model, *where) -> int:
    async with app.state.db.transaction() as s:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return (await s.exec(query)).one()


async def outbox_events(app, at_least: int = 1, timeout: float = 15.0) -> list[tuple[str, dict]]:
    """(type, data) of the events intake emitted, oldest first: those still in its outbox plus those
    its relay already published to Kafka (the relay deletes what it sent). Waits (bounded) until
    there are ``at_least``."""
    import asyncio
    import json
    import time

    from aiokafka import AIOKafkaConsumer
    from onegrid_runtime.outbox import OutboxMessage

    settings = app.state.settings
    consumer = AIOKafkaConsumer(settings.topic("intake"), bootstrap_servers=settings.kafka_bootstrap_servers,
                                auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await consumer.start()
    published: dict[str, tuple[str, dict]] = {}
    try:
        deadline = time.monotonic() + timeout
        while True:
            async with app.state.db.transaction() as s:
                rows = (await s.exec(select(OutboxMessage).order_by(OutboxMessage.seq))).all()
                pending = {r.event_id: (r.event_type, json.loads(r.payload)) for r in rows}
            found = {**published, **pending}
            if len(found) >= at_least or time.monotonic() > deadline:
                return sorted(found.values(), key=lambda e: e[1]["occurred_at"])
            batches = await consumer.getmany(timeout_ms=300)
            for messages in batches.values():
                for m in messages:
                    headers = {k: v.decode() for k, v in m.headers}
                    published[headers["ce_id"]] = (headers["ce_type"], json.loads(m.value))
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
