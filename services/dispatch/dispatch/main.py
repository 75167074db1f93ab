"""The dispatch application: ``uvicorn dispatch.main:app --port 8002``."""

from pathlib import Path

from onegrid_runtime.service import create_app

from dispatch.config import get_settings
from dispatch.handlers import handlers
from dispatch.routes import router

app = create_app(
    settings=get_settings(),
    title="OneGrid dispatch",
    description="Routing, the case lifecycle, deadlines and escalation; department and dispatcher work APIs.",
    routers=[router],
    handlers=handlers,
    migrations_dir=Path(__file__).parent / "migrations",
)
