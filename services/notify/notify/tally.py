"""The counts of notifications per channel and status (``GET /v1/notifications/counts``), kept as they change.

A transaction that records notifications or changes their status calls ``count_changes`` with what it did; the
rows (one per channel and status, the difference as ``delta``) are written with its commit (``insert_at_commit``:
in the same statement as its other new rows). Counting is then a sum over a table that ``compact`` keeps small
(one row per pair plus what arrived since the last compaction), instead of a scan of the whole notification log.
Rows are only added, never updated: no counter row is a point where transactions queue for one another's locks.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterable

from fastapi import FastAPI
from onegrid_contracts.ids import new_id
from onegrid_runtime.aio import stopping
from onegrid_runtime.db import Database, among
from onegrid_runtime.outbox import insert_at_commit
from sqlalchemy import delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import NotifySettings
from notify.models import NotificationTally

log = logging.getLogger("onegrid.notify.tally")
TALLY = NotificationTally.__table__  # type: ignore[attr-defined]
STATUSES = ("delivered", "failed", "pending", "skipped")
# Rows folded per compaction transaction; the folded rows are deleted by id, and SQLite before 3.32 takes at most
# 999 parameters a statement.
COMPACT_ROWS = 10_000
COMPACT_ROWS_SQLITE = 900


def count_changes(session: AsyncSession, changes: Iterable[tuple[str, str | None, str | None]]) -> None:
    """Counts, with ``session``'s commit, notifications' changes ``(channel, status before, status after)``: before
    None for a new notification, after None for one removed."""
    deltas: Counter[tuple[str, str]] = Counter()
    for channel, before, after in changes:
        if before == after:
            continue
        if before is not None:
            deltas[(channel, before)] -= 1
        if after is not None:
            deltas[(channel, after)] += 1
    insert_at_commit(session, TALLY, [{"id": new_id(), "channel": channel, "status": status, "delta": delta}
                                      for (channel, status), delta in sorted(deltas.items()) if delta])


async def counts(*, session: AsyncSession) -> dict[tuple[str, str], int]:
    """Notifications by (channel, status), as the committed changes sum up."""
    query = select(TALLY.c.channel, TALLY.c.status, func.sum(TALLY.c.delta)).group_by(TALLY.c.channel, TALLY.c.status)
    return {(channel, status): int(n) for channel, status, n in (await session.exec(query)).all() if n}


async def compact(*, session: AsyncSession, limit: int = COMPACT_ROWS) -> int:
    """Folds up to ``limit`` rows into one per (channel, status); returns how many rows it folded. Rows another
    transaction is folding are skipped (``SKIP LOCKED``), so two replicas compacting at once never count a row
    twice; what they leave is folded next time."""
    conn = await session.connection()
    rows = (await conn.execute(select(TALLY.c.id, TALLY.c.channel, TALLY.c.status, TALLY.c.delta)
                               .order_by(TALLY.c.id).limit(limit).with_for_update(skip_locked=True))).all()
    sums: Counter[tuple[str, str]] = Counter()
    for _, channel, status, delta in rows:
        sums[(channel, status)] += delta
    if len(rows) < limit and len(rows) == len(sums) and all(sums.values()):  # the whole tally, one row per pair
        return 0
    await conn.execute(delete(TALLY).where(among(conn, TALLY.c.id, [r.id for r in rows])))
    insert_at_commit(session, TALLY, [{"id": new_id(), "channel": channel, "status": status, "delta": n}
                                      for (channel, status), n in sorted(sums.items()) if n])
    return len(rows)


async def tally_compactor(app: FastAPI) -> None:
    """The background loop of create_app: compacts the tally every ``tally_compact_seconds``."""
    settings: NotifySettings = app.state.settings
    db: Database = app.state.db
    limit = COMPACT_ROWS_SQLITE if db.is_sqlite else COMPACT_ROWS
    while True:
        try:
            async with db.transaction() as session:
                folded = await compact(session=session, limit=limit)
        except asyncio.CancelledError:
            raise
        except Exception:
            if stopping():
                raise
            log.exception("compacting the notification tally failed; retrying")
            folded = 0
        if folded < limit:  # else more are waiting: go on at once
            await asyncio.sleep(settings.tally_compact_seconds)
