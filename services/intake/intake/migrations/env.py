"""Alembic environment of intake: the shared runner with intake's tables."""

import intake.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from onegrid_runtime.migrations import run_env

run_env()
