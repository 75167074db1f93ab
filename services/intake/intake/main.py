"""The intake application: ``uvicorn intake.main:app --port 8001``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app

from intake.config import IntakeSettings, get_settings
from intake.grids import import_town, load_index
from intake.handlers import handlers
from intake.routes import router


async def on_startup(app: FastAPI) -> None:
    settings = app.state.settings
    async with app.state.db.transaction() as session:
        index = await load_index(session)
        if not index.codes and settings.seed_dir:
            await import_town(session, Path(settings.seed_dir), jurisdiction=settings.jurisdiction)
            index = await load_index(session)
    app.state.grids = index


def build_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid intake",
        description="The front door: reports from every channel, grids and households, the reporter's view.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        on_startup=on_startup,
    )


app = build_app()
