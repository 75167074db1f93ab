"""Fixtures of the runtime's database tests: the same test on PostgreSQL and on SQLite."""

import pytest
from onegrid_runtime.db import Database


@pytest.fixture(params=["postgresql", "sqlite"])
async def probe_database(request, make_database, tmp_path):
    """Factory: a Database on a fresh PostgreSQL database or SQLite file, with ``metadata``'s tables created."""
    made: list[Database] = []

    async def make(metadata) -> Database:
        url = make_database("probe") if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/probe.db"
        database = Database(url)
        async with database.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        made.append(database)
        return database

    yield make
    for database in made:
        await database.dispose()
