"""The reporter's view moved by dispatch's events (consumed from Kafka), feedback once resolved
(a dissatisfied rating inside the window asks dispatch to reopen), and photo attachments."""

from __future__ import annotations

import asyncio
import struct
import uuid
import zlib
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from intake.models import Attachment, Report
from intake_testing import outbox_events
from onegrid_contracts import to_kafka
from onegrid_contracts.events import CaseAccepted, CaseDispatched, CaseResolved, RoutingDecision
from onegrid_devstack.flows import token
from sqlmodel import select


async def _send(kafka_bootstrap, topic_prefix, *events) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            key, value, headers = to_kafka(event, source="/onegrid/YYB/dispatch")
            await producer.send_and_wait(f"{topic_prefix}.dispatch.v1", value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def _until(intake, case_id, resident, status) -> dict:
    for _ in range(150):
        view = (await intake.get(f"/v1/reports/{case_id}", headers=resident)).json()
        if view["status"] == status:
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"the reporter's view did not reach {status}: {view}")


async def test_view_follows_dispatch_and_a_dissatisfied_rating_in_the_window_asks_to_reopen(intake, kafka_bootstrap, topic_prefix):
    resident = token("resident", subject="r-rate")
    made = (await intake.post("/v1/reports", headers=resident,
                              json={"category": "C08", "grid": "G010", "description": "路灯不亮"})).json()
    case_id = uuid.UUID(made["case_id"])
    early = await intake.post(f"/v1/reports/{case_id}/feedback", headers=resident, json={"rating": 1})
    assert early.status_code == 409 and "resolved" in early.json()["detail"]

    now = datetime.now(UTC)
    deadline = now + timedelta(days=5)
    await _send(kafka_bootstrap, topic_prefix,
                CaseDispatched(case_id=case_id, jurisdiction="YYB", department="D11", deadline_at=deadline,
                               routing=RoutingDecision(method="rule", rule_id="catalog:C08"), occurred_at=now),
                CaseAccepted(case_id=case_id, jurisdiction="YYB", department="D11", occurred_at=now + timedelta(seconds=1)),
                CaseResolved(case_id=case_id, jurisdiction="YYB", department="D11", note="换了灯泡",
                             occurred_at=now + timedelta(seconds=2)))
    view = await _until(intake, case_id, resident, "resolved")
    assert view["department"] == "D11" and view["department_name"] == "Town Construction and Housing Office"
    assert datetime.fromisoformat(view["expected_at"]) == deadline and view["can_rate"] is True
    assert "Town Construction and Housing Office reports it done" in view["status_text"]
    assert [t["status"] for t in view["timeline"]] == ["received", "dispatched", "in_progress", "resolved"]

    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 4.5}, {"rating": True},
                {"rating": 3, "comment": "x" * 1001}, {"rating": 3, "extra": 1}):
        answer = await intake.post(f"/v1/reports/{case_id}/feedback", headers=resident, json=bad)
        assert answer.status_code == 422, (bad, answer.text)
    stranger = await intake.post(f"/v1/reports/{case_id}/feedback", headers=token("resident", subject="r-x"),
                                 json={"rating": 1})
    assert stranger.status_code == 403
    rated = await intake.post(f"/v1/reports/{case_id}/feedback", headers=resident,
                              json={"rating": 2, "comment": "灯又灭了"})
    assert rated.status_code == 200, rated.text
    assert rated.json()["reopen_requested"] is True
    twice = await intake.post(f"/v1/reports/{case_id}/feedback", headers=resident, json={"rating": 5})
    assert twice.status_code == 409 and "already rated" in twice.json()["detail"]
    kind, event = (await outbox_events(intake.app, 2))[-1]
    assert kind == "onegrid.case.rated" and event["rating"] == 2 and event["reopen_requested"] is True
    assert event["comment"] == "灯又灭了" and event["case_id"] == str(case_id)
    view = (await intake.get(f"/v1/reports/{case_id}", headers=resident)).json()
    assert view["can_rate"] is False and view["feedback"][0]["rating"] == 2


async def test_outside_the_window_a_bad_rating_does_not_reopen_and_a_good_one_never_does(intake):
    resident = token("resident", subject="r-late")
    ids = []
    for grid in ("G011", "G012"):
        made = (await intake.post("/v1/reports", headers=resident,
                                  json={"category": "C01", "grid": grid, "description": f"垃圾 {grid}"})).json()
        ids.append(uuid.UUID(made["case_id"]))
    async with intake.app.state.db.transaction() as s:
        for case_id, days in zip(ids, (8, 1)):
            report = (await s.exec(select(Report).where(Report.id == case_id))).one()
            report.status, report.resolved_at = "closed", datetime.now(UTC) - timedelta(days=days)
            s.add(report)
    late = (await intake.post(f"/v1/reports/{ids[0]}/feedback", headers=resident, json={"rating": 1})).json()
    assert late["reopen_requested"] is False and "not reopened" in late["message"]
    happy = (await intake.post(f"/v1/reports/{ids[1]}/feedback", headers=resident, json={"rating": 5})).json()
    assert happy["reopen_requested"] is False


def _png(extra: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00" + b"\x00" * extra
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def test_photos_upload_with_type_and_size_limits_and_attach_to_a_report(make_intake):
    intake = await make_intake(upload_max_bytes=2000)
    resident = token("resident", subject="r-photo")
    up = await intake.post("/v1/attachments", headers=resident, files={"file": ("a.png", _png(), "image/png")})
    assert up.status_code == 201, up.text
    photo = up.json()
    assert photo["content_type"] == "image/png" and photo["size"] == len(_png())
    fake = await intake.post("/v1/attachments", headers=resident,
                             files={"file": ("a.jpg", b"<html>not a photo</html>", "image/jpeg")})
    assert fake.status_code == 415 and "image/png" in fake.json()["detail"]
    big = await intake.post("/v1/attachments", headers=resident, files={"file": ("b.png", _png(5000) + b"\0" * 3000, "image/png")})
    assert big.status_code == 413
    empty = await intake.post("/v1/attachments", headers=resident, files={"file": ("c.png", b"", "image/png")})
    assert empty.status_code == 422

    someone = await intake.post("/v1/reports", headers=token("resident", subject="r-other"),
                                json={"description": "x", "grid": "G020", "attachments": [photo["id"]]})
    assert someone.status_code == 422 and "someone else" in someone.json()["detail"]
    made = await intake.post("/v1/reports", headers=resident,
                             json={"description": "墙上裂缝", "grid": "G020", "attachments": [photo["id"]]})
    assert made.status_code == 202, made.text
    case_id = made.json()["case_id"]
    reported = [e for t, e in await outbox_events(intake.app) if t == "onegrid.case.reported"][-1]
    assert reported["attachments"] == [f"/v1/attachments/{photo['id']}"]
    reuse = await intake.post("/v1/reports", headers=resident,
                              json={"description": "另一个", "grid": "G021", "attachments": [photo["id"]]})
    assert reuse.status_code == 422 and "already belongs" in reuse.json()["detail"]

    view = (await intake.get(f"/v1/reports/{case_id}", headers=resident)).json()
    assert [a["id"] for a in view["attachments"]] == [photo["id"]]
    image = await intake.get(f"/v1/attachments/{photo['id']}", headers=resident)
    assert image.status_code == 200 and image.content == _png() and image.headers["content-type"] == "image/png"
    assert (await intake.get(f"/v1/attachments/{photo['id']}", headers=token("resident", subject="r-x"))).status_code == 403
    async with intake.app.state.db.transaction() as s:
        assert len((await s.exec(select(Attachment))).all()) == 1
