"""End to end: the four services as real processes on PostgreSQL and Kafka, driven through
their public APIs; the events they publish are read back with a plain Kafka consumer."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from onegrid_devstack.flows import dispute, ok, ordinary_report, token, wait_for
from onegrid_devstack.stack import SERVICES, Stack
from onegrid_devstack.town import committee_of, inside_point

pytestmark = pytest.mark.e2e


@pytest.fixture
def system(start_system) -> Stack:
    return start_system()


def read_events(bootstrap: str, prefix: str, until: Callable[[list], bool], timeout: float = 20.0) -> list:
    async def read() -> list:
        consumer = AIOKafkaConsumer(*(f"{prefix}.{s}.v1" for s in SERVICES), bootstrap_servers=bootstrap,
                                    group_id=f"e2e-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                                    fetch_max_wait_ms=50)
        await consumer.start()
        records: list = []
        try:
            deadline = time.monotonic() + timeout
            while not until(records) and time.monotonic() < deadline:
                for batch in (await consumer.getmany(timeout_ms=300)).values():
                    records.extend(batch)
        finally:
            await consumer.stop()
        return records

    return asyncio.run(read())


def test_report_and_dispute_flow_through_all_four_services(system: Stack, demo_town, kafka_bootstrap, topic_prefix):
    urls = {name: system.url(name) for name in SERVICES}
    lat, lon = inside_point(demo_town, "G007")
    http = httpx.Client(timeout=10)

    ordinary = ordinary_report(urls, lat=lat, lon=lon, resident="r-e2e")
    assert ordinary.case_number.startswith("YYB-") and len(ordinary.case_number.split("-")[-1]) == 6
    mediated = dispute(urls, grid="G090", resident="r-e2e")  # a village grid, served by its own committee

    # The reporter's view tells the whole story from every service's events.
    view = ok(http.get(f"{urls['intake']}/v1/reports/{ordinary.case_id}", headers=token("resident", subject="r-e2e")))
    assert view["department"] == "D11" and view["department_name"].startswith("Town Construction")
    assert [t["status"] for t in view["timeline"]] == ["received", "dispatched", "in_progress", "resolved", "verified", "closed"]
    other = http.get(f"{urls['intake']}/v1/reports/{ordinary.case_id}", headers=token("resident", subject="someone-else"))
    assert other.status_code == 403 and other.headers["content-type"] == "application/problem+json"

    disputes = ok(http.get(f"{urls['mediation']}/v1/disputes", params={"case_id": mediated.case_id},
                           headers=token("dispatcher")))
    assert [(d["committee"], d["status"], d["source"]) for d in disputes] == [(committee_of(demo_town, "G090"), "performed", "dispatch")]

    # The events on the topics, in order per case and topic, each a valid CloudEvent keyed by its case.
    def by_case(records: list) -> dict[tuple[str, str], list[str]]:
        seen: dict[tuple[str, str], list[str]] = {}
        for record in records:
            event = from_binary_event(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value))
            assert record.key.decode() == event.get_subject()
            seen.setdefault((event.get_subject(), record.topic.split(".")[1]), []).append(event.get_type())
        return seen

    expected = {
        (ordinary.case_id, "intake"): ["onegrid.case.reported"],
        (ordinary.case_id, "dispatch"): ["onegrid.case.dispatched", "onegrid.case.accepted", "onegrid.case.resolved",
                                         "onegrid.case.verified", "onegrid.case.closed"],
        (mediated.case_id, "intake"): ["onegrid.case.reported"],
        (mediated.case_id, "dispatch"): ["onegrid.case.mediation_requested", "onegrid.case.closed"],
        (mediated.case_id, "mediation"): ["onegrid.mediation.opened", "onegrid.mediation.concluded",
                                          "onegrid.mediation.performed"],
    }
    records = read_events(kafka_bootstrap, topic_prefix, until=lambda r: all(k in by_case(r) and len(by_case(r)[k]) >= len(v)
                                                                          for k, v in expected.items()))
    seen = by_case(records)
    assert {k: seen.get(k) for k in expected} == expected

    # Notify recorded who would be told what.
    log = wait_for(lambda: ok(http.get(f"{urls['notify']}/v1/notifications", params={"case_id": ordinary.case_id},
                                       headers=token("dispatcher"))),
                   lambda page: any(n["event_type"] == "onegrid.case.closed" for n in page["items"]), "notifications")
    recipients = {(n["event_type"].rsplit(".", 1)[-1], n["recipient"]) for n in log["items"]}
    assert {("dispatched", "department:D11"), ("reported", "resident:r-e2e"), ("resolved", "grid:G007"),
            ("closed", "resident:r-e2e")} <= recipients


def test_roles_scopes_and_illegal_transitions_are_refused(system: Stack, demo_town):
    urls = {name: system.url(name) for name in SERVICES}
    http = httpx.Client(timeout=10)
    resident = token("resident", subject="r-2")
    created = ok(http.post(f"{urls['intake']}/v1/reports", headers=resident,
                           json={"category": "C01", "grid": "G003", "description": "垃圾三天没人清"}), 202)
    case_url = f"{urls['dispatch']}/v1/cases/{created['case_id']}"
    wait_for(lambda: http.get(case_url, headers=token("dispatcher")), lambda r: r.status_code == 200
             and r.json()["status"] == "dispatched", "dispatch")

    assert http.post(f"{case_url}/accept").status_code == 401
    assert http.post(f"{case_url}/accept", headers=resident).status_code == 403
    wrong_dept = http.post(f"{case_url}/accept", headers=token("dept_staff", department="D11"))
    assert wrong_dept.status_code == 403 and "department D11" in wrong_dept.json()["detail"]
    staff = token("dept_staff", department="D07")
    early = http.post(f"{case_url}/resolve", headers=staff, json={"note": "done"})
    assert early.status_code == 409
    assert early.json()["allowed"] == ["accept", "return"] and "allowed now: accept" in early.json()["detail"]
    ok(http.post(f"{case_url}/accept", headers=staff))
    assert http.post(f"{case_url}/accept", headers=staff).status_code == 409
    other_grid = http.post(f"{case_url}/verify", headers=token("grid_member", grid="G004"), json={})
    assert other_grid.status_code == 403 and "G003" in other_grid.json()["detail"]

    # Bad input: named, 4xx, nothing written.
    bad = http.post(f"{urls['intake']}/v1/reports", headers=resident,
                    json={"category": "C99", "grid": "G003", "description": "x"})
    assert bad.status_code == 422 and "C99" in bad.json()["detail"]
    outside = http.post(f"{urls['intake']}/v1/reports", headers=resident,
                        json={"location": {"lat": 31.5, "lon": 121.9}, "description": "far away"})
    assert outside.status_code == 422 and outside.json()["nearest_grid"].startswith("G")
