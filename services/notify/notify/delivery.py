"""The delivery worker: sends what the queue (`delivery` table) holds, never in the way of anything.

* Consumption only writes rows; this loop (started through ``create_app(background=[...])``)
  sends them. It is woken after every commit that recorded notifications, and polls as a fallback.
* Claiming: due rows are selected ``FOR UPDATE SKIP LOCKED`` per endpoint, only as many as the
  endpoint has free slots (per-endpoint concurrency), and their ``next_attempt_at`` is pushed past
  the send timeout as a lease. Several replicas never claim the same row; a worker that dies
  mid-send leaves a lease that expires, and the row is sent again (same delivery id / Message-ID).
* Each send runs in its own task with a timeout, so a slow or dead endpoint only ever occupies
  its own slots. Every attempt is logged (time, outcome, latency, error).
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
from datetime import datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from onegrid_runtime.db import Database, utcnow
from prometheus_client import Counter, Histogram
from sqlmodel import col, func, select

from notify.channels import Channels, DeliveryError, Outgoing
from notify.config import NotifySettings
from notify.messages import mask_contact
from notify.models import Delivery, DeliveryAttempt, Notification, Subscription

log = logging.getLogger("onegrid.notify.delivery")
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


def backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: half the doubled delay fixed, half random."""
    delay = min(base * 2 ** max(attempt - 1, 0), cap)
    return delay / 2 + random.uniform(0, delay / 2)


class DeliveryWorker:
    def __init__(self, db: Database, settings: NotifySettings, channels: Channels | None = None) -> None:
        self.db = db
        self.settings = settings
        self.channels = channels or Channels(settings)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

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
                    log.exception("claiming deliveries failed; retrying")
                    claimed = []
                    await asyncio.sleep(self.settings.delivery_poll_seconds)
                for out in claimed:
                    task = asyncio.create_task(self.deliver(out), name=f"deliver-{out.notification_id}")
                    self.tasks.add(task)
                    task.add_done_callback(self.tasks.discard)
                if len(claimed) >= self.settings.delivery_batch:
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.delivery_poll_seconds)
                except TimeoutError:
                    pass
        finally:
            await self.drain()

    async def drain(self, grace: float = 5.0) -> None:
        """On shutdown: let sends in flight finish (bounded), so a restart does not repeat them."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=grace)
        for task in set(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.channels.close()

    async def claim(self) -> list[Outgoing]:
        """Claims due deliveries, per endpoint no more than its free slots (FOR UPDATE SKIP LOCKED)."""
        now = utcnow()
        claimed: list[tuple[Delivery, Notification, Subscription | None]] = []
        async with self.db.transaction() as session:
            due = (await session.exec(
                select(Delivery.endpoint, func.count()).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .group_by(col(Delivery.endpoint)))).all()
            if not due:
                return []
            paused = {f"webhook:{i}" for i in (await session.exec(
                select(Subscription.id).where(Subscription.status == "paused"))).all()}
            quiet_end = quiet_until(now, self.settings.timezone, self.settings.sms_quiet_hours)
            budget = self.settings.delivery_batch
            for endpoint, _count in due:
                free = min(self.limit(endpoint) - self.in_flight[endpoint], budget)
                if endpoint in paused or free <= 0:
                    continue
                rows = (await session.exec(
                    select(Delivery).where(Delivery.endpoint == endpoint, Delivery.status == "pending",
                                           Delivery.next_attempt_at <= now)
                    .order_by(col(Delivery.urgent).desc(), col(Delivery.next_attempt_at)).limit(free)
                    .with_for_update(skip_locked=True))).all()
                lease = timedelta(seconds=self.channels.timeout(rows[0].channel) + self.settings.lease_margin_seconds) \
                    if rows else timedelta()
                for row in rows:
                    if row.channel == "sms" and not row.urgent and quiet_end is not None:
                        row.next_attempt_at = quiet_end  # not an attempt: waits for the morning
                        session.add(row)
                        continue
                    row.attempts += 1
                    row.next_attempt_at = now + lease
                    row.updated_at = now
                    session.add(row)
                    note = await session.get(Notification, row.notification_id)
                    sub = await session.get(Subscription, _subscription_id(endpoint)) \
                        if endpoint.startswith("webhook:") else None
                    if note is None or (endpoint.startswith("webhook:") and sub is None):
                        row.status = "failed"
                        continue
                    claimed.append((row, note, sub))
                    budget -= 1
        out = []
        for row, note, sub in claimed:
            self.in_flight[row.endpoint] += 1
            out.append(Outgoing(notification_id=str(row.notification_id), channel=row.channel, endpoint=row.endpoint,
                                target=row.target, subject=note.subject or note.event_type, body=note.body,
                                event_type=note.event_type, attempt=row.attempts, subscription=sub))
        return out

    async def deliver(self, out: Outgoing) -> None:
        started, t0 = utcnow(), time.perf_counter()
        error: str | None = None
        http_status: int | None = None
        try:
            http_status = await asyncio.wait_for(self.channels.send(out), self.channels.timeout(out.channel))
        except asyncio.CancelledError:
            self.in_flight[out.endpoint] -= 1
            raise
        except TimeoutError:
            error = f"timed out after {self.channels.timeout(out.channel):g}s"
        except DeliveryError as exc:
            error, http_status = str(exc), exc.http_status
        except Exception as exc:  # noqa: BLE001 (connection refused, DNS, TLS...: all are a failed attempt)
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        latency = time.perf_counter() - t0
        self.in_flight[out.endpoint] -= 1
        attempts_total.labels(out.channel, "failed" if error else "delivered").inc()
        latency_seconds.labels(out.channel).observe(latency)
        if error:
            log.warning("delivery %s to %s (%s) attempt %d failed: %s", out.notification_id, mask_contact(out.target),
                        out.channel, out.attempt, error)
        for attempt in range(5):  # the result must be recorded; the database may hiccup
            try:
                await self.record(out, started=started, latency=latency, error=error, http_status=http_status)
                break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("recording the result of delivery %s failed", out.notification_id)
                await asyncio.sleep(0.2 * 2**attempt)
        self.wake()

    async def record(self, out: Outgoing, *, started: datetime, latency: float, error: str | None,
                     http_status: int | None) -> None:
        now = utcnow()
        s = self.settings
        async with self.db.transaction() as session:
            row = await session.get(Delivery, uuid.UUID(out.notification_id), with_for_update=True)
            session.add(DeliveryAttempt(notification_id=uuid.UUID(out.notification_id), attempt=out.attempt,
                                        started_at=started, status="failed" if error else "delivered",
                                        latency_ms=round(latency * 1000), http_status=http_status,
                                        error=error[:500] if error else None))
            # Idempotent transitions: only a pending row, and only the attempt that claimed it.
            if row is None or row.status != "pending" or (error and row.attempts != out.attempt):
                return
            note = await session.get(Notification, row.notification_id, with_for_update=True)
            sub = await session.get(Subscription, _subscription_id(row.endpoint), with_for_update=True) \
                if row.endpoint.startswith("webhook:") else None
            row.updated_at = now
            if note is not None:
                note.attempts = out.attempt
            if error is None:
                row.status = "delivered"
                if note is not None:
                    note.status, note.delivered_at, note.last_error = "delivered", now, None
                if sub is not None and sub.consecutive_failures:
                    sub.consecutive_failures = 0
            else:
                if note is not None:
                    note.last_error = error[:500]
                if out.attempt >= s.max_attempts:
                    row.status = "failed"  # the dead letter: replay puts it back
                    if note is not None:
                        note.status = "failed"
                else:
                    row.next_attempt_at = now + timedelta(seconds=backoff(out.attempt, s.retry_base_seconds,
                                                                          s.retry_max_seconds))
                if sub is not None:
                    sub.consecutive_failures += 1
                    if sub.status == "active" and sub.consecutive_failures >= s.webhook_pause_after_failures:
                        sub.status, sub.paused_at = "paused", now
                        sub.pause_reason = f"{sub.consecutive_failures} failed deliveries in a row; last: {error[:200]}"
                        log.error("webhook subscription %s paused: %s", sub.id, sub.pause_reason)
            session.add(row)
            for item in (note, sub):
                if item is not None:
                    session.add(item)


def _subscription_id(endpoint: str) -> uuid.UUID:
    return uuid.UUID(endpoint.split(":", 1)[1])


async def delivery_worker(app: FastAPI) -> None:
    """The background loop of create_app: sends the queue until the app stops."""
    settings: NotifySettings = app.state.settings
    if not settings.delivery_enabled:
        return
    worker = DeliveryWorker(app.state.db, settings)
    app.state.delivery = worker
    app.state.db.on_outbox_commit(worker.wake)  # recording notifications writes outbox rows: wake at once
    await worker.run()
