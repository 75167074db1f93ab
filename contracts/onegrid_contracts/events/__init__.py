"""Pydantic models of every OneGrid event, one module per producing service.

Each class names its CloudEvents ``type`` and the service that produces it; the Kafka topic
is ``<prefix>.<producer>.v1`` (see ``topic_for``). Events evolve by adding optional fields;
a breaking change is a new class with ``version = 2`` and a new type. A new event class is
listed in its module's ``EVENTS`` tuple.
"""

from onegrid_contracts.events import dispatch, intake, mediation, notify
from onegrid_contracts.events.base import PRODUCERS, Actor, Event, Location, topic_for, utcnow
from onegrid_contracts.events.dispatch import *  # noqa: F403
from onegrid_contracts.events.intake import *  # noqa: F403
from onegrid_contracts.events.mediation import *  # noqa: F403
from onegrid_contracts.events.notify import *  # noqa: F403

EVENT_CLASSES: tuple[type[Event], ...] = intake.EVENTS + dispatch.EVENTS + mediation.EVENTS + notify.EVENTS
EVENT_TYPES: dict[str, type[Event]] = {cls.type: cls for cls in EVENT_CLASSES}


def event_class(event_type: str) -> type[Event]:
    try:
        return EVENT_TYPES[event_type]
    except KeyError:
        raise ValueError(f"unknown event type {event_type!r}") from None


__all__ = ["EVENT_CLASSES", "EVENT_TYPES", "PRODUCERS", "Actor", "Event", "Location", "event_class", "topic_for", "utcnow"]
__all__ += [cls.__name__ for cls in EVENT_CLASSES]
