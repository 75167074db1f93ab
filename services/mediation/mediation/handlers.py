"""Events mediation consumes: disputes sent by dispatch."""

from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_contracts import Envelope
from onegrid_contracts.events import CaseMediationRequested
from onegrid_runtime.consumer import Handlers

from mediation import service
from mediation.config import get_settings

handlers = Handlers()


@handlers.on(CaseMediationRequested)
async def on_mediation_requested(*, session: AsyncSession, event: CaseMediationRequested, envelope: Envelope) -> None:
    await service.open_from_case(session=session, event=event, hub=get_settings().hub_committee)
