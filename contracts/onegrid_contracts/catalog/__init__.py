"""The default catalog of the demo town: 21 departments and 66 case categories.

Category and department codes travel in every event, so the catalog is part of the contract
between services. A town replaces it with its own files (``ONEGRID_CATALOG_DIR``).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Department:
    code: str
    name_en: str
    name_zh: str
    handles: str


@dataclass(frozen=True)
class Category:
    code: str
    name_en: str
    name_zh: str
    example_zh: str
    department: str
    co_departments: tuple[str, ...]
    urgent: bool
    self_handle: bool
    mediation: bool
    escalation_risk: bool


@dataclass(frozen=True)
class Catalog:
    departments: dict[str, Department]
    categories: dict[str, Category]

    def department_name(self, code: str | None, language: str = "en") -> str:
        dept = self.departments.get(code or "")
        if dept is None:
            return code or ""
        return dept.name_zh if language == "zh" else dept.name_en


def _yes(value: str) -> bool:
    return value.strip().lower() in {"yes", "true", "1", "y"}


def load_catalog(directory: Path | str | None = None) -> Catalog:
    return _load_named(str(directory or os.environ.get("ONEGRID_CATALOG_DIR") or DEFAULT_DIR))


@lru_cache(maxsize=16)
def _load_named(directory: str) -> Catalog:
    # Called on hot paths: resolving the path (system calls) only once per name.
    return _load(Path(directory).resolve())


@lru_cache(maxsize=4)
def _load(directory: Path) -> Catalog:
    with open(directory / "departments.csv", encoding="utf-8", newline="") as f:
        departments = {r["code"]: Department(r["code"], r["name_en"], r["name_zh"], r["handles"]) for r in csv.DictReader(f)}
    categories = {}
    with open(directory / "categories.csv", encoding="utf-8", newline="") as f:
        for line, r in enumerate(csv.DictReader(f), start=2):
            unknown = [d for d in [r["department"], *r["co_departments"].split()] if d not in departments]
            if unknown:
                raise ValueError(f"categories.csv line {line}: unknown department {', '.join(unknown)}")
            categories[r["code"]] = Category(
                code=r["code"], name_en=r["name_en"], name_zh=r["name_zh"], example_zh=r["example_zh"],
                department=r["department"], co_departments=tuple(r["co_departments"].split()),
                urgent=_yes(r["urgent"]), self_handle=_yes(r["self_handle"]), mediation=_yes(r["mediation"]),
                escalation_risk=_yes(r["escalation_risk"]),
            )
    return Catalog(departments=departments, categories=categories)
