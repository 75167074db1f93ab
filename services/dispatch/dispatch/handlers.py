"""Events dispatch consumes: new cases from intake, conclusions from mediation."""

from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_contracts import Envelope
from onegrid_contracts.catalog import load_catalog
from onegrid_contracts.events import CaseReported, MediationConcluded
from onegrid_runtime.consumer import Handlers

from dispatch import service
from dispatch.config import get_settings

handlers = Handlers()


@handlers.on(CaseReported)
async def on_case_reported(*, session: AsyncSession, event: CaseReported, envelope: Envelope) -> None:
    await service.register_case(session=session, event=event, catalog=load_catalog(), settings=get_settings())


@handlers.on(MediationConcluded)
async def on_mediation_concluded(*, session: AsyncSession, event: MediationConcluded, envelope: Envelope) -> None:
    await service.conclude_mediation(session=session, event=event)
