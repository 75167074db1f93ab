"""Deterministic generator of the OneGrid demo town, Yunyang Bay Town (云阳湾镇, ``YYB``).

Everything is drawn from one ``random.Random(seed)`` (never the global generator, never the
clock), the draws happen in a fixed order, and nothing iterates over a set or a hash-ordered
container, so the same seed gives byte-identical files.

Geometry. The town is a 16 km x 10 km rectangle centred on 30.25 N, 120.10 E; kilometres
become degrees with 111.32 km per degree of latitude and 111.32 * cos(30.25 deg) km per degree
of longitude. Each community is a vertical band (width proportional to its grid count, village
grids weighing more because they are rural), the band boundaries wobble gently, and each band
is cut into rows by jittered polylines. Every vertex is rounded to 6 decimals once and then
shared by every polygon that uses it (a cut line's end is also a vertex of the band boundary
it ends on, for the polygons on both sides), so the grids tile the rectangle exactly: no gaps,
no overlaps, matching vertices along shared edges (a valid polygonal coverage).
"""

from __future__ import annotations

import bisect
import csv
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# --------------------------------------------------------------------------------------------
# The town
# --------------------------------------------------------------------------------------------

JURISDICTION = {
    "code": "YYB",
    "name_en": "Yunyang Bay Town",
    "name_zh": "云阳湾镇",
    "time_zone": "Asia/Shanghai",
}
CENTER_LAT = 30.25
CENTER_LON = 120.10
WIDTH_KM = 16.0  # east-west
HEIGHT_KM = 10.0  # north-south
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(CENTER_LAT))

#: the day ages are counted on (aged_80_plus means age >= 80 on this day)
REFERENCE_DATE = date(2026, 12, 1)

TOTAL_HOUSEHOLDS = 30_600
TOTAL_RESIDENTS = 40_800
TOTAL_MEDIATORS = 60
TOTAL_VOLUNTEERS = 102

FLAGS = ("aged_80_plus", "disabled", "living_alone", "low_income")
EXPERTISE = ("family", "land", "debt", "labour", "neighbourhood", "property", "consumer")

FILES = (
    "communities.csv",
    "grids.geojson",
    "households.csv",
    "residents.csv",
    "committees.csv",
    "mediators.csv",
    "volunteers.csv",
)


@dataclass(frozen=True)
class Community:
    code: str
    name_en: str
    name_zh: str
    kind: str  # resettled | new | village
    grids: int

    @property
    def committee(self) -> str:
        return "M" + self.code[2:]

    @property
    def grid_kind(self) -> str:
        return "village" if self.kind == "village" else "community"


COMMUNITIES: tuple[Community, ...] = (
    Community("CM01", "Yunyang Community", "云阳社区", "resettled", 12),
    Community("CM02", "Wantou Community", "湾头社区", "resettled", 12),
    Community("CM03", "Jiangpan Community", "江畔社区", "resettled", 12),
    Community("CM04", "Xintang Community", "新塘社区", "resettled", 11),
    Community("CM05", "Jinqiao Community", "金桥社区", "resettled", 11),
    Community("CM06", "Fenglin Community", "枫林社区", "resettled", 11),
    Community("CM07", "Wanjing Community", "湾景社区", "new", 12),
    Community("CM08", "Qingshi Village", "青石村", "village", 5),
    Community("CM09", "Taoyuan Village", "桃源村", "village", 5),
    Community("CM10", "Meiling Village", "梅岭村", "village", 5),
    Community("CM11", "Shuangxi Village", "双溪村", "village", 5),
    Community("CM12", "Zhuwu Village", "竹坞村", "village", 5),
)

#: relative land per grid: a village grid is rural and covers more ground
_BAND_WEIGHT_PER_GRID = {"resettled": 1.0, "new": 1.0, "village": 2.2}
#: relative households per grid
_HOUSEHOLD_WEIGHT_PER_GRID = {"resettled": 1.0, "new": 1.1, "village": 0.47}


# --------------------------------------------------------------------------------------------
# Geometry: a local km frame and an exact tiler
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """A width x height km rectangle centred on (lat, lon); x east, y north, origin at SW."""

    width: float
    height: float
    center_lat: float = CENTER_LAT
    center_lon: float = CENTER_LON

    @property
    def lon_w(self) -> float:
        return self.center_lon - self.width / 2 / KM_PER_DEG_LON

    @property
    def lat_s(self) -> float:
        return self.center_lat - self.height / 2 / KM_PER_DEG_LAT

    def deg(self, x: float, y: float) -> tuple[float, float]:
        """km -> (lon, lat), rounded to 6 decimals."""
        return (round(self.lon_w + x / KM_PER_DEG_LON, 6), round(self.lat_s + y / KM_PER_DEG_LAT, 6))

    def km(self, lon: float, lat: float) -> tuple[float, float]:
        return ((lon - self.lon_w) * KM_PER_DEG_LON, (lat - self.lat_s) * KM_PER_DEG_LAT)

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, exactly as the tiles' outer vertices."""
        west, south = self.deg(0.0, 0.0)
        east, north = self.deg(self.width, self.height)
        return (west, south, east, north)


_TOWN = _Frame(WIDTH_KM, HEIGHT_KM)


def town_bounds() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the town rectangle in degrees (6 decimals)."""
    return _TOWN.bounds()


_MIN_GAP_KM = 0.03  # min north-south distance between two cut ends on one boundary
_SAMPLE_STEP_KM = 0.4  # vertices along a wobbling band boundary
_CUT_FRACTIONS = (0.25, 0.5, 0.75)  # interior vertices of a cut, across its band

Point = tuple[float, float]


@dataclass
class _Boundary:
    ys: list[float] = field(default_factory=list)
    pts: list[Point] = field(default_factory=list)
    index: dict[float, int] = field(default_factory=dict)


def _tile(
    rng: random.Random,
    frame: _Frame,
    weights: list[float],
    rows: list[int],
    wobble: float = 1.0,
) -> list[list[list[Point]]]:
    """Tile ``frame`` exactly: bands west->east with widths ~ ``weights``, band i cut into
    ``rows[i]`` rows. Returns, per band, the closed counter-clockwise rings bottom->top."""
    nb = len(weights)
    raw = [w * (1.0 + rng.uniform(-0.08, 0.08)) for w in weights]
    total = sum(raw)
    xs = [0.0]
    acc = 0.0
    for r in raw[:-1]:
        acc += r
        xs.append(frame.width * acc / total)
    xs.append(frame.width)
    widths = [xs[i + 1] - xs[i] for i in range(nb)]

    # Band boundary b is x = f_b(y): straight on the outside, a gentle sum of two sines inside
    # (|f'| <= ~0.25, so a cut line leaving it eastwards or westwards never meets it again).
    curves: list[tuple[float, tuple[tuple[float, float, float], ...]]] = []
    for b in range(nb + 1):
        if b in (0, nb) or wobble <= 0:
            curves.append((xs[b], ()))
            continue
        wmin = min(widths[b - 1], widths[b])
        a1 = min(0.07 * wmin, 0.12) * wobble
        a2 = min(0.03 * wmin, 0.05) * wobble
        terms = (
            (a1, 2 * math.pi / rng.uniform(5.0, 8.0), rng.uniform(0.0, 2 * math.pi)),
            (a2, 2 * math.pi / rng.uniform(3.0, 4.0), rng.uniform(0.0, 2 * math.pi)),
        )
        curves.append((xs[b], terms))

    def fx(b: int, y: float) -> float:
        x0, terms = curves[b]
        return x0 + sum(a * math.sin(k * y + p) for a, k, p in terms)

    # Cuts: (y at the west end, interior (x, y) vertices, y at the east end), bottom->top.
    ends: list[list[float]] = [[] for _ in range(nb + 1)]  # sorted cut-end ys per boundary
    cuts: list[list[tuple[float, list[tuple[float, float]], float]]] = []
    for i in range(nb):
        n = rows[i]
        rowh = frame.height / n
        jit = min(0.12 * rowh, 0.10) * wobble
        band = [(0.0, [], 0.0)]
        for r in range(1, n):
            base = frame.height * r / n + rng.uniform(-0.10, 0.10) * rowh * wobble
            west = ends[i]
            for _ in range(200):
                yl = base + rng.uniform(-jit, jit)
                k = bisect.bisect_left(west, yl)
                near = [abs(west[j] - yl) for j in (k - 1, k) if 0 <= j < len(west)]
                if not near or min(near) >= _MIN_GAP_KM:
                    break
            interior = [(xs[i] + f * widths[i], base + rng.uniform(-jit, jit)) for f in _CUT_FRACTIONS]
            yr = base + rng.uniform(-jit, jit)
            bisect.insort(ends[i], yl)
            bisect.insort(ends[i + 1], yr)
            band.append((yl, interior, yr))
        band.append((frame.height, [], frame.height))
        cuts.append(band)

    boundaries: list[_Boundary] = []
    for b in range(nb + 1):
        ys = [0.0, *ends[b], frame.height]
        if curves[b][1]:
            k = max(1, round(frame.height / _SAMPLE_STEP_KM))
            end_ys = ends[b]
            for s in range(1, k):
                y = frame.height * s / k
                j = bisect.bisect_left(end_ys, y)
                near = [abs(end_ys[t] - y) for t in (j - 1, j) if 0 <= t < len(end_ys)]
                if not near or min(near) >= _MIN_GAP_KM:
                    ys.append(y)
            ys.sort()
        bd = _Boundary()
        for y in ys:
            bd.index[y] = len(bd.pts)
            bd.ys.append(y)
            bd.pts.append(frame.deg(fx(b, y), y))
        boundaries.append(bd)

    out: list[list[list[Point]]] = []
    for i in range(nb):
        left, right = boundaries[i], boundaries[i + 1]
        lines = [
            [left.pts[left.index[yl]], *(frame.deg(x, y) for x, y in interior), right.pts[right.index[yr]]]
            for yl, interior, yr in cuts[i]
        ]
        rings = []
        for r in range(rows[i]):
            (ylo_l, _, ylo_r), (yhi_l, _, yhi_r) = cuts[i][r], cuts[i][r + 1]
            ring = list(lines[r])
            ring += right.pts[right.index[ylo_r] + 1 : right.index[yhi_r]]
            ring += reversed(lines[r + 1])
            ring += reversed(left.pts[left.index[ylo_l] + 1 : left.index[yhi_l]])
            ring.append(ring[0])
            rings.append(ring)
        out.append(rings)
    return out


def _feature(code: str, ring: list[Point], props: dict) -> dict:
    return {
        "type": "Feature",
        "id": code,
        "properties": {"code": code, **props},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in ring]]},
    }


def _feature_collection(features: list[dict], bounds: tuple[float, float, float, float], **extra) -> dict:
    return {"type": "FeatureCollection", "bbox": list(bounds), **extra, "features": features}


# --------------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------------


@dataclass
class Grid:
    code: str
    name_en: str
    name_zh: str
    community: Community
    number: int  # 1.. within its community, north to south
    ring: list[Point]  # closed, counter-clockwise, (lon, lat)

    @property
    def kind(self) -> str:
        return self.community.grid_kind


def _make_grids(rng: random.Random) -> list[Grid]:
    weights = [_BAND_WEIGHT_PER_GRID[c.kind] * c.grids for c in COMMUNITIES]
    rows = [c.grids for c in COMMUNITIES]
    bands = _tile(rng, _TOWN, weights, rows, wobble=1.0)
    grids: list[Grid] = []
    for comm, rings in zip(COMMUNITIES, bands):
        for number, ring in enumerate(reversed(rings), start=1):  # north to south
            code = f"G{len(grids) + 1:03d}"
            grids.append(
                Grid(
                    code=code,
                    name_en=f"{comm.name_en} Grid {number}",
                    name_zh=f"{comm.name_zh}第{number}网格",
                    community=comm,
                    number=number,
                    ring=ring,
                )
            )
    return grids


def _grids_geojson(grids: list[Grid]) -> dict:
    features = [
        _feature(
            g.code,
            g.ring,
            {"name_en": g.name_en, "name_zh": g.name_zh, "community": g.community.code, "kind": g.kind},
        )
        for g in grids
    ]
    return _feature_collection(features, town_bounds(), jurisdiction=dict(JURISDICTION))


def scaled_grids(n: int, seed: int = 7) -> dict:
    """A GeoJSON FeatureCollection of ``n`` rectangular-ish grids ``G00001``.. that tile a
    rectangle of the town's shape (16:10), scaled so each grid has about the town's mean grid
    area (~1.5 km2): e.g. 10,000 grids cover about 155 km x 97 km around the town centre.
    Meant for benchmarking point-in-grid lookup. Same exactness as the town's grids."""
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = random.Random(seed)
    town_grids = sum(c.grids for c in COMMUNITIES)
    scale = math.sqrt(n / town_grids)
    frame = _Frame(WIDTH_KM * scale, HEIGHT_KM * scale)
    cell = math.sqrt(WIDTH_KM * HEIGHT_KM / town_grids)
    nb = max(1, min(n, round(frame.width / cell)))
    rows = [n // nb + (1 if i < n % nb else 0) for i in range(nb)]
    bands = _tile(rng, frame, [float(r) for r in rows], rows, wobble=0.5)
    features = []
    for b, rings in enumerate(bands, start=1):
        for ring in reversed(rings):
            code = f"G{len(features) + 1:05d}"
            features.append(
                _feature(
                    code,
                    ring,
                    {
                        "name_en": f"Grid {code[1:]}",
                        "name_zh": f"第{code[1:]}网格",
                        "community": f"SC{b:03d}",
                        "kind": "community",
                    },
                )
            )
    return _feature_collection(features, frame.bounds())


# --------------------------------------------------------------------------------------------
# Point sampling inside a grid (local km)
# --------------------------------------------------------------------------------------------


class _Shape:
    def __init__(self, ring: list[Point]):
        self.km = [_TOWN.km(lon, lat) for lon, lat in ring]
        xs = [p[0] for p in self.km]
        ys = [p[1] for p in self.km]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))
        self.segs = list(zip(self.km, self.km[1:]))

    def contains(self, x: float, y: float) -> bool:
        inside = False
        for (x1, y1), (x2, y2) in self.segs:
            if (y1 > y) != (y2 > y):
                if x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
        return inside

    def edge_distance(self, x: float, y: float) -> float:
        best = math.inf
        for (x1, y1), (x2, y2) in self.segs:
            dx, dy = x2 - x1, y2 - y1
            t = ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)
            t = 0.0 if t < 0 else 1.0 if t > 1 else t
            d = math.hypot(x - x1 - t * dx, y - y1 - t * dy)
            if d < best:
                best = d
        return best

    def inside_with_margin(self, x: float, y: float, margin: float) -> bool:
        return self.contains(x, y) and self.edge_distance(x, y) >= margin

    def sample(self, rng: random.Random, margin: float) -> tuple[float, float]:
        x0, y0, x1, y1 = self.bbox
        while True:
            for _ in range(2000):
                x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
                if self.inside_with_margin(x, y, margin):
                    return x, y
            margin /= 2


def _point(x: float, y: float) -> tuple[float, float]:
    """km -> (lat, lon) rounded, in the CSV's column order."""
    lon, lat = _TOWN.deg(x, y)
    return lat, lon


# --------------------------------------------------------------------------------------------
# Households
# --------------------------------------------------------------------------------------------


@dataclass
class Household:
    id: str
    grid: Grid
    address: str
    lat: float
    lon: float


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights`` (deterministic)."""
    s = sum(weights)
    quotas = [total * w / s for w in weights]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _community_grid_households(rng: random.Random, grid: Grid, n: int, first_building: int) -> tuple[list, int]:
    """Apartment buildings: returns ([(address, lat, lon)], buildings used)."""
    shape = _Shape(grid.ring)
    new = grid.community.kind == "new"
    buildings = []  # (number, units, floors, x, y)
    capacity = 0
    while capacity < n / 0.88 or not buildings:
        units = rng.choice((2, 2, 3)) if new else rng.choice((2, 3, 3, 4))
        floors = rng.choice((18, 24, 26, 33)) if new else rng.choice((6, 11, 11, 12, 15, 18))
        x, y = shape.sample(rng, 0.06)
        buildings.append((first_building + len(buildings), units, floors, x, y))
        capacity += units * floors * 2
    slots = []
    for bno, units, floors, x, y in buildings:
        for u in range(1, units + 1):
            for f in range(1, floors + 1):
                for room in (1, 2):
                    slots.append((bno, u, f, room, units, x, y))
    chosen = sorted(rng.sample(range(len(slots)), n))
    out = []
    for k in chosen:
        bno, u, f, room, units, x, y = slots[k]
        # each unit (stairwell) sits ~15 m east of the previous one along the building
        px = x + (u - (units + 1) / 2) * 0.015 + rng.uniform(-0.003, 0.003)
        py = y + (room - 1.5) * 0.008 + rng.uniform(-0.003, 0.003)
        lat, lon = _point(px, py)
        out.append((f"{grid.community.name_zh}{bno}栋{u}单元{f}{room:02d}", lat, lon))
    return out, len(buildings)


def _village_grid_households(rng: random.Random, grid: Grid, n: int, first_group: int) -> tuple[list, int]:
    """Natural villages: each production group (组) is a cluster of houses."""
    shape = _Shape(grid.ring)
    groups = 2 if n < 140 else 3
    sizes = _apportion(n, [rng.uniform(0.7, 1.3) for _ in range(groups)])
    out = []
    for g, size in enumerate(sizes):
        gno = first_group + g
        cx, cy = shape.sample(rng, 0.25)
        numbers = sorted(rng.sample(range(1, int(size * 1.15) + 2), size))
        for no in numbers:
            while True:
                r = 0.18 * math.sqrt(rng.random())
                t = rng.uniform(0, 2 * math.pi)
                px, py = cx + r * math.cos(t), cy + r * math.sin(t)
                if shape.inside_with_margin(px, py, 0.005):
                    break
            lat, lon = _point(px, py)
            out.append((f"{grid.community.name_zh}{gno}组{no}号", lat, lon))
    return out, groups


def _make_households(rng: random.Random, grids: list[Grid]) -> list[Household]:
    weights = [_HOUSEHOLD_WEIGHT_PER_GRID[g.community.kind] * rng.uniform(0.8, 1.2) for g in grids]
    counts = _apportion(TOTAL_HOUSEHOLDS, weights)
    households: list[Household] = []
    next_unit: dict[str, int] = {}
    for grid, n in zip(grids, counts):
        first = next_unit.get(grid.community.code, 1)
        if grid.kind == "village":
            rows, used = _village_grid_households(rng, grid, n, first)
        else:
            rows, used = _community_grid_households(rng, grid, n, first)
        next_unit[grid.community.code] = first + used
        for address, lat, lon in rows:
            households.append(Household(f"H{len(households) + 1:06d}", grid, address, lat, lon))
    return households


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

_SURNAMES = (
    "王陈张李徐周吴沈金朱钱杨黄刘孙胡何方姚俞蒋许郑邵汪章冯马郭高林施叶倪毛潘傅董"
    "楼余赵袁谢唐陆严丁程范顾戴蔡韩曹魏宋虞钟应吕杜缪裘孔翁盛屠洪卢邱夏"
)
_SURNAME_WEIGHTS = tuple(max(1.0, 12.0 - i * 0.6) for i in range(len(_SURNAMES)))
_GIVEN_M = "伟强磊军勇杰涛明超斌鹏华建国平辉刚峰志文俊浩宇晨轩博睿天泽海林荣根生福德龙永兴亮成康荣富祥贵水金"
_GIVEN_F = "芳娜敏静丽艳娟霞秀英兰玲婷雪慧莉萍红琴燕梅凤洁丹颖欣怡佳雨萱诗涵晓月桂珍美琳瑶素云彩菊"
_EN_FIRST_M = ("James", "David", "Michael", "Daniel", "Thomas", "Oliver", "Lucas", "Mark", "Peter", "Andrew")
_EN_FIRST_F = ("Emily", "Sarah", "Anna", "Laura", "Grace", "Sophie", "Emma", "Hannah", "Claire", "Olivia")
_EN_SURNAMES = ("Smith", "Johnson", "Brown", "Wilson", "Taylor", "Clarke", "Walker", "Evans", "Hughes", "Martin",
                "Turner", "Cooper", "Reid", "Murphy", "Kelly", "Bennett")
#: nationality codes (GB/T 2659 numeric) of English-speaking permanent residents
_EN_NATIONALITIES = ("826", "840", "036", "124", "554", "372")
#: county codes of the hukou: mostly local (Hangzhou), some from neighbouring provinces
_AREA_CODES = ("330110", "330106", "330108", "330111", "330122", "330127", "341221", "340826", "411522")
_AREA_WEIGHTS = (60, 10, 6, 8, 4, 3, 4, 3, 2)
_MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + ("150", "151", "152", "153", "155", "156", "157", "158",
                                                          "159") + tuple(f"18{d}" for d in range(10))

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of an 18-character Chinese resident ID."""
    s = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[s % 11]


def age_on(birth: date, day: date = REFERENCE_DATE) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# (lo, hi, weight): age buckets, uniform within a bucket
_AGES = {
    "single": ((18, 39, 24), (40, 59, 27), (60, 79, 40), (80, 99, 9)),
    "head": ((25, 44, 30), (45, 59, 33), (60, 79, 32), (80, 95, 5)),
    "member": ((0, 17, 28), (18, 59, 44), (60, 79, 23), (80, 101, 5)),
}


def _birth_date(rng: random.Random, role: str) -> date:
    buckets = _AGES[role]
    lo, hi, _ = rng.choices(buckets, weights=[b[2] for b in buckets])[0]
    age = rng.randint(lo, hi)
    # born in (REF - (age+1) years, REF - age years]
    start = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age - 1)
    end = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    birth = start + timedelta(days=rng.randint(1, (end - start).days))
    assert age_on(birth) == age
    return birth


class _People:
    """Names, phone numbers and ID numbers, unique across the whole town."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.ids: set[str] = set()

    def surname(self) -> str:
        return self.rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]

    def zh_name(self, gender: str, surname: str | None = None) -> str:
        chars = _GIVEN_M if gender == "M" else _GIVEN_F
        given = self.rng.choice(chars)
        if self.rng.random() < 0.7:
            given += self.rng.choice(chars)
        return (surname or self.surname()) + given

    def en_name(self, gender: str, surname: str | None = None) -> str:
        first = self.rng.choice(_EN_FIRST_M if gender == "M" else _EN_FIRST_F)
        return f"{first} {surname or self.rng.choice(_EN_SURNAMES)}"

    def phone(self) -> str:
        while True:
            p = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def id_number(self, birth: date, gender: str, foreign_nationality: str | None = None) -> str:
        """Resident ID (area + birth date + sequence, odd for men + check), or for a foreign
        permanent resident the 2023 card: 9 + province 33 + nationality + birth + ... + check."""
        if foreign_nationality:
            area = "933" + foreign_nationality
        else:
            area = self.rng.choices(_AREA_CODES, weights=_AREA_WEIGHTS)[0]
        while True:
            seq = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            full = first17 + id_check_digit(first17)
            if full not in self.ids:
                self.ids.add(full)
                return full


@dataclass
class Resident:
    id: str
    household_id: str
    name: str
    gender: str
    birth_date: date
    phone: str
    id_number: str
    flags: str
    language: str


def _make_residents(rng: random.Random, people: _People, households: list[Household]) -> list[Resident]:
    # household sizes: everyone gets one resident, the rest go (more often) to village households
    size_w = [1.6 if h.grid.kind == "village" else 1.0 for h in households]
    cum = []
    acc = 0.0
    for w in size_w:
        acc += w
        cum.append(acc)
    sizes = [1] * len(households)
    for k in rng.choices(range(len(households)), cum_weights=cum, k=TOTAL_RESIDENTS - len(households)):
        sizes[k] += 1

    residents: list[Resident] = []
    for h, size in zip(households, sizes):
        p_en = 0.04 if h.grid.community.kind == "new" else 0.005 if h.grid.kind == "community" else 0.0
        english = rng.random() < p_en
        nationality = rng.choice(_EN_NATIONALITIES) if english else None
        low_income = rng.random() < 0.05
        family = rng.choice(_EN_SURNAMES) if english else people.surname()
        for m in range(size):
            gender = rng.choice("MF")
            role = "single" if size == 1 else "head" if m == 0 else "member"
            birth = _birth_date(rng, role)
            age = age_on(birth)
            if english:
                name = people.en_name(gender, family if (m == 0 or age < 18) else None)
            else:
                name = people.zh_name(gender, family if (m == 0 or age < 18) else None)
            flags = []
            if age >= 80:
                flags.append("aged_80_plus")
            if rng.random() < 0.03:
                flags.append("disabled")
            if size == 1:
                flags.append("living_alone")
            if low_income:
                flags.append("low_income")
            residents.append(
                Resident(
                    id=f"R{len(residents) + 1:06d}",
                    household_id=h.id,
                    name=name,
                    gender=gender,
                    birth_date=birth,
                    phone=people.phone(),
                    id_number=people.id_number(birth, gender, nationality),
                    flags=";".join(flags),
                    language="en" if english else "zh",
                )
            )
    return residents


# --------------------------------------------------------------------------------------------
# Committees, mediators, volunteers
# --------------------------------------------------------------------------------------------


def _make_committees(rng: random.Random, households: list[Household]) -> list[dict]:
    per_comm = {c.code: 0 for c in COMMUNITIES}
    for h in households:
        per_comm[h.grid.community.code] += 1
    members = [3] * len(COMMUNITIES)
    weights = [per_comm[c.code] for c in COMMUNITIES]
    for _ in range(TOTAL_MEDIATORS - sum(members)):
        open_ = [i for i, m in enumerate(members) if m < 9]
        i = rng.choices(open_, weights=[weights[j] for j in open_])[0]
        members[i] += 1
    out = []
    for c, m in zip(COMMUNITIES, members):
        women = max(1, min(m - 1, round(m * rng.uniform(0.3, 0.55))))
        out.append(
            {
                "code": c.committee,
                "name_en": f"{c.name_en} People's Mediation Committee",
                "name_zh": f"{c.name_zh}人民调解委员会",
                "community": c.code,
                "members": m,
                "women_members": women,
            }
        )
    return out


def _make_mediators(rng: random.Random, people: _People, committees: list[dict]) -> list[dict]:
    mediators = []
    for cm in committees:
        genders = ["F"] * cm["women_members"] + ["M"] * (cm["members"] - cm["women_members"])
        rng.shuffle(genders)
        village = COMMUNITIES[int(cm["community"][2:]) - 1].kind == "village"
        pref = (3, 4, 1, 2, 3, 1, 1) if village else (3, 1, 2, 2, 3, 3, 2)
        for gender in genders:
            k = rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
            picked: list[str] = []
            while len(picked) < k:
                e = rng.choices(EXPERTISE, weights=pref)[0]
                if e not in picked:
                    picked.append(e)
            mediators.append(
                {
                    "code": f"MD{len(mediators) + 1:03d}",
                    "committee": cm["code"],
                    "name": people.zh_name(gender),
                    "gender": gender,
                    "expertise": [e for e in EXPERTISE if e in picked],
                    "english": rng.random() < 0.15,
                    "phone": people.phone(),
                    "active": True,
                }
            )
    # two inactive, in different committees
    first = rng.randrange(len(mediators))
    second = rng.choice([i for i, m in enumerate(mediators) if m["committee"] != mediators[first]["committee"]])
    mediators[first]["active"] = mediators[second]["active"] = False
    active = [m for m in mediators if m["active"]]
    # every expertise and English must be on offer from active mediators
    for e in EXPERTISE:
        if not any(e in m["expertise"] for m in active):
            m = rng.choice([m for m in active if len(m["expertise"]) < 3])
            m["expertise"] = [x for x in EXPERTISE if x in m["expertise"] or x == e]
    while sum(m["english"] for m in active) < 3:
        rng.choice([m for m in active if not m["english"]])["english"] = True
    return [
        {
            "code": m["code"],
            "committee": m["committee"],
            "name": m["name"],
            "gender": m["gender"],
            "expertise": ";".join(m["expertise"]),
            "languages": "zh;en" if m["english"] else "zh",
            "phone": m["phone"],
            "active": "true" if m["active"] else "false",
        }
        for m in mediators
    ]


def _make_volunteers(rng: random.Random, people: _People, grids: list[Grid]) -> list[dict]:
    chosen = sorted(rng.sample(range(len(grids)), TOTAL_VOLUNTEERS))
    return [
        {"code": f"V{k:03d}", "name": people.zh_name(rng.choice("MF")), "grid": grids[i].code, "phone": people.phone()}
        for k, i in enumerate(chosen, start=1)
    ]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_csv(path: Path, header: list[str], rows) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def _write_geojson(path: Path, fc: dict) -> int:
    """One feature per line (diff-friendly), UTF-8, no ASCII escaping."""
    head = {k: v for k, v in fc.items() if k != "features"}
    dumps = lambda o: json.dumps(o, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    body = ",\n".join(dumps(f) for f in fc["features"])
    text = dumps(head)[:-1] + ',"features":[\n' + body + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return len(fc["features"])


def generate(out_dir: Path, seed: int = 7, grids_only: bool = False) -> dict[str, int]:
    """Write the demo town into ``out_dir``; returns file name -> rows (features) written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written: dict[str, int] = {}

    written["communities.csv"] = _write_csv(
        out_dir / "communities.csv",
        ["code", "name_en", "name_zh", "kind", "committee"],
        ([c.code, c.name_en, c.name_zh, c.kind, c.committee] for c in COMMUNITIES),
    )
    grids = _make_grids(rng)
    written["grids.geojson"] = _write_geojson(out_dir / "grids.geojson", _grids_geojson(grids))
    if grids_only:
        return written

    households = _make_households(rng, grids)
    written["households.csv"] = _write_csv(
        out_dir / "households.csv",
        ["household_id", "grid", "community", "address", "lat", "lon"],
        ([h.id, h.grid.code, h.grid.community.code, h.address, f"{h.lat:.6f}", f"{h.lon:.6f}"] for h in households),
    )
    people = _People(rng)
    residents = _make_residents(rng, people, households)
    written["residents.csv"] = _write_csv(
        out_dir / "residents.csv",
        ["resident_id", "household_id", "name", "gender", "birth_date", "phone", "id_number", "flags", "language"],
        (
            [r.id, r.household_id, r.name, r.gender, r.birth_date.isoformat(), r.phone, r.id_number, r.flags,
             r.language]
            for r in residents
        ),
    )
    committees = _make_committees(rng, households)
    cols = ["code", "name_en", "name_zh", "community", "members", "women_members"]
    written["committees.csv"] = _write_csv(
        out_dir / "committees.csv", cols, ([c[k] for k in cols] for c in committees)
    )
    mediators = _make_mediators(rng, people, committees)
    cols = ["code", "committee", "name", "gender", "expertise", "languages", "phone", "active"]
    written["mediators.csv"] = _write_csv(out_dir / "mediators.csv", cols, ([m[k] for k in cols] for m in mediators))
    volunteers = _make_volunteers(rng, people, grids)
    cols = ["code", "name", "grid", "phone"]
    written["volunteers.csv"] = _write_csv(out_dir / "volunteers.csv", cols, ([v[k] for k in cols] for v in volunteers))
    return written
