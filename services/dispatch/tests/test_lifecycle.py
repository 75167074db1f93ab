"""The case lifecycle through the API, on PostgreSQL and Kafka: every transition by its role with
its event, and every action refused (409 naming the allowed ones) in every state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dispatch.service import toolkit
from dispatch_testkit import DISPATCHER, Town, member, staff
from onegrid_contracts.events import CaseRated

EVIDENCE = ["https://files.example.org/p1.jpg"]


async def ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_rule_routed_case_goes_through_accept_resolve_verify_with_events_and_working_time_deadline(town: Town):
    case = await town.report(category="C08")
    assert case["status"] == "dispatched" and case["department"] == "D11"
    assert case["routing"] == {"method": "rule", "rule_id": "catalog:C08", "confidence": 1.0, "candidates": []}
    clock = toolkit(town.client.app.state.settings).clock
    dispatched = datetime.fromisoformat(case["dispatched_at"])
    assert datetime.fromisoformat(case["deadline_at"]) == clock.calendar.add(dispatched, 24 * 60)  # C08: 3 working days
    url, d11 = f"/v1/cases/{case['id']}", staff("D11")

    await ok(await town.client.post(f"{url}/accept", headers=d11))
    note = await ok(await town.client.post(f"{url}/notes", headers=d11, json={"note": "parts ordered"}))
    assert note["status"] == "accepted"
    no_evidence = await town.client.post(f"{url}/resolve", headers=d11, json={"note": "done"})
    assert no_evidence.status_code == 422 and "evidence_urls" in no_evidence.json()["detail"]
    resolved = await ok(await town.client.post(f"{url}/resolve", headers=d11, json={"note": "done", "evidence_urls": EVIDENCE}))
    assert resolved["status"] == "resolved" and resolved["resolved_by"] == "D11" and resolved["next_timer_at"] is None
    closed = await ok(await town.client.post(f"{url}/verify", headers=member("G003"), json={"note": "all lit"}))
    assert closed["status"] == "closed" and closed["outcome"] == "verified"

    detail = await ok(await town.client.get(url, headers=DISPATCHER))
    assert [a["action"] for a in detail["actions"]] == ["register", "dispatch", "accept", "note", "resolve", "verify"]
    assert detail["actions"][1]["note"] == "catalog:C08" and detail["allowed_actions"] == ["reopen"]
    events = await town.events(case["id"], until=lambda e: len(e) >= 6)
    assert [t.rsplit(".", 1)[1] for t, _ in events] == ["dispatched", "accepted", "progress_noted", "resolved",
                                                        "verified", "closed"]
    assert events[0][1]["routing"]["rule_id"] == "catalog:C08"


async def test_rework_then_close_then_a_dissatisfied_rating_reopens_to_the_resolving_department(town: Town):
    case = await town.report(category="C08")
    url, d11, g = f"/v1/cases/{case['id']}", staff("D11"), member("G003")
    await ok(await town.client.post(f"{url}/accept", headers=d11))
    await ok(await town.client.post(f"{url}/resolve", headers=d11, json={"note": "done", "evidence_urls": EVIDENCE}))
    rework = await ok(await town.client.post(f"{url}/rework", headers=g, json={"note": "two lamps still dark"}))
    assert rework["status"] == "accepted" and rework["rework_count"] == 1 and rework["next_timer_at"] is not None
    await ok(await town.client.post(f"{url}/resolve", headers=d11, json={"note": "all fixed", "evidence_urls": EVIDENCE}))
    closed = await ok(await town.client.post(f"{url}/close", headers=DISPATCHER, json={"note": "grid member away, photos suffice"}))
    assert closed["outcome"] == "closed_by_dispatcher"

    await town.send(CaseRated(case_id=case["id"], jurisdiction="YYB", rating=1, comment="还是不亮", reopen_requested=True))
    reopened = await town.wait(case["id"], lambda c: c["status"] == "dispatched")
    assert reopened["department"] == "D11" and reopened["reopen_count"] == 1 and reopened["rating"] == 1
    assert reopened["routing"]["rule_id"] == "reopen:resolving-department"
    events = await town.events(case["id"], until=lambda e: any(t.endswith("reopened") for t, _ in e)
                               and e[-1][0].endswith("dispatched"))
    assert [t.rsplit(".", 1)[1] for t, _ in events][-3:] == ["closed", "reopened", "dispatched"]

    # A satisfied rating only records the rating.
    other = await town.report(category="C08")
    ourl = f"/v1/cases/{other['id']}"
    await ok(await town.client.post(f"{ourl}/accept", headers=d11))
    await ok(await town.client.post(f"{ourl}/resolve", headers=d11, json={"note": "ok", "evidence_urls": EVIDENCE}))
    await ok(await town.client.post(f"{ourl}/verify", headers=g, json={}))
    await town.send(CaseRated(case_id=other["id"], jurisdiction="YYB", rating=5, reopen_requested=False))
    rated = await town.wait(other["id"], lambda c: c["rating"] == 5)
    assert rated["status"] == "closed" and rated["reopen_count"] == 0


async def test_self_handle_only_for_self_handle_categories_with_evidence_and_void(town: Town):
    garbage = await town.report(category="C01", description="村口垃圾堆三天没人拉")
    url = f"/v1/cases/{garbage['id']}"
    other_grid = await town.client.post(f"{url}/self-handle", headers=member("G004"), json={"note": "x", "evidence_urls": EVIDENCE})
    assert other_grid.status_code == 403 and "G003" in other_grid.json()["detail"]
    bare = await town.client.post(f"{url}/self-handle", headers=member("G003"), json={"note": "cleaned"})
    assert bare.status_code == 422 and "evidence" in bare.json()["detail"]
    done = await ok(await town.client.post(f"{url}/self-handle", headers=member("G003"),
                                           json={"note": "cleaned it with the volunteers", "evidence_urls": EVIDENCE}))
    assert (done["status"], done["outcome"], done["self_handled"], done["resolved_by"]) == ("closed", "self_handled", True, None)

    light = await town.report(category="C08")
    refused = await town.client.post(f"/v1/cases/{light['id']}/self-handle", headers=member("G003"),
                                     json={"note": "x", "evidence_urls": EVIDENCE})
    assert refused.status_code == 409 and "C08" in refused.json()["detail"]

    dup = await town.report(category="C08")
    no_original = await town.client.post(f"/v1/cases/{dup['id']}/void", headers=DISPATCHER, json={"reason": "duplicate"})
    assert no_original.status_code == 422 and "duplicate_of" in no_original.json()["detail"]
    voided = await ok(await town.client.post(f"/v1/cases/{dup['id']}/void", headers=DISPATCHER,
                                             json={"reason": "duplicate", "duplicate_of": light["id"]}))
    assert (voided["status"], voided["void_reason"], voided["duplicate_of"]) == ("void", "duplicate", light["id"])
    invalid = await town.report(category="C08", description="test test")
    assert (await ok(await town.client.post(f"/v1/cases/{invalid['id']}/void", headers=DISPATCHER,
                                            json={"reason": "invalid", "note": "a test message"})))["status"] == "void"
    events = await town.events(dup["id"], until=lambda e: len(e) >= 3)
    assert [t.rsplit(".", 1)[1] for t, _ in events] == ["dispatched", "voided", "closed"]
    assert events[1][1]["duplicate_of"] == light["id"] and events[2][1]["outcome"] == "void"


async def test_delay_and_hold_requests_need_the_dispatchers_approval_and_move_the_deadline(town: Town):
    case = await town.report(category="C08")
    url, d11 = f"/v1/cases/{case['id']}", staff("D11")
    early = await town.client.post(f"{url}/delay-requests", headers=d11, json={"hours": 8, "reason": "waiting for parts"})
    assert early.status_code == 409 and early.json()["allowed"] == ["accept", "return"]
    await ok(await town.client.post(f"{url}/accept", headers=d11))
    request = await ok(await town.client.post(f"{url}/delay-requests", headers=d11,
                                              json={"hours": 8, "reason": "waiting for parts"}), 201)
    twice = await town.client.post(f"{url}/hold-requests", headers=d11, json={"reason": "road closed"})
    assert twice.status_code == 409 and str(request["id"]) in twice.json()["detail"]
    assert (await town.client.post(f"{url}/extension-requests/{request['id']}/decision", headers=d11,
                                   json={"approve": True})).status_code == 403
    before = datetime.fromisoformat(case["deadline_at"])
    decided = await ok(await town.client.post(f"{url}/extension-requests/{request['id']}/decision", headers=DISPATCHER,
                                              json={"approve": True, "note": "ok, one day"}))
    clock = toolkit(town.client.app.state.settings).clock
    assert decided["status"] == "approved" and decided["decided_by"] == "dispatcher-1"
    assert datetime.fromisoformat(decided["new_deadline_at"]) == clock.calendar.add(before, 8 * 60)
    again = await town.client.post(f"{url}/extension-requests/{request['id']}/decision", headers=DISPATCHER,
                                   json={"approve": False})
    assert again.status_code == 409 and "approved" in again.json()["detail"]
    moved = await ok(await town.client.get(url, headers=DISPATCHER))
    assert moved["extension_count"] == 1 and moved["deadline_at"] == decided["new_deadline_at"]
    assert any(a["action"] == "approve_delay" and a["actor_id"] == "dispatcher-1" for a in moved["actions"])

    # A hold stops the clock until it is resumed; the deadline moves by the working time on hold.
    hold = await ok(await town.client.post(f"{url}/hold-requests", headers=d11, json={"reason": "owner abroad"}), 201)
    refused = await ok(await town.client.post(f"{url}/extension-requests/{hold['id']}/decision", headers=DISPATCHER,
                                              json={"approve": False, "note": "call the owner"}))
    assert refused["status"] == "refused"
    hold = await ok(await town.client.post(f"{url}/hold-requests", headers=d11, json={"reason": "owner abroad"}), 201)
    await ok(await town.client.post(f"{url}/extension-requests/{hold['id']}/decision", headers=DISPATCHER, json={"approve": True}))
    held = await ok(await town.client.get(url, headers=DISPATCHER))
    assert held["status"] == "on_hold" and held["next_timer_at"] is None and held["extension_count"] == 2
    resolve = await town.client.post(f"{url}/resolve", headers=d11, json={"note": "x", "evidence_urls": EVIDENCE})
    assert resolve.status_code == 409 and resolve.json()["allowed"] == ["note", "resume"]
    resumed = await ok(await town.client.post(f"{url}/resume", headers=d11, json={}))
    assert resumed["status"] == "accepted" and resumed["deadline_at"] >= moved["deadline_at"]

    # A hold with an end resumes by itself (the timer loop).
    hold = await ok(await town.client.post(f"{url}/hold-requests", headers=d11, json={
        "reason": "until the rain stops", "hold_until": datetime.now().astimezone().isoformat()}), 422)
    assert "hold_until" in hold["detail"]
    from datetime import timedelta
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    hold = await ok(await town.client.post(f"{url}/hold-requests", headers=d11, json={"reason": "rain", "hold_until": until}), 201)
    await ok(await town.client.post(f"{url}/extension-requests/{hold['id']}/decision", headers=DISPATCHER, json={"approve": True}))
    back = await town.wait(case["id"], lambda c: c["status"] == "accepted", timeout=10)
    assert any(a["action"] == "resume" and a["actor_id"] == "dispatch-timer" for a in back["actions"])
    types = [t.rsplit(".", 1)[1] for t, _ in await town.events(case["id"], until=lambda e: sum(t.endswith("resumed") for t, _ in e) >= 2)]
    assert types.count("extension_requested") == 4 and types.count("extension_decided") == 4 and types.count("resumed") == 2


# action -> (path, role of the caller: staff | member | dispatcher, body)
ACTIONS = {
    "accept": ("accept", "staff", None),
    "return": ("return", "staff", {"reason": "not ours"}),
    "note": ("notes", "staff", {"note": "progress"}),
    "request_delay": ("delay-requests", "staff", {"hours": 4, "reason": "parts"}),
    "request_hold": ("hold-requests", "staff", {"reason": "owner away"}),
    "resume": ("resume", "staff", {}),
    "resolve": ("resolve", "staff", {"note": "done", "evidence_urls": EVIDENCE}),
    "verify": ("verify", "member", {}),
    "rework": ("rework", "member", {"note": "not done"}),
    "self_handle": ("self-handle", "member", {"note": "done", "evidence_urls": EVIDENCE}),
    "dispatch": ("dispatch", "dispatcher", {"department": "D15"}),
    "reassign": ("reassign", "dispatcher", {"department": "D15", "note": "roads"}),
    "uphold_return": ("uphold-return", "dispatcher", {"department": "D15"}),
    "overrule_return": ("overrule-return", "dispatcher", {}),
    "decide_extension": ("extension-requests/999/decision", "dispatcher", {"approve": True}),
    "close": ("close", "dispatcher", {"note": "closing"}),
    "void": ("void", "dispatcher", {"reason": "invalid"}),
    "reopen": ("reopen", "dispatcher", {"note": "again"}),
}


async def _case_in(town: Town, state: str) -> dict:
    d11 = staff("D11")
    if state == "in_mediation":
        return await town.report(category="C57", description="邻居占道")
    case = await town.report(category="C01" if state == "dispatched_self" else "C08")
    url = f"/v1/cases/{case['id']}"
    steps = {
        "dispatched": [], "accepted": ["accept"], "on_hold": ["accept", "hold"], "resolved": ["accept", "resolve"],
        "closed": ["accept", "resolve", "verify"], "triage": ["return"], "void": ["void"],
        "return_requested": ["return", "redispatch", "return"],
    }[state]
    for step in steps:
        if step == "accept":
            await ok(await town.client.post(f"{url}/accept", headers=d11))
        elif step == "hold":
            hold = await ok(await town.client.post(f"{url}/hold-requests", headers=d11, json={"reason": "away"}), 201)
            await ok(await town.client.post(f"{url}/extension-requests/{hold['id']}/decision", headers=DISPATCHER,
                                            json={"approve": True}))
        elif step == "resolve":
            await ok(await town.client.post(f"{url}/resolve", headers=d11, json={"note": "x", "evidence_urls": EVIDENCE}))
        elif step == "verify":
            await ok(await town.client.post(f"{url}/verify", headers=member("G003"), json={}))
        elif step == "return":
            await ok(await town.client.post(f"{url}/return", headers=d11, json={"reason": "not ours"}))
        elif step == "redispatch":
            await ok(await town.client.post(f"{url}/dispatch", headers=DISPATCHER, json={"department": "D11"}))
        elif step == "void":
            await ok(await town.client.post(f"{url}/void", headers=DISPATCHER, json={"reason": "invalid"}))
    return await ok(await town.client.get(url, headers=DISPATCHER))


@pytest.mark.parametrize("state", ["dispatched", "accepted", "on_hold", "resolved", "closed", "triage",
                                   "return_requested", "void", "in_mediation"])
async def test_every_action_not_allowed_in_a_state_is_refused_with_409_naming_the_allowed_ones(town: Town, state):
    from dispatch.lifecycle import TRANSITIONS, allowed_actions

    case = await _case_in(town, state)
    assert case["status"] == state
    headers = {"staff": staff(case["department"] or "D11"), "member": member("G003"), "dispatcher": DISPATCHER}
    refused = 0
    for action, (path, role, body) in ACTIONS.items():
        if state in TRANSITIONS[action].sources:
            continue
        answer = await town.client.post(f"/v1/cases/{case['id']}/{path}", headers=headers[role], json=body)
        if role == "staff" and case["department"] is None:
            assert answer.status_code == 403, (action, answer.text)  # not any department's case
            continue
        assert answer.status_code == 409, (action, answer.text)
        problem = answer.json()
        role_name = {"staff": "dept_staff", "member": "grid_member", "dispatcher": "dispatcher"}[role]
        assert problem["allowed"] == allowed_actions(state, role_name), action
        assert problem["current_status"] == state and f"cannot {action}" in problem["detail"]
        refused += 1
    after = await ok(await town.client.get(f"/v1/cases/{case['id']}", headers=DISPATCHER))
    assert after["status"] == state and len(after["actions"]) == len(case["actions"])  # nothing written
    assert refused >= 8 or case["department"] is None


async def test_roles_are_checked_before_anything_else(town: Town):
    case = await town.report(category="C08")
    url = f"/v1/cases/{case['id']}"
    assert (await town.client.post(f"{url}/accept")).status_code == 401
    assert (await town.client.post(f"{url}/accept", headers=DISPATCHER)).status_code == 403
    assert (await town.client.post(f"{url}/dispatch", headers=staff("D11"), json={"department": "D11"})).status_code == 403
    assert (await town.client.post(f"{url}/verify", headers=staff("D11"), json={})).status_code == 403
    wrong = await town.client.post(f"{url}/accept", headers=staff("D07"))
    assert wrong.status_code == 403 and "D07" in wrong.json()["detail"]
    bad = await town.client.post(f"{url}/reassign", headers=DISPATCHER, json={"department": "D99", "note": "x y z"})
    assert bad.status_code == 422 and "D99" in bad.json()["detail"]


async def test_a_case_merged_at_intake_is_voided_as_a_duplicate_unless_a_department_already_took_it(town: Town):
    from onegrid_contracts.events import CaseMerged

    primary = await town.report(grid="G003")
    untouched = await town.report(grid="G003")
    accepted = await town.report(grid="G003")
    await ok(await town.client.post(f"/v1/cases/{accepted['id']}/accept", headers=staff(accepted["department"])))
    for absorbed in (untouched, accepted):
        await town.send(CaseMerged(case_id=absorbed["id"], jurisdiction="YYB", into_case_id=primary["id"],
                                   into_case_number=primary["case_number"], reporters=2))
    voided = await town.wait(untouched["id"], lambda c: c["status"] == "void")
    assert voided["duplicate_of"] == primary["id"]
    # A later event on the same case (same key, same partition) proves the merge was applied before it.
    await town.send(CaseRated(case_id=accepted["id"], jurisdiction="YYB", rating=4, reopen_requested=False))
    kept = await town.wait(accepted["id"], lambda c: c.get("rating") == 4)
    assert kept["status"] == "accepted" and kept["duplicate_of"] is None
