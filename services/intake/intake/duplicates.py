"""Duplicate detection: is a new report about the same problem as an open case? Rules per category
are data (duplicates.yaml, or the file named by INTAKE_DUPLICATE_RULES)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from onegrid_contracts.catalog import Catalog
from rapidfuzz import fuzz
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.models import Report
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
    return fuzz.ratio(normalise(a), normalise(b)) / 100.0


@dataclass(frozen=True)
class DuplicateMatch:
    primary: Report
    reason: str


async def find_primary(
    *, session: AsyncSession, report: Report, rules: DuplicateRules, catalog: Catalog, now: datetime
) -> DuplicateMatch | None:
    """The open case ``report`` duplicates, if any (the closest, then the earliest)."""
    rule = rules.rule_for(report.category)
    category = catalog.categories.get(report.category or "")
    if not rule.enabled or (category is not None and category.mediation):
        return None  # disputes are between parties: mediation joins them, not intake
    since = now - timedelta(hours=rule.window_hours)
    query = select(Report).where(
        Report.jurisdiction == report.jurisdiction, col(Report.primary_case_id).is_(None),
        col(Report.case_number).is_not(None), col(Report.status).in_(OPEN_STATUSES), Report.reported_at >= since,
    )
    if report.lat is not None and report.lon is not None:
        dlat = rule.radius_m / 111_320.0
        dlon = dlat / max(0.01, math.cos(math.radians(report.lat)))
        query = query.where(
            ((col(Report.lat).between(report.lat - dlat, report.lat + dlat))
             & (col(Report.lon).between(report.lon - dlon, report.lon + dlon)))
            | (col(Report.lat).is_(None) & (Report.grid == report.grid))
        )
    else:
        query = query.where(Report.grid == report.grid)
    best: tuple[float, datetime, DuplicateMatch] | None = None
    for candidate in (await session.exec(query.order_by(Report.reported_at).limit(500))).all():
        if candidate.id == report.id:
            continue
        if report.lat is not None and candidate.lat is not None:
            distance = distance_m(report.lat, report.lon, candidate.lat, candidate.lon)  # type: ignore[arg-type]
            if distance > rule.radius_m:
                continue
            where = f"{distance:.0f} m away"
        else:
            if candidate.grid != report.grid:
                continue
            distance, where = rule.radius_m, f"in the same grid {report.grid}"
        why: str | None = None
        if report.category and candidate.category:
            other = rules.rule_for(candidate.category)
            if candidate.category == report.category:
                why = f"same category {report.category}"
            elif candidate.category in rule.related or report.category in other.related:
                why = f"related categories {report.category}/{candidate.category}"
        if why is None:
            similarity = text_similarity(report.description, candidate.description)
            if similarity >= rule.text_similarity:
                why = f"descriptions {similarity:.0%} alike"
        if why is None:
            continue
        hours = (now - candidate.reported_at).total_seconds() / 3600
        match = DuplicateMatch(candidate, f"{why}, {where}, reported {hours:.1f} h earlier")
        if best is None or (distance, candidate.reported_at) < (best[0], best[1]):
            best = (distance, candidate.reported_at, match)
    return best[2] if best else None
