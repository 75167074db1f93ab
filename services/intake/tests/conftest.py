"""Fixtures of intake's tests: a grids-only copy of the demo town (fast startup) and an intake app
against a fresh PostgreSQL database, its relay on the test's Kafka topics."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make intake_testing importable

from intake.config import IntakeSettings
from intake.main import build_app
from intake_testing import OPEN311_KEY


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
        # database_url=...: another replica on the same database
        settings = IntakeSettings(database_url=overrides.pop("database_url", None) or make_database("intake"),
                                  kafka_bootstrap_servers=kafka_bootstrap,
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def served(make_database, kafka_bootstrap, topic_prefix, grid_town, tmp_path):
    """Intake served by uvicorn on a real port (georeport calls ``requests.get`` itself)."""
    port = _free_port()
    settings = IntakeSettings(database_url=make_database("intake"), kafka_bootstrap_servers=kafka_bootstrap,
                              topic_prefix=topic_prefix, seed_dir=str(grid_town), storage_dir=str(tmp_path / "files"),
                              open311_api_keys={OPEN311_KEY: "test-client"}, public_url=f"http://127.0.0.1:{port}")
    app = build_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None))
    task = asyncio.create_task(server.serve())
    for _ in range(300):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    assert server.started, "intake did not start"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        client.app = app
        yield client
    server.should_exit = True
    await asyncio.wait_for(task, 30)
