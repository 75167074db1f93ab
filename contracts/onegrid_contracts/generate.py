"""Generate the checked-in JSON Schemas and AsyncAPI 3.0 document from the event models.

    python -m onegrid_contracts.generate          # write contracts/schemas/*.json and contracts/asyncapi.yaml
    python -m onegrid_contracts.generate --check  # exit 1 when the checked-in files differ
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from pydantic.json_schema import models_json_schema

from onegrid_contracts.envelope import schema_uri
from onegrid_contracts.events import EVENT_CLASSES, PRODUCERS, topic_for

ROOT = Path(__file__).resolve().parent.parent
CE_HEADERS = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {"type": "string", "description": "Unique event id (consumers deduplicate on it)"},
        "ce_source": {"type": "string", "examples": ["/onegrid/intake"]},
        "ce_type": {"type": "string"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {"type": "string", "description": "The case id, also the message key"},
        "ce_dataschema": {"type": "string"},
        "ce_traceparent": {"type": "string", "description": "W3C trace context of the request that caused it"},
        "content-type": {"type": "string", "const": "application/json"},
    },
}


def json_schemas() -> dict[str, dict]:
    """One standalone JSON Schema (2020-12) per event type, keyed by file name."""
    out = {}
    for cls in EVENT_CLASSES:
        schema = cls.model_json_schema(mode="serialization")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_uri(cls), **schema}
        schema["x-cloudevents-type"] = cls.type
        schema["x-producer"] = cls.producer
        out[f"{cls.type}.v{cls.version}.json"] = schema
    return out


def asyncapi() -> dict:
    _, defs = models_json_schema(
        [(cls, "serialization") for cls in EVENT_CLASSES], ref_template="#/components/schemas/{model}"
    )
    channels, operations, messages = {}, {}, {}
    for producer in PRODUCERS:
        classes = [c for c in EVENT_CLASSES if c.producer == producer]
        channels[producer] = {
            "address": topic_for(producer),
            "description": f"Events owned by the {producer} service, keyed by case id.",
            "messages": {c.__name__: {"$ref": f"#/components/messages/{c.__name__}"} for c in classes},
        }
        operations[f"{producer}Publishes"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{producer}"},
            "messages": [{"$ref": f"#/channels/{producer}/messages/{c.__name__}"} for c in classes],
        }
        for c in classes:
            messages[c.__name__] = {
                "name": c.type,
                "title": c.__name__,
                "summary": (c.__doc__ or c.type).strip().splitlines()[0],
                "contentType": "application/json",
                "headers": CE_HEADERS,
                "payload": {"$ref": f"#/components/schemas/{c.__name__}"},
                "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}, "bindingVersion": "0.5.0"}},
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "OneGrid events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in the Kafka binary binding (ce_* headers, JSON data, key = case id).",
        },
        "defaultContentType": "application/json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "make run broker"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": defs["$defs"]},
    }


def rendered() -> dict[Path, str]:
    files = {
        ROOT / "schemas" / name: json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, schema in json_schemas().items()
    }
    files[ROOT / "asyncapi.yaml"] = yaml.safe_dump(asyncapi(), sort_keys=False, allow_unicode=True, width=100)
    return files


def main(argv: list[str]) -> int:
    files = rendered()
    if "--check" in argv:
        stale = [str(p.relative_to(ROOT)) for p, text in files.items() if not p.exists() or p.read_text() != text]
        extra = {p for p in (ROOT / "schemas").glob("*.json")} - set(files)
        stale += [str(p.relative_to(ROOT)) for p in extra]
        if stale:
            print("contracts out of date (run python -m onegrid_contracts.generate):", *stale, sep="\n  ")
            return 1
        return 0
    (ROOT / "schemas").mkdir(exist_ok=True)
    for old in (ROOT / "schemas").glob("*.json"):
        if old not in files:
            old.unlink()
    for path, text in files.items():
        path.write_text(text)
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
