"""Facts read from a town's own files (the demo town or a real one)."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def grid_feature(town: Path, grid: str) -> dict:
    features = json.loads((town / "grids.geojson").read_text(encoding="utf-8"))["features"]
    return next(f for f in features if f["properties"]["code"] == grid)


def inside_point(town: Path, grid: str) -> tuple[float, float]:
    """(lat, lon) of a point inside the grid."""
    from shapely.geometry import shape

    point = shape(grid_feature(town, grid)["geometry"]).representative_point()
    return point.y, point.x


def committee_of(town: Path, grid: str) -> str:
    """The mediation committee serving the community the grid belongs to."""
    community = grid_feature(town, grid)["properties"]["community"]
    with open(town / "communities.csv", encoding="utf-8") as f:
        return next(row["committee"] for row in csv.DictReader(f) if row["code"] == community)
