"""Helpers of mediation's tests (tokens, filing and accepting disputes, reading events)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from onegrid_contracts import from_kafka
from onegrid_devstack.flows import token

HUB = token("mediator", committee="HUB", subject="officer-hub")


def mediator(committee: str, subject: str | None = None) -> dict[str, str]:
    return token("mediator", committee=committee, subject=subject or f"med-{committee}")


async def read_events(bootstrap: str, prefix: str, done, timeout: float = 15.0) -> list:
    """Events on the mediation topic (as (type, event)) until ``done(events)`` or the timeout."""
    consumer = AIOKafkaConsumer(f"{prefix}.mediation.v1", bootstrap_servers=bootstrap,
                                group_id=f"test-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                                fetch_max_wait_ms=50)
    await consumer.start()
    events: list = []
    try:
        deadline = time.monotonic() + timeout
        while not done(events) and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for r in batch:
                    env = from_kafka(r.key, r.value, r.headers)
                    events.append((env.type, env.event()))
    finally:
        await consumer.stop()
    return events


async def eventually(fetch, done, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {value}")
        await asyncio.sleep(0.1)


def party(role: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "name": name, **extra}


async def file(client, *, committee: str = "M01", description: str = "邻居家漏水到我家 / water leaks from upstairs",
               category: str = "C57", source: str = "application", parties: list | None = None,
               headers: dict | None = None, **extra: Any) -> dict:
    body = {"source": source, "committee": committee, "category": category, "description": description,
            "parties": parties if parties is not None else [], **extra}
    answer = await client.post("/v1/disputes", json=body, headers=headers or mediator(committee))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def accepted(client, *, committee: str = "M01", **kw: Any) -> dict:
    """A dispute accepted with two consenting parties."""
    d = await file(client, committee=committee, parties=[party("applicant", "王小明", phone="13800000001", consent=True),
                                                         party("respondent", "李大山", phone="13800000002", consent=True)], **kw)
    answer = await client.post(f"/v1/disputes/{d['id']}/accept", json={"rights_notice_given": True},
                               headers=mediator(committee))
    assert answer.status_code == 200, answer.text
    return answer.json()
