"""Alembic environment of mediation: the shared runner with mediation's tables."""

import mediation.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from onegrid_runtime.migrations import run_env

run_env()
