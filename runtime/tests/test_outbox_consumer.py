"""The runtime's guarantees against a real PostgreSQL server and a real Kafka broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from onegrid_contracts import from_kafka, to_kafka
from onegrid_contracts.events import CaseAccepted, CaseClosed, CaseResolved, CaseVerified
from onegrid_runtime.consumer import EventConsumer, Handlers, InboxEntry, apply_event, apply_events
from onegrid_runtime.db import Database
from onegrid_runtime.outbox import OutboxMessage, OutboxRelay, emit, insert_at_commit, pending_count
from onegrid_runtime.settings import ServiceSettings
from onegrid_runtime.topics import ensure_topics
from sqlmodel import Field, SQLModel, func, select


class RuntimeEffect(SQLModel, table=True):
    """A stand-in for a service's state: one row per applied effect."""

    __tablename__ = "runtime_test_effect"
    id: int | None = Field(default=None, primary_key=True)
    case_id: uuid.UUID
    label: str


TABLES = [RuntimeEffect.__table__, OutboxMessage.__table__, InboxEntry.__table__]


async def _database(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=TABLES))
    return db


def _settings(url: str, bootstrap: str, prefix: str, **extra) -> ServiceSettings:
    options = {"service_name": "dispatch", **extra}
    return ServiceSettings(database_url=url, kafka_bootstrap_servers=bootstrap, topic_prefix=prefix, **options)


def _event(case_id: uuid.UUID | None = None) -> CaseAccepted:
    return CaseAccepted(case_id=case_id or uuid.uuid4(), jurisdiction="YYB", department="D07")


async def _count(db: Database, model, *where) -> int:
    async with db.transaction() as s:
        return (await s.exec(select(func.count()).select_from(model).where(*where))).one()


async def _read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=f"reader-{uuid.uuid4().hex[:6]}", fetch_max_wait_ms=50)
    await consumer.start()
    records: list = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def test_outbox_row_commits_or_rolls_back_with_the_state_change(make_database):
    db = await _database(make_database("rt"))
    case_id = uuid.uuid4()
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            s.add(RuntimeEffect(case_id=case_id, label="state"))
            emit(s, _event(case_id))
            raise RuntimeError("handler failed after emitting")
    assert await _count(db, RuntimeEffect) == 0
    assert await _count(db, OutboxMessage) == 0

    async with db.transaction() as s:
        s.add(RuntimeEffect(case_id=case_id, label="state"))
        event_id = emit(s, _event(case_id))
    assert await _count(db, RuntimeEffect) == 1
    async with db.transaction() as s:
        row = (await s.exec(select(OutboxMessage))).one()
    assert (row.event_id, row.key, row.event_type) == (event_id, str(case_id), "onegrid.case.accepted")
    await db.dispose()


async def test_relay_is_woken_by_commit_and_publishes_cloudevents(make_database, kafka_bootstrap, topic_prefix):
    url = make_database("rt")
    db = await _database(url)
    settings = _settings(url, kafka_bootstrap, topic_prefix, relay_poll_seconds=60.0)  # only the wake-up can be fast
    relay = OutboxRelay(db, settings)
    await relay.publish_batch()  # connect first so the timing below measures the wake-up only
    task = asyncio.create_task(relay.run())
    try:
        case_id = uuid.uuid4()
        started = time.monotonic()
        async with db.transaction() as s:
            emit(s, _event(case_id))
            emit(s, CaseVerified(case_id=case_id, jurisdiction="YYB", note="checked"))
        records = await _read_topic(kafka_bootstrap, settings.topic("dispatch"), 2, timeout=10)
        elapsed = time.monotonic() - started
    finally:
        task.cancel()
        await relay.close()
    assert len(records) == 2 and elapsed < 5, f"{len(records)} records after {elapsed:.1f}s"
    assert [r.key for r in records] == [str(case_id).encode()] * 2
    # The official CloudEvents SDK reads what the relay produced, in order.
    events = [from_binary_event(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value)) for r in records]
    assert [e.get_type() for e in events] == ["onegrid.case.accepted", "onegrid.case.verified"]
    assert events[0].get_subject() == str(case_id) and events[0].get_specversion() == "1.0"
    assert events[0].get_data()["department"] == "D07"
    assert events[0].get_extension("traceparent").startswith("00-")
    assert await pending_count_of(db) == 0
    await db.dispose()


async def pending_count_of(db: Database) -> int:
    async with db.transaction() as s:
        return await pending_count(s)


async def test_relay_gives_up_in_bounded_time_when_the_broker_is_down_and_loses_nothing(make_database, kafka_bootstrap, topic_prefix):
    url = make_database("rt")
    db = await _database(url)
    async with db.transaction() as s:
        emit(s, _event())
    dead = OutboxRelay(db, _settings(url, f"127.0.0.1:{_closed_port()}", topic_prefix), send_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(Exception):
        await dead.publish_batch()
    await dead.close()
    assert time.monotonic() - started < 15
    assert await pending_count_of(db) == 1  # still there, to be sent when the broker is back

    alive = OutboxRelay(db, _settings(url, kafka_bootstrap, topic_prefix))
    assert await alive.publish_batch() == 1
    await alive.close()
    assert await pending_count_of(db) == 0
    await db.dispose()


@asynccontextmanager
async def _running_relay(make_database, kafka_bootstrap, topic_prefix, *, send_timeout: float = 10.0, **options):
    """A relay running over a fresh outbox, already publishing from memory (what ``run()`` does after its first
    drain of an empty table); yields (database, relay, settings) and stops them after."""
    url = make_database("rt")
    db = await _database(url)
    settings = _settings(url, kafka_bootstrap, topic_prefix, **options)
    relay = OutboxRelay(db, settings, send_timeout=send_timeout)
    await relay._ensure_producer()  # connected, so the timings in the tests measure the relay's work only
    await relay.drain()
    task = asyncio.create_task(relay.run())
    try:
        yield db, relay, settings
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.close()
        await db.dispose()


async def test_commits_are_published_from_memory_in_commit_order_and_deleted_by_the_sweep(make_database, kafka_bootstrap, topic_prefix):
    case_id = uuid.uuid4()
    kinds = [_event(case_id), CaseResolved(case_id=case_id, jurisdiction="YYB", department="D07", note="fixed"),
             CaseVerified(case_id=case_id, jurisdiction="YYB", note="checked"), CaseClosed(case_id=case_id, jurisdiction="YYB", outcome="verified")]
    async with _running_relay(make_database, kafka_bootstrap, topic_prefix, relay_poll_seconds=60.0,
                              outbox_sweep_seconds=60.0) as (db, relay, settings):
        for event in kinds:  # four commits of one case, as its handlers would make them
            async with db.transaction() as s:
                emit(s, event)
        records = await _read_topic(kafka_bootstrap, settings.topic("dispatch"), 4, timeout=10)
        # Sent without scanning the table: the rows are still there until the sweep deletes them.
        assert await pending_count_of(db) == 4
        await relay.sweep()
        assert await pending_count_of(db) == 0
    assert [dict(r.headers)["ce_type"].decode() for r in records] == [e.type for e in kinds]


async def test_rows_no_commit_handed_over_are_published_once_they_are_old_enough(make_database, kafka_bootstrap, topic_prefix):
    async with _running_relay(make_database, kafka_bootstrap, topic_prefix, outbox_sweep_seconds=0.2,
                              outbox_orphan_seconds=0.5) as (db, relay, settings):
        other = Database(settings.database_url)  # another process's commit (an import, a crashed replica): nobody hands it over
        try:
            async with other.transaction() as s:
                event_id = emit(s, _event())
        finally:
            await other.dispose()
        records = await _read_topic(kafka_bootstrap, settings.topic("dispatch"), 1, timeout=10)
        assert [dict(r.headers)["ce_id"].decode() for r in records] == [event_id]
        assert await pending_count_of(db) == 0


async def test_when_publishing_from_memory_fails_the_table_is_drained_in_order_and_nothing_is_lost(make_database, kafka_bootstrap, topic_prefix):
    case_id = uuid.uuid4()
    sent = ["first", "second", "third"]
    async with _running_relay(make_database, kafka_bootstrap, topic_prefix, send_timeout=1.0, relay_poll_seconds=0.2,
                              outbox_sweep_seconds=60.0) as (db, relay, settings):
        relay.settings.kafka_bootstrap_servers = f"127.0.0.1:{_closed_port()}"  # the broker goes away
        await relay._drop_producer()
        async with db.transaction() as s:
            emit(s, CaseVerified(case_id=case_id, jurisdiction="YYB", note="first"))
        for _ in range(100):
            if relay._draining:  # the failed send put it back on the table
                break
            await asyncio.sleep(0.05)
        assert relay._draining
        for note in sent[1:]:  # committed while the broker is away
            async with db.transaction() as s:
                emit(s, CaseVerified(case_id=case_id, jurisdiction="YYB", note=note))
        relay.settings.kafka_bootstrap_servers = kafka_bootstrap  # and comes back
        records = await _read_topic(kafka_bootstrap, settings.topic("dispatch"), 3, timeout=20)
        for _ in range(50):
            if await pending_count_of(db) == 0:
                break
            await asyncio.sleep(0.2)
        assert await pending_count_of(db) == 0
    notes = [json.loads(r.value)["note"] for r in records]
    assert notes == sent  # each once (the inbox would skip a repeat), in commit order


async def test_with_publishing_on_commit_off_every_send_goes_through_the_table(make_database, kafka_bootstrap, topic_prefix):
    async with _running_relay(make_database, kafka_bootstrap, topic_prefix, outbox_publish_on_commit=False,
                              outbox_sweep_seconds=60.0) as (db, relay, settings):
        async with db.transaction() as s:
            emit(s, _event())
        await _read_topic(kafka_bootstrap, settings.topic("dispatch"), 1, timeout=10)
        assert await pending_count_of(db) == 0  # taken off the table as it was sent, no sweep needed
        assert relay._sent == []


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _effect_handlers() -> Handlers:
    handlers = Handlers()

    @handlers.on(CaseAccepted)
    async def on_accepted(*, session, event, envelope, settings):
        session.add(RuntimeEffect(case_id=event.case_id, label=envelope.id))

    @handlers.on(CaseVerified)
    async def on_verified(*, session, event, envelope, settings):
        if event.note == "boom":
            raise RuntimeError("handler cannot process this event")
        session.add(RuntimeEffect(case_id=event.case_id, label="verified"))

    return handlers


async def test_apply_event_twice_has_one_effect(make_database):
    db = await _database(make_database("rt"))
    key, value, headers = to_kafka(_event(), source="/test")
    envelope = from_kafka(key, value, headers)
    handlers = _effect_handlers()
    settings = ServiceSettings(service_name="rt")
    assert await apply_event(db, handlers, envelope, settings) is True
    assert await apply_event(db, handlers, envelope, settings) is False
    assert await _count(db, RuntimeEffect) == 1
    await db.dispose()


async def test_batch_handler_gets_consecutive_runs_in_arrival_order_and_each_event_once(make_database):
    db = await _database(make_database("rt"))
    calls: list[list[str]] = []
    handlers = Handlers()

    async def on_resolved_or_closed(*, session, events, envelopes, settings):
        calls.append([f"{e.type.rsplit('.', 1)[1]}:{getattr(e, 'note', '')}" for e in events])
        assert [e.type for e in envelopes] == [e.type for e in events]
        for event in events:
            session.add(RuntimeEffect(case_id=event.case_id, label=event.type))

    handlers.on(CaseResolved, batch=True)(on_resolved_or_closed)
    handlers.on(CaseClosed, batch=True)(on_resolved_or_closed)

    @handlers.on(CaseVerified)
    async def on_verified(*, session, event, envelope, settings):
        calls.append([f"verified:{event.note}"])
        session.add(RuntimeEffect(case_id=event.case_id, label="verified"))

    def envelope(event):
        return from_kafka(*to_kafka(event, source="/test"))

    case = uuid.uuid4()
    r1, r2, r3 = (envelope(CaseResolved(case_id=case, jurisdiction="YYB", department="D07", note=n)) for n in "123")
    v = envelope(CaseVerified(case_id=case, jurisdiction="YYB", note="v"))
    c = envelope(CaseClosed(case_id=case, jurisdiction="YYB", outcome="verified"))
    settings = ServiceSettings(service_name="rt")
    # r2 twice in one fetch (a redelivery): applied once; the verification splits the runs; the same
    # function registered for two types gets them in one run
    assert await apply_events(db, handlers, [r1, r2, r2, v, r3, c], settings) == 5
    assert calls == [["resolved:1", "resolved:2"], ["verified:v"], ["resolved:3", "closed:"]]
    assert await apply_events(db, handlers, [r1, c], settings) == 0  # all seen before
    assert await _count(db, RuntimeEffect) == 5
    assert await _count(db, InboxEntry) == 5
    await db.dispose()


async def test_consumer_redelivery_and_poison_messages(make_database, kafka_bootstrap, topic_prefix):
    url = make_database("rt")
    db = await _database(url)
    settings = _settings(url, kafka_bootstrap, topic_prefix, service_name="rtconsumer", consumer_max_attempts=2)
    consumer = EventConsumer(db, settings, _effect_handlers())
    topic = settings.topic("dispatch")
    case_id = uuid.uuid4()
    duplicate = to_kafka(_event(case_id), source="/test")
    failing = to_kafka(CaseVerified(case_id=case_id, jurisdiction="YYB", note="boom"), source="/test")
    bad_data = to_kafka(_event(case_id), source="/test")
    bad_data = (bad_data[0], b'{"case_id": "not-a-uuid"}', bad_data[2])
    sentinel = to_kafka(CaseVerified(case_id=case_id, jurisdiction="YYB", note="last"), source="/test")

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    await ensure_topics(settings, [topic, settings.dead_letter_topic])
    key = str(case_id).encode()
    for k, v, h in (duplicate, duplicate, (key, b"not json at all", []), failing, bad_data, sentinel):
        await producer.send_and_wait(topic, v, key=k, headers=h)
    await producer.stop()

    task = asyncio.create_task(consumer.run())
    try:
        deadline = time.monotonic() + 30
        while await _count(db, RuntimeEffect, RuntimeEffect.label == "verified") == 0:
            assert time.monotonic() < deadline, "the consumer did not get past the poison messages"
            await asyncio.sleep(0.2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert await _count(db, RuntimeEffect, RuntimeEffect.label != "verified") == 1  # the duplicate applied once
    dead = await _read_topic(kafka_bootstrap, settings.dead_letter_topic, 3)
    errors = sorted(dict(r.headers)["onegrid_error"].decode().split(":")[0] for r in dead)
    assert len(dead) == 3
    assert errors == ["RuntimeError", "invalid event", "invalid event"]
    assert all(dict(r.headers)["onegrid_original_topic"].decode() == topic for r in dead)
    await db.dispose()


async def _committed(bootstrap: str, group: str) -> int:
    """Sum of the group's committed offsets over its partitions."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return sum(max(meta.offset, 0) for meta in (await admin.list_consumer_group_offsets(group)).values())
    finally:
        await admin.close()


async def _produce(producer: AIOKafkaProducer, topic: str, n: int) -> None:
    for _ in range(n):
        key, value, headers = to_kafka(_event(), source="/test")
        await producer.send_and_wait(topic, value, key=key, headers=headers)


async def test_offsets_are_committed_before_a_rebalance_and_on_stop_not_per_fetch(
        make_database, kafka_bootstrap, topic_prefix, producer):
    url = make_database("rt")
    db, other_db = await _database(url), Database(url)
    topic = f"{topic_prefix}.dispatch.v1"

    async def effects_reach(n: int) -> None:
        deadline = time.monotonic() + 30
        while await _count(db, RuntimeEffect) < n:
            assert time.monotonic() < deadline, f"fewer than {n} effects applied"
            await asyncio.sleep(0.1)

    # Commits by time (or after idling that long) effectively never: only a rebalance or stopping commit.
    slow = _settings(url, kafka_bootstrap, topic_prefix, service_name="rtoffsets", offset_commit_seconds=3600)
    await ensure_topics(slow, [topic])
    await _produce(producer, topic, 20)
    first = asyncio.create_task(EventConsumer(db, slow, _effect_handlers()).run())
    second = None
    try:
        await effects_reach(20)
        assert await _committed(kafka_bootstrap, slow.consumer_group) == 0  # applied, not yet committed

        # A second member joins: the first commits what it applied before its partitions are revoked.
        second = asyncio.create_task(EventConsumer(other_db, slow, _effect_handlers()).run())
        deadline = time.monotonic() + 30
        while await _committed(kafka_bootstrap, slow.consumer_group) < 20:
            assert time.monotonic() < deadline, "offsets were not committed before the rebalance"
            await asyncio.sleep(0.2)

        await _produce(producer, topic, 10)
        await effects_reach(30)
    finally:
        for task in (first, second):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (first, second) if t is not None), return_exceptions=True)
    assert await _committed(kafka_bootstrap, slow.consumer_group) == 30  # committed on stop
    assert await _count(db, RuntimeEffect) == 30 and await _count(db, InboxEntry) == 30
    await db.dispose()
    await other_db.dispose()


async def test_an_idle_consumer_commits_within_the_interval(make_database, kafka_bootstrap, topic_prefix, producer):
    url = make_database("rt")
    db = await _database(url)
    settings = _settings(url, kafka_bootstrap, topic_prefix, service_name="rtidle", offset_commit_seconds=0.3)
    await ensure_topics(settings, [settings.topic("dispatch")])
    await _produce(producer, settings.topic("dispatch"), 5)
    task = asyncio.create_task(EventConsumer(db, settings, _effect_handlers()).run())
    try:
        deadline = time.monotonic() + 30
        while await _committed(kafka_bootstrap, settings.consumer_group) < 5:
            assert time.monotonic() < deadline, "an idle consumer did not commit what it applied"
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await db.dispose()


@pytest.mark.parametrize("batch_wait_ms", [0, 800])
async def test_a_batch_wait_gathers_what_arrives_meanwhile_into_one_transaction(
        make_database, kafka_bootstrap, topic_prefix, producer, batch_wait_ms):
    """With a batch wait the broker holds a fetch that long, so events produced one after another within it
    are applied together; without one each is fetched (and applied) as soon as it is there."""
    url = make_database("rt")
    db = await _database(url)
    settings = _settings(url, kafka_bootstrap, topic_prefix, service_name=f"rtwait{batch_wait_ms}",
                         consumer_batch_wait_ms=batch_wait_ms)
    topic = settings.topic("dispatch")
    await ensure_topics(settings, [topic])
    batches: list[int] = []
    handlers = Handlers()

    async def on_accepted(*, session, events, envelopes, settings):
        batches.append(len(events))
        for event in events:
            session.add(RuntimeEffect(case_id=event.case_id, label="accepted"))

    handlers.on(CaseAccepted, batch=True)(on_accepted)
    case = uuid.uuid4()  # one case: one partition, so one fetch carries them all

    async def produce(n: int) -> None:
        for _ in range(n):
            key, value, headers = to_kafka(_event(case), source="/test")
            await producer.send_and_wait(topic, value, key=key, headers=headers)
            await asyncio.sleep(0.04)

    async def applied(n: int) -> None:
        deadline = time.monotonic() + 30
        while await _count(db, RuntimeEffect) < n:
            assert time.monotonic() < deadline, f"fewer than {n} events applied"
            await asyncio.sleep(0.05)

    task = asyncio.create_task(EventConsumer(db, settings, handlers).run())
    try:
        await produce(1)
        await applied(1)  # joined the group and caught up; now 8 events over ~0.3 s
        batches.clear()
        await produce(8)
        await applied(9)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sum(batches) == 8
    if batch_wait_ms:
        assert len(batches) <= 2, batches  # the ~0.3 s fall within one or two 0.8 s windows
    else:
        assert len(batches) >= 4, batches  # fetched about as they come (one every ~40 ms)
    await db.dispose()


async def test_rows_held_for_the_commit_are_seen_by_the_next_handler_of_the_batch(make_database):
    db = await _database(make_database("rt"))
    seen: list[int] = []
    handlers = Handlers()

    async def on_resolved(*, session, events, envelopes, settings):
        insert_at_commit(session, RuntimeEffect.__table__, [{"case_id": e.case_id, "label": "resolved"} for e in events])

    handlers.on(CaseResolved, batch=True)(on_resolved)

    @handlers.on(CaseVerified)
    async def on_verified(*, session, event, envelope, settings):
        seen.append((await session.exec(select(func.count()).select_from(RuntimeEffect)
                                        .where(RuntimeEffect.case_id == event.case_id))).one())

    case = uuid.uuid4()
    envelopes = [from_kafka(*to_kafka(e, source="/test")) for e in (
        CaseResolved(case_id=case, jurisdiction="YYB", department="D07", note="fixed"),
        CaseVerified(case_id=case, jurisdiction="YYB", note="checked"))]
    assert await apply_events(db, handlers, envelopes, ServiceSettings(service_name="rt")) == 2
    assert seen == [1]
    assert await _count(db, RuntimeEffect) == 1
    await db.dispose()


async def test_events_of_a_released_savepoint_are_handed_to_the_relay_with_the_rest(make_database):
    db = await _database(make_database("rt"))
    handed: list = []
    db.on_outbox_commit(handed.extend)
    async with db.transaction() as session:
        async with session.begin_nested():  # a savepoint's release runs the commit hook too
            emit(session, _event())
        emit(session, _event())
    assert len(handed) == 2 and handed[0].seq < handed[1].seq
    assert await _count(db, OutboxMessage) == 2
    await db.dispose()
