"""The learned routing model in service: versions stored in the database, one active at a time,
cold start from the departments' descriptions, retraining from closed cases and from a CSV.

Retraining never stops routing: training runs in a worker thread outside any transaction,
the new version is stored as a row, and activation flips the ``active`` flag in one
transaction (a partial unique index keeps exactly one active). Every replica reads the active
version when it routes and loads a version it has not seen yet, so all replicas switch on
their next decision.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from datetime import UTC, datetime

from onegrid_contracts.catalog import Catalog
from onegrid_runtime.db import Database
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch.errors import InvalidInput, NotFound
from dispatch.models import Case, RoutingModelRecord
from dispatch.routing import DepartmentProfile, RoutingModel

log = logging.getLogger("dispatch.learning")
# Outcomes whose ``resolved_by`` is a department that really handled the case.
LEARNABLE_OUTCOMES = ("verified", "closed_by_dispatcher")


def department_profiles(catalog: Catalog) -> list[DepartmentProfile]:
    """Each department's names and duties, plus the names and examples of its categories."""
    extra: dict[str, list[str]] = {code: [] for code in catalog.departments}
    for category in catalog.categories.values():
        extra[category.department].extend(t for t in (category.name_en, category.name_zh, category.example_zh) if t)
    return [DepartmentProfile(code=d.code, name_en=d.name_en, name_zh=d.name_zh, handles=d.handles,
                              extra_text="; ".join(extra[d.code])) for d in catalog.departments.values()]


class ModelCache:
    """Per process: the loaded models by version (a stored version never changes)."""

    def __init__(self) -> None:
        self._models: dict[str, RoutingModel] = {}

    async def active(self, session: AsyncSession) -> RoutingModel | None:
        record = (await session.exec(select(RoutingModelRecord.version).where(col(RoutingModelRecord.active)))).first()
        if record is None:
            return None
        model = self._models.get(record)
        if model is None:
            blob = (await session.exec(select(RoutingModelRecord.blob)
                                       .where(RoutingModelRecord.version == record))).one()
            model = RoutingModel.from_bytes(blob)
            self._models[record] = model
        return model


async def store_model(*, session: AsyncSession, model: RoutingModel, source: str, created_by: str,
                      activate: bool) -> RoutingModelRecord:
    existing = await session.get(RoutingModelRecord, model.version)
    record = existing or RoutingModelRecord(
        version=model.version, kind=model.kind, source=source, n_examples=model.n_examples, blob=model.to_bytes(),
        created_by=created_by,
        details={"temperature": model.temperature, "calibration": model.calibration,
                 "departments": list(model.classes)})
    session.add(record)
    await session.flush()
    if activate:
        await activate_model(session=session, version=record.version)
    return record


async def activate_model(*, session: AsyncSession, version: str) -> RoutingModelRecord:
    """Make ``version`` the active model, atomically (in the caller's transaction)."""
    record = await session.get(RoutingModelRecord, version, with_for_update=True)
    if record is None:
        raise NotFound(f"no routing model version {version}")
    await session.exec(update(RoutingModelRecord).where(col(RoutingModelRecord.active),  # type: ignore[call-overload]
                                                        RoutingModelRecord.version != version).values(active=False))
    await session.flush()
    record.active = True
    record.activated_at = datetime.now(UTC)
    session.add(record)
    await session.flush()
    return record


async def ensure_model(db: Database, catalog: Catalog) -> None:
    """At start: without any active model, train the cold-start one from the descriptions."""
    async with db.transaction() as session:
        if (await session.exec(select(RoutingModelRecord.version).where(col(RoutingModelRecord.active)))).first():
            return
    model = await asyncio.to_thread(RoutingModel.cold_start, department_profiles(catalog))
    try:
        async with db.transaction() as session:
            if (await session.exec(select(RoutingModelRecord.version).where(col(RoutingModelRecord.active)))).first():
                return
            await store_model(session=session, model=model, source="descriptions", created_by="dispatch",
                              activate=True)
        log.info("cold-start routing model %s activated", model.version)
    except IntegrityError:
        log.info("another replica stored the cold-start model first")


async def closed_case_examples(*, session: AsyncSession, jurisdiction: str) -> list[tuple[str, str]]:
    """(description, department that really resolved it) of the closed cases, after returns and reassignments."""
    rows = (await session.exec(
        select(Case.description, Case.resolved_by).where(
            Case.jurisdiction == jurisdiction, Case.status == "closed", col(Case.outcome).in_(LEARNABLE_OUTCOMES),
            col(Case.resolved_by).is_not(None)))).all()
    return [(text, dept) for text, dept in rows if dept]


def parse_examples_csv(data: bytes, catalog: Catalog) -> list[tuple[str, str]]:
    """Rows of a ``text,department`` CSV; problems name the line and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the CSV is not UTF-8 text (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("text", "department") if c not in header]
    if missing:
        raise InvalidInput(f"the CSV lacks column(s) {', '.join(missing)} (header: {', '.join(header) or 'none'})")
    reader.fieldnames = header
    examples = []
    for row in reader:
        line = reader.line_num
        value, dept = (row.get("text") or "").strip(), (row.get("department") or "").strip()
        if not value and not dept:
            continue
        if not value:
            raise InvalidInput(f"CSV line {line}: column 'text' is empty", line=line, column="text")
        if dept not in catalog.departments:
            raise InvalidInput(f"CSV line {line}: column 'department': {dept!r} is not a department of the catalog",
                               line=line, column="department")
        examples.append((value, dept))
    if not examples:
        raise InvalidInput("the CSV has no examples")
    return examples


async def retrain(*, db: Database, catalog: Catalog, jurisdiction: str, from_closed_cases: bool,
                  csv_examples: list[tuple[str, str]], created_by: str, activate: bool) -> RoutingModelRecord:
    """Train a new version in a worker thread while routing goes on; store it (and activate it)."""
    examples = list(csv_examples)
    if from_closed_cases:
        async with db.transaction() as session:
            examples += await closed_case_examples(session=session, jurisdiction=jurisdiction)
    if not examples:
        raise InvalidInput("nothing to learn from: no closed cases resolved by a department and no CSV examples")
    source = "+".join(s for s, on in (("closed_cases", from_closed_cases), ("csv", bool(csv_examples))) if on)
    model = await asyncio.to_thread(RoutingModel.train, department_profiles(catalog), examples,
                                    trained_at=datetime.now(UTC))
    async with db.transaction() as session:
        record = await store_model(session=session, model=model, source=source, created_by=created_by,
                                   activate=activate)
        record.details = {**record.details, "examples": len(examples)}
        session.add(record)
    return record
