"""Disputes sent by dispatch over Kafka: opened once for the committee of the case's community,
screened at intake; the on-the-spot agreement of the walking skeleton and its limits."""

from __future__ import annotations

import uuid

from mediation_testkit import eventually, mediator, read_events
from onegrid_contracts import to_kafka
from onegrid_contracts.events import CaseMediationRequested
from onegrid_devstack.flows import token


async def _send(producer, prefix: str, event, event_id: str | None = None) -> None:
    key, value, headers = to_kafka(event, source="/onegrid/YYB/dispatch", event_id=event_id)
    await producer.send_and_wait(f"{prefix}.dispatch.v1", value, key=key, headers=headers)


def _request(description: str, community: str = "CM08", category: str = "C61") -> CaseMediationRequested:
    return CaseMediationRequested(case_id=uuid.uuid4(), jurisdiction="YYB", case_number="YYB-2026-000042",
                                  category=category, description=description, grid="G090", community=community,
                                  escalation_risk=True)


async def _dispute_of(client, case_id) -> list:
    return (await client.get("/v1/disputes", params={"case_id": str(case_id)}, headers=token("dispatcher"))).json()


async def test_a_case_from_dispatch_opens_one_dispute_and_allows_an_on_the_spot_agreement(
        mediation, producer, topic_prefix, kafka_bootstrap):
    event = _request("两家为宅基地地界石吵了好几次 / neighbours keep fighting over the boundary stone")
    await _send(producer, topic_prefix, event, event_id="evt-1")
    await _send(producer, topic_prefix, event, event_id="evt-1")  # redelivered
    await _send(producer, topic_prefix, event, event_id="evt-2")  # the same case sent again
    [d] = await eventually(lambda: _dispute_of(mediation, event.case_id), bool, "the dispute to open")
    assert (d["committee"], d["source"], d["status"], d["risk_colour"]) == ("M08", "dispatch", "opened", "orange")
    assert {r["code"] for r in d["risk_reasons"]} == {"category:C61", "threat:violence"}

    agreed = await mediation.post(f"/v1/disputes/{d['id']}/agreement", json={"terms": "界石按原位置重立"},
                                  headers=mediator("M08"))
    assert agreed.status_code == 200, agreed.text
    assert (agreed.json()["procedure"], agreed.json()["agreement_form"], agreed.json()["accepted_at"] is not None) == (
        "on_the_spot", "oral", True)
    honoured = await mediation.post(f"/v1/disputes/{d['id']}/performance", json={"honoured": True},
                                    headers=mediator("M08"))
    assert honoured.json()["status"] == "performed"
    assert len(await _dispute_of(mediation, event.case_id)) == 1
    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: any(t.endswith("performed") for t, _ in e))
    assert [t for t, e in events if e.case_id == event.case_id] == [
        "onegrid.mediation.opened", "onegrid.mediation.concluded", "onegrid.mediation.performed"]


async def test_a_red_case_from_dispatch_is_warned_at_once_and_never_concluded_on_the_spot(
        mediation, producer, topic_prefix, kafka_bootstrap):
    event = _request("他扬言要放火烧了邻居家", community="CM03", category="C57")
    await _send(producer, topic_prefix, event)
    [d] = await eventually(lambda: _dispute_of(mediation, event.case_id), bool, "the dispute to open")
    assert (d["committee"], d["risk_colour"], d["watch"]) == ("M03", "red", True)
    refused = await mediation.post(f"/v1/disputes/{d['id']}/agreement", json={"terms": "x"}, headers=mediator("M03"))
    assert refused.status_code == 409 and "red" in refused.json()["detail"]
    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: any(t.endswith("risk_warning") for t, _ in e))
    warning = next(e for t, e in events if t.endswith("risk_warning"))
    assert warning.case_id == event.case_id and any("放火" in r for r in warning.reasons)


async def test_on_the_spot_agreements_can_be_switched_off(settings_for, start_service, producer, topic_prefix):
    from mediation.main import build_app

    client = await start_service(build_app(settings_for(on_the_spot_agreements=False)))
    event = _request("邻居堵了路", community="CM01", category="C62")
    await _send(producer, topic_prefix, event)
    [d] = await eventually(lambda: _dispute_of(client, event.case_id), bool, "the dispute to open")
    refused = await client.post(f"/v1/disputes/{d['id']}/agreement", json={"terms": "x"}, headers=mediator("M01"))
    assert refused.status_code == 409
