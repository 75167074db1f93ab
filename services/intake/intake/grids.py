"""The grid register: import from a town's files and point-to-grid lookup through an STRtree."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.models import Community, Grid


@dataclass(frozen=True)
class GridHit:
    code: str
    community: str


class GridIndex:
    """In-memory spatial index of the grids; rebuilt whenever the register changes."""

    def __init__(self, grids: list[Grid]) -> None:
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
        for i in self.tree.query(point, predicate="intersects"):
            code = self.codes[int(i)]
            return GridHit(code, self.communities[code])
        return None

    def nearest(self, lat: float, lon: float) -> str | None:
        if self.tree is None:
            return None
        return self.codes[int(self.tree.nearest(Point(lon, lat)))]

    def community_of(self, code: str) -> str | None:
        return self.communities.get(code)


async def load_index(session: AsyncSession) -> GridIndex:
    return GridIndex(list((await session.exec(select(Grid))).all()))


async def import_town(session: AsyncSession, directory: Path, *, jurisdiction: str) -> int:
    """Import communities.csv and grids.geojson from a town's folder; returns the grid count."""
    with open(directory / "communities.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            await session.merge(
                Community(code=row["code"], jurisdiction=jurisdiction, name_en=row["name_en"], name_zh=row["name_zh"],
                          kind=row["kind"], committee=row.get("committee") or None)
            )
    collection: dict[str, Any] = json.loads((directory / "grids.geojson").read_text(encoding="utf-8"))
    for feature in collection["features"]:
        p = feature["properties"]
        await session.merge(
            Grid(code=p["code"], jurisdiction=jurisdiction, community=p["community"], name_en=p.get("name_en", p["code"]),
                 name_zh=p.get("name_zh", p["code"]), kind=p.get("kind", "community"), geometry=feature["geometry"])
        )
    await session.flush()
    return len(collection["features"])
