"""The working calendar: working hours, weekends, public holidays and make-up working days,
held as data (``calendar.yaml``), and the arithmetic of deadlines in working time.

A day is a working day when it is a make-up working day (调休上班), or when it is not a
weekend day and not a holiday. On a working day, time counts inside the working periods
(for example 08:30-12:00 and 13:30-18:00 in the town's time zone); outside them the clock
stands still.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DEFAULT_FILE = Path(__file__).with_name("calendar.yaml")
_MAX_DAYS = 3660  # ten years: a deadline further out than that is a data error


@dataclass(frozen=True)
class WorkingCalendar:
    tz: ZoneInfo
    periods: tuple[tuple[time, time], ...]  # working periods of a working day, sorted, not overlapping
    weekend: frozenset[int]  # ISO weekday numbers, 6 = Saturday, 7 = Sunday
    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days that fall on a weekend
    # Each day's working intervals, worked out once: every deadline of every case walks the same days
    # (this was a tenth of dispatch's CPU at saturation).
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(default_factory=dict, init=False, repr=False,
                                                                      compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: dict, *, default_timezone: str = "Asia/Shanghai") -> WorkingCalendar:
        periods = []
        for text in data.get("working_hours") or ["08:30-12:00", "13:30-18:00"]:
            start, _, end = str(text).partition("-")
            try:
                a, b = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
            except ValueError:
                raise ValueError(f"calendar: working_hours entry {text!r} is not HH:MM-HH:MM") from None
            if b <= a:
                raise ValueError(f"calendar: working_hours entry {text!r} ends before it starts")
            periods.append((a, b))
        periods.sort()
        for (_, end), (start, _) in itertools.pairwise(periods):
            if start < end:
                raise ValueError("calendar: working_hours periods overlap")
        names = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
        weekend = frozenset(names[str(d).lower()[:3]] for d in data.get("weekend", ["sat", "sun"]))
        return cls(
            tz=ZoneInfo(data.get("timezone") or default_timezone),
            periods=tuple(periods),
            weekend=weekend,
            holidays=frozenset(_dates(data.get("holidays"))),
            workdays=frozenset(_dates(data.get("workdays"))),
        )

    @classmethod
    def load(cls, path: Path | str | None = None, *, default_timezone: str = "Asia/Shanghai") -> WorkingCalendar:
        with open(path or DEFAULT_FILE, encoding="utf-8") as f:
            return cls.from_dict(yaml.safe_load(f) or {}, default_timezone=default_timezone)

    # -- days --------------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def _intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        intervals = self._days.get(day)
        if intervals is None:
            intervals = () if not self.is_working_day(day) else tuple(
                (datetime.combine(day, a, self.tz), datetime.combine(day, b, self.tz)) for a, b in self.periods)
            if len(self._days) < 20_000:  # decades of days; beyond that (a data error) compute without keeping
                self._days[day] = intervals
        return intervals

    @property
    def minutes_per_day(self) -> float:
        return sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds() / 60
                   for a, b in self.periods)

    # -- arithmetic ----------------------------------------------------------------------------
    def add(self, start: datetime, working_minutes: float) -> datetime:
        """The moment when ``working_minutes`` of working time have passed after ``start``."""
        if working_minutes < 0:
            raise ValueError("working_minutes must not be negative")
        if working_minutes == 0:
            return start
        local = start.astimezone(self.tz)
        remaining = timedelta(minutes=working_minutes)
        day = local.date()
        for _ in range(_MAX_DAYS):
            for a, b in self._intervals(day):
                if b <= local:
                    continue
                begin = max(a, local)
                if remaining <= b - begin:
                    return (begin + remaining).astimezone(UTC)
                remaining -= b - begin
            day += timedelta(days=1)
        raise ValueError("deadline more than ten years away: check the calendar data")

    def between(self, start: datetime, end: datetime) -> float:
        """Working minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        a_local, b_local = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta(0)
        day = a_local.date()
        while day <= b_local.date():
            for a, b in self._intervals(day):
                lo, hi = max(a, a_local), min(b, b_local)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


def _dates(items) -> list[date]:
    out = []
    for item in items or []:
        if isinstance(item, dict):  # {date: 2026-10-01, name: National Day} or {from:, to:, name:}
            if "from" in item:
                first, last = _as_date(item["from"]), _as_date(item.get("to", item["from"]))
                out.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
            else:
                out.append(_as_date(item["date"]))
        else:
            out.append(_as_date(item))
    return out


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"calendar: {value!r} is not a date (YYYY-MM-DD)") from None
