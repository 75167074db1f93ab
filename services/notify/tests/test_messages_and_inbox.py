"""From events to messages: rules, templates in the recipient's language, inbox, e-mail (real SMTP
server), SMS (file provider), exactly once across redelivery; the inbox and delivery-log APIs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from onegrid_contracts.events import CaseAccepted, CaseDispatched, CaseReported, CaseVerified, RoutingDecision


def reported(case_id: uuid.UUID, **extra) -> CaseReported:
    values = {"case_id": case_id, "jurisdiction": "YYB", "case_number": "YYB-2026-000777", "channel": "resident_app",
                  "description": "路灯坏了三盏，联系电话13912345678", "category": "C08", "grid": "G007", "community": "CM02",
                  "reporter_id": "r-en"}
    return CaseReported(**{**values, **extra})


def dispatched(case_id: uuid.UUID, **extra) -> CaseDispatched:
    values = {"case_id": case_id, "jurisdiction": "YYB", "department": "D11",
                  "deadline_at": datetime(2026, 12, 10, 9, 30, tzinfo=UTC),
                  "routing": RoutingDecision(method="rule", rule_id="catalog:C08")}
    return CaseDispatched(**{**values, **extra})


def sms_lines(settings) -> list[dict]:
    path = Path(settings.sms_file)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


async def test_events_become_messages_in_each_recipients_language_exactly_once(
        notify_settings, start_notify, produce, smtp_server, peers):
    settings = notify_settings()
    notify = await start_notify(settings)
    for address, body in (("resident:r-en", {"language": "en", "phone": "+8613800000001"}),
                          ("department:D11", {"email": "d11-queue@town.example.gov"})):
        answer = await notify.put(f"/v1/recipients/{address}", json=body, headers=peers.SYSTEM)
        assert answer.status_code == 200, answer.text
    case_id = uuid.uuid4()
    first = await produce(reported(case_id))
    # Dispatch reacts to intake's event, so in production the report is known first; wait for it here.
    await peers.eventually(lambda: peers.notifications(notify, case_id=case_id), "the report's notifications")
    second = await produce(dispatched(case_id))

    state: list = []

    async def all_delivered():
        items = await peers.notifications(notify, case_id=case_id)
        state[:] = [(n["event_type"], n["recipient"], n["channel"], n["status"], n["last_error"]) for n in items]
        return items if len(items) == 7 and all(n["status"] == "delivered" for n in items) else None

    try:
        items = await peers.eventually(all_delivered, "7 delivered notifications")
    except AssertionError:
        raise AssertionError(f"not all delivered: {state}") from None
    by = {(n["event_type"].rsplit(".", 1)[-1], n["recipient"], n["channel"]): n for n in items}
    assert set(by) == {
        ("reported", "resident:r-en", "inbox"), ("reported", "resident:r-en", "sms"), ("reported", "grid:G007", "inbox"),
        ("dispatched", "department:D11", "inbox"), ("dispatched", "department:D11", "email"),
        ("dispatched", "resident:r-en", "inbox"), ("dispatched", "resident:r-en", "sms"),
    }
    # The resident reads English, the department and the grid member Chinese (the town's default).
    resident_note = by[("dispatched", "resident:r-en", "inbox")]
    assert resident_note["language"] == "en"
    assert "YYB-2026-000777" in resident_note["body"] and "Town Construction" in resident_note["body"]
    assert "Deadline: 2026-12-10 17:30" in resident_note["body"]  # in the town's time zone
    assert "https://onegrid.local/cases/" in resident_note["body"]
    department_note = by[("dispatched", "department:D11", "inbox")]
    assert department_note["language"] == "zh" and "已派发" in department_note["subject"]
    assert "请及时签收办理" in department_note["body"] and "路灯不亮" in department_note["body"]
    # Phone numbers inside free text never travel whole.
    assert "13912345678" not in json.dumps(items, ensure_ascii=False)
    assert "139****5678" in by[("reported", "resident:r-en", "inbox")]["body"]

    # E-mail reached the real SMTP server, SMS the provider's file.
    assert len(smtp_server.messages) == 1
    rcpt, mail = smtp_server.messages[0]
    assert rcpt == ["d11-queue@town.example.gov"]
    assert "YYB-2026-000777" in mail["Subject"] and "已派发" in mail["Subject"]
    assert mail["Message-ID"] == f"<{by[('dispatched', 'department:D11', 'email')]['id']}@notify.onegrid>"
    assert "村镇建设" in mail.get_content()
    sms = sms_lines(settings)
    assert sorted(s["to"] for s in sms) == ["+8613800000001"] * 2
    assert all(s["text"].startswith("[OneGrid]") and "YYB-2026-000777" in s["text"] for s in sms)

    # Kafka redelivers both events (same CloudEvents ids): nothing is recorded or sent twice.
    await produce(reported(case_id), event_id=first)
    await produce(dispatched(case_id), event_id=second)
    await produce(CaseVerified(case_id=case_id, jurisdiction="YYB"))  # no rule: no message
    await produce(CaseAccepted(case_id=case_id, jurisdiction="YYB", department="D11"))  # same partition, after them

    async def accepted_seen():
        now = await peers.notifications(notify, case_id=case_id)
        return now if any(n["event_type"] == "onegrid.case.accepted" for n in now) else None

    after = await peers.eventually(accepted_seen, "the accepted notification")
    assert len(after) == 8 and not any(n["event_type"] == "onegrid.case.verified" for n in after)
    assert len(smtp_server.messages) == 1 and len(sms_lines(settings)) == 2
    counts = (await notify.get("/v1/notifications/counts", headers=peers.DISPATCHER)).json()
    assert {c["channel"]: (c["delivered"], c["failed"], c["pending"]) for c in counts} == {
        "inbox": (5, 0, 0), "sms": (2, 0, 0), "email": (1, 0, 0), "webhook": (0, 0, 0)}

    # Every attempt is in the delivery log.
    detail = (await notify.get(f"/v1/notifications/{by[('dispatched', 'department:D11', 'email')]['id']}",
                               headers=peers.DISPATCHER)).json()
    assert [(a["attempt"], a["status"]) for a in detail["log"]] == [(1, "delivered")]
    assert detail["log"][0]["latency_ms"] >= 0 and detail["log"][0]["error"] is None

    # The in-app inbox: each user sees their own and their queue's messages, read marks per user.
    resident = peers.token("resident", subject="r-en")
    inbox = (await notify.get("/v1/inbox", headers=resident)).json()
    assert inbox["total"] == inbox["unread"] == 3
    assert [i["event_type"] for i in inbox["items"]][-1] == "onegrid.case.reported"  # newest first
    read = await notify.post(f"/v1/inbox/{inbox['items'][0]['id']}/read", headers=resident)
    assert read.status_code == 204
    assert (await notify.post(f"/v1/inbox/{inbox['items'][0]['id']}/read", headers=resident)).status_code == 204
    again = (await notify.get("/v1/inbox", headers=resident)).json()
    assert again["unread"] == 2 and again["items"][0]["read"] is True
    assert (await notify.get("/v1/inbox", params={"unread": True}, headers=resident)).json()["total"] == 2
    other = peers.token("resident", subject="someone-else")
    assert (await notify.get("/v1/inbox", headers=other)).json()["total"] == 0
    stolen = await notify.post(f"/v1/inbox/{inbox['items'][0]['id']}/read", headers=other)
    assert stolen.status_code == 404 and stolen.headers["content-type"] == "application/problem+json"
    staff = peers.token("dept_staff", department="D11")
    staff_inbox = (await notify.get("/v1/inbox", headers=staff)).json()
    assert [i["event_type"] for i in staff_inbox["items"]] == ["onegrid.case.dispatched"]
    assert (await notify.post("/v1/inbox/read", json={}, headers=staff)).json() == {"marked": 1}
    colleague = peers.token("dept_staff", department="D11", subject="staff-2")
    assert (await notify.get("/v1/inbox", headers=colleague)).json()["unread"] == 1  # read marks are per user


async def test_an_event_that_arrives_before_the_case_is_known_reaches_its_recipients_later(
        notify_settings, start_notify, produce, receiver, peers):
    """Topics are not ordered with each other: dispatch's event may come before intake's report."""
    notify = await start_notify(notify_settings())
    sub = (await notify.post("/v1/subscriptions", headers=peers.SYSTEM, json={
        "name": "grid-7", "url": receiver.url("grid-7"), "event_types": ["onegrid.case.dispatched"],
        "grids": ["G007"]})).json()
    receiver.secrets["grid-7"] = [sub["secret"]]
    case_id = uuid.uuid4()
    await produce(dispatched(case_id))

    async def department_told():
        return await peers.notifications(notify, case_id=case_id, recipient="department:D11")

    await peers.eventually(department_told, "the department's notification")
    assert await peers.notifications(notify, case_id=case_id, recipient="resident:r-en") == []
    await produce(reported(case_id))

    async def resident_told():
        items = await peers.notifications(notify, case_id=case_id, recipient="resident:r-en", channel="inbox")
        return items if {n["event_type"] for n in items} == {"onegrid.case.reported", "onegrid.case.dispatched"} else None

    items = await peers.eventually(resident_told, "the reporter told of both events")
    assert len(items) == 2 and all("YYB-2026-000777" in n["body"] for n in items)
    await peers.eventually(lambda: _true(len(receiver.of("grid-7")) == 1), "the grid-filtered webhook")
    skipped = await peers.notifications(notify, case_id=case_id, channel="sms", status="skipped")
    assert {n["last_error"] for n in skipped} == {"no phone number on file"}


async def _true(value):
    return value
