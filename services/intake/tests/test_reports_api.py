"""Intake's report API against PostgreSQL (and Kafka for its relay), through the real app."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from intake.config import IntakeSettings
from intake.main import build_app
from intake.models import Report
from onegrid_devstack.flows import token
from onegrid_runtime.outbox import OutboxMessage


@pytest.fixture
async def intake(make_database, kafka_bootstrap, topic_prefix, start_service, demo_town):
    settings = IntakeSettings(database_url=make_database("intake"), kafka_bootstrap_servers=kafka_bootstrap,
                              topic_prefix=topic_prefix, seed_dir=str(demo_town))
    app = build_app(settings)
    client = await start_service(app)
    client.app = app
    return client


async def _count(app, model) -> int:
    async with app.state.db.transaction() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def test_idempotency_key_replays_the_same_case_and_refuses_another_body(intake):
    resident = token("resident", subject="r-idem")
    body = {"category": "C01", "grid": "G002", "description": "垃圾没人清"}
    first = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "k-1"})
    again = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["case_id"] == again.json()["case_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await intake.post("/v1/reports", json={**body, "description": "另一件事"},
                              headers={**resident, "Idempotency-Key": "k-1"})
    assert other.status_code == 409 and "k-1" in other.json()["detail"]
    assert await _count(intake.app, Report) == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"grid": "G002"}, "description"),
        ({"description": "x"}, "location"),
        ({"description": "x", "grid": "G999"}, "G999"),
        ({"description": "x", "grid": "G002", "category": "C99"}, "C99"),
        ({"description": "x", "location": {"lat": True, "lon": 120.1}}, "lat"),
        ({"description": "x", "location": {"lat": "30.2", "lon": 120.1}}, "lat"),
        ({"description": "x", "location": {"lat": 91, "lon": 120.1}}, "lat"),
        ({"description": "x" * 4001, "grid": "G002"}, "description"),
        ({"description": "x", "grid": "G002", "unexpected": 1}, "unexpected"),
    ],
)
async def test_invalid_reports_are_refused_naming_the_problem_and_nothing_is_written(intake, body, named):
    answer = await intake.post("/v1/reports", json=body, headers=token("resident"))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert named in answer.json()["detail"]
    assert await _count(intake.app, Report) == 0
    assert await _count(intake.app, OutboxMessage) == 0
