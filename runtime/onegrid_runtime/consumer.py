"""Kafka consumer loop: each event's effect happens exactly once.

Each fetch (every partition's records) is applied in one transaction: record the event ids in
the inbox (those seen before are skipped), run the handlers, commit; offsets are committed to Kafka
only after the database commit, at most every ``offset_commit_seconds`` (and when the consumer idles,
stops or its partitions are revoked): a commit per fetch cost a broker round trip per small batch, and
what a crash makes the consumer fetch again the inbox skips. If the batch fails, its events are applied
one per transaction. A message that is not a valid event, or whose handler keeps failing, goes to the
service's dead-letter topic with the error, and the loop continues.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord
from aiokafka.errors import CommitFailedError, IllegalStateError
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from onegrid_contracts import Envelope, Event, from_kafka
from onegrid_contracts.envelope import InvalidEnvelope
from prometheus_client import Counter
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_runtime.aio import bounded, stopping
from onegrid_runtime.db import Database, UtcDateTime, insert_rows_async, utcnow
from onegrid_runtime.logs import case_id_var, traceparent_var
from onegrid_runtime.outbox import write_held_rows
from onegrid_runtime.settings import ServiceSettings
from onegrid_runtime.topics import ensure_topics

log = logging.getLogger("onegrid.consumer")
consumed_total = Counter("onegrid_events_consumed_total", "Events applied", ["type"])
dead_letters_total = Counter("onegrid_events_dead_lettered_total", "Events sent to the dead-letter topic")

Handler = Callable[..., Awaitable[Any]]
# One event:  async def handler(*, session, event, envelope, settings) -> None
# A batch:    async def handler(*, session, events, envelopes, settings) -> None  (registered with batch=True)


class InboxEntry(SQLModel, table=True):
    """Ids of the events this service has applied (exactly-once effects)."""

    __tablename__ = "inbox"

    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=100)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class Handlers:
    """Registry of event handlers of one service: ``@handlers.on(CaseReported)``."""

    def __init__(self) -> None:
        self.by_type: dict[str, Handler] = {}
        self.batched: set[str] = set()
        self.producers: set[str] = set()

    def on(self, event_class: type[Event], *, batch: bool = False) -> Callable[[Handler], Handler]:
        """Register a handler of ``event_class``. With ``batch=True`` it receives the consecutive events
        of a fetched batch that go to it at once (``events``, ``envelopes``; mixed types when the same
        function is registered for several), so it can read and write them with a few multi-row
        statements instead of several round trips per event."""
        def register(func: Handler) -> Handler:
            self.by_type[event_class.type] = func
            if batch:
                self.batched.add(event_class.type)
            self.producers.add(event_class.producer)
            return func

        return register


async def apply_events(db: Database, handlers: Handlers, envelopes: list[Envelope], settings: ServiceSettings) -> int:
    """Apply events in ONE transaction, skipping those already applied; returns how many were applied.

    A fetched batch commits together (one commit instead of one per message); if anything in it
    fails, the caller falls back to one transaction per event to isolate the culprit.
    """
    pending = [e for e in envelopes if e.type in handlers.by_type]
    if not pending:
        return 0
    applied: list[Envelope] = []
    try:
        async with db.transaction() as session:
            fresh = await _record_in_inbox(session, pending)
            for index, run in enumerate(_runs(fresh, handlers)):
                if index:
                    await write_held_rows(session)  # rows held for the commit are seen by the handlers after
                handler = handlers.by_type[run[0].type]
                if run[0].type in handlers.batched:
                    case_id_var.set(None)
                    traceparent_var.set(None)
                    await handler(session=session, events=[e.event() for e in run], envelopes=run, settings=settings)
                else:
                    envelope = run[0]
                    event = envelope.event()
                    case_id_var.set(str(event.case_id))
                    traceparent_var.set(envelope.extensions.get("traceparent"))
                    await handler(session=session, event=event, envelope=envelope, settings=settings)
                applied.extend(run)
    finally:
        case_id_var.set(None)
    for envelope in applied:
        consumed_total.labels(envelope.type).inc()
    return len(applied)


async def _record_in_inbox(session: AsyncSession, envelopes: list[Envelope]) -> list[Envelope]:
    """Record the events' ids in the inbox in one statement and return those not applied before, in
    order. ON CONFLICT DO NOTHING makes a replica applying the same event concurrently wait for the
    other's commit and then skip it, instead of failing."""
    now = utcnow()
    by_id = {e.id: e for e in envelopes}  # a redelivery within one fetch counts once
    rows = [{"event_id": e.id, "event_type": e.type, "processed_at": now} for e in by_id.values()]
    fresh = set(await insert_rows_async(await session.connection(), InboxEntry.__table__, rows,  # type: ignore[arg-type]
                                        returning="event_id", skip_conflicts_on="event_id"))
    return [e for e in by_id.values() if e.id in fresh]


def _runs(envelopes: list[Envelope], handlers: Handlers) -> list[list[Envelope]]:
    """Split into runs in arrival order: consecutive events going to the same batch handler form one
    run (one function registered for several types gets them mixed), every other event is a run of
    its own; so each case's events are still applied in order."""
    runs: list[list[Envelope]] = []
    for envelope in envelopes:
        if (runs and envelope.type in handlers.batched and runs[-1][0].type in handlers.batched
                and handlers.by_type[runs[-1][0].type] is handlers.by_type[envelope.type]):
            runs[-1].append(envelope)
        else:
            runs.append([envelope])
    return runs


async def apply_event(db: Database, handlers: Handlers, envelope: Envelope, settings: ServiceSettings) -> bool:
    """Apply one event in its own transaction; False when it was already applied (or has no handler)."""
    return await apply_events(db, handlers, [envelope], settings) == 1


class ProcessedOffsets(ConsumerRebalanceListener):
    """The offsets applied to the database and not yet committed to Kafka; committed before partitions are
    revoked, so the next owner starts where this consumer stopped."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self.committed_at = time.monotonic()

    def processed(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        self.pending.update({tp: OffsetAndMetadata(records[-1].offset + 1, "") for tp, records in batches.items()})

    def due(self, interval: float) -> bool:
        return time.monotonic() - self.committed_at >= interval

    async def commit(self) -> None:
        assigned = self.consumer.assignment()
        offsets = {tp: offset for tp, offset in self.pending.items() if tp in assigned}
        self.pending, self.committed_at = {}, time.monotonic()
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # The group rebalanced meanwhile: the new owner fetches these again and the inbox skips them.
            log.info("offsets not committed after a rebalance (%r); they will be skipped as duplicates", exc)

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self.commit()

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        pass


def fetch_options(batch_wait_ms: int) -> dict[str, int]:
    """Without a batch wait the broker answers a fetch as soon as one record is there (fetch_min_bytes=1), and
    fetch_max_wait_ms only bounds an idle poll (a few ms would poll 200 times a second for nothing). With
    one, it holds the fetch that long unless a megabyte gathers first."""
    if batch_wait_ms <= 0:
        return {"fetch_min_bytes": 1, "fetch_max_wait_ms": 250}
    return {"fetch_min_bytes": 1 << 20, "fetch_max_wait_ms": batch_wait_ms}


class EventConsumer:
    def __init__(self, db: Database, settings: ServiceSettings, handlers: Handlers) -> None:
        self.db = db
        self.settings = settings
        self.handlers = handlers
        self.topics = sorted(settings.topic(p) for p in handlers.producers)
        self.running = False

    async def run(self) -> None:
        """Consume until cancelled; restarts from the last committed offsets after any failure."""
        backoff = 0.5
        while True:
            try:
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if stopping():
                    raise
                log.warning("consumer stopped (%r); restarting in %.1fs", exc, backoff)
                self.running = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _consume(self) -> None:
        await ensure_topics(self.settings, [*self.topics, self.settings.dead_letter_topic])
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=self.settings.consumer_group,
            client_id=f"{self.settings.service_name}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **fetch_options(self.settings.consumer_batch_wait_ms),
            max_poll_records=500,
            isolation_level="read_committed",
        )
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            client_id=f"{self.settings.service_name}-dlq",
            enable_idempotence=True,
        )
        offsets = ProcessedOffsets(consumer)
        consumer.subscribe(self.topics, listener=offsets)
        await bounded(consumer.start(), 30)
        try:
            await bounded(producer.start(), 30)
            self.running = True
            interval = self.settings.offset_commit_seconds
            while True:
                batches = await consumer.getmany(timeout_ms=int(interval * 1000) if offsets.pending else 1000,
                                                 max_records=500)
                if batches:
                    # Everything fetched, from every partition, in one transaction: each partition's records
                    # stay in order (a case's events share a partition), and a fetch costs one commit.
                    await self._process_batch([r for records in batches.values() for r in records], producer)
                    offsets.processed(batches)
                if offsets.pending and (not batches or offsets.due(interval)):
                    await offsets.commit()
        finally:
            self.running = False
            try:
                await bounded(offsets.commit(), 5)  # what was applied is not fetched again by the next owner
            except Exception as exc:
                log.debug("final offset commit failed: %r", exc)
            for client in (consumer, producer):
                try:
                    await bounded(client.stop(), 10)
                except Exception as exc:
                    log.debug("stop failed: %r", exc)

    async def _process_batch(self, records: list[ConsumerRecord], producer: AIOKafkaProducer) -> None:
        valid: list[tuple[ConsumerRecord, Envelope]] = []
        for record in records:
            kind = next((v for k, v in record.headers or () if k == "ce_type"), None)
            if kind is not None and kind.decode(errors="replace") not in self.handlers.by_type:
                continue  # an event this service does not handle: skipped without parsing it
            try:
                envelope = from_kafka(record.key, record.value, record.headers)
                if envelope.type in self.handlers.by_type:
                    envelope.event()  # data that does not fit its model will never succeed: no retries
                    valid.append((record, envelope))
            except InvalidEnvelope as exc:
                await self._dead_letter(producer, record, f"invalid event: {exc}")
        if not valid:
            return
        try:
            await apply_events(self.db, self.handlers, [e for _, e in valid], self.settings)
            return
        except Exception as exc:
            if len(valid) == 1:
                await self._retry(valid[0][0], valid[0][1], producer, failed=exc)
                return
            log.warning("batch of %d events failed (%r); applying them one by one", len(valid), exc)
        for record, envelope in valid:
            await self._retry(record, envelope, producer, failed=None)

    async def _retry(
        self, record: ConsumerRecord, envelope: Envelope, producer: AIOKafkaProducer, failed: Exception | None
    ) -> None:
        """Apply one event alone, with backoff; dead-letter it when it keeps failing."""
        error = failed
        for attempt in range(2 if failed else 1, self.settings.consumer_max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(0.1 * 2**attempt)
            try:
                await apply_event(self.db, self.handlers, envelope, self.settings)
                return
            except Exception as exc:
                error = exc
                log.warning("event %s (%s) failed, attempt %d: %r", envelope.id, envelope.type, attempt, exc)
        await self._dead_letter(producer, record, f"{type(error).__name__}: {error}")

    async def _dead_letter(self, producer: AIOKafkaProducer, record: ConsumerRecord, error: str) -> None:
        headers = list(record.headers or ()) + [
            ("onegrid_error", error[:2000].encode()),
            ("onegrid_original_topic", record.topic.encode()),
            ("onegrid_original_partition", str(record.partition).encode()),
            ("onegrid_original_offset", str(record.offset).encode()),
            ("onegrid_consumer", self.settings.service_name.encode()),
        ]
        log.error("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)
        # Bounded: if the dead-letter topic cannot take it, fail and retry from the committed offset.
        await bounded(
            producer.send_and_wait(self.settings.dead_letter_topic, record.value, key=record.key, headers=headers), 30
        )
        dead_letters_total.inc()
