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


async def outbox_events(app) -> list[tuple[str, dict]]:
    """(type, data) of the events intake has committed to its outbox, in order."""
    import json

    from onegrid_runtime.outbox import OutboxMessage

    async with app.state.db.transaction() as s:
        rows = (await s.exec(select(OutboxMessage).order_by(OutboxMessage.seq))).all()
        return [(r.event_type, json.loads(r.payload)) for r in rows]
