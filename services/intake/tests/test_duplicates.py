"""Duplicates: a report about the same problem as an open case is linked to it (rules per category
as data); a grid member or dispatcher unlinks or merges by hand."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from intake.duplicates import load_rules, text_similarity
from intake.models import Report
from intake_testing import count, outbox_events
from onegrid_devstack.flows import token
from sqlalchemy import update
from sqlmodel import select

BASE = (30.2510, 120.1010)  # a point inside the demo town


def _at(north_m: float = 0.0, east_m: float = 0.0) -> dict[str, float]:
    import math

    return {"lat": BASE[0] + north_m / 111_320, "lon": BASE[1] + east_m / (111_320 * math.cos(math.radians(BASE[0])))}


async def _report(intake, who: str, **body):
    answer = await intake.post("/v1/reports", headers=token("resident", subject=who),
                               json={"description": "路灯不亮", "category": "C08", "location": _at(), **body})
    assert answer.status_code == 202, answer.text
    return answer.json()


async def test_a_second_report_nearby_joins_the_open_case_and_the_reporter_follows_it(intake):
    first = await _report(intake, "r-first", description="XX路三盏路灯不亮")
    second = await _report(intake, "r-second", description="晚上这条路黑漆漆的", location=_at(north_m=120))
    assert second["case_id"] == first["case_id"] and second["duplicate_of"] == first["case_id"]
    assert second["report_id"] != first["case_id"] and second["reporters"] == 2
    assert second["case_number"] == first["case_number"]
    assert await count(intake.app, Report, Report.case_number.is_not(None)) == 1

    events = await outbox_events(intake.app, 2)
    assert [t for t, _ in events] == ["onegrid.case.reported", "onegrid.case.duplicate_linked"]
    linked = events[1][1]
    assert linked["case_id"] == first["case_id"] and linked["report_id"] == second["report_id"]
    assert linked["reporters"] == 2 and linked["how"] == "automatic" and linked["reporter_id"] == "r-second"
    assert "same category C08" in linked["reason"] and "m away" in linked["reason"]

    # The second reporter follows the primary case, through either id; a stranger does not.
    for case_id in (first["case_id"], second["report_id"]):
        view = await intake.get(f"/v1/reports/{case_id}", headers=token("resident", subject="r-second"))
        assert view.status_code == 200, view.text
        assert view.json()["case_id"] == first["case_id"] and view.json()["reporters"] == 2
    assert (await intake.get(f"/v1/reports/{first['case_id']}", headers=token("resident", subject="r-x"))).status_code == 403
    assert any("joined to this case" in t["summary"] for t in view.json()["timeline"])


async def test_related_category_and_similar_text_count_and_distance_time_and_closure_do_not(intake):
    first = await _report(intake, "r1", description="路口井盖没了很危险", category="C09", location=_at())
    # C08 lists C09 as related, and is within C09's 50 m radius.
    related = await _report(intake, "r2", description="这里灯也坏了", category="C08", location=_at(east_m=30))
    assert related["duplicate_of"] == first["case_id"]
    # Free text without category: very similar description, same place.
    similar = await _report(intake, "r3", description="路口井盖没了, 很危险!", category=None, location=_at(east_m=10))
    assert similar["duplicate_of"] == first["case_id"]
    # Too far for C09 (50 m): a new case.
    far = await _report(intake, "r4", description="路口井盖没了很危险", category="C09", location=_at(north_m=400))
    assert far["duplicate_of"] is None and far["case_id"] != first["case_id"]
    # Unrelated category, different text, same place: a new case.
    other = await _report(intake, "r5", description="垃圾三天没人拉", category="C01", location=_at())
    assert other["duplicate_of"] is None

    # Outside C09's 24 h window, or once the case is closed, a new report opens a new case.
    async with intake.app.state.db.transaction() as s:
        old = await s.get(Report, (await s.exec(select(Report.seq).where(Report.id == uuid.UUID(far["case_id"])))).one())
        old.reported_at -= timedelta(hours=25)
        s.add(old)
        await s.execute(update(Report).where(Report.id == uuid.UUID(first["case_id"])).values(status="closed"))
    late = await _report(intake, "r6", description="路口井盖没了很危险", category="C09", location=_at(north_m=400))
    assert late["duplicate_of"] is None
    again = await _report(intake, "r7", description="路口井盖没了很危险", category="C09", location=_at())
    assert again["duplicate_of"] is None


async def test_disputes_are_never_linked_and_detection_can_be_switched_off(make_intake):
    intake = await make_intake(duplicates_enabled=False)
    a = await _report(intake, "r1", description="三盏路灯不亮")
    b = await _report(intake, "r2", description="三盏路灯不亮")
    assert a["case_id"] != b["case_id"] and b["duplicate_of"] is None


async def test_grid_member_unlinks_and_dispatcher_merges_by_hand(intake):
    first = await _report(intake, "r1", description="三盏路灯不亮")
    second = await _report(intake, "r2", description="路灯坏了", location=_at(north_m=50))
    assert second["duplicate_of"] == first["case_id"]
    grid = first["grid"]

    linked = await intake.get(f"/v1/reports/{first['case_id']}/linked", headers=token("dispatcher"))
    assert [r["report_id"] for r in linked.json()] == [second["report_id"]]
    assert (await intake.post(f"/v1/reports/{second['report_id']}/unlink",
                              headers=token("grid_member", grid="G999"))).status_code == 403
    assert (await intake.post(f"/v1/reports/{second['report_id']}/unlink",
                              headers=token("resident", subject="r2"))).status_code == 403
    unlinked = await intake.post(f"/v1/reports/{second['report_id']}/unlink", headers=token("grid_member", grid=grid))
    assert unlinked.status_code == 202, unlinked.text
    assert unlinked.json()["case_id"] == second["report_id"] and unlinked.json()["case_number"] != first["case_number"]
    again = await intake.post(f"/v1/reports/{second['report_id']}/unlink", headers=token("dispatcher"))
    assert again.status_code == 409
    events = await outbox_events(intake.app, 4)
    assert [t for t, _ in events][-2:] == ["onegrid.case.duplicate_unlinked", "onegrid.case.reported"]
    assert events[-2][1]["reporters"] == 1 and events[-1][1]["case_id"] == second["report_id"]

    # The dispatcher merges the separated case back into the first one.
    merged = await intake.post(f"/v1/reports/{second['report_id']}/merge", headers=token("dispatcher"),
                               json={"into": first["case_id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["case_id"] == first["case_id"] and merged.json()["reporters"] == 2
    types = [t for t, _ in await outbox_events(intake.app, 6)]
    assert types[-2:] == ["onegrid.case.duplicate_linked", "onegrid.case.merged"]
    self_merge = await intake.post(f"/v1/reports/{first['case_id']}/merge", headers=token("dispatcher"),
                                   json={"into": first["case_id"]})
    assert self_merge.status_code == 422
    view = await intake.get(f"/v1/reports/{second['report_id']}", headers=token("resident", subject="r2"))
    assert view.json()["case_id"] == first["case_id"] and view.json()["your_report_id"] == second["report_id"]


def test_rules_are_data_with_defaults_and_overrides(tmp_path):
    rules = load_rules()
    assert rules.rule_for("C09").radius_m == 50 and "C08" in rules.rule_for("C09").related
    assert rules.rule_for("C77").radius_m == rules.default.radius_m  # not listed: the default
    custom = tmp_path / "rules.yaml"
    custom.write_text("default: {radius_m: 10, window_hours: 1}\ncategories:\n  C01: {radius_m: 500}\n")
    mine = load_rules(str(custom))
    assert (mine.rule_for("C01").radius_m, mine.rule_for("C01").window_hours) == (500, 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories:\n  C01: {radius: 5}\n")
    import pytest

    with pytest.raises(ValueError, match="radius"):
        load_rules(str(bad))
    assert text_similarity("路口井盖没了很危险", "路口井盖没了, 很危险!") > 0.95
    assert text_similarity("路口井盖没了很危险", "垃圾三天没人拉") < 0.3


async def test_of_several_open_cases_that_match_the_nearest_wins_and_without_a_location_the_earliest(intake):
    # C06 (a loose signboard) links within 50 m.
    near_a = await _report(intake, "r-a", description="招牌松动", category="C06")
    near_b = await _report(intake, "r-b", description="招牌松动", category="C06", location=_at(north_m=80))
    assert near_b["duplicate_of"] is None  # beyond the radius of a
    between = await _report(intake, "r-c", description="招牌快掉了", category="C06", location=_at(north_m=45))
    assert between["duplicate_of"] == near_b["case_id"]  # 35 m from b, 45 m from a: the nearer, though a is earlier

    grid = near_a["grid"]
    first = await _report(intake, "r-d", description="井盖缺失", category="C02", location=None, grid=grid)
    second = await _report(intake, "r-e", description="井盖没了", category="C02", location=None, grid=grid)
    assert second["duplicate_of"] == first["case_id"]
    unlinked = await intake.post(f"/v1/reports/{second['report_id']}/unlink", headers=token("grid_member", grid=grid))
    assert unlinked.status_code == 202, unlinked.text  # now two open grid-only cases of one category
    third = await _report(intake, "r-f", description="井盖丢了", category="C02", location=None, grid=grid)
    assert third["duplicate_of"] == first["case_id"]  # equally near: the earliest


async def test_reports_of_one_problem_arriving_together_open_one_case(intake):
    # Sent at once, they reach the case writer together or in quick succession: each is compared with the
    # cases opened before it, including those of its own batch, so only the first opens a case.
    answers = await asyncio.gather(*(
        _report(intake, f"r-burst-{i}", description=f"路灯不亮 {i}", location=_at(north_m=10 * i)) for i in range(6)))
    primaries = {a["case_id"] for a in answers}
    assert len(primaries) == 1, answers
    assert await count(intake.app, Report, Report.case_number.is_not(None)) == 1
    assert sorted(a["reporters"] for a in answers if a["duplicate_of"]) == [2, 3, 4, 5, 6]
    events = await outbox_events(intake.app, 6)
    assert [t for t, _ in events].count("onegrid.case.reported") == 1
    linked = [d for t, d in events if t == "onegrid.case.duplicate_linked"]
    assert sorted(d["reporters"] for d in linked) == [2, 3, 4, 5, 6]
    assert {d["case_id"] for d in linked} == primaries
    case = (await intake.get(f"/v1/reports/{primaries.pop()}", headers=token("resident", subject="r-burst-3"))).json()
    assert case["reporters"] == 6
    assert sum("joined to this case" in t["summary"] for t in case["timeline"]) == 5


async def test_two_replicas_given_one_problem_at_the_same_moment_open_one_case(make_intake, make_database):
    # Two intake replicas on one database, each handed a report of the same problem at the same moment: their
    # batches take turns per grid, so the second sees the first's case and links to it.
    url = make_database("intake")
    replicas = [await make_intake(database_url=url), await make_intake(database_url=url)]
    for round_ in range(6):
        where = _at(north_m=400 * round_)  # each round its own spot, beyond the others' radius
        answers = await asyncio.gather(*(
            _report(replica, f"r-{round_}-{i}", description=f"路灯不亮 {round_}", location=where)
            for i, replica in enumerate(replicas)))
        assert len({a["case_id"] for a in answers}) == 1, answers
        assert sorted(bool(a["duplicate_of"]) for a in answers) == [False, True]
    assert await count(replicas[0].app, Report, Report.case_number.is_not(None)) == 6


def test_the_case_indexes_predicate_is_the_one_detection_states():
    # The candidate query states IS_CASE literally so the planner can use the partial indexes of migration 0004.
    import importlib.util
    from pathlib import Path

    from intake import models

    path = Path(models.__file__).with_name("migrations") / "versions" / "0004_case_index.py"
    spec = importlib.util.spec_from_file_location("case_indexes", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.IS_CASE == models.IS_CASE


def _across_a_border(index, metres: float = 30.0):
    """Two points ``metres`` either side of the border between two neighbouring grids, and the grids."""
    import math

    for code, polygon in zip(index.codes, index.polygons):
        start = polygon.representative_point()
        for other, neighbour in zip(index.codes, index.polygons):
            if other == code or not polygon.touches(neighbour):
                continue
            end = neighbour.representative_point()
            steps = 400
            previous = None
            for i in range(steps + 1):
                lon = start.x + (end.x - start.x) * i / steps
                lat = start.y + (end.y - start.y) * i / steps
                hit = index.locate(lat, lon)
                if previous is not None and hit is not None and hit.code != previous[2]:
                    d_lat, d_lon = lat - previous[0], lon - previous[1]  # one step across the border
                    step_m = math.hypot(d_lat * 111_320, d_lon * 111_320 * math.cos(math.radians(lat)))
                    k = metres / step_m
                    a = (previous[0] - d_lat * k, previous[1] - d_lon * k)
                    b = (lat + d_lat * k, lon + d_lon * k)
                    if index.locate(*a) and index.locate(*b) and index.locate(*a).code != index.locate(*b).code:
                        return a, b, index.locate(*a).code, index.locate(*b).code
                previous = (lat, lon, hit.code if hit else None)
    raise AssertionError("no two neighbouring grids in the test town")


async def test_a_located_report_reads_the_grids_within_the_radius_and_still_links_across_a_border(intake):
    index = intake.app.state.grids
    a, b, grid_a, grid_b = _across_a_border(index)
    assert grid_a != grid_b
    # The grids within the radius: the point's own grid, and its neighbour when the border is that near.
    assert grid_a in index.near(*a, 150) and grid_b in index.near(*a, 150)
    middle = index.polygons[index.codes.index(grid_a)].representative_point()
    assert index.near(middle.y, middle.x, 1.0) == [grid_a]
    assert len(index.near(middle.y, middle.x, 1.0)) < len(index.codes)

    first = await _report(intake, "r-border-1", description="路灯不亮", location={"lat": a[0], "lon": a[1]})
    second = await _report(intake, "r-border-2", description="这里路灯坏了", location={"lat": b[0], "lon": b[1]})
    assert first["grid"] == grid_a
    assert second["duplicate_of"] == first["case_id"]  # ~60 m apart, in two grids: one problem
