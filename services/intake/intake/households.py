"""The household register: import households.csv and residents.csv (validated row by row, all or
nothing, re-import updates), vulnerability flags, and reads with personal data masked by role."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import utcnow
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.bulk import upsert
from intake.errors import Forbidden, InvalidInput, NotFound
from intake.grids import GridIndex
from intake.models import (
    VULNERABILITY_FLAGS,
    Household,
    HouseholdPage,
    HouseholdResidentView,
    HouseholdView,
    Resident,
)
from intake.privacy import mask_id_number, mask_name, mask_phone, sees_personal_data

HOUSEHOLD_COLUMNS = ("household_id", "grid", "community", "address", "lat", "lon")
RESIDENT_COLUMNS = ("resident_id", "household_id", "name", "gender", "birth_date", "phone", "id_number", "flags", "language")
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
ID_NUMBER_RE = re.compile(r"^[0-9]{17}[0-9X]$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_is_valid(value: str) -> bool:
    """GB 11643 resident ID (and the 2023 foreigner's permanent residence ID): ISO 7064 MOD 11-2 check digit."""
    if not ID_NUMBER_RE.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == value[17]


class RejectedRow(BaseModel):
    file: str
    line: int
    column: str
    reason: str


class RegisterImportReport(BaseModel):
    households: int = 0
    residents: int = 0
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    rejected: list[RejectedRow] = []
    applied: bool = False
    seconds: float | None = None


@dataclass
class ParsedRegister:
    households: list[dict[str, Any]] = field(default_factory=list)
    residents: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def _unique_id(value: str, column: str, seen: dict[str, int], line: int, bad: Callable[[str, str], None]) -> bool:
    """A well-formed id not seen on an earlier line of the file (remembered in ``seen``)."""
    if not ID_RE.match(value):
        bad(column, f"must be 1-32 letters, digits, '-' or '_', not {value!r}")
        return False
    if value in seen:
        bad(column, f"{value} already on line {seen[value]}")
        return False
    seen[value] = line
    return True


def _read(path: Path, expected: tuple[str, ...], rejected: list[RejectedRow]) -> list[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in expected if c not in header]
        if missing:
            rejected.append(RejectedRow(file=path.name, line=1, column=",".join(missing),
                                        reason=f"missing column(s): {', '.join(missing)}"))
            return []
        rows = []
        for row in reader:
            if None in row:  # more fields than the header
                rejected.append(RejectedRow(file=path.name, line=reader.line_num, column="*",
                                            reason="more fields than the header has columns"))
                continue
            rows.append((reader.line_num, row))
        return rows


def parse_register(
    households_csv: Path, residents_csv: Path, *, grids: GridIndex, jurisdiction: str,
    known_households: set[str] | None = None, progress: Callable[[int], None] | None = None,
) -> ParsedRegister:
    """Read and check both files; every problem becomes a rejected row (file, line, column, reason)."""
    out = ParsedRegister()
    now = utcnow()
    today = date.today()
    hh_rows = _read(households_csv, HOUSEHOLD_COLUMNS, out.rejected)
    hh_file = households_csv.name
    seen: dict[str, int] = {}
    pending: list[tuple[int, dict[str, Any]]] = []
    for line, row in hh_rows:
        def bad(column: str, reason: str, _line: int = line) -> None:
            out.rejected.append(RejectedRow(file=hh_file, line=_line, column=column, reason=reason))

        hid = row["household_id"].strip()
        ok = _unique_id(hid, "household_id", seen, line, bad)
        grid = row["grid"].strip()
        community = grids.community_of(grid)
        if community is None:
            bad("grid", f"unknown grid {grid!r}")
            ok = False
        elif row["community"].strip() != community:
            bad("community", f"grid {grid} belongs to community {community}, not {row['community'].strip()!r}")
            ok = False
        address = row["address"].strip()
        if not address or len(address) > 300:
            bad("address", "must be 1-300 characters")
            ok = False
        coords: dict[str, float] = {}
        for name, limit in (("lat", 90.0), ("lon", 180.0)):
            try:
                value = float(row[name])
                if not math.isfinite(value) or not -limit <= value <= limit:
                    raise ValueError
                coords[name] = value
            except ValueError:
                bad(name, f"must be a number between -{limit:g} and {limit:g}, not {row[name]!r}")
                ok = False
        if ok:
            pending.append((line, {"id": hid, "jurisdiction": jurisdiction, "grid": grid, "community": community,
                                   "address": address, "lat": coords["lat"], "lon": coords["lon"], "updated_at": now}))
        if progress:
            progress(1)
    # The point must lie in the grid the row names (vectorised point-in-polygon over the STRtree).
    located = grids.locate_many([r["lat"] for _, r in pending], [r["lon"] for _, r in pending])
    for (line, record), found in zip(pending, located):
        if found != record["grid"]:
            where = f"in grid {found}" if found else "outside every grid"
            out.rejected.append(RejectedRow(file=hh_file, line=line, column="lat,lon",
                                            reason=f"({record['lat']}, {record['lon']}) lies {where}, not in {record['grid']}"))
        else:
            out.households.append(record)
    households = set(seen) | (known_households or set())

    rs_file = residents_csv.name
    seen_r: dict[str, int] = {}
    for line, row in _read(residents_csv, RESIDENT_COLUMNS, out.rejected):
        def bad(column: str, reason: str, _line: int = line) -> None:
            out.rejected.append(RejectedRow(file=rs_file, line=_line, column=column, reason=reason))

        rid = row["resident_id"].strip()
        ok = _unique_id(rid, "resident_id", seen_r, line, bad)
        hid = row["household_id"].strip()
        if hid not in households:
            bad("household_id", f"unknown household {hid!r}")
            ok = False
        name = row["name"].strip()
        if not name or len(name) > 100:
            bad("name", "must be 1-100 characters")
            ok = False
        gender = row["gender"].strip().upper()
        if gender not in ("M", "F", "X"):
            bad("gender", f"must be M, F or X, not {row['gender']!r}")
            ok = False
        try:
            birth = date.fromisoformat(row["birth_date"].strip())
            if birth > today or birth.year < 1880:
                raise ValueError
        except ValueError:
            bad("birth_date", f"must be a past date YYYY-MM-DD, not {row['birth_date']!r}")
            ok = False
            birth = None  # type: ignore[assignment]
        phone = row["phone"].strip() or None
        if phone is not None and not PHONE_RE.match(phone):
            bad("phone", f"not a phone number: {mask_phone(phone)!r}")
            ok = False
        id_number = row["id_number"].strip().upper() or None
        if id_number is not None and not id_number_is_valid(id_number):
            bad("id_number", f"not a valid ID number (format or check digit): {mask_id_number(id_number)!r}")
            ok = False
        flags = [f.strip() for f in row["flags"].replace(",", ";").split(";") if f.strip()]
        unknown = [f for f in flags if f not in VULNERABILITY_FLAGS]
        if unknown:
            bad("flags", f"unknown flag(s) {', '.join(unknown)}; known: {', '.join(VULNERABILITY_FLAGS)}")
            ok = False
        language = row["language"].strip() or "zh"
        if not LANGUAGE_RE.match(language):
            bad("language", f"must be a language code like zh or en, not {language!r}")
            ok = False
        if ok:
            out.residents.append({"id": rid, "jurisdiction": jurisdiction, "household_id": hid, "name": name,
                                  "gender": gender, "birth_date": birth, "phone": phone, "id_number": id_number,
                                  "flags": sorted(set(flags), key=VULNERABILITY_FLAGS.index), "language": language,
                                  "updated_at": now})
        if progress:
            progress(1)
    return out


async def import_register(
    session: AsyncSession, households_csv: Path, residents_csv: Path, *, grids: GridIndex, jurisdiction: str,
    dry_run: bool = False, progress: Callable[[str, int, int], None] | None = None,
) -> RegisterImportReport:
    """Check both files; if every row is good, upsert them in the caller's transaction.

    ``progress(stage, advance, total)`` is told of each row read and each batch written."""
    import time

    started = time.perf_counter()
    known = set((await session.exec(select(Household.id))).all())
    total_rows = _count_lines(households_csv) + _count_lines(residents_csv)
    parsed = parse_register(households_csv, residents_csv, grids=grids, jurisdiction=jurisdiction, known_households=known,
                            progress=(lambda n: progress("checking", n, total_rows)) if progress else None)
    report = RegisterImportReport(households=len(parsed.households), residents=len(parsed.residents),
                                  rejected=parsed.rejected)
    if parsed.rejected:
        report.households = report.residents = 0
        report.seconds = round(time.perf_counter() - started, 2)
        return report
    report.households_updated = len(known & {h["id"] for h in parsed.households})
    report.households_created = len(parsed.households) - report.households_updated
    known_r = set((await session.exec(select(Resident.id))).all())
    report.residents_updated = len(known_r & {r["id"] for r in parsed.residents})
    report.residents_created = len(parsed.residents) - report.residents_updated
    if not dry_run:
        total = len(parsed.households) + len(parsed.residents)
        tick = (lambda n: progress("writing", n, total)) if progress else None
        await upsert(session, Household.__table__, parsed.households, key=["id"], progress=tick)
        await upsert(session, Resident.__table__, parsed.residents, key=["id"], progress=tick)
        report.applied = True
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return max(0, sum(1 for _ in f) - 1)


# --- reads ----------------------------------------------------------------------------------


def household_flags(residents: list[Resident]) -> list[str]:
    flags = {f for r in residents for f in r.flags}
    return [f for f in VULNERABILITY_FLAGS if f in flags]


def resident_view(resident: Resident, *, grid: str, reader: Principal) -> HouseholdResidentView:
    full = sees_personal_data(reader, grid=grid, person_id=resident.id)
    return HouseholdResidentView(
        id=resident.id, name=resident.name if full else mask_name(resident.name) or "", gender=resident.gender,
        birth_date=resident.birth_date if full else None,
        phone=resident.phone if full else mask_phone(resident.phone),
        id_number=resident.id_number if full else mask_id_number(resident.id_number),
        flags=list(resident.flags), language=resident.language,
    )


def household_view(household: Household, residents: list[Resident], *, reader: Principal) -> HouseholdView:
    return HouseholdView(
        id=household.id, grid=household.grid, community=household.community, address=household.address,
        lat=household.lat, lon=household.lon, vulnerability_flags=household_flags(residents),
        residents=[resident_view(r, grid=household.grid, reader=reader) for r in residents],
    )


def _check_scope(reader: Principal, grid: str) -> None:
    if reader.role == Role.grid_member and reader.grid != grid:
        raise Forbidden(f"this household is in grid {grid}, not in your grid {reader.grid}")


async def get_household(*, session: AsyncSession, household_id: str, reader: Principal) -> HouseholdView:
    household = await session.get(Household, household_id)
    if household is None or household.jurisdiction != reader.jurisdiction:
        raise NotFound(f"no household {household_id!r}")
    if reader.role == Role.resident:
        mine = (await session.exec(select(Resident).where(Resident.id == reader.subject))).first()
        if mine is None or mine.household_id != household.id:
            raise Forbidden("a resident sees only their own household")
    _check_scope(reader, household.grid)
    residents = list((await session.exec(select(Resident).where(Resident.household_id == household.id)
                                         .order_by(Resident.id))).all())
    return household_view(household, residents, reader=reader)


async def list_households(
    *, session: AsyncSession, reader: Principal, grid: str | None, flag: str | None, limit: int, offset: int
) -> HouseholdPage:
    """Households of a grid (a grid member's own by default), optionally only those with a vulnerability flag."""
    if reader.role == Role.grid_member:
        grid = grid or reader.grid
        _check_scope(reader, grid or "")
    if not grid:
        raise InvalidInput("give the grid whose households to list (?grid=G001)", field="grid")
    query = select(Household).where(Household.jurisdiction == reader.jurisdiction, Household.grid == grid)
    households = list((await session.exec(query.order_by(Household.id))).all())
    ids = [h.id for h in households]
    by_household: dict[str, list[Resident]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        for r in (await session.exec(select(Resident).where(Resident.household_id.in_(chunk)).order_by(Resident.id))).all():
            by_household.setdefault(r.household_id, []).append(r)
    if flag:
        households = [h for h in households if flag in household_flags(by_household.get(h.id, []))]
    page = households[offset:offset + limit]
    return HouseholdPage(total=len(households),
                         items=[household_view(h, by_household.get(h.id, []), reader=reader) for h in page])


async def register_size(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(Household))).one())
