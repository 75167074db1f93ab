"""Duplicate detection: is a new report about the same problem as an open case? Rules per category
are data (duplicates.yaml, or the file named by INTAKE_DUPLICATE_RULES)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from onegrid_contracts.catalog import Catalog
from onegrid_runtime.db import among
from rapidfuzz import fuzz
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.grids import GridIndex, degrees_around
from intake.models import IS_CASE, Report
from intake.status import OPEN_STATUSES

RULES_FILE = Path(__file__).with_name("duplicates.yaml")


@dataclass(frozen=True)
class DuplicateRule:
    radius_m: float = 150.0
    window_hours: float = 72.0
    text_similarity: float = 0.8
    related: tuple[str, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class DuplicateRules:
    default: DuplicateRule
    categories: dict[str, DuplicateRule]

    def rule_for(self, category: str | None) -> DuplicateRule:
        return self.categories.get(category or "", self.default)


def _rule(base: DuplicateRule, data: dict, where: str) -> DuplicateRule:
    unknown = set(data) - {"radius_m", "window_hours", "text_similarity", "related", "enabled"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rule = replace(base, **{k: (tuple(v) if k == "related" else v) for k, v in data.items()})
    if rule.radius_m <= 0 or rule.window_hours <= 0 or not 0 < rule.text_similarity <= 1:
        raise ValueError(f"{where}: radius_m and window_hours must be positive, text_similarity in (0, 1]")
    return rule


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> DuplicateRules:
    data = yaml.safe_load(Path(path or RULES_FILE).read_text(encoding="utf-8")) or {}
    default = _rule(DuplicateRule(), data.get("default") or {}, "default")
    categories = {code: _rule(default, rule or {}, f"categories.{code}") for code, rule in (data.get("categories") or {}).items()}
    return DuplicateRules(default=default, categories=categories)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).casefold())


def text_similarity(a: str, b: str) -> float:
    """0..1, character based (works for Chinese without word breaks and for English alike)."""
    return similarity_to(normalise(a), b)


def similarity_to(normalised: str, b: str) -> float:
    """``text_similarity`` for a text normalised once and compared with many."""
    return fuzz.ratio(normalised, normalise(b)) / 100.0


@dataclass(frozen=True)
class DuplicateMatch:
    """The open case a new report duplicates: the candidate's row (``id`` and the compared columns) and why."""

    primary: Any
    reason: str


def rule_for_report(rules: DuplicateRules, catalog: Catalog, category_code: str | None) -> DuplicateRule | None:
    """The rule that decides whether a report of this category duplicates an open case; None when none does."""
    rule = rules.rule_for(category_code)
    category = catalog.categories.get(category_code or "")
    if not rule.enabled or (category is not None and category.mediation):
        return None  # disputes are between parties: mediation joins them, not intake
    return rule


def searched_grids(report: Mapping[str, Any], rule: DuplicateRule, grids: GridIndex) -> set[str]:
    """The grids whose open cases ``report`` (its row) is compared with: its own, and for a report with a location
    those within the rule's radius (``GridIndex.near``). A case the report could duplicate lies in one of them."""
    lat, lon, grid = report["lat"], report["lon"], report["grid"]
    if lat is None or lon is None:
        return {grid}
    return {*grids.near(lat, lon, rule.radius_m), grid}


async def open_cases_near(conn: AsyncConnection, report: Mapping[str, Any], rule: DuplicateRule, now: datetime, *,
                          searched: set[str]) -> list[Any]:
    """The open cases the new ``report`` (its row) could duplicate, earliest first: plain rows of the few columns
    compared (a busy grid has hundreds of open cases: building them as ORM objects cost more than everything else
    a report does). The read keeps to the grids ``searched`` (``searched_grids``: the report's own, and for a
    located report those within the rule's radius), through the index of cases by grid and time."""
    lat, lon, grid = report["lat"], report["lon"], report["grid"]
    c = Report.__table__.c  # type: ignore[attr-defined]
    # IS_CASE as plain SQL (no parameters), so the planner can match the partial index's predicate; then open ones only.
    query = select(c.id, c.lat, c.lon, c.grid, c.category, c.description, c.reported_at).where(
        text(IS_CASE), c.status.in_(OPEN_STATUSES), c.jurisdiction == report["jurisdiction"],
        c.reported_at >= now - timedelta(hours=rule.window_hours), among(conn, c.grid, searched),
    )
    if lat is not None and lon is not None:
        dlat, dlon = degrees_around(lat, rule.radius_m)
        query = query.where(
            (c.lat.between(lat - dlat, lat + dlat) & c.lon.between(lon - dlon, lon + dlon))
            | (c.lat.is_(None) & (c.grid == grid))
        )
    return list((await conn.execute(query.order_by(c.reported_at).limit(500))).all())


def choose_primary(report: Mapping[str, Any], candidates: list[Any], *, rule: DuplicateRule, rules: DuplicateRules,
                   now: datetime) -> DuplicateMatch | None:
    """Of ``candidates`` (earliest first; anything with the compared columns as attributes), the open case
    ``report`` duplicates: the nearest, then the earliest."""
    category_code, lat, lon, grid = report["category"], report["lat"], report["lon"], report["grid"]
    best: tuple[float, datetime, Any, str] | None = None
    mine = normalise(report["description"])
    for candidate in candidates:
        if lat is not None and candidate.lat is not None:
            distance = distance_m(lat, lon, candidate.lat, candidate.lon)
            if distance > rule.radius_m:
                continue
            where = f"{distance:.0f} m away"
        else:
            if candidate.grid != grid:
                continue
            distance, where = rule.radius_m, f"in the same grid {grid}"
        if best is not None:
            if lat is None:
                break  # without a location every candidate is as near: the earliest match (reported_at order) wins
            if (distance, candidate.reported_at) >= (best[0], best[1]):
                continue  # cannot beat the match found already: skip the text comparison
        why: str | None = None
        if category_code and candidate.category:
            other = rules.rule_for(candidate.category)
            if candidate.category == category_code:
                why = f"same category {category_code}"
            elif candidate.category in rule.related or category_code in other.related:
                why = f"related categories {category_code}/{candidate.category}"
        if why is None:
            similarity = similarity_to(mine, candidate.description)
            if similarity >= rule.text_similarity:
                why = f"descriptions {similarity:.0%} alike"
        if why is None:
            continue
        hours = (now - candidate.reported_at).total_seconds() / 3600
        best = (distance, candidate.reported_at, candidate, f"{why}, {where}, reported {hours:.1f} h earlier")
    return None if best is None else DuplicateMatch(best[2], best[3])
