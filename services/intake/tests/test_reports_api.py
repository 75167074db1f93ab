"""Intake's report API against PostgreSQL (and Kafka for its relay), through the real app."""

from __future__ import annotations

import pytest
from intake.models import Report
from intake_testing import count, outbox_events
from onegrid_devstack.flows import token
from onegrid_runtime.outbox import OutboxMessage


async def _point_in(app, grid: str) -> tuple[float, float]:
    from intake.models import Grid
    from shapely.geometry import shape

    async with app.state.db.transaction() as s:
        g = await s.get(Grid, grid)
        p = shape(g.geometry).representative_point()
        return p.y, p.x


async def test_idempotency_key_replays_the_same_case_and_refuses_another_body(intake):
    resident = token("resident", subject="r-idem")
    body = {"category": "C01", "grid": "G002", "description": "垃圾没人清"}
    first = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "k-1"})
    again = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["case_id"] == again.json()["case_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await intake.post("/v1/reports", json={**body, "description": "另一件事"},
                              headers={**resident, "Idempotency-Key": "k-1"})
    assert other.status_code == 409 and "k-1" in other.json()["detail"]
    assert await count(intake.app, Report) == 1


async def test_concurrent_reports_are_group_committed_each_with_its_own_case_and_event(intake):
    import asyncio

    staff = token("system", subject="bench")
    before = await count(intake.app, Report)
    # one grid each: reports about the same problem in one grid would be linked as duplicates
    bodies = [{"channel": "external", "grid": f"G{i + 1:03d}", "description": f"concurrent report {i}"}
              for i in range(60)]
    answers = await asyncio.gather(*(intake.post("/v1/reports", json=b, headers=staff) for b in bodies))
    assert [a.status_code for a in answers] == [202] * 60
    numbers = [a.json()["case_number"] for a in answers]
    assert len(set(numbers)) == 60 and all(n.startswith("YYB-") for n in numbers)
    assert await count(intake.app, Report) == before + 60
    reported = {data["case_id"]: data for kind, data in await outbox_events(intake.app, at_least=before + 60)
                if kind == "onegrid.case.reported"}
    for body, answer in zip(bodies, answers):
        data = reported[answer.json()["case_id"]]
        assert (data["case_number"], data["description"], data["grid"]) == (
            answer.json()["case_number"], body["description"], body["grid"])


async def test_the_same_idempotency_key_sent_concurrently_opens_one_case(intake):
    import asyncio

    resident = token("resident", subject="r-race")
    body = {"category": "C01", "grid": "G003", "description": "同一个请求发了两次"}
    answers = await asyncio.gather(*(intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "race"})
                                     for _ in range(4)))
    assert [a.status_code for a in answers] == [202] * 4, [a.text for a in answers]
    assert len({a.json()["case_id"] for a in answers}) == 1
    assert await count(intake.app, Report, Report.idempotency_key == "race") == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"grid": "G002"}, "description"),
        ({"description": "x"}, "location"),
        ({"description": "   ", "grid": "G002"}, "blank"),
        ({"description": "x", "grid": "G999"}, "G999"),
        ({"description": "x", "grid": "G002", "category": "C99"}, "C99"),
        ({"description": "x", "location": {"lat": True, "lon": 120.1}}, "lat"),
        ({"description": "x", "location": {"lat": "30.2", "lon": 120.1}}, "lat"),
        ({"description": "x", "location": {"lat": 91, "lon": 120.1}}, "lat"),
        ({"description": "x", "location": {"lat": 30.2, "lon": -181}}, "lon"),
        ({"description": "x" * 4001, "grid": "G002"}, "description"),
        ({"description": "x", "grid": "G002", "unexpected": 1}, "unexpected"),
        ({"description": "x", "grid": "G002", "danger_to_life": 1}, "danger_to_life"),
        ({"description": "x", "grid": "G002", "danger_to_property": "yes"}, "danger_to_property"),
        ({"description": "x", "grid": "G002", "occurred_at": "2026-12-01T08:00:00"}, "occurred_at"),
        ({"description": "x", "grid": "G002", "priority": "high"}, "priority"),
        ({"description": "x", "grid": "G002", "occurred_at": "2099-01-01T00:00:00Z"}, "future"),
        ({"description": "x", "grid": "G002", "channel": "hotline"}, "channel"),
        ({"description": "x", "grid": "G002", "household_id": "H999999"}, "H999999"),
        ({"description": "x", "address": "月球路1号"}, "月球路1号"),
        ({"description": "x", "grid": "G002", "reporter": {"resident_id": "someone-else"}}, "someone-else"),
        ({"description": "x", "grid": "G002", "media_urls": ["ftp://example.org/a.jpg"]}, "media_urls"),
        ({"description": "x", "grid": "G002", "media_urls": ["not a url"]}, "media_urls"),
        ({"description": "x", "grid": "G002", "attachments": ["7d1c4e1a-0000-4000-8000-000000000000"]}, "7d1c4e1a"),
        ({"description": "x", "grid": "G002", "attachments": ["nope"]}, "attachments"),
    ],
)
async def test_invalid_reports_are_refused_naming_the_problem_and_nothing_is_written(intake, body, named):
    answer = await intake.post("/v1/reports", json=body, headers=token("resident", subject="r-bad"))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert named in answer.json()["detail"]
    assert await count(intake.app, Report) == 0
    assert await count(intake.app, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("reporter", "named"),
    [
        ({"name": "王芳"}, "name and phone"),
        ({"phone": "13812345678"}, "name and phone"),
        ({"resident_id": "R000001", "phone": "13812345678"}, "not both"),
        ({"name": "王芳", "phone": "12"}, "phone"),
        ({"resident_id": "R424242"}, "R424242"),
    ],
)
async def test_hotline_reporters_are_a_registered_resident_or_a_name_and_phone(intake, reporter, named):
    answer = await intake.post("/v1/reports", headers=token("dispatcher"),
                               json={"description": "x", "grid": "G002", "reporter": reporter})
    assert answer.status_code == 422 and named in answer.json()["detail"], answer.text


async def test_a_point_outside_every_grid_is_refused_with_the_nearest_grid(intake):
    answer = await intake.post("/v1/reports", headers=token("resident"),
                               json={"description": "far away", "location": {"lat": 31.5, "lon": 121.9}})
    assert answer.status_code == 422 and answer.json()["nearest_grid"].startswith("G")
    assert answer.json()["nearest_grid"] in answer.json()["detail"]


async def test_a_report_carries_every_field_into_case_reported(intake):
    lat, lon = await _point_in(intake.app, "G005")
    body = {"channel": "hotline", "description": "煤气味很重 / strong gas smell", "category": "C09",
            "location": {"lat": lat, "lon": lon}, "occurred_at": "2026-12-01T08:30:00+08:00",
            "danger_to_life": True, "reporter": {"name": "王芳", "phone": "13812345678"},
            "media_urls": ["https://example.org/gas.jpg"]}
    answer = await intake.post("/v1/reports", json=body, headers=token("dispatcher"))
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert accepted["grid"] == "G005" and accepted["case_id"] == accepted["report_id"] and accepted["duplicate_of"] is None
    assert accepted["case_number"].startswith("YYB-") and len(accepted["case_number"].split("-")[-1]) == 6
    [(kind, event)] = await outbox_events(intake.app)
    assert kind == "onegrid.case.reported"
    assert event["case_id"] == accepted["case_id"] and event["channel"] == "hotline"
    assert event["priority"] == "urgent" and event["danger_to_life"] is True  # danger to life makes it urgent
    assert event["occurred_at_reported"].startswith("2026-12-01T00:30:00")  # stored in UTC
    assert event["attachments"] == ["https://example.org/gas.jpg"]
    assert event["location"] == {"lat": lat, "lon": lon} and event["grid"] == "G005"
    assert "13812345678" not in str(event) and "王芳" not in str(event)  # no personal data in events

    # The command centre sees the caller's phone; the department in charge only a masked one.
    view = (await intake.get(f"/v1/reports/{accepted['case_id']}", headers=token("dispatcher"))).json()
    assert view["reporter"] == {"resident_id": None, "name": "王芳", "phone": "13812345678"}
    async with intake.app.state.db.transaction() as s:
        from sqlmodel import select
        report = (await s.exec(select(Report))).one()
        report.department = "D08"
        s.add(report)
    staff = (await intake.get(f"/v1/reports/{accepted['case_id']}", headers=token("dept_staff", department="D08"))).json()
    assert staff["reporter"]["phone"] == "138****5678" and staff["reporter"]["name"] == "王*"
    other = await intake.get(f"/v1/reports/{accepted['case_id']}", headers=token("dept_staff", department="D07"))
    assert other.status_code == 403 and "D08" in other.json()["detail"]


async def test_channels_follow_the_caller(intake):
    cases = [("resident", {}, "resident_app"), ("grid_member", {"grid": "G002"}, "grid_app"),
             ("dispatcher", {}, "hotline"), ("system", {}, "external")]
    for i, (role, scope, channel) in enumerate(cases):
        answer = await intake.post("/v1/reports", headers=token(role, **scope),
                                   json={"description": f"问题 {i} " + "abcdefghij"[i] * 20, "grid": f"G00{i + 1}"})
        assert answer.status_code == 202, answer.text
    events = await outbox_events(intake.app, 4)
    assert [e["channel"] for _, e in events] == [c for _, _, c in cases]


async def test_a_key_that_races_past_the_check_into_a_duplicate_link_is_answered_as_the_first_was(intake, monkeypatch):
    from intake import service

    resident = token("resident", subject="r-late")
    body = {"category": "C01", "grid": "G004", "description": "垃圾桶满了没人清"}
    first = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "late"})
    assert first.status_code == 202
    real_replay, calls = service._replay, []

    async def replay_that_misses_once(*args):
        # The race: the first request commits just after the second one looked for its key.
        calls.append(args)
        return None if len(calls) == 1 else await real_replay(*args)

    monkeypatch.setattr(service, "_replay", replay_that_misses_once)
    again = await intake.post("/v1/reports", json=body, headers={**resident, "Idempotency-Key": "late"})
    assert again.status_code == 202, again.text
    assert again.json()["case_id"] == first.json()["case_id"] and len(calls) == 2
    assert await count(intake.app, Report, Report.idempotency_key == "late") == 1


@pytest.mark.parametrize(
    ("role", "extra", "key", "reads"),
    [
        ("system", {"grid": "G002"}, None, False),
        ("system", {"location": {"lat": 30.25, "lon": 120.10}}, None, False),
        ("grid_member", {"grid": "G002", "reporter": {"name": "王芳", "phone": "13800138000"}}, None, False),
        ("system", {"grid": "G002"}, "key-1", True),
        ("system", {"household_id": "H0001"}, None, True),
        ("system", {"address": "幸福路1号"}, None, True),
        ("system", {"grid": "G002", "attachments": ["7d1c4e1a-0000-4000-8000-000000000000"]}, None, True),
        ("system", {"grid": "G002", "reporter": {"resident_id": "R0001"}}, None, True),
        ("resident", {"grid": "G002"}, None, True),
    ],
)
def test_a_request_opens_a_session_only_for_a_report_that_reads_the_registers(role, extra, key, reads):
    from intake.models import ReportCreate
    from intake.service import reads_registers
    from onegrid_runtime.auth import Principal, Role

    body = ReportCreate.model_validate({"description": "x", **extra})
    assert reads_registers(body, Principal(subject="s", role=Role(role), jurisdiction="YYB"), key) is reads


async def test_a_report_that_reads_the_registers_is_refused_without_a_session(intake):
    from intake import service
    from intake.models import ReportCreate
    from onegrid_runtime.auth import Principal, Role

    app = intake.app
    with pytest.raises(RuntimeError, match="needs a session"):
        await service.create_report(
            session=None, writer=app.state.writer, body=ReportCreate(description="x", grid="G002"),
            reporter=Principal(subject="r1", role=Role.resident, jurisdiction="YYB"), grids=app.state.grids,
            catalog=None, idempotency_key=None)
