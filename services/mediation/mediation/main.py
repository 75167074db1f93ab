"""The mediation application: ``uvicorn mediation.main:app --port 8003``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.db import advisory_xact_lock
from onegrid_runtime.service import create_app
from sqlmodel import select

from mediation.config import MediationSettings, get_settings
from mediation.deadlines import deadline_loop
from mediation.handlers import handlers
from mediation.models import Committee
from mediation.registers import ensure_hub, seed
from mediation.routes import router


async def on_startup(app: FastAPI) -> None:
    """Seed the registers from the town's files the first time (one replica wins: the hub row is the marker)."""
    settings = app.state.settings
    async with app.state.db.transaction() as session:
        await advisory_xact_lock(session, "mediation:seed")  # replicas starting together seed once
        if settings.seed_dir and (await session.exec(select(Committee).where(Committee.kind == "committee"))).first() is None:
            await seed(session=session, directory=Path(settings.seed_dir), settings=settings)
        else:
            await ensure_hub(session=session, settings=settings)


def build_app(settings: MediationSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid mediation",
        description="The mediation network: committees, mediators, disputes from lead to archive, "
                    "risk screening (民转刑 early warning), case files and statistics.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        on_startup=on_startup,
        background=[deadline_loop],
    )


app = build_app()
