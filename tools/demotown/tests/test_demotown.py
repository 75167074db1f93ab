"""Tests of the demo-town generator: counts, exact tiling, households inside their grids,
valid ID numbers, consistent flags, committee constraints, determinism, scaled grids."""

from __future__ import annotations

import csv
import json
import math
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box, shape

from onegrid_demotown import FILES, generate, scaled_grids, town_bounds

PKG_ROOT = Path(__file__).resolve().parents[1]
REF = date(2026, 12, 1)
KM_PER_DEG_LAT = 111.32


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def age(birth: date) -> int:
    return REF.year - birth.year - ((REF.month, REF.day) < (birth.month, birth.day))


def check_char(first17: str) -> str:
    # ISO 7064 MOD 11-2, written independently of the generator: weights 2^(17-i) mod 11,
    # the check value c satisfies (sum + c) % 11 == 1, c == 10 written as X
    s = sum(int(ch) * (2 ** (17 - i) % 11) for i, ch in enumerate(first17))
    c = (12 - s % 11) % 11
    return "X" if c == 10 else str(c)


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    out = tmp_path_factory.mktemp("town")
    t0 = time.perf_counter()
    written = generate(out, seed=7)
    elapsed = time.perf_counter() - t0
    return {"dir": out, "written": written, "elapsed": elapsed}


@pytest.fixture(scope="module")
def data(town):
    d = town["dir"]
    return {
        "communities": read_csv(d / "communities.csv"),
        "grids": json.loads((d / "grids.geojson").read_text(encoding="utf-8")),
        "households": read_csv(d / "households.csv"),
        "residents": read_csv(d / "residents.csv"),
        "committees": read_csv(d / "committees.csv"),
        "mediators": read_csv(d / "mediators.csv"),
        "volunteers": read_csv(d / "volunteers.csv"),
    }


@pytest.fixture(scope="module")
def polygons(data):
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["grids"]["features"]}


# ------------------------------------------------------------------------------ files, counts


def test_files_and_counts(town, data):
    assert list(town["written"]) == list(FILES)
    assert sorted(p.name for p in town["dir"].iterdir()) == sorted(FILES)
    assert town["written"] == {
        "communities.csv": 12,
        "grids.geojson": 106,
        "households.csv": len(data["households"]),
        "residents.csv": len(data["residents"]),
        "committees.csv": 12,
        "mediators.csv": 60,
        "volunteers.csv": 102,
    }
    assert len(data["communities"]) == 12
    assert len(data["grids"]["features"]) == 106
    assert len(data["households"]) >= 30_000
    assert len(data["residents"]) >= 40_000
    assert len(data["committees"]) == 12
    assert len(data["mediators"]) == 60
    assert len(data["volunteers"]) == 102
    assert town["elapsed"] < 30, f"generation took {town['elapsed']:.1f}s"


def test_files_are_utf8_with_unix_line_ends(town):
    for name in FILES:
        raw = (town["dir"] / name).read_bytes()
        raw.decode("utf-8")
        assert b"\r" not in raw, name
        assert raw.endswith(b"\n"), name


def test_communities(data):
    rows = data["communities"]
    assert [r["code"] for r in rows] == [f"CM{i:02d}" for i in range(1, 13)]
    assert [r["kind"] for r in rows] == ["resettled"] * 6 + ["new"] + ["village"] * 5
    assert [r["committee"] for r in rows] == [f"M{i:02d}" for i in range(1, 13)]
    for r in rows:
        assert r["name_en"] and r["name_zh"]
        assert r["name_zh"].endswith("村" if r["kind"] == "village" else "社区")
    assert len({r["name_zh"] for r in rows}) == 12


def test_grids_split_and_properties(data):
    feats = data["grids"]["features"]
    props = [f["properties"] for f in feats]
    assert [p["code"] for p in props] == [f"G{i:03d}" for i in range(1, 107)]
    per = Counter(p["community"] for p in props)
    assert [per[f"CM{i:02d}"] for i in range(1, 13)] == [12, 12, 12, 11, 11, 11, 12, 5, 5, 5, 5, 5]
    communities = [p["community"] for p in props]
    assert communities == sorted(communities), "grid codes follow community order"
    kinds = Counter(p["kind"] for p in props)
    assert kinds == {"community": 81, "village": 25}
    for p in props:
        assert p["kind"] == ("village" if p["community"] >= "CM08" else "community")
        assert p["name_en"] and p["name_zh"]
    assert len({p["name_zh"] for p in props}) == 106


# ------------------------------------------------------------------------------ geometry


def test_rectangle_is_16_by_10_km_around_the_centre():
    west, south, east, north = town_bounds()
    assert (west + east) / 2 == pytest.approx(120.10, abs=2e-6)
    assert (south + north) / 2 == pytest.approx(30.25, abs=2e-6)
    km_lon = KM_PER_DEG_LAT * math.cos(math.radians(30.25))
    assert (east - west) * km_lon == pytest.approx(16.0, abs=1e-3)
    assert (north - south) * KM_PER_DEG_LAT == pytest.approx(10.0, abs=1e-3)
    for v in (west, south, east, north):
        assert round(v, 6) == v


def test_grids_tile_the_rectangle_exactly(data, polygons):
    fc = data["grids"]
    assert fc["type"] == "FeatureCollection"
    rect = box(*town_bounds())
    assert fc["bbox"] == list(town_bounds())
    polys = list(polygons.values())
    for f, poly in zip(fc["features"], polys):
        assert f["geometry"]["type"] == "Polygon"
        ring = f["geometry"]["coordinates"][0]
        assert len(f["geometry"]["coordinates"]) == 1
        assert ring[0] == ring[-1], "closed ring"
        assert all(round(c, 6) == c for pt in ring for c in pt), "6 decimals"
        assert poly.is_valid, shapely.is_valid_reason(poly)
        assert poly.exterior.is_ccw, "counter-clockwise exterior"
        assert rect.covers(poly)
    union = shapely.union_all(polys)
    assert union.geom_type == "Polygon"
    assert abs(union.area - rect.area) <= 1e-9 * rect.area, "no gaps"
    assert abs(sum(p.area for p in polys) - union.area) <= 1e-9 * rect.area, "no overlaps"
    assert shapely.coverage_is_valid(polys), "shared edges have matching vertices"
    # neighbours share edges (a line), never just overlap in area
    tree = shapely.STRtree(polys)
    for i, poly in enumerate(polys):
        for j in tree.query(poly, predicate="intersects"):
            if j != i:
                inter = poly.intersection(polys[j])
                assert inter.area <= 1e-12 * rect.area


def test_grids_look_like_a_town(polygons):
    # villages (rural) have larger grids than the resettled/new communities
    areas = {code: p.area for code, p in polygons.items()}
    community = [areas[f"G{i:03d}"] for i in range(1, 82)]
    village = [areas[f"G{i:03d}"] for i in range(82, 107)]
    assert sum(village) / 25 > 1.5 * sum(community) / 81
    # not equal strips: grid areas vary
    assert max(community) / min(community) > 1.1


# ------------------------------------------------------------------------------ households


def test_households_inside_their_grid(data, polygons):
    hh = data["households"]
    assert [h["household_id"] for h in hh] == [f"H{i:06d}" for i in range(1, len(hh) + 1)]
    grid_comm = {f["properties"]["code"]: f["properties"]["community"] for f in data["grids"]["features"]}
    by_grid = defaultdict(list)
    for h in hh:
        assert h["community"] == grid_comm[h["grid"]]
        assert re.fullmatch(r"\d+\.\d{6}", h["lat"]) and re.fullmatch(r"\d+\.\d{6}", h["lon"])
        by_grid[h["grid"]].append((float(h["lon"]), float(h["lat"])))
    assert set(by_grid) == set(polygons), "every grid has households"
    for code, pts in by_grid.items():
        poly = polygons[code]
        shapely.prepare(poly)
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        inside = shapely.contains_xy(poly, xs, ys)  # interior only: points on an edge fail
        assert inside.all(), f"{(~inside).sum()} households outside {code}"
    # and the STRtree agrees: each point is in exactly one grid
    codes = list(polygons)
    tree = shapely.STRtree(list(polygons.values()))
    points = shapely.points([(float(h["lon"]), float(h["lat"])) for h in hh])
    idx = tree.query(points, predicate="within")
    hits = Counter(idx[0].tolist())
    assert all(hits[i] == 1 for i in range(len(hh)))
    assert all(codes[g] == hh[p]["grid"] for p, g in zip(idx[0].tolist(), idx[1].tolist()))


def test_households_denser_in_community_grids(data):
    per = Counter(h["grid"] for h in data["households"])
    kind = {f["properties"]["code"]: f["properties"]["kind"] for f in data["grids"]["features"]}
    comm = [n for g, n in per.items() if kind[g] == "community"]
    vill = [n for g, n in per.items() if kind[g] == "village"]
    assert sum(comm) / len(comm) > 1.5 * sum(vill) / len(vill)


def test_household_addresses(data):
    names = {r["code"]: r["name_zh"] for r in data["communities"]}
    kinds = {r["code"]: r["kind"] for r in data["communities"]}
    addresses = [h["address"] for h in data["households"]]
    assert len(set(addresses)) == len(addresses), "addresses are unique"
    for h in data["households"]:
        name = re.escape(names[h["community"]])
        if kinds[h["community"]] == "village":
            assert re.fullmatch(name + r"[1-9]\d*组[1-9]\d*号", h["address"]), h
        else:
            assert re.fullmatch(name + r"[1-9]\d*栋[1-9]单元[1-9]\d?0[12]", h["address"]), h


# ------------------------------------------------------------------------------ residents


def test_residents_basic(data):
    rs = data["residents"]
    assert [r["resident_id"] for r in rs] == [f"R{i:06d}" for i in range(1, len(rs) + 1)]
    hh_ids = {h["household_id"] for h in data["households"]}
    assert {r["household_id"] for r in rs} == hh_ids, "every household has a resident"
    assert len({r["id_number"] for r in rs}) == len(rs)
    assert len({r["phone"] for r in rs}) == len(rs)
    for r in rs:
        assert r["name"].strip() == r["name"] and r["name"]
        assert r["gender"] in ("M", "F")
        assert re.fullmatch(r"1(3|5|8)\d{9}", r["phone"]), r
        assert r["language"] in ("zh", "en")
        if r["language"] == "zh":
            assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", r["name"]), r
    en = sum(r["language"] == "en" for r in rs) / len(rs)
    assert 0.003 <= en <= 0.02
    ages = [age(date.fromisoformat(r["birth_date"])) for r in rs]
    assert min(ages) >= 0 and max(ages) <= 110
    assert sum(a >= 80 for a in ages) > 100
    assert sum(a < 18 for a in ages) > 100


def test_id_numbers(data):
    for r in data["residents"]:
        n = r["id_number"]
        assert len(n) == 18 and re.fullmatch(r"\d{17}[\dX]", n), r
        assert n[17] == check_char(n[:17]), f"bad check digit {n}"
        birth = date.fromisoformat(r["birth_date"])
        assert n[6:14] == birth.strftime("%Y%m%d"), r
        assert int(n[16]) % 2 == (1 if r["gender"] == "M" else 0), "17th digit: odd for men"
        assert birth <= REF


def test_check_digit_helper_known_value():
    # a published example (GB 11643-1999): 11010519491231002X
    assert check_char("11010519491231002") == "X"
    from onegrid_demotown import id_check_digit

    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == check_char("44052418800101001")


def test_flags_consistent(data):
    rs = data["residents"]
    size = Counter(r["household_id"] for r in rs)
    allowed = ["aged_80_plus", "disabled", "living_alone", "low_income"]
    disabled = low = 0
    for r in rs:
        flags = r["flags"].split(";") if r["flags"] else []
        assert all(f in allowed for f in flags), r
        assert len(set(flags)) == len(flags)
        assert flags == sorted(flags, key=allowed.index), "canonical order"
        a = age(date.fromisoformat(r["birth_date"]))
        assert ("aged_80_plus" in flags) == (a >= 80), r
        assert ("living_alone" in flags) == (size[r["household_id"]] == 1), r
        disabled += "disabled" in flags
        low += "low_income" in flags
    assert 0.02 <= disabled / len(rs) <= 0.04
    assert 0.035 <= low / len(rs) <= 0.065


# ------------------------------------------------------------------------------ organisation


def test_committees(data):
    cs = data["committees"]
    assert [c["code"] for c in cs] == [f"M{i:02d}" for i in range(1, 13)]
    assert [c["community"] for c in cs] == [f"CM{i:02d}" for i in range(1, 13)]
    by_comm = {r["committee"]: r["code"] for r in data["communities"]}
    for c in cs:
        m, w = int(c["members"]), int(c["women_members"])
        assert 3 <= m <= 9
        assert 1 <= w <= m
        assert by_comm[c["code"]] == c["community"]
        assert c["name_en"] and c["name_zh"]
    assert sum(int(c["members"]) for c in cs) == 60


def test_mediators(data):
    ms = data["mediators"]
    assert [m["code"] for m in ms] == [f"MD{i:03d}" for i in range(1, 61)]
    members = Counter(m["committee"] for m in ms)
    women = Counter(m["committee"] for m in ms if m["gender"] == "F")
    for c in data["committees"]:
        assert members[c["code"]] == int(c["members"])
        assert women[c["code"]] == int(c["women_members"])
    expertise = ["family", "land", "debt", "labour", "neighbourhood", "property", "consumer"]
    for m in ms:
        ex = m["expertise"].split(";")
        assert 1 <= len(ex) <= 3 and len(set(ex)) == len(ex) and set(ex) <= set(expertise), m
        assert m["languages"] in ("zh", "zh;en")
        assert m["active"] in ("true", "false")
        assert m["gender"] in ("M", "F")
        assert re.fullmatch(r"1(3|5|8)\d{9}", m["phone"])
    assert sum(m["active"] == "false" for m in ms) == 2
    active = [m for m in ms if m["active"] == "true"]
    assert {e for m in active for e in m["expertise"].split(";")} == set(expertise)
    assert any(m["languages"] == "zh;en" for m in active)


def test_volunteers(data):
    vs = data["volunteers"]
    assert len({v["code"] for v in vs}) == 102
    grids = {f["properties"]["code"] for f in data["grids"]["features"]}
    for v in vs:
        assert v["grid"] in grids and v["name"]
        assert re.fullmatch(r"1(3|5|8)\d{9}", v["phone"])
    phones = [r["phone"] for r in data["residents"]] + [m["phone"] for m in data["mediators"]]
    phones += [v["phone"] for v in vs]
    assert len(set(phones)) == len(phones)


# ------------------------------------------------------------------------------ determinism, CLI


def test_same_seed_same_bytes(town, tmp_path):
    generate(tmp_path, seed=7)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (town["dir"] / name).read_bytes(), name


def test_other_seed_differs_and_grids_only(town, tmp_path):
    written = generate(tmp_path, seed=8, grids_only=True)
    assert list(written) == ["communities.csv", "grids.geojson"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["communities.csv", "grids.geojson"]
    assert (tmp_path / "communities.csv").read_bytes() == (town["dir"] / "communities.csv").read_bytes()
    assert (tmp_path / "grids.geojson").read_bytes() != (town["dir"] / "grids.geojson").read_bytes()
    # grids-only writes the same grids as a full run with that seed
    generate(tmp_path / "full", seed=8)
    assert (tmp_path / "grids.geojson").read_bytes() == (tmp_path / "full" / "grids.geojson").read_bytes()


@pytest.mark.parametrize("seed", [1, 2, 3, 11, 99])
def test_other_seeds_still_tile(seed, tmp_path):
    generate(tmp_path, seed=seed, grids_only=True)
    fc = json.loads((tmp_path / "grids.geojson").read_text(encoding="utf-8"))
    polys = [shape(f["geometry"]) for f in fc["features"]]
    rect = box(*town_bounds())
    assert all(p.is_valid and p.exterior.is_ccw for p in polys)
    assert shapely.coverage_is_valid(polys)
    assert abs(shapely.union_all(polys).area - rect.area) <= 1e-9 * rect.area
    assert abs(sum(p.area for p in polys) - rect.area) <= 1e-9 * rect.area


def test_cli(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PKG_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "onegrid_demotown", "--out", str(tmp_path / "o"), "--seed", "7", "--grids-only"],
        capture_output=True, text=True, env=env, check=True,
    )
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2
    assert "communities.csv" in lines[0] and "12" in lines[0]
    assert "grids.geojson" in lines[1] and "106" in lines[1]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["communities.csv", "grids.geojson"]


# ------------------------------------------------------------------------------ scaled grids


def _check_tiling(fc: dict, n: int) -> None:
    feats = fc["features"]
    assert len(feats) == n
    assert [f["properties"]["code"] for f in feats] == [f"G{i:05d}" for i in range(1, n + 1)]
    polys = [shape(f["geometry"]) for f in feats]
    assert all(shapely.is_valid(polys))
    rect = box(*fc["bbox"])
    total = sum(p.area for p in polys)
    union = shapely.coverage_union_all(polys)
    assert abs(union.area - rect.area) <= 1e-9 * rect.area
    assert abs(total - rect.area) <= 1e-9 * rect.area, "no overlaps"
    assert shapely.coverage_is_valid(polys)


def test_scaled_grids_10000():
    t0 = time.perf_counter()
    fc = scaled_grids(10_000)
    assert time.perf_counter() - t0 < 20
    _check_tiling(fc, 10_000)
    polys = [shape(f["geometry"]) for f in fc["features"]]
    assert shapely.union_all(polys).geom_type == "Polygon"
    # about the town's mean grid area, so ~94x the town's area
    rect = box(*fc["bbox"])
    assert rect.area / box(*town_bounds()).area == pytest.approx(10_000 / 106, rel=0.01)
    assert scaled_grids(10_000) == fc, "deterministic"


@pytest.mark.parametrize("n", [1, 2, 7, 106, 1000])
def test_scaled_grids_small(n):
    _check_tiling(scaled_grids(n, seed=3), n)
