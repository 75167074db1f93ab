"""The dispatch application: ``uvicorn dispatch.main:app --port 8002``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app

from dispatch.config import DispatchSettings, get_settings
from dispatch.deadlines import deadline_timer
from dispatch.handlers import handlers
from dispatch.learning import ensure_model
from dispatch.routes import router
from dispatch.service import toolkit


async def _on_startup(app: FastAPI) -> None:
    kit = toolkit(app.state.settings)  # loads and checks the data files: a bad file stops the start
    app.state.clock = kit.clock
    await ensure_model(app.state.db, kit.catalog)


def build_app(settings: DispatchSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid dispatch",
        description="Routing, the case lifecycle, deadlines and escalation; department and dispatcher work APIs.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        on_startup=_on_startup,
        background=[deadline_timer],
    )


app = build_app()
