"""Fixtures of mediation's tests: the real app on PostgreSQL and Kafka (helpers in mediation_testkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.append(str(Path(__file__).parent))  # --import-mode=importlib: make mediation_testkit importable (appended: the root conftest stays `conftest`)

from mediation.config import MediationSettings
from mediation.main import build_app


@pytest.fixture
def settings_for(make_database, kafka_bootstrap, topic_prefix, demo_town):
    def make(database_url: str | None = None, **overrides: Any) -> MediationSettings:
        return MediationSettings(database_url=database_url or make_database("mediation"),
                                 kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix,
                                 seed_dir=str(demo_town), **overrides)
    return make


@pytest.fixture
async def mediation(settings_for, start_service):
    app = build_app(settings_for())
    client = await start_service(app)
    client.app = app
    return client





RUNTIME_LOOPS = {"outbox-relay", "event-consumer", "deadline_loop"}


@pytest.fixture(autouse=True)
async def _finish_cancelled_loops():
    """Works around a runtime shutdown hang (reported to the lead): on Python 3.11,
    ``asyncio.wait_for`` in ``OutboxRelay.run`` can swallow the lifespan's cancellation when the
    wake event fires at the same moment, and the relay loops on forever. While a test runs, this
    re-cancels any service loop that is being cancelled, so teardown always finishes."""
    import asyncio

    async def recancel() -> None:
        while True:
            await asyncio.sleep(0.5)
            for task in asyncio.all_tasks():
                if task.get_name() in RUNTIME_LOOPS and task.cancelling() and not task.done():
                    task.cancel()

    watcher = asyncio.get_running_loop().create_task(recancel(), name="test-recancel")
    yield
    watcher.cancel()
