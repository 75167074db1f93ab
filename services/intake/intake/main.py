"""The intake application: ``uvicorn intake.main:app --port 8001``."""

import asyncio
import logging
import time
from pathlib import Path

from fastapi import FastAPI
from onegrid_contracts.catalog import load_catalog
from onegrid_runtime.aio import stopping
from onegrid_runtime.service import create_app

from intake.config import IntakeSettings, get_settings
from intake.duplicates import load_rules
from intake.grids import current_index, import_town, load_index
from intake.handlers import handlers
from intake.households import import_register, register_size
from intake.privacy import install_log_masking
from intake.routes import router
from intake.storage import LocalDiskStorage
from intake.writer import CaseWriter

log = logging.getLogger("intake.seed")


async def on_startup(app: FastAPI) -> None:
    settings = app.state.settings
    install_log_masking()
    app.state.storage = LocalDiskStorage(settings.storage_dir)
    app.state.writer = CaseWriter(
        app.state.db, catalog=load_catalog(),
        duplicate_rules=load_rules(settings.duplicate_rules) if settings.duplicates_enabled else None,
        grids=lambda: app.state.grids)  # the current grid index, renewed when the register changes
    async with app.state.db.transaction() as session:
        index = await load_index(session)
        if not index.codes and settings.seed_dir:
            await import_town(session, Path(settings.seed_dir), jurisdiction=settings.jurisdiction)
            index = await load_index(session)
    app.state.grids = index
    seed = Path(settings.seed_dir) if settings.seed_dir else None
    if seed and (seed / "households.csv").exists() and (seed / "residents.csv").exists():
        async with app.state.db.transaction() as session:
            if await register_size(session) == 0:
                started = time.perf_counter()
                report = await import_register(session, seed / "households.csv", seed / "residents.csv", grids=index,
                                               jurisdiction=settings.jurisdiction)
                if report.rejected:
                    first = report.rejected[0]
                    log.error("household register in %s not imported: %d rejected row(s); first: %s line %d %s: %s",
                              seed, len(report.rejected), first.file, first.line, first.column, first.reason)
                else:
                    log.info("household register seeded: %d households, %d residents in %.1f s", report.households,
                             report.residents, time.perf_counter() - started)


async def write_cases(app: FastAPI) -> None:
    await app.state.writer.run()


async def refresh_grids(app: FastAPI) -> None:
    """Keep this replica's grid index in step with the register."""
    while True:
        await asyncio.sleep(app.state.settings.grid_refresh_seconds)
        try:
            async with app.state.db.transaction() as session:
                app.state.grids = await current_index(session, app.state.grids)
        except Exception as exc:  # the database is away: keep the index we have and try again
            if stopping():
                raise
            logging.getLogger("intake.grids").warning("grid register check failed: %r", exc)


def build_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid intake",
        description="The front door: reports from every channel, grids and households, the reporter's view, "
                    "and an Open311 GeoReport v2 facade at /open311/v2.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        on_startup=on_startup,
        background=[write_cases, refresh_grids],
    )


app = build_app()
