"""Fixtures of dispatch's tests: the real app on PostgreSQL and Kafka (helpers in dispatch_testkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))  # --import-mode=importlib: make dispatch_testkit importable

from dispatch.config import DispatchSettings
from dispatch.main import build_app
from dispatch_testkit import Town, settings_for


@pytest.fixture
def dispatch_settings(make_database, kafka_bootstrap, topic_prefix) -> DispatchSettings:
    return settings_for(make_database("dispatch"), kafka_bootstrap, topic_prefix)


@pytest.fixture
async def town(dispatch_settings, start_service, producer, kafka_bootstrap, topic_prefix) -> Town:
    app = build_app(dispatch_settings)
    client = await start_service(app)
    client.app = app  # type: ignore[attr-defined]
    return Town(client, producer, topic_prefix, kafka_bootstrap)
