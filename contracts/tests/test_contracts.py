"""The event contracts: generated files in sync, a real AsyncAPI parser accepts the document,
the official CloudEvents SDK reads our Kafka messages, and bad messages are refused clearly."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from onegrid_contracts import EVENT_TYPES, from_kafka, to_kafka
from onegrid_contracts.envelope import InvalidEnvelope
from onegrid_contracts.events import CaseDispatched, RoutingDecision
from onegrid_contracts.generate import ROOT, main as generate_main

TOOLS = ROOT / "tools"


def test_checked_in_schemas_and_asyncapi_equal_what_the_models_generate():
    assert generate_main(["--check"]) == 0
    assert {p.name for p in (ROOT / "schemas").glob("*.json")} == {f"{t}.v1.json" for t in EVENT_TYPES}


def test_asyncapi_document_passes_the_official_parser():
    node = shutil.which("node")
    assert node, "Node.js is needed to run @asyncapi/parser (make setup installs it)"
    assert (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir(), "run: npm ci --prefix contracts/tools"
    result = subprocess.run([node, "validate-asyncapi.mjs", str(ROOT / "asyncapi.yaml")], cwd=TOOLS,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"with 4 channels, {len(EVENT_TYPES)} messages" in result.stdout


def test_asyncapi_parser_rejects_a_broken_document(tmp_path: Path):
    broken = (ROOT / "asyncapi.yaml").read_text().replace("address: onegrid.intake.v1", "address: [not, a, string]")
    (tmp_path / "broken.yaml").write_text(broken)
    result = subprocess.run([shutil.which("node") or "node", "validate-asyncapi.mjs", str(tmp_path / "broken.yaml")],
                            cwd=TOOLS, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "INVALID" in result.stdout


def _dispatched() -> CaseDispatched:
    return CaseDispatched(case_id=uuid.uuid4(), jurisdiction="YYB", department="D07", deadline_at="2026-12-10T09:00:00Z",
                          routing=RoutingDecision(method="rule", rule_id="catalog:C01", confidence=1.0))


def test_kafka_binary_binding_reads_with_the_cloudevents_sdk():
    event = _dispatched()
    key, value, headers = to_kafka(event, source="/onegrid/YYB/dispatch", extensions={"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"})
    parsed = from_binary_event(KafkaMessage(headers=dict(headers), key=key, value=value))
    assert parsed.get_type() == "onegrid.case.dispatched"
    assert parsed.get_subject() == str(event.case_id) == key.decode()
    assert parsed.get_source() == "/onegrid/YYB/dispatch"
    assert parsed.get_datacontenttype() == "application/json"
    assert parsed.get_dataschema() == "urn:onegrid:schema:onegrid.case.dispatched:v1"
    assert parsed.get_data()["routing"]["rule_id"] == "catalog:C01"
    assert from_kafka(key, value, headers).event() == event


@pytest.mark.parametrize(
    ("headers", "value", "message"),
    [
        ([], b"{}", "missing headers"),
        ([("ce_specversion", b"0.3"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")], b"{}", "specversion"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")], b"{oops", "not JSON"),
        ([("ce_specversion", b"1.0"), ("ce_id", b"1"), ("ce_source", b"s"), ("ce_type", b"t")], b"[1]", "JSON object"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(headers, value, message):
    with pytest.raises(InvalidEnvelope, match=message):
        from_kafka(b"k", value, headers)


def test_unknown_type_and_bad_data_are_refused():
    key, value, headers = to_kafka(_dispatched(), source="/s")
    envelope = from_kafka(key, b'{"case_id": "nope"}', headers)
    with pytest.raises(InvalidEnvelope, match="onegrid.case.dispatched"):
        envelope.event()
    headers = [(k, b"onegrid.case.unheard_of" if k == "ce_type" else v) for k, v in headers]
    with pytest.raises(InvalidEnvelope, match="unknown event type"):
        from_kafka(key, value, headers).event()


def test_events_evolve_by_ignoring_unknown_fields():
    key, value, headers = to_kafka(_dispatched(), source="/s")
    newer = value[:-1] + b', "added_later": 1}'
    assert from_kafka(key, newer, headers).event().department == "D07"


def test_value_of_reads_a_field_and_answers_the_default_for_one_the_type_lacks():
    event = _dispatched()
    assert event.value_of("department") == "D07" and event.value_of("urgent") is event.urgent
    assert event.value_of("mediator_id") is None and event.value_of("priority", "normal") == "normal"
    key, value, headers = to_kafka(event, source="/s")
    newer = value[:-1] + b', "added_later": 1}'
    assert from_kafka(key, newer, headers).event().value_of("added_later") is None  # unknown fields are ignored


def test_new_ids_are_version_7_and_in_the_order_they_were_made():
    from onegrid_contracts.ids import new_id

    ids = [new_id() for _ in range(10_000)]
    assert all(type(i) is uuid.UUID and i.version == 7 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # each new key lands after the ones before it
    _, _, headers = to_kafka(_dispatched(), source="/s")
    assert uuid.UUID(dict(headers)["ce_id"].decode()).version == 7  # event ids too
