"""Rules as data (rules.yaml): which event informs whom, on which channels, with which urgency."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_RULES = Path(__file__).parent / "rules.yaml"
RECIPIENT_KINDS = {"reporter", "grid_member", "department", "mediator", "committee", "dispatcher", "supervisors",
                   "address", "listed", "subscribers"}
LISTED_AS = {"resident", "department", "committee", "grid", "mediator"}
MESSAGE_CHANNELS = {"inbox", "sms", "email"}
STAFF_KINDS = {"grid_member", "department", "mediator", "committee", "dispatcher", "supervisors", "address"}


class RulesError(ValueError):
    """rules.yaml does not say something notify can follow; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    key: str
    to: str
    channels: tuple[str, ...] = ("inbox",)
    urgency: str = "event"
    when: dict[str, Any] = field(default_factory=dict)
    address: str | None = None
    co_departments: bool = False
    field: str | None = None
    listed_as: str | None = None

    @property
    def audience(self) -> str:
        if self.to == "listed" and self.listed_as == "resident":
            return "reporter"
        return {"reporter": "reporter", "subscribers": "external"}.get(self.to, "staff")

    def applies(self, data: dict[str, Any]) -> bool:
        for name, expected in self.when.items():
            allowed = expected if isinstance(expected, list) else [expected]
            if data.get(name) not in allowed:
                return False
        return True


@dataclass(frozen=True)
class Rules:
    by_key: dict[str, tuple[Rule, ...]]
    level_fields: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    visible_fields: dict[str, frozenset[str]]
    personal_fields: frozenset[str]
    # The rules of each event type seen, matched once (the patterns were matched anew for every event).
    _matching: dict[str, tuple[Rule, ...]] = field(default_factory=dict, init=False, repr=False, compare=False,
                                                   hash=False)

    def for_event(self, event_type: str) -> tuple[Rule, ...]:
        """Every rule whose key is the event type or a pattern matching it."""
        rules = self._matching.get(event_type)
        if rules is None:
            rules = tuple(rule for key, keyed in self.by_key.items()
                          if key == event_type or fnmatchcase(event_type, key) for rule in keyed)
            if len(self._matching) < 1_000:  # event types are a closed set; a flood of odd ones is not kept
                self._matching[event_type] = rules
        return rules

    def supervisors(self, data: dict[str, Any]) -> tuple[str, ...]:
        for name in self.level_fields:
            value = data.get(name)
            if value is not None:
                return self.levels.get(str(value), ())
        return ()


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> Rules:
    source = Path(path or DEFAULT_RULES)
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    events = raw.get("events", raw if "events" not in raw else {})
    by_key: dict[str, tuple[Rule, ...]] = {}
    for key, items in events.items():
        if key in {"supervisors", "visible_fields", "personal_fields"}:
            continue
        by_key[key] = tuple(_rule(source, key, i, item) for i, item in enumerate(items or []))
    sup = raw.get("supervisors") or {}
    return Rules(
        by_key=by_key,
        level_fields=tuple(sup.get("level_fields") or ("level", "escalation_level")),
        levels={str(k): tuple(v) for k, v in (sup.get("levels") or {}).items()},
        visible_fields={k: frozenset(v or ()) for k, v in (raw.get("visible_fields") or {}).items()},
        personal_fields=frozenset(raw.get("personal_fields") or ()),
    )


def _rule(source: Path, key: str, index: int, item: dict[str, Any]) -> Rule:
    where = f"{source.name}: {key}[{index}]"
    to = item.get("to")
    if to not in RECIPIENT_KINDS:
        raise RulesError(f"{where}: unknown recipient {to!r}; known: {', '.join(sorted(RECIPIENT_KINDS))}")
    channels = tuple(item.get("channels") or (["webhook"] if to == "subscribers" else ["inbox"]))
    allowed = {"webhook"} if to == "subscribers" else MESSAGE_CHANNELS
    if unknown := [c for c in channels if c not in allowed]:
        raise RulesError(f"{where}: channel {', '.join(unknown)} is not for {to}; allowed: {', '.join(sorted(allowed))}")
    urgency = item.get("urgency", "event")
    if urgency not in {"event", "urgent", "normal"}:
        raise RulesError(f"{where}: urgency {urgency!r} is not one of event, urgent, normal")
    if to == "address" and not item.get("address"):
        raise RulesError(f"{where}: `to: address` needs an `address:` such as department:D06")
    if to == "listed" and (not item.get("field") or item.get("as") not in LISTED_AS):
        raise RulesError(f"{where}: `to: listed` needs `field:` and `as:` one of {', '.join(sorted(LISTED_AS))}")
    return Rule(key=key, to=to, channels=channels, urgency=urgency, when=dict(item.get("when") or {}),
                address=item.get("address"), co_departments=bool(item.get("co_departments")),
                field=item.get("field"), listed_as=item.get("as"))
