"""Alembic environment of notify: the shared runner with notify's tables."""

import notify.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from onegrid_runtime.migrations import run_env

run_env()
