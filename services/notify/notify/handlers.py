"""Events notify consumes: every case event of intake, dispatch and mediation."""

from sqlmodel.ext.asyncio.session import AsyncSession

from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import EVENT_CLASSES
from onegrid_runtime.consumer import Handlers

from notify.config import get_settings
from notify.service import load_rules, record_notifications

handlers = Handlers()


async def on_event(*, session: AsyncSession, event: Event, envelope: Envelope) -> None:
    await record_notifications(session=session, event=event, envelope=envelope, rules=load_rules(get_settings().rules_file))


for _cls in EVENT_CLASSES:
    if _cls.producer != "notify":
        handlers.on(_cls)(on_event)
