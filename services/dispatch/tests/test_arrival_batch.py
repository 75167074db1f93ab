"""Batch arrival on PostgreSQL: fetched batches of ``case.reported`` (and ``case.rated``) applied through the
consumer's ``apply_events`` in one transaction each, as the Kafka consumer does: every case gets its full
effect (row, actions, events in order), a case id repeated in a batch is registered once, and a batch
mixing types keeps each case's order."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from dispatch.config import DispatchSettings
from dispatch.handlers import handlers
from dispatch.learning import ensure_model
from dispatch.service import toolkit
from onegrid_contracts import from_kafka, to_kafka
from onegrid_contracts.events import CaseRated, CaseReported, Event
from onegrid_runtime.consumer import apply_events
from onegrid_runtime.db import Database
from onegrid_runtime.migrations import upgrade
from sqlalchemy import text

MIGRATIONS = Path(__file__).parents[1] / "dispatch" / "migrations"


def envelope(event: Event):
    return from_kafka(*to_kafka(event, source="/onegrid/YYB/intake"))


def reported(n: int, *, category: str | None, description: str, community: str = "CM01", grid: str = "G003",
             priority: str = "normal", case_id: uuid.UUID | None = None) -> CaseReported:
    return CaseReported(case_id=case_id or uuid.uuid4(), jurisdiction="YYB", case_number=f"YYB-2026-{n:06d}",
                        channel="resident_app", description=description, category=category, grid=grid,
                        community=community, priority=priority, reporter_id="r-1")


@pytest.fixture
async def db(make_database):
    url = make_database("dispatch_batch")
    await upgrade(MIGRATIONS, url)
    database = Database(url)
    settings = DispatchSettings(database_url=url)
    await ensure_model(database, toolkit(settings).catalog)  # what the service's startup does
    yield database, settings
    await database.dispose()


async def rows(database: Database, sql: str, **params) -> list[dict]:
    async with database.engine.connect() as conn:
        return [dict(r._mapping) for r in (await conn.execute(text(sql), params))]


async def case(database: Database, case_id) -> dict:
    (row,) = await rows(database, 'SELECT * FROM "case" WHERE id = :id', id=case_id)
    return row


async def actions(database: Database, case_id) -> list[tuple[str, str | None, str]]:
    return [(r["action"], r["from_status"], r["to_status"]) for r in await rows(
        database, "SELECT * FROM case_action WHERE case_id = :id ORDER BY at, id", id=case_id)]


async def events(database: Database, case_id) -> list[tuple[str, dict]]:
    """Dispatch's events about the case, in the order they will be published (the relay is not running)."""
    return [(r["event_type"], json.loads(r["payload"])) for r in await rows(
        database, "SELECT event_type, payload FROM outbox WHERE key = :key ORDER BY seq", key=str(case_id))]


async def test_a_fetched_batch_registers_and_routes_every_case_once_with_its_events_in_order(db):
    database, settings = db
    street = reported(1, category="C08", description="路灯不亮 / streetlight out")
    dispute = reported(2, category="C61", description="邻居宅基地边界纠纷")
    vague = reported(3, category=None, description="你好，请问一下")
    road = reported(4, category=None, description="村里的公路路面破损严重，有大坑")
    gas = reported(5, category=None, description="楼下一股很浓的煤气味，大家都很害怕")
    override = reported(6, category="C01", description="垃圾没人清", community="CM07", grid="G080")
    again = reported(7, category="C01", description="a second report under the same case id", case_id=street.case_id)
    batch = [street, dispute, vague, road, again, gas, override]

    assert await apply_events(database, handlers, [envelope(e) for e in batch], settings) == len(batch)

    assert len(await rows(database, 'SELECT id FROM "case"')) == 6  # the repeated case id once
    s = await case(database, street.case_id)
    assert (s["status"], s["department"], s["description"]) == ("dispatched", "D11", street.description)
    assert s["routing"]["rule_id"] == "catalog:C08" and s["deadline_at"] and s["next_timer_at"] and s["warn_at"]
    assert s["tried_departments"] == ["D11"] and s["dispatched_on_time"] is True and s["co_departments"] == []
    assert s["hop"] == 0 and s["returned_by"] == [] and s["updated_at"] is not None
    assert await actions(database, street.case_id) == [("register", None, "registered"),
                                                       ("dispatch", "registered", "dispatched")]
    [(kind, dispatched)] = await events(database, street.case_id)
    assert kind == "onegrid.case.dispatched" and dispatched["department"] == "D11"
    assert (dispatched["routing"]["method"], dispatched["routing"]["rule_id"]) == ("rule", "catalog:C08")

    d = await case(database, dispute.case_id)
    assert (d["status"], d["department"], d["deadline_at"]) == ("in_mediation", None, None)
    assert await actions(database, dispute.case_id) == [("register", None, "registered"),
                                                        ("request_mediation", "registered", "in_mediation")]
    assert [k for k, _ in await events(database, dispute.case_id)] == ["onegrid.case.mediation_requested"]

    v = await case(database, vague.case_id)
    assert v["status"] == "triage" and v["routing"]["method"] == "model" and len(v["routing"]["candidates"]) == 3
    assert [a for a, _, _ in await actions(database, vague.case_id)] == ["register", "triage"]
    [(kind, triaged)] = await events(database, vague.case_id)
    assert kind == "onegrid.case.triaged" and triaged["routing"]["confidence"] < triaged["routing"]["threshold"]

    r = await case(database, road.case_id)
    assert (r["status"], r["department"], r["routing"]["method"]) == ("dispatched", "D15", "model")
    notes = [n["note"] for n in await rows(database, "SELECT note FROM case_action WHERE case_id = :id ORDER BY id",
                                           id=road.case_id)]
    assert notes[1] == f"{r['routing']['model_version']} score {r['routing']['confidence']}"

    g = await case(database, gas.case_id)
    assert (g["department"], g["co_departments"], g["urgent"], g["deadline_clock"]) == ("D08", ["D19"], True, "clock")
    [(_, gas_event)] = await events(database, gas.case_id)
    assert gas_event["urgent"] is True and gas_event["co_departments"] == ["D19"]
    assert (await case(database, override.case_id))["routing"]["rule_id"] == "community:CM07-garbage"

    # Sent again (a redelivery under new event ids): nothing changes.
    await apply_events(database, handlers, [envelope(e) for e in batch], settings)
    assert len(await rows(database, "SELECT id FROM case_action")) == 12
    assert len(await rows(database, "SELECT seq FROM outbox")) == 6


async def test_a_batch_mixing_reports_and_ratings_keeps_each_cases_order(db):
    database, settings = db
    first = reported(10, category="C08", description="路灯不亮")
    closed = reported(11, category="C01", description="垃圾没人清")
    await apply_events(database, handlers, [envelope(first), envelope(closed)], settings)
    async with database.engine.begin() as conn:  # the department resolved it, the grid member verified it
        await conn.execute(text("UPDATE \"case\" SET status = 'closed', outcome = 'verified', resolved_by = 'D07', "
                                "closed_at = now() WHERE id = :id"), {"id": closed.case_id})

    late = reported(12, category="C08", description="又一盏路灯不亮")
    other = reported(13, category="C61", description="宅基地纠纷")
    mixed = [
        late,
        CaseRated(case_id=late.case_id, jurisdiction="YYB", rating=4, reopen_requested=False),  # reported just before
        CaseRated(case_id=closed.case_id, jurisdiction="YYB", rating=1, comment="还是脏", reopen_requested=True),
        CaseRated(case_id=first.case_id, jurisdiction="YYB", rating=5, reopen_requested=False),
        CaseRated(case_id=uuid.uuid4(), jurisdiction="YYB", rating=3, reopen_requested=False),  # unknown case: ignored
        reported(14, category="C01", description="duplicate id in a later run", case_id=first.case_id),
        other,
    ]
    assert await apply_events(database, handlers, [envelope(e) for e in mixed], settings) == len(mixed)

    lt = await case(database, late.case_id)
    assert (lt["status"], lt["rating"]) == ("dispatched", 4)
    assert await actions(database, late.case_id) == [("register", None, "registered"),
                                                     ("dispatch", "registered", "dispatched"),
                                                     ("rate", "dispatched", "dispatched")]
    f = await case(database, first.case_id)
    assert (f["rating"], f["description"], f["status"]) == (5, "路灯不亮", "dispatched")
    assert [a for a, _, _ in await actions(database, first.case_id)] == ["register", "dispatch", "rate"]

    c = await case(database, closed.case_id)
    assert (c["status"], c["department"], c["rating"], c["reopen_count"], c["outcome"]) == ("dispatched", "D07", 1, 1, None)
    assert await actions(database, closed.case_id) == [
        ("register", None, "registered"), ("dispatch", "registered", "dispatched"),
        ("rate", "closed", "closed"), ("reopen", "closed", "dispatched")]
    assert [k for k, _ in await events(database, closed.case_id)] == [
        "onegrid.case.dispatched", "onegrid.case.reopened", "onegrid.case.dispatched"]

    assert (await case(database, other.case_id))["status"] == "in_mediation"
    assert len(await rows(database, 'SELECT id FROM "case"')) == 4
