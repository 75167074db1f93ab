"""GET /v1/stats: every figure of a committee's period computed from a known set of disputes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mediation.models import Dispute
from mediation_testkit import HUB, file, mediator, party
from onegrid_devstack.flows import token
from sqlmodel import select

M = mediator("M04")
PEOPLE = [party("applicant", "甲", phone="13900000001", consent=True), party("respondent", "乙", phone="13900000002", consent=True)]


async def _accepted(client, parties=PEOPLE) -> dict:
    d = await file(client, committee="M04", parties=parties, headers=M)
    return (await client.post(f"/v1/disputes/{d['id']}/accept", json={"rights_notice_given": True}, headers=M)).json()


async def _agree(client, d: dict) -> None:
    sig = [{"party_id": p["id"]} for p in d["parties"]]
    assert (await client.post(f"/v1/disputes/{d['id']}/agreement", json={"terms": "t", "signatures": sig},
                              headers=M)).status_code == 200


async def _conclude_after(client, d: dict, days: int) -> None:
    async with client.app.state.db.transaction() as s:
        row = (await s.exec(select(Dispute).where(Dispute.id == d["id"]))).one()
        row.concluded_at = row.accepted_at + timedelta(days=days)
        s.add(row)


async def test_statistics_of_a_committee_and_its_mediators(mediation):
    c = mediation
    d1 = await _accepted(c)
    await _agree(c, d1)
    await c.post(f"/v1/disputes/{d1['id']}/judicial-confirmation", json={"court": "法庭"}, headers=M)
    await c.post(f"/v1/disputes/{d1['id']}/performance", json={"honoured": True}, headers=M)
    await c.post(f"/v1/disputes/{d1['id']}/follow-up", json={"note": "满意"}, headers=M)
    d2 = await _accepted(c, [party("applicant", "丙", phone="13900000003", consent=True),
                             party("respondent", "丁", phone="13900000004", consent=True)])
    await _agree(c, d2)
    await c.post(f"/v1/disputes/{d2['id']}/performance", json={"honoured": False}, headers=M)
    d3 = await _accepted(c, [party("applicant", "戊", consent=True), party("respondent", "己", consent=True)])
    await c.post(f"/v1/disputes/{d3['id']}/termination", json={"route": "court", "reason": "x"}, headers=M)
    await file(c, committee="M04", headers=M)  # received, never accepted
    d5 = await _accepted(c)  # the same two parties again: a recurrence
    assert d5["recurrence"] is True
    await c.post(f"/v1/disputes/{d5['id']}/criminal", json={"note": "已立刑事案件"}, headers=M)
    for d, days in ((d1, 10), (d2, 20), (d3, 3)):
        await _conclude_after(c, d, days)

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    stats = await c.get("/v1/stats", params={"from": today, "to": today}, headers=M)
    assert stats.status_code == 200, stats.text
    [row] = stats.json()["rows"]
    assert row == {"key": "M04", "received": 5, "accepted": 4, "agreements": 2, "success_rate": 0.5,
                   "performance_checked": 2, "honoured": 1, "performance_rate": 0.5, "judicial_confirmations": 1,
                   "followed_up": 1, "follow_up_rate": 0.5, "concluded": 3, "average_duration_days": 11.0,
                   "recurrences": 1, "recurrence_rate": 0.25, "red_warnings": 0, "escalated_to_criminal": 1}
    assert stats.json()["total"] == {**row, "key": "all"}

    by_mediator = (await c.get("/v1/stats", params={"from": today, "to": today, "group_by": "mediator"}, headers=HUB)).json()
    assert sum(r["accepted"] for r in by_mediator["rows"]) == 4 and all(r["key"].startswith("MD") or r["key"] == "-"
                                                                         for r in by_mediator["rows"])
    yesterday = (await c.get("/v1/stats", params={"from": "2020-01-01", "to": "2020-01-31"}, headers=HUB)).json()
    assert yesterday["total"]["accepted"] == 0 and yesterday["total"]["success_rate"] is None

    other = await c.get("/v1/stats", params={"from": today, "to": today, "committee": "M04"}, headers=mediator("M05"))
    assert other.status_code == 403
    backwards = await c.get("/v1/stats", params={"from": today, "to": "2020-01-01"}, headers=HUB)
    assert backwards.status_code == 422 and "to" in backwards.json()["detail"]
    assert (await c.get("/v1/stats", params={"from": today, "to": today}, headers=token("dept_staff", department="D05"))).status_code == 200
    assert (await c.get("/v1/stats", params={"from": today, "to": today}, headers=token("dept_staff", department="D07"))).status_code == 403
