"""Transactional outbox. ``emit`` adds an event to the caller's transaction; ``OutboxRelay``
publishes committed rows to Kafka in order, then deletes them. ``insert_at_commit`` adds rows that
the transaction writes together with its events, in the same statement as it commits.

Two ways out of the table, one at a time:

* **From memory** (``outbox_publish_on_commit``, the default): a commit hands its rows, ids and all,
  to the relay, which publishes them at once in commit order and deletes what Kafka acknowledged in
  one statement per ``outbox_sweep_seconds``. No query per commit: the relay's transaction per
  producing commit was a third of all transactions per report.
* **Scanning the table** (``DELETE ... RETURNING`` in ``seq`` order, sent in the same transaction,
  under an advisory lock so one replica at a time publishes): at start, after any failure until the
  table is drained, for rows older than ``outbox_orphan_seconds`` that no commit of this process
  handed over (another process's, or a crashed one's), and always when publishing from memory is
  switched off.

Delivery is at least once (a crash between send and delete resends; after a failure, rows handed
over meanwhile may be sent twice); consumers deduplicate on the CloudEvents id, so effects happen
exactly once. Every Kafka call is bounded by a timeout and the producer is recreated after a failure,
so a dead broker never hangs the relay.

Order per case: from memory, a process publishes its commits in commit order, so with one replica per
service (the compose deployment) each case's events keep their order. Two replicas committing events
of one case a moment apart could publish them the other way round; deployments that run several
replicas of a service switch ``outbox_publish_on_commit`` off, and the advisory-locked scan keeps the
order across replicas.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from onegrid_contracts import Event, to_kafka
from prometheus_client import Counter
from sqlalchemy import BigInteger, Column, Integer, LargeBinary, Table, delete, func
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_runtime.aio import bounded, stopping
from onegrid_runtime.db import COMMITTED_OUTBOX, Database, UtcDateTime, advisory_xact_lock, among, insert_tables, utcnow
from onegrid_runtime.logs import child_traceparent, traceparent_var
from onegrid_runtime.settings import ServiceSettings
from onegrid_runtime.topics import ensure_topics

log = logging.getLogger("onegrid.outbox")
published_total = Counter("onegrid_outbox_published_total", "Events published by the outbox relay")
BATCH = 500
MAX_HANDED = 10 * BATCH  # rows waiting in memory before the relay falls back to scanning the table
PENDING_ROWS = "onegrid.outbox_rows"
INSERT_AT_COMMIT = "onegrid.insert_at_commit"


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
    row = {
        "event_id": event_id,
        "producer": event.producer,
        "event_type": event.type,
        "key": key.decode(),
        "headers": json.dumps([[k, v.decode()] for k, v in headers]),
        "payload": value,
        "created_at": utcnow(),
    }
    # The row for the table, and the Kafka key and headers as built (publishing from memory needs no re-parsing).
    session.info.setdefault(PENDING_ROWS, []).append((row, key, headers))
    return event_id


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """A committed outbox row as the relay sends it to Kafka."""

    seq: int
    producer: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]

    @classmethod
    def of_row(cls, row: Row[Any]) -> OutboxRecord:
        """A row read back from the table."""
        headers = [(k, v.encode()) for k, v in json.loads(row.headers)]
        return cls(row.seq, row.producer, row.key.encode(), row.payload, headers)


def insert_at_commit(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (as ``insert_rows`` would) just before the transaction commits, in one statement with
    the other rows added this way and the transaction's outbox rows: on PostgreSQL a transaction's new rows
    for several tables then cost one round trip instead of one each. For rows the transaction does not read
    back before it commits (its reads do not see them); an error they cause (a duplicate key) is raised by
    the commit, and the whole transaction rolls back."""
    if rows:
        session.info.setdefault(INSERT_AT_COMMIT, []).append((table, rows))


async def write_held_rows(session: AsyncSession) -> None:
    """Write now the rows ``insert_at_commit`` holds (before a step of the transaction that may read them),
    with the events emitted so far: the commit hook, run early."""
    if session.info.get(INSERT_AT_COMMIT):
        await session.run_sync(_write_at_commit)


@sa_event.listens_for(OrmSession, "before_commit")
def _write_at_commit(session: OrmSession) -> None:
    inserts = session.info.pop(INSERT_AT_COMMIT, [])
    pending = session.info.pop(PENDING_ROWS, None)
    if not inserts and not pending:
        return
    if inserts:
        session.flush()  # the ORM's pending rows first: rows inserted here may refer to them
    outbox = [row for row, _, _ in pending] if pending else []
    seqs = insert_tables(session.connection(), [*inserts, (OutboxMessage.__table__, outbox)],  # type: ignore[list-item]
                         returning="seq" if pending else None)
    if pending:  # extended, not replaced: the hook may run before the commit (write_held_rows, a savepoint)
        session.info.setdefault(COMMITTED_OUTBOX, []).extend(
            OutboxRecord(seq, row["producer"], key, row["payload"], headers)
            for (row, key, headers), seq in zip(pending, seqs, strict=True))


@sa_event.listens_for(OrmSession, "after_rollback")
def _forget_outbox(session: OrmSession) -> None:
    session.info.pop(INSERT_AT_COMMIT, None)
    session.info.pop(PENDING_ROWS, None)
    session.info.pop(COMMITTED_OUTBOX, None)


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
        self._handed: deque[list[OutboxRecord]] = deque()  # committed, to publish from memory, in commit order
        self._handed_rows = 0
        self._sent: list[int] = []  # seqs published from memory, deleted by the next sweep
        self._draining = True  # scan the table until it is empty: at start (an earlier run's rows) and after a failure
        db.on_outbox_commit(self.hand_over)

    def wake(self) -> None:
        self._wake.set()

    def hand_over(self, records: list[OutboxRecord]) -> None:
        """Called right after a commit that wrote ``records`` to the outbox."""
        if self.settings.outbox_publish_on_commit and not self._draining:
            if self._handed_rows + len(records) > MAX_HANDED:  # Kafka is not keeping up: the table has them
                self._start_draining()
            else:
                self._handed.append(records)
                self._handed_rows += len(records)
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.5
        loop = asyncio.get_running_loop()
        next_sweep = loop.time() + self.settings.outbox_sweep_seconds
        while True:
            try:
                await bounded(self._wake.wait(), max(0.0, min(next_sweep - loop.time(), self.settings.relay_poll_seconds)))
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                if self._draining or not self.settings.outbox_publish_on_commit:
                    await self.drain()
                else:
                    while self._handed:
                        await self._publish_handed()
                if loop.time() >= next_sweep:
                    await self.sweep()
                    next_sweep = loop.time() + self.settings.outbox_sweep_seconds
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker down, timeout, database hiccup: nothing is lost, retry
                if stopping():
                    raise
                log.warning("outbox relay failed, retrying in %.1fs: %r", backoff, exc)
                self._start_draining()
                await self._drop_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
                self._wake.set()

    def _start_draining(self) -> None:
        """Leave publishing from memory: every handed-over row is still in the table, the scan takes them in order."""
        self._draining = True
        self._forget_handed()

    def _forget_handed(self) -> None:
        self._handed.clear()
        self._handed_rows = 0

    async def drain(self) -> None:
        """Publish the table's rows in order until it is empty, then go back to publishing from memory."""
        await self._delete_sent()  # sent from memory already: not again
        self._forget_handed()  # what was handed over meanwhile is in the table too
        self._draining = False  # from here on commits hand their rows over again; the scan below sees all before
        try:
            while await self.publish_batch() == BATCH:
                pass
        except BaseException:
            self._start_draining()
            raise

    async def _publish_handed(self) -> None:
        records = [record for batch in self._handed for record in batch]
        self._forget_handed()
        producer = await self._ensure_producer()
        await bounded(self._send_all(producer, records), self.send_timeout)
        self._sent.extend(record.seq for record in records)
        published_total.inc(len(records))

    async def sweep(self) -> None:
        """Delete what was published from memory, and publish rows no commit of this process handed over."""
        await self._delete_sent()
        if self.settings.outbox_publish_on_commit and not self._draining:
            before = utcnow() - timedelta(seconds=self.settings.outbox_orphan_seconds)
            while await self.publish_batch(created_before=before) == BATCH:
                pass

    async def _delete_sent(self) -> None:
        if not self._sent:
            return
        seqs, self._sent = self._sent, []
        table = OutboxMessage.__table__
        try:
            async with self.db.transaction() as session:
                connection = await session.connection()
                await connection.execute(delete(table).where(among(connection, table.c.seq, seqs)))  # type: ignore[attr-defined]
        except BaseException:
            self._sent[:0] = seqs
            raise

    async def publish_batch(self, *, created_before: datetime | None = None) -> int:
        """Publish up to BATCH committed rows in ``seq`` order (only those created before
        ``created_before`` if given); returns how many were published."""
        async with self.db.transaction() as session:
            if not await advisory_xact_lock(session, f"outbox:{self.settings.service_name}", wait=False):
                return 0
            table = OutboxMessage.__table__
            connection = await session.connection()
            # Taken off the table and sent in one transaction: if sending fails, the delete rolls back.
            oldest = select(table.c.seq).order_by(table.c.seq).limit(BATCH)  # type: ignore[attr-defined]
            if created_before is not None:
                oldest = oldest.where(table.c.created_at < created_before)  # type: ignore[attr-defined]
            rows = sorted((await connection.execute(
                delete(table).where(table.c.seq.in_(oldest.scalar_subquery()))  # type: ignore[attr-defined]
                .returning(table.c.seq, table.c.producer, table.c.key, table.c.headers, table.c.payload)  # type: ignore[attr-defined]
            )).all(), key=lambda row: row.seq)
            if not rows:
                return 0
            producer = await self._ensure_producer()
            await bounded(self._send_all(producer, [OutboxRecord.of_row(row) for row in rows]), self.send_timeout)
        published_total.inc(len(rows))
        return len(rows)

    async def _send_all(self, producer: AIOKafkaProducer, records: Sequence[OutboxRecord]) -> None:
        futures = [await producer.send(self.settings.topic(r.producer), r.value, key=r.key, headers=r.headers)
                   for r in records]
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
        """Stop: delete what was already published (bounded; if it fails those rows are sent again on the
        next start), then the producer. Rows handed over but not yet sent stay in the table for the next start."""
        try:
            await bounded(self._delete_sent(), 5)
        except Exception as exc:
            log.warning("could not delete %d published outbox rows; they will be sent again: %r", len(self._sent), exc)
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
