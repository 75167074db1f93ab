"""One claim feeds many sends: the worker claims up to ``delivery_queue_per_slot`` deliveries per concurrent send
of an endpoint, never sends more than the endpoint's concurrency at once, leases each claimed row for its
worst-case wait, and on shutdown hands back what it claimed but never began to send. E-mails due at once are
handed to the running worker by the transaction that records them, and only when it commits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from aiosmtpd.controller import Controller
from notify.config import NotifySettings
from notify.delivery import DeliveryWorker, _workers
from notify.handlers import handlers
from notify_testing import dispatched, notify_database
from onegrid_contracts import from_kafka, to_kafka
from onegrid_devstack.stack import free_port
from onegrid_runtime.consumer import apply_events
from sqlalchemy import text


class SlowMailBox:
    """Accepts mail after ``delay`` seconds and remembers how many sessions were sending at once."""

    def __init__(self, delay: float) -> None:
        self.delay, self.sending, self.most, self.received = delay, 0, 0, 0

    async def handle_DATA(self, server, session, envelope):
        self.sending += 1
        self.most = max(self.most, self.sending)
        await asyncio.sleep(self.delay)
        self.sending -= 1
        self.received += 1
        return "250 Message accepted for delivery"


@asynccontextmanager
async def mail_server(delay: float) -> AsyncIterator[tuple[SlowMailBox, int]]:
    """A real SMTP server (aiosmtpd) on a free port: the mailbox and the port."""
    box = SlowMailBox(delay=delay)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@asynccontextmanager
async def running_worker(db, settings: NotifySettings, *, claims: bool = True) -> AsyncIterator[DeliveryWorker]:
    """The delivery worker as the app runs it: registered for its database (so recording hands deliveries to it)
    and running; ``claims=False`` switches its claims off, so it sends only what is handed to it."""
    worker = DeliveryWorker(db, settings)
    if not claims:
        async def no_claim() -> list:
            return []

        worker.claim = no_claim  # type: ignore[method-assign]
    _workers[settings.database_url].add(worker)
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        _workers[settings.database_url].discard(worker)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def queue_of(db, n: int, settings) -> None:
    events = [dispatched(uuid.uuid4(), "D11") for _ in range(n)]  # D11 has an e-mail address: one e-mail each
    await apply_events(db, handlers, [from_kafka(*to_kafka(e, source="/onegrid/YYB/dispatch")) for e in events], settings)


async def rows(db, sql: str):
    async with db.transaction() as session:
        return (await (await session.connection()).execute(text(sql))).all()


async def test_one_claim_feeds_many_sends_within_the_endpoints_concurrency(make_database):
    db, settings, _ = await notify_database(make_database)
    box = SlowMailBox(delay=0.01)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = settings.model_copy(update={"smtp_port": controller.port, "smtp_concurrency": 2,
                                           "delivery_queue_per_slot": 8, "delivery_coalesce_seconds": 0.0})
    worker = DeliveryWorker(db, settings)
    claims: list[int] = []
    claim = worker.claim

    async def counted_claim():
        out = await claim()
        if out:
            claims.append(len(out))
        return out

    worker.claim = counted_claim  # type: ignore[method-assign]
    try:
        await queue_of(db, 60, settings)
        task = asyncio.create_task(worker.run())
        for _ in range(300):
            if (await rows(db, "select count(*) from delivery where status = 'delivered'"))[0][0] == 60:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert box.received == 60
        assert box.most == 2  # the endpoint's concurrency, however many are queued
        assert max(claims) == 16 and len(claims) <= 8  # 2 slots x 8 queued per slot: a handful of claims for 60
    finally:
        controller.stop()
        await db.dispose()


async def test_leases_cover_the_wait_in_the_queue_and_shutdown_hands_back_what_was_never_sent(make_database):
    db, settings, _ = await notify_database(make_database)
    box = SlowMailBox(delay=0.5)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = settings.model_copy(update={"smtp_port": controller.port, "smtp_concurrency": 2, "smtp_timeout_seconds": 5,
                                           "delivery_queue_per_slot": 3, "lease_margin_seconds": 1,
                                           "delivery_coalesce_seconds": 0.0})
    worker = DeliveryWorker(db, settings)
    try:
        await queue_of(db, 6, settings)
        before = datetime.now(UTC)
        task = asyncio.create_task(worker.run())
        await asyncio.sleep(0.3)  # claimed all six; two are being sent, four wait for a slot
        leases = sorted(r[0] for r in await rows(db, "select next_attempt_at from delivery"))
        # Two rows per wait: 5 s x 1, 2, 3 sends ahead per slot, plus the margin.
        for i, lease in enumerate(leases):
            assert timedelta(seconds=5 * (i // 2 + 1) + 1) <= lease - before < timedelta(seconds=5 * (i // 2 + 1) + 2)
        task.cancel()  # stop while four are still queued
        await asyncio.gather(task, return_exceptions=True)
        states = await rows(db, "select status, attempts, next_attempt_at <= now() from delivery")
        assert sorted((s, a, due) for s, a, due in states) == [
            ("delivered", 1, False), ("delivered", 1, False),  # the two sent finished during the drain
            ("pending", 0, True), ("pending", 0, True), ("pending", 0, True), ("pending", 0, True)]
    finally:
        controller.stop()
        await db.dispose()


async def test_deliveries_queued_for_a_subscription_that_gets_paused_are_not_attempted(make_database):
    db, settings, subscription = await notify_database(make_database)  # its URL refuses connections
    settings = settings.model_copy(update={"webhook_concurrency": 1, "delivery_queue_per_slot": 8,
                                           "webhook_pause_after_failures": 2, "delivery_coalesce_seconds": 0.0})
    worker = DeliveryWorker(db, settings)
    try:
        events = [dispatched(uuid.uuid4(), "D05") for _ in range(8)]  # the subscription wants D05's dispatches
        await apply_events(db, handlers, [from_kafka(*to_kafka(e, source="/onegrid/YYB/dispatch")) for e in events],
                           settings)
        task = asyncio.create_task(worker.run())
        for _ in range(100):
            status = (await rows(db, f"select status from subscription where id = '{subscription}'"))[0][0]
            if status == "paused" and not worker.in_flight[f"webhook:{subscription}"]:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # the hand-back commits
        attempts = (await rows(db, "select count(*) from delivery_attempt"))[0][0]
        untouched = (await rows(db, "select count(*) from delivery where channel = 'webhook' and status = 'pending' "
                                    "and attempts = 0 and next_attempt_at <= now()"))[0][0]
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await db.dispose()
    assert status == "paused"
    assert 2 <= attempts <= 3  # the pause, and at most the one already being sent when it was recorded
    assert untouched == 8 - attempts  # the rest handed back unattempted, due again for when it is resumed


async def test_deliveries_due_now_go_to_the_worker_at_the_commit_without_a_claim(make_database):
    """The recording transaction writes e-mails already claimed (attempt 1, leased) and hands them to the running
    worker when it commits: they are sent although the worker's claims are switched off here. Beyond the endpoint's
    queue (1 slot x 2), they stay pending for a claim."""
    db, settings, _ = await notify_database(make_database)
    try:
        async with mail_server(delay=0.2) as (box, port):
            settings = settings.model_copy(update={
                "smtp_port": port, "smtp_concurrency": 1, "smtp_timeout_seconds": 5, "delivery_queue_per_slot": 2,
                "lease_margin_seconds": 1, "delivery_poll_seconds": 60})
            async with running_worker(db, settings, claims=False) as worker:
                before = datetime.now(UTC)
                await queue_of(db, 5, settings)
                states = sorted(await rows(db, "select attempts, next_attempt_at > now() from delivery"))
                assert states == [(0, False)] * 3 + [(1, True)] * 2  # two handed over (leased), three left for a claim
                leases = sorted(r[0] for r in await rows(db, "select next_attempt_at from delivery where attempts = 1"))
                assert [round((lease - before).total_seconds()) for lease in leases] == [6, 11]  # 5 s x sends ahead + 1
                for _ in range(100):
                    delivered = (await rows(db, "select count(*) from delivery where status = 'delivered'"))[0][0]
                    if box.received == 2 and delivered == 2:
                        break
                    await asyncio.sleep(0.05)
                assert box.received == 2  # sent without any claim taking them
                assert sorted(await rows(db, "select status, attempts from delivery")) == \
                    [("delivered", 1), ("delivered", 1), ("pending", 0), ("pending", 0), ("pending", 0)]
                assert worker.in_flight["email"] == 0
    finally:
        await db.dispose()


async def test_deliveries_of_a_recording_that_rolls_back_are_not_sent(make_database):
    from notify.recording import record_batch

    db, settings, _ = await notify_database(make_database)
    try:
        async with mail_server(delay=0.0) as (box, port):
            settings = settings.model_copy(update={"smtp_port": port, "delivery_poll_seconds": 60})
            async with running_worker(db, settings) as worker:
                event = dispatched(uuid.uuid4(), "D11")
                envelope = from_kafka(*to_kafka(event, source="/onegrid/YYB/dispatch"))
                try:
                    async with db.transaction() as session:
                        notes = await record_batch(session=session, events=[event], envelopes=[envelope],
                                                   settings=settings)
                        assert any(n["channel"] == "email" for n in notes)
                        raise RuntimeError("the batch fails after recording")
                except RuntimeError:
                    pass
                await asyncio.sleep(0.5)
                assert box.received == 0 and not worker.tasks and worker.in_flight["email"] == 0
                assert (await rows(db, "select count(*) from delivery"))[0][0] == 0
    finally:
        await db.dispose()
