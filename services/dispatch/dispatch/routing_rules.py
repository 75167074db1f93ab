"""Routing rules held as data (``routing_rules.yaml``): overrides by category, community, grid
or keyword, tried before the catalog; then the catalog; free text goes to the learned model."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from onegrid_contracts.catalog import Catalog

DEFAULT_FILE = Path(__file__).with_name("routing_rules.yaml")


@dataclass(frozen=True)
class Rule:
    id: str
    categories: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    grids: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    free_text: bool = False
    department: str | None = None
    co_departments: tuple[str, ...] = ()
    urgent: bool = False
    model: bool = False

    def matches(self, *, category: str | None, community: str, grid: str, text: str) -> bool:
        if self.free_text and category:
            return False
        if self.categories and category not in self.categories:
            return False
        if self.communities and community not in self.communities:
            return False
        if self.grids and grid not in self.grids:
            return False
        return not (self.keywords and not any(k in text for k in self.keywords))


@dataclass(frozen=True)
class RuleDecision:
    """What the rules say: a department (with the rule id), or "ask the model" (department None)."""

    rule_id: str | None
    department: str | None
    co_departments: tuple[str, ...] = ()
    urgent: bool = False


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").casefold()


def _codes(value) -> frozenset[str]:
    if value is None:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else [str(v) for v in value])


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]

    @classmethod
    def load(cls, path: Path | str | None, catalog: Catalog) -> RoutingRules:
        with open(path or DEFAULT_FILE, encoding="utf-8") as f:
            return cls.from_dict(yaml.safe_load(f) or {}, catalog)

    @classmethod
    def from_dict(cls, data: dict, catalog: Catalog) -> RoutingRules:
        rules, seen = [], set()
        for n, raw in enumerate(data.get("rules") or [], start=1):
            rid = str(raw.get("id") or f"rule-{n}")
            where = f"routing rule {rid}"
            if rid in seen:
                raise ValueError(f"{where}: duplicate id")
            seen.add(rid)
            rule = Rule(
                id=rid, categories=_codes(raw.get("category")), communities=_codes(raw.get("community")),
                grids=_codes(raw.get("grid")), keywords=tuple(_norm(k) for k in raw.get("keywords") or []),
                free_text=bool(raw.get("free_text")), department=raw.get("department"),
                co_departments=tuple(raw.get("co_departments") or []), urgent=bool(raw.get("urgent")),
                model=bool(raw.get("model")),
            )
            if bool(rule.department) == rule.model:
                raise ValueError(f"{where}: give either department or model: true")
            unknown = [d for d in (rule.department, *rule.co_departments) if d and d not in catalog.departments]
            unknown += [c for c in rule.categories if c not in catalog.categories]
            if unknown:
                raise ValueError(f"{where}: unknown code(s) {', '.join(sorted(unknown))}")
            if not (rule.categories or rule.communities or rule.grids or rule.keywords or rule.free_text):
                raise ValueError(f"{where}: has no condition")
            rules.append(rule)
        return cls(tuple(rules))

    def decide(self, *, catalog: Catalog, category: str | None, community: str, grid: str,
               text: str) -> RuleDecision:
        """First matching override, else the catalog for a category, else the model (department None)."""
        norm = _norm(text)
        for rule in self.rules:
            if rule.matches(category=category, community=community, grid=grid, text=norm):
                if rule.model:
                    return RuleDecision(rule_id=rule.id, department=None)
                return RuleDecision(rule_id=rule.id, department=rule.department, co_departments=rule.co_departments,
                                    urgent=rule.urgent)
        entry = catalog.categories.get(category or "")
        if entry is not None:
            return RuleDecision(rule_id=f"catalog:{entry.code}", department=entry.department,
                                co_departments=entry.co_departments)
        return RuleDecision(rule_id=None, department=None)
