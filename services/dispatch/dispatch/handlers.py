"""Events dispatch consumes: new cases and ratings from intake, conclusions from mediation."""

from onegrid_contracts import Envelope
from onegrid_contracts.events import CaseMerged, CaseRated, CaseReported, MediationConcluded, MediationPerformed
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from dispatch import service
from dispatch.config import DispatchSettings

handlers = Handlers()


@handlers.on(CaseReported)
async def on_case_reported(*, session: AsyncSession, event: CaseReported, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.register_case(session=session, event=event, settings=settings)


@handlers.on(CaseRated)
async def on_case_rated(*, session: AsyncSession, event: CaseRated, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.record_rating(session=session, event=event, settings=settings)


@handlers.on(MediationConcluded)
async def on_mediation_concluded(*, session: AsyncSession, event: MediationConcluded, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.conclude_mediation(session=session, event=event, settings=settings)


@handlers.on(MediationPerformed)
async def on_mediation_performed(*, session: AsyncSession, event: MediationPerformed, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.record_mediation_performance(session=session, event=event)


@handlers.on(CaseMerged)
async def on_case_merged(*, session: AsyncSession, event: CaseMerged, envelope: Envelope, settings: DispatchSettings) -> None:
    await service.void_merged(session=session, event=event)
