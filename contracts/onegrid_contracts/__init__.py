"""OneGrid event contracts.

Every event is a pydantic model (``events``) carried in a CloudEvents 1.0 envelope in the
Kafka binary binding (``envelope``). JSON Schemas and the AsyncAPI document in this folder
are generated from the models (``python -m onegrid_contracts.generate``).
"""

from onegrid_contracts.envelope import Envelope, from_kafka, to_kafka
from onegrid_contracts.events import EVENT_TYPES, Event, event_class

__all__ = ["EVENT_TYPES", "Envelope", "Event", "event_class", "from_kafka", "to_kafka"]
