"""Grid and household registers: validated imports (all or nothing, every rejected row reported),
re-imports that update, the demo town in well under a minute, masking of personal data by role."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import shutil
import time
from pathlib import Path

import pytest
import shapely
from intake.cli import app as cli
from intake.grids import GridCollectionIn, GridIndex, check_grids
from intake.households import id_number_is_valid
from intake.models import Grid, Household, Resident
from intake.privacy import MaskingFilter, mask_text
from intake_testing import count
from onegrid_devstack.flows import token
from sqlmodel import select
from typer.testing import CliRunner


def _rewrite(path: Path, edit) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


async def test_the_demo_town_seeds_at_startup_fast_and_personal_data_is_masked_by_role(make_intake, demo_town):
    started = time.perf_counter()
    intake = await make_intake(seed=demo_town)
    seconds = time.perf_counter() - started
    assert await count(intake.app, Household) >= 30_000 and await count(intake.app, Resident) >= 40_000
    assert seconds < 30, f"startup with the household register took {seconds:.1f} s"

    async with intake.app.state.db.transaction() as s:
        resident = next(r for r in (await s.exec(select(Resident).order_by(Resident.id).limit(200))).all() if r.flags)
        household = await s.get(Household, resident.household_id)
    url = f"/v1/households/{household.id}"
    member = (await intake.get(url, headers=token("grid_member", grid=household.grid))).json()
    me = next(r for r in member["residents"] if r["id"] == resident.id)
    assert me["phone"] == resident.phone and me["id_number"] == resident.id_number and me["name"] == resident.name
    assert set(resident.flags) <= set(member["vulnerability_flags"])
    staff = (await intake.get(url, headers=token("dept_staff", department="D02"))).json()
    masked = next(r for r in staff["residents"] if r["id"] == resident.id)
    assert masked["phone"] == resident.phone[:3] + "****" + resident.phone[-4:]
    assert masked["id_number"].startswith(resident.id_number[:3]) and "*" * 11 in masked["id_number"]
    assert masked["name"] != resident.name and masked["birth_date"] is None and masked["flags"] == me["flags"]
    other_grid = await intake.get(url, headers=token("grid_member", grid="G000"))
    assert other_grid.status_code == 403
    neighbour = await intake.get(url, headers=token("resident", subject="R999999"))
    assert neighbour.status_code == 403

    flagged = (await intake.get("/v1/households", params={"grid": household.grid, "flag": resident.flags[0]},
                                headers=token("grid_member", grid=household.grid))).json()
    assert flagged["total"] >= 1 and all(resident.flags[0] in h["vulnerability_flags"] for h in flagged["items"])
    assert (await intake.get("/v1/households", headers=token("dispatcher"))).status_code == 422

    # A report about a registered household lands in its grid and carries its vulnerability flags.
    answer = await intake.post("/v1/reports", headers=token("dispatcher"),
                               json={"description": "老人家里漏水", "household_id": household.id,
                                     "reporter": {"resident_id": resident.id}})
    assert answer.status_code == 202, answer.text
    assert answer.json()["grid"] == household.grid
    by_address = await intake.post("/v1/reports", headers=token("dispatcher"),
                                   json={"description": "楼道堆满杂物 abc", "address": household.address, "category": "C02"})
    assert by_address.status_code == 202 and by_address.json()["grid"] == household.grid
    grid = (await intake.get(f"/v1/grids/{household.grid}", headers=token("resident"))).json()
    assert grid["properties"]["open_cases"] == 2 and grid["properties"]["households"] > 0


async def test_household_import_reports_every_rejected_row_writes_nothing_and_reimport_updates(make_intake, demo_town, tmp_path):
    intake = await make_intake()
    url = intake.app.state.settings.database_url
    households, residents = tmp_path / "households.csv", tmp_path / "residents.csv"
    shutil.copy(demo_town / "households.csv", households)
    shutil.copy(demo_town / "residents.csv", residents)

    def spoil_households(rows):
        rows[2][1] = "G999"            # line 3: unknown grid
        rows[5][4] = "north"           # line 6: latitude not a number
        rows[7][0] = rows[6][0]        # line 8: duplicate id

    def spoil_residents(rows):
        rows[1][7] = "aged_80_plus;rich"   # line 2: unknown flag
        rows[3][6] = rows[3][6][:-1] + ("0" if rows[3][6][-1] != "0" else "1")  # line 4: check digit
        rows[4][4] = "1990-13-01"          # line 5: no such date

    _rewrite(households, spoil_households)
    _rewrite(residents, spoil_residents)
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, cli, ["import-households", str(households), str(residents), "--database-url", url])
    assert result.exit_code == 1, result.output
    for line, column in (("3", "grid"), ("6", "lat"), ("8", "household_id"), ("2", "flags"), ("4", "id_number"),
                         ("5", "birth_date")):
        assert any(line in row and column in row for row in result.output.splitlines()), (line, column, result.output)
    assert "nothing was imported" in result.output
    assert await count(intake.app, Household) == 0 and await count(intake.app, Resident) == 0

    shutil.copy(demo_town / "households.csv", households)
    shutil.copy(demo_town / "residents.csv", residents)
    started = time.perf_counter()
    result = await asyncio.to_thread(runner.invoke, cli, ["import-households", str(households), str(residents), "--database-url", url])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "checking" in result.output and "writing" in result.output  # the progress bar's stages
    n_households, n_residents = await count(intake.app, Household), await count(intake.app, Resident)
    assert n_households >= 30_000 and n_residents >= 40_000
    assert seconds < 60, f"the demo town's register took {seconds:.1f} s"
    print(f"\nimported {n_households} households and {n_residents} residents in {seconds:.1f} s")

    # Re-import with one address changed: updated in place, nothing duplicated.
    _rewrite(households, lambda rows: rows[1].__setitem__(3, "云阳社区1栋1单元101(改)"))
    result = await asyncio.to_thread(runner.invoke, cli, ["import-households", str(households), str(residents), "--database-url", url])
    assert result.exit_code == 0 and "updated" in result.output, result.output
    assert await count(intake.app, Household) == n_households and await count(intake.app, Resident) == n_residents
    async with intake.app.state.db.transaction() as s:
        first = await s.get(Household, "H000001")
    assert first.address == "云阳社区1栋1单元101(改)"


def _square(x: float, y: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]}


def _feature(code: str, geometry: dict, community: str = "CM01") -> dict:
    return {"type": "Feature", "properties": {"code": code, "community": community}, "geometry": geometry}


def test_grid_checks_name_duplicates_invalid_polygons_overlaps_and_gaps():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    ring = [_feature("A1", _square(120.0, 30.0)), _feature("A2", _square(120.01, 30.0)),
            _feature("A3", _square(120.02, 30.0)), _feature("A4", _square(120.0, 30.01)),
            _feature("A6", _square(120.02, 30.01)), _feature("A7", _square(120.0, 30.02)),
            _feature("A8", _square(120.01, 30.02)), _feature("A9", _square(120.02, 30.02))]  # A5, the centre, is missing
    features = ring + [_feature("A1", _square(121, 31)), _feature("B1", bowtie), _feature("B2", _square(120.005, 30.0)),
                       _feature("B3", _square(122, 31), community="CM99"), _feature("bad code!", _square(123, 31)),
                       {"type": "Feature", "properties": {"code": "B4", "community": "CM01"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]
    _, report = check_grids(GridCollectionIn(type="FeatureCollection", features=features), communities={"CM01": "village"})
    reasons = " | ".join(f"{e.code}: {e.reason}" for e in report.errors)
    assert "A1 is used twice" in reasons
    assert "B1: polygon is not valid: Self-intersection" in reasons
    assert "CM99" in reasons and "bad code!" in reasons and "B4: geometry must be a GeoJSON Polygon" in reasons
    assert {tuple(sorted(o.grids)) for o in report.overlaps} == {("A1", "B2"), ("A2", "B2")}
    assert len(report.gaps) == 1 and report.gaps[0].area_m2 == pytest.approx(1_070_000, rel=0.05)
    assert report.gaps[0].lat == pytest.approx(30.015, abs=0.005)


def test_point_to_grid_lookup_is_fast_for_ten_thousand_grids():
    grids = [Grid(code=f"G{i:05d}", jurisdiction="T", community="C", name_en="", name_zh="", kind="community",
                  geometry=_square(100 + (i % 100) * 0.01, 20 + (i // 100) * 0.01)) for i in range(10_000)]
    index = GridIndex(grids)
    import random

    rng = random.Random(1)
    points = [(20 + rng.random() * 0.999, 100 + rng.random() * 0.999) for _ in range(10_000)]
    started = time.perf_counter()
    hits = [index.locate(lat, lon) for lat, lon in points]
    seconds = time.perf_counter() - started
    assert all(hits) and seconds < 2.0, f"10,000 lookups over 10,000 grids took {seconds:.2f} s"
    lat, lon = points[0]
    expected = f"G{int((lat - 20) / 0.01) * 100 + int((lon - 100) / 0.01):05d}"
    assert hits[0].code == expected


async def test_admin_imports_grids_all_or_nothing_and_lookups_follow(intake, grid_town):
    collection = json.loads((grid_town / "grids.geojson").read_text())
    g001 = next(f for f in collection["features"] if f["properties"]["code"] == "G001")
    overlapping = json.loads(json.dumps(g001))
    overlapping["properties"]["code"] = "G900"
    bad = await intake.post("/v1/admin/grids/import", headers=token("admin"),
                            json={"type": "FeatureCollection", "features": [overlapping]})
    assert bad.status_code == 422 and "overlap" in bad.json()["detail"]
    assert bad.json()["report"]["overlaps"][0]["grids"] == ["G001", "G900"] or bad.json()["report"]["errors"]
    assert await count(intake.app, Grid, Grid.code == "G900") == 0
    assert (await intake.post("/v1/admin/grids/import", headers=token("dispatcher"),
                              json={"type": "FeatureCollection", "features": [overlapping]})).status_code == 403

    far = _feature("G901", _square(121.5, 31.5), community=g001["properties"]["community"])
    dry = await intake.post("/v1/admin/grids/import?dry_run=true", headers=token("admin"),
                            json={"type": "FeatureCollection", "features": [far]})
    assert dry.status_code == 200 and dry.json()["created"] == 1 and dry.json()["applied"] is False
    assert await count(intake.app, Grid, Grid.code == "G901") == 0
    done = await intake.post("/v1/admin/grids/import", headers=token("admin"),
                             json={"type": "FeatureCollection", "features": [far]})
    assert done.status_code == 200 and done.json()["applied"] is True and "G001" in done.json()["not_in_file"]
    report = await intake.post("/v1/reports", headers=token("resident"),
                               json={"description": "新网格里的问题", "location": {"lat": 31.505, "lon": 121.505}})
    assert report.status_code == 202 and report.json()["grid"] == "G901"


def test_id_numbers_phones_and_logs_are_masked():
    assert id_number_is_valid("11010519491231002X") and not id_number_is_valid("110105194912310021")
    assert mask_text("call 13812345678 or id 11010519491231002X") == "call 138****5678 or id 110***********002X"
    record = logging.LogRecord("intake", logging.INFO, __file__, 1, "reporter %s phone %s", ("王芳", "13912345678"), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == "reporter 王芳 phone 139****5678"
    assert shapely.is_valid(shapely.box(0, 0, 1, 1))


async def test_a_grid_import_through_one_replica_reaches_the_others(make_intake, grid_town):
    first = await make_intake(grid_refresh_seconds=0.2)
    second = await make_intake(database_url=first.app.state.settings.database_url, grid_refresh_seconds=0.2)
    community = json.loads((grid_town / "grids.geojson").read_text())["features"][0]["properties"]["community"]
    body = {"description": "新网格里的问题", "location": {"lat": 31.605, "lon": 121.605}}
    outside = await second.post("/v1/reports", headers=token("resident"), json=body)
    assert outside.status_code == 422  # no grid there yet

    done = await first.post("/v1/admin/grids/import", headers=token("admin"), json={
        "type": "FeatureCollection", "features": [_feature("G950", _square(121.6, 31.6), community=community)]})
    assert done.status_code == 200 and done.json()["applied"] is True

    deadline = time.monotonic() + 10
    while (answer := await second.post("/v1/reports", headers=token("resident"), json=body)).status_code != 202:
        assert answer.status_code == 422 and time.monotonic() < deadline, answer.text
        await asyncio.sleep(0.1)
    assert answer.json()["grid"] == "G950"
