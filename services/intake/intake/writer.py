"""Group commit of new reports.

Every request with a new report hands it to the one ``CaseWriter`` of the process and waits. The writer
takes whatever has queued up meanwhile and writes it in ONE transaction: it decides for each report
whether it duplicates an open case (duplicate detection, when switched on) or opens a case of its own,
then numbers the new cases, writes all reports with one multi-row insert, their attachments, the linked
cases' reporter counts and timeline entries, and their events (``case.reported`` or
``case.duplicate_linked``, one outbox insert). A request is answered only after that commit, so nothing
acknowledged is lost, and each report still commits together with its event. Under load a commit
carries many reports, so the database round trips and the commit are shared instead of paid per report.

Deciding duplicates here, one report after the other, means a report also sees the cases opened earlier
in its own batch: two reports of one problem arriving together no longer both open a case. Across intake
replicas, the batches that search the same grids take turns (PostgreSQL advisory locks per grid), so the
second sees the first's new cases.

If a batch fails, its reports are written again one per transaction, so a bad one (a reused
Idempotency-Key, an attachment taken meanwhile) fails alone and its request gets the error.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from onegrid_contracts import Event
from onegrid_contracts.catalog import Catalog
from onegrid_contracts.events import CaseDuplicateLinked, CaseReported, Location
from onegrid_contracts.ids import new_id
from onegrid_runtime.aio import stopping
from onegrid_runtime.db import Database, advisory_xact_locks, insert_rows_async, select_rows, utcnow
from onegrid_runtime.outbox import emit, insert_at_commit
from sqlalchemy import BigInteger, column, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.duplicates import (
    DuplicateMatch,
    DuplicateRule,
    DuplicateRules,
    choose_primary,
    open_cases_near,
    rule_for_report,
    searched_grids,
)
from intake.errors import InvalidInput
from intake.grids import GridIndex
from intake.models import Attachment, Report, ReportAccepted, TimelineEntry

log = logging.getLogger("intake.writer")
MAX_BATCH = 500
REPORT = Report.__table__
ATTACHMENT = Attachment.__table__
TIMELINE = TimelineEntry.__table__
# The report table's own sequence (safe across replicas), as a select built once (select_rows).
NEXT_SEQS = text("SELECT nextval(pg_get_serial_sequence('report', 'seq')) AS seq FROM generate_series(1, :n)"
                 ).columns(column("seq", BigInteger))
COMPARED = ("id", "lat", "lon", "grid", "category", "description", "reported_at")  # what duplicate detection reads


@dataclass
class NewCase:
    """A validated new report: every column of its row but ``seq`` and ``case_number``. It opens a case unless
    it duplicates an open one."""

    row: dict[str, Any]
    actor: dict[str, Any]
    photo_ids: list[uuid.UUID] = field(default_factory=list)
    media_urls: list[str] = field(default_factory=list)
    attachment_urls: list[str] = field(default_factory=list)  # as announced in case.reported, photos first


class CaseWriter:
    def __init__(self, db: Database, *, duplicate_rules: DuplicateRules | None = None, catalog: Catalog | None = None,
                 grids: Callable[[], GridIndex] | None = None) -> None:
        # Its own connections: requests wait for the writer while holding theirs.
        self.db = db.sibling(pool_size=2)
        self.duplicate_rules = duplicate_rules  # None: detection switched off
        self.catalog = catalog
        if duplicate_rules is not None and grids is None:
            raise ValueError("duplicate detection needs the grid index (grids=)")
        self.grids = grids  # for a report, the grids within the duplicate radius (and their locks across replicas)
        self._queue: asyncio.Queue[tuple[NewCase, asyncio.Future[ReportAccepted]]] = asyncio.Queue()

    async def open(self, case: NewCase) -> ReportAccepted:
        """Store the report, as a new case or linked to the open case it duplicates, with its event; returns the
        answer once committed."""
        future: asyncio.Future[ReportAccepted] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((case, future))
        return await future

    async def run(self) -> None:
        try:
            await self._write_forever()
        finally:
            await self.db.dispose()

    async def _write_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write_batch(batch)
            except BaseException:  # stopped mid-batch: the waiting requests get an error, not silence
                _fail(batch, RuntimeError("intake is shutting down"))
                raise

    async def _write_batch(self, batch: list[tuple[NewCase, asyncio.Future[ReportAccepted]]]) -> None:
        """All in one transaction; if that fails, one report per transaction, so a bad one fails alone."""
        try:
            _done(batch, await self._write([case for case, _ in batch]))
            return
        except Exception as exc:
            if stopping():
                raise
            if len(batch) == 1:
                _fail(batch, exc)
                return
            log.warning("a batch of %d new cases failed (%r); writing them one by one", len(batch), exc)
        for one in batch:
            try:
                _done([one], await self._write([one[0]]))
            except Exception as exc:
                if stopping():
                    raise
                _fail([one], exc)

    async def _write(self, cases: list[NewCase]) -> list[ReportAccepted]:
        async with self.db.transaction() as session:
            connection = await session.connection()
            now = utcnow()
            matches = await self._find_duplicates(connection, cases, now)
            seqs = await _next_seqs(connection, len(cases), sqlite=self.db.is_sqlite)
            rows = [dict(case.row) for case in cases]  # a copy: a failed batch is written again one by one
            opened: dict[uuid.UUID, dict[str, Any]] = {}
            for row, seq, match in zip(rows, seqs, matches, strict=True):
                row["seq"] = seq
                if match is None:
                    row["case_number"] = case_number(row["jurisdiction"], row["reported_at"], seq)
                    opened[row["id"]] = row
                else:  # a linked report is not a case: no case number, its reporter follows the primary
                    row.update(case_number=None, status="linked", primary_case_id=match.primary.id,
                               duplicate_reason=match.reason[:300], reporters=1)
            linked = Counter(m.primary.id for m in matches if m is not None)
            for primary_id, count in linked.items():
                if primary_id in opened:
                    opened[primary_id]["reporters"] += count
            # Written with the events as the batch commits (one statement): nothing here reads them back.
            insert_at_commit(session, REPORT, rows)
            await attach(connection, cases, now)
            primaries = {row_id: {**row, "reporters": 1} for row_id, row in opened.items()}
            for primary_id, count in linked.items():
                if primary_id not in opened:  # a stored case: count this batch's reporters in one statement
                    stored = (await connection.execute(
                        update(REPORT).where(REPORT.c.id == primary_id).values(reporters=REPORT.c.reporters + count)
                        .returning(REPORT.c.id, REPORT.c.jurisdiction, REPORT.c.case_number, REPORT.c.grid,
                                   REPORT.c.community, REPORT.c.status, REPORT.c.reporters))).one()
                    primaries[primary_id] = {**stored._mapping, "reporters": stored.reporters - count}
            answers: list[ReportAccepted] = []
            timeline: list[dict[str, Any]] = []
            for case, row, match in zip(cases, rows, matches, strict=True):
                if match is None:
                    emit(session, case_reported(row, actor=case.actor, attachments=case.attachment_urls))
                    answers.append(ReportAccepted(
                        case_id=row["id"], case_number=row["case_number"], grid=row["grid"], community=row["community"],
                        status=row["status"], report_id=row["id"]))
                    continue
                primary = primaries[match.primary.id]
                primary["reporters"] += 1  # as this link leaves it: each event and answer counts the reports so far
                event = CaseDuplicateLinked(
                    case_id=primary["id"], jurisdiction=primary["jurisdiction"], actor=case.actor, report_id=row["id"],
                    reporter_id=row["reporter_id"], channel=row["channel"], reporters=primary["reporters"],
                    how="automatic", reason=match.reason)
                timeline.append(timeline_row(primary["id"], event, emit(session, event), status=primary["status"],
                                             summary=joined_summary(match.reason, primary["reporters"])))
                answers.append(ReportAccepted(
                    case_id=primary["id"], case_number=primary["case_number"], grid=primary["grid"],
                    community=primary["community"], status=primary["status"], report_id=row["id"],
                    duplicate_of=primary["id"], reporters=primary["reporters"]))
            insert_at_commit(session, TIMELINE, timeline)
        return answers

    async def _find_duplicates(self, connection: AsyncConnection, cases: list[NewCase], now: datetime
                               ) -> list[DuplicateMatch | None]:
        """For each report in order, the open case it duplicates: a stored one, or one opened earlier in this batch."""
        rules, catalog = self.duplicate_rules, self.catalog
        if rules is None or catalog is None:
            return [None] * len(cases)
        index = self.grids()  # type: ignore[misc]  (required with duplicate rules)
        checks: list[tuple[DuplicateRule | None, set[str]]] = []  # per report: its rule, the grids it searches
        for case in cases:
            rule = rule_for_report(rules, catalog, case.row["category"])
            checks.append((rule, searched_grids(case.row, rule, index) if rule is not None else set()))
        # Replicas take turns per grid: whoever comes second sees the other's new cases (READ COMMITTED: each
        # statement reads what has committed before it). A case a report could duplicate lies in the grids it
        # searches, and every report locks its own grid too, so two reports that could match share a lock.
        await advisory_xact_locks(connection, {
            f"intake.duplicates:{case.row['jurisdiction']}:{grid}"
            for case, (_, searched) in zip(cases, checks, strict=True) for grid in searched})
        matches: list[DuplicateMatch | None] = []
        opened: list[SimpleNamespace] = []
        for case, (rule, searched) in zip(cases, checks, strict=True):
            row = case.row
            match = None
            if rule is not None:
                stored = await open_cases_near(connection, row, rule, now, searched=searched)
                match = choose_primary(row, sorted([*stored, *opened], key=lambda c: c.reported_at),
                                       rule=rule, rules=rules, now=now)
            matches.append(match)
            if match is None:
                opened.append(SimpleNamespace(**{name: row[name] for name in COMPARED}))
        return matches


async def _next_seqs(connection: AsyncConnection, count: int, *, sqlite: bool) -> list[int]:
    """Numbers for ``count`` new cases. PostgreSQL: ``NEXT_SEQS``. SQLite serves one process whose new cases all
    come through this writer."""
    if sqlite:
        last = (await connection.execute(text("SELECT COALESCE(MAX(seq), 0) FROM report"))).scalar_one()
        return list(range(last + 1, last + 1 + count))
    return [row.seq for row in await select_rows(connection, NEXT_SEQS, n=count)]


def case_number(jurisdiction: str, reported_at: datetime, seq: int) -> str:
    """The human case number: town, year, and the report's sequence number."""
    return f"{jurisdiction}-{reported_at.year}-{seq:06d}"


async def attach(connection: AsyncConnection, cases: list[NewCase], now: datetime) -> None:
    """Uploaded photos join their report (each only once); media URLs are stored as attachments."""
    for case in cases:
        if case.photo_ids:
            taken = await connection.execute(
                update(ATTACHMENT).where(ATTACHMENT.c.id.in_(case.photo_ids), ATTACHMENT.c.case_id.is_(None))
                .values(case_id=case.row["id"]))
            if taken.rowcount != len(case.photo_ids):
                raise InvalidInput("an attachment was attached to another report meanwhile", field="attachments")
    urls = [{"id": new_id(), "jurisdiction": case.row["jurisdiction"], "case_id": case.row["id"], "kind": "url",
             "url": url, "storage_key": None, "content_type": None, "size": None, "sha256": None,
             "uploaded_by": case.actor["id"], "created_at": now}
            for case in cases for url in case.media_urls]
    if urls:
        await insert_rows_async(connection, ATTACHMENT, urls)


def timeline_row(case_id: uuid.UUID, event: Event, event_id: str, *, status: str, summary: str) -> dict[str, Any]:
    """A ``timeline_entry`` row for one of intake's own events about a case."""
    return {"case_id": case_id, "event_id": event_id, "event_type": event.type, "occurred_at": event.occurred_at,
            "status": status, "summary": summary, "data": json.loads(event.model_dump_json())}


def joined_summary(reason: str, reporters: int) -> str:
    """The primary case's timeline line when a report is linked to it."""
    return f"Another report about the same problem was joined to this case ({reason}); {reporters} reports in all."


def case_reported(report: dict[str, Any], *, actor: dict[str, Any], attachments: list[str]) -> CaseReported:
    """The ``case.reported`` event of a report's row (new here, or a linked report becoming a case)."""
    return CaseReported(
        case_id=report["id"], jurisdiction=report["jurisdiction"], actor=actor, case_number=report["case_number"],
        channel=report["channel"], description=report["description"], category=report["category"],
        location=Location(lat=report["lat"], lon=report["lon"]) if report["lat"] is not None else None,
        grid=report["grid"], community=report["community"], priority=report["priority"],
        reporter_id=report["reporter_id"], occurred_at_reported=report["occurred_at"],
        danger_to_life=report["danger_to_life"], danger_to_property=report["danger_to_property"],
        household_id=report["household_id"], address=report["address"],
        vulnerability_flags=list(report["vulnerability_flags"]), attachments=attachments,
    )


def _done(batch: list[tuple[NewCase, asyncio.Future[ReportAccepted]]], answers: list[ReportAccepted]) -> None:
    for (_, future), answer in zip(batch, answers):
        if not future.done():  # the request may have been cancelled meanwhile
            future.set_result(answer)


def _fail(batch: list[tuple[NewCase, asyncio.Future[ReportAccepted]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
