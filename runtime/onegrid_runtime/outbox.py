"""Transactional outbox. ``emit`` adds an event to the caller's transaction; ``OutboxRelay``
publishes committed rows to Kafka in order, then deletes them.

Delivery is at least once (a crash between send and delete resends a batch); consumers
deduplicate on the CloudEvents id, so effects happen exactly once. The relay is woken right
after each commit that wrote outbox rows, polls as a fallback, bounds every Kafka call with a
timeout and recreates its producer after a failure, so a dead broker never hangs it. On
PostgreSQL one replica at a time publishes (advisory lock), which keeps each case's events in
order across replicas.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from onegrid_contracts import Event, to_kafka
from prometheus_client import Counter
from sqlalchemy import BigInteger, Column, Integer, LargeBinary, delete, func, insert
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_runtime.aio import bounded, stopping
from onegrid_runtime.db import AFTER_COMMIT_FLAG, Database, UtcDateTime, advisory_xact_lock, utcnow
from onegrid_runtime.logs import child_traceparent, traceparent_var
from onegrid_runtime.settings import ServiceSettings
from onegrid_runtime.topics import ensure_topics

log = logging.getLogger("onegrid.outbox")
published_total = Counter("onegrid_outbox_published_total", "Events published by the outbox relay")
BATCH = 500
PENDING_ROWS = "onegrid.outbox_rows"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    # BIGINT on PostgreSQL; SQLite autoincrements only an INTEGER primary key.
    seq: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    )
    event_id: str = Field(max_length=64)
    producer: str = Field(max_length=32)
    event_type: str = Field(max_length=100)
    key: str = Field(max_length=64)
    headers: str  # JSON list of [name, value]
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


def emit(session: AsyncSession, event: Event) -> str:
    """Add ``event`` to the session's transaction; returns its event id. The transaction's events are
    written in one multi-row insert just before it commits (``_write_outbox``), in emission order."""
    key, value, headers = to_kafka(
        event,
        source=f"/onegrid/{event.jurisdiction}/{event.producer}",
        extensions={"traceparent": child_traceparent(traceparent_var.get())},
    )
    event_id = dict(headers)["ce_id"].decode()
    session.info.setdefault(PENDING_ROWS, []).append({
        "event_id": event_id,
        "producer": event.producer,
        "event_type": event.type,
        "key": key.decode(),
        "headers": json.dumps([[k, v.decode()] for k, v in headers]),
        "payload": value,
        "created_at": utcnow(),
    })
    session.info[AFTER_COMMIT_FLAG] = True
    return event_id


@sa_event.listens_for(OrmSession, "before_commit")
def _write_outbox(session: OrmSession) -> None:
    rows = session.info.pop(PENDING_ROWS, None)
    if rows:
        session.connection().execute(insert(OutboxMessage.__table__), rows)  # type: ignore[arg-type]


@sa_event.listens_for(OrmSession, "after_rollback")
def _forget_outbox(session: OrmSession) -> None:
    session.info.pop(PENDING_ROWS, None)


async def pending_count(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(OutboxMessage))).one()  # type: ignore[call-overload]


class OutboxRelay:
    def __init__(self, db: Database, settings: ServiceSettings, *, send_timeout: float = 10.0) -> None:
        self.db = db
        self.settings = settings
        self.send_timeout = send_timeout
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        db.on_outbox_commit(self.wake)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await bounded(self._wake.wait(), self.settings.relay_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                while await self.publish_batch() == BATCH:
                    pass
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker down, timeout, database hiccup: nothing is lost, retry
                if stopping():
                    raise
                log.warning("outbox relay failed, retrying in %.1fs: %r", backoff, exc)
                await self._drop_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                self._wake.set()

    async def publish_batch(self) -> int:
        """Publish up to BATCH committed rows; returns how many were published."""
        async with self.db.transaction() as session:
            if not await advisory_xact_lock(session, f"outbox:{self.settings.service_name}", wait=False):
                return 0
            table = OutboxMessage.__table__
            connection = await session.connection()
            # Taken off the table and sent in one transaction: if sending fails, the delete rolls back.
            oldest = select(table.c.seq).order_by(table.c.seq).limit(BATCH)  # type: ignore[attr-defined]
            rows = sorted((await connection.execute(
                delete(table).where(table.c.seq.in_(oldest.scalar_subquery()))  # type: ignore[attr-defined]
                .returning(table.c.seq, table.c.producer, table.c.key, table.c.headers, table.c.payload)  # type: ignore[attr-defined]
            )).all(), key=lambda row: row.seq)
            if not rows:
                return 0
            producer = await self._ensure_producer()
            await bounded(self._send_all(producer, rows), self.send_timeout)
        published_total.inc(len(rows))
        return len(rows)

    async def _send_all(self, producer: AIOKafkaProducer, rows: Sequence[Row[Any]]) -> None:
        futures = []
        for row in rows:
            headers = [(k, v.encode()) for k, v in json.loads(row.headers)]
            futures.append(
                await producer.send(self.settings.topic(row.producer), row.payload, key=row.key.encode(), headers=headers)
            )
        await asyncio.gather(*futures)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            return await self._start_producer()

    async def _start_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(self.settings, [self.settings.topic(self.settings.service_name)], timeout=self.send_timeout)
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=f"{self.settings.service_name}-outbox",
                enable_idempotence=True,  # implies acks=all
                acks="all",
                linger_ms=0,
                request_timeout_ms=int(self.send_timeout * 1000),
            )
            try:
                await bounded(producer.start(), self.send_timeout)
            except BaseException:
                await _stop_quietly(producer)
                raise
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await _stop_quietly(producer)

    async def close(self) -> None:
        await self._drop_producer()

    async def kafka_ready(self) -> bool:
        try:
            producer = await self._ensure_producer()
            await bounded(producer.client.fetch_all_metadata(), 3)
            return True
        except Exception:
            await self._drop_producer()
            return False


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await bounded(producer.stop(), 5)
    except Exception as exc:
        log.debug("producer stop failed: %r", exc)
