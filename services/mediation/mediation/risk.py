"""民转刑 early warning: screening a dispute's risk colour from rules held as data
(``rules/risk.yaml``), raising a red warning for the police station and the Judicial Office,
keeping the dispute on the watch list until a person lowers it with a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from onegrid_contracts.catalog import load_catalog
from onegrid_contracts.events import Actor, MediationRiskLowered, MediationRiskWarning
from onegrid_runtime.db import utcnow
from onegrid_runtime.outbox import emit
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation.errors import IllegalStep
from mediation.models import COLOURS, Dispute, DisputeEntry, MediationSession, Party

DEFAULT_RULES = Path(__file__).parent / "rules" / "risk.yaml"


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> dict[str, Any]:
    return yaml.safe_load(Path(path or DEFAULT_RULES).read_text(encoding="utf-8"))


@dataclass
class Screening:
    colour: str
    score: int
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> set[str]:
        return {r["code"] for r in self.reasons}


def _found(words: dict[str, list[str]], text: str) -> list[str]:
    hits = [w for w in words.get("zh", []) if str(w) in text]
    lowered = text.lower()
    hits += [w for w in words.get("en", []) if re.search(rf"\b{re.escape(str(w).lower())}\b", lowered)]
    return hits


def screen(
    *, rules: dict[str, Any], texts: list[str], category_flagged: bool, category: str | None,
    earlier_disputes: int, police_involved: bool, vulnerable: list[str],
) -> Screening:
    """The pure rule evaluation: which rules match, their points, the colour."""
    reasons: list[dict[str, Any]] = []
    text = "\n".join(t for t in texts if t)
    if category_flagged:
        reasons.append({"code": f"category:{category}", "points": rules["category_flag"]["points"],
                        "text": f"category {category} is flagged for escalation risk in the catalog"})
    strongest: tuple[int, str, list[str]] | None = None
    for level, spec in rules["threat_words"].items():
        hits = _found(spec, text)
        if hits and (strongest is None or spec["points"] > strongest[0]):
            strongest = (spec["points"], level, hits)
    if strongest:
        points, level, hits = strongest
        reasons.append({"code": f"threat:{level}", "points": points,
                        "text": f"{level} words: {', '.join(dict.fromkeys(hits))}"})
    repeat = rules["repeat"]
    if earlier_disputes:
        many = earlier_disputes >= repeat["many"]
        reasons.append({"code": "repeat", "points": repeat["points_many"] if many else repeat["points"],
                        "text": f"{earlier_disputes} earlier dispute(s) between the same parties or households "
                                f"within {repeat['window_days']} days"})
    police_words = _found(rules["police"], text)
    if police_involved or police_words:
        why = "recorded as such" if police_involved else f"words: {', '.join(police_words)}"
        reasons.append({"code": "police", "points": rules["police"]["points"],
                        "text": f"the police were involved before ({why})"})
    flags = sorted(set(vulnerable) & set(rules["vulnerable"]["flags"]))
    if flags:
        reasons.append({"code": "vulnerable", "points": rules["vulnerable"]["points"],
                        "text": f"a vulnerable party ({', '.join(flags)})"})
    score = sum(r["points"] for r in reasons)
    thresholds = rules["thresholds"]
    colour = next((c for c in ("red", "orange", "yellow") if score >= thresholds[c]), "blue")
    return Screening(colour=colour, score=score, reasons=reasons)


def _identities(party: Party) -> set[tuple[str, str]]:
    ids: set[tuple[str, str]] = set()
    if party.resident_id:
        ids.add(("resident", party.resident_id))
    if party.id_number:
        ids.add(("id", party.id_number.upper()))
    if party.phone:
        ids.add(("name_phone", f"{party.name}|{party.phone}"))
    if party.household_id:
        ids.add(("household", party.household_id))
    return ids


async def earlier_disputes(*, session: AsyncSession, dispute: Dispute, parties: list[Party], window_days: int) -> int:
    """Earlier disputes between the same parties or households: an earlier dispute counts when every
    identifiable party of this one (at most two needed) appears in it."""
    mine = [ids for ids in (_identities(p) for p in parties) if ids]
    if not mine:
        return 0
    needed = min(2, len(mine))
    residents = [v for ids in mine for k, v in ids if k == "resident"]
    numbers = [v for ids in mine for k, v in ids if k == "id"]
    households = [v for ids in mine for k, v in ids if k == "household"]
    phones = [v.split("|", 1)[1] for ids in mine for k, v in ids if k == "name_phone"]
    since = dispute.opened_at - timedelta(days=window_days)
    query = (select(Party).join(Dispute, col(Dispute.id) == col(Party.dispute_id))
             .where(Dispute.id != dispute.id, Dispute.jurisdiction == dispute.jurisdiction,
                    col(Dispute.opened_at) >= since, col(Dispute.opened_at) <= dispute.opened_at)
             .where(or_(col(Party.resident_id).in_(residents or ["-"]), col(Party.id_number).in_(numbers or ["-"]),
                        col(Party.household_id).in_(households or ["-"]), col(Party.phone).in_(phones or ["-"]))))
    theirs: dict[Any, set[tuple[str, str]]] = {}
    for party in (await session.exec(query)).all():
        theirs.setdefault(party.dispute_id, set()).update(_identities(party))
    return sum(1 for ids in theirs.values() if sum(1 for m in mine if m & ids) >= needed)


async def rescreen(*, session: AsyncSession, dispute: Dispute, actor: Actor, rules_file: str | None = None,
                   why: str = "screening") -> Screening:
    """Screen again from everything known now; red raises the warning unless it was lowered for the same reasons."""
    rules = load_rules(rules_file)
    parties = list((await session.exec(select(Party).where(Party.dispute_id == dispute.id))).all())
    facts = (await session.exec(select(DisputeEntry.text).where(DisputeEntry.dispute_id == dispute.id,
                                                               DisputeEntry.kind == "fact"))).all()
    minutes = (await session.exec(select(MediationSession.minutes).where(MediationSession.dispute_id == dispute.id))).all()
    category = load_catalog().categories.get(dispute.category or "")
    earlier = await earlier_disputes(session=session, dispute=dispute, parties=parties,
                                     window_days=rules["repeat"]["window_days"])
    result = screen(rules=rules, texts=[dispute.description, *facts, *[m for m in minutes if m]],
                    category_flagged=dispute.escalation_risk or bool(category and category.escalation_risk),
                    category=dispute.category, earlier_disputes=earlier, police_involved=dispute.police_involved,
                    vulnerable=[f for p in parties for f in p.vulnerable])
    now = utcnow()
    dispute.risk_score, dispute.risk_reasons, dispute.risk_screened_at = result.score, result.reasons, now
    dispute.recurrence = earlier > 0
    session.add(DisputeEntry(dispute_id=dispute.id, kind="risk", actor=actor.id,
                             text=f"{why}: {result.colour} ({result.score} points)",
                             data={"colour": result.colour, "score": result.score, "reasons": result.reasons}))
    new_red = result.colour == "red" and not dispute.watch and bool(result.codes - set(dispute.risk_lowered_codes))
    if dispute.watch:
        dispute.risk_colour = "red"  # stays red on the watch list until a person lowers it
    elif result.colour == "red" and not new_red:
        pass  # a person lowered it for these very reasons: their colour holds until new reasons appear
    else:
        dispute.risk_colour = result.colour
    if new_red:
        dispute.watch, dispute.watch_since, dispute.risk_colour = True, now, "red"
        emit(session, MediationRiskWarning(
            case_id=dispute.case_id or dispute.id, jurisdiction=dispute.jurisdiction, actor=actor,
            dispute_id=dispute.id, committee=dispute.committee, score=result.score,
            reasons=[r["text"] for r in result.reasons], register_number=dispute.register_number))
        session.add(DisputeEntry(dispute_id=dispute.id, kind="warning", actor=actor.id,
                                 text="red risk: the police station (D06) and the Judicial Office (D05) were warned",
                                 data={"reasons": result.reasons}))
    session.add(dispute)
    return result


async def lower(*, session: AsyncSession, dispute: Dispute, actor: Actor, colour: str, reason: str) -> Dispute:
    if not dispute.watch:
        raise IllegalStep(f"dispute {dispute.id} is not on the watch list (risk {dispute.risk_colour})",
                          current_status=dispute.status)
    if colour not in COLOURS[:3]:
        raise IllegalStep(f"a red risk is lowered to orange, yellow or blue, not {colour}")
    dispute.watch, dispute.risk_colour = False, colour
    dispute.risk_lowered_codes = sorted({r["code"] for r in dispute.risk_reasons})
    session.add(dispute)
    session.add(DisputeEntry(dispute_id=dispute.id, kind="risk_lowered", actor=actor.id, text=reason,
                             data={"colour": colour}))
    emit(session, MediationRiskLowered(case_id=dispute.case_id or dispute.id, jurisdiction=dispute.jurisdiction,
                                       actor=actor, dispute_id=dispute.id, committee=dispute.committee,
                                       colour=colour, reason=reason))
    return dispute
