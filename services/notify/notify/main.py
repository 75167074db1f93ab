"""The notify application: ``uvicorn notify.main:app --port 8004``."""

from pathlib import Path

from onegrid_runtime.service import create_app

from notify.config import get_settings
from notify.handlers import handlers
from notify.routes import router

app = create_app(
    settings=get_settings(),
    title="OneGrid notify",
    description="Turns events into messages for reporters, departments, mediators, supervisors and other systems.",
    routers=[router],
    handlers=handlers,
    migrations_dir=Path(__file__).parent / "migrations",
)
