"""The grid register: import from GeoJSON with validation (codes unique, polygons valid, overlaps
and gaps reported), communities above the grids, and point-to-grid lookup through an STRtree."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from onegrid_runtime.db import utcnow
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PField
from shapely.geometry import Point, shape
from shapely.strtree import STRtree
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.bulk import upsert
from intake.errors import RegisterImportRejected
from intake.models import Community, Grid, GridRegister

GRID_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
M2_PER_DEG2_AT_EQUATOR = 111_320.0 ** 2
TOLERANCE_M2 = 1.0  # overlaps and gaps smaller than a square metre are rounding, not errors


def degrees_around(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-height and half-width, in degrees of latitude and longitude, of the box around a point at ``lat``
    that holds every point within ``radius_m``."""
    dlat = radius_m / 111_320.0
    return dlat, dlat / max(0.01, math.cos(math.radians(lat)))


@dataclass(frozen=True)
class GridHit:
    code: str
    community: str


class GridIndex:
    """In-memory spatial index of the grids; rebuilt whenever the register changes."""

    def __init__(self, grids: list[Grid], revision: int = 0) -> None:
        self.revision = revision  # of the register it was loaded from
        self.codes = [g.code for g in grids]
        self.communities = {g.code: g.community for g in grids}
        self.polygons = [shape(g.geometry) for g in grids]
        for polygon in self.polygons:
            shapely.prepare(polygon)
        self.tree = STRtree(self.polygons) if self.polygons else None

    def locate(self, lat: float, lon: float) -> GridHit | None:
        if self.tree is None:
            return None
        point = Point(lon, lat)
        hits = sorted(int(i) for i in self.tree.query(point, predicate="intersects"))
        if not hits:
            return None
        code = self.codes[hits[0]]  # on a shared edge the first grid in register order wins
        return GridHit(code, self.communities[code])

    def locate_many(self, lats: list[float], lons: list[float]) -> list[str | None]:
        """Vectorised lookup (imports): the grid of each point, or None."""
        found: list[str | None] = [None] * len(lats)
        if self.tree is None or not lats:
            return found
        points = shapely.points(lons, lats)
        inputs, grids = self.tree.query(points, predicate="intersects")
        for i, g in sorted(zip(inputs.tolist(), grids.tolist())):
            if found[i] is None:
                found[i] = self.codes[g]
        return found

    def near(self, lat: float, lon: float, radius_m: float) -> list[str]:
        """The grids within ``radius_m`` of a point or a little farther: those meeting the box of that
        half-width around it. Every point within the radius lies in one of them."""
        if self.tree is None:
            return []
        dlat, dlon = degrees_around(lat, radius_m)
        box = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        return sorted({self.codes[int(i)] for i in self.tree.query(box, predicate="intersects")})

    def nearest(self, lat: float, lon: float) -> str | None:
        if self.tree is None:
            return None
        return self.codes[int(self.tree.nearest(Point(lon, lat)))]

    def community_of(self, code: str) -> str | None:
        return self.communities.get(code)


async def load_index(session: AsyncSession) -> GridIndex:
    revision = await register_revision(session)
    return GridIndex(list((await session.exec(select(Grid).order_by(Grid.code))).all()), revision)


async def register_revision(session: AsyncSession) -> int:
    return (await session.exec(select(GridRegister.revision).where(GridRegister.id == 1))).one()


async def current_index(session: AsyncSession, index: GridIndex) -> GridIndex:
    """``index`` while the register has not changed since it was loaded, else the register loaded again
    (another replica, or the command line, imported grids)."""
    if await register_revision(session) == index.revision:
        return index
    return await load_index(session)


# --- import ---------------------------------------------------------------------------------


class CommunityIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str = PField(pattern=r"^[A-Za-z0-9_-]{1,16}$")
    name_en: str = PField(min_length=1, max_length=200)
    name_zh: str = PField(min_length=1, max_length=200)
    kind: str = PField(pattern=r"^(resettled|new|village|community)$")
    committee: str | None = PField(default=None, max_length=16)


class GridCollectionIn(BaseModel):
    """A GeoJSON FeatureCollection of grid polygons; each feature's properties carry ``code`` and
    ``community`` (and optionally ``name_en``, ``name_zh``, ``kind``). Communities may come along."""

    model_config = ConfigDict(extra="allow")
    type: str = PField(pattern="^FeatureCollection$")
    features: list[dict[str, Any]] = PField(min_length=1, max_length=20000)
    communities: list[CommunityIn] = PField(default_factory=list, max_length=2000)


class GridProblem(BaseModel):
    feature: int | None = PField(description="0-based index of the feature in the file")
    code: str | None = None
    reason: str


class GridOverlap(BaseModel):
    grids: tuple[str, str]
    area_m2: float


class GridGap(BaseModel):
    area_m2: float
    lat: float = PField(description="A point inside the gap")
    lon: float


class GridImportReport(BaseModel):
    grids: int = 0
    created: int = 0
    updated: int = 0
    applied: bool = False
    errors: list[GridProblem] = []
    overlaps: list[GridOverlap] = []
    gaps: list[GridGap] = []
    not_in_file: list[str] = PField(default=[], description="Registered grids absent from the file (kept)")


def _area_m2(geometry: Any) -> float:
    if geometry.is_empty:
        return 0.0
    lat = geometry.representative_point().y
    return float(geometry.area) * M2_PER_DEG2_AT_EQUATOR * math.cos(math.radians(lat))


def check_grids(
    collection: GridCollectionIn, *, communities: dict[str, str], kept: dict[str, dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], GridImportReport]:
    """Validate a grid collection; returns the grid rows and a report (errors, overlaps, gaps).

    ``communities`` maps known community codes to their kind; ``kept`` holds the registered grids
    (code -> GeoJSON geometry) the file does not replace: overlaps and gaps are checked against the
    register as it will be after the import."""
    report = GridImportReport(grids=len(collection.features))
    rows: list[dict[str, Any]] = []
    polygons: list[Any] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(collection.features):
        props = feature.get("properties") or {}
        code = props.get("code", feature.get("id"))
        problems: list[str] = []
        if not isinstance(code, str) or not GRID_CODE.match(code):
            problems.append(f"properties.code must be 1-16 letters, digits, '-' or '_', not {code!r}")
            code = None
        elif code in seen:
            problems.append(f"grid code {code} is used twice (features {seen[code]} and {i})")
        else:
            seen[code] = i
        community = props.get("community")
        if not isinstance(community, str) or community not in communities:
            problems.append(f"properties.community {community!r} is not a known community")
        for name in ("name_en", "name_zh", "kind"):
            if name in props and not isinstance(props[name], str):
                problems.append(f"properties.{name} must be a string")
        geometry = feature.get("geometry")
        polygon = None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append("geometry must be a GeoJSON Polygon or MultiPolygon")
        else:
            try:
                polygon = shape(geometry)
            except Exception as exc:  # noqa: BLE001 - malformed coordinates of any kind
                problems.append(f"geometry is malformed: {exc}")
            if polygon is not None:
                minx, miny, maxx, maxy = polygon.bounds if not polygon.is_empty else (0, 0, 0, 0)
                if polygon.is_empty:
                    problems.append("geometry is empty")
                elif not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                    problems.append("coordinates must be [longitude, latitude] in WGS 84")
                elif not polygon.is_valid:
                    problems.append(f"polygon is not valid: {shapely.is_valid_reason(polygon)}")
        if problems:
            report.errors.extend(GridProblem(feature=i, code=code, reason=p) for p in problems)
            continue
        assert polygon is not None and code is not None
        polygons.append((code, polygon))
        kind = props.get("kind") or ("village" if communities.get(community) == "village" else "community")
        rows.append({"code": code, "community": community, "name_en": props.get("name_en") or code,
                     "name_zh": props.get("name_zh") or code, "kind": kind[:16],
                     "geometry": json.loads(json.dumps(geometry))})
    in_file = len(polygons)
    for code, geometry in (kept or {}).items():
        if code not in seen:
            polygons.append((code, shape(geometry)))
    if polygons:
        shapes = [p for _, p in polygons]
        tree = STRtree(shapes)
        pairs = tree.query(shapes, predicate="intersects")
        for a, b in zip(pairs[0].tolist(), pairs[1].tolist()):
            if a < b and a < in_file:
                area = _area_m2(shapes[a].intersection(shapes[b]))
                if area > TOLERANCE_M2:
                    report.overlaps.append(GridOverlap(grids=(polygons[a][0], polygons[b][0]), area_m2=round(area, 1)))
        union = shapely.union_all(shapes)
        parts = list(getattr(union, "geoms", [union]))
        for part in parts:
            for ring in getattr(part, "interiors", []):
                hole = shapely.Polygon(ring)
                area = _area_m2(hole)
                if area > TOLERANCE_M2:
                    point = hole.representative_point()
                    report.gaps.append(GridGap(area_m2=round(area, 1), lat=round(point.y, 6), lon=round(point.x, 6)))
        for overlap in report.overlaps:
            report.errors.append(GridProblem(feature=None, code=overlap.grids[0],
                                             reason=f"grids {overlap.grids[0]} and {overlap.grids[1]} overlap by "
                                                    f"{overlap.area_m2} m²: a point there would have two grids"))
    return rows, report


async def import_grids(
    session: AsyncSession, collection: GridCollectionIn, *, jurisdiction: str, dry_run: bool = False
) -> GridImportReport:
    """Validate and (unless ``dry_run``) upsert communities and grids; all or nothing.

    Errors (bad codes, duplicates, invalid polygons, unknown communities, overlaps) reject the whole
    import with the report; gaps between grids are reported but do not block it."""
    for community in collection.communities:
        await session.merge(Community(jurisdiction=jurisdiction, **community.model_dump()))
    known = {c.code: c.kind for c in (await session.exec(select(Community))).all()}
    known.update({c.code: c.kind for c in collection.communities})
    registered = {g.code: g.geometry for g in (await session.exec(select(Grid))).all()}
    rows, report = check_grids(collection, communities=known, kept=registered)
    report.grids = len(collection.features)
    existing = set(registered)
    codes = {r["code"] for r in rows}
    report.created = len(codes - existing)
    report.updated = len(codes & existing)
    report.not_in_file = sorted(existing - codes)
    if report.errors:
        raise RegisterImportRejected(
            f"{len(report.errors)} problem(s) in the grid file; nothing was imported. First: {report.errors[0].reason}",
            report=report.model_dump(mode="json"),
        )
    if dry_run:
        return report
    await session.flush()
    await upsert(session, Grid.__table__, [{**r, "jurisdiction": jurisdiction} for r in rows], key=["code"])
    await session.exec(update(GridRegister).where(GridRegister.id == 1)  # type: ignore[call-overload]
                          .values(revision=GridRegister.revision + 1, changed_at=utcnow()))
    report.applied = True
    return report


def read_communities_csv(path: Path) -> list[CommunityIn]:
    with open(path, encoding="utf-8", newline="") as f:
        return [CommunityIn(**{k: (v or None) if k == "committee" else v for k, v in row.items()})
                for row in csv.DictReader(f)]


def read_grid_file(path: Path, communities: Path | None = None) -> GridCollectionIn:
    data = json.loads(path.read_text(encoding="utf-8"))
    if communities is not None:
        data["communities"] = [c.model_dump() for c in read_communities_csv(communities)]
    return GridCollectionIn.model_validate(data)


async def import_town(session: AsyncSession, directory: Path, *, jurisdiction: str) -> int:
    """Import communities.csv and grids.geojson from a town's folder; returns the grid count."""
    collection = read_grid_file(directory / "grids.geojson", directory / "communities.csv")
    report = await import_grids(session, collection, jurisdiction=jurisdiction)
    return report.grids
