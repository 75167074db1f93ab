"""The notify application: ``uvicorn notify.main:app --port 8004``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app

from notify.config import NotifySettings, get_settings
from notify.handlers import handlers
from notify.routes import router


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid notify",
        description="Turns events into messages for reporters, departments, mediators, supervisors and other systems.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
    )


app = build_app()
