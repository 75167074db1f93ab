"""Events notify consumes: every event of the other services; rules.yaml decides which are notified."""

from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import EVENT_CLASSES
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import NotifySettings
from notify.recording import record_batch

handlers = Handlers()


async def on_events(*, session: AsyncSession, events: list[Event], envelopes: list[Envelope],
                    settings: NotifySettings) -> None:
    # Consecutive events of one type in a fetched batch, in arrival order. Only writes rows
    # (notifications, inbox entries, the delivery queue): never waits on a delivery.
    await record_batch(session=session, events=events, envelopes=envelopes, settings=settings)


# Every event type of every other producer, including types added later to the contracts: an event
# type without a matching rule is learnt from (case contact) but causes no message.
for _cls in EVENT_CLASSES:
    if _cls.producer != "notify":
        handlers.on(_cls, batch=True)(on_events)
