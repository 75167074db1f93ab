"""Who mediates: the committee of the case's community, a mediator by expertise and current
load, recusal when a mediator is related to a party, the parties' own choice, and the hub's
reassignment across committees."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from onegrid_contracts.events import Actor
from onegrid_runtime.auth import Principal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation.access import is_hub
from mediation.config import MediationSettings
from mediation.errors import Forbidden, IllegalStep, InvalidInput
from mediation.models import Committee, Dispute, DisputeEntry, Mediator, Party
from mediation.registers import loads

DEFAULT_EXPERTISE = Path(__file__).parent / "rules" / "expertise.yaml"


@lru_cache(maxsize=4)
def expertise_by_category(path: str | None = None) -> dict[str, str]:
    return yaml.safe_load(Path(path or DEFAULT_EXPERTISE).read_text(encoding="utf-8")) or {}


def rank(candidates: list[Mediator], *, needed: str | None, languages: set[str], load: dict[str, int]) -> list[Mediator]:
    """Best first: speaks every party's language, has the expertise, carries the least load, then by code."""
    return sorted(candidates, key=lambda m: (not languages <= set(m.languages),
                                             needed is not None and needed not in m.expertise,
                                             load.get(m.code, 0), m.code))


async def choose(*, session: AsyncSession, dispute: Dispute, parties: list[Party], settings: MediationSettings,
                 exclude: set[str] = frozenset()) -> Mediator | None:  # type: ignore[assignment]
    candidates = list((await session.exec(select(Mediator).where(Mediator.committee == dispute.committee,
                                                                 col(Mediator.active)))).all())
    candidates = [m for m in candidates if m.code not in set(dispute.recused) | set(exclude)]
    if not candidates:
        return None
    needed = expertise_by_category(settings.expertise_file).get(dispute.category or "")
    ranked = rank(candidates, needed=needed, languages={p.language for p in parties} or {"zh"},
                  load=await loads(session=session))
    return ranked[0]


def _entry(session: AsyncSession, dispute: Dispute, kind: str, actor: Actor, text: str, **data: object) -> None:
    session.add(DisputeEntry(dispute_id=dispute.id, kind=kind, actor=actor.id, text=text, data=data))


async def _eligible(session: AsyncSession, dispute: Dispute, code: str, field: str) -> Mediator:
    mediator = await session.get(Mediator, code)
    if mediator is None:
        raise InvalidInput(f"no mediator {code}", field=field)
    if not mediator.active:
        raise IllegalStep(f"mediator {code} is not active", field=field)
    if code in dispute.recused:
        raise IllegalStep(f"mediator {code} has recused themself from this dispute", field=field)
    if mediator.committee != dispute.committee:
        raise IllegalStep(f"mediator {code} belongs to committee {mediator.committee}, the dispute to "
                          f"{dispute.committee}; the hub can reassign the dispute across committees", field=field)
    return mediator


async def assign_on_acceptance(*, session: AsyncSession, dispute: Dispute, parties: list[Party], requested: str | None,
                               actor: Actor, settings: MediationSettings) -> str | None:
    if requested:
        mediator = await _eligible(session, dispute, requested, "requested_mediator")
        dispute.requested_mediator = requested
        how = "requested by the parties"
    else:
        mediator = await choose(session=session, dispute=dispute, parties=parties, settings=settings)
        how = "by expertise and load"
    dispute.mediator = mediator.code if mediator else None
    session.add(dispute)
    _entry(session, dispute, "assigned", actor, f"mediator {dispute.mediator} assigned {how}" if mediator
           else "no active mediator available in the committee: the hub assigns", mediator=dispute.mediator)
    return dispute.mediator


async def recuse(*, session: AsyncSession, dispute: Dispute, code: str, reason: str, actor: Actor,
                 settings: MediationSettings) -> Dispute:
    """A mediator related to a party steps aside; if they were assigned, the next best takes over."""
    if dispute.status not in ("opened", "accepted"):
        raise IllegalStep(f"recusal applies while the dispute is open, not {dispute.status}", current_status=dispute.status)
    if await session.get(Mediator, code) is None:
        raise InvalidInput(f"no mediator {code}", field="mediator")
    if code in dispute.recused:
        raise IllegalStep(f"mediator {code} has already recused themself", field="mediator")
    dispute.recused = [*dispute.recused, code]
    _entry(session, dispute, "recusal", actor, reason, mediator=code)
    if dispute.mediator == code:
        parties = list((await session.exec(select(Party).where(Party.dispute_id == dispute.id))).all())
        successor = await choose(session=session, dispute=dispute, parties=parties, settings=settings)
        dispute.mediator = successor.code if successor else None
        _entry(session, dispute, "assigned", actor, f"mediator {dispute.mediator} takes over after recusal"
               if successor else "no other mediator available: the hub assigns", mediator=dispute.mediator)
    session.add(dispute)
    return dispute


async def assign(*, session: AsyncSession, dispute: Dispute, code: str, actor: Actor) -> Dispute:
    """The committee (or the parties' request) names the mediator."""
    if dispute.status != "accepted":
        raise IllegalStep(f"a mediator is assigned to an accepted dispute, not one that is {dispute.status}",
                          current_status=dispute.status)
    await _eligible(session, dispute, code, "mediator")
    dispute.mediator = code
    session.add(dispute)
    _entry(session, dispute, "assigned", actor, f"mediator {code} assigned", mediator=code)
    return dispute


async def reassign(*, session: AsyncSession, dispute: Dispute, committee: str, reason: str, mediator: str | None,
                   principal: Principal, settings: MediationSettings) -> Dispute:
    """The hub moves a dispute to another committee (conflict of interest, load, expertise)."""
    if not is_hub(principal, settings):
        raise Forbidden("only the hub (Judicial Office) reassigns disputes across committees")
    if dispute.status not in ("opened", "accepted"):
        raise IllegalStep(f"an open dispute is reassigned, not one that is {dispute.status}", current_status=dispute.status)
    target = await session.get(Committee, committee)
    if target is None or not target.active:
        raise InvalidInput(f"no active committee {committee}", field="committee")
    actor = Actor(**principal.actor())
    previous = dispute.committee
    dispute.committee, dispute.mediator = committee, None
    _entry(session, dispute, "reassigned", actor, reason, from_committee=previous, to_committee=committee)
    if dispute.status == "accepted":
        if mediator:
            dispute.mediator = (await _eligible(session, dispute, mediator, "mediator")).code
        else:
            parties = list((await session.exec(select(Party).where(Party.dispute_id == dispute.id))).all())
            chosen = await choose(session=session, dispute=dispute, parties=parties, settings=settings)
            dispute.mediator = chosen.code if chosen else None
        _entry(session, dispute, "assigned", actor, f"mediator {dispute.mediator} assigned in {committee}",
               mediator=dispute.mediator)
    session.add(dispute)
    return dispute
