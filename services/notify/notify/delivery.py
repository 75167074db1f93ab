"""The delivery worker: sends what the queue (`delivery` table) holds, never in the way of anything.

* Consumption only writes rows; this loop (started through ``create_app(background=[...])``)
  sends them. E-mails and SMS due at once are handed to it by the transaction that records them
  (``send_after_commit``): written already claimed (attempt 1 and a lease, as a claim writes them), they
  start sending when it commits, without a claim transaction. The rest (webhooks, SMS held for quiet
  hours, more than the endpoint's queue holds) wake it after the commit to claim them (``wake_after_commit``),
  and it polls as a fallback (retries, leases of a worker that died).
* Claiming: due rows are selected ``FOR UPDATE SKIP LOCKED`` per endpoint, up to
  ``delivery_queue_per_slot`` per concurrent send of the endpoint (so one claim transaction feeds
  many sends), and their ``next_attempt_at`` is pushed past the worst-case wait as a lease: the
  send timeout times the sends queued ahead of it per slot, plus a margin. Several replicas never
  claim the same row; a worker that dies leaves leases that expire, and those rows are sent again
  (same delivery id / Message-ID).
* Each send runs in its own task, waits for one of its endpoint's slots (per-endpoint concurrency)
  and has a timeout, so a slow or dead endpoint only ever occupies its own slots. Every attempt is
  logged (time, outcome, latency, error).
* Results are state transitions guarded by the row's current state (``pending`` and the claimed
  attempt number), so a late or repeated result changes nothing.
* Failures retry with exponential backoff and jitter; after the last attempt the delivery is
  dead-lettered (``failed``) until replayed. A subscription failing ``webhook_pause_after_failures``
  times in a row is paused (its deliveries wait) until resumed.
* Non-urgent SMS wait for the end of quiet hours.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from onegrid_contracts.ids import new_id
from onegrid_runtime.aio import bounded, stopping
from onegrid_runtime.db import (
    Database,
    among,
    among_parameter,
    insert_rows_async,
    select_rows,
    update_rows_async,
    utcnow,
)
from prometheus_client import Counter, Histogram
from sqlalchemy import bindparam, func, update
from sqlalchemy import event as sa_event
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.channels import Channels, DeliveryError, Outgoing
from notify.config import NotifySettings
from notify.messages import mask_contact
from notify.models import Delivery, DeliveryAttempt, Notification, Subscription
from notify.tally import count_changes

log = logging.getLogger("onegrid.notify.delivery")
DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS = Subscription.__table__  # type: ignore[attr-defined]
ATTEMPTS = DeliveryAttempt.__table__  # type: ignore[attr-defined]
attempts_total = Counter("onegrid_notify_delivery_attempts_total", "Delivery attempts", ["channel", "status"])
latency_seconds = Histogram("onegrid_notify_delivery_seconds", "Delivery latency", ["channel"])


def quiet_until(now: datetime, timezone: str, window: str) -> datetime | None:
    """When quiet hours ("22:00-07:00", local time) hold at ``now``, the moment they end; else None."""
    if not window or "-" not in window:
        return None
    start_s, end_s = (part.strip() for part in window.split("-", 1))
    start, end = clock.fromisoformat(start_s), clock.fromisoformat(end_s)
    if start == end:
        return None
    local = now.astimezone(ZoneInfo(timezone))
    t = local.timetz().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends


# The running workers by database URL: a transaction that queued deliveries wakes them after it commits.
_workers: dict[str, set[DeliveryWorker]] = defaultdict(set)
_WAKE_FLAG = "notify.wake_delivery"
_RESERVED = "notify.reserved_deliveries"  # session.info: deliveries handed over in this transaction, per endpoint


def wake_after_commit(session: AsyncSession, settings: NotifySettings) -> None:
    """Wake this database's delivery worker once ``session``'s transaction commits (a commit that queued
    nothing to send, the usual case when recipients have no phone or e-mail, wakes nobody)."""
    workers = _workers.get(settings.database_url)
    if workers and not session.info.get(_WAKE_FLAG):
        session.info[_WAKE_FLAG] = True
        sa_event.listen(session.sync_session, "after_commit", lambda _s: [w.wake() for w in list(workers)], once=True)


def send_after_commit(session: AsyncSession, settings: NotifySettings, deliveries: list[dict[str, Any]],
                      notes: list[dict[str, Any]]) -> None:
    """Hands the deliveries being recorded in ``session``'s transaction to this process's worker (see the module's
    docstring); a commit that leaves some for a claim wakes it. Call before the rows are written: the ones
    handed over are changed to their claimed state."""
    workers = _workers.get(settings.database_url)
    if not deliveries or not workers:
        return
    worker = next(iter(workers))
    reserved = session.info.setdefault(_RESERVED, defaultdict(int))
    by_id = {note["id"]: note for note in notes}
    handed, left = worker.take(deliveries, by_id, reserved)
    if handed:
        sa_event.listen(session.sync_session, "after_commit", lambda _s: worker.start(handed), once=True)
    if left:
        wake_after_commit(session, settings)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: half the doubled delay fixed, half random."""
    delay = min(base * 2 ** max(attempt - 1, 0), cap)
    return delay / 2 + random.uniform(0, delay / 2)


# What recording results reads and locks, each by a list parameter ``ids`` (built once, run by ``select_rows``), in
# key order so that two recordings never wait on each other's locks crosswise.
DELIVERIES_OF = (select(DELIVERIES).where(among_parameter(DELIVERIES.c.notification_id, "ids"))
                 .order_by(DELIVERIES.c.notification_id).with_for_update())
NOTIFICATIONS_OF = (select(NOTIFICATIONS.c.id, NOTIFICATIONS.c.channel, NOTIFICATIONS.c.status, NOTIFICATIONS.c.attempts,
                           NOTIFICATIONS.c.delivered_at, NOTIFICATIONS.c.last_error)
                    .where(among_parameter(NOTIFICATIONS.c.id, "ids")).order_by(NOTIFICATIONS.c.id).with_for_update())
SUBSCRIPTIONS_OF = (select(SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.status, SUBSCRIPTIONS.c.consecutive_failures,
                           SUBSCRIPTIONS.c.paused_at, SUBSCRIPTIONS.c.pause_reason)
                    .where(among_parameter(SUBSCRIPTIONS.c.id, "ids")).order_by(SUBSCRIPTIONS.c.id).with_for_update())


class DeliveryWorker:
    def __init__(self, db: Database, settings: NotifySettings, channels: Channels | None = None) -> None:
        self.db = db
        self.settings = settings
        self.channels = channels or Channels(settings)
        self.in_flight: dict[str, int] = defaultdict(int)  # claimed and not finished: queued or sending
        self.slots: dict[str, asyncio.Semaphore] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._results: list[Result] = []
        self._unsent: list[Outgoing] = []  # claimed, never sent: handed back (due again at once)
        self._closing = False
        self.paused: set[str] = set()  # webhook endpoints of paused subscriptions, as last seen
        # Failed attempts in a row per webhook endpoint as this worker knows them (the database's count at its
        # claim, then its own results): a subscription reaching the pause threshold is not attempted again by
        # this worker even before the results that paused it are recorded (failures can be instant).
        self.failures: dict[str, int] = {}
        self._recorder: asyncio.Task[None] | None = None
        # Whether the queue may hold due rows this worker has not claimed (cleared by a claim that finds none): only
        # then does a finished send wake it to refill (rows handed over at their commit need no claim).
        self.maybe_due = True

    def wake(self) -> None:
        self.maybe_due = True
        self._wake.set()

    def lease(self, channel: str, queued: int, limit: int) -> timedelta:
        """How long a claimed delivery is reserved: every send queued ahead of it on its slot may take the whole
        timeout."""
        waits = queued // limit + 1
        return timedelta(seconds=self.channels.timeout(channel) * waits + self.settings.lease_margin_seconds)

    def take(self, deliveries: list[dict[str, Any]], notes: dict[uuid.UUID, dict[str, Any]],
             reserved: dict[str, int]) -> tuple[list[Outgoing], bool]:
        """Of delivery rows about to be written, claims those due now on e-mail or SMS while their endpoint's queue
        has room (``reserved``: already taken in the same transaction): sets their attempt and lease and returns
        them to send, and whether any were left for a claim."""
        now = utcnow()
        handed: list[Outgoing] = []
        left = False
        for row in deliveries:
            endpoint = row["endpoint"]
            limit = self.limit(endpoint)
            queued = self.in_flight[endpoint] + reserved[endpoint]
            if (self._closing or endpoint not in ("email", "sms") or row["next_attempt_at"] > now
                    or queued >= limit * self.settings.delivery_queue_per_slot):
                left = True
                continue
            note = notes[row["notification_id"]]
            row["attempts"], row["next_attempt_at"] = 1, now + self.lease(row["channel"], queued, limit)
            reserved[endpoint] += 1
            handed.append(Outgoing(notification_id=str(row["notification_id"]), channel=row["channel"],
                                   endpoint=endpoint, target=row["target"], subject=note["subject"] or note["event_type"],
                                   body=note["body"], event_type=note["event_type"], attempt=1))
        return handed, left

    def start(self, outs: list[Outgoing]) -> None:
        """Sends claimed deliveries, each in its own task (it waits for a slot of its endpoint)."""
        for out in outs:
            self.in_flight[out.endpoint] += 1
            task = asyncio.create_task(self.deliver(out), name=f"deliver-{out.notification_id}")
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def limit(self, endpoint: str) -> int:
        s = self.settings
        if endpoint.startswith("webhook:"):
            return s.webhook_concurrency
        return s.smtp_concurrency if endpoint == "email" else s.sms_concurrency

    async def run(self) -> None:
        try:
            while True:
                self._wake.clear()
                try:
                    claimed = await self.claim()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if stopping():
                        raise
                    log.exception("claiming deliveries failed; retrying")
                    claimed = []
                    await asyncio.sleep(self.settings.delivery_poll_seconds)
                self.start(claimed)
                if len(claimed) >= self.settings.delivery_batch:
                    continue
                try:
                    await bounded(self._wake.wait(), self.settings.delivery_poll_seconds)
                    # Woken by a commit that queued deliveries: let the next few commits queue theirs too,
                    # so one claim takes them all instead of a claim transaction per consumer commit.
                    await asyncio.sleep(self.settings.delivery_coalesce_seconds)
                except TimeoutError:
                    pass
        finally:
            await self.drain()

    async def drain(self, grace: float = 5.0) -> None:
        """On shutdown: let sends in flight finish (bounded) and record them, so a restart does not repeat them;
        hand back the claimed deliveries that never began to send."""
        self._closing = True
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=grace)
        for task in set(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._recorder is not None:
            await asyncio.wait([self._recorder], timeout=grace)
        if self._unsent:
            await self.hand_back(self._unsent)
        await self.channels.close()

    async def hand_back(self, unsent: list[Outgoing]) -> None:
        """Claimed deliveries this worker never began to send are due again at once (not after their lease)."""
        try:
            async with self.db.transaction() as session:
                conn = await session.connection()
                await conn.execute(
                    update(DELIVERIES).where(DELIVERIES.c.notification_id == bindparam("b_id"),
                                             DELIVERIES.c.status == "pending", DELIVERIES.c.attempts == bindparam("b_attempt"))
                    .values(attempts=DELIVERIES.c.attempts - 1, next_attempt_at=utcnow()),
                    [{"b_id": uuid.UUID(o.notification_id), "b_attempt": o.attempt} for o in unsent])
        except Exception as exc:  # the leases expire and the rows are sent then
            log.warning("handing back %d unsent deliveries failed: %r", len(unsent), exc)

    async def claim(self) -> list[Outgoing]:
        """Claims due deliveries, per endpoint up to ``delivery_queue_per_slot`` per slot less those it holds
        (FOR UPDATE SKIP LOCKED); reads their messages and subscriptions in one query each and pushes their
        leases in one statement."""
        now = utcnow()
        async with self.db.transaction() as session:
            conn = await session.connection()
            due = (await conn.execute(
                select(DELIVERIES.c.endpoint, func.count()).where(DELIVERIES.c.status == "pending",
                                                                  DELIVERIES.c.next_attempt_at <= now)
                .group_by(DELIVERIES.c.endpoint))).all()
            self.maybe_due = bool(due)
            if not due:
                return []
            paused = {f"webhook:{i}" for i in (await conn.execute(
                select(SUBSCRIPTIONS.c.id).where(SUBSCRIPTIONS.c.status == "paused"))).scalars()}
            threshold = self.settings.webhook_pause_after_failures
            self.paused = paused | {e for e in self.paused if self.in_flight[e] and self.failures.get(e, 0) >= threshold}
            quiet_end = quiet_until(now, self.settings.timezone, self.settings.sms_quiet_hours)
            budget = self.settings.delivery_batch
            claimed: list[dict[str, Any]] = []
            waiting: list[dict[str, Any]] = []
            for endpoint, _count in due:
                limit = self.limit(endpoint)
                queued = self.in_flight[endpoint]
                free = min(limit * self.settings.delivery_queue_per_slot - queued, budget)
                if endpoint in paused or free <= 0:
                    continue
                rows = (await conn.execute(
                    select(DELIVERIES).where(DELIVERIES.c.endpoint == endpoint, DELIVERIES.c.status == "pending",
                                             DELIVERIES.c.next_attempt_at <= now)
                    .order_by(DELIVERIES.c.urgent.desc(), DELIVERIES.c.next_attempt_at).limit(free)
                    .with_for_update(skip_locked=True))).all()
                for row in rows:
                    if row.channel == "sms" and not row.urgent and quiet_end is not None:
                        # Not an attempt: due again when the quiet hours end.
                        waiting.append({"notification_id": row.notification_id, "next_attempt_at": quiet_end})
                        continue
                    claimed.append({**row._asdict(), "attempts": row.attempts + 1,
                                    "next_attempt_at": now + self.lease(row.channel, queued, limit)})
                    queued += 1
                    budget -= 1
            ids = [c["notification_id"] for c in claimed]
            notes = {n.id: n for n in (await conn.execute(
                select(NOTIFICATIONS.c.id, NOTIFICATIONS.c.subject, NOTIFICATIONS.c.body, NOTIFICATIONS.c.event_type)
                .where(among(conn, NOTIFICATIONS.c.id, ids)))).all()} if ids else {}
            hooks = {_subscription_id(c["endpoint"]) for c in claimed if c["endpoint"].startswith("webhook:")}
            subs = {sub.id: sub for sub in (await session.exec(
                select(Subscription).where(among(conn, col(Subscription.id), hooks)))).all()} if hooks else {}
            for sub in subs.values():
                endpoint = f"webhook:{sub.id}"
                if not self.in_flight[endpoint]:  # nothing of ours outstanding: the database knows best
                    self.failures[endpoint] = sub.consecutive_failures
            out: list[Outgoing] = []
            for c in claimed:
                note = notes.get(c["notification_id"])
                sub = subs.get(_subscription_id(c["endpoint"])) if c["endpoint"].startswith("webhook:") else None
                if note is None or (c["endpoint"].startswith("webhook:") and sub is None):
                    c["status"] = "failed"
                    continue
                out.append(Outgoing(notification_id=str(c["notification_id"]), channel=c["channel"],
                                    endpoint=c["endpoint"], target=c["target"],
                                    subject=note.subject or note.event_type, body=note.body,
                                    event_type=note.event_type, attempt=c["attempts"], subscription=sub))
            await update_rows_async(conn, DELIVERIES, [
                {"notification_id": c["notification_id"], "attempts": c["attempts"],
                 "next_attempt_at": c["next_attempt_at"], "updated_at": now, "status": c["status"]} for c in claimed],
                key="notification_id")
            await update_rows_async(conn, DELIVERIES, waiting, key="notification_id")
        return out

    async def deliver(self, out: Outgoing) -> None:
        error: str | None = None
        http_status: int | None = None
        slot = self.slots.setdefault(out.endpoint, asyncio.Semaphore(self.limit(out.endpoint)))
        try:
            try:
                await slot.acquire()
            except asyncio.CancelledError:
                self._unsent.append(out)  # stopped while queued: handed back on shutdown, not left to its lease
                raise
            if self._closing or out.endpoint in self.paused:
                # Shutting down (sends in flight finish, queued ones are handed back), or the subscription was
                # paused after this delivery was claimed: no attempt, the row is due again as it was.
                slot.release()
                self._unsent.append(out)
                self.in_flight[out.endpoint] -= 1
                self._start_recorder()
                return
            try:
                started, t0 = utcnow(), time.perf_counter()
                try:
                    http_status = await asyncio.wait_for(self.channels.send(out), self.channels.timeout(out.channel))
                except TimeoutError:
                    error = f"timed out after {self.channels.timeout(out.channel):g}s"
                except DeliveryError as exc:
                    error, http_status = str(exc), exc.http_status
                except Exception as exc:  # noqa: BLE001 (connection refused, DNS, TLS...: all are a failed attempt)
                    error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                latency = time.perf_counter() - t0
            finally:
                slot.release()
        except asyncio.CancelledError:
            self.in_flight[out.endpoint] -= 1
            raise
        self.in_flight[out.endpoint] -= 1
        if out.subscription is not None:
            count = self.failures.get(out.endpoint, 0) + 1 if error else 0
            self.failures[out.endpoint] = count
            if count >= self.settings.webhook_pause_after_failures:
                self.paused.add(out.endpoint)  # recorded as paused with this result; queued ones are handed back
        attempts_total.labels(out.channel, "failed" if error else "delivered").inc()
        latency_seconds.labels(out.channel).observe(latency)
        if error:
            log.warning("delivery %s to %s (%s) attempt %d failed: %s", out.notification_id, mask_contact(out.target),
                        out.channel, out.attempt, error)
        self._results.append(Result(out=out, started=started, latency=latency, error=error, http_status=http_status))
        self._start_recorder()

    def _start_recorder(self) -> None:
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_results(), name="record-deliveries")

    async def _record_results(self) -> None:
        """Records the results of sends that finished, together in one transaction, until none are left; hands
        back the deliveries that were not attempted."""
        while self._results or (self._unsent and not self._closing):  # on shutdown drain() hands back
            if self._unsent and not self._closing:
                unsent, self._unsent = self._unsent, []
                await self.hand_back(unsent)
            if not self._results:
                continue
            # Sends finishing within the coalescing window join this transaction (one per window, not one per
            # few results; a crash in the window resends those messages, with the same ids, as it always could).
            await asyncio.sleep(self.settings.delivery_coalesce_seconds)
            results, self._results = self._results, []
            for attempt in range(5):  # the results must be recorded; the database may hiccup
                try:
                    await self.record(results)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("recording the results of %d deliveries failed", len(results))
                    await asyncio.sleep(0.2 * 2**attempt)
            # Refill an endpoint's queue once it is half empty (one claim for many sends, not one per result), when
            # rows may be waiting for a claim.
            if self.maybe_due and any(
                    self.in_flight[r.out.endpoint] <= self.limit(r.out.endpoint) * self.settings.delivery_queue_per_slot // 2
                    for r in results):
                self.wake()

    async def record(self, results: list[Result]) -> None:
        """Logs each attempt and applies its outcome to the delivery, its notification and its subscription."""
        now = utcnow()
        s = self.settings
        ids = sorted({uuid.UUID(r.out.notification_id) for r in results})
        async with self.db.transaction() as session:
            conn = await session.connection()
            rows = {r.notification_id: r._asdict() for r in await select_rows(conn, DELIVERIES_OF, ids=ids)}
            notes = {r.id: r._asdict() for r in await select_rows(conn, NOTIFICATIONS_OF, ids=ids)}
            before = {i: note["status"] for i, note in notes.items()}
            hooks = sorted({_subscription_id(r["endpoint"]) for r in rows.values() if r["endpoint"].startswith("webhook:")})
            subs = {r.id: r._asdict() for r in await select_rows(conn, SUBSCRIPTIONS_OF, ids=hooks)} if hooks else {}
            await insert_rows_async(conn, ATTEMPTS, [
                {"id": new_id(), "notification_id": uuid.UUID(r.out.notification_id), "attempt": r.out.attempt,
                 "started_at": r.started, "status": "failed" if r.error else "delivered",
                 "latency_ms": round(r.latency * 1000), "http_status": r.http_status,
                 "error": r.error[:500] if r.error else None} for r in results])
            changed: set[uuid.UUID] = set()
            for r in results:
                out, error = r.out, r.error
                row = rows.get(uuid.UUID(out.notification_id))
                # Idempotent transitions: only a pending row, and only the attempt that claimed it.
                if row is None or row["status"] != "pending" or (error and row["attempts"] != out.attempt):
                    continue
                changed.add(row["notification_id"])
                note = notes.get(row["notification_id"])
                sub = subs.get(_subscription_id(row["endpoint"])) if row["endpoint"].startswith("webhook:") else None
                row["updated_at"] = now
                if note is not None:
                    note["attempts"] = out.attempt
                if error is None:
                    row["status"] = "delivered"
                    if note is not None:
                        note["status"], note["delivered_at"], note["last_error"] = "delivered", now, None
                    if sub is not None:
                        sub["consecutive_failures"] = 0
                    continue
                if note is not None:
                    note["last_error"] = error[:500]
                if out.attempt >= s.max_attempts:
                    row["status"] = "failed"  # the dead letter: replay puts it back
                    if note is not None:
                        note["status"] = "failed"
                else:
                    row["next_attempt_at"] = now + timedelta(seconds=backoff(out.attempt, s.retry_base_seconds,
                                                                             s.retry_max_seconds))
                if sub is not None:
                    sub["consecutive_failures"] += 1
                    if sub["status"] == "active" and sub["consecutive_failures"] >= s.webhook_pause_after_failures:
                        sub["status"], sub["paused_at"] = "paused", now
                        self.paused.add(row["endpoint"])
                        sub["pause_reason"] = (f"{sub['consecutive_failures']} failed deliveries in a row; "
                                               f"last: {error[:200]}")
                        log.error("webhook subscription %s paused: %s", sub["id"], sub["pause_reason"])
            if not changed:
                return
            await update_rows_async(conn, DELIVERIES, [
                {k: rows[i][k] for k in ("notification_id", "status", "next_attempt_at", "updated_at")}
                for i in changed],
                key="notification_id")
            await update_rows_async(conn, NOTIFICATIONS, [
                {k: notes[i][k] for k in ("id", "status", "attempts", "delivered_at", "last_error")}
                for i in changed if i in notes], key="id")
            count_changes(session, ((notes[i]["channel"], before[i], notes[i]["status"]) for i in changed if i in notes))
            await update_rows_async(conn, SUBSCRIPTIONS, [
                {k: sub[k] for k in ("id", "status", "consecutive_failures", "paused_at", "pause_reason")}
                for sub in subs.values()], key="id")


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one send, waiting to be recorded."""

    out: Outgoing
    started: datetime
    latency: float
    error: str | None
    http_status: int | None


def _subscription_id(endpoint: str) -> uuid.UUID:
    return uuid.UUID(endpoint.split(":", 1)[1])


async def delivery_worker(app: FastAPI) -> None:
    """The background loop of create_app: sends the queue until the app stops."""
    settings: NotifySettings = app.state.settings
    if not settings.delivery_enabled:
        return
    worker = DeliveryWorker(app.state.db, settings)
    app.state.delivery = worker
    _workers[settings.database_url].add(worker)  # recording that queues deliveries wakes it after the commit
    try:
        await worker.run()
    finally:
        _workers[settings.database_url].discard(worker)
