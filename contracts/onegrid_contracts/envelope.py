"""CloudEvents 1.0 envelope in the Kafka protocol binding, binary content mode.

Attributes travel as ``ce_*`` headers, ``content-type`` is ``application/json``, the value is
the event's JSON data and the key is the case id, so one case's events stay in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onegrid_contracts.events import Event, event_class
from onegrid_contracts.ids import new_id

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type")


class InvalidEnvelope(ValueError):
    """The message is not a OneGrid CloudEvent (missing headers, bad JSON, unknown type...)."""


def schema_uri(cls: type[Event]) -> str:
    return f"urn:onegrid:schema:{cls.type}:v{cls.version}"


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    source: str
    time: str
    subject: str | None
    dataschema: str | None
    data: dict[str, Any]
    extensions: dict[str, str] = field(default_factory=dict)

    def event(self) -> Event:
        """The typed event (validated once, then remembered); raises InvalidEnvelope when the data
        does not fit its model."""
        cached = self.__dict__.get("_event")
        if cached is None:
            try:
                cached = event_class(self.type).model_validate(self.data)
            except ValueError as exc:
                raise InvalidEnvelope(f"{self.type} {self.id}: {exc}") from exc
            object.__setattr__(self, "_event", cached)
        return cached


def to_kafka(
    event: Event, *, source: str, event_id: str | None = None, extensions: dict[str, str] | None = None
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of one event, ready for a Kafka producer."""
    attrs = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": event_id or str(new_id()),
        "ce_source": source,
        "ce_type": event.type,
        "ce_time": _rfc3339(event.occurred_at),
        "ce_subject": str(event.case_id),
        "ce_dataschema": schema_uri(type(event)),
        "content-type": CONTENT_TYPE,
    }
    for name, value in (extensions or {}).items():
        attrs[f"ce_{name}"] = value
    headers = [(k, v.encode()) for k, v in attrs.items()]
    return str(event.case_id).encode(), event.model_dump_json().encode(), headers


def from_kafka(key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]] | tuple) -> Envelope:
    attrs: dict[str, str] = {}
    for name, raw in headers or ():
        try:
            attrs[name.lower()] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            raise InvalidEnvelope(f"header {name} is not UTF-8") from None
    missing = [h for h in REQUIRED if not attrs.get(h)]
    if missing:
        raise InvalidEnvelope(f"not a CloudEvent: missing headers {', '.join(missing)}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise InvalidEnvelope(f"unsupported CloudEvents specversion {attrs['ce_specversion']!r}")
    if attrs.get("content-type", CONTENT_TYPE).split(";")[0].strip() != CONTENT_TYPE:
        raise InvalidEnvelope(f"unsupported content-type {attrs['content-type']!r}")
    try:
        data = json.loads(value) if value else None
    except ValueError as exc:
        raise InvalidEnvelope(f"data is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEnvelope("data must be a JSON object")
    known = {"ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_dataschema"}
    return Envelope(
        id=attrs["ce_id"],
        type=attrs["ce_type"],
        source=attrs["ce_source"],
        time=attrs.get("ce_time", ""),
        subject=attrs.get("ce_subject"),
        dataschema=attrs.get("ce_dataschema"),
        data=data,
        extensions={k[3:]: v for k, v in attrs.items() if k.startswith("ce_") and k not in known},
    )


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
