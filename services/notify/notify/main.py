"""The notify application: ``uvicorn notify.main:app --port 8004``."""

from pathlib import Path

from fastapi import FastAPI
from onegrid_runtime.service import create_app

from notify.config import NotifySettings, get_settings
from notify.delivery import delivery_worker
from notify.handlers import handlers
from notify.routes import router
from notify.tally import tally_compactor


def build_app(settings: NotifySettings | None = None) -> FastAPI:
    return create_app(
        settings=settings or get_settings(),
        title="OneGrid notify",
        description="Turns events into messages for reporters, departments, mediators, supervisors and other systems: "
                    "in-app inbox, SMS, e-mail and signed webhooks, exactly once, with a delivery log.",
        routers=[router],
        handlers=handlers,
        migrations_dir=Path(__file__).parent / "migrations",
        background=[delivery_worker, tally_compactor],
        openapi_tags=[
            {"name": "delivery log", "description": "Every notification and every delivery attempt"},
            {"name": "inbox", "description": "The in-app inbox of each user"},
            {"name": "webhooks", "description": "Subscriptions of external systems (signed HTTP POST)"},
            {"name": "directory", "description": "Recipients' language and contact points"},
        ],
    )


app = build_app()
