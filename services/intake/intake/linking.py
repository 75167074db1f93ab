"""Duplicates by hand: a grid member or dispatcher unlinks a report from its primary case (it becomes
a case of its own) or merges an open case into another one."""

from __future__ import annotations

import uuid

from onegrid_contracts.events import CaseDuplicateUnlinked, CaseMerged
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.outbox import emit
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.errors import Conflict, Forbidden, InvalidInput
from intake.models import Attachment, Report, ReportAccepted
from intake.service import accepted_answer, add_own_timeline, find_report, link_duplicate, open_case
from intake.status import OPEN_STATUSES


def _check_grid(actor: Principal, *reports: Report) -> None:
    if actor.role == Role.grid_member:
        for report in reports:
            if report.grid != actor.grid:
                raise Forbidden(f"report {report.id} is in grid {report.grid}, not in your grid {actor.grid}")


async def unlink(*, session: AsyncSession, report_id: uuid.UUID, actor: Principal, attachment_url: str) -> ReportAccepted:
    """The linked report becomes a case of its own (``case.reported``); the primary counts one reporter less."""
    report = await find_report(session, report_id, actor.jurisdiction)
    if report.primary_case_id is None or report.status != "linked":
        raise Conflict(f"report {report_id} is not linked to another case", allowed=[])
    primary = await find_report(session, report.primary_case_id, actor.jurisdiction)
    _check_grid(actor, report, primary)
    report.primary_case_id = None
    report.duplicate_reason = None
    report.status = "received"
    session.add(report)
    await session.exec(update(Report).where(Report.id == primary.id).values(reporters=Report.reporters - 1))
    await session.refresh(primary, ["reporters"])
    event = CaseDuplicateUnlinked(case_id=primary.id, jurisdiction=primary.jurisdiction, actor=actor.actor(),
                                  report_id=report.id, reporters=primary.reporters)
    event_id = emit(session, event)
    add_own_timeline(session, primary, event, event_id, status=primary.status,
                     summary=f"A report was separated from this case; {primary.reporters} report(s) remain.")
    urls = [(attachment_url.format(id=a.id) if a.kind == "photo" else a.url or "")
            for a in (await session.exec(select(Attachment).where(Attachment.case_id == report.id))).all()]
    open_case(session, report, actor=actor, attachments=urls)
    return await accepted_answer(session, report)


async def merge(*, session: AsyncSession, case_id: uuid.UUID, into: uuid.UUID, actor: Principal) -> ReportAccepted:
    """Merge the open case ``case_id`` into the open case ``into``: its reporters follow ``into``."""
    if case_id == into:
        raise InvalidInput("a case cannot be merged into itself", field="into")
    case = await find_report(session, case_id, actor.jurisdiction)
    target = await find_report(session, into, actor.jurisdiction)
    _check_grid(actor, case, target)
    for which, report in (("case", case), ("into", target)):
        if report.primary_case_id is not None or report.case_number is None:
            raise Conflict(f"{report.id} is a report linked to case {report.primary_case_id}, not a case", field=which)
        if report.status not in OPEN_STATUSES:
            raise Conflict(f"case {report.case_number} is {report.status}: only open cases can be merged", field=which)
    await link_duplicate(session=session, report=case, primary=target, reason=f"merged by hand into {target.case_number}",
                         how="merge", actor=actor)
    emit(session, CaseMerged(case_id=case.id, jurisdiction=case.jurisdiction, actor=actor.actor(), into_case_id=target.id,
                             into_case_number=target.case_number or "", reporters=target.reporters))
    return await accepted_answer(session, case)
