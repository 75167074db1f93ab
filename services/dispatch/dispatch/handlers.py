"""Events dispatch consumes: new cases and ratings from intake, conclusions from mediation.

New cases and ratings come once per report and are handled a fetched batch at a time (``batch=True``:
every consecutive event of the type in one call, a list of one when the consumer retries alone)."""

from onegrid_contracts import Envelope
from onegrid_contracts.events import CaseMerged, CaseRated, CaseReported, MediationConcluded, MediationPerformed
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch import arrival, service
from dispatch.config import DispatchSettings

handlers = Handlers()


@handlers.on(CaseReported, batch=True)
async def on_cases_reported(*, session: AsyncSession, events: list[CaseReported], envelopes: list[Envelope],
                            settings: DispatchSettings) -> None:
    await arrival.register_cases(session=session, events=events, settings=settings)


@handlers.on(CaseRated, batch=True)
async def on_cases_rated(*, session: AsyncSession, events: list[CaseRated], envelopes: list[Envelope],
                         settings: DispatchSettings) -> None:
    await service.record_ratings(session=session, events=events, settings=settings)


@handlers.on(MediationConcluded)
async def on_mediation_concluded(*, session: AsyncSession, event: MediationConcluded, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.conclude_mediation(session=session, event=event, settings=settings)


@handlers.on(MediationPerformed)
async def on_mediation_performed(*, session: AsyncSession, event: MediationPerformed, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.record_mediation_performance(session=session, event=event)


@handlers.on(CaseMerged)
async def on_case_merged(*, session: AsyncSession, event: CaseMerged, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.void_merged(session=session, event=event)
