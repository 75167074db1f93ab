"""Dispatch's test helpers (imported by the tests; fixtures are in conftest.py): the real app on PostgreSQL and Kafka; cases arrive as CloudEvents on Kafka."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from dispatch.config import DispatchSettings
from onegrid_contracts import from_kafka, to_kafka
from onegrid_contracts.events import CaseReported, Event
from onegrid_devstack.flows import token

DISPATCHER = token("dispatcher", subject="dispatcher-1")


def staff(department: str) -> dict[str, str]:
    return token("dept_staff", department=department, subject=f"staff-{department}")


def member(grid: str) -> dict[str, str]:
    return token("grid_member", grid=grid, subject=f"member-{grid}")


def settings_for(database_url: str, kafka_bootstrap: str, topic_prefix: str, **extra: Any) -> DispatchSettings:
    return DispatchSettings(**{"database_url": database_url, "kafka_bootstrap_servers": kafka_bootstrap,
                               "topic_prefix": topic_prefix, "timer_poll_seconds": 0.2, **extra})


class Town:
    """Sends intake's events to dispatch over Kafka and waits for their effect through the API."""

    def __init__(self, client: httpx.AsyncClient, producer: AIOKafkaProducer, prefix: str, bootstrap: str):
        self.client, self.producer, self.prefix, self.bootstrap = client, producer, prefix, bootstrap
        self.seq = 0

    async def send(self, event: Event, producer: str = "intake") -> None:
        key, value, headers = to_kafka(event, source=f"/onegrid/YYB/{producer}")
        await self.producer.send_and_wait(f"{self.prefix}.{producer}.v1", value, key=key, headers=headers)

    async def report(self, *, category: str | None = "C08", description: str = "路灯不亮 / streetlight out",
                     grid: str = "G003", community: str = "CM01", priority: str = "normal",
                     wait_for: Callable[[dict], bool] | None = None) -> dict:
        self.seq += 1
        case_id = uuid.uuid4()
        await self.send(CaseReported(case_id=case_id, jurisdiction="YYB", case_number=f"YYB-2026-{self.seq:06d}",
                                     channel="resident_app", description=description, category=category, grid=grid,
                                     community=community, priority=priority, reporter_id="r-1"))
        return await self.wait(case_id, wait_for or (lambda c: c["status"] != "registered"))

    async def wait(self, case_id, done: Callable[[dict], bool], timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            answer = await self.client.get(f"/v1/cases/{case_id}", headers=DISPATCHER)
            if answer.status_code == 200:
                last = answer.json()
                if done(last):
                    return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting on case {case_id}; last: {last}")

    async def events(self, case_id, until: Callable[[list[tuple[str, dict]]], bool], timeout: float = 15.0) -> list[tuple[str, dict]]:
        """(type, data) of dispatch's events about ``case_id`` on Kafka, in order."""
        consumer = AIOKafkaConsumer(f"{self.prefix}.dispatch.v1", bootstrap_servers=self.bootstrap,
                                    group_id=f"test-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
                                    fetch_max_wait_ms=50)
        await consumer.start()
        seen: list[tuple[str, dict]] = []
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not until(seen):
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for r in records:
                        envelope = from_kafka(r.key, r.value, r.headers)
                        if envelope.subject == str(case_id):
                            seen.append((envelope.type, json.loads(r.value)))
        finally:
            await consumer.stop()
        return seen


