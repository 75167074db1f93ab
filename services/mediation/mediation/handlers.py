"""Events mediation consumes: disputes sent by dispatch."""

from onegrid_contracts import Envelope
from onegrid_contracts.events import CaseMediationRequested
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from mediation import service
from mediation.config import MediationSettings

handlers = Handlers()


@handlers.on(CaseMediationRequested)
async def on_mediation_requested(*, session: AsyncSession, event: CaseMediationRequested, envelope: Envelope, settings: MediationSettings) -> None:
    await service.open_from_case(session=session, event=event, settings=settings)
