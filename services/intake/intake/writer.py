"""Group commit of new cases.

Every request that opens a case hands its report to the one ``CaseWriter`` of the process and waits.
The writer takes whatever has queued up meanwhile and writes it in ONE transaction: case numbers for
all of them, one multi-row insert of the reports, their attachments, and their ``case.reported``
events (one outbox insert). A request is answered only after that commit, so nothing acknowledged is
lost, and each report still commits together with its event. Under load a commit carries many reports,
so the database round trips and the commit are shared instead of paid per report.

If a batch fails, its reports are written again one per transaction, so a bad one (a reused
Idempotency-Key, an attachment taken meanwhile) fails alone and its request gets the error.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onegrid_contracts.events import CaseReported, Location
from onegrid_runtime.aio import stopping
from onegrid_runtime.db import Database, utcnow
from onegrid_runtime.outbox import emit
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.errors import InvalidInput
from intake.models import Attachment, Report

log = logging.getLogger("intake.writer")
MAX_BATCH = 500
REPORT = Report.__table__
ATTACHMENT = Attachment.__table__


@dataclass
class NewCase:
    """A validated report that opens a case: every column of its row but ``seq`` and ``case_number``."""

    row: dict[str, Any]
    actor: dict[str, Any]
    photo_ids: list[uuid.UUID] = field(default_factory=list)
    media_urls: list[str] = field(default_factory=list)
    attachment_urls: list[str] = field(default_factory=list)  # as announced in case.reported, photos first


class CaseWriter:
    def __init__(self, db: Database) -> None:
        # Its own connections: requests wait for the writer while holding theirs.
        self.db = db.sibling(pool_size=2)
        self._queue: asyncio.Queue[tuple[NewCase, asyncio.Future[str]]] = asyncio.Queue()

    async def open(self, case: NewCase) -> str:
        """Store the case and its ``case.reported`` event; returns the case number once committed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
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

    async def _write_batch(self, batch: list[tuple[NewCase, asyncio.Future[str]]]) -> None:
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

    async def _write(self, cases: list[NewCase]) -> list[str]:
        async with self.db.transaction() as session:
            connection = await session.connection()
            seqs = await _next_seqs(connection, len(cases), sqlite=self.db.is_sqlite)
            now = utcnow()
            rows = []
            for case, seq in zip(cases, seqs):
                row = case.row
                row["seq"], row["case_number"] = seq, case_number(row["jurisdiction"], row["reported_at"], seq)
                rows.append(row)
            await connection.execute(insert(REPORT), rows)
            await attach(connection, cases, now)
            for case in cases:
                emit(session, case_reported(case.row, actor=case.actor, attachments=case.attachment_urls))
        return [row["case_number"] for row in rows]


async def _next_seqs(connection: AsyncConnection, count: int, *, sqlite: bool) -> list[int]:
    """Numbers for ``count`` new cases. PostgreSQL: the report table's own sequence (safe across
    replicas). SQLite serves one process whose new cases all come through this writer."""
    if sqlite:
        last = (await connection.execute(text("SELECT COALESCE(MAX(seq), 0) FROM report"))).scalar_one()
        return list(range(last + 1, last + 1 + count))
    result = await connection.execute(
        text("SELECT nextval(pg_get_serial_sequence('report', 'seq')) FROM generate_series(1, :n)"), {"n": count})
    return [n for (n,) in result.all()]


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
    urls = [{"id": uuid.uuid4(), "jurisdiction": case.row["jurisdiction"], "case_id": case.row["id"], "kind": "url",
             "url": url, "storage_key": None, "content_type": None, "size": None, "sha256": None,
             "uploaded_by": case.actor["id"], "created_at": now}
            for case in cases for url in case.media_urls]
    if urls:
        await connection.execute(insert(ATTACHMENT), urls)


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


def _done(batch: list[tuple[NewCase, asyncio.Future[str]]], numbers: list[str]) -> None:
    for (_, future), number in zip(batch, numbers):
        if not future.done():  # the request may have been cancelled meanwhile
            future.set_result(number)


def _fail(batch: list[tuple[NewCase, asyncio.Future[str]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
