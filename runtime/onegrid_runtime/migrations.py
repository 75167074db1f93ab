"""Alembic, shared: each service keeps its revisions in ``<service>/migrations`` and its
``env.py`` calls ``run_env``; services upgrade to head on start (``migrate_on_start``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

MIGRATION_LOCK = 0x0EE6_21D  # PostgreSQL advisory lock: replicas starting together migrate one at a time


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


async def upgrade(migrations_dir: Path, database_url: str) -> None:
    # Alembic's env runs its own event loop: keep it off the service's loop.
    await asyncio.to_thread(command.upgrade, alembic_config(migrations_dir, database_url), "head")


def run_env() -> None:
    """Body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=SQLModel.metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url))


async def _run_online(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            await conn.commit()
        await conn.run_sync(_migrate)
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            await conn.commit()
    await engine.dispose()


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
