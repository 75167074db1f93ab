"""The dispatch application: ``uvicorn dispatch.main:app --port 8002``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app

from dispatch.config import DispatchSettings, get_settings
from dispatch.handlers import handlers
from dispatch.routes import router


def build_app(settings: DispatchSettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid dispatch",
        description="Routing, the case lifecycle, deadlines and escalation; department and dispatcher work APIs.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
    )


app = build_app()
