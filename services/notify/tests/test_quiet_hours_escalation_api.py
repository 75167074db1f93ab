"""Quiet hours for SMS (urgent bypasses), escalations to supervisors by level, and the API's roles,
scopes and input checks — against PostgreSQL and Kafka."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from onegrid_contracts.events import CaseDispatched, CaseEscalated, CaseReported, RoutingDecision

DEADLINE = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)


def reported(case_id: uuid.UUID, reporter: str) -> CaseReported:
    return CaseReported(case_id=case_id, jurisdiction="YYB", case_number="YYB-2026-000901", channel="hotline",
                        description="燃气味很重", category="C08", grid="G010", community="CM03", reporter_id=reporter)


async def test_quiet_hours_hold_normal_sms_while_urgent_ones_go_out(notify_settings, start_notify, produce, peers):
    local_now = datetime.now(ZoneInfo("Asia/Shanghai"))
    window = f"{(local_now - timedelta(hours=1)):%H:%M}-{(local_now + timedelta(hours=1)):%H:%M}"
    settings = notify_settings(sms_quiet_hours=window)
    notify = await start_notify(settings)
    for address, phone in (("resident:r-q", "+8613800000002"), ("department:D11", "+8657100000011")):
        await notify.put(f"/v1/recipients/{address}", json={"phone": phone}, headers=peers.SYSTEM)
    case_id = uuid.uuid4()
    await produce(reported(case_id, "r-q"))
    await peers.eventually(lambda: peers.notifications(notify, case_id=case_id, channel="sms"), "the report's SMS")
    await produce(CaseDispatched(case_id=case_id, jurisdiction="YYB", department="D11", deadline_at=DEADLINE,
                                 urgent=True, routing=RoutingDecision(method="rule", rule_id="catalog:C08")))

    async def urgent_sent():
        items = await peers.notifications(notify, case_id=case_id, channel="sms", status="delivered")
        return items if len(items) == 2 else None

    sent = await peers.eventually(urgent_sent, "the urgent SMS")
    assert {(n["event_type"], n["recipient"], n["urgent"]) for n in sent} == {
        ("onegrid.case.dispatched", "department:D11", True), ("onegrid.case.dispatched", "resident:r-q", True)}
    held = await peers.notifications(notify, case_id=case_id, channel="sms", status="pending")
    assert [(n["event_type"], n["urgent"], n["attempts"]) for n in held] == [("onegrid.case.reported", False, 0)]
    detail = (await notify.get(f"/v1/notifications/{held[0]['id']}", headers=peers.DISPATCHER)).json()
    morning = datetime.fromisoformat(detail["next_attempt_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{morning:%H:%M}" == window.split("-")[1] and morning > local_now
    lines = [json.loads(line) for line in Path(settings.sms_file).read_text(encoding="utf-8").splitlines()]
    assert sorted(line["to"] for line in lines) == ["+8613800000002", "+8657100000011"]
    assert all("【紧急】" in line["text"] for line in lines)


async def test_an_escalation_reaches_the_supervisors_its_level_names(
        notify_settings, start_notify, produce, smtp_server, peers):
    notify = await start_notify(notify_settings())
    await notify.put("/v1/recipients/department_head:D11", json={"email": "head-d11@town.example.gov", "language": "en"},
                     headers=peers.SYSTEM)
    case_id = uuid.uuid4()
    await produce(reported(case_id, "r-x"))
    await peers.eventually(lambda: peers.notifications(notify, case_id=case_id), "the report's notifications")
    await produce(CaseEscalated(case_id=case_id, jurisdiction="YYB", level=2, to="dispatcher", department="D11",
                                deadline_at=DEADLINE, overdue_working_hours=5.5))

    async def escalated():
        items = await peers.notifications(notify, case_id=case_id, event_type="onegrid.case.escalated")
        return items if any(n["channel"] == "email" and n["status"] == "delivered" for n in items) else None

    items = await peers.eventually(escalated, "the escalation e-mail")
    assert {(n["recipient"], n["channel"], n["status"]) for n in items} == {
        ("department_head:D11", "inbox", "delivered"), ("department_head:D11", "email", "delivered"),
        ("department_head:D11", "sms", "skipped"), ("dispatcher", "inbox", "delivered"),
        ("dispatcher", "email", "skipped"), ("dispatcher", "sms", "skipped"), ("department:D11", "inbox", "delivered")}
    assert all(n["urgent"] for n in items)
    (rcpt, mail), = smtp_server.messages
    assert rcpt == ["head-d11@town.example.gov"] and mail["Subject"] == "[Escalation] Case YYB-2026-000901 is overdue"
    assert "Escalation level: 2" in mail.get_content()
    dispatcher_inbox = (await notify.get("/v1/inbox", headers=peers.DISPATCHER)).json()
    assert [i["event_type"] for i in dispatcher_inbox["items"]] == ["onegrid.case.escalated"]
    staff_inbox = (await notify.get("/v1/inbox", headers=peers.token("dept_staff", department="D11"))).json()
    assert {i["recipient"] for i in staff_inbox["items"]} == {"department:D11", "department_head:D11"}
    assert (await notify.get("/v1/inbox", headers=peers.token("dept_staff", department="D07"))).json()["total"] == 0


async def test_the_api_declares_who_may_do_what_and_names_bad_input(notify_settings, start_notify, produce, peers):
    notify = await start_notify(notify_settings())
    assert (await notify.get("/v1/notifications")).status_code == 401
    for path in ("/v1/notifications", "/v1/notifications/counts"):
        refused = await notify.get(path, headers=peers.token("resident"))
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert (await notify.put("/v1/recipients/resident:r-1", json={"language": "en"},
                             headers=peers.token("dept_staff", department="D11"))).status_code == 403
    bad_phone = await notify.put("/v1/recipients/resident:r-1", json={"phone": "call me"}, headers=peers.SYSTEM)
    assert bad_phone.status_code == 422 and "phone" in bad_phone.json()["detail"]
    bad_address = await notify.put("/v1/recipients/mayor:me", json={"language": "en"}, headers=peers.SYSTEM)
    assert bad_address.status_code == 422 and "address" in bad_address.json()["detail"]
    bad_language = await notify.put("/v1/recipients/resident:r-1", json={"language": "fr"}, headers=peers.SYSTEM)
    assert bad_language.status_code == 422 and "language" in bad_language.json()["detail"]
    assert (await notify.get("/v1/recipients/resident:r-1", headers=peers.SYSTEM)).status_code == 404
    bad_filter = await notify.get("/v1/notifications", params={"channel": "pigeon"}, headers=peers.DISPATCHER)
    assert bad_filter.status_code == 422 and "channel" in bad_filter.json()["detail"]
    missing = await notify.get(f"/v1/notifications/{uuid.uuid4()}", headers=peers.DISPATCHER)
    assert missing.status_code == 404
    assert (await notify.post(f"/v1/notifications/{uuid.uuid4()}/replay",
                              headers=peers.token("system"))).status_code == 403

    # A resident chooses English for themselves; their next message comes in English.
    me = peers.token("resident", subject="r-pref")
    chosen = await notify.put("/v1/inbox/preferences", json={"language": "en"}, headers=me)
    assert chosen.status_code == 200 and chosen.json()["address"] == "resident:r-pref"
    case_id = uuid.uuid4()
    await produce(reported(case_id, "r-pref"))

    async def told():
        return (await notify.get("/v1/inbox", headers=me)).json()["items"]

    (item,) = await peers.eventually(told, "the resident's message")
    assert item["subject"] == "Case YYB-2026-000901 has been received"
    filtered = await peers.notifications(notify, recipient="resident:r-pref", channel="inbox", status="delivered")
    assert [n["id"] for n in filtered] == [item["id"]]
