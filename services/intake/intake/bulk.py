"""Bulk upsert for the register imports: one INSERT ... ON CONFLICT DO UPDATE per batch of rows
(PostgreSQL and SQLite), instead of the ORM row by row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

BATCH = 5000


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Insert ``rows`` into ``table``; rows whose ``key`` exists are updated in place."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = [c for c in rows[0] if c not in key]
    # SQLite limits bound parameters per statement; PostgreSQL's asyncpg batches executemany itself.
    batch = BATCH if dialect == "postgresql" else max(1, 30000 // max(1, len(rows[0])))
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        statement = insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=list(key), set_={c: getattr(statement.excluded, c) for c in columns}
        )
        await (await session.connection()).execute(statement, list(chunk))
        if progress is not None:
            progress(len(chunk))
