"""Webhooks against a real HTTP receiver that verifies signatures as a receiving system would:
filters, secret rotation, retries until a receiver comes back, dead letters and replay, automatic
pause, a slow receiver that holds up nobody, restarts and two replicas without duplicates."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from onegrid_contracts.events import CaseClosed, CaseDispatched, RoutingDecision


def dispatched(department: str = "D11", case_id: uuid.UUID | None = None, **extra) -> CaseDispatched:
    return CaseDispatched(case_id=case_id or uuid.uuid4(), jurisdiction="YYB", department=department,
                          deadline_at=datetime(2026, 12, 10, tzinfo=UTC),
                          routing=RoutingDecision(method="rule", rule_id="catalog:C08"), **extra)


async def subscribe(notify, peers, receiver, name: str, **body) -> dict:
    answer = await notify.post("/v1/subscriptions", headers=peers.SYSTEM, json={
        "name": name, "url": receiver.url(name), "event_types": ["onegrid.case.*"], **body})
    assert answer.status_code == 201, answer.text
    sub = answer.json()
    receiver.secrets[name] = [sub["secret"]]
    return sub


async def test_signed_deliveries_follow_filters_and_survive_secret_rotation(
        notify_settings, start_notify, produce, receiver, peers):
    notify = await start_notify(notify_settings())
    d11 = await subscribe(notify, peers, receiver, "d11", departments=["D11"])
    await subscribe(notify, peers, receiver, "d07", departments=["D07"])
    closed_only = await subscribe(notify, peers, receiver, "closed", event_types=["onegrid.case.closed"])
    case_id = uuid.uuid4()
    await produce(dispatched("D11", case_id))
    await peers.eventually(lambda: _async(len(receiver.of("d11")) == 1), "the D11 subscriber's delivery")
    got = receiver.of("d11")[0]
    assert got.event_type == "onegrid.case.dispatched" and got.body["specversion"] == "1.0"
    assert got.body["subject"] == str(case_id) and got.body["data"]["department"] == "D11"
    assert receiver.rejected == []

    # Rotation: the new secret signs at once; during the grace period the old one still verifies too.
    rotated = (await notify.post(f"/v1/subscriptions/{d11['id']}/rotate-secret", headers=peers.SYSTEM)).json()
    assert rotated["secret"] != d11["secret"] and rotated["previous_secret_until"]
    receiver.secrets["d11"] = [rotated["secret"]]
    await produce(CaseClosed(case_id=case_id, jurisdiction="YYB", outcome="verified", department="D11"))
    await peers.eventually(lambda: _async(len(receiver.of("d11")) == 2 and len(receiver.of("closed")) == 1),
                           "deliveries after rotation")
    assert receiver.rejected == [] and receiver.of("d07") == []

    async def recorded():
        items = await peers.notifications(notify, case_id=case_id, channel="webhook")
        return items if all(n["status"] == "delivered" for n in items) else None

    log = await peers.eventually(recorded, "delivered statuses")
    assert Counter(n["recipient"] for n in log) == {f"webhook:{d11['id']}": 2, f"webhook:{closed_only['id']}": 1}

    # A receiver that only knows a wrong secret refuses (401): the signature really is checked.
    receiver.secrets["closed"] = ["whsec_wrong"]
    await produce(CaseClosed(case_id=uuid.uuid4(), jurisdiction="YYB", outcome="verified"))
    await peers.eventually(lambda: _async("closed" in receiver.rejected), "a refused delivery")

    # Subscriptions belong to the system that made them; bad input is named.
    other_system = peers.token("system", subject="system-other")
    assert (await notify.get(f"/v1/subscriptions/{d11['id']}", headers=other_system)).status_code == 404
    assert (await notify.get("/v1/subscriptions", headers=other_system)).json() == []
    bad = await notify.post("/v1/subscriptions", headers=peers.SYSTEM,
                            json={"name": "x", "url": "not a url", "event_types": ["onegrid.case.*"]})
    assert bad.status_code == 422 and "url" in bad.json()["detail"]
    bad = await notify.post("/v1/subscriptions", headers=peers.SYSTEM,
                            json={"name": "x", "url": "http://127.0.0.1:1/x", "event_types": ["case closed"]})
    assert bad.status_code == 422 and "case closed" in bad.json()["detail"]
    assert (await notify.post("/v1/subscriptions", headers=peers.token("resident"),
                              json={"name": "x", "url": "http://x.example/", "event_types": ["onegrid.*"]})).status_code == 403


async def test_a_receiver_that_is_down_is_retried_until_it_comes_back(
        notify_settings, start_notify, produce, peers):
    notify = await start_notify(notify_settings(max_attempts=30, retry_base_seconds=0.05, retry_max_seconds=0.3))
    later = peers.Receiver()  # its port is chosen, nothing listens on it yet: connection refused
    sub = await subscribe(notify, peers, later, "later")
    case_id = uuid.uuid4()
    await produce(dispatched("D11", case_id))

    async def failed_twice():
        items = await peers.notifications(notify, case_id=case_id, channel="webhook")
        return items if items and items[0]["attempts"] >= 2 else None

    note = (await peers.eventually(failed_twice, "two failed attempts"))[0]
    assert note["status"] == "pending" and note["last_error"]
    await later.start()
    try:
        await peers.eventually(lambda: _async(len(later.of("later")) == 1), "the delivery after the receiver came back")
        detail = await peers.eventually(lambda: _detail_when(notify, peers, note["id"], "delivered"), "delivered status")
        statuses = [a["status"] for a in detail["log"]]
        assert statuses[-1] == "delivered" and set(statuses[:-1]) == {"failed"} and len(statuses) >= 3
        assert all(a["error"] for a in detail["log"][:-1]) and detail["log"][-1]["http_status"] == 204
        assert [a["attempt"] for a in detail["log"]] == list(range(1, len(statuses) + 1))
        assert later.of("later")[0].attempt == len(statuses)
        assert (await notify.get(f"/v1/subscriptions/{sub['id']}", headers=peers.SYSTEM)).json()["consecutive_failures"] == 0
    finally:
        await later.stop()


async def test_a_receiver_that_never_comes_back_is_dead_lettered_then_replayed_and_paused(
        notify_settings, start_notify, produce, receiver, peers):
    notify = await start_notify(notify_settings(max_attempts=3, webhook_pause_after_failures=6))
    sub = await subscribe(notify, peers, receiver, "broken")
    receiver.mode["broken"] = "fail"
    case_id = uuid.uuid4()
    await produce(dispatched("D11", case_id))

    async def dead():
        items = await peers.notifications(notify, channel="webhook", status="failed")
        return items or None

    note = (await peers.eventually(dead, "the dead letter"))[0]
    detail = (await notify.get(f"/v1/notifications/{note['id']}", headers=peers.DISPATCHER)).json()
    assert [(a["attempt"], a["status"], a["http_status"]) for a in detail["log"]] == [
        (1, "failed", 500), (2, "failed", 500), (3, "failed", 500)]
    counts = {c["channel"]: c for c in (await notify.get("/v1/notifications/counts", headers=peers.DISPATCHER)).json()}
    assert counts["webhook"]["failed"] == 1
    # Only a dead letter can be replayed; the log of another notification is refused with 409.
    inbox_note = (await peers.notifications(notify, channel="inbox"))[0]
    refused = await notify.post(f"/v1/notifications/{inbox_note['id']}/replay", headers=peers.DISPATCHER)
    assert refused.status_code == 409 and "failed" in refused.json()["detail"]

    # The receiver is repaired; a manual replay delivers the dead letter.
    receiver.mode["broken"] = "ok"
    replay = await notify.post(f"/v1/notifications/{note['id']}/replay", headers=peers.DISPATCHER)
    assert replay.status_code == 200 and replay.json() == {"replayed": 1}
    await peers.eventually(lambda: _async(len(receiver.of("broken")) == 1), "the replayed delivery")
    await peers.eventually(lambda: _detail_when(notify, peers, note["id"], "delivered"), "delivered after replay")

    # An endpoint that keeps failing is paused: its deliveries wait (not attempted) until resumed.
    receiver.mode["broken"] = "fail"
    # Two more dead letters, one after the other (3 failed attempts each), make 6 failures in a row.
    for expected in (1, 2):
        await produce(dispatched("D11"))

        async def dead_letters(expected=expected):
            items = await peers.notifications(notify, channel="webhook", status="failed")
            return items if len(items) >= expected else None

        await peers.eventually(dead_letters, f"dead letter {expected} after the repair")

    async def paused():
        answer = (await notify.get(f"/v1/subscriptions/{sub['id']}", headers=peers.SYSTEM)).json()
        return answer if answer["status"] == "paused" else None

    state = await peers.eventually(paused, "the automatic pause")
    assert state["consecutive_failures"] >= 6 and "failed deliveries in a row" in state["pause_reason"]
    await produce(dispatched("D11"))  # queued while paused
    await asyncio.sleep(0.5)
    waiting = await peers.notifications(notify, channel="webhook", status="pending")
    assert len(waiting) >= 1 and all(n["attempts"] == 0 for n in waiting if n["last_error"] is None)
    receiver.mode["broken"] = "ok"
    resumed = await notify.post(f"/v1/subscriptions/{sub['id']}/resume", headers=peers.SYSTEM)
    assert resumed.json()["status"] == "active"
    replayed = await notify.post(f"/v1/subscriptions/{sub['id']}/replay", headers=peers.SYSTEM)
    assert replayed.json()["replayed"] >= 1

    async def all_delivered():
        items = await peers.notifications(notify, channel="webhook")
        return items if len(items) == 4 and all(n["status"] == "delivered" for n in items) else None  # 1 + 2 + 1 sent

    await peers.eventually(all_delivered, "every delivery after resume and replay")
    assert Counter(r.delivery_id for r in receiver.of("broken")).most_common(1)[0][1] == 1


async def test_a_slow_receiver_holds_up_neither_others_nor_consumption(
        notify_settings, start_notify, produce, receiver, peers):
    notify = await start_notify(notify_settings(webhook_concurrency=2, webhook_timeout_seconds=10))
    receiver.slow_seconds = 3.0
    await subscribe(notify, peers, receiver, "slow")
    await subscribe(notify, peers, receiver, "fast")
    receiver.mode["slow"] = "slow"
    await notify.put("/v1/recipients/department:D11", json={"email": "d11@town.example.gov"}, headers=peers.SYSTEM)
    started = time.monotonic()
    for _ in range(10):
        await produce(dispatched("D11"))

    await peers.eventually(lambda: _async(len(receiver.of("fast")) == 10), "ten fast deliveries", timeout=15)
    fast_done = time.monotonic() - started
    assert fast_done < 2.5, f"the fast receiver waited {fast_done:.1f}s behind the slow one"
    inbox = await peers.notifications(notify, channel="inbox", recipient="department:D11")
    assert len(inbox) == 10  # consumption went on

    async def emails_sent():  # and so did the other channels
        return len(await peers.notifications(notify, channel="email", status="delivered")) == 10

    await peers.eventually(emails_sent, "ten e-mails", timeout=1.0)
    assert len(receiver.of("slow")) == 0  # the slow one is still on its first two (limit 2) requests
    await peers.eventually(lambda: _async(len(receiver.of("slow")) == 10), "the slow receiver's deliveries", timeout=40)
    assert len({r.delivery_id for r in receiver.of("slow")}) == 10


async def test_restart_mid_send_redelivery_and_two_replicas_deliver_each_message_exactly_once(
        notify_settings, start_notify, produce, receiver, peers):
    import httpx
    from notify.main import build_app

    settings = notify_settings()
    app = build_app(settings)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    first = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify")
    try:
        await subscribe(first, peers, receiver, "hub", event_types=["onegrid.case.dispatched"])
        receiver.mode["hub"], receiver.slow_seconds = "slow", 1.0
        ids = [await produce(dispatched("D11")) for _ in range(3)]
        await peers.eventually(lambda: _async(receiver.requests >= 3), "three sends in flight")
    finally:
        await lifespan.__aexit__(None, None, None)  # stop while three sends are in flight
        await first.aclose()
    # The sends in flight finished during shutdown and were recorded: nothing is left to resend.
    assert len(receiver.of("hub")) == 3

    receiver.mode["hub"] = "ok"
    replicas = [await start_notify(settings), await start_notify(settings)]  # restarted, and a second replica
    for event_id in ids:  # Kafka redelivers the first three events after the restart
        await produce(dispatched("D11"), event_id=event_id)
    for _ in range(30):
        await produce(dispatched("D11"))

    async def all_delivered():
        items = await peers.notifications(replicas[0], channel="webhook")
        return items if len(items) == 33 and all(n["status"] == "delivered" for n in items) else None

    await peers.eventually(all_delivered, "33 deliveries by two replicas", timeout=45)
    await asyncio.sleep(0.5)
    per_delivery = Counter(r.delivery_id for r in receiver.of("hub"))
    assert len(per_delivery) == 33 and max(per_delivery.values()) == 1


async def _async(value):
    return value


async def _detail_when(notify, peers, notification_id: str, status: str):
    detail = (await notify.get(f"/v1/notifications/{notification_id}", headers=peers.DISPATCHER)).json()
    return detail if detail["status"] == status else None


async def _count(notify, peers, channel: str, n: int):
    return len(await peers.notifications(notify, channel=channel)) >= n
