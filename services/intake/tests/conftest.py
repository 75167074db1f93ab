"""Fixtures of intake's tests: a grids-only copy of the demo town (fast startup) and an intake app
against a fresh PostgreSQL database, its relay on the test's Kafka topics."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make intake_testing importable

from intake.config import IntakeSettings
from intake.main import build_app


@pytest.fixture(scope="session")
def grid_town(demo_town: Path) -> Path:
    """The demo town's communities and grids only: no household register to seed."""
    out = Path(tempfile.mkdtemp(prefix="onegrid-grids-"))
    for name in ("communities.csv", "grids.geojson"):
        shutil.copy(demo_town / name, out / name)
    return out


@pytest.fixture
def make_intake(make_database, kafka_bootstrap, topic_prefix, start_service, grid_town, tmp_path):
    """Factory: start intake (migrations, seed, relay, consumer) and return an HTTP client with ``.app``."""

    async def make(seed: Path | None = None, **overrides):
        settings = IntakeSettings(database_url=make_database("intake"), kafka_bootstrap_servers=kafka_bootstrap,
                                  topic_prefix=topic_prefix, seed_dir=str(seed or grid_town),
                                  storage_dir=str(tmp_path / "files"), **overrides)
        app = build_app(settings)
        client = await start_service(app)
        client.app = app
        return client

    return make


@pytest.fixture
async def intake(make_intake):
    return await make_intake()
