"""Alembic environment of dispatch: the shared runner with dispatch's tables."""

import dispatch.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from onegrid_runtime.migrations import run_env

run_env()
