"""The registers of the mediation network: committees (3–9 members, at least one woman, the
community they serve) and mediators (committee, expertise, languages, active), imported from a
town's CSV files and edited through the API. Also the residents lookup used to identify parties."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from onegrid_runtime.auth import Principal
from pydantic import ValidationError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation.access import committee_of, is_hub
from mediation.config import MediationSettings
from mediation.errors import Forbidden, RegisterNotFound, RegisterRule
from mediation.forms import CommitteeIn, CommitteePatch, CommitteePublic, MediatorIn, MediatorPatch, MediatorPublic
from mediation.models import Committee, Dispute, Mediator


def check_committee_rules(*, members: int, women_members: int, code: str) -> None:
    if not 3 <= members <= 9:
        raise RegisterRule(f"committee {code}: members must be 3 to 9, not {members}", field="members")
    if women_members < 1:
        raise RegisterRule(f"committee {code}: at least one member must be a woman (women_members={women_members})",
                           field="women_members")
    if women_members > members:
        raise RegisterRule(f"committee {code}: women_members {women_members} exceeds members {members}",
                           field="women_members")


async def ensure_hub(*, session: AsyncSession, settings: MediationSettings) -> None:
    if await session.get(Committee, settings.hub_committee) is None:
        session.add(Committee(code=settings.hub_committee, jurisdiction=settings.jurisdiction, community=None,
                              name_en="Judicial Office (mediation hub)", name_zh="司法所(调解中心)", kind="hub",
                              members=3, women_members=1))


def _rows(text: str, what: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [(line, row) for line, row in enumerate(reader, start=2)]


def _invalid(what: str, line: int, exc: ValidationError) -> RegisterRule:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return RegisterRule(f"{what} line {line}: {where}: {first['msg']}", line=line, field=where)


async def import_committees_csv(*, session: AsyncSession, text: str, jurisdiction: str) -> int:
    """committees.csv: code,name_en,name_zh,community,members,women_members — all rows or none."""
    parsed = []
    for line, row in _rows(text, "committees.csv"):
        try:
            parsed.append(CommitteeIn(code=row.get("code", ""), name_en=row.get("name_en", ""),
                                      name_zh=row.get("name_zh", ""), community=row.get("community") or None,
                                      members=row.get("members") or 0, women_members=row.get("women_members") or 0))
        except ValidationError as exc:
            raise _invalid("committees.csv", line, exc) from None
    for c in parsed:
        await session.merge(Committee(jurisdiction=jurisdiction, **c.model_dump()))
    return len(parsed)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").replace(",", ";").split(";") if v.strip()]


async def import_mediators_csv(*, session: AsyncSession, text: str, jurisdiction: str) -> int:
    """mediators.csv: code,committee,name,gender,expertise,languages,phone,active — all rows or none."""
    parsed = []
    known = set((await session.exec(select(Committee.code))).all())
    for line, row in _rows(text, "mediators.csv"):
        try:
            m = MediatorIn(code=row.get("code", ""), committee=row.get("committee", ""), name=row.get("name", ""),
                           gender=row.get("gender", ""), expertise=_split(row.get("expertise")),
                           languages=_split(row.get("languages")) or ["zh"], phone=row.get("phone") or None,
                           active=(row.get("active") or "true").strip().lower() in ("true", "yes", "1", "y"))
        except ValidationError as exc:
            raise _invalid("mediators.csv", line, exc) from None
        if m.committee not in known:
            raise RegisterRule(f"mediators.csv line {line}: unknown committee {m.committee}", line=line, field="committee")
        parsed.append(m)
    for m in parsed:
        await session.merge(Mediator(jurisdiction=jurisdiction, **m.model_dump()))
    return len(parsed)


async def seed(*, session: AsyncSession, directory: Path, settings: MediationSettings) -> dict[str, int]:
    """A town's files at first start: committees.csv (required) and mediators.csv (when present)."""
    await ensure_hub(session=session, settings=settings)
    counts = {"committees": await import_committees_csv(
        session=session, text=(directory / "committees.csv").read_text(encoding="utf-8"), jurisdiction=settings.jurisdiction)}
    await session.flush()
    if (directory / "mediators.csv").exists():
        counts["mediators"] = await import_mediators_csv(
            session=session, text=(directory / "mediators.csv").read_text(encoding="utf-8"),
            jurisdiction=settings.jurisdiction)
    return counts


# ----------------------------------------------------------------------------- committees
async def list_committees(*, session: AsyncSession) -> list[CommitteePublic]:
    active = dict((await session.exec(select(Mediator.committee, func.count()).where(col(Mediator.active))
                                      .group_by(Mediator.committee))).all())
    rows = (await session.exec(select(Committee).order_by(Committee.code))).all()
    return [CommitteePublic(**c.model_dump(), mediators_active=active.get(c.code, 0)) for c in rows]


async def get_committee(*, session: AsyncSession, code: str) -> Committee:
    committee = await session.get(Committee, code)
    if committee is None:
        raise RegisterNotFound(f"no committee {code}", field="committee")
    return committee


def _require_hub(p: Principal, settings: MediationSettings, what: str) -> None:
    if not is_hub(p, settings):
        raise Forbidden(f"only the hub (Judicial Office) may {what}")


async def create_committee(*, session: AsyncSession, body: CommitteeIn, editor: Principal, settings: MediationSettings) -> Committee:
    _require_hub(editor, settings, "register a committee")
    check_committee_rules(members=body.members, women_members=body.women_members, code=body.code)
    if await session.get(Committee, body.code) is not None:
        raise RegisterRule(f"committee {body.code} already exists", field="code")
    committee = Committee(jurisdiction=settings.jurisdiction, **body.model_dump())
    session.add(committee)
    return committee


async def edit_committee(*, session: AsyncSession, code: str, body: CommitteePatch, editor: Principal,
                         settings: MediationSettings) -> Committee:
    _require_hub(editor, settings, "edit a committee")
    committee = await get_committee(session=session, code=code)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(committee, name, value)
    if committee.kind == "committee":
        check_committee_rules(members=committee.members, women_members=committee.women_members, code=code)
    session.add(committee)
    return committee


# ----------------------------------------------------------------------------- mediators
async def loads(*, session: AsyncSession) -> dict[str, int]:
    """Disputes under mediation per assigned mediator (the load assignment balances)."""
    rows = (await session.exec(select(Dispute.mediator, func.count()).where(Dispute.status == "accepted",
                                                                           col(Dispute.mediator).is_not(None))
                               .group_by(Dispute.mediator))).all()
    return {m: n for m, n in rows if m}


def _mediator_public(m: Mediator, load: int, viewer: Principal, settings: MediationSettings) -> MediatorPublic:
    out = MediatorPublic(**m.model_dump(), load=load)
    if not (is_hub(viewer, settings) or committee_of(viewer, settings) == m.committee):
        out.phone = None  # a mediator's phone is for their committee and the hub
    return out


async def list_mediators(*, session: AsyncSession, viewer: Principal, settings: MediationSettings,
                         committee: str | None, active: bool | None) -> list[MediatorPublic]:
    query = select(Mediator)
    if committee:
        query = query.where(Mediator.committee == committee)
    if active is not None:
        query = query.where(Mediator.active == active)
    current = await loads(session=session)
    rows = (await session.exec(query.order_by(Mediator.code))).all()
    return [_mediator_public(m, current.get(m.code, 0), viewer, settings) for m in rows]


async def get_mediator(*, session: AsyncSession, code: str) -> Mediator:
    mediator = await session.get(Mediator, code)
    if mediator is None:
        raise RegisterNotFound(f"no mediator {code}", field="mediator")
    return mediator


def _may_edit_mediators_of(editor: Principal, committee: str, settings: MediationSettings) -> None:
    if not (is_hub(editor, settings) or committee_of(editor, settings) == committee):
        raise Forbidden(f"mediators of committee {committee} are edited by that committee or the hub")


async def create_mediator(*, session: AsyncSession, body: MediatorIn, editor: Principal, settings: MediationSettings) -> Mediator:
    await get_committee(session=session, code=body.committee)
    _may_edit_mediators_of(editor, body.committee, settings)
    if await session.get(Mediator, body.code) is not None:
        raise RegisterRule(f"mediator {body.code} already exists", field="code")
    mediator = Mediator(jurisdiction=settings.jurisdiction, **body.model_dump())
    session.add(mediator)
    return mediator


async def edit_mediator(*, session: AsyncSession, code: str, body: MediatorPatch, editor: Principal,
                        settings: MediationSettings) -> Mediator:
    mediator = await get_mediator(session=session, code=code)
    _may_edit_mediators_of(editor, mediator.committee, settings)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "committee" in changes and changes["committee"] != mediator.committee:
        _require_hub(editor, settings, "move a mediator to another committee")
        await get_committee(session=session, code=changes["committee"])
    for name, value in changes.items():
        setattr(mediator, name, value)
    session.add(mediator)
    return mediator


# ----------------------------------------------------------------------------- residents
@dataclass(frozen=True)
class Resident:
    resident_id: str
    household_id: str
    name: str
    phone: str
    id_number: str
    flags: tuple[str, ...]
    language: str


@lru_cache(maxsize=2)
def residents_register(path: str) -> dict[str, Resident]:
    """The town's residents.csv, read once (identifies parties and their vulnerability flags)."""
    out: dict[str, Resident] = {}
    file = Path(path)
    if not file.exists():
        return out
    with open(file, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out[r["resident_id"]] = Resident(r["resident_id"], r.get("household_id", ""), r.get("name", ""),
                                             r.get("phone", ""), r.get("id_number", ""),
                                             tuple(x for x in (r.get("flags") or "").split(";") if x),
                                             r.get("language") or "zh")
    return out


def lookup_resident(settings: MediationSettings, resident_id: str) -> Resident | None:
    if not settings.seed_dir:
        return None
    return residents_register(str(Path(settings.seed_dir) / "residents.csv")).get(resident_id)
