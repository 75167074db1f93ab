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
