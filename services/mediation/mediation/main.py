"""The mediation application: ``uvicorn mediation.main:app --port 8003``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app
from sqlmodel import select

from mediation.config import MediationSettings, get_settings
from mediation.handlers import handlers
from mediation.models import Committee
from mediation.routes import router
from mediation.service import import_committees


async def on_startup(app: FastAPI) -> None:
    settings = app.state.settings
    if settings.seed_dir:
        async with app.state.db.transaction() as session:
            if (await session.exec(select(Committee))).first() is None:
                await import_committees(session=session, directory=Path(settings.seed_dir),
                                        jurisdiction=settings.jurisdiction)


def build_app(settings: MediationSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid mediation",
        description="The mediation network: committees, mediators, disputes from lead to archive.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        on_startup=on_startup,
    )


app = build_app()
