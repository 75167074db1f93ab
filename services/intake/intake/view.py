"""The reporter's view of a case (status in plain words, department, expected time, timeline) and
the reporter's feedback once the work is done."""

from __future__ import annotations

from datetime import timedelta

from onegrid_contracts.catalog import Catalog
from onegrid_contracts.events import CaseRated, CaseReported
from onegrid_runtime.auth import Principal, Role
from onegrid_runtime.db import utcnow
from onegrid_runtime.outbox import emit
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.errors import Conflict, Forbidden
from intake.models import (
    Attachment,
    AttachmentPublic,
    CaseFeedback,
    FeedbackAccepted,
    FeedbackIn,
    FeedbackView,
    Report,
    ReporterView,
    ReportView,
    TimelineEntry,
    TimelineItem,
)
from intake.privacy import mask_name, mask_phone, sees_personal_data
from intake.service import add_own_timeline, linked_reports
from intake.status import RATEABLE_STATUSES, describe


def _rater(reader: Principal) -> str:
    return reader.subject if reader.role == Role.resident else f"{reader.role.value}:{reader.subject}"


def _reporter_view(report: Report, reader: Principal) -> ReporterView | None:
    if report.reporter_id is None and report.reporter_name is None and report.reporter_phone is None:
        return None
    full = sees_personal_data(reader, grid=report.grid, person_id=report.reporter_id)
    return ReporterView(resident_id=report.reporter_id,
                        name=report.reporter_name if full else mask_name(report.reporter_name),
                        phone=report.reporter_phone if full else mask_phone(report.reporter_phone))


async def report_view(
    *, session: AsyncSession, case: Report, asked: Report, reader: Principal, catalog: Catalog,
    attachment_url: str = "/v1/attachments/{id}",
) -> ReportView:
    entries = (
        await session.exec(
            select(TimelineEntry).where(TimelineEntry.case_id == case.id).order_by(TimelineEntry.occurred_at, TimelineEntry.id)
        )
    ).all()
    status_text = describe(case.status, department=catalog.department_name(case.department))
    received = TimelineItem(at=case.reported_at, type=CaseReported.type, status="received",
                            summary=describe("received", department=""))
    ids = [case.id] + [r.id for r in await linked_reports(session, case)]
    attachments = (await session.exec(select(Attachment).where(col(Attachment.case_id).in_(ids))
                                      .order_by(Attachment.created_at))).all()
    feedback = (await session.exec(select(CaseFeedback).where(CaseFeedback.case_id == case.id)
                                   .order_by(CaseFeedback.created_at))).all()
    if reader.role == Role.resident:
        feedback = [f for f in feedback if f.rater == reader.subject]
    rated = any(f.rater == _rater(reader) and f.resolution_at == case.resolved_at for f in feedback)
    return ReportView(
        case_id=case.id,
        case_number=case.case_number or "",
        status=case.status,
        status_text=status_text,
        description=case.description,
        category=case.category,
        grid=case.grid,
        community=case.community,
        household_id=case.household_id,
        address=case.address,
        priority=case.priority,
        danger_to_life=case.danger_to_life,
        danger_to_property=case.danger_to_property,
        department=case.department,
        department_name=catalog.department_name(case.department) if case.department else None,
        expected_at=case.expected_at,
        reported_at=case.reported_at,
        reporters=case.reporters,
        your_report_id=asked.id if asked.id != case.id else None,
        reporter=_reporter_view(case, reader),
        attachments=[AttachmentPublic(id=a.id, kind=a.kind, url=attachment_url.format(id=a.id) if a.kind == "photo"
                                      else a.url or "", content_type=a.content_type, size=a.size, sha256=a.sha256)
                     for a in attachments],
        can_rate=case.status in RATEABLE_STATUSES and case.resolved_at is not None and not rated
        and reader.role in (Role.resident, Role.dispatcher),
        feedback=[FeedbackView(rating=f.rating, comment=f.comment, at=f.created_at, reopen_requested=f.reopen_requested)
                  for f in feedback],
        timeline=[received] + [TimelineItem(at=e.occurred_at, type=e.event_type, status=e.status, summary=e.summary)
                               for e in entries],
    )


async def give_feedback(
    *, session: AsyncSession, case: Report, reader: Principal, body: FeedbackIn, window_days: float, dissatisfied_at_most: int,
) -> FeedbackAccepted:
    """Record the reporter's rating once per resolution; a dissatisfied rating within the window asks
    dispatch to reopen (``case.rated`` with ``reopen_requested``)."""
    if reader.role not in (Role.resident, Role.dispatcher, Role.admin):
        raise Forbidden("only the reporter (or the command centre calling them back) rates a case")
    if case.status not in RATEABLE_STATUSES or case.resolved_at is None:
        raise Conflict(f"case {case.case_number} is {case.status}: it can be rated once it is resolved or closed",
                       allowed=[])
    rater = _rater(reader)
    earlier = (await session.exec(select(CaseFeedback).where(CaseFeedback.case_id == case.id, CaseFeedback.rater == rater,
                                                             CaseFeedback.resolution_at == case.resolved_at))).first()
    if earlier is not None:
        raise Conflict(f"you have already rated case {case.case_number} ({earlier.rating}/5)", allowed=[])
    now = utcnow()
    within = now - case.resolved_at <= timedelta(days=window_days)
    reopen = body.rating <= dissatisfied_at_most and within
    comment = body.comment.strip() if body.comment and body.comment.strip() else None
    session.add(CaseFeedback(case_id=case.id, rater=rater, rating=body.rating, comment=comment,
                             resolution_at=case.resolved_at, reopen_requested=reopen, created_at=now))
    event = CaseRated(case_id=case.id, jurisdiction=case.jurisdiction, actor=reader.actor(), rating=body.rating,
                      comment=comment, reopen_requested=reopen)
    event_id = emit(session, event)
    if reopen:
        message = "Thank you. You are not satisfied: the case goes back to be handled again."
    elif body.rating <= dissatisfied_at_most:
        message = (f"Thank you. The case was resolved more than {window_days:g} days ago, so it is not reopened; "
                   "please report the problem again if it persists.")
    else:
        message = "Thank you for your rating."
    add_own_timeline(session, case, event, event_id, status=case.status, summary=f"Rated {body.rating}/5. {message}")
    return FeedbackAccepted(case_id=case.id, rating=body.rating, reopen_requested=reopen, message=message)
