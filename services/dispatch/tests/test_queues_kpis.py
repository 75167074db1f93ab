"""Queues (a department's own cases: filter, sort, paginate; the triage queue) and GET /v1/kpis
with the formulas of the docs, on PostgreSQL and Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.models import Case
from dispatch_testkit import DISPATCHER, Town, member, staff
from onegrid_contracts.events import CaseRated
from sqlalchemy import update

EVIDENCE = ["https://files.example.org/p.jpg"]


def ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_department_queue_shows_only_its_own_cases_filtered_sorted_and_paginated(town: Town):
    lights = [await town.report(category="C08", grid=f"G00{i}") for i in range(1, 6)]
    await town.report(category="C01")  # D07's
    await town.report(category=None, description="你好，请问一下")  # triage: nobody's queue
    d11 = staff("D11")
    page = ok(await town.client.get("/v1/cases", headers=d11, params={"limit": 2, "offset": 0, "sort": "deadline"}))
    assert page["total"] == 5 and len(page["items"]) == 2
    rest = ok(await town.client.get("/v1/cases", headers=d11, params={"limit": 2, "offset": 2, "sort": "deadline"}))
    last = ok(await town.client.get("/v1/cases", headers=d11, params={"limit": 2, "offset": 4, "sort": "deadline"}))
    ids = [c["id"] for p in (page, rest, last) for c in p["items"]]
    assert ids == [c["id"] for c in lights]  # same deadline length: earliest dispatched first
    # Staff cannot look into another department's queue, whatever they ask for.
    other = ok(await town.client.get("/v1/cases", headers=d11, params={"department": "D07"}))
    assert {c["department"] for c in other["items"]} == {"D11"}
    ok(await town.client.post(f"/v1/cases/{lights[0]['id']}/accept", headers=d11))
    accepted = ok(await town.client.get("/v1/cases", headers=d11, params={"status": "accepted"}))
    assert [c["id"] for c in accepted["items"]] == [lights[0]["id"]]
    by_grid = ok(await town.client.get("/v1/cases", headers=DISPATCHER, params={"grid": "G002"}))
    assert [c["id"] for c in by_grid["items"]] == [lights[1]["id"]]
    mine = ok(await town.client.get("/v1/cases", headers=member("G003")))
    assert {c["grid"] for c in mine["items"]} == {"G003"}
    bad = await town.client.get("/v1/cases", headers=DISPATCHER, params={"sort": "random"})
    assert bad.status_code == 422 and "sort" in bad.json()["detail"]


async def test_kpis_per_department_follow_the_documented_formulas(town: Town):
    c = town.client
    d11, d07, g = staff("D11"), staff("D07"), member("G003")
    a, b, r, late, sh = (await town.report(category="C08"), await town.report(category="C08"),
                         await town.report(category="C08"), await town.report(category="C08"),
                         await town.report(category="C01"))
    # a: accepted, resolved, reworked once, resolved, verified; rated 2 (reopen not requested) -> closed
    for step, (path, who, body) in enumerate([("accept", d11, None), ("resolve", d11, {"note": "x", "evidence_urls": EVIDENCE}),
                                              ("rework", g, {"note": "not done"}), ("resolve", d11, {"note": "y", "evidence_urls": EVIDENCE}),
                                              ("verify", g, {})]):
        ok(await c.post(f"/v1/cases/{a['id']}/{path}", headers=who, json=body))
    # b: accepted, delay approved, still open
    ok(await c.post(f"/v1/cases/{b['id']}/accept", headers=d11))
    req = ok(await c.post(f"/v1/cases/{b['id']}/delay-requests", headers=d11, json={"hours": 8, "reason": "parts"}), 201)
    ok(await c.post(f"/v1/cases/{b['id']}/extension-requests/{req['id']}/decision", headers=DISPATCHER, json={"approve": True}))
    # r: returned by D11 (to triage), then dispatched by hand to D15
    ok(await c.post(f"/v1/cases/{r['id']}/return", headers=d11, json={"reason": "a county road"}))
    ok(await c.post(f"/v1/cases/{r['id']}/dispatch", headers=DISPATCHER, json={"department": "D15"}))
    # late: its deadline has passed while it is open
    async with c.app.state.db.transaction() as session:
        await session.exec(update(Case).where(Case.id == late["id"]).values(  # type: ignore[call-overload]
            deadline_at=datetime.now(UTC) - timedelta(hours=1)))
    # sh: self-handled by the grid member
    ok(await c.post(f"/v1/cases/{sh['id']}/self-handle", headers=g, json={"note": "cleaned", "evidence_urls": EVIDENCE}))
    await town.send(CaseRated(case_id=a["id"], jurisdiction="YYB", rating=2, reopen_requested=False))
    await town.send(CaseRated(case_id=sh["id"], jurisdiction="YYB", rating=5, reopen_requested=False))
    await town.wait(sh["id"], lambda x: x["rating"] == 5)
    await town.wait(a["id"], lambda x: x["rating"] == 2)

    table = ok(await c.get("/v1/kpis", headers=DISPATCHER, params={"group_by": "department"}))
    rows = {row["key"]: row for row in table["rows"]}
    assert set(rows) == {"D07", "D11", "D15"}
    d = rows["D11"]  # a, b, late (r moved to D15)
    assert d["counts"]["reported"] == 3 and d["counts"]["routed"] == 3
    assert d["on_time_dispatch_rate"] == 1.0          # routed within the target / routed
    assert d["handling_rate"] == round(1 / 3, 4)      # resolved (a) / workload
    assert d["closure_rate"] == round(1 / 3, 4)       # closed / workload
    assert d["on_time_closure_rate"] == 1.0           # resolved by the deadline / closed
    assert d["rework_rate"] == 1.0                    # reworked / resolved by a department
    assert d["return_rate"] == 0.0                    # r is counted where it is now
    assert d["overdue_rate"] == round(1 / 3, 4)       # late / routed
    assert d["delay_rate"] == round(1 / 3, 4)         # b / routed
    assert (d["satisfaction"], d["satisfied_rate"]) == (2.0, 0.0)
    assert rows["D15"]["return_rate"] == 1.0 and rows["D15"]["handling_rate"] == 0.0
    assert rows["D07"]["self_handled_rate"] == 1.0 and rows["D07"]["satisfaction"] == 5.0
    whole = ok(await c.get("/v1/kpis", headers=DISPATCHER, params={"group_by": "none"}))["rows"][0]
    assert whole["counts"]["reported"] == 5 and whole["self_handled_rate"] == 0.2 and whole["satisfaction"] == 3.5

    # Scope: staff see their own department; the period filters on the report time.
    own = ok(await c.get("/v1/kpis", headers=d07, params={"group_by": "department", "department": "D11"}))
    assert [row["key"] for row in own["rows"]] == ["D07"]
    future = ok(await c.get("/v1/kpis", headers=DISPATCHER, params={"from": "2099-01-01T00:00:00+08:00"}))
    assert future["rows"] == []
    by_community = ok(await c.get("/v1/kpis", headers=DISPATCHER, params={"group_by": "community"}))
    assert [(row["key"], row["counts"]["reported"]) for row in by_community["rows"]] == [("CM01", 5)]
    naive = await c.get("/v1/kpis", headers=DISPATCHER, params={"from": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and "from" in naive.json()["detail"]
    reversed_period = await c.get("/v1/kpis", headers=DISPATCHER, params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert reversed_period.status_code == 422
