"""Events intake consumes: the dispatch and mediation events a reporter should see feed the timeline.

Internal events (deadline warnings, escalations, risk warnings to the police) stay out of it."""

from onegrid_contracts import Envelope, Event
from onegrid_contracts.catalog import load_catalog
from onegrid_contracts.events import EVENT_CLASSES
from onegrid_runtime.consumer import Handlers
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.config import IntakeSettings
from intake.service import record_case_events
from intake.status import REPORTER_TIMELINE_EVENTS

handlers = Handlers()


async def on_case_events(*, session: AsyncSession, events: list[Event], envelopes: list[Envelope],
                         settings: IntakeSettings) -> None:
    await record_case_events(session=session, events=events, envelopes=envelopes, catalog=load_catalog())


for _cls in EVENT_CLASSES:
    if _cls.producer in ("dispatch", "mediation") and _cls.type in REPORTER_TIMELINE_EVENTS:
        handlers.on(_cls, batch=True)(on_case_events)
