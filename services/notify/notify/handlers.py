"""Events notify consumes: every case event of intake, dispatch and mediation."""

from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import EVENT_CLASSES
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import NotifySettings
from notify.service import load_rules, record_notifications

handlers = Handlers()


async def on_event(*, session: AsyncSession, event: Event, envelope: Envelope, settings: NotifySettings) -> None:
    await record_notifications(session=session, event=event, envelope=envelope, rules=load_rules(settings.rules_file))


for _cls in EVENT_CLASSES:
    if _cls.producer != "notify":
        handlers.on(_cls)(on_event)
